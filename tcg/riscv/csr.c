/* SPDX-License-Identifier: MIT */
/* The CSR file of an RV64 hart with M, S and U modes, Sv39/Sv48 and 16
 * PMP entries, less what its TcgIsa takes away (no S: no S CSRs, no
 * delegation, the S fields of mstatus/mie/mip read-only zero; no U: no
 * mcounteren or menvcfg, MPP always M; no F: no FP CSRs). Privilege and
 * read-only checks follow the number encoding (bits 9:8 lowest privilege,
 * 11:10 == 3 read-only); an access that fails them, or to a CSR that does
 * not exist, is illegal. */
#include "tcg/internal.h"

/* mstatus bits software may write; SD is derived, SXL/UXL are fixed. */
#define MSTATUS_WRITABLE                                                                  \
    (RV_MSTATUS_SIE | RV_MSTATUS_MIE | RV_MSTATUS_SPIE | RV_MSTATUS_MPIE | RV_MSTATUS_SPP | \
     RV_MSTATUS_MPP | RV_MSTATUS_MPRV | RV_MSTATUS_SUM | RV_MSTATUS_MXR | RV_MSTATUS_TVM |  \
     RV_MSTATUS_TW | RV_MSTATUS_TSR | RV_MSTATUS_FS)
#define SSTATUS_VISIBLE                                                                  \
    (RV_MSTATUS_SIE | RV_MSTATUS_SPIE | RV_MSTATUS_SPP | RV_MSTATUS_FS | RV_MSTATUS_SUM | \
     RV_MSTATUS_MXR | RV_MSTATUS_UXL)
#define SSTATUS_WRITABLE (SSTATUS_VISIBLE & MSTATUS_WRITABLE)

/* Interrupt bits that exist: SSI, MSI, STI, MTI, SEI, MEI. */
#define IRQ_ALL 0xaaaull
#define IRQ_S 0x222ull
/* The mstatus fields of S-mode, of U-mode (MPRV, TW: a mode below M). */
#define MSTATUS_S_FIELDS                                                          \
    (RV_MSTATUS_SIE | RV_MSTATUS_SPIE | RV_MSTATUS_SPP | RV_MSTATUS_SUM | RV_MSTATUS_MXR | \
     RV_MSTATUS_TVM | RV_MSTATUS_TSR | RV_MSTATUS_SXL)
#define MSTATUS_U_FIELDS (RV_MSTATUS_MPRV | RV_MSTATUS_TW | RV_MSTATUS_UXL)
/* mip bits software writes (the rest are driven by devices). */
#define MIP_SW_WRITABLE 0x222ull
/* Exceptions that can be delegated: not ecall from M. */
#define MEDELEG_WRITABLE 0xb3ffull

/* The envcfg fields of the extensions that exist (Zicbom, Zicboz, Svpbmt
 * and Sstc): OpenSBI finds Svpbmt by whether PBMTE sticks. */
#define SENVCFG_WRITABLE \
    (RV_ENVCFG_FIOM | RV_ENVCFG_CBIE | RV_ENVCFG_CBCFE | RV_ENVCFG_CBZE)
#define MENVCFG_WRITABLE (SENVCFG_WRITABLE | RV_ENVCFG_PBMTE | RV_ENVCFG_STCE)

/* The trigger module (Sdtrig) with no triggers: tselect holds only 0, and
 * tdata1 there reads type 0, "no trigger at this tselect", so debuggers
 * and test suites that look for triggers find none instead of trapping.
 * tinfo says the same (only type 0); tcontrol's M-mode trigger enable
 * bits are plain storage, as nothing can fire. */
#define TINFO_NO_TRIGGERS 1u
#define TCONTROL_WRITABLE 0x88u /* MPTE, MTE */

enum {
    CSR_FFLAGS = 0x001, CSR_FRM = 0x002, CSR_FCSR = 0x003,
    CSR_CYCLE = 0xc00, CSR_TIME = 0xc01, CSR_INSTRET = 0xc02,
    CSR_HPMCOUNTER3 = 0xc03, CSR_HPMCOUNTER31 = 0xc1f,
    CSR_SSTATUS = 0x100, CSR_SIE = 0x104, CSR_STVEC = 0x105, CSR_SCOUNTEREN = 0x106,
    CSR_SENVCFG = 0x10a, CSR_SSCRATCH = 0x140, CSR_SEPC = 0x141, CSR_SCAUSE = 0x142,
    CSR_STVAL = 0x143, CSR_SIP = 0x144, CSR_STIMECMP = 0x14d, CSR_SATP = 0x180,
    CSR_TSELECT = 0x7a0, CSR_TDATA1 = 0x7a1, CSR_TDATA2 = 0x7a2, CSR_TDATA3 = 0x7a3,
    CSR_TINFO = 0x7a4, CSR_TCONTROL = 0x7a5,
    CSR_MVENDORID = 0xf11, CSR_MARCHID = 0xf12, CSR_MIMPID = 0xf13, CSR_MHARTID = 0xf14,
    CSR_MCONFIGPTR = 0xf15,
    CSR_MSTATUS = 0x300, CSR_MISA = 0x301, CSR_MEDELEG = 0x302, CSR_MIDELEG = 0x303,
    CSR_MIE = 0x304, CSR_MTVEC = 0x305, CSR_MCOUNTEREN = 0x306, CSR_MENVCFG = 0x30a,
    CSR_MCOUNTINHIBIT = 0x320, CSR_MHPMEVENT3 = 0x323, CSR_MHPMEVENT31 = 0x33f,
    CSR_MSCRATCH = 0x340, CSR_MEPC = 0x341, CSR_MCAUSE = 0x342, CSR_MTVAL = 0x343,
    CSR_MIP = 0x344,
    CSR_PMPCFG0 = 0x3a0, CSR_PMPCFG15 = 0x3af, CSR_PMPADDR0 = 0x3b0, CSR_PMPADDR63 = 0x3ef,
    CSR_MCYCLE = 0xb00, CSR_MINSTRET = 0xb02, CSR_MHPMCOUNTER3 = 0xb03,
    CSR_MHPMCOUNTER31 = 0xb1f,
};

/* What a CSR instruction reads counts the instructions retired before it.
 * A block adds all its instructions to env.retired on entry and a CSR
 * instruction ends its block (trans-zicsr.c.inc), so env.retired already
 * counts the reading instruction itself: one less. A write (below) leaves
 * the writing instruction out too, so `csrw minstret, 0; csrr minstret`
 * reads 0. */
static guint64 read_instret(const TcgHart *hart)
{
    return hart->env.retired - 1 + hart->env.minstret_base;
}

/* No cycle model: a cycle per retired instruction, which keeps mcycle
 * monotonic and deterministic. */
static guint64 read_cycle(const TcgHart *hart)
{
    return hart->env.retired - 1 + hart->env.mcycle_base;
}

static guint64 sstatus_value(guint64 mstatus)
{
    guint64 v = mstatus & SSTATUS_VISIBLE;
    if ((v & RV_MSTATUS_FS) == RV_MSTATUS_FS) {
        v |= 1ull << 63;
    }
    return v;
}

/* Counter CSRs from S/U need the mcounteren (and from U scounteren) bit. */
static gboolean counter_allowed(const TcgHart *hart, guint csr)
{
    guint bit = csr & 31;
    if (hart->env.priv < RV_PRIV_M && !((hart->env.mcounteren >> bit) & 1)) {
        return FALSE;
    }
    if (hart->env.priv < RV_PRIV_S && !((hart->env.scounteren >> bit) & 1)) {
        return FALSE;
    }
    return TRUE;
}

/* Sstc's stimecmp exists where the node compares it; below M it needs
 * menvcfg.STCE and mcounteren.TM. */
static gboolean stimecmp_allowed(const TcgHart *hart)
{
    const TcgCpuState *env = &hart->env;
    if (hart->ops->set_stimecmp == NULL || !tcg_isa_has(&hart->config.isa, TCG_EXT_SSTC)) {
        return FALSE;
    }
    return env->priv == RV_PRIV_M ||
           ((env->menvcfg & RV_ENVCFG_STCE) && (env->mcounteren & (1u << (CSR_TIME & 31))));
}

/* Whether @csr exists on a hart of this TcgIsa. */
static gboolean csr_exists(const TcgIsa *isa, guint csr)
{
    if (((csr >> 8) & 3) == 1 || csr == CSR_MEDELEG || csr == CSR_MIDELEG) {
        return !isa->no_s_mode; /* S-level CSRs, and delegation to S */
    }
    if (csr == CSR_MCOUNTEREN || csr == CSR_MENVCFG) {
        return !isa->no_u_mode;
    }
    if (csr >= CSR_FFLAGS && csr <= CSR_FCSR) {
        return tcg_isa_has(isa, TCG_EXT_F);
    }
    return TRUE;
}

/* The interrupt bits of mie/mip that exist. */
static guint64 irq_bits(const TcgIsa *isa)
{
    return isa->no_s_mode ? IRQ_ALL & ~IRQ_S : IRQ_ALL;
}

/* Reads @csr into *@value; FALSE if it does not exist or is not allowed. */
static gboolean csr_read(TcgHart *hart, guint csr, guint64 *value)
{
    TcgCpuState *env = &hart->env;
    if (!csr_exists(&hart->config.isa, csr)) {
        return FALSE;
    }
    if (csr >= CSR_CYCLE && csr <= CSR_HPMCOUNTER31) {
        if (!counter_allowed(hart, csr)) {
            return FALSE;
        }
        switch (csr) {
        case CSR_CYCLE: *value = read_cycle(hart); break;
        case CSR_TIME: *value = hart->ops->read_time(hart->opaque, hart->config.hart_id); break;
        case CSR_INSTRET: *value = read_instret(hart); break;
        default: *value = 0; break;
        }
        return TRUE;
    }
    if ((csr >= CSR_MHPMCOUNTER3 && csr <= CSR_MHPMCOUNTER31) ||
        (csr >= CSR_MHPMEVENT3 && csr <= CSR_MHPMEVENT31)) {
        *value = 0;
        return TRUE;
    }
    if (csr >= CSR_PMPCFG0 && csr <= CSR_PMPCFG15) {
        /* RV64 has only the even pmpcfg registers. */
        guint n = csr - CSR_PMPCFG0;
        if (n & 1) {
            return FALSE;
        }
        *value = n / 2 < G_N_ELEMENTS(env->pmpcfg) ? env->pmpcfg[n / 2] : 0;
        return TRUE;
    }
    if (csr >= CSR_PMPADDR0 && csr <= CSR_PMPADDR63) {
        guint n = csr - CSR_PMPADDR0;
        *value = n < RV_PMP_COUNT ? env->pmpaddr[n] : 0;
        return TRUE;
    }
    if (csr >= CSR_FFLAGS && csr <= CSR_FCSR) {
        /* With FS = Off the FP CSRs do not exist, as the FP instructions. */
        if ((env->mstatus & RV_MSTATUS_FS) == 0) {
            return FALSE;
        }
        *value = csr == CSR_FFLAGS ? env->fflags
               : csr == CSR_FRM    ? env->frm
                                   : env->frm << 5 | env->fflags;
        return TRUE;
    }
    switch (csr) {
    case CSR_SSTATUS: *value = sstatus_value(env->mstatus); return TRUE;
    case CSR_SIE: *value = env->mie & env->mideleg & IRQ_S; return TRUE;
    case CSR_STVEC: *value = env->stvec; return TRUE;
    case CSR_SCOUNTEREN: *value = env->scounteren; return TRUE;
    case CSR_SENVCFG: *value = env->senvcfg; return TRUE;
    case CSR_SSCRATCH: *value = env->sscratch; return TRUE;
    case CSR_SEPC: *value = env->sepc & tcg_epc_mask(&hart->config.isa); return TRUE;
    case CSR_SCAUSE: *value = env->scause; return TRUE;
    case CSR_STVAL: *value = env->stval; return TRUE;
    case CSR_SIP: *value = tcg_mip(hart) & env->mideleg & IRQ_S; return TRUE;
    case CSR_STIMECMP:
        if (!stimecmp_allowed(hart)) {
            return FALSE;
        }
        *value = env->stimecmp;
        return TRUE;
    case CSR_SATP:
        if (env->priv == RV_PRIV_S && (env->mstatus & RV_MSTATUS_TVM)) {
            return FALSE;
        }
        *value = env->satp;
        return TRUE;
    case CSR_MVENDORID:
    case CSR_MARCHID:
    case CSR_MIMPID:
    case CSR_MCONFIGPTR:
        *value = 0;
        return TRUE;
    case CSR_MHARTID: *value = hart->config.hart_id; return TRUE;
    case CSR_MSTATUS:
        *value = env->mstatus | (sstatus_value(env->mstatus) & (1ull << 63));
        return TRUE;
    case CSR_MISA: *value = tcg_isa_misa(&hart->config.isa); return TRUE;
    case CSR_MEDELEG: *value = env->medeleg; return TRUE;
    case CSR_MIDELEG: *value = env->mideleg; return TRUE;
    case CSR_MIE: *value = env->mie; return TRUE;
    case CSR_MTVEC: *value = env->mtvec; return TRUE;
    case CSR_MCOUNTEREN: *value = env->mcounteren; return TRUE;
    case CSR_MENVCFG: *value = env->menvcfg; return TRUE;
    case CSR_MCOUNTINHIBIT: *value = env->mcountinhibit; return TRUE;
    case CSR_MSCRATCH: *value = env->mscratch; return TRUE;
    case CSR_MEPC: *value = env->mepc & tcg_epc_mask(&hart->config.isa); return TRUE;
    case CSR_MCAUSE: *value = env->mcause; return TRUE;
    case CSR_MTVAL: *value = env->mtval; return TRUE;
    case CSR_MIP: *value = tcg_mip(hart); return TRUE;
    case CSR_MCYCLE: *value = read_cycle(hart); return TRUE;
    case CSR_MINSTRET: *value = read_instret(hart); return TRUE;
    case CSR_TSELECT:
    case CSR_TDATA1:
    case CSR_TDATA2:
    case CSR_TDATA3:
        *value = 0;
        return TRUE;
    case CSR_TINFO: *value = TINFO_NO_TRIGGERS; return TRUE;
    case CSR_TCONTROL: *value = env->tcontrol; return TRUE;
    }
    return FALSE;
}

static guint64 legal_tvec(guint64 v)
{
    /* Modes 0 (direct) and 1 (vectored) exist; others keep direct. */
    return (v & 3) >= 2 ? v & ~3ull : v;
}

/* Whether privilege mode @priv exists on a hart of this TcgIsa. */
static gboolean has_priv(const TcgIsa *isa, guint priv)
{
    return priv == RV_PRIV_M || (priv == RV_PRIV_S && !isa->no_s_mode) ||
           (priv == RV_PRIV_U && !isa->no_u_mode);
}

static guint64 legal_mstatus(const TcgIsa *isa, guint64 old, guint64 v)
{
    guint64 writable = MSTATUS_WRITABLE;
    if (isa->no_s_mode) {
        writable &= ~MSTATUS_S_FIELDS;
    }
    if (isa->no_u_mode) {
        writable &= ~MSTATUS_U_FIELDS;
    }
    if (isa->no_s_mode && !tcg_isa_has(isa, TCG_EXT_F)) {
        writable &= ~RV_MSTATUS_FS; /* neither F nor S: read-only zero */
    }
    guint64 st = (old & ~writable) | (v & writable);
    /* MPP is WARL over the modes that exist (2 never does): keep old. */
    if (!has_priv(isa, (guint)((st & RV_MSTATUS_MPP) >> RV_MSTATUS_MPP_SHIFT))) {
        st = (st & ~RV_MSTATUS_MPP) | (old & RV_MSTATUS_MPP);
    }
    return st;
}

guint64 tcg_mstatus_reset_value(const TcgIsa *isa)
{
    guint64 st = 0;
    if (!isa->no_s_mode) {
        st |= 2ull << 34; /* SXL: 64 */
    }
    if (!isa->no_u_mode) {
        st |= 2ull << 32; /* UXL: 64 */
    } else {
        st |= (guint64)RV_PRIV_M << RV_MSTATUS_MPP_SHIFT; /* the only mode */
    }
    return st;
}

guint tcg_lowest_priv(const TcgIsa *isa)
{
    return !isa->no_u_mode ? RV_PRIV_U : RV_PRIV_M;
}

/* CBIE is WARL: 2 is reserved, so a write of it keeps the old value. */
static guint64 legal_envcfg(guint64 old, guint64 v)
{
    if (((v & RV_ENVCFG_CBIE) >> RV_ENVCFG_CBIE_SHIFT) == 2) {
        v = (v & ~RV_ENVCFG_CBIE) | (old & RV_ENVCFG_CBIE);
    }
    return v;
}

/* The envcfg fields of the extensions the hart has (menvcfg's: @machine). */
static guint64 envcfg_writable(const TcgIsa *isa, gboolean machine)
{
    guint64 w = machine ? MENVCFG_WRITABLE : SENVCFG_WRITABLE;
    if (!tcg_isa_has(isa, TCG_EXT_ZICBOM)) {
        w &= ~(RV_ENVCFG_CBIE | RV_ENVCFG_CBCFE);
    }
    if (!tcg_isa_has(isa, TCG_EXT_ZICBOZ)) {
        w &= ~RV_ENVCFG_CBZE;
    }
    if (!tcg_isa_has(isa, TCG_EXT_SVPBMT)) {
        w &= ~RV_ENVCFG_PBMTE;
    }
    if (!tcg_isa_has(isa, TCG_EXT_SSTC)) {
        w &= ~RV_ENVCFG_STCE;
    }
    return w;
}

static void csr_write_one(TcgHart *hart, guint csr, guint64 v);

/* SUM and MXR change what S and U TLB entries allow. */
static void csr_write(TcgHart *hart, guint csr, guint64 v)
{
    guint64 old = hart->env.mstatus;
    csr_write_one(hart, csr, v);
    if ((old ^ hart->env.mstatus) & (RV_MSTATUS_SUM | RV_MSTATUS_MXR)) {
        tcg_tlb_flush_all(hart);
    }
}

static void csr_write_one(TcgHart *hart, guint csr, guint64 v)
{
    TcgCpuState *env = &hart->env;
    /* PMP decides what a page allows: the TLB and jump cache go. */
    if (csr >= CSR_PMPCFG0 && csr <= CSR_PMPCFG15) {
        guint n = (csr - CSR_PMPCFG0) / 2;
        if (n < G_N_ELEMENTS(env->pmpcfg)) {
            tcg_pmp_write_cfg(hart, n, v);
            tcg_tb_jmp_cache_flush(hart);
        }
        return;
    }
    if (csr >= CSR_PMPADDR0 && csr <= CSR_PMPADDR63) {
        guint n = csr - CSR_PMPADDR0;
        if (n < RV_PMP_COUNT) {
            tcg_pmp_write_addr(hart, n, v);
            tcg_tb_jmp_cache_flush(hart);
        }
        return;
    }
    switch (csr) {
    /* frm is WARL over 3 bits: reserved values stick and make dynamic-rm
     * instructions illegal (fpu.c), as the spec says. */
    case CSR_FFLAGS: env->fflags = v & 0x1f; env->mstatus |= RV_MSTATUS_FS_DIRTY; return;
    case CSR_FRM: env->frm = v & 7; env->mstatus |= RV_MSTATUS_FS_DIRTY; return;
    case CSR_FCSR:
        env->fflags = v & 0x1f;
        env->frm = (v >> 5) & 7;
        env->mstatus |= RV_MSTATUS_FS_DIRTY;
        return;
    case CSR_SSTATUS:
        env->mstatus = legal_mstatus(&hart->config.isa, env->mstatus,
                                     (env->mstatus & ~SSTATUS_WRITABLE) | (v & SSTATUS_WRITABLE));
        return;
    case CSR_SIE:
        env->mie = (env->mie & ~(env->mideleg & IRQ_S)) | (v & env->mideleg & IRQ_S);
        return;
    case CSR_STVEC: env->stvec = legal_tvec(v); return;
    case CSR_SCOUNTEREN: env->scounteren = v & 0xffffffffull; return;
    case CSR_SENVCFG:
        env->senvcfg = legal_envcfg(env->senvcfg, v & envcfg_writable(&hart->config.isa, FALSE));
        return;
    case CSR_SSCRATCH: env->sscratch = v; return;
    case CSR_SEPC: env->sepc = v & ~1ull; return;
    case CSR_SCAUSE: env->scause = v; return;
    case CSR_STVAL: env->stval = v; return;
    case CSR_SIP: {
        guint64 mask = env->mideleg & 0x2ull; /* only SSIP is writable through sip */
        env->mip_sw = (env->mip_sw & ~mask) | (v & mask);
        return;
    }
    case CSR_STIMECMP:
        env->stimecmp = v;
        hart->ops->set_stimecmp(hart->opaque, hart->config.hart_id, v);
        return;
    case CSR_TCONTROL: env->tcontrol = v & TCONTROL_WRITABLE; return;
    case CSR_SATP: {
        /* The modes the hart's MMU has (Bare always); a write of another
         * mode has no effect. With Bare alone satp reads zero. */
        guint mode = (guint)(v >> RV_SATP_MODE_SHIFT);
        TcgMmuModes mmu = hart->config.isa.mmu;
        if (mode != RV_SATP_MODE_BARE && (mmu == TCG_MMU_NONE || mode != RV_SATP_MODE_SV39) &&
            (mmu != TCG_MMU_SV48 || mode != RV_SATP_MODE_SV48)) {
            return;
        }
        if (mmu == TCG_MMU_NONE) {
            v = 0;
        }
        env->satp = v & (0xfull << RV_SATP_MODE_SHIFT | RV_SATP_ASID_MASK | RV_SATP_PPN_MASK);
        tcg_tlb_flush_all(hart);
        tcg_tb_jmp_cache_flush(hart);
        return;
    }
    case CSR_MSTATUS: env->mstatus = legal_mstatus(&hart->config.isa, env->mstatus, v); return;
    case CSR_MISA: return; /* WARL: the extensions are fixed */
    case CSR_MEDELEG: env->medeleg = v & MEDELEG_WRITABLE; return;
    case CSR_MIDELEG: env->mideleg = v & IRQ_S; return;
    case CSR_MIE: env->mie = v & irq_bits(&hart->config.isa); return;
    case CSR_MTVEC: env->mtvec = legal_tvec(v); return;
    case CSR_MCOUNTEREN: env->mcounteren = v & 0xffffffffull; return;
    case CSR_MENVCFG:
        env->menvcfg = legal_envcfg(env->menvcfg, v & envcfg_writable(&hart->config.isa, TRUE));
        return;
    case CSR_MCOUNTINHIBIT: env->mcountinhibit = v & ~2ull; return;
    case CSR_MSCRATCH: env->mscratch = v; return;
    case CSR_MEPC: env->mepc = v & ~1ull; return;
    case CSR_MCAUSE: env->mcause = v; return;
    case CSR_MTVAL: env->mtval = v; return;
    case CSR_MIP: {
        guint64 mask = MIP_SW_WRITABLE & irq_bits(&hart->config.isa);
        env->mip_sw = (env->mip_sw & ~mask) | (v & mask);
        return;
    }
    /* The instruction writing the counter does not count itself. */
    case CSR_MCYCLE: env->mcycle_base = v - env->retired; return;
    case CSR_MINSTRET: env->minstret_base = v - env->retired; return;
    }
    /* mhpm counters and events, and the trigger registers with no trigger
     * behind them: read-only zero (WARL). */
}

guint64 tcg_csr_access(TcgHart *hart, guint csr, guint op, guint64 src, gboolean do_write,
                       guint32 insn)
{
    guint min_priv = (csr >> 8) & 3;
    gboolean read_only = (csr >> 10) == 3;
    guint64 old;
    if (hart->env.priv < min_priv || (do_write && read_only) || !csr_read(hart, csr, &old)) {
        tcg_raise(hart, RV_EXC_ILLEGAL, insn);
    }
    if (do_write) {
        /* In mip only the software bits take part in csrrs/csrrc: SEIP read
         * back from the PLIC's line and written again would stay set after
         * the line drops (OpenSBI sets SSIP so when an IPI comes, and the
         * hart then took external interrupts for ever instead of the IPI). */
        guint64 base = csr == CSR_MIP ? hart->env.mip_sw : old;
        guint64 v = op == 1 ? src : op == 2 ? base | src : base & ~src;
        csr_write(hart, csr, v);
        /* A write may unmask a pending interrupt; look before the next block. */
        g_atomic_int_or(&hart->event, TCG_EVENT_IRQ);
    }
    return old;
}

gboolean tcg_csr_debug_read(TcgHart *hart, guint csr, guint64 *value)
{
    return csr < 4096 && csr_read(hart, csr, value);
}

gboolean tcg_csr_debug_write(TcgHart *hart, guint csr, guint64 value)
{
    guint64 old;
    if (csr >= 4096 || (csr >> 10) == 3 || !csr_read(hart, csr, &old)) {
        return FALSE;
    }
    /* As the guest's own write would: WARL fields, TLB flushes. */
    csr_write(hart, csr, value);
    g_atomic_int_or(&hart->event, TCG_EVENT_IRQ);
    return TRUE;
}
