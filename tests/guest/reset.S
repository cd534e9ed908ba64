/* SPDX-License-Identifier: MIT */
/* Announces itself and asks sifive_test for a machine reset (0x7777): the
 * console integration test checks how shoal ends such a run. On QEMU the
 * machine would reboot into this again, so it is not a guest test. */
    .text
    .globl main
main:
    la a0, reset_msg
    call guest_puts
    li t0, 0x100000
    li t1, 0x7777
    sw t1, 0(t0)
1:  j 1b

    .section .rodata
reset_msg:
    .asciz "reset: asking for a reset\n"
