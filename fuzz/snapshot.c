/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: a snapshot file as --restore is handed one, its
 * checksums made right, through the reader's checks
 * (interconnect/snapshot-file.c). ic_snapshot_open refuses it with an
 * error, or its meta keeps the rules of interconnect/snapshot.h; its RAM
 * then reads back or is refused with an error, and what reads back saves
 * to a file that reads back the same. */
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* The reader itself, not only its header: fix_checksums needs its
 * statics (the header layout, hash_bytes, page_digest). */
#include "interconnect/snapshot-file.c"

/* RAM the harness reads back at most; a header may claim up to 2^63 bytes
 * (whose file would be sparse), and reading that is not the reader's test. */
#define RAM_MAX (G_GUINT64_CONSTANT(1) << 20)

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

/* No mutation guesses a 64-bit hash: with the checksums as they came, the
 * fuzzer would never get past the first byte it changed in the meta or
 * RAM, and the meta's unpacking and checks (read_meta) would see only the
 * seeds. So both are recomputed, the reader's way, over what the header
 * points at where that lies inside @file; every other byte stays. The
 * mismatch errors are tests/unit/test-snapshot-file.c's to test. */
static void fix_checksums(guint8 *file, size_t size)
{
    if (size < HEADER_LEN || memcmp(file, MAGIC, MAGIC_LEN) != 0)
        return;
    Header h;
    header_decode(file, &h);
    if (h.meta_offset <= size && h.meta_len <= size - h.meta_offset)
        h.meta_checksum = hash_bytes(HASH_SEED_META, file + h.meta_offset, h.meta_len);
    if (h.ram_size % IC_PAGE_SIZE == 0 && h.ram_offset <= size &&
        h.ram_size <= size - h.ram_offset) {
        const guint64 n_pages = h.ram_size / IC_PAGE_SIZE;
        h.ram_checksum = mix(HASH_SEED_RAM, n_pages);
        for (guint64 i = 0; i < n_pages; i++) {
            gboolean zero;
            h.ram_checksum = mix(h.ram_checksum,
                                 page_digest(i, file + h.ram_offset + i * IC_PAGE_SIZE, &zero));
        }
    }
    header_encode(&h, file); /* the bytes it decoded from, but for the checksums */
}

/* The input as a file the reader opens by path: a memfd, through
 * /proc/self/fd, rewritten each run. Not fuzz/scratch.c's file, which
 * g_file_set_contents fsyncs on ext4 (800 runs a second instead of 10000).
 * Its pages of zeros become holes, as ic_snapshot_write leaves them, so
 * that the reader's SEEK_DATA/SEEK_HOLE walk (read_extents) meets files
 * like the ones it reads in use. */
static const char *input_file(const guint8 *data, size_t size)
{
    static const guint8 zero[IC_PAGE_SIZE];
    static int fd = -1;
    static char path[32];
    if (fd < 0) {
        fd = memfd_create("shoal-fuzz-snapshot", MFD_CLOEXEC);
        g_assert_cmpint(fd, >=, 0);
        g_snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    g_assert_cmpint(ftruncate(fd, 0), ==, 0);
    g_assert_cmpint(pwrite(fd, data, size, 0), ==, (ssize_t)size);
    for (size_t off = 0; off + IC_PAGE_SIZE <= size; off += IC_PAGE_SIZE) {
        if (memcmp(data + off, zero, IC_PAGE_SIZE) == 0)
            g_assert_cmpint(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off,
                                      IC_PAGE_SIZE), ==, 0);
    }
    return path;
}

/* A directory of this process's for the file the round trip saves. */
static const char *save_dir(void)
{
    static char *dir;
    if (!dir) {
        dir = g_dir_make_tmp("shoal-fuzz-XXXXXX", NULL);
        g_assert_nonnull(dir);
    }
    return dir;
}

static const guint8 *ram_page(gpointer opaque, guint64 index)
{
    return (const guint8 *)opaque + index * IC_PAGE_SIZE;
}

static GBytes *meta_pack(const Shoal__V1__SnapshotMeta *meta)
{
    gsize len = shoal__v1__snapshot_meta__get_packed_size(meta);
    guint8 *buf = g_malloc(len ? len : 1);
    g_assert_cmpuint(shoal__v1__snapshot_meta__pack(meta, buf), ==, len);
    return g_bytes_new_take(buf, len);
}


/* What ic_snapshot_read_ram accepted saves to a file that opens to the
 * same meta and reads back the same RAM. */
static void check_saves_again(const Shoal__V1__SnapshotMeta *meta, const guint8 *ram)
{
    g_autofree char *again_path = g_build_filename(save_dir(), "again.snap", NULL);
    g_autoptr(GError) error = NULL;
    g_assert_true(ic_snapshot_write(again_path, meta, ram_page, (gpointer)ram, NULL, &error));
    g_assert_no_error(error);
    g_autoptr(IcSnapshot) again = ic_snapshot_open(again_path, &error);
    g_assert_no_error(error);
    g_autoptr(GBytes) packed = meta_pack(meta);
    g_autoptr(GBytes) repacked = meta_pack(ic_snapshot_meta(again));
    g_assert_true(g_bytes_equal(packed, repacked));
    g_autofree guint8 *back = g_malloc0(meta->ram_size);
    g_assert_true(ic_snapshot_read_ram(again, back, meta->ram_size, &error));
    g_assert_no_error(error);
    g_assert_cmpmem(ram, meta->ram_size, back, meta->ram_size);
}

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
    g_autofree guint8 *file = g_memdup2(data, size);
    fix_checksums(file, size);
    g_autoptr(GError) error = NULL;
    g_autoptr(IcSnapshot) snap = ic_snapshot_open(input_file(file, size), &error);
    if (!snap) {
        g_assert_nonnull(error);
        return 0;
    }
    const Shoal__V1__SnapshotMeta *meta = ic_snapshot_meta(snap);
    g_assert_cmpuint(meta->ram_size, >, 0);
    g_assert_cmpuint(meta->ram_size % IC_PAGE_SIZE, ==, 0);
    g_assert_cmpuint(meta->ram_base % IC_PAGE_SIZE, ==, 0);
    g_assert_cmpuint(meta->ram_base + (meta->ram_size - 1), >=, meta->ram_base);
    g_assert_cmpuint(meta->hart_count, >=, 1);
    g_assert_cmpuint(meta->hart_count, <=, IC_MAX_HARTS);
    g_assert_cmpuint(meta->n_harts, ==, meta->hart_count);
    for (guint i = 0; i < meta->n_harts; i++)
        g_assert_cmpuint(meta->harts[i]->hart, ==, i);
    if (meta->ram_size > RAM_MAX)
        return 0;

    /* Half the pages garbage, half zeros: holes must zero the first and
     * may skip the second (snapshot.h). */
    g_autofree guint8 *ram = g_malloc(meta->ram_size);
    for (guint64 i = 0; i < meta->ram_size / IC_PAGE_SIZE; i++)
        memset(ram + i * IC_PAGE_SIZE, i % 2 ? 0xa5 : 0, IC_PAGE_SIZE);
    if (!ic_snapshot_read_ram(snap, ram, meta->ram_size, &error)) {
        g_assert_nonnull(error);
        return 0;
    }
    g_assert_false(ic_message_has_unknown_fields(&meta->base)); /* open refuses them */
    check_saves_again(meta, ram);
    return 0;
}
