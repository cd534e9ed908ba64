/* SPDX-License-Identifier: MIT */
/* The command line every child process takes, built by the launcher (or
 * typed by hand): PROG CONFIG [--set g.k=v]... [--kernel F] [--bios F|none]
 * --run-dir DIR [--node N]. */
#include "config/internal.h"

#include <string.h>

/* "--opt VALUE" or "--opt=VALUE" at argv[*i]; advances *i past it. */
static gboolean take_value(int argc, char **argv, int *i, const char *opt, const char **value,
                           GError **error)
{
    const char *arg = argv[*i];
    gsize n = strlen(opt);

    if (arg[n] == '=') {
        *value = arg + n + 1;
        return TRUE;
    }
    if (*i + 1 >= argc) {
        g_set_error(error, CFG_ERROR, CFG_ERROR_VALUE, "%s: expected a value after it", opt);
        return FALSE;
    }
    *i += 1;
    *value = argv[*i];
    return TRUE;
}

static gboolean is_opt(const char *arg, const char *opt)
{
    gsize n = strlen(opt);
    return strncmp(arg, opt, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

gboolean cfg_cmdline_parse(int argc, char **argv, CfgCmdline *out, GError **error)
{
    g_autoptr(GPtrArray) sets = g_ptr_array_new();
    const char *config = NULL, *kernel = NULL, *bios = NULL, *run_dir = NULL, *node = NULL;

    memset(out, 0, sizeof(*out));
    out->node = -1;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *v;
        if (is_opt(arg, "--set")) {
            if (!take_value(argc, argv, &i, "--set", &v, error)) {
                return FALSE;
            }
            g_ptr_array_add(sets, (gpointer)v);
        } else if (is_opt(arg, "--kernel")) {
            if (!take_value(argc, argv, &i, "--kernel", &kernel, error)) {
                return FALSE;
            }
        } else if (is_opt(arg, "--bios")) {
            if (!take_value(argc, argv, &i, "--bios", &bios, error)) {
                return FALSE;
            }
        } else if (is_opt(arg, "--run-dir")) {
            if (!take_value(argc, argv, &i, "--run-dir", &run_dir, error)) {
                return FALSE;
            }
        } else if (is_opt(arg, "--node")) {
            if (!take_value(argc, argv, &i, "--node", &node, error)) {
                return FALSE;
            }
        } else if (arg[0] == '-' && arg[1] != '\0') {
            g_set_error(error, CFG_ERROR, CFG_ERROR_VALUE,
                        "%s: unknown option (usage: CONFIG [--set group.key=value]... [--kernel "
                        "FILE] [--bios FILE|none] --run-dir DIR [--node N])",
                        arg);
            return FALSE;
        } else if (config == NULL) {
            config = arg;
        } else {
            g_set_error(error, CFG_ERROR, CFG_ERROR_VALUE, "%s: only one config file expected",
                        arg);
            return FALSE;
        }
    }
    if (config == NULL) {
        g_set_error(error, CFG_ERROR, CFG_ERROR_MISSING, "no config file given");
        return FALSE;
    }
    if (run_dir == NULL || run_dir[0] == '\0') {
        g_set_error(error, CFG_ERROR, CFG_ERROR_MISSING, "--run-dir DIR is required");
        return FALSE;
    }
    g_ptr_array_add(sets, NULL);
    out->machine = cfg_machine_load(config, (const char *const *)sets->pdata, kernel, bios, error);
    if (out->machine == NULL) {
        return FALSE;
    }
    if (node) {
        guint64 n;
        if (!cfg_parse_u64(node, FALSE, &n) || n >= out->machine->n_nodes) {
            g_set_error(error, CFG_ERROR, CFG_ERROR_VALUE,
                        "--node %s: expected a node number 0..%u of %s", node,
                        out->machine->n_nodes - 1, config);
            cfg_cmdline_clear(out);
            return FALSE;
        }
        out->node = (gint)n;
    }
    out->run_dir = g_strdup(run_dir);
    return TRUE;
}

void cfg_cmdline_clear(CfgCmdline *cmdline)
{
    g_clear_pointer(&cmdline->machine, cfg_machine_free);
    g_clear_pointer(&cmdline->run_dir, g_free);
    cmdline->node = -1;
}
