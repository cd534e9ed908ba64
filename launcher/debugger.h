/* SPDX-License-Identifier: MIT */
/* The launcher's debugger: one thread that owns the connection to the
 * memory server as the debugger (the server takes one) and the machine's
 * run state, and serves two front-ends from one poll loop: gdb
 * (gdbstub.c, gdb-packets.c) and the monitor (monitor.c). Each front-end
 * is optional; both drive the one machine through the functions below.
 * Only the thread touches any of it between launcher_debugger_start and
 * launcher_debugger_stop (internal.h has the launcher's side). */
#ifndef SHOAL_LAUNCHER_DEBUGGER_H
#define SHOAL_LAUNCHER_DEBUGGER_H

#include "launcher/endpoint.h"
#include "launcher/internal.h"

typedef enum {
    LAUNCHER_MACHINE_RUNNING,
    LAUNCHER_MACHINE_HALTING, /* DebugHalt sent, not every node answered yet */
    LAUNCHER_MACHINE_HALTED,
} LauncherMachineState;

/* What started a halt (the monitor's STOP event says it). */
typedef enum {
    LAUNCHER_HALT_PAUSE,      /* the monitor's pause */
    LAUNCHER_HALT_GDB,        /* gdb's ^C, or gdb connecting to a running machine */
    LAUNCHER_HALT_BREAKPOINT, /* a hart stopped by itself, then the rest were halted */
    LAUNCHER_HALT_STEP,
    LAUNCHER_HALT_WATCHPOINT,
} LauncherHaltCause;

typedef struct LauncherGdbStub LauncherGdbStub;
typedef struct LauncherMonitor LauncherMonitor;

struct LauncherDebugger {
    IcWaker *waker; /* launcher_debugger_stop wakes the thread with it */
    GThread *thread;
    IcClient *client; /* the thread's alone once it runs */
    guint n_nodes, n_harts;
    guint *hart_node; /* n_harts entries: each hart's node */
    LauncherGdbStub *gdb;      /* NULL without --gdb */
    LauncherMonitor *monitor;  /* NULL without --monitor */

    LauncherMachineState state;
    guint64 halt_txid;     /* the DebugHalt every node answers, HALTING */
    gboolean *node_halted; /* n_nodes entries */
    guint n_halted;
    LauncherHaltCause halt_cause; /* the last halt's */
    guint halt_hart;              /* a hart's own stop: that hart */
    gint64 halt_sent_us;          /* monotonic time the DebugHalt went */
    gint64 halted_since_us;       /* HALTED: monotonic time the last node stopped */
    guint64 stopped_ns;           /* time the machine was held in all: not in mtime */
    gboolean ended;               /* Shutdown came, or the server went away */
    int exit_code;                /* the Shutdown's, -1 if the server went without one */
    gboolean client_gone;

    /* what the monitor's stats report */
    guint64 n_halts, n_resumes;
    gint64 last_halt_us, min_halt_us, max_halt_us, total_halt_us;
};

/* ---- debugger.c: the machine, for the front-ends ---- */

/* Sends @env to the memory server (a txid given if it has none). */
void launcher_debugger_send(LauncherDebugger *d, IcEnvelope *env);
/* Stops every hart (a running machine only); the front-ends hear of it
 * once every node said so. @hart: the hart whose stop it is (breakpoint,
 * step, watchpoint). A monitor pause is a ^C to a gdb that waits. */
void launcher_debugger_halt(LauncherDebugger *d, LauncherHaltCause cause, guint hart);
/* Lets the harts in @step run one instruction and those in @run run. */
void launcher_debugger_resume(LauncherDebugger *d, GArray *step, GArray *run);
/* Every hart's id, 0..n_harts-1 (guint32). */
GArray *launcher_debugger_all_harts(const LauncherDebugger *d);
/* Sends @access to its hart's node (the machine halted) and waits for the
 * answer: the reply (the caller's), or NULL if none came. */
IcEnvelope *launcher_debugger_access(LauncherDebugger *d, Shoal__V1__DebugAccess *access);
/* The directory's census of RAM pages (DebugPages), or NULL. */
IcEnvelope *launcher_debugger_pages(LauncherDebugger *d);
/* The memory server saves the halted machine to @path: its SnapshotSaved
 * answer, or NULL (not halted, machine gone). */
IcEnvelope *launcher_debugger_snapshot(LauncherDebugger *d, const char *path);
/* @count registers from @regno (gdb's numbering) of @hart, 8 bytes each,
 * into @out; FALSE if the machine did not answer, *@ok whether the node
 * could read them. */
gboolean launcher_debugger_read_regs(LauncherDebugger *d, guint hart, guint regno, guint count,
                                     guint8 *out, gboolean *ok);

/* ---- gdbstub.c: gdb's side, for the loop ---- */

/* Listens on @endpoint; NULL + error. */
LauncherGdbStub *launcher_gdb_new(LauncherDebugger *d, const char *endpoint, GError **error);
/* Hangs up (a gdb that waits for a stop was told how the run ended) and
 * closes the listening socket. */
void launcher_gdb_free(LauncherGdbStub *s);
gboolean launcher_gdb_attached(const LauncherGdbStub *s);
/* The fd to poll into @fds (room for 1): how many. */
guint launcher_gdb_poll_fds(LauncherGdbStub *s, struct pollfd *fds);
/* After poll (@fds as launcher_gdb_poll_fds gave them; also after a
 * message changed the machine): reads, answers and writes what it can. */
void launcher_gdb_serve(LauncherGdbStub *s, const struct pollfd *fds, guint n);
/* A hart stopped by itself, gdb attached: the stop gdb will be told of. */
void launcher_gdb_hart_stopped(LauncherGdbStub *s, const Shoal__V1__DebugStopped *st);
/* The monitor halts the machine: gdb will hear of a ^C. */
void launcher_gdb_interrupted(LauncherGdbStub *s);
void launcher_gdb_halted(LauncherGdbStub *s);
void launcher_gdb_ended(LauncherGdbStub *s);

/* ---- monitor.c: the monitor's side, for the loop ---- */

/* Most fds launcher_monitor_poll_fds gives: the listening one and the clients'. */
#define LAUNCHER_MONITOR_MAX_CLIENTS 8
#define LAUNCHER_MONITOR_MAX_FDS (1 + LAUNCHER_MONITOR_MAX_CLIENTS)

/* Listens on @endpoint (unix:PATH only: its owner alone may connect); NULL
 * + error. */
LauncherMonitor *launcher_monitor_new(LauncherDebugger *d, const char *endpoint, GError **error);
/* Writes out what is left for the clients (for a short while) and closes all. */
void launcher_monitor_free(LauncherMonitor *m);
guint launcher_monitor_poll_fds(LauncherMonitor *m, struct pollfd *fds);
void launcher_monitor_serve(LauncherMonitor *m, const struct pollfd *fds, guint n);
void launcher_monitor_halted(LauncherMonitor *m);
void launcher_monitor_resumed(LauncherMonitor *m);
void launcher_monitor_ended(LauncherMonitor *m);

#endif /* SHOAL_LAUNCHER_DEBUGGER_H */
