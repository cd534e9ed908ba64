/* SPDX-License-Identifier: MIT */
/* Two harts increment one shared word OPS times each with an LR/SC loop:
 * the figure that shows whether LR/SC pairs complete under contention
 * between nodes (bench/smp-run, with and without the LR lease). */
#include "lib/guest.h"

#define OPS 200000

static volatile uint64_t counter __attribute__((aligned(4096)));
static volatile uint64_t done;

static void lrsc_increments(void)
{
    for (int i = 0; i < OPS; i++) {
        uint64_t old, failed;
        do {
            asm volatile("lr.d %0, (%2)\n\t"
                         "addi %0, %0, 1\n\t"
                         "sc.d %1, %0, (%2)"
                         : "=&r"(old), "=&r"(failed)
                         : "r"(&counter)
                         : "memory");
        } while (failed != 0);
    }
}

void guest_secondary(uint64_t hartid)
{
    if (hartid == 1) {
        lrsc_increments();
        asm volatile("amoadd.d zero, %1, (%0)" : : "r"(&done), "r"(1ull) : "memory");
    }
    for (;;) {
        asm volatile("wfi");
    }
}

int main(void)
{
    lrsc_increments();
    while (done != 1) {
    }
    int ok = counter == 2ull * OPS;
    guest_puts(ok ? "lr/sc: ok\n" : "lr/sc: WRONG\n");
    guest_exit(ok ? 0 : 1);
}
