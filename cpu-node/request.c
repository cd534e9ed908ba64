/* SPDX-License-Identifier: MIT */
/* A hart's requests to the memory server (pages, device accesses, exits,
 * IPIs) go out on the hart's own connection, straight from its thread: no
 * hand-over to the agent on the way out. Replies come back on the node's
 * main connection, to the agent, which alone receives, so a grant still
 * never overtakes an Invalidate of the same page; it finds the waiting
 * hart in the pending table by txid and wakes it. */
#include "cpu-node/internal.h"

static gboolean send_request(IcClient *channel, NodeRequest *req, GError **error)
{
    IcEnvelope env = SHOAL__V1__ENVELOPE__INIT;
    Shoal__V1__GetS get_s = SHOAL__V1__GET_S__INIT;
    Shoal__V1__GetM get_m = SHOAL__V1__GET_M__INIT;
    Shoal__V1__Upgrade upgrade = SHOAL__V1__UPGRADE__INIT;
    Shoal__V1__MmioRequest mmio = SHOAL__V1__MMIO_REQUEST__INIT;
    Shoal__V1__GuestExit exit_msg = SHOAL__V1__GUEST_EXIT__INIT;
    Shoal__V1__IrqLine irq = SHOAL__V1__IRQ_LINE__INIT;
    env.txid = req->txid;
    switch (req->kind) {
    case NODE_REQ_GET_S:
        get_s.page = req->addr;
        env.body_case = SHOAL__V1__ENVELOPE__BODY_GET_S;
        env.get_s = &get_s;
        break;
    case NODE_REQ_GET_M:
        get_m.page = req->addr;
        env.body_case = SHOAL__V1__ENVELOPE__BODY_GET_M;
        env.get_m = &get_m;
        break;
    case NODE_REQ_UPGRADE:
        upgrade.page = req->addr;
        env.body_case = SHOAL__V1__ENVELOPE__BODY_UPGRADE;
        env.upgrade = &upgrade;
        break;
    case NODE_REQ_MMIO:
    case NODE_REQ_MMIO_POSTED:
        mmio.posted = req->kind == NODE_REQ_MMIO_POSTED;
        mmio.addr = req->addr;
        mmio.size = req->size;
        mmio.is_write = req->is_write;
        mmio.data = req->value;
        mmio.hart = req->hart;
        env.body_case = SHOAL__V1__ENVELOPE__BODY_MMIO_REQUEST;
        env.mmio_request = &mmio;
        break;
    case NODE_REQ_GUEST_EXIT:
        exit_msg.code = (gint32)req->value;
        env.body_case = SHOAL__V1__ENVELOPE__BODY_GUEST_EXIT;
        env.guest_exit = &exit_msg;
        break;
    case NODE_REQ_IRQ:
        irq.line = req->line;
        irq.level = req->value != 0;
        irq.hart = req->hart;
        env.body_case = SHOAL__V1__ENVELOPE__BODY_IRQ_LINE;
        env.irq_line = &irq;
        break;
    }
    return ic_client_send(channel, &env, error);
}

void node_submit(Node *node, guint hart_id, NodeRequest *req)
{
    NodeHart *h = node_hart(node, hart_id);
    g_assert(h != NULL);
    gboolean reply = req->kind != NODE_REQ_GUEST_EXIT && req->kind != NODE_REQ_IRQ &&
                     req->kind != NODE_REQ_MMIO_POSTED;
    tcg_event_init(&req->done);
    req->ok = FALSE;
    req->txid = __atomic_add_fetch(&node->next_txid, 1, __ATOMIC_RELAXED);
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
    if (!send_request(h->requests, req, &error)) {
        g_warning("%s", error->message);
        if (reply && node_take_pending(node, req->txid) == req)
            return; /* ok stays FALSE: the hart raises an access fault */
    }
    if (reply)
        tcg_event_wait(&req->done);
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
