/* SPDX-License-Identifier: MIT */
/* Assembler macros for .S tests: CHECK prints and compares one register
 * through check_u64 (so it clobbers caller-saved registers: keep values
 * that must survive in s0-s11). */
#ifndef SHOAL_GUEST_ASM_H
#define SHOAL_GUEST_ASM_H

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
