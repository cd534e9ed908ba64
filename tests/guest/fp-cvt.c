/* SPDX-License-Identifier: MIT */
/* F/D conversions in every rounding mode: to each integer width and
 * signedness around its limits (saturation and NV, NX only when in range),
 * from each integer width (inexact above 2^24 / 2^53), and between single
 * and double (overflow, underflow, NaNs). Sweeps are hashed; known
 * answers from the spec's table are checked one by one. */
#include "fp.h"

FP_TOINT(fcvt_w_d, "fcvt.w.d")
FP_TOINT(fcvt_wu_d, "fcvt.wu.d")
FP_TOINT(fcvt_l_d, "fcvt.l.d")
FP_TOINT(fcvt_lu_d, "fcvt.lu.d")
FP_TOINT(fcvt_w_s, "fcvt.w.s")
FP_TOINT(fcvt_wu_s, "fcvt.wu.s")
FP_TOINT(fcvt_l_s, "fcvt.l.s")
FP_TOINT(fcvt_lu_s, "fcvt.lu.s")
FP_FROMINT(fcvt_s_w, "fcvt.s.w")
FP_FROMINT(fcvt_s_wu, "fcvt.s.wu")
FP_FROMINT(fcvt_s_l, "fcvt.s.l")
FP_FROMINT(fcvt_s_lu, "fcvt.s.lu")
FP_FROMINT(fcvt_d_l, "fcvt.d.l")
FP_FROMINT(fcvt_d_lu, "fcvt.d.lu")
FP_FN1(fcvt_s_d, "fcvt.s.d")

/* Exact conversions: GNU as takes no rounding mode for them. */
#define EXACT_FN(name, insn, in)                                                          \
    static FpRes name(uint64_t a)                                                         \
    {                                                                                     \
        FpRes o;                                                                          \
        asm volatile(in "csrw fflags, zero\n\t" insn "\n\tfmv.x.d %0, ft2\n\t"            \
                     "csrr %1, fflags"                                                    \
                     : "=r"(o.r), "=r"(o.flags) : "r"(a) : "ft0", "ft2");                 \
        return o;                                                                         \
    }
EXACT_FN(fcvt_d_w, "fcvt.d.w ft2, %2", "")
EXACT_FN(fcvt_d_wu, "fcvt.d.wu ft2, %2", "")
EXACT_FN(fcvt_d_s, "fcvt.d.s ft2, ft0", "fmv.d.x ft0, %2\n\t")

static uint64_t bits_d(double d)
{
    union { double d; uint64_t u; } x = { .d = d };
    return x.u;
}

static uint64_t bits_s(float f)
{
    union { float f; uint32_t u; } x = { .f = f };
    return 0xffffffff00000000ull | x.u;
}

#define TWO31 2147483648.0
#define TWO32 4294967296.0
#define TWO63 9223372036854775808.0
#define TWO64 18446744073709551616.0

/* Doubles around every integer limit, plus the classes. */
static const double to_int_d[] = {
    0.0, -0.0, 0.4, 0.5, 0.6, 1.5, 2.5, -0.4, -0.5, -0.6, -1.5, -2.5, 1e-310, -1e-310,
    TWO31 - 1, TWO31 - 1.5, TWO31 - 0.5, TWO31 - 0.25, TWO31, TWO31 + 0.5,
    -TWO31, -TWO31 - 0.5, -TWO31 - 0.75, -TWO31 - 1, -TWO31 + 0.5,
    TWO32 - 1, TWO32 - 0.5, TWO32 - 0.25, TWO32, TWO32 + 1,
    TWO63 - 1024, TWO63, TWO63 + 2048, -TWO63, -TWO63 - 2048,
    TWO64 - 2048, TWO64, 1e30, -1e30,
};
static const uint64_t to_int_d_bits[] = {
    0x7ff0000000000000, 0xfff0000000000000, 0x7ff8000000000000, 0xfff8000000000000,
    0x7ff0000000000001,
};
static const float to_int_s[] = {
    0.0f, -0.0f, 0.4f, 0.5f, 0.6f, 1.5f, 2.5f, -0.4f, -0.5f, -0.6f, -1.5f, -2.5f, 1e-40f,
    2147483520.0f, 2147483648.0f, -2147483648.0f, -2147483904.0f,
    4294967040.0f, 4294967296.0f, 9223371487098961920.0f, 9223372036854775808.0f,
    -9223372036854775808.0f, -9223373136366403584.0f, 18446742974197923840.0f,
    18446744073709551616.0f, 8388607.5f, -8388607.5f, 1e30f, -1e30f,
};
static const uint64_t to_int_s_bits[] = {
    0xffffffff7f800000, 0xffffffffff800000, 0xffffffff7fc00000, 0xffffffffffc00000,
    0xffffffff7f800001, 0x000000003f800000, /* unboxed: NaN */
};

static const uint64_t ints[] = {
    0, 1, 2, 3, (uint64_t)-1, (uint64_t)-2, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000,
    0xffffffff80000000, 0x7fffffffffffffff, 0x8000000000000000, 0xffffffffffffffff,
    16777217, 16777219, 0x1000003, (uint64_t)-16777217, 0x20000000000001, 0x20000000000003,
    0x0123456789abcdef, 0xfedcba9876543210, 0x7ffffe80, 0x7fffffc0, 0xfffffff0ffffffff,
};

static const uint64_t narrow_d[] = {
    0x3ff0000010000000, /* 1 + 2^-24: a tie for single */
    0x3ff0000030000000, /* 1 + 3*2^-24: a tie, odd */
    0x3ff0000010000001, /* just above the tie */
    0x47efffffe0000000, /* rounds up to 2^128: overflow in RNE */
    0x47efffffd0000000, 0x7fefffffffffffff, 0x3810000000000000, /* 2^-126 */
    0x380fffffffffffff, 0x36a0000000000000, /* 2^-149 */
    0x3690000000000000, 0x3698000000000000, 0x36a8000000000000, 0x0000000000000001,
    0xb80fffffe0000000, 0x7ff0000000000000, 0xfff0000000000000, 0x7ff8000000000123,
    0x7ff0000000000001, 0x0000000000000000, 0x8000000000000000, 0x400921fb54442d18,
};

typedef FpRes (*Fn1)(uint64_t);

static void sweep1(const char *name, FpRes (*const fn[FP_NRM])(uint64_t), const uint64_t *in,
                   unsigned n, unsigned n_random, uint64_t (*rnd)(void))
{
    for (unsigned rm = 0; rm < FP_NRM; rm++) {
        for (unsigned i = 0; i < n; i++) {
            if (rm == 5) {
                fp_dyn_frm(i);
            }
            fp_record(name, rm, in[i], 0, fn[rm](in[i]));
        }
        fp_seed = 4;
        for (unsigned k = 0; k < n_random; k++) {
            uint64_t a = rnd();
            if (rm == 5) {
                fp_dyn_frm(k);
            }
            fp_record(name, rm, a, 0, fn[rm](a));
        }
    }
    fp_sweep_end(name);
}

static uint64_t in_d[64], in_s[64];
static unsigned n_in_d, n_in_s;

static void sweep_to_int(const char *name, FpRes (*const fn[FP_NRM])(uint64_t), int dbl)
{
    sweep1(name, fn, dbl ? in_d : in_s, dbl ? n_in_d : n_in_s, 40, dbl ? fp_rand_d : fp_rand_s);
}

static void known_answers(void)
{
    enum { NX = 1, UF = 2, OF = 4, NV = 16 };
    const uint64_t nan_d = 0x7ff8000000000000, inf_d = 0x7ff0000000000000;
    fp_expect("w.d 2.5 rne", fcvt_w_d_rne(bits_d(2.5)), 2, NX);
    fp_expect("w.d 2.5 rmm", fcvt_w_d_rmm(bits_d(2.5)), 3, NX);
    fp_expect("w.d -2.5 rmm", fcvt_w_d_rmm(bits_d(-2.5)), (uint64_t)-3, NX);
    fp_expect("w.d -2.5 rdn", fcvt_w_d_rdn(bits_d(-2.5)), (uint64_t)-3, NX);
    fp_expect("w.d -2.5 rup", fcvt_w_d_rup(bits_d(-2.5)), (uint64_t)-2, NX);
    fp_expect("w.d 2^31-0.5 rne", fcvt_w_d_rne(bits_d(TWO31 - 0.5)), 0x7fffffff, NV);
    fp_expect("w.d 2^31-0.5 rtz", fcvt_w_d_rtz(bits_d(TWO31 - 0.5)), 0x7fffffff, NX);
    fp_expect("w.d -2^31-0.5 rtz", fcvt_w_d_rtz(bits_d(-TWO31 - 0.5)), 0xffffffff80000000, NX);
    fp_expect("w.d -2^31-0.5 rdn", fcvt_w_d_rdn(bits_d(-TWO31 - 0.5)), 0xffffffff80000000, NV);
    fp_expect("w.d nan", fcvt_w_d_rne(nan_d), 0x7fffffff, NV);
    fp_expect("w.d -inf", fcvt_w_d_rne(inf_d | 1ull << 63), 0xffffffff80000000, NV);
    fp_expect("wu.d -0.4 rne", fcvt_wu_d_rne(bits_d(-0.4)), 0, NX);
    fp_expect("wu.d -0.6 rne", fcvt_wu_d_rne(bits_d(-0.6)), 0, NV);
    fp_expect("wu.d 2^32-1", fcvt_wu_d_rne(bits_d(TWO32 - 1)), 0xffffffffffffffff, 0);
    fp_expect("wu.d 2^32", fcvt_wu_d_rne(bits_d(TWO32)), 0xffffffffffffffff, NV);
    fp_expect("wu.d nan", fcvt_wu_d_rne(nan_d), 0xffffffffffffffff, NV);
    fp_expect("l.d 2^63", fcvt_l_d_rne(bits_d(TWO63)), 0x7fffffffffffffff, NV);
    fp_expect("l.d -2^63", fcvt_l_d_rne(bits_d(-TWO63)), 0x8000000000000000, 0);
    fp_expect("l.d nan", fcvt_l_d_rne(nan_d), 0x7fffffffffffffff, NV);
    fp_expect("lu.d 2^64-2048", fcvt_lu_d_rne(bits_d(TWO64 - 2048)), 0xfffffffffffff800, 0);
    fp_expect("lu.d 2^64", fcvt_lu_d_rne(bits_d(TWO64)), 0xffffffffffffffff, NV);
    fp_expect("lu.d -inf", fcvt_lu_d_rne(inf_d | 1ull << 63), 0, NV);
    fp_expect("w.s 1.5 rne", fcvt_w_s_rne(bits_s(1.5f)), 2, NX);
    fp_expect("w.s unboxed", fcvt_w_s_rne(0x000000003f800000), 0x7fffffff, NV);
    fp_expect("s.w 2^24+1 rne", fcvt_s_w_rne(16777217), 0xffffffff4b800000, NX);
    fp_expect("s.w 2^24+1 rup", fcvt_s_w_rup(16777217), 0xffffffff4b800001, NX);
    fp_expect("s.wu -1", fcvt_s_wu_rne((uint64_t)-1), 0xffffffff4f800000, NX);
    fp_expect("s.w upper bits ignored", fcvt_s_w_rne(0x1234567800000001), 0xffffffff3f800000, 0);
    fp_expect("d.l 2^53+1 rmm", fcvt_d_l_rmm(0x20000000000001), 0x4340000000000001, NX);
    fp_expect("d.lu ~0 rtz", fcvt_d_lu_rtz(~0ull), 0x43efffffffffffff, NX);
    fp_expect("d.w -1", fcvt_d_w((uint64_t)-1), 0xbff0000000000000, 0);
    fp_expect("d.wu -1", fcvt_d_wu((uint64_t)-1), 0x41efffffffe00000, 0);
    fp_expect("s.d 1+2^-24 rne", fcvt_s_d_rne(0x3ff0000010000000), 0xffffffff3f800000, NX);
    fp_expect("s.d 1+2^-24 rmm", fcvt_s_d_rmm(0x3ff0000010000000), 0xffffffff3f800001, NX);
    fp_expect("s.d max rne", fcvt_s_d_rne(0x7fefffffffffffff), 0xffffffff7f800000, OF | NX);
    fp_expect("s.d max rtz", fcvt_s_d_rtz(0x7fefffffffffffff), 0xffffffff7f7fffff, OF | NX);
    fp_expect("s.d 2^-149", fcvt_s_d_rne(0x36a0000000000000), 0xffffffff00000001, 0);
    fp_expect("s.d 2^-150 rne", fcvt_s_d_rne(0x3690000000000000), 0xffffffff00000000, UF | NX);
    fp_expect("s.d 2^-150 rmm", fcvt_s_d_rmm(0x3690000000000000), 0xffffffff00000001, UF | NX);
    fp_expect("s.d snan", fcvt_s_d_rne(0x7ff0000000000001), 0xffffffff7fc00000, NV);
    fp_expect("s.d qnan payload", fcvt_s_d_rne(0xfff8000000000123), 0xffffffff7fc00000, 0);
    fp_expect("d.s snan", fcvt_d_s(0xffffffff7f800001), nan_d, NV);
    fp_expect("d.s unboxed", fcvt_d_s(0x3f800000), nan_d, 0);
    fp_expect("d.s min subnormal", fcvt_d_s(0xffffffff00000001), 0x36a0000000000000, 0);
}

int main(void)
{
    FP_ENABLE();
    known_answers();
    fp_group_end("conversion known answers");
    for (unsigned i = 0; i < sizeof to_int_d / sizeof to_int_d[0]; i++) {
        in_d[n_in_d++] = bits_d(to_int_d[i]);
    }
    for (unsigned i = 0; i < sizeof to_int_d_bits / sizeof to_int_d_bits[0]; i++) {
        in_d[n_in_d++] = to_int_d_bits[i];
    }
    for (unsigned i = 0; i < sizeof to_int_s / sizeof to_int_s[0]; i++) {
        in_s[n_in_s++] = bits_s(to_int_s[i]);
    }
    for (unsigned i = 0; i < sizeof to_int_s_bits / sizeof to_int_s_bits[0]; i++) {
        in_s[n_in_s++] = to_int_s_bits[i];
    }
    sweep_to_int("fcvt.w.d", fcvt_w_d, 1);
    sweep_to_int("fcvt.wu.d", fcvt_wu_d, 1);
    sweep_to_int("fcvt.l.d", fcvt_l_d, 1);
    sweep_to_int("fcvt.lu.d", fcvt_lu_d, 1);
    sweep_to_int("fcvt.w.s", fcvt_w_s, 0);
    sweep_to_int("fcvt.wu.s", fcvt_wu_s, 0);
    sweep_to_int("fcvt.l.s", fcvt_l_s, 0);
    sweep_to_int("fcvt.lu.s", fcvt_lu_s, 0);
    const unsigned n_ints = sizeof ints / sizeof ints[0];
    sweep1("fcvt.s.w", fcvt_s_w, ints, n_ints, 30, fp_rand);
    sweep1("fcvt.s.wu", fcvt_s_wu, ints, n_ints, 30, fp_rand);
    sweep1("fcvt.s.l", fcvt_s_l, ints, n_ints, 30, fp_rand);
    sweep1("fcvt.s.lu", fcvt_s_lu, ints, n_ints, 30, fp_rand);
    sweep1("fcvt.d.l", fcvt_d_l, ints, n_ints, 30, fp_rand);
    sweep1("fcvt.d.lu", fcvt_d_lu, ints, n_ints, 30, fp_rand);
    sweep1("fcvt.s.d", fcvt_s_d, narrow_d, sizeof narrow_d / sizeof narrow_d[0], 200, fp_rand_d);
    for (unsigned i = 0; i < n_ints; i++) {
        fp_record("fcvt.d.w", 0, ints[i], 0, fcvt_d_w(ints[i]));
        fp_record("fcvt.d.wu", 0, ints[i], 0, fcvt_d_wu(ints[i]));
    }
    fp_seed = 5;
    for (unsigned k = 0; k < 200; k++) {
        uint64_t s = fp_rand_s();
        fp_record("fcvt.d.s", 0, s, 0, fcvt_d_s(s));
    }
    fp_sweep_end("fcvt.d.w/wu/s");
    return check_finish();
}
