/* SPDX-License-Identifier: MIT */
/* The SystemC DMA engine (configs/virt-sysc.conf, shoal only): hart 0
 * copies a buffer spanning pages and waits for the completion interrupt
 * through the PLIC; then the engine copies new code over a function that
 * hart 1 (the other node) has been running, and hart 1 must run the new
 * code after FENCE.I: DMA drops stale translations on every node. A model
 * answering with a TLM error is an access fault. */
#include "lib/probe.h"
#include "sysc.h"

#define LEN (2 * 4096 + 300)
#define RET 0x00008067u

static uint8_t src[LEN + 64] __attribute__((aligned(4096)));
static uint8_t dst[LEN + 64] __attribute__((aligned(4096)));
/* Longer than the bridge's 64 KiB messages: one engine chunk (256 KiB)
 * becomes several messages in flight, unaligned at both ends. */
#define BIG (200 * 1024 + 123)
static uint8_t big_src[BIG + 64] __attribute__((aligned(4096)));
static uint8_t big_dst[BIG + 64] __attribute__((aligned(4096)));
static uint32_t code[16] __attribute__((aligned(4096)));
static uint32_t new_code[16] __attribute__((aligned(64)));

static volatile uint64_t dma_irqs, dma_status, claimed;
static volatile uint64_t code_ready, hart1_ran, hart1_go, hart1_result;

static uint32_t addi_a0(int32_t imm)
{
    return ((uint32_t)imm & 0xfff) << 20 | 0u << 15 | 10u << 7 | 0x13; /* li a0, imm */
}

typedef uint64_t (*Fn)(void);

static int on_trap(GuestTrapFrame *f)
{
    if (f->mcause == (CAUSE_IRQ | IRQ_MEI)) {
        uint32_t id = rd32(PLIC_CLAIM(CTX_M(0)));
        if (id == DMA_IRQ) {
            dma_status = rd32(DMA_STATUS);
            wr32(DMA_STATUS, DMA_DONE | DMA_ERROR); /* lowers the line */
            dma_irqs++;
            claimed = id;
        }
        if (id)
            wr32(PLIC_CLAIM(CTX_M(0)), id);
        return 1;
    }
    return 0;
}

void guest_secondary(uint64_t hartid)
{
    if (hartid == 1) {
        Fn fn = (Fn)(uintptr_t)code;
        while (!__atomic_load_n(&code_ready, __ATOMIC_ACQUIRE)) {
        }
        while (!__atomic_load_n(&hart1_go, __ATOMIC_ACQUIRE)) {
            asm volatile("fence.i" ::: "memory");
            if (fn() == 1) /* the old code, translated and hot on node 1 */
                __atomic_store_n(&hart1_ran, 1, __ATOMIC_RELEASE);
        }
        asm volatile("fence.i" ::: "memory");
        __atomic_store_n(&hart1_result, fn() + 100, __ATOMIC_RELEASE);
    }
    for (;;)
        asm volatile("wfi");
}

static void dma_copy(void *to, const void *from, uint32_t len)
{
    uint64_t before = dma_irqs;
    wr64(DMA_SRC, (uintptr_t)from);
    wr64(DMA_DST, (uintptr_t)to);
    wr32(DMA_LEN, len);
    wr32(DMA_CTRL, DMA_START | DMA_IRQ_ENABLE);
    wait_change(&dma_irqs, before);
}

int main(void)
{
    guest_trap_hook = on_trap;
    plic_route(DMA_IRQ, 0);

    /* 1: data, across pages, with guard bytes around the copy */
    for (unsigned i = 0; i < sizeof src; i++)
        src[i] = (uint8_t)(i * 7 + 3);
    for (unsigned i = 0; i < sizeof dst; i++)
        dst[i] = 0xee;
    dma_copy(dst + 8, src + 5, LEN);
    check_u64("completion interrupts", dma_irqs, 1);
    check_u64("claimed source", claimed, DMA_IRQ);
    check_u64("status at the interrupt", dma_status, DMA_DONE);
    check_u64("status after clearing", rd32(DMA_STATUS), 0);
    unsigned bad = 0;
    for (unsigned i = 0; i < LEN; i++)
        bad += dst[8 + i] != src[5 + i];
    check_u64("bytes copied wrong", bad, 0);
    check_u64("guard before", dst[7], 0xee);
    check_u64("guard after", dst[8 + LEN], 0xee);

    /* 1b: a long copy (several messages in flight), twice. The first
     * recalls every page from this node; then this hart writes the first
     * source page again, so the second copy's first message waits for a
     * recall while the later ones may be answered before it. */
    for (unsigned i = 0; i < sizeof big_src; i++)
        big_src[i] = (uint8_t)(i * 13 + 1);
    for (unsigned i = 0; i < sizeof big_dst; i++)
        big_dst[i] = 0xee;
    for (int round = 0; round < 2; round++) {
        if (round == 1)
            for (unsigned i = 0; i < 64; i++)
                big_src[3 + i] = (uint8_t)(0x80 | i);
        dma_copy(big_dst + 1, big_src + 3, BIG);
        check_u64("long copy: status", dma_status, DMA_DONE);
        bad = 0;
        for (unsigned i = 0; i < BIG; i++)
            bad += big_dst[1 + i] != big_src[3 + i];
        check_u64("long copy: bytes copied wrong", bad, 0);
        check_u64("long copy: guard before", big_dst[0], 0xee);
        check_u64("long copy: guard after", big_dst[1 + BIG], 0xee);
    }
    check_u64("long copy: the rewritten bytes", big_dst[1], 0x80);

    /* 2: code. Hart 1 runs code[] (returns 1) until the DMA replaced it. */
    code[0] = addi_a0(1);
    code[1] = RET;
    asm volatile("fence.i" ::: "memory");
    __atomic_store_n(&code_ready, 1, __ATOMIC_RELEASE);
    new_code[0] = addi_a0(2);
    new_code[1] = RET;
    while (!__atomic_load_n(&hart1_ran, __ATOMIC_ACQUIRE)) {
    }
    dma_copy(code, new_code, 2 * sizeof(uint32_t));
    check_u64("code copied", code[0], addi_a0(2));
    __atomic_store_n(&hart1_go, 1, __ATOMIC_RELEASE);
    while (!__atomic_load_n(&hart1_result, __ATOMIC_ACQUIRE)) {
    }
    check_u64("hart 1 ran the DMA-copied code", hart1_result, 102);

    /* 3: a DMA source outside RAM: the engine reports ERROR */
    dma_copy(dst, (void *)0x40000000ul, 16);
    check_u64("status after a bus error", dma_status, DMA_ERROR);

    /* 4: the timer model answers an unknown register with a TLM error */
    probe_install();
    PROBE("1: lw t0, 0(%1)", TIMER_BASE + 0x100);
    check_u64("TLM error -> load access fault", probe.cause, 5);
    PROBE("1: sw zero, 0(%1)", TIMER_COUNT);
    check_u64("write to read-only COUNT -> store access fault", probe.cause, 7);
    return check_finish();
}
