/* SPDX-License-Identifier: MIT */
/* Cross-hart code modification: hart 0 rewrites a function hart 1 has
 * executed, both execute fence.i, and hart 1 must run the new code, for
 * hundreds of rounds (smp-smc.harts: on one node's threads and across
 * node processes). */
#include "lib/guest.h"

#define ROUNDS 300
#define RET 0x00008067u

static uint32_t code[16] __attribute__((aligned(4096)));
static volatile uint64_t round_posted, round_seen, bad;

static uint32_t addi_a0(int32_t imm)
{
    return ((uint32_t)imm & 0xfff) << 20 | 10u << 15 | 10u << 7 | 0x13;
}

typedef uint64_t (*Fn)(uint64_t);

void guest_secondary(uint64_t hartid)
{
    if (hartid == 1) {
        Fn fn = (Fn)(uintptr_t)code;
        for (uint64_t r = 1; r <= ROUNDS; r++) {
            while (__atomic_load_n(&round_posted, __ATOMIC_ACQUIRE) < r) {
            }
            asm volatile("fence.i" ::: "memory");
            /* run it a few times: the old translation, if kept, is hot */
            for (int k = 0; k < 3; k++) {
                if (fn(0) != r) {
                    bad++;
                }
            }
            __atomic_store_n(&round_seen, r, __ATOMIC_RELEASE);
        }
    }
    for (;;) {
        asm volatile("wfi");
    }
}

int main(void)
{
    for (uint64_t r = 1; r <= ROUNDS; r++) {
        code[0] = addi_a0((int32_t)r);
        code[1] = RET;
        asm volatile("fence.i" ::: "memory");
        __atomic_store_n(&round_posted, r, __ATOMIC_RELEASE);
        while (__atomic_load_n(&round_seen, __ATOMIC_ACQUIRE) < r) {
        }
    }
    check_u64("rounds where hart 1 ran stale code", bad, 0);
    check_u64("rounds seen", round_seen, ROUNDS);
    guest_exit((uint32_t)check_finish());
}
