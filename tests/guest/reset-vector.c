/* SPDX-License-Identifier: MIT */
/* A node of its own reset vector ([node.1] reset-vector=second_entry,
 * tests/integration/reset-vector.sh): hart 1 does not come through _start
 * at all but starts in second_entry, which writes its mhartid and a1 into
 * a mailbox and parks; hart 0 starts at _start as ever, waits for the
 * mailbox and prints what came. Without the key hart 1 goes through crt0,
 * which parks it: the mailbox stays empty. */
#include "lib/guest.h"

/* In .data (crt0 clears .bss on hart 0, which may run after hart 1 wrote). */
volatile uint64_t mailbox[2] __attribute__((section(".data"))) = { ~0ull, ~0ull };

/* No stack, no gp: only what the reset gives (a0 = mhartid, a1 = the
 * device tree). */
asm(".section .text\n"
    ".globl second_entry\n"
    ".align 2\n"
    "second_entry:\n"
    "  .option push\n"
    "  .option norelax\n"
    "  lla t0, mailbox\n"
    "  .option pop\n"
    "  sd a1, 8(t0)\n"
    "  fence w, w\n"
    "  sd a0, 0(t0)\n"
    "1: wfi\n"
    "  j 1b\n");

/* How long hart 0 waits for hart 1: by the clock, not a count of spins
 * (node 1 is another process, which a sanitizer build starts slowly). */
#define WAIT_TICKS (5 * 10000000ull) /* 5 s at virt's 10 MHz timebase */

int main(void)
{
    volatile uint64_t *mtime = (volatile uint64_t *)GUEST_CLINT_MTIME;
    uint64_t until = *mtime + WAIT_TICKS;
    while (mailbox[0] == ~0ull && *mtime < until) {
    }
    asm volatile("fence r, r");
    if (mailbox[0] == ~0ull) {
        guest_puts("no hart came to second_entry\n");
        guest_exit(1);
    }
    guest_puts("second_entry ran on hart ");
    guest_put_udec(mailbox[0]);
    guest_puts(mailbox[1] != 0 && mailbox[1] != ~0ull ? ", a1 = the device tree\n"
                                                       : ", a1 wrong\n");
    guest_exit(mailbox[1] != 0 && mailbox[1] != ~0ull ? 0 : 1);
}
