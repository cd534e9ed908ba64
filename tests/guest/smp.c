/* SPDX-License-Identifier: MIT */
/* Four harts (smp.harts), wherever they run (threads of one node or
 * processes on several): each adds K to three shared counters, with
 * amoadd, with an LR/SC loop, and under an amoswap spinlock around plain
 * loads and stores. The totals must be exact. */
#include "lib/guest.h"

#define NHARTS 4
#define K 3000

static volatile uint64_t by_amo, by_lrsc, by_lock, lock;
static volatile uint64_t spread[NHARTS];

static void lock_acquire(void)
{
    uint64_t old;
    do {
        asm volatile("amoswap.d.aq %0, %2, (%1)" : "=r"(old) : "r"(&lock), "r"(1ull) : "memory");
    } while (old != 0);
}

static void lock_release(void)
{
    asm volatile("amoswap.d.rl zero, zero, (%0)" : : "r"(&lock) : "memory");
}

static void lrsc_add(volatile uint64_t *p, uint64_t v)
{
    uint64_t old, fail;
    do {
        asm volatile("lr.d %0, (%2)\n\t"
                     "add %0, %0, %3\n\t"
                     "sc.d %1, %0, (%2)"
                     : "=&r"(old), "=&r"(fail) : "r"(p), "r"(v) : "memory");
    } while (fail != 0);
}

static void work(uint64_t hart)
{
    for (int i = 0; i < K; i++) {
        asm volatile("amoadd.d zero, %1, (%0)" : : "r"(&by_amo), "r"(1ull) : "memory");
        lrsc_add(&by_lrsc, 1);
        lock_acquire();
        by_lock = by_lock + 1; /* plain: only the lock makes it exact */
        lock_release();
        spread[hart]++;
    }
}

int main(void)
{
    guest_on_harts(NHARTS, work);
    check_u64("amoadd total", by_amo, NHARTS * K);
    check_u64("lr/sc total", by_lrsc, NHARTS * K);
    check_u64("spinlock total", by_lock, NHARTS * K);
    uint64_t sum = 0;
    for (int h = 0; h < NHARTS; h++) {
        sum += spread[h];
    }
    check_u64("per-hart work", sum, NHARTS * K);
    guest_exit((uint32_t)check_finish());
}
