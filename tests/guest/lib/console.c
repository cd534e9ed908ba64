/* SPDX-License-Identifier: MIT */
/* Polling ns16550 console and the sifive_test exit: the only two devices
 * every guest test needs. Polling keeps it usable inside trap handlers and
 * with interrupts off. Built with GUEST_SIFIVE_UART, the console is SiFive's
 * UART at GUEST_SIFIVE_UART_BASE instead (sifive-uart.c). Built with
 * GUEST_BOARD_SIFIVE_U, for QEMU's sifive_u board (configs/sifive-u.conf),
 * which has that UART but no test device: the exit prints its code on a
 * last line and pulls the board's reset line (GPIO pin 10) low. */
#include "guest.h"

#ifdef GUEST_BOARD_SIFIVE_U
#define GUEST_SIFIVE_UART
#endif

#ifdef GUEST_SIFIVE_UART
#define S_TXDATA 0
#define S_RXDATA 1
#define S_TXCTRL 2
#define S_RXCTRL 3
#define S_FLAG 0x80000000u /* txdata: full; rxdata: empty */

static volatile uint32_t *const suart = (volatile uint32_t *)GUEST_SIFIVE_UART_BASE;

void guest_putc(char c)
{
    suart[S_TXCTRL] |= 1; /* txen: clear out of reset */
    while (suart[S_TXDATA] & S_FLAG)
        ;
    suart[S_TXDATA] = (uint8_t)c;
}
#else
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
#endif

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
#ifdef GUEST_SIFIVE_UART
    suart[S_RXCTRL] |= 1; /* rxen */
    for (;;) {
        uint32_t v = suart[S_RXDATA];
        if (!(v & S_FLAG))
            return (int)(v & 0xff);
    }
#else
    while (!(uart[UART_LSR] & LSR_DR))
        ;
    return uart[0];
#endif
}

#ifdef GUEST_BOARD_SIFIVE_U
#define GPIO_OUTPUT_EN 2  /* word offsets in SiFive's GPIO0 */
#define GPIO_OUTPUT_VAL 3

void guest_exit(uint32_t code)
{
    volatile uint32_t *gpio = (volatile uint32_t *)GUEST_GPIO_BASE;
    const uint32_t pin = 1u << GUEST_GPIO_RESTART_PIN;

    /* The code as the line run-guest.sh takes off the output. */
    guest_puts(GUEST_EXIT_MARK);
    guest_put_udec(code);
    guest_putc('\n');
    /* Low before driven, so the pin goes from floating straight to low; a
     * reset request, which QEMU's -no-reboot and shoal's
     * [machine] on-reset=exit turn into the end of the run. */
    gpio[GPIO_OUTPUT_VAL] &= ~pin;
    gpio[GPIO_OUTPUT_EN] |= pin;
    for (;;)
        asm volatile("wfi");
}
#else
void guest_exit(uint32_t code)
{
    volatile uint32_t *test = (volatile uint32_t *)GUEST_TEST_BASE;

    *test = code ? (code << 16) | 0x3333 : 0x5555;
    /* the platform stops us; if it does not, do not run on into garbage */
    for (;;)
        asm volatile("wfi");
}
#endif
