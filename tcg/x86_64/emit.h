/* SPDX-License-Identifier: MIT */
/* Every x86-64 encoding the back end uses, in one place (LuaJIT keeps all
 * of its in lj_emit_x86.h). Each function appends one instruction at
 * e->p. Memory operands are always [base + disp32]; rsp/r12 bases get the
 * SIB byte they need, rbp/r13 always carry a displacement. */
#ifndef SHOAL_TCG_X86_64_EMIT_H
#define SHOAL_TCG_X86_64_EMIT_H

#include <glib.h>
#include <string.h>

typedef enum {
    X86_RAX, X86_RCX, X86_RDX, X86_RBX, X86_RSP, X86_RBP, X86_RSI, X86_RDI,
    X86_R8, X86_R9, X86_R10, X86_R11, X86_R12, X86_R13, X86_R14, X86_R15,
    X86_NREGS,
} X86Reg;

/* Condition codes as the low nibble of Jcc/SETcc. */
typedef enum {
    X86_CC_O = 0, X86_CC_B = 2, X86_CC_AE = 3, X86_CC_E = 4, X86_CC_NE = 5,
    X86_CC_BE = 6, X86_CC_A = 7, X86_CC_L = 0xc, X86_CC_GE = 0xd, X86_CC_LE = 0xe,
    X86_CC_G = 0xf,
} X86Cond;

/* Group-1 ALU operations: the /digit of 81/83 and the opcode base of the
 * r/m,reg form (base = digit * 8 + 1). */
typedef enum {
    X86_ALU_ADD = 0, X86_ALU_OR = 1, X86_ALU_AND = 4, X86_ALU_SUB = 5, X86_ALU_XOR = 6,
    X86_ALU_CMP = 7,
} X86Alu;

/* Group-2 shifts and rotates: the /digit of D3/C1. */
typedef enum {
    X86_SHIFT_ROL = 0, X86_SHIFT_ROR = 1, X86_SHIFT_SHL = 4, X86_SHIFT_SHR = 5,
    X86_SHIFT_SAR = 7,
} X86Shift;

typedef struct {
    guint8 *p;     /* next byte to write (the writable view) */
    guint8 *start; /* start of the writable view */
} X86Emitter;

static inline void x86_byte(X86Emitter *e, guint8 b) { *e->p++ = b; }
static inline void x86_u32(X86Emitter *e, guint32 v) { memcpy(e->p, &v, 4); e->p += 4; }
static inline void x86_u64(X86Emitter *e, guint64 v) { memcpy(e->p, &v, 8); e->p += 8; }

static inline gboolean x86_fits_i32(gint64 v) { return v == (gint64)(gint32)v; }
static inline gboolean x86_fits_i8(gint64 v) { return v == (gint64)(gint8)v; }

/* REX with W (64-bit operand), R (reg field), B (rm/base field). Emitted
 * only when some bit is set or @force (byte registers sil/dil need it). */
static inline void x86_rex(X86Emitter *e, gboolean w, guint reg, guint rm, gboolean force)
{
    guint8 rex = 0x40 | (w ? 8 : 0) | ((reg & 8) ? 4 : 0) | ((rm & 8) ? 1 : 0);
    if (rex != 0x40 || force) {
        x86_byte(e, rex);
    }
}

static inline void x86_modrm_reg(X86Emitter *e, guint reg, guint rm)
{
    x86_byte(e, (guint8)(0xc0 | (reg & 7) << 3 | (rm & 7)));
}

static inline void x86_modrm_mem(X86Emitter *e, guint reg, X86Reg base, gint32 disp)
{
    gboolean d8 = x86_fits_i8(disp);
    x86_byte(e, (guint8)((d8 ? 0x40 : 0x80) | (reg & 7) << 3 | (base & 7)));
    if ((base & 7) == X86_RSP) {
        x86_byte(e, 0x24); /* SIB: no index, base = rsp/r12 */
    }
    if (d8) {
        x86_byte(e, (guint8)disp);
    } else {
        x86_u32(e, (guint32)disp);
    }
}

/* [base + index * 1 + disp32] */
static inline void x86_modrm_sib(X86Emitter *e, guint reg, X86Reg base, X86Reg index,
                                 gint32 disp)
{
    x86_byte(e, (guint8)(0x80 | (reg & 7) << 3 | 4));
    x86_byte(e, (guint8)((index & 7) << 3 | (base & 7)));
    x86_u32(e, (guint32)disp);
}

/* op r64, r64 with the opcode's reg field = @src (e.g. 89: mov rm <- reg). */
static inline void x86_op_rr(X86Emitter *e, guint8 opc, X86Reg rm, X86Reg reg)
{
    x86_rex(e, TRUE, reg, rm, FALSE);
    x86_byte(e, opc);
    x86_modrm_reg(e, reg, rm);
}

static inline void x86_mov_rr(X86Emitter *e, X86Reg dst, X86Reg src)
{
    if (dst != src) {
        x86_op_rr(e, 0x89, dst, src);
    }
}

/* 32-bit mov: zero-extends into the full register. */
static inline void x86_mov_rr32(X86Emitter *e, X86Reg dst, X86Reg src)
{
    x86_rex(e, FALSE, src, dst, FALSE);
    x86_byte(e, 0x89);
    x86_modrm_reg(e, src, dst);
}

static inline void x86_movi(X86Emitter *e, X86Reg dst, gint64 imm)
{
    if (imm == 0) {
        /* xor r32, r32 */
        x86_rex(e, FALSE, dst, dst, FALSE);
        x86_byte(e, 0x31);
        x86_modrm_reg(e, dst, dst);
    } else if ((guint64)imm <= 0xffffffffull) {
        x86_rex(e, FALSE, 0, dst, FALSE);
        x86_byte(e, (guint8)(0xb8 + (dst & 7)));
        x86_u32(e, (guint32)imm);
    } else if (x86_fits_i32(imm)) {
        x86_rex(e, TRUE, 0, dst, FALSE);
        x86_byte(e, 0xc7);
        x86_modrm_reg(e, 0, dst);
        x86_u32(e, (guint32)imm);
    } else {
        x86_rex(e, TRUE, 0, dst, FALSE);
        x86_byte(e, (guint8)(0xb8 + (dst & 7)));
        x86_u64(e, (guint64)imm);
    }
}

static inline void x86_load64(X86Emitter *e, X86Reg dst, X86Reg base, gint32 disp)
{
    x86_rex(e, TRUE, dst, base, FALSE);
    x86_byte(e, 0x8b);
    x86_modrm_mem(e, dst, base, disp);
}

static inline void x86_store64(X86Emitter *e, X86Reg base, gint32 disp, X86Reg src)
{
    x86_rex(e, TRUE, src, base, FALSE);
    x86_byte(e, 0x89);
    x86_modrm_mem(e, src, base, disp);
}

/* mov qword [base + disp], imm32 (sign-extended) */
static inline void x86_store64_imm(X86Emitter *e, X86Reg base, gint32 disp, gint32 imm)
{
    x86_rex(e, TRUE, 0, base, FALSE);
    x86_byte(e, 0xc7);
    x86_modrm_mem(e, 0, base, disp);
    x86_u32(e, (guint32)imm);
}

/* Loads of every width and signedness from [base + disp]. */
static inline void x86_load_ext(X86Emitter *e, X86Reg dst, X86Reg base, gint32 disp,
                                guint log2size, gboolean sign)
{
    switch (log2size) {
    case 0:
        x86_rex(e, sign, dst, base, FALSE);
        x86_byte(e, 0x0f);
        x86_byte(e, sign ? 0xbe : 0xb6);
        break;
    case 1:
        x86_rex(e, sign, dst, base, FALSE);
        x86_byte(e, 0x0f);
        x86_byte(e, sign ? 0xbf : 0xb7);
        break;
    case 2:
        if (sign) {
            x86_rex(e, TRUE, dst, base, FALSE);
            x86_byte(e, 0x63); /* movsxd */
        } else {
            x86_rex(e, FALSE, dst, base, FALSE);
            x86_byte(e, 0x8b);
        }
        break;
    default:
        x86_rex(e, TRUE, dst, base, FALSE);
        x86_byte(e, 0x8b);
        break;
    }
    x86_modrm_mem(e, dst, base, disp);
}

static inline void x86_store_sized(X86Emitter *e, X86Reg base, gint32 disp, X86Reg src,
                                   guint log2size)
{
    switch (log2size) {
    case 0:
        /* sil/dil/spl/bpl need a REX to be byte registers */
        x86_rex(e, FALSE, src, base, src >= X86_RSP);
        x86_byte(e, 0x88);
        break;
    case 1:
        x86_byte(e, 0x66);
        x86_rex(e, FALSE, src, base, FALSE);
        x86_byte(e, 0x89);
        break;
    case 2:
        x86_rex(e, FALSE, src, base, FALSE);
        x86_byte(e, 0x89);
        break;
    default:
        x86_rex(e, TRUE, src, base, FALSE);
        x86_byte(e, 0x89);
        break;
    }
    x86_modrm_mem(e, src, base, disp);
}

static inline void x86_lea(X86Emitter *e, X86Reg dst, X86Reg base, gint32 disp)
{
    x86_rex(e, TRUE, dst, base, FALSE);
    x86_byte(e, 0x8d);
    x86_modrm_mem(e, dst, base, disp);
}

static inline void x86_alu_rr(X86Emitter *e, X86Alu op, X86Reg dst, X86Reg src)
{
    x86_op_rr(e, (guint8)(op * 8 + 1), dst, src);
}

static inline void x86_alu_ri(X86Emitter *e, X86Alu op, X86Reg dst, gint32 imm)
{
    x86_rex(e, TRUE, 0, dst, FALSE);
    if (x86_fits_i8(imm)) {
        x86_byte(e, 0x83);
        x86_modrm_reg(e, op, dst);
        x86_byte(e, (guint8)imm);
    } else {
        x86_byte(e, 0x81);
        x86_modrm_reg(e, op, dst);
        x86_u32(e, (guint32)imm);
    }
}

/* op r64, [base + disp] (the reg <- reg op mem form: opcode base + 2). */
static inline void x86_alu_rm(X86Emitter *e, X86Alu op, X86Reg dst, X86Reg base, gint32 disp)
{
    x86_rex(e, TRUE, dst, base, FALSE);
    x86_byte(e, (guint8)(op * 8 + 3));
    x86_modrm_mem(e, dst, base, disp);
}

/* cmp r32, dword [base + disp] */
static inline void x86_cmp32_rm(X86Emitter *e, X86Reg reg, X86Reg base, gint32 disp)
{
    x86_rex(e, FALSE, reg, base, FALSE);
    x86_byte(e, 0x3b);
    x86_modrm_mem(e, reg, base, disp);
}

/* cmp r64, [base + index + disp] */
static inline void x86_cmp_r_sib(X86Emitter *e, X86Reg reg, X86Reg base, X86Reg index,
                                 gint32 disp)
{
    x86_byte(e, (guint8)(0x48 | ((reg & 8) ? 4 : 0) | ((index & 8) ? 2 : 0) |
                         ((base & 8) ? 1 : 0)));
    x86_byte(e, 0x3b);
    x86_modrm_sib(e, reg, base, index, disp);
}

/* add r64, [base + index + disp] */
static inline void x86_add_r_sib(X86Emitter *e, X86Reg reg, X86Reg base, X86Reg index,
                                 gint32 disp)
{
    x86_byte(e, (guint8)(0x48 | ((reg & 8) ? 4 : 0) | ((index & 8) ? 2 : 0) |
                         ((base & 8) ? 1 : 0)));
    x86_byte(e, 0x03);
    x86_modrm_sib(e, reg, base, index, disp);
}

/* add qword [base + disp], imm32 */
static inline void x86_add_mem_imm(X86Emitter *e, X86Reg base, gint32 disp, gint32 imm)
{
    x86_rex(e, TRUE, 0, base, FALSE);
    x86_byte(e, x86_fits_i8(imm) ? 0x83 : 0x81);
    x86_modrm_mem(e, X86_ALU_ADD, base, disp);
    if (x86_fits_i8(imm)) {
        x86_byte(e, (guint8)imm);
    } else {
        x86_u32(e, (guint32)imm);
    }
}

/* cmp dword [base + disp], imm8 */
static inline void x86_cmp_mem32_imm8(X86Emitter *e, X86Reg base, gint32 disp, gint8 imm)
{
    x86_rex(e, FALSE, 0, base, FALSE);
    x86_byte(e, 0x83);
    x86_modrm_mem(e, X86_ALU_CMP, base, disp);
    x86_byte(e, (guint8)imm);
}

static inline void x86_test_rr(X86Emitter *e, X86Reg a, X86Reg b)
{
    x86_op_rr(e, 0x85, a, b);
}

static inline void x86_shift_cl(X86Emitter *e, X86Shift op, X86Reg dst)
{
    x86_rex(e, TRUE, 0, dst, FALSE);
    x86_byte(e, 0xd3);
    x86_modrm_reg(e, op, dst);
}

static inline void x86_shift_ri(X86Emitter *e, X86Shift op, X86Reg dst, guint8 count)
{
    x86_rex(e, TRUE, 0, dst, FALSE);
    x86_byte(e, 0xc1);
    x86_modrm_reg(e, op, dst);
    x86_byte(e, count);
}

static inline void x86_shift32_ri(X86Emitter *e, X86Shift op, X86Reg dst, guint8 count)
{
    x86_rex(e, FALSE, 0, dst, FALSE);
    x86_byte(e, 0xc1);
    x86_modrm_reg(e, op, dst);
    x86_byte(e, count);
}

static inline void x86_shift32_cl(X86Emitter *e, X86Shift op, X86Reg dst)
{
    x86_rex(e, FALSE, 0, dst, FALSE);
    x86_byte(e, 0xd3);
    x86_modrm_reg(e, op, dst);
}

static inline void x86_and32_ri(X86Emitter *e, X86Reg dst, guint32 imm)
{
    x86_rex(e, FALSE, 0, dst, FALSE);
    x86_byte(e, 0x81);
    x86_modrm_reg(e, X86_ALU_AND, dst);
    x86_u32(e, imm);
}

static inline void x86_imul_rr(X86Emitter *e, X86Reg dst, X86Reg src)
{
    x86_rex(e, TRUE, dst, src, FALSE);
    x86_byte(e, 0x0f);
    x86_byte(e, 0xaf);
    x86_modrm_reg(e, dst, src);
}

/* imul r64, [base + disp] */
static inline void x86_imul_rm(X86Emitter *e, X86Reg dst, X86Reg base, gint32 disp)
{
    x86_rex(e, TRUE, dst, base, FALSE);
    x86_byte(e, 0x0f);
    x86_byte(e, 0xaf);
    x86_modrm_mem(e, dst, base, disp);
}

/* imul r64, r/m64, imm32 (dst = src * imm) */
static inline void x86_imul_rri(X86Emitter *e, X86Reg dst, X86Reg src, gint32 imm)
{
    x86_rex(e, TRUE, dst, src, FALSE);
    if (x86_fits_i8(imm)) {
        x86_byte(e, 0x6b);
        x86_modrm_reg(e, dst, src);
        x86_byte(e, (guint8)imm);
    } else {
        x86_byte(e, 0x69);
        x86_modrm_reg(e, dst, src);
        x86_u32(e, (guint32)imm);
    }
}

/* Group 3 on r/m64: 4 mul, 5 imul (rdx:rax = rax * rm), 6 div, 7 idiv. */
static inline void x86_group3(X86Emitter *e, guint digit, X86Reg rm)
{
    x86_rex(e, TRUE, 0, rm, FALSE);
    x86_byte(e, 0xf7);
    x86_modrm_reg(e, digit, rm);
}

/* 0F @opc r64, r/m64 with an optional mandatory prefix (0 for none), which
 * goes before REX: F3 0F BD lzcnt, F3 0F BC tzcnt, F3 0F B8 popcnt (each
 * needs its cpuid bit; without it F3 0F BD/BC run as bsr/bsf), 0F BD
 * bsr, 0F BC bsf, 0F 40+cc cmovcc. */
static inline void x86_op0f_rr(X86Emitter *e, guint8 prefix, guint8 opc, X86Reg dst, X86Reg src)
{
    if (prefix != 0) {
        x86_byte(e, prefix);
    }
    x86_rex(e, TRUE, dst, src, FALSE);
    x86_byte(e, 0x0f);
    x86_byte(e, opc);
    x86_modrm_reg(e, dst, src);
}

static inline void x86_cmov(X86Emitter *e, X86Cond cc, X86Reg dst, X86Reg src)
{
    x86_op0f_rr(e, 0, (guint8)(0x40 + cc), dst, src);
}

static inline void x86_bswap(X86Emitter *e, X86Reg r)
{
    x86_rex(e, TRUE, 0, r, FALSE);
    x86_byte(e, 0x0f);
    x86_byte(e, (guint8)(0xc8 + (r & 7)));
}

static inline void x86_cqo(X86Emitter *e)
{
    x86_byte(e, 0x48);
    x86_byte(e, 0x99);
}

static inline void x86_movsxd_rr(X86Emitter *e, X86Reg dst, X86Reg src)
{
    x86_rex(e, TRUE, dst, src, FALSE);
    x86_byte(e, 0x63);
    x86_modrm_reg(e, dst, src);
}

/* setcc r8 then movzx r32, r8: dst = cond ? 1 : 0 */
static inline void x86_setcc(X86Emitter *e, X86Cond cc, X86Reg dst)
{
    x86_rex(e, FALSE, 0, dst, dst >= X86_RSP);
    x86_byte(e, 0x0f);
    x86_byte(e, (guint8)(0x90 + cc));
    x86_modrm_reg(e, 0, dst);
    x86_rex(e, FALSE, dst, dst, dst >= X86_RSP);
    x86_byte(e, 0x0f);
    x86_byte(e, 0xb6);
    x86_modrm_reg(e, dst, dst);
}

/* Jumps with a rel32 to be filled later; return where the rel32 is. */
static inline guint8 *x86_jcc32(X86Emitter *e, X86Cond cc)
{
    x86_byte(e, 0x0f);
    x86_byte(e, (guint8)(0x80 + cc));
    guint8 *rel = e->p;
    x86_u32(e, 0);
    return rel;
}

static inline guint8 *x86_jmp32(X86Emitter *e)
{
    x86_byte(e, 0xe9);
    guint8 *rel = e->p;
    x86_u32(e, 0);
    return rel;
}

/* call rel32; returns the rel32 to patch. */
static inline guint8 *x86_call32(X86Emitter *e)
{
    x86_byte(e, 0xe8);
    guint8 *rel = e->p;
    x86_u32(e, 0);
    return rel;
}

/* Points the rel32 at @rel (in the writable view) to @target (same view). */
static inline void x86_patch_rel32(guint8 *rel, const guint8 *target)
{
    gint64 d = target - (rel + 4);
    g_assert(x86_fits_i32(d));
    gint32 d32 = (gint32)d;
    memcpy(rel, &d32, 4);
}

/* jmp qword [base + disp] */
static inline void x86_jmp_mem(X86Emitter *e, X86Reg base, gint32 disp)
{
    x86_rex(e, FALSE, 0, base, FALSE);
    x86_byte(e, 0xff);
    x86_modrm_mem(e, 4, base, disp);
}

static inline void x86_jmp_reg(X86Emitter *e, X86Reg r)
{
    x86_rex(e, FALSE, 0, r, FALSE);
    x86_byte(e, 0xff);
    x86_modrm_reg(e, 4, r);
}

static inline void x86_call_reg(X86Emitter *e, X86Reg r)
{
    x86_rex(e, FALSE, 0, r, FALSE);
    x86_byte(e, 0xff);
    x86_modrm_reg(e, 2, r);
}

static inline void x86_push(X86Emitter *e, X86Reg r)
{
    x86_rex(e, FALSE, 0, r, FALSE);
    x86_byte(e, (guint8)(0x50 + (r & 7)));
}

static inline void x86_pop(X86Emitter *e, X86Reg r)
{
    x86_rex(e, FALSE, 0, r, FALSE);
    x86_byte(e, (guint8)(0x58 + (r & 7)));
}

static inline void x86_ret(X86Emitter *e) { x86_byte(e, 0xc3); }
static inline void x86_mfence(X86Emitter *e) { x86_byte(e, 0x0f); x86_byte(e, 0xae); x86_byte(e, 0xf0); }

/* ---- SSE scalar arithmetic on xmm0 with a [base + disp] operand ---- */

/* @prefix F2 (double) or F3 (single); @opc 10 load, 11 store, 51 sqrt,
 * 58 add, 59 mul, 5C sub, 5E div. */
static inline void x86_sse_xmm_mem(X86Emitter *e, guint8 prefix, guint8 opc, guint xmm,
                                   X86Reg base, gint32 disp)
{
    x86_byte(e, prefix);
    x86_rex(e, FALSE, xmm, base, FALSE);
    x86_byte(e, 0x0f);
    x86_byte(e, opc);
    x86_modrm_mem(e, xmm, base, disp);
}

static inline void x86_sse_xmm0_mem(X86Emitter *e, guint8 prefix, guint8 opc, X86Reg base,
                                    gint32 disp)
{
    x86_sse_xmm_mem(e, prefix, opc, 0, base, disp);
}

/* FMA3 231 form: xmm0 = xmm1 * [base + disp] +- xmm0 (VEX.66.0F38, W1 for
 * double); @opc B9 fmadd, BB fmsub, BD fnmadd, BF fnmsub (base below r8). */
static inline void x86_fma231_xmm0_xmm1_mem(X86Emitter *e, gboolean dbl, guint8 opc,
                                            X86Reg base, gint32 disp)
{
    g_assert(base < X86_R8);
    x86_byte(e, 0xc4);
    x86_byte(e, 0xe2);                          /* ~R ~X ~B, map 0F38 */
    x86_byte(e, (guint8)((dbl ? 0x80 : 0) | (0xe << 3) | 0x01)); /* W, ~vvvv = ~xmm1, 66 */
    x86_byte(e, opc);
    x86_modrm_mem(e, 0, base, disp);
}

/* movq rax, xmm0 / movd eax, xmm0 */
static inline void x86_movq_rax_xmm0(X86Emitter *e, gboolean is64)
{
    x86_byte(e, 0x66);
    if (is64) {
        x86_byte(e, 0x48);
    }
    x86_byte(e, 0x0f);
    x86_byte(e, 0x7e);
    x86_byte(e, 0xc0);
}

/* test byte [base + disp], imm8 */
static inline void x86_test_mem8_imm(X86Emitter *e, X86Reg base, gint32 disp, guint8 imm)
{
    x86_rex(e, FALSE, 0, base, FALSE);
    x86_byte(e, 0xf6);
    x86_modrm_mem(e, 0, base, disp);
    x86_byte(e, imm);
}

/* or qword [base + disp], imm32 */
static inline void x86_or_mem_imm(X86Emitter *e, X86Reg base, gint32 disp, gint32 imm)
{
    x86_rex(e, TRUE, 0, base, FALSE);
    x86_byte(e, 0x81);
    x86_modrm_mem(e, X86_ALU_OR, base, disp);
    x86_u32(e, (guint32)imm);
}

/* mov dword [base + disp], imm32 */
static inline void x86_store32_imm(X86Emitter *e, X86Reg base, gint32 disp, guint32 imm)
{
    x86_rex(e, FALSE, 0, base, FALSE);
    x86_byte(e, 0xc7);
    x86_modrm_mem(e, 0, base, disp);
    x86_u32(e, imm);
}

#endif /* SHOAL_TCG_X86_64_EMIT_H */
