/* SPDX-License-Identifier: MIT */
/* The ownership lease after LR (lease.c): which of a node's harts holds its
 * LR's page against other nodes' requests, and when each such lease ended.
 * It knows nothing of pages' states or of the agent: taking the page
 * Modified before a lease is the node's (node.c), and the agent, which holds
 * an answer back while a lease runs, is woken through the @wake callback. */
#ifndef SHOAL_NODE_LEASE_H
#define SHOAL_NODE_LEASE_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct NodeLeases NodeLeases;

/* Leases for harts @first_hart .. @first_hart + @n_harts - 1; @wake(@opaque)
 * is called (on the hart's thread) when a lease ends that a snapshot is
 * waiting for. */
NodeLeases *node_leases_new(guint first_hart, guint n_harts, void (*wake)(gpointer opaque),
                            gpointer opaque);
void node_leases_free(NodeLeases *leases);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NodeLeases, node_leases_free)

/* Hart @hart_id's LR leased @page, which the node holds Modified (its
 * thread, never blocks). */
void node_leases_take(NodeLeases *leases, guint hart_id, guint64 page);
/* Hart @hart_id's SC ran: its lease ended (its thread, never blocks; a
 * system call only when a snapshot waits for this very lease). */
void node_leases_end(NodeLeases *leases, guint hart_id);

/* Which harts held a lease on one page at one moment (the agent's). */
typedef struct NodeLeaseSnapshot NodeLeaseSnapshot;
/* The leases on @page now, NULL if none; their ends will wake. Free with
 * g_free(). */
NodeLeaseSnapshot *node_leases_snapshot(NodeLeases *leases, guint64 page);
/* Whether every lease in @snap ended. A lease taken after the snapshot does
 * not count: it must not starve the message held back for it. */
gboolean node_leases_snapshot_over(NodeLeases *leases, const NodeLeaseSnapshot *snap);

G_END_DECLS

#endif /* SHOAL_NODE_LEASE_H */
