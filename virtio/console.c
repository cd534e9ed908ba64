/* SPDX-License-Identifier: MIT */
/* virtio-console (virtio 1.2, 5.3): one port, a second console beside the
 * UART (Linux's /dev/hvc0), carried to a unix socket on the host that one
 * client at a time may connect to (`socat - UNIX-CONNECT:PATH`), as
 * QEMU's -chardev socket,server=on. What the guest writes while nobody is
 * connected waits (up to HOLD bytes, then the oldest goes), so a client
 * that comes late still sees the start; what the client writes waits in
 * the socket until the guest posts receive buffers. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "virtio/virtio.h"

#define VIRTIO_ID_CONSOLE 3u
#define RX_QUEUE 0u
#define TX_QUEUE 1u
#define HOLD (64u * 1024u)
#define CHUNK 4096u

typedef struct {
    int listen_fd;
    int client_fd;       /* -1: nobody connected */
    GByteArray *held;    /* output waiting for a client */
    guint listen_slot, client_slot; /* their places in the loop's pollfds, G_MAXUINT: none */
    guint8 in[CHUNK];    /* bytes from the client not yet in a receive buffer */
    gsize in_len;
} Console;

static guint64 console_features(VirtioDev *dev)
{
    return 0; /* one port, no size or emergency write */
}

static gboolean console_config_read(VirtioDev *dev, guint off, guint size, guint32 *value)
{
    return FALSE;
}

static void drop_client(Console *con)
{
    if (con->client_fd >= 0)
        close(con->client_fd);
    con->client_fd = -1;
}

/* Sends what is held to the client; what it cannot take now stays. */
static void flush_held(Console *con)
{
    while (con->client_fd >= 0 && con->held->len > 0) {
        ssize_t n = send(con->client_fd, con->held->data, con->held->len,
                         MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0) {
            g_byte_array_remove_range(con->held, 0, (guint)n);
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            return;
        } else {
            drop_client(con);
        }
    }
}

static void hold(Console *con, const guint8 *data, gsize len)
{
    g_byte_array_append(con->held, data, (guint)len);
    if (con->held->len > HOLD)
        g_byte_array_remove_range(con->held, 0, con->held->len - HOLD);
}

static guint32 transmit(VirtioDev *dev, guint q, const VirtioChain *chain)
{
    Console *con = dev->backend;
    guint8 buf[CHUNK];
    gsize total = virtio_chain_readable(chain);
    for (gsize off = 0; off < total;) {
        gssize n = virtio_chain_read(dev, chain, off, buf, MIN(sizeof buf, total - off));
        if (n <= 0)
            break; /* outside RAM: the rest is lost */
        hold(con, buf, (gsize)n);
        off += (gsize)n;
    }
    flush_held(con);
    return 0;
}

static gboolean has_input(VirtioDev *dev)
{
    Console *con = dev->backend;
    return con->in_len > 0;
}

static guint32 receive(VirtioDev *dev, guint q, const VirtioChain *chain)
{
    Console *con = dev->backend;
    gsize n = MIN(con->in_len, virtio_chain_writable(chain));
    gssize put = virtio_chain_write(dev, chain, 0, con->in, n);
    if (put <= 0)
        return 0;
    memmove(con->in, con->in + put, con->in_len - (gsize)put);
    con->in_len -= (gsize)put;
    return (guint32)put;
}

static void deliver(VirtioDev *dev)
{
    if (has_input(dev) && !virtio_dev_broken(dev) && (dev->status & VIRTIO_STATUS_DRIVER_OK) &&
        dev->queues[RX_QUEUE].ready)
        virtq_serve_while(dev, RX_QUEUE, receive, has_input);
}

static void console_notified(VirtioDev *dev, guint q)
{
    if (q == TX_QUEUE)
        virtq_serve(dev, TX_QUEUE, transmit);
    deliver(dev);
}

static guint add_fd(GArray *fds, int fd, short events)
{
    struct pollfd p = { .fd = fd, .events = events };
    g_array_append_val(fds, p);
    return fds->len - 1;
}

static void console_poll_prepare(VirtioDev *dev, GArray *fds, int *timeout_ms)
{
    Console *con = dev->backend;
    con->listen_slot = con->client_slot = G_MAXUINT;
    if (con->client_fd < 0) {
        con->listen_slot = add_fd(fds, con->listen_fd, POLLIN);
        return;
    }
    /* Input only while there is room for it: the rest waits in the socket. */
    short events = (short)((con->in_len < sizeof con->in ? POLLIN : 0) |
                           (con->held->len > 0 ? POLLOUT : 0));
    con->client_slot = add_fd(fds, con->client_fd, events);
}

static void console_poll_done(VirtioDev *dev, GArray *fds, gboolean failed)
{
    Console *con = dev->backend;
    if (con->listen_slot != G_MAXUINT &&
        (g_array_index(fds, struct pollfd, con->listen_slot).revents & POLLIN)) {
        con->client_fd = accept4(con->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
        flush_held(con);
    }
    if (con->client_slot != G_MAXUINT) {
        short revents = g_array_index(fds, struct pollfd, con->client_slot).revents;
        if (revents & POLLIN) {
            ssize_t n = recv(con->client_fd, con->in + con->in_len,
                             sizeof con->in - con->in_len, MSG_DONTWAIT);
            if (n > 0)
                con->in_len += (gsize)n;
            else if (n == 0 || (errno != EAGAIN && errno != EINTR))
                drop_client(con); /* gone: the next one may connect */
        } else if (revents & (POLLHUP | POLLERR)) {
            drop_client(con);
        }
        if (revents & POLLOUT)
            flush_held(con);
    }
    deliver(dev);
}

static void console_free(VirtioDev *dev)
{
    Console *con = dev->backend;
    drop_client(con);
    close(con->listen_fd);
    unlink(dev->cfg->socket);
    g_byte_array_unref(con->held);
    g_free(con);
}

static const VirtioDevOps console_ops = {
    .device_id = VIRTIO_ID_CONSOLE,
    .n_queues = 2,
    .features = console_features,
    .config_read = console_config_read,
    .notified = console_notified,
    .poll_prepare = console_poll_prepare,
    .poll_done = console_poll_done,
    .free = console_free,
};

VirtioDev *virtio_console_new(const CfgDevice *cfg, const VirtioHost *host,
                              gpointer host_opaque, GError **error)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (strlen(cfg->socket) >= sizeof sa.sun_path) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NAMETOOLONG,
                    "[device.%s] socket %s: longer than a unix socket's path may be", cfg->name,
                    cfg->socket);
        return NULL;
    }
    strcpy(sa.sun_path, cfg->socket);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    unlink(cfg->socket); /* a previous run's */
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 1) != 0) {
        int e = errno;
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "[device.%s] socket %s: %s",
                    cfg->name, cfg->socket, g_strerror(e));
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    Console *con = g_new0(Console, 1);
    con->listen_fd = fd;
    con->client_fd = -1;
    con->held = g_byte_array_new();
    return virtio_dev_new(&console_ops, cfg, host, host_opaque, con);
}
