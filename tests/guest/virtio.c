/* SPDX-License-Identifier: MIT */
/* virtio-mmio version 2 (virtio 1.2, no legacy interface) from the driver's
 * side, on the virt board's eight transports: a virtio-blk disk holding
 * virtio-disk.sh's image and a virtio-rng. Run by
 * tests/integration/virtio-guest.sh, not by run-guest.sh: it needs the
 * disk and the rng on the command line (README.md).
 *
 * The output names no transport address or PLIC source: which slot a
 * device lands in is the emulator's choice, and the same program must print
 * the same lines wherever it lands. Build with -DVIRTIO_VERBOSE to print
 * slots, offered features, config words and used lengths as well. */
#include "lib/guest.h"

#define VIRTIO_BASE 0x10001000ul
#define VIRTIO_STRIDE 0x1000ul
#define VIRTIO_SLOTS 8

/* Transport registers (virtio 1.2, 4.2.2) */
#define VM_MAGIC 0x000
#define VM_VERSION 0x004
#define VM_DEVICE_ID 0x008
#define VM_VENDOR_ID 0x00c
#define VM_DEVICE_FEATURES 0x010
#define VM_DEVICE_FEATURES_SEL 0x014
#define VM_DRIVER_FEATURES 0x020
#define VM_DRIVER_FEATURES_SEL 0x024
#define VM_QUEUE_SEL 0x030
#define VM_QUEUE_NUM_MAX 0x034
#define VM_QUEUE_NUM 0x038
#define VM_QUEUE_READY 0x044
#define VM_QUEUE_NOTIFY 0x050
#define VM_INTERRUPT_STATUS 0x060
#define VM_INTERRUPT_ACK 0x064
#define VM_STATUS 0x070
#define VM_QUEUE_DESC_LOW 0x080
#define VM_QUEUE_DESC_HIGH 0x084
#define VM_QUEUE_DRIVER_LOW 0x090
#define VM_QUEUE_DRIVER_HIGH 0x094
#define VM_QUEUE_DEVICE_LOW 0x0a0
#define VM_QUEUE_DEVICE_HIGH 0x0a4
#define VM_CONFIG_GENERATION 0x0fc
#define VM_CONFIG 0x100

#define VIRTIO_MAGIC 0x74726976 /* "virt", little-endian */
#define ST_ACKNOWLEDGE 1
#define ST_DRIVER 2
#define ST_DRIVER_OK 4
#define ST_FEATURES_OK 8
#define INT_USED_BUFFER 1

#define F_VERSION_1 (1ull << 32)
#define BLK_F_RO (1ull << 5)
#define BLK_F_FLUSH (1ull << 9)

#define ID_BLK 2
#define ID_RNG 4

#define BLK_T_IN 0
#define BLK_T_OUT 1
#define BLK_T_FLUSH 4
#define BLK_T_GET_ID 8
/* no request type the spec defines: the device must answer UNSUPP */
#define BLK_T_UNDEFINED 0x40
#define BLK_S_OK 0
#define BLK_S_IOERR 1
#define BLK_S_UNSUPP 2
#define BLK_ID_BYTES 20
#define SECTOR 512

#define DESC_F_NEXT 1
#define DESC_F_WRITE 2

#define PLIC 0x0c000000ul
#define PLIC_PRIO(src) (PLIC + 4 * (src))
#define PLIC_ENABLE_M0 (PLIC + 0x2000)     /* hart 0's M context */
#define PLIC_THRESHOLD_M0 (PLIC + 0x200000)
#define PLIC_CLAIM_M0 (PLIC + 0x200004)

#define CAUSE_IRQ (1ull << 63)
#define CAUSE_LOAD_ACCESS 5
#define IRQ_MTI 7
#define IRQ_MEI 11
#define MSTATUS_MIE 0x8ull
/* 2 s of mtime at virt's 10 MHz: far beyond any request on either emulator */
#define DEVICE_TIMEOUT 20000000ull

/* The image virtio-disk.sh writes: 128 sectors, byte i of sector s is
 * (7s + i + 101 * (i / 256)) mod 256, so sectors differ from their
 * neighbours and a sector's halves from each other. */
#define DISK_SECTORS 128
#define WRITE_SECTOR 5
/* FNV-1a (32-bit) of sectors 0-7 as virtio-disk.sh makes them (its `fnv`
 * command computes it on the host from the image file). */
#define DISK_FNV_0_7 0x1d4e97c5u

static uint8_t disk_byte(uint64_t s, unsigned i)
{
    return (uint8_t)(7 * s + i + 101 * (i / 256));
}

/* What the guest writes to WRITE_SECTOR: unlike the image's byte at every
 * offset, so a lost or partial write shows. (13i + 90) - (35 + i + 101k)
 * is 12i + 55 (odd) for k = 0 and 2(6i - 23) with 6i - 23 odd for k = 1:
 * never 0 mod 256. */
static uint8_t write_byte(unsigned i)
{
    return (uint8_t)(13 * i + 90);
}

#define QSIZE 8

typedef struct {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
} VirtqDesc;

typedef struct {
    uint16_t flags;
    uint16_t idx;
    uint16_t ring[QSIZE];
} VirtqAvail;

typedef struct {
    uint32_t id;
    uint32_t len;
} VirtqUsedElem;

typedef struct {
    uint16_t flags;
    uint16_t idx;
    VirtqUsedElem ring[QSIZE];
} VirtqUsed;

/* One split virtqueue. The transport takes the three parts' addresses
 * separately, so each only needs the spec's alignment (16, 2, 4); the used
 * ring gets a page of its own so the device's writes never share one with
 * the driver's. */
typedef struct {
    VirtqDesc desc[QSIZE] __attribute__((aligned(16)));
    VirtqAvail avail;
    VirtqUsed used __attribute__((aligned(4096)));
} VirtqMem;

typedef struct {
    const char *name;
    uintptr_t base;
    unsigned irq;     /* PLIC source: slot n raises n + 1 */
    uint64_t offered; /* DeviceFeatures, both halves */
    uint64_t accepted;
    VirtqMem *vq;
    uint16_t avail_idx; /* next avail.idx to publish */
    uint16_t used_idx;  /* used entries consumed so far */
} Dev;

static VirtqMem blk_vq __attribute__((aligned(4096)));
static VirtqMem rng_vq __attribute__((aligned(4096)));
static Dev blk = {.name = "virtio-blk", .vq = &blk_vq};
static Dev rng = {.name = "virtio-rng", .vq = &rng_vq};

static uint8_t disk_buf[8 * SECTOR] __attribute__((aligned(4096)));
static uint8_t rng_buf[64] __attribute__((aligned(64)));

static inline uint32_t rd32(uintptr_t a) { return *(volatile uint32_t *)a; }
static inline void wr32(uintptr_t a, uint32_t v) { *(volatile uint32_t *)a = v; }
static uint32_t reg(const Dev *d, unsigned off) { return rd32(d->base + off); }
static void set_reg(const Dev *d, unsigned off, uint32_t v) { wr32(d->base + off, v); }

/* Orders the driver's ring and buffer accesses against the device's, which
 * sees memory from another thread (QEMU) or process (shoal), and against
 * the MMIO that tells it to look. */
static inline void barrier(void) { asm volatile("fence iorw, iorw" ::: "memory"); }

#ifdef VIRTIO_VERBOSE
static void verbose(const char *name, uint64_t v)
{
    guest_puts("  [verbose] ");
    guest_puts(name);
    guest_puts(" = ");
    guest_put_hex(v);
    guest_putc('\n');
}
#else
static void verbose(const char *name, uint64_t v)
{
    (void)name;
    (void)v;
}
#endif

/* The trap hook's state. An empty slot may be a hole in the bus (shoal
 * maps only configured devices) rather than a transport reading DeviceID
 * 0 (QEMU): a load access fault while probing means "nothing here". */
static volatile int probing, probe_faulted;
static Dev *volatile irq_dev;
static volatile uint64_t irq_used;     /* interrupts with the used-buffer bit */
static volatile uint64_t irq_isr;      /* InterruptStatus bits the handler saw */
static volatile uint64_t irq_claimed;  /* last source claimed for irq_dev */
static volatile uint64_t watchdog_fired;

static int hook(GuestTrapFrame *f)
{
    if (f->mcause == CAUSE_LOAD_ACCESS && probing) {
        probe_faulted = 1;
        f->mepc += (*(volatile uint16_t *)f->mepc & 3) == 3 ? 4 : 2;
        return 1;
    }
    if (f->mcause == (CAUSE_IRQ | IRQ_MEI)) {
        uint32_t id = rd32(PLIC_CLAIM_M0);
        Dev *d = irq_dev;
        if (id != 0 && d && id == d->irq) {
            /* the ACK drops the device's level, so completing the claim
             * does not raise the same interrupt again */
            uint32_t isr = reg(d, VM_INTERRUPT_STATUS);
            set_reg(d, VM_INTERRUPT_ACK, isr);
            irq_isr |= isr;
            irq_claimed = id;
            if (isr & INT_USED_BUFFER)
                irq_used++;
        }
        /* a claim with no cause (QEMU's PLIC can keep a source pending
         * after its level has dropped) is completed and otherwise ignored */
        if (id != 0)
            wr32(PLIC_CLAIM_M0, id);
        return 1;
    }
    if (f->mcause == (CAUSE_IRQ | IRQ_MTI)) {
        asm volatile("csrc mie, %0" : : "r"(1ull << IRQ_MTI));
        watchdog_fired = 1;
        return 1;
    }
    return 0;
}

static uint64_t mtime(void) { return *(volatile uint64_t *)GUEST_CLINT_MTIME; }

/* A device that never answers ends the run with a message instead of
 * running into the harness's timeout. */
__attribute__((noreturn)) static void device_timeout(const Dev *d, const char *what)
{
    guest_puts(d->name);
    guest_puts(": timed out waiting for ");
    guest_puts(what);
    guest_putc('\n');
    check_true("device answered", 0);
    guest_exit((uint32_t)check_finish());
}

/* Reset, ACKNOWLEDGE, DRIVER, features (VERSION_1 and @want of what is
 * offered), FEATURES_OK, queue 0, DRIVER_OK (virtio 1.2, 3.1.1). */
static void dev_init(Dev *d, uint64_t want)
{
    VirtqMem *vq = d->vq;

    guest_puts("== ");
    guest_puts(d->name);
    guest_puts(" ==\n");
    set_reg(d, VM_STATUS, 0);
    check_u64("status after reset", reg(d, VM_STATUS), 0);
    set_reg(d, VM_STATUS, ST_ACKNOWLEDGE);
    set_reg(d, VM_STATUS, ST_ACKNOWLEDGE | ST_DRIVER);

    set_reg(d, VM_DEVICE_FEATURES_SEL, 0);
    d->offered = reg(d, VM_DEVICE_FEATURES);
    set_reg(d, VM_DEVICE_FEATURES_SEL, 1);
    d->offered |= (uint64_t)reg(d, VM_DEVICE_FEATURES) << 32;
    verbose("device features", d->offered);
    verbose("vendor id", reg(d, VM_VENDOR_ID));
    check_true("offers VERSION_1", (d->offered & F_VERSION_1) != 0);
    d->accepted = d->offered & (F_VERSION_1 | want);
    set_reg(d, VM_DRIVER_FEATURES_SEL, 0);
    set_reg(d, VM_DRIVER_FEATURES, (uint32_t)d->accepted);
    set_reg(d, VM_DRIVER_FEATURES_SEL, 1);
    set_reg(d, VM_DRIVER_FEATURES, (uint32_t)(d->accepted >> 32));
    set_reg(d, VM_STATUS, ST_ACKNOWLEDGE | ST_DRIVER | ST_FEATURES_OK);
    check_u64("status after FEATURES_OK", reg(d, VM_STATUS),
              ST_ACKNOWLEDGE | ST_DRIVER | ST_FEATURES_OK);

    set_reg(d, VM_QUEUE_SEL, 0);
    check_u64("queue 0 ready before setup", reg(d, VM_QUEUE_READY), 0);
    uint32_t max = reg(d, VM_QUEUE_NUM_MAX);
    verbose("queue 0 size max", max);
    check_true("queue 0 takes 8 entries", max >= QSIZE);
    set_reg(d, VM_QUEUE_NUM, QSIZE);
    uint64_t desc = (uintptr_t)vq->desc, drv = (uintptr_t)&vq->avail, dev = (uintptr_t)&vq->used;
    set_reg(d, VM_QUEUE_DESC_LOW, (uint32_t)desc);
    set_reg(d, VM_QUEUE_DESC_HIGH, (uint32_t)(desc >> 32));
    set_reg(d, VM_QUEUE_DRIVER_LOW, (uint32_t)drv);
    set_reg(d, VM_QUEUE_DRIVER_HIGH, (uint32_t)(drv >> 32));
    set_reg(d, VM_QUEUE_DEVICE_LOW, (uint32_t)dev);
    set_reg(d, VM_QUEUE_DEVICE_HIGH, (uint32_t)(dev >> 32));
    barrier();
    set_reg(d, VM_QUEUE_READY, 1);
    check_u64("queue 0 ready after setup", reg(d, VM_QUEUE_READY), 1);

    set_reg(d, VM_STATUS, ST_ACKNOWLEDGE | ST_DRIVER | ST_FEATURES_OK | ST_DRIVER_OK);
    check_u64("status after DRIVER_OK", reg(d, VM_STATUS),
              ST_ACKNOWLEDGE | ST_DRIVER | ST_FEATURES_OK | ST_DRIVER_OK);
}

typedef struct {
    void *addr;
    uint32_t len;
    int device_writes;
} Buf;

/* Posts @n buffers as one chain from descriptor 0 (one request in flight
 * at a time) and notifies queue 0. */
static void submit(Dev *d, const Buf *bufs, unsigned n)
{
    VirtqMem *vq = d->vq;

    for (unsigned k = 0; k < n; k++) {
        vq->desc[k].addr = (uintptr_t)bufs[k].addr;
        vq->desc[k].len = bufs[k].len;
        vq->desc[k].flags = (uint16_t)((k + 1 < n ? DESC_F_NEXT : 0) |
                                       (bufs[k].device_writes ? DESC_F_WRITE : 0));
        vq->desc[k].next = (uint16_t)(k + 1 < n ? k + 1 : 0);
    }
    ((volatile VirtqAvail *)&vq->avail)->ring[d->avail_idx % QSIZE] = 0;
    barrier(); /* the entry before the index that publishes it */
    ((volatile VirtqAvail *)&vq->avail)->idx = ++d->avail_idx;
    barrier(); /* the index before the notification */
    set_reg(d, VM_QUEUE_NOTIFY, 0);
}

static int used_pending(const Dev *d)
{
    return ((volatile VirtqUsed *)&d->vq->used)->idx != d->used_idx;
}

/* Takes the next used entry, checks it returns our chain, gives its len. */
static uint32_t take_used(Dev *d)
{
    volatile VirtqUsed *used = &d->vq->used;

    barrier(); /* the index before the entry and the buffers it covers */
    uint32_t id = used->ring[d->used_idx % QSIZE].id;
    uint32_t len = used->ring[d->used_idx % QSIZE].len;
    d->used_idx++;
    if (id != 0)
        check_u64("used.id (head of our chain)", id, 0);
    return len;
}

/* Polls the used ring; the interrupt the device raises as well stays
 * masked at the PLIC and is acknowledged here so the line drops. */
static uint32_t wait_polled(Dev *d)
{
    uint64_t start = mtime();
    while (!used_pending(d))
        if (mtime() - start > DEVICE_TIMEOUT)
            device_timeout(d, "a used buffer (polling)");
    uint32_t len = take_used(d);
    set_reg(d, VM_INTERRUPT_ACK, reg(d, VM_INTERRUPT_STATUS));
    return len;
}

static void watchdog_arm(void)
{
    watchdog_fired = 0;
    *(volatile uint64_t *)GUEST_CLINT_MTIMECMP = mtime() + DEVICE_TIMEOUT;
    asm volatile("csrs mie, %0" : : "r"(1ull << IRQ_MTI));
}

static void watchdog_disarm(void)
{
    asm volatile("csrc mie, %0" : : "r"(1ull << IRQ_MTI));
    *(volatile uint64_t *)GUEST_CLINT_MTIMECMP = ~0ull;
}

/* Unmasks @d's source for hart 0's M context only while a request is
 * waited for by interrupt. */
static void irq_enable(Dev *d)
{
    set_reg(d, VM_INTERRUPT_ACK, reg(d, VM_INTERRUPT_STATUS)); /* leftovers of polling */
    irq_dev = d;
    irq_used = irq_isr = irq_claimed = 0;
    wr32(PLIC_PRIO(d->irq), 1);
    wr32(PLIC_THRESHOLD_M0, 0);
    wr32(PLIC_ENABLE_M0, 1u << d->irq);
    asm volatile("csrs mie, %0" : : "r"(1ull << IRQ_MEI));
}

static void irq_disable(Dev *d)
{
    asm volatile("csrc mie, %0" : : "r"(1ull << IRQ_MEI));
    wr32(PLIC_ENABLE_M0, 0);
    wr32(PLIC_PRIO(d->irq), 0);
    irq_dev = 0;
}

/* Sleeps until the handler has seen a used-buffer interrupt and the used
 * ring has our entry. Interrupts stay masked in mstatus except for the
 * window after each wfi: testing the condition and then sleeping with them
 * open could lose the interrupt taken in between (as in plic.c). */
static uint32_t wait_irq(Dev *d)
{
    watchdog_arm();
    while (!(irq_used && used_pending(d)) && !watchdog_fired) {
        asm volatile("wfi");
        asm volatile("csrs mstatus, %0\n\tcsrc mstatus, %0" : : "r"(MSTATUS_MIE));
    }
    watchdog_disarm();
    if (!(irq_used && used_pending(d)))
        device_timeout(d, "a used-buffer interrupt");
    return take_used(d);
}

/* virtio-blk request header (virtio 1.2, 5.2.6) */
typedef struct {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
} BlkHeader;

static BlkHeader blk_hdr;
static volatile uint8_t blk_status;

typedef enum { POLL, IRQ } Wait;

/* One request: header, data (if @len; the device writes it for IN and
 * GET_ID), status. Returns the status byte; *@used_len gets used.len. */
static uint8_t blk_request(uint32_t type, uint64_t sector, void *data, uint32_t len, Wait how,
                           uint32_t *used_len)
{
    Buf bufs[3];
    unsigned n = 0;

    blk_hdr.type = type;
    blk_hdr.reserved = 0;
    blk_hdr.sector = sector;
    blk_status = 0xee; /* no status the device may write */
    bufs[n++] = (Buf){&blk_hdr, sizeof(blk_hdr), 0};
    if (len)
        bufs[n++] = (Buf){data, len, type == BLK_T_IN || type == BLK_T_GET_ID};
    bufs[n++] = (Buf){(void *)&blk_status, 1, 1};
    if (how == IRQ)
        irq_enable(&blk);
    submit(&blk, bufs, n);
    uint32_t l = how == IRQ ? wait_irq(&blk) : wait_polled(&blk);
    if (how == IRQ)
        irq_disable(&blk);
    verbose("used.len", l);
    if (used_len)
        *used_len = l;
    return blk_status;
}

static uint32_t fnv1a(const uint8_t *p, unsigned n)
{
    uint32_t h = 2166136261u;
    for (unsigned k = 0; k < n; k++) {
        h ^= p[k];
        h *= 16777619u;
    }
    return h;
}

static void fill(uint8_t *p, unsigned n, uint8_t v)
{
    for (unsigned k = 0; k < n; k++)
        p[k] = v;
}

/* Bytes of @p that differ from the image's sectors from @first on. */
static unsigned image_mismatches(const uint8_t *p, uint64_t first, unsigned sectors)
{
    unsigned bad = 0;
    for (unsigned s = 0; s < sectors; s++)
        for (unsigned i = 0; i < SECTOR; i++)
            bad += p[s * SECTOR + i] != disk_byte(first + s, i);
    return bad;
}

/* capacity (le64 at config offset 0), read as two words until the config
 * generation says no change came in between (virtio 1.2, 2.5.1). */
static uint64_t blk_capacity(void)
{
    uint32_t gen, lo, hi;
    do {
        gen = reg(&blk, VM_CONFIG_GENERATION);
        lo = reg(&blk, VM_CONFIG + 0);
        hi = reg(&blk, VM_CONFIG + 4);
    } while (reg(&blk, VM_CONFIG_GENERATION) != gen);
    return (uint64_t)hi << 32 | lo;
}

static void test_blk(void)
{
    uint32_t len;

    dev_init(&blk, BLK_F_FLUSH);
    check_true("offers FLUSH", (blk.offered & BLK_F_FLUSH) != 0);
    check_true("read-only feature absent", (blk.offered & BLK_F_RO) == 0);
#ifdef VIRTIO_VERBOSE
    for (unsigned off = 0; off < 0x40; off += 4)
        verbose("config word", (uint64_t)off << 32 | reg(&blk, VM_CONFIG + off));
    verbose("config byte 0x38", *(volatile uint8_t *)(blk.base + VM_CONFIG + 0x38));
#endif
    uint64_t cap = blk_capacity();
    check_u64("capacity (sectors)", cap, DISK_SECTORS);

    guest_puts("read sectors 0-7, polled\n");
    fill(disk_buf, sizeof(disk_buf), 0xee);
    check_u64("  status", blk_request(BLK_T_IN, 0, disk_buf, 8 * SECTOR, POLL, &len), BLK_S_OK);
    check_u64("  used.len (data and status)", len, 8 * SECTOR + 1);
    check_u64("  bytes unlike the image", image_mismatches(disk_buf, 0, 8), 0);
    check_u64("  fnv-1a", fnv1a(disk_buf, 8 * SECTOR), DISK_FNV_0_7);

    guest_puts("read the last sector, polled\n");
    fill(disk_buf, SECTOR, 0xee);
    check_u64("  status", blk_request(BLK_T_IN, cap - 1, disk_buf, SECTOR, POLL, &len), BLK_S_OK);
    check_u64("  bytes unlike the image", image_mismatches(disk_buf, cap - 1, 1), 0);

    /* no RO feature: the write must land (virtio-disk.sh checks the image) */
    guest_puts("write sector 5, polled\n");
    for (unsigned i = 0; i < SECTOR; i++)
        disk_buf[i] = write_byte(i);
    check_u64("  status", blk_request(BLK_T_OUT, WRITE_SECTOR, disk_buf, SECTOR, POLL, &len),
              BLK_S_OK);
    check_u64("  used.len (status only)", len, 1);

    guest_puts("read sector 5 back, by interrupt\n");
    fill(disk_buf, SECTOR, 0xee);
    check_u64("  status", blk_request(BLK_T_IN, WRITE_SECTOR, disk_buf, SECTOR, IRQ, &len),
              BLK_S_OK);
    check_u64("  used.len", len, SECTOR + 1);
    unsigned bad = 0;
    for (unsigned i = 0; i < SECTOR; i++)
        bad += disk_buf[i] != write_byte(i);
    check_u64("  bytes unlike what was written", bad, 0);
    check_true("  claimed the device's PLIC source", irq_claimed == blk.irq);
    check_u64("  InterruptStatus seen by the handler", irq_isr, INT_USED_BUFFER);
    check_u64("  InterruptStatus after the ACK", reg(&blk, VM_INTERRUPT_STATUS), 0);

    guest_puts("read sectors 4-6, polled (the write went to 5 only)\n");
    fill(disk_buf, 3 * SECTOR, 0xee);
    check_u64("  status", blk_request(BLK_T_IN, 4, disk_buf, 3 * SECTOR, POLL, &len), BLK_S_OK);
    check_u64("  sector 4 bytes unlike the image", image_mismatches(disk_buf, 4, 1), 0);
    check_u64("  sector 6 bytes unlike the image", image_mismatches(disk_buf + 2 * SECTOR, 6, 1),
              0);

    guest_puts("read the sector after the last\n");
    check_u64("  status (IOERR)", blk_request(BLK_T_IN, cap, disk_buf, SECTOR, POLL, &len),
              BLK_S_IOERR);
    guest_puts("read 2 sectors from the last\n");
    check_u64("  status (IOERR)", blk_request(BLK_T_IN, cap - 1, disk_buf, 2 * SECTOR, POLL, &len),
              BLK_S_IOERR);

    if (blk.accepted & BLK_F_FLUSH) {
        guest_puts("flush\n");
        check_u64("  status", blk_request(BLK_T_FLUSH, 0, 0, 0, POLL, &len), BLK_S_OK);
        check_u64("  used.len", len, 1);
    }

    /* with no serial configured the id is the empty string: byte 0 is the
     * NUL (QEMU writes nothing after it) */
    guest_puts("get id\n");
    fill(disk_buf, BLK_ID_BYTES, 0xee);
    check_u64("  status", blk_request(BLK_T_GET_ID, 0, disk_buf, BLK_ID_BYTES, POLL, &len),
              BLK_S_OK);
    check_u64("  id byte 0 (empty id)", disk_buf[0], 0);
    verbose("id byte 1", disk_buf[1]);

    guest_puts("request of an undefined type\n");
    check_u64("  status (UNSUPP)", blk_request(BLK_T_UNDEFINED, 0, 0, 0, POLL, &len), BLK_S_UNSUPP);

    set_reg(&blk, VM_STATUS, 0);
    check_u64("status after the final reset", reg(&blk, VM_STATUS), 0);
}

static void test_rng(void)
{
    dev_init(&rng, 0);
    fill(rng_buf, sizeof(rng_buf), 0);
    Buf b = {rng_buf, sizeof(rng_buf), 1};
    submit(&rng, &b, 1);
    uint32_t len = wait_polled(&rng);
    check_u64("used.len", len, sizeof(rng_buf));
    unsigned nonzero = 0;
    for (unsigned k = 0; k < sizeof(rng_buf); k++)
        nonzero += rng_buf[k] != 0;
    /* 64 zero bytes from a real source: odds of 2^-512 */
    check_true("rng: 64 bytes, not all zero", nonzero != 0);
    set_reg(&rng, VM_STATUS, 0);
    check_u64("status after the final reset", reg(&rng, VM_STATUS), 0);
}

int main(void)
{
    unsigned transports = 0, not_v2 = 0, nblk = 0, nrng = 0;

    guest_trap_hook = hook;
    for (unsigned n = 0; n < VIRTIO_SLOTS; n++) {
        uintptr_t base = VIRTIO_BASE + n * VIRTIO_STRIDE;
        probe_faulted = 0;
        probing = 1;
        uint32_t magic = rd32(base + VM_MAGIC);
        probing = 0;
        if (probe_faulted || magic != VIRTIO_MAGIC)
            continue;
        transports++;
        uint32_t version = rd32(base + VM_VERSION), id = rd32(base + VM_DEVICE_ID);
        verbose("transport", base);
        verbose("  version", version);
        verbose("  device id", id);
        if (version != 2) {
            not_v2++;
            continue;
        }
        Dev *d = id == ID_BLK ? &blk : id == ID_RNG ? &rng : 0;
        if (!d)
            continue;
        nblk += d == &blk;
        nrng += d == &rng;
        if (!d->base) {
            d->base = base;
            d->irq = n + 1;
        }
    }
    check_true("some transport answers the magic", transports != 0);
    check_u64("transports not at version 2", not_v2, 0);
    check_u64("virtio-blk devices", nblk, 1);
    check_u64("virtio-rng devices", nrng, 1);
    if (blk.base)
        test_blk();
    if (rng.base)
        test_rng();
    return check_finish();
}
