/* SPDX-License-Identifier: MIT */
/* Real work for the translator: CRC-32 (checked against the standard check
 * value), a quicksort of pseudo-random data (checked sorted, sum kept) and a
 * small stack-machine interpreter running fib and a prime count (checked
 * against known values). Every result also goes to the UART. */
#include "lib/guest.h"

/* CRC-32 (IEEE 802.3, reflected, poly 0xedb88320), bit at a time */
static uint32_t crc32(const void *data, uint64_t len)
{
    const uint8_t *p = data;
    uint32_t crc = 0xffffffff;

    while (len--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xedb88320 & -(crc & 1));
    }
    return ~crc;
}

#define N 2000
static int64_t data[N];

static void quicksort(int64_t *a, long lo, long hi)
{
    while (lo < hi) {
        int64_t pivot = a[lo + (hi - lo) / 2];
        long i = lo, j = hi;

        while (i <= j) {
            while (a[i] < pivot)
                i++;
            while (a[j] > pivot)
                j--;
            if (i <= j) {
                int64_t t = a[i];
                a[i++] = a[j];
                a[j--] = t;
            }
        }
        /* recurse into the smaller half so the stack stays shallow */
        if (j - lo < hi - i) {
            quicksort(a, lo, j);
            lo = i;
        } else {
            quicksort(a, i, hi);
            hi = j;
        }
    }
}

/* A stack machine: the guest interprets a bytecode, so the translator sees
 * an indirect-branch-heavy dispatch loop. */
enum { OP_PUSH, OP_LOAD, OP_STORE, OP_ADD, OP_SUB, OP_MUL, OP_REM, OP_LT,
       OP_JZ, OP_JMP, OP_HALT };

static int64_t run(const int64_t *code, int64_t *vars)
{
    int64_t stack[16];
    int sp = 0;
    long pc = 0;

    for (;;) {
        int64_t op = code[pc++], b;
        switch (op) {
        case OP_PUSH: stack[sp++] = code[pc++]; break;
        case OP_LOAD: stack[sp++] = vars[code[pc++]]; break;
        case OP_STORE: vars[code[pc++]] = stack[--sp]; break;
        case OP_ADD: b = stack[--sp]; stack[sp - 1] += b; break;
        case OP_SUB: b = stack[--sp]; stack[sp - 1] -= b; break;
        case OP_MUL: b = stack[--sp]; stack[sp - 1] *= b; break;
        case OP_REM: b = stack[--sp]; stack[sp - 1] %= b; break;
        case OP_LT: b = stack[--sp]; stack[sp - 1] = stack[sp - 1] < b; break;
        case OP_JZ: pc = stack[--sp] ? pc + 1 : code[pc]; break;
        case OP_JMP: pc = code[pc]; break;
        case OP_HALT: return sp ? stack[sp - 1] : 0;
        default: return -1;
        }
    }
}

/* vars: 0 = a, 1 = b, 2 = i, 3 = n. Iterative fib(n): a, b = b, a + b. */
static const int64_t fib_code[] = {
    OP_PUSH, 0, OP_STORE, 0, OP_PUSH, 1, OP_STORE, 1, OP_PUSH, 0, OP_STORE, 2,
    /* 12: */ OP_LOAD, 2, OP_LOAD, 3, OP_LT, OP_JZ, 39,
    OP_LOAD, 1, OP_LOAD, 0, OP_LOAD, 1, OP_ADD, OP_STORE, 1, OP_STORE, 0,
    OP_LOAD, 2, OP_PUSH, 1, OP_ADD, OP_STORE, 2, OP_JMP, 12,
    /* 39: */ OP_LOAD, 0, OP_HALT,
};

/* vars: 0 = count, 1 = candidate, 2 = divisor, 3 = limit. Trial division. */
static const int64_t primes_code[] = {
    OP_PUSH, 0, OP_STORE, 0, OP_PUSH, 2, OP_STORE, 1,
    /* 8: candidate loop */ OP_LOAD, 1, OP_LOAD, 3, OP_LT, OP_JZ, 64,
    OP_PUSH, 2, OP_STORE, 2,
    /* 19: divisor loop: while d*d < c+1 */
    OP_LOAD, 2, OP_LOAD, 2, OP_MUL, OP_LOAD, 1, OP_PUSH, 1, OP_ADD, OP_LT, OP_JZ, 48,
    OP_LOAD, 1, OP_LOAD, 2, OP_REM, OP_JZ, 55, /* divisible: not prime */
    OP_LOAD, 2, OP_PUSH, 1, OP_ADD, OP_STORE, 2, OP_JMP, 19,
    /* 48: prime */ OP_LOAD, 0, OP_PUSH, 1, OP_ADD, OP_STORE, 0,
    /* 55: next candidate */ OP_LOAD, 1, OP_PUSH, 1, OP_ADD, OP_STORE, 1, OP_JMP, 8,
    /* 64: */ OP_LOAD, 0, OP_HALT,
};

int main(void)
{
    static const char check_string[] = "123456789";
    uint64_t seed = 0x2545f4914f6cdd1dull, sum = 0, sorted_sum = 0;
    int64_t vars[4];
    int sorted = 1;

    check_u64("crc32(\"123456789\")", crc32(check_string, 9), 0xcbf43926);
    check_u64("crc32(\"\")", crc32(check_string, 0), 0);

    for (int i = 0; i < N; i++) {
        /* xorshift64: deterministic pseudo-random data */
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        data[i] = (int64_t)seed >> 20;
        sum += (uint64_t)data[i];
    }
    quicksort(data, 0, N - 1);
    for (int i = 0; i < N; i++) {
        sorted_sum += (uint64_t)data[i];
        if (i && data[i - 1] > data[i])
            sorted = 0;
    }
    check_true("quicksort: sorted", sorted);
    check_u64("quicksort: sum kept", sorted_sum, sum);
    guest_puts("quicksort: crc32 of sorted data = ");
    guest_put_hex(crc32(data, sizeof(data)));
    guest_putc('\n');

    vars[3] = 50;
    check_u64("interp: fib(50)", (uint64_t)run(fib_code, vars), 12586269025ull);
    vars[3] = 5000;
    check_u64("interp: primes below 5000", (uint64_t)run(primes_code, vars), 669);
    return check_finish();
}
