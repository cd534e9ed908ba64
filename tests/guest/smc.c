/* SPDX-License-Identifier: MIT */
/* Self-modifying code: the guest rewrites instructions it has already
 * executed, with fence.i, hundreds of times: a called function's
 * immediate, and the body of a loop that runs as a chained block. Results
 * are checked against sums computed without the generated code. */
#include "lib/guest.h"

#define REG_A0 10
#define REG_T0 5
#define RET 0x00008067u /* jalr x0, 0(ra) */

static uint32_t code[64] __attribute__((aligned(4096)));

static uint32_t addi(unsigned rd, unsigned rs1, int32_t imm)
{
    return ((uint32_t)imm & 0xfff) << 20 | rs1 << 15 | rd << 7 | 0x13;
}

/* bne rs1, x0, offset */
static uint32_t bnez(unsigned rs1, int32_t off)
{
    uint32_t u = (uint32_t)off;
    return ((u >> 12) & 1) << 31 | ((u >> 5) & 0x3f) << 25 | rs1 << 15 | 1u << 12 |
           ((u >> 1) & 0xf) << 8 | ((u >> 11) & 1) << 7 | 0x63;
}

static void fence_i(void)
{
    asm volatile("fence.i" ::: "memory");
}

typedef uint64_t (*GeneratedFn)(uint64_t);

int main(void)
{
    GeneratedFn fn = (GeneratedFn)(uintptr_t)code;

    /* 1: a function whose immediate changes on every call. */
    uint64_t got = 0, want = 0;
    for (int i = 0; i < 500; i++) {
        int32_t imm = (i * 37) % 2001 - 1000;
        code[0] = addi(REG_A0, REG_A0, imm);
        code[1] = RET;
        fence_i();
        got += fn((uint64_t)i);
        want += (uint64_t)(i + imm);
    }
    check_u64("patched immediate, 500 calls", got, want);

    /* 2: a loop (a block chained to itself) whose body is rewritten. */
    got = want = 0;
    for (int k = 0; k < 200; k++) {
        int32_t step = k % 50 - 25;
        code[0] = addi(REG_T0, 0, 100);               /* t0 = 100 */
        code[1] = addi(REG_A0, REG_A0, step);          /* loop: a0 += step */
        code[2] = addi(REG_T0, REG_T0, -1);            /* t0-- */
        code[3] = bnez(REG_T0, -8);                    /* back to the loop */
        code[4] = RET;
        fence_i();
        got += fn(0);
        want += (uint64_t)(int64_t)(100 * step);
    }
    check_u64("patched loop body, 200 runs", got, want);

    /* 3: rewrite one instruction of a loop that already ran, keep the rest. */
    code[1] = addi(REG_A0, REG_A0, 7);
    fence_i();
    check_u64("loop with only its add patched", fn(5), 5 + 700);

    guest_exit((uint32_t)check_finish());
}
