/* SPDX-License-Identifier: MIT */
/* Where everything a machine boots goes in RAM: bios, kernel (ELF or raw
 * binary) and the device tree, placed as QEMU's virt board places them and
 * checked once, so the launcher refuses a bad set before anything starts
 * and the memory server copies exactly what was checked. */
#include "config/internal.h"

#define FDT_ALIGN (2 * 1024 * 1024) /* QEMU's riscv_load_fdt: 2 MiB below the end */
#define FDT_SMALL_ALIGN 4096        /* for machines with less RAM than that */
#define INITRD_MAX_OFFSET (128 * 1024 * 1024) /* QEMU's riscv_load_initrd: at most this far
                                               * past the kernel, so it stays in lowmem */

static void add_blob(CfgBoot *b, const char *what, const char *path, guint64 paddr,
                     const guint8 *data, gsize file_size, gsize mem_size)
{
    CfgBootBlob blob = { what, path, paddr, file_size, mem_size, data };

    g_array_append_val(b->blobs, blob);
}

static char *describe(const CfgBootBlob *x)
{
    return g_strdup_printf("%s%s%s (0x%" G_GINT64_MODIFIER "x..0x%" G_GINT64_MODIFIER "x)",
                           x->what, x->path ? " " : "", x->path ? x->path : "", x->paddr,
                           x->paddr + x->mem_size - 1);
}

/* The first of blobs [0, @n) (earlier images) that @x overlaps, or NULL. */
static const CfgBootBlob *overlapping(const CfgBoot *b, guint n, const CfgBootBlob *x)
{
    for (guint i = 0; i < n; i++) {
        const CfgBootBlob *y = &g_array_index(b->blobs, CfgBootBlob, i);
        if (y->mem_size > 0 && x->mem_size > 0 &&
            x->paddr < y->paddr + y->mem_size && y->paddr < x->paddr + x->mem_size) {
            return y;
        }
    }
    return NULL;
}

/* Blobs from @first on (one image) against everything placed before. */
static gboolean check_overlaps(const CfgBoot *b, guint first, GError **error)
{
    for (guint i = first; i < b->blobs->len; i++) {
        const CfgBootBlob *x = &g_array_index(b->blobs, CfgBootBlob, i);
        const CfgBootBlob *y = overlapping(b, first, x);
        if (y) {
            g_autofree char *dx = describe(x);
            g_autofree char *dy = describe(y);
            g_set_error(error, CFG_ERROR, CFG_ERROR_VALUE, "%s overlaps %s", dx, dy);
            return FALSE;
        }
    }
    return TRUE;
}

/* Reads @path and adds its pieces: an ELF's segments, or the raw file at
 * @raw_addr. Sets *entry, and *tohost (0 if none) from an ELF. */
static gboolean add_image(CfgBoot *b, const CfgMachine *m, const char *what, const char *path,
                          guint64 raw_addr, guint64 *entry, gboolean *has_tohost, guint64 *tohost,
                          GError **error)
{
    g_autoptr(GBytes) image = cfg_image_read(path, error);
    guint first = b->blobs->len;
    gsize size;
    const guint8 *data;

    *has_tohost = FALSE;
    if (image == NULL) {
        return FALSE;
    }
    /* The blobs point into the image, which b->images keeps alive. */
    g_ptr_array_add(b->images, g_bytes_ref(image));
    if (cfg_image_is_elf(image)) {
        g_autoptr(CfgElf) elf = cfg_elf_parse(path, image, m->ram_base, m->ram_size, error);
        if (elf == NULL) {
            return FALSE;
        }
        for (guint i = 0; i < elf->n_segments; i++) {
            const CfgElfSegment *s = &elf->segments[i];
            add_blob(b, what, path, s->paddr, s->data, s->file_size, s->mem_size);
        }
        *entry = elf->entry;
        *has_tohost = elf->has_tohost;
        *tohost = elf->tohost;
        return check_overlaps(b, first, error);
    }
    data = g_bytes_get_data(image, &size);
    if (raw_addr + size - m->ram_base > m->ram_size) {
        g_set_error(error, CFG_ERROR, CFG_ERROR_VALUE,
                    "%s: raw %s image of %zu bytes at 0x%" G_GINT64_MODIFIER "x runs past the end "
                    "of RAM (0x%" G_GINT64_MODIFIER "x)", path, what, size, raw_addr,
                    m->ram_base + m->ram_size - 1);
        return FALSE;
    }
    add_blob(b, what, path, raw_addr, data, size, size);
    *entry = raw_addr;
    return check_overlaps(b, first, error);
}

/* QEMU's place for the initrd: far enough past the kernel that the kernel's
 * own memory (its bss, its early page tables) does not run over it, but
 * within its first 128 MiB: @kernel_load + min(RAM/2, 128 MiB), where
 * the kernel starts (its ELF entry, or where a raw one goes). */
static gboolean place_initrd(CfgBoot *b, const CfgMachine *m, guint64 kernel_load, GError **error)
{
    g_autoptr(GBytes) image = cfg_image_read(m->initrd, error);
    guint first = b->blobs->len;
    guint64 start;
    gsize size;
    const guint8 *data;

    if (image == NULL) {
        return FALSE;
    }
    g_ptr_array_add(b->images, g_bytes_ref(image));
    data = g_bytes_get_data(image, &size);
    start = (kernel_load + MIN(m->ram_size / 2, INITRD_MAX_OFFSET) + 4095) & ~(guint64)4095;
    if (size == 0 || start + size > m->ram_base + m->ram_size) {
        g_set_error(error, CFG_ERROR, CFG_ERROR_VALUE,
                    "%s: initrd of %zu bytes at 0x%" G_GINT64_MODIFIER "x %s", m->initrd, size,
                    start, size == 0 ? "is empty" : "runs past the end of RAM (more RAM?)");
        return FALSE;
    }
    add_blob(b, "initrd", m->initrd, start, data, size, size);
    b->initrd_start = start;
    b->initrd_end = start + size;
    return check_overlaps(b, first, error);
}

/* QEMU's place: 2 MiB-aligned just below the end of RAM; on a machine too
 * small for that (or with an image there), the last 4 KiB-aligned spot that
 * holds it. Never over an image. */
static gboolean place_fdt(CfgBoot *b, const CfgMachine *m, GError **error)
{
    gsize size;
    const guint8 *data = g_bytes_get_data(b->fdt, &size);
    guint64 end = m->ram_base + m->ram_size;
    const guint64 aligns[] = { FDT_ALIGN, FDT_SMALL_ALIGN };
    guint n = b->blobs->len;

    if (size > m->ram_size) {
        g_set_error(error, CFG_ERROR, CFG_ERROR_VALUE,
                    "%s: the device tree (%zu bytes) does not fit in RAM", m->path, size);
        return FALSE;
    }
    add_blob(b, "device tree", NULL, 0, data, size, size);
    for (guint i = 0; i < G_N_ELEMENTS(aligns); i++) {
        CfgBootBlob *fdt = &g_array_index(b->blobs, CfgBootBlob, n);
        fdt->paddr = (end - size) & ~(aligns[i] - 1);
        b->fdt_addr = fdt->paddr;
        if (fdt->paddr >= m->ram_base && overlapping(b, n, fdt) == NULL) {
            return TRUE;
        }
    }
    /* The 4 KiB-aligned spot is inside RAM (ram_base is 4 KiB-aligned), so
     * it overlaps an image: say which. */
    check_overlaps(b, n, error);
    g_prefix_error(error, "%s: no room for the device tree (more RAM?): ", m->path);
    return FALSE;
}

CfgBoot *cfg_boot_new(const CfgMachine *m, GError **error)
{
    g_autoptr(CfgBoot) b = g_new0(CfgBoot, 1);
    gboolean bios_tohost;
    guint64 bios_tohost_addr, kernel_entry = 0;
    guint64 kernel_load = m->ram_base + (m->bios ? CFG_BOOT_KERNEL_OFFSET : 0);

    b->images = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    b->blobs = g_array_new(FALSE, FALSE, sizeof(CfgBootBlob));
    if (m->kernel == NULL && m->bios == NULL && !m->has_reset_vector) {
        g_set_error(error, CFG_ERROR, CFG_ERROR_MISSING,
                    "%s: nothing to boot: give --kernel FILE (or [boot] kernel / bios, or a "
                    "reset-vector in a rom)", m->path);
        return NULL;
    }
    /* Only the kernel's tohost ends the run: firmware has its own exits. */
    if (m->bios && !add_image(b, m, "bios", m->bios, m->ram_base, &b->entry, &bios_tohost,
                              &bios_tohost_addr, error)) {
        return NULL;
    }
    if (m->kernel) {
        if (!add_image(b, m, "kernel", m->kernel, kernel_load, &kernel_entry, &b->has_tohost,
                       &b->tohost, error)) {
            return NULL;
        }
        if (m->bios == NULL) {
            b->entry = kernel_entry;
        }
        kernel_load = kernel_entry;
    }
    if (m->initrd && !place_initrd(b, m, kernel_load, error)) {
        return NULL;
    }
    if (m->has_reset_vector) {
        b->entry = m->reset_vector; /* the code there finds what was loaded itself */
    }
    b->fdt = cfg_machine_build_fdt(m, b->initrd_start, b->initrd_end, error);
    if (b->fdt == NULL || !place_fdt(b, m, error)) {
        return NULL;
    }
    return g_steal_pointer(&b);
}

void cfg_boot_free(CfgBoot *boot)
{
    if (boot == NULL) {
        return;
    }
    g_clear_pointer(&boot->images, g_ptr_array_unref);
    g_clear_pointer(&boot->blobs, g_array_unref);
    g_clear_pointer(&boot->fdt, g_bytes_unref);
    g_free(boot);
}
