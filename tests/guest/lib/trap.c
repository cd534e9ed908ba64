/* SPDX-License-Identifier: MIT */
/* Trap dispatch behind trap-entry.S: a test's hook first, then the default
 * that reports an unexpected trap and fails the run. */
#include "guest.h"

volatile GuestTrapHook guest_trap_hook;

void guest_trap_dispatch(GuestTrapFrame *frame);

void guest_trap_dispatch(GuestTrapFrame *frame)
{
    GuestTrapHook hook = guest_trap_hook;

    if (hook && hook(frame))
        return;
    guest_puts("unexpected trap: mcause=");
    guest_put_hex(frame->mcause);
    guest_puts(" mepc=");
    guest_put_hex(frame->mepc);
    guest_puts(" mtval=");
    guest_put_hex(frame->mtval);
    guest_putc('\n');
    guest_exit(99);
}
