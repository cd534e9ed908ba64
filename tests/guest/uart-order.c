/* SPDX-License-Identifier: MIT */
/* Device writes stay in order across harts (uart-order.harts): the harts
 * take turns, as Linux's harts take the UART's port lock, each writing a
 * line to the UART and then handing the turn on with `fence o,w` before a
 * release store (Linux's mmiowb before spin_unlock). A node posts UART
 * bytes without waiting, each hart on its own connection to the server, so
 * without the fence's meaning honoured (the bytes done before the store is
 * seen) the next hart's bytes overtake the last one's and lines mix. */
#include "lib/guest.h"

#define NHARTS 4
#define ROUNDS 40

static volatile uint64_t turn;

static void take_turns(uint64_t hart)
{
    for (uint64_t round = 0; round < ROUNDS; round++) {
        uint64_t mine = round * NHARTS + hart;
        while (__atomic_load_n(&turn, __ATOMIC_ACQUIRE) != mine)
            asm volatile(".4byte 0x0100000f" ::: "memory"); /* pause */
        guest_puts("hart ");
        guest_put_udec(hart);
        guest_puts(" turn ");
        guest_put_udec(mine);
        guest_puts(": the quick brown fox jumps over the lazy dog\n");
        asm volatile("fence o, w" ::: "memory");
        __atomic_store_n(&turn, mine + 1, __ATOMIC_RELEASE);
    }
}

int main(void)
{
    guest_on_harts(NHARTS, take_turns);
    check_u64("turns taken", turn, NHARTS * ROUNDS);
    return check_finish();
}
