/* SPDX-License-Identifier: MIT */
/* mip.SEIP is the OR of a software bit and the PLIC's S-context line, and
 * only the software bit takes part in csrrs/csrrc (privileged spec, mip).
 * OpenSBI sets SSIP with `csrs mip` when an IPI arrives: if that folded a
 * pending external line into the software bit, SEIP would stay up after
 * the line dropped, the hart would take S external interrupts for ever
 * and never the IPI (Linux: a lost cross-call, soft lockups). */
#include "lib/guest.h"

#define PLIC 0x0c000000ul
#define PRIO(src) (PLIC + 4 * (src))
#define ENABLE0(ctx) (PLIC + 0x2000 + 0x80 * (ctx))
#define THRESHOLD(ctx) (PLIC + 0x200000 + 0x1000 * (ctx))
#define CTX_S0 1
#define CLAIM_S0 (THRESHOLD(CTX_S0) + 4)
#define UART_IRQ 10
#define UART_IER (GUEST_UART_BASE + 1)
#define IER_ETBEI 0x02
#define MIP_SSIP (1ull << 1)
#define MIP_SEIP (1ull << 9)
#define WAIT_TICKS 5000000 /* 0.5 s of the 10 MHz time base: the line crosses processes */

static inline void wr32(uintptr_t a, uint32_t v) { *(volatile uint32_t *)a = v; }
static inline void wr8(uintptr_t a, uint8_t v) { *(volatile uint8_t *)a = v; }
static inline uint32_t rd32(uintptr_t a) { return *(volatile uint32_t *)a; }

/* mip & SEIP once it equals @want, or after WAIT_TICKS. */
static uint64_t wait_seip(uint64_t want)
{
    uint64_t start = CSR_READ(time);
    uint64_t seip;
    do {
        seip = CSR_READ(mip) & MIP_SEIP;
    } while (seip != want && CSR_READ(time) - start < WAIT_TICKS);
    return seip;
}

/* THR is empty: the UART asks at once. Lowered, the source is also claimed
 * and completed, since a PLIC may keep it pending until then (QEMU's does). */
static void line(int high)
{
    wr8(UART_IER, high ? IER_ETBEI : 0);
    if (!high) {
        uint32_t id = rd32(CLAIM_S0);
        if (id != 0)
            wr32(CLAIM_S0, id);
    }
}

int main(void)
{
    wr32(PRIO(UART_IRQ), 1);
    wr32(THRESHOLD(CTX_S0), 0);
    wr32(ENABLE0(CTX_S0), 1u << UART_IRQ);

    line(1);
    uint64_t raised = wait_seip(MIP_SEIP);
    asm volatile("csrs mip, %0" : : "r"(MIP_SSIP)); /* what OpenSBI does for an IPI */
    asm volatile("csrc mip, %0" : : "r"(MIP_SSIP));
    line(0);
    uint64_t after_rmw = wait_seip(0);

    /* The software bit alone, and under the line. */
    asm volatile("csrs mip, %0" : : "r"(MIP_SEIP));
    uint64_t soft = CSR_READ(mip) & MIP_SEIP;
    asm volatile("csrc mip, %0" : : "r"(MIP_SEIP));
    uint64_t soft_cleared = CSR_READ(mip) & MIP_SEIP;
    line(1);
    wait_seip(MIP_SEIP);
    asm volatile("csrs mip, %0\n\tcsrc mip, %0" : : "r"(MIP_SEIP));
    uint64_t line_only = CSR_READ(mip) & MIP_SEIP;
    line(0);
    uint64_t none = wait_seip(0);

    check_u64("SEIP raised by the PLIC line", raised, MIP_SEIP);
    check_u64("SEIP after csrs/csrc mip.SSIP and the line dropped", after_rmw, 0);
    check_u64("SEIP set by software", soft, MIP_SEIP);
    check_u64("SEIP cleared by software", soft_cleared, 0);
    check_u64("SEIP with the software bit cleared, line high", line_only, MIP_SEIP);
    check_u64("SEIP with both low", none, 0);
    return check_finish();
}
