/* SPDX-License-Identifier: MIT */
/* The debugger's thread and the machine's side of it: the connection to
 * the memory server as the debugger, the Debug* messages of
 * proto/shoal.proto, the machine's run state (running, halting, halted,
 * ended), and the poll loop that serves gdb and the monitor. There is one
 * machine and one debugger connection whatever the front-ends are, so a
 * halt or a resume is the machine's, and both front-ends hear of it.
 *
 * All-stop: when one hart stops by itself (a breakpoint, a step, a
 * watchpoint) the rest are halted, and the front-ends are told once every
 * node answered, so what they then read is a machine at rest. */
#include "launcher/debugger.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#define HELLO_TIMEOUT_MS 10000
#define SNAPSHOT_TIMEOUT_MS 600000 /* writing a machine's RAM: gigabytes on a slow disk */
#define ACCESS_TIMEOUT_MS 10000 /* a node answers a debug access within this, or it is an error */
#define MAX_FDS (1 + 1 + LAUNCHER_MONITOR_MAX_FDS) /* the waker, gdb, the monitor */

/* ---- Talking to the machine --------------------------------------------- */

void launcher_debugger_send(LauncherDebugger *d, IcEnvelope *env)
{
    g_autoptr(GError) error = NULL;
    if (d->client_gone)
        return;
    if (env->txid == 0)
        env->txid = ic_client_next_txid(d->client);
    if (!ic_client_send(d->client, env, &error))
        g_debug("debugger: sending %s: %s", ic_envelope_body_name(env), error->message);
}

/* The server holds the message for a node not up yet: machine_halted
 * follows once every node said so. */
void launcher_debugger_halt(LauncherDebugger *d, LauncherHaltCause cause, guint hart)
{
    if (d->state != LAUNCHER_MACHINE_RUNNING)
        return;
    if (cause == LAUNCHER_HALT_PAUSE && d->gdb && launcher_gdb_attached(d->gdb))
        launcher_gdb_interrupted(d->gdb);
    Shoal__V1__DebugHalt halt = SHOAL__V1__DEBUG_HALT__INIT;
    IcEnvelope env = SHOAL__V1__ENVELOPE__INIT;
    env.body_case = SHOAL__V1__ENVELOPE__BODY_DEBUG_HALT;
    env.debug_halt = &halt;
    env.txid = ic_client_next_txid(d->client);
    d->state = LAUNCHER_MACHINE_HALTING;
    d->halt_txid = env.txid;
    d->halt_cause = cause;
    d->halt_hart = hart;
    memset(d->node_halted, 0, d->n_nodes * sizeof(*d->node_halted));
    d->n_halted = 0;
    /* the latency the monitor reports: from here to the last node's answer */
    d->halt_sent_us = g_get_monotonic_time();
    launcher_debugger_send(d, &env);
}

void launcher_debugger_resume(LauncherDebugger *d, GArray *step, GArray *run)
{
    Shoal__V1__DebugResume resume = SHOAL__V1__DEBUG_RESUME__INIT;
    resume.n_step = step ? step->len : 0;
    resume.step = step ? (uint32_t *)step->data : NULL;
    resume.n_run = run ? run->len : 0;
    resume.run = run ? (uint32_t *)run->data : NULL;
    /* Time stops with the machine, from the moment its last hart stopped
     * (so no hart can see mtime go back); a step lets it run again. */
    if (d->state == LAUNCHER_MACHINE_HALTED)
        d->stopped_ns += (guint64)(g_get_monotonic_time() - d->halted_since_us) * 1000;
    resume.stopped_ns = d->stopped_ns;
    IcEnvelope env = SHOAL__V1__ENVELOPE__INIT;
    env.body_case = SHOAL__V1__ENVELOPE__BODY_DEBUG_RESUME;
    env.debug_resume = &resume;
    launcher_debugger_send(d, &env);
    if (d->state == LAUNCHER_MACHINE_RUNNING)
        return; /* one hart let go again: nothing changed for the machine */
    d->state = LAUNCHER_MACHINE_RUNNING;
    d->n_resumes++;
    if (d->monitor)
        launcher_monitor_resumed(d->monitor);
}

GArray *launcher_debugger_all_harts(const LauncherDebugger *d)
{
    GArray *harts = g_array_sized_new(FALSE, FALSE, sizeof(guint32), d->n_harts);
    for (guint32 h = 0; h < d->n_harts; h++)
        g_array_append_val(harts, h);
    return harts;
}

/* ---- Messages from the machine ----------------------------------------- */

static void machine_halted(LauncherDebugger *d)
{
    gint64 took = g_get_monotonic_time() - d->halt_sent_us;
    d->state = LAUNCHER_MACHINE_HALTED;
    d->halted_since_us = g_get_monotonic_time();
    d->last_halt_us = took;
    d->min_halt_us = d->n_halts == 0 ? took : MIN(d->min_halt_us, took);
    d->max_halt_us = MAX(d->max_halt_us, took);
    d->total_halt_us += took;
    d->n_halts++;
    g_debug("debugger: machine halted in %" G_GINT64_FORMAT " us", took);
    /* the monitor first: gdb's may let the machine run again (a detach) */
    if (d->monitor)
        launcher_monitor_halted(d->monitor);
    if (d->gdb)
        launcher_gdb_halted(d->gdb);
}

static void machine_ended(LauncherDebugger *d, int exit_code)
{
    if (d->ended)
        return;
    d->ended = TRUE;
    d->exit_code = exit_code;
    if (d->monitor)
        launcher_monitor_ended(d->monitor);
    if (d->gdb)
        launcher_gdb_ended(d->gdb);
}

static LauncherHaltCause stop_cause(Shoal__V1__DebugStopReason reason)
{
    switch (reason) {
    case SHOAL__V1__DEBUG_STOP_REASON__DEBUG_STOP_STEP:
        return LAUNCHER_HALT_STEP;
    case SHOAL__V1__DEBUG_STOP_REASON__DEBUG_STOP_WATCHPOINT:
        return LAUNCHER_HALT_WATCHPOINT;
    default:
        return LAUNCHER_HALT_BREAKPOINT;
    }
}

static void on_stopped(LauncherDebugger *d, guint64 txid, const Shoal__V1__DebugStopped *st)
{
    if (st->reason == SHOAL__V1__DEBUG_STOP_REASON__DEBUG_STOP_HALTED) {
        if (d->state != LAUNCHER_MACHINE_HALTING || txid != d->halt_txid ||
            st->node >= d->n_nodes || d->node_halted[st->node])
            return; /* an earlier halt's, or a repeat */
        d->node_halted[st->node] = TRUE;
        if (++d->n_halted == d->n_nodes)
            machine_halted(d);
        return;
    }
    if (st->hart >= d->n_harts || d->state != LAUNCHER_MACHINE_RUNNING)
        return; /* during a halt: the hart stops there again once resumed */
    if (d->gdb == NULL || !launcher_gdb_attached(d->gdb)) {
        /* no one to tell: a stop that crossed gdb's going */
        g_autoptr(GArray) run = g_array_new(FALSE, FALSE, sizeof(guint32));
        guint32 hart = st->hart;
        g_array_append_val(run, hart);
        launcher_debugger_resume(d, NULL, run);
        return;
    }
    launcher_gdb_hart_stopped(d->gdb, st);
    launcher_debugger_halt(d, stop_cause(st->reason), st->hart);
}

static void on_message(LauncherDebugger *d, const IcEnvelope *env)
{
    switch (env->body_case) {
    case SHOAL__V1__ENVELOPE__BODY_DEBUG_STOPPED:
        on_stopped(d, env->txid, env->debug_stopped);
        break;
    case SHOAL__V1__ENVELOPE__BODY_SHUTDOWN:
        g_debug("debugger: the machine ended with exit code %d", env->shutdown->exit_code);
        machine_ended(d, env->shutdown->exit_code & 0xff);
        break;
    case SHOAL__V1__ENVELOPE__BODY_ERROR:
        g_warning("debugger: the memory server refused a request: %s", env->error->text);
        break;
    default:
        /* a reply that came after its wait gave up, say */
        g_debug("debugger: %s from the memory server ignored", ic_envelope_body_name(env));
        break;
    }
}

static void machine_gone(LauncherDebugger *d, const GError *error)
{
    g_debug("debugger: %s", error->message);
    d->client_gone = TRUE;
    machine_ended(d, -1);
}

/* Waits up to @timeout_ms for a message (*@env, the caller's) or for @fds;
 * FALSE if there was neither (a timeout, an error, the server gone). */
static gboolean wait_machine(LauncherDebugger *d, struct pollfd *fds, guint n, int timeout_ms,
                             IcEnvelope **env)
{
    g_autoptr(GError) error = NULL;
    *env = NULL;
    if (d->client_gone) {
        int r = poll(fds, n, timeout_ms);
        if (r < 0 && errno != EINTR)
            g_debug("debugger: poll: %s", g_strerror(errno));
        return r > 0;
    }
    if (ic_client_wait(d->client, fds, n, timeout_ms, env, &error))
        return TRUE;
    if (g_error_matches(error, IC_ERROR, IC_ERROR_CLOSED))
        machine_gone(d, error);
    else
        g_debug("debugger: %s", error->message);
    return FALSE;
}

/* Sends @env and waits for its answer, a @reply body with its txid: the
 * reply (the caller's), or NULL if none came (timeout, machine gone,
 * stopping). What else comes meanwhile is handled as the loop would. */
static IcEnvelope *ask_within(LauncherDebugger *d, IcEnvelope *env,
                              Shoal__V1__Envelope__BodyCase reply, int timeout_ms)
{
    launcher_debugger_send(d, env);
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    while (!d->ended) {
        gint64 left = (deadline - g_get_monotonic_time() + 999) / 1000;
        if (left <= 0) {
            g_warning("debugger: no answer to %s in %d ms", ic_envelope_body_name(env),
                      timeout_ms);
            return NULL;
        }
        struct pollfd fd = { .fd = ic_waker_fd(d->waker), .events = POLLIN };
        IcEnvelope *got = NULL;
        if (!wait_machine(d, &fd, 1, (int)left, &got))
            continue;
        if (got == NULL && fd.revents)
            return NULL; /* stopping: the loop sees the waker too */
        if (got == NULL)
            continue;
        gboolean ours = got->txid == env->txid;
        if (ours && got->body_case == reply)
            return got;
        if (ours && got->body_case == SHOAL__V1__ENVELOPE__BODY_ERROR) {
            g_debug("debugger: %s refused: %s", ic_envelope_body_name(env), got->error->text);
            ic_envelope_free(got);
            return NULL;
        }
        on_message(d, got);
        ic_envelope_free(got);
    }
    return NULL; /* the machine ended meanwhile */
}

static IcEnvelope *ask(LauncherDebugger *d, IcEnvelope *env, Shoal__V1__Envelope__BodyCase reply)
{
    return ask_within(d, env, reply, ACCESS_TIMEOUT_MS);
}

IcEnvelope *launcher_debugger_snapshot(LauncherDebugger *d, const char *path)
{
    if (d->ended || d->state != LAUNCHER_MACHINE_HALTED)
        return NULL;
    Shoal__V1__SnapshotSave save = SHOAL__V1__SNAPSHOT_SAVE__INIT;
    save.path = (char *)path;
    IcEnvelope env = SHOAL__V1__ENVELOPE__INIT;
    env.body_case = SHOAL__V1__ENVELOPE__BODY_SNAPSHOT_SAVE;
    env.snapshot_save = &save;
    return ask_within(d, &env, SHOAL__V1__ENVELOPE__BODY_SNAPSHOT_SAVED, SNAPSHOT_TIMEOUT_MS);
}

IcEnvelope *launcher_debugger_access(LauncherDebugger *d, Shoal__V1__DebugAccess *access)
{
    if (d->ended || d->state != LAUNCHER_MACHINE_HALTED)
        return NULL;
    IcEnvelope env = SHOAL__V1__ENVELOPE__INIT;
    env.body_case = SHOAL__V1__ENVELOPE__BODY_DEBUG_ACCESS;
    env.debug_access = access;
    return ask(d, &env, SHOAL__V1__ENVELOPE__BODY_DEBUG_ACCESS_REPLY);
}

IcEnvelope *launcher_debugger_pages(LauncherDebugger *d)
{
    if (d->ended)
        return NULL;
    Shoal__V1__DebugPagesQuery query = SHOAL__V1__DEBUG_PAGES_QUERY__INIT;
    IcEnvelope env = SHOAL__V1__ENVELOPE__INIT;
    env.body_case = SHOAL__V1__ENVELOPE__BODY_DEBUG_PAGES_QUERY;
    env.debug_pages_query = &query;
    return ask(d, &env, SHOAL__V1__ENVELOPE__BODY_DEBUG_PAGES);
}

gboolean launcher_debugger_read_regs(LauncherDebugger *d, guint hart, guint regno, guint count,
                                     guint8 *out, gboolean *ok)
{
    Shoal__V1__DebugAccess a = SHOAL__V1__DEBUG_ACCESS__INIT;
    a.hart = hart;
    a.kind = SHOAL__V1__DEBUG_ACCESS_KIND__DEBUG_ACCESS_READ_REGS;
    a.regno = regno;
    a.count = count;
    g_autoptr(IcEnvelope) r = launcher_debugger_access(d, &a);
    if (r == NULL)
        return FALSE;
    const Shoal__V1__DebugAccessReply *ar = r->debug_access_reply;
    *ok = ar->ok && ar->data.len == (gsize)count * 8;
    if (*ok)
        memcpy(out, ar->data.data, ar->data.len);
    return TRUE;
}

/* ---- The thread ------------------------------------------------------- */

static gpointer serve(gpointer data)
{
    LauncherDebugger *d = data;
    for (;;) {
        struct pollfd fds[MAX_FDS] = { { .fd = ic_waker_fd(d->waker), .events = POLLIN } };
        guint n = 1, n_gdb = 0, n_monitor = 0;
        if (d->gdb)
            n += n_gdb = launcher_gdb_poll_fds(d->gdb, fds + n);
        if (d->monitor)
            n += n_monitor = launcher_monitor_poll_fds(d->monitor, fds + n);
        IcEnvelope *env = NULL;
        wait_machine(d, fds, n, -1, &env);
        if (fds[0].revents) {
            g_clear_pointer(&env, ic_envelope_free);
            break;
        }
        if (env) {
            on_message(d, env);
            ic_envelope_free(env);
        }
        if (d->gdb)
            launcher_gdb_serve(d->gdb, fds + 1, n_gdb);
        if (d->monitor)
            launcher_monitor_serve(d->monitor, fds + 1 + n_gdb, n_monitor);
    }
    return NULL;
}

/* ---- The launcher's side ---------------------------------------------- */

gboolean launcher_debugger_check(const char *gdb, const char *monitor, GError **error)
{
    LauncherEndpoint ep;
    gboolean ok = TRUE;
    if (gdb) {
        ok = launcher_endpoint_parse("--gdb", gdb, FALSE, &ep, error);
        launcher_endpoint_clear(&ep);
    }
    if (ok && monitor) {
        ok = launcher_endpoint_parse("--monitor", monitor, TRUE, &ep, error);
        launcher_endpoint_clear(&ep);
    }
    return ok;
}

LauncherDebugger *launcher_debugger_listen(const char *gdb, const char *monitor, GError **error)
{
    LauncherDebugger *d = g_new0(LauncherDebugger, 1);
    if ((d->waker = ic_waker_new(error)) == NULL ||
        (gdb && (d->gdb = launcher_gdb_new(d, gdb, error)) == NULL) ||
        (monitor && (d->monitor = launcher_monitor_new(d, monitor, error)) == NULL)) {
        launcher_debugger_stop(d);
        return NULL;
    }
    return d;
}

gboolean launcher_debugger_start(LauncherDebugger *d, const CfgMachine *m, const char *run_dir,
                                 gboolean paused, IcKeepWaiting keep, gpointer data,
                                 GError **error)
{
    g_autoptr(IcClient) client = ic_client_connect_while(m, run_dir, keep, data, error);
    if (!client) {
        g_prefix_error(error, "debugger: ");
        return FALSE;
    }
    Shoal__V1__Hello hello = SHOAL__V1__HELLO__INIT;
    hello.version = IC_PROTOCOL_VERSION;
    hello.role = SHOAL__V1__ROLE__ROLE_DEBUGGER;
    g_autoptr(IcEnvelope) ack = ic_client_hello_while(client, &hello, HELLO_TIMEOUT_MS, keep,
                                                      data, error);
    if (!ack) {
        g_prefix_error(error, "debugger: ");
        return FALSE;
    }
    d->client = g_steal_pointer(&client);
    d->n_nodes = m->n_nodes;
    d->n_harts = m->n_harts;
    d->hart_node = g_new0(guint, MAX(m->n_harts, 1));
    for (guint i = 0; i < m->n_nodes; i++)
        for (guint h = 0; h < m->nodes[i].n_harts; h++)
            if (m->nodes[i].first_hart + h < m->n_harts)
                d->hart_node[m->nodes[i].first_hart + h] = m->nodes[i].index;
    d->node_halted = g_new0(gboolean, MAX(m->n_nodes, 1));
    /* --paused: the nodes start with every hart stopped, as if halted */
    d->state = paused ? LAUNCHER_MACHINE_HALTED : LAUNCHER_MACHINE_RUNNING;
    d->halted_since_us = g_get_monotonic_time();

    /* The launcher's signals are for its main thread's signalfd alone. */
    sigset_t block, saved;
    sigemptyset(&block);
    sigaddset(&block, SIGCHLD);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &block, &saved);
    d->thread = g_thread_new("debugger", serve, d);
    pthread_sigmask(SIG_SETMASK, &saved, NULL);
    return TRUE;
}

void launcher_debugger_stop(LauncherDebugger *d)
{
    if (!d)
        return;
    if (d->thread) {
        ic_waker_wake(d->waker);
        g_thread_join(d->thread);
    }
    /* the thread is gone: a gdb or a client still waiting for the machine
     * hears that the run is over, not just a connection gone */
    machine_ended(d, -1);
    g_clear_pointer(&d->gdb, launcher_gdb_free);
    g_clear_pointer(&d->monitor, launcher_monitor_free);
    g_clear_pointer(&d->client, ic_client_free);
    g_clear_pointer(&d->waker, ic_waker_free);
    g_free(d->hart_node);
    g_free(d->node_halted);
    g_free(d);
}
