/* SPDX-License-Identifier: MIT */
/* The memory server's side and every other process's side of the
 * interconnect, and the eventfd waker polled next to them. Over ZeroMQ:
 * the server's ROUTER and a DEALER per connection, one frame = one
 * Envelope, the ROUTER's identity frame names the peer. On one host
 * ([memory-server] transport = auto over ipc://), direct links (direct.c)
 * instead: the server listens beside its ipc socket and every accepted
 * connection is a peer; the ROUTER stays for the rest. */
#include <errno.h>
#include <poll.h>
#include <sched.h>
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

#define LINGER_MS 3000 /* the last console bytes and the Shutdown must leave before the
                        * server exits, even on a host so loaded its peers read late */
#define MAX_OUTBOX (64u * 1024 * 1024) /* bytes queued for one slow direct peer */
/* The same bound over ZeroMQ, which counts messages: that many pages. A
 * peer that leaves more unread has stopped; the server ends the machine
 * rather than lose a message (memory-server/server.c, send_to). */
#define MAX_QUEUED_MESSAGES (MAX_OUTBOX / IC_PAGE_SIZE)

typedef struct {
    GBytes *identity; /* ROUTER routing id, NULL for a direct link */
    char *name;       /* "peer N (label)" */
    IcLink *link;     /* direct link, NULL for ZeroMQ or once it closed */
    gboolean ready;   /* direct: poll or its rings said readable, not yet read dry */
    GQueue *outbox;   /* direct: GBytes the link had no room for, in order */
    gsize outbox_bytes;
} Peer;

struct IcServer {
    void *socket;          /* ZMQ_ROUTER */
    char *endpoint;        /* as bound */
    char *ipc_path;        /* socket file to unlink, NULL for tcp */
    int listen_fd;         /* direct links' listening socket, -1 if none */
    char *direct_path;     /* its file, to unlink */
    guint8 *rx;            /* direct: receive buffer of IC_MAX_FRAME + 1 bytes */
    gboolean zmq_ready;    /* poll said the ROUTER is readable, not yet read dry */
    guint cursor;          /* the next source to serve: 0 ZeroMQ, p + 1 peer p */
    GArray *peers;         /* of Peer, indexed by IcPeer */
    GHashTable *by_id;     /* identity GBytes -> IcPeer + 1 */
    guint spin_us;         /* how long after a message a wait looks before it sleeps */
    gint64 last_message_us; /* when poll last found something */
    gint64 no_look_until_us; /* sleep at once until then: the cores were held */
    char *zap_domain;      /* CurveZMQ: whom zap.c admits for us; NULL otherwise */
};

#define SERVER_NO_LOOK_US (20 * 1000)

/* A wait's looks before it sleeps (docs/linux-over-nodes.md, "Waiting
 * threads keep their core"): @look until it finds something or @until_us
 * passes, giving the core to any other runnable thread between looks. On a
 * host whose idle cores halt (a virtual machine), waking a sleeper on an
 * idle core costs more than a page transfer's own work; a core kept by a
 * yielding waiter runs a woken thread at its next look. @look's result: 0
 * when nothing came.
 *
 * A yield that comes back only after SPIN_CONTENDED_US gave the core to a
 * thread that does not yield (a hart spinning in guest code without
 * pause): while such threads hold the cores, a waiter that yields is
 * runnable but not running when its message comes and runs at the end of
 * their time slice, where a sleeper would be woken and preempt them.
 * *@contended says so (NULL: look on regardless). */
#define SPIN_CONTENDED_US 500

typedef int (*IcLook)(gpointer data);

static int look_while_yielding(IcLook look, gpointer data, gint64 until_us, gboolean *contended)
{
    int rc;
    gint64 now;
    while ((rc = look(data)) == 0 && (now = g_get_monotonic_time()) < until_us) {
        sched_yield();
        if (contended && g_get_monotonic_time() - now > SPIN_CONTENDED_US) {
            *contended = TRUE;
            return 0;
        }
    }
    return rc;
}

IcServer *ic_server_new(const CfgMachine *machine, const char *run_dir, GError **error)
{
    g_autofree char *endpoint = ic_msrv_endpoint(machine, run_dir, error);
    if (!endpoint)
        return NULL;
    IcServer *s = g_new0(IcServer, 1);
    s->listen_fd = -1;
    s->endpoint = g_steal_pointer(&endpoint);
    s->peers = g_array_new(FALSE, TRUE, sizeof(Peer));
    s->by_id = g_hash_table_new(g_bytes_hash, g_bytes_equal);
    if (g_str_has_prefix(s->endpoint, "ipc://")) {
        s->ipc_path = g_strdup(s->endpoint + strlen("ipc://"));
        unlink(s->ipc_path); /* a stale socket from a killed run */
    }
    s->socket = zmq_socket(ic_zmq_context(), ZMQ_ROUTER);
    int curve = s->socket ? ic_curve_server_setup(machine, s->endpoint, s->socket,
                                                  &s->zap_domain, error)
                          : 0;
    if (curve < 0) {
        ic_server_free(s);
        return NULL;
    }
    if (g_str_has_prefix(s->endpoint, "tcp://") && !curve)
        g_warning("%s in the clear (plain-tcp = on): anyone who reaches it can join the machine "
                  "and read its memory", s->endpoint);
    int one = 1, linger = LINGER_MS, hwm = MAX_QUEUED_MESSAGES;
    gint64 max_size = 4 * (gint64)IC_MAX_FRAME; /* bigger: zmq drops the connection */
    if (!s->socket ||
        zmq_setsockopt(s->socket, ZMQ_ROUTER_MANDATORY, &one, sizeof one) ||
        zmq_setsockopt(s->socket, ZMQ_LINGER, &linger, sizeof linger) ||
        zmq_setsockopt(s->socket, ZMQ_SNDHWM, &hwm, sizeof hwm) ||
        zmq_setsockopt(s->socket, ZMQ_MAXMSGSIZE, &max_size, sizeof max_size) ||
        zmq_bind(s->socket, s->endpoint)) {
        zmq_fail(error, "cannot bind", s->endpoint);
        g_clear_pointer(&s->ipc_path, g_free); /* not ours to unlink */
        ic_server_free(s);
        return NULL;
    }
    if (machine->msrv_direct && s->ipc_path) {
        s->direct_path = ic_direct_path(s->ipc_path);
        s->listen_fd = ic_direct_listen(s->direct_path, error);
        if (s->listen_fd < 0) {
            g_clear_pointer(&s->direct_path, g_free);
            ic_server_free(s);
            return NULL;
        }
        s->rx = g_malloc(IC_MAX_FRAME + 1);
    }
    return s;
}

/* Sends what @p's socket has room for from its outbox; FALSE if the link broke. */
static gboolean flush_outbox(Peer *p)
{
    GBytes *b;
    while (p->link && (b = g_queue_peek_head(p->outbox)) != NULL) {
        gsize len;
        const void *data = g_bytes_get_data(b, &len);
        int rc = ic_link_send(p->link, data, len, FALSE);
        if (rc == 0)
            return TRUE;
        if (rc < 0)
            return FALSE;
        p->outbox_bytes -= len;
        g_bytes_unref(g_queue_pop_head(p->outbox));
    }
    return TRUE;
}

/* At exit: what direct peers were not sent yet leaves within LINGER_MS. */
static void drain_outboxes(IcServer *s)
{
    gint64 deadline = g_get_monotonic_time() + LINGER_MS * 1000;
    for (guint i = 0; i < s->peers->len; i++) {
        Peer *p = &g_array_index(s->peers, Peer, i);
        while (p->link && p->outbox && !g_queue_is_empty(p->outbox) && flush_outbox(p)) {
            gint64 left = deadline - g_get_monotonic_time();
            if (left <= 0 || !ic_link_wait_room(p->link, (int)(left / 1000)))
                break;
        }
    }
}

void ic_server_free(IcServer *s)
{
    if (!s)
        return;
    drain_outboxes(s);
    if (s->socket)
        zmq_close(s->socket);
    if (s->zap_domain) {
        ic_zap_forget(s->zap_domain);
        g_free(s->zap_domain);
    }
    if (s->ipc_path)
        unlink(s->ipc_path);
    if (s->listen_fd >= 0) {
        close(s->listen_fd);
        unlink(s->direct_path);
    }
    for (guint i = 0; i < s->peers->len; i++) {
        Peer *p = &g_array_index(s->peers, Peer, i);
        if (p->identity)
            g_bytes_unref(p->identity);
        ic_link_free(p->link);
        if (p->outbox)
            g_queue_free_full(p->outbox, (GDestroyNotify)g_bytes_unref);
        g_free(p->name);
    }
    g_free(s->direct_path);
    g_free(s->rx);
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
    Peer p = { g_bytes_ref(key), g_strdup_printf("peer %u", s->peers->len), .link = NULL };
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

static void add_direct_peer(IcServer *s, int fd)
{
    Peer p = { NULL, g_strdup_printf("peer %u", s->peers->len), .link = ic_link_new(fd),
               .outbox = g_queue_new() };
    g_array_append_val(s->peers, p);
}

/* One message from the ROUTER, if one waits (*got). */
static gboolean recv_zmq(IcServer *s, IcPeer *peer, IcEnvelope **env, gboolean *got,
                         GError **error)
{
    zmq_msg_t parts[2];
    zmq_msg_init(&parts[0]);
    zmq_msg_init(&parts[1]);
    int n = ic_zmq_recv_parts(s->socket, parts, 2, error);
    gboolean ok = TRUE;
    *got = n != 0;
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

/* One packet from direct peer @i, if one waits (*got). */
static gboolean recv_direct(IcServer *s, IcPeer i, IcEnvelope **env, gboolean *got,
                            GError **error)
{
    Peer *p = &g_array_index(s->peers, Peer, i);
    gsize len = 0;
    *got = FALSE;
    switch (ic_link_recv(p->link, s->rx, IC_MAX_FRAME, &len)) {
    case IC_DIRECT_NONE:
        p->ready = FALSE;
        return TRUE;
    case IC_DIRECT_CLOSED:
        g_debug("%s closed its link", p->name);
        g_clear_pointer(&p->link, ic_link_free);
        p->ready = FALSE;
        return TRUE;
    case IC_DIRECT_TOO_BIG:
        *got = TRUE;
        g_set_error(error, IC_ERROR, IC_ERROR_MALFORMED,
                    "frame of %zu bytes from %s (at most %u)", len, p->name, IC_MAX_FRAME);
        return FALSE;
    case IC_DIRECT_MESSAGE:
        *got = TRUE;
        *env = ic_envelope_unpack(s->rx, len, p->name, error);
        return *env != NULL;
    }
    g_assert_not_reached();
}

/* Serves the sources poll found readable, one message per call, taking
 * turns so one busy peer cannot hold the others up. TRUE when it took a
 * message (or dropped a bad one: *ok FALSE). */
static gboolean serve_ready(IcServer *s, IcPeer *peer, IcEnvelope **env, gboolean *ok,
                            GError **error)
{
    guint n = s->peers->len + 1;
    for (guint k = 0; k < n; k++) {
        guint src = (s->cursor + k) % n;
        gboolean got = FALSE;
        if (src == 0 && s->zmq_ready) {
            *ok = recv_zmq(s, peer, env, &got, error);
            s->zmq_ready = got;
        } else if (src > 0 && g_array_index(s->peers, Peer, src - 1).ready) {
            *peer = src - 1;
            *ok = recv_direct(s, src - 1, env, &got, error);
        }
        if (got || !*ok) {
            s->cursor = (src + 1) % n;
            return TRUE;
        }
    }
    return FALSE;
}

typedef struct {
    IcServer *server;
    zmq_pollitem_t *items;
    int n;
    guint looks;
} ServerLook;

/* Marks the peers whose rings hold a message ready; how many. */
static int mark_ring_input(IcServer *s)
{
    int n = 0;
    for (guint i = 0; i < s->peers->len; i++) {
        Peer *p = &g_array_index(s->peers, Peer, i);
        if (p->link && ic_link_has_input(p->link)) {
            p->ready = TRUE;
            n++;
        }
    }
    return n;
}

/* The rings at every look (memory only), the sockets at every eighth:
 * ZeroMQ, new links, links without rings, hang-ups. */
#define SOCKET_LOOK_EVERY 8

static int server_look(gpointer data)
{
    ServerLook *l = data;
    int rings = mark_ring_input(l->server);
    if (rings > 0)
        return rings;
    return l->looks++ % SOCKET_LOOK_EVERY == 0 ? zmq_poll(l->items, l->n, 0) : 0;
}

static void rings_woke(IcServer *s)
{
    for (guint i = 0; i < s->peers->len; i++) {
        Peer *p = &g_array_index(s->peers, Peer, i);
        if (p->link)
            ic_link_woke(p->link);
    }
}

/* Before the server sleeps: every ring says so; FALSE (and none says so)
 * if one got a message meanwhile. */
static gboolean rings_prepare_sleep(IcServer *s)
{
    for (guint i = 0; i < s->peers->len; i++) {
        Peer *p = &g_array_index(s->peers, Peer, i);
        if (p->link && !ic_link_prepare_sleep(p->link)) {
            rings_woke(s);
            return FALSE;
        }
    }
    return TRUE;
}

/* Sends what waits for peers on rings (a ring has no readiness to poll);
 * TRUE if something still waits, so the wait must be short. */
static gboolean flush_ring_outboxes(IcServer *s)
{
    gboolean waiting = FALSE;
    for (guint i = 0; i < s->peers->len; i++) {
        Peer *p = &g_array_index(s->peers, Peer, i);
        if (!p->link || !ic_link_has_rings(p->link) || g_queue_is_empty(p->outbox))
            continue;
        if (!flush_outbox(p))
            g_debug("%s: link broken while sending", p->name);
        waiting |= p->link && !g_queue_is_empty(p->outbox);
    }
    return waiting;
}

#define RING_OUTBOX_RETRY_MS 1

void ic_server_set_spin_us(IcServer *s, guint spin_us)
{
    s->spin_us = spin_us;
}

gboolean ic_server_recv(IcServer *s, int timeout_ms, IcPeer *peer, IcEnvelope **env,
                        GError **error)
{
    gboolean ok = TRUE;
    *env = NULL;
    if (flush_ring_outboxes(s) && (timeout_ms < 0 || timeout_ms > RING_OUTBOX_RETRY_MS))
        timeout_ms = RING_OUTBOX_RETRY_MS;
    mark_ring_input(s);
    if (serve_ready(s, peer, env, &ok, error))
        return ok;
    /* Nothing known to wait: poll the ROUTER, the listener and every link. */
    guint n_peers = s->peers->len;
    g_autofree zmq_pollitem_t *items = g_new0(zmq_pollitem_t, n_peers + 2);
    g_autofree IcPeer *item_peer = g_new0(IcPeer, n_peers + 2);
    guint n = 0;
    items[n++] = (zmq_pollitem_t){ .socket = s->socket, .events = ZMQ_POLLIN };
    if (s->listen_fd >= 0)
        items[n++] = (zmq_pollitem_t){ .fd = s->listen_fd, .events = ZMQ_POLLIN };
    guint first_link = n;
    for (IcPeer i = 0; i < n_peers; i++) {
        Peer *p = &g_array_index(s->peers, Peer, i);
        if (!p->link)
            continue;
        gboolean socket_outbox = !g_queue_is_empty(p->outbox) && !ic_link_has_rings(p->link);
        item_peer[n] = i;
        items[n++] = (zmq_pollitem_t){
            .fd = ic_link_fd(p->link),
            .events = (short)(ZMQ_POLLIN | (socket_outbox ? ZMQ_POLLOUT : 0)),
        };
    }
    ServerLook look = { s, items, (int)n, 0 };
    gint64 look_until = s->last_message_us + s->spin_us;
    if (timeout_ms >= 0) {
        gint64 timeout_at = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
        look_until = MIN(look_until, timeout_at);
    }
    if (g_get_monotonic_time() < s->no_look_until_us)
        look_until = 0;
    gboolean contended = FALSE;
    int rc = look_while_yielding(server_look, &look, look_until, &contended);
    /* Every transfer passes the server twice: it must run the moment its
     * message comes, so it sleeps while the cores are held. */
    if (contended)
        s->no_look_until_us = g_get_monotonic_time() + SERVER_NO_LOOK_US;
    if (rc == 0 && !rings_prepare_sleep(s))
        rc = mark_ring_input(s);
    if (rc == 0) {
        rc = zmq_poll(items, (int)n, timeout_ms);
        rings_woke(s);
    }
    if (rc < 0) {
        if (zmq_errno() == EINTR)
            return TRUE;
        return zmq_fail(error, "polling", s->endpoint);
    }
    if (rc > 0)
        s->last_message_us = g_get_monotonic_time();
    s->zmq_ready = (items[0].revents & ZMQ_POLLIN) != 0;
    for (guint k = first_link; k < n; k++) {
        Peer *p = &g_array_index(s->peers, Peer, item_peer[k]);
        if ((items[k].revents & ZMQ_POLLOUT) && !flush_outbox(p))
            g_debug("%s: link broken while sending", p->name);
        p->ready |= (items[k].revents & (ZMQ_POLLIN | ZMQ_POLLERR)) != 0;
    }
    if (s->listen_fd >= 0 && (items[1].revents & ZMQ_POLLIN)) {
        int fd;
        while ((fd = ic_direct_accept(s->listen_fd)) >= 0)
            add_direct_peer(s, fd);
    }
    serve_ready(s, peer, env, &ok, error);
    return ok;
}

static gboolean send_direct(Peer *p, GBytes *bytes, GError **error)
{
    gsize len;
    const void *data = g_bytes_get_data(bytes, &len);
    int rc = 0;
    if (!p->link || !flush_outbox(p) ||
        (g_queue_is_empty(p->outbox) && (rc = ic_link_send(p->link, data, len, FALSE)) < 0)) {
        g_set_error(error, IC_ERROR, IC_ERROR_CLOSED, "sending to %s: the link is closed",
                    p->name);
        return FALSE;
    }
    if (rc > 0)
        return TRUE;
    /* Behind what is queued already, or no room in the socket now. */
    if (p->outbox_bytes + len > MAX_OUTBOX) {
        g_set_error(error, IC_ERROR, IC_ERROR_TRANSPORT,
                    "sending to %s: %zu bytes already wait for it to read", p->name,
                    p->outbox_bytes);
        return FALSE;
    }
    g_queue_push_tail(p->outbox, g_bytes_ref(bytes));
    p->outbox_bytes += len;
    return TRUE;
}

gboolean ic_server_send(IcServer *s, IcPeer peer, const IcEnvelope *env, GError **error)
{
    g_assert_cmpuint(peer, <, s->peers->len);
    Peer *p = &g_array_index(s->peers, Peer, peer);
    g_autoptr(GBytes) bytes = ic_envelope_pack(env);
    if (p->identity == NULL)
        return send_direct(p, bytes, error);
    gsize len;
    const void *data = g_bytes_get_data(bytes, &len);
    if (zmq_send(s->socket, g_bytes_get_data(p->identity, NULL), g_bytes_get_size(p->identity),
                 ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0 ||
        zmq_send(s->socket, data, len, ZMQ_DONTWAIT) < 0)
        return zmq_fail(error, "sending to", p->name);
    return TRUE;
}

/* ---- Client ---- */

#define DIRECT_CONNECT_TIMEOUT_MS 10000 /* as long as a Hello may wait for its answer */

static gboolean gave_up(IcKeepWaiting keep, gpointer data, const char *endpoint, GError **error)
{
    if (keep == NULL || keep(data))
        return FALSE;
    g_set_error(error, IC_ERROR, IC_ERROR_CLOSED, "stopped waiting for the memory server at %s",
                endpoint);
    return TRUE;
}

IcClient *ic_client_connect(const CfgMachine *machine, const char *run_dir, GError **error)
{
    return ic_client_connect_while(machine, run_dir, NULL, NULL, error);
}

IcClient *ic_client_connect_while(const CfgMachine *machine, const char *run_dir,
                                  IcKeepWaiting keep, gpointer data, GError **error)
{
    g_autofree char *endpoint = ic_msrv_endpoint(machine, run_dir, error);
    if (!endpoint)
        return NULL;
    IcClient *c = g_new0(IcClient, 1);
    c->endpoint = g_steal_pointer(&endpoint);
    c->secret_path = ic_secret_path(machine, run_dir);
    c->next_txid = 1;
    if (machine->msrv_direct) {
        g_autofree char *path = ic_direct_path(c->endpoint + strlen("ipc://"));
        /* In short attempts: connecting leaves nothing behind at the
         * server until it succeeds, so giving up between them is clean. */
        gint64 deadline = g_get_monotonic_time() + DIRECT_CONNECT_TIMEOUT_MS * 1000;
        for (;;) {
            g_autoptr(GError) attempt = NULL;
            int fd = ic_direct_connect(path, keep ? IC_KEEP_WAITING_MS : DIRECT_CONNECT_TIMEOUT_MS,
                                       &attempt);
            if (fd >= 0) {
                c->link = ic_link_new(fd);
                break;
            }
            if (g_get_monotonic_time() >= deadline || keep == NULL ||
                gave_up(keep, data, c->endpoint, error)) {
                if (error && *error == NULL)
                    g_propagate_error(error, g_steal_pointer(&attempt));
                ic_client_free(c);
                return NULL;
            }
        }
        c->rx = g_malloc(IC_MAX_FRAME + 1);
        g_autoptr(GError) no_rings = NULL;
        if (machine->msrv_rings && !ic_link_offer_rings(c->link, &no_rings))
            g_debug("%s: messages go through the socket", no_rings->message);
        return c;
    }
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
    int curve = c->socket ? ic_curve_client_setup(machine, c->endpoint, c->socket, error) : 0;
    if (curve < 0) {
        ic_client_free(c);
        return NULL;
    }
    c->curve = curve > 0;
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
    ic_link_free(c->link);
    g_free(c->rx);
    g_free(c->endpoint);
    g_free(c->secret_path);
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
    if (c->link) {
        if (ic_link_send(c->link, data, len, TRUE) < 0) {
            g_set_error(error, IC_ERROR, IC_ERROR_CLOSED, "sending to the memory server at %s: %s",
                        c->endpoint, g_strerror(errno));
            return FALSE;
        }
        return TRUE;
    }
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
        c->heard = TRUE;
        g_autofree char *peer = g_strdup_printf("the memory server at %s", c->endpoint);
        *env = ic_envelope_unpack(zmq_msg_data(&part), zmq_msg_size(&part), peer, error);
        ok = *env != NULL;
    }
    zmq_msg_close(&part);
    return ok;
}

/* One waiting packet on a direct link: TRUE with *env set or NULL (none);
 * FALSE + error for a bad one or a closed link. */
static gboolean take_packet(IcClient *c, IcEnvelope **env, GError **error)
{
    gsize len = 0;
    switch (ic_link_recv(c->link, c->rx, IC_MAX_FRAME, &len)) {
    case IC_DIRECT_NONE:
        return TRUE;
    case IC_DIRECT_CLOSED:
        g_set_error(error, IC_ERROR, IC_ERROR_CLOSED,
                    "the memory server at %s closed the connection", c->endpoint);
        return FALSE;
    case IC_DIRECT_TOO_BIG:
        g_set_error(error, IC_ERROR, IC_ERROR_MALFORMED,
                    "frame of %zu bytes from the memory server at %s (at most %u)", len,
                    c->endpoint, IC_MAX_FRAME);
        return FALSE;
    case IC_DIRECT_MESSAGE: {
        g_autofree char *peer = g_strdup_printf("the memory server at %s", c->endpoint);
        *env = ic_envelope_unpack(c->rx, len, peer, error);
        return *env != NULL;
    }
    }
    g_assert_not_reached();
}

typedef struct {
    IcLink *link;
    struct pollfd *fds; /* the link's socket first */
    nfds_t n;
} ClientLook;

/* The rings without a system call; the sockets only when there are other
 * descriptors to watch or no rings (a hang-up is seen once it sleeps). */
static int client_look(gpointer data)
{
    ClientLook *l = data;
    if (ic_link_has_input(l->link))
        return 1;
    if (ic_link_has_rings(l->link) && l->n == 1)
        return 0;
    struct timespec now = { 0, 0 };
    return ppoll(l->fds, l->n, &now, NULL);
}

void ic_client_set_spin_us(IcClient *c, guint spin_us)
{
    c->spin_us = spin_us;
}

/* ic_client_wait on a direct link: the socket is read by this thread, so
 * a message wakes it straight from the sender's write. */
static gboolean wait_direct(IcClient *c, struct pollfd *fds, guint n_fds, gint64 timeout_us,
                            IcEnvelope **env, GError **error)
{
    g_autofree struct pollfd *p = g_new(struct pollfd, n_fds + 1);
    p[0] = (struct pollfd){ .fd = ic_link_fd(c->link), .events = POLLIN };
    for (guint i = 0; i < n_fds; i++) {
        p[i + 1] = (struct pollfd){ .fd = fds[i].fd, .events = fds[i].events };
        fds[i].revents = 0;
    }
    gint64 now = g_get_monotonic_time();
    gint64 deadline = timeout_us < 0 ? -1 : now + timeout_us;
    gint64 spin_until = now + c->spin_us;
    for (;;) {
        if (!take_packet(c, env, error) || *env)
            return *env != NULL;
        /* ppoll: a wait of tens of us (a held-back ack) must not last a ms */
        ClientLook look = { c->link, p, n_fds + 1 };
        int rc = look_while_yielding(client_look, &look,
                                     deadline < 0 ? spin_until : MIN(spin_until, deadline), NULL);
        if (rc == 0 && !ic_link_prepare_sleep(c->link))
            continue; /* a message came into the rings */
        if (rc == 0) {
            /* One reading of the clock: MAX would read it twice, and a
             * deadline passing between the two made a negative timeout. */
            gint64 left = deadline < 0 ? 0 : deadline - g_get_monotonic_time();
            left = MAX(left, 0);
            struct timespec ts = { left / G_USEC_PER_SEC, (left % G_USEC_PER_SEC) * 1000 };
            rc = ppoll(p, n_fds + 1, deadline < 0 ? NULL : &ts, NULL);
            ic_link_woke(c->link);
        }
        if (rc < 0 && errno != EINTR) {
            g_set_error(error, IC_ERROR, IC_ERROR_TRANSPORT, "polling %s: %s", c->endpoint,
                        g_strerror(errno));
            return FALSE;
        }
        gboolean fd_ready = FALSE;
        for (guint i = 0; rc > 0 && i < n_fds; i++) {
            fds[i].revents = p[i + 1].revents;
            fd_ready |= fds[i].revents != 0;
        }
        if (fd_ready)
            return TRUE;
        if (rc == 0 && deadline >= 0 && g_get_monotonic_time() >= deadline)
            return take_packet(c, env, error); /* a message racing the timeout */
    }
}

#define CLOSE_DRAIN_US (200 * 1000)

gboolean ic_client_wait(IcClient *c, struct pollfd *fds, guint n_fds, int timeout_ms,
                        IcEnvelope **env, GError **error)
{
    return ic_client_wait_us(c, fds, n_fds, timeout_ms < 0 ? -1 : (gint64)timeout_ms * 1000, env,
                             error);
}

gboolean ic_client_wait_us(IcClient *c, struct pollfd *fds, guint n_fds, gint64 timeout_us,
                           IcEnvelope **env, GError **error)
{
    /* ZeroMQ's poll counts in ms: round up, never spin on 0 */
    int timeout_ms = timeout_us < 0 ? -1 : (int)MIN((timeout_us + 999) / 1000, G_MAXINT);
    *env = NULL;
    if (c->link)
        return wait_direct(c, fds, n_fds, timeout_us, env, error);
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
                /* CurveZMQ says nothing to a client with the wrong keys:
                 * the server just hangs up before its first word. */
                g_set_error(error, IC_ERROR, IC_ERROR_CLOSED,
                            "the memory server at %s closed the connection%s", c->endpoint,
                            c->curve && !c->heard
                                ? " before a word: our key is not in its authorized-keys, or "
                                  "it is not the server server-public-key names"
                                : "");
                return FALSE;
            }
            wait = (c->closed_us + CLOSE_DRAIN_US - now + 999) / 1000;
        }
        if (deadline >= 0) {
            /* One reading of the clock (MAX reads its arguments twice): a
             * wait of -1 would be for ever. */
            gint64 left_ms = (deadline - g_get_monotonic_time() + 999) / 1000;
            left_ms = MAX(left_ms, 0);
            wait = wait < 0 ? (long)left_ms : MIN(wait, (long)left_ms);
        }
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
    return ic_client_hello_while(c, hello, timeout_ms, NULL, NULL, error);
}

/* The machine's secret. Over ZeroMQ a client may get here before the
 * server has written it (connecting does not wait for the server): wait
 * for the file as long as the Hello may take. */
static GBytes *secret_while(IcClient *c, gint64 deadline, IcKeepWaiting keep, gpointer data,
                            GError **error)
{
    if (!c->secret_path)
        return g_bytes_new(NULL, 0); /* plain tcp:// */
    while (!g_file_test(c->secret_path, G_FILE_TEST_EXISTS)) {
        if (g_get_monotonic_time() >= deadline) {
            g_set_error(error, IC_ERROR, IC_ERROR_TIMEOUT,
                        "no memory server at %s: nothing made the machine's secret %s",
                        c->endpoint, c->secret_path);
            return NULL;
        }
        if (gave_up(keep, data, c->endpoint, error))
            return NULL;
        g_usleep(10 * 1000);
    }
    return ic_secret_read(c->secret_path, error);
}

IcEnvelope *ic_client_hello_while(IcClient *c, const Shoal__V1__Hello *hello, int timeout_ms,
                                  IcKeepWaiting keep, gpointer data, GError **error)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    g_autoptr(GBytes) secret = secret_while(c, deadline, keep, data, error);
    if (!secret)
        return NULL;
    Shoal__V1__Hello shown = *hello;
    shown.secret.data = (guint8 *)g_bytes_get_data(secret, &shown.secret.len);
    IcEnvelope env = SHOAL__V1__ENVELOPE__INIT;
    env.txid = ic_client_next_txid(c);
    env.body_case = SHOAL__V1__ENVELOPE__BODY_HELLO;
    env.hello = &shown;
    if (!ic_client_send(c, &env, error))
        return NULL;
    for (;;) {
        gint64 left = (deadline - g_get_monotonic_time()) / 1000;
        IcEnvelope *reply = NULL;
        if (keep && left > 0)
            left = MIN(left, IC_KEEP_WAITING_MS);
        if (left <= 0 || !ic_client_wait(c, NULL, 0, (int)left, &reply, error)) {
            if (left <= 0)
                g_set_error(error, IC_ERROR, IC_ERROR_TIMEOUT,
                            "no answer to Hello from the memory server at %s within %d ms",
                            c->endpoint, timeout_ms);
            return NULL;
        }
        if (!reply) {
            if (gave_up(keep, data, c->endpoint, error))
                return NULL;
            continue;
        }
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
