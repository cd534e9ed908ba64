/* SPDX-License-Identifier: MIT */
/* RISC-V F and D arithmetic done in software (fpu.c), bit-exact to the
 * spec: every rounding mode incl. RMM, tininess after rounding, canonical
 * NaNs, NaN boxing. One entry point computes one instruction's result from
 * raw register values, so the helper and the unit tests share it. */
#ifndef SHOAL_TCG_RISCV_FPU_H
#define SHOAL_TCG_RISCV_FPU_H

#include <glib.h>

#include "tcg/riscv/cpu.h"

G_BEGIN_DECLS

/* What the fp helper computes. Results go to f[rd] unless marked "-> x". */
typedef enum {
    RV_FP_ADD, RV_FP_SUB, RV_FP_MUL, RV_FP_DIV, RV_FP_SQRT,
    RV_FP_MADD, RV_FP_MSUB, RV_FP_NMSUB, RV_FP_NMADD,
    RV_FP_SGNJ, RV_FP_SGNJN, RV_FP_SGNJX, RV_FP_MIN, RV_FP_MAX,
    RV_FP_CVT_FMT, /* fcvt.s.d / fcvt.d.s: from the other format */
    RV_FP_EQ, RV_FP_LT, RV_FP_LE, RV_FP_CLASS,           /* -> x */
    RV_FP_TO_W, RV_FP_TO_WU, RV_FP_TO_L, RV_FP_TO_LU,    /* -> x, sign-extended */
    RV_FP_FROM_W, RV_FP_FROM_WU, RV_FP_FROM_L, RV_FP_FROM_LU, /* a = the x value */
    RV_FP_OP_COUNT,
} RvFpOp;

/* The fp helper's imm: which op on which registers.
 *   bits 0-5 RvFpOp, 6 double, 8-12 rd, 13-17 rs1, 18-22 rs2, 23-27 rs3,
 *   28-30 rm (as encoded, 7 = frm), 32-63 the instruction (mtval if illegal) */
#define RV_FP_PACK(op, dbl, rd, rs1, rs2, rs3, rm, insn)                               \
    ((gint64)((guint64)(op) | (guint64)(dbl) << 6 | (guint64)(rd) << 8 |             \
              (guint64)(rs1) << 13 | (guint64)(rs2) << 18 | (guint64)(rs3) << 23 |   \
              (guint64)(rm) << 28 | (guint64)(insn) << 32))

/* Does @op write an x register (the helper returns the value)? */
static inline gboolean rv_fp_op_writes_x(RvFpOp op)
{
    return op >= RV_FP_EQ && op <= RV_FP_TO_LU;
}

/* Computes @op in single (@dbl FALSE) or double precision with rounding
 * mode @rm (0-4, already resolved). @a, @b, @c are the raw operand register
 * values (f registers as stored, NaN-boxed for singles; for RV_FP_FROM_*
 * @a is the integer; for RV_FP_CVT_FMT @a is in the other format). Returns
 * the raw result: a NaN-boxed single, a double, or the x register value.
 * ORs the exceptions raised into *@fflags. Pure: no hart, no host FP. */
guint64 tcg_fpu_compute(RvFpOp op, gboolean dbl, RvRound rm, guint64 a, guint64 b, guint64 c,
                        guint32 *fflags);

/* The same for the arithmetic ops (add .. nmadd) on the host FPU when it
 * gives the RISC-V answer: FALSE when it cannot (RMM, a NaN result, no host
 * support), and then nothing was changed. *@fflags on entry says whether
 * inexact has already accrued (see fpu-host.c). */
gboolean tcg_fpu_host(RvFpOp op, gboolean dbl, RvRound rm, guint64 a, guint64 b, guint64 c,
                      guint64 *result, guint32 *fflags);

G_END_DECLS

#endif /* SHOAL_TCG_RISCV_FPU_H */
