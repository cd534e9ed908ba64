/* SPDX-License-Identifier: MIT */
/* Work on several harts: hart 0 hands one function to harts 0..n-1 and
 * waits until every one has returned from it. The other harts wait for the
 * function in crt0's default guest_secondary, spinning (a test that starts
 * them this way has nothing else for them to do), and park after it. */
#include "guest.h"

static void (*volatile work)(uint64_t hartid);
static volatile uint64_t work_harts, work_returned;

static void run(uint64_t hartid, void (*fn)(uint64_t))
{
    fn(hartid);
    __atomic_add_fetch(&work_returned, 1, __ATOMIC_RELEASE);
}

void guest_harts_secondary(uint64_t hartid)
{
    void (*fn)(uint64_t);
    while ((fn = __atomic_load_n(&work, __ATOMIC_ACQUIRE)) == 0) {
    }
    if (hartid < work_harts)
        run(hartid, fn);
}

void guest_on_harts(uint64_t n, void (*fn)(uint64_t hartid))
{
    work_harts = n;
    __atomic_store_n(&work, fn, __ATOMIC_RELEASE); /* after work_harts */
    run(0, fn);
    while (__atomic_load_n(&work_returned, __ATOMIC_ACQUIRE) != n) {
    }
}
