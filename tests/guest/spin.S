/* SPDX-License-Identifier: MIT */
/* Announces itself and loops forever: the machine under test stays busy
 * until something kills it (the kill-node integration test). */
    .text
    .globl main
main:
    la a0, spin_msg
    call guest_puts
1:  j 1b

    .section .rodata
spin_msg:
    .asciz "spin: looping forever\n"
