/* SPDX-License-Identifier: MIT */
/* What only interconnect/ sees: the ZeroMQ context shared by every socket of
 * a process, and the client internals the console builds on. */
#ifndef SHOAL_IC_INTERNAL_H
#define SHOAL_IC_INTERNAL_H

#include <zmq.h>

#include "interconnect/ic.h"

/* One context per process, created on first use, never destroyed (zmq's
 * context must outlive every socket, and sockets live in several threads). */
void *ic_zmq_context(void);

/* Receives one whole ZMQ message (all its parts) from @socket, non-blocking.
 * Returns the number of parts (0 when none was waiting, -1 + error on a
 * socket failure) and at most @max_parts of them in @parts (initialised by
 * the caller, closed by the caller). */
int ic_zmq_recv_parts(void *socket, zmq_msg_t *parts, int max_parts, GError **error);

/* ---- secret.c: CurveZMQ keys for tcp:// ---- */
typedef struct {
    char server_public[41], server_secret[41]; /* Z85, NUL-terminated */
    char client_public[41], client_secret[41];
} IcCurveKeys;
void ic_secret_curve_keys(GBytes *secret, IcCurveKeys *keys);

/* ---- direct.c: unix seqpacket links on one host ---- */
typedef enum {
    IC_DIRECT_MESSAGE, /* one packet, *len bytes */
    IC_DIRECT_NONE,    /* nothing waiting */
    IC_DIRECT_CLOSED,  /* the other end went away */
    IC_DIRECT_TOO_BIG, /* a packet longer than the buffer: dropped, *len its size */
} IcDirectRecv;

/* The direct link's socket file, next to the ipc:// socket at @ipc_path. */
char *ic_direct_path(const char *ipc_path);
/* A non-blocking listening socket at @path (a stale one is replaced);
 * -1 + error. */
int ic_direct_listen(const char *path, GError **error);
/* A waiting connection, non-blocking; -1 if none. */
int ic_direct_accept(int listen_fd);
/* A blocking connection to @path, retried while nobody listens there yet
 * for up to @timeout_ms; -1 + error. */
int ic_direct_connect(const char *path, int timeout_ms, GError **error);
/* One packet into @buf (@cap bytes), never blocking. */
IcDirectRecv ic_direct_recv(int fd, guint8 *buf, gsize cap, gsize *len);
/* Sends one packet: 1 sent, 0 it would block (only without @block), -1
 * the link is broken (errno). */
int ic_direct_send(int fd, const void *data, gsize len, gboolean block);
/* Whether @fd can take a packet within @timeout_ms. */
gboolean ic_direct_wait_writable(int fd, int timeout_ms);

struct IcClient {
    int fd;               /* direct link, or -1: ZeroMQ below */
    guint8 *rx;           /* direct: receive buffer of IC_MAX_FRAME + 1 bytes */
    void *socket;         /* ZMQ_DEALER, owned by one thread */
    void *monitor;        /* ZMQ_PAIR receiving the DEALER's connection events */
    char *endpoint;       /* where the memory server is */
    char *secret_path;    /* the machine's secret, which its Hello shows (secret.c) */
    gboolean connected;   /* a connection was seen (monitor) */
    gboolean curve;       /* CurveZMQ (tcp:// with a key) */
    gboolean heard;       /* a message from the server arrived */
    gboolean closed;      /* a connection dropped: the server went away */
    gint64 closed_us;     /* monotonic time it was seen, 0 before */
    guint64 next_txid;    /* (atomic) */
    guint spin_us;        /* direct: how long a wait looks before it sleeps */
};

#endif /* SHOAL_IC_INTERNAL_H */
