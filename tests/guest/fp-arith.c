/* SPDX-License-Identifier: MIT */
/* F/D arithmetic: add, sub, mul, div, sqrt and the four fused multiply-adds
 * in every rounding mode (static and dynamic) over special, boundary and
 * random operands, each sweep hashed into one line; then known answers
 * from the spec: ties incl. RMM, tininess after rounding, overflow per
 * mode, signed zeros, canonical NaNs, fused vs unfused, NaN boxing. */
#include "fp.h"

FP_FN2(fadd_d, "fadd.d")
FP_FN2(fsub_d, "fsub.d")
FP_FN2(fmul_d, "fmul.d")
FP_FN2(fdiv_d, "fdiv.d")
FP_FN1(fsqrt_d, "fsqrt.d")
FP_FN3(fmadd_d, "fmadd.d")
FP_FN3(fmsub_d, "fmsub.d")
FP_FN3(fnmsub_d, "fnmsub.d")
FP_FN3(fnmadd_d, "fnmadd.d")
FP_FN2(fadd_s, "fadd.s")
FP_FN2(fsub_s, "fsub.s")
FP_FN2(fmul_s, "fmul.s")
FP_FN2(fdiv_s, "fdiv.s")
FP_FN1(fsqrt_s, "fsqrt.s")
FP_FN3(fmadd_s, "fmadd.s")
FP_FN3(fmsub_s, "fmsub.s")
FP_FN3(fnmsub_s, "fnmsub.s")
FP_FN3(fnmadd_s, "fnmadd.s")

static const uint64_t special_d[] = {
    0x0000000000000000, 0x8000000000000000, 0x7ff0000000000000, 0xfff0000000000000,
    0x7ff8000000000000, 0x7ff8000000000123, 0xfff8000000000000, 0x7ff0000000000001,
    0x3ff0000000000000, 0xbff0000000000000, 0x3ff8000000000000, 0x0000000000000001,
    0x000fffffffffffff, 0x0010000000000000, 0x7fefffffffffffff, 0xffefffffffffffff,
    0x4008000000000000, 0x3fb999999999999a, 0x3ff0000000000001, 0x3fefffffffffffff,
    0x3ca0000000000000, 0x8010000000000001,
};

/* Singles, NaN-boxed; the last one is not boxed (reads as the canonical NaN). */
static const uint64_t special_s[] = {
    0xffffffff00000000, 0xffffffff80000000, 0xffffffff7f800000, 0xffffffffff800000,
    0xffffffff7fc00000, 0xffffffff7fc00123, 0xffffffffffc00000, 0xffffffff7f800001,
    0xffffffff3f800000, 0xffffffffbf800000, 0xffffffff3fc00000, 0xffffffff00000001,
    0xffffffff007fffff, 0xffffffff00800000, 0xffffffff7f7fffff, 0xffffffffff7fffff,
    0xffffffff40400000, 0xffffffff3dcccccd, 0xffffffff3f800001, 0xffffffff3f7fffff,
    0xffffffff33800000, 0x000000003f800000,
};

#define N_SPECIAL (sizeof special_d / sizeof special_d[0])
#define N_RANDOM 120

typedef FpRes (*Fn2)(uint64_t, uint64_t);
typedef FpRes (*Fn3)(uint64_t, uint64_t, uint64_t);

static void sweep2(const char *name, FpRes (*const fn[FP_NRM])(uint64_t, uint64_t),
                   const uint64_t *special, uint64_t (*rnd)(void))
{
    for (unsigned rm = 0; rm < FP_NRM; rm++) {
        for (unsigned i = 0; i < N_SPECIAL; i++) {
            for (unsigned j = 0; j < N_SPECIAL; j++) {
                if (rm == 5) {
                    fp_dyn_frm(i + j);
                }
                fp_record(name, rm, special[i], special[j], fn[rm](special[i], special[j]));
            }
        }
        fp_seed = 1;
        for (unsigned k = 0; k < N_RANDOM; k++) {
            uint64_t a = rnd(), b = rnd();
            if (rm == 5) {
                fp_dyn_frm(k);
            }
            fp_record(name, rm, a, b, fn[rm](a, b));
        }
    }
    fp_sweep_end(name);
}

static void sweep1(const char *name, FpRes (*const fn[FP_NRM])(uint64_t),
                   const uint64_t *special, uint64_t (*rnd)(void))
{
    for (unsigned rm = 0; rm < FP_NRM; rm++) {
        for (unsigned i = 0; i < N_SPECIAL; i++) {
            if (rm == 5) {
                fp_dyn_frm(i);
            }
            fp_record(name, rm, special[i], 0, fn[rm](special[i]));
        }
        fp_seed = 2;
        for (unsigned k = 0; k < N_RANDOM * 4; k++) {
            uint64_t a = rnd();
            if (rm == 5) {
                fp_dyn_frm(k);
            }
            fp_record(name, rm, a, 0, fn[rm](a));
        }
    }
    fp_sweep_end(name);
}

/* Special triples (a subset, to stay fast), random triples, and triples
 * whose addend nearly cancels the product, where fusing matters most. */
static void sweep3(const char *name, FpRes (*const fn[FP_NRM])(uint64_t, uint64_t, uint64_t),
                   Fn2 mul_rtz, const uint64_t *special, uint64_t (*rnd)(void), int dbl)
{
    static const unsigned pick[] = { 0, 1, 2, 3, 5, 7, 8, 9, 11, 13, 14, 17 };
    const unsigned n_pick = sizeof pick / sizeof pick[0];
    for (unsigned rm = 0; rm < FP_NRM; rm++) {
        for (unsigned i = 0; i < n_pick; i++) {
            for (unsigned j = 0; j < n_pick; j++) {
                for (unsigned k = 0; k < n_pick; k++) {
                    uint64_t a = special[pick[i]], b = special[pick[j]], c = special[pick[k]];
                    if (rm == 5) {
                        fp_dyn_frm(i + j + k);
                    }
                    fp_record(name, rm, a, c, fn[rm](a, b, c));
                }
            }
        }
        fp_seed = 3;
        for (unsigned k = 0; k < N_RANDOM; k++) {
            uint64_t a = rnd(), b = rnd(), c = rnd();
            /* c = -(a*b) give or take a few ulps: heavy cancellation */
            uint64_t near = mul_rtz(a, b).r ^ (dbl ? 1ull << 63 : 1ull << 31);
            uint64_t d = near + (fp_rand() % 5) - 2;
            if (rm == 5) {
                fp_dyn_frm(k);
            }
            fp_record(name, rm, a, c, fn[rm](a, b, c));
            fp_record(name, rm, a, d, fn[rm](a, b, d));
        }
    }
    fp_sweep_end(name);
}

static void known_answers(void)
{
    enum { NX = 1, UF = 2, OF = 4, DZ = 8, NV = 16 };
    const uint64_t one = 0x3ff0000000000000, half_ulp = 0x3ca0000000000000;
    const uint64_t max = 0x7fefffffffffffff, two = 0x4000000000000000;
    /* 1 + 2^-53 is a tie: even down, RMM and RUP away */
    fp_expect("1+2^-53 rne", fadd_d_rne(one, half_ulp), one, NX);
    fp_expect("1+2^-53 rmm", fadd_d_rmm(one, half_ulp), one + 1, NX);
    fp_expect("1+2^-53 rup", fadd_d_rup(one, half_ulp), one + 1, NX);
    fp_expect("1+2^-53 rdn", fadd_d_rdn(one, half_ulp), one, NX);
    fp_expect("1+2^-53 rtz", fadd_d_rtz(one, half_ulp), one, NX);
    fp_expect("-1-2^-53 rmm", fadd_d_rmm(one | 1ull << 63, half_ulp | 1ull << 63),
             (one + 1) | 1ull << 63, NX);
    fp_expect("0.1+0.2 rne", fadd_d_rne(0x3fb999999999999a, 0x3fc999999999999a),
             0x3fd3333333333334, NX);
    /* overflow: to inf or to the largest finite, by mode and sign */
    fp_expect("max*2 rne", fmul_d_rne(max, two), 0x7ff0000000000000, OF | NX);
    fp_expect("max*2 rtz", fmul_d_rtz(max, two), max, OF | NX);
    fp_expect("max*2 rdn", fmul_d_rdn(max, two), max, OF | NX);
    fp_expect("-max*2 rdn", fmul_d_rdn(max | 1ull << 63, two), 0xfff0000000000000, OF | NX);
    fp_expect("-max*2 rup", fmul_d_rup(max | 1ull << 63, two), max | 1ull << 63, OF | NX);
    /* an exact subnormal result is not an underflow */
    fp_expect("minnorm*0.5", fmul_d_rne(0x0010000000000000, 0x3fe0000000000000),
             0x0008000000000000, 0);
    /* tininess after rounding: (1-2^-52) * 2^-1022 (1+2^-52) = 2^-1022 (1-2^-104)
     * rounds to 2^-1022 at full precision, so RNE is not tiny: no UF ... */
    fp_expect("tiny-after rne", fmul_d_rne(0x3feffffffffffffe, 0x0010000000000001),
             0x0010000000000000, NX);
    /* ... while RTZ stays below 2^-1022: tiny, subnormal, UF */
    fp_expect("tiny-after rtz", fmul_d_rtz(0x3feffffffffffffe, 0x0010000000000001),
             0x000fffffffffffff, UF | NX);
    fp_expect("tiny-after fma", fmadd_d_rne(0x8010000000000000, 0x3c90000000000000,
                                           0x0010000000000000),
             0x0010000000000000, NX);
    /* a tiny, inexact result that rounds up to the smallest normal: UF */
    fp_expect("tiny rounds to normal", fmul_d_rne(0x3fefffffffffffff, 0x0010000000000000),
             0x0010000000000000, UF | NX);
    /* signed zeros */
    fp_expect("0-0 rne", fsub_d_rne(0, 0), 0, 0);
    fp_expect("0-0 rdn", fsub_d_rdn(0, 0), 1ull << 63, 0);
    fp_expect("1-1 rdn", fsub_d_rdn(one, one), 1ull << 63, 0);
    fp_expect("-0+-0 rne", fadd_d_rne(1ull << 63, 1ull << 63), 1ull << 63, 0);
    fp_expect("-0*+1", fmul_d_rne(1ull << 63, one), 1ull << 63, 0);
    fp_expect("sqrt(-0)", fsqrt_d_rne(1ull << 63), 1ull << 63, 0);
    /* invalid operations and NaNs: canonical results, NV only when the spec says */
    fp_expect("inf-inf", fsub_d_rne(0x7ff0000000000000, 0x7ff0000000000000),
             0x7ff8000000000000, NV);
    fp_expect("0*inf", fmul_d_rne(0, 0x7ff0000000000000), 0x7ff8000000000000, NV);
    fp_expect("0/0", fdiv_d_rne(0, 0), 0x7ff8000000000000, NV);
    fp_expect("1/0", fdiv_d_rne(one, 0), 0x7ff0000000000000, DZ);
    fp_expect("-1/0", fdiv_d_rne(one | 1ull << 63, 0), 0xfff0000000000000, DZ);
    fp_expect("sqrt(-1)", fsqrt_d_rne(one | 1ull << 63), 0x7ff8000000000000, NV);
    fp_expect("qnan+1", fadd_d_rne(0xfff8000000000123, one), 0x7ff8000000000000, 0);
    fp_expect("snan+1", fadd_d_rne(0x7ff0000000000001, one), 0x7ff8000000000000, NV);
    fp_expect("fma inf*0+qnan", fmadd_d_rne(0x7ff0000000000000, 0, 0x7ff8000000000000),
             0x7ff8000000000000, NV);
    fp_expect("fma inf-inf", fmsub_d_rne(0x7ff0000000000000, one, 0x7ff0000000000000),
             0x7ff8000000000000, NV);
    /* fused: (1+2^-30)^2 - 1 keeps the 2^-60 that a rounded product drops */
    fp_expect("fmsub fused", fmsub_d_rne(0x3ff0000000400000, 0x3ff0000000400000, one),
             0x3e20000000200000, 0);
    fp_expect("fnmadd", fnmadd_d_rne(one, two, one), 0xc008000000000000, 0);
    fp_expect("fnmsub", fnmsub_d_rne(one, two, one), 0xbff0000000000000, 0);
    /* fnmadd negates before the single rounding: -(0*1) - 0 = -0 */
    fp_expect("fnmadd zeros", fnmadd_d_rne(0, one, 0), 1ull << 63, 0);
    fp_expect("sqrt2 rne", fsqrt_d_rne(two), 0x3ff6a09e667f3bcd, NX);
    fp_expect("sqrt2 rtz", fsqrt_d_rtz(two), 0x3ff6a09e667f3bcc, NX);
    fp_expect("1/3 rup", fdiv_d_rup(one, 0x4008000000000000), 0x3fd5555555555556, NX);
    fp_expect("1/3 rdn", fdiv_d_rdn(one, 0x4008000000000000), 0x3fd5555555555555, NX);
    /* singles: boxed results; an unboxed operand is the canonical NaN */
    fp_expect("s 1/3 rne", fdiv_s_rne(0xffffffff3f800000, 0xffffffff40400000),
             0xffffffff3eaaaaab, NX);
    fp_expect("s 1/3 rtz", fdiv_s_rtz(0xffffffff3f800000, 0xffffffff40400000),
             0xffffffff3eaaaaaa, NX);
    fp_expect("s 1+2^-24 rmm", fadd_s_rmm(0xffffffff3f800000, 0xffffffff33800000),
             0xffffffff3f800001, NX);
    fp_expect("s unboxed+1", fadd_s_rne(0x000000003f800000, 0xffffffff3f800000),
             0xffffffff7fc00000, 0);
    fp_expect("s unboxed snan-like", fadd_s_rne(0x7fffffff7f800001, 0xffffffff3f800000),
             0xffffffff7fc00000, 0);
    fp_expect("s boxed snan+1", fadd_s_rne(0xffffffff7f800001, 0xffffffff3f800000),
             0xffffffff7fc00000, NV);
    fp_expect("s max*2 rtz", fmul_s_rtz(0xffffffff7f7fffff, 0xffffffff40000000),
             0xffffffff7f7fffff, OF | NX);
    fp_expect("s tiny-after rne", fmul_s_rne(0xffffffff3f7ffffe, 0xffffffff00800001),
             0xffffffff00800000, NX);
    fp_expect("s tiny-after rtz", fmul_s_rtz(0xffffffff3f7ffffe, 0xffffffff00800001),
             0xffffffff007fffff, UF | NX);
    /* dynamic rounding follows frm */
    FP_SET_FRM(4);
    fp_expect("dyn=rmm 1+2^-53", fadd_d_dyn(one, half_ulp), one + 1, NX);
    FP_SET_FRM(2);
    fp_expect("dyn=rdn 0-0", fsub_d_dyn(0, 0), 1ull << 63, 0);
    FP_SET_FRM(0);
}

int main(void)
{
    FP_ENABLE();
    known_answers();
    fp_group_end("arithmetic known answers");
    sweep2("fadd.d", fadd_d, special_d, fp_rand_d);
    sweep2("fsub.d", fsub_d, special_d, fp_rand_d);
    sweep2("fmul.d", fmul_d, special_d, fp_rand_d);
    sweep2("fdiv.d", fdiv_d, special_d, fp_rand_d);
    sweep1("fsqrt.d", fsqrt_d, special_d, fp_rand_d);
    sweep3("fmadd.d", fmadd_d, fmul_d_rtz, special_d, fp_rand_d, 1);
    sweep3("fmsub.d", fmsub_d, fmul_d_rtz, special_d, fp_rand_d, 1);
    sweep3("fnmsub.d", fnmsub_d, fmul_d_rtz, special_d, fp_rand_d, 1);
    sweep3("fnmadd.d", fnmadd_d, fmul_d_rtz, special_d, fp_rand_d, 1);
    sweep2("fadd.s", fadd_s, special_s, fp_rand_s);
    sweep2("fsub.s", fsub_s, special_s, fp_rand_s);
    sweep2("fmul.s", fmul_s, special_s, fp_rand_s);
    sweep2("fdiv.s", fdiv_s, special_s, fp_rand_s);
    sweep1("fsqrt.s", fsqrt_s, special_s, fp_rand_s);
    sweep3("fmadd.s", fmadd_s, fmul_s_rtz, special_s, fp_rand_s, 0);
    sweep3("fmsub.s", fmsub_s, fmul_s_rtz, special_s, fp_rand_s, 0);
    sweep3("fnmsub.s", fnmsub_s, fmul_s_rtz, special_s, fp_rand_s, 0);
    sweep3("fnmadd.s", fnmadd_s, fmul_s_rtz, special_s, fp_rand_s, 0);
    return check_finish();
}
