/* SPDX-License-Identifier: MIT */
/* SHOAL_PERF_MAP=1: every compiled block named in /tmp/perf-<pid>.map
 * ("guest:ffffffff80063830", the guest pc it runs, which a System.map or
 * `nm` of the guest names). perf reads such maps only for anonymous memory
 * and the code buffer is a memfd mapping, so `perf report` alone shows the
 * samples as offsets in memfd:shoal-code; bench/profile reads the map
 * itself. A buffer flush reuses addresses: the last name given to an
 * address wins, close enough for a profile. One write per block: it slows
 * translation-heavy runs (bench/profile --no-map measures without it). */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "tcg/internal.h"

static int perf_map_fd = -1;

static void open_map(void)
{
    const char *on = g_getenv("SHOAL_PERF_MAP");
    if (on != NULL && *on != '\0' && *on != '0') {
        char path[64];
        g_snprintf(path, sizeof path, "/tmp/perf-%d.map", (int)getpid());
        perf_map_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
        if (perf_map_fd < 0)
            g_warning("SHOAL_PERF_MAP: cannot write %s: %s", path, g_strerror(errno));
    }
}

/* pthread_once rather than g_once_init_enter: ThreadSanitizer sees its
 * ordering, not that of GLib's uninstrumented half. */
static int map_fd(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, open_map);
    return perf_map_fd;
}

void tcg_perf_map_block(const TcgBlock *tb)
{
    int fd = map_fd();
    if (fd < 0)
        return;
    char line[80];
    int n = g_snprintf(line, sizeof line, "%" G_GINT64_MODIFIER "x %x guest:%" G_GINT64_MODIFIER
                       "x\n", (guint64)(guintptr)tb->code, tb->code_size, tb->pc);
    /* One write per line: O_APPEND keeps the harts' lines whole. */
    if (write(fd, line, (size_t)n) != n)
        g_warning_once("SHOAL_PERF_MAP: short write");
}
