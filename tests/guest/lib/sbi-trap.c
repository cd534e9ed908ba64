/* SPDX-License-Identifier: MIT */
/* An S-mode guest test took a trap it did not expect: say which and end
 * the run through SBI, so the output shows it and nothing hangs. */
#include "guest.h"
#include "sbi.h"

__attribute__((noreturn)) void sbi_trap_report(void);

void sbi_trap_report(void)
{
    guest_puts("FAIL unexpected trap: scause ");
    guest_put_hex(CSR_READ(scause));
    guest_puts(" sepc ");
    guest_put_hex(CSR_READ(sepc));
    guest_puts(" stval ");
    guest_put_hex(CSR_READ(stval));
    guest_puts("\n");
    sbi_shutdown();
    __builtin_unreachable();
}
