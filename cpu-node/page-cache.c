/* SPDX-License-Identifier: MIT */
/* The node page cache: guest RAM page -> a 4 KiB frame and its coherence
 * state. Frames are never freed while the node runs (a hart's TLB may point
 * at one until its flush); a lost page's frame is marked Invalid and reused
 * when the page is granted again. Only the agent changes states. */
#include "cpu-node/internal.h"

struct NodePageCache {
    pthread_mutex_t lock; /* guards frames (the table, not the states); pthread for TSan */
    GHashTable *frames; /* guint64 page -> NodeFrame * */
};

static void frame_free(gpointer p)
{
    NodeFrame *f = p;
    g_aligned_free(f->host);
    g_free(f);
}

NodePageCache *node_page_cache_new(void)
{
    NodePageCache *c = g_new0(NodePageCache, 1);
    pthread_mutex_init(&c->lock, NULL);
    c->frames = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, frame_free);
    return c;
}

void node_page_cache_free(NodePageCache *c)
{
    if (!c)
        return;
    g_hash_table_destroy(c->frames);
    pthread_mutex_destroy(&c->lock);
    g_free(c);
}

NodeFrame *node_page_cache_lookup(NodePageCache *c, guint64 page)
{
    pthread_mutex_lock(&c->lock);
    NodeFrame *f = g_hash_table_lookup(c->frames, &page);
    pthread_mutex_unlock(&c->lock);
    return f;
}

NodeFrame *node_page_cache_frame(NodePageCache *c, guint64 page)
{
    g_assert((page & (TCG_PAGE_SIZE - 1)) == 0);
    pthread_mutex_lock(&c->lock);
    NodeFrame *f = g_hash_table_lookup(c->frames, &page);
    if (!f) {
        f = g_new0(NodeFrame, 1);
        f->host = g_aligned_alloc0(1, TCG_PAGE_SIZE, TCG_PAGE_SIZE);
        f->state = NODE_PAGE_INVALID;
        g_hash_table_insert(c->frames, g_memdup2(&page, sizeof page), f);
    }
    pthread_mutex_unlock(&c->lock);
    return f;
}
