/* SPDX-License-Identifier: MIT */
/* Sharing one page four ways (smp-share.harts): each hart does plain
 * read-modify-writes of its own word (false sharing: the page ping-pongs
 * between nodes) and amoadd on one word they all hit. Both totals must be
 * exact. */
#include "lib/guest.h"

#define NHARTS 4
#define K 2000

static struct {
    volatile uint64_t own[NHARTS];
    volatile uint64_t shared;
} page __attribute__((aligned(4096)));

static void work(uint64_t h)
{
    for (int i = 0; i < K; i++) {
        page.own[h] = page.own[h] + 1;
        asm volatile("amoadd.d zero, %1, (%0)" : : "r"(&page.shared), "r"(1ull) : "memory");
    }
}

int main(void)
{
    guest_on_harts(NHARTS, work);
    uint64_t own = 0;
    for (int h = 0; h < NHARTS; h++) {
        own += page.own[h];
    }
    check_u64("own words (false sharing)", own, NHARTS * K);
    check_u64("shared word", page.shared, NHARTS * K);
    guest_exit((uint32_t)check_finish());
}
