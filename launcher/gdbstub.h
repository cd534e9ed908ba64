/* SPDX-License-Identifier: MIT */
/* The gdb stub's state, shared by its two files: gdbstub.c (the gdb
 * connection, the stops gdb is told of, the breakpoints) and
 * gdb-packets.c (what each of gdb's packets does). The machine it drives
 * is the debugger's (launcher/debugger.h), whose thread alone touches
 * this. */
#ifndef SHOAL_LAUNCHER_GDBSTUB_H
#define SHOAL_LAUNCHER_GDBSTUB_H

#include "launcher/debugger.h"
#include "launcher/gdb.h"

#define GDB_SIGNAL_INT 2  /* gdb's numbering: ^C */
#define GDB_SIGNAL_TRAP 5 /* a breakpoint, a step, the first stop */
#define GDB_TID_ALL 0     /* Hc-1, Hg0: no one thread */

/* A Z packet's point: type 0 (software) and 1 (hardware) breakpoints are
 * the same thing here but removed on their own; 2 (write), 3 (read) and 4
 * (access) watch [addr, addr + len). */
typedef struct {
    guint type;
    guint64 addr;
    guint64 len; /* watchpoints */
} GdbBreakpoint;
#define GDB_Z_HW_BREAKPOINT 1
#define GDB_Z_FIRST_WATCH 2

struct LauncherGdbStub {
    LauncherDebugger *d; /* the machine */
    LauncherEndpoint endpoint;
    int listen_fd;
    GArray *breakpoints;       /* of GdbBreakpoint */
    gboolean breakpoints_sent; /* the nodes have the set as it is */

    /* the stop gdb is told of */
    guint stop_tid;
    int stop_signal;
    gboolean stop_breakpoint;
    guint stop_watch_kind;   /* a watchpoint's stop: its Z type (else 0) */
    guint64 stop_watch_addr;

    /* the gdb connection */
    int gdb_fd;
    GByteArray *in;
    GQueue packets;    /* of GString: received, not handled yet */
    GString *out;      /* for gdb, not written yet */
    GString *last;     /* the last packet sent, for a '-' */
    GString *payload;  /* scratch */
    gboolean no_ack;   /* QStartNoAckMode */
    gboolean swbreak, hwbreak; /* gdb said it understands these stop reasons */
    gboolean waiting;  /* gdb resumed the machine and waits for a stop reply */
    gboolean detach_pending; /* gdb left while a halt went on: detach once it is done */
    guint g_tid, c_tid; /* Hg, Hc: a thread id, or GDB_TID_ALL */
};

/* ---- gdbstub.c, for the packets ---- */

/* Frames @payload for gdb (nothing if gdb is gone). */
void launcher_gdb_reply_len(LauncherGdbStub *s, const char *payload, gsize len);
void launcher_gdb_reply(LauncherGdbStub *s, const char *payload);
G_GNUC_PRINTF(2, 3)
void launcher_gdb_reply_printf(LauncherGdbStub *s, const char *fmt, ...);
/* The stop gdb is to be told of ("T05thread:3;"), or how the machine ended. */
void launcher_gdb_reply_stop(LauncherGdbStub *s);
/* Lets the harts in @step run one instruction and those in @run run (the
 * breakpoints sent first if they changed); gdb then waits for a stop. */
void launcher_gdb_resume(LauncherGdbStub *s, GArray *step, GArray *run);
/* D: no breakpoint, every hart running, "OK", and gdb hung up on. */
void launcher_gdb_detach(LauncherGdbStub *s);
/* k: hangs up, and the run ends as on a SIGTERM (the launcher's signalfd takes it). */
void launcher_gdb_kill(LauncherGdbStub *s);

/* ---- gdb-packets.c ---- */

/* Whether @packet may only be handled while the machine is at rest. */
gboolean launcher_gdb_needs_halted(const GString *packet);
/* Does what @packet (a payload) asks and answers it. */
void launcher_gdb_handle_packet(LauncherGdbStub *s, const GString *packet);

#endif /* SHOAL_LAUNCHER_GDBSTUB_H */
