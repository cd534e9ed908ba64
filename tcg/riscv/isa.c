/* SPDX-License-Identifier: MIT */
/* What a configured hart implements: ISA strings in and out, and misa.
 * The config checks a node's isa/priv/mmu keys with tcg_isa_parse before
 * anything starts, the device tree says tcg_isa_string, and the hart makes
 * everything outside its TcgIsa illegal (translate.c, csr.c). */
#include <string.h>

#include "tcg/tcg.h"

static const struct {
    const char *name;
    char letter; /* misa letter, 0 for a multi-letter extension */
} exts[TCG_EXT_COUNT] = {
#define ISA_EXT(id, name, letter) [TCG_EXT_##id] = { name, letter },
#include "tcg/riscv/isa.def"
#undef ISA_EXT
};

#define ALL_EXTS ((1u << TCG_EXT_COUNT) - 1)

/* The extension named @name (a letter as a one-character string), or -1. */
static gint find_ext(const char *name)
{
    for (guint e = 0; e < TCG_EXT_COUNT; e++) {
        if (strcmp(exts[e].name, name) == 0) {
            return (gint)e;
        }
    }
    return -1;
}

static gboolean parse_exts(const char *isa, guint32 *present, GError **error)
{
    g_autofree char *lower = g_ascii_strdown(isa, -1);
    if (!g_str_has_prefix(lower, "rv64")) {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "isa=%s: expected an RV64 ISA string like rv64imac_zicsr_zifencei "
                    "(shoal runs RV64 harts only)", isa);
        return FALSE;
    }
    g_auto(GStrv) parts = g_strsplit(lower + 4, "_", -1);
    const char *letters = parts[0];
    if (letters[0] != 'i' && letters[0] != 'g') {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "isa=%s: the base must be i (or g) right after rv64", isa);
        return FALSE;
    }
    *present = 0;
    for (const char *p = letters; *p != '\0'; p++) {
        if (*p == 'i') {
            continue;
        }
        if (*p == 'g') {
            *present |= 1u << TCG_EXT_M | 1u << TCG_EXT_A | 1u << TCG_EXT_F | 1u << TCG_EXT_D;
            continue;
        }
        char one[2] = { *p, '\0' };
        gint e = find_ext(one);
        if (e < 0) {
            g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                        "isa=%s: shoal cannot run extension '%c' (single letters it has: "
                        "i m a f d c, g)", isa, *p);
            return FALSE;
        }
        *present |= 1u << e;
    }
    for (guint i = 1; parts[i] != NULL; i++) {
        const char *name = parts[i];
        if (strcmp(name, "zicsr") == 0 || strcmp(name, "zifencei") == 0) {
            continue; /* always there */
        }
        gint e = find_ext(name);
        if (e < 0 || exts[e].letter != 0) {
            g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                        "isa=%s: shoal cannot run extension '%s'", isa, name);
            return FALSE;
        }
        *present |= 1u << e;
    }
    if ((*present >> TCG_EXT_D & 1) && !(*present >> TCG_EXT_F & 1)) {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "isa=%s: d needs f", isa);
        return FALSE;
    }
    return TRUE;
}

gboolean tcg_isa_parse(const char *isa, const char *priv, const char *mmu, TcgIsa *out,
                       GError **error)
{
    TcgIsa r = { 0 };
    if (isa != NULL && *isa != '\0') {
        guint32 present;
        if (!parse_exts(isa, &present, error)) {
            return FALSE;
        }
        r.absent = ALL_EXTS & ~present;
    }
    if (priv == NULL || *priv == '\0' || strcmp(priv, "msu") == 0) {
        /* all three */
    } else if (strcmp(priv, "mu") == 0) {
        r.no_s_mode = TRUE;
    } else if (strcmp(priv, "m") == 0) {
        r.no_s_mode = r.no_u_mode = TRUE;
    } else {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "priv=%s: expected msu, mu or m (the privilege modes the hart has)", priv);
        return FALSE;
    }
    if (mmu == NULL || *mmu == '\0') {
        r.mmu = r.no_s_mode ? TCG_MMU_NONE : TCG_MMU_SV48;
    } else if (strcmp(mmu, "sv48") == 0) {
        r.mmu = TCG_MMU_SV48;
    } else if (strcmp(mmu, "sv39") == 0) {
        r.mmu = TCG_MMU_SV39;
    } else if (strcmp(mmu, "none") == 0) {
        r.mmu = TCG_MMU_NONE;
    } else {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "mmu=%s: expected sv48, sv39 or none", mmu);
        return FALSE;
    }
    if (r.no_s_mode && r.mmu != TCG_MMU_NONE) {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "mmu=%s needs S-mode (priv=msu): paging translates S and U accesses", mmu);
        return FALSE;
    }
    if (r.no_s_mode) {
        /* S-mode extensions mean nothing without S. */
        r.absent |= 1u << TCG_EXT_SSTC | 1u << TCG_EXT_SVPBMT;
    }
    *out = r;
    return TRUE;
}

char *tcg_isa_string(const TcgIsa *isa)
{
    GString *s = g_string_new("rv64i");
    for (guint e = 0; e < TCG_EXT_COUNT; e++) {
        if (exts[e].letter != 0 && tcg_isa_has(isa, e)) {
            g_string_append(s, exts[e].name);
        }
    }
    for (guint e = 0; e < TCG_EXT_COUNT; e++) {
        /* Zicsr and Zifencei, always there, in their canonical place. */
        if (e == TCG_EXT_ZIHINTPAUSE) {
            g_string_append(s, "_zicsr_zifencei");
        }
        if (exts[e].letter == 0 && tcg_isa_has(isa, e)) {
            g_string_append_printf(s, "_%s", exts[e].name);
        }
    }
    return g_string_free(s, FALSE);
}

guint64 tcg_isa_misa(const TcgIsa *isa)
{
    guint64 misa = 2ull << 62 | 1u << ('I' - 'A');
    for (guint e = 0; e < TCG_EXT_COUNT; e++) {
        if (exts[e].letter != 0 && tcg_isa_has(isa, e)) {
            misa |= 1u << (exts[e].letter - 'A');
        }
    }
    if (!isa->no_s_mode) {
        misa |= 1u << ('S' - 'A');
    }
    if (!isa->no_u_mode) {
        misa |= 1u << ('U' - 'A');
    }
    return misa;
}
