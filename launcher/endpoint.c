/* SPDX-License-Identifier: MIT */
/* Where gdb and monitor clients connect: the endpoint's spelling (QEMU's
 * -gdb tcp::PORT, tcp:HOST:PORT, unix:PATH), checked before anything
 * starts, and the listening socket, made before anything starts too, so
 * that a port in use ends the run while there is nothing to tear down;
 * then the bytes to and from a connection, never blocking the debugger's
 * thread for long. */
#include "launcher/endpoint.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define LISTEN_BACKLOG 1 /* gdb: one at a time, a second waits in the queue */

static gboolean bad_spelling(const char *option, const char *spec, gboolean unix_only,
                             const char *why, GError **error)
{
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s %s: %s (expected %s)", option, spec,
                why, unix_only ? "unix:PATH" : "tcp::PORT, tcp:HOST:PORT or unix:PATH");
    return FALSE;
}

gboolean launcher_endpoint_parse(const char *option, const char *spec, gboolean unix_only,
                                 LauncherEndpoint *ep, GError **error)
{
    memset(ep, 0, sizeof(*ep));
    ep->option = option;
    if (g_str_has_prefix(spec, "unix:")) {
        const char *path = spec + strlen("unix:");
        if (*path == '\0')
            return bad_spelling(option, spec, unix_only, "no path", error);
        if (strlen(path) >= sizeof(((struct sockaddr_un *)NULL)->sun_path))
            return bad_spelling(option, spec, unix_only, "the path is too long for a unix socket",
                                error);
        ep->path = g_strdup(path);
        return TRUE;
    }
    if (unix_only || !g_str_has_prefix(spec, "tcp:"))
        return bad_spelling(option, spec, unix_only, "unknown kind of endpoint", error);
    const char *host = spec + strlen("tcp:");
    const char *colon = strrchr(host, ':');
    if (colon == NULL)
        return bad_spelling(option, spec, FALSE,
                            "no HOST:PORT after tcp: (tcp::PORT for localhost)", error);
    const char *port = colon + 1;
    char *end = NULL;
    errno = 0;
    guint64 n = g_ascii_strtoull(port, &end, 10);
    if (!g_ascii_isdigit(*port) || *end != '\0' || errno != 0 || n == 0 || n > 65535)
        return bad_spelling(option, spec, FALSE, "the port is not a number 1..65535", error);
    gsize host_len = (gsize)(colon - host);
    gboolean bracketed = host_len >= 2 && host[0] == '[' && host[host_len - 1] == ']';
    if (bracketed) {
        host++;
        host_len -= 2;
    }
    if (memchr(host, '[', host_len) || memchr(host, ']', host_len) ||
        (!bracketed && memchr(host, ':', host_len)))
        return bad_spelling(option, spec, FALSE,
                            "an IPv6 host goes in brackets, tcp:[ADDRESS]:PORT", error);
    ep->host = host_len > 0 ? g_strndup(host, host_len) : NULL;
    ep->port = (guint)n;
    return TRUE;
}

void launcher_endpoint_clear(LauncherEndpoint *ep)
{
    g_clear_pointer(&ep->path, g_free);
    g_clear_pointer(&ep->host, g_free);
    ep->port = 0;
}

G_GNUC_PRINTF(3, 4)
static void set_errno_error(GError **error, int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *what = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err), "%s: %s", what,
                g_strerror(err));
}

/* "gdb" for --gdb's endpoint: what the messages call it. */
static const char *noun(const LauncherEndpoint *ep)
{
    return ep->option ? ep->option + strspn(ep->option, "-") : "the";
}

/* A path that holds a socket nobody listens on any more (a run killed
 * before it could remove it) may go; anything else stays. */
static gboolean unix_path_free(const LauncherEndpoint *ep, struct sockaddr_un *addr,
                               GError **error)
{
    const char *path = ep->path;
    struct stat st;
    if (lstat(path, &st) != 0) {
        if (errno == ENOENT)
            return TRUE;
        set_errno_error(error, errno, "%s endpoint %s", noun(ep), path);
        return FALSE;
    }
    if (!S_ISSOCK(st.st_mode)) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_EXIST,
                    "%s endpoint %s exists and is not a socket", noun(ep), path);
        return FALSE;
    }
    int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (probe < 0) {
        set_errno_error(error, errno, "%s endpoint %s: socket", noun(ep), path);
        return FALSE;
    }
    int r = connect(probe, (struct sockaddr *)addr, sizeof(*addr));
    int err = errno;
    close(probe);
    if (r == 0) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_EXIST,
                    "%s endpoint %s is in use (something listens on it)", noun(ep), path);
        return FALSE;
    }
    if (err != ECONNREFUSED) {
        set_errno_error(error, err, "%s endpoint %s", noun(ep), path);
        return FALSE;
    }
    if (unlink(path) != 0 && errno != ENOENT) {
        set_errno_error(error, errno, "%s endpoint %s: removing a stale socket", noun(ep), path);
        return FALSE;
    }
    return TRUE;
}

static int listen_unix(const LauncherEndpoint *ep, GError **error)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    g_strlcpy(addr.sun_path, ep->path, sizeof(addr.sun_path));
    if (!unix_path_free(ep, &addr, error))
        return -1;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        set_errno_error(error, errno, "%s endpoint unix:%s: socket", noun(ep), ep->path);
        return -1;
    }
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
        listen(fd, LISTEN_BACKLOG) != 0) {
        int err = errno;
        close(fd);
        set_errno_error(error, err, "%s endpoint unix:%s", noun(ep), ep->path);
        return -1;
    }
    return fd;
}

static int listen_tcp(const LauncherEndpoint *ep, GError **error)
{
    g_autofree char *port = g_strdup_printf("%u", ep->port);
    g_autofree char *what = g_strdup_printf("tcp:%s:%u", ep->host ? ep->host : "", ep->port);
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE };
    struct addrinfo *found = NULL;
    /* no host: the loopback interface, where `target remote :PORT` looks */
    int r = getaddrinfo(ep->host ? ep->host : "127.0.0.1", port, &hints, &found);
    if (r != 0) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s endpoint %s: %s", noun(ep), what,
                    r == EAI_SYSTEM ? g_strerror(errno) : gai_strerror(r));
        return -1;
    }
    int fd = -1, err = EADDRNOTAVAIL;
    for (struct addrinfo *ai = found; ai && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                    ai->ai_protocol);
        if (fd < 0) {
            err = errno;
            continue;
        }
        /* a gdb connection of the last run in TIME_WAIT must not hold the
         * port; a listener does, whatever this says */
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, LISTEN_BACKLOG) != 0) {
            err = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(found);
    if (fd < 0)
        set_errno_error(error, err, "%s endpoint %s", noun(ep), what);
    return fd;
}

int launcher_endpoint_listen(const LauncherEndpoint *ep, GError **error)
{
    return ep->path ? listen_unix(ep, error) : listen_tcp(ep, error);
}

/* ---- A connection's bytes ----------------------------------------------- */

gboolean launcher_socket_read(int fd, GByteArray *in)
{
    guint8 buf[4096];
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
        return TRUE;
    if (n <= 0)
        return FALSE;
    g_byte_array_append(in, buf, (guint)n);
    return TRUE;
}

gboolean launcher_socket_flush(int fd, GString *out, int timeout_ms)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    while (out->len > 0) {
        ssize_t n = send(fd, out->str, out->len, MSG_NOSIGNAL);
        if (n > 0) {
            g_string_erase(out, 0, n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
            return FALSE;
        gint64 left = (deadline - g_get_monotonic_time()) / 1000;
        struct pollfd pfd = { .fd = fd, .events = POLLOUT };
        if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
            return out->len < LAUNCHER_SOCKET_MAX_UNSENT;
    }
    return TRUE;
}
