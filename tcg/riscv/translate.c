/* SPDX-License-Identifier: MIT */
/* The RISC-V front end: fetch, decode and turn guest instructions into IR
 * until a block ends (a jump, a privileged instruction, the page end or
 * the size limit). One trans_<name> per instruction of insn.def, grouped
 * by extension in trans-*.c.inc. */
#include <stddef.h>
#include <string.h>

#include "tcg/internal.h"
#include "tcg/riscv/decode.h"

typedef enum {
    DISAS_NEXT,     /* keep translating */
    DISAS_CHAINED,  /* the instruction ended the block with its own exits */
    DISAS_STOP,     /* end the block after this instruction, pc = next */
} DisasState;

typedef struct {
    TcgHart *hart;
    TcgIr *ir;
    guint64 pc;       /* of the instruction being translated */
    guint64 next_pc;  /* pc + its length */
    const RvInsn *insn;
    DisasState state;
    guint32 flags;     /* TcgBlockFlags the block is translated under */
    gboolean fs_dirty; /* mstatus.FS known Dirty from here on (trans-rvf.c.inc) */
    guint64 page;      /* the guest page the block starts in */
    /* The register the previous instruction (lui/auipc) set to a value
     * known now, so auipc+jalr can leave like a direct jump; 0 if none. */
    guint known_reg;
    guint64 known_val;
    gboolean set_known; /* this instruction set known_reg */
    guint n_insns;      /* translated so far, this one included */
    guint next_slot;    /* the next free chain slot */
    /* A superblock's early exits: the addi that takes back the instructions
     * counted on entry but not run, and how many had run at that exit. */
    guint n_early;
    guint early_op[TCG_MAX_CHAIN_SLOTS];
    guint early_at[TCG_MAX_CHAIN_SLOTS];
} Disas;

#define ENV_OFFSET(field) offsetof(TcgCpuState, field)

/* The value of guest register @r as a temp (x0 reads as 0). */
static TcgTemp gpr(Disas *s, guint r)
{
    return r == 0 ? tcg_const(s->ir, 0) : (TcgTemp)r;
}

/* Where to write guest register @r (writes to x0 land in a dead temp). */
static TcgTemp gpr_dest(Disas *s, guint r)
{
    return r == 0 ? tcg_temp_new(s->ir) : (TcgTemp)r;
}

static void gen_set_pc_imm(Disas *s, guint64 pc)
{
    tcg_gen_st_env(s->ir, tcg_const(s->ir, (gint64)pc), ENV_OFFSET(pc));
}

/* Leave the block for a known target: a patchable jump (the next chain
 * slot) within the page, the inline jump-cache probe across pages (a
 * direct jump into another page would outlive a change to that page). */
static void gen_goto(Disas *s, guint64 dest)
{
    if ((dest & TCG_PAGE_MASK) == s->page) {
        g_assert(s->next_slot < TCG_MAX_CHAIN_SLOTS);
        tcg_gen_goto_tb(s->ir, s->next_slot++, dest);
    } else {
        gen_set_pc_imm(s, dest);
        tcg_gen_lookup_and_goto_ptr(s->ir);
    }
}

static TcgTemp gen_call(Disas *s, TcgHelperId helper, TcgTemp a, TcgTemp b, gint64 imm)
{
    TcgTemp ret = tcg_temp_new(s->ir);
    tcg_gen_call(s->ir, helper, ret, a, b, TCG_TEMP_NONE, imm);
    return ret;
}

static gboolean gen_illegal(Disas *s)
{
    tcg_gen_call(s->ir, TCG_HELPER_illegal, tcg_temp_new(s->ir), TCG_TEMP_NONE, TCG_TEMP_NONE,
                 TCG_TEMP_NONE, s->insn->raw);
    s->state = DISAS_CHAINED;
    return TRUE;
}

#include "tcg/riscv/trans-rvi.c.inc"
#include "tcg/riscv/trans-rvm.c.inc"
#include "tcg/riscv/trans-rva.c.inc"
#include "tcg/riscv/trans-zicsr.c.inc"
#include "tcg/riscv/trans-zicbo.c.inc"
#include "tcg/riscv/trans-priv.c.inc"
#include "tcg/riscv/trans-rvf.c.inc"
#include "tcg/riscv/trans-rvd.c.inc"
#include "tcg/riscv/trans-zb.c.inc"
#include "tcg/riscv/trans-zicond.c.inc"

typedef gboolean (*TransFn)(Disas *s, const RvInsn *insn);

/* Compressed entries never reach this table: they decode to their
 * expansion. */
static const TransFn trans_table[RV_OP_COUNT] = {
#define INSN(name, fmt, mask, match, ext) [RV_OP_##name] = trans_##name,
#define CINSN(name, fmt, mask, match, expands) [RV_OP_##name] = NULL,
#include "tcg/riscv/insn.def"
#undef INSN
#undef CINSN
};

/* The extension each instruction needs (insn.def's last column; a 16-bit
 * encoding needs C as well as what its expansion needs). Base, privileged,
 * Zicsr and Zifencei instructions are always there: TCG_EXT_COUNT. */
enum {
#define ISA_EXT(id, name, letter) RV_EXT_##id = TCG_EXT_##id,
#include "tcg/riscv/isa.def"
#undef ISA_EXT
    RV_EXT_I = TCG_EXT_COUNT,
    RV_EXT_PRIV = TCG_EXT_COUNT,
    RV_EXT_ZICSR = TCG_EXT_COUNT,
    RV_EXT_ZIFENCEI = TCG_EXT_COUNT,
};
static const guint8 insn_ext[RV_OP_COUNT] = {
#define INSN(name, fmt, mask, match, ext) [RV_OP_##name] = RV_EXT_##ext,
#define CINSN(name, fmt, mask, match, expands) [RV_OP_##name] = RV_EXT_C,
#include "tcg/riscv/insn.def"
#undef INSN
#undef CINSN
};

/* Whether the hart has what @insn needs. */
static gboolean insn_present(const TcgIsa *isa, const RvInsn *insn)
{
    if (isa->absent == 0) {
        return TRUE;
    }
    guint need = insn_ext[insn->op];
    if (need < TCG_EXT_COUNT && !tcg_isa_has(isa, need)) {
        return FALSE;
    }
    return insn->len == 4 || tcg_isa_has(isa, TCG_EXT_C);
}

/* A fetch that failed: the cause and the address that faulted. */
typedef struct {
    RvException cause;
    guint64 addr;
} FetchFault;

/* Fetches the halfword at virtual @pc through the exec TLB and gives its
 * physical address; FALSE if it faults. */
static gboolean fetch16(TcgHart *hart, guint64 pc, guint16 *out, guint64 *paddr,
                        FetchFault *fault)
{
    const guint8 *p = tcg_mem_fetch_ptr(hart, pc, paddr, &fault->cause);
    if (p == NULL) {
        fault->addr = pc;
        return FALSE;
    }
    memcpy(out, p, sizeof *out);
    return TRUE;
}

/* Reads the instruction at @pc; @paddr gets the physical addresses of its
 * first and last halfwords. */
static gboolean fetch_insn(TcgHart *hart, guint64 pc, guint32 *word, guint64 paddr[2],
                           FetchFault *fault)
{
    guint16 lo, hi;
    if (!fetch16(hart, pc, &lo, &paddr[0], fault)) {
        return FALSE;
    }
    paddr[1] = paddr[0];
    if (rv_insn_length(lo) == 2) {
        *word = lo;
        return TRUE;
    }
    if (!fetch16(hart, pc + 2, &hi, &paddr[1], fault)) {
        return FALSE;
    }
    *word = (guint32)hi << 16 | lo;
    return TRUE;
}

TcgBlock *tcg_translate(TcgHart *hart, guint64 pc, guint32 flags)
{
    TcgIr *ir = &hart->ir;
    guint64 first_page = pc & TCG_PAGE_MASK;
    Disas s = { .hart = hart, .ir = ir, .pc = pc, .state = DISAS_NEXT, .flags = flags,
                .fs_dirty = (flags & TCG_BF_FS_MASK) == TCG_BF_FS_MASK, .page = first_page };
    guint64 last_byte = pc;
    guint64 phys_first = ~0ull, phys_last = ~0ull; /* physical pages of the code */

    tcg_ir_reset(ir);
    while (s.state == DISAS_NEXT) {
        guint32 word;
        guint64 paddr[2];
        FetchFault fault;
        if (!fetch_insn(hart, s.pc, &word, paddr, &fault)) {
            if (s.n_insns == 0) {
                hart->env.insn_pc = pc;
                tcg_raise(hart, fault.cause, fault.addr);
            }
            /* The fault belongs to the instruction, not to this block. */
            gen_goto(&s, s.pc);
            break;
        }
        if (s.n_insns == 0) {
            phys_first = paddr[0] & TCG_PAGE_MASK;
        }
        if (G_UNLIKELY(hart->debug.n_breakpoints > 0) && !(flags & TCG_BF_STEP) &&
            tcg_debug_breakpoint_at(hart, s.pc)) {
            if (s.n_insns > 0) {
                gen_goto(&s, s.pc); /* the breakpoint starts a block of its own */
                break;
            }
            tcg_ir_set_insn(ir, (guint)(s.pc - pc));
            s.n_insns++;
            tcg_gen_call(ir, TCG_HELPER_debug_break, tcg_temp_new(ir), TCG_TEMP_NONE,
                         TCG_TEMP_NONE, TCG_TEMP_NONE, 0);
            s.state = DISAS_CHAINED;
            break;
        }
        phys_last = paddr[1] & TCG_PAGE_MASK;
        RvInsn insn;
        rv_decode(word, &insn);
        s.insn = &insn;
        s.next_pc = s.pc + insn.len;
        last_byte = s.next_pc - 1;
        tcg_ir_set_insn(ir, (guint)(s.pc - pc));
        s.n_insns++;
        s.set_known = FALSE;
        if (insn.op == RV_OP_ILLEGAL || !insn_present(&hart->config.isa, &insn) ||
            !trans_table[insn.op](&s, &insn)) {
            gen_illegal(&s);
        }
        if (!s.set_known) {
            s.known_reg = 0;
        }
        if (s.state == DISAS_STOP) {
            gen_goto(&s, s.next_pc);
            break;
        }
        if (s.state == DISAS_NEXT) {
            s.pc = s.next_pc;
            /* End at the page boundary so a block's code lives in at most
             * the page it starts in (plus the tail of a straddling insn). */
            if ((s.pc & TCG_PAGE_MASK) != first_page || s.n_insns >= TCG_MAX_BLOCK_INSNS ||
                !tcg_ir_has_room(ir) || (flags & TCG_BF_STEP)) {
                gen_goto(&s, s.pc);
                break;
            }
        }
    }
    /* Entry counted every instruction of the block: an early exit gives
     * back those after it. */
    for (guint k = 0; k < s.n_early; k++) {
        ir->ops[s.early_op[k]].imm = (gint64)s.early_at[k] - (gint64)s.n_insns;
    }

    tcg_optimize(ir);

    /* A debugger's step block outlives flushes: it is the debugger's. */
    TcgBlock *block = flags & TCG_BF_STEP ? g_new0(TcgBlock, 1) : tcg_tb_alloc(hart);
    g_assert(((guintptr)block & TCG_CHAIN_SLOT_MASK) == 0);
    block->pc = pc;
    block->flags = flags;
    block->n_insns = s.n_insns;
    block->size = (guint32)(last_byte - pc + 1);
    block->page[0] = phys_first;
    block->page[1] = (last_byte & TCG_PAGE_MASK) != first_page ? phys_last : ~0ull;
    block->n_ops = ir->n_ops;
    block->n_temps = ir->n_temps;
    block->n_labels = ir->n_labels;
    memcpy(block->reg_uses, ir->reg_uses, sizeof block->reg_uses);
    if (hart->jit != NULL && !(flags & TCG_BF_STEP)) {
        /* Compiled at once and then forgotten: no copy. */
        block->ops = ir->ops;
        block->ops_borrowed = TRUE;
    } else {
        block->ops = g_memdup2(ir->ops, ir->n_ops * sizeof(TcgOp));
        block->label_pos = g_new0(guint, MAX(ir->n_labels, 1));
        for (guint i = 0; i < ir->n_ops; i++) {
            if (ir->ops[i].opc == TCG_OP_set_label) {
                block->label_pos[ir->ops[i].imm] = i;
            }
        }
    }
    hart->stats.blocks_translated++;
    hart->stats.insns_translated += s.n_insns;
    return block;
}

void tcg_block_free(TcgBlock *block)
{
    if (!block->ops_borrowed) {
        g_free(block->ops);
    }
    g_free(block->label_pos);
    if (!block->in_arena) {
        g_free(block);
    }
}
