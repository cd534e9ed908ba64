/* SPDX-License-Identifier: MIT */
/* Where gdb (--gdb) and monitor clients (--monitor) connect, and the bytes
 * to and from one connection (launcher/endpoint.c). No machine here. */
#ifndef SHOAL_LAUNCHER_ENDPOINT_H
#define SHOAL_LAUNCHER_ENDPOINT_H

#include <glib.h>

/* As QEMU's -gdb spells them: tcp::PORT (on the loopback interface only:
 * whoever connects may read and write guest memory), tcp:HOST:PORT (HOST
 * may be [IPV6]), unix:PATH. */
typedef struct {
    const char *option; /* "--gdb", "--monitor": how messages name it (static) */
    char *path;         /* unix:PATH, else NULL */
    char *host;         /* tcp: NULL for the loopback interface */
    guint port;         /* tcp: 1..65535 */
} LauncherEndpoint;

/* @spec, given to @option, into @ep (cleared first; clear it after); FALSE
 * + a message saying what is expected. @unix_only: unix:PATH alone will do.
 * No I/O. */
gboolean launcher_endpoint_parse(const char *option, const char *spec, gboolean unix_only,
                                 LauncherEndpoint *ep, GError **error);
void launcher_endpoint_clear(LauncherEndpoint *ep);
/* A listening, close-on-exec, non-blocking socket on @ep, or -1 + error
 * (a port in use, a unix path that someone listens on or that is not a
 * socket). A unix socket left by a run that is gone is replaced. */
int launcher_endpoint_listen(const LauncherEndpoint *ep, GError **error);

/* What a peer may leave unread before it counts as gone. */
#define LAUNCHER_SOCKET_MAX_UNSENT (1u << 20)

/* Appends what non-blocking @fd has now to @in: FALSE if the peer is gone
 * (end of file or an error). */
gboolean launcher_socket_read(int fd, GByteArray *in);
/* Writes @out to non-blocking @fd as far as it takes it now (@timeout_ms
 * 0) or within @timeout_ms, and erases what went. FALSE if the peer is
 * gone, or left LAUNCHER_SOCKET_MAX_UNSENT bytes unread. */
gboolean launcher_socket_flush(int fd, GString *out, int timeout_ms);

#endif /* SHOAL_LAUNCHER_ENDPOINT_H */
