/* SPDX-License-Identifier: MIT */
/* The barrier of deterministic time ([sysc] time-mode): a quantum ends when
 * every hart of the machine said QuantumDone; then the bridge runs SystemC
 * to the quantum's end (QuantumAdvance, QuantumReached) and every node gets
 * QuantumGo. When every hart idles and no interrupt line moved, time skips
 * ahead (the bridge steps its kernel alone, up to the earliest hart timer)
 * instead of a round of messages per quantum. Quanta start at multiples of
 * the quantum from guest time 0, whether skipped or not, so a skip changes
 * nothing the guest can see. A quantum in which the bridge got nothing and
 * its next event lies beyond the quantum's end does not involve it at all:
 * the harts' barrier is then two messages, not four, and the bridge catches
 * up in one step when it is next asked (its models have nothing to do in
 * between; an access catches SystemC up to its own quantum first). */
#include <string.h>

#include "memory-server/internal.h"

struct MsrvQuantum {
    guint64 quantum_ns;
    guint n_harts;
    gboolean has_bridge;
    MsrvQuantumOps ops;
    gpointer opaque;
    guint64 index;          /* the quantum running */
    guint64 start_ns;       /* its guest time */
    guint8 *done;           /* per hart: said QuantumDone for it */
    guint n_done;
    gboolean all_idle;      /* every hart that is done idles */
    guint64 wake_ns;        /* the earliest idle hart's timer, G_MAXUINT64 none */
    gboolean lines_moved;   /* an interrupt line changed during the quantum */
    gboolean bridge_ready;  /* the bridge said Hello */
    gboolean advance_due;   /* every hart is done: the bridge runs (or will) */
    gboolean bridge_quiet;  /* its next event is bridge_next_ns and nothing reached it since */
    guint64 bridge_next_ns; /* G_MAXUINT64: none pending */
};

MsrvQuantum *msrv_quantum_new(const CfgMachine *machine, gboolean has_bridge,
                              const MsrvQuantumOps *ops, gpointer opaque)
{
    MsrvQuantum *q = g_new0(MsrvQuantum, 1);
    q->quantum_ns = machine->sysc_quantum_ns;
    q->n_harts = machine->n_harts;
    q->has_bridge = has_bridge;
    q->ops = *ops;
    q->opaque = opaque;
    q->done = g_new0(guint8, machine->n_harts);
    q->all_idle = TRUE;
    q->wake_ns = G_MAXUINT64;
    return q;
}

void msrv_quantum_free(MsrvQuantum *q)
{
    if (!q)
        return;
    g_free(q->done);
    g_free(q);
}

static guint64 end_ns(const MsrvQuantum *q)
{
    return q->start_ns + q->quantum_ns;
}

/* The first quantum boundary at or after @ns. */
static guint64 boundary_at_or_after(const MsrvQuantum *q, guint64 ns)
{
    return (ns + q->quantum_ns - 1) / q->quantum_ns * q->quantum_ns;
}

/* How far time may skip after this quantum: 0 not at all. */
static guint64 idle_until(const MsrvQuantum *q)
{
    return q->all_idle && !q->lines_moved ? q->wake_ns : 0;
}

static void start_next(MsrvQuantum *q, guint64 start_ns)
{
    q->index++;
    q->start_ns = start_ns;
    memset(q->done, 0, q->n_harts);
    q->n_done = 0;
    q->all_idle = TRUE;
    q->wake_ns = G_MAXUINT64;
    q->lines_moved = FALSE;
    q->advance_due = FALSE;
    q->ops.go(q->opaque, q->index, start_ns);
}

/* The last boundary before the bridge's next event: quanta up to there
 * need nothing from it. */
static guint64 bridge_free_until(const MsrvQuantum *q)
{
    if (!q->bridge_quiet)
        return 0;
    if (q->bridge_next_ns == G_MAXUINT64)
        return G_MAXUINT64;
    return (q->bridge_next_ns - 1) / q->quantum_ns * q->quantum_ns;
}

static void all_done(MsrvQuantum *q)
{
    guint64 until = idle_until(q);
    guint64 free_until = q->has_bridge ? bridge_free_until(q) : G_MAXUINT64;
    if (q->has_bridge && end_ns(q) > free_until) {
        q->advance_due = TRUE;
        if (q->bridge_ready)
            q->ops.advance(q->opaque, q->index, end_ns(q), until);
        return;
    }
    /* SystemC has nothing before free_until: only the harts' timers can end
     * an idle stretch until then. */
    guint64 next = end_ns(q);
    if (until != 0 && until > next) {
        guint64 limit = MIN(until == G_MAXUINT64 ? next : boundary_at_or_after(q, until),
                            free_until);
        next = MAX(next, limit);
    }
    start_next(q, next);
}

gboolean msrv_quantum_done(MsrvQuantum *q, const Shoal__V1__QuantumDone *d, GError **error)
{
    if (d->hart >= q->n_harts || d->quantum != q->index || q->done[d->hart]) {
        g_set_error(error, IC_ERROR, IC_ERROR_UNEXPECTED,
                    "QuantumDone of hart %u for quantum %" G_GUINT64_FORMAT
                    " (the machine runs quantum %" G_GUINT64_FORMAT "%s)",
                    d->hart, d->quantum, q->index,
                    d->hart < q->n_harts && q->done[d->hart] ? ", and it said so already" : "");
        return FALSE;
    }
    q->done[d->hart] = 1;
    q->n_done++;
    if (!d->idle)
        q->all_idle = FALSE;
    else if (d->wake_ns != 0)
        q->wake_ns = MIN(q->wake_ns, d->wake_ns);
    if (q->n_done == q->n_harts)
        all_done(q);
    return TRUE;
}

gboolean msrv_quantum_reached(MsrvQuantum *q, const Shoal__V1__QuantumReached *r,
                              GError **error)
{
    if (!q->advance_due || r->quantum != q->index || r->time_ns < end_ns(q) ||
        r->time_ns % q->quantum_ns != 0) {
        g_set_error(error, IC_ERROR, IC_ERROR_UNEXPECTED,
                    "QuantumReached %" G_GUINT64_FORMAT " at %" G_GUINT64_FORMAT
                    " ns: expected quantum %" G_GUINT64_FORMAT " at a multiple of %"
                    G_GUINT64_FORMAT " ns from %" G_GUINT64_FORMAT "%s",
                    r->quantum, r->time_ns, q->index, q->quantum_ns, end_ns(q),
                    q->advance_due ? "" : ", and none was asked for");
        return FALSE;
    }
    q->bridge_quiet = TRUE;
    q->bridge_next_ns = r->next_event_ns ? r->next_event_ns : G_MAXUINT64;
    start_next(q, r->time_ns);
    return TRUE;
}

void msrv_quantum_bridge_busy(MsrvQuantum *q)
{
    q->bridge_quiet = FALSE;
}

void msrv_quantum_bridge_ready(MsrvQuantum *q)
{
    q->bridge_ready = TRUE;
    if (q->advance_due)
        q->ops.advance(q->opaque, q->index, end_ns(q), idle_until(q));
}

void msrv_quantum_lines_moved(MsrvQuantum *q)
{
    q->lines_moved = TRUE;
}

void msrv_quantum_restore(MsrvQuantum *q, guint64 index, guint64 start_ns)
{
    g_assert(index >= 1 && start_ns >= q->quantum_ns);
    q->index = index - 1;
    q->start_ns = start_ns - q->quantum_ns; /* so it ends where @index starts */
}
