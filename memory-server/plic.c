/* SPDX-License-Identifier: MIT */
/* The PLIC of QEMU's virt and sifive_u boards: 95 level-sensitive sources,
 * 3-bit priorities, and a context per external interrupt a hart has: its M
 * context, then its S context if it has S-mode. Each context's output (is
 * anything claimable?) is reported on change through a callback, which the
 * server turns into IrqLine messages. */
#include <string.h>

#include "memory-server/internal.h"

/* Register map (byte offsets in the 0x600000 window, 32-bit registers):
 *
 *   0x000000 + 4*src              priority of source src (0 reserved)
 *   0x001000 + 4*w                pending bits of sources 32w..32w+31 (RO)
 *   0x002000 + 0x80*ctx + 4*w     enable bits of context ctx
 *   0x200000 + 0x1000*ctx         priority threshold of context ctx
 *   0x200004 + 0x1000*ctx         claim (read) / complete (write)
 *
 * Contexts are numbered in hart order, M before S, skipping the S context
 * of a hart without S-mode: on a machine of such harts only (QEMU's virt)
 * hart h has contexts 2h and 2h+1; on the FU540 (QEMU's sifive_u) the E51,
 * hart 0, has context 0 alone and U54 hart h has 2h-1 and 2h. A register
 * of a context past the last reads 0 and ignores writes.
 *
 * Gateways are level-sensitive: a source is pending while its line is high
 * and it is not claimed; a claim hides it until the completion, after which
 * a line still high makes it pending again. */
#define PRIORITY_BASE 0x000000u
#define PENDING_BASE 0x001000u
#define ENABLE_BASE 0x002000u
#define ENABLE_STRIDE 0x80u
#define CONTEXT_BASE 0x200000u
#define CONTEXT_STRIDE 0x1000u
#define PRIORITY_MASK 7u /* 3 priority bits, as QEMU's virt (WARL) */
#define WORDS (MSRV_PLIC_SOURCES / 32)

G_STATIC_ASSERT(MSRV_PLIC_SOURCES % 32 == 0);

typedef struct {
    guint32 enable[WORDS]; /* bit 0 of word 0 is hardwired 0 */
    guint32 threshold;     /* 0..7 */
    gboolean output;       /* last level reported through the callback */
    guint hart;            /* whose interrupt it is */
    guint mip_bit;         /* MSRV_PLIC_MEIP or MSRV_PLIC_SEIP */
} Context;

struct MsrvPlic {
    guint n_harts;
    guint n_contexts;                      /* n_harts .. 2 * n_harts */
    Context *contexts;                     /* n_contexts, in hart order, M before S */
    gint *context_of;                      /* [2h] hart h's M context, [2h+1] its S or -1 */
    guint32 priority[MSRV_PLIC_SOURCES];   /* 0..7; [0] stays 0 */
    guint32 line[WORDS];                   /* input levels */
    guint32 claimed[WORDS];                /* claimed, not yet completed */
    MsrvPlicOutputFn output_fn;
    gpointer opaque;
};

MsrvPlic *msrv_plic_new(guint n_harts, const gboolean *has_s, MsrvPlicOutputFn output_fn,
                        gpointer opaque)
{
    g_assert(n_harts >= 1 && n_harts <= MSRV_PLIC_MAX_HARTS);
    MsrvPlic *p = g_new0(MsrvPlic, 1);
    p->n_harts = n_harts;
    p->contexts = g_new0(Context, 2 * n_harts);
    p->context_of = g_new(gint, 2 * n_harts);
    for (guint h = 0; h < n_harts; h++) {
        p->context_of[2 * h] = (gint)p->n_contexts;
        p->contexts[p->n_contexts++] = (Context){ .hart = h, .mip_bit = MSRV_PLIC_MEIP };
        p->context_of[2 * h + 1] = -1;
        if (!has_s || has_s[h]) {
            p->context_of[2 * h + 1] = (gint)p->n_contexts;
            p->contexts[p->n_contexts++] = (Context){ .hart = h, .mip_bit = MSRV_PLIC_SEIP };
        }
    }
    p->output_fn = output_fn;
    p->opaque = opaque;
    return p;
}

void msrv_plic_free(MsrvPlic *p)
{
    if (!p)
        return;
    g_free(p->contexts);
    g_free(p->context_of);
    g_free(p);
}

static guint32 pending_word(const MsrvPlic *p, guint w)
{
    return p->line[w] & ~p->claimed[w];
}

/* The source @ctx would get from a claim now: the highest priority above
 * the threshold among pending enabled sources, the lowest id on a tie; 0
 * if none. */
static guint best_source(const MsrvPlic *p, const Context *c)
{
    guint best = 0;
    guint32 best_prio = c->threshold;
    for (guint w = 0; w < WORDS; w++) {
        guint32 cand = pending_word(p, w) & c->enable[w];
        while (cand) {
            guint bit = (guint)__builtin_ctz(cand);
            guint src = 32 * w + bit;
            cand &= cand - 1;
            if (p->priority[src] > best_prio) {
                best = src;
                best_prio = p->priority[src];
            }
        }
    }
    return best;
}

/* Recomputes every context's output and reports those that changed, or
 * all of them if @report_all. */
static void recompute(MsrvPlic *p, gboolean report_all)
{
    for (guint i = 0; i < p->n_contexts; i++) {
        Context *c = &p->contexts[i];
        gboolean level = best_source(p, c) != 0;
        if (level != c->output || report_all) {
            c->output = level;
            if (p->output_fn)
                p->output_fn(p->opaque, c->hart, c->mip_bit, level);
        }
    }
}

static void update(MsrvPlic *p)
{
    recompute(p, FALSE);
}

void msrv_plic_set_line(MsrvPlic *p, guint source, gboolean level)
{
    g_assert(source > 0 && source < MSRV_PLIC_SOURCES);
    guint32 bit = 1u << (source % 32);
    guint32 *w = &p->line[source / 32];
    if (!!(*w & bit) == !!level)
        return;
    *w = level ? *w | bit : *w & ~bit;
    update(p);
}

gboolean msrv_plic_output(const MsrvPlic *p, guint hart, guint mip_bit)
{
    g_assert(hart < p->n_harts && (mip_bit == MSRV_PLIC_SEIP || mip_bit == MSRV_PLIC_MEIP));
    gint ctx = p->context_of[2 * hart + (mip_bit == MSRV_PLIC_SEIP)];
    return ctx >= 0 && p->contexts[ctx].output;
}

/* Which context a context-space or enable-space offset names; NULL if none. */
static Context *context_at(MsrvPlic *p, guint64 rel, guint64 stride, guint64 *within)
{
    guint64 ctx = rel / stride;
    *within = rel % stride;
    return ctx < p->n_contexts ? &p->contexts[ctx] : NULL;
}

static guint32 claim(MsrvPlic *p, Context *c)
{
    guint src = best_source(p, c);
    if (src) {
        p->claimed[src / 32] |= 1u << (src % 32);
        update(p);
    }
    return src;
}

/* Completion of @value by @c: ignored unless it names a claimed source
 * enabled for @c (the spec leaves the rest to the implementation). */
static void complete(MsrvPlic *p, Context *c, guint64 value)
{
    if (value == 0 || value >= MSRV_PLIC_SOURCES)
        return;
    guint32 bit = 1u << (value % 32);
    guint w = (guint)value / 32;
    if (!(c->enable[w] & bit) || !(p->claimed[w] & bit))
        return;
    p->claimed[w] &= ~bit;
    update(p);
}

gboolean msrv_plic_read(MsrvPlic *p, guint64 off, guint size, guint64 *value)
{
    guint64 within;
    Context *c;
    if (size != 4 || off % 4 != 0)
        return FALSE;
    *value = 0; /* holes in the window read as zero, as on QEMU */
    if (off < PENDING_BASE) {
        guint64 src = (off - PRIORITY_BASE) / 4;
        if (src < MSRV_PLIC_SOURCES)
            *value = p->priority[src];
    } else if (off < ENABLE_BASE) {
        guint64 w = (off - PENDING_BASE) / 4;
        if (w < WORDS)
            *value = pending_word(p, (guint)w);
    } else if (off < CONTEXT_BASE) {
        c = context_at(p, off - ENABLE_BASE, ENABLE_STRIDE, &within);
        if (c && within / 4 < WORDS)
            *value = c->enable[within / 4];
    } else {
        c = context_at(p, off - CONTEXT_BASE, CONTEXT_STRIDE, &within);
        if (c && within == 0)
            *value = c->threshold;
        else if (c && within == 4)
            *value = claim(p, c);
    }
    return TRUE;
}

gboolean msrv_plic_write(MsrvPlic *p, guint64 off, guint size, guint64 value)
{
    guint64 within;
    Context *c;
    guint32 v = (guint32)value;
    if (size != 4 || off % 4 != 0)
        return FALSE;
    if (off < PENDING_BASE) {
        guint64 src = (off - PRIORITY_BASE) / 4;
        if (src > 0 && src < MSRV_PLIC_SOURCES) {
            p->priority[src] = v & PRIORITY_MASK;
            update(p);
        }
    } else if (off < ENABLE_BASE) {
        /* pending bits are read-only: writes are ignored */
    } else if (off < CONTEXT_BASE) {
        c = context_at(p, off - ENABLE_BASE, ENABLE_STRIDE, &within);
        if (c && within / 4 < WORDS) {
            c->enable[within / 4] = within == 0 ? v & ~1u : v;
            update(p);
        }
    } else {
        c = context_at(p, off - CONTEXT_BASE, CONTEXT_STRIDE, &within);
        if (c && within == 0) {
            c->threshold = v & PRIORITY_MASK;
            update(p);
        } else if (c && within == 4) {
            complete(p, c, v);
        }
    }
    return TRUE;
}

G_DEFINE_QUARK(shoal-msrv-plic-error-quark, msrv_plic_error)

/* The input lines are not part of the state: after a restore the devices
 * drive them again (the server re-syncs the UART's, the bridge sends its
 * models' lines), so a saved level could only be stale. */
void msrv_plic_save(const MsrvPlic *p, Shoal__V1__PlicState *out)
{
    out->n_priority = MSRV_PLIC_SOURCES;
    out->priority = g_memdup2(p->priority, sizeof p->priority);
    out->n_claimed = WORDS;
    out->claimed = g_memdup2(p->claimed, sizeof p->claimed);
    out->n_enable = (gsize)p->n_contexts * WORDS;
    out->enable = g_new(guint32, out->n_enable);
    out->n_threshold = p->n_contexts;
    out->threshold = g_new(guint32, p->n_contexts);
    for (guint i = 0; i < p->n_contexts; i++) {
        memcpy(&out->enable[i * WORDS], p->contexts[i].enable, sizeof p->contexts[i].enable);
        out->threshold[i] = p->contexts[i].threshold;
    }
}

void msrv_plic_state_clear(Shoal__V1__PlicState *state)
{
    g_clear_pointer(&state->priority, g_free);
    g_clear_pointer(&state->claimed, g_free);
    g_clear_pointer(&state->enable, g_free);
    g_clear_pointer(&state->threshold, g_free);
    state->n_priority = state->n_claimed = state->n_enable = state->n_threshold = 0;
}

/* FALSE + error unless @s fits this PLIC (its sources and contexts) and
 * holds only what the registers can: 3-bit priorities and thresholds,
 * source 0 without priority, enable or claim. */
static gboolean check_state(const MsrvPlic *p, const Shoal__V1__PlicState *s, GError **error)
{
    const struct {
        const char *name;
        gsize n, want;
    } lengths[] = {
        { "priorities", s->n_priority, MSRV_PLIC_SOURCES },
        { "claimed words", s->n_claimed, WORDS },
        { "enable words", s->n_enable, (gsize)p->n_contexts * WORDS },
        { "thresholds", s->n_threshold, p->n_contexts },
    };
    for (guint i = 0; i < G_N_ELEMENTS(lengths); i++) {
        if (lengths[i].n != lengths[i].want) {
            g_set_error(error, MSRV_PLIC_ERROR, 0,
                        "PLIC state: %" G_GSIZE_FORMAT " %s, this PLIC (%u sources, %u "
                        "contexts) has %" G_GSIZE_FORMAT,
                        lengths[i].n, lengths[i].name, MSRV_PLIC_SOURCES, p->n_contexts,
                        lengths[i].want);
            return FALSE;
        }
    }
    for (guint src = 0; src < MSRV_PLIC_SOURCES; src++) {
        guint32 max = src ? PRIORITY_MASK : 0;
        if (s->priority[src] > max) {
            g_set_error(error, MSRV_PLIC_ERROR, 0,
                        "PLIC state: priority %u for source %u, at most %u", s->priority[src],
                        src, max);
            return FALSE;
        }
    }
    if (s->claimed[0] & 1) {
        g_set_error(error, MSRV_PLIC_ERROR, 0, "PLIC state: source 0 claimed");
        return FALSE;
    }
    for (guint i = 0; i < p->n_contexts; i++) {
        if (s->enable[i * WORDS] & 1) {
            g_set_error(error, MSRV_PLIC_ERROR, 0,
                        "PLIC state: source 0 enabled in context %u", i);
            return FALSE;
        }
        if (s->threshold[i] > PRIORITY_MASK) {
            g_set_error(error, MSRV_PLIC_ERROR, 0,
                        "PLIC state: threshold %u for context %u, at most %u", s->threshold[i],
                        i, PRIORITY_MASK);
            return FALSE;
        }
    }
    return TRUE;
}

gboolean msrv_plic_load(MsrvPlic *p, const Shoal__V1__PlicState *s, GError **error)
{
    if (!check_state(p, s, error))
        return FALSE;
    memcpy(p->priority, s->priority, sizeof p->priority);
    memcpy(p->claimed, s->claimed, sizeof p->claimed);
    for (guint i = 0; i < p->n_contexts; i++) {
        memcpy(p->contexts[i].enable, &s->enable[i * WORDS], sizeof p->contexts[i].enable);
        p->contexts[i].threshold = s->threshold[i];
    }
    /* Every output, changed or not: whatever this PLIC reported before, the
     * harts' lines must be sent again after a restore. */
    recompute(p, TRUE);
    return TRUE;
}
