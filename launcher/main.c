/* SPDX-License-Identifier: MIT */
/* `shoal`: checks the config and the images first (bad input: one line on
 * stderr, exit 2, nothing started), then starts the memory server and one
 * cpu-node per [node.N], relays the console (and serves gdb, --gdb, and
 * the monitor, --monitor), and tears everything down.
 * `shoal dumpdtb` writes the device tree a machine's firmware would get;
 * `shoal monitor` talks to a run's monitor (launcher/monitor-cli.c). */
#include "launcher/internal.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "interconnect/ic.h"
#include "interconnect/snapshot.h"

#define EXIT_BAD_INPUT 2
#define EXIT_FAILURE_RUN 1
#define SHUTDOWN_GRACE_MS 1000 /* children get this long to exit after Shutdown */
#define DEATH_GRACE_MS 3000    /* a Shutdown may still be on its way when a child exits
                                * (the server's last messages, on a loaded host) */

typedef struct {
    const char *config;
    const char *out;         /* dumpdtb: the file to write, else NULL */
    CfgMachineArgs machine;  /* --set, --kernel, --bios, --initrd, --append, --accel */
    gboolean dump;           /* run --dump-config */
    gboolean stats;          /* run --stats */
    char *gdb;               /* run --gdb ENDPOINT, or NULL */
    char *monitor;           /* run --monitor unix:PATH, or NULL */
    gboolean paused;         /* run --paused (-S) */
    char *restore;           /* run --restore FILE (absolute), or NULL */
    char *snapshot_at;       /* run --snapshot-at NS:FILE, or NULL */
    char **rest;             /* what option parsing left: the command, CONFIG [FILE] */
} RunArgs;

/* One line on stderr, whatever the message holds. */
G_GNUC_PRINTF(1, 2)
static void say(const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_strdelimit(msg, "\r\n", ' ');
    fprintf(stderr, "shoal: %s\n", msg);
}

static void log_handler(const char *domain, GLogLevelFlags level, const char *message,
                        gpointer data)
{
    if (level & (G_LOG_LEVEL_DEBUG | G_LOG_LEVEL_INFO)) {
        g_log_default_handler(domain, level, message, data);
        return;
    }
    say("%s%s", level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL) ? "error: " : "warning: ",
        message);
}

/* The commands, for `shoal --help` and `shoal help`. */
typedef struct {
    const char *name;
    const char *parameters; /* after the name */
    const char *summary;
} Command;

static const Command commands[] = {
    { "run", "CONFIG",
      "Run the machine CONFIG describes until its guest ends (or a process dies)" },
    { "dumpdtb", "CONFIG FILE", "Write the device tree the machine's firmware would get to FILE" },
    { "keygen", "FILE",
      "Write a new CurveZMQ key pair to FILE (mode 0600) and its public key to FILE.pub, "
      "for a host of a tcp:// machine ([memory-server] key, client-key, authorized-keys)" },
    { "monitor", LAUNCHER_MONITOR_CLI_PARAMETERS, LAUNCHER_MONITOR_CLI_SUMMARY },
    { "snapshot-info", "FILE",
      "Check a snapshot file (RAM included) and print where it was saved from, its board, "
      "its time and every hart's pc (docs/snapshot.md)" },
    { "config-doc", "", "Print every config key, as the table in configs/README.md" },
    { "help", "[COMMAND]", "Show this, or a command's options" },
};

static void print_usage(FILE *to)
{
    fprintf(to, "Usage:\n  shoal COMMAND [OPTION...]\n\nCommands:\n");
    for (guint i = 0; i < G_N_ELEMENTS(commands); i++) {
        g_autofree char *call = g_strdup_printf("%s %s", commands[i].name, commands[i].parameters);
        fprintf(to, "  %-22s %s\n", call, commands[i].summary);
    }
    fprintf(to, "\nOptions:\n  -h, --help             Show this\n"
                "  --version              Print the version and exit\n\n"
                "`shoal COMMAND --help` lists a command's options.\n");
}

/* The options of `shoal run` (@dumpdtb FALSE) or `shoal dumpdtb`, filling
 * @a: the machine group as the main one, so --help shows it all. */
static GOptionContext *command_context(RunArgs *a, gboolean dumpdtb)
{
    const GOptionEntry run_entries[] = {
        { "stats", 0, 0, G_OPTION_ARG_NONE, &a->stats,
          "At exit, print what coherence cost: per node, and the hottest pages and sites", NULL },
        { "dump-config", 0, 0, G_OPTION_ARG_NONE, &a->dump,
          "Print the merged config (includes and --set applied) and exit", NULL },
        { "gdb", 0, 0, G_OPTION_ARG_STRING, &a->gdb,
          "Serve gdb's remote protocol on ENDPOINT: tcp::PORT (localhost), tcp:HOST:PORT or "
          "unix:PATH (docs/debugging.md)",
          "ENDPOINT" },
        { "monitor", 0, 0, G_OPTION_ARG_STRING, &a->monitor,
          "Serve the monitor (JSON lines: pause, resume, info-harts, stats, quit...) on "
          "unix:PATH; `shoal monitor PATH` speaks it (docs/monitor.md)",
          "unix:PATH" },
        { "restore", 0, 0, G_OPTION_ARG_FILENAME, &a->restore,
          "Start from a snapshot (the monitor's snapshot-save, or --snapshot-at) instead of "
          "the boot images; any node layout of the same board (docs/snapshot.md)",
          "FILE" },
        { "snapshot-at", 0, 0, G_OPTION_ARG_STRING, &a->snapshot_at,
          "Deterministic time: save a snapshot to FILE at the first quantum boundary at or after "
          "guest time NS, and run on",
          "NS:FILE" },
        { "paused", 'S', 0, G_OPTION_ARG_NONE, &a->paused,
          "Start with every hart stopped, until gdb or the monitor lets them run (with --gdb or "
          "--monitor)",
          NULL },
        { NULL },
    };
    GOptionContext *context = cfg_options_context_new(dumpdtb ? "CONFIG FILE" : "CONFIG",
                                                      commands[dumpdtb ? 1 : 0].summary,
                                                      cfg_machine_args_group(&a->machine));
    if (!dumpdtb)
        g_option_context_add_main_entries(context, run_entries, NULL);
    return context;
}

/* `shoal run|dumpdtb ...` into @a: FALSE after saying what is wrong. */
static gboolean parse_run_args(int argc, char **argv, RunArgs *a, gboolean dumpdtb)
{
    g_autoptr(GOptionContext) context = command_context(a, dumpdtb);
    g_autofree char *prog = g_strconcat("shoal ", argv[1], NULL);
    /* argv[0] is "shoal run": GOption names the program in --help */
    a->rest = g_new0(char *, (gsize)argc);
    a->rest[0] = g_strdup(prog);
    for (int i = 2; i < argc; i++)
        a->rest[i - 1] = g_strdup(argv[i]);
    g_autoptr(GError) error = NULL;
    if (!cfg_options_parse(context, prog, &a->rest, &error)) {
        say("%s", error->message);
        return FALSE;
    }
    guint n = g_strv_length(a->rest);
    guint want = dumpdtb ? 3 : 2;
    if (n < want) {
        say("no %s given (see %s --help)", n < 2 ? "config file" : "output file", prog);
        return FALSE;
    }
    if (n > want) {
        say("%s: only one %s expected", a->rest[want],
            dumpdtb ? "config and one output file" : "config file");
        return FALSE;
    }
    a->config = a->rest[1];
    a->out = dumpdtb ? a->rest[2] : NULL;
    if (a->paused && a->gdb == NULL && a->monitor == NULL) {
        say("--paused needs --gdb ENDPOINT or --monitor unix:PATH: only they can let the harts "
            "run");
        return FALSE;
    }
    if (!launcher_debugger_check(a->gdb, a->monitor, &error)) {
        say("%s", error->message);
        return FALSE;
    }
    if (a->stats) /* children inherit it: each cpu-node prints its lines at exit */
        g_setenv("SHOAL_STATS", "1", TRUE);
    return TRUE;
}

static void run_args_clear(RunArgs *a)
{
    cfg_machine_args_clear(&a->machine);
    g_clear_pointer(&a->rest, g_strfreev);
    g_clear_pointer(&a->gdb, g_free);
    g_clear_pointer(&a->monitor, g_free);
    g_clear_pointer(&a->restore, g_free);
    g_clear_pointer(&a->snapshot_at, g_free);
}

/* Every image the machine boots must load into its RAM, where the memory
 * server will put it: the same plan, checked before anything starts. */
static gboolean check_images(const CfgMachine *m)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(CfgBoot) boot = cfg_boot_new(m, &error);

    if (boot == NULL) {
        say("%s", error->message);
        return FALSE;
    }
    return TRUE;
}

/* The arguments every child gets: CONFIG [--set ..]... [--kernel] [--bios]
 * --run-dir DIR [--node N [--paused]], and the memory server's (@server)
 * [--restore FILE] [--snapshot-at NS:FILE]. */
static char **child_args(const RunArgs *a, const char *run_dir, gint node, gboolean server)
{
    GPtrArray *v = g_ptr_array_new();
    g_auto(GStrv) sets = cfg_machine_args_sets(&a->machine);

    g_ptr_array_add(v, g_strdup(a->config));
    for (guint i = 0; sets[i]; i++) {
        g_ptr_array_add(v, g_strdup("--set"));
        g_ptr_array_add(v, g_strdup(sets[i]));
    }
    if (a->machine.kernel) {
        g_ptr_array_add(v, g_strdup("--kernel"));
        g_ptr_array_add(v, g_strdup(a->machine.kernel));
    }
    if (a->machine.bios) {
        g_ptr_array_add(v, g_strdup("--bios"));
        g_ptr_array_add(v, g_strdup(a->machine.bios));
    }
    g_ptr_array_add(v, g_strdup("--run-dir"));
    g_ptr_array_add(v, g_strdup(run_dir));
    if (node >= 0) {
        g_ptr_array_add(v, g_strdup("--node"));
        g_ptr_array_add(v, g_strdup_printf("%d", node));
        if (a->paused)
            g_ptr_array_add(v, g_strdup("--paused"));
    }
    if (server && a->restore) {
        g_ptr_array_add(v, g_strdup("--restore"));
        g_ptr_array_add(v, g_strdup(a->restore));
    }
    if (server && a->snapshot_at) {
        g_ptr_array_add(v, g_strdup("--snapshot-at"));
        g_ptr_array_add(v, g_strdup(a->snapshot_at));
    }
    g_ptr_array_add(v, NULL);
    return (char **)g_ptr_array_free(v, FALSE);
}

/* A child died while the machine ran: the memory server may have sent
 * Shutdown just before it (the normal end of a run). Returns the exit code
 * if one arrives within DEATH_GRACE_MS, else -1. */
static int late_shutdown(IcConsole *console, LauncherRelay *relay)
{
    gint64 deadline = g_get_monotonic_time() / 1000 + DEATH_GRACE_MS;

    for (;;) {
        IcConsoleEvent ev = { 0 };
        g_autoptr(GError) error = NULL;
        gint64 left = deadline - g_get_monotonic_time() / 1000;
        int code = -1;
        if (left <= 0 || !ic_console_wait(console, NULL, 0, (int)left, &ev, &error)) {
            g_debug("no Shutdown after a child exited: %s", error ? error->message : "timeout");
            return -1;
        }
        if (ev.kind == IC_CONSOLE_OUTPUT) {
            launcher_relay_output(relay, ev.output);
        } else if (ev.kind == IC_CONSOLE_SHUTDOWN) {
            code = ev.exit_code & 0xff;
        } else if (ev.kind == IC_CONSOLE_TIMEOUT) {
            ic_console_event_clear(&ev);
            return -1;
        }
        ic_console_event_clear(&ev);
        if (code >= 0) {
            return code;
        }
    }
}

static int report_death(LauncherChild *dead)
{
    g_autofree char *what = launcher_child_describe(dead);

    say("%s", what);
    return EXIT_FAILURE_RUN;
}

/* The server went away (the console's link closed): say why if it died. */
static int server_gone(LauncherProcs *procs, const GError *error)
{
    LauncherChild *dead = NULL;
    for (int i = 0; i < 20 && dead == NULL; i++) {
        dead = launcher_procs_reap(procs);
        if (dead == NULL) {
            g_usleep(100 * 1000);
        }
    }
    if (dead) {
        return report_death(dead);
    }
    say("lost the connection to the memory server: %s", error->message);
    return EXIT_FAILURE_RUN;
}

/* The signals that arrived: the exit code they end the run with, or -1.
 * After the Shutdown (@ended) children exit as they should; before it a
 * death ends the run. *graceful: the machine had ended (children may take
 * their grace). */
static int take_signals(LauncherProcs *procs, IcConsole *console, LauncherRelay *relay,
                        gboolean ended, gboolean *graceful)
{
    struct signalfd_siginfo si;
    int code = -1;
    while (code < 0 && read(procs->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
        if (si.ssi_signo != SIGCHLD) {
            return 128 + (int)si.ssi_signo; /* 130 SIGINT, 143 SIGTERM */
        }
        LauncherChild *dead = launcher_procs_reap(procs);
        if (dead && !ended) {
            code = late_shutdown(console, relay);
            *graceful = code >= 0;
            if (code < 0) {
                code = report_death(dead);
            }
            launcher_relay_flush(relay, DEATH_GRACE_MS);
        }
    }
    return code;
}

/* Relays the console until the machine ends and its output is written out
 * (or a signal ends the run: at once, whatever stdout does); returns the
 * launcher's exit code. *graceful says whether children may take
 * SHUTDOWN_GRACE_MS. */
static int supervise(LauncherProcs *procs, IcConsole *console, gboolean *graceful)
{
    g_autoptr(LauncherRelay) relay = launcher_relay_new(console);
    int ended = -1; /* the Shutdown's exit code, once it came */

    *graceful = FALSE;
    for (;;) {
        if (ended >= 0 && launcher_relay_drained(relay)) {
            return ended;
        }
        struct pollfd fds[3] = { { .fd = procs->sigfd, .events = POLLIN } };
        guint n = 1 + launcher_relay_fds(relay, fds + 1);
        IcConsoleEvent ev = { 0 };
        g_autoptr(GError) error = NULL;
        if (ended < 0 && launcher_relay_wants_output(relay)) {
            if (!ic_console_wait(console, fds, n, -1, &ev, &error)) {
                if (g_error_matches(error, IC_ERROR, IC_ERROR_CLOSED)) {
                    return server_gone(procs, error);
                }
                g_warning("console: %s", error->message);
                continue;
            }
        } else if (poll(fds, n, -1) > 0) {
            ev.kind = IC_CONSOLE_FDS_READY; /* the console waits while stdout catches up */
        }
        int code = -1;
        switch (ev.kind) {
        case IC_CONSOLE_TIMEOUT:
            break;
        case IC_CONSOLE_OUTPUT:
            launcher_relay_output(relay, ev.output);
            break;
        case IC_CONSOLE_SHUTDOWN:
            g_debug("machine shut down: exit code %d (%s)", ev.exit_code,
                    ev.reason ? ev.reason : "");
            *graceful = TRUE;
            ended = ev.exit_code & 0xff;
            break;
        case IC_CONSOLE_FDS_READY:
            if (fds[0].revents) {
                code = take_signals(procs, console, relay, ended >= 0, graceful);
            }
            if (code < 0) {
                launcher_relay_serve(relay, fds + 1, n - 1);
            }
            break;
        }
        ic_console_event_clear(&ev);
        if (code >= 0) {
            return code;
        }
    }
}

/* The directory holding the running `shoal`, where its siblings live. */
static char *exe_dir(GError **error)
{
    g_autofree char *exe = g_file_read_link("/proc/self/exe", error);

    return exe ? g_path_get_dirname(exe) : NULL;
}

/* The children while the console waits for the memory server: a server
 * that dies before it answers (an endpoint it cannot bind, say) ends the
 * wait at once, and is the reason given. */
typedef struct {
    LauncherProcs *procs;
    LauncherChild *died; /* the first child seen dead, or NULL */
} StartWatch;

static gboolean children_alive(gpointer data)
{
    StartWatch *w = data;
    if (w->died == NULL)
        w->died = launcher_procs_reap(w->procs);
    return w->died == NULL;
}

static int run_machine(const RunArgs *a, const CfgMachine *m)
{
    LauncherProcs procs;
    g_autoptr(GError) error = NULL;
    g_autofree char *dir = NULL;
    g_autofree char *run_dir = NULL;
    g_autoptr(IcConsole) console = NULL;
    LauncherDebugger *debugger = NULL;
    gboolean graceful = FALSE;
    int code = EXIT_FAILURE_RUN;

    /* before anything runs: a port in use is not worth a machine started */
    if ((a->gdb || a->monitor) &&
        (debugger = launcher_debugger_listen(a->gdb, a->monitor, &error)) == NULL) {
        say("%s", error->message);
        return EXIT_FAILURE_RUN;
    }
    if (!launcher_procs_init(&procs, &error) || (dir = exe_dir(&error)) == NULL ||
        (run_dir = launcher_run_dir_create(&error)) == NULL) {
        say("%s", error->message);
        launcher_procs_clear(&procs);
        launcher_debugger_stop(debugger);
        return EXIT_FAILURE_RUN;
    }
    g_debug("run directory %s", run_dir);

    {
        /* The console says Hello before any hart exists, so not one byte
         * of guest output can be sent before someone listens. */
        g_auto(GStrv) args = child_args(a, run_dir, -1, TRUE);
        gboolean ok = launcher_procs_spawn(&procs, dir, "shoal-memory-server", -1, args, &error);
        StartWatch watch = { &procs, NULL };
        if (ok) {
            console = ic_console_connect(m, run_dir, children_alive, &watch, &error);
            ok = console != NULL;
        }
        if (ok && debugger) {
            /* before the nodes: the debugger is there before any hart runs */
            ok = launcher_debugger_start(debugger, m, run_dir, a->paused, children_alive, &watch,
                                         &error);
        }
        if (ok && cfg_machine_has_bridge(m)) {
            /* before the nodes: harts' first accesses to it wait less */
            g_auto(GStrv) bargs = child_args(a, run_dir, -1, FALSE);
            ok = launcher_procs_spawn(&procs, dir,
                                      m->sysc_program ? m->sysc_program : "shoal-sysc-bridge", -1,
                                      bargs, &error);
        }
        if (ok && cfg_machine_has_virtio(m)) {
            g_auto(GStrv) vargs = child_args(a, run_dir, -1, FALSE);
            ok = launcher_procs_spawn(&procs, dir, "shoal-virtio", -1, vargs, &error);
        }
        for (guint i = 0; ok && i < m->n_nodes; i++) {
            g_auto(GStrv) nargs = child_args(a, run_dir, (gint)i, FALSE);
            ok = launcher_procs_spawn(&procs, dir, "shoal-cpu-node", (gint)i, nargs, &error);
        }
        if (!ok) {
            g_clear_pointer(&console, ic_console_free);
            LauncherChild *dead = watch.died ? watch.died : launcher_procs_reap(&procs);
            if (dead) {
                code = report_death(dead);
            } else {
                say("%s", error->message);
            }
        }
    }
    if (console) {
        launcher_tty_raw(STDIN_FILENO);
        code = supervise(&procs, console, &graceful);
        launcher_tty_restore();
    }
    /* children first: the memory server would complain of a vanished console */
    launcher_procs_stop(&procs, graceful ? SHUTDOWN_GRACE_MS : 0);
    launcher_debugger_stop(debugger);
    g_clear_pointer(&console, ic_console_free);
    launcher_run_dir_remove(run_dir);
    launcher_procs_clear(&procs);
    return code;
}

/* The command line into @a and the machine it names; NULL after saying
 * why (bad input). @a is the caller's to clear, whatever the outcome. */
static CfgMachine *load_machine(int argc, char **argv, RunArgs *a, gboolean dumpdtb)
{
    if (!parse_run_args(argc, argv, a, dumpdtb)) {
        return NULL;
    }
    g_autoptr(GError) error = NULL;
    CfgMachine *m = cfg_machine_args_load(&a->machine, a->config, &error);
    if (m == NULL) {
        say("%s", error->message);
    }
    return m;
}

/* --restore and --snapshot-at, checked before anything starts: the file
 * is a snapshot of this board (any layout), the machine can be saved. */
static gboolean check_snapshots(RunArgs *a, const CfgMachine *m)
{
    g_autoptr(GError) error = NULL;
    if ((a->restore || a->snapshot_at) && cfg_machine_has_bridge(m)) {
        say("%s: SystemC models cannot be saved or restored yet (a device has type sysc)",
            a->restore ? "--restore" : "--snapshot-at");
        return FALSE;
    }
    if ((a->restore || a->snapshot_at) && cfg_machine_has_virtio(m)) {
        say("%s: virtio devices cannot be saved or restored yet",
            a->restore ? "--restore" : "--snapshot-at");
        return FALSE;
    }
    if ((a->restore || a->snapshot_at) && cfg_machine_find_device(m, CFG_DEVICE_SIFIVE_UART)) {
        say("%s: a sifive_uart cannot be saved or restored yet",
            a->restore ? "--restore" : "--snapshot-at");
        return FALSE;
    }
    if ((a->restore || a->snapshot_at) && m->n_memories > 1) {
        say("%s: memory regions other than [memory] cannot be saved or restored yet (the "
            "machine has [%s])", a->restore ? "--restore" : "--snapshot-at",
            m->memories[1].group);
        return FALSE;
    }
    if (a->snapshot_at && !m->deterministic) {
        say("--snapshot-at needs deterministic time ([sysc] time-mode = deterministic); in host "
            "time, save with the monitor's snapshot-save (docs/snapshot.md)");
        return FALSE;
    }
    if (a->snapshot_at) {
        guint64 ns;
        g_autofree char *file = NULL;
        if (!cfg_parse_snapshot_at(a->snapshot_at, &ns, &file, &error)) {
            say("%s", error->message);
            return FALSE;
        }
        /* The memory server's idea of the current directory may differ. */
        g_autofree char *abs = g_canonicalize_filename(file, NULL);
        g_free(a->snapshot_at);
        a->snapshot_at = g_strdup_printf("%" G_GUINT64_FORMAT ":%s", ns, abs);
    }
    if (!a->restore)
        return TRUE;
    char *path = g_canonicalize_filename(a->restore, NULL);
    g_free(a->restore);
    a->restore = path;
    g_autoptr(IcSnapshot) snap = ic_snapshot_open(path, &error);
    if (!snap || !ic_snapshot_fits(snap, m, &error)) {
        say("%s", error->message);
        return FALSE;
    }
    return TRUE;
}

static int cmd_run(int argc, char **argv)
{
    RunArgs a = { 0 };
    g_autoptr(GError) error = NULL;
    int code = EXIT_BAD_INPUT;
    g_autoptr(CfgMachine) m = load_machine(argc, argv, &a, FALSE);
    if (m && a.dump) {
        g_auto(GStrv) sets = cfg_machine_args_sets(&a.machine);
        g_autofree char *text = cfg_machine_dump(a.config, (const char *const *)sets,
                                                 a.machine.kernel, a.machine.bios, &error);
        if (text == NULL) {
            say("%s", error->message);
        } else {
            fputs(text, stdout);
            code = 0;
        }
    } else if (m && (a.gdb || a.monitor) && m->deterministic) {
        /* the memory server would refuse the debugger: say so before anything starts */
        say("%s: the debugger needs host time ([sysc] time-mode = decoupled)",
            a.gdb ? "--gdb" : "--monitor");
    } else if (m && check_images(m) && check_snapshots(&a, m)) {
        code = run_machine(&a, m);
    }
    run_args_clear(&a);
    return code;
}

/* `shoal dumpdtb CONFIG FILE`: the device tree the machine's firmware gets. */
static int cmd_dumpdtb(int argc, char **argv)
{
    RunArgs a = { 0 };
    g_autoptr(GError) error = NULL;
    g_autoptr(CfgMachine) m = load_machine(argc, argv, &a, TRUE);
    g_autoptr(GBytes) fdt = NULL;
    int code = EXIT_BAD_INPUT;

    if (m && m->initrd) {
        /* where the initrd goes depends on the images: lay them all out */
        g_autoptr(CfgBoot) boot = cfg_boot_new(m, &error);
        fdt = boot ? g_bytes_ref(boot->fdt) : NULL;
    } else if (m) {
        fdt = cfg_machine_build_fdt(m, 0, 0, &error);
    }
    if (m && fdt == NULL) {
        say("%s", error->message);
    } else if (fdt) {
        gsize size;
        const char *data = g_bytes_get_data(fdt, &size);
        code = 0;
        if (!g_file_set_contents(a.out, data, (gssize)size, &error)) {
            say("%s", error->message);
            code = EXIT_FAILURE_RUN;
        }
    }
    run_args_clear(&a);
    return code;
}

/* `shoal keygen FILE`: a host's key pair for machines over tcp://
 * (interconnect/keypair.c). Never over an existing file: it may be the key
 * of a machine in use. */
static int cmd_keygen(int argc, char **argv)
{
    if (argc != 3 || argv[2][0] == '-') {
        say("usage: shoal keygen FILE");
        return EXIT_BAD_INPUT;
    }
    g_autoptr(GError) error = NULL;
    if (!ic_keypair_write_new(argv[2], &error)) {
        say("%s", error->message);
        return EXIT_FAILURE_RUN;
    }
    return 0;
}

/* What GOption's help calls the program: "shoal run" for `shoal run
 * --help` and `shoal help run`. */
static const char *prog_name(int argc, char **argv)
{
    const char *command = argc >= 3 && strcmp(argv[1], "help") == 0 ? argv[2]
                          : argc >= 2                                 ? argv[1]
                                                                      : "";
    if (strcmp(command, "run") == 0)
        return "shoal run";
    if (strcmp(command, "dumpdtb") == 0)
        return "shoal dumpdtb";
    if (strcmp(command, "monitor") == 0)
        return "shoal monitor";
    return "shoal";
}

/* `shoal help [COMMAND]`. */
static int cmd_help(int argc, char **argv)
{
    if (argc < 3) {
        print_usage(stdout);
        return 0;
    }
    if (argc == 3 && (strcmp(argv[2], "run") == 0 || strcmp(argv[2], "dumpdtb") == 0)) {
        RunArgs a = { 0 };
        g_autoptr(GOptionContext) context = command_context(&a, strcmp(argv[2], "dumpdtb") == 0);
        g_autofree char *help = g_option_context_get_help(context, TRUE, NULL);
        g_print("%s", help); /* as GOption prints --help: in the locale's charset */
        return 0;
    }
    if (argc == 3 && strcmp(argv[2], "monitor") == 0) {
        char *help[] = { argv[0], argv[2], (char *)"--help", NULL };
        return launcher_monitor_cli(3, help); /* GOption prints it and exits 0 */
    }
    if (argc == 3 && (strcmp(argv[2], "config-doc") == 0 || strcmp(argv[2], "help") == 0 ||
                      strcmp(argv[2], "keygen") == 0 || strcmp(argv[2], "snapshot-info") == 0)) {
        print_usage(stdout);
        return 0;
    }
    say("%s: no such command (see shoal --help)", argv[2]);
    return EXIT_BAD_INPUT;
}

int main(int argc, char **argv)
{
    g_log_set_default_handler(log_handler, NULL);
    /* a closed stdout must not kill the launcher before it tears down */
    signal(SIGPIPE, SIG_IGN);
    g_set_prgname(prog_name(argc, argv));

    if (argc >= 2 && strcmp(argv[1], "run") == 0) {
        return cmd_run(argc, argv);
    }
    if (argc >= 2 && strcmp(argv[1], "dumpdtb") == 0) {
        return cmd_dumpdtb(argc, argv);
    }
    if (argc >= 2 && strcmp(argv[1], "help") == 0) {
        return cmd_help(argc, argv);
    }
    if (argc >= 2 && strcmp(argv[1], "keygen") == 0) {
        return cmd_keygen(argc, argv);
    }
    if (argc >= 2 && strcmp(argv[1], "monitor") == 0) {
        return launcher_monitor_cli(argc, argv);
    }
    if (argc >= 2 && strcmp(argv[1], "snapshot-info") == 0) {
        return launcher_snapshot_info(argc, argv);
    }
    if (argc == 2 && strcmp(argv[1], "config-doc") == 0) {
        g_autofree char *doc = cfg_keys_doc();
        fputs(doc, stdout);
        return 0;
    }
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        print_usage(stdout);
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "--version") == 0) {
        printf("shoal %s\n", PACKAGE_VERSION);
        return 0;
    }
    say("%s (usage: shoal COMMAND [OPTION...]; see shoal --help)",
        argc < 2 ? "no command" : "unknown command");
    return EXIT_BAD_INPUT;
}
