/* SPDX-License-Identifier: MIT */
/* The exceptions a hart raises, from M, S and U: fetch/load/store access
 * faults, illegal instructions (CSR privilege too), breakpoint, misaligned
 * LR, ecall from each mode; delegation of exceptions and interrupts to S
 * (SSIP, STIP written by M), MTIP from the CLINT, which of two pending
 * interrupts goes first, WFI with TW, SRET with TSR. Cause 0 cannot happen
 * with C (pc is always even); QEMU 7.2 performs misaligned stores and
 * reports misaligned AMOs as cause 4, so cause 6 is not tested. */
#include "lower.h"

#define MIP_SSIP (1ull << 1)
#define MIP_STIP (1ull << 5)
#define MIP_MTIP (1ull << 7)
#define MIP_MSIP (1ull << 3)
#define GUEST_CLINT_MSIP 0x2000000ul
#define SSTATUS_SIE (1ull << 1)
#define MSTATUS_MIE (1ull << 3)
#define INTR (1ull << 63)

/* Small bodies for lower_call; 32-bit instructions, so handlers skip 4. */
void do_ecall(void);
void do_wfi(void);
void do_sret(void);
void do_read_mstatus(void);
void do_read_sstatus(void);
void do_enable_sie(void);
void do_ret(void);
void do_ebreak(void);
asm(".option push\n.option norvc\n"
    ".globl do_ebreak\ndo_ebreak: ebreak\nret\n"
    ".globl do_ret\ndo_ret: ret\n"
    ".globl do_ecall\ndo_ecall: ecall\nret\n"
    ".globl do_wfi\ndo_wfi: wfi\nret\n"
    ".globl do_sret\ndo_sret: sret\nret\n"
    ".globl do_read_mstatus\ndo_read_mstatus: csrr a0, mstatus\nret\n"
    ".globl do_read_sstatus\ndo_read_sstatus: csrr a0, sstatus\nret\n"
    ".globl do_enable_sie\ndo_enable_sie: csrsi sstatus, 2\nnop\nnop\ncsrci sstatus, 2\nret\n"
    ".option pop\n");

#define INSN_CSRR_MSTATUS 0x30002573u /* csrr a0, mstatus */
#define INSN_CSRR_SSTATUS 0x10002573u /* csrr a0, sstatus */
#define INSN_WFI 0x10500073u
#define INSN_SRET 0x10200073u

static void check_trap(const char *name, uint64_t cause, uint64_t tval)
{
    check_u64(name, t_count, 1);
    check_u64("  mcause", t_cause, cause);
    check_u64("  mtval", t_tval, tval);
    reset_trap();
}

static void s_reset(void)
{
    for (int i = 0; i < 5; i++)
        s_trap_rec[i] = 0;
}

static void check_s_trap(const char *name, uint64_t cause, uint64_t tval)
{
    check_u64(name, s_trap_rec[0], 1);
    check_u64("  scause", s_trap_rec[1], cause);
    check_u64("  stval", s_trap_rec[2], tval);
    check_u64("  no M trap", t_count, 0);
    s_reset();
    reset_trap();
}

int main(void)
{
    lower_install();
    /* S and U may use all memory (PMP), and S has a handler. */
    asm volatile("csrw pmpaddr15, %0" : : "r"(~0ull));
    CSR_WRITE(pmpcfg2, 0x1full << 56);
    CSR_WRITE(stvec, (uint64_t)s_trap_entry);
    reset_trap();

    /* Access faults: fetch, load, store outside RAM and devices. */
    t_resume = (uint64_t)lower_exit;
    lower_call(1, 0x0, 0);
    check_trap("S fetch from 0x0", 1, 0);
    uint64_t v;
    asm volatile(".option push\n.option norvc\nld %0, 0(%1)\n.option pop" : "=r"(v) : "r"(0x100ull));
    check_trap("M load from 0x100", 5, 0x100);
    asm volatile(".option push\n.option norvc\nsd zero, 0(%0)\n.option pop" : : "r"(0x108ull) : "memory");
    check_trap("M store to 0x108", 7, 0x108);

    /* Breakpoint, misaligned LR. */
    asm volatile(".option push\n.option norvc\nebreak\n.option pop");
    check_trap("M ebreak", 3, 0);
    static uint64_t word[2];
    uint64_t odd = (uint64_t)word + 2;
    asm volatile(".option push\n.option norvc\nlr.w %0, (%1)\n.option pop" : "=r"(v) : "r"(odd) : "memory");
    check_u64("M lr.w misaligned", t_count, 1);
    check_u64("  mcause", t_cause, 4);
    check_u64("  mtval - &word", t_tval - (uint64_t)word, 2);
    reset_trap();

    /* ecall from each mode. */
    lower_call(0, (uint64_t)do_ecall, 0);
    check_trap("U ecall", 8, 0);
    lower_call(1, (uint64_t)do_ecall, 0);
    check_trap("S ecall", 9, 0);
    asm volatile(".option push\n.option norvc\necall\n.option pop");
    check_trap("M ecall", 11, 0);

    /* Illegal: M CSRs from S, S CSRs from U; sret from U. */
    lower_call(1, (uint64_t)do_read_mstatus, 0);
    check_trap("S reads mstatus", 2, INSN_CSRR_MSTATUS);
    lower_call(0, (uint64_t)do_read_sstatus, 0);
    check_trap("U reads sstatus", 2, INSN_CSRR_SSTATUS);
    lower_call(0, (uint64_t)do_sret, 0);
    check_trap("U sret", 2, INSN_SRET);
    lower_call(0, (uint64_t)do_wfi, 0);
    check_trap("U wfi", 2, INSN_WFI);

    /* TW and TSR make wfi and sret illegal in S. */
    uint64_t st = CSR_READ(mstatus);
    CSR_WRITE(mstatus, st | MSTATUS_TW);
    lower_call(1, (uint64_t)do_wfi, 0);
    check_trap("S wfi with TW", 2, INSN_WFI);
    CSR_WRITE(mstatus, st | MSTATUS_TSR);
    lower_call(1, (uint64_t)do_sret, 0);
    check_trap("S sret with TSR", 2, INSN_SRET);
    CSR_WRITE(mstatus, st);

    /* Delegated exceptions go to S, from S and from U; M's stay in M.
     * (Not ecall from U: lower_call needs it to come back to M.) */
    s_reset();
    CSR_WRITE(medeleg, (1ull << 2) | (1ull << 3));
    check_u64("medeleg", CSR_READ(medeleg), (1ull << 2) | (1ull << 3));
    lower_call(1, (uint64_t)do_read_mstatus, 0);
    check_s_trap("S illegal, delegated", 2, INSN_CSRR_MSTATUS);
    lower_call(0, (uint64_t)do_read_sstatus, 0);
    check_s_trap("U illegal, delegated", 2, INSN_CSRR_SSTATUS);
    lower_call(0, (uint64_t)do_ebreak, 0);
    check_u64("U ebreak, delegated", s_trap_rec[0], 1);
    check_u64("  scause", s_trap_rec[1], 3);
    s_reset();
    lower_call(1, (uint64_t)do_ecall, 0);
    check_trap("S ecall, not delegated", 9, 0);
    asm volatile(".option push\n.option norvc\nebreak\n.option pop");
    check_trap("M ebreak stays in M", 3, 0);
    CSR_WRITE(medeleg, 0);

    /* Interrupts delegated to S: SSIP, then STIP, written by M. */
    CSR_WRITE(mideleg, MIP_SSIP | MIP_STIP);
    /* (QEMU 7.2 also reads its hypervisor bits as set here.) */
    check_u64("mideleg", CSR_READ(mideleg) & 0x222, MIP_SSIP | MIP_STIP);
    CSR_WRITE(sie, MIP_SSIP | MIP_STIP);
    CSR_WRITE(mip, MIP_SSIP);
    s_reset();
    lower_call(1, (uint64_t)do_enable_sie, 0);
    check_s_trap("SSIP to S", INTR | 1, 0);
    CSR_WRITE(mip, 0);
    CSR_WRITE(sie, MIP_SSIP | MIP_STIP);
    CSR_WRITE(mip, MIP_STIP);
    lower_call(1, (uint64_t)do_enable_sie, 0);
    check_s_trap("STIP to S", INTR | 5, 0);

    /* Both pending: SSI goes before STI. */
    CSR_WRITE(sie, MIP_SSIP | MIP_STIP);
    CSR_WRITE(mip, MIP_SSIP | MIP_STIP);
    lower_call(1, (uint64_t)do_enable_sie, 0);
    check_s_trap("SSIP and STIP: first", INTR | 1, 0);
    CSR_WRITE(mip, 0);
    CSR_WRITE(mideleg, 0);

    /* MTIP from the CLINT: M's, taken in S whatever sstatus says; MSIP
     * goes before it when both are pending (the hook then masks both).
     * QEMU 7.2 takes the lowest-numbered pending interrupt first, which
     * is the spec's order only for some pairs: MSI/MTI, SSI/STI. */
    *(volatile uint64_t *)GUEST_CLINT_MTIMECMP = 0;
    CSR_WRITE(mie, MIP_MTIP);
    lower_call(1, (uint64_t)do_ret, 0);
    check_trap("MTIP in S", INTR | 7, 0);
    *(volatile uint32_t *)GUEST_CLINT_MSIP = 1;
    CSR_WRITE(mie, MIP_MTIP | MIP_MSIP);
    lower_call(1, (uint64_t)do_ret, 0);
    check_trap("MSIP and MTIP: first", INTR | 3, 0);
    *(volatile uint32_t *)GUEST_CLINT_MSIP = 0;
    *(volatile uint64_t *)GUEST_CLINT_MTIMECMP = ~0ull;
    return check_finish();
}
