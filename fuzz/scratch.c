/* SPDX-License-Identifier: MIT */
/* The harnesses whose code under test reads a file: the input goes to a
 * file of its own in a private temporary directory, rewritten each run. */
#include "fuzz/scratch.h"

const char *fuzz_scratch_file(const char *name, const guint8 *data, size_t size)
{
    static char *path;
    if (!path) {
        g_autofree char *dir = g_dir_make_tmp("shoal-fuzz-XXXXXX", NULL);
        g_assert_nonnull(dir);
        path = g_build_filename(dir, name, NULL);
    }
    g_assert_true(g_file_set_contents(path, (const char *)data, (gssize)size, NULL));
    return path;
}
