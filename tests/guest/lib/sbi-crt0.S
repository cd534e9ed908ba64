/* SPDX-License-Identifier: MIT */
/* Entry of an S-mode guest test that SBI firmware (OpenSBI fw_jump) starts
 * at 0x80200000: the boot hart (a0 = its id, a1 = the device tree) clears
 * bss and calls sbi_main; harts the test starts through HSM enter at
 * sbi_secondary_entry and call sbi_secondary. Each on a stack from its
 * hart id; stvec on a handler that reports the trap and shuts down. */
#include "asm.h"

    .section .text.init, "ax"
    .globl _start
_start:
    LOAD_GP
    HART_STACK a0
    mv s0, a0
    CLEAR_BSS
    la t0, sbi_trap
    csrw stvec, t0
    mv a0, s0
    call sbi_main
    call sbi_trap_report    /* sbi_main must not return */

    .globl sbi_secondary_entry
sbi_secondary_entry:
    LOAD_GP
    HART_STACK a0
    la t0, sbi_trap
    csrw stvec, t0
    call sbi_secondary      /* a0 = hart id, a1 = opaque, as HSM gave them */
1:  wfi
    j 1b

    .align 4
sbi_trap:
    call sbi_trap_report
