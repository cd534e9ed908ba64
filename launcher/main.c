/* SPDX-License-Identifier: MIT */
/* `shoal`: checks the config and the images first (bad input: one line on
 * stderr, exit 2, nothing started), then starts the memory server and one
 * cpu-node per [node.N], relays the console, and tears everything down.
 * `shoal dumpdtb` writes the device tree a machine's firmware would get. */
#include "launcher/internal.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "interconnect/ic.h"

#define EXIT_BAD_INPUT 2
#define EXIT_FAILURE_RUN 1
#define SHUTDOWN_GRACE_MS 1000 /* children get this long to exit after Shutdown */
#define DEATH_GRACE_MS 3000    /* a Shutdown may still be on its way when a child exits
                                * (the server's last messages, on a loaded host) */

#define RUN_USAGE                                                                  \
    "usage: shoal run CONFIG [--kernel FILE] [--bios FILE|none] [--initrd FILE] " \
    "[--append ARGS] [--accel jit|interp] [--set group.key=value]... [--stats] [--dump-config]"
#define DUMPDTB_USAGE "shoal dumpdtb CONFIG FILE [--kernel FILE] [--bios FILE|none] [--initrd FILE] " \
                      "[--append ARGS] [--set group.key=value]..."
static const char usage[] = RUN_USAGE "\n"
                            "       " DUMPDTB_USAGE "\n"
                            "       shoal config-doc\n";

typedef struct {
    const char *config;
    const char *out;    /* dumpdtb: the file to write, else NULL */
    gboolean dumpdtb;   /* `shoal dumpdtb`: CONFIG then FILE */
    GPtrArray *sets;    /* "group.key=value" strings from argv, NULL-terminated */
    const char *kernel; /* --kernel or NULL */
    const char *bios;   /* --bios or NULL */
    gboolean dump;      /* --dump-config */
    GPtrArray *owned;   /* sets made from options (--accel X: "cpu.accel=X"), freed with it */
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

static gboolean take(int argc, char **argv, int *i, const char *opt, const char **out)
{
    gsize n = strlen(opt);

    if (strncmp(argv[*i], opt, n) != 0) {
        return FALSE;
    }
    if (argv[*i][n] == '=') {
        *out = argv[*i] + n + 1;
        return TRUE;
    }
    if (argv[*i][n] != '\0') {
        return FALSE;
    }
    if (*i + 1 >= argc) {
        *out = NULL; /* reported by the caller */
        return TRUE;
    }
    *i += 1;
    *out = argv[*i];
    return TRUE;
}

/* An option that stands for a --set: applied after every --set, in order
 * (a later --accel wins over an earlier one, as a later --set does). */
static void add_owned_set(RunArgs *a, const char *prefix, const char *value)
{
    char *set = g_strconcat(prefix, value, NULL);

    g_ptr_array_add(a->owned, set);
}

/* FALSE after saying what is wrong. */
static gboolean parse_run_args(int argc, char **argv, RunArgs *a)
{
    for (int i = 2; i < argc; i++) {
        const char *v = NULL;
        const char *opt = argv[i];
        if (take(argc, argv, &i, "--set", &v)) {
            if (v == NULL) {
                say("%s: expected group.key=value after it", opt);
                return FALSE;
            }
            g_ptr_array_add(a->sets, (gpointer)v);
        } else if (take(argc, argv, &i, "--kernel", &v)) {
            if (v == NULL) {
                say("%s: expected a file after it", opt);
                return FALSE;
            }
            a->kernel = v;
        } else if (take(argc, argv, &i, "--bios", &v)) {
            if (v == NULL) {
                say("%s: expected a file or none after it", opt);
                return FALSE;
            }
            a->bios = v;
        } else if (take(argc, argv, &i, "--initrd", &v)) {
            if (v == NULL) {
                say("%s: expected a file after it", opt);
                return FALSE;
            }
            add_owned_set(a, "boot.initrd=", v);
        } else if (take(argc, argv, &i, "--append", &v)) {
            if (v == NULL) {
                say("%s: expected the kernel command line after it", opt);
                return FALSE;
            }
            add_owned_set(a, "boot.append=", v);
        } else if (take(argc, argv, &i, "--accel", &v)) {
            if (v == NULL) {
                say("%s: expected jit or interp after it", opt);
                return FALSE;
            }
            if (strcmp(v, "jit") != 0 && strcmp(v, "interp") != 0) {
                say("%s: expected jit or interp, got \"%s\"", opt, v);
                return FALSE;
            }
            add_owned_set(a, "cpu.accel=", v);
        } else if (strcmp(opt, "--dump-config") == 0) {
            a->dump = TRUE;
        } else if (strcmp(opt, "--stats") == 0) {
            /* Children inherit it: each cpu-node prints its line at exit. */
            g_setenv("SHOAL_STATS", "1", TRUE);
        } else if (opt[0] == '-' && opt[1] != '\0') {
            say("%s: unknown option; %s", opt, RUN_USAGE);
            return FALSE;
        } else if (a->config == NULL) {
            a->config = opt;
        } else if (a->dumpdtb && a->out == NULL) {
            a->out = opt;
        } else {
            say("%s: only one %s expected", opt, a->dumpdtb ? "config and one output file"
                                                            : "config file");
            return FALSE;
        }
    }
    if (a->config == NULL || (a->dumpdtb && a->out == NULL)) {
        say("no %s; %s", a->config == NULL ? "config file" : "output file",
            a->dumpdtb ? DUMPDTB_USAGE : RUN_USAGE);
        return FALSE;
    }
    for (guint i = 0; i < a->owned->len; i++) {
        g_ptr_array_add(a->sets, a->owned->pdata[i]);
    }
    g_ptr_array_add(a->sets, NULL);
    return TRUE;
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
 * --run-dir DIR [--node N]. */
static char **child_args(const RunArgs *a, const char *run_dir, gint node)
{
    GPtrArray *v = g_ptr_array_new();

    g_ptr_array_add(v, g_strdup(a->config));
    for (guint i = 0; a->sets->pdata[i]; i++) {
        g_ptr_array_add(v, g_strdup("--set"));
        g_ptr_array_add(v, g_strdup(a->sets->pdata[i]));
    }
    if (a->kernel) {
        g_ptr_array_add(v, g_strdup("--kernel"));
        g_ptr_array_add(v, g_strdup(a->kernel));
    }
    if (a->bios) {
        g_ptr_array_add(v, g_strdup("--bios"));
        g_ptr_array_add(v, g_strdup(a->bios));
    }
    g_ptr_array_add(v, g_strdup("--run-dir"));
    g_ptr_array_add(v, g_strdup(run_dir));
    if (node >= 0) {
        g_ptr_array_add(v, g_strdup("--node"));
        g_ptr_array_add(v, g_strdup_printf("%d", node));
    }
    g_ptr_array_add(v, NULL);
    return (char **)g_ptr_array_free(v, FALSE);
}

static void write_all(int fd, const guint8 *p, gsize n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            return; /* stdout gone: the guest keeps running, its output is lost */
        }
        p += w;
        n -= (gsize)w;
    }
}

/* A child died while the machine ran: the memory server may have sent
 * Shutdown just before it (the normal end of a run). Returns the exit code
 * if one arrives within DEATH_GRACE_MS, else -1. */
static int late_shutdown(IcConsole *console)
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
            gsize n;
            const guint8 *p = g_bytes_get_data(ev.output, &n);
            write_all(STDOUT_FILENO, p, n);
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

/* Relays the console until the machine ends; returns the launcher's exit
 * code. *graceful says whether children may take SHUTDOWN_GRACE_MS. */
static int supervise(LauncherProcs *procs, IcConsole *console, gboolean *graceful)
{
    gboolean stdin_open = TRUE;
    guint8 buf[4096];

    *graceful = FALSE;
    for (;;) {
        struct pollfd fds[2] = { { .fd = procs->sigfd, .events = POLLIN },
                                 { .fd = STDIN_FILENO, .events = POLLIN } };
        IcConsoleEvent ev = { 0 };
        g_autoptr(GError) error = NULL;
        int code = -1;

        if (!ic_console_wait(console, fds, stdin_open ? 2 : 1, -1, &ev, &error)) {
            if (g_error_matches(error, IC_ERROR, IC_ERROR_CLOSED)) {
                /* the memory server went away: say why if it died */
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
            g_warning("console: %s", error->message);
            continue;
        }
        switch (ev.kind) {
        case IC_CONSOLE_TIMEOUT:
            break;
        case IC_CONSOLE_OUTPUT: {
            gsize n;
            const guint8 *p = g_bytes_get_data(ev.output, &n);
            write_all(STDOUT_FILENO, p, n);
            break;
        }
        case IC_CONSOLE_SHUTDOWN:
            g_debug("machine shut down: exit code %d (%s)", ev.exit_code,
                    ev.reason ? ev.reason : "");
            *graceful = TRUE;
            code = ev.exit_code & 0xff;
            break;
        case IC_CONSOLE_FDS_READY:
            if (fds[0].revents) {
                struct signalfd_siginfo si;
                while (code < 0 && read(procs->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
                    if (si.ssi_signo == SIGCHLD) {
                        LauncherChild *dead = launcher_procs_reap(procs);
                        if (dead) {
                            code = late_shutdown(console);
                            *graceful = code >= 0;
                            if (code < 0) {
                                code = report_death(dead);
                            }
                        }
                    } else {
                        code = 128 + (int)si.ssi_signo; /* 130 SIGINT, 143 SIGTERM */
                    }
                }
            }
            if (code < 0 && stdin_open && fds[1].revents) {
                ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
                if (n > 0) {
                    if (!ic_console_send_input(console, buf, (gsize)n, &error)) {
                        g_warning("console input: %s", error->message);
                    }
                } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
                    stdin_open = FALSE; /* EOF: stop reading, keep running */
                }
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

static int run_machine(const RunArgs *a, const CfgMachine *m)
{
    LauncherProcs procs;
    g_autoptr(GError) error = NULL;
    g_autofree char *dir = NULL;
    g_autofree char *run_dir = NULL;
    g_autoptr(IcConsole) console = NULL;
    gboolean graceful = FALSE;
    int code = EXIT_FAILURE_RUN;

    if (!launcher_procs_init(&procs, &error) || (dir = exe_dir(&error)) == NULL ||
        (run_dir = launcher_run_dir_create(&error)) == NULL) {
        say("%s", error->message);
        launcher_procs_clear(&procs);
        return EXIT_FAILURE_RUN;
    }
    g_debug("run directory %s", run_dir);

    {
        /* The console says Hello before any hart exists, so not one byte
         * of guest output can be sent before someone listens. */
        g_auto(GStrv) args = child_args(a, run_dir, -1);
        gboolean ok = launcher_procs_spawn(&procs, dir, "shoal-memory-server", -1, args, &error);
        if (ok) {
            console = ic_console_connect(m, run_dir, &error);
            ok = console != NULL;
        }
        if (ok && cfg_machine_has_bridge(m)) {
            /* before the nodes: harts' first accesses to it wait less */
            g_auto(GStrv) bargs = child_args(a, run_dir, -1);
            ok = launcher_procs_spawn(&procs, dir,
                                      m->sysc_program ? m->sysc_program : "shoal-sysc-bridge", -1,
                                      bargs, &error);
        }
        for (guint i = 0; ok && i < m->n_nodes; i++) {
            g_auto(GStrv) nargs = child_args(a, run_dir, (gint)i);
            ok = launcher_procs_spawn(&procs, dir, "shoal-cpu-node", (gint)i, nargs, &error);
        }
        if (!ok) {
            g_clear_pointer(&console, ic_console_free);
            LauncherChild *dead = launcher_procs_reap(&procs);
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
    g_clear_pointer(&console, ic_console_free);
    launcher_run_dir_remove(run_dir);
    launcher_procs_clear(&procs);
    return code;
}

/* The command line into @a (its sets array the caller's), and the machine
 * it names; NULL after saying why (bad input). a->owned is then the
 * caller's to free, whatever the outcome. */
static CfgMachine *load_machine(int argc, char **argv, RunArgs *a)
{
    if (!parse_run_args(argc, argv, a)) {
        return NULL;
    }
    g_autoptr(GError) error = NULL;
    CfgMachine *m = cfg_machine_load(a->config, (const char *const *)a->sets->pdata, a->kernel,
                                     a->bios, &error);
    if (m == NULL) {
        say("%s", error->message);
    }
    return m;
}

static int cmd_run(int argc, char **argv)
{
    g_autoptr(GPtrArray) sets = g_ptr_array_new();
    g_autoptr(GPtrArray) owned = g_ptr_array_new_with_free_func(g_free);
    RunArgs a = { .sets = sets, .owned = owned };
    g_autoptr(GError) error = NULL;
    g_autoptr(CfgMachine) m = load_machine(argc, argv, &a);
    if (m == NULL) {
        return EXIT_BAD_INPUT;
    }
    if (a.dump) {
        g_autofree char *text = cfg_machine_dump(a.config, (const char *const *)a.sets->pdata,
                                                 a.kernel, a.bios, &error);
        if (text == NULL) {
            say("%s", error->message);
            return EXIT_BAD_INPUT;
        }
        fputs(text, stdout);
        return 0;
    }
    if (!check_images(m)) {
        return EXIT_BAD_INPUT;
    }
    return run_machine(&a, m);
}

/* `shoal dumpdtb CONFIG FILE`: the device tree the machine's firmware gets. */
static int cmd_dumpdtb(int argc, char **argv)
{
    g_autoptr(GPtrArray) sets = g_ptr_array_new();
    g_autoptr(GPtrArray) owned = g_ptr_array_new_with_free_func(g_free);
    RunArgs a = { .dumpdtb = TRUE, .sets = sets, .owned = owned };
    g_autoptr(GError) error = NULL;
    g_autoptr(CfgMachine) m = load_machine(argc, argv, &a);
    g_autoptr(GBytes) fdt = NULL;
    gsize size;
    const char *data;

    if (m == NULL) {
        return EXIT_BAD_INPUT;
    }
    if (m->initrd) {
        /* where the initrd goes depends on the images: lay them all out */
        g_autoptr(CfgBoot) boot = cfg_boot_new(m, &error);
        fdt = boot ? g_bytes_ref(boot->fdt) : NULL;
    } else {
        fdt = cfg_machine_build_fdt(m, 0, 0, &error);
    }
    if (fdt == NULL) {
        say("%s", error->message);
        return EXIT_BAD_INPUT;
    }
    data = g_bytes_get_data(fdt, &size);
    if (!g_file_set_contents(a.out, data, (gssize)size, &error)) {
        say("%s", error->message);
        return EXIT_FAILURE_RUN;
    }
    return 0;
}

int main(int argc, char **argv)
{
    g_log_set_default_handler(log_handler, NULL);
    /* a closed stdout must not kill the launcher before it tears down */
    signal(SIGPIPE, SIG_IGN);

    if (argc >= 2 && strcmp(argv[1], "run") == 0) {
        return cmd_run(argc, argv);
    }
    if (argc >= 2 && strcmp(argv[1], "dumpdtb") == 0) {
        return cmd_dumpdtb(argc, argv);
    }
    if (argc == 2 && strcmp(argv[1], "config-doc") == 0) {
        g_autofree char *doc = cfg_keys_doc();
        fputs(doc, stdout);
        return 0;
    }
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
                      strcmp(argv[1], "help") == 0)) {
        fputs(usage, stdout);
        return 0;
    }
    if (argc == 2 && strcmp(argv[1], "--version") == 0) {
        printf("shoal %s\n", PACKAGE_VERSION);
        return 0;
    }
    say("%s; %s | " DUMPDTB_USAGE " | shoal config-doc", argc < 2 ? "no command" : "unknown command", RUN_USAGE);
    return EXIT_BAD_INPUT;
}
