/* SPDX-License-Identifier: MIT */
/* What the launcher's files share: the child processes it supervises, its
 * private run directory, the console relay, the debugger. */
#ifndef SHOAL_LAUNCHER_INTERNAL_H
#define SHOAL_LAUNCHER_INTERNAL_H

#include <glib.h>
#include <poll.h>
#include <signal.h>
#include <sys/types.h>

#include "config/cfg.h"
#include "interconnect/ic.h"

/* One shoal-* process started by the launcher. */
typedef struct {
    char *prog;   /* "shoal-memory-server" / "shoal-cpu-node" / the bridge's program */
    gint node;    /* --node, -1 for the memory server */
    pid_t pid;    /* also its process group id */
    gboolean alive; /* not reaped yet (its pid cannot be reused) */
    int status;   /* waitpid status once reaped */
} LauncherChild;

typedef struct {
    GArray *children; /* of LauncherChild */
    int sigfd;        /* signalfd for SIGCHLD, SIGINT, SIGTERM, SIGHUP (owned) */
    sigset_t blocked; /* those signals, blocked in the launcher */
    sigset_t saved;   /* the mask before, restored in children */
} LauncherProcs;

/* Blocks the signals the launcher handles and opens the signalfd. FALSE +
 * error if the kernel refuses. */
gboolean launcher_procs_init(LauncherProcs *procs, GError **error);
/* Kills (SIGKILL) and reaps whatever is still alive, closes the signalfd. */
void launcher_procs_clear(LauncherProcs *procs);

/* Starts @dir/@prog (or @prog if it is an absolute path) with @args (argv[1..], NULL-terminated) in its own
 * process group, stdin from /dev/null, dying with the launcher. FALSE +
 * error if it could not be started. */
gboolean launcher_procs_spawn(LauncherProcs *procs, const char *dir, const char *prog, gint node,
                              char **args, GError **error);

/* Reaps every child that exited, without blocking; returns the first one
 * found dead by this call, or NULL. */
LauncherChild *launcher_procs_reap(LauncherProcs *procs);

/* Stops everything: waits up to @grace_ms for children to exit on their
 * own, then SIGTERM, then SIGKILL after ~2 s. Returns when all are reaped. */
void launcher_procs_stop(LauncherProcs *procs, int grace_ms);

/* "shoal-cpu-node (node 0, pid 12) was killed by signal 9 (Killed)". */
char *launcher_child_describe(const LauncherChild *child);

/* A fresh 0700 directory under $XDG_RUNTIME_DIR or /tmp. */
char *launcher_run_dir_create(GError **error);
/* Removes @dir and everything in it (sockets left by children). */
void launcher_run_dir_remove(const char *dir);

/* If @fd is a terminal (and we are its foreground job): raw input for the
 * guest, Ctrl-C still a SIGINT. TRUE if the settings were changed; they are
 * restored by launcher_tty_restore(), at exit() and on fatal signals. */
gboolean launcher_tty_raw(int fd);
/* Puts back what launcher_tty_raw changed; no-op if nothing. */
void launcher_tty_restore(void);

/* ---- relay.c: the guest's output to stdout, stdin to the guest ---- */
typedef struct LauncherRelay LauncherRelay;
LauncherRelay *launcher_relay_new(IcConsole *console);
void launcher_relay_free(LauncherRelay *relay);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LauncherRelay, launcher_relay_free)
/* The relay's fds to poll (stdin, stdout while output waits) into @fds
 * (room for 2); their number. */
guint launcher_relay_fds(const LauncherRelay *relay, struct pollfd *fds);
/* Reads stdin / writes stdout for the fds launcher_relay_fds gave, after poll. */
void launcher_relay_serve(LauncherRelay *relay, const struct pollfd *fds, guint n_fds);
/* Whether the console may be read now: FALSE while enough output waits
 * for stdout (the server then holds the rest, and the guest waits). */
gboolean launcher_relay_wants_output(const LauncherRelay *relay);
/* Guest output from the console, to be written out. */
void launcher_relay_output(LauncherRelay *relay, GBytes *bytes);
/* Whether every byte of output was written out (or stdout is gone). */
gboolean launcher_relay_drained(const LauncherRelay *relay);
/* Writes what waits for up to @timeout_ms (a run that ends on a death). */
void launcher_relay_flush(LauncherRelay *relay, int timeout_ms);

/* ---- debugger.c: gdb's remote protocol (docs/debugging.md) and the
 * monitor (docs/monitor.md), on one connection to the machine ---- */
typedef struct LauncherDebugger LauncherDebugger;
/* Whether @gdb and @monitor (either may be NULL) are endpoints as --gdb
 * and --monitor take them: FALSE + a message. No I/O. */
gboolean launcher_debugger_check(const char *gdb, const char *monitor, GError **error);
/* Listens for gdb on @gdb and for monitor clients on @monitor (either may
 * be NULL) at once, so that a port in use is an error before anything
 * runs. NULL + error. */
LauncherDebugger *launcher_debugger_listen(const char *gdb, const char *monitor, GError **error);
/* Connects to the memory server of @m (which must be up) as the debugger,
 * waiting as long as @keep says, and serves gdb and the monitor from then
 * on, on a thread of its own. @paused: the nodes start with every hart
 * stopped. FALSE + error if the server could not be reached; stop the
 * debugger all the same. */
gboolean launcher_debugger_start(LauncherDebugger *d, const CfgMachine *m, const char *run_dir,
                                 gboolean paused, IcKeepWaiting keep, gpointer data,
                                 GError **error);
/* Ends the thread (gdb and monitor clients hear that the run ended) and
 * closes everything; NULL is fine. */
void launcher_debugger_stop(LauncherDebugger *d);

/* ---- monitor-cli.c: `shoal monitor PATH [COMMAND...]` ---- */
#define LAUNCHER_MONITOR_CLI_PARAMETERS "PATH [CMD...]"
#define LAUNCHER_MONITOR_CLI_SUMMARY                                                          \
    "Send CMD (query-status, pause, resume, info harts, snapshot save FILE, quit...) to "    \
    "the monitor of a "                                                                   \
    "run (shoal run --monitor unix:PATH) and print its answer; without CMD, read commands " \
    "from stdin"
int launcher_monitor_cli(int argc, char **argv);

/* ---- snapshot-info.c: `shoal snapshot-info FILE` ---- */
int launcher_snapshot_info(int argc, char **argv);

#endif /* SHOAL_LAUNCHER_INTERNAL_H */
