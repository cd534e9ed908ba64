/* SPDX-License-Identifier: MIT */
/* Entry of an S-mode guest test that SBI firmware (OpenSBI fw_jump) starts
 * at 0x80200000: the boot hart (a0 = its id, a1 = the device tree) clears
 * bss and calls sbi_main; harts the test starts through HSM enter at
 * sbi_secondary_entry and call sbi_secondary. Each on a stack from its
 * hart id; stvec on a handler that reports the trap and shuts down.
 *
 * Only the first hart here is the boot hart. Debian's OpenSBI 1.1 has
 * hart_start mark its target START_PENDING before it stores the start
 * address and argument: a target still on its way to its wait loop (its
 * host thread preempted, as on a loaded 2-core host under QEMU) sees the
 * state and jumps to the address it was given at boot, this _start, with
 * the firmware's old argument. Such a hart is the one being started, so it
 * goes to sbi_secondary_entry; its opaque is lost (0), so sbi_secondary
 * must not depend on it. */
#include "asm.h"

    .section .text.init, "ax"
    .globl _start
_start:
    LOAD_GP
    la t0, boot_hart_claimed
    li t1, 1
    amoswap.w.aqrl t1, t1, (t0)
    li a1, 0
    bnez t1, sbi_secondary_entry
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

    /* In .data, not .bss: the boot hart clears .bss after claiming. */
    .section .data
    .align 2
boot_hart_claimed:
    .word 0

    .section .text.init, "ax"
    .align 4
sbi_trap:
    call sbi_trap_report
