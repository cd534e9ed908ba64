/* SPDX-License-Identifier: MIT */
/* The PLIC model's rules: register layout and WARL fields, level-sensitive
 * gateways, claim order (priority, then lowest id, above the threshold),
 * completion, and which hart's MEIP/SEIP each context drives. */
#include <string.h>

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
    f->plic = msrv_plic_new(4, NULL, on_output, f);
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

/* Harts without S-mode have no S context, and the contexts after one move
 * down: an FU540 (QEMU's sifive_u) of an E51 and two U54s has contexts
 * 0 = hart 0 M, 1 = hart 1 M, 2 = hart 1 S, 3 = hart 2 M, 4 = hart 2 S;
 * context 5 is past the last. */
static void test_no_s(Fixture *f, gconstpointer data)
{
    static const gboolean has_s[] = { FALSE, TRUE, TRUE };
    msrv_plic_free(f->plic);
    f->plic = msrv_plic_new(G_N_ELEMENTS(has_s), has_s, on_output, f);
    static const Event want[] = {
        { 0, MSRV_PLIC_MEIP, TRUE }, { 1, MSRV_PLIC_MEIP, TRUE }, { 1, MSRV_PLIC_SEIP, TRUE },
        { 2, MSRV_PLIC_MEIP, TRUE }, { 2, MSRV_PLIC_SEIP, TRUE },
    };
    msrv_plic_set_line(f->plic, 4, TRUE);
    wr(f, PRIO(4), 1);
    for (guint ctx = 0; ctx < G_N_ELEMENTS(want); ctx++) {
        wr(f, ENABLE(ctx, 0), 1u << 4);
        expect_events(f, &want[ctx], 1);
        g_assert_cmpuint(rd(f, ENABLE(ctx, 0)), ==, 1u << 4);
    }
    g_assert_false(msrv_plic_output(f->plic, 0, MSRV_PLIC_SEIP));
    wr(f, ENABLE(5, 0), 1u << 4);
    wr(f, THRESHOLD(5), 3);
    g_assert_cmpuint(rd(f, ENABLE(5, 0)), ==, 0);
    g_assert_cmpuint(rd(f, THRESHOLD(5)), ==, 0);
    g_assert_cmpuint(rd(f, CLAIM(5)), ==, 0);
    expect_events(f, NULL, 0);
    /* hart 1's S context claims; the others see it claimed */
    g_assert_cmpuint(rd(f, CLAIM(2)), ==, 4);
    expect_events(f, (Event[]){ { 0, MSRV_PLIC_MEIP, FALSE }, { 1, MSRV_PLIC_MEIP, FALSE },
                                { 1, MSRV_PLIC_SEIP, FALSE }, { 2, MSRV_PLIC_MEIP, FALSE },
                                { 2, MSRV_PLIC_SEIP, FALSE } }, 5);
    /* a snapshot of it fits a PLIC of the same layout only */
    Shoal__V1__PlicState st = { 0 }; /* as test_snapshot: no protobuf descriptors here */
    msrv_plic_save(f->plic, &st);
    g_assert_cmpuint(st.n_threshold, ==, 5);
    g_autoptr(MsrvPlic) all_s = msrv_plic_new(G_N_ELEMENTS(has_s), NULL, NULL, NULL);
    g_autoptr(GError) error = NULL;
    g_assert_false(msrv_plic_load(all_s, &st, &error));
    g_assert_error(error, MSRV_PLIC_ERROR, 0);
    msrv_plic_state_clear(&st);
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

static void assert_same_reg(Fixture *f, Fixture *g, guint64 off)
{
    g_assert_cmphex(rd(f, off), ==, rd(g, off));
}

/* Every register of @f and @g reads the same, every output agrees, and
 * each context claims the same sources in the same order. */
static void assert_same_plic(Fixture *f, Fixture *g)
{
    for (guint src = 0; src < MSRV_PLIC_SOURCES; src++)
        assert_same_reg(f, g, PRIO(src));
    for (guint w = 0; w < 3; w++)
        assert_same_reg(f, g, PENDING(w));
    for (guint ctx = 0; ctx < 8; ctx++) {
        guint bit = ctx % 2 ? MSRV_PLIC_SEIP : MSRV_PLIC_MEIP;
        g_assert_cmpint(msrv_plic_output(f->plic, ctx / 2, bit), ==,
                        msrv_plic_output(g->plic, ctx / 2, bit));
        assert_same_reg(f, g, THRESHOLD(ctx));
        for (guint w = 0; w < 3; w++)
            assert_same_reg(f, g, ENABLE(ctx, w));
    }
    for (guint ctx = 0; ctx < 8; ctx++) {
        guint32 src;
        do {
            src = rd(f, CLAIM(ctx));
            g_assert_cmpuint(rd(g, CLAIM(ctx)), ==, src);
        } while (src);
    }
}

/* A snapshot loaded into a fresh PLIC reports every output once; with the
 * lines driven again as before, the two PLICs cannot be told apart. */
static void test_snapshot(Fixture *f, gconstpointer data)
{
    static const guint lines[] = { 3, 10, 40, 64, 95 };
    static const guint32 writes[][2] = {
        { PRIO(3), 1 },  { PRIO(10), 5 },  { PRIO(40), 7 },  { PRIO(64), 2 },  { PRIO(95), 3 },
        { ENABLE(0, 0), 1u << 10 | 1u << 3 },                  /* hart 0 M: 3, 10 */
        { ENABLE(3, 1), 1u << 8 }, { ENABLE(3, 2), 1u << 31 }, /* hart 1 S: 40, 95 */
        { ENABLE(6, 2), 1u << 0 },                             /* hart 3 M: 64, at threshold */
        { THRESHOLD(3), 2 }, { THRESHOLD(6), 2 },
    };
    for (guint i = 0; i < G_N_ELEMENTS(lines); i++)
        msrv_plic_set_line(f->plic, lines[i], TRUE);
    for (guint i = 0; i < G_N_ELEMENTS(writes); i++)
        wr(f, writes[i][0], writes[i][1]);
    g_assert_cmpuint(rd(f, CLAIM(0)), ==, 10); /* claimed, not completed */
    /* Zeroed, not SHOAL__V1__PLIC_STATE__INIT: this test does not link the
     * generated descriptors, and the PLIC needs only the fields. */
    Shoal__V1__PlicState st = { 0 };
    msrv_plic_save(f->plic, &st);

    Fixture g;
    setup(&g, NULL);
    g_autoptr(GError) error = NULL;
    g_assert_true(msrv_plic_load(g.plic, &st, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(g.events->len, ==, 8); /* each context once, lines low */
    for (guint i = 0; i < G_N_ELEMENTS(lines); i++)
        msrv_plic_set_line(g.plic, lines[i], TRUE);
    assert_same_plic(f, &g);
    wr(f, CLAIM(0), 10);
    wr(&g, CLAIM(0), 10);
    assert_same_plic(f, &g);
    msrv_plic_state_clear(&st);
    g_assert_null(st.priority);
    teardown(&g, NULL);
}

/* States no PLIC of this size can have are refused, and nothing changes. */
static void test_snapshot_bad(Fixture *f, gconstpointer data)
{
    Shoal__V1__PlicState st = { 0 };
    msrv_plic_save(f->plic, &st);
    guint32 *arrays[] = { st.priority, st.claimed, st.enable, st.threshold };
    static const struct {
        const char *what;
        guint array, index;
        guint32 value;
    } cases[] = {
        { "priority 9", 0, 5, 9 },
        { "priority of source 0", 0, 0, 1 },
        { "source 0 claimed", 1, 0, 1 },
        { "source 0 enabled (context 3)", 2, 3 * 3, 1 },
        { "threshold 8", 3, 7, 8 },
    };
    wr(f, PRIO(1), 3);
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = NULL;
        guint32 *slot = &arrays[cases[i].array][cases[i].index];
        guint32 keep = *slot;
        g_test_message("%s", cases[i].what);
        *slot = cases[i].value;
        g_assert_false(msrv_plic_load(f->plic, &st, &error));
        g_assert_error(error, MSRV_PLIC_ERROR, 0);
        *slot = keep;
    }
    /* arrays of another length: one threshold short, and a 2-hart PLIC's */
    g_autoptr(GError) error = NULL;
    st.n_threshold--;
    g_assert_false(msrv_plic_load(f->plic, &st, &error));
    g_assert_error(error, MSRV_PLIC_ERROR, 0);
    msrv_plic_state_clear(&st);
    g_autoptr(MsrvPlic) two = msrv_plic_new(2, NULL, NULL, NULL);
    msrv_plic_save(two, &st);
    g_clear_error(&error);
    g_assert_false(msrv_plic_load(f->plic, &st, &error));
    g_assert_error(error, MSRV_PLIC_ERROR, 0);
    g_assert_nonnull(strstr(error->message, "enable words"));
    msrv_plic_state_clear(&st);
    g_assert_cmpuint(rd(f, PRIO(1)), ==, 3);
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
    ADD("no-s", test_no_s);
    ADD("claim-order", test_claim_order);
    ADD("complete", test_complete);
    ADD("snapshot", test_snapshot);
    ADD("snapshot-bad", test_snapshot_bad);
    return g_test_run();
}
