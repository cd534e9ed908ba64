/* SPDX-License-Identifier: MIT */
/* The memory server's quantum barrier (memory-server/quantum.c) against
 * recorded messages: it advances only when every hart is done, goes on only
 * when the bridge reached the quantum's end, skips idle stretches on the
 * quantum grid, refuses messages that do not fit the quantum running, and
 * leaves the bridge out of quanta where it has nothing to do. */
#include "memory-server/internal.h"

#define QUANTUM_NS 1000

typedef struct {
    guint gos, advances;
    guint64 go_index, go_start_ns;
    guint64 adv_index, adv_to_ns, adv_idle_until_ns;
} Log;

static void on_go(gpointer opaque, guint64 index, guint64 start_ns)
{
    Log *log = opaque;
    log->gos++;
    log->go_index = index;
    log->go_start_ns = start_ns;
}

static void on_advance(gpointer opaque, guint64 index, guint64 to_ns, guint64 idle_until_ns)
{
    Log *log = opaque;
    log->advances++;
    log->adv_index = index;
    log->adv_to_ns = to_ns;
    log->adv_idle_until_ns = idle_until_ns;
}

static const MsrvQuantumOps ops = { on_go, on_advance };

static CfgMachine machine(guint n_harts)
{
    CfgMachine m = { 0 };
    m.n_harts = n_harts;
    m.sysc_quantum_ns = QUANTUM_NS;
    m.deterministic = TRUE;
    return m;
}

static gboolean done(MsrvQuantum *q, guint hart, guint64 quantum, gboolean idle, guint64 wake_ns)
{
    Shoal__V1__QuantumDone d = SHOAL__V1__QUANTUM_DONE__INIT;
    d.hart = hart;
    d.quantum = quantum;
    d.idle = idle;
    d.wake_ns = wake_ns;
    g_autoptr(GError) error = NULL;
    gboolean ok = msrv_quantum_done(q, &d, &error);
    g_assert_true(ok == (error == NULL));
    return ok;
}

static gboolean reached(MsrvQuantum *q, guint64 quantum, guint64 time_ns, guint64 next_event_ns)
{
    Shoal__V1__QuantumReached r = SHOAL__V1__QUANTUM_REACHED__INIT;
    r.quantum = quantum;
    r.time_ns = time_ns;
    r.next_event_ns = next_event_ns;
    g_autoptr(GError) error = NULL;
    gboolean ok = msrv_quantum_reached(q, &r, &error);
    g_assert_true(ok == (error == NULL));
    return ok;
}

static void test_bridge_barrier(void)
{
    CfgMachine m = machine(2);
    Log log = { 0 };
    MsrvQuantum *q = msrv_quantum_new(&m, TRUE, &ops, &log);
    /* Every hart first; the bridge is not up yet: the advance waits. */
    g_assert_true(done(q, 1, 0, FALSE, 0));
    g_assert_false(done(q, 1, 0, FALSE, 0)); /* twice */
    g_assert_false(done(q, 0, 1, FALSE, 0)); /* a quantum not running */
    g_assert_false(done(q, 7, 0, FALSE, 0)); /* no such hart */
    g_assert_true(done(q, 0, 0, TRUE, 0));
    g_assert_cmpuint(log.advances, ==, 0);
    msrv_quantum_bridge_ready(q);
    g_assert_cmpuint(log.advances, ==, 1);
    g_assert_cmpuint(log.adv_to_ns, ==, QUANTUM_NS);
    g_assert_cmpuint(log.adv_idle_until_ns, ==, 0); /* hart 1 ran */
    g_assert_cmpuint(log.gos, ==, 0);
    g_assert_false(reached(q, 0, QUANTUM_NS + 1, 0)); /* off the grid */
    g_assert_false(reached(q, 0, 0, 0));              /* before the end */
    /* The models' next event is a little after 3 quanta. */
    g_assert_true(reached(q, 0, QUANTUM_NS, 3 * QUANTUM_NS + 10));
    g_assert_cmpuint(log.gos, ==, 1);
    g_assert_cmpuint(log.go_index, ==, 1);
    g_assert_cmpuint(log.go_start_ns, ==, QUANTUM_NS);
    g_assert_false(reached(q, 1, 2 * QUANTUM_NS, 0)); /* nobody asked */
    /* Quantum 1: nothing for the bridge before its event: it is left out. */
    g_assert_true(done(q, 0, 1, FALSE, 0));
    g_assert_true(done(q, 1, 1, FALSE, 0));
    g_assert_cmpuint(log.advances, ==, 1);
    g_assert_cmpuint(log.go_start_ns, ==, 2 * QUANTUM_NS);
    /* Quantum 2: both idle, timers at 9 and 5.5 quanta: time skips, but
     * only to the quantum that holds the bridge's event. */
    g_assert_true(done(q, 0, 2, TRUE, 9 * QUANTUM_NS));
    g_assert_true(done(q, 1, 2, TRUE, 5 * QUANTUM_NS + 500));
    g_assert_cmpuint(log.advances, ==, 1);
    g_assert_cmpuint(log.go_index, ==, 3);
    g_assert_cmpuint(log.go_start_ns, ==, 3 * QUANTUM_NS);
    /* Quantum 3 holds it: the bridge runs, and may go on to 5.5. */
    g_assert_true(done(q, 0, 3, TRUE, 9 * QUANTUM_NS));
    g_assert_true(done(q, 1, 3, TRUE, 5 * QUANTUM_NS + 500));
    g_assert_cmpuint(log.advances, ==, 2);
    g_assert_cmpuint(log.adv_to_ns, ==, 4 * QUANTUM_NS);
    g_assert_cmpuint(log.adv_idle_until_ns, ==, 5 * QUANTUM_NS + 500);
    g_assert_true(reached(q, 3, 6 * QUANTUM_NS, 0));
    g_assert_cmpuint(log.go_start_ns, ==, 6 * QUANTUM_NS);
    /* An access went to the bridge: it runs, though it had nothing due. */
    msrv_quantum_bridge_busy(q);
    g_assert_true(done(q, 0, 4, FALSE, 0));
    g_assert_true(done(q, 1, 4, FALSE, 0));
    g_assert_cmpuint(log.advances, ==, 3);
    g_assert_cmpuint(log.adv_idle_until_ns, ==, 0); /* the harts ran */
    g_assert_true(reached(q, 4, 7 * QUANTUM_NS, 0));
    /* Idle, but an interrupt line moved: no skip. */
    msrv_quantum_lines_moved(q);
    msrv_quantum_bridge_busy(q);
    g_assert_true(done(q, 0, 5, TRUE, 0));
    g_assert_true(done(q, 1, 5, TRUE, 0));
    g_assert_cmpuint(log.advances, ==, 4);
    g_assert_cmpuint(log.adv_idle_until_ns, ==, 0);
    msrv_quantum_free(q);
}

static void test_no_bridge(void)
{
    CfgMachine m = machine(1);
    Log log = { 0 };
    MsrvQuantum *q = msrv_quantum_new(&m, FALSE, &ops, &log);
    g_assert_true(done(q, 0, 0, FALSE, 0));
    g_assert_cmpuint(log.go_start_ns, ==, QUANTUM_NS);
    /* Idle with a timer at 3.2 quanta: straight to the boundary after it. */
    g_assert_true(done(q, 0, 1, TRUE, 3 * QUANTUM_NS + 200));
    g_assert_cmpuint(log.go_index, ==, 2);
    g_assert_cmpuint(log.go_start_ns, ==, 4 * QUANTUM_NS);
    /* Idle with no timer: one quantum (something outside may wake it). */
    g_assert_true(done(q, 0, 2, TRUE, 0));
    g_assert_cmpuint(log.go_start_ns, ==, 5 * QUANTUM_NS);
    g_assert_cmpuint(log.advances, ==, 0);
    msrv_quantum_free(q);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/msrv/quantum/bridge-barrier", test_bridge_barrier);
    g_test_add_func("/msrv/quantum/no-bridge", test_no_bridge);
    return g_test_run();
}
