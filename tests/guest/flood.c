/* SPDX-License-Identifier: MIT */
/* Console flow (tests/integration/console-flow.sh): LINES numbered lines as
 * fast as the UART takes them, then a last line saying whether the
 * transmitter ever read full. Built twice: flood.elf polls LSR's THRE
 * before each byte, as polled console drivers do, and counts the polls
 * that found it clear; flood-blind.elf (-DBLIND) writes THR without
 * looking, as some boot loaders do. Behind a slow reader every byte must
 * still arrive, in order. */
#include "lib/guest.h"

#define LINES 40000
#define UART_THR 0
#define UART_LSR 5
#define LSR_THRE 0x20

static volatile uint8_t *const uart = (volatile uint8_t *)GUEST_UART_BASE;

#ifdef BLIND
static void out(char c)
{
    uart[UART_THR] = (uint8_t)c;
}
#else
static uint64_t full_polls;

static void out(char c)
{
    while (!(uart[UART_LSR] & LSR_THRE))
        full_polls++;
    uart[UART_THR] = (uint8_t)c;
}
#endif

static void out_line(uint64_t n)
{
    char digits[8];
    int i = 0;
    const char *word = "line ";
    while (*word)
        out(*word++);
    do {
        digits[i++] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    while (i > 0)
        out(digits[--i]);
    out('\n');
}

int main(void)
{
    for (uint64_t n = 0; n < LINES; n++)
        out_line(n);
#ifdef BLIND
    guest_puts("flood: done\n");
#else
    guest_puts(full_polls ? "flood: the transmitter read full\n"
                          : "flood: the transmitter never read full\n");
#endif
    return 0;
}
