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

void node_stats_print(const NodeStats *s, guint node_index, TcgHart *const *harts,
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
            " us; pauses %" G_GUINT64_FORMAT "\n",
            node_index, pages, s->requests[NODE_REQ_GET_S], s->requests[NODE_REQ_GET_M],
            s->requests[NODE_REQ_UPGRADE], s->pushed[NODE_PUSH_PREFETCH],
            s->requests[NODE_REQ_MMIO], s->pushed[NODE_PUSH_INVALIDATE],
            s->pushed[NODE_PUSH_RECALL_DOWNGRADE] + s->pushed[NODE_PUSH_RECALL_INVALIDATE],
            s->pushed[NODE_PUSH_RECALL_DOWNGRADE], s->pushed[NODE_PUSH_RECALL_INVALIDATE],
            tb_invalidated, tb_flushes, pages ? s->latency_total_us / pages : 0,
            pages ? p99_us(s, pages) : 0, s->flushes, s->flush_harts,
            s->flushes ? s->flush_wait_us / s->flushes : 0, s->flush_max_us, pauses);
    if (deterministic)
        print_quanta(s, node_index);
}
