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

/* ---- secret.c: key files ---- */
/* @text at @path with @mode, whole or not at all; an existing file is
 * replaced with @replace, else refused ("will not overwrite"). */
gboolean ic_key_file_write(const char *path, const char *text, mode_t mode, gboolean replace,
                           GError **error);

/* ---- curve.c: CurveZMQ on a tcp:// machine's sockets ---- */
/* Before bind/connect: 1 when @socket now does CurveZMQ (the server's ZAP
 * domain, for ic_zap_forget, in *@domain), 0 when @endpoint needs none
 * (ipc://, plain-tcp), -1 + @error when keys are missing or unreadable. */
int ic_curve_server_setup(const CfgMachine *m, const char *endpoint, void *socket,
                          char **domain, GError **error);
int ic_curve_client_setup(const CfgMachine *m, const char *endpoint, void *socket,
                          GError **error);

/* ---- zap.c: which CurveZMQ clients a tcp:// server admits ---- */
/* Admits on sockets with ZAP domain @domain the clients whose public keys
 * (32-byte GBytes) @keys holds (referenced, not copied); starts the
 * process's handler on first use. */
gboolean ic_zap_allow(const char *domain, GHashTable *keys, GError **error);
void ic_zap_forget(const char *domain);

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
/* The same, with the descriptor passed along with it in *@passed (the
 * caller's to close), or -1. */
IcDirectRecv ic_direct_recv_fd(int fd, guint8 *buf, gsize cap, gsize *len, int *passed);
/* The client's first packet on a link that has rings: these bytes, with
 * the rings' memfd (ring.c) passed along. */
#define IC_DIRECT_RINGS_OFFER_LEN 14
extern const char ic_direct_rings_offer[IC_DIRECT_RINGS_OFFER_LEN];
gboolean ic_direct_offer_rings(int fd, int rings_fd);
/* Sends one packet: 1 sent, 0 it would block (only without @block), -1
 * the link is broken (errno). */
int ic_direct_send(int fd, const void *data, gsize len, gboolean block);
/* Whether @fd can take a packet within @timeout_ms. */
gboolean ic_direct_wait_writable(int fd, int timeout_ms);

/* ---- link.c: a direct link, its socket and its rings ---- */
typedef struct IcLink IcLink;
/* Takes @fd (a connected direct socket). */
IcLink *ic_link_new(int fd);
void ic_link_free(IcLink *link);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(IcLink, ic_link_free)
int ic_link_fd(const IcLink *link);
gboolean ic_link_has_rings(const IcLink *link);
/* The client: makes the link's rings and offers them to the server, which
 * maps them on its first read; FALSE + error leaves the link as it was. */
gboolean ic_link_offer_rings(IcLink *link, GError **error);
/* One message, never blocking: from the rings once they are up (the socket
 * then only wakes or closes), else a packet of the socket. */
IcDirectRecv ic_link_recv(IcLink *link, guint8 *buf, gsize cap, gsize *len);
/* A message waits in the rings (no system call). */
gboolean ic_link_has_input(const IcLink *link);
/* Around a sleep on the link's socket: FALSE if a message came meanwhile
 * (then do not sleep); the sender rings the socket once the flag is up. */
gboolean ic_link_prepare_sleep(IcLink *link);
void ic_link_woke(IcLink *link);
/* Waits up to @timeout_ms (with rings: a ms at most) for the link to
 * have room again; FALSE when the peer hung up or a socket stayed full. */
gboolean ic_link_wait_room(IcLink *link, int timeout_ms);
/* Sends one message, waking the receiver if it sleeps: 1 sent, 0 no room
 * (only without @block), -1 the link is broken (errno). */
int ic_link_send(IcLink *link, const void *data, gsize len, gboolean block);

/* ---- ring.c: the direct links' shared-memory rings ---- */
#define IC_RING_BYTES (1u << 20) /* each way, per link */

/* Head, tail and the waiting flag each on a cache line of their own: the
 * two sides write different ones. Records follow in the data: a guint32
 * length, padding to 8, the bytes, padding to 8. */
typedef struct {
    guint64 head; /* bytes published by the sender */
    guint8 pad0[56];
    guint64 tail; /* bytes consumed by the receiver */
    guint8 pad1[56];
    guint32 waiting; /* the receiver sleeps, or is about to, on the socket */
    guint8 pad2[60];
} IcRingHeader;
typedef struct {
    IcRingHeader *h;
    guint8 *data; /* IC_RING_BYTES */
} IcRing;

/* The size of a link's mapping: a ring each way. */
gsize ic_ring_map_size(void);
/* A new sealed memfd for a link's rings; -1 + error. */
int ic_rings_create(GError **error);
/* Maps a link's rings from @fd after checking it is a sealed file of the
 * right size (the peer may be hostile); NULL + error. */
guint8 *ic_rings_map(int fd, GError **error);
void ic_rings_unmap(guint8 *map);
/* The two rings in @map as the client or the server sees them. */
void ic_rings_view(guint8 *map, gboolean client, IcRing *rx, IcRing *tx);
/* Publishes one record; FALSE when the ring has no room for it. */
gboolean ic_ring_put(IcRing *r, const void *data, gsize len);
/* After a put: TRUE once when the receiver said it sleeps, so the sender
 * must ring the link's socket. */
gboolean ic_ring_take_waiter(IcRing *r);
gboolean ic_ring_empty(const IcRing *r);
/* One record into @buf (@cap bytes): MESSAGE, NONE, TOO_BIG (skipped) or
 * CLOSED when the ring holds what no honest sender writes. */
IcDirectRecv ic_ring_take(IcRing *r, guint8 *buf, gsize cap, gsize *len);
/* Before a receiver sleeps on the link's socket: says so in the ring;
 * FALSE (and not waiting) if a record came meanwhile. */
gboolean ic_ring_prepare_sleep(IcRing *r);
/* After it woke. */
void ic_ring_woke(IcRing *r);

struct IcClient {
    IcLink *link;         /* direct link, or NULL: ZeroMQ below */
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
