/* SPDX-License-Identifier: MIT */
/* bench/sysc's guest (configs/virt-sysc.conf): MMIO round trips to a
 * SystemC register, DMA throughput through the DMA engine, and a compute
 * loop while the SystemC timer interrupts it every 5 ms. Prints mtime
 * ticks per phase ("name ticks count"); not a test (times vary). */
#include "sysc.h"

#define MMIO_ROUNDS 2000
/* A copy's setup (four register writes) and its interrupt (a handler with a
 * register write) cost about as much as moving 64 KiB: 512 KiB copies make
 * the figure the engine's throughput rather than its setup's. */
#define DMA_BYTES (512 * 1024)
#define DMA_ROUNDS 4
#define WORK_ROUNDS 100000000ull
/* 5 ms: an interrupt costs its handler about seven round trips to the bridge
 * (~1.5 ms here); at 100 us the next one was due before the handler ended
 * and the loop never ran (an interrupt storm, not a measurement). */
#define TICK_NS 5000000ull

static uint8_t a[DMA_BYTES] __attribute__((aligned(4096)));
static uint8_t b[DMA_BYTES] __attribute__((aligned(4096)));
static volatile uint64_t dma_irqs, timer_irqs, result;

static int on_trap(GuestTrapFrame *f)
{
    if (f->mcause != (CAUSE_IRQ | IRQ_MEI))
        return 0;
    uint32_t id = rd32(PLIC_CLAIM(CTX_M(0)));
    if (id == DMA_IRQ) {
        wr32(DMA_STATUS, DMA_DONE | DMA_ERROR);
        dma_irqs++;
    } else if (id == TIMER_IRQ) {
        wr64(TIMER_COMPARE, rd64(TIMER_COUNT) + TICK_NS);
        wr32(TIMER_STATUS, 1);
        timer_irqs++;
    }
    if (id)
        wr32(PLIC_CLAIM(CTX_M(0)), id);
    return 1;
}

/* Hart 1 has nothing to do here: parked in wfi (crt0) rather than spinning
 * in the default guest_secondary, it leaves the host's cores to the server,
 * the bridge and hart 0, whose costs are what this measures. */
void guest_secondary(uint64_t hartid)
{
    (void)hartid;
}

static void report(const char *name, uint64_t ticks, uint64_t count)
{
    guest_puts(name);
    guest_putc(' ');
    guest_put_udec(ticks);
    guest_putc(' ');
    guest_put_udec(count);
    guest_putc('\n');
}

int main(void)
{
    guest_trap_hook = on_trap;
    plic_route(DMA_IRQ, 0);
    plic_route(TIMER_IRQ, 0);
    uint64_t t0 = mtime(), sink = 0;
    for (int i = 0; i < MMIO_ROUNDS; i++)
        sink += rd32(TIMER_STATUS);
    report("mmio", mtime() - t0, MMIO_ROUNDS);

    t0 = mtime();
    for (int i = 0; i < DMA_ROUNDS; i++) {
        uint64_t seen = dma_irqs;
        wr64(DMA_SRC, (uintptr_t)(i & 1 ? b : a));
        wr64(DMA_DST, (uintptr_t)(i & 1 ? a : b));
        wr32(DMA_LEN, DMA_BYTES);
        wr32(DMA_CTRL, DMA_START | DMA_IRQ_ENABLE);
        wait_change(&dma_irqs, seen);
    }
    report("dma", mtime() - t0, (uint64_t)DMA_ROUNDS * DMA_BYTES);

    wr64(TIMER_COMPARE, rd64(TIMER_COUNT) + TICK_NS);
    wr32(TIMER_CTRL, 1);
    asm volatile("csrs mstatus, %0" : : "r"(MSTATUS_MIE));
    t0 = mtime();
    uint64_t x = 1;
    for (uint64_t i = 0; i < WORK_ROUNDS; i++)
        x = x * 6364136223846793005ull + i;
    uint64_t took = mtime() - t0;
    result = x + sink; /* keeps the loops */
    asm volatile("csrc mstatus, %0" : : "r"(MSTATUS_MIE));
    wr32(TIMER_CTRL, 0);
    report("work", took, WORK_ROUNDS);
    report("timer-irqs", 0, timer_irqs);
    return 0;
}
