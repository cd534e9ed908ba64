/* SPDX-License-Identifier: MIT */
/* The translator's public face: a RISC-V hart that runs guest code, and the
 * small interface through which it reaches memory and devices. tcg/ knows
 * nothing of ZeroMQ or protobuf: the node implements TcgNodeOps. */
#ifndef SHOAL_TCG_H
#define SHOAL_TCG_H

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

#define TCG_PAGE_BITS 12
#define TCG_PAGE_SIZE (1u << TCG_PAGE_BITS)
#define TCG_PAGE_MASK (~(guint64)(TCG_PAGE_SIZE - 1))

typedef enum {
    TCG_ACCESS_READ,
    TCG_ACCESS_WRITE,
    TCG_ACCESS_EXEC,
    /* LR: a read, but the SC after it will write, so a node that keeps LR
     * leases (TcgNodeOps.lease_take) may as well fetch the page writable. */
    TCG_ACCESS_LR,
} TcgAccess;

typedef enum {
    TCG_ACCEL_INTERP, /* the portable IR interpreter */
    TCG_ACCEL_JIT,    /* x86-64 code generation */
} TcgAccel;

/* What the node says about one guest physical page. */
typedef struct {
    guint8 *host;          /* 4 KiB frame backing the page; NULL => device (MMIO) */
    gboolean writable;     /* FALSE: Shared, a store calls page_map again with WRITE */
    gboolean watch_stores; /* stores go through ops->watched_store after landing */
} TcgPageMap;

/* A load or AMO the node may make where the page is instead of mapping it
 * here (TcgNodeOps.access_remote): ops in AMO order, the load first. */
typedef enum {
    TCG_REMOTE_LOAD,
    TCG_REMOTE_SWAP,
    TCG_REMOTE_ADD,
    TCG_REMOTE_XOR,
    TCG_REMOTE_AND,
    TCG_REMOTE_OR,
    TCG_REMOTE_MIN,
    TCG_REMOTE_MAX,
    TCG_REMOTE_MINU,
    TCG_REMOTE_MAXU,
} TcgRemoteOp;

typedef struct {
    guint64 paddr;   /* translated and PMP-checked; the bytes stay in one page */
    guint size;      /* 1, 2, 4 or 8 (4 or 8, aligned, for an AMO) */
    TcgRemoteOp op;
    guint64 operand; /* an AMO's */
    guint priv;      /* the privilege the access is made in */
} TcgRemoteAccess;

/* Makes @op on the @size bytes of host memory at @p, atomically but for a
 * misaligned load; returns the loaded or old value, zero-extended. (The
 * hart's AMOs, and a node making one for another node.) */
guint64 tcg_host_access(void *p, guint size, TcgRemoteOp op, guint64 operand);

/* A store into the page of @paddr landed, a hart's or one the node made
 * for another node: translated code there goes at the harts' next fence.i
 * (no-op for a page without code). Any thread. */
void tcg_shared_code_stored(guint64 paddr);

/* Implemented by the node. Every callback is called on the hart's own
 * thread. Those that may block (page_map, the MMIO and exit callbacks, a
 * blocking lease_take) run at a safe point (see tcg_harts_run_safe);
 * read_time, lease_end and a non-blocking lease_take run inside a block and
 * must not wait for the node. */
typedef struct {
    /* Map the page holding @paddr for @access. FALSE: nothing there (the hart
     * raises an access fault). The frame must stay valid memory for the life
     * of the node (frames are never freed, only marked invalid). */
    gboolean (*page_map)(gpointer opaque, guint hart_id, guint64 paddr, TcgAccess access,
                         TcgPageMap *out);
    /* Optional. A load or AMO to RAM whose page the hart's TLB does not
     * hold for it: TRUE when the node made it elsewhere (where the page is,
     * forwarding), *value the loaded or old value, zero-extended; FALSE:
     * map the page with page_map as usual. May block, like page_map. */
    gboolean (*access_remote)(gpointer opaque, guint hart_id, const TcgRemoteAccess *access,
                              guint64 *value);
    /* Device access, @size 1/2/4/8, naturally aligned. FALSE: access fault. */
    gboolean (*mmio_read)(gpointer opaque, guint hart_id, guint64 paddr, unsigned size,
                          guint64 *value);
    gboolean (*mmio_write)(gpointer opaque, guint hart_id, guint64 paddr, unsigned size,
                           guint64 value);
    /* Optional. A FENCE with O (device output) in its predecessor set: the
     * device writes the hart made before (a node may post them, unanswered)
     * must have reached their devices before it goes on. Without
     * @may_block it must not block: FALSE then means "call again with
     * @may_block", which the hart does at a safe point. */
    gboolean (*io_fence)(gpointer opaque, guint hart_id, gboolean may_block);
    /* A store into a page mapped with watch_stores, after it landed in RAM
     * (the riscv-tests `tohost` convention). */
    void (*watched_store)(gpointer opaque, guint hart_id, guint64 paddr, unsigned size,
                          guint64 value);
    /* The `time` CSR / mtime as hart @hart_id sees it, in ticks of the
     * machine time base. */
    guint64 (*read_time)(gpointer opaque, guint hart_id);
    /* Optional (NULL: the hart has no Sstc, stimecmp does not exist). The
     * guest wrote stimecmp: the node compares @ticks with the time from now
     * on and drives TCG_IRQ_STIP, as it drives MTIP from mtimecmp. */
    void (*set_stimecmp)(gpointer opaque, guint hart_id, guint64 ticks);
    /* Optional pair (NULL: no lease). LR reserved the RAM byte at @host:
     * the node may take the page for writing and keep it a short while
     * against competing requests, so the SC after it completes before a
     * recall (no livelock between nodes). Without @may_block it must not
     * block: FALSE then means "call again with @may_block", which the hart
     * does at a safe point. */
    gboolean (*lease_take)(gpointer opaque, guint hart_id, const void *host, gboolean may_block);
    /* The SC after the LR ran. Never blocks. */
    void (*lease_end)(gpointer opaque, guint hart_id);
    /* Harts with TcgHartConfig.budgeted only: the hart used up its budget
     * of instructions (or, @idle, waits in WFI with no interrupt pending):
     * the node may block here until the next quantum begins. Returns the
     * next budget (instructions, > 0). */
    guint64 (*quantum_end)(gpointer opaque, guint hart_id, gboolean idle);
    /* Optional (NULL: no debugger). The hart stopped for the debugger
     * (tcg_hart_debug_*) and waits between two instructions; @why says
     * whether it was asked to or stopped by itself. Hart thread, not at a
     * safe point: must not wait for the node. */
    void (*debug_stopped)(gpointer opaque, guint hart_id, gint why /* TcgDebugStop */);
} TcgNodeOps;

/* What a hart implements (tcg/riscv/isa.def has the extensions). A zeroed
 * TcgIsa is everything shoal implements: rv64imafdc with every extension
 * of isa.def, M, S and U modes, Sv39 and Sv48, 16 PMP entries. */
typedef enum {
#define ISA_EXT(id, name, letter) TCG_EXT_##id,
#include "tcg/riscv/isa.def"
#undef ISA_EXT
    TCG_EXT_COUNT
} TcgExt;

typedef enum {
    TCG_MMU_SV48, /* satp takes Bare, Sv39 and Sv48 */
    TCG_MMU_SV39, /* Bare and Sv39 */
    TCG_MMU_NONE, /* Bare only: satp reads zero, writes are ignored */
} TcgMmuModes;

typedef struct {
    guint32 absent;     /* bit TcgExt: the hart lacks it (its instructions are illegal) */
    gboolean no_s_mode; /* M and U (or M) only: no S CSRs, sret, delegation or paging */
    gboolean no_u_mode; /* M only (then no S either) */
    TcgMmuModes mmu;    /* TCG_MMU_NONE whenever no_s_mode */
    guint8 pmp_unimplemented; /* the top this many of the 16 PMP entries are
                               * hardwired off (their CSRs read zero, ignore writes) */
} TcgIsa;

#define TCG_PMP_ENTRIES 16

static inline gboolean tcg_isa_has(const TcgIsa *isa, TcgExt ext)
{
    return !((isa->absent >> ext) & 1);
}

/* Parses an ISA string as the device tree and compilers write it
 * ("rv64imac_zicsr_zifencei", "rv64gc_zba_zbb"; g is imafd, I, Zicsr and
 * Zifencei are always there), @priv ("msu", "mu" or "m") and @mmu ("sv48",
 * "sv39", "none", or NULL / "" for the default: sv48 with S-mode, none
 * without). FALSE with @error naming what shoal cannot run or what is
 * inconsistent (D without F, S without U, an MMU without S). */
gboolean tcg_isa_parse(const char *isa, const char *priv, const char *mmu, TcgIsa *out,
                       GError **error);
/* The canonical ISA string of @isa, as riscv,isa in a device tree. */
char *tcg_isa_string(const TcgIsa *isa);
/* misa's value for @isa (RV64, read-only). */
guint64 tcg_isa_misa(const TcgIsa *isa);

typedef struct {
    guint hart_id;          /* mhartid */
    TcgIsa isa;             /* zeroed: everything shoal implements */
    TcgAccel accel;         /* back end */
    gsize code_buffer_size; /* bytes of this hart's translation buffer (JIT) */
    /* Optional promise: page_map maps every page of memory it maps (RAM
     * and the other memory regions, ROM and SRAM, alike) at ram_host +
     * (paddr - ram_base), always. The JIT's fast path then adds one
     * constant instead of looking up each entry's. NULL: no promise. */
    guint8 *ram_host;
    guint64 ram_base;
    guint64 ram_size; /* bytes of RAM from ram_base (with ram_host) */
    /* Counted time (deterministic co-simulation): the hart runs a budget of
     * instructions (tcg_hart_set_budget), then calls ops->quantum_end, and
     * a WFI calls it instead of sleeping. Each block checks the budget on
     * entry: a block that starts within it runs to its end. */
    gboolean budgeted;
    /* JIT: pin the guest registers the hot code uses (pin-profile.c), not
     * the fixed default set. */
    gboolean profile_pins;
} TcgHartConfig;

typedef struct TcgHart TcgHart;

/* Interrupt bits of mip, as the privileged spec numbers them. */
enum {
    TCG_IRQ_MSIP = 3,
    TCG_IRQ_STIP = 5, /* Sstc's line: stimecmp compared by the node; counts with menvcfg.STCE */
    TCG_IRQ_MTIP = 7,
    TCG_IRQ_MEIP = 11,
    TCG_IRQ_SEIP = 9,
};

/* Creates a hart in reset state (M-mode, pc 0). @ops and @opaque must
 * outlive it. Never fails. */
TcgHart *tcg_hart_new(const TcgHartConfig *config, const TcgNodeOps *ops, gpointer opaque);
void tcg_hart_free(TcgHart *hart);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TcgHart, tcg_hart_free)

/* Sets pc and a0/a1 as a boot loader would. Hart thread only, before run. */
void tcg_hart_reset(TcgHart *hart, guint64 pc, guint64 a0, guint64 a1);

/* A machine reset: every register and CSR as at power-on, then as
 * tcg_hart_reset; every translation and TLB entry dropped. A debugger job
 * (the hart stopped, tcg_hart_debug_run). */
void tcg_hart_power_on(TcgHart *hart, guint64 pc, guint64 a0, guint64 a1);

/* ---- A hart's state by name, for snapshots (riscv/state.c) ---- */
typedef struct {
    const char *name; /* static: "pc", "x5", "mstatus", "f3", "msip", ... */
    guint64 value;
} TcgStateValue;
/* How many values tcg_hart_save_state gives. */
guint tcg_hart_state_size(void);
/* Every architectural value of a hart stopped for the debugger (any
 * thread), into @out (tcg_hart_state_size entries). */
void tcg_hart_save_state(TcgHart *hart, TcgStateValue *out);
/* Sets one value of a hart whose thread has not started (tcg_hart_run);
 * FALSE for a name it does not know or a value the field cannot hold. */
gboolean tcg_hart_restore_value(TcgHart *hart, const char *name, guint64 value);

/* Runs guest code on the calling thread until tcg_hart_stop(). Returns
 * after the stop request is seen. WFI sleeps inside this call. */
void tcg_hart_run(TcgHart *hart);

/* Budgeted harts: the next @budget instructions may run before
 * ops->quantum_end. Hart thread, or before tcg_hart_run. */
void tcg_hart_set_budget(TcgHart *hart, guint64 budget);
/* Instructions retired so far (every instruction of every block entered;
 * not minstret, which the guest may write). Hart thread. */
guint64 tcg_hart_retired(const TcgHart *hart);
/* The guest pc of the instruction whose load, store or AMO is being served:
 * meaningful inside a TcgNodeOps data-access callback on the hart's thread
 * (the JIT stores it before every slow path), stale for instruction fetch. */
guint64 tcg_hart_insn_pc(const TcgHart *hart);
/* The privilege the hart runs in (0 U, 1 S, 3 M), same thread rules. */
guint tcg_hart_priv(const TcgHart *hart);

/* Thread-safe: makes tcg_hart_run return at the next block boundary (or
 * wakes it from WFI). */
void tcg_hart_stop(TcgHart *hart);

/* Thread-safe: raise or lower interrupt bit @irq (TCG_IRQ_*) of mip and
 * kick the hart so it notices between blocks or wakes from WFI. */
void tcg_hart_set_irq(TcgHart *hart, unsigned irq, gboolean level);
/* Thread-safe: the level interrupt bit @irq was last set to. */
gboolean tcg_hart_irq_level(const TcgHart *hart, unsigned irq);

/* Safe work (QEMU's async_safe_run_on_cpu, synchronous here): runs
 * @fn(hart, @data) for each of @n_harts harts at a point where that hart
 * holds no TLB entry or TB pointer in use: either on the hart thread
 * between blocks, or on the calling thread right away if the hart is
 * blocked in a TcgNodeOps callback or in WFI (the hart cannot leave that
 * state until @fn returns). Queued on all of them before waiting, so they
 * do it in parallel; returns when every one has. Waiting costs no system
 * call when all were done (or at safe points) already. Callable from any
 * thread; from a hart thread, that hart must be one of @harts (its item
 * runs at once). Must not be called while holding a lock that the harts'
 * callbacks take. */
typedef void (*TcgSafeFunc)(TcgHart *hart, gpointer data);
void tcg_harts_run_safe(TcgHart *const *harts, guint n_harts, TcgSafeFunc fn, gpointer data);

/* An exclusive section (QEMU's start/end_exclusive), for the rare operation
 * that needs every hart of @harts stopped at once: each parks at a safe
 * point (one blocked in a callback or WFI stays there), then @fn(@data) runs
 * on the calling thread, then they go on. One section at a time per
 * process. @fn must not wait for the node: the node may be waiting for the
 * caller. Callable from any thread, including a hart of @harts (between
 * blocks or inside a TcgNodeOps callback). */
typedef void (*TcgExclusiveFunc)(gpointer data);
void tcg_exclusive_run(TcgHart *const *harts, guint n_harts, TcgExclusiveFunc fn, gpointer data);

/* Only inside a TcgSafeFunc: forget every TLB entry for the page holding
 * @paddr (its mapping changed, e.g. Modified -> Shared or lost), and with
 * @drop_code also every translation made from it. */
void tcg_hart_flush_page(TcgHart *hart, guint64 paddr, gboolean drop_code);

/* ---- The debugger's hold on a hart (debug.c, cpu-exec.c) ----
 * A stopped hart waits between two instructions, at a safe point (its node
 * can still take pages from it), until the debugger lets it run or step.
 * Everything here is thread-safe unless it says "job". */
typedef enum {
    TCG_DEBUG_RUN,
    TCG_DEBUG_STEP, /* one instruction (or one trap), interrupts held off, then stop */
    TCG_DEBUG_STOP,
} TcgDebugAction;
typedef enum {
    TCG_DEBUG_HALTED,     /* it was asked to stop (or just stepped: see STEPPED) */
    TCG_DEBUG_BREAKPOINT, /* it reached a breakpoint's pc (before running it) */
    TCG_DEBUG_STEPPED,    /* it ran the instruction it was let run */
    TCG_DEBUG_WATCHPOINT, /* the instruction it ran touched a watched range */
} TcgDebugStop;
/* A watched range of virtual addresses; @kind as gdb's Z packets. */
typedef enum { TCG_WATCH_WRITE = 2, TCG_WATCH_READ = 3, TCG_WATCH_ACCESS = 4 } TcgWatchKind;
typedef struct {
    guint64 addr, len;
    TcgWatchKind kind;
} TcgWatch;
/* Stop at the next instruction boundary (a hart in WFI returns from it). */
void tcg_hart_debug_halt(TcgHart *hart);
/* What the stopped hart does next. */
void tcg_hart_debug_resume(TcgHart *hart, TcgDebugAction action);
/* Whether it waits, stopped, between instructions now. */
gboolean tcg_hart_debug_stopped(TcgHart *hart);
/* The virtual pcs it stops at (copied); they take effect, and every
 * translation goes, when it next runs. */
void tcg_hart_debug_set_breakpoints(TcgHart *hart, const guint64 *pcs, guint n);
/* The same for watchpoints: accesses to their pages take the slow path;
 * one that touches a watched range stops the hart after its instruction. */
void tcg_hart_debug_set_watchpoints(TcgHart *hart, const TcgWatch *watches, guint n);
/* Inside ops->debug_stopped for TCG_DEBUG_WATCHPOINT: which one. */
TcgWatch tcg_hart_debug_watch_hit(const TcgHart *hart);
/* Drop every translation before running again (the debugger wrote memory). */
void tcg_hart_debug_drop_code(TcgHart *hart);
/* A job runs @fn(hart, @data) on the hart's thread while it is stopped (at
 * once if it is, else once it stops). */
typedef void (*TcgDebugJobFn)(TcgHart *hart, gpointer data);
void tcg_hart_debug_run(TcgHart *hart, TcgDebugJobFn fn, gpointer data);
/* Job only: register @regno in gdb's RISC-V numbering (x0-x31 0-31, pc 32,
 * f0-f31 33-64, CSR c at 65 + c, the privilege 4161). FALSE: no such
 * register, or a value it cannot take. */
#define TCG_DEBUG_REG_PC 32
#define TCG_DEBUG_REG_F0 33
#define TCG_DEBUG_REG_CSR0 65
#define TCG_DEBUG_REG_PRIV 4161
gboolean tcg_debug_read_reg(TcgHart *hart, guint regno, guint64 *value);
gboolean tcg_debug_write_reg(TcgHart *hart, guint regno, guint64 value);
/* Job only: @len bytes at virtual @addr as the hart sees it (its privilege
 * and page tables, no A/D updates, no permission checks), read into or
 * written from @buf through the node (RAM only: FALSE on a device, an
 * unmapped page or a node stopping). A write drops this hart's
 * translations of the page; the node drops the other harts' (above). */
gboolean tcg_debug_access_mem(TcgHart *hart, guint64 addr, guint8 *buf, gsize len,
                              gboolean write);

/* Counters for logs and benchmarks (read racily from any thread). */
typedef struct {
    guint64 blocks_translated;
    guint64 insns_translated;
    guint64 blocks_executed; /* entries from the exec loop (chained jumps not counted) */
    guint64 code_bytes;      /* host code generated (JIT) */
    guint64 translate_ns;    /* time translating and compiling, not waiting for pages */
    guint64 buffer_flushes;  /* code buffer full: started over (JIT) */
    guint64 blocks_invalidated; /* dropped because their page changed or was lost */
    guint64 pauses;          /* Zihintpause: spins that gave the host core up */
    guint64 pin_moves;       /* JIT: pins moved to other guest registers (pin-profile.c) */
} TcgHartStats;
void tcg_hart_get_stats(TcgHart *hart, TcgHartStats *out);

G_END_DECLS

#endif /* SHOAL_TCG_H */
