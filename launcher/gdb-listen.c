/* SPDX-License-Identifier: MIT */
/* Where gdb connects: the endpoint's spelling (QEMU's -gdb tcp::PORT,
 * tcp:HOST:PORT, unix:PATH), checked before anything starts, and the
 * listening socket, made before anything starts too, so that a port in
 * use ends the run while there is nothing to tear down. */
#include "launcher/gdb.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define LISTEN_BACKLOG 1 /* one gdb at a time: a second waits in the queue */

static gboolean bad_spelling(const char *spec, const char *why, GError **error)
{
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                "--gdb %s: %s (expected tcp::PORT, tcp:HOST:PORT or unix:PATH)", spec, why);
    return FALSE;
}

gboolean launcher_gdb_endpoint_parse(const char *spec, LauncherGdbEndpoint *ep, GError **error)
{
    memset(ep, 0, sizeof(*ep));
    if (g_str_has_prefix(spec, "unix:")) {
        const char *path = spec + strlen("unix:");
        if (*path == '\0')
            return bad_spelling(spec, "no path", error);
        if (strlen(path) >= sizeof(((struct sockaddr_un *)NULL)->sun_path))
            return bad_spelling(spec, "the path is too long for a unix socket", error);
        ep->path = g_strdup(path);
        return TRUE;
    }
    if (!g_str_has_prefix(spec, "tcp:"))
        return bad_spelling(spec, "unknown kind of endpoint", error);
    const char *host = spec + strlen("tcp:");
    const char *colon = strrchr(host, ':');
    if (colon == NULL)
        return bad_spelling(spec, "no HOST:PORT after tcp: (tcp::PORT for localhost)", error);
    const char *port = colon + 1;
    char *end = NULL;
    errno = 0;
    guint64 n = g_ascii_strtoull(port, &end, 10);
    if (!g_ascii_isdigit(*port) || *end != '\0' || errno != 0 || n == 0 || n > 65535)
        return bad_spelling(spec, "the port is not a number 1..65535", error);
    gsize host_len = (gsize)(colon - host);
    gboolean bracketed = host_len >= 2 && host[0] == '[' && host[host_len - 1] == ']';
    if (bracketed) {
        host++;
        host_len -= 2;
    }
    if (memchr(host, '[', host_len) || memchr(host, ']', host_len) ||
        (!bracketed && memchr(host, ':', host_len)))
        return bad_spelling(spec, "an IPv6 host goes in brackets, tcp:[ADDRESS]:PORT", error);
    ep->host = host_len > 0 ? g_strndup(host, host_len) : NULL;
    ep->port = (guint)n;
    return TRUE;
}

void launcher_gdb_endpoint_clear(LauncherGdbEndpoint *ep)
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

/* A path that holds a socket nobody listens on any more (a run killed
 * before it could remove it) may go; anything else stays. */
static gboolean unix_path_free(const char *path, struct sockaddr_un *addr, GError **error)
{
    struct stat st;
    if (lstat(path, &st) != 0) {
        if (errno == ENOENT)
            return TRUE;
        set_errno_error(error, errno, "gdb endpoint %s", path);
        return FALSE;
    }
    if (!S_ISSOCK(st.st_mode)) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_EXIST,
                    "gdb endpoint %s exists and is not a socket", path);
        return FALSE;
    }
    int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (probe < 0) {
        set_errno_error(error, errno, "gdb endpoint %s: socket", path);
        return FALSE;
    }
    int r = connect(probe, (struct sockaddr *)addr, sizeof(*addr));
    int err = errno;
    close(probe);
    if (r == 0) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_EXIST,
                    "gdb endpoint %s is in use (something listens on it)", path);
        return FALSE;
    }
    if (err != ECONNREFUSED) {
        set_errno_error(error, err, "gdb endpoint %s", path);
        return FALSE;
    }
    if (unlink(path) != 0 && errno != ENOENT) {
        set_errno_error(error, errno, "gdb endpoint %s: removing a stale socket", path);
        return FALSE;
    }
    return TRUE;
}

static int listen_unix(const char *path, GError **error)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
    if (!unix_path_free(path, &addr, error))
        return -1;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        set_errno_error(error, errno, "gdb endpoint unix:%s: socket", path);
        return -1;
    }
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
        listen(fd, LISTEN_BACKLOG) != 0) {
        int err = errno;
        close(fd);
        set_errno_error(error, err, "gdb endpoint unix:%s", path);
        return -1;
    }
    return fd;
}

static int listen_tcp(const LauncherGdbEndpoint *ep, GError **error)
{
    g_autofree char *port = g_strdup_printf("%u", ep->port);
    g_autofree char *what = g_strdup_printf("tcp:%s:%u", ep->host ? ep->host : "", ep->port);
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE };
    struct addrinfo *found = NULL;
    /* no host: the loopback interface, where `target remote :PORT` looks */
    int r = getaddrinfo(ep->host ? ep->host : "127.0.0.1", port, &hints, &found);
    if (r != 0) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "gdb endpoint %s: %s", what,
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
        set_errno_error(error, err, "gdb endpoint %s", what);
    return fd;
}

int launcher_gdb_listen(const LauncherGdbEndpoint *ep, GError **error)
{
    return ep->path ? listen_unix(ep->path, error) : listen_tcp(ep, error);
}
