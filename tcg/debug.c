/* SPDX-License-Identifier: MIT */
/* The debugger's hold on a hart (tcg.h): stopping between instructions,
 * stepping one, breakpoints in translated code, and jobs run on the hart's
 * thread while it is stopped. A stopped hart waits as in WFI, at a safe
 * point, so its node can still give pages up: the rest of the machine, and
 * the debugger's own memory accesses through other harts, never wait for it. */
#include "tcg/internal.h"

typedef struct {
    TcgDebugJobFn fn;
    gpointer data;
} TcgDebugJob;

/* safe_lock held: the hart stops at its next block boundary. */
static void ask_stop_locked(TcgHart *hart, TcgDebugStop why)
{
    hart->debug.action = TCG_DEBUG_STOP;
    hart->debug.why = why;
    g_atomic_int_or(&hart->event, TCG_EVENT_DEBUG);
    pthread_cond_broadcast(&hart->safe_cond);
}

void tcg_hart_debug_halt(TcgHart *hart)
{
    pthread_mutex_lock(&hart->safe_lock);
    if (hart->debug.action != TCG_DEBUG_STOP) {
        ask_stop_locked(hart, TCG_DEBUG_HALTED);
    }
    pthread_mutex_unlock(&hart->safe_lock);
}

void tcg_hart_debug_resume(TcgHart *hart, TcgDebugAction action)
{
    pthread_mutex_lock(&hart->safe_lock);
    hart->debug.action = action;
    pthread_cond_broadcast(&hart->safe_cond);
    pthread_mutex_unlock(&hart->safe_lock);
}

gboolean tcg_hart_debug_stopped(TcgHart *hart)
{
    pthread_mutex_lock(&hart->safe_lock);
    gboolean stopped = hart->debug.stopped;
    pthread_mutex_unlock(&hart->safe_lock);
    return stopped;
}

/* A copy of @n items of @size at @items for the hart to take. */
static void offer(TcgHart *hart, TcgDebugOffer *o, gconstpointer items, guint n, gsize size)
{
    pthread_mutex_lock(&hart->safe_lock);
    g_free(o->items);
    o->items = g_memdup2(items, n * size);
    o->n = n;
    o->changed = TRUE;
    pthread_mutex_unlock(&hart->safe_lock);
}

/* safe_lock held: what @o offers, into *@items / *@n; TRUE if it changed. */
static gboolean take_offer_locked(TcgDebugOffer *o, gpointer *items, guint *n)
{
    if (!o->changed) {
        return FALSE;
    }
    g_free(*items);
    *items = g_steal_pointer(&o->items);
    *n = o->n;
    o->n = 0;
    o->changed = FALSE;
    return TRUE;
}

void tcg_hart_debug_set_breakpoints(TcgHart *hart, const guint64 *pcs, guint n)
{
    offer(hart, &hart->debug.new_breakpoints, pcs, n, sizeof(guint64));
}

void tcg_hart_debug_set_watchpoints(TcgHart *hart, const TcgWatch *watches, guint n)
{
    offer(hart, &hart->debug.new_watches, watches, n, sizeof(TcgWatch));
}

TcgWatch tcg_hart_debug_watch_hit(const TcgHart *hart)
{
    return hart->debug.watch_hit;
}

void tcg_hart_debug_drop_code(TcgHart *hart)
{
    pthread_mutex_lock(&hart->safe_lock);
    hart->debug.drop_code = TRUE;
    pthread_mutex_unlock(&hart->safe_lock);
}

void tcg_hart_debug_run(TcgHart *hart, TcgDebugJobFn fn, gpointer data)
{
    TcgDebugJob *job = g_new(TcgDebugJob, 1);
    *job = (TcgDebugJob){ fn, data };
    pthread_mutex_lock(&hart->safe_lock);
    g_queue_push_tail(&hart->debug.jobs, job);
    pthread_cond_broadcast(&hart->safe_cond);
    pthread_mutex_unlock(&hart->safe_lock);
}

void tcg_debug_destroy(TcgHart *hart)
{
    TcgDebugJob *job;
    while ((job = g_queue_pop_head(&hart->debug.jobs)) != NULL) {
        g_free(job);
    }
    g_free(hart->debug.new_breakpoints.items);
    g_free(hart->debug.breakpoints);
    g_free(hart->debug.new_watches.items);
    g_free(hart->debug.watches);
}

/* Takes what changed while the hart was stopped. safe_lock held; TRUE:
 * every translation and TLB entry must go. */
static gboolean take_changes_locked(TcgHart *hart)
{
    TcgHartDebug *d = &hart->debug;
    gpointer watches = d->watches, breakpoints = d->breakpoints;
    gboolean drop = take_offer_locked(&d->new_watches, &watches, &d->n_watches);
    drop |= take_offer_locked(&d->new_breakpoints, &breakpoints, &d->n_breakpoints);
    drop |= d->drop_code;
    d->watches = watches;
    d->breakpoints = breakpoints;
    d->drop_code = FALSE;
    return drop;
}

void tcg_debug_between_blocks(TcgHart *hart)
{
    TcgHartDebug *d = &hart->debug;
    pthread_mutex_lock(&hart->safe_lock);
    g_atomic_int_and(&hart->event, ~TCG_EVENT_DEBUG);
    if (d->action != TCG_DEBUG_STOP) {
        pthread_mutex_unlock(&hart->safe_lock); /* let run before it got here */
        return;
    }
    pthread_mutex_unlock(&hart->safe_lock);
    /* What the hart sent without waiting (an IPI to another node's hart, a
     * posted device write) lands before it counts as stopped: a held
     * machine is one whose every effect arrived, which a snapshot of it
     * must see. */
    if (hart->ops->io_fence != NULL) {
        hart->ops->io_fence(hart->opaque, hart->config.hart_id, TRUE);
    }
    pthread_mutex_lock(&hart->safe_lock);
    if (d->action != TCG_DEBUG_STOP) {
        pthread_mutex_unlock(&hart->safe_lock); /* let run meanwhile */
        return;
    }
    TcgDebugStop why = d->why;
    d->why = TCG_DEBUG_HALTED;
    d->stopped = TRUE;
    d->in_step = FALSE;
    pthread_mutex_unlock(&hart->safe_lock);
    if (hart->ops->debug_stopped != NULL) {
        hart->ops->debug_stopped(hart->opaque, hart->config.hart_id, why);
    }

    pthread_mutex_lock(&hart->safe_lock);
    tcg_safe_point_enter_locked(hart);
    for (;;) {
        TcgDebugJob *job = g_queue_pop_head(&d->jobs);
        if (job != NULL) {
            /* A job waits for pages like an instruction does: off the
             * safe point, which it enters again while it waits. */
            tcg_safe_point_leave_locked(hart);
            pthread_mutex_unlock(&hart->safe_lock);
            job->fn(hart, job->data);
            g_free(job);
            pthread_mutex_lock(&hart->safe_lock);
            tcg_safe_point_enter_locked(hart);
            continue;
        }
        if (d->action != TCG_DEBUG_STOP || (g_atomic_int_get(&hart->event) & TCG_EVENT_STOP)) {
            break;
        }
        tcg_safe_wait_locked(hart);
    }
    d->stopped = FALSE;
    gboolean drop = take_changes_locked(hart);
    d->stepping = d->action == TCG_DEBUG_STEP;
    tcg_safe_point_leave_locked(hart);
    pthread_mutex_unlock(&hart->safe_lock);
    if (drop) {
        tcg_tb_flush(hart);
        tcg_tlb_flush_all(hart); /* no entry may skip a watchpoint's slow path */
    }
}

void tcg_debug_step(TcgHart *hart, guint32 flags)
{
    TcgHartDebug *d = &hart->debug;
    d->stepping = FALSE;
    /* Stops after the instruction, or after the trap it takes (an
     * exception unwinds to the loop, which then sees the event). */
    pthread_mutex_lock(&hart->safe_lock);
    ask_stop_locked(hart, d->watch_pending ? TCG_DEBUG_WATCHPOINT : TCG_DEBUG_STEPPED);
    pthread_mutex_unlock(&hart->safe_lock);
    d->watch_pending = FALSE;
    /* Interpreted, uncached: generated code would leave at once on the
     * event word, and the one instruction must run whatever it says. */
    g_clear_pointer(&d->step_block, tcg_block_free);
    d->step_block = tcg_translate(hart, hart->env.pc, flags | TCG_BF_STEP);
    hart->env.retired += d->step_block->n_insns;
    d->in_step = TRUE; /* until it stops again (a trap leaves from inside) */
    tcg_interp_block(hart, d->step_block);
}

gboolean tcg_debug_breakpoint_at(const TcgHart *hart, guint64 pc)
{
    for (guint i = 0; i < hart->debug.n_breakpoints; i++) {
        if (hart->debug.breakpoints[i] == pc) {
            return TRUE;
        }
    }
    return FALSE;
}

guint64 tcg_helper_debug_break(TcgHart *hart, guint64 a, guint64 b, guint64 c, gint64 imm)
{
    /* The instruction at the breakpoint has not run: the block's entry
     * counted it. */
    hart->env.pc = hart->env.insn_pc;
    hart->env.retired--;
    pthread_mutex_lock(&hart->safe_lock);
    ask_stop_locked(hart, TCG_DEBUG_BREAKPOINT);
    pthread_mutex_unlock(&hart->safe_lock);
    siglongjmp(hart->exit_jmp, 1);
}

static gboolean overlaps(const TcgWatch *w, guint64 lo, guint64 len)
{
    return lo < w->addr + w->len && w->addr < lo + len;
}

gboolean tcg_debug_watched_page(const TcgHart *hart, guint64 vaddr)
{
    guint64 page = vaddr & TCG_PAGE_MASK;
    for (guint i = 0; i < hart->debug.n_watches; i++) {
        if (overlaps(&hart->debug.watches[i], page, TCG_PAGE_SIZE)) {
            return TRUE;
        }
    }
    return FALSE;
}

void tcg_debug_watch_check(TcgHart *hart, guint64 addr, guint size, gboolean read,
                           gboolean write)
{
    TcgHartDebug *d = &hart->debug;
    if (d->in_step) {
        return; /* the step gdb makes to get past a watched access */
    }
    for (guint i = 0; i < d->n_watches; i++) {
        const TcgWatch *w = &d->watches[i];
        gboolean kind = w->kind == TCG_WATCH_ACCESS || (w->kind == TCG_WATCH_WRITE && write) ||
                        (w->kind == TCG_WATCH_READ && read);
        if (kind && overlaps(w, addr, size)) {
            /* gdb looks for the new value once the hart stops (as QEMU's
             * gdbstub has it): the instruction runs again alone, as a
             * step that does not look, and the hart stops after it. */
            d->watch_hit = *w;
            d->watch_pending = TRUE;
            d->stepping = TRUE;
            hart->env.pc = hart->env.insn_pc;
            siglongjmp(hart->exit_jmp, 1);
        }
    }
}
