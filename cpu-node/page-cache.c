/* SPDX-License-Identifier: MIT */
/* The node page cache: guest RAM page -> a 4 KiB frame and its coherence
 * state. Frames are never freed while the node runs (a hart's TLB may point
 * at one until its flush); a lost page's frame is marked Invalid and reused
 * when the page is granted again. Only the agent lowers states; a hart
 * raises one when it installs the grant it asked for (request.c).
 * The frames of memory are one reserved span of host address space in
 * guest address order, from the lowest region's base to the highest's end
 * (the kernel commits pages as they are touched; the gaps between regions
 * are never touched), so host = guest + one constant for every page of
 * every region: the translator's fast path uses that (TcgHartConfig), and
 * a rom or an SRAM costs RAM nothing. */
#include <string.h>
#include <sys/mman.h>

#include "cpu-node/internal.h"

struct NodePageCache {
    pthread_mutex_t lock; /* guards frames (the table, not the states); pthread for TSan */
    pthread_mutex_t install_lock; /* one install at a time: two harts' grants of one page
                                   * (an S and an M) must not both copy into it */
    GHashTable *frames;   /* guint64 page -> NodeFrame * */
    guint8 *span;         /* frames of [span_base, span_base + span_size) */
    guint64 span_base, span_size;
    guint n_regions;
    CfgMemory *regions;   /* copies of the machine's (base, size, kind; no strings) */
};

static void frame_free(gpointer p)
{
    g_free(p);
}

NodePageCache *node_page_cache_new(const CfgMemory *regions, guint n_regions)
{
    g_assert(n_regions > 0);
    NodePageCache *c = g_new0(NodePageCache, 1);
    pthread_mutex_init(&c->lock, NULL);
    pthread_mutex_init(&c->install_lock, NULL);
    c->frames = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, frame_free);
    c->n_regions = n_regions;
    c->regions = g_new0(CfgMemory, n_regions);
    guint64 lo = G_MAXUINT64, hi = 0;
    for (guint i = 0; i < n_regions; i++) {
        c->regions[i] = (CfgMemory){ .kind = regions[i].kind, .base = regions[i].base,
                                     .size = regions[i].size };
        lo = MIN(lo, regions[i].base);
        hi = MAX(hi, regions[i].base + regions[i].size - 1);
    }
    c->span_base = lo;
    c->span_size = hi - lo + 1;
    void *span = mmap(NULL, c->span_size, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    /* address space, not memory: sized by the checked config (CFG_MEMORY_SPAN_MAX) */
    g_assert(span != MAP_FAILED);
    c->span = span;
    return c;
}

guint8 *node_page_cache_host(NodePageCache *c, guint64 paddr)
{
    return c->span + (paddr - c->span_base);
}

guint64 node_page_cache_addr(NodePageCache *c, const void *host)
{
    return c->span_base + (guint64)((const guint8 *)host - c->span);
}

void node_page_cache_free(NodePageCache *c)
{
    if (!c)
        return;
    g_hash_table_destroy(c->frames);
    munmap(c->span, c->span_size);
    g_free(c->regions);
    pthread_mutex_destroy(&c->lock);
    pthread_mutex_destroy(&c->install_lock);
    g_free(c);
}

/* The region holding @page, or NULL. */
static const CfgMemory *region_of(NodePageCache *c, guint64 page)
{
    for (guint i = 0; i < c->n_regions; i++) {
        if (page - c->regions[i].base < c->regions[i].size)
            return &c->regions[i];
    }
    return NULL;
}

gboolean node_page_cache_has(NodePageCache *c, guint64 page)
{
    return (page & (TCG_PAGE_SIZE - 1)) == 0 && region_of(c, page) != NULL;
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
        g_assert(region_of(c, page) != NULL);
        f = g_new0(NodeFrame, 1);
        f->host = node_page_cache_host(c, page);
        f->state = NODE_PAGE_INVALID;
        g_hash_table_insert(c->frames, g_memdup2(&page, sizeof page), f);
    }
    pthread_mutex_unlock(&c->lock);
    return f;
}

/* Invalid: no hart maps the frame, fill it; Shared: the server's copy
 * equals ours (nobody could write); Modified (a second grant, for another
 * hart's request), ours is newer than the server's: keep it. The agent
 * never lowers the state meanwhile: the server takes the page back only
 * after this grant, and the agent waits for f->grants to count it. */
void node_page_cache_install(NodePageCache *c, NodeFrame *f, NodePageState state,
                             const guint8 *data)
{
    pthread_mutex_lock(&c->install_lock);
    (void)__atomic_load_n(&f->given_up, __ATOMIC_ACQUIRE);
    NodePageState now = __atomic_load_n(&f->state, __ATOMIC_ACQUIRE);
    if (now == NODE_PAGE_INVALID)
        memcpy(f->host, data, TCG_PAGE_SIZE);
    if (state > now)
        __atomic_store_n(&f->state, state, __ATOMIC_RELEASE);
    __atomic_store_n(&f->granted_us, g_get_monotonic_time(), __ATOMIC_RELAXED);
    __atomic_add_fetch(&f->grants, 1, __ATOMIC_SEQ_CST);
    pthread_mutex_unlock(&c->install_lock);
}

GArray *node_page_cache_modified(NodePageCache *c)
{
    GArray *pages = g_array_new(FALSE, FALSE, sizeof(guint64));
    pthread_mutex_lock(&c->lock);
    GHashTableIter it;
    gpointer key, value;
    g_hash_table_iter_init(&it, c->frames);
    while (g_hash_table_iter_next(&it, &key, &value))
        if (__atomic_load_n(&((NodeFrame *)value)->state, __ATOMIC_ACQUIRE) == NODE_PAGE_MODIFIED)
            g_array_append_val(pages, *(guint64 *)key);
    pthread_mutex_unlock(&c->lock);
    return pages;
}

void node_page_cache_forget(NodePageCache *c)
{
    pthread_mutex_lock(&c->lock);
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, c->frames);
    while (g_hash_table_iter_next(&it, NULL, &value)) {
        NodeFrame *f = value;
        __atomic_store_n(&f->state, NODE_PAGE_INVALID, __ATOMIC_RELEASE);
        __atomic_store_n(&f->grants, 0, __ATOMIC_RELAXED);
        __atomic_store_n(&f->mapped_by, 0, __ATOMIC_RELAXED);
    }
    pthread_mutex_unlock(&c->lock);
}
