/* SPDX-License-Identifier: MIT */
/* A bytecode interpreter with switch dispatch: a small register machine
 * runs a Collatz step count and a sieve of Eratosthenes. Stresses the
 * jump-table indirect branch of a switch, and short blocks that end in it. */
#include "lib/bench.h"

#define COLLATZ_LIMIT BENCH_SIZE(60000, 3000)
#define SIEVE_LIMIT BENCH_SIZE(200000, 10000)
#define ROUNDS BENCH_SIZE(1, 1)

enum { OP_LI, OP_MOV, OP_ADD, OP_ADDI, OP_MUL, OP_ANDI, OP_SHRI, OP_LD, OP_ST,
       OP_BEQ, OP_BGE, OP_BNZ, OP_JMP, OP_HALT };

typedef struct {
    uint8_t op, a, b, c;  /* register numbers, 0..15 */
    int32_t imm;          /* immediate, memory offset or branch target */
} Insn;

#define MEM_WORDS SIEVE_LIMIT
static int64_t mem[MEM_WORDS];

/* Returns register a of the HALT, or -1 on a malformed program. */
static int64_t run(const Insn *code, long ncode, int64_t r0)
{
    int64_t r[16] = { r0 };
    long pc = 0;

    for (;;) {
        if (pc < 0 || pc >= ncode)
            return -1;
        const Insn *i = &code[pc++];
        switch (i->op) {
        case OP_LI: r[i->a] = i->imm; break;
        case OP_MOV: r[i->a] = r[i->b]; break;
        case OP_ADD: r[i->a] = r[i->b] + r[i->c]; break;
        case OP_ADDI: r[i->a] = r[i->b] + i->imm; break;
        case OP_MUL: r[i->a] = r[i->b] * r[i->c]; break;
        case OP_ANDI: r[i->a] = r[i->b] & i->imm; break;
        case OP_SHRI: r[i->a] = (int64_t)((uint64_t)r[i->b] >> i->imm); break;
        case OP_LD: r[i->a] = mem[(r[i->b] + i->imm) % MEM_WORDS]; break;
        case OP_ST: mem[(r[i->b] + i->imm) % MEM_WORDS] = r[i->a]; break;
        case OP_BEQ: if (r[i->a] == r[i->b]) pc = i->imm; break;
        case OP_BGE: if (r[i->a] >= r[i->b]) pc = i->imm; break;
        case OP_BNZ: if (r[i->a]) pc = i->imm; break;
        case OP_JMP: pc = i->imm; break;
        case OP_HALT: return r[i->a];
        default: return -1;
        }
    }
}

#define I(op, a, b, c, imm) { OP_##op, a, b, c, imm }

/* r0 = limit on entry; returns the total number of Collatz steps taken by
 * every start value in [1, limit). */
static const Insn collatz[] = {
    /* 0 */ I(MOV, 1, 0, 0, 0),      /* r1 = limit */
    /* 1 */ I(LI, 0, 0, 0, 1),       /* r0 = n = 1 */
    /* 2 */ I(LI, 3, 0, 0, 0),       /* r3 = steps */
    /* 3 */ I(LI, 5, 0, 0, 1),
    /* 4 */ I(LI, 6, 0, 0, 3),
    /* 5 */ I(BGE, 0, 1, 0, 18),     /* n loop */
    /* 6 */ I(MOV, 2, 0, 0, 0),      /* x = n */
    /* 7 */ I(BEQ, 2, 5, 0, 16),     /* x loop: until x == 1 */
    /* 8 */ I(ANDI, 4, 2, 0, 1),
    /* 9 */ I(BNZ, 4, 0, 0, 12),
    /* 10 */ I(SHRI, 2, 2, 0, 1),    /* even: x /= 2 */
    /* 11 */ I(JMP, 0, 0, 0, 14),
    /* 12 */ I(MUL, 2, 2, 6, 0),     /* odd: x = 3x + 1 */
    /* 13 */ I(ADDI, 2, 2, 0, 1),
    /* 14 */ I(ADDI, 3, 3, 0, 1),
    /* 15 */ I(JMP, 0, 0, 0, 7),
    /* 16 */ I(ADDI, 0, 0, 0, 1),
    /* 17 */ I(JMP, 0, 0, 0, 5),
    /* 18 */ I(HALT, 3, 0, 0, 0),
};

/* r0 = limit on entry (mem[] zeroed); returns the number of primes below
 * limit and leaves the composites marked in mem[]. */
static const Insn sieve[] = {
    /* 0 */ I(MOV, 1, 0, 0, 0),      /* r1 = limit */
    /* 1 */ I(LI, 0, 0, 0, 2),       /* r0 = i */
    /* 2 */ I(LI, 3, 0, 0, 0),       /* r3 = count */
    /* 3 */ I(LI, 6, 0, 0, 1),
    /* 4 */ I(BGE, 0, 1, 0, 15),     /* i loop */
    /* 5 */ I(LD, 4, 0, 0, 0),
    /* 6 */ I(BNZ, 4, 0, 0, 13),     /* composite: next i */
    /* 7 */ I(ADDI, 3, 3, 0, 1),
    /* 8 */ I(MUL, 2, 0, 0, 0),      /* j = i * i (r0 * r0) */
    /* 9 */ I(BGE, 2, 1, 0, 13),     /* j loop */
    /* 10 */ I(ST, 6, 2, 0, 0),
    /* 11 */ I(ADD, 2, 2, 0, 0),     /* j += i */
    /* 12 */ I(JMP, 0, 0, 0, 9),
    /* 13 */ I(ADDI, 0, 0, 0, 1),
    /* 14 */ I(JMP, 0, 0, 0, 4),
    /* 15 */ I(HALT, 3, 0, 0, 0),
};

#define LEN(a) ((long)(sizeof(a) / sizeof((a)[0])))

int main(void)
{
    uint64_t sum = 0;

    /* known answers: Collatz steps for 1..9 total 0+1+7+2+5+8+16+3+19 */
    bench_check("collatz(10)", run(collatz, LEN(collatz), 10) == 61);
    bench_check("sieve(100)", run(sieve, LEN(sieve), 100) == 25);
    for (int round = 0; round < ROUNDS; round++) {
        int64_t steps = run(collatz, LEN(collatz), COLLATZ_LIMIT - round);

        bench_check("collatz", steps > 0);
        sum = bench_mix(sum, (uint64_t)steps);
        for (long i = 0; i < MEM_WORDS; i++)
            mem[i] = 0;
        int64_t primes = run(sieve, LEN(sieve), SIEVE_LIMIT - round);
        bench_check("sieve", primes > 0);
        sum = bench_mix(sum, (uint64_t)primes);
    }
    bench_result("interp", sum);
    return 0;
}
