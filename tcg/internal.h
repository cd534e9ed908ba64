/* SPDX-License-Identifier: MIT */
/* What only tcg/ shares among its files: the hart, translation blocks, the
 * softmmu TLB and the helper table. The node sees none of this. */
#ifndef SHOAL_TCG_INTERNAL_H
#define SHOAL_TCG_INTERNAL_H

#include <pthread.h>
#include <setjmp.h>

#include "tcg/ir.h"
#include "tcg/jit.h"
#include "tcg/riscv/cpu.h"
#include "tcg/tcg.h"

G_BEGIN_DECLS

/* ---- Translation blocks ------------------------------------------------ */

typedef struct TcgBlock TcgBlock;
/* Chainable exits per block: a superblock has one per forward branch it
 * runs past, plus its last two. The exec loop gets the slot back in the
 * low bits of the block's address, which malloc aligns to 16. */
#define TCG_MAX_CHAIN_SLOTS 8
#define TCG_CHAIN_SLOT_MASK ((guintptr)TCG_MAX_CHAIN_SLOTS - 1)

struct TcgBlock {
    guint64 pc;          /* guest virtual pc of the first insn (the lookup key) */
    guint32 flags;       /* TcgBlockFlags the code was translated under */
    guint32 n_insns;     /* guest instructions */
    guint64 page[2];     /* guest PHYSICAL pages the code came from; page[1] = ~0 if one */
    guint32 size;        /* bytes of guest code from pc */
    TcgBlock *hash_next; /* chain in TcgBlockCache.buckets */
    TcgOp *ops;          /* the IR the interpreter runs (owned), or that the JIT
                          * compiles (the hart's TcgIr's, borrowed; NULL once compiled) */
    gboolean ops_borrowed;
    guint n_ops;
    guint n_temps;       /* temps its ops name are below this */
    guint n_labels;
    guint *label_pos;    /* interpreter: op index of each label (owned) */
    const guint8 *code;  /* JIT: entry in the executable view, NULL for the interpreter */
    guint32 code_size;   /* JIT: bytes of host code incl. out-of-line paths */
    guint32 jmp_rel[TCG_MAX_CHAIN_SLOTS]; /* JIT: buffer offset of each goto_tb's rel32,
                                           * 0 = none */
    gboolean invalid;    /* its code page changed: never enter or chain to it again */
    gboolean in_arena;   /* memory from the hart's block arena (tcg_tb_alloc) */
    guint8 reg_uses[TCG_NB_GLOBALS]; /* JIT: how often its IR names each guest
                                      * register (saturating), for pin-profile.c */
};

/* Everything the translation depends on besides the code bytes. */
typedef enum {
    TCG_BF_PRIV_MASK = 3, /* RvPriv */
    TCG_BF_FS_SHIFT = 2,  /* mstatus.FS: Off makes FP illegal, not Dirty marks it */
    TCG_BF_FS_MASK = 3 << TCG_BF_FS_SHIFT,
    TCG_BF_MMU_SHIFT = 4, /* TcgMmuIdx of loads and stores (MPRV picks MPP's) */
    TCG_BF_MMU_MASK = 3 << TCG_BF_MMU_SHIFT,
    TCG_BF_PAGED = 1 << 6, /* loads and stores go through page tables: per-entry addend */
    TCG_BF_STEP = 1 << 7,  /* the debugger's step: one instruction, no breakpoint, IR kept */
} TcgBlockFlags;

/* Translation regimes (QEMU's mmu_idx): each has its own TLB, keyed by
 * the address the regime translates (virtual when paged, else physical).
 * SUM and MXR change what S and U entries allow: changing them, satp, or
 * PMP flushes the TLB (csr.c). */
typedef enum {
    TCG_MMU_M = 0, /* first: M-mode code finds its TLB where it always was */
    TCG_MMU_S = 1,
    TCG_MMU_U = 2,
    TCG_MMU_COUNT
} TcgMmuIdx;

#define TCG_TB_HASH_BITS 15
#define TCG_JMP_CACHE_BITS 14

typedef struct {
    TcgBlock *buckets[1u << TCG_TB_HASH_BITS];     /* by (pc, flags) */
    TcgBlock *jmp_cache[1u << TCG_JMP_CACHE_BITS]; /* by virtual pc; generated code probes it */
    guint n_blocks;
    GPtrArray *all;       /* every block since the last flush, valid or not (owns them) */
    GHashTable *code_pages; /* guest page -> TcgCodePage: where its valid blocks' code is */
    guint flush_count;    /* bumped by every full flush: stale TcgBlock pointers */
    /* Where cached blocks live until the next flush frees them all at once:
     * chunks kept across flushes, filled in order. */
    GPtrArray *arena;     /* TCG_ARENA_CHUNK-byte chunks */
    guint arena_chunk;    /* the chunk being filled */
    gsize arena_used;     /* bytes of it handed out */
} TcgBlockCache;

/* ---- Softmmu TLB --------------------------------------------------------- */

/* A tag is the page address when the fast path may be used; these low bits
 * make the compare fail and send the access to the slow path. */
#define TCG_TLB_INVALID 1ull     /* no mapping */
#define TCG_TLB_SLOW 2ull        /* MMIO or watched: always the slow path */
#define TCG_TLB_MMIO 4ull        /* with SLOW: a device, no host frame */
#define TCG_TLB_CODE 8ull        /* write tag only: RAM holding translations */
#define TCG_TLB_BITS 12          /* 4096 entries: 16 MiB of reach */
#define TCG_TLB_NO_ENTRY G_MAXUINT32
#define TCG_VICTIM_TLB_SIZE 16   /* fully associative, behind the direct-mapped one */

typedef struct {
    guint64 tag_read;  /* page | flags */
    guint64 tag_write;
    guint64 tag_exec;
    guintptr addend;   /* host = guest + addend */
} TcgTlbEntry;

/* Each entry's physical page, beside the TLB so an entry stays 32 bytes
 * for the generated code: a paged entry found by its physical page when
 * the node takes the page away, a store's code-page check. */
typedef struct {
    TcgTlbEntry e;
    guint64 paddr_page;
} TcgVictimEntry;

/* ---- The hart ------------------------------------------------------------ */

/* Bits of TcgHart.event: any non-zero value makes the hart stop between
 * blocks and look. */
enum {
    TCG_EVENT_STOP = 1 << 0,
    TCG_EVENT_WORK = 1 << 1,
    TCG_EVENT_IRQ = 1 << 2,
    TCG_EVENT_SAMPLE = 1 << 3, /* pin-profile.c: note the block about to run */
    TCG_EVENT_DEBUG = 1 << 4,  /* the debugger wants it stopped (TcgHartDebug) */
};

/* A list the debugger hands a hart: set while it is stopped (under
 * safe_lock, @changed), taken when it runs again. */
typedef struct {
    gpointer items; /* guint64 pcs or TcgWatch */
    guint n;
    gboolean changed;
} TcgDebugOffer;

/* The debugger's hold on the hart (tcg.h). Under safe_lock unless said. */
typedef struct {
    TcgDebugAction action;   /* STOP: it stays (or gets) stopped */
    TcgDebugStop why;        /* what it reports when it stops next */
    gboolean stopped;        /* waiting in debug_wait (cpu-exec.c) */
    GQueue jobs;             /* TcgDebugJob*, run on its thread while stopped */
    TcgDebugOffer new_breakpoints, new_watches;
    TcgWatch *watches;       /* hart thread only: what its slow paths look at */
    guint n_watches;
    TcgWatch watch_hit;      /* hart thread only: the last one that stopped it */
    gboolean watch_pending;  /* hart thread only: the step after a watched access stops
                              * as that watchpoint */
    gboolean drop_code;      /* drop every translation before running */
    guint64 *breakpoints;    /* hart thread only: what the translator looks at */
    guint n_breakpoints;
    gboolean stepping;       /* hart thread only: the next instruction is a step */
    gboolean in_step;        /* hart thread only: that instruction runs */
    struct TcgBlock *step_block; /* hart thread only: the last step's (freed at the next) */
} TcgHartDebug;

typedef struct TcgSafeWork TcgSafeWork;

struct TcgHart {
    TcgCpuState env;              /* first: generated code addresses it by offset */
    TcgHartConfig config;
    const TcgNodeOps *ops;
    gpointer opaque;

    gint event;                   /* (atomic) TCG_EVENT_* bits */
    pthread_mutex_t safe_lock;    /* guards at_safe_point, work, wakeups (pthreads: TSan sees them) */
    pthread_cond_t safe_cond;     /* wakes a hart in WFI */
    gboolean at_safe_point;       /* blocked in a node callback or WFI */
    gboolean held;                /* an exclusive section keeps it at its safe point */
    guint wfi_spins;              /* WFIs in a row that found an interrupt pending */
    guint64 translate_clock;      /* shared-code clock before the code being translated was read */
    guint64 code_drops;           /* tcg_hart_flush_page calls that dropped code; written by
                                   * whoever runs the hart's safe work (under safe_lock or on
                                   * its thread) */
    guint64 fence_clock;          /* shared-code clock at its last fence.i */
    guint n_suspect_pages;        /* code pages it translated before they were shared */
    GQueue work;                  /* TcgSafeWork*, queued by other threads */
    GThread *thread;              /* the thread inside tcg_hart_run, NULL outside */
    guint tlb_generation;         /* bumped by every flush: a fill that raced one retries */

    guintptr ram_addend;          /* host - guest for every RAM page (config.ram_host) */
    TcgTlbEntry tlb[TCG_MMU_COUNT][1u << TCG_TLB_BITS]; /* by TcgMmuIdx, then page */
    guint64 tlb_paddr[TCG_MMU_COUNT][1u << TCG_TLB_BITS]; /* physical page of each entry */
    /* The entries by physical page (tlb.c's reverse map): a coherence
     * flush of one page visits the entries in its bucket, not the 4096 of
     * every regime that virtual keys could have put it in. Entries are
     * numbered idx << TCG_TLB_BITS | slot; TCG_TLB_NO_ENTRY ends a chain. */
    guint32 tlb_rmap_head[1u << TCG_TLB_BITS];
    guint32 tlb_rmap_next[TCG_MMU_COUNT << TCG_TLB_BITS];
    guint32 tlb_rmap_prev[TCG_MMU_COUNT << TCG_TLB_BITS];
    TcgVictimEntry victim_tlb[TCG_MMU_COUNT][TCG_VICTIM_TLB_SIZE]; /* entries the main TLB evicted */
    guint victim_next[TCG_MMU_COUNT]; /* round-robin replacement in victim_tlb */
    gboolean tlb_paged;           /* some entry since the last full flush is virtual */
    guint tlb_used;               /* bit per TcgMmuIdx filled since the last full flush */
    TcgBlockCache blocks;
    TcgIr ir;                     /* scratch for the translator */
    TcgCodeBuffer code;           /* JIT: this hart's translation buffer */
    struct TcgJit *jit;           /* JIT: code generator state (owned) */
    guint64 jit_spill[TCG_MAX_TEMPS]; /* JIT: memory homes of block temps */
    sigjmp_buf exit_jmp;          /* where exceptions unwind to from a block */
    TcgHartStats stats;
    guint64 page_map_ns;          /* time fetches waited in page_map (kept out of translate_ns) */
    guint32 pin_heat[TCG_NB_GLOBALS]; /* pin-profile.c: register uses where samples fell */
    guint pin_samples;
    guint64 pin_decided_translate_ns; /* stats.translate_ns at the last decision */
    guint64 pin_moved_translate_ns; /* stats.translate_ns at the last move */
    guint pin_moved_samples;      /* pin_samples at the last move */
    TcgHartDebug debug;
};

/* ---- Helpers ------------------------------------------------------------- */

enum {
    TCG_HELPER_RAISES = 1 << 0,
    TCG_HELPER_NO_RETURN = 1 << 1,
};

typedef guint64 (*TcgHelperFn)(TcgHart *hart, guint64 a, guint64 b, guint64 c, gint64 imm);

typedef enum {
#define DEF_HELPER(name, flags) TCG_HELPER_##name,
#include "tcg/helpers.def"
#undef DEF_HELPER
    TCG_HELPER_COUNT
} TcgHelperId;

typedef struct {
    const char *name;
    TcgHelperFn fn;
    guint flags;
} TcgHelperDesc;

extern const TcgHelperDesc tcg_helpers[TCG_HELPER_COUNT];

#define DEF_HELPER(name, flags) \
    guint64 tcg_helper_##name(TcgHart *hart, guint64 a, guint64 b, guint64 c, gint64 imm);
#include "tcg/helpers.def"
#undef DEF_HELPER

/* ---- Across files -------------------------------------------------------- */

/* translate.c: translate the block at env.pc; NULL with an exception taken
 * when the first instruction cannot be fetched. */
TcgBlock *tcg_translate(TcgHart *hart, guint64 pc, guint32 flags);
void tcg_block_free(TcgBlock *block);

/* cpu-exec.c: the flags a block made now must carry (privilege, FS,
 * MMU index, paging), and the block at @pc made for them: translated,
 * compiled (flushing the hart's buffer if full) and in the cache, its cost
 * counted in hart->stats. The exec loop's miss path; bench/xlate.c times it. */
guint32 tcg_block_flags(const TcgHart *hart);
TcgBlock *tcg_tb_build(TcgHart *hart, guint64 pc, guint32 flags);

/* cpu-exec.c: harts alive in this process (a node's harts share its RAM
 * frames, so one may rewrite code another has translated). */
guint tcg_harts_in_process(void);
/* An exclusive section over every hart of the process. */
void tcg_exclusive_run_all(TcgExclusiveFunc fn, gpointer data);
/* Only inside tcg_exclusive_run_all's function: @fn on each hart. */
void tcg_harts_foreach_stopped(TcgSafeFunc fn, gpointer data);

/* shared-code.c: code pages of the process and stores into them. */
typedef struct TcgSharedPage TcgSharedPage;
/* Ticks once per store into a shared code page. */
guint64 tcg_shared_code_clock(void);
/* RAM is [@ram_base, +@ram_size): its pages are found in a table, no lock
 * (first call wins). */
void tcg_shared_code_cover(guint64 ram_base, guint64 ram_size);
/* Whether some hart of the process translated code from @page. */
gboolean tcg_shared_code_has(guint64 page);
/* Whether @p had a store after clock value @clock. */
gboolean tcg_shared_code_stored_since(const TcgSharedPage *p, guint64 clock);
/* The page's entry, joining it to the set first (an exclusive section:
 * every hart's TLB then sends its stores to the slow path); *@joined_now
 * says it was not in the set, so stores made before may not have counted. */
TcgSharedPage *tcg_shared_code_join(guint64 page, gboolean *joined_now);

/* optimize.c: folding, propagation and dead-code removal in place, with
 * tcg_liveness's marks. tcg_liveness alone: the marks and the dead code,
 * for IR built by hand (the back ends' tests). */
void tcg_optimize(TcgIr *ir);
void tcg_liveness(TcgIr *ir);

/* tb-maint.c */
void tcg_tb_cache_init(TcgHart *hart);
void tcg_tb_cache_destroy(TcgHart *hart);
/* The block for virtual @pc whose code is at physical @phys_pc. */
TcgBlock *tcg_tb_lookup(TcgHart *hart, guint64 pc, guint32 flags, guint64 phys_pc);
static inline guint tcg_tb_jmp_cache_index(guint64 pc)
{
    return (guint)((pc >> 1) & ((1u << TCG_JMP_CACHE_BITS) - 1));
}
/* Forget the virtual-pc jump cache (satp write, sfence.vma, PMP). */
void tcg_tb_jmp_cache_flush(TcgHart *hart);
/* ... or only its slots for pcs in the page of @vaddr. */
void tcg_tb_jmp_cache_flush_page(TcgHart *hart, guint64 vaddr);
void tcg_tb_insert(TcgHart *hart, TcgBlock *block);
/* A zeroed block from the arena, for a block that goes into the cache (or
 * is dropped before: its memory comes back at the next flush). */
TcgBlock *tcg_tb_alloc(TcgHart *hart);
void tcg_tb_flush(TcgHart *hart);
void tcg_tb_invalidate_page(TcgHart *hart, guint64 page);
/* fence.i: drops translations from pages another hart stored into since
 * they were read. */
void tcg_tb_fence_i(TcgHart *hart);
/* Whether a store of @size bytes at @addr overwrites translated code. */
gboolean tcg_tb_store_hits_code(TcgHart *hart, guint64 addr, guint size);

/* jit.c: the x86-64 back end. */
gboolean tcg_jit_init(TcgHart *hart, GError **error);
void tcg_jit_destroy(TcgHart *hart);
/* Compiles @block's IR; FALSE when the buffer is full (flush and retry). */
gboolean tcg_jit_compile(TcgHart *hart, TcgBlock *block);
/* Names @block's code for perf when SHOAL_PERF_MAP is set (perf-map.c). */
void tcg_perf_map_block(const TcgBlock *block);
/* pin-profile.c: a JIT hart with TcgHartConfig.profile_pins attaches while
 * it lives (the process's sampler runs while any does), and handles
 * TCG_EVENT_SAMPLE between blocks with tcg_pin_profile_sample, which may
 * move its pins and drop its translations. */
void tcg_pin_profile_attach(void);
void tcg_pin_profile_detach(void);
void tcg_pin_profile_sample(TcgHart *hart);
/* cpu-exec.c: a safe point entered, left and waited at with safe_lock
 * held (the wait runs work queued meanwhile). */
void tcg_safe_point_enter_locked(TcgHart *hart);
void tcg_safe_point_leave_locked(TcgHart *hart);
void tcg_safe_wait_locked(TcgHart *hart);
/* debug.c: TCG_EVENT_DEBUG between blocks (stops the hart while the
 * debugger holds it); the step TcgHartDebug.stepping asks for, with the
 * block flags of the hart's state; whether translation must stop before
 * @pc; and the hart's debug state freed. */
void tcg_debug_between_blocks(TcgHart *hart);
void tcg_debug_step(TcgHart *hart, guint32 flags);
gboolean tcg_debug_breakpoint_at(const TcgHart *hart, guint64 pc);
/* A load (@write FALSE), store, or both (an AMO: @read and @write) of
 * @size bytes at virtual @addr is about to be made: if it touches a
 * watched range, the hart stops before the instruction (does not return).
 * Only the slow paths look: a watched page gets no TLB entry. */
void tcg_debug_watch_check(TcgHart *hart, guint64 addr, guint size, gboolean read,
                           gboolean write);
/* Whether the page of @vaddr holds part of a watched range. */
gboolean tcg_debug_watched_page(const TcgHart *hart, guint64 vaddr);
void tcg_debug_destroy(TcgHart *hart);
/* cpu-exec.c: ORs @bits into every JIT hart's event word without waking
 * one (a hart in WFI sees them when it runs again). */
void tcg_harts_post_event(gint bits);
/* The translated block for @pc in the jump cache, if it is there. */
TcgBlock *tcg_tb_jmp_cache_find(TcgHart *hart, guint64 pc);
/* Guest registers the JIT keeps in host registers across blocks, and
 * which (x1..x31, all different); the default is GCC's a0-a5 and sp.
 * Setting them is for a hart with no code: tcg_tb_flush after. */
#define TCG_JIT_PINS 7
extern const guint8 tcg_jit_default_pins[TCG_JIT_PINS];
void tcg_jit_set_pins(TcgHart *hart, const guint8 pins[TCG_JIT_PINS]);
const guint8 *tcg_jit_pins(const TcgHart *hart);
/* Runs from @block; returns the block that exited through a chainable
 * slot, tagged with the slot in its low bits (TCG_CHAIN_SLOT_MASK), or 0. */
guintptr tcg_jit_enter(TcgHart *hart, const TcgBlock *block);
void tcg_jit_chain(TcgHart *hart, TcgBlock *from, guint slot, const TcgBlock *to);
void tcg_jit_unchain(TcgHart *hart, TcgBlock *block);
/* Forget all generated code (after tcg_tb_flush). */
void tcg_jit_reset(TcgHart *hart);
/* Host instructions beyond x86-64's baseline that the JIT uses when cpuid
 * has them (and falls back from otherwise). */
typedef enum {
    TCG_HOST_LZCNT = 1 << 0,  /* clz (ABM/LZCNT) */
    TCG_HOST_TZCNT = 1 << 1,  /* ctz (BMI1) */
    TCG_HOST_POPCNT = 1 << 2, /* cpop */
} TcgHostIsa;
/* Keeps only the @isa bits of what the host has, for code compiled from
 * now on: tests exercise the fallbacks with it. */
void tcg_jit_limit_host_isa(TcgHart *hart, guint isa);

/* interp.c: run one block; and the ops whose meaning is more than a C
 * operator, shared with the optimiser's constant folding. */
void tcg_interp_block(TcgHart *hart, const TcgBlock *block);
guint64 tcg_eval_div(TcgOpcode opc, guint64 a, guint64 b);
guint64 tcg_eval_mulh(TcgOpcode opc, guint64 a, guint64 b);
/* rotl .. maxu; @b is ignored by the one-input ops. */
guint64 tcg_eval_bitop(TcgOpcode opc, guint64 a, guint64 b);
/* Inline: the interpreter evaluates one per branch. */
static inline gboolean tcg_eval_cond(TcgCond cond, guint64 a, guint64 b)
{
    switch (cond) {
    case TCG_COND_EQ: return a == b;
    case TCG_COND_NE: return a != b;
    case TCG_COND_LT: return (gint64)a < (gint64)b;
    case TCG_COND_GE: return (gint64)a >= (gint64)b;
    case TCG_COND_LTU: return a < b;
    case TCG_COND_GEU: return a >= b;
    }
    g_assert_not_reached();
}
/* The value of pure op @opc (TCG_OPF_FOLD) on constant inputs. */
guint64 tcg_eval(TcgOpcode opc, guint8 aux, guint64 a, guint64 b, gint64 imm);

/* tlb.c: guest memory. Raise the architectural exception on failure. */
guint64 tcg_mem_load(TcgHart *hart, guint64 addr, TcgMemOp mo);
void tcg_mem_store(TcgHart *hart, guint64 addr, guint64 value, TcgMemOp mo);
/* Whether @access to @addr in the current data regime would succeed
 * (page tables, PMP, something at that address): -1, or the exception cause
 * it would raise. Maps the page as the access would; raises nothing. */
gint tcg_mem_probe(TcgHart *hart, guint64 addr, TcgAccess access);
/* An AMO the node may make where its page is (TcgNodeOps.access_remote)
 * when the TLB does not hold the page writable: TRUE with *@old, the
 * memory's old value zero-extended; FALSE: do it here (tcg_mem_atomic_ptr),
 * the page is mapped now or the access faults there. */
gboolean tcg_mem_amo_remote(TcgHart *hart, guint64 addr, guint log2size, TcgRemoteOp op,
                            guint64 operand, guint64 *old);
/* Host pointer for an aligned atomic access of 1 << log2size bytes with
 * write permission; raises on failure or MMIO (access fault). */
/* *@code_paddr: TCG_NO_CODE_PAGE, or for a store into a shared code page
 * its address: the caller tells tcg_shared_code_stored once it stored. */
#define TCG_NO_CODE_PAGE G_MAXUINT64
void *tcg_mem_atomic_ptr(TcgHart *hart, guint64 addr, guint log2size, gboolean is_lr,
                         guint64 *code_paddr);
/* Host pointer to the code at virtual @pc (an instruction fetch) and its
 * physical address in *@paddr; NULL after raising nothing: the exception
 * cause (1 or 12) is in *@fault, for the caller to raise. */
const guint8 *tcg_mem_fetch_ptr(TcgHart *hart, guint64 pc, guint64 *paddr, RvException *fault);
/* Empties a new (zeroed) hart's TLB: zeroed entries are not empty ones. */
void tcg_tlb_init(TcgHart *hart);
void tcg_tlb_flush_all(TcgHart *hart);
/* Drops every entry, in every regime, whose physical page is @paddr's. */
void tcg_tlb_flush_page(TcgHart *hart, guint64 paddr);
/* Forget the translations of virtual page @vaddr (sfence.vma with rs1). */
void tcg_tlb_flush_vpage(TcgHart *hart, guint64 vaddr);
/* The same as a TcgSafeFunc: @paddr points to the address. */
void tcg_tlb_flush_phys_page(TcgHart *hart, gpointer paddr);

/* The regime of instruction fetches in privilege @priv, and of loads and
 * stores (mstatus.MPRV in M-mode borrows MPP's). */
static inline TcgMmuIdx tcg_mmu_idx(guint priv)
{
    return priv == RV_PRIV_M ? TCG_MMU_M : priv == RV_PRIV_S ? TCG_MMU_S : TCG_MMU_U;
}
static inline guint tcg_data_priv(const TcgCpuState *env)
{
    if (env->priv == RV_PRIV_M && (env->mstatus & RV_MSTATUS_MPRV)) {
        return (guint)((env->mstatus & RV_MSTATUS_MPP) >> RV_MSTATUS_MPP_SHIFT);
    }
    return env->priv;
}
/* Whether @priv's accesses go through page tables (satp.MODE not Bare). */
static inline gboolean tcg_priv_paged(const TcgCpuState *env, guint priv)
{
    return priv != RV_PRIV_M && (env->satp >> 60) != 0;
}

/* riscv/mmu.c: the Sv39/Sv48 page-table walker. */
enum {
    TCG_PROT_READ = 1,
    TCG_PROT_WRITE = 2,
    TCG_PROT_EXEC = 4,
};
/* Translates @vaddr for @access in privilege @priv (paging on). Returns
 * -1 with the physical address in *@paddr and in *@prot what a TLB entry
 * for the page may allow (W only once D is set), or the exception cause
 * (page fault 12/13/15; access fault 1/5/7 when a PTE read finds no memory
 * or PMP refuses it). Sets A/D in the PTE with a host compare-and-swap. May
 * block in page_map (safe points). */
gint tcg_mmu_translate(TcgHart *hart, guint64 vaddr, TcgAccess access, guint priv,
                       guint64 *paddr, guint *prot);
/* The debugger's view of @vaddr: the physical address the hart's loads
 * would use (its privilege, MPRV, satp), with no A/D update and no
 * permission check. FALSE: not mapped. */
gboolean tcg_mmu_debug_translate(TcgHart *hart, guint64 vaddr, guint64 *paddr);
/* csr.c: the debugger's reads and writes of CSR @csr, whatever the
 * privilege; FALSE if it does not exist (or is read-only, for a write). */
gboolean tcg_csr_debug_read(TcgHart *hart, guint csr, guint64 *value);
gboolean tcg_csr_debug_write(TcgHart *hart, guint csr, guint64 value);
/* The access fault cause of @access. */
RvException tcg_access_fault_cause(TcgAccess access);

/* riscv/pmp.c: physical memory protection. */
/* Whether PMP lets @priv make @access to [@addr, @addr + @size). */
gboolean tcg_pmp_check(const TcgHart *hart, guint64 addr, guint size, TcgAccess access,
                       guint priv);
/* TCG_PROT_* that PMP gives @priv on all of the 4 KiB page @page, or -1
 * when rules differ inside the page (then no TLB entry: check each access). */
gint tcg_pmp_page_prot(const TcgHart *hart, guint64 page, guint priv);
/* pmpcfg/pmpaddr writes, WARL and lock rules applied. */
void tcg_pmp_write_cfg(TcgHart *hart, guint reg, guint64 value);
void tcg_pmp_write_addr(TcgHart *hart, guint index, guint64 value);

/* cpu-exec.c: blocking node callbacks bracketed as safe points. */
void tcg_safe_point_enter(TcgHart *hart);
void tcg_safe_point_leave(TcgHart *hart);
/* Sleep until an interrupt is pending and enabled or someone kicks. */
void tcg_hart_wait_for_interrupt(TcgHart *hart);

/* riscv/trap.c */
G_NORETURN void tcg_raise(TcgHart *hart, RvException cause, guint64 tval);
/* What of an xEPC is a pc: without C (IALIGN = 32) bit 1 reads as zero too. */
guint64 tcg_epc_mask(const TcgIsa *isa);
/* Takes the highest-priority pending enabled interrupt, if any. */
gboolean tcg_take_interrupt(TcgHart *hart);
guint64 tcg_mip(const TcgHart *hart);
/* riscv/csr.c */
guint64 tcg_csr_access(TcgHart *hart, guint csr, guint op, guint64 src, gboolean do_write,
                       guint32 insn);
/* mstatus at reset on a hart of @isa (SXL/UXL where S/U exist, MPP = M
 * where M is the only mode), and the mode an xRET leaves in MPP. */
guint64 tcg_mstatus_reset_value(const TcgIsa *isa);
guint tcg_lowest_priv(const TcgIsa *isa);

G_END_DECLS

#endif /* SHOAL_TCG_INTERNAL_H */
