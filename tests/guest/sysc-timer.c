/* SPDX-License-Identifier: MIT */
/* The SystemC timer (configs/virt-sysc.conf, shoal only): hart 0 sets the
 * compare register DELAY_NS ahead of the model's counter and sleeps until
 * its interrupt comes through the PLIC. The interrupt must not come before
 * the counter reached the compare value, and must come within the delay
 * plus a bound (the quantum plus scheduling slack on a shared host), in
 * guest time (mtime). Output is the same on every run: no times printed. */
#include "sysc-timer-irq.h"

#define DELAY_NS 2000000ull   /* 2 ms */
#define SLACK_NS 200000000ull /* host scheduling on a loaded machine */
#define ROUNDS 3

int main(void)
{
    guest_trap_hook = timer_irq_trap;
    plic_route(TIMER_IRQ, 0);
    /* mtime ticks per ns: timebase-frequency of virt.conf, 10 MHz */
    const uint64_t ns_per_tick = 100;
    uint64_t c0 = rd64(TIMER_COUNT), c1 = rd64(TIMER_COUNT);
    check_true("COUNT does not go back", c1 >= c0);
    check_u64("status idle", rd32(TIMER_STATUS), 0);
    for (int r = 0; r < ROUNDS; r++) {
        uint64_t seen = timer_irqs;
        uint64_t start = mtime();
        uint64_t compare = rd64(TIMER_COUNT) + DELAY_NS;
        wr64(TIMER_COMPARE, compare);
        wr32(TIMER_CTRL, 1);
        wait_change(&timer_irqs, seen);
        uint64_t took_ns = (mtime_at_irq - start) * ns_per_tick;
        guest_puts("round ");
        guest_put_udec((uint64_t)r);
        guest_putc('\n');
        check_true("  not before COUNT reached COMPARE", count_at_irq >= compare);
        check_true("  not long before the delay in guest time",
                   took_ns + 1000000 >= DELAY_NS); /* 1 ms: quantum + the counter's lag */
        check_true("  within the delay plus slack", took_ns <= DELAY_NS + SLACK_NS);
        check_u64("  status cleared", rd32(TIMER_STATUS), 0);
    }
    check_u64("interrupts", timer_irqs, ROUNDS);
    return check_finish();
}
