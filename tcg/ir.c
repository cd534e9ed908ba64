/* SPDX-License-Identifier: MIT */
/* Building IR: the op table and the one appender every builder uses. */
#include "tcg/ir.h"

const TcgOpDesc tcg_op_descs[TCG_OP_COUNT] = {
#define DEF_OP(name, outs, ins, flags) [TCG_OP_##name] = { #name, outs, ins, flags },
#include "tcg/ir-ops.def"
#undef DEF_OP
};

/* The worst single guest instruction (an AMO with its checks, a branch with
 * two exits) stays well under these margins. */
#define WORST_INSN_OPS 32
#define WORST_INSN_TEMPS 16
#define WORST_INSN_LABELS 2

void tcg_ir_reset(TcgIr *ir)
{
    ir->n_ops = 0;
    ir->n_temps = TCG_NB_GLOBALS;
    ir->n_labels = 0;
    ir->pc_off = 0;
}

gboolean tcg_ir_has_room(const TcgIr *ir)
{
    return ir->n_ops + WORST_INSN_OPS <= TCG_MAX_OPS &&
           ir->n_temps + WORST_INSN_TEMPS <= TCG_MAX_TEMPS &&
           ir->n_labels + WORST_INSN_LABELS <= TCG_MAX_LABELS;
}

TcgTemp tcg_temp_new(TcgIr *ir)
{
    g_assert(ir->n_temps < TCG_MAX_TEMPS);
    return (TcgTemp)ir->n_temps++;
}

guint tcg_label_new(TcgIr *ir)
{
    g_assert(ir->n_labels < TCG_MAX_LABELS);
    return ir->n_labels++;
}

void tcg_gen_op(TcgIr *ir, TcgOpcode opc, TcgTemp out, TcgTemp a, TcgTemp b, TcgTemp c,
                gint64 imm, guint8 aux)
{
    g_assert(ir->n_ops < TCG_MAX_OPS);
    ir->ops[ir->n_ops++] = (TcgOp){
        .opc = (guint8)opc, .aux = aux, .out = out, .in = { a, b, c }, .imm = imm,
        .pc_off = ir->pc_off,
    };
}

static void dump_temp(GString *s, TcgTemp t)
{
    if (t < TCG_NB_GLOBALS) {
        g_string_append_printf(s, " x%u", t);
    } else {
        g_string_append_printf(s, " t%u", t - TCG_NB_GLOBALS);
    }
}

char *tcg_ir_dump(const TcgOp *ops, guint n_ops)
{
    GString *s = g_string_new(NULL);
    for (guint i = 0; i < n_ops; i++) {
        const TcgOp *op = &ops[i];
        const TcgOpDesc *d = &tcg_op_descs[op->opc];
        g_string_append_printf(s, "%4u: +%-3u %s", i, op->pc_off, d->name);
        if (d->n_outs) {
            dump_temp(s, op->out);
            g_string_append(s, " <-");
        }
        for (guint j = 0; j < d->n_ins; j++) {
            if (op->in[j] != TCG_TEMP_NONE) {
                dump_temp(s, op->in[j]);
            }
        }
        g_string_append_printf(s, " imm=%#" G_GINT64_MODIFIER "x aux=%u\n", op->imm, op->aux);
    }
    return g_string_free(s, FALSE);
}
