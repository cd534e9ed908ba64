/* SPDX-License-Identifier: MIT */
/* `shoal snapshot-info FILE`: what a snapshot holds, as QEMU's `info
 * snapshots` tells (docs/snapshot.md): where it was saved from and when,
 * the board it fits, its time and every hart's pc and privilege, with the
 * whole file checked, RAM included. */
#include "launcher/internal.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "interconnect/snapshot.h"

/* Hart @h's value @name, or FALSE. */
static gboolean hart_value(const Shoal__V1__HartState *h, const char *name, guint64 *value)
{
    for (gsize k = 0; k < h->n_fields; k++) {
        if (strcmp(h->fields[k]->name, name) == 0) {
            *value = h->fields[k]->value;
            return TRUE;
        }
    }
    return FALSE;
}

static const char *priv_name(guint64 priv)
{
    return priv == 0 ? "U" : priv == 1 ? "S" : priv == 3 ? "M" : "?";
}

static void print_time(const Shoal__V1__SnapshotMeta *m)
{
    if (m->deterministic) {
        printf("time: deterministic, quantum %" G_GUINT64_FORMAT " (%" G_GUINT64_FORMAT
               " ns each) begins at %" G_GUINT64_FORMAT " ns\n",
               m->quantum, m->quantum_ns, m->quantum_start_ns);
        return;
    }
    double s = m->timebase_hz ? (double)m->mtime / (double)m->timebase_hz : 0;
    printf("time: host, mtime %" G_GUINT64_FORMAT " (%.6f s at %" G_GUINT64_FORMAT " Hz)\n",
           m->mtime, s, m->timebase_hz);
}

int launcher_snapshot_info(int argc, char **argv)
{
    if (argc != 3 || argv[2][0] == '-') {
        fprintf(stderr, "shoal: usage: shoal snapshot-info FILE\n");
        return 2;
    }
    const char *path = argv[2];
    g_autoptr(GError) error = NULL;
    g_autoptr(IcSnapshot) snap = ic_snapshot_open(path, &error);
    const Shoal__V1__SnapshotMeta *m = snap ? ic_snapshot_meta(snap) : NULL;
    g_autofree guint8 *ram = m ? g_try_malloc(m->ram_size) : NULL;
    if (m && !ram)
        g_set_error(&error, IC_SNAPSHOT_ERROR, IC_SNAPSHOT_ERROR_IO,
                    "%s: no memory to check its %" G_GUINT64_FORMAT " bytes of RAM", path,
                    m->ram_size);
    if (!ram || !ic_snapshot_read_ram(snap, ram, m->ram_size, &error)) {
        fprintf(stderr, "shoal: %s\n", error->message);
        return 2;
    }
    struct stat st;
    if (stat(path, &st) == 0)
        printf("file: %s, %" G_GUINT64_FORMAT " bytes, %" G_GUINT64_FORMAT
               " on disk, checked (RAM included)\n",
               path, (guint64)st.st_size, (guint64)st.st_blocks * 512);
    g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc(m->saved_at);
    g_autofree char *at = when ? g_date_time_format_iso8601(when) : g_strdup("?");
    printf("saved from: %s, at %s\n", m->saved_from, at);
    printf("board: %s\n", m->board);
    print_time(m);
    printf("hart  pc                  priv\n");
    for (gsize i = 0; i < m->n_harts; i++) {
        guint64 pc = 0, priv = 0;
        hart_value(m->harts[i], "pc", &pc);
        hart_value(m->harts[i], "priv", &priv);
        printf("%-5u 0x%016" G_GINT64_MODIFIER "x  %s\n", m->harts[i]->hart, pc,
               priv_name(priv));
    }
    return 0;
}
