/* SPDX-License-Identifier: MIT */
/* A hart's architectural state by name, for snapshots (tcg.h): every value
 * a restored hart needs to go on exactly where it stopped, named as the
 * privileged spec and the assembler name them ("x5", "mstatus", "pmpaddr3"),
 * so a file outlives a change of TcgCpuState's layout. Left out on purpose:
 * what devices drive (mip_hw but MSIP, which the CLINT's msip register
 * holds and nothing re-drives), the budget (the node's quantum state), and
 * the LR lease (a restored reservation is kept; its lease is taken again by
 * the next LR, as after any lost lease). */
#include <stddef.h>

#include "tcg/internal.h"

typedef struct {
    char name[16];
    gsize offset; /* in TcgCpuState */
    guint size;   /* 1, 4 or 8 bytes */
} StateField;

#define MSIP_FIELD "msip" /* not a TcgCpuState member: bit 3 of mip_hw */

static const struct {
    const char *name;
    gsize offset;
    guint size;
    guint count; /* > 1: an array, its elements named name0, name1, ... */
    guint first; /* the first element's number in its name */
    guint step;  /* how the number grows (pmpcfg0, pmpcfg2 on RV64) */
} layout[] = {
#define ONE(f) { #f, offsetof(TcgCpuState, f), sizeof(((TcgCpuState *)0)->f), 1, 0, 0 }
    { "x", offsetof(TcgCpuState, x[1]), 8, 31, 1, 1 },
    ONE(pc), ONE(priv), ONE(mstatus), ONE(mie), ONE(mip_sw),
    ONE(mtvec), ONE(mscratch), ONE(mepc), ONE(mcause), ONE(mtval),
    ONE(medeleg), ONE(mideleg), ONE(mcounteren), ONE(scounteren), ONE(mcountinhibit),
    ONE(stvec), ONE(sscratch), ONE(sepc), ONE(scause), ONE(stval), ONE(satp),
    ONE(menvcfg), ONE(senvcfg), ONE(stimecmp), ONE(tcontrol),
    { "pmpcfg", offsetof(TcgCpuState, pmpcfg), 8, RV_PMP_COUNT / 8, 0, 2 },
    { "pmpaddr", offsetof(TcgCpuState, pmpaddr), 8, RV_PMP_COUNT, 0, 1 },
    ONE(minstret_base), ONE(mcycle_base), ONE(retired),
    ONE(reservation), ONE(reservation_value),
    { "f", offsetof(TcgCpuState, f), 8, 32, 0, 1 },
    ONE(fflags), ONE(frm),
#undef ONE
};

static StateField *fields;
static guint n_fields;

static void build_fields(void)
{
    guint n = 0;
    for (guint i = 0; i < G_N_ELEMENTS(layout); i++)
        n += layout[i].count;
    fields = g_new0(StateField, n);
    for (guint i = 0; i < G_N_ELEMENTS(layout); i++) {
        for (guint k = 0; k < layout[i].count; k++) {
            StateField *f = &fields[n_fields++];
            if (layout[i].count == 1)
                g_strlcpy(f->name, layout[i].name, sizeof f->name);
            else
                g_snprintf(f->name, sizeof f->name, "%s%u", layout[i].name,
                           layout[i].first + k * layout[i].step);
            f->offset = layout[i].offset + (gsize)k * layout[i].size;
            f->size = layout[i].size;
        }
    }
}

static const StateField *all_fields(void)
{
    static gsize once;
    if (g_once_init_enter(&once)) {
        build_fields();
        g_once_init_leave(&once, 1);
    }
    return fields;
}

guint tcg_hart_state_size(void)
{
    all_fields();
    return n_fields + 1; /* + msip */
}

static guint64 get(const TcgCpuState *env, const StateField *f)
{
    const guint8 *p = (const guint8 *)env + f->offset;
    switch (f->size) {
    case 1:
        return *p;
    case 4:
        return *(const guint32 *)p;
    default:
        return *(const guint64 *)p;
    }
}

static void set(TcgCpuState *env, const StateField *f, guint64 v)
{
    guint8 *p = (guint8 *)env + f->offset;
    switch (f->size) {
    case 1:
        *p = (guint8)v;
        break;
    case 4:
        *(guint32 *)p = (guint32)v;
        break;
    default:
        *(guint64 *)p = v;
        break;
    }
}

void tcg_hart_save_state(TcgHart *hart, TcgStateValue *out)
{
    const StateField *f = all_fields();
    /* The hart's last writes to env happened before it stopped, which it
     * published under safe_lock. */
    pthread_mutex_lock(&hart->safe_lock);
    for (guint i = 0; i < n_fields; i++)
        out[i] = (TcgStateValue){ f[i].name, get(&hart->env, &f[i]) };
    pthread_mutex_unlock(&hart->safe_lock);
    out[n_fields] = (TcgStateValue){ MSIP_FIELD, tcg_hart_irq_level(hart, TCG_IRQ_MSIP) };
}

gboolean tcg_hart_restore_value(TcgHart *hart, const char *name, guint64 value)
{
    const StateField *f = all_fields();
    if (g_str_equal(name, MSIP_FIELD)) {
        tcg_hart_set_irq(hart, TCG_IRQ_MSIP, value != 0);
        return value <= 1;
    }
    for (guint i = 0; i < n_fields; i++) {
        if (g_str_equal(f[i].name, name)) {
            if ((f[i].size < 8 && value >> (8 * f[i].size) != 0) ||
                (f[i].offset == offsetof(TcgCpuState, priv) && value == 2))
                return FALSE; /* no such value: the file is not what it claims */
            set(&hart->env, &f[i], value);
            return TRUE;
        }
    }
    return FALSE;
}
