/* SPDX-License-Identifier: MIT */
/* JSON for the monitor (launcher/monitor.c, docs/monitor.md): a strict
 * RFC 8259 parser into a small tree, builders for the answers, and a
 * printer that writes a value on one line. Written here rather than taken
 * from json-glib: the monitor needs this little, and what it parses comes
 * from whoever connects, so the parser's limits are ours to state. */
#ifndef SHOAL_LAUNCHER_JSON_H
#define SHOAL_LAUNCHER_JSON_H

#include <glib.h>

/* Deeper nesting is refused: the parser recurses once per level. */
#define LAUNCHER_JSON_MAX_DEPTH 32

typedef enum {
    LAUNCHER_JSON_NULL,
    LAUNCHER_JSON_BOOL,
    LAUNCHER_JSON_NUMBER,
    LAUNCHER_JSON_STRING,
    LAUNCHER_JSON_ARRAY,
    LAUNCHER_JSON_OBJECT,
} LauncherJsonKind;

typedef struct {
    LauncherJsonKind kind;
    gboolean boolean; /* BOOL */
    /* NUMBER: the literal as written (printed back as it came, so no
     * precision is lost); STRING: the value, valid UTF-8 without NUL */
    char *text;
    GPtrArray *items; /* ARRAY: the values; OBJECT: the members' values */
    GPtrArray *keys;  /* OBJECT: the members' keys (char *), in order, no two alike */
} LauncherJson;

/* The one value @len bytes at @text hold (whitespace around it is fine);
 * NULL + an error saying at which byte it went wrong. Refused as well as
 * what RFC 8259 refuses: a key twice in one object, "\u0000", nesting
 * deeper than LAUNCHER_JSON_MAX_DEPTH. */
LauncherJson *launcher_json_parse(const char *text, gsize len, GError **error);
void launcher_json_free(LauncherJson *v);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(LauncherJson, launcher_json_free)

/* Appends @v on one line: no newline, a space after ':' and ','. */
void launcher_json_append(GString *out, const LauncherJson *v);

/* ---- Building ---------------------------------------------------------- */

LauncherJson *launcher_json_new_null(void);
LauncherJson *launcher_json_new_bool(gboolean value);
LauncherJson *launcher_json_new_int(gint64 value);
/* Invalid UTF-8 in @value comes out as U+FFFD. */
LauncherJson *launcher_json_new_string(const char *value);
LauncherJson *launcher_json_new_array(void);
LauncherJson *launcher_json_new_object(void);
/* Takes @item. */
void launcher_json_array_add(LauncherJson *array, LauncherJson *item);
/* Takes @value; a member of that name is replaced. */
void launcher_json_object_set(LauncherJson *object, const char *key, LauncherJson *value);
void launcher_json_object_set_int(LauncherJson *object, const char *key, gint64 value);
void launcher_json_object_set_string(LauncherJson *object, const char *key, const char *value);

/* ---- Reading ----------------------------------------------------------- */

/* @object's member @key, or NULL (also if @object is no object). */
const LauncherJson *launcher_json_object_get(const LauncherJson *object, const char *key);
/* Takes member @key out of @object: its value (the caller's), or NULL. */
LauncherJson *launcher_json_object_steal(LauncherJson *object, const char *key);
/* @v's text if it is a string, else NULL. */
const char *launcher_json_get_string(const LauncherJson *v);
/* Whether @v is a number without fraction or exponent that fits 64 bits. */
gboolean launcher_json_get_int(const LauncherJson *v, gint64 *value);

#endif /* SHOAL_LAUNCHER_JSON_H */
