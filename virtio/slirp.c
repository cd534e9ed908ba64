/* SPDX-License-Identifier: MIT */
/* User-mode networking for virtio-net through libslirp, the library behind
 * QEMU's -netdev user: the guest's frames go into slirp's TCP/IP stack,
 * which opens host sockets for it and answers DHCP (10.0.2.15 for the
 * guest), DNS (10.0.2.3) and the gateway (10.0.2.2, the host's loopback).
 * Its sockets and timers wait in shoal-virtio's one loop beside the link. */
#include <arpa/inet.h>
#include <poll.h>
#include <string.h>

#include <slirp/libslirp.h>

#include "virtio/net.h"

typedef struct {
    SlirpTimerCb cb;
    void *cb_opaque;
    gint64 expire_ms; /* -1: not armed */
} Timer;

typedef struct {
    NetBackend nb; /* first: what net.c holds */
    Slirp *slirp;
    GPtrArray *timers; /* Timer* */
    GArray *fds;       /* the loop's pollfds while slirp fills them (poll_prepare) */
    guint fds_base;    /* where ours start in it */
} NetSlirp;

static gint64 now_ms(void)
{
    return g_get_monotonic_time() / 1000;
}

static ssize_t send_packet(const void *buf, size_t len, void *opaque)
{
    NetSlirp *ns = opaque;
    ns->nb.to_guest(ns->nb.to_guest_opaque, buf, len);
    return (ssize_t)len;
}

static void guest_error(const char *msg, void *opaque)
{
    NetSlirp *ns = opaque;
    g_message("[device.%s]: the guest's network: %s", ns->nb.cfg->name, msg);
}

static int64_t clock_get_ns(void *opaque)
{
    return g_get_monotonic_time() * 1000;
}

static void *timer_new(SlirpTimerCb cb, void *cb_opaque, void *opaque)
{
    NetSlirp *ns = opaque;
    Timer *t = g_new(Timer, 1);
    t->cb = cb;
    t->cb_opaque = cb_opaque;
    t->expire_ms = -1;
    g_ptr_array_add(ns->timers, t);
    return t;
}

static void timer_free(void *timer, void *opaque)
{
    NetSlirp *ns = opaque;
    g_ptr_array_remove_fast(ns->timers, timer);
}

static void timer_mod(void *timer, int64_t expire_time, void *opaque)
{
    ((Timer *)timer)->expire_ms = expire_time;
}

/* slirp tells us of its sockets at each poll_prepare; nothing to keep here. */
static void register_poll_fd(int fd, void *opaque)
{
}

static void unregister_poll_fd(int fd, void *opaque)
{
}

static void notify(void *opaque)
{
}

static const SlirpCb callbacks = {
    .send_packet = send_packet,
    .guest_error = guest_error,
    .clock_get_ns = clock_get_ns,
    .timer_new = timer_new,
    .timer_free = timer_free,
    .timer_mod = timer_mod,
    .register_poll_fd = register_poll_fd,
    .unregister_poll_fd = unregister_poll_fd,
    .notify = notify,
};

/* "tcp:[HOSTADDR]:PORT-[GUESTADDR]:PORT" (checked by the config) into slirp. */
static gboolean add_hostfwd(NetSlirp *ns, const char *rule, GError **error)
{
    gboolean udp = g_str_has_prefix(rule, "udp:");
    g_auto(GStrv) sides = g_strsplit(rule + 4, "-", 2);
    struct in_addr addr[2] = { { htonl(INADDR_ANY) }, { 0 } };
    int port[2];
    inet_pton(AF_INET, "10.0.2.15", &addr[1]);
    for (guint i = 0; i < 2; i++) {
        char *colon = strrchr(sides[i], ':');
        *colon = '\0';
        port[i] = atoi(colon + 1);
        if (sides[i][0] && inet_pton(AF_INET, sides[i], &addr[i]) != 1) {
            g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                        "[device.%s] hostfwd %s: \"%s\" is not an IPv4 address", ns->nb.cfg->name,
                        rule, sides[i]);
            return FALSE;
        }
    }
    if (slirp_add_hostfwd(ns->slirp, udp, addr[0], port[0], addr[1], port[1]) != 0) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_FAILED,
                    "[device.%s] hostfwd %s: cannot listen on host port %d (in use?)",
                    ns->nb.cfg->name, rule, port[0]);
        return FALSE;
    }
    return TRUE;
}

static void slirp_backend_free(NetBackend *nb)
{
    NetSlirp *ns = (NetSlirp *)nb;
    if (ns->slirp)
        slirp_cleanup(ns->slirp);
    g_ptr_array_unref(ns->timers);
    g_free(ns);
}

static void input(NetBackend *nb, const guint8 *frame, gsize len)
{
    slirp_input(((NetSlirp *)nb)->slirp, frame, (int)len);
}

static short to_poll(int slirp_events)
{
    return (short)(((slirp_events & SLIRP_POLL_IN) ? POLLIN : 0) |
                   ((slirp_events & SLIRP_POLL_OUT) ? POLLOUT : 0) |
                   ((slirp_events & SLIRP_POLL_PRI) ? POLLPRI : 0));
}

static int from_poll(short revents)
{
    return ((revents & POLLIN) ? SLIRP_POLL_IN : 0) | ((revents & POLLOUT) ? SLIRP_POLL_OUT : 0) |
           ((revents & POLLPRI) ? SLIRP_POLL_PRI : 0) | ((revents & POLLERR) ? SLIRP_POLL_ERR : 0) |
           ((revents & POLLHUP) ? SLIRP_POLL_HUP : 0);
}

static int add_poll(int fd, int events, void *opaque)
{
    NetSlirp *ns = opaque;
    struct pollfd p = { .fd = fd, .events = to_poll(events) };
    g_array_append_val(ns->fds, p);
    return (int)(ns->fds->len - 1 - ns->fds_base);
}

static int get_revents(int idx, void *opaque)
{
    NetSlirp *ns = opaque;
    return from_poll(g_array_index(ns->fds, struct pollfd, ns->fds_base + (guint)idx).revents);
}

static void poll_prepare(NetBackend *nb, GArray *fds, int *timeout_ms)
{
    NetSlirp *ns = (NetSlirp *)nb;
    guint32 timeout = *timeout_ms < 0 ? G_MAXUINT32 : (guint32)*timeout_ms;
    ns->fds = fds;
    ns->fds_base = fds->len;
    slirp_pollfds_fill(ns->slirp, &timeout, add_poll, ns);
    gint64 now = now_ms();
    for (guint i = 0; i < ns->timers->len; i++) {
        const Timer *t = g_ptr_array_index(ns->timers, i);
        if (t->expire_ms >= 0)
            timeout = (guint32)MIN((gint64)timeout, MAX(t->expire_ms - now, 0));
    }
    *timeout_ms = timeout == G_MAXUINT32 ? -1 : (int)MIN(timeout, (guint32)G_MAXINT);
}

static void poll_done(NetBackend *nb, GArray *fds, gboolean failed)
{
    NetSlirp *ns = (NetSlirp *)nb;
    ns->fds = fds;
    slirp_pollfds_poll(ns->slirp, failed, get_revents, ns);
    /* Timers that are due: each may re-arm (or free) timers, so look again
     * from the start after each. */
    gint64 now = now_ms();
    for (gboolean fired = TRUE; fired;) {
        fired = FALSE;
        for (guint i = 0; i < ns->timers->len; i++) {
            Timer *t = g_ptr_array_index(ns->timers, i);
            if (t->expire_ms >= 0 && t->expire_ms <= now) {
                t->expire_ms = -1;
                t->cb(t->cb_opaque);
                fired = TRUE;
                break;
            }
        }
    }
}

static const NetBackendOps slirp_ops = {
    .input = input,
    .poll_prepare = poll_prepare,
    .poll_done = poll_done,
    .free = slirp_backend_free,
};

NetBackend *net_slirp_new(const CfgDevice *cfg, NetFrameFn to_guest, gpointer opaque,
                          GError **error)
{
    NetSlirp *ns = g_new0(NetSlirp, 1);
    ns->nb = (NetBackend){ .ops = &slirp_ops, .cfg = cfg, .to_guest = to_guest,
                           .to_guest_opaque = opaque, .link_up = TRUE };
    ns->timers = g_ptr_array_new_with_free_func(g_free);
    /* QEMU's -netdev user defaults, so a guest configured for one works. */
    SlirpConfig sc = { .version = 4, .in_enabled = true, .vhostname = "shoal" };
    inet_pton(AF_INET, "10.0.2.0", &sc.vnetwork);
    inet_pton(AF_INET, "255.255.255.0", &sc.vnetmask);
    inet_pton(AF_INET, "10.0.2.2", &sc.vhost);
    inet_pton(AF_INET, "10.0.2.15", &sc.vdhcp_start);
    inet_pton(AF_INET, "10.0.2.3", &sc.vnameserver);
    ns->slirp = slirp_new(&sc, &callbacks, ns);
    for (guint i = 0; cfg->hostfwd && cfg->hostfwd[i]; i++) {
        g_autofree char *rule = g_strdup(cfg->hostfwd[i]);
        if (!add_hostfwd(ns, rule, error)) {
            slirp_backend_free(&ns->nb);
            return NULL;
        }
    }
    return &ns->nb;
}
