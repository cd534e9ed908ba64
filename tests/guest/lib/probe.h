/* SPDX-License-Identifier: MIT */
/* Trap probes for C tests: PROBE runs a snippet whose instruction at local
 * label 1 may trap, and records what the trap handler saw (cause, mepc
 * relative to that instruction, mtval) so the test can check each field. */
#ifndef SHOAL_GUEST_PROBE_H
#define SHOAL_GUEST_PROBE_H

#include "guest.h"

typedef struct {
    uint64_t count;   /* traps taken during the probe */
    uint64_t cause;   /* mcause of the last one */
    uint64_t epc;     /* its mepc */
    uint64_t tval;    /* its mtval */
    uint64_t mstatus; /* mstatus as the handler saw it */
    uint64_t at;      /* address of the probed instruction (label 1) */
} Probe;

extern volatile Probe probe;
/* Address to resume at after the next trap instead of mepc + length (for
 * faults where mepc itself cannot be read, e.g. a fetch fault). */
extern volatile uint64_t probe_resume;

/* Installs the probe hook: records into `probe`, skips the trapping
 * instruction (2 or 4 bytes) and returns. */
void probe_install(void);
void probe_reset(void);

/* The snippet must define local label 1 on the probed instruction; it may
 * use t0, t1, a0 and read the operand as %1. */
#define PROBE(snippet, arg) do { \
        uint64_t at_; \
        probe_reset(); \
        asm volatile("lla %0, 1f\n" snippet \
                     : "=&r"(at_) : "r"(arg) : "memory", "t0", "t1", "a0", "ra"); \
        probe.at = at_; \
    } while (0)

#endif
