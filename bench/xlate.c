/* SPDX-License-Identifier: MIT */
/* shoal-bench-xlate: translation speed on real code, without running it.
 * Loads a flat image (a Linux kernel's Image, a firmware, an ELF's text
 * dumped with objcopy) into RAM and sweeps it block after block through
 * the exec loop's own miss path (tcg_tb_build: decode, IR, optimise,
 * x86-64, cache insert), N passes with a buffer flush between; prints the
 * best pass's guest instructions per second of this thread's CPU time, so
 * the figure does not move with what else the host runs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tcg/internal.h"

#define RAM_BASE 0x80000000ull

typedef struct {
    guint8 *ram;
    gsize ram_size;
} Ram;

static gboolean ram_page_map(gpointer opaque, guint hart_id, guint64 paddr, TcgAccess access,
                             TcgPageMap *out)
{
    Ram *ram = opaque;
    if (paddr < RAM_BASE || paddr - RAM_BASE >= ram->ram_size) {
        return FALSE;
    }
    out->host = ram->ram + ((paddr - RAM_BASE) & TCG_PAGE_MASK);
    out->writable = TRUE;
    return TRUE;
}

static guint64 ram_read_time(gpointer opaque, guint hart_id)
{
    return 0;
}

static const TcgNodeOps ram_ops = { .page_map = ram_page_map, .read_time = ram_read_time };

static double thread_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* One sweep of [from, to): each block starts where the last one ended. */
static void sweep(TcgHart *hart, guint64 from, guint64 to, guint32 flags)
{
    for (guint64 pc = from; pc < to;) {
        TcgBlock *tb = tcg_tb_build(hart, pc, flags);
        pc += tb->size;
    }
}

int main(int argc, char **argv)
{
    guint64 offset = 0, length = 0;
    gint passes = 5;
    gboolean interp = FALSE;
    GOptionEntry entries[] = {
        { "offset", 0, 0, G_OPTION_ARG_INT64, &offset, "first byte of code in the image", "N" },
        { "length", 0, 0, G_OPTION_ARG_INT64, &length, "bytes of code (default: to the end)",
          "N" },
        { "passes", 'n', 0, G_OPTION_ARG_INT, &passes, "sweeps; the best counts (5)", "N" },
        { "interp", 0, 0, G_OPTION_ARG_NONE, &interp, "IR only: no x86 code", NULL },
        { NULL },
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("IMAGE");
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_autoptr(GError) error = NULL;
    if (!g_option_context_parse(ctx, &argc, &argv, &error) || argc != 2 || passes < 1) {
        fprintf(stderr, "shoal-bench-xlate: %s\n",
                error != NULL ? error->message : "usage: shoal-bench-xlate [OPTIONS] IMAGE");
        return 2;
    }
    Ram ram = { 0 };
    gchar *contents;
    if (!g_file_get_contents(argv[1], &contents, &ram.ram_size, &error)) {
        fprintf(stderr, "shoal-bench-xlate: %s\n", error->message);
        return 2;
    }
    if (length == 0) {
        length = ram.ram_size > offset ? ram.ram_size - offset : 0;
    }
    if (offset + length > ram.ram_size || length < 4) {
        fprintf(stderr, "shoal-bench-xlate: %s holds %zu bytes, not [%" G_GUINT64_FORMAT
                ", +%" G_GUINT64_FORMAT ")\n", argv[1], ram.ram_size, offset, length);
        return 2;
    }
    /* Page-aligned and a page of slack: the last block may straddle. */
    ram.ram_size = (ram.ram_size + 2 * TCG_PAGE_SIZE) & TCG_PAGE_MASK;
    ram.ram = g_malloc0(ram.ram_size);
    memcpy(ram.ram, contents, offset + length);
    g_free(contents);

    TcgHartConfig cfg = { .accel = interp ? TCG_ACCEL_INTERP : TCG_ACCEL_JIT,
                          .code_buffer_size = 32 << 20 };
    TcgHart *hart = tcg_hart_new(&cfg, &ram_ops, &ram);
    hart->env.mstatus |= RV_MSTATUS_FS; /* FP code translates as FP code */
    guint32 flags = tcg_block_flags(hart);
    double best = G_MAXDOUBLE;
    TcgHartStats last = { 0 };
    for (gint p = 0; p < passes; p++) {
        tcg_tb_flush(hart);
        TcgHartStats before = hart->stats;
        double t0 = thread_seconds();
        sweep(hart, RAM_BASE + offset, RAM_BASE + offset + length, flags);
        double t = thread_seconds() - t0;
        if (t < best) {
            best = t;
        }
        last.blocks_translated = hart->stats.blocks_translated - before.blocks_translated;
        last.insns_translated = hart->stats.insns_translated - before.insns_translated;
        last.code_bytes = hart->stats.code_bytes - before.code_bytes;
        last.buffer_flushes = hart->stats.buffer_flushes - before.buffer_flushes;
    }
    printf("xlate: %" G_GUINT64_FORMAT " blocks, %" G_GUINT64_FORMAT
           " insns, %.1f insns/block, %.1f B/insn, %" G_GUINT64_FORMAT
           " buffer flushes per pass; best of %d: %.3f s, %.2f Minsn/s, %.0f ns/block\n",
           last.blocks_translated, last.insns_translated,
           (double)last.insns_translated / (double)last.blocks_translated,
           (double)last.code_bytes / (double)last.insns_translated, last.buffer_flushes, passes,
           best, (double)last.insns_translated / best * 1e-6,
           best * 1e9 / (double)last.blocks_translated);
    tcg_hart_free(hart);
    g_free(ram.ram);
    return 0;
}
