/* SPDX-License-Identifier: MIT */
/* The MMU under load: S-mode code with Sv39 on walks an 8 MiB window of 4
 * KiB pages in a scattered order (a TLB miss and a page walk for most
 * accesses at first, then the translations' reach decides), and keeps
 * remapping: every few hundred accesses it swaps the frames behind two
 * virtual pages and runs sfence.vma for each, and now and then a full
 * sfence.vma. What it measures is the guest TLB, the walker and the cost
 * of shootdowns of one hart's own translations. */
#include "lib/bench.h"
#include "lib/guest.h"
#include "lib/pte.h"

#define PAGE 4096ul
#define WINDOW_VA 0x40000000ul                 /* gigapage 1: this window only */
#define NPAGES 2048u                           /* 8 MiB */
#define ACCESSES BENCH_SIZE(6000000u, 200000u)
#define REMAP_EVERY 256u
#define FULL_FLUSH_EVERY 64u                   /* remaps */

static uint64_t root[512] __attribute__((aligned(PAGE)));
static uint64_t level1[512] __attribute__((aligned(PAGE)));
static uint64_t level0[NPAGES / 512][512] __attribute__((aligned(PAGE)));
static uint8_t frames[NPAGES][PAGE] __attribute__((aligned(PAGE)));

static uint64_t *pte_of(uint32_t page)
{
    return &level0[page / 512][page % 512];
}

static void swap_frames(uint32_t a, uint32_t b)
{
    uint64_t t = *pte_of(a);
    *pte_of(a) = *pte_of(b);
    *pte_of(b) = t;
    asm volatile("sfence.vma %0, zero" : : "r"(WINDOW_VA + a * PAGE) : "memory");
    asm volatile("sfence.vma %0, zero" : : "r"(WINDOW_VA + b * PAGE) : "memory");
}

/* Runs in S-mode, paged; ends the run itself (the console and the test
 * device are mapped and PMP lets S reach them). */
static void __attribute__((noreturn)) s_work(void)
{
    volatile uint64_t *window = (volatile uint64_t *)WINDOW_VA;
    uint64_t seed = 0x71b0000000071b0ull, sum = 0;
    uint32_t remaps = 0;
    for (uint32_t i = 0; i < ACCESSES; i++) {
        /* A large odd stride: consecutive accesses land on far pages. */
        uint32_t page = (i * 613u) % NPAGES;
        uint32_t word = (uint32_t)(bench_rand(&seed) % (PAGE / 8));
        volatile uint64_t *p = window + page * (PAGE / 8) + word;
        sum += *p ^ i;
        *p = sum;
        if (i % REMAP_EVERY == REMAP_EVERY - 1) {
            swap_frames((uint32_t)(bench_rand(&seed) % NPAGES),
                        (uint32_t)(bench_rand(&seed) % NPAGES));
            if (++remaps % FULL_FLUSH_EVERY == 0)
                asm volatile("sfence.vma" : : : "memory");
        }
    }
    /* Every frame still mapped exactly once: the swaps kept a permutation. */
    uint64_t frames_sum = 0;
    for (uint32_t i = 0; i < NPAGES; i++)
        frames_sum += (*pte_of(i) >> 10) - ((uintptr_t)frames >> 12);
    bench_check("tlb permutation", frames_sum == (uint64_t)NPAGES * (NPAGES - 1) / 2);
    bench_result("tlb", sum);
    guest_exit(0);
}

int main(void)
{
    root[0] = pte_leaf(0, PTE_R | PTE_W);                          /* devices */
    root[2] = pte_leaf(0x80000000ul, PTE_R | PTE_W | PTE_X);       /* RAM, identity */
    root[1] = pte_table(level1);
    for (uint32_t t = 0; t < NPAGES / 512; t++)
        level1[t] = pte_table(level0[t]);
    for (uint32_t i = 0; i < NPAGES; i++) {
        *pte_of(i) = pte_leaf((uintptr_t)frames[i], PTE_R | PTE_W);
        ((uint64_t *)frames[i])[0] = i;
    }
    /* PMP: S may reach everything (one NAPOT entry over the address space). */
    asm volatile("csrw pmpaddr0, %0\n\tcsrw pmpcfg0, %1" : : "r"(~0ul), "r"(0x1ful) : "memory");
    /* "memory": the tables must be written before paging goes on. */
    asm volatile("csrw satp, %0\n\tsfence.vma" : : "r"(SATP_SV39 | (uintptr_t)root >> 12)
                 : "memory");
    /* mret to s_work in S-mode (MPP = 1). */
    asm volatile("csrw mepc, %0\n\t"
                 "li t0, 3 << 11\n\tcsrc mstatus, t0\n\t"
                 "li t0, 1 << 11\n\tcsrs mstatus, t0\n\t"
                 "mret"
                 : : "r"(s_work) : "t0", "memory");
    __builtin_unreachable();
}
