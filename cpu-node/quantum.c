/* SPDX-License-Identifier: MIT */
/* Deterministic time in a node ([sysc] time-mode; quantum.h): a hart's guest time is
 * the start of the current quantum plus insn-ns per instruction it retired
 * since (at most one quantum). A hart whose budget ran out, or that idles
 * in WFI, tells the server and waits for QuantumGo, which the server sends
 * once every hart of the machine (and the bridge) reached the quantum's
 * end. Interrupt lines that changed meanwhile reach the agent before the
 * Go, so every hart sees them at the same instruction, run after run. An
 * IPI waits for the quantum after the one it was sent in, so it too lands
 * between the same two instructions of its hart every run (whenever the
 * message or the other hart's store happened to arrive). */
#include <pthread.h>

#include "cpu-node/quantum.h"

typedef struct {
    guint64 quantum; /* applied when its hart begins this quantum */
    gboolean level;
} PostedIpi;

typedef struct {
    TcgHart *tcg;
    guint64 index;    /* the quantum it runs in, */
    guint64 start_ns; /* when that began, */
    guint64 retired;  /* and its retired count then (its thread only) */
    GArray *ipis;     /* PostedIpi waiting for a quantum (under lock) */
} QuantumHart;

struct NodeQuantum {
    guint first_hart, n_harts;
    guint64 quantum_ns, insn_ns;
    NodeQuantumReport report;
    gpointer opaque;
    pthread_mutex_t lock;
    pthread_cond_t cond; /* a new quantum began, or the node stops */
    guint64 index;       /* the quantum the server last started */
    guint64 start_ns;    /* its guest time */
    gboolean stopping;
    QuantumHart *harts;  /* n_harts */
};

NodeQuantum *node_quantum_new(guint first_hart, guint n_harts, TcgHart *const *harts,
                              guint64 quantum_ns, guint64 insn_ns, NodeQuantumReport report,
                              gpointer opaque)
{
    g_assert(insn_ns > 0);
    NodeQuantum *q = g_new0(NodeQuantum, 1);
    q->first_hart = first_hart;
    q->n_harts = n_harts;
    q->quantum_ns = quantum_ns;
    q->insn_ns = insn_ns;
    q->report = report;
    q->opaque = opaque;
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->cond, NULL);
    q->harts = g_new0(QuantumHart, n_harts);
    for (guint i = 0; i < n_harts; i++)
        q->harts[i].tcg = harts[i];
    return q;
}

void node_quantum_free(NodeQuantum *q)
{
    if (!q)
        return;
    for (guint i = 0; i < q->n_harts; i++)
        if (q->harts[i].ipis)
            g_array_free(q->harts[i].ipis, TRUE);
    g_free(q->harts);
    pthread_mutex_destroy(&q->lock);
    pthread_cond_destroy(&q->cond);
    g_free(q);
}

static QuantumHart *quantum_hart(const NodeQuantum *q, guint hart_id)
{
    guint i = hart_id - q->first_hart;
    g_assert(hart_id >= q->first_hart && i < q->n_harts);
    return &q->harts[i];
}

guint64 node_quantum_budget(const NodeQuantum *q)
{
    return MAX(q->quantum_ns / q->insn_ns, 1);
}

guint64 node_quantum_hart_ns(const NodeQuantum *q, guint hart_id)
{
    const QuantumHart *h = quantum_hart(q, hart_id);
    guint64 ran = (tcg_hart_retired(h->tcg) - h->retired) * q->insn_ns;
    return h->start_ns + MIN(ran, q->quantum_ns);
}

void node_quantum_post_ipi(NodeQuantum *q, guint target, gint from, gboolean level)
{
    QuantumHart *to = quantum_hart(q, target);
    pthread_mutex_lock(&q->lock);
    /* The agent gets a quantum's IrqLines between its Go and the next. */
    guint64 sent_in = from >= 0 ? quantum_hart(q, (guint)from)->index : q->index;
    PostedIpi ipi = { sent_in + 1, level };
    if (!to->ipis)
        to->ipis = g_array_new(FALSE, FALSE, sizeof(PostedIpi));
    g_array_append_val(to->ipis, ipi);
    pthread_mutex_unlock(&q->lock);
}

/* The IPIs due by @h's current quantum, in the order they were sent. */
static void deliver_ipis(NodeQuantum *q, QuantumHart *h)
{
    gint level = -1;
    pthread_mutex_lock(&q->lock);
    while (h->ipis && h->ipis->len && g_array_index(h->ipis, PostedIpi, 0).quantum <= h->index) {
        level = g_array_index(h->ipis, PostedIpi, 0).level;
        g_array_remove_index(h->ipis, 0);
    }
    pthread_mutex_unlock(&q->lock);
    if (level >= 0)
        tcg_hart_set_irq(h->tcg, TCG_IRQ_MSIP, level); /* a level: the last one counts */
}

gint64 node_quantum_end(NodeQuantum *q, guint hart_id, gboolean idle, guint64 wake_ns)
{
    QuantumHart *h = quantum_hart(q, hart_id);
    q->report(q->opaque, hart_id, h->index, idle, idle ? wake_ns : 0);
    gint64 t0 = g_get_monotonic_time();
    pthread_mutex_lock(&q->lock);
    while (q->index == h->index && !q->stopping)
        pthread_cond_wait(&q->cond, &q->lock);
    h->index = q->index;
    h->start_ns = q->start_ns;
    pthread_mutex_unlock(&q->lock);
    h->retired = tcg_hart_retired(h->tcg);
    deliver_ipis(q, h);
    return g_get_monotonic_time() - t0;
}

void node_quantum_go(NodeQuantum *q, guint64 index, guint64 start_ns)
{
    pthread_mutex_lock(&q->lock);
    if (index != q->index + 1)
        g_warning("QuantumGo %" G_GUINT64_FORMAT " after quantum %" G_GUINT64_FORMAT
                  "; taken as is", index, q->index);
    q->index = index;
    q->start_ns = start_ns;
    pthread_cond_broadcast(&q->cond);
    pthread_mutex_unlock(&q->lock);
}

void node_quantum_position(NodeQuantum *q, guint64 *index, guint64 *start_ns)
{
    pthread_mutex_lock(&q->lock);
    *index = q->index;
    *start_ns = q->start_ns;
    pthread_mutex_unlock(&q->lock);
}

void node_quantum_restore(NodeQuantum *q, guint64 index, guint64 start_ns)
{
    /* Every hart's first act is QuantumDone of the quantum before (its
     * budget is 0), so the server's Go starts @index for all at once. */
    g_assert(index >= 1 && start_ns >= q->quantum_ns);
    q->index = index - 1;
    q->start_ns = start_ns - q->quantum_ns;
    for (guint i = 0; i < q->n_harts; i++) {
        QuantumHart *h = &q->harts[i];
        h->index = q->index;
        h->start_ns = q->start_ns;
        h->retired = tcg_hart_retired(h->tcg);
    }
}

void node_quantum_stop(NodeQuantum *q)
{
    if (!q)
        return; /* the node stops before its harts were made */
    pthread_mutex_lock(&q->lock);
    q->stopping = TRUE;
    pthread_cond_broadcast(&q->cond);
    pthread_mutex_unlock(&q->lock);
}
