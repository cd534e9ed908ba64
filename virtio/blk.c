/* SPDX-License-Identifier: MIT */
/* virtio-blk (virtio 1.2, 5.2) on a raw image file: reads, writes, flush
 * (fdatasync, so what the guest's sync wrote is on the host's disk when it
 * returns) and the device id. One request queue. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "virtio/virtio.h"

#define SECTOR 512u
#define VIRTIO_ID_BLOCK 2u

#define VIRTIO_BLK_F_SEG_MAX 2
#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH 9

#define VIRTIO_BLK_T_IN 0u
#define VIRTIO_BLK_T_OUT 1u
#define VIRTIO_BLK_T_FLUSH 4u
#define VIRTIO_BLK_T_GET_ID 8u

#define VIRTIO_BLK_S_OK 0u
#define VIRTIO_BLK_S_IOERR 1u
#define VIRTIO_BLK_S_UNSUPP 2u

#define HEADER_SIZE 16u
#define ID_BYTES 20u
/* Bytes moved between the image and guest RAM per step. */
#define CHUNK (64u * 1024u)

/* The config space's fields we offer (5.2.4), little-endian as the guest reads them. */
#define CONFIG_CAPACITY 0u
#define CONFIG_SEG_MAX 12u
#define CONFIG_BLK_SIZE 20u
#define CONFIG_SIZE 24u

typedef struct {
    int fd;
    guint64 sectors;
    guint8 config[CONFIG_SIZE];
    guint8 *bounce; /* CHUNK bytes */
} Blk;

static guint64 blk_features(VirtioDev *dev)
{
    guint64 f = (G_GUINT64_CONSTANT(1) << VIRTIO_BLK_F_SEG_MAX) |
                (G_GUINT64_CONSTANT(1) << VIRTIO_BLK_F_BLK_SIZE) |
                (G_GUINT64_CONSTANT(1) << VIRTIO_BLK_F_FLUSH);
    if (dev->cfg->readonly)
        f |= G_GUINT64_CONSTANT(1) << VIRTIO_BLK_F_RO;
    return f;
}

static gboolean blk_config_read(VirtioDev *dev, guint off, guint size, guint32 *value)
{
    Blk *blk = dev->backend;
    if (off >= CONFIG_SIZE || size > CONFIG_SIZE - off)
        return FALSE;
    guint32 v = 0;
    memcpy(&v, blk->config + off, size); /* the bytes are little-endian, as the host */
    *value = GUINT32_FROM_LE(v);
    return TRUE;
}

/* Does [sector, sector + bytes / SECTOR) lie on the disk? */
static gboolean on_disk(const Blk *blk, guint64 sector, gsize bytes)
{
    guint64 n = (bytes + SECTOR - 1) / SECTOR;
    return sector <= blk->sectors && n <= blk->sectors - sector;
}

static guint8 blk_read(VirtioDev *dev, const VirtioChain *chain, guint64 sector, gsize len)
{
    Blk *blk = dev->backend;
    if (!on_disk(blk, sector, len))
        return VIRTIO_BLK_S_IOERR;
    for (gsize done = 0; done < len;) {
        gsize n = MIN(len - done, CHUNK);
        ssize_t got = pread(blk->fd, blk->bounce, n, (off_t)(sector * SECTOR + done));
        if (got <= 0) {
            g_warning("[device.%s]: reading %s: %s", dev->cfg->name, dev->cfg->file,
                      got < 0 ? g_strerror(errno) : "unexpected end of file");
            return VIRTIO_BLK_S_IOERR;
        }
        if (virtio_chain_write(dev, chain, done, blk->bounce, (gsize)got) != got)
            return VIRTIO_BLK_S_IOERR;
        done += (gsize)got;
    }
    return VIRTIO_BLK_S_OK;
}

static guint8 blk_write(VirtioDev *dev, const VirtioChain *chain, guint64 sector, gsize len)
{
    Blk *blk = dev->backend;
    if (dev->cfg->readonly || !on_disk(blk, sector, len))
        return VIRTIO_BLK_S_IOERR;
    for (gsize done = 0; done < len;) {
        gsize n = MIN(len - done, CHUNK);
        if (virtio_chain_read(dev, chain, HEADER_SIZE + done, blk->bounce, n) != (gssize)n)
            return VIRTIO_BLK_S_IOERR;
        ssize_t put = pwrite(blk->fd, blk->bounce, n, (off_t)(sector * SECTOR + done));
        if (put != (ssize_t)n) {
            g_warning("[device.%s]: writing %s: %s", dev->cfg->name, dev->cfg->file,
                      put < 0 ? g_strerror(errno) : "short write");
            return VIRTIO_BLK_S_IOERR;
        }
        done += n;
    }
    return VIRTIO_BLK_S_OK;
}

static guint32 blk_request(VirtioDev *dev, guint q, const VirtioChain *chain)
{
    Blk *blk = dev->backend;
    gsize writable = virtio_chain_writable(chain);
    if (writable == 0) {
        virtio_dev_break(dev, "a block request with no status byte");
        return 0;
    }
    gsize data_in = writable - 1; /* the status byte is the last writable one */
    guint8 header[HEADER_SIZE];
    guint8 status = VIRTIO_BLK_S_IOERR;
    guint32 written = 0;
    if (virtio_chain_read(dev, chain, 0, header, sizeof header) == (gssize)sizeof header) {
        guint32 type;
        guint64 sector;
        memcpy(&type, header, 4);
        memcpy(&sector, header + 8, 8);
        type = GUINT32_FROM_LE(type);
        sector = GUINT64_FROM_LE(sector);
        switch (type) {
        case VIRTIO_BLK_T_IN:
            status = blk_read(dev, chain, sector, data_in);
            written = status == VIRTIO_BLK_S_OK ? (guint32)data_in : 0;
            break;
        case VIRTIO_BLK_T_OUT:
            status = blk_write(dev, chain, sector, virtio_chain_readable(chain) - HEADER_SIZE);
            break;
        case VIRTIO_BLK_T_FLUSH:
            status = dev->cfg->readonly || fdatasync(blk->fd) == 0 ? VIRTIO_BLK_S_OK
                                                                   : VIRTIO_BLK_S_IOERR;
            break;
        case VIRTIO_BLK_T_GET_ID: {
            char id[ID_BYTES] = { 0 }; /* not NUL-terminated when it fills all 20 */
            memcpy(id, dev->cfg->serial, MIN(strlen(dev->cfg->serial), sizeof id));
            gsize n = MIN(data_in, sizeof id);
            status = virtio_chain_write(dev, chain, 0, id, n) == (gssize)n ? VIRTIO_BLK_S_OK
                                                                            : VIRTIO_BLK_S_IOERR;
            written = status == VIRTIO_BLK_S_OK ? (guint32)n : 0;
            break;
        }
        default:
            status = VIRTIO_BLK_S_UNSUPP;
            break;
        }
    }
    if (virtio_chain_write(dev, chain, data_in, &status, 1) != 1) {
        virtio_dev_break(dev, "a block request's status byte is not RAM");
        return 0;
    }
    return written + 1;
}

static void blk_notified(VirtioDev *dev, guint q)
{
    virtq_serve(dev, q, blk_request);
}

static void blk_free(VirtioDev *dev)
{
    Blk *blk = dev->backend;
    close(blk->fd);
    g_free(blk->bounce);
    g_free(blk);
}

static const VirtioDevOps blk_ops = {
    .device_id = VIRTIO_ID_BLOCK,
    .n_queues = 1,
    .features = blk_features,
    .config_read = blk_config_read,
    .notified = blk_notified,
    .free = blk_free,
};

static void put_le(guint8 *at, guint64 value, guint bytes)
{
    for (guint i = 0; i < bytes; i++)
        at[i] = (guint8)(value >> (8 * i));
}

VirtioDev *virtio_blk_new(const CfgDevice *cfg, const VirtioHost *host, gpointer host_opaque,
                          GError **error)
{
    int fd = open(cfg->file, (cfg->readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        int e = errno;
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "[device.%s]: %s: %s",
                    cfg->name, cfg->file, g_strerror(e));
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    Blk *blk = g_new0(Blk, 1);
    blk->fd = fd;
    blk->sectors = (guint64)st.st_size / SECTOR; /* a partial last sector is not offered */
    blk->bounce = g_malloc(CHUNK);
    put_le(blk->config + CONFIG_CAPACITY, blk->sectors, 8);
    put_le(blk->config + CONFIG_SEG_MAX, VIRTIO_QUEUE_NUM_MAX - 2, 4); /* header and status */
    put_le(blk->config + CONFIG_BLK_SIZE, SECTOR, 4);
    return virtio_dev_new(&blk_ops, cfg, host, host_opaque, blk);
}
