// SPDX-License-Identifier: MIT
// main() of every bridge program (libshoal-sysc): the command line every
// shoal child takes, the link to the memory server, the Bridge (which calls
// the program's shoal_sysc_register), then the SystemC kernel until the
// machine ends.
//   PROGRAM CONFIG [--set g.k=v]... [--kernel F] [--bios F|none] --run-dir DIR
#include <stdlib.h>
#include <unistd.h>

#include "interconnect/ic.h"
#include "sysc-bridge/bridge-impl.h"

int sc_main(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;
    CfgCmdline cmd = {};
    if (!cfg_cmdline_parse(argc, argv, &cmd, &error)) {
        g_printerr("shoal-sysc-bridge: %s\n", error->message);
        return 2;
    }
    int code = 2;
    if (!cfg_machine_has_bridge(cmd.machine)) {
        g_printerr("shoal-sysc-bridge: %s: no device has type sysc: nothing to bridge\n",
                   cmd.machine->path);
    } else {
        IcDeviceLink *link = ic_device_link_new(cmd.machine, cmd.run_dir, IC_OWNER_BRIDGE, &error);
        if (!link) {
            g_printerr("shoal-sysc-bridge: %s\n", error->message);
            code = 1;
        } else {
            auto impl = std::make_unique<shoal::Bridge::Impl>(cmd.machine, link);
            shoal::Bridge::Impl *state = impl.get();
            {
                shoal::Bridge bridge("shoal", std::move(impl));
                sc_core::sc_start();
                code = state->exit_code;
            }
            ic_device_link_free(link);
        }
    }
    cfg_cmdline_clear(&cmd);
    ic_context_shutdown();
    return code;
}

int main(int argc, char **argv)
{
    ic_log_init("shoal-sysc-bridge");
    /* The kernel's banner and reports go to stdout, which the launcher
     * shares with the guest's console: keep them off it. */
    setenv("SYSC_DISABLE_COPYRIGHT_MESSAGE", "DISABLE", 0);
    if (dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
        return 1;
    return sc_core::sc_elab_and_sim(argc, argv);
}
