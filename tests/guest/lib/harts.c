/* SPDX-License-Identifier: MIT */
/* Work on several harts: hart 0 hands one function to harts 0..n-1 and
 * waits until every one has returned from it. The other harts wait for the
 * function in crt0's default guest_secondary, spinning (a test that starts
 * them this way has nothing else for them to do), and park after it. */
#include "guest.h"

/* A page of their own: the waiting harts read `work` until it is set, and
 * on a machine of several cpu-nodes (configs/sifive-u.conf runs every test
 * on two) each store of hart 0 to a page they read would take it from their
 * node and hand it back, a round trip between processes per store. */
static struct {
    void (*volatile work)(uint64_t hartid);
    volatile uint64_t harts, returned;
} hand __attribute__((aligned(4096)));

/* Zihintpause's pause, a fence hint to cores without it (the E51): shoal
 * gives the waiting hart's host core to the others (tcg/riscv/trans-rvi.c.inc,
 * trans_fence), which a host with fewer cores than harts needs. */
static inline void pause_hint(void)
{
    asm volatile(".4byte 0x0100000f" ::: "memory");
}

static void run(uint64_t hartid, void (*fn)(uint64_t))
{
    fn(hartid);
    __atomic_add_fetch(&hand.returned, 1, __ATOMIC_RELEASE);
}

void guest_harts_secondary(uint64_t hartid)
{
    void (*fn)(uint64_t);
    while ((fn = __atomic_load_n(&hand.work, __ATOMIC_ACQUIRE)) == 0)
        pause_hint();
    if (hartid < hand.harts)
        run(hartid, fn);
}

void guest_on_harts(uint64_t n, void (*fn)(uint64_t hartid))
{
    hand.harts = n;
    __atomic_store_n(&hand.work, fn, __ATOMIC_RELEASE); /* after harts */
    run(0, fn);
    while (__atomic_load_n(&hand.returned, __ATOMIC_ACQUIRE) != n)
        pause_hint();
}
