/* SPDX-License-Identifier: MIT */
/* The debugger's hold on real harts on their threads (tcg/debug.c): a hart
 * that starts stopped, runs to a breakpoint, steps one instruction with an
 * interrupt pending, has its registers and memory read and written by jobs
 * on its own thread, stops before a watched store, and is stopped out of
 * WFI; under both back ends. */
#include <string.h>

#include "tcg/internal.h"
#include "tests/unit/rv-encode.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE (16 * 1024)
#define DATA (RAM_BASE + 0x2000)
#define INSN_WFI 0x10500073u
#define MIE_MSIE (1ull << 3)

typedef struct {
    guint8 *ram;
    TcgHart *hart;
    GThread *thread;
    pthread_mutex_t lock; /* guards stops, last */
    pthread_cond_t cond;
    guint stops;
    TcgDebugStop last;
} Rig;

static gboolean r_page_map(gpointer opaque, guint hart_id, guint64 paddr, TcgAccess access,
                           TcgPageMap *out)
{
    Rig *r = opaque;
    if (paddr < RAM_BASE || paddr >= RAM_BASE + RAM_SIZE) {
        return FALSE;
    }
    out->host = r->ram + ((paddr - RAM_BASE) & TCG_PAGE_MASK);
    out->writable = TRUE;
    return TRUE;
}

static gboolean r_mmio(gpointer opaque, guint hart_id, guint64 paddr, unsigned size,
                       guint64 *value)
{
    return FALSE;
}

static gboolean r_mmio_write(gpointer opaque, guint hart_id, guint64 paddr, unsigned size,
                             guint64 value)
{
    return FALSE;
}

static void r_watched_store(gpointer opaque, guint hart_id, guint64 paddr, unsigned size,
                            guint64 value)
{
}

static guint64 r_read_time(gpointer opaque, guint hart_id)
{
    return 0;
}

static void r_stopped(gpointer opaque, guint hart_id, gint why)
{
    Rig *r = opaque;
    pthread_mutex_lock(&r->lock);
    r->stops++;
    r->last = (TcgDebugStop)why;
    pthread_cond_broadcast(&r->cond);
    pthread_mutex_unlock(&r->lock);
}

static const TcgNodeOps rig_ops = {
    .page_map = r_page_map, .mmio_read = r_mmio, .mmio_write = r_mmio_write,
    .watched_store = r_watched_store, .read_time = r_read_time, .debug_stopped = r_stopped,
};

/* Counts t0 up, storing each count, forever; then sleeps in WFI forever
 * once a1 is zero. */
static void load_program(guint8 *ram)
{
    const guint32 program[] = {
    /* 0x00 */ ADDI(T0, T0, 1),
    /* 0x04 */ SD(T0, 0, A1),
    /* 0x08 */ ADDI(T1, T0, 0),
    /* 0x0c */ BNE(A1, ZERO, -12),
    /* 0x10 */ INSN_WFI,
    /* 0x14 */ BNE(ZERO, ZERO, 0),
    /* 0x18 */ BNE(A1, ZERO, -8), /* back to the WFI */
    };
    memcpy(ram, program, sizeof program);
}

static gpointer hart_thread(gpointer data)
{
    Rig *r = data;
    tcg_hart_reset(r->hart, RAM_BASE, 0, DATA);
    tcg_hart_run(r->hart);
    return NULL;
}

/* Waits until the hart reported its @n-th stop; returns why. */
static TcgDebugStop wait_stop(Rig *r, guint n)
{
    pthread_mutex_lock(&r->lock);
    while (r->stops < n) {
        pthread_cond_wait(&r->cond, &r->lock);
    }
    TcgDebugStop why = r->last;
    pthread_mutex_unlock(&r->lock);
    g_assert_true(tcg_hart_debug_stopped(r->hart));
    return why;
}

typedef struct {
    guint regno;
    guint64 value;
    gboolean write, ok, done;
    guint8 mem[8];
    gboolean mem_write;
    pthread_mutex_t *lock;
    pthread_cond_t *cond;
} Job;

static void job_fn(TcgHart *hart, gpointer data)
{
    Job *j = data;
    if (j->regno == G_MAXUINT) {
        j->ok = tcg_debug_access_mem(hart, DATA, j->mem, sizeof j->mem, j->mem_write);
    } else if (j->write) {
        j->ok = tcg_debug_write_reg(hart, j->regno, j->value);
    } else {
        j->ok = tcg_debug_read_reg(hart, j->regno, &j->value);
    }
    pthread_mutex_lock(j->lock);
    j->done = TRUE;
    pthread_cond_broadcast(j->cond);
    pthread_mutex_unlock(j->lock);
}

static void run_job(Rig *r, Job *j)
{
    j->lock = &r->lock;
    j->cond = &r->cond;
    tcg_hart_debug_run(r->hart, job_fn, j);
    pthread_mutex_lock(&r->lock);
    while (!j->done) {
        pthread_cond_wait(&r->cond, &r->lock);
    }
    pthread_mutex_unlock(&r->lock);
}

static guint64 reg(Rig *r, guint regno)
{
    Job j = { .regno = regno };
    run_job(r, &j);
    g_assert_true(j.ok);
    return j.value;
}

static void set_reg(Rig *r, guint regno, guint64 v)
{
    Job j = { .regno = regno, .value = v, .write = TRUE };
    run_job(r, &j);
    g_assert_true(j.ok);
}

static void test_hold(gconstpointer accel)
{
    Rig r = { .ram = g_malloc0(RAM_SIZE) };
    pthread_mutex_init(&r.lock, NULL);
    pthread_cond_init(&r.cond, NULL);
    load_program(r.ram);
    TcgHartConfig cfg = { .accel = GPOINTER_TO_INT(accel), .code_buffer_size = 1 << 20 };
    r.hart = tcg_hart_new(&cfg, &rig_ops, &r);
    tcg_hart_debug_halt(r.hart); /* paused before it starts, as shoal-cpu-node --paused */
    r.thread = g_thread_new("hart", hart_thread, &r);

    g_assert_cmpint(wait_stop(&r, 1), ==, TCG_DEBUG_HALTED);
    g_assert_cmphex(reg(&r, TCG_DEBUG_REG_PC), ==, RAM_BASE);
    g_assert_cmphex(reg(&r, A1), ==, DATA);
    guint64 misa = reg(&r, TCG_DEBUG_REG_CSR0 + 0x301);
    g_assert_cmphex(misa >> 62, ==, 2); /* RV64 */
    g_assert_cmpuint(reg(&r, TCG_DEBUG_REG_PRIV), ==, 3);
    Job bad = { .regno = TCG_DEBUG_REG_CSR0 + 0x7ff }; /* no such CSR */
    run_job(&r, &bad);
    g_assert_false(bad.ok);

    /* A breakpoint mid-block: the hart stops before the instruction. */
    guint64 bp = RAM_BASE + 0x08;
    tcg_hart_debug_set_breakpoints(r.hart, &bp, 1);
    tcg_hart_debug_resume(r.hart, TCG_DEBUG_RUN);
    g_assert_cmpint(wait_stop(&r, 2), ==, TCG_DEBUG_BREAKPOINT);
    g_assert_cmphex(reg(&r, TCG_DEBUG_REG_PC), ==, bp);
    g_assert_cmpuint(reg(&r, T0), ==, 1);
    g_assert_cmpuint(reg(&r, T1), ==, 0); /* the instruction at bp did not run */
    /* Run on, it stops there again at once: gdb steps off a breakpoint
     * (with it removed) before it continues. */
    tcg_hart_debug_resume(r.hart, TCG_DEBUG_RUN);
    g_assert_cmpint(wait_stop(&r, 3), ==, TCG_DEBUG_BREAKPOINT);
    g_assert_cmpuint(reg(&r, T1), ==, 0);
    tcg_hart_debug_set_breakpoints(r.hart, NULL, 0);
    tcg_hart_debug_resume(r.hart, TCG_DEBUG_STEP);
    g_assert_cmpint(wait_stop(&r, 4), ==, TCG_DEBUG_STEPPED);
    g_assert_cmpuint(reg(&r, T1), ==, 1);
    tcg_hart_debug_set_breakpoints(r.hart, &bp, 1);
    tcg_hart_debug_resume(r.hart, TCG_DEBUG_RUN);
    g_assert_cmpint(wait_stop(&r, 5), ==, TCG_DEBUG_BREAKPOINT);
    g_assert_cmpuint(reg(&r, T0), ==, 2);

    /* A step runs the one instruction at the breakpoint, even with an
     * enabled interrupt pending (held off while stepping). */
    set_reg(&r, TCG_DEBUG_REG_CSR0 + 0x304, MIE_MSIE);
    set_reg(&r, TCG_DEBUG_REG_CSR0 + 0x305, RAM_BASE + 0x10);
    set_reg(&r, TCG_DEBUG_REG_CSR0 + 0x300, 1ull << 3); /* mstatus.MIE */
    tcg_hart_set_irq(r.hart, TCG_IRQ_MSIP, TRUE);
    tcg_hart_debug_resume(r.hart, TCG_DEBUG_STEP);
    g_assert_cmpint(wait_stop(&r, 6), ==, TCG_DEBUG_STEPPED);
    g_assert_cmphex(reg(&r, TCG_DEBUG_REG_PC), ==, bp + 4);
    g_assert_cmpuint(reg(&r, T1), ==, 2);
    tcg_hart_set_irq(r.hart, TCG_IRQ_MSIP, FALSE);

    /* Registers and memory written by the debugger are what runs next. */
    set_reg(&r, T0, 100);
    Job mem = { .regno = G_MAXUINT };
    run_job(&r, &mem);
    g_assert_true(mem.ok);
    g_assert_cmpuint(mem.mem[0], ==, 2);
    Job poke = { .regno = G_MAXUINT, .mem_write = TRUE, .mem = { 0x55 } };
    run_job(&r, &poke);
    g_assert_true(poke.ok);
    g_assert_cmpuint(r.ram[DATA - RAM_BASE], ==, 0x55);
    tcg_hart_debug_resume(r.hart, TCG_DEBUG_RUN);
    g_assert_cmpint(wait_stop(&r, 7), ==, TCG_DEBUG_BREAKPOINT);
    g_assert_cmpuint(reg(&r, T0), ==, 101);

    /* A write watchpoint stops the hart after its store, once. */
    tcg_hart_debug_set_breakpoints(r.hart, NULL, 0);
    TcgWatch watch = { DATA, 8, TCG_WATCH_WRITE };
    tcg_hart_debug_set_watchpoints(r.hart, &watch, 1);
    tcg_hart_debug_resume(r.hart, TCG_DEBUG_RUN);
    g_assert_cmpint(wait_stop(&r, 8), ==, TCG_DEBUG_WATCHPOINT);
    g_assert_cmphex(reg(&r, TCG_DEBUG_REG_PC), ==, RAM_BASE + 0x08);
    g_assert_cmpuint(reg(&r, T0), ==, 102);
    g_assert_cmpuint(r.ram[DATA - RAM_BASE], ==, 102);
    g_assert_cmpuint(reg(&r, T1), ==, 101); /* nothing after it ran */
    tcg_hart_debug_resume(r.hart, TCG_DEBUG_RUN);
    g_assert_cmpint(wait_stop(&r, 9), ==, TCG_DEBUG_WATCHPOINT);
    g_assert_cmpuint(r.ram[DATA - RAM_BASE], ==, 103);
    tcg_hart_debug_set_watchpoints(r.hart, NULL, 0);

    /* Into WFI (a1 = 0 ends the loop), then stopped out of it. */
    set_reg(&r, A1, 0);
    tcg_hart_debug_resume(r.hart, TCG_DEBUG_RUN);
    g_usleep(20000);
    tcg_hart_debug_halt(r.hart);
    g_assert_cmpint(wait_stop(&r, 10), ==, TCG_DEBUG_HALTED);
    guint64 pc = reg(&r, TCG_DEBUG_REG_PC);
    g_assert_true(pc >= RAM_BASE + 0x10 && pc <= RAM_BASE + 0x18);

    tcg_hart_stop(r.hart);
    g_thread_join(r.thread);
    tcg_hart_free(r.hart);
    pthread_mutex_destroy(&r.lock);
    pthread_cond_destroy(&r.cond);
    g_free(r.ram);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_data_func("/tcg/debug/interp", GINT_TO_POINTER(TCG_ACCEL_INTERP), test_hold);
    g_test_add_data_func("/tcg/debug/jit", GINT_TO_POINTER(TCG_ACCEL_JIT), test_hold);
    return g_test_run();
}
