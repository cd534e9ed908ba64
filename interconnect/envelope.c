/* SPDX-License-Identifier: MIT */
/* The one place where bytes from a socket become a trusted message: unpack a
 * shoal.v1.Envelope and check every field the receivers rely on
 * (docs/protocol.md, "Validation"). */
#include "interconnect/internal.h"

#include <string.h>

G_DEFINE_QUARK(shoal-ic-error-quark, ic_error)

void ic_envelope_free(IcEnvelope *env)
{
    if (env)
        shoal__v1__envelope__free_unpacked(env, NULL);
}

GBytes *ic_envelope_pack(const IcEnvelope *env)
{
    gsize len = shoal__v1__envelope__get_packed_size(env);
    guint8 *buf = g_malloc(len ? len : 1);
    gsize done = shoal__v1__envelope__pack(env, buf);
    g_assert_cmpuint(done, ==, len);
    return g_bytes_new_take(buf, len);
}

const char *ic_envelope_body_name(const IcEnvelope *env)
{
    const ProtobufCFieldDescriptor *field =
        protobuf_c_message_descriptor_get_field(&shoal__v1__envelope__descriptor,
                                                (unsigned)env->body_case);
    return field ? field->name : "(none)";
}

static gboolean fail(GError **error, const char *peer, const IcEnvelope *env, const char *what)
{
    g_set_error(error, IC_ERROR, IC_ERROR_MALFORMED, "malformed %s from %s (txid %" G_GUINT64_FORMAT
                "): %s", ic_envelope_body_name(env), peer, env->txid, what);
    return FALSE;
}

static gboolean page_ok(guint64 page)
{
    return (page & (IC_PAGE_SIZE - 1)) == 0;
}

/* A forwarded access (proto: Access) inside @page: NULL if fine, else what
 * is wrong. */
static const char *access_problem(const Shoal__V1__Access *a, guint64 page)
{
    if ((guint)a->op > SHOAL__V1__ACCESS_OP__ACCESS_OP_MAXU) /* a negative one too */
        return "unknown access op";
    gboolean load = a->op == SHOAL__V1__ACCESS_OP__ACCESS_OP_LOAD;
    if (load ? (a->size != 1 && a->size != 2 && a->size != 4 && a->size != 8)
             : (a->size != 4 && a->size != 8))
        return "access size not 1, 2, 4 or 8 (4 or 8 for an AMO)";
    if ((a->addr & ~(guint64)(IC_PAGE_SIZE - 1)) != page ||
        ((a->addr + a->size - 1) & ~(guint64)(IC_PAGE_SIZE - 1)) != page)
        return "access outside its page";
    if (!load && (a->addr & (a->size - 1)) != 0)
        return "AMO not naturally aligned";
    return NULL;
}

/* A page request's page and optional access: NULL if fine. */
static const char *page_request_problem(guint64 page, const Shoal__V1__Access *a)
{
    if (!page_ok(page))
        return "page not 4 KiB aligned";
    return a ? access_problem(a, page) : NULL;
}

#define MAX_HART_FIELDS 1024 /* a hart's named values: far more than a hart has */
#define MAX_PATH_BYTES 4096

/* A node's harts as a snapshot has them: NULL if fine, else what is wrong. */
static const char *node_state_problem(const Shoal__V1__NodeState *st)
{
    if (st->n_harts == 0 || st->n_harts > IC_MAX_HARTS)
        return "hart count out of bounds";
    for (gsize i = 0; i < st->n_harts; i++) {
        const Shoal__V1__HartState *h = st->harts[i];
        if (h->hart >= IC_MAX_HARTS || h->n_fields > MAX_HART_FIELDS)
            return "hart number or value count out of bounds";
        for (gsize k = 0; k < h->n_fields; k++)
            if (h->fields[k]->name[0] == '\0')
                return "a hart value without a name";
    }
    return NULL;
}

/* Every rule a receiver may rely on, per body. */
static gboolean check(const IcEnvelope *env, const char *peer, GError **error)
{
    switch (env->body_case) {
    case SHOAL__V1__ENVELOPE__BODY__NOT_SET:
        return fail(error, peer, env, "no body (unknown message type?)");
    case SHOAL__V1__ENVELOPE__BODY_HELLO: {
        const Shoal__V1__Hello *h = env->hello;
        if (h->role != SHOAL__V1__ROLE__ROLE_NODE && h->role != SHOAL__V1__ROLE__ROLE_CONSOLE &&
            h->role != SHOAL__V1__ROLE__ROLE_BRIDGE && h->role != SHOAL__V1__ROLE__ROLE_DEBUGGER &&
            h->role != SHOAL__V1__ROLE__ROLE_DEVICES)
            return fail(error, peer, env, "unknown role");
        if (h->role == SHOAL__V1__ROLE__ROLE_NODE &&
            (h->n_harts == 0 || h->n_harts > IC_MAX_HARTS ||
             h->first_hart > IC_MAX_HARTS - h->n_harts))
            return fail(error, peer, env, "node hart range out of bounds");
        return TRUE;
    }
    case SHOAL__V1__ENVELOPE__BODY_HELLO_ACK: {
        const char *problem;
        if (!page_ok(env->hello_ack->ram_base) || !page_ok(env->hello_ack->ram_size) ||
            env->hello_ack->ram_size == 0 || env->hello_ack->timebase_hz == 0)
            return fail(error, peer, env, "bad RAM range or time base");
        if (env->hello_ack->restore && (problem = node_state_problem(env->hello_ack->restore)))
            return fail(error, peer, env, problem);
        return TRUE;
    }
    case SHOAL__V1__ENVELOPE__BODY_NODE_STATE: {
        const char *problem = node_state_problem(env->node_state);
        return problem == NULL || fail(error, peer, env, problem);
    }
    case SHOAL__V1__ENVELOPE__BODY_SNAPSHOT_PAGE:
        if (!page_ok(env->snapshot_page->page) || env->snapshot_page->data.len != IC_PAGE_SIZE)
            return fail(error, peer, env, "not an aligned page of 4096 bytes");
        return TRUE;
    case SHOAL__V1__ENVELOPE__BODY_SNAPSHOT_SAVE:
        if (env->snapshot_save->path[0] == '\0' ||
            strlen(env->snapshot_save->path) >= MAX_PATH_BYTES)
            return fail(error, peer, env, "empty or overlong path");
        return TRUE;
    case SHOAL__V1__ENVELOPE__BODY_GET_S: {
        const char *problem = page_request_problem(env->get_s->page, env->get_s->access);
        return problem == NULL || fail(error, peer, env, problem);
    }
    case SHOAL__V1__ENVELOPE__BODY_GET_M: {
        const char *problem = page_request_problem(env->get_m->page, env->get_m->access);
        return problem == NULL || fail(error, peer, env, problem);
    }
    case SHOAL__V1__ENVELOPE__BODY_ACCESS_AT: {
        const char *problem = env->access_at->access == NULL
                                  ? "no access"
                                  : page_request_problem(env->access_at->page,
                                                         env->access_at->access);
        return problem == NULL || fail(error, peer, env, problem);
    }
    case SHOAL__V1__ENVELOPE__BODY_ACCESS_RESULT:
        return page_ok(env->access_result->page) || fail(error, peer, env, "page not 4 KiB aligned");
    case SHOAL__V1__ENVELOPE__BODY_UPGRADE:
        return page_ok(env->upgrade->page) || fail(error, peer, env, "page not 4 KiB aligned");
    case SHOAL__V1__ENVELOPE__BODY_INVALIDATE:
        return page_ok(env->invalidate->page) || fail(error, peer, env, "page not 4 KiB aligned");
    case SHOAL__V1__ENVELOPE__BODY_PUT_M:
        if (!page_ok(env->put_m->page))
            return fail(error, peer, env, "page not 4 KiB aligned");
        if (env->put_m->data.len != IC_PAGE_SIZE)
            return fail(error, peer, env, "page data is not 4096 bytes");
        return TRUE;
    case SHOAL__V1__ENVELOPE__BODY_PAGE_GRANT:
        if (!page_ok(env->page_grant->page))
            return fail(error, peer, env, "page not 4 KiB aligned");
        if (env->page_grant->state != SHOAL__V1__PAGE_STATE__PAGE_STATE_SHARED &&
            env->page_grant->state != SHOAL__V1__PAGE_STATE__PAGE_STATE_MODIFIED)
            return fail(error, peer, env, "granted state is neither S nor M");
        if (env->page_grant->data.len != IC_PAGE_SIZE)
            return fail(error, peer, env, "page data is not 4096 bytes");
        return TRUE;
    case SHOAL__V1__ENVELOPE__BODY_RECALL:
        if (!page_ok(env->recall->page))
            return fail(error, peer, env, "page not 4 KiB aligned");
        if (env->recall->kind != SHOAL__V1__RECALL_KIND__RECALL_KIND_DOWNGRADE &&
            env->recall->kind != SHOAL__V1__RECALL_KIND__RECALL_KIND_INVALIDATE)
            return fail(error, peer, env, "unknown recall kind");
        return TRUE;
    case SHOAL__V1__ENVELOPE__BODY_PAGE_ACK:
        if (!page_ok(env->page_ack->page))
            return fail(error, peer, env, "page not 4 KiB aligned");
        if (env->page_ack->data.len != 0 && env->page_ack->data.len != IC_PAGE_SIZE)
            return fail(error, peer, env, "page data is neither empty nor 4096 bytes");
        return TRUE;
    case SHOAL__V1__ENVELOPE__BODY_MMIO_REQUEST: {
        const Shoal__V1__MmioRequest *m = env->mmio_request;
        if (m->size != 1 && m->size != 2 && m->size != 4 && m->size != 8)
            return fail(error, peer, env, "MMIO size not 1, 2, 4 or 8");
        if (m->addr & (m->size - 1))
            return fail(error, peer, env, "MMIO address not aligned to its size");
        if (m->size < 8 && m->is_write && (m->data >> (8 * m->size)))
            return fail(error, peer, env, "MMIO write data wider than its size");
        return TRUE;
    }
    case SHOAL__V1__ENVELOPE__BODY_MMIO_RESPONSE:
    case SHOAL__V1__ENVELOPE__BODY_IO_FENCE:
    case SHOAL__V1__ENVELOPE__BODY_CONSOLE_ACK:
        return TRUE;
    case SHOAL__V1__ENVELOPE__BODY_IRQ_LINE:
        if (env->irq_line->line >= 64)
            return fail(error, peer, env, "interrupt line >= 64");
        if (env->irq_line->hart >= IC_MAX_HARTS)
            return fail(error, peer, env, "hart out of bounds");
        return TRUE;
    case SHOAL__V1__ENVELOPE__BODY_DEVICE_MIRROR:
        if (env->device_mirror->value > (0xff | IC_MIRROR_LSR_ROOM))
            return fail(error, peer, env,
                        "mirrored register value wider than a byte and the room bit");
        return TRUE;
    case SHOAL__V1__ENVELOPE__BODY_QUANTUM_DONE:
        if (env->quantum_done->hart >= IC_MAX_HARTS)
            return fail(error, peer, env, "hart out of bounds");
        return TRUE;
    case SHOAL__V1__ENVELOPE__BODY_QUANTUM_ADVANCE:
        if (env->quantum_advance->idle_until_ns != 0 &&
            env->quantum_advance->idle_until_ns < env->quantum_advance->to_ns)
            return fail(error, peer, env, "idle stretch ends before the quantum");
        return TRUE;
    case SHOAL__V1__ENVELOPE__BODY_QUANTUM_REACHED:
    case SHOAL__V1__ENVELOPE__BODY_QUANTUM_GO:
        return TRUE; /* the receiver checks them against its quantum */
    case SHOAL__V1__ENVELOPE__BODY_CONSOLE_BYTES:
        if (env->console_bytes->data.len > IC_MAX_CONSOLE_BYTES)
            return fail(error, peer, env, "more console bytes than one message may carry");
        return TRUE;
    case SHOAL__V1__ENVELOPE__BODY_DMA_REQUEST: {
        const Shoal__V1__DmaRequest *d = env->dma_request;
        guint64 len = d->is_write ? d->data.len : d->len;
        if (len == 0 || len > IC_MAX_DMA)
            return fail(error, peer, env, "DMA length not 1..IC_MAX_DMA bytes");
        if (!d->is_write && d->data.len)
            return fail(error, peer, env, "DMA read carries data");
        if (d->addr + len - 1 < d->addr)
            return fail(error, peer, env, "DMA range wraps around");
        return TRUE;
    }
    case SHOAL__V1__ENVELOPE__BODY_DMA_RESPONSE:
        if (env->dma_response->data.len > IC_MAX_DMA)
            return fail(error, peer, env, "more DMA bytes than one message may carry");
        return TRUE;
    case SHOAL__V1__ENVELOPE__BODY_DEVICE_LINE:
        if (env->device_line->source == 0 || env->device_line->source > 1023)
            return fail(error, peer, env, "device line source not 1..1023");
        return TRUE;
    case SHOAL__V1__ENVELOPE__BODY_MODEL_LINE:
        if (env->model_line->device[0] == '\0' || strlen(env->model_line->device) > 255)
            return fail(error, peer, env, "model line device name empty or over 255 bytes");
        return TRUE;
    case SHOAL__V1__ENVELOPE__BODY_DEBUG_RESUME: {
        const Shoal__V1__DebugResume *r = env->debug_resume;
        if (r->n_step > IC_MAX_HARTS || r->n_run > IC_MAX_HARTS)
            return fail(error, peer, env, "more harts than a machine has");
        for (gsize i = 0; i < r->n_step + r->n_run; i++)
            if ((i < r->n_step ? r->step[i] : r->run[i - r->n_step]) >= IC_MAX_HARTS)
                return fail(error, peer, env, "hart id out of bounds");
        return TRUE;
    }
    case SHOAL__V1__ENVELOPE__BODY_DEBUG_BREAKPOINTS: {
        const Shoal__V1__DebugBreakpoints *b = env->debug_breakpoints;
        if (b->n_pc > IC_MAX_BREAKPOINTS || b->n_watch_addr > IC_MAX_BREAKPOINTS)
            return fail(error, peer, env, "more than IC_MAX_BREAKPOINTS break- or watchpoints");
        if (b->n_watch_len != b->n_watch_addr || b->n_watch_kind != b->n_watch_addr)
            return fail(error, peer, env, "watchpoint fields of different lengths");
        for (gsize i = 0; i < b->n_watch_addr; i++) {
            if (b->watch_len[i] == 0 || b->watch_addr[i] + b->watch_len[i] - 1 < b->watch_addr[i])
                return fail(error, peer, env, "an empty or wrapping watchpoint");
            if (b->watch_kind[i] < 2 || b->watch_kind[i] > 4)
                return fail(error, peer, env, "watchpoint kind not 2 (write), 3 (read), 4 (access)");
        }
        return TRUE;
    }
    case SHOAL__V1__ENVELOPE__BODY_DEBUG_STOPPED:
        if (env->debug_stopped->hart >= IC_MAX_HARTS ||
            (guint)env->debug_stopped->reason > SHOAL__V1__DEBUG_STOP_REASON__DEBUG_STOP_WATCHPOINT)
            return fail(error, peer, env, "hart id or stop reason out of bounds");
        return TRUE;
    case SHOAL__V1__ENVELOPE__BODY_DEBUG_ACCESS: {
        const Shoal__V1__DebugAccess *a = env->debug_access;
        if (a->hart >= IC_MAX_HARTS)
            return fail(error, peer, env, "hart id out of bounds");
        switch (a->kind) {
        case SHOAL__V1__DEBUG_ACCESS_KIND__DEBUG_ACCESS_READ_REGS:
            if (a->count == 0 || a->count > IC_MAX_DEBUG_REGS || a->regno > UINT32_MAX - a->count)
                return fail(error, peer, env, "register count not 1..IC_MAX_DEBUG_REGS");
            return TRUE;
        case SHOAL__V1__DEBUG_ACCESS_KIND__DEBUG_ACCESS_WRITE_REG:
            if (a->data.len != 8)
                return fail(error, peer, env, "a register write carries other than 8 bytes");
            return TRUE;
        case SHOAL__V1__DEBUG_ACCESS_KIND__DEBUG_ACCESS_READ_MEM:
        case SHOAL__V1__DEBUG_ACCESS_KIND__DEBUG_ACCESS_WRITE_MEM: {
            gboolean write = a->kind == SHOAL__V1__DEBUG_ACCESS_KIND__DEBUG_ACCESS_WRITE_MEM;
            guint64 len = write ? a->data.len : a->len;
            if (len == 0 || len > IC_MAX_DEBUG_MEM || (!write && a->data.len))
                return fail(error, peer, env, "debug memory access not 1..IC_MAX_DEBUG_MEM bytes");
            if (a->addr + len - 1 < a->addr)
                return fail(error, peer, env, "debug memory access wraps around");
            return TRUE;
        }
        default:
            return fail(error, peer, env, "unknown debug access kind");
        }
    }
    case SHOAL__V1__ENVELOPE__BODY_DEBUG_PAGES:
        if (env->debug_pages->n_node_modified > IC_MAX_HARTS ||
            env->debug_pages->n_node_shared > IC_MAX_HARTS)
            return fail(error, peer, env, "more nodes than a machine has");
        return TRUE;
    case SHOAL__V1__ENVELOPE__BODY_DEBUG_ACCESS_REPLY:
        if (env->debug_access_reply->data.len > IC_MAX_DEBUG_MEM)
            return fail(error, peer, env, "more debug bytes than one message may carry");
        return TRUE;
    case SHOAL__V1__ENVELOPE__BODY_MACHINE_RESET:
        if ((guint)env->machine_reset->phase > SHOAL__V1__RESET_PHASE__RESET_PHASE_GO)
            return fail(error, peer, env, "unknown reset phase");
        return TRUE;
    case SHOAL__V1__ENVELOPE__BODY_DEBUG_HALT:
    case SHOAL__V1__ENVELOPE__BODY_SNAPSHOT_DUMP:
    case SHOAL__V1__ENVELOPE__BODY_SNAPSHOT_SAVED:
    case SHOAL__V1__ENVELOPE__BODY_DEBUG_RESET:
    case SHOAL__V1__ENVELOPE__BODY_DEBUG_PAGES_QUERY:
    case SHOAL__V1__ENVELOPE__BODY_GUEST_EXIT:
    case SHOAL__V1__ENVELOPE__BODY_SHUTDOWN:
    case SHOAL__V1__ENVELOPE__BODY_ERROR:
        return TRUE;
    default:
        return fail(error, peer, env, "unknown body");
    }
}

void ic_envelope_dma_request(IcEnvelope *env, Shoal__V1__DmaRequest *req, guint64 txid,
                             guint64 addr, gboolean is_write, guint8 *buf, gsize len)
{
    *req = (Shoal__V1__DmaRequest)SHOAL__V1__DMA_REQUEST__INIT;
    req->addr = addr;
    req->is_write = is_write;
    if (is_write) {
        req->data.data = buf;
        req->data.len = len;
    } else {
        req->len = (guint32)len;
    }
    *env = (IcEnvelope)SHOAL__V1__ENVELOPE__INIT;
    env->txid = txid;
    env->body_case = SHOAL__V1__ENVELOPE__BODY_DMA_REQUEST;
    env->dma_request = req;
}

IcEnvelope *ic_envelope_unpack(const guint8 *data, gsize len, const char *peer, GError **error)
{
    if (len > IC_MAX_FRAME) {
        g_set_error(error, IC_ERROR, IC_ERROR_MALFORMED,
                    "frame of %" G_GSIZE_FORMAT " bytes from %s exceeds %u bytes", len, peer,
                    IC_MAX_FRAME);
        return NULL;
    }
    IcEnvelope *env = shoal__v1__envelope__unpack(NULL, len, data);
    if (!env) {
        g_set_error(error, IC_ERROR, IC_ERROR_MALFORMED,
                    "frame of %" G_GSIZE_FORMAT " bytes from %s is not a shoal.v1.Envelope", len,
                    peer);
        return NULL;
    }
    if (ic_message_has_unknown_fields(&env->base)) {
        g_set_error(error, IC_ERROR, IC_ERROR_MALFORMED,
                    "frame of %" G_GSIZE_FORMAT " bytes from %s has fields shoal.v1 does not "
                    "define", len, peer);
        ic_envelope_free(env);
        return NULL;
    }
    if (!check(env, peer, error)) {
        ic_envelope_free(env);
        return NULL;
    }
    return env;
}
