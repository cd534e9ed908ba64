/* SPDX-License-Identifier: MIT */
/* Physical memory protection (privileged spec 3.7): 16 entries, 4-byte
 * granularity, OFF/TOR/NA4/NAPOT, the lowest-numbered matching entry wins,
 * L locks an entry and makes it apply to M-mode too. The TLB caches a
 * page's permissions only when one rule covers the whole page. */
#include "tcg/internal.h"

#define CFG_R 0x01u
#define CFG_W 0x02u
#define CFG_X 0x04u
#define CFG_A_SHIFT 3
#define CFG_L 0x80u
/* Bits 6:5 are reserved and read as zero. */
#define CFG_WRITABLE 0x9fu

enum { PMP_OFF = 0, PMP_TOR = 1, PMP_NA4 = 2, PMP_NAPOT = 3 };

/* pmpaddr holds bits 55:2 of an address. */
#define PMP_ADDR_MASK ((1ull << 54) - 1)

static guint8 cfg_of(const TcgCpuState *env, guint i)
{
    return (guint8)(env->pmpcfg[i / 8] >> (8 * (i % 8)));
}

/* The byte range [*lo, *hi) entry @i covers; FALSE when it is off (or an
 * empty TOR range). hi is exclusive and may be 2^56. */
static gboolean entry_range(const TcgCpuState *env, guint i, guint64 *lo, guint64 *hi)
{
    guint8 cfg = cfg_of(env, i);
    guint64 a = env->pmpaddr[i];
    switch ((cfg >> CFG_A_SHIFT) & 3) {
    case PMP_TOR:
        *lo = i == 0 ? 0 : env->pmpaddr[i - 1] << 2;
        *hi = a << 2;
        return *lo < *hi;
    case PMP_NA4:
        *lo = a << 2;
        *hi = *lo + 4;
        return TRUE;
    case PMP_NAPOT: {
        /* Trailing ones t: a region of 2^(t + 3) bytes. */
        guint t = (guint)__builtin_ctzll(~a);
        guint64 size = 8ull << t;
        *lo = (a << 2) & ~(size - 1);
        *hi = *lo + size;
        return TRUE;
    }
    default: return FALSE;
    }
}

static guint prot_of(guint8 cfg, guint priv)
{
    if (priv == RV_PRIV_M && !(cfg & CFG_L)) {
        return TCG_PROT_READ | TCG_PROT_WRITE | TCG_PROT_EXEC;
    }
    return (cfg & CFG_R ? TCG_PROT_READ : 0) | (cfg & CFG_W ? TCG_PROT_WRITE : 0) |
           (cfg & CFG_X ? TCG_PROT_EXEC : 0);
}

/* No entry matched: M may, S and U may not (16 entries are implemented). */
static guint default_prot(guint priv)
{
    return priv == RV_PRIV_M ? TCG_PROT_READ | TCG_PROT_WRITE | TCG_PROT_EXEC : 0;
}

/* The permission the bytes [addr, addr + size) get: -1 when the first
 * entry they touch covers only some of them (the access fails then, and a
 * page cannot be cached). */
static gint range_prot(const TcgHart *hart, guint64 addr, guint64 size, guint priv)
{
    const TcgCpuState *env = &hart->env;
    /* Every entry off (M-mode programs that never touch PMP): every TLB
     * fill comes here, so skip the walk over the entries. */
    G_STATIC_ASSERT(RV_PMP_COUNT == 16);
    if (((env->pmpcfg[0] | env->pmpcfg[1]) & 0x1818181818181818ull) == 0) {
        return (gint)default_prot(priv);
    }
    for (guint i = 0; i < RV_PMP_COUNT; i++) {
        guint64 lo, hi;
        if (!entry_range(env, i, &lo, &hi) || addr >= hi || addr + size <= lo) {
            continue;
        }
        if (addr >= lo && addr + size <= hi) {
            return (gint)prot_of(cfg_of(env, i), priv);
        }
        return -1;
    }
    return (gint)default_prot(priv);
}

static guint prot_for(TcgAccess access)
{
    switch (access) {
    case TCG_ACCESS_READ:
    case TCG_ACCESS_LR: return TCG_PROT_READ;
    case TCG_ACCESS_WRITE: return TCG_PROT_WRITE;
    case TCG_ACCESS_EXEC: return TCG_PROT_EXEC;
    }
    g_assert_not_reached();
}

gboolean tcg_pmp_check(const TcgHart *hart, guint64 addr, guint size, TcgAccess access,
                       guint priv)
{
    gint prot = range_prot(hart, addr, size, priv);
    return prot >= 0 && (prot & prot_for(access));
}

gint tcg_pmp_page_prot(const TcgHart *hart, guint64 page, guint priv)
{
    return range_prot(hart, page & TCG_PAGE_MASK, TCG_PAGE_SIZE, priv);
}

static gboolean locked(const TcgCpuState *env, guint i)
{
    return (cfg_of(env, i) & CFG_L) != 0;
}

/* The entries this hart has (pmp-entries): the lowest-numbered ones. */
static guint implemented(const TcgHart *hart)
{
    return RV_PMP_COUNT - hart->config.isa.pmp_unimplemented;
}

void tcg_pmp_write_cfg(TcgHart *hart, guint reg, guint64 value)
{
    TcgCpuState *env = &hart->env;
    g_assert(reg < G_N_ELEMENTS(env->pmpcfg));
    guint64 cfg = env->pmpcfg[reg];
    for (guint b = 0; b < 8; b++) {
        if (locked(env, reg * 8 + b) || reg * 8 + b >= implemented(hart)) {
            continue; /* locked until reset, or hardwired off */
        }
        guint64 byte = (value >> (8 * b)) & CFG_WRITABLE;
        cfg = (cfg & ~(0xffull << (8 * b))) | byte << (8 * b);
    }
    env->pmpcfg[reg] = cfg;
    tcg_tlb_flush_all(hart);
}

void tcg_pmp_write_addr(TcgHart *hart, guint index, guint64 value)
{
    TcgCpuState *env = &hart->env;
    g_assert(index < RV_PMP_COUNT);
    /* Hardwired, locked, or the top of a locked TOR entry above it. */
    if (index >= implemented(hart) || locked(env, index) ||
        (index + 1 < RV_PMP_COUNT && locked(env, index + 1) &&
         ((cfg_of(env, index + 1) >> CFG_A_SHIFT) & 3) == PMP_TOR)) {
        return;
    }
    env->pmpaddr[index] = value & PMP_ADDR_MASK;
    tcg_tlb_flush_all(hart);
}
