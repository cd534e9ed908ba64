/* SPDX-License-Identifier: MIT */
/* Sorting: quicksort and a bottom-up mergesort over a large array of
 * pseudo-random 64-bit keys. Stresses data-dependent branches, loads and
 * stores with poor locality, and the recursion in quicksort. */
#include "lib/bench.h"

#define N BENCH_SIZE(200000, 20000)
#define ROUNDS BENCH_SIZE(14, 1)

static int64_t keys[N];
static int64_t tmp[N];

static void quicksort(int64_t *a, long lo, long hi)
{
    while (hi - lo > 16) {
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
    /* insertion sort for the short runs quicksort leaves */
    for (long i = lo + 1; i <= hi; i++) {
        int64_t v = a[i];
        long j = i - 1;

        while (j >= lo && a[j] > v) {
            a[j + 1] = a[j];
            j--;
        }
        a[j + 1] = v;
    }
}

static void mergesort(int64_t *a, int64_t *scratch, long n)
{
    int64_t *src = a, *dst = scratch;

    for (long width = 1; width < n; width *= 2) {
        for (long lo = 0; lo < n; lo += 2 * width) {
            long mid = lo + width < n ? lo + width : n;
            long hi = lo + 2 * width < n ? lo + 2 * width : n;
            long i = lo, j = mid, k = lo;

            while (i < mid && j < hi)
                dst[k++] = src[i] <= src[j] ? src[i++] : src[j++];
            while (i < mid)
                dst[k++] = src[i++];
            while (j < hi)
                dst[k++] = src[j++];
        }
        int64_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != a)
        for (long i = 0; i < n; i++)
            a[i] = src[i];
}

static uint64_t fill(uint64_t *seed)
{
    uint64_t sum = 0;

    for (long i = 0; i < N; i++) {
        keys[i] = (int64_t)bench_rand(seed) >> 8;
        sum += (uint64_t)keys[i];
    }
    return sum;
}

static uint64_t digest(uint64_t want_sum, const char *what)
{
    uint64_t sum = 0, h = 0;

    for (long i = 0; i < N; i++) {
        sum += (uint64_t)keys[i];
        if (i)
            bench_check(what, keys[i - 1] <= keys[i]);
        if ((i & 1023) == 0)
            h = bench_mix(h, (uint64_t)keys[i]);
    }
    bench_check(what, sum == want_sum);
    return h;
}

int main(void)
{
    uint64_t seed = 0x1234567887654321ull, qs = 0, ms = 0;

    for (int r = 0; r < ROUNDS; r++) {
        uint64_t sum = fill(&seed);
        quicksort(keys, 0, N - 1);
        qs = bench_mix(qs, digest(sum, "quicksort"));

        sum = fill(&seed);
        mergesort(keys, tmp, N);
        ms = bench_mix(ms, digest(sum, "mergesort"));
    }
    bench_result("quicksort", qs);
    bench_result("mergesort", ms);
    return 0;
}
