/* SPDX-License-Identifier: MIT */
/* The monitor (--monitor unix:PATH), in the spirit of QEMU's QMP: JSON
 * lines each way on a unix socket, served on the debugger's thread so that
 * it drives the same machine as gdb (docs/monitor.md has the protocol).
 * A request {"execute": NAME, "arguments": {}, "id": ANY} gets one answer,
 * {"return": VALUE} or {"error": {"class": C, "desc": TEXT}}, with the
 * request's id if it had one; a client's requests are answered in order.
 * Events {"event": NAME, "data": {...}} go to every client when the
 * machine stops, runs again or ends, whoever made it.
 *
 * Clients are untrusted input: a line that is no request gets an error
 * object, a line longer than MAX_LINE an error and the connection closed,
 * a client that goes is forgotten, one that reads nothing is dropped once
 * LAUNCHER_SOCKET_MAX_UNSENT bytes wait for it. Nothing a client does
 * blocks the thread but the machine's own answers (a pause, a register
 * read), as for gdb. */
#include "launcher/debugger.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "launcher/gdb.h"
#include "launcher/json.h"

#define MAX_LINE (64 * 1024) /* bytes in a request line, its newline not counted */
#define CLOSE_FLUSH_MS 1000  /* what is left for the clients may take this long at the end */

#define MONITOR_ERROR (g_quark_from_static_string("shoal-monitor-error"))
typedef enum {
    MONITOR_ERROR_PARSE,
    MONITOR_ERROR_INVALID_REQUEST,
    MONITOR_ERROR_COMMAND_NOT_FOUND,
    MONITOR_ERROR_INVALID_ARGUMENTS,
    MONITOR_ERROR_GDB_ATTACHED,
    MONITOR_ERROR_MACHINE_ENDED,
    MONITOR_ERROR_MACHINE,
    MONITOR_ERROR_LINE_TOO_LONG,
    MONITOR_ERROR_TOO_MANY_CLIENTS,
} MonitorErrorCode;
/* The "class" of an error object, by code (docs/monitor.md lists them). */
static const char *const error_classes[] = {
    [MONITOR_ERROR_PARSE] = "ParseError",
    [MONITOR_ERROR_INVALID_REQUEST] = "InvalidRequest",
    [MONITOR_ERROR_COMMAND_NOT_FOUND] = "CommandNotFound",
    [MONITOR_ERROR_INVALID_ARGUMENTS] = "InvalidArguments",
    [MONITOR_ERROR_GDB_ATTACHED] = "GdbAttached",
    [MONITOR_ERROR_MACHINE_ENDED] = "MachineEnded",
    [MONITOR_ERROR_MACHINE] = "MachineError",
    [MONITOR_ERROR_LINE_TOO_LONG] = "LineTooLong",
    [MONITOR_ERROR_TOO_MANY_CLIENTS] = "TooManyClients",
};

typedef struct MonitorClient MonitorClient;

/* A command: TRUE and *@ret its answer, TRUE and *@ret NULL if the answer
 * comes later (a pause waits for the halt), or FALSE + error. */
typedef gboolean (*MonitorRun)(LauncherMonitor *m, MonitorClient *c, LauncherJson **ret,
                               GError **error);

typedef struct {
    const char *name;
    /* the answer describes the machine at rest or running, never halfway:
     * it waits while a halt is under way */
    gboolean settled;
    MonitorRun run;
    const char *arg; /* the one string argument it requires, or NULL: none */
} MonitorCommand;

struct MonitorClient {
    int fd;
    int poll_i;        /* its place in the fds polled, or -1 */
    GByteArray *in;    /* received; lines before @in_start were handled */
    gsize in_start;
    GString *out;      /* for the client, not written yet */
    gboolean closing;  /* hang up once @out is written */
    gboolean gone;
    const MonitorCommand *command; /* a request not answered yet, or NULL */
    LauncherJson *id;              /* its id, or NULL */
    char *arg;                     /* the request's argument (MonitorCommand.arg), or NULL */
    gboolean pausing;              /* its pause waits for the machine's halt */
    gboolean saving;               /* its snapshot-save waits for the halt, then resumes */
};

struct LauncherMonitor {
    LauncherDebugger *d;
    LauncherEndpoint endpoint;
    int listen_fd;
    int listen_i;      /* its place in the fds polled, or -1 */
    GPtrArray *clients; /* of MonitorClient */
};

/* ---- Writing to clients -------------------------------------------------- */

static void send_json(MonitorClient *c, const LauncherJson *msg)
{
    launcher_json_append(c->out, msg);
    g_string_append_c(c->out, '\n');
}

/* The answer to @c's request: @ret (taken), or @error. */
static void answer(MonitorClient *c, LauncherJson *ret, const GError *error)
{
    g_autoptr(LauncherJson) msg = launcher_json_new_object();
    if (error) {
        launcher_json_free(ret);
        LauncherJson *e = launcher_json_new_object();
        launcher_json_object_set_string(e, "class", error_classes[error->code]);
        launcher_json_object_set_string(e, "desc", error->message);
        launcher_json_object_set(msg, "error", e);
    } else {
        launcher_json_object_set(msg, "return", ret);
    }
    if (c->id)
        launcher_json_object_set(msg, "id", g_steal_pointer(&c->id));
    send_json(c, msg);
    c->command = NULL;
    c->pausing = FALSE;
    c->saving = FALSE;
    g_clear_pointer(&c->arg, g_free);
}

G_GNUC_PRINTF(3, 4)
static void answer_error(MonitorClient *c, MonitorErrorCode code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *desc = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_autoptr(GError) error = g_error_new_literal(MONITOR_ERROR, code, desc);
    answer(c, NULL, error);
}

/* {"event": @name, "data": @data (taken)} to every client. */
static void broadcast(LauncherMonitor *m, const char *name, LauncherJson *data)
{
    g_autoptr(LauncherJson) msg = launcher_json_new_object();
    launcher_json_object_set_string(msg, "event", name);
    launcher_json_object_set(msg, "data", data);
    for (guint i = 0; i < m->clients->len; i++) {
        MonitorClient *c = g_ptr_array_index(m->clients, i);
        if (!c->closing && !c->gone)
            send_json(c, msg);
    }
}

/* ---- The commands ------------------------------------------------------ */

static const char *status_name(const LauncherDebugger *d)
{
    if (d->ended)
        return "ended";
    return d->state == LAUNCHER_MACHINE_HALTED ? "paused" : "running";
}

static LauncherJson *status_object(const LauncherDebugger *d)
{
    LauncherJson *o = launcher_json_new_object();
    launcher_json_object_set_string(o, "status", status_name(d));
    return o;
}

static gboolean machine_ended(const LauncherDebugger *d, GError **error)
{
    if (!d->ended)
        return FALSE;
    if (d->exit_code >= 0)
        g_set_error(error, MONITOR_ERROR, MONITOR_ERROR_MACHINE_ENDED,
                    "the machine ended (exit code %d)", d->exit_code);
    else
        g_set_error(error, MONITOR_ERROR, MONITOR_ERROR_MACHINE_ENDED, "the machine is gone");
    return TRUE;
}

static gboolean cmd_query_status(LauncherMonitor *m, MonitorClient *c, LauncherJson **ret,
                                 GError **error)
{
    LauncherDebugger *d = m->d;
    *ret = status_object(d);
    launcher_json_object_set(*ret, "gdb",
                             launcher_json_new_bool(d->gdb && launcher_gdb_attached(d->gdb)));
    if (d->ended)
        launcher_json_object_set(*ret, "exit-code",
                                 d->exit_code >= 0 ? launcher_json_new_int(d->exit_code)
                                                   : launcher_json_new_null());
    return TRUE;
}

/* The halt a pause waits for is this one's, or one under way (gdb's): the
 * answer comes from launcher_monitor_halted, with that halt's latency. */
static gboolean cmd_pause(LauncherMonitor *m, MonitorClient *c, LauncherJson **ret,
                          GError **error)
{
    LauncherDebugger *d = m->d;
    if (machine_ended(d, error))
        return FALSE;
    if (d->state == LAUNCHER_MACHINE_HALTED) {
        *ret = status_object(d);
        return TRUE;
    }
    launcher_debugger_halt(d, LAUNCHER_HALT_PAUSE, 0);
    c->pausing = TRUE;
    *ret = NULL;
    return TRUE;
}

/* Lets every hart of a paused machine run; FALSE + error if the machine
 * ended or gdb holds it (gdb believes the machine stopped: a run behind its
 * back would leave it waiting for registers that never come). */
static gboolean let_run(LauncherDebugger *d, GError **error)
{
    if (machine_ended(d, error))
        return FALSE;
    if (d->gdb && launcher_gdb_attached(d->gdb)) {
        g_set_error(error, MONITOR_ERROR, MONITOR_ERROR_GDB_ATTACHED,
                    "gdb is attached: let it continue the machine, or detach it first");
        return FALSE;
    }
    if (d->state == LAUNCHER_MACHINE_HALTED) {
        g_autoptr(GArray) harts = launcher_debugger_all_harts(d);
        launcher_debugger_resume(d, NULL, harts);
    }
    return TRUE;
}

static gboolean cmd_resume(LauncherMonitor *m, MonitorClient *c, LauncherJson **ret,
                           GError **error)
{
    if (!let_run(m->d, error))
        return FALSE;
    *ret = status_object(m->d);
    return TRUE;
}

/* Register @regno of halted @hart (gdb's numbering), little-endian as the
 * nodes send it. */
static gboolean read_reg(LauncherDebugger *d, guint hart, guint regno, guint64 *value,
                         GError **error)
{
    guint8 bytes[8];
    gboolean ok = FALSE;
    if (!launcher_debugger_read_regs(d, hart, regno, 1, bytes, &ok) || !ok) {
        if (!machine_ended(d, error))
            g_set_error(error, MONITOR_ERROR, MONITOR_ERROR_MACHINE,
                        "hart %u did not answer a read of register %u", hart, regno);
        return FALSE;
    }
    *value = 0;
    for (guint i = 0; i < 8; i++)
        *value |= (guint64)bytes[i] << (8 * i);
    return TRUE;
}

static const char *priv_name(guint64 priv)
{
    static const char *const names[] = { "U", "S", "?", "M" };
    return priv < G_N_ELEMENTS(names) ? names[priv] : "?";
}

/* A running hart has no pc worth giving: it changed before the answer
 * arrived. Stopping the machine to read it is `pause` first. */
static gboolean cmd_info_harts(LauncherMonitor *m, MonitorClient *c, LauncherJson **ret,
                               GError **error)
{
    LauncherDebugger *d = m->d;
    if (machine_ended(d, error))
        return FALSE;
    g_autoptr(LauncherJson) harts = launcher_json_new_array();
    gboolean halted = d->state == LAUNCHER_MACHINE_HALTED;
    for (guint h = 0; h < d->n_harts; h++) {
        LauncherJson *o = launcher_json_new_object();
        launcher_json_array_add(harts, o);
        launcher_json_object_set_int(o, "hart", h);
        launcher_json_object_set_int(o, "node", d->hart_node[h]);
        launcher_json_object_set_string(o, "state", halted ? "stopped" : "running");
        guint64 pc, priv;
        if (!halted)
            continue;
        if (!read_reg(d, h, LAUNCHER_GDB_REG_PC, &pc, error) ||
            !read_reg(d, h, LAUNCHER_GDB_REG_PRIV, &priv, error))
            return FALSE;
        g_autofree char *pc_text = g_strdup_printf("0x%" G_GINT64_MODIFIER "x", pc);
        launcher_json_object_set_string(o, "pc", pc_text);
        launcher_json_object_set_string(o, "priv", priv_name(priv));
    }
    *ret = g_steal_pointer(&harts);
    return TRUE;
}

/* The coherence directory as it stands: running or paused, a snapshot of
 * the server's view (docs/coherence.md). */
static gboolean cmd_info_pages(LauncherMonitor *m, MonitorClient *c, LauncherJson **ret,
                               GError **error)
{
    LauncherDebugger *d = m->d;
    if (machine_ended(d, error))
        return FALSE;
    g_autoptr(IcEnvelope) r = launcher_debugger_pages(d);
    if (r == NULL) {
        if (!machine_ended(d, error))
            g_set_error(error, MONITOR_ERROR, MONITOR_ERROR_MACHINE,
                        "the memory server did not answer");
        return FALSE;
    }
    const Shoal__V1__DebugPages *p = r->debug_pages;
    LauncherJson *o = *ret = launcher_json_new_object();
    launcher_json_object_set_int(o, "pages", (gint64)p->pages);
    launcher_json_object_set_int(o, "uncached", (gint64)p->uncached);
    launcher_json_object_set_int(o, "shared", (gint64)p->shared);
    launcher_json_object_set_int(o, "modified", (gint64)p->modified);
    launcher_json_object_set_int(o, "busy", (gint64)p->busy);
    LauncherJson *nodes = launcher_json_new_array();
    for (gsize i = 0; i < MIN(p->n_node_modified, p->n_node_shared); i++) {
        LauncherJson *n = launcher_json_new_object();
        launcher_json_array_add(nodes, n);
        launcher_json_object_set_int(n, "node", (gint64)i);
        launcher_json_object_set_int(n, "modified", (gint64)p->node_modified[i]);
        launcher_json_object_set_int(n, "shared", (gint64)p->node_shared[i]);
    }
    launcher_json_object_set(o, "nodes", nodes);
    return TRUE;
}

static gboolean cmd_stats(LauncherMonitor *m, MonitorClient *c, LauncherJson **ret,
                          GError **error)
{
    LauncherDebugger *d = m->d;
    LauncherJson *o = *ret = status_object(d);
    launcher_json_object_set_int(o, "nodes", d->n_nodes);
    launcher_json_object_set_int(o, "harts", d->n_harts);
    launcher_json_object_set(o, "gdb",
                             launcher_json_new_bool(d->gdb && launcher_gdb_attached(d->gdb)));
    launcher_json_object_set_int(o, "clients", m->clients->len);
    launcher_json_object_set_int(o, "pauses", (gint64)d->n_halts);
    launcher_json_object_set_int(o, "resumes", (gint64)d->n_resumes);
    if (d->n_halts > 0) {
        LauncherJson *lat = launcher_json_new_object();
        launcher_json_object_set_int(lat, "last", d->last_halt_us);
        launcher_json_object_set_int(lat, "min", d->min_halt_us);
        launcher_json_object_set_int(lat, "mean", d->total_halt_us / (gint64)d->n_halts);
        launcher_json_object_set_int(lat, "max", d->max_halt_us);
        launcher_json_object_set(o, "pause-latency-us", lat);
    }
    return TRUE;
}

/* QMP's system_reset: a power cycle, as the guest's own reset request
 * (the server's [machine] on-reset decides). A paused machine is let go
 * first: the reset restarts every hart, and time must run again with them. */
static gboolean cmd_system_reset(LauncherMonitor *m, MonitorClient *c, LauncherJson **ret,
                                 GError **error)
{
    LauncherDebugger *d = m->d;
    if (!let_run(d, error))
        return FALSE;
    Shoal__V1__DebugReset reset = SHOAL__V1__DEBUG_RESET__INIT;
    IcEnvelope env = SHOAL__V1__ENVELOPE__INIT;
    env.body_case = SHOAL__V1__ENVELOPE__BODY_DEBUG_RESET;
    env.debug_reset = &reset;
    launcher_debugger_send(d, &env);
    *ret = status_object(d);
    return TRUE;
}

/* Saves the held machine to @c's file (the memory server writes it). */
static gboolean save_snapshot(LauncherDebugger *d, MonitorClient *c, LauncherJson **ret,
                              GError **error)
{
    g_autoptr(IcEnvelope) reply = launcher_debugger_snapshot(d, c->arg);
    if (reply == NULL) {
        if (!machine_ended(d, error))
            g_set_error(error, MONITOR_ERROR, MONITOR_ERROR_MACHINE,
                        "%s: the memory server did not answer", c->arg);
        return FALSE;
    }
    const Shoal__V1__SnapshotSaved *r = reply->snapshot_saved;
    if (!r->ok) {
        g_set_error(error, MONITOR_ERROR, MONITOR_ERROR_MACHINE, "%s", r->error);
        return FALSE;
    }
    *ret = launcher_json_new_object();
    launcher_json_object_set_string(*ret, "file", c->arg);
    launcher_json_object_set_int(*ret, "file-bytes", (gint64)r->file_bytes);
    launcher_json_object_set_int(*ret, "data-bytes", (gint64)r->data_bytes);
    launcher_json_object_set_int(*ret, "save-us", (gint64)r->save_us);
    return TRUE;
}

/* A paused machine is saved as it stands and stays paused; a running one
 * is paused for the save and runs on after it (launcher_monitor_halted). */
static gboolean cmd_snapshot_save(LauncherMonitor *m, MonitorClient *c, LauncherJson **ret,
                                  GError **error)
{
    LauncherDebugger *d = m->d;
    if (machine_ended(d, error))
        return FALSE;
    if (d->state == LAUNCHER_MACHINE_HALTED)
        return save_snapshot(d, c, ret, error);
    if (d->gdb && launcher_gdb_attached(d->gdb)) {
        g_set_error(error, MONITOR_ERROR, MONITOR_ERROR_GDB_ATTACHED,
                    "gdb is attached and the machine runs: stop it in gdb first");
        return FALSE;
    }
    launcher_debugger_halt(d, LAUNCHER_HALT_PAUSE, 0);
    c->saving = TRUE;
    *ret = NULL;
    return TRUE;
}

/* As gdb's k: the launcher's signalfd takes the SIGTERM on its thread and
 * tears the run down (exit 143); the answer goes out before the socket
 * closes (launcher_monitor_free). */
static gboolean cmd_quit(LauncherMonitor *m, MonitorClient *c, LauncherJson **ret,
                         GError **error)
{
    g_debug("monitor: quit");
    kill(getpid(), SIGTERM);
    *ret = launcher_json_new_object();
    return TRUE;
}

static gboolean cmd_query_commands(LauncherMonitor *m, MonitorClient *c, LauncherJson **ret,
                                   GError **error);

static const MonitorCommand commands[] = {
    { "query-status", TRUE, cmd_query_status },
    { "pause", FALSE, cmd_pause },
    { "resume", TRUE, cmd_resume },
    { "cont", TRUE, cmd_resume }, /* QMP's name for it */
    { "info-harts", TRUE, cmd_info_harts },
    { "info-pages", FALSE, cmd_info_pages },
    { "stats", FALSE, cmd_stats },
    { "system_reset", TRUE, cmd_system_reset },
    { "reset", TRUE, cmd_system_reset },
    { "snapshot-save", TRUE, cmd_snapshot_save, "file" },
    { "quit", FALSE, cmd_quit },
    { "query-commands", FALSE, cmd_query_commands },
};

static gboolean cmd_query_commands(LauncherMonitor *m, MonitorClient *c, LauncherJson **ret,
                                   GError **error)
{
    *ret = launcher_json_new_array();
    for (guint i = 0; i < G_N_ELEMENTS(commands); i++)
        launcher_json_array_add(*ret, launcher_json_new_string(commands[i].name));
    return TRUE;
}

static const MonitorCommand *find_command(const char *name)
{
    for (guint i = 0; i < G_N_ELEMENTS(commands); i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

/* ---- Requests ---------------------------------------------------------- */

/* @line (no newline) as a request: @c's command to run, or an error
 * answered. */
static void take_request(MonitorClient *c, const char *line, gsize len)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(LauncherJson) req = launcher_json_parse(line, len, &error);
    if (req == NULL) {
        answer_error(c, MONITOR_ERROR_PARSE, "not JSON: %s", error->message);
        return;
    }
    if (req->kind != LAUNCHER_JSON_OBJECT) {
        answer_error(c, MONITOR_ERROR_INVALID_REQUEST,
                     "a request is an object: {\"execute\": COMMAND}");
        return;
    }
    c->id = launcher_json_object_steal(req, "id");
    for (guint i = 0; i < req->keys->len; i++) {
        const char *key = g_ptr_array_index(req->keys, i);
        if (strcmp(key, "execute") != 0 && strcmp(key, "arguments") != 0) {
            answer_error(c, MONITOR_ERROR_INVALID_REQUEST,
                         "\"%s\" in a request (it takes execute, arguments and id)", key);
            return;
        }
    }
    const char *name = launcher_json_get_string(launcher_json_object_get(req, "execute"));
    const LauncherJson *args = launcher_json_object_get(req, "arguments");
    if (name == NULL) {
        answer_error(c, MONITOR_ERROR_INVALID_REQUEST,
                     "a request's \"execute\" is the command's name, a string");
        return;
    }
    if (args && args->kind != LAUNCHER_JSON_OBJECT) {
        answer_error(c, MONITOR_ERROR_INVALID_REQUEST, "a request's \"arguments\" is an object");
        return;
    }
    const MonitorCommand *command = find_command(name);
    if (command == NULL) {
        answer_error(c, MONITOR_ERROR_COMMAND_NOT_FOUND,
                     "no command \"%s\" (query-commands lists them)", name);
        return;
    }
    guint n_args = args ? args->items->len : 0;
    if (command->arg == NULL && n_args > 0) {
        answer_error(c, MONITOR_ERROR_INVALID_ARGUMENTS, "%s takes no arguments", name);
        return;
    }
    if (command->arg) {
        const char *value = launcher_json_get_string(launcher_json_object_get(args, command->arg));
        if (n_args != 1 || value == NULL || value[0] == '\0') {
            answer_error(c, MONITOR_ERROR_INVALID_ARGUMENTS,
                         "%s takes one argument, \"%s\", a non-empty string", name,
                         command->arg);
            return;
        }
        g_free(c->arg);
        c->arg = g_strdup(value);
    }
    c->command = command;
}

static void run_command(LauncherMonitor *m, MonitorClient *c)
{
    g_autoptr(GError) error = NULL;
    LauncherJson *ret = NULL;
    if (!c->command->run(m, c, &ret, &error))
        answer(c, NULL, error);
    else if (ret)
        answer(c, ret, NULL);
}

typedef enum { LINE_NONE, LINE_TAKEN, LINE_TOO_LONG } LineResult;

/* The next whole line of @c's input, without its "\n" or "\r\n". */
static LineResult take_line(MonitorClient *c, const char **line, gsize *len)
{
    gsize avail = c->in->len - c->in_start;
    if (avail == 0)
        return LINE_NONE; /* and no data to look at: memchr wants some */
    const char *start = (const char *)c->in->data + c->in_start;
    const char *nl = memchr(start, '\n', MIN(avail, (gsize)MAX_LINE + 1));
    if (nl == NULL)
        return avail > MAX_LINE ? LINE_TOO_LONG : LINE_NONE;
    *line = start;
    *len = (gsize)(nl - start);
    if (*len > 0 && start[*len - 1] == '\r')
        (*len)--;
    c->in_start += (gsize)(nl - start) + 1;
    return LINE_TAKEN;
}

static gboolean blank(const char *line, gsize len)
{
    for (gsize i = 0; i < len; i++)
        if (!g_ascii_isspace(line[i]))
            return FALSE;
    return TRUE;
}

/* Answers @c's requests in order, as far as the machine lets it. */
static void serve_client(LauncherMonitor *m, MonitorClient *c)
{
    while (!c->closing && !c->gone && !c->pausing && !c->saving) {
        if (c->command == NULL) {
            const char *line;
            gsize len;
            LineResult r = take_line(c, &line, &len);
            if (r == LINE_NONE)
                break;
            if (r == LINE_TOO_LONG) {
                answer_error(c, MONITOR_ERROR_LINE_TOO_LONG,
                             "a line longer than %d bytes: the connection closes", MAX_LINE);
                c->closing = TRUE;
                break;
            }
            if (!blank(line, len))
                take_request(c, line, len);
            continue;
        }
        if (c->command->settled && m->d->state == LAUNCHER_MACHINE_HALTING && !m->d->ended)
            break; /* a halt is on its way */
        run_command(m, c);
    }
    if (c->in_start > 0) {
        g_byte_array_remove_range(c->in, 0, (guint)c->in_start);
        c->in_start = 0;
    }
}

/* ---- Clients ----------------------------------------------------------- */

static void free_client(gpointer data)
{
    MonitorClient *c = data;
    close(c->fd);
    g_byte_array_unref(c->in);
    g_string_free(c->out, TRUE);
    launcher_json_free(c->id);
    g_free(c->arg);
    g_free(c);
}

static void accept_client(LauncherMonitor *m)
{
    int fd = accept4(m->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            g_debug("monitor: accept: %s", g_strerror(errno));
        return;
    }
    MonitorClient *c = g_new0(MonitorClient, 1);
    c->fd = fd;
    c->poll_i = -1;
    c->in = g_byte_array_new();
    c->out = g_string_new(NULL);
    g_ptr_array_add(m->clients, c);
    if (m->clients->len > LAUNCHER_MONITOR_MAX_CLIENTS) {
        answer_error(c, MONITOR_ERROR_TOO_MANY_CLIENTS,
                     "%d monitor clients are connected already: the connection closes",
                     LAUNCHER_MONITOR_MAX_CLIENTS);
        c->closing = TRUE;
    }
    g_debug("monitor: a client connected (%u)", m->clients->len);
}

guint launcher_monitor_poll_fds(LauncherMonitor *m, struct pollfd *fds)
{
    guint n = 0;
    m->listen_i = -1;
    /* room for one more: it is told that there is no room, and goes */
    if (m->clients->len <= LAUNCHER_MONITOR_MAX_CLIENTS) {
        m->listen_i = (int)n;
        fds[n++] = (struct pollfd){ .fd = m->listen_fd, .events = POLLIN };
    }
    /* at most LAUNCHER_MONITOR_MAX_FDS: the listening socket is not polled
     * while a client over the limit is there */
    for (guint i = 0; i < m->clients->len; i++) {
        MonitorClient *c = g_ptr_array_index(m->clients, i);
        /* no more input while a line's worth waits behind a request */
        short events = !c->closing && c->in->len <= MAX_LINE ? POLLIN : 0;
        if (c->out->len > 0)
            events |= POLLOUT;
        c->poll_i = (int)n;
        fds[n++] = (struct pollfd){ .fd = c->fd, .events = events };
    }
    return n;
}

void launcher_monitor_serve(LauncherMonitor *m, const struct pollfd *fds, guint n)
{
    for (guint i = 0; i < m->clients->len; i++) {
        MonitorClient *c = g_ptr_array_index(m->clients, i);
        if (c->poll_i >= 0 && (guint)c->poll_i < n &&
            (fds[c->poll_i].revents & (POLLIN | POLLHUP | POLLERR)) &&
            !launcher_socket_read(c->fd, c->in))
            c->gone = TRUE;
        c->poll_i = -1;
    }
    if (m->listen_i >= 0 && (guint)m->listen_i < n && fds[m->listen_i].revents)
        accept_client(m);
    m->listen_i = -1;
    for (guint i = 0; i < m->clients->len; i++)
        serve_client(m, g_ptr_array_index(m->clients, i));
    for (guint i = m->clients->len; i-- > 0;) {
        MonitorClient *c = g_ptr_array_index(m->clients, i);
        if (!c->gone && c->out->len > 0 && !launcher_socket_flush(c->fd, c->out, 0))
            c->gone = TRUE;
        if (c->gone || (c->closing && c->out->len == 0)) {
            g_debug("monitor: a client %s", c->gone ? "went" : "was hung up on");
            g_ptr_array_remove_index(m->clients, i);
        }
    }
}

/* ---- What the machine tells the clients -------------------------------- */

static const char *const cause_names[] = {
    [LAUNCHER_HALT_PAUSE] = "pause",         [LAUNCHER_HALT_GDB] = "gdb",
    [LAUNCHER_HALT_BREAKPOINT] = "breakpoint", [LAUNCHER_HALT_STEP] = "step",
    [LAUNCHER_HALT_WATCHPOINT] = "watchpoint",
};

void launcher_monitor_halted(LauncherMonitor *m)
{
    LauncherDebugger *d = m->d;
    for (guint i = 0; i < m->clients->len; i++) {
        MonitorClient *c = g_ptr_array_index(m->clients, i);
        if (!c->pausing)
            continue;
        LauncherJson *ret = status_object(d);
        launcher_json_object_set_int(ret, "latency-us", d->last_halt_us);
        launcher_json_object_set_int(ret, "nodes", d->n_nodes);
        answer(c, ret, NULL);
    }
    LauncherJson *data = launcher_json_new_object();
    launcher_json_object_set_string(data, "reason", cause_names[d->halt_cause]);
    if (d->halt_cause >= LAUNCHER_HALT_BREAKPOINT)
        launcher_json_object_set_int(data, "hart", d->halt_hart);
    launcher_json_object_set_int(data, "latency-us", d->last_halt_us);
    broadcast(m, "STOP", data);
    gboolean saved = FALSE;
    for (guint i = 0; i < m->clients->len; i++) {
        MonitorClient *c = g_ptr_array_index(m->clients, i);
        if (!c->saving)
            continue;
        c->saving = FALSE;
        g_autoptr(GError) error = NULL;
        LauncherJson *ret = NULL;
        gboolean ok = save_snapshot(d, c, &ret, &error);
        answer(c, ok ? ret : NULL, ok ? NULL : error);
        saved = TRUE;
    }
    g_autoptr(GError) error = NULL;
    if (saved && !let_run(d, &error))
        g_debug("monitor: after the snapshot: %s", error->message);
}

void launcher_monitor_resumed(LauncherMonitor *m)
{
    broadcast(m, "RESUME", launcher_json_new_object());
}

void launcher_monitor_ended(LauncherMonitor *m)
{
    LauncherDebugger *d = m->d;
    for (guint i = 0; i < m->clients->len; i++) {
        MonitorClient *c = g_ptr_array_index(m->clients, i);
        g_autoptr(GError) error = NULL;
        if ((c->pausing || c->saving) && machine_ended(d, &error))
            answer(c, NULL, error);
    }
    LauncherJson *data = launcher_json_new_object();
    launcher_json_object_set(data, "exit-code", d->exit_code >= 0
                                                    ? launcher_json_new_int(d->exit_code)
                                                    : launcher_json_new_null());
    broadcast(m, "SHUTDOWN", data);
}

/* ---- The launcher's side ------------------------------------------------ */

LauncherMonitor *launcher_monitor_new(LauncherDebugger *d, const char *endpoint, GError **error)
{
    LauncherMonitor *m = g_new0(LauncherMonitor, 1);
    m->d = d;
    m->listen_fd = m->listen_i = -1;
    m->clients = g_ptr_array_new_with_free_func(free_client);
    /* a unix socket, whose mode says who may connect: tcp would let
     * anyone on the host stop and end the run */
    if (!launcher_endpoint_parse("--monitor", endpoint, TRUE, &m->endpoint, error) ||
        (m->listen_fd = launcher_endpoint_listen(&m->endpoint, error)) < 0) {
        launcher_monitor_free(m);
        return NULL;
    }
    /* whoever connects may end the run: its owner only, whatever the umask */
    if (chmod(m->endpoint.path, 0600) != 0)
        g_debug("monitor: chmod %s: %s", m->endpoint.path, g_strerror(errno));
    g_debug("monitor: listening on %s", endpoint);
    return m;
}

void launcher_monitor_free(LauncherMonitor *m)
{
    gint64 deadline = g_get_monotonic_time() + CLOSE_FLUSH_MS * 1000;
    for (guint i = 0; i < m->clients->len; i++) {
        MonitorClient *c = g_ptr_array_index(m->clients, i);
        gint64 left = MAX(deadline - g_get_monotonic_time(), 0) / 1000;
        if (!c->gone)
            launcher_socket_flush(c->fd, c->out, (int)left);
    }
    g_ptr_array_unref(m->clients);
    if (m->listen_fd >= 0) {
        close(m->listen_fd);
        unlink(m->endpoint.path);
    }
    launcher_endpoint_clear(&m->endpoint);
    g_free(m);
}
