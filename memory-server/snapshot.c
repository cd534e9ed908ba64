/* SPDX-License-Identifier: MIT */
/* Snapshots, the memory server's side (docs/snapshot.md): the bookkeeping
 * of a save under way (which nodes stopped, the Modified pages and hart
 * states they sent) and the file it ends in, and, for --restore, the file
 * read back and its harts dealt out to the nodes of this machine's layout,
 * whatever the layout that saved it. server.c sends the messages and owns
 * the devices; this file owns neither. */
#include <string.h>

#include "interconnect/snapshot.h"
#include "memory-server/internal.h"

struct MsrvSave {
    const CfgMachine *machine;
    char *path;
    gint64 started_us;
    gint reply_peer;     /* the debugger that asked, -1: the server itself */
    guint64 reply_txid;
    guint64 halt_txid;   /* our DebugHalt's */
    gboolean *halted;    /* per node */
    guint n_halted;
    gboolean dumping;    /* SnapshotDump sent */
    guint8 **pages;      /* by page index in RAM: its 4 KiB as the node that held it
                          * Modified sent them, NULL for the server's copy */
    guint n_pages;       /* of those, sent */
    Shoal__V1__NodeState **states; /* per node, unpacked copies; NULL until it sent */
    guint n_states;
};

MsrvSave *msrv_save_new(const CfgMachine *machine, const char *path, gint reply_peer,
                        guint64 reply_txid, guint64 halt_txid)
{
    MsrvSave *v = g_new0(MsrvSave, 1);
    v->machine = machine;
    v->path = g_strdup(path);
    v->started_us = g_get_monotonic_time();
    v->reply_peer = reply_peer;
    v->reply_txid = reply_txid;
    v->halt_txid = halt_txid;
    v->halted = g_new0(gboolean, machine->n_nodes);
    v->states = g_new0(Shoal__V1__NodeState *, machine->n_nodes);
    v->pages = g_new0(guint8 *, machine->ram_size / IC_PAGE_SIZE);
    return v;
}

void msrv_save_free(MsrvSave *v)
{
    if (!v)
        return;
    for (guint i = 0; i < v->machine->n_nodes; i++)
        if (v->states[i])
            shoal__v1__node_state__free_unpacked(v->states[i], NULL);
    g_free(v->states);
    g_free(v->halted);
    for (guint64 i = 0; i < v->machine->ram_size / IC_PAGE_SIZE; i++)
        g_free(v->pages[i]);
    g_free(v->pages);
    g_free(v->path);
    g_free(v);
}

gint msrv_save_reply_peer(const MsrvSave *v, guint64 *txid)
{
    *txid = v->reply_txid;
    return v->reply_peer;
}

gboolean msrv_save_is_halt(const MsrvSave *v, guint64 txid)
{
    return txid == v->halt_txid;
}

gboolean msrv_save_halted(MsrvSave *v, guint node)
{
    if (!v->halted[node]) {
        v->halted[node] = TRUE;
        v->n_halted++;
    }
    return v->n_halted == v->machine->n_nodes;
}

gboolean msrv_save_ready(const MsrvSave *v)
{
    return !v->dumping && v->n_halted == v->machine->n_nodes;
}

void msrv_save_start_dump(MsrvSave *v)
{
    g_assert(msrv_save_ready(v));
    v->dumping = TRUE;
}

static gboolean expecting(const MsrvSave *v, guint node, const char *what, GError **error)
{
    if (v->dumping && v->states[node] == NULL)
        return TRUE;
    g_set_error(error, IC_ERROR, IC_ERROR_UNEXPECTED, "%s from node %u, which was not asked for one",
                what, node);
    return FALSE;
}

gboolean msrv_save_take_page(MsrvSave *v, guint node, const Shoal__V1__SnapshotPage *p,
                             GError **error)
{
    const CfgMachine *m = v->machine;
    if (!expecting(v, node, "SnapshotPage", error))
        return FALSE;
    if (p->page % IC_PAGE_SIZE != 0 || p->page < m->ram_base ||
        p->page - m->ram_base >= m->ram_size || p->data.len != IC_PAGE_SIZE) {
        g_set_error(error, IC_ERROR, IC_ERROR_UNEXPECTED,
                    "SnapshotPage 0x%" G_GINT64_MODIFIER "x of %zu bytes from node %u is not "
                    "a page of RAM", p->page, p->data.len, node);
        return FALSE;
    }
    guint8 **slot = &v->pages[(p->page - m->ram_base) / IC_PAGE_SIZE];
    if (*slot == NULL)
        v->n_pages++;
    g_free(*slot);
    *slot = g_memdup2(p->data.data, IC_PAGE_SIZE);
    return TRUE;
}

gboolean msrv_save_take_state(MsrvSave *v, guint node, const Shoal__V1__NodeState *state,
                              GError **error)
{
    const CfgNode *n = &v->machine->nodes[node];
    if (!expecting(v, node, "NodeState", error))
        return FALSE;
    gboolean ok = state->node == node && state->n_harts == n->n_harts;
    for (gsize i = 0; ok && i < state->n_harts; i++)
        ok = state->harts[i]->hart == n->first_hart + i;
    if (!ok) {
        g_set_error(error, IC_ERROR, IC_ERROR_UNEXPECTED,
                    "NodeState from node %u does not list its harts %u..%u in order", node,
                    n->first_hart, n->first_hart + n->n_harts - 1);
        return FALSE;
    }
    /* A copy that outlives the envelope. */
    gsize len = shoal__v1__node_state__get_packed_size(state);
    g_autofree guint8 *buf = g_malloc(len);
    shoal__v1__node_state__pack(state, buf);
    v->states[node] = shoal__v1__node_state__unpack(NULL, len, buf);
    if (v->states[node] == NULL) { /* the envelope check refuses what would do this */
        g_set_error(error, IC_ERROR, IC_ERROR_UNEXPECTED, "NodeState from node %u: no copy",
                    node);
        return FALSE;
    }
    v->n_states++;
    return TRUE;
}

gboolean msrv_save_complete(const MsrvSave *v)
{
    return v->n_states == v->machine->n_nodes;
}

typedef struct {
    const MsrvSave *save;
    const guint8 *ram;
} PageSource;

static const guint8 *page_at(gpointer opaque, guint64 index)
{
    PageSource *src = opaque;
    const guint8 *node_copy = src->save->pages[index];
    return node_copy ? node_copy : src->ram + index * IC_PAGE_SIZE;
}

gboolean msrv_save_write(MsrvSave *v, const guint8 *ram, Shoal__V1__SnapshotMeta *meta,
                         Shoal__V1__SnapshotSaved *result, GError **error)
{
    const CfgMachine *m = v->machine;
    g_autofree char *board = ic_snapshot_board(m);
    g_autofree Shoal__V1__HartState **harts = g_new(Shoal__V1__HartState *, m->n_harts);
    g_autofree char *from = g_strdup_printf("%s, %u nodes", m->path, m->n_nodes);
    meta->board = board;
    meta->ram_base = m->ram_base;
    meta->ram_size = m->ram_size;
    meta->hart_count = m->n_harts;
    meta->timebase_hz = m->timebase_hz;
    meta->deterministic = m->deterministic;
    meta->quantum_ns = m->deterministic ? m->sysc_quantum_ns : 0;
    meta->saved_from = from;
    meta->saved_at = g_get_real_time() / G_USEC_PER_SEC;
    for (guint i = 0; i < m->n_nodes; i++) {
        const Shoal__V1__NodeState *st = v->states[i];
        for (gsize k = 0; k < st->n_harts; k++)
            harts[st->harts[k]->hart] = st->harts[k];
        /* Every node stopped with its clock frozen; the latest is the
         * machine's time (they differ by the stops' spread at most). */
        meta->mtime = MAX(meta->mtime, st->mtime);
        meta->quantum = st->quantum;
        meta->quantum_start_ns = st->quantum_start_ns;
    }
    meta->n_harts = m->n_harts;
    meta->harts = harts;
    PageSource src = { v, ram };
    IcSnapshotStats stats;
    gboolean ok = ic_snapshot_write(v->path, meta, page_at, &src, &stats, error);
    /* What was lent to the caller's meta goes with this call. */
    meta->board = NULL;
    meta->saved_from = NULL;
    meta->harts = NULL;
    meta->n_harts = 0;
    if (!ok)
        return FALSE;
    result->file_bytes = stats.file_bytes;
    result->data_bytes = stats.data_bytes;
    result->save_us = (guint64)(g_get_monotonic_time() - v->started_us);
    g_info("snapshot %s: %" G_GUINT64_FORMAT " bytes (%" G_GUINT64_FORMAT " of data, %u pages "
           "from nodes) in %" G_GUINT64_FORMAT " us", v->path, stats.file_bytes,
           stats.data_bytes, v->n_pages, result->save_us);
    return TRUE;
}

const char *msrv_save_path(const MsrvSave *v)
{
    return v->path;
}

/* ---- --restore ---- */

struct MsrvRestore {
    IcSnapshot *snap;
    Shoal__V1__NodeState *nodes;       /* per node of this machine */
    Shoal__V1__HartState ***node_harts; /* per node: pointers into the meta */
    guint n_nodes;
};

MsrvRestore *msrv_restore_open(const CfgMachine *m, const char *path, guint8 *ram,
                               GError **error)
{
    g_autoptr(IcSnapshot) snap = ic_snapshot_open(path, error);
    if (!snap || !ic_snapshot_fits(snap, m, error) ||
        !ic_snapshot_read_ram(snap, ram, m->ram_size, error))
        return NULL;
    const Shoal__V1__SnapshotMeta *meta = ic_snapshot_meta(snap);
    MsrvRestore *r = g_new0(MsrvRestore, 1);
    r->n_nodes = m->n_nodes;
    r->nodes = g_new0(Shoal__V1__NodeState, m->n_nodes);
    r->node_harts = g_new0(Shoal__V1__HartState **, m->n_nodes);
    for (guint i = 0; i < m->n_nodes; i++) {
        const CfgNode *n = &m->nodes[i];
        Shoal__V1__NodeState *st = &r->nodes[i];
        shoal__v1__node_state__init(st);
        st->node = i;
        /* ic_snapshot_open checked harts[h]->hart == h for every hart. */
        r->node_harts[i] = g_new(Shoal__V1__HartState *, n->n_harts);
        for (guint k = 0; k < n->n_harts; k++)
            r->node_harts[i][k] = meta->harts[n->first_hart + k];
        st->n_harts = n->n_harts;
        st->harts = r->node_harts[i];
        st->mtime = meta->mtime;
        st->quantum = meta->quantum;
        st->quantum_start_ns = meta->quantum_start_ns;
    }
    r->snap = g_steal_pointer(&snap);
    return r;
}

const Shoal__V1__SnapshotMeta *msrv_restore_meta(const MsrvRestore *r)
{
    return ic_snapshot_meta(r->snap);
}

Shoal__V1__NodeState *msrv_restore_node(MsrvRestore *r, guint node)
{
    return &r->nodes[node];
}

void msrv_restore_free(MsrvRestore *r)
{
    if (!r)
        return;
    for (guint i = 0; i < r->n_nodes; i++)
        g_free(r->node_harts[i]);
    g_free(r->node_harts);
    g_free(r->nodes);
    ic_snapshot_close(r->snap);
    g_free(r);
}
