/* SPDX-License-Identifier: MIT */
/* The four RV64DC encodings (c.fld, c.fsd, c.fldsp, c.fsdsp), kept apart
 * from rvc.S so an integer-only failure is not hidden behind FP support:
 * bit patterns go memory -> f-register -> memory unchanged (incl. a NaN). */
#include "lib/asm.h"

    .option arch, +d
    .text
    .globl main
main:
    .option push
    .option rvc
    c.addi16sp sp, -64
    c.sdsp ra, 56(sp)
    c.sdsp s0, 48(sp)
    c.sdsp s1, 40(sp)
    li t0, (1 << 13)            /* mstatus.FS = Initial: FP usable */
    csrs mstatus, t0

    la s1, fp_buf
    li s0, 0x7ff8000000000001   /* a NaN payload must survive loads/stores */
    sd s0, 0(s1)
    li s0, 0xc00921fb54442d18   /* -pi */
    sd s0, 248(s1)

    c.fld fs0, 0(s1)
    c.fsd fs0, 16(s1)
    ld s0, 16(s1)
    CHECK "c.fld/c.fsd NaN", s0, 0x7ff8000000000001
    c.fld fa5, 248(s1)
    c.fsd fa5, 24(s1)
    ld s0, 24(s1)
    CHECK "c.fld/c.fsd 248", s0, 0xc00921fb54442d18
    fmv.x.d s0, fa5
    CHECK "c.fld then fmv.x.d", s0, 0xc00921fb54442d18

    c.fsdsp fs0, 0(sp)
    ld s0, 0(sp)
    CHECK "c.fsdsp 0", s0, 0x7ff8000000000001
    li s0, 0x3ff0000000000000   /* 1.0 */
    sd s0, 8(sp)
    c.fldsp ft11, 8(sp)
    fmv.x.d s0, ft11
    CHECK "c.fldsp 8", s0, 0x3ff0000000000000
    c.fsdsp ft11, 32(sp)
    ld s0, 32(sp)
    CHECK "c.fsdsp 32", s0, 0x3ff0000000000000

    call check_finish
    c.ldsp ra, 56(sp)
    c.ldsp s0, 48(sp)
    c.ldsp s1, 40(sp)
    c.addi16sp sp, 64
    c.jr ra
    .option pop

    .bss
    .balign 8
fp_buf:
    .space 256
