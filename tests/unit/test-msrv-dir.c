/* SPDX-License-Identifier: MIT */
/* The coherence directory as a table: a setup sequence brings a page into a
 * state, then one event must produce exactly the listed messages, the listed
 * final entry and the listed RAM contents. */
#include <string.h>

#include "memory-server/directory.h"

/* protocol.def rendered as the table in directory.h's comment. */
static char *render_protocol(void)
{
    GString *t = g_string_new(NULL);
    const char *head[] = { "view \\ request", "GET_S", "GET_M", "UPGRADE", "PUT_M" };
    g_string_append_printf(t, " *   %-16s %-18s %-18s %-18s %s\n", head[0], head[1], head[2],
                           head[3], head[4]);
#define PROTOCOL(view, get_s, get_m, upgrade, put_m)                                          \
    g_string_append_printf(t, " *   %-16s %-18s %-18s %-18s %s\n", #view, #get_s, #get_m,     \
                           #upgrade, #put_m);
#include "memory-server/protocol.def"
#undef PROTOCOL
    return g_string_free(t, FALSE);
}

/* The table in directory.h is protocol.def, verbatim. */
static void test_doc_table(void)
{
    const char *srcdir = g_getenv("SHOAL_SRCDIR");
    g_autofree char *path = g_build_filename(srcdir ? srcdir : "..", "memory-server",
                                             "directory.h", NULL);
    g_autofree char *text = NULL;
    g_autoptr(GError) error = NULL;
    if (!g_file_get_contents(path, &text, NULL, &error)) {
        g_test_skip(error->message);
        return;
    }
    const char *begin = strstr(text, "(protocol.def)\n");
    g_assert_nonnull(begin);
    begin = strchr(begin, '\n') + 1;
    const char *end = strstr(begin, " *\n");
    g_assert_nonnull(end);
    g_autofree char *doc = g_strndup(begin, (gsize)(end - begin));
    g_autofree char *want = render_protocol();
    if (g_strcmp0(doc, want) != 0)
        g_error("directory.h's table differs from protocol.def; it should read:\n%s", want);
}

#define RAM_BASE 0x80000000ull
#define PAGE_A RAM_BASE
#define PAGE_B (RAM_BASE + 0x1000)

typedef struct {
    GString *log; /* messages the directory sent, space separated */
} Recorder;

static void rec_grant(gpointer opaque, guint node, guint64 txid, guint64 page, gboolean modified)
{
    Recorder *r = opaque;
    if (txid == 0) {
        /* unasked: a prefetch */
        g_string_append_printf(r->log, "%sprefetch%s:%u:%c", r->log->len ? " " : "",
                               page == PAGE_B ? "B" : "", node, modified ? 'M' : 'S');
        return;
    }
    g_string_append_printf(r->log, "%sgrant%s:%u:%c", r->log->len ? " " : "",
                           page == PAGE_B ? "B" : "", node, modified ? 'M' : 'S');
    g_assert_cmpuint(txid, ==, 1000 + node); /* the request's txid is echoed */
}

static void rec_invalidate(gpointer opaque, guint node, guint64 page)
{
    Recorder *r = opaque;
    g_string_append_printf(r->log, "%sinv:%u", r->log->len ? " " : "", node);
}

static void rec_recall(gpointer opaque, guint node, guint64 page, gboolean downgrade)
{
    Recorder *r = opaque;
    g_string_append_printf(r->log, "%srecall:%u:%s", r->log->len ? " " : "", node,
                           downgrade ? "down" : "inv");
}

static void rec_put_ack(gpointer opaque, guint node, guint64 txid, guint64 page)
{
    Recorder *r = opaque;
    g_string_append_printf(r->log, "%sputack:%u", r->log->len ? " " : "", node);
}

static void rec_access_at(gpointer opaque, guint node, guint64 page, const MsrvAccess *access)
{
    Recorder *r = opaque;
    g_assert_cmphex(access->addr, ==, page + 0x10); /* carried as asked */
    g_string_append_printf(r->log, "%sat:%u:%s", r->log->len ? " " : "", node,
                           access->op == 0 ? "load" : "amo");
}

static void rec_access_result(gpointer opaque, guint node, guint64 txid, guint64 page,
                              guint64 value)
{
    Recorder *r = opaque;
    g_assert_cmpuint(txid, ==, 1000 + node);
    g_string_append_printf(r->log, "%svalue:%u:%" G_GINT64_MODIFIER "x", r->log->len ? " " : "",
                           node, value);
}

static const MsrvDirOps rec_ops = { rec_grant,   rec_invalidate, rec_recall,
                                    rec_put_ack, rec_access_at,  rec_access_result };

/* Steps: S<n> GetS, M<n> GetM, U<n> Upgrade, P<n> PutM (data byte 'a'+n),
 * A<n> ack without data, D<n> ack with data (byte 'A'+n), C<n> ack with
 * the bytes RAM holds (a copy given back unchanged), L<n> / X<n> a GetS /
 * GetM for a load / an AMO at offset 0x10 (forwarding), R<n> the access
 * result 0x40+n; a leading "B" means page B instead of page A. Acks must
 * be accepted unless the case expects the (single) event ack to be
 * refused. */
static gboolean run_steps(MsrvDir *dir, const char *steps)
{
    g_auto(GStrv) tok = g_strsplit(steps, " ", -1);
    gboolean all_ok = TRUE;
    for (guint i = 0; tok[i]; i++) {
        const char *t = tok[i];
        if (!*t)
            continue;
        guint64 page = PAGE_A;
        if (*t == 'B') {
            page = PAGE_B;
            t++;
        }
        guint node = (guint)(t[1] - '0');
        guint8 data[4096];
        switch (t[0]) {
        case 'S':
            msrv_dir_request(dir, node, MSRV_REQ_GET_S, 1000 + node, page, NULL);
            break;
        case 'M':
            msrv_dir_request(dir, node, MSRV_REQ_GET_M, 1000 + node, page, NULL);
            break;
        case 'U':
            msrv_dir_request(dir, node, MSRV_REQ_UPGRADE, 1000 + node, page, NULL);
            break;
        case 'P':
            memset(data, 'a' + node, sizeof data);
            msrv_dir_request(dir, node, MSRV_REQ_PUT_M, 1000 + node, page, data);
            break;
        case 'L':
        case 'X': {
            MsrvAccess access = { page + 0x10, 8, t[0] == 'L' ? 0 : 1, 7 };
            msrv_dir_request_access(dir, node, t[0] == 'L' ? MSRV_REQ_GET_S : MSRV_REQ_GET_M,
                                    1000 + node, page, &access);
            break;
        }
        case 'R': {
            g_autoptr(GError) error = NULL;
            gboolean ok = msrv_dir_access_done(dir, node, page, 0x40 + node, &error);
            g_assert(ok == (error == NULL));
            all_ok &= ok;
            break;
        }
        case 'A':
        case 'C':
        case 'D': {
            g_autoptr(GError) error = NULL;
            if (t[0] == 'C')
                memcpy(data, msrv_dir_page(dir, page), sizeof data);
            else
                memset(data, 'A' + node, sizeof data);
            gboolean ok = msrv_dir_ack(dir, node, page, t[0] == 'A' ? NULL : data, &error);
            g_assert(ok == (error == NULL));
            all_ok &= ok;
            break;
        }
        default:
            g_error("bad step %s", t);
        }
    }
    return all_ok;
}

typedef struct {
    const char *name;
    const char *setup;    /* steps to reach the state */
    const char *event;    /* the steps under test */
    const char *messages; /* what the event must send */
    MsrvPageState state;  /* page A afterwards */
    guint owner;          /* if MODIFIED */
    guint64 sharers;      /* if SHARED */
    gboolean busy;
    char ram;             /* first byte of page A in RAM afterwards */
    gboolean acks_ok;     /* the event's acks are accepted */
} Case;

static const Case cases[] = {
    { "uncached/get-s", "", "S0", "grant:0:S", MSRV_PAGE_SHARED, 0, 0x1, FALSE, 0, TRUE },
    { "uncached/get-m", "", "M0", "grant:0:M", MSRV_PAGE_MODIFIED, 0, 0, FALSE, 0, TRUE },
    { "uncached/upgrade", "", "U2", "grant:2:M", MSRV_PAGE_MODIFIED, 2, 0, FALSE, 0, TRUE },
    { "uncached/put-m-stale", "", "P0", "putack:0", MSRV_PAGE_UNCACHED, 0, 0, FALSE, 0, TRUE },
    { "shared/get-s-other", "S0", "S1", "grant:1:S", MSRV_PAGE_SHARED, 0, 0x3, FALSE, 0, TRUE },
    { "shared/get-s-again", "S0", "S0", "grant:0:S", MSRV_PAGE_SHARED, 0, 0x1, FALSE, 0, TRUE },
    { "shared/upgrade-alone", "S0", "U0", "grant:0:M", MSRV_PAGE_MODIFIED, 0, 0, FALSE, 0, TRUE },
    { "shared/get-m-invalidates", "S0 S1", "M2", "inv:0 inv:1", MSRV_PAGE_SHARED, 0, 0x3, TRUE,
      0, TRUE },
    { "shared/get-m-first-ack", "S0 S1 M2", "A0", "", MSRV_PAGE_SHARED, 0, 0x2, TRUE, 0, TRUE },
    { "shared/get-m-last-ack", "S0 S1 M2 A0", "A1", "grant:2:M", MSRV_PAGE_MODIFIED, 2, 0,
      FALSE, 0, TRUE },
    { "shared/upgrade-invalidates-others", "S0 S1", "U0 A1", "inv:1 grant:0:M",
      MSRV_PAGE_MODIFIED, 0, 0, FALSE, 0, TRUE },
    { "shared/put-m-stale", "S0", "P0", "putack:0", MSRV_PAGE_SHARED, 0, 0x1, FALSE, 0, TRUE },
    { "modified/get-s-by-owner", "M0", "S0", "grant:0:M", MSRV_PAGE_MODIFIED, 0, 0, FALSE, 0,
      TRUE },
    { "modified/write-back", "M0", "P0", "putack:0", MSRV_PAGE_UNCACHED, 0, 0, FALSE, 'a', TRUE },
    { "modified/put-m-stale", "M0", "P1", "putack:1", MSRV_PAGE_MODIFIED, 0, 0, FALSE, 0, TRUE },
    { "modified/get-s-recalls", "M0", "S1", "recall:0:down", MSRV_PAGE_MODIFIED, 0, 0, TRUE, 0,
      TRUE },
    { "modified/get-s-recall-done", "M0 S1", "D0", "grant:1:S", MSRV_PAGE_SHARED, 0, 0x3, FALSE,
      'A', TRUE },
    { "modified/get-m-recalls", "M0", "M1 D0", "recall:0:inv grant:1:M", MSRV_PAGE_MODIFIED, 1, 0,
      FALSE, 'A', TRUE },
    { "modified/upgrade-recalls", "M0", "U1 D0", "recall:0:inv grant:1:M", MSRV_PAGE_MODIFIED, 1,
      0, FALSE, 'A', TRUE },
    { "busy/queues-in-order", "S0 S1 M2", "S3 A0 A1 D2",
      "grant:2:M recall:2:down grant:3:S", MSRV_PAGE_SHARED, 0, 0xc, FALSE, 'C', TRUE },
    { "busy/other-page-goes-on", "S0 S1 M2", "BS3", "grantB:3:S", MSRV_PAGE_SHARED, 0, 0x3, TRUE,
      0, TRUE },
    { "busy/put-m-during-recall", "M0 M1", "P0 A0", "putack:0 grant:1:M", MSRV_PAGE_MODIFIED, 1,
      0, FALSE, 'a', TRUE },
    { "ack/nobody-asked", "S0", "A0", "", MSRV_PAGE_SHARED, 0, 0x1, FALSE, 0, FALSE },
    { "ack/wrong-node", "M0 S1", "A1", "", MSRV_PAGE_MODIFIED, 0, 0, TRUE, 0, FALSE },
    { "ack/twice", "S0 S1 M2 A0", "A0", "", MSRV_PAGE_SHARED, 0, 0x2, TRUE, 0, FALSE },
    { "forward/load-at-owner", "M0", "L1 R0", "at:0:load value:1:40", MSRV_PAGE_MODIFIED, 0, 0,
      FALSE, 0, TRUE },
    { "forward/amo-at-owner", "M0", "X1 R0", "at:0:amo value:1:40", MSRV_PAGE_MODIFIED, 0, 0,
      FALSE, 0, TRUE },
    { "forward/busy-until-result", "M0", "X1", "at:0:amo", MSRV_PAGE_MODIFIED, 0, 0, TRUE, 0,
      TRUE },
    { "forward/queued-behind", "M0 X1", "S2 R0 D0", "value:1:40 recall:0:down grant:2:S",
      MSRV_PAGE_SHARED, 0, 0x5, FALSE, 'A', TRUE },
    { "forward/waits-behind-recall", "M0 S2", "L1 D0", "grant:2:S grant:1:S", MSRV_PAGE_SHARED, 0,
      0x7, FALSE, 'A', TRUE },
    { "forward/uncached-grants", "", "L1", "grant:1:S", MSRV_PAGE_SHARED, 0, 0x2, FALSE, 0, TRUE },
    { "forward/shared-invalidates", "S0", "X1 A0", "inv:0 grant:1:M", MSRV_PAGE_MODIFIED, 1, 0,
      FALSE, 0, TRUE },
    { "forward/own-page-grants", "M1", "X1", "grant:1:M", MSRV_PAGE_MODIFIED, 1, 0, FALSE, 0,
      TRUE },
    { "forward/result-nobody-asked", "M0", "R0", "", MSRV_PAGE_MODIFIED, 0, 0, FALSE, 0, FALSE },
    { "forward/result-from-wrong-node", "M0 L1", "R2", "", MSRV_PAGE_MODIFIED, 0, 0, TRUE, 0,
      FALSE },
    { "forward/ack-instead-of-result", "M0 L1", "A0", "", MSRV_PAGE_MODIFIED, 0, 0, TRUE, 0,
      FALSE },
    { "forward/result-during-recall", "M0 S1", "R0", "", MSRV_PAGE_MODIFIED, 0, 0, TRUE, 0,
      FALSE },
};

static void test_case(gconstpointer data)
{
    const Case *c = data;
    g_autofree guint8 *ram = g_malloc0(0x2000);
    Recorder rec = { g_string_new(NULL) };
    g_autoptr(MsrvDir) dir = msrv_dir_new(ram, RAM_BASE, 0x2000, &rec_ops, &rec);
    msrv_dir_set_forwarding(dir, G_MAXUINT64);
    g_assert_true(run_steps(dir, c->setup));
    g_string_truncate(rec.log, 0);
    g_assert_cmpint(run_steps(dir, c->event), ==, c->acks_ok);
    g_assert_cmpstr(rec.log->str, ==, c->messages);

    MsrvPageState state;
    guint owner;
    guint64 sharers;
    gboolean busy;
    msrv_dir_peek(dir, PAGE_A, &state, &owner, &sharers, &busy);
    g_assert_cmpint(state, ==, c->state);
    g_assert_cmpint(busy, ==, c->busy);
    if (state == MSRV_PAGE_MODIFIED)
        g_assert_cmpuint(owner, ==, c->owner);
    if (state == MSRV_PAGE_SHARED)
        g_assert_cmphex(sharers, ==, c->sharers);
    g_assert_cmpint(ram[0], ==, c->ram);
    g_assert_cmpint(ram[4095], ==, c->ram);
    g_assert_cmpint(ram[4096], ==, 0); /* page B untouched by data */
    g_string_free(rec.log, TRUE);
}

static void test_bounds(void)
{
    g_autofree guint8 *ram = g_malloc0(0x2000);
    Recorder rec = { g_string_new(NULL) };
    g_autoptr(MsrvDir) dir = msrv_dir_new(ram, RAM_BASE, 0x2000, &rec_ops, &rec);
    g_autoptr(GError) error = NULL;
    g_assert_true(msrv_dir_has_page(dir, PAGE_B));
    g_assert_false(msrv_dir_has_page(dir, RAM_BASE + 0x2000));
    g_assert_false(msrv_dir_has_page(dir, RAM_BASE - 0x1000));
    g_assert_false(msrv_dir_ack(dir, 0, RAM_BASE + 0x2000, NULL, &error));
    g_assert_error(error, MSRV_DIR_ERROR, 0);
    g_clear_error(&error);
    /* A page of RAM, but nobody asked node 0 for it. */
    g_assert_false(msrv_dir_ack(dir, 0, PAGE_B, NULL, &error));
    g_assert_error(error, MSRV_DIR_ERROR, 0);
    g_string_free(rec.log, TRUE);
}

/* More regions: their pages are the directory's, numbered after RAM's, with
 * their bytes where each region's are; a read-only one is granted Shared
 * and never prefetched. */
static void test_regions(void)
{
    g_autofree guint8 *ram = g_malloc0(0x2000);
    g_autofree guint8 *rom = g_malloc0(0x3000);
    Recorder rec = { g_string_new(NULL) };
    g_autoptr(MsrvDir) dir = msrv_dir_new(ram, RAM_BASE, 0x2000, &rec_ops, &rec);
    msrv_dir_add_region(dir, rom, 0x1000, 0x3000, TRUE);
    g_assert_cmpuint(msrv_dir_n_pages(dir), ==, 5);
    g_assert_true(msrv_dir_has_page(dir, 0x3000));
    g_assert_false(msrv_dir_has_page(dir, 0x4000));
    g_assert_false(msrv_dir_has_page(dir, 0));
    g_assert_true(msrv_dir_read_only(dir, 0x2000));
    g_assert_false(msrv_dir_read_only(dir, PAGE_B));
    g_assert_cmpuint(msrv_dir_page_index(dir, PAGE_B), ==, 1);
    g_assert_cmpuint(msrv_dir_page_index(dir, 0x3000), ==, 4);
    g_assert_true(msrv_dir_page(dir, 0x2000) == rom + 0x1000);
    g_assert_false(msrv_dir_prefetch(dir, 0, 0x2000));
    msrv_dir_request(dir, 0, MSRV_REQ_GET_S, 1000, 0x2000, NULL);
    msrv_dir_request(dir, 1, MSRV_REQ_GET_S, 1001, 0x2000, NULL);
    g_assert_cmpstr(rec.log->str, ==, "grant:0:S grant:1:S");
    MsrvPageState state;
    guint owner;
    guint64 sharers;
    gboolean busy;
    msrv_dir_peek(dir, 0x2000, &state, &owner, &sharers, &busy);
    g_assert_cmpint(state, ==, MSRV_PAGE_SHARED);
    g_assert_cmphex(sharers, ==, 0x3);
    g_string_free(rec.log, TRUE);
}

/* Prefetch takes only pages nobody holds, and makes the node their owner. */
static void test_prefetch(void)
{
    g_autofree guint8 *ram = g_malloc0(0x2000);
    Recorder rec = { g_string_new(NULL) };
    g_autoptr(MsrvDir) dir = msrv_dir_new(ram, RAM_BASE, 0x2000, &rec_ops, &rec);
    MsrvPageState state;
    guint owner;
    guint64 sharers;
    gboolean busy;

    g_assert_true(msrv_dir_prefetch(dir, 1, PAGE_A));
    g_assert_cmpstr(rec.log->str, ==, "prefetch:1:M");
    msrv_dir_peek(dir, PAGE_A, &state, &owner, &sharers, &busy);
    g_assert_cmpint(state, ==, MSRV_PAGE_MODIFIED);
    g_assert_cmpuint(owner, ==, 1);
    g_assert_false(msrv_dir_prefetch(dir, 0, PAGE_A)); /* held by node 1 */
    g_assert_true(run_steps(dir, "BS0"));
    g_assert_false(msrv_dir_prefetch(dir, 1, PAGE_B)); /* shared */
    g_assert_false(msrv_dir_prefetch(dir, 1, RAM_BASE + 0x2000)); /* not RAM */
    g_assert_cmpstr(rec.log->str, ==, "prefetch:1:M grantB:0:S");
    g_string_free(rec.log, TRUE);
}

/* Migratory pages: what the directory sends for @steps with detection on
 * or off, as rec.log. */
static char *migratory_log(gboolean on, const char *steps)
{
    g_autofree guint8 *ram = g_malloc0(0x2000);
    Recorder rec = { g_string_new(NULL) };
    g_autoptr(MsrvDir) dir = msrv_dir_new(ram, RAM_BASE, 0x2000, &rec_ops, &rec);
    msrv_dir_detect_migratory(dir, on);
    g_assert_true(run_steps(dir, steps));
    return g_string_free(rec.log, FALSE);
}

/* Node 0 writes, node 1 reads and then writes: the page migrates. */
#define MIGRATES "M0 S1 D0 U1 A0"
#define MIGRATES_LOG "grant:0:M recall:0:down grant:1:S inv:0 grant:1:M"

static void test_migratory(void)
{
    /* The next read is served as a hand-over: one recall, an M grant. */
    g_autofree char *on = migratory_log(TRUE, MIGRATES " S0 D1");
    g_assert_cmpstr(on, ==, MIGRATES_LOG " recall:1:inv grant:0:M");
    /* Off, or before the pattern was seen: a downgrade and a Shared grant. */
    g_autofree char *off = migratory_log(FALSE, MIGRATES " S0 D1");
    g_assert_cmpstr(off, ==, MIGRATES_LOG " recall:1:down grant:0:S");
    g_autofree char *first = migratory_log(TRUE, "M0 S1 D0");
    g_assert_cmpstr(first, ==, "grant:0:M recall:0:down grant:1:S");
    /* One writer and a reader (producer and consumer): the writer upgrading
     * again says nothing about migration. */
    g_autofree char *producer = migratory_log(TRUE, "M0 S1 D0 U0 A1 S1 D0");
    g_assert_cmpstr(producer, ==,
                    "grant:0:M recall:0:down grant:1:S inv:1 grant:0:M recall:0:down grant:1:S");
    /* A downgrade that got the page back unchanged: its owner did not
     * write, so the reader's upgrade is no migration either. */
    g_autofree char *clean = migratory_log(TRUE, "M0 S1 C0 U1 A0 S0 D1");
    g_assert_cmpstr(clean, ==, MIGRATES_LOG " recall:1:down grant:0:S");
    /* Node 0 was handed the page for a read and gives it back unchanged:
     * it only read, so readers are served Shared again. */
    g_autofree char *reader = migratory_log(TRUE, MIGRATES " S0 D1 S1 C0 S0 D1");
    g_assert_cmpstr(reader, ==,
                    MIGRATES_LOG " recall:1:inv grant:0:M recall:0:inv grant:1:M"
                                 " recall:1:down grant:0:S");
}

/* Forwarding only to the nodes msrv_dir_set_forwarding names: a page the
 * DMA requester (or any other node left out) holds is recalled as usual. */
static void test_forwarding_to(void)
{
    g_autofree guint8 *ram = g_malloc0(0x2000);
    Recorder rec = { g_string_new(NULL) };
    g_autoptr(MsrvDir) dir = msrv_dir_new(ram, RAM_BASE, 0x2000, &rec_ops, &rec);
    g_assert_true(run_steps(dir, "M0 L1 D0"));
    g_assert_cmpstr(rec.log->str, ==, "grant:0:M recall:0:down grant:1:S");
    g_string_truncate(rec.log, 0);
    msrv_dir_set_forwarding(dir, 0x4);
    g_assert_true(run_steps(dir, "BM0 BX1 BD0 BM2 BD1 BX1 BR2"));
    g_assert_cmpstr(rec.log->str, ==,
                    "grantB:0:M recall:0:inv grantB:1:M recall:1:inv grantB:2:M at:2:amo "
                    "value:1:42");
    g_string_free(rec.log, TRUE);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *path = g_strdup_printf("/msrv/dir/%s", cases[i].name);
        g_test_add_data_func(path, &cases[i], test_case);
    }
    g_test_add_func("/msrv/dir/bounds", test_bounds);
    g_test_add_func("/msrv/dir/prefetch", test_prefetch);
    g_test_add_func("/msrv/dir/regions", test_regions);
    g_test_add_func("/msrv/dir/migratory", test_migratory);
    g_test_add_func("/msrv/dir/forwarding-to", test_forwarding_to);
    g_test_add_func("/msrv/dir/doc-table", test_doc_table);
    return g_test_run();
}
