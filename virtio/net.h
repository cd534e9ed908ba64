/* SPDX-License-Identifier: MIT */
/* A network card's host side: what carries virtio-net's frames
 * (slirp.c: user-mode networking). */
#ifndef SHOAL_VIRTIO_NET_H
#define SHOAL_VIRTIO_NET_H

#include <glib.h>

#include "config/cfg.h"

/* An Ethernet frame for the guest. */
typedef void (*NetFrameFn)(gpointer opaque, const guint8 *frame, gsize len);

typedef struct NetSlirp NetSlirp;
/* User networking for @cfg (its hostfwd rules opened now): frames for the
 * guest go to @to_guest, from the calls below. NULL + error if a host port
 * cannot be opened. */
NetSlirp *net_slirp_new(const CfgDevice *cfg, NetFrameFn to_guest, gpointer opaque,
                        GError **error);
void net_slirp_free(NetSlirp *ns);
/* A frame from the guest. */
void net_slirp_input(NetSlirp *ns, const guint8 *frame, gsize len);
/* Its sockets into @fds (struct pollfd), its next timer into *@timeout_ms;
 * then, after the wait, what they say, and the timers due. */
void net_slirp_poll_prepare(NetSlirp *ns, GArray *fds, int *timeout_ms);
void net_slirp_poll_done(NetSlirp *ns, GArray *fds, gboolean failed);

#endif /* SHOAL_VIRTIO_NET_H */
