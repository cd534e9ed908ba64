/* SPDX-License-Identifier: MIT */
/* Zihintpause: pause is a hint (fence w,0), so a loop of them changes no
 * state but the loop's own; shoal gives the host core up on each (the
 * hart's pauses show in --stats), QEMU ends its block. Both print the same. */
#include "lib/guest.h"

#define ROUNDS 1000

static inline void pause_hint(void)
{
    __asm__ volatile(".4byte 0x0100000f" ::: "memory"); /* pause, for any assembler */
}

int main(void)
{
    unsigned long sum = 0;
    for (unsigned i = 0; i < ROUNDS; i++) {
        pause_hint();
        sum += i;
    }
    guest_puts("pause: ");
    guest_put_udec(ROUNDS);
    guest_puts(" pauses, sum ");
    guest_put_udec(sum);
    guest_puts("\n");
    return 0;
}
