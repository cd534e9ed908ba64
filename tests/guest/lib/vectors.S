/* SPDX-License-Identifier: MIT */
/* A vectored-mode mtvec table (mtvec = guest_vectors | 1): every slot
 * records its index in guest_vector_taken and then joins the common
 * trap entry, so tests can tell which slot the hardware jumped to
 * (exceptions use slot 0, interrupt N slot N). */
    .text
    .balign 256
    .globl guest_vectors
guest_vectors:
    .option push
    .option norvc
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
    j vector_\n
    .endr
    .option pop

    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
vector_\n:
    addi sp, sp, -16
    sd t0, 0(sp)
    sd t1, 8(sp)
    li t0, \n
    la t1, guest_vector_taken
    sd t0, 0(t1)
    ld t0, 0(sp)
    ld t1, 8(sp)
    addi sp, sp, 16
    j guest_trap_entry
    .endr

    .bss
    .balign 8
    .globl guest_vector_taken
guest_vector_taken:
    .dword 0
