/* SPDX-License-Identifier: MIT */
/* The hart's run loop and how other threads reach it (docs/coherence.md §4):
 * the event word that every block boundary tests, safe work (QEMU's
 * run_on_cpu, synchronous),
 * interrupts and WFI. The rule that keeps it deadlock-free: a hart blocked
 * in a node callback or in WFI is at a safe point, and safe work for it
 * runs right away on the requesting thread. safe-work.pml models this
 * handshake; spin checks it in the test suite. */
#include <errno.h>
#include <pthread.h>
#include <time.h>
#include <stdio.h>
#include <string.h>

#include "tcg/event.h"
#include "tcg/internal.h"

/* One request's item on one hart's queue. The requester waits for all its
 * items at once: the last hart to finish sets the event. */
struct TcgSafeWork {
    TcgSafeFunc fn;    /* NULL: park the hart for an exclusive section */
    gpointer data;
    gint *remaining;   /* (atomic) items of the request not yet run */
    TcgEvent *all_done;
};

/* One exclusive section at a time in the process (the node). */
static pthread_mutex_t exclusive_lock = PTHREAD_MUTEX_INITIALIZER;

/* Every hart of the process (the node shares its RAM frames among them). */
static pthread_mutex_t harts_lock = PTHREAD_MUTEX_INITIALIZER;
static GPtrArray *harts_alive; /* TcgHart *, under harts_lock */

guint tcg_harts_in_process(void)
{
    pthread_mutex_lock(&harts_lock);
    guint n = harts_alive != NULL ? harts_alive->len : 0;
    pthread_mutex_unlock(&harts_lock);
    return n;
}

typedef struct {
    TcgExclusiveFunc fn;
    gpointer data;
    TcgHart **harts;
    guint n_harts;
} AllHarts;

static AllHarts *all_harts_now;

static void run_on_all(gpointer data)
{
    AllHarts *all = data;
    all_harts_now = all;
    all->fn(all->data);
    all_harts_now = NULL;
}

void tcg_exclusive_run_all(TcgExclusiveFunc fn, gpointer data)
{
    pthread_mutex_lock(&harts_lock);
    AllHarts all = { fn, data, (TcgHart **)g_memdup2(harts_alive->pdata,
                                                     harts_alive->len * sizeof(gpointer)),
                     harts_alive->len };
    pthread_mutex_unlock(&harts_lock);
    tcg_exclusive_run(all.harts, all.n_harts, run_on_all, &all);
    g_free(all.harts);
}

void tcg_harts_foreach_stopped(TcgSafeFunc fn, gpointer data)
{
    g_assert(all_harts_now != NULL); /* only inside tcg_exclusive_run_all */
    for (guint i = 0; i < all_harts_now->n_harts; i++) {
        fn(all_harts_now->harts[i], data);
    }
}

TcgHart *tcg_hart_new(const TcgHartConfig *config, const TcgNodeOps *ops, gpointer opaque)
{
    TcgHart *hart = g_new0(TcgHart, 1);
    hart->config = *config;
    hart->ops = ops;
    hart->opaque = opaque;
    pthread_mutex_init(&hart->safe_lock, NULL);
    pthread_condattr_t cond_attr;
    pthread_condattr_init(&cond_attr);
    pthread_condattr_setclock(&cond_attr, CLOCK_MONOTONIC); /* WFI naps by it */
    pthread_cond_init(&hart->safe_cond, &cond_attr);
    pthread_condattr_destroy(&cond_attr);
    g_queue_init(&hart->work);
    tcg_tb_cache_init(hart);
    if (config->ram_host != NULL) {
        hart->ram_addend = (guintptr)config->ram_host - (guintptr)config->ram_base;
        tcg_shared_code_cover(config->ram_base, config->ram_size);
    }
    /* A budgeted hart asks its node before the first block. */
    hart->env.deadline = config->budgeted ? 0 : G_MAXUINT64;
    tcg_tlb_init(hart);
    tcg_hart_reset(hart, 0, 0, 0);
    if (config->accel == TCG_ACCEL_JIT) {
        g_autoptr(GError) error = NULL;
        if (!tcg_jit_init(hart, &error)) {
            /* The translator fails soft: the interpreter runs the same IR. */
            g_warning("hart %u: no JIT (%s); using the interpreter", config->hart_id,
                      error->message);
            hart->config.accel = TCG_ACCEL_INTERP;
        }
    }
    hart->config.profile_pins = config->profile_pins && hart->jit != NULL;
    if (hart->config.profile_pins) {
        tcg_pin_profile_attach();
    }
    pthread_mutex_lock(&harts_lock);
    if (harts_alive == NULL) {
        harts_alive = g_ptr_array_new();
    }
    g_ptr_array_add(harts_alive, hart);
    pthread_mutex_unlock(&harts_lock);
    return hart;
}

void tcg_hart_free(TcgHart *hart)
{
    if (hart == NULL) {
        return;
    }
    g_assert(hart->thread == NULL);
    pthread_mutex_lock(&harts_lock);
    g_ptr_array_remove(harts_alive, hart);
    pthread_mutex_unlock(&harts_lock);
    if (hart->config.profile_pins) {
        tcg_pin_profile_detach();
    }
    g_clear_pointer(&hart->debug.step_block, tcg_block_free);
    tcg_tb_cache_destroy(hart);
    tcg_jit_destroy(hart);
    tcg_debug_destroy(hart);
    pthread_mutex_destroy(&hart->safe_lock);
    pthread_cond_destroy(&hart->safe_cond);
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
    env->mstatus = tcg_mstatus_reset_value(&hart->config.isa);
    env->reservation = RV_NO_RESERVATION;
    env->stimecmp = G_MAXUINT64; /* the node's comparator starts disarmed too */
}

void tcg_hart_power_on(TcgHart *hart, guint64 pc, guint64 a0, guint64 a1)
{
    TcgCpuState *env = &hart->env;
    TcgCpuState kept = *env;
    memset(env, 0, sizeof *env);
    /* Driven by devices, which reset their own lines; counted time goes on. */
    env->mip_hw = __atomic_load_n(&kept.mip_hw, __ATOMIC_SEQ_CST);
    env->retired = kept.retired;
    env->deadline = kept.deadline;
    env->minstret_base = env->mcycle_base = -kept.retired; /* the counters start at 0 */
    tcg_hart_reset(hart, pc, a0, a1);
    /* The images were loaded again: no translation or mapping survives. */
    tcg_tlb_flush_all(hart);
    tcg_tb_flush(hart);
}

void tcg_hart_set_budget(TcgHart *hart, guint64 budget)
{
    hart->env.deadline = hart->env.retired + budget;
}

guint64 tcg_hart_retired(const TcgHart *hart)
{
    return hart->env.retired;
}

guint64 tcg_hart_insn_pc(const TcgHart *hart)
{
    return hart->env.insn_pc;
}

guint tcg_hart_priv(const TcgHart *hart)
{
    return hart->env.priv;
}

/* The budget ran out (or, @idle, a WFI found nothing to wake for): the
 * node decides when the next quantum starts. A safe point meanwhile, as in
 * any callback. */
static void end_quantum(TcgHart *hart, gboolean idle)
{
    tcg_safe_point_enter(hart);
    guint64 budget = hart->ops->quantum_end(hart->opaque, hart->config.hart_id, idle);
    tcg_safe_point_leave(hart);
    tcg_hart_set_budget(hart, MAX(budget, 1));
    /* Interrupts raised at the barrier are taken before the first block. */
    g_atomic_int_or(&hart->event, TCG_EVENT_IRQ);
}

static void work_done(TcgSafeWork *w)
{
    if (g_atomic_int_dec_and_test(w->remaining)) {
        tcg_event_set(w->all_done);
    }
}

/* The hart thread stops here, counted as parked, until the exclusive
 * section that asked ends. Other safe work may run on it meanwhile (it is
 * at a safe point). safe_lock held. */
static void park_locked(TcgHart *hart, TcgSafeWork *w)
{
    gboolean was_at_safe_point = hart->at_safe_point;
    hart->held = TRUE;
    hart->at_safe_point = TRUE;
    work_done(w);
    while (hart->held) {
        pthread_cond_wait(&hart->safe_cond, &hart->safe_lock);
    }
    hart->at_safe_point = was_at_safe_point;
}

/* Runs every queued work item. safe_lock held, on the hart's thread. Cheap
 * when there is none: this runs at every safe point. */
static void run_queued_work_locked(TcgHart *hart)
{
    if (g_queue_is_empty(&hart->work)) {
        return;
    }
    TcgSafeWork *w;
    while ((w = g_queue_pop_head(&hart->work)) != NULL) {
        if (w->fn == NULL && hart->thread != NULL) {
            park_locked(hart, w);
            continue;
        }
        if (w->fn != NULL) {
            w->fn(hart, w->data);
        } else {
            hart->held = TRUE; /* it left tcg_hart_run: a restart waits */
        }
        work_done(w);
    }
    g_atomic_int_and(&hart->event, ~TCG_EVENT_WORK);
}

/* A hart an exclusive section holds may not leave its safe point. */
static void leave_safe_point_locked(TcgHart *hart)
{
    while (hart->held) {
        pthread_cond_wait(&hart->safe_cond, &hart->safe_lock);
    }
    hart->at_safe_point = FALSE;
}

void tcg_safe_point_enter_locked(TcgHart *hart)
{
    /* Work queued while we ran must not wait for us to come back. */
    run_queued_work_locked(hart);
    hart->at_safe_point = TRUE;
}

void tcg_safe_point_leave_locked(TcgHart *hart)
{
    leave_safe_point_locked(hart);
    run_queued_work_locked(hart);
}

void tcg_safe_wait_locked(TcgHart *hart)
{
    pthread_cond_wait(&hart->safe_cond, &hart->safe_lock);
    run_queued_work_locked(hart);
}

void tcg_safe_point_enter(TcgHart *hart)
{
    pthread_mutex_lock(&hart->safe_lock);
    tcg_safe_point_enter_locked(hart);
    pthread_mutex_unlock(&hart->safe_lock);
}

void tcg_safe_point_leave(TcgHart *hart)
{
    pthread_mutex_lock(&hart->safe_lock);
    tcg_safe_point_leave_locked(hart);
    pthread_mutex_unlock(&hart->safe_lock);
}

void tcg_harts_run_safe(TcgHart *const *harts, guint n_harts, TcgSafeFunc fn, gpointer data)
{
    g_autofree TcgSafeWork *items = g_new(TcgSafeWork, n_harts);
    gint remaining = (gint)n_harts + 1; /* +1: ours, dropped once all are queued */
    TcgEvent all_done;
    tcg_event_init(&all_done);
    for (guint i = 0; i < n_harts; i++) {
        TcgHart *hart = harts[i];
        items[i] = (TcgSafeWork){ fn, data, &remaining, &all_done };
        if (g_atomic_pointer_get(&hart->thread) == g_thread_self()) {
            fn(hart, data); /* our own hart: we are between its blocks */
            work_done(&items[i]);
            continue;
        }
        pthread_mutex_lock(&hart->safe_lock);
        if (hart->at_safe_point || hart->thread == NULL) {
            /* It cannot leave the safe point while we hold its lock. */
            fn(hart, data);
            pthread_mutex_unlock(&hart->safe_lock);
            work_done(&items[i]);
            continue;
        }
        /* All queued before we wait: the harts work in parallel. A hart
         * running code sees the event word at its next block; one that
         * gets to a safe point first runs the queue there. */
        g_queue_push_tail(&hart->work, &items[i]);
        g_atomic_int_or(&hart->event, TCG_EVENT_WORK);
        pthread_mutex_unlock(&hart->safe_lock);
    }
    work_done(&(TcgSafeWork){ fn, data, &remaining, &all_done });
    tcg_event_wait(&all_done);
}

static TcgHart *own_hart(TcgHart *const *harts, guint n_harts)
{
    for (guint i = 0; i < n_harts; i++) {
        if (g_atomic_pointer_get(&harts[i]->thread) == g_thread_self()) {
            return harts[i];
        }
    }
    return NULL;
}

/* QEMU's start_exclusive/end_exclusive: every other hart parks at a safe
 * point (one already there is held in place), then @fn runs alone. */
void tcg_exclusive_run(TcgHart *const *harts, guint n_harts, TcgExclusiveFunc fn, gpointer data)
{
    TcgHart *self = own_hart(harts, n_harts);
    gboolean self_was_safe = FALSE; /* called from a node callback */
    if (self != NULL) {
        pthread_mutex_lock(&self->safe_lock);
        self_was_safe = self->at_safe_point;
        pthread_mutex_unlock(&self->safe_lock);
        if (!self_was_safe) {
            /* Another section may park us while we wait for our turn. */
            tcg_safe_point_enter(self);
        }
    }
    pthread_mutex_lock(&exclusive_lock);
    if (self != NULL) {
        /* Not at a safe point while @fn runs: nobody else touches our TLB. */
        tcg_safe_point_leave(self);
    }
    g_autofree TcgSafeWork *items = g_new(TcgSafeWork, n_harts);
    gint remaining = (gint)n_harts + 1;
    TcgEvent all_parked;
    tcg_event_init(&all_parked);
    for (guint i = 0; i < n_harts; i++) {
        TcgHart *hart = harts[i];
        items[i] = (TcgSafeWork){ NULL, NULL, &remaining, &all_parked };
        if (hart == self) {
            work_done(&items[i]);
            continue;
        }
        pthread_mutex_lock(&hart->safe_lock);
        if (hart->at_safe_point || hart->thread == NULL) {
            hart->held = TRUE;
            work_done(&items[i]);
        } else {
            g_queue_push_tail(&hart->work, &items[i]);
            g_atomic_int_or(&hart->event, TCG_EVENT_WORK);
        }
        pthread_mutex_unlock(&hart->safe_lock);
    }
    work_done(&(TcgSafeWork){ NULL, NULL, &remaining, &all_parked });
    tcg_event_wait(&all_parked);
    fn(data);
    for (guint i = 0; i < n_harts; i++) {
        TcgHart *hart = harts[i];
        if (hart == self) {
            continue;
        }
        pthread_mutex_lock(&hart->safe_lock);
        hart->held = FALSE;
        pthread_cond_broadcast(&hart->safe_cond);
        pthread_mutex_unlock(&hart->safe_lock);
    }
    pthread_mutex_unlock(&exclusive_lock);
    if (self_was_safe) {
        tcg_safe_point_enter(self); /* back in the callback we came from */
    }
}

void tcg_hart_flush_page(TcgHart *hart, guint64 paddr, gboolean drop_code)
{
    tcg_tlb_flush_page(hart, paddr);
    if (drop_code) {
        hart->code_drops++;
        tcg_tb_invalidate_page(hart, paddr);
    }
}

void tcg_harts_post_event(gint bits)
{
    pthread_mutex_lock(&harts_lock);
    for (guint i = 0; harts_alive != NULL && i < harts_alive->len; i++) {
        TcgHart *hart = g_ptr_array_index(harts_alive, i);
        if (hart->jit != NULL) {
            g_atomic_int_or(&hart->event, bits);
        }
    }
    pthread_mutex_unlock(&harts_lock);
}

static void kick(TcgHart *hart, gint bits)
{
    g_atomic_int_or(&hart->event, bits);
    pthread_mutex_lock(&hart->safe_lock);
    pthread_cond_broadcast(&hart->safe_cond);
    pthread_mutex_unlock(&hart->safe_lock);
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

gboolean tcg_hart_irq_level(const TcgHart *hart, unsigned irq)
{
    return (__atomic_load_n(&hart->env.mip_hw, __ATOMIC_SEQ_CST) >> irq) & 1;
}

/* A WFI that finds an enabled interrupt pending returns at once. A guest
 * that goes on doing so with the interrupt masked (OpenSBI parks stopped
 * harts in such a WFI loop while an IPI is pending) only burns a host CPU
 * that other harts and the memory server need. After WFI_SPINS such
 * returns in a row the hart naps up to WFI_NAP_US, woken early by any kick
 * (an interrupt line, safe work, a stop): as if that WFI took longer,
 * which the spec allows. */
#define WFI_SPINS 64
#define WFI_NAP_US 200

static void wfi_nap_locked(TcgHart *hart)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_nsec += WFI_NAP_US * 1000;
    if (until.tv_nsec >= 1000000000) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000;
    }
    pthread_cond_timedwait(&hart->safe_cond, &hart->safe_lock, &until);
    run_queued_work_locked(hart);
}

/* Counted time: nothing runs while a hart waits, so its time moves only
 * at quantum boundaries, where interrupts from the rest of the machine
 * arrive. */
static void wait_for_interrupt_budgeted(TcgHart *hart)
{
    /* A hold (a snapshot at this boundary) ends the WFI as it does in
     * host time: the hart must stop at an instruction boundary. */
    while ((tcg_mip(hart) & hart->env.mie) == 0 &&
           !(g_atomic_int_get(&hart->event) & (TCG_EVENT_STOP | TCG_EVENT_DEBUG))) {
        end_quantum(hart, TRUE);
    }
}

void tcg_hart_wait_for_interrupt(TcgHart *hart)
{
    if (hart->config.budgeted) {
        wait_for_interrupt_budgeted(hart);
        return;
    }
    pthread_mutex_lock(&hart->safe_lock);
    run_queued_work_locked(hart);
    hart->at_safe_point = TRUE;
    /* WFI wakes on any pending enabled interrupt, whatever mstatus.MIE. */
    if ((tcg_mip(hart) & hart->env.mie) != 0) {
        if (++hart->wfi_spins > WFI_SPINS) {
            wfi_nap_locked(hart);
        }
    } else {
        hart->wfi_spins = 0;
    }
    /* The debugger's stop ends it too: a WFI may end for no reason. */
    while ((tcg_mip(hart) & hart->env.mie) == 0 &&
           !(g_atomic_int_get(&hart->event) & (TCG_EVENT_STOP | TCG_EVENT_DEBUG))) {
        pthread_cond_wait(&hart->safe_cond, &hart->safe_lock);
        run_queued_work_locked(hart);
    }
    leave_safe_point_locked(hart);
    run_queued_work_locked(hart);
    pthread_mutex_unlock(&hart->safe_lock);
}

guint32 tcg_block_flags(const TcgHart *hart)
{
    const TcgCpuState *env = &hart->env;
    guint32 fs = (guint32)((env->mstatus & RV_MSTATUS_FS) >> RV_MSTATUS_FS_SHIFT);
    guint data_priv = tcg_data_priv(env);
    return (env->priv & TCG_BF_PRIV_MASK) | fs << TCG_BF_FS_SHIFT |
           (guint32)tcg_mmu_idx(data_priv) << TCG_BF_MMU_SHIFT |
           (tcg_priv_paged(env, data_priv) ? TCG_BF_PAGED : 0);
}

/* Handles what the event word announced. FALSE: stop running. */
static gboolean handle_events(TcgHart *hart)
{
    gint ev = g_atomic_int_get(&hart->event);
    if (ev & TCG_EVENT_STOP) {
        return FALSE;
    }
    if (ev & TCG_EVENT_WORK) {
        pthread_mutex_lock(&hart->safe_lock);
        run_queued_work_locked(hart);
        pthread_mutex_unlock(&hart->safe_lock);
    }
    if (ev & TCG_EVENT_SAMPLE) {
        g_atomic_int_and(&hart->event, ~TCG_EVENT_SAMPLE);
        if (hart->config.profile_pins) {
            tcg_pin_profile_sample(hart);
        }
    }
    if (ev & TCG_EVENT_DEBUG) {
        tcg_debug_between_blocks(hart);
    }
    if ((ev & TCG_EVENT_IRQ) && !hart->debug.stepping) {
        /* Cleared before looking, so a new interrupt re-arms it. A step
         * holds interrupts off (as QEMU's gdbstub does by default). */
        g_atomic_int_and(&hart->event, ~TCG_EVENT_IRQ);
        if (tcg_take_interrupt(hart)) {
            hart->wfi_spins = 0; /* it waited for this one */
        }
    }
    return TRUE;
}

/* SHOAL_TCG_STATS=FILE: one line per hart, for bench/run. */
static void write_stats(TcgHart *hart)
{
    const char *path = g_getenv("SHOAL_TCG_STATS");
    if (path == NULL || *path == '\0') {
        return;
    }
    FILE *f = fopen(path, "a");
    if (f == NULL) {
        g_warning("SHOAL_TCG_STATS: cannot open %s: %s", path, g_strerror(errno));
        return;
    }
    const TcgHartStats *s = &hart->stats;
    fprintf(f,
            "hart=%u accel=%s blocks_translated=%" G_GUINT64_FORMAT
            " insns_translated=%" G_GUINT64_FORMAT " code_bytes=%" G_GUINT64_FORMAT
            " translate_ns=%" G_GUINT64_FORMAT " blocks_executed=%" G_GUINT64_FORMAT
            " buffer_flushes=%" G_GUINT64_FORMAT " pin_moves=%" G_GUINT64_FORMAT "\n",
            hart->config.hart_id, hart->jit != NULL ? "jit" : "interp", s->blocks_translated,
            s->insns_translated, s->code_bytes, s->translate_ns, s->blocks_executed,
            s->buffer_flushes, s->pin_moves);
    fclose(f);
}

TcgBlock *tcg_tb_build(TcgHart *hart, guint64 pc, guint32 flags)
{
    TcgBlock *tb;
    /* Translation cost without the wait for code pages from the server. */
    gint64 t0 = g_get_monotonic_time();
    guint64 waited0 = hart->page_map_ns;
    for (;;) {
        /* Before reading the code: a store another hart makes after this
         * moment shows in the page's last store (shared-code.c). */
        hart->translate_clock = tcg_shared_code_clock();
        guint64 drops = hart->code_drops;
        tb = tcg_translate(hart, pc, flags);
        if (drops == hart->code_drops) {
            break;
        }
        /* A fetch into the next page waited at a safe point, where the node
         * may drop a page this block was read from: the block is not in
         * the cache yet, so nothing dropped it. Read the code again. */
        tcg_block_free(tb);
    }
    if (hart->jit != NULL) {
        if (!tcg_jit_compile(hart, tb)) {
            /* Buffer full: this hart starts over with an empty one. */
            tcg_block_free(tb);
            tcg_tb_flush(hart);
            hart->stats.buffer_flushes++;
            tb = tcg_translate(hart, pc, flags);
            gboolean ok = tcg_jit_compile(hart, tb);
            g_assert(ok);
        }
        /* Generated code has it all; the IR is the interpreter's. */
        tb->ops = NULL;
        hart->stats.code_bytes += tb->code_size;
    }
    tcg_tb_insert(hart, tb);
    hart->stats.translate_ns +=
        (guint64)(g_get_monotonic_time() - t0) * 1000 - (hart->page_map_ns - waited0);
    return tb;
}

/* The block at env.pc, translated (and compiled) if new. */
static TcgBlock *find_block(TcgHart *hart)
{
    guint64 pc = hart->env.pc;
    guint32 flags = tcg_block_flags(hart);
    /* The jump cache is by virtual pc and forgotten whenever a mapping
     * may change (satp, sfence.vma, PMP): a hit needs no translation. */
    TcgBlock *tb = hart->blocks.jmp_cache[tcg_tb_jmp_cache_index(pc)];
    if (tb != NULL && tb->pc == pc && tb->flags == flags) {
        return tb;
    }
    guint64 phys_pc;
    RvException fault;
    if (tcg_mem_fetch_ptr(hart, pc, &phys_pc, &fault) == NULL) {
        hart->env.insn_pc = pc;
        tcg_raise(hart, fault, pc);
    }
    tb = tcg_tb_lookup(hart, pc, flags, phys_pc);
    if (tb != NULL) {
        return tb;
    }
    return tcg_tb_build(hart, pc, flags);
}

/* Chains only within one page: dropping a page then drops every block
 * that could jump into it (tb-maint.c). */
static gboolean can_chain(const TcgBlock *from, const TcgBlock *to)
{
    return !from->invalid && !to->invalid && from->page[1] == ~0ull && to->page[1] == ~0ull &&
           from->page[0] == to->page[0];
}

static void run_jit(TcgHart *hart)
{
    TcgBlock *last = NULL;
    guint last_slot = 0;
    for (;;) {
        if (G_UNLIKELY(g_atomic_int_get(&hart->event) != 0)) {
            last = NULL;
            if (!handle_events(hart)) {
                return;
            }
        }
        if (G_UNLIKELY(hart->env.retired >= hart->env.deadline)) {
            last = NULL;
            end_quantum(hart, FALSE);
            continue; /* look at what the barrier raised first */
        }
        if (G_UNLIKELY(hart->debug.stepping)) {
            last = NULL;
            tcg_debug_step(hart, tcg_block_flags(hart));
            continue;
        }
        guint flushes = hart->blocks.flush_count;
        TcgBlock *tb = find_block(hart);
        if (last != NULL && flushes == hart->blocks.flush_count && can_chain(last, tb)) {
            tcg_jit_chain(hart, last, last_slot, tb);
        }
        hart->stats.blocks_executed++;
        flushes = hart->blocks.flush_count;
        guintptr ret = tcg_jit_enter(hart, tb);
        /* A flush inside the block (a helper) freed what ret points to. */
        last = flushes == hart->blocks.flush_count ? (TcgBlock *)(ret & ~TCG_CHAIN_SLOT_MASK)
                                                   : NULL;
        last_slot = (guint)(ret & TCG_CHAIN_SLOT_MASK);
    }
}

static void run_interp(TcgHart *hart)
{
    for (;;) {
        if (G_UNLIKELY(g_atomic_int_get(&hart->event) != 0) && !handle_events(hart)) {
            return;
        }
        if (G_UNLIKELY(hart->env.retired >= hart->env.deadline)) {
            end_quantum(hart, FALSE);
            continue;
        }
        if (G_UNLIKELY(hart->debug.stepping)) {
            tcg_debug_step(hart, tcg_block_flags(hart));
            continue;
        }
        TcgBlock *tb = find_block(hart);
        hart->stats.blocks_executed++;
        hart->env.retired += tb->n_insns;
        tcg_interp_block(hart, tb);
    }
}

void tcg_hart_run(TcgHart *hart)
{
    pthread_mutex_lock(&hart->safe_lock);
    while (hart->held) { /* started inside an exclusive section */
        pthread_cond_wait(&hart->safe_cond, &hart->safe_lock);
    }
    g_atomic_pointer_set(&hart->thread, g_thread_self());
    pthread_mutex_unlock(&hart->safe_lock);
    /* An exception unwinds here from anywhere inside a block; it has
     * already updated pc and the trap CSRs. */
    (void)sigsetjmp(hart->exit_jmp, 0);
    if (hart->jit != NULL) {
        run_jit(hart);
    } else {
        run_interp(hart);
    }
    pthread_mutex_lock(&hart->safe_lock);
    g_atomic_pointer_set(&hart->thread, NULL);
    run_queued_work_locked(hart);
    pthread_mutex_unlock(&hart->safe_lock);
    write_stats(hart);
}

void tcg_hart_get_stats(TcgHart *hart, TcgHartStats *out)
{
    *out = hart->stats;
}
