# SPDX-License-Identifier: MIT
# launcher/: the `shoal` command.
bin_PROGRAMS += shoal
shoal_SOURCES = launcher/internal.h launcher/main.c launcher/procs.c launcher/rundir.c launcher/tty.c \
	launcher/relay.c
shoal_CPPFLAGS = $(AM_CPPFLAGS) $(ZMQ_CFLAGS) $(PROTOBUF_C_CFLAGS) -DG_LOG_DOMAIN='"shoal-launcher"'
shoal_LDADD = $(CFG_LIBS) $(IC_LIBS)

# The terminal settings, checked on a pseudo-terminal.
check_PROGRAMS += tests/unit/test-launcher-tty
TESTS += tests/unit/test-launcher-tty
tests_unit_test_launcher_tty_CPPFLAGS = $(AM_CPPFLAGS) -DG_LOG_DOMAIN='"shoal-launcher"'
tests_unit_test_launcher_tty_SOURCES = tests/unit/test-launcher-tty.c launcher/tty.c
tests_unit_test_launcher_tty_LDADD = $(GLIB_LIBS) -lutil
