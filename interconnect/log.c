/* SPDX-License-Identifier: MIT */
/* One log line format for every shoal process, so the interleaved stderr of
 * a machine says who spoke: "shoal-cpu-node 1 hart 2: WARNING shoal-tcg: ...".
 * G_MESSAGES_DEBUG filtering stays GLib's own. */
#include <stdio.h>

#include "interconnect/ic.h"

static char *log_role;            /* "shoal-cpu-node 1"; set once at startup */
static __thread gint log_hart = -1; /* the calling thread's hart, -1 if none */

static const char *level_name(GLogLevelFlags level)
{
    if (level & G_LOG_LEVEL_ERROR)
        return "ERROR";
    if (level & G_LOG_LEVEL_CRITICAL)
        return "CRITICAL";
    if (level & G_LOG_LEVEL_WARNING)
        return "WARNING";
    if (level & G_LOG_LEVEL_MESSAGE)
        return "MESSAGE";
    if (level & G_LOG_LEVEL_INFO)
        return "INFO";
    return "DEBUG";
}

static GLogWriterOutput write_line(GLogLevelFlags level, const GLogField *fields, gsize n_fields,
                                   gpointer unused)
{
    const char *domain = NULL, *message = NULL;
    for (gsize i = 0; i < n_fields; i++) {
        if (g_strcmp0(fields[i].key, "GLIB_DOMAIN") == 0)
            domain = fields[i].value;
        else if (g_strcmp0(fields[i].key, "MESSAGE") == 0)
            message = fields[i].value;
    }
    if (g_log_writer_default_would_drop(level, domain))
        return G_LOG_WRITER_HANDLED;
    g_autoptr(GString) line = g_string_new(log_role ? log_role : g_get_prgname());
    if (log_hart >= 0)
        g_string_append_printf(line, " hart %d", log_hart);
    g_string_append_printf(line, ": %s %s: %s\n", level_name(level), domain ? domain : "shoal",
                           message ? message : "");
    fputs(line->str, stderr);
    fflush(stderr);
    return G_LOG_WRITER_HANDLED;
}

void ic_log_init(const char *role)
{
    g_free(log_role);
    log_role = g_strdup(role);
    g_log_set_writer_func(write_line, NULL, NULL);
}

void ic_log_set_hart(gint hart)
{
    log_hart = hart;
}
