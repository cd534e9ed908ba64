/* SPDX-License-Identifier: MIT */
/* The memory server's side of the bridge's DMA (memory-server/bridge.c) over
 * a real directory: pages no node holds are copied at once, a page a node
 * holds waits for its ack, and the bridge's later answers wait for its
 * unfinished writes (the bridge posts writes). */
#include <stdio.h>
#include <string.h>

#include "memory-server/internal.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE (16 * 4096)
#define PAGE(i) (RAM_BASE + (guint64)(i) * 4096)
#define BRIDGE_PEER 7
#define HART_PEER 3

typedef struct {
    guint8 *ram;
    MsrvDir *dir;
    MsrvDmaNode *dma;
    MsrvBridge *bridge;
    CfgMachine machine;
    GString *log;       /* what went out, space separated */
    GByteArray *read;   /* the data of the last DmaResponse */
} Fixture;

static void note(Fixture *f, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void note(Fixture *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (f->log->len)
        g_string_append_c(f->log, ' ');
    g_string_append_vprintf(f->log, fmt, ap);
    va_end(ap);
}

/* The server's dir_ops: MSRV_DMA_NODE's calls go to the DMA requester, a node's
 * are noted as the messages the server would send. */
static void on_grant(gpointer opaque, guint node, guint64 txid, guint64 page, gboolean modified)
{
    Fixture *f = opaque;
    if (node == MSRV_DMA_NODE)
        msrv_dma_node_dir_grant(f->dma, txid, page, modified);
    else
        note(f, "grant:%u:%c", node, modified ? 'M' : 'S');
}

static void on_invalidate(gpointer opaque, guint node, guint64 page)
{
    Fixture *f = opaque;
    if (node == MSRV_DMA_NODE)
        msrv_dma_node_dir_invalidate(f->dma, page);
    else
        note(f, "inv:%u", node);
}

static void on_recall(gpointer opaque, guint node, guint64 page, gboolean downgrade)
{
    Fixture *f = opaque;
    if (node == MSRV_DMA_NODE)
        msrv_dma_node_dir_recall(f->dma, page);
    else
        note(f, "recall:%u:%s", node, downgrade ? "down" : "inv");
}

static void on_put_ack(gpointer opaque, guint node, guint64 txid, guint64 page)
{
    Fixture *f = opaque;
    if (node != MSRV_DMA_NODE)
        note(f, "put-ack:%u", node);
}

static const MsrvDirOps ops = { on_grant, on_invalidate, on_recall, on_put_ack };

static void on_send(gpointer opaque, guint peer, const IcEnvelope *env)
{
    Fixture *f = opaque;
    switch (env->body_case) {
    case SHOAL__V1__ENVELOPE__BODY_DMA_RESPONSE:
        g_assert_cmpuint(peer, ==, BRIDGE_PEER);
        note(f, "dma:%" G_GUINT64_FORMAT ":%s", env->txid, env->dma_response->ok ? "ok" : "bad");
        g_byte_array_set_size(f->read, 0);
        g_byte_array_append(f->read, env->dma_response->data.data,
                            (guint)env->dma_response->data.len);
        break;
    case SHOAL__V1__ENVELOPE__BODY_MMIO_REQUEST:
        g_assert_cmpuint(peer, ==, BRIDGE_PEER);
        note(f, "fwd:%" G_GUINT64_FORMAT, env->txid);
        break;
    case SHOAL__V1__ENVELOPE__BODY_MMIO_RESPONSE:
        g_assert_cmpuint(peer, ==, HART_PEER);
        note(f, "mmio:%" G_GUINT64_FORMAT "=%" G_GUINT64_FORMAT, env->txid,
             env->mmio_response->data);
        break;
    default:
        g_assert_not_reached();
    }
}

static void setup(Fixture *f, gconstpointer data)
{
    f->ram = g_malloc0(RAM_SIZE);
    for (guint i = 0; i < RAM_SIZE; i++)
        f->ram[i] = (guint8)(i / 4096 + 1); /* page i holds i + 1 */
    f->dir = msrv_dir_new(f->ram, RAM_BASE, RAM_SIZE, &ops, f);
    f->dma = msrv_dma_node_new(f->dir);
    f->bridge = msrv_bridge_new(&f->machine, CFG_HOST_SYSC_BRIDGE, f->dir, f->dma, NULL, on_send,
                                on_send, f);
    f->log = g_string_new(NULL);
    f->read = g_byte_array_new();
    msrv_bridge_hello(f->bridge, BRIDGE_PEER);
}

static void teardown(Fixture *f, gconstpointer data)
{
    msrv_bridge_free(f->bridge);
    msrv_dma_node_free(f->dma);
    msrv_dir_free(f->dir);
    g_free(f->ram);
    g_string_free(f->log, TRUE);
    g_byte_array_unref(f->read);
}

/* What went out since the last call. */
static char *take_log(Fixture *f)
{
    char *s = g_strdup(f->log->str);
    g_string_truncate(f->log, 0);
    return s;
}

#define ASSERT_LOG(f, want)                                                                  \
    do {                                                                                     \
        g_autofree char *got_ = take_log(f);                                                 \
        g_assert_cmpstr(got_, ==, want);                                                     \
    } while (0)

static void dma(Fixture *f, guint64 txid, guint64 addr, gboolean is_write, guint8 *data,
                gsize len)
{
    Shoal__V1__DmaRequest req;
    IcEnvelope env;
    ic_envelope_dma_request(&env, &req, txid, addr, is_write, data, len);
    msrv_bridge_dma(f->bridge, &env);
    msrv_dma_node_run_deferred(f->dma);
}

/* A hart's access relayed to the bridge; returns the server's txid for it. */
static guint64 forward_access(Fixture *f, guint64 hart_txid)
{
    Shoal__V1__MmioRequest req = SHOAL__V1__MMIO_REQUEST__INIT;
    req.addr = 0x10011018;
    req.size = 4;
    IcEnvelope env = SHOAL__V1__ENVELOPE__INIT;
    env.txid = hart_txid;
    env.body_case = SHOAL__V1__ENVELOPE__BODY_MMIO_REQUEST;
    env.mmio_request = &req;
    msrv_bridge_mmio(f->bridge, HART_PEER, &env);
    g_autofree char *log = take_log(f);
    guint64 txid = 0;
    g_assert_cmpint(sscanf(log, "fwd:%" G_GUINT64_FORMAT, &txid), ==, 1);
    return txid;
}

static void answer_access(Fixture *f, guint64 txid, guint64 value)
{
    Shoal__V1__MmioResponse resp = SHOAL__V1__MMIO_RESPONSE__INIT;
    resp.ok = TRUE;
    resp.data = value;
    IcEnvelope env = SHOAL__V1__ENVELOPE__INIT;
    env.txid = txid;
    env.body_case = SHOAL__V1__ENVELOPE__BODY_MMIO_RESPONSE;
    env.mmio_response = &resp;
    g_autoptr(GError) error = NULL;
    g_assert_true(msrv_bridge_mmio_response(f->bridge, &env, &error));
    g_assert_no_error(error);
}

static void ack(Fixture *f, guint node, guint64 page, const guint8 *data)
{
    g_autoptr(GError) error = NULL;
    g_assert_true(msrv_dir_ack(f->dir, node, page, data, &error));
    g_assert_no_error(error);
    msrv_dma_node_run_deferred(f->dma);
}

static void assert_entry(Fixture *f, guint64 page, MsrvPageState want_state, guint64 want_sharers)
{
    MsrvPageState state;
    guint owner;
    guint64 sharers;
    gboolean busy;
    msrv_dir_peek(f->dir, page, &state, &owner, &sharers, &busy);
    g_assert_cmpint(state, ==, want_state);
    g_assert_cmpuint(sharers, ==, want_sharers);
    g_assert_false(busy);
}

/* Pages nobody holds: answered at once, the entries untouched (the DMA
 * node joins no sharer set). */
static void test_direct(Fixture *f, gconstpointer data)
{
    dma(f, 1, PAGE(1) + 100, FALSE, NULL, 2 * 4096);
    ASSERT_LOG(f, "dma:1:ok");
    g_assert_cmpuint(f->read->len, ==, 2 * 4096);
    g_assert_cmpuint(f->read->data[0], ==, 2);
    g_assert_cmpuint(f->read->data[2 * 4096 - 1], ==, 4);
    guint8 bytes[300];
    memset(bytes, 0xab, sizeof bytes);
    dma(f, 2, PAGE(3) + 4000, TRUE, bytes, sizeof bytes);
    ASSERT_LOG(f, "dma:2:ok");
    g_assert_cmpuint(f->ram[3 * 4096 + 3999], ==, 4);
    g_assert_cmpuint(f->ram[3 * 4096 + 4000], ==, 0xab);
    g_assert_cmpuint(f->ram[4 * 4096 + 299 - 96], ==, 0xab);
    g_assert_cmpuint(f->ram[4 * 4096 + 300 - 96], ==, 5);
    for (guint i = 1; i <= 4; i++)
        assert_entry(f, PAGE(i), MSRV_PAGE_UNCACHED, 0);
    dma(f, 3, PAGE(15) + 4095, FALSE, NULL, 2);
    ASSERT_LOG(f, "dma:3:bad");
}

/* A write to a page a node owns waits for the node's ack, and the bridge's
 * answer to an access that came after the write waits for the write. */
static void test_write_waits(Fixture *f, gconstpointer data)
{
    msrv_dir_request(f->dir, 0, MSRV_REQ_GET_M, 1000, PAGE(2), NULL);
    ASSERT_LOG(f, "grant:0:M");
    guint64 before = forward_access(f, 41);
    guint64 after = forward_access(f, 42);
    answer_access(f, before, 5); /* before the write: goes at once */
    ASSERT_LOG(f, "mmio:41=5");
    guint8 bytes[2 * 4096];
    memset(bytes, 0xcd, sizeof bytes);
    dma(f, 7, PAGE(1), TRUE, bytes, sizeof bytes); /* page 1 direct, page 2 held */
    ASSERT_LOG(f, "recall:0:inv");
    g_assert_cmpuint(f->ram[4096], ==, 0xcd);
    g_assert_cmpuint(f->ram[2 * 4096], ==, 3);
    answer_access(f, after, 6);
    ASSERT_LOG(f, "");
    guint8 owner_data[4096];
    memset(owner_data, 0x77, sizeof owner_data);
    ack(f, 0, PAGE(2), owner_data);
    ASSERT_LOG(f, "dma:7:ok mmio:42=6");
    g_assert_cmpuint(f->ram[2 * 4096], ==, 0xcd);
    g_assert_cmpuint(f->ram[3 * 4096 - 1], ==, 0xcd);
    assert_entry(f, PAGE(2), MSRV_PAGE_UNCACHED, 0);
    /* Nothing pending: the next answer goes at once. */
    answer_access(f, forward_access(f, 43), 8);
    ASSERT_LOG(f, "mmio:43=8");
}

/* A read of a page a node holds Modified gets the node's data (the
 * recall's), and the node keeps a Shared copy. */
static void test_read_recalls(Fixture *f, gconstpointer data)
{
    msrv_dir_request(f->dir, 1, MSRV_REQ_GET_M, 1001, PAGE(5), NULL);
    ASSERT_LOG(f, "grant:1:M");
    dma(f, 9, PAGE(5) + 10, FALSE, NULL, 20);
    ASSERT_LOG(f, "recall:1:down");
    guint8 owner_data[4096];
    memset(owner_data, 0x5a, sizeof owner_data);
    ack(f, 1, PAGE(5), owner_data);
    ASSERT_LOG(f, "dma:9:ok");
    g_assert_cmpuint(f->read->len, ==, 20);
    g_assert_cmpuint(f->read->data[0], ==, 0x5a);
    g_assert_cmpuint(f->read->data[19], ==, 0x5a);
}

/* Two writes to one held page and a read behind them: the directory keeps
 * their order, the last write's bytes win, the read sees them. */
static void test_writes_in_order(Fixture *f, gconstpointer data)
{
    msrv_dir_request(f->dir, 0, MSRV_REQ_GET_S, 1000, PAGE(6), NULL);
    ASSERT_LOG(f, "grant:0:S");
    guint8 one[8], two[8];
    memset(one, 1, sizeof one);
    memset(two, 2, sizeof two);
    dma(f, 20, PAGE(6), TRUE, one, sizeof one);
    ASSERT_LOG(f, "inv:0");
    dma(f, 21, PAGE(6), TRUE, two, sizeof two);
    dma(f, 22, PAGE(6), FALSE, NULL, 8);
    ASSERT_LOG(f, "");
    ack(f, 0, PAGE(6), NULL);
    ASSERT_LOG(f, "dma:20:ok dma:21:ok dma:22:ok");
    g_assert_cmpuint(f->read->data[0], ==, 2);
    g_assert_cmpuint(f->ram[6 * 4096 + 7], ==, 2);
    /* The read was granted M (the DMA node owned the page): given back. */
    assert_entry(f, PAGE(6), MSRV_PAGE_UNCACHED, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add("/msrv/bridge/dma-direct", Fixture, NULL, setup, test_direct, teardown);
    g_test_add("/msrv/bridge/write-waits", Fixture, NULL, setup, test_write_waits, teardown);
    g_test_add("/msrv/bridge/read-recalls", Fixture, NULL, setup, test_read_recalls, teardown);
    g_test_add("/msrv/bridge/writes-in-order", Fixture, NULL, setup, test_writes_in_order,
               teardown);
    return g_test_run();
}
