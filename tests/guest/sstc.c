/* SPDX-License-Identifier: MIT */
/* Sstc: stimecmp exists in M; below M only with menvcfg.STCE and
 * mcounteren.TM; with STCE on it drives STIP (M's writes to STIP stop
 * counting), the line rises when time reaches it, wakes a WFI and traps
 * like any interrupt, and falls when stimecmp moves past time again. */
#include "lower.h"

#define CSR_STIMECMP 0x14d
#define CSR_MENVCFG 0x30a
#define ENVCFG_STCE (1ull << 63)
#define MIP_STIP (1ull << 5)
#define MIE_STIE (1ull << 5)
#define MSTATUS_MIE (1ull << 3)
#define MCOUNTEREN_TM (1ull << 1)
#define INTR (1ull << 63)
#define INSN_CSRR_STIMECMP 0x14d02573u /* csrr a0, stimecmp */

void do_read_stimecmp(void);
asm(".option push\n.option norvc\n"
    ".globl do_read_stimecmp\ndo_read_stimecmp: csrr a0, 0x14d\nret\n"
    ".option pop\n");

#define STIMECMP_WRITE(v) asm volatile("csrw 0x14d, %0" : : "r"((uint64_t)(v)))
#define STIMECMP_READ() ({ uint64_t v_; asm volatile("csrr %0, 0x14d" : "=r"(v_)); v_; })
#define MENVCFG_WRITE(v) asm volatile("csrw 0x30a, %0" : : "r"((uint64_t)(v)))
#define MENVCFG_READ() ({ uint64_t v_; asm volatile("csrr %0, 0x30a" : "=r"(v_)); v_; })

static void check_illegal(const char *name, uint64_t tval)
{
    check_u64(name, t_count, 1);
    check_u64("  mcause", t_cause, 2);
    check_u64("  mtval", t_tval, tval);
    reset_trap();
}

/* Waits (WFI, interrupts masked in mstatus) until STIP is pending. */
static int wait_stip(void)
{
    for (int i = 0; i < 1000000; i++) {
        if (CSR_READ(mip) & MIP_STIP)
            return 1;
        asm volatile("wfi");
    }
    return 0;
}

int main(void)
{
    lower_install();
    asm volatile("csrw pmpaddr15, %0" : : "r"(~0ull));
    CSR_WRITE(pmpcfg2, 0x1full << 56);
    reset_trap();

    STIMECMP_WRITE(0x123456789abcdef0ull);
    check_u64("M writes and reads stimecmp", STIMECMP_READ(), 0x123456789abcdef0ull);
    STIMECMP_WRITE(~0ull);

    /* Below M: STCE and TM both needed. */
    CSR_WRITE(mcounteren, MCOUNTEREN_TM);
    MENVCFG_WRITE(0);
    lower_call(1, (uint64_t)do_read_stimecmp, 0);
    check_illegal("S reads stimecmp, STCE 0", INSN_CSRR_STIMECMP);
    MENVCFG_WRITE(ENVCFG_STCE);
    check_u64("menvcfg.STCE sticks", MENVCFG_READ() & ENVCFG_STCE, ENVCFG_STCE);
    CSR_WRITE(mcounteren, 0);
    lower_call(1, (uint64_t)do_read_stimecmp, 0);
    check_illegal("S reads stimecmp, TM 0", INSN_CSRR_STIMECMP);
    CSR_WRITE(mcounteren, MCOUNTEREN_TM);
    check_u64("S reads stimecmp", lower_call(1, (uint64_t)do_read_stimecmp, 0), ~0ull);
    check_u64("  no trap", t_count, 0);
    lower_call(0, (uint64_t)do_read_stimecmp, 0);
    check_illegal("U reads stimecmp", INSN_CSRR_STIMECMP);

    /* With STCE, STIP is stimecmp's: M's write to it is ignored. */
    asm volatile("csrs mip, %0" : : "r"(MIP_STIP));
    check_u64("M sets mip.STIP, STCE 1: ignored", CSR_READ(mip) & MIP_STIP, 0);
    MENVCFG_WRITE(0);
    asm volatile("csrs mip, %0" : : "r"(MIP_STIP));
    check_u64("M sets mip.STIP, STCE 0", CSR_READ(mip) & MIP_STIP, MIP_STIP);
    asm volatile("csrc mip, %0" : : "r"(MIP_STIP));
    MENVCFG_WRITE(ENVCFG_STCE);

    /* The line: rises when time reaches stimecmp, wakes WFI. (lower_call's
     * way back leaves mstatus.MIE set.) */
    asm volatile("csrc mstatus, %0" : : "r"(MSTATUS_MIE));
    CSR_WRITE(mie, MIE_STIE);
    STIMECMP_WRITE(CSR_READ(time) + 1000);
    check_true("STIP rises at stimecmp (WFI wakes)", wait_stip());
    STIMECMP_WRITE(~0ull);
    check_u64("STIP falls when stimecmp moves on", CSR_READ(mip) & MIP_STIP, 0);
    check_u64("  no trap while masked", t_count, 0);

    /* Taken as an interrupt (not delegated: M takes it). */
    STIMECMP_WRITE(0);
    asm volatile("csrs mstatus, %0\nnop\nnop\ncsrc mstatus, %0" : : "r"(MSTATUS_MIE));
    check_u64("STIP traps to M", t_count, 1);
    check_u64("  mcause", t_cause, INTR | 5);
    reset_trap();
    STIMECMP_WRITE(~0ull);
    /* Not compared with QEMU: with STCE 0 the comparator must not reach
     * mip (QEMU 7.2 raises STIP from it anyway); shoal's STIP then is M's
     * to write, as checked above. */
    return check_finish();
}
