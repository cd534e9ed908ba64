/* SPDX-License-Identifier: MIT */
/* A device process's connection to the memory server (see device-link.h):
 * one IcClient (a direct link, or a ZeroMQ DEALER), driven only from the
 * process's one thread (the SystemC kernel's in the bridge), so nothing
 * here needs a lock. DMA
 * writes are posted (their answers are counted as they come) and a long
 * read has all its 64 KiB messages in flight at once: the server keeps the
 * bridge's messages in order with its writes (memory-server/bridge.c). */
#include "interconnect/device-link.h"

#include <string.h>
#include <time.h>

#include "interconnect/ic.h"

#define HELLO_TIMEOUT_MS 10000
/* DMA messages in flight: bounds what a model's long transfer queues at the
 * server (64 KiB each) while the pipe stays full. */
#define DMA_WINDOW 16

/* A ModelLine, checked against the config. */
typedef struct {
    const CfgDevice *device;
    guint input;
    gboolean level;
    guint64 guest_ns;
} DeviceLine;

struct IcDeviceLink {
    const CfgMachine *machine;
    IcOwner owner;      /* whose ranges: IC_OWNER_BRIDGE or IC_OWNER_VIRTIO */
    IcClient *client;
    IcAddrMap *map;
    guint64 epoch_ns;   /* HelloAck.time_epoch_ns */
    guint64 stopped_ns; /* time the debugger held the machine: not guest time (as in the
                         * nodes' CLINT, DebugResume.stopped_ns) */
    guint64 frozen_ns;  /* CLOCK_MONOTONIC when the debugger stopped the machine, 0 while
                         * it runs: guest time stands still from then */
    GQueue *early;      /* IcDeviceMmio* received while a DMA waited */
    GQueue *lines;      /* DeviceLine* received, for line_fn */
    IcDeviceLineFn line_fn; /* NULL: lines are dropped */
    gpointer line_opaque;
    IcDeviceAdvance advance; /* the last QuantumAdvance */
    gboolean advance_due; /* ... not yet returned by ic_device_link_next */
    gboolean reset_due;   /* a MachineReset STOP not yet returned by ic_device_link_next */
    guint64 lines_sent;
    GHashTable *posted; /* txids of DMA writes sent and not answered yet */
    gboolean ended;     /* Shutdown seen or connection lost */
    gboolean closed;    /* the connection dropped without Shutdown */
    int exit_code;
};

IcDeviceLink *ic_device_link_new(const CfgMachine *machine, const char *run_dir, IcOwner owner,
                                 GError **error)
{
    g_assert(owner == IC_OWNER_BRIDGE || owner == IC_OWNER_VIRTIO);
    g_autoptr(IcDeviceLink) link = g_new0(IcDeviceLink, 1);
    link->machine = machine;
    link->owner = owner;
    link->early = g_queue_new();
    link->lines = g_queue_new();
    link->posted = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    link->map = ic_addr_map_new(machine, error);
    if (!link->map)
        return NULL;
    link->client = ic_client_connect(machine, run_dir, error);
    if (!link->client)
        return NULL;
    Shoal__V1__Hello hello = SHOAL__V1__HELLO__INIT;
    hello.version = IC_PROTOCOL_VERSION;
    hello.role = owner == IC_OWNER_BRIDGE ? SHOAL__V1__ROLE__ROLE_BRIDGE
                                          : SHOAL__V1__ROLE__ROLE_DEVICES;
    g_autoptr(IcEnvelope) ack = ic_client_hello(link->client, &hello, HELLO_TIMEOUT_MS, error);
    if (!ack)
        return NULL;
    link->epoch_ns = ack->hello_ack->time_epoch_ns;
    return g_steal_pointer(&link);
}

void ic_device_link_free(IcDeviceLink *link)
{
    if (!link)
        return;
    ic_client_free(link->client);
    ic_addr_map_free(link->map);
    if (link->early)
        g_queue_free_full(link->early, g_free);
    if (link->lines)
        g_queue_free_full(link->lines, g_free);
    if (link->posted)
        g_hash_table_destroy(link->posted);
    g_free(link);
}

static guint64 monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (guint64)ts.tv_sec * G_GUINT64_CONSTANT(1000000000) + (guint64)ts.tv_nsec;
}

guint64 ic_device_link_guest_ns(IcDeviceLink *link)
{
    guint64 now = link->frozen_ns ? link->frozen_ns : monotonic_ns();
    guint64 since = now - (link->epoch_ns + link->stopped_ns); /* modulo 2^64, as the CLINT */
    return (gint64)since < 0 ? 0 : since;
}

/* The debugger holds the machine (DebugHalt, or a hart stopped by itself):
 * SystemC time stops with the harts' (docs/debugging.md). */
static void freeze(IcDeviceLink *link)
{
    if (link->frozen_ns == 0)
        link->frozen_ns = monotonic_ns();
}

/* DebugResume: time goes on without the time held, counted as the nodes
 * count it, so SystemC and mtime keep one time base. */
static void thaw(IcDeviceLink *link, guint64 stopped_ns)
{
    link->stopped_ns = MAX(link->stopped_ns, stopped_ns);
    link->frozen_ns = 0;
}

int ic_device_link_exit_code(IcDeviceLink *link)
{
    return link->exit_code;
}

gboolean ic_device_link_ended(IcDeviceLink *link)
{
    return link->ended;
}

static void send(IcDeviceLink *link, IcEnvelope *env)
{
    g_autoptr(GError) error = NULL;
    if (!ic_client_send(link->client, env, &error))
        g_warning("%s", error->message);
}

void ic_device_link_mmio_reply(IcDeviceLink *link, guint64 txid, gboolean ok, guint64 data)
{
    Shoal__V1__MmioResponse resp = SHOAL__V1__MMIO_RESPONSE__INIT;
    resp.ok = ok;
    resp.data = ok ? data : 0;
    IcEnvelope env = SHOAL__V1__ENVELOPE__INIT;
    env.txid = txid;
    env.body_case = SHOAL__V1__ENVELOPE__BODY_MMIO_RESPONSE;
    env.mmio_response = &resp;
    send(link, &env);
}

void ic_device_link_line(IcDeviceLink *link, guint source, gboolean level)
{
    Shoal__V1__DeviceLine line = SHOAL__V1__DEVICE_LINE__INIT;
    line.source = source;
    line.level = level;
    IcEnvelope env = SHOAL__V1__ENVELOPE__INIT;
    env.txid = ic_client_next_txid(link->client);
    env.body_case = SHOAL__V1__ENVELOPE__BODY_DEVICE_LINE;
    env.device_line = &line;
    send(link, &env);
    link->lines_sent++;
}

void ic_device_link_reset_done(IcDeviceLink *link)
{
    Shoal__V1__MachineReset msg = SHOAL__V1__MACHINE_RESET__INIT;
    msg.phase = SHOAL__V1__RESET_PHASE__RESET_PHASE_STOPPED;
    IcEnvelope env = SHOAL__V1__ENVELOPE__INIT;
    env.txid = ic_client_next_txid(link->client);
    env.body_case = SHOAL__V1__ENVELOPE__BODY_MACHINE_RESET;
    env.machine_reset = &msg;
    send(link, &env);
}

guint64 ic_device_link_lines_sent(IcDeviceLink *link)
{
    return link->lines_sent;
}

IcDeviceAdvance ic_device_link_advance(IcDeviceLink *link)
{
    return link->advance;
}

void ic_device_link_reached(IcDeviceLink *link, guint64 quantum, guint64 time_ns, guint64 next_event_ns)
{
    Shoal__V1__QuantumReached reached = SHOAL__V1__QUANTUM_REACHED__INIT;
    reached.quantum = quantum;
    reached.time_ns = time_ns;
    reached.next_event_ns = next_event_ns;
    IcEnvelope env = SHOAL__V1__ENVELOPE__INIT;
    env.txid = ic_client_next_txid(link->client);
    env.body_case = SHOAL__V1__ENVELOPE__BODY_QUANTUM_REACHED;
    env.quantum_reached = &reached;
    send(link, &env);
}

/* An access from the server, checked against the map: the server only
 * relays accesses to our ranges, but it is still a peer's message. */
static gboolean take_mmio(IcDeviceLink *link, const IcEnvelope *env, IcDeviceMmio *out)
{
    const Shoal__V1__MmioRequest *req = env->mmio_request;
    const IcRegion *r = ic_addr_map_lookup(link->map, req->addr);
    if (!r || r->owner != link->owner || req->addr + req->size - r->base > r->size) {
        g_warning("access to 0x%" G_GINT64_MODIFIER "x is in none of our ranges: fault",
                  req->addr);
        ic_device_link_mmio_reply(link, env->txid, FALSE, 0);
        return FALSE;
    }
    out->txid = env->txid;
    out->device = r->device;
    out->offset = req->addr - r->base;
    out->size = req->size;
    out->is_write = req->is_write;
    out->data = req->data;
    out->guest_ns = req->guest_ns;
    return TRUE;
}

void ic_device_link_set_line_fn(IcDeviceLink *link, IcDeviceLineFn fn, gpointer opaque)
{
    link->line_fn = fn;
    link->line_opaque = opaque;
}

/* A ModelLine from the server, checked against the config (a peer's
 * message): queued for the line function. */
static void take_line(IcDeviceLink *link, const IcEnvelope *env)
{
    const Shoal__V1__ModelLine *ml = env->model_line;
    const CfgMachine *m = link->machine;
    for (guint i = 0; i < m->n_devices; i++) {
        const CfgDevice *d = &m->devices[i];
        if (d->type != CFG_DEVICE_SYSC || strcmp(d->name, ml->device) != 0)
            continue;
        if (ml->input >= d->n_inputs)
            break;
        DeviceLine *line = g_new(DeviceLine, 1);
        line->device = d;
        line->input = ml->input;
        line->level = ml->level;
        line->guest_ns = ml->guest_ns;
        g_queue_push_tail(link->lines, line);
        return;
    }
    g_warning("model line for input %u of [device.%s], which %s does not have: ignored",
              ml->input, ml->device, m->path);
}

static void deliver_lines(IcDeviceLink *link)
{
    while (!g_queue_is_empty(link->lines)) {
        DeviceLine *line = g_queue_pop_head(link->lines);
        if (link->line_fn)
            link->line_fn(link->line_opaque, line->device, line->input, line->level,
                          line->guest_ns);
        g_free(line);
    }
}

/* The answer to a posted write: nobody waits for it. The link checked the
 * range is RAM, so a refusal means the server disagrees with our map. */
static gboolean take_posted(IcDeviceLink *link, const IcEnvelope *env)
{
    guint64 key = env->txid;
    if (!g_hash_table_contains(link->posted, &key))
        return FALSE;
    if (!env->dma_response->ok)
        g_warning("the memory server refused DMA write %" G_GUINT64_FORMAT
                  ", inside RAM by the address map", env->txid);
    g_hash_table_remove(link->posted, &key);
    return TRUE;
}

/* Receives one message: an access goes to *mmio (TRUE), a DmaResponse to
 * *dma (TRUE, caller owns it), Shutdown/close end the link. Answers to
 * posted writes are taken here, then it looks once more without waiting. */
static gboolean receive_or_fds(IcDeviceLink *link, struct pollfd *fds, guint n_fds,
                               int timeout_ms, IcDeviceMmio *mmio, IcEnvelope **dma);

static gboolean receive(IcDeviceLink *link, int timeout_ms, IcDeviceMmio *mmio, IcEnvelope **dma)
{
    return receive_or_fds(link, NULL, 0, timeout_ms, mmio, dma);
}

/* receive, also waking when one of @fds is ready (revents filled in). */
static gboolean receive_or_fds(IcDeviceLink *link, struct pollfd *fds, guint n_fds,
                               int timeout_ms, IcDeviceMmio *mmio, IcEnvelope **dma)
{
    g_autoptr(IcEnvelope) env = NULL;
    g_autoptr(GError) error = NULL;
    if (link->ended)
        return FALSE;
    if (!ic_client_wait(link->client, fds, n_fds, timeout_ms, &env, &error)) {
        if (g_error_matches(error, IC_ERROR, IC_ERROR_CLOSED)) {
            g_printerr("%s: %s: stopping\n",
                       link->owner == IC_OWNER_BRIDGE ? "shoal-sysc-bridge" : "shoal-virtio",
                       error->message);
            link->ended = link->closed = TRUE;
            link->exit_code = 1;
        } else {
            g_warning("%s", error->message);
        }
        return FALSE;
    }
    if (!env)
        return FALSE;
    switch (env->body_case) {
    case SHOAL__V1__ENVELOPE__BODY_MMIO_REQUEST:
        return take_mmio(link, env, mmio);
    case SHOAL__V1__ENVELOPE__BODY_DMA_RESPONSE:
        if (take_posted(link, env))
            return receive(link, 0, mmio, dma);
        if (dma) {
            *dma = g_steal_pointer(&env);
            return TRUE;
        }
        g_warning("DmaResponse %" G_GUINT64_FORMAT " while no DMA waits", env->txid);
        return FALSE;
    case SHOAL__V1__ENVELOPE__BODY_MODEL_LINE:
        take_line(link, env);
        return FALSE;
    case SHOAL__V1__ENVELOPE__BODY_QUANTUM_ADVANCE: {
        const Shoal__V1__QuantumAdvance *a = env->quantum_advance;
        if (link->advance_due)
            g_warning("QuantumAdvance %" G_GUINT64_FORMAT " before %" G_GUINT64_FORMAT
                      " was answered; the older one is dropped", a->quantum,
                      link->advance.quantum);
        link->advance = (IcDeviceAdvance){ a->quantum, a->to_ns, a->idle_until_ns };
        link->advance_due = TRUE; /* ic_device_link_next hands it out */
        return FALSE;
    }
    case SHOAL__V1__ENVELOPE__BODY_MACHINE_RESET:
        if (env->machine_reset->phase == SHOAL__V1__RESET_PHASE__RESET_PHASE_STOP)
            link->reset_due = TRUE;
        return FALSE;
    case SHOAL__V1__ENVELOPE__BODY_DEBUG_HALT:
    case SHOAL__V1__ENVELOPE__BODY_DEBUG_STOPPED:
        freeze(link);
        return FALSE;
    case SHOAL__V1__ENVELOPE__BODY_DEBUG_RESUME:
        thaw(link, env->debug_resume->stopped_ns);
        return FALSE;
    case SHOAL__V1__ENVELOPE__BODY_SHUTDOWN:
        g_debug("Shutdown: %s", env->shutdown->reason);
        link->ended = TRUE;
        link->exit_code = 0;
        return FALSE;
    case SHOAL__V1__ENVELOPE__BODY_ERROR:
        g_warning("the memory server reports error %u: %s", env->error->code, env->error->text);
        return FALSE;
    default:
        g_warning("unexpected %s from the memory server", ic_envelope_body_name(env));
        return FALSE;
    }
}

IcDeviceLinkEvent ic_device_link_next(IcDeviceLink *link, int timeout_ms, IcDeviceMmio *mmio)
{
    return ic_device_link_next_fds(link, NULL, 0, timeout_ms, mmio);
}

IcDeviceLinkEvent ic_device_link_next_fds(IcDeviceLink *link, struct pollfd *fds, guint n_fds,
                                          int timeout_ms, IcDeviceMmio *mmio)
{
    deliver_lines(link);
    if (!g_queue_is_empty(link->early)) {
        IcDeviceMmio *m = g_queue_pop_head(link->early);
        *mmio = *m;
        g_free(m);
        return IC_DEVICE_LINK_MMIO;
    }
    gboolean got =
        !link->advance_due && receive_or_fds(link, fds, n_fds, timeout_ms, mmio, NULL);
    deliver_lines(link);
    if (got)
        return IC_DEVICE_LINK_MMIO;
    if (link->advance_due && !link->ended) {
        link->advance_due = FALSE;
        return IC_DEVICE_LINK_ADVANCE;
    }
    if (link->reset_due && !link->ended) {
        link->reset_due = FALSE;
        return IC_DEVICE_LINK_RESET;
    }
    if (link->ended)
        return link->closed ? IC_DEVICE_LINK_CLOSED : IC_DEVICE_LINK_SHUTDOWN;
    return IC_DEVICE_LINK_NONE;
}

/* Is [addr, addr + len) inside one memory region, which is no rom if the
 * DMA writes? What the server checks too, but a posted write's refusal
 * would come too late to tell the model. */
static gboolean in_ram(IcDeviceLink *link, guint64 addr, gsize len, gboolean is_write)
{
    const IcRegion *r = ic_addr_map_lookup(link->map, addr);
    return len > 0 && addr + len - 1 >= addr && r && r->owner == IC_OWNER_RAM &&
           addr + len - 1 - r->base < r->size &&
           !(is_write && r->memory->kind == CFG_MEMORY_ROM);
}

static gboolean send_dma(IcDeviceLink *link, guint64 txid, guint64 addr, gboolean is_write,
                         guint8 *buf, gsize len, GError **error)
{
    Shoal__V1__DmaRequest req;
    IcEnvelope env;
    ic_envelope_dma_request(&env, &req, txid, addr, is_write, buf, len);
    return ic_client_send(link->client, &env, error);
}

/* Waits for the next DmaResponse that is not a posted write's (NULL when
 * @until_posted_below: returns once fewer writes than that are in flight).
 * Accesses that come meanwhile are kept for ic_device_link_next. */
static IcEnvelope *wait_dma(IcDeviceLink *link, guint until_posted_below, GError **error)
{
    for (;;) {
        if (until_posted_below && g_hash_table_size(link->posted) < until_posted_below)
            return NULL;
        IcDeviceMmio mmio;
        IcEnvelope *resp = NULL;
        if (receive(link, 100, &mmio, &resp)) {
            if (resp)
                return resp;
            g_queue_push_tail(link->early, g_memdup2(&mmio, sizeof mmio));
            continue;
        }
        if (link->ended) {
            g_set_error(error, IC_ERROR, IC_ERROR_CLOSED, "the machine ended during a DMA");
            return NULL;
        }
    }
}

/* Waits until fewer than @below posted writes are unanswered. */
static gboolean wait_posted(IcDeviceLink *link, guint below, GError **error)
{
    g_autoptr(GError) werr = NULL;
    g_autoptr(IcEnvelope) stray = wait_dma(link, below, &werr);
    if (werr) {
        g_propagate_error(error, g_steal_pointer(&werr));
        return FALSE;
    }
    if (stray)
        g_warning("DmaResponse %" G_GUINT64_FORMAT " while no read waits", stray->txid);
    return TRUE;
}

gboolean ic_device_link_fence(IcDeviceLink *link, GError **error)
{
    return g_hash_table_size(link->posted) == 0 || wait_posted(link, 1, error);
}

/* Posts the write: its answer is only counted (take_posted). */
static gboolean dma_write(IcDeviceLink *link, guint64 addr, guint8 *buf, gsize len, GError **error)
{
    for (gsize off = 0; off < len; off += IC_MAX_DMA) {
        gsize n = MIN(len - off, IC_MAX_DMA);
        if (g_hash_table_size(link->posted) >= DMA_WINDOW && !wait_posted(link, DMA_WINDOW, error))
            return FALSE;
        guint64 *txid = g_new(guint64, 1);
        *txid = ic_client_next_txid(link->client);
        if (!send_dma(link, *txid, addr + off, TRUE, buf + off, n, error)) {
            g_free(txid);
            return FALSE;
        }
        g_hash_table_add(link->posted, txid);
    }
    return TRUE;
}

/* Up to DMA_WINDOW messages in flight; each answer lands at its offset. */
static gboolean dma_read(IcDeviceLink *link, guint64 addr, guint8 *buf, gsize len, GError **error)
{
    guint n_chunks = (guint)((len + IC_MAX_DMA - 1) / IC_MAX_DMA);
    g_autofree guint64 *txids = g_new(guint64, n_chunks);
    guint sent = 0, done = 0;
    while (done < n_chunks) {
        for (; sent < n_chunks && sent - done < DMA_WINDOW; sent++) {
            gsize off = (gsize)sent * IC_MAX_DMA;
            txids[sent] = ic_client_next_txid(link->client);
            if (!send_dma(link, txids[sent], addr + off, FALSE, NULL, MIN(len - off, IC_MAX_DMA),
                          error))
                return FALSE;
        }
        g_autoptr(IcEnvelope) resp = wait_dma(link, 0, error);
        if (!resp)
            return FALSE;
        guint k = done;
        while (k < sent && txids[k] != resp->txid)
            k++;
        if (k == sent) {
            g_warning("DmaResponse %" G_GUINT64_FORMAT " that no DMA waits for", resp->txid);
            continue;
        }
        gsize off = (gsize)k * IC_MAX_DMA, n = MIN(len - off, IC_MAX_DMA);
        const Shoal__V1__DmaResponse *r = resp->dma_response;
        if (!r->ok) {
            g_set_error(error, IC_ERROR, IC_ERROR_UNEXPECTED,
                        "DMA read at 0x%" G_GINT64_MODIFIER "x +%" G_GSIZE_FORMAT
                        " is not inside guest RAM", addr + off, n);
            return FALSE;
        }
        if (r->data.len != n) {
            g_set_error(error, IC_ERROR, IC_ERROR_UNEXPECTED,
                        "DMA read of %" G_GSIZE_FORMAT " bytes answered with %" G_GSIZE_FORMAT,
                        n, r->data.len);
            return FALSE;
        }
        memcpy(buf + off, r->data.data, n);
        /* Answers may come out of order (a page waiting for a node): the
         * window slides past the ones already in. */
        txids[k] = 0;
        while (done < sent && txids[done] == 0)
            done++;
    }
    return TRUE;
}

gboolean ic_device_link_dma(IcDeviceLink *link, guint64 addr, gboolean is_write, guint8 *buf, gsize len,
                       GError **error)
{
    if (link->ended) {
        /* A posted write would vanish without a word. */
        g_set_error(error, IC_ERROR, IC_ERROR_CLOSED, "the machine ended before a DMA");
        return FALSE;
    }
    if (!in_ram(link, addr, len, is_write)) {
        g_set_error(error, IC_ERROR, IC_ERROR_UNEXPECTED,
                    "DMA %s at 0x%" G_GINT64_MODIFIER "x +%" G_GSIZE_FORMAT
                    " is not inside one writable region of guest memory",
                    is_write ? "write" : "read", addr, len);
        return FALSE;
    }
    return is_write ? dma_write(link, addr, buf, len, error)
                    : dma_read(link, addr, buf, len, error);
}
