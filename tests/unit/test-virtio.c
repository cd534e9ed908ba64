/* SPDX-License-Identifier: MIT */
/* The virtio-mmio transport, split virtqueues and virtio-blk (virtio/) as a
 * driver drives them, with a buffer standing for guest RAM: requests that
 * work, and a driver's mistakes (a looping chain, rings outside RAM, a
 * queue size that is not a power of 2, nested indirect tables, sectors past
 * the disk, writes to a read-only disk) that must fail the request or
 * break the device, never the process. */
#include <glib/gstdio.h>
#include <string.h>

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
    wr(f, VIRTIO_MMIO_QUEUE_SEL, 1);
    wr(f, VIRTIO_MMIO_QUEUE_NUM, QUEUE);
    wr(f, VIRTIO_MMIO_QUEUE_DESC_LOW, (guint32)(DESC + 0x8000));
    wr(f, VIRTIO_MMIO_QUEUE_DRIVER_LOW, (guint32)(AVAIL + 0x8000));
    wr(f, VIRTIO_MMIO_QUEUE_DEVICE_LOW, (guint32)(USED + 0x8000));
    wr(f, VIRTIO_MMIO_QUEUE_READY, 1);
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
    return g_test_run();
}
