/* SPDX-License-Identifier: MIT */
/* SHOAL_PERF_MAP=1: every compiled block named in /tmp/perf-<pid>.map, the
 * file `perf report` reads for code it cannot find in an ELF, so samples in
 * generated code show the guest pc they run ("guest:ffffffff80063830"),
 * which a System.map or `nm` of the guest names. A buffer flush reuses
 * addresses: perf keeps the last name given to an address, close enough
 * for a profile. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "tcg/internal.h"

static int map_fd(void)
{
    static gsize once;
    static int fd = -1;
    if (g_once_init_enter(&once)) {
        const char *on = g_getenv("SHOAL_PERF_MAP");
        if (on != NULL && *on != '\0' && *on != '0') {
            char path[64];
            g_snprintf(path, sizeof path, "/tmp/perf-%d.map", (int)getpid());
            fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
            if (fd < 0)
                g_warning("SHOAL_PERF_MAP: cannot write %s: %s", path, g_strerror(errno));
        }
        g_once_init_leave(&once, 1);
    }
    return fd;
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
