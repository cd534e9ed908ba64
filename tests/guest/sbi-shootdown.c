/* SPDX-License-Identifier: MIT */
/* Remote TLB shootdown through SBI, under real OpenSBI (fw_jump): the boot
 * hart maps a virtual page, a hart on another cluster (another cpu-node
 * process on virt-2x2 and virt-4x1) starts through HSM and reads it, the
 * boot hart points the page elsewhere and asks OpenSBI for a remote
 * sfence.vma (an IPI to the target, which fences in M-mode); once that
 * call returned the target must read through the new mapping, having kept
 * the old one in its TLB until then. */
#include "lib/guest.h"
#include "lib/pte.h"
#include "lib/sbi.h"

#define PAGE 4096ul
#define TEST_VA 0x40000000ul /* gigapage 1: neither devices nor RAM */
#define OLD_VALUE 0x1111ul
#define NEW_VALUE 0x2222ul

static uint64_t root[512] __attribute__((aligned(PAGE)));
static uint64_t level1[512] __attribute__((aligned(PAGE)));
static uint64_t level0[512] __attribute__((aligned(PAGE)));
static volatile uint64_t old_page[512] __attribute__((aligned(PAGE)));
static volatile uint64_t new_page[512] __attribute__((aligned(PAGE)));

/* Boot hart <-> target, through identity-mapped RAM. */
static volatile uint64_t target_state;  /* 1: read the old mapping; 2: read again */
static volatile uint64_t before, after; /* what the target read each time */
static volatile uint64_t changed;       /* the remote fence has returned */

static void paging_on(void)
{
    asm volatile("csrw satp, %0\n\tsfence.vma" : : "r"(SATP_SV39 | (uintptr_t)root >> 12)
                 : "memory");
}

static uint64_t read_test_page(void)
{
    return *(volatile uint64_t *)TEST_VA;
}

void sbi_secondary(uint64_t hartid, uint64_t opaque)
{
    (void)hartid, (void)opaque;
    paging_on();
    before = read_test_page(); /* the translation now sits in this hart's TLB */
    __atomic_store_n(&target_state, 1, __ATOMIC_RELEASE);
    while (!__atomic_load_n(&changed, __ATOMIC_ACQUIRE)) {
    }
    after = read_test_page();
    __atomic_store_n(&target_state, 2, __ATOMIC_RELEASE);
}

void sbi_main(uint64_t hartid)
{
    guest_puts("== guest ==\n");
    check_true("SBI has HSM, RFENCE and SRST",
               sbi_has(SBI_EXT_HSM) && sbi_has(SBI_EXT_RFENCE) && sbi_has(SBI_EXT_SRST));
    /* Devices and RAM identity-mapped by gigapages; TEST_VA by a 4 KiB page. */
    root[0] = pte_leaf(0, PTE_R | PTE_W);
    root[2] = pte_leaf(0x80000000ul, PTE_R | PTE_W | PTE_X);
    root[1] = pte_table(level1);
    level1[0] = pte_table(level0);
    old_page[0] = OLD_VALUE;
    new_page[0] = NEW_VALUE;
    level0[0] = pte_leaf((uintptr_t)old_page, PTE_R | PTE_W);
    paging_on();
    check_u64("boot hart reads the old mapping", read_test_page(), OLD_VALUE);

    /* Hart 0 for a boot hart of the second cluster, else hart 2: another
     * cpu-node process on virt-2x2 and virt-4x1. */
    uint64_t target = hartid >= 2 ? 0 : 2;
    SbiRet r = sbi_hart_start(target, (uintptr_t)sbi_secondary_entry, 0);
    check_u64("hart_start error", (uint64_t)r.error, 0);
    while (__atomic_load_n(&target_state, __ATOMIC_ACQUIRE) != 1) {
    }
    check_u64("target reads the old mapping", before, OLD_VALUE);

    level0[0] = pte_leaf((uintptr_t)new_page, PTE_R | PTE_W);
    asm volatile("sfence.vma %0, zero" : : "r"(TEST_VA) : "memory");
    check_u64("boot hart reads the new mapping", read_test_page(), NEW_VALUE);
    r = sbi_remote_sfence_vma(1ul << target, 0, TEST_VA, PAGE);
    check_u64("remote_sfence_vma error", (uint64_t)r.error, 0);
    __atomic_store_n(&changed, 1, __ATOMIC_RELEASE);
    while (__atomic_load_n(&target_state, __ATOMIC_ACQUIRE) != 2) {
    }
    check_u64("target reads the new mapping after the remote fence", after, NEW_VALUE);
    check_finish();
    sbi_shutdown();
}
