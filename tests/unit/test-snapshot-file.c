/* SPDX-License-Identifier: MIT */
/* interconnect/snapshot-file.c: a round trip of meta and RAM (zero pages as
 * holes), a table of damaged files walked by one function, every bit of
 * header and meta flipped, hostile headers, the writer's refusals, and
 * whether a snapshot fits the shipped virt configs. */
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "interconnect/snapshot.h"

#define PAGE IC_PAGE_SIZE
#define MAX_TEST_HARTS 4

/* ---- helpers ---- */

static CfgMachine *load(const char *name, const char *const *sets)
{
    const char *srcdir = g_getenv("SHOAL_SRCDIR");
    g_autofree char *path = g_build_filename(srcdir ? srcdir : ".", "configs", name, NULL);
    g_autoptr(GError) error = NULL;
    CfgMachine *m = cfg_machine_load(path, sets, NULL, NULL, &error);
    g_assert_no_error(error);
    return m;
}

/* A meta with every kind of field set, for @m's board and a RAM of
 * @ram_size bytes (the machine's, or smaller for quick tests). */
typedef struct {
    Shoal__V1__SnapshotMeta meta;
    Shoal__V1__HartState hart[MAX_TEST_HARTS], *harts[MAX_TEST_HARTS];
    Shoal__V1__HartField field[MAX_TEST_HARTS][2], *fields[MAX_TEST_HARTS][2];
    Shoal__V1__UartState uart;
    Shoal__V1__PlicState plic;
    guint32 priority[3];
    Shoal__V1__GpioState gpio, *gpios[1];
    char *board;
} TestMeta;

static void test_meta_init(TestMeta *t, const CfgMachine *m, guint64 ram_size)
{
    g_assert_cmpuint(m->n_harts, <=, MAX_TEST_HARTS);
    memset(t, 0, sizeof *t);
    t->meta = (Shoal__V1__SnapshotMeta)SHOAL__V1__SNAPSHOT_META__INIT;
    t->board = ic_snapshot_board(m);
    t->meta.board = t->board;
    t->meta.ram_base = m->ram_base;
    t->meta.ram_size = ram_size;
    t->meta.hart_count = m->n_harts;
    t->meta.timebase_hz = m->timebase_hz;
    t->meta.deterministic = m->deterministic;
    t->meta.quantum_ns = m->sysc_quantum_ns;
    for (guint i = 0; i < m->n_harts; i++) {
        t->hart[i] = (Shoal__V1__HartState)SHOAL__V1__HART_STATE__INIT;
        t->hart[i].hart = i;
        t->hart[i].mtimecmp = 1000 + i;
        for (guint f = 0; f < 2; f++) {
            t->field[i][f] = (Shoal__V1__HartField)SHOAL__V1__HART_FIELD__INIT;
            t->field[i][f].name = f ? "x5" : "pc";
            t->field[i][f].value = 0x80000000u + 16 * i + f;
            t->fields[i][f] = &t->field[i][f];
        }
        t->hart[i].n_fields = 2;
        t->hart[i].fields = t->fields[i];
        t->harts[i] = &t->hart[i];
    }
    t->meta.n_harts = m->n_harts;
    t->meta.harts = t->harts;
    t->meta.mtime = 123456789;
    t->meta.quantum = 42;
    t->meta.quantum_start_ns = 420000;
    t->uart = (Shoal__V1__UartState)SHOAL__V1__UART_STATE__INIT;
    t->uart.lcr = 3;
    t->uart.rx.data = (guint8 *)"typed";
    t->uart.rx.len = 5;
    t->meta.uart = &t->uart;
    t->plic = (Shoal__V1__PlicState)SHOAL__V1__PLIC_STATE__INIT;
    t->priority[1] = 7;
    t->plic.n_priority = G_N_ELEMENTS(t->priority);
    t->plic.priority = t->priority;
    t->meta.plic = &t->plic;
    t->gpio = (Shoal__V1__GpioState)SHOAL__V1__GPIO_STATE__INIT;
    t->gpio.device = "gpio0";
    t->gpio.output_val = 0x5;
    t->gpios[0] = &t->gpio;
    t->meta.n_gpios = 1;
    t->meta.gpios = t->gpios;
    t->meta.saved_from = "configs/virt-2x2.conf";
    t->meta.saved_at = 1700000000;
}

static void test_meta_clear(TestMeta *t)
{
    g_free(t->board);
}

/* Anonymous memory: untouched pages read as zero and cost nothing. */
static guint8 *ram_new(guint64 size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);
    g_assert_true(p != MAP_FAILED);
    return p;
}

static void ram_free(guint8 *ram, guint64 size)
{
    munmap(ram, size);
}

static void fill_page(guint8 *ram, guint64 index)
{
    for (guint i = 0; i < PAGE; i++)
        ram[index * PAGE + i] = (guint8)(index * 31 + i * 7 + 1);
}

static const guint8 *ram_page(gpointer opaque, guint64 index)
{
    return (const guint8 *)opaque + index * PAGE;
}

static char *dir_new(void)
{
    g_autoptr(GError) error = NULL;
    char *dir = g_dir_make_tmp("shoal-snapshot-XXXXXX", &error);
    g_assert_no_error(error);
    return dir;
}

static guint dir_count(const char *dir)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    guint n = 0;
    while (g_dir_read_name(d))
        n++;
    return n;
}

static void dir_remove(const char *dir)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;
    while ((name = g_dir_read_name(d))) {
        g_autofree char *path = g_build_filename(dir, name, NULL);
        if (g_file_test(path, G_FILE_TEST_IS_DIR))
            g_rmdir(path);
        else
            g_unlink(path);
    }
    g_rmdir(dir);
}

static void write_ok(const char *path, const Shoal__V1__SnapshotMeta *meta, const guint8 *ram,
                     IcSnapshotStats *stats)
{
    g_autoptr(GError) error = NULL;
    g_assert_true(ic_snapshot_write(path, meta, ram_page, (gpointer)ram, stats, &error));
    g_assert_no_error(error);
}

static guint64 file_size(const char *path)
{
    GStatBuf st;
    g_assert_cmpint(g_stat(path, &st), ==, 0);
    return (guint64)st.st_size;
}

static void file_patch(const char *path, guint64 offset, const void *bytes, gsize len)
{
    int fd = open(path, O_WRONLY);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(pwrite(fd, bytes, len, (off_t)offset), ==, (ssize_t)len);
    close(fd);
}

static guint8 file_byte(const char *path, guint64 offset)
{
    guint8 b = 0;
    int fd = open(path, O_RDONLY);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(pread(fd, &b, 1, (off_t)offset), ==, 1);
    close(fd);
    return b;
}

static void file_flip(const char *path, guint64 offset, guint8 bits)
{
    guint8 b = file_byte(path, offset) ^ bits;
    file_patch(path, offset, &b, 1);
}

static void put_le(guint8 *p, guint64 value, guint len)
{
    for (guint i = 0; i < len; i++)
        p[i] = (guint8)(value >> (8 * i));
}

static void file_put_le(const char *path, guint64 offset, guint64 value, guint len)
{
    guint8 b[8];
    put_le(b, value, len);
    file_patch(path, offset, b, len);
}

static guint64 file_get_le64(const char *path, guint64 offset)
{
    guint64 v = 0;
    for (guint i = 0; i < 8; i++)
        v |= (guint64)file_byte(path, offset + i) << (8 * i);
    return v;
}

static void file_truncate(const char *path, guint64 len)
{
    g_assert_cmpint(truncate(path, (off_t)len), ==, 0);
}

/* The file's whole outcome: open, then read RAM into a fresh mapping. */
static gboolean open_and_read(const char *path, guint64 ram_size, GError **error)
{
    g_autoptr(IcSnapshot) snap = ic_snapshot_open(path, error);
    if (!snap)
        return FALSE;
    guint8 *ram = ram_new(ram_size);
    gboolean ok = ic_snapshot_read_ram(snap, ram, ram_size, error);
    ram_free(ram, ram_size);
    return ok;
}

/* ---- round trip ---- */

static void check_meta_equal(const Shoal__V1__SnapshotMeta *a, const Shoal__V1__SnapshotMeta *b)
{
    g_assert_cmpstr(a->board, ==, b->board);
    g_assert_cmphex(a->ram_base, ==, b->ram_base);
    g_assert_cmphex(a->ram_size, ==, b->ram_size);
    g_assert_cmpuint(a->hart_count, ==, b->hart_count);
    g_assert_cmpuint(a->timebase_hz, ==, b->timebase_hz);
    g_assert_cmpint(a->deterministic, ==, b->deterministic);
    g_assert_cmpuint(a->quantum_ns, ==, b->quantum_ns);
    g_assert_cmpuint(a->n_harts, ==, b->n_harts);
    for (guint i = 0; i < a->n_harts; i++) {
        g_assert_cmpuint(a->harts[i]->hart, ==, b->harts[i]->hart);
        g_assert_cmpuint(a->harts[i]->mtimecmp, ==, b->harts[i]->mtimecmp);
        g_assert_cmpuint(a->harts[i]->n_fields, ==, b->harts[i]->n_fields);
        for (guint f = 0; f < a->harts[i]->n_fields; f++) {
            g_assert_cmpstr(a->harts[i]->fields[f]->name, ==, b->harts[i]->fields[f]->name);
            g_assert_cmphex(a->harts[i]->fields[f]->value, ==, b->harts[i]->fields[f]->value);
        }
    }
    g_assert_cmpuint(a->mtime, ==, b->mtime);
    g_assert_cmpuint(a->quantum, ==, b->quantum);
    g_assert_cmpuint(a->quantum_start_ns, ==, b->quantum_start_ns);
    g_assert_nonnull(b->uart);
    g_assert_cmpuint(a->uart->lcr, ==, b->uart->lcr);
    g_assert_cmpmem(a->uart->rx.data, a->uart->rx.len, b->uart->rx.data, b->uart->rx.len);
    g_assert_nonnull(b->plic);
    g_assert_cmpmem(a->plic->priority, a->plic->n_priority * sizeof(guint32), b->plic->priority,
                    b->plic->n_priority * sizeof(guint32));
    g_assert_cmpuint(a->n_gpios, ==, b->n_gpios);
    g_assert_cmpstr(a->gpios[0]->device, ==, b->gpios[0]->device);
    g_assert_cmpuint(a->gpios[0]->output_val, ==, b->gpios[0]->output_val);
    g_assert_cmpstr(a->saved_from, ==, b->saved_from);
    g_assert_cmpint(a->saved_at, ==, b->saved_at);
}

/* virt-2x2's 128 MiB with a few pages of data: the file is mostly holes,
 * reads back whole into a fresh mapping and over garbage. */
static void test_round_trip(void)
{
    g_autoptr(CfgMachine) m = load("virt-2x2.conf", NULL);
    TestMeta t;
    test_meta_init(&t, m, m->ram_size);
    const guint64 size = m->ram_size, n_pages = size / PAGE;
    guint8 *ram = ram_new(size);
    fill_page(ram, 0);
    ram[2 * PAGE + PAGE - 1] = 1; /* a page whose only non-zero byte is its last */
    for (guint64 i = 1000; i < 1100; i++)
        fill_page(ram, i);
    fill_page(ram, n_pages - 1);
    const guint64 data_pages = 1 + 1 + 100 + 1;

    g_autofree char *dir = dir_new();
    g_autofree char *path = g_build_filename(dir, "s.snap", NULL);
    IcSnapshotStats stats;
    write_ok(path, &t.meta, ram, &stats);
    g_assert_cmpuint(dir_count(dir), ==, 1); /* no temporary file left behind */

    GStatBuf st;
    g_assert_cmpint(g_stat(path, &st), ==, 0);
    g_assert_cmpuint(stats.file_bytes, ==, (guint64)st.st_size);
    g_assert_cmpuint(stats.file_bytes % PAGE, ==, 0);
    g_assert_cmpuint(stats.file_bytes, >=, size + 64);
    g_assert_cmpuint(stats.data_bytes, >, data_pages * PAGE);
    g_assert_cmpuint(stats.data_bytes, <, data_pages * PAGE + PAGE);
    g_assert_cmpuint((guint64)st.st_blocks * 512, <, (guint64)st.st_size / 8);

    g_autoptr(GError) error = NULL;
    g_autoptr(IcSnapshot) snap = ic_snapshot_open(path, &error);
    g_assert_no_error(error);
    check_meta_equal(&t.meta, ic_snapshot_meta(snap));

    guint8 *back = ram_new(size);
    g_assert_true(ic_snapshot_read_ram(snap, back, size, &error));
    g_assert_no_error(error);
    g_assert_true(memcmp(ram, back, size) == 0);
    /* A second read into memory full of garbage: the holes are zeroed. */
    memset(back, 0x5a, size);
    g_assert_true(ic_snapshot_read_ram(snap, back, size, &error));
    g_assert_no_error(error);
    g_assert_true(memcmp(ram, back, size) == 0);

    /* Saving again replaces the file, still leaving only it. */
    ram[5 * PAGE] = 9;
    write_ok(path, &t.meta, ram, NULL);
    g_assert_cmpuint(dir_count(dir), ==, 1);
    g_clear_pointer(&snap, ic_snapshot_close);
    snap = ic_snapshot_open(path, &error);
    g_assert_no_error(error);
    g_assert_true(ic_snapshot_read_ram(snap, back, size, &error));
    g_assert_cmpuint(back[5 * PAGE], ==, 9);

    ram_free(back, size);
    ram_free(ram, size);
    dir_remove(dir);
    test_meta_clear(&t);
}

/* 128 MiB without a zero page: the writer's sequential large writes keep
 * it well under a second (bounded loosely here: machines under load). */
static void test_speed(void)
{
    g_autoptr(CfgMachine) m = load("virt.conf", NULL);
    TestMeta t;
    test_meta_init(&t, m, G_GUINT64_CONSTANT(128) << 20);
    const guint64 size = t.meta.ram_size;
    guint8 *ram = ram_new(size);
    memset(ram, 0xa5, size);
    g_autofree char *dir = dir_new();
    g_autofree char *path = g_build_filename(dir, "big.snap", NULL);

    gint64 start = g_get_monotonic_time();
    IcSnapshotStats stats;
    write_ok(path, &t.meta, ram, &stats);
    gint64 wrote = g_get_monotonic_time();
    g_autoptr(GError) error = NULL;
    g_assert_true(open_and_read(path, size, &error));
    g_assert_no_error(error);
    gint64 read = g_get_monotonic_time();
    g_test_message("128 MiB: written in %" G_GINT64_FORMAT " ms, read back in %" G_GINT64_FORMAT
                   " ms", (wrote - start) / 1000, (read - wrote) / 1000);
    g_assert_cmpuint(stats.data_bytes, >, size);
    g_assert_cmpint(wrote - start, <, 3 * G_USEC_PER_SEC);

    ram_free(ram, size);
    dir_remove(dir);
    test_meta_clear(&t);
}

/* ---- damaged files ---- */

/* A small snapshot: 16 pages, data in pages 0, 2 and 5. */
#define SMALL_PAGES 16
#define SMALL_SIZE (SMALL_PAGES * PAGE)

typedef struct {
    TestMeta t;
    CfgMachine *machine;
    guint8 *ram;
    char *dir, *path;
    guint64 meta_len, ram_offset;
} Small;

static void small_setup(Small *s)
{
    s->machine = load("virt-2x2.conf", NULL);
    test_meta_init(&s->t, s->machine, SMALL_SIZE);
    s->ram = ram_new(SMALL_SIZE);
    fill_page(s->ram, 0);
    fill_page(s->ram, 2);
    fill_page(s->ram, 5);
    s->dir = dir_new();
    s->path = g_build_filename(s->dir, "small.snap", NULL);
    write_ok(s->path, &s->t.meta, s->ram, NULL);
    s->meta_len = file_get_le64(s->path, 24);
    s->ram_offset = file_get_le64(s->path, 32);
    g_assert_cmpuint(file_get_le64(s->path, 16), ==, 64);
    g_assert_cmpuint(s->ram_offset, ==, PAGE);
}

static void small_teardown(Small *s)
{
    ram_free(s->ram, SMALL_SIZE);
    dir_remove(s->dir);
    g_free(s->dir);
    g_free(s->path);
    test_meta_clear(&s->t);
    cfg_machine_free(s->machine);
}

typedef enum {
    TRUNCATE_TO,   /* arg: the new length */
    TRUNCATE_LESS, /* arg: bytes off the end */
    PUT_BYTE,      /* at: offset, arg: value */
    PUT_LE32,
    PUT_LE64,
    FLIP_AT,       /* at: offset, arg: the bits to flip */
    FLIP_META,     /* arg: offset inside the meta */
    FLIP_RAM,      /* arg: offset inside RAM */
    ZERO_RAM_PAGE, /* arg: page index: a hole where data was */
    COPY_RAM_PAGE, /* arg: page index that gets page 0's data */
} DamageKind;

typedef struct {
    const char *name;
    DamageKind kind;
    guint64 at, arg;
    gboolean opens;    /* the damage shows only when RAM is read */
    int code;          /* IcSnapshotError */
    const char *substr;
} Damage;

static const Damage damages[] = {
    { "empty", TRUNCATE_TO, 0, 0, FALSE, IC_SNAPSHOT_ERROR_FOREIGN,
      "not a shoal snapshot (it does not start with \"SHOALSNP\")" },
    { "magic-only", TRUNCATE_TO, 0, 8, FALSE, IC_SNAPSHOT_ERROR_TRUNCATED,
      "truncated: 8 bytes, shorter than the 64-byte header" },
    { "short-header", TRUNCATE_TO, 0, 40, FALSE, IC_SNAPSHOT_ERROR_TRUNCATED,
      "truncated: 40 bytes, shorter than the 64-byte header" },
    { "short-ram", TRUNCATE_LESS, 0, PAGE, FALSE, IC_SNAPSHOT_ERROR_TRUNCATED,
      "bytes, the header says" },
    { "magic", PUT_BYTE, 3, 'X', FALSE, IC_SNAPSHOT_ERROR_FOREIGN, "not a shoal snapshot" },
    { "version", PUT_LE32, 8, 2, FALSE, IC_SNAPSHOT_ERROR_VERSION,
      "snapshot format version 2 (this shoal reads 1)" },
    { "version-0", PUT_LE32, 8, 0, FALSE, IC_SNAPSHOT_ERROR_VERSION, "format version 0" },
    { "header-len-small", PUT_LE32, 12, 16, FALSE, IC_SNAPSHOT_ERROR_HEADER,
      "header corrupt (its length 16 is under 64)" },
    { "header-len-big", PUT_LE32, 12, 0xffffffff, FALSE, IC_SNAPSHOT_ERROR_HEADER,
      "overlaps the header" },
    { "meta-huge", PUT_LE64, 24, G_GUINT64_CONSTANT(1) << 40, FALSE, IC_SNAPSHOT_ERROR_HEADER,
      "over the 64 MiB limit" },
    { "meta-over-ram", PUT_LE64, 24, PAGE, FALSE, IC_SNAPSHOT_ERROR_HEADER, "overlaps RAM" },
    { "meta-offset-wraps", PUT_LE64, 16, G_MAXUINT64 - 8, FALSE, IC_SNAPSHOT_ERROR_HEADER,
      "overlaps RAM" },
    { "ram-unaligned", PUT_LE64, 32, PAGE + 8, FALSE, IC_SNAPSHOT_ERROR_HEADER,
      "is not page-aligned" },
    { "ram-wraps", PUT_LE64, 32, G_MAXUINT64 - PAGE + 1, FALSE, IC_SNAPSHOT_ERROR_HEADER,
      "ends past any file" },
    { "ram-size-zero", PUT_LE64, 40, 0, FALSE, IC_SNAPSHOT_ERROR_HEADER,
      "not a non-zero multiple of 4096" },
    { "ram-size-huge", PUT_LE64, 40, G_GUINT64_CONSTANT(1) << 62, FALSE,
      IC_SNAPSHOT_ERROR_TRUNCATED, "the header says" },
    { "ram-size-smaller", PUT_LE64, 40, PAGE, FALSE, IC_SNAPSHOT_ERROR_META,
      "meta corrupt (ram_size 0x10000, the header's 0x1000)" },
    { "meta-byte", FLIP_META, 0, 5, FALSE, IC_SNAPSHOT_ERROR_META,
      "meta corrupt (checksum mismatch)" },
    { "meta-checksum", FLIP_AT, 48, 0x80, FALSE, IC_SNAPSHOT_ERROR_META, "meta corrupt" },
    { "ram-byte", FLIP_RAM, 0, 2 * PAGE + 100, TRUE, IC_SNAPSHOT_ERROR_RAM,
      "RAM corrupt (checksum mismatch)" },
    { "ram-last-byte", FLIP_RAM, 0, SMALL_SIZE - 1, TRUE, IC_SNAPSHOT_ERROR_RAM, "RAM corrupt" },
    { "ram-hole", ZERO_RAM_PAGE, 0, 5, TRUE, IC_SNAPSHOT_ERROR_RAM, "RAM corrupt" },
    { "ram-moved", COPY_RAM_PAGE, 0, 1, TRUE, IC_SNAPSHOT_ERROR_RAM, "RAM corrupt" },
    { "ram-checksum", FLIP_AT, 63, 0x01, TRUE, IC_SNAPSHOT_ERROR_RAM, "RAM corrupt" },
};

static void damage_apply(const Small *s, const Damage *d)
{
    static guint8 zeros[PAGE];
    switch (d->kind) {
    case TRUNCATE_TO:
        file_truncate(s->path, d->arg);
        break;
    case TRUNCATE_LESS:
        file_truncate(s->path, file_size(s->path) - d->arg);
        break;
    case PUT_BYTE:
        file_put_le(s->path, d->at, d->arg, 1);
        break;
    case PUT_LE32:
        file_put_le(s->path, d->at, d->arg, 4);
        break;
    case PUT_LE64:
        file_put_le(s->path, d->at, d->arg, 8);
        break;
    case FLIP_AT:
        file_flip(s->path, d->at, (guint8)d->arg);
        break;
    case FLIP_META:
        file_flip(s->path, 64 + d->arg, 0x10);
        break;
    case FLIP_RAM:
        file_flip(s->path, s->ram_offset + d->arg, 0x01);
        break;
    case ZERO_RAM_PAGE:
        file_patch(s->path, s->ram_offset + d->arg * PAGE, zeros, PAGE);
        break;
    case COPY_RAM_PAGE:
        file_patch(s->path, s->ram_offset + d->arg * PAGE, s->ram, PAGE);
        break;
    }
}

static void test_damage(gconstpointer data)
{
    const Damage *d = data;
    Small s;
    small_setup(&s);
    damage_apply(&s, d);

    g_autoptr(GError) error = NULL;
    g_autoptr(IcSnapshot) snap = ic_snapshot_open(s.path, &error);
    if (d->opens) {
        g_assert_no_error(error);
        guint8 *ram = ram_new(SMALL_SIZE);
        g_assert_false(ic_snapshot_read_ram(snap, ram, SMALL_SIZE, &error));
        ram_free(ram, SMALL_SIZE);
    } else {
        g_assert_null(snap);
    }
    g_assert_error(error, IC_SNAPSHOT_ERROR, d->code);
    g_assert_true(g_str_has_prefix(error->message, s.path));
    if (d->kind == TRUNCATE_LESS) {
        g_autofree char *want = g_strdup_printf("the header says %" G_GUINT64_FORMAT,
                                                s.ram_offset + SMALL_SIZE);
        g_assert_nonnull(strstr(error->message, want));
    } else if (!strstr(error->message, d->substr)) {
        g_error("%s: \"%s\" lacks \"%s\"", d->name, error->message, d->substr);
    }
    small_teardown(&s);
}

/* Every single bit of header and meta flipped, one at a time, is caught
 * (the RAM checksum's only when RAM is read); every length short of the
 * whole file is refused. */
static void test_every_bit(void)
{
    Small s;
    small_setup(&s);
    const guint64 covered = 64 + s.meta_len;
    for (guint64 off = 0; off < covered; off++) {
        for (guint bit = 0; bit < 8; bit++) {
            file_flip(s.path, off, (guint8)(1u << bit));
            g_autoptr(GError) error = NULL;
            if (open_and_read(s.path, SMALL_SIZE, &error))
                g_error("a flip of bit %u at offset %" G_GUINT64_FORMAT " went unnoticed", bit,
                        off);
            g_assert_true(error->domain == IC_SNAPSHOT_ERROR);
            file_flip(s.path, off, (guint8)(1u << bit));
        }
    }
    g_autoptr(GError) error = NULL;
    g_assert_true(open_and_read(s.path, SMALL_SIZE, &error));
    g_assert_no_error(error);

    const guint64 whole = file_size(s.path);
    for (guint64 len = whole - 1; len > 0; len -= len > covered + 8 ? 509 : 1) {
        file_truncate(s.path, len);
        g_autoptr(GError) e = NULL;
        g_assert_false(open_and_read(s.path, SMALL_SIZE, &e));
        g_assert_true(e->domain == IC_SNAPSHOT_ERROR);
    }
    small_teardown(&s);
}

/* Headers of random bytes after a good magic and version: refused every
 * time, never a crash. Every other one has plausible offsets and a whole
 * RAM page, so the checks past the header run too. */
static void test_hostile_headers(void)
{
    g_autofree char *dir = dir_new();
    g_autofree char *path = g_build_filename(dir, "hostile.snap", NULL);
    static guint8 buf[2 * PAGE];
    for (guint round = 0; round < 2000; round++) {
        for (guint i = 0; i < sizeof buf; i++)
            buf[i] = (guint8)g_test_rand_int_range(0, 256);
        memcpy(buf, "SHOALSNP", 8);
        put_le(buf + 8, IC_SNAPSHOT_VERSION, 4);
        gsize len = (gsize)g_test_rand_int_range(12, 64 + 256);
        if (round % 2) {
            put_le(buf + 12, 64, 4);
            put_le(buf + 16, 64, 8);
            put_le(buf + 24, (guint64)g_test_rand_int_range(0, 256), 8);
            put_le(buf + 32, PAGE, 8);
            put_le(buf + 40, PAGE, 8);
            len = sizeof buf;
        }
        g_assert_true(g_file_set_contents(path, (const char *)buf, (gssize)len, NULL));
        g_autoptr(GError) error = NULL;
        g_assert_false(open_and_read(path, PAGE, &error));
        g_assert_true(error->domain == IC_SNAPSHOT_ERROR);
    }
    dir_remove(dir);
}

static void expect_open_error(const char *path, int code, const char *substr)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(IcSnapshot) snap = ic_snapshot_open(path, &error);
    g_assert_null(snap);
    g_assert_error(error, IC_SNAPSHOT_ERROR, code);
    g_assert_nonnull(strstr(error->message, path));
    if (!strstr(error->message, substr))
        g_error("\"%s\" lacks \"%s\"", error->message, substr);
}

static void test_foreign(void)
{
    g_autofree char *dir = dir_new();
    g_autofree char *text = g_build_filename(dir, "notes.txt", NULL);
    g_autofree char *noise = g_build_filename(dir, "noise.bin", NULL);
    g_autofree char *missing = g_build_filename(dir, "missing.snap", NULL);
    g_autofree char *subdir = g_build_filename(dir, "sub", NULL);
    g_assert_true(g_file_set_contents(text, "[machine]\nname=virt\n", -1, NULL));
    guint8 bytes[8192];
    for (guint i = 0; i < sizeof bytes; i++)
        bytes[i] = (guint8)g_test_rand_int_range(0, 256);
    bytes[0] = 'S'; /* not quite the magic */
    g_assert_true(g_file_set_contents(noise, (const char *)bytes, sizeof bytes, NULL));
    g_assert_cmpint(g_mkdir(subdir, 0700), ==, 0);

    expect_open_error(text, IC_SNAPSHOT_ERROR_FOREIGN, "not a shoal snapshot");
    expect_open_error(noise, IC_SNAPSHOT_ERROR_FOREIGN, "not a shoal snapshot");
    expect_open_error(subdir, IC_SNAPSHOT_ERROR_FOREIGN, "not a regular file");
    expect_open_error(missing, IC_SNAPSHOT_ERROR_IO, "No such file");
    dir_remove(dir);
}

static void test_ram_size_differs(void)
{
    Small s;
    small_setup(&s);
    g_autoptr(GError) error = NULL;
    g_autoptr(IcSnapshot) snap = ic_snapshot_open(s.path, &error);
    g_assert_no_error(error);
    guint8 *ram = ram_new(2 * SMALL_SIZE);
    g_assert_false(ic_snapshot_read_ram(snap, ram, 2 * SMALL_SIZE, &error));
    g_assert_error(error, IC_SNAPSHOT_ERROR, IC_SNAPSHOT_ERROR_MISMATCH);
    g_assert_nonnull(
        strstr(error->message, "its RAM size 0x10000 differs from the machine's 0x20000"));
    ram_free(ram, 2 * SMALL_SIZE);
    small_teardown(&s);
}

/* ---- the writer's refusals ---- */

typedef struct {
    const char *name;
    guint64 ram_base, ram_size;
    guint hart_count, n_harts, hart0; /* hart0: the id in harts[0] */
    const char *substr;
} BadMeta;

static const BadMeta bad_metas[] = {
    { "size-zero", 0x80000000, 0, 4, 4, 0, "ram_size 0x0 is not a non-zero multiple of 4096" },
    { "size-unaligned", 0x80000000, SMALL_SIZE + 1, 4, 4, 0, "ram_size 0x10001" },
    { "base-unaligned", 0x80000010, SMALL_SIZE, 4, 4, 0, "is not page-aligned or wraps" },
    { "wraps", G_GUINT64_CONSTANT(0xfffffffffffff000), SMALL_SIZE, 4, 4, 0, "or wraps" },
    { "no-harts", 0x80000000, SMALL_SIZE, 0, 0, 0, "hart_count 0 is not 1..1024" },
    { "harts-missing", 0x80000000, SMALL_SIZE, 4, 3, 0, "3 hart states for 4 harts" },
    { "harts-order", 0x80000000, SMALL_SIZE, 4, 4, 1, "hart state 0 is hart 1's" },
};

static void test_bad_meta(gconstpointer data)
{
    const BadMeta *b = data;
    g_autoptr(CfgMachine) m = load("virt-2x2.conf", NULL);
    TestMeta t;
    test_meta_init(&t, m, SMALL_SIZE);
    t.meta.ram_base = b->ram_base;
    t.meta.ram_size = b->ram_size;
    t.meta.hart_count = b->hart_count;
    t.meta.n_harts = b->n_harts;
    t.hart[0].hart = b->hart0;
    guint8 *ram = ram_new(SMALL_SIZE + PAGE);
    g_autofree char *dir = dir_new();
    g_autofree char *path = g_build_filename(dir, "bad.snap", NULL);
    g_autoptr(GError) error = NULL;
    g_assert_false(ic_snapshot_write(path, &t.meta, ram_page, ram, NULL, &error));
    g_assert_error(error, IC_SNAPSHOT_ERROR, IC_SNAPSHOT_ERROR_INVALID);
    g_assert_nonnull(strstr(error->message, path));
    if (!strstr(error->message, b->substr))
        g_error("\"%s\" lacks \"%s\"", error->message, b->substr);
    g_assert_cmpuint(dir_count(dir), ==, 0);
    ram_free(ram, SMALL_SIZE + PAGE);
    dir_remove(dir);
    test_meta_clear(&t);
}

/* A save that cannot be written says so and leaves an old file as it was. */
static void test_write_fails(void)
{
    Small s;
    small_setup(&s);
    g_autofree char *nowhere = g_build_filename(s.dir, "no-such-dir", "x.snap", NULL);
    g_autoptr(GError) error = NULL;
    g_assert_false(ic_snapshot_write(nowhere, &s.t.meta, ram_page, s.ram, NULL, &error));
    g_assert_error(error, IC_SNAPSHOT_ERROR, IC_SNAPSHOT_ERROR_IO);
    g_assert_nonnull(strstr(error->message, nowhere));
    g_clear_error(&error);

    /* The target is a directory: the rename fails after the whole file
     * was written, and the temporary file goes. */
    g_autofree char *subdir = g_build_filename(s.dir, "sub", NULL);
    g_assert_cmpint(g_mkdir(subdir, 0700), ==, 0);
    g_assert_false(ic_snapshot_write(subdir, &s.t.meta, ram_page, s.ram, NULL, &error));
    g_assert_error(error, IC_SNAPSHOT_ERROR, IC_SNAPSHOT_ERROR_IO);
    g_assert_cmpuint(dir_count(s.dir), ==, 2); /* small.snap and sub */
    g_assert_true(open_and_read(s.path, SMALL_SIZE, NULL));
    small_teardown(&s);
}

/* ---- does it fit the machine? ---- */

typedef struct {
    const char *name;
    gboolean deterministic; /* the snapshot was saved in deterministic time */
    const char *config;
    const char *sets[3];
    const char *substr; /* NULL: it fits */
} FitCase;

static const FitCase fit_cases[] = {
    { "same", FALSE, "virt-2x2.conf", { NULL }, NULL },
    { "split-differently", FALSE, "virt-4x1.conf", { NULL }, NULL },
    { "harts", FALSE, "virt-1x2.conf", { NULL }, "it has 4 harts, the config 2" },
    { "ram-size", FALSE, "virt-4x1.conf", { "memory.size=256M", NULL },
      "it has 128 MiB of RAM, the config 256 MiB" },
    { "ram-base", FALSE, "virt-4x1.conf", { "memory.base=0x90000000", NULL },
      "its RAM starts at 0x80000000, the config's at 0x90000000" },
    { "timebase", FALSE, "virt-4x1.conf", { "clint.timebase-frequency=1000000", NULL },
      "its timebase is 10000000 Hz, the config's 1000000 Hz" },
    { "device-irq", FALSE, "virt-4x1.conf", { "device.uart0.irq=11", NULL },
      "the device lists differ (it has uart0:ns16550@0x10000000+0x100/irq10, the config "
      "uart0:ns16550@0x10000000+0x100/irq11)" },
    { "device-size", FALSE, "virt-4x1.conf", { "device.plic.size=0x400000", NULL },
      "the device lists differ (it has plic:plic@0xc000000+0x600000, the config "
      "plic:plic@0xc000000+0x400000)" },
    { "time-mode", FALSE, "virt-4x1.conf", { "sysc.time-mode=deterministic", NULL },
      "it was saved in decoupled time, the config's [sysc] time-mode is deterministic" },
    { "time-mode-back", TRUE, "virt-4x1.conf", { NULL },
      "it was saved in deterministic time, the config's [sysc] time-mode is decoupled" },
    { "quantum", TRUE, "virt-4x1.conf",
      { "sysc.time-mode=deterministic", "sysc.quantum-ns=1000", NULL },
      "its quantum is 10000 ns, the config's [sysc] quantum-ns 1000" },
    { "same-quantum", TRUE, "virt-4x1.conf", { "sysc.time-mode=deterministic", NULL }, NULL },
    /* Decoupled time's quantum is a tolerance, not state. */
    { "quantum-decoupled", FALSE, "virt-4x1.conf", { "sysc.quantum-ns=1000", NULL }, NULL },
};

static void test_fits(gconstpointer data)
{
    const FitCase *c = data;
    g_autoptr(CfgMachine) saved_on = load("virt-2x2.conf", NULL);
    g_autoptr(CfgMachine) m = load(c->config, c->sets);
    TestMeta t;
    test_meta_init(&t, saved_on, saved_on->ram_size);
    t.meta.deterministic = c->deterministic;
    guint8 *ram = ram_new(saved_on->ram_size);
    g_autofree char *dir = dir_new();
    g_autofree char *path = g_build_filename(dir, "s.snap", NULL);
    write_ok(path, &t.meta, ram, NULL);

    g_autoptr(GError) error = NULL;
    g_autoptr(IcSnapshot) snap = ic_snapshot_open(path, &error);
    g_assert_no_error(error);
    gboolean fits = ic_snapshot_fits(snap, m, &error);
    if (!c->substr) {
        g_assert_no_error(error);
        g_assert_true(fits);
    } else {
        g_assert_false(fits);
        g_assert_error(error, IC_SNAPSHOT_ERROR, IC_SNAPSHOT_ERROR_MISMATCH);
        g_autofree char *head = g_strdup_printf("%s does not fit %s: ", path, m->path);
        g_assert_true(g_str_has_prefix(error->message, head));
        if (!strstr(error->message, c->substr))
            g_error("\"%s\" lacks \"%s\"", error->message, c->substr);
        g_assert_null(strchr(error->message, '\n'));
    }
    ram_free(ram, saved_on->ram_size);
    dir_remove(dir);
    test_meta_clear(&t);
}

/* Not the machine's name nor its nodes: 2x2 and 4x1 are one board. */
static void test_board(void)
{
    g_autoptr(CfgMachine) a = load("virt-2x2.conf", NULL);
    g_autoptr(CfgMachine) b = load("virt-4x1.conf", NULL);
    g_autoptr(CfgMachine) one = load("virt.conf", NULL);
    g_autofree char *board_a = ic_snapshot_board(a);
    g_autofree char *board_b = ic_snapshot_board(b);
    g_autofree char *board_one = ic_snapshot_board(one);
    g_assert_cmpstr(board_a, ==, board_b);
    g_assert_cmpstr(board_a, !=, board_one);
    g_assert_cmpstr(board_one, ==,
                    "harts=1 ram=0x80000000+0x8000000 timebase=10000000 "
                    "test:sifive_test@0x100000+0x1000 clint:clint@0x2000000+0x10000 "
                    "plic:plic@0xc000000+0x600000 uart0:ns16550@0x10000000+0x100/irq10");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/ic/snapshot/round-trip", test_round_trip);
    g_test_add_func("/ic/snapshot/speed", test_speed);
    for (guint i = 0; i < G_N_ELEMENTS(damages); i++) {
        g_autofree char *path = g_strdup_printf("/ic/snapshot/damaged/%s", damages[i].name);
        g_test_add_data_func(path, &damages[i], test_damage);
    }
    g_test_add_func("/ic/snapshot/every-bit", test_every_bit);
    g_test_add_func("/ic/snapshot/hostile-headers", test_hostile_headers);
    g_test_add_func("/ic/snapshot/foreign", test_foreign);
    g_test_add_func("/ic/snapshot/ram-size-differs", test_ram_size_differs);
    for (guint i = 0; i < G_N_ELEMENTS(bad_metas); i++) {
        g_autofree char *path = g_strdup_printf("/ic/snapshot/bad-meta/%s", bad_metas[i].name);
        g_test_add_data_func(path, &bad_metas[i], test_bad_meta);
    }
    g_test_add_func("/ic/snapshot/write-fails", test_write_fails);
    g_test_add_func("/ic/snapshot/board", test_board);
    for (guint i = 0; i < G_N_ELEMENTS(fit_cases); i++) {
        g_autofree char *path = g_strdup_printf("/ic/snapshot/fits/%s", fit_cases[i].name);
        g_test_add_data_func(path, &fit_cases[i], test_fits);
    }
    return g_test_run();
}
