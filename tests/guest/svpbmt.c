/* SPDX-License-Identifier: MIT */
/* Svpbmt: a leaf PTE's memory type (bits 62:61) is taken only with
 * menvcfg.PBMTE; without it the bits are reserved (page fault). With it,
 * PMA (0), NC (1) and IO (2) map as usual and 3 stays reserved; on a
 * non-leaf PTE the bits always fault, as does N (bit 63: Svnapot is
 * absent on both emulators). Accesses are made as S through MPRV, on
 * Sv39 gigapages mapping RAM. The reference is the spec (svpbmt.no-qemu):
 * QEMU 7.2, even with svpbmt=true, checks none of those reserved bits (type
 * 3, N, a type without PBMTE all map for it). */
#include "lower.h"
#include "lib/pte.h"

#define CSR_MENVCFG 0x30a
#define ENVCFG_PBMTE (1ull << 62)
#define PBMT(t) ((uint64_t)(t) << 61)
#define PTE_N (1ull << 63)
#define GIGA (1ull << 30)
#define RAM 0x80000000ull
#define LOAD_PAGE_FAULT 13

static uint64_t root[512] __attribute__((aligned(4096)));
static uint64_t level1[512] __attribute__((aligned(4096)));
static volatile uint64_t word = 0x5eed5eed5eed5eedull;

/* The VA of `word` through gigapage slot @slot (each maps RAM). */
static uint64_t va_in(unsigned slot)
{
    return (uint64_t)slot * GIGA + ((uint64_t)&word - RAM);
}

static void menvcfg(uint64_t v) { asm volatile("csrw 0x30a, %0" : : "r"(v)); }

/* Loads `word` as S through @slot: "ok" if it read the value, else the
 * trap's cause. */
static void check_load(const char *name, unsigned slot, int want_fault)
{
    reset_trap();
    uint64_t v = mprv_ld(1, 0, va_in(slot));
    if (want_fault) {
        check_u64(name, t_count, 1);
        check_u64("  mcause", t_cause, LOAD_PAGE_FAULT);
        check_u64("  mtval is the address", t_tval == va_in(slot), 1);
    } else {
        check_u64(name, t_count, 0);
        check_u64("  value", v, 0x5eed5eed5eed5eedull);
    }
    reset_trap();
}

int main(void)
{
    lower_install();
    asm volatile("csrw pmpaddr15, %0" : : "r"(~0ull));
    CSR_WRITE(pmpcfg2, 0x1full << 56);

    uint64_t rw = PTE_R | PTE_W;
    root[2] = pte_leaf(RAM, rw);               /* identity: the code runs in M anyway */
    root[4] = pte_leaf(RAM, rw) | PBMT(1);     /* NC */
    root[5] = pte_leaf(RAM, rw) | PBMT(2);     /* IO */
    root[6] = pte_leaf(RAM, rw) | PBMT(3);     /* reserved */
    root[7] = pte_table(level1) | PBMT(1);     /* non-leaf with a type */
    root[8] = pte_table(level1);               /* the same without */
    root[9] = pte_leaf(RAM, rw) | PTE_N;       /* Svnapot's bit */
    /* level1 maps the first 2 MiB of RAM (where `word` lives) as a leaf. */
    level1[(va_in(8) >> 21) & 511] = pte_leaf(RAM + (((uint64_t)&word - RAM) & ~((1ull << 21) - 1)), rw);
    CSR_WRITE(satp, SATP_SV39 | (uint64_t)root >> 12);
    asm volatile("sfence.vma" : : : "memory");

    menvcfg(ENVCFG_PBMTE);
    uint64_t cfg;
    asm volatile("csrr %0, 0x30a" : "=r"(cfg));
    check_u64("menvcfg.PBMTE sticks", cfg & ENVCFG_PBMTE, ENVCFG_PBMTE);
    check_load("PBMTE 1: PMA", 2, 0);
    check_load("PBMTE 1: NC", 4, 0);
    check_load("PBMTE 1: IO", 5, 0);
    check_load("PBMTE 1: type 3 is reserved", 6, 1);
    check_load("PBMTE 1: a non-leaf with a type", 7, 1);
    check_load("PBMTE 1: the same non-leaf without", 8, 0);
    check_load("PBMTE 1: N set", 9, 1);

    menvcfg(0);
    asm volatile("sfence.vma" : : : "memory");
    check_load("PBMTE 0: PMA", 2, 0);
    check_load("PBMTE 0: NC is reserved", 4, 1);
    check_load("PBMTE 0: IO is reserved", 5, 1);

    CSR_WRITE(satp, 0);
    return check_finish();
}
