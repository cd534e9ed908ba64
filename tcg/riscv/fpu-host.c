/* SPDX-License-Identifier: MIT */
/* The host FPU fast path for F/D arithmetic (QEMU's "hardfloat" idea): on
 * x86-64, SSE computes add/sub/mul/div/sqrt and FMA correctly rounded in
 * the four IEEE directed modes RISC-V shares with it, and its MXCSR flags
 * are RISC-V's flags (both detect tininess after rounding). What differs is
 * left to the software FPU: RMM rounding and every NaN result (RISC-V
 * returns the canonical NaN and has its own invalid rules). The MXCSR is
 * set and restored around each operation, all in volatile asm so the
 * compiler cannot move an operation across the mode change. */
#include <string.h>

#include "tcg/riscv/fpu.h"

#if defined(__x86_64__)

/* MXCSR: flags in bits 0-5 (IE DE ZE OE UE PE), masks 7-12, RC 13-14. */
#define MXCSR_FLAGS 0x3fu
#define MXCSR_MASK_ALL 0x1f80u

static guint32 mxcsr_for(RvRound rm)
{
    static const guint32 rc[] = {
        [RV_RM_RNE] = 0u << 13, [RV_RM_RTZ] = 3u << 13, [RV_RM_RDN] = 1u << 13,
        [RV_RM_RUP] = 2u << 13,
    };
    /* every exception masked, DAZ and FTZ off: IEEE behaviour */
    return MXCSR_MASK_ALL | rc[rm];
}

static guint32 riscv_flags(guint32 mxcsr)
{
    guint32 f = 0;
    if (mxcsr & 0x01) f |= RV_FFLAG_NV;
    if (mxcsr & 0x04) f |= RV_FFLAG_DZ;
    if (mxcsr & 0x08) f |= RV_FFLAG_OF;
    if (mxcsr & 0x10) f |= RV_FFLAG_UF;
    if (mxcsr & 0x20) f |= RV_FFLAG_NX;
    return f;
}

#define BINOP(insn, T, r, a, b) __asm__ volatile(insn " %2, %0" : "=x"(r) : "0"(a), "x"(b))
#define FMA(insn, T, r, a, b, c) \
    __asm__ volatile(insn " %3, %2, %0" : "=x"(r) : "0"(a), "x"(b), "x"(c))

/* libgcc's constructor has read cpuid before main: just a load. */
static gboolean have_fma(void)
{
    return __builtin_cpu_supports("fma") != 0;
}

/* RISC-V fmadd family on x86 FMA3 (231 form: r = a * b + r, r = c):
 * fmadd = a*b+c, fmsub = a*b-c, fnmsub = -(a*b)+c, fnmadd = -(a*b)-c. */
#define FMA_CASES(suffix, T)                                                        \
    case RV_FP_MADD: FMA("vfmadd231" suffix, T, r, c, a, b); break;                 \
    case RV_FP_MSUB: FMA("vfmsub231" suffix, T, r, c, a, b); break;                 \
    case RV_FP_NMSUB: FMA("vfnmadd231" suffix, T, r, c, a, b); break;               \
    case RV_FP_NMADD: FMA("vfnmsub231" suffix, T, r, c, a, b); break;

__attribute__((target("fma"))) static double compute_d(RvFpOp op, double a, double b, double c)
{
    double r;
    switch (op) {
    case RV_FP_ADD: BINOP("addsd", double, r, a, b); break;
    case RV_FP_SUB: BINOP("subsd", double, r, a, b); break;
    case RV_FP_MUL: BINOP("mulsd", double, r, a, b); break;
    case RV_FP_DIV: BINOP("divsd", double, r, a, b); break;
    case RV_FP_SQRT: __asm__ volatile("sqrtsd %1, %0" : "=x"(r) : "x"(a)); break;
    FMA_CASES("sd", double)
    default: g_assert_not_reached();
    }
    return r;
}

__attribute__((target("fma"))) static float compute_s(RvFpOp op, float a, float b, float c)
{
    float r;
    switch (op) {
    case RV_FP_ADD: BINOP("addss", float, r, a, b); break;
    case RV_FP_SUB: BINOP("subss", float, r, a, b); break;
    case RV_FP_MUL: BINOP("mulss", float, r, a, b); break;
    case RV_FP_DIV: BINOP("divss", float, r, a, b); break;
    case RV_FP_SQRT: __asm__ volatile("sqrtss %1, %0" : "=x"(r) : "x"(a)); break;
    FMA_CASES("ss", float)
    default: g_assert_not_reached();
    }
    return r;
}

#define BOX_S 0xffffffff00000000ull

/* Finite and not subnormal: zero or normal (exponent field not 0 or max). */
static gboolean plain_d(guint64 v)
{
    guint64 e = (v >> 52) & 0x7ff;
    return (e != 0 && e != 0x7ff) || (v << 1) == 0;
}

static gboolean plain_s(guint32 v)
{
    guint32 e = (v >> 23) & 0xff;
    return (e != 0 && e != 0xff) || (guint32)(v << 1) == 0;
}

static gboolean normal_d(double r)
{
    return __builtin_fabs(r) >= 2.2250738585072014e-308 && __builtin_fabs(r) <= 1.7976931348623157e308;
}

static gboolean normal_f(float r)
{
    return __builtin_fabsf(r) >= 1.17549435e-38f && __builtin_fabsf(r) <= 3.40282347e38f;
}

/* QEMU's hardfloat shortcut: with inexact already accrued and round to
 * nearest (the host's own mode, untouched), plain operands and a normal
 * result (or an exact zero sum) can raise nothing new, so the host's answer
 * is the whole answer and the MXCSR need not be touched. */
__attribute__((target("fma"))) static gboolean quick(RvFpOp op, gboolean dbl, guint64 a,
                                                     guint64 b, guint64 c, guint64 *result)
{
    gboolean fma = op >= RV_FP_MADD && op <= RV_FP_NMADD;
    if (dbl) {
        if (!plain_d(a) || !plain_d(b) || (fma && !plain_d(c))) {
            return FALSE;
        }
        double x, y, z, r;
        memcpy(&x, &a, 8), memcpy(&y, &b, 8), memcpy(&z, &c, 8);
        switch (op) {
        case RV_FP_ADD: r = x + y; break;
        case RV_FP_SUB: r = x - y; break;
        case RV_FP_MUL: r = x * y; break;
        case RV_FP_DIV: if (y == 0) return FALSE; r = x / y; break;
        case RV_FP_SQRT: if (x < 0) return FALSE; r = __builtin_sqrt(x); break;
        case RV_FP_MADD: r = __builtin_fma(x, y, z); break;
        case RV_FP_MSUB: r = __builtin_fma(x, y, -z); break;
        case RV_FP_NMSUB: r = __builtin_fma(-x, y, z); break;
        case RV_FP_NMADD: r = __builtin_fma(-x, y, -z); break;
        default: return FALSE;
        }
        /* exact zeros: a sum of plain values, sqrt(0), 0 times or over something */
        if (!normal_d(r) && !(r == 0 && (op <= RV_FP_SUB || x == 0 || (op == RV_FP_MUL && y == 0)))) {
            return FALSE;
        }
        memcpy(result, &r, 8);
        return TRUE;
    }
    guint32 xa = (guint32)a, xb = (guint32)b, xc = (guint32)c;
    if ((a & BOX_S) != BOX_S || (b & BOX_S) != BOX_S || (fma && (c & BOX_S) != BOX_S) ||
        !plain_s(xa) || !plain_s(xb) || (fma && !plain_s(xc))) {
        return FALSE;
    }
    float x, y, z, r;
    memcpy(&x, &xa, 4), memcpy(&y, &xb, 4), memcpy(&z, &xc, 4);
    switch (op) {
    case RV_FP_ADD: r = x + y; break;
    case RV_FP_SUB: r = x - y; break;
    case RV_FP_MUL: r = x * y; break;
    case RV_FP_DIV: if (y == 0) return FALSE; r = x / y; break;
    case RV_FP_SQRT: if (x < 0) return FALSE; r = __builtin_sqrtf(x); break;
    case RV_FP_MADD: r = __builtin_fmaf(x, y, z); break;
    case RV_FP_MSUB: r = __builtin_fmaf(x, y, -z); break;
    case RV_FP_NMSUB: r = __builtin_fmaf(-x, y, z); break;
    case RV_FP_NMADD: r = __builtin_fmaf(-x, y, -z); break;
    default: return FALSE;
    }
    if (!normal_f(r) && !(r == 0 && (op <= RV_FP_SUB || x == 0 || (op == RV_FP_MUL && y == 0)))) {
        return FALSE;
    }
    guint32 rr;
    memcpy(&rr, &r, 4);
    *result = BOX_S | rr;
    return TRUE;
}

gboolean tcg_fpu_host(RvFpOp op, gboolean dbl, RvRound rm, guint64 a, guint64 b, guint64 c,
                      guint64 *result, guint32 *fflags)
{
    gboolean fma = op >= RV_FP_MADD && op <= RV_FP_NMADD;
    if (op > RV_FP_NMADD || rm > RV_RM_RUP || (fma && !have_fma())) {
        return FALSE;
    }
    if (rm == RV_RM_RNE && (*fflags & RV_FFLAG_NX) && quick(op, dbl, a, b, c, result)) {
        return TRUE;
    }
    if (!dbl && ((a & BOX_S) != BOX_S || (b & BOX_S) != BOX_S || (c & BOX_S) != BOX_S)) {
        return FALSE; /* an unboxed operand reads as the canonical NaN */
    }
    guint32 saved, after, mode = mxcsr_for(rm);
    __asm__ volatile("stmxcsr %0" : "=m"(saved));
    __asm__ volatile("ldmxcsr %0" : : "m"(mode));
    gboolean nan;
    if (dbl) {
        double x, y, z, r;
        memcpy(&x, &a, 8), memcpy(&y, &b, 8), memcpy(&z, &c, 8);
        r = compute_d(op, x, y, z);
        __asm__ volatile("stmxcsr %0" : "=m"(after));
        nan = r != r;
        memcpy(result, &r, 8);
    } else {
        float x, y, z, r;
        guint32 xa = (guint32)a, xb = (guint32)b, xc = (guint32)c, rr;
        memcpy(&x, &xa, 4), memcpy(&y, &xb, 4), memcpy(&z, &xc, 4);
        r = compute_s(op, x, y, z);
        __asm__ volatile("stmxcsr %0" : "=m"(after));
        nan = r != r;
        memcpy(&rr, &r, 4);
        *result = BOX_S | rr;
    }
    __asm__ volatile("ldmxcsr %0" : : "m"(saved));
    if (nan) {
        return FALSE;
    }
    *fflags |= riscv_flags(after & MXCSR_FLAGS);
    return TRUE;
}

#else

gboolean tcg_fpu_host(RvFpOp op, gboolean dbl, RvRound rm, guint64 a, guint64 b, guint64 c,
                      guint64 *result, guint32 *fflags)
{
    return FALSE;
}

#endif
