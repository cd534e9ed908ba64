/* SPDX-License-Identifier: MIT */
/* The ownership lease after LR: the hart takes the reserved page in Modified
 * and the agent holds back an Invalidate or Recall of that page until the SC
 * ran or LEASE_US passed. Without it two nodes running LR/SC loops on one
 * word can take the page from each other between every LR and its SC, and
 * neither SC ever finds its page (livelock). The lease only delays an ack by
 * a bounded time; SC stays correct without it (the compare-and-swap). The
 * length is [cpu] lr-lease-us: long enough for an LR/SC loop of a few
 * instructions, short next to a page round trip between processes (~100 us)
 * so a hart that traps or is descheduled after its LR costs little. */
#include "cpu-node/internal.h"

void node_lease_take(Node *node, guint hart_id, const void *host)
{
    NodeHart *h = node_hart(node, hart_id);
    g_assert(h != NULL);
    const guint8 *ram = node_page_cache_ram(node->cache);
    guint64 page = node->machine->ram_base + ((guint64)((const guint8 *)host - ram) & TCG_PAGE_MASK);
    if (!node_page_acquire(node, hart_id, page, TCG_ACCESS_WRITE))
        return; /* the node is stopping: the SC fails its compare */
    __atomic_store_n(&h->lease_until_us, g_get_monotonic_time() + (gint64)node->machine->lr_lease_us, __ATOMIC_SEQ_CST);
    __atomic_store_n(&h->lease_page, page, __ATOMIC_SEQ_CST);
}

void node_lease_end(Node *node, guint hart_id)
{
    NodeHart *h = node_hart(node, hart_id);
    g_assert(h != NULL);
    __atomic_store_n(&h->lease_page, NODE_NO_LEASE, __ATOMIC_SEQ_CST);
    /* A system call only when the agent holds a message back for a lease. */
    if (__atomic_load_n(&node->lease_waiters, __ATOMIC_SEQ_CST) > 0)
        node_agent_kick(node);
}

gint64 node_lease_until(Node *node, guint64 page)
{
    gint64 until = 0;
    for (guint i = 0; i < node->config->n_harts; i++) {
        NodeHart *h = &node->harts[i];
        if (__atomic_load_n(&h->lease_page, __ATOMIC_SEQ_CST) == page)
            until = MAX(until, __atomic_load_n(&h->lease_until_us, __ATOMIC_SEQ_CST));
    }
    return until > g_get_monotonic_time() ? until : 0;
}
