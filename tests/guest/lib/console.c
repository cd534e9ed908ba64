/* SPDX-License-Identifier: MIT */
/* Polling ns16550 console and the sifive_test exit: the only two devices
 * every guest test needs. Polling keeps it usable inside trap handlers and
 * with interrupts off. */
#include "guest.h"

#define UART_LSR 5
#define LSR_DR 0x01   /* receive data ready */
#define LSR_THRE 0x20 /* transmit holding register empty */

static volatile uint8_t *const uart = (volatile uint8_t *)GUEST_UART_BASE;

void guest_putc(char c)
{
    while (!(uart[UART_LSR] & LSR_THRE))
        ;
    uart[0] = (uint8_t)c;
}

void guest_puts(const char *s)
{
    while (*s)
        guest_putc(*s++);
}

void guest_put_hex(uint64_t v)
{
    guest_puts("0x");
    for (int shift = 60; shift >= 0; shift -= 4)
        guest_putc("0123456789abcdef"[(v >> shift) & 0xf]);
}

void guest_put_udec(uint64_t v)
{
    char buf[21];
    int i = sizeof(buf) - 1;

    buf[i] = 0;
    do {
        buf[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    guest_puts(&buf[i]);
}

void guest_put_dec(int64_t v)
{
    if (v < 0) {
        guest_putc('-');
        /* negate in unsigned arithmetic: INT64_MIN has no positive twin */
        guest_put_udec(-(uint64_t)v);
    } else {
        guest_put_udec((uint64_t)v);
    }
}

int guest_getc(void)
{
    while (!(uart[UART_LSR] & LSR_DR))
        ;
    return uart[0];
}

void guest_exit(uint32_t code)
{
    volatile uint32_t *test = (volatile uint32_t *)GUEST_TEST_BASE;

    *test = code ? (code << 16) | 0x3333 : 0x5555;
    /* the platform stops us; if it does not, do not run on into garbage */
    for (;;)
        asm volatile("wfi");
}
