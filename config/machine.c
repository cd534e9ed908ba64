/* SPDX-License-Identifier: MIT */
/* Config files -> CfgMachine. Files (and their includes) and --set overrides
 * merge into one GKeyFile that remembers where each value came from, so
 * every message can name file:line, [group] key and what was expected. */
#include "config/internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <sys/stat.h>

#define MAX_INCLUDE_DEPTH 8
#define VIRTIO_MMIO_MIN_SIZE 0x200 /* registers to 0x100, then a device's config space */
#define VIRTIO_BLK_ID_BYTES 20u    /* what VIRTIO_BLK_T_GET_ID answers */
#define MAX_NODES 256
#define MAX_HARTS_PER_NODE 256
#define MIN_CODE_BUFFER (64 * 1024)
#define MAX_WAIT_KNOB_US 10000 /* a lease, hold or spin longer than 10 ms would stall the machine noticeably */

G_DEFINE_QUARK(shoal-cfg-error-quark, cfg_error)

/* Where one value (or group) was set. */
typedef struct {
    char *file;        /* config file, or NULL for the command line */
    int line;          /* 1-based, 0 if unknown */
    char *cmdline;     /* the option that set it ("--set memory.size=1G"), or NULL */
} Origin;

typedef struct {
    const char *path;    /* top config file */
    GKeyFile *merged;    /* every value after includes and overrides */
    GHashTable *origins; /* "group\nkey" or "group\n" -> Origin*, owned */
    GHashTable *used;    /* "group\nkey" read by extract(), for the unused-key warning */
    guint n_nics;        /* virtio-net devices extracted so far: default MACs count up */
} Loader;

static void origin_free(gpointer p)
{
    Origin *o = p;

    g_free(o->file);
    g_free(o->cmdline);
    g_free(o);
}

static void loader_clear(Loader *l)
{
    g_clear_pointer(&l->merged, g_key_file_unref);
    g_clear_pointer(&l->origins, g_hash_table_unref);
    g_clear_pointer(&l->used, g_hash_table_unref);
}

static char *slot(const char *group, const char *key)
{
    return g_strconcat(group, "\n", key ? key : "", NULL);
}

static void set_origin(Loader *l, const char *group, const char *key, const char *file, int line,
                       const char *cmdline)
{
    Origin *o = g_new0(Origin, 1);

    o->file = g_strdup(file);
    o->line = line;
    o->cmdline = g_strdup(cmdline);
    g_hash_table_replace(l->origins, slot(group, key), o);
}

/* "file:line: " / "file: " / "--set x=y: " for the value of group/key,
 * falling back to its group and then to the top file. */
static char *where(Loader *l, const char *group, const char *key)
{
    g_autofree char *k = slot(group, key);
    g_autofree char *g = slot(group, NULL);
    const Origin *o = key ? g_hash_table_lookup(l->origins, k) : NULL;

    if (o == NULL) {
        o = g_hash_table_lookup(l->origins, g);
    }
    if (o == NULL) {
        return g_strdup_printf("%s: ", l->path);
    }
    if (o->cmdline) {
        return g_strdup_printf("%s: ", o->cmdline);
    }
    if (o->line > 0) {
        return g_strdup_printf("%s:%d: ", o->file, o->line);
    }
    return g_strdup_printf("%s: ", o->file);
}

/* Sets @error to "<where>[group] key: <message>". Always returns FALSE. */
G_GNUC_PRINTF(6, 7)
static gboolean fail(Loader *l, GError **error, CfgError code, const char *group, const char *key,
                     const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;
    g_autofree char *at = where(l, group, key);

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (key) {
        g_set_error(error, CFG_ERROR, code, "%s[%s] %s: %s", at, group, key, msg);
    } else {
        g_set_error(error, CFG_ERROR, code, "%s[%s]: %s", at, group, msg);
    }
    return FALSE;
}

/* Line numbers: GKeyFile does not keep them, so find the last line that
 * sets @key in @group (the one GKeyFile keeps), or the group header when
 * @key is NULL. 0 if not found. */
static int find_line(const char *text, const char *group, const char *key)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    gboolean in_group = FALSE;
    int found = 0;

    for (int i = 0; lines[i]; i++) {
        char *s = g_strstrip(lines[i]);
        if (s[0] == '[') {
            char *end = strrchr(s, ']');
            in_group = end && (gsize)(end - s - 1) == strlen(group) &&
                       strncmp(s + 1, group, (gsize)(end - s - 1)) == 0;
            if (in_group && key == NULL && found == 0) {
                found = i + 1;
            }
            continue;
        }
        if (in_group && key && s[0] != '#') {
            char *eq = strchr(s, '=');
            if (eq) {
                *eq = '\0';
                if (strcmp(g_strstrip(s), key) == 0) {
                    found = i + 1;
                }
            }
        }
    }
    return found;
}

/* GKeyFile keeps the last of two settings of one key in one group, and
 * says nothing: a typo'd copy of a line would silently win. FALSE + error
 * naming both lines at the first key set twice in @path's @text. */
static gboolean check_duplicates(const char *path, const char *text, GError **error)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autofree char *group = NULL;

    for (int i = 0; lines[i]; i++) {
        char *s = g_strstrip(lines[i]);
        char *eq = strchr(s, '=');
        if (s[0] == '[') {
            char *end = strrchr(s, ']');
            g_free(group);
            group = end ? g_strndup(s + 1, (gsize)(end - s - 1)) : NULL;
            continue;
        }
        if (group == NULL || s[0] == '#' || eq == NULL || eq == s) {
            continue;
        }
        *eq = '\0';
        char *where = g_strdup_printf("%s\n%s", group, g_strstrip(s));
        int first = GPOINTER_TO_INT(g_hash_table_lookup(seen, where));
        if (first) {
            g_set_error(error, CFG_ERROR, CFG_ERROR_VALUE,
                        "%s:%d: [%s] %s: set twice in one file (first at line %d)", path, i + 1,
                        group, s, first);
            g_free(where);
            return FALSE;
        }
        g_hash_table_insert(seen, where, GINT_TO_POINTER(i + 1));
    }
    return TRUE;
}

/* GKeyFile's syntax errors quote the line but not its number: the first
 * line that is neither blank, comment, [group] nor key=value. 0 if none. */
static int bad_syntax_line(const char *text)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

    for (int i = 0; lines[i]; i++) {
        char *s = g_strstrip(lines[i]);
        gsize n = strlen(s);
        if (n == 0 || s[0] == '#' || (s[0] == '[' && s[n - 1] == ']') ||
            (strchr(s, '=') != NULL && s[0] != '=')) {
            continue;
        }
        return i + 1;
    }
    return 0;
}


/* Checks every group and key of one file against the table. */
static gboolean check_known(const char *path, const char *text, GKeyFile *kf, GError **error)
{
    gsize n_groups = 0;
    g_auto(GStrv) groups = g_key_file_get_groups(kf, &n_groups);

    for (gsize i = 0; i < n_groups; i++) {
        g_auto(GStrv) keys = NULL;

        if (!cfg_group_known(groups[i])) {
            g_set_error(error, CFG_ERROR, CFG_ERROR_UNKNOWN,
                        "%s:%d: [%s]: unknown group (expected machine, memory, memory.NAME, "
                        "memory-server, cpu, clint, boot, sysc, node.N or device.NAME)",
                        path, find_line(text, groups[i], NULL), groups[i]);
            return FALSE;
        }
        keys = g_key_file_get_keys(kf, groups[i], NULL, NULL);
        for (gsize j = 0; keys && keys[j]; j++) {
            if (cfg_key_lookup(groups[i], keys[j]) == NULL) {
                GString *known = g_string_new(NULL);
                for (guint k = 0; k < CFG_N_KEYS; k++) {
                    if (cfg_group_matches(cfg_keys[k].group, groups[i])) {
                        g_string_append_printf(known, "%s%s", known->len ? ", " : "",
                                               cfg_keys[k].key);
                    }
                }
                g_set_error(error, CFG_ERROR, CFG_ERROR_UNKNOWN,
                            "%s:%d: [%s] %s: unknown key (expected one of %s)", path,
                            find_line(text, groups[i], keys[j]), groups[i], keys[j], known->str);
                g_string_free(known, TRUE);
                return FALSE;
            }
        }
    }
    return TRUE;
}

/* Loads @path into l->merged on top of what is there: its include first,
 * then its own values. @stack holds the canonical paths being loaded, to
 * catch include cycles. */
static gboolean load_file(Loader *l, const char *path, GPtrArray *stack, GError **error)
{
    g_autofree char *text = NULL;
    gsize len = 0;
    g_autoptr(GError) local = NULL;
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autofree char *canon = g_canonicalize_filename(path, NULL);
    g_auto(GStrv) groups = NULL;

    for (guint i = 0; i < stack->len; i++) {
        if (strcmp(stack->pdata[i], canon) == 0) {
            g_set_error(error, CFG_ERROR, CFG_ERROR_VALUE,
                        "%s: [machine] include: %s includes itself", (char *)stack->pdata[0],
                        path);
            return FALSE;
        }
    }
    if (stack->len >= MAX_INCLUDE_DEPTH) {
        g_set_error(error, CFG_ERROR, CFG_ERROR_VALUE,
                    "%s: [machine] include: more than %d nested includes", path,
                    MAX_INCLUDE_DEPTH);
        return FALSE;
    }
    if (!g_file_get_contents(path, &text, &len, &local)) {
        g_set_error(error, CFG_ERROR, CFG_ERROR_FILE, "%s: cannot read config: %s", path,
                    local->message);
        return FALSE;
    }
    if (memchr(text, '\0', len) != NULL || !g_utf8_validate(text, (gssize)len, NULL)) {
        g_set_error(error, CFG_ERROR, CFG_ERROR_FILE, "%s: not a text file (NUL byte or invalid UTF-8)",
                    path);
        return FALSE;
    }
    if (!g_key_file_load_from_data(kf, text, len, G_KEY_FILE_NONE, &local)) {
        int line = bad_syntax_line(text);
        if (line > 0) {
            g_set_error(error, CFG_ERROR, CFG_ERROR_FILE, "%s:%d: not a config file: %s", path,
                        line, local->message);
        } else {
            g_set_error(error, CFG_ERROR, CFG_ERROR_FILE, "%s: not a config file: %s", path,
                        local->message);
        }
        return FALSE;
    }
    if (!check_known(path, text, kf, error) || !check_duplicates(path, text, error)) {
        return FALSE;
    }

    if (g_key_file_has_key(kf, "machine", "include", NULL)) {
        g_autofree char *inc = g_key_file_get_string(kf, "machine", "include", NULL);
        g_autofree char *dir = g_path_get_dirname(path);
        g_autofree char *inc_path = NULL;
        gboolean ok;

        if (inc == NULL || inc[0] == '\0') {
            g_set_error(error, CFG_ERROR, CFG_ERROR_VALUE,
                        "%s:%d: [machine] include: expected a file name, got \"\"", path,
                        find_line(text, "machine", "include"));
            return FALSE;
        }
        inc_path = g_path_is_absolute(inc) ? g_strdup(inc) : g_build_filename(dir, inc, NULL);
        if (!g_file_test(inc_path, G_FILE_TEST_IS_REGULAR)) {
            g_set_error(error, CFG_ERROR, CFG_ERROR_FILE,
                        "%s:%d: [machine] include: %s: no such config file", path,
                        find_line(text, "machine", "include"), inc_path);
            return FALSE;
        }
        g_ptr_array_add(stack, g_strdup(canon));
        ok = load_file(l, inc_path, stack, error);
        g_ptr_array_remove_index(stack, stack->len - 1);
        if (!ok) {
            return FALSE;
        }
    }

    groups = g_key_file_get_groups(kf, NULL);
    for (gsize i = 0; groups[i]; i++) {
        g_auto(GStrv) keys = g_key_file_get_keys(kf, groups[i], NULL, NULL);
        g_autofree char *gslot = slot(groups[i], NULL);

        if (!g_hash_table_contains(l->origins, gslot)) {
            set_origin(l, groups[i], NULL, path, find_line(text, groups[i], NULL), NULL);
        }
        if (!g_key_file_has_group(l->merged, groups[i])) {
            /* an empty group ([node.1] with all defaults) must still exist */
            g_key_file_set_value(l->merged, groups[i], "-", "");
            g_key_file_remove_key(l->merged, groups[i], "-", NULL);
        }
        for (gsize j = 0; keys && keys[j]; j++) {
            g_autofree char *raw = NULL;
            if (strcmp(groups[i], "machine") == 0 && strcmp(keys[j], "include") == 0) {
                continue; /* consumed above; the merged config is flat */
            }
            raw = g_key_file_get_value(kf, groups[i], keys[j], NULL);
            g_key_file_set_value(l->merged, groups[i], keys[j], raw);
            set_origin(l, groups[i], keys[j], path, find_line(text, groups[i], keys[j]), NULL);
        }
    }
    return TRUE;
}

/* One "group.key=value" override; group may itself hold dots (node.0). */
static gboolean apply_set(Loader *l, const char *set, GError **error)
{
    const char *eq = strchr(set, '=');
    g_autofree char *lhs = NULL;
    char *dot;
    g_autofree char *opt = g_strdup_printf("--set %s", set);

    if (eq == NULL) {
        g_set_error(error, CFG_ERROR, CFG_ERROR_VALUE, "%s: expected group.key=value", opt);
        return FALSE;
    }
    lhs = g_strndup(set, (gsize)(eq - set));
    dot = strrchr(lhs, '.');
    if (dot == NULL || dot == lhs || dot[1] == '\0') {
        g_set_error(error, CFG_ERROR, CFG_ERROR_VALUE, "%s: expected group.key=value", opt);
        return FALSE;
    }
    *dot = '\0';
    if (!cfg_group_known(lhs)) {
        g_set_error(error, CFG_ERROR, CFG_ERROR_UNKNOWN,
                    "%s: unknown group [%s] (expected machine, memory, memory.NAME, "
                    "memory-server, cpu, clint, boot, sysc, node.N or device.NAME)", opt, lhs);
        return FALSE;
    }
    if (cfg_key_lookup(lhs, dot + 1) == NULL) {
        g_set_error(error, CFG_ERROR, CFG_ERROR_UNKNOWN, "%s: unknown key %s in [%s]", opt, dot + 1,
                    lhs);
        return FALSE;
    }
    if (strcmp(lhs, "machine") == 0 && strcmp(dot + 1, "include") == 0) {
        g_set_error(error, CFG_ERROR, CFG_ERROR_VALUE,
                    "%s: include only works inside a config file", opt);
        return FALSE;
    }
    if (!g_key_file_has_group(l->merged, lhs)) {
        set_origin(l, lhs, NULL, NULL, 0, opt);
    }
    g_key_file_set_string(l->merged, lhs, dot + 1, eq + 1);
    set_origin(l, lhs, dot + 1, NULL, 0, opt);
    return TRUE;
}

static gboolean loader_run(Loader *l, const char *path, const char *const *sets,
                           const char *kernel, const char *bios, GError **error)
{
    g_autoptr(GPtrArray) stack = g_ptr_array_new_with_free_func(g_free);

    l->path = path;
    l->merged = g_key_file_new();
    l->origins = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, origin_free);
    l->used = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

    if (!load_file(l, path, stack, error)) {
        return FALSE;
    }
    for (guint i = 0; sets && sets[i]; i++) {
        if (!apply_set(l, sets[i], error)) {
            return FALSE;
        }
    }
    if (kernel) {
        g_autofree char *opt = g_strdup_printf("--kernel %s", kernel);
        g_key_file_set_string(l->merged, "boot", "kernel", kernel);
        set_origin(l, "boot", "kernel", NULL, 0, opt);
    }
    if (bios) {
        g_autofree char *opt = g_strdup_printf("--bios %s", bios);
        g_key_file_set_string(l->merged, "boot", "bios", bios);
        set_origin(l, "boot", "bios", NULL, 0, opt);
    }
    return TRUE;
}

/* The value of @id in @group: explicit, else the default; NULL when a
 * required key is absent (error set) and "" for an unset optional one.
 * Marks the key used. */
static char *get(Loader *l, const char *group, CfgKeyId id, GError **error)
{
    const CfgKeyInfo *k = &cfg_keys[id];
    g_autoptr(GError) local = NULL;
    char *v;

    g_assert(cfg_group_matches(k->group, group));
    g_hash_table_add(l->used, slot(group, k->key));
    if (!g_key_file_has_key(l->merged, group, k->key, NULL)) {
        if (k->def == NULL) {
            fail(l, error, CFG_ERROR_MISSING, group, k->key, "missing, expected %s",
                 cfg_type_expect(k->type));
            return NULL;
        }
        return g_strdup(k->def);
    }
    v = g_key_file_get_string(l->merged, group, k->key, &local);
    if (local != NULL) { /* GLib may set an error and still return a string */
        g_clear_pointer(&v, g_free);
        fail(l, error, CFG_ERROR_VALUE, group, k->key, "expected %s: %s", cfg_type_expect(k->type),
             local->message);
    }
    return v;
}

/* A key of two words: *@first TRUE for @yes, FALSE for @no; anything else
 * is a value error naming both. */
static gboolean get_choice(Loader *l, const char *group, CfgKeyId id, const char *yes,
                           const char *no, gboolean *first, GError **error)
{
    g_autofree char *v = get(l, group, id, error);
    if (v == NULL) {
        return FALSE;
    }
    if (strcmp(v, yes) != 0 && strcmp(v, no) != 0) {
        return fail(l, error, CFG_ERROR_VALUE, group, cfg_keys[id].key,
                    "expected %s or %s, got \"%s\"", yes, no, v);
    }
    *first = strcmp(v, yes) == 0;
    return TRUE;
}

/* get_choice for a key with no default: absent is @no. */
static gboolean get_optional_choice(Loader *l, const char *group, CfgKeyId id, const char *yes,
                                    const char *no, gboolean *first, GError **error)
{
    g_autofree char *v = get(l, group, id, error);
    if (v == NULL) {
        return FALSE;
    }
    *first = FALSE;
    return v[0] == '\0' || get_choice(l, group, id, yes, no, first, error);
}

/* A numeric key; FALSE with @error set if missing or malformed. */
static gboolean get_u64(Loader *l, const char *group, CfgKeyId id, guint64 *out, GError **error)
{
    const CfgKeyInfo *k = &cfg_keys[id];
    g_autofree char *v = get(l, group, id, error);
    gboolean suffix_ok = k->type == CFG_TYPE_SIZE || k->type == CFG_TYPE_ADDRESS;

    if (v == NULL) {
        return FALSE;
    }
    if (!cfg_parse_u64(v, suffix_ok, out)) {
        return fail(l, error, CFG_ERROR_VALUE, group, k->key, "expected %s, got \"%s\"",
                    cfg_type_expect(k->type), v);
    }
    return TRUE;
}

/* A time in us that a node or the server waits on its own, 0..10 ms. */
static gboolean get_us(Loader *l, const char *group, CfgKeyId id, guint64 *out, GError **error)
{
    if (!get_u64(l, group, id, out, error)) {
        return FALSE;
    }
    if (*out > MAX_WAIT_KNOB_US) {
        return fail(l, error, CFG_ERROR_VALUE, group, cfg_keys[id].key,
                    "expected 0..%u, got %" G_GUINT64_FORMAT, MAX_WAIT_KNOB_US, *out);
    }
    return TRUE;
}

/* @path of key @id in @group, made relative to the directory of the file
 * that set it if it is relative and came from a file (a new string). */
static char *from_origin(Loader *l, const char *group, CfgKeyId id, const char *path)
{
    g_autofree char *k = slot(group, cfg_keys[id].key);
    const Origin *o = g_hash_table_lookup(l->origins, k);

    if (o && o->file && !g_path_is_absolute(path)) {
        g_autofree char *dir = g_path_get_dirname(o->file);
        return g_build_filename(dir, path, NULL);
    }
    return g_strdup(path);
}

/* A path: relative ones are taken from the directory of the file that set
 * them (command-line ones stay relative to the working directory); "none"
 * and "" mean none (NULL). */
static gboolean get_path(Loader *l, const char *group, CfgKeyId id, char **out, GError **error)
{
    g_autofree char *v = get(l, group, id, error);

    *out = NULL;
    if (v == NULL) {
        return FALSE;
    }
    if (v[0] == '\0' || strcmp(v, "none") == 0) {
        return TRUE;
    }
    *out = from_origin(l, group, id, v);
    return TRUE;
}

static gboolean extract_memory(Loader *l, CfgMachine *m, GError **error)
{
    if (!get_u64(l, "memory", CFG_KEY_MEMORY_BASE, &m->ram_base, error) ||
        !get_u64(l, "memory", CFG_KEY_MEMORY_SIZE, &m->ram_size, error)) {
        return FALSE;
    }
    if (m->ram_size == 0 || m->ram_size % 4096 != 0) {
        return fail(l, error, CFG_ERROR_VALUE, "memory", "size",
                    "expected a non-zero multiple of 4 KiB, got 0x%" G_GINT64_MODIFIER "x",
                    m->ram_size);
    }
    if (m->ram_size > CFG_RAM_MAX) {
        return fail(l, error, CFG_ERROR_VALUE, "memory", "size",
                    "expected at most 64G, got 0x%" G_GINT64_MODIFIER "x", m->ram_size);
    }
    if (m->ram_base % 4096 != 0) {
        return fail(l, error, CFG_ERROR_VALUE, "memory", "base",
                    "expected a 4 KiB aligned address, got 0x%" G_GINT64_MODIFIER "x",
                    m->ram_base);
    }
    if (m->ram_base + m->ram_size - 1 < m->ram_base) {
        return fail(l, error, CFG_ERROR_VALUE, "memory", "size",
                    "base 0x%" G_GINT64_MODIFIER "x + size 0x%" G_GINT64_MODIFIER
                    "x wraps past the end of the address space",
                    m->ram_base, m->ram_size);
    }
    return TRUE;
}

/* A device or region name: letters, digits, _ and -. */
static gboolean device_name_ok(const char *name)
{
    if (name[0] == '\0') {
        return FALSE;
    }
    for (const char *p = name; *p; p++) {
        if (!g_ascii_isalnum(*p) && *p != '_' && *p != '-') {
            return FALSE;
        }
    }
    return TRUE;
}

static gboolean ranges_overlap(guint64 b1, guint64 s1, guint64 b2, guint64 s2)
{
    /* inclusive ends: neither wraps, checked before */
    return b1 <= b2 + s2 - 1 && b2 <= b1 + s1 - 1;
}

/* A region's image: there, readable, not empty and no larger than the
 * region, so the memory server, which reads it at power-on, cannot fail
 * on it halfway through a start. */
static gboolean check_region_image(Loader *l, const CfgMemory *r, GError **error)
{
    GStatBuf st;
    const char *why = g_stat(r->image, &st) != 0      ? "no such file"
                      : !S_ISREG(st.st_mode)           ? "not a regular file"
                      : access(r->image, R_OK) != 0    ? "not readable"
                      : st.st_size == 0                ? "empty"
                                                       : NULL;
    if (why) {
        return fail(l, error, CFG_ERROR_VALUE, r->group, "image", "%s: %s", r->image, why);
    }
    if ((guint64)st.st_size > r->size) {
        return fail(l, error, CFG_ERROR_VALUE, r->group, "image",
                    "%s: %" G_GUINT64_FORMAT " bytes do not fit in the region's 0x%"
                    G_GINT64_MODIFIER "x", r->image, (guint64)st.st_size, r->size);
    }
    return TRUE;
}

/* One [memory.NAME]: base, size, kind and image, checked on its own. */
static gboolean extract_region(Loader *l, const char *group, CfgMemory *r, GError **error)
{
    g_autofree char *kind = NULL;

    r->group = g_strdup(group);
    r->label = g_strdup_printf("[%s]", group);
    if (!device_name_ok(group + strlen("memory."))) {
        return fail(l, error, CFG_ERROR_VALUE, group, NULL,
                    "expected a region name of letters, digits, _ and - like [memory.rom]");
    }
    if (!get_u64(l, group, CFG_KEY_REGION_BASE, &r->base, error) ||
        !get_u64(l, group, CFG_KEY_REGION_SIZE, &r->size, error) ||
        (kind = get(l, group, CFG_KEY_REGION_KIND, error)) == NULL ||
        !get_path(l, group, CFG_KEY_REGION_IMAGE, &r->image, error)) {
        return FALSE;
    }
    if (strcmp(kind, "ram") == 0) {
        r->kind = CFG_MEMORY_RAM;
    } else if (strcmp(kind, "rom") == 0) {
        r->kind = CFG_MEMORY_ROM;
    } else if (strcmp(kind, "sram") == 0) {
        r->kind = CFG_MEMORY_SRAM;
    } else {
        return fail(l, error, CFG_ERROR_VALUE, group, "kind", "expected %s, got \"%s\"",
                    cfg_type_expect(CFG_TYPE_MEMKIND), kind);
    }
    if (r->size == 0 || r->size % 4096 != 0) {
        return fail(l, error, CFG_ERROR_VALUE, group, "size",
                    "expected a non-zero multiple of 4 KiB, got 0x%" G_GINT64_MODIFIER "x",
                    r->size);
    }
    if (r->base % 4096 != 0) {
        return fail(l, error, CFG_ERROR_VALUE, group, "base",
                    "expected a 4 KiB aligned address, got 0x%" G_GINT64_MODIFIER "x", r->base);
    }
    if (r->base + r->size - 1 < r->base) {
        return fail(l, error, CFG_ERROR_VALUE, group, "size",
                    "base 0x%" G_GINT64_MODIFIER "x + size 0x%" G_GINT64_MODIFIER
                    "x wraps past the end of the address space", r->base, r->size);
    }
    if (r->image) {
        g_key_file_set_string(l->merged, group, "image", r->image);
        return check_region_image(l, r, error);
    }
    if (r->kind == CFG_MEMORY_ROM) {
        /* nothing could ever write it: a rom without bytes is a mistake */
        return fail(l, error, CFG_ERROR_MISSING, group, "image",
                    "a rom needs its contents (image=FILE)");
    }
    return TRUE;
}

/* [memory] as region 0, then every [memory.NAME]: disjoint, together no
 * more than the directory can hold and within one host span of a node. */
static gboolean extract_regions(Loader *l, CfgMachine *m, GError **error)
{
    g_auto(GStrv) groups = g_key_file_get_groups(l->merged, NULL);
    GArray *regions = g_array_new(FALSE, TRUE, sizeof(CfgMemory));
    CfgMemory ram = { g_strdup("memory"), g_strdup("RAM"), CFG_MEMORY_RAM, m->ram_base,
                      m->ram_size, NULL, 0 };
    gboolean ok = TRUE;
    guint64 lo = m->ram_base, hi = m->ram_base + m->ram_size - 1;

    g_array_append_val(regions, ram);
    for (gsize i = 0; ok && groups[i]; i++) {
        CfgMemory r = { 0 };
        if (!g_str_has_prefix(groups[i], "memory.")) {
            continue;
        }
        ok = extract_region(l, groups[i], &r, error);
        if (ok && regions->len >= CFG_MEMORY_MAX) {
            ok = fail(l, error, CFG_ERROR_VALUE, groups[i], NULL,
                      "a machine has at most %d memory regions, [memory] included",
                      CFG_MEMORY_MAX);
        }
        for (guint j = 0; ok && j < regions->len; j++) {
            const CfgMemory *o = &g_array_index(regions, CfgMemory, j);
            if (ranges_overlap(r.base, r.size, o->base, o->size)) {
                ok = fail(l, error, CFG_ERROR_VALUE, groups[i], "base",
                          "0x%" G_GINT64_MODIFIER "x..0x%" G_GINT64_MODIFIER "x overlaps %s 0x%"
                          G_GINT64_MODIFIER "x..0x%" G_GINT64_MODIFIER "x", r.base,
                          r.base + r.size - 1, o->label, o->base, o->base + o->size - 1);
            }
        }
        if (ok) {
            lo = MIN(lo, r.base);
            hi = MAX(hi, r.base + r.size - 1);
            if (hi - lo >= CFG_MEMORY_SPAN_MAX) {
                ok = fail(l, error, CFG_ERROR_VALUE, groups[i], "base",
                          "memory would span 0x%" G_GINT64_MODIFIER "x..0x%" G_GINT64_MODIFIER
                          "x: all regions must lie within 1T of each other", lo, hi);
            }
        }
        r.first_page = m->memory_pages; /* before the total: [memory]'s pages come last here */
        g_array_append_val(regions, r); /* even on error, so it gets freed */
        m->memory_pages += r.size / 4096;
        if (ok && (m->memory_pages + m->ram_size / 4096) * 4096 > CFG_RAM_MAX) {
            ok = fail(l, error, CFG_ERROR_VALUE, groups[i], "size",
                      "all memory regions together: expected at most 64G");
        }
    }
    m->n_memories = regions->len;
    m->memories = (CfgMemory *)(void *)g_array_free(regions, FALSE);
    /* [memory]'s pages are numbered first, the others after them in order */
    for (guint i = 1; i < m->n_memories; i++) {
        m->memories[i].first_page += m->ram_size / 4096;
    }
    m->memory_pages += m->ram_size / 4096;
    m->span_base = lo;
    m->span_size = hi - lo + 1;
    return ok;
}

static gboolean extract_cpu(Loader *l, CfgMachine *m, GError **error)
{
    g_autofree char *endpoint = get(l, "memory-server", CFG_KEY_MSRV_ENDPOINT, error);
    g_autofree char *accel = NULL;

    if (endpoint == NULL) {
        return FALSE;
    }
    if (endpoint[0]) {
        const char *colon = strrchr(endpoint, ':');
        guint64 port;
        if (g_str_has_prefix(endpoint, "tcp://")) {
            if (colon == NULL || colon < endpoint + 7 || !cfg_parse_u64(colon + 1, FALSE, &port) ||
                port == 0 || port > 65535) {
                return fail(l, error, CFG_ERROR_VALUE, "memory-server", "endpoint",
                            "expected tcp://HOST:PORT with a port 1..65535, got \"%s\"", endpoint);
            }
            /* Every process connects to it: a wildcard is no address to reach. */
            g_autofree char *host = g_strndup(endpoint + 6, (gsize)(colon - endpoint - 6));
            if (strcmp(host, "*") == 0 || strcmp(host, "0.0.0.0") == 0 ||
                strcmp(host, "[::]") == 0) {
                return fail(l, error, CFG_ERROR_VALUE, "memory-server", "endpoint",
                            "%s: the processes connect to this address, so it must name the "
                            "server's host, not every interface", endpoint);
            }
        } else if (!g_str_has_prefix(endpoint, "ipc://") || endpoint[6] == '\0') {
            return fail(l, error, CFG_ERROR_VALUE, "memory-server", "endpoint",
                        "expected %s, got \"%s\"", cfg_type_expect(CFG_TYPE_ENDPOINT), endpoint);
        }
        m->msrv_endpoint = g_steal_pointer(&endpoint);
    }

    if (!get_path(l, "memory-server", CFG_KEY_MSRV_KEY, &m->msrv_key, error) ||
        !get_path(l, "memory-server", CFG_KEY_MSRV_AUTHORIZED_KEYS, &m->msrv_authorized_keys,
                  error) ||
        !get_path(l, "memory-server", CFG_KEY_MSRV_SERVER_PUBLIC_KEY,
                  &m->msrv_server_public_key, error) ||
        !get_path(l, "memory-server", CFG_KEY_MSRV_CLIENT_KEY, &m->msrv_client_key, error) ||
        !get_choice(l, "memory-server", CFG_KEY_MSRV_PLAIN_TCP, "on", "off", &m->msrv_plain_tcp,
                    error)) {
        return FALSE;
    }
    if (m->msrv_endpoint && g_str_has_prefix(m->msrv_endpoint, "tcp://") && !m->msrv_plain_tcp &&
        !m->msrv_key && !(m->msrv_server_public_key && m->msrv_client_key)) {
        return fail(l, error, CFG_ERROR_MISSING, "memory-server", "key",
                    "a tcp:// endpoint needs CurveZMQ keys (make a pair with `shoal keygen "
                    "FILE`): key on the server's host, server-public-key and client-key on "
                    "the others; or plain-tcp = on to run in the clear");
    }

    guint64 prefetch;
    if (!get_u64(l, "memory-server", CFG_KEY_MSRV_PREFETCH, &prefetch, error)) {
        return FALSE;
    }
    if (prefetch > 64) {
        return fail(l, error, CFG_ERROR_VALUE, "memory-server", "prefetch-pages",
                    "expected 0..64, got %" G_GUINT64_FORMAT, prefetch);
    }
    m->msrv_prefetch_pages = (guint)prefetch;

    g_autofree char *transport = get(l, "memory-server", CFG_KEY_MSRV_TRANSPORT, error);
    if (transport == NULL) {
        return FALSE;
    }
    if (strcmp(transport, "auto") != 0 && strcmp(transport, "unix") != 0 &&
        strcmp(transport, "zmq") != 0) {
        return fail(l, error, CFG_ERROR_VALUE, "memory-server", "transport",
                    "expected auto, unix or zmq, got \"%s\"", transport);
    }
    m->msrv_direct = strcmp(transport, "zmq") != 0 &&
                     (m->msrv_endpoint == NULL || g_str_has_prefix(m->msrv_endpoint, "ipc://"));
    m->msrv_rings = m->msrv_direct && strcmp(transport, "auto") == 0;

    if (!get_choice(l, "memory-server", CFG_KEY_MSRV_MIGRATORY, "on", "off", &m->msrv_migratory,
                    error)) {
        return FALSE;
    }

    accel = get(l, "cpu", CFG_KEY_CPU_ACCEL, error);
    if (accel == NULL) {
        return FALSE;
    }
    if (strcmp(accel, "interp") != 0 && strcmp(accel, "jit") != 0) {
        return fail(l, error, CFG_ERROR_VALUE, "cpu", "accel", "expected interp or jit, got \"%s\"",
                    accel);
    }
    m->accel = g_steal_pointer(&accel);
    if (!get_u64(l, "cpu", CFG_KEY_CPU_CODE_BUFFER, &m->code_buffer, error)) {
        return FALSE;
    }
    if (m->code_buffer < MIN_CODE_BUFFER || m->code_buffer > G_MAXUINT32) {
        return fail(l, error, CFG_ERROR_VALUE, "cpu", "code-buffer",
                    "expected 64K..4G, got 0x%" G_GINT64_MODIFIER "x", m->code_buffer);
    }
    if (!get_choice(l, "cpu", CFG_KEY_CPU_PINS, "profile", "fixed", &m->profile_pins, error) ||
        !get_us(l, "cpu", CFG_KEY_CPU_LR_LEASE, &m->lr_lease_us, error) ||
        !get_us(l, "cpu", CFG_KEY_CPU_PAGE_HOLD, &m->page_hold_us, error) ||
        !get_us(l, "cpu", CFG_KEY_CPU_SPIN, &m->cpu_spin_us, error) ||
        !get_choice(l, "cpu", CFG_KEY_CPU_FORWARD, "m-mode", "off", &m->forward_m_mode, error) ||
        !get_us(l, "memory-server", CFG_KEY_MSRV_SPIN, &m->msrv_spin_us, error)) {
        return FALSE;
    }
    if (!get_u64(l, "clint", CFG_KEY_CLINT_TIMEBASE, &m->timebase_hz, error)) {
        return FALSE;
    }
    if (m->timebase_hz == 0) {
        return fail(l, error, CFG_ERROR_VALUE, "clint", "timebase-frequency",
                    "expected a frequency > 0, got 0");
    }
    return TRUE;
}

/* N of "node.N": decimal, no sign, no leading zero. */
static gboolean node_index(const char *group, guint *out)
{
    const char *n = group + strlen("node.");
    guint64 v;

    if (!g_ascii_isdigit(n[0]) || (n[0] == '0' && n[1] != '\0')) {
        return FALSE;
    }
    for (const char *p = n; *p; p++) {
        if (!g_ascii_isdigit(*p)) {
            return FALSE;
        }
    }
    if (!cfg_parse_u64(n, FALSE, &v) || v >= MAX_NODES) {
        return FALSE;
    }
    *out = (guint)v;
    return TRUE;
}

static gboolean extract_nodes(Loader *l, CfgMachine *m, GError **error)
{
    g_auto(GStrv) groups = g_key_file_get_groups(l->merged, NULL);
    g_autofree char **by_index = g_new0(char *, MAX_NODES);
    guint max = 0;
    gboolean any = FALSE;

    for (gsize i = 0; groups[i]; i++) {
        guint idx;
        if (!g_str_has_prefix(groups[i], "node.")) {
            continue;
        }
        if (!node_index(groups[i], &idx)) {
            return fail(l, error, CFG_ERROR_VALUE, groups[i], NULL,
                        "expected a node number 0..%d like [node.0]", MAX_NODES - 1);
        }
        by_index[idx] = groups[i];
        max = MAX(max, idx);
        any = TRUE;
    }
    if (!any) {
        g_set_error(error, CFG_ERROR, CFG_ERROR_MISSING,
                    "%s: [node.0]: missing, a machine needs at least one cpu node", l->path);
        return FALSE;
    }
    m->n_nodes = max + 1;
    m->nodes = g_new0(CfgNode, m->n_nodes);
    for (guint i = 0; i < m->n_nodes; i++) {
        guint64 harts;
        if (by_index[i] == NULL) {
            g_set_error(error, CFG_ERROR, CFG_ERROR_MISSING,
                        "%s: [node.%u]: missing, nodes must be numbered 0..%u with no gap", l->path,
                        i, max);
            return FALSE;
        }
        if (!get_u64(l, by_index[i], CFG_KEY_NODE_HARTS, &harts, error)) {
            return FALSE;
        }
        if (harts == 0 || harts > MAX_HARTS_PER_NODE) {
            return fail(l, error, CFG_ERROR_VALUE, by_index[i], "harts",
                        "expected 1..%d harts, got %" G_GUINT64_FORMAT, MAX_HARTS_PER_NODE, harts);
        }
        g_autofree char *isa = get(l, by_index[i], CFG_KEY_NODE_ISA, error);
        g_autofree char *priv = isa ? get(l, by_index[i], CFG_KEY_NODE_PRIV, error) : NULL;
        g_autofree char *mmu = priv ? get(l, by_index[i], CFG_KEY_NODE_MMU, error) : NULL;
        g_autoptr(GError) bad = NULL;
        if (mmu == NULL) {
            return FALSE;
        }
        if (!tcg_isa_parse(isa, priv, mmu, &m->nodes[i].isa, &bad)) {
            /* the message starts with the key it is about */
            const char *key = g_str_has_prefix(bad->message, "priv=") ? "priv"
                            : g_str_has_prefix(bad->message, "mmu=")  ? "mmu"
                                                                       : "isa";
            return fail(l, error, CFG_ERROR_VALUE, by_index[i], key, "%s", bad->message);
        }
        guint64 pmp;
        if (!get_u64(l, by_index[i], CFG_KEY_NODE_PMP, &pmp, error)) {
            return FALSE;
        }
        if (pmp > TCG_PMP_ENTRIES) {
            return fail(l, error, CFG_ERROR_VALUE, by_index[i], "pmp-entries",
                        "expected 0..%d, got %" G_GUINT64_FORMAT, TCG_PMP_ENTRIES, pmp);
        }
        m->nodes[i].isa.pmp_unimplemented = (guint8)(TCG_PMP_ENTRIES - pmp);
        m->nodes[i].index = i;
        m->nodes[i].first_hart = m->n_harts;
        m->nodes[i].n_harts = (guint)harts;
        m->n_harts += (guint)harts;
    }
    return TRUE;
}

/* The config's spelling of each device type. */
static const struct {
    const char *name;
    CfgDeviceType type;
} device_types[] = {
    { "ns16550", CFG_DEVICE_NS16550 },       { "sifive_test", CFG_DEVICE_SIFIVE_TEST },
    { "clint", CFG_DEVICE_CLINT },           { "plic", CFG_DEVICE_PLIC },
    { "sysc", CFG_DEVICE_SYSC },             { "gpio", CFG_DEVICE_GPIO },
    { "virtio-blk", CFG_DEVICE_VIRTIO_BLK }, { "virtio-rng", CFG_DEVICE_VIRTIO_RNG },
    { "virtio-net", CFG_DEVICE_VIRTIO_NET }, { "virtio-console", CFG_DEVICE_VIRTIO_CONSOLE },
    { "sifive_uart", CFG_DEVICE_SIFIVE_UART },
};

const char *cfg_device_type_name(CfgDeviceType type)
{
    for (guint t = 0; t < G_N_ELEMENTS(device_types); t++) {
        if (device_types[t].type == type) {
            return device_types[t].name;
        }
    }
    g_assert_not_reached();
}

/* A virtio-blk's image: named, and openable as the guest will use it, so a
 * missing or read-only file stops the machine before anything starts. */
static gboolean extract_disk(Loader *l, const char *group, CfgDevice *d, GError **error)
{
    if (!get_path(l, group, CFG_KEY_DEVICE_FILE, &d->file, error) ||
        !get_optional_choice(l, group, CFG_KEY_DEVICE_READONLY, "on", "off", &d->readonly,
                             error) ||
        (d->serial = get(l, group, CFG_KEY_DEVICE_SERIAL, error)) == NULL) {
        return FALSE;
    }
    if (strlen(d->serial) > VIRTIO_BLK_ID_BYTES) {
        return fail(l, error, CFG_ERROR_VALUE, group, "serial",
                    "expected at most %u bytes, got %zu", VIRTIO_BLK_ID_BYTES,
                    strlen(d->serial));
    }
    if (d->file == NULL) {
        return fail(l, error, CFG_ERROR_MISSING, group, "file",
                    "a virtio-blk device needs its disk image (file=PATH)");
    }
    const char *why = !g_file_test(d->file, G_FILE_TEST_EXISTS)       ? "no such file"
                      : !g_file_test(d->file, G_FILE_TEST_IS_REGULAR) ? "not a regular file"
                      : access(d->file, R_OK) != 0                     ? "not readable"
                      : !d->readonly && access(d->file, W_OK) != 0
                          ? "not writable (readonly=on offers it read-only)"
                          : NULL;
    if (why) {
        return fail(l, error, CFG_ERROR_VALUE, group, "file", "disk image %s: %s", d->file, why);
    }
    return TRUE;
}

/* One hostfwd rule in QEMU's syntax: tcp|udp:[ADDR]:PORT-[ADDR]:PORT. */
static gboolean hostfwd_ok(const char *rule)
{
    g_auto(GStrv) sides = NULL;
    const char *rest = g_str_has_prefix(rule, "tcp:")   ? rule + 4
                       : g_str_has_prefix(rule, "udp:") ? rule + 4
                                                        : NULL;
    if (rest == NULL) {
        return FALSE;
    }
    sides = g_strsplit(rest, "-", -1);
    if (g_strv_length(sides) != 2) {
        return FALSE;
    }
    for (guint i = 0; i < 2; i++) {
        const char *colon = strrchr(sides[i], ':');
        guint64 port;
        if (colon == NULL || !cfg_parse_u64(colon + 1, FALSE, &port) || port == 0 ||
            port > 65535) {
            return FALSE;
        }
    }
    return TRUE;
}

/* User networking's forwarded ports. */
static gboolean extract_nic_user(Loader *l, const char *group, CfgDevice *d, GError **error)
{
    g_autofree char *fwd = get(l, group, CFG_KEY_DEVICE_HOSTFWD, error);
    if (fwd == NULL) {
        return FALSE;
    }
    d->hostfwd = g_strsplit_set(fwd, ",;", -1);
    guint kept = 0;
    for (guint i = 0; d->hostfwd[i]; i++) {
        char *rule = g_strstrip(d->hostfwd[i]);
        if (rule[0] == '\0') {
            g_free(rule);
            continue;
        }
        if (!hostfwd_ok(rule)) {
            return fail(l, error, CFG_ERROR_VALUE, group, "hostfwd",
                        "expected tcp:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT (or udp:), got "
                        "\"%s\"", rule);
        }
        d->hostfwd[kept++] = rule;
    }
    d->hostfwd[kept] = NULL;
    return TRUE;
}

/* A link's address (key @id): *@out NULL if unset, else "unix:PATH" with
 * PATH taken from the file's directory as a path key's, or
 * "@inet:HOST:PORT" (HOST a name, an IPv4 address or an [IPv6] one). */
static gboolean get_link_address(Loader *l, const char *group, CfgKeyId id, const char *inet,
                                 char **out, GError **error)
{
    g_autofree char *v = get(l, group, id, error);
    const char *key = cfg_keys[id].key;
    guint64 port;

    *out = NULL;
    if (v == NULL) {
        return FALSE;
    }
    if (v[0] == '\0') {
        return TRUE;
    }
    if (g_str_has_prefix(v, "unix:") && v[5] != '\0') {
        g_autofree char *path = from_origin(l, group, id, v + 5);
        /* struct sockaddr_un's sun_path holds 108 bytes with the NUL */
        if (strlen(path) >= 108) {
            return fail(l, error, CFG_ERROR_VALUE, group, key,
                        "unix socket path %s: longer than a unix socket's path may be (107 "
                        "bytes)", path);
        }
        *out = g_strconcat("unix:", path, NULL);
        return TRUE;
    }
    const char *colon = strrchr(v, ':');
    if (g_str_has_prefix(v, inet) && v[strlen(inet)] == ':' && colon > v + strlen(inet) + 1 &&
        cfg_parse_u64(colon + 1, FALSE, &port) && port > 0 && port <= 65535) {
        *out = g_steal_pointer(&v);
        return TRUE;
    }
    return fail(l, error, CFG_ERROR_VALUE, group, key,
                "expected unix:PATH or %s:HOST:PORT (PORT 1..65535), got \"%s\"", inet, v);
}

/* What carries a virtio-net's frames and the keys of that backend; the
 * keys of the others stay unread, so the unused-key warning names them. */
static gboolean extract_netdev(Loader *l, const char *group, CfgDevice *d, GError **error)
{
    static const char *const names[] = {
        [CFG_NETDEV_USER] = "user",
        [CFG_NETDEV_STREAM] = "stream",
        [CFG_NETDEV_DGRAM] = "dgram",
        [CFG_NETDEV_TAP] = "tap",
    };
    g_autofree char *v = get(l, group, CFG_KEY_DEVICE_NETDEV, error);
    if (v == NULL) {
        return FALSE;
    }
    guint n = 0; /* absent: user */
    while (v[0] && n < G_N_ELEMENTS(names) && strcmp(v, names[n]) != 0) {
        n++;
    }
    if (n == G_N_ELEMENTS(names)) {
        return fail(l, error, CFG_ERROR_VALUE, group, "netdev",
                    "expected user, stream, dgram or tap, got \"%s\"", v);
    }
    d->netdev = (CfgNetdev)n;
    switch (d->netdev) {
    case CFG_NETDEV_USER:
        return extract_nic_user(l, group, d, error);
    case CFG_NETDEV_STREAM:
        if (!get_link_address(l, group, CFG_KEY_DEVICE_LISTEN, "tcp", &d->net_listen, error) ||
            !get_link_address(l, group, CFG_KEY_DEVICE_CONNECT, "tcp", &d->net_connect, error)) {
            return FALSE;
        }
        if (d->net_listen && d->net_connect) {
            return fail(l, error, CFG_ERROR_VALUE, group, "connect",
                        "a stream either listens or connects, not both (listen=%s)",
                        d->net_listen);
        }
        if (!d->net_listen && !d->net_connect) {
            return fail(l, error, CFG_ERROR_MISSING, group, "listen",
                        "netdev=stream needs listen=ADDRESS or connect=ADDRESS (unix:PATH or "
                        "tcp:HOST:PORT)");
        }
        return TRUE;
    case CFG_NETDEV_DGRAM:
        if (!get_link_address(l, group, CFG_KEY_DEVICE_LOCAL, "udp", &d->net_local, error) ||
            !get_link_address(l, group, CFG_KEY_DEVICE_REMOTE, "udp", &d->net_remote, error)) {
            return FALSE;
        }
        if (!d->net_local || !d->net_remote) {
            return fail(l, error, CFG_ERROR_MISSING, group, d->net_local ? "remote" : "local",
                        "netdev=dgram needs local=ADDRESS and remote=ADDRESS (unix:PATH or "
                        "udp:HOST:PORT)");
        }
        if (g_str_has_prefix(d->net_local, "unix:") != g_str_has_prefix(d->net_remote, "unix:")) {
            return fail(l, error, CFG_ERROR_VALUE, group, "remote",
                        "local=%s and remote=%s: both unix: or both udp:", d->net_local,
                        d->net_remote);
        }
        return TRUE;
    case CFG_NETDEV_TAP: {
        g_autofree char *ifname = get(l, group, CFG_KEY_DEVICE_IFNAME, error);
        if (ifname == NULL) {
            return FALSE;
        }
        /* IFNAMSIZ is 16 with the NUL */
        if (strlen(ifname) > 15 || strchr(ifname, '/') || strchr(ifname, ' ')) {
            return fail(l, error, CFG_ERROR_VALUE, group, "ifname",
                        "expected an interface name of at most 15 bytes without / or space, "
                        "got \"%s\"", ifname);
        }
        d->tap_ifname = ifname[0] ? g_steal_pointer(&ifname) : NULL;
        return TRUE;
    }
    }
    g_assert_not_reached();
}

/* A virtio-net's address and its backend. */
static gboolean extract_nic(Loader *l, const char *group, CfgDevice *d, GError **error)
{
    g_autofree char *mac = get(l, group, CFG_KEY_DEVICE_MAC, error);
    if (mac == NULL) {
        return FALSE;
    }
    static const guint8 qemu_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
    memcpy(d->mac, qemu_mac, sizeof d->mac);
    d->mac[5] = (guint8)(d->mac[5] + l->n_nics++);
    if (mac[0]) {
        unsigned b[6];
        char end;
        if (sscanf(mac, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
                   &end) != 6 || (b[0] & 1)) {
            return fail(l, error, CFG_ERROR_VALUE, group, "mac",
                        "expected a unicast MAC address like 52:54:00:12:34:56, got \"%s\"", mac);
        }
        for (guint i = 0; i < 6; i++) {
            d->mac[i] = (guint8)b[i];
        }
    }
    return extract_netdev(l, group, d, error);
}

/* A gpio's `restart-pin`, if it has one. */
static gboolean extract_restart_pin(Loader *l, const char *group, CfgDevice *d, GError **error)
{
    g_autofree char *text = get(l, group, CFG_KEY_DEVICE_RESTART_PIN, error);
    guint64 pin;

    if (text == NULL) {
        return FALSE;
    }
    if (text[0] == '\0') {
        return TRUE;
    }
    if (!cfg_parse_u64(text, FALSE, &pin) || pin >= CFG_GPIO_PINS) {
        return fail(l, error, CFG_ERROR_VALUE, group, "restart-pin",
                    "expected a pin 0..%u, got \"%s\"", CFG_GPIO_PINS - 1, text);
    }
    d->restart_pin = (gint)pin;
    return TRUE;
}

static gboolean extract_device(Loader *l, const char *group, CfgDevice *d, GError **error)
{
    g_autofree char *type = NULL;
    g_autofree char *irq = NULL;

    d->name = g_strdup(group + strlen("device."));
    d->irq = -1;
    d->restart_pin = -1;
    if (!device_name_ok(d->name)) {
        return fail(l, error, CFG_ERROR_VALUE, group, NULL,
                    "expected a device name of letters, digits, _ and - like [device.uart0]");
    }
    type = get(l, group, CFG_KEY_DEVICE_TYPE, error);
    if (type == NULL) {
        return FALSE;
    }
    guint t = 0;
    while (t < G_N_ELEMENTS(device_types) && strcmp(type, device_types[t].name) != 0) {
        t++;
    }
    if (t == G_N_ELEMENTS(device_types)) {
        return fail(l, error, CFG_ERROR_VALUE, group, "type", "expected %s, got \"%s\"",
                    cfg_type_expect(CFG_TYPE_DEVICE), type);
    }
    d->type = device_types[t].type;
    if (!get_u64(l, group, CFG_KEY_DEVICE_BASE, &d->base, error) ||
        !get_u64(l, group, CFG_KEY_DEVICE_SIZE, &d->size, error)) {
        return FALSE;
    }
    if (d->size == 0) {
        return fail(l, error, CFG_ERROR_VALUE, group, "size", "expected a size > 0, got 0");
    }
    if (d->base + d->size - 1 < d->base) {
        return fail(l, error, CFG_ERROR_VALUE, group, "size",
                    "base 0x%" G_GINT64_MODIFIER "x + size 0x%" G_GINT64_MODIFIER
                    "x wraps past the end of the address space",
                    d->base, d->size);
    }
    gboolean virtio = cfg_device_host(d->type) == CFG_HOST_VIRTIO;
    /* Only the UARTs, sysc and virtio devices have an interrupt line;
     * leaving irq unread elsewhere is what makes the unused-key warning
     * name it. */
    if (d->type == CFG_DEVICE_NS16550 || d->type == CFG_DEVICE_SIFIVE_UART ||
        d->type == CFG_DEVICE_SYSC || virtio) {
        guint64 v;
        irq = get(l, group, CFG_KEY_DEVICE_IRQ, error);
        if (irq == NULL) {
            return FALSE;
        }
        if (irq[0]) {
            if (!cfg_parse_u64(irq, FALSE, &v) || v == 0 || v > CFG_IRQ_MAX) {
                return fail(l, error, CFG_ERROR_VALUE, group, "irq", "expected %s, got \"%s\"",
                            cfg_type_expect(CFG_TYPE_IRQ), irq);
            }
            d->irq = (gint)v;
        } else if (virtio) {
            /* a driver waits for its used buffers on the line */
            return fail(l, error, CFG_ERROR_MISSING, group, "irq",
                        "a virtio device needs an interrupt line (1..%d)", CFG_IRQ_MAX);
        }
    }
    if (virtio && d->size < VIRTIO_MMIO_MIN_SIZE) {
        return fail(l, error, CFG_ERROR_VALUE, group, "size",
                    "a virtio-mmio window holds its config space from 0x100: expected at "
                    "least 0x%x, got 0x%" G_GINT64_MODIFIER "x", VIRTIO_MMIO_MIN_SIZE, d->size);
    }
    if (d->type == CFG_DEVICE_GPIO) {
        return extract_restart_pin(l, group, d, error);
    }
    if (d->type == CFG_DEVICE_VIRTIO_NET) {
        return extract_nic(l, group, d, error);
    }
    if (d->type == CFG_DEVICE_VIRTIO_CONSOLE) {
        if (!get_path(l, group, CFG_KEY_DEVICE_SOCKET, &d->socket, error)) {
            return FALSE;
        }
        if (d->socket == NULL) {
            return fail(l, error, CFG_ERROR_MISSING, group, "socket",
                        "a virtio-console needs the unix socket it listens on (socket=PATH)");
        }
        return TRUE;
    }
    return d->type != CFG_DEVICE_VIRTIO_BLK || extract_disk(l, group, d, error);
}

/* Which sysc device's input pin @pin of gpio device @gpio already drives
 * (set in *@user, *@index); FALSE if none. */
static gboolean pin_user(const CfgMachine *m, guint gpio, guint pin, const CfgDevice **user,
                         guint *index)
{
    for (guint i = 0; i < m->n_devices; i++) {
        const CfgDevice *d = &m->devices[i];
        for (guint j = 0; j < d->n_inputs; j++) {
            if (d->inputs[j].gpio == gpio && d->inputs[j].pin == pin) {
                *user = d;
                *index = j;
                return TRUE;
            }
        }
    }
    return FALSE;
}

/* A sysc device's `inputs` (after every device is known: the list names
 * gpio devices): each entry NAME:PIN becomes model input i. */
static gboolean extract_inputs(Loader *l, CfgMachine *m, CfgDevice *d, GError **error)
{
    g_autofree char *group = g_strconcat("device.", d->name, NULL);
    g_autofree char *text = get(l, group, CFG_KEY_DEVICE_INPUTS, error);
    g_auto(GStrv) items = NULL;

    if (text == NULL) {
        return FALSE;
    }
    if (g_strstrip(text)[0] == '\0') {
        return TRUE;
    }
    items = g_strsplit_set(text, ",;", -1);
    d->inputs = g_new0(CfgDeviceInput, g_strv_length(items));
    for (guint i = 0; items[i]; i++) {
        char *item = g_strstrip(items[i]);
        char *colon = strrchr(item, ':');
        guint64 pin;
        guint gpio = G_MAXUINT;
        const CfgDevice *user;
        guint index;

        if (item[0] == '\0' && items[i + 1] == NULL && i > 0) {
            break; /* a trailing separator, as GKeyFile writes lists */
        }
        if (colon == NULL || colon == item || !cfg_parse_u64(colon + 1, FALSE, &pin)) {
            return fail(l, error, CFG_ERROR_VALUE, group, "inputs",
                        "entry %u: expected %s, got \"%s\"", i, cfg_type_expect(CFG_TYPE_INPUTS),
                        item);
        }
        *colon = '\0';
        g_strstrip(item);
        for (guint j = 0; j < m->n_devices; j++) {
            if (strcmp(m->devices[j].name, item) == 0) {
                gpio = j;
            }
        }
        if (gpio == G_MAXUINT) {
            return fail(l, error, CFG_ERROR_VALUE, group, "inputs",
                        "entry %u: no [device.%s] in the machine", i, item);
        }
        if (m->devices[gpio].type != CFG_DEVICE_GPIO) {
            return fail(l, error, CFG_ERROR_VALUE, group, "inputs",
                        "entry %u: [device.%s] is not of type gpio", i, item);
        }
        if (pin >= CFG_GPIO_PINS) {
            return fail(l, error, CFG_ERROR_VALUE, group, "inputs",
                        "entry %u: pin %" G_GUINT64_FORMAT " of [device.%s], expected 0..%u", i,
                        pin, item, CFG_GPIO_PINS - 1);
        }
        if (m->devices[gpio].restart_pin == (gint)pin) {
            return fail(l, error, CFG_ERROR_VALUE, group, "inputs",
                        "entry %u: %s:%u is [device.%s]'s restart-pin", i, item, (guint)pin,
                        item);
        }
        if (pin_user(m, gpio, (guint)pin, &user, &index)) {
            return fail(l, error, CFG_ERROR_VALUE, group, "inputs",
                        "entry %u: %s:%u already drives input %u of [device.%s]", i, item,
                        (guint)pin, index, user->name);
        }
        d->inputs[d->n_inputs].gpio = gpio;
        d->inputs[d->n_inputs].pin = (guint)pin;
        d->n_inputs++;
    }
    return TRUE;
}

static gboolean extract_devices(Loader *l, CfgMachine *m, GError **error)
{
    g_auto(GStrv) groups = g_key_file_get_groups(l->merged, NULL);
    GArray *devs = g_array_new(FALSE, TRUE, sizeof(CfgDevice));
    gboolean ok = TRUE;

    for (gsize i = 0; ok && groups[i]; i++) {
        CfgDevice d = { 0 };
        if (!g_str_has_prefix(groups[i], "device.")) {
            continue;
        }
        ok = extract_device(l, groups[i], &d, error);
        for (guint j = 0; ok && j < m->n_memories; j++) {
            const CfgMemory *r = &m->memories[j];
            if (ranges_overlap(d.base, d.size, r->base, r->size)) {
                ok = fail(l, error, CFG_ERROR_VALUE, groups[i], "base",
                          "0x%" G_GINT64_MODIFIER "x..0x%" G_GINT64_MODIFIER
                          "x overlaps %s 0x%" G_GINT64_MODIFIER "x..0x%" G_GINT64_MODIFIER "x",
                          d.base, d.base + d.size - 1, r->label, r->base, r->base + r->size - 1);
            }
        }
        for (guint j = 0; ok && j < devs->len; j++) {
            const CfgDevice *o = &g_array_index(devs, CfgDevice, j);
            /* One interrupt controller, one timer, one test device: the
             * device tree gives each a fixed phandle. */
            if (d.type == o->type && (d.type == CFG_DEVICE_PLIC || d.type == CFG_DEVICE_CLINT ||
                                      d.type == CFG_DEVICE_SIFIVE_TEST)) {
                ok = fail(l, error, CFG_ERROR_VALUE, groups[i], "type",
                          "[device.%s] has this type already: a machine has at most one plic, "
                          "one clint and one sifive_test", o->name);
            } else if (ranges_overlap(d.base, d.size, o->base, o->size)) {
                ok = fail(l, error, CFG_ERROR_VALUE, groups[i], "base",
                          "0x%" G_GINT64_MODIFIER "x..0x%" G_GINT64_MODIFIER
                          "x overlaps [device.%s] 0x%" G_GINT64_MODIFIER "x..0x%" G_GINT64_MODIFIER
                          "x",
                          d.base, d.base + d.size - 1, o->name, o->base, o->base + o->size - 1);
            }
        }
        if (ok && d.type == CFG_DEVICE_CLINT && d.size < CFG_CLINT_MIN_SIZE) {
            ok = fail(l, error, CFG_ERROR_VALUE, groups[i], "size",
                      "expected at least 0x%x (mtime is at 0xbff8), got 0x%" G_GINT64_MODIFIER "x",
                      CFG_CLINT_MIN_SIZE, d.size);
        }
        if (ok && d.type == CFG_DEVICE_PLIC && m->n_harts > CFG_PLIC_MAX_HARTS) {
            ok = fail(l, error, CFG_ERROR_VALUE, groups[i], "type",
                      "a PLIC serves at most %u harts, the machine has %u", CFG_PLIC_MAX_HARTS,
                      m->n_harts);
        }
        g_array_append_val(devs, d); /* even on error, so it gets freed */
    }
    m->n_devices = devs->len;
    m->devices = (CfgDevice *)(void *)g_array_free(devs, FALSE);
    for (guint i = 0; ok && i < m->n_devices; i++) {
        if (m->devices[i].type == CFG_DEVICE_SYSC) {
            ok = extract_inputs(l, m, &m->devices[i], error);
        }
    }
    return ok;
}

/* [sysc]: the bridge program and its time policy. */
static gboolean extract_sysc(Loader *l, CfgMachine *m, GError **error)
{
    g_autofree char *mode = NULL;

    if (!get_path(l, "sysc", CFG_KEY_SYSC_PROGRAM, &m->sysc_program, error) ||
        !get_u64(l, "sysc", CFG_KEY_SYSC_QUANTUM, &m->sysc_quantum_ns, error) ||
        !get_u64(l, "sysc", CFG_KEY_SYSC_INSN_NS, &m->insn_ns, error)) {
        return FALSE;
    }
    if (m->insn_ns == 0 || m->insn_ns > 1000) {
        return fail(l, error, CFG_ERROR_VALUE, "sysc", "insn-ns",
                    "expected 1..1000 ns, got %" G_GUINT64_FORMAT, m->insn_ns);
    }
    if (m->sysc_quantum_ns == 0 || m->sysc_quantum_ns > 1000000000) {
        return fail(l, error, CFG_ERROR_VALUE, "sysc", "quantum-ns",
                    "expected 1..1000000000 ns, got %" G_GUINT64_FORMAT, m->sysc_quantum_ns);
    }
    mode = get(l, "sysc", CFG_KEY_SYSC_TIME_MODE, error);
    if (mode == NULL) {
        return FALSE;
    }
    m->deterministic = strcmp(mode, "deterministic") == 0;
    if (!m->deterministic && strcmp(mode, "decoupled") != 0) {
        return fail(l, error, CFG_ERROR_VALUE, "sysc", "time-mode",
                    "expected decoupled or deterministic, got \"%s\"", mode);
    }
    if (m->sysc_program) {
        g_key_file_set_string(l->merged, "sysc", "program", m->sysc_program);
    }
    return TRUE;
}

/* A reset-vector key ([boot]'s, or a node's own): optional, and where a
 * hart can fetch from. *@has says whether it was given. */
static gboolean get_reset_vector(Loader *l, const CfgMachine *m, const char *group, CfgKeyId id,
                                 guint64 *pc, gboolean *has, GError **error)
{
    g_autofree char *v = get(l, group, id, error);

    *has = FALSE;
    if (v == NULL) {
        return FALSE;
    }
    if (v[0] == '\0') {
        return TRUE;
    }
    if (!cfg_parse_u64(v, TRUE, pc) || *pc % 2 != 0) {
        return fail(l, error, CFG_ERROR_VALUE, group, "reset-vector",
                    "expected an even address like 0x1000, got \"%s\"", v);
    }
    if (cfg_machine_find_memory(m, *pc) == NULL) {
        return fail(l, error, CFG_ERROR_VALUE, group, "reset-vector",
                    "0x%" G_GINT64_MODIFIER "x is in no memory region ([memory] or "
                    "[memory.NAME])", *pc);
    }
    *has = TRUE;
    return TRUE;
}

/* [boot] reset-vector, then each node's, which overrides it for its harts. */
static gboolean extract_reset_vector(Loader *l, CfgMachine *m, GError **error)
{
    if (!get_reset_vector(l, m, "boot", CFG_KEY_BOOT_RESET_VECTOR, &m->reset_vector,
                          &m->has_reset_vector, error)) {
        return FALSE;
    }
    for (guint i = 0; i < m->n_nodes; i++) {
        g_autofree char *group = g_strdup_printf("node.%u", i);
        CfgNode *n = &m->nodes[i];
        if (!get_reset_vector(l, m, group, CFG_KEY_NODE_RESET_VECTOR, &n->reset_vector,
                              &n->has_reset_vector, error)) {
            return FALSE;
        }
    }
    return TRUE;
}

static gboolean extract_machine_choices(Loader *l, CfgMachine *m, GError **error)
{
    return get_choice(l, "machine", CFG_KEY_MACHINE_NUMA, "auto", "off", &m->numa, error) &&
           get_choice(l, "machine", CFG_KEY_MACHINE_ON_RESET, "reboot", "exit", &m->reboot, error);
}

/* Fills @m from l->merged; writes resolved paths back so a dump shows them. */
/* Firmware (a bios) runs in M-mode and hands the kernel to S-mode with
 * paging: a machine whose harts cannot take it would only hang in the
 * firmware. (A node of M/U harts beside such a one is a real SoC's monitor
 * core: the firmware keeps it.) */
static gboolean check_kernel_has_harts(Loader *l, const CfgMachine *m, GError **error)
{
    if (m->bios == NULL || m->kernel == NULL) {
        return TRUE;
    }
    for (guint i = 0; i < m->n_nodes; i++) {
        if (!m->nodes[i].isa.no_s_mode && m->nodes[i].isa.mmu != TCG_MMU_NONE) {
            return TRUE;
        }
    }
    return fail(l, error, CFG_ERROR_VALUE, "node.0", "priv",
                "the firmware (bios) hands the kernel to S-mode with paging, but no node's harts "
                "have S-mode and an MMU (priv=msu, mmu=sv39 or sv48)");
}

static gboolean extract(Loader *l, CfgMachine *m, GError **error)
{
    m->path = g_strdup(l->path);
    m->name = get(l, "machine", CFG_KEY_MACHINE_NAME, error);
    if (m->name == NULL || !extract_machine_choices(l, m, error) || !extract_memory(l, m, error) ||
        !extract_regions(l, m, error) || !extract_cpu(l, m, error) ||
        !extract_nodes(l, m, error) || !extract_devices(l, m, error) ||
        !extract_sysc(l, m, error) ||
        !get_path(l, "boot", CFG_KEY_BOOT_KERNEL, &m->kernel, error) ||
        !get_path(l, "boot", CFG_KEY_BOOT_BIOS, &m->bios, error) ||
        !get_path(l, "boot", CFG_KEY_BOOT_INITRD, &m->initrd, error) ||
        (m->append = get(l, "boot", CFG_KEY_BOOT_APPEND, error)) == NULL ||
        !extract_reset_vector(l, m, error) || !check_kernel_has_harts(l, m, error)) {
        return FALSE;
    }
    if (m->kernel) {
        g_key_file_set_string(l->merged, "boot", "kernel", m->kernel);
    }
    if (m->initrd) {
        g_key_file_set_string(l->merged, "boot", "initrd", m->initrd);
    }
    g_key_file_set_string(l->merged, "boot", "bios", m->bios ? m->bios : "none");
    return TRUE;
}

/* The table's "warning for keys nobody used": a known key whose value no
 * part of the machine reads (irq on a device without an interrupt line).
 * SHOAL_CFG_QUIET=1 silences it: the launcher warns once for its children. */
static void warn_unused(Loader *l)
{
    g_auto(GStrv) groups = g_key_file_get_groups(l->merged, NULL);

    if (g_strcmp0(g_getenv("SHOAL_CFG_QUIET"), "1") == 0) {
        return;
    }
    for (gsize i = 0; groups[i]; i++) {
        g_auto(GStrv) keys = g_key_file_get_keys(l->merged, groups[i], NULL, NULL);
        for (gsize j = 0; keys && keys[j]; j++) {
            g_autofree char *k = slot(groups[i], keys[j]);
            if (!g_hash_table_contains(l->used, k)) {
                g_autofree char *at = where(l, groups[i], keys[j]);
                g_warning("%s[%s] %s: not used by this machine, ignored", at, groups[i], keys[j]);
            }
        }
    }
}

CfgMachine *cfg_machine_load(const char *path, const char *const *sets, const char *kernel,
                             const char *bios, GError **error)
{
    Loader l = { 0 };
    g_autoptr(CfgMachine) m = g_new0(CfgMachine, 1);
    gboolean ok;

    g_return_val_if_fail(path != NULL, NULL);
    ok = loader_run(&l, path, sets, kernel, bios, error) && extract(&l, m, error);
    if (ok) {
        warn_unused(&l);
    }
    loader_clear(&l);
    return ok ? g_steal_pointer(&m) : NULL;
}

void cfg_machine_free(CfgMachine *machine)
{
    if (machine == NULL) {
        return;
    }
    g_free(machine->path);
    g_free(machine->name);
    g_free(machine->msrv_endpoint);
    g_free(machine->msrv_key);
    g_free(machine->msrv_authorized_keys);
    g_free(machine->msrv_server_public_key);
    g_free(machine->msrv_client_key);
    g_free(machine->accel);
    g_free(machine->nodes);
    for (guint i = 0; i < machine->n_memories; i++) {
        g_free(machine->memories[i].group);
        g_free(machine->memories[i].label);
        g_free(machine->memories[i].image);
    }
    g_free(machine->memories);
    for (guint i = 0; i < machine->n_devices; i++) {
        g_free(machine->devices[i].name);
        g_free(machine->devices[i].inputs);
        g_free(machine->devices[i].file);
        g_free(machine->devices[i].serial);
        g_free(machine->devices[i].socket);
        g_strfreev(machine->devices[i].hostfwd);
        g_free(machine->devices[i].net_listen);
        g_free(machine->devices[i].net_connect);
        g_free(machine->devices[i].net_local);
        g_free(machine->devices[i].net_remote);
        g_free(machine->devices[i].tap_ifname);
    }
    g_free(machine->devices);
    g_free(machine->kernel);
    g_free(machine->bios);
    g_free(machine->initrd);
    g_free(machine->append);
    g_free(machine->sysc_program);
    g_free(machine);
}

CfgDeviceHost cfg_device_host(CfgDeviceType type)
{
    switch (type) {
    case CFG_DEVICE_CLINT:
        return CFG_HOST_NODE;
    case CFG_DEVICE_SYSC:
        return CFG_HOST_SYSC_BRIDGE;
    case CFG_DEVICE_VIRTIO_BLK:
    case CFG_DEVICE_VIRTIO_RNG:
    case CFG_DEVICE_VIRTIO_NET:
    case CFG_DEVICE_VIRTIO_CONSOLE:
        return CFG_HOST_VIRTIO;
    case CFG_DEVICE_NS16550:
    case CFG_DEVICE_SIFIVE_UART:
    case CFG_DEVICE_SIFIVE_TEST:
    case CFG_DEVICE_PLIC:
    case CFG_DEVICE_GPIO:
        break;
    }
    return CFG_HOST_MEMORY_SERVER;
}

gboolean cfg_machine_has_virtio(const CfgMachine *machine)
{
    for (guint i = 0; i < machine->n_devices; i++) {
        if (cfg_device_host(machine->devices[i].type) == CFG_HOST_VIRTIO) {
            return TRUE;
        }
    }
    return FALSE;
}

gboolean cfg_machine_has_bridge(const CfgMachine *machine)
{
    return cfg_machine_find_device(machine, CFG_DEVICE_SYSC) != NULL;
}

const CfgMemory *cfg_machine_find_memory(const CfgMachine *machine, guint64 addr)
{
    for (guint i = 0; i < machine->n_memories; i++) {
        const CfgMemory *r = &machine->memories[i];
        if (addr - r->base < r->size) {
            return r;
        }
    }
    return NULL;
}

const CfgDevice *cfg_machine_console_uart(const CfgMachine *machine)
{
    const CfgDevice *uart = cfg_machine_find_device(machine, CFG_DEVICE_NS16550);
    return uart ? uart : cfg_machine_find_device(machine, CFG_DEVICE_SIFIVE_UART);
}

const CfgNode *cfg_machine_hart_node(const CfgMachine *machine, guint hart)
{
    for (guint n = 0; n < machine->n_nodes; n++) {
        if (hart - machine->nodes[n].first_hart < machine->nodes[n].n_harts) {
            return &machine->nodes[n];
        }
    }
    g_assert_not_reached();
}

const CfgDevice *cfg_machine_find_device(const CfgMachine *machine, CfgDeviceType type)
{
    for (guint i = 0; i < machine->n_devices; i++) {
        if (machine->devices[i].type == type) {
            return &machine->devices[i];
        }
    }
    return NULL;
}

/* One group of the dump: every key of its pattern, explicit or default. */
static void dump_group(Loader *l, GString *out, const char *group)
{
    g_string_append_printf(out, "\n[%s]\n", group);
    for (guint i = 0; i < CFG_N_KEYS; i++) {
        const CfgKeyInfo *k = &cfg_keys[i];
        g_autofree char *raw = NULL;
        if (!cfg_group_matches(k->group, group) || i == CFG_KEY_MACHINE_INCLUDE) {
            continue;
        }
        raw = g_key_file_get_value(l->merged, group, k->key, NULL);
        if (raw) {
            g_string_append_printf(out, "%s=%s\n", k->key, raw);
        } else if (k->def && k->def[0]) {
            g_string_append_printf(out, "%s=%s\n", k->key, k->def);
        } else {
            g_string_append_printf(out, "# %s unset\n", k->key);
        }
    }
}

char *cfg_machine_dump(const char *path, const char *const *sets, const char *kernel,
                       const char *bios, GError **error)
{
    Loader l = { 0 };
    g_autoptr(CfgMachine) m = g_new0(CfgMachine, 1);
    GString *out;
    static const char *const fixed[] = { "machine", "memory", "memory-server", "cpu", "clint" };

    if (!loader_run(&l, path, sets, kernel, bios, error) || !extract(&l, m, error)) {
        loader_clear(&l);
        return NULL;
    }
    out = g_string_new(NULL);
    g_string_append_printf(out, "# effective configuration of %s\n", path);
    for (guint i = 0; i < G_N_ELEMENTS(fixed); i++) {
        dump_group(&l, out, fixed[i]);
    }
    for (guint i = 1; i < m->n_memories; i++) {
        dump_group(&l, out, m->memories[i].group);
    }
    for (guint i = 0; i < m->n_nodes; i++) {
        g_autofree char *g = g_strdup_printf("node.%u", i);
        dump_group(&l, out, g);
    }
    for (guint i = 0; i < m->n_devices; i++) {
        g_autofree char *g = g_strdup_printf("device.%s", m->devices[i].name);
        dump_group(&l, out, g);
    }
    dump_group(&l, out, "boot");
    dump_group(&l, out, "sysc");
    loader_clear(&l);
    return g_string_free(out, FALSE);
}
