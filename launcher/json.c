/* SPDX-License-Identifier: MIT */
/* JSON (RFC 8259) for the monitor: a recursive-descent parser that refuses
 * rather than guesses (no trailing commas, no single quotes, no leading
 * zeros, UTF-8 only), the tree it builds, and its printer. */
#include "launcher/json.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

#define JSON_ERROR (g_quark_from_static_string("shoal-json-error"))
#define JSON_ERROR_SYNTAX 0

typedef struct {
    const char *start, *p, *end;
    guint depth;
    GError **error;
} Parser;

G_GNUC_PRINTF(2, 3)
static void fail(Parser *ps, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *why = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(ps->error, JSON_ERROR, JSON_ERROR_SYNTAX, "byte %zu: %s",
                (gsize)(ps->p - ps->start), why);
}

static LauncherJson *new_value(LauncherJsonKind kind)
{
    LauncherJson *v = g_new0(LauncherJson, 1);
    v->kind = kind;
    if (kind == LAUNCHER_JSON_ARRAY || kind == LAUNCHER_JSON_OBJECT)
        v->items = g_ptr_array_new_with_free_func((GDestroyNotify)launcher_json_free);
    if (kind == LAUNCHER_JSON_OBJECT)
        v->keys = g_ptr_array_new_with_free_func(g_free);
    return v;
}

void launcher_json_free(LauncherJson *v)
{
    if (v == NULL)
        return;
    g_free(v->text);
    if (v->items)
        g_ptr_array_unref(v->items);
    if (v->keys)
        g_ptr_array_unref(v->keys);
    g_free(v);
}

/* The index of @object's member @key, or -1. */
static gint member_index(const LauncherJson *object, const char *key)
{
    if (object == NULL || object->kind != LAUNCHER_JSON_OBJECT)
        return -1;
    for (guint i = 0; i < object->keys->len; i++)
        if (strcmp(g_ptr_array_index(object->keys, i), key) == 0)
            return (gint)i;
    return -1;
}

/* ---- Parsing ----------------------------------------------------------- */

static void skip_space(Parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

static gboolean take(Parser *ps, char c)
{
    if (ps->p < ps->end && *ps->p == c) {
        ps->p++;
        return TRUE;
    }
    return FALSE;
}

static gboolean take_word(Parser *ps, const char *word)
{
    gsize n = strlen(word);
    if ((gsize)(ps->end - ps->p) >= n && memcmp(ps->p, word, n) == 0) {
        ps->p += n;
        return TRUE;
    }
    return FALSE;
}

/* Four hex digits after "\u". */
static gboolean take_hex4(Parser *ps, gunichar *value)
{
    *value = 0;
    for (guint i = 0; i < 4; i++) {
        int d = ps->p < ps->end ? g_ascii_xdigit_value(*ps->p) : -1;
        if (d < 0) {
            fail(ps, "\\u takes four hex digits");
            return FALSE;
        }
        *value = *value << 4 | (gunichar)d;
        ps->p++;
    }
    return TRUE;
}

/* After "\u": one code point, or a surrogate pair written as two escapes. */
static gboolean take_unicode_escape(Parser *ps, GString *out)
{
    gunichar c, low;
    if (!take_hex4(ps, &c))
        return FALSE;
    if (c >= 0xdc00 && c <= 0xdfff) {
        fail(ps, "a low surrogate without a high one");
        return FALSE;
    }
    if (c >= 0xd800 && c <= 0xdbff) {
        if (!take_word(ps, "\\u")) {
            fail(ps, "a high surrogate without a low one");
            return FALSE;
        }
        if (!take_hex4(ps, &low))
            return FALSE;
        if (low < 0xdc00 || low > 0xdfff) {
            fail(ps, "a high surrogate without a low one");
            return FALSE;
        }
        c = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
    }
    if (c == 0) {
        fail(ps, "\\u0000: strings with NUL are not accepted");
        return FALSE;
    }
    g_string_append_unichar(out, c);
    return TRUE;
}

/* After a backslash in a string. */
static gboolean take_escape(Parser *ps, GString *out)
{
    char e = ps->p < ps->end ? *ps->p++ : '\0';
    switch (e) {
    case '"':
    case '\\':
    case '/':
        g_string_append_c(out, e);
        return TRUE;
    case 'b':
        g_string_append_c(out, '\b');
        return TRUE;
    case 'f':
        g_string_append_c(out, '\f');
        return TRUE;
    case 'n':
        g_string_append_c(out, '\n');
        return TRUE;
    case 'r':
        g_string_append_c(out, '\r');
        return TRUE;
    case 't':
        g_string_append_c(out, '\t');
        return TRUE;
    case 'u':
        return take_unicode_escape(ps, out);
    default:
        fail(ps, "no such escape in a string");
        return FALSE;
    }
}

/* A string's value, the opening quote taken; NULL after fail(). */
static char *take_string(Parser *ps)
{
    const char *begin = ps->p;
    g_autoptr(GString) out = g_string_new(NULL);
    for (;;) {
        if (ps->p >= ps->end) {
            fail(ps, "the string does not end");
            return NULL;
        }
        guchar c = (guchar)*ps->p;
        if (c == '"')
            break;
        if (c < 0x20) {
            fail(ps, "a control character in a string (escape it)");
            return NULL;
        }
        ps->p++;
        if (c != '\\')
            g_string_append_c(out, (char)c);
        else if (!take_escape(ps, out))
            return NULL;
    }
    ps->p++;
    if (!g_utf8_validate(out->str, (gssize)out->len, NULL)) {
        ps->p = begin;
        fail(ps, "the string is not UTF-8");
        return NULL;
    }
    return g_string_free(g_steal_pointer(&out), FALSE);
}

static gboolean take_digits(Parser *ps)
{
    const char *begin = ps->p;
    while (ps->p < ps->end && g_ascii_isdigit(*ps->p))
        ps->p++;
    return ps->p > begin;
}

/* -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)? */
static LauncherJson *take_number(Parser *ps)
{
    const char *begin = ps->p;
    take(ps, '-');
    if (!take(ps, '0') && !(ps->p < ps->end && *ps->p != '0' && take_digits(ps))) {
        fail(ps, "a number without digits");
        return NULL;
    }
    if (take(ps, '.') && !take_digits(ps)) {
        fail(ps, "no digit after a number's '.'");
        return NULL;
    }
    if (take(ps, 'e') || take(ps, 'E')) {
        if (!take(ps, '+'))
            take(ps, '-');
        if (!take_digits(ps)) {
            fail(ps, "no digit in a number's exponent");
            return NULL;
        }
    }
    LauncherJson *v = new_value(LAUNCHER_JSON_NUMBER);
    v->text = g_strndup(begin, (gsize)(ps->p - begin));
    return v;
}

static LauncherJson *take_value(Parser *ps);

/* "[" taken; the items and "]". */
static LauncherJson *take_array(Parser *ps)
{
    g_autoptr(LauncherJson) v = new_value(LAUNCHER_JSON_ARRAY);
    skip_space(ps);
    if (take(ps, ']'))
        return g_steal_pointer(&v);
    do {
        LauncherJson *item = take_value(ps);
        if (item == NULL)
            return NULL;
        g_ptr_array_add(v->items, item);
        skip_space(ps);
    } while (take(ps, ','));
    if (!take(ps, ']')) {
        fail(ps, "expected ',' or ']' in an array");
        return NULL;
    }
    return g_steal_pointer(&v);
}

/* "{" taken; the members and "}". */
static LauncherJson *take_object(Parser *ps)
{
    g_autoptr(LauncherJson) v = new_value(LAUNCHER_JSON_OBJECT);
    skip_space(ps);
    if (take(ps, '}'))
        return g_steal_pointer(&v);
    do {
        skip_space(ps);
        const char *key_at = ps->p;
        if (!take(ps, '"')) {
            fail(ps, "expected a string as an object's key");
            return NULL;
        }
        g_autofree char *key = take_string(ps);
        if (key == NULL)
            return NULL;
        if (launcher_json_object_get(v, key)) {
            ps->p = key_at;
            fail(ps, "the key \"%s\" twice in one object", key);
            return NULL;
        }
        skip_space(ps);
        if (!take(ps, ':')) {
            fail(ps, "expected ':' after an object's key");
            return NULL;
        }
        LauncherJson *value = take_value(ps);
        if (value == NULL)
            return NULL;
        g_ptr_array_add(v->keys, g_steal_pointer(&key));
        g_ptr_array_add(v->items, value);
        skip_space(ps);
    } while (take(ps, ','));
    if (!take(ps, '}')) {
        fail(ps, "expected ',' or '}' in an object");
        return NULL;
    }
    return g_steal_pointer(&v);
}

static LauncherJson *take_value(Parser *ps)
{
    skip_space(ps);
    gboolean object = ps->p < ps->end && *ps->p == '{';
    if (take(ps, '{') || take(ps, '[')) {
        if (++ps->depth > LAUNCHER_JSON_MAX_DEPTH) {
            ps->p--;
            fail(ps, "nested deeper than %d", LAUNCHER_JSON_MAX_DEPTH);
            return NULL;
        }
        LauncherJson *v = object ? take_object(ps) : take_array(ps);
        ps->depth--;
        return v;
    }
    if (take(ps, '"')) {
        char *text = take_string(ps);
        if (text == NULL)
            return NULL;
        LauncherJson *v = new_value(LAUNCHER_JSON_STRING);
        v->text = text;
        return v;
    }
    if (take_word(ps, "true"))
        return launcher_json_new_bool(TRUE);
    if (take_word(ps, "false"))
        return launcher_json_new_bool(FALSE);
    if (take_word(ps, "null"))
        return new_value(LAUNCHER_JSON_NULL);
    if (ps->p < ps->end && (*ps->p == '-' || g_ascii_isdigit(*ps->p)))
        return take_number(ps);
    fail(ps, ps->p < ps->end ? "expected a value" : "nothing where a value was expected");
    return NULL;
}

LauncherJson *launcher_json_parse(const char *text, gsize len, GError **error)
{
    Parser ps = { .start = text, .p = text, .end = text + len, .error = error };
    g_autoptr(LauncherJson) v = take_value(&ps);
    if (v == NULL)
        return NULL;
    skip_space(&ps);
    if (ps.p != ps.end) {
        fail(&ps, "more after the value");
        return NULL;
    }
    return g_steal_pointer(&v);
}

/* ---- Printing ---------------------------------------------------------- */

static void append_string(GString *out, const char *s)
{
    g_string_append_c(out, '"');
    for (; *s; s++) {
        guchar c = (guchar)*s;
        if (c == '"' || c == '\\')
            g_string_append_printf(out, "\\%c", c);
        else if (c == '\n')
            g_string_append(out, "\\n");
        else if (c == '\t')
            g_string_append(out, "\\t");
        else if (c == '\r')
            g_string_append(out, "\\r");
        else if (c < 0x20 || c == 0x7f)
            g_string_append_printf(out, "\\u%04x", c);
        else
            g_string_append_c(out, (char)c);
    }
    g_string_append_c(out, '"');
}

void launcher_json_append(GString *out, const LauncherJson *v)
{
    switch (v->kind) {
    case LAUNCHER_JSON_NULL:
        g_string_append(out, "null");
        break;
    case LAUNCHER_JSON_BOOL:
        g_string_append(out, v->boolean ? "true" : "false");
        break;
    case LAUNCHER_JSON_NUMBER:
        g_string_append(out, v->text);
        break;
    case LAUNCHER_JSON_STRING:
        append_string(out, v->text);
        break;
    case LAUNCHER_JSON_ARRAY:
    case LAUNCHER_JSON_OBJECT: {
        gboolean object = v->kind == LAUNCHER_JSON_OBJECT;
        g_string_append_c(out, object ? '{' : '[');
        for (guint i = 0; i < v->items->len; i++) {
            if (i > 0)
                g_string_append(out, ", ");
            if (object) {
                append_string(out, g_ptr_array_index(v->keys, i));
                g_string_append(out, ": ");
            }
            launcher_json_append(out, g_ptr_array_index(v->items, i));
        }
        g_string_append_c(out, object ? '}' : ']');
        break;
    }
    }
}

/* ---- Building ---------------------------------------------------------- */

LauncherJson *launcher_json_new_null(void)
{
    return new_value(LAUNCHER_JSON_NULL);
}

LauncherJson *launcher_json_new_bool(gboolean value)
{
    LauncherJson *v = new_value(LAUNCHER_JSON_BOOL);
    v->boolean = value;
    return v;
}

LauncherJson *launcher_json_new_int(gint64 value)
{
    LauncherJson *v = new_value(LAUNCHER_JSON_NUMBER);
    v->text = g_strdup_printf("%" G_GINT64_FORMAT, value);
    return v;
}

LauncherJson *launcher_json_new_string(const char *value)
{
    LauncherJson *v = new_value(LAUNCHER_JSON_STRING);
    v->text = g_utf8_make_valid(value, -1);
    return v;
}

LauncherJson *launcher_json_new_array(void)
{
    return new_value(LAUNCHER_JSON_ARRAY);
}

LauncherJson *launcher_json_new_object(void)
{
    return new_value(LAUNCHER_JSON_OBJECT);
}

void launcher_json_array_add(LauncherJson *array, LauncherJson *item)
{
    g_return_if_fail(array->kind == LAUNCHER_JSON_ARRAY);
    g_ptr_array_add(array->items, item);
}

void launcher_json_object_set(LauncherJson *object, const char *key, LauncherJson *value)
{
    g_return_if_fail(object->kind == LAUNCHER_JSON_OBJECT);
    gint i = member_index(object, key);
    if (i >= 0) {
        launcher_json_free(object->items->pdata[i]);
        object->items->pdata[i] = value;
        return;
    }
    g_ptr_array_add(object->keys, g_strdup(key));
    g_ptr_array_add(object->items, value);
}

void launcher_json_object_set_int(LauncherJson *object, const char *key, gint64 value)
{
    launcher_json_object_set(object, key, launcher_json_new_int(value));
}

void launcher_json_object_set_string(LauncherJson *object, const char *key, const char *value)
{
    launcher_json_object_set(object, key, launcher_json_new_string(value));
}

/* ---- Reading ----------------------------------------------------------- */

const LauncherJson *launcher_json_object_get(const LauncherJson *object, const char *key)
{
    gint i = member_index(object, key);
    return i >= 0 ? g_ptr_array_index(object->items, i) : NULL;
}

LauncherJson *launcher_json_object_steal(LauncherJson *object, const char *key)
{
    gint i = member_index(object, key);
    if (i < 0)
        return NULL;
    g_ptr_array_remove_index(object->keys, (guint)i);
    return g_ptr_array_steal_index(object->items, (guint)i);
}

const char *launcher_json_get_string(const LauncherJson *v)
{
    return v && v->kind == LAUNCHER_JSON_STRING ? v->text : NULL;
}

gboolean launcher_json_get_int(const LauncherJson *v, gint64 *value)
{
    if (v == NULL || v->kind != LAUNCHER_JSON_NUMBER || strpbrk(v->text, ".eE"))
        return FALSE;
    char *end = NULL;
    errno = 0;
    gint64 n = g_ascii_strtoll(v->text, &end, 10);
    if (errno != 0 || *end != '\0')
        return FALSE;
    *value = n;
    return TRUE;
}
