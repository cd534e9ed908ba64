/* SPDX-License-Identifier: MIT */
/* The software F/D arithmetic (tcg/riscv/fpu.c) against the host's SSE
 * unit, which is IEEE-exact in the four rounding modes both have: results
 * and all five flags, over random operands biased to the hard cases
 * (subnormals, overflow, cancellation) and boundary cases for tininess.
 * A host NaN must come out as RISC-V's canonical NaN. RMM, saturating
 * conversions and the rest are compared with QEMU by the guest tests. */
#include <fenv.h>
#include <glib.h>
#include <math.h>
#include <string.h>

#include "tcg/riscv/fpu.h"

#define N_RANDOM 40000

static const struct {
    RvRound rm;
    int host;
    const char *name;
} modes[] = {
    { RV_RM_RNE, FE_TONEAREST, "rne" },
    { RV_RM_RTZ, FE_TOWARDZERO, "rtz" },
    { RV_RM_RDN, FE_DOWNWARD, "rdn" },
    { RV_RM_RUP, FE_UPWARD, "rup" },
};

static guint64 rng_state;

static guint64 rng(void)
{
    /* xorshift64*: fixed seeds, so a failure reproduces */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}

/* A random value of @ebits/@mbits biased towards exponent extremes, unit
 * range and short significands (exact results, ties). */
static guint64 rand_fp(guint ebits, guint mbits)
{
    guint64 r = rng(), m = rng();
    guint64 emax = (1ull << ebits) - 1;
    guint64 e;
    switch (r & 7) {
    case 0: e = (r >> 8) % 8; break;
    case 1: e = emax - 1 - (r >> 8) % 8; break;
    case 2: e = emax / 2 - 10 + (r >> 8) % 20; break;
    case 3: e = emax; break; /* inf / NaN */
    default: e = (r >> 8) % emax; break;
    }
    if ((r >> 4) & 1) {
        m &= ~0ull << ((r >> 20) % mbits);
    }
    if (e == emax && (r >> 5) & 1) {
        m = 0;
    }
    return ((r >> 3) & 1) << (ebits + mbits) | e << mbits | (m & ((1ull << mbits) - 1));
}

static guint32 host_flags(void)
{
    int x = fetestexcept(FE_ALL_EXCEPT);
    return ((x & FE_INEXACT) ? RV_FFLAG_NX : 0) | ((x & FE_UNDERFLOW) ? RV_FFLAG_UF : 0) |
           ((x & FE_OVERFLOW) ? RV_FFLAG_OF : 0) | ((x & FE_DIVBYZERO) ? RV_FFLAG_DZ : 0) |
           ((x & FE_INVALID) ? RV_FFLAG_NV : 0);
}

static double d_of(guint64 u)
{
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

static guint64 u_of_d(double d)
{
    guint64 u;
    memcpy(&u, &d, sizeof u);
    return u;
}

static float f_of(guint64 u)
{
    guint32 w = (guint32)u;
    float f;
    memcpy(&f, &w, sizeof f);
    return f;
}

static guint64 u_of_f(float f)
{
    guint32 w;
    memcpy(&w, &f, sizeof w);
    return 0xffffffff00000000ull | w;
}

/* The host computes one op; volatile operands and results keep it between
 * fesetround and fetestexcept (the compiler cannot move volatile accesses
 * across the calls). */
static guint64 host_d(RvFpOp op, int mode, guint64 a, guint64 b, guint64 c, guint32 *flags)
{
    volatile double va = d_of(a), vb = d_of(b), vc = d_of(c);
    volatile double r;
    volatile long long n;
    fesetround(mode);
    feclearexcept(FE_ALL_EXCEPT);
    switch (op) {
    case RV_FP_TO_L:
        n = llrint(va);
        *flags = host_flags();
        fesetround(FE_TONEAREST);
        return (guint64)n;
    case RV_FP_ADD: r = va + vb; break;
    case RV_FP_SUB: r = va - vb; break;
    case RV_FP_MUL: r = va * vb; break;
    case RV_FP_DIV: r = va / vb; break;
    case RV_FP_SQRT: r = sqrt(va); break;
    case RV_FP_MADD: r = fma(va, vb, vc); break;
    case RV_FP_MSUB: r = fma(va, vb, -vc); break;
    case RV_FP_NMSUB: r = fma(-va, vb, vc); break;
    case RV_FP_NMADD: r = fma(-va, vb, -vc); break;
    case RV_FP_FROM_L: r = (double)(gint64)a; break;
    case RV_FP_FROM_LU: r = (double)a; break;
    default: g_assert_not_reached();
    }
    *flags = host_flags();
    fesetround(FE_TONEAREST);
    return u_of_d(r);
}

static guint64 host_s(RvFpOp op, int mode, guint64 a, guint64 b, guint64 c, guint32 *flags)
{
    volatile float va = f_of(a), vb = f_of(b), vc = f_of(c);
    volatile double da = d_of(a);
    volatile float r;
    volatile long long n;
    fesetround(mode);
    feclearexcept(FE_ALL_EXCEPT);
    switch (op) {
    case RV_FP_TO_L:
        n = llrintf(va);
        *flags = host_flags();
        fesetround(FE_TONEAREST);
        return (guint64)n;
    case RV_FP_ADD: r = va + vb; break;
    case RV_FP_SUB: r = va - vb; break;
    case RV_FP_MUL: r = va * vb; break;
    case RV_FP_DIV: r = va / vb; break;
    case RV_FP_SQRT: r = sqrtf(va); break;
    case RV_FP_MADD: r = fmaf(va, vb, vc); break;
    case RV_FP_MSUB: r = fmaf(va, vb, -vc); break;
    case RV_FP_NMSUB: r = fmaf(-va, vb, vc); break;
    case RV_FP_NMADD: r = fmaf(-va, vb, -vc); break;
    case RV_FP_CVT_FMT: r = (float)da; break;
    case RV_FP_FROM_L: r = (float)(gint64)a; break;
    case RV_FP_FROM_LU: r = (float)a; break;
    default: g_assert_not_reached();
    }
    *flags = host_flags();
    fesetround(FE_TONEAREST);
    return u_of_f(r);
}

static gboolean is_nan_bits(guint64 u, gboolean dbl)
{
    return dbl ? (u & 0x7fffffffffffffffull) > 0x7ff0000000000000ull
               : (u & 0x7fffffffull) > 0x7f800000ull;
}

static gboolean is_inf_times_zero(guint64 a, guint64 b, gboolean dbl)
{
    guint64 mag = dbl ? 0x7fffffffffffffffull : 0x7fffffffull;
    guint64 inf = dbl ? 0x7ff0000000000000ull : 0x7f800000ull;
    return ((a & mag) == inf && (b & mag) == 0) || ((a & mag) == 0 && (b & mag) == inf);
}

typedef struct {
    RvFpOp op;
    gboolean dbl;
    guint n_operands; /* 1-3 floats, or 0: one integer operand */
    guint64 seed;
} CompareCase;

static void compare_one(const CompareCase *cc, guint m, guint64 a, guint64 b, guint64 c)
{
    guint32 want_flags, got_flags = 0;
    guint64 want = cc->dbl ? host_d(cc->op, modes[m].host, a, b, c, &want_flags)
                           : host_s(cc->op, modes[m].host, a, b, c, &want_flags);
    guint64 got = tcg_fpu_compute(cc->op, cc->dbl, modes[m].rm, a, b, c, &got_flags);
    if (cc->op == RV_FP_TO_L) {
        /* x86 answers every invalid conversion with INT64_MIN; RISC-V
         * saturates, and converts NaN like +inf. */
        if ((want_flags & RV_FFLAG_NV) && (is_nan_bits(a, cc->dbl) ||
                                            !((a >> (cc->dbl ? 63 : 31)) & 1))) {
            want = G_MAXINT64;
        }
    } else if (is_nan_bits(want, cc->dbl)) {
        want = cc->dbl ? 0x7ff8000000000000ull : 0xffffffff7fc00000ull;
    }
    /* RISC-V, unlike IEEE and the host, makes inf * 0 + qNaN invalid. */
    if (cc->n_operands == 3 && is_inf_times_zero(a, b, cc->dbl)) {
        want_flags |= RV_FFLAG_NV;
    }
    if (got != want || got_flags != want_flags) {
        g_test_message("op %d %s %s: a=%016" G_GINT64_MODIFIER "x b=%016" G_GINT64_MODIFIER
                       "x c=%016" G_GINT64_MODIFIER "x", cc->op, cc->dbl ? "d" : "s",
                       modes[m].name, a, b, c);
    }
    g_assert_cmphex(got, ==, want);
    g_assert_cmphex(got_flags, ==, want_flags);
}

static void test_compare(gconstpointer data)
{
    const CompareCase *cc = data;
    rng_state = cc->seed;
    for (guint i = 0; i < N_RANDOM; i++) {
        guint64 a, b, c;
        if (cc->n_operands == 0) {
            a = rng() >> (rng() % 64);
            a = (rng() & 1) ? (guint64)-(gint64)a : a;
            b = c = 0;
        } else if (cc->op == RV_FP_CVT_FMT) {
            a = rand_fp(11, 52);
            b = c = 0;
        } else if (cc->dbl) {
            a = rand_fp(11, 52), b = rand_fp(11, 52), c = rand_fp(11, 52);
        } else {
            a = 0xffffffff00000000ull | rand_fp(8, 23);
            b = 0xffffffff00000000ull | rand_fp(8, 23);
            c = 0xffffffff00000000ull | rand_fp(8, 23);
        }
        /* fused: make the addend nearly cancel the product half the time */
        if (cc->n_operands == 3 && (i & 1)) {
            guint32 fl = 0;
            guint64 p = tcg_fpu_compute(RV_FP_MUL, cc->dbl, RV_RM_RTZ, a, b, 0, &fl);
            c = (p ^ (cc->dbl ? 1ull << 63 : 1ull << 31)) + (rng() % 7) - 3;
        }
        compare_one(cc, i % G_N_ELEMENTS(modes), a, b, c);
    }
}

/* Results at the edge of the normal range, where tininess before and
 * after rounding differ; also a tiny exact result (no UF). */
static void test_tininess(void)
{
    static const struct {
        guint64 a, b;
    } d[] = {
        { 0x3feffffffffffffeull, 0x0010000000000001ull }, /* 2^-1022 (1 - 2^-104) */
        { 0x3fefffffffffffffull, 0x0010000000000000ull }, /* 2^-1022 (1 - 2^-53) */
        { 0x3fefffffffffffffull, 0x0010000000000001ull },
        { 0x3fe0000000000000ull, 0x0010000000000000ull }, /* exact subnormal */
        { 0xbfeffffffffffffeull, 0x0010000000000001ull },
    };
    for (guint i = 0; i < G_N_ELEMENTS(d); i++) {
        for (guint m = 0; m < G_N_ELEMENTS(modes); m++) {
            CompareCase cc = { RV_FP_MUL, TRUE, 2, 0 };
            compare_one(&cc, m, d[i].a, d[i].b, 0);
        }
    }
}

/* A single operand that is not NaN-boxed reads as the canonical NaN. */
static void test_nan_boxing(void)
{
    guint32 fl = 0;
    g_assert_cmphex(tcg_fpu_compute(RV_FP_ADD, FALSE, RV_RM_RNE, 0x3f800000ull,
                                    0xffffffff3f800000ull, 0, &fl), ==, 0xffffffff7fc00000ull);
    g_assert_cmphex(fl, ==, 0);
    g_assert_cmphex(tcg_fpu_compute(RV_FP_CLASS, FALSE, RV_RM_RNE, 0x7fffffff3f800000ull, 0, 0,
                                    &fl), ==, 1 << 9);
    g_assert_cmphex(tcg_fpu_compute(RV_FP_CVT_FMT, TRUE, RV_RM_RNE, 0xfffffffe3f800000ull, 0, 0,
                                    &fl), ==, 0x7ff8000000000000ull);
    g_assert_cmphex(fl, ==, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    static const struct {
        const char *name;
        CompareCase cc;
    } cases[] = {
        { "/tcg/fpu/host/add-d", { RV_FP_ADD, TRUE, 2, 1 } },
        { "/tcg/fpu/host/sub-d", { RV_FP_SUB, TRUE, 2, 2 } },
        { "/tcg/fpu/host/mul-d", { RV_FP_MUL, TRUE, 2, 3 } },
        { "/tcg/fpu/host/div-d", { RV_FP_DIV, TRUE, 2, 4 } },
        { "/tcg/fpu/host/sqrt-d", { RV_FP_SQRT, TRUE, 1, 5 } },
        { "/tcg/fpu/host/madd-d", { RV_FP_MADD, TRUE, 3, 6 } },
        { "/tcg/fpu/host/msub-d", { RV_FP_MSUB, TRUE, 3, 7 } },
        { "/tcg/fpu/host/nmsub-d", { RV_FP_NMSUB, TRUE, 3, 8 } },
        { "/tcg/fpu/host/nmadd-d", { RV_FP_NMADD, TRUE, 3, 9 } },
        { "/tcg/fpu/host/from-l-d", { RV_FP_FROM_L, TRUE, 0, 10 } },
        { "/tcg/fpu/host/from-lu-d", { RV_FP_FROM_LU, TRUE, 0, 11 } },
        { "/tcg/fpu/host/to-l-d", { RV_FP_TO_L, TRUE, 1, 22 } },
        { "/tcg/fpu/host/to-l-s", { RV_FP_TO_L, FALSE, 1, 23 } },
        { "/tcg/fpu/host/add-s", { RV_FP_ADD, FALSE, 2, 12 } },
        { "/tcg/fpu/host/sub-s", { RV_FP_SUB, FALSE, 2, 13 } },
        { "/tcg/fpu/host/mul-s", { RV_FP_MUL, FALSE, 2, 14 } },
        { "/tcg/fpu/host/div-s", { RV_FP_DIV, FALSE, 2, 15 } },
        { "/tcg/fpu/host/sqrt-s", { RV_FP_SQRT, FALSE, 1, 16 } },
        { "/tcg/fpu/host/madd-s", { RV_FP_MADD, FALSE, 3, 17 } },
        { "/tcg/fpu/host/nmadd-s", { RV_FP_NMADD, FALSE, 3, 18 } },
        { "/tcg/fpu/host/s-from-d", { RV_FP_CVT_FMT, FALSE, 1, 19 } },
        { "/tcg/fpu/host/from-l-s", { RV_FP_FROM_L, FALSE, 0, 20 } },
        { "/tcg/fpu/host/from-lu-s", { RV_FP_FROM_LU, FALSE, 0, 21 } },
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_test_add_data_func(cases[i].name, &cases[i].cc, test_compare);
    }
    g_test_add_func("/tcg/fpu/tininess-after-rounding", test_tininess);
    g_test_add_func("/tcg/fpu/nan-boxing", test_nan_boxing);
    return g_test_run();
}
