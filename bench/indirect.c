/* SPDX-License-Identifier: MIT */
/* Frequent indirect jumps: calls through a table of function pointers in a
 * data-dependent order, and a direct-threaded interpreter that dispatches
 * with computed goto (each handler ends in its own indirect jump). Stresses
 * the indirect-branch lookup (jump cache) and returns. */
#include "lib/bench.h"

#define CALLS BENCH_SIZE(18000000, 400000)
#define THREADED_STEPS BENCH_SIZE(24000000, 500000)

typedef uint64_t (*Op)(uint64_t);

static uint64_t op0(uint64_t x) { return x + 0x9e37; }
static uint64_t op1(uint64_t x) { return x ^ (x >> 7); }
static uint64_t op2(uint64_t x) { return x * 0x2545f491; }
static uint64_t op3(uint64_t x) { return (x << 13) | (x >> 51); }
static uint64_t op4(uint64_t x) { return x - 0x1234567; }
static uint64_t op5(uint64_t x) { return ~x + 3; }
static uint64_t op6(uint64_t x) { return x ^ 0x5555aaaa5555aaaaull; }
static uint64_t op7(uint64_t x) { return x + (x >> 3); }
static uint64_t op8(uint64_t x) { return x * 5 + 1; }
static uint64_t op9(uint64_t x) { return (x >> 1) ^ (-(x & 1) & 0xd800000000000000ull); }
static uint64_t op10(uint64_t x) { return x ^ (x << 21); }
static uint64_t op11(uint64_t x) { return x + 0xfedcba9876543210ull; }
static uint64_t op12(uint64_t x) { return x * 0xff51afd7ed558ccdull; }
static uint64_t op13(uint64_t x) { return x ^ (x >> 33); }
static uint64_t op14(uint64_t x) { return x - (x << 5); }
static uint64_t op15(uint64_t x) { return (x >> 17) | (x << 47); }

static Op const table[16] = {
    op0, op1, op2, op3, op4, op5, op6, op7,
    op8, op9, op10, op11, op12, op13, op14, op15,
};

/* Function-pointer dispatch: the next target depends on the value. */
static uint64_t call_table(uint64_t x, long n)
{
    uint64_t lcg = 1;

    for (long i = 0; i < n; i++) {
        lcg = lcg * 6364136223846793005ull + 1442695040888963407ull;
        x = table[((x >> 11) ^ (lcg >> 60)) & 15](x);
    }
    return x;
}

/* Direct threading: a program of handler addresses, each handler jumps to
 * the next through `goto *`; the program loops until the step budget ends. */
static uint64_t threaded(uint64_t x, long steps)
{
    static const uint8_t prog[] = { 0, 1, 2, 3, 1, 4, 2, 0, 5, 3, 4, 6, 1, 5, 2, 6, 7 };
    void *const handlers[] = { &&h_add, &&h_xor, &&h_mul, &&h_rot, &&h_sub,
                               &&h_shr, &&h_branch, &&h_loop };
    void *code[sizeof(prog)];
    const void *const *pc;
    uint64_t acc = 0;

    for (unsigned i = 0; i < sizeof(prog); i++)
        code[i] = handlers[prog[i]];
    pc = (const void *const *)code;
#define NEXT goto *(*pc++)
    NEXT;
h_add: x += 0x3c6ef372; NEXT;
h_xor: x ^= x >> 9; NEXT;
h_mul: x *= 0x9e3779b1; NEXT;
h_rot: x = (x << 23) | (x >> 41); NEXT;
h_sub: x -= acc; NEXT;
h_shr: acc += x >> 40; NEXT;
h_branch:
    if (x & 1)
        acc ^= x;
    NEXT;
h_loop:
    steps -= (long)sizeof(prog);
    if (steps <= 0)
        return x ^ acc;
    pc = (const void *const *)code;
    NEXT;
#undef NEXT
}

int main(void)
{
    uint64_t sum = 0;

    sum = bench_mix(sum, call_table(0x0123456789abcdefull, CALLS));
    sum = bench_mix(sum, threaded(0xfedcba9876543210ull, THREADED_STEPS));
    bench_result("indirect", sum);
    return 0;
}
