/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: a line as a monitor client sends it (launcher/json.c,
 * the parser of launcher/monitor.c). The parser refuses it with an error,
 * or what it accepts prints as one line that parses back and prints the
 * same. */
#include <string.h>

#include "launcher/json.h"

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(LauncherJson) v = launcher_json_parse((const char *)data, size, &error);
    if (!v) {
        g_assert_nonnull(error);
        return 0;
    }
    g_autoptr(GString) out = g_string_new(NULL);
    launcher_json_append(out, v);
    g_assert_null(memchr(out->str, '\n', out->len));
    g_autoptr(LauncherJson) again = launcher_json_parse(out->str, out->len, &error);
    g_assert_no_error(error);
    g_autoptr(GString) out2 = g_string_new(NULL);
    launcher_json_append(out2, again);
    g_assert_cmpstr(out->str, ==, out2->str);
    return 0;
}
