/* SPDX-License-Identifier: MIT */
/* Two harts increment one shared word OPS times each with an LR/SC loop:
 * the figure that shows whether LR/SC pairs complete under contention
 * between nodes (bench/smp-run, with and without the LR lease). */
#include "lib/guest.h"

#define OPS 2000000

static volatile uint64_t counter __attribute__((aligned(4096)));
static volatile uint64_t ready __attribute__((aligned(4096)));
static volatile uint64_t done;

/* Both harts start together, or the first would finish before the other
 * node even ran: no contention to measure. */
static void start_together(void)
{
    asm volatile("amoadd.d zero, %1, (%0)" : : "r"(&ready), "r"(1ull) : "memory");
    while (ready != 2) {
    }
}

static void lrsc_increments(void)
{
    start_together();
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
