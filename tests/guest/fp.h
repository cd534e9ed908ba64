/* SPDX-License-Identifier: MIT */
/* Shared by the fp-*.c tests: one function per (instruction, rounding
 * mode) that moves raw bits in and out with fmv.d.x / fmv.x.d (so singles
 * can be given unboxed) and returns fflags as the instruction left them,
 * plus a hash that folds every (result, fflags) of a sweep into one line.
 * Build with -DFP_VERBOSE to print every result instead (for diffing). */
#ifndef SHOAL_GUEST_FP_H
#define SHOAL_GUEST_FP_H

#include <stdint.h>

#include "lib/guest.h"

typedef struct {
    uint64_t r;
    uint64_t flags;
} FpRes;

#define FP_SET_FLAGS(x) asm volatile("csrw fflags, %0" : : "r"((uint64_t)(x)))
#define FP_SET_FRM(x) asm volatile("csrw frm, %0" : : "r"((uint64_t)(x)))
#define FP_ENABLE() asm volatile("csrs mstatus, %0" : : "r"(1ull << 13))

/* Static rounding modes, then "dyn" (frm, set by the sweep). */
#define FP_NRM 6
#define FP_RMS(X, ...) X(rne, __VA_ARGS__) X(rtz, __VA_ARGS__) X(rdn, __VA_ARGS__) \
    X(rup, __VA_ARGS__) X(rmm, __VA_ARGS__) X(dyn, __VA_ARGS__)

/* f = op(a, b) with rounding mode rm. */
#define FP_FN2_RM(rm, name, insn)                                                         \
    static FpRes name##_##rm(uint64_t a, uint64_t b)                                      \
    {                                                                                     \
        FpRes o;                                                                          \
        asm volatile("fmv.d.x ft0, %2\n\tfmv.d.x ft1, %3\n\tcsrw fflags, zero\n\t" insn  \
                     " ft2, ft0, ft1, " #rm "\n\tfmv.x.d %0, ft2\n\tcsrr %1, fflags"      \
                     : "=r"(o.r), "=r"(o.flags) : "r"(a), "r"(b) : "ft0", "ft1", "ft2");  \
        return o;                                                                         \
    }
#define FP_FN2(name, insn)                                                               \
    FP_RMS(FP_FN2_RM, name, insn)                                                        \
    static FpRes (*const name[FP_NRM])(uint64_t, uint64_t) = {                           \
        name##_rne, name##_rtz, name##_rdn, name##_rup, name##_rmm, name##_dyn };

/* f = op(a, b, c) with rounding mode rm. */
#define FP_FN3_RM(rm, name, insn)                                                         \
    static FpRes name##_##rm(uint64_t a, uint64_t b, uint64_t c)                          \
    {                                                                                     \
        FpRes o;                                                                          \
        asm volatile("fmv.d.x ft0, %2\n\tfmv.d.x ft1, %3\n\tfmv.d.x ft2, %4\n\t"          \
                     "csrw fflags, zero\n\t" insn " ft3, ft0, ft1, ft2, " #rm "\n\t"     \
                     "fmv.x.d %0, ft3\n\tcsrr %1, fflags"                                 \
                     : "=r"(o.r), "=r"(o.flags) : "r"(a), "r"(b), "r"(c)                  \
                     : "ft0", "ft1", "ft2", "ft3");                                       \
        return o;                                                                         \
    }
#define FP_FN3(name, insn)                                                               \
    FP_RMS(FP_FN3_RM, name, insn)                                                        \
    static FpRes (*const name[FP_NRM])(uint64_t, uint64_t, uint64_t) = {                 \
        name##_rne, name##_rtz, name##_rdn, name##_rup, name##_rmm, name##_dyn };

/* f = op(a) with rounding mode rm (fsqrt, fcvt between formats). */
#define FP_FN1_RM(rm, name, insn)                                                         \
    static FpRes name##_##rm(uint64_t a)                                                  \
    {                                                                                     \
        FpRes o;                                                                          \
        asm volatile("fmv.d.x ft0, %2\n\tcsrw fflags, zero\n\t" insn " ft2, ft0, " #rm    \
                     "\n\tfmv.x.d %0, ft2\n\tcsrr %1, fflags"                             \
                     : "=r"(o.r), "=r"(o.flags) : "r"(a) : "ft0", "ft2");                 \
        return o;                                                                         \
    }
#define FP_FN1(name, insn)                                                               \
    FP_RMS(FP_FN1_RM, name, insn)                                                        \
    static FpRes (*const name[FP_NRM])(uint64_t) = {                                     \
        name##_rne, name##_rtz, name##_rdn, name##_rup, name##_rmm, name##_dyn };

/* x = fcvt.<int>.<fp>(a) with rounding mode rm. */
#define FP_TOINT_RM(rm, name, insn)                                                       \
    static FpRes name##_##rm(uint64_t a)                                                  \
    {                                                                                     \
        FpRes o;                                                                          \
        asm volatile("fmv.d.x ft0, %2\n\tcsrw fflags, zero\n\t" insn " %0, ft0, " #rm     \
                     "\n\tcsrr %1, fflags"                                                \
                     : "=r"(o.r), "=r"(o.flags) : "r"(a) : "ft0");                        \
        return o;                                                                         \
    }
#define FP_TOINT(name, insn)                                                             \
    FP_RMS(FP_TOINT_RM, name, insn)                                                      \
    static FpRes (*const name[FP_NRM])(uint64_t) = {                                     \
        name##_rne, name##_rtz, name##_rdn, name##_rup, name##_rmm, name##_dyn };

/* f = fcvt.<fp>.<int>(x) with rounding mode rm. */
#define FP_FROMINT_RM(rm, name, insn)                                                     \
    static FpRes name##_##rm(uint64_t a)                                                  \
    {                                                                                     \
        FpRes o;                                                                          \
        asm volatile("csrw fflags, zero\n\t" insn " ft2, %2, " #rm                        \
                     "\n\tfmv.x.d %0, ft2\n\tcsrr %1, fflags"                             \
                     : "=r"(o.r), "=r"(o.flags) : "r"(a) : "ft2");                        \
        return o;                                                                         \
    }
#define FP_FROMINT(name, insn)                                                           \
    FP_RMS(FP_FROMINT_RM, name, insn)                                                    \
    static FpRes (*const name[FP_NRM])(uint64_t) = {                                     \
        name##_rne, name##_rtz, name##_rdn, name##_rup, name##_rmm, name##_dyn };

/* No rounding mode: f or x = op(a, b) (fsgnj*, fmin/fmax, compares). */
#define FP_OP2F(name, insn)                                                               \
    static FpRes name(uint64_t a, uint64_t b)                                             \
    {                                                                                     \
        FpRes o;                                                                          \
        asm volatile("fmv.d.x ft0, %2\n\tfmv.d.x ft1, %3\n\tcsrw fflags, zero\n\t" insn  \
                     " ft2, ft0, ft1\n\tfmv.x.d %0, ft2\n\tcsrr %1, fflags"               \
                     : "=r"(o.r), "=r"(o.flags) : "r"(a), "r"(b) : "ft0", "ft1", "ft2");  \
        return o;                                                                         \
    }
#define FP_OP2X(name, insn)                                                               \
    static FpRes name(uint64_t a, uint64_t b)                                             \
    {                                                                                     \
        FpRes o;                                                                          \
        asm volatile("fmv.d.x ft0, %2\n\tfmv.d.x ft1, %3\n\tcsrw fflags, zero\n\t" insn  \
                     " %0, ft0, ft1\n\tcsrr %1, fflags"                                   \
                     : "=r"(o.r), "=r"(o.flags) : "r"(a), "r"(b) : "ft0", "ft1");         \
        return o;                                                                         \
    }
#define FP_OP1X(name, insn)                                                               \
    static FpRes name(uint64_t a)                                                         \
    {                                                                                     \
        FpRes o;                                                                          \
        asm volatile("fmv.d.x ft0, %2\n\tcsrw fflags, zero\n\t" insn " %0, ft0\n\t"       \
                     "csrr %1, fflags"                                                    \
                     : "=r"(o.r), "=r"(o.flags) : "r"(a) : "ft0");                        \
        return o;                                                                         \
    }

static const char *const fp_rm_names[FP_NRM] = { "rne", "rtz", "rdn", "rup", "rmm", "dyn" };

/* Before calling the dyn variant of a sweep: frm = a static mode in turn. */
static inline void fp_dyn_frm(unsigned i)
{
    FP_SET_FRM(i % 5);
}

/* ---- The sweep hash (FNV-1a over result and flags) ---------------------- */

static uint64_t fp_hash = 0xcbf29ce484222325ull;
static uint64_t fp_count;

static inline void fp_hash_u64(uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        fp_hash = (fp_hash ^ ((v >> (8 * i)) & 0xff)) * 0x100000001b3ull;
    }
}

static inline void fp_record(const char *name, unsigned rm, uint64_t a, uint64_t b, FpRes o)
{
#ifdef FP_VERBOSE
    guest_puts(name);
    guest_putc(' ');
    guest_puts(fp_rm_names[rm]);
    guest_putc(' ');
    guest_put_hex(a);
    guest_putc(' ');
    guest_put_hex(b);
    guest_puts(" -> ");
    guest_put_hex(o.r);
    guest_puts(" f=");
    guest_put_hex(o.flags);
    guest_putc('\n');
#else
    (void)name, (void)rm, (void)a, (void)b;
#endif
    fp_hash_u64(o.r);
    fp_hash_u64(o.flags);
    fp_count++;
}

/* Prints "NAME: n results, hash 0x..." and starts the next sweep. */
static inline void fp_sweep_end(const char *name)
{
    guest_puts(name);
    guest_puts(": ");
    guest_put_udec(fp_count);
    guest_puts(" results, hash ");
    guest_put_hex(fp_hash);
    guest_putc('\n');
    fp_hash = 0xcbf29ce484222325ull;
    fp_count = 0;
}

/* Deterministic operands: a 64-bit LCG (Knuth's MMIX constants). */
static uint64_t fp_seed = 0x853c49e6748fea9bull;
static inline uint64_t fp_rand(void)
{
    fp_seed = fp_seed * 6364136223846793005ull + 1442695040888963407ull;
    return fp_seed ^ (fp_seed >> 29);
}

/* A random double biased towards what rounding finds hard: exponents
 * near the subnormal, overflow and unit ranges, short or long mantissas. */
static inline uint64_t fp_rand_d(void)
{
    uint64_t r = fp_rand(), m = fp_rand();
    uint64_t sign = (r & 1) << 63;
    uint64_t e;
    switch ((r >> 1) & 7) {
    case 0: e = (r >> 8) % 60; break;                 /* subnormal and tiny */
    case 1: e = 2047 - 1 - (r >> 8) % 60; break;      /* near overflow */
    case 2: e = 1023 - 30 + (r >> 8) % 60; break;     /* around 1 */
    default: e = (r >> 8) % 2047; break;              /* anywhere finite */
    }
    if ((r >> 4) & 1) {
        m &= ~0ull << ((r >> 20) % 52);               /* few significant bits */
    }
    return sign | e << 52 | (m & 0xfffffffffffffull);
}

static inline uint64_t fp_rand_s(void)
{
    uint64_t r = fp_rand(), m = fp_rand();
    uint64_t sign = (r & 1) << 31;
    uint64_t e;
    switch ((r >> 1) & 7) {
    case 0: e = (r >> 8) % 30; break;
    case 1: e = 255 - 1 - (r >> 8) % 30; break;
    case 2: e = 127 - 15 + (r >> 8) % 30; break;
    default: e = (r >> 8) % 255; break;
    }
    if ((r >> 4) & 1) {
        m &= ~0ull << ((r >> 20) % 23);
    }
    return 0xffffffff00000000ull | sign | e << 23 | (m & 0x7fffffull);
}

/* ---- Known answers, one output line per group ---------------------------- */

/* The UART is slow on every platform: a group prints one line through
 * check_true, plus a line per mismatch with what was got and wanted. */
static unsigned fp_group_failures;

static inline void fp_expect_u64(const char *name, uint64_t got, uint64_t want)
{
    if (got != want) {
        fp_group_failures++;
        guest_puts(name);
        guest_puts(": got ");
        guest_put_hex(got);
        guest_puts(" want ");
        guest_put_hex(want);
        guest_putc('\n');
    }
}

static inline void fp_expect(const char *name, FpRes got, uint64_t want, uint64_t want_flags)
{
    fp_expect_u64(name, got.r, want);
    if (got.flags != want_flags) {
        guest_puts("fflags of ");
        fp_expect_u64(name, got.flags, want_flags);
    }
}

static inline void fp_group_end(const char *group)
{
    check_true(group, fp_group_failures == 0);
    fp_group_failures = 0;
}

#endif
