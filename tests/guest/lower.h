/* SPDX-License-Identifier: MIT */
/* Running below M-mode from a test: lower_call (lower.S) runs a function
 * in S or U, mprv_ld/mprv_sd make one access as S or U would (MPRV), and
 * a trap hook records the last trap (t_*) and resumes after it. */
#ifndef SHOAL_GUEST_LOWER_H
#define SHOAL_GUEST_LOWER_H

#include "lib/guest.h"

#define MSTATUS_MPRV (1ull << 17)
#define MSTATUS_SUM (1ull << 18)
#define MSTATUS_MXR (1ull << 19)
#define MSTATUS_TVM (1ull << 20)
#define MSTATUS_TW (1ull << 21)
#define MSTATUS_TSR (1ull << 22)
#define MPP_MASK (3ull << 11)

/* Runs fn(arg) in privilege @mpp (0 = U, 1 = S); returns its a0. */
uint64_t lower_call(uint64_t mpp, uint64_t fn, uint64_t arg);
void lower_exit(void);
void lower_back(void);
/* The S-mode handler: s_trap_rec = { count, scause, stval, sepc } of the
 * first delegated trap since it was zeroed. */
void s_trap_entry(void);
extern volatile uint64_t s_trap_rec[5];

/* The last trap M-mode took, and how many; t_resume: where to go after
 * the next one instead of past the trapping instruction (needed when
 * mepc is not an M-mode address). */
static volatile uint64_t t_count, t_cause, t_tval, t_epc, t_resume;

static int lower_hook(GuestTrapFrame *f)
{
    if ((f->mcause == 8 || f->mcause == 9) && f->mepc == (uint64_t)lower_exit) {
        f->mepc = (uint64_t)lower_back;
        f->mstatus |= MPP_MASK;
        return 1;
    }
    t_count++;
    t_cause = f->mcause;
    t_tval = f->mtval;
    t_epc = f->mepc;
    if (f->mcause >> 63) {
        /* An interrupt: mepc is where to go on; mask them all. */
        CSR_WRITE(mie, 0);
        return 1;
    }
    if (t_resume) {
        f->mepc = t_resume;
        t_resume = 0;
    } else {
        f->mepc += (*(volatile uint16_t *)f->mepc & 3) == 3 ? 4 : 2;
    }
    return 1;
}

static inline void lower_install(void)
{
    guest_trap_hook = lower_hook;
}

static inline void reset_trap(void)
{
    t_count = t_cause = t_tval = t_epc = 0;
}

/* A load or store in M-mode with MPRV: checked and translated as @mpp's. */
static inline uint64_t mprv_ld(uint64_t mpp, uint64_t extra, uint64_t va)
{
    uint64_t v = 0xdeadull;
    uint64_t set = MSTATUS_MPRV | extra | (mpp << 11);
    asm volatile("li t0, %[clr]\n"
                 "csrc mstatus, t0\n"
                 "csrs mstatus, %[set]\n"
                 ".option push\n.option norvc\n"
                 "ld %[v], 0(%[va])\n"
                 ".option pop\n"
                 "csrc mstatus, t0\n"
                 : [v] "+r"(v)
                 : [set] "r"(set), [va] "r"(va),
                   [clr] "i"(MSTATUS_MPRV | MSTATUS_SUM | MSTATUS_MXR | MPP_MASK)
                 : "t0", "memory");
    return v;
}

static inline void mprv_sd(uint64_t mpp, uint64_t extra, uint64_t va, uint64_t v)
{
    uint64_t set = MSTATUS_MPRV | extra | (mpp << 11);
    asm volatile("li t0, %[clr]\n"
                 "csrc mstatus, t0\n"
                 "csrs mstatus, %[set]\n"
                 ".option push\n.option norvc\n"
                 "sd %[v], 0(%[va])\n"
                 ".option pop\n"
                 "csrc mstatus, t0\n"
                 :
                 : [set] "r"(set), [va] "r"(va), [v] "r"(v),
                   [clr] "i"(MSTATUS_MPRV | MSTATUS_SUM | MSTATUS_MXR | MPP_MASK)
                 : "t0", "memory");
}

#endif
