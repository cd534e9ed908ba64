/* SPDX-License-Identifier: MIT */
/* IEEE-754 binary32/binary64 as RISC-V F and D define it, in integer
 * arithmetic: operands are unpacked to a 64-bit significand, results come
 * from one rounding routine over a 128-bit significand with a sticky bit,
 * and the fp helpers at the end apply them to a hart. Software rather than
 * the host FPU because hosts lack RMM and differ on NaNs and tininess. */
#include "tcg/riscv/fpu.h"

#include "tcg/internal.h"

typedef unsigned __int128 u128;

typedef struct {
    guint ebits; /* exponent field width */
    guint mbits; /* fraction field width */
} FpFormat;

static const FpFormat fmt_s = { 8, 23 };
static const FpFormat fmt_d = { 11, 52 };

typedef enum { CLS_ZERO, CLS_FINITE, CLS_INF, CLS_QNAN, CLS_SNAN } FpClass;

/* An operand: value = (sig / 2^63) * 2^exp, sig normalised (bit 63 set)
 * when finite. */
typedef struct {
    FpClass cls;
    gboolean sign;
    int exp;
    guint64 sig;
} Unpacked;

#define CANONICAL_NAN_S 0x7fc00000ull
#define CANONICAL_NAN_D 0x7ff8000000000000ull
#define BOX_S 0xffffffff00000000ull

static int bias(const FpFormat *f)
{
    return (1 << (f->ebits - 1)) - 1;
}

static guint64 canonical_nan(const FpFormat *f)
{
    return f->ebits == 8 ? CANONICAL_NAN_S : CANONICAL_NAN_D;
}

static guint64 pack(const FpFormat *f, gboolean sign, guint64 efield, guint64 mant)
{
    return (guint64)sign << (f->ebits + f->mbits) | efield << f->mbits | mant;
}

static Unpacked unpack(const FpFormat *f, guint64 bits)
{
    guint64 mmask = (1ull << f->mbits) - 1;
    guint64 emax_field = (1ull << f->ebits) - 1;
    guint64 m = bits & mmask;
    guint64 e = (bits >> f->mbits) & emax_field;
    Unpacked u = { .sign = (bits >> (f->ebits + f->mbits)) & 1 };
    if (e == emax_field) {
        u.cls = m == 0 ? CLS_INF : (m >> (f->mbits - 1)) & 1 ? CLS_QNAN : CLS_SNAN;
        return u;
    }
    if (e == 0 && m == 0) {
        u.cls = CLS_ZERO;
        return u;
    }
    u.cls = CLS_FINITE;
    if (e == 0) {
        /* subnormal: m * 2^(emin - mbits), normalised */
        int top = 63 - __builtin_clzll(m);
        u.sig = m << (63 - top);
        u.exp = top + (1 - bias(f)) - (int)f->mbits;
    } else {
        u.sig = (m | (1ull << f->mbits)) << (63 - f->mbits);
        u.exp = (int)e - bias(f);
    }
    return u;
}

static gboolean is_nan(const Unpacked *u)
{
    return u->cls == CLS_QNAN || u->cls == CLS_SNAN;
}

/* round(sig / 2^shift) in mode @rm for a value of sign @sign; *inexact
 * says whether bits were lost. @shift >= 1. */
static u128 shift_round(u128 sig, int shift, gboolean sign, RvRound rm, gboolean *inexact)
{
    u128 m, rem;
    int cmp; /* rem against half an ulp: -1, 0, 1 */
    if (shift < 128) {
        u128 half = (u128)1 << (shift - 1);
        m = sig >> shift;
        rem = sig & (((u128)1 << shift) - 1);
        cmp = rem < half ? -1 : rem == half ? 0 : 1;
    } else {
        u128 half = (u128)1 << 127;
        m = 0;
        rem = sig;
        cmp = shift > 128 || sig < half ? -1 : sig == half ? 0 : 1;
    }
    *inexact = rem != 0;
    if (rem == 0) {
        return m;
    }
    gboolean up;
    switch (rm) {
    case RV_RM_RNE: up = cmp > 0 || (cmp == 0 && (m & 1)); break;
    case RV_RM_RMM: up = cmp >= 0; break;
    case RV_RM_RTZ: up = FALSE; break;
    case RV_RM_RDN: up = sign; break;
    case RV_RM_RUP: up = !sign; break;
    default: g_assert_not_reached();
    }
    return m + up;
}

/* Rounds the nonzero value sig * 2^e to format @f: the single rounding
 * every arithmetic result goes through. Underflow is tininess after
 * rounding (RISC-V's choice) and only raised when inexact. */
static guint64 round_pack(const FpFormat *f, gboolean sign, u128 sig, int e, RvRound rm,
                          guint32 *flags)
{
    g_assert(sig != 0);
    int lz = sig >> 64 ? __builtin_clzll((guint64)(sig >> 64))
                       : 64 + __builtin_clzll((guint64)sig);
    sig <<= lz;
    int exp = e + 127 - lz; /* value = (sig / 2^127) * 2^exp */
    int emin = 1 - bias(f), emax = bias(f);
    int shift = 127 - (int)f->mbits;
    gboolean inexact;
    u128 m = shift_round(sig, shift, sign, rm, &inexact);
    int rexp = exp;
    if (m >> (f->mbits + 1)) {
        m >>= 1;
        rexp++;
    }
    if (rexp >= emin) {
        if (rexp > emax) {
            *flags |= RV_FFLAG_OF | RV_FFLAG_NX;
            gboolean to_inf = rm == RV_RM_RNE || rm == RV_RM_RMM ||
                              (rm == RV_RM_RUP && !sign) || (rm == RV_RM_RDN && sign);
            if (to_inf) {
                return pack(f, sign, (1ull << f->ebits) - 1, 0);
            }
            return pack(f, sign, (1ull << f->ebits) - 2, (1ull << f->mbits) - 1);
        }
        if (inexact) {
            *flags |= RV_FFLAG_NX;
        }
        return pack(f, sign, (guint64)(rexp + bias(f)), (guint64)m & ((1ull << f->mbits) - 1));
    }
    /* Tiny even after rounding to full precision: round again at the
     * subnormal's precision. A carry into the exponent field yields the
     * smallest normal, which the packing below produces by itself. */
    m = shift_round(sig, shift + (emin - exp), sign, rm, &inexact);
    if (inexact) {
        *flags |= RV_FFLAG_NX | RV_FFLAG_UF;
    }
    return pack(f, sign, 0, (guint64)m);
}

static guint64 round_unpacked(const FpFormat *f, const Unpacked *u, RvRound rm, guint32 *flags)
{
    return round_pack(f, u->sign, u->sig, u->exp - 63, rm, flags);
}

/* x >> n, with every bit shifted out ORed into bit 0. */
static u128 shr_jam(u128 x, int n)
{
    if (n <= 0) {
        return x;
    }
    if (n >= 128) {
        return x != 0;
    }
    return (x >> n) | ((x & (((u128)1 << n) - 1)) != 0);
}

/* A NaN result: canonical, with NV if any operand is signalling. */
static guint64 nan_result(const FpFormat *f, const Unpacked *a, const Unpacked *b,
                          const Unpacked *c, guint32 *flags)
{
    if (a->cls == CLS_SNAN || (b && b->cls == CLS_SNAN) || (c && c->cls == CLS_SNAN)) {
        *flags |= RV_FFLAG_NV;
    }
    return canonical_nan(f);
}

static guint64 invalid(const FpFormat *f, guint32 *flags)
{
    *flags |= RV_FFLAG_NV;
    return canonical_nan(f);
}

/* The sign of an exact zero sum of opposite-signed operands. */
static gboolean zero_sum_sign(RvRound rm)
{
    return rm == RV_RM_RDN;
}

/* Adds two finite nonzero values x * 2^ex and y * 2^ey (x, y < 2^125). */
static guint64 add_finite(const FpFormat *f, gboolean sx, u128 x, int ex, gboolean sy, u128 y,
                          int ey, RvRound rm, guint32 *flags)
{
    if (ex < ey) {
        int n = ey - ex;
        x = shr_jam(x, n);
        ex = ey;
    } else {
        y = shr_jam(y, ex - ey);
    }
    u128 sum;
    gboolean sign;
    if (sx == sy) {
        sum = x + y;
        sign = sx;
    } else if (x >= y) {
        sum = x - y;
        sign = sx;
    } else {
        sum = y - x;
        sign = sy;
    }
    if (sum == 0) {
        return pack(f, zero_sum_sign(rm), 0, 0);
    }
    return round_pack(f, sign, sum, ex, rm, flags);
}

static guint64 fp_add(const FpFormat *f, Unpacked a, Unpacked b, RvRound rm, guint32 *flags)
{
    if (is_nan(&a) || is_nan(&b)) {
        return nan_result(f, &a, &b, NULL, flags);
    }
    if (a.cls == CLS_INF) {
        if (b.cls == CLS_INF && a.sign != b.sign) {
            return invalid(f, flags);
        }
        return pack(f, a.sign, (1ull << f->ebits) - 1, 0);
    }
    if (b.cls == CLS_INF) {
        return pack(f, b.sign, (1ull << f->ebits) - 1, 0);
    }
    if (a.cls == CLS_ZERO && b.cls == CLS_ZERO) {
        return pack(f, a.sign == b.sign ? a.sign : zero_sum_sign(rm), 0, 0);
    }
    if (a.cls == CLS_ZERO) {
        return round_unpacked(f, &b, rm, flags); /* exact */
    }
    if (b.cls == CLS_ZERO) {
        return round_unpacked(f, &a, rm, flags);
    }
    /* Significands at bit 125: headroom for the carry, 62 guard bits. */
    return add_finite(f, a.sign, (u128)a.sig << 62, a.exp - 125, b.sign, (u128)b.sig << 62,
                      b.exp - 125, rm, flags);
}

static guint64 fp_mul(const FpFormat *f, Unpacked a, Unpacked b, RvRound rm, guint32 *flags)
{
    if (is_nan(&a) || is_nan(&b)) {
        return nan_result(f, &a, &b, NULL, flags);
    }
    gboolean sign = a.sign ^ b.sign;
    if (a.cls == CLS_INF || b.cls == CLS_INF) {
        if (a.cls == CLS_ZERO || b.cls == CLS_ZERO) {
            return invalid(f, flags);
        }
        return pack(f, sign, (1ull << f->ebits) - 1, 0);
    }
    if (a.cls == CLS_ZERO || b.cls == CLS_ZERO) {
        return pack(f, sign, 0, 0);
    }
    return round_pack(f, sign, (u128)a.sig * b.sig, a.exp + b.exp - 126, rm, flags);
}

static guint64 fp_div(const FpFormat *f, Unpacked a, Unpacked b, RvRound rm, guint32 *flags)
{
    if (is_nan(&a) || is_nan(&b)) {
        return nan_result(f, &a, &b, NULL, flags);
    }
    gboolean sign = a.sign ^ b.sign;
    if (a.cls == CLS_INF) {
        if (b.cls == CLS_INF) {
            return invalid(f, flags);
        }
        return pack(f, sign, (1ull << f->ebits) - 1, 0);
    }
    if (b.cls == CLS_INF) {
        return pack(f, sign, 0, 0);
    }
    if (b.cls == CLS_ZERO) {
        if (a.cls == CLS_ZERO) {
            return invalid(f, flags);
        }
        *flags |= RV_FFLAG_DZ;
        return pack(f, sign, (1ull << f->ebits) - 1, 0);
    }
    if (a.cls == CLS_ZERO) {
        return pack(f, sign, 0, 0);
    }
    /* At least 64 quotient bits; a nonzero remainder is the sticky bit. */
    u128 num = (u128)a.sig << 64;
    u128 q = num / b.sig;
    if (num % b.sig != 0) {
        q |= 1;
    }
    return round_pack(f, sign, q, a.exp - b.exp - 64, rm, flags);
}

/* floor(sqrt(x)) and whether it is exact, digit by digit. */
static guint64 isqrt128(u128 x, gboolean *exact)
{
    u128 rem = 0, root = 0;
    for (int i = 0; i < 64; i++) {
        rem = (rem << 2) | (x >> 126);
        x <<= 2;
        root <<= 1;
        u128 trial = (root << 1) | 1;
        if (rem >= trial) {
            rem -= trial;
            root |= 1;
        }
    }
    *exact = rem == 0;
    return (guint64)root;
}

static guint64 fp_sqrt(const FpFormat *f, Unpacked a, RvRound rm, guint32 *flags)
{
    if (is_nan(&a)) {
        return nan_result(f, &a, NULL, NULL, flags);
    }
    if (a.cls == CLS_ZERO) {
        return pack(f, a.sign, 0, 0);
    }
    if (a.sign) {
        return invalid(f, flags);
    }
    if (a.cls == CLS_INF) {
        return pack(f, FALSE, (1ull << f->ebits) - 1, 0);
    }
    /* value = m * 2^e with e even, m of 127-128 bits: a 64-bit root. */
    int e = a.exp - 127;
    u128 m = (u128)a.sig << 64;
    if (e & 1) {
        m >>= 1; /* the low 64 bits are zero: exact */
        e++;
    }
    gboolean exact;
    u128 root = isqrt128(m, &exact);
    root = root << 1 | !exact;
    return round_pack(f, FALSE, root, e / 2 - 1, rm, flags);
}

/* (a * b) + c with one rounding; @neg_prod / @neg_c negate the product
 * and the addend first (fmsub, fnmsub, fnmadd). */
static guint64 fp_fma(const FpFormat *f, Unpacked a, Unpacked b, Unpacked c, gboolean neg_prod,
                      gboolean neg_c, RvRound rm, guint32 *flags)
{
    gboolean inf_times_zero = (a.cls == CLS_INF && b.cls == CLS_ZERO) ||
                              (a.cls == CLS_ZERO && b.cls == CLS_INF);
    /* The spec: inf * 0 is invalid even when the addend is a quiet NaN. */
    if (inf_times_zero) {
        return invalid(f, flags);
    }
    if (is_nan(&a) || is_nan(&b) || is_nan(&c)) {
        return nan_result(f, &a, &b, &c, flags);
    }
    gboolean ps = a.sign ^ b.sign ^ neg_prod;
    gboolean cs = c.sign ^ neg_c;
    if (a.cls == CLS_INF || b.cls == CLS_INF) {
        if (c.cls == CLS_INF && cs != ps) {
            return invalid(f, flags);
        }
        return pack(f, ps, (1ull << f->ebits) - 1, 0);
    }
    if (c.cls == CLS_INF) {
        return pack(f, cs, (1ull << f->ebits) - 1, 0);
    }
    if (a.cls == CLS_ZERO || b.cls == CLS_ZERO) {
        if (c.cls == CLS_ZERO) {
            return pack(f, ps == cs ? ps : zero_sum_sign(rm), 0, 0);
        }
        c.sign = cs;
        return round_unpacked(f, &c, rm, flags); /* exact */
    }
    u128 prod = (u128)a.sig * b.sig; /* its low 22+ bits are zero: >> 2 is exact */
    if (c.cls == CLS_ZERO) {
        return round_pack(f, ps, prod, a.exp + b.exp - 126, rm, flags);
    }
    /* Both at bit 124/125; small alignments shift out only zeros, large
     * ones leave the result's leading bit far above the sticky bit. */
    return add_finite(f, ps, prod >> 2, a.exp + b.exp - 124, cs, (u128)c.sig << 61,
                      c.exp - 124, rm, flags);
}

/* -1, 0, 1 for a < b, a == b, a > b; both ordered (not NaN). */
static int compare(const Unpacked *a, const Unpacked *b)
{
    if (a->cls == CLS_ZERO && b->cls == CLS_ZERO) {
        return 0;
    }
    /* Magnitude order: zero < finite < inf; finite by exponent, significand. */
    int mag;
    if (a->cls != b->cls) {
        mag = a->cls < b->cls ? -1 : 1;
    } else if (a->cls == CLS_FINITE && (a->exp != b->exp || a->sig != b->sig)) {
        mag = a->exp != b->exp ? (a->exp < b->exp ? -1 : 1) : (a->sig < b->sig ? -1 : 1);
    } else {
        mag = 0;
    }
    gboolean sa = a->cls == CLS_ZERO ? !b->sign : a->sign;
    gboolean sb = b->cls == CLS_ZERO ? !a->sign : b->sign;
    if (sa != sb) {
        return sa ? -1 : 1;
    }
    return sa ? -mag : mag;
}

static guint64 fp_minmax(const FpFormat *f, guint64 ra, guint64 rb, gboolean is_max,
                         guint32 *flags)
{
    Unpacked a = unpack(f, ra), b = unpack(f, rb);
    if (a.cls == CLS_SNAN || b.cls == CLS_SNAN) {
        *flags |= RV_FFLAG_NV;
    }
    if (is_nan(&a) && is_nan(&b)) {
        return canonical_nan(f);
    }
    if (is_nan(&a)) {
        return rb;
    }
    if (is_nan(&b)) {
        return ra;
    }
    int cmp = compare(&a, &b);
    if (cmp == 0 && a.cls == CLS_ZERO) {
        /* -0.0 < +0.0 here */
        cmp = a.sign == b.sign ? 0 : a.sign ? -1 : 1;
    }
    return (cmp < 0) == is_max ? rb : ra;
}

static guint64 fp_classify(const FpFormat *f, guint64 r)
{
    Unpacked u = unpack(f, r);
    gboolean subnormal = ((r >> f->mbits) & ((1ull << f->ebits) - 1)) == 0;
    switch (u.cls) {
    case CLS_INF: return u.sign ? 1 << 0 : 1 << 7;
    case CLS_FINITE:
        if (subnormal) {
            return u.sign ? 1 << 2 : 1 << 5;
        }
        return u.sign ? 1 << 1 : 1 << 6;
    case CLS_ZERO: return u.sign ? 1 << 3 : 1 << 4;
    case CLS_SNAN: return 1 << 8;
    case CLS_QNAN: return 1 << 9;
    }
    g_assert_not_reached();
}

/* fcvt to an integer of @bits (32/64), @is_signed: round, then saturate
 * with NV; NaN converts like +inf. Returns the x register value. */
static guint64 fp_to_int(const FpFormat *f, guint64 r, guint bits, gboolean is_signed, RvRound rm,
                         guint32 *flags)
{
    Unpacked u = unpack(f, r);
    guint64 max = is_signed ? (1ull << (bits - 1)) - 1 : bits == 64 ? ~0ull : (1ull << bits) - 1;
    guint64 min = is_signed ? 0 - (1ull << (bits - 1)) : 0;
    guint64 result;
    gboolean inexact = FALSE;
    if (is_nan(&u) || (u.cls == CLS_INF && !u.sign)) {
        *flags |= RV_FFLAG_NV;
        result = max;
    } else if (u.cls == CLS_INF) {
        *flags |= RV_FFLAG_NV;
        result = min;
    } else if (u.cls == CLS_ZERO) {
        result = 0;
    } else if (u.exp >= 64) {
        *flags |= RV_FFLAG_NV;
        result = u.sign ? min : max;
    } else {
        /* |value| = (sig << 64) / 2^(127 - exp), rounded */
        u128 mag = shift_round((u128)u.sig << 64, 127 - u.exp, u.sign, rm, &inexact);
        gboolean fits;
        if (u.sign) {
            fits = is_signed ? mag <= (u128)1 << (bits - 1) : mag == 0;
        } else {
            fits = mag <= max;
        }
        if (!fits) {
            *flags |= RV_FFLAG_NV;
            result = u.sign ? min : max;
        } else {
            result = u.sign ? 0 - (guint64)mag : (guint64)mag;
            if (inexact) {
                *flags |= RV_FFLAG_NX;
            }
        }
    }
    return bits == 32 ? (guint64)(gint64)(gint32)(guint32)result : result;
}

static guint64 int_to_fp(const FpFormat *f, guint64 v, guint bits, gboolean is_signed,
                         RvRound rm, guint32 *flags)
{
    if (bits == 32) {
        v = is_signed ? (guint64)(gint64)(gint32)v : (guint32)v;
    }
    gboolean sign = is_signed && (gint64)v < 0;
    guint64 mag = sign ? -v : v;
    if (mag == 0) {
        return 0;
    }
    return round_pack(f, sign, mag, 0, rm, flags);
}

/* A single-precision operand: a register not properly NaN-boxed reads as
 * the canonical NaN. */
static guint64 unbox(guint64 r)
{
    return (r & BOX_S) == BOX_S ? (guint32)r : CANONICAL_NAN_S;
}

guint64 tcg_fpu_compute(RvFpOp op, gboolean dbl, RvRound rm, guint64 a, guint64 b, guint64 c,
                        guint32 *fflags)
{
    const FpFormat *f = dbl ? &fmt_d : &fmt_s;
    guint64 sign_bit = 1ull << (f->ebits + f->mbits);
    guint64 ra = a, rb = b, rc = c;
    if (!dbl) {
        ra = op == RV_FP_CVT_FMT ? a : unbox(a);
        rb = unbox(b);
        rc = unbox(c);
    }
    guint64 res;
    switch (op) {
    case RV_FP_ADD: res = fp_add(f, unpack(f, ra), unpack(f, rb), rm, fflags); break;
    case RV_FP_SUB: {
        Unpacked nb = unpack(f, rb);
        nb.sign = !nb.sign; /* a NaN's sign does not matter: it is replaced */
        res = fp_add(f, unpack(f, ra), nb, rm, fflags);
        break;
    }
    case RV_FP_MUL: res = fp_mul(f, unpack(f, ra), unpack(f, rb), rm, fflags); break;
    case RV_FP_DIV: res = fp_div(f, unpack(f, ra), unpack(f, rb), rm, fflags); break;
    case RV_FP_SQRT: res = fp_sqrt(f, unpack(f, ra), rm, fflags); break;
    case RV_FP_MADD:
    case RV_FP_MSUB:
    case RV_FP_NMSUB:
    case RV_FP_NMADD: {
        gboolean neg_prod = op == RV_FP_NMSUB || op == RV_FP_NMADD;
        gboolean neg_c = op == RV_FP_MSUB || op == RV_FP_NMADD;
        res = fp_fma(f, unpack(f, ra), unpack(f, rb), unpack(f, rc), neg_prod, neg_c, rm,
                     fflags);
        break;
    }
    case RV_FP_SGNJ: res = (ra & ~sign_bit) | (rb & sign_bit); break;
    case RV_FP_SGNJN: res = (ra & ~sign_bit) | (~rb & sign_bit); break;
    case RV_FP_SGNJX: res = ra ^ (rb & sign_bit); break;
    case RV_FP_MIN: res = fp_minmax(f, ra, rb, FALSE, fflags); break;
    case RV_FP_MAX: res = fp_minmax(f, ra, rb, TRUE, fflags); break;
    case RV_FP_CVT_FMT: {
        /* from the other format: double -> single rounds, single -> double is exact */
        const FpFormat *from = dbl ? &fmt_s : &fmt_d;
        Unpacked u = unpack(from, dbl ? unbox(a) : a);
        if (is_nan(&u)) {
            res = nan_result(f, &u, NULL, NULL, fflags);
        } else if (u.cls == CLS_INF) {
            res = pack(f, u.sign, (1ull << f->ebits) - 1, 0);
        } else if (u.cls == CLS_ZERO) {
            res = pack(f, u.sign, 0, 0);
        } else {
            res = round_unpacked(f, &u, rm, fflags);
        }
        break;
    }
    case RV_FP_EQ:
    case RV_FP_LT:
    case RV_FP_LE: {
        Unpacked ua = unpack(f, ra), ub = unpack(f, rb);
        if (is_nan(&ua) || is_nan(&ub)) {
            /* feq is quiet: only a signalling NaN is invalid */
            if (op != RV_FP_EQ || ua.cls == CLS_SNAN || ub.cls == CLS_SNAN) {
                *fflags |= RV_FFLAG_NV;
            }
            return 0;
        }
        int cmp = compare(&ua, &ub);
        return op == RV_FP_EQ ? cmp == 0 : op == RV_FP_LT ? cmp < 0 : cmp <= 0;
    }
    case RV_FP_CLASS: return fp_classify(f, ra);
    case RV_FP_TO_W: return fp_to_int(f, ra, 32, TRUE, rm, fflags);
    case RV_FP_TO_WU: return fp_to_int(f, ra, 32, FALSE, rm, fflags);
    case RV_FP_TO_L: return fp_to_int(f, ra, 64, TRUE, rm, fflags);
    case RV_FP_TO_LU: return fp_to_int(f, ra, 64, FALSE, rm, fflags);
    case RV_FP_FROM_W: res = int_to_fp(f, a, 32, TRUE, rm, fflags); break;
    case RV_FP_FROM_WU: res = int_to_fp(f, a, 32, FALSE, rm, fflags); break;
    case RV_FP_FROM_L: res = int_to_fp(f, a, 64, TRUE, rm, fflags); break;
    case RV_FP_FROM_LU: res = int_to_fp(f, a, 64, FALSE, rm, fflags); break;
    default: g_assert_not_reached();
    }
    return dbl ? res : BOX_S | res;
}

/* ---- Helpers on a hart --------------------------------------------------- */

G_STATIC_ASSERT(RV_FP_OP_COUNT <= 64); /* 6 bits of RV_FP_PACK */

/* One F/D instruction on the hart's registers (imm = RV_FP_PACK). Raises
 * illegal instruction for a dynamic rm when frm holds 5-7; the fixed
 * reserved rm values were refused at translation. */
guint64 tcg_helper_fp(TcgHart *hart, guint64 a, guint64 b, guint64 c, gint64 imm)
{
    TcgCpuState *env = &hart->env;
    guint64 p = (guint64)imm;
    RvFpOp op = (RvFpOp)(p & 0x3f);
    gboolean dbl = (p >> 6) & 1;
    guint rd = (p >> 8) & 31, rs1 = (p >> 13) & 31, rs2 = (p >> 18) & 31, rs3 = (p >> 23) & 31;
    guint rm = (p >> 28) & 7;
    if (rm == RV_RM_DYN) {
        rm = env->frm;
    }
    if (rm > RV_RM_RMM) {
        tcg_raise(hart, RV_EXC_ILLEGAL, p >> 32);
    }
    gboolean from_x = op >= RV_FP_FROM_W && op <= RV_FP_FROM_LU;
    /* The host path reads the accrued flags: inexact already set spares it
     * from finding out whether this result is. It only does arithmetic,
     * which writes f[rd] (FS Dirty) whatever the flags. */
    guint32 flags = env->fflags & RV_FFLAG_NX;
    guint64 res;
    if (!tcg_fpu_host(op, dbl, (RvRound)rm, env->f[rs1], env->f[rs2], env->f[rs3], &res,
                      &flags)) {
        flags = 0;
        res = tcg_fpu_compute(op, dbl, (RvRound)rm, from_x ? a : env->f[rs1], env->f[rs2],
                              env->f[rs3], &flags);
    }
    env->fflags |= flags;
    if (rv_fp_op_writes_x(op)) {
        if (flags) {
            env->mstatus |= RV_MSTATUS_FS_DIRTY;
        }
        return res;
    }
    env->f[rd] = res;
    env->mstatus |= RV_MSTATUS_FS_DIRTY;
    return 0;
}

/* mstatus.FS = Dirty (SD follows from FS when read), for the first FP
 * register write of a block translated with FS Initial or Clean. */
guint64 tcg_helper_fp_dirty(TcgHart *hart, guint64 a, guint64 b, guint64 c, gint64 imm)
{
    hart->env.mstatus |= RV_MSTATUS_FS_DIRTY;
    return 0;
}
