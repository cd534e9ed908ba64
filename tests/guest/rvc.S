/* SPDX-License-Identifier: MIT */
/* Every RVC encoding valid for RV64 without F/D, written explicitly with
 * c.* mnemonics, each result checked: quadrant 0 (addi4spn, lw/ld/sw/sd),
 * quadrant 1 (nop, addi, addiw, li, addi16sp, lui, srli, srai, andi,
 * sub/xor/or/and/subw/addw, j, beqz, bnez), quadrant 2 (slli, lwsp, ldsp,
 * jr, mv, jalr, add, swsp, sdsp). c.ebreak is in traps.c. */
#include "lib/asm.h"

    .text
    .globl main
main:
    .option push
    .option rvc
    c.addi16sp sp, -512
    c.sdsp ra, 504(sp)
    c.sdsp s0, 496(sp)
    c.sdsp s1, 488(sp)

    /* c.li, c.addi, c.nop, c.addiw */
    c.li s0, -32
    CHECK "c.li -32", s0, -32
    c.li s0, 31
    c.addi s0, -1
    CHECK "c.addi -1", s0, 30
    c.nop
    c.addi s0, 31
    CHECK "c.addi 31", s0, 61
    li s0, 0x7fffffff
    c.addiw s0, 1
    CHECK "c.addiw 0x7fffffff+1", s0, 0xffffffff80000000
    li s0, 0xffffffff
    c.addiw s0, 0
    CHECK "c.addiw 0 (sext.w)", s0, -1
    li s0, 0x123456789
    c.addiw s0, -1
    CHECK "c.addiw truncates", s0, 0x23456788

    /* c.lui: 6-bit signed immediate, shifted by 12 */
    c.lui s0, 1
    CHECK "c.lui 1", s0, 0x1000
    c.lui s0, 0x1f
    CHECK "c.lui 0x1f", s0, 0x1f000
    c.lui s0, 0xfffff
    CHECK "c.lui -1", s0, 0xfffffffffffff000
    c.lui s0, 0xfffe0
    CHECK "c.lui -32", s0, 0xfffffffffffe0000

    /* c.addi16sp and c.addi4spn */
    c.mv s0, sp
    c.addi16sp sp, -496
    c.mv s1, sp
    c.addi16sp sp, 496
    c.sub s0, s1
    CHECK "c.addi16sp -496", s0, 496
    c.addi4spn s0, sp, 1020
    c.mv s1, sp
    c.sub s0, s1
    CHECK "c.addi4spn 1020", s0, 1020
    c.addi4spn s0, sp, 4
    c.sub s0, s1
    CHECK "c.addi4spn 4", s0, 4

    /* shifts */
    c.li s0, 1
    c.slli s0, 63
    CHECK "c.slli 63", s0, 0x8000000000000000
    c.srai s0, 1
    CHECK "c.srai 1", s0, 0xc000000000000000
    c.srli s0, 62
    CHECK "c.srli 62", s0, 3
    li s0, 0x8000000000000000
    c.srai s0, 63
    CHECK "c.srai 63", s0, -1
    c.srli s0, 32
    CHECK "c.srli 32", s0, 0xffffffff
    c.slli s0, 1
    CHECK "c.slli 1", s0, 0x1fffffffe

    /* c.andi and the register-register ALU ops */
    li s0, 0x1234
    c.andi s0, -1
    CHECK "c.andi -1", s0, 0x1234
    c.andi s0, 0x1f
    CHECK "c.andi 0x1f", s0, 0x14
    c.andi s0, -32
    CHECK "c.andi -32", s0, 0
    li s0, 0xff00ff00ff00ff00
    li s1, 0x0ff00ff00ff00ff0
    c.and s0, s1
    CHECK "c.and", s0, 0x0f000f000f000f00
    li s0, 0xff00ff00ff00ff00
    c.or s0, s1
    CHECK "c.or", s0, 0xfff0fff0fff0fff0
    li s0, 0xff00ff00ff00ff00
    c.xor s0, s1
    CHECK "c.xor", s0, 0xf0f0f0f0f0f0f0f0
    c.li s0, 3
    c.li s1, 5
    c.sub s0, s1
    CHECK "c.sub 3-5", s0, -2
    c.li s0, 0
    c.li s1, 1
    c.subw s0, s1
    CHECK "c.subw 0-1", s0, -1
    li s0, 0x180000000
    c.subw s0, s1
    CHECK "c.subw 0x80000000-1", s0, 0x7fffffff
    c.addw s0, s1
    CHECK "c.addw 0x7fffffff+1", s0, 0xffffffff80000000
    li s0, 0x100000005
    c.addw s0, s1
    CHECK "c.addw truncates", s0, 6

    /* c.mv and c.add work on any register */
    li t3, 0x1111111111111111
    c.mv t4, t3
    c.add t4, t3
    c.mv s0, t4
    CHECK "c.mv/c.add t3,t4", s0, 0x2222222222222222
    li a5, -1
    c.add a5, a5
    c.mv s0, a5
    CHECK "c.add a5,a5", s0, -2

    /* loads and stores through a register (x8-x15) */
    la s1, rvc_buf
    li s0, 0x80000000fedcba98
    c.sd s0, 8(s1)
    c.ld s0, 8(s1)
    CHECK "c.sd/c.ld 8", s0, 0x80000000fedcba98
    c.lw s0, 8(s1)
    CHECK "c.lw 8 (sign-extends)", s0, 0xfffffffffedcba98
    c.lw s0, 12(s1)
    CHECK "c.lw 12", s0, 0xffffffff80000000
    li s0, 0x0123456776543210
    c.sw s0, 124(s1)
    c.lw s0, 124(s1)
    CHECK "c.sw/c.lw 124", s0, 0x76543210
    li s0, 0x5a5a5a5a5a5a5a5a
    c.sd s0, 248(s1)
    c.ld s0, 248(s1)
    CHECK "c.sd/c.ld 248", s0, 0x5a5a5a5a5a5a5a5a
    c.ld s0, 120(s1)
    CHECK "c.sw stored 4 bytes", s0, 0x7654321000000000

    /* stack-pointer relative */
    li s0, 0x8877665544332211
    c.sdsp s0, 0(sp)
    c.ldsp s1, 0(sp)
    CHECK "c.sdsp/c.ldsp 0", s1, 0x8877665544332211
    c.lwsp s1, 4(sp)
    CHECK "c.lwsp 4 (sign-extends)", s1, 0xffffffff88776655
    li s0, 0x11223344
    c.swsp s0, 252(sp)
    c.lwsp s1, 252(sp)
    CHECK "c.swsp/c.lwsp 252", s1, 0x11223344
    c.sdsp s0, 480(sp)
    c.ldsp s1, 480(sp)
    CHECK "c.sdsp/c.ldsp 480", s1, 0x11223344

    /* control flow */
    c.li s0, 5
    c.j 1f
    c.li s0, 7
1:  CHECK "c.j forward", s0, 5
    c.li s0, 0
    c.li s1, 1
    c.beqz s0, 2f
    c.li s1, 2
2:  CHECK "c.beqz taken", s1, 1
    c.li s0, 1
    c.beqz s0, 3f
    c.li s1, 2
3:  CHECK "c.beqz not taken", s1, 2
    c.li s0, 0
    c.li s1, 1
    c.bnez s0, 4f
    c.li s1, 3
4:  CHECK "c.bnez not taken", s1, 3
    c.li s0, 5
    c.li s1, 0
5:  c.addi s1, 3
    c.addi s0, -1
    c.bnez s0, 5b
    CHECK "c.bnez backward loop", s1, 15
    c.li s0, 4
    c.li s1, 0
6:  c.beqz s0, 7f
    c.addi s1, 1
    c.addi s0, -1
    c.j 6b
7:  CHECK "c.j backward loop", s1, 4
    c.li s0, 1
    la t0, 8f
    c.jr t0
    c.li s0, 2
8:  CHECK "c.jr", s0, 1
    la t0, 9f
    c.jalr t0
9:  la s1, 9b
    c.mv s0, ra
    c.sub s0, s1
    CHECK "c.jalr link = pc+2", s0, 0
    c.li s0, 9
    la t0, rvc_leaf
    c.jalr t0
    CHECK "c.jalr call/c.jr ra return", s0, 10

    call check_finish
    c.ldsp ra, 504(sp)
    c.ldsp s0, 496(sp)
    c.ldsp s1, 488(sp)
    c.addi16sp sp, 496
    c.addi16sp sp, 16
    c.jr ra

rvc_leaf:
    c.addi s0, 1
    c.jr ra
    .option pop

    .bss
    .balign 8
rvc_buf:
    .space 256
