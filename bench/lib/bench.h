/* SPDX-License-Identifier: MIT */
/* The benchmark guest runtime: UART output, exit through sifive_test, a
 * deterministic PRNG and the size switch between full and --quick builds.
 * Every workload prints "NAME: checksum 0x..." lines and returns 0 from main;
 * bench/run compares those lines between QEMU and shoal. */
#ifndef SHOAL_BENCH_H
#define SHOAL_BENCH_H

#include <stddef.h>
#include <stdint.h>

/* BENCH_SIZE(full, quick): the amount of work; bench/run --quick builds
 * with -DBENCH_QUICK so the smoke run stays under a minute. */
#ifdef BENCH_QUICK
#define BENCH_SIZE(full, quick) (quick)
#else
#define BENCH_SIZE(full, quick) (full)
#endif

/* One result line: "NAME: checksum 0x<16 hex digits>\n". */
void bench_result(const char *name, uint64_t checksum);
/* A self-check failed: prints "NAME: FAIL" and exits 1, so a wrong
 * emulator cannot pass by printing the same wrong checksum as another. */
void bench_check(const char *name, int ok);

/* The console and the exit are the guest tests' (tests/guest/lib/guest.h):
 * guest_puts, guest_put_hex, guest_exit. */

/* Called by crt0 on any trap: prints the cause and exits 99, so an
 * emulator without some extension fails fast instead of hanging. */
void bench_trap(uint64_t mcause, uint64_t mepc, uint64_t mtval);

/* xorshift64*: the workloads' only source of "random" data. */
static inline uint64_t bench_rand(uint64_t *state)
{
    uint64_t x = *state;

    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545f4914f6cdd1dull;
}

/* Mixes a value into a running checksum (order-sensitive). */
static inline uint64_t bench_mix(uint64_t sum, uint64_t v)
{
    sum ^= v + 0x9e3779b97f4a7c15ull + (sum << 6) + (sum >> 2);
    return sum;
}

/* The compiler may emit calls to these for struct copies and zeroing. */
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);

int main(void);
#endif
