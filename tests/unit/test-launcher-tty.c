/* SPDX-License-Identifier: MIT */
/* The launcher's terminal handling on a pseudo-terminal: raw input with
 * Ctrl-C kept as a signal, nothing done to a non-terminal, and the
 * original settings back afterwards. */
#include <pty.h>
#include <termios.h>
#include <unistd.h>

#include "launcher/internal.h"

static void test_raw_and_back(void)
{
    int master, slave;
    g_assert_cmpint(openpty(&master, &slave, NULL, NULL, NULL), ==, 0);
    struct termios before, during, after;
    g_assert_cmpint(tcgetattr(slave, &before), ==, 0);
    g_assert_true(before.c_lflag & ICANON); /* a fresh pty is cooked */

    g_assert_true(launcher_tty_raw(slave));
    g_assert_false(launcher_tty_raw(slave)); /* once */
    g_assert_cmpint(tcgetattr(slave, &during), ==, 0);
    g_assert_cmphex(during.c_lflag & (ICANON | ECHO | IEXTEN), ==, 0);
    g_assert_cmphex(during.c_lflag & ISIG, ==, ISIG);
    g_assert_cmphex(during.c_iflag & (ICRNL | IXON), ==, 0);
    g_assert_cmpint(during.c_cc[VINTR], ==, before.c_cc[VINTR]);
    g_assert_cmpint(during.c_cc[VQUIT], ==, _POSIX_VDISABLE);
    /* input arrives byte by byte, without waiting for a newline */
    g_assert_cmpint(write(master, "ab", 2), ==, 2);
    char buf[4];
    g_assert_cmpint(read(slave, buf, sizeof(buf)), ==, 2);
    g_assert_cmpmem(buf, 2, "ab", 2);

    launcher_tty_restore();
    g_assert_cmpint(tcgetattr(slave, &after), ==, 0);
    g_assert_cmphex(after.c_lflag, ==, before.c_lflag);
    g_assert_cmphex(after.c_iflag, ==, before.c_iflag);
    g_assert_cmpint(after.c_cc[VQUIT], ==, before.c_cc[VQUIT]);
    launcher_tty_restore(); /* a second time changes nothing */
    close(master);
    close(slave);
}

static void test_not_a_tty(void)
{
    int fds[2];
    g_assert_cmpint(pipe(fds), ==, 0);
    g_assert_false(launcher_tty_raw(fds[0]));
    launcher_tty_restore();
    close(fds[0]);
    close(fds[1]);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/launcher/tty/raw-and-back", test_raw_and_back);
    g_test_add_func("/launcher/tty/not-a-tty", test_not_a_tty);
    return g_test_run();
}
