/* SPDX-License-Identifier: MIT */
/* Physical memory protection: how many entries there are (WARL probing as
 * firmware does it), S and U denied where no entry matches, NAPOT, TOR and
 * NA4 regions with the lowest-numbered entry winning, a region covering
 * part of a page, a fetch refused, and a locked entry that binds M-mode
 * and ignores later writes. Accesses as S or U go through MPRV. */
#include "lower.h"

#define PMP_R 0x01ull
#define PMP_W 0x02ull
#define PMP_X 0x04ull
#define PMP_TOR 0x08ull
#define PMP_NA4 0x10ull
#define PMP_NAPOT 0x18ull
#define PMP_L 0x80ull

static uint8_t pages[8][4096] __attribute__((aligned(4096)));

/* pmpaddr of a NAPOT region of @size bytes (a power of two) at @base. */
static uint64_t napot(const void *base, uint64_t size)
{
    return ((uint64_t)base >> 2) | ((size >> 3) - 1);
}

/* tval printed relative to pages[], so the output does not depend on
 * where the linker put them. */
static void check_fault(const char *name, uint64_t cause, uint64_t tval)
{
    check_u64(name, t_count, 1);
    check_u64("  cause", t_cause, cause);
    check_u64("  tval - pages", t_tval - (uint64_t)pages, tval - (uint64_t)pages);
    reset_trap();
}

static void check_none(const char *name)
{
    check_u64(name, t_count, 0);
    reset_trap();
}

#define PMPADDR_WRITE(n, v) asm volatile("csrw pmpaddr" #n ", %0" : : "r"((uint64_t)(v)))
#define PMPADDR_READ(n) CSR_READ(pmpaddr##n)

int main(void)
{
    lower_install();
    for (int p = 0; p < 8; p++)
        for (int i = 0; i < 4096; i += 8)
            *(volatile uint64_t *)&pages[p][i] = 0x1111111111111111ull * (p + 1);

    /* How many entries: pmpaddr keeps bits 55:2 where it exists (the
     * spec's 54 bits; QEMU 7.2 keeps all 64, so only those are checked). */
    const uint64_t bits = (1ull << 54) - 1;
    PMPADDR_WRITE(0, ~0ull);
    check_u64("pmpaddr0 exists", PMPADDR_READ(0) & bits, bits);
    PMPADDR_WRITE(15, ~0ull);
    check_u64("pmpaddr15 exists", PMPADDR_READ(15) & bits, bits);
    PMPADDR_WRITE(15, 0);
    PMPADDR_WRITE(0, 0);
    reset_trap();
    asm volatile(".option push\n.option norvc\ncsrr t0, pmpcfg1\n.option pop" ::: "t0");
    check_u64("pmpcfg1 on RV64: illegal", t_cause, 2);
    reset_trap();

    /* Nothing configured: M may, S may not. */
    uint64_t a = (uint64_t)&pages[0][0];
    check_u64("M load, no entries", mprv_ld(3, 0, a), 0x1111111111111111ull);
    check_none("  no trap");
    mprv_ld(1, 0, a + 8);
    check_fault("S load, no entries", 5, a + 8);

    /* 0: pages[0] NAPOT R; 1: TOR [pages[1], pages[2]) none; 2: NA4 at
     * pages[3] + 8 none; 3: pages[4] NAPOT RW (no X); 15: all RWX. */
    PMPADDR_WRITE(0, napot(pages[0], 4096));
    PMPADDR_WRITE(1, (uint64_t)pages[1] >> 2);
    PMPADDR_WRITE(2, (uint64_t)pages[2] >> 2);
    PMPADDR_WRITE(3, ((uint64_t)pages[3] + 8) >> 2);
    PMPADDR_WRITE(4, napot(pages[4], 4096));
    PMPADDR_WRITE(15, ~0ull);
    CSR_WRITE(pmpcfg0, (PMP_NAPOT | PMP_R) | 0ull << 8 | (PMP_TOR) << 16 | PMP_NA4 << 24 |
                           (PMP_NAPOT | PMP_R | PMP_W) << 32);
    CSR_WRITE(pmpcfg2, (PMP_NAPOT | PMP_R | PMP_W | PMP_X) << 56);
    check_u64("pmpcfg0 read back", CSR_READ(pmpcfg0),
              (PMP_NAPOT | PMP_R) | (PMP_TOR) << 16 | PMP_NA4 << 24 |
                  (PMP_NAPOT | PMP_R | PMP_W) << 32);

    check_u64("S load, NAPOT R", mprv_ld(1, 0, a), 0x1111111111111111ull);
    check_none("  no trap");
    mprv_sd(1, 0, a + 16, 5);
    check_fault("S store, NAPOT R", 7, a + 16);
    check_u64("U load, NAPOT R", mprv_ld(0, 0, a + 24), 0x1111111111111111ull);
    check_none("  no trap");

    uint64_t b = (uint64_t)&pages[1][0];
    mprv_ld(1, 0, b + 0x100);
    check_fault("S load, TOR none", 5, b + 0x100);
    mprv_sd(0, 0, b + 0xff8, 0);
    check_fault("U store, TOR none", 7, b + 0xff8);
    check_u64("S load above TOR", mprv_ld(1, 0, (uint64_t)&pages[2][0]), 0x3333333333333333ull);
    check_none("  no trap");
    check_u64("M load, TOR none (not locked)", mprv_ld(3, 0, b), 0x2222222222222222ull);
    check_none("  no trap");

    /* A page only partly covered by the NA4 entry. */
    uint64_t c = (uint64_t)&pages[3][0];
    check_u64("S load beside NA4", mprv_ld(1, 0, c), 0x4444444444444444ull);
    check_none("  no trap");
    mprv_ld(1, 0, c + 8);
    check_fault("S load, NA4 none", 5, c + 8);
    check_u64("S load after NA4", mprv_ld(1, 0, c + 16), 0x4444444444444444ull);
    check_none("  no trap");
    mprv_ld(1, 0, c + 8);
    check_fault("S load, NA4 none again", 5, c + 8);

    /* Code in pages[4], which is RW but not X for S. */
    uint64_t d = (uint64_t)&pages[4][0];
    *(volatile uint32_t *)d = 0x02a00513; /* li a0, 42 */
    *(volatile uint32_t *)(d + 4) = 0x00008067; /* ret */
    asm volatile("fence.i" ::: "memory");
    t_resume = (uint64_t)lower_exit;
    lower_call(1, d, 0);
    check_fault("S fetch, no X", 1, d);
    check_u64("M runs it", ((uint64_t(*)(void))d)(), 42);
    check_none("  no trap");

    /* 5: pages[5] NAPOT R, locked: binds M, ignores writes. */
    uint64_t e = (uint64_t)&pages[5][0];
    PMPADDR_WRITE(5, napot(pages[5], 4096));
    CSR_WRITE(pmpcfg0, CSR_READ(pmpcfg0) | (PMP_L | PMP_NAPOT | PMP_R) << 40);
    check_u64("M load, locked R", mprv_ld(3, 0, e), 0x6666666666666666ull);
    check_none("  no trap");
    mprv_sd(3, 0, e + 32, 1);
    check_fault("M store, locked R", 7, e + 32);
    CSR_WRITE(pmpcfg0, CSR_READ(pmpcfg0) & ~(0xffull << 40));
    check_u64("locked cfg ignores writes", (CSR_READ(pmpcfg0) >> 40) & 0xff,
              PMP_L | PMP_NAPOT | PMP_R);
    PMPADDR_WRITE(5, 0);
    /* relative to what was written, so the line does not depend on where
     * the linker put pages[] */
    check_u64("locked addr ignores writes", PMPADDR_READ(5) - napot(pages[5], 4096), 0);
    mprv_sd(3, 0, e + 40, 1);
    check_fault("M store, still locked", 7, e + 40);
    return check_finish();
}
