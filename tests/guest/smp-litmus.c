/* SPDX-License-Identifier: MIT */
/* RVWMO litmus tests of our own, on four harts (smp-litmus.harts): message
 * passing, store buffering and load buffering with fences, IRIW with
 * fences (RVWMO is multi-copy atomic), 2+2W with fences, and coherence of
 * reads of one location. Each runs ROUNDS times between barriers; only the
 * count of forbidden outcomes is printed, and it must be 0. */
#include "lib/guest.h"

#define NHARTS 4
#define ROUNDS 20

static volatile uint64_t x, y, r[NHARTS][2];
static volatile uint64_t bar_count, bar_sense, ready;

static void barrier(uint64_t *sense)
{
    *sense ^= 1;
    uint64_t arrived;
    asm volatile("amoadd.d.aqrl %0, %2, (%1)" : "=r"(arrived) : "r"(&bar_count), "r"(1ull)
                 : "memory");
    if (arrived == NHARTS - 1) {
        bar_count = 0;
        __atomic_store_n(&bar_sense, *sense, __ATOMIC_RELEASE);
    } else {
        while (__atomic_load_n(&bar_sense, __ATOMIC_ACQUIRE) != *sense) {
        }
    }
}

#define LOAD(p) (*(p))
#define STORE(p, v) (*(p) = (v))
#define FENCE(spec) asm volatile("fence " spec ::: "memory")

typedef enum { MP, SB, LB, IRIW, W22, CORR, N_TESTS } Test;
static const char *const names[N_TESTS] = {
    "MP+fences", "SB+fences", "LB+fences", "IRIW+fences", "2+2W+fences", "CoRR",
};

static void role(Test t, uint64_t h)
{
    switch (t) {
    case MP:
        if (h == 0) { STORE(&x, 1); FENCE("w, w"); STORE(&y, 1); }
        if (h == 1) { r[1][0] = LOAD(&y); FENCE("r, r"); r[1][1] = LOAD(&x); }
        break;
    case SB:
        if (h == 0) { STORE(&x, 1); FENCE("rw, rw"); r[0][0] = LOAD(&y); }
        if (h == 1) { STORE(&y, 1); FENCE("rw, rw"); r[1][0] = LOAD(&x); }
        break;
    case LB:
        if (h == 0) { r[0][0] = LOAD(&x); FENCE("r, w"); STORE(&y, 1); }
        if (h == 1) { r[1][0] = LOAD(&y); FENCE("r, w"); STORE(&x, 1); }
        break;
    case IRIW:
        if (h == 0) { STORE(&x, 1); }
        if (h == 1) { STORE(&y, 1); }
        if (h == 2) { r[2][0] = LOAD(&x); FENCE("r, r"); r[2][1] = LOAD(&y); }
        if (h == 3) { r[3][0] = LOAD(&y); FENCE("r, r"); r[3][1] = LOAD(&x); }
        break;
    case W22:
        if (h == 0) { STORE(&x, 1); FENCE("w, w"); STORE(&y, 2); }
        if (h == 1) { STORE(&y, 1); FENCE("w, w"); STORE(&x, 2); }
        break;
    case CORR:
        if (h == 0) { STORE(&x, 1); STORE(&x, 2); }
        if (h == 1) { r[1][0] = LOAD(&x); r[1][1] = LOAD(&x); }
        break;
    default:
        break;
    }
}

static int forbidden(Test t)
{
    switch (t) {
    case MP: return r[1][0] == 1 && r[1][1] == 0;
    case SB: return r[0][0] == 0 && r[1][0] == 0;
    case LB: return r[0][0] == 1 && r[1][0] == 1;
    case IRIW: return r[2][0] == 1 && r[2][1] == 0 && r[3][0] == 1 && r[3][1] == 0;
    case W22: return x == 1 && y == 1;
    case CORR: return r[1][0] == 2 && r[1][1] == 1;
    default: return 0;
    }
}

static uint64_t bad[N_TESTS];

static void run_all(uint64_t h)
{
    uint64_t sense = 0;
    for (Test t = 0; t < N_TESTS; t++) {
        for (int i = 0; i < ROUNDS; i++) {
            if (h == 0) {
                x = y = 0;
                for (int k = 0; k < NHARTS; k++) {
                    r[k][0] = r[k][1] = 0;
                }
            }
            barrier(&sense);
            role(t, h);
            barrier(&sense);
            if (h == 0 && forbidden(t)) {
                bad[t]++;
            }
        }
    }
}

int main(void)
{
    guest_on_harts(NHARTS, run_all);
    for (Test t = 0; t < N_TESTS; t++) {
        check_u64(names[t], bad[t], 0);
    }
    guest_exit((uint32_t)check_finish());
}
