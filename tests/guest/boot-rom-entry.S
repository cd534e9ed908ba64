/* SPDX-License-Identifier: MIT */
/* boot-rom's reset vector, the first byte of the ROM: gp, a stack per hart
 * in the SRAM, mtvec to rom_trap; hart 0 copies .data into the SRAM,
 * clears .bss and copies the DRAM code out of the ROM, then raises
 * boot_ready, which the other harts wait for (in the SRAM: across
 * cpu-nodes, the directory carries it). Then rom_main(hartid). */
    .section .text.init, "ax"
    .globl _start
_start:
    .option push
    .option norelax
    la gp, __global_pointer$
    .option pop
    la t0, rom_trap
    csrw mtvec, t0
    csrr a0, mhartid
    li t0, 2
    bgeu a0, t0, park       /* two stacks: harts 2.. have nothing to do */
    la sp, __stacks_end
    slli t0, a0, 12
    sub sp, sp, t0
    bnez a0, secondary

    la t0, __data_load      /* .data: ROM -> SRAM */
    la t1, __data_start
    la t2, __data_end
1:  bgeu t1, t2, 2f
    ld t3, 0(t0)
    sd t3, 0(t1)
    addi t0, t0, 8
    addi t1, t1, 8
    j 1b
2:  la t1, __bss_start      /* .bss: cleared */
    la t2, __bss_end
3:  bgeu t1, t2, 4f
    sd zero, 0(t1)
    addi t1, t1, 8
    j 3b
4:  la t0, __dram_load      /* .dram: ROM -> DRAM */
    la t1, __dram_start
    la t2, __dram_end
5:  bgeu t1, t2, 6f
    ld t3, 0(t0)
    sd t3, 0(t1)
    addi t0, t0, 8
    addi t1, t1, 8
    j 5b
6:  fence.i                 /* the copied code is what this hart fetches */
    fence w, w              /* everything above before the flag */
    la t0, boot_ready
    li t1, 1
    sw t1, 0(t0)
    j enter

secondary:
    la t0, boot_ready
7:  lw t1, 0(t0)
    beqz t1, 7b
    fence r, rw
    fence.i                 /* hart 0's copy of the DRAM code */
enter:
    csrr a0, mhartid
    call rom_main
park:
    wfi
    j park

/* Only the traps rom_probe expects: record mcause and mtval, step over the
 * 4-byte instruction. It uses t0 and t1, which the probe's asm clobbers.
 * Any other trap ends the run with exit code 99. */
    .align 2
    .globl rom_trap
rom_trap:
    la t0, trap_expected
    lw t0, 0(t0)
    beqz t0, unexpected
    csrr t0, mcause
    la t1, trap_cause
    sd t0, 0(t1)
    csrr t0, mtval
    la t1, trap_tval
    sd t0, 0(t1)
    csrr t0, mepc
    addi t0, t0, 4
    csrw mepc, t0
    mret
unexpected:
    li t0, 0x100000         /* sifive_test: fail with code 99 */
    li t1, (99 << 16) | 0x3333
    sw t1, 0(t0)
    j park
