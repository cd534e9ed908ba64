/* SPDX-License-Identifier: MIT */
/* The demo: a friendly banner built only from facts both shoal and QEMU
 * virt agree on (misa's MXL, mhartid), so the same ELF prints the same. */
#include "lib/guest.h"

int main(void)
{
    uint64_t misa = CSR_READ(misa);
    unsigned xlen = 16u << (misa >> 62); /* MXL: 1 => 32, 2 => 64, 3 => 128 */

    guest_puts("Hello from shoal!\n");
    guest_puts("This is a bare-metal RV");
    guest_put_udec(xlen);
    guest_puts(" program on hart ");
    guest_put_udec(CSR_READ(mhartid));
    guest_puts(", talking to you through the ns16550 UART.\n");
    guest_puts("Goodbye (exiting through sifive_test).\n");
    return 0;
}
