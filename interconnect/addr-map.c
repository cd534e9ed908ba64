/* SPDX-License-Identifier: MIT */
/* The machine's physical address map: which process answers for which
 * range. Built once from the CfgMachine, sorted, looked up by bisection. */
#include "interconnect/internal.h"

struct IcAddrMap {
    GArray *regions; /* of IcRegion, sorted by base, disjoint */
};

static gint by_base(gconstpointer a, gconstpointer b)
{
    const IcRegion *ra = a, *rb = b;
    return ra->base < rb->base ? -1 : ra->base > rb->base;
}

static const char *region_name(const IcRegion *r)
{
    return r->device ? r->device->name : r->memory->label;
}

IcAddrMap *ic_addr_map_new(const CfgMachine *machine, GError **error)
{
    g_autoptr(GArray) regions = g_array_new(FALSE, TRUE, sizeof(IcRegion));
    for (guint i = 0; i < machine->n_memories; i++) {
        const CfgMemory *mem = &machine->memories[i];
        IcRegion r = { mem->base, mem->size, IC_OWNER_RAM, NULL, mem };
        g_array_append_val(regions, r);
    }
    for (guint i = 0; i < machine->n_devices; i++) {
        const CfgDevice *d = &machine->devices[i];
        static const IcOwner owners[] = {
            [CFG_HOST_MEMORY_SERVER] = IC_OWNER_MSRV_DEVICE,
            [CFG_HOST_NODE] = IC_OWNER_NODE_LOCAL,
            [CFG_HOST_SYSC_BRIDGE] = IC_OWNER_BRIDGE,
            [CFG_HOST_VIRTIO] = IC_OWNER_VIRTIO,
        };
        IcOwner owner = owners[cfg_device_host(d->type)];
        IcRegion r = { d->base, d->size, owner, d, NULL };
        g_array_append_val(regions, r);
    }
    for (guint i = 0; i < regions->len; i++) {
        const IcRegion *r = &g_array_index(regions, IcRegion, i);
        if (r->size == 0 || r->base + r->size - 1 < r->base) {
            g_set_error(error, IC_ERROR, IC_ERROR_UNEXPECTED,
                        "%s: region at 0x%" G_GINT64_MODIFIER "x of size 0x%" G_GINT64_MODIFIER
                        "x is empty or wraps around", region_name(r), r->base, r->size);
            return NULL;
        }
    }
    g_array_sort(regions, by_base);
    for (guint i = 1; i < regions->len; i++) {
        const IcRegion *a = &g_array_index(regions, IcRegion, i - 1);
        const IcRegion *b = &g_array_index(regions, IcRegion, i);
        if (a->base + a->size - 1 >= b->base) {
            g_set_error(error, IC_ERROR, IC_ERROR_UNEXPECTED,
                        "%s [0x%" G_GINT64_MODIFIER "x, +0x%" G_GINT64_MODIFIER "x) overlaps %s at 0x%"
                        G_GINT64_MODIFIER "x", region_name(a), a->base, a->size, region_name(b),
                        b->base);
            return NULL;
        }
    }
    IcAddrMap *map = g_new0(IcAddrMap, 1);
    map->regions = g_steal_pointer(&regions);
    return map;
}

void ic_addr_map_free(IcAddrMap *map)
{
    if (!map)
        return;
    g_array_free(map->regions, TRUE);
    g_free(map);
}

gboolean ic_region_write_posted(const IcRegion *r, guint64 addr, guint size)
{
    /* The ns16550's THR (a byte out). A posted write travels on the
     * writing hart's own connection, so it may reach the UART after a
     * later access of another hart: for bytes out that can only swap
     * output between harts, but for IER it lost the transmitter for good
     * (Linux's 8250 clears THRI on one CPU and sets it again on another,
     * in that order under its port lock; applied the other way round, THR
     * empty never interrupts again, the console's buffer never drains and
     * a tcdrain before power-off hangs). The other registers are written
     * rarely and wait for their answer. */
    if (r->owner == IC_OWNER_MSRV_DEVICE && r->device != NULL &&
        r->device->type == CFG_DEVICE_NS16550 && size == 1 && addr == r->base)
        return TRUE;
    /* A virtio device's QueueNotify: the device always takes it and only
     * serves what the rings hold, so a notification that comes late, even
     * after a reset, does no harm; the hart need not wait for shoal-virtio
     * before it goes on. */
    return r->owner == IC_OWNER_VIRTIO && size == 4 && addr - r->base == IC_VIRTIO_QUEUE_NOTIFY;
}

gboolean ic_region_posted_ready(const IcRegion *r, guint64 addr, guint64 *status_addr,
                                guint32 *ready_bit)
{
    /* THR: the room bit the server adds to LSR's copy, which the UART
     * clears while the console has not taken much of its output
     * (memory-server/ns16550.c: TX_HOLD, above where THRE clears). */
    if (!ic_region_write_posted(r, addr, 1))
        return FALSE;
    *status_addr = r->base + 5;
    *ready_bit = IC_MIRROR_LSR_ROOM;
    return TRUE;
}

gboolean ic_region_read_pure(const IcRegion *r, guint64 addr, guint size)
{
    /* ns16550: IER, LCR, MCR, LSR, MSR and SCR read what is there; RBR
     * pops the receive FIFO and IIR acknowledges THR empty, either of which
     * may lower the line. An LSR read also clears line-status errors, which
     * lowers a receiver-line-status interrupt: its IrqLine may then reach
     * the node after the answer, and the hart take one spurious interrupt
     * (the PLIC's claim answers 0). Errors are rare, LSR reads are not. */
    if (r->owner != IC_OWNER_MSRV_DEVICE || r->device == NULL ||
        r->device->type != CFG_DEVICE_NS16550 || size != 1) {
        return FALSE;
    }
    guint64 off = addr - r->base;
    return off == 1 || (off >= 3 && off <= 7);
}

gboolean ic_region_read_mirrored(const IcRegion *r, guint64 addr, guint size)
{
    return r->owner == IC_OWNER_MSRV_DEVICE && r->device != NULL &&
           r->device->type == CFG_DEVICE_NS16550 && size == 1 && addr - r->base == 5;
}

const IcRegion *ic_addr_map_lookup(const IcAddrMap *map, guint64 addr)
{
    guint lo = 0, hi = map->regions->len;
    while (lo < hi) { /* first region with base > addr */
        guint mid = lo + (hi - lo) / 2;
        if (g_array_index(map->regions, IcRegion, mid).base <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    const IcRegion *r = &g_array_index(map->regions, IcRegion, lo - 1);
    return addr - r->base < r->size ? r : NULL;
}
