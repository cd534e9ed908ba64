/* SPDX-License-Identifier: MIT */
/* What a node's coherence traffic cost, for `shoal run --stats`: page
 * requests by kind with their latency (hart blocked until the grant), what
 * the server pushed at us, and what it cost the translator. Counters are
 * atomics bumped by harts and the agent; printed once at exit. */
#include <stdio.h>

#include "cpu-node/internal.h"

static void bump(guint64 *counter, guint64 n)
{
    __atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

/* One place in the guest that had to ask for a page: the instruction, the
 * word it touched and how it asked. */
typedef struct {
    guint64 pc;    /* guest virtual (physical in M-mode) */
    guint64 word;  /* guest physical, 8-byte aligned */
    NodeReqKind kind;
    guint priv;    /* the privilege the instruction ran in: 0 U, 1 S, 3 M */
} NodeSiteKey;

typedef struct {
    NodeSiteKey key;
    guint64 count;
    guint64 wait_us;
} NodeSite;

#define SITES_SHOWN 24 /* printed per node, by time waited */

static guint site_hash(gconstpointer p)
{
    const NodeSiteKey *k = p;
    return g_int64_hash(&k->pc) * 31 + g_int64_hash(&k->word) * 7 + k->kind * 3 + k->priv;
}

static gboolean site_equal(gconstpointer a, gconstpointer b)
{
    const NodeSiteKey *x = a, *y = b;
    return x->pc == y->pc && x->word == y->word && x->kind == y->kind && x->priv == y->priv;
}

void node_stats_init(NodeStats *s, gboolean sites)
{
    pthread_mutex_init(&s->sites_lock, NULL);
    s->sites = sites ? g_hash_table_new_full(site_hash, site_equal, NULL, g_free) : NULL;
}

void node_stats_destroy(NodeStats *s)
{
    if (s->sites)
        g_hash_table_destroy(s->sites);
    s->sites = NULL;
    pthread_mutex_destroy(&s->sites_lock);
}

void node_stats_site(NodeStats *s, guint priv, guint64 pc, guint64 paddr, NodeReqKind kind,
                     gint64 elapsed_us)
{
    NodeSiteKey key = { pc, paddr & ~G_GUINT64_CONSTANT(7), kind, priv };
    pthread_mutex_lock(&s->sites_lock);
    NodeSite *site = g_hash_table_lookup(s->sites, &key);
    if (!site) {
        site = g_new0(NodeSite, 1);
        site->key = key;
        g_hash_table_insert(s->sites, &site->key, site);
    }
    site->count++;
    site->wait_us += (guint64)MAX(elapsed_us, 0);
    pthread_mutex_unlock(&s->sites_lock);
}

static gint by_wait(gconstpointer a, gconstpointer b)
{
    const NodeSite *x = *(NodeSite *const *)a, *y = *(NodeSite *const *)b;
    return x->wait_us < y->wait_us ? 1 : x->wait_us > y->wait_us ? -1 : 0;
}

/* The sites whose requests waited longest: `tests/linux/page-symbols`
 * names the function at the pc and the variable at the word. */
static void print_sites(NodeStats *s, guint node_index)
{
    static const char *const kind_names[] = {
        [NODE_REQ_GET_S] = "GetS", [NODE_REQ_GET_M] = "GetM", [NODE_REQ_UPGRADE] = "Upgrade",
    };
    static const char priv_names[] = "US?M";
    g_autoptr(GPtrArray) sites = g_ptr_array_new();
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, s->sites);
    while (g_hash_table_iter_next(&it, NULL, &value))
        g_ptr_array_add(sites, value);
    g_ptr_array_sort(sites, by_wait);
    for (guint i = 0; i < MIN(sites->len, SITES_SHOWN); i++) {
        const NodeSite *site = g_ptr_array_index(sites, i);
        fprintf(stderr,
                "shoal: node %u hot site %c pc 0x%" G_GINT64_MODIFIER "x %s 0x%"
                G_GINT64_MODIFIER "x: %" G_GUINT64_FORMAT " requests, waited %" G_GUINT64_FORMAT
                " ms\n",
                node_index, priv_names[site->key.priv & 3], site->key.pc,
                site->key.kind < G_N_ELEMENTS(kind_names) && kind_names[site->key.kind]
                    ? kind_names[site->key.kind] : "?",
                site->key.word, site->count, site->wait_us / 1000);
    }
}

void node_stats_request(NodeStats *s, NodeReqKind kind, gint64 elapsed_us)
{
    if (kind >= G_N_ELEMENTS(s->requests)) {
        return;
    }
    bump(&s->requests[kind], 1);
    if (kind == NODE_REQ_MMIO) {
        return;
    }
    guint64 us = elapsed_us > 0 ? (guint64)elapsed_us : 0;
    guint bucket = 0;
    while (bucket + 1 < G_N_ELEMENTS(s->latency_log2_us) && (us >> bucket) > 1) {
        bucket++;
    }
    bump(&s->latency_log2_us[bucket], 1);
    bump(&s->latency_total_us, us);
}

void node_stats_flush(NodeStats *s, guint n_harts, gint64 waited_us)
{
    guint64 w = (guint64)MAX(waited_us, 0);
    bump(&s->flushes, 1);
    bump(&s->flush_harts, n_harts);
    bump(&s->flush_wait_us, w);
    if (w > __atomic_load_n(&s->flush_max_us, __ATOMIC_RELAXED))
        __atomic_store_n(&s->flush_max_us, w, __ATOMIC_RELAXED); /* the agent alone writes it */
}

void node_stats_pushed(NodeStats *s, NodeStatsPush what)
{
    bump(&s->pushed[what], 1);
}

/* The upper edge of the bucket holding the 99th percentile, in us. */
static guint64 p99_us(const NodeStats *s, guint64 n)
{
    guint64 seen = 0, want = n - n / 100;
    for (guint b = 0; b < G_N_ELEMENTS(s->latency_log2_us); b++) {
        seen += s->latency_log2_us[b];
        if (seen >= want) {
            return 2ull << b;
        }
    }
    return 0;
}

void node_stats_quantum(NodeStats *stats, gboolean idle, gint64 waited_us)
{
    __atomic_fetch_add(idle ? &stats->quanta_idle : &stats->quanta_used, 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&stats->barrier_wait_us, (guint64)MAX(waited_us, 0), __ATOMIC_RELAXED);
}

/* What the quantum barrier cost the node's harts (deterministic time). */
static void print_quanta(const NodeStats *s, guint node_index)
{
    guint64 ends = s->quanta_used + s->quanta_idle;
    fprintf(stderr,
            "shoal: node %u quanta: %" G_GUINT64_FORMAT " ended by a spent budget, %"
            G_GUINT64_FORMAT " in WFI; harts waited %" G_GUINT64_FORMAT
            " ms at the barrier, mean %" G_GUINT64_FORMAT " us\n",
            node_index, s->quanta_used, s->quanta_idle, s->barrier_wait_us / 1000,
            ends ? s->barrier_wait_us / ends : 0);
}

void node_stats_print(NodeStats *s, guint node_index, TcgHart *const *harts,
                      guint n_harts, gboolean deterministic)
{
    guint64 tb_invalidated = 0, tb_flushes = 0, pauses = 0;
    for (guint i = 0; i < n_harts; i++) {
        TcgHartStats hs;
        tcg_hart_get_stats(harts[i], &hs);
        tb_invalidated += hs.blocks_invalidated;
        tb_flushes += hs.buffer_flushes;
        pauses += hs.pauses;
    }
    guint64 pages = s->requests[NODE_REQ_GET_S] + s->requests[NODE_REQ_GET_M] +
                    s->requests[NODE_REQ_UPGRADE];
    fprintf(stderr,
            "shoal: node %u stats: page requests %" G_GUINT64_FORMAT " (GetS %" G_GUINT64_FORMAT
            ", GetM %" G_GUINT64_FORMAT ", Upgrade %" G_GUINT64_FORMAT "), prefetched %" G_GUINT64_FORMAT
            ", MMIO %" G_GUINT64_FORMAT "; invalidations %" G_GUINT64_FORMAT ", recalls %" G_GUINT64_FORMAT
            " (downgrade %" G_GUINT64_FORMAT ", invalidate %" G_GUINT64_FORMAT
            "); TB invalidations %" G_GUINT64_FORMAT ", TB flushes %" G_GUINT64_FORMAT
            "; coherence latency mean %" G_GUINT64_FORMAT " us, p99 < %" G_GUINT64_FORMAT
            " us; pages given up %" G_GUINT64_FORMAT " with %" G_GUINT64_FORMAT
            " hart flushes, waited mean %" G_GUINT64_FORMAT " us, max %" G_GUINT64_FORMAT
            " us; pauses %" G_GUINT64_FORMAT "; firmware accesses forwarded %" G_GUINT64_FORMAT
            ", made here for another node %" G_GUINT64_FORMAT "\n",
            node_index, pages, s->requests[NODE_REQ_GET_S], s->requests[NODE_REQ_GET_M],
            s->requests[NODE_REQ_UPGRADE], s->pushed[NODE_PUSH_PREFETCH],
            s->requests[NODE_REQ_MMIO], s->pushed[NODE_PUSH_INVALIDATE],
            s->pushed[NODE_PUSH_RECALL_DOWNGRADE] + s->pushed[NODE_PUSH_RECALL_INVALIDATE],
            s->pushed[NODE_PUSH_RECALL_DOWNGRADE], s->pushed[NODE_PUSH_RECALL_INVALIDATE],
            tb_invalidated, tb_flushes, pages ? s->latency_total_us / pages : 0,
            pages ? p99_us(s, pages) : 0, s->flushes, s->flush_harts,
            s->flushes ? s->flush_wait_us / s->flushes : 0, s->flush_max_us, pauses,
            s->pushed[NODE_PUSH_FORWARDED], s->pushed[NODE_PUSH_ACCESS_AT]);
    if (deterministic)
        print_quanta(s, node_index);
    if (s->sites)
        print_sites(s, node_index);
}
