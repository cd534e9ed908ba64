/* SPDX-License-Identifier: MIT */
/* shoal-virtio's devices: the virtio-mmio transport (virtio 1.2, version 2
 * registers), split virtqueues, and the device backends (block, entropy).
 * A device reaches guest RAM only through VirtioHost, which the process
 * implements with coherent DMA through the memory server (main.c) and the
 * unit tests with a buffer; so everything here is plain state machines on
 * one thread, and all of a guest's numbers (indices, addresses, lengths) are
 * checked before use: a driver's mistake breaks the device
 * (DEVICE_NEEDS_RESET), never the process. */
#ifndef SHOAL_VIRTIO_H
#define SHOAL_VIRTIO_H

#include <glib.h>

#include "config/cfg.h"

/* Register offsets of the virtio-mmio transport, version 2. */
enum {
    VIRTIO_MMIO_MAGIC = 0x000,
    VIRTIO_MMIO_VERSION = 0x004,
    VIRTIO_MMIO_DEVICE_ID = 0x008,
    VIRTIO_MMIO_VENDOR_ID = 0x00c,
    VIRTIO_MMIO_DEVICE_FEATURES = 0x010,
    VIRTIO_MMIO_DEVICE_FEATURES_SEL = 0x014,
    VIRTIO_MMIO_DRIVER_FEATURES = 0x020,
    VIRTIO_MMIO_DRIVER_FEATURES_SEL = 0x024,
    VIRTIO_MMIO_QUEUE_SEL = 0x030,
    VIRTIO_MMIO_QUEUE_NUM_MAX = 0x034,
    VIRTIO_MMIO_QUEUE_NUM = 0x038,
    VIRTIO_MMIO_QUEUE_READY = 0x044,
    VIRTIO_MMIO_QUEUE_NOTIFY = 0x050,
    VIRTIO_MMIO_INTERRUPT_STATUS = 0x060,
    VIRTIO_MMIO_INTERRUPT_ACK = 0x064,
    VIRTIO_MMIO_STATUS = 0x070,
    VIRTIO_MMIO_QUEUE_DESC_LOW = 0x080,
    VIRTIO_MMIO_QUEUE_DESC_HIGH = 0x084,
    VIRTIO_MMIO_QUEUE_DRIVER_LOW = 0x090,
    VIRTIO_MMIO_QUEUE_DRIVER_HIGH = 0x094,
    VIRTIO_MMIO_QUEUE_DEVICE_LOW = 0x0a0,
    VIRTIO_MMIO_QUEUE_DEVICE_HIGH = 0x0a4,
    VIRTIO_MMIO_SHM_SEL = 0x0ac,
    VIRTIO_MMIO_SHM_LEN_LOW = 0x0b0,
    VIRTIO_MMIO_SHM_LEN_HIGH = 0x0b4,
    VIRTIO_MMIO_SHM_BASE_LOW = 0x0b8,
    VIRTIO_MMIO_SHM_BASE_HIGH = 0x0bc,
    VIRTIO_MMIO_CONFIG_GENERATION = 0x0fc,
    VIRTIO_MMIO_CONFIG = 0x100,
};

#define VIRTIO_MMIO_MAGIC_VALUE 0x74726976u /* "virt" */
#define VIRTIO_VENDOR_SHOAL 0x6c616f68u     /* "hoal": ours, no PCI vendor behind it */

/* Device status bits. */
#define VIRTIO_STATUS_ACKNOWLEDGE 1u
#define VIRTIO_STATUS_DRIVER 2u
#define VIRTIO_STATUS_DRIVER_OK 4u
#define VIRTIO_STATUS_FEATURES_OK 8u
#define VIRTIO_STATUS_NEEDS_RESET 64u
#define VIRTIO_STATUS_FAILED 128u

/* InterruptStatus bits. */
#define VIRTIO_INT_USED 1u
#define VIRTIO_INT_CONFIG 2u

/* Transport features every device offers. */
#define VIRTIO_F_RING_INDIRECT_DESC 28
#define VIRTIO_F_RING_EVENT_IDX 29
#define VIRTIO_F_VERSION_1 32

#define VIRTIO_QUEUE_NUM_MAX 256u
/* Bytes of a split ring's descriptor table and avail ring (flags, idx,
 * ring[num], used_event) for a queue of @num (2.7.5, 2.7.6). */
#define VIRTQ_DESC_BYTES(num) (16u * (num))
#define VIRTQ_AVAIL_BYTES(num) (4u + 2u * (num) + 2u)
/* Longest descriptor chain a request may have (direct or indirect): a
 * chain longer than its queue loops. */
#define VIRTIO_CHAIN_MAX 1024u

/* What a device needs of the machine. */
typedef struct {
    /* Guest RAM, coherent with the harts; FALSE if [addr, addr+len) is not RAM. */
    gboolean (*read)(gpointer opaque, guint64 addr, void *buf, gsize len);
    gboolean (*write)(gpointer opaque, guint64 addr, const void *buf, gsize len);
    /* Every write made so far is in RAM before any later read is served
     * (writes are posted, and a read of another page may overtake them). */
    void (*fence)(gpointer opaque);
    /* The device's interrupt line (its PLIC source) is now @level. */
    void (*set_line)(gpointer opaque, gboolean level);
} VirtioHost;

/* One buffer of a chain, in guest RAM. */
typedef struct {
    guint64 addr;
    guint32 len;
    gboolean device_writes; /* VIRTQ_DESC_F_WRITE */
} VirtioSeg;

/* A request the driver made available: its descriptors, flattened (an
 * indirect table's in place of the descriptor that points to it). */
typedef struct {
    guint16 head; /* what goes back in the used ring */
    guint n_segs;
    VirtioSeg segs[VIRTIO_CHAIN_MAX];
} VirtioChain;

typedef struct {
    guint32 num;        /* QueueNum */
    gboolean ready;     /* QueueReady */
    guint64 desc, driver, device; /* the descriptor table, avail and used rings */
    guint16 last_avail; /* the next avail entry the device takes */
    guint16 used_idx;   /* the used ring's idx as the device last wrote it */
    guint16 signalled;  /* used_idx when the driver was last interrupted (event idx) */
} VirtQueue;

typedef struct VirtioDev VirtioDev;

typedef struct {
    guint32 device_id;  /* 2 block, 4 entropy */
    guint n_queues;
    /* Device features besides the transport's (bit n = feature n). */
    guint64 (*features)(VirtioDev *dev);
    /* Config space at @off (from 0x100), @size 1/2/4 bytes; FALSE: outside it. */
    gboolean (*config_read)(VirtioDev *dev, guint off, guint size, guint32 *value);
    /* The driver made buffers available on queue @q (QueueNotify). */
    void (*notified)(VirtioDev *dev, guint q);
    /* Host fds the device waits on beside the link (NULL: none): appends
     * them to @fds (struct pollfd) and lowers *@timeout_ms (-1: forever)
     * to its next timer. */
    void (*poll_prepare)(VirtioDev *dev, GArray *fds, int *timeout_ms);
    /* After the wait, @fds with revents (@failed: the wait failed). */
    void (*poll_done)(VirtioDev *dev, GArray *fds, gboolean failed);
    void (*free)(VirtioDev *dev);
} VirtioDevOps;

struct VirtioDev {
    const VirtioDevOps *ops;
    const CfgDevice *cfg;
    const VirtioHost *host;
    gpointer host_opaque;
    gpointer backend;           /* the device's own state */
    guint32 status;
    guint32 device_features_sel, driver_features_sel, queue_sel;
    guint64 driver_features;
    guint32 interrupt_status;
    guint32 config_generation;  /* ConfigGeneration: +1 at each change of config space */
    gboolean line;              /* as last driven */
    VirtQueue queues[2];
    guint64 pending;            /* queues notified and not yet served (bit q) */
    VirtioChain *chain;         /* the request being served */
    /* Per queue, what a batch read of guest RAM (queue.c): the avail ring
     * (flags, idx, ring, used_event) and the descriptor table, the latter
     * read again after each new avail snapshot (desc_fresh FALSE). */
    guint8 *avail_snap[2];
    guint8 *desc_snap[2];
    gboolean desc_fresh[2];
};

/* ---- mmio.c: the transport ---- */
/* A new device of kind @ops on @cfg, reset; backends call it (blk.c, rng.c). */
VirtioDev *virtio_dev_new(const VirtioDevOps *ops, const CfgDevice *cfg, const VirtioHost *host,
                          gpointer host_opaque, gpointer backend);
void virtio_dev_free(VirtioDev *dev);
/* As at power-on (a machine reset, or the driver writing Status 0): no
 * queue, no feature, the line low. */
void virtio_dev_reset(VirtioDev *dev);
/* A hart's access to the device's window at @off. FALSE: an access fault. */
gboolean virtio_mmio_read(VirtioDev *dev, guint64 off, guint size, guint64 *value);
gboolean virtio_mmio_write(VirtioDev *dev, guint64 off, guint size, guint64 value);
/* Serves the queues notified since the last call: after the access that
 * notified has been answered (a request's DMA must not wait on the hart
 * that waits for the answer). */
void virtio_dev_serve(VirtioDev *dev);
/* Whether feature @bit was negotiated. */
gboolean virtio_has_feature(const VirtioDev *dev, guint bit);
/* The driver did something no device can go on from (a looping chain, a
 * ring outside RAM): DEVICE_NEEDS_RESET and a config interrupt, as the spec
 * asks; nothing more is served until the driver resets the device. */
void virtio_dev_break(VirtioDev *dev, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
gboolean virtio_dev_broken(const VirtioDev *dev);
/* The device changed its config space (a network link went up or down):
 * a new ConfigGeneration, and the config-change interrupt once the driver
 * is running (4.2.2, 2.5.1). */
void virtio_dev_config_changed(VirtioDev *dev);
/* Raises the used-buffer interrupt (queue.c, after its checks). */
void virtq_interrupt(VirtioDev *dev);

/* ---- queue.c: split virtqueues ---- */
/* Serves one request: its reply written with virtio_chain_write, returns
 * how many bytes it stored (the used ring's len). */
typedef guint32 (*VirtqHandler)(VirtioDev *dev, guint q, const VirtioChain *chain);
/* Serves every chain available on queue @q with @handle, returns them in
 * the used ring and interrupts the driver unless it asked not to be. Stops
 * when the device breaks. */
void virtq_serve(VirtioDev *dev, guint q, VirtqHandler handle);
/* Whether the device has more to hand the driver (received frames). */
typedef gboolean (*VirtqMore)(VirtioDev *dev);
/* virtq_serve for a queue the device fills when it has something: takes
 * chains only while @more says so (a receive queue's buffers wait for
 * frames). */
void virtq_serve_while(VirtioDev *dev, guint q, VirtqHandler handle, VirtqMore more);
/* Copies the chain's driver-written bytes from @offset on (skipping
 * device-writable segments) into @buf, up to @len: how many were copied, or
 * -1 if the guest's addresses are not RAM. */
gssize virtio_chain_read(VirtioDev *dev, const VirtioChain *chain, gsize offset, void *buf,
                         gsize len);
/* Stores @len bytes into the chain's device-writable buffers from @offset
 * (counted over those buffers only): how many fit, or -1 as above. */
gssize virtio_chain_write(VirtioDev *dev, const VirtioChain *chain, gsize offset,
                          const void *buf, gsize len);
/* Bytes of the chain the driver wrote / the device may write. */
gsize virtio_chain_readable(const VirtioChain *chain);
gsize virtio_chain_writable(const VirtioChain *chain);

/* ---- the backends ---- */
/* virtio-blk on [device.NAME] file=: NULL + error if the image cannot be
 * opened as the config says. */
VirtioDev *virtio_blk_new(const CfgDevice *cfg, const VirtioHost *host, gpointer host_opaque,
                          GError **error);
VirtioDev *virtio_rng_new(const CfgDevice *cfg, const VirtioHost *host, gpointer host_opaque);
/* virtio-console on [device.NAME] socket=: NULL + error if it cannot listen. */
VirtioDev *virtio_console_new(const CfgDevice *cfg, const VirtioHost *host,
                              gpointer host_opaque, GError **error);
/* virtio-net on the backend netdev= names (virtio/net.h): NULL + error if
 * it cannot be opened (a forwarded port, a socket, a tap). */
VirtioDev *virtio_net_new(const CfgDevice *cfg, const VirtioHost *host, gpointer host_opaque,
                          GError **error);

#endif /* SHOAL_VIRTIO_H */
