/* SPDX-License-Identifier: MIT */
/* The memory server's loop: one thread owns every connection (direct links
 * or the ROUTER socket), guest RAM, the directory and the devices; each
 * received message is handled to the end before the next (so devices need
 * no locks), and the machine ends when the guest says so, a node reports
 * tohost, or a signal arrives. docs/protocol.md says what each message must
 * get; docs/architecture.md §4 follows a load, a shared store and an MMIO
 * access through here. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "interconnect/ic.h"
#include "memory-server/directory.h"
#include "memory-server/internal.h"

#define POLL_MS 100 /* longest wait before looking at the signal flag */
#define NODE_TOKEN_LEN 16 /* bytes of a node main connection's token */

typedef enum {
    ROLE_NONE,
    ROLE_NODE,
    ROLE_CONSOLE,
    ROLE_BRIDGE,
    ROLE_DEBUGGER,
    ROLE_DEVICES, /* shoal-virtio */
} PeerRole;

typedef struct {
    PeerRole role;
    guint node; /* ROLE_NODE: its index */
    gboolean request_channel; /* ROLE_NODE: a hart's requests; replies go to the node */
} PeerInfo;

typedef struct {
    const CfgMachine *machine;
    IcServer *ic;
    IcAddrMap *map;
    guint8 *ram;          /* mmap'd: every memory region's pages, numbered as
                           * CfgMemory.first_page ([memory] first, so RAM's
                           * guest address - ram_base is its offset) */
    MsrvDir *dir;
    MsrvUart *uart;
    MsrvPlic *plic;       /* NULL: the machine has no PLIC */
    guint uart_source;    /* the UART's PLIC source, 0 if not wired */
    guint64 uart_lsr_addr; /* its LSR, which nodes mirror (0: no UART) */
    gint uart_lsr_sent;   /* uart_status(): as last sent to nodes, -1 never */
    MsrvBridge *bridge;   /* NULL: no sysc device, no bridge */
    MsrvBridge *virtio;   /* NULL: no virtio device, no shoal-virtio */
    MsrvDmaNode *dma;     /* the device processes' DMA; NULL if there is none */
    MsrvQuantum *quantum; /* NULL: decoupled time (host clock) */
    MsrvGpio **gpios;     /* by device index: NULL unless that device is a gpio */
    MsrvSifiveUart **suarts; /* by device index: NULL unless that device is a sifive_uart */
    MsrvSifiveUart *console_suart; /* the console's UART if it is a sifive_uart (one of
                                    * suarts), NULL if it is the ns16550 */
    guint64 boot_pc;
    guint64 fdt_addr;     /* the device tree in RAM: every hart's a1 */
    gboolean has_tohost;
    guint64 tohost;
    guint64 epoch_ns;     /* CLOCK_MONOTONIC when mtime was 0 */
    GArray *peers;        /* PeerInfo by IcPeer */
    gint *node_peer;      /* IcPeer of node i, -1 before its Hello */
    GBytes *secret;       /* every Hello must carry it (interconnect/secret.c); NULL for
                           * tcp://, whose peers CurveZMQ's handshake admitted */
    GBytes **node_token;  /* per node: what its request channels show, NULL before Hello */
    GArray **held_irqs;   /* per node: IrqLines sent before its Hello, replayed after */
    GHashTable **grant_routes; /* per node: txid of a reply_here page request -> the IcPeer
                                * (+1) of the hart channel its grant goes back on */
    guint32 **grants_sent; /* per node: grants sent it, per page of RAM (NULL until its
                            * first); an Invalidate or Recall carries its page's count */
    GPtrArray **held_debug; /* per node: the debugger's messages (packed Envelopes) sent
                             * before its Hello, passed on after */
    gint debugger_peer;   /* -1: no debugger (launcher/gdbstub.c) */
    const MsrvRunOptions *options;
    MsrvSave *save;       /* a snapshot being saved (snapshot.c), NULL if none */
    gboolean snapshot_at_taken; /* --snapshot-at's is done (or under way) */
    MsrvRestore *restore; /* --restore: the snapshot the nodes' HelloAcks carry */
    gboolean resetting;   /* a machine reset waits for the nodes' STOPPED */
    gboolean *reset_stopped; /* per node: it answered STOPPED */
    gboolean virtio_stopping; /* shoal-virtio was told to stop and has not answered */
    guint n_reset_stopped;
    guint resets;         /* machine resets done */
    gint console_peer;    /* -1: none yet, output goes to stdout */
    guint64 console_sent;    /* output bytes sent to the console in all */
    guint64 console_written; /* of those, what it says it wrote out (ConsoleAck) */
    gint64 console_seen_us;  /* when it last wrote something out (or the machine ended) */
    guint64 next_txid;    /* ours, for Invalidate/Recall/Shutdown */
    gboolean done;
    gboolean console_has_all; /* the console echoed Shutdown: its last bytes arrived */
    int exit_code;
} Server;

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    stop_signal = sig;
}

static PeerInfo *peer_info(Server *s, IcPeer peer)
{
    if (peer >= s->peers->len)
        g_array_set_size(s->peers, peer + 1);
    return &g_array_index(s->peers, PeerInfo, peer);
}

static void end_machine(Server *s, int code, const char *reason);

static void send_to(Server *s, IcPeer peer, IcEnvelope *env)
{
    g_autoptr(GError) error = NULL;
    if (ic_server_send(s->ic, peer, env, &error))
        return;
    /* A peer whose link closed has exited (the end of a run, or a death the
     * launcher reports): what it misses does not matter any more. */
    if (g_error_matches(error, IC_ERROR, IC_ERROR_CLOSED)) {
        g_debug("%s", error->message);
        return;
    }
    /* A stranger (no Hello) that does not read its Errors loses them. */
    if (peer_info(s, peer)->role == ROLE_NONE) {
        g_debug("%s", error->message);
        return;
    }
    /* No room for it, and none may ever come (a peer that stopped reading):
     * a lost grant, recall or answer would hang a hart without a word, so
     * the machine ends here, saying why. */
    g_autofree char *why = g_strdup_printf("cannot send %s: %s", ic_envelope_body_name(env),
                                           error->message);
    g_warning("%s", why);
    end_machine(s, 1, why);
}

static void send_node(Server *s, guint node, IcEnvelope *env)
{
    if (s->node_peer[node] < 0) {
        g_warning("node %u has not said Hello: dropping %s", node, ic_envelope_body_name(env));
        return;
    }
    send_to(s, (IcPeer)s->node_peer[node], env);
}

/* Where the answer to a request from @peer goes: a hart's request channel
 * gets none unless the request said reply_here, its node's main connection
 * does (proto/shoal.proto). */
static void reply_to(Server *s, IcPeer peer, gboolean here, IcEnvelope *env)
{
    const PeerInfo *info = peer_info(s, peer);
    if (info->role == ROLE_NODE && info->request_channel && !here)
        send_node(s, info->node, env);
    else
        send_to(s, peer, env);
}

static void send_error_here(Server *s, IcPeer peer, gboolean here, guint64 txid,
                            Shoal__V1__ErrorCode code, const char *text)
{
    g_warning("%s: %s", ic_server_peer_name(s->ic, peer), text);
    Shoal__V1__Error err = SHOAL__V1__ERROR__INIT;
    err.code = code;
    err.text = (char *)text;
    IcEnvelope env = SHOAL__V1__ENVELOPE__INIT;
    env.txid = txid;
    env.body_case = SHOAL__V1__ENVELOPE__BODY_ERROR;
    env.error = &err;
    reply_to(s, peer, here, &env);
}

static void send_error(Server *s, IcPeer peer, guint64 txid, Shoal__V1__ErrorCode code,
                       const char *text)
{
    send_error_here(s, peer, FALSE, txid, code, text);
}

/* ---- the directory's voice ---- */

/* The grants of @page sent to @node so far. */
static guint32 *grants_sent(Server *s, guint node, guint64 page)
{
    if (s->grants_sent[node] == NULL)
        s->grants_sent[node] = g_new0(guint32, msrv_dir_n_pages(s->dir));
    return &s->grants_sent[node][msrv_dir_page_index(s->dir, page)];
}

/* The answer to a page request goes back on the connection a reply_here
 * request came on, else (a prefetch, txid 0) to the node's agent. */
static void send_page_answer(Server *s, guint node, guint64 txid, IcEnvelope *env)
{
    gpointer route = NULL;
    if (txid != 0 && g_hash_table_steal_extended(s->grant_routes[node], GSIZE_TO_POINTER(txid),
                                                 NULL, &route))
        send_to(s, (IcPeer)(GPOINTER_TO_UINT(route) - 1), env);
    else
        send_node(s, node, env);
}

static void dir_grant(gpointer opaque, guint node, guint64 txid, guint64 page, gboolean modified)
{
    Server *s = opaque;
    if (node == MSRV_DMA_NODE && s->dma) {
        msrv_dma_node_dir_grant(s->dma, txid, page, modified);
        return;
    }
    Shoal__V1__PageGrant grant = SHOAL__V1__PAGE_GRANT__INIT;
    grant.page = page;
    grant.state = modified ? SHOAL__V1__PAGE_STATE__PAGE_STATE_MODIFIED
                           : SHOAL__V1__PAGE_STATE__PAGE_STATE_SHARED;
    grant.data.data = msrv_dir_page(s->dir, page);
    grant.data.len = IC_PAGE_SIZE;
    IcEnvelope env = SHOAL__V1__ENVELOPE__INIT;
    env.txid = txid;
    env.body_case = SHOAL__V1__ENVELOPE__BODY_PAGE_GRANT;
    env.page_grant = &grant;
    ++*grants_sent(s, node, page);
    send_page_answer(s, node, txid, &env);
}

static void dir_invalidate(gpointer opaque, guint node, guint64 page)
{
    Server *s = opaque;
    if (node == MSRV_DMA_NODE && s->dma) {
        msrv_dma_node_dir_invalidate(s->dma, page);
        return;
    }
    Shoal__V1__Invalidate inv = SHOAL__V1__INVALIDATE__INIT;
    inv.page = page;
    inv.grants = *grants_sent(s, node, page);
    IcEnvelope env = SHOAL__V1__ENVELOPE__INIT;
    env.txid = s->next_txid++;
    env.body_case = SHOAL__V1__ENVELOPE__BODY_INVALIDATE;
    env.invalidate = &inv;
    send_node(s, node, &env);
}

static void dir_recall(gpointer opaque, guint node, guint64 page, gboolean downgrade)
{
    Server *s = opaque;
    if (node == MSRV_DMA_NODE && s->dma) {
        msrv_dma_node_dir_recall(s->dma, page);
        return;
    }
    Shoal__V1__Recall rec = SHOAL__V1__RECALL__INIT;
    rec.page = page;
    rec.kind = downgrade ? SHOAL__V1__RECALL_KIND__RECALL_KIND_DOWNGRADE
                         : SHOAL__V1__RECALL_KIND__RECALL_KIND_INVALIDATE;
    rec.grants = *grants_sent(s, node, page);
    IcEnvelope env = SHOAL__V1__ENVELOPE__INIT;
    env.txid = s->next_txid++;
    env.body_case = SHOAL__V1__ENVELOPE__BODY_RECALL;
    env.recall = &rec;
    send_node(s, node, &env);
}

static void dir_put_ack(gpointer opaque, guint node, guint64 txid, guint64 page)
{
    Server *s = opaque;
    if (node == MSRV_DMA_NODE && s->dma)
        return; /* the DMA requester's write-back needs no answer */
    Shoal__V1__PageAck ack = SHOAL__V1__PAGE_ACK__INIT;
    ack.page = page;
    IcEnvelope env = SHOAL__V1__ENVELOPE__INIT;
    env.txid = txid;
    env.body_case = SHOAL__V1__ENVELOPE__BODY_PAGE_ACK;
    env.page_ack = &ack;
    send_node(s, node, &env);
}

/* A forwarded access: only cpu-nodes are asked (msrv_dir_set_forwarding). */
static void dir_access_at(gpointer opaque, guint node, guint64 page, const MsrvAccess *access)
{
    Server *s = opaque;
    Shoal__V1__Access acc = SHOAL__V1__ACCESS__INIT;
    acc.addr = access->addr;
    acc.size = access->size;
    acc.op = (Shoal__V1__AccessOp)access->op;
    acc.operand = access->operand;
    Shoal__V1__AccessAt at = SHOAL__V1__ACCESS_AT__INIT;
    at.page = page;
    at.access = &acc;
    at.grants = *grants_sent(s, node, page);
    IcEnvelope env = SHOAL__V1__ENVELOPE__INIT;
    env.txid = s->next_txid++;
    env.body_case = SHOAL__V1__ENVELOPE__BODY_ACCESS_AT;
    env.access_at = &at;
    send_node(s, node, &env);
}

/* The answer to a forwarded request goes where its grant would have. */
static void dir_access_result(gpointer opaque, guint node, guint64 txid, guint64 page,
                              guint64 value)
{
    Server *s = opaque;
    Shoal__V1__AccessResult res = SHOAL__V1__ACCESS_RESULT__INIT;
    res.page = page;
    res.value = value;
    IcEnvelope env = SHOAL__V1__ENVELOPE__INIT;
    env.txid = txid;
    env.body_case = SHOAL__V1__ENVELOPE__BODY_ACCESS_RESULT;
    env.access_result = &res;
    send_page_answer(s, node, txid, &env);
}

static const MsrvDirOps dir_ops = { dir_grant,   dir_invalidate, dir_recall,
                                    dir_put_ack, dir_access_at,  dir_access_result };

/* ---- console output and the end of the machine ---- */

static void sync_uart_irq(Server *s);

/* Output sent to the console that it has not written out yet: when this
 * much is, the rest waits in the UART, which reads full from TX_FULL on
 * (ns16550.c), and the guest waits with it. */
#define CONSOLE_WINDOW (64u * 1024)

/* Sends the UART's output to the console, as much as the window has room
 * for; @all: everything (the machine is over: nothing may stay behind).
 * Without a console (a server started by hand) it goes to our stdout. */
static void flush_console(Server *s, gboolean all)
{
    gboolean took = FALSE;
    for (;;) {
        guint64 unwritten = s->console_sent - s->console_written;
        gsize room = all || s->console_peer < 0
                         ? IC_MAX_CONSOLE_BYTES
                         : (gsize)(CONSOLE_WINDOW - MIN(unwritten, CONSOLE_WINDOW));
        gsize max = MIN(room, IC_MAX_CONSOLE_BYTES);
        g_autoptr(GBytes) out = s->console_suart
                                    ? msrv_sifive_uart_take_output(s->console_suart, max)
                                    : msrv_uart_take_output(s->uart, max);
        if (!out)
            break;
        took = TRUE;
        if (s->console_peer < 0) {
            fwrite(g_bytes_get_data(out, NULL), 1, g_bytes_get_size(out), stdout);
            fflush(stdout);
            continue;
        }
        Shoal__V1__ConsoleBytes bytes = SHOAL__V1__CONSOLE_BYTES__INIT;
        bytes.data.data = (guint8 *)g_bytes_get_data(out, &bytes.data.len);
        IcEnvelope env = SHOAL__V1__ENVELOPE__INIT;
        env.txid = s->next_txid++;
        env.body_case = SHOAL__V1__ENVELOPE__BODY_CONSOLE_BYTES;
        env.console_bytes = &bytes;
        send_to(s, (IcPeer)s->console_peer, &env);
        s->console_sent += bytes.data.len;
    }
    /* A sifive_uart that is not the console writes to no line, as
     * QEMU's second UART without a chardev: its output is dropped, so
     * that it never reads full. */
    for (guint i = 0; i < s->machine->n_devices; i++) {
        if (s->suarts[i] && s->suarts[i] != s->console_suart) {
            g_autoptr(GBytes) gone = msrv_sifive_uart_take_output(s->suarts[i], G_MAXSIZE);
            took = took || gone != NULL;
        }
    }
    if (took)
        sync_uart_irq(s); /* THR may be empty again */
}

/* Output first, then Shutdown to every peer that said Hello. */
static void end_machine(Server *s, int code, const char *reason)
{
    if (s->done)
        return;
    s->done = TRUE; /* before sending: a send that fails here ends nothing more */
    g_info("machine ends with exit code %d: %s", code, reason);
    if (s->options->snapshot_at_path && !s->snapshot_at_taken)
        g_warning("--snapshot-at: the machine ended before guest time %" G_GUINT64_FORMAT
                  " ns; %s was not written", s->options->snapshot_at_ns,
                  s->options->snapshot_at_path);
    if (s->save)
        g_warning("snapshot %s: the machine ended before it was saved",
                  msrv_save_path(s->save));
    flush_console(s, TRUE);
    Shoal__V1__Shutdown sd = SHOAL__V1__SHUTDOWN__INIT;
    sd.exit_code = code;
    sd.reason = (char *)reason;
    for (guint p = 0; p < s->peers->len; p++) {
        if (g_array_index(s->peers, PeerInfo, p).role == ROLE_NONE)
            continue;
        IcEnvelope env = SHOAL__V1__ENVELOPE__INIT;
        env.txid = s->next_txid++;
        env.body_case = SHOAL__V1__ENVELOPE__BODY_SHUTDOWN;
        env.shutdown = &sd;
        send_to(s, p, &env);
    }
    s->console_seen_us = g_get_monotonic_time();
    s->exit_code = code;
}

/* After the end, the server stays until the console has its last bytes
 * (they and the Shutdown could be lost with the connection otherwise), as
 * long as it keeps writing output out: a slow reader gets all of it, a
 * console that wrote nothing out for CONSOLE_ACK_US is taken for dead. */
#define CONSOLE_ACK_US (3 * G_USEC_PER_SEC)

static gboolean server_may_exit(const Server *s)
{
    return s->done && (s->console_peer < 0 || s->console_has_all ||
                       g_get_monotonic_time() - s->console_seen_us >= CONSOLE_ACK_US);
}

/* ---- handlers ---- */

/* Every request that came before it on this connection is done: that is
 * the answer (proto/shoal.proto, IoFence). */
static void on_io_fence(Server *s, IcPeer peer, const PeerInfo *info, const IcEnvelope *env)
{
    Shoal__V1__IoFence done = SHOAL__V1__IO_FENCE__INIT;
    IcEnvelope reply = SHOAL__V1__ENVELOPE__INIT;
    reply.txid = env->txid;
    reply.body_case = SHOAL__V1__ENVELOPE__BODY_IO_FENCE;
    reply.io_fence = &done;
    reply_to(s, peer, TRUE, &reply);
}

static void send_irq(Server *s, guint node, const Shoal__V1__IrqLine *irq);
static void send_lsr_mirror(Server *s, guint node);
static void send_held_debug(Server *s, guint node);

static void on_hello(Server *s, IcPeer peer, const IcEnvelope *env)
{
    const Shoal__V1__Hello *h = env->hello;
    const CfgMachine *m = s->machine;
    PeerInfo *info = peer_info(s, peer);
    if (h->version != IC_PROTOCOL_VERSION) {
        g_autofree char *t = g_strdup_printf("protocol version %u, this server speaks %u",
                                             h->version, IC_PROTOCOL_VERSION);
        send_error(s, peer, env->txid, SHOAL__V1__ERROR_CODE__ERROR_CODE_VERSION, t);
        return;
    }
    if (s->secret && !ic_secret_matches(s->secret, h->secret.data, h->secret.len)) {
        send_error(s, peer, env->txid, SHOAL__V1__ERROR_CODE__ERROR_CODE_DENIED,
                   "Hello without this machine's secret: not one of its processes");
        return;
    }
    GBytes *token = NULL; /* for a node's main connection */
    if (h->role == SHOAL__V1__ROLE__ROLE_NODE) {
        if (h->node_index >= m->n_nodes || m->nodes[h->node_index].first_hart != h->first_hart ||
            m->nodes[h->node_index].n_harts != h->n_harts) {
            g_autofree char *t = g_strdup_printf("node %u with harts %u..+%u is not in %s",
                                                 h->node_index, h->first_hart, h->n_harts, m->path);
            send_error(s, peer, env->txid, SHOAL__V1__ERROR_CODE__ERROR_CODE_BAD_REQUEST, t);
            return;
        }
        gint *slot = &s->node_peer[h->node_index];
        GBytes *main_token = s->node_token[h->node_index];
        if (h->request_channel &&
            (main_token == NULL ||
             !ic_secret_matches(main_token, h->node_token.data, h->node_token.len))) {
            g_autofree char *t = g_strdup_printf("a request channel of node %u without the token "
                                                 "of its main connection", h->node_index);
            send_error(s, peer, env->txid, SHOAL__V1__ERROR_CODE__ERROR_CODE_DENIED, t);
            return;
        }
        if (h->request_channel) {
            info->role = ROLE_NODE;
            info->node = h->node_index;
            info->request_channel = TRUE;
            g_autofree char *label = g_strdup_printf("node %u (a hart's requests)",
                                                     h->node_index);
            ic_server_set_peer_label(s->ic, peer, label);
        } else if (*slot >= 0 && *slot != (gint)peer) {
            g_autofree char *t = g_strdup_printf("node %u is already connected", h->node_index);
            send_error(s, peer, env->txid, SHOAL__V1__ERROR_CODE__ERROR_CODE_BAD_REQUEST, t);
            return;
        } else {
            *slot = (gint)peer;
            info->role = ROLE_NODE;
            info->node = h->node_index;
            if (!main_token)
                s->node_token[h->node_index] = ic_secret_random(NODE_TOKEN_LEN);
            token = s->node_token[h->node_index];
            g_autofree char *label = g_strdup_printf("node %u", h->node_index);
            ic_server_set_peer_label(s->ic, peer, label);
        }
    } else if (h->role == SHOAL__V1__ROLE__ROLE_CONSOLE) {
        if (s->console_peer >= 0 && s->console_peer != (gint)peer) {
            send_error(s, peer, env->txid, SHOAL__V1__ERROR_CODE__ERROR_CODE_DENIED,
                       "this machine already has its console");
            return;
        }
        info->role = ROLE_CONSOLE;
        s->console_peer = (gint)peer;
        ic_server_set_peer_label(s->ic, peer, "console");
    } else if (h->role == SHOAL__V1__ROLE__ROLE_DEBUGGER) {
        if (s->debugger_peer >= 0 && s->debugger_peer != (gint)peer) {
            send_error(s, peer, env->txid, SHOAL__V1__ERROR_CODE__ERROR_CODE_DENIED,
                       "this machine already has its debugger");
            return;
        }
        if (s->quantum) {
            /* A stopped hart would hold every quantum barrier. */
            send_error(s, peer, env->txid, SHOAL__V1__ERROR_CODE__ERROR_CODE_DENIED,
                       "the debugger needs host time ([sysc] time-mode = decoupled)");
            return;
        }
        info->role = ROLE_DEBUGGER;
        s->debugger_peer = (gint)peer;
        ic_server_set_peer_label(s->ic, peer, "debugger");
    } else {
        gboolean sysc = h->role == SHOAL__V1__ROLE__ROLE_BRIDGE;
        MsrvBridge *b = sysc ? s->bridge : s->virtio;
        const char *what = sysc ? "SystemC bridge" : "shoal-virtio";
        if (!b) {
            send_error(s, peer, env->txid, SHOAL__V1__ERROR_CODE__ERROR_CODE_BAD_REQUEST,
                       sysc ? "no SystemC bridge in this machine (no device has type sysc)"
                            : "no virtio device in this machine");
            return;
        }
        if (msrv_bridge_connected(b)) {
            g_autofree char *text = g_strdup_printf("a %s is already connected", what);
            send_error(s, peer, env->txid, SHOAL__V1__ERROR_CODE__ERROR_CODE_BAD_REQUEST, text);
            return;
        }
        info->role = sysc ? ROLE_BRIDGE : ROLE_DEVICES;
        ic_server_set_peer_label(s->ic, peer, sysc ? "sysc bridge" : "shoal-virtio");
    }
    g_info("%s said Hello", ic_server_peer_name(s->ic, peer));
    Shoal__V1__HelloAck ack = SHOAL__V1__HELLO_ACK__INIT;
    ack.version = IC_PROTOCOL_VERSION;
    ack.ram_base = m->ram_base;
    ack.ram_size = m->ram_size;
    ack.boot_pc = s->boot_pc;
    ack.a1 = s->fdt_addr;
    ack.has_tohost = s->has_tohost;
    ack.tohost = s->tohost;
    ack.time_epoch_ns = s->epoch_ns;
    ack.timebase_hz = m->timebase_hz;
    if (token)
        ack.node_token.data = (guint8 *)g_bytes_get_data(token, &ack.node_token.len);
    if (token && s->restore)
        ack.restore = msrv_restore_node(s->restore, info->node);
    IcEnvelope reply = SHOAL__V1__ENVELOPE__INIT;
    reply.txid = env->txid;
    reply.body_case = SHOAL__V1__ENVELOPE__BODY_HELLO_ACK;
    reply.hello_ack = &ack;
    send_to(s, peer, &reply);
    if (info->role == ROLE_NODE && !info->request_channel && s->uart_lsr_sent >= 0)
        send_lsr_mirror(s, info->node);
    if (info->role == ROLE_BRIDGE) {
        msrv_bridge_hello(s->bridge, peer);
        if (s->quantum)
            msrv_quantum_bridge_ready(s->quantum);
    }
    if (info->role == ROLE_DEVICES)
        msrv_bridge_hello(s->virtio, peer);
    if (info->role == ROLE_NODE && !info->request_channel) {
        GArray *held = s->held_irqs[info->node];
        for (guint i = 0; i < held->len; i++)
            send_irq(s, info->node, &g_array_index(held, Shoal__V1__IrqLine, i));
        g_array_set_size(held, 0);
        send_held_debug(s, info->node);
    }
}

/* ---- the debugger (docs/debugging.md): messages passed between it and
 * the nodes, nothing kept but the order ---- */

/* To node @node, or held until its Hello (a debugger may come first, and a
 * reset may come from one node before another said Hello). */
static void send_node_held(Server *s, guint node, const IcEnvelope *env)
{
    if (s->node_peer[node] >= 0) {
        send_to(s, (IcPeer)s->node_peer[node], (IcEnvelope *)env);
        return;
    }
    gsize len = shoal__v1__envelope__get_packed_size(env);
    guint8 *buf = g_malloc(len);
    shoal__v1__envelope__pack(env, buf);
    g_ptr_array_add(s->held_debug[node], g_bytes_new_take(buf, len));
}

static void send_held_debug(Server *s, guint node)
{
    GPtrArray *held = s->held_debug[node];
    for (guint i = 0; i < held->len; i++) {
        gsize len;
        const guint8 *buf = g_bytes_get_data(g_ptr_array_index(held, i), &len);
        IcEnvelope *env = shoal__v1__envelope__unpack(NULL, len, buf);
        send_to(s, (IcPeer)s->node_peer[node], env);
        shoal__v1__envelope__free_unpacked(env, NULL);
    }
    g_ptr_array_set_size(held, 0);
}

/* A halt, a hart's own stop and a resume go to the bridge too: SystemC
 * time stops and goes on with the harts' (sysc-bridge/link.c). */
static void tell_bridge(Server *s, const IcEnvelope *env)
{
    if (s->bridge && msrv_bridge_connected(s->bridge))
        send_to(s, (IcPeer)msrv_bridge_peer(s->bridge), (IcEnvelope *)env);
}

static void on_debug_to_nodes(Server *s, IcPeer peer, const PeerInfo *info, const IcEnvelope *env)
{
    for (guint i = 0; i < s->machine->n_nodes; i++)
        send_node_held(s, i, env);
    if (env->body_case != SHOAL__V1__ENVELOPE__BODY_DEBUG_BREAKPOINTS)
        tell_bridge(s, env);
}

static void on_debug_access(Server *s, IcPeer peer, const PeerInfo *info, const IcEnvelope *env)
{
    guint hart = env->debug_access->hart;
    for (guint i = 0; i < s->machine->n_nodes; i++) {
        const CfgNode *n = &s->machine->nodes[i];
        if (hart >= n->first_hart && hart < n->first_hart + n->n_harts) {
            send_node_held(s, i, env);
            return;
        }
    }
    Shoal__V1__DebugAccessReply reply = SHOAL__V1__DEBUG_ACCESS_REPLY__INIT;
    IcEnvelope out = SHOAL__V1__ENVELOPE__INIT;
    out.txid = env->txid;
    out.body_case = SHOAL__V1__ENVELOPE__BODY_DEBUG_ACCESS_REPLY;
    out.debug_access_reply = &reply; /* ok false: no such hart */
    send_to(s, peer, &out);
}

static void save_halted(Server *s, guint node);

static void on_debug_from_node(Server *s, IcPeer peer, const PeerInfo *info,
                               const IcEnvelope *env)
{
    if (s->save && env->body_case == SHOAL__V1__ENVELOPE__BODY_DEBUG_STOPPED &&
        msrv_save_is_halt(s->save, env->txid)) {
        save_halted(s, info->node);
        return;
    }
    if (env->body_case == SHOAL__V1__ENVELOPE__BODY_DEBUG_STOPPED)
        tell_bridge(s, env);
    if (s->debugger_peer >= 0)
        send_to(s, (IcPeer)s->debugger_peer, (IcEnvelope *)env);
}

/* ---- a machine reset (proto/shoal.proto, MachineReset) ---- */

static void plic_output(gpointer opaque, guint hart, guint mip_bit, gboolean level);
static MsrvPlic *new_plic(Server *s);
static gboolean load_images(Server *s, GError **error);

/* @env carries @msg, a MachineReset of @phase, under a txid of ours. */
static void reset_envelope(Server *s, IcEnvelope *env, Shoal__V1__MachineReset *msg,
                           Shoal__V1__ResetPhase phase)
{
    *msg = (Shoal__V1__MachineReset)SHOAL__V1__MACHINE_RESET__INIT;
    msg->phase = phase;
    *env = (IcEnvelope)SHOAL__V1__ENVELOPE__INIT;
    env->txid = s->next_txid++;
    env->body_case = SHOAL__V1__ENVELOPE__BODY_MACHINE_RESET;
    env->machine_reset = msg;
}

static void send_reset_phase(Server *s, guint node, Shoal__V1__ResetPhase phase)
{
    Shoal__V1__MachineReset msg;
    IcEnvelope env;
    reset_envelope(s, &env, &msg, phase);
    send_node_held(s, node, &env);
}

static void start_reset(Server *s)
{
    const char *why = !s->machine->reboot ? "[machine] on-reset = exit"
                      : s->bridge         ? "SystemC models cannot be reset"
                      : s->quantum        ? "deterministic time is not reset"
                                          : NULL;
    if (why) {
        g_autofree char *t = g_strdup_printf("the guest asked for a machine reset (%s): the run "
                                             "ends", why);
        g_message("%s", t);
        end_machine(s, 0, t);
        return;
    }
    if (s->resetting)
        return; /* two harts asked at once */
    g_info("machine reset: stopping every hart");
    s->resetting = TRUE;
    s->n_reset_stopped = 0;
    for (guint i = 0; i < s->machine->n_nodes; i++) {
        s->reset_stopped[i] = FALSE;
        send_reset_phase(s, i, SHOAL__V1__RESET_PHASE__RESET_PHASE_STOP);
    }
    /* The devices too: a request they are serving ends (its DMA lands
     * before RAM is cleared, as their messages come in order) and they
     * come back as at power-on, their lines low. */
    if (s->virtio && msrv_bridge_connected(s->virtio)) {
        Shoal__V1__MachineReset msg;
        IcEnvelope env;
        reset_envelope(s, &env, &msg, SHOAL__V1__RESET_PHASE__RESET_PHASE_STOP);
        send_to(s, (IcPeer)msrv_bridge_peer(s->virtio), &env);
        s->virtio_stopping = TRUE;
    }
}

/* Every sifive_uart as at power-on, and which of them the console uses. */
static void make_sifive_uarts(Server *s)
{
    const CfgMachine *m = s->machine;
    const CfgDevice *console = cfg_machine_console_uart(m);
    s->console_suart = NULL;
    for (guint i = 0; i < m->n_devices; i++) {
        if (m->devices[i].type != CFG_DEVICE_SIFIVE_UART)
            continue;
        msrv_sifive_uart_free(s->suarts[i]);
        s->suarts[i] = msrv_sifive_uart_new();
        if (console == &m->devices[i])
            s->console_suart = s->suarts[i];
    }
}

/* The devices as at power-on; what the UART still held went out first. */
static void reset_devices(Server *s)
{
    const CfgMachine *m = s->machine;
    flush_console(s, TRUE);
    msrv_uart_free(s->uart);
    s->uart = msrv_uart_new();
    if (s->plic) {
        msrv_plic_free(s->plic);
        s->plic = new_plic(s);
    }
    for (guint i = 0; i < m->n_devices; i++) {
        if (s->gpios[i]) {
            msrv_gpio_free(s->gpios[i]);
            s->gpios[i] = msrv_gpio_new();
        }
    }
    make_sifive_uarts(s);
    if (s->virtio)
        msrv_bridge_set_plic(s->virtio, s->plic);
    sync_uart_irq(s);
}

/* Every node stopped and no page transaction is open (a hart's last
 * request may still have waited for an ack): power-cycle, then GO. */
static void finish_reset(Server *s)
{
    if (!s->resetting || s->n_reset_stopped < s->machine->n_nodes || s->virtio_stopping ||
        !msrv_dir_idle(s->dir))
        return;
    const CfgMachine *m = s->machine;
    memset(s->ram, 0, m->memory_pages * IC_PAGE_SIZE);
    g_autoptr(GError) error = NULL;
    if (!load_images(s, &error)) {
        end_machine(s, 1, error->message); /* they loaded at start: a changed file? */
        return;
    }
    msrv_dir_forget(s->dir);
    for (guint i = 0; i < m->n_nodes; i++) {
        g_clear_pointer(&s->grants_sent[i], g_free);
        g_hash_table_remove_all(s->grant_routes[i]);
    }
    reset_devices(s);
    s->resetting = FALSE;
    s->resets++;
    g_info("machine reset %u: starting again", s->resets);
    for (guint i = 0; i < m->n_nodes; i++)
        send_reset_phase(s, i, SHOAL__V1__RESET_PHASE__RESET_PHASE_GO);
}

static void on_debug_pages(Server *s, IcPeer peer, const PeerInfo *info, const IcEnvelope *env)
{
    MsrvDirCensus c;
    msrv_dir_census(s->dir, &c);
    Shoal__V1__DebugPages pages = SHOAL__V1__DEBUG_PAGES__INIT;
    pages.pages = c.pages;
    pages.uncached = c.by_state[MSRV_PAGE_UNCACHED];
    pages.shared = c.by_state[MSRV_PAGE_SHARED];
    pages.modified = c.by_state[MSRV_PAGE_MODIFIED];
    pages.busy = c.busy;
    pages.n_node_modified = pages.n_node_shared = s->machine->n_nodes;
    pages.node_modified = c.node_modified;
    pages.node_shared = c.node_shared;
    IcEnvelope out = SHOAL__V1__ENVELOPE__INIT;
    out.txid = env->txid;
    out.body_case = SHOAL__V1__ENVELOPE__BODY_DEBUG_PAGES;
    out.debug_pages = &pages;
    send_to(s, peer, &out);
}

static void on_debug_reset(Server *s, IcPeer peer, const PeerInfo *info, const IcEnvelope *env)
{
    start_reset(s);
}

static void on_machine_reset(Server *s, IcPeer peer, const PeerInfo *info, const IcEnvelope *env)
{
    gboolean devices = info->role == ROLE_DEVICES;
    if (!s->resetting || env->machine_reset->phase != SHOAL__V1__RESET_PHASE__RESET_PHASE_STOPPED ||
        (devices ? !s->virtio_stopping : s->reset_stopped[info->node])) {
        send_error(s, peer, env->txid, SHOAL__V1__ERROR_CODE__ERROR_CODE_BAD_REQUEST,
                   "MachineReset STOPPED without a reset under way");
        return;
    }
    if (devices) {
        s->virtio_stopping = FALSE;
    } else {
        s->reset_stopped[info->node] = TRUE;
        s->n_reset_stopped++;
    }
    finish_reset(s);
}

/* ---- snapshots (docs/snapshot.md; snapshot.c keeps the books) ---- */

static void send_nodes(Server *s, IcEnvelope *env)
{
    for (guint i = 0; i < s->machine->n_nodes; i++)
        send_node(s, i, env);
}

static void send_saved(Server *s, IcPeer peer, guint64 txid, const Shoal__V1__SnapshotSaved *r)
{
    IcEnvelope out = SHOAL__V1__ENVELOPE__INIT;
    out.txid = txid;
    out.body_case = SHOAL__V1__ENVELOPE__BODY_SNAPSHOT_SAVED;
    out.snapshot_saved = (Shoal__V1__SnapshotSaved *)r;
    send_to(s, peer, &out);
}

/* Holds every hart with a DebugHalt of our own: the debugger's, if it
 * holds the machine already, is answered at once and stays. */
static void start_save(Server *s, const char *path, gint reply_peer, guint64 reply_txid)
{
    const char *why = s->save      ? "a snapshot is being saved already"
                      : s->resetting ? "the machine is being reset"
                      : s->bridge    ? "SystemC models cannot be saved yet: a machine with a "
                                       "sysc device has no snapshots"
                      : s->virtio    ? "virtio devices cannot be saved yet: a machine with one "
                                       "has no snapshots"
                      : cfg_machine_find_device(s->machine, CFG_DEVICE_SIFIVE_UART)
                          ? "a sifive_uart cannot be saved yet: a machine with one has no "
                            "snapshots"
                      : s->machine->n_memories > 1
                          ? "memory regions other than [memory] cannot be saved yet: a machine "
                            "with [memory.NAME] groups has no snapshots"
                          : NULL;
    if (why) {
        g_autofree char *t = g_strdup_printf("%s: %s", path, why);
        g_warning("snapshot %s", t);
        Shoal__V1__SnapshotSaved r = SHOAL__V1__SNAPSHOT_SAVED__INIT;
        r.error = t;
        if (reply_peer >= 0)
            send_saved(s, (IcPeer)reply_peer, reply_txid, &r);
        return;
    }
    guint64 halt = s->next_txid++;
    s->save = msrv_save_new(s->machine, path, reply_peer, reply_txid, halt);
    g_info("snapshot %s: holding every hart", path);
    Shoal__V1__DebugHalt msg = SHOAL__V1__DEBUG_HALT__INIT;
    IcEnvelope env = SHOAL__V1__ENVELOPE__INIT;
    env.txid = halt;
    env.body_case = SHOAL__V1__ENVELOPE__BODY_DEBUG_HALT;
    env.debug_halt = &msg;
    /* A node still starting gets it with its Hello: the save waits for it. */
    for (guint i = 0; i < s->machine->n_nodes; i++)
        send_node_held(s, i, &env);
}

/* Every node held and no page transaction open: nothing moves now, so
 * the nodes' Modified pages and RAM together are the machine's memory. */
static void maybe_dump(Server *s)
{
    /* The directory's scan last: this runs after every message, one per
     * page a node sends during the dump. */
    if (!s->save || !msrv_save_ready(s->save) || !msrv_dir_idle(s->dir))
        return;
    msrv_save_start_dump(s->save);
    Shoal__V1__SnapshotDump msg = SHOAL__V1__SNAPSHOT_DUMP__INIT;
    IcEnvelope env = SHOAL__V1__ENVELOPE__INIT;
    env.txid = s->next_txid++;
    env.body_case = SHOAL__V1__ENVELOPE__BODY_SNAPSHOT_DUMP;
    env.snapshot_dump = &msg;
    send_nodes(s, &env);
}

static void save_halted(Server *s, guint node)
{
    if (msrv_save_halted(s->save, node))
        maybe_dump(s);
}

/* The server's own save (--snapshot-at) lets the harts go on; the
 * debugger's leaves them held for the debugger to resume. */
static void resume_after_save(Server *s)
{
    const CfgMachine *m = s->machine;
    for (guint i = 0; i < m->n_nodes; i++) {
        const CfgNode *n = &m->nodes[i];
        g_autofree uint32_t *run = g_new(uint32_t, n->n_harts);
        for (guint k = 0; k < n->n_harts; k++)
            run[k] = n->first_hart + k;
        Shoal__V1__DebugResume msg = SHOAL__V1__DEBUG_RESUME__INIT;
        msg.n_run = n->n_harts;
        msg.run = run;
        IcEnvelope env = SHOAL__V1__ENVELOPE__INIT;
        env.txid = s->next_txid++;
        env.body_case = SHOAL__V1__ENVELOPE__BODY_DEBUG_RESUME;
        env.debug_resume = &msg;
        send_node(s, i, &env);
    }
}

static void finish_save(Server *s)
{
    const CfgMachine *m = s->machine;
    flush_console(s, TRUE); /* what the guest wrote before belongs to this run */
    Shoal__V1__SnapshotMeta meta = SHOAL__V1__SNAPSHOT_META__INIT;
    Shoal__V1__UartState uart = SHOAL__V1__UART_STATE__INIT;
    Shoal__V1__PlicState plic = SHOAL__V1__PLIC_STATE__INIT;
    g_autofree Shoal__V1__GpioState *gpios = g_new(Shoal__V1__GpioState, MAX(m->n_devices, 1));
    g_autofree Shoal__V1__GpioState **gpio_ptrs =
        g_new(Shoal__V1__GpioState *, MAX(m->n_devices, 1));
    msrv_uart_save(s->uart, &uart);
    meta.uart = &uart;
    if (s->plic) {
        msrv_plic_save(s->plic, &plic);
        meta.plic = &plic;
    }
    for (guint i = 0; i < m->n_devices; i++) {
        if (!s->gpios[i])
            continue;
        Shoal__V1__GpioState *g = &gpios[meta.n_gpios];
        shoal__v1__gpio_state__init(g);
        msrv_gpio_save(s->gpios[i], g);
        g->device = (char *)m->devices[i].name;
        gpio_ptrs[meta.n_gpios++] = g;
    }
    meta.gpios = gpio_ptrs;
    Shoal__V1__SnapshotSaved result = SHOAL__V1__SNAPSHOT_SAVED__INIT;
    g_autoptr(GError) error = NULL;
    result.ok = msrv_save_write(s->save, s->ram, &meta, &result, &error);
    if (!result.ok) {
        result.error = error->message;
        g_warning("snapshot %s", error->message);
    }
    msrv_uart_state_clear(&uart);
    msrv_plic_state_clear(&plic);
    guint64 txid;
    gint peer = msrv_save_reply_peer(s->save, &txid);
    if (peer >= 0) {
        send_saved(s, (IcPeer)peer, txid, &result);
    } else {
        if (result.ok)
            g_message("snapshot saved to %s (%" G_GUINT64_FORMAT " bytes, %" G_GUINT64_FORMAT
                      " us)", msrv_save_path(s->save), result.file_bytes, result.save_us);
        resume_after_save(s);
    }
    g_clear_pointer(&s->save, msrv_save_free);
}

static void on_snapshot_save(Server *s, IcPeer peer, const PeerInfo *info, const IcEnvelope *env)
{
    start_save(s, env->snapshot_save->path, (gint)peer, env->txid);
}

static void on_snapshot_page(Server *s, IcPeer peer, const PeerInfo *info, const IcEnvelope *env)
{
    g_autoptr(GError) error = NULL;
    if (!s->save || !msrv_save_take_page(s->save, info->node, env->snapshot_page, &error))
        g_warning("%s: %s", ic_server_peer_name(s->ic, peer),
                  error ? error->message : "SnapshotPage with no snapshot under way");
}

static void on_node_state(Server *s, IcPeer peer, const PeerInfo *info, const IcEnvelope *env)
{
    g_autoptr(GError) error = NULL;
    if (!s->save || !msrv_save_take_state(s->save, info->node, env->node_state, &error)) {
        g_warning("%s: %s", ic_server_peer_name(s->ic, peer),
                  error ? error->message : "NodeState with no snapshot under way");
        return;
    }
    if (msrv_save_complete(s->save))
        finish_save(s);
}

static void on_page_request(Server *s, IcPeer peer, const PeerInfo *info, const IcEnvelope *env)
{
    guint node = info->node;
    MsrvReqKind kind;
    guint64 page;
    gboolean here = FALSE;
    const guint8 *data = NULL;
    const Shoal__V1__Access *access = NULL;
    switch (env->body_case) {
    case SHOAL__V1__ENVELOPE__BODY_GET_S:
        kind = MSRV_REQ_GET_S, page = env->get_s->page, here = env->get_s->reply_here;
        access = env->get_s->access;
        break;
    case SHOAL__V1__ENVELOPE__BODY_GET_M:
        kind = MSRV_REQ_GET_M, page = env->get_m->page, here = env->get_m->reply_here;
        access = env->get_m->access;
        break;
    case SHOAL__V1__ENVELOPE__BODY_UPGRADE:
        kind = MSRV_REQ_UPGRADE, page = env->upgrade->page, here = env->upgrade->reply_here;
        break;
    case SHOAL__V1__ENVELOPE__BODY_PUT_M:
        kind = MSRV_REQ_PUT_M, page = env->put_m->page, data = env->put_m->data.data;
        break;
    default:
        g_assert_not_reached();
    }
    if (!msrv_dir_has_page(s->dir, page)) {
        g_autofree char *t = g_strdup_printf("%s for 0x%" G_GINT64_MODIFIER "x, not RAM",
                                             ic_envelope_body_name(env), page);
        send_error_here(s, peer, here, env->txid, SHOAL__V1__ERROR_CODE__ERROR_CODE_NOT_RAM, t);
        return;
    }
    if (kind != MSRV_REQ_GET_S && msrv_dir_read_only(s->dir, page)) {
        /* A node makes a guest's store to a rom an access fault itself;
         * one that asks anyway is confused, and the rom stays as it is. */
        const CfgMemory *r = cfg_machine_find_memory(s->machine, page);
        g_autofree char *t = g_strdup_printf("%s for 0x%" G_GINT64_MODIFIER "x, in read-only %s",
                                             ic_envelope_body_name(env), page, r->label);
        g_warning("%s: %s", ic_server_peer_name(s->ic, peer), t);
        send_error_here(s, peer, here, env->txid, SHOAL__V1__ERROR_CODE__ERROR_CODE_NOT_RAM, t);
        return;
    }
    /* (txid 0 is a prefetch's grant, which goes to the agent.) */
    if (here && env->txid != 0)
        g_hash_table_insert(s->grant_routes[node], GSIZE_TO_POINTER(env->txid),
                            GUINT_TO_POINTER(peer + 1));
    if (access && here && env->txid != 0) {
        MsrvAccess a = { access->addr, access->size, (guint32)access->op, access->operand };
        msrv_dir_request_access(s->dir, node, kind, env->txid, page, &a);
    } else {
        msrv_dir_request(s->dir, node, kind, env->txid, page, data);
    }
    if (kind != MSRV_REQ_PUT_M) {
        /* Untouched neighbours go along (directory.h, msrv_dir_prefetch):
         * one round trip instead of one per page for a node sweeping
         * through fresh memory. */
        for (guint i = 1; i <= s->machine->msrv_prefetch_pages; i++) {
            if (!msrv_dir_prefetch(s->dir, node, page + (guint64)i * IC_PAGE_SIZE)) {
                break;
            }
        }
    }
}

/* A gpio register access; pins whose level changed drive the model inputs
 * wired to them (the ModelLine goes out before the hart's answer). A write
 * that leaves the restart-pin driven low asks for a machine reset, as
 * QEMU's sifive_u resets on every write while its pin 10 is driven low
 * (the reset itself starts after the answer, as for sifive_test). */
static gboolean gpio_access(Server *s, const CfgDevice *d, const Shoal__V1__MmioRequest *req,
                            guint64 off, guint64 *value, MsrvTestAction *ends)
{
    guint index = (guint)(d - s->machine->devices);
    MsrvGpio *gpio = s->gpios[index];
    if (!req->is_write)
        return msrv_gpio_read(gpio, off, req->size, value);
    guint32 before = msrv_gpio_levels(gpio);
    gboolean ok = msrv_gpio_write(gpio, off, req->size, req->data);
    *value = 0;
    if (s->bridge && msrv_gpio_levels(gpio) != before)
        msrv_bridge_pins(s->bridge, index, msrv_gpio_levels(gpio), req->guest_ns);
    if (d->restart_pin >= 0 && (msrv_gpio_driven_low(gpio) >> d->restart_pin) & 1) {
        g_info("[device.%s]: restart-pin %d driven low", d->name, d->restart_pin);
        *ends = MSRV_TEST_RESET;
    }
    return ok;
}

static gboolean device_access(Server *s, const Shoal__V1__MmioRequest *req, guint64 *value,
                              int *exit_code, MsrvTestAction *ends)
{
    const IcRegion *r = ic_addr_map_lookup(s->map, req->addr);
    gboolean ok;
    *ends = MSRV_TEST_NONE;
    if (!r || r->owner != IC_OWNER_MSRV_DEVICE || req->addr + req->size - r->base > r->size)
        return FALSE;
    guint64 off = req->addr - r->base;
    switch (r->device->type) {
    case CFG_DEVICE_NS16550:
        ok = req->is_write ? msrv_uart_write(s->uart, off, req->data)
                           : msrv_uart_read(s->uart, off, value);
        sync_uart_irq(s);
        return ok;
    case CFG_DEVICE_SIFIVE_UART: {
        MsrvSifiveUart *u = s->suarts[r->device - s->machine->devices];
        ok = req->is_write ? msrv_sifive_uart_write(u, off, req->size, req->data)
                           : msrv_sifive_uart_read(u, off, req->size, value);
        sync_uart_irq(s);
        return ok;
    }
    case CFG_DEVICE_SIFIVE_TEST:
        if (req->is_write)
            *ends = msrv_sifive_test_write(off, req->data, exit_code);
        *value = 0;
        return TRUE;
    case CFG_DEVICE_PLIC:
        if (!s->plic)
            return FALSE; /* a second PLIC in the config: only the first is modelled */
        return req->is_write ? msrv_plic_write(s->plic, off, req->size, req->data)
                             : msrv_plic_read(s->plic, off, req->size, value);
    case CFG_DEVICE_GPIO:
        return gpio_access(s, r->device, req, off, value, ends);
    case CFG_DEVICE_CLINT: /* the nodes serve it: never routed here */
    case CFG_DEVICE_SYSC:  /* the bridge serves it (on_mmio) */
    case CFG_DEVICE_VIRTIO_BLK: /* shoal-virtio serves them (on_mmio) */
    case CFG_DEVICE_VIRTIO_RNG:
    case CFG_DEVICE_VIRTIO_NET:
    case CFG_DEVICE_VIRTIO_CONSOLE:
        return FALSE;
    }
    return FALSE;
}

static void on_mmio(Server *s, IcPeer peer, const PeerInfo *info, const IcEnvelope *env)
{
    const Shoal__V1__MmioRequest *req = env->mmio_request;
    const IcRegion *region = ic_addr_map_lookup(s->map, req->addr);
    MsrvBridge *relay = !region                              ? NULL
                        : region->owner == IC_OWNER_BRIDGE ? s->bridge
                        : region->owner == IC_OWNER_VIRTIO ? s->virtio
                                                           : NULL;
    if (relay && req->addr + req->size - region->base <= region->size) {
        msrv_bridge_mmio(relay, peer, env);
        return;
    }
    guint64 value = 0;
    int code = 0;
    MsrvTestAction ends = MSRV_TEST_NONE;
    Shoal__V1__MmioResponse resp = SHOAL__V1__MMIO_RESPONSE__INIT;
    resp.ok = device_access(s, req, &value, &code, &ends);
    resp.data = value;
    if (!resp.ok && req->posted)
        /* The node posts only writes the device takes (ic_region_write_posted). */
        g_warning("%s: posted write to 0x%" G_GINT64_MODIFIER "x (%u bytes) refused",
                  ic_server_peer_name(s->ic, peer), req->addr, req->size);
    else if (!resp.ok)
        g_debug("%s: access fault at 0x%" G_GINT64_MODIFIER "x (%s, %u bytes)",
                ic_server_peer_name(s->ic, peer), req->addr, req->is_write ? "write" : "read",
                req->size);
    if (!req->posted) {
        IcEnvelope reply = SHOAL__V1__ENVELOPE__INIT;
        reply.txid = env->txid;
        reply.body_case = SHOAL__V1__ENVELOPE__BODY_MMIO_RESPONSE;
        reply.mmio_response = &resp;
        reply_to(s, peer, req->reply_here, &reply);
    }
    if (ends == MSRV_TEST_EXIT) {
        g_autofree char *why = g_strdup_printf("guest wrote 0x%" G_GINT64_MODIFIER
                                               "x to the test device", req->data);
        end_machine(s, code, why);
    } else if (ends == MSRV_TEST_RESET) {
        start_reset(s);
    }
}

static void send_irq(Server *s, guint node, const Shoal__V1__IrqLine *irq)
{
    IcEnvelope fwd = SHOAL__V1__ENVELOPE__INIT;
    fwd.txid = s->next_txid++;
    fwd.body_case = SHOAL__V1__ENVELOPE__BODY_IRQ_LINE;
    fwd.irq_line = (Shoal__V1__IrqLine *)irq;
    send_node(s, node, &fwd);
}

/* Sends @irq to the node of its hart. Harts start as soon as their own node
 * is up, so an IPI (or a PLIC output) may target a node that has not
 * connected yet: hold it until that node's Hello. */
static void route_irq(Server *s, const Shoal__V1__IrqLine *irq)
{
    const CfgMachine *m = s->machine;
    guint hart = irq->hart;
    if (s->quantum)
        msrv_quantum_lines_moved(s->quantum);
    for (guint n = 0; n < m->n_nodes; n++) {
        if (hart >= m->nodes[n].first_hart && hart - m->nodes[n].first_hart < m->nodes[n].n_harts) {
            if (s->node_peer[n] >= 0) {
                send_irq(s, n, irq);
            } else {
                Shoal__V1__IrqLine copy = *irq;
                copy.base.unknown_fields = NULL;
                copy.base.n_unknown_fields = 0;
                g_array_append_val(s->held_irqs[n], copy);
            }
            return;
        }
    }
    g_warning("interrupt for hart %u, which is in no node", hart);
}

static void on_irq_line(Server *s, IcPeer peer, const PeerInfo *info, const IcEnvelope *env)
{
    route_irq(s, env->irq_line);
}

/* A PLIC context's output changed: MEIP/SEIP of its hart follows it. */
static void plic_output(gpointer opaque, guint hart, guint mip_bit, gboolean level)
{
    Server *s = opaque;
    Shoal__V1__IrqLine irq = SHOAL__V1__IRQ_LINE__INIT;
    irq.line = mip_bit;
    irq.level = level;
    irq.hart = hart;
    g_debug("PLIC: hart %u mip bit %u -> %d", hart, mip_bit, level);
    route_irq(s, &irq);
}

/* What the nodes' copy of LSR says: LSR, the UART's room for a posted THR
 * write in bit 8 (IC_MIRROR_LSR_ROOM), and whether the copy may be read
 * (not while reading LSR would clear latched errors) in bit 9. */
static gint uart_status(const MsrvUart *uart)
{
    guint8 lsr;
    gboolean valid = msrv_uart_lsr_peek(uart, &lsr);
    return lsr | (msrv_uart_tx_room(uart) ? IC_MIRROR_LSR_ROOM : 0) | (valid ? 1 << 9 : 0);
}

/* The node's copy of the UART's LSR, as last sent (valid = FALSE: read it
 * the slow way). */
static void send_lsr_mirror(Server *s, guint node)
{
    Shoal__V1__DeviceMirror mirror = SHOAL__V1__DEVICE_MIRROR__INIT;
    mirror.addr = s->uart_lsr_addr;
    mirror.value = (guint32)s->uart_lsr_sent & (0xff | IC_MIRROR_LSR_ROOM);
    mirror.valid = (s->uart_lsr_sent >> 9) != 0;
    IcEnvelope env = SHOAL__V1__ENVELOPE__INIT;
    env.txid = s->next_txid++;
    env.body_case = SHOAL__V1__ENVELOPE__BODY_DEVICE_MIRROR;
    env.device_mirror = &mirror;
    send_node(s, node, &env);
}

/* After anything that may change the UART: its interrupt line (the PLIC
 * source follows it; the PLIC ignores a level that did not change), and the
 * nodes' copies of its LSR (before the answer to the access that changed
 * it goes out). */
static void sync_uart_irq(Server *s)
{
    if (s->plic && s->uart_source)
        msrv_plic_set_line(s->plic, s->uart_source, msrv_uart_irq(s->uart));
    for (guint i = 0; s->plic && i < s->machine->n_devices; i++) {
        if (s->suarts[i] && s->machine->devices[i].irq > 0)
            msrv_plic_set_line(s->plic, (guint)s->machine->devices[i].irq,
                               msrv_sifive_uart_irq(s->suarts[i]));
    }
    if (s->uart_lsr_addr == 0)
        return;
    gint now = uart_status(s->uart);
    if (now == s->uart_lsr_sent)
        return;
    s->uart_lsr_sent = now;
    for (guint i = 0; i < s->machine->n_nodes; i++) {
        if (s->node_peer[i] >= 0)
            send_lsr_mirror(s, i);
    }
}

typedef struct {
    Server *server;
    Shoal__V1__QuantumReached reached; /* no pointers */
} Reached;

static void quantum_reached_now(gpointer data)
{
    Reached *r = data;
    g_autoptr(GError) error = NULL;
    if (!msrv_quantum_reached(r->server->quantum, &r->reached, &error))
        g_warning("sysc bridge: %s", error->message);
    g_free(r);
}

/* The harts go on only once the models' DMA writes of the quantum landed. */
static void on_quantum_reached(Server *s, IcPeer peer, const PeerInfo *info,
                               const IcEnvelope *env)
{
    Reached *r = g_new(Reached, 1);
    r->server = s;
    r->reached = *env->quantum_reached;
    r->reached.base.unknown_fields = NULL;
    r->reached.base.n_unknown_fields = 0;
    msrv_bridge_after_writes(s->bridge, quantum_reached_now, r);
}

static void on_page_ack(Server *s, IcPeer peer, const PeerInfo *info, const IcEnvelope *env)
{
    g_autoptr(GError) error = NULL;
    if (!msrv_dir_ack(s->dir, info->node, env->page_ack->page,
                      env->page_ack->data.len ? env->page_ack->data.data : NULL, &error))
        g_warning("%s: %s", ic_server_peer_name(s->ic, peer), error->message);
}

static void on_access_result(Server *s, IcPeer peer, const PeerInfo *info,
                             const IcEnvelope *env)
{
    g_autoptr(GError) error = NULL;
    if (!msrv_dir_access_done(s->dir, info->node, env->access_result->page,
                              env->access_result->value, &error))
        g_warning("%s: %s", ic_server_peer_name(s->ic, peer), error->message);
}

static void on_guest_exit(Server *s, IcPeer peer, const PeerInfo *info, const IcEnvelope *env)
{
    g_autofree char *why = g_strdup_printf("guest wrote tohost on node %u", info->node);
    end_machine(s, env->guest_exit->code, why);
}

/* The console wrote more out: room in the window (flush_console, after
 * this message). */
static void on_console_ack(Server *s, IcPeer peer, const PeerInfo *info, const IcEnvelope *env)
{
    guint64 written = env->console_ack->written;
    if (written > s->console_sent || written < s->console_written) {
        g_warning("console says it wrote %" G_GUINT64_FORMAT " bytes, of %" G_GUINT64_FORMAT
                  " sent (%" G_GUINT64_FORMAT " before); ignored", written, s->console_sent,
                  s->console_written);
        return;
    }
    if (written > s->console_written)
        s->console_seen_us = g_get_monotonic_time();
    s->console_written = written;
}

static void on_console_bytes(Server *s, IcPeer peer, const PeerInfo *info, const IcEnvelope *env)
{
    const ProtobufCBinaryData *in = &env->console_bytes->data;
    if (s->console_suart)
        msrv_sifive_uart_push_input(s->console_suart, in->data, in->len);
    else
        msrv_uart_push_input(s->uart, in->data, in->len);
    sync_uart_irq(s);
}

/* The device process that sent a message (the route admits only the two). */
static MsrvBridge *sender(Server *s, const PeerInfo *info)
{
    return info->role == ROLE_BRIDGE ? s->bridge : s->virtio;
}

static void on_mmio_response(Server *s, IcPeer peer, const PeerInfo *info, const IcEnvelope *env)
{
    g_autoptr(GError) error = NULL;
    if (!msrv_bridge_mmio_response(sender(s, info), env, &error))
        g_warning("%s: %s", ic_server_peer_name(s->ic, peer), error->message);
}

static void on_dma_request(Server *s, IcPeer peer, const PeerInfo *info, const IcEnvelope *env)
{
    msrv_bridge_dma(sender(s, info), env);
    msrv_dma_node_run_deferred(s->dma);
}

static void on_device_line(Server *s, IcPeer peer, const PeerInfo *info, const IcEnvelope *env)
{
    g_autoptr(GError) error = NULL;
    if (!msrv_bridge_line(sender(s, info), env, &error))
        g_warning("%s: %s", ic_server_peer_name(s->ic, peer), error->message);
}

static void on_quantum_done(Server *s, IcPeer peer, const PeerInfo *info, const IcEnvelope *env)
{
    const CfgNode *n = &s->machine->nodes[info->node];
    guint hart = env->quantum_done->hart;
    g_autoptr(GError) error = NULL;
    if (hart < n->first_hart || hart - n->first_hart >= n->n_harts)
        g_warning("%s: QuantumDone for hart %u, which is not one of its harts",
                  ic_server_peer_name(s->ic, peer), hart);
    else if (!msrv_quantum_done(s->quantum, env->quantum_done, &error))
        g_warning("%s: %s", ic_server_peer_name(s->ic, peer), error->message);
}

static void on_error(Server *s, IcPeer peer, const PeerInfo *info, const IcEnvelope *env)
{
    g_warning("%s reports error %u: %s", ic_server_peer_name(s->ic, peer), env->error->code,
              env->error->text);
}

/* What the server takes, by message: from which roles, whether only in
 * deterministic time (the quantum barrier exists), and who handles it.
 * Anything else is answered Error{BAD_REQUEST}. docs/protocol.md has the
 * same table with the answers each must get. */
typedef void (*Handler)(Server *s, IcPeer peer, const PeerInfo *info, const IcEnvelope *env);
#define FROM(role) (1u << (role))
typedef struct {
    guint roles;            /* FROM(ROLE_...) bits; 0: not taken */
    gboolean deterministic; /* only with a quantum barrier */
    Handler handle;
} Route;

static const Route routes[] = {
    [SHOAL__V1__ENVELOPE__BODY_GET_S] = { FROM(ROLE_NODE), FALSE, on_page_request },
    [SHOAL__V1__ENVELOPE__BODY_GET_M] = { FROM(ROLE_NODE), FALSE, on_page_request },
    [SHOAL__V1__ENVELOPE__BODY_UPGRADE] = { FROM(ROLE_NODE), FALSE, on_page_request },
    [SHOAL__V1__ENVELOPE__BODY_PUT_M] = { FROM(ROLE_NODE), FALSE, on_page_request },
    [SHOAL__V1__ENVELOPE__BODY_PAGE_ACK] = { FROM(ROLE_NODE), FALSE, on_page_ack },
    [SHOAL__V1__ENVELOPE__BODY_ACCESS_RESULT] = { FROM(ROLE_NODE), FALSE, on_access_result },
    [SHOAL__V1__ENVELOPE__BODY_MMIO_REQUEST] = { FROM(ROLE_NODE), FALSE, on_mmio },
    [SHOAL__V1__ENVELOPE__BODY_IO_FENCE] = { FROM(ROLE_NODE), FALSE, on_io_fence },
    [SHOAL__V1__ENVELOPE__BODY_IRQ_LINE] = { FROM(ROLE_NODE), FALSE, on_irq_line },
    [SHOAL__V1__ENVELOPE__BODY_GUEST_EXIT] = { FROM(ROLE_NODE), FALSE, on_guest_exit },
    [SHOAL__V1__ENVELOPE__BODY_QUANTUM_DONE] = { FROM(ROLE_NODE), TRUE, on_quantum_done },
    [SHOAL__V1__ENVELOPE__BODY_CONSOLE_BYTES] = { FROM(ROLE_CONSOLE), FALSE, on_console_bytes },
    [SHOAL__V1__ENVELOPE__BODY_CONSOLE_ACK] = { FROM(ROLE_CONSOLE), FALSE, on_console_ack },
    [SHOAL__V1__ENVELOPE__BODY_MMIO_RESPONSE] = { FROM(ROLE_BRIDGE) | FROM(ROLE_DEVICES), FALSE,
                                                  on_mmio_response },
    [SHOAL__V1__ENVELOPE__BODY_DMA_REQUEST] = { FROM(ROLE_BRIDGE) | FROM(ROLE_DEVICES), FALSE,
                                                on_dma_request },
    [SHOAL__V1__ENVELOPE__BODY_DEVICE_LINE] = { FROM(ROLE_BRIDGE) | FROM(ROLE_DEVICES), FALSE,
                                                on_device_line },
    [SHOAL__V1__ENVELOPE__BODY_QUANTUM_REACHED] = { FROM(ROLE_BRIDGE), TRUE, on_quantum_reached },
    [SHOAL__V1__ENVELOPE__BODY_DEBUG_HALT] = { FROM(ROLE_DEBUGGER), FALSE, on_debug_to_nodes },
    [SHOAL__V1__ENVELOPE__BODY_DEBUG_RESUME] = { FROM(ROLE_DEBUGGER), FALSE, on_debug_to_nodes },
    [SHOAL__V1__ENVELOPE__BODY_DEBUG_BREAKPOINTS] = { FROM(ROLE_DEBUGGER), FALSE,
                                                      on_debug_to_nodes },
    [SHOAL__V1__ENVELOPE__BODY_DEBUG_ACCESS] = { FROM(ROLE_DEBUGGER), FALSE, on_debug_access },
    [SHOAL__V1__ENVELOPE__BODY_DEBUG_STOPPED] = { FROM(ROLE_NODE), FALSE, on_debug_from_node },
    [SHOAL__V1__ENVELOPE__BODY_MACHINE_RESET] = { FROM(ROLE_NODE) | FROM(ROLE_DEVICES), FALSE,
                                                  on_machine_reset },
    [SHOAL__V1__ENVELOPE__BODY_DEBUG_RESET] = { FROM(ROLE_DEBUGGER), FALSE, on_debug_reset },
    [SHOAL__V1__ENVELOPE__BODY_DEBUG_PAGES_QUERY] = { FROM(ROLE_DEBUGGER), FALSE, on_debug_pages },
    [SHOAL__V1__ENVELOPE__BODY_DEBUG_ACCESS_REPLY] = { FROM(ROLE_NODE), FALSE,
                                                       on_debug_from_node },
    [SHOAL__V1__ENVELOPE__BODY_SNAPSHOT_SAVE] = { FROM(ROLE_DEBUGGER), FALSE, on_snapshot_save },
    [SHOAL__V1__ENVELOPE__BODY_SNAPSHOT_PAGE] = { FROM(ROLE_NODE), FALSE, on_snapshot_page },
    [SHOAL__V1__ENVELOPE__BODY_NODE_STATE] = { FROM(ROLE_NODE), FALSE, on_node_state },
    [SHOAL__V1__ENVELOPE__BODY_ERROR] = { FROM(ROLE_NONE) | FROM(ROLE_NODE) | FROM(ROLE_CONSOLE) |
                                              FROM(ROLE_BRIDGE) | FROM(ROLE_DEBUGGER),
                                          FALSE, on_error },
};

static void dispatch(Server *s, IcPeer peer, const IcEnvelope *env)
{
    PeerInfo *info = peer_info(s, peer);
    if (s->done) {
        /* Over: only the console's echo of Shutdown still matters. */
        if (info->role == ROLE_CONSOLE && env->body_case == SHOAL__V1__ENVELOPE__BODY_SHUTDOWN)
            s->console_has_all = TRUE;
        return;
    }
    if (env->body_case == SHOAL__V1__ENVELOPE__BODY_HELLO) {
        on_hello(s, peer, env);
        return;
    }
    guint kind = (guint)env->body_case;
    const Route *route = kind < G_N_ELEMENTS(routes) ? &routes[kind] : NULL;
    if (route && (route->roles & FROM(info->role)) && (!route->deterministic || s->quantum)) {
        route->handle(s, peer, info, env);
        return;
    }
    static const char *const role_names[] = {
        [ROLE_NONE] = "none (no Hello)", [ROLE_NODE] = "node", [ROLE_CONSOLE] = "console",
        [ROLE_BRIDGE] = "bridge", [ROLE_DEBUGGER] = "debugger", [ROLE_DEVICES] = "devices",
    };
    g_autofree char *t = g_strdup_printf("unexpected %s from a peer with role %s",
                                         ic_envelope_body_name(env), role_names[info->role]);
    send_error(s, peer, env->txid, SHOAL__V1__ERROR_CODE__ERROR_CODE_BAD_REQUEST, t);
}

/* ---- setup ---- */

/* The bytes of guest memory at @addr, a byte of region @r. */
static guint8 *memory_at(Server *s, const CfgMemory *r, guint64 addr)
{
    return s->ram + r->first_page * IC_PAGE_SIZE + (addr - r->base);
}

/* Every region's image at its base (the config checked that each is there
 * and fits; a file changed since is an error, not a crash). */
static gboolean load_region_images(Server *s, GError **error)
{
    const CfgMachine *m = s->machine;
    for (guint i = 0; i < m->n_memories; i++) {
        const CfgMemory *r = &m->memories[i];
        if (!r->image)
            continue;
        g_autofree char *bytes = NULL;
        gsize len = 0;
        if (!g_file_get_contents(r->image, &bytes, &len, error)) {
            g_prefix_error(error, "[%s] image: ", r->group);
            return FALSE;
        }
        if (len > r->size) {
            g_set_error(error, CFG_ERROR, CFG_ERROR_VALUE,
                        "[%s] image: %s: %zu bytes do not fit in the region's 0x%"
                        G_GINT64_MODIFIER "x", r->group, r->image, len, r->size);
            return FALSE;
        }
        memcpy(memory_at(s, r, r->base), bytes, len);
    }
    return TRUE;
}

/* Copies every region's image and every checked piece of the boot plan
 * (bios, kernel, device tree) into guest memory before any node can see a
 * page of it. */
static gboolean load_images(Server *s, GError **error)
{
    const CfgMachine *m = s->machine;
    if (!load_region_images(s, error))
        return FALSE;
    g_autoptr(CfgBoot) boot = cfg_boot_new(m, error);
    if (!boot)
        return FALSE;
    for (guint i = 0; i < boot->blobs->len; i++) {
        const CfgBootBlob *b = &g_array_index(boot->blobs, CfgBootBlob, i);
        /* cfg_boot_new checked [paddr, paddr + mem_size) lies inside RAM. */
        g_assert(b->paddr >= m->ram_base && b->mem_size >= b->file_size &&
                 b->paddr - m->ram_base + b->mem_size <= m->ram_size);
        guint8 *dst = memory_at(s, &m->memories[0], b->paddr);
        memcpy(dst, b->data, b->file_size);
        memset(dst + b->file_size, 0, b->mem_size - b->file_size);
    }
    s->boot_pc = boot->entry;
    s->fdt_addr = boot->fdt_addr;
    s->has_tohost = boot->has_tohost;
    s->tohost = boot->tohost;
    return TRUE;
}

/* The PLIC at power-on: an S context for the harts of nodes with S-mode. */
static MsrvPlic *new_plic(Server *s)
{
    const CfgMachine *m = s->machine;
    g_autofree gboolean *has_s = g_new(gboolean, m->n_harts);
    for (guint h = 0; h < m->n_harts; h++)
        has_s[h] = !cfg_machine_hart_node(m, h)->isa.no_s_mode;
    return msrv_plic_new(m->n_harts, has_s, plic_output, s);
}

/* The PLIC, if the machine has one, and the UART's line into it. */
static gboolean setup_plic(Server *s, GError **error)
{
    const CfgMachine *m = s->machine;
    const CfgDevice *plic = cfg_machine_find_device(m, CFG_DEVICE_PLIC);
    const CfgDevice *uart = cfg_machine_find_device(m, CFG_DEVICE_NS16550);
    if (!plic)
        return TRUE; /* device interrupts go nowhere; polling still works */
    if (m->n_harts > MSRV_PLIC_MAX_HARTS) {
        g_set_error(error, CFG_ERROR, CFG_ERROR_VALUE,
                    "%s: [device.%s]: %u harts, the PLIC serves at most %u", m->path, plic->name,
                    m->n_harts, MSRV_PLIC_MAX_HARTS);
        return FALSE;
    }
    for (guint i = 0; i < m->n_devices; i++) {
        const CfgDevice *d = &m->devices[i];
        if (d->irq >= (gint)MSRV_PLIC_SOURCES) {
            g_set_error(error, CFG_ERROR, CFG_ERROR_VALUE,
                        "%s: [device.%s] irq: %d, the PLIC has sources 1..%u", m->path, d->name,
                        d->irq, MSRV_PLIC_SOURCES - 1);
            return FALSE;
        }
    }
    s->plic = new_plic(s);
    s->uart_source = uart && uart->irq > 0 ? (guint)uart->irq : 0;
    return TRUE;
}

static void bridge_send(gpointer opaque, guint peer, const IcEnvelope *env)
{
    Server *s = opaque;
    if (s->quantum) /* everything MsrvBridge sends goes to the bridge */
        msrv_quantum_bridge_busy(s->quantum);
    send_to(s, peer, (IcEnvelope *)env);
}

static void virtio_send(gpointer opaque, guint peer, const IcEnvelope *env)
{
    send_to(opaque, peer, (IcEnvelope *)env);
}

static void bridge_reply(gpointer opaque, guint peer, const IcEnvelope *env)
{
    reply_to(opaque, peer, FALSE, (IcEnvelope *)env);
}

static void quantum_go(gpointer opaque, guint64 index, guint64 start_ns)
{
    Server *s = opaque;
    const MsrvRunOptions *o = s->options;
    if (o->snapshot_at_path && !s->snapshot_at_taken && start_ns >= o->snapshot_at_ns) {
        /* The hold goes first on each node's connection: every hart stops
         * before the first instruction of this quantum. */
        s->snapshot_at_taken = TRUE;
        start_save(s, o->snapshot_at_path, -1, 0);
    }
    Shoal__V1__QuantumGo go = SHOAL__V1__QUANTUM_GO__INIT;
    go.quantum = index;
    go.start_ns = start_ns;
    IcEnvelope env = SHOAL__V1__ENVELOPE__INIT;
    env.body_case = SHOAL__V1__ENVELOPE__BODY_QUANTUM_GO;
    env.quantum_go = &go;
    for (guint i = 0; i < s->machine->n_nodes; i++) {
        env.txid = s->next_txid++;
        send_node(s, i, &env);
    }
}

static void quantum_advance(gpointer opaque, guint64 index, guint64 to_ns, guint64 idle_until_ns)
{
    Server *s = opaque;
    Shoal__V1__QuantumAdvance adv = SHOAL__V1__QUANTUM_ADVANCE__INIT;
    adv.quantum = index;
    adv.to_ns = to_ns;
    adv.idle_until_ns = idle_until_ns;
    IcEnvelope env = SHOAL__V1__ENVELOPE__INIT;
    env.txid = s->next_txid++;
    env.body_case = SHOAL__V1__ENVELOPE__BODY_QUANTUM_ADVANCE;
    env.quantum_advance = &adv;
    send_to(s, (IcPeer)msrv_bridge_peer(s->bridge), &env);
}

static const MsrvQuantumOps quantum_ops = { quantum_go, quantum_advance };

/* --restore: RAM (over the images just loaded: a reset later loads them
 * again), the devices, and time as the snapshot has them; the harts go to
 * their nodes in HelloAck. The launcher checked the file already. */
static gboolean restore_snapshot(Server *s, const char *path, GError **error)
{
    const CfgMachine *m = s->machine;
    s->restore = msrv_restore_open(m, path, s->ram, error);
    if (!s->restore)
        return FALSE;
    const Shoal__V1__SnapshotMeta *meta = msrv_restore_meta(s->restore);
    if (meta->uart && !msrv_uart_load(s->uart, meta->uart, error))
        return FALSE;
    if (s->plic && meta->plic && !msrv_plic_load(s->plic, meta->plic, error))
        return FALSE;
    for (gsize k = 0; k < meta->n_gpios; k++) {
        const Shoal__V1__GpioState *g = meta->gpios[k];
        for (guint i = 0; i < m->n_devices; i++)
            if (s->gpios[i] && g_strcmp0(m->devices[i].name, g->device) == 0)
                msrv_gpio_load(s->gpios[i], g);
    }
    sync_uart_irq(s);
    if (s->quantum) {
        msrv_quantum_restore(s->quantum, meta->quantum, meta->quantum_start_ns);
    } else {
        /* mtime goes on from the snapshot's: the epoch lies that far back
         * (before this host booted, perhaps: nodes subtract modulo 2^64). */
        guint64 ns = (guint64)((unsigned __int128)meta->mtime * 1000000000u / m->timebase_hz);
        s->epoch_ns -= ns;
    }
    g_message("restoring %s (saved from %s)", path, meta->saved_from);
    return TRUE;
}

static gboolean setup(Server *s, const char *run_dir, GError **error)
{
    const CfgMachine *m = s->machine;
    if (m->n_nodes > MSRV_DIR_MAX_NODES) {
        g_set_error(error, CFG_ERROR, CFG_ERROR_VALUE, "%s: %u nodes, at most %u are supported",
                    m->path, m->n_nodes, MSRV_DIR_MAX_NODES);
        return FALSE;
    }
    s->map = ic_addr_map_new(m, error);
    if (!s->map)
        return FALSE;
    G_STATIC_ASSERT(CFG_MEMORY_MAX <= MSRV_DIR_MAX_REGIONS);
    void *ram = mmap(NULL, m->memory_pages * IC_PAGE_SIZE, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (ram == MAP_FAILED) {
        g_set_error(error, CFG_ERROR, CFG_ERROR_VALUE,
                    "%s: cannot allocate %" G_GUINT64_FORMAT " bytes of guest memory", m->path,
                    m->memory_pages * IC_PAGE_SIZE);
        return FALSE;
    }
    s->ram = ram;
    if (!load_images(s, error))
        return FALSE;
    s->dir = msrv_dir_new(s->ram, m->ram_base, m->ram_size, &dir_ops, s);
    for (guint i = 1; i < m->n_memories; i++) {
        const CfgMemory *r = &m->memories[i];
        msrv_dir_add_region(s->dir, memory_at(s, r, r->base), r->base, r->size,
                            r->kind == CFG_MEMORY_ROM);
    }
    msrv_dir_detect_migratory(s->dir, m->msrv_migratory);
    /* Every cpu-node can make a forwarded access; which requests carry one
     * is each node's choice ([cpu] forward). */
    msrv_dir_set_forwarding(s->dir, m->n_nodes >= MSRV_DMA_NODE
                                        ? G_MAXUINT64 >> 1
                                        : (G_GUINT64_CONSTANT(1) << m->n_nodes) - 1);
    if (g_getenv("SHOAL_STATS") != NULL)
        msrv_dir_track_sharing(s->dir);
    s->uart = msrv_uart_new();
    const CfgDevice *uart = cfg_machine_find_device(m, CFG_DEVICE_NS16550);
    s->uart_lsr_addr = uart ? uart->base + 5 : 0;
    if (s->uart_lsr_addr != 0)
        s->uart_lsr_sent = uart_status(s->uart); /* what a Hello gets */
    s->suarts = g_new0(MsrvSifiveUart *, MAX(m->n_devices, 1));
    make_sifive_uarts(s);
    if (!setup_plic(s, error))
        return FALSE;
    s->gpios = g_new0(MsrvGpio *, MAX(m->n_devices, 1));
    for (guint i = 0; i < m->n_devices; i++) {
        if (m->devices[i].type == CFG_DEVICE_GPIO)
            s->gpios[i] = msrv_gpio_new();
    }
    if (cfg_machine_has_bridge(m) || cfg_machine_has_virtio(m)) {
        if (m->n_nodes > MSRV_DMA_NODE) {
            g_set_error(error, CFG_ERROR, CFG_ERROR_VALUE,
                        "%s: %u nodes, at most %u with a SystemC bridge or a virtio device",
                        m->path, m->n_nodes, MSRV_DMA_NODE);
            return FALSE;
        }
        s->dma = msrv_dma_node_new(s->dir);
    }
    if (cfg_machine_has_bridge(m))
        s->bridge = msrv_bridge_new(m, CFG_HOST_SYSC_BRIDGE, s->dir, s->dma, s->plic, bridge_send,
                                    bridge_reply, s);
    if (cfg_machine_has_virtio(m))
        s->virtio = msrv_bridge_new(m, CFG_HOST_VIRTIO, s->dir, s->dma, s->plic, virtio_send,
                                    bridge_reply, s);
    if (m->deterministic)
        s->quantum = msrv_quantum_new(m, s->bridge != NULL, &quantum_ops, s);
    /* Before anyone can connect: a process that finds the socket finds
     * this run's secret next to it (over tcp:// CurveZMQ admits peers). */
    g_autofree char *key = ic_secret_path(m, run_dir);
    if (key && !ic_secret_write_new(key, TRUE, error))
        return FALSE;
    if (key && !(s->secret = ic_secret_read(key, error)))
        return FALSE;
    s->ic = ic_server_new(m, run_dir, error);
    if (!s->ic)
        return FALSE;
    ic_server_set_spin_us(s->ic, (guint)m->msrv_spin_us);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    s->epoch_ns = (guint64)ts.tv_sec * G_GUINT64_CONSTANT(1000000000) + (guint64)ts.tv_nsec;
    return !s->options->restore || restore_snapshot(s, s->options->restore, error);
}

static void teardown(Server *s)
{
    ic_server_free(s->ic);
    msrv_bridge_free(s->bridge);
    msrv_bridge_free(s->virtio);
    msrv_dma_node_free(s->dma);
    msrv_quantum_free(s->quantum);
    ic_addr_map_free(s->map);
    msrv_dir_free(s->dir);
    msrv_save_free(s->save);
    msrv_restore_free(s->restore);
    msrv_uart_free(s->uart);
    msrv_plic_free(s->plic);
    for (guint i = 0; s->gpios && i < s->machine->n_devices; i++)
        msrv_gpio_free(s->gpios[i]);
    g_free(s->gpios);
    for (guint i = 0; s->suarts && i < s->machine->n_devices; i++)
        msrv_sifive_uart_free(s->suarts[i]);
    g_free(s->suarts);
    if (s->ram)
        munmap(s->ram, s->machine->memory_pages * IC_PAGE_SIZE);
    g_array_free(s->peers, TRUE);
    g_free(s->node_peer);
    g_clear_pointer(&s->secret, g_bytes_unref);
    for (guint i = 0; s->node_token && i < s->machine->n_nodes; i++)
        g_clear_pointer(&s->node_token[i], g_bytes_unref);
    g_free(s->node_token);
    for (guint i = 0; i < s->machine->n_nodes; i++) {
        g_array_free(s->held_irqs[i], TRUE);
        g_ptr_array_unref(s->held_debug[i]);
        g_hash_table_destroy(s->grant_routes[i]);
        g_free(s->grants_sent[i]);
    }
    g_free(s->held_irqs);
    g_free(s->held_debug);
    g_free(s->reset_stopped);
    g_free(s->grant_routes);
    g_free(s->grants_sent);
}

#define HOTTEST_PAGES 12

/* shoal run --stats: the pages sharing cost most, one line each on stderr
 * (tests/linux/page-symbols names the kernel's symbols in them). */
static void print_sharing(Server *s)
{
    guint n;
    g_autofree MsrvPageSharing *hot = msrv_dir_hottest(s->dir, HOTTEST_PAGES, &n);
    for (guint i = 0; i < n; i++) {
        const MsrvPageSharing *p = &hot[i];
        guint64 asked = p->requests[MSRV_REQ_GET_S] + p->requests[MSRV_REQ_GET_M] +
                        p->requests[MSRV_REQ_UPGRADE];
        g_autoptr(GString) nodes = g_string_new(NULL);
        for (guint b = 0; b < MSRV_DIR_MAX_NODES; b++)
            if (p->nodes & (G_GUINT64_CONSTANT(1) << b))
                g_string_append_printf(nodes, "%s%u", nodes->len ? "," : "", b);
        fprintf(stderr,
                "shoal: hot page 0x%" G_GINT64_MODIFIER "x: taken from a node %" G_GUINT64_FORMAT
                " times (recalls %" G_GUINT64_FORMAT ", invalidations %" G_GUINT64_FORMAT
                "); GetS %" G_GUINT64_FORMAT ", GetM %" G_GUINT64_FORMAT ", Upgrade %"
                G_GUINT64_FORMAT " from nodes %s; reads served Modified %" G_GUINT64_FORMAT
                "; accesses made by the owner %" G_GUINT64_FORMAT "; waited %" G_GUINT64_FORMAT
                " ms, mean %" G_GUINT64_FORMAT " us, max %" G_GUINT64_FORMAT " us\n",
                p->page, p->recalls + p->invalidations, p->recalls, p->invalidations,
                p->requests[MSRV_REQ_GET_S], p->requests[MSRV_REQ_GET_M],
                p->requests[MSRV_REQ_UPGRADE], nodes->str, p->migratory_reads, p->forwarded,
                p->wait_us / 1000,
                asked ? p->wait_us / asked : 0, p->max_wait_us);
    }
}

int msrv_run(const CfgMachine *machine, const char *run_dir, const MsrvRunOptions *options)
{
    Server s = { .machine = machine, .console_peer = -1, .debugger_peer = -1, .next_txid = 1,
                 .uart_lsr_sent = -1, .options = options };
    s.peers = g_array_new(FALSE, TRUE, sizeof(PeerInfo));
    s.node_peer = g_new(gint, MAX(machine->n_nodes, 1));
    s.node_token = g_new0(GBytes *, MAX(machine->n_nodes, 1));
    s.held_irqs = g_new0(GArray *, MAX(machine->n_nodes, 1));
    s.grant_routes = g_new0(GHashTable *, MAX(machine->n_nodes, 1));
    s.grants_sent = g_new0(guint32 *, MAX(machine->n_nodes, 1));
    s.held_debug = g_new0(GPtrArray *, MAX(machine->n_nodes, 1));
    s.reset_stopped = g_new0(gboolean, MAX(machine->n_nodes, 1));
    for (guint i = 0; i < machine->n_nodes; i++) {
        s.held_debug[i] = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
        s.node_peer[i] = -1;
        s.held_irqs[i] = g_array_new(FALSE, FALSE, sizeof(Shoal__V1__IrqLine));
        s.grant_routes[i] = g_hash_table_new(g_direct_hash, g_direct_equal);
    }

    struct sigaction sa = { .sa_handler = on_signal };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    g_autoptr(GError) error = NULL;
    if (!setup(&s, run_dir, &error)) {
        g_printerr("shoal-memory-server: %s\n", error->message);
        teardown(&s);
        return 2; /* bad input, as for a bad command line */
    }
    g_info("serving %s: RAM 0x%" G_GINT64_MODIFIER "x +0x%" G_GINT64_MODIFIER "x, boot pc 0x%"
           G_GINT64_MODIFIER "x, device tree at 0x%" G_GINT64_MODIFIER "x",
           machine->name ? machine->name : machine->path, machine->ram_base, machine->ram_size,
           s.boot_pc, s.fdt_addr);

    while (!server_may_exit(&s)) {
        if (stop_signal) {
            g_autofree char *why = g_strdup_printf("memory server got signal %d",
                                                   (int)stop_signal);
            end_machine(&s, 128 + stop_signal, why);
            break;
        }
        IcPeer peer = 0;
        g_autoptr(IcEnvelope) env = NULL;
        g_autoptr(GError) rerr = NULL;
        if (!ic_server_recv(s.ic, POLL_MS, &peer, &env, &rerr)) {
            g_warning("%s", rerr->message);
            continue;
        }
        if (env)
            dispatch(&s, peer, env);
        finish_reset(&s); /* an ack may have closed the last transaction */
        maybe_dump(&s);
        if (s.dma && !s.done)
            msrv_dma_node_run_deferred(s.dma); /* an ack may have granted a DMA page */
        flush_console(&s, FALSE);
    }
    int code = s.exit_code;
    print_sharing(&s);
    teardown(&s);
    ic_context_shutdown();
    return code;
}
