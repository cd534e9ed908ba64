/* SPDX-License-Identifier: MIT */
/* What config/ shares between its files: the key table expanded from
 * keys.def and the number parser every numeric key goes through. */
#ifndef SHOAL_CFG_INTERNAL_H
#define SHOAL_CFG_INTERNAL_H

#include "config/cfg.h"

typedef enum {
    CFG_TYPE_STRING,   /* free text */
    CFG_TYPE_PATH,     /* file name, relative to the file that sets it */
    CFG_TYPE_ADDRESS,  /* guest physical address */
    CFG_TYPE_SIZE,     /* bytes, K/M/G/T suffix allowed */
    CFG_TYPE_UINT,     /* plain count */
    CFG_TYPE_ENDPOINT, /* ipc://... or tcp://host:port */
    CFG_TYPE_ACCEL,    /* interp | jit */
    CFG_TYPE_DEVICE,   /* ns16550 | ... | sysc | virtio-blk | virtio-rng */
    CFG_TYPE_IRQ,      /* interrupt line 1..CFG_IRQ_MAX (the PLIC's sources) */
    CFG_TYPE_INPUTS,   /* list of gpio pins NAME:PIN */
    CFG_TYPE_MEMKIND,  /* ram | rom | sram */
} CfgKeyType;

typedef enum {
#define CFG_KEY(id, group, key, type, def, doc) CFG_KEY_##id,
#include "config/keys.def"
#undef CFG_KEY
    CFG_N_KEYS
} CfgKeyId;

typedef struct {
    const char *group; /* "memory", or a pattern "node.*" */
    const char *key;
    CfgKeyType type;
    const char *def;   /* NULL: required; "": optional, no default */
    const char *doc;   /* one sentence for config-doc */
} CfgKeyInfo;

extern const CfgKeyInfo cfg_keys[CFG_N_KEYS];

/* Does @group ("node.3") match @pattern ("node.*" or an exact name)? */
gboolean cfg_group_matches(const char *pattern, const char *group);
/* The table entry for @key in @group, NULL if nobody knows it. */
const CfgKeyInfo *cfg_key_lookup(const char *group, const char *key);
/* Is @group known (a fixed group or an instance of a pattern)? */
gboolean cfg_group_known(const char *group);
/* Human name of a type, with an example, for messages and docs. */
const char *cfg_type_expect(CfgKeyType type);

/* 0x.. or decimal, with an optional K/M/G/T suffix (x1024^n) when
 * @suffix_ok. FALSE on junk or overflow. */
gboolean cfg_parse_u64(const char *text, gboolean suffix_ok, guint64 *out);

/* The whole file at @path as a boot image (config/elf.c): NULL + @error if
 * unreadable, empty, a directory or over 2 GiB. */
GBytes *cfg_image_read(const char *path, GError **error);
/* Does @image start with the ELF magic (else it is a raw binary)? */
gboolean cfg_image_is_elf(GBytes *image);
/* cfg_elf_load on an image already read; takes its own reference. */
CfgElf *cfg_elf_parse(const char *path, GBytes *image, guint64 ram_base, guint64 ram_size,
                      GError **error);

#endif /* SHOAL_CFG_INTERNAL_H */
