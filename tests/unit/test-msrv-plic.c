/* SPDX-License-Identifier: MIT */
/* The PLIC model's rules: register layout and WARL fields, level-sensitive
 * gateways, claim order (priority, then lowest id, above the threshold),
 * completion, and which hart's MEIP/SEIP each context drives. */
#include "memory-server/internal.h"

#define PRIO(src) (4u * (src))
#define PENDING(w) (0x1000u + 4u * (w))
#define ENABLE(ctx, w) (0x2000u + 0x80u * (ctx) + 4u * (w))
#define THRESHOLD(ctx) (0x200000u + 0x1000u * (ctx))
#define CLAIM(ctx) (THRESHOLD(ctx) + 4u)

typedef struct {
    guint hart, bit;
    gboolean level;
} Event;

typedef struct {
    MsrvPlic *plic;
    GArray *events; /* Event, in the order the callback saw them */
} Fixture;

static void on_output(gpointer opaque, guint hart, guint bit, gboolean level)
{
    Fixture *f = opaque;
    Event e = { hart, bit, level };
    g_assert_cmpint(msrv_plic_output(f->plic, hart, bit), ==, level);
    g_array_append_val(f->events, e);
}

static void setup(Fixture *f, gconstpointer data)
{
    f->events = g_array_new(FALSE, FALSE, sizeof(Event));
    f->plic = msrv_plic_new(4, on_output, f);
}

static void teardown(Fixture *f, gconstpointer data)
{
    msrv_plic_free(f->plic);
    g_array_free(f->events, TRUE);
}

static guint32 rd(Fixture *f, guint64 off)
{
    guint64 v = 0xdeadbeef;
    g_assert_true(msrv_plic_read(f->plic, off, 4, &v));
    g_assert_cmphex(v >> 32, ==, 0);
    return (guint32)v;
}

static void wr(Fixture *f, guint64 off, guint32 v)
{
    g_assert_true(msrv_plic_write(f->plic, off, 4, v));
}

/* The events since the last call must be exactly @want (n of them). */
static void expect_events(Fixture *f, const Event *want, guint n)
{
    g_assert_cmpuint(f->events->len, ==, n);
    for (guint i = 0; i < n; i++) {
        Event *e = &g_array_index(f->events, Event, i);
        g_assert_cmpuint(e->hart, ==, want[i].hart);
        g_assert_cmpuint(e->bit, ==, want[i].bit);
        g_assert_cmpint(e->level, ==, want[i].level);
    }
    g_array_set_size(f->events, 0);
}

static void test_reset(Fixture *f, gconstpointer data)
{
    for (guint ctx = 0; ctx < 8; ctx++) {
        g_assert_cmpuint(rd(f, CLAIM(ctx)), ==, 0);
        g_assert_cmpuint(rd(f, THRESHOLD(ctx)), ==, 0);
        g_assert_cmpuint(rd(f, ENABLE(ctx, 0)), ==, 0);
    }
    g_assert_cmpuint(rd(f, PRIO(10)), ==, 0);
    g_assert_cmpuint(rd(f, PENDING(0)), ==, 0);
    expect_events(f, NULL, 0);
}

/* Aligned 32-bit accesses only; holes read 0 and swallow writes. */
static void test_access(Fixture *f, gconstpointer data)
{
    static const guint sizes[] = { 1, 2, 8 };
    guint64 v;
    for (guint i = 0; i < G_N_ELEMENTS(sizes); i++) {
        g_assert_false(msrv_plic_read(f->plic, PRIO(1), sizes[i], &v));
        g_assert_false(msrv_plic_write(f->plic, PRIO(1), sizes[i], 1));
    }
    g_assert_false(msrv_plic_read(f->plic, PRIO(1) + 2, 4, &v));
    g_assert_false(msrv_plic_write(f->plic, THRESHOLD(0) + 1, 4, 1));
    static const guint64 holes[] = { PRIO(96), PENDING(3), ENABLE(0, 3), ENABLE(8, 0),
                                     THRESHOLD(0) + 8, THRESHOLD(8), CLAIM(8), 0x5ffffc };
    for (guint i = 0; i < G_N_ELEMENTS(holes); i++) {
        wr(f, holes[i], 0xffffffff);
        g_assert_cmpuint(rd(f, holes[i]), ==, 0);
    }
    /* nothing above leaked into a real register */
    for (guint ctx = 0; ctx < 8; ctx++) {
        g_assert_cmpuint(rd(f, ENABLE(ctx, 2)), ==, 0);
        g_assert_cmpuint(rd(f, THRESHOLD(ctx)), ==, 0);
    }
}

/* Priorities and thresholds keep 3 bits; source 0 has neither priority
 * nor enable bit; pending bits are read-only. */
static void test_warl(Fixture *f, gconstpointer data)
{
    wr(f, PRIO(10), 0xff);
    g_assert_cmpuint(rd(f, PRIO(10)), ==, 7);
    wr(f, PRIO(0), 5);
    g_assert_cmpuint(rd(f, PRIO(0)), ==, 0);
    wr(f, THRESHOLD(3), 0x1c);
    g_assert_cmpuint(rd(f, THRESHOLD(3)), ==, 4);
    wr(f, ENABLE(2, 0), 0xffffffff);
    g_assert_cmphex(rd(f, ENABLE(2, 0)), ==, 0xfffffffe);
    wr(f, ENABLE(2, 2), 0xffffffff);
    g_assert_cmphex(rd(f, ENABLE(2, 2)), ==, 0xffffffff);
    wr(f, PENDING(0), 0xffffffff);
    g_assert_cmphex(rd(f, PENDING(0)), ==, 0);
}

/* A pending bit follows its line, enabled or not. */
static void test_gateway(Fixture *f, gconstpointer data)
{
    msrv_plic_set_line(f->plic, 10, TRUE);
    msrv_plic_set_line(f->plic, 33, TRUE);
    msrv_plic_set_line(f->plic, 95, TRUE);
    g_assert_cmphex(rd(f, PENDING(0)), ==, 1u << 10);
    g_assert_cmphex(rd(f, PENDING(1)), ==, 1u << 1);
    g_assert_cmphex(rd(f, PENDING(2)), ==, 1u << 31);
    msrv_plic_set_line(f->plic, 33, FALSE);
    g_assert_cmphex(rd(f, PENDING(1)), ==, 0);
    /* priority 0 never interrupts, even enabled */
    wr(f, ENABLE(0, 0), 1u << 10);
    g_assert_cmpuint(rd(f, CLAIM(0)), ==, 0);
    expect_events(f, NULL, 0);
}

/* The output needs pending, enabled and priority above the threshold. */
static void test_output(Fixture *f, gconstpointer data)
{
    msrv_plic_set_line(f->plic, 10, TRUE);
    wr(f, PRIO(10), 2);
    expect_events(f, NULL, 0); /* not enabled anywhere */
    wr(f, ENABLE(0, 0), 1u << 10);
    expect_events(f, (Event[]){ { 0, MSRV_PLIC_MEIP, TRUE } }, 1);
    wr(f, THRESHOLD(0), 2);
    expect_events(f, (Event[]){ { 0, MSRV_PLIC_MEIP, FALSE } }, 1);
    wr(f, THRESHOLD(0), 1);
    expect_events(f, (Event[]){ { 0, MSRV_PLIC_MEIP, TRUE } }, 1);
    /* contexts in hart order, M then S */
    wr(f, ENABLE(5, 0), 1u << 10);
    expect_events(f, (Event[]){ { 2, MSRV_PLIC_SEIP, TRUE } }, 1);
    wr(f, ENABLE(6, 0), 1u << 10);
    expect_events(f, (Event[]){ { 3, MSRV_PLIC_MEIP, TRUE } }, 1);
    msrv_plic_set_line(f->plic, 10, TRUE); /* no change, no event */
    expect_events(f, NULL, 0);
    msrv_plic_set_line(f->plic, 10, FALSE);
    expect_events(f, (Event[]){ { 0, MSRV_PLIC_MEIP, FALSE },
                                { 2, MSRV_PLIC_SEIP, FALSE },
                                { 3, MSRV_PLIC_MEIP, FALSE } }, 3);
}

/* Claims in priority order, the lowest id first among equals; a claimed
 * source is hidden from every context until completed. */
static void test_claim_order(Fixture *f, gconstpointer data)
{
    static const struct {
        guint src, prio;
    } srcs[] = { { 5, 2 }, { 7, 3 }, { 3, 3 }, { 40, 1 }, { 64, 3 } };
    for (guint i = 0; i < G_N_ELEMENTS(srcs); i++) {
        wr(f, PRIO(srcs[i].src), srcs[i].prio);
        msrv_plic_set_line(f->plic, srcs[i].src, TRUE);
    }
    wr(f, ENABLE(1, 0), (1u << 3) | (1u << 5) | (1u << 7));
    wr(f, ENABLE(1, 1), 1u << 8);
    wr(f, ENABLE(1, 2), 1u << 0);
    expect_events(f, (Event[]){ { 0, MSRV_PLIC_SEIP, TRUE } }, 1);
    wr(f, ENABLE(2, 0), 1u << 7);
    expect_events(f, (Event[]){ { 1, MSRV_PLIC_MEIP, TRUE } }, 1);
    wr(f, ENABLE(2, 0), 1u << 7); /* same again: no event */
    expect_events(f, NULL, 0);
    static const guint order[] = { 3, 7, 64, 5, 40, 0 };
    for (guint i = 0; i < G_N_ELEMENTS(order); i++)
        g_assert_cmpuint(rd(f, CLAIM(1)), ==, order[i]);
    /* ctx 1's claim of 7 took it from ctx 2 (hart 1 M) too; the last claim
     * dropped ctx 1's own output */
    expect_events(f, (Event[]){ { 1, MSRV_PLIC_MEIP, FALSE }, { 0, MSRV_PLIC_SEIP, FALSE } }, 2);
    g_assert_cmpuint(rd(f, CLAIM(2)), ==, 0);
    g_assert_cmphex(rd(f, PENDING(0)), ==, 0);
}

/* Completion: ignored for a source the context has not enabled (or that is
 * not claimed); a line still high then makes the source pending again. */
static void test_complete(Fixture *f, gconstpointer data)
{
    wr(f, PRIO(10), 1);
    wr(f, ENABLE(0, 0), 1u << 10);
    msrv_plic_set_line(f->plic, 10, TRUE);
    g_assert_cmpuint(rd(f, CLAIM(0)), ==, 10);
    expect_events(f, (Event[]){ { 0, MSRV_PLIC_MEIP, TRUE }, { 0, MSRV_PLIC_MEIP, FALSE } }, 2);
    wr(f, CLAIM(2), 10); /* hart 1 M: source 10 not enabled there */
    g_assert_cmpuint(rd(f, PENDING(0)), ==, 0);
    wr(f, CLAIM(0), 11); /* not claimed */
    wr(f, CLAIM(0), 0);
    wr(f, CLAIM(0), 4096);
    expect_events(f, NULL, 0);
    wr(f, CLAIM(0), 10); /* line still high: pending again */
    g_assert_cmphex(rd(f, PENDING(0)), ==, 1u << 10);
    expect_events(f, (Event[]){ { 0, MSRV_PLIC_MEIP, TRUE } }, 1);
    g_assert_cmpuint(rd(f, CLAIM(0)), ==, 10);
    msrv_plic_set_line(f->plic, 10, FALSE); /* drops while claimed */
    wr(f, CLAIM(0), 10);
    g_assert_cmphex(rd(f, PENDING(0)), ==, 0);
    g_assert_cmpuint(rd(f, CLAIM(0)), ==, 0);
    expect_events(f, (Event[]){ { 0, MSRV_PLIC_MEIP, FALSE } }, 1);
    /* a second completion of the same claim changes nothing */
    msrv_plic_set_line(f->plic, 10, TRUE);
    expect_events(f, (Event[]){ { 0, MSRV_PLIC_MEIP, TRUE } }, 1);
    wr(f, CLAIM(0), 10);
    expect_events(f, NULL, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add("/msrv/plic/" path, Fixture, NULL, setup, fn, teardown)
    ADD("reset", test_reset);
    ADD("access", test_access);
    ADD("warl", test_warl);
    ADD("gateway", test_gateway);
    ADD("output", test_output);
    ADD("claim-order", test_claim_order);
    ADD("complete", test_complete);
    return g_test_run();
}
