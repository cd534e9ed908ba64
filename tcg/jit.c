/* SPDX-License-Identifier: MIT */
/* The x86-64 back end: one pass over a block's IR with a local register
 * allocator. Guest registers stay in host registers inside a block and go
 * back to TcgCpuState only at exits, helper calls and on the way into a
 * slow path; constants ride as immediates; guest loads and stores get an
 * inline TLB probe with an out-of-line slow path that returns into the
 * block. Register conventions:
 *
 *   rbp            the hart (TcgCpuState is its first member)
 *   rax rcx rdx    scratch inside one op, never allocated
 *   rbx r12-r15    pinned (survive helper calls): a5 a4 a3 a2 a0 at first
 *   r8 r9          pinned (clobbered by calls: reloaded after them): a1 sp
 *   rsi rdi r10 r11  allocatable, clobbered by calls (saved by slow paths)
 *
 * Pinned guest registers (rv8's technique) live in their host register for
 * as long as generated code runs, across chained blocks: the prologue
 * loads them from TcgCpuState and the epilogue stores them back, helper
 * calls and slow paths store them first (an exception must see them).
 * Which guest registers are pinned is the hart's own: pin-profile.c moves
 * the pins to the registers the hot code uses, and the hart's code is
 * translated again for them (every block assumes the same pins).
 *
 * A block starts by testing the hart's event word, so every chained jump
 * into it still notices interrupts, safe work and stop requests. */
#include <stddef.h>
#include <string.h>

#include "tcg/internal.h"
#include "tcg/riscv/fpu.h"
#include "tcg/x86_64/emit.h"

#define HART_OFF(field) ((gint32)offsetof(TcgHart, field))
#define ENV_OFF(field) ((gint32)offsetof(TcgHart, env.field))

/* Headroom a block may need; a buffer with less left is flushed first. */
#define JIT_MAX_BLOCK_BYTES (64 * 1024)
#define JIT_MAX_SLOW_PATHS 512
#define JIT_NO_REG (-1)

/* The host registers that hold a pinned guest register each, and the
 * guest registers they start with: those compiled code uses most (GCC's
 * argument and return registers, the stack pointer). Which guest register
 * each holds is the hart's (tcg_jit_set_pins, chosen by pin-profile.c). */
static const X86Reg pin_host[TCG_JIT_PINS] = {
    X86_RBX, X86_R12, X86_R13, X86_R14, X86_R15, X86_R8, X86_R9,
};
const guint8 tcg_jit_default_pins[TCG_JIT_PINS] = { 15, 14, 13, 12, 10, 11, 2 };
#define PINNED_CALLER_SAVED ((1u << X86_R8) | (1u << X86_R9))

static const X86Reg alloc_order[] = { X86_RSI, X86_RDI, X86_R10, X86_R11 };
#define CALLER_SAVED_MASK                                                                  \
    ((1u << X86_RSI) | (1u << X86_RDI) | (1u << X86_R8) | (1u << X86_R9) | (1u << X86_R10) | \
     (1u << X86_R11))

typedef struct {
    gint8 reg;         /* host register holding it, or JIT_NO_REG */
    gboolean is_const; /* value known: val */
    gboolean mem_valid;/* its memory home holds the current value */
    gint64 val;
} TempState;

typedef enum { SLOW_LOAD, SLOW_STORE, SLOW_FP } SlowKind;

/* What a slow path must do: everything the allocator knew at the access. */
typedef struct {
    guint8 *branch_rel[8]; /* the fast path's jcc rel32s to point here */
    guint n_branches;
    guint8 *resume;      /* where to return in the fast path */
    SlowKind kind;
    guint8 memop;
    gint64 fp_imm;       /* SLOW_FP: the fp helper's imm */
    gint8 dst;           /* load: destination register */
    gint8 val_reg;       /* store: value register, or JIT_NO_REG for val_imm */
    gint64 val_imm;
    guint32 save_mask;   /* SLOW_FP: caller-saved registers live across the call
                          * (a memory trampoline saves them all itself) */
    guint64 insn_pc;
    guint8 n_sync;
    struct {
        guint8 global;   /* x register number */
        gint8 reg;       /* where it is, or JIT_NO_REG for a constant */
        gint64 val;
    } sync[TCG_NB_GLOBALS];
} SlowPath;

typedef struct {
    guint8 *addr;        /* bound position, NULL until set_label */
    guint8 *fixups[8];   /* rel32 fields waiting for it */
    guint n_fixups;
} Label;

struct TcgJit {
    TcgHart *hart;
    X86Emitter e;
    TcgBlock *tb;
    TempState ts[TCG_MAX_TEMPS];
    gint16 reg_owner[X86_NREGS]; /* temp in each host register, -1 if free */
    guint32 locked;              /* registers the current op must keep */
    Label labels[TCG_MAX_LABELS];
    SlowPath slow[JIT_MAX_SLOW_PATHS];
    guint n_slow;
    guint64 insn_pc;             /* guest pc of the instruction being emitted */
    const guint8 *epilogue_rx;   /* returns from generated code */
    guint8 *exit_noexit_rw;      /* shared "return 0" path */
    guint8 *load_tramp_rw[8];    /* slow loads by TcgMemOp, shared by every block */
    guint8 *store_tramp_rw[4];   /* slow stores by size */
    guintptr (*enter)(TcgHart *hart, const guint8 *code);
    guint host_isa;              /* TcgHostIsa bits the code may use */
    guint32 stale_globals;       /* bit t: guest register t's memory home is out of
                                  * date (!ts[t].mem_valid), so exits store it */
    guint32 pinned_globals;      /* bit t: guest register t lives in a pin_host */
    guint8 pin_guest[TCG_JIT_PINS];     /* the guest register in each pin_host */
    gint8 pin_of_guest[TCG_NB_GLOBALS]; /* its host register, or JIT_NO_REG */
};
typedef struct TcgJit Jit;

/* ---- Buffer ------------------------------------------------------------ */

static const guint8 *rx_of(const Jit *j, const guint8 *rw)
{
    return j->hart->code.rx + (rw - j->hart->code.rw);
}

static guint64 jit_load_slow(TcgHart *hart, guint64 addr, guint64 memop)
{
    return tcg_mem_load(hart, addr, (TcgMemOp)memop);
}

static guint64 jit_store_slow(TcgHart *hart, guint64 addr, guint64 value, guint64 memop)
{
    tcg_mem_store(hart, addr, value, (TcgMemOp)memop);
    return 0;
}

/* A TLB miss's out-of-line half, one per load kind and store size for the
 * whole buffer, so each access adds only a call to its block (kernel code
 * is a third loads and stores). Called with rax = the guest pc of the
 * access, rdx = its address, rcx = a store's value; returns a load's value
 * in rax. Everything else is as the block left it: the pinned guest
 * registers go to memory here (an exception must see them; the caller
 * stored the others), and the registers a call may clobber are saved. */
static void emit_memory_trampoline(Jit *j, gboolean store, guint memop)
{
    static const X86Reg clobbered[] = { X86_RSI, X86_RDI, X86_R8, X86_R9, X86_R10, X86_R11 };
    G_STATIC_ASSERT(G_N_ELEMENTS(clobbered) % 2 == 0);
    X86Emitter *e = &j->e;
    x86_store64(e, X86_RBP, ENV_OFF(insn_pc), X86_RAX);
    for (guint i = 0; i < TCG_JIT_PINS; i++) {
        x86_store64(e, X86_RBP, ENV_OFF(x) + 8 * j->pin_guest[i], pin_host[i]);
    }
    for (guint i = 0; i < G_N_ELEMENTS(clobbered); i++) {
        x86_push(e, clobbered[i]);
    }
    /* Blocks run 16-byte aligned; the call's return address and an even
     * number of pushes leave 8 to make up. */
    x86_alu_ri(e, X86_ALU_SUB, X86_RSP, 8);
    x86_mov_rr(e, X86_RSI, X86_RDX);
    if (store) {
        x86_mov_rr(e, X86_RDX, X86_RCX);
        x86_movi(e, X86_RCX, memop);
    } else {
        x86_movi(e, X86_RDX, memop);
    }
    x86_mov_rr(e, X86_RDI, X86_RBP);
    x86_movi(e, X86_RAX, (gint64)(guintptr)(store ? (void *)jit_store_slow : (void *)jit_load_slow));
    x86_call_reg(e, X86_RAX);
    x86_alu_ri(e, X86_ALU_ADD, X86_RSP, 8);
    for (guint i = G_N_ELEMENTS(clobbered); i-- > 0;) {
        x86_pop(e, clobbered[i]);
    }
    x86_ret(e);
}

static void emit_memory_trampolines(Jit *j)
{
    for (guint memop = 0; memop < G_N_ELEMENTS(j->load_tramp_rw); memop++) {
        j->load_tramp_rw[memop] = j->e.p;
        emit_memory_trampoline(j, FALSE, memop);
    }
    for (guint size = 0; size < G_N_ELEMENTS(j->store_tramp_rw); size++) {
        j->store_tramp_rw[size] = j->e.p;
        emit_memory_trampoline(j, TRUE, size);
    }
}

/* Prologue/epilogue at the start of the (empty) buffer. */
static void emit_prologue(Jit *j)
{
    TcgCodeBuffer *buf = &j->hart->code;
    X86Emitter *e = &j->e;
    e->start = buf->rw;
    e->p = buf->rw;
    j->enter = (guintptr(*)(TcgHart *, const guint8 *))(void *)buf->rx;
    static const X86Reg saved[] = { X86_RBP, X86_RBX, X86_R12, X86_R13, X86_R14, X86_R15 };
    for (guint i = 0; i < G_N_ELEMENTS(saved); i++) {
        x86_push(e, saved[i]);
    }
    /* 6 pushes + the return address: 8 more keeps rsp 16-byte aligned
     * inside blocks, which slow paths and helper calls rely on. */
    x86_alu_ri(e, X86_ALU_SUB, X86_RSP, 8);
    x86_mov_rr(e, X86_RBP, X86_RDI);
    for (guint i = 0; i < TCG_JIT_PINS; i++) {
        x86_load64(e, pin_host[i], X86_RBP, ENV_OFF(x) + 8 * j->pin_guest[i]);
    }
    x86_jmp_reg(e, X86_RSI);

    j->epilogue_rx = rx_of(j, e->p);
    guint8 *epilogue_rw = e->p;
    for (guint i = 0; i < TCG_JIT_PINS; i++) {
        x86_store64(e, X86_RBP, ENV_OFF(x) + 8 * j->pin_guest[i], pin_host[i]);
    }
    x86_alu_ri(e, X86_ALU_ADD, X86_RSP, 8);
    for (guint i = G_N_ELEMENTS(saved); i-- > 0;) {
        x86_pop(e, saved[i]);
    }
    x86_ret(e);

    j->exit_noexit_rw = e->p;
    x86_movi(e, X86_RAX, 0);
    guint8 *rel = x86_jmp32(e);
    x86_patch_rel32(rel, epilogue_rw);
    emit_memory_trampolines(j);
    buf->used = (gsize)(e->p - buf->rw);
}

void tcg_jit_reset(TcgHart *hart)
{
    emit_prologue(hart->jit);
}

/* What this host adds to x86-64's baseline. libgcc's constructor has read
 * cpuid by now: these are loads, no race. */
static guint host_isa(void)
{
    guint isa = 0;
    if (__builtin_cpu_supports("lzcnt")) {
        isa |= TCG_HOST_LZCNT;
    }
    if (__builtin_cpu_supports("bmi")) {
        isa |= TCG_HOST_TZCNT;
    }
    if (__builtin_cpu_supports("popcnt")) {
        isa |= TCG_HOST_POPCNT;
    }
    return isa;
}

void tcg_jit_limit_host_isa(TcgHart *hart, guint isa)
{
    hart->jit->host_isa &= isa;
}

gboolean tcg_jit_init(TcgHart *hart, GError **error)
{
    gsize size = hart->config.code_buffer_size;
    if (size < 2 * JIT_MAX_BLOCK_BYTES) {
        size = 2 * JIT_MAX_BLOCK_BYTES;
    }
    if (!tcg_code_buffer_init(&hart->code, size, error)) {
        return FALSE;
    }
    hart->jit = g_new0(Jit, 1);
    hart->jit->hart = hart;
    hart->jit->host_isa = host_isa();
    tcg_jit_set_pins(hart, tcg_jit_default_pins);
    emit_prologue(hart->jit);
    return TRUE;
}

void tcg_jit_set_pins(TcgHart *hart, const guint8 pins[TCG_JIT_PINS])
{
    Jit *j = hart->jit;
    memset(j->pin_of_guest, JIT_NO_REG, sizeof j->pin_of_guest);
    for (guint i = 0; i < TCG_JIT_PINS; i++) {
        g_assert(pins[i] != 0 && pins[i] < TCG_NB_GLOBALS && j->pin_of_guest[pins[i]] < 0);
        j->pin_guest[i] = pins[i];
        j->pin_of_guest[pins[i]] = (gint8)pin_host[i];
    }
    j->pinned_globals = 0;
    for (guint i = 0; i < TCG_JIT_PINS; i++) {
        j->pinned_globals |= 1u << pins[i];
    }
}

const guint8 *tcg_jit_pins(const TcgHart *hart)
{
    return hart->jit->pin_guest;
}

void tcg_jit_destroy(TcgHart *hart)
{
    if (hart->jit == NULL) {
        return;
    }
    tcg_code_buffer_destroy(&hart->code);
    g_free(hart->jit);
    hart->jit = NULL;
}

guintptr tcg_jit_enter(TcgHart *hart, const TcgBlock *block)
{
    return hart->jit->enter(hart, block->code);
}

static guint8 *rw_at(TcgHart *hart, guint32 offset)
{
    return hart->code.rw + offset;
}

void tcg_jit_chain(TcgHart *hart, TcgBlock *from, guint slot, const TcgBlock *to)
{
    guint8 *rel = rw_at(hart, from->jmp_rel[slot]);
    x86_patch_rel32(rel, hart->code.rw + (to->code - hart->code.rx));
}

void tcg_jit_unchain(TcgHart *hart, TcgBlock *block)
{
    for (guint slot = 0; slot < TCG_MAX_CHAIN_SLOTS; slot++) {
        if (block->jmp_rel[slot] != 0) {
            guint8 *rel = rw_at(hart, block->jmp_rel[slot]);
            x86_patch_rel32(rel, rel + 4); /* back to its own exit */
        }
    }
}

/* ---- Register allocation ----------------------------------------------- */

static gint32 home_offset(TcgTemp t)
{
    if (t < TCG_NB_GLOBALS) {
        return ENV_OFF(x) + 8 * t;
    }
    return HART_OFF(jit_spill) + 8 * t;
}

/* Keeps Jit.stale_globals in step with mem_valid. */
static void set_mem_valid(Jit *j, TcgTemp t, gboolean valid)
{
    j->ts[t].mem_valid = valid;
    if (t < TCG_NB_GLOBALS) {
        if (valid) {
            j->stale_globals &= ~(1u << t);
        } else {
            j->stale_globals |= 1u << t;
        }
    }
}

/* The host register @t is pinned to, or JIT_NO_REG. */
static gint pinned_reg(const Jit *j, TcgTemp t)
{
    return t < TCG_NB_GLOBALS ? j->pin_of_guest[t] : JIT_NO_REG;
}

static gboolean is_pinned_reg(X86Reg r)
{
    for (guint i = 0; i < TCG_JIT_PINS; i++) {
        if (pin_host[i] == r) {
            return TRUE;
        }
    }
    return FALSE;
}

/* Pinned registers are never freed: their guest register stays in them. */
static void reg_free(Jit *j, X86Reg r)
{
    gint16 t = j->reg_owner[r];
    if (t >= 0 && !is_pinned_reg(r)) {
        j->ts[t].reg = JIT_NO_REG;
        j->reg_owner[r] = -1;
    }
}

/* Makes memory hold @t's value (its register, if any, stays valid). */
static void temp_store(Jit *j, TcgTemp t)
{
    TempState *ts = &j->ts[t];
    if (ts->mem_valid) {
        return;
    }
    if (ts->reg != JIT_NO_REG) {
        x86_store64(&j->e, X86_RBP, home_offset(t), ts->reg);
    } else if (ts->is_const && x86_fits_i32(ts->val)) {
        x86_store64_imm(&j->e, X86_RBP, home_offset(t), (gint32)ts->val);
    } else {
        g_assert(ts->is_const);
        x86_movi(&j->e, X86_RAX, ts->val);
        x86_store64(&j->e, X86_RBP, home_offset(t), X86_RAX);
    }
    set_mem_valid(j, t, TRUE);
}

/* Frees register @r, saving its owner unless it is a constant (which can
 * be rematerialised). */
static void reg_spill(Jit *j, X86Reg r)
{
    gint16 t = j->reg_owner[r];
    if (t < 0) {
        return;
    }
    if (!j->ts[t].is_const) {
        temp_store(j, (TcgTemp)t);
    }
    reg_free(j, r);
}

static X86Reg reg_alloc(Jit *j, guint32 avoid)
{
    for (guint i = 0; i < G_N_ELEMENTS(alloc_order); i++) {
        X86Reg r = alloc_order[i];
        if (j->reg_owner[r] < 0 && !((j->locked | avoid) & (1u << r))) {
            return r;
        }
    }
    /* Evict: prefer a constant or a clean value (no store needed). */
    X86Reg victim = X86_NREGS;
    for (guint i = 0; i < G_N_ELEMENTS(alloc_order); i++) {
        X86Reg r = alloc_order[i];
        if ((j->locked | avoid) & (1u << r)) {
            continue;
        }
        const TempState *ts = &j->ts[j->reg_owner[r]];
        if (victim == X86_NREGS || ts->is_const || ts->mem_valid) {
            victim = r;
            if (ts->is_const || ts->mem_valid) {
                break;
            }
        }
    }
    g_assert(victim != X86_NREGS);
    reg_spill(j, victim);
    return victim;
}

static void reg_assign(Jit *j, X86Reg r, TcgTemp t)
{
    g_assert(j->reg_owner[r] < 0);
    j->reg_owner[r] = (gint16)t;
    j->ts[t].reg = (gint8)r;
}

/* @t in a register (loaded or materialised if needed), locked for this op. */
static X86Reg temp_in_reg(Jit *j, TcgTemp t)
{
    TempState *ts = &j->ts[t];
    if (ts->reg == JIT_NO_REG) {
        X86Reg r = reg_alloc(j, 0);
        if (ts->is_const) {
            x86_movi(&j->e, r, ts->val);
        } else {
            g_assert(ts->mem_valid);
            x86_load64(&j->e, r, X86_RBP, home_offset(t));
        }
        reg_assign(j, r, t);
    }
    j->locked |= 1u << ts->reg;
    return (X86Reg)ts->reg;
}

/* @t's value into scratch register @r (no allocation). */
static void temp_to_scratch(Jit *j, X86Reg r, TcgTemp t)
{
    const TempState *ts = &j->ts[t];
    if (ts->reg != JIT_NO_REG) {
        x86_mov_rr(&j->e, r, ts->reg);
    } else if (ts->is_const) {
        x86_movi(&j->e, r, ts->val);
    } else {
        g_assert(ts->mem_valid);
        x86_load64(&j->e, r, X86_RBP, home_offset(t));
    }
}

/* @t is being (re)defined: forget where its old value was. */
static void temp_kill(Jit *j, TcgTemp t)
{
    TempState *ts = &j->ts[t];
    if (ts->reg != JIT_NO_REG && pinned_reg(j, t) == JIT_NO_REG) {
        reg_free(j, (X86Reg)ts->reg);
    }
    ts->is_const = FALSE;
    set_mem_valid(j, t, FALSE);
}

/* A register for output @t, reusing @reuse (an input dying here) if given. */
static X86Reg out_reg(Jit *j, TcgTemp t, gint reuse)
{
    temp_kill(j, t);
    if (pinned_reg(j, t) != JIT_NO_REG) {
        j->locked |= 1u << j->ts[t].reg;
        return (X86Reg)j->ts[t].reg;
    }
    X86Reg r;
    if (reuse >= 0 && j->reg_owner[reuse] < 0) {
        r = (X86Reg)reuse;
    } else {
        r = reg_alloc(j, 0);
    }
    reg_assign(j, r, t);
    j->locked |= 1u << r;
    return r;
}

static void set_const(Jit *j, TcgTemp t, gint64 v)
{
    temp_kill(j, t);
    if (pinned_reg(j, t) != JIT_NO_REG) {
        x86_movi(&j->e, (X86Reg)j->ts[t].reg, v); /* its register is its home */
    }
    j->ts[t].is_const = TRUE;
    j->ts[t].val = v;
}

/* Frees the registers of the inputs of op @i that die there (an input
 * that is also the output lives on as the output). */
static void free_dead_inputs(Jit *j, const TcgOp *op)
{
    for (guint k = 0; k < 3; k++) {
        TcgTemp t = op->in[k];
        if (t != TCG_TEMP_NONE && t >= TCG_NB_GLOBALS && (op->life & TCG_LIFE_DIES(k)) &&
            !(tcg_op_descs[op->opc].n_outs && t == op->out) &&
            j->ts[t].reg != JIT_NO_REG) {
            reg_free(j, (X86Reg)j->ts[t].reg);
        }
    }
}

/* Stores the guest registers memory does not have yet; pinned ones only
 * with @with_pinned (before a call: leaving for another block or the
 * epilogue keeps them in their registers). */
static void sync_globals_pinned(Jit *j, gboolean with_pinned)
{
    guint32 stale = j->stale_globals & ~1u & (with_pinned ? ~0u : ~j->pinned_globals);
    while (stale != 0) {
        TcgTemp t = (TcgTemp)__builtin_ctz(stale);
        stale &= stale - 1;
        temp_store(j, t);
    }
}

static void sync_globals(Jit *j)
{
    sync_globals_pinned(j, FALSE);
}

/* End of a basic block: memory becomes the truth for every live value. */
static void store_all(Jit *j);
static void forget_registers(Jit *j);

static void bb_end(Jit *j)
{
    store_all(j);
    forget_registers(j);
}

/* ---- Ops ------------------------------------------------------------------ */

static void emit_mov(Jit *j, const TcgOp *op)
{
    TempState *src = &j->ts[op->in[0]];
    if (src->is_const) {
        set_const(j, op->out, src->val);
        return;
    }
    X86Reg s = temp_in_reg(j, op->in[0]);
    gboolean src_dies = op->in[0] >= TCG_NB_GLOBALS && (op->life & TCG_LIFE_DIES(0));
    if (src_dies && pinned_reg(j, op->out) == JIT_NO_REG) {
        /* Hand the register over: no code at all. */
        reg_free(j, s);
        temp_kill(j, op->out);
        reg_assign(j, s, op->out);
        return;
    }
    X86Reg d = out_reg(j, op->out, -1);
    x86_mov_rr(&j->e, d, s);
    free_dead_inputs(j, op);
}

static gboolean input_dies(const Jit *j, const TcgOp *op, TcgTemp t)
{
    if (t < TCG_NB_GLOBALS) {
        return FALSE;
    }
    for (guint k = 0; k < 3; k++) {
        if (op->in[k] == t && (op->life & TCG_LIFE_DIES(k))) {
            return TRUE;
        }
    }
    return FALSE;
}

/* x86 computes d = d OP b: a register holding @a's value that the op may
 * overwrite. Free when @a is the output itself or dies here; otherwise a
 * copy in a new register (never @b's). */
static X86Reg dest_from_input(Jit *j, const TcgOp *op, TcgTemp a, TcgTemp b)
{
    const TempState *as = &j->ts[a];
    if (a == op->out && !as->is_const) {
        return temp_in_reg(j, a);
    }
    if (pinned_reg(j, op->out) != JIT_NO_REG) {
        /* Callers have @b out of the output's register by now: swapped
         * (commutative ops), in rcx (shifts, mul) or through rax (sub). */
        X86Reg r = (X86Reg)pinned_reg(j, op->out);
        temp_to_scratch(j, r, a);
        j->locked |= 1u << r;
        return r;
    }
    if (input_dies(j, op, a) && as->reg != JIT_NO_REG && !as->is_const) {
        X86Reg r = (X86Reg)as->reg;
        j->locked |= 1u << r;
        return r;
    }
    const TempState *bs = &j->ts[b];
    guint32 avoid = bs->reg != JIT_NO_REG ? 1u << bs->reg : 0;
    X86Reg r = reg_alloc(j, avoid);
    j->locked |= 1u << r;
    temp_to_scratch(j, r, a);
    return r;
}

/* Makes @r, which now holds the result, the output's register. */
static void bind_output(Jit *j, const TcgOp *op, X86Reg r)
{
    TcgTemp out = op->out;
    if (j->reg_owner[r] == (gint16)out) {
        j->ts[out].is_const = FALSE;
        set_mem_valid(j, out, FALSE);
    } else {
        if (j->reg_owner[r] >= 0) {
            reg_free(j, r); /* the dying input it came from */
        }
        temp_kill(j, out);
        reg_assign(j, r, out);
    }
    free_dead_inputs(j, op);
}

/* The second operand of d = d OP b: an immediate, a register or memory. */
static void alu_second(Jit *j, X86Alu alu, X86Reg d, TcgTemp b)
{
    const TempState *bs = &j->ts[b];
    if (bs->is_const && x86_fits_i32(bs->val)) {
        x86_alu_ri(&j->e, alu, d, (gint32)bs->val);
    } else if (bs->is_const) {
        /* Not from its register: a pinned constant's may just have been
         * overwritten with the first operand. */
        x86_movi(&j->e, X86_RCX, bs->val);
        x86_alu_rr(&j->e, alu, d, X86_RCX);
    } else if (bs->reg != JIT_NO_REG) {
        x86_alu_rr(&j->e, alu, d, (X86Reg)bs->reg);
    } else {
        x86_alu_rm(&j->e, alu, d, X86_RBP, home_offset(b));
    }
}

/* The inputs of a commutative op in the order x86's d = d OP b wants:
 * a constant second, and the output's own value first (add x5, x6, x5
 * works in place). */
static void commute_inputs(const Jit *j, const TcgOp *op, TcgTemp *ta, TcgTemp *tb)
{
    *ta = op->in[0];
    *tb = op->in[1];
    if (*ta != op->out && ((j->ts[*ta].is_const && *tb != op->out) || *tb == op->out)) {
        TcgTemp tmp = *ta;
        *ta = *tb;
        *tb = tmp;
    }
}

/* Two-operand ALU op: d = a OP b. */
static void emit_alu(Jit *j, const TcgOp *op, X86Alu alu)
{
    TempState *a = &j->ts[op->in[0]], *b = &j->ts[op->in[1]];
    if (a->is_const && b->is_const) {
        set_const(j, op->out, (gint64)tcg_eval(op->opc, op->aux, a->val, b->val, 0));
        return;
    }
    TcgTemp ta = op->in[0], tb = op->in[1];
    if (alu != X86_ALU_SUB) {
        commute_inputs(j, op, &ta, &tb);
    }
    if (alu == X86_ALU_SUB && tb == op->out && ta != op->out) {
        /* d = a - d: the in-place form would need a scratch anyway. */
        temp_to_scratch(j, X86_RAX, ta);
        alu_second(j, alu, X86_RAX, tb);
        free_dead_inputs(j, op);
        X86Reg d = out_reg(j, op->out, -1);
        x86_mov_rr(&j->e, d, X86_RAX);
        return;
    }
    X86Reg d = dest_from_input(j, op, ta, tb);
    alu_second(j, alu, d, tb);
    bind_output(j, op, d);
}

static void emit_addi(Jit *j, const TcgOp *op)
{
    TempState *a = &j->ts[op->in[0]];
    if (a->is_const) {
        set_const(j, op->out, (gint64)((guint64)a->val + (guint64)op->imm));
        return;
    }
    X86Reg s = temp_in_reg(j, op->in[0]);
    free_dead_inputs(j, op);
    X86Reg d = out_reg(j, op->out, s);
    if (x86_fits_i32(op->imm)) {
        x86_lea(&j->e, d, s, (gint32)op->imm);
    } else {
        x86_movi(&j->e, X86_RAX, op->imm);
        x86_mov_rr(&j->e, d, s);
        x86_alu_rr(&j->e, X86_ALU_ADD, d, X86_RAX);
    }
}

/* Shifts and rotates; @w32: the 32-bit rotate of the low half, then
 * sign-extended (rotl32/rotr32). */
static void emit_shift(Jit *j, const TcgOp *op, X86Shift sh, gboolean w32)
{
    TempState *a = &j->ts[op->in[0]], *b = &j->ts[op->in[1]];
    if (a->is_const && b->is_const) {
        set_const(j, op->out, (gint64)tcg_eval(op->opc, op->aux, a->val, b->val, 0));
        return;
    }
    if (!b->is_const) {
        temp_to_scratch(j, X86_RCX, op->in[1]); /* before d may take b's register */
    }
    X86Reg d = dest_from_input(j, op, op->in[0], op->in[1]);
    if (w32 && b->is_const) {
        x86_shift32_ri(&j->e, sh, d, (guint8)(b->val & 31));
    } else if (w32) {
        x86_shift32_cl(&j->e, sh, d);
    } else if (b->is_const) {
        x86_shift_ri(&j->e, sh, d, (guint8)(b->val & 63));
    } else {
        x86_shift_cl(&j->e, sh, d);
    }
    if (w32) {
        x86_movsxd_rr(&j->e, d, d);
    }
    bind_output(j, op, d);
}

/* min/max: d = a; cmp d, b; cmov<@take_b> d, b. */
static void emit_minmax(Jit *j, const TcgOp *op, X86Cond take_b)
{
    TempState *a = &j->ts[op->in[0]], *b = &j->ts[op->in[1]];
    if (a->is_const && b->is_const) {
        set_const(j, op->out, (gint64)tcg_eval(op->opc, op->aux, a->val, b->val, 0));
        return;
    }
    temp_to_scratch(j, X86_RCX, op->in[1]); /* cmov takes no immediate */
    X86Reg d = dest_from_input(j, op, op->in[0], op->in[1]);
    x86_alu_rr(&j->e, X86_ALU_CMP, d, X86_RCX);
    x86_cmov(&j->e, take_b, d, X86_RCX);
    bind_output(j, op, d);
}

/* popcnt without the instruction (SWAR, as in Hacker's Delight 5-1):
 * rax = bits set in @s; clobbers rcx and rdx. */
static void emit_cpop_baseline(X86Emitter *e, X86Reg s)
{
    x86_mov_rr(e, X86_RAX, s);
    x86_mov_rr(e, X86_RCX, X86_RAX);
    x86_shift_ri(e, X86_SHIFT_SHR, X86_RCX, 1);
    x86_movi(e, X86_RDX, 0x5555555555555555ll);
    x86_alu_rr(e, X86_ALU_AND, X86_RCX, X86_RDX);
    x86_alu_rr(e, X86_ALU_SUB, X86_RAX, X86_RCX);         /* 2-bit sums */
    x86_movi(e, X86_RDX, 0x3333333333333333ll);
    x86_mov_rr(e, X86_RCX, X86_RAX);
    x86_alu_rr(e, X86_ALU_AND, X86_RAX, X86_RDX);
    x86_shift_ri(e, X86_SHIFT_SHR, X86_RCX, 2);
    x86_alu_rr(e, X86_ALU_AND, X86_RCX, X86_RDX);
    x86_alu_rr(e, X86_ALU_ADD, X86_RAX, X86_RCX);         /* 4-bit sums */
    x86_mov_rr(e, X86_RCX, X86_RAX);
    x86_shift_ri(e, X86_SHIFT_SHR, X86_RCX, 4);
    x86_alu_rr(e, X86_ALU_ADD, X86_RAX, X86_RCX);
    x86_movi(e, X86_RDX, 0x0f0f0f0f0f0f0f0fll);
    x86_alu_rr(e, X86_ALU_AND, X86_RAX, X86_RDX);         /* byte sums */
    x86_movi(e, X86_RDX, 0x0101010101010101ll);
    x86_imul_rr(e, X86_RAX, X86_RDX);                     /* their total in byte 7 */
    x86_shift_ri(e, X86_SHIFT_SHR, X86_RAX, 56);
}

/* clz, ctz, cpop, bswap: one instruction where the host has it; bsr/bsf
 * (which leave ZF set and the result undefined for 0) or SWAR otherwise. */
static void emit_bitcount(Jit *j, const TcgOp *op)
{
    TempState *a = &j->ts[op->in[0]];
    if (a->is_const) {
        set_const(j, op->out, (gint64)tcg_eval(op->opc, op->aux, a->val, 0, 0));
        return;
    }
    X86Emitter *e = &j->e;
    X86Reg s = temp_in_reg(j, op->in[0]);
    free_dead_inputs(j, op);
    X86Reg d = out_reg(j, op->out, s);
    switch (op->opc) {
    case TCG_OP_clz:
        if (j->host_isa & TCG_HOST_LZCNT) {
            x86_op0f_rr(e, 0xf3, 0xbd, d, s);
            return;
        }
        x86_movi(e, X86_RCX, 127);
        x86_op0f_rr(e, 0, 0xbd, X86_RAX, s);              /* bsr: index of the top bit */
        x86_cmov(e, X86_CC_E, X86_RAX, X86_RCX);
        x86_alu_ri(e, X86_ALU_XOR, X86_RAX, 63);          /* 63 - index; 0 -> 64 */
        break;
    case TCG_OP_ctz:
        if (j->host_isa & TCG_HOST_TZCNT) {
            x86_op0f_rr(e, 0xf3, 0xbc, d, s);
            return;
        }
        x86_movi(e, X86_RCX, 64);
        x86_op0f_rr(e, 0, 0xbc, X86_RAX, s);              /* bsf */
        x86_cmov(e, X86_CC_E, X86_RAX, X86_RCX);
        break;
    case TCG_OP_cpop:
        if (j->host_isa & TCG_HOST_POPCNT) {
            x86_op0f_rr(e, 0xf3, 0xb8, d, s);
            return;
        }
        emit_cpop_baseline(e, s);
        break;
    case TCG_OP_bswap:
        x86_mov_rr(e, d, s);
        x86_bswap(e, d);
        return;
    default:
        g_assert_not_reached();
    }
    x86_mov_rr(e, d, X86_RAX);
}

/* d = a * b, low half: commutative as emit_alu is, with the second
 * operand an immediate, a register or memory as imul takes them. */
static void emit_mul_low(Jit *j, const TcgOp *op)
{
    TcgTemp ta, tb;
    commute_inputs(j, op, &ta, &tb);
    X86Reg d = dest_from_input(j, op, ta, tb);
    const TempState *bs = &j->ts[tb];
    if (bs->is_const && x86_fits_i32(bs->val)) {
        x86_imul_rri(&j->e, d, d, (gint32)bs->val);
    } else if (bs->is_const) {
        /* Not from its register, as alu_second says. */
        x86_movi(&j->e, X86_RCX, bs->val);
        x86_imul_rr(&j->e, d, X86_RCX);
    } else if (bs->reg != JIT_NO_REG) {
        x86_imul_rr(&j->e, d, (X86Reg)bs->reg);
    } else {
        x86_imul_rm(&j->e, d, X86_RBP, home_offset(tb));
    }
    bind_output(j, op, d);
}

static void emit_mul(Jit *j, const TcgOp *op)
{
    TempState *a = &j->ts[op->in[0]], *b = &j->ts[op->in[1]];
    if (a->is_const && b->is_const) {
        set_const(j, op->out, (gint64)tcg_eval(op->opc, op->aux, a->val, b->val, 0));
        return;
    }
    if (op->opc == TCG_OP_mul) {
        emit_mul_low(j, op);
        return;
    }
    temp_to_scratch(j, X86_RAX, op->in[0]);
    temp_to_scratch(j, X86_RCX, op->in[1]);
    switch (op->opc) {
    case TCG_OP_mulsh:
        x86_group3(&j->e, 5, X86_RCX); /* imul: rdx:rax = rax * rcx */
        x86_mov_rr(&j->e, X86_RAX, X86_RDX);
        break;
    case TCG_OP_muluh:
        x86_group3(&j->e, 4, X86_RCX); /* mul */
        x86_mov_rr(&j->e, X86_RAX, X86_RDX);
        break;
    case TCG_OP_mulsuh:
        /* signed a * unsigned b: the unsigned high part, minus b when a < 0 */
        x86_group3(&j->e, 4, X86_RCX);
        temp_to_scratch(j, X86_RAX, op->in[0]);
        x86_shift_ri(&j->e, X86_SHIFT_SAR, X86_RAX, 63);
        x86_alu_rr(&j->e, X86_ALU_AND, X86_RAX, X86_RCX);
        x86_alu_rr(&j->e, X86_ALU_SUB, X86_RDX, X86_RAX);
        x86_mov_rr(&j->e, X86_RAX, X86_RDX);
        break;
    default:
        g_assert_not_reached();
    }
    free_dead_inputs(j, op);
    X86Reg d = out_reg(j, op->out, -1);
    x86_mov_rr(&j->e, d, X86_RAX);
}

/* RISC-V division never traps: x/0 and INT64_MIN/-1 are answered before
 * x86's div can fault. */
static void emit_div(Jit *j, const TcgOp *op)
{
    TempState *a = &j->ts[op->in[0]], *b = &j->ts[op->in[1]];
    if (a->is_const && b->is_const) {
        set_const(j, op->out, (gint64)tcg_eval(op->opc, op->aux, a->val, b->val, 0));
        return;
    }
    gboolean is_signed = op->opc == TCG_OP_div || op->opc == TCG_OP_rem;
    gboolean want_rem = op->opc == TCG_OP_rem || op->opc == TCG_OP_remu;
    X86Emitter *e = &j->e;
    temp_to_scratch(j, X86_RAX, op->in[0]);
    temp_to_scratch(j, X86_RCX, op->in[1]);
    x86_test_rr(e, X86_RCX, X86_RCX);
    guint8 *to_zero = x86_jcc32(e, X86_CC_E);
    guint8 *to_neg1 = NULL;
    if (is_signed) {
        x86_alu_ri(e, X86_ALU_CMP, X86_RCX, -1);
        to_neg1 = x86_jcc32(e, X86_CC_E);
        x86_cqo(e);
        x86_group3(e, 7, X86_RCX); /* idiv */
    } else {
        x86_movi(e, X86_RDX, 0);
        x86_group3(e, 6, X86_RCX); /* div */
    }
    if (want_rem) {
        x86_mov_rr(e, X86_RAX, X86_RDX);
    }
    guint8 *done1 = x86_jmp32(e);
    if (is_signed) {
        x86_patch_rel32(to_neg1, e->p);
        if (want_rem) {
            x86_movi(e, X86_RAX, 0);
        } else {
            x86_group3(e, 3, X86_RAX); /* neg: INT64_MIN stays INT64_MIN */
        }
    }
    guint8 *done2 = x86_jmp32(e);
    x86_patch_rel32(to_zero, e->p);
    if (!want_rem) {
        x86_movi(e, X86_RAX, -1); /* x / 0 = all ones; x % 0 = x (already in rax) */
    }
    x86_patch_rel32(done1, e->p);
    x86_patch_rel32(done2, e->p);
    free_dead_inputs(j, op);
    X86Reg d = out_reg(j, op->out, -1);
    x86_mov_rr(e, d, X86_RAX);
}

static void emit_ext32(Jit *j, const TcgOp *op, gboolean sign)
{
    TempState *a = &j->ts[op->in[0]];
    if (a->is_const) {
        set_const(j, op->out, sign ? (gint64)(gint32)a->val : (gint64)(guint32)a->val);
        return;
    }
    X86Reg s = temp_in_reg(j, op->in[0]);
    free_dead_inputs(j, op);
    X86Reg d = out_reg(j, op->out, s);
    if (sign) {
        x86_movsxd_rr(&j->e, d, s);
    } else {
        x86_mov_rr32(&j->e, d, s);
    }
}

/* zext/sext from the low imm bits: movzx/movsx, or the 32-bit forms. */
static void emit_ext_width(Jit *j, const TcgOp *op, gboolean sign)
{
    TempState *a = &j->ts[op->in[0]];
    if (a->is_const) {
        set_const(j, op->out, (gint64)tcg_eval(op->opc, op->aux, (guint64)a->val, 0, op->imm));
        return;
    }
    X86Reg s = temp_in_reg(j, op->in[0]);
    free_dead_inputs(j, op);
    X86Reg d = out_reg(j, op->out, s);
    switch (op->imm) {
    case 8: x86_op0f_rr(&j->e, 0, sign ? 0xbe : 0xb6, d, s); break;
    case 16: x86_op0f_rr(&j->e, 0, sign ? 0xbf : 0xb7, d, s); break;
    case 32:
        if (sign) {
            x86_movsxd_rr(&j->e, d, s);
        } else {
            x86_mov_rr32(&j->e, d, s);
        }
        break;
    default: g_assert_not_reached();
    }
}

static X86Cond x86_cond(TcgCond c)
{
    static const X86Cond map[] = {
        [TCG_COND_EQ] = X86_CC_E, [TCG_COND_NE] = X86_CC_NE, [TCG_COND_LT] = X86_CC_L,
        [TCG_COND_GE] = X86_CC_GE, [TCG_COND_LTU] = X86_CC_B, [TCG_COND_GEU] = X86_CC_AE,
    };
    return map[c];
}

/* cmp of the op's two inputs, a in rax when not in a register. */
static void emit_compare(Jit *j, TcgTemp ta, TcgTemp tb)
{
    const TempState *a = &j->ts[ta], *b = &j->ts[tb];
    X86Reg ra;
    if (a->reg != JIT_NO_REG) {
        ra = (X86Reg)a->reg;
    } else {
        temp_to_scratch(j, X86_RAX, ta);
        ra = X86_RAX;
    }
    if (b->is_const && x86_fits_i32(b->val)) {
        x86_alu_ri(&j->e, X86_ALU_CMP, ra, (gint32)b->val);
    } else {
        X86Reg rb;
        if (b->reg != JIT_NO_REG) {
            rb = (X86Reg)b->reg;
        } else if (b->mem_valid && !b->is_const) {
            x86_alu_rm(&j->e, X86_ALU_CMP, ra, X86_RBP, home_offset(tb));
            return;
        } else {
            temp_to_scratch(j, X86_RCX, tb);
            rb = X86_RCX;
        }
        x86_alu_rr(&j->e, X86_ALU_CMP, ra, rb);
    }
}

static void emit_setcond(Jit *j, const TcgOp *op)
{
    TempState *a = &j->ts[op->in[0]], *b = &j->ts[op->in[1]];
    if (a->is_const && b->is_const) {
        set_const(j, op->out, (gint64)tcg_eval(op->opc, op->aux, a->val, b->val, 0));
        return;
    }
    emit_compare(j, op->in[0], op->in[1]);
    x86_setcc(&j->e, x86_cond(op->aux), X86_RAX);
    free_dead_inputs(j, op);
    X86Reg d = out_reg(j, op->out, -1);
    x86_mov_rr(&j->e, d, X86_RAX);
}

static void label_jump_from(Jit *j, guint label, guint8 *rel)
{
    Label *l = &j->labels[label];
    if (l->addr != NULL) {
        x86_patch_rel32(rel, l->addr);
        return;
    }
    g_assert(l->n_fixups < G_N_ELEMENTS(l->fixups));
    l->fixups[l->n_fixups++] = rel;
}

/* Memory becomes the truth for every value, but registers keep theirs
 * until forget_registers(), so a branch can still compare them. */
static void store_all(Jit *j)
{
    sync_globals(j);
    for (guint i = 0; i < G_N_ELEMENTS(alloc_order); i++) {
        gint16 t = j->reg_owner[alloc_order[i]];
        if (t >= 0 && !j->ts[t].is_const) {
            temp_store(j, (TcgTemp)t);
        }
    }
}

/* Only the allocator's registers: the pinned ones keep their guest
 * registers and the scratch ones are never owned. */
static void forget_registers(Jit *j)
{
    for (guint i = 0; i < G_N_ELEMENTS(alloc_order); i++) {
        reg_free(j, alloc_order[i]);
    }
}

static void emit_brcond(Jit *j, const TcgOp *op)
{
    store_all(j);
    const TempState *a = &j->ts[op->in[0]], *b = &j->ts[op->in[1]];
    if (a->is_const && b->is_const) {
        if (tcg_eval_cond(op->aux, a->val, b->val)) {
            label_jump_from(j, (guint)op->imm, x86_jmp32(&j->e));
        }
    } else {
        emit_compare(j, op->in[0], op->in[1]);
        label_jump_from(j, (guint)op->imm, x86_jcc32(&j->e, x86_cond(op->aux)));
    }
    forget_registers(j);
}

static void emit_set_label(Jit *j, const TcgOp *op)
{
    bb_end(j);
    Label *l = &j->labels[op->imm];
    l->addr = j->e.p;
    for (guint k = 0; k < l->n_fixups; k++) {
        x86_patch_rel32(l->fixups[k], l->addr);
    }
    /* Paths meet here: a global's constness on one path says nothing. */
    for (TcgTemp t = 1; t < TCG_NB_GLOBALS; t++) {
        j->ts[t].is_const = FALSE;
        j->ts[t].mem_valid = pinned_reg(j, t) == JIT_NO_REG;
    }
    j->stale_globals = j->pinned_globals;
}

/* ---- Guest memory ---------------------------------------------------------- */

/* One more fast-path branch that leaves for @sp. */
static void slow_path_branch(SlowPath *sp, guint8 *rel)
{
    g_assert(sp->n_branches < G_N_ELEMENTS(sp->branch_rel));
    sp->branch_rel[sp->n_branches++] = rel;
}

/* Records what the slow path of the access now being emitted must save:
 * the guest registers memory does not have (a memory trampoline stores
 * the pinned ones itself) and, for the fp helper, the live caller-saved
 * registers. */
static SlowPath *slow_path_new(Jit *j, guint8 memop, SlowKind kind)
{
    g_assert(j->n_slow < JIT_MAX_SLOW_PATHS);
    SlowPath *sp = &j->slow[j->n_slow++];
    sp->memop = memop;
    sp->kind = kind;
    sp->n_branches = 0;
    sp->insn_pc = j->insn_pc;
    sp->save_mask = 0;
    guint32 stale = j->stale_globals & ~1u;
    if (kind == SLOW_FP) {
        for (guint32 m = CALLER_SAVED_MASK; m != 0; m &= m - 1) {
            guint r = (guint)__builtin_ctz(m);
            if (j->reg_owner[r] >= 0) {
                sp->save_mask |= 1u << r;
            }
        }
    } else {
        stale &= ~j->pinned_globals;
    }
    sp->n_sync = 0;
    for (; stale != 0; stale &= stale - 1) {
        TcgTemp t = (TcgTemp)__builtin_ctz(stale);
        const TempState *ts = &j->ts[t];
        sp->sync[sp->n_sync].global = (guint8)t;
        sp->sync[sp->n_sync].reg = ts->reg;
        sp->sync[sp->n_sync].val = ts->val;
        sp->n_sync++;
    }
    return sp;
}

/* Address into rdx; the TLB entry's byte offset into rax; compare the tag
 * (page plus the alignment bits, which must be zero) and branch to the
 * slow path on a miss. Leaves rdx = host address on the fast path. */
static guint8 *emit_tlb_probe(Jit *j, TcgTemp base, gint64 off, guint8 memop,
                              gsize tag_offset)
{
    X86Emitter *e = &j->e;
    const TempState *b = &j->ts[base];
    guint size = 1u << (memop & TCG_MO_SIZE);
    if (b->is_const) {
        x86_movi(e, X86_RDX, (gint64)((guint64)b->val + (guint64)off));
    } else if (b->reg != JIT_NO_REG && off == 0) {
        x86_mov_rr(e, X86_RDX, (X86Reg)b->reg);
    } else if (b->reg != JIT_NO_REG && x86_fits_i32(off)) {
        x86_lea(e, X86_RDX, (X86Reg)b->reg, (gint32)off);
    } else {
        temp_to_scratch(j, X86_RDX, base);
        if (off != 0) {
            x86_movi(e, X86_RAX, off);
            x86_alu_rr(e, X86_ALU_ADD, X86_RDX, X86_RAX);
        }
    }
    G_STATIC_ASSERT(sizeof(TcgTlbEntry) == 32);
    x86_mov_rr32(e, X86_RAX, X86_RDX);
    x86_shift32_ri(e, X86_SHIFT_SHR, X86_RAX, TCG_PAGE_BITS - 5);
    x86_and32_ri(e, X86_RAX, ((1u << TCG_TLB_BITS) - 1) << 5);
    x86_mov_rr(e, X86_RCX, X86_RDX);
    x86_alu_ri(e, X86_ALU_AND, X86_RCX, (gint32)(TCG_PAGE_MASK | (size - 1)));
    /* The block's flags fix the regime of its loads and stores. */
    guint idx = (j->tb->flags & TCG_BF_MMU_MASK) >> TCG_BF_MMU_SHIFT;
    gint32 tlb = HART_OFF(tlb) + (gint32)(idx * sizeof j->hart->tlb[0]);
    x86_cmp_r_sib(e, X86_RCX, X86_RBP, X86_RAX, tlb + (gint32)tag_offset);
    guint8 *miss = x86_jcc32(e, X86_CC_NE);
    if (j->hart->config.ram_host != NULL && !(j->tb->flags & TCG_BF_PAGED)) {
        /* Every RAM page has the same addend: this load does not wait
         * for the index, which shortens a load's dependency chain. */
        x86_alu_rm(e, X86_ALU_ADD, X86_RDX, X86_RBP, HART_OFF(ram_addend));
    } else {
        x86_add_r_sib(e, X86_RDX, X86_RBP, X86_RAX,
                      tlb + (gint32)offsetof(TcgTlbEntry, addend));
    }
    return miss;
}

static void emit_ld(Jit *j, const TcgOp *op)
{
    /* Choose the destination first: evicting a value emits a store, which
     * must happen on both the fast and the slow path. */
    const TempState *base = &j->ts[op->in[0]];
    guint32 avoid = base->reg != JIT_NO_REG ? 1u << base->reg : 0;
    X86Reg d = pinned_reg(j, op->out) != JIT_NO_REG ? (X86Reg)pinned_reg(j, op->out)
                                                  : reg_alloc(j, avoid);
    j->locked |= 1u << d;
    guint8 *miss = emit_tlb_probe(j, op->in[0], op->imm, op->aux,
                                  offsetof(TcgTlbEntry, tag_read));
    /* The state before the load is what an exception must see. */
    SlowPath *sp = slow_path_new(j, op->aux, SLOW_LOAD);
    free_dead_inputs(j, op);
    temp_kill(j, op->out);
    if (j->reg_owner[d] != (gint16)op->out) {
        reg_assign(j, d, op->out);
    }
    x86_load_ext(&j->e, d, X86_RDX, 0, op->aux & TCG_MO_SIZE, (op->aux & TCG_MO_SIGN) != 0);
    slow_path_branch(sp, miss);
    sp->resume = j->e.p;
    sp->dst = (gint8)d;
}

static void emit_st(Jit *j, const TcgOp *op)
{
    guint8 *miss = emit_tlb_probe(j, op->in[1], op->imm, op->aux,
                                  offsetof(TcgTlbEntry, tag_write));
    const TempState *v = &j->ts[op->in[0]];
    X86Reg src;
    if (v->reg != JIT_NO_REG) {
        src = (X86Reg)v->reg;
    } else {
        temp_to_scratch(j, X86_RCX, op->in[0]);
        src = X86_RCX;
    }
    x86_store_sized(&j->e, X86_RDX, 0, src, op->aux & TCG_MO_SIZE);
    SlowPath *sp = slow_path_new(j, op->aux, SLOW_STORE);
    slow_path_branch(sp, miss);
    sp->resume = j->e.p;
    sp->val_reg = v->reg;
    sp->val_imm = v->val;
    if (v->reg == JIT_NO_REG && !v->is_const) {
        /* In memory only: the slow path reloads it from its home. */
        sp->val_reg = JIT_NO_REG - 1;
        sp->val_imm = home_offset(op->in[0]);
    }
    free_dead_inputs(j, op);
}

static void emit_store_insn_pc(Jit *j, guint64 pc)
{
    x86_movi(&j->e, X86_RAX, (gint64)pc);
    x86_store64(&j->e, X86_RBP, ENV_OFF(insn_pc), X86_RAX);
}

static void emit_call_abs(Jit *j, const void *fn)
{
    x86_movi(&j->e, X86_RAX, (gint64)(guintptr)fn);
    x86_call_reg(&j->e, X86_RAX);
}

/* The guest registers the slow path's callee must find in memory
 * (slow_path_new chose them). */
static void emit_slow_sync(Jit *j, const SlowPath *sp)
{
    for (guint k = 0; k < sp->n_sync; k++) {
        gint32 home = ENV_OFF(x) + 8 * (gint32)sp->sync[k].global;
        if (sp->sync[k].reg != JIT_NO_REG) {
            x86_store64(&j->e, X86_RBP, home, (X86Reg)sp->sync[k].reg);
        } else {
            x86_movi(&j->e, X86_RAX, sp->sync[k].val);
            x86_store64(&j->e, X86_RBP, home, X86_RAX);
        }
    }
}

/* A TLB miss: the rest through the buffer's trampoline (rdx still holds
 * the address the probe computed). */
static void emit_memory_slow_path(Jit *j, const SlowPath *sp)
{
    X86Emitter *e = &j->e;
    emit_slow_sync(j, sp);
    guint8 *tramp;
    if (sp->kind == SLOW_STORE) {
        if (sp->val_reg >= 0) {
            x86_mov_rr(e, X86_RCX, (X86Reg)sp->val_reg);
        } else if (sp->val_reg == JIT_NO_REG) {
            x86_movi(e, X86_RCX, sp->val_imm);
        } else {
            x86_load64(e, X86_RCX, X86_RBP, (gint32)sp->val_imm);
        }
        tramp = j->store_tramp_rw[sp->memop & TCG_MO_SIZE];
    } else {
        tramp = j->load_tramp_rw[sp->memop];
    }
    x86_movi(e, X86_RAX, (gint64)sp->insn_pc);
    x86_patch_rel32(x86_call32(e), tramp);
    if (sp->kind == SLOW_LOAD) {
        x86_mov_rr(e, (X86Reg)sp->dst, X86_RAX);
    }
    x86_patch_rel32(x86_jmp32(e), sp->resume);
}

static void emit_slow_path(Jit *j, const SlowPath *sp)
{
    X86Emitter *e = &j->e;
    for (guint k = 0; k < sp->n_branches; k++) {
        x86_patch_rel32(sp->branch_rel[k], e->p);
    }
    if (sp->kind != SLOW_FP) {
        emit_memory_slow_path(j, sp);
        return;
    }
    /* The guest state an exception would see. */
    emit_slow_sync(j, sp);
    emit_store_insn_pc(j, sp->insn_pc);
    guint n_saved = 0;
    for (guint r = 0; r < X86_NREGS; r++) {
        if (sp->save_mask & (1u << r)) {
            x86_push(e, (X86Reg)r);
            n_saved++;
        }
    }
    if (n_saved & 1) {
        x86_alu_ri(e, X86_ALU_SUB, X86_RSP, 8);
    }
    x86_movi(e, X86_R8, sp->fp_imm);
    x86_mov_rr(e, X86_RDI, X86_RBP);
    emit_call_abs(j, (const void *)tcg_helpers[TCG_HELPER_fp].fn);
    if (n_saved & 1) {
        x86_alu_ri(e, X86_ALU_ADD, X86_RSP, 8);
    }
    for (guint r = X86_NREGS; r-- > 0;) {
        if (sp->save_mask & (1u << r)) {
            x86_pop(e, (X86Reg)r);
        }
    }
    x86_patch_rel32(x86_jmp32(e), sp->resume);
}

/* ---- Calls, state, exits ---------------------------------------------------- */

/* F/D add/sub/mul/div/sqrt and the fused multiply-adds inline on SSE/FMA3, on QEMU's hardfloat terms
 * (fpu-host.c says why they are enough): inexact already accrued, round to
 * nearest, and a normal result (or an exact zero sum). Anything else goes
 * to the fp helper out of line, which computes the instruction afresh.
 * FALSE: not an instruction this path does; emit the plain call. */
static gboolean emit_fp_inline(Jit *j, const TcgOp *op)
{
    X86Emitter *e = &j->e;
    guint64 p = (guint64)op->imm;
    RvFpOp fop = (RvFpOp)(p & 0x3f);
    gboolean dbl = (p >> 6) & 1;
    guint rd = (p >> 8) & 31, rs1 = (p >> 13) & 31, rs2 = (p >> 18) & 31, rm = (p >> 28) & 7;
    static const guint8 sse_op[] = {
        [RV_FP_ADD] = 0x58, [RV_FP_SUB] = 0x5c, [RV_FP_MUL] = 0x59, [RV_FP_DIV] = 0x5e,
        [RV_FP_SQRT] = 0x51,
    };
    gboolean fma = fop >= RV_FP_MADD && fop <= RV_FP_NMADD;
    /* libgcc's constructor has read cpuid by now: a load, no race */
    gboolean host_fma = __builtin_cpu_supports("fma");
    if (fop > RV_FP_NMADD || (fma && !host_fma) || (rm != RV_RM_RNE && rm != RV_RM_DYN)) {
        return FALSE;
    }
    guint rs3 = (p >> 23) & 31;
    gint32 f3 = ENV_OFF(f) + 8 * (gint32)rs3;
    guint8 prefix = dbl ? 0xf2 : 0xf3;
    gint32 f1 = ENV_OFF(f) + 8 * (gint32)rs1, f2 = ENV_OFF(f) + 8 * (gint32)rs2;
    gint32 fd = ENV_OFF(f) + 8 * (gint32)rd;
    SlowPath *sp = slow_path_new(j, 0, SLOW_FP);
    sp->fp_imm = op->imm;

    x86_test_mem8_imm(e, X86_RBP, ENV_OFF(fflags), RV_FFLAG_NX);
    slow_path_branch(sp, x86_jcc32(e, X86_CC_E));
    if (rm == RV_RM_DYN) {
        x86_cmp_mem32_imm8(e, X86_RBP, ENV_OFF(frm), RV_RM_RNE);
        slow_path_branch(sp, x86_jcc32(e, X86_CC_NE));
    }
    if (!dbl) {
        /* a single that is not NaN-boxed reads as the canonical NaN */
        x86_cmp_mem32_imm8(e, X86_RBP, f1 + 4, -1);
        slow_path_branch(sp, x86_jcc32(e, X86_CC_NE));
        if (fop != RV_FP_SQRT) {
            x86_cmp_mem32_imm8(e, X86_RBP, f2 + 4, -1);
            slow_path_branch(sp, x86_jcc32(e, X86_CC_NE));
        }
        if (fma) {
            x86_cmp_mem32_imm8(e, X86_RBP, f3 + 4, -1);
            slow_path_branch(sp, x86_jcc32(e, X86_CC_NE));
        }
    }
    if (fma) {
        /* RISC-V fmadd/fmsub/fnmsub/fnmadd = x86 fmadd/fmsub/fnmadd/fnmsub */
        static const guint8 fma_op[] = { 0xb9, 0xbb, 0xbd, 0xbf };
        x86_sse_xmm_mem(e, prefix, 0x10, 0, X86_RBP, f3);
        x86_sse_xmm_mem(e, prefix, 0x10, 1, X86_RBP, f1);
        x86_fma231_xmm0_xmm1_mem(e, dbl, fma_op[fop - RV_FP_MADD], X86_RBP, f2);
    } else if (fop == RV_FP_SQRT) {
        x86_sse_xmm0_mem(e, prefix, 0x51, X86_RBP, f1);
    } else {
        x86_sse_xmm0_mem(e, prefix, 0x10, X86_RBP, f1);
        x86_sse_xmm0_mem(e, prefix, sse_op[fop], X86_RBP, f2);
    }
    /* |result| as an integer: normal iff min normal <= it < infinity */
    x86_movq_rax_xmm0(e, dbl);
    if (dbl) {
        x86_shift_ri(e, X86_SHIFT_SHL, X86_RAX, 1);
        x86_shift_ri(e, X86_SHIFT_SHR, X86_RAX, 1);
    } else {
        x86_and32_ri(e, X86_RAX, 0x7fffffffu);
    }
    guint8 *to_store_zero = NULL;
    if (fop == RV_FP_ADD || fop == RV_FP_SUB) {
        /* an exact zero sum raises nothing */
        x86_test_rr(e, X86_RAX, X86_RAX);
        to_store_zero = x86_jcc32(e, X86_CC_E);
    }
    x86_movi(e, X86_RCX, dbl ? 0x0010000000000000ll : 0x00800000ll);
    x86_alu_rr(e, X86_ALU_CMP, X86_RAX, X86_RCX);
    slow_path_branch(sp, x86_jcc32(e, X86_CC_B));
    x86_movi(e, X86_RCX, dbl ? 0x7ff0000000000000ll : 0x7f800000ll);
    x86_alu_rr(e, X86_ALU_CMP, X86_RAX, X86_RCX);
    slow_path_branch(sp, x86_jcc32(e, X86_CC_AE));
    if (to_store_zero != NULL) {
        x86_patch_rel32(to_store_zero, e->p);
    }
    x86_sse_xmm0_mem(e, prefix, 0x11, X86_RBP, fd);
    if (!dbl) {
        x86_store32_imm(e, X86_RBP, fd + 4, 0xffffffffu);
    }
    x86_or_mem_imm(e, X86_RBP, ENV_OFF(mstatus), (gint32)RV_MSTATUS_FS_DIRTY);
    sp->resume = e->p;
    return TRUE;
}

static void emit_call(Jit *j, const TcgOp *op)
{
    if (op->aux == TCG_HELPER_fp && emit_fp_inline(j, op)) {
        return;
    }
    X86Emitter *e = &j->e;
    const TcgHelperDesc *h = &tcg_helpers[op->aux];
    /* Helpers may raise: the guest state must be in memory. Inputs go to
     * memory too, so the argument moves cannot clobber one another. */
    sync_globals_pinned(j, TRUE);
    for (guint k = 0; k < 3; k++) {
        TcgTemp t = op->in[k];
        if (t != TCG_TEMP_NONE && !j->ts[t].is_const) {
            temp_store(j, t);
        }
    }
    for (guint r = 0; r < X86_NREGS; r++) {
        if ((CALLER_SAVED_MASK & ~PINNED_CALLER_SAVED) & (1u << r)) {
            reg_spill(j, (X86Reg)r);
        }
    }
    if (h->flags & (TCG_HELPER_RAISES | TCG_HELPER_NO_RETURN)) {
        emit_store_insn_pc(j, j->insn_pc);
    }
    static const X86Reg arg_regs[] = { X86_RSI, X86_RDX, X86_RCX };
    for (guint k = 0; k < 3; k++) {
        TcgTemp t = op->in[k];
        if (t == TCG_TEMP_NONE) {
            continue;
        }
        const TempState *ts = &j->ts[t];
        if (ts->is_const) {
            x86_movi(e, arg_regs[k], ts->val);
        } else {
            x86_load64(e, arg_regs[k], X86_RBP, home_offset(t));
        }
    }
    x86_movi(e, X86_R8, op->imm);
    x86_mov_rr(e, X86_RDI, X86_RBP);
    emit_call_abs(j, (const void *)h->fn);
    for (guint k = 0; k < TCG_JIT_PINS; k++) {
        if (PINNED_CALLER_SAVED & (1u << pin_host[k])) {
            x86_load64(e, pin_host[k], X86_RBP, ENV_OFF(x) + 8 * j->pin_guest[k]);
        }
    }
    free_dead_inputs(j, op);
    if (op->out != TCG_TEMP_NONE && !(op->life & TCG_LIFE_OUT_UNUSED)) {
        X86Reg d = out_reg(j, op->out, -1);
        x86_mov_rr(e, d, X86_RAX);
    }
}

static void emit_ld_env(Jit *j, const TcgOp *op)
{
    X86Reg d = out_reg(j, op->out, -1);
    x86_load64(&j->e, d, X86_RBP, (gint32)op->imm);
}

static void emit_st_env(Jit *j, const TcgOp *op)
{
    const TempState *s = &j->ts[op->in[0]];
    if (s->is_const && x86_fits_i32(s->val)) {
        x86_store64_imm(&j->e, X86_RBP, (gint32)op->imm, (gint32)s->val);
    } else {
        temp_to_scratch(j, X86_RAX, op->in[0]);
        x86_store64(&j->e, X86_RBP, (gint32)op->imm, X86_RAX);
    }
    free_dead_inputs(j, op);
}

/* Returns to the exec loop with @value in rax. */
static void emit_return(Jit *j, guintptr value)
{
    x86_movi(&j->e, X86_RAX, (gint64)value);
    x86_patch_rel32(x86_jmp32(&j->e),
                    j->hart->code.rw + (j->epilogue_rx - j->hart->code.rx));
}

/* The patchable jump, to its own next instruction until chained; then pc
 * (which a chained jump skips) and back to the loop, naming the slot. */
static void emit_goto_tb(Jit *j, const TcgOp *op)
{
    sync_globals(j);
    guint8 *rel = x86_jmp32(&j->e);
    x86_patch_rel32(rel, j->e.p);
    j->tb->jmp_rel[op->aux] = (guint32)(rel - j->hart->code.rw);
    x86_movi(&j->e, X86_RAX, op->imm);
    x86_store64(&j->e, X86_RBP, ENV_OFF(pc), X86_RAX);
    emit_return(j, (guintptr)j->tb | (guintptr)op->aux);
}

static void emit_exit_tb(Jit *j)
{
    sync_globals(j);
    emit_return(j, 0);
}

/* Indirect jump: probe the jump cache for env.pc right here, and leave
 * generated code only on a miss. */
static void emit_lookup_and_goto_ptr(Jit *j)
{
    X86Emitter *e = &j->e;
    sync_globals(j);
    x86_load64(e, X86_RDX, X86_RBP, ENV_OFF(pc));
    x86_mov_rr32(e, X86_RAX, X86_RDX);
    x86_shift32_ri(e, X86_SHIFT_SHR, X86_RAX, 1);
    x86_and32_ri(e, X86_RAX, (1u << TCG_JMP_CACHE_BITS) - 1);
    x86_shift32_ri(e, X86_SHIFT_SHL, X86_RAX, 3);
    /* rcx = jmp_cache[index] */
    x86_movi(e, X86_RCX, 0);
    x86_add_r_sib(e, X86_RCX, X86_RBP, X86_RAX, HART_OFF(blocks.jmp_cache));
    x86_test_rr(e, X86_RCX, X86_RCX);
    guint8 *miss1 = x86_jcc32(e, X86_CC_E);
    x86_alu_rm(e, X86_ALU_CMP, X86_RDX, X86_RCX, (gint32)offsetof(TcgBlock, pc));
    guint8 *miss2 = x86_jcc32(e, X86_CC_NE);
    /* Same privilege (jumps do not change it), so flags match. */
    x86_movi(e, X86_RAX, j->tb->flags);
    x86_cmp32_rm(e, X86_RAX, X86_RCX, (gint32)offsetof(TcgBlock, flags));
    guint8 *miss3 = x86_jcc32(e, X86_CC_NE);
    x86_jmp_mem(e, X86_RCX, (gint32)offsetof(TcgBlock, code));
    x86_patch_rel32(miss1, e->p);
    x86_patch_rel32(miss2, e->p);
    x86_patch_rel32(miss3, e->p);
    emit_return(j, 0);
}

/* ---- The block ------------------------------------------------------------------ */

static void jit_begin(Jit *j, TcgBlock *tb, guint n_temps)
{
    j->tb = tb;
    j->e.start = j->hart->code.rw;
    j->e.p = j->hart->code.rw + j->hart->code.used;
    j->locked = 0;
    j->n_slow = 0;
    memset(j->reg_owner, -1, sizeof j->reg_owner);
    for (guint t = 0; t < n_temps; t++) {
        j->ts[t] = (TempState){ .reg = JIT_NO_REG, .mem_valid = t < TCG_NB_GLOBALS };
    }
    /* x0 is a constant zero the front end never writes. */
    j->ts[0].is_const = TRUE;
    j->ts[0].val = 0;
    for (guint k = 0; k < TCG_JIT_PINS; k++) {
        TempState *ts = &j->ts[j->pin_guest[k]];
        ts->reg = (gint8)pin_host[k];
        ts->mem_valid = FALSE; /* the register is the truth inside generated code */
        j->reg_owner[pin_host[k]] = (gint16)j->pin_guest[k];
    }
    j->stale_globals = j->pinned_globals;
    memset(j->labels, 0, tb->n_labels * sizeof j->labels[0]);
}

/* SHOAL_JIT_DUMP=DIR: each block's host code to DIR/<guest pc>@<offset in
 * the code buffer>.bin, for `objdump -D -b binary -mi386:x86-64` (the
 * offset matches perf's addresses in the memfd), and the optimised IR it
 * was compiled from beside it, as .ir. */
static const char *jit_dump_dir;

static void read_dump_dir(void)
{
    jit_dump_dir = g_getenv("SHOAL_JIT_DUMP");
}

/* pthread_once rather than g_once_init_enter: ThreadSanitizer sees its
 * ordering, not that of GLib's uninstrumented half. */
static const char *dump_dir(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, read_dump_dir);
    return jit_dump_dir;
}

static void dump_block(const Jit *j, const TcgBlock *tb, const guint8 *start)
{
    const char *dir = dump_dir();
    if (dir == NULL || *dir == '\0') {
        return;
    }
    g_autofree char *stem =
        g_strdup_printf("%s/%08" G_GINT64_MODIFIER "x@%06zx", dir, tb->pc,
                        (gsize)(start - j->hart->code.rw));
    g_autofree char *bin = g_strconcat(stem, ".bin", NULL);
    g_autofree char *ir_name = g_strconcat(stem, ".ir", NULL);
    g_autofree char *ir = tcg_ir_dump(tb->ops, tb->n_ops);
    g_autoptr(GError) error = NULL;
    if (!g_file_set_contents(bin, (const char *)start, tb->code_size, &error) ||
        !g_file_set_contents(ir_name, ir, -1, &error)) {
        g_warning("SHOAL_JIT_DUMP: %s", error->message);
    }
}

/* The block's entry: leave at once if the hart has something to look at
 * (or, budgeted, its budget is spent), else count its instructions.
 * Returns the exits to patch to the block's epilogue (the second NULL
 * unless budgeted). */
static void emit_block_entry(Jit *j, const TcgBlock *tb, guint8 **to_event_exit,
                             guint8 **to_budget_exit)
{
    X86Emitter *e = &j->e;
    x86_cmp_mem32_imm8(e, X86_RBP, HART_OFF(event), 0);
    *to_event_exit = x86_jcc32(e, X86_CC_NE);
    *to_budget_exit = NULL;
    if (j->hart->config.budgeted) {
        /* Chained blocks never pass the loop: each checks the budget. */
        x86_load64(e, X86_RAX, X86_RBP, ENV_OFF(retired));
        x86_alu_rm(e, X86_ALU_CMP, X86_RAX, X86_RBP, ENV_OFF(deadline));
        *to_budget_exit = x86_jcc32(e, X86_CC_AE);
    }
    x86_add_mem_imm(e, X86_RBP, ENV_OFF(retired), (gint32)tb->n_insns);
}

/* One IR op into host code. */
static void emit_op(Jit *j, const TcgOp *op)
{
    X86Emitter *e = &j->e;
    switch ((TcgOpcode)op->opc) {
    case TCG_OP_nop: break;
    case TCG_OP_mov: emit_mov(j, op); break;
    case TCG_OP_movi: set_const(j, op->out, op->imm); break;
    case TCG_OP_add: emit_alu(j, op, X86_ALU_ADD); break;
    case TCG_OP_sub: emit_alu(j, op, X86_ALU_SUB); break;
    case TCG_OP_and: emit_alu(j, op, X86_ALU_AND); break;
    case TCG_OP_or: emit_alu(j, op, X86_ALU_OR); break;
    case TCG_OP_xor: emit_alu(j, op, X86_ALU_XOR); break;
    case TCG_OP_shl: emit_shift(j, op, X86_SHIFT_SHL, FALSE); break;
    case TCG_OP_shr: emit_shift(j, op, X86_SHIFT_SHR, FALSE); break;
    case TCG_OP_sar: emit_shift(j, op, X86_SHIFT_SAR, FALSE); break;
    case TCG_OP_rotl: emit_shift(j, op, X86_SHIFT_ROL, FALSE); break;
    case TCG_OP_rotr: emit_shift(j, op, X86_SHIFT_ROR, FALSE); break;
    case TCG_OP_rotl32: emit_shift(j, op, X86_SHIFT_ROL, TRUE); break;
    case TCG_OP_rotr32: emit_shift(j, op, X86_SHIFT_ROR, TRUE); break;
    case TCG_OP_clz:
    case TCG_OP_ctz:
    case TCG_OP_cpop:
    case TCG_OP_bswap:
        emit_bitcount(j, op);
        break;
    case TCG_OP_min: emit_minmax(j, op, X86_CC_G); break;
    case TCG_OP_max: emit_minmax(j, op, X86_CC_L); break;
    case TCG_OP_minu: emit_minmax(j, op, X86_CC_A); break;
    case TCG_OP_maxu: emit_minmax(j, op, X86_CC_B); break;
    case TCG_OP_addi: emit_addi(j, op); break;
    case TCG_OP_mul:
    case TCG_OP_mulsh:
    case TCG_OP_muluh:
    case TCG_OP_mulsuh:
        emit_mul(j, op);
        break;
    case TCG_OP_div:
    case TCG_OP_divu:
    case TCG_OP_rem:
    case TCG_OP_remu:
        emit_div(j, op);
        break;
    case TCG_OP_ext32s: emit_ext32(j, op, TRUE); break;
    case TCG_OP_ext32u: emit_ext32(j, op, FALSE); break;
    case TCG_OP_zext: emit_ext_width(j, op, FALSE); break;
    case TCG_OP_sext: emit_ext_width(j, op, TRUE); break;
    case TCG_OP_setcond: emit_setcond(j, op); break;
    case TCG_OP_set_label: emit_set_label(j, op); break;
    case TCG_OP_br:
        bb_end(j);
        label_jump_from(j, (guint)op->imm, x86_jmp32(e));
        break;
    case TCG_OP_brcond: emit_brcond(j, op); break;
    case TCG_OP_ld: emit_ld(j, op); break;
    case TCG_OP_st: emit_st(j, op); break;
    case TCG_OP_ld_env: emit_ld_env(j, op); break;
    case TCG_OP_st_env: emit_st_env(j, op); break;
    case TCG_OP_call: emit_call(j, op); break;
    case TCG_OP_retire:
        if (op->imm != 0) {
            x86_add_mem_imm(e, X86_RBP, ENV_OFF(retired), (gint32)op->imm);
        }
        break;
    case TCG_OP_mb:
        if (op->aux & TCG_MB_ST_LD) {
            x86_mfence(e);
        }
        break;
    case TCG_OP_goto_tb: emit_goto_tb(j, op); break;
    case TCG_OP_exit_tb: emit_exit_tb(j); break;
    case TCG_OP_lookup_and_goto_ptr: emit_lookup_and_goto_ptr(j); break;
    case TCG_OP_COUNT: g_assert_not_reached();
    }
}

/* After the ops: the slow paths, then the exit the prologue's checks jump
 * to (back to the loop with pc = this block, which a chained jump did not
 * store). */
static void emit_block_exit(Jit *j, const TcgBlock *tb, guint8 *to_event_exit,
                            guint8 *to_budget_exit)
{
    X86Emitter *e = &j->e;
    for (guint k = 0; k < j->n_slow; k++) {
        emit_slow_path(j, &j->slow[k]);
    }
    x86_patch_rel32(to_event_exit, e->p);
    if (to_budget_exit != NULL) {
        x86_patch_rel32(to_budget_exit, e->p);
    }
    x86_movi(e, X86_RAX, (gint64)tb->pc);
    x86_store64(e, X86_RBP, ENV_OFF(pc), X86_RAX);
    x86_patch_rel32(x86_jmp32(e), j->exit_noexit_rw);
}

gboolean tcg_jit_compile(TcgHart *hart, TcgBlock *tb)
{
    Jit *j = hart->jit;
    TcgCodeBuffer *buf = &hart->code;
    if (buf->size - buf->used < JIT_MAX_BLOCK_BYTES) {
        return FALSE;
    }
    tcg_code_buffer_prepare(buf, buf->used + JIT_MAX_BLOCK_BYTES);
    jit_begin(j, tb, tb->n_temps);

    X86Emitter *e = &j->e;
    guint8 *start = e->p, *to_event_exit, *to_budget_exit;
    emit_block_entry(j, tb, &to_event_exit, &to_budget_exit);
    for (guint i = 0; i < tb->n_ops; i++) {
        j->locked = 0;
        j->insn_pc = tb->pc + tb->ops[i].pc_off;
        emit_op(j, &tb->ops[i]);
    }
    emit_block_exit(j, tb, to_event_exit, to_budget_exit);

    g_assert((gsize)(e->p - start) <= JIT_MAX_BLOCK_BYTES);
    tb->code = rx_of(j, start);
    tb->code_size = (guint32)(e->p - start);
    dump_block(j, tb, start);
    tcg_perf_map_block(tb);
    buf->used = (gsize)(e->p - buf->rw);
    /* Blocks start 16-byte aligned, as x86 compilers align jump targets:
     * fewer fetch lines straddled on entry. */
    buf->used = (buf->used + 15) & ~(gsize)15;
    return TRUE;
}
