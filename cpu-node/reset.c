/* SPDX-License-Identifier: MIT */
/* A machine reset, the node's part (proto/shoal.proto, MachineReset): on
 * STOP every hart stops between instructions (the debugger's hold,
 * debug.c) and, on its own thread, goes back to its power-on state; the
 * last one answers STOPPED. On GO (the server has cleared RAM, reloaded the
 * images and forgotten every page's owner) the agent drops the node's
 * pages and CLINT state and lets the harts run from the boot pc. Until GO
 * the agent goes on answering the server, so a page request still in
 * flight when the reset came completes. */
#include "cpu-node/internal.h"

static void send_stopped(Node *node, IcClient *client)
{
    Shoal__V1__MachineReset msg = SHOAL__V1__MACHINE_RESET__INIT;
    msg.phase = SHOAL__V1__RESET_PHASE__RESET_PHASE_STOPPED;
    IcEnvelope env = SHOAL__V1__ENVELOPE__INIT;
    env.body_case = SHOAL__V1__ENVELOPE__BODY_MACHINE_RESET;
    env.machine_reset = &msg;
    node_send_on(node, client, &env);
}

/* On each stopped hart's thread. */
static void power_on(TcgHart *tcg, gpointer data)
{
    NodeHart *h = data;
    Node *node = h->node;
    tcg_hart_power_on(tcg, node->boot_pc, h->id, node->a1);
    if (g_atomic_int_dec_and_test(&node->reset_harts_left))
        send_stopped(node, h->requests);
}

void node_reset_all_stopped_locked(Node *node)
{
    if (!node->reset_stopping || node->reset_jobs_posted)
        return;
    node->reset_jobs_posted = TRUE;
    g_atomic_int_set(&node->reset_harts_left, (gint)node->config->n_harts);
    for (guint i = 0; i < node->config->n_harts; i++)
        tcg_hart_debug_run(node->harts[i].tcg, power_on, &node->harts[i]);
}

void node_reset(Node *node, Shoal__V1__ResetPhase phase)
{
    if (phase == SHOAL__V1__RESET_PHASE__RESET_PHASE_STOP) {
        g_info("node %u: machine reset: stopping the harts", node->config->index);
        node_debug_stop_all(node, TRUE);
        return;
    }
    if (phase != SHOAL__V1__RESET_PHASE__RESET_PHASE_GO) {
        g_warning("machine reset: unexpected phase %d from the server", (int)phase);
        return;
    }
    /* Everything the server sent before GO was handled: no grant of the
     * old machine can come after this. */
    node_page_cache_forget(node->cache);
    node_clint_reset(node->clint);
    for (guint i = 0; i < node->config->n_harts; i++) {
        tcg_hart_set_irq(node->harts[i].tcg, TCG_IRQ_MEIP, FALSE);
        tcg_hart_set_irq(node->harts[i].tcg, TCG_IRQ_SEIP, FALSE);
    }
    pthread_mutex_lock(&node->debug_lock);
    node->reset_stopping = FALSE;
    node->reset_jobs_posted = FALSE;
    pthread_mutex_unlock(&node->debug_lock);
    g_info("node %u: machine reset: running again", node->config->index);
    for (guint i = 0; i < node->config->n_harts; i++)
        tcg_hart_debug_resume(node->harts[i].tcg, TCG_DEBUG_RUN);
}
