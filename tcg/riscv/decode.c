/* SPDX-License-Identifier: MIT */
/* Table-driven decoder: insn.def gives mask/match and a format; the format
 * says where the operands are. Compressed formats expand to their 32-bit
 * meaning here, so the translator only ever sees base instructions. */
#include <pthread.h>

#include "tcg/riscv/decode.h"

typedef enum {
    FMT_R, FMT_I, FMT_S, FMT_B, FMT_U, FMT_J, FMT_SH, FMT_SHW, FMT_CSR, FMT_AMO, FMT_FENCE,
    FMT_NONE, FMT_FR, FMT_FR1, FMT_R4, FMT_R1,
    FMT_CIW_ADDI4SPN, FMT_CL_W, FMT_CL_D, FMT_CS_W, FMT_CS_D, FMT_CI_ADDI, FMT_CI_ADDIW,
    FMT_CI_LI, FMT_CI_ADDI16SP, FMT_CI_LUI, FMT_CB_SHIFT, FMT_CB_ANDI, FMT_CA, FMT_CJ,
    FMT_CB_BRANCH, FMT_CI_SLLI, FMT_CI_LWSP, FMT_CI_LDSP, FMT_CI_FLDSP, FMT_CR_NONE, FMT_CR_JR,
    FMT_CR_JALR, FMT_CR_MV, FMT_CR_ADD, FMT_CSS_SWSP, FMT_CSS_SDSP,
} RvFormat;

static const guint8 insn_format[RV_OP_COUNT] = {
#define INSN(name, fmt, mask, match, ext) [RV_OP_##name] = FMT_##fmt,
#define CINSN(name, fmt, mask, match, expands) [RV_OP_##name] = FMT_##fmt,
#include "tcg/riscv/insn.def"
#undef INSN
#undef CINSN
};

/* Mnemonics are the C names with '_' read as '.'; made once at startup. */
static char insn_names[RV_OP_COUNT][16];

const RvInsnInfo rv_insn_info[RV_OP_COUNT] = {
#define INSN(name, fmt, mask, match, ext) \
    [RV_OP_##name] = { insn_names[RV_OP_##name], mask, match, FALSE, RV_OP_##name },
#define CINSN(name, fmt, mask, match, expands) \
    [RV_OP_##name] = { insn_names[RV_OP_##name], mask, match, TRUE, RV_OP_##expands },
#include "tcg/riscv/insn.def"
#undef INSN
#undef CINSN
};

static const char *const insn_c_names[RV_OP_COUNT] = {
#define INSN(name, fmt, mask, match, ext) [RV_OP_##name] = #name,
#define CINSN(name, fmt, mask, match, expands) [RV_OP_##name] = #name,
#include "tcg/riscv/insn.def"
#undef INSN
#undef CINSN
};

/* Candidate entries per major opcode (bits 6:0) for 32-bit words, and per
 * quadrant/funct3 for 16-bit ones, in table order. */
#define RV_MAX_PER_BUCKET 64 /* OP-FP holds 56 */
typedef struct {
    guint8 n;
    guint8 ops[RV_MAX_PER_BUCKET];
} Bucket;
G_STATIC_ASSERT(RV_OP_COUNT <= 256); /* an op number fits Bucket.ops */
static Bucket buckets32[128];
static Bucket buckets16[32];

static guint bucket16_key(guint32 word)
{
    return (word & 3) | (((word >> 13) & 7) << 2);
}

static void build_tables(void)
{
    for (guint op = 0; op < RV_OP_COUNT; op++) {
        char *dst = insn_names[op];
        g_strlcpy(dst, insn_c_names[op], sizeof insn_names[op]);
        for (char *p = dst; *p; p++) {
            if (*p == '_') {
                *p = '.';
            }
        }
        const RvInsnInfo *info = &rv_insn_info[op];
        Bucket *b;
        if (info->compressed) {
            g_assert((info->mask & 0xe003) == 0xe003);
            b = &buckets16[bucket16_key(info->match)];
        } else {
            g_assert((info->mask & 0x7f) == 0x7f);
            b = &buckets32[info->match & 0x7f];
        }
        g_assert(b->n < RV_MAX_PER_BUCKET);
        b->ops[b->n++] = (guint8)op;
    }
}

/* pthread_once rather than g_once: ThreadSanitizer sees its ordering (harts
 * decode concurrently). */
static void ensure_tables(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, build_tables);
}

static inline guint32 bits(guint32 w, unsigned hi, unsigned lo)
{
    return (w >> lo) & ((1u << (hi - lo + 1)) - 1);
}

static inline gint64 sext(guint64 v, unsigned width)
{
    return (gint64)(v << (64 - width)) >> (64 - width);
}

/* Fills the operands of @out for format @fmt; FALSE for a reserved encoding. */
static gboolean decode_operands(RvFormat fmt, guint32 w, RvInsn *out)
{
    guint rd = bits(w, 11, 7), rs1 = bits(w, 19, 15), rs2 = bits(w, 24, 20);
    guint rd_c = 8 + bits(w, 4, 2), rs1_c = 8 + bits(w, 9, 7);
    guint ci_imm6 = bits(w, 12, 12) << 5 | bits(w, 6, 2);

    switch (fmt) {
    case FMT_R:
        out->rd = rd, out->rs1 = rs1, out->rs2 = rs2;
        return TRUE;
    case FMT_I:
        out->rd = rd, out->rs1 = rs1, out->imm = sext(bits(w, 31, 20), 12);
        return TRUE;
    case FMT_S:
        out->rs1 = rs1, out->rs2 = rs2;
        out->imm = sext(bits(w, 31, 25) << 5 | bits(w, 11, 7), 12);
        return TRUE;
    case FMT_B:
        out->rs1 = rs1, out->rs2 = rs2;
        out->imm = sext(bits(w, 31, 31) << 12 | bits(w, 7, 7) << 11 | bits(w, 30, 25) << 5 |
                            bits(w, 11, 8) << 1,
                        13);
        return TRUE;
    case FMT_U:
        out->rd = rd, out->imm = sext(w & 0xfffff000u, 32);
        return TRUE;
    case FMT_J:
        out->rd = rd;
        out->imm = sext(bits(w, 31, 31) << 20 | bits(w, 19, 12) << 12 | bits(w, 20, 20) << 11 |
                            bits(w, 30, 21) << 1,
                        21);
        return TRUE;
    case FMT_SH:
        out->rd = rd, out->rs1 = rs1, out->imm = bits(w, 25, 20);
        return TRUE;
    case FMT_SHW:
        out->rd = rd, out->rs1 = rs1, out->imm = bits(w, 24, 20);
        return TRUE;
    case FMT_CSR:
        out->rd = rd, out->rs1 = rs1, out->imm = rs1, out->csr = (guint16)bits(w, 31, 20);
        return TRUE;
    case FMT_AMO:
        out->rd = rd, out->rs1 = rs1, out->rs2 = rs2, out->aq_rl = (guint8)bits(w, 26, 25);
        return TRUE;
    case FMT_FENCE:
        out->rd = rd, out->rs1 = rs1, out->aq_rl = (guint8)bits(w, 27, 20);
        out->imm = bits(w, 31, 28);
        return TRUE;
    case FMT_NONE:
        return TRUE;
    case FMT_FR:
        out->rd = rd, out->rs1 = rs1, out->rs2 = rs2, out->rm = (guint8)bits(w, 14, 12);
        return TRUE;
    case FMT_FR1:
        out->rd = rd, out->rs1 = rs1, out->rm = (guint8)bits(w, 14, 12);
        return TRUE;
    case FMT_R1:
        out->rd = rd, out->rs1 = rs1;
        return TRUE;
    case FMT_R4:
        out->rd = rd, out->rs1 = rs1, out->rs2 = rs2, out->rs3 = (guint8)bits(w, 31, 27);
        out->rm = (guint8)bits(w, 14, 12);
        return TRUE;

    case FMT_CIW_ADDI4SPN:
        out->rd = rd_c, out->rs1 = 2;
        out->imm = bits(w, 12, 11) << 4 | bits(w, 10, 7) << 6 | bits(w, 6, 6) << 2 |
                   bits(w, 5, 5) << 3;
        return out->imm != 0;
    case FMT_CL_W:
        out->rd = rd_c, out->rs1 = rs1_c;
        out->imm = bits(w, 12, 10) << 3 | bits(w, 6, 6) << 2 | bits(w, 5, 5) << 6;
        return TRUE;
    case FMT_CL_D:
        out->rd = rd_c, out->rs1 = rs1_c;
        out->imm = bits(w, 12, 10) << 3 | bits(w, 6, 5) << 6;
        return TRUE;
    case FMT_CS_W:
        out->rs2 = rd_c, out->rs1 = rs1_c;
        out->imm = bits(w, 12, 10) << 3 | bits(w, 6, 6) << 2 | bits(w, 5, 5) << 6;
        return TRUE;
    case FMT_CS_D:
        out->rs2 = rd_c, out->rs1 = rs1_c;
        out->imm = bits(w, 12, 10) << 3 | bits(w, 6, 5) << 6;
        return TRUE;
    case FMT_CI_ADDI:
        out->rd = out->rs1 = rd, out->imm = sext(ci_imm6, 6);
        return TRUE;
    case FMT_CI_ADDIW:
        out->rd = out->rs1 = rd, out->imm = sext(ci_imm6, 6);
        return rd != 0;
    case FMT_CI_LI:
        out->rd = rd, out->rs1 = 0, out->imm = sext(ci_imm6, 6);
        return TRUE;
    case FMT_CI_ADDI16SP:
        out->rd = out->rs1 = 2;
        out->imm = sext(bits(w, 12, 12) << 9 | bits(w, 6, 6) << 4 | bits(w, 5, 5) << 6 |
                            bits(w, 4, 3) << 7 | bits(w, 2, 2) << 5,
                        10);
        return out->imm != 0;
    case FMT_CI_LUI:
        out->rd = rd, out->imm = sext((guint64)ci_imm6 << 12, 18);
        return out->imm != 0;
    case FMT_CB_SHIFT:
        out->rd = out->rs1 = rs1_c, out->imm = ci_imm6;
        return TRUE;
    case FMT_CB_ANDI:
        out->rd = out->rs1 = rs1_c, out->imm = sext(ci_imm6, 6);
        return TRUE;
    case FMT_CA:
        out->rd = out->rs1 = rs1_c, out->rs2 = rd_c;
        return TRUE;
    case FMT_CJ:
        out->rd = 0;
        out->imm = sext(bits(w, 12, 12) << 11 | bits(w, 11, 11) << 4 | bits(w, 10, 9) << 8 |
                            bits(w, 8, 8) << 10 | bits(w, 7, 7) << 6 | bits(w, 6, 6) << 7 |
                            bits(w, 5, 3) << 1 | bits(w, 2, 2) << 5,
                        12);
        return TRUE;
    case FMT_CB_BRANCH:
        out->rs1 = rs1_c, out->rs2 = 0;
        out->imm = sext(bits(w, 12, 12) << 8 | bits(w, 11, 10) << 3 | bits(w, 6, 5) << 6 |
                            bits(w, 4, 3) << 1 | bits(w, 2, 2) << 5,
                        9);
        return TRUE;
    case FMT_CI_SLLI:
        out->rd = out->rs1 = rd, out->imm = ci_imm6;
        return TRUE;
    case FMT_CI_LWSP:
        out->rd = rd, out->rs1 = 2;
        out->imm = bits(w, 12, 12) << 5 | bits(w, 6, 4) << 2 | bits(w, 3, 2) << 6;
        return rd != 0;
    case FMT_CI_LDSP:
        out->rd = rd, out->rs1 = 2;
        out->imm = bits(w, 12, 12) << 5 | bits(w, 6, 5) << 3 | bits(w, 4, 2) << 6;
        return rd != 0;
    case FMT_CI_FLDSP: /* as c.ldsp, but f0 is a valid destination */
        out->rd = rd, out->rs1 = 2;
        out->imm = bits(w, 12, 12) << 5 | bits(w, 6, 5) << 3 | bits(w, 4, 2) << 6;
        return TRUE;
    case FMT_CR_NONE:
        return TRUE;
    case FMT_CR_JR:
        out->rd = 0, out->rs1 = rd, out->imm = 0;
        return rd != 0;
    case FMT_CR_JALR:
        out->rd = 1, out->rs1 = rd, out->imm = 0;
        return TRUE;
    case FMT_CR_MV:
        out->rd = rd, out->rs1 = 0, out->rs2 = bits(w, 6, 2);
        return TRUE;
    case FMT_CR_ADD:
        out->rd = out->rs1 = rd, out->rs2 = bits(w, 6, 2);
        return TRUE;
    case FMT_CSS_SWSP:
        out->rs1 = 2, out->rs2 = bits(w, 6, 2);
        out->imm = bits(w, 12, 9) << 2 | bits(w, 8, 7) << 6;
        return TRUE;
    case FMT_CSS_SDSP:
        out->rs1 = 2, out->rs2 = bits(w, 6, 2);
        out->imm = bits(w, 12, 10) << 3 | bits(w, 9, 7) << 6;
        return TRUE;
    }
    g_assert_not_reached();
}

void rv_decode(guint32 word, RvInsn *out)
{
    ensure_tables();
    gboolean compressed = (word & 3) != 3;
    if (compressed) {
        word &= 0xffff;
    }
    *out = (RvInsn){ .op = RV_OP_ILLEGAL, .matched = RV_OP_ILLEGAL, .raw = word,
                     .len = compressed ? 2 : 4 };
    const Bucket *b = compressed ? &buckets16[bucket16_key(word)] : &buckets32[word & 0x7f];
    for (guint i = 0; i < b->n; i++) {
        RvOp op = b->ops[i];
        const RvInsnInfo *info = &rv_insn_info[op];
        if ((word & info->mask) != info->match) {
            continue;
        }
        if (decode_operands(insn_format[op], word, out)) {
            out->matched = op;
            out->op = info->expands_to;
        }
        return;
    }
}

static const char *const abi_names[32] = {
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0",
    "a1",   "a2", "a3", "a4", "a5", "a6", "a7", "s2", "s3", "s4", "s5",
    "s6",   "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
};

char *rv_disassemble(const RvInsn *insn)
{
    ensure_tables();
    if (insn->op == RV_OP_ILLEGAL) {
        return g_strdup_printf("illegal 0x%0*x", insn->len * 2, insn->raw);
    }
    /* Operands of the expanded form: what the instruction does. The FP
     * formats print register numbers (f or x, by instruction). */
    RvFormat fmt = insn_format[insn->op];
    if (fmt == FMT_FR || fmt == FMT_FR1 || fmt == FMT_R4) {
        return g_strdup_printf("%s rd=%u rs1=%u rs2=%u rs3=%u rm=%u",
                               rv_insn_info[insn->matched].name, insn->rd, insn->rs1, insn->rs2,
                               insn->rs3, insn->rm);
    }
    return g_strdup_printf("%s rd=%s rs1=%s rs2=%s imm=%" G_GINT64_FORMAT,
                           rv_insn_info[insn->matched].name, abi_names[insn->rd],
                           abi_names[insn->rs1], abi_names[insn->rs2], insn->imm);
}
