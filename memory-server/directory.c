/* SPDX-License-Identifier: MIT */
/* The coherence directory (see directory.h for states and the table): a
 * view x request table (protocol.def) picks an action; actions that need other nodes'
 * acks park the entry as busy and finish when the last ack arrives. */
#include <string.h>

#include "memory-server/directory.h"

#define PAGE_SIZE 4096u

G_DEFINE_QUARK(shoal-msrv-dir-error-quark, msrv_dir_error)

/* The requester's view of an entry: the table's rows (protocol.def). */
typedef enum {
#define PROTOCOL(view, get_s, get_m, upgrade, put_m) VIEW_##view,
#include "memory-server/protocol.def"
#undef PROTOCOL
    N_VIEWS,
} View;

typedef enum {
    ACT_GRANT_S,           /* R joins the sharers */
    ACT_GRANT_M,           /* R becomes owner */
    ACT_INVALIDATE,        /* invalidate the other sharers, then grant M */
    ACT_RECALL_DOWNGRADE,  /* owner keeps S, gives data back, then grant S */
    ACT_RECALL_INVALIDATE, /* owner gives data back and drops it, then grant M */
    ACT_WRITE_BACK,        /* PutM from the owner: data to RAM, UNCACHED */
    ACT_STALE_PUT,         /* PutM from a non-owner (raced): just ack */
    ACT_FORWARD,           /* not in the table: the owner makes R's access */
} Action;

/* Columns in MsrvReqKind order. */
G_STATIC_ASSERT(MSRV_REQ_GET_S == 0 && MSRV_REQ_GET_M == 1 && MSRV_REQ_UPGRADE == 2 &&
                MSRV_REQ_PUT_M == 3 && MSRV_N_REQS == 4);
static const Action protocol[N_VIEWS][MSRV_N_REQS] = {
#define PROTOCOL(view, get_s, get_m, upgrade, put_m) \
    [VIEW_##view] = { ACT_##get_s, ACT_##get_m, ACT_##upgrade, ACT_##put_m },
#include "memory-server/protocol.def"
#undef PROTOCOL
};

typedef struct {
    guint node;         /* requester */
    MsrvReqKind kind;
    guint64 txid;       /* the requester's, echoed by the answer */
    guint8 *data;       /* PutM data (owned), else NULL */
    gint64 arrived_us;  /* sharing statistics: when it came (monotonic) */
    gboolean has_access; /* a GetS/GetM for `access`, which may be forwarded */
    MsrvAccess access;
} Request;

typedef struct {
    guint8 state;        /* MsrvPageState */
    guint8 busy;         /* waiting for acks; `current` holds the request */
    guint8 owner;        /* MODIFIED: the owning node */
    guint8 action;       /* busy: the Action to finish */
    guint8 migratory;    /* read, then written, by one node after another */
    guint8 owner_read;   /* MODIFIED: the owner asked for the page to read it */
    guint8 writer_plus1; /* SHARED: the owner whose written copy the last
                          * downgrade took back, + 1; 0 = none */
    guint64 sharers;     /* SHARED: bit per node */
    guint64 pending;     /* busy: nodes whose ack is still due */
    Request current;     /* busy: the request being served */
    GQueue *waiting;     /* Request * queued behind `current`, or NULL */
} Entry;

/* A range of guest memory the directory covers: [memory] first, then
 * the config's other regions. Few, so a page is found by a scan. */
typedef struct {
    guint8 *ram;           /* its bytes, the caller's */
    guint64 base;          /* guest physical, page aligned */
    guint64 n_pages;
    guint64 first;         /* index of its first Entry */
    gboolean read_only;    /* a rom: only ever granted Shared */
} Region;

struct MsrvDir {
    Region regions[MSRV_DIR_MAX_REGIONS];
    guint n_regions;
    guint64 n_pages;       /* over every region */
    Entry *entries;        /* n_pages, region after region */
    const MsrvDirOps *ops;
    gpointer opaque;
    GHashTable *sharing;   /* page -> MsrvPageSharing, NULL unless tracked */
    gboolean migratory;    /* msrv_dir_detect_migratory */
    guint64 forwarding;    /* msrv_dir_set_forwarding */
};

MsrvDir *msrv_dir_new(guint8 *ram, guint64 ram_base, guint64 ram_size, const MsrvDirOps *ops,
                      gpointer opaque)
{
    MsrvDir *dir = g_new0(MsrvDir, 1);
    dir->ops = ops;
    dir->opaque = opaque;
    msrv_dir_add_region(dir, ram, ram_base, ram_size, FALSE);
    return dir;
}

void msrv_dir_add_region(MsrvDir *dir, guint8 *ram, guint64 base, guint64 size,
                         gboolean read_only)
{
    g_assert(size % PAGE_SIZE == 0 && base % PAGE_SIZE == 0 && size > 0);
    g_assert(dir->n_regions < MSRV_DIR_MAX_REGIONS);
    for (guint i = 0; i < dir->n_regions; i++) {
        const Region *o = &dir->regions[i];
        g_assert(base + size <= o->base || o->base + o->n_pages * PAGE_SIZE <= base);
    }
    dir->regions[dir->n_regions++] = (Region){ ram, base, size / PAGE_SIZE, dir->n_pages,
                                               read_only };
    dir->n_pages += size / PAGE_SIZE;
    /* Before any request: nothing points into the entries yet. */
    Entry *entries = g_try_renew(Entry, dir->entries, dir->n_pages);
    if (!entries)
        g_error("cannot allocate the directory for %" G_GUINT64_FORMAT " pages", dir->n_pages);
    memset(entries + (dir->n_pages - size / PAGE_SIZE), 0, size / PAGE_SIZE * sizeof *entries);
    dir->entries = entries;
}

/* The region holding @page, or NULL. */
static const Region *region_of(const MsrvDir *dir, guint64 page)
{
    for (guint i = 0; i < dir->n_regions; i++) {
        const Region *r = &dir->regions[i];
        if (page >= r->base && (page - r->base) / PAGE_SIZE < r->n_pages)
            return r;
    }
    return NULL;
}

static void request_free(Request *req)
{
    g_free(req->data);
    g_free(req);
}

gboolean msrv_dir_idle(const MsrvDir *dir)
{
    for (guint64 i = 0; i < dir->n_pages; i++)
        if (dir->entries[i].busy)
            return FALSE;
    return TRUE;
}

void msrv_dir_forget(MsrvDir *dir)
{
    g_assert(msrv_dir_idle(dir));
    for (guint64 i = 0; i < dir->n_pages; i++)
        dir->entries[i] = (Entry){ .state = MSRV_PAGE_UNCACHED };
}

void msrv_dir_free(MsrvDir *dir)
{
    if (!dir)
        return;
    for (guint64 i = 0; i < dir->n_pages; i++) {
        if (dir->entries[i].waiting)
            g_queue_free_full(dir->entries[i].waiting, (GDestroyNotify)request_free);
        g_free(dir->entries[i].current.data);
    }
    g_free(dir->entries);
    g_clear_pointer(&dir->sharing, g_hash_table_destroy);
    g_free(dir);
}

gboolean msrv_dir_has_page(MsrvDir *dir, guint64 page)
{
    return region_of(dir, page) != NULL;
}

gboolean msrv_dir_read_only(MsrvDir *dir, guint64 page)
{
    const Region *r = region_of(dir, page);
    g_assert(r);
    return r->read_only;
}

guint64 msrv_dir_n_pages(const MsrvDir *dir)
{
    return dir->n_pages;
}

guint64 msrv_dir_page_index(MsrvDir *dir, guint64 page)
{
    const Region *r = region_of(dir, page);
    g_assert(r);
    return r->first + (page - r->base) / PAGE_SIZE;
}

guint8 *msrv_dir_page(MsrvDir *dir, guint64 page)
{
    const Region *r = region_of(dir, page);
    g_assert(r && page % PAGE_SIZE == 0);
    return r->ram + (page - r->base);
}

static Entry *entry_of(MsrvDir *dir, guint64 page)
{
    return &dir->entries[msrv_dir_page_index(dir, page)];
}

static View view_of(const Entry *e, guint node)
{
    guint64 me = G_GUINT64_CONSTANT(1) << node;
    switch (e->state) {
    case MSRV_PAGE_UNCACHED:
        return VIEW_UNCACHED;
    case MSRV_PAGE_SHARED:
        return (e->sharers & ~me) ? VIEW_SHARED_OTHERS : VIEW_SHARED_ALONE;
    case MSRV_PAGE_MODIFIED:
        return e->owner == node ? VIEW_MODIFIED_SELF : VIEW_MODIFIED_OTHER;
    }
    g_assert_not_reached();
}

static MsrvPageSharing *sharing_of(MsrvDir *dir, guint64 page)
{
    MsrvPageSharing *s = g_hash_table_lookup(dir->sharing, &page);
    if (s == NULL) {
        s = g_new0(MsrvPageSharing, 1);
        s->page = page;
        g_hash_table_insert(dir->sharing, &s->page, s);
    }
    return s;
}

/* @req is granted now. */
static void note_grant(MsrvDir *dir, guint64 page, const Request *req)
{
    if (dir->sharing == NULL || req->txid == 0) {
        return; /* untracked, or a prefetch nobody waited for */
    }
    MsrvPageSharing *s = sharing_of(dir, page);
    guint64 waited = (guint64)MAX(g_get_monotonic_time() - req->arrived_us, 0);
    s->requests[req->kind]++;
    s->nodes |= G_GUINT64_CONSTANT(1) << req->node;
    s->wait_us += waited;
    s->max_wait_us = MAX(s->max_wait_us, waited);
}

/* Serving @page took @n copies away from other nodes. */
static void note_taken(MsrvDir *dir, guint64 page, gboolean recall, guint n)
{
    if (dir->sharing != NULL) {
        MsrvPageSharing *s = sharing_of(dir, page);
        *(recall ? &s->recalls : &s->invalidations) += n;
    }
}

/* An access to @page was made by its owner for another node. */
static void note_forwarded(MsrvDir *dir, guint64 page)
{
    if (dir->sharing != NULL) {
        sharing_of(dir, page)->forwarded++;
    }
}

/* A read of @page was answered Modified because the page migrates. */
static void note_migratory_read(MsrvDir *dir, guint64 page)
{
    if (dir->sharing != NULL) {
        sharing_of(dir, page)->migratory_reads++;
    }
}

void msrv_dir_track_sharing(MsrvDir *dir)
{
    if (dir->sharing == NULL) {
        dir->sharing = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, g_free);
    }
}

static gint by_taken(gconstpointer a, gconstpointer b)
{
    const MsrvPageSharing *x = a, *y = b;
    guint64 tx = x->recalls + x->invalidations, ty = y->recalls + y->invalidations;
    return tx < ty ? 1 : tx > ty ? -1 : (x->page > y->page) - (x->page < y->page);
}

MsrvPageSharing *msrv_dir_hottest(MsrvDir *dir, guint max, guint *n)
{
    *n = 0;
    if (dir->sharing == NULL) {
        return NULL;
    }
    GArray *all = g_array_sized_new(FALSE, FALSE, sizeof(MsrvPageSharing),
                                    g_hash_table_size(dir->sharing));
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, dir->sharing);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        g_array_append_val(all, *(MsrvPageSharing *)value);
    }
    g_array_sort(all, by_taken);
    *n = MIN(max, all->len);
    g_array_set_size(all, *n);
    return (MsrvPageSharing *)g_array_free(all, FALSE);
}

static void grant_s(MsrvDir *dir, Entry *e, guint64 page, const Request *req)
{
    note_grant(dir, page, req);
    e->state = MSRV_PAGE_SHARED;
    e->sharers |= G_GUINT64_CONSTANT(1) << req->node;
    dir->ops->grant(dir->opaque, req->node, req->txid, page, FALSE);
}

static void grant_m(MsrvDir *dir, Entry *e, guint64 page, const Request *req)
{
    note_grant(dir, page, req);
    e->state = MSRV_PAGE_MODIFIED;
    e->owner = (guint8)req->node;
    e->owner_read = req->kind == MSRV_REQ_GET_S;
    e->writer_plus1 = 0;
    e->sharers = 0;
    dir->ops->grant(dir->opaque, req->node, req->txid, page, TRUE);
}

/* Starts @req on idle entry @e. TRUE when it finished, FALSE when the
 * entry went busy (and took @req over into e->current). */
static gboolean start(MsrvDir *dir, Entry *e, guint64 page, Request *req)
{
    View view = view_of(e, req->node);
    Action act = protocol[view][req->kind];
    if (dir->migratory && view == VIEW_SHARED_OTHERS && req->kind == MSRV_REQ_UPGRADE &&
        e->writer_plus1 != 0 &&
        e->sharers == ((G_GUINT64_CONSTANT(1) << req->node) |
                       (G_GUINT64_CONSTANT(1) << (e->writer_plus1 - 1)))) {
        /* R read what W wrote and now writes it itself: the page moves
         * from writer to writer (a lock and the data under it, a counter). */
        e->migratory = TRUE;
    }
    if (req->has_access && view == VIEW_MODIFIED_OTHER &&
        (dir->forwarding & (G_GUINT64_CONSTANT(1) << e->owner))) {
        act = ACT_FORWARD;
    } else if (act == ACT_RECALL_DOWNGRADE && e->migratory) {
        /* Its next writer is most likely this reader: hand it over whole,
         * one transaction instead of a downgrade and then an upgrade. */
        act = ACT_RECALL_INVALIDATE;
        note_migratory_read(dir, page);
    }
    switch (act) {
    case ACT_GRANT_S:
        grant_s(dir, e, page, req);
        return TRUE;
    case ACT_GRANT_M:
        grant_m(dir, e, page, req);
        return TRUE;
    case ACT_WRITE_BACK:
        memcpy(msrv_dir_page(dir, page), req->data, PAGE_SIZE);
        e->state = MSRV_PAGE_UNCACHED;
        e->sharers = 0;
        dir->ops->put_ack(dir->opaque, req->node, req->txid, page);
        return TRUE;
    case ACT_STALE_PUT:
        dir->ops->put_ack(dir->opaque, req->node, req->txid, page);
        return TRUE;
    case ACT_INVALIDATE:
        e->pending = e->sharers & ~(G_GUINT64_CONSTANT(1) << req->node);
        note_taken(dir, page, FALSE, (guint)__builtin_popcountll(e->pending));
        for (guint n = 0; n < MSRV_DIR_MAX_NODES; n++)
            if (e->pending & (G_GUINT64_CONSTANT(1) << n))
                dir->ops->invalidate(dir->opaque, n, page);
        break;
    case ACT_RECALL_DOWNGRADE:
    case ACT_RECALL_INVALIDATE:
        e->pending = G_GUINT64_CONSTANT(1) << e->owner;
        note_taken(dir, page, TRUE, 1);
        dir->ops->recall(dir->opaque, e->owner, page, act == ACT_RECALL_DOWNGRADE);
        break;
    case ACT_FORWARD:
        e->pending = G_GUINT64_CONSTANT(1) << e->owner;
        dir->ops->access_at(dir->opaque, e->owner, page, &req->access);
        break;
    }
    e->busy = TRUE;
    e->action = (guint8)act;
    e->current = *req;
    req->data = NULL; /* moved */
    return FALSE;
}

/* The last ack came: finish the busy request (@written: a recall's data
 * changed RAM; @value: a forwarded access's), then run queued ones until
 * one goes busy again. */
static void finish(MsrvDir *dir, Entry *e, guint64 page, gboolean written, guint64 value)
{
    Request cur = e->current;
    e->busy = FALSE;
    e->current = (Request){ 0 };
    switch ((Action)e->action) {
    case ACT_INVALIDATE:
    case ACT_RECALL_INVALIDATE:
        grant_m(dir, e, page, &cur);
        break;
    case ACT_RECALL_DOWNGRADE:
        e->state = MSRV_PAGE_SHARED;
        e->sharers = G_GUINT64_CONSTANT(1) << e->owner;
        e->writer_plus1 = written ? (guint8)(e->owner + 1) : 0;
        grant_s(dir, e, page, &cur);
        break;
    case ACT_FORWARD:
        /* The page stays where it is. */
        note_grant(dir, page, &cur);
        note_forwarded(dir, page);
        dir->ops->access_result(dir->opaque, cur.node, cur.txid, page, value);
        break;
    default:
        g_assert_not_reached();
    }
    g_free(cur.data);
    while (e->waiting && !g_queue_is_empty(e->waiting)) {
        Request *next = g_queue_pop_head(e->waiting);
        gboolean done = start(dir, e, page, next);
        request_free(next);
        if (!done)
            return;
    }
    g_clear_pointer(&e->waiting, g_queue_free);
}

static void submit(MsrvDir *dir, guint64 page, Request req, const guint8 *data)
{
    guint node = req.node;
    MsrvReqKind kind = req.kind;
    guint64 txid = req.txid;
    Entry *e = entry_of(dir, page);
    if (!e->busy) {
        start(dir, e, page, &req);
        g_free(req.data);
        return;
    }
    if (kind == MSRV_REQ_PUT_M && e->state == MSRV_PAGE_MODIFIED && e->owner == node &&
        e->action != ACT_FORWARD && (e->pending & (G_GUINT64_CONSTANT(1) << node))) {
        /* The owner gave the page up while our recall was on its way: its
         * data is the newest, and its recall ack will come without data. */
        memcpy(msrv_dir_page(dir, page), data, PAGE_SIZE);
        g_free(req.data);
        dir->ops->put_ack(dir->opaque, node, txid, page);
        return;
    }
    if (!e->waiting)
        e->waiting = g_queue_new();
    g_queue_push_tail(e->waiting, g_memdup2(&req, sizeof req));
}

void msrv_dir_request(MsrvDir *dir, guint node, MsrvReqKind kind, guint64 txid, guint64 page,
                      const guint8 *data)
{
    g_assert_cmpuint(node, <, MSRV_DIR_MAX_NODES);
    g_assert((kind == MSRV_REQ_PUT_M) == (data != NULL));
    Request req = { node, kind, txid, data ? g_memdup2(data, PAGE_SIZE) : NULL,
                    dir->sharing ? g_get_monotonic_time() : 0, FALSE, { 0 } };
    submit(dir, page, req, data);
}

void msrv_dir_request_access(MsrvDir *dir, guint node, MsrvReqKind kind, guint64 txid,
                             guint64 page, const MsrvAccess *access)
{
    g_assert_cmpuint(node, <, MSRV_DIR_MAX_NODES);
    g_assert(kind == MSRV_REQ_GET_S || kind == MSRV_REQ_GET_M);
    g_assert((access->addr & ~(guint64)(PAGE_SIZE - 1)) == page);
    Request req = { node, kind, txid, NULL, dir->sharing ? g_get_monotonic_time() : 0, TRUE,
                    *access };
    submit(dir, page, req, NULL);
}

void msrv_dir_set_forwarding(MsrvDir *dir, guint64 nodes)
{
    dir->forwarding = nodes;
}

gboolean msrv_dir_access_done(MsrvDir *dir, guint node, guint64 page, guint64 value,
                              GError **error)
{
    if (!msrv_dir_has_page(dir, page) || node >= MSRV_DIR_MAX_NODES) {
        g_set_error(error, MSRV_DIR_ERROR, 0,
                    "access result from node %u for 0x%" G_GINT64_MODIFIER
                    "x, not a page of RAM", node, page);
        return FALSE;
    }
    Entry *e = entry_of(dir, page);
    if (!e->busy || e->action != ACT_FORWARD || !(e->pending & (G_GUINT64_CONSTANT(1) << node))) {
        g_set_error(error, MSRV_DIR_ERROR, 0,
                    "access result from node %u for page 0x%" G_GINT64_MODIFIER
                    "x that nobody asked it for", node, page);
        return FALSE;
    }
    e->pending = 0;
    finish(dir, e, page, FALSE, value);
    return TRUE;
}

gboolean msrv_dir_ack(MsrvDir *dir, guint node, guint64 page, const guint8 *data, GError **error)
{
    if (!msrv_dir_has_page(dir, page) || node >= MSRV_DIR_MAX_NODES) {
        g_set_error(error, MSRV_DIR_ERROR, 0,
                    "ack from node %u for 0x%" G_GINT64_MODIFIER "x, not a page of RAM", node,
                    page);
        return FALSE;
    }
    Entry *e = entry_of(dir, page);
    guint64 me = G_GUINT64_CONSTANT(1) << node;
    if (!e->busy || !(e->pending & me) || e->action == ACT_FORWARD) {
        g_set_error(error, MSRV_DIR_ERROR, 0,
                    "ack from node %u for page 0x%" G_GINT64_MODIFIER "x that nobody asked for",
                    node, page);
        return FALSE;
    }
    gboolean recall = e->action == ACT_RECALL_DOWNGRADE || e->action == ACT_RECALL_INVALIDATE;
    /* RAM holds what the owner was granted: the same bytes back mean it
     * only read the page. */
    gboolean written = recall && data && memcmp(msrv_dir_page(dir, page), data, PAGE_SIZE) != 0;
    if (recall && data && !written && e->owner_read)
        e->migratory = FALSE; /* handed over whole to a node that only read it */
    if (written)
        memcpy(msrv_dir_page(dir, page), data, PAGE_SIZE);
    else if (data)
        g_debug("node %u returned page 0x%" G_GINT64_MODIFIER "x unchanged (it held it Shared, "
                "or Modified without writing); RAM kept", node, page);
    e->pending &= ~me;
    e->sharers &= ~me;
    if (e->pending == 0)
        finish(dir, e, page, written, 0);
    return TRUE;
}

void msrv_dir_detect_migratory(MsrvDir *dir, gboolean on)
{
    dir->migratory = on;
}

void msrv_dir_census(const MsrvDir *dir, MsrvDirCensus *out)
{
    *out = (MsrvDirCensus){ .pages = dir->n_pages };
    for (guint64 i = 0; i < dir->n_pages; i++) {
        const Entry *e = &dir->entries[i];
        out->busy += e->busy;
        out->by_state[e->state]++;
        if (e->state == MSRV_PAGE_MODIFIED && e->owner < MSRV_DIR_MAX_NODES)
            out->node_modified[e->owner]++;
        for (guint n = 0; e->state == MSRV_PAGE_SHARED && n < MSRV_DIR_MAX_NODES; n++)
            out->node_shared[n] += (e->sharers >> n) & 1;
    }
}

void msrv_dir_peek(MsrvDir *dir, guint64 page, MsrvPageState *state, guint *owner,
                   guint64 *sharers, gboolean *busy)
{
    Entry *e = entry_of(dir, page);
    *state = e->state;
    *owner = e->owner;
    *sharers = e->sharers;
    *busy = e->busy;
}

gboolean msrv_dir_prefetch(MsrvDir *dir, guint node, guint64 page)
{
    const Region *r = region_of(dir, page);
    if (r == NULL || r->read_only) { /* a prefetch grants Modified */
        return FALSE;
    }
    Entry *e = entry_of(dir, page);
    if (e->busy || e->state != MSRV_PAGE_UNCACHED) {
        return FALSE;
    }
    e->state = MSRV_PAGE_MODIFIED;
    e->owner = (guint8)node;
    e->owner_read = FALSE;
    e->sharers = 0;
    dir->ops->grant(dir->opaque, node, 0, page, TRUE);
    return TRUE;
}
