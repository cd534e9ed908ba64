/* SPDX-License-Identifier: MIT */
/* A direct link (docs/protocol.md, "Transports"): the unix seqpacket socket
 * between the memory server and a process of its host, and, once the
 * client offered them, the shared-memory rings (ring.c) that then carry
 * every Envelope. The socket stays for what the rings cannot do: ring a
 * sleeping receiver (one byte), pass the rings' memfd, and tell either
 * side that the other went away. A link without rings (a peer that never
 * offered them) carries its packets on the socket as before. */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

#include "interconnect/internal.h"

#define FULL_RING_WAIT_MS 1 /* a nap while the receiver of a full ring catches up */

struct IcLink {
    int fd;
    guint8 *map; /* the rings' mapping, NULL without rings */
    IcRing rx, tx;
};

IcLink *ic_link_new(int fd)
{
    IcLink *l = g_new0(IcLink, 1);
    l->fd = fd;
    return l;
}

void ic_link_free(IcLink *l)
{
    if (!l)
        return;
    ic_rings_unmap(l->map);
    if (l->fd >= 0)
        close(l->fd);
    g_free(l);
}

int ic_link_fd(const IcLink *l)
{
    return l->fd;
}

gboolean ic_link_has_rings(const IcLink *l)
{
    return l->map != NULL;
}

gboolean ic_link_offer_rings(IcLink *l, GError **error)
{
    int fd = ic_rings_create(error);
    if (fd < 0)
        return FALSE;
    guint8 *map = ic_rings_map(fd, error);
    gboolean sent = map && ic_direct_offer_rings(l->fd, fd);
    int e = errno;
    close(fd); /* the mapping and the peer keep the memory */
    if (!map)
        return FALSE;
    if (!sent) {
        ic_rings_unmap(map);
        g_set_error(error, IC_ERROR, IC_ERROR_TRANSPORT, "offering a link's rings: %s",
                    g_strerror(e));
        return FALSE;
    }
    l->map = map;
    ic_rings_view(map, TRUE, &l->rx, &l->tx);
    return TRUE;
}

/* The server's side of an offer: @fd came with packet @buf of @len bytes.
 * Anything but a good offer on a link without rings ends the link. */
static gboolean take_offer(IcLink *l, int fd, const guint8 *buf, gsize len)
{
    g_autoptr(GError) error = NULL;
    gboolean offer = len == IC_DIRECT_RINGS_OFFER_LEN &&
                     memcmp(buf, ic_direct_rings_offer, IC_DIRECT_RINGS_OFFER_LEN) == 0;
    guint8 *map = offer && l->map == NULL ? ic_rings_map(fd, &error) : NULL;
    close(fd);
    if (!map) {
        g_debug("a descriptor passed on a link: %s",
                error ? error->message : "not an offer of rings, or a second one");
        return FALSE;
    }
    l->map = map;
    ic_rings_view(map, FALSE, &l->rx, &l->tx);
    return TRUE;
}

/* What waits on the socket of a link with rings: only doorbells (read and
 * dropped) or the end of the link. */
static IcDirectRecv drain_doorbells(IcLink *l, guint8 *buf, gsize cap)
{
    for (;;) {
        gsize len;
        IcDirectRecv r = ic_direct_recv(l->fd, buf, cap, &len);
        if (r == IC_DIRECT_NONE || r == IC_DIRECT_CLOSED)
            return r;
    }
}

IcDirectRecv ic_link_recv(IcLink *l, guint8 *buf, gsize cap, gsize *len)
{
    if (l->map) {
        IcDirectRecv r = ic_ring_take(&l->rx, buf, cap, len);
        if (r != IC_DIRECT_NONE)
            return r;
        r = drain_doorbells(l, buf, cap);
        /* A record published after the look above and before the doorbell
         * we just dropped is still in the ring. */
        return r == IC_DIRECT_CLOSED ? r : ic_ring_take(&l->rx, buf, cap, len);
    }
    int passed;
    IcDirectRecv r = ic_direct_recv_fd(l->fd, buf, cap, len, &passed);
    if (passed < 0)
        return r;
    if (r != IC_DIRECT_MESSAGE) {
        close(passed);
        return r == IC_DIRECT_NONE ? IC_DIRECT_CLOSED : r;
    }
    return take_offer(l, passed, buf, *len) ? ic_ring_take(&l->rx, buf, cap, len)
                                            : IC_DIRECT_CLOSED;
}

gboolean ic_link_has_input(const IcLink *l)
{
    return l->map && !ic_ring_empty(&l->rx);
}

gboolean ic_link_prepare_sleep(IcLink *l)
{
    return !l->map || ic_ring_prepare_sleep(&l->rx);
}

void ic_link_woke(IcLink *l)
{
    if (l->map)
        ic_ring_woke(&l->rx);
}

gboolean ic_link_wait_room(IcLink *l, int timeout_ms)
{
    if (!l->map)
        return ic_direct_wait_writable(l->fd, timeout_ms);
    /* Rings have no readiness to wait for: nap, and look again. */
    struct pollfd p = { .fd = l->fd, .events = 0 };
    return !(poll(&p, 1, MIN(timeout_ms, FULL_RING_WAIT_MS)) > 0 &&
             (p.revents & (POLLHUP | POLLERR)));
}

static void ring_doorbell(IcLink *l)
{
    /* A full socket already holds a doorbell the receiver will read. */
    if (l->map && ic_ring_take_waiter(&l->tx))
        ic_direct_send(l->fd, "", 1, FALSE);
}

int ic_link_send(IcLink *l, const void *data, gsize len, gboolean block)
{
    if (!l->map)
        return ic_direct_send(l->fd, data, len, block);
    while (!ic_ring_put(&l->tx, data, len)) {
        if (!block)
            return 0;
        if (!ic_link_wait_room(l, FULL_RING_WAIT_MS)) {
            errno = EPIPE;
            return -1;
        }
    }
    ring_doorbell(l);
    return 1;
}
