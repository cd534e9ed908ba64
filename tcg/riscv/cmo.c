/* SPDX-License-Identifier: MIT */
/* Zicbom and Zicboz: the cache-block instructions. The harts share no
 * cache model (every access goes to the node's frame, kept coherent by
 * the directory), so clean, flush and invalidate have nothing to write
 * back or drop: what is left of them is the architecture around it, the
 * envcfg enables and the permission checks, which software relies on.
 * cbo.zero stores a block of zeros like any store. */
#include "tcg/internal.h"

/* What rs1 names: the block is the RV_CACHE_BLOCK bytes around it. */
enum { CBO_INVAL = 0, CBO_CLEAN = 1, CBO_FLUSH = 2, CBO_ZERO = 4 };

/* Whether @field of menvcfg (and, in U-mode, of senvcfg) lets the
 * current privilege run the instruction; cbo.inval's two-bit field counts
 * as enabled when it is not 0. */
static gboolean cbo_enabled(const TcgCpuState *env, guint64 field)
{
    if (env->priv == RV_PRIV_M) {
        return TRUE;
    }
    if ((env->menvcfg & field) == 0) {
        return FALSE;
    }
    return env->priv == RV_PRIV_S || (env->senvcfg & field) != 0;
}

/* a = rs1, imm = CBO_* | instruction bits << 32 (mtval of an illegal one). */
guint64 tcg_helper_cbo(TcgHart *hart, guint64 a, guint64 b, guint64 c, gint64 imm)
{
    guint kind = (guint)(imm & 7);
    guint64 field = kind == CBO_ZERO    ? RV_ENVCFG_CBZE
                  : kind == CBO_INVAL   ? RV_ENVCFG_CBIE
                                        : RV_ENVCFG_CBCFE;
    if (!cbo_enabled(&hart->env, field)) {
        tcg_raise(hart, RV_EXC_ILLEGAL, (guint64)imm >> 32);
    }
    guint64 block = a & ~(guint64)(RV_CACHE_BLOCK - 1);
    if (kind == CBO_ZERO) {
        /* One page holds the block: if the first store faults, none landed. */
        for (guint off = 0; off < RV_CACHE_BLOCK; off += 8) {
            tcg_mem_store(hart, block + off, 0, TCG_MO_64);
        }
        return 0;
    }
    /* Allowed where a load or a store would be; a fault is a store's. */
    if (tcg_mem_probe(hart, block, TCG_ACCESS_READ) >= 0) {
        gint fault = tcg_mem_probe(hart, block, TCG_ACCESS_WRITE);
        if (fault >= 0) {
            tcg_raise(hart, (RvException)fault, block);
        }
    }
    return 0;
}
