/* SPDX-License-Identifier: MIT */
/* Assembler macros for .S tests and the guests' start-up code: CHECK
 * prints and compares one register through check_u64 (so it clobbers
 * caller-saved registers: keep values that must survive in s0-s11); the
 * rest is what every entry does before C can run. */
#ifndef SHOAL_GUEST_ASM_H
#define SHOAL_GUEST_ASM_H

/* gp for the linker's gp-relative accesses (not relaxed into itself). */
.macro LOAD_GP
    .option push
    .option norelax
    la gp, __global_pointer$
    .option pop
.endm

/* sp = top of hart \hart's 16 KiB stack below __stacks_end; uses t0. */
.macro HART_STACK hart
    la sp, __stacks_end
    li t0, 16384
    mul t0, t0, \hart
    sub sp, sp, t0
.endm

/* Zero [__bss_start, __bss_end); uses t0, t1. */
.macro CLEAR_BSS
    la t0, __bss_start
    la t1, __bss_end
.Lclear\@:
    bgeu t0, t1, .Lcleared\@
    sd zero, 0(t0)
    addi t0, t0, 8
    j .Lclear\@
.Lcleared\@:
.endm

/* Quote a name with spaces: CHECK "c.li -32", s0, -32 */
.macro CHECK name, reg, want
    mv a1, \reg
    li a2, \want
    la a0, .Lcheck_name\@
    call check_u64
    .pushsection .rodata.str, "aMS", @progbits, 1
.Lcheck_name\@:
    .asciz "\name"
    .popsection
.endm

#endif
