/* SPDX-License-Identifier: MIT */
/* A virtio-net link to one peer over a socket, on the wire as QEMU's
 * -netdev stream (and the older -netdev socket,listen=/connect=) and
 * -netdev dgram, so it joins two shoal machines or a shoal and a QEMU one:
 *
 *   stream (TCP or unix)   | length: 4 bytes, big-endian | frame: length bytes | ...
 *   dgram (UDP or unix)    one frame per datagram, nothing around it
 *
 * Frames are Ethernet frames without a virtio header. A stream that
 * listens takes one peer at a time and the next one after it leaves; one
 * that connects tries again every RETRY_MS until its peer answers, and
 * after it leaves. While there is no peer the link is down and the guest's
 * frames are dropped. A length of 0 or past NET_FRAME_MAX ends the
 * connection (its bytes can no longer be framed), with a warning. */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "virtio/net.h"

#define STREAM_HDR 4u
#define IN_SIZE (STREAM_HDR + NET_FRAME_MAX)
/* connect=: how long it waits before it tries its peer again. */
#define RETRY_MS 500
/* Stream bytes kept for a peer that reads slower than the guest sends;
 * past that frames are dropped, as a full link drops them. */
#define OUT_MAX (512u * 1024u)
/* Bytes taken from the peer per wake-up: the link to the memory server and
 * the other devices get their turn. */
#define READ_BUDGET (256u * 1024u)

typedef struct {
    NetBackend nb;          /* first: what net.c holds */
    gboolean dgram;         /* netdev=dgram, else stream */
    int listen_fd;          /* listen=: the listening socket; -1 otherwise */
    int fd;                 /* the peer's stream or the datagram socket; -1: no peer */
    gboolean connecting;    /* connect=: a non-blocking connect() in flight on fd */
    struct sockaddr_storage peer; /* connect= or remote=: where the peer is */
    socklen_t peer_len;     /* 0: none (listen=) */
    gint64 retry_us;        /* connect=: when to try again (monotonic) */
    char *made_path;        /* the unix socket file we bound, unlinked at free; or NULL */
    const char *addr_key;   /* "listen", "connect" or "local": names the link in messages */
    const char *addr;       /* its value */
    guint8 *in;             /* IN_SIZE: a stream's bytes not yet framed, or one datagram */
    gsize in_len;
    GByteArray *out;        /* stream: framed bytes for the peer not yet sent */
    guint listen_slot, fd_slot; /* places in the loop's pollfds, G_MAXUINT: none */
} NetSocket;

/* "unix:PATH", "tcp:HOST:PORT" or "udp:HOST:PORT" (checked by the config)
 * into a socket address. */
static gboolean resolve(const CfgDevice *cfg, const char *key, const char *addr, int socktype,
                        struct sockaddr_storage *sa, socklen_t *len, GError **error)
{
    memset(sa, 0, sizeof *sa);
    if (g_str_has_prefix(addr, "unix:")) {
        struct sockaddr_un *un = (struct sockaddr_un *)sa;
        un->sun_family = AF_UNIX;
        if (strlen(addr + 5) >= sizeof un->sun_path) {
            g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                        "[device.%s] %s=%s: longer than a unix socket's path may be", cfg->name,
                        key, addr);
            return FALSE;
        }
        strcpy(un->sun_path, addr + 5);
        *len = sizeof *un;
        return TRUE;
    }
    const char *colon = strrchr(addr, ':');
    g_autofree char *host = g_strndup(addr + 4, (gsize)(colon - (addr + 4)));
    gsize hl = strlen(host);
    if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') { /* [IPv6] */
        memmove(host, host + 1, hl - 2);
        host[hl - 2] = '\0';
    }
    struct addrinfo hints = { .ai_socktype = socktype, .ai_flags = AI_NUMERICSERV };
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(host, colon + 1, &hints, &res);
    if (rc != 0) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                    "[device.%s] %s=%s: %s", cfg->name, key, addr, gai_strerror(rc));
        return FALSE;
    }
    memcpy(sa, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    freeaddrinfo(res);
    return TRUE;
}

/* A socket bound to @addr (a previous run's unix socket file replaced). */
static int bound_socket(NetSocket *ns, const char *key, const char *addr, int socktype,
                        GError **error)
{
    struct sockaddr_storage sa;
    socklen_t len;
    if (!resolve(ns->nb.cfg, key, addr, socktype, &sa, &len, error))
        return -1;
    int fd = socket(sa.ss_family, socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int one = 1;
    if (fd >= 0 && sa.ss_family != AF_UNIX)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (sa.ss_family == AF_UNIX)
        unlink(addr + 5);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, len) != 0 ||
        (socktype == SOCK_STREAM && listen(fd, 1) != 0)) {
        int e = errno;
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "[device.%s] %s=%s: %s",
                    ns->nb.cfg->name, key, addr, g_strerror(e));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (sa.ss_family == AF_UNIX)
        ns->made_path = g_strdup(addr + 5);
    return fd;
}

static gint64 now_us(void)
{
    return g_get_monotonic_time();
}

static void linked(NetSocket *ns, int fd)
{
    int one = 1;
    ns->fd = fd;
    ns->connecting = FALSE;
    ns->in_len = 0;
    g_byte_array_set_size(ns->out, 0);
    /* frames go out as the guest sends them: no Nagle delay (TCP only) */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ns->nb.link_up = TRUE;
    /* g_debug: a message would cut into the guest's console lines */
    g_debug("[device.%s]: linked to its peer (%s=%s)", ns->nb.cfg->name, ns->addr_key, ns->addr);
}

/* The peer is gone (or must go): the link is down until the next one. */
static void unlink_peer(NetSocket *ns, const char *why)
{
    if (ns->fd < 0)
        return;
    close(ns->fd);
    ns->fd = -1;
    ns->connecting = FALSE;
    ns->in_len = 0;
    g_byte_array_set_size(ns->out, 0);
    ns->retry_us = now_us() + RETRY_MS * 1000;
    if (ns->nb.link_up && why)
        g_debug("[device.%s]: link to its peer down (%s=%s): %s", ns->nb.cfg->name,
                ns->addr_key, ns->addr, why);
    ns->nb.link_up = FALSE;
}

static void try_connect(NetSocket *ns)
{
    int fd = socket(ns->peer.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        ns->retry_us = now_us() + RETRY_MS * 1000;
        return;
    }
    if (connect(fd, (struct sockaddr *)&ns->peer, ns->peer_len) == 0) {
        linked(ns, fd);
    } else if (errno == EINPROGRESS) {
        ns->fd = fd;
        ns->connecting = TRUE;
    } else {
        g_debug("[device.%s]: connect=%s: %s", ns->nb.cfg->name, ns->addr, g_strerror(errno));
        close(fd);
        ns->retry_us = now_us() + RETRY_MS * 1000;
    }
}

/* Sends what the peer has not taken yet; the rest waits for POLLOUT. */
static void flush(NetSocket *ns)
{
    while (ns->fd >= 0 && !ns->connecting && ns->out->len > 0) {
        ssize_t n = send(ns->fd, ns->out->data, ns->out->len, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0)
            g_byte_array_remove_range(ns->out, 0, (guint)n);
        else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            return;
        else
            unlink_peer(ns, n < 0 ? g_strerror(errno) : "send returned 0");
    }
}

static void input(NetBackend *nb, const guint8 *frame, gsize len)
{
    NetSocket *ns = (NetSocket *)nb;
    if (ns->dgram) {
        if (sendto(ns->fd, frame, len, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&ns->peer,
                   ns->peer_len) < 0)
            g_debug("[device.%s]: a frame to remote=%s lost: %s", nb->cfg->name,
                    nb->cfg->net_remote, g_strerror(errno));
        return;
    }
    if (!nb->link_up || ns->out->len + STREAM_HDR + len > OUT_MAX)
        return; /* no peer, or one that does not read: the frame is lost */
    guint32 be = GUINT32_TO_BE((guint32)len);
    g_byte_array_append(ns->out, (const guint8 *)&be, STREAM_HDR);
    g_byte_array_append(ns->out, frame, (guint)len);
    flush(ns);
}

/* Hands every whole frame in the stream's buffer to the guest. FALSE if a
 * length made the link go. */
static gboolean take_frames(NetSocket *ns)
{
    gsize off = 0;
    while (ns->in_len - off >= STREAM_HDR) {
        guint32 be;
        memcpy(&be, ns->in + off, STREAM_HDR);
        guint32 len = GUINT32_FROM_BE(be);
        if (len == 0 || len > NET_FRAME_MAX) {
            g_warning("[device.%s]: the peer (%s=%s) sent a frame length of %u, expected "
                      "1..%u: dropping the connection",
                      ns->nb.cfg->name, ns->addr_key, ns->addr, len, NET_FRAME_MAX);
            unlink_peer(ns, NULL);
            return FALSE;
        }
        if (ns->in_len - off < STREAM_HDR + len)
            break;
        ns->nb.to_guest(ns->nb.to_guest_opaque, ns->in + off + STREAM_HDR, len);
        off += STREAM_HDR + len;
    }
    memmove(ns->in, ns->in + off, ns->in_len - off);
    ns->in_len -= off;
    return TRUE;
}

static void read_stream(NetSocket *ns)
{
    /* IN_SIZE holds the longest frame whole, so a full buffer always
     * yields one and reading goes on. */
    for (gsize got = 0; got < READ_BUDGET && ns->fd >= 0;) {
        ssize_t n = recv(ns->fd, ns->in + ns->in_len, IN_SIZE - ns->in_len, MSG_DONTWAIT);
        if (n == 0) {
            unlink_peer(ns, "the peer closed it");
            return;
        }
        if (n < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                unlink_peer(ns, g_strerror(errno));
            return;
        }
        ns->in_len += (gsize)n;
        got += (gsize)n;
        if (!take_frames(ns))
            return;
    }
}

static void read_dgram(NetSocket *ns)
{
    for (gsize got = 0; got < READ_BUDGET;) {
        ssize_t n = recv(ns->fd, ns->in, IN_SIZE, MSG_DONTWAIT | MSG_TRUNC);
        if (n < 0)
            return; /* EAGAIN, or an ICMP error for an earlier send: nothing to read */
        got += (gsize)n + 1;
        if (n == 0 || n > (ssize_t)NET_FRAME_MAX)
            g_debug("[device.%s]: dropped a datagram of %zd bytes", ns->nb.cfg->name, n);
        else
            ns->nb.to_guest(ns->nb.to_guest_opaque, ns->in, (gsize)n);
    }
}

static guint add_fd(GArray *fds, int fd, short events)
{
    struct pollfd p = { .fd = fd, .events = events };
    g_array_append_val(fds, p);
    return fds->len - 1;
}

static void poll_prepare(NetBackend *nb, GArray *fds, int *timeout_ms)
{
    NetSocket *ns = (NetSocket *)nb;
    ns->listen_slot = ns->fd_slot = G_MAXUINT;
    if (ns->fd >= 0) {
        short events = ns->connecting ? POLLOUT
                                      : (short)(POLLIN | (ns->out->len > 0 ? POLLOUT : 0));
        ns->fd_slot = add_fd(fds, ns->fd, events);
    } else if (ns->listen_fd >= 0) {
        ns->listen_slot = add_fd(fds, ns->listen_fd, POLLIN);
    } else {
        gint64 wait_ms = MAX(ns->retry_us - now_us(), 0) / 1000;
        if (*timeout_ms < 0 || wait_ms < *timeout_ms)
            *timeout_ms = (int)wait_ms;
    }
}

static void poll_done(NetBackend *nb, GArray *fds, gboolean failed)
{
    NetSocket *ns = (NetSocket *)nb;
    short revents = 0;
    if (failed)
        return;
    if (ns->fd_slot != G_MAXUINT)
        revents = g_array_index(fds, struct pollfd, ns->fd_slot).revents;
    if (ns->listen_slot != G_MAXUINT &&
        (g_array_index(fds, struct pollfd, ns->listen_slot).revents & POLLIN)) {
        int fd = accept4(ns->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd >= 0)
            linked(ns, fd);
    } else if (ns->fd < 0 && ns->listen_fd < 0 && !ns->dgram && now_us() >= ns->retry_us) {
        try_connect(ns);
    } else if (ns->connecting && revents) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(ns->fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err == 0) {
            linked(ns, ns->fd);
        } else {
            g_debug("[device.%s]: connect=%s: %s", nb->cfg->name, ns->addr, g_strerror(err));
            close(ns->fd);
            ns->fd = -1;
            ns->connecting = FALSE;
            ns->retry_us = now_us() + RETRY_MS * 1000;
        }
    } else if (ns->fd_slot != G_MAXUINT) {
        if (ns->dgram) {
            if (revents & POLLIN)
                read_dgram(ns);
            return;
        }
        if (revents & POLLIN)
            read_stream(ns);
        else if (revents & (POLLHUP | POLLERR))
            unlink_peer(ns, "the peer hung up");
        if (revents & POLLOUT)
            flush(ns);
    }
}

static void socket_free(NetBackend *nb)
{
    NetSocket *ns = (NetSocket *)nb;
    if (ns->fd >= 0)
        close(ns->fd);
    if (ns->listen_fd >= 0)
        close(ns->listen_fd);
    if (ns->made_path)
        unlink(ns->made_path);
    g_free(ns->made_path);
    g_free(ns->in);
    g_byte_array_unref(ns->out);
    g_free(ns);
}

static const NetBackendOps socket_ops = {
    .input = input,
    .poll_prepare = poll_prepare,
    .poll_done = poll_done,
    .free = socket_free,
};

NetBackend *net_socket_new(const CfgDevice *cfg, NetFrameFn to_guest, gpointer opaque,
                           GError **error)
{
    g_assert(cfg->netdev == CFG_NETDEV_STREAM || cfg->netdev == CFG_NETDEV_DGRAM);
    NetSocket *ns = g_new0(NetSocket, 1);
    ns->nb = (NetBackend){ .ops = &socket_ops, .cfg = cfg, .to_guest = to_guest,
                           .to_guest_opaque = opaque };
    ns->dgram = cfg->netdev == CFG_NETDEV_DGRAM;
    ns->listen_fd = ns->fd = -1;
    ns->in = g_malloc(IN_SIZE);
    ns->out = g_byte_array_new();
    gboolean ok;
    if (ns->dgram) {
        ns->addr_key = "local";
        ns->addr = cfg->net_local;
        ok = resolve(cfg, "remote", cfg->net_remote, SOCK_DGRAM, &ns->peer, &ns->peer_len,
                     error) &&
             (ns->fd = bound_socket(ns, "local", cfg->net_local, SOCK_DGRAM, error)) >= 0;
        ns->nb.link_up = TRUE; /* datagrams need no connection, as QEMU's */
    } else if (cfg->net_listen) {
        ns->addr_key = "listen";
        ns->addr = cfg->net_listen;
        ok = (ns->listen_fd = bound_socket(ns, "listen", cfg->net_listen, SOCK_STREAM, error)) >=
             0;
    } else {
        ns->addr_key = "connect";
        ns->addr = cfg->net_connect;
        ok = resolve(cfg, "connect", cfg->net_connect, SOCK_STREAM, &ns->peer, &ns->peer_len,
                     error);
        if (ok)
            try_connect(ns);
    }
    if (!ok) {
        socket_free(&ns->nb);
        return NULL;
    }
    return &ns->nb;
}
