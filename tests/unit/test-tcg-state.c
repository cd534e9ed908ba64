/* SPDX-License-Identifier: MIT */
/* A hart's state by name (tcg/riscv/state.c), what snapshots carry: every
 * value a hart gives back is taken by another hart and given back the same,
 * names are unique and x0 is not one, and what no hart can hold (an unknown
 * name, privilege 2, a value wider than its field) is refused. */
#include <string.h>

#include "tcg/tcg.h"

static gboolean no_page(gpointer opaque, guint hart_id, guint64 paddr, TcgAccess access,
                        TcgPageMap *out)
{
    return FALSE;
}

static const TcgNodeOps ops = { .page_map = no_page };

static TcgHart *new_hart(void)
{
    TcgHartConfig cfg = { .accel = TCG_ACCEL_INTERP };
    return tcg_hart_new(&cfg, &ops, NULL);
}

/* A value the field @name can hold, different for every name. */
static guint64 value_for(const char *name)
{
    if (strcmp(name, "priv") == 0 || strcmp(name, "msip") == 0)
        return 1;
    guint64 v = g_str_hash(name) * 0x9e3779b97f4a7c15ull;
    /* fflags and frm are 32-bit fields. */
    return strcmp(name, "fflags") == 0 || strcmp(name, "frm") == 0 ? v & 0x1f : v;
}

static void test_round_trip(void)
{
    guint n = tcg_hart_state_size();
    g_autofree TcgStateValue *a = g_new(TcgStateValue, n);
    g_autofree TcgStateValue *b = g_new(TcgStateValue, n);
    TcgHart *first = new_hart(), *second = new_hart();
    tcg_hart_save_state(first, a);
    for (guint i = 0; i < n; i++) {
        g_assert_true(tcg_hart_restore_value(first, a[i].name, value_for(a[i].name)));
    }
    tcg_hart_save_state(first, a);
    for (guint i = 0; i < n; i++) {
        g_assert_cmpuint(a[i].value, ==, value_for(a[i].name));
        g_assert_true(tcg_hart_restore_value(second, a[i].name, a[i].value));
    }
    tcg_hart_save_state(second, b);
    for (guint i = 0; i < n; i++) {
        g_assert_cmpstr(a[i].name, ==, b[i].name);
        g_assert_cmpuint(a[i].value, ==, b[i].value);
    }
    tcg_hart_free(first);
    tcg_hart_free(second);
}

static void test_names(void)
{
    guint n = tcg_hart_state_size();
    g_autofree TcgStateValue *v = g_new(TcgStateValue, n);
    TcgHart *hart = new_hart();
    tcg_hart_save_state(hart, v);
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < n; i++) {
        g_assert_false(g_hash_table_contains(seen, v[i].name));
        g_hash_table_add(seen, (gpointer)v[i].name);
    }
    for (const char *const *name = (const char *const[]){ "pc", "x1", "x31", "f0", "f31",
                                                          "mstatus", "satp", "pmpcfg2",
                                                          "pmpaddr15", "stimecmp", "msip",
                                                          NULL };
         *name; name++)
        g_assert_true(g_hash_table_contains(seen, *name));
    g_assert_false(g_hash_table_contains(seen, "x0"));
    tcg_hart_free(hart);
}

static void test_refused(void)
{
    TcgHart *hart = new_hart();
    g_assert_false(tcg_hart_restore_value(hart, "x0", 1));
    g_assert_false(tcg_hart_restore_value(hart, "mhartid", 1));
    g_assert_false(tcg_hart_restore_value(hart, "", 1));
    g_assert_false(tcg_hart_restore_value(hart, "priv", 2));
    g_assert_false(tcg_hart_restore_value(hart, "priv", 0x103));
    g_assert_false(tcg_hart_restore_value(hart, "frm", 1ull << 32));
    g_assert_false(tcg_hart_restore_value(hart, "msip", 2));
    g_assert_true(tcg_hart_restore_value(hart, "priv", 3));
    tcg_hart_free(hart);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/tcg/state/round-trip", test_round_trip);
    g_test_add_func("/tcg/state/names", test_names);
    g_test_add_func("/tcg/state/refused", test_refused);
    return g_test_run();
}
