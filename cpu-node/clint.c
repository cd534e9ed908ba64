/* SPDX-License-Identifier: MIT */
/* The CLINT as each node sees it: msip and mtimecmp of its own harts live
 * here, msip of another node's hart becomes an IrqLine message, and mtime is
 * the machine time base (host CLOCK_MONOTONIC scaled to timebase_hz since
 * the memory server's epoch). The agent's poll timeout fires the timers.
 * In deterministic time (quantum.c) mtime is each hart's own count of
 * instructions, a hart checks its timer when a quantum begins, and an IPI
 * from another hart waits for that too.
 * One time base for the machine: every node reads the same clock and
 * subtracts the same epoch (HelloAck.time_epoch_ns), so mtime agrees across
 * processes of one host. CLOCK_MONOTONIC has a per-host origin: a node on
 * another host (tcp:// endpoints) would need the offset to the server's
 * clock measured at Hello; until then mtime there is only as good as that
 * host's clock happens to match. */
#include <time.h>

#include "cpu-node/internal.h"

#define MSIP_BASE 0x0000
#define MTIMECMP_BASE 0x4000
#define MTIME_OFF 0xbff8

static guint64 ns_to_ticks(const Node *node, guint64 ns)
{
    return (guint64)((unsigned __int128)ns * node->timebase_hz / 1000000000u);
}

guint64 node_clint_mtime(Node *node, guint hart_id)
{
    if (node->machine->deterministic) {
        NodeHart *h = node_hart(node, hart_id);
        g_assert(h != NULL);
        return ns_to_ticks(node, node_quantum_hart_ns(h));
    }
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    guint64 now = (guint64)ts.tv_sec * G_GUINT64_CONSTANT(1000000000) + (guint64)ts.tv_nsec;
    return ns_to_ticks(node, now > node->epoch_ns ? now - node->epoch_ns : 0);
}

/* Which register @off names: *hart (absolute id) and *kind. */
typedef enum { REG_NONE, REG_MSIP, REG_MTIMECMP, REG_MTIME } Reg;

static Reg decode(guint64 off, guint size, guint *hart, guint64 *sub)
{
    *sub = 0;
    if (off < MTIMECMP_BASE) {
        if (size != 4)
            return REG_NONE;
        *hart = (guint)(off / 4);
        return *hart < IC_MAX_HARTS ? REG_MSIP : REG_NONE;
    }
    if (off >= MTIMECMP_BASE && off < MTIME_OFF) {
        *hart = (guint)((off - MTIMECMP_BASE) / 8);
        *sub = (off - MTIMECMP_BASE) % 8; /* 0 or 4 for 32-bit halves */
        return *hart < IC_MAX_HARTS ? REG_MTIMECMP : REG_NONE;
    }
    if (off == MTIME_OFF || (off == MTIME_OFF + 4 && size == 4)) {
        *sub = off - MTIME_OFF;
        return REG_MTIME;
    }
    return REG_NONE;
}

static guint64 part(guint64 v, guint64 sub, guint size)
{
    v >>= 8 * sub;
    return size == 8 ? v : v & 0xffffffffu;
}

gboolean node_clint_read(Node *node, guint hart_id, guint64 off, guint size, guint64 *value)
{
    guint hart;
    guint64 sub;
    if (size != 4 && size != 8)
        return FALSE;
    switch (decode(off, size, &hart, &sub)) {
    case REG_MSIP: {
        /* The hart's software interrupt line. Our harts only: another
         * node's msip reads 0 from here (a read would be a message). */
        NodeHart *h = node_hart(node, hart);
        *value = h ? tcg_hart_irq_level(h->tcg, TCG_IRQ_MSIP) : 0;
        return TRUE;
    }
    case REG_MTIMECMP: {
        NodeHart *h = node_hart(node, hart);
        *value = h ? part(__atomic_load_n(&h->mtimecmp, __ATOMIC_RELAXED), sub, size) : 0;
        return TRUE;
    }
    case REG_MTIME:
        *value = part(node_clint_mtime(node, hart_id), sub, size);
        return TRUE;
    case REG_NONE:
        break;
    }
    return FALSE;
}

/* Compares and sets the line under the hart's timer lock: unlocked, the
 * agent could compare with the old mtimecmp, the hart store a new one and
 * lower the line, and the agent's raise land after the hart's lower (or
 * the other way round), leaving mtip and the line apart: then the timer
 * never fires again and a hart sleeping in WFI for it sleeps for ever. */
static void update_mtip_locked(NodeHart *h, guint64 now)
{
    gint due = now >= __atomic_load_n(&h->mtimecmp, __ATOMIC_RELAXED);
    if (h->mtip != due) {
        h->mtip = due;
        tcg_hart_set_irq(h->tcg, TCG_IRQ_MTIP, due);
    }
}

static void update_mtip(NodeHart *h, guint64 now)
{
    pthread_mutex_lock(&h->timer_lock);
    update_mtip_locked(h, now);
    pthread_mutex_unlock(&h->timer_lock);
}

gboolean node_clint_write(Node *node, guint hart_id, guint64 off, guint size, guint64 value)
{
    guint hart;
    guint64 sub;
    if (size != 4 && size != 8)
        return FALSE;
    switch (decode(off, size, &hart, &sub)) {
    case REG_MSIP: {
        NodeHart *h = node_hart(node, hart);
        if (h && node->machine->deterministic && hart != hart_id) {
            node_quantum_post_ipi(node, h, node_hart(node, hart_id), value & 1);
        } else if (h) {
            tcg_hart_set_irq(h->tcg, TCG_IRQ_MSIP, value & 1);
        } else if (hart < node->machine->n_harts) {
            NodeRequest req = { .kind = NODE_REQ_IRQ, .hart = hart, .line = TCG_IRQ_MSIP,
                                .value = value & 1 };
            node_submit(node, hart_id, &req);
        }
        return TRUE;
    }
    case REG_MTIMECMP: {
        NodeHart *h = node_hart(node, hart);
        if (!h) /* another node's timer is not reachable from here */
            return hart < node->machine->n_harts;
        pthread_mutex_lock(&h->timer_lock);
        guint64 old = __atomic_load_n(&h->mtimecmp, __ATOMIC_RELAXED), v;
        if (size == 8)
            v = value;
        else if (sub == 0)
            v = (old & ~G_GUINT64_CONSTANT(0xffffffff)) | (value & 0xffffffffu);
        else
            v = (old & 0xffffffffu) | (value << 32);
        __atomic_store_n(&h->mtimecmp, v, __ATOMIC_RELAXED);
        /* Another hart's timer, in deterministic time: by the writer's
         * clock (harts on one node differ by less than a quantum). */
        update_mtip_locked(h, node_clint_mtime(node, hart_id));
        pthread_mutex_unlock(&h->timer_lock);
        node_agent_kick(node); /* the deadline moved */
        return TRUE;
    }
    case REG_MTIME:
        return TRUE; /* the machine time base is not writable from a hart */
    case REG_NONE:
        break;
    }
    return FALSE;
}

void node_clint_update_timer(Node *node, NodeHart *h)
{
    update_mtip(h, node_clint_mtime(node, h->id));
}

int node_clint_fire_timers(Node *node, int max_ms)
{
    /* Deterministic time moves with the harts: each looks at its own timer
     * when a quantum begins (node_clint_update_timer). */
    if (node->machine->deterministic)
        return max_ms;
    guint64 now = node_clint_mtime(node, 0);
    guint64 next = G_MAXUINT64;
    for (guint i = 0; i < node->config->n_harts; i++) {
        NodeHart *h = &node->harts[i];
        update_mtip(h, now);
        guint64 cmp = __atomic_load_n(&h->mtimecmp, __ATOMIC_RELAXED);
        if (cmp > now)
            next = MIN(next, cmp - now);
    }
    if (next == G_MAXUINT64)
        return max_ms;
    guint64 ms = (guint64)((unsigned __int128)next * 1000 / node->timebase_hz) + 1;
    return (int)MIN(ms, (guint64)max_ms);
}

void node_clint_irq(Node *node, guint hart_id, guint line, gboolean level)
{
    NodeHart *h = node_hart(node, hart_id);
    if (!h) {
        g_warning("interrupt line %u for hart %u, which is not in this node", line, hart_id);
        return;
    }
    if (node->machine->deterministic && line == TCG_IRQ_MSIP)
        node_quantum_post_ipi(node, h, NULL, level);
    else
        tcg_hart_set_irq(h->tcg, line, level);
}
