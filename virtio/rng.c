/* SPDX-License-Identifier: MIT */
/* virtio-rng (virtio 1.2, 5.4): every buffer the driver posts is filled
 * from the host's getrandom, as QEMU's rng-random backend on /dev/urandom. */
#include <sys/random.h>

#include "virtio/virtio.h"

#define VIRTIO_ID_ENTROPY 4u
/* Bytes handed out per request at most: Linux asks for up to a page. */
#define RNG_MAX 4096u

static guint64 rng_features(VirtioDev *dev)
{
    return 0;
}

static gboolean rng_config_read(VirtioDev *dev, guint off, guint size, guint32 *value)
{
    return FALSE; /* no config space */
}

static guint32 rng_request(VirtioDev *dev, guint q, const VirtioChain *chain)
{
    guint8 bytes[RNG_MAX];
    gsize want = MIN(virtio_chain_writable(chain), sizeof bytes);
    ssize_t got = getrandom(bytes, want, 0);
    if (got <= 0)
        return 0; /* interrupted: the driver asks again */
    gssize put = virtio_chain_write(dev, chain, 0, bytes, (gsize)got);
    if (put < 0) {
        virtio_dev_break(dev, "an entropy buffer outside RAM");
        return 0;
    }
    return (guint32)put;
}

static void rng_notified(VirtioDev *dev, guint q)
{
    virtq_serve(dev, q, rng_request);
}

static const VirtioDevOps rng_ops = {
    .device_id = VIRTIO_ID_ENTROPY,
    .n_queues = 1,
    .features = rng_features,
    .config_read = rng_config_read,
    .notified = rng_notified,
};

VirtioDev *virtio_rng_new(const CfgDevice *cfg, const VirtioHost *host, gpointer host_opaque)
{
    return virtio_dev_new(&rng_ops, cfg, host, host_opaque, NULL);
}
