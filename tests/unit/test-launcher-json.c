/* SPDX-License-Identifier: MIT */
/* The monitor's JSON (launcher/json.c): what the parser takes and what it
 * refuses (strangers write the monitor's input), the tree it builds, and
 * the printer, whose lines the parser reads back as they were. */
#include <string.h>

#include "launcher/json.h"

static LauncherJson *parse(const char *text)
{
    g_autoptr(GError) error = NULL;
    LauncherJson *v = launcher_json_parse(text, strlen(text), &error);
    g_assert_no_error(error);
    g_assert_nonnull(v);
    return v;
}

static char *print(const LauncherJson *v)
{
    GString *out = g_string_new(NULL);
    launcher_json_append(out, v);
    return g_string_free(out, FALSE);
}

/* @text parses, and prints as @printed. */
static void check_round_trip(const char *text, const char *printed)
{
    g_autoptr(LauncherJson) v = parse(text);
    g_autofree char *out = print(v);
    g_assert_cmpstr(out, ==, printed);
    /* and what is printed parses to the same */
    g_autoptr(LauncherJson) again = parse(out);
    g_autofree char *out2 = print(again);
    g_assert_cmpstr(out2, ==, printed);
}

static void test_values(void)
{
    check_round_trip("null", "null");
    check_round_trip(" true ", "true");
    check_round_trip("\tfalse\r\n", "false");
    check_round_trip("0", "0");
    check_round_trip("-12", "-12");
    check_round_trip("1.5e-3", "1.5e-3");
    check_round_trip("-0.0E+10", "-0.0E+10");
    /* numbers print as written: no precision lost on the way through */
    check_round_trip("18446744073709551615", "18446744073709551615");
    check_round_trip("\"\"", "\"\"");
    check_round_trip("[]", "[]");
    check_round_trip("{}", "{}");
    check_round_trip("[1,[2,[]],{\"a\":null}]", "[1, [2, []], {\"a\": null}]");
    check_round_trip("{\"execute\" : \"pause\" , \"id\":7}", "{\"execute\": \"pause\", \"id\": 7}");
}

static void test_strings(void)
{
    g_autoptr(LauncherJson) v = parse("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\u20ac\"");
    g_assert_cmpint(v->kind, ==, LAUNCHER_JSON_STRING);
    g_assert_cmpstr(v->text, ==, "a\"b\\c/d\b\f\n\r\té€");
    /* a surrogate pair is one code point: U+1F600 */
    g_autoptr(LauncherJson) emoji = parse("\"\\ud83d\\ude00\"");
    g_assert_cmpstr(emoji->text, ==, "\xf0\x9f\x98\x80");
    /* UTF-8 as it is */
    g_autoptr(LauncherJson) raw = parse("\"h\xc3\xa9\"");
    g_assert_cmpstr(raw->text, ==, "h\xc3\xa9");
    /* the printer escapes what must be, and leaves UTF-8 alone */
    g_autoptr(LauncherJson) s = launcher_json_new_string("q\"\\\n\t\x01\x7f h\xc3\xa9");
    g_autofree char *out = print(s);
    g_assert_cmpstr(out, ==, "\"q\\\"\\\\\\n\\t\\u0001\\u007f h\xc3\xa9\"");
    /* invalid UTF-8 given to a builder comes out valid */
    g_autoptr(LauncherJson) bad = launcher_json_new_string("a\xff");
    g_assert_true(g_utf8_validate(bad->text, -1, NULL));
}

static void test_refused(void)
{
    static const char *const bad[] = {
        "",
        "   ",
        "nul",
        "True",
        "[1,]",
        "[1 2]",
        "{\"a\":1,}",
        "{\"a\" 1}",
        "{a:1}",
        "{'a':1}",
        "{\"a\":1}{",
        "{\"a\":1} x",
        "[",
        "{\"a\":",
        "\"open",
        "01",
        "-",
        "1.",
        ".5",
        "1e",
        "+1",
        "NaN",
        "Infinity",
        "0x10",
        "\"tab\there\"",
        "\"bad \\x escape\"",
        "\"\\u12\"",
        "\"\\u0000\"",
        "\"\\ud83d\"",
        "\"\\ud83dx\"",
        "\"\\ude00\"",
        "\"\\ud83d\\u0041\"",
        "\"\xff\"",
        "\"\xc3\"",
        "{\"a\":1,\"a\":2}",
    };
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(LauncherJson) v = launcher_json_parse(bad[i], strlen(bad[i]), &error);
        if (v != NULL)
            g_error("%s parsed", bad[i]);
        g_assert_nonnull(error);
        g_assert_true(g_str_has_prefix(error->message, "byte "));
    }
    /* a NUL byte is no whitespace */
    g_autoptr(GError) error = NULL;
    g_assert_null(launcher_json_parse("{}\0", 3, &error));
    g_assert_nonnull(error);
    /* the error says where */
    g_clear_error(&error);
    g_assert_null(launcher_json_parse("[1, x]", 6, &error));
    g_assert_cmpstr(error->message, ==, "byte 4: expected a value");
}

static void test_depth(void)
{
    /* as deep as allowed, then one deeper */
    g_autoptr(GString) ok = g_string_new(NULL);
    for (guint i = 0; i < LAUNCHER_JSON_MAX_DEPTH; i++)
        g_string_append(ok, i % 2 ? "{\"k\":" : "[");
    g_string_append(ok, "0");
    for (guint i = LAUNCHER_JSON_MAX_DEPTH; i-- > 0;)
        g_string_append(ok, i % 2 ? "}" : "]");
    g_autoptr(LauncherJson) v = parse(ok->str);
    g_assert_cmpint(v->kind, ==, LAUNCHER_JSON_ARRAY);

    g_autofree char *deep = g_strnfill(100000, '[');
    g_autoptr(GError) error = NULL;
    g_assert_null(launcher_json_parse(deep, strlen(deep), &error));
    g_assert_nonnull(strstr(error->message, "nested deeper"));
}

static void test_build_and_read(void)
{
    g_autoptr(LauncherJson) o = launcher_json_new_object();
    launcher_json_object_set_string(o, "status", "paused");
    launcher_json_object_set_int(o, "latency-us", 137);
    launcher_json_object_set(o, "gdb", launcher_json_new_bool(FALSE));
    LauncherJson *harts = launcher_json_new_array();
    launcher_json_array_add(harts, launcher_json_new_int(G_MININT64));
    launcher_json_array_add(harts, launcher_json_new_null());
    launcher_json_object_set(o, "harts", harts);
    /* a member set again is replaced, where it was */
    launcher_json_object_set_int(o, "latency-us", 138);
    g_autofree char *out = print(o);
    g_assert_cmpstr(out, ==,
                    "{\"status\": \"paused\", \"latency-us\": 138, \"gdb\": false, "
                    "\"harts\": [-9223372036854775808, null]}");

    g_autoptr(LauncherJson) back = parse(out);
    gint64 n = 0;
    g_assert_true(launcher_json_get_int(launcher_json_object_get(back, "latency-us"), &n));
    g_assert_cmpint(n, ==, 138);
    g_assert_cmpstr(launcher_json_get_string(launcher_json_object_get(back, "status")), ==,
                    "paused");
    g_assert_null(launcher_json_get_string(launcher_json_object_get(back, "gdb")));
    g_assert_null(launcher_json_object_get(back, "nothing"));
    g_assert_null(launcher_json_object_get(launcher_json_object_get(back, "harts"), "x"));
    const LauncherJson *list = launcher_json_object_get(back, "harts");
    g_assert_true(launcher_json_get_int(g_ptr_array_index(list->items, 0), &n));
    g_assert_cmpint(n, ==, G_MININT64);

    /* taking a member out */
    g_autoptr(LauncherJson) gdb = launcher_json_object_steal(back, "gdb");
    g_assert_nonnull(gdb);
    g_assert_false(gdb->boolean);
    g_assert_null(launcher_json_object_steal(back, "gdb"));
    g_assert_cmpuint(back->keys->len, ==, 3);
    g_assert_cmpuint(back->items->len, ==, 3);
}

static void test_ints(void)
{
    static const struct {
        const char *text;
        gboolean ok;
        gint64 value;
    } cases[] = {
        { "0", TRUE, 0 },
        { "-1", TRUE, -1 },
        { "9223372036854775807", TRUE, G_MAXINT64 },
        { "9223372036854775808", FALSE, 0 },
        { "-9223372036854775809", FALSE, 0 },
        { "1.0", FALSE, 0 },
        { "1e3", FALSE, 0 },
        { "\"1\"", FALSE, 0 },
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(LauncherJson) v = parse(cases[i].text);
        gint64 n = 0;
        g_assert_cmpint(launcher_json_get_int(v, &n), ==, cases[i].ok);
        if (cases[i].ok)
            g_assert_cmpint(n, ==, cases[i].value);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/launcher/json/values", test_values);
    g_test_add_func("/launcher/json/strings", test_strings);
    g_test_add_func("/launcher/json/refused", test_refused);
    g_test_add_func("/launcher/json/depth", test_depth);
    g_test_add_func("/launcher/json/build-and-read", test_build_and_read);
    g_test_add_func("/launcher/json/ints", test_ints);
    return g_test_run();
}
