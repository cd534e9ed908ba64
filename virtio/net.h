/* SPDX-License-Identifier: MIT */
/* A network card's host side, its backend: what carries virtio-net's frames
 * (`netdev=`). net.c holds one NetBackend and knows only the ops below;
 * slirp.c (user), net-socket.c (stream, dgram) and tap.c implement them.
 * Everything runs on shoal-virtio's one thread and never blocks. */
#ifndef SHOAL_VIRTIO_NET_H
#define SHOAL_VIRTIO_NET_H

#include <glib.h>

#include "config/cfg.h"

/* The largest frame a backend takes from a peer or a tap: an IP packet of
 * 64 KiB with its Ethernet header and a VLAN tag. The card itself carries
 * frames up to 1518 bytes (net.c FRAME_MAX) and drops longer ones. */
#define NET_FRAME_MAX (65535u + 18u)

/* An Ethernet frame for the guest (no virtio header), copied before return. */
typedef void (*NetFrameFn)(gpointer opaque, const guint8 *frame, gsize len);

typedef struct NetBackend NetBackend;

typedef struct {
    /* A frame from the guest: sent, queued or dropped (a link that is down
     * or full drops it, as a cable would); never blocks. */
    void (*input)(NetBackend *nb, const guint8 *frame, gsize len);
    /* Its fds into @fds (struct pollfd, appended), its next timer lowers
     * *@timeout_ms (-1: none); then, after the wait, what they say (@failed:
     * the wait failed) and the timers that are due. */
    void (*poll_prepare)(NetBackend *nb, GArray *fds, int *timeout_ms);
    void (*poll_done)(NetBackend *nb, GArray *fds, gboolean failed);
    void (*free)(NetBackend *nb);
} NetBackendOps;

/* What every backend starts with; the card reads link_up after each call
 * and tells the driver when it changed (VIRTIO_NET_S_LINK_UP). */
struct NetBackend {
    const NetBackendOps *ops;
    const CfgDevice *cfg;      /* [device.NAME]: names it in messages; outlives it */
    NetFrameFn to_guest;       /* frames for the guest, from poll_done or input */
    gpointer to_guest_opaque;
    gboolean link_up;          /* a peer is there (user and tap: always) */
};

/* The backend [device.NAME] netdev= asks for, its sockets open (user: its
 * hostfwd ports; stream: listening, or a first connection attempt made;
 * dgram: bound; tap: the interface attached). NULL + error naming the
 * device and key if that fails. Frames for the guest go to @to_guest. */
NetBackend *net_backend_new(const CfgDevice *cfg, NetFrameFn to_guest, gpointer opaque,
                            GError **error);
void net_backend_free(NetBackend *nb);

/* The constructors net_backend_new picks from; same contract. */
NetBackend *net_slirp_new(const CfgDevice *cfg, NetFrameFn to_guest, gpointer opaque,
                          GError **error);
NetBackend *net_socket_new(const CfgDevice *cfg, NetFrameFn to_guest, gpointer opaque,
                           GError **error);
NetBackend *net_tap_new(const CfgDevice *cfg, NetFrameFn to_guest, gpointer opaque,
                        GError **error);

#endif /* SHOAL_VIRTIO_NET_H */
