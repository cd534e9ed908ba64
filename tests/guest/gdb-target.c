/* SPDX-License-Identifier: MIT */
/* What tests/integration/gdb.sh debugs on four harts: the last hart (on
 * node 1 of virt-2x2) calls far_work(); once it is done the first (node 0)
 * writes `shared` while the others read it; and the exit code is
 * `exit_status`, which the debugger changes to show its writes land. */
#include "lib/guest.h"

#define NHARTS 4
#define ROUNDS 5

volatile uint64_t shared;
volatile uint64_t far_calls;
volatile uint32_t exit_status = 3;

__attribute__((noinline)) uint64_t far_work(uint64_t round)
{
    far_calls = far_calls + 1;
    return round * 7;
}

static void work(uint64_t hart)
{
    uint64_t sum = 0;
    for (uint64_t round = 0; round < ROUNDS; round++) {
        if (hart == NHARTS - 1)
            sum += far_work(round);
        else if (hart == 0) {
            while (far_calls < ROUNDS)
                asm volatile(".4byte 0x0100000f" ::: "memory"); /* pause */
            shared = round + 1;
        }
        else
            sum += shared;
    }
    (void)sum;
}

int main(void)
{
    guest_on_harts(NHARTS, work);
    guest_puts("gdb-target: far_work ran ");
    guest_put_udec(far_calls);
    guest_puts(" times\n");
    return (int)exit_status;
}
