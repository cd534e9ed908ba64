/* SPDX-License-Identifier: MIT */
/* A hart's code buffer: one memfd mapped twice, writable and executable,
 * so no page is ever writable and executable at once (W^X) while code can
 * still be patched in place for chaining. */
#include <sys/mman.h>
#include <unistd.h>

#include "tcg/jit.h"

gboolean tcg_code_buffer_init(TcgCodeBuffer *buf, gsize size, GError **error)
{
    int fd = memfd_create("shoal-code", MFD_CLOEXEC);
    if (fd < 0) {
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
                    "memfd_create for the code buffer: %s", g_strerror(errno));
        return FALSE;
    }
    if (ftruncate(fd, (off_t)size) < 0) {
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
                    "sizing the %zu-byte code buffer: %s", size, g_strerror(errno));
        close(fd);
        return FALSE;
    }
    void *rw = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    void *rx = rw == MAP_FAILED ? MAP_FAILED : mmap(NULL, size, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
    close(fd);
    if (rx == MAP_FAILED) {
        int err = errno;
        if (rw != MAP_FAILED) {
            munmap(rw, size);
        }
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err),
                    "mapping the code buffer: %s", g_strerror(err));
        return FALSE;
    }
    buf->rw = rw;
    buf->rx = rx;
    buf->size = size;
    buf->used = 0;
    return TRUE;
}

/* Pages made present per call: a few blocks' worth of a busy translator. */
#define PREPARE_CHUNK (256u << 10)

void tcg_code_buffer_prepare(TcgCodeBuffer *buf, gsize end)
{
    if (end <= buf->ready) {
        return;
    }
    gsize page = (gsize)sysconf(_SC_PAGESIZE);
    gsize to = MIN(buf->size, (MAX(end, buf->ready + PREPARE_CHUNK) + page - 1) & ~(page - 1));
    /* Kernels before 5.14 lack these: the pages then fault in as written
     * and run, as before. */
    madvise(buf->rw + buf->ready, to - buf->ready, MADV_POPULATE_WRITE);
    madvise(buf->rx + buf->ready, to - buf->ready, MADV_POPULATE_READ);
    buf->ready = to;
}

void tcg_code_buffer_destroy(TcgCodeBuffer *buf)
{
    if (buf->rw != NULL) {
        munmap(buf->rw, buf->size);
        munmap(buf->rx, buf->size);
    }
    *buf = (TcgCodeBuffer){ 0 };
}
