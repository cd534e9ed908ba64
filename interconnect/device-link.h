/* SPDX-License-Identifier: MIT */
/* A device process's connection to the memory server, in C: the SystemC
 * bridge's (ROLE_BRIDGE; sysc-bridge/ is a thin TLM adapter over it) and
 * shoal-virtio's (ROLE_DEVICES). Guest time, harts' accesses in, answers,
 * DMA and interrupt lines out. One thread owns an IcDeviceLink. */
#ifndef SHOAL_IC_DEVICE_LINK_H
#define SHOAL_IC_DEVICE_LINK_H

#include <glib.h>

#include "config/cfg.h"
#include "interconnect/ic.h"

G_BEGIN_DECLS

typedef struct IcDeviceLink IcDeviceLink;

/* A hart's access to one of the process's ranges, as the server relayed it. */
typedef struct {
    guint64 txid;         /* echo in ic_device_link_mmio_reply */
    const CfgDevice *device; /* the range's [device.NAME] */
    guint64 offset;       /* from the range's base */
    guint size;           /* 1, 2, 4 or 8, inside the range */
    gboolean is_write;
    guint64 data;         /* a write's value */
    guint64 guest_ns;     /* deterministic time: the hart's guest time; else 0 */
} IcDeviceMmio;

/* Deterministic time: every hart reached @to_ns; run SystemC there. */
typedef struct {
    guint64 quantum;
    guint64 to_ns;
    guint64 idle_until_ns; /* every hart idles: may go on to here while no line moves; 0 no */
} IcDeviceAdvance;

typedef enum {
    IC_DEVICE_LINK_NONE,     /* nothing arrived in time */
    IC_DEVICE_LINK_MMIO,     /* *mmio filled in */
    IC_DEVICE_LINK_ADVANCE,  /* ic_device_link_advance tells where to; answer ic_device_link_reached */
    IC_DEVICE_LINK_RESET,    /* a machine reset: back to power-on, then ic_device_link_reset_done */
    IC_DEVICE_LINK_SHUTDOWN, /* the machine ended: ic_device_link_exit_code */
    IC_DEVICE_LINK_CLOSED,   /* the server went away (no Shutdown will come) */
} IcDeviceLinkEvent;

/* A model input the guest drives (a gpio pin, [device.NAME] inputs) is now
 * @level; @device is a sysc device and @input < device->n_inputs.
 * @guest_ns: deterministic time, the writing hart's time; else 0. */
typedef void (*IcDeviceLineFn)(gpointer opaque, const CfgDevice *device, guint input,
                           gboolean level, guint64 guest_ns);

/* Connects to the memory server of @machine (outliving the link) and says
 * Hello as the process serving the ranges of @owner (IC_OWNER_BRIDGE: the
 * SystemC bridge; IC_OWNER_VIRTIO: shoal-virtio); waits up to 10 s. NULL +
 * error if refused. */
IcDeviceLink *ic_device_link_new(const CfgMachine *machine, const char *run_dir, IcOwner owner,
                                 GError **error);
void ic_device_link_free(IcDeviceLink *link);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(IcDeviceLink, ic_device_link_free)

/* Guest time in ns: what mtime counts (the server's epoch), from the host
 * clock as every node computes it; it stands still while the debugger
 * holds the machine. */
guint64 ic_device_link_guest_ns(IcDeviceLink *link);

/* Waits up to @timeout_ms (0: only look) for the next event; accesses that
 * came during ic_device_link_dma are returned first. Model lines received so far
 * go to the line function first (from this call, on its thread). */
IcDeviceLinkEvent ic_device_link_next(IcDeviceLink *link, int timeout_ms, IcDeviceMmio *mmio);
/* The same, also returning (IC_DEVICE_LINK_NONE, revents filled in) when
 * one of @fds is ready: a device's own sockets wait beside the link. */
IcDeviceLinkEvent ic_device_link_next_fds(IcDeviceLink *link, struct pollfd *fds, guint n_fds,
                                          int timeout_ms, IcDeviceMmio *mmio);
int ic_device_link_exit_code(IcDeviceLink *link);
/* The advance IC_DEVICE_LINK_ADVANCE announced. */
IcDeviceAdvance ic_device_link_advance(IcDeviceLink *link);
/* SystemC stopped at @time_ns (a quantum boundary) for advance @quantum;
 * its next pending event is at @next_event_ns (0: none). */
void ic_device_link_reached(IcDeviceLink *link, guint64 quantum, guint64 time_ns, guint64 next_event_ns);
/* The devices are as at power-on after IC_DEVICE_LINK_RESET (and every
 * DMA they made before is sent): the memory server may clear RAM. */
void ic_device_link_reset_done(IcDeviceLink *link);
/* Has the machine ended (Shutdown, or the server went away)? */
gboolean ic_device_link_ended(IcDeviceLink *link);

/* Answers access @txid: @ok FALSE is an access fault for the hart. */
void ic_device_link_mmio_reply(IcDeviceLink *link, guint64 txid, gboolean ok, guint64 data);

/* Reads or writes @len bytes of guest RAM at @addr, coherently with the
 * harts (the server takes the pages from the nodes first). A read blocks
 * until its bytes are in @buf; a write returns once sent (posted: the
 * server keeps everything the bridge sends later behind it, so no hart
 * sees a later answer or line before the write). Accesses arriving
 * meanwhile are kept for ic_device_link_next. FALSE + error outside RAM (checked
 * here against the address map) or when the machine ends. */
gboolean ic_device_link_dma(IcDeviceLink *link, guint64 addr, gboolean is_write, guint8 *buf, gsize len,
                       GError **error);

/* Returns once every DMA write sent so far is in RAM. A read issued later
 * may otherwise be served first (it touches a page no node holds while the
 * write waits for one): a device that writes a ring's index and then reads
 * the driver's (virtio's event indices) needs this in between, as a driver
 * needs a full barrier. FALSE + error when the machine ends. */
gboolean ic_device_link_fence(IcDeviceLink *link, GError **error);

/* Who gets the ModelLines (NULL: they are dropped). Called only from
 * ic_device_link_next, never during ic_device_link_dma: lines arriving then wait, in
 * order, so one thread (the bridge's pacer) does every write. */
void ic_device_link_set_line_fn(IcDeviceLink *link, IcDeviceLineFn fn, gpointer opaque);

/* Drives PLIC source @source (the irq of one of the process's devices) to
 * @level. */
void ic_device_link_line(IcDeviceLink *link, guint source, gboolean level);
/* How many line changes went out so far. */
guint64 ic_device_link_lines_sent(IcDeviceLink *link);

G_END_DECLS

#endif /* SHOAL_IC_DEVICE_LINK_H */
