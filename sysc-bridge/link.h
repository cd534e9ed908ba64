/* SPDX-License-Identifier: MIT */
/* The bridge's protocol side, in C: the connection to the memory server as
 * ROLE_BRIDGE, guest time, harts' accesses in, answers, DMA and interrupt
 * lines out. The C++ in this folder is a thin TLM adapter over it. One
 * thread (the SystemC kernel's) owns a SyscLink. */
#ifndef SHOAL_SYSC_LINK_H
#define SHOAL_SYSC_LINK_H

#include <glib.h>

#include "config/cfg.h"

G_BEGIN_DECLS

typedef struct SyscLink SyscLink;

/* A hart's access to a sysc range, as the server relayed it. */
typedef struct {
    guint64 txid;         /* echo in sysc_link_mmio_reply */
    const CfgDevice *device; /* the range ([device.NAME] of type sysc) */
    guint64 offset;       /* from the range's base */
    guint size;           /* 1, 2, 4 or 8, inside the range */
    gboolean is_write;
    guint64 data;         /* a write's value */
    guint64 guest_ns;     /* deterministic time: the hart's guest time; else 0 */
} SyscMmio;

/* Deterministic time: every hart reached @to_ns; run SystemC there. */
typedef struct {
    guint64 quantum;
    guint64 to_ns;
    guint64 idle_until_ns; /* every hart idles: may go on to here while no line moves; 0 no */
} SyscAdvance;

typedef enum {
    SYSC_LINK_NONE,     /* nothing arrived in time */
    SYSC_LINK_MMIO,     /* *mmio filled in */
    SYSC_LINK_ADVANCE,  /* sysc_link_advance tells where to; answer sysc_link_reached */
    SYSC_LINK_SHUTDOWN, /* the machine ended: sysc_link_exit_code */
    SYSC_LINK_CLOSED,   /* the server went away (no Shutdown will come) */
} SyscLinkEvent;

/* A model input the guest drives (a gpio pin, [device.NAME] inputs) is now
 * @level; @device is a sysc device and @input < device->n_inputs.
 * @guest_ns: deterministic time, the writing hart's time; else 0. */
typedef void (*SyscLineFn)(gpointer opaque, const CfgDevice *device, guint input,
                           gboolean level, guint64 guest_ns);

/* Connects to the memory server of @machine (outliving the link) and says
 * Hello as the bridge; waits up to 10 s. NULL + error if refused. */
SyscLink *sysc_link_new(const CfgMachine *machine, const char *run_dir, GError **error);
void sysc_link_free(SyscLink *link);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SyscLink, sysc_link_free)

/* Guest time in ns: what mtime counts (the server's epoch), from the host
 * clock as every node computes it; it stands still while the debugger
 * holds the machine. */
guint64 sysc_link_guest_ns(SyscLink *link);

/* Waits up to @timeout_ms (0: only look) for the next event; accesses that
 * came during sysc_link_dma are returned first. Model lines received so far
 * go to the line function first (from this call, on its thread). */
SyscLinkEvent sysc_link_next(SyscLink *link, int timeout_ms, SyscMmio *mmio);
int sysc_link_exit_code(SyscLink *link);
/* The advance SYSC_LINK_ADVANCE announced. */
SyscAdvance sysc_link_advance(SyscLink *link);
/* SystemC stopped at @time_ns (a quantum boundary) for advance @quantum;
 * its next pending event is at @next_event_ns (0: none). */
void sysc_link_reached(SyscLink *link, guint64 quantum, guint64 time_ns, guint64 next_event_ns);
/* Has the machine ended (Shutdown, or the server went away)? */
gboolean sysc_link_ended(SyscLink *link);

/* Answers access @txid: @ok FALSE is an access fault for the hart. */
void sysc_link_mmio_reply(SyscLink *link, guint64 txid, gboolean ok, guint64 data);

/* Reads or writes @len bytes of guest RAM at @addr, coherently with the
 * harts (the server takes the pages from the nodes first). A read blocks
 * until its bytes are in @buf; a write returns once sent (posted: the
 * server keeps everything the bridge sends later behind it, so no hart
 * sees a later answer or line before the write). Accesses arriving
 * meanwhile are kept for sysc_link_next. FALSE + error outside RAM (checked
 * here against the address map) or when the machine ends. */
gboolean sysc_link_dma(SyscLink *link, guint64 addr, gboolean is_write, guint8 *buf, gsize len,
                       GError **error);

/* Who gets the ModelLines (NULL: they are dropped). Called only from
 * sysc_link_next, never during sysc_link_dma: lines arriving then wait, in
 * order, so one thread (the bridge's pacer) does every write. */
void sysc_link_set_line_fn(SyscLink *link, SyscLineFn fn, gpointer opaque);

/* Drives PLIC source @source (a sysc device's irq) to @level. */
void sysc_link_line(SyscLink *link, guint source, gboolean level);
/* How many line changes went out so far. */
guint64 sysc_link_lines_sent(SyscLink *link);

G_END_DECLS

#endif /* SHOAL_SYSC_LINK_H */
