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

struct IcClient {
    void *socket;         /* ZMQ_DEALER, owned by one thread */
    void *monitor;        /* ZMQ_PAIR receiving the DEALER's connection events */
    char *endpoint;       /* where the memory server is */
    gboolean connected;   /* a connection was seen (monitor) */
    gboolean closed;      /* a connection dropped: the server went away */
    gint64 closed_us;     /* monotonic time it was seen, 0 before */
    guint64 next_txid;    /* (atomic) */
};

#endif /* SHOAL_IC_INTERNAL_H */
