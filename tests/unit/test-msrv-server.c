/* SPDX-License-Identifier: MIT */
/* A real shoal-memory-server process in a private run directory, driven by
 * hand-made nodes and a console over ipc: page grants with the loaded
 * image, a two-node invalidate and recall, MMIO to the UART and to nowhere,
 * console input, interrupt forwarding, refusals, and the three ways a
 * machine ends (test device, tohost report, SIGTERM). Always tears down. */
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "interconnect/ic.h"

#define RAM_BASE 0x80000000ull
#define UART 0x10000000ull
#define TEST_DEV 0x100000ull

typedef struct {
    char *dir;        /* private run directory (also holds the config) */
    char *conf;
    char *kernel;
    GPid pid;         /* the server, 0 once reaped */
    int out_fd;       /* its stdout */
    CfgMachine machine; /* just what ic needs to find the endpoint */
    GBytes *node_token[2]; /* from each node's main HelloAck: its channels show it */
} Fixture;

/* A minimal RV64 executable: one PT_LOAD of two pages at RAM_BASE, page 0
 * filled with 'K', page 1 with 'L'. */
static void write_kernel(const char *path)
{
    const gsize data_off = 0x1000, data_len = 0x2000;
    g_autofree guint8 *f = g_malloc0(data_off + data_len);
    memcpy(f, "\x7f" "ELF", 4);
    f[4] = 2; /* ELFCLASS64 */
    f[5] = 1; /* little endian */
    f[6] = 1; /* EV_CURRENT */
    *(guint16 *)(f + 16) = 2;       /* ET_EXEC */
    *(guint16 *)(f + 18) = 243;     /* EM_RISCV */
    *(guint32 *)(f + 20) = 1;
    *(guint64 *)(f + 24) = RAM_BASE; /* entry */
    *(guint64 *)(f + 32) = 64;       /* phoff */
    *(guint16 *)(f + 52) = 64;       /* ehsize */
    *(guint16 *)(f + 54) = 56;       /* phentsize */
    *(guint16 *)(f + 56) = 1;        /* phnum */
    guint8 *ph = f + 64;
    *(guint32 *)ph = 1;              /* PT_LOAD */
    *(guint32 *)(ph + 4) = 7;
    *(guint64 *)(ph + 8) = data_off;
    *(guint64 *)(ph + 16) = RAM_BASE;
    *(guint64 *)(ph + 24) = RAM_BASE;
    *(guint64 *)(ph + 32) = data_len;
    *(guint64 *)(ph + 40) = data_len;
    memset(f + data_off, 'K', 0x1000);
    memset(f + data_off + 0x1000, 'L', 0x1000);
    g_assert_true(g_file_set_contents(path, (const char *)f, (gssize)(data_off + data_len), NULL));
}

/* No prefetch: the exchanges below are the protocol's alone (test-msrv-dir
 * covers prefetch). */
static const char config_text[] =
    "[memory]\nbase=0x80000000\nsize=1M\n"
    "[memory-server]\nprefetch-pages=0\n"
    "[node.0]\nharts=1\n[node.1]\nharts=1\n"
    "[device.uart0]\ntype=ns16550\nbase=0x10000000\nsize=0x100\n"
    "[device.test]\ntype=sifive_test\nbase=0x100000\nsize=0x1000\n"
    "[device.clint]\ntype=clint\nbase=0x2000000\nsize=0x10000\n";

/* A failed assertion skips teardown: the server must not outlive the test. */
static void die_with_parent(gpointer unused)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
}

static void setup(Fixture *fx, gconstpointer unused)
{
    g_autoptr(GError) error = NULL;
    fx->dir = g_dir_make_tmp("shoal-test-msrv-XXXXXX", &error);
    g_assert_no_error(error);
    fx->conf = g_build_filename(fx->dir, "m.conf", NULL);
    fx->kernel = g_build_filename(fx->dir, "k.elf", NULL);
    g_assert_true(g_file_set_contents(fx->conf, config_text, -1, NULL));
    write_kernel(fx->kernel);
    const char *builddir = g_getenv("SHOAL_BUILDDIR");
    g_autofree char *prog = g_build_filename(builddir ? builddir : ".", "shoal-memory-server",
                                             NULL);
    char *argv[] = { prog, fx->conf, "--kernel", fx->kernel, "--run-dir", fx->dir, NULL };
    g_spawn_async_with_pipes(NULL, argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, die_with_parent, NULL,
                             &fx->pid,
                             NULL, &fx->out_fd, NULL, &error);
    g_assert_no_error(error);
    fx->machine = (CfgMachine){ .path = fx->conf };
}

static void teardown(Fixture *fx, gconstpointer unused)
{
    if (fx->pid) {
        kill(fx->pid, SIGKILL);
        waitpid(fx->pid, NULL, 0);
    }
    close(fx->out_fd);
    g_unlink(fx->conf);
    g_unlink(fx->kernel);
    g_autofree char *sock = g_build_filename(fx->dir, "msrv.sock", NULL);
    g_unlink(sock);
    g_autofree char *secret = g_build_filename(fx->dir, "secret", NULL);
    g_unlink(secret);
    g_rmdir(fx->dir);
    for (guint i = 0; i < G_N_ELEMENTS(fx->node_token); i++)
        g_clear_pointer(&fx->node_token[i], g_bytes_unref);
    g_free(fx->conf);
    g_free(fx->kernel);
    g_free(fx->dir);
}

/* The server's exit status, waiting up to 5 s. */
static int wait_exit(Fixture *fx)
{
    for (int i = 0; i < 500; i++) {
        int status;
        if (waitpid(fx->pid, &status, WNOHANG) == fx->pid) {
            fx->pid = 0;
            g_assert_true(WIFEXITED(status));
            return WEXITSTATUS(status);
        }
        g_usleep(10000);
    }
    g_error("memory server did not exit");
}

/* The next message but copies of device registers, which the server sends
 * a node whenever one changes (they are not what these tests look at). */
static IcEnvelope *next_message(IcClient *c, int timeout_ms, GError **error)
{
    for (;;) {
        IcEnvelope *env = NULL;
        if (!ic_client_wait(c, NULL, 0, timeout_ms, &env, error) || env == NULL ||
            env->body_case != SHOAL__V1__ENVELOPE__BODY_DEVICE_MIRROR)
            return env;
        ic_envelope_free(env);
    }
}

static IcEnvelope *expect(IcClient *c, Shoal__V1__Envelope__BodyCase body)
{
    g_autoptr(GError) error = NULL;
    IcEnvelope *env = next_message(c, 5000, &error);
    g_assert_no_error(error);
    if (!env)
        g_error("no message within 5 s (wanted body %d)", body);
    if (env->body_case != body)
        g_error("got %s, wanted body %d", ic_envelope_body_name(env), body);
    return env;
}

/* Nothing arrives for a moment. */
static void expect_silence(IcClient *c)
{
    g_autoptr(GError) error = NULL;
    IcEnvelope *env = next_message(c, 100, &error);
    g_assert_no_error(error);
    if (env)
        g_error("unexpected %s", ic_envelope_body_name(env));
}

/* A peer that said Hello; @channel: a hart's request channel of @node. */
static IcClient *connect_as(Fixture *fx, int role, guint node, gboolean channel)
{
    g_autoptr(GError) error = NULL;
    IcClient *c = ic_client_connect(&fx->machine, fx->dir, &error);
    g_assert_no_error(error);
    Shoal__V1__Hello hello = SHOAL__V1__HELLO__INIT;
    hello.version = IC_PROTOCOL_VERSION;
    hello.role = role;
    hello.node_index = node;
    hello.request_channel = channel;
    hello.first_hart = node;
    hello.n_harts = 1;
    if (channel)
        hello.node_token.data = (guint8 *)g_bytes_get_data(fx->node_token[node],
                                                           &hello.node_token.len);
    g_autoptr(IcEnvelope) ack = ic_client_hello(c, &hello, 10000, &error);
    g_assert_no_error(error);
    if (role == SHOAL__V1__ROLE__ROLE_NODE && !channel) {
        g_clear_pointer(&fx->node_token[node], g_bytes_unref);
        fx->node_token[node] = g_bytes_new(ack->hello_ack->node_token.data,
                                           ack->hello_ack->node_token.len);
    }
    g_assert_cmphex(ack->hello_ack->ram_base, ==, RAM_BASE);
    g_assert_cmphex(ack->hello_ack->ram_size, ==, 1 << 20);
    g_assert_cmphex(ack->hello_ack->boot_pc, ==, RAM_BASE);
    g_assert_false(ack->hello_ack->has_tohost);
    return c;
}

static GBytes *read_secret(Fixture *fx)
{
    g_autofree char *path = g_build_filename(fx->dir, "secret", NULL);
    g_autoptr(GError) error = NULL;
    GBytes *secret = ic_secret_read(path, &error);
    g_assert_no_error(error);
    return secret;
}

/* A Hello with @secret and @token as they are (NULL: none) is refused with
 * ERROR_CODE_DENIED, the text saying @why; nothing else comes. */
static void expect_denied(Fixture *fx, int role, guint node, gboolean channel, GBytes *secret,
                          GBytes *token, const char *why)
{
    g_autoptr(IcClient) c = ic_client_connect(&fx->machine, fx->dir, NULL);
    Shoal__V1__Hello hello = SHOAL__V1__HELLO__INIT;
    hello.version = IC_PROTOCOL_VERSION;
    hello.role = role;
    hello.node_index = node;
    hello.first_hart = node;
    hello.n_harts = 1;
    hello.request_channel = channel;
    if (secret)
        hello.secret.data = (guint8 *)g_bytes_get_data(secret, &hello.secret.len);
    if (token)
        hello.node_token.data = (guint8 *)g_bytes_get_data(token, &hello.node_token.len);
    IcEnvelope env = SHOAL__V1__ENVELOPE__INIT;
    env.txid = ic_client_next_txid(c);
    env.body_case = SHOAL__V1__ENVELOPE__BODY_HELLO;
    env.hello = &hello;
    g_assert_true(ic_client_send(c, &env, NULL));
    g_autoptr(IcEnvelope) refused = expect(c, SHOAL__V1__ENVELOPE__BODY_ERROR);
    g_assert_cmpint(refused->error->code, ==, SHOAL__V1__ERROR_CODE__ERROR_CODE_DENIED);
    if (!strstr(refused->error->text, why))
        g_error("refused with \"%s\", not for its %s", refused->error->text, why);
    expect_silence(c);
}

static IcClient *connect_peer(Fixture *fx, int role, guint node)
{
    return connect_as(fx, role, node, FALSE);
}

static guint64 send_page_req_here(IcClient *c, Shoal__V1__Envelope__BodyCase body, guint64 page,
                                  gboolean here)
{
    Shoal__V1__GetS m = SHOAL__V1__GET_S__INIT; /* GetS/GetM/Upgrade share one layout */
    Shoal__V1__GetM mm = SHOAL__V1__GET_M__INIT;
    Shoal__V1__Upgrade mu = SHOAL__V1__UPGRADE__INIT;
    IcEnvelope env = SHOAL__V1__ENVELOPE__INIT;
    env.txid = ic_client_next_txid(c);
    env.body_case = body;
    m.page = mm.page = mu.page = page;
    m.reply_here = mm.reply_here = mu.reply_here = here;
    if (body == SHOAL__V1__ENVELOPE__BODY_GET_S)
        env.get_s = &m;
    else if (body == SHOAL__V1__ENVELOPE__BODY_GET_M)
        env.get_m = &mm;
    else
        env.upgrade = &mu;
    g_assert_true(ic_client_send(c, &env, NULL));
    return env.txid;
}

static guint64 send_page_req(IcClient *c, Shoal__V1__Envelope__BodyCase body, guint64 page)
{
    return send_page_req_here(c, body, page, FALSE);
}

static void expect_grant(IcClient *c, guint64 txid, guint64 page, int state, char fill)
{
    g_autoptr(IcEnvelope) g = expect(c, SHOAL__V1__ENVELOPE__BODY_PAGE_GRANT);
    g_assert_cmpuint(g->txid, ==, txid);
    g_assert_cmphex(g->page_grant->page, ==, page);
    g_assert_cmpint(g->page_grant->state, ==, state);
    g_assert_cmpint(g->page_grant->data.data[0], ==, fill);
    g_assert_cmpint(g->page_grant->data.data[4095], ==, fill);
}

static void send_ack(IcClient *c, guint64 txid, guint64 page, char fill)
{
    guint8 data[4096];
    memset(data, fill, sizeof data);
    Shoal__V1__PageAck ack = SHOAL__V1__PAGE_ACK__INIT;
    ack.page = page;
    if (fill) {
        ack.data.data = data;
        ack.data.len = sizeof data;
    }
    IcEnvelope env = SHOAL__V1__ENVELOPE__INIT;
    env.txid = txid;
    env.body_case = SHOAL__V1__ENVELOPE__BODY_PAGE_ACK;
    env.page_ack = &ack;
    g_assert_true(ic_client_send(c, &env, NULL));
}

/* One MMIO round trip: TRUE + *value, or FALSE for an access fault. */
static gboolean mmio(IcClient *c, guint64 addr, guint size, gboolean write, guint64 data,
                     guint64 *value)
{
    Shoal__V1__MmioRequest req = SHOAL__V1__MMIO_REQUEST__INIT;
    req.addr = addr;
    req.size = size;
    req.is_write = write;
    req.data = data;
    IcEnvelope env = SHOAL__V1__ENVELOPE__INIT;
    env.txid = ic_client_next_txid(c);
    env.body_case = SHOAL__V1__ENVELOPE__BODY_MMIO_REQUEST;
    env.mmio_request = &req;
    g_assert_true(ic_client_send(c, &env, NULL));
    g_autoptr(IcEnvelope) resp = expect(c, SHOAL__V1__ENVELOPE__BODY_MMIO_RESPONSE);
    g_assert_cmpuint(resp->txid, ==, env.txid);
    if (value)
        *value = resp->mmio_response->data;
    return resp->mmio_response->ok;
}

enum { S = SHOAL__V1__PAGE_STATE__PAGE_STATE_SHARED, M = SHOAL__V1__PAGE_STATE__PAGE_STATE_MODIFIED };

static void test_machine(Fixture *fx, gconstpointer unused)
{
    g_autoptr(IcClient) con = connect_peer(fx, SHOAL__V1__ROLE__ROLE_CONSOLE, 0);
    g_autoptr(IcClient) n0 = connect_peer(fx, SHOAL__V1__ROLE__ROLE_NODE, 0);
    /* An IPI for hart 1 before its node is up is held, not lost. */
    Shoal__V1__IrqLine early = SHOAL__V1__IRQ_LINE__INIT;
    early.line = 3;
    early.level = TRUE;
    early.hart = 1;
    IcEnvelope early_env = SHOAL__V1__ENVELOPE__INIT;
    early_env.body_case = SHOAL__V1__ENVELOPE__BODY_IRQ_LINE;
    early_env.irq_line = &early;
    g_assert_true(ic_client_send(n0, &early_env, NULL));
    g_usleep(50000); /* let the server see it first */
    g_autoptr(IcClient) n1 = connect_peer(fx, SHOAL__V1__ROLE__ROLE_NODE, 1);
    g_autoptr(IcEnvelope) held = expect(n1, SHOAL__V1__ENVELOPE__BODY_IRQ_LINE);
    g_assert_cmpuint(held->irq_line->line, ==, 3);
    g_assert_true(held->irq_line->level);
    const guint64 p0 = RAM_BASE, p1 = RAM_BASE + 0x1000;

    /* Both nodes read page 0: two Shared copies of the loaded image. */
    guint64 t = send_page_req(n0, SHOAL__V1__ENVELOPE__BODY_GET_S, p0);
    expect_grant(n0, t, p0, S, 'K');
    t = send_page_req(n1, SHOAL__V1__ENVELOPE__BODY_GET_S, p0);
    expect_grant(n1, t, p0, S, 'K');

    /* Node 1 writes: node 0 must give up its copy first. */
    guint64 want = send_page_req(n1, SHOAL__V1__ENVELOPE__BODY_UPGRADE, p0);
    g_autoptr(IcEnvelope) inv = expect(n0, SHOAL__V1__ENVELOPE__BODY_INVALIDATE);
    g_assert_cmphex(inv->invalidate->page, ==, p0);
    expect_silence(n1); /* no grant before the ack */
    /* Meanwhile page 1 is not held up. */
    t = send_page_req(n0, SHOAL__V1__ENVELOPE__BODY_GET_M, p1);
    expect_grant(n0, t, p1, M, 'L');
    send_ack(n0, inv->txid, p0, 0);
    expect_grant(n1, want, p0, M, 'K');

    /* Node 0 reads again: node 1 is recalled and its data ('Z') is served. */
    want = send_page_req(n0, SHOAL__V1__ENVELOPE__BODY_GET_S, p0);
    g_autoptr(IcEnvelope) rec = expect(n1, SHOAL__V1__ENVELOPE__BODY_RECALL);
    g_assert_cmpint(rec->recall->kind, ==, SHOAL__V1__RECALL_KIND__RECALL_KIND_DOWNGRADE);
    send_ack(n1, rec->txid, p0, 'Z');
    expect_grant(n0, want, p0, S, 'Z');

    /* Node 1 takes page 1 from node 0 (Modified): recall-invalidate. */
    want = send_page_req(n1, SHOAL__V1__ENVELOPE__BODY_GET_M, p1);
    g_autoptr(IcEnvelope) rec2 = expect(n0, SHOAL__V1__ENVELOPE__BODY_RECALL);
    g_assert_cmpint(rec2->recall->kind, ==, SHOAL__V1__RECALL_KIND__RECALL_KIND_INVALIDATE);
    send_ack(n0, rec2->txid, p1, 'Y');
    expect_grant(n1, want, p1, M, 'Y');

    /* A page outside RAM is refused. */
    t = send_page_req(n0, SHOAL__V1__ENVELOPE__BODY_GET_S, RAM_BASE + (1 << 20));
    g_autoptr(IcEnvelope) err = expect(n0, SHOAL__V1__ENVELOPE__BODY_ERROR);
    g_assert_cmpuint(err->txid, ==, t);
    g_assert_cmpint(err->error->code, ==, SHOAL__V1__ERROR_CODE__ERROR_CODE_NOT_RAM);
    /* An ack nobody asked for changes nothing (and breaks nothing). */
    send_ack(n0, 999, p0, 'X');

    /* UART: output to the console, input from it. */
    guint64 v;
    g_assert_true(mmio(n0, UART, 1, TRUE, 'A', NULL));
    g_autoptr(IcEnvelope) out = expect(con, SHOAL__V1__ENVELOPE__BODY_CONSOLE_BYTES);
    g_assert_cmpmem(out->console_bytes->data.data, out->console_bytes->data.len, "A", 1);
    g_assert_true(mmio(n0, UART + 5, 1, FALSE, 0, &v));
    g_assert_cmphex(v, ==, 0x60);
    Shoal__V1__ConsoleBytes in = SHOAL__V1__CONSOLE_BYTES__INIT;
    in.data.data = (guint8 *)"q";
    in.data.len = 1;
    IcEnvelope env = SHOAL__V1__ENVELOPE__INIT;
    env.txid = ic_client_next_txid(con);
    env.body_case = SHOAL__V1__ENVELOPE__BODY_CONSOLE_BYTES;
    env.console_bytes = &in;
    g_assert_true(ic_client_send(con, &env, NULL));
    for (int i = 0; i < 100 && (mmio(n1, UART + 5, 1, FALSE, 0, &v), !(v & 1)); i++)
        g_usleep(10000);
    g_assert_cmphex(v, ==, 0x61);
    g_assert_true(mmio(n1, UART, 1, FALSE, 0, &v));
    g_assert_cmphex(v, ==, 'q');

    /* Nothing there, RAM and the node-local CLINT: access faults. */
    g_assert_false(mmio(n0, 0x3000, 4, FALSE, 0, NULL));
    g_assert_false(mmio(n0, RAM_BASE, 8, FALSE, 0, NULL));
    g_assert_false(mmio(n0, 0x2000000, 4, TRUE, 1, NULL));
    g_assert_false(mmio(n0, UART + 8, 1, FALSE, 0, NULL)); /* past the registers */

    /* An interrupt for hart 1 goes to node 1. */
    Shoal__V1__IrqLine irq = SHOAL__V1__IRQ_LINE__INIT;
    irq.line = 3;
    irq.level = TRUE;
    irq.hart = 1;
    env = (IcEnvelope)SHOAL__V1__ENVELOPE__INIT;
    env.body_case = SHOAL__V1__ENVELOPE__BODY_IRQ_LINE;
    env.irq_line = &irq;
    g_assert_true(ic_client_send(n0, &env, NULL));
    g_autoptr(IcEnvelope) got_irq = expect(n1, SHOAL__V1__ENVELOPE__BODY_IRQ_LINE);
    g_assert_cmpuint(got_irq->irq_line->hart, ==, 1);
    g_assert_true(got_irq->irq_line->level);

    /* A stranger that never said Hello gets an Error, not pages. */
    g_autoptr(IcClient) stranger = ic_client_connect(&fx->machine, fx->dir, NULL);
    send_page_req(stranger, SHOAL__V1__ENVELOPE__BODY_GET_S, p0);
    g_autoptr(IcEnvelope) refused = expect(stranger, SHOAL__V1__ENVELOPE__BODY_ERROR);
    g_assert_cmpint(refused->error->code, ==, SHOAL__V1__ERROR_CODE__ERROR_CODE_BAD_REQUEST);
    /* So does a second node 0. */
    Shoal__V1__Hello hello = SHOAL__V1__HELLO__INIT;
    hello.version = IC_PROTOCOL_VERSION;
    hello.role = SHOAL__V1__ROLE__ROLE_NODE;
    hello.n_harts = 1;
    g_autoptr(GError) error = NULL;
    g_assert_null(ic_client_hello(stranger, &hello, 5000, &error));
    g_assert_nonnull(strstr(error->message, "already connected"));
    /* Without the machine's secret nothing is taken, whatever the role. */
    g_autoptr(GBytes) wrong = g_bytes_new_static("not the secret", 14);
    for (int role = SHOAL__V1__ROLE__ROLE_NODE; role <= SHOAL__V1__ROLE__ROLE_BRIDGE; role++)
        expect_denied(fx, role, 2, FALSE, wrong, NULL, "secret");
    expect_denied(fx, SHOAL__V1__ROLE__ROLE_NODE, 2, FALSE, NULL, NULL, "secret");
    /* With it, still no second console, and no request channel that does
     * not show its node's token. */
    g_autoptr(GBytes) secret = read_secret(fx);
    expect_denied(fx, SHOAL__V1__ROLE__ROLE_CONSOLE, 0, FALSE, secret, NULL, "console");
    expect_denied(fx, SHOAL__V1__ROLE__ROLE_NODE, 1, TRUE, secret, NULL, "token");
    expect_denied(fx, SHOAL__V1__ROLE__ROLE_NODE, 1, TRUE, secret, fx->node_token[0], "token");

    /* The guest ends the machine through the test device: every peer hears
     * Shutdown(42) after the last output, and the server exits 42. */
    g_assert_true(mmio(n0, UART, 1, TRUE, '!', NULL));
    g_assert_true(mmio(n0, TEST_DEV, 4, TRUE, (42 << 16) | 0x3333, NULL));
    g_autoptr(IcEnvelope) last = expect(con, SHOAL__V1__ENVELOPE__BODY_CONSOLE_BYTES);
    g_assert_cmpmem(last->console_bytes->data.data, last->console_bytes->data.len, "!", 1);
    IcClient *peers[] = { con, n0, n1 };
    for (guint i = 0; i < G_N_ELEMENTS(peers); i++) {
        g_autoptr(IcEnvelope) sd = expect(peers[i], SHOAL__V1__ENVELOPE__BODY_SHUTDOWN);
        g_assert_cmpint(sd->shutdown->exit_code, ==, 42);
    }
    g_assert_cmpint(wait_exit(fx), ==, 42);
    g_autofree char *sock = g_build_filename(fx->dir, "msrv.sock", NULL);
    g_assert_false(g_file_test(sock, G_FILE_TEST_EXISTS));
}

/* Grants asked for reply_here come back on the hart's channel; the
 * Invalidate or Recall that takes the page back comes on the node's main
 * connection and counts the grants the node was sent (proto/shoal.proto). */
static void test_hart_channel_grants(Fixture *fx, gconstpointer unused)
{
    g_autoptr(IcClient) n0 = connect_peer(fx, SHOAL__V1__ROLE__ROLE_NODE, 0);
    g_autoptr(IcClient) h0 = connect_as(fx, SHOAL__V1__ROLE__ROLE_NODE, 0, TRUE);
    g_autoptr(IcClient) n1 = connect_peer(fx, SHOAL__V1__ROLE__ROLE_NODE, 1);
    g_autoptr(IcClient) h1 = connect_as(fx, SHOAL__V1__ROLE__ROLE_NODE, 1, TRUE);
    const guint64 p0 = RAM_BASE;

    guint64 t = send_page_req_here(h0, SHOAL__V1__ENVELOPE__BODY_GET_S, p0, TRUE);
    expect_grant(h0, t, p0, S, 'K');
    expect_silence(n0);

    guint64 want = send_page_req_here(h1, SHOAL__V1__ENVELOPE__BODY_GET_M, p0, TRUE);
    g_autoptr(IcEnvelope) inv = expect(n0, SHOAL__V1__ENVELOPE__BODY_INVALIDATE);
    g_assert_cmpuint(inv->invalidate->grants, ==, 1);
    send_ack(n0, inv->txid, p0, 0);
    expect_grant(h1, want, p0, M, 'K');
    expect_silence(n1);

    want = send_page_req_here(h0, SHOAL__V1__ENVELOPE__BODY_GET_S, p0, TRUE);
    g_autoptr(IcEnvelope) rec = expect(n1, SHOAL__V1__ENVELOPE__BODY_RECALL);
    g_assert_cmpint(rec->recall->kind, ==, SHOAL__V1__RECALL_KIND__RECALL_KIND_DOWNGRADE);
    g_assert_cmpuint(rec->recall->grants, ==, 1);
    send_ack(n1, rec->txid, p0, 'Z');
    expect_grant(h0, want, p0, S, 'Z');

    /* Node 1 writes again (it kept S): node 0's second grant is counted. */
    want = send_page_req_here(h1, SHOAL__V1__ENVELOPE__BODY_UPGRADE, p0, TRUE);
    g_autoptr(IcEnvelope) inv2 = expect(n0, SHOAL__V1__ENVELOPE__BODY_INVALIDATE);
    g_assert_cmpuint(inv2->invalidate->grants, ==, 2);
    send_ack(n0, inv2->txid, p0, 0);
    expect_grant(h1, want, p0, M, 'Z');

    /* Without reply_here the grant goes to the node, as before. */
    t = send_page_req(h0, SHOAL__V1__ENVELOPE__BODY_GET_M, p0 + 0x1000);
    expect_grant(n0, t, p0 + 0x1000, M, 'L');
    expect_silence(h0);

    /* A refusal comes where the grant would have. */
    t = send_page_req_here(h0, SHOAL__V1__ENVELOPE__BODY_GET_S, RAM_BASE + (1 << 20), TRUE);
    g_autoptr(IcEnvelope) err = expect(h0, SHOAL__V1__ENVELOPE__BODY_ERROR);
    g_assert_cmpuint(err->txid, ==, t);
    g_assert_cmpint(err->error->code, ==, SHOAL__V1__ERROR_CODE__ERROR_CODE_NOT_RAM);
}

/* An IoFence is answered on the connection it came on, behind what came
 * before it there, never on the node's main connection. */
static void test_io_fence(Fixture *fx, gconstpointer unused)
{
    g_autoptr(IcClient) n0 = connect_peer(fx, SHOAL__V1__ROLE__ROLE_NODE, 0);
    g_autoptr(IcClient) h0 = connect_as(fx, SHOAL__V1__ROLE__ROLE_NODE, 0, TRUE);
    guint64 grant = send_page_req_here(h0, SHOAL__V1__ENVELOPE__BODY_GET_S, RAM_BASE, TRUE);
    Shoal__V1__IoFence fence = SHOAL__V1__IO_FENCE__INIT;
    IcEnvelope env = SHOAL__V1__ENVELOPE__INIT;
    env.txid = ic_client_next_txid(h0);
    env.body_case = SHOAL__V1__ENVELOPE__BODY_IO_FENCE;
    env.io_fence = &fence;
    g_assert_true(ic_client_send(h0, &env, NULL));
    expect_grant(h0, grant, RAM_BASE, S, 'K');
    g_autoptr(IcEnvelope) done = expect(h0, SHOAL__V1__ENVELOPE__BODY_IO_FENCE);
    g_assert_cmpuint(done->txid, ==, env.txid);
    expect_silence(n0);
}

/* A node that stops reading: once its grants fill the server's queue for
 * it, the machine ends with status 1 and says why, instead of losing one
 * (which would hang a hart without a word). */
static void test_unread_node(Fixture *fx, gconstpointer unused)
{
    g_autoptr(IcClient) con = connect_peer(fx, SHOAL__V1__ROLE__ROLE_CONSOLE, 0);
    g_autoptr(IcClient) n0 = connect_peer(fx, SHOAL__V1__ROLE__ROLE_NODE, 0);
    g_autoptr(IcClient) h0 = connect_as(fx, SHOAL__V1__ROLE__ROLE_NODE, 0, TRUE);
    const guint asks = 20000; /* 80 MB of grants: more than the server queues for a peer */
    for (guint i = 0; i < asks; i++)
        send_page_req_here(h0, SHOAL__V1__ENVELOPE__BODY_GET_S, RAM_BASE + (i % 256) * 4096, TRUE);
    g_autoptr(IcEnvelope) sd = expect(con, SHOAL__V1__ENVELOPE__BODY_SHUTDOWN);
    g_assert_cmpint(sd->shutdown->exit_code, ==, 1);
    if (!strstr(sd->shutdown->reason, "cannot send page_grant"))
        g_error("the machine ended for \"%s\"", sd->shutdown->reason);
    g_assert_true(ic_client_send(con, sd, NULL)); /* the console has everything */
    g_assert_cmpint(wait_exit(fx), ==, 1);
}

static void test_guest_exit(Fixture *fx, gconstpointer unused)
{
    g_autoptr(IcClient) n0 = connect_peer(fx, SHOAL__V1__ROLE__ROLE_NODE, 0);
    /* Without a console, UART output goes to the server's stdout. */
    g_assert_true(mmio(n0, UART, 1, TRUE, 'o', NULL));
    g_assert_true(mmio(n0, UART, 1, TRUE, 'k', NULL));
    Shoal__V1__GuestExit ge = SHOAL__V1__GUEST_EXIT__INIT;
    ge.code = 7;
    IcEnvelope env = SHOAL__V1__ENVELOPE__INIT;
    env.body_case = SHOAL__V1__ENVELOPE__BODY_GUEST_EXIT;
    env.guest_exit = &ge;
    g_assert_true(ic_client_send(n0, &env, NULL));
    g_autoptr(IcEnvelope) sd = expect(n0, SHOAL__V1__ENVELOPE__BODY_SHUTDOWN);
    g_assert_cmpint(sd->shutdown->exit_code, ==, 7);
    g_assert_cmpint(wait_exit(fx), ==, 7);
    char buf[16] = { 0 };
    g_assert_cmpint(read(fx->out_fd, buf, sizeof buf - 1), ==, 2);
    g_assert_cmpstr(buf, ==, "ok");
}

static void test_sigterm(Fixture *fx, gconstpointer unused)
{
    g_autoptr(IcClient) n0 = connect_peer(fx, SHOAL__V1__ROLE__ROLE_NODE, 0);
    kill(fx->pid, SIGTERM);
    g_autoptr(IcEnvelope) sd = expect(n0, SHOAL__V1__ENVELOPE__BODY_SHUTDOWN);
    g_assert_cmpint(sd->shutdown->exit_code, ==, 128 + SIGTERM);
    g_assert_cmpint(wait_exit(fx), ==, 128 + SIGTERM);
    g_autofree char *sock = g_build_filename(fx->dir, "msrv.sock", NULL);
    g_assert_false(g_file_test(sock, G_FILE_TEST_EXISTS));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add("/msrv/server/two-nodes", Fixture, NULL, setup, test_machine, teardown);
    g_test_add("/msrv/server/hart-channel-grants", Fixture, NULL, setup, test_hart_channel_grants,
               teardown);
    g_test_add("/msrv/server/io-fence", Fixture, NULL, setup, test_io_fence, teardown);
    g_test_add("/msrv/server/unread-node", Fixture, NULL, setup, test_unread_node, teardown);
    g_test_add("/msrv/server/guest-exit", Fixture, NULL, setup, test_guest_exit, teardown);
    g_test_add("/msrv/server/sigterm", Fixture, NULL, setup, test_sigterm, teardown);
    return g_test_run();
}
