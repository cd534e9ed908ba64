/* SPDX-License-Identifier: MIT */
/* Deterministic time in a node ([sysc] time-mode): a hart's guest time is
 * the start of the current quantum plus insn-ns per instruction it retired
 * since (at most one quantum). A hart whose budget ran out, or that idles
 * in WFI, tells the server and waits for QuantumGo, which the server sends
 * once every hart of the machine (and the bridge) reached the quantum's
 * end. Interrupt lines that changed meanwhile reach the agent before the
 * Go, so every hart sees them at the same instruction, run after run. An
 * IPI waits for the quantum after the one it was sent in, so it too lands
 * between the same two instructions of its hart every run (whenever the
 * message or the other hart's store happened to arrive). */
#include "cpu-node/internal.h"

void node_quantum_init(Node *node)
{
    NodeQuantum *q = &node->quantum;
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->cond, NULL);
    q->index = 0;
    q->start_ns = 0;
    q->stopping = FALSE;
}

typedef struct {
    guint64 quantum; /* applied when its hart begins this quantum */
    gboolean level;
} PostedIpi;

void node_quantum_destroy(Node *node)
{
    for (guint i = 0; i < node->config->n_harts; i++)
        if (node->harts[i].ipis)
            g_array_free(node->harts[i].ipis, TRUE);
    pthread_mutex_destroy(&node->quantum.lock);
    pthread_cond_destroy(&node->quantum.cond);
}

guint64 node_quantum_budget(const Node *node)
{
    return MAX(node->machine->sysc_quantum_ns / node->machine->insn_ns, 1);
}

guint64 node_quantum_hart_ns(const NodeHart *h)
{
    const CfgMachine *m = h->node->machine;
    guint64 ran = (tcg_hart_retired(h->tcg) - h->quantum_retired) * m->insn_ns;
    return h->quantum_start_ns + MIN(ran, m->sysc_quantum_ns);
}

void node_quantum_post_ipi(Node *node, NodeHart *to, const NodeHart *from, gboolean level)
{
    NodeQuantum *q = &node->quantum;
    pthread_mutex_lock(&q->lock);
    /* The agent gets a quantum's IrqLines between its Go and the next. */
    PostedIpi ipi = { (from ? from->quantum_index : q->index) + 1, level };
    if (!to->ipis)
        to->ipis = g_array_new(FALSE, FALSE, sizeof(PostedIpi));
    g_array_append_val(to->ipis, ipi);
    pthread_mutex_unlock(&q->lock);
}

/* The IPIs due by @h's current quantum, in the order they were sent. */
static void deliver_ipis(Node *node, NodeHart *h)
{
    NodeQuantum *q = &node->quantum;
    gint level = -1;
    pthread_mutex_lock(&q->lock);
    while (h->ipis && h->ipis->len &&
           g_array_index(h->ipis, PostedIpi, 0).quantum <= h->quantum_index) {
        level = g_array_index(h->ipis, PostedIpi, 0).level;
        g_array_remove_index(h->ipis, 0);
    }
    pthread_mutex_unlock(&q->lock);
    if (level >= 0)
        tcg_hart_set_irq(h->tcg, TCG_IRQ_MSIP, level); /* a level: the last one counts */
}

guint64 node_quantum_end(Node *node, guint hart_id, gboolean idle)
{
    NodeHart *h = node_hart(node, hart_id);
    NodeQuantum *q = &node->quantum;
    NodeRequest done = { .kind = NODE_REQ_QUANTUM_DONE, .hart = hart_id,
                         .value = h->quantum_index, .idle = idle };
    if (idle)
        done.wake_ns = node_clint_ticks_to_ns(node->clint, node_clint_mtimecmp(node->clint, hart_id));
    node_submit(node, hart_id, &done);
    gint64 t0 = g_get_monotonic_time();
    pthread_mutex_lock(&q->lock);
    while (q->index == h->quantum_index && !q->stopping)
        pthread_cond_wait(&q->cond, &q->lock);
    h->quantum_index = q->index;
    h->quantum_start_ns = q->start_ns;
    pthread_mutex_unlock(&q->lock);
    node_stats_quantum(&node->stats, idle, g_get_monotonic_time() - t0);
    h->quantum_retired = tcg_hart_retired(h->tcg);
    node_clint_update_timer(node->clint, hart_id);
    deliver_ipis(node, h);
    return node_quantum_budget(node);
}

void node_quantum_go(Node *node, guint64 index, guint64 start_ns)
{
    NodeQuantum *q = &node->quantum;
    pthread_mutex_lock(&q->lock);
    if (index != q->index + 1)
        g_warning("QuantumGo %" G_GUINT64_FORMAT " after quantum %" G_GUINT64_FORMAT
                  "; taken as is", index, q->index);
    q->index = index;
    q->start_ns = start_ns;
    pthread_cond_broadcast(&q->cond);
    pthread_mutex_unlock(&q->lock);
}

void node_quantum_stop(Node *node)
{
    NodeQuantum *q = &node->quantum;
    pthread_mutex_lock(&q->lock);
    q->stopping = TRUE;
    pthread_cond_broadcast(&q->cond);
    pthread_mutex_unlock(&q->lock);
}
