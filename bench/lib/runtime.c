/* SPDX-License-Identifier: MIT */
/* Polling ns16550 output at 0x10000000 and the sifive_test exit at 0x100000
 * (QEMU virt's addresses, which shoal's virt.conf mirrors), plus the few
 * libc functions the compiler may call behind our back. */
#include "bench.h"

#define UART_BASE 0x10000000ul
#define UART_LSR 5
#define LSR_THRE 0x20 /* transmit holding register empty */
#define TEST_BASE 0x100000ul

static volatile uint8_t *const uart = (volatile uint8_t *)UART_BASE;

void bench_putc(char c)
{
    while (!(uart[UART_LSR] & LSR_THRE))
        ;
    uart[0] = (uint8_t)c;
}

void bench_puts(const char *s)
{
    while (*s)
        bench_putc(*s++);
}

void bench_put_hex(uint64_t v)
{
    bench_puts("0x");
    for (int shift = 60; shift >= 0; shift -= 4)
        bench_putc("0123456789abcdef"[(v >> shift) & 0xf]);
}

void bench_put_udec(uint64_t v)
{
    char buf[21];
    int i = sizeof(buf) - 1;

    buf[i] = 0;
    do {
        buf[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    bench_puts(&buf[i]);
}

void bench_result(const char *name, uint64_t checksum)
{
    bench_puts(name);
    bench_puts(": checksum ");
    bench_put_hex(checksum);
    bench_putc('\n');
}

void bench_check(const char *name, int ok)
{
    if (ok)
        return;
    bench_puts(name);
    bench_puts(": FAIL\n");
    bench_exit(1);
}

void bench_exit(uint32_t code)
{
    volatile uint32_t *test = (volatile uint32_t *)TEST_BASE;

    *test = code ? (code << 16) | 0x3333 : 0x5555;
    /* the platform stops us; if it does not, do not run on into garbage */
    for (;;)
        asm volatile("wfi");
}

void bench_trap(uint64_t mcause, uint64_t mepc, uint64_t mtval)
{
    bench_puts("trap: mcause ");
    bench_put_hex(mcause);
    bench_puts(" mepc ");
    bench_put_hex(mepc);
    bench_puts(" mtval ");
    bench_put_hex(mtval);
    bench_putc('\n');
    bench_exit(99);
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
