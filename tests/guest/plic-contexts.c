/* SPDX-License-Identifier: MIT */
/* The PLIC's contexts on QEMU's sifive_u (configs/sifive-u.conf): hart 0,
 * the E51, has only an M context (0); U54 hart h has M context 2h-1 and S
 * context 2h. UART0's transmit watermark (PLIC source 4, high while ie.txwm
 * and the FIFO is below txcnt) is enabled in one context at a time, and
 * the hart that context names must see its MEIP or SEIP while the others
 * see nothing; a claim through the context returns the source. Built for
 * that board only (tests/guest/local.mk). */
#include "lib/guest.h"

#define UART(off) (*(volatile uint32_t *)(GUEST_SIFIVE_UART_BASE + (off)))
#define UART_TXCTRL 0x08
#define UART_IE 0x10
#define UART_IRQ 4
#define PLIC_BASE 0x0c000000ul
#define PLIC_PRIORITY(src) (*(volatile uint32_t *)(PLIC_BASE + 4 * (src)))
#define PLIC_ENABLE(ctx) (*(volatile uint32_t *)(PLIC_BASE + 0x2000 + 0x80 * (ctx)))
#define PLIC_THRESHOLD(ctx) (*(volatile uint32_t *)(PLIC_BASE + 0x200000 + 0x1000 * (ctx)))
#define PLIC_CLAIM(ctx) (*(volatile uint32_t *)(PLIC_BASE + 0x200004 + 0x1000 * (ctx)))
#define MIP_SEIP (1u << 9)
#define MIP_MEIP (1u << 11)
#define NHARTS 3      /* the E51 and two U54s look */
#define NCONTEXTS 6   /* theirs (5) and the next */
#define SETTLE 100000 /* polls: the line reaches another node by message */

/* What each hart saw of its external interrupts, set by the harts. */
static volatile uint64_t seen[NHARTS];

/* Rounds of work for harts 1..NHARTS-1 (guest_on_harts runs only one):
 * hart 0 sets fn and bumps round, each hart runs fn once per round and
 * counts itself in done. A page of their own, as lib/harts.c's. */
static struct {
    void (*volatile fn)(uint64_t hartid);
    volatile uint64_t round, done;
} job __attribute__((aligned(4096)));

void guest_secondary(uint64_t hartid)
{
    uint64_t last = 0;
    if (hartid >= NHARTS)
        return;
    for (;;) {
        while (__atomic_load_n(&job.round, __ATOMIC_ACQUIRE) == last)
            asm volatile(".4byte 0x0100000f"); /* pause */
        last++;
        job.fn(hartid);
        __atomic_add_fetch(&job.done, 1, __ATOMIC_RELEASE);
    }
}

static void on_harts(void (*fn)(uint64_t hartid))
{
    job.fn = fn;
    job.done = 0;
    __atomic_add_fetch(&job.round, 1, __ATOMIC_RELEASE);
    fn(0);
    while (__atomic_load_n(&job.done, __ATOMIC_ACQUIRE) != NHARTS - 1)
        asm volatile(".4byte 0x0100000f");
}

static uint64_t external(void)
{
    return CSR_READ(mip) & (MIP_MEIP | MIP_SEIP);
}

/* Until the hart sees an external interrupt (or SETTLE polls pass). */
static void look(uint64_t hart)
{
    uint64_t bits = 0;
    for (int i = 0; i < SETTLE && !bits; i++)
        bits = external();
    seen[hart] = bits;
}

/* Until the hart sees none: a line that dropped reaches the hart's node
 * after the write that dropped it returned, but before any later change. */
static void settle(uint64_t hart)
{
    uint64_t bits = external();
    for (int i = 0; i < SETTLE && bits; i++)
        bits = external();
    seen[hart] = bits;
}

/* Enables the source in context @ctx alone (none if past the last) once
 * every hart has seen the previous enables go; each hart then reports what
 * it sees. */
static void only(uint32_t ctx)
{
    for (uint32_t c = 0; c < NCONTEXTS; c++)
        PLIC_ENABLE(c) = 0;
    PLIC_PRIORITY(UART_IRQ) = 1; /* for QEMU 7.2, see below */
    on_harts(settle);
    if (ctx < NCONTEXTS)
        PLIC_ENABLE(ctx) = 1u << UART_IRQ;
    /* QEMU 7.2's PLIC recomputes its outputs on a priority, threshold,
     * claim or completion, not on an enable write: the same priority again
     * makes it, and changes nothing on shoal, which follows the enables. */
    PLIC_PRIORITY(UART_IRQ) = 1;
    on_harts(look);
}

int main(void)
{
    static const struct {
        const char *name;
        uint32_t ctx;
        uint64_t hart, bits;
    } cases[] = {
        { "context 0: hart 0 MEIP", 0, 0, MIP_MEIP },
        { "context 1: hart 1 MEIP", 1, 1, MIP_MEIP },
        { "context 2: hart 1 SEIP", 2, 1, MIP_SEIP },
        { "context 3: hart 2 MEIP", 3, 2, MIP_MEIP },
        { "context 4: hart 2 SEIP", 4, 2, MIP_SEIP },
    };

    for (uint32_t c = 0; c < NCONTEXTS; c++)
        PLIC_THRESHOLD(c) = 0;
    PLIC_PRIORITY(UART_IRQ) = 1;
    UART(UART_TXCTRL) = 1 | (1u << 16); /* txen, txcnt 1: the empty FIFO is below it */
    UART(UART_IE) = 1;                  /* txwm: the line is high from here */
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        only(cases[i].ctx);
        for (uint64_t h = 0; h < NHARTS; h++) {
            guest_puts(cases[i].name);
            guest_puts(", hart ");
            guest_put_udec(h);
            check_u64(" mip", seen[h], h == cases[i].hart ? cases[i].bits : 0);
        }
        uint32_t claimed = PLIC_CLAIM(cases[i].ctx);
        check_u64("  claim", claimed, UART_IRQ);
        PLIC_CLAIM(cases[i].ctx) = claimed;
    }
    /* context 5 would be hart 2's S if hart 0 had one: it is hart 3's M */
    only(5);
    check_u64("context 5: hart 3's M, none of harts 0-2", seen[0] | seen[1] | seen[2], 0);
    only(NCONTEXTS);
    UART(UART_IE) = 0;
    return check_finish();
}
