/* SPDX-License-Identifier: MIT */
/* The CLINT as each node sees it (clint.h): msip and mtimecmp of its own
 * harts live here, with Sstc's stimecmp (a CSR, compared the same way), msip of another node's hart leaves through
 * ops->remote_msip (an IrqLine message), and mtime is the machine time base
 * (host CLOCK_MONOTONIC scaled to timebase_hz since the memory server's
 * epoch). The agent's poll timeout fires the timers.
 * In deterministic time (quantum.c) mtime is each hart's own count of
 * instructions, a hart checks its timer when a quantum begins, and an IPI
 * from another hart waits for that too.
 * One time base for the machine: every node reads the same clock and
 * subtracts the same epoch (HelloAck.time_epoch_ns), so mtime agrees across
 * processes of one host. CLOCK_MONOTONIC has a per-host origin: a node on
 * another host (tcp:// endpoints) would need the offset to the server's
 * clock measured at Hello; until then mtime there is only as good as that
 * host's clock happens to match. */
#include <pthread.h>
#include <time.h>

#include "cpu-node/clint.h"
#include "interconnect/ic.h"

#define MSIP_BASE 0x0000
#define MTIMECMP_BASE 0x4000
#define MTIME_OFF 0xbff8

/* A hart's two timers: mtimecmp raises MTIP, stimecmp STIP. */
enum { TIMER_M, TIMER_S, N_TIMERS };
static const guint timer_irq[N_TIMERS] = { TCG_IRQ_MTIP, TCG_IRQ_STIP };

typedef struct {
    TcgHart *tcg;
    guint64 cmp[N_TIMERS];      /* (atomic) ticks; written under timer_lock */
    gint level[N_TIMERS];       /* the line's level last set, under timer_lock */
    pthread_mutex_t timer_lock; /* the hart's thread (a compare write) and the agent (its
                                 * timers) both compare and set the lines: one at a time,
                                 * or a level set last by the one that compared first
                                 * sticks */
} ClintHart;

struct NodeClint {
    NodeClintConfig config;
    guint64 stopped_ns; /* (atomic) time the debugger held the machine: not in mtime */
    guint64 frozen_ns;  /* (atomic) CLOCK_MONOTONIC when every hart here stopped for the
                         * debugger, 0 while they run: mtime stands still from then */
    const NodeClintOps *ops;
    gpointer opaque;
    ClintHart *harts; /* config.n_harts */
};

NodeClint *node_clint_new(const NodeClintConfig *config, TcgHart *const *harts,
                          const NodeClintOps *ops, gpointer opaque)
{
    g_assert(config->timebase_hz > 0);
    NodeClint *c = g_new0(NodeClint, 1);
    c->config = *config;
    c->ops = ops;
    c->opaque = opaque;
    c->harts = g_new0(ClintHart, config->n_harts);
    for (guint i = 0; i < config->n_harts; i++) {
        c->harts[i].tcg = harts[i];
        for (guint t = 0; t < N_TIMERS; t++)
            c->harts[i].cmp[t] = G_MAXUINT64; /* no timer until the guest sets one */
        pthread_mutex_init(&c->harts[i].timer_lock, NULL);
    }
    return c;
}

void node_clint_free(NodeClint *c)
{
    if (!c)
        return;
    for (guint i = 0; i < c->config.n_harts; i++)
        pthread_mutex_destroy(&c->harts[i].timer_lock);
    g_free(c->harts);
    g_free(c);
}

/* Our hart @hart_id (an absolute id), or NULL. */
static ClintHart *our_hart(NodeClint *c, guint hart_id)
{
    guint i = hart_id - c->config.first_hart;
    return hart_id >= c->config.first_hart && i < c->config.n_harts ? &c->harts[i] : NULL;
}

static guint64 ns_to_ticks(const NodeClint *c, guint64 ns)
{
    return (guint64)((unsigned __int128)ns * c->config.timebase_hz / 1000000000u);
}

guint64 node_clint_ticks_to_ns(const NodeClint *c, guint64 ticks)
{
    if (ticks == G_MAXUINT64)
        return 0;
    unsigned __int128 ns = ((unsigned __int128)ticks * 1000000000u + c->config.timebase_hz - 1) /
                           c->config.timebase_hz;
    return ns > G_MAXUINT64 ? 0 : (guint64)ns;
}

static guint64 monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (guint64)ts.tv_sec * G_GUINT64_CONSTANT(1000000000) + (guint64)ts.tv_nsec;
}

guint64 node_clint_mtime(NodeClint *c, guint hart_id)
{
    if (c->config.deterministic)
        return ns_to_ticks(c, c->ops->hart_ns(c->opaque, hart_id));
    guint64 now = __atomic_load_n(&c->frozen_ns, __ATOMIC_RELAXED);
    if (now == 0)
        now = monotonic_ns();
    guint64 epoch = c->config.epoch_ns + __atomic_load_n(&c->stopped_ns, __ATOMIC_RELAXED);
    /* Modulo 2^64: a restored machine's epoch may lie before this host's
     * boot; a reading just before the epoch (another host's clock) is 0. */
    guint64 since = now - epoch;
    return ns_to_ticks(c, (gint64)since < 0 ? 0 : since);
}

guint64 node_clint_mtimecmp(NodeClint *c, guint hart_id)
{
    ClintHart *h = our_hart(c, hart_id);
    g_assert(h != NULL);
    return __atomic_load_n(&h->cmp[TIMER_M], __ATOMIC_RELAXED);
}

guint64 node_clint_next_deadline(NodeClint *c, guint hart_id)
{
    ClintHart *h = our_hart(c, hart_id);
    g_assert(h != NULL);
    return MIN(__atomic_load_n(&h->cmp[TIMER_M], __ATOMIC_RELAXED),
               __atomic_load_n(&h->cmp[TIMER_S], __ATOMIC_RELAXED));
}

/* Which register @off names: *hart (absolute id) and *kind. */
typedef enum { REG_NONE, REG_MSIP, REG_MTIMECMP, REG_MTIME } Reg;

static Reg decode(guint64 off, guint size, guint *hart, guint64 *sub)
{
    *sub = 0;
    if (off < MTIMECMP_BASE) {
        if (size != 4)
            return REG_NONE;
        *hart = (guint)(off / 4);
        return *hart < IC_MAX_HARTS ? REG_MSIP : REG_NONE;
    }
    if (off >= MTIMECMP_BASE && off < MTIME_OFF) {
        *hart = (guint)((off - MTIMECMP_BASE) / 8);
        *sub = (off - MTIMECMP_BASE) % 8; /* 0 or 4 for 32-bit halves */
        return *hart < IC_MAX_HARTS ? REG_MTIMECMP : REG_NONE;
    }
    if (off == MTIME_OFF || (off == MTIME_OFF + 4 && size == 4)) {
        *sub = off - MTIME_OFF;
        return REG_MTIME;
    }
    return REG_NONE;
}

static guint64 part(guint64 v, guint64 sub, guint size)
{
    v >>= 8 * sub;
    return size == 8 ? v : v & 0xffffffffu;
}

gboolean node_clint_read(NodeClint *c, guint hart_id, guint64 off, guint size, guint64 *value)
{
    guint hart;
    guint64 sub;
    if (size != 4 && size != 8)
        return FALSE;
    switch (decode(off, size, &hart, &sub)) {
    case REG_MSIP: {
        /* The hart's software interrupt line. Our harts only: another
         * node's msip reads 0 from here (a read would be a message). */
        ClintHart *h = our_hart(c, hart);
        *value = h ? tcg_hart_irq_level(h->tcg, TCG_IRQ_MSIP) : 0;
        return TRUE;
    }
    case REG_MTIMECMP: {
        ClintHart *h = our_hart(c, hart);
        *value = h ? part(__atomic_load_n(&h->cmp[TIMER_M], __ATOMIC_RELAXED), sub, size) : 0;
        return TRUE;
    }
    case REG_MTIME:
        *value = part(node_clint_mtime(c, hart_id), sub, size);
        return TRUE;
    case REG_NONE:
        break;
    }
    return FALSE;
}

/* Compares and sets the line under the hart's timer lock: unlocked, the
 * agent could compare with the old mtimecmp, the hart store a new one and
 * lower the line, and the agent's raise land after the hart's lower (or
 * the other way round), leaving mtip and the line apart: then the timer
 * never fires again and a hart sleeping in WFI for it sleeps for ever. */
static void update_lines_locked(ClintHart *h, guint64 now)
{
    for (guint t = 0; t < N_TIMERS; t++) {
        gint due = now >= __atomic_load_n(&h->cmp[t], __ATOMIC_RELAXED);
        if (h->level[t] != due) {
            h->level[t] = due;
            tcg_hart_set_irq(h->tcg, timer_irq[t], due);
        }
    }
}

static void update_lines(ClintHart *h, guint64 now)
{
    pthread_mutex_lock(&h->timer_lock);
    update_lines_locked(h, now);
    pthread_mutex_unlock(&h->timer_lock);
}

/* Stores a compare value of our hart @target and sets its lines by the time
 * of @hart_id (in deterministic time, another hart's timer goes by the
 * writer's clock: harts on one node differ by less than a quantum). */
static void set_compare(NodeClint *c, guint hart_id, ClintHart *h, guint timer, guint64 v)
{
    __atomic_store_n(&h->cmp[timer], v, __ATOMIC_RELAXED);
    update_lines_locked(h, node_clint_mtime(c, hart_id));
}

static void write_msip(NodeClint *c, guint hart_id, guint target, gboolean level)
{
    ClintHart *h = our_hart(c, target);
    if (h && c->config.deterministic && target != hart_id)
        c->ops->post_ipi(c->opaque, target, (gint)hart_id, level);
    else if (h)
        tcg_hart_set_irq(h->tcg, TCG_IRQ_MSIP, level);
    else if (target < c->config.machine_harts)
        c->ops->remote_msip(c->opaque, hart_id, target, level);
}

gboolean node_clint_write(NodeClint *c, guint hart_id, guint64 off, guint size, guint64 value)
{
    guint hart;
    guint64 sub;
    if (size != 4 && size != 8)
        return FALSE;
    switch (decode(off, size, &hart, &sub)) {
    case REG_MSIP:
        write_msip(c, hart_id, hart, value & 1);
        return TRUE;
    case REG_MTIMECMP: {
        ClintHart *h = our_hart(c, hart);
        if (!h) /* another node's timer is not reachable from here */
            return hart < c->config.machine_harts;
        pthread_mutex_lock(&h->timer_lock);
        guint64 old = __atomic_load_n(&h->cmp[TIMER_M], __ATOMIC_RELAXED), v;
        if (size == 8)
            v = value;
        else if (sub == 0)
            v = (old & ~G_GUINT64_CONSTANT(0xffffffff)) | (value & 0xffffffffu);
        else
            v = (old & 0xffffffffu) | (value << 32);
        set_compare(c, hart_id, h, TIMER_M, v);
        pthread_mutex_unlock(&h->timer_lock);
        c->ops->deadline_moved(c->opaque);
        return TRUE;
    }
    case REG_MTIME:
        return TRUE; /* the machine time base is not writable from a hart */
    case REG_NONE:
        break;
    }
    return FALSE;
}

void node_clint_set_stimecmp(NodeClint *c, guint hart_id, guint64 ticks)
{
    ClintHart *h = our_hart(c, hart_id);
    g_assert(h != NULL);
    pthread_mutex_lock(&h->timer_lock);
    set_compare(c, hart_id, h, TIMER_S, ticks);
    pthread_mutex_unlock(&h->timer_lock);
    c->ops->deadline_moved(c->opaque);
}

void node_clint_update_timer(NodeClint *c, guint hart_id)
{
    ClintHart *h = our_hart(c, hart_id);
    g_assert(h != NULL);
    update_lines(h, node_clint_mtime(c, hart_id));
}

int node_clint_fire_timers(NodeClint *c, int max_ms)
{
    /* Deterministic time moves with the harts: each looks at its own timer
     * when a quantum begins (node_clint_update_timer). */
    if (c->config.deterministic)
        return max_ms;
    guint64 now = node_clint_mtime(c, c->config.first_hart);
    guint64 next = G_MAXUINT64;
    for (guint i = 0; i < c->config.n_harts; i++) {
        ClintHart *h = &c->harts[i];
        update_lines(h, now);
        for (guint t = 0; t < N_TIMERS; t++) {
            guint64 cmp = __atomic_load_n(&h->cmp[t], __ATOMIC_RELAXED);
            if (cmp > now)
                next = MIN(next, cmp - now);
        }
    }
    if (next == G_MAXUINT64)
        return max_ms;
    guint64 ms = (guint64)((unsigned __int128)next * 1000 / c->config.timebase_hz) + 1;
    return (int)MIN(ms, (guint64)max_ms);
}

gboolean node_clint_irq(NodeClint *c, guint hart_id, guint line, gboolean level)
{
    ClintHart *h = our_hart(c, hart_id);
    if (!h)
        return FALSE;
    if (c->config.deterministic && line == TCG_IRQ_MSIP)
        c->ops->post_ipi(c->opaque, hart_id, -1, level);
    else
        tcg_hart_set_irq(h->tcg, line, level);
    return TRUE;
}

void node_clint_reset(NodeClint *c)
{
    for (guint i = 0; i < c->config.n_harts; i++) {
        ClintHart *h = &c->harts[i];
        pthread_mutex_lock(&h->timer_lock);
        for (guint t = 0; t < N_TIMERS; t++) {
            __atomic_store_n(&h->cmp[t], G_MAXUINT64, __ATOMIC_RELAXED);
            h->level[t] = FALSE;
            tcg_hart_set_irq(h->tcg, timer_irq[t], FALSE);
        }
        pthread_mutex_unlock(&h->timer_lock);
        tcg_hart_set_irq(h->tcg, TCG_IRQ_MSIP, FALSE);
    }
}

void node_clint_restore_compares(NodeClint *c, guint hart_id, guint64 mtimecmp,
                                 guint64 stimecmp)
{
    ClintHart *h = our_hart(c, hart_id);
    g_assert(h != NULL);
    /* Before the harts run: the lines follow at the first timer check. */
    __atomic_store_n(&h->cmp[TIMER_M], mtimecmp, __ATOMIC_RELAXED);
    __atomic_store_n(&h->cmp[TIMER_S], stimecmp, __ATOMIC_RELAXED);
}

void node_clint_freeze(NodeClint *c)
{
    guint64 expected = 0;
    __atomic_compare_exchange_n(&c->frozen_ns, &expected, monotonic_ns(), FALSE,
                                __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}

void node_clint_set_stopped_ns(NodeClint *c, guint64 ns)
{
    /* Only grows, and counts from when the last node froze: mtime goes on
     * from at least where it stood here, on every node alike. */
    if (ns > __atomic_load_n(&c->stopped_ns, __ATOMIC_RELAXED))
        __atomic_store_n(&c->stopped_ns, ns, __ATOMIC_RELAXED);
    __atomic_store_n(&c->frozen_ns, 0, __ATOMIC_RELAXED);
}
