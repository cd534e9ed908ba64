/* SPDX-License-Identifier: MIT */
/* The node's part of a snapshot (docs/snapshot.md). Saving runs with every
 * hart of the machine held and no page transaction open, so nothing the
 * agent reads here can change under it: the Modified pages go first (the
 * server's RAM is stale for them), then the harts' values, their CLINT
 * compares, the clock and the quantum, all on the main connection, whose
 * order the server relies on. Restoring happens before any hart thread
 * exists, from the HelloAck. */
#include <string.h>

#include "cpu-node/internal.h"

static void send_pages(Node *node)
{
    g_autoptr(GArray) pages = node_page_cache_modified(node->cache);
    for (guint i = 0; i < pages->len; i++) {
        guint64 page = g_array_index(pages, guint64, i);
        Shoal__V1__SnapshotPage msg = SHOAL__V1__SNAPSHOT_PAGE__INIT;
        msg.page = page;
        msg.data.data = node_page_cache_frame(node->cache, page)->host;
        msg.data.len = IC_PAGE_SIZE;
        IcEnvelope env = SHOAL__V1__ENVELOPE__INIT;
        env.body_case = SHOAL__V1__ENVELOPE__BODY_SNAPSHOT_PAGE;
        env.snapshot_page = &msg;
        node_send_on(node, node->client, &env);
    }
}

void node_snapshot_dump(Node *node)
{
    send_pages(node);
    guint n = node->config->n_harts, n_values = tcg_hart_state_size();
    g_autofree Shoal__V1__HartState *harts = g_new(Shoal__V1__HartState, n);
    g_autofree Shoal__V1__HartState **hart_ptrs = g_new(Shoal__V1__HartState *, n);
    g_autofree TcgStateValue *values = g_new(TcgStateValue, (gsize)n * n_values);
    g_autofree Shoal__V1__HartField *fields = g_new(Shoal__V1__HartField, (gsize)n * n_values);
    g_autofree Shoal__V1__HartField **field_ptrs =
        g_new(Shoal__V1__HartField *, (gsize)n * n_values);
    for (guint i = 0; i < n; i++) {
        NodeHart *h = &node->harts[i];
        TcgStateValue *v = &values[(gsize)i * n_values];
        tcg_hart_save_state(h->tcg, v);
        for (guint k = 0; k < n_values; k++) {
            Shoal__V1__HartField *f = &fields[(gsize)i * n_values + k];
            shoal__v1__hart_field__init(f);
            f->name = (char *)v[k].name;
            f->value = v[k].value;
            field_ptrs[(gsize)i * n_values + k] = f;
        }
        shoal__v1__hart_state__init(&harts[i]);
        harts[i].hart = h->id;
        harts[i].n_fields = n_values;
        harts[i].fields = &field_ptrs[(gsize)i * n_values];
        harts[i].mtimecmp = node_clint_mtimecmp(node->clint, h->id);
        hart_ptrs[i] = &harts[i];
    }
    Shoal__V1__NodeState state = SHOAL__V1__NODE_STATE__INIT;
    state.node = node->config->index;
    state.n_harts = n;
    state.harts = hart_ptrs;
    state.mtime = node_clint_mtime(node->clint, node->config->first_hart);
    if (node->machine->deterministic)
        node_quantum_position(node->quantum, &state.quantum, &state.quantum_start_ns);
    IcEnvelope env = SHOAL__V1__ENVELOPE__INIT;
    env.body_case = SHOAL__V1__ENVELOPE__BODY_NODE_STATE;
    env.node_state = &state;
    node_send_on(node, node->client, &env);
}

static gboolean restore_hart(Node *node, const Shoal__V1__HartState *s, GError **error)
{
    NodeHart *h = node_hart(node, s->hart);
    if (h == NULL) {
        g_set_error(error, IC_ERROR, IC_ERROR_UNEXPECTED,
                    "the snapshot's hart %u is not in node %u", s->hart, node->config->index);
        return FALSE;
    }
    guint64 stimecmp = G_MAXUINT64; /* disarmed, as at reset */
    for (gsize k = 0; k < s->n_fields; k++) {
        if (g_str_equal(s->fields[k]->name, "stimecmp"))
            stimecmp = s->fields[k]->value;
        if (!tcg_hart_restore_value(h->tcg, s->fields[k]->name, s->fields[k]->value)) {
            g_set_error(error, IC_ERROR, IC_ERROR_UNEXPECTED,
                        "hart %u: the snapshot's %s = 0x%" G_GINT64_MODIFIER
                        "x is not a value of this shoal's harts", s->hart,
                        s->fields[k]->name, s->fields[k]->value);
            return FALSE;
        }
    }
    /* The node compares the hart's stimecmp: a CSR write sets both. */
    node_clint_restore_compares(node->clint, h->id, s->mtimecmp, stimecmp);
    return TRUE;
}

gboolean node_snapshot_restore(Node *node, const Shoal__V1__NodeState *state, GError **error)
{
    if (state->n_harts != node->config->n_harts) {
        g_set_error(error, IC_ERROR, IC_ERROR_UNEXPECTED,
                    "the snapshot has %zu harts for node %u, which has %u", state->n_harts,
                    node->config->index, node->config->n_harts);
        return FALSE;
    }
    for (gsize i = 0; i < state->n_harts; i++)
        if (!restore_hart(node, state->harts[i], error))
            return FALSE;
    if (node->machine->deterministic) {
        if (state->quantum < 1 || state->quantum_start_ns < node->machine->sysc_quantum_ns) {
            g_set_error(error, IC_ERROR, IC_ERROR_UNEXPECTED,
                        "the snapshot's quantum %" G_GUINT64_FORMAT " at %" G_GUINT64_FORMAT
                        " ns is not a quantum boundary", state->quantum,
                        state->quantum_start_ns);
            return FALSE;
        }
        node_quantum_restore(node->quantum, state->quantum, state->quantum_start_ns);
    }
    return TRUE;
}
