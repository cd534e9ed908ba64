/* SPDX-License-Identifier: MIT */
/* lower_call(mpp, fn, arg): runs fn(arg) in privilege mpp (0 = U, 1 = S)
 * through mret and returns its a0 in M-mode. fn returns to lower_exit,
 * whose ecall the test's trap hook turns into a jump to lower_back with
 * MPP = M. Callee-saved registers and sp come back from M's own save. */
    .text
    .balign 4
    .globl lower_call, lower_exit, lower_back
lower_call:
    addi sp, sp, -112
    sd ra, 0(sp)
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11
    sd s\n, (8 + 8 * \n)(sp)
    .endr
    la t0, lower_saved_sp
    sd sp, 0(t0)
    csrw mepc, a1
    li t0, 3 << 11
    csrc mstatus, t0
    slli t1, a0, 11
    csrs mstatus, t1
    mv a0, a2
    la ra, lower_exit
    mret
lower_exit:
    ecall
lower_back:
    la t0, lower_saved_sp
    ld sp, 0(t0)
    ld ra, 0(sp)
    .irp n, 0,1,2,3,4,5,6,7,8,9,10,11
    ld s\n, (8 + 8 * \n)(sp)
    .endr
    addi sp, sp, 112
    ret

    .bss
    .balign 8
lower_saved_sp:
    .dword 0

/* s_trap_entry: an S-mode trap handler (stvec) for delegated traps. It
 * counts them and records the first one's scause/stval/sepc in
 * s_trap_rec[1..3]; an exception resumes 4 bytes on, an interrupt
 * turns sie off (S cannot clear every pending bit itself). */
    .text
    .balign 4
    .globl s_trap_entry
s_trap_entry:
    csrw sscratch, t0
    la t0, s_trap_rec
    sd t1, 32(t0)
    ld t1, 0(t0)
    bnez t1, 1f
    csrr t1, scause
    sd t1, 8(t0)
    csrr t1, stval
    sd t1, 16(t0)
    csrr t1, sepc
    sd t1, 24(t0)
1:  ld t1, 0(t0)
    addi t1, t1, 1
    sd t1, 0(t0)
    csrr t1, scause
    bltz t1, 2f
    csrr t1, sepc
    addi t1, t1, 4
    csrw sepc, t1
    j 3f
2:  csrw sie, zero
3:  ld t1, 32(t0)
    csrr t0, sscratch
    sret

    .bss
    .balign 8
    .globl s_trap_rec
s_trap_rec:
    .dword 0, 0, 0, 0, 0
