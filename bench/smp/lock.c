/* SPDX-License-Identifier: MIT */
/* Two harts share a lock (amoswap acquire, release store) around a plain
 * counter, then pass OPS items through a single-producer single-consumer
 * ring: the contended-lock and producer/consumer figures of bench/smp-run. */
#include "lib/guest.h"

#define OPS 20000
#define RING 64

static volatile uint64_t lock_word __attribute__((aligned(4096)));
static volatile uint64_t counter __attribute__((aligned(64)));
static volatile uint64_t ring[RING] __attribute__((aligned(4096)));
static volatile uint64_t head __attribute__((aligned(4096)));
static volatile uint64_t tail __attribute__((aligned(4096)));
static volatile uint64_t consumed_sum, done;

static void locked_increments(void)
{
    for (int i = 0; i < OPS; i++) {
        uint64_t old;
        do {
            asm volatile("amoswap.d.aq %0, %2, (%1)" : "=r"(old) : "r"(&lock_word), "r"(1ull)
                         : "memory");
        } while (old != 0);
        counter = counter + 1;
        __atomic_store_n(&lock_word, 0, __ATOMIC_RELEASE);
    }
}

static void produce(void)
{
    for (uint64_t i = 1; i <= OPS; i++) {
        while (i - __atomic_load_n(&tail, __ATOMIC_ACQUIRE) > RING) {
        }
        ring[i % RING] = i;
        __atomic_store_n(&head, i, __ATOMIC_RELEASE);
    }
}

static void consume(void)
{
    uint64_t sum = 0;
    for (uint64_t i = 1; i <= OPS; i++) {
        while (__atomic_load_n(&head, __ATOMIC_ACQUIRE) < i) {
        }
        sum += ring[i % RING];
        __atomic_store_n(&tail, i, __ATOMIC_RELEASE);
    }
    consumed_sum = sum;
}

void guest_secondary(uint64_t hartid)
{
    if (hartid == 1) {
        locked_increments();
        consume();
        asm volatile("amoadd.d zero, %1, (%0)" : : "r"(&done), "r"(1ull) : "memory");
    }
    for (;;) {
        asm volatile("wfi");
    }
}

int main(void)
{
    locked_increments();
    produce();
    while (done != 1) {
    }
    int ok = counter == 2ull * OPS && consumed_sum == (uint64_t)OPS * (OPS + 1) / 2;
    guest_puts(ok ? "lock+queue: ok\n" : "lock+queue: WRONG\n");
    guest_exit(ok ? 0 : 1);
}
