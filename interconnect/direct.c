/* SPDX-License-Identifier: MIT */
/* Direct links: unix SOCK_SEQPACKET sockets between the memory server and
 * the processes of its host, one packed Envelope per packet. The threads
 * that use a connection read and write it themselves, so a message costs
 * one wake-up of the receiving thread; ZeroMQ's I/O thread costs two more
 * each way (bench/page-rtt compares them). Packets keep their boundaries
 * and their order, and the kernel queues them: nothing is dropped. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "interconnect/internal.h"

#define SOCKET_BUFFER (4 * 1024 * 1024) /* asked for; the kernel caps it (wmem_max) */
#define CONNECT_RETRY_MS 5              /* the server may not have bound yet */

static gboolean fail(GError **error, int e, const char *what, const char *path)
{
    g_set_error(error, IC_ERROR, IC_ERROR_TRANSPORT, "%s %s: %s", what, path, g_strerror(e));
    return FALSE;
}

static gboolean fill_address(struct sockaddr_un *a, const char *path, GError **error)
{
    *a = (struct sockaddr_un){ .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof a->sun_path) {
        g_set_error(error, IC_ERROR, IC_ERROR_TRANSPORT,
                    "socket path %s is too long for a unix socket; use a shorter --run-dir", path);
        return FALSE;
    }
    strcpy(a->sun_path, path);
    return TRUE;
}

static void size_buffers(int fd)
{
    int size = SOCKET_BUFFER;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
}

char *ic_direct_path(const char *ipc_path)
{
    return g_strconcat(ipc_path, ".link", NULL);
}

int ic_direct_listen(const char *path, GError **error)
{
    struct sockaddr_un a;
    if (!fill_address(&a, path, error))
        return -1;
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return fail(error, errno, "socket for", path), -1;
    unlink(path); /* a stale socket from a killed run */
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 64) < 0) {
        int e = errno;
        close(fd);
        return fail(error, e, "cannot listen on", path), -1;
    }
    return fd;
}

int ic_direct_accept(int listen_fd)
{
    int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0)
        size_buffers(fd);
    return fd;
}

int ic_direct_connect(const char *path, int timeout_ms, GError **error)
{
    struct sockaddr_un a;
    if (!fill_address(&a, path, error))
        return -1;
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    for (;;) {
        int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return fail(error, errno, "socket for", path), -1;
        size_buffers(fd);
        if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0)
            return fd;
        int e = errno;
        close(fd);
        /* Processes start together: the server may not listen yet. */
        if ((e != ENOENT && e != ECONNREFUSED && e != EINTR) ||
            g_get_monotonic_time() >= deadline) {
            return fail(error, e, "cannot connect to", path), -1;
        }
        g_usleep(CONNECT_RETRY_MS * 1000);
    }
}

/* The descriptor passed with a packet (the last, if a peer sent more: the
 * others are closed), or -1. */
static int passed_fd(struct msghdr *m)
{
    int fd = -1;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        gsize n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (gsize i = 0; i < n; i++) {
            if (fd >= 0)
                close(fd);
            memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
        }
    }
    return fd;
}

IcDirectRecv ic_direct_recv_fd(int fd, guint8 *buf, gsize cap, gsize *len, int *passed)
{
    *passed = -1;
    for (;;) {
        union {
            struct cmsghdr align;
            char buf[CMSG_SPACE(4 * sizeof(int))];
        } control;
        struct iovec iov = { buf, cap };
        struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                            .msg_controllen = sizeof control.buf };
        /* MSG_TRUNC: the packet's real length, so a too big one is seen. */
        ssize_t n = recvmsg(fd, &m, MSG_DONTWAIT | MSG_TRUNC | MSG_CMSG_CLOEXEC);
        if (n >= 0)
            *passed = passed_fd(&m);
        if (n > 0) {
            *len = (gsize)n;
            return (gsize)n > cap ? IC_DIRECT_TOO_BIG : IC_DIRECT_MESSAGE;
        }
        if (n == 0)
            return IC_DIRECT_CLOSED; /* seqpacket: EOF (empty packets are never sent) */
        if (errno == EINTR)
            continue;
        return errno == EAGAIN || errno == EWOULDBLOCK ? IC_DIRECT_NONE : IC_DIRECT_CLOSED;
    }
}

IcDirectRecv ic_direct_recv(int fd, guint8 *buf, gsize cap, gsize *len)
{
    int passed;
    IcDirectRecv r = ic_direct_recv_fd(fd, buf, cap, len, &passed);
    if (passed >= 0)
        close(passed); /* nobody asked for one */
    return r;
}

const char ic_direct_rings_offer[IC_DIRECT_RINGS_OFFER_LEN] = "shoal-rings/1";

gboolean ic_direct_offer_rings(int fd, int rings_fd)
{
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int))];
    } control;
    memset(&control, 0, sizeof control);
    struct iovec iov = { (void *)ic_direct_rings_offer, IC_DIRECT_RINGS_OFFER_LEN };
    struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                        .msg_controllen = sizeof control.buf };
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &rings_fd, sizeof rings_fd);
    ssize_t n;
    do {
        n = sendmsg(fd, &m, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    return n == IC_DIRECT_RINGS_OFFER_LEN;
}

int ic_direct_send(int fd, const void *data, gsize len, gboolean block)
{
    for (;;) {
        ssize_t n = send(fd, data, len, MSG_NOSIGNAL | (block ? 0 : MSG_DONTWAIT));
        if (n >= 0)
            return 1; /* a packet goes whole or not at all */
        if (errno == EINTR)
            continue;
        if (!block && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        return -1;
    }
}

gboolean ic_direct_wait_writable(int fd, int timeout_ms)
{
    struct pollfd p = { .fd = fd, .events = POLLOUT };
    return poll(&p, 1, timeout_ms) > 0 && (p.revents & POLLOUT);
}
