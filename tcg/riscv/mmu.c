/* SPDX-License-Identifier: MIT */
/* The Sv39/Sv48 page-table walker of the privileged spec (4.3.2). PTEs
 * are read through the node like any RAM (page_map), so they are coherent
 * across nodes; A and D are set by hardware with a host compare-and-swap
 * on the PTE, and the walk starts over if the PTE changed under it (what
 * QEMU 7.2 does, so differential runs agree). */
#include "tcg/internal.h"

#define PTE_V (1ull << 0)
#define PTE_R (1ull << 1)
#define PTE_W (1ull << 2)
#define PTE_X (1ull << 3)
#define PTE_U (1ull << 4)
#define PTE_A (1ull << 6)
#define PTE_D (1ull << 7)
#define PTE_PPN_SHIFT 10
#define PTE_PPN_MASK ((1ull << 44) - 1)
/* 63:54: N (Svnapot is absent), PBMT and reserved bits. */
#define PTE_RESERVED (0x3ffull << 54)
#define PTE_PBMT_SHIFT 61
#define PTE_PBMT (3ull << PTE_PBMT_SHIFT)
#define PBMT_RESERVED 3

/* The page fault cause of @access. */
static RvException page_fault_cause(TcgAccess access)
{
    switch (access) {
    case TCG_ACCESS_READ:
    case TCG_ACCESS_LR: return RV_EXC_LOAD_PAGE_FAULT;
    case TCG_ACCESS_WRITE: return RV_EXC_STORE_PAGE_FAULT;
    case TCG_ACCESS_EXEC: return RV_EXC_INSN_PAGE_FAULT;
    }
    g_assert_not_reached();
}

RvException tcg_access_fault_cause(TcgAccess access)
{
    switch (access) {
    case TCG_ACCESS_READ:
    case TCG_ACCESS_LR: return RV_EXC_LOAD_ACCESS;
    case TCG_ACCESS_WRITE: return RV_EXC_STORE_ACCESS;
    case TCG_ACCESS_EXEC: return RV_EXC_INSN_ACCESS;
    }
    g_assert_not_reached();
}

/* The host address of the PTE at @pte_paddr, mapped for @access; NULL if
 * PMP refuses the implicit (S-mode) access or no RAM is there. */
static guint64 *pte_ptr(TcgHart *hart, guint64 pte_paddr, TcgAccess access)
{
    if (!tcg_pmp_check(hart, pte_paddr, 8, access, RV_PRIV_S)) {
        return NULL;
    }
    TcgPageMap map = { 0 };
    tcg_safe_point_enter(hart);
    gboolean ok = hart->ops->page_map(hart->opaque, hart->config.hart_id, pte_paddr, access, &map);
    tcg_safe_point_leave(hart);
    if (!ok || map.host == NULL) {
        return NULL;
    }
    return (guint64 *)(map.host + (pte_paddr & ~TCG_PAGE_MASK));
}

/* Whether @pte sets bits it must not. Svpbmt: with menvcfg.PBMTE a leaf
 * may name a memory type (PMA, NC, IO); every access here is coherent and
 * ordered alike, so the type changes nothing else. */
static gboolean pte_reserved_set(const TcgCpuState *env, guint64 pte)
{
    guint64 reserved = PTE_RESERVED;
    gboolean leaf = (pte & (PTE_R | PTE_X)) != 0;
    if ((env->menvcfg & RV_ENVCFG_PBMTE) && leaf &&
        (pte & PTE_PBMT) >> PTE_PBMT_SHIFT != PBMT_RESERVED) {
        reserved &= ~PTE_PBMT;
    }
    return (pte & reserved) != 0;
}

/* Whether a leaf PTE allows @access from @priv (U bit, SUM, MXR, RWX). */
static gboolean leaf_allows(const TcgCpuState *env, guint64 pte, TcgAccess access, guint priv)
{
    if (priv == RV_PRIV_U && !(pte & PTE_U)) {
        return FALSE;
    }
    if (priv == RV_PRIV_S && (pte & PTE_U) &&
        (access == TCG_ACCESS_EXEC || !(env->mstatus & RV_MSTATUS_SUM))) {
        return FALSE;
    }
    switch (access) {
    case TCG_ACCESS_READ:
    case TCG_ACCESS_LR:
        return (pte & PTE_R) || ((pte & PTE_X) && (env->mstatus & RV_MSTATUS_MXR));
    case TCG_ACCESS_WRITE: return (pte & PTE_W) != 0;
    case TCG_ACCESS_EXEC: return (pte & PTE_X) != 0;
    }
    g_assert_not_reached();
}

/* The walk; a @debugger's looks at any valid leaf and sets no A or D. */
static gint walk(TcgHart *hart, guint64 vaddr, TcgAccess access, guint priv, gboolean debugger,
                 guint64 *paddr, guint *prot)
{
    const TcgCpuState *env = &hart->env;
    guint mode = (guint)(env->satp >> RV_SATP_MODE_SHIFT);
    guint levels = mode == RV_SATP_MODE_SV48 ? 4 : 3;
    guint va_bits = TCG_PAGE_BITS + 9 * levels;
    g_assert(mode == RV_SATP_MODE_SV39 || mode == RV_SATP_MODE_SV48);

    /* Bits above the VA width must all equal its top bit. */
    if ((guint64)((gint64)(vaddr << (64 - va_bits)) >> (64 - va_bits)) != vaddr) {
        return page_fault_cause(access);
    }
restart:;
    guint64 table = (env->satp & RV_SATP_PPN_MASK) << TCG_PAGE_BITS;
    for (gint level = (gint)levels - 1; level >= 0; level--) {
        guint shift = TCG_PAGE_BITS + 9 * (guint)level;
        guint64 pte_paddr = table + ((vaddr >> shift) & 0x1ff) * 8;
        guint64 *ptep = pte_ptr(hart, pte_paddr, TCG_ACCESS_READ);
        if (ptep == NULL) {
            return tcg_access_fault_cause(access);
        }
        guint64 pte = __atomic_load_n(ptep, __ATOMIC_ACQUIRE);
        guint64 ppn = (pte >> PTE_PPN_SHIFT) & PTE_PPN_MASK;
        if (!(pte & PTE_V) || (!(pte & PTE_R) && (pte & PTE_W)) || pte_reserved_set(env, pte)) {
            return page_fault_cause(access);
        }
        if (!(pte & (PTE_R | PTE_X))) {
            /* A pointer to the next level; the last level must be a leaf. */
            if (level == 0) {
                return page_fault_cause(access);
            }
            table = ppn << TCG_PAGE_BITS;
            continue;
        }
        if (!debugger && !leaf_allows(env, pte, access, priv)) {
            return page_fault_cause(access);
        }
        /* A superpage's PPN must be aligned to its size. */
        guint64 low_ppn_mask = (1ull << (9 * (guint)level)) - 1;
        if (ppn & low_ppn_mask) {
            return page_fault_cause(access);
        }
        guint64 want = PTE_A | (access == TCG_ACCESS_WRITE ? PTE_D : 0);
        if (!debugger && (pte & want) != want) {
            /* The update is a store to the table: it needs the page
             * writable (Modified), and PMP's leave to write it. */
            guint64 *wp = pte_ptr(hart, pte_paddr, TCG_ACCESS_WRITE);
            if (wp == NULL) {
                return tcg_access_fault_cause(access);
            }
            guint64 expected = pte;
            if (!__atomic_compare_exchange_n(wp, &expected, pte | want, FALSE,
                                             __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
                goto restart;
            }
            pte |= want;
        }
        guint64 page_mask = (1ull << shift) - 1;
        *paddr = ((ppn << TCG_PAGE_BITS) & ~page_mask) | (vaddr & page_mask);
        *prot = 0;
        if (leaf_allows(env, pte, TCG_ACCESS_READ, priv)) {
            *prot |= TCG_PROT_READ;
        }
        if (leaf_allows(env, pte, TCG_ACCESS_WRITE, priv) && (pte & PTE_D)) {
            *prot |= TCG_PROT_WRITE;
        }
        if (leaf_allows(env, pte, TCG_ACCESS_EXEC, priv)) {
            *prot |= TCG_PROT_EXEC;
        }
        return -1;
    }
    g_assert_not_reached();
}

gint tcg_mmu_translate(TcgHart *hart, guint64 vaddr, TcgAccess access, guint priv,
                       guint64 *paddr, guint *prot)
{
    return walk(hart, vaddr, access, priv, FALSE, paddr, prot);
}

gboolean tcg_mmu_debug_translate(TcgHart *hart, guint64 vaddr, guint64 *paddr)
{
    guint priv = tcg_data_priv(&hart->env);
    if (!tcg_priv_paged(&hart->env, priv)) {
        *paddr = vaddr;
        return TRUE;
    }
    guint prot;
    return walk(hart, vaddr, TCG_ACCESS_READ, priv, TRUE, paddr, &prot) < 0;
}
