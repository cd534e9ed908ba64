/* SPDX-License-Identifier: MIT */
/* A virtio-net card on a tap interface of the host (netdev=tap): the
 * guest's frames are the interface's, one frame per read() and write() of
 * /dev/net/tun opened with IFF_TAP | IFF_NO_PI (no packet-info header, no
 * virtio header: the card offers no offloads). The host sets the
 * interface up and bridges or routes it; shoal only attaches to it. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "virtio/net.h"

#define TUN_PATH "/dev/net/tun"
/* Frames read per wake-up: the link to the memory server gets its turn. */
#define READ_BUDGET 256u

typedef struct {
    NetBackend nb; /* first: what net.c holds */
    int fd;        /* /dev/net/tun attached to the interface */
    guint slot;    /* its place in the loop's pollfds */
    guint8 frame[NET_FRAME_MAX];
} NetTap;

static void input(NetBackend *nb, const guint8 *frame, gsize len)
{
    NetTap *nt = (NetTap *)nb;
    /* A full interface queue (EAGAIN) or an interface that is down (EIO)
     * drops the frame, as a cable would. */
    if (write(nt->fd, frame, len) < 0)
        g_debug("[device.%s]: a frame to tap %s lost: %s", nb->cfg->name,
                nb->cfg->tap_ifname ? nb->cfg->tap_ifname : "", g_strerror(errno));
}

static void poll_prepare(NetBackend *nb, GArray *fds, int *timeout_ms)
{
    NetTap *nt = (NetTap *)nb;
    struct pollfd p = { .fd = nt->fd, .events = POLLIN };
    g_array_append_val(fds, p);
    nt->slot = fds->len - 1;
}

static void poll_done(NetBackend *nb, GArray *fds, gboolean failed)
{
    NetTap *nt = (NetTap *)nb;
    if (failed || !(g_array_index(fds, struct pollfd, nt->slot).revents & POLLIN))
        return;
    for (guint i = 0; i < READ_BUDGET; i++) {
        ssize_t n = read(nt->fd, nt->frame, sizeof nt->frame);
        if (n <= 0)
            return; /* EAGAIN: all read */
        nb->to_guest(nb->to_guest_opaque, nt->frame, (gsize)n);
    }
}

static void tap_free(NetBackend *nb)
{
    NetTap *nt = (NetTap *)nb;
    if (nt->fd >= 0)
        close(nt->fd);
    g_free(nt);
}

static const NetBackendOps tap_ops = {
    .input = input,
    .poll_prepare = poll_prepare,
    .poll_done = poll_done,
    .free = tap_free,
};

NetBackend *net_tap_new(const CfgDevice *cfg, NetFrameFn to_guest, gpointer opaque,
                        GError **error)
{
    const char *name = cfg->tap_ifname ? cfg->tap_ifname : "";
    int fd = open(TUN_PATH, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e),
                    "[device.%s] netdev=tap: cannot open %s: %s (the host needs the tun "
                    "module, and the process read-write access to it)",
                    cfg->name, TUN_PATH, g_strerror(e));
        return NULL;
    }
    struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };
    g_strlcpy(ifr.ifr_name, name, sizeof ifr.ifr_name);
    if (ioctl(fd, TUNSETIFF, &ifr) != 0) {
        int e = errno;
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e),
                    "[device.%s] netdev=tap ifname=%s: cannot attach the tap: %s%s", cfg->name,
                    name, g_strerror(e),
                    e == EPERM ? " (it needs CAP_NET_ADMIN, or a tap made for this user "
                                 "beforehand: ip tuntap add dev NAME mode tap user USER)"
                    : e == EBUSY ? " (another process has it, or it is not a tap)"
                                 : "");
        close(fd);
        return NULL;
    }
    g_debug("[device.%s]: on tap %s", cfg->name, ifr.ifr_name);
    NetTap *nt = g_new0(NetTap, 1);
    nt->nb = (NetBackend){ .ops = &tap_ops, .cfg = cfg, .to_guest = to_guest,
                           .to_guest_opaque = opaque, .link_up = TRUE };
    nt->fd = fd;
    return &nt->nb;
}
