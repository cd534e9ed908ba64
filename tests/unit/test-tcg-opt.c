/* SPDX-License-Identifier: MIT */
/* The IR optimiser: folding, propagation, identities and dead code, each
 * case an IR snippet and what must be left of it. */
#include "tcg/internal.h"

/* Finds the op that writes @t last, or NULL. */
static const TcgOp *writer(const TcgIr *ir, TcgTemp t)
{
    const TcgOp *found = NULL;
    for (guint i = 0; i < ir->n_ops; i++) {
        if (tcg_op_descs[ir->ops[i].opc].n_outs && ir->ops[i].out == t) {
            found = &ir->ops[i];
        }
    }
    return found;
}

static void test_fold(void)
{
    TcgIr ir;
    tcg_ir_reset(&ir);
    TcgTemp a = tcg_const(&ir, 2), b = tcg_const(&ir, 3), t = tcg_temp_new(&ir);
    tcg_gen_binop(&ir, TCG_OP_mul, t, a, b);
    tcg_gen_binop(&ir, TCG_OP_add, 10, t, a);
    tcg_gen_exit_tb(&ir);
    tcg_optimize(&ir);
    const TcgOp *w = writer(&ir, 10);
    g_assert_cmpint(w->opc, ==, TCG_OP_movi);
    g_assert_cmpint(w->imm, ==, 8);
    g_assert_cmpuint(ir.n_ops, ==, 2); /* movi x10, exit */
}

/* Constant inputs fold through tcg_eval, the interpreter's own meaning of
 * each op; one-input ops have only a. */
static void test_fold_bitops(void)
{
    static const struct {
        TcgOpcode opc;
        guint64 a, b, want;
    } cases[] = {
        { TCG_OP_rotl, 0x8000000000000001ull, 1, 3 },
        { TCG_OP_rotr, 1, 65, 1ull << 63 },
        { TCG_OP_rotl32, 0x40000000, 1, 0xffffffff80000000ull },
        { TCG_OP_rotr32, 0xffffffff00000002ull, 1, 1 },
        { TCG_OP_clz, 0, 0, 64 },
        { TCG_OP_clz, 0xffff, 0, 48 },
        { TCG_OP_ctz, 0, 0, 64 },
        { TCG_OP_ctz, 0x100, 0, 8 },
        { TCG_OP_cpop, 0xf0f0, 0, 8 },
        { TCG_OP_bswap, 0x0102030405060708ull, 0, 0x0807060504030201ull },
        { TCG_OP_min, ~0ull, 0, ~0ull },
        { TCG_OP_max, ~0ull, 0, 0 },
        { TCG_OP_minu, ~0ull, 0, 0 },
        { TCG_OP_maxu, ~0ull, 0, ~0ull },
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        TcgIr ir;
        tcg_ir_reset(&ir);
        TcgTemp a = tcg_const(&ir, (gint64)cases[i].a), b = tcg_const(&ir, (gint64)cases[i].b);
        gboolean unary = tcg_op_descs[cases[i].opc].n_ins == 1;
        tcg_gen_op(&ir, cases[i].opc, 10, a, unary ? TCG_TEMP_NONE : b, TCG_TEMP_NONE, 0, 0);
        tcg_gen_exit_tb(&ir);
        tcg_optimize(&ir);
        g_test_message("%s 0x%" G_GINT64_MODIFIER "x", tcg_op_descs[cases[i].opc].name,
                       cases[i].a);
        const TcgOp *w = writer(&ir, 10);
        g_assert_cmpint(w->opc, ==, TCG_OP_movi);
        g_assert_cmphex((guint64)w->imm, ==, cases[i].want);
    }
}

/* A sign extension of what is sign-extended already goes (addw then a
 * use of the sum as a W operand); of a zero-extended word, it stays. */
static void test_sext32(void)
{
    TcgIr ir;
    tcg_ir_reset(&ir);
    tcg_gen_unop(&ir, TCG_OP_ext32s, 10, 11);
    tcg_gen_unop(&ir, TCG_OP_ext32s, 12, 10);
    tcg_gen_ld(&ir, 13, 11, 0, TCG_MO_32);
    tcg_gen_unop(&ir, TCG_OP_ext32s, 14, 13);
    tcg_gen_ld(&ir, 15, 11, 0, TCG_MO_16);
    tcg_gen_unop(&ir, TCG_OP_ext32s, 16, 15);
    tcg_gen_exit_tb(&ir);
    tcg_optimize(&ir);
    g_assert_cmpint(writer(&ir, 12)->opc, ==, TCG_OP_mov);
    g_assert_cmpint(writer(&ir, 12)->in[0], ==, 10);
    g_assert_cmpint(writer(&ir, 14)->opc, ==, TCG_OP_ext32s);
    g_assert_cmpint(writer(&ir, 16)->opc, ==, TCG_OP_mov);
}

static void test_copy_propagation(void)
{
    TcgIr ir;
    tcg_ir_reset(&ir);
    TcgTemp t = tcg_temp_new(&ir);
    tcg_gen_mov(&ir, t, 11);
    tcg_gen_binop(&ir, TCG_OP_add, 10, t, 12);
    tcg_gen_exit_tb(&ir);
    tcg_optimize(&ir);
    const TcgOp *w = writer(&ir, 10);
    g_assert_cmpint(w->opc, ==, TCG_OP_add);
    g_assert_cmpuint(w->in[0], ==, 11);
    g_assert_cmpuint(ir.n_ops, ==, 2); /* the mov is dead */
}

/* A copy of a guest register must not outlive the register's old value. */
static void test_copy_invalidated(void)
{
    TcgIr ir;
    tcg_ir_reset(&ir);
    TcgTemp t = tcg_temp_new(&ir);
    tcg_gen_mov(&ir, t, 11);
    tcg_gen_binop(&ir, TCG_OP_add, 11, 11, 12);
    tcg_gen_binop(&ir, TCG_OP_xor, 10, t, 13);
    tcg_gen_exit_tb(&ir);
    tcg_optimize(&ir);
    const TcgOp *w = writer(&ir, 10);
    g_assert_cmpuint(w->in[0], ==, t);
    g_assert_nonnull(writer(&ir, t));
}

static void test_identities(void)
{
    static const struct {
        TcgOpcode opc;
        gint64 c;
        TcgOpcode becomes;
    } cases[] = {
        { TCG_OP_add, 0, TCG_OP_mov },  { TCG_OP_or, 0, TCG_OP_mov },
        { TCG_OP_xor, 0, TCG_OP_mov },  { TCG_OP_shl, 0, TCG_OP_mov },
        { TCG_OP_and, -1, TCG_OP_mov }, { TCG_OP_and, 0, TCG_OP_movi },
        { TCG_OP_mul, 1, TCG_OP_mov },  { TCG_OP_mul, 0, TCG_OP_movi },
        { TCG_OP_add, 5, TCG_OP_addi }, { TCG_OP_sub, 5, TCG_OP_addi },
        { TCG_OP_rotl, 0, TCG_OP_mov }, { TCG_OP_rotr, 0, TCG_OP_mov },
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        TcgIr ir;
        tcg_ir_reset(&ir);
        tcg_gen_binop(&ir, cases[i].opc, 10, 11, tcg_const(&ir, cases[i].c));
        tcg_gen_exit_tb(&ir);
        tcg_optimize(&ir);
        g_test_message("%s x, %" G_GINT64_FORMAT, tcg_op_descs[cases[i].opc].name, cases[i].c);
        g_assert_cmpint(writer(&ir, 10)->opc, ==, cases[i].becomes);
    }
}

/* addi x, 0 is a copy; onto itself, nothing at all. */
static void test_addi_zero(void)
{
    TcgIr ir;
    tcg_ir_reset(&ir);
    tcg_gen_addi(&ir, 10, 10, 0);
    tcg_gen_addi(&ir, 11, 12, 0);
    tcg_gen_exit_tb(&ir);
    tcg_optimize(&ir);
    g_assert_null(writer(&ir, 10));
    g_assert_cmpint(writer(&ir, 11)->opc, ==, TCG_OP_mov);
    g_assert_cmpuint(ir.n_ops, ==, 2);
}

static void test_branch_folding(void)
{
    for (guint taken = 0; taken < 2; taken++) {
        TcgIr ir;
        tcg_ir_reset(&ir);
        guint label = tcg_label_new(&ir);
        tcg_gen_brcond(&ir, TCG_COND_EQ, tcg_const(&ir, 1), tcg_const(&ir, taken ? 1 : 2),
                       label);
        tcg_gen_movi(&ir, 10, 1);
        tcg_gen_exit_tb(&ir);
        tcg_gen_set_label(&ir, label);
        tcg_gen_exit_tb(&ir);
        tcg_optimize(&ir);
        gboolean has_br = FALSE, has_brcond = FALSE;
        for (guint i = 0; i < ir.n_ops; i++) {
            has_br |= ir.ops[i].opc == TCG_OP_br;
            has_brcond |= ir.ops[i].opc == TCG_OP_brcond;
        }
        g_assert_false(has_brcond);
        g_assert_cmpint(has_br, ==, taken);
    }
}

/* The backward pass: a dead pure op goes, a temp dies at its last read
 * (one mark even when read twice there), a global never dies, an unused
 * output of a call stays marked, and the guest registers named are
 * counted. */
static void test_liveness(void)
{
    TcgIr ir;
    tcg_ir_reset(&ir);
    TcgTemp t = tcg_temp_new(&ir), dead = tcg_temp_new(&ir), r = tcg_temp_new(&ir);
    tcg_gen_addi(&ir, t, 5, 1);                /* t = x5 + 1 */
    tcg_gen_addi(&ir, dead, 6, 2);             /* nobody reads it */
    tcg_gen_binop(&ir, TCG_OP_add, 7, t, t);   /* x7 = t + t: t dies here */
    tcg_gen_binop(&ir, TCG_OP_add, 8, 5, 7);   /* globals: nothing dies */
    tcg_gen_call(&ir, TCG_HELPER_fence_i, r, TCG_TEMP_NONE, TCG_TEMP_NONE, TCG_TEMP_NONE, 0);
    tcg_gen_exit_tb(&ir);
    tcg_liveness(&ir);
    g_assert_cmpuint(ir.n_ops, ==, 5);
    g_assert_null(writer(&ir, dead));
    g_assert_cmpuint(writer(&ir, t)->life, ==, 0);
    g_assert_cmpuint(writer(&ir, 7)->life, ==, TCG_LIFE_DIES(0));
    g_assert_cmpuint(writer(&ir, 8)->life, ==, 0);
    g_assert_cmpuint(writer(&ir, r)->life, ==, TCG_LIFE_OUT_UNUSED);
    g_assert_cmpuint(ir.reg_uses[5], ==, 2);
    g_assert_cmpuint(ir.reg_uses[6], ==, 0); /* only the dead op read it */
    g_assert_cmpuint(ir.reg_uses[7], ==, 2);
    g_assert_cmpuint(ir.reg_uses[8], ==, 1);
}

/* x << c >> c with c = 48, 56, 32 becomes one extension of x's low bits
 * (zext for a logical shift, sext for an arithmetic one), looking through
 * a 32-bit extension before it; other amounts, a pair of different
 * amounts, and an x changed in between are left alone. */
static void test_shift_pair(void)
{
    static const struct {
        TcgOpcode right;
        gint64 left, right_by;
        gboolean through_ext32; /* x = ext32s(x5) first */
        gboolean clobber;       /* x5 written between the shifts */
        TcgOpcode want;         /* what makes x10 */
        gint64 width;
    } cases[] = {
        { TCG_OP_shr, 48, 48, FALSE, FALSE, TCG_OP_zext, 16 },
        { TCG_OP_shr, 56, 56, FALSE, FALSE, TCG_OP_zext, 8 },
        { TCG_OP_shr, 32, 32, FALSE, FALSE, TCG_OP_zext, 32 },
        { TCG_OP_sar, 48, 48, FALSE, FALSE, TCG_OP_sext, 16 },
        { TCG_OP_sar, 56, 56, TRUE, FALSE, TCG_OP_sext, 8 },
        { TCG_OP_shr, 48, 48, TRUE, FALSE, TCG_OP_zext, 16 },
        { TCG_OP_shr, 40, 40, FALSE, FALSE, TCG_OP_shr, 0 },
        { TCG_OP_shr, 48, 40, FALSE, FALSE, TCG_OP_shr, 0 },
        { TCG_OP_shr, 48, 48, FALSE, TRUE, TCG_OP_shr, 0 },
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        TcgIr ir;
        tcg_ir_reset(&ir);
        TcgTemp x = 5, t = tcg_temp_new(&ir);
        if (cases[i].through_ext32) {
            x = tcg_temp_new(&ir);
            tcg_gen_unop(&ir, TCG_OP_ext32s, x, 5);
        }
        tcg_gen_binop(&ir, TCG_OP_shl, t, x, tcg_const(&ir, cases[i].left));
        if (cases[i].clobber) {
            tcg_gen_addi(&ir, x, x, 1);
        }
        tcg_gen_binop(&ir, cases[i].right, 10, t, tcg_const(&ir, cases[i].right_by));
        tcg_gen_exit_tb(&ir);
        tcg_optimize(&ir);
        const TcgOp *w = writer(&ir, 10);
        g_assert_cmpint(w->opc, ==, cases[i].want);
        if (cases[i].want == TCG_OP_zext || cases[i].want == TCG_OP_sext) {
            g_assert_cmpint(w->imm, ==, cases[i].width);
            g_assert_cmpuint(w->in[0], ==, 5); /* the shl and any ext32 went */
            g_assert_null(writer(&ir, t));
        }
    }
}

/* x = x << 48; ...; x = x >> 48 in place (how compilers zero-extend a
 * uint16 they keep in one register): the shl goes and x becomes its own
 * zext, unless x was read in between or an op that may trap came in
 * between (whose exception must see the shifted x). */
static void test_shift_pair_in_place(void)
{
    static const struct {
        gboolean read_between, load_between;
        gboolean want_ext;
    } cases[] = {
        { FALSE, FALSE, TRUE },
        { TRUE, FALSE, FALSE },
        { FALSE, TRUE, FALSE },
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        TcgIr ir;
        tcg_ir_reset(&ir);
        tcg_gen_binop(&ir, TCG_OP_shl, 8, 8, tcg_const(&ir, 48));
        tcg_gen_addi(&ir, 9, 9, 1); /* unrelated */
        if (cases[i].read_between) {
            tcg_gen_addi(&ir, 7, 8, 0x10);
        }
        if (cases[i].load_between) {
            tcg_gen_ld(&ir, 6, 5, 0, TCG_MO_64);
        }
        tcg_gen_binop(&ir, TCG_OP_shr, 8, 8, tcg_const(&ir, 48));
        tcg_gen_exit_tb(&ir);
        tcg_optimize(&ir);
        guint shl = 0, zext = 0;
        for (guint k = 0; k < ir.n_ops; k++) {
            shl += ir.ops[k].opc == TCG_OP_shl;
            zext += ir.ops[k].opc == TCG_OP_zext && ir.ops[k].in[0] == 8 &&
                    ir.ops[k].out == 8 && ir.ops[k].imm == 16;
        }
        g_assert_cmpuint(zext, ==, cases[i].want_ext ? 1 : 0);
        g_assert_cmpuint(shl, ==, cases[i].want_ext ? 0 : 1);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/tcg/opt/fold", test_fold);
    g_test_add_func("/tcg/opt/fold-bitops", test_fold_bitops);
    g_test_add_func("/tcg/opt/sext32", test_sext32);
    g_test_add_func("/tcg/opt/copy-propagation", test_copy_propagation);
    g_test_add_func("/tcg/opt/copy-invalidated", test_copy_invalidated);
    g_test_add_func("/tcg/opt/identities", test_identities);
    g_test_add_func("/tcg/opt/branch-folding", test_branch_folding);
    g_test_add_func("/tcg/opt/addi-zero", test_addi_zero);
    g_test_add_func("/tcg/opt/liveness", test_liveness);
    g_test_add_func("/tcg/opt/shift-pair", test_shift_pair);
    g_test_add_func("/tcg/opt/shift-pair-in-place", test_shift_pair_in_place);
    return g_test_run();
}
