/* SPDX-License-Identifier: MIT */
/* virtio-net (virtio 1.2, 5.1): one receive and one transmit queue, the MAC
 * and link status in config space, no offloads (every frame whole, with a
 * header of zeros), frames carried by the backend `netdev=` names (net.h):
 * user-mode networking, a stream or datagram link to a peer, or a tap. */
#include <string.h>

#include "virtio/net.h"
#include "virtio/virtio.h"

#define VIRTIO_ID_NET 1u
#define VIRTIO_NET_F_MAC 5
#define VIRTIO_NET_F_STATUS 16
#define VIRTIO_NET_S_LINK_UP 1u

#define RX_QUEUE 0u
#define TX_QUEUE 1u
/* struct virtio_net_hdr_v1: with VERSION_1 it always has num_buffers. */
#define NET_HDR 12u
#define NUM_BUFFERS_OFFSET 10u
/* The largest frame either way: no TSO, so an MTU of 1500 and its header,
 * with room for a VLAN tag. */
#define FRAME_MAX 1518u
/* Frames kept for the guest while it has no receive buffer: beyond that
 * they are dropped, as a real card drops them (TCP sends them again). */
#define RX_BACKLOG 256u

#define CONFIG_MAC 0u
#define CONFIG_STATUS 6u
#define CONFIG_SIZE 8u

typedef struct {
    VirtioDev *dev;      /* the card this is the state of */
    NetBackend *backend; /* what carries its frames */
    GQueue *backlog;     /* GBytes*: frames for the guest, oldest first */
    guint8 config[CONFIG_SIZE];
    guint8 frame[NET_HDR + FRAME_MAX];
} Net;

static guint64 net_features(VirtioDev *dev)
{
    return (G_GUINT64_CONSTANT(1) << VIRTIO_NET_F_MAC) |
           (G_GUINT64_CONSTANT(1) << VIRTIO_NET_F_STATUS);
}

static gboolean net_config_read(VirtioDev *dev, guint off, guint size, guint32 *value)
{
    Net *net = dev->backend;
    if (off >= CONFIG_SIZE || size > CONFIG_SIZE - off)
        return FALSE;
    guint32 v = 0;
    memcpy(&v, net->config + off, size);
    *value = GUINT32_FROM_LE(v);
    return TRUE;
}

static guint32 transmit(VirtioDev *dev, guint q, const VirtioChain *chain)
{
    Net *net = dev->backend;
    gsize len = virtio_chain_readable(chain);
    if (len <= NET_HDR || len > sizeof net->frame) {
        g_debug("[device.%s]: dropped a frame of %" G_GSIZE_FORMAT " bytes with its header",
                dev->cfg->name, len);
        return 0;
    }
    if (virtio_chain_read(dev, chain, 0, net->frame, len) != (gssize)len)
        return 0; /* outside RAM: nothing sent */
    net->backend->ops->input(net->backend, net->frame + NET_HDR, len - NET_HDR);
    return 0;
}

static gboolean has_backlog(VirtioDev *dev)
{
    Net *net = dev->backend;
    return !g_queue_is_empty(net->backlog);
}

static guint32 receive(VirtioDev *dev, guint q, const VirtioChain *chain)
{
    Net *net = dev->backend;
    g_autoptr(GBytes) frame = g_queue_pop_head(net->backlog);
    gsize len;
    const guint8 *data = g_bytes_get_data(frame, &len);
    if (virtio_chain_writable(chain) < NET_HDR + len)
        return 0; /* a buffer too small for it: the frame is lost */
    guint8 hdr[NET_HDR] = { 0 };
    hdr[NUM_BUFFERS_OFFSET] = 1; /* little-endian 1 */
    if (virtio_chain_write(dev, chain, 0, hdr, sizeof hdr) != (gssize)sizeof hdr ||
        virtio_chain_write(dev, chain, NET_HDR, data, len) != (gssize)len)
        return 0;
    return (guint32)(NET_HDR + len);
}

/* Hands the backlog to the receive buffers the guest has posted. */
static void deliver(VirtioDev *dev)
{
    if (!virtio_dev_broken(dev) && (dev->status & VIRTIO_STATUS_DRIVER_OK) &&
        dev->queues[RX_QUEUE].ready && has_backlog(dev))
        virtq_serve_while(dev, RX_QUEUE, receive, has_backlog);
}

/* The backend's link as the driver sees it: a change is a config change
 * (5.1.4.2), which Linux answers by reading the status and setting the
 * carrier. */
static void follow_link(VirtioDev *dev)
{
    Net *net = dev->backend;
    guint8 status = net->backend->link_up ? VIRTIO_NET_S_LINK_UP : 0;
    if (net->config[CONFIG_STATUS] == status)
        return;
    net->config[CONFIG_STATUS] = status;
    g_debug("[device.%s]: link %s", dev->cfg->name, status ? "up" : "down");
    virtio_dev_config_changed(dev);
}

static void net_notified(VirtioDev *dev, guint q)
{
    /* Frames the guest sends may be answered at once (ARP, DHCP): they wait
     * in the backlog until the transmit queue is served, then go. */
    if (q == TX_QUEUE)
        virtq_serve(dev, TX_QUEUE, transmit);
    follow_link(dev); /* a send may have found the peer gone */
    deliver(dev);
}

static void to_guest(gpointer opaque, const guint8 *frame, gsize len)
{
    Net *net = opaque;
    if (len > FRAME_MAX || g_queue_get_length(net->backlog) >= RX_BACKLOG)
        return;
    g_queue_push_tail(net->backlog, g_bytes_new(frame, len));
}

static void net_poll_prepare(VirtioDev *dev, GArray *fds, int *timeout_ms)
{
    Net *net = dev->backend;
    net->backend->ops->poll_prepare(net->backend, fds, timeout_ms);
}

static void net_poll_done(VirtioDev *dev, GArray *fds, gboolean failed)
{
    Net *net = dev->backend;
    net->backend->ops->poll_done(net->backend, fds, failed);
    follow_link(dev);
    deliver(dev);
}

static void net_free(VirtioDev *dev)
{
    Net *net = dev->backend;
    net_backend_free(net->backend);
    g_queue_free_full(net->backlog, (GDestroyNotify)g_bytes_unref);
    g_free(net);
}

static const VirtioDevOps net_ops = {
    .device_id = VIRTIO_ID_NET,
    .n_queues = 2,
    .features = net_features,
    .config_read = net_config_read,
    .notified = net_notified,
    .poll_prepare = net_poll_prepare,
    .poll_done = net_poll_done,
    .free = net_free,
};

NetBackend *net_backend_new(const CfgDevice *cfg, NetFrameFn to_guest, gpointer opaque,
                            GError **error)
{
    switch (cfg->netdev) {
    case CFG_NETDEV_USER: return net_slirp_new(cfg, to_guest, opaque, error);
    case CFG_NETDEV_STREAM:
    case CFG_NETDEV_DGRAM: return net_socket_new(cfg, to_guest, opaque, error);
    case CFG_NETDEV_TAP: return net_tap_new(cfg, to_guest, opaque, error);
    }
    g_assert_not_reached();
}

void net_backend_free(NetBackend *nb)
{
    if (nb)
        nb->ops->free(nb);
}

VirtioDev *virtio_net_new(const CfgDevice *cfg, const VirtioHost *host, gpointer host_opaque,
                          GError **error)
{
    Net *net = g_new0(Net, 1);
    net->backlog = g_queue_new();
    memcpy(net->config + CONFIG_MAC, cfg->mac, 6);
    net->backend = net_backend_new(cfg, to_guest, net, error);
    if (!net->backend) {
        g_queue_free(net->backlog);
        g_free(net);
        return NULL;
    }
    /* The link as the backend has it now: up for user networking and a tap,
     * down for a link until its peer is there. */
    net->config[CONFIG_STATUS] = net->backend->link_up ? VIRTIO_NET_S_LINK_UP : 0;
    net->dev = virtio_dev_new(&net_ops, cfg, host, host_opaque, net);
    return net->dev;
}
