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
 * and says whether it is still waiting; then sets @ev and joins it. */
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
    g_assert_false(wait_blocks(&ev)); /* set before the wait: no blocking */
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
    g_autoptr(NodePageCache) c = node_page_cache_new(0x80000000, 1 << 20);
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

static void test_clint(void)
{
    static const TcgNodeOps no_ops;
    CfgNode cfg_node = { 0, 0, 1 };
    CfgMachine machine = { .n_nodes = 1, .nodes = &cfg_node, .n_harts = 1 };
    Node node = { .machine = &machine, .config = &cfg_node, .timebase_hz = 10000000 };
    node.waker = ic_waker_new(NULL);
    NodeHart hart = { .node = &node, .id = 0, .mtimecmp = G_MAXUINT64 };
    TcgHartConfig hc = { .hart_id = 0, .accel = TCG_ACCEL_INTERP, .code_buffer_size = 1 << 20 };
    hart.tcg = tcg_hart_new(&hc, &no_ops, &node);
    node.harts = &hart;
    node.epoch_ns = 0; /* mtime = time since boot of the host, scaled */

    guint64 v, t0, t1;
    g_assert_true(node_clint_read(&node, 0, 0xbff8, 8, &t0));
    g_usleep(2000);
    g_assert_true(node_clint_read(&node, 0, 0xbff8, 8, &t1));
    g_assert_cmpuint(t1, >, t0 + 10000); /* >= 2 ms at 10 MHz */
    g_assert_true(node_clint_read(&node, 0, 0xbffc, 4, &v));
    g_assert_cmphex(v, ==, t1 >> 32); /* high half (same epoch) */

    /* mtimecmp in the future: no MTIP; full and half-word writes. */
    g_assert_true(node_clint_write(&node, 0, 0x4000, 8, 0x123456789abcdef0ull));
    g_assert_true(node_clint_read(&node, 0, 0x4000, 8, &v));
    g_assert_cmphex(v, ==, 0x123456789abcdef0ull);
    g_assert_cmpint(hart.mtip, ==, 0);
    g_assert_true(node_clint_write(&node, 0, 0x4004, 4, 0x0fffffff));
    g_assert_true(node_clint_read(&node, 0, 0x4000, 8, &v));
    g_assert_cmphex(v, ==, 0x0fffffff9abcdef0ull);
    g_assert_true(node_clint_read(&node, 0, 0x4004, 4, &v));
    g_assert_cmphex(v, ==, 0x0fffffff);
    /* In the past: MTIP at once; and the deadline math of the agent. */
    g_assert_true(node_clint_write(&node, 0, 0x4000, 8, 0));
    g_assert_cmpint(hart.mtip, ==, 1);
    g_assert_cmpint(node_clint_fire_timers(&node, 1000), ==, 1000);
    node_clint_read(&node, 0, 0xbff8, 8, &t0);
    g_assert_true(node_clint_write(&node, 0, 0x4000, 8, t0 + 10000000)); /* +1 s */
    g_assert_cmpint(hart.mtip, ==, 0);
    int ms = node_clint_fire_timers(&node, 5000);
    g_assert_cmpint(ms, >, 900);
    g_assert_cmpint(ms, <=, 1001);
    g_assert_cmpint(node_clint_fire_timers(&node, 100), ==, 100);

    /* msip of our hart reads back its line (bit 0 only), and of a hart
     * that does not exist reads 0. */
    g_assert_true(node_clint_write(&node, 0, 0x0, 4, 1));
    g_assert_true(node_clint_read(&node, 0, 0x0, 4, &v));
    g_assert_cmphex(v, ==, 1);
    g_assert_true(tcg_hart_irq_level(hart.tcg, TCG_IRQ_MSIP));
    g_assert_true(node_clint_write(&node, 0, 0x0, 4, 0xfffffffe));
    g_assert_true(node_clint_read(&node, 0, 0x0, 4, &v));
    g_assert_cmphex(v, ==, 0);
    g_assert_false(tcg_hart_irq_level(hart.tcg, TCG_IRQ_MSIP));
    g_assert_true(node_clint_read(&node, 0, 0x4, 4, &v)); /* hart 1: not here */
    g_assert_cmphex(v, ==, 0);
    /* Bad sizes and holes fault. */
    g_assert_false(node_clint_read(&node, 0, 0x0, 8, &v));
    g_assert_false(node_clint_read(&node, 0, 0xbff8, 2, &v));
    g_assert_false(node_clint_read(&node, 0, 0xc000, 4, &v));
    g_assert_false(node_clint_write(&node, 0, 0xc000, 4, 0));
    g_assert_false(node_clint_write(&node, 0, 0x4000 + 8 * 7, 8, 0)); /* hart 7: not here */

    tcg_hart_free(hart.tcg);
    ic_waker_free(node.waker);
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

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/node/event/basic", test_event_basic);
    g_test_add_func("/node/event/ping-pong", test_event_ping_pong);
    g_test_add_func("/node/page-cache/frames", test_page_cache);
    g_test_add_func("/node/clint/registers", test_clint);
    g_test_add_func("/node/mirror", test_mirror);
    return g_test_run();
}
