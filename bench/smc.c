/* SPDX-License-Identifier: MIT */
/* Self-modifying code: the guest rewrites the immediates of an addi, xori,
 * addi sequence it has just executed, issues fence.i and runs it again,
 * many times. Every round invalidates the translation of that code, so this
 * measures store-into-code detection and retranslation. The result is
 * checked against the same arithmetic done in C, so running a stale
 * translation fails. */
#include "lib/bench.h"

#define ROUNDS BENCH_SIZE(200000, 4000)

/* On a page of its own, so the loop that patches it is not invalidated
 * with it; uncompressed, so each patched instruction is one 32-bit word. */
asm(".pushsection .text.smc, \"ax\"\n"
    ".balign 4096\n"
    ".globl smc_target\n"
    "smc_target:\n"
    ".option push\n"
    ".option norvc\n"
    "    addi a0, a0, 0\n"
    "    xori a0, a0, 0\n"
    "    addi a0, a0, 0\n"
    "    jalr zero, 0(ra)\n"
    ".option pop\n"
    ".balign 4096\n"
    ".popsection\n");

uint64_t smc_target(uint64_t x);

#define ADDI_A0_A0 0x00050513u  /* addi a0, a0, 0 */
#define XORI_A0_A0 0x00054513u  /* xori a0, a0, 0 */

static uint32_t with_imm(uint32_t insn, uint32_t imm12)
{
    return insn | (imm12 & 0xfff) << 20;
}

int main(void)
{
    volatile uint32_t *code = (volatile uint32_t *)(uintptr_t)smc_target;
    uint64_t x = 1, want = 1;

    bench_check("unpatched", smc_target(41) == 41);
    for (uint32_t r = 0; r < ROUNDS; r++) {
        uint32_t a = r & 0x7ff, b = (r * 7) & 0x3ff, c = (r >> 3) & 0x7ff;

        code[0] = with_imm(ADDI_A0_A0, a);
        code[1] = with_imm(XORI_A0_A0, b);
        code[2] = with_imm(ADDI_A0_A0, c);
        asm volatile("fence.i" ::: "memory");
        x = smc_target(x);
        want = ((want + a) ^ b) + c;
    }
    bench_check("patched code ran", x == want);
    bench_result("smc", x);
    return 0;
}
