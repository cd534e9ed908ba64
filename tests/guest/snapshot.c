/* SPDX-License-Identifier: MIT */
/* A machine worth saving halfway (tests/integration/snapshot.sh), on 4
 * harts: hart 0 sleeps in WFI until its timer, then wakes harts 1-3 with
 * IPIs; each fills its own pages and a shared one from a generator and adds
 * to a shared counter with AMOs, then sleeps again. Hart 0 prints a round's
 * counter and a checksum of every page. So what a run prints depends on
 * RAM written on every node, the harts' registers and CSRs (the generators
 * live in registers across rounds), mtimecmp and msip, and time going on
 * where it stood: a snapshot restored with any of them wrong prints another
 * line, or sleeps for ever. The same on QEMU (virt -smp 4). */
#include "lib/guest.h"

#define CLINT_MSIP(h) (0x2000000ul + 4 * (h))
#define CAUSE_IRQ (1ull << 63)
#define IRQ_MSI 3
#define IRQ_MTI 7
#define MSTATUS_MIE 0x8ull
#define HARTS 4
#define ROUNDS 30
#define ROUND_TICKS 300000ull /* 30 ms at virt's 10 MHz */
#define PAGE_WORDS 512
#define OWN_PAGES 4

static volatile uint64_t own[HARTS][OWN_PAGES][PAGE_WORDS] __attribute__((aligned(4096)));
static volatile uint64_t shared_page[PAGE_WORDS] __attribute__((aligned(4096)));
static volatile uint64_t counter;
static volatile uint64_t done;
static volatile uint64_t ipis[HARTS];
static volatile uint64_t timer_fired;

static uint64_t mtime(void)
{
    return *(volatile uint64_t *)GUEST_CLINT_MTIME;
}

static volatile uint64_t *mtimecmp(uint64_t h)
{
    return (volatile uint64_t *)(GUEST_CLINT_MTIMECMP + 8 * h);
}

static int on_interrupt(GuestTrapFrame *f)
{
    uint64_t h = CSR_READ(mhartid);
    if (f->mcause == (CAUSE_IRQ | IRQ_MSI)) {
        *(volatile uint32_t *)CLINT_MSIP(h) = 0;
        ipis[h]++;
        return 1;
    }
    if (f->mcause == (CAUSE_IRQ | IRQ_MTI)) {
        *mtimecmp(h) = ~0ull;
        timer_fired++;
        return 1;
    }
    return 0;
}

static void enable(uint64_t irqs)
{
    CSR_WRITE(mie, irqs);
    asm volatile("csrs mstatus, %0" : : "r"(MSTATUS_MIE));
}

/* Sleeps until the interrupt handler changes *@v from @old. The check and
 * the WFI run with interrupts masked (WFI still wakes for a pending one):
 * an interrupt taken between them would leave the hart asleep for good. */
static void sleep_while(volatile uint64_t *v, uint64_t old)
{
    for (;;) {
        asm volatile("csrc mstatus, %0" : : "r"(MSTATUS_MIE));
        if (*v != old)
            break;
        asm volatile("wfi");
        asm volatile("csrs mstatus, %0" : : "r"(MSTATUS_MIE)); /* taken here */
    }
    asm volatile("csrs mstatus, %0" : : "r"(MSTATUS_MIE));
}

/* xorshift64: the state lives in the worker's registers between rounds. */
static uint64_t next(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

void guest_secondary(uint64_t h)
{
    if (h >= HARTS) {
        for (;;)
            asm volatile("wfi");
    }
    enable(1ull << IRQ_MSI);
    uint64_t x = 0x9e3779b97f4a7c15ull * (h + 1);
    for (uint64_t r = 0; r < ROUNDS; r++) {
        sleep_while(&ipis[h], r);
        for (int p = 0; p < OWN_PAGES; p++)
            for (int w = (int)(r % 8); w < PAGE_WORDS; w += 8)
                own[h][p][w] += next(&x);
        __atomic_fetch_add(&shared_page[(next(&x) % PAGE_WORDS)], h, __ATOMIC_RELAXED);
        __atomic_fetch_add(&counter, next(&x) & 0xff, __ATOMIC_RELAXED);
        __atomic_fetch_add(&done, 1, __ATOMIC_RELEASE);
    }
    for (;;)
        asm volatile("wfi");
}

static uint64_t checksum(void)
{
    uint64_t sum = 0;
    for (int h = 0; h < HARTS; h++)
        for (int p = 0; p < OWN_PAGES; p++)
            for (int w = 0; w < PAGE_WORDS; w++)
                sum = sum * 31 + own[h][p][w];
    for (int w = 0; w < PAGE_WORDS; w++)
        sum = sum * 31 + shared_page[w];
    return sum;
}

int main(void)
{
    guest_trap_hook = on_interrupt;
    enable(1ull << IRQ_MTI);
    uint64_t slept_ok = 1;
    for (uint64_t r = 0; r < ROUNDS; r++) {
        uint64_t due = mtime() + ROUND_TICKS;
        uint64_t fired = timer_fired;
        *mtimecmp(0) = due;
        sleep_while(&timer_fired, fired);
        slept_ok &= mtime() >= due;
        for (uint64_t h = 1; h < HARTS; h++)
            *(volatile uint32_t *)CLINT_MSIP(h) = 1;
        while (__atomic_load_n(&done, __ATOMIC_ACQUIRE) < (HARTS - 1) * (r + 1))
            ;
        guest_puts("round ");
        guest_put_udec(r);
        guest_puts(" counter ");
        guest_put_udec(counter);
        guest_puts(" sum ");
        guest_put_hex(checksum());
        guest_putc('\n');
    }
    check_true("every timer fired at or after its time", slept_ok);
    check_u64("IPIs taken", ipis[1] + ipis[2] + ipis[3], (HARTS - 1) * ROUNDS);
    return check_finish();
}
