/* SPDX-License-Identifier: MIT */
/* Deterministic time in a node (quantum.c): each hart's guest time, the
 * barrier at the end of every quantum, and the IPIs held for the quantum
 * after the one they were sent in. It knows nothing of the node: reporting
 * a quantum's end goes through @report, and QuantumGo comes in through
 * node_quantum_go. */
#ifndef SHOAL_NODE_QUANTUM_H
#define SHOAL_NODE_QUANTUM_H

#include <glib.h>

#include "tcg/tcg.h"

G_BEGIN_DECLS

typedef struct NodeQuantum NodeQuantum;

/* Tells the machine that our hart @hart_id reached the end of quantum
 * @index (idle: in WFI with nothing pending, its timer due at guest
 * @wake_ns, 0 never). On the hart's thread; must not wait for the node. */
typedef void (*NodeQuantumReport)(gpointer opaque, guint hart_id, guint64 index, gboolean idle,
                                  guint64 wake_ns);

/* Quanta of @quantum_ns guest ns, @insn_ns per retired instruction, for
 * harts @first_hart.. (@harts[i] is first_hart + i; they and @opaque must
 * outlive it). Every hart starts in quantum 0 at guest time 0. */
NodeQuantum *node_quantum_new(guint first_hart, guint n_harts, TcgHart *const *harts,
                              guint64 quantum_ns, guint64 insn_ns, NodeQuantumReport report,
                              gpointer opaque);
void node_quantum_free(NodeQuantum *q);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NodeQuantum, node_quantum_free)

/* Instructions per quantum. */
guint64 node_quantum_budget(const NodeQuantum *q);
/* Guest time of our hart @hart_id, ns (its own thread). */
guint64 node_quantum_hart_ns(const NodeQuantum *q, guint hart_id);
/* The end of hart @hart_id's quantum (TcgNodeOps.quantum_end, its thread):
 * reports it, waits for the next quantum (or the stop), delivers the IPIs
 * due by then. Returns how long it waited, us. */
gint64 node_quantum_end(NodeQuantum *q, guint hart_id, gboolean idle, guint64 wake_ns);
/* MSIP of our hart @target becomes @level when it begins the quantum after
 * the one our hart @from runs (its thread), or, @from < 0 (an IrqLine, on
 * the agent), after the one last started. */
void node_quantum_post_ipi(NodeQuantum *q, guint target, gint from, gboolean level);
/* QuantumGo: quantum @index starts at guest @start_ns (agent thread). */
void node_quantum_go(NodeQuantum *q, guint64 index, guint64 start_ns);
/* The quantum last started and its guest time (a snapshot, harts held). */
void node_quantum_position(NodeQuantum *q, guint64 *index, guint64 *start_ns);
/* Before the harts run: they begin quantum @index at @start_ns, as a
 * snapshot taken when it started has them (index >= 1). */
void node_quantum_restore(NodeQuantum *q, guint64 index, guint64 start_ns);
/* Releases every waiting hart for good (any thread). */
void node_quantum_stop(NodeQuantum *q);

G_END_DECLS

#endif /* SHOAL_NODE_QUANTUM_H */
