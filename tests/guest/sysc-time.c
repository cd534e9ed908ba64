/* SPDX-License-Identifier: MIT */
/* The SystemC timer in deterministic time (configs/virt-sysc.conf with
 * [sysc] time-mode = deterministic, quantum QUANTUM_NS, insn-ns 1; shoal
 * only): hart 0 sets the compare register ahead of the model's counter,
 * some rounds sleeping in WFI and some busy, and takes the interrupt
 * through the PLIC. It must come at or after the compare time and at most
 * one quantum (plus the handler's own instructions) later, in guest time.
 * The times are printed: in this mode two runs print the same. */
#include "sysc-timer-irq.h"

#define QUANTUM_NS 10000ull   /* the test runs with [sysc] quantum-ns = 10000 */
#define HANDLER_NS 2000ull    /* the handler's instructions before it reads the time */
#define NS_PER_TICK 100ull    /* virt.conf's timebase, 10 MHz */
#define ROUNDS 4

static void put_field(const char *name, uint64_t v)
{
    guest_puts(name);
    guest_put_udec(v);
}

/* Busy work while the timer runs: the interrupt lands between blocks. */
static void spin_until_change(volatile uint64_t *counter, uint64_t seen)
{
    asm volatile("csrs mstatus, %0" : : "r"(MSTATUS_MIE));
    while (*counter == seen)
        ;
    asm volatile("csrc mstatus, %0" : : "r"(MSTATUS_MIE));
}

int main(void)
{
    guest_trap_hook = timer_irq_trap;
    plic_route(TIMER_IRQ, 0);
    /* Counted time: the model's COUNT and mtime are the same guest time. */
    uint64_t c = rd64(TIMER_COUNT), m = mtime();
    check_true("COUNT and mtime agree within a tick",
               m + 1 >= c / NS_PER_TICK && c / NS_PER_TICK + 1 >= m);
    static const uint64_t delays_ns[ROUNDS] = { 50000, 123456, 7000, 2000000 };
    for (int r = 0; r < ROUNDS; r++) {
        uint64_t seen = timer_irqs;
        uint64_t compare = rd64(TIMER_COUNT) + delays_ns[r];
        wr64(TIMER_COMPARE, compare);
        wr32(TIMER_CTRL, 1);
        if (r % 2 == 0)
            wait_change(&timer_irqs, seen);
        else
            spin_until_change(&timer_irqs, seen);
        put_field("round ", (uint64_t)r);
        put_field(" compare ", compare);
        put_field(" count ", count_at_irq);
        put_field(" mtime ", mtime_at_irq);
        guest_putc('\n');
        check_true("  not before COUNT reached COMPARE", count_at_irq >= compare);
        check_true("  within a quantum of it",
                   count_at_irq <= compare + QUANTUM_NS + HANDLER_NS);
        check_true("  mtime is the same time",
                   mtime_at_irq * NS_PER_TICK + NS_PER_TICK >= count_at_irq &&
                       mtime_at_irq * NS_PER_TICK <= count_at_irq + HANDLER_NS);
    }
    check_u64("interrupts", timer_irqs, ROUNDS);
    return check_finish();
}
