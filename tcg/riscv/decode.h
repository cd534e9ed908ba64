/* SPDX-License-Identifier: MIT */
/* Decoding of one RISC-V instruction word into operands, table-driven from
 * insn.def. Compressed instructions come out as the 32-bit instruction they
 * expand to, with the table entry they matched kept for disassembly. */
#ifndef SHOAL_TCG_RISCV_DECODE_H
#define SHOAL_TCG_RISCV_DECODE_H

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
#define INSN(name, fmt, mask, match, ext) RV_OP_##name,
#define CINSN(name, fmt, mask, match, expands) RV_OP_##name,
#include "tcg/riscv/insn.def"
#undef INSN
#undef CINSN
    RV_OP_COUNT,
    RV_OP_ILLEGAL = RV_OP_COUNT,
} RvOp;

typedef struct {
    const char *name;   /* assembler mnemonic, e.g. "c.addi4spn" */
    guint32 mask;
    guint32 match;
    gboolean compressed;
    RvOp expands_to;    /* itself for 32-bit encodings */
} RvInsnInfo;

extern const RvInsnInfo rv_insn_info[RV_OP_COUNT];

typedef struct {
    RvOp op;          /* the (expanded) instruction; RV_OP_ILLEGAL if none */
    RvOp matched;     /* the table entry, e.g. RV_OP_c_addi for c.addi */
    guint32 raw;      /* the instruction bits (16 or 32) */
    guint8 len;       /* 2 or 4 */
    guint8 rd, rs1, rs2;
    guint8 rs3;       /* R4 (fused multiply-add): bits 31:27 */
    guint8 rm;        /* F/D rounding mode field (bits 14:12); 7 = dynamic (frm) */
    guint8 aq_rl;     /* AMO: bit 1 aq, bit 0 rl; FENCE: pred << 4 | succ */
    gint64 imm;       /* sign-extended immediate, shift amount, or zimm */
    guint16 csr;      /* Zicsr: the CSR number */
} RvInsn;

/* Length in bytes of the instruction starting with halfword @lo. */
static inline guint rv_insn_length(guint16 lo)
{
    return (lo & 3) == 3 ? 4 : 2;
}

/* Decodes @word (the low 16 bits only when compressed). Never fails: an
 * unknown or reserved encoding yields op == RV_OP_ILLEGAL. */
void rv_decode(guint32 word, RvInsn *out);

/* "addi a0, a0, 1"-style text for logs and tests. */
char *rv_disassemble(const RvInsn *insn);

G_END_DECLS

#endif /* SHOAL_TCG_RISCV_DECODE_H */
