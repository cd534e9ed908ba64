/* SPDX-License-Identifier: MIT */
/* The machine bench/snapshot saves and restores: 4 harts fill all of RAM
 * past the image and the stacks with a non-zero pattern, each its own
 * quarter (on shoal those pages end Modified on the writer's node), hart 0
 * prints "filled", and every hart then spins re-reading the first word of
 * its quarter: busy, with RAM stable. Hart 0 also answers the console: 'a'
 * prints "alive" (a restored machine runs; only the first 'a' of a row),
 * 'v' has every hart check its quarter against the pattern and prints
 * "verified ok" or the first wrong word. Built on tests/guest/lib (its crt0
 * starts the other harts); runs unchanged on QEMU virt -smp 4. */
#include "lib/guest.h"

#define HARTS 4
#define PAGE 4096ul
#define RAM_END 0x88000000ul /* 128 MiB from 0x80000000: QEMU virt -m 128M, configs/virt.conf */

#define PLIC 0x0c000000ul
#define PLIC_PRIO(src) (PLIC + 4 * (src))
#define PLIC_ENABLE_M0 (PLIC + 0x2000)  /* context 0: hart 0's M-mode */
#define PLIC_THRESHOLD_M0 (PLIC + 0x200000)
#define PLIC_CLAIM_M0 (PLIC + 0x200004)
#define UART_IRQ 10
#define UART_RBR (GUEST_UART_BASE + 0)
#define UART_IER (GUEST_UART_BASE + 1)
#define UART_LSR (GUEST_UART_BASE + 5)
#define IER_ERBFI 0x01
#define LSR_DR 0x01
#define MIP_MEIP (1ul << 11)

extern char __stacks_end[]; /* tests/guest/lib/link.ld: the image's last byte, stacks included */

/* What the harts tell each other, on a page of its own (so on shoal the
 * spinning harts' reads of it never share a page with anything written). */
static struct {
    volatile uint64_t filled;           /* harts that finished filling */
    volatile uint64_t verify_gen;       /* hart 0 bumps it to ask for a check */
    volatile uint64_t verified[HARTS];  /* the verify_gen each hart last answered */
    volatile uint64_t bad[HARTS];       /* its first wrong word's address, or 0 */
    uint64_t last;                      /* hart 0: the byte received before */
} box __attribute__((aligned(4096)));

static inline uint32_t rd32(uintptr_t a) { return *(volatile uint32_t *)a; }
static inline void wr32(uintptr_t a, uint32_t v) { *(volatile uint32_t *)a = v; }
static inline uint8_t rd8(uintptr_t a) { return *(volatile uint8_t *)a; }
static inline void wr8(uintptr_t a, uint8_t v) { *(volatile uint8_t *)a = v; }

/* Odd, so never zero: neither emulator may store a page of it as a hole. */
static inline uint64_t pattern(uint64_t addr)
{
    return (addr * 0x9e3779b97f4a7c15ull) | 1;
}

/* Hart @h's quarter [*lo, *hi) of the RAM past the image, in whole pages
 * (the last hart takes the remainder). */
static void region(uint64_t h, uint64_t *lo, uint64_t *hi)
{
    uint64_t base = ((uint64_t)__stacks_end + PAGE - 1) & ~(PAGE - 1);
    uint64_t per = (RAM_END - base) / PAGE / HARTS * PAGE;
    *lo = base + h * per;
    *hi = h == HARTS - 1 ? RAM_END : *lo + per;
}

static void fill(uint64_t h)
{
    uint64_t lo, hi;
    region(h, &lo, &hi);
    for (uint64_t a = lo; a < hi; a += 8)
        *(volatile uint64_t *)a = pattern(a);
}

/* The first word of @h's quarter that is not the pattern, or 0. */
static uint64_t check(uint64_t h)
{
    uint64_t lo, hi;
    region(h, &lo, &hi);
    for (uint64_t a = lo; a < hi; a += 8)
        if (*(volatile uint64_t *)a != pattern(a))
            return a;
    return 0;
}

/* 'v': every hart checks its quarter; hart 0 reports. */
static void verify_all(void)
{
    uint64_t gen = box.verify_gen + 1;
    __atomic_store_n(&box.verify_gen, gen, __ATOMIC_RELEASE);
    box.bad[0] = check(0);
    for (uint64_t h = 1; h < HARTS; h++)
        while (__atomic_load_n(&box.verified[h], __ATOMIC_ACQUIRE) != gen) {
        }
    for (uint64_t h = 0; h < HARTS; h++) {
        if (box.bad[h]) {
            guest_puts("verify FAILED: hart ");
            guest_put_udec(h);
            guest_puts(" word ");
            guest_put_hex(box.bad[h]);
            guest_puts(" holds ");
            guest_put_hex(*(volatile uint64_t *)box.bad[h]);
            guest_putc('\n');
            return;
        }
    }
    guest_puts("verified ok\n");
}

/* A received byte raises the UART's line, which shows as MEIP in mip
 * (interrupts stay masked: hart 0 polls the CSR, so its loop does no MMIO
 * until a byte comes). Of a row of 'a's only the first is answered:
 * bench/snapshot sends them until one is. */
static void console(void)
{
    uint32_t id = rd32(PLIC_CLAIM_M0);
    while (rd8(UART_LSR) & LSR_DR) {
        char c = (char)rd8(UART_RBR);
        if (c == 'a' && box.last != 'a')
            guest_puts("alive\n");
        else if (c == 'v')
            verify_all();
        box.last = (uint8_t)c;
    }
    if (id)
        wr32(PLIC_CLAIM_M0, id);
}

static __attribute__((noreturn)) void spin(uint64_t h)
{
    uint64_t lo, hi, seen = 0;
    region(h, &lo, &hi);
    volatile uint64_t *word = (volatile uint64_t *)lo;
    for (;;) {
        (void)*word;
        if (h == 0) {
            if (CSR_READ(mip) & MIP_MEIP)
                console();
            continue;
        }
        uint64_t gen = __atomic_load_n(&box.verify_gen, __ATOMIC_ACQUIRE);
        if (gen != seen) {
            seen = gen;
            box.bad[h] = check(h);
            __atomic_store_n(&box.verified[h], gen, __ATOMIC_RELEASE);
        }
    }
}

void guest_secondary(uint64_t hartid)
{
    if (hartid >= HARTS)
        return; /* crt0 parks it */
    fill(hartid);
    __atomic_add_fetch(&box.filled, 1, __ATOMIC_RELEASE);
    spin(hartid);
}

int main(void)
{
    wr32(PLIC_PRIO(UART_IRQ), 1);
    wr32(PLIC_ENABLE_M0, 1u << UART_IRQ);
    wr32(PLIC_THRESHOLD_M0, 0);
    wr8(UART_IER, IER_ERBFI);
    fill(0);
    __atomic_add_fetch(&box.filled, 1, __ATOMIC_RELEASE);
    while (__atomic_load_n(&box.filled, __ATOMIC_ACQUIRE) != HARTS) {
    }
    uint64_t lo, hi;
    region(0, &lo, &hi);
    guest_puts("filled ");
    guest_put_udec((RAM_END - lo) >> 10);
    guest_puts(" KiB from ");
    guest_put_hex(lo);
    guest_putc('\n');
    spin(0);
}
