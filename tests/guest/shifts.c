/* SPDX-License-Identifier: MIT */
/* Shifts by every interesting amount: 0, 1, the top bit, and register
 * amounts past the width (only the low 6 bits, or 5 for W forms, count);
 * W forms shift the low word and sign-extend the 32-bit result. */
#include "lib/guest.h"
#include "lib/insn.h"

#define X 0x8000000000000001ull
#define M1 0xffffffffffffffffull

int main(void)
{
    check_u64("sll x,0", RR("sll", X, 0), X);
    check_u64("sll x,1", RR("sll", X, 1), 2);
    check_u64("sll 1,32", RR("sll", 1, 32), 0x100000000);
    check_u64("sll 1,63", RR("sll", 1, 63), 0x8000000000000000);
    check_u64("sll x,64", RR("sll", X, 64), X);
    check_u64("sll 1,65", RR("sll", 1, 65), 2);
    check_u64("srl x,1", RR("srl", X, 1), 0x4000000000000000);
    check_u64("srl x,63", RR("srl", X, 63), 1);
    check_u64("srl x,64", RR("srl", X, 64), X);
    check_u64("srl x,127", RR("srl", X, 127), 1);
    check_u64("sra x,1", RR("sra", X, 1), 0xc000000000000000);
    check_u64("sra x,63", RR("sra", X, 63), M1);
    check_u64("sra 2^62,62", RR("sra", 0x4000000000000000, 62), 1);
    check_u64("sra x,64", RR("sra", X, 64), X);
    check_u64("slli 1,63", RI("slli", 1, 63), 0x8000000000000000);
    check_u64("slli x,0", RI("slli", X, 0), X);
    check_u64("srli -1,60", RI("srli", M1, 60), 0xf);
    check_u64("srli x,63", RI("srli", X, 63), 1);
    check_u64("srai min,60", RI("srai", 0x8000000000000000, 60), 0xfffffffffffffff8);
    check_u64("srai x,0", RI("srai", X, 0), X);
    check_u64("srai x,63", RI("srai", X, 63), M1);
    check_u64("sllw 1,31", RR("sllw", 1, 31), 0xffffffff80000000);
    check_u64("sllw 1,32", RR("sllw", 1, 32), 1);
    check_u64("sllw 3,33", RR("sllw", 3, 33), 6);
    check_u64("sllw sext.w", RR("sllw", 0xffffffff00000001, 0), 1);
    check_u64("sllw 2^30,1", RR("sllw", 0x40000000, 1), 0xffffffff80000000);
    check_u64("srlw 2^31,31", RR("srlw", 0x80000000, 31), 1);
    check_u64("srlw 2^31,0", RR("srlw", 0xffffffff80000000, 0), 0xffffffff80000000);
    check_u64("srlw 2^31,32", RR("srlw", 0x80000000, 32), 0xffffffff80000000);
    check_u64("srlw -1,4", RR("srlw", M1, 4), 0x0fffffff);
    check_u64("sraw 2^31,31", RR("sraw", 0x80000000, 31), M1);
    check_u64("sraw 2^31,4", RR("sraw", 0x80000000, 4), 0xfffffffff8000000);
    check_u64("sraw low 0", RR("sraw", 0x7fffffff00000000, 3), 0);
    check_u64("sraw 2^31,33", RR("sraw", 0x80000000, 33), 0xffffffffc0000000);
    check_u64("slliw 1,31", RI("slliw", 1, 31), 0xffffffff80000000);
    check_u64("slliw truncates", RI("slliw", 0x123456789, 4), 0x34567890);
    check_u64("srliw -1,31", RI("srliw", M1, 31), 1);
    check_u64("srliw -1,0", RI("srliw", M1, 0), M1);
    check_u64("srliw upper ignored", RI("srliw", 0xffffffff00000010, 4), 1);
    check_u64("sraiw 2^31,31", RI("sraiw", 0x80000000, 31), M1);
    check_u64("sraiw 0x7fffffff,30", RI("sraiw", 0x7fffffff, 30), 1);
    check_u64("sraiw 0x87654321,4", RI("sraiw", 0x87654321, 4), 0xfffffffff8765432);
    return check_finish();
}
