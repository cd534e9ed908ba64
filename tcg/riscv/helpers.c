/* SPDX-License-Identifier: MIT */
/* The helper table, and the helpers for Zicsr, Zifencei, A and Zbc. Atomics
 * are host atomics on the node's frame (the page is held Modified when
 * writable), so they stay atomic against every other hart thread. */
#include <sched.h>

#include "tcg/internal.h"

const TcgHelperDesc tcg_helpers[TCG_HELPER_COUNT] = {
#define DEF_HELPER(name, flags) [TCG_HELPER_##name] = { #name, tcg_helper_##name, flags },
#include "tcg/helpers.def"
#undef DEF_HELPER
};

guint64 tcg_helper_csr(TcgHart *hart, guint64 a, guint64 b, guint64 c, gint64 imm)
{
    guint csr = imm & 0xfff;
    guint op = (imm >> RV_CSR_OP_SHIFT) & 3;
    gboolean do_write = (imm & RV_CSR_WRITE_BIT) != 0;
    guint32 insn = (guint32)((guint64)imm >> RV_CSR_INSN_SHIFT);
    return tcg_csr_access(hart, csr, op, a, do_write, insn);
}

/* fence.i on a hart that shares its frames with others: their stores to
 * code this hart translated did not go through its TLB. Translations of the
 * pages they stored into since go (the running block, which fence.i ends,
 * may finish: invalidation never frees). */
guint64 tcg_helper_fence_i(TcgHart *hart, guint64 a, guint64 b, guint64 c, gint64 imm)
{
    tcg_tb_fence_i(hart);
    return 0;
}

guint64 tcg_helper_io_fence(TcgHart *hart, guint64 a, guint64 b, guint64 c, gint64 imm)
{
    const TcgNodeOps *ops = hart->ops;
    guint id = hart->config.hart_id;
    if (ops->io_fence != NULL && !ops->io_fence(hart->opaque, id, FALSE)) {
        tcg_safe_point_enter(hart);
        ops->io_fence(hart->opaque, id, TRUE);
        tcg_safe_point_leave(hart);
    }
    return 0;
}

guint64 tcg_helper_pause(TcgHart *hart, guint64 a, guint64 b, guint64 c, gint64 imm)
{
    hart->stats.pauses++;
    sched_yield();
    return 0;
}

static guint64 sext32(guint64 v)
{
    return (guint64)(gint64)(gint32)v;
}

guint64 tcg_helper_lr(TcgHart *hart, guint64 addr, guint64 b, guint64 c, gint64 log2size)
{
    guint64 no_store;
    void *p = tcg_mem_atomic_ptr(hart, addr, (guint)log2size, TRUE, &no_store);
    if (hart->ops->lease_take != NULL) {
        /* Before the load: taking the page may bring a newer copy. */
        if (!hart->ops->lease_take(hart->opaque, hart->config.hart_id, p, FALSE)) {
            tcg_safe_point_enter(hart);
            hart->ops->lease_take(hart->opaque, hart->config.hart_id, p, TRUE);
            tcg_safe_point_leave(hart);
        }
        hart->env.lease_held = TRUE;
    }
    guint64 v = log2size == 2 ? sext32(__atomic_load_n((guint32 *)p, __ATOMIC_SEQ_CST))
                              : __atomic_load_n((guint64 *)p, __ATOMIC_SEQ_CST);
    hart->env.reservation = addr;
    hart->env.reservation_value = v;
    return v;
}

/* QEMU's scheme: SC succeeds iff the reservation is ours and memory still
 * holds what LR read, decided by one host compare-and-swap. */
guint64 tcg_helper_sc(TcgHart *hart, guint64 addr, guint64 value, guint64 c, gint64 log2size)
{
    guint64 code_paddr;
    void *p = tcg_mem_atomic_ptr(hart, addr, (guint)log2size, FALSE, &code_paddr);
    gboolean held = hart->env.reservation == addr;
    guint64 expected = hart->env.reservation_value;
    hart->env.reservation = RV_NO_RESERVATION;
    gboolean ok = FALSE;
    if (held && log2size == 2) {
        guint32 e32 = (guint32)expected;
        ok = __atomic_compare_exchange_n((guint32 *)p, &e32, (guint32)value, FALSE,
                                         __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    } else if (held) {
        ok = __atomic_compare_exchange_n((guint64 *)p, &expected, value, FALSE,
                                         __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    }
    if (ok && code_paddr != TCG_NO_CODE_PAGE) {
        tcg_shared_code_stored(code_paddr);
    }
    if (hart->env.lease_held) {
        hart->env.lease_held = FALSE;
        hart->ops->lease_end(hart->opaque, hart->config.hart_id);
    }
    return ok ? 0 : 1;
}

guint64 tcg_helper_amo(TcgHart *hart, guint64 addr, guint64 value, guint64 c, gint64 imm)
{
    guint log2size = imm & 3;
    RvAmoOp op = (RvAmoOp)(imm >> 2);
    guint64 code_paddr, remote_old;
    G_STATIC_ASSERT(TCG_REMOTE_SWAP == RV_AMO_SWAP + 1 && TCG_REMOTE_MAXU == RV_AMO_MAXU + 1);
    if (tcg_mem_amo_remote(hart, addr, log2size, (TcgRemoteOp)(op + 1), value, &remote_old)) {
        return log2size == 2 ? sext32(remote_old) : remote_old;
    }
    void *p = tcg_mem_atomic_ptr(hart, addr, log2size, FALSE, &code_paddr);
    guint64 old = tcg_host_access(p, 1u << log2size, (TcgRemoteOp)(op + 1), value);
    old = log2size == 2 ? sext32(old) : old;
    if (code_paddr != TCG_NO_CODE_PAGE) {
        tcg_shared_code_stored(code_paddr);
    }
    return old;
}

/* Zbc's carry-less products of a and b, as the spec defines them bit by
 * bit: clmul the low 64 bits of the 128-bit product, clmulh the high 64,
 * clmulr bits 126:63. */
guint64 tcg_helper_clmul(TcgHart *hart, guint64 a, guint64 b, guint64 c, gint64 funct3)
{
    guint64 x = 0;
    for (guint i = 0; i < 64; i++) {
        if (!((b >> i) & 1)) {
            continue;
        }
        switch (funct3) {
        case 1: x ^= a << i; break;
        case 2: x ^= a >> (63 - i); break;
        case 3: x ^= i == 0 ? 0 : a >> (64 - i); break;
        default: g_assert_not_reached();
        }
    }
    return x;
}
