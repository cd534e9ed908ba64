/* SPDX-License-Identifier: MIT */
/* IPIs in deterministic time (virt-2x2 with [sysc] time-mode = deterministic,
 * quantum-ns 10000, insn-ns 1; shoal only, tests/integration/det-time.sh):
 * hart 0 sends an IPI to hart 1 (its own node) and to hart 2 (the other
 * node), each of which answers with one back. Every hart keeps running
 * while it waits, but none waits on another's store, only on its own
 * interrupt handler: so where an IPI lands among the receiver's
 * instructions is all that could differ from run to run. It must land
 * within a quantum of being sent, carry the payload written before it, and
 * the printed times must be the same on every run. */
#include "lib/guest.h"

#define CLINT_MSIP(h) (0x2000000ul + 4 * (h))
#define CAUSE_IRQ (1ull << 63)
#define IRQ_MSI 3
#define MSTATUS_MIE 0x8ull
#define QUANTUM_TICKS 100ull /* 10 us at virt.conf's 10 MHz */
#define HANDLER_TICKS 10ull  /* the handler's instructions before it reads mtime */
#define ROUNDS 3

static volatile uint64_t taken[4];            /* IPIs each hart took */
static volatile uint64_t arrived[3][ROUNDS];  /* mtime at which hart 1, 2 took round r */
static volatile uint64_t payload_seen[3][ROUNDS];
static volatile uint64_t payload;

static uint64_t mtime(void)
{
    return *(volatile uint64_t *)GUEST_CLINT_MTIME;
}

static void ipi(uint64_t hart)
{
    *(volatile uint32_t *)CLINT_MSIP(hart) = 1;
}

/* Harts 1 and 2 note when the IPI came and what it carried, then answer. */
static int on_ipi(GuestTrapFrame *f)
{
    if (f->mcause != (CAUSE_IRQ | IRQ_MSI))
        return 0;
    uint64_t h = CSR_READ(mhartid);
    *(volatile uint32_t *)CLINT_MSIP(h) = 0;
    if (h == 1 || h == 2) {
        uint64_t r = taken[h];
        arrived[h][r] = mtime();
        payload_seen[h][r] = payload;
        ipi(0);
    }
    taken[h]++;
    return 1;
}

static void enable_msi(void)
{
    CSR_WRITE(mie, 1ull << IRQ_MSI);
    asm volatile("csrs mstatus, %0" : : "r"(MSTATUS_MIE));
}

static volatile uint64_t busy[4];

void guest_secondary(uint64_t h)
{
    if (h != 1 && h != 2) {
        for (;;)
            asm volatile("wfi");
    }
    enable_msi();
    for (;;) /* running, not asleep, when the IPI comes */
        busy[h]++;
}

static void put_field(const char *name, uint64_t v)
{
    guest_puts(name);
    guest_put_udec(v);
}

int main(void)
{
    guest_trap_hook = on_ipi;
    enable_msi();
    for (uint64_t r = 0; r < ROUNDS; r++) {
        for (uint64_t t = 1; t <= 2; t++) {
            payload = 100 * r + t;
            uint64_t seen = taken[0];
            uint64_t sent = mtime();
            ipi(t);
            while (taken[0] == seen)
                busy[0]++;
            uint64_t back = mtime();
            put_field("round ", r);
            put_field(" hart ", t);
            put_field(" sent ", sent);
            put_field(" arrived ", arrived[t][r]);
            put_field(" answered ", back);
            guest_putc('\n');
            check_u64("  payload", payload_seen[t][r], 100 * r + t);
            check_true("  within a quantum of being sent",
                       arrived[t][r] > sent &&
                           arrived[t][r] <= sent + QUANTUM_TICKS + HANDLER_TICKS);
        }
    }
    return check_finish();
}
