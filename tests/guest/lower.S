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
