/* SPDX-License-Identifier: MIT */
/* The architectural state of one RISC-V hart as translated code sees it,
 * and the CSR/trap model around it (csr.c, trap.c). Only what generated
 * code touches by offset lives in TcgCpuState. */
#ifndef SHOAL_TCG_RISCV_CPU_H
#define SHOAL_TCG_RISCV_CPU_H

#include <glib.h>
#include <stdint.h>

#include "tcg/ir.h"
#include "tcg/tcg.h" /* TCG_PMP_ENTRIES */

G_BEGIN_DECLS

typedef enum {
    RV_PRIV_U = 0,
    RV_PRIV_S = 1,
    RV_PRIV_M = 3,
} RvPriv;

/* Exception causes (mcause without the interrupt bit). */
typedef enum {
    RV_EXC_INSN_MISALIGNED = 0,
    RV_EXC_INSN_ACCESS = 1,
    RV_EXC_ILLEGAL = 2,
    RV_EXC_BREAKPOINT = 3,
    RV_EXC_LOAD_MISALIGNED = 4,
    RV_EXC_LOAD_ACCESS = 5,
    RV_EXC_STORE_MISALIGNED = 6,
    RV_EXC_STORE_ACCESS = 7,
    RV_EXC_ECALL_U = 8,
    RV_EXC_ECALL_S = 9,
    RV_EXC_ECALL_M = 11,
    RV_EXC_INSN_PAGE_FAULT = 12,
    RV_EXC_LOAD_PAGE_FAULT = 13,
    RV_EXC_STORE_PAGE_FAULT = 15,
} RvException;

/* satp: MODE (Bare, Sv39, Sv48), a 16-bit ASID, the root table's PPN. */
#define RV_SATP_MODE_SHIFT 60
#define RV_SATP_MODE_BARE 0
#define RV_SATP_MODE_SV39 8
#define RV_SATP_MODE_SV48 9
#define RV_SATP_ASID_SHIFT 44
#define RV_SATP_ASID_MASK (0xffffull << RV_SATP_ASID_SHIFT)
#define RV_SATP_PPN_MASK ((1ull << 44) - 1)

#define RV_MSTATUS_SIE (1ull << 1)
#define RV_MSTATUS_MIE (1ull << 3)
#define RV_MSTATUS_SPIE (1ull << 5)
#define RV_MSTATUS_MPIE (1ull << 7)
#define RV_MSTATUS_SPP (1ull << 8)
#define RV_MSTATUS_MPP_SHIFT 11
#define RV_MSTATUS_MPP (3ull << RV_MSTATUS_MPP_SHIFT)
#define RV_MSTATUS_FS (3ull << 13)
#define RV_MSTATUS_MPRV (1ull << 17)
#define RV_MSTATUS_SUM (1ull << 18)
#define RV_MSTATUS_MXR (1ull << 19)
#define RV_MSTATUS_TVM (1ull << 20)
#define RV_MSTATUS_TW (1ull << 21)
#define RV_MSTATUS_TSR (1ull << 22)
#define RV_MSTATUS_UXL (3ull << 32)
#define RV_MSTATUS_SXL (3ull << 34)

#define RV_MSTATUS_FS_SHIFT 13
#define RV_MSTATUS_FS_INITIAL (1ull << RV_MSTATUS_FS_SHIFT)
#define RV_MSTATUS_FS_DIRTY (3ull << RV_MSTATUS_FS_SHIFT)
#define RV_MSTATUS_SD (1ull << 63)

/* menvcfg / senvcfg fields (senvcfg has those up to CBZE). */
#define RV_ENVCFG_FIOM (1ull << 0)
#define RV_ENVCFG_CBIE_SHIFT 4     /* Zicbom cbo.inval: 0 illegal, 1 flush, 3 inval */
#define RV_ENVCFG_CBIE (3ull << RV_ENVCFG_CBIE_SHIFT)
#define RV_ENVCFG_CBCFE (1ull << 6) /* Zicbom cbo.clean, cbo.flush */
#define RV_ENVCFG_CBZE (1ull << 7)  /* Zicboz cbo.zero */
#define RV_ENVCFG_PBMTE (1ull << 62) /* Svpbmt */
#define RV_ENVCFG_STCE (1ull << 63)  /* Sstc: stimecmp drives STIP */

/* The cache block the Zicbom/Zicboz instructions name (the device tree's
 * riscv,cbom-block-size and riscv,cboz-block-size). */
#define RV_CACHE_BLOCK 64

/* fflags bits. */
#define RV_FFLAG_NX 1u  /* inexact */
#define RV_FFLAG_UF 2u  /* underflow */
#define RV_FFLAG_OF 4u  /* overflow */
#define RV_FFLAG_DZ 8u  /* divide by zero */
#define RV_FFLAG_NV 16u /* invalid */

/* Rounding modes: the rm field and frm. */
typedef enum {
    RV_RM_RNE = 0, /* to nearest, ties to even */
    RV_RM_RTZ = 1,
    RV_RM_RDN = 2, /* down (towards -inf) */
    RV_RM_RUP = 3, /* up (towards +inf) */
    RV_RM_RMM = 4, /* to nearest, ties away from zero */
    RV_RM_DYN = 7, /* rm field only: use frm */
} RvRound;

#define RV_PMP_COUNT TCG_PMP_ENTRIES

typedef struct {
    guint64 x[TCG_NB_GLOBALS]; /* x0..x31; x[0] stays 0 */
    guint64 pc;                /* pc of the next block; exact only between blocks */
    guint64 insn_pc;           /* pc of the instruction executing (interpreter) */
    guint8 priv;               /* RvPriv */
    guint64 mstatus;
    guint64 mie;
    guint64 mip_sw;            /* software-writable mip bits (SSIP, STIP, SEIP) */
    guint64 mip_hw;            /* (atomic) bits driven by devices: MSIP, MTIP, MEIP, and
                                * SEIP from the PLIC (ORed with mip_sw's) */
    guint64 mtvec, mscratch, mepc, mcause, mtval;
    guint64 medeleg, mideleg, mcounteren, scounteren, mcountinhibit;
    guint64 stvec, sscratch, sepc, scause, stval, satp;
    guint64 menvcfg, senvcfg;
    guint64 stimecmp;          /* Sstc; the node compares it (TcgNodeOps.set_stimecmp) */
    guint64 tcontrol;          /* Sdtrig's, with no triggers to enable (csr.c) */
    guint64 pmpcfg[RV_PMP_COUNT / 8];
    guint64 pmpaddr[RV_PMP_COUNT];
    guint64 minstret_base;     /* minstret = retired + base, so writes stick */
    guint64 mcycle_base;
    guint64 retired;           /* instructions of blocks entered */
    guint64 deadline;          /* budgeted hart: no block starts at retired >= this */
    guint64 reservation;       /* LR address, or RV_NO_RESERVATION */
    guint64 reservation_value; /* value LR read, for the SC compare-and-swap */
    gboolean lease_held;       /* the node was told of the LR (TcgNodeOps.reserve) */
    guint64 f[32];             /* f0..f31; a single is NaN-boxed (upper 32 bits all ones) */
    guint32 fflags;            /* accrued exceptions, RV_FFLAG_* (5 bits) */
    guint32 frm;               /* dynamic rounding mode, RvRound (3 bits; 5-7 reserved) */
} TcgCpuState;

/* AMO operations, as the amo helper's imm carries them (op << 2 | log2 size). */
typedef enum {
    RV_AMO_SWAP, RV_AMO_ADD, RV_AMO_XOR, RV_AMO_AND, RV_AMO_OR,
    RV_AMO_MIN, RV_AMO_MAX, RV_AMO_MINU, RV_AMO_MAXU,
} RvAmoOp;

/* CSR instruction packing in the csr helper's imm. */
#define RV_CSR_OP_SHIFT 12   /* 1 = write, 2 = set, 3 = clear */
#define RV_CSR_WRITE_BIT (1 << 14)
#define RV_CSR_INSN_SHIFT 32 /* the instruction bits, for mtval */

#define RV_NO_RESERVATION (~0ull)

G_END_DECLS

#endif /* SHOAL_TCG_RISCV_CPU_H */
