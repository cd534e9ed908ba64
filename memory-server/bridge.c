/* SPDX-License-Identifier: MIT */
/* The memory server's side of a device process (the SystemC bridge, or
 * shoal-virtio): harts' accesses to its ranges relayed to it and back, its
 * DMA into guest RAM through the directory's DMA requester (dma-node.c, so
 * every page a DMA writes is first taken from every node, with its
 * translated code), its interrupt lines into the PLIC, and gpio pins into
 * the SystemC models' inputs. */
#include <string.h>

#include "memory-server/internal.h"

#define PAGE_SIZE IC_PAGE_SIZE

/* A hart's access waiting for the bridge's answer. */
typedef struct {
    guint peer;         /* who asked (a node's connection) */
    guint64 txid;       /* its txid, echoed in the relayed answer */
    gboolean posted;    /* nobody waits: the answer is dropped */
} Forward;

/* An access that came before the bridge said Hello. */
typedef struct {
    guint peer;
    guint64 txid;
    Shoal__V1__MmioRequest req; /* no pointers: unknown fields dropped */
} Held;

/* One DmaRequest waiting for the directory: the pages that no node holds
 * were copied at once (msrv_bridge_dma), the others each wait for a grant. */
typedef struct {
    guint64 txid;       /* the bridge's */
    guint64 addr;
    gsize len;
    gboolean is_write;
    guint64 seq;        /* a write's place among the bridge's writes (1, 2, ...) */
    guint8 *buf;        /* len bytes: the data of a write, the result of a read */
    guint pages_left;   /* grants still due */
} DmaOp;

/* A message from the bridge that came after a write still waiting for the
 * directory: the guest must not see it (an interrupt, a status read) before
 * that write's data, so it waits until every earlier write is done. The
 * bridge posts writes without waiting for their answers, so this is what
 * keeps "write, then raise the line" in order. */
typedef enum { ORDERED_MMIO, ORDERED_LINE, ORDERED_CALL } OrderedKind;
typedef struct {
    guint64 after;      /* the last write seq before it */
    OrderedKind kind;
    Forward to;         /* MMIO: the hart that gets resp */
    Shoal__V1__MmioResponse resp; /* no pointers */
    guint source;       /* LINE */
    gboolean level;
    void (*call)(gpointer data); /* CALL (msrv_bridge_after_writes) */
    gpointer call_data;
} Ordered;

/* A page of a DmaOp waiting for the DMA requester's grant. */
typedef struct {
    MsrvBridge *bridge;
    DmaOp *op;
    guint64 page;
} DmaPage;

/* A model input the guest drives (a sysc device's `inputs` entry). */
typedef struct {
    const CfgDevice *device; /* the sysc device */
    guint input;             /* index in device->inputs */
    gboolean level;          /* its pin's level as last seen */
} ModelInput;

struct MsrvBridge {
    const CfgMachine *machine;
    CfgDeviceHost host;      /* whose devices: CFG_HOST_SYSC_BRIDGE or CFG_HOST_VIRTIO */
    MsrvDir *dir;
    MsrvDmaNode *dma;
    MsrvPlic *plic;          /* NULL: no PLIC, lines go nowhere */
    MsrvSendFn send;         /* to a peer as is */
    MsrvSendFn reply;        /* to the peer that asked (a hart's answers go to its node) */
    gpointer opaque;
    gint peer;               /* the bridge's connection, -1 before its Hello */
    guint64 next_txid;       /* for forwarded accesses and model lines */
    GHashTable *forwards;    /* our txid -> Forward* */
    GQueue *held;            /* Held*, until the bridge's Hello */
    GArray *inputs;          /* ModelInput, every input of every sysc device */
    guint64 write_seq;       /* seq of the last write DmaRequest */
    GQueue *writes;          /* DmaOp* of writes waiting for grants, in seq order */
    GQueue *ordered;         /* Ordered*, in arrival order */
};

MsrvBridge *msrv_bridge_new(const CfgMachine *machine, CfgDeviceHost host, MsrvDir *dir,
                            MsrvDmaNode *dma, MsrvPlic *plic, MsrvSendFn send, MsrvSendFn reply,
                            gpointer opaque)
{
    MsrvBridge *b = g_new0(MsrvBridge, 1);
    b->machine = machine;
    b->host = host;
    b->dir = dir;
    b->dma = dma;
    b->plic = plic;
    b->send = send;
    b->reply = reply;
    b->opaque = opaque;
    b->peer = -1;
    b->next_txid = 1;
    b->forwards = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
    b->held = g_queue_new();
    b->inputs = g_array_new(FALSE, TRUE, sizeof(ModelInput));
    for (guint i = 0; i < machine->n_devices; i++) {
        const CfgDevice *d = &machine->devices[i];
        for (guint j = 0; d->type == CFG_DEVICE_SYSC && j < d->n_inputs; j++) {
            ModelInput in = { d, j, FALSE };
            g_array_append_val(b->inputs, in);
        }
    }
    b->writes = g_queue_new();
    b->ordered = g_queue_new();
    return b;
}

void msrv_bridge_free(MsrvBridge *b)
{
    if (!b)
        return;
    g_hash_table_destroy(b->forwards);
    g_queue_free_full(b->held, g_free);
    g_array_free(b->inputs, TRUE);
    g_queue_free(b->writes); /* its ops go with their pages (dma_page_drop) */
    for (Ordered *o; (o = g_queue_pop_head(b->ordered));) {
        if (o->kind == ORDERED_CALL)
            g_free(o->call_data); /* the machine ended first */
        g_free(o);
    }
    g_queue_free(b->ordered);
    g_free(b);
}

void msrv_bridge_set_plic(MsrvBridge *b, MsrvPlic *plic)
{
    b->plic = plic;
}

gboolean msrv_bridge_connected(const MsrvBridge *b)
{
    return b->peer >= 0;
}

gint msrv_bridge_peer(const MsrvBridge *b)
{
    return b->peer;
}

/* ---- harts' accesses ---- */

static void forward(MsrvBridge *b, guint peer, guint64 txid, Shoal__V1__MmioRequest req)
{
    guint64 *key = g_new(guint64, 1);
    Forward *f = g_new(Forward, 1);
    *key = b->next_txid++;
    f->peer = peer;
    f->txid = txid;
    f->posted = req.posted;
    g_hash_table_insert(b->forwards, key, f);
    IcEnvelope out = SHOAL__V1__ENVELOPE__INIT;
    out.txid = *key;
    out.body_case = SHOAL__V1__ENVELOPE__BODY_MMIO_REQUEST;
    out.mmio_request = &req;
    b->send(b->opaque, (guint)b->peer, &out);
}

void msrv_bridge_mmio(MsrvBridge *b, guint peer, const IcEnvelope *env)
{
    Shoal__V1__MmioRequest req = *env->mmio_request;
    req.base.unknown_fields = NULL;
    req.base.n_unknown_fields = 0;
    if (b->peer < 0) {
        /* Harts may start before the bridge is up: the access waits. */
        Held *h = g_new(Held, 1);
        h->peer = peer;
        h->txid = env->txid;
        h->req = req;
        g_queue_push_tail(b->held, h);
        return;
    }
    forward(b, peer, env->txid, req);
}

static void send_model_line(MsrvBridge *b, const ModelInput *in, guint64 guest_ns);

void msrv_bridge_hello(MsrvBridge *b, guint peer)
{
    b->peer = (gint)peer;
    /* Every input's level first: pins set before the bridge came up, and
     * before the accesses held for it (which may depend on them). */
    for (guint i = 0; i < b->inputs->len; i++)
        send_model_line(b, &g_array_index(b->inputs, ModelInput, i), 0);
    while (!g_queue_is_empty(b->held)) {
        Held *h = g_queue_pop_head(b->held);
        forward(b, h->peer, h->txid, h->req);
        g_free(h);
    }
}

/* ---- the bridge's messages, in order with its writes ---- */

/* The oldest write still waiting for the directory (0: none). */
static guint64 oldest_write(MsrvBridge *b)
{
    DmaOp *op = g_queue_peek_head(b->writes);
    return op ? op->seq : 0;
}

static gboolean must_wait(MsrvBridge *b)
{
    return !g_queue_is_empty(b->writes) || !g_queue_is_empty(b->ordered);
}

static void relay_mmio_response(MsrvBridge *b, const Forward *to, Shoal__V1__MmioResponse resp)
{
    IcEnvelope out = SHOAL__V1__ENVELOPE__INIT;
    out.txid = to->txid;
    out.body_case = SHOAL__V1__ENVELOPE__BODY_MMIO_RESPONSE;
    out.mmio_response = &resp;
    b->reply(b->opaque, to->peer, &out);
}

static void apply_line(MsrvBridge *b, guint source, gboolean level)
{
    if (b->plic && source < MSRV_PLIC_SOURCES)
        msrv_plic_set_line(b->plic, source, level);
}

/* Delivers the held messages whose earlier writes are all done. */
static void release_ordered(MsrvBridge *b)
{
    for (Ordered *o; (o = g_queue_peek_head(b->ordered));) {
        guint64 oldest = oldest_write(b);
        if (oldest != 0 && oldest <= o->after)
            return;
        g_queue_pop_head(b->ordered);
        switch (o->kind) {
        case ORDERED_LINE: apply_line(b, o->source, o->level); break;
        case ORDERED_MMIO: relay_mmio_response(b, &o->to, o->resp); break;
        case ORDERED_CALL: o->call(o->call_data); break;
        }
        g_free(o);
    }
}

static Ordered *hold(MsrvBridge *b, OrderedKind kind)
{
    Ordered *o = g_new0(Ordered, 1);
    o->after = b->write_seq;
    o->kind = kind;
    g_queue_push_tail(b->ordered, o);
    return o;
}

void msrv_bridge_after_writes(MsrvBridge *b, void (*fn)(gpointer data), gpointer data)
{
    if (must_wait(b)) {
        Ordered *o = hold(b, ORDERED_CALL);
        o->call = fn;
        o->call_data = data;
    } else {
        fn(data);
    }
}

gboolean msrv_bridge_mmio_response(MsrvBridge *b, const IcEnvelope *env, GError **error)
{
    guint64 key = env->txid;
    Forward *f = g_hash_table_lookup(b->forwards, &key);
    if (!f) {
        g_set_error(error, IC_ERROR, IC_ERROR_UNEXPECTED,
                    "MMIO response with txid %" G_GUINT64_FORMAT " that nobody asked for",
                    env->txid);
        return FALSE;
    }
    Shoal__V1__MmioResponse resp = *env->mmio_response;
    resp.base.unknown_fields = NULL;
    resp.base.n_unknown_fields = 0;
    if (f->posted) {
        if (!resp.ok)
            g_warning("a posted write to a device process was refused");
    } else if (must_wait(b)) {
        Ordered *o = hold(b, ORDERED_MMIO);
        o->to = *f;
        o->resp = resp;
    } else {
        relay_mmio_response(b, f, resp);
    }
    g_hash_table_remove(b->forwards, &key);
    return TRUE;
}

/* ---- interrupt lines ---- */

gboolean msrv_bridge_line(MsrvBridge *b, const IcEnvelope *env, GError **error)
{
    const Shoal__V1__DeviceLine *line = env->device_line;
    const CfgMachine *m = b->machine;
    for (guint i = 0; i < m->n_devices; i++) {
        const CfgDevice *d = &m->devices[i];
        if (cfg_device_host(d->type) == b->host && d->irq == (gint)line->source) {
            if (must_wait(b)) {
                Ordered *o = hold(b, ORDERED_LINE);
                o->source = line->source;
                o->level = line->level;
            } else {
                apply_line(b, line->source, line->level);
            }
            return TRUE;
        }
    }
    g_set_error(error, IC_ERROR, IC_ERROR_UNEXPECTED,
                "interrupt source %u is not the irq of a %s device in %s", line->source,
                b->host == CFG_HOST_VIRTIO ? "virtio" : "sysc", m->path);
    return FALSE;
}

/* ---- lines into the models ---- */

static void send_model_line(MsrvBridge *b, const ModelInput *in, guint64 guest_ns)
{
    Shoal__V1__ModelLine line = SHOAL__V1__MODEL_LINE__INIT;
    line.device = in->device->name;
    line.input = in->input;
    line.level = in->level;
    line.guest_ns = guest_ns;
    IcEnvelope out = SHOAL__V1__ENVELOPE__INIT;
    out.txid = b->next_txid++;
    out.body_case = SHOAL__V1__ENVELOPE__BODY_MODEL_LINE;
    out.model_line = &line;
    b->send(b->opaque, (guint)b->peer, &out);
}

void msrv_bridge_pins(MsrvBridge *b, guint gpio, guint32 levels, guint64 guest_ns)
{
    for (guint i = 0; i < b->inputs->len; i++) {
        ModelInput *in = &g_array_index(b->inputs, ModelInput, i);
        const CfgDeviceInput *wire = &in->device->inputs[in->input];
        gboolean level = (levels >> wire->pin) & 1;
        if (wire->gpio != gpio || level == in->level)
            continue;
        in->level = level;
        if (b->peer >= 0)
            send_model_line(b, in, guest_ns);
    }
}

/* ---- DMA ---- */

static void send_dma_response(MsrvBridge *b, guint64 txid, gboolean ok, const guint8 *data,
                              gsize len)
{
    Shoal__V1__DmaResponse resp = SHOAL__V1__DMA_RESPONSE__INIT;
    resp.ok = ok;
    resp.data.data = (guint8 *)data;
    resp.data.len = data ? len : 0;
    IcEnvelope out = SHOAL__V1__ENVELOPE__INIT;
    out.txid = txid;
    out.body_case = SHOAL__V1__ENVELOPE__BODY_DMA_RESPONSE;
    out.dma_response = &resp;
    if (b->peer >= 0)
        b->send(b->opaque, (guint)b->peer, &out);
}

/* The bytes of [lo, hi) (inside one page) between RAM and @op's buffer. */
static void copy_slice(MsrvBridge *b, guint64 page, guint64 lo, guint64 hi, gboolean is_write,
                       guint8 *buf)
{
    guint8 *ram = msrv_dir_page(b->dir, page) + (lo - page);
    if (is_write)
        memcpy(ram, buf, hi - lo);
    else
        memcpy(buf, ram, hi - lo);
}

static void dma_op_free(DmaOp *op)
{
    g_free(op->buf);
    g_free(op);
}

/* @op's last page is done: answer it; a write also lets the bridge's
 * messages that waited for it through. */
static void dma_op_done(MsrvBridge *b, DmaOp *op)
{
    send_dma_response(b, op->txid, TRUE, op->is_write ? NULL : op->buf, op->len);
    if (op->is_write) {
        g_queue_remove(b->writes, op);
        release_ordered(b);
    }
    dma_op_free(op);
}

static void dma_granted(gpointer opaque, guint64 page, gboolean modified);
static void dma_page_drop(gpointer data);

void msrv_bridge_dma(MsrvBridge *b, const IcEnvelope *env)
{
    const Shoal__V1__DmaRequest *req = env->dma_request;
    gboolean is_write = req->is_write;
    gsize len = is_write ? req->data.len : req->len;
    guint64 first = req->addr & ~(guint64)(PAGE_SIZE - 1);
    guint64 last = (req->addr + len - 1) & ~(guint64)(PAGE_SIZE - 1);
    guint slow = 0;
    /* The envelope check bounded len and ruled out wrapping. */
    for (guint64 p = first;; p += PAGE_SIZE) {
        /* One region, so its bytes are one run in the server's buffer, and
         * never written if it is a rom: a device cannot write what the
         * harts cannot. */
        if (!msrv_dir_has_page(b->dir, p) ||
            msrv_dir_page(b->dir, p) != msrv_dir_page(b->dir, first) + (p - first) ||
            (is_write && msrv_dir_read_only(b->dir, p))) {
            g_debug("bridge: DMA %s at 0x%" G_GINT64_MODIFIER "x +%" G_GSIZE_FORMAT
                    " leaves writable memory", is_write ? "write" : "read", req->addr, len);
            send_dma_response(b, env->txid, FALSE, NULL, 0);
            return;
        }
        if (!msrv_dma_node_page_direct(b->dma, p, is_write))
            slow++;
        if (p == last)
            break;
    }
    if (slow == 0) {
        /* The common case: straight between RAM (one mapping: the pages
         * are contiguous) and the message, no copy of our own. */
        guint8 *ram = msrv_dir_page(b->dir, first) + (req->addr - first);
        if (is_write)
            memcpy(ram, req->data.data, len);
        send_dma_response(b, env->txid, TRUE, is_write ? NULL : ram, len);
        return;
    }
    DmaOp *op = g_new0(DmaOp, 1);
    op->txid = env->txid;
    op->addr = req->addr;
    op->len = len;
    op->is_write = is_write;
    op->buf = is_write ? g_memdup2(req->data.data, len) : g_malloc(len);
    op->pages_left = slow;
    if (is_write) {
        op->seq = ++b->write_seq;
        g_queue_push_tail(b->writes, op);
    }
    /* The direct pages first: a request below may finish (and free) the op
     * at once. Only its own page changes meanwhile, so `direct` holds. */
    g_autofree gboolean *direct = g_new(gboolean, (last - first) / PAGE_SIZE + 1);
    for (guint64 p = first, i = 0;; p += PAGE_SIZE, i++) {
        guint64 lo = MAX(op->addr, p), hi = MIN(op->addr + len, p + PAGE_SIZE);
        direct[i] = msrv_dma_node_page_direct(b->dma, p, is_write);
        if (direct[i])
            copy_slice(b, p, lo, hi, is_write, op->buf + (lo - op->addr));
        if (p == last)
            break;
    }
    for (guint64 p = first, i = 0;; p += PAGE_SIZE, i++) {
        if (!direct[i]) {
            DmaPage *dp = g_new(DmaPage, 1);
            dp->bridge = b;
            dp->op = op;
            dp->page = p;
            msrv_dma_node_request(b->dma, p, is_write, dma_granted, dp, dma_page_drop);
        }
        if (p == last)
            break;
    }
}

static void dma_granted(gpointer opaque, guint64 page, gboolean modified)
{
    g_autofree DmaPage *dp = opaque;
    MsrvBridge *b = dp->bridge;
    DmaOp *op = dp->op;
    g_assert(dp->page == page);
    guint64 lo = MAX(op->addr, page), hi = MIN(op->addr + op->len, page + PAGE_SIZE);
    g_assert(!op->is_write || modified);
    copy_slice(b, page, lo, hi, op->is_write, op->buf + (lo - op->addr));
    if (--op->pages_left == 0)
        dma_op_done(b, op);
}

/* The machine ended before the page's grant: an op is shared by its pages,
 * freed with the last. */
static void dma_page_drop(gpointer data)
{
    DmaPage *dp = data;
    if (--dp->op->pages_left == 0)
        dma_op_free(dp->op);
    g_free(dp);
}
