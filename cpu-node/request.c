/* SPDX-License-Identifier: MIT */
/* A hart's requests to the memory server (pages, device accesses, exits,
 * IPIs; docs/protocol.md) go out on the hart's own connection, straight
 * from its thread: no hand-over to the agent on the way out. A page grant and the answer to a
 * pure device read come back on that connection too (reply_here), so the
 * hart installs its page itself; other replies come to the agent on the
 * node's main connection, which finds the waiting hart in the pending table
 * by txid and wakes it. */
#include "cpu-node/internal.h"

/* The message for @req, built from copies of its fields: once it is in the
 * pending table the agent may write the request at any moment. */
typedef struct {
    IcEnvelope env;
    Shoal__V1__GetS get_s;
    Shoal__V1__GetM get_m;
    Shoal__V1__Access access;
    Shoal__V1__Upgrade upgrade;
    Shoal__V1__MmioRequest mmio;
    Shoal__V1__GuestExit exit_msg;
    Shoal__V1__IrqLine irq;
    Shoal__V1__QuantumDone quantum_done;
    Shoal__V1__IoFence io_fence;
} Outgoing;

static void build_request(Outgoing *out, const NodeRequest *req)
{
    *out = (Outgoing){ SHOAL__V1__ENVELOPE__INIT, SHOAL__V1__GET_S__INIT,
                       SHOAL__V1__GET_M__INIT, SHOAL__V1__ACCESS__INIT, SHOAL__V1__UPGRADE__INIT,
                       SHOAL__V1__MMIO_REQUEST__INIT, SHOAL__V1__GUEST_EXIT__INIT,
                       SHOAL__V1__IRQ_LINE__INIT, SHOAL__V1__QUANTUM_DONE__INIT,
                       SHOAL__V1__IO_FENCE__INIT };
    out->env.txid = req->txid;
    if (req->access) {
        out->access.addr = req->access->paddr;
        out->access.size = req->access->size;
        G_STATIC_ASSERT((int)SHOAL__V1__ACCESS_OP__ACCESS_OP_LOAD == (int)TCG_REMOTE_LOAD &&
                        (int)SHOAL__V1__ACCESS_OP__ACCESS_OP_MAXU == (int)TCG_REMOTE_MAXU);
        out->access.op = (Shoal__V1__AccessOp)req->access->op;
        out->access.operand = req->access->operand;
    }
    switch (req->kind) {
    case NODE_REQ_GET_S:
        out->get_s.page = req->addr;
        out->get_s.reply_here = TRUE;
        out->get_s.access = req->access ? &out->access : NULL;
        out->env.body_case = SHOAL__V1__ENVELOPE__BODY_GET_S;
        out->env.get_s = &out->get_s;
        break;
    case NODE_REQ_GET_M:
        out->get_m.page = req->addr;
        out->get_m.reply_here = TRUE;
        out->get_m.access = req->access ? &out->access : NULL;
        out->env.body_case = SHOAL__V1__ENVELOPE__BODY_GET_M;
        out->env.get_m = &out->get_m;
        break;
    case NODE_REQ_UPGRADE:
        out->upgrade.page = req->addr;
        out->upgrade.reply_here = TRUE;
        out->env.body_case = SHOAL__V1__ENVELOPE__BODY_UPGRADE;
        out->env.upgrade = &out->upgrade;
        break;
    case NODE_REQ_MMIO:
    case NODE_REQ_MMIO_POSTED:
    case NODE_REQ_MMIO_HERE:
        out->mmio.posted = req->kind == NODE_REQ_MMIO_POSTED;
        out->mmio.reply_here = req->kind == NODE_REQ_MMIO_HERE;
        out->mmio.addr = req->addr;
        out->mmio.size = req->size;
        out->mmio.is_write = req->is_write;
        out->mmio.data = req->value;
        out->mmio.hart = req->hart;
        out->mmio.guest_ns = req->guest_ns;
        out->env.body_case = SHOAL__V1__ENVELOPE__BODY_MMIO_REQUEST;
        out->env.mmio_request = &out->mmio;
        break;
    case NODE_REQ_GUEST_EXIT:
        out->exit_msg.code = (gint32)req->value;
        out->env.body_case = SHOAL__V1__ENVELOPE__BODY_GUEST_EXIT;
        out->env.guest_exit = &out->exit_msg;
        break;
    case NODE_REQ_IRQ:
        out->irq.line = req->line;
        out->irq.level = req->value != 0;
        out->irq.hart = req->hart;
        out->env.body_case = SHOAL__V1__ENVELOPE__BODY_IRQ_LINE;
        out->env.irq_line = &out->irq;
        break;
    case NODE_REQ_QUANTUM_DONE:
        out->quantum_done.quantum = req->value;
        out->quantum_done.hart = req->hart;
        out->quantum_done.idle = req->idle;
        out->quantum_done.wake_ns = req->wake_ns;
        out->env.body_case = SHOAL__V1__ENVELOPE__BODY_QUANTUM_DONE;
        out->env.quantum_done = &out->quantum_done;
        break;
    case NODE_REQ_IO_FENCE:
        out->env.body_case = SHOAL__V1__ENVELOPE__BODY_IO_FENCE;
        out->env.io_fence = &out->io_fence;
        break;
    }
}

gboolean node_stopping(Node *node)
{
    pthread_mutex_lock(&node->pending_lock);
    gboolean stopping = node->stopping;
    pthread_mutex_unlock(&node->pending_lock);
    return stopping;
}

gboolean node_page_install(Node *node, const Shoal__V1__PageGrant *g)
{
    if (!node_page_cache_has(node->cache, g->page)) {
        g_warning("grant for 0x%" G_GINT64_MODIFIER "x, not a page of RAM; ignored", g->page);
        return FALSE;
    }
    node_page_cache_install(node->cache, node_page_cache_frame(node->cache, g->page),
                            g->state == SHOAL__V1__PAGE_STATE__PAGE_STATE_MODIFIED
                                ? NODE_PAGE_MODIFIED : NODE_PAGE_SHARED,
                            g->data.data);
    /* Seq_cst after the count went up: the agent counts itself in and
     * then looks at the grants again before it waits (agent.c,
     * give_up_later and release_held_back), so either it sees this
     * install or we see its count and kick it. */
    if (__atomic_load_n(&node->installs_awaited, __ATOMIC_SEQ_CST) > 0)
        node_agent_kick(node);
    return TRUE;
}

/* The answer to a page request, a NODE_REQ_MMIO_HERE or an IoFence on the
 * hart's own channel: one process switch each way, none through the agent. */
#define HERE_POLL_MS 100 /* how often a hart waiting so looks for the end */

static const char *here_request_name(NodeReqKind kind)
{
    switch (kind) {
    case NODE_REQ_MMIO_HERE: return "device read";
    case NODE_REQ_IO_FENCE: return "device fence";
    default: return "page request";
    }
}

static gboolean take_reply(Node *node, NodeRequest *req, const IcEnvelope *env)
{
    gboolean page = req->kind != NODE_REQ_MMIO_HERE && req->kind != NODE_REQ_IO_FENCE;
    if (env->body_case == SHOAL__V1__ENVELOPE__BODY_SHUTDOWN) {
        /* The server ends the machine on every connection it has; the
         * agent stops the harts, and wait_here sees it within a poll. */
        g_debug("shutdown on a hart's channel while it waits for txid %" G_GUINT64_FORMAT,
                req->txid);
        return FALSE;
    }
    if (env->txid != req->txid) {
        g_warning("%s for txid %" G_GUINT64_FORMAT " on a hart's channel, which waits for %"
                  G_GUINT64_FORMAT "; dropped", ic_envelope_body_name(env), env->txid, req->txid);
        return FALSE;
    }
    switch (env->body_case) {
    case SHOAL__V1__ENVELOPE__BODY_IO_FENCE:
        if (req->kind != NODE_REQ_IO_FENCE)
            break;
        req->ok = TRUE;
        return TRUE;
    case SHOAL__V1__ENVELOPE__BODY_MMIO_RESPONSE:
        if (req->kind != NODE_REQ_MMIO_HERE)
            break;
        req->ok = env->mmio_response->ok;
        req->value = env->mmio_response->data;
        return TRUE;
    case SHOAL__V1__ENVELOPE__BODY_PAGE_GRANT:
        if (!page)
            break;
        if (env->page_grant->page != req->addr)
            g_warning("grant for page 0x%" G_GINT64_MODIFIER "x answers a request for 0x%"
                      G_GINT64_MODIFIER "x", env->page_grant->page, req->addr);
        /* Installed whatever it answers: the server counted it. */
        req->ok = node_page_install(node, env->page_grant) && env->page_grant->page == req->addr;
        return TRUE;
    case SHOAL__V1__ENVELOPE__BODY_ACCESS_RESULT:
        if (!page || req->access == NULL || env->access_result->page != req->addr)
            break;
        req->forwarded = TRUE;
        req->value = env->access_result->value;
        req->ok = TRUE;
        return TRUE;
    case SHOAL__V1__ENVELOPE__BODY_ERROR:
        g_warning("memory server: %s", env->error->text);
        req->ok = FALSE; /* the hart raises an access fault */
        return TRUE;
    default:
        break;
    }
    g_warning("%s answers a %s on a hart's channel; dropped", ic_envelope_body_name(env),
              here_request_name(req->kind));
    return FALSE;
}

/* A hart's channel closed: the memory server is gone, at the end of a run
 * before its Shutdown reached the agent, or dead (the agent says so when
 * its own connection closes). Either way the node is over: no more
 * requests, each of which would fail and fault the guest again, and no
 * word per attempt. */
static void server_gone(Node *node)
{
    node_fail_pending(node);
    node_stop_harts(node);
}

static void wait_here(Node *node, IcClient *channel, NodeRequest *req)
{
    gint64 deadline = g_get_monotonic_time() + NODE_REPLY_TIMEOUT_US;
    while (!node_stopping(node) && g_get_monotonic_time() < deadline) {
        g_autoptr(IcEnvelope) env = NULL;
        g_autoptr(GError) error = NULL;
        if (!ic_client_wait(channel, NULL, 0, HERE_POLL_MS, &env, &error)) {
            if (g_error_matches(error, IC_ERROR, IC_ERROR_CLOSED)) {
                server_gone(node);
                return;
            }
            g_warning("%s", error->message);
            continue;
        }
        if (env && take_reply(node, req, env))
            return;
    }
    if (!node_stopping(node))
        g_printerr("shoal-cpu-node %u: no answer to a %s at 0x%" G_GINT64_MODIFIER "x\n",
                   node->config->index, here_request_name(req->kind), req->addr);
}

void node_submit(Node *node, guint hart_id, NodeRequest *req)
{
    NodeHart *h = node_hart(node, hart_id);
    g_assert(h != NULL);
    /* Answered through the agent, which finds the request by txid, or on
     * the hart's own channel. */
    gboolean here = req->kind == NODE_REQ_GET_S || req->kind == NODE_REQ_GET_M ||
                    req->kind == NODE_REQ_UPGRADE || req->kind == NODE_REQ_MMIO_HERE ||
                    req->kind == NODE_REQ_IO_FENCE;
    gboolean reply = req->kind == NODE_REQ_MMIO;
    tcg_event_init(&req->done);
    req->ok = FALSE;
    req->forwarded = FALSE;
    req->txid = __atomic_add_fetch(&node->next_txid, 1, __ATOMIC_RELAXED);
    Outgoing out;
    build_request(&out, req); /* before the agent can see it */
    pthread_mutex_lock(&node->pending_lock);
    if (node->stopping) {
        /* The machine is ending: fail fast, the hart is being stopped. */
        pthread_mutex_unlock(&node->pending_lock);
        return;
    }
    if (reply) {
        /* Before sending: the reply may reach the agent before we return. */
        req->sent_us = g_get_monotonic_time();
        g_hash_table_insert(node->pending, &req->txid, req);
    }
    pthread_mutex_unlock(&node->pending_lock);
    g_autoptr(GError) error = NULL;
    if (!ic_client_send(h->requests, &out.env, &error)) {
        if (g_error_matches(error, IC_ERROR, IC_ERROR_CLOSED))
            server_gone(node);
        else
            g_warning("%s", error->message);
        if (reply && node_take_pending(node, out.env.txid) == req)
            return; /* ok stays FALSE: the hart raises an access fault */
    }
    if (reply)
        tcg_event_wait(&req->done);
    else if (here && error == NULL)
        wait_here(node, h->requests, req);
    if ((reply || here) && req->ok)
        /* The server took the channel's requests in order: the posted
         * writes before this one are done. */
        h->posted_unfenced = 0;
    else if (req->kind == NODE_REQ_MMIO_POSTED || req->kind == NODE_REQ_IRQ)
        h->posted_unfenced++; /* an IPI to another node is a posted CLINT write */
}

NodeRequest *node_take_pending(Node *node, guint64 txid)
{
    pthread_mutex_lock(&node->pending_lock);
    NodeRequest *req = g_hash_table_lookup(node->pending, &txid);
    if (req)
        g_hash_table_remove(node->pending, &txid);
    pthread_mutex_unlock(&node->pending_lock);
    return req;
}

void node_fail_pending(Node *node)
{
    pthread_mutex_lock(&node->pending_lock);
    node->stopping = TRUE; /* under the lock: nothing is sent after this */
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, node->pending);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        NodeRequest *req = value;
        req->ok = FALSE;
        tcg_event_set(&req->done);
    }
    g_hash_table_remove_all(node->pending);
    pthread_mutex_unlock(&node->pending_lock);
}

gboolean node_pending_overdue(Node *node, gint64 timeout_us)
{
    gint64 now = g_get_monotonic_time();
    gboolean overdue = FALSE;
    pthread_mutex_lock(&node->pending_lock);
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, node->pending);
    while (!overdue && g_hash_table_iter_next(&it, NULL, &value))
        overdue = now - ((const NodeRequest *)value)->sent_us > timeout_us;
    pthread_mutex_unlock(&node->pending_lock);
    return overdue;
}
