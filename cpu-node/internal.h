/* SPDX-License-Identifier: MIT */
/* The cpu-node process: hart threads running tcg/, the node page cache, the
 * agent thread that receives everything the memory server sends the node,
 * and the CLINT registers local to the node's harts.
 *
 *   hart thread --request, its own connection-----------------> server
 *   hart thread <--its own connection-------------------------- page grant, pure read
 *   hart thread <--TcgEvent---- agent <--main connection------- MMIO response
 *   agent: Invalidate/Recall -> tcg_harts_run_safe on the harts that mapped the
 *          page (once the grants it follows are installed) -> ack
 */
#ifndef SHOAL_NODE_INTERNAL_H
#define SHOAL_NODE_INTERNAL_H

#include <glib.h>
#include <pthread.h>

#include "config/cfg.h"
#include "cpu-node/clint.h"
#include "cpu-node/lease.h"
#include "cpu-node/quantum.h"
#include "interconnect/ic.h"
#include "tcg/event.h"
#include "tcg/tcg.h"

/* ---- page-cache.c: frames of memory pages this node holds ---- */
typedef enum {
    NODE_PAGE_INVALID,
    NODE_PAGE_SHARED,
    NODE_PAGE_MODIFIED,
} NodePageState;

typedef struct NodePageCache NodePageCache;
typedef struct {
    guint8 *host;        /* 4 KiB, never freed while the cache lives */
    NodePageState state; /* (atomic) lowered by the agent only; raised by an install */
    gint64 granted_us;   /* (atomic) when the last grant was installed (monotonic) */
    guint32 grants;      /* (atomic) grants of the page installed so far: an Invalidate
                          * or Recall waits until it reaches the count the server sent
                          * with it (proto/shoal.proto, reply_here) */
    guint64 mapped_by;   /* (atomic) bit per hart (index in the node; bit 63: 63 and
                          * up) that mapped the page since it was last invalidated: only
                          * they can hold TLB entries or translations of it */
    guint32 given_up;    /* (atomic) bumped by the agent once its ack read the page; an
                          * install acquires it. The page can only come back after the
                          * server had that ack, an order that runs through another
                          * process, which ThreadSanitizer cannot see: this shows it. */
} NodeFrame;

/* A cache for the memory @regions (the machine's; only base and size are
 * kept). Reserves host address space for all of them at once. */
NodePageCache *node_page_cache_new(const CfgMemory *regions, guint n_regions);
/* Where the frame of guest address @paddr is or will be: one constant
 * apart for every region (the translator's TcgHartConfig.ram_host). */
guint8 *node_page_cache_host(NodePageCache *c, guint64 paddr);
/* The guest address whose frame byte @host is (the inverse). */
guint64 node_page_cache_addr(NodePageCache *c, const void *host);
void node_page_cache_free(NodePageCache *cache);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NodePageCache, node_page_cache_free)
/* The frame of @page, created Invalid on first use (any thread). */
NodeFrame *node_page_cache_frame(NodePageCache *cache, guint64 page);
/* Whether @page is a page of memory (any region). */
gboolean node_page_cache_has(NodePageCache *cache, guint64 page);
/* The frame of @page if it exists, else NULL (any thread). */
NodeFrame *node_page_cache_lookup(NodePageCache *cache, guint64 page);
/* The pages the node holds Modified (guint64 addresses; a snapshot). */
GArray *node_page_cache_modified(NodePageCache *cache);
/* Every frame Invalid, unmapped, its grants uncounted: the machine was
 * reset and the server forgot who held what (agent thread, every hart
 * stopped with its TLB empty). */
void node_page_cache_forget(NodePageCache *cache);
/* Installs a grant of @f's page in @state with the server's @data (4 KiB),
 * counting it in f->grants (the hart that asked, or the agent for a
 * prefetch; any thread). */
void node_page_cache_install(NodePageCache *cache, NodeFrame *f, NodePageState state,
                             const guint8 *data);

/* ---- agent.c: requests from harts, coherence, timers ---- */
typedef enum {
    NODE_REQ_GET_S,
    NODE_REQ_GET_M,
    NODE_REQ_UPGRADE,
    NODE_REQ_MMIO,
    NODE_REQ_GUEST_EXIT, /* no reply: the server ends the machine */
    NODE_REQ_IRQ,        /* no reply: IrqLine to another node's hart */
    NODE_REQ_MMIO_POSTED, /* no reply: a write ic_region_write_posted allows */
    NODE_REQ_MMIO_HERE,  /* a read ic_region_read_pure allows: answered on the hart's channel */
    NODE_REQ_QUANTUM_DONE, /* no reply: the hart reached the end of quantum @value */
    NODE_REQ_IO_FENCE,   /* answered on the hart's channel once its posted writes are done */
} NodeReqKind;

typedef struct {
    NodeReqKind kind;
    guint64 addr;      /* page, MMIO address */
    guint size;        /* MMIO */
    gboolean is_write; /* MMIO */
    guint64 value;     /* MMIO write data / read result; exit code; irq level */
    guint hart;        /* the asking hart; IRQ: the target hart */
    guint line;        /* IRQ: mip bit */
    guint64 guest_ns;  /* MMIO, deterministic time: the hart's guest time */
    gboolean idle;     /* QUANTUM_DONE: in WFI with nothing pending */
    guint64 wake_ns;   /* QUANTUM_DONE, idle: when its timer fires (0 never) */
    const TcgRemoteAccess *access; /* GET_S/GET_M: the access it is for, which the
                                    * server may have the owner make (forwarding) */
    gboolean forwarded; /* result: the owner made `access`, `value` its value */
    gboolean ok;       /* result: FALSE = access fault or the node is stopping */
    guint64 txid;      /* request.c's */
    gint64 sent_us;    /* monotonic time it was sent */
    TcgEvent done;    /* set by the agent when the reply was handled */
} NodeRequest;

typedef struct Node Node;
typedef struct NodeHart NodeHart;

#define NODE_MAILBOX_BITS 6 /* a table of 64 lines: a firmware has a handful */
#define NODE_MAILBOXES (1u << NODE_MAILBOX_BITS)
#define NODE_MAILBOX_BYTES 256 /* a mailbox: an AMO's word and what sits near it */
#define NODE_MAILBOX_LOADS 4   /* more loads in a row there: a wait loop (see may_forward) */

/* ---- stats.c: what coherence cost (shoal run --stats) ---- */
typedef enum {
    NODE_PUSH_PREFETCH,
    NODE_PUSH_INVALIDATE,
    NODE_PUSH_RECALL_DOWNGRADE,
    NODE_PUSH_RECALL_INVALIDATE,
    NODE_PUSH_ACCESS_AT, /* accesses made here for another node (forwarding) */
    NODE_PUSH_FORWARDED, /* (not pushed) accesses of ours another node made */
    NODE_PUSH_COUNT,
} NodeStatsPush;

typedef struct {
    guint64 requests[NODE_REQ_MMIO + 1]; /* (atomic) page requests by NodeReqKind; MMIO:
                                          * every device access sent to the server */
    guint64 pushed[NODE_PUSH_COUNT];     /* (atomic) what the server sent unasked */
    guint64 latency_log2_us[24];         /* (atomic) page requests by log2 of us */
    guint64 latency_total_us;            /* (atomic) */
    guint64 quanta_used, quanta_idle;    /* (atomic) deterministic time: quantum ends by
                                          * a spent budget, by WFI */
    guint64 barrier_wait_us;             /* (atomic) harts' time waiting for QuantumGo */
    guint64 flushes, flush_harts;        /* (atomic) pages given up with harts to flush, and
                                          * the harts flushed for them */
    guint64 flush_wait_us, flush_max_us; /* (atomic) the agent's wait for those harts */
    pthread_mutex_t sites_lock;          /* guards sites */
    GHashTable *sites;                   /* NodeSiteKey -> NodeSite: where the guest was when
                                          * it had to ask for a page; NULL without --stats */
} NodeStats;

/* A hart's request of @kind took @elapsed_us until answered (hart thread). */
void node_stats_request(NodeStats *stats, NodeReqKind kind, gint64 elapsed_us);
/* With @sites (--stats), node_stats_site keeps a profile of the guest
 * instructions whose accesses had to ask for a page. */
void node_stats_init(NodeStats *stats, gboolean sites);
void node_stats_destroy(NodeStats *stats);
/* A page request of @kind for the access at @paddr by the instruction at
 * guest @pc, run in privilege @priv, waited @elapsed_us. Any hart thread;
 * takes sites_lock (only after a page request, which costs far more). */
void node_stats_site(NodeStats *stats, guint priv, guint64 pc, guint64 paddr, NodeReqKind kind,
                     gint64 elapsed_us);
/* A hart waited @waited_us at a quantum's end (hart thread). */
void node_stats_quantum(NodeStats *stats, gboolean idle, gint64 waited_us);
/* The agent waited @waited_us for @n_harts harts to flush a page. */
void node_stats_flush(NodeStats *stats, guint n_harts, gint64 waited_us);
/* The server pushed @what (agent thread). */
void node_stats_pushed(NodeStats *stats, NodeStatsPush what);
/* One line on stderr, two in deterministic time; harts must have stopped. */
void node_stats_print(NodeStats *stats, guint node_index, TcgHart *const *harts,
                      guint n_harts, gboolean deterministic);

/* ---- request.c: harts' requests on their own connections ---- */
#define NODE_REPLY_TIMEOUT_US (60 * G_USEC_PER_SEC) /* the server is gone after this */
/* Sends @req from hart @hart_id (its thread) on the hart's own connection
 * and, unless it needs no reply, blocks until the reply was handled: by the
 * hart itself when it comes back on that connection (page requests and
 * NODE_REQ_MMIO_HERE), by the agent otherwise. req->ok tells how it went. */
void node_submit(Node *node, guint hart_id, NodeRequest *req);
/* The request waiting for the reply @txid, taken out; NULL if none. */
NodeRequest *node_take_pending(Node *node, guint64 txid);
/* Installs @grant in the node's page cache, and kicks the agent if it waits
 * for an install (the asking hart, or the agent for a prefetch). FALSE: not
 * a page of the node's RAM, ignored. */
gboolean node_page_install(Node *node, const Shoal__V1__PageGrant *grant);
/* Fails every waiting request and refuses new ones: the machine is over. */
void node_fail_pending(Node *node);
/* Whether a request waits for its reply longer than @timeout_us. */
gboolean node_pending_overdue(Node *node, gint64 timeout_us);
/* Whether the machine is ending: no request is sent any more. */
gboolean node_stopping(Node *node);
/* The agent's thread body. Returns when the machine ended. */
gpointer node_agent_thread(gpointer node);
/* Wakes the agent to recompute its timer deadline (any thread). */
void node_agent_kick(Node *node);

/* Runs node @index of @machine until the machine ends; the exit code. */
int node_run(const CfgMachine *machine, const char *run_dir, guint index, gboolean paused);

/* ---- node.c: the process ---- */
struct NodeHart {
    Node *node;             /* the node it belongs to */
    TcgHart *tcg;           /* owned */
    GThread *thread;        /* runs tcg_hart_run */
    guint id;               /* mhartid */
    IcClient *requests;     /* its own connection: its thread sends requests on it */
    guint posted_unfenced;  /* posted writes sent since its last answered request: its
                             * thread's only (node.c, io_fence) */
    guint64 forwarded_line; /* the mailbox line of its last forwarded access, and the */
    guint forwarded_loads;  /* loads forwarded there since an AMO: its thread's only
                             * (node.c, access_remote) */
};

struct Node {
    const CfgMachine *machine;
    const CfgNode *config;    /* this node's [node.N] */
    IcAddrMap *map;
    IcClient *client;         /* main connection: the agent thread only, after startup */
    GBytes *token;            /* its HelloAck's node_token: the request channels show it */
    IcEnvelope *restore_ack;  /* its HelloAck when it carries a snapshot's state (startup) */
    gboolean restored;        /* the harts start from a snapshot's state */
    IcWaker *waker;           /* wakes the agent */
    NodePageCache *cache;
    NodeHart *harts;          /* config->n_harts */
    TcgHart **tcgs;           /* config->n_harts: harts[i].tcg */
    NodeStats stats;          /* --stats (SHOAL_STATS) */
    TcgNodeOps ops;           /* what its harts call (node.c): set before they start */
    guint64 mailboxes[NODE_MAILBOXES]; /* (atomic) pages a firmware AMO of ours went to
                                        * while another node held them: their loads are
                                        * forwarded too (node.c, access_remote) */
    NodeClint *clint;         /* msip, mtimecmp, mtime of our harts (clint.h) */
    NodeLeases *leases;       /* our harts' LR leases (lease.h) */
    guint64 boot_pc, a1;
    gboolean has_tohost;
    guint64 tohost;
    guint64 epoch_ns;         /* CLOCK_MONOTONIC ns when mtime was 0 */
    guint64 timebase_hz;
    pthread_mutex_t pending_lock; /* guards pending, stopping (pthread, not GMutex: GLib's
                                   * futex mutex is invisible to ThreadSanitizer) */
    GHashTable *pending;      /* txid -> NodeRequest * waiting for its reply */
    gint installs_awaited;    /* (atomic) Invalidates/Recalls the agent holds until a hart
                               * installs a grant: the hart kicks it after installing */
    gboolean stopping;        /* under pending_lock: no new requests are sent */
    guint64 next_txid;        /* (atomic) last txid a hart used */
    struct {
        guint64 addr;
        gint value;           /* (atomic) the register's value and the server's notes
                               * above it (low 16 bits), -1 = read it the slow way */
    } mirrors[4];             /* mirror.c: device registers the server mirrors here */
    guint n_mirrors;          /* (atomic) entries in use */
    pthread_mutex_t mirror_lock;   /* with mirror_changed: harts wait for a copy's bit */
    pthread_cond_t mirror_changed; /* (CLOCK_MONOTONIC) broadcast when a copy changes */
    NodeQuantum *quantum;     /* deterministic time ([sysc] time-mode; quantum.h) */
    pthread_mutex_t debug_lock; /* guards debug_halts (debug.c) */
    GArray *debug_halts;      /* txids of DebugHalts not answered yet: some hart still runs */
    gint debug_code_written;  /* (atomic) the debugger wrote memory since the last resume */
    gboolean reset_stopping;  /* under debug_lock: a machine reset stops the harts (reset.c) */
    gboolean reset_jobs_posted; /* under debug_lock: each stopped hart was told to power on */
    gint reset_harts_left;    /* (atomic) harts not back in their power-on state yet */
    int exit_code;            /* set by the agent before it returns */
};

/* The bit of hart @hart_id (one of ours) in NodeFrame.mapped_by. */
guint64 node_hart_bit(const Node *node, guint hart_id);

/* Gets the page holding @addr into a state that allows @access, asking the
 * server if the node lacks it (hart thread, blocks; @addr itself goes into
 * the --stats site profile). FALSE: the node is stopping. */
gboolean node_page_acquire(Node *node, guint hart_id, guint64 addr, TcgAccess access);

/* ---- mirror.c: copies of device status registers ---- */
/* The lock and condition the waits of node_mirror_wait_bit use. */
void node_mirror_init(Node *node);
void node_mirror_clear(Node *node);
/* The server says the register at @addr reads @value, or (!@valid) that it
 * must be read the slow way (agent thread). */
void node_mirror_set(Node *node, guint64 addr, guint32 value, gboolean valid);
/* The copy of the register at @addr, if there is a valid one (any thread). */
gboolean node_mirror_read(Node *node, guint64 addr, guint64 *value);
/* Waits until the copy of @addr has @bit set (or there is no valid copy, or
 * the node is stopping). */
void node_mirror_wait_bit(Node *node, guint64 addr, guint32 bit);

/* ---- debug.c: the debugger's messages, on the agent's thread ---- */
/* Sends @env on @client (the calling thread's connection: the agent's main
 * one, or a hart's channel); a failure is a warning unless the node is
 * stopping, when the server may be gone already. */
void node_send_on(Node *node, IcClient *client, IcEnvelope *env);
/* With @paused, every hart starts stopped (before its thread runs). */
void node_debug_init(Node *node, gboolean paused);
void node_debug_clear(Node *node);
void node_debug_halt(Node *node, guint64 txid);
void node_debug_resume(Node *node, const Shoal__V1__DebugResume *resume);
void node_debug_breakpoints(Node *node, const Shoal__V1__DebugBreakpoints *breakpoints);
void node_debug_access(Node *node, guint64 txid, const Shoal__V1__DebugAccess *access);
/* TcgNodeOps.debug_stopped: hart @hart_id's thread. */
void node_debug_stopped(Node *node, guint hart_id, TcgDebugStop why);
/* Stops every hart as DebugHalt does, for a machine reset (no answer). */
void node_debug_stop_all(Node *node, gboolean for_reset);

/* ---- reset.c: a machine reset (MachineReset), on the agent's thread ---- */
void node_reset(Node *node, Shoal__V1__ResetPhase phase);
/* debug_lock held, every hart stopped: with a reset under way, each goes
 * back to its power-on state (and the last answers STOPPED). */
void node_reset_all_stopped_locked(Node *node);

/* ---- snapshot.c: saving and restoring the node's part of a machine ---- */
/* SnapshotDump (agent thread, every hart held): the node's Modified pages,
 * then its NodeState, on the main connection. */
void node_snapshot_dump(Node *node);
/* HelloAck.restore, before any hart runs: FALSE + error on a state that
 * does not fit the node. */
gboolean node_snapshot_restore(Node *node, const Shoal__V1__NodeState *state, GError **error);

/* The hart of @hart_id in this node, or NULL. */
NodeHart *node_hart(Node *node, guint hart_id);
/* Tells every hart to stop (any thread). */
void node_stop_harts(Node *node);

#endif /* SHOAL_NODE_INTERNAL_H */
