/* SPDX-License-Identifier: MIT */
/* Independent work split over PAR_HARTS harts (built once per count): each
 * hashes its own buffer, in pages no other hart touches, so the speed-up
 * over one hart is what the platform adds or takes away. */
#include "lib/guest.h"

#ifndef PAR_HARTS
#define PAR_HARTS 1
#endif
#define TOTAL_ROUNDS 40000
#define BUF_WORDS (64 * 1024 / 8)

static uint64_t buf[2][BUF_WORDS] __attribute__((aligned(4096)));
static volatile uint64_t result[2][512 / 8] __attribute__((aligned(4096)));

static uint64_t hash_rounds(uint64_t *b, int first, int count)
{
    uint64_t h = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < BUF_WORDS; i++) {
        b[i] = (uint64_t)i * 0x100000001b3ull;
    }
    for (int r = first; r < first + count; r++) {
        for (int i = 0; i < BUF_WORDS; i++) {
            h = (h ^ (b[i] + (uint64_t)r)) * 0x100000001b3ull;
            h ^= h >> 29;
        }
    }
    return h;
}

static void work(uint64_t hart)
{
    /* each round is independent of the others: split rounds by hart */
    uint64_t sum = 0;
    int per = TOTAL_ROUNDS / PAR_HARTS;
    for (int r = (int)hart * per; r < ((int)hart + 1) * per; r += 100) {
        sum += hash_rounds(buf[hart], r, 100);
    }
    result[hart][0] = sum;
}

int main(void)
{
    guest_on_harts(PAR_HARTS, work);
    uint64_t sum = 0;
    for (int h = 0; h < PAR_HARTS; h++) {
        sum += result[h][0];
    }
    guest_puts("par: checksum ");
    guest_put_hex(sum);
    guest_putc('\n');
    guest_exit(0);
}
