/* SPDX-License-Identifier: MIT */
/* Sv39 and Sv48 paging, each in turn: page tables built in M-mode, data
 * accesses through mstatus.MPRV (MPP = S or U) and code run in S and U
 * through lower_call: 4K pages, 2M and 1G superpages, hardware A/D, page
 * faults with cause and tval, SUM, MXR, U vs S pages, a misaligned
 * superpage, non-canonical addresses, sfence.vma after a remap, ASIDs. */
#include "lib/pte.h"
#include "lower.h"


/* Virtual addresses the tests use. */
#define VA_BASE 0x40000000ull      /* 4K pages from here (L0 table) */
#define VA_AD (VA_BASE + 0x0000)   /* RW, A and D clear */
#define VA_RO (VA_BASE + 0x1000)   /* R */
#define VA_XO (VA_BASE + 0x2000)   /* X only */
#define VA_UPAGE (VA_BASE + 0x3000) /* U RW */
#define VA_INVALID (VA_BASE + 0x4000)
#define VA_WONLY (VA_BASE + 0x5000) /* W without R: reserved */
#define VA_CODE (VA_BASE + 0x6000) /* X R: "li a0, 42; ret" */
#define VA_REMAP (VA_BASE + 0x7000) /* remapped, then fenced */
#define VA_UCODE (VA_BASE + 0x8000) /* U X R: the same code */
#define VA_2M 0x40200000ull        /* 2 MiB superpage */
#define VA_2M_BAD 0x40400000ull    /* 2 MiB superpage with a misaligned PPN */
#define VA_1G 0xc0000000ull        /* 1 GiB superpage aliasing RAM */
#define PA_2M 0x86000000ull        /* free RAM, 2 MiB aligned */

static uint64_t tables[8][512] __attribute__((aligned(4096)));
static uint8_t pages[8][4096] __attribute__((aligned(4096)));
enum { T_ROOT48, T_ROOT48_U, T_L2, T_L2_U, T_L1, T_L0 };

static uint64_t pte(const void *pa, uint64_t flags)
{
    return ((uint64_t)pa >> 12) << 10 | flags;
}

static uint64_t pte_pa(uint64_t pa, uint64_t flags)
{
    return (pa >> 12) << 10 | flags;
}

static void build_tables(void)
{
    for (int t = 0; t < 8; t++)
        for (int i = 0; i < 512; i++)
            tables[t][i] = 0;
    uint64_t *l2 = tables[T_L2], *l2u = tables[T_L2_U], *l1 = tables[T_L1], *l0 = tables[T_L0];
    l2[1] = pte(l1, PTE_V);
    l2[2] = pte_pa(0x80000000ull, PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D);
    l2[3] = pte_pa(0x80000000ull, PTE_V | PTE_R | PTE_A);
    for (int i = 0; i < 512; i++)
        l2u[i] = l2[i];
    l2u[2] |= PTE_U;
    tables[T_ROOT48][0] = pte(l2, PTE_V);
    tables[T_ROOT48_U][0] = pte(l2u, PTE_V);
    l1[0] = pte(l0, PTE_V);
    l1[1] = pte_pa(PA_2M, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
    l1[2] = pte_pa(PA_2M + 0x1000, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
    l0[0] = pte(pages[0], PTE_V | PTE_R | PTE_W);
    l0[1] = pte(pages[1], PTE_V | PTE_R | PTE_A);
    l0[2] = pte(pages[2], PTE_V | PTE_X | PTE_A);
    l0[3] = pte(pages[3], PTE_V | PTE_R | PTE_W | PTE_U | PTE_A | PTE_D);
    l0[5] = pte(pages[5], PTE_V | PTE_W | PTE_A | PTE_D);
    l0[6] = pte(pages[4], PTE_V | PTE_R | PTE_X | PTE_A);
    l0[7] = pte(pages[5], PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
    l0[8] = pte(pages[4], PTE_V | PTE_R | PTE_X | PTE_U | PTE_A);
    for (int p = 0; p < 8; p++)
        for (int i = 0; i < 4096; i += 8)
            *(volatile uint64_t *)&pages[p][i] = 0x1111111111111111ull * (p + 1);
    /* li a0, 42; ret */
    *(volatile uint32_t *)&pages[4][0] = 0x02a00513;
    *(volatile uint32_t *)&pages[4][4] = 0x00008067;
    asm volatile("fence.i" ::: "memory");
}

static const char *prefix;

static void name(char *buf, const char *what)
{
    int n = 0;
    for (const char *p = prefix; *p; p++)
        buf[n++] = *p;
    buf[n++] = ' ';
    for (const char *p = what; *p; p++)
        buf[n++] = *p;
    buf[n] = 0;
}

static void check(const char *what, uint64_t got, uint64_t want)
{
    char buf[96];
    name(buf, what);
    check_u64(buf, got, want);
}

/* The trap the last probe took: count, cause, and tval printed as is, or less @base where it depends on the link. */
static void check_fault_rel(const char *what, uint64_t cause, uint64_t tval, uint64_t base)
{
    char buf[96];
    name(buf, what);
    check_u64(buf, t_count, 1);
    check_u64("  cause", t_cause, cause);
    check_u64(base ? "  tval - base" : "  tval", t_tval - base, tval - base);
}

static void check_fault(const char *what, uint64_t cause, uint64_t tval)
{
    check_fault_rel(what, cause, tval, 0);
}

static void set_satp(uint64_t mode, uint64_t asid, int user)
{
    const void *root = mode == 9 ? tables[user ? T_ROOT48_U : T_ROOT48]
                                 : tables[user ? T_L2_U : T_L2];
    CSR_WRITE(satp, mode << 60 | asid << 44 | (uint64_t)root >> 12);
    asm volatile("sfence.vma" ::: "memory");
}

static void suite(uint64_t mode)
{
    build_tables();
    set_satp(mode, 1, 0);
    check("satp mode", CSR_READ(satp) >> 60, mode);

    /* Hardware A/D: a load sets A, a store then sets D. */
    reset_trap();
    check("A/D load", mprv_ld(1, 0, VA_AD + 8), 0x1111111111111111ull);
    check("A/D after load", tables[T_L0][0] & (PTE_A | PTE_D), PTE_A);
    mprv_sd(1, 0, VA_AD + 8, 0x1234);
    check("A/D after store", tables[T_L0][0] & (PTE_A | PTE_D), PTE_A | PTE_D);
    check("store landed", *(volatile uint64_t *)&pages[0][8], 0x1234);
    check("no trap", t_count, 0);

    reset_trap();
    mprv_sd(1, 0, VA_RO + 16, 1);
    check_fault("store to R page", 15, VA_RO + 16);
    reset_trap();
    check("load from R page", mprv_ld(1, 0, VA_RO), 0x2222222222222222ull);

    reset_trap();
    mprv_ld(1, 0, VA_XO + 24);
    check_fault("load from X page", 13, VA_XO + 24);
    reset_trap();
    check("MXR: load from X page", mprv_ld(1, MSTATUS_MXR, VA_XO), 0x3333333333333333ull);
    check("MXR: no trap", t_count, 0);

    reset_trap();
    mprv_ld(1, 0, VA_UPAGE);
    check_fault("S load from U page", 13, VA_UPAGE);
    reset_trap();
    check("SUM: S load from U page", mprv_ld(1, MSTATUS_SUM, VA_UPAGE), 0x4444444444444444ull);
    check("SUM: no trap", t_count, 0);
    reset_trap();
    check("U load from U page", mprv_ld(0, 0, VA_UPAGE + 8), 0x4444444444444444ull);
    mprv_ld(0, 0, VA_AD);
    check_fault("U load from S page", 13, VA_AD);

    reset_trap();
    mprv_ld(1, 0, VA_INVALID + 0x10);
    check_fault("load from invalid", 13, VA_INVALID + 0x10);
    reset_trap();
    mprv_sd(1, 0, VA_INVALID + 0x18, 0);
    check_fault("store to invalid", 15, VA_INVALID + 0x18);
    reset_trap();
    mprv_sd(1, 0, VA_WONLY, 0);
    check_fault("store to W-only (reserved)", 15, VA_WONLY);

    /* 2 MiB superpage: a store through it lands at the physical address. */
    reset_trap();
    mprv_sd(1, 0, VA_2M + 0x1238, 0xabcdef);
    check("2M superpage store", *(volatile uint64_t *)(PA_2M + 0x1238), 0xabcdef);
    check("2M superpage load", mprv_ld(1, 0, VA_2M + 0x1238), 0xabcdef);
    mprv_ld(1, 0, VA_2M_BAD + 0x40);
    check_fault("misaligned superpage", 13, VA_2M_BAD + 0x40);

    /* 1 GiB superpage aliasing RAM. */
    reset_trap();
    uint64_t off = (uint64_t)&pages[6][0] - 0x80000000ull;
    check("1G superpage load", mprv_ld(1, 0, VA_1G + off), 0x7777777777777777ull);
    mprv_sd(1, 0, VA_1G + off, 0);
    check_fault_rel("1G superpage store (R only)", 15, VA_1G + off, off);

    /* Above the VA width, not sign-extended. */
    uint64_t bad = mode == 9 ? 1ull << 47 : 1ull << 39;
    reset_trap();
    mprv_ld(1, 0, bad);
    check_fault("non-canonical load", 13, bad);

    /* Code: S runs an X page, not a U one nor a non-X one. */
    reset_trap();
    check("S runs X page", lower_call(1, VA_CODE, 0), 42);
    check("  no trap", t_count, 0);
    t_resume = (uint64_t)lower_exit;
    lower_call(1, VA_UCODE, 0);
    check_fault("S fetch from U page", 12, VA_UCODE);
    reset_trap();
    t_resume = (uint64_t)lower_exit;
    lower_call(1, VA_AD, 0);
    check_fault("S fetch from non-X page", 12, VA_AD);

    /* sfence.vma after a remap: the new page, not the old. */
    reset_trap();
    check("before remap", mprv_ld(1, 0, VA_REMAP), 0x6666666666666666ull);
    tables[T_L0][7] = pte(pages[7], PTE_V | PTE_R | PTE_W | PTE_A | PTE_D);
    asm volatile("sfence.vma" ::: "memory");
    check("after remap + sfence", mprv_ld(1, 0, VA_REMAP), 0x8888888888888888ull);

    /* sfence.vma and satp in S with TVM: illegal. */
    reset_trap();
    uint64_t st = CSR_READ(mstatus);
    CSR_WRITE(mstatus, st | MSTATUS_TVM);
    *(volatile uint32_t *)&pages[4][8] = 0x12000073; /* sfence.vma */
    *(volatile uint32_t *)&pages[4][12] = 0x00008067;
    asm volatile("fence.i" ::: "memory");
    t_resume = (uint64_t)lower_exit; /* mepc is virtual: skip by returning */
    lower_call(1, VA_CODE + 8, 0);
    check_fault("S sfence.vma with TVM", 2, 0x12000073);
    CSR_WRITE(mstatus, st);
    reset_trap();
    lower_call(1, VA_CODE + 8, 0);
    check("S sfence.vma without TVM", t_count, 0);

    /* U: runs U code; ASID 2 with the U tables. */
    set_satp(mode, 2, 1);
    check("satp ASID", (CSR_READ(satp) >> 44) & 0xffff, 2);
    reset_trap();
    check("U runs U page", lower_call(0, VA_UCODE, 0), 42);
    check("  no trap", t_count, 0);
    t_resume = (uint64_t)lower_exit;
    lower_call(0, VA_CODE, 0);
    check_fault("U fetch from S page", 12, VA_CODE);
    reset_trap();
    t_resume = (uint64_t)lower_exit;
    lower_call(0, VA_UCODE + 8, 0);
    check_fault("U sfence.vma", 2, 0x12000073);

    CSR_WRITE(satp, 0);
}

int main(void)
{
    lower_install();
    /* PMP: all of memory RWX for S and U (as firmware does). */
    CSR_WRITE(pmpaddr0, ~0ull);
    CSR_WRITE(pmpcfg0, 0x1f);
    CSR_WRITE(satp, 0xffffull << 44);
    check_u64("satp Bare ASID", CSR_READ(satp), 0xffffull << 44);
    CSR_WRITE(satp, 0);
    /* Sv64 (11) is not there (nor Sv57 here; QEMU 7.2 has it). */
    CSR_WRITE(satp, 11ull << 60 | 5);
    check_u64("satp Sv64 ignored", CSR_READ(satp), 0);
    prefix = "sv39";
    suite(8);
    prefix = "sv48";
    suite(9);
    return check_finish();
}
