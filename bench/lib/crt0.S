/* SPDX-License-Identifier: MIT */
/* Benchmark entry in M-mode at the first byte of RAM: harts other than 0
 * park; hart 0 gets the big stack from link.ld, turns the FPU on (mstatus.FS
 * is Off at reset and FP workloads would trap), points mtvec at a handler
 * that reports and exits, clears bss and runs main. */
#include "lib/asm.h"

    .section .text.init, "ax"
    .globl _start
_start:
    csrr a0, mhartid
    bnez a0, park
    LOAD_GP
    la sp, __stack_top
    la t0, trap_entry
    csrw mtvec, t0
    li t0, 0x2000           /* mstatus.FS = Initial; WARL, harmless without F */
    csrs mstatus, t0
    CLEAR_BSS
    call main
    call guest_exit
park:
    wfi
    j park

    /* Any trap is fatal for a benchmark: no state to save, just report. */
    .align 2
trap_entry:
    la sp, __stack_top
    csrr a0, mcause
    csrr a1, mepc
    csrr a2, mtval
    call bench_trap
3:  j 3b
