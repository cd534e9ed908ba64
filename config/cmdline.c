/* SPDX-License-Identifier: MIT */
/* One command-line layer for every shoal binary, on GLib's GOptionContext:
 * the options that describe the machine (the "machine" group: `shoal run`,
 * `shoal dumpdtb` and every child take them), the children's own
 * (--run-dir, --node), --help, --help-all and --version, and usage errors
 * in one form: "MESSAGE (see PROG --help)", exit 2 by the caller. */
#include "config/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --initrd, --append, --accel and --no-reboot stand for a --set each,
 * applied after every --set in the order given (a later --accel wins over
 * an earlier one, as a later --set does). */
static gboolean take_implied(const char *option, const char *value, gpointer data, GError **error)
{
    CfgMachineArgs *args = data;
    const char *key;
    if (strcmp(option, "--no-reboot") == 0) {
        key = "machine.on-reset";
        value = "exit";
    } else if (strcmp(option, "--accel") == 0) {
        if (strcmp(value, "jit") != 0 && strcmp(value, "interp") != 0) {
            g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                        "--accel: expected jit or interp, got \"%s\"", value);
            return FALSE;
        }
        key = "cpu.accel";
    } else if (strcmp(option, "--initrd") == 0) {
        key = "boot.initrd";
    } else {
        g_assert(strcmp(option, "--append") == 0);
        key = "boot.append";
    }
    if (args->implied == NULL)
        args->implied = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(args->implied, g_strconcat(key, "=", value, NULL));
    return TRUE;
}

GOptionGroup *cfg_machine_args_group(CfgMachineArgs *args)
{
    const GOptionEntry entries[] = {
        { "set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &args->sets,
          "Set a config key, overriding the file (repeatable; shoal config-doc lists them)",
          "GROUP.KEY=VALUE" },
        { "kernel", 0, 0, G_OPTION_ARG_FILENAME, &args->kernel,
          "Kernel image: an RV64 ELF, or a raw binary ([boot] kernel)", "FILE" },
        { "bios", 0, 0, G_OPTION_ARG_FILENAME, &args->bios,
          "Firmware image run first, or none ([boot] bios)", "FILE|none" },
        { "initrd", 0, 0, G_OPTION_ARG_CALLBACK, (gpointer)take_implied,
          "Initial ramdisk, placed as QEMU's virt board does ([boot] initrd)", "FILE" },
        { "append", 0, 0, G_OPTION_ARG_CALLBACK, (gpointer)take_implied,
          "Kernel command line, the device tree's /chosen bootargs ([boot] append)", "ARGS" },
        { "accel", 0, 0, G_OPTION_ARG_CALLBACK, (gpointer)take_implied,
          "Translator back end: jit or interp ([cpu] accel)", "jit|interp" },
        { "no-reboot", 0, G_OPTION_FLAG_NO_ARG, G_OPTION_ARG_CALLBACK, (gpointer)take_implied,
          "A reset the guest asks for ends the run, as QEMU's -no-reboot ([machine] "
          "on-reset = exit)",
          NULL },
        { NULL },
    };
    GOptionGroup *group = g_option_group_new("machine", "The machine:",
                                             "Show the options that describe the machine",
                                             args, NULL);
    g_option_group_add_entries(group, entries);
    return group;
}

char **cfg_machine_args_sets(const CfgMachineArgs *args)
{
    GPtrArray *v = g_ptr_array_new();
    for (guint i = 0; args->sets && args->sets[i]; i++)
        g_ptr_array_add(v, g_strdup(args->sets[i]));
    for (guint i = 0; args->implied && i < args->implied->len; i++)
        g_ptr_array_add(v, g_strdup(args->implied->pdata[i]));
    g_ptr_array_add(v, NULL);
    return (char **)g_ptr_array_free(v, FALSE);
}

CfgMachine *cfg_machine_args_load(const CfgMachineArgs *args, const char *config, GError **error)
{
    g_auto(GStrv) sets = cfg_machine_args_sets(args);
    return cfg_machine_load(config, (const char *const *)sets, args->kernel, args->bios, error);
}

void cfg_machine_args_clear(CfgMachineArgs *args)
{
    g_clear_pointer(&args->sets, g_strfreev);
    g_clear_pointer(&args->kernel, g_free);
    g_clear_pointer(&args->bios, g_free);
    g_clear_pointer(&args->implied, g_ptr_array_unref);
}

static gboolean print_version(const char *option, const char *value, gpointer data,
                              GError **error)
{
    printf("%s %s\n", g_get_prgname(), PACKAGE_VERSION);
    exit(0);
}

GOptionContext *cfg_options_context_new(const char *parameters, const char *summary,
                                        GOptionGroup *main_group)
{
    const GOptionEntry entries[] = {
        { "version", 0, G_OPTION_FLAG_NO_ARG, G_OPTION_ARG_CALLBACK, (gpointer)print_version,
          "Print the version and exit", NULL },
        { NULL },
    };
    GOptionContext *context = g_option_context_new(parameters);
    g_option_context_set_summary(context, summary);
    g_option_context_set_main_group(context, main_group);
    g_option_context_add_main_entries(context, entries, NULL);
    return context;
}

gboolean cfg_options_parse(GOptionContext *context, const char *prog, char ***args,
                           GError **error)
{
    g_autoptr(GError) parse_error = NULL;
    if (!g_option_context_parse_strv(context, args, &parse_error)) {
        g_set_error(error, CFG_ERROR, CFG_ERROR_VALUE, "%s (see %s --help)",
                    parse_error->message, prog);
        return FALSE;
    }
    return TRUE;
}

gboolean cfg_cmdline_parse(int argc, char **argv, CfgCmdline *out, GError **error)
{
    g_autofree char *prog = g_path_get_basename(argv[0]);
    CfgMachineArgs machine = { 0 };
    g_autofree char *run_dir = NULL;
    g_autofree char *node = NULL;
    gboolean paused = FALSE;
    g_autofree char *restore = NULL;
    g_autofree char *snapshot_at = NULL;
    const GOptionEntry entries[] = {
        { "run-dir", 0, 0, G_OPTION_ARG_FILENAME, &run_dir,
          "The machine's private run directory (the launcher makes it)", "DIR" },
        { "node", 0, 0, G_OPTION_ARG_STRING, &node, "Which [node.N] this process is", "N" },
        { "paused", 0, 0, G_OPTION_ARG_NONE, &paused,
          "A cpu-node's harts start stopped, until a debugger lets them run", NULL },
        { "restore", 0, 0, G_OPTION_ARG_FILENAME, &restore,
          "The memory server starts the machine from this snapshot", "FILE" },
        { "snapshot-at", 0, 0, G_OPTION_ARG_STRING, &snapshot_at,
          "Deterministic time: the memory server saves a snapshot to FILE at the first "
          "quantum boundary at or after guest time NS", "NS:FILE" },
        { NULL },
    };
    memset(out, 0, sizeof(*out));
    out->node = -1;
    g_set_prgname(prog);
    g_autoptr(GOptionContext) context = cfg_options_context_new(
        "CONFIG",
        "A process of a shoal machine, started by `shoal run` (or by hand, with the arguments "
        "it would get).",
        cfg_machine_args_group(&machine));
    g_option_context_add_main_entries(context, entries, NULL);
    /* GOption takes what it parsed out of the vector: parse a copy. */
    g_auto(GStrv) rest = g_new0(char *, (gsize)argc + 1);
    for (int i = 0; i < argc; i++)
        rest[i] = g_strdup(argv[i]);
    gboolean ok = cfg_options_parse(context, prog, &rest, error);
    guint n = ok ? g_strv_length(rest) : 0;
    if (ok && n < 2) {
        g_set_error(error, CFG_ERROR, CFG_ERROR_MISSING, "no config file given (see %s --help)",
                    prog);
        ok = FALSE;
    } else if (ok && n > 2) {
        g_set_error(error, CFG_ERROR, CFG_ERROR_VALUE, "%s: only one config file expected",
                    rest[2]);
        ok = FALSE;
    }
    if (ok)
        out->machine = cfg_machine_args_load(&machine, rest[1], error);
    ok = ok && out->machine != NULL;
    if (ok && (run_dir == NULL || run_dir[0] == '\0') && out->machine->msrv_endpoint == NULL) {
        /* Its ipc:// socket (and the secret next to it) live there. */
        g_set_error(error, CFG_ERROR, CFG_ERROR_MISSING,
                    "--run-dir DIR is required unless [memory-server] endpoint is set");
        cfg_cmdline_clear(out);
        ok = FALSE;
    }
    if (ok && node) {
        guint64 n_node;
        if (!cfg_parse_u64(node, FALSE, &n_node) || n_node >= out->machine->n_nodes) {
            g_set_error(error, CFG_ERROR, CFG_ERROR_VALUE,
                        "--node %s: expected a node number 0..%u of %s", node,
                        out->machine->n_nodes - 1, rest[1]);
            cfg_cmdline_clear(out);
            ok = FALSE;
        } else {
            out->node = (gint)n_node;
        }
    }
    if (ok && snapshot_at &&
        !cfg_parse_snapshot_at(snapshot_at, &out->snapshot_at_ns, &out->snapshot_at_path, error)) {
        cfg_cmdline_clear(out);
        ok = FALSE;
    }
    if (ok) {
        out->run_dir = g_steal_pointer(&run_dir);
        out->paused = paused;
        out->restore = g_steal_pointer(&restore);
    }
    cfg_machine_args_clear(&machine);
    return ok;
}

gboolean cfg_parse_snapshot_at(const char *text, guint64 *ns, char **path, GError **error)
{
    const char *colon = strchr(text, ':');
    g_autofree char *number = colon ? g_strndup(text, (gsize)(colon - text)) : NULL;
    if (!colon || colon[1] == '\0' || !cfg_parse_u64(number, FALSE, ns)) {
        g_set_error(error, CFG_ERROR, CFG_ERROR_VALUE,
                    "--snapshot-at %s: expected NS:FILE (guest time in ns, the file to write)",
                    text);
        return FALSE;
    }
    *path = g_strdup(colon + 1);
    return TRUE;
}

void cfg_cmdline_clear(CfgCmdline *cmdline)
{
    g_clear_pointer(&cmdline->machine, cfg_machine_free);
    g_clear_pointer(&cmdline->run_dir, g_free);
    g_clear_pointer(&cmdline->restore, g_free);
    g_clear_pointer(&cmdline->snapshot_at_path, g_free);
    cmdline->node = -1;
}
