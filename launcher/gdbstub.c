/* SPDX-License-Identifier: MIT */
/* The gdb stub: gdb's remote serial protocol on one side, the machine's
 * debug messages (proto/shoal.proto, Debug*) on the other, on a thread of
 * its own that owns both the gdb connection and a connection to the memory
 * server as the debugger. Every hart is a gdb thread (id mhartid + 1), in
 * all-stop mode: when one hart stops (a breakpoint, a step, gdb's ^C) the
 * stub halts them all and says so only once every node answered, so what
 * gdb then reads is a machine at rest.
 *
 * A packet that needs the machine at rest (registers, memory, resuming)
 * waits, unanswered, while it is not: gdb only sends one while it believes
 * the machine stopped, which it is but for the moment a halt takes. gdb is
 * untrusted input: a malformed packet gets an error or an empty reply, a
 * vanished gdb is a detach, and nothing it does blocks the launcher. */
#include "launcher/gdbstub.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define HELLO_TIMEOUT_MS 10000
#define ACCESS_TIMEOUT_MS 10000 /* a node answers a debug access within this, or it is an error */
#define CLOSE_FLUSH_MS 1000     /* what is left for gdb may take this long when we hang up */
#define MAX_QUEUED 16           /* packets read ahead while the machine is busy */
#define MAX_OUT (1u << 20)      /* replies gdb left unread before it counts as gone */

static void free_packet(gpointer packet)
{
    g_string_free(packet, TRUE);
}

/* ---- The machine side ------------------------------------------------- */

static void send_to_machine(LauncherGdbStub *s, IcEnvelope *env)
{
    g_autoptr(GError) error = NULL;
    if (s->client_gone)
        return;
    if (env->txid == 0)
        env->txid = ic_client_next_txid(s->client);
    if (!ic_client_send(s->client, env, &error))
        g_debug("gdb stub: sending %s: %s", ic_envelope_body_name(env), error->message);
}

/* Stops every hart; machine_halted follows once every node said so (the
 * server holds the message for a node not up yet). */
static void halt_machine(LauncherGdbStub *s)
{
    if (s->state != GDB_MACHINE_RUNNING)
        return;
    Shoal__V1__DebugHalt halt = SHOAL__V1__DEBUG_HALT__INIT;
    IcEnvelope env = SHOAL__V1__ENVELOPE__INIT;
    env.body_case = SHOAL__V1__ENVELOPE__BODY_DEBUG_HALT;
    env.debug_halt = &halt;
    send_to_machine(s, &env);
    s->state = GDB_MACHINE_HALTING;
    s->halt_txid = env.txid;
    memset(s->node_halted, 0, s->n_nodes * sizeof(*s->node_halted));
    s->n_halted = 0;
}

static void send_breakpoints(LauncherGdbStub *s)
{
    guint len = MAX(s->breakpoints->len, 1);
    g_autofree guint64 *pcs = g_new(guint64, len);
    g_autofree guint64 *watch_addr = g_new(guint64, len);
    g_autofree guint32 *watch_len = g_new(guint32, len);
    g_autofree guint32 *watch_kind = g_new(guint32, len);
    guint n = 0, n_watch = 0;
    for (guint i = 0; i < s->breakpoints->len; i++) {
        const GdbBreakpoint *bp = &g_array_index(s->breakpoints, GdbBreakpoint, i);
        if (bp->type >= GDB_Z_FIRST_WATCH) {
            watch_addr[n_watch] = bp->addr;
            watch_len[n_watch] = (guint32)MIN(bp->len, G_MAXUINT32);
            watch_kind[n_watch++] = bp->type;
            continue;
        }
        guint j = 0;
        while (j < n && pcs[j] != bp->addr)
            j++;
        if (j == n)
            pcs[n++] = bp->addr; /* a Z0 and a Z1 at one pc are one breakpoint */
    }
    Shoal__V1__DebugBreakpoints bps = SHOAL__V1__DEBUG_BREAKPOINTS__INIT;
    bps.n_pc = n;
    bps.pc = pcs;
    bps.n_watch_addr = bps.n_watch_len = bps.n_watch_kind = n_watch;
    bps.watch_addr = watch_addr;
    bps.watch_len = watch_len;
    bps.watch_kind = watch_kind;
    IcEnvelope env = SHOAL__V1__ENVELOPE__INIT;
    env.body_case = SHOAL__V1__ENVELOPE__BODY_DEBUG_BREAKPOINTS;
    env.debug_breakpoints = &bps;
    send_to_machine(s, &env);
    s->breakpoints_sent = TRUE;
}

/* Lets the harts in @step run one instruction and those in @run run. */
static void resume_machine(LauncherGdbStub *s, GArray *step, GArray *run)
{
    if (!s->breakpoints_sent)
        send_breakpoints(s);
    Shoal__V1__DebugResume resume = SHOAL__V1__DEBUG_RESUME__INIT;
    resume.n_step = step ? step->len : 0;
    resume.step = step ? (uint32_t *)step->data : NULL;
    resume.n_run = run ? run->len : 0;
    resume.run = run ? (uint32_t *)run->data : NULL;
    IcEnvelope env = SHOAL__V1__ENVELOPE__INIT;
    env.body_case = SHOAL__V1__ENVELOPE__BODY_DEBUG_RESUME;
    env.debug_resume = &resume;
    send_to_machine(s, &env);
    s->state = GDB_MACHINE_RUNNING;
}

GArray *launcher_gdb_all_harts(const LauncherGdbStub *s)
{
    GArray *harts = g_array_sized_new(FALSE, FALSE, sizeof(guint32), s->n_harts);
    for (guint32 h = 0; h < s->n_harts; h++)
        g_array_append_val(harts, h);
    return harts;
}

/* What a gdb that goes leaves: no breakpoint, every hart running. */
static void detach_machine(LauncherGdbStub *s)
{
    g_array_set_size(s->breakpoints, 0);
    s->breakpoints_sent = FALSE;
    s->detach_pending = FALSE;
    g_autoptr(GArray) harts = launcher_gdb_all_harts(s);
    resume_machine(s, NULL, harts);
}

/* ---- The gdb connection ------------------------------------------------ */

static void close_gdb(LauncherGdbStub *s)
{
    if (s->gdb_fd < 0)
        return;
    close(s->gdb_fd);
    s->gdb_fd = -1;
    g_byte_array_set_size(s->in, 0);
    g_queue_clear_full(&s->packets, free_packet);
    g_string_truncate(s->out, 0);
    g_string_truncate(s->last, 0);
    s->waiting = FALSE;
    g_debug("gdb stub: gdb disconnected");
}

/* Writes what waits for gdb, as far as the socket takes it now (@timeout_ms
 * 0) or within @timeout_ms. FALSE if gdb is gone. */
static gboolean flush_out(LauncherGdbStub *s, int timeout_ms)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    while (s->out->len > 0) {
        ssize_t n = send(s->gdb_fd, s->out->str, s->out->len, MSG_NOSIGNAL);
        if (n > 0) {
            g_string_erase(s->out, 0, n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
            return FALSE;
        gint64 left = (deadline - g_get_monotonic_time()) / 1000;
        struct pollfd fd = { .fd = s->gdb_fd, .events = POLLOUT };
        if (left <= 0 || poll(&fd, 1, (int)left) <= 0)
            return s->out->len < MAX_OUT;
    }
    return TRUE;
}

/* Hangs up on gdb after what was said to it is out. */
static void hang_up(LauncherGdbStub *s)
{
    if (s->gdb_fd >= 0)
        flush_out(s, CLOSE_FLUSH_MS);
    close_gdb(s);
}

/* gdb went without a word (or with garbage): as if it had detached. */
static void gdb_gone(LauncherGdbStub *s)
{
    close_gdb(s);
    if (s->ended)
        return;
    if (s->state == GDB_MACHINE_HALTING)
        s->detach_pending = TRUE;
    else
        detach_machine(s);
}

void launcher_gdb_reply_len(LauncherGdbStub *s, const char *payload, gsize len)
{
    if (s->gdb_fd < 0)
        return; /* gdb went while we asked the machine */
    g_string_truncate(s->last, 0);
    launcher_rsp_frame(s->last, payload, len);
    g_string_append_len(s->out, s->last->str, (gssize)s->last->len);
}

void launcher_gdb_reply(LauncherGdbStub *s, const char *payload)
{
    launcher_gdb_reply_len(s, payload, strlen(payload));
}

void launcher_gdb_reply_printf(LauncherGdbStub *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *payload = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    launcher_gdb_reply(s, payload);
}

/* The machine is over: "W" and its exit code, or "X09" if the memory
 * server went without saying how it ended. */
static void reply_ended(LauncherGdbStub *s)
{
    if (s->exit_code >= 0)
        launcher_gdb_reply_printf(s, "W%02x", (guint)s->exit_code & 0xff);
    else
        launcher_gdb_reply(s, "X09");
}

void launcher_gdb_reply_stop(LauncherGdbStub *s)
{
    if (s->ended) {
        reply_ended(s);
        return;
    }
    /* The nodes do not say whose breakpoint it was (Z0 and Z1 are one to
     * them): with nothing but Z1 set, it was a Z1 */
    gboolean hw = FALSE, sw = FALSE;
    for (guint i = 0; i < s->breakpoints->len; i++) {
        guint type = g_array_index(s->breakpoints, GdbBreakpoint, i).type;
        hw |= type == GDB_Z_HW_BREAKPOINT;
        sw |= type < GDB_Z_HW_BREAKPOINT;
    }
    g_autofree char *why = NULL;
    static const char *const watch_names[] = { [2] = "watch", [3] = "rwatch", [4] = "awatch" };
    if (s->stop_watch_kind >= GDB_Z_FIRST_WATCH && s->stop_watch_kind <= 4)
        why = g_strdup_printf("%s:%" G_GINT64_MODIFIER "x;", watch_names[s->stop_watch_kind],
                              s->stop_watch_addr);
    else if (s->stop_breakpoint && hw && !sw && s->hwbreak)
        why = g_strdup("hwbreak:;");
    else if (s->stop_breakpoint && sw && s->swbreak)
        why = g_strdup("swbreak:;");
    launcher_gdb_reply_printf(s, "T%02xthread:%x;%s", (guint)s->stop_signal, s->stop_tid,
                              why ? why : "");
    /* gdb takes the thread it is told of as the stub's current one */
    s->g_tid = s->c_tid = s->stop_tid;
}

static void set_stop(LauncherGdbStub *s, guint tid, int signal, gboolean breakpoint)
{
    s->stop_tid = tid;
    s->stop_signal = signal;
    s->stop_breakpoint = breakpoint;
    s->stop_watch_kind = 0;
}

/* ---- Messages from the machine ----------------------------------------- */

static void machine_halted(LauncherGdbStub *s)
{
    s->state = GDB_MACHINE_HALTED;
    g_debug("gdb stub: machine halted");
    if (s->detach_pending) {
        detach_machine(s);
    } else if (s->waiting) {
        s->waiting = FALSE;
        launcher_gdb_reply_stop(s);
    }
}

static void machine_ended(LauncherGdbStub *s, int exit_code)
{
    if (s->ended)
        return;
    s->ended = TRUE;
    s->exit_code = exit_code;
    if (s->gdb_fd >= 0 && s->waiting) {
        reply_ended(s);
        hang_up(s);
    }
}

static void on_stopped(LauncherGdbStub *s, guint64 txid, const Shoal__V1__DebugStopped *st)
{
    if (st->reason == SHOAL__V1__DEBUG_STOP_REASON__DEBUG_STOP_HALTED) {
        if (s->state != GDB_MACHINE_HALTING || txid != s->halt_txid || st->node >= s->n_nodes ||
            s->node_halted[st->node])
            return; /* an earlier halt's, or a repeat */
        s->node_halted[st->node] = TRUE;
        if (++s->n_halted == s->n_nodes)
            machine_halted(s);
        return;
    }
    if (st->hart >= s->n_harts || s->state != GDB_MACHINE_RUNNING)
        return; /* during a halt: the hart stops there again once resumed */
    gboolean breakpoint = st->reason == SHOAL__V1__DEBUG_STOP_REASON__DEBUG_STOP_BREAKPOINT;
    if (s->gdb_fd < 0) {
        /* no one to tell: a stop that crossed gdb's going */
        g_autoptr(GArray) run = g_array_new(FALSE, FALSE, sizeof(guint32));
        guint32 hart = st->hart;
        g_array_append_val(run, hart);
        resume_machine(s, NULL, run);
        return;
    }
    set_stop(s, st->hart + 1, GDB_SIGNAL_TRAP, breakpoint);
    if (st->reason == SHOAL__V1__DEBUG_STOP_REASON__DEBUG_STOP_WATCHPOINT) {
        s->stop_watch_kind = st->watch_kind;
        s->stop_watch_addr = st->watch_addr;
    }
    halt_machine(s);
}

static void on_message(LauncherGdbStub *s, const IcEnvelope *env)
{
    switch (env->body_case) {
    case SHOAL__V1__ENVELOPE__BODY_DEBUG_STOPPED:
        on_stopped(s, env->txid, env->debug_stopped);
        break;
    case SHOAL__V1__ENVELOPE__BODY_SHUTDOWN:
        g_debug("gdb stub: the machine ended with exit code %d", env->shutdown->exit_code);
        machine_ended(s, env->shutdown->exit_code & 0xff);
        break;
    case SHOAL__V1__ENVELOPE__BODY_ERROR:
        g_warning("gdb stub: the memory server refused a request: %s", env->error->text);
        break;
    default:
        /* a reply that came after its wait gave up, say */
        g_debug("gdb stub: %s from the memory server ignored", ic_envelope_body_name(env));
        break;
    }
}

static void machine_gone(LauncherGdbStub *s, const GError *error)
{
    g_debug("gdb stub: %s", error->message);
    s->client_gone = TRUE;
    machine_ended(s, -1);
}

/* Sends @access to its hart's node and waits for the answer: the reply
 * (the caller's), or NULL if none came (timeout, machine gone, stopping). */
IcEnvelope *launcher_gdb_access(LauncherGdbStub *s, Shoal__V1__DebugAccess *access)
{
    if (s->ended || s->state != GDB_MACHINE_HALTED)
        return NULL;
    IcEnvelope env = SHOAL__V1__ENVELOPE__INIT;
    env.body_case = SHOAL__V1__ENVELOPE__BODY_DEBUG_ACCESS;
    env.debug_access = access;
    send_to_machine(s, &env);
    gint64 deadline = g_get_monotonic_time() + ACCESS_TIMEOUT_MS * 1000;
    for (;;) {
        gint64 left = (deadline - g_get_monotonic_time() + 999) / 1000;
        if (left <= 0) {
            g_warning("gdb stub: hart %u did not answer a debug access in %d ms", access->hart,
                      ACCESS_TIMEOUT_MS);
            return NULL;
        }
        struct pollfd fd = { .fd = ic_waker_fd(s->waker), .events = POLLIN };
        IcEnvelope *got = NULL;
        g_autoptr(GError) error = NULL;
        if (!ic_client_wait(s->client, &fd, 1, (int)left, &got, &error)) {
            if (g_error_matches(error, IC_ERROR, IC_ERROR_CLOSED)) {
                machine_gone(s, error);
                return NULL;
            }
            g_debug("gdb stub: %s", error->message);
            continue;
        }
        if (got == NULL && fd.revents)
            return NULL; /* stopping: the main loop sees the waker too */
        if (got == NULL)
            continue;
        if (got->txid == env.txid &&
            got->body_case == SHOAL__V1__ENVELOPE__BODY_DEBUG_ACCESS_REPLY)
            return got;
        if (got->txid == env.txid && got->body_case == SHOAL__V1__ENVELOPE__BODY_ERROR) {
            g_debug("gdb stub: debug access refused: %s", got->error->text);
            ic_envelope_free(got);
            return NULL;
        }
        on_message(s, got);
        ic_envelope_free(got);
        if (s->ended)
            return NULL;
    }
}

/* ---- What the packets ask of the machine -------------------------------- */

/* Resumes as vCont or c/s said; gdb then waits for the stop reply. */
void launcher_gdb_resume(LauncherGdbStub *s, GArray *step, GArray *run)
{
    if (s->ended) {
        reply_ended(s);
        hang_up(s);
        return;
    }
    resume_machine(s, step, run);
    s->waiting = TRUE;
}

void launcher_gdb_detach(LauncherGdbStub *s)
{
    if (!s->ended)
        detach_machine(s);
    launcher_gdb_reply(s, "OK");
    hang_up(s);
}

/* k: the run ends as on a SIGTERM, which the launcher's signalfd takes. */
void launcher_gdb_kill(LauncherGdbStub *s)
{
    hang_up(s);
    g_debug("gdb stub: gdb killed the machine");
    kill(getpid(), SIGTERM);
}

/* Handles what gdb sent, in order, as far as the machine's state allows. */
static void handle_packets(LauncherGdbStub *s)
{
    GString *packet;
    while (s->gdb_fd >= 0 && !s->waiting && (packet = g_queue_peek_head(&s->packets))) {
        if (launcher_gdb_needs_halted(packet) && s->state != GDB_MACHINE_HALTED && !s->ended)
            return; /* a halt is on its way */
        g_queue_pop_head(&s->packets);
        launcher_gdb_handle_packet(s, packet);
        free_packet(packet);
    }
}

/* ^C in gdb while the machine runs. */
static void on_interrupt(LauncherGdbStub *s)
{
    if (!s->waiting || s->state != GDB_MACHINE_RUNNING)
        return;
    guint tid = s->c_tid != GDB_TID_ALL ? s->c_tid : s->stop_tid;
    set_stop(s, tid, GDB_SIGNAL_INT, FALSE);
    halt_machine(s);
}

static void read_gdb(LauncherGdbStub *s)
{
    guint8 buf[4096];
    ssize_t n = recv(s->gdb_fd, buf, sizeof(buf), 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
        return;
    if (n <= 0) {
        gdb_gone(s);
        return;
    }
    g_byte_array_append(s->in, buf, (guint)n);
}

/* Takes what gdb sent out of the bytes received, as far as there is room
 * in the queue. */
static void take_input(LauncherGdbStub *s)
{
    LauncherRspEvent ev;
    while (s->gdb_fd >= 0 && g_queue_get_length(&s->packets) < MAX_QUEUED &&
           (ev = launcher_rsp_take(s->in, s->payload)) != LAUNCHER_RSP_NEED_MORE) {
        switch (ev) {
        case LAUNCHER_RSP_PACKET:
            if (!s->no_ack)
                g_string_append_c(s->out, '+');
            g_queue_push_tail(&s->packets, g_string_new_len(s->payload->str, s->payload->len));
            break;
        case LAUNCHER_RSP_BAD:
            g_debug("gdb stub: a packet with a bad checksum");
            if (!s->no_ack)
                g_string_append_c(s->out, '-');
            break;
        case LAUNCHER_RSP_NACK:
            if (!s->no_ack)
                g_string_append_len(s->out, s->last->str, (gssize)s->last->len);
            break;
        case LAUNCHER_RSP_INTERRUPT:
            on_interrupt(s);
            break;
        case LAUNCHER_RSP_ACK:
        case LAUNCHER_RSP_NEED_MORE:
            break;
        }
    }
}

static void accept_gdb(LauncherGdbStub *s)
{
    int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            g_debug("gdb stub: accept: %s", g_strerror(errno));
        return;
    }
    if (s->endpoint.path == NULL) {
        int one = 1; /* packets are small and each waits for its answer */
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    }
    s->gdb_fd = fd;
    s->no_ack = s->swbreak = s->hwbreak = s->waiting = s->detach_pending = FALSE;
    s->g_tid = s->c_tid = GDB_TID_ALL;
    g_debug("gdb stub: gdb connected");
    if (s->state == GDB_MACHINE_RUNNING) {
        /* as QEMU does: gdb finds the machine stopped */
        set_stop(s, s->stop_tid, GDB_SIGNAL_TRAP, FALSE);
        halt_machine(s);
    }
}

/* ---- The thread ------------------------------------------------------- */

static gpointer serve(gpointer data)
{
    LauncherGdbStub *s = data;
    for (;;) {
        struct pollfd fds[3] = { { .fd = ic_waker_fd(s->waker), .events = POLLIN } };
        guint n = 1;
        int listen_i = -1, gdb_i = -1;
        if (s->gdb_fd < 0 && !s->ended) {
            listen_i = (int)n;
            fds[n++] = (struct pollfd){ .fd = s->listen_fd, .events = POLLIN };
        }
        if (s->gdb_fd >= 0) {
            gdb_i = (int)n;
            short events = g_queue_get_length(&s->packets) < MAX_QUEUED ? POLLIN : 0;
            if (s->out->len > 0)
                events |= POLLOUT;
            fds[n++] = (struct pollfd){ .fd = s->gdb_fd, .events = events };
        }
        IcEnvelope *env = NULL;
        g_autoptr(GError) error = NULL;
        if (s->client_gone) {
            if (poll(fds, n, -1) < 0 && errno != EINTR)
                g_debug("gdb stub: poll: %s", g_strerror(errno));
        } else if (!ic_client_wait(s->client, fds, n, -1, &env, &error)) {
            if (g_error_matches(error, IC_ERROR, IC_ERROR_CLOSED))
                machine_gone(s, error);
            else
                g_debug("gdb stub: %s", error->message);
        }
        if (fds[0].revents)
            break;
        if (env) {
            on_message(s, env);
            ic_envelope_free(env);
        }
        if (listen_i >= 0 && fds[listen_i].revents)
            accept_gdb(s);
        if (gdb_i >= 0 && s->gdb_fd >= 0 && (fds[gdb_i].revents & (POLLIN | POLLHUP | POLLERR)))
            read_gdb(s);
        take_input(s);
        handle_packets(s);
        take_input(s); /* what waited behind a full queue */
        handle_packets(s);
        if (s->gdb_fd >= 0 && s->out->len > 0 && !flush_out(s, 0))
            gdb_gone(s);
    }
    return NULL;
}

/* ---- The launcher's side ---------------------------------------------- */

LauncherGdbStub *launcher_gdbstub_listen(const char *endpoint, GError **error)
{
    LauncherGdbStub *s = g_new0(LauncherGdbStub, 1);
    s->listen_fd = s->gdb_fd = -1;
    if (!launcher_gdb_endpoint_parse(endpoint, &s->endpoint, error) ||
        (s->waker = ic_waker_new(error)) == NULL ||
        (s->listen_fd = launcher_gdb_listen(&s->endpoint, error)) < 0) {
        launcher_gdbstub_stop(s);
        return NULL;
    }
    g_debug("gdb stub: listening on %s", endpoint);
    return s;
}

gboolean launcher_gdbstub_start(LauncherGdbStub *s, const CfgMachine *m, const char *run_dir,
                                gboolean paused, IcKeepWaiting keep, gpointer data,
                                GError **error)
{
    g_autoptr(IcClient) client = ic_client_connect_while(m, run_dir, keep, data, error);
    if (!client) {
        g_prefix_error(error, "gdb stub: ");
        return FALSE;
    }
    Shoal__V1__Hello hello = SHOAL__V1__HELLO__INIT;
    hello.version = IC_PROTOCOL_VERSION;
    hello.role = SHOAL__V1__ROLE__ROLE_DEBUGGER;
    g_autoptr(IcEnvelope) ack = ic_client_hello_while(client, &hello, HELLO_TIMEOUT_MS, keep,
                                                      data, error);
    if (!ack) {
        g_prefix_error(error, "gdb stub: ");
        return FALSE;
    }
    s->client = g_steal_pointer(&client);
    s->n_nodes = m->n_nodes;
    s->n_harts = m->n_harts;
    s->hart_node = g_new0(guint, MAX(m->n_harts, 1));
    for (guint i = 0; i < m->n_nodes; i++)
        for (guint h = 0; h < m->nodes[i].n_harts; h++)
            if (m->nodes[i].first_hart + h < m->n_harts)
                s->hart_node[m->nodes[i].first_hart + h] = m->nodes[i].index;
    s->node_halted = g_new0(gboolean, MAX(m->n_nodes, 1));
    s->breakpoints = g_array_new(FALSE, FALSE, sizeof(GdbBreakpoint));
    s->breakpoints_sent = TRUE; /* none, and the nodes start with none */
    s->in = g_byte_array_new();
    g_queue_init(&s->packets);
    s->out = g_string_new(NULL);
    s->last = g_string_new(NULL);
    s->payload = g_string_new(NULL);
    /* --paused: the nodes start with every hart stopped, as if halted */
    s->state = paused ? GDB_MACHINE_HALTED : GDB_MACHINE_RUNNING;
    set_stop(s, 1, GDB_SIGNAL_TRAP, FALSE);

    /* The launcher's signals are for its main thread's signalfd alone. */
    sigset_t block, saved;
    sigemptyset(&block);
    sigaddset(&block, SIGCHLD);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &block, &saved);
    s->thread = g_thread_new("gdbstub", serve, s);
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
    return TRUE;
}

void launcher_gdbstub_stop(LauncherGdbStub *s)
{
    if (!s)
        return;
    if (s->thread) {
        ic_waker_wake(s->waker);
        g_thread_join(s->thread);
    }
    if (s->gdb_fd >= 0) {
        /* gdb waiting for a stop hears that the run is over, not just a
         * connection gone */
        if (s->waiting) {
            if (!s->ended)
                s->exit_code = -1;
            reply_ended(s);
        }
        hang_up(s);
    }
    if (s->listen_fd >= 0) {
        close(s->listen_fd);
        if (s->endpoint.path)
            unlink(s->endpoint.path);
    }
    g_clear_pointer(&s->client, ic_client_free);
    g_clear_pointer(&s->waker, ic_waker_free);
    launcher_gdb_endpoint_clear(&s->endpoint);
    g_free(s->hart_node);
    g_free(s->node_halted);
    if (s->breakpoints)
        g_array_unref(s->breakpoints);
    if (s->in)
        g_byte_array_unref(s->in);
    g_queue_clear_full(&s->packets, free_packet);
    if (s->out)
        g_string_free(s->out, TRUE);
    if (s->last)
        g_string_free(s->last, TRUE);
    if (s->payload)
        g_string_free(s->payload, TRUE);
    g_free(s);
}
