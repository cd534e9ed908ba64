/* SPDX-License-Identifier: MIT */
/* The terminal as the guest's console: when stdin is a tty, input goes to
 * the guest as typed (no echo, no line editing, Enter as CR, Ctrl-S/Q/Z/\
 * are the guest's), while Ctrl-C still ends the run (ISIG stays on). The
 * saved settings come back on every way out: the normal return, exit(),
 * and the fatal signals (SIGINT/SIGTERM/SIGHUP reach us via the signalfd,
 * so they take the normal return). */
#include "launcher/internal.h"

#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

static struct termios saved;        /* the settings to restore */
static volatile sig_atomic_t saved_fd = -1; /* the tty we changed, -1 if none */

static void restore(void)
{
    int fd = saved_fd;
    if (fd >= 0) {
        saved_fd = -1;
        tcsetattr(fd, TCSADRAIN, &saved); /* async-signal-safe */
    }
}

/* A crash must not leave the user's shell without echo. */
static void on_fatal(int sig)
{
    restore();
    raise(sig); /* SA_RESETHAND: the default action now */
}

gboolean launcher_tty_raw(int fd)
{
    static gboolean hooked;
    if (saved_fd >= 0 || !isatty(fd) || tcgetattr(fd, &saved) != 0)
        return FALSE;
    /* A background job changing its terminal would be stopped (SIGTTOU). */
    pid_t fg = tcgetpgrp(fd);
    if (fg >= 0 && fg != getpgrp())
        return FALSE;
    struct termios raw = saved;
    raw.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    raw.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | IEXTEN);
    raw.c_lflag |= ISIG;
    raw.c_cc[VQUIT] = _POSIX_VDISABLE; /* a core dump would skip the restore */
    raw.c_cc[VSUSP] = _POSIX_VDISABLE; /* a stopped launcher would stall the guest's console */
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    if (!hooked) {
        static const int fatal[] = { SIGQUIT, SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL };
        struct sigaction sa = { .sa_handler = on_fatal, .sa_flags = SA_RESETHAND };
        sigemptyset(&sa.sa_mask);
        for (guint i = 0; i < G_N_ELEMENTS(fatal); i++)
            sigaction(fatal[i], &sa, NULL);
        atexit(restore);
        hooked = TRUE;
    }
    saved_fd = fd;
    if (tcsetattr(fd, TCSANOW, &raw) != 0) {
        saved_fd = -1;
        return FALSE;
    }
    return TRUE;
}

void launcher_tty_restore(void)
{
    restore();
}
