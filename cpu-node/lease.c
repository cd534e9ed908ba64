/* SPDX-License-Identifier: MIT */
/* The ownership lease after LR (lease.h): the hart takes the reserved page in Modified
 * and the agent holds back an Invalidate or Recall of that page until the SC
 * ran, or for [cpu] lr-lease-us from the message's arrival. Without it two nodes running LR/SC loops on one
 * word can take the page from each other between every LR and its SC, and
 * neither SC ever finds its page (livelock). The lease only delays an ack by
 * a bounded time; SC stays correct without it (the compare-and-swap). The
 * lease is long enough for an LR/SC loop of a few instructions, short next
 * to a page round trip between processes (~100 us), so a hart that traps or
 * is descheduled after its LR costs little. */
#include "cpu-node/lease.h"

#define NO_LEASE G_MAXUINT64

typedef struct {
    guint64 page;     /* (atomic) page its last LR leased, or NO_LEASE */
    guint64 ended;    /* (atomic) SCs after a leased LR; the hart writes it */
    gboolean watched; /* (atomic) a snapshot waits for the current lease to end */
} HartLease;

struct NodeLeases {
    guint first_hart, n_harts;
    void (*wake)(gpointer opaque);
    gpointer opaque;
    HartLease harts[]; /* n_harts */
};

struct NodeLeaseSnapshot {
    guint64 page;
    guint64 ended[]; /* per hart: its `ended` once that lease ended; 0 = none */
};

NodeLeases *node_leases_new(guint first_hart, guint n_harts, void (*wake)(gpointer opaque),
                            gpointer opaque)
{
    NodeLeases *l = g_malloc0(sizeof *l + n_harts * sizeof l->harts[0]);
    l->first_hart = first_hart;
    l->n_harts = n_harts;
    l->wake = wake;
    l->opaque = opaque;
    for (guint i = 0; i < n_harts; i++)
        l->harts[i].page = NO_LEASE;
    return l;
}

void node_leases_free(NodeLeases *l)
{
    g_free(l);
}

static HartLease *hart_lease(NodeLeases *l, guint hart_id)
{
    guint i = hart_id - l->first_hart;
    g_assert(hart_id >= l->first_hart && i < l->n_harts);
    return &l->harts[i];
}

void node_leases_take(NodeLeases *l, guint hart_id, guint64 page)
{
    /* Plain stores: the lease is a hint (SC is correct without it), so
     * the agent may see it a moment late, and LR stays cheap. */
    __atomic_store_n(&hart_lease(l, hart_id)->page, page, __ATOMIC_RELEASE);
}

void node_leases_end(NodeLeases *l, guint hart_id)
{
    HartLease *h = hart_lease(l, hart_id);
    __atomic_store_n(&h->page, NO_LEASE, __ATOMIC_RELEASE);
    __atomic_store_n(&h->ended, h->ended + 1, __ATOMIC_RELEASE);
    if (__atomic_load_n(&h->watched, __ATOMIC_ACQUIRE) &&
        __atomic_exchange_n(&h->watched, FALSE, __ATOMIC_ACQ_REL))
        l->wake(l->opaque);
}

NodeLeaseSnapshot *node_leases_snapshot(NodeLeases *l, guint64 page)
{
    NodeLeaseSnapshot *snap = NULL;
    for (guint i = 0; i < l->n_harts; i++) {
        HartLease *h = &l->harts[i];
        if (__atomic_load_n(&h->page, __ATOMIC_ACQUIRE) != page)
            continue;
        if (snap == NULL) {
            snap = g_malloc0(sizeof *snap + l->n_harts * sizeof snap->ended[0]);
            snap->page = page;
        }
        __atomic_store_n(&h->watched, TRUE, __ATOMIC_RELEASE);
        snap->ended[i] = __atomic_load_n(&h->ended, __ATOMIC_ACQUIRE) + 1;
    }
    return snap;
}

gboolean node_leases_snapshot_over(NodeLeases *l, const NodeLeaseSnapshot *snap)
{
    for (guint i = 0; i < l->n_harts; i++) {
        HartLease *h = &l->harts[i];
        /* ended[i] = 0: the hart held no lease on the page. */
        if (snap->ended[i] != 0 && __atomic_load_n(&h->ended, __ATOMIC_ACQUIRE) < snap->ended[i] &&
            __atomic_load_n(&h->page, __ATOMIC_ACQUIRE) == snap->page)
            return FALSE;
    }
    return TRUE;
}
