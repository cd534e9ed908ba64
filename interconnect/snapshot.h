/* SPDX-License-Identifier: MIT */
/* Snapshot files: a whole machine's saved state, its SnapshotMeta
 * (proto/shoal.proto) and its RAM, written and read back checked
 * (interconnect/snapshot-file.c describes the layout). Used by the memory
 * server, which saves and restores, and the launcher, which checks a file
 * against the config before anything starts. */
#ifndef SHOAL_IC_SNAPSHOT_H
#define SHOAL_IC_SNAPSHOT_H

#include <glib.h>

#include "interconnect/ic.h"

G_BEGIN_DECLS

#define IC_SNAPSHOT_VERSION 1

#define IC_SNAPSHOT_ERROR (ic_snapshot_error_quark())
GQuark ic_snapshot_error_quark(void);
typedef enum {
    IC_SNAPSHOT_ERROR_IO,        /* a system call failed (message has its errno text) */
    IC_SNAPSHOT_ERROR_INVALID,   /* the writer's meta breaks a rule below (a caller bug) */
    IC_SNAPSHOT_ERROR_FOREIGN,   /* not a shoal snapshot */
    IC_SNAPSHOT_ERROR_VERSION,   /* a format version this shoal does not read */
    IC_SNAPSHOT_ERROR_TRUNCATED, /* shorter than its header says */
    IC_SNAPSHOT_ERROR_HEADER,    /* header fields that contradict each other */
    IC_SNAPSHOT_ERROR_META,      /* the meta's checksum, unpacking or contents */
    IC_SNAPSHOT_ERROR_RAM,       /* the RAM's checksum */
    IC_SNAPSHOT_ERROR_MISMATCH,  /* does not fit the machine it is restored on */
} IcSnapshotError;

/* The bytes of RAM page @index (0-based from ram_base), IC_PAGE_SIZE of
 * them. Asked for in order, once each; the pointer need only stay valid
 * until the next call (the writer copies). Never NULL. */
typedef const guint8 *(*IcSnapshotPageFn)(gpointer opaque, guint64 index);

typedef struct {
    guint64 file_bytes; /* the file's length */
    guint64 data_bytes; /* bytes written: header, meta and the RAM pages that are not zero */
} IcSnapshotStats;

/* Writes @meta and the meta->ram_size bytes of RAM that @page gives to
 * @path, whole or not at all: into a temporary file beside it, renamed over
 * @path at the end (an old file there is replaced only then). The caller
 * sets meta->ram_base (page-aligned) and meta->ram_size (a non-zero
 * multiple of IC_PAGE_SIZE), meta->hart_count (1..IC_MAX_HARTS) with one
 * harts[i] per hart, harts[i]->hart == i: what ic_snapshot_open checks.
 * FALSE + IC_SNAPSHOT_ERROR_INVALID if it did not, _IO if the file cannot
 * be written. @stats may be NULL. Blocks on file I/O; no fsync. */
gboolean ic_snapshot_write(const char *path, const Shoal__V1__SnapshotMeta *meta,
                           IcSnapshotPageFn page, gpointer opaque, IcSnapshotStats *stats,
                           GError **error);

/* An open snapshot file: its header and meta read and checked, RAM not yet. */
typedef struct IcSnapshot IcSnapshot;

/* Opens @path and checks everything but RAM: magic, version, header, the
 * meta's checksum and the rules ic_snapshot_write states. NULL + an
 * IC_SNAPSHOT_ERROR naming @path otherwise (the file is untrusted: any
 * bytes give an error, never a crash). Blocks on file I/O. */
IcSnapshot *ic_snapshot_open(const char *path, GError **error);
/* The checked meta, owned by @snap. */
const Shoal__V1__SnapshotMeta *ic_snapshot_meta(const IcSnapshot *snap);
/* Fills @ram (@size bytes, the machine's RAM) from the file and checks
 * its checksum. Pages that are holes in the file are zeroed only where
 * @ram is not zero already, so a fresh anonymous mapping stays untouched
 * there. FALSE + _MISMATCH if @size is not the snapshot's RAM size (@ram
 * untouched), _RAM, _TRUNCATED or _IO (@ram then holds garbage). */
gboolean ic_snapshot_read_ram(IcSnapshot *snap, guint8 *ram, guint64 size, GError **error);
void ic_snapshot_close(IcSnapshot *snap);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(IcSnapshot, ic_snapshot_close)

/* What must be the same to restore a snapshot on a machine, as one string
 * compared whole (SnapshotMeta.board): the hart count, RAM, the timebase,
 * each device's name, type, base, size and interrupt; not how harts are
 * split into nodes, nor the machine's name. Free with g_free. */
char *ic_snapshot_board(const CfgMachine *machine);
/* Whether @snap can be restored on @machine: the same board string, time
 * mode ([sysc] time-mode) and, in deterministic time, [sysc] quantum-ns
 * (meta->quantum_ns is not looked at otherwise). FALSE + _MISMATCH naming
 * both files and, in one line, the first difference ("it has 4 harts, the
 * config 2"). */
gboolean ic_snapshot_fits(const IcSnapshot *snap, const CfgMachine *machine, GError **error);

G_END_DECLS

#endif /* SHOAL_IC_SNAPSHOT_H */
