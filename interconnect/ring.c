/* SPDX-License-Identifier: MIT */
/* Shared-memory rings for the direct links (docs/protocol.md, "Transports"):
 * a link's two processes map one sealed memfd holding a ring each way, and
 * packed Envelopes go through them as length-prefixed records. A sender
 * writes its record and publishes the new head; a receiver that looks
 * finds it without a system call. Only a receiver that sleeps needs waking:
 * it says so in its ring (waiting), and the sender then rings the link's
 * socket with one byte, which is all the socket carries once rings are up.
 *
 * The other process may be hostile: everything read from the shared pages
 * is checked (the head against the tail and the size, each record's length
 * against IC_MAX_FRAME and what was published) and copied out before it is
 * used, and every index is masked, so a wrong value costs that link a
 * malformed message or its closing, never an access outside the mapping. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "interconnect/internal.h"

#define RECORD_HEADER 8u /* guint32 length, then padding to 8 */
#define RING_SPAN (sizeof(IcRingHeader) + IC_RING_BYTES)

G_STATIC_ASSERT(IC_RING_BYTES > 2 * (IC_MAX_FRAME + RECORD_HEADER));
G_STATIC_ASSERT((IC_RING_BYTES & (IC_RING_BYTES - 1)) == 0);

static inline guint64 record_span(gsize len)
{
    return RECORD_HEADER + ((len + 7) & ~(gsize)7);
}

gsize ic_ring_map_size(void)
{
    return 2 * RING_SPAN;
}

static void ring_at(IcRing *r, guint8 *base)
{
    r->h = (IcRingHeader *)base;
    r->data = base + sizeof(IcRingHeader);
}

void ic_rings_view(guint8 *map, gboolean client, IcRing *rx, IcRing *tx)
{
    /* Ring 0 carries the client's messages, ring 1 the server's. */
    ring_at(client ? tx : rx, map);
    ring_at(client ? rx : tx, map + RING_SPAN);
}

int ic_rings_create(GError **error)
{
    int fd = memfd_create("shoal-link", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0 || ftruncate(fd, (off_t)ic_ring_map_size()) < 0 ||
        fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        g_set_error(error, IC_ERROR, IC_ERROR_TRANSPORT, "shared memory for a link: %s",
                    g_strerror(e));
        return -1;
    }
    return fd;
}

guint8 *ic_rings_map(int fd, GError **error)
{
    /* A peer's file must stay the size we map: a shrink would turn our
     * accesses into SIGBUS. */
    struct stat st;
    int seals = fcntl(fd, F_GET_SEALS);
    if (fstat(fd, &st) < 0 || seals < 0 || (gsize)st.st_size != ic_ring_map_size() ||
        (seals & (F_SEAL_SHRINK | F_SEAL_GROW)) != (F_SEAL_SHRINK | F_SEAL_GROW)) {
        g_set_error(error, IC_ERROR, IC_ERROR_MALFORMED,
                    "shared memory offered for a link is not a sealed file of %zu bytes",
                    ic_ring_map_size());
        return NULL;
    }
    void *map = mmap(NULL, ic_ring_map_size(), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) {
        g_set_error(error, IC_ERROR, IC_ERROR_TRANSPORT, "mapping a link's shared memory: %s",
                    g_strerror(errno));
        return NULL;
    }
    return map;
}

void ic_rings_unmap(guint8 *map)
{
    if (map)
        munmap(map, ic_ring_map_size());
}

/* Copies @len bytes at ring offset @at (wrapping) from or to @buf. */
static void copy_out(const IcRing *r, guint64 at, void *buf, gsize len)
{
    gsize off = at & (IC_RING_BYTES - 1), first = MIN(len, IC_RING_BYTES - off);
    memcpy(buf, r->data + off, first);
    memcpy((guint8 *)buf + first, r->data, len - first);
}

static void copy_in(IcRing *r, guint64 at, const void *buf, gsize len)
{
    gsize off = at & (IC_RING_BYTES - 1), first = MIN(len, IC_RING_BYTES - off);
    memcpy(r->data + off, buf, first);
    memcpy(r->data, (const guint8 *)buf + first, len - first);
}

gboolean ic_ring_put(IcRing *r, const void *data, gsize len)
{
    guint64 head = r->h->head; /* ours alone to write */
    guint64 tail = __atomic_load_n(&r->h->tail, __ATOMIC_ACQUIRE);
    guint64 span = record_span(len);
    /* A tail the receiver moved past our head (hostile or broken) leaves
     * no room: the caller queues, as for a full ring. */
    if (head - tail > IC_RING_BYTES || span > IC_RING_BYTES - (head - tail))
        return FALSE;
    guint32 len32 = (guint32)len;
    copy_in(r, head, &len32, sizeof len32);
    copy_in(r, head + RECORD_HEADER, data, len);
    /* seq_cst, against the receiver's store of waiting before its look */
    __atomic_store_n(&r->h->head, head + span, __ATOMIC_SEQ_CST);
    return TRUE;
}

gboolean ic_ring_take_waiter(IcRing *r)
{
    if (__atomic_load_n(&r->h->waiting, __ATOMIC_SEQ_CST) == 0)
        return FALSE;
    return __atomic_exchange_n(&r->h->waiting, 0, __ATOMIC_SEQ_CST) != 0;
}

gboolean ic_ring_empty(const IcRing *r)
{
    return __atomic_load_n(&r->h->head, __ATOMIC_SEQ_CST) == r->h->tail;
}

IcDirectRecv ic_ring_take(IcRing *r, guint8 *buf, gsize cap, gsize *len)
{
    guint64 tail = r->h->tail; /* ours alone to write */
    guint64 head = __atomic_load_n(&r->h->head, __ATOMIC_ACQUIRE);
    if (head == tail)
        return IC_DIRECT_NONE;
    guint32 len32;
    if (head - tail < RECORD_HEADER || head - tail > IC_RING_BYTES)
        return IC_DIRECT_CLOSED;
    copy_out(r, tail, &len32, sizeof len32);
    *len = len32;
    if (len32 == 0 || record_span(len32) > head - tail)
        return IC_DIRECT_CLOSED; /* a record that was never published whole */
    if (len32 > cap) {
        __atomic_store_n(&r->h->tail, tail + record_span(len32), __ATOMIC_RELEASE);
        return IC_DIRECT_TOO_BIG;
    }
    copy_out(r, tail + RECORD_HEADER, buf, len32);
    __atomic_store_n(&r->h->tail, tail + record_span(len32), __ATOMIC_RELEASE);
    return IC_DIRECT_MESSAGE;
}

gboolean ic_ring_prepare_sleep(IcRing *r)
{
    __atomic_store_n(&r->h->waiting, 1, __ATOMIC_SEQ_CST);
    if (!ic_ring_empty(r)) {
        __atomic_store_n(&r->h->waiting, 0, __ATOMIC_RELAXED);
        return FALSE;
    }
    return TRUE;
}

void ic_ring_woke(IcRing *r)
{
    __atomic_store_n(&r->h->waiting, 0, __ATOMIC_RELAXED);
}
