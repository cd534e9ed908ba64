/* SPDX-License-Identifier: MIT */
/* String and block-memory code written out in C: word-at-a-time copy and
 * fill, byte-wise strlen / strcmp and a naive substring search, over
 * buffers of pseudo-random text. Stresses loads and stores of every width,
 * unaligned tails and short data-dependent loops. */
#include "lib/bench.h"

#define BUF BENCH_SIZE(64 * 1024, 8 * 1024)
#define ROUNDS BENCH_SIZE(700, 4)

static char src[BUF], dst[BUF];

static void copy_bytes(void *to, const void *from, size_t n)
{
    uint8_t *d = to;
    const uint8_t *s = from;

    /* align the destination, then 8 bytes at a time when the source agrees */
    while (n && ((uintptr_t)d & 7)) {
        *d++ = *s++;
        n--;
    }
    if (((uintptr_t)s & 7) == 0) {
        for (; n >= 8; n -= 8, d += 8, s += 8)
            *(uint64_t *)d = *(const uint64_t *)s;
    }
    while (n--)
        *d++ = *s++;
}

static void fill_bytes(void *to, uint8_t c, size_t n)
{
    uint8_t *d = to;
    uint64_t w = c * 0x0101010101010101ull;

    while (n && ((uintptr_t)d & 7)) {
        *d++ = c;
        n--;
    }
    for (; n >= 8; n -= 8, d += 8)
        *(uint64_t *)d = w;
    while (n--)
        *d++ = c;
}

static size_t length(const char *s)
{
    const char *p = s;

    while (*p)
        p++;
    return (size_t)(p - s);
}

static int compare(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return (int)(uint8_t)*a - (int)(uint8_t)*b;
}

/* Offset of the first occurrence of needle in hay, or -1. */
static long find(const char *hay, const char *needle)
{
    for (long i = 0; hay[i]; i++) {
        long k = 0;

        while (needle[k] && hay[i + k] == needle[k])
            k++;
        if (!needle[k])
            return i;
    }
    return -1;
}

int main(void)
{
    uint64_t seed = 0x57121465eed00001ull, sum = 0;

    /* text of words from a small alphabet, so searches find partial matches */
    for (size_t i = 0; i < BUF - 1; i++) {
        uint64_t r = bench_rand(&seed);

        src[i] = (r & 7) == 0 ? ' ' : (char)('a' + (r >> 8) % 4);
    }
    src[BUF - 1] = 0;

    bench_check("length", length(src) == BUF - 1);
    for (int round = 0; round < ROUNDS; round++) {
        size_t off = (size_t)round % 8, n = BUF - 1 - off - (size_t)round % 5;

        fill_bytes(dst, 0, BUF);
        copy_bytes(dst + (round % 3), src + off, n);
        sum = bench_mix(sum, length(dst + (round % 3)));
        sum = bench_mix(sum, (uint64_t)(int64_t)compare(dst + (round % 3), src + off));
        /* a late difference: compare walks almost the whole buffer */
        dst[(round % 3) + n - 2] ^= 1;
        sum = bench_mix(sum, (uint64_t)(int64_t)compare(dst + (round % 3), src + off));
        char needle[12];
        for (int k = 0; k < 11; k++)
            needle[k] = (char)('a' + (bench_rand(&seed) >> 20) % 4);
        needle[11] = 0;
        sum = bench_mix(sum, (uint64_t)find(src, needle));
        needle[5] = 0;
        sum = bench_mix(sum, (uint64_t)find(dst, needle));
    }
    bench_result("strings", sum);
    return 0;
}
