/* SPDX-License-Identifier: MIT */
/* Result lines, self-checks and the trap report of the benchmark guests, on
 * the guest tests' console and exit (tests/guest/lib/console.c), plus the
 * few libc functions the compiler may call behind our back. */
#include "bench.h"
#include "lib/guest.h"

void bench_result(const char *name, uint64_t checksum)
{
    guest_puts(name);
    guest_puts(": checksum ");
    guest_put_hex(checksum);
    guest_putc('\n');
}

void bench_check(const char *name, int ok)
{
    if (ok)
        return;
    guest_puts(name);
    guest_puts(": FAIL\n");
    guest_exit(1);
}

void bench_trap(uint64_t mcause, uint64_t mepc, uint64_t mtval)
{
    guest_puts("trap: mcause ");
    guest_put_hex(mcause);
    guest_puts(" mepc ");
    guest_put_hex(mepc);
    guest_puts(" mtval ");
    guest_put_hex(mtval);
    guest_putc('\n');
    guest_exit(99);
}

/* Byte loops: built with -fno-tree-loop-distribute-patterns (see bench/run)
 * so gcc does not turn them back into calls to themselves. */
void *memcpy(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;

    while (n--)
        *d++ = *s++;
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    uint8_t *d = dst;

    while (n--)
        *d++ = (uint8_t)c;
    return dst;
}
