/* SPDX-License-Identifier: MIT */
/* config/boot.c: where bios, kernel, initrd and device tree go in RAM. Raw images
 * (files that are not ELF) of chosen sizes, a table of placements and of
 * rejections (past RAM, overlapping, no room left for the device tree). */
#include <glib/gstdio.h>
#include <libfdt.h>
#include <string.h>

#include "config/cfg.h"

#define MiB (G_GUINT64_CONSTANT(1) << 20)
#define RAM_BASE G_GUINT64_CONSTANT(0x80000000)

typedef struct {
    const char *name;
    const char *ram;      /* memory.size */
    gsize bios;           /* raw bios bytes, 0 = none */
    gsize kernel;         /* raw kernel bytes, 0 = none */
    guint64 entry;        /* expected first pc, 0 when rejected */
    guint64 kernel_addr;  /* where the kernel lands */
    guint64 fdt_addr;     /* where the device tree lands */
    const char *error;    /* substring of the rejection, NULL if accepted */
} BootCase;

static const BootCase cases[] = {
    { "kernel-only", "128M", 0, 4096, RAM_BASE, RAM_BASE, RAM_BASE + 126 * MiB, NULL },
    { "bios-and-kernel", "128M", 200000, 4096, RAM_BASE, RAM_BASE + 2 * MiB,
      RAM_BASE + 126 * MiB, NULL },
    { "bios-only", "64M", 4096, 0, RAM_BASE, 0, RAM_BASE + 62 * MiB, NULL },
    { "small-ram", "1M", 0, 4096, RAM_BASE, RAM_BASE, 0, NULL }, /* 4 KiB-aligned DTB */
    { "kernel-past-ram", "16M", 0, 17 * MiB, 0, 0, 0, "runs past the end of RAM" },
    { "bios-over-kernel", "128M", 3 * MiB, 4096, 0, 0, 0, "overlaps bios" },
    { "kernel-over-fdt", "16M", 4096, 14 * MiB, 0, 0, 0, "no room for the device tree" },
    { "ram-full", "1M", 0, 1 * MiB, 0, 0, 0, "no room for the device tree" },
};

static char *write_raw(const char *dir, const char *name, gsize size)
{
    char *path = g_build_filename(dir, name, NULL);
    g_autofree guint8 *data = g_malloc(size);

    /* Not ELF: the first byte is not 0x7f. */
    for (gsize i = 0; i < size; i++) {
        data[i] = (guint8)(i * 7 + 1);
    }
    data[0] = 0x13;
    g_assert_true(g_file_set_contents(path, (const char *)data, (gssize)size, NULL));
    return path;
}

static void test_case(gconstpointer data)
{
    const BootCase *c = data;
    g_autofree char *dir = g_dir_make_tmp("test-boot-XXXXXX", NULL);
    g_autofree char *conf = g_build_filename(dir, "m.conf", NULL);
    g_autofree char *bios = c->bios ? write_raw(dir, "bios.bin", c->bios) : NULL;
    g_autofree char *kernel = c->kernel ? write_raw(dir, "kernel.bin", c->kernel) : NULL;
    g_autofree char *text = g_strdup_printf("[memory]\nsize=%s\n[node.0]\nharts=2\n"
                                            "[device.uart0]\ntype=ns16550\nbase=0x10000000\n"
                                            "size=0x100\n", c->ram);
    g_autoptr(GError) error = NULL;
    g_autoptr(CfgMachine) m = NULL;
    g_autoptr(CfgBoot) boot = NULL;
    guint64 ram_end;

    g_assert_true(g_file_set_contents(conf, text, -1, NULL));
    m = cfg_machine_load(conf, NULL, kernel, bios ? bios : "none", &error);
    g_assert_no_error(error);
    ram_end = m->ram_base + m->ram_size;
    boot = cfg_boot_new(m, &error);
    if (c->error) {
        g_assert_null(boot);
        g_assert_error(error, CFG_ERROR, CFG_ERROR_VALUE);
        if (strstr(error->message, c->error) == NULL) {
            g_error("expected \"%s\" in \"%s\"", c->error, error->message);
        }
    } else {
        gsize fdt_size;
        const guint8 *fdt;
        g_assert_no_error(error);
        fdt = g_bytes_get_data(boot->fdt, &fdt_size);
        g_assert_cmphex(boot->entry, ==, c->entry);
        g_assert_false(boot->has_tohost);
        if (c->fdt_addr) {
            g_assert_cmphex(boot->fdt_addr, ==, c->fdt_addr);
        }
        g_assert_cmphex(boot->fdt_addr % 4096, ==, 0);
        g_assert_cmphex(boot->fdt_addr + fdt_size, <=, ram_end);
        g_assert_cmpuint(boot->blobs->len, ==, (c->bios != 0) + (c->kernel != 0) + 1);
        for (guint i = 0; i < boot->blobs->len; i++) {
            const CfgBootBlob *b = &g_array_index(boot->blobs, CfgBootBlob, i);
            if (strcmp(b->what, "kernel") == 0) {
                g_assert_cmphex(b->paddr, ==, c->kernel_addr);
                g_assert_cmpuint(b->file_size, ==, c->kernel);
                g_assert_cmpint(b->data[0], ==, 0x13);
                g_assert_cmpint(b->data[c->kernel - 1], ==, (guint8)((c->kernel - 1) * 7 + 1));
            } else if (strcmp(b->what, "bios") == 0) {
                g_assert_cmphex(b->paddr, ==, RAM_BASE);
                g_assert_cmpuint(b->mem_size, ==, c->bios);
            } else {
                g_assert_cmpstr(b->what, ==, "device tree");
                g_assert_cmphex(b->paddr, ==, boot->fdt_addr);
                g_assert_true(b->data == fdt);
            }
        }
    }
    if (bios) {
        g_unlink(bios);
    }
    if (kernel) {
        g_unlink(kernel);
    }
    g_unlink(conf);
    g_rmdir(dir);
}

/* --initrd / --append: the initrd where QEMU's virt board puts it (the
 * kernel's load address + min(RAM/2, 128 MiB)) and /chosen naming it and
 * the command line; one too big for what is left of RAM is refused. */
typedef struct {
    const char *ram;
    gsize initrd;
    guint64 start;      /* expected linux,initrd-start, 0 when refused */
} InitrdCase;

static const InitrdCase initrd_cases[] = {
    { "128M", 300000, RAM_BASE + 2 * MiB + 64 * MiB },
    { "512M", 4096, RAM_BASE + 2 * MiB + 128 * MiB },
    { "128M", 63 * MiB, 0 },
};

static guint64 fdt_u64(const void *fdt, int node, const char *name)
{
    int len = 0;
    const void *v = fdt_getprop(fdt, node, name, &len);
    g_assert_nonnull(v);
    g_assert_cmpint(len, ==, 8);
    return fdt64_ld(v); /* properties are only 4-byte aligned */
}

static void test_initrd(gconstpointer data)
{
    const InitrdCase *c = data;
    g_autofree char *dir = g_dir_make_tmp("test-boot-XXXXXX", NULL);
    g_autofree char *conf = g_build_filename(dir, "m.conf", NULL);
    g_autofree char *bios = write_raw(dir, "bios.bin", 4096);
    g_autofree char *kernel = write_raw(dir, "kernel.bin", 4096);
    g_autofree char *initrd = write_raw(dir, "initrd.cpio", c->initrd);
    g_autofree char *text = g_strdup_printf("[memory]\nsize=%s\n[node.0]\n", c->ram);
    g_autofree char *set_initrd = g_strconcat("boot.initrd=", initrd, NULL);
    const char *sets[] = { set_initrd, "boot.append=console=ttyS0 quiet", NULL };
    g_autoptr(GError) error = NULL;

    g_assert_true(g_file_set_contents(conf, text, -1, NULL));
    g_autoptr(CfgMachine) m = cfg_machine_load(conf, sets, kernel, bios, &error);
    g_assert_no_error(error);
    g_autoptr(CfgBoot) boot = cfg_boot_new(m, &error);
    if (c->start == 0) {
        g_assert_null(boot);
        g_assert_error(error, CFG_ERROR, CFG_ERROR_VALUE);
        g_assert_nonnull(strstr(error->message, "runs past the end of RAM"));
    } else {
        g_assert_no_error(error);
        g_assert_cmphex(boot->initrd_start, ==, c->start);
        g_assert_cmphex(boot->initrd_end, ==, c->start + c->initrd);
        const void *fdt = g_bytes_get_data(boot->fdt, NULL);
        int chosen = fdt_path_offset(fdt, "/chosen");
        g_assert_cmpint(chosen, >=, 0);
        g_assert_cmpstr(fdt_getprop(fdt, chosen, "bootargs", NULL), ==, "console=ttyS0 quiet");
        g_assert_cmphex(fdt_u64(fdt, chosen, "linux,initrd-start"), ==, c->start);
        g_assert_cmphex(fdt_u64(fdt, chosen, "linux,initrd-end"), ==, c->start + c->initrd);
        gboolean placed = FALSE;
        for (guint i = 0; i < boot->blobs->len; i++) {
            const CfgBootBlob *b = &g_array_index(boot->blobs, CfgBootBlob, i);
            if (strcmp(b->what, "initrd") == 0) {
                g_assert_cmphex(b->paddr, ==, c->start);
                g_assert_cmpuint(b->file_size, ==, c->initrd);
                placed = TRUE;
            }
        }
        g_assert_true(placed);
    }
    g_unlink(bios);
    g_unlink(kernel);
    g_unlink(initrd);
    g_unlink(conf);
    g_rmdir(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *path = g_strdup_printf("/boot/plan/%s", cases[i].name);
        g_test_add_data_func(path, &cases[i], test_case);
    }
    for (guint i = 0; i < G_N_ELEMENTS(initrd_cases); i++) {
        g_autofree char *path = g_strdup_printf("/boot/initrd/%u", i);
        g_test_add_data_func(path, &initrd_cases[i], test_initrd);
    }
    return g_test_run();
}
