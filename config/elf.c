/* SPDX-License-Identifier: MIT */
/* A small ELF64 reader for the images a machine boots. The file is
 * untrusted: every offset, size and count is checked against the file (and
 * every load address against RAM) before anything is read through it. */
#include "config/internal.h"

#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>

/* Facts from the ELF-64 object file format and the RISC-V psABI. */
enum {
    EHDR_SIZE = 64,
    PHDR_SIZE = 56,
    SHDR_SIZE = 64,
    SYM_SIZE = 24,
    ELFCLASS64 = 2,
    ELFDATA2LSB = 1,
    EV_CURRENT = 1,
    ET_EXEC = 2,
    EM_RISCV = 243,
    PT_LOAD = 1,
    SHT_SYMTAB = 2,
    PN_XNUM = 0xffff,
};

/* Refuse images bigger than this before reading them: no RV64 boot image
 * we run comes close, and it bounds what a bad path can make us allocate. */
#define MAX_IMAGE_SIZE (G_GUINT64_CONSTANT(1) << 31)

static guint16 rd16(const guint8 *p)
{
    return (guint16)(p[0] | p[1] << 8);
}

static guint32 rd32(const guint8 *p)
{
    return (guint32)rd16(p) | (guint32)rd16(p + 2) << 16;
}

static guint64 rd64(const guint8 *p)
{
    return (guint64)rd32(p) | (guint64)rd32(p + 4) << 32;
}

/* Is [off, off + n * entsize) inside a file of @size bytes? */
static gboolean in_file(gsize size, guint64 off, guint64 n, guint64 entsize)
{
    if (entsize != 0 && n > G_MAXUINT64 / entsize) {
        return FALSE;
    }
    return off <= size && n * entsize <= size - off;
}

G_GNUC_PRINTF(3, 4)
static gboolean bad(GError **error, const char *path, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(error, CFG_ERROR, CFG_ERROR_ELF, "%s: %s", path, msg);
    return FALSE;
}

static gboolean check_header(const char *path, const guint8 *d, gsize size, GError **error)
{
    static const char *const kinds[] = { "none", "relocatable", "executable", "shared object",
                                         "core file" };
    guint16 type, machine;

    if (size < 4 || memcmp(d, "\x7f" "ELF", 4) != 0) {
        return bad(error, path, "not an ELF file (bad magic)");
    }
    if (size < EHDR_SIZE) {
        return bad(error, path, "truncated ELF header (%zu bytes, need %d)", size, EHDR_SIZE);
    }
    if (d[4] != ELFCLASS64) {
        return bad(error, path, "not a 64-bit ELF (EI_CLASS %u, expected ELFCLASS64)", d[4]);
    }
    if (d[5] != ELFDATA2LSB) {
        return bad(error, path, "not a little-endian ELF (EI_DATA %u, expected ELFDATA2LSB)", d[5]);
    }
    if (d[6] != EV_CURRENT) {
        return bad(error, path, "unknown ELF version %u", d[6]);
    }
    machine = rd16(d + 18);
    if (machine != EM_RISCV) {
        return bad(error, path, "not a RISC-V ELF (e_machine %u%s, expected %d EM_RISCV)", machine,
                   machine == 62 ? " x86-64" : machine == 183 ? " AArch64" : "", EM_RISCV);
    }
    type = rd16(d + 16);
    if (type != ET_EXEC) {
        return bad(error, path, "not an executable (e_type %u %s, expected ET_EXEC)", type,
                   type < G_N_ELEMENTS(kinds) ? kinds[type] : "unknown");
    }
    return TRUE;
}

static gboolean load_segments(const char *path, CfgElf *elf, const guint8 *d, gsize size,
                              guint64 ram_base, guint64 ram_size, GError **error)
{
    guint64 phoff = rd64(d + 32);
    guint16 phentsize = rd16(d + 54);
    guint16 phnum = rd16(d + 56);
    guint64 ram_last = ram_base + ram_size - 1;

    if (phnum == 0 || phnum == PN_XNUM) {
        return bad(error, path, "no program headers (e_phnum %u)", phnum);
    }
    if (phentsize != PHDR_SIZE) {
        return bad(error, path, "e_phentsize %u, expected %d", phentsize, PHDR_SIZE);
    }
    if (!in_file(size, phoff, phnum, PHDR_SIZE)) {
        return bad(error, path,
                   "program headers (offset 0x%" G_GINT64_MODIFIER "x, %u entries) lie outside "
                   "the %zu-byte file",
                   phoff, phnum, size);
    }
    elf->segments = g_new0(CfgElfSegment, phnum);
    for (guint i = 0; i < phnum; i++) {
        const guint8 *ph = d + phoff + (guint64)i * PHDR_SIZE;
        guint64 off = rd64(ph + 8), paddr = rd64(ph + 24);
        guint64 filesz = rd64(ph + 32), memsz = rd64(ph + 40);
        CfgElfSegment *seg;

        if (rd32(ph) != PT_LOAD || memsz == 0) {
            continue;
        }
        if (filesz > memsz) {
            return bad(error, path,
                       "segment %u: file size 0x%" G_GINT64_MODIFIER "x exceeds memory size 0x%"
                       G_GINT64_MODIFIER "x",
                       i, filesz, memsz);
        }
        if (!in_file(size, off, 1, filesz)) {
            return bad(error, path,
                       "segment %u: data at 0x%" G_GINT64_MODIFIER "x+0x%" G_GINT64_MODIFIER
                       "x lies outside the %zu-byte file",
                       i, off, filesz, size);
        }
        if (paddr < ram_base || paddr > ram_last || memsz - 1 > ram_last - paddr) {
            return bad(error, path,
                       "segment %u (0x%" G_GINT64_MODIFIER "x..0x%" G_GINT64_MODIFIER
                       "x) is outside RAM 0x%" G_GINT64_MODIFIER "x..0x%" G_GINT64_MODIFIER "x",
                       i, paddr, paddr + memsz - 1, ram_base, ram_last);
        }
        seg = &elf->segments[elf->n_segments++];
        seg->paddr = paddr;
        seg->file_size = filesz;
        seg->mem_size = memsz;
        seg->data = d + off;
    }
    if (elf->n_segments == 0) {
        return bad(error, path, "no PT_LOAD segment to load");
    }
    return TRUE;
}

/* Finds `tohost` in .symtab, if there is one; a malformed table is an error. */
static gboolean find_tohost(const char *path, CfgElf *elf, const guint8 *d, gsize size,
                            GError **error)
{
    guint64 shoff = rd64(d + 40);
    guint16 shentsize = rd16(d + 58);
    guint16 shnum = rd16(d + 60);

    if (shoff == 0 || shnum == 0) {
        return TRUE; /* stripped: fine, just no tohost */
    }
    if (shentsize != SHDR_SIZE) {
        return bad(error, path, "e_shentsize %u, expected %d", shentsize, SHDR_SIZE);
    }
    if (!in_file(size, shoff, shnum, SHDR_SIZE)) {
        return bad(error, path,
                   "section headers (offset 0x%" G_GINT64_MODIFIER "x, %u entries) lie outside "
                   "the %zu-byte file",
                   shoff, shnum, size);
    }
    for (guint i = 0; i < shnum; i++) {
        const guint8 *sh = d + shoff + (guint64)i * SHDR_SIZE;
        guint64 off, len, str_off, str_len;
        guint32 link;
        const guint8 *strsh;

        if (rd32(sh + 4) != SHT_SYMTAB) {
            continue;
        }
        off = rd64(sh + 24);
        len = rd64(sh + 32);
        link = rd32(sh + 40);
        if (!in_file(size, off, 1, len) || len % SYM_SIZE != 0) {
            return bad(error, path, "section %u (.symtab) lies outside the file or is malformed",
                       i);
        }
        if (link == 0 || link >= shnum) {
            return bad(error, path, "section %u (.symtab) links to bad string table %u", i, link);
        }
        strsh = d + shoff + (guint64)link * SHDR_SIZE;
        str_off = rd64(strsh + 24);
        str_len = rd64(strsh + 32);
        if (!in_file(size, str_off, 1, str_len)) {
            return bad(error, path, "section %u (string table) lies outside the file", link);
        }
        for (guint64 s = 0; s < len / SYM_SIZE; s++) {
            const guint8 *sym = d + off + s * SYM_SIZE;
            guint32 name = rd32(sym);
            const char *str = (const char *)d + str_off;
            if (name >= str_len || memchr(str + name, '\0', str_len - name) == NULL) {
                continue; /* names we cannot read are not `tohost` */
            }
            if (strcmp(str + name, "tohost") == 0) {
                elf->has_tohost = TRUE;
                elf->tohost = rd64(sym + 8);
                return TRUE;
            }
        }
    }
    return TRUE;
}

GBytes *cfg_image_read(const char *path, GError **error)
{
    g_autoptr(GError) local = NULL;
    char *contents = NULL;
    gsize size = 0;
    struct stat st;

    if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && (guint64)st.st_size > MAX_IMAGE_SIZE) {
        g_set_error(error, CFG_ERROR, CFG_ERROR_ELF, "%s: image too large (%" G_GUINT64_FORMAT
                    " bytes)", path, (guint64)st.st_size);
        return NULL;
    }
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        g_set_error(error, CFG_ERROR, CFG_ERROR_FILE, "%s: cannot read image: is a directory",
                    path);
        return NULL;
    }
    if (!g_file_get_contents(path, &contents, &size, &local)) {
        g_set_error(error, CFG_ERROR, CFG_ERROR_FILE, "%s: cannot read image: %s", path,
                    local->message);
        return NULL;
    }
    if (size == 0) {
        g_free(contents);
        bad(error, path, "empty file, not an ELF");
        return NULL;
    }
    return g_bytes_new_take(contents, size);
}

gboolean cfg_image_is_elf(GBytes *image)
{
    gsize size;
    const guint8 *d = g_bytes_get_data(image, &size);

    return size >= 4 && memcmp(d, "\x7f" "ELF", 4) == 0;
}

CfgElf *cfg_elf_parse(const char *path, GBytes *image, guint64 ram_base, guint64 ram_size,
                      GError **error)
{
    g_autoptr(CfgElf) elf = g_new0(CfgElf, 1);
    gsize size = 0;
    const guint8 *d;

    g_return_val_if_fail(ram_size > 0, NULL);
    elf->image = g_bytes_ref(image);
    d = g_bytes_get_data(elf->image, &size);
    if (d == NULL || size == 0) {
        bad(error, path, "empty file, not an ELF");
        return NULL;
    }
    if (!check_header(path, d, size, error) ||
        !load_segments(path, elf, d, size, ram_base, ram_size, error) ||
        !find_tohost(path, elf, d, size, error)) {
        return NULL;
    }
    elf->entry = rd64(d + 24);
    return g_steal_pointer(&elf);
}

CfgElf *cfg_elf_load(const char *path, guint64 ram_base, guint64 ram_size, GError **error)
{
    g_autoptr(GBytes) image = cfg_image_read(path, error);

    return image ? cfg_elf_parse(path, image, ram_base, ram_size, error) : NULL;
}

void cfg_elf_free(CfgElf *elf)
{
    if (elf == NULL) {
        return;
    }
    g_clear_pointer(&elf->image, g_bytes_unref);
    g_free(elf->segments);
    g_free(elf);
}
