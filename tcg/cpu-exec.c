/* SPDX-License-Identifier: MIT */
/* The hart's run loop and how other threads reach it: the event word that
 * every block boundary tests, safe work (QEMU's run_on_cpu, synchronous),
 * interrupts and WFI. The rule that keeps it deadlock-free: a hart blocked
 * in a node callback or in WFI is at a safe point, and safe work for it
 * runs right away on the requesting thread. */
#include <string.h>

#include "tcg/internal.h"

struct TcgSafeWork {
    TcgSafeFunc fn;
    gpointer data;
    gboolean done; /* under safe_lock */
};

TcgHart *tcg_hart_new(const TcgHartConfig *config, const TcgNodeOps *ops, gpointer opaque)
{
    TcgHart *hart = g_new0(TcgHart, 1);
    hart->config = *config;
    hart->ops = ops;
    hart->opaque = opaque;
    g_mutex_init(&hart->safe_lock);
    g_cond_init(&hart->safe_cond);
    g_queue_init(&hart->work);
    tcg_tlb_flush_all(hart);
    tcg_hart_reset(hart, 0, 0, 0);
    return hart;
}

void tcg_hart_free(TcgHart *hart)
{
    if (hart == NULL) {
        return;
    }
    g_assert(hart->thread == NULL);
    tcg_tb_flush(hart);
    g_mutex_clear(&hart->safe_lock);
    g_cond_clear(&hart->safe_cond);
    g_free(hart);
}

void tcg_hart_reset(TcgHart *hart, guint64 pc, guint64 a0, guint64 a1)
{
    TcgCpuState *env = &hart->env;
    memset(env->x, 0, sizeof env->x);
    env->x[10] = a0;
    env->x[11] = a1;
    env->pc = pc;
    env->priv = RV_PRIV_M;
    /* MPP resets to M here as on QEMU; SXL/UXL read 64-bit. */
    env->mstatus = (2ull << 34) | (2ull << 32);
    env->reservation = RV_NO_RESERVATION;
}

/* Runs every queued work item. safe_lock held. */
static void run_queued_work_locked(TcgHart *hart)
{
    TcgSafeWork *w;
    while ((w = g_queue_pop_head(&hart->work)) != NULL) {
        w->fn(hart, w->data);
        w->done = TRUE;
    }
    g_atomic_int_and(&hart->event, ~TCG_EVENT_WORK);
    g_cond_broadcast(&hart->safe_cond);
}

void tcg_safe_point_enter(TcgHart *hart)
{
    g_mutex_lock(&hart->safe_lock);
    /* Work queued while we ran must not wait for us to come back. */
    run_queued_work_locked(hart);
    hart->at_safe_point = TRUE;
    g_mutex_unlock(&hart->safe_lock);
}

void tcg_safe_point_leave(TcgHart *hart)
{
    g_mutex_lock(&hart->safe_lock);
    hart->at_safe_point = FALSE;
    run_queued_work_locked(hart);
    g_mutex_unlock(&hart->safe_lock);
}

void tcg_hart_run_safe(TcgHart *hart, TcgSafeFunc fn, gpointer data)
{
    if (g_atomic_pointer_get(&hart->thread) == g_thread_self()) {
        fn(hart, data);
        return;
    }
    g_mutex_lock(&hart->safe_lock);
    if (hart->at_safe_point || hart->thread == NULL) {
        fn(hart, data);
        g_mutex_unlock(&hart->safe_lock);
        return;
    }
    TcgSafeWork work = { fn, data, FALSE };
    g_queue_push_tail(&hart->work, &work);
    g_atomic_int_or(&hart->event, TCG_EVENT_WORK);
    while (!work.done) {
        g_cond_wait(&hart->safe_cond, &hart->safe_lock);
    }
    g_mutex_unlock(&hart->safe_lock);
}

void tcg_hart_flush_page(TcgHart *hart, guint64 paddr, gboolean drop_code)
{
    tcg_tlb_flush_page(hart, paddr);
    if (drop_code) {
        tcg_tb_invalidate_page(hart, paddr);
    }
}

void tcg_hart_flush_all(TcgHart *hart)
{
    tcg_tlb_flush_all(hart);
    tcg_tb_flush(hart);
}

static void kick(TcgHart *hart, gint bits)
{
    g_atomic_int_or(&hart->event, bits);
    g_mutex_lock(&hart->safe_lock);
    g_cond_broadcast(&hart->safe_cond);
    g_mutex_unlock(&hart->safe_lock);
}

void tcg_hart_stop(TcgHart *hart)
{
    kick(hart, TCG_EVENT_STOP);
}

void tcg_hart_set_irq(TcgHart *hart, unsigned irq, gboolean level)
{
    guint64 bit = 1ull << irq;
    if (level) {
        __atomic_fetch_or(&hart->env.mip_hw, bit, __ATOMIC_SEQ_CST);
    } else {
        __atomic_fetch_and(&hart->env.mip_hw, ~bit, __ATOMIC_SEQ_CST);
    }
    kick(hart, TCG_EVENT_IRQ);
}

void tcg_hart_wait_for_interrupt(TcgHart *hart)
{
    g_mutex_lock(&hart->safe_lock);
    run_queued_work_locked(hart);
    hart->at_safe_point = TRUE;
    /* WFI wakes on any pending enabled interrupt, whatever mstatus.MIE. */
    while ((tcg_mip(hart) & hart->env.mie) == 0 &&
           !(g_atomic_int_get(&hart->event) & TCG_EVENT_STOP)) {
        g_cond_wait(&hart->safe_cond, &hart->safe_lock);
        run_queued_work_locked(hart);
    }
    hart->at_safe_point = FALSE;
    run_queued_work_locked(hart);
    g_mutex_unlock(&hart->safe_lock);
}

static guint32 block_flags(const TcgHart *hart)
{
    return hart->env.priv & TCG_BF_PRIV_MASK;
}

/* Handles what the event word announced. FALSE: stop running. */
static gboolean handle_events(TcgHart *hart)
{
    gint ev = g_atomic_int_get(&hart->event);
    if (ev & TCG_EVENT_STOP) {
        return FALSE;
    }
    if (ev & TCG_EVENT_WORK) {
        g_mutex_lock(&hart->safe_lock);
        run_queued_work_locked(hart);
        g_mutex_unlock(&hart->safe_lock);
    }
    if (ev & TCG_EVENT_IRQ) {
        /* Cleared before looking, so a new interrupt re-arms it. */
        g_atomic_int_and(&hart->event, ~TCG_EVENT_IRQ);
        tcg_take_interrupt(hart);
    }
    return TRUE;
}

void tcg_hart_run(TcgHart *hart)
{
    g_mutex_lock(&hart->safe_lock);
    g_atomic_pointer_set(&hart->thread, g_thread_self());
    g_mutex_unlock(&hart->safe_lock);
    /* An exception unwinds here from anywhere inside a block; it has
     * already updated pc and the trap CSRs. */
    (void)sigsetjmp(hart->exit_jmp, 0);
    for (;;) {
        if (G_UNLIKELY(g_atomic_int_get(&hart->event) != 0) && !handle_events(hart)) {
            break;
        }
        guint64 pc = hart->env.pc;
        guint32 flags = block_flags(hart);
        TcgBlock *tb = tcg_tb_lookup(hart, pc, flags);
        if (tb == NULL) {
            tb = tcg_translate(hart, pc, flags);
            tcg_tb_insert(hart, tb);
        }
        hart->stats.blocks_executed++;
        hart->env.retired += tb->n_insns;
        tcg_interp_block(hart, tb);
    }
    g_mutex_lock(&hart->safe_lock);
    g_atomic_pointer_set(&hart->thread, NULL);
    run_queued_work_locked(hart);
    g_mutex_unlock(&hart->safe_lock);
}

void tcg_hart_get_stats(TcgHart *hart, TcgHartStats *out)
{
    *out = hart->stats;
}
