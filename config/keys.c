/* SPDX-License-Identifier: MIT */
/* The key table (from keys.def), lookups over it, the number syntax shared
 * by every numeric key, and `shoal config-doc`, rendered from the table. */
#include "config/internal.h"

#include <string.h>

const CfgKeyInfo cfg_keys[CFG_N_KEYS] = {
#define CFG_KEY(id, group_, key_, type_, def_, doc_) \
    [CFG_KEY_##id] = { .group = group_, .key = key_, .type = type_, .def = def_, .doc = doc_ },
#include "config/keys.def"
#undef CFG_KEY
};

gboolean cfg_group_matches(const char *pattern, const char *group)
{
    gsize n = strlen(pattern);

    if (n >= 2 && pattern[n - 1] == '*' && pattern[n - 2] == '.') {
        /* "node.*" matches "node.X" with a non-empty X */
        return strncmp(pattern, group, n - 1) == 0 && group[n - 1] != '\0';
    }
    return strcmp(pattern, group) == 0;
}

const CfgKeyInfo *cfg_key_lookup(const char *group, const char *key)
{
    for (guint i = 0; i < CFG_N_KEYS; i++) {
        if (cfg_group_matches(cfg_keys[i].group, group) && strcmp(cfg_keys[i].key, key) == 0) {
            return &cfg_keys[i];
        }
    }
    return NULL;
}

gboolean cfg_group_known(const char *group)
{
    for (guint i = 0; i < CFG_N_KEYS; i++) {
        if (cfg_group_matches(cfg_keys[i].group, group)) {
            return TRUE;
        }
    }
    return FALSE;
}

const char *cfg_type_expect(CfgKeyType type)
{
    switch (type) {
    case CFG_TYPE_STRING:
        return "a string";
    case CFG_TYPE_PATH:
        return "a file name";
    case CFG_TYPE_ADDRESS:
        return "an address like 0x80000000";
    case CFG_TYPE_SIZE:
        return "a size like 128M or 0x8000000";
    case CFG_TYPE_UINT:
        return "a number like 4 or 0x10";
    case CFG_TYPE_ENDPOINT:
        return "an endpoint like tcp://host:5555 or ipc:///path";
    case CFG_TYPE_ACCEL:
        return "interp or jit";
    case CFG_TYPE_DEVICE:
        return "ns16550, sifive_uart, sifive_test, clint, plic, gpio, sysc, virtio-blk, virtio-net, virtio-console or virtio-rng";
    case CFG_TYPE_IRQ:
        return "an interrupt line 1..95 (a source of the PLIC)";
    case CFG_TYPE_INPUTS:
        return "a list of gpio pins like gpio0:0, gpio0:5";
    case CFG_TYPE_MEMKIND:
        return "ram, rom or sram";
    }
    g_assert_not_reached();
}

gboolean cfg_parse_u64(const char *text, gboolean suffix_ok, guint64 *out)
{
    const char *p = text;
    guint base = 10;
    guint64 v = 0;
    guint digits = 0;

    while (g_ascii_isspace(*p)) {
        p++;
    }
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        base = 16;
        p += 2;
    }
    for (; *p; p++) {
        int d = base == 16 ? g_ascii_xdigit_value(*p) : g_ascii_digit_value(*p);
        if (d < 0) {
            break;
        }
        if (v > (G_MAXUINT64 - (guint64)d) / base) {
            return FALSE;
        }
        v = v * base + (guint64)d;
        digits++;
    }
    if (digits == 0) {
        return FALSE;
    }
    if (suffix_ok && *p) {
        guint shift;
        switch (g_ascii_toupper(*p)) {
        case 'K':
            shift = 10;
            break;
        case 'M':
            shift = 20;
            break;
        case 'G':
            shift = 30;
            break;
        case 'T':
            shift = 40;
            break;
        default:
            return FALSE;
        }
        p++;
        if (v > (G_MAXUINT64 >> shift)) {
            return FALSE;
        }
        v <<= shift;
    }
    while (g_ascii_isspace(*p)) {
        p++;
    }
    if (*p) {
        return FALSE;
    }
    *out = v;
    return TRUE;
}

static const char *type_name(CfgKeyType type)
{
    switch (type) {
    case CFG_TYPE_STRING:
        return "string";
    case CFG_TYPE_PATH:
        return "path";
    case CFG_TYPE_ADDRESS:
        return "address";
    case CFG_TYPE_SIZE:
        return "size";
    case CFG_TYPE_UINT:
        return "number";
    case CFG_TYPE_ENDPOINT:
        return "endpoint";
    case CFG_TYPE_ACCEL:
        return "interp\\|jit";
    case CFG_TYPE_DEVICE:
        return "ns16550\\|sifive_uart\\|sifive_test\\|clint\\|plic\\|gpio\\|sysc\\|virtio-blk\\|virtio-net\\|virtio-console\\|virtio-rng";
    case CFG_TYPE_IRQ:
        return "irq";
    case CFG_TYPE_INPUTS:
        return "pin list";
    case CFG_TYPE_MEMKIND:
        return "ram\\|rom\\|sram";
    }
    g_assert_not_reached();
}

char *cfg_keys_doc(void)
{
    GString *s = g_string_new("| Group | Key | Type | Default | Meaning |\n"
                              "|-------|-----|------|---------|---------|\n");

    for (guint i = 0; i < CFG_N_KEYS; i++) {
        const CfgKeyInfo *k = &cfg_keys[i];
        g_autofree char *group = g_strdup(k->group);
        gsize n = strlen(group);
        const char *def = k->def == NULL ? "*required*" : k->def[0] ? k->def : "*none*";

        if (n >= 2 && group[n - 1] == '*') {
            group[n - 1] = 'N'; /* node.N, device.N reads better than .* */
            if (g_str_has_prefix(group, "device.") || g_str_has_prefix(group, "memory.")) {
                group[n - 1] = '\0';
                g_string_append_printf(s, "| `[%sNAME]` ", group);
            } else {
                g_string_append_printf(s, "| `[%s]` ", group);
            }
        } else {
            g_string_append_printf(s, "| `[%s]` ", group);
        }
        g_string_append_printf(s, "| `%s` | %s | %s | %s |\n", k->key, type_name(k->type), def,
                               k->doc);
    }
    return g_string_free(s, FALSE);
}
