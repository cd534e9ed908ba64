/* SPDX-License-Identifier: MIT */
/* The IR optimiser, run on every block before a back end sees it:
 * constant folding and propagation, copy propagation, a few algebraic
 * identities and dropping a sign extension of what is sign-extended
 * already (RV64's W instructions end in one each) in one forward pass
 * (knowledge is dropped at labels, where paths meet), then one backward
 * pass that removes dead code and records where temps die (TcgOp.life). */
#include <string.h>

#include "tcg/internal.h"

typedef struct {
    gboolean is_const;
    gint64 val;
    TcgTemp copy_of;    /* a temp holding the same value, or TCG_TEMP_NONE */
    guint copy_version; /* version of copy_of when the copy was made */
    guint version;      /* bumped at every definition; never reset, as only
                         * copies forget_all has not cleared compare it */
    gboolean sext32;    /* the value is the sign extension of its low 32 bits */
    gboolean touched;   /* in Optimizer.touched */
    /* The op that made the value, where a later op may look through it:
     * a shl by a constant, or ext32s/ext32u; TCG_OP_nop otherwise. */
    TcgOpcode made_by;
    TcgTemp made_from;     /* that op's first input, */
    guint made_from_version; /* as it was then */
    gint64 made_shift;     /* shl's constant */
    guint made_at;         /* that op's index */
    gboolean made_in_place; /* x = x << c: made_from is x itself, whose old
                             * value only that op's removal brings back */
    guint reads;           /* ops that read the value since (saturating) */
} TempInfo;

typedef struct {
    TempInfo t[TCG_MAX_TEMPS];
    gboolean live[TCG_MAX_TEMPS];
    guint last_fault_point; /* index + 1 of the last op that may trap (0: none) */
    /* The temps defined since the last forget_all, which is all it must
     * reset: a label costs what the code before it defined, not the
     * block's temps. */
    TcgTemp touched[TCG_MAX_TEMPS];
    guint n_touched;
} Optimizer;

static void count_reg_use(TcgIr *ir, TcgTemp global)
{
    if (global != 0 && ir->reg_uses[global] < 255) {
        ir->reg_uses[global]++;
    }
}

static void forget_all(Optimizer *o)
{
    for (guint i = 0; i < o->n_touched; i++) {
        TempInfo *ti = &o->t[o->touched[i]];
        ti->is_const = FALSE;
        ti->copy_of = TCG_TEMP_NONE;
        ti->sext32 = FALSE;
        ti->made_by = TCG_OP_nop;
        ti->touched = FALSE;
    }
    o->n_touched = 0;
    /* x0 reads as zero everywhere. */
    o->t[0].is_const = TRUE;
    o->t[0].val = 0;
}

static TcgTemp resolve(Optimizer *o, TcgTemp t)
{
    const TempInfo *ti = &o->t[t];
    if (ti->copy_of != TCG_TEMP_NONE && o->t[ti->copy_of].version == ti->copy_version) {
        return ti->copy_of;
    }
    return t;
}

static void define(Optimizer *o, TcgTemp t)
{
    TempInfo *ti = &o->t[t];
    if (!ti->touched) {
        ti->touched = TRUE;
        o->touched[o->n_touched++] = t;
    }
    ti->version++;
    ti->is_const = FALSE;
    ti->copy_of = TCG_TEMP_NONE;
    ti->sext32 = FALSE;
    ti->made_by = TCG_OP_nop;
}

static void make_movi(Optimizer *o, TcgOp *op, gint64 v)
{
    TcgTemp out = op->out;
    *op = (TcgOp){ .opc = TCG_OP_movi, .out = out, .pc_off = op->pc_off,
                   .in = { TCG_TEMP_NONE, TCG_TEMP_NONE, TCG_TEMP_NONE }, .imm = v };
    define(o, out);
    o->t[out].is_const = TRUE;
    o->t[out].val = v;
    o->t[out].sext32 = v == (gint32)v;
}

static void make_mov(Optimizer *o, TcgOp *op, TcgTemp src)
{
    TcgTemp out = op->out;
    if (src == out) {
        /* x = x: nothing to do, and nothing changes what is known of x */
        *op = (TcgOp){ .opc = TCG_OP_nop, .out = TCG_TEMP_NONE, .pc_off = op->pc_off,
                       .in = { TCG_TEMP_NONE, TCG_TEMP_NONE, TCG_TEMP_NONE } };
        return;
    }
    *op = (TcgOp){ .opc = TCG_OP_mov, .out = out, .pc_off = op->pc_off,
                   .in = { src, TCG_TEMP_NONE, TCG_TEMP_NONE } };
    define(o, out);
    if (o->t[src].is_const) {
        make_movi(o, op, o->t[src].val);
        return;
    }
    if (src != out) {
        o->t[out].copy_of = src;
        o->t[out].copy_version = o->t[src].version;
        o->t[out].sext32 = o->t[src].sext32;
    }
}

/* Whether @op (its inputs resolved) always leaves a value that is the sign
 * extension of its low 32 bits. */
static gboolean makes_sext32(const Optimizer *o, const TcgOp *op)
{
    const TempInfo *b = op->in[1] != TCG_TEMP_NONE ? &o->t[op->in[1]] : NULL;
    switch ((TcgOpcode)op->opc) {
    case TCG_OP_ext32s:
    case TCG_OP_rotl32:
    case TCG_OP_rotr32:
    case TCG_OP_setcond:
        return TRUE;
    case TCG_OP_ld:
        /* Bytes and halves either way, words sign-extended. */
        return (op->aux & TCG_MO_SIZE) < TCG_MO_32 || op->aux == (TCG_MO_32 | TCG_MO_SIGN);
    case TCG_OP_sar:
        return b->is_const && (b->val & 63) >= 32;
    case TCG_OP_shr:
        return b->is_const && (b->val & 63) >= 33;
    case TCG_OP_and:
        return b->is_const && b->val >= 0 && b->val <= G_MAXINT32;
    default:
        return FALSE;
    }
}

/* x op identity -> x; x op absorbing -> constant. FALSE: nothing known. */
static gboolean simplify(Optimizer *o, TcgOp *op)
{
    TcgTemp a = op->in[0], b = op->in[1];
    const TempInfo *bi = &o->t[b];
    if (!bi->is_const) {
        if ((op->opc == TCG_OP_sub || op->opc == TCG_OP_xor) && a == b) {
            make_movi(o, op, 0);
            return TRUE;
        }
        return FALSE;
    }
    switch ((TcgOpcode)op->opc) {
    case TCG_OP_add:
    case TCG_OP_sub:
    case TCG_OP_or:
    case TCG_OP_xor:
    case TCG_OP_shl:
    case TCG_OP_shr:
    case TCG_OP_sar:
    case TCG_OP_rotl:
    case TCG_OP_rotr:
        if (bi->val == 0) {
            make_mov(o, op, a);
            return TRUE;
        }
        if (op->opc == TCG_OP_add || op->opc == TCG_OP_sub) {
            /* x + c: the back ends do this in one instruction (lea). */
            gint64 c = op->opc == TCG_OP_add ? bi->val : -bi->val;
            TcgTemp out = op->out;
            *op = (TcgOp){ .opc = TCG_OP_addi, .out = out, .pc_off = op->pc_off,
                           .in = { a, TCG_TEMP_NONE, TCG_TEMP_NONE }, .imm = c };
            define(o, out);
            return TRUE;
        }
        return FALSE;
    case TCG_OP_and:
        if (bi->val == 0) {
            make_movi(o, op, 0);
            return TRUE;
        }
        if (bi->val == -1) {
            make_mov(o, op, a);
            return TRUE;
        }
        return FALSE;
    case TCG_OP_mul:
        if (bi->val == 0) {
            make_movi(o, op, 0);
            return TRUE;
        }
        if (bi->val == 1) {
            make_mov(o, op, a);
            return TRUE;
        }
        return FALSE;
    default:
        return FALSE;
    }
}

/* The input @t was made from, if that value is still where it was. */
static gboolean made_from(const Optimizer *o, TcgTemp t, TcgOpcode opc, TcgTemp *src)
{
    const TempInfo *ti = &o->t[t];
    if (ti->made_by != opc || ti->made_in_place ||
        o->t[ti->made_from].version != ti->made_from_version) {
        return FALSE;
    }
    *src = ti->made_from;
    return TRUE;
}

/* x = x << c, and then only @reader (this op) read x, and nothing that may
 * trap ran since (an exception there must see the shifted x): dropping
 * that shl gives x back its old value here. The shl's index or -1. */
static gint in_place_shl(const Optimizer *o, TcgTemp t)
{
    const TempInfo *ti = &o->t[t];
    if (ti->made_by != TCG_OP_shl || !ti->made_in_place || ti->reads != 1 ||
        o->last_fault_point > ti->made_at) {
        return -1;
    }
    return (gint)ti->made_at;
}

/* x << c >> c (logical or arithmetic) with 64 - c = 8, 16 or 32: the
 * zero- or sign-extension of x's low bits, one instruction instead of two
 * in a row (RV64 code without Zbb zero-extends a uint16 so). Where x was
 * itself a 32-bit extension of y, the low bits are y's. TRUE: @op is now
 * that zext or sext. */
static gboolean shift_pair_to_ext(Optimizer *o, TcgIr *ir, TcgOp *op)
{
    const TempInfo *amount = &o->t[op->in[1]];
    if ((op->opc != TCG_OP_shr && op->opc != TCG_OP_sar) || !amount->is_const) {
        return FALSE;
    }
    gint64 width = 64 - amount->val;
    TcgTemp src, low;
    if ((width != 8 && width != 16 && width != 32) ||
        o->t[op->in[0]].made_by != TCG_OP_shl || o->t[op->in[0]].made_shift != amount->val) {
        return FALSE;
    }
    gint shl_at = in_place_shl(o, op->in[0]);
    if (shl_at >= 0) {
        /* x = x << c; ...; x = x >> c: the shl goes, x keeps its value */
        src = op->in[0];
        ir->ops[shl_at].opc = TCG_OP_nop;
    } else if (!made_from(o, op->in[0], TCG_OP_shl, &src)) {
        return FALSE;
    }
    if (made_from(o, src, TCG_OP_ext32s, &low) || made_from(o, src, TCG_OP_ext32u, &low)) {
        src = low;
    }
    TcgTemp out = op->out;
    gboolean sign = op->opc == TCG_OP_sar;
    *op = (TcgOp){ .opc = sign ? TCG_OP_sext : TCG_OP_zext, .out = out, .pc_off = op->pc_off,
                   .in = { src, TCG_TEMP_NONE, TCG_TEMP_NONE }, .imm = width };
    define(o, out);
    o->t[out].sext32 = sign || width < 32;
    return TRUE;
}

/* Remembers what made @op's output, for shift_pair_to_ext. */
static void note_maker(Optimizer *o, const TcgOp *op, guint index)
{
    TcgTemp src = op->in[0];
    gboolean shl_by_const = op->opc == TCG_OP_shl && o->t[op->in[1]].is_const;
    if (!shl_by_const && (op->opc != TCG_OP_ext32s && op->opc != TCG_OP_ext32u)) {
        return;
    }
    if (src == op->out && !shl_by_const) {
        return; /* x = ext32(x): nothing to look through to */
    }
    TempInfo *ti = &o->t[op->out];
    ti->made_by = op->opc;
    ti->made_from = src;
    ti->made_from_version = o->t[src].version;
    ti->made_shift = shl_by_const ? o->t[op->in[1]].val : 0;
    ti->made_at = index;
    ti->made_in_place = src == op->out;
    ti->reads = 0;
}

static void forward_pass(Optimizer *o, TcgIr *ir)
{
    forget_all(o);
    o->last_fault_point = 0;
    for (guint i = 0; i < ir->n_ops; i++) {
        TcgOp *op = &ir->ops[i];
        const TcgOpDesc *d = &tcg_op_descs[op->opc];
        for (guint k = 0; k < d->n_ins; k++) {
            if (op->in[k] != TCG_TEMP_NONE) {
                op->in[k] = resolve(o, op->in[k]);
                TempInfo *read = &o->t[op->in[k]];
                read->reads += read->reads < 2;
            }
        }
        if (op->opc == TCG_OP_ld || op->opc == TCG_OP_st ||
            (d->flags & TCG_OPF_SIDE_EFFECTS)) {
            o->last_fault_point = i + 1;
        }
        if (op->opc == TCG_OP_set_label) {
            forget_all(o);
            continue;
        }
        if (op->opc == TCG_OP_brcond && o->t[op->in[0]].is_const &&
            o->t[op->in[1]].is_const) {
            gboolean taken = tcg_eval_cond(op->aux, (guint64)o->t[op->in[0]].val,
                                       (guint64)o->t[op->in[1]].val);
            op->opc = taken ? TCG_OP_br : TCG_OP_nop;
            op->in[0] = op->in[1] = TCG_TEMP_NONE;
            continue;
        }
        if (op->opc == TCG_OP_mov) {
            make_mov(o, op, op->in[0]);
            continue;
        }
        if (op->opc == TCG_OP_movi) {
            make_movi(o, op, op->imm);
            continue;
        }
        if (op->opc == TCG_OP_ext32s && o->t[op->in[0]].sext32) {
            make_mov(o, op, op->in[0]);
            continue;
        }
        if (d->flags & TCG_OPF_FOLD) {
            gboolean all_const = TRUE;
            for (guint k = 0; k < d->n_ins; k++) {
                all_const &= o->t[op->in[k]].is_const;
            }
            if (all_const) {
                guint64 a = (guint64)o->t[op->in[0]].val;
                guint64 b = d->n_ins > 1 ? (guint64)o->t[op->in[1]].val : 0;
                make_movi(o, op, (gint64)tcg_eval(op->opc, op->aux, a, b, op->imm));
                continue;
            }
            if (d->n_ins == 2 && (simplify(o, op) || shift_pair_to_ext(o, ir, op))) {
                continue;
            }
            if (op->opc == TCG_OP_addi && op->imm == 0) {
                make_mov(o, op, op->in[0]); /* sext.w is addiw rd, rs, 0 */
                continue;
            }
        }
        if (d->n_outs && op->out != TCG_TEMP_NONE) {
            gboolean sext32 = makes_sext32(o, op);
            define(o, op->out);
            o->t[op->out].sext32 = sext32;
            note_maker(o, op, i);
        }
    }
}

/* One backward pass: drops pure ops whose result no one reads, marks in
 * each op which inputs die there (TcgOp.life, the JIT's register
 * allocator frees their registers) and counts the guest registers named
 * (pin-profile.c). Every exit reads the globals, so only temps die. */
static void liveness_pass(gboolean *live, TcgIr *ir)
{
    memset(live + TCG_NB_GLOBALS, 0, (ir->n_temps - TCG_NB_GLOBALS) * sizeof live[0]);
    memset(ir->reg_uses, 0, sizeof ir->reg_uses);
    guint n_dead = 0;
    for (guint i = ir->n_ops; i-- > 0;) {
        TcgOp *op = &ir->ops[i];
        if (op->opc == TCG_OP_nop) {
            n_dead++;
            continue;
        }
        const TcgOpDesc *d = &tcg_op_descs[op->opc];
        guint life = 0;
        if (d->n_outs) {
            if (op->out >= TCG_NB_GLOBALS) {
                if (!live[op->out]) {
                    if (!(d->flags & TCG_OPF_SIDE_EFFECTS)) {
                        op->opc = TCG_OP_nop;
                        n_dead++;
                        continue;
                    }
                    life |= TCG_LIFE_OUT_UNUSED;
                }
                live[op->out] = FALSE;
            } else if (op->out != TCG_TEMP_NONE) {
                count_reg_use(ir, op->out);
            }
        }
        for (guint k = 0; k < d->n_ins; k++) {
            TcgTemp t = op->in[k];
            if (t == TCG_TEMP_NONE) {
                continue;
            }
            if (t < TCG_NB_GLOBALS) {
                count_reg_use(ir, t);
            } else if (!live[t]) {
                life |= TCG_LIFE_DIES(k);
                live[t] = TRUE;
            }
        }
        op->life = (guint8)life;
    }
    if (n_dead == 0) {
        return;
    }
    guint n = 0;
    for (guint i = 0; i < ir->n_ops; i++) {
        if (ir->ops[i].opc != TCG_OP_nop) {
            ir->ops[n++] = ir->ops[i];
        }
    }
    ir->n_ops = n;
}

/* Scratch per thread (harts optimise concurrently), freed with it. */
static GPrivate optimizer_key = G_PRIVATE_INIT(g_free);

void tcg_optimize(TcgIr *ir)
{
    Optimizer *o = g_private_get(&optimizer_key);
    if (o == NULL) {
        o = g_new0(Optimizer, 1);
        for (guint t = 0; t < TCG_MAX_TEMPS; t++) {
            o->t[t].copy_of = TCG_TEMP_NONE;
        }
        g_private_set(&optimizer_key, o);
    }
    forward_pass(o, ir);
    liveness_pass(o->live, ir);
}

void tcg_liveness(TcgIr *ir)
{
    gboolean live[TCG_MAX_TEMPS];
    liveness_pass(live, ir);
}
