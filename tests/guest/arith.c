/* SPDX-License-Identifier: MIT */
/* RV64I/M register arithmetic, every op incl. the W forms, with the edges the
 * spec defines: wrap-around, sign extension of W results, division by zero
 * (quotient all ones, remainder = dividend) and signed overflow
 * (MIN / -1 = MIN, remainder 0), high halves of mulh/mulhsu/mulhu. */
#include "lib/guest.h"
#include "lib/insn.h"

#define M1 0xffffffffffffffffull
#define MIN64 0x8000000000000000ull
#define MAX64 0x7fffffffffffffffull

int main(void)
{
    uint64_t here, pc;

    check_u64("add 1+2", RR("add", 1, 2), 3);
    check_u64("add max+1", RR("add", MAX64, 1), MIN64);
    check_u64("add -1+1", RR("add", M1, 1), 0);
    check_u64("sub 3-5", RR("sub", 3, 5), 0xfffffffffffffffe);
    check_u64("sub 0-min", RR("sub", 0, MIN64), MIN64);
    check_u64("addi 5-6", RI("addi", 5, -6), M1);
    check_u64("addi 1+2047", RI("addi", 1, 2047), 0x800);
    check_u64("addi 0-2048", RI("addi", 0, -2048), 0xfffffffffffff800);
    check_u64("addw 0x7fffffff+1", RR("addw", 0x7fffffff, 1), 0xffffffff80000000);
    check_u64("addw ignores upper", RR("addw", 0xffffffff00000001, 1), 2);
    check_u64("subw 0-1", RR("subw", 0, 1), M1);
    check_u64("subw 0x80000000-1", RR("subw", 0x80000000, 1), 0x7fffffff);
    check_u64("subw 0x100000000-1", RR("subw", 0x100000000, 1), M1);
    check_u64("addiw 0x7fffffff+1", RI("addiw", 0x7fffffff, 1), 0xffffffff80000000);
    check_u64("addiw sext.w", RI("addiw", 0xffffffff, 0), M1);
    check_u64("addiw truncates", RI("addiw", 0x123456789, 0), 0x23456789);
    check_u64("slt -1<1", RR("slt", M1, 1), 1);
    check_u64("slt 1<-1", RR("slt", 1, M1), 0);
    check_u64("slt 1<1", RR("slt", 1, 1), 0);
    check_u64("sltu 1<max", RR("sltu", 1, M1), 1);
    check_u64("sltu max<1", RR("sltu", M1, 1), 0);
    check_u64("slti -5<-4", RI("slti", -5, -4), 1);
    check_u64("slti 0<-1", RI("slti", 0, -1), 0);
    check_u64("sltiu 5<-1", RI("sltiu", 5, -1), 1);
    check_u64("sltiu 0<1", RI("sltiu", 0, 1), 1);
    check_u64("sltiu 1<1", RI("sltiu", 1, 1), 0);
    check_u64("and", RR("and", 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0), 0x0f000f000f000f00);
    check_u64("or", RR("or", 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0), 0xfff0fff0fff0fff0);
    check_u64("xor", RR("xor", 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0), 0xf0f0f0f0f0f0f0f0);
    check_u64("andi -1", RI("andi", 0x1234, -1), 0x1234);
    check_u64("andi 0xf0", RI("andi", 0xffff, 0xf0), 0xf0);
    check_u64("ori -2048", RI("ori", 0, -2048), 0xfffffffffffff800);
    check_u64("xori -1", RI("xori", 0x5555, -1), 0xffffffffffffaaaa);

    { uint64_t r; asm volatile("lui %0, 0x80000" : "=r"(r)); check_u64("lui 0x80000", r, 0xffffffff80000000); }
    { uint64_t r; asm volatile("lui %0, 0x7ffff" : "=r"(r)); check_u64("lui 0x7ffff", r, 0x7ffff000); }
    asm volatile(NORVC("1: auipc %0, 0\nlla %1, 1b") : "=r"(pc), "=r"(here));
    check_u64("auipc 0 - pc", pc - here, 0);
    asm volatile(NORVC("1: auipc %0, 1\nlla %1, 1b") : "=r"(pc), "=r"(here));
    check_u64("auipc 1 - pc", pc - here, 0x1000);
    asm volatile(NORVC("1: auipc %0, 0xfffff\nlla %1, 1b") : "=r"(pc), "=r"(here));
    check_u64("auipc -1 - pc", pc - here, 0xfffffffffffff000);

    check_u64("mul 3*-2", RR("mul", 3, -2), 0xfffffffffffffffa);
    check_u64("mul 2^32*2^32", RR("mul", 0x100000000, 0x100000000), 0);
    check_u64("mulh -1*-1", RR("mulh", M1, M1), 0);
    check_u64("mulh min*min", RR("mulh", MIN64, MIN64), 0x4000000000000000);
    check_u64("mulh -1*1", RR("mulh", M1, 1), M1);
    check_u64("mulh max*2", RR("mulh", MAX64, 2), 0);
    check_u64("mulhu max*max", RR("mulhu", M1, M1), 0xfffffffffffffffe);
    check_u64("mulhu min*2", RR("mulhu", MIN64, 2), 1);
    check_u64("mulhsu -1*max", RR("mulhsu", M1, M1), M1);
    check_u64("mulhsu -2*3", RR("mulhsu", -2, 3), M1);
    check_u64("mulhsu 2*max", RR("mulhsu", 2, M1), 1);
    check_u64("mulw 0x7fffffff*2", RR("mulw", 0x7fffffff, 2), 0xfffffffffffffffe);
    check_u64("mulw ignores upper", RR("mulw", 0x100000003, 5), 15);
    check_u64("div -7/2", RR("div", -7, 2), 0xfffffffffffffffd);
    check_u64("rem -7%2", RR("rem", -7, 2), M1);
    check_u64("rem 7%-2", RR("rem", 7, -2), 1);
    check_u64("div 5/0", RR("div", 5, 0), M1);
    check_u64("divu 5/0", RR("divu", 5, 0), M1);
    check_u64("rem 5%0", RR("rem", 5, 0), 5);
    check_u64("rem -5%0", RR("rem", -5, 0), 0xfffffffffffffffb);
    check_u64("remu 5%0", RR("remu", 5, 0), 5);
    check_u64("div min/-1", RR("div", MIN64, M1), MIN64);
    check_u64("rem min%-1", RR("rem", MIN64, M1), 0);
    check_u64("divu max/2", RR("divu", M1, 2), MAX64);
    check_u64("remu max%10", RR("remu", M1, 10), 5);
    check_u64("divw -7/2", RR("divw", 0xfffffff9, 2), 0xfffffffffffffffd);
    check_u64("divw 5/0", RR("divw", 5, 0), M1);
    check_u64("divw min/-1", RR("divw", 0x80000000, M1), 0xffffffff80000000);
    check_u64("remw min%-1", RR("remw", 0x80000000, M1), 0);
    check_u64("remw 7%0", RR("remw", 7, 0), 7);
    check_u64("remw -7%0", RR("remw", 0xfffffff9, 0), 0xfffffffffffffff9);
    check_u64("remw -7%3", RR("remw", -7, 3), M1);
    check_u64("divuw 0xffffffff/0", RR("divuw", 0xffffffff, 0), M1);
    check_u64("divuw 0xfffffffe/2", RR("divuw", 0xfffffffe, 2), 0x7fffffff);
    check_u64("divuw ignores upper", RR("divuw", 0x100000010, 4), 4);
    check_u64("remuw 0x80000001%0", RR("remuw", 0x80000001, 0), 0xffffffff80000001);
    check_u64("remuw 0xffffffff%16", RR("remuw", 0xffffffff, 16), 15);
    return check_finish();
}
