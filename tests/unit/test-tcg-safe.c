/* SPDX-License-Identifier: MIT */
/* Safe work and exclusive sections on real harts running on threads: some
 * run guest code, one sleeps in WFI, one is blocked in a node callback (a
 * page that is slow to come, as a page request to the memory server is),
 * and the caller is another thread or one of the harts itself. */
#include <string.h>

#include "tcg/internal.h"
#include "tests/unit/rv-encode.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE (64 * 1024)
#define COUNTERS (RAM_BASE + 0x8000) /* hart i counts at COUNTERS + 8 * i */
#define SLOW_BASE 0x20000000ull      /* page_map blocks here until released */
#define DEV_BASE 0x10000000ull       /* a write asks for an exclusive section */
#define N_HARTS 4

enum { SPIN, WFI, SLOW, SELF };
#define LD(rd, off, rs1) enc_i(off, rs1, 3, rd, 0x03)
#define INSN_WFI 0x10500073u

typedef struct Machine Machine;
typedef struct {
    Machine *m;
    TcgHart *hart;
    GThread *thread;
} Hart;

struct Machine {
    guint8 *ram;
    Hart harts[N_HARTS];
    TcgHart *tcgs[N_HARTS];
    pthread_mutex_t slow_lock; /* pthread, not GMutex: ThreadSanitizer sees it */
    pthread_cond_t slow_cond;
    gboolean slow_released; /* under slow_lock */
    gboolean slow_waiting;  /* under slow_lock: the SLOW hart is blocked */
    gint sections_from_self; /* (atomic) */
    gint safe_runs[N_HARTS]; /* (atomic) */
};

static void exclusive_check(gpointer data);

static gboolean m_page_map(gpointer opaque, guint hart_id, guint64 paddr, TcgAccess access,
                           TcgPageMap *out)
{
    Machine *m = opaque;
    if (paddr >= RAM_BASE && paddr < RAM_BASE + RAM_SIZE) {
        out->host = m->ram + ((paddr - RAM_BASE) & TCG_PAGE_MASK);
        out->writable = TRUE;
        return TRUE;
    }
    if ((paddr & TCG_PAGE_MASK) == SLOW_BASE) {
        pthread_mutex_lock(&m->slow_lock);
        m->slow_waiting = TRUE;
        pthread_cond_broadcast(&m->slow_cond);
        while (!m->slow_released) {
            pthread_cond_wait(&m->slow_cond, &m->slow_lock);
        }
        pthread_mutex_unlock(&m->slow_lock);
        out->host = m->ram; /* any frame: the value is not looked at */
        return TRUE;
    }
    if ((paddr & TCG_PAGE_MASK) == DEV_BASE) {
        out->host = NULL;
        return TRUE;
    }
    return FALSE;
}

static gboolean m_mmio_read(gpointer opaque, guint hart_id, guint64 paddr, unsigned size,
                            guint64 *value)
{
    *value = 0;
    return TRUE;
}

/* From inside a callback, as a node handling a device access might. */
static gboolean m_mmio_write(gpointer opaque, guint hart_id, guint64 paddr, unsigned size,
                             guint64 value)
{
    Machine *m = opaque;
    tcg_exclusive_run(m->tcgs, N_HARTS, exclusive_check, m);
    g_atomic_int_inc(&m->sections_from_self);
    return TRUE;
}

static void m_watched_store(gpointer opaque, guint hart_id, guint64 paddr, unsigned size,
                            guint64 value)
{
}

static guint64 m_read_time(gpointer opaque, guint hart_id)
{
    return 0;
}

static const TcgNodeOps machine_ops = {
    .page_map = m_page_map, .mmio_read = m_mmio_read, .mmio_write = m_mmio_write,
    .watched_store = m_watched_store, .read_time = m_read_time,
};

static guint64 counter(Machine *m, guint i)
{
    return __atomic_load_n((guint64 *)(m->ram + (COUNTERS - RAM_BASE) + 8 * i),
                           __ATOMIC_SEQ_CST);
}

/* Each program counts in a1's slot forever, one block per count. */
static void load_programs(Machine *m)
{
    const guint32 spin[] = {
        ADDI(T0, T0, 1), SD(T0, 0, A1), BNE(A1, ZERO, -8),
    };
    const guint32 wfi[] = {
        INSN_WFI, BNE(A1, ZERO, -4),
    };
    const guint32 slow[] = {
        LUI(T1, SLOW_BASE >> 12), LD(T1, 0, T1),
        ADDI(T0, T0, 1), SD(T0, 0, A1), BNE(A1, ZERO, -8),
    };
    const guint32 self[] = {
        ADDI(T0, T0, 1), SD(T0, 0, A1), LUI(T1, DEV_BASE >> 12), SD(T0, 0, T1),
        BNE(A1, ZERO, -16),
    };
    const struct { const guint32 *words; gsize n; } progs[] = {
        [SPIN] = { spin, G_N_ELEMENTS(spin) }, [WFI] = { wfi, G_N_ELEMENTS(wfi) },
        [SLOW] = { slow, G_N_ELEMENTS(slow) }, [SELF] = { self, G_N_ELEMENTS(self) },
    };
    for (guint i = 0; i < G_N_ELEMENTS(progs); i++) {
        memcpy(m->ram + 0x1000 * i, progs[i].words, progs[i].n * sizeof(guint32));
    }
}

static gpointer hart_thread(gpointer data)
{
    Hart *h = data;
    guint i = h->hart->config.hart_id;
    tcg_hart_reset(h->hart, RAM_BASE + 0x1000 * i, i, COUNTERS + 8 * i);
    tcg_hart_run(h->hart);
    return NULL;
}

static Machine *machine_start(TcgAccel accel, gboolean with_self)
{
    Machine *m = g_new0(Machine, 1);
    m->ram = g_malloc0(RAM_SIZE);
    pthread_mutex_init(&m->slow_lock, NULL);
    pthread_cond_init(&m->slow_cond, NULL);
    load_programs(m);
    for (guint i = 0; i < N_HARTS; i++) {
        TcgHartConfig cfg = { .hart_id = i, .accel = accel, .code_buffer_size = 1 << 20 };
        m->harts[i] = (Hart){ m, tcg_hart_new(&cfg, &machine_ops, m), NULL };
        m->tcgs[i] = m->harts[i].hart;
    }
    for (guint i = 0; i < N_HARTS; i++) {
        if (i != SELF || with_self) {
            m->harts[i].thread = g_thread_new("hart", hart_thread, &m->harts[i]);
        }
    }
    /* Running: the spinner counts, the slow one waits for its page. */
    while (counter(m, SPIN) == 0) {
        g_thread_yield();
    }
    pthread_mutex_lock(&m->slow_lock);
    while (!m->slow_waiting) {
        pthread_cond_wait(&m->slow_cond, &m->slow_lock);
    }
    pthread_mutex_unlock(&m->slow_lock);
    return m;
}

static void release_slow_page(Machine *m)
{
    pthread_mutex_lock(&m->slow_lock);
    m->slow_released = TRUE;
    pthread_cond_broadcast(&m->slow_cond);
    pthread_mutex_unlock(&m->slow_lock);
}

static void machine_stop(Machine *m)
{
    release_slow_page(m);
    for (guint i = 0; i < N_HARTS; i++) {
        tcg_hart_stop(m->harts[i].hart);
    }
    /* All joined before any is freed: a hart's exclusive section may still
     * be releasing the others. */
    for (guint i = 0; i < N_HARTS; i++) {
        if (m->harts[i].thread != NULL) {
            g_thread_join(m->harts[i].thread);
        }
    }
    for (guint i = 0; i < N_HARTS; i++) {
        tcg_hart_free(m->harts[i].hart);
    }
    pthread_mutex_destroy(&m->slow_lock);
    pthread_cond_destroy(&m->slow_cond);
    g_free(m->ram);
    g_free(m);
}

/* Safe work runs on a hart that is not inside a block. */
static void count_safe_run(TcgHart *hart, gpointer data)
{
    Machine *m = data;
    g_assert_true(hart->thread == NULL || hart->thread == g_thread_self() || hart->at_safe_point);
    g_atomic_int_inc(&m->safe_runs[hart->config.hart_id]);
}

static void test_safe_all(gconstpointer accel)
{
    Machine *m = machine_start(GPOINTER_TO_INT(accel), FALSE);
    for (guint round = 0; round < 50; round++) {
        tcg_harts_run_safe(m->tcgs, N_HARTS, count_safe_run, m);
    }
    for (guint i = 0; i < N_HARTS; i++) {
        g_assert_cmpint(g_atomic_int_get(&m->safe_runs[i]), ==, 50);
    }
    machine_stop(m);
}

/* While the section runs nobody runs guest code: the counters stand still,
 * and every hart but the caller is held at a safe point. */
static void exclusive_check(gpointer data)
{
    Machine *m = data;
    guint64 before[N_HARTS];
    for (guint i = 0; i < N_HARTS; i++) {
        before[i] = counter(m, i);
        TcgHart *h = m->tcgs[i];
        if (g_atomic_pointer_get(&h->thread) != g_thread_self()) {
            pthread_mutex_lock(&h->safe_lock);
            g_assert_true(h->held);
            g_assert_true(h->at_safe_point || h->thread == NULL);
            pthread_mutex_unlock(&h->safe_lock);
        }
    }
    g_usleep(5000);
    for (guint i = 0; i < N_HARTS; i++) {
        g_assert_cmpuint(counter(m, i), ==, before[i]);
    }
}

static void test_exclusive(gconstpointer accel)
{
    Machine *m = machine_start(GPOINTER_TO_INT(accel), FALSE);
    for (guint round = 0; round < 5; round++) {
        tcg_exclusive_run(m->tcgs, N_HARTS, exclusive_check, m);
    }
    /* The slow hart's page comes after the sections: it goes on counting. */
    release_slow_page(m);
    while (counter(m, SLOW) == 0) {
        g_thread_yield();
    }
    guint64 spun = counter(m, SPIN);
    while (counter(m, SPIN) == spun) {
        g_thread_yield();
    }
    machine_stop(m);
}

/* A hart asks from inside a callback while another thread asks too: the
 * sections take turns and both kinds of caller get through. */
static void test_exclusive_from_hart(gconstpointer accel)
{
    Machine *m = machine_start(GPOINTER_TO_INT(accel), TRUE);
    release_slow_page(m);
    for (guint round = 0; round < 5; round++) {
        tcg_exclusive_run(m->tcgs, N_HARTS, exclusive_check, m);
        tcg_harts_run_safe(m->tcgs, N_HARTS, count_safe_run, m);
    }
    while (g_atomic_int_get(&m->sections_from_self) < 5) {
        g_thread_yield();
    }
    machine_stop(m);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    static const struct { const char *name; TcgAccel accel; } accels[] = {
        { "interp", TCG_ACCEL_INTERP }, { "jit", TCG_ACCEL_JIT },
    };
    for (guint i = 0; i < G_N_ELEMENTS(accels); i++) {
        gconstpointer a = GINT_TO_POINTER(accels[i].accel);
        g_autofree char *all = g_strdup_printf("/tcg/safe/%s/all-harts", accels[i].name);
        g_autofree char *ex = g_strdup_printf("/tcg/safe/%s/exclusive", accels[i].name);
        g_autofree char *self = g_strdup_printf("/tcg/safe/%s/exclusive-from-hart",
                                                accels[i].name);
        g_test_add_data_func(all, a, test_safe_all);
        g_test_add_data_func(ex, a, test_exclusive);
        g_test_add_data_func(self, a, test_exclusive_from_hart);
    }
    return g_test_run();
}
