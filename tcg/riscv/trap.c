/* SPDX-License-Identifier: MIT */
/* Traps: exceptions raised from inside a block unwind to the run loop;
 * interrupts are taken between blocks. Both go through trap_enter, which
 * applies delegation and the mstatus stack of the privileged spec. */
#include "tcg/internal.h"

#define CAUSE_INTERRUPT (1ull << 63)

guint64 tcg_mip(const TcgHart *hart)
{
    guint64 hw = __atomic_load_n(&hart->env.mip_hw, __ATOMIC_SEQ_CST);
    guint64 sw = hart->env.mip_sw;
    /* With Sstc on, STIP is stimecmp's line and M's writes to it do not
     * count; off, the line does not. */
    guint64 stip = 1ull << TCG_IRQ_STIP;
    if (hart->env.menvcfg & RV_ENVCFG_STCE) {
        sw &= ~stip;
    } else {
        hw &= ~stip;
    }
    return hw | sw;
}

static void trap_enter(TcgHart *hart, guint64 cause, gboolean interrupt, guint64 tval,
                       guint64 epc)
{
    TcgCpuState *env = &hart->env;
    guint64 deleg = interrupt ? env->mideleg : env->medeleg;
    guint64 mcause = cause | (interrupt ? CAUSE_INTERRUPT : 0);

    if (env->priv <= RV_PRIV_S && ((deleg >> cause) & 1)) {
        env->scause = mcause;
        env->sepc = epc;
        env->stval = tval;
        guint64 st = env->mstatus;
        st = (st & ~RV_MSTATUS_SPIE) | ((st & RV_MSTATUS_SIE) ? RV_MSTATUS_SPIE : 0);
        st &= ~RV_MSTATUS_SIE;
        st = (st & ~RV_MSTATUS_SPP) | (env->priv == RV_PRIV_S ? RV_MSTATUS_SPP : 0);
        env->mstatus = st;
        env->priv = RV_PRIV_S;
        env->pc = (env->stvec & ~3ull) + ((interrupt && (env->stvec & 3) == 1) ? 4 * cause : 0);
        return;
    }
    env->mcause = mcause;
    env->mepc = epc;
    env->mtval = tval;
    guint64 st = env->mstatus;
    st = (st & ~RV_MSTATUS_MPIE) | ((st & RV_MSTATUS_MIE) ? RV_MSTATUS_MPIE : 0);
    st &= ~RV_MSTATUS_MIE;
    st = (st & ~RV_MSTATUS_MPP) | ((guint64)env->priv << RV_MSTATUS_MPP_SHIFT);
    env->mstatus = st;
    env->priv = RV_PRIV_M;
    env->pc = (env->mtvec & ~3ull) + ((interrupt && (env->mtvec & 3) == 1) ? 4 * cause : 0);
}

void tcg_raise(TcgHart *hart, RvException cause, guint64 tval)
{
    g_debug("hart %u: exception %u at pc 0x%" G_GINT64_MODIFIER "x tval 0x%" G_GINT64_MODIFIER
            "x",
            hart->config.hart_id, cause, hart->env.insn_pc, tval);
    trap_enter(hart, cause, FALSE, tval, hart->env.insn_pc);
    siglongjmp(hart->exit_jmp, 1);
}

/* Interrupt priority of the privileged spec: MEI, MSI, MTI, SEI, SSI, STI. */
static const guint8 irq_priority[] = { 11, 3, 7, 9, 1, 5 };

gboolean tcg_take_interrupt(TcgHart *hart)
{
    TcgCpuState *env = &hart->env;
    guint64 pending = tcg_mip(hart) & env->mie;
    if (pending == 0) {
        return FALSE;
    }
    gboolean m_enabled = env->priv < RV_PRIV_M || (env->mstatus & RV_MSTATUS_MIE);
    gboolean s_enabled = env->priv < RV_PRIV_S ||
                         (env->priv == RV_PRIV_S && (env->mstatus & RV_MSTATUS_SIE));
    guint64 to_m = m_enabled ? pending & ~env->mideleg : 0;
    guint64 to_s = s_enabled && env->priv <= RV_PRIV_S ? pending & env->mideleg : 0;
    guint64 takeable = to_m ? to_m : to_s;
    for (guint i = 0; i < G_N_ELEMENTS(irq_priority); i++) {
        if (takeable & (1ull << irq_priority[i])) {
            trap_enter(hart, irq_priority[i], TRUE, 0, env->pc);
            return TRUE;
        }
    }
    return FALSE;
}

/* Raise an illegal-instruction trap: mtval holds the instruction bits, as
 * QEMU 7.2 reports them. */
static G_NORETURN void illegal(TcgHart *hart, guint64 insn)
{
    tcg_raise(hart, RV_EXC_ILLEGAL, insn);
}

guint64 tcg_helper_illegal(TcgHart *hart, guint64 a, guint64 b, guint64 c, gint64 imm)
{
    illegal(hart, (guint32)imm);
}

guint64 tcg_helper_jump_misaligned(TcgHart *hart, guint64 a, guint64 b, guint64 c, gint64 imm)
{
    tcg_raise(hart, RV_EXC_INSN_MISALIGNED, a);
}

guint64 tcg_epc_mask(const TcgIsa *isa)
{
    return tcg_isa_has(isa, TCG_EXT_C) ? ~1ull : ~3ull;
}

guint64 tcg_helper_ecall(TcgHart *hart, guint64 a, guint64 b, guint64 c, gint64 imm)
{
    static const RvException by_priv[] = {
        [RV_PRIV_U] = RV_EXC_ECALL_U, [RV_PRIV_S] = RV_EXC_ECALL_S, [RV_PRIV_M] = RV_EXC_ECALL_M,
    };
    tcg_raise(hart, by_priv[hart->env.priv], 0);
}

guint64 tcg_helper_ebreak(TcgHart *hart, guint64 a, guint64 b, guint64 c, gint64 imm)
{
    tcg_raise(hart, RV_EXC_BREAKPOINT, 0);
}

guint64 tcg_helper_mret(TcgHart *hart, guint64 a, guint64 b, guint64 c, gint64 imm)
{
    TcgCpuState *env = &hart->env;
    if (env->priv < RV_PRIV_M) {
        illegal(hart, (guint32)imm);
    }
    guint64 st = env->mstatus;
    guint prev = (st & RV_MSTATUS_MPP) >> RV_MSTATUS_MPP_SHIFT;
    st = (st & ~RV_MSTATUS_MIE) | ((st & RV_MSTATUS_MPIE) ? RV_MSTATUS_MIE : 0);
    st |= RV_MSTATUS_MPIE;
    st &= ~RV_MSTATUS_MPP; /* the least privileged mode there is */
    st |= (guint64)tcg_lowest_priv(&hart->config.isa) << RV_MSTATUS_MPP_SHIFT;
    if (prev != RV_PRIV_M) {
        st &= ~RV_MSTATUS_MPRV;
    }
    env->mstatus = st;
    env->priv = (guint8)prev;
    env->pc = env->mepc & tcg_epc_mask(&hart->config.isa);
    /* Returning may unmask a pending interrupt. */
    g_atomic_int_or(&hart->event, TCG_EVENT_IRQ);
    return 0;
}

guint64 tcg_helper_sret(TcgHart *hart, guint64 a, guint64 b, guint64 c, gint64 imm)
{
    TcgCpuState *env = &hart->env;
    if (hart->config.isa.no_s_mode || env->priv < RV_PRIV_S ||
        (env->priv == RV_PRIV_S && (env->mstatus & RV_MSTATUS_TSR))) {
        illegal(hart, (guint32)imm);
    }
    guint64 st = env->mstatus;
    guint prev = (st & RV_MSTATUS_SPP) ? RV_PRIV_S : RV_PRIV_U;
    st = (st & ~RV_MSTATUS_SIE) | ((st & RV_MSTATUS_SPIE) ? RV_MSTATUS_SIE : 0);
    st |= RV_MSTATUS_SPIE;
    st &= ~RV_MSTATUS_SPP;
    st &= ~RV_MSTATUS_MPRV;
    env->mstatus = st;
    env->priv = (guint8)prev;
    env->pc = env->sepc & tcg_epc_mask(&hart->config.isa);
    g_atomic_int_or(&hart->event, TCG_EVENT_IRQ);
    return 0;
}

guint64 tcg_helper_wfi(TcgHart *hart, guint64 a, guint64 b, guint64 c, gint64 imm)
{
    TcgCpuState *env = &hart->env;
    if (env->priv == RV_PRIV_U ||
        (env->priv == RV_PRIV_S && (env->mstatus & RV_MSTATUS_TW))) {
        illegal(hart, (guint32)imm);
    }
    tcg_hart_wait_for_interrupt(hart);
    g_atomic_int_or(&hart->event, TCG_EVENT_IRQ);
    return 0;
}

guint64 tcg_helper_sfence_vma(TcgHart *hart, guint64 a, guint64 b, guint64 c, gint64 imm)
{
    TcgCpuState *env = &hart->env;
    if (env->priv == RV_PRIV_U ||
        (env->priv == RV_PRIV_S && (env->mstatus & RV_MSTATUS_TVM))) {
        illegal(hart, (guint32)imm);
    }
    guint rs1 = ((guint32)imm >> 15) & 31;
    if (rs1 != 0) {
        /* One virtual page: a guest remapping pages one by one keeps the
         * rest of its TLB (a full flush each time cost 2x on bench tlb). */
        tcg_tlb_flush_vpage(hart, a);
        tcg_tb_jmp_cache_flush_page(hart, a);
        return 0;
    }
    tcg_tlb_flush_all(hart);
    tcg_tb_jmp_cache_flush(hart);
    return 0;
}
