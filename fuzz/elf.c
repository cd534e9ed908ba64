/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: a kernel or bios image as given on the command line,
 * through the ELF loader's checks (config/elf.c). Every segment it accepts
 * must lie inside RAM and inside the file. */

#include "config/cfg.h"
#include "fuzz/scratch.h"

#define RAM_BASE 0x80000000ull
#define RAM_SIZE (128ull << 20)

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
    const char *path = fuzz_scratch_file("image.elf", data, size);
    g_autoptr(GError) error = NULL;
    g_autoptr(CfgElf) elf = cfg_elf_load(path, RAM_BASE, RAM_SIZE, &error);
    if (!elf) {
        g_assert_nonnull(error);
        return 0;
    }
    gsize file_size = g_bytes_get_size(elf->image);
    const guint8 *file = g_bytes_get_data(elf->image, NULL);
    for (guint i = 0; i < elf->n_segments; i++) {
        const CfgElfSegment *s = &elf->segments[i];
        g_assert_cmpuint(s->file_size, <=, s->mem_size);
        g_assert_cmpuint(s->paddr, >=, RAM_BASE);
        g_assert_cmpuint(s->mem_size, <=, RAM_SIZE);
        g_assert_cmpuint(s->paddr - RAM_BASE, <=, RAM_SIZE - s->mem_size);
        g_assert_true(s->file_size == 0 ||
                      (s->data >= file && s->file_size <= file_size &&
                       (gsize)(s->data - file) <= file_size - s->file_size));
    }
    return 0;
}
