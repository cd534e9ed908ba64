/* SPDX-License-Identifier: MIT */
/* Zicond: czero.eqz rd = rs2 == 0 ? 0 : rs1, czero.nez rd = rs2 != 0 ? 0 :
 * rs1, the condition on all 64 bits of rs2. GNU as 2.40 does not know the
 * mnemonics: .insn spells them (OP, funct7 7, funct3 5 / 7). Each runs on
 * inputs from memory and on constants, as in bitmanip.c. */
#include "lib/guest.h"
#include "lib/insn.h"

#define M1 0xffffffffffffffffull
#define MIN64 0x8000000000000000ull

#define EQZ ".insn r 0x33, 5, 7, "
#define NEZ ".insn r 0x33, 7, 7, "

static volatile uint64_t cell;
static uint64_t opaque(uint64_t v)
{
    cell = v;
    return cell;
}

#define CZ(f, a, b) ({ uint64_t r_; \
    asm volatile(f "%0, %1, %2" : "=r"(r_) : "r"((uint64_t)(a)), "r"((uint64_t)(b))); r_; })

#define T(name, f, a, b, want)                                \
    do {                                                      \
        check_u64(name " " #a "," #b, CZ(f, opaque(a), opaque(b)), want); \
        uint64_t folded_ = CZ(f, a, b);                       \
        if (folded_ != (want)) {                              \
            guest_puts("folded: ");                           \
            check_u64(name " " #a "," #b, folded_, want);     \
        }                                                     \
    } while (0)

int main(void)
{
    T("czero.eqz", EQZ, 0x1234, 0, 0);
    T("czero.eqz", EQZ, 0x1234, 5, 0x1234);
    T("czero.eqz", EQZ, M1, MIN64, M1);
    T("czero.eqz", EQZ, M1, 0x100000000ull, M1);
    T("czero.eqz", EQZ, 0, 1, 0);
    T("czero.nez", NEZ, 0x1234, 0, 0x1234);
    T("czero.nez", NEZ, 0x1234, 5, 0);
    T("czero.nez", NEZ, M1, MIN64, 0);
    T("czero.nez", NEZ, M1, 0x100000000ull, 0);
    T("czero.nez", NEZ, M1, 0, M1);

    uint64_t x = opaque(7);
    asm volatile(EQZ "%0, %0, %1" : "+r"(x) : "r"(opaque(1)));
    check_u64("czero.eqz rd=rs1", x, 7);
    x = opaque(7);
    asm volatile(NEZ "%0, %0, %0" : "+r"(x));
    check_u64("czero.nez rd=rs1=rs2", x, 0);
    x = opaque(0);
    asm volatile(EQZ "%0, %1, %0" : "+r"(x) : "r"(opaque(9)));
    check_u64("czero.eqz rd=rs2 (0)", x, 0);
    x = opaque(0);
    asm volatile(NEZ "%0, %1, %0" : "+r"(x) : "r"(opaque(9)));
    check_u64("czero.nez rd=rs2 (0)", x, 9);
    asm volatile(EQZ "zero, %1, %2\nmv %0, zero" : "=r"(x) : "r"(opaque(3)), "r"(opaque(1)));
    check_u64("czero.eqz rd=x0", x, 0);
    asm volatile(NEZ "%0, %1, zero" : "=r"(x) : "r"(opaque(3)));
    check_u64("czero.nez rs2=x0", x, 3);
    return check_finish();
}
