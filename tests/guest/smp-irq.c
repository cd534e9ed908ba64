/* SPDX-License-Identifier: MIT */
/* Every local interrupt source on every hart, wherever the hart runs
 * (threads of one node, or node processes: on virt-2x2 harts 2 and 3 are
 * another process than hart 0): an IPI through the CLINT's msip from hart
 * 0 (a message to another node), the hart's own machine timer, and the
 * supervisor software and timer interrupts raised through mip, each taken
 * once with its cause. The PLIC's external interrupts are tests/guest/plic.c. */
#include "lib/guest.h"

#define NHARTS 4
#define CLINT_MSIP(h) (0x2000000ul + 4 * (h))
#define CLINT_MTIMECMP(h) (GUEST_CLINT_MTIMECMP + 8 * (h))
#define IRQ_SSI 1
#define IRQ_MSI 3
#define IRQ_STI 5
#define IRQ_MTI 7
#define CAUSE_IRQ (1ull << 63)
#define MSTATUS_MIE 0x8ull

static volatile uint64_t *const mtime = (volatile uint64_t *)GUEST_CLINT_MTIME;

/* Per hart: which interrupt it waits for, and each cause it took. */
static volatile uint64_t waiting_for[NHARTS];
static volatile uint64_t taken[NHARTS][16];
static volatile uint64_t ready[NHARTS], finished[NHARTS], go_msi[NHARTS];
static volatile uint64_t hook_installed;

static uint64_t hartid(void)
{
    return CSR_READ(mhartid);
}

/* Quiets the source it took, so each arming gives one interrupt. */
static int irq_hook(GuestTrapFrame *f)
{
    uint64_t h = hartid();
    if (!(f->mcause & CAUSE_IRQ) || (f->mcause & ~CAUSE_IRQ) >= 16)
        return 0;
    uint64_t irq = f->mcause & ~CAUSE_IRQ;
    switch (irq) {
    case IRQ_MSI: *(volatile uint32_t *)CLINT_MSIP(h) = 0; break;
    case IRQ_MTI: *(volatile uint64_t *)CLINT_MTIMECMP(h) = ~0ull; break;
    case IRQ_SSI: asm volatile("csrc mip, %0" : : "r"(1ull << IRQ_SSI)); break;
    case IRQ_STI: asm volatile("csrc mip, %0" : : "r"(1ull << IRQ_STI)); break;
    default: return 0;
    }
    taken[h][irq]++;
    return 1;
}

/* Enables @irq alone and sleeps until it was taken once. MIE opens only
 * between wfi and the check, so the interrupt cannot come before wfi and
 * leave the hart asleep (wfi wakes on a pending enabled one anyway). */
static void wait_for(uint64_t h, uint64_t irq)
{
    waiting_for[h] = irq;
    CSR_WRITE(mie, 1ull << irq);
    while (taken[h][irq] == 0) {
        asm volatile("wfi");
        asm volatile("csrs mstatus, %0\ncsrc mstatus, %0" : : "r"(MSTATUS_MIE));
    }
    CSR_WRITE(mie, 0);
}

/* On hart @h: its timer, then the two supervisor sources, then the IPI
 * hart 0 sends once told the hart is listening. */
static void local_sources(uint64_t h)
{
    *(volatile uint64_t *)CLINT_MTIMECMP(h) = *mtime + 2000;
    wait_for(h, IRQ_MTI);
    asm volatile("csrs mip, %0" : : "r"(1ull << IRQ_SSI));
    wait_for(h, IRQ_SSI);
    asm volatile("csrs mip, %0" : : "r"(1ull << IRQ_STI));
    wait_for(h, IRQ_STI);
    CSR_WRITE(mie, 1ull << IRQ_MSI);
    __atomic_store_n(&ready[h], 1, __ATOMIC_RELEASE);
    while (!__atomic_load_n(&go_msi[h], __ATOMIC_ACQUIRE)) {
    }
    wait_for(h, IRQ_MSI);
}

void guest_secondary(uint64_t h)
{
    if (h >= NHARTS)
        return;
    while (!__atomic_load_n(&hook_installed, __ATOMIC_ACQUIRE)) {
    }
    local_sources(h);
    __atomic_store_n(&finished[h], 1, __ATOMIC_RELEASE);
}

int main(void)
{
    guest_trap_hook = irq_hook;
    for (uint64_t h = 0; h < NHARTS; h++)
        *(volatile uint64_t *)CLINT_MTIMECMP(h) = ~0ull;
    __atomic_store_n(&hook_installed, 1, __ATOMIC_RELEASE);
    /* Hart 0 IPIs itself too: msip is a CLINT register like the others. */
    go_msi[0] = 1;
    *(volatile uint32_t *)CLINT_MSIP(0) = 1;
    local_sources(0);
    for (uint64_t h = 1; h < NHARTS; h++) {
        while (!__atomic_load_n(&ready[h], __ATOMIC_ACQUIRE)) {
        }
        __atomic_store_n(&go_msi[h], 1, __ATOMIC_RELEASE);
        *(volatile uint32_t *)CLINT_MSIP(h) = 1;
        while (!__atomic_load_n(&finished[h], __ATOMIC_ACQUIRE)) {
        }
    }
    static const struct { const char *name; uint64_t irq; } sources[] = {
        { "machine timer", IRQ_MTI }, { "supervisor software", IRQ_SSI },
        { "supervisor timer", IRQ_STI }, { "machine software (IPI from hart 0)", IRQ_MSI },
    };
    for (uint64_t h = 0; h < NHARTS; h++) {
        for (unsigned i = 0; i < sizeof sources / sizeof sources[0]; i++) {
            guest_puts("hart ");
            guest_put_udec(h);
            guest_puts(" ");
            check_u64(sources[i].name, taken[h][sources[i].irq], 1);
        }
    }
    return check_finish();
}
