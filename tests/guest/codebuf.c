/* SPDX-License-Identifier: MIT */
/* Fills the translator's code buffer: thousands of distinct functions,
 * generated once and called in several rounds. Run with a tiny buffer
 * (codebuf.args) so shoal's JIT flushes and refills it many times. */
#include "lib/guest.h"

#define N_FUNCS 3000
#define WORDS_PER_FUNC 4

static uint32_t code[N_FUNCS * WORDS_PER_FUNC] __attribute__((aligned(4096)));

static uint32_t addi(unsigned rd, unsigned rs1, int32_t imm)
{
    return ((uint32_t)imm & 0xfff) << 20 | rs1 << 15 | rd << 7 | 0x13;
}

typedef uint64_t (*GeneratedFn)(uint64_t);

int main(void)
{
    for (int f = 0; f < N_FUNCS; f++) {
        uint32_t *w = &code[f * WORDS_PER_FUNC];
        w[0] = addi(10, 10, f % 1000);     /* a0 += f % 1000 */
        w[1] = addi(10, 10, -(f % 7));     /* a0 -= f % 7 */
        w[2] = 0x00008067u;                /* ret */
        w[3] = 0x00000013u;                /* nop (padding) */
    }
    asm volatile("fence.i" ::: "memory");

    uint64_t got = 0, want = 0;
    for (int round = 0; round < 4; round++) {
        for (int f = 0; f < N_FUNCS; f++) {
            GeneratedFn fn = (GeneratedFn)(uintptr_t)&code[f * WORDS_PER_FUNC];
            got += fn((uint64_t)round);
            want += (uint64_t)(round + f % 1000 - f % 7);
        }
    }
    check_u64("3000 functions x 4 rounds", got, want);
    guest_exit((uint32_t)check_finish());
}
