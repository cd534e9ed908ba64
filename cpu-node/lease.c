/* SPDX-License-Identifier: MIT */
/* The ownership lease after LR: the hart takes the reserved page in Modified
 * and the agent holds back an Invalidate or Recall of that page until the SC
 * ran, or for [cpu] lr-lease-us from the message's arrival. Without it two nodes running LR/SC loops on one
 * word can take the page from each other between every LR and its SC, and
 * neither SC ever finds its page (livelock). The lease only delays an ack by
 * a bounded time; SC stays correct without it (the compare-and-swap). The
 * lease is long enough for an LR/SC loop of a few instructions, short next
 * to a page round trip between processes (~100 us), so a hart that traps or
 * is descheduled after its LR costs little. */
#include "cpu-node/internal.h"

gboolean node_lease_take(Node *node, guint hart_id, const void *host, gboolean may_block)
{
    NodeHart *h = node_hart(node, hart_id);
    g_assert(h != NULL);
    const guint8 *ram = node_page_cache_ram(node->cache);
    guint64 addr = node->machine->ram_base + (guint64)((const guint8 *)host - ram);
    guint64 page = addr & TCG_PAGE_MASK;
    NodeFrame *f = node_page_cache_frame(node->cache, page);
    if (__atomic_load_n(&f->state, __ATOMIC_ACQUIRE) != NODE_PAGE_MODIFIED) {
        if (!may_block)
            return FALSE;
        if (!node_page_acquire(node, hart_id, addr, TCG_ACCESS_WRITE))
            return TRUE; /* the node is stopping: no lease, the SC fails its compare */
    }
    /* Plain stores: the lease is a hint (SC is correct without it), so
     * the agent may see it a moment late, and LR stays cheap. */
    __atomic_store_n(&h->lease_page, page, __ATOMIC_RELEASE);
    return TRUE;
}

void node_lease_end(Node *node, guint hart_id)
{
    NodeHart *h = node_hart(node, hart_id);
    g_assert(h != NULL);
    __atomic_store_n(&h->lease_page, NODE_NO_LEASE, __ATOMIC_RELEASE);
    __atomic_store_n(&h->leases_ended, h->leases_ended + 1, __ATOMIC_RELEASE);
    /* A system call only when the agent waits for this very lease. */
    if (__atomic_load_n(&h->lease_watched, __ATOMIC_ACQUIRE) &&
        __atomic_exchange_n(&h->lease_watched, FALSE, __ATOMIC_ACQ_REL))
        node_agent_kick(node);
}

NodeLeaseSnapshot *node_lease_snapshot(Node *node, guint64 page)
{
    NodeLeaseSnapshot *snap = NULL;
    guint n = node->config->n_harts;
    for (guint i = 0; i < n; i++) {
        NodeHart *h = &node->harts[i];
        if (__atomic_load_n(&h->lease_page, __ATOMIC_ACQUIRE) != page)
            continue;
        if (snap == NULL) {
            snap = g_malloc0(sizeof *snap + n * sizeof snap->ended[0]);
            snap->page = page;
        }
        __atomic_store_n(&h->lease_watched, TRUE, __ATOMIC_RELEASE);
        snap->ended[i] = __atomic_load_n(&h->leases_ended, __ATOMIC_ACQUIRE) + 1;
    }
    return snap;
}

gboolean node_lease_snapshot_over(Node *node, const NodeLeaseSnapshot *snap)
{
    for (guint i = 0; i < node->config->n_harts; i++) {
        NodeHart *h = &node->harts[i];
        /* ended[i] = 0: the hart held no lease on the page. A lease taken
         * after the snapshot does not count: it must not starve the
         * message. */
        if (snap->ended[i] != 0 &&
            __atomic_load_n(&h->leases_ended, __ATOMIC_ACQUIRE) < snap->ended[i] &&
            __atomic_load_n(&h->lease_page, __ATOMIC_ACQUIRE) == snap->page)
            return FALSE;
    }
    return TRUE;
}
