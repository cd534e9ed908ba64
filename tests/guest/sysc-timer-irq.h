/* SPDX-License-Identifier: MIT */
/* The interrupt handler of the SystemC timer tests (sysc-timer, sysc-time):
 * takes the timer's interrupt through the PLIC and notes when it came. */
#ifndef SHOAL_GUEST_SYSC_TIMER_IRQ_H
#define SHOAL_GUEST_SYSC_TIMER_IRQ_H

#include "sysc.h"

/* What the timer tests' interrupt handler saw: how many interrupts, and
 * COUNT then mtime when the last one came. */
static volatile uint64_t timer_irqs, count_at_irq, mtime_at_irq;

/* guest_trap_hook for the timer tests: takes the timer's interrupt through
 * the PLIC, notes the times, disables the timer and lowers its line. */
static inline int timer_irq_trap(GuestTrapFrame *f)
{
    if (f->mcause != (CAUSE_IRQ | IRQ_MEI))
        return 0;
    uint32_t id = rd32(PLIC_CLAIM(CTX_M(0)));
    if (id == TIMER_IRQ) {
        count_at_irq = rd64(TIMER_COUNT);
        mtime_at_irq = mtime();
        wr32(TIMER_CTRL, 0);
        wr32(TIMER_STATUS, TIMER_PENDING); /* lowers the line */
        timer_irqs++;
    }
    if (id)
        wr32(PLIC_CLAIM(CTX_M(0)), id);
    return 1;
}

#endif
