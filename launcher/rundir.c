/* SPDX-License-Identifier: MIT */
/* The private run directory: 0700, so only this user's processes can reach
 * the machine's ipc:// sockets, and removed with everything in it when the
 * machine stops, so no stale socket is left behind. */
#include "launcher/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

char *launcher_run_dir_create(GError **error)
{
    const char *base = g_getenv("XDG_RUNTIME_DIR");
    g_autofree char *tmpl = NULL;
    struct stat st;

    if (base == NULL || !g_path_is_absolute(base) || stat(base, &st) != 0 || !S_ISDIR(st.st_mode) ||
        access(base, W_OK | X_OK) != 0) {
        base = "/tmp";
    }
    tmpl = g_build_filename(base, "shoal-XXXXXX", NULL);
    if (mkdtemp(tmpl) == NULL) { /* mkdtemp creates it 0700 */
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
                    "cannot create a run directory in %s: %s", base, g_strerror(errno));
        return NULL;
    }
    return g_steal_pointer(&tmpl);
}

static void remove_tree(const char *path)
{
    g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
    const char *name;

    while (dir && (name = g_dir_read_name(dir)) != NULL) {
        g_autofree char *child = g_build_filename(path, name, NULL);
        struct stat st;
        if (lstat(child, &st) == 0 && S_ISDIR(st.st_mode)) {
            remove_tree(child);
        } else if (unlink(child) != 0) {
            g_warning("cannot remove %s: %s", child, g_strerror(errno));
        }
    }
    if (rmdir(path) != 0 && errno != ENOENT) {
        g_warning("cannot remove %s: %s", path, g_strerror(errno));
    }
}

void launcher_run_dir_remove(const char *dir)
{
    if (dir) {
        remove_tree(dir);
    }
}
