/* SPDX-License-Identifier: MIT */
/* The interconnect: the one validation of received frames (tables of good
 * and bad messages, then fuzzing with garbage, truncated, bit-flipped and
 * oversized frames), the address map, and real sockets in a private run
 * directory: server/client Hello, malformed frames on the wire, the console
 * client, and noticing that the server went away. */
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <string.h>
#include <unistd.h>

#include "interconnect/internal.h"

/* ---- helpers ---- */

static CfgDevice devices[] = {
    { "uart0", CFG_DEVICE_NS16550, 0x10000000, 0x100, 10 },
    { "test", CFG_DEVICE_SIFIVE_TEST, 0x100000, 0x1000, -1 },
    { "clint", CFG_DEVICE_CLINT, 0x2000000, 0x10000, -1 },
};
static CfgNode nodes[] = { { 0, 0, 1 } };
static CfgMemory memories[] = {
    { "memory", "RAM", CFG_MEMORY_RAM, 0x80000000, 128 << 20, NULL, 0 },
    { "memory.rom", "[memory.rom]", CFG_MEMORY_ROM, 0x1000, 0x1000, NULL, 32768 },
};

static CfgMachine test_machine(void)
{
    return (CfgMachine){
        .path = "test.conf", .name = "test", .ram_base = 0x80000000, .ram_size = 128 << 20,
        .accel = "interp", .code_buffer = 1 << 20, .timebase_hz = 10000000, .n_nodes = 1,
        .nodes = nodes, .n_harts = 1, .n_devices = G_N_ELEMENTS(devices), .devices = devices,
        .n_memories = G_N_ELEMENTS(memories), .memories = memories,
    };
}

static GBytes *pack(IcEnvelope *env)
{
    return ic_envelope_pack(env);
}

/* ---- validation tables ---- */

static guint8 page_data[8192];

static void b_get_s(IcEnvelope *env, guint64 page)
{
    static Shoal__V1__GetS m;
    m = (Shoal__V1__GetS)SHOAL__V1__GET_S__INIT;
    m.page = page;
    env->body_case = SHOAL__V1__ENVELOPE__BODY_GET_S;
    env->get_s = &m;
}

static void b_grant(IcEnvelope *env, int state, gsize len)
{
    static Shoal__V1__PageGrant m;
    m = (Shoal__V1__PageGrant)SHOAL__V1__PAGE_GRANT__INIT;
    m.page = 0x80001000;
    m.state = state;
    m.data.data = page_data;
    m.data.len = len;
    env->body_case = SHOAL__V1__ENVELOPE__BODY_PAGE_GRANT;
    env->page_grant = &m;
}

static void b_mmio(IcEnvelope *env, guint64 addr, guint size, gboolean write, guint64 data)
{
    static Shoal__V1__MmioRequest m;
    m = (Shoal__V1__MmioRequest)SHOAL__V1__MMIO_REQUEST__INIT;
    m.addr = addr;
    m.size = size;
    m.is_write = write;
    m.data = data;
    env->body_case = SHOAL__V1__ENVELOPE__BODY_MMIO_REQUEST;
    env->mmio_request = &m;
}

static void b_hello(IcEnvelope *env, int role, guint first, guint n)
{
    static Shoal__V1__Hello m;
    m = (Shoal__V1__Hello)SHOAL__V1__HELLO__INIT;
    m.version = IC_PROTOCOL_VERSION;
    m.role = role;
    m.first_hart = first;
    m.n_harts = n;
    env->body_case = SHOAL__V1__ENVELOPE__BODY_HELLO;
    env->hello = &m;
}

static void b_recall(IcEnvelope *env, int kind)
{
    static Shoal__V1__Recall m;
    m = (Shoal__V1__Recall)SHOAL__V1__RECALL__INIT;
    m.page = 0x80000000;
    m.kind = kind;
    env->body_case = SHOAL__V1__ENVELOPE__BODY_RECALL;
    env->recall = &m;
}

static void b_ack(IcEnvelope *env, gsize len)
{
    static Shoal__V1__PageAck m;
    m = (Shoal__V1__PageAck)SHOAL__V1__PAGE_ACK__INIT;
    m.page = 0x80000000;
    m.data.data = page_data;
    m.data.len = len;
    env->body_case = SHOAL__V1__ENVELOPE__BODY_PAGE_ACK;
    env->page_ack = &m;
}

static void b_put(IcEnvelope *env, gsize len)
{
    static Shoal__V1__PutM m;
    m = (Shoal__V1__PutM)SHOAL__V1__PUT_M__INIT;
    m.page = 0x80000000;
    m.data.data = page_data;
    m.data.len = len;
    env->body_case = SHOAL__V1__ENVELOPE__BODY_PUT_M;
    env->put_m = &m;
}

static void b_irq(IcEnvelope *env, guint line, guint hart)
{
    static Shoal__V1__IrqLine m;
    m = (Shoal__V1__IrqLine)SHOAL__V1__IRQ_LINE__INIT;
    m.line = line;
    m.hart = hart;
    m.level = TRUE;
    env->body_case = SHOAL__V1__ENVELOPE__BODY_IRQ_LINE;
    env->irq_line = &m;
}

static void b_console(IcEnvelope *env, gsize len)
{
    static Shoal__V1__ConsoleBytes m;
    static guint8 big[IC_MAX_CONSOLE_BYTES + 1];
    m = (Shoal__V1__ConsoleBytes)SHOAL__V1__CONSOLE_BYTES__INIT;
    m.data.data = big;
    m.data.len = len;
    env->body_case = SHOAL__V1__ENVELOPE__BODY_CONSOLE_BYTES;
    env->console_bytes = &m;
}

/* A GetM (@at: an AccessAt) for an access of @op and @size at @addr in page
 * 0x80000000. */
static void b_access(IcEnvelope *env, gboolean at, guint64 addr, guint size, int op)
{
    static Shoal__V1__Access a;
    static Shoal__V1__GetM m;
    static Shoal__V1__AccessAt x;
    a = (Shoal__V1__Access)SHOAL__V1__ACCESS__INIT;
    a.addr = addr;
    a.size = size;
    a.op = op;
    if (at) {
        x = (Shoal__V1__AccessAt)SHOAL__V1__ACCESS_AT__INIT;
        x.page = 0x80000000;
        x.access = op < 0 ? NULL : &a;
        env->body_case = SHOAL__V1__ENVELOPE__BODY_ACCESS_AT;
        env->access_at = &x;
        return;
    }
    m = (Shoal__V1__GetM)SHOAL__V1__GET_M__INIT;
    m.page = 0x80000000;
    m.reply_here = TRUE;
    m.access = &a;
    env->body_case = SHOAL__V1__ENVELOPE__BODY_GET_M;
    env->get_m = &m;
}

enum { S = SHOAL__V1__PAGE_STATE__PAGE_STATE_SHARED, M = SHOAL__V1__PAGE_STATE__PAGE_STATE_MODIFIED,
       NODE = SHOAL__V1__ROLE__ROLE_NODE, CONSOLE = SHOAL__V1__ROLE__ROLE_CONSOLE,
       DOWN = SHOAL__V1__RECALL_KIND__RECALL_KIND_DOWNGRADE };

typedef struct {
    const char *name;
    int which;          /* builder selector, see build() */
    guint64 a, b, c, d; /* its arguments */
    const char *error;  /* NULL: valid; else a fragment of the message */
} Check;

static const Check checks[] = {
    { "get-s", 0, 0x80000000, 0, 0, 0, NULL },
    { "get-s-unaligned", 0, 0x80000008, 0, 0, 0, "not 4 KiB aligned" },
    { "grant-s", 1, S, 4096, 0, 0, NULL },
    { "grant-m", 1, M, 4096, 0, 0, NULL },
    { "grant-short", 1, S, 4095, 0, 0, "not 4096 bytes" },
    { "grant-long", 1, M, 4097, 0, 0, "not 4096 bytes" },
    { "grant-empty", 1, M, 0, 0, 0, "not 4096 bytes" },
    { "grant-invalid-state", 1, 0, 4096, 0, 0, "neither S nor M" },
    { "grant-unknown-state", 1, 7, 4096, 0, 0, "neither S nor M" },
    { "mmio-1", 2, 0x10000005, 1, 1, 0x41, NULL },
    { "mmio-8", 2, 0x2004000, 8, 1, ~0ull, NULL },
    { "mmio-size-3", 2, 0x10000000, 3, 0, 0, "size not 1, 2, 4 or 8" },
    { "mmio-size-16", 2, 0x10000000, 16, 0, 0, "size not 1, 2, 4 or 8" },
    { "mmio-misaligned", 2, 0x10000002, 4, 0, 0, "not aligned" },
    { "mmio-wide-data", 2, 0x10000000, 1, 1, 0x141, "wider than its size" },
    { "hello-node", 3, NODE, 0, 4, 0, NULL },
    { "hello-console", 3, CONSOLE, 0, 0, 0, NULL },
    { "hello-no-role", 3, 0, 0, 1, 0, "unknown role" },
    { "hello-no-harts", 3, NODE, 0, 0, 0, "hart range" },
    { "hello-hart-overflow", 3, NODE, 0xffffffff, 2, 0, "hart range" },
    { "recall-downgrade", 4, DOWN, 0, 0, 0, NULL },
    { "recall-unspecified", 4, 0, 0, 0, 0, "unknown recall kind" },
    { "ack-empty", 5, 0, 0, 0, 0, NULL },
    { "ack-data", 5, 4096, 0, 0, 0, NULL },
    { "ack-partial", 5, 100, 0, 0, 0, "neither empty nor 4096" },
    { "put-m", 6, 4096, 0, 0, 0, NULL },
    { "put-m-no-data", 6, 0, 0, 0, 0, "not 4096 bytes" },
    { "irq", 7, 11, 3, 0, 0, NULL },
    { "irq-line-64", 7, 64, 0, 0, 0, "line >= 64" },
    { "irq-hart", 7, 3, 1u << 20, 0, 0, "hart out of bounds" },
    { "console", 8, IC_MAX_CONSOLE_BYTES, 0, 0, 0, NULL },
    { "console-too-big", 8, IC_MAX_CONSOLE_BYTES + 1, 0, 0, 0, "more console bytes" },
    { "get-m-amo", 10, 0, 0x80000ff8, 8, 1, NULL },
    { "get-m-load-misaligned", 10, 0, 0x80000ffb, 4, 0, NULL },
    { "get-m-load-next-page", 10, 0, 0x80000ffd, 4, 0, "outside its page" },
    { "get-m-other-page", 10, 0, 0x80001000, 1, 0, "outside its page" },
    { "get-m-amo-misaligned", 10, 0, 0x80000004, 8, 2, "not naturally aligned" },
    { "get-m-amo-byte", 10, 0, 0x80000004, 1, 2, "4 or 8 for an AMO" },
    { "get-m-load-3", 10, 0, 0x80000004, 3, 0, "access size" },
    { "get-m-unknown-op", 10, 0, 0x80000008, 8, 10, "unknown access op" },
    { "get-m-negative-op", 10, 0, 0x80000008, 8, ~0ull, "unknown access op" },
    { "access-at", 10, 1, 0x80000010, 4, 5, NULL },
    { "access-at-no-access", 10, 1, 0x80000010, 4, -1, "no access" },
    { "access-at-outside", 10, 1, 0x7ffffff8, 8, 1, "outside its page" },
    { "no-body", 9, 0, 0, 0, 0, "no body" }, /* last: test_body_name */
};

static void build(const Check *c, IcEnvelope *env)
{
    *env = (IcEnvelope)SHOAL__V1__ENVELOPE__INIT;
    env->txid = 77;
    switch (c->which) {
    case 0: b_get_s(env, c->a); break;
    case 1: b_grant(env, (int)c->a, c->b); break;
    case 2: b_mmio(env, c->a, (guint)c->b, (gboolean)c->c, c->d); break;
    case 3: b_hello(env, (int)c->a, (guint)c->b, (guint)c->c); break;
    case 4: b_recall(env, (int)c->a); break;
    case 5: b_ack(env, c->a); break;
    case 6: b_put(env, c->a); break;
    case 7: b_irq(env, (guint)c->a, (guint)c->b); break;
    case 8: b_console(env, c->a); break;
    case 9: break;
    case 10: b_access(env, (gboolean)c->a, c->b, (guint)c->c, (int)c->d); break;
    default: g_assert_not_reached();
    }
}

static void test_check(gconstpointer data)
{
    const Check *c = data;
    IcEnvelope env;
    build(c, &env);
    g_autoptr(GBytes) bytes = pack(&env);
    g_autoptr(GError) error = NULL;
    gsize len;
    const guint8 *p = g_bytes_get_data(bytes, &len);
    g_autoptr(IcEnvelope) got = ic_envelope_unpack(p, len, "peer 9 (node 4)", &error);
    if (!c->error) {
        g_assert_no_error(error);
        g_assert_nonnull(got);
        g_assert_cmpuint(got->txid, ==, 77);
        g_assert_cmpint(got->body_case, ==, env.body_case);
        return;
    }
    g_assert_null(got);
    g_assert_error(error, IC_ERROR, IC_ERROR_MALFORMED);
    g_assert_nonnull(strstr(error->message, "peer 9 (node 4)"));
    if (!strstr(error->message, c->error))
        g_error("message \"%s\" lacks \"%s\"", error->message, c->error);
}

/* ---- fuzzing ---- */

static void try_frame(const guint8 *p, gsize len)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(IcEnvelope) env = ic_envelope_unpack(p, len, "fuzz", &error);
    g_assert((env == NULL) == (error != NULL));
    if (!env)
        return;
    /* Whatever got through must pass the checks again after a round trip. */
    g_autoptr(GBytes) again = pack(env);
    g_autoptr(GError) error2 = NULL;
    g_autoptr(IcEnvelope) env2 = ic_envelope_unpack(g_bytes_get_data(again, NULL),
                                                    g_bytes_get_size(again), "fuzz", &error2);
    g_assert_no_error(error2);
    g_assert_cmpint(env2->body_case, ==, env->body_case);
}

static void test_fuzz(void)
{
    guint8 buf[5000];
    /* Pure garbage. */
    for (guint i = 0; i < 20000; i++) {
        gsize len = (gsize)g_test_rand_int_range(0, 64);
        for (gsize k = 0; k < len; k++)
            buf[k] = (guint8)g_test_rand_int_range(0, 256);
        try_frame(buf, len);
    }
    /* Truncated and bit-flipped versions of every table entry. */
    for (guint i = 0; i < G_N_ELEMENTS(checks); i++) {
        IcEnvelope env;
        build(&checks[i], &env);
        g_autoptr(GBytes) bytes = pack(&env);
        gsize len;
        const guint8 *p = g_bytes_get_data(bytes, &len);
        g_autofree guint8 *copy = g_memdup2(p, len);
        for (gsize cut = 0; cut < len; cut += 1 + cut / 16)
            try_frame(p, cut);
        for (guint k = 0; k < 300; k++) {
            gsize at = (gsize)g_test_rand_int_range(0, (gint32)MAX(len, 1));
            guint8 bit = (guint8)(1u << g_test_rand_int_range(0, 8));
            if (len) {
                copy[at] ^= bit;
                try_frame(copy, len);
                copy[at] ^= bit;
            }
        }
    }
}

/* Fields shoal.v1 does not define are refused, in the envelope and in its
 * body: among them field 0 behind an overlong tag, which protoc-c keeps
 * but refuses once written the short way (libFuzzer's first find). */
static void test_unknown_fields(void)
{
    static const guint8 field0[] = { 0x82, 0x00, 0x01, 0x00, 0x8a, 0x01, 0x00 };
    /* txid 1, then field 99 (varint 5) */
    static const guint8 in_envelope[] = { 0x08, 0x01, 0x98, 0x06, 0x05 };
    /* GetS {page 0, field 9 = 1}: body field 12, 2 bytes */
    static const guint8 in_body[] = { 0x62, 0x02, 0x48, 0x01 };
    /* NodeState {harts: [HartState {field 0}]}: a message inside the body */
    static const guint8 in_nested[] = { 0x08, 0x01, 0x92, 0x05, 0x05, 0x12, 0x03, 0x82, 0x00,
                                        0x00 };
    const struct {
        const guint8 *bytes;
        gsize len;
    } cases[] = { { field0, sizeof field0 }, { in_envelope, sizeof in_envelope },
                  { in_body, sizeof in_body }, { in_nested, sizeof in_nested } };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = NULL;
        g_assert_null(ic_envelope_unpack(cases[i].bytes, cases[i].len, "peer 3", &error));
        g_assert_error(error, IC_ERROR, IC_ERROR_MALFORMED);
        g_assert_nonnull(strstr(error->message, "does not define"));
    }
}

static void test_oversized(void)
{
    gsize len = IC_MAX_FRAME + 1;
    g_autofree guint8 *big = g_malloc0(len);
    g_autoptr(GError) error = NULL;
    g_assert_null(ic_envelope_unpack(big, len, "peer 1", &error));
    g_assert_error(error, IC_ERROR, IC_ERROR_MALFORMED);
    g_assert_nonnull(strstr(error->message, "exceeds"));
}

static void test_body_name(void)
{
    IcEnvelope env;
    build(&checks[0], &env);
    g_assert_cmpstr(ic_envelope_body_name(&env), ==, "get_s");
    build(&checks[G_N_ELEMENTS(checks) - 1], &env);
    g_assert_cmpstr(ic_envelope_body_name(&env), ==, "(none)");
}

/* ---- address map ---- */

static void test_addr_map(void)
{
    CfgMachine m = test_machine();
    g_autoptr(GError) error = NULL;
    g_autoptr(IcAddrMap) map = ic_addr_map_new(&m, &error);
    g_assert_no_error(error);
    static const struct {
        guint64 addr;
        int owner; /* -1: nothing */
        const char *device;
    } cases[] = {
        { 0x0, -1, NULL },
        { 0x1000, IC_OWNER_RAM, NULL },
        { 0x1fff, IC_OWNER_RAM, NULL },
        { 0x2000, -1, NULL },
        { 0xfffff, -1, NULL },
        { 0x100000, IC_OWNER_MSRV_DEVICE, "test" },
        { 0x100fff, IC_OWNER_MSRV_DEVICE, "test" },
        { 0x101000, -1, NULL },
        { 0x2000000, IC_OWNER_NODE_LOCAL, "clint" },
        { 0x200bff8, IC_OWNER_NODE_LOCAL, "clint" },
        { 0x10000000, IC_OWNER_MSRV_DEVICE, "uart0" },
        { 0x100000ff, IC_OWNER_MSRV_DEVICE, "uart0" },
        { 0x10000100, -1, NULL },
        { 0x7fffffff, -1, NULL },
        { 0x80000000, IC_OWNER_RAM, NULL },
        { 0x87ffffff, IC_OWNER_RAM, NULL },
        { 0x88000000, -1, NULL },
        { G_MAXUINT64, -1, NULL },
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        const IcRegion *r = ic_addr_map_lookup(map, cases[i].addr);
        if (cases[i].owner < 0) {
            g_assert_null(r);
            continue;
        }
        g_assert_nonnull(r);
        g_assert_cmpint(r->owner, ==, cases[i].owner);
        g_assert_cmpstr(r->device ? r->device->name : NULL, ==, cases[i].device);
        /* memory: the region it is in, which says what kind */
        if (r->owner == IC_OWNER_RAM)
            g_assert_true(r->memory == &memories[cases[i].addr < 0x80000000 ? 1 : 0]);
        else
            g_assert_null(r->memory);
    }
}

/* Which device accesses skip the round trip: UART byte writes to its eight
 * registers are posted, its status reads come back straight or from the
 * node's copy; nothing else. */
static void test_addr_map_fast_paths(void)
{
    CfgMachine m = test_machine();
    g_autoptr(GError) error = NULL;
    g_autoptr(IcAddrMap) map = ic_addr_map_new(&m, &error);
    g_assert_no_error(error);
    const IcRegion *uart = ic_addr_map_lookup(map, 0x10000000);
    const IcRegion *test = ic_addr_map_lookup(map, 0x100000);
    const IcRegion *ram = ic_addr_map_lookup(map, 0x80000000);
    g_assert_true(ic_region_write_posted(uart, 0x10000000, 1));
    g_assert_false(ic_region_write_posted(uart, 0x10000001, 1)); /* IER: ordered across harts */
    g_assert_false(ic_region_write_posted(uart, 0x10000007, 1));
    g_assert_false(ic_region_write_posted(uart, 0x10000008, 1)); /* faults: not posted */
    g_assert_false(ic_region_write_posted(uart, 0x10000000, 4));
    g_assert_false(ic_region_write_posted(test, 0x100000, 4));   /* it ends the run */
    g_assert_false(ic_region_write_posted(ram, 0x80000000, 1));
    g_assert_false(ic_region_read_pure(uart, 0x10000000, 1));    /* RBR pops the FIFO */
    g_assert_false(ic_region_read_pure(uart, 0x10000002, 1));    /* IIR acks THR empty */
    g_assert_true(ic_region_read_pure(uart, 0x10000005, 1));
    g_assert_false(ic_region_read_pure(test, 0x100000, 4));
    g_assert_true(ic_region_read_mirrored(uart, 0x10000005, 1));
    g_assert_false(ic_region_read_mirrored(uart, 0x10000006, 1));
    g_assert_false(ic_region_read_mirrored(uart, 0x10000005, 4));
}

static void test_addr_map_overlap(void)
{
    CfgDevice bad[] = { { "uart0", CFG_DEVICE_NS16550, 0x87fff000, 0x2000, -1 } };
    CfgMachine m = test_machine();
    m.devices = bad;
    m.n_devices = 1;
    g_autoptr(GError) error = NULL;
    g_assert_null(ic_addr_map_new(&m, &error));
    g_assert_nonnull(error);
    g_assert_nonnull(strstr(error->message, "overlaps"));
    g_clear_error(&error);
    CfgDevice wrap[] = { { "w", CFG_DEVICE_NS16550, G_MAXUINT64 - 0xf, 0x100, -1 } };
    m.devices = wrap;
    g_assert_null(ic_addr_map_new(&m, &error));
    g_assert_nonnull(strstr(error->message, "wraps"));
}

/* ---- real sockets ---- */

static char *make_run_dir(void)
{
    g_autoptr(GError) error = NULL;
    char *dir = g_dir_make_tmp("shoal-test-ic-XXXXXX", &error);
    g_assert_no_error(error);
    return dir;
}

/* A server on direct links in @dir for @m (with rings if @rings). */
static IcServer *direct_server(CfgMachine *m, const char *dir, gboolean rings)
{
    m->msrv_direct = TRUE;
    m->msrv_rings = rings;
    g_autoptr(GError) error = NULL;
    IcServer *s = ic_server_new(m, dir, &error);
    g_assert_no_error(error);
    return s;
}

static IcEnvelope *server_wait(IcServer *s, IcPeer *peer, GError **error)
{
    gint64 end = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
    while (g_get_monotonic_time() < end) {
        IcEnvelope *env = NULL;
        if (!ic_server_recv(s, 100, peer, &env, error))
            return NULL;
        if (env)
            return env;
    }
    g_error("no message within 5 s");
}

static void reply_hello(IcServer *s, IcPeer peer, const IcEnvelope *hello)
{
    Shoal__V1__HelloAck ack = SHOAL__V1__HELLO_ACK__INIT;
    ack.version = IC_PROTOCOL_VERSION;
    ack.ram_base = 0x80000000;
    ack.ram_size = 0x1000;
    ack.timebase_hz = 1;
    IcEnvelope env = SHOAL__V1__ENVELOPE__INIT;
    env.txid = hello->txid;
    env.body_case = SHOAL__V1__ENVELOPE__BODY_HELLO_ACK;
    env.hello_ack = &ack;
    g_assert_true(ic_server_send(s, peer, &env, NULL));
}

typedef struct {
    IcServer *server;
    char *input; /* console input the server received */
} ConsoleServer;

static gpointer console_server(gpointer data)
{
    ConsoleServer *cs = data;
    IcPeer peer;
    g_autoptr(IcEnvelope) hello = server_wait(cs->server, &peer, NULL);
    g_assert_cmpint(hello->body_case, ==, SHOAL__V1__ENVELOPE__BODY_HELLO);
    g_assert_cmpint(hello->hello->role, ==, SHOAL__V1__ROLE__ROLE_CONSOLE);
    reply_hello(cs->server, peer, hello);

    Shoal__V1__ConsoleBytes out = SHOAL__V1__CONSOLE_BYTES__INIT;
    out.data.data = (guint8 *)"guest says hi";
    out.data.len = 13;
    IcEnvelope env = SHOAL__V1__ENVELOPE__INIT;
    env.body_case = SHOAL__V1__ENVELOPE__BODY_CONSOLE_BYTES;
    env.console_bytes = &out;
    g_assert_true(ic_server_send(cs->server, peer, &env, NULL));
    Shoal__V1__Shutdown sd = SHOAL__V1__SHUTDOWN__INIT;
    sd.exit_code = 3;
    sd.reason = "test over";
    env.body_case = SHOAL__V1__ENVELOPE__BODY_SHUTDOWN;
    env.shutdown = &sd;
    g_assert_true(ic_server_send(cs->server, peer, &env, NULL));

    /* The console echoes Shutdown once it has everything sent before it. */
    g_autoptr(IcEnvelope) echo = server_wait(cs->server, &peer, NULL);
    g_assert_cmpint(echo->body_case, ==, SHOAL__V1__ENVELOPE__BODY_SHUTDOWN);
    g_assert_cmpint(echo->shutdown->exit_code, ==, 3);
    g_autoptr(IcEnvelope) in = server_wait(cs->server, &peer, NULL);
    g_assert_cmpint(in->body_case, ==, SHOAL__V1__ENVELOPE__BODY_CONSOLE_BYTES);
    cs->input = g_strndup((const char *)in->console_bytes->data.data, in->console_bytes->data.len);
    return NULL;
}

/* The machine's secret on disk: made fresh, never over a key without being
 * asked, refused when others may read it or it is not one. */
static void test_secret(void)
{
    g_autofree char *dir = make_run_dir();
    g_autofree char *path = g_build_filename(dir, "key", NULL);
    g_autoptr(GError) error = NULL;
    g_assert_true(ic_secret_write_new(path, FALSE, &error));
    g_autoptr(GBytes) first = ic_secret_read(path, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(g_bytes_get_size(first), ==, IC_SECRET_LEN);
    GStatBuf st;
    g_assert_cmpint(g_stat(path, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 0777, ==, 0600);

    g_assert_false(ic_secret_write_new(path, FALSE, &error)); /* keygen over a key */
    g_assert_error(error, IC_ERROR, IC_ERROR_SECRET);
    g_clear_error(&error);
    g_assert_true(ic_secret_write_new(path, TRUE, &error));   /* a new run's */
    g_autoptr(GBytes) second = ic_secret_read(path, &error);
    g_assert_false(g_bytes_equal(first, second));
    g_assert_true(ic_secret_matches(second, g_bytes_get_data(second, NULL), IC_SECRET_LEN));
    g_assert_false(ic_secret_matches(second, g_bytes_get_data(first, NULL), IC_SECRET_LEN));
    g_assert_false(ic_secret_matches(second, g_bytes_get_data(second, NULL), IC_SECRET_LEN - 1));
    g_assert_false(ic_secret_matches(second, NULL, 0));

    g_assert_cmpint(g_chmod(path, 0644), ==, 0);
    g_assert_null(ic_secret_read(path, &error));
    g_assert_nonnull(strstr(error->message, "chmod 600"));
    g_clear_error(&error);
    g_assert_cmpint(g_chmod(path, 0600), ==, 0);
    static const char *const bad[] = { "", "0123", "zz", "00112233445566778899aabbccddeeff" };
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_assert_true(g_file_set_contents_full(path, bad[i], -1,
                                               G_FILE_SET_CONTENTS_CONSISTENT, 0600, NULL));
        g_assert_null(ic_secret_read(path, &error));
        g_assert_nonnull(strstr(error->message, "not a shoal key"));
        g_clear_error(&error);
    }
    g_unlink(path);
    g_assert_null(ic_secret_read(path, &error));
    g_assert_error(error, IC_ERROR, IC_ERROR_SECRET);
    g_rmdir(dir);
}

/* Key pairs on disk: a pair and its .pub made together, never over a key,
 * refused when others may read the pair or its halves do not belong
 * together; authorized-keys takes names and comment lines, and says which
 * line is not a key. */
static void test_keypair(void)
{
    g_autofree char *dir = make_run_dir();
    g_autofree char *path = g_build_filename(dir, "host.key", NULL);
    g_autofree char *pub_path = g_strconcat(path, ".pub", NULL);
    g_autofree char *other = g_build_filename(dir, "other.key", NULL);
    g_autoptr(GError) error = NULL;
    g_assert_true(ic_keypair_write_new(path, &error));
    g_assert_true(ic_keypair_write_new(other, &error));
    IcKeyPair pair, other_pair;
    g_assert_true(ic_keypair_read(path, &pair, &error));
    g_assert_true(ic_keypair_read(other, &other_pair, &error));
    g_assert_cmpstr(pair.public_z85, !=, other_pair.public_z85);
    char pub[IC_Z85_KEY_LEN + 1];
    g_assert_true(ic_public_key_read(pub_path, pub, &error));
    g_assert_cmpstr(pub, ==, pair.public_z85);
    g_assert_true(ic_public_key_read(path, pub, &error)); /* a pair: its public half */
    g_assert_cmpstr(pub, ==, pair.public_z85);

    g_assert_false(ic_keypair_write_new(path, &error));
    g_assert_nonnull(strstr(error->message, "will not overwrite"));
    g_clear_error(&error);

    g_assert_cmpint(g_chmod(path, 0640), ==, 0);
    g_assert_false(ic_keypair_read(path, &pair, &error));
    g_assert_nonnull(strstr(error->message, "chmod 600"));
    g_clear_error(&error);
    /* Halves of two pairs: not a pair. */
    g_autofree char *mixed = g_strdup_printf("public %s\nsecret %s\n", pair.public_z85,
                                             other_pair.secret_z85);
    g_assert_true(g_file_set_contents_full(path, mixed, -1, G_FILE_SET_CONTENTS_CONSISTENT,
                                           0600, NULL));
    g_assert_false(ic_keypair_read(path, &pair, &error));
    g_assert_nonnull(strstr(error->message, "not a shoal key pair"));
    g_clear_error(&error);

    g_autofree char *list = g_build_filename(dir, "authorized", NULL);
    g_autofree char *text = g_strdup_printf("# hosts\n\n  %s host-a\n%s\n", pub,
                                            other_pair.public_z85);
    g_assert_true(g_file_set_contents(list, text, -1, NULL));
    g_autoptr(GHashTable) keys = ic_authorized_keys_read(list, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(g_hash_table_size(keys), ==, 2);
    guint8 raw[32];
    zmq_z85_decode(raw, pub);
    g_autoptr(GBytes) want = g_bytes_new(raw, sizeof raw);
    g_assert_true(g_hash_table_contains(keys, want));
    g_assert_true(g_file_set_contents(list, "# hosts\nnot-a-key\n", -1, NULL));
    g_assert_null(ic_authorized_keys_read(list, &error));
    g_assert_nonnull(strstr(error->message, "authorized:2: not a public key"));
    g_clear_error(&error);

    g_autofree char *other_pub = g_strconcat(other, ".pub", NULL);
    const char *files[] = { path, pub_path, other, other_pub, list };
    for (guint i = 0; i < G_N_ELEMENTS(files); i++)
        g_unlink(files[i]);
    g_rmdir(dir);
}

static void test_console(void)
{
    g_autofree char *dir = make_run_dir();
    CfgMachine m = test_machine();
    g_autoptr(GError) error = NULL;
    ConsoleServer cs = { ic_server_new(&m, dir, &error), NULL };
    g_assert_no_error(error);
    /* What the memory server writes before it listens (secret.c). */
    g_autofree char *secret = g_build_filename(dir, "secret", NULL);
    g_assert_true(ic_secret_write_new(secret, TRUE, &error));
    GThread *t = g_thread_new("server", console_server, &cs);

    g_autoptr(IcConsole) con = ic_console_connect(&m, dir, NULL, NULL, &error);
    g_assert_no_error(error);
    IcConsoleEvent ev;
    gboolean got_output = FALSE, got_shutdown = FALSE;
    while (!got_shutdown) {
        g_assert_true(ic_console_wait(con, NULL, 0, 5000, &ev, &error));
        g_assert_cmpint(ev.kind, !=, IC_CONSOLE_TIMEOUT);
        if (ev.kind == IC_CONSOLE_OUTPUT) {
            g_assert_cmpmem(g_bytes_get_data(ev.output, NULL), g_bytes_get_size(ev.output),
                            "guest says hi", 13);
            got_output = TRUE;
        } else if (ev.kind == IC_CONSOLE_SHUTDOWN) {
            g_assert_true(got_output); /* output is never overtaken by Shutdown */
            g_assert_cmpint(ev.exit_code, ==, 3);
            g_assert_cmpstr(ev.reason, ==, "test over");
            got_shutdown = TRUE;
        }
        ic_console_event_clear(&ev);
    }
    g_assert_true(ic_console_send_input(con, (const guint8 *)"typed", 5, &error));
    g_thread_join(t);
    g_assert_cmpstr(cs.input, ==, "typed");
    g_free(cs.input);

    /* An fd that is ready is reported as such. */
    int pipefd[2];
    g_assert_cmpint(pipe(pipefd), ==, 0);
    g_assert_cmpint(write(pipefd[1], "x", 1), ==, 1);
    struct pollfd pfd = { .fd = pipefd[0], .events = POLLIN };
    g_assert_true(ic_console_wait(con, &pfd, 1, 5000, &ev, &error));
    g_assert_cmpint(ev.kind, ==, IC_CONSOLE_FDS_READY);
    g_assert_true(pfd.revents & POLLIN);
    close(pipefd[0]);
    close(pipefd[1]);

    /* The server goes away: the console hears of it, instead of hanging. */
    g_autofree char *sock = g_build_filename(dir, "msrv.sock", NULL);
    g_assert_true(g_file_test(sock, G_FILE_TEST_EXISTS));
    ic_server_free(cs.server);
    g_assert_false(g_file_test(sock, G_FILE_TEST_EXISTS)); /* no stale socket */
    gint64 end = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
    while (ic_console_wait(con, NULL, 0, 200, &ev, &error)) {
        g_assert_cmpint(g_get_monotonic_time(), <, end);
        ic_console_event_clear(&ev);
    }
    g_assert_error(error, IC_ERROR, IC_ERROR_CLOSED);
    g_unlink(secret);
    g_rmdir(dir);
}

/* Keeps waiting for its first @data calls, then gives up. */
static gboolean keep_for(gpointer data)
{
    guint *calls = data;
    return --*calls > 0;
}

static void test_console_no_server(void)
{
    g_autofree char *dir = make_run_dir();
    CfgMachine m = test_machine();
    g_autoptr(GError) error = NULL;
    /* Nobody listens: the client says Hello into the void and times out. */
    g_autoptr(IcClient) c = ic_client_connect(&m, dir, &error);
    g_assert_no_error(error);
    Shoal__V1__Hello hello = SHOAL__V1__HELLO__INIT;
    hello.version = IC_PROTOCOL_VERSION;
    hello.role = SHOAL__V1__ROLE__ROLE_CONSOLE;
    g_assert_null(ic_client_hello(c, &hello, 300, &error));
    g_assert_error(error, IC_ERROR, IC_ERROR_TIMEOUT);
    g_clear_error(&error);
    /* A console that asks between short waits gives up when told to, over
     * ZeroMQ (no answer) and over a direct link (nobody listens), long
     * before the 10 s its Hello may wait. */
    for (guint direct = 0; direct < 2; direct++) {
        m.msrv_direct = direct;
        guint calls = 3;
        gint64 t0 = g_get_monotonic_time();
        g_assert_null(ic_console_connect(&m, dir, keep_for, &calls, &error));
        g_assert_error(error, IC_ERROR, IC_ERROR_CLOSED);
        g_clear_error(&error);
        g_assert_cmpuint(calls, ==, 0);
        g_assert_cmpint(g_get_monotonic_time() - t0, <, 2 * G_USEC_PER_SEC);
    }
    g_rmdir(dir);
}

static void test_malformed_on_wire(void)
{
    g_autofree char *dir = make_run_dir();
    CfgMachine m = test_machine();
    g_autoptr(GError) error = NULL;
    g_autoptr(IcServer) s = ic_server_new(&m, dir, &error);
    g_assert_no_error(error);
    g_autofree char *endpoint = ic_msrv_endpoint(&m, dir, NULL);

    void *raw = zmq_socket(ic_zmq_context(), ZMQ_DEALER);
    int linger = 0;
    zmq_setsockopt(raw, ZMQ_LINGER, &linger, sizeof linger);
    g_assert_cmpint(zmq_connect(raw, endpoint), ==, 0);
    IcPeer peer;
    /* garbage */
    g_assert_cmpint(zmq_send(raw, "\xff\xff\xff", 3, 0), ==, 3);
    g_assert_null(server_wait(s, &peer, &error));
    g_assert_error(error, IC_ERROR, IC_ERROR_MALFORMED);
    g_assert_nonnull(strstr(error->message, "peer 0"));
    g_clear_error(&error);
    /* two frames in one message */
    zmq_send(raw, "", 0, ZMQ_SNDMORE);
    zmq_send(raw, "", 0, 0);
    g_assert_null(server_wait(s, &peer, &error));
    g_assert_error(error, IC_ERROR, IC_ERROR_MALFORMED);
    g_assert_nonnull(strstr(error->message, "2 frames"));
    g_clear_error(&error);
    /* oversized */
    gsize big_len = IC_MAX_FRAME + 10;
    g_autofree guint8 *big = g_malloc0(big_len);
    zmq_send(raw, big, big_len, 0);
    g_assert_null(server_wait(s, &peer, &error));
    g_assert_error(error, IC_ERROR, IC_ERROR_MALFORMED);
    g_clear_error(&error);
    /* and then a good message still gets through from the same peer */
    IcEnvelope env;
    build(&checks[0], &env);
    g_autoptr(GBytes) good = pack(&env);
    zmq_send(raw, g_bytes_get_data(good, NULL), g_bytes_get_size(good), 0);
    g_autoptr(IcEnvelope) got = server_wait(s, &peer, &error);
    g_assert_no_error(error);
    g_assert_cmpint(got->body_case, ==, SHOAL__V1__ENVELOPE__BODY_GET_S);
    g_assert_cmpstr(ic_server_peer_name(s, peer), ==, "peer 0");
    ic_server_set_peer_label(s, peer, "node 0");
    g_assert_cmpstr(ic_server_peer_name(s, peer), ==, "peer 0 (node 0)");
    zmq_close(raw);
    g_clear_pointer(&s, ic_server_free);
    g_rmdir(dir);
}

/* A direct link is untrusted input like a ZeroMQ socket: garbage and an
 * oversized packet are dropped with an error naming the peer, a good
 * message still gets through after them, the server's answer reaches a
 * real client on another link, and a link whose peer closed refuses
 * sends (IC_ERROR_CLOSED) instead of queueing them. */
static void test_direct_on_wire(void)
{
    g_autofree char *dir = make_run_dir();
    CfgMachine m = test_machine();
    g_autoptr(IcServer) s = direct_server(&m, dir, FALSE);
    g_autoptr(GError) error = NULL;
    g_autofree char *endpoint = ic_msrv_endpoint(&m, dir, NULL);
    g_autofree char *path = ic_direct_path(endpoint + strlen("ipc://"));
    int raw = ic_direct_connect(path, 1000, &error);
    g_assert_no_error(error);
    IcPeer peer;

    g_assert_cmpint(ic_direct_send(raw, "\xff\xff\xff", 3, TRUE), ==, 1);
    g_assert_null(server_wait(s, &peer, &error));
    g_assert_error(error, IC_ERROR, IC_ERROR_MALFORMED);
    g_assert_nonnull(strstr(error->message, "peer 0"));
    g_clear_error(&error);
    gsize big_len = IC_MAX_FRAME + 10;
    g_autofree guint8 *big = g_malloc0(big_len);
    g_assert_cmpint(ic_direct_send(raw, big, big_len, TRUE), ==, 1);
    g_assert_null(server_wait(s, &peer, &error));
    g_assert_error(error, IC_ERROR, IC_ERROR_MALFORMED);
    g_assert_nonnull(strstr(error->message, "at most"));
    g_clear_error(&error);
    IcEnvelope env;
    build(&checks[0], &env);
    g_autoptr(GBytes) good = pack(&env);
    g_assert_cmpint(ic_direct_send(raw, g_bytes_get_data(good, NULL), g_bytes_get_size(good),
                                   TRUE), ==, 1);
    g_autoptr(IcEnvelope) got = server_wait(s, &peer, &error);
    g_assert_no_error(error);
    g_assert_cmpint(got->body_case, ==, SHOAL__V1__ENVELOPE__BODY_GET_S);
    g_assert_cmpuint(peer, ==, 0);

    /* a real client on a link of its own: its message in, the answer out */
    g_autoptr(IcClient) c = ic_client_connect(&m, dir, &error);
    g_assert_no_error(error);
    g_assert_true(ic_client_send(c, &env, &error));
    IcPeer client_peer;
    g_autoptr(IcEnvelope) from_client = server_wait(s, &client_peer, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(client_peer, ==, 1);
    g_assert_true(ic_server_send(s, client_peer, &env, &error));
    g_autoptr(IcEnvelope) answer = NULL;
    g_assert_true(ic_client_wait(c, NULL, 0, 2000, &answer, &error));
    g_assert_nonnull(answer);
    g_assert_cmpint(answer->body_case, ==, SHOAL__V1__ENVELOPE__BODY_GET_S);

    /* the raw peer goes away: the server sees it close, then refuses */
    close(raw);
    gboolean refused = FALSE;
    for (int i = 0; i < 40 && !refused; i++) {
        IcEnvelope *none = NULL;
        g_assert_true(ic_server_recv(s, 25, &peer, &none, &error));
        g_assert_null(none);
        refused = !ic_server_send(s, 0, &env, &error);
    }
    g_assert_true(refused);
    g_assert_error(error, IC_ERROR, IC_ERROR_CLOSED);
    g_clear_pointer(&c, ic_client_free);
    g_clear_pointer(&s, ic_server_free);
    g_rmdir(dir);
}

typedef struct {
    IcServer *server;
    IcPeer peer;
    IcEnvelope *env;
} LateSend;

static gpointer send_late(gpointer data)
{
    LateSend *l = data;
    g_usleep(20 * 1000);
    g_assert_true(ic_server_send(l->server, l->peer, l->env, NULL));
    return NULL;
}

/* Waits that look before they sleep ([cpu] spin-us, [memory-server]
 * spin-us): a message sent while the client looks is taken, and neither
 * side looks past the timeout it was given. */
static void test_spin(void)
{
    g_autofree char *dir = make_run_dir();
    CfgMachine m = test_machine();
    g_autoptr(IcServer) s = direct_server(&m, dir, FALSE);
    g_autoptr(GError) error = NULL;
    g_autoptr(IcClient) c = ic_client_connect(&m, dir, &error);
    g_assert_no_error(error);
    const guint long_spin_us = 5 * G_USEC_PER_SEC;
    ic_server_set_spin_us(s, long_spin_us);
    ic_client_set_spin_us(c, long_spin_us);
    IcEnvelope env;
    build(&checks[0], &env);
    g_assert_true(ic_client_send(c, &env, &error));
    LateSend late = { s, 0, &env };
    g_autoptr(IcEnvelope) first = server_wait(s, &late.peer, &error);
    g_assert_no_error(error);

    gint64 t0 = g_get_monotonic_time();
    IcEnvelope *none = NULL;
    g_assert_true(ic_server_recv(s, 10, &late.peer, &none, &error));
    g_assert_null(none);
    g_assert_cmpint(g_get_monotonic_time() - t0, <, long_spin_us / 2);
    t0 = g_get_monotonic_time();
    gboolean waited = ic_client_wait(c, NULL, 0, 10, &none, &error);
    g_assert_no_error(error);
    g_assert_true(waited);
    g_assert_null(none);
    g_assert_cmpint(g_get_monotonic_time() - t0, <, long_spin_us / 2);

    GThread *sender = g_thread_new("late-send", send_late, &late);
    g_autoptr(IcEnvelope) got = NULL;
    g_assert_true(ic_client_wait(c, NULL, 0, 10 * 1000, &got, &error));
    g_assert_no_error(error);
    g_assert_nonnull(got);
    g_assert_cmpint(got->body_case, ==, SHOAL__V1__ENVELOPE__BODY_GET_S);
    g_thread_join(sender);
    g_clear_pointer(&c, ic_client_free);
    g_clear_pointer(&s, ic_server_free);
    g_rmdir(dir);
}

/* ---- shared-memory rings (ring.c, link.c) ---- */

typedef struct {
    guint8 *sender_map, *receiver_map; /* two mappings, as two processes have */
    IcRing tx, rx;                     /* the client's ring as each side sees it */
} RingPair;

static void ring_pair_open(RingPair *r)
{
    g_autoptr(GError) error = NULL;
    int fd = ic_rings_create(&error);
    g_assert_no_error(error);
    r->sender_map = ic_rings_map(fd, &error);
    g_assert_no_error(error);
    r->receiver_map = ic_rings_map(fd, &error);
    g_assert_no_error(error);
    close(fd);
    IcRing unused;
    ic_rings_view(r->sender_map, TRUE, &unused, &r->tx);
    ic_rings_view(r->receiver_map, FALSE, &r->rx, &unused);
}

static void ring_pair_close(RingPair *r)
{
    ic_rings_unmap(r->sender_map);
    ic_rings_unmap(r->receiver_map);
}

/* Records of every size up to two pages, many times round the ring: each
 * comes out whole, in order, across the wrap. */
static void test_ring_round_trip(void)
{
    RingPair r;
    ring_pair_open(&r);
    g_autofree guint8 *out = g_malloc(IC_MAX_FRAME);
    g_autofree guint8 *in = g_malloc(IC_MAX_FRAME);
    GRand *rand = g_rand_new_with_seed(7);
    guint64 moved = 0;
    for (guint i = 0; moved < 5ull * IC_RING_BYTES; i++) {
        gsize len = 1 + (gsize)g_rand_int_range(rand, 0, 2 * 4096);
        for (gsize k = 0; k < len; k++)
            out[k] = (guint8)(i * 31 + k);
        g_assert_true(ic_ring_put(&r.tx, out, len));
        g_assert_false(ic_ring_empty(&r.rx));
        gsize got = 0;
        g_assert_cmpint(ic_ring_take(&r.rx, in, IC_MAX_FRAME, &got), ==, IC_DIRECT_MESSAGE);
        g_assert_cmpuint(got, ==, len);
        g_assert_cmpmem(in, got, out, len);
        moved += len;
    }
    gsize none;
    g_assert_cmpint(ic_ring_take(&r.rx, in, IC_MAX_FRAME, &none), ==, IC_DIRECT_NONE);
    g_assert_true(ic_ring_empty(&r.rx));
    g_rand_free(rand);
    ring_pair_close(&r);
}

/* A full ring refuses a record until the receiver takes one. */
static void test_ring_full(void)
{
    RingPair r;
    ring_pair_open(&r);
    g_autofree guint8 *page = g_malloc0(IC_MAX_FRAME);
    guint n = 0;
    while (ic_ring_put(&r.tx, page, IC_MAX_FRAME / 4))
        n++;
    g_assert_cmpuint(n, ==, IC_RING_BYTES / (IC_MAX_FRAME / 4 + 8));
    gsize got;
    g_assert_cmpint(ic_ring_take(&r.rx, page, IC_MAX_FRAME, &got), ==, IC_DIRECT_MESSAGE);
    g_assert_true(ic_ring_put(&r.tx, page, IC_MAX_FRAME / 4));
    g_assert_false(ic_ring_put(&r.tx, page, IC_MAX_FRAME / 4));
    ring_pair_close(&r);
}

/* The receiver's flag: the sender wakes it once per sleep, and a record
 * that came before the sleep keeps it awake. */
static void test_ring_wake(void)
{
    RingPair r;
    ring_pair_open(&r);
    g_assert_false(ic_ring_take_waiter(&r.tx));
    g_assert_true(ic_ring_prepare_sleep(&r.rx));
    g_assert_true(ic_ring_put(&r.tx, "x", 1));
    g_assert_true(ic_ring_take_waiter(&r.tx));
    g_assert_false(ic_ring_take_waiter(&r.tx));
    g_assert_false(ic_ring_prepare_sleep(&r.rx)); /* the record is there */
    g_assert_false(ic_ring_take_waiter(&r.tx));
    ring_pair_close(&r);
}

/* What a hostile peer can write in the shared pages: every case is
 * refused or skipped without a read or write outside the ring. */
static void test_ring_hostile(void)
{
    RingPair r;
    ring_pair_open(&r);
    g_autofree guint8 *buf = g_malloc(IC_MAX_FRAME);
    gsize len;
    IcRingHeader *h = r.rx.h;
    /* a head that is not a whole record past the tail */
    h->head = h->tail + 3;
    g_assert_cmpint(ic_ring_take(&r.rx, buf, IC_MAX_FRAME, &len), ==, IC_DIRECT_CLOSED);
    /* a head further than the ring is long */
    h->head = h->tail + IC_RING_BYTES + 8;
    g_assert_cmpint(ic_ring_take(&r.rx, buf, IC_MAX_FRAME, &len), ==, IC_DIRECT_CLOSED);
    /* a record longer than what was published, or empty */
    guint32 claim = 4096;
    memcpy(r.rx.data + (h->tail & (IC_RING_BYTES - 1)), &claim, sizeof claim);
    h->head = h->tail + 64;
    g_assert_cmpint(ic_ring_take(&r.rx, buf, IC_MAX_FRAME, &len), ==, IC_DIRECT_CLOSED);
    claim = 0;
    memcpy(r.rx.data + (h->tail & (IC_RING_BYTES - 1)), &claim, sizeof claim);
    g_assert_cmpint(ic_ring_take(&r.rx, buf, IC_MAX_FRAME, &len), ==, IC_DIRECT_CLOSED);
    /* a record longer than the reader takes: skipped, the next one read */
    h->head = h->tail;
    g_autofree guint8 *big = g_malloc0(2 * 4096);
    g_assert_true(ic_ring_put(&r.tx, big, 2 * 4096));
    g_assert_true(ic_ring_put(&r.tx, "ok", 2));
    g_assert_cmpint(ic_ring_take(&r.rx, buf, 4096, &len), ==, IC_DIRECT_TOO_BIG);
    g_assert_cmpuint(len, ==, 2 * 4096);
    g_assert_cmpint(ic_ring_take(&r.rx, buf, 4096, &len), ==, IC_DIRECT_MESSAGE);
    g_assert_cmpmem(buf, len, "ok", 2);
    /* a receiver whose tail ran past the sender's head: no room, no write */
    r.tx.h->tail = r.tx.h->head + 4096;
    g_assert_false(ic_ring_put(&r.tx, "x", 1));
    ring_pair_close(&r);
}

/* A peer's memfd is mapped only if it is sealed at the right size. */
static void test_ring_map_checks(void)
{
    g_autoptr(GError) error = NULL;
    int loose = memfd_create("loose", MFD_CLOEXEC);
    g_assert_cmpint(ftruncate(loose, (off_t)ic_ring_map_size()), ==, 0);
    g_assert_null(ic_rings_map(loose, &error));
    g_assert_error(error, IC_ERROR, IC_ERROR_MALFORMED);
    g_clear_error(&error);
    close(loose);
    int small = memfd_create("small", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    g_assert_cmpint(ftruncate(small, 4096), ==, 0);
    g_assert_cmpint(fcntl(small, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW), ==, 0);
    g_assert_null(ic_rings_map(small, &error));
    g_assert_error(error, IC_ERROR, IC_ERROR_MALFORMED);
    g_clear_error(&error);
    close(small);
    int pipe_fds[2];
    g_assert_cmpint(pipe(pipe_fds), ==, 0);
    g_assert_null(ic_rings_map(pipe_fds[0], &error));
    g_assert_error(error, IC_ERROR, IC_ERROR_MALFORMED);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
}

/* A real client over rings; a raw peer that passes the server a pipe as
 * its rings loses its link, and the client goes on being served. */
static void test_transport_rings(void)
{
    g_autofree char *dir = make_run_dir();
    CfgMachine m = test_machine();
    g_autoptr(IcServer) s = direct_server(&m, dir, TRUE);
    g_autoptr(GError) error = NULL;
    g_autoptr(IcClient) c = ic_client_connect(&m, dir, &error);
    g_assert_no_error(error);
    g_assert_true(ic_link_has_rings(c->link));
    IcEnvelope env;
    build(&checks[0], &env);
    g_assert_true(ic_client_send(c, &env, &error));
    IcPeer client_peer;
    g_autoptr(IcEnvelope) from_client = server_wait(s, &client_peer, &error);
    g_assert_no_error(error);
    g_assert_cmpint(from_client->body_case, ==, SHOAL__V1__ENVELOPE__BODY_GET_S);

    g_autofree char *endpoint = ic_msrv_endpoint(&m, dir, NULL);
    g_autofree char *path = ic_direct_path(endpoint + strlen("ipc://"));
    int raw = ic_direct_connect(path, 1000, &error);
    g_assert_no_error(error);
    int pipe_fds[2];
    g_assert_cmpint(pipe(pipe_fds), ==, 0);
    g_assert_true(ic_direct_offer_rings(raw, pipe_fds[0]));
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    /* the server hangs up on it */
    gboolean hung_up = FALSE;
    for (int i = 0; i < 200 && !hung_up; i++) {
        IcEnvelope *none = NULL;
        IcPeer any;
        g_assert_true(ic_server_recv(s, 10, &any, &none, &error));
        g_assert_null(none);
        guint8 b;
        hung_up = recv(raw, &b, 1, MSG_DONTWAIT) == 0;
    }
    g_assert_true(hung_up);
    close(raw);

    g_assert_true(ic_server_send(s, client_peer, &env, &error));
    g_autoptr(IcEnvelope) answer = NULL;
    g_assert_true(ic_client_wait(c, NULL, 0, 2000, &answer, &error));
    g_assert_nonnull(answer);
    g_assert_cmpint(answer->body_case, ==, SHOAL__V1__ENVELOPE__BODY_GET_S);
    g_clear_pointer(&c, ic_client_free);
    g_clear_pointer(&s, ic_server_free);
    g_rmdir(dir);
}

/* A client whose rings are full waits for room, and gives up at once when
 * the server hangs up (a blocking send must not outlive its peer). */
static void test_link_full_hang_up(void)
{
    int pair[2];
    g_assert_cmpint(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair), ==, 0);
    g_autoptr(IcLink) client = ic_link_new(pair[0]);
    IcLink *server = ic_link_new(pair[1]);
    g_autoptr(GError) error = NULL;
    g_assert_true(ic_link_offer_rings(client, &error));
    g_assert_no_error(error);
    g_autofree guint8 *buf = g_malloc(IC_MAX_FRAME);
    gsize len;
    g_assert_cmpint(ic_link_recv(server, buf, IC_MAX_FRAME, &len), ==, IC_DIRECT_NONE);
    g_assert_true(ic_link_has_rings(server));
    memset(buf, 7, IC_MAX_FRAME);
    while (ic_link_send(client, buf, IC_MAX_FRAME / 4, FALSE) == 1) {
    }
    g_assert_true(ic_link_wait_room(client, 1)); /* nobody reads, nobody left */
    g_assert_cmpint(ic_link_recv(server, buf, IC_MAX_FRAME, &len), ==, IC_DIRECT_MESSAGE);
    g_assert_cmpuint(len, ==, IC_MAX_FRAME / 4);
    g_assert_cmpint(ic_link_send(client, buf, IC_MAX_FRAME / 4, FALSE), ==, 1);
    g_assert_cmpint(ic_link_send(client, buf, IC_MAX_FRAME / 4, FALSE), ==, 0);
    ic_link_free(server);
    g_assert_false(ic_link_wait_room(client, 1000));
    g_assert_cmpint(ic_link_send(client, buf, IC_MAX_FRAME / 4, TRUE), ==, -1);
}

static void test_long_run_dir(void)
{
    CfgMachine m = test_machine();
    g_autofree char *dir = g_strnfill(200, 'd');
    g_autoptr(GError) error = NULL;
    g_assert_null(ic_msrv_endpoint(&m, dir, &error));
    g_assert_nonnull(strstr(error->message, "too long"));
    m.msrv_endpoint = "tcp://127.0.0.1:5555";
    g_autofree char *ep = ic_msrv_endpoint(&m, dir, NULL);
    g_assert_cmpstr(ep, ==, "tcp://127.0.0.1:5555");
}

static void test_waker(void)
{
    g_autoptr(IcWaker) w = ic_waker_new(NULL);
    struct pollfd pfd = { .fd = ic_waker_fd(w), .events = POLLIN };
    g_assert_cmpint(poll(&pfd, 1, 0), ==, 0);
    ic_waker_wake(w);
    ic_waker_wake(w);
    g_assert_cmpint(poll(&pfd, 1, 0), ==, 1);
    ic_waker_drain(w);
    g_assert_cmpint(poll(&pfd, 1, 0), ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (guint i = 0; i < G_N_ELEMENTS(checks); i++) {
        g_autofree char *path = g_strdup_printf("/ic/envelope/check/%s", checks[i].name);
        g_test_add_data_func(path, &checks[i], test_check);
    }
    g_test_add_func("/ic/envelope/fuzz", test_fuzz);
    g_test_add_func("/ic/envelope/oversized", test_oversized);
    g_test_add_func("/ic/envelope/unknown-fields", test_unknown_fields);
    g_test_add_func("/ic/envelope/body-name", test_body_name);
    g_test_add_func("/ic/addr-map/lookup", test_addr_map);
    g_test_add_func("/ic/addr-map/overlap", test_addr_map_overlap);
    g_test_add_func("/ic/addr-map/fast-paths", test_addr_map_fast_paths);
    g_test_add_func("/ic/endpoint/long-run-dir", test_long_run_dir);
    g_test_add_func("/ic/waker", test_waker);
    g_test_add_func("/ic/transport/malformed-on-wire", test_malformed_on_wire);
    g_test_add_func("/ic/transport/direct-on-wire", test_direct_on_wire);
    g_test_add_func("/ic/transport/spin", test_spin);
    g_test_add_func("/ic/transport/rings", test_transport_rings);
    g_test_add_func("/ic/transport/rings-full-hang-up", test_link_full_hang_up);
    g_test_add_func("/ic/ring/round-trip", test_ring_round_trip);
    g_test_add_func("/ic/ring/full", test_ring_full);
    g_test_add_func("/ic/ring/wake", test_ring_wake);
    g_test_add_func("/ic/ring/hostile", test_ring_hostile);
    g_test_add_func("/ic/ring/map-checks", test_ring_map_checks);
    g_test_add_func("/ic/secret", test_secret);
    g_test_add_func("/ic/keypair", test_keypair);
    g_test_add_func("/ic/console/round-trip", test_console);
    g_test_add_func("/ic/console/no-server", test_console_no_server);
    return g_test_run();
}
