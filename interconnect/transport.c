/* SPDX-License-Identifier: MIT */
/* ZeroMQ sockets: the memory server's ROUTER, the DEALER every other process
 * connects, and the eventfd waker polled next to them. One frame = one
 * Envelope; the ROUTER's identity frame names the peer. */
#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/un.h>
#include <unistd.h>

#include "interconnect/internal.h"

static gpointer create_context(gpointer unused)
{
    void *ctx = zmq_ctx_new();
    g_assert(ctx); /* fails only when out of memory or fds at startup */
    return ctx;
}

void *ic_zmq_context(void)
{
    static GOnce once = G_ONCE_INIT;
    return g_once(&once, create_context, NULL);
}

void ic_context_shutdown(void)
{
    zmq_ctx_term(ic_zmq_context());
}

static gboolean zmq_fail(GError **error, const char *what, const char *endpoint)
{
    int e = zmq_errno();
    g_set_error(error, IC_ERROR, e == ETERM || e == ENOTSOCK ? IC_ERROR_CLOSED : IC_ERROR_TRANSPORT,
                "%s %s: %s", what, endpoint, zmq_strerror(e));
    return FALSE;
}

int ic_zmq_recv_parts(void *socket, zmq_msg_t *parts, int max_parts, GError **error)
{
    int n = 0;
    for (;;) {
        zmq_msg_t scratch;
        zmq_msg_t *msg = n < max_parts ? &parts[n] : &scratch;
        if (msg == &scratch)
            zmq_msg_init(&scratch);
        if (zmq_msg_recv(msg, socket, ZMQ_DONTWAIT) < 0) {
            if (msg == &scratch)
                zmq_msg_close(&scratch);
            if (n == 0 && (zmq_errno() == EAGAIN || zmq_errno() == EINTR))
                return 0;
            zmq_fail(error, "receiving from", "socket");
            return -1;
        }
        n++;
        gboolean more = zmq_msg_more(msg);
        if (msg == &scratch)
            zmq_msg_close(&scratch);
        if (!more)
            return n;
    }
}

char *ic_msrv_endpoint(const CfgMachine *machine, const char *run_dir, GError **error)
{
    if (machine->msrv_endpoint)
        return g_strdup(machine->msrv_endpoint);
    if (!run_dir) {
        g_set_error(error, IC_ERROR, IC_ERROR_TRANSPORT,
                    "no run directory given and [memory-server] endpoint is not set");
        return NULL;
    }
    g_autofree char *path = g_build_filename(run_dir, "msrv.sock", NULL);
    if (strlen(path) >= sizeof(((struct sockaddr_un *)NULL)->sun_path)) {
        g_set_error(error, IC_ERROR, IC_ERROR_TRANSPORT,
                    "ipc socket path %s is too long for a unix socket; use a shorter --run-dir",
                    path);
        return NULL;
    }
    return g_strconcat("ipc://", path, NULL);
}

/* ---- Server ---- */

typedef struct {
    GBytes *identity; /* ROUTER routing id */
    char *name;       /* "peer N (label)" */
} Peer;

struct IcServer {
    void *socket;          /* ZMQ_ROUTER */
    char *endpoint;        /* as bound */
    char *ipc_path;        /* socket file to unlink, NULL for tcp */
    GArray *peers;         /* of Peer, indexed by IcPeer */
    GHashTable *by_id;     /* identity GBytes -> IcPeer + 1 */
};

IcServer *ic_server_new(const CfgMachine *machine, const char *run_dir, GError **error)
{
    g_autofree char *endpoint = ic_msrv_endpoint(machine, run_dir, error);
    if (!endpoint)
        return NULL;
    IcServer *s = g_new0(IcServer, 1);
    s->endpoint = g_steal_pointer(&endpoint);
    s->peers = g_array_new(FALSE, TRUE, sizeof(Peer));
    s->by_id = g_hash_table_new(g_bytes_hash, g_bytes_equal);
    if (g_str_has_prefix(s->endpoint, "ipc://")) {
        s->ipc_path = g_strdup(s->endpoint + strlen("ipc://"));
        unlink(s->ipc_path); /* a stale socket from a killed run */
    }
    s->socket = zmq_socket(ic_zmq_context(), ZMQ_ROUTER);
    /* Linger: the last console bytes and the Shutdown must leave before the
     * server exits, even on a host so loaded that its I/O thread waits. */
    int one = 1, linger = 3000, hwm = 100000;
    gint64 max_size = 4 * (gint64)IC_MAX_FRAME; /* bigger: zmq drops the connection */
    if (!s->socket || zmq_setsockopt(s->socket, ZMQ_ROUTER_MANDATORY, &one, sizeof one) ||
        zmq_setsockopt(s->socket, ZMQ_LINGER, &linger, sizeof linger) ||
        zmq_setsockopt(s->socket, ZMQ_SNDHWM, &hwm, sizeof hwm) ||
        zmq_setsockopt(s->socket, ZMQ_MAXMSGSIZE, &max_size, sizeof max_size) ||
        zmq_bind(s->socket, s->endpoint)) {
        zmq_fail(error, "cannot bind", s->endpoint);
        g_clear_pointer(&s->ipc_path, g_free); /* not ours to unlink */
        ic_server_free(s);
        return NULL;
    }
    return s;
}

void ic_server_free(IcServer *s)
{
    if (!s)
        return;
    if (s->socket)
        zmq_close(s->socket);
    if (s->ipc_path)
        unlink(s->ipc_path);
    for (guint i = 0; i < s->peers->len; i++) {
        Peer *p = &g_array_index(s->peers, Peer, i);
        g_bytes_unref(p->identity);
        g_free(p->name);
    }
    g_array_free(s->peers, TRUE);
    g_hash_table_destroy(s->by_id);
    g_free(s->ipc_path);
    g_free(s->endpoint);
    g_free(s);
}

static IcPeer peer_of(IcServer *s, const void *id, gsize len)
{
    g_autoptr(GBytes) key = g_bytes_new(id, len);
    gpointer v = g_hash_table_lookup(s->by_id, key);
    if (v)
        return GPOINTER_TO_UINT(v) - 1;
    Peer p = { g_bytes_ref(key), g_strdup_printf("peer %u", s->peers->len) };
    g_array_append_val(s->peers, p);
    g_hash_table_insert(s->by_id, p.identity, GUINT_TO_POINTER(s->peers->len));
    return s->peers->len - 1;
}

const char *ic_server_peer_name(IcServer *s, IcPeer peer)
{
    g_assert_cmpuint(peer, <, s->peers->len);
    return g_array_index(s->peers, Peer, peer).name;
}

void ic_server_set_peer_label(IcServer *s, IcPeer peer, const char *label)
{
    g_assert_cmpuint(peer, <, s->peers->len);
    Peer *p = &g_array_index(s->peers, Peer, peer);
    g_free(p->name);
    p->name = g_strdup_printf("peer %u (%s)", peer, label);
}

gboolean ic_server_recv(IcServer *s, int timeout_ms, IcPeer *peer, IcEnvelope **env,
                        GError **error)
{
    *env = NULL;
    zmq_pollitem_t item = { .socket = s->socket, .events = ZMQ_POLLIN };
    int rc = zmq_poll(&item, 1, timeout_ms);
    if (rc < 0) {
        if (zmq_errno() == EINTR)
            return TRUE;
        return zmq_fail(error, "polling", s->endpoint);
    }
    if (rc == 0)
        return TRUE;
    zmq_msg_t parts[2];
    zmq_msg_init(&parts[0]);
    zmq_msg_init(&parts[1]);
    int n = ic_zmq_recv_parts(s->socket, parts, 2, error);
    gboolean ok = TRUE;
    if (n < 0) {
        ok = FALSE;
    } else if (n > 0) {
        *peer = peer_of(s, zmq_msg_data(&parts[0]), zmq_msg_size(&parts[0]));
        if (n != 2) {
            g_set_error(error, IC_ERROR, IC_ERROR_MALFORMED,
                        "message of %d frames from %s (expected exactly one)", n - 1,
                        ic_server_peer_name(s, *peer));
            ok = FALSE;
        } else {
            *env = ic_envelope_unpack(zmq_msg_data(&parts[1]), zmq_msg_size(&parts[1]),
                                      ic_server_peer_name(s, *peer), error);
            ok = *env != NULL;
        }
    }
    zmq_msg_close(&parts[0]);
    zmq_msg_close(&parts[1]);
    return ok;
}

gboolean ic_server_send(IcServer *s, IcPeer peer, const IcEnvelope *env, GError **error)
{
    g_assert_cmpuint(peer, <, s->peers->len);
    Peer *p = &g_array_index(s->peers, Peer, peer);
    g_autoptr(GBytes) bytes = ic_envelope_pack(env);
    gsize len;
    const void *data = g_bytes_get_data(bytes, &len);
    if (zmq_send(s->socket, g_bytes_get_data(p->identity, NULL), g_bytes_get_size(p->identity),
                 ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
        zmq_send(s->socket, data, len, ZMQ_DONTWAIT) < 0)
        return zmq_fail(error, "sending to", p->name);
    return TRUE;
}

/* ---- Client ---- */

IcClient *ic_client_connect(const CfgMachine *machine, const char *run_dir, GError **error)
{
    g_autofree char *endpoint = ic_msrv_endpoint(machine, run_dir, error);
    if (!endpoint)
        return NULL;
    IcClient *c = g_new0(IcClient, 1);
    c->endpoint = g_steal_pointer(&endpoint);
    c->next_txid = 1;
    c->socket = zmq_socket(ic_zmq_context(), ZMQ_DEALER);
    c->monitor = zmq_socket(ic_zmq_context(), ZMQ_PAIR);
    /* A unique name, not the client's address: a freed client's monitor
     * endpoint can outlive it, and a new client at the same address would
     * find the name taken (EADDRINUSE). */
    static guint monitors;
    g_autofree char *mon = g_strdup_printf("inproc://ic-monitor-%u",
                                           (guint)g_atomic_int_add(&monitors, 1));
    /* Processes start together and a client may connect before the server
     * has bound: retry every few milliseconds, not ZeroMQ's default 100. */
    int linger = 500, hwm = 100000, reconnect_ms = 5;
    gint64 max_size = 4 * (gint64)IC_MAX_FRAME;
    if (!c->socket || !c->monitor ||
        zmq_setsockopt(c->socket, ZMQ_RECONNECT_IVL, &reconnect_ms, sizeof reconnect_ms) ||
        zmq_setsockopt(c->socket, ZMQ_LINGER, &linger, sizeof linger) ||
        zmq_setsockopt(c->socket, ZMQ_SNDHWM, &hwm, sizeof hwm) ||
        zmq_setsockopt(c->socket, ZMQ_MAXMSGSIZE, &max_size, sizeof max_size) ||
        zmq_socket_monitor(c->socket, mon, ZMQ_EVENT_CONNECTED | ZMQ_EVENT_DISCONNECTED) ||
        zmq_connect(c->monitor, mon) || zmq_connect(c->socket, c->endpoint)) {
        zmq_fail(error, "cannot connect to", c->endpoint);
        ic_client_free(c);
        return NULL;
    }
    return c;
}

void ic_client_free(IcClient *c)
{
    if (!c)
        return;
    if (c->socket) {
        zmq_socket_monitor(c->socket, NULL, 0);
        zmq_close(c->socket);
    }
    if (c->monitor)
        zmq_close(c->monitor);
    g_free(c->endpoint);
    g_free(c);
}

guint64 ic_client_next_txid(IcClient *c)
{
    return __atomic_fetch_add(&c->next_txid, 1, __ATOMIC_RELAXED);
}

gboolean ic_client_send(IcClient *c, const IcEnvelope *env, GError **error)
{
    g_autoptr(GBytes) bytes = ic_envelope_pack(env);
    gsize len;
    const void *data = g_bytes_get_data(bytes, &len);
    /* Blocking send: the DEALER queues while connecting; HWM is generous. */
    while (zmq_send(c->socket, data, len, 0) < 0) {
        if (zmq_errno() != EINTR)
            return zmq_fail(error, "sending to", c->endpoint);
    }
    return TRUE;
}

/* Reads the monitor's pending events: (uint16 event, uint32 value) + address. */
static void drain_monitor(IcClient *c)
{
    for (;;) {
        zmq_msg_t parts[2];
        zmq_msg_init(&parts[0]);
        zmq_msg_init(&parts[1]);
        int n = ic_zmq_recv_parts(c->monitor, parts, 2, NULL);
        if (n >= 1 && zmq_msg_size(&parts[0]) >= 2) {
            guint16 event;
            memcpy(&event, zmq_msg_data(&parts[0]), sizeof event);
            if (event == ZMQ_EVENT_CONNECTED)
                c->connected = TRUE;
            else if (event == ZMQ_EVENT_DISCONNECTED)
                c->closed = TRUE;
        }
        zmq_msg_close(&parts[0]);
        zmq_msg_close(&parts[1]);
        if (n <= 0)
            return;
    }
}

/* One waiting message, if any. */
static gboolean take_message(IcClient *c, IcEnvelope **env, GError **error)
{
    zmq_msg_t part;
    zmq_msg_init(&part);
    int n = ic_zmq_recv_parts(c->socket, &part, 1, error);
    gboolean ok = n >= 0;
    if (n > 1) {
        g_set_error(error, IC_ERROR, IC_ERROR_MALFORMED,
                    "message of %d frames from the memory server at %s (expected one)", n,
                    c->endpoint);
        ok = FALSE;
    } else if (n == 1) {
        g_autofree char *peer = g_strdup_printf("the memory server at %s", c->endpoint);
        *env = ic_envelope_unpack(zmq_msg_data(&part), zmq_msg_size(&part), peer, error);
        ok = *env != NULL;
    }
    zmq_msg_close(&part);
    return ok;
}

#define CLOSE_DRAIN_US (200 * 1000)

gboolean ic_client_wait(IcClient *c, struct pollfd *fds, guint n_fds, int timeout_ms,
                        IcEnvelope **env, GError **error)
{
    *env = NULL;
    g_autofree zmq_pollitem_t *items = g_new0(zmq_pollitem_t, n_fds + 2);
    items[0] = (zmq_pollitem_t){ .socket = c->socket, .events = ZMQ_POLLIN };
    items[1] = (zmq_pollitem_t){ .socket = c->monitor, .events = ZMQ_POLLIN };
    for (guint i = 0; i < n_fds; i++) {
        items[i + 2] = (zmq_pollitem_t){ .fd = fds[i].fd, .events = fds[i].events };
        fds[i].revents = 0;
    }
    gint64 deadline = timeout_ms < 0 ? -1 : g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    for (;;) {
        /* Messages first: a Shutdown queued before the disconnect still counts. */
        if (!take_message(c, env, error))
            return FALSE;
        if (*env)
            return TRUE;
        long wait = -1;
        if (c->closed) {
            /* The monitor's word may overtake the server's last messages
             * (its final console bytes and Shutdown): keep taking them for
             * a moment before saying it is gone. */
            gint64 now = g_get_monotonic_time();
            if (c->closed_us == 0)
                c->closed_us = now;
            if (now - c->closed_us >= CLOSE_DRAIN_US) {
                g_set_error(error, IC_ERROR, IC_ERROR_CLOSED,
                            "the memory server at %s closed the connection", c->endpoint);
                return FALSE;
            }
            wait = (c->closed_us + CLOSE_DRAIN_US - now + 999) / 1000;
        }
        if (deadline >= 0)
            wait = wait < 0 ? MAX(0, (deadline - g_get_monotonic_time() + 999) / 1000)
                            : MIN(wait, MAX(0, (deadline - g_get_monotonic_time() + 999) / 1000));
        int rc = zmq_poll(items, (int)n_fds + 2, wait);
        if (rc < 0 && zmq_errno() != EINTR)
            return zmq_fail(error, "polling", c->endpoint);
        if (items[1].revents & ZMQ_POLLIN)
            drain_monitor(c);
        gboolean fd_ready = FALSE;
        for (guint i = 0; rc > 0 && i < n_fds; i++) {
            fds[i].revents = items[i + 2].revents;
            fd_ready |= fds[i].revents != 0;
        }
        if (fd_ready)
            return TRUE;
        if (rc <= 0 && deadline >= 0 && g_get_monotonic_time() >= deadline) {
            /* A last look, so a message racing the timeout is not reported late. */
            return take_message(c, env, error);
        }
    }
}

IcEnvelope *ic_client_hello(IcClient *c, const Shoal__V1__Hello *hello, int timeout_ms,
                            GError **error)
{
    IcEnvelope env = SHOAL__V1__ENVELOPE__INIT;
    env.txid = ic_client_next_txid(c);
    env.body_case = SHOAL__V1__ENVELOPE__BODY_HELLO;
    env.hello = (Shoal__V1__Hello *)hello;
    if (!ic_client_send(c, &env, error))
        return NULL;
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    for (;;) {
        gint64 left = (deadline - g_get_monotonic_time()) / 1000;
        IcEnvelope *reply = NULL;
        if (left <= 0 || !ic_client_wait(c, NULL, 0, (int)left, &reply, error)) {
            if (left <= 0)
                g_set_error(error, IC_ERROR, IC_ERROR_TIMEOUT,
                            "no answer to Hello from the memory server at %s within %d ms",
                            c->endpoint, timeout_ms);
            return NULL;
        }
        if (!reply)
            continue;
        if (reply->txid == env.txid && reply->body_case == SHOAL__V1__ENVELOPE__BODY_HELLO_ACK) {
            if (reply->hello_ack->version != IC_PROTOCOL_VERSION) {
                g_set_error(error, IC_ERROR, IC_ERROR_UNEXPECTED,
                            "memory server at %s speaks protocol %u, we speak %u", c->endpoint,
                            reply->hello_ack->version, IC_PROTOCOL_VERSION);
                ic_envelope_free(reply);
                return NULL;
            }
            return reply;
        }
        if (reply->body_case == SHOAL__V1__ENVELOPE__BODY_ERROR) {
            g_set_error(error, IC_ERROR, IC_ERROR_UNEXPECTED,
                        "memory server at %s refused Hello: %s", c->endpoint,
                        reply->error->text);
            ic_envelope_free(reply);
            return NULL;
        }
        g_debug("ignoring %s before HelloAck", ic_envelope_body_name(reply));
        ic_envelope_free(reply);
    }
}

/* ---- Waker ---- */

struct IcWaker {
    int fd; /* eventfd, non-blocking */
};

IcWaker *ic_waker_new(GError **error)
{
    int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        g_set_error(error, IC_ERROR, IC_ERROR_TRANSPORT, "eventfd: %s", g_strerror(e));
        return NULL;
    }
    IcWaker *w = g_new0(IcWaker, 1);
    w->fd = fd;
    return w;
}

void ic_waker_free(IcWaker *w)
{
    if (!w)
        return;
    close(w->fd);
    g_free(w);
}

void ic_waker_wake(IcWaker *w)
{
    guint64 one = 1;
    /* EAGAIN means the counter is already huge: it is readable either way. */
    while (write(w->fd, &one, sizeof one) < 0 && errno == EINTR) {
    }
}

int ic_waker_fd(IcWaker *w)
{
    return w->fd;
}

void ic_waker_drain(IcWaker *w)
{
    guint64 count;
    while (read(w->fd, &count, sizeof count) < 0 && errno == EINTR) {
    }
}
