/* SPDX-License-Identifier: MIT */
/* Guest entry in M-mode at the first byte of RAM: a stack per hart from
 * mhartid, gp, bss cleared by hart 0, mtvec to the default trap entry,
 * then main() on hart 0; other harts wait until hart 0 has cleared bss and
 * call guest_secondary(hartid), which by default runs what guest_on_harts
 * gives them (harts.c) and then parks them in wfi. */
#include "asm.h"

    .section .text.init, "ax"
    .globl _start
_start:
    LOAD_GP
    csrr a0, mhartid
    HART_STACK a0
    la t0, guest_trap_entry
    csrw mtvec, t0
    bnez a0, secondary
    CLEAR_BSS
    fence w, w              /* bss cleared before the flag says so */
    la t0, guest_boot_done
    li t1, 1
    sw t1, 0(t0)
    call main
    call guest_exit
secondary:
    la t0, guest_boot_done
3:  lw t1, 0(t0)
    beqz t1, 3b
    fence r, rw
    csrr a0, mhartid
    call guest_secondary
park:
    wfi
    j park

    .weak guest_secondary
guest_secondary:
    call guest_harts_secondary
    j park

    .data
    .align 2
guest_boot_done:            /* in .data: hart 0 clears .bss after others start */
    .word 0
