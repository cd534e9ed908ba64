/* SPDX-License-Identifier: MIT */
/* shoal-virtio: the machine's virtio-mmio devices in a process of their own,
 * so a slow disk never stalls the memory server's directory. It speaks the
 * SystemC bridge's protocol as ROLE_DEVICES (interconnect/device-link.c):
 * harts' register accesses come relayed by the memory server, the rings
 * and buffers are reached by DMA through the coherence directory, and each
 * device drives its PLIC source with DeviceLines.
 *   shoal-virtio CONFIG [--set g.k=v]... [--kernel F] [--bios F|none] --run-dir DIR */
#include <poll.h>

#include "config/cfg.h"
#include "interconnect/device-link.h"
#include "interconnect/ic.h"
#include "virtio/virtio.h"

#define WAIT_MS 100

typedef struct {
    IcDeviceLink *link;
    const CfgDevice *cfg;
} Slot;

static gboolean dma_read(gpointer opaque, guint64 addr, void *buf, gsize len)
{
    Slot *slot = opaque;
    g_autoptr(GError) error = NULL;
    if (ic_device_link_dma(slot->link, addr, FALSE, buf, len, &error))
        return TRUE;
    g_debug("[device.%s]: %s", slot->cfg->name, error->message);
    return FALSE;
}

static gboolean dma_write(gpointer opaque, guint64 addr, const void *buf, gsize len)
{
    Slot *slot = opaque;
    g_autoptr(GError) error = NULL;
    if (ic_device_link_dma(slot->link, addr, TRUE, (void *)buf, len, &error))
        return TRUE;
    g_debug("[device.%s]: %s", slot->cfg->name, error->message);
    return FALSE;
}

static void fence(gpointer opaque)
{
    Slot *slot = opaque;
    g_autoptr(GError) error = NULL;
    if (!ic_device_link_fence(slot->link, &error))
        g_debug("[device.%s]: %s", slot->cfg->name, error->message);
}

static void set_line(gpointer opaque, gboolean level)
{
    Slot *slot = opaque;
    ic_device_link_line(slot->link, (guint)slot->cfg->irq, level);
}

static const VirtioHost host = { dma_read, dma_write, fence, set_line };

/* Every virtio device of the machine, by index in machine->devices (NULL
 * for the others). */
static VirtioDev **make_devices(const CfgMachine *m, Slot *slots, GError **error)
{
    VirtioDev **devs = g_new0(VirtioDev *, MAX(m->n_devices, 1));
    for (guint i = 0; i < m->n_devices; i++) {
        const CfgDevice *d = &m->devices[i];
        slots[i].cfg = d;
        gboolean can_fail = TRUE;
        if (d->type == CFG_DEVICE_VIRTIO_BLK)
            devs[i] = virtio_blk_new(d, &host, &slots[i], error);
        else if (d->type == CFG_DEVICE_VIRTIO_NET)
            devs[i] = virtio_net_new(d, &host, &slots[i], error);
        else if (d->type == CFG_DEVICE_VIRTIO_CONSOLE)
            devs[i] = virtio_console_new(d, &host, &slots[i], error);
        else if (d->type == CFG_DEVICE_VIRTIO_RNG)
            devs[i] = virtio_rng_new(d, &host, &slots[i]);
        else
            can_fail = FALSE;
        if (can_fail && !devs[i]) {
            for (guint j = 0; j < i; j++)
                virtio_dev_free(devs[j]);
            g_free(devs);
            return NULL;
        }
    }
    return devs;
}

static void serve_access(IcDeviceLink *link, VirtioDev *dev, const IcDeviceMmio *mmio)
{
    guint64 value = mmio->data;
    gboolean ok = mmio->is_write ? virtio_mmio_write(dev, mmio->offset, mmio->size, value)
                                 : virtio_mmio_read(dev, mmio->offset, mmio->size, &value);
    ic_device_link_mmio_reply(link, mmio->txid, ok, ok && !mmio->is_write ? value : 0);
    /* Only now: the hart that notified is free again while we fetch. */
    virtio_dev_serve(dev);
}

static int run(const CfgMachine *m, IcDeviceLink *link, VirtioDev **devs)
{
    g_autoptr(GArray) fds = g_array_new(FALSE, TRUE, sizeof(struct pollfd));
    for (;;) {
        IcDeviceMmio mmio;
        int timeout_ms = WAIT_MS;
        g_array_set_size(fds, 0);
        for (guint i = 0; i < m->n_devices; i++)
            if (devs[i] && devs[i]->ops->poll_prepare)
                devs[i]->ops->poll_prepare(devs[i], fds, &timeout_ms);
        if (timeout_ms < 0 || timeout_ms > WAIT_MS)
            timeout_ms = WAIT_MS;
        IcDeviceLinkEvent event = ic_device_link_next_fds(
            link, (struct pollfd *)(void *)fds->data, fds->len, timeout_ms, &mmio);
        /* Host sockets and timers first: what they bring the guest is
         * delivered before the next access is answered. */
        for (guint i = 0; i < m->n_devices; i++)
            if (devs[i] && devs[i]->ops->poll_done)
                devs[i]->ops->poll_done(devs[i], fds, FALSE);
        switch (event) {
        case IC_DEVICE_LINK_MMIO:
            serve_access(link, devs[mmio.device - m->devices], &mmio);
            break;
        case IC_DEVICE_LINK_RESET:
            for (guint i = 0; i < m->n_devices; i++)
                if (devs[i])
                    virtio_dev_reset(devs[i]);
            ic_device_link_reset_done(link);
            break;
        case IC_DEVICE_LINK_ADVANCE: /* only the bridge keeps quanta */
        case IC_DEVICE_LINK_NONE:
            break;
        case IC_DEVICE_LINK_SHUTDOWN:
            return ic_device_link_exit_code(link);
        case IC_DEVICE_LINK_CLOSED:
            return 1;
        }
    }
}

int main(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;
    CfgCmdline cmd = { 0 };
    ic_log_init("shoal-virtio");
    if (!cfg_cmdline_parse(argc, argv, &cmd, &error)) {
        g_printerr("shoal-virtio: %s\n", error->message);
        return 2;
    }
    const CfgMachine *m = cmd.machine;
    int code = 2;
    g_autofree Slot *slots = g_new0(Slot, MAX(m->n_devices, 1));
    VirtioDev **devs = NULL;
    IcDeviceLink *link = NULL;
    if (!cfg_machine_has_virtio(m)) {
        g_printerr("shoal-virtio: %s: no virtio device\n", m->path);
    } else if (!(devs = make_devices(m, slots, &error))) {
        g_printerr("shoal-virtio: %s\n", error->message);
    } else if (!(link = ic_device_link_new(m, cmd.run_dir, IC_OWNER_VIRTIO, &error))) {
        g_printerr("shoal-virtio: %s\n", error->message);
        code = 1;
    } else {
        for (guint i = 0; i < m->n_devices; i++)
            slots[i].link = link;
        code = run(m, link, devs);
    }
    for (guint i = 0; devs && i < m->n_devices; i++)
        virtio_dev_free(devs[i]);
    g_free(devs);
    ic_device_link_free(link);
    cfg_cmdline_clear(&cmd);
    ic_context_shutdown();
    return code;
}
