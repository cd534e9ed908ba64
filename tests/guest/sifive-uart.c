/* SPDX-License-Identifier: MIT */
/* SiFive's UART as the console (sifive-uart.conf: no ns16550, a
 * sifive_uart at 0x10010000 on PLIC source 4; this test and the runtime
 * built with GUEST_SIFIVE_UART). Reset values, what the registers keep,
 * the watermark conditions in ip, and the line through the PLIC (pending
 * once ip & ie, claimed by hart 0's M context). Then reads the bytes of
 * sifive-uart.input through rxdata. The same ELF prints the same on QEMU's
 * sifive_u (UART0 and PLIC at these addresses) up to its exit, which has
 * no sifive_test there. */
#include "lib/guest.h"

#define R(off) (*(volatile uint32_t *)(GUEST_SIFIVE_UART_BASE + (off)))
#define TXDATA 0x00
#define RXDATA 0x04
#define TXCTRL 0x08
#define RXCTRL 0x0c
#define IE 0x10
#define IP 0x14
#define DIV 0x18
#define UART_IRQ 4
#define PLIC_PRIORITY(src) (*(volatile uint32_t *)(0x0c000000ul + 4 * (src)))
#define PLIC_PENDING (*(volatile uint32_t *)0x0c001000ul)
#define PLIC_ENABLE0 (*(volatile uint32_t *)0x0c002000ul)    /* context 0: hart 0 M */
#define PLIC_THRESHOLD0 (*(volatile uint32_t *)0x0c200000ul)
#define PLIC_CLAIM0 (*(volatile uint32_t *)0x0c200004ul)

int main(void)
{
    /* before anything printed: the reset state */
    uint32_t txctrl = R(TXCTRL), rxctrl = R(RXCTRL), ie = R(IE), ip = R(IP);
    check_u64("txctrl at reset", txctrl, 0);
    check_u64("rxctrl at reset", rxctrl, 0);
    check_u64("ie at reset", ie, 0);
    check_u64("ip at reset (watermarks 0)", ip, 0);
    check_u64("txdata with txen set", R(TXDATA), 0);
    check_u64("rxdata with nothing received", R(RXDATA), 0x80000000u);

    R(DIV) = 0x21e;
    check_u64("div keeps 16 bits", R(DIV), 0x21e);
    R(TXCTRL) = 0x1 | (1u << 16); /* txen, txcnt 1 */
    check_u64("txctrl keeps txen, txcnt", R(TXCTRL), 0x10001);
    check_u64("ip: tx FIFO below txcnt", R(IP) & 1, 1);

    PLIC_PRIORITY(UART_IRQ) = 1;
    check_u64("PLIC pending without ie", (PLIC_PENDING >> UART_IRQ) & 1, 0);
    R(IE) = 0x1;
    check_u64("PLIC pending with ie.txwm", (PLIC_PENDING >> UART_IRQ) & 1, 1);
    /* Claimed while the line is high: QEMU's PLIC keeps a request pending
     * until its claim even if the line drops first, shoal's follows the
     * line, so the order here is the one both agree on. */
    PLIC_ENABLE0 = 1u << UART_IRQ;
    PLIC_THRESHOLD0 = 0;
    uint32_t claimed = PLIC_CLAIM0;
    check_u64("PLIC claim", claimed, UART_IRQ);
    R(IE) = 0;
    PLIC_CLAIM0 = claimed; /* (what is pending after differs between the two PLICs) */

    R(RXCTRL) = 0x1 | (2u << 16); /* rxen, rxcnt 2 */
    guest_puts("input: ");
    for (int i = 0; i < 5; i++)
        guest_putc((char)guest_getc());
    guest_putc('\n');
    return check_finish();
}
