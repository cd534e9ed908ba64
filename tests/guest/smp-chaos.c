/* SPDX-License-Identifier: MIT */
/* Deadlock hunt (smp-chaos.harts): four harts do a random mix of amoadd,
 * LR/SC increments, plain stores and loads over eight shared pages, so
 * harts wait for pages while their node is asked to give others back.
 * Every run must terminate, and the atomic counters must add up. */
#include "lib/guest.h"

#define NHARTS 4
#define NPAGES 8
#define OPS 2000
#define WORDS_PER_PAGE 512

static volatile uint64_t pages[NPAGES][WORDS_PER_PAGE] __attribute__((aligned(4096)));
static volatile uint64_t expected[NPAGES][8] __attribute__((aligned(4096)));
static volatile uint64_t sink;

static uint64_t next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12, x ^= x << 25, x ^= x >> 27;
    *s = x;
    return x * 0x2545f4914f6cdd1dull;
}

static void chaos(uint64_t hart)
{
    static uint64_t mine_all[NHARTS][NPAGES][8]; /* .bss: no memset in a freestanding build */
    uint64_t seed = 0x9e3779b97f4a7c15ull * (hart + 1);
    uint64_t (*mine)[8] = mine_all[hart];
    for (int i = 0; i < OPS; i++) {
        uint64_t r = next(&seed);
        unsigned p = r % NPAGES, w = (r >> 8) % 8;
        volatile uint64_t *counter = &pages[p][w];          /* words 0-7: counters */
        switch ((r >> 16) % 4) {
        case 0:
            asm volatile("amoadd.d zero, %1, (%0)" : : "r"(counter), "r"(1ull) : "memory");
            mine[p][w]++;
            break;
        case 1: {
            uint64_t v, fail;
            do {
                asm volatile("lr.d %0, (%2)\n\tadd %0, %0, 1\n\tsc.d %1, %0, (%2)"
                             : "=&r"(v), "=&r"(fail) : "r"(counter) : "memory");
            } while (fail);
            mine[p][w]++;
            break;
        }
        case 2:
            pages[p][8 + hart * 8 + w] = r;                 /* own slot: plain store */
            break;
        default:
            sink += pages[(p + 1) % NPAGES][(r >> 24) % WORDS_PER_PAGE];
            break;
        }
    }
    for (int p = 0; p < NPAGES; p++) {
        for (int w = 0; w < 8; w++) {
            asm volatile("amoadd.d zero, %1, (%0)" : : "r"(&expected[p][w]), "r"(mine[p][w])
                         : "memory");
        }
    }
}

int main(void)
{
    guest_on_harts(NHARTS, chaos);
    uint64_t wrong = 0;
    for (int p = 0; p < NPAGES; p++) {
        for (int w = 0; w < 8; w++) {
            wrong += pages[p][w] != expected[p][w];
        }
    }
    check_u64("counters that do not add up", wrong, 0);
    guest_exit((uint32_t)check_finish());
}
