/* SPDX-License-Identifier: MIT */
/* The CLINT's msip register reads back what the hart's software interrupt
 * line is (bit 0 only), and writing it moves mip.MSIP at once. Interrupts
 * stay disabled (mie = 0), so the pending IPI is only looked at. */
#include "lib/guest.h"

#define CLINT_MSIP ((volatile uint32_t *)0x2000000ul)
#define MIP_MSIP (1ull << 3)

int main(void)
{
    CSR_WRITE(mie, 0);
    check_u64("msip after reset", CLINT_MSIP[0], 0);
    CLINT_MSIP[0] = 1;
    check_u64("msip after writing 1", CLINT_MSIP[0], 1);
    check_u64("mip.MSIP after writing 1", CSR_READ(mip) & MIP_MSIP, MIP_MSIP);
    CLINT_MSIP[0] = 0;
    check_u64("msip after writing 0", CLINT_MSIP[0], 0);
    check_u64("mip.MSIP after writing 0", CSR_READ(mip) & MIP_MSIP, 0);
    CLINT_MSIP[0] = 0xfffffffeu;
    check_u64("msip after writing bit 0 clear, others set", CLINT_MSIP[0], 0);
    CLINT_MSIP[0] = 0xffffffffu;
    check_u64("msip after writing all ones", CLINT_MSIP[0], 1);
    CLINT_MSIP[0] = 0;
    guest_exit((uint32_t)check_finish());
}
