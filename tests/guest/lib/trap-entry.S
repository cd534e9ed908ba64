/* SPDX-License-Identifier: MIT */
/* Default M-mode trap entry (direct mode): saves every register into a
 * GuestTrapFrame on the current stack, calls guest_trap_dispatch, restores
 * mepc (possibly changed by the hook) and mstatus, and mrets. Restoring
 * mstatus makes traps nest: an inner mret leaves MPP = U, and the outer
 * mret would otherwise drop to U-mode. mscratch stays untouched because
 * the CSR test owns it. */
#define FRAME 288
    .text
    .balign 4
    .globl guest_trap_entry
guest_trap_entry:
    addi sp, sp, -FRAME
    .irp n, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    sd x\n, \n*8(sp)
    .endr
    addi t0, sp, FRAME
    sd t0, 16(sp)
    csrr t0, mcause
    sd t0, 256(sp)
    csrr t0, mepc
    sd t0, 264(sp)
    csrr t0, mtval
    sd t0, 272(sp)
    csrr t0, mstatus
    sd t0, 280(sp)
    mv a0, sp
    call guest_trap_dispatch
    ld t0, 264(sp)
    csrw mepc, t0
    ld t0, 280(sp)
    csrw mstatus, t0
    .irp n, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    ld x\n, \n*8(sp)
    .endr
    addi sp, sp, FRAME
    mret
