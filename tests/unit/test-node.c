/* SPDX-License-Identifier: MIT */
/* Pieces of the cpu-node: the futex event (no lost wake-ups across
 * threads), the page cache (one frame per page, even when harts race to
 * create it), and the CLINT registers and time base. */
#include <string.h>

#include "cpu-node/internal.h"

/* A waiter on its own thread, and whether its wait has returned. */
typedef struct {
    TcgEvent *ev;
    gint returned; /* (atomic) */
} Waiter;

static gpointer waiter_thread(gpointer data)
{
    Waiter *w = data;
    tcg_event_wait(w->ev);
    g_atomic_int_set(&w->returned, 1);
    return NULL;
}

/* Starts a waiter on @ev, gives it time to sleep (past the event's spin),
 * and says whether it is still waiting; then sets @ev and joins it. Only
 * for waits that must block: a slow host can make one that returns at
 * once look blocked, never the other way round. */
static gboolean wait_blocks(TcgEvent *ev)
{
    Waiter w = { ev, 0 };
    GThread *t = g_thread_new("waiter", waiter_thread, &w);
    g_usleep(50 * 1000);
    gboolean blocked = !g_atomic_int_get(&w.returned);
    tcg_event_set(ev);
    g_thread_join(t);
    g_assert_cmpint(g_atomic_int_get(&w.returned), ==, 1); /* set woke it */
    return blocked;
}

/* Not signalled after init and after reset; set releases a waiter that
 * sleeps, and one that comes after; setting twice is one set. */
static void test_event_basic(void)
{
    TcgEvent ev;
    tcg_event_init(&ev);
    g_assert_true(wait_blocks(&ev));
    tcg_event_wait(&ev); /* still set: returns at once */
    tcg_event_reset(&ev);
    g_assert_true(wait_blocks(&ev));
    tcg_event_reset(&ev);
    tcg_event_set(&ev);
    tcg_event_set(&ev);
    tcg_event_wait(&ev); /* set before the wait: returns at once (else the test hangs) */
    tcg_event_reset(&ev);
    g_assert_true(wait_blocks(&ev)); /* one reset undoes both sets */
}

typedef struct {
    TcgEvent ping, pong;
    gint counter; /* (atomic) */
} PingPong;

#define ROUNDS 20000

static gpointer ponger(gpointer data)
{
    PingPong *pp = data;
    for (int i = 0; i < ROUNDS; i++) {
        tcg_event_wait(&pp->ping);
        tcg_event_reset(&pp->ping);
        g_atomic_int_inc(&pp->counter);
        tcg_event_set(&pp->pong);
    }
    return NULL;
}

static void test_event_ping_pong(void)
{
    PingPong pp;
    tcg_event_init(&pp.ping);
    tcg_event_init(&pp.pong);
    pp.counter = 0;
    GThread *t = g_thread_new("ponger", ponger, &pp);
    for (int i = 0; i < ROUNDS; i++) {
        tcg_event_reset(&pp.pong);
        tcg_event_set(&pp.ping);
        tcg_event_wait(&pp.pong);
        g_assert_cmpint(g_atomic_int_get(&pp.counter), ==, i + 1);
    }
    g_thread_join(t);
}

typedef struct {
    NodePageCache *cache;
    NodeFrame *got[8];
} Race;

static gpointer racer(gpointer data)
{
    Race *r = data;
    static gint next;
    int me = g_atomic_int_add(&next, 1) % 8;
    r->got[me] = node_page_cache_frame(r->cache, 0x80005000);
    return NULL;
}

static void test_page_cache(void)
{
    /* RAM, and a rom far below it: one span, one constant from guest to host */
    const CfgMemory regions[] = { { .base = 0x80000000, .size = 1 << 20 },
                                  { .kind = CFG_MEMORY_ROM, .base = 0x1000, .size = 0x2000 } };
    g_autoptr(NodePageCache) c = node_page_cache_new(regions, G_N_ELEMENTS(regions));
    g_assert_true(node_page_cache_has(c, 0x80000000));
    g_assert_true(node_page_cache_has(c, 0x800ff000));
    g_assert_false(node_page_cache_has(c, 0x80100000));
    g_assert_true(node_page_cache_has(c, 0x2000));
    g_assert_false(node_page_cache_has(c, 0x3000));
    g_assert_false(node_page_cache_has(c, 0x2800)); /* not a page */
    NodeFrame *rom = node_page_cache_frame(c, 0x2000);
    g_assert_cmpint(rom->host - node_page_cache_host(c, 0x80000000), ==, 0x2000 - 0x80000000LL);
    g_assert_cmphex(node_page_cache_addr(c, rom->host + 5), ==, 0x2005);
    g_assert_null(node_page_cache_lookup(c, 0x80000000));
    NodeFrame *a = node_page_cache_frame(c, 0x80000000);
    NodeFrame *b = node_page_cache_frame(c, 0x80001000);
    g_assert_true(a != b);
    g_assert_true(node_page_cache_frame(c, 0x80000000) == a);
    g_assert_true(node_page_cache_lookup(c, 0x80000000) == a);
    g_assert_cmpint(a->state, ==, NODE_PAGE_INVALID);
    g_assert_cmpuint((guintptr)a->host % TCG_PAGE_SIZE, ==, 0);
    for (guint i = 0; i < TCG_PAGE_SIZE; i++)
        g_assert_cmpint(a->host[i], ==, 0);

    Race r = { c, { 0 } };
    GThread *t[8];
    for (int i = 0; i < 8; i++)
        t[i] = g_thread_new("racer", racer, &r);
    for (int i = 0; i < 8; i++)
        g_thread_join(t[i]);
    for (int i = 1; i < 8; i++)
        g_assert_true(r.got[i] == r.got[0]);
}

/* @n harts, ids @first.., that no test runs: their interrupt lines are
 * what the CLINT and the quantum barrier drive. */
static void new_harts(TcgHart **tcgs, guint n, guint first)
{
    static const TcgNodeOps no_ops;
    TcgHartConfig hc = { .accel = TCG_ACCEL_INTERP, .code_buffer_size = 1 << 20 };
    for (guint i = 0; i < n; i++) {
        hc.hart_id = first + i;
        tcgs[i] = tcg_hart_new(&hc, &no_ops, NULL);
    }
}

static void free_harts(TcgHart **tcgs, guint n)
{
    for (guint i = 0; i < n; i++)
        tcg_hart_free(tcgs[i]);
}

/* What the CLINT asked of the node, for test_clint. */
typedef struct {
    GString *log;   /* one line per call */
    guint64 now_ns; /* deterministic time: every hart's guest time */
} ClintNode;

static void rec_remote_msip(gpointer opaque, guint from, guint target, gboolean level)
{
    ClintNode *n = opaque;
    g_string_append_printf(n->log, "remote_msip %u->%u %d\n", from, target, level);
}

static void rec_post_ipi(gpointer opaque, guint target, gint from, gboolean level)
{
    ClintNode *n = opaque;
    g_string_append_printf(n->log, "post_ipi %d->%u %d\n", from, target, level);
}

static guint64 rec_hart_ns(gpointer opaque, guint hart_id)
{
    return ((ClintNode *)opaque)->now_ns;
}

static void rec_deadline_moved(gpointer opaque)
{
    g_string_append(((ClintNode *)opaque)->log, "deadline_moved\n");
}

static const NodeClintOps rec_clint_ops = {
    rec_remote_msip, rec_post_ipi, rec_hart_ns, rec_deadline_moved,
};

/* The CLINT alone: one node with harts 2 and 3 of a 4-hart machine. */
static void test_clint(void)
{
    TcgHart *tcgs[2];
    new_harts(tcgs, 2, 2);
    ClintNode rec = { g_string_new(NULL), 0 };
    NodeClintConfig cfg = { .first_hart = 2, .n_harts = 2, .machine_harts = 4,
                            .timebase_hz = 10000000, .epoch_ns = 0 };
    g_autoptr(NodeClint) c = node_clint_new(&cfg, tcgs, &rec_clint_ops, &rec);

    /* mtime = time since the host booted, scaled; the high half alone. */
    guint64 v, t0, t1;
    g_assert_true(node_clint_read(c, 2, 0xbff8, 8, &t0));
    g_usleep(2000);
    g_assert_true(node_clint_read(c, 2, 0xbff8, 8, &t1));
    g_assert_cmpuint(t1, >, t0 + 10000); /* >= 2 ms at 10 MHz */
    g_assert_true(node_clint_read(c, 2, 0xbffc, 4, &v));
    g_assert_cmphex(v, ==, t1 >> 32);
    g_assert_true(node_clint_write(c, 2, 0xbff8, 8, 0)); /* not writable: ignored */

    /* mtimecmp in the future: no MTIP; full and half-word writes, each
     * telling the node its deadline moved. */
    g_assert_cmpuint(node_clint_mtimecmp(c, 2), ==, G_MAXUINT64);
    g_assert_true(node_clint_write(c, 2, 0x4010, 8, 0x123456789abcdef0ull));
    g_assert_true(node_clint_read(c, 2, 0x4010, 8, &v));
    g_assert_cmphex(v, ==, 0x123456789abcdef0ull);
    g_assert_false(tcg_hart_irq_level(tcgs[0], TCG_IRQ_MTIP));
    g_assert_true(node_clint_write(c, 2, 0x4014, 4, 0x0fffffff));
    g_assert_cmphex(node_clint_mtimecmp(c, 2), ==, 0x0fffffff9abcdef0ull);
    g_assert_true(node_clint_read(c, 2, 0x4014, 4, &v));
    g_assert_cmphex(v, ==, 0x0fffffff);
    g_assert_cmpstr(rec.log->str, ==, "deadline_moved\ndeadline_moved\n");
    /* In the past: MTIP at once, on that hart only; the deadline math. */
    g_assert_true(node_clint_write(c, 2, 0x4010, 8, 0));
    g_assert_true(tcg_hart_irq_level(tcgs[0], TCG_IRQ_MTIP));
    g_assert_false(tcg_hart_irq_level(tcgs[1], TCG_IRQ_MTIP));
    g_assert_cmpint(node_clint_fire_timers(c, 1000), ==, 1000);
    node_clint_read(c, 2, 0xbff8, 8, &t0);
    g_assert_true(node_clint_write(c, 2, 0x4010, 8, t0 + 10000000)); /* +1 s */
    g_assert_false(tcg_hart_irq_level(tcgs[0], TCG_IRQ_MTIP));
    int ms = node_clint_fire_timers(c, 5000);
    g_assert_cmpint(ms, >, 900);
    g_assert_cmpint(ms, <=, 1001);
    g_assert_cmpint(node_clint_fire_timers(c, 100), ==, 100);
    g_assert_cmpuint(node_clint_ticks_to_ns(c, 10000000), ==, 1000000000);
    g_assert_cmpuint(node_clint_ticks_to_ns(c, G_MAXUINT64), ==, 0);

    /* Sstc's stimecmp: its own line (STIP), the earlier of the two
     * comparators is the next deadline, and the timers fire it. */
    g_assert_cmpuint(node_clint_next_deadline(c, 3), ==, G_MAXUINT64);
    node_clint_set_stimecmp(c, 3, 0);
    g_assert_true(tcg_hart_irq_level(tcgs[1], TCG_IRQ_STIP));
    g_assert_false(tcg_hart_irq_level(tcgs[1], TCG_IRQ_MTIP));
    g_assert_false(tcg_hart_irq_level(tcgs[0], TCG_IRQ_STIP));
    node_clint_read(c, 3, 0xbff8, 8, &t0);
    node_clint_set_stimecmp(c, 3, t0 + 20000); /* +2 ms */
    g_assert_false(tcg_hart_irq_level(tcgs[1], TCG_IRQ_STIP));
    g_assert_cmpuint(node_clint_next_deadline(c, 3), ==, t0 + 20000);
    g_assert_cmpint(node_clint_fire_timers(c, 5000), <=, 3);
    g_usleep(3000);
    node_clint_fire_timers(c, 5000);
    g_assert_true(tcg_hart_irq_level(tcgs[1], TCG_IRQ_STIP));
    node_clint_set_stimecmp(c, 3, G_MAXUINT64);
    g_assert_false(tcg_hart_irq_level(tcgs[1], TCG_IRQ_STIP));

    /* msip: ours reads back its line (bit 0 only); another node's hart is
     * a message; past the machine's harts, nothing. */
    g_string_truncate(rec.log, 0);
    g_assert_true(node_clint_write(c, 2, 0xc, 4, 0xffffffff)); /* hart 3 */
    g_assert_true(tcg_hart_irq_level(tcgs[1], TCG_IRQ_MSIP));
    g_assert_true(node_clint_read(c, 2, 0xc, 4, &v));
    g_assert_cmphex(v, ==, 1);
    g_assert_true(node_clint_write(c, 2, 0xc, 4, 0xfffffffe));
    g_assert_false(tcg_hart_irq_level(tcgs[1], TCG_IRQ_MSIP));
    g_assert_true(node_clint_write(c, 3, 0x4, 4, 1)); /* hart 1: another node */
    g_assert_true(node_clint_read(c, 3, 0x4, 4, &v));
    g_assert_cmphex(v, ==, 0);
    g_assert_true(node_clint_write(c, 3, 0x10, 4, 1)); /* hart 4: none */
    g_assert_cmpstr(rec.log->str, ==, "remote_msip 3->1 1\n");
    /* An IrqLine for one of ours, and for one that is not. */
    g_assert_true(node_clint_irq(c, 2, TCG_IRQ_MSIP, TRUE));
    g_assert_true(tcg_hart_irq_level(tcgs[0], TCG_IRQ_MSIP));
    g_assert_false(node_clint_irq(c, 1, TCG_IRQ_MSIP, TRUE));

    /* Bad sizes and holes fault; another node's timer is out of reach. */
    g_assert_false(node_clint_read(c, 2, 0x0, 8, &v));
    g_assert_false(node_clint_read(c, 2, 0xbff8, 2, &v));
    g_assert_false(node_clint_read(c, 2, 0xc000, 4, &v));
    g_assert_false(node_clint_write(c, 2, 0xc000, 4, 0));
    g_assert_false(node_clint_write(c, 2, 0x4000 + 8 * 7, 8, 0)); /* hart 7: none */
    g_assert_true(node_clint_write(c, 2, 0x4000, 8, 0)); /* hart 0: not ours, ignored */
    g_assert_true(node_clint_read(c, 2, 0x4000, 8, &v));
    g_assert_cmphex(v, ==, 0);

    free_harts(tcgs, 2);
    g_string_free(rec.log, TRUE);
}

/* Deterministic time: mtime is the hart's guest time, an IPI between our
 * harts and one from an IrqLine wait for a quantum (post_ipi), and a timer
 * fires when the hart looks at it, never by the agent's clock. */
static void test_clint_deterministic(void)
{
    TcgHart *tcgs[2];
    new_harts(tcgs, 2, 0);
    ClintNode rec = { g_string_new(NULL), 1000 }; /* 1 us */
    NodeClintConfig cfg = { .n_harts = 2, .machine_harts = 2, .timebase_hz = 10000000,
                            .deterministic = TRUE };
    g_autoptr(NodeClint) c = node_clint_new(&cfg, tcgs, &rec_clint_ops, &rec);
    guint64 v;
    g_assert_true(node_clint_read(c, 0, 0xbff8, 8, &v));
    g_assert_cmpuint(v, ==, 10); /* 1 us at 10 MHz */
    g_assert_true(node_clint_write(c, 0, 0x4, 4, 1)); /* hart 0 -> hart 1 */
    g_assert_false(tcg_hart_irq_level(tcgs[1], TCG_IRQ_MSIP));
    g_assert_true(node_clint_write(c, 0, 0x0, 4, 1)); /* its own: at once */
    g_assert_true(tcg_hart_irq_level(tcgs[0], TCG_IRQ_MSIP));
    g_assert_true(node_clint_irq(c, 1, TCG_IRQ_MSIP, FALSE));
    g_assert_true(node_clint_write(c, 1, 0x4008, 8, 20)); /* hart 1's timer at 2 us */
    g_assert_cmpint(node_clint_fire_timers(c, 500), ==, 500);
    g_assert_false(tcg_hart_irq_level(tcgs[1], TCG_IRQ_MTIP));
    rec.now_ns = 2000;
    node_clint_update_timer(c, 1);
    g_assert_true(tcg_hart_irq_level(tcgs[1], TCG_IRQ_MTIP));
    g_assert_cmpstr(rec.log->str, ==, "post_ipi 0->1 1\npost_ipi -1->1 0\ndeadline_moved\n");
    free_harts(tcgs, 2);
    g_string_free(rec.log, TRUE);
}

static void count_wake(gpointer opaque)
{
    (*(guint *)opaque)++;
}

/* The LR leases alone: a snapshot lists the harts leasing the page then,
 * is over once each of those leases ended (and a lease taken after it does
 * not hold it up), and an end wakes only while a snapshot waits for it. */
static void test_leases(void)
{
    guint wakes = 0;
    g_autoptr(NodeLeases) l = node_leases_new(4, 3, count_wake, &wakes);
    g_assert_null(node_leases_snapshot(l, 0x80001000));
    node_leases_take(l, 4, 0x80001000);
    node_leases_take(l, 6, 0x80001000);
    node_leases_take(l, 5, 0x80002000);
    node_leases_end(l, 5); /* nobody waits for it */
    g_assert_cmpuint(wakes, ==, 0);
    g_autofree NodeLeaseSnapshot *snap = node_leases_snapshot(l, 0x80001000);
    g_assert_nonnull(snap);
    g_assert_false(node_leases_snapshot_over(l, snap));
    node_leases_end(l, 4);
    g_assert_cmpuint(wakes, ==, 1);
    g_assert_false(node_leases_snapshot_over(l, snap)); /* hart 6 still holds it */
    node_leases_take(l, 4, 0x80001000);                 /* a new lease: does not count */
    node_leases_end(l, 6);
    g_assert_cmpuint(wakes, ==, 2);
    g_assert_true(node_leases_snapshot_over(l, snap));
    node_leases_end(l, 4); /* after the snapshot: no wake */
    g_assert_cmpuint(wakes, ==, 2);
}

/* What a NodeQuantum reported, for test_quantum. */
typedef struct {
    NodeQuantum *q;
    GString *log;   /* one line per report, written before `reported` is set */
    TcgEvent reported;
    guint hart;     /* the waiter's */
} QuantumRec;

static void rec_report(gpointer opaque, guint hart_id, guint64 index, gboolean idle,
                       guint64 wake_ns)
{
    QuantumRec *r = opaque;
    g_string_append_printf(r->log, "done %u q%" G_GUINT64_FORMAT " idle %d wake %" G_GUINT64_FORMAT
                           "\n", hart_id, index, idle, wake_ns);
    tcg_event_set(&r->reported);
}

static gpointer quantum_waiter(gpointer data)
{
    QuantumRec *r = data;
    node_quantum_end(r->q, r->hart, TRUE, 5000);
    return NULL;
}

/* The quantum barrier alone: a hart's guest time, its end reported and
 * held until QuantumGo, and IPIs from a hart or an IrqLine delivered only
 * when their target begins the quantum after the one they were sent in. */
static void test_quantum(void)
{
    TcgHart *tcgs[2];
    new_harts(tcgs, 2, 6);
    QuantumRec rec = { NULL, g_string_new(NULL), { 0 }, 6 };
    tcg_event_init(&rec.reported);
    g_autoptr(NodeQuantum) q = node_quantum_new(6, 2, tcgs, 10000, 2, rec_report, &rec);
    rec.q = q;
    g_assert_cmpuint(node_quantum_budget(q), ==, 5000);
    g_assert_cmpuint(node_quantum_hart_ns(q, 6), ==, 0);

    node_quantum_post_ipi(q, 7, 6, TRUE); /* in quantum 0: for quantum 1 */
    node_quantum_post_ipi(q, 6, -1, TRUE); /* an IrqLine in quantum 0: for 1 */
    GThread *t = g_thread_new("hart", quantum_waiter, &rec);
    tcg_event_wait(&rec.reported);
    g_usleep(20 * 1000); /* it waits for the Go now */
    g_assert_cmpstr(rec.log->str, ==, "done 6 q0 idle 1 wake 5000\n");
    g_assert_false(tcg_hart_irq_level(tcgs[0], TCG_IRQ_MSIP)); /* still waiting */
    node_quantum_go(q, 1, 10000);
    g_thread_join(t);
    g_assert_true(tcg_hart_irq_level(tcgs[0], TCG_IRQ_MSIP)); /* hart 6 began quantum 1 */
    g_assert_false(tcg_hart_irq_level(tcgs[1], TCG_IRQ_MSIP)); /* hart 7 is still in 0 */
    g_assert_cmpuint(node_quantum_hart_ns(q, 6), ==, 10000);

    rec.hart = 7; /* hart 7 reaches quantum 1's start too: its IPI lands */
    t = g_thread_new("hart", quantum_waiter, &rec);
    g_thread_join(t); /* quantum 1 already began: no wait */
    g_assert_true(tcg_hart_irq_level(tcgs[1], TCG_IRQ_MSIP));

    /* Quantum 2 begins; hart 7 gets there first and sends hart 6, still
     * in quantum 1, an IPI: due when hart 6 begins quantum 3, not 2. */
    node_quantum_go(q, 2, 20000);
    t = g_thread_new("hart", quantum_waiter, &rec); /* hart 7 */
    g_thread_join(t);
    node_quantum_post_ipi(q, 6, 7, FALSE);
    rec.hart = 6;
    t = g_thread_new("hart", quantum_waiter, &rec);
    g_thread_join(t);
    g_assert_true(tcg_hart_irq_level(tcgs[0], TCG_IRQ_MSIP)); /* in quantum 2: not yet */
    node_quantum_go(q, 3, 30000);
    t = g_thread_new("hart", quantum_waiter, &rec);
    g_thread_join(t);
    g_assert_false(tcg_hart_irq_level(tcgs[0], TCG_IRQ_MSIP)); /* quantum 3: landed */

    /* a stop releases a waiter for good */
    t = g_thread_new("hart", quantum_waiter, &rec);
    node_quantum_stop(q);
    g_thread_join(t);

    free_harts(tcgs, 2);
    g_string_free(rec.log, TRUE);
}

/* The copies of device registers: set, replaced, made invalid, and a
 * register never sent is read the slow way. */
static void test_mirror(void)
{
    Node node = { 0 };
    guint64 v = 0;
    g_assert_false(node_mirror_read(&node, 0x10000005, &v));
    node_mirror_set(&node, 0x10000005, 0x60, TRUE);
    g_assert_true(node_mirror_read(&node, 0x10000005, &v));
    g_assert_cmphex(v, ==, 0x60);
    node_mirror_set(&node, 0x10000005, 0x61, TRUE);
    g_assert_true(node_mirror_read(&node, 0x10000005, &v));
    g_assert_cmphex(v, ==, 0x61);
    node_mirror_set(&node, 0x10000005, 0x63, FALSE);
    g_assert_false(node_mirror_read(&node, 0x10000005, &v));
    g_assert_false(node_mirror_read(&node, 0x10000105, &v));
}

typedef struct {
    Node *node;
    gint done; /* (atomic) */
} BitWaiter;

static gpointer wait_for_room(gpointer data)
{
    BitWaiter *w = data;
    node_mirror_wait_bit(w->node, 0x10000005, IC_MIRROR_LSR_ROOM);
    g_atomic_int_set(&w->done, 1);
    return NULL;
}

/* A hart about to post to a UART without room waits for the room bit in
 * the copy: it goes on when the copy says there is room again, not before;
 * LSR reading full (THRE clear) with room left holds nobody back. */
static void test_mirror_wait(void)
{
    Node node = { 0 };
    node_mirror_init(&node);
    node.pending = g_hash_table_new(g_int64_hash, g_int64_equal);
    node_mirror_wait_bit(&node, 0x10000005, IC_MIRROR_LSR_ROOM); /* no copy: no wait */
    node_mirror_set(&node, 0x10000005, 0x00 | IC_MIRROR_LSR_ROOM, TRUE); /* reads full */
    node_mirror_wait_bit(&node, 0x10000005, IC_MIRROR_LSR_ROOM);
    node_mirror_set(&node, 0x10000005, 0x00, TRUE); /* no room */
    BitWaiter w = { &node, 0 };
    GThread *t = g_thread_new("waiter", wait_for_room, &w);
    g_usleep(150 * 1000); /* longer than a wait slice: it must still wait */
    g_assert_cmpint(g_atomic_int_get(&w.done), ==, 0);
    node_mirror_set(&node, 0x10000005, 0x60 | IC_MIRROR_LSR_ROOM, TRUE);
    g_thread_join(t);
    g_assert_cmpint(g_atomic_int_get(&w.done), ==, 1);
    /* A node that stops lets it go too. */
    node_mirror_set(&node, 0x10000005, 0x00, TRUE);
    w.done = 0;
    t = g_thread_new("waiter", wait_for_room, &w);
    node_fail_pending(&node);
    g_thread_join(t);
    g_assert_cmpint(g_atomic_int_get(&w.done), ==, 1);
    g_hash_table_destroy(node.pending);
    node_mirror_clear(&node);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/node/mirror/wait", test_mirror_wait);
    g_test_add_func("/node/event/basic", test_event_basic);
    g_test_add_func("/node/event/ping-pong", test_event_ping_pong);
    g_test_add_func("/node/page-cache/frames", test_page_cache);
    g_test_add_func("/node/clint/registers", test_clint);
    g_test_add_func("/node/clint/deterministic", test_clint_deterministic);
    g_test_add_func("/node/leases", test_leases);
    g_test_add_func("/node/quantum", test_quantum);
    g_test_add_func("/node/mirror", test_mirror);
    return g_test_run();
}
