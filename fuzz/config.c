/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: a config file as a user (or anyone who can hand one to
 * shoal) writes it, through the loader with its checks (config/machine.c),
 * and for every machine it accepts, the device tree builder (config/fdt.c)
 * and the dump that must load back. Inputs that name other files (include,
 * images) are skipped: what they read is not the input. */
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "config/cfg.h"

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
    if (memmem(data, size, "include", 7) || memmem(data, size, "kernel", 6) ||
        memmem(data, size, "bios", 4) || memmem(data, size, "initrd", 6) ||
        memmem(data, size, "program", 7) || memmem(data, size, "key", 3))
        return 0;
    static char *path;
    if (!path) {
        g_autofree char *dir = g_dir_make_tmp("shoal-fuzz-XXXXXX", NULL);
        g_assert_nonnull(dir);
        path = g_build_filename(dir, "machine.conf", NULL);
    }
    g_assert_true(g_file_set_contents(path, (const char *)data, (gssize)size, NULL));
    g_autoptr(GError) error = NULL;
    g_autoptr(CfgMachine) m = cfg_machine_load(path, NULL, NULL, NULL, &error);
    if (!m) {
        g_assert_nonnull(error);
        return 0;
    }
    g_autoptr(GBytes) fdt = cfg_machine_build_fdt(m, 0, 0, &error);
    g_assert_no_error(error);
    g_assert_nonnull(fdt);
    return 0;
}
