/* SPDX-License-Identifier: MIT */
/* Machine timer interrupt through the CLINT: mip.MTIP follows
 * mtime >= mtimecmp, one interrupt taken with mcause 0x8000000000000007 in
 * direct mode and once more in vectored mode (slot 7), and an exception
 * in vectored mode still going to slot 0. */
#include "lib/guest.h"
#include "lib/probe.h"

#define MIP_MTIP (1ull << 7)
#define MIE_MTIE (1ull << 7)
#define MSTATUS_MIE (1ull << 3)

static volatile uint64_t *const mtime = (volatile uint64_t *)GUEST_CLINT_MTIME;
static volatile uint64_t *const mtimecmp = (volatile uint64_t *)GUEST_CLINT_MTIMECMP;

static volatile uint64_t fired, fired_cause, late;

static int timer_hook(GuestTrapFrame *f)
{
    if (f->mcause != 0x8000000000000007ull)
        return 0;
    fired++;
    fired_cause = f->mcause;
    late = *mtime >= *mtimecmp;
    *mtimecmp = ~0ull; /* quiet the line: one interrupt per arming */
    return 1;
}

/* Arms the timer 1000 ticks ahead and waits for exactly one interrupt.
 * MIE stays off except for the instant between wfi and the check, so the
 * interrupt cannot slip in before wfi and leave it sleeping forever
 * (wfi wakes on a pending enabled interrupt even with MIE off). */
static void take_one(void)
{
    fired = 0;
    *mtimecmp = *mtime + 1000;
    CSR_WRITE(mie, MIE_MTIE);
    while (!fired) {
        asm volatile("wfi");
        asm volatile("csrs mstatus, %0\ncsrc mstatus, %0" : : "r"(MSTATUS_MIE));
    }
    CSR_WRITE(mie, 0);
}

int main(void)
{
    *mtimecmp = ~0ull;
    check_u64("mip.MTIP with mtimecmp = max", CSR_READ(mip) & MIP_MTIP, 0);
    *mtimecmp = 0;
    check_u64("mip.MTIP with mtimecmp = 0", CSR_READ(mip) & MIP_MTIP, MIP_MTIP);
    *mtimecmp = ~0ull;
    check_u64("mip.MTIP cleared again", CSR_READ(mip) & MIP_MTIP, 0);

    guest_trap_hook = timer_hook;
    take_one();
    check_u64("direct: interrupts taken", fired, 1);
    check_u64("direct: mcause", fired_cause, 0x8000000000000007ull);
    check_u64("direct: mtime >= mtimecmp in handler", late, 1);
    check_u64("direct: MIE off after mret", CSR_READ(mstatus) & MSTATUS_MIE, 0);

    CSR_WRITE(mtvec, (uint64_t)guest_vectors | 1);
    check_u64("mtvec vectored mode", CSR_READ(mtvec) & 3, 1);
    guest_vector_taken = 99;
    take_one();
    check_u64("vectored: interrupts taken", fired, 1);
    check_u64("vectored: mcause", fired_cause, 0x8000000000000007ull);
    check_u64("vectored: slot", guest_vector_taken, 7);

    probe_install();
    guest_vector_taken = 99;
    PROBE("1: ecall", 0);
    check_u64("vectored ecall: mcause", probe.cause, 11);
    check_u64("vectored ecall: slot", guest_vector_taken, 0);
    CSR_WRITE(mtvec, (uint64_t)guest_trap_entry);
    check_u64("mtvec direct mode", CSR_READ(mtvec) & 3, 0);
    return check_finish();
}
