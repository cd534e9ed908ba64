/* SPDX-License-Identifier: MIT */
/* The private run directory: 0700, so only this user's processes can reach
 * the machine's ipc:// sockets, and removed with everything in it when the
 * machine stops, so no stale socket is left behind. A launcher killed with
 * SIGKILL cannot remove it (its children die with it, PR_SET_PDEATHSIG):
 * each directory names its launcher in OWNER_FILE, and the next run
 * removes those whose launcher is gone. */
#include "launcher/internal.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define OWNER_FILE "launcher.pid"

static void remove_tree(const char *path);

/* Removes the run directories in @base whose launcher no longer runs: ours
 * (owner and mode), named as we name them, with an OWNER_FILE whose pid is
 * gone. A pid taken by another process since keeps the directory: never
 * remove what might be in use. */
static void remove_orphans(const char *base)
{
    g_autoptr(GDir) dir = g_dir_open(base, 0, NULL);
    const char *name;
    while (dir && (name = g_dir_read_name(dir)) != NULL) {
        if (!g_str_has_prefix(name, "shoal-") || strlen(name) != strlen("shoal-XXXXXX"))
            continue;
        g_autofree char *path = g_build_filename(base, name, NULL);
        g_autofree char *owner = g_build_filename(path, OWNER_FILE, NULL);
        g_autofree char *text = NULL;
        struct stat st;
        if (lstat(path, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != getuid() ||
            (st.st_mode & 0777) != 0700 || !g_file_get_contents(owner, &text, NULL, NULL))
            continue;
        gint64 pid = g_ascii_strtoll(text, NULL, 10);
        if (pid > 0 && pid <= G_MAXINT && kill((pid_t)pid, 0) != 0 && errno == ESRCH) {
            g_debug("removing %s: its launcher (pid %" G_GINT64_FORMAT ") is gone", path, pid);
            remove_tree(path);
        }
    }
}

char *launcher_run_dir_create(GError **error)
{
    const char *base = g_getenv("XDG_RUNTIME_DIR");
    g_autofree char *tmpl = NULL;
    struct stat st;

    if (base == NULL || !g_path_is_absolute(base) || stat(base, &st) != 0 || !S_ISDIR(st.st_mode) ||
        access(base, W_OK | X_OK) != 0) {
        base = "/tmp";
    }
    remove_orphans(base);
    tmpl = g_build_filename(base, "shoal-XXXXXX", NULL);
    if (mkdtemp(tmpl) == NULL) { /* mkdtemp creates it 0700 */
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
                    "cannot create a run directory in %s: %s", base, g_strerror(errno));
        return NULL;
    }
    g_autofree char *owner = g_build_filename(tmpl, OWNER_FILE, NULL);
    g_autofree char *pid = g_strdup_printf("%d\n", (int)getpid());
    if (!g_file_set_contents(owner, pid, -1, error)) {
        remove_tree(tmpl);
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
