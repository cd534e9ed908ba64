/* SPDX-License-Identifier: MIT */
/* config/elf.c: a small valid RV64 executable is built in memory, then each
 * case patches fields of it (or truncates it) and checks the rejection;
 * every truncation and many byte flips must fail politely, never crash. */
#include <glib/gstdio.h>
#include <string.h>

#include "config/cfg.h"

#define RAM_BASE G_GUINT64_CONSTANT(0x80000000)
#define RAM_SIZE G_GUINT64_CONSTANT(0x100000)

/* Layout of the good image (offsets into the file). */
enum {
    OFF_PHDR = 64,      /* one program header */
    OFF_DATA = 120,     /* 16 bytes of segment data */
    OFF_STRTAB = 136,   /* "\0tohost\0" */
    OFF_SYMTAB = 144,   /* null symbol + tohost */
    OFF_SHDR = 192,     /* null, .symtab, .strtab */
    IMAGE_SIZE = 384,
    /* fields */
    F_CLASS = 4,
    F_DATA = 5,
    F_TYPE = 16,
    F_MACHINE = 18,
    F_PHOFF = 32,
    F_SHOFF = 40,
    F_PHENTSIZE = 54,
    F_PHNUM = 56,
    F_SHENTSIZE = 58,
    F_SHNUM = 60,
    F_P_TYPE = OFF_PHDR,
    F_P_OFFSET = OFF_PHDR + 8,
    F_P_PADDR = OFF_PHDR + 24,
    F_P_FILESZ = OFF_PHDR + 32,
    F_P_MEMSZ = OFF_PHDR + 40,
    F_SYMTAB_OFFSET = OFF_SHDR + 64 + 24,
    F_SYMTAB_SIZE = OFF_SHDR + 64 + 32,
    F_SYMTAB_LINK = OFF_SHDR + 64 + 40,
    F_STRTAB_SIZE = OFF_SHDR + 128 + 32,
    F_SYM1_NAME = OFF_SYMTAB + 24,
};

#define TOHOST G_GUINT64_CONSTANT(0x80001000)
#define ENTRY G_GUINT64_CONSTANT(0x80000000)

static void put(guint8 *img, guint off, guint size, guint64 v)
{
    for (guint i = 0; i < size; i++) {
        img[off + i] = (guint8)(v >> (8 * i));
    }
}

static void build_good(guint8 *img)
{
    memset(img, 0, IMAGE_SIZE);
    memcpy(img, "\x7f" "ELF", 4);
    img[F_CLASS] = 2; /* ELFCLASS64 */
    img[F_DATA] = 1;  /* little endian */
    img[6] = 1;       /* EV_CURRENT */
    put(img, F_TYPE, 2, 2);         /* ET_EXEC */
    put(img, F_MACHINE, 2, 243);    /* EM_RISCV */
    put(img, 20, 4, 1);             /* e_version */
    put(img, 24, 8, ENTRY);         /* e_entry */
    put(img, F_PHOFF, 8, OFF_PHDR);
    put(img, F_SHOFF, 8, OFF_SHDR);
    put(img, 52, 2, 64);            /* e_ehsize */
    put(img, F_PHENTSIZE, 2, 56);
    put(img, F_PHNUM, 2, 1);
    put(img, F_SHENTSIZE, 2, 64);
    put(img, F_SHNUM, 2, 3);
    put(img, 62, 2, 2);             /* e_shstrndx */
    /* PT_LOAD: 16 bytes from the file, 32 in memory */
    put(img, F_P_TYPE, 4, 1);
    put(img, OFF_PHDR + 4, 4, 5);   /* R+X */
    put(img, F_P_OFFSET, 8, OFF_DATA);
    put(img, OFF_PHDR + 16, 8, ENTRY);
    put(img, F_P_PADDR, 8, ENTRY);
    put(img, F_P_FILESZ, 8, 16);
    put(img, F_P_MEMSZ, 8, 32);
    put(img, OFF_PHDR + 48, 8, 4);
    for (guint i = 0; i < 16; i++) {
        img[OFF_DATA + i] = (guint8)(0xa0 + i);
    }
    memcpy(img + OFF_STRTAB, "\0tohost\0", 8);
    /* symbol 1: tohost */
    put(img, F_SYM1_NAME, 4, 1);
    img[F_SYM1_NAME + 4] = 0x11; /* GLOBAL OBJECT */
    put(img, F_SYM1_NAME + 6, 2, 1);
    put(img, F_SYM1_NAME + 8, 8, TOHOST);
    put(img, F_SYM1_NAME + 16, 8, 8);
    /* section 1: .symtab, section 2: .strtab */
    put(img, OFF_SHDR + 64 + 4, 4, 2); /* SHT_SYMTAB */
    put(img, F_SYMTAB_OFFSET, 8, OFF_SYMTAB);
    put(img, F_SYMTAB_SIZE, 8, 48);
    put(img, F_SYMTAB_LINK, 4, 2);
    put(img, OFF_SHDR + 64 + 56, 8, 24);
    put(img, OFF_SHDR + 128 + 4, 4, 3); /* SHT_STRTAB */
    put(img, OFF_SHDR + 128 + 24, 8, OFF_STRTAB);
    put(img, F_STRTAB_SIZE, 8, 8);
}

typedef struct {
    guint off;
    guint size; /* 0: no patch */
    guint64 value;
} Patch;

typedef struct {
    const char *name;
    Patch patch[2];
    gsize truncate; /* 0: keep IMAGE_SIZE */
    int code;
    const char *substr;
} BadCase;

static const BadCase bad_cases[] = {
    { "truncated-header", { { 0 } }, 40, CFG_ERROR_ELF, "truncated ELF header (40 bytes, need 64)" },
    { "tiny", { { 0 } }, 3, CFG_ERROR_ELF, "not an ELF file" },
    { "bad-magic", { { 1, 1, 'X' } }, 0, CFG_ERROR_ELF, "not an ELF file (bad magic)" },
    { "class32", { { F_CLASS, 1, 1 } }, 0, CFG_ERROR_ELF, "not a 64-bit ELF (EI_CLASS 1" },
    { "big-endian", { { F_DATA, 1, 2 } }, 0, CFG_ERROR_ELF, "not a little-endian ELF" },
    { "bad-version", { { 6, 1, 7 } }, 0, CFG_ERROR_ELF, "unknown ELF version 7" },
    { "x86-64", { { F_MACHINE, 2, 62 } }, 0, CFG_ERROR_ELF,
      "not a RISC-V ELF (e_machine 62 x86-64, expected 243 EM_RISCV)" },
    { "shared-object", { { F_TYPE, 2, 3 } }, 0, CFG_ERROR_ELF,
      "not an executable (e_type 3 shared object, expected ET_EXEC)" },
    { "no-phdrs", { { F_PHNUM, 2, 0 } }, 0, CFG_ERROR_ELF, "no program headers" },
    { "phentsize", { { F_PHENTSIZE, 2, 32 } }, 0, CFG_ERROR_ELF, "e_phentsize 32, expected 56" },
    { "phoff-outside", { { F_PHOFF, 8, 4096 } }, 0, CFG_ERROR_ELF,
      "program headers (offset 0x1000, 1 entries) lie outside the 384-byte file" },
    { "phoff-huge", { { F_PHOFF, 8, G_MAXUINT64 - 8 } }, 0, CFG_ERROR_ELF,
      "program headers (offset 0xfffffffffffffff7" },
    { "phnum-past-end", { { F_PHNUM, 2, 7 } }, 0, CFG_ERROR_ELF, "7 entries) lie outside" },
    { "truncated-phdrs", { { 0 } }, 100, CFG_ERROR_ELF, "program headers" },
    { "no-load", { { F_P_TYPE, 4, 4 } }, 0, CFG_ERROR_ELF, "no PT_LOAD segment" },
    { "filesz-gt-memsz", { { F_P_FILESZ, 8, 64 } }, 0, CFG_ERROR_ELF,
      "segment 0: file size 0x40 exceeds memory size 0x20" },
    { "data-outside", { { F_P_OFFSET, 8, 380 } }, 0, CFG_ERROR_ELF,
      "segment 0: data at 0x17c+0x10 lies outside the 384-byte file" },
    { "data-offset-huge", { { F_P_OFFSET, 8, G_MAXUINT64 } }, 0, CFG_ERROR_ELF,
      "lies outside the 384-byte file" },
    { "below-ram", { { F_P_PADDR, 8, 0x1000 } }, 0, CFG_ERROR_ELF,
      "segment 0 (0x1000..0x101f) is outside RAM 0x80000000..0x800fffff" },
    { "above-ram", { { F_P_PADDR, 8, 0x90000000 } }, 0, CFG_ERROR_ELF,
      "segment 0 (0x90000000..0x9000001f) is outside RAM" },
    { "straddles-ram-end", { { F_P_PADDR, 8, 0x800ffff0 } }, 0, CFG_ERROR_ELF,
      "segment 0 (0x800ffff0..0x8010000f) is outside RAM" },
    { "memsz-wraps", { { F_P_MEMSZ, 8, G_MAXUINT64 } }, 0, CFG_ERROR_ELF, "is outside RAM" },
    { "shentsize", { { F_SHENTSIZE, 2, 40 } }, 0, CFG_ERROR_ELF, "e_shentsize 40, expected 64" },
    { "shoff-outside", { { F_SHOFF, 8, 1000 } }, 0, CFG_ERROR_ELF,
      "section headers (offset 0x3e8, 3 entries) lie outside" },
    { "truncated-shdrs", { { 0 } }, 300, CFG_ERROR_ELF, "section headers" },
    { "symtab-outside", { { F_SYMTAB_OFFSET, 8, 370 } }, 0, CFG_ERROR_ELF,
      "section 1 (.symtab) lies outside the file" },
    { "symtab-odd-size", { { F_SYMTAB_SIZE, 8, 47 } }, 0, CFG_ERROR_ELF,
      "section 1 (.symtab) lies outside the file or is malformed" },
    { "symtab-link", { { F_SYMTAB_LINK, 4, 9 } }, 0, CFG_ERROR_ELF,
      "section 1 (.symtab) links to bad string table 9" },
    { "strtab-outside", { { F_STRTAB_SIZE, 8, 4096 } }, 0, CFG_ERROR_ELF,
      "section 2 (string table) lies outside the file" },
};

typedef struct {
    char *dir;
    char *path;
    guint8 img[IMAGE_SIZE];
} Fixture;

static void fixture_setup(Fixture *f, gconstpointer data)
{
    f->dir = g_dir_make_tmp("test-elf-XXXXXX", NULL);
    g_assert_nonnull(f->dir);
    f->path = g_build_filename(f->dir, "k.elf", NULL);
    build_good(f->img);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    g_remove(f->path);
    g_rmdir(f->dir);
    g_free(f->path);
    g_free(f->dir);
}

static CfgElf *load(Fixture *f, gsize len, GError **error)
{
    g_assert_true(g_file_set_contents(f->path, (const char *)f->img, (gssize)len, NULL));
    return cfg_elf_load(f->path, RAM_BASE, RAM_SIZE, error);
}

static void test_bad(Fixture *f, gconstpointer data)
{
    const BadCase *c = data;
    g_autoptr(GError) error = NULL;
    g_autoptr(CfgElf) elf = NULL;

    for (guint i = 0; i < G_N_ELEMENTS(c->patch); i++) {
        if (c->patch[i].size) {
            put(f->img, c->patch[i].off, c->patch[i].size, c->patch[i].value);
        }
    }
    elf = load(f, c->truncate ? c->truncate : IMAGE_SIZE, &error);
    g_assert_null(elf);
    g_assert_error(error, CFG_ERROR, c->code);
    g_assert_true(g_str_has_prefix(error->message, f->path));
    if (strstr(error->message, c->substr) == NULL) {
        g_assert_cmpstr(error->message, ==, c->substr); /* prints both */
    }
}

static void test_good(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(CfgElf) elf = load(f, IMAGE_SIZE, &error);

    g_assert_no_error(error);
    g_assert_nonnull(elf);
    g_assert_cmphex(elf->entry, ==, ENTRY);
    g_assert_cmpuint(elf->n_segments, ==, 1);
    g_assert_cmphex(elf->segments[0].paddr, ==, ENTRY);
    g_assert_cmpuint(elf->segments[0].file_size, ==, 16);
    g_assert_cmpuint(elf->segments[0].mem_size, ==, 32);
    g_assert_cmpmem(elf->segments[0].data, 16, f->img + OFF_DATA, 16);
    g_assert_cmpuint(g_bytes_get_size(elf->image), ==, IMAGE_SIZE);
    g_assert_true(elf->has_tohost);
    g_assert_cmphex(elf->tohost, ==, TOHOST);
}

static void test_stripped(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(CfgElf) elf = NULL;

    put(f->img, F_SHOFF, 8, 0);
    put(f->img, F_SHNUM, 2, 0);
    elf = load(f, IMAGE_SIZE, &error);
    g_assert_no_error(error);
    g_assert_false(elf->has_tohost);
}

static void test_no_tohost(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(CfgElf) elf = NULL;

    memcpy(f->img + OFF_STRTAB, "\0fromho\0", 8);
    put(f->img, F_SYM1_NAME, 4, 5000); /* a name offset past the table is skipped */
    elf = load(f, IMAGE_SIZE, &error);
    g_assert_no_error(error);
    g_assert_false(elf->has_tohost);
}

static void test_missing_file(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(CfgElf) elf = cfg_elf_load(f->path, RAM_BASE, RAM_SIZE, &error);

    g_assert_null(elf);
    g_assert_error(error, CFG_ERROR, CFG_ERROR_FILE);
    g_assert_nonnull(strstr(error->message, "cannot read image"));
}

static void test_directory(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(CfgElf) elf = cfg_elf_load(f->dir, RAM_BASE, RAM_SIZE, &error);

    g_assert_null(elf);
    g_assert_error(error, CFG_ERROR, CFG_ERROR_FILE);
}

static void test_empty(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(CfgElf) elf = load(f, 0, &error);

    g_assert_null(elf);
    g_assert_error(error, CFG_ERROR, CFG_ERROR_ELF);
}

/* Every prefix of the image, and every byte set to 0xff in turn: each
 * either loads or fails with a message; sanitizers catch any bad read. */
static void test_mangled(Fixture *f, gconstpointer data)
{
    guint8 good[IMAGE_SIZE];

    memcpy(good, f->img, IMAGE_SIZE);
    for (gsize len = 0; len < IMAGE_SIZE; len++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(CfgElf) elf = load(f, len, &error);
        /* the last byte is symbol padding; anything shorter loses a table */
        g_assert_true((elf == NULL) == (error != NULL));
        if (len < OFF_SHDR) {
            g_assert_null(elf);
        }
    }
    for (guint i = 0; i < IMAGE_SIZE; i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(CfgElf) elf = NULL;
        memcpy(f->img, good, IMAGE_SIZE);
        f->img[i] ^= 0xff;
        elf = load(f, IMAGE_SIZE, &error);
        g_assert_true((elf == NULL) == (error != NULL));
        if (elf) {
            for (guint s = 0; s < elf->n_segments; s++) {
                g_assert_cmpuint(elf->segments[s].file_size, <=, elf->segments[s].mem_size);
                g_assert_cmphex(elf->segments[s].paddr, >=, RAM_BASE);
            }
        }
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (guint i = 0; i < G_N_ELEMENTS(bad_cases); i++) {
        g_autofree char *path = g_strdup_printf("/elf/reject/%s", bad_cases[i].name);
        g_test_add(path, Fixture, &bad_cases[i], fixture_setup, test_bad, fixture_teardown);
    }
    g_test_add("/elf/reject/missing-file", Fixture, NULL, fixture_setup, test_missing_file,
               fixture_teardown);
    g_test_add("/elf/reject/directory", Fixture, NULL, fixture_setup, test_directory,
               fixture_teardown);
    g_test_add("/elf/reject/empty", Fixture, NULL, fixture_setup, test_empty, fixture_teardown);
    g_test_add("/elf/load/good-with-tohost", Fixture, NULL, fixture_setup, test_good,
               fixture_teardown);
    g_test_add("/elf/load/stripped", Fixture, NULL, fixture_setup, test_stripped,
               fixture_teardown);
    g_test_add("/elf/load/no-tohost", Fixture, NULL, fixture_setup, test_no_tohost,
               fixture_teardown);
    g_test_add("/elf/fuzz/mangled", Fixture, NULL, fixture_setup, test_mangled, fixture_teardown);
    return g_test_run();
}
