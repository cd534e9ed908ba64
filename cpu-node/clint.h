/* SPDX-License-Identifier: MIT */
/* The CLINT as one node sees it (clint.c): msip, mtimecmp and Sstc's
 * stimecmp of the node's own harts, mtime from the machine's one time base. It knows nothing of
 * the node: it sets its harts' lines through their TcgHarts, and what must
 * leave it (an IPI to another node's hart, an IPI held for a quantum, a
 * timer deadline that moved, a hart's guest time in deterministic time)
 * goes through NodeClintOps, so it can be read and tested alone. */
#ifndef SHOAL_NODE_CLINT_H
#define SHOAL_NODE_CLINT_H

#include <glib.h>

#include "tcg/tcg.h"

G_BEGIN_DECLS

typedef struct NodeClint NodeClint;

typedef struct {
    /* msip of @target, a hart of another node, written by our hart @from
     * (its thread): a message to @target's node. */
    void (*remote_msip)(gpointer opaque, guint from, guint target, gboolean level);
    /* Deterministic time: msip of our hart @target becomes @level when it
     * begins the quantum after the one our hart @from runs (its thread), or,
     * @from < 0 (an IrqLine, on the agent), after the one last started. */
    void (*post_ipi)(gpointer opaque, guint target, gint from, gboolean level);
    /* Deterministic time: the guest time of our hart @hart_id, ns (its
     * thread). */
    guint64 (*hart_ns)(gpointer opaque, guint hart_id);
    /* A timer deadline moved: whoever fires the timers should look again
     * (any thread). */
    void (*deadline_moved)(gpointer opaque);
} NodeClintOps;

typedef struct {
    guint first_hart;      /* our harts: first_hart .. first_hart + n_harts - 1 */
    guint n_harts;
    guint machine_harts;   /* every hart of the machine: registers past them fault */
    guint64 timebase_hz;   /* ticks per second of mtime */
    guint64 epoch_ns;      /* CLOCK_MONOTONIC ns when mtime was 0 (decoupled time) */
    gboolean deterministic; /* mtime is each hart's guest time (ops->hart_ns) */
} NodeClintConfig;

/* A CLINT for @config's harts, @harts[i] being hart first_hart + i (they
 * and @ops, @opaque must outlive it). Every timer starts disarmed. */
NodeClint *node_clint_new(const NodeClintConfig *config, TcgHart *const *harts,
                          const NodeClintOps *ops, gpointer opaque);
void node_clint_free(NodeClint *clint);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NodeClint, node_clint_free)

/* Machine time now as hart @hart_id sees it, in ticks (deterministic time:
 * one of ours, on its thread; decoupled: any thread, any hart). */
guint64 node_clint_mtime(NodeClint *clint, guint hart_id);
/* Guest ns at which mtime reaches @ticks (rounded up), 0 for never. */
guint64 node_clint_ticks_to_ns(const NodeClint *clint, guint64 ticks);
/* mtimecmp of our hart @hart_id, ticks (any thread). */
guint64 node_clint_mtimecmp(NodeClint *clint, guint hart_id);
/* The earlier of its mtimecmp and stimecmp: when a timer of our hart
 * @hart_id fires next, ticks (any thread). */
guint64 node_clint_next_deadline(NodeClint *clint, guint hart_id);
/* Our hart @hart_id (its thread) wrote its stimecmp CSR: STIP follows it. */
void node_clint_set_stimecmp(NodeClint *clint, guint hart_id, guint64 ticks);
/* A register access at byte offset @off by hart @hart_id (its thread).
 * FALSE: access fault. Another node's msip reads 0 from here; writing it
 * is ops->remote_msip. */
gboolean node_clint_read(NodeClint *clint, guint hart_id, guint64 off, guint size,
                         guint64 *value);
gboolean node_clint_write(NodeClint *clint, guint hart_id, guint64 off, guint size,
                          guint64 value);
/* MTIP and STIP of our hart @hart_id after its time moved (its own
 * thread). */
void node_clint_update_timer(NodeClint *clint, guint hart_id);
/* Raises/lowers MTIP and STIP where due; returns ms until the next deadline (or
 * @max_ms). Decoupled time only; the agent's thread. */
int node_clint_fire_timers(NodeClint *clint, int max_ms);
/* Interrupt @line of our hart @hart_id from an IrqLine (agent thread);
 * FALSE: not one of ours. */
gboolean node_clint_irq(NodeClint *clint, guint hart_id, guint line, gboolean level);
/* Every hart of the node stopped for the debugger: mtime stands still
 * (also for the debugger's reads) until node_clint_set_stopped_ns. */
void node_clint_freeze(NodeClint *clint);
/* Sets them as a snapshot has them, before the harts run. */
void node_clint_restore_compares(NodeClint *clint, guint hart_id, guint64 mtimecmp,
                                 guint64 stimecmp);
/* The harts run again: mtime leaves out the @ns the debugger has held the
 * machine in all (DebugResume.stopped_ns; agent thread, harts stopped). */
void node_clint_set_stopped_ns(NodeClint *clint, guint64 ns);
/* As at power-on: no timer armed, msip clear, their lines low (a machine
 * reset; the agent's thread, every hart stopped). */
void node_clint_reset(NodeClint *clint);

G_END_DECLS

#endif /* SHOAL_NODE_CLINT_H */
