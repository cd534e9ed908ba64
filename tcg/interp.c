/* SPDX-License-Identifier: MIT */
/* The portable back end: runs a block's IR directly. It is the reference
 * the x86-64 back end is tested against, so it follows each op's
 * definition in ir-ops.def literally. */
#include <string.h>

#include "tcg/internal.h"

guint64 tcg_eval_div(TcgOpcode opc, guint64 a, guint64 b)
{
    switch (opc) {
    case TCG_OP_div:
        if (b == 0) return ~0ull;
        if ((gint64)a == G_MININT64 && (gint64)b == -1) return a;
        return (guint64)((gint64)a / (gint64)b);
    case TCG_OP_divu:
        return b == 0 ? ~0ull : a / b;
    case TCG_OP_rem:
        if (b == 0) return a;
        if ((gint64)a == G_MININT64 && (gint64)b == -1) return 0;
        return (guint64)((gint64)a % (gint64)b);
    case TCG_OP_remu:
        return b == 0 ? a : a % b;
    default:
        g_assert_not_reached();
    }
}

guint64 tcg_eval_mulh(TcgOpcode opc, guint64 a, guint64 b)
{
    switch (opc) {
    case TCG_OP_mulsh:
        return (guint64)(((__int128)(gint64)a * (__int128)(gint64)b) >> 64);
    case TCG_OP_muluh:
        return (guint64)(((unsigned __int128)a * b) >> 64);
    case TCG_OP_mulsuh:
        return (guint64)(((__int128)(gint64)a * (__int128)(unsigned __int128)b) >> 64);
    default:
        g_assert_not_reached();
    }
}

/* The bit-manipulation ops (ir-ops.def), as the RISC-V spec words them. */
guint64 tcg_eval_bitop(TcgOpcode opc, guint64 a, guint64 b)
{
    guint n64 = (guint)(b & 63), n32 = (guint)(b & 31);
    guint32 lo = (guint32)a;
    switch (opc) {
    case TCG_OP_rotl: return n64 ? a << n64 | a >> (64 - n64) : a;
    case TCG_OP_rotr: return n64 ? a >> n64 | a << (64 - n64) : a;
    case TCG_OP_rotl32:
        return (guint64)(gint64)(gint32)(n32 ? lo << n32 | lo >> (32 - n32) : lo);
    case TCG_OP_rotr32:
        return (guint64)(gint64)(gint32)(n32 ? lo >> n32 | lo << (32 - n32) : lo);
    case TCG_OP_clz: return a ? (guint64)__builtin_clzll(a) : 64;
    case TCG_OP_ctz: return a ? (guint64)__builtin_ctzll(a) : 64;
    case TCG_OP_cpop: return (guint64)__builtin_popcountll(a);
    case TCG_OP_bswap: return GUINT64_SWAP_LE_BE(a);
    case TCG_OP_min: return (gint64)a < (gint64)b ? a : b;
    case TCG_OP_max: return (gint64)a > (gint64)b ? a : b;
    case TCG_OP_minu: return a < b ? a : b;
    case TCG_OP_maxu: return a > b ? a : b;
    default:
        g_assert_not_reached();
    }
}

guint64 tcg_eval(TcgOpcode opc, guint8 aux, guint64 a, guint64 b, gint64 imm)
{
    switch (opc) {
    case TCG_OP_add: return a + b;
    case TCG_OP_sub: return a - b;
    case TCG_OP_and: return a & b;
    case TCG_OP_or: return a | b;
    case TCG_OP_xor: return a ^ b;
    case TCG_OP_shl: return a << (b & 63);
    case TCG_OP_shr: return a >> (b & 63);
    case TCG_OP_sar: return (guint64)((gint64)a >> (b & 63));
    case TCG_OP_addi: return a + (guint64)imm;
    case TCG_OP_mul: return a * b;
    case TCG_OP_mulsh:
    case TCG_OP_muluh:
    case TCG_OP_mulsuh:
        return tcg_eval_mulh(opc, a, b);
    case TCG_OP_div:
    case TCG_OP_divu:
    case TCG_OP_rem:
    case TCG_OP_remu:
        return tcg_eval_div(opc, a, b);
    case TCG_OP_rotl:
    case TCG_OP_rotr:
    case TCG_OP_rotl32:
    case TCG_OP_rotr32:
    case TCG_OP_clz:
    case TCG_OP_ctz:
    case TCG_OP_cpop:
    case TCG_OP_bswap:
    case TCG_OP_min:
    case TCG_OP_max:
    case TCG_OP_minu:
    case TCG_OP_maxu:
        return tcg_eval_bitop(opc, a, b);
    case TCG_OP_ext32s: return (guint64)(gint64)(gint32)a;
    case TCG_OP_ext32u: return (guint32)a;
    case TCG_OP_zext: return a & ((1ull << imm) - 1);
    case TCG_OP_sext: return (guint64)((gint64)(a << (64 - imm)) >> (64 - imm));
    case TCG_OP_setcond: return tcg_eval_cond(aux, a, b);
    default: g_assert_not_reached();
    }
}

static void host_barrier(guint bar)
{
    /* x86-TSO keeps every order but store->load. mfence rather than
     * __atomic_thread_fence, which ThreadSanitizer builds reject. */
    if (bar & TCG_MB_ST_LD) {
#if defined(__x86_64__)
        __asm__ volatile("mfence" ::: "memory");
#else
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
    } else {
        __atomic_signal_fence(__ATOMIC_SEQ_CST);
    }
}

void tcg_interp_block(TcgHart *hart, const TcgBlock *block)
{
    /* Globals are env.x[], temps follow in a local array: one index space. */
    guint64 temps[TCG_MAX_TEMPS];
    guint64 *x = hart->env.x;
#define R(t) (*((t) < TCG_NB_GLOBALS ? &x[(t)] : &temps[(t)]))

    const TcgOp *ops = block->ops;
    for (guint pc = 0; pc < block->n_ops; pc++) {
        const TcgOp *op = &ops[pc];
        switch ((TcgOpcode)op->opc) {
        case TCG_OP_nop: break;
        case TCG_OP_mov: R(op->out) = R(op->in[0]); break;
        case TCG_OP_movi: R(op->out) = (guint64)op->imm; break;
        case TCG_OP_add: R(op->out) = R(op->in[0]) + R(op->in[1]); break;
        case TCG_OP_sub: R(op->out) = R(op->in[0]) - R(op->in[1]); break;
        case TCG_OP_and: R(op->out) = R(op->in[0]) & R(op->in[1]); break;
        case TCG_OP_or: R(op->out) = R(op->in[0]) | R(op->in[1]); break;
        case TCG_OP_xor: R(op->out) = R(op->in[0]) ^ R(op->in[1]); break;
        case TCG_OP_shl: R(op->out) = R(op->in[0]) << (R(op->in[1]) & 63); break;
        case TCG_OP_shr: R(op->out) = R(op->in[0]) >> (R(op->in[1]) & 63); break;
        case TCG_OP_sar:
            R(op->out) = (guint64)((gint64)R(op->in[0]) >> (R(op->in[1]) & 63));
            break;
        case TCG_OP_addi: R(op->out) = R(op->in[0]) + (guint64)op->imm; break;
        case TCG_OP_mul: R(op->out) = R(op->in[0]) * R(op->in[1]); break;
        case TCG_OP_mulsh:
        case TCG_OP_muluh:
        case TCG_OP_mulsuh:
            R(op->out) = tcg_eval_mulh(op->opc, R(op->in[0]), R(op->in[1]));
            break;
        case TCG_OP_div:
        case TCG_OP_divu:
        case TCG_OP_rem:
        case TCG_OP_remu:
            R(op->out) = tcg_eval_div(op->opc, R(op->in[0]), R(op->in[1]));
            break;
        case TCG_OP_rotl:
        case TCG_OP_rotr:
        case TCG_OP_rotl32:
        case TCG_OP_rotr32:
        case TCG_OP_min:
        case TCG_OP_max:
        case TCG_OP_minu:
        case TCG_OP_maxu:
            R(op->out) = tcg_eval_bitop(op->opc, R(op->in[0]), R(op->in[1]));
            break;
        case TCG_OP_clz:
        case TCG_OP_ctz:
        case TCG_OP_cpop:
        case TCG_OP_bswap:
            R(op->out) = tcg_eval_bitop(op->opc, R(op->in[0]), 0);
            break;
        case TCG_OP_ext32s: R(op->out) = (guint64)(gint64)(gint32)R(op->in[0]); break;
        case TCG_OP_ext32u: R(op->out) = (guint32)R(op->in[0]); break;
        case TCG_OP_zext:
        case TCG_OP_sext:
            R(op->out) = tcg_eval(op->opc, op->aux, R(op->in[0]), 0, op->imm);
            break;
        case TCG_OP_setcond:
            R(op->out) = tcg_eval_cond(op->aux, R(op->in[0]), R(op->in[1]));
            break;
        case TCG_OP_set_label: break;
        case TCG_OP_br: pc = block->label_pos[op->imm]; break;
        case TCG_OP_brcond:
            if (tcg_eval_cond(op->aux, R(op->in[0]), R(op->in[1]))) {
                pc = block->label_pos[op->imm];
            }
            break;
        case TCG_OP_ld:
            hart->env.insn_pc = block->pc + op->pc_off;
            R(op->out) = tcg_mem_load(hart, R(op->in[0]) + (guint64)op->imm, op->aux);
            break;
        case TCG_OP_st:
            hart->env.insn_pc = block->pc + op->pc_off;
            tcg_mem_store(hart, R(op->in[1]) + (guint64)op->imm, R(op->in[0]), op->aux);
            break;
        case TCG_OP_ld_env:
            memcpy(&R(op->out), (guint8 *)&hart->env + op->imm, sizeof(guint64));
            break;
        case TCG_OP_st_env:
            memcpy((guint8 *)&hart->env + op->imm, &R(op->in[0]), sizeof(guint64));
            break;
        case TCG_OP_call: {
            hart->env.insn_pc = block->pc + op->pc_off;
            guint64 args[3] = { 0, 0, 0 };
            for (guint i = 0; i < 3; i++) {
                if (op->in[i] != TCG_TEMP_NONE) {
                    args[i] = R(op->in[i]);
                }
            }
            guint64 ret = tcg_helpers[op->aux].fn(hart, args[0], args[1], args[2], op->imm);
            if (op->out != TCG_TEMP_NONE) {
                R(op->out) = ret;
            }
            break;
        }
        case TCG_OP_mb: host_barrier(op->aux); break;
        case TCG_OP_retire: hart->env.retired += (guint64)op->imm; break;
        case TCG_OP_goto_tb:
            hart->env.pc = (guint64)op->imm;
            return;
        case TCG_OP_exit_tb:
        case TCG_OP_lookup_and_goto_ptr:
            return;
        case TCG_OP_COUNT:
            g_assert_not_reached();
        }
    }
#undef R
    g_assert_not_reached(); /* every block ends in an exit */
}
