/* SPDX-License-Identifier: MIT */
/* Zba, Zbb, Zbc and Zbs, every RV64 instruction, with values worked out
 * from the spec's definitions: 0, all ones, the sign bits, shift and
 * rotate amounts 0/1/31/32/63 and past the width (only the low 6 bits,
 * or 5 for W forms, count), .uw forms ignoring rs1's upper word, W forms
 * sign-extending bit 31, and rd = rs1, rd = rs2, rd = x0, rs1 = x0.
 * Each check runs on inputs loaded from memory (the back end's code for
 * the instruction) and on constants (the optimiser folds those); the
 * folded result is printed only when it differs. */
#include "lib/guest.h"
#include "lib/insn.h"

#define M1 0xffffffffffffffffull
#define MIN64 0x8000000000000000ull
#define X 0x8000000000000001ull
#define P 0x0123456789abcdefull

/* A value the translator cannot know in advance: it comes from memory. */
static volatile uint64_t cell;
static uint64_t opaque(uint64_t v)
{
    cell = v;
    return cell;
}

static void folded(const char *name, uint64_t got, uint64_t want)
{
    if (got != want) {
        guest_puts("folded: ");
        check_u64(name, got, want);
    }
}

#define TRR(op, a, b, want)                                              \
    do {                                                                 \
        check_u64(op " " #a "," #b, RR(op, opaque(a), opaque(b)), want); \
        folded(op " " #a "," #b, RR(op, a, b), want);                    \
    } while (0)
#define TRI(op, a, imm, want)                                        \
    do {                                                             \
        check_u64(op " " #a "," #imm, RI(op, opaque(a), imm), want); \
        folded(op " " #a "," #imm, RI(op, a, imm), want);            \
    } while (0)
#define TR1(op, a, want)                                  \
    do {                                                  \
        check_u64(op " " #a, R1(op, opaque(a)), want);    \
        folded(op " " #a, R1(op, a), want);               \
    } while (0)

/* rd = rs1: "op x, x, y" */
#define SAME1(op, a, b) ({ uint64_t x_ = opaque(a); \
    asm volatile(op " %0, %0, %1" : "+r"(x_) : "r"(opaque(b))); x_; })
/* rd = rs2: "op y, x, y" */
#define SAME2(op, a, b) ({ uint64_t y_ = opaque(b); \
    asm volatile(op " %0, %1, %0" : "+r"(y_) : "r"(opaque(a))); y_; })
/* rd = x0: the result goes nowhere, x0 still reads 0 */
#define TO_X0(op, a, b) ({ uint64_t r_; \
    asm volatile(op " zero, %1, %2\nmv %0, zero" : "=r"(r_) : "r"(opaque(a)), "r"(opaque(b))); r_; })

static void zba(void)
{
    TRR("sh1add", P, 1, 0x02468acf13579bdfull);
    TRR("sh2add", 1, 2, 6);
    TRR("sh3add", M1, 0, 0xfffffffffffffff8ull);
    TRR("sh3add", X, X, 0x8000000000000009ull);
    TRR("add.uw", M1, 1, 0x100000000ull);
    TRR("add.uw", 0xffffffff80000000ull, 0, 0x80000000);
    TRR("add.uw", 0, M1, M1);
    TRR("sh1add.uw", M1, 0, 0x1fffffffeull);
    TRR("sh2add.uw", 0x100000001ull, 0x10, 0x14);
    TRR("sh3add.uw", 0xffffffff80000000ull, 0, 0x400000000ull);
    TRR("sh3add.uw", M1, 1, 0x7fffffff9ull);
    TRI("slli.uw", M1, 0, 0xffffffff);
    TRI("slli.uw", M1, 63, MIN64);
    TRI("slli.uw", 0xdeadbeef80000001ull, 4, 0x800000010ull);
    TRI("slli.uw", M1, 32, 0xffffffff00000000ull);
    check_u64("sh3add rd=rs1", SAME1("sh3add", 2, 5), 21);
    check_u64("sh1add.uw rd=rs1", SAME1("sh1add.uw", 0xffffffff00000003ull, 1), 7);
    check_u64("sh2add rd=rs2", SAME2("sh2add", 3, 100), 112);
    check_u64("add.uw rd=x0", TO_X0("add.uw", 1, 2), 0);
}

static void zbb_logic_count(void)
{
    TRR("andn", P, 0x0f0f0f0f0f0f0f0full, 0x0020406080a0c0e0ull);
    TRR("andn", M1, M1, 0);
    TRR("orn", 0, 0, M1);
    TRR("orn", P, M1, P);
    TRR("xnor", P, P, M1);
    TRR("xnor", P, 0, 0xfedcba9876543210ull);
    check_u64("andn rd=rs2", SAME2("andn", M1, 0xff), 0xffffffffffffff00ull);
    check_u64("orn rd=rs1", SAME1("orn", 0x10, M1), 0x10);

    TR1("clz", 0, 64);
    TR1("clz", 1, 63);
    TR1("clz", X, 0);
    TR1("clz", 0xffffffffull, 32);
    TR1("clzw", 0, 32);
    TR1("clzw", 1, 31);
    TR1("clzw", 0xffffffff00000000ull, 32);
    TR1("clzw", 0x80000000, 0);
    TR1("clzw", 0x10000, 15);
    TR1("ctz", 0, 64);
    TR1("ctz", X, 0);
    TR1("ctz", MIN64, 63);
    TR1("ctz", 0x100000000ull, 32);
    TR1("ctzw", 0, 32);
    TR1("ctzw", 0x100000000ull, 32);
    TR1("ctzw", 0x80000000, 31);
    TR1("ctzw", 0x10, 4);
    TR1("cpop", 0, 0);
    TR1("cpop", M1, 64);
    TR1("cpop", P, 32);
    TR1("cpop", X, 2);
    TR1("cpopw", M1, 32);
    TR1("cpopw", 0xffffffff00000001ull, 1);
    TR1("cpopw", P, 20);
    {
        uint64_t r;
        asm volatile("clz %0, zero" : "=r"(r));
        check_u64("clz x0", r, 64);
        asm volatile("cpop %0, zero" : "=r"(r));
        check_u64("cpop x0", r, 0);
        uint64_t x = opaque(0x00f0000000000000ull);
        asm volatile("clz %0, %0" : "+r"(x));
        check_u64("clz rd=rs1", x, 8);
        x = opaque(0x8000);
        asm volatile("ctzw %0, %0" : "+r"(x));
        check_u64("ctzw rd=rs1", x, 15);
        asm volatile("cpop zero, %1\nmv %0, zero" : "=r"(r) : "r"(opaque(M1)));
        check_u64("cpop rd=x0", r, 0);
    }
}

static void zbb_minmax_ext(void)
{
    TRR("max", M1, 1, 1);
    TRR("max", X, 0, 0);
    TRR("max", 5, 5, 5);
    TRR("maxu", X, 0, X);
    TRR("maxu", M1, 1, M1);
    TRR("min", M1, 1, M1);
    TRR("min", 0x7fffffffffffffffull, X, X);
    TRR("minu", M1, 1, 1);
    TRR("minu", 0, M1, 0);
    check_u64("min rd=rs1", SAME1("min", 3, M1), M1);
    check_u64("maxu rd=rs2", SAME2("maxu", 3, M1), M1);
    check_u64("max rd=rs2", SAME2("max", 3, M1), 3);
    check_u64("minu rd=x0", TO_X0("minu", 3, 4), 0);

    TR1("sext.b", 0x80, 0xffffffffffffff80ull);
    TR1("sext.b", 0x7f, 0x7f);
    TR1("sext.b", 0x1234, 0x34);
    TR1("sext.b", M1, M1);
    TR1("sext.b", 0xffffffffffffff00ull, 0);
    TR1("sext.h", 0x8000, 0xffffffffffff8000ull);
    TR1("sext.h", 0x12347fff, 0x7fff);
    TR1("zext.h", M1, 0xffff);
    TR1("zext.h", 0x12348765, 0x8765);
}

static void zbb_rotate_bytes(void)
{
    TRR("rol", P, 4, 0x123456789abcdef0ull);
    TRR("rol", X, 1, 3);
    TRR("rol", P, 0, P);
    TRR("rol", P, 64, P);
    TRR("rol", P, 68, 0x123456789abcdef0ull);
    TRR("rol", 1, 63, MIN64);
    TRR("ror", X, 1, 0xc000000000000000ull);
    TRR("ror", P, 4, 0xf0123456789abcdeull);
    TRR("ror", P, 63, 0x02468acf13579bdeull);
    TRR("ror", P, 136, 0xef0123456789abcdull);
    TRR("rolw", 0x80000001, 1, 3);
    TRR("rolw", 0x40000000, 1, 0xffffffff80000000ull);
    TRR("rolw", 0xffffffff12345678ull, 32, 0x12345678);
    TRR("rolw", 0x12345678, 4, 0x23456781);
    TRR("rolw", 0x12345678, 36, 0x23456781);
    TRR("rorw", 1, 1, 0xffffffff80000000ull);
    TRR("rorw", 0x12345678, 4, 0xffffffff81234567ull);
    TRR("rorw", 0x12345678, 31, 0x2468acf0);
    TRR("rorw", 0xdeadbeef87654321ull, 0, 0xffffffff87654321ull);
    TRI("rori", P, 4, 0xf0123456789abcdeull);
    TRI("rori", P, 0, P);
    TRI("rori", P, 63, 0x02468acf13579bdeull);
    TRI("rori", X, 32, 0x0000000180000000ull);
    TRI("roriw", 0x12345678, 4, 0xffffffff81234567ull);
    TRI("roriw", 0x12345678, 0, 0x12345678);
    TRI("roriw", 0x12345678, 31, 0x2468acf0);
    TRI("roriw", 0xffffffff00000001ull, 1, 0xffffffff80000000ull);
    TRI("roriw", 0x87654321, 16, 0x43218765);
    check_u64("ror rd=rs1", SAME1("ror", P, 8), 0xef0123456789abcdull);
    check_u64("rol rd=rs2", SAME2("rol", P, 8), 0x23456789abcdef01ull);
    check_u64("rorw rd=rs2", SAME2("rorw", 0x12345678, 8), 0x78123456);
    check_u64("rol rd=x0", TO_X0("rol", P, 8), 0);

    TR1("orc.b", 0, 0);
    TR1("orc.b", P, M1);
    TR1("orc.b", 0x0100000080000001ull, 0xff000000ff0000ffull);
    TR1("orc.b", 0x0001000200030000ull, 0x00ff00ff00ff0000ull);
    TR1("orc.b", 0x800000000000007full, 0xff000000000000ffull);
    TR1("rev8", P, 0xefcdab8967452301ull);
    TR1("rev8", 0xff, 0xff00000000000000ull);
    TR1("rev8", M1, M1);
    {
        uint64_t x = opaque(P);
        asm volatile("rev8 %0, %0" : "+r"(x));
        check_u64("rev8 rd=rs1", x, 0xefcdab8967452301ull);
        x = opaque(0x0000ff0000001000ull);
        asm volatile("orc.b %0, %0" : "+r"(x));
        check_u64("orc.b rd=rs1", x, 0x0000ff000000ff00ull);
    }
}

static void zbc(void)
{
    TRR("clmul", 3, 3, 5);
    TRR("clmul", M1, 2, 0xfffffffffffffffeull);
    TRR("clmul", MIN64, 2, 0);
    TRR("clmul", P, 1, P);
    TRR("clmul", 0x1234, 0, 0);
    TRR("clmul", X, MIN64, MIN64);
    TRR("clmul", M1, M1, 0x5555555555555555ull);
    TRR("clmulh", MIN64, 2, 1);
    TRR("clmulh", P, 1, 0);
    TRR("clmulh", X, MIN64, 0x4000000000000000ull);
    TRR("clmulh", M1, M1, 0x5555555555555555ull);
    TRR("clmulr", P, 1, 0);
    TRR("clmulr", X, MIN64, X);
    TRR("clmulr", M1, M1, 0xaaaaaaaaaaaaaaaaull);
    TRR("clmulr", MIN64, 1, 1);
    check_u64("clmul rd=rs1", SAME1("clmul", 3, 3), 5);
    check_u64("clmulh rd=rs2", SAME2("clmulh", MIN64, 2), 1);
    check_u64("clmul rd=x0", TO_X0("clmul", 3, 3), 0);
}

static void zbs(void)
{
    TRR("bclr", M1, 0, 0xfffffffffffffffeull);
    TRR("bclr", M1, 63, 0x7fffffffffffffffull);
    TRR("bclr", M1, 64, 0xfffffffffffffffeull);
    TRR("bclr", M1, 95, 0xffffffff7fffffffull);
    TRR("bclr", 0, 5, 0);
    TRI("bclri", X, 63, 1);
    TRI("bclri", X, 0, MIN64);
    TRI("bclri", M1, 31, 0xffffffff7fffffffull);
    TRR("bext", X, 63, 1);
    TRR("bext", X, 62, 0);
    TRR("bext", X, 64, 1);
    TRR("bext", P, 5, 1);
    TRR("bext", P, 4, 0);
    TRI("bexti", X, 0, 1);
    TRI("bexti", P, 63, 0);
    TRI("bexti", M1, 31, 1);
    TRR("binv", 0, 63, MIN64);
    TRR("binv", X, 0, MIN64);
    TRR("binv", 0, 127, MIN64);
    TRI("binvi", M1, 32, 0xfffffffeffffffffull);
    TRI("binvi", 0, 0, 1);
    TRR("bset", 0, 32, 0x100000000ull);
    TRR("bset", X, 63, X);
    TRR("bset", 0, 64, 1);
    TRI("bseti", 0, 63, MIN64);
    TRI("bseti", 0, 31, 0x80000000);
    check_u64("bset rd=rs1", SAME1("bset", 0, 3), 8);
    check_u64("bclr rd=rs2", SAME2("bclr", M1, 4), 0xffffffffffffffefull);
    check_u64("bext rd=rs2", SAME2("bext", 0x10, 4), 1);
    check_u64("binv rd=x0", TO_X0("binv", 0, 4), 0);
}

int main(void)
{
    zba();
    zbb_logic_count();
    zbb_minmax_ext();
    zbb_rotate_bytes();
    zbc();
    zbs();
    return check_finish();
}
