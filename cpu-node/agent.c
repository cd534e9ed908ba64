/* SPDX-License-Identifier: MIT */
/* The node's coherence agent (docs/coherence.md §3 and §4): the one thread
 * that receives what the server sends the node on the node's main
 * connection, in order. Harts send their
 * requests themselves and take their page grants on their own connections
 * (request.c); the agent answers MMIO replies by txid, installs prefetched
 * pages, and gives pages back. An Invalidate or Recall may overtake the
 * grant it follows (which travels on the hart's connection): it carries the
 * number of grants of the page sent to the node by then, and waits until
 * the node installed as many. Then it runs as safe work on the harts that
 * mapped the page before the ack goes out. The agent never waits for a hart
 * that waits for the agent: a hart blocked in a callback is at a safe point,
 * so its safe work runs at once. */
#include <string.h>

#include "cpu-node/internal.h"

#define MAX_WAIT_MS 1000       /* longest poll, so timers and timeouts are seen */

/* An Invalidate, Recall or AccessAt held back while the page is new here
 * (its hold), a hart's LR lease on it runs, or the grant it follows is not
 * installed. */
typedef struct {
    guint64 txid;
    guint64 page;
    NodePageState new_state;
    gboolean make_access; /* AccessAt: make `access` and keep the page */
    TcgRemoteAccess access;
    NodeFrame *frame;
    guint32 grants; /* answered once frame->grants reached this */
    gboolean awaiting_install; /* counted in node->installs_awaited */
    gint64 hold_until_us; /* not answered before then */
    gint64 until_us; /* answered then at the latest */
    NodeLeaseSnapshot *leases; /* answered once these ended (owned), NULL if none */
} HeldBack;

typedef struct {
    Node *node;
    GArray *held_back;   /* HeldBack */
    TcgHart **mapping;   /* give_up's scratch: the harts a page is flushed on */
} Agent;

void node_agent_kick(Node *node)
{
    ic_waker_wake(node->waker);
}

static void send_env(Agent *a, IcEnvelope *env)
{
    g_autoptr(GError) error = NULL;
    if (!ic_client_send(a->node->client, env, &error))
        g_warning("%s", error->message);
}

static NodeRequest *take_pending(Agent *a, const IcEnvelope *env)
{
    NodeRequest *req = node_take_pending(a->node, env->txid);
    /* Once the node is stopping its waiting requests were failed already. */
    if (!req && !node_stopping(a->node))
        g_warning("%s for txid %" G_GUINT64_FORMAT " that no hart is waiting for",
                  ic_envelope_body_name(env), env->txid);
    return req;
}

/* A prefetch (txid 0): the server made us the owner without being asked.
 * A grant with a txid belongs on the asking hart's connection; one here is
 * installed all the same, so the count the server keeps stays ours. */
static void on_grant(Agent *a, const IcEnvelope *env)
{
    const Shoal__V1__PageGrant *g = env->page_grant;
    if (env->txid == 0)
        node_stats_pushed(&a->node->stats, NODE_PUSH_PREFETCH);
    else
        g_warning("grant for txid %" G_GUINT64_FORMAT " on the node's connection", env->txid);
    node_page_install(a->node, g);
}

static void on_mmio_response(Agent *a, const IcEnvelope *env)
{
    NodeRequest *req = take_pending(a, env);
    if (!req)
        return;
    if (req->kind != NODE_REQ_MMIO) {
        g_warning("MMIO response answers a page request; failing it");
        req->ok = FALSE;
    } else {
        req->ok = env->mmio_response->ok;
        req->value = env->mmio_response->data;
    }
    tcg_event_set(&req->done);
}

static void on_error(Agent *a, const IcEnvelope *env)
{
    g_warning("memory server: %s", env->error->text);
    NodeRequest *req = node_take_pending(a->node, env->txid);
    if (req) {
        req->ok = FALSE; /* the hart raises an access fault */
        tcg_event_set(&req->done);
    }
}

typedef struct {
    guint64 page;
    gboolean drop_code;
} FlushArgs;

static void flush_page(TcgHart *hart, gpointer data)
{
    const FlushArgs *args = data;
    tcg_hart_flush_page(hart, args->page, args->drop_code);
}

/* Invalidate or Recall: change the state, make the harts that mapped the
 * page since it was last dropped (the frame's mapped_by, cpu-node/mapped.pml)
 * forget their mappings, then ack with the data if we held the page
 * Modified. The data is read only after the last of them flushed, so no
 * store is lost. */
static void give_up(Agent *a, guint64 txid, guint64 page, NodePageState new_state)
{
    Node *node = a->node;
    NodeFrame *f = node_page_cache_lookup(node->cache, page);
    NodePageState old = f ? __atomic_load_n(&f->state, __ATOMIC_ACQUIRE) : NODE_PAGE_INVALID;
    if (f && new_state < old) {
        __atomic_store_n(&f->state, new_state, __ATOMIC_SEQ_CST);
        /* Only the harts that mapped the page since it was last dropped
         * can hold it: the others need not stop (one preempted by the host
         * would hold the ack up for its whole time slice). Dropped, the
         * page starts over with nobody. */
        guint64 mapped = new_state == NODE_PAGE_INVALID
                             ? __atomic_exchange_n(&f->mapped_by, 0, __ATOMIC_SEQ_CST)
                             : __atomic_load_n(&f->mapped_by, __ATOMIC_SEQ_CST);
        guint n = 0;
        for (guint i = 0; i < node->config->n_harts; i++)
            if (mapped & node_hart_bit(node, node->config->first_hart + i))
                a->mapping[n++] = node->tcgs[i];
        FlushArgs args = { page, new_state == NODE_PAGE_INVALID };
        if (n > 0) {
            gint64 t0 = g_get_monotonic_time();
            tcg_harts_run_safe(a->mapping, n, flush_page, &args);
            node_stats_flush(&node->stats, n, g_get_monotonic_time() - t0);
        }
    }
    g_debug("node %u: page 0x%" G_GINT64_MODIFIER "x %c -> %c", node->config->index, page,
            "ISM"[old], "ISM"[MIN(old, new_state)]);
    Shoal__V1__PageAck ack = SHOAL__V1__PAGE_ACK__INIT;
    ack.page = page;
    guint8 data[TCG_PAGE_SIZE];
    if (old == NODE_PAGE_MODIFIED) {
        /* Read before the page can come back (given_up, NodeFrame). */
        memcpy(data, f->host, TCG_PAGE_SIZE);
        ack.data.data = data;
        ack.data.len = TCG_PAGE_SIZE;
    }
    if (f)
        __atomic_add_fetch(&f->given_up, 1, __ATOMIC_RELEASE);
    IcEnvelope reply = SHOAL__V1__ENVELOPE__INIT;
    reply.txid = txid;
    reply.body_case = SHOAL__V1__ENVELOPE__BODY_PAGE_ACK;
    reply.page_ack = &ack;
    send_env(a, &reply);
}

/* AccessAt: a hart of another node wants @access made on our Modified copy
 * of @page (forwarding). The page stays; so do the harts' mappings: a
 * store of theirs and this AMO are host atomics on the same bytes. */
static void make_access(Agent *a, guint64 txid, guint64 page, const TcgRemoteAccess *access)
{
    Node *node = a->node;
    NodeFrame *f = node_page_cache_frame(node->cache, page);
    if (__atomic_load_n(&f->state, __ATOMIC_ACQUIRE) != NODE_PAGE_MODIFIED)
        g_warning("access at 0x%" G_GINT64_MODIFIER "x for another node, which the server "
                  "says we hold Modified; we do not", access->paddr);
    node_stats_pushed(&node->stats, NODE_PUSH_ACCESS_AT);
    guint8 *p = f->host + (access->paddr - page);
    Shoal__V1__AccessResult res = SHOAL__V1__ACCESS_RESULT__INIT;
    res.page = page;
    res.value = tcg_host_access(p, access->size, access->op, access->operand);
    /* A write into translated code: the harts drop it at their next
     * fence.i, as after another hart's store. */
    if (access->op != TCG_REMOTE_LOAD)
        tcg_shared_code_stored(access->paddr);
    IcEnvelope reply = SHOAL__V1__ENVELOPE__INIT;
    reply.txid = txid;
    reply.body_case = SHOAL__V1__ENVELOPE__BODY_ACCESS_RESULT;
    reply.access_result = &res;
    send_env(a, &reply);
}

/* What the server asked of a held-back @h, now. */
static void answer(Agent *a, const HeldBack *h)
{
    if (h->make_access)
        make_access(a, h->txid, h->page, &h->access);
    else
        give_up(a, h->txid, h->page, h->new_state);
}

/* Whether the node installed the @grants grants of @f's page the server
 * had sent when it asked for the page back (counts wrap). Seq_cst, against
 * the installing hart's look at installs_awaited (node_page_install). */
static gboolean grants_installed(NodeFrame *f, guint32 grants)
{
    return (gint32)(__atomic_load_n(&f->grants, __ATOMIC_SEQ_CST) - grants) >= 0;
}

/* Gives the page up now, or once it was here for its hold and the LR
 * lease on it ended. The hold ([cpu] page-hold-us) lets the harts that
 * asked for a page use it before it goes again: without it, two nodes
 * writing one page can take it from each other before either got a store
 * in, each transfer costing a round trip through the server. */
static void give_up_later(Agent *a, const IcEnvelope *env, guint64 page, guint32 grants,
                          NodePageState new_state, const TcgRemoteAccess *access)
{
    Node *node = a->node;
    if (!node_page_cache_has(node->cache, page)) {
        g_warning("%s for 0x%" G_GINT64_MODIFIER "x, not a page of RAM; ignored",
                  ic_envelope_body_name(env), page);
        return;
    }
    gint64 now = g_get_monotonic_time();
    NodeFrame *f = node_page_cache_frame(node->cache, page);
    gint64 hold_until =
        node->machine->page_hold_us
            ? __atomic_load_n(&f->granted_us, __ATOMIC_RELAXED) + (gint64)node->machine->page_hold_us
            : 0;
    NodeLeaseSnapshot *leases = node_leases_snapshot(node->leases, page);
    gboolean installed = grants_installed(f, grants);
    HeldBack h = { env->txid, page, new_state, access != NULL, { 0 }, f, grants, !installed,
                   hold_until, now + (gint64)node->machine->lr_lease_us, leases };
    if (access)
        h.access = *access;
    if (leases == NULL && hold_until <= now && installed) {
        answer(a, &h);
        return;
    }
    if (!installed)
        __atomic_add_fetch(&node->installs_awaited, 1, __ATOMIC_SEQ_CST);
    g_array_append_val(a->held_back, h);
}

/* Answers what was held back for leases that ended; the wait (us, at
 * most @timeout_us) until the next one ends. */
static gint64 release_held_back(Agent *a, gint64 timeout_us)
{
    gint64 now = g_get_monotonic_time();
    for (guint i = 0; i < a->held_back->len;) {
        HeldBack h = g_array_index(a->held_back, HeldBack, i);
        if (!grants_installed(h.frame, h.grants)) {
            i++; /* the installing hart kicks us */
            continue;
        }
        gboolean leased = h.leases && now < h.until_us &&
                          !node_leases_snapshot_over(a->node->leases, h.leases);
        if (now < h.hold_until_us || leased) {
            timeout_us = MIN(timeout_us, MAX(h.hold_until_us, leased ? h.until_us : 0) - now);
            i++;
            continue;
        }
        if (h.awaiting_install)
            __atomic_sub_fetch(&a->node->installs_awaited, 1, __ATOMIC_SEQ_CST);
        g_array_remove_index(a->held_back, i);
        g_free(h.leases);
        answer(a, &h);
    }
    return timeout_us;
}

/* TRUE when the machine is over. */
static gboolean handle(Agent *a, const IcEnvelope *env)
{
    Node *node = a->node;
    switch (env->body_case) {
    case SHOAL__V1__ENVELOPE__BODY_PAGE_GRANT:
        on_grant(a, env);
        return FALSE;
    case SHOAL__V1__ENVELOPE__BODY_MMIO_RESPONSE:
        on_mmio_response(a, env);
        return FALSE;
    case SHOAL__V1__ENVELOPE__BODY_INVALIDATE:
        node_stats_pushed(&node->stats, NODE_PUSH_INVALIDATE);
        give_up_later(a, env, env->invalidate->page, env->invalidate->grants, NODE_PAGE_INVALID,
                      NULL);
        return FALSE;
    case SHOAL__V1__ENVELOPE__BODY_RECALL: {
        gboolean down = env->recall->kind == SHOAL__V1__RECALL_KIND__RECALL_KIND_DOWNGRADE;
        node_stats_pushed(&node->stats,
                          down ? NODE_PUSH_RECALL_DOWNGRADE : NODE_PUSH_RECALL_INVALIDATE);
        give_up_later(a, env, env->recall->page, env->recall->grants,
                      down ? NODE_PAGE_SHARED : NODE_PAGE_INVALID, NULL);
        return FALSE;
    }
    case SHOAL__V1__ENVELOPE__BODY_ACCESS_AT: {
        const Shoal__V1__Access *acc = env->access_at->access;
        TcgRemoteAccess access = { acc->addr, acc->size, (TcgRemoteOp)acc->op, acc->operand,
                                   3 /* made as the firmware asked */ };
        give_up_later(a, env, env->access_at->page, env->access_at->grants, NODE_PAGE_MODIFIED,
                      &access);
        return FALSE;
    }
    case SHOAL__V1__ENVELOPE__BODY_DEVICE_MIRROR:
        node_mirror_set(node, env->device_mirror->addr, env->device_mirror->value,
                        env->device_mirror->valid);
        return FALSE;
    case SHOAL__V1__ENVELOPE__BODY_IRQ_LINE:
        if (!node_clint_irq(node->clint, env->irq_line->hart, env->irq_line->line,
                            env->irq_line->level))
            g_warning("interrupt line %u for hart %u, which is not in this node",
                      env->irq_line->line, env->irq_line->hart);
        return FALSE;
    case SHOAL__V1__ENVELOPE__BODY_QUANTUM_GO:
        node_quantum_go(node->quantum, env->quantum_go->quantum, env->quantum_go->start_ns);
        return FALSE;
    case SHOAL__V1__ENVELOPE__BODY_MACHINE_RESET:
        node_reset(node, env->machine_reset->phase);
        return FALSE;
    case SHOAL__V1__ENVELOPE__BODY_DEBUG_HALT:
        node_debug_halt(node, env->txid);
        return FALSE;
    case SHOAL__V1__ENVELOPE__BODY_DEBUG_RESUME:
        node_debug_resume(node, env->debug_resume);
        return FALSE;
    case SHOAL__V1__ENVELOPE__BODY_DEBUG_BREAKPOINTS:
        node_debug_breakpoints(node, env->debug_breakpoints);
        return FALSE;
    case SHOAL__V1__ENVELOPE__BODY_DEBUG_ACCESS:
        node_debug_access(node, env->txid, env->debug_access);
        return FALSE;
    case SHOAL__V1__ENVELOPE__BODY_SNAPSHOT_DUMP:
        node_snapshot_dump(node);
        return FALSE;
    case SHOAL__V1__ENVELOPE__BODY_ERROR:
        on_error(a, env);
        return FALSE;
    case SHOAL__V1__ENVELOPE__BODY_SHUTDOWN:
        g_info("node %u: shutdown (exit code %d): %s", node->config->index,
               env->shutdown->exit_code, env->shutdown->reason);
        node->exit_code = 0;
        return TRUE;
    default:
        g_warning("unexpected %s from the memory server; ignored", ic_envelope_body_name(env));
        return FALSE;
    }
}

gpointer node_agent_thread(gpointer data)
{
    Agent a = { .node = data };
    Node *node = a.node;
    a.held_back = g_array_new(FALSE, FALSE, sizeof(HeldBack));
    a.mapping = g_new(TcgHart *, node->config->n_harts);
    gboolean over = FALSE;
    while (!over) {
        gint64 timeout_us =
            release_held_back(&a, (gint64)node_clint_fire_timers(node->clint, MAX_WAIT_MS) * 1000);
        struct pollfd pfd = { .fd = ic_waker_fd(node->waker), .events = POLLIN };
        g_autoptr(IcEnvelope) env = NULL;
        g_autoptr(GError) error = NULL;
        if (!ic_client_wait_us(node->client, &pfd, 1, timeout_us, &env, &error)) {
            if (g_error_matches(error, IC_ERROR, IC_ERROR_CLOSED)) {
                g_printerr("shoal-cpu-node %u: %s: stopping\n", node->config->index,
                           error->message);
                node->exit_code = 1;
                break;
            }
            g_warning("%s", error->message);
            continue;
        }
        if (pfd.revents)
            ic_waker_drain(node->waker);
        if (env)
            over = handle(&a, env);
        if (!over && node_pending_overdue(node, NODE_REPLY_TIMEOUT_US)) {
            g_printerr("shoal-cpu-node %u: no answer from the memory server for %d s: stopping\n",
                       node->config->index, (int)(NODE_REPLY_TIMEOUT_US / G_USEC_PER_SEC));
            node->exit_code = 1;
            break;
        }
    }
    node_fail_pending(node);
    node_stop_harts(node);
    for (guint i = 0; i < a.held_back->len; i++)
        g_free(g_array_index(a.held_back, HeldBack, i).leases);
    g_array_free(a.held_back, TRUE);
    g_free(a.mapping);
    return NULL;
}
