/* SPDX-License-Identifier: MIT */
/* RVWMO litmus tests of our own, on four harts (smp-litmus.harts): message
 * passing, store buffering and load buffering with fences, IRIW with
 * fences (RVWMO is multi-copy atomic), 2+2W with fences, and coherence of
 * reads of one location. Each runs ROUNDS times between barriers; only the
 * count of forbidden outcomes is printed, and it must be 0. x, y, the
 * results and the barrier each have a page of their own, so across nodes
 * x and y move through separate directory transactions (on one page, the
 * protocol would order them for free). The barrier's wait pauses
 * (Zihintpause), so a waiting hart gives its host core to the harts it waits
 * for. Store buffering, the one shape x86-TSO itself can show (a missing
 * host fence for fence rw,rw would), runs SB_SLOTS times back to back per
 * round on slots of its own, so the two harts' attempts overlap in time
 * after each barrier. `make litmus-stress` runs 10000 rounds. */
#include "lib/guest.h"

#define NHARTS 4
#ifndef ROUNDS
#define ROUNDS 1000
#endif
#define PAGE __attribute__((aligned(4096)))

#define SB_SLOTS 16

static volatile uint64_t x PAGE, y PAGE, r[NHARTS][2] PAGE;
static volatile uint64_t sb_x[SB_SLOTS] PAGE, sb_y[SB_SLOTS] PAGE, sb_r[2][SB_SLOTS] PAGE;
static volatile struct {
    uint64_t count, sense;
} bar PAGE;

static inline void pause_hint(void)
{
    __asm__ volatile(".4byte 0x0100000f" ::: "memory"); /* pause, for any assembler */
}

static void barrier(uint64_t *sense)
{
    *sense ^= 1;
    uint64_t arrived;
    asm volatile("amoadd.d.aqrl %0, %2, (%1)" : "=r"(arrived) : "r"(&bar.count), "r"(1ull)
                 : "memory");
    if (arrived == NHARTS - 1) {
        bar.count = 0;
        __atomic_store_n(&bar.sense, *sense, __ATOMIC_RELEASE);
    } else {
        while (__atomic_load_n(&bar.sense, __ATOMIC_ACQUIRE) != *sense) {
            pause_hint();
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
        for (int i = 0; i < SB_SLOTS && h < 2; i++) {
            if (h == 0) { STORE(&sb_x[i], 1); FENCE("rw, rw"); sb_r[0][i] = LOAD(&sb_y[i]); }
            if (h == 1) { STORE(&sb_y[i], 1); FENCE("rw, rw"); sb_r[1][i] = LOAD(&sb_x[i]); }
        }
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
    case SB: {
        int seen = 0;
        for (int i = 0; i < SB_SLOTS; i++)
            seen |= sb_r[0][i] == 0 && sb_r[1][i] == 0;
        return seen;
    }
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
                for (int k = 0; k < SB_SLOTS; k++) {
                    sb_x[k] = sb_y[k] = 0;
                    sb_r[0][k] = sb_r[1][k] = 0;
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
