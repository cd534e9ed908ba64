/* SPDX-License-Identifier: MIT */
/* The virtio-mmio transport, version 2 (virtio 1.2, 4.2.2): the register
 * file a driver sees, feature negotiation, queue set-up, the interrupt
 * line. Queue notifications are only noted here and served by
 * virtio_dev_serve once the notifying write has been answered. */
#include <stdarg.h>

#include "virtio/virtio.h"

static void drive_line(VirtioDev *dev)
{
    gboolean level = dev->interrupt_status != 0;
    if (level != dev->line) {
        dev->line = level;
        dev->host->set_line(dev->host_opaque, level);
    }
}

void virtio_dev_reset(VirtioDev *dev)
{
    dev->status = 0;
    dev->device_features_sel = dev->driver_features_sel = dev->queue_sel = 0;
    dev->driver_features = 0;
    dev->interrupt_status = 0;
    dev->pending = 0;
    for (guint q = 0; q < G_N_ELEMENTS(dev->queues); q++)
        dev->queues[q] = (VirtQueue){ 0 };
    drive_line(dev);
}

VirtioDev *virtio_dev_new(const VirtioDevOps *ops, const CfgDevice *cfg, const VirtioHost *host,
                          gpointer host_opaque, gpointer backend)
{
    g_assert(ops->n_queues <= G_N_ELEMENTS(((VirtioDev *)NULL)->queues));
    VirtioDev *dev = g_new0(VirtioDev, 1);
    dev->ops = ops;
    dev->cfg = cfg;
    dev->host = host;
    dev->host_opaque = host_opaque;
    dev->backend = backend;
    dev->chain = g_new(VirtioChain, 1);
    for (guint q = 0; q < ops->n_queues; q++) {
        dev->avail_snap[q] = g_malloc(VIRTQ_AVAIL_BYTES(VIRTIO_QUEUE_NUM_MAX));
        dev->desc_snap[q] = g_malloc(VIRTQ_DESC_BYTES(VIRTIO_QUEUE_NUM_MAX));
    }
    return dev;
}

void virtio_dev_free(VirtioDev *dev)
{
    if (!dev)
        return;
    if (dev->ops->free)
        dev->ops->free(dev);
    g_free(dev->chain);
    for (guint q = 0; q < G_N_ELEMENTS(dev->avail_snap); q++) {
        g_free(dev->avail_snap[q]);
        g_free(dev->desc_snap[q]);
    }
    g_free(dev);
}

static guint64 offered(VirtioDev *dev)
{
    return (G_GUINT64_CONSTANT(1) << VIRTIO_F_VERSION_1) |
           (G_GUINT64_CONSTANT(1) << VIRTIO_F_RING_INDIRECT_DESC) |
           (G_GUINT64_CONSTANT(1) << VIRTIO_F_RING_EVENT_IDX) | dev->ops->features(dev);
}

gboolean virtio_has_feature(const VirtioDev *dev, guint bit)
{
    return (dev->driver_features >> bit) & 1;
}

gboolean virtio_dev_broken(const VirtioDev *dev)
{
    return (dev->status & VIRTIO_STATUS_NEEDS_RESET) != 0;
}

void virtio_dev_break(VirtioDev *dev, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *why = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (virtio_dev_broken(dev))
        return;
    g_warning("[device.%s]: %s: the device needs a reset", dev->cfg->name, why);
    dev->status |= VIRTIO_STATUS_NEEDS_RESET;
    if (dev->status & VIRTIO_STATUS_DRIVER_OK) {
        dev->interrupt_status |= VIRTIO_INT_CONFIG;
        drive_line(dev);
    }
}

void virtio_dev_config_changed(VirtioDev *dev)
{
    dev->config_generation++;
    if ((dev->status & VIRTIO_STATUS_DRIVER_OK) && !virtio_dev_broken(dev)) {
        dev->interrupt_status |= VIRTIO_INT_CONFIG;
        drive_line(dev);
    }
}

static VirtQueue *selected(VirtioDev *dev)
{
    return dev->queue_sel < dev->ops->n_queues ? &dev->queues[dev->queue_sel] : NULL;
}

static guint32 read_register(VirtioDev *dev, guint64 off)
{
    VirtQueue *vq = selected(dev);
    switch (off) {
    case VIRTIO_MMIO_MAGIC: return VIRTIO_MMIO_MAGIC_VALUE;
    case VIRTIO_MMIO_VERSION: return 2;
    case VIRTIO_MMIO_DEVICE_ID: return dev->ops->device_id;
    case VIRTIO_MMIO_VENDOR_ID: return VIRTIO_VENDOR_SHOAL;
    case VIRTIO_MMIO_DEVICE_FEATURES:
        return dev->device_features_sel < 2
                   ? (guint32)(offered(dev) >> (32 * dev->device_features_sel))
                   : 0;
    case VIRTIO_MMIO_QUEUE_NUM_MAX: return vq ? VIRTIO_QUEUE_NUM_MAX : 0;
    case VIRTIO_MMIO_QUEUE_NUM: return vq ? vq->num : 0;
    case VIRTIO_MMIO_QUEUE_READY: return vq ? vq->ready : 0;
    case VIRTIO_MMIO_INTERRUPT_STATUS: return dev->interrupt_status;
    case VIRTIO_MMIO_STATUS: return dev->status;
    case VIRTIO_MMIO_QUEUE_DESC_LOW: return vq ? (guint32)vq->desc : 0;
    case VIRTIO_MMIO_QUEUE_DESC_HIGH: return vq ? (guint32)(vq->desc >> 32) : 0;
    case VIRTIO_MMIO_QUEUE_DRIVER_LOW: return vq ? (guint32)vq->driver : 0;
    case VIRTIO_MMIO_QUEUE_DRIVER_HIGH: return vq ? (guint32)(vq->driver >> 32) : 0;
    case VIRTIO_MMIO_QUEUE_DEVICE_LOW: return vq ? (guint32)vq->device : 0;
    case VIRTIO_MMIO_QUEUE_DEVICE_HIGH: return vq ? (guint32)(vq->device >> 32) : 0;
    /* No shared memory regions: a length of all ones says so (4.2.2.1). */
    case VIRTIO_MMIO_SHM_LEN_LOW:
    case VIRTIO_MMIO_SHM_LEN_HIGH:
    case VIRTIO_MMIO_SHM_BASE_LOW:
    case VIRTIO_MMIO_SHM_BASE_HIGH: return 0xffffffffu;
    case VIRTIO_MMIO_CONFIG_GENERATION: return dev->config_generation;
    default: return 0; /* write-only and reserved registers read 0 */
    }
}

gboolean virtio_mmio_read(VirtioDev *dev, guint64 off, guint size, guint64 *value)
{
    if (off >= VIRTIO_MMIO_CONFIG) {
        guint32 v = 0;
        if (off - VIRTIO_MMIO_CONFIG > G_MAXUINT || size > 4 ||
            !dev->ops->config_read(dev, (guint)(off - VIRTIO_MMIO_CONFIG), size, &v)) {
            *value = 0; /* past the device's config space: reads as nothing */
            return size <= 4;
        }
        *value = v;
        return TRUE;
    }
    /* The registers are 32-bit: other widths are the driver's error. */
    if (size != 4 || off % 4)
        return FALSE;
    *value = read_register(dev, off);
    return TRUE;
}

/* FEATURES_OK: what the driver took must be what we offered, with
 * VERSION_1 (this is a non-legacy device). */
static void set_status(VirtioDev *dev, guint32 status)
{
    if (status == 0) {
        virtio_dev_reset(dev);
        return;
    }
    if ((status & VIRTIO_STATUS_FEATURES_OK) && !(dev->status & VIRTIO_STATUS_FEATURES_OK) &&
        ((dev->driver_features & ~offered(dev)) != 0 ||
         !virtio_has_feature(dev, VIRTIO_F_VERSION_1)))
        status &= ~VIRTIO_STATUS_FEATURES_OK; /* the driver reads it back and gives up */
    dev->status = (dev->status & VIRTIO_STATUS_NEEDS_RESET) | status;
}

static void set_queue_ready(VirtioDev *dev, VirtQueue *vq, guint32 ready)
{
    if (!ready) {
        vq->ready = FALSE;
        return;
    }
    /* A split ring's size is a power of 2: the driver's free-running
     * indices wrap onto it (2.7). */
    if (vq->num == 0 || (vq->num & (vq->num - 1)) != 0) {
        virtio_dev_break(dev, "queue %u made ready with size %u, not a power of 2 up to %u",
                         dev->queue_sel, vq->num, VIRTIO_QUEUE_NUM_MAX);
        return;
    }
    vq->ready = TRUE;
    vq->last_avail = vq->used_idx = vq->signalled = 0;
}

static void set_half(guint64 *addr, gboolean high, guint32 value)
{
    *addr = high ? (*addr & 0xffffffffu) | ((guint64)value << 32)
                 : (*addr & ~G_GUINT64_CONSTANT(0xffffffff)) | value;
}

gboolean virtio_mmio_write(VirtioDev *dev, guint64 off, guint size, guint64 value)
{
    if (off >= VIRTIO_MMIO_CONFIG)
        return size <= 4; /* no device here has writable config fields */
    if (size != 4 || off % 4)
        return FALSE;
    guint32 v = (guint32)value;
    VirtQueue *vq = selected(dev);
    /* A queue's set-up is fixed while it is live (4.2.2.3). */
    gboolean queue_settable = vq && !vq->ready;
    switch (off) {
    case VIRTIO_MMIO_DEVICE_FEATURES_SEL: dev->device_features_sel = v; break;
    case VIRTIO_MMIO_DRIVER_FEATURES:
        if (dev->driver_features_sel < 2 && !(dev->status & VIRTIO_STATUS_FEATURES_OK)) {
            guint shift = 32 * dev->driver_features_sel;
            dev->driver_features = (dev->driver_features & ~(G_GUINT64_CONSTANT(0xffffffff) << shift)) |
                                   ((guint64)v << shift);
        }
        break;
    case VIRTIO_MMIO_DRIVER_FEATURES_SEL: dev->driver_features_sel = v; break;
    case VIRTIO_MMIO_QUEUE_SEL: dev->queue_sel = v; break;
    case VIRTIO_MMIO_QUEUE_NUM:
        if (queue_settable)
            vq->num = MIN(v, VIRTIO_QUEUE_NUM_MAX + 1); /* too big stays too big */
        break;
    case VIRTIO_MMIO_QUEUE_READY:
        if (vq)
            set_queue_ready(dev, vq, v);
        break;
    case VIRTIO_MMIO_QUEUE_NOTIFY:
        /* The low 16 bits name the queue (VIRTIO_F_NOTIFICATION_DATA is not
         * offered, so that is all there is). */
        if ((v & 0xffff) < dev->ops->n_queues)
            dev->pending |= G_GUINT64_CONSTANT(1) << (v & 0xffff);
        break;
    case VIRTIO_MMIO_INTERRUPT_ACK:
        dev->interrupt_status &= ~v;
        drive_line(dev);
        break;
    case VIRTIO_MMIO_STATUS: set_status(dev, v); break;
    case VIRTIO_MMIO_QUEUE_DESC_LOW:
    case VIRTIO_MMIO_QUEUE_DESC_HIGH:
        if (queue_settable)
            set_half(&vq->desc, off == VIRTIO_MMIO_QUEUE_DESC_HIGH, v);
        break;
    case VIRTIO_MMIO_QUEUE_DRIVER_LOW:
    case VIRTIO_MMIO_QUEUE_DRIVER_HIGH:
        if (queue_settable)
            set_half(&vq->driver, off == VIRTIO_MMIO_QUEUE_DRIVER_HIGH, v);
        break;
    case VIRTIO_MMIO_QUEUE_DEVICE_LOW:
    case VIRTIO_MMIO_QUEUE_DEVICE_HIGH:
        if (queue_settable)
            set_half(&vq->device, off == VIRTIO_MMIO_QUEUE_DEVICE_HIGH, v);
        break;
    default: break; /* read-only and reserved registers ignore writes */
    }
    return TRUE;
}

void virtio_dev_serve(VirtioDev *dev)
{
    while (dev->pending) {
        guint q = (guint)g_bit_nth_lsf(dev->pending, -1);
        dev->pending &= ~(G_GUINT64_CONSTANT(1) << q);
        /* A driver may notify before DRIVER_OK (4.2.2): it is served once
         * the queue is live, at its next notification. */
        if (!virtio_dev_broken(dev) && (dev->status & VIRTIO_STATUS_DRIVER_OK) &&
            dev->queues[q].ready)
            dev->ops->notified(dev, q);
    }
}

void virtq_interrupt(VirtioDev *dev)
{
    dev->interrupt_status |= VIRTIO_INT_USED;
    drive_line(dev);
}
