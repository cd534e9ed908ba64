/* SPDX-License-Identifier: MIT */
/* Entry of an S-mode guest test that SBI firmware (OpenSBI fw_jump) starts
 * at 0x80200000: the boot hart (a0 = its id, a1 = the device tree) clears
 * bss and calls sbi_main; harts the test starts through HSM enter at
 * sbi_secondary_entry and call sbi_secondary. Each on a stack from its
 * hart id; stvec on a handler that reports the trap and shuts down. */
    .section .text.init, "ax"
    .globl _start
_start:
    .option push
    .option norelax
    la gp, __global_pointer$
    .option pop
    mv s0, a0
    call set_stack
    la t0, __bss_start
    la t1, __bss_end
1:  bgeu t0, t1, 2f
    sd zero, 0(t0)
    addi t0, t0, 8
    j 1b
2:  la t0, sbi_trap
    csrw stvec, t0
    mv a0, s0
    call sbi_main
    call sbi_trap_report    /* sbi_main must not return */

    .globl sbi_secondary_entry
sbi_secondary_entry:
    .option push
    .option norelax
    la gp, __global_pointer$
    .option pop
    mv s0, a0
    mv s1, a1
    call set_stack
    la t0, sbi_trap
    csrw stvec, t0
    mv a0, s0
    mv a1, s1
    call sbi_secondary
3:  wfi
    j 3b

/* sp = top of hart a0's stack; keeps a0. */
set_stack:
    la sp, __stacks_end
    li t0, 16384
    mul t0, t0, a0
    sub sp, sp, t0
    ret

    .align 4
sbi_trap:
    call sbi_trap_report
