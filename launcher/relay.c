/* SPDX-License-Identifier: MIT */
/* The console relay: the guest's output to stdout and stdin to the guest,
 * without ever blocking in write. Output waits here until stdout can take
 * it (poll's POLLOUT, then at most PIPE_BUF bytes: a pipe with room takes
 * that much whole); what was written out is acknowledged to the memory
 * server (ConsoleAck), which sends only a window ahead of it; and while
 * RELAY_LIMIT bytes wait here the launcher stops reading the console, so a
 * slow reader slows the guest (docs/architecture.md, "Console flow") and a
 * signal is seen at once, whatever stdout does. */
#include "launcher/internal.h"

#include <errno.h>
#include <limits.h>
#include <unistd.h>

#define RELAY_LIMIT (64u * 1024) /* output held here before the console is left unread */
#define ACK_EVERY 4096u          /* bytes written out between acknowledgements */

struct LauncherRelay {
    IcConsole *console; /* not owned */
    GByteArray *out;    /* output not written to stdout yet */
    guint64 written;    /* output bytes written out in all (or dropped: stdout gone) */
    guint64 acked;      /* written, as last told to the server */
    gboolean stdout_gone;
    gboolean stdin_open;
};

LauncherRelay *launcher_relay_new(IcConsole *console)
{
    LauncherRelay *r = g_new0(LauncherRelay, 1);
    r->console = console;
    r->out = g_byte_array_new();
    r->stdin_open = TRUE;
    return r;
}

void launcher_relay_free(LauncherRelay *r)
{
    if (!r)
        return;
    g_byte_array_unref(r->out);
    g_free(r);
}

gboolean launcher_relay_wants_output(const LauncherRelay *r)
{
    return r->out->len < RELAY_LIMIT;
}

gboolean launcher_relay_drained(const LauncherRelay *r)
{
    return r->out->len == 0;
}

void launcher_relay_output(LauncherRelay *r, GBytes *bytes)
{
    gsize n;
    const guint8 *p = g_bytes_get_data(bytes, &n);
    g_byte_array_append(r->out, p, (guint)n);
}

guint launcher_relay_fds(const LauncherRelay *r, struct pollfd *fds)
{
    guint n = 0;
    if (r->stdin_open)
        fds[n++] = (struct pollfd){ .fd = STDIN_FILENO, .events = POLLIN };
    if (r->out->len > 0 && !r->stdout_gone)
        fds[n++] = (struct pollfd){ .fd = STDOUT_FILENO, .events = POLLOUT };
    return n;
}

static void acknowledge(LauncherRelay *r)
{
    if (r->written - r->acked < ACK_EVERY && (r->out->len > 0 || r->written == r->acked))
        return;
    g_autoptr(GError) error = NULL;
    if (!ic_console_ack(r->console, r->written, &error))
        g_debug("console ack: %s", error->message); /* the server is gone: nothing to slow */
    r->acked = r->written;
}

static void write_some(LauncherRelay *r)
{
    ssize_t w = write(STDOUT_FILENO, r->out->data, MIN(r->out->len, PIPE_BUF));
    if (w < 0 && (errno == EINTR || errno == EAGAIN))
        return;
    if (w <= 0) {
        /* stdout gone: the guest keeps running, its output is lost */
        g_debug("stdout: %s; guest output is dropped from now on",
                w < 0 ? g_strerror(errno) : "wrote nothing");
        r->stdout_gone = TRUE;
        w = (ssize_t)r->out->len;
    }
    g_byte_array_remove_range(r->out, 0, (guint)w);
    r->written += (guint64)w;
    acknowledge(r);
}

void launcher_relay_serve(LauncherRelay *r, const struct pollfd *fds, guint n_fds)
{
    for (guint i = 0; i < n_fds; i++) {
        if (fds[i].fd == STDOUT_FILENO && fds[i].revents) {
            write_some(r);
        } else if (fds[i].fd == STDIN_FILENO && fds[i].revents) {
            guint8 buf[4096];
            ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
            g_autoptr(GError) error = NULL;
            if (n > 0 && !ic_console_send_input(r->console, buf, (gsize)n, &error))
                g_warning("console input: %s", error->message);
            else if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
                r->stdin_open = FALSE; /* EOF: stop reading, keep running */
        }
    }
    if (r->stdout_gone && r->out->len > 0) {
        r->written += r->out->len;
        g_byte_array_set_size(r->out, 0);
        acknowledge(r);
    }
}

void launcher_relay_flush(LauncherRelay *r, int timeout_ms)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    while (r->out->len > 0 && !r->stdout_gone) {
        gint64 left = (deadline - g_get_monotonic_time()) / 1000;
        struct pollfd fd = { .fd = STDOUT_FILENO, .events = POLLOUT };
        if (left <= 0 || poll(&fd, 1, (int)left) <= 0)
            return;
        write_some(r);
    }
}
