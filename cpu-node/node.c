/* SPDX-License-Identifier: MIT */
/* The cpu-node process: says Hello, starts one thread per hart and the
 * agent, and implements TcgNodeOps: RAM through the page cache (a hart asks
 * the server for a page it lacks on its own connection, request.c), the
 * CLINT locally, other devices by MMIO messages, and the tohost watch. */
#include <string.h>

#include "cpu-node/internal.h"

#define HELLO_TIMEOUT_MS 30000

NodeHart *node_hart(Node *node, guint hart_id)
{
    guint first = node->config->first_hart;
    if (hart_id < first || hart_id - first >= node->config->n_harts)
        return NULL;
    return &node->harts[hart_id - first];
}

void node_stop_harts(Node *node)
{
    node_quantum_stop(node->quantum);
    for (guint i = 0; i < node->config->n_harts; i++)
        tcg_hart_stop(node->harts[i].tcg);
}

/* ---- TcgNodeOps ---- */

static gboolean state_allows(NodePageState st, TcgAccess access)
{
    return access == TCG_ACCESS_WRITE ? st == NODE_PAGE_MODIFIED : st != NODE_PAGE_INVALID;
}

guint64 node_hart_bit(const Node *node, guint hart_id)
{
    return G_GUINT64_CONSTANT(1) << MIN(hart_id - node->config->first_hart, 63u);
}

gboolean node_page_acquire(Node *node, guint hart_id, guint64 addr, TcgAccess access)
{
    guint64 page = addr & TCG_PAGE_MASK;
    NodeFrame *f = node_page_cache_frame(node->cache, page);
    for (;;) {
        NodePageState st = __atomic_load_n(&f->state, __ATOMIC_ACQUIRE);
        if (state_allows(st, access))
            return TRUE;
        NodeRequest req = { .addr = page, .hart = hart_id };
        if (access != TCG_ACCESS_WRITE)
            req.kind = NODE_REQ_GET_S;
        else
            req.kind = st == NODE_PAGE_SHARED ? NODE_REQ_UPGRADE : NODE_REQ_GET_M;
        gint64 t0 = g_get_monotonic_time();
        node_submit(node, hart_id, &req);
        gint64 waited = g_get_monotonic_time() - t0;
        node_stats_request(&node->stats, req.kind, waited);
        if (node->stats.sites && access != TCG_ACCESS_EXEC) {
            const TcgHart *tcg = node_hart(node, hart_id)->tcg;
            node_stats_site(&node->stats, tcg_hart_priv(tcg), tcg_hart_insn_pc(tcg), addr,
                            req.kind, waited);
        }
        if (!req.ok)
            return FALSE;
        /* Look again: the page may already have been taken back. */
    }
}

/* Whether @h may ask for @access to be made at the page's owner (not
 * @page_here): an AMO always (it makes its line a mailbox); a load only in
 * a mailbox line, and not many in a row there, for a loop that waits on
 * the line (a ticket lock's owner field) should spin on a copy of its own,
 * not on messages. */
static gboolean may_forward(Node *node, NodeHart *h, const TcgRemoteAccess *access,
                            gboolean page_here)
{
    guint64 line = access->paddr & ~(guint64)(NODE_MAILBOX_BYTES - 1);
    /* Hashed: the firmware's per-hart pages sit a power of two apart. */
    guint64 *slot =
        &node->mailboxes[((line / NODE_MAILBOX_BYTES) * G_GUINT64_CONSTANT(0x9e3779b97f4a7c15)) >>
                         (64 - NODE_MAILBOX_BITS)];
    gboolean load = access->op == TCG_REMOTE_LOAD;
    if (!load)
        __atomic_store_n(slot, line | 1, __ATOMIC_RELAXED);
    guint loads = h->forwarded_line == line ? h->forwarded_loads : 0;
    if (page_here || (load && (__atomic_load_n(slot, __ATOMIC_RELAXED) != (line | 1) ||
                               loads >= NODE_MAILBOX_LOADS)))
        return FALSE;
    h->forwarded_line = line;
    h->forwarded_loads = load ? loads + 1 : 0;
    return TRUE;
}

/* A firmware load or AMO to a page another node holds Modified (the only
 * case the server forwards; any other answer is a grant, and the hart maps
 * the page as usual). The firmware's per-hart pages are mailboxes: the
 * sender's accesses made where the page is leave it with the hart whose
 * trap entry uses it next ([cpu] forward = m-mode; docs/coherence.md §2.7
 * says why it is off by default). A line becomes a mailbox by an AMO: only
 * then are its loads forwarded too, for a load made at the owner leaves no
 * copy here, and the firmware's data pages (read often, written now and
 * then) are better read from one. */
static gboolean access_remote(gpointer opaque, guint hart_id, const TcgRemoteAccess *access,
                              guint64 *value)
{
    Node *node = opaque;
    if (access->priv != 3 /* M */)
        return FALSE;
    const IcRegion *r = ic_addr_map_lookup(node->map, access->paddr);
    guint64 page = access->paddr & TCG_PAGE_MASK;
    if (!r || r->owner != IC_OWNER_RAM || r->memory->kind == CFG_MEMORY_ROM ||
        (node->has_tohost && page == (node->tohost & TCG_PAGE_MASK)))
        return FALSE; /* a rom is never Modified anywhere: nothing to forward */
    NodeFrame *f = node_page_cache_frame(node->cache, page);
    /* A page held here in any state is not Modified elsewhere: no asking. */
    gboolean here = __atomic_load_n(&f->state, __ATOMIC_ACQUIRE) != NODE_PAGE_INVALID;
    if (!may_forward(node, node_hart(node, hart_id), access, here))
        return FALSE;
    NodeRequest req = { .kind = access->op == TCG_REMOTE_LOAD ? NODE_REQ_GET_S : NODE_REQ_GET_M,
                        .addr = page, .hart = hart_id, .access = access };
    gint64 t0 = g_get_monotonic_time();
    node_submit(node, hart_id, &req);
    gint64 waited = g_get_monotonic_time() - t0;
    node_stats_request(&node->stats, req.kind, waited);
    if (node->stats.sites) {
        const TcgHart *tcg = node_hart(node, hart_id)->tcg;
        node_stats_site(&node->stats, tcg_hart_priv(tcg), tcg_hart_insn_pc(tcg), access->paddr,
                        req.kind, waited);
    }
    if (req.forwarded)
        node_stats_pushed(&node->stats, NODE_PUSH_FORWARDED);
    *value = req.value;
    /* A grant was installed: page_map finds the page. A failure: it asks
     * again and faults as without forwarding. */
    return req.ok && req.forwarded;
}

static gboolean page_map(gpointer opaque, guint hart_id, guint64 paddr, TcgAccess access,
                         TcgPageMap *out)
{
    Node *node = opaque;
    const IcRegion *r = ic_addr_map_lookup(node->map, paddr);
    if (!r)
        return FALSE;
    if (r->owner != IC_OWNER_RAM) {
        out->host = NULL;
        return TRUE;
    }
    gboolean rom = r->memory->kind == CFG_MEMORY_ROM;
    /* One round trip for the page the SC will need, not GetS then Upgrade
     * (in a rom the SC faults anyway: the LR only reads). */
    if (access == TCG_ACCESS_LR)
        access = node->machine->n_nodes > 1 && node->machine->lr_lease_us > 0 && !rom
                     ? TCG_ACCESS_WRITE : TCG_ACCESS_READ;
    /* A store or AMO to a rom: the hart raises a store access fault. Its
     * pages are only ever Shared, so every node keeps its own copy. */
    if (rom && access == TCG_ACCESS_WRITE)
        return FALSE;
    guint64 page = paddr & TCG_PAGE_MASK;
    NodeFrame *f = node_page_cache_frame(node->cache, page);
    guint64 me = node_hart_bit(node, hart_id);
    for (;;) {
        if (!node_page_acquire(node, hart_id, paddr, access))
            return FALSE;
        /* Seen as mapping the page before we look at its state, both
         * seq_cst against the agent's state change and read of mapped_by
         * (agent.c, give_up): either it flushes us, and the TLB fill
         * starts over, or we see the new state here. */
        __atomic_fetch_or(&f->mapped_by, me, __ATOMIC_SEQ_CST);
        /* The state may change again before we read it: then ask again. */
        NodePageState st = __atomic_load_n(&f->state, __ATOMIC_SEQ_CST);
        if (state_allows(st, access)) {
            out->host = f->host;
            out->writable = st == NODE_PAGE_MODIFIED;
            out->watch_stores = node->has_tohost && page == (node->tohost & TCG_PAGE_MASK);
            return TRUE;
        }
    }
}

static gboolean mmio(Node *node, guint hart_id, guint64 paddr, unsigned size, gboolean is_write,
                     guint64 *value)
{
    const IcRegion *r = ic_addr_map_lookup(node->map, paddr);
    if (!r)
        return FALSE;
    switch (r->owner) {
    case IC_OWNER_NODE_LOCAL:
        return is_write ? node_clint_write(node->clint, hart_id, paddr - r->base, size, *value)
                        : node_clint_read(node->clint, hart_id, paddr - r->base, size, value);
    case IC_OWNER_MSRV_DEVICE:
    case IC_OWNER_BRIDGE:
    case IC_OWNER_VIRTIO: { /* the server relays it */
        if (is_write && ic_region_write_posted(r, paddr, size)) {
            guint64 status;
            guint32 ready;
            if (ic_region_posted_ready(r, paddr, &status, &ready))
                node_mirror_wait_bit(node, status, ready); /* a full UART slows a blind writer */
            NodeRequest req = { .kind = NODE_REQ_MMIO_POSTED, .addr = paddr, .size = size,
                                .is_write = TRUE, .value = *value, .hart = hart_id };
            node_stats_request(&node->stats, NODE_REQ_MMIO, 0);
            node_submit(node, hart_id, &req);
            return TRUE; /* gone (or the machine is ending): nothing can fault now */
        }
        if (!is_write && ic_region_read_mirrored(r, paddr, size) &&
            node_mirror_read(node, paddr, value)) {
            *value &= 0xff; /* the register; the bits above are the server's notes */
            return TRUE;
        }
        NodeRequest req = { .kind = NODE_REQ_MMIO, .addr = paddr, .size = size,
                            .is_write = is_write, .value = is_write ? *value : 0,
                            .hart = hart_id };
        if (node->machine->deterministic)
            req.guest_ns = node_quantum_hart_ns(node->quantum, hart_id);
        if (!is_write && ic_region_read_pure(r, paddr, size))
            req.kind = NODE_REQ_MMIO_HERE;
        node_stats_request(&node->stats, NODE_REQ_MMIO, 0);
        node_submit(node, hart_id, &req);
        if (req.ok && !is_write)
            *value = req.value;
        return req.ok;
    }
    case IC_OWNER_RAM:
        break;
    }
    return FALSE;
}

static gboolean mmio_read(gpointer opaque, guint hart_id, guint64 paddr, unsigned size,
                          guint64 *value)
{
    *value = 0;
    return mmio(opaque, hart_id, paddr, size, FALSE, value);
}

static gboolean mmio_write(gpointer opaque, guint hart_id, guint64 paddr, unsigned size,
                           guint64 value)
{
    if (size < 8)
        value &= (G_GUINT64_CONSTANT(1) << (8 * size)) - 1;
    return mmio(opaque, hart_id, paddr, size, TRUE, &value);
}

/* A FENCE with O before: the hart's posted writes must be done before its
 * next memory access, which may publish them to a hart that then uses the
 * device (docs/protocol.md, "Posted writes"). Any answered request on the
 * hart's channel proves it; with none since the last posted write, ask. */
static gboolean io_fence(gpointer opaque, guint hart_id, gboolean may_block)
{
    Node *node = opaque;
    NodeHart *h = node_hart(node, hart_id);
    if (h->posted_unfenced == 0)
        return TRUE;
    if (!may_block)
        return FALSE;
    NodeRequest req = { .kind = NODE_REQ_IO_FENCE, .hart = hart_id };
    node_submit(node, hart_id, &req);
    return TRUE;
}

/* riscv-tests: an odd value stored to tohost ends the test, 1 = pass,
 * otherwise (value >> 1) is the failing test number = exit code. */
static void watched_store(gpointer opaque, guint hart_id, guint64 paddr, unsigned size,
                          guint64 value)
{
    Node *node = opaque;
    if (paddr != node->tohost || !(value & 1))
        return;
    NodeRequest req = { .kind = NODE_REQ_GUEST_EXIT, .hart = hart_id,
                        .value = value == 1 ? 0 : (value >> 1) };
    g_debug("hart %u wrote 0x%" G_GINT64_MODIFIER "x to tohost", hart_id, value);
    node_submit(node, hart_id, &req);
}

/* ---- What the CLINT needs from the node (clint.h) ---- */

static void clint_remote_msip(gpointer opaque, guint from, guint target, gboolean level)
{
    NodeRequest req = { .kind = NODE_REQ_IRQ, .hart = target, .line = TCG_IRQ_MSIP,
                        .value = level };
    node_submit(opaque, from, &req);
}

static void clint_post_ipi(gpointer opaque, guint target, gint from, gboolean level)
{
    Node *node = opaque;
    node_quantum_post_ipi(node->quantum, target, from, level);
}

static guint64 clint_hart_ns(gpointer opaque, guint hart_id)
{
    Node *node = opaque;
    return node_quantum_hart_ns(node->quantum, hart_id);
}

/* A timer deadline moved, or a lease the agent waits for ended. */
static void wake_agent(gpointer opaque)
{
    node_agent_kick(opaque);
}

static const NodeClintOps clint_ops = {
    clint_remote_msip, clint_post_ipi, clint_hart_ns, wake_agent,
};

static guint64 read_time(gpointer opaque, guint hart_id)
{
    Node *node = opaque;
    return node_clint_mtime(node->clint, hart_id);
}

static void set_stimecmp(gpointer opaque, guint hart_id, guint64 ticks)
{
    Node *node = opaque;
    node_clint_set_stimecmp(node->clint, hart_id, ticks);
}

static gboolean lease_take(gpointer opaque, guint hart_id, const void *host, gboolean may_block)
{
    Node *node = opaque;
    guint64 addr = node_page_cache_addr(node->cache, host);
    NodeFrame *f = node_page_cache_frame(node->cache, addr & TCG_PAGE_MASK);
    if (__atomic_load_n(&f->state, __ATOMIC_ACQUIRE) != NODE_PAGE_MODIFIED) {
        if (!may_block)
            return FALSE;
        if (!node_page_acquire(node, hart_id, addr, TCG_ACCESS_WRITE))
            return TRUE; /* the node is stopping: no lease, the SC fails its compare */
    }
    node_leases_take(node->leases, hart_id, addr & TCG_PAGE_MASK);
    return TRUE;
}

static void lease_end(gpointer opaque, guint hart_id)
{
    Node *node = opaque;
    node_leases_end(node->leases, hart_id);
}

/* Deterministic time: the end of a hart's quantum, reported to the server
 * (QuantumDone on its connection), waited for, and its timer looked at by
 * its new time. */
static void quantum_report(gpointer opaque, guint hart_id, guint64 index, gboolean idle,
                           guint64 wake_ns)
{
    NodeRequest done = { .kind = NODE_REQ_QUANTUM_DONE, .hart = hart_id, .value = index,
                         .idle = idle, .wake_ns = wake_ns };
    node_submit(opaque, hart_id, &done);
}

static guint64 quantum_end(gpointer opaque, guint hart_id, gboolean idle)
{
    Node *node = opaque;
    guint64 cmp = node_clint_next_deadline(node->clint, hart_id);
    guint64 wake_ns = node_clint_ticks_to_ns(node->clint, cmp);
    gint64 waited = node_quantum_end(node->quantum, hart_id, idle, wake_ns);
    node_stats_quantum(&node->stats, idle, waited);
    node_clint_update_timer(node->clint, hart_id);
    return node_quantum_budget(node->quantum);
}

static void debug_stopped(gpointer opaque, guint hart_id, gint why)
{
    node_debug_stopped(opaque, hart_id, (TcgDebugStop)why);
}

static const TcgNodeOps node_ops = {
    .page_map = page_map, .access_remote = access_remote, .mmio_read = mmio_read,
    .mmio_write = mmio_write,
    .io_fence = io_fence, .watched_store = watched_store, .read_time = read_time,
    .set_stimecmp = set_stimecmp,
    .lease_take = lease_take, .lease_end = lease_end, .quantum_end = quantum_end,
    .debug_stopped = debug_stopped,
};
/* With one node no other node competes for a page: no lease to keep. Also
 * what [cpu] lr-lease-us = 0 asks for. */
static const TcgNodeOps lone_node_ops = {
    .page_map = page_map, .access_remote = access_remote, .mmio_read = mmio_read,
    .mmio_write = mmio_write,
    .io_fence = io_fence, .watched_store = watched_store, .read_time = read_time,
    .set_stimecmp = set_stimecmp,
    .quantum_end = quantum_end,
    .debug_stopped = debug_stopped,
};

/* ---- the process ---- */

static gpointer hart_thread(gpointer data)
{
    NodeHart *h = data;
    ic_log_set_hart((gint)h->id);
    /* Quantum 0, or, restored, none: the first act is QuantumDone of the
     * quantum before the snapshot's (quantum.c). */
    if (h->node->machine->deterministic)
        tcg_hart_set_budget(h->tcg, h->node->restored ? 0 : node_quantum_budget(h->node->quantum));
    tcg_hart_run(h->tcg);
    return NULL;
}

static IcEnvelope *hello_on(Node *node, IcClient *client, gboolean request_channel,
                            GError **error)
{
    Shoal__V1__Hello hello = SHOAL__V1__HELLO__INIT;
    hello.version = IC_PROTOCOL_VERSION;
    hello.role = SHOAL__V1__ROLE__ROLE_NODE;
    hello.node_index = node->config->index;
    hello.first_hart = node->config->first_hart;
    hello.n_harts = node->config->n_harts;
    hello.request_channel = request_channel;
    if (request_channel) /* joins the node the main connection made */
        hello.node_token.data = (guint8 *)g_bytes_get_data(node->token, &hello.node_token.len);
    return ic_client_hello(client, &hello, HELLO_TIMEOUT_MS, error);
}

/* Each hart's own connection for its requests (request.c). */
static gboolean open_request_channels(Node *node, const char *run_dir, GError **error)
{
    for (guint i = 0; i < node->config->n_harts; i++) {
        NodeHart *h = &node->harts[i];
        h->requests = ic_client_connect(node->machine, run_dir, error);
        if (!h->requests)
            return FALSE;
        g_autoptr(IcEnvelope) ack = hello_on(node, h->requests, TRUE, error);
        if (!ack)
            return FALSE;
        ic_client_set_spin_us(h->requests, (guint)node->machine->cpu_spin_us);
    }
    return TRUE;
}

static gboolean say_hello(Node *node, GError **error)
{
    g_autoptr(IcEnvelope) ack = hello_on(node, node->client, FALSE, error);
    if (!ack)
        return FALSE;
    const Shoal__V1__HelloAck *a = ack->hello_ack;
    if (a->ram_base != node->machine->ram_base || a->ram_size != node->machine->ram_size) {
        g_set_error(error, IC_ERROR, IC_ERROR_UNEXPECTED,
                    "the memory server has RAM at 0x%" G_GINT64_MODIFIER "x +0x%"
                    G_GINT64_MODIFIER "x but %s says 0x%" G_GINT64_MODIFIER "x +0x%"
                    G_GINT64_MODIFIER "x: not the same machine", a->ram_base, a->ram_size,
                    node->machine->path, node->machine->ram_base, node->machine->ram_size);
        return FALSE;
    }
    node->boot_pc = node->config->has_reset_vector ? node->config->reset_vector : a->boot_pc;
    node->a1 = a->a1;
    node->has_tohost = a->has_tohost;
    node->tohost = a->tohost;
    node->epoch_ns = a->time_epoch_ns;
    node->timebase_hz = a->timebase_hz;
    node->token = g_bytes_new(a->node_token.data, a->node_token.len);
    if (a->restore)
        node->restore_ack = g_steal_pointer(&ack);
    return TRUE;
}

int node_run(const CfgMachine *machine, const char *run_dir, guint index, gboolean paused)
{
    g_assert_cmpuint(index, <, machine->n_nodes);
    g_autoptr(GError) error = NULL;
    Node node = { .machine = machine, .config = &machine->nodes[index] };
    pthread_mutex_init(&node.pending_lock, NULL);
    node_mirror_init(&node);
    node.pending = g_hash_table_new(g_int64_hash, g_int64_equal);
    node.harts = g_new0(NodeHart, node.config->n_harts);
    node.tcgs = g_new0(TcgHart *, node.config->n_harts);
    int code = 1;

    node.map = ic_addr_map_new(machine, &error);
    if (node.map)
        node.waker = ic_waker_new(&error);
    if (node.waker)
        node.client = ic_client_connect(machine, run_dir, &error);
    if (!node.client || !say_hello(&node, &error) ||
        !open_request_channels(&node, run_dir, &error)) {
        g_printerr("shoal-cpu-node %u: %s\n", index, error->message);
        goto out;
    }
    ic_client_set_spin_us(node.client, (guint)machine->cpu_spin_us);
    g_info("node %u: harts %u..%u, boot pc 0x%" G_GINT64_MODIFIER "x", index,
           node.config->first_hart, node.config->first_hart + node.config->n_harts - 1,
           node.boot_pc);

    node.cache = node_page_cache_new(machine->memories, machine->n_memories);
    node_stats_init(&node.stats, g_getenv("SHOAL_STATS") != NULL);
    gboolean leases = machine->n_nodes > 1 && machine->lr_lease_us > 0;
    TcgHartConfig hc = {
        .accel = g_strcmp0(machine->accel, "interp") == 0 ? TCG_ACCEL_INTERP : TCG_ACCEL_JIT,
        .isa = node.config->isa,
        .code_buffer_size = machine->code_buffer,
        .ram_host = node_page_cache_host(node.cache, machine->ram_base),
        .ram_base = machine->ram_base,
        .ram_size = machine->ram_size,
        .budgeted = machine->deterministic,
        .profile_pins = machine->profile_pins,
    };
    node.ops = leases ? node_ops : lone_node_ops;
    /* Off, a load's TLB miss does not even ask. */
    if (!machine->forward_m_mode || machine->n_nodes < 2)
        node.ops.access_remote = NULL;
    for (guint i = 0; i < node.config->n_harts; i++) {
        NodeHart *h = &node.harts[i];
        h->node = &node;
        h->id = hc.hart_id = node.config->first_hart + i;
        h->tcg = tcg_hart_new(&hc, &node.ops, &node);
        tcg_hart_reset(h->tcg, node.boot_pc, h->id, node.a1);
        node.tcgs[i] = h->tcg;
    }
    NodeClintConfig clint = { node.config->first_hart, node.config->n_harts, machine->n_harts,
                              node.timebase_hz, node.epoch_ns, machine->deterministic };
    node.clint = node_clint_new(&clint, node.tcgs, &clint_ops, &node);
    node.quantum = node_quantum_new(node.config->first_hart, node.config->n_harts, node.tcgs,
                                    machine->sysc_quantum_ns, machine->insn_ns, quantum_report,
                                    &node);
    node.leases = node_leases_new(node.config->first_hart, node.config->n_harts,
                                  wake_agent, &node);
    node.restored = node.restore_ack != NULL;
    gboolean ok = node.restore_ack == NULL ||
                  node_snapshot_restore(&node, node.restore_ack->hello_ack->restore, &error);
    g_clear_pointer(&node.restore_ack, ic_envelope_free);
    node_debug_init(&node, paused);
    if (ok) {
        GThread *agent = g_thread_new("shoal-agent", node_agent_thread, &node);
        for (guint i = 0; i < node.config->n_harts; i++) {
            g_autofree char *name = g_strdup_printf("shoal-hart%u", node.harts[i].id);
            node.harts[i].thread = g_thread_new(name, hart_thread, &node.harts[i]);
        }
        g_thread_join(agent); /* it stops the harts when the machine ends */
        for (guint i = 0; i < node.config->n_harts; i++) {
            g_thread_join(node.harts[i].thread);
        }
    } else {
        /* The server checked the file against the machine: only a shoal of
         * another version gets here. The launcher names the node that died. */
        g_printerr("shoal-cpu-node %u: %s\n", index, error->message);
        node.exit_code = 2;
    }
    if (g_getenv("SHOAL_STATS") != NULL)
        node_stats_print(&node.stats, index, node.tcgs, node.config->n_harts,
                         machine->deterministic);
    node_clint_free(node.clint);
    node_leases_free(node.leases);
    node_debug_clear(&node);
    for (guint i = 0; i < node.config->n_harts; i++) {
        tcg_hart_free(node.harts[i].tcg);
    }
    code = node.exit_code;
    node_stats_destroy(&node.stats);
    node_page_cache_free(node.cache);
out:
    for (guint i = 0; i < node.config->n_harts; i++)
        ic_client_free(node.harts[i].requests);
    node_quantum_free(node.quantum);
    g_free(node.harts);
    g_free(node.tcgs);
    g_hash_table_destroy(node.pending);
    ic_client_free(node.client);
    g_clear_pointer(&node.token, g_bytes_unref);
    ic_waker_free(node.waker);
    ic_addr_map_free(node.map);
    pthread_mutex_destroy(&node.pending_lock);
    node_mirror_clear(&node);
    ic_context_shutdown();
    return code;
}
