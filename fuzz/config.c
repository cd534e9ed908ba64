/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: a config file as a user (or anyone who can hand one to
 * shoal) writes it, through the loader with its checks (config/machine.c),
 * and for every machine it accepts, the device tree builder (config/fdt.c)
 * and the dump that must load back. Inputs that name other files (include,
 * images) are skipped: what they read is not the input. */
#include <string.h>

#include "config/cfg.h"
#include "fuzz/scratch.h"

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
    if (memmem(data, size, "include", 7) || memmem(data, size, "kernel", 6) ||
        memmem(data, size, "bios", 4) || memmem(data, size, "initrd", 6) ||
        memmem(data, size, "program", 7) || memmem(data, size, "key", 3))
        return 0;
    const char *path = fuzz_scratch_file("machine.conf", data, size);

    g_autoptr(GError) error = NULL;
    g_autoptr(CfgMachine) m = cfg_machine_load(path, NULL, NULL, NULL, &error);
    if (!m) {
        g_assert_nonnull(error);
        return 0;
    }
    g_autoptr(GBytes) fdt = cfg_machine_build_fdt(m, 0, 0, &error);
    g_assert_no_error(error);
    g_assert_nonnull(fdt);
    /* `shoal run --dump-config` promises text that loads back. */
    g_autofree char *dump = cfg_machine_dump(path, NULL, NULL, NULL, &error);
    g_assert_no_error(error);
    path = fuzz_scratch_file("machine.conf", (const guint8 *)dump, strlen(dump));
    g_autoptr(CfgMachine) again = cfg_machine_load(path, NULL, NULL, NULL, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(again->n_harts, ==, m->n_harts);
    g_assert_cmpuint(again->ram_size, ==, m->ram_size);
    return 0;
}
