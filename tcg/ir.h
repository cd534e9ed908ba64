/* SPDX-License-Identifier: MIT */
/* The intermediate representation: what the RISC-V front end produces and
 * what the optimiser, the interpreter and the x86-64 back end consume.
 *
 * A block is a linear array of TcgOp. Operands are temps, numbered:
 *
 *   +-----------+---------------------------------------------------------+
 *   | 0 .. 31   | guest x0..x31, live across blocks (x0 is never written;  |
 *   |           | the front end reads it as a movi 0)                      |
 *   | 32 .. N   | block temps: dead at every block exit and at labels      |
 *   |           | unless written before the label on every path            |
 *   +-----------+---------------------------------------------------------+
 *
 * Every temp is 64 bits. Immediates ride in TcgOp.imm (64-bit) and small
 * enumerations (condition, memop, helper, goto_tb slot) in TcgOp.aux, so
 * an op is a fixed-size record that the back ends walk without decoding.
 * Labels are block-local numbers in imm; set_label defines one.
 *
 *   (every op)            pc_off: its guest instruction, from the block's pc
 *   ld  t, base, imm, mo  t = guest_load(base + imm)       may trap
 *   st  v, base, imm, mo  guest_store(base + imm) = v      may trap
 *   call t, a, b, c, h    t = helper h (hart, a, b, c, imm)   may trap
 *   goto_tb n, pc         leave to the block at pc (slot n chainable)
 *   exit_tb               leave to the block at env.pc
 */
#ifndef SHOAL_TCG_IR_H
#define SHOAL_TCG_IR_H

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

enum {
    TCG_OPF_FOLD = 1 << 0,         /* pure function of its inputs */
    TCG_OPF_BB_END = 1 << 1,       /* ends a basic block (labels, branches, exits) */
    TCG_OPF_SIDE_EFFECTS = 1 << 2, /* never removed, never moved */
};

typedef enum {
#define DEF_OP(name, outs, ins, flags) TCG_OP_##name,
#include "tcg/ir-ops.def"
#undef DEF_OP
    TCG_OP_COUNT
} TcgOpcode;

typedef struct {
    const char *name;
    guint8 n_outs;
    guint8 n_ins;
    guint8 flags;
} TcgOpDesc;

extern const TcgOpDesc tcg_op_descs[TCG_OP_COUNT];

/* Conditions of setcond/brcond. */
typedef enum {
    TCG_COND_EQ,
    TCG_COND_NE,
    TCG_COND_LT,  /* signed */
    TCG_COND_GE,
    TCG_COND_LTU, /* unsigned */
    TCG_COND_GEU,
} TcgCond;

/* Memory operation: log2 size in bits 0-1, sign-extend in bit 2. */
typedef enum {
    TCG_MO_8 = 0,
    TCG_MO_16 = 1,
    TCG_MO_32 = 2,
    TCG_MO_64 = 3,
    TCG_MO_SIZE = 3,
    TCG_MO_SIGN = 4,
} TcgMemOp;

/* Host barriers a guest fence needs on this host (x86-TSO only ever needs
 * the store->load one; the rest are compiler barriers). */
typedef enum {
    TCG_MB_LD_LD = 1 << 0,
    TCG_MB_LD_ST = 1 << 1,
    TCG_MB_ST_LD = 1 << 2,
    TCG_MB_ST_ST = 1 << 3,
} TcgBarrier;

typedef guint16 TcgTemp;

#define TCG_NB_GLOBALS 32
#define TCG_MAX_TEMPS 1024        /* globals + block temps */
#define TCG_MAX_OPS 2048          /* per block */
#define TCG_MAX_LABELS 128        /* per block */
#define TCG_MAX_BLOCK_INSNS 128   /* guest instructions per block */
#define TCG_TEMP_NONE 0xffff      /* an unused operand slot */

typedef struct {
    guint8 opc;      /* TcgOpcode */
    guint8 aux;      /* cond, memop, helper index, barrier bits or exit slot */
    TcgTemp out;     /* TCG_TEMP_NONE when the op has no output */
    TcgTemp in[3];   /* unused slots are TCG_TEMP_NONE */
    guint8 life;     /* tcg_liveness: TCG_LIFE_* (0 before it runs: nothing dies) */
    guint16 pc_off;  /* its guest instruction's byte offset from the block's pc:
                      * the state an exception there restores */
    gint64 imm;      /* immediate, label number or guest pc */
} TcgOp;

/* TcgOp.life: bit k, input k is a block temp read for the last time here
 * (its register is free after the op); TCG_LIFE_OUT_UNUSED, no one reads
 * the output (kept only for the op's side effects). Globals never die:
 * they go back to memory at every exit. */
#define TCG_LIFE_DIES(k) (1u << (k))
#define TCG_LIFE_OUT_UNUSED (1u << 3)

/* A block's ops while it is built; translate.c owns one per hart. */
typedef struct {
    TcgOp ops[TCG_MAX_OPS];
    guint n_ops;
    guint n_temps;  /* next free temp, starts at TCG_NB_GLOBALS */
    guint n_labels;
    guint16 pc_off; /* tcg_ir_set_insn: stamped on every op appended */
    guint8 reg_uses[TCG_NB_GLOBALS]; /* tcg_liveness: how often the ops name each
                                      * guest register (saturating) */
} TcgIr;

void tcg_ir_reset(TcgIr *ir);
/* Room for one more guest instruction of the worst case size? */
gboolean tcg_ir_has_room(const TcgIr *ir);

TcgTemp tcg_temp_new(TcgIr *ir);
guint tcg_label_new(TcgIr *ir);

/* Builders: one per shape; each returns nothing and appends one op. */
void tcg_gen_op(TcgIr *ir, TcgOpcode opc, TcgTemp out, TcgTemp a, TcgTemp b, TcgTemp c,
                gint64 imm, guint8 aux);

static inline void tcg_gen_mov(TcgIr *ir, TcgTemp d, TcgTemp s)
{
    if (d != s) {
        tcg_gen_op(ir, TCG_OP_mov, d, s, TCG_TEMP_NONE, TCG_TEMP_NONE, 0, 0);
    }
}
static inline void tcg_gen_movi(TcgIr *ir, TcgTemp d, gint64 imm)
{
    tcg_gen_op(ir, TCG_OP_movi, d, TCG_TEMP_NONE, TCG_TEMP_NONE, TCG_TEMP_NONE, imm, 0);
}
static inline TcgTemp tcg_const(TcgIr *ir, gint64 imm)
{
    TcgTemp t = tcg_temp_new(ir);
    tcg_gen_movi(ir, t, imm);
    return t;
}
static inline void tcg_gen_binop(TcgIr *ir, TcgOpcode opc, TcgTemp d, TcgTemp a, TcgTemp b)
{
    tcg_gen_op(ir, opc, d, a, b, TCG_TEMP_NONE, 0, 0);
}
static inline void tcg_gen_unop(TcgIr *ir, TcgOpcode opc, TcgTemp d, TcgTemp a)
{
    tcg_gen_op(ir, opc, d, a, TCG_TEMP_NONE, TCG_TEMP_NONE, 0, 0);
}
static inline void tcg_gen_addi(TcgIr *ir, TcgTemp d, TcgTemp a, gint64 imm)
{
    tcg_gen_op(ir, TCG_OP_addi, d, a, TCG_TEMP_NONE, TCG_TEMP_NONE, imm, 0);
}
static inline void tcg_gen_setcond(TcgIr *ir, TcgCond cond, TcgTemp d, TcgTemp a, TcgTemp b)
{
    tcg_gen_op(ir, TCG_OP_setcond, d, a, b, TCG_TEMP_NONE, 0, cond);
}
static inline void tcg_gen_brcond(TcgIr *ir, TcgCond cond, TcgTemp a, TcgTemp b, guint label)
{
    tcg_gen_op(ir, TCG_OP_brcond, TCG_TEMP_NONE, a, b, TCG_TEMP_NONE, label, cond);
}
static inline void tcg_gen_br(TcgIr *ir, guint label)
{
    tcg_gen_op(ir, TCG_OP_br, TCG_TEMP_NONE, TCG_TEMP_NONE, TCG_TEMP_NONE, TCG_TEMP_NONE,
               label, 0);
}
static inline void tcg_gen_set_label(TcgIr *ir, guint label)
{
    tcg_gen_op(ir, TCG_OP_set_label, TCG_TEMP_NONE, TCG_TEMP_NONE, TCG_TEMP_NONE,
               TCG_TEMP_NONE, label, 0);
}
static inline void tcg_gen_ld(TcgIr *ir, TcgTemp d, TcgTemp base, gint64 off, TcgMemOp mo)
{
    tcg_gen_op(ir, TCG_OP_ld, d, base, TCG_TEMP_NONE, TCG_TEMP_NONE, off, mo);
}
static inline void tcg_gen_st(TcgIr *ir, TcgTemp val, TcgTemp base, gint64 off, TcgMemOp mo)
{
    tcg_gen_op(ir, TCG_OP_st, TCG_TEMP_NONE, val, base, TCG_TEMP_NONE, off, mo);
}
static inline void tcg_gen_ld_env(TcgIr *ir, TcgTemp d, gsize offset)
{
    tcg_gen_op(ir, TCG_OP_ld_env, d, TCG_TEMP_NONE, TCG_TEMP_NONE, TCG_TEMP_NONE,
               (gint64)offset, 0);
}
static inline void tcg_gen_st_env(TcgIr *ir, TcgTemp s, gsize offset)
{
    tcg_gen_op(ir, TCG_OP_st_env, TCG_TEMP_NONE, s, TCG_TEMP_NONE, TCG_TEMP_NONE,
               (gint64)offset, 0);
}
static inline void tcg_gen_call(TcgIr *ir, guint helper, TcgTemp d, TcgTemp a, TcgTemp b,
                                TcgTemp c, gint64 imm)
{
    tcg_gen_op(ir, TCG_OP_call, d, a, b, c, imm, (guint8)helper);
}
static inline void tcg_gen_mb(TcgIr *ir, TcgBarrier bar)
{
    tcg_gen_op(ir, TCG_OP_mb, TCG_TEMP_NONE, TCG_TEMP_NONE, TCG_TEMP_NONE, TCG_TEMP_NONE, 0,
               bar);
}
/* The ops appended from now on belong to the guest instruction @pc_off
 * bytes after the block's first. */
static inline void tcg_ir_set_insn(TcgIr *ir, guint pc_off)
{
    g_assert(pc_off <= G_MAXUINT16);
    ir->pc_off = (guint16)pc_off;
}
static inline void tcg_gen_goto_tb(TcgIr *ir, guint slot, guint64 pc)
{
    tcg_gen_op(ir, TCG_OP_goto_tb, TCG_TEMP_NONE, TCG_TEMP_NONE, TCG_TEMP_NONE, TCG_TEMP_NONE,
               (gint64)pc, (guint8)slot);
}
static inline void tcg_gen_exit_tb(TcgIr *ir)
{
    tcg_gen_op(ir, TCG_OP_exit_tb, TCG_TEMP_NONE, TCG_TEMP_NONE, TCG_TEMP_NONE, TCG_TEMP_NONE,
               0, 0);
}
static inline void tcg_gen_lookup_and_goto_ptr(TcgIr *ir)
{
    tcg_gen_op(ir, TCG_OP_lookup_and_goto_ptr, TCG_TEMP_NONE, TCG_TEMP_NONE, TCG_TEMP_NONE,
               TCG_TEMP_NONE, 0, 0);
}

/* Human-readable listing of @n ops (for G_MESSAGES_DEBUG=shoal-tcg and tests). */
char *tcg_ir_dump(const TcgOp *ops, guint n_ops);

G_END_DECLS

#endif /* SHOAL_TCG_IR_H */
