/* SPDX-License-Identifier: MIT */
/* The x86-64 back end as the rest of tcg/ sees it: a per-hart code buffer
 * (W^X dual mapping), compiling one block's IR into it, entering generated
 * code and patching direct jumps between blocks. */
#ifndef SHOAL_TCG_JIT_H
#define SHOAL_TCG_JIT_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
    guint8 *rw;  /* writable view */
    guint8 *rx;  /* executable view of the same pages */
    gsize size;  /* bytes */
    gsize used;  /* bytes handed out, from the start */
    gsize ready; /* bytes from the start whose pages are in both views */
} TcgCodeBuffer;

gboolean tcg_code_buffer_init(TcgCodeBuffer *buf, gsize size, GError **error);
/* Makes the pages up to @end present in both views before code is written
 * there (a chunk at a time: one call instead of two page faults per page). */
void tcg_code_buffer_prepare(TcgCodeBuffer *buf, gsize end);
void tcg_code_buffer_destroy(TcgCodeBuffer *buf);

G_END_DECLS

#endif /* SHOAL_TCG_JIT_H */
