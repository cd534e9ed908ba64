/* SPDX-License-Identifier: MIT */
/* The node's side of the debugger (docs/debugging.md): the agent passes the
 * debugger's stops, resumes and breakpoints to its harts, answers a halt
 * once every hart of the node waits, and hands register and memory accesses
 * to the stopped hart they name, whose thread does them (through its MMU
 * and the page cache, so through the directory) and answers on its own
 * connection. The agent never waits for a hart here: it must go on giving
 * pages up, to the debugger's accesses too. */
#include <string.h>

#include "cpu-node/internal.h"

/* What a hart's thread does for one DebugAccess. */
typedef struct {
    NodeHart *hart;
    guint64 txid;
    Shoal__V1__DebugAccessKind kind;
    guint regno, count;
    guint64 addr;
    GBytes *data; /* a write's */
    guint len;    /* a read's */
} AccessJob;

void node_debug_init(Node *node, gboolean paused)
{
    pthread_mutex_init(&node->debug_lock, NULL);
    node->debug_halts = g_array_new(FALSE, FALSE, sizeof(guint64));
    for (guint i = 0; paused && i < node->config->n_harts; i++)
        tcg_hart_debug_halt(node->harts[i].tcg);
}

void node_debug_clear(Node *node)
{
    g_array_unref(node->debug_halts);
    pthread_mutex_destroy(&node->debug_lock);
}

void node_send_on(Node *node, IcClient *client, IcEnvelope *env)
{
    g_autoptr(GError) error = NULL;
    if (!ic_client_send(client, env, &error) && !node_stopping(node))
        g_warning("%s: %s", ic_envelope_body_name(env), error->message);
}

static void send_stopped(Node *node, IcClient *client, guint64 txid, guint hart,
                         Shoal__V1__DebugStopReason reason, const TcgWatch *watch)
{
    Shoal__V1__DebugStopped msg = SHOAL__V1__DEBUG_STOPPED__INIT;
    msg.node = node->config->index;
    msg.hart = hart;
    msg.reason = reason;
    if (watch) {
        msg.watch_addr = watch->addr;
        msg.watch_kind = watch->kind;
    }
    IcEnvelope env = SHOAL__V1__ENVELOPE__INIT;
    env.txid = txid;
    env.body_case = SHOAL__V1__ENVELOPE__BODY_DEBUG_STOPPED;
    env.debug_stopped = &msg;
    node_send_on(node, client, &env);
}

static gboolean all_stopped(Node *node)
{
    for (guint i = 0; i < node->config->n_harts; i++)
        if (!tcg_hart_debug_stopped(node->harts[i].tcg))
            return FALSE;
    return TRUE;
}

/* debug_lock held: the halts waiting for the last hart, answered on
 * @client (the connection of the calling thread) if all wait now, and a
 * machine reset's next step. */
static void answer_halts_locked(Node *node, IcClient *client)
{
    if ((node->debug_halts->len == 0 && !node->reset_stopping) || !all_stopped(node))
        return;
    node_reset_all_stopped_locked(node);
    if (node->debug_halts->len > 0)
        node_clint_freeze(node->clint);
    for (guint i = 0; i < node->debug_halts->len; i++)
        send_stopped(node, client, g_array_index(node->debug_halts, guint64, i), 0,
                     SHOAL__V1__DEBUG_STOP_REASON__DEBUG_STOP_HALTED, NULL);
    g_array_set_size(node->debug_halts, 0);
}

void node_debug_stopped(Node *node, guint hart_id, TcgDebugStop why)
{
    NodeHart *h = node_hart(node, hart_id);
    if (why == TCG_DEBUG_WATCHPOINT) {
        TcgWatch w = tcg_hart_debug_watch_hit(h->tcg);
        send_stopped(node, h->requests, 0, hart_id,
                     SHOAL__V1__DEBUG_STOP_REASON__DEBUG_STOP_WATCHPOINT, &w);
    } else if (why != TCG_DEBUG_HALTED) {
        send_stopped(node, h->requests, 0, hart_id,
                     why == TCG_DEBUG_BREAKPOINT
                         ? SHOAL__V1__DEBUG_STOP_REASON__DEBUG_STOP_BREAKPOINT
                         : SHOAL__V1__DEBUG_STOP_REASON__DEBUG_STOP_STEP,
                     NULL);
    }
    pthread_mutex_lock(&node->debug_lock);
    answer_halts_locked(node, h->requests);
    pthread_mutex_unlock(&node->debug_lock);
}

/* Stops every hart, for a DebugHalt (@txid) or a machine reset. */
static void stop_all(Node *node, gboolean for_reset, guint64 txid)
{
    pthread_mutex_lock(&node->debug_lock);
    if (for_reset)
        node->reset_stopping = TRUE;
    else
        g_array_append_val(node->debug_halts, txid);
    for (guint i = 0; i < node->config->n_harts; i++)
        tcg_hart_debug_halt(node->harts[i].tcg);
    /* The last hart to stop answers, unless all wait already. */
    answer_halts_locked(node, node->client);
    pthread_mutex_unlock(&node->debug_lock);
}

void node_debug_halt(Node *node, guint64 txid)
{
    stop_all(node, FALSE, txid);
}

void node_debug_stop_all(Node *node, gboolean for_reset)
{
    stop_all(node, for_reset, 0);
}

static gboolean listed(const uint32_t *ids, gsize n, guint id)
{
    for (gsize i = 0; i < n; i++)
        if (ids[i] == id)
            return TRUE;
    return FALSE;
}

void node_debug_resume(Node *node, const Shoal__V1__DebugResume *r)
{
    gboolean drop = g_atomic_int_exchange(&node->debug_code_written, FALSE);
    node_clint_set_stopped_ns(node->clint, r->stopped_ns);
    for (guint i = 0; i < node->config->n_harts; i++) {
        NodeHart *h = &node->harts[i];
        /* Memory the debugger wrote may hold code any hart translated. */
        if (drop)
            tcg_hart_debug_drop_code(h->tcg);
        if (listed(r->step, r->n_step, h->id))
            tcg_hart_debug_resume(h->tcg, TCG_DEBUG_STEP);
        else if (listed(r->run, r->n_run, h->id))
            tcg_hart_debug_resume(h->tcg, TCG_DEBUG_RUN);
    }
}

void node_debug_breakpoints(Node *node, const Shoal__V1__DebugBreakpoints *b)
{
    g_autofree TcgWatch *watches = g_new(TcgWatch, MAX(b->n_watch_addr, 1));
    for (gsize i = 0; i < b->n_watch_addr; i++) /* the envelope check matched the fields */
        watches[i] = (TcgWatch){ b->watch_addr[i], b->watch_len[i],
                                 (TcgWatchKind)b->watch_kind[i] };
    for (guint i = 0; i < node->config->n_harts; i++) {
        tcg_hart_debug_set_breakpoints(node->harts[i].tcg, b->pc, (guint)b->n_pc);
        tcg_hart_debug_set_watchpoints(node->harts[i].tcg, watches, (guint)b->n_watch_addr);
    }
}

static void send_reply(Node *node, IcClient *client, guint64 txid, gboolean ok,
                       const guint8 *data, gsize len)
{
    Shoal__V1__DebugAccessReply reply = SHOAL__V1__DEBUG_ACCESS_REPLY__INIT;
    reply.ok = ok;
    reply.data.data = (guint8 *)data;
    reply.data.len = ok ? len : 0;
    IcEnvelope env = SHOAL__V1__ENVELOPE__INIT;
    env.txid = txid;
    env.body_case = SHOAL__V1__ENVELOPE__BODY_DEBUG_ACCESS_REPLY;
    env.debug_access_reply = &reply;
    node_send_on(node, client, &env);
}

/* On the stopped hart's thread. */
static void do_access(TcgHart *tcg, gpointer data)
{
    AccessJob *job = data;
    Node *node = job->hart->node;
    g_autofree guint8 *buf = NULL;
    gsize len = 0;
    gboolean ok = FALSE;
    switch (job->kind) {
    case SHOAL__V1__DEBUG_ACCESS_KIND__DEBUG_ACCESS_READ_REGS:
        len = (gsize)job->count * 8;
        buf = g_malloc(len);
        ok = TRUE;
        for (guint i = 0; ok && i < job->count; i++) {
            guint64 v;
            ok = tcg_debug_read_reg(tcg, job->regno + i, &v);
            v = GUINT64_TO_LE(v);
            memcpy(buf + i * 8, &v, 8);
        }
        break;
    case SHOAL__V1__DEBUG_ACCESS_KIND__DEBUG_ACCESS_WRITE_REG: {
        guint64 v;
        memcpy(&v, g_bytes_get_data(job->data, NULL), 8);
        ok = tcg_debug_write_reg(tcg, job->regno, GUINT64_FROM_LE(v));
        break;
    }
    case SHOAL__V1__DEBUG_ACCESS_KIND__DEBUG_ACCESS_READ_MEM:
        len = job->len;
        buf = g_malloc(len);
        ok = tcg_debug_access_mem(tcg, job->addr, buf, len, FALSE);
        break;
    case SHOAL__V1__DEBUG_ACCESS_KIND__DEBUG_ACCESS_WRITE_MEM:
        buf = g_bytes_unref_to_data(g_steal_pointer(&job->data), &len);
        ok = tcg_debug_access_mem(tcg, job->addr, buf, len, TRUE);
        len = 0;
        g_atomic_int_set(&node->debug_code_written, TRUE);
        break;
    default:
        break; /* the envelope check lets no other kind through */
    }
    send_reply(node, job->hart->requests, job->txid, ok, buf, len);
    g_clear_pointer(&job->data, g_bytes_unref);
    g_free(job);
}

void node_debug_access(Node *node, guint64 txid, const Shoal__V1__DebugAccess *a)
{
    NodeHart *h = node_hart(node, a->hart);
    if (h == NULL || !tcg_hart_debug_stopped(h->tcg)) {
        /* Only a stopped hart's state means anything to gdb. */
        send_reply(node, node->client, txid, FALSE, NULL, 0);
        return;
    }
    AccessJob *job = g_new0(AccessJob, 1);
    job->hart = h;
    job->txid = txid;
    job->kind = a->kind;
    job->regno = a->regno;
    job->count = a->count;
    job->addr = a->addr;
    job->len = a->len;
    if (a->kind == SHOAL__V1__DEBUG_ACCESS_KIND__DEBUG_ACCESS_WRITE_MEM ||
        a->kind == SHOAL__V1__DEBUG_ACCESS_KIND__DEBUG_ACCESS_WRITE_REG)
        job->data = g_bytes_new(a->data.data, a->data.len);
    tcg_hart_debug_run(h->tcg, do_access, job);
}
