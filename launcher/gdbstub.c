/* SPDX-License-Identifier: MIT */
/* The gdb stub: gdb's remote serial protocol on one side, the machine the
 * debugger drives (launcher/debugger.c) on the other, on the debugger's
 * thread. Every hart is a gdb thread (id mhartid + 1), in all-stop mode:
 * when one hart stops (a breakpoint, a step, gdb's ^C) the debugger halts
 * them all and gdb hears of it only once every node answered, so what gdb
 * then reads is a machine at rest.
 *
 * A packet that needs the machine at rest (registers, memory, resuming)
 * waits, unanswered, while it is not: gdb only sends one while it believes
 * the machine stopped, which it is but for the moment a halt takes. gdb is
 * untrusted input: a malformed packet gets an error or an empty reply, a
 * vanished gdb is a detach, and nothing it does blocks the launcher.
 *
 * While gdb is connected it owns resuming: the monitor may halt the
 * machine (gdb then hears of a ^C), not let it run (docs/monitor.md). */
#include "launcher/gdbstub.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define CLOSE_FLUSH_MS 1000 /* what is left for gdb may take this long when we hang up */
#define MAX_QUEUED 16       /* packets read ahead while the machine is busy */

static void free_packet(gpointer packet)
{
    g_string_free(packet, TRUE);
}

/* ---- Breakpoints and resuming ------------------------------------------ */

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
    launcher_debugger_send(s->d, &env);
    s->breakpoints_sent = TRUE;
}

/* The breakpoints go before the resume whenever they changed. */
static void resume_machine(LauncherGdbStub *s, GArray *step, GArray *run)
{
    if (!s->breakpoints_sent)
        send_breakpoints(s);
    launcher_debugger_resume(s->d, step, run);
}

/* What a gdb that goes leaves: no breakpoint, every hart running. */
static void detach_machine(LauncherGdbStub *s)
{
    g_array_set_size(s->breakpoints, 0);
    s->breakpoints_sent = FALSE;
    s->detach_pending = FALSE;
    g_autoptr(GArray) harts = launcher_debugger_all_harts(s->d);
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

/* Hangs up on gdb after what was said to it is out. */
static void hang_up(LauncherGdbStub *s)
{
    if (s->gdb_fd >= 0)
        launcher_socket_flush(s->gdb_fd, s->out, CLOSE_FLUSH_MS);
    close_gdb(s);
}

/* gdb went without a word (or with garbage): as if it had detached. */
static void gdb_gone(LauncherGdbStub *s)
{
    close_gdb(s);
    if (s->d->ended)
        return;
    if (s->d->state == LAUNCHER_MACHINE_HALTING)
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
    if (s->d->exit_code >= 0)
        launcher_gdb_reply_printf(s, "W%02x", (guint)s->d->exit_code & 0xff);
    else
        launcher_gdb_reply(s, "X09");
}

void launcher_gdb_reply_stop(LauncherGdbStub *s)
{
    if (s->d->ended) {
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

/* ---- What the machine tells gdb ----------------------------------------- */

gboolean launcher_gdb_attached(const LauncherGdbStub *s)
{
    return s->gdb_fd >= 0;
}

void launcher_gdb_hart_stopped(LauncherGdbStub *s, const Shoal__V1__DebugStopped *st)
{
    set_stop(s, st->hart + 1, GDB_SIGNAL_TRAP,
             st->reason == SHOAL__V1__DEBUG_STOP_REASON__DEBUG_STOP_BREAKPOINT);
    if (st->reason == SHOAL__V1__DEBUG_STOP_REASON__DEBUG_STOP_WATCHPOINT) {
        s->stop_watch_kind = st->watch_kind;
        s->stop_watch_addr = st->watch_addr;
    }
}

/* As a ^C would: the thread gdb continued, or the last one it heard of. */
void launcher_gdb_interrupted(LauncherGdbStub *s)
{
    guint tid = s->c_tid != GDB_TID_ALL ? s->c_tid : s->stop_tid;
    set_stop(s, tid, GDB_SIGNAL_INT, FALSE);
}

void launcher_gdb_halted(LauncherGdbStub *s)
{
    if (s->detach_pending) {
        detach_machine(s);
    } else if (s->waiting) {
        s->waiting = FALSE;
        launcher_gdb_reply_stop(s);
    }
}

void launcher_gdb_ended(LauncherGdbStub *s)
{
    if (s->gdb_fd >= 0 && s->waiting) {
        reply_ended(s);
        hang_up(s);
    }
}

/* ---- What the packets ask of the machine -------------------------------- */

/* Resumes as vCont or c/s said; gdb then waits for the stop reply. */
void launcher_gdb_resume(LauncherGdbStub *s, GArray *step, GArray *run)
{
    if (s->d->ended) {
        reply_ended(s);
        hang_up(s);
        return;
    }
    resume_machine(s, step, run);
    s->waiting = TRUE;
}

void launcher_gdb_detach(LauncherGdbStub *s)
{
    if (!s->d->ended)
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
        if (launcher_gdb_needs_halted(packet) && s->d->state != LAUNCHER_MACHINE_HALTED &&
            !s->d->ended)
            return; /* a halt is on its way */
        g_queue_pop_head(&s->packets);
        launcher_gdb_handle_packet(s, packet);
        free_packet(packet);
    }
}

/* ^C in gdb while the machine runs. */
static void on_interrupt(LauncherGdbStub *s)
{
    if (!s->waiting || s->d->state != LAUNCHER_MACHINE_RUNNING)
        return;
    launcher_gdb_interrupted(s);
    launcher_debugger_halt(s->d, LAUNCHER_HALT_GDB, 0);
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
    if (s->d->state == LAUNCHER_MACHINE_RUNNING) {
        /* as QEMU does: gdb finds the machine stopped */
        set_stop(s, s->stop_tid, GDB_SIGNAL_TRAP, FALSE);
        launcher_debugger_halt(s->d, LAUNCHER_HALT_GDB, 0);
    }
}

/* ---- On the debugger's loop -------------------------------------------- */

guint launcher_gdb_poll_fds(LauncherGdbStub *s, struct pollfd *fds)
{
    if (s->gdb_fd < 0 && !s->d->ended) {
        fds[0] = (struct pollfd){ .fd = s->listen_fd, .events = POLLIN };
        return 1;
    }
    if (s->gdb_fd >= 0) {
        short events = g_queue_get_length(&s->packets) < MAX_QUEUED ? POLLIN : 0;
        if (s->out->len > 0)
            events |= POLLOUT;
        fds[0] = (struct pollfd){ .fd = s->gdb_fd, .events = events };
        return 1;
    }
    return 0;
}

void launcher_gdb_serve(LauncherGdbStub *s, const struct pollfd *fds, guint n)
{
    /* by fd: a message handled since the poll may have hung up on gdb */
    if (n == 1 && fds[0].fd == s->listen_fd && fds[0].revents)
        accept_gdb(s);
    else if (n == 1 && fds[0].fd == s->gdb_fd && (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) &&
             !launcher_socket_read(s->gdb_fd, s->in))
        gdb_gone(s);
    take_input(s);
    handle_packets(s);
    take_input(s); /* what waited behind a full queue */
    handle_packets(s);
    if (s->gdb_fd >= 0 && s->out->len > 0 && !launcher_socket_flush(s->gdb_fd, s->out, 0))
        gdb_gone(s);
}

LauncherGdbStub *launcher_gdb_new(LauncherDebugger *d, const char *endpoint, GError **error)
{
    LauncherGdbStub *s = g_new0(LauncherGdbStub, 1);
    s->d = d;
    s->listen_fd = s->gdb_fd = -1;
    s->breakpoints = g_array_new(FALSE, FALSE, sizeof(GdbBreakpoint));
    s->breakpoints_sent = TRUE; /* none, and the nodes start with none */
    s->in = g_byte_array_new();
    g_queue_init(&s->packets);
    s->out = g_string_new(NULL);
    s->last = g_string_new(NULL);
    s->payload = g_string_new(NULL);
    set_stop(s, 1, GDB_SIGNAL_TRAP, FALSE);
    if (!launcher_endpoint_parse("--gdb", endpoint, FALSE, &s->endpoint, error) ||
        (s->listen_fd = launcher_endpoint_listen(&s->endpoint, error)) < 0) {
        launcher_gdb_free(s);
        return NULL;
    }
    g_debug("gdb stub: listening on %s", endpoint);
    return s;
}

void launcher_gdb_free(LauncherGdbStub *s)
{
    hang_up(s);
    if (s->listen_fd >= 0) {
        close(s->listen_fd);
        if (s->endpoint.path)
            unlink(s->endpoint.path);
    }
    launcher_endpoint_clear(&s->endpoint);
    g_array_unref(s->breakpoints);
    g_byte_array_unref(s->in);
    g_queue_clear_full(&s->packets, free_packet);
    g_string_free(s->out, TRUE);
    g_string_free(s->last, TRUE);
    g_string_free(s->payload, TRUE);
    g_free(s);
}
