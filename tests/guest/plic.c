/* SPDX-License-Identifier: MIT */
/* The UART's interrupt through the PLIC (source 10), four ways: THR empty
 * to hart 0's M context, to hart 2's M context (another node on virt-2x2),
 * to hart 0's S context through mideleg, and received bytes (plic.input)
 * to hart 0's M context. Each handler claims, reads IIR and completes. */
#include "lib/guest.h"

#define PLIC 0x0c000000ul
#define PRIO(src) (PLIC + 4 * (src))
#define PENDING0 (PLIC + 0x1000)
#define ENABLE0(ctx) (PLIC + 0x2000 + 0x80 * (ctx))
#define THRESHOLD(ctx) (PLIC + 0x200000 + 0x1000 * (ctx))
#define CLAIM(ctx) (THRESHOLD(ctx) + 4)
#define UART_IRQ 10
#define UART_RBR (GUEST_UART_BASE + 0)
#define UART_IER (GUEST_UART_BASE + 1)
#define UART_IIR (GUEST_UART_BASE + 2)
#define UART_LSR (GUEST_UART_BASE + 5)
#define IER_ERBFI 0x01
#define IER_ETBEI 0x02
#define LSR_DR 0x01

#define IRQ_SEI 9
#define IRQ_MEI 11
#define CAUSE_IRQ (1ull << 63)
#define CAUSE_ECALL_S 9
#define MSTATUS_SIE 0x2ull
#define MSTATUS_MIE 0x8ull
#define MSTATUS_MPIE 0x80ull
#define MSTATUS_MPP (3ull << 11)
#define MSTATUS_MPP_S (1ull << 11)

#define CTX_M(hart) (2 * (hart))
#define CTX_S(hart) (2 * (hart) + 1)

static inline uint32_t rd32(uintptr_t a) { return *(volatile uint32_t *)a; }
static inline void wr32(uintptr_t a, uint32_t v) { *(volatile uint32_t *)a = v; }
static inline uint8_t rd8(uintptr_t a) { return *(volatile uint8_t *)a; }
static inline void wr8(uintptr_t a, uint8_t v) { *(volatile uint8_t *)a = v; }

/* What one external interrupt handler saw. */
typedef struct {
    volatile uint64_t count;    /* interrupts that claimed a source */
    volatile uint64_t spurious; /* claims of 0, or with no UART cause (not printed) */
    volatile uint64_t cause, hart, id, iir;
} Seen;

static Seen seen_m[4], seen_s;
static volatile uint64_t go_hart2;
static char rx_line[64];
static volatile unsigned rx_len;
static volatile uint64_t rx_done;

/* Claim, look at the UART, quiet it, complete. THRE is silenced by
 * clearing IER (printing would raise it again); received bytes (only when
 * IIR says so: they belong to the last phase) are drained, which lowers
 * the line by itself. */
static void external(Seen *seen, unsigned ctx, uint64_t cause, uint64_t hart)
{
    uint32_t id = rd32(CLAIM(ctx));
    if (id == 0) {
        seen->spurious++;
        return;
    }
    uint8_t iir = rd8(UART_IIR);
    if (iir & 0x01) {
        /* QEMU can leave the source pending after the UART's cause is
         * gone (received bytes arrive from another thread): nothing to do */
        wr32(CLAIM(ctx), id);
        seen->spurious++;
        return;
    }
    if ((iir & 0x0f) == 0x02)
        wr8(UART_IER, 0);
    while (((iir & 0x0f) == 0x04 || (iir & 0x0f) == 0x0c) && (rd8(UART_LSR) & LSR_DR)) {
        char c = (char)rd8(UART_RBR);
        if (rx_len < sizeof(rx_line) - 1 && !rx_done)
            rx_line[rx_len++] = c;
        if (c == '\n')
            rx_done = 1;
    }
    seen->cause = cause;
    seen->hart = hart;
    seen->id = id;
    seen->iir = iir;
    wr32(CLAIM(ctx), id);
    seen->count++;
}

static int m_hook(GuestTrapFrame *f)
{
    uint64_t hart = CSR_READ(mhartid);
    if (f->mcause == (CAUSE_IRQ | IRQ_MEI) && hart < 4) {
        external(&seen_m[hart], CTX_M(hart), f->mcause, hart);
        return 1;
    }
    if (f->mcause == CAUSE_ECALL_S) { /* back from S-mode, into M-mode */
        f->mepc += 4;
        f->mstatus |= MSTATUS_MPP;
        f->mstatus &= ~MSTATUS_MPIE; /* M-mode goes on with MIE clear */
        return 1;
    }
    return 0;
}

__attribute__((interrupt("supervisor"), aligned(4))) static void s_trap(void)
{
    uint64_t scause = CSR_READ(scause);
    if (scause == (CAUSE_IRQ | IRQ_SEI)) {
        external(&seen_s, CTX_S(0), scause, 0);
        return;
    }
    guest_puts("unexpected S-mode trap: scause=");
    guest_put_hex(scause);
    guest_putc('\n');
    guest_exit(98);
}

/* Waits for *@flag with interrupts masked, opening the window only after
 * WFI saw one pending: testing the flag and then sleeping with interrupts
 * enabled would lose an interrupt taken between the two. @ie is MIE or
 * SIE, for the mode we run in. */
static void wait_for(volatile uint64_t *flag, uint64_t ie)
{
    while (!*flag) {
        asm volatile("wfi");
        if (ie == MSTATUS_SIE)
            asm volatile("csrs sstatus, %0\n\tcsrc sstatus, %0" : : "r"(ie));
        else
            asm volatile("csrs mstatus, %0\n\tcsrc mstatus, %0" : : "r"(ie));
    }
}

void guest_secondary(uint64_t hartid)
{
    if (hartid == 2) {
        while (!go_hart2) {
        }
        asm volatile("csrs mie, %0" : : "r"(1ull << IRQ_MEI));
        wait_for(&seen_m[2].count, MSTATUS_MIE);
    }
    for (;;)
        asm volatile("wfi");
}

/* Runs @fn in S-mode (mret to it, ecall back; m_hook returns to M). */
static void run_in_s_mode(void (*fn)(void))
{
    asm volatile("csrc mstatus, %[mpp]\n\t"
                 "csrs mstatus, %[mpp_s]\n\t"
                 "la t0, 1f\n\t"
                 "csrw mepc, t0\n\t"
                 "mret\n"
                 "1:\tjalr %[fn]\n\t"
                 "ecall"
                 :
                 : [fn] "r"(fn), [mpp] "r"(MSTATUS_MPP), [mpp_s] "r"(MSTATUS_MPP_S)
                 : "ra", "t0", "t1", "t2", "t3", "t4", "t5", "t6", "a0", "a1", "a2", "a3",
                   "a4", "a5", "a6", "a7", "memory");
}

static void s_body(void)
{
    asm volatile("csrs sie, %0" : : "r"(1ull << IRQ_SEI));
    wr8(UART_IER, IER_ETBEI);
    wait_for(&seen_s.count, MSTATUS_SIE);
}

static void report(const char *what, const Seen *s, uint64_t cause, uint64_t hart)
{
    guest_puts(what);
    guest_putc('\n');
    check_u64("  interrupts", s->count, 1);
    check_u64("  cause", s->cause, cause);
    check_u64("  hart", s->hart, hart);
    check_u64("  claimed source", s->id, UART_IRQ);
    check_u64("  IIR (THR empty)", s->iir & 0x0f, 0x02);
}

int main(void)
{
    guest_trap_hook = m_hook;
    wr8(UART_IER, 0);
    check_u64("pending with IER clear", rd32(PENDING0) & (1u << UART_IRQ), 0);
    wr32(PRIO(UART_IRQ), 1);
    wr32(ENABLE0(CTX_M(0)), 1u << UART_IRQ);
    wr32(THRESHOLD(CTX_M(0)), 0);
    check_u64("claim with nothing pending", rd32(CLAIM(CTX_M(0))), 0);

    /* 1: hart 0, M context */
    asm volatile("csrs mie, %0" : : "r"(1ull << IRQ_MEI));
    wr8(UART_IER, IER_ETBEI);
    wait_for(&seen_m[0].count, MSTATUS_MIE);
    report("THR empty -> hart 0 M", &seen_m[0], CAUSE_IRQ | IRQ_MEI, 0);
    check_u64("pending after IER clear", rd32(PENDING0) & (1u << UART_IRQ), 0);

    /* 2: hart 2, M context: the threshold holds it back until lowered */
    wr32(ENABLE0(CTX_M(0)), 0);
    wr32(THRESHOLD(CTX_M(2)), 1);
    wr32(ENABLE0(CTX_M(2)), 1u << UART_IRQ);
    wr8(UART_IER, IER_ETBEI);
    check_u64("pending, held by threshold", rd32(PENDING0) & (1u << UART_IRQ), 1u << UART_IRQ);
    go_hart2 = 1;
    wr32(THRESHOLD(CTX_M(2)), 0);
    while (seen_m[2].count == 0) {
    }
    wr32(ENABLE0(CTX_M(2)), 0);
    report("THR empty -> hart 2 M", &seen_m[2], CAUSE_IRQ | IRQ_MEI, 2);

    /* 3: hart 0, S context, SEIP delegated */
    wr32(ENABLE0(CTX_S(0)), 1u << UART_IRQ);
    CSR_WRITE(mideleg, 1ull << IRQ_SEI);
    CSR_WRITE(stvec, (uint64_t)(uintptr_t)s_trap);
    CSR_WRITE(pmpaddr0, ~0ull >> 10); /* S-mode may touch everything */
    CSR_WRITE(pmpcfg0, 0x1f);          /* NAPOT, RWX */
    run_in_s_mode(s_body);
    wr32(ENABLE0(CTX_S(0)), 0);
    report("THR empty -> hart 0 S", &seen_s, CAUSE_IRQ | IRQ_SEI, 0);
    check_u64("hart 0 M interrupts so far", seen_m[0].count, 1);

    /* 4: received bytes -> hart 0, M context */
    wr32(ENABLE0(CTX_M(0)), 1u << UART_IRQ);
    wr8(UART_IER, IER_ERBFI);
    wait_for(&rx_done, MSTATUS_MIE);
    wr8(UART_IER, 0);
    rx_line[rx_len] = 0;
    guest_puts("received: ");
    guest_puts(rx_line);
    check_true("RX interrupts", seen_m[0].count >= 2);
    check_u64("IIR (data)", seen_m[0].iir & 0x0f, 0x04);
    return check_finish();
}
