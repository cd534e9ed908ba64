/* SPDX-License-Identifier: MIT */
/* The virtio-mmio transport, split virtqueues and virtio-blk (virtio/) as a
 * driver drives them, with a buffer standing for guest RAM: requests that
 * work, and a driver's mistakes (a looping chain, rings outside RAM, a
 * queue size that is not a power of 2, nested indirect tables, sectors past
 * the disk, writes to a read-only disk) that must fail the request or
 * break the device, never the process. And virtio-net's backends: user
 * networking answering an ARP, two stream links and two datagram ones in
 * one process passing frames both ways, a peer that sends a bad length,
 * the card's link status following its peer, and a tap. */
#include <arpa/inet.h>
#include <glib/gstdio.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "virtio/net.h"
#include "virtio/virtio.h"

#define RAM_BASE G_GUINT64_CONSTANT(0x80000000)
#define RAM_SIZE (256u * 1024u)
#define DESC (RAM_BASE + 0x1000)
#define AVAIL (RAM_BASE + 0x2000)
#define USED (RAM_BASE + 0x3000)
#define BUF (RAM_BASE + 0x10000)
#define QUEUE 8u
#define SECTORS 64u

typedef struct {
    guint8 *ram;
    gboolean line;
    guint line_changes;
    char *image;
    CfgDevice cfg;
    VirtioDev *dev;
    guint16 avail_idx;
} Fixture;

static gboolean ram_read(gpointer opaque, guint64 addr, void *buf, gsize len)
{
    Fixture *f = opaque;
    if (addr < RAM_BASE || addr - RAM_BASE > RAM_SIZE || len > RAM_SIZE - (addr - RAM_BASE))
        return FALSE;
    memcpy(buf, f->ram + (addr - RAM_BASE), len);
    return TRUE;
}

static gboolean ram_write(gpointer opaque, guint64 addr, const void *buf, gsize len)
{
    Fixture *f = opaque;
    if (addr < RAM_BASE || addr - RAM_BASE > RAM_SIZE || len > RAM_SIZE - (addr - RAM_BASE))
        return FALSE;
    memcpy(f->ram + (addr - RAM_BASE), buf, len);
    return TRUE;
}

static void set_line(gpointer opaque, gboolean level)
{
    Fixture *f = opaque;
    f->line = level;
    f->line_changes++;
}

/* The buffer is written at once: nothing to wait for. */
static void ram_fence(gpointer opaque)
{
}

static const VirtioHost host = { ram_read, ram_write, ram_fence, set_line };

static guint8 *at(Fixture *f, guint64 addr)
{
    return f->ram + (addr - RAM_BASE);
}

static void make_blk(Fixture *f, gboolean readonly)
{
    GError *error = NULL;
    int fd = g_file_open_tmp("shoal-virtio-XXXXXX.img", &f->image, &error);
    g_assert_no_error(error);
    guint8 sector[512];
    for (guint s = 0; s < SECTORS; s++) {
        for (guint i = 0; i < sizeof sector; i++)
            sector[i] = (guint8)(s * 7 + i);
        g_assert_cmpint(write(fd, sector, sizeof sector), ==, sizeof sector);
    }
    close(fd);
    f->cfg = (CfgDevice){ .name = "disk0", .type = CFG_DEVICE_VIRTIO_BLK, .irq = 8,
                          .file = f->image, .readonly = readonly, .serial = "" };
    f->dev = virtio_blk_new(&f->cfg, &host, f, &error);
    g_assert_no_error(error);
}

static void setup(Fixture *f, gconstpointer readonly)
{
    f->ram = g_malloc0(RAM_SIZE);
    make_blk(f, GPOINTER_TO_INT(readonly));
}

static void teardown(Fixture *f, gconstpointer data)
{
    virtio_dev_free(f->dev);
    g_unlink(f->image);
    g_free(f->image);
    g_free(f->ram);
}

static guint32 rd(Fixture *f, guint64 off)
{
    guint64 v = 0;
    g_assert_true(virtio_mmio_read(f->dev, off, 4, &v));
    return (guint32)v;
}

static void wr(Fixture *f, guint64 off, guint32 v)
{
    g_assert_true(virtio_mmio_write(f->dev, off, 4, v));
}

/* The driver's side of 3.1.1, with @features accepted and queue 0 of
 * @num entries at DESC/AVAIL/USED; TRUE if the device took it live. */
static gboolean bring_up(Fixture *f, guint64 features, guint32 num)
{
    wr(f, VIRTIO_MMIO_STATUS, 0);
    wr(f, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
    wr(f, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
    wr(f, VIRTIO_MMIO_DRIVER_FEATURES, (guint32)features);
    wr(f, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
    wr(f, VIRTIO_MMIO_DRIVER_FEATURES, (guint32)(features >> 32));
    wr(f, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
                                  VIRTIO_STATUS_FEATURES_OK);
    if (!(rd(f, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK))
        return FALSE;
    wr(f, VIRTIO_MMIO_QUEUE_SEL, 0);
    wr(f, VIRTIO_MMIO_QUEUE_NUM, num);
    wr(f, VIRTIO_MMIO_QUEUE_DESC_LOW, (guint32)DESC);
    wr(f, VIRTIO_MMIO_QUEUE_DESC_HIGH, (guint32)(DESC >> 32));
    wr(f, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (guint32)AVAIL);
    wr(f, VIRTIO_MMIO_QUEUE_DRIVER_HIGH, (guint32)(AVAIL >> 32));
    wr(f, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (guint32)USED);
    wr(f, VIRTIO_MMIO_QUEUE_DEVICE_HIGH, (guint32)(USED >> 32));
    wr(f, VIRTIO_MMIO_QUEUE_READY, 1);
    wr(f, VIRTIO_MMIO_STATUS, rd(f, VIRTIO_MMIO_STATUS) | VIRTIO_STATUS_DRIVER_OK);
    return rd(f, VIRTIO_MMIO_QUEUE_READY) == 1;
}

/* virtio-net's transmit queue (1) of QUEUE entries, 0x8000 above queue 0's
 * rings, made live after bring_up. */
static void net_transmit_queue_up(Fixture *f)
{
    wr(f, VIRTIO_MMIO_QUEUE_SEL, 1);
    wr(f, VIRTIO_MMIO_QUEUE_NUM, QUEUE);
    wr(f, VIRTIO_MMIO_QUEUE_DESC_LOW, (guint32)(DESC + 0x8000));
    wr(f, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (guint32)(AVAIL + 0x8000));
    wr(f, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (guint32)(USED + 0x8000));
    wr(f, VIRTIO_MMIO_QUEUE_READY, 1);
}

#define VERSION_1 (G_GUINT64_CONSTANT(1) << VIRTIO_F_VERSION_1)

static void put_desc(Fixture *f, guint64 table, guint i, guint64 addr, guint32 len,
                     guint16 flags, guint16 next)
{
    guint8 *d = at(f, table + 16u * i);
    memcpy(d, &addr, 8);
    memcpy(d + 8, &len, 4);
    memcpy(d + 12, &flags, 2);
    memcpy(d + 14, &next, 2);
}

/* Makes chain @head available and notifies, as a driver does. */
static void submit(Fixture *f, guint16 head)
{
    guint16 *ring = (guint16 *)at(f, AVAIL + 4);
    ring[f->avail_idx % QUEUE] = head;
    f->avail_idx++;
    memcpy(at(f, AVAIL + 2), &f->avail_idx, 2);
    wr(f, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    virtio_dev_serve(f->dev);
}

static guint16 used_idx(Fixture *f)
{
    guint16 v;
    memcpy(&v, at(f, USED + 2), 2);
    return v;
}

static guint32 used_len(Fixture *f, guint slot)
{
    guint32 v;
    memcpy(&v, at(f, USED + 4 + 8u * slot + 4), 4);
    return v;
}

/* A block request in descriptors 0 (header), 1 (data at @data, @len bytes)
 * and 2 (status at BUF - 1). */
static guint8 block_request_at(Fixture *f, guint32 type, guint64 sector, guint64 data,
                               guint32 len, gboolean device_writes)
{
    guint8 *hdr = at(f, RAM_BASE + 0x4000);
    memset(hdr, 0, 16);
    memcpy(hdr, &type, 4);
    memcpy(hdr + 8, &sector, 8);
    *at(f, BUF - 1) = 0xee;
    put_desc(f, DESC, 0, RAM_BASE + 0x4000, 16, 1, 1);
    put_desc(f, DESC, 1, data, len, (guint16)(1 | (device_writes ? 2 : 0)), 2);
    put_desc(f, DESC, 2, BUF - 1, 1, 2, 0);
    submit(f, 0);
    return *at(f, BUF - 1);
}

static guint8 block_request(Fixture *f, guint32 type, guint64 sector, guint32 len,
                            gboolean device_writes)
{
    return block_request_at(f, type, sector, BUF, len, device_writes);
}

static void test_identity(Fixture *f, gconstpointer data)
{
    g_assert_cmphex(rd(f, VIRTIO_MMIO_MAGIC), ==, VIRTIO_MMIO_MAGIC_VALUE);
    g_assert_cmpuint(rd(f, VIRTIO_MMIO_VERSION), ==, 2);
    g_assert_cmpuint(rd(f, VIRTIO_MMIO_DEVICE_ID), ==, 2);
    wr(f, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
    g_assert_cmphex(rd(f, VIRTIO_MMIO_DEVICE_FEATURES) & 1, ==, 1); /* VERSION_1 */
    guint64 cap = 0;
    g_assert_true(virtio_mmio_read(f->dev, VIRTIO_MMIO_CONFIG, 4, &cap));
    g_assert_cmpuint(cap, ==, SECTORS);
    /* registers are 32-bit wide and aligned */
    guint64 v;
    g_assert_false(virtio_mmio_read(f->dev, VIRTIO_MMIO_STATUS, 2, &v));
    g_assert_false(virtio_mmio_write(f->dev, VIRTIO_MMIO_STATUS + 1, 4, 0));
    /* a legacy driver (no VERSION_1) is refused at FEATURES_OK */
    g_assert_false(bring_up(f, 0, QUEUE));
    g_assert_true(bring_up(f, VERSION_1, QUEUE));
}

static void test_read_write(Fixture *f, gconstpointer data)
{
    g_assert_true(bring_up(f, VERSION_1, QUEUE));
    g_assert_cmpuint(block_request(f, 0, 3, 1024, TRUE), ==, 0);
    for (guint i = 0; i < 1024; i++)
        g_assert_cmpuint(*at(f, BUF + i), ==, (guint8)((3 + i / 512) * 7 + i % 512));
    g_assert_cmpuint(used_idx(f), ==, 1);
    g_assert_cmpuint(used_len(f, 0), ==, 1025);
    g_assert_true(f->line);
    g_assert_cmpuint(rd(f, VIRTIO_MMIO_INTERRUPT_STATUS), ==, VIRTIO_INT_USED);
    wr(f, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_INT_USED);
    g_assert_false(f->line);

    memset(at(f, BUF), 0x5a, 512);
    g_assert_cmpuint(block_request(f, 1, 9, 512, FALSE), ==, 0);
    g_assert_cmpuint(used_len(f, 1), ==, 1);
    g_assert_cmpuint(block_request(f, 4, 0, 0, FALSE), ==, 0); /* flush */
    memset(at(f, BUF), 0, 512);
    g_assert_cmpuint(block_request(f, 0, 9, 512, TRUE), ==, 0);
    g_assert_cmpuint(*at(f, BUF + 100), ==, 0x5a);

    /* past the end, or straddling it: IOERR, the device goes on */
    g_assert_cmpuint(block_request(f, 0, SECTORS, 512, TRUE), ==, 1);
    g_assert_cmpuint(block_request(f, 0, SECTORS - 1, 1024, TRUE), ==, 1);
    g_assert_cmpuint(block_request(f, 1, G_MAXUINT64, 512, FALSE), ==, 1);
    g_assert_cmpuint(block_request(f, 0x40, 0, 512, TRUE), ==, 2); /* UNSUPP */
    /* data outside RAM: the request fails, the device goes on */
    g_assert_cmpuint(block_request_at(f, 0, 0, RAM_BASE + RAM_SIZE - 256, 512, TRUE), ==, 1);
    g_assert_false(virtio_dev_broken(f->dev));
    g_assert_cmpuint(used_idx(f), ==, 9);
}

static void test_readonly(Fixture *f, gconstpointer data)
{
    g_assert_true(bring_up(f, VERSION_1, QUEUE));
    wr(f, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
    g_assert_cmphex(rd(f, VIRTIO_MMIO_DEVICE_FEATURES) & (1u << 5), !=, 0); /* RO */
    g_assert_cmpuint(block_request(f, 1, 0, 512, FALSE), ==, 1);
    g_assert_cmpuint(block_request(f, 0, 0, 512, TRUE), ==, 0);
    g_assert_cmpuint(*at(f, BUF + 1), ==, 1);
}

/* The next action breaks the device, which logs why. */
static void expect_break(void)
{
    g_test_expect_message("shoal-virtio", G_LOG_LEVEL_WARNING, "*the device needs a reset");
}

/* The device needs a reset: it says so, interrupts for the config change,
 * serves nothing more, and a reset brings it back. */
static void assert_broken_then_reset(Fixture *f)
{
    g_test_assert_expected_messages();
    g_assert_true(virtio_dev_broken(f->dev));
    g_assert_cmphex(rd(f, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET, !=, 0);
    g_assert_true(f->line);
    g_assert_cmphex(rd(f, VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_INT_CONFIG, !=, 0);
    guint16 before = used_idx(f);
    block_request(f, 0, 0, 512, TRUE);
    g_assert_cmpuint(used_idx(f), ==, before);
    f->avail_idx = 0;
    memset(at(f, AVAIL), 0, 0x1000);
    memset(at(f, USED), 0, 0x1000);
    g_assert_true(bring_up(f, VERSION_1, QUEUE));
    g_assert_false(virtio_dev_broken(f->dev));
    g_assert_false(f->line);
    g_assert_cmpuint(block_request(f, 0, 1, 512, TRUE), ==, 0);
}

static void test_loop(Fixture *f, gconstpointer data)
{
    g_assert_true(bring_up(f, VERSION_1, QUEUE));
    put_desc(f, DESC, 0, RAM_BASE + 0x4000, 16, 1, 1);
    put_desc(f, DESC, 1, BUF, 512, 1 | 2, 0); /* back to 0 */
    expect_break();
    submit(f, 0);
    assert_broken_then_reset(f);
}

static void test_next_past_ring(Fixture *f, gconstpointer data)
{
    g_assert_true(bring_up(f, VERSION_1, QUEUE));
    put_desc(f, DESC, 0, RAM_BASE + 0x4000, 16, 1, QUEUE);
    expect_break();
    submit(f, 0);
    assert_broken_then_reset(f);
}

static void test_ring_outside_ram(Fixture *f, gconstpointer data)
{
    g_assert_true(bring_up(f, VERSION_1, QUEUE));
    wr(f, VIRTIO_MMIO_QUEUE_READY, 0);
    wr(f, VIRTIO_MMIO_QUEUE_DESC_LOW, 0x1000); /* below RAM */
    wr(f, VIRTIO_MMIO_QUEUE_READY, 1);
    expect_break();
    submit(f, 0);
    assert_broken_then_reset(f);
}

static void test_queue_not_power_of_2(Fixture *f, gconstpointer data)
{
    expect_break();
    g_assert_false(bring_up(f, VERSION_1, 3));
    g_test_assert_expected_messages();
    g_assert_true(virtio_dev_broken(f->dev));
    expect_break();
    g_assert_false(bring_up(f, VERSION_1, VIRTIO_QUEUE_NUM_MAX * 2));
    g_test_assert_expected_messages();
    g_assert_true(bring_up(f, VERSION_1, QUEUE));
}

static void test_too_many_available(Fixture *f, gconstpointer data)
{
    g_assert_true(bring_up(f, VERSION_1, QUEUE));
    guint16 idx = QUEUE + 1;
    memcpy(at(f, AVAIL + 2), &idx, 2);
    expect_break();
    wr(f, VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    virtio_dev_serve(f->dev);
    assert_broken_then_reset(f);
}

static void test_indirect(Fixture *f, gconstpointer data)
{
    guint64 features = VERSION_1 | (G_GUINT64_CONSTANT(1) << VIRTIO_F_RING_INDIRECT_DESC);
    g_assert_true(bring_up(f, features, QUEUE));
    guint64 table = RAM_BASE + 0x5000;
    guint32 type = 0;
    guint64 sector = 2;
    memset(at(f, RAM_BASE + 0x4000), 0, 16);
    memcpy(at(f, RAM_BASE + 0x4000), &type, 4);
    memcpy(at(f, RAM_BASE + 0x4008), &sector, 8);
    put_desc(f, table, 0, RAM_BASE + 0x4000, 16, 1, 1);
    put_desc(f, table, 1, BUF, 512, 1 | 2, 2);
    put_desc(f, table, 2, BUF - 1, 1, 2, 0);
    put_desc(f, DESC, 0, table, 48, 4, 0);
    submit(f, 0);
    g_assert_cmpuint(*at(f, BUF - 1), ==, 0);
    g_assert_cmpuint(*at(f, BUF + 5), ==, (guint8)(2 * 7 + 5));
    /* an indirect table inside one */
    put_desc(f, table, 1, table, 48, 4, 0);
    expect_break();
    submit(f, 0);
    assert_broken_then_reset(f);
}

static void test_event_idx(Fixture *f, gconstpointer data)
{
    guint64 features = VERSION_1 | (G_GUINT64_CONSTANT(1) << VIRTIO_F_RING_EVENT_IDX);
    g_assert_true(bring_up(f, features, QUEUE));
    /* used_event = 1: no interrupt for the first used buffer, one for the second */
    guint16 used_event = 1;
    memcpy(at(f, AVAIL + 4 + 2 * QUEUE), &used_event, 2);
    block_request(f, 0, 0, 512, TRUE);
    g_assert_false(f->line);
    guint16 avail_event;
    memcpy(&avail_event, at(f, USED + 4 + 8 * QUEUE), 2);
    g_assert_cmpuint(avail_event, ==, 1); /* what the device has read */
    block_request(f, 0, 0, 512, TRUE);
    g_assert_true(f->line);
}

/* virtio-net on the real user network: an ARP request for the gateway
 * (10.0.2.2) goes out on the transmit queue, slirp's answer comes back in a
 * receive buffer with a zero header, and the link is up with the MAC the
 * config gives. */
static void test_net_arp(void)
{
    Fixture fx = { 0 }, *f = &fx;
    f->ram = g_malloc0(RAM_SIZE);
    f->cfg = (CfgDevice){ .name = "net0", .type = CFG_DEVICE_VIRTIO_NET, .irq = 3,
                          .mac = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 } };
    GError *error = NULL;
    f->dev = virtio_net_new(&f->cfg, &host, f, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(rd(f, VIRTIO_MMIO_DEVICE_ID), ==, 1);
    guint64 v;
    g_assert_true(virtio_mmio_read(f->dev, VIRTIO_MMIO_CONFIG + 5, 1, &v));
    g_assert_cmphex(v, ==, 0x56);
    g_assert_true(virtio_mmio_read(f->dev, VIRTIO_MMIO_CONFIG + 6, 2, &v));
    g_assert_cmphex(v, ==, 1); /* VIRTIO_NET_S_LINK_UP */
    /* queue 0 (receive) at DESC/AVAIL/USED, queue 1 (transmit) 0x8000 above */
    g_assert_true(bring_up(f, VERSION_1, QUEUE));
    net_transmit_queue_up(f);
    /* one receive buffer of 2 KiB */
    put_desc(f, DESC, 0, BUF + 0x4000, 2048, 2, 0);
    submit(f, 0);
    /* an ARP who-has 10.0.2.2 from 10.0.2.15, after a 12-byte zero header */
    static const guint8 arp[] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x08, 0x06,
        0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56,
        10,   0,    2,    15,   0,    0,    0,    0,    0,    0,    10,   0,    2,    2,
    };
    memset(at(f, BUF), 0, 12);
    memcpy(at(f, BUF + 12), arp, sizeof arp);
    put_desc(f, DESC + 0x8000, 0, BUF, 12 + sizeof arp, 0, 0);
    guint16 *ring = (guint16 *)at(f, AVAIL + 0x8000 + 4);
    ring[0] = 0;
    guint16 idx = 1;
    memcpy(at(f, AVAIL + 0x8000 + 2), &idx, 2);
    wr(f, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
    virtio_dev_serve(f->dev);
    g_assert_cmpuint(used_idx(f), ==, 1); /* the reply, in the receive buffer */
    g_assert_cmpuint(used_len(f, 0), >=, 12 + 42); /* slirp pads it to a minimal frame */
    const guint8 *reply = at(f, BUF + 0x4000);
    g_assert_cmpuint(reply[10], ==, 1); /* num_buffers */
    g_assert_cmpmem(reply + 12, 6, arp + 6, 6); /* to us */
    g_assert_cmpuint(reply[12 + 12], ==, 0x08); /* ARP */
    g_assert_cmpuint(reply[12 + 13], ==, 0x06);
    g_assert_cmpuint(reply[12 + 21], ==, 2);    /* a reply */
    static const guint8 gateway[] = { 10, 0, 2, 2 };
    g_assert_cmpmem(reply + 12 + 28, 4, gateway, 4);
    g_assert_true(f->line);
    virtio_dev_free(f->dev);
    g_free(f->ram);
}

/* ---- virtio-net's link backends (net-socket.c) ---- */

/* Frames a backend handed to the guest, as GBytes. */
static void keep_frame(gpointer opaque, const guint8 *frame, gsize len)
{
    g_ptr_array_add(opaque, g_bytes_new(frame, len));
}

/* One turn of shoal-virtio's loop (virtio/main.c run) for @n backends. */
static void pump(NetBackend **nb, guint n)
{
    g_autoptr(GArray) fds = g_array_new(FALSE, TRUE, sizeof(struct pollfd));
    int timeout_ms = 50;
    for (guint i = 0; i < n; i++)
        nb[i]->ops->poll_prepare(nb[i], fds, &timeout_ms);
    int rc = poll((struct pollfd *)(void *)fds->data, fds->len, timeout_ms);
    for (guint i = 0; i < n; i++)
        nb[i]->ops->poll_done(nb[i], fds, rc < 0);
}

/* Turns the loop until @cond holds; fails the test after 5 s. */
#define PUMP_UNTIL(nb, n, cond)                                                                \
    for (gint64 end_ = g_get_monotonic_time() + 5 * G_USEC_PER_SEC; !(cond); pump(nb, n))      \
        g_assert_cmpint(g_get_monotonic_time(), <, end_)

/* One turn of shoal-virtio's loop for @f's device alone: its fds polled
 * up to 50 ms, then what they have handled. */
static void device_poll(Fixture *f)
{
    g_autoptr(GArray) fds = g_array_new(FALSE, TRUE, sizeof(struct pollfd));
    int timeout_ms = 50;
    f->dev->ops->poll_prepare(f->dev, fds, &timeout_ms);
    poll((struct pollfd *)(void *)fds->data, fds->len, timeout_ms);
    f->dev->ops->poll_done(f->dev, fds, FALSE);
}

/* Turns of the device's loop until @cond, for at most 5 s. */
#define DEVICE_POLL_UNTIL(f, cond)                                                             \
    for (gint64 end_ = g_get_monotonic_time() + 5 * G_USEC_PER_SEC; !(cond); device_poll(f)) \
        g_assert_cmpint(g_get_monotonic_time(), <, end_)

/* A frame of @len bytes whose bytes say @seed. */
static guint8 *test_frame(gsize len, guint seed)
{
    guint8 *f = g_malloc(len);
    for (gsize i = 0; i < len; i++)
        f[i] = (guint8)(seed * 31 + i * 7);
    return f;
}

static void assert_frame(GPtrArray *got, guint i, gsize len, guint seed)
{
    g_assert_cmpuint(got->len, >, i);
    g_autofree guint8 *want = test_frame(len, seed);
    gsize have_len;
    const guint8 *have = g_bytes_get_data(g_ptr_array_index(got, i), &have_len);
    g_assert_cmpmem(have, have_len, want, len);
}

/* A backend on @c that keeps the frames it hears in @got; it must start. */
static NetBackend *backend_new(const CfgDevice *c, GPtrArray *got)
{
    GError *error = NULL;
    NetBackend *nb = net_backend_new(c, keep_frame, got, &error);
    g_assert_no_error(error);
    return nb;
}

/* The frames a backend heard, as GBytes. */
static GPtrArray *frames_new(void)
{
    return g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
}

static CfgDevice net_cfg(const char *name, CfgNetdev netdev)
{
    return (CfgDevice){ .name = (char *)name, .type = CFG_DEVICE_VIRTIO_NET, .irq = 3,
                        .netdev = netdev };
}

/* Two stream backends over a unix socket, one listening and one
 * connecting, as two shoal machines joined by listen= and connect=: the
 * link comes up on both, frames go both ways whole (a burst of them, one
 * of them as long as a frame may be, so reads end inside frames), and
 * after the connecting side goes a new one is taken. */
static void test_net_stream(void)
{
    g_autofree char *dir = g_dir_make_tmp("shoal-net-XXXXXX", NULL);
    g_autofree char *addr = g_strdup_printf("unix:%s/link.sock", dir);
    CfgDevice ca = net_cfg("a", CFG_NETDEV_STREAM), cb = net_cfg("b", CFG_NETDEV_STREAM);
    ca.net_listen = addr;
    cb.net_connect = addr;
    g_autoptr(GPtrArray) got_a = frames_new();
    g_autoptr(GPtrArray) got_b = frames_new();
    NetBackend *nb[2];
    nb[0] = backend_new(&ca, got_a);
    g_assert_false(nb[0]->link_up); /* nobody there yet */
    nb[1] = backend_new(&cb, got_b);
    PUMP_UNTIL(nb, 2, nb[0]->link_up && nb[1]->link_up);

    static const gsize lens[] = { 60, 1514, NET_FRAME_MAX, 14, 1000 };
    for (guint i = 0; i < G_N_ELEMENTS(lens); i++) {
        g_autofree guint8 *f = test_frame(lens[i], i);
        nb[1]->ops->input(nb[1], f, lens[i]);
    }
    g_autofree guint8 *back = test_frame(98, 77);
    nb[0]->ops->input(nb[0], back, 98);
    PUMP_UNTIL(nb, 2, got_a->len == G_N_ELEMENTS(lens) && got_b->len == 1);
    for (guint i = 0; i < G_N_ELEMENTS(lens); i++)
        assert_frame(got_a, i, lens[i], i);
    assert_frame(got_b, 0, 98, 77);

    /* The peer goes: the link is down, a frame sent meanwhile is lost,
     * and the next peer is taken and carries frames. */
    net_backend_free(nb[1]);
    PUMP_UNTIL(nb, 1, !nb[0]->link_up);
    nb[0]->ops->input(nb[0], back, 98);
    g_ptr_array_set_size(got_b, 0);
    nb[1] = backend_new(&cb, got_b);
    PUMP_UNTIL(nb, 2, nb[0]->link_up && nb[1]->link_up);
    g_autofree guint8 *again = test_frame(200, 5);
    nb[1]->ops->input(nb[1], again, 200);
    PUMP_UNTIL(nb, 2, got_a->len == G_N_ELEMENTS(lens) + 1);
    assert_frame(got_a, G_N_ELEMENTS(lens), 200, 5);
    g_assert_cmpuint(got_b->len, ==, 0);
    net_backend_free(nb[0]);
    net_backend_free(nb[1]);
    g_assert_false(g_file_test(addr + 5, G_FILE_TEST_EXISTS)); /* the listener cleaned up */
    g_rmdir(dir);
}

/* A raw peer connected to @path (a unix stream). */
static int raw_peer(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    g_strlcpy(sa.sun_path, path, sizeof sa.sun_path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(connect(fd, (struct sockaddr *)&sa, sizeof sa), ==, 0);
    return fd;
}

static void put_be32(guint8 *p, guint32 v)
{
    v = GUINT32_TO_BE(v);
    memcpy(p, &v, 4);
}

/* A peer that writes a frame a byte at a time is heard whole; one that
 * sends a length of 0 or past NET_FRAME_MAX loses its connection with a
 * warning (and the next peer is taken), the process goes on. */
static void test_net_stream_bad_length(void)
{
    g_autofree char *dir = g_dir_make_tmp("shoal-net-XXXXXX", NULL);
    g_autofree char *addr = g_strdup_printf("unix:%s/link.sock", dir);
    CfgDevice ca = net_cfg("a", CFG_NETDEV_STREAM);
    ca.net_listen = addr;
    g_autoptr(GPtrArray) got = frames_new();
    NetBackend *nb = backend_new(&ca, got);

    static const guint32 bad[] = { 0, NET_FRAME_MAX + 1, 0xffffffffu };
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        int fd = raw_peer(addr + 5);
        PUMP_UNTIL(&nb, 1, nb->link_up);
        /* a good frame in single bytes first */
        guint8 wire[4 + 64];
        put_be32(wire, 64);
        for (guint j = 0; j < 64; j++)
            wire[4 + j] = (guint8)(i + j);
        g_ptr_array_set_size(got, 0);
        for (guint j = 0; j < sizeof wire; j++) {
            g_assert_cmpint(write(fd, wire + j, 1), ==, 1);
            pump(&nb, 1);
        }
        PUMP_UNTIL(&nb, 1, got->len == 1);
        g_assert_cmpmem(g_bytes_get_data(g_ptr_array_index(got, 0), NULL), 64, wire + 4, 64);
        /* then a length it cannot frame */
        guint8 hdr[4];
        put_be32(hdr, bad[i]);
        g_test_expect_message("shoal-virtio", G_LOG_LEVEL_WARNING,
                              "*sent a frame length of*dropping the connection*");
        g_assert_cmpint(write(fd, hdr, 4), ==, 4);
        PUMP_UNTIL(&nb, 1, !nb->link_up);
        g_test_assert_expected_messages();
        char c;
        g_assert_cmpint(read(fd, &c, 1), ==, 0); /* closed on our side */
        close(fd);
    }
    net_backend_free(nb);
    g_rmdir(dir);
}

/* Two dgram backends on unix datagram sockets: one frame per datagram,
 * both ways, the link up from the start (no connection). */
static void test_net_dgram(void)
{
    g_autofree char *dir = g_dir_make_tmp("shoal-net-XXXXXX", NULL);
    g_autofree char *pa = g_strdup_printf("unix:%s/a.sock", dir);
    g_autofree char *pb = g_strdup_printf("unix:%s/b.sock", dir);
    CfgDevice ca = net_cfg("a", CFG_NETDEV_DGRAM), cb = net_cfg("b", CFG_NETDEV_DGRAM);
    ca.net_local = cb.net_remote = pa;
    ca.net_remote = cb.net_local = pb;
    g_autoptr(GPtrArray) got_a = frames_new();
    g_autoptr(GPtrArray) got_b = frames_new();
    NetBackend *nb[2];
    nb[0] = backend_new(&ca, got_a);
    nb[1] = backend_new(&cb, got_b);
    g_assert_true(nb[0]->link_up && nb[1]->link_up);
    g_autofree guint8 *f1 = test_frame(1514, 1), *f2 = test_frame(60, 2);
    nb[0]->ops->input(nb[0], f1, 1514);
    nb[0]->ops->input(nb[0], f2, 60);
    nb[1]->ops->input(nb[1], f2, 60);
    PUMP_UNTIL(nb, 2, got_b->len == 2 && got_a->len == 1);
    assert_frame(got_b, 0, 1514, 1);
    assert_frame(got_b, 1, 60, 2);
    assert_frame(got_a, 0, 60, 2);
    net_backend_free(nb[0]);
    net_backend_free(nb[1]);
    g_rmdir(dir);
}

/* The card on a stream that listens: the link is down in config space
 * until a peer connects; then it is up, ConfigGeneration moved and the
 * driver got a config-change interrupt; a frame from the peer lands in a
 * receive buffer after a zero header, and one the guest sends reaches the
 * peer with its length in front. */
static void test_net_link_status(void)
{
    Fixture fx = { 0 }, *f = &fx;
    g_autofree char *dir = g_dir_make_tmp("shoal-net-XXXXXX", NULL);
    g_autofree char *addr = g_strdup_printf("unix:%s/card.sock", dir);
    f->ram = g_malloc0(RAM_SIZE);
    f->cfg = net_cfg("net0", CFG_NETDEV_STREAM);
    f->cfg.net_listen = addr;
    GError *error = NULL;
    f->dev = virtio_net_new(&f->cfg, &host, f, &error);
    g_assert_no_error(error);
    guint64 v;
    g_assert_true(virtio_mmio_read(f->dev, VIRTIO_MMIO_CONFIG + 6, 2, &v));
    g_assert_cmphex(v, ==, 0); /* no peer: link down */
    g_assert_true(bring_up(f, VERSION_1, QUEUE));
    net_transmit_queue_up(f);
    put_desc(f, DESC, 0, BUF + 0x4000, 2048, 2, 0);
    submit(f, 0);
    guint32 generation = rd(f, VIRTIO_MMIO_CONFIG_GENERATION);
    g_assert_false(f->line);

    int peer = raw_peer(addr + 5);
    DEVICE_POLL_UNTIL(f, rd(f, VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_INT_CONFIG);
    g_assert_true(f->line);
    g_assert_cmpuint(rd(f, VIRTIO_MMIO_CONFIG_GENERATION), !=, generation);
    g_assert_true(virtio_mmio_read(f->dev, VIRTIO_MMIO_CONFIG + 6, 2, &v));
    g_assert_cmphex(v, ==, 1); /* VIRTIO_NET_S_LINK_UP */
    wr(f, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_INT_CONFIG);

    /* peer -> guest */
    guint8 wire[4 + 60];
    put_be32(wire, 60);
    for (guint i = 0; i < 60; i++)
        wire[4 + i] = (guint8)(0xa0 + i);
    g_assert_cmpint(write(peer, wire, sizeof wire), ==, sizeof wire);
    DEVICE_POLL_UNTIL(f, used_idx(f) != 0);
    g_assert_cmpuint(used_len(f, 0), ==, 12 + 60);
    g_assert_cmpuint(at(f, BUF + 0x4000)[10], ==, 1); /* num_buffers */
    g_assert_cmpmem(at(f, BUF + 0x4000 + 12), 60, wire + 4, 60);

    /* guest -> peer */
    memset(at(f, BUF), 0, 12);
    memcpy(at(f, BUF + 12), wire + 4, 60);
    put_desc(f, DESC + 0x8000, 0, BUF, 12 + 60, 0, 0);
    guint16 *ring = (guint16 *)at(f, AVAIL + 0x8000 + 4);
    ring[0] = 0;
    guint16 idx = 1;
    memcpy(at(f, AVAIL + 0x8000 + 2), &idx, 2);
    wr(f, VIRTIO_MMIO_QUEUE_NOTIFY, 1);
    virtio_dev_serve(f->dev);
    guint8 heard[sizeof wire];
    gsize n = 0;
    while (n < sizeof heard) {
        ssize_t r = read(peer, heard + n, sizeof heard - n);
        g_assert_cmpint(r, >, 0);
        n += (gsize)r;
    }
    g_assert_cmpmem(heard, sizeof heard, wire, sizeof wire);
    close(peer);
    virtio_dev_free(f->dev);
    g_free(f->ram);
    g_rmdir(dir);
}

/* Frames of our own ethertype (IEEE's local experimental 0x88b5) among
 * @got: the kernel sends its own on a new interface (IPv6 solicitations). */
static guint count_ours(GPtrArray *got)
{
    guint n = 0;
    for (guint i = 0; i < got->len; i++) {
        gsize len;
        const guint8 *p = g_bytes_get_data(g_ptr_array_index(got, i), &len);
        n += len >= 14 && p[12] == 0x88 && p[13] == 0xb5;
    }
    return n;
}

/* The tap backend on a tap interface of its own, up: a frame the guest
 * sends comes out of the interface (a packet socket on it hears it) and
 * one sent into the interface reaches the guest. Skipped without
 * /dev/net/tun or CAP_NET_ADMIN, with the backend's message. */
static void test_net_tap(void)
{
    g_autofree char *name = g_strdup_printf("shoalt%u", (guint)getpid() % 1000000u);
    CfgDevice c = net_cfg("t", CFG_NETDEV_TAP);
    c.tap_ifname = name;
    g_autoptr(GPtrArray) got = frames_new();
    g_autoptr(GError) error = NULL;
    NetBackend *nb = net_backend_new(&c, keep_frame, got, &error);
    if (!nb) {
        g_test_skip(error->message);
        return;
    }
    g_assert_true(nb->link_up);
    struct ifreq ifr = { 0 };
    g_strlcpy(ifr.ifr_name, name, sizeof ifr.ifr_name);
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    g_assert_cmpint(ioctl(s, SIOCGIFFLAGS, &ifr), ==, 0);
    ifr.ifr_flags |= IFF_UP;
    g_assert_cmpint(ioctl(s, SIOCSIFFLAGS, &ifr), ==, 0);
    close(s);
    int p = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(0x88b5));
    g_assert_cmpint(p, >=, 0);
    struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_protocol = htons(0x88b5),
                              .sll_ifindex = (int)if_nametoindex(name) };
    g_assert_cmpint(bind(p, (struct sockaddr *)&ll, sizeof ll), ==, 0);

    /* guest -> interface */
    guint8 frame[64] = { 0x02, 0, 0, 0, 0, 1, 0x52, 0x54, 0, 0x12, 0x34, 0x56, 0x88, 0xb5 };
    for (guint i = 14; i < sizeof frame; i++)
        frame[i] = (guint8)i;
    nb->ops->input(nb, frame, sizeof frame);
    guint8 heard[128];
    ssize_t n = -1;
    for (gint64 end = g_get_monotonic_time() + 5 * G_USEC_PER_SEC; n < 0;) {
        g_assert_cmpint(g_get_monotonic_time(), <, end);
        n = recv(p, heard, sizeof heard, 0);
        if (n < 0)
            g_usleep(10000);
    }
    g_assert_cmpmem(heard, (gsize)n, frame, sizeof frame);

    /* interface -> guest */
    frame[0] = 0x52; /* to the guest's address, from another */
    frame[5] = 0x56;
    frame[6] = 0x02;
    frame[11] = 0x01;
    g_assert_cmpint(send(p, frame, sizeof frame, 0), ==, sizeof frame);
    PUMP_UNTIL(&nb, 1, count_ours(got) == 1);
    for (guint i = 0; i < got->len; i++) {
        gsize len;
        const guint8 *f = g_bytes_get_data(g_ptr_array_index(got, i), &len);
        if (len >= 14 && f[12] == 0x88 && f[13] == 0xb5)
            g_assert_cmpmem(f, len, frame, sizeof frame);
    }
    close(p);
    net_backend_free(nb); /* a tap made by the open goes with its last fd */
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    gconstpointer rw = GINT_TO_POINTER(FALSE), ro = GINT_TO_POINTER(TRUE);
#define ADD(name, data, fn) g_test_add("/virtio/" name, Fixture, data, setup, fn, teardown)
    ADD("identity", rw, test_identity);
    ADD("read-write", rw, test_read_write);
    ADD("readonly", ro, test_readonly);
    ADD("loop", rw, test_loop);
    ADD("next-past-ring", rw, test_next_past_ring);
    ADD("ring-outside-ram", rw, test_ring_outside_ram);
    ADD("queue-not-power-of-2", rw, test_queue_not_power_of_2);
    ADD("too-many-available", rw, test_too_many_available);
    ADD("indirect", rw, test_indirect);
    ADD("event-idx", rw, test_event_idx);
    g_test_add_func("/virtio/net/arp", test_net_arp);
    g_test_add_func("/virtio/net/stream", test_net_stream);
    g_test_add_func("/virtio/net/stream-bad-length", test_net_stream_bad_length);
    g_test_add_func("/virtio/net/dgram", test_net_dgram);
    g_test_add_func("/virtio/net/link-status", test_net_link_status);
    g_test_add_func("/virtio/net/tap", test_net_tap);
    return g_test_run();
}
