/* SPDX-License-Identifier: MIT */
/* The SystemC example models as configs/virt-sysc.conf places them, and the
 * PLIC calls the sysc tests share (registers: sysc-bridge/models/). */
#ifndef SHOAL_GUEST_SYSC_H
#define SHOAL_GUEST_SYSC_H

#include "lib/guest.h"

#define TIMER_BASE 0x10010000ul
#define TIMER_COUNT (TIMER_BASE + 0x00)
#define TIMER_COMPARE (TIMER_BASE + 0x08)
#define TIMER_CTRL (TIMER_BASE + 0x10)
#define TIMER_STATUS (TIMER_BASE + 0x14)
#define TIMER_IRQ 20
#define TIMER_PENDING 1u
#define TIMER_PAUSED 2u

#define GPIO_BASE 0x10012000ul
#define GPIO_INPUT_VAL (GPIO_BASE + 0x00)
#define GPIO_INPUT_EN (GPIO_BASE + 0x04)
#define GPIO_OUTPUT_EN (GPIO_BASE + 0x08)
#define GPIO_OUTPUT_VAL (GPIO_BASE + 0x0c)
#define GPIO_TIMER_PAUSE 0 /* pin wired to timer0's input 0 */

#define DMA_BASE 0x10011000ul
#define DMA_SRC (DMA_BASE + 0x00)
#define DMA_DST (DMA_BASE + 0x08)
#define DMA_LEN (DMA_BASE + 0x10)
#define DMA_CTRL (DMA_BASE + 0x14)
#define DMA_STATUS (DMA_BASE + 0x18)
#define DMA_IRQ 21
#define DMA_START 1u
#define DMA_IRQ_ENABLE 2u
#define DMA_BUSY 1u
#define DMA_DONE 2u
#define DMA_ERROR 4u

#define PLIC 0x0c000000ul
#define PLIC_PRIO(src) (PLIC + 4 * (src))
#define PLIC_ENABLE(ctx) (PLIC + 0x2000 + 0x80 * (ctx))
#define PLIC_THRESHOLD(ctx) (PLIC + 0x200000 + 0x1000 * (ctx))
#define PLIC_CLAIM(ctx) (PLIC_THRESHOLD(ctx) + 4)
#define CTX_M(hart) (2 * (hart))

#define IRQ_MEI 11
#define CAUSE_IRQ (1ull << 63)
#define MSTATUS_MIE 0x8ull

static inline uint32_t rd32(uintptr_t a) { return *(volatile uint32_t *)a; }
static inline void wr32(uintptr_t a, uint32_t v) { *(volatile uint32_t *)a = v; }
static inline uint64_t rd64(uintptr_t a) { return *(volatile uint64_t *)a; }
static inline void wr64(uintptr_t a, uint64_t v) { *(volatile uint64_t *)a = v; }

static inline uint64_t mtime(void)
{
    return *(volatile uint64_t *)GUEST_CLINT_MTIME;
}

/* Routes PLIC source @src to hart @hart's M context and enables MEI. */
static inline void plic_route(unsigned src, unsigned hart)
{
    wr32(PLIC_PRIO(src), 1);
    wr32(PLIC_ENABLE(CTX_M(hart)), rd32(PLIC_ENABLE(CTX_M(hart))) | 1u << src);
    wr32(PLIC_THRESHOLD(CTX_M(hart)), 0);
    asm volatile("csrs mie, %0" : : "r"(1ull << IRQ_MEI));
}

/* Sleeps until *@counter differs from @seen, opening the interrupt window
 * only after WFI saw something pending (no interrupt lost between the test
 * and the sleep). */
static inline void wait_change(volatile uint64_t *counter, uint64_t seen)
{
    while (*counter == seen) {
        asm volatile("wfi");
        asm volatile("csrs mstatus, %0\n\tcsrc mstatus, %0" : : "r"(MSTATUS_MIE));
    }
}

#endif
