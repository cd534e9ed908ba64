/* SPDX-License-Identifier: MIT */
/* The example bridge program of sysc-bridge/examples (regbank.conf), built
 * against the installed libshoal-sysc: registers read back what was
 * written (through b_transport and through the model's DMI), register 0
 * drives PLIC source 22 (polled in the pending bits). */
#include "sysc.h"

#define REGS 0x10020000ul
#define REGS_IRQ 22
#define PLIC_PENDING (PLIC + 0x1000)

int main(void)
{
    wr32(PLIC_PRIO(REGS_IRQ), 1);
    for (int i = 0; i < 3; i++) { /* the first access grants DMI, later ones use it */
        wr64(REGS + 8, 0x1122334455667788ull + (uint64_t)i);
        check_u64("reg 8", rd64(REGS + 8), 0x1122334455667788ull + (uint64_t)i);
    }
    wr32(REGS + 0x40, 0xcafe);
    check_u64("reg 0x40", rd32(REGS + 0x40), 0xcafe);
    check_u64("line low", (rd32(PLIC_PENDING) >> REGS_IRQ) & 1, 0);
    wr32(REGS, 1);
    check_u64("line high after reg 0 = 1", (rd32(PLIC_PENDING) >> REGS_IRQ) & 1, 1);
    return check_finish();
}
