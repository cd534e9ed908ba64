/* SPDX-License-Identifier: MIT */
/* The IR back ends op by op (interpreter and x86-64 JIT against a table
 * of RISC-V answers), and whole harts running small programs against an
 * in-test RAM + one device that implements TcgNodeOps, as the node does. */
#include <string.h>

#include "tcg/internal.h"
#include "tests/unit/rv-encode.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE (256 * 1024)
#define DEV_BASE 0x10000000ull

typedef struct {
    guint8 *ram;
    TcgHart *hart;
    guint64 dev_value; /* last value written to the device */
    guint dev_writes;
    guint io_fences, io_fences_blocking; /* io_fence calls without / with may_block */
} Machine;

static gboolean m_page_map(gpointer opaque, guint hart_id, guint64 paddr, TcgAccess access,
                           TcgPageMap *out)
{
    Machine *m = opaque;
    if (paddr >= RAM_BASE && paddr < RAM_BASE + RAM_SIZE) {
        out->host = m->ram + ((paddr - RAM_BASE) & TCG_PAGE_MASK);
        out->writable = TRUE;
        return TRUE;
    }
    if ((paddr & TCG_PAGE_MASK) == DEV_BASE) {
        out->host = NULL;
        return TRUE;
    }
    return FALSE;
}

static gboolean m_mmio_read(gpointer opaque, guint hart_id, guint64 paddr, unsigned size,
                            guint64 *value)
{
    *value = ((Machine *)opaque)->dev_value;
    return TRUE;
}

/* A write to the device ends the program. */
static gboolean m_mmio_write(gpointer opaque, guint hart_id, guint64 paddr, unsigned size,
                             guint64 value)
{
    Machine *m = opaque;
    m->dev_value = value;
    m->dev_writes++;
    tcg_hart_stop(m->hart);
    return TRUE;
}

/* As a node with posted writes outstanding: it must wait, at a safe point. */
static gboolean m_io_fence(gpointer opaque, guint hart_id, gboolean may_block)
{
    Machine *m = opaque;
    if (!may_block) {
        m->io_fences++;
        return FALSE;
    }
    m->io_fences_blocking++;
    return TRUE;
}

static void m_watched_store(gpointer opaque, guint hart_id, guint64 paddr, unsigned size,
                            guint64 value)
{
}

static guint64 m_read_time(gpointer opaque, guint hart_id)
{
    return 42;
}

static const TcgNodeOps machine_ops = {
    .page_map = m_page_map, .mmio_read = m_mmio_read, .mmio_write = m_mmio_write,
    .io_fence = m_io_fence, .watched_store = m_watched_store, .read_time = m_read_time,
};

/* ---- counted time: what a budgeted hart tells its node ---- */
#define BUDGET 10
#define IDLE_QUANTA_BEFORE_TIMER 3

typedef struct {
    Machine m;
    GArray *ends;  /* retired count at each quantum_end */
    guint idle_ends;
} Budgeted;

static guint64 b_quantum_end(gpointer opaque, guint hart_id, gboolean idle)
{
    Budgeted *b = opaque;
    guint64 retired = tcg_hart_retired(b->m.hart);
    g_array_append_val(b->ends, retired);
    /* The node's timer: due after a few idle quanta. */
    if (idle && ++b->idle_ends == IDLE_QUANTA_BEFORE_TIMER)
        tcg_hart_set_irq(b->m.hart, TCG_IRQ_MTIP, TRUE);
    return BUDGET;
}

static const TcgNodeOps budgeted_ops = {
    .page_map = m_page_map, .mmio_read = m_mmio_read, .mmio_write = m_mmio_write,
    .watched_store = m_watched_store, .read_time = m_read_time, .quantum_end = b_quantum_end,
};

static Machine *machine_new_config(const TcgHartConfig *cfg)
{
    Machine *m = g_new0(Machine, 1);
    m->ram = g_malloc0(RAM_SIZE);
    m->hart = tcg_hart_new(cfg, &machine_ops, m);
    return m;
}

static Machine *machine_new_with(TcgAccel accel, gsize code_buffer)
{
    TcgHartConfig cfg = { .hart_id = 0, .accel = accel, .code_buffer_size = code_buffer };
    return machine_new_config(&cfg);
}

static Machine *machine_new(void)
{
    return machine_new_with(TCG_ACCEL_INTERP, 0);
}

static void machine_free(Machine *m)
{
    tcg_hart_free(m->hart);
    g_free(m->ram);
    g_free(m);
}


static void load_program(Machine *m, guint64 at, const guint32 *words, gsize n)
{
    memcpy(m->ram + (at - RAM_BASE), words, n * sizeof *words);
}

static void run(Machine *m, guint64 pc)
{
    tcg_hart_reset(m->hart, pc, 0, 0);
    tcg_hart_run(m->hart);
}

/* ---- The op table ---- */
typedef struct {
    TcgOpcode opc;
    guint64 a, b;
    guint64 expected;
    guint8 aux;
    gint64 imm; /* zext/sext: the width */
} OpCase;

static const OpCase op_cases[] = {
    { TCG_OP_add, 1, 2, 3 },
    { TCG_OP_zext, 0xffffffff8000abcdull, 0, 0xabcd, 0, 16 },
    { TCG_OP_zext, 0xffffffff8000abcdull, 0, 0xcd, 0, 8 },
    { TCG_OP_zext, 0xffffffff8000abcdull, 0, 0x8000abcd, 0, 32 },
    { TCG_OP_sext, 0x8000abcd, 0, 0xffffffffffffabcdull, 0, 16 },
    { TCG_OP_sext, 0x1234, 0, 0x1234, 0, 16 },
    { TCG_OP_sext, 0x7f80, 0, 0xffffffffffffff80ull, 0, 8 },
    { TCG_OP_sext, 0x80000000, 0, 0xffffffff80000000ull, 0, 32 },
    { TCG_OP_add, ~0ull, 1, 0 },
    { TCG_OP_sub, 0, 1, ~0ull },
    { TCG_OP_and, 0xf0f0, 0xff00, 0xf000 },
    { TCG_OP_or, 0xf0f0, 0x0f00, 0xfff0 },
    { TCG_OP_xor, 0xff, 0x0f, 0xf0 },
    { TCG_OP_shl, 1, 63, 1ull << 63 },
    { TCG_OP_shl, 1, 64, 1 }, /* count modulo 64 */
    { TCG_OP_shr, 1ull << 63, 63, 1 },
    { TCG_OP_sar, 1ull << 63, 63, ~0ull },
    { TCG_OP_mul, 0x100000000ull, 0x100000000ull, 0 },
    { TCG_OP_mul, 3, (guint64)-5, (guint64)-15 },                  /* imm8 */
    { TCG_OP_mul, (guint64)-3, 100000, (guint64)-300000 },         /* imm32 */
    { TCG_OP_mul, 7, 0x123456789ull, 0x7f6e5d4bfull },             /* no imm32 */
    { TCG_OP_mulsh, (guint64)-1, (guint64)-1, 0 },
    { TCG_OP_muluh, ~0ull, ~0ull, ~0ull - 1 },
    { TCG_OP_mulsuh, (guint64)-1, ~0ull, ~0ull },
    { TCG_OP_div, 7, 0, ~0ull },
    { TCG_OP_div, 1ull << 63, (guint64)-1, 1ull << 63 },
    { TCG_OP_div, (guint64)-7, 2, (guint64)-3 },
    { TCG_OP_divu, 7, 0, ~0ull },
    { TCG_OP_divu, ~0ull, 2, ~0ull >> 1 },
    { TCG_OP_rem, 7, 0, 7 },
    { TCG_OP_rem, 1ull << 63, (guint64)-1, 0 },
    { TCG_OP_rem, (guint64)-7, 2, (guint64)-1 },
    { TCG_OP_remu, 7, 0, 7 },
    { TCG_OP_remu, 7, 4, 3 },
    { TCG_OP_setcond, (guint64)-1, 1, 1, TCG_COND_LT },
    { TCG_OP_setcond, (guint64)-1, 1, 0, TCG_COND_LTU },
    { TCG_OP_setcond, 5, 5, 1, TCG_COND_GE },
    { TCG_OP_setcond, 5, 5, 1, TCG_COND_GEU },
    { TCG_OP_setcond, 5, 5, 1, TCG_COND_EQ },
    { TCG_OP_setcond, 5, 5, 0, TCG_COND_NE },
    { TCG_OP_rotl, 0x8000000000000001ull, 1, 3 },
    { TCG_OP_rotl, 0x0123456789abcdefull, 4, 0x123456789abcdef0ull },
    { TCG_OP_rotl, 0x0123456789abcdefull, 64, 0x0123456789abcdefull }, /* count mod 64 */
    { TCG_OP_rotr, 1, 1, 1ull << 63 },
    { TCG_OP_rotr, 0x0123456789abcdefull, 68, 0xf0123456789abcdeull },
    { TCG_OP_rotl32, 0x80000001, 1, 3 },
    { TCG_OP_rotl32, 0x40000000, 1, 0xffffffff80000000ull }, /* sign-extended */
    { TCG_OP_rotl32, 0xffffffff00000001ull, 33, 2 },          /* high half, count mod 32 */
    { TCG_OP_rotr32, 1, 1, 0xffffffff80000000ull },
    { TCG_OP_rotr32, 0x123456789abcdef0ull, 0, 0xffffffff9abcdef0ull },
    { TCG_OP_rotr32, 0x12345678ull, 36, 0x81234567ull | 0xffffffff00000000ull },
    { TCG_OP_clz, 0, 0, 64 },
    { TCG_OP_clz, 1, 0, 63 },
    { TCG_OP_clz, 1ull << 63, 0, 0 },
    { TCG_OP_clz, 0x00f0000000000000ull, 0, 8 },
    { TCG_OP_ctz, 0, 0, 64 },
    { TCG_OP_ctz, 1ull << 63, 0, 63 },
    { TCG_OP_ctz, 0x10, 0, 4 },
    { TCG_OP_ctz, ~0ull, 0, 0 },
    { TCG_OP_cpop, 0, 0, 0 },
    { TCG_OP_cpop, ~0ull, 0, 64 },
    { TCG_OP_cpop, 0x8000000000000001ull, 0, 2 },
    { TCG_OP_cpop, 0x5555555555555555ull, 0, 32 },
    { TCG_OP_bswap, 0x0123456789abcdefull, 0, 0xefcdab8967452301ull },
    { TCG_OP_min, (guint64)-1, 1, (guint64)-1 },
    { TCG_OP_min, 1ull << 63, 0, 1ull << 63 },
    { TCG_OP_max, (guint64)-1, 1, 1 },
    { TCG_OP_max, 7, 7, 7 },
    { TCG_OP_minu, (guint64)-1, 1, 1 },
    { TCG_OP_maxu, (guint64)-1, 1, (guint64)-1 },
    { TCG_OP_maxu, 0, 1ull << 63, 1ull << 63 },
};

/* Runs a block built by @build on @m's back end: compiled when it has a
 * JIT, interpreted otherwise. */
static void run_ir(Machine *m, TcgIr *ir)
{
    TcgBlock *block = g_new0(TcgBlock, 1);
    tcg_liveness(ir); /* what the JIT's allocator reads; no folding */
    block->ops = g_memdup2(ir->ops, ir->n_ops * sizeof(TcgOp));
    block->n_ops = ir->n_ops;
    block->n_temps = ir->n_temps;
    g_assert_cmpuint(ir->n_labels, ==, 0); /* label_pos would need filling */
    block->label_pos = g_new0(guint, 1);
    if (m->hart->jit != NULL) {
        g_assert_true(tcg_jit_compile(m->hart, block));
        tcg_jit_enter(m->hart, block);
    } else {
        tcg_interp_block(m->hart, block);
    }
    tcg_block_free(block);
}

/* out = x11 op x12 for out in x10 (a third register), x11 and x12 (in
 * place, as x86's two-operand forms like), with the second input also as
 * an immediate, and through block temps that die at the op: both back
 * ends, every case. One-input ops get TCG_TEMP_NONE for in1 (x12 still
 * holds b, and is still the output in the forms that say so). The JIT
 * uses only the @host_isa instructions it may choose (TcgHostIsa). */
static void check_ops(TcgAccel accel, guint host_isa)
{
    static const TcgTemp outs[] = { 10, 11, 12 };
    Machine *m = machine_new_with(accel, 1 << 20);
    if (m->hart->jit != NULL) {
        tcg_jit_limit_host_isa(m->hart, host_isa);
    }
    for (guint i = 0; i < G_N_ELEMENTS(op_cases); i++) {
        const OpCase *c = &op_cases[i];
        gboolean unary = tcg_op_descs[c->opc].n_ins == 1;
        for (guint form = 0; form < 2 * G_N_ELEMENTS(outs) + 3; form++) {
            TcgIr ir;
            tcg_ir_reset(&ir);
            TcgTemp out = outs[form % G_N_ELEMENTS(outs)];
            gboolean imm_form = form >= G_N_ELEMENTS(outs) && form < 2 * G_N_ELEMENTS(outs);
            if (form == 2 * G_N_ELEMENTS(outs) + 1) {
                /* a guest register made constant in the block is the first
                 * input and the output: x10 = a; x10 = x10 op x12 */
                tcg_gen_movi(&ir, 10, (gint64)c->a);
                tcg_gen_op(&ir, c->opc, 10, 10, unary ? TCG_TEMP_NONE : 12, TCG_TEMP_NONE, c->imm,
                           c->aux);
                out = 10;
            } else if (form == 2 * G_N_ELEMENTS(outs) + 2) {
                /* ... the second input and the output: x12 = b; x12 = x11 op x12 */
                tcg_gen_movi(&ir, 12, (gint64)c->b);
                tcg_gen_op(&ir, c->opc, 12, 11, unary ? TCG_TEMP_NONE : 12, TCG_TEMP_NONE, c->imm,
                           c->aux);
                out = 12;
            } else if (form == 2 * G_N_ELEMENTS(outs)) {
                /* temps: t0 = x11 + 0x10, t1 = x12, t2 = t0 op t1, x10 = t2 */
                TcgTemp t0 = tcg_temp_new(&ir), t1 = tcg_temp_new(&ir), t2 = tcg_temp_new(&ir);
                tcg_gen_addi(&ir, t0, 11, 0x10);
                tcg_gen_addi(&ir, t0, t0, -0x10);
                tcg_gen_mov(&ir, t1, 12);
                tcg_gen_op(&ir, c->opc, t2, t0, unary ? TCG_TEMP_NONE : t1, TCG_TEMP_NONE, c->imm,
                           c->aux);
                tcg_gen_mov(&ir, 10, t2);
                out = 10;
            } else {
                TcgTemp b = imm_form ? tcg_const(&ir, (gint64)c->b) : 12;
                tcg_gen_op(&ir, c->opc, out, 11, unary ? TCG_TEMP_NONE : b, TCG_TEMP_NONE, c->imm,
                           c->aux);
            }
            tcg_gen_exit_tb(&ir);
            m->hart->env.x[10] = 0xdead;
            m->hart->env.x[11] = c->a;
            m->hart->env.x[12] = c->b;
            run_ir(m, &ir);
            g_test_message("%s 0x%" G_GINT64_MODIFIER "x 0x%" G_GINT64_MODIFIER "x form %u",
                           tcg_op_descs[c->opc].name, c->a, c->b, form);
            g_assert_cmphex(m->hart->env.x[out], ==, c->expected);
        }
    }
    machine_free(m);
}

static void test_ops(void)
{
    check_ops(TCG_ACCEL_INTERP, 0);
}

static void test_jit_ops(void)
{
    check_ops(TCG_ACCEL_JIT, ~0u);
}

/* The same on x86-64's baseline: bsr/bsf and SWAR instead of lzcnt,
 * tzcnt and popcnt. */
static void test_jit_ops_baseline(void)
{
    check_ops(TCG_ACCEL_JIT, 0);
}

/* 4000 distinct blocks (addi; jal to the next) through a 128 KiB code
 * buffer: the JIT must flush and refill it and still get the sum right. */
static void test_jit_buffer_full(void)
{
    Machine *m = machine_new_with(TCG_ACCEL_JIT, 128 * 1024);
    const guint n = 4000;
    guint32 *code = (guint32 *)m->ram;
    code[0] = ADDI(A0, ZERO, 0);
    code[1] = 0x0040006f;                     /* jal x0, +4 */
    guint64 want = 0;
    for (guint k = 0; k < n; k++) {
        code[2 + 2 * k] = ADDI(A0, A0, (gint32)(k % 2000));
        code[3 + 2 * k] = 0x0040006f; /* jal x0, +4: ends the block */
        want += k % 2000;
    }
    code[2 + 2 * n] = LUI(T0, DEV_BASE >> 12);
    code[3 + 2 * n] = SD(A0, 0, T0);
    run(m, RAM_BASE);
    TcgHartStats stats;
    tcg_hart_get_stats(m->hart, &stats);
    g_assert_cmpuint(m->dev_value, ==, want);
    g_assert_cmpuint(stats.buffer_flushes, >, 0);
    machine_free(m);
}

/* A loop whose values live in s2-s6, none of them pinned at first: the
 * samples find its registers, the hart pins them and translates the loop
 * again, and the sums come out the same. The loop runs 800M times (about
 * 0.5 s here) where the first move needs 8 samples of 5 ms. */
static void test_pin_profile(void)
{
    TcgHartConfig cfg = { .accel = TCG_ACCEL_JIT, .code_buffer_size = 1 << 20,
                          .profile_pins = TRUE };
    Machine *m = machine_new_config(&cfg);
    enum { S2 = 18, S3, S4, S5, S6 };
    const guint32 prog[] = {
        LUI(S2, 0x2faf0), ADDI(S3, ZERO, 0), ADDI(S4, ZERO, 0), ADDI(S5, ZERO, 0),
        ADDI(S6, ZERO, 0),
        ADD(S3, S3, S2), ADD(S4, S4, S3), ADD(S5, S5, S4), ADD(S6, S6, S2), ADDI(S2, S2, -1),
        BNE(S2, ZERO, -20),
        ADD(S3, S3, S4), ADD(S3, S3, S5), ADD(S3, S3, S6),
        LUI(T0, DEV_BASE >> 12), SD(S3, 0, T0),
    };
    guint64 s2 = 0x2faf0000, s3 = 0, s4 = 0, s5 = 0, s6 = 0;
    for (; s2 != 0; s2--) {
        s3 += s2, s4 += s3, s5 += s4, s6 += s2;
    }
    load_program(m, RAM_BASE, prog, G_N_ELEMENTS(prog));
    run(m, RAM_BASE);
    TcgHartStats stats;
    tcg_hart_get_stats(m->hart, &stats);
    g_assert_cmphex(m->dev_value, ==, s3 + s4 + s5 + s6);
    g_assert_cmpuint(stats.pin_moves, >=, 1);
    machine_free(m);
}

static void test_ext(void)
{
    Machine *m = machine_new();
    TcgIr ir;
    tcg_ir_reset(&ir);
    TcgTemp v = tcg_const(&ir, 0x80000000ll);
    tcg_gen_unop(&ir, TCG_OP_ext32s, 10, v);
    tcg_gen_unop(&ir, TCG_OP_ext32u, 11, tcg_const(&ir, -1));
    tcg_gen_addi(&ir, 12, v, -1);
    tcg_gen_exit_tb(&ir);
    TcgBlock block = { .ops = ir.ops, .n_ops = ir.n_ops };
    tcg_interp_block(m->hart, &block);
    g_assert_cmphex(m->hart->env.x[10], ==, 0xffffffff80000000ull);
    g_assert_cmphex(m->hart->env.x[11], ==, 0xffffffffull);
    g_assert_cmphex(m->hart->env.x[12], ==, 0x7fffffffull);
    machine_free(m);
}

/* a0 = 1 + 2 + ... + 100 in a loop: a 5-instruction block, then a
 * 3-instruction one that chains to itself. */
#define SUM_1_TO_100_INTO_A0                                                                 \
    ADDI(A0, ZERO, 0), ADDI(A1, ZERO, 100), ADD(A0, A0, A1), ADDI(A1, A1, -1),               \
        BNE(A1, ZERO, -8)

/* sum 1..100 in a loop (a chained block), stored to the device. */
static void test_loop_program(void)
{
    Machine *m = machine_new();
    const guint32 prog[] = {
        SUM_1_TO_100_INTO_A0,
        LUI(T0, DEV_BASE >> 12),
        SD(A0, 0, T0),
    };
    load_program(m, RAM_BASE, prog, G_N_ELEMENTS(prog));
    run(m, RAM_BASE);
    g_assert_cmpuint(m->dev_writes, ==, 1);
    g_assert_cmpuint(m->dev_value, ==, 5050);
    machine_free(m);
}

/* A FENCE with O (device output) in its predecessor set asks the node to
 * finish the hart's posted writes, first without blocking, then at a safe
 * point; one without O asks nothing. */
static void test_io_fence(gconstpointer data)
{
    Machine *m = machine_new_with(GPOINTER_TO_INT(data), 1 << 20);
    const guint32 prog[] = {
        0x0410000fu, /* fence o,w (Linux's mmiowb) */
        0x0330000fu, /* fence rw,rw */
        0x0ff0000fu, /* fence iorw,iorw */
        0x0210000fu, /* fence r,w */
        LUI(T0, DEV_BASE >> 12),
        SD(ZERO, 0, T0),
    };
    load_program(m, RAM_BASE, prog, G_N_ELEMENTS(prog));
    run(m, RAM_BASE);
    g_assert_cmpuint(m->dev_writes, ==, 1);
    g_assert_cmpuint(m->io_fences, ==, 2);
    g_assert_cmpuint(m->io_fences_blocking, ==, 2);
    machine_free(m);
}

/* minstret and mcycle count the instructions retired before the reading
 * one, and a write leaves the writing instruction out: minstret written 0
 * reads 0 in the next instruction and 5 five instructions on; mcycle, two
 * instructions after its write, 2. */
static void test_counters(gconstpointer data)
{
    Machine *m = machine_new_with(GPOINTER_TO_INT(data), 1 << 20);
    const guint32 prog[] = {
        ADDI(T1, ZERO, 1), ADDI(T1, T1, 1),       /* some instructions first */
        CSRRW(ZERO, 0xb02, ZERO),                  /* minstret = 0 */
        CSRRS(A0, 0xb02, ZERO),                    /* a0 = minstret: 0 */
        CSRRW(ZERO, 0xb00, ZERO),                  /* mcycle = 0 */
        ADDI(T1, T1, 1), ADDI(T1, T1, 1),
        CSRRS(A1, 0xb00, ZERO),                    /* a1 = mcycle: 2 */
        CSRRS(A2, 0xb02, ZERO),                    /* a2 = minstret: 5 */
        LUI(T0, DEV_BASE >> 12),
        SD(A0, 0, T0),
    };
    load_program(m, RAM_BASE, prog, G_N_ELEMENTS(prog));
    run(m, RAM_BASE);
    g_assert_cmpuint(m->dev_writes, ==, 1);
    g_assert_cmpuint(m->dev_value, ==, 0);
    g_assert_cmpuint(m->hart->env.x[A1], ==, 2);
    g_assert_cmpuint(m->hart->env.x[A2], ==, 5);
    machine_free(m);
}

/* Sums 1..100 (a 3-instruction loop block), then, with MTIE enabled,
 * waits in WFI for the timer and writes the sum to the device. */
static GArray *run_budgeted(TcgAccel accel, guint *idle_ends)
{
    Budgeted *b = g_new0(Budgeted, 1);
    b->m.ram = g_malloc0(RAM_SIZE);
    b->ends = g_array_new(FALSE, FALSE, sizeof(guint64));
    TcgHartConfig cfg = { .accel = accel, .code_buffer_size = 1 << 20, .budgeted = TRUE };
    b->m.hart = tcg_hart_new(&cfg, &budgeted_ops, b);
    const guint32 prog[] = {
        SUM_1_TO_100_INTO_A0,
        ADDI(T1, ZERO, 0x80),
        CSRRW(ZERO, 0x304, T1), /* mie = MTIE */
        0x10500073,             /* wfi */
        LUI(T0, DEV_BASE >> 12),
        SD(A0, 0, T0),
    };
    load_program(&b->m, RAM_BASE, prog, G_N_ELEMENTS(prog));
    run(&b->m, RAM_BASE);
    g_assert_cmpuint(b->m.dev_value, ==, 5050);
    *idle_ends = b->idle_ends;
    GArray *ends = b->ends;
    tcg_hart_free(b->m.hart);
    g_free(b->m.ram);
    g_free(b);
    return ends;
}

/* A budgeted hart stops within one block of each budget's end, in WFI it
 * asks once per quantum until an interrupt is pending, and both back ends
 * stop at the same instruction counts (the basis of repeatable runs). */
static void test_budget(void)
{
    guint idle_interp, idle_jit;
    g_autoptr(GArray) interp = run_budgeted(TCG_ACCEL_INTERP, &idle_interp);
    g_autoptr(GArray) jit = run_budgeted(TCG_ACCEL_JIT, &idle_jit);
    g_assert_cmpuint(idle_interp, ==, IDLE_QUANTA_BEFORE_TIMER);
    g_assert_cmpuint(idle_jit, ==, IDLE_QUANTA_BEFORE_TIMER);
    g_assert_cmpuint(interp->len, ==, jit->len);
    /* 305 instructions before the WFI, mostly in blocks of 3: a budget
     * of 10 ends after 12, so 25 budgets and the first call. */
    g_assert_cmpuint(interp->len, ==, 1 + 305 / 12 + IDLE_QUANTA_BEFORE_TIMER);
    guint64 prev = 0;
    for (guint i = 0; i < interp->len; i++) {
        guint64 at = g_array_index(interp, guint64, i);
        g_assert_cmpuint(at, ==, g_array_index(jit, guint64, i));
        if (i == 0) {
            g_assert_cmpuint(at, ==, 0); /* asked before the first block */
        } else if (i < interp->len - IDLE_QUANTA_BEFORE_TIMER) {
            g_assert_cmpuint(at, >=, prev + BUDGET);
            g_assert_cmpuint(at, <, prev + BUDGET + 5); /* the longest block: 5 */
        }
        prev = at;
    }
}

/* An illegal instruction traps to mtvec with mcause 2, mepc, mtval = bits. */
static void test_illegal_trap(void)
{
    Machine *m = machine_new();
    const guint32 prog[] = {
        AUIPC(T0, 0),                              /* 0: t0 = handler */
        ADDI(T0, T0, 0x100),
        CSRRW(ZERO, 0x305, T0),                    /* mtvec = handler */
        0xffffffffu,                               /* 12: illegal (>32-bit form) */
    };
    const guint32 handler[] = {
        CSRRS(A0, 0x342, ZERO),                    /* a0 = mcause */
        CSRRS(A1, 0x341, ZERO),                    /* a1 = mepc */
        CSRRS(T1, 0x343, ZERO),                    /* t1 = mtval */
        LUI(T0, DEV_BASE >> 12),
        SD(A0, 0, T0),
    };
    load_program(m, RAM_BASE, prog, G_N_ELEMENTS(prog));
    load_program(m, RAM_BASE + 0x100, handler, G_N_ELEMENTS(handler));
    run(m, RAM_BASE);
    g_assert_cmpuint(m->dev_value, ==, 2);
    g_assert_cmphex(m->hart->env.x[A1], ==, RAM_BASE + 12);
    g_assert_cmphex(m->hart->env.x[T1], ==, 0xffffffffu);
    g_assert_cmpuint(m->hart->env.priv, ==, RV_PRIV_M);
    machine_free(m);
}

/* A load from nowhere is a load access fault with mtval = the address. */
static void test_access_fault(void)
{
    Machine *m = machine_new();
    const guint32 prog[] = {
        AUIPC(T0, 0),
        ADDI(T0, T0, 0x100),
        CSRRW(ZERO, 0x305, T0),
        enc_i(8, ZERO, 3, A1, 0x03),               /* ld a1, 8(zero) */
    };
    const guint32 handler[] = {
        CSRRS(A0, 0x342, ZERO),
        CSRRS(T1, 0x343, ZERO),
        LUI(T0, DEV_BASE >> 12),
        SD(A0, 0, T0),
    };
    load_program(m, RAM_BASE, prog, G_N_ELEMENTS(prog));
    load_program(m, RAM_BASE + 0x100, handler, G_N_ELEMENTS(handler));
    run(m, RAM_BASE);
    g_assert_cmpuint(m->dev_value, ==, RV_EXC_LOAD_ACCESS);
    g_assert_cmphex(m->hart->env.x[T1], ==, 8);
    machine_free(m);
}

/* AMOs fault as stores (the privileged spec; QEMU 7.2 says load). */
static guint64 amo_trap_cause(guint32 amo_insn, gint32 offset_from_ram)
{
    Machine *m = machine_new();
    const guint32 prog[] = {
        AUIPC(T0, 0),
        ADDI(T0, T0, 0x100),
        CSRRW(ZERO, 0x305, T0),
        AUIPC(T1, 0),                              /* t1 = RAM_BASE + 12 */
        ADDI(T1, T1, offset_from_ram - 12),
        amo_insn,
    };
    const guint32 handler[] = {
        CSRRS(A0, 0x342, ZERO),
        LUI(T0, DEV_BASE >> 12),
        SD(A0, 0, T0),
    };
    load_program(m, RAM_BASE, prog, G_N_ELEMENTS(prog));
    load_program(m, RAM_BASE + 0x100, handler, G_N_ELEMENTS(handler));
    run(m, RAM_BASE);
    guint64 cause = m->dev_value;
    machine_free(m);
    return cause;
}

static void test_amo_faults(void)
{
    guint32 amoadd_w = enc_r(0, A0, T1, 2, A1, 0x2f);
    guint32 amoadd_d_x0 = enc_r(0, A0, ZERO, 3, A1, 0x2f);
    guint32 lr_w = enc_r(0x08, 0, T1, 2, A1, 0x2f);
    g_assert_cmpuint(amo_trap_cause(amoadd_w, 0x202), ==, RV_EXC_STORE_MISALIGNED);
    g_assert_cmpuint(amo_trap_cause(amoadd_d_x0, 0), ==, RV_EXC_STORE_ACCESS);
    g_assert_cmpuint(amo_trap_cause(lr_w, 0x202), ==, RV_EXC_LOAD_MISALIGNED);
}


/* ---- Paging from the inside: what a guest program cannot observe ---- */

#define PT_ROOT (RAM_BASE + 0x10000)
#define PT_L1 (RAM_BASE + 0x11000)
#define PT_L0 (RAM_BASE + 0x12000)
#define DATA_PAGE (RAM_BASE + 0x20000)
#define VA_DATA 0x1000ull

static void put_pte(Machine *m, guint64 at, guint64 pa, guint64 flags)
{
    guint64 pte = (pa >> 12) << 10 | flags;
    memcpy(m->ram + (at - RAM_BASE), &pte, sizeof pte);
}

/* S-mode, Sv39 with root @root, PMP letting S do anything; VA_DATA maps
 * DATA_PAGE through a three-level walk. */
static Machine *paged_machine(guint64 root)
{
    Machine *m = machine_new();
    put_pte(m, PT_ROOT, PT_L1, 0x01);
    put_pte(m, PT_L1, PT_L0, 0x01);
    put_pte(m, PT_L0 + 8, DATA_PAGE, 0xc7); /* V R W A D */
    guint64 v = 0x1122334455667788ull;
    memcpy(m->ram + (DATA_PAGE - RAM_BASE) + 8, &v, sizeof v);
    TcgCpuState *env = &m->hart->env;
    env->pmpaddr[0] = (1ull << 54) - 1;
    env->pmpcfg[0] = 0x1f;
    env->satp = (guint64)RV_SATP_MODE_SV39 << RV_SATP_MODE_SHIFT | root >> 12;
    env->priv = RV_PRIV_S;
    tcg_tlb_flush_all(m->hart);
    return m;
}

/* A load through the hart's softmmu; -1, or the exception it raised. */
static gint64 try_load(Machine *m, guint64 addr, guint64 *value)
{
    if (sigsetjmp(m->hart->exit_jmp, 0) != 0) {
        return (gint64)(m->hart->env.mcause);
    }
    *value = tcg_mem_load(m->hart, addr, TCG_MO_64);
    return -1;
}

/* The node taking a page away (coherence) must drop the virtual entries
 * that map it, wherever they sit in the TLB. */
static void test_mmu_flush_physical(void)
{
    Machine *m = paged_machine(PT_ROOT);
    guint64 v = 0;
    g_assert_cmpint(try_load(m, VA_DATA + 8, &v), ==, -1);
    g_assert_cmphex(v, ==, 0x1122334455667788ull);
    guint slot = (VA_DATA >> TCG_PAGE_BITS) & ((1u << TCG_TLB_BITS) - 1);
    g_assert_cmphex(m->hart->tlb[TCG_MMU_S][slot].tag_read, ==, VA_DATA);
    tcg_hart_flush_page(m->hart, DATA_PAGE, FALSE);
    g_assert_cmphex(m->hart->tlb[TCG_MMU_S][slot].tag_read, ==, TCG_TLB_INVALID);
    /* Another page's flush leaves it alone once refilled. */
    g_assert_cmpint(try_load(m, VA_DATA + 8, &v), ==, -1);
    tcg_hart_flush_page(m->hart, DATA_PAGE + TCG_PAGE_SIZE, FALSE);
    g_assert_cmphex(m->hart->tlb[TCG_MMU_S][slot].tag_read, ==, VA_DATA);

    /* Two virtual pages of the page (an alias) and a third of the next
     * page: the flush finds both aliases, wherever they sit, and only them. */
    const guint64 va_alias = VA_DATA + 4 * TCG_PAGE_SIZE, va_next = VA_DATA + 5 * TCG_PAGE_SIZE;
    put_pte(m, PT_L0 + 8 * (va_alias >> TCG_PAGE_BITS), DATA_PAGE, 0xc7);
    put_pte(m, PT_L0 + 8 * (va_next >> TCG_PAGE_BITS), DATA_PAGE + TCG_PAGE_SIZE, 0xc7);
    g_assert_cmpint(try_load(m, va_alias + 8, &v), ==, -1);
    g_assert_cmphex(v, ==, 0x1122334455667788ull);
    g_assert_cmpint(try_load(m, va_next, &v), ==, -1);
    guint alias_slot = slot + 4, next_slot = slot + 5;
    tcg_hart_flush_page(m->hart, DATA_PAGE, FALSE);
    g_assert_cmphex(m->hart->tlb[TCG_MMU_S][slot].tag_read, ==, TCG_TLB_INVALID);
    g_assert_cmphex(m->hart->tlb[TCG_MMU_S][alias_slot].tag_read, ==, TCG_TLB_INVALID);
    g_assert_cmphex(m->hart->tlb[TCG_MMU_S][next_slot].tag_read, ==, va_next);
    /* Refilled after the flush, the aliases are found again. */
    g_assert_cmpint(try_load(m, va_alias, &v), ==, -1);
    g_assert_cmpint(try_load(m, VA_DATA, &v), ==, -1);
    tcg_hart_flush_page(m->hart, DATA_PAGE, FALSE);
    g_assert_cmphex(m->hart->tlb[TCG_MMU_S][slot].tag_read, ==, TCG_TLB_INVALID);
    g_assert_cmphex(m->hart->tlb[TCG_MMU_S][alias_slot].tag_read, ==, TCG_TLB_INVALID);
    tcg_hart_flush_page(m->hart, DATA_PAGE + TCG_PAGE_SIZE, FALSE);
    g_assert_cmphex(m->hart->tlb[TCG_MMU_S][next_slot].tag_read, ==, TCG_TLB_INVALID);
    /* A full flush empties the map at once; what is filled after it is
     * found again, once. */
    g_assert_cmpint(try_load(m, va_alias, &v), ==, -1);
    g_assert_cmpint(try_load(m, va_next, &v), ==, -1);
    tcg_tlb_flush_all(m->hart);
    g_assert_cmpint(try_load(m, VA_DATA, &v), ==, -1);
    g_assert_cmpint(try_load(m, va_next, &v), ==, -1);
    tcg_hart_flush_page(m->hart, DATA_PAGE, FALSE);
    g_assert_cmphex(m->hart->tlb[TCG_MMU_S][slot].tag_read, ==, TCG_TLB_INVALID);
    g_assert_cmphex(m->hart->tlb[TCG_MMU_S][next_slot].tag_read, ==, va_next);
    tcg_hart_flush_page(m->hart, DATA_PAGE + TCG_PAGE_SIZE, FALSE);
    g_assert_cmphex(m->hart->tlb[TCG_MMU_S][next_slot].tag_read, ==, TCG_TLB_INVALID);
    machine_free(m);
}

/* A block whose last instruction straddles into a page the hart has not
 * mapped fetches that page from inside the translation: the hart is then
 * at a safe point, and the node may take the block's first page away
 * meanwhile (another node wrote it). The block must not run with what the
 * first page held before. Here the second page's map rewrites the first
 * page's code and drops its translations, as the agent would. */
#define STRADDLE_PAGE (RAM_BASE + 4 * TCG_PAGE_SIZE)
#define STRADDLE_PC (STRADDLE_PAGE + TCG_PAGE_SIZE - 14)

typedef struct {
    Machine m;
    gboolean rewritten;
} Straddle;

static void put_insn(Machine *m, guint64 at, guint32 insn)
{
    memcpy(m->ram + (at - RAM_BASE), &insn, sizeof insn);
}

static gboolean s_page_map(gpointer opaque, guint hart_id, guint64 paddr, TcgAccess access,
                           TcgPageMap *out)
{
    Straddle *s = opaque;
    if ((paddr & TCG_PAGE_MASK) == STRADDLE_PAGE + TCG_PAGE_SIZE && !s->rewritten) {
        s->rewritten = TRUE;
        put_insn(&s->m, STRADDLE_PC + 4, ADDI(10, 0, 2)); /* a0 = 2, not 1 */
        tcg_hart_flush_page(s->m.hart, STRADDLE_PAGE, TRUE);
    }
    return m_page_map(opaque, hart_id, paddr, access, out);
}

static const TcgNodeOps straddle_ops = {
    .page_map = s_page_map, .mmio_read = m_mmio_read, .mmio_write = m_mmio_write,
    .watched_store = m_watched_store, .read_time = m_read_time,
};

static void test_straddle_invalidated(gconstpointer data)
{
    Straddle s = { 0 };
    s.m.ram = g_malloc0(RAM_SIZE);
    TcgHartConfig cfg = { .hart_id = 0, .accel = GPOINTER_TO_INT(data), .code_buffer_size = 0 };
    s.m.hart = tcg_hart_new(&cfg, &straddle_ops, &s);
    put_insn(&s.m, STRADDLE_PC, LUI(5, DEV_BASE >> 12));      /* t0 = the device */
    put_insn(&s.m, STRADDLE_PC + 4, ADDI(10, 0, 1));           /* a0 = 1 */
    put_insn(&s.m, STRADDLE_PC + 8, ADDI(11, 0, 0));
    put_insn(&s.m, STRADDLE_PC + 12, ADDI(12, 0, 0));          /* straddles the pages */
    put_insn(&s.m, STRADDLE_PC + 16, SD(10, 0, 5));            /* the device gets a0 */
    run(&s.m, STRADDLE_PC);
    g_assert_true(s.rewritten);
    g_assert_cmpuint(s.m.dev_writes, ==, 1);
    g_assert_cmphex(s.m.dev_value, ==, 2);
    tcg_hart_free(s.m.hart);
    g_free(s.m.ram);
}

/* A page table in a device, or nowhere: an access fault, not a page
 * fault, and mtval the virtual address. */
static void test_mmu_pte_not_ram(void)
{
    const guint64 roots[] = { DEV_BASE, 0x40000000ull };
    for (guint i = 0; i < G_N_ELEMENTS(roots); i++) {
        Machine *m = paged_machine(roots[i]);
        guint64 v = 0;
        g_assert_cmpint(try_load(m, VA_DATA + 8, &v), ==, RV_EXC_LOAD_ACCESS);
        g_assert_cmphex(m->hart->env.mtval, ==, VA_DATA + 8);
        machine_free(m);
    }
}

/* PMP refusing the page table (S-mode implicit access) is an access fault. */
static void test_mmu_pte_pmp(void)
{
    Machine *m = paged_machine(PT_ROOT);
    /* Entry 0: NA4 over the root's first PTE, no permission. */
    m->hart->env.pmpaddr[1] = m->hart->env.pmpaddr[0];
    m->hart->env.pmpaddr[0] = PT_ROOT >> 2;
    m->hart->env.pmpcfg[0] = 0x1full << 8 | 0x10;
    tcg_tlb_flush_all(m->hart);
    guint64 v = 0;
    g_assert_cmpint(try_load(m, VA_DATA + 8, &v), ==, RV_EXC_LOAD_ACCESS);
    machine_free(m);
}

/* pmp-entries: the entries above the configured count are hardwired off
 * (their pmpaddr and pmpcfg bytes read zero whatever is written), the
 * ones below it work as ever. */
static void test_pmp_entries(void)
{
    TcgHartConfig cfg = { .accel = TCG_ACCEL_INTERP, .isa = { .pmp_unimplemented = 8 } };
    Machine *m = machine_new_config(&cfg);
    guint64 v;
    g_assert_true(tcg_csr_debug_write(m->hart, 0x3b0 + 7, 0x1234)); /* pmpaddr7 */
    g_assert_true(tcg_csr_debug_read(m->hart, 0x3b0 + 7, &v));
    g_assert_cmphex(v, ==, 0x1234);
    g_assert_true(tcg_csr_debug_write(m->hart, 0x3b0 + 8, 0x1234)); /* pmpaddr8: exists */
    g_assert_true(tcg_csr_debug_read(m->hart, 0x3b0 + 8, &v));
    g_assert_cmphex(v, ==, 0);
    g_assert_true(tcg_csr_debug_write(m->hart, 0x3a0, 0x0f0f0f0f0f0f0f0full)); /* pmpcfg0 */
    g_assert_true(tcg_csr_debug_read(m->hart, 0x3a0, &v));
    g_assert_cmphex(v, ==, 0x0f0f0f0f0f0f0f0full);
    g_assert_true(tcg_csr_debug_write(m->hart, 0x3a2, 0x0f0f0f0f0f0f0f0full)); /* pmpcfg2 */
    g_assert_true(tcg_csr_debug_read(m->hart, 0x3a2, &v));
    g_assert_cmphex(v, ==, 0);
    machine_free(m);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/tcg/interp/ops", test_ops);
    g_test_add_func("/tcg/interp/ext", test_ext);
    g_test_add_func("/tcg/jit/ops", test_jit_ops);
    g_test_add_func("/tcg/jit/ops-baseline", test_jit_ops_baseline);
    g_test_add_func("/tcg/jit/buffer-full", test_jit_buffer_full);
    g_test_add_func("/tcg/jit/pin-profile", test_pin_profile);
    g_test_add_func("/tcg/hart/loop", test_loop_program);
    g_test_add_func("/tcg/hart/budget", test_budget);
    g_test_add_data_func("/tcg/hart/counters/interp", GINT_TO_POINTER(TCG_ACCEL_INTERP),
                         test_counters);
    g_test_add_data_func("/tcg/hart/counters/jit", GINT_TO_POINTER(TCG_ACCEL_JIT),
                         test_counters);
    g_test_add_data_func("/tcg/hart/io-fence/interp", GINT_TO_POINTER(TCG_ACCEL_INTERP),
                         test_io_fence);
    g_test_add_data_func("/tcg/hart/io-fence/jit", GINT_TO_POINTER(TCG_ACCEL_JIT),
                         test_io_fence);
    g_test_add_func("/tcg/hart/illegal-trap", test_illegal_trap);
    g_test_add_func("/tcg/hart/access-fault", test_access_fault);
    g_test_add_func("/tcg/hart/amo-faults", test_amo_faults);
    g_test_add_func("/tcg/mmu/flush-physical", test_mmu_flush_physical);
    g_test_add_data_func("/tcg/tb/straddle-invalidated/interp", GINT_TO_POINTER(TCG_ACCEL_INTERP),
                         test_straddle_invalidated);
    g_test_add_data_func("/tcg/tb/straddle-invalidated/jit", GINT_TO_POINTER(TCG_ACCEL_JIT),
                         test_straddle_invalidated);
    g_test_add_func("/tcg/mmu/pte-not-ram", test_mmu_pte_not_ram);
    g_test_add_func("/tcg/mmu/pte-pmp", test_mmu_pte_pmp);
    g_test_add_func("/tcg/pmp/entries", test_pmp_entries);
    return g_test_run();
}
