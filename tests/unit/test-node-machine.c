/* SPDX-License-Identifier: MIT */
/* Whole machines: a real memory server and real cpu-node processes running a
 * hand-assembled guest in which every hart does N atomic increments of one
 * shared counter and hart 0 waits for the total before it ends the machine
 * through the test device. Across two nodes the counter's page migrates
 * hundreds of times (recall, invalidate, grant); within one node the harts
 * share a frame. A lost update or a lost wake-up hangs or fails the run. */
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#define RAM_BASE 0x80000000u
#define N_INCS 20000

/* ---- a tiny RV64 assembler for the few instructions needed ---- */
enum { ZERO = 0, A0 = 10, T0 = 5, T1 = 6, T2 = 7, T3 = 28, T4 = 29, T5 = 30, T6 = 31 };

static guint32 lui(guint rd, guint32 imm20) { return (imm20 << 12) | (rd << 7) | 0x37; }
static guint32 auipc(guint rd, guint32 imm20) { return (imm20 << 12) | (rd << 7) | 0x17; }
static guint32 addi(guint rd, guint rs1, gint32 imm)
{
    return ((guint32)(imm & 0xfff) << 20) | (rs1 << 15) | (rd << 7) | 0x13;
}
static guint32 amoadd_w(guint rd, guint rs2, guint rs1)
{
    return (rs2 << 20) | (rs1 << 15) | (2u << 12) | (rd << 7) | 0x2f;
}
static guint32 lw(guint rd, guint rs1) { return (rs1 << 15) | (2u << 12) | (rd << 7) | 0x03; }
static guint32 sw(guint rs2, guint rs1) { return (rs2 << 20) | (rs1 << 15) | (2u << 12) | 0x23; }
static guint32 sw_off(guint rs2, guint rs1, guint32 off)
{
    return ((off >> 5) << 25) | (rs2 << 20) | (rs1 << 15) | (2u << 12) | ((off & 0x1f) << 7) | 0x23;
}
static guint32 andi(guint rd, guint rs1, gint32 imm)
{
    return ((guint32)(imm & 0xfff) << 20) | (rs1 << 15) | (7u << 12) | (rd << 7) | 0x13;
}
static guint32 csrr(guint rd, guint32 csr) { return (csr << 20) | (2u << 12) | (rd << 7) | 0x73; }
static guint32 bne(guint rs1, guint rs2, gint32 off)
{
    guint32 o = (guint32)off;
    return (((o >> 12) & 1) << 31) | (((o >> 5) & 0x3f) << 25) | (rs2 << 20) | (rs1 << 15) |
           (1u << 12) | (((o >> 1) & 0xf) << 8) | (((o >> 11) & 1) << 7) | 0x63;
}
static guint32 jal_self(void) { return 0x6f; }
static guint32 j_rel(gint32 off) /* jal zero, off */
{
    guint32 o = (guint32)off;
    return (((o >> 20) & 1) << 31) | (((o >> 1) & 0x3ff) << 21) | (((o >> 11) & 1) << 20) |
           (((o >> 12) & 0xff) << 12) | 0x6f;
}

/* li for 0 <= v < 2^31 - 2^11: lui + addi, rounding hi for addi's sign. */
static gsize li(guint32 *code, guint rd, guint32 v)
{
    guint32 hi = (v + 0x800) >> 12;
    code[0] = lui(rd, hi);
    code[1] = addi(rd, rd, (gint32)(v - (hi << 12)));
    return 2;
}

/* The guest; a0 = mhartid at reset. The counter is on page 1, the code on
 * page 0, so the code stays Shared while the counter moves. */
static gsize assemble(guint32 *code, guint n_harts)
{
    gsize n = 0;
    /* t0 = &counter; auipc, since lui would sign-extend 0x80001000 on RV64 */
    code[n++] = auipc(T0, 1);
    n += li(code + n, T1, N_INCS);
    code[n++] = addi(T2, ZERO, 1);
    gsize loop = n;
    code[n++] = amoadd_w(ZERO, T2, T0);
    code[n++] = addi(T1, T1, -1);
    code[n] = bne(T1, ZERO, (gint32)(loop - n) * 4);
    n++;
    gsize park_branch = n++; /* bne a0, zero, park (patched below) */
    n += li(code + n, T3, N_INCS * n_harts);
    gsize wait = n;
    code[n++] = lw(T4, T0);
    code[n] = bne(T4, T3, (gint32)(wait - n) * 4);
    n++;
    code[n++] = lui(T5, 0x100);          /* the test device */
    code[n++] = lui(T6, 0x5);
    code[n++] = addi(T6, T6, 0x555);    /* 0x5555: pass */
    code[n++] = sw(T6, T5);
    gsize park = n;
    code[n++] = jal_self();
    code[park_branch] = bne(A0, ZERO, (gint32)(park - park_branch) * 4);
    return n;
}

/* Hart 0 raises hart 1's software interrupt through the CLINT's msip;
 * hart 1 polls mip.MSIP and, once it sees it, passes the test. Across
 * nodes the msip write travels as an IrqLine through the memory server. */
static gsize assemble_ipi(guint32 *code, guint n_harts)
{
    gsize n = 0;
    gsize to_hart1 = n++; /* bne a0, zero, hart1 (patched) */
    code[n++] = lui(T5, 0x2000);       /* the CLINT */
    code[n++] = addi(T6, ZERO, 1);
    code[n++] = sw_off(T6, T5, 4);     /* msip[1] = 1 */
    gsize park = n;
    code[n++] = jal_self();
    gsize hart1 = n;
    code[n++] = csrr(T0, 0x344);       /* mip */
    code[n++] = andi(T0, T0, 8);       /* MSIP */
    code[n] = bne(T0, ZERO, 8);        /* seen: skip the jump back */
    n++;
    code[n] = j_rel(-(gint32)(n - hart1) * 4);
    n++;
    code[n++] = lui(T5, 0x100);        /* the test device */
    code[n++] = lui(T6, 0x5);
    code[n++] = addi(T6, T6, 0x555);
    code[n++] = sw(T6, T5);
    code[n] = j_rel(-(gint32)(n - park) * 4);
    n++;
    code[to_hart1] = bne(A0, ZERO, (gint32)(hart1 - to_hart1) * 4);
    return n;
}

static void write_kernel(const char *path, guint n_harts, gboolean ipi)
{
    const gsize data_off = 0x1000, data_len = 0x2000;
    g_autofree guint8 *f = g_malloc0(data_off + data_len);
    memcpy(f, "\x7f" "ELF\x02\x01\x01", 7);
    *(guint16 *)(f + 16) = 2;   /* ET_EXEC */
    *(guint16 *)(f + 18) = 243; /* EM_RISCV */
    *(guint32 *)(f + 20) = 1;
    *(guint64 *)(f + 24) = RAM_BASE;
    *(guint64 *)(f + 32) = 64;
    *(guint16 *)(f + 52) = 64;
    *(guint16 *)(f + 54) = 56;
    *(guint16 *)(f + 56) = 1;
    guint8 *ph = f + 64;
    *(guint32 *)ph = 1;
    *(guint32 *)(ph + 4) = 7;
    *(guint64 *)(ph + 8) = data_off;
    *(guint64 *)(ph + 16) = RAM_BASE;
    *(guint64 *)(ph + 24) = RAM_BASE;
    *(guint64 *)(ph + 32) = data_len;
    *(guint64 *)(ph + 40) = data_len;
    if (ipi)
        assemble_ipi((guint32 *)(f + data_off), n_harts);
    else
        assemble((guint32 *)(f + data_off), n_harts);
    g_assert_true(g_file_set_contents(path, (const char *)f, (gssize)(data_off + data_len), NULL));
}

typedef struct {
    const char *name;
    const char *nodes; /* [node.N] groups */
    guint n_nodes;
    guint n_harts;
    const char *accel;
    gboolean ipi;      /* the msip program instead of the counter */
} Machine;

static const Machine machines[] = {
    { "one-node-one-hart", "[node.0]\nharts=1\n", 1, 1, "interp" },
    { "one-node-two-harts", "[node.0]\nharts=2\n", 1, 2, "interp" },
    { "two-nodes", "[node.0]\nharts=1\n[node.1]\nharts=1\n", 2, 2, "interp" },
    { "two-nodes-jit", "[node.0]\nharts=1\n[node.1]\nharts=1\n", 2, 2, "jit" },
    { "three-nodes-four-harts", "[node.0]\nharts=2\n[node.1]\nharts=1\n[node.2]\nharts=1\n", 3,
      4, "interp" },
    { "ipi-one-node", "[node.0]\nharts=2\n", 1, 2, "interp", TRUE },
    { "ipi-two-nodes", "[node.0]\nharts=1\n[node.1]\nharts=1\n", 2, 2, "interp", TRUE },
};

static GPid spawn(char **argv)
{
    GPid pid;
    g_autoptr(GError) error = NULL;
    g_spawn_async(NULL, argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid, &error);
    g_assert_no_error(error);
    return pid;
}

/* Exit status of @pid within @ms, or -1 after killing it. */
static int reap(GPid pid, int ms)
{
    for (int t = 0; t < ms; t += 10) {
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        g_usleep(10000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return -1;
}

static void test_machine(gconstpointer data)
{
    const Machine *m = data;
    g_autoptr(GError) error = NULL;
    g_autofree char *dir = g_dir_make_tmp("shoal-test-node-XXXXXX", &error);
    g_assert_no_error(error);
    g_autofree char *conf = g_build_filename(dir, "m.conf", NULL);
    g_autofree char *kernel = g_build_filename(dir, "k.elf", NULL);
    g_autofree char *text = g_strdup_printf(
        "[memory]\nbase=0x80000000\nsize=1M\n[cpu]\naccel=%s\ncode-buffer=1M\n%s"
        "[device.test]\ntype=sifive_test\nbase=0x100000\nsize=0x1000\n"
        "[device.clint]\ntype=clint\nbase=0x2000000\nsize=0x10000\n",
        m->accel, m->nodes);
    g_assert_true(g_file_set_contents(conf, text, -1, NULL));
    write_kernel(kernel, m->n_harts, m->ipi);

    const char *b = g_getenv("SHOAL_BUILDDIR");
    g_autofree char *msrv = g_build_filename(b ? b : ".", "shoal-memory-server", NULL);
    g_autofree char *node = g_build_filename(b ? b : ".", "shoal-cpu-node", NULL);
    char *sargv[] = { msrv, conf, "--kernel", kernel, "--run-dir", dir, NULL };
    GPid server = spawn(sargv);
    GPid nodes[4];
    for (guint i = 0; i < m->n_nodes; i++) {
        g_autofree char *index = g_strdup_printf("%u", i);
        char *nargv[] = { node, conf, "--kernel", kernel, "--run-dir", dir, "--node", index, NULL };
        nodes[i] = spawn(nargv);
    }
    int server_rc = reap(server, 30000);
    int node_rc[4];
    for (guint i = 0; i < m->n_nodes; i++)
        node_rc[i] = reap(nodes[i], server_rc < 0 ? 0 : 5000);
    g_unlink(conf);
    g_unlink(kernel);
    g_autofree char *sock = g_build_filename(dir, "msrv.sock", NULL);
    gboolean stale = g_file_test(sock, G_FILE_TEST_EXISTS);
    g_unlink(sock);
    g_rmdir(dir);

    g_assert_cmpint(server_rc, ==, 0); /* -1: the guest never finished */
    for (guint i = 0; i < m->n_nodes; i++)
        g_assert_cmpint(node_rc[i], ==, 0);
    g_assert_false(stale);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (guint i = 0; i < G_N_ELEMENTS(machines); i++) {
        g_autofree char *path = g_strdup_printf("/node/machine/%s", machines[i].name);
        g_test_add_data_func(path, &machines[i], test_machine);
    }
    return g_test_run();
}
