/* SPDX-License-Identifier: MIT */
/* Guest entry in M-mode at the first byte of RAM: a stack per hart from
 * mhartid, gp, bss cleared by hart 0, mtvec to the default trap entry,
 * then main() on hart 0; other harts park in wfi forever. */
    .section .text.init, "ax"
    .globl _start
_start:
    .option push
    .option norelax
    la gp, __global_pointer$
    .option pop
    csrr a0, mhartid
    la sp, __stacks_end
    li t0, 16384
    mul t0, t0, a0
    sub sp, sp, t0
    la t0, guest_trap_entry
    csrw mtvec, t0
    bnez a0, park
    la t0, __bss_start
    la t1, __bss_end
1:  bgeu t0, t1, 2f
    sd zero, 0(t0)
    addi t0, t0, 8
    j 1b
2:  call main
    call guest_exit
park:
    wfi
    j park
