/* SPDX-License-Identifier: MIT */
/* The directory requester that stands for every device process's DMA
 * (MSRV_DMA_NODE): the SystemC bridge's models and shoal-virtio's devices
 * ask for pages through it, so a DMA write first takes the page from every
 * node, with its translated code, and a read from its Modified owner. Its
 * "copy" of a page is the server's RAM itself: a page it is granted
 * Modified goes back (PutM) as soon as the bytes are moved, and what the
 * directory asks of it (acks, data) is answered from RAM. The directory is
 * not re-entrant, so those answers wait for msrv_dma_node_run_deferred. */
#include "memory-server/internal.h"

/* Who waits for a grant. */
typedef struct {
    MsrvDmaGrantFn fn;
    gpointer opaque;
    GDestroyNotify drop; /* for @opaque if the machine ends before the grant */
} Waiter;

static void waiter_free(gpointer data)
{
    Waiter *w = data;
    if (w->drop)
        w->drop(w->opaque);
    g_free(w);
}

/* What the directory asked of MSRV_DMA_NODE, done after its call returns. */
typedef enum { DEFER_PUT_M, DEFER_ACK, DEFER_ACK_DATA } DeferKind;
typedef struct {
    DeferKind kind;
    guint64 page;
} Deferred;

struct MsrvDmaNode {
    MsrvDir *dir;
    guint64 next_token;
    GHashTable *waiters; /* token -> Waiter* */
    GQueue *deferred;    /* Deferred* */
};

MsrvDmaNode *msrv_dma_node_new(MsrvDir *dir)
{
    MsrvDmaNode *dn = g_new0(MsrvDmaNode, 1);
    dn->dir = dir;
    dn->next_token = 1;
    dn->waiters = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, waiter_free);
    dn->deferred = g_queue_new();
    return dn;
}

void msrv_dma_node_free(MsrvDmaNode *dn)
{
    if (!dn)
        return;
    g_hash_table_destroy(dn->waiters);
    g_queue_free_full(dn->deferred, g_free);
    g_free(dn);
}

gboolean msrv_dma_node_page_direct(MsrvDmaNode *dn, guint64 page, gboolean is_write)
{
    MsrvPageState state;
    guint owner;
    guint64 sharers;
    gboolean busy;
    msrv_dir_peek(dn->dir, page, &state, &owner, &sharers, &busy);
    if (busy)
        return FALSE;
    return state == MSRV_PAGE_UNCACHED || (!is_write && state == MSRV_PAGE_SHARED);
}

void msrv_dma_node_request(MsrvDmaNode *dn, guint64 page, gboolean is_write, MsrvDmaGrantFn fn,
                           gpointer opaque, GDestroyNotify drop)
{
    guint64 *token = g_new(guint64, 1);
    Waiter *w = g_new(Waiter, 1);
    *token = dn->next_token++;
    w->fn = fn;
    w->opaque = opaque;
    w->drop = drop;
    /* before the request: the directory may grant inside it */
    g_hash_table_insert(dn->waiters, token, w);
    guint64 t = *token;
    /* A write needs the page away from every node, a read only from a
     * Modified owner: exactly what GetM and GetS ask the directory. */
    msrv_dir_request(dn->dir, MSRV_DMA_NODE, is_write ? MSRV_REQ_GET_M : MSRV_REQ_GET_S, t, page,
                     NULL);
}

static void defer(MsrvDmaNode *dn, DeferKind kind, guint64 page)
{
    Deferred *d = g_new(Deferred, 1);
    d->kind = kind;
    d->page = page;
    g_queue_push_tail(dn->deferred, d);
}

void msrv_dma_node_dir_grant(MsrvDmaNode *dn, guint64 token, guint64 page, gboolean modified)
{
    Waiter *w = g_hash_table_lookup(dn->waiters, &token);
    g_assert(w != NULL);
    w->drop = NULL; /* granted: the callback owns it now */
    w->fn(w->opaque, page, modified);
    /* A page granted Modified goes straight back: the next hart to touch
     * it fetches the new bytes. So does a read granted M (queued behind a
     * DMA write), or the page would stay ours and off the direct path. */
    if (modified)
        defer(dn, DEFER_PUT_M, page);
    g_hash_table_remove(dn->waiters, &token);
}

void msrv_dma_node_dir_invalidate(MsrvDmaNode *dn, guint64 page)
{
    defer(dn, DEFER_ACK, page);
}

void msrv_dma_node_dir_recall(MsrvDmaNode *dn, guint64 page)
{
    /* Only between a write's grant and its deferred PutM: RAM has the data. */
    defer(dn, DEFER_ACK_DATA, page);
}

void msrv_dma_node_run_deferred(MsrvDmaNode *dn)
{
    while (!g_queue_is_empty(dn->deferred)) {
        Deferred *d = g_queue_pop_head(dn->deferred);
        g_autoptr(GError) error = NULL;
        g_autofree guint8 *copy = NULL;
        if (d->kind != DEFER_ACK)
            copy = g_memdup2(msrv_dir_page(dn->dir, d->page), IC_PAGE_SIZE);
        if (d->kind == DEFER_PUT_M)
            msrv_dir_request(dn->dir, MSRV_DMA_NODE, MSRV_REQ_PUT_M, 0, d->page, copy);
        else {
            /* The directory asked: refusing our own ack would be a bug. */
            gboolean ok = msrv_dir_ack(dn->dir, MSRV_DMA_NODE, d->page, copy, &error);
            g_assert_no_error(error);
            g_assert(ok);
        }
        g_free(d);
    }
}
