/* SPDX-License-Identifier: MIT */
/* shoal-memory-server: guest RAM, the coherence directory and the platform
 * devices of one machine.
 *   shoal-memory-server CONFIG [--set g.k=v]... [--kernel F] [--bios F|none] --run-dir DIR
 *                       [--restore FILE] [--snapshot-at NS:FILE] */
#include <stdio.h>

#include "config/cfg.h"
#include "interconnect/ic.h"
#include "memory-server/internal.h"

int main(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;
    CfgCmdline cmd = { 0 };
    ic_log_init("shoal-memory-server");
    if (!cfg_cmdline_parse(argc, argv, &cmd, &error)) {
        g_printerr("shoal-memory-server: %s\n", error->message);
        return 2;
    }
    MsrvRunOptions options = { cmd.restore, cmd.snapshot_at_path, cmd.snapshot_at_ns };
    int code = msrv_run(cmd.machine, cmd.run_dir, &options);
    cfg_cmdline_clear(&cmd);
    return code;
}
