/* SPDX-License-Identifier: MIT */
/* The snapshot file format: one machine's state in one file, written in a
 * single sequential pass and read back checked, because a file that comes
 * back is untrusted input like a socket's bytes.
 *
 *   offset  size  field (little-endian, byte by byte: no struct dumps)
 *   ------  ----  -----------------------------------------------------
 *        0     8  magic "SHOALSNP"
 *        8     4  format version, IC_SNAPSHOT_VERSION
 *       12     4  header length (HEADER_LEN; a reader skips what follows
 *                 the fields it knows, so fields can be added at the end)
 *       16     8  meta offset (the writer's: the header length)
 *       24     8  meta length, at most META_MAX
 *       32     8  RAM offset: past the meta, IC_PAGE_SIZE-aligned
 *       40     8  RAM size (= SnapshotMeta.ram_size)
 *       48     8  checksum of the meta bytes
 *       56     8  checksum of RAM
 *   meta offset   a packed shoal.v1.SnapshotMeta: the board, harts, devices
 *   RAM offset    RAM, RAM size bytes; a page of zeros is a hole
 *
 * RAM is page-aligned in the file so that a page of zeros can be left as a
 * hole (most of a guest's RAM is zeros: a 128 MiB machine saves in a few
 * MiB of disk) and so read back at file-system block boundaries. The meta
 * is a protobuf message so that fields can be added without a new format
 * version. The checksums are ours (hash_bytes) and catch a flipped byte
 * and a hole where data belonged; they do not stop a forger. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "interconnect/snapshot.h"

G_DEFINE_QUARK(shoal-ic-snapshot-error-quark, ic_snapshot_error)

#define MAGIC "SHOALSNP"
#define MAGIC_LEN 8
#define HEADER_LEN 64
/* Bounds the reader's allocation: a meta holds registers and device state,
 * kilobytes even for IC_MAX_HARTS harts. */
#define META_MAX (G_GUINT64_CONSTANT(64) << 20)
/* Pages gathered before one pwrite: big enough that system calls cost
 * nothing next to the copying, small enough to stay in the cache. */
#define RUN_PAGES 256

/* The header's fields, in the table's order. */
typedef struct {
    guint32 version;
    guint32 header_len;
    guint64 meta_offset, meta_len;
    guint64 ram_offset, ram_size;
    guint64 meta_checksum, ram_checksum;
} Header;

struct IcSnapshot {
    char *path;                     /* for messages */
    int fd;                         /* open for reading */
    Shoal__V1__SnapshotMeta *meta;  /* unpacked and checked (owned) */
    guint64 ram_offset, ram_size;   /* from the checked header */
    guint64 ram_checksum;
};

/* ---- Checksums ---------------------------------------------------------- */

/* One step: multiply by an odd constant, then xor-shift. Both are
 * bijections, so for fixed other words a changed word always changes the
 * result: any one corrupted word is caught, not just probably. */
#define HASH_MUL G_GUINT64_CONSTANT(0x9e3779b97f4a7c15)
/* Arbitrary, but different: the meta, RAM and a zero page never hash alike. */
#define HASH_SEED_META G_GUINT64_CONSTANT(0x534e4c414f4853)
#define HASH_SEED_RAM G_GUINT64_CONSTANT(0x4d4152534e4c41)
#define HASH_ZERO_PAGE G_GUINT64_CONSTANT(0x7a65726f70616765)

static inline guint64 mix(guint64 h, guint64 word)
{
    h = (h ^ word) * HASH_MUL;
    return h ^ (h >> 32);
}

static inline guint64 load_le64(const guint8 *p)
{
    guint64 w;
    memcpy(&w, p, sizeof w);
    return GUINT64_FROM_LE(w);
}

/* Four independent lanes keep four multiplies in flight: a whole page
 * hashes at several GB/s. */
static guint64 hash_bytes(guint64 seed, const guint8 *p, gsize len)
{
    guint64 lane[4] = { seed, seed + 1, seed + 2, seed + 3 };
    gsize i = 0;
    for (; i + 32 <= len; i += 32) {
        for (guint l = 0; l < 4; l++)
            lane[l] = mix(lane[l], load_le64(p + i + 8 * l));
    }
    guint64 h = mix(seed, len);
    for (guint l = 0; l < 4; l++)
        h = mix(h, lane[l]);
    for (; i + 8 <= len; i += 8)
        h = mix(h, load_le64(p + i));
    if (i < len) {
        guint8 tail[8] = { 0 };
        memcpy(tail, p + i, len - i);
        h = mix(h, load_le64(tail));
    }
    return h;
}

static gboolean page_is_zero(const guint8 *page)
{
    for (guint i = 0; i < IC_PAGE_SIZE; i += 64) {
        guint64 any = 0;
        for (guint j = 0; j < 64; j += 8)
            any |= load_le64(page + i + j);
        if (any)
            return FALSE;
    }
    return TRUE;
}

/* A page's part of the RAM checksum, seeded with its index so that pages
 * swapped are caught. A page of zeros costs only the look that finds it
 * zero, yet has its own value: a hole where data was written changes it. */
static guint64 page_digest(guint64 index, const guint8 *page, gboolean *zero)
{
    *zero = page_is_zero(page);
    if (*zero)
        return mix(HASH_ZERO_PAGE, index);
    return hash_bytes(HASH_SEED_RAM ^ index, page, IC_PAGE_SIZE);
}

/* ---- Header ------------------------------------------------------------- */

static void put_le32(guint8 *p, guint32 v)
{
    for (guint i = 0; i < 4; i++)
        p[i] = (guint8)(v >> (8 * i));
}

static void put_le64(guint8 *p, guint64 v)
{
    for (guint i = 0; i < 8; i++)
        p[i] = (guint8)(v >> (8 * i));
}

static guint32 get_le32(const guint8 *p)
{
    guint32 v = 0;
    for (guint i = 0; i < 4; i++)
        v |= (guint32)p[i] << (8 * i);
    return v;
}

static guint64 get_le64(const guint8 *p)
{
    guint64 v = 0;
    for (guint i = 0; i < 8; i++)
        v |= (guint64)p[i] << (8 * i);
    return v;
}

static void header_encode(const Header *h, guint8 out[HEADER_LEN])
{
    memcpy(out, MAGIC, MAGIC_LEN);
    put_le32(out + 8, h->version);
    put_le32(out + 12, h->header_len);
    put_le64(out + 16, h->meta_offset);
    put_le64(out + 24, h->meta_len);
    put_le64(out + 32, h->ram_offset);
    put_le64(out + 40, h->ram_size);
    put_le64(out + 48, h->meta_checksum);
    put_le64(out + 56, h->ram_checksum);
}

static void header_decode(const guint8 in[HEADER_LEN], Header *h)
{
    h->version = get_le32(in + 8);
    h->header_len = get_le32(in + 12);
    h->meta_offset = get_le64(in + 16);
    h->meta_len = get_le64(in + 24);
    h->ram_offset = get_le64(in + 32);
    h->ram_size = get_le64(in + 40);
    h->meta_checksum = get_le64(in + 48);
    h->ram_checksum = get_le64(in + 56);
}

/* Why a header cannot be right, or NULL: every offset and length is
 * checked before it is used, sums for overflow first. */
static char *header_fault(const Header *h)
{
    if (h->header_len < HEADER_LEN)
        return g_strdup_printf("its length %u is under %u", h->header_len, HEADER_LEN);
    if (h->meta_offset < h->header_len)
        return g_strdup_printf("the meta at 0x%" G_GINT64_MODIFIER "x overlaps the header",
                               h->meta_offset);
    if (h->meta_len > META_MAX)
        return g_strdup_printf("a meta of %" G_GUINT64_FORMAT " bytes, over the %" G_GUINT64_FORMAT
                               " MiB limit", h->meta_len, META_MAX >> 20);
    if (h->meta_offset > G_MAXUINT64 - h->meta_len ||
        h->ram_offset < h->meta_offset + h->meta_len)
        return g_strdup_printf("the meta at 0x%" G_GINT64_MODIFIER "x+0x%" G_GINT64_MODIFIER
                               "x overlaps RAM at 0x%" G_GINT64_MODIFIER "x",
                               h->meta_offset, h->meta_len, h->ram_offset);
    if (h->ram_offset % IC_PAGE_SIZE != 0)
        return g_strdup_printf("RAM at 0x%" G_GINT64_MODIFIER "x is not page-aligned",
                               h->ram_offset);
    if (h->ram_size == 0 || h->ram_size % IC_PAGE_SIZE != 0)
        return g_strdup_printf("a RAM size of 0x%" G_GINT64_MODIFIER "x, not a non-zero "
                               "multiple of %u", h->ram_size, IC_PAGE_SIZE);
    if (h->ram_size > (guint64)G_MAXINT64 || h->ram_offset > (guint64)G_MAXINT64 - h->ram_size)
        return g_strdup_printf("RAM at 0x%" G_GINT64_MODIFIER "x+0x%" G_GINT64_MODIFIER
                               "x ends past any file", h->ram_offset, h->ram_size);
    return NULL;
}

/* Why @meta breaks the rules of snapshot.h, or NULL. The writer and the
 * reader both ask, so no file is written that cannot be read back. */
static char *meta_fault(const Shoal__V1__SnapshotMeta *meta)
{
    if (meta->ram_size == 0 || meta->ram_size % IC_PAGE_SIZE != 0)
        return g_strdup_printf("ram_size 0x%" G_GINT64_MODIFIER "x is not a non-zero multiple "
                               "of %u", meta->ram_size, IC_PAGE_SIZE);
    if (meta->ram_base % IC_PAGE_SIZE != 0 || meta->ram_base + meta->ram_size - 1 < meta->ram_base)
        return g_strdup_printf("RAM at 0x%" G_GINT64_MODIFIER "x+0x%" G_GINT64_MODIFIER
                               "x is not page-aligned or wraps", meta->ram_base,
                               meta->ram_size);
    if (meta->hart_count == 0 || meta->hart_count > IC_MAX_HARTS)
        return g_strdup_printf("hart_count %u is not 1..%u", meta->hart_count, IC_MAX_HARTS);
    if (meta->n_harts != meta->hart_count)
        return g_strdup_printf("%zu hart states for %u harts", meta->n_harts, meta->hart_count);
    for (guint i = 0; i < meta->n_harts; i++) {
        if (meta->harts[i]->hart != i)
            return g_strdup_printf("hart state %u is hart %u's", i, meta->harts[i]->hart);
    }
    return NULL;
}

/* ---- Writing ------------------------------------------------------------ */

static gboolean pwrite_all(int fd, const guint8 *buf, gsize len, guint64 offset)
{
    while (len > 0) {
        ssize_t n = pwrite(fd, buf, len, (off_t)offset);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = ENOSPC;
            return FALSE;
        }
        buf += n;
        len -= (gsize)n;
        offset += (guint64)n;
    }
    return TRUE;
}

/* Consecutive pages that are not zero, copied together for one pwrite. */
typedef struct {
    int fd;
    guint64 ram_offset; /* where RAM starts in the file */
    guint8 *buf;        /* RUN_PAGES pages */
    guint64 first;      /* index of the page in buf[0] */
    guint n;            /* pages in buf */
} Run;

static gboolean run_flush(Run *run)
{
    gboolean ok = pwrite_all(run->fd, run->buf, (gsize)run->n * IC_PAGE_SIZE,
                             run->ram_offset + run->first * IC_PAGE_SIZE);
    run->n = 0;
    return ok;
}

/* Writes the RAM pages that are not zero (pwrite at their offsets leaves
 * the zero pages as holes) and returns the RAM checksum in *@checksum. */
static gboolean write_ram(int fd, guint64 ram_offset, guint64 n_pages, IcSnapshotPageFn page_fn,
                          gpointer opaque, guint64 *checksum, guint64 *data_pages)
{
    g_autofree guint8 *buf = g_malloc((gsize)RUN_PAGES * IC_PAGE_SIZE);
    Run run = { .fd = fd, .ram_offset = ram_offset, .buf = buf };
    guint64 h = mix(HASH_SEED_RAM, n_pages);
    *data_pages = 0;
    for (guint64 i = 0; i < n_pages; i++) {
        const guint8 *page = page_fn(opaque, i);
        g_assert(page != NULL);
        gboolean zero;
        h = mix(h, page_digest(i, page, &zero));
        if (zero) {
            if (run.n > 0 && !run_flush(&run))
                return FALSE;
            continue;
        }
        if (run.n == 0)
            run.first = i;
        memcpy(run.buf + (gsize)run.n * IC_PAGE_SIZE, page, IC_PAGE_SIZE);
        (*data_pages)++;
        if (++run.n == RUN_PAGES && !run_flush(&run))
            return FALSE;
    }
    if (run.n > 0 && !run_flush(&run))
        return FALSE;
    *checksum = h;
    return TRUE;
}

static gboolean write_file(int fd, const Shoal__V1__SnapshotMeta *meta, IcSnapshotPageFn page_fn,
                           gpointer opaque, IcSnapshotStats *stats)
{
    Header h = { .version = IC_SNAPSHOT_VERSION, .header_len = HEADER_LEN,
                 .meta_offset = HEADER_LEN, .ram_size = meta->ram_size };
    h.meta_len = shoal__v1__snapshot_meta__get_packed_size(meta);
    g_autofree guint8 *packed = g_malloc(h.meta_len ? h.meta_len : 1);
    gsize done = shoal__v1__snapshot_meta__pack(meta, packed);
    g_assert_cmpuint(done, ==, h.meta_len);
    h.meta_checksum = hash_bytes(HASH_SEED_META, packed, h.meta_len);
    h.ram_offset = (HEADER_LEN + h.meta_len + IC_PAGE_SIZE - 1) / IC_PAGE_SIZE * IC_PAGE_SIZE;

    guint64 data_pages;
    guint8 header[HEADER_LEN];
    /* The meta, RAM, then the header, once the RAM checksum is known. */
    if (!pwrite_all(fd, packed, h.meta_len, h.meta_offset) ||
        !write_ram(fd, h.ram_offset, h.ram_size / IC_PAGE_SIZE, page_fn, opaque,
                   &h.ram_checksum, &data_pages))
        return FALSE;
    header_encode(&h, header);
    /* ftruncate gives the file its length when RAM ends in holes. */
    if (!pwrite_all(fd, header, HEADER_LEN, 0) ||
        ftruncate(fd, (off_t)(h.ram_offset + h.ram_size)) != 0)
        return FALSE;
    stats->file_bytes = h.ram_offset + h.ram_size;
    stats->data_bytes = HEADER_LEN + h.meta_len + data_pages * IC_PAGE_SIZE;
    return TRUE;
}

gboolean ic_snapshot_write(const char *path, const Shoal__V1__SnapshotMeta *meta,
                           IcSnapshotPageFn page, gpointer opaque, IcSnapshotStats *stats,
                           GError **error)
{
    g_autofree char *fault = meta_fault(meta);
    if (fault) {
        g_set_error(error, IC_SNAPSHOT_ERROR, IC_SNAPSHOT_ERROR_INVALID,
                    "cannot save snapshot %s: the meta's %s", path, fault);
        return FALSE;
    }
    if (shoal__v1__snapshot_meta__get_packed_size(meta) > META_MAX) {
        g_set_error(error, IC_SNAPSHOT_ERROR, IC_SNAPSHOT_ERROR_INVALID,
                    "cannot save snapshot %s: the meta is over %" G_GUINT64_FORMAT " MiB", path,
                    META_MAX >> 20);
        return FALSE;
    }
    /* Beside the target, so the rename stays in one file system; the name
     * appears only once the file is whole. */
    g_autofree char *tmp = g_strdup_printf("%s.XXXXXX", path);
    int fd = g_mkstemp_full(tmp, O_RDWR | O_CLOEXEC, 0666);
    if (fd < 0) {
        int err = errno;
        g_set_error(error, IC_SNAPSHOT_ERROR, IC_SNAPSHOT_ERROR_IO,
                    "cannot save snapshot %s: %s", path, g_strerror(err));
        return FALSE;
    }
    IcSnapshotStats unused;
    /* No fsync: the machine is held while this runs, and flushing 128 MiB
     * to a slow disk can take seconds; write-back is the kernel's job. */
    gboolean ok = write_file(fd, meta, page, opaque, stats ? stats : &unused);
    int err = errno; /* of the call that failed, before close and unlink touch it */
    if (close(fd) != 0 && ok) {
        ok = FALSE;
        err = errno;
    }
    if (ok && rename(tmp, path) != 0) {
        ok = FALSE;
        err = errno;
    }
    if (!ok) {
        unlink(tmp);
        g_set_error(error, IC_SNAPSHOT_ERROR, IC_SNAPSHOT_ERROR_IO,
                    "cannot save snapshot %s: %s", path, g_strerror(err));
    }
    return ok;
}

/* ---- Reading ------------------------------------------------------------ */

/* FALSE with errno set on failure; a read past the end is ENODATA. */
static gboolean pread_all(int fd, guint8 *buf, gsize len, guint64 offset)
{
    while (len > 0) {
        ssize_t n = pread(fd, buf, len, (off_t)offset);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = ENODATA;
            return FALSE;
        }
        buf += n;
        len -= (gsize)n;
        offset += (guint64)n;
    }
    return TRUE;
}

static void *fail_read(const char *path, GError **error)
{
    int err = errno;
    if (err == ENODATA) {
        g_set_error(error, IC_SNAPSHOT_ERROR, IC_SNAPSHOT_ERROR_TRUNCATED,
                    "%s: truncated (it shrank while being read)", path);
    } else {
        g_set_error(error, IC_SNAPSHOT_ERROR, IC_SNAPSHOT_ERROR_IO,
                    "cannot read snapshot %s: %s", path, g_strerror(err));
    }
    return NULL;
}

/* Reads and checks the header; FALSE + error naming @path. */
static gboolean read_header(int fd, const char *path, guint64 file_size, Header *h,
                            GError **error)
{
    guint8 raw[HEADER_LEN];
    gsize have = (gsize)MIN(file_size, (guint64)HEADER_LEN);
    if (!pread_all(fd, raw, have, 0)) {
        fail_read(path, error);
        return FALSE;
    }
    if (have < MAGIC_LEN || memcmp(raw, MAGIC, MAGIC_LEN) != 0) {
        g_set_error(error, IC_SNAPSHOT_ERROR, IC_SNAPSHOT_ERROR_FOREIGN,
                    "%s: not a shoal snapshot (it does not start with \"" MAGIC "\")", path);
        return FALSE;
    }
    if (have >= 12 && get_le32(raw + 8) != IC_SNAPSHOT_VERSION) {
        g_set_error(error, IC_SNAPSHOT_ERROR, IC_SNAPSHOT_ERROR_VERSION,
                    "%s: snapshot format version %u (this shoal reads %u)", path,
                    get_le32(raw + 8), IC_SNAPSHOT_VERSION);
        return FALSE;
    }
    if (have < HEADER_LEN) {
        g_set_error(error, IC_SNAPSHOT_ERROR, IC_SNAPSHOT_ERROR_TRUNCATED,
                    "%s: truncated: %" G_GUINT64_FORMAT " bytes, shorter than the %u-byte "
                    "header", path, file_size, HEADER_LEN);
        return FALSE;
    }
    header_decode(raw, h);
    g_autofree char *fault = header_fault(h);
    if (fault) {
        g_set_error(error, IC_SNAPSHOT_ERROR, IC_SNAPSHOT_ERROR_HEADER,
                    "%s: header corrupt (%s)", path, fault);
        return FALSE;
    }
    if (file_size < h->ram_offset + h->ram_size) {
        g_set_error(error, IC_SNAPSHOT_ERROR, IC_SNAPSHOT_ERROR_TRUNCATED,
                    "%s: truncated: %" G_GUINT64_FORMAT " bytes, the header says %"
                    G_GUINT64_FORMAT, path, file_size, h->ram_offset + h->ram_size);
        return FALSE;
    }
    return TRUE;
}

static Shoal__V1__SnapshotMeta *read_meta(int fd, const char *path, const Header *h,
                                          GError **error)
{
    g_autofree guint8 *packed = g_try_malloc(h->meta_len ? h->meta_len : 1);
    if (!packed) {
        g_set_error(error, IC_SNAPSHOT_ERROR, IC_SNAPSHOT_ERROR_IO,
                    "cannot read snapshot %s: no memory for its %" G_GUINT64_FORMAT
                    "-byte meta", path, h->meta_len);
        return NULL;
    }
    if (!pread_all(fd, packed, h->meta_len, h->meta_offset))
        return fail_read(path, error);
    if (hash_bytes(HASH_SEED_META, packed, h->meta_len) != h->meta_checksum) {
        g_set_error(error, IC_SNAPSHOT_ERROR, IC_SNAPSHOT_ERROR_META,
                    "%s: meta corrupt (checksum mismatch)", path);
        return NULL;
    }
    Shoal__V1__SnapshotMeta *meta = shoal__v1__snapshot_meta__unpack(NULL, h->meta_len, packed);
    if (!meta) {
        g_set_error(error, IC_SNAPSHOT_ERROR, IC_SNAPSHOT_ERROR_META,
                    "%s: meta corrupt (not a SnapshotMeta message)", path);
        return NULL;
    }
    g_autofree char *fault = ic_message_has_unknown_fields(&meta->base)
                                 ? g_strdup("fields this shoal does not define")
                                 : meta_fault(meta);
    if (!fault && meta->ram_size != h->ram_size)
        fault = g_strdup_printf("ram_size 0x%" G_GINT64_MODIFIER "x, the header's 0x%"
                                G_GINT64_MODIFIER "x", meta->ram_size, h->ram_size);
    if (fault) {
        g_set_error(error, IC_SNAPSHOT_ERROR, IC_SNAPSHOT_ERROR_META,
                    "%s: meta corrupt (%s)", path, fault);
        shoal__v1__snapshot_meta__free_unpacked(meta, NULL);
        return NULL;
    }
    return meta;
}

IcSnapshot *ic_snapshot_open(const char *path, GError **error)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fail_read(path, error);
    g_autoptr(IcSnapshot) snap = g_new0(IcSnapshot, 1);
    snap->path = g_strdup(path);
    snap->fd = fd;
    struct stat st;
    if (fstat(fd, &st) != 0)
        return fail_read(path, error);
    if (!S_ISREG(st.st_mode)) {
        g_set_error(error, IC_SNAPSHOT_ERROR, IC_SNAPSHOT_ERROR_FOREIGN,
                    "%s: not a shoal snapshot (not a regular file)", path);
        return NULL;
    }
    Header h;
    if (!read_header(fd, path, (guint64)st.st_size, &h, error))
        return NULL;
    snap->meta = read_meta(fd, path, &h, error);
    if (!snap->meta)
        return NULL;
    snap->ram_offset = h.ram_offset;
    snap->ram_size = h.ram_size;
    snap->ram_checksum = h.ram_checksum;
    return g_steal_pointer(&snap);
}

const Shoal__V1__SnapshotMeta *ic_snapshot_meta(const IcSnapshot *snap)
{
    return snap->meta;
}

void ic_snapshot_close(IcSnapshot *snap)
{
    if (!snap)
        return;
    if (snap->meta)
        shoal__v1__snapshot_meta__free_unpacked(snap->meta, NULL);
    if (snap->fd >= 0)
        close(snap->fd);
    g_free(snap->path);
    g_free(snap);
}

static void zero_pages(guint8 *ram, guint64 from, guint64 to)
{
    for (guint64 off = from; off < to; off += IC_PAGE_SIZE) {
        if (!page_is_zero(ram + off))
            memset(ram + off, 0, IC_PAGE_SIZE);
    }
}

/* Copies the file's data extents into @ram and zeroes the holes between
 * them (SEEK_DATA/SEEK_HOLE; a file system without holes reports all of
 * it as data). Extents are widened to whole pages. */
static gboolean read_extents(IcSnapshot *snap, guint8 *ram, GError **error)
{
    const guint64 start = snap->ram_offset, end = start + snap->ram_size;
    guint64 pos = start;
    while (pos < end) {
        off_t data = lseek(snap->fd, (off_t)pos, SEEK_DATA);
        if (data < 0 && errno != ENXIO) {
            fail_read(snap->path, error);
            return FALSE;
        }
        guint64 data_start = data < 0 ? end : MIN(end, (guint64)data / IC_PAGE_SIZE * IC_PAGE_SIZE);
        data_start = MAX(data_start, pos);
        zero_pages(ram, pos - start, data_start - start);
        if (data_start == end)
            break;
        off_t hole = lseek(snap->fd, (off_t)data_start, SEEK_HOLE);
        if (hole < 0) {
            fail_read(snap->path, error);
            return FALSE;
        }
        guint64 data_end = ((guint64)hole + IC_PAGE_SIZE - 1) / IC_PAGE_SIZE * IC_PAGE_SIZE;
        data_end = MIN(end, MAX(data_end, data_start + IC_PAGE_SIZE));
        if (!pread_all(snap->fd, ram + (data_start - start), (gsize)(data_end - data_start),
                       data_start)) {
            fail_read(snap->path, error);
            return FALSE;
        }
        pos = data_end;
    }
    return TRUE;
}

gboolean ic_snapshot_read_ram(IcSnapshot *snap, guint8 *ram, guint64 size, GError **error)
{
    if (size != snap->ram_size) {
        g_set_error(error, IC_SNAPSHOT_ERROR, IC_SNAPSHOT_ERROR_MISMATCH,
                    "%s: its RAM size 0x%" G_GINT64_MODIFIER "x differs from the machine's 0x%"
                    G_GINT64_MODIFIER "x", snap->path, snap->ram_size, size);
        return FALSE;
    }
    if (!read_extents(snap, ram, error))
        return FALSE;
    guint64 n_pages = size / IC_PAGE_SIZE;
    guint64 h = mix(HASH_SEED_RAM, n_pages);
    for (guint64 i = 0; i < n_pages; i++) {
        gboolean zero;
        h = mix(h, page_digest(i, ram + i * IC_PAGE_SIZE, &zero));
    }
    if (h != snap->ram_checksum) {
        g_set_error(error, IC_SNAPSHOT_ERROR, IC_SNAPSHOT_ERROR_RAM,
                    "%s: RAM corrupt (checksum mismatch)", snap->path);
        return FALSE;
    }
    return TRUE;
}

/* ---- Does it fit the machine? ------------------------------------------- */

static gint by_base(gconstpointer a, gconstpointer b)
{
    const CfgDevice *da = *(const CfgDevice *const *)a, *db = *(const CfgDevice *const *)b;
    return da->base < db->base ? -1 : da->base > db->base;
}

char *ic_snapshot_board(const CfgMachine *machine)
{
    /* Space-separated tokens without spaces inside, so that a mismatch can
     * be named by the first token that differs. Devices by address: two
     * configs listing the same devices in another order describe one board. */
    GString *board = g_string_new(NULL);
    g_string_append_printf(board, "harts=%u ram=0x%" G_GINT64_MODIFIER "x+0x%" G_GINT64_MODIFIER
                           "x timebase=%" G_GUINT64_FORMAT, machine->n_harts, machine->ram_base,
                           machine->ram_size, machine->timebase_hz);
    g_autoptr(GPtrArray) devices = g_ptr_array_sized_new(machine->n_devices);
    for (guint i = 0; i < machine->n_devices; i++)
        g_ptr_array_add(devices, &machine->devices[i]);
    g_ptr_array_sort(devices, by_base);
    for (guint i = 0; i < devices->len; i++) {
        const CfgDevice *d = devices->pdata[i];
        g_string_append_printf(board, " %s:%s@0x%" G_GINT64_MODIFIER "x+0x%" G_GINT64_MODIFIER "x",
                               d->name, cfg_device_type_name(d->type), d->base, d->size);
        if (d->irq >= 0)
            g_string_append_printf(board, "/irq%d", d->irq);
    }
    return g_string_free(board, FALSE);
}

static char *format_bytes(guint64 bytes)
{
    if (bytes % (1u << 20) == 0)
        return g_strdup_printf("%" G_GUINT64_FORMAT " MiB", bytes >> 20);
    return g_strdup_printf("0x%" G_GINT64_MODIFIER "x bytes", bytes);
}

/* The first difference between the snapshot's board @saved and @machine's
 * @board, in words. */
static char *board_difference(const Shoal__V1__SnapshotMeta *saved, const char *board,
                              const CfgMachine *machine)
{
    if (saved->hart_count != machine->n_harts)
        return g_strdup_printf("it has %u harts, the config %u", saved->hart_count,
                               machine->n_harts);
    if (saved->ram_size != machine->ram_size) {
        g_autofree char *have = format_bytes(saved->ram_size);
        g_autofree char *want = format_bytes(machine->ram_size);
        return g_strdup_printf("it has %s of RAM, the config %s", have, want);
    }
    if (saved->ram_base != machine->ram_base)
        return g_strdup_printf("its RAM starts at 0x%" G_GINT64_MODIFIER "x, the config's at 0x%"
                               G_GINT64_MODIFIER "x", saved->ram_base, machine->ram_base);
    if (saved->timebase_hz != machine->timebase_hz)
        return g_strdup_printf("its timebase is %" G_GUINT64_FORMAT " Hz, the config's %"
                               G_GUINT64_FORMAT " Hz", saved->timebase_hz, machine->timebase_hz);
    g_auto(GStrv) have = g_strsplit(saved->board, " ", -1);
    g_auto(GStrv) want = g_strsplit(board, " ", -1);
    guint i = 0;
    while (have[i] && want[i] && strcmp(have[i], want[i]) == 0)
        i++;
    return g_strdup_printf("the device lists differ (it has %s, the config %s)",
                           have[i] ? have[i] : "no more", want[i] ? want[i] : "no more");
}

gboolean ic_snapshot_fits(const IcSnapshot *snap, const CfgMachine *machine, GError **error)
{
    const Shoal__V1__SnapshotMeta *meta = snap->meta;
    g_autofree char *board = ic_snapshot_board(machine);
    g_autofree char *why = NULL;
    if (strcmp(meta->board, board) != 0) {
        why = board_difference(meta, board, machine);
    } else if (meta->deterministic != machine->deterministic) {
        why = g_strdup_printf("it was saved in %s time, the config's [sysc] time-mode is %s",
                              meta->deterministic ? "deterministic" : "decoupled",
                              machine->deterministic ? "deterministic" : "decoupled");
    } else if (meta->deterministic && meta->quantum_ns != machine->sysc_quantum_ns) {
        /* Only deterministic time's quanta are part of the state (the
         * barrier the harts resume in); decoupled time's is a tolerance. */
        why = g_strdup_printf("its quantum is %" G_GUINT64_FORMAT " ns, the config's [sysc] "
                              "quantum-ns %" G_GUINT64_FORMAT, meta->quantum_ns,
                              machine->sysc_quantum_ns);
    }
    if (why) {
        g_set_error(error, IC_SNAPSHOT_ERROR, IC_SNAPSHOT_ERROR_MISMATCH,
                    "%s does not fit %s: %s", snap->path, machine->path, why);
        return FALSE;
    }
    return TRUE;
}
