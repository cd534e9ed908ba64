/* SPDX-License-Identifier: MIT */
/* The RISC-V decoder against GNU as: every RV64IMAFDC + Zicsr + Zifencei +
 * Zicbom/Zicboz + Zba/Zbb/Zbc/Zbs + Zicond encoding, compressed ones checked
 * through their expansion, plus the reserved encodings that must stay
 * illegal and the shape of insn.def. */
#include <glib.h>

#include "tcg/riscv/decode.h"

typedef struct {
    guint32 word;
    const char *assembly;
    RvOp op;
    guint rd, rs1, rs2;
    gint64 imm;
    guint csr;
    guint rs3, rm;
} DecodeVector;

static const DecodeVector vectors[] = {
#include "tests/unit/decode-vectors-gen.h"
};

static void test_vectors(void)
{
    for (guint i = 0; i < G_N_ELEMENTS(vectors); i++) {
        const DecodeVector *v = &vectors[i];
        RvInsn insn;
        rv_decode(v->word, &insn);
        g_test_message("%s (0x%08x)", v->assembly, v->word);
        g_assert_cmpstr(rv_insn_info[insn.op < RV_OP_COUNT ? insn.op : 0].name, ==,
                        rv_insn_info[v->op].name);
        g_assert_cmpint(insn.op, ==, v->op);
        gboolean compressed = g_str_has_prefix(v->assembly, "c.");
        g_assert_cmpint(insn.len, ==, compressed ? 2 : 4);
        g_assert_cmpint(rv_insn_info[insn.matched].compressed, ==, compressed);
        g_assert_cmpuint(insn.rd, ==, v->rd);
        g_assert_cmpuint(insn.rs1, ==, v->rs1);
        g_assert_cmpuint(insn.rs2, ==, v->rs2);
        g_assert_cmpint(insn.imm, ==, v->imm);
        g_assert_cmpuint(insn.csr, ==, v->csr);
        g_assert_cmpuint(insn.rs3, ==, v->rs3);
        g_assert_cmpuint(insn.rm, ==, v->rm);
    }
}

/* Every line of insn.def is exercised by at least one vector. */
static void test_coverage(void)
{
    gboolean seen[RV_OP_COUNT] = { FALSE };
    for (guint i = 0; i < G_N_ELEMENTS(vectors); i++) {
        RvInsn insn;
        rv_decode(vectors[i].word, &insn);
        seen[insn.matched] = TRUE;
    }
    for (guint op = 0; op < RV_OP_COUNT; op++) {
        if (!seen[op]) {
            g_test_message("no vector for %s", rv_insn_info[op].name);
        }
        g_assert_true(seen[op]);
    }
}

/* Two lines may only overlap when one refines the other, and the finer
 * one must come first, since the decoder takes the first match. */
static void test_table_overlap(void)
{
    for (guint a = 0; a < RV_OP_COUNT; a++) {
        for (guint b = a + 1; b < RV_OP_COUNT; b++) {
            const RvInsnInfo *x = &rv_insn_info[a], *y = &rv_insn_info[b];
            if (x->compressed != y->compressed) {
                continue;
            }
            guint32 common = x->mask & y->mask;
            if ((x->match ^ y->match) & common) {
                continue; /* disjoint */
            }
            g_test_message("%s overlaps %s", x->name, y->name);
            /* x must be strictly finer than y */
            g_assert_cmphex(x->mask & y->mask, ==, y->mask);
            g_assert_cmphex(x->mask, !=, y->mask);
        }
    }
}

static void test_reserved(void)
{
    static const struct {
        guint32 word;
        const char *why;
    } reserved[] = {
        { 0x0000, "all zeros (c.addi4spn with nzuimm 0)" },
        { 0xffffffff, "longer than 32 bits" },
        { 0x4002, "c.lwsp with rd = x0" },
        { 0x6002, "c.ldsp with rd = x0" },
        { 0x8002, "c.jr with rs1 = x0" },
        { 0x6101, "c.addi16sp with nzimm 0" },
        { 0x6501, "c.lui with nzimm 0" },
        { 0x2001, "c.addiw with rd = x0" },
        { 0x00004007, "flq (no Q)" },
        { 0x04000053, "fadd.h (no Zfh)" },
        { 0x06000043, "fmadd.q (no Q)" },
        { 0xc0400053, "fcvt.?.s with rs2 = 4" },
        { 0xe0002053, "fmv.x.w with funct3 = 2" },
        { 0x42200053, "fcvt.d.? with rs2 = 2" },
        { 0x0000707f, "custom opcode" },
        { 0x30200073 | (1u << 7), "mret with rd != 0" },
        { 0x0000303b | (1u << 25) | (1u << 12), "unknown OP-32 funct" },
        { 0x60301013, "Zbb OP-IMM count with rs2 = 3" },
        { 0x6200501b, "roriw with shamt bit 5 set" },
        { 0x0810403b, "pack (Zbkb), zext.h with rs2 != 0" },
        { 0x69805013, "rev8 as RV32 encodes it" },
        { 0x0800103b, "unknown OP-32 funct7 4 funct3 1" },
    };
    for (guint i = 0; i < G_N_ELEMENTS(reserved); i++) {
        RvInsn insn;
        g_test_message("%s", reserved[i].why);
        rv_decode(reserved[i].word, &insn);
        g_assert_cmpint(insn.op, ==, RV_OP_ILLEGAL);
    }
}

/* Any 16-bit word decodes without crashing and never to a 4-byte insn. */
static void test_all_halfwords(void)
{
    guint legal = 0;
    for (guint32 w = 0; w <= 0xffff; w++) {
        if ((w & 3) == 3) {
            continue;
        }
        RvInsn insn;
        rv_decode(w, &insn);
        g_assert_cmpint(insn.len, ==, 2);
        if (insn.op != RV_OP_ILLEGAL) {
            legal++;
            g_assert_true(rv_insn_info[insn.matched].compressed);
            g_autofree char *text = rv_disassemble(&insn);
            g_assert_nonnull(text);
        }
    }
    /* Most of the RVC space is assigned for RV64IMAFDC. */
    g_assert_cmpuint(legal, >, 30000);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/riscv/decode/vectors", test_vectors);
    g_test_add_func("/riscv/decode/coverage", test_coverage);
    g_test_add_func("/riscv/decode/table-overlap", test_table_overlap);
    g_test_add_func("/riscv/decode/reserved", test_reserved);
    g_test_add_func("/riscv/decode/all-halfwords", test_all_halfwords);
    return g_test_run();
}
