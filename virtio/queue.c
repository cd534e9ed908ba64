/* SPDX-License-Identifier: MIT */
/* Split virtqueues (virtio 1.2, 2.7), from the device's side. The rings
 * and descriptors are guest RAM that the driver writes while we read, so
 * each value is read once and checked before it is used: an index past the
 * ring, a chain longer than the queue (a loop), an indirect table inside an
 * indirect table, or any address that is not RAM breaks the device.
 *
 * Every read is a round trip through the memory server, which usually
 * takes the page back from the driver's node first; so a batch reads the
 * whole avail ring once and the whole descriptor table once, not a value at
 * a time. That is sound because the driver publishes a chain (avail idx)
 * only after writing its descriptors, and changes neither until the device
 * returns the chain: the table read after the idx holds every chain the idx
 * counts. A batch ends by reading the avail ring again, which tells whether
 * more came and what interrupts the driver wants. */
#include <string.h>

#include "virtio/virtio.h"

#define VIRTQ_DESC_F_NEXT 1u
#define VIRTQ_DESC_F_WRITE 2u
#define VIRTQ_DESC_F_INDIRECT 4u
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1u
#define DESC_SIZE 16u

/* The rings' layout (2.7.6, 2.7.8): flags, idx, then the entries, then the
 * other side's event index. */
#define RING_IDX_OFFSET 2u
#define AVAIL_RING_OFFSET 4u
#define USED_RING_OFFSET 4u
#define USED_ELEM_SIZE 8u

static gboolean write_le16(VirtioDev *dev, guint64 addr, guint16 value)
{
    guint16 v = GUINT16_TO_LE(value);
    return dev->host->write(dev->host_opaque, addr, &v, sizeof v);
}

typedef struct {
    guint64 addr;
    guint32 len;
    guint16 flags;
    guint16 next;
} Desc;

/* A descriptor as the table holds it (2.7.5), little-endian. */
static void decode_desc(const guint8 *raw, Desc *d)
{
    guint64 addr;
    guint32 len;
    guint16 flags, next;
    memcpy(&addr, raw, 8);
    memcpy(&len, raw + 8, 4);
    memcpy(&flags, raw + 12, 2);
    memcpy(&next, raw + 14, 2);
    *d = (Desc){ GUINT64_FROM_LE(addr), GUINT32_FROM_LE(len), GUINT16_FROM_LE(flags),
                 GUINT16_FROM_LE(next) };
}

static gboolean add_seg(VirtioDev *dev, VirtioChain *chain, const Desc *d)
{
    if (chain->n_segs == VIRTIO_CHAIN_MAX) {
        virtio_dev_break(dev, "a descriptor chain longer than %u (a loop?)", VIRTIO_CHAIN_MAX);
        return FALSE;
    }
    chain->segs[chain->n_segs++] =
        (VirtioSeg){ d->addr, d->len, (d->flags & VIRTQ_DESC_F_WRITE) != 0 };
    return TRUE;
}

/* The descriptors of an indirect table (2.7.5.3): no nesting, and the
 * table's own NEXT chain bounded by its size. */
static gboolean walk_indirect(VirtioDev *dev, const Desc *table, VirtioChain *chain)
{
    if (table->len == 0 || table->len % DESC_SIZE || table->len / DESC_SIZE > VIRTIO_CHAIN_MAX) {
        virtio_dev_break(dev, "an indirect table of %u bytes", table->len);
        return FALSE;
    }
    guint n = table->len / DESC_SIZE;
    guint index = 0;
    /* read whole, in one round trip */
    g_autofree guint8 *raw = g_malloc(table->len);
    if (!dev->host->read(dev->host_opaque, table->addr, raw, table->len)) {
        virtio_dev_break(dev, "an indirect table at 0x%" G_GINT64_MODIFIER "x outside RAM",
                         table->addr);
        return FALSE;
    }
    for (guint steps = 0;; steps++) {
        Desc d;
        if (steps == n) {
            virtio_dev_break(dev, "an indirect chain that loops");
            return FALSE;
        }
        decode_desc(raw + (gsize)index * DESC_SIZE, &d);
        if (d.flags & VIRTQ_DESC_F_INDIRECT) {
            virtio_dev_break(dev, "an indirect descriptor inside an indirect table");
            return FALSE;
        }
        if (!add_seg(dev, chain, &d))
            return FALSE;
        if (!(d.flags & VIRTQ_DESC_F_NEXT))
            return TRUE;
        if (d.next >= n) {
            virtio_dev_break(dev, "an indirect descriptor's next %u past its table of %u",
                             d.next, n);
            return FALSE;
        }
        index = d.next;
    }
}

static guint16 snap_le16(const guint8 *at)
{
    guint16 v;
    memcpy(&v, at, 2);
    return GUINT16_FROM_LE(v);
}

/* The avail ring as the driver has it now (flags, idx, ring[num],
 * used_event) into the queue's snapshot. */
static gboolean read_avail(VirtioDev *dev, guint q)
{
    VirtQueue *vq = &dev->queues[q];
    /* The used index and avail_event we wrote must be seen before we look
     * at what the driver decided from them (2.7.7.2, 2.7.10): else it skips
     * a notification we then never see, or we an interrupt it waits for. */
    dev->host->fence(dev->host_opaque);
    if (!dev->host->read(dev->host_opaque, vq->driver, dev->avail_snap[q],
                         VIRTQ_AVAIL_BYTES(vq->num))) {
        virtio_dev_break(dev, "queue %u's avail ring at 0x%" G_GINT64_MODIFIER "x is not RAM", q,
                         vq->driver);
        return FALSE;
    }
    dev->desc_fresh[q] = FALSE; /* chains the new idx counts may be newer than the table */
    return TRUE;
}

/* Descriptor @index of queue @q's table, read whole once per snapshot. */
static gboolean table_desc(VirtioDev *dev, guint q, guint index, Desc *d)
{
    VirtQueue *vq = &dev->queues[q];
    if (!dev->desc_fresh[q]) {
        if (!dev->host->read(dev->host_opaque, vq->desc, dev->desc_snap[q],
                             VIRTQ_DESC_BYTES(vq->num)))
            return FALSE;
        dev->desc_fresh[q] = TRUE;
    }
    decode_desc(dev->desc_snap[q] + (gsize)DESC_SIZE * index, d);
    return TRUE;
}

/* Takes the next chain the avail snapshot holds into @chain. FALSE when it
 * holds no more or the device broke on it. */
static gboolean pop(VirtioDev *dev, guint q, VirtioChain *chain)
{
    VirtQueue *vq = &dev->queues[q];
    if (virtio_dev_broken(dev))
        return FALSE;
    guint16 avail_idx = snap_le16(dev->avail_snap[q] + RING_IDX_OFFSET);
    guint16 waiting = (guint16)(avail_idx - vq->last_avail);
    if (waiting == 0)
        return FALSE;
    if (waiting > vq->num) {
        virtio_dev_break(dev, "queue %u: %u buffers available in a ring of %u", q, waiting,
                         vq->num);
        return FALSE;
    }
    guint16 head =
        snap_le16(dev->avail_snap[q] + AVAIL_RING_OFFSET + 2u * (vq->last_avail % vq->num));
    if (head >= vq->num) {
        virtio_dev_break(dev, "queue %u: head %u past the ring of %u", q, head, vq->num);
        return FALSE;
    }
    vq->last_avail++;
    chain->head = head;
    chain->n_segs = 0;
    guint index = head;
    /* A direct chain visits each descriptor at most once: num steps bound it. */
    for (guint steps = 0;; steps++) {
        Desc d;
        if (steps == vq->num) {
            virtio_dev_break(dev, "queue %u: the chain from %u loops", q, head);
            return FALSE;
        }
        if (!table_desc(dev, q, index, &d)) {
            virtio_dev_break(dev, "queue %u's descriptor table at 0x%" G_GINT64_MODIFIER
                             "x is not RAM", q, vq->desc);
            return FALSE;
        }
        if (d.flags & VIRTQ_DESC_F_INDIRECT) {
            /* An indirect descriptor stands alone in its chain (2.7.5.3.1). */
            if (!virtio_has_feature(dev, VIRTIO_F_RING_INDIRECT_DESC) ||
                (d.flags & VIRTQ_DESC_F_NEXT) || steps != 0) {
                virtio_dev_break(dev, "queue %u: an indirect descriptor it may not use", q);
                return FALSE;
            }
            return walk_indirect(dev, &d, chain);
        }
        if (!add_seg(dev, chain, &d))
            return FALSE;
        if (!(d.flags & VIRTQ_DESC_F_NEXT))
            break;
        if (d.next >= vq->num) {
            virtio_dev_break(dev, "queue %u: descriptor %u's next %u past the ring", q, index,
                             d.next);
            return FALSE;
        }
        index = d.next;
    }
    return TRUE;
}

/* Returns chain @head to the driver, @written bytes stored into its
 * device-writable buffers. */
static void push(VirtioDev *dev, guint q, guint16 head, guint32 written)
{
    VirtQueue *vq = &dev->queues[q];
    guint32 elem[2] = { GUINT32_TO_LE(head), GUINT32_TO_LE(written) };
    guint64 slot = vq->device + USED_RING_OFFSET + (guint64)USED_ELEM_SIZE * (vq->used_idx % vq->num);
    /* The element before the index that publishes it: the writes reach RAM
     * in this order (the memory server keeps a device's writes in order). */
    if (!dev->host->write(dev->host_opaque, slot, elem, sizeof elem) ||
        !write_le16(dev, vq->device + RING_IDX_OFFSET, (guint16)(vq->used_idx + 1))) {
        virtio_dev_break(dev, "queue %u's used ring at 0x%" G_GINT64_MODIFIER "x is not RAM", q,
                         vq->device);
        return;
    }
    vq->used_idx++;
}

/* The end of a batch: with the event index, tells the driver how far we
 * have read (so it notifies only past it); then reads the avail ring again.
 * TRUE if the driver made more available meanwhile: it may have looked at
 * the old avail_event and not notified, so those are ours to serve now. */
static gboolean end_batch(VirtioDev *dev, guint q)
{
    VirtQueue *vq = &dev->queues[q];
    if (virtio_has_feature(dev, VIRTIO_F_RING_EVENT_IDX) &&
        !write_le16(dev, vq->device + USED_RING_OFFSET + (guint64)USED_ELEM_SIZE * vq->num,
                    vq->last_avail)) {
        virtio_dev_break(dev, "queue %u's event index is not RAM", q);
        return FALSE;
    }
    return read_avail(dev, q) &&
           snap_le16(dev->avail_snap[q] + RING_IDX_OFFSET) != vq->last_avail;
}

/* After a batch's pushes: interrupts the driver unless it asked not to be
 * (avail flags; with the event index, unless used_idx did not cross its
 * used_event: 2.7.10, vring_need_event), as the last avail snapshot says. */
static void interrupt_if_wanted(VirtioDev *dev, guint q)
{
    VirtQueue *vq = &dev->queues[q];
    if (virtio_dev_broken(dev) || vq->used_idx == vq->signalled)
        return;
    gboolean wanted;
    if (virtio_has_feature(dev, VIRTIO_F_RING_EVENT_IDX)) {
        guint16 used_event = snap_le16(dev->avail_snap[q] + AVAIL_RING_OFFSET + 2u * vq->num);
        wanted = (guint16)(vq->used_idx - used_event - 1) < (guint16)(vq->used_idx - vq->signalled);
    } else {
        wanted = !(snap_le16(dev->avail_snap[q]) & VIRTQ_AVAIL_F_NO_INTERRUPT);
    }
    vq->signalled = vq->used_idx;
    if (wanted)
        virtq_interrupt(dev);
}

void virtq_serve_while(VirtioDev *dev, guint q, VirtqHandler handle, VirtqMore more)
{
    VirtioChain *chain = dev->chain;
    if (!read_avail(dev, q))
        return;
    do {
        while ((!more || more(dev)) && pop(dev, q, chain)) {
            guint32 written = handle(dev, q, chain);
            if (virtio_dev_broken(dev))
                return;
            push(dev, q, chain->head, written);
        }
    } while (!virtio_dev_broken(dev) && end_batch(dev, q) && (!more || more(dev)));
    interrupt_if_wanted(dev, q);
}

void virtq_serve(VirtioDev *dev, guint q, VirtqHandler handle)
{
    virtq_serve_while(dev, q, handle, NULL);
}

/* Walks the segments the driver wrote (@device_writes FALSE) or those the
 * device may write (TRUE), from byte @offset of them, calling @copy on
 * each piece: the bytes done, or -1 when @copy fails. */
static gssize walk(VirtioDev *dev, const VirtioChain *chain, gboolean device_writes, gsize offset,
                   guint8 *buf, gsize len,
                   gboolean (*copy)(VirtioDev *dev, guint64 addr, guint8 *buf, gsize n))
{
    gsize done = 0;
    for (guint i = 0; i < chain->n_segs && done < len; i++) {
        const VirtioSeg *seg = &chain->segs[i];
        if (seg->device_writes != device_writes)
            continue;
        if (offset >= seg->len) {
            offset -= seg->len;
            continue;
        }
        gsize n = MIN(seg->len - offset, len - done);
        if (seg->addr + offset + n < seg->addr || !copy(dev, seg->addr + offset, buf + done, n))
            return -1;
        done += n;
        offset = 0;
    }
    return (gssize)done;
}

static gboolean copy_in(VirtioDev *dev, guint64 addr, guint8 *buf, gsize n)
{
    return dev->host->read(dev->host_opaque, addr, buf, n);
}

static gboolean copy_out(VirtioDev *dev, guint64 addr, guint8 *buf, gsize n)
{
    return dev->host->write(dev->host_opaque, addr, buf, n);
}

gssize virtio_chain_read(VirtioDev *dev, const VirtioChain *chain, gsize offset, void *buf,
                         gsize len)
{
    return walk(dev, chain, FALSE, offset, buf, len, copy_in);
}

gssize virtio_chain_write(VirtioDev *dev, const VirtioChain *chain, gsize offset,
                          const void *buf, gsize len)
{
    return walk(dev, chain, TRUE, offset, (guint8 *)buf, len, copy_out);
}

static gsize total(const VirtioChain *chain, gboolean device_writes)
{
    gsize n = 0;
    for (guint i = 0; i < chain->n_segs; i++)
        if (chain->segs[i].device_writes == device_writes)
            n += chain->segs[i].len;
    return n;
}

gsize virtio_chain_readable(const VirtioChain *chain)
{
    return total(chain, FALSE);
}

gsize virtio_chain_writable(const VirtioChain *chain)
{
    return total(chain, TRUE);
}
