/* SPDX-License-Identifier: MIT */
/* The trap hook behind PROBE (see probe.h). */
#include "probe.h"

volatile Probe probe;
volatile uint64_t probe_resume;

static int probe_hook(GuestTrapFrame *frame)
{
    probe.count++;
    probe.cause = frame->mcause;
    probe.epc = frame->mepc;
    probe.tval = frame->mtval;
    probe.mstatus = CSR_READ(mstatus);
    if (probe_resume) {
        frame->mepc = probe_resume;
        probe_resume = 0;
    } else {
        /* low two bits 11 => 32-bit instruction, else compressed */
        frame->mepc += (*(volatile uint16_t *)frame->mepc & 3) == 3 ? 4 : 2;
    }
    return 1;
}

void probe_install(void)
{
    guest_trap_hook = probe_hook;
}

void probe_reset(void)
{
    probe.count = probe.cause = probe.epc = probe.tval = probe.mstatus = 0;
}
