/* SPDX-License-Identifier: MIT */
/* shoal-cpu-node: one cluster of harts of a machine.
 *   shoal-cpu-node CONFIG [--set g.k=v]... [--kernel F] [--bios F|none] [--run-dir DIR] --node N
 *                  [--paused] */
#include "config/cfg.h"
#include "cpu-node/internal.h"

int main(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;
    CfgCmdline cmd = { 0 };
    if (!cfg_cmdline_parse(argc, argv, &cmd, &error)) {
        g_printerr("shoal-cpu-node: %s\n", error->message);
        return 2;
    }
    int code = 2;
    if (cmd.node < 0 || (guint)cmd.node >= cmd.machine->n_nodes)
        g_printerr("shoal-cpu-node: --node N is required, N in 0..%u for %s\n",
                   cmd.machine->n_nodes - 1, cmd.machine->path);
    else {
        g_autofree char *role = g_strdup_printf("shoal-cpu-node %d", cmd.node);
        ic_log_init(role);
        code = node_run(cmd.machine, cmd.run_dir, (guint)cmd.node, cmd.paused);
    }
    cfg_cmdline_clear(&cmd);
    return code;
}
