# SPDX-License-Identifier: MIT
# launcher/: the `shoal` command.
bin_PROGRAMS += shoal
shoal_SOURCES = launcher/internal.h launcher/main.c launcher/procs.c launcher/rundir.c launcher/tty.c \
	launcher/relay.c launcher/endpoint.h launcher/endpoint.c launcher/debugger.h \
	launcher/debugger.c launcher/gdb.h launcher/gdbstub.h launcher/gdbstub.c \
	launcher/gdb-packets.c launcher/rsp.c launcher/gdb-target.c launcher/json.h launcher/json.c \
	launcher/monitor.c launcher/monitor-cli.c launcher/snapshot-info.c
shoal_CPPFLAGS = $(AM_CPPFLAGS) $(ZMQ_CFLAGS) $(PROTOBUF_C_CFLAGS) -DG_LOG_DOMAIN='"shoal-launcher"'
shoal_LDADD = $(CFG_LIBS) $(IC_LIBS)

# The terminal settings, checked on a pseudo-terminal.
check_PROGRAMS += tests/unit/test-launcher-tty
TESTS += tests/unit/test-launcher-tty
tests_unit_test_launcher_tty_CPPFLAGS = $(AM_CPPFLAGS) -DG_LOG_DOMAIN='"shoal-launcher"'
tests_unit_test_launcher_tty_SOURCES = tests/unit/test-launcher-tty.c launcher/tty.c
tests_unit_test_launcher_tty_LDADD = $(GLIB_LIBS) -lutil

# The gdb stub's parts without a machine: RSP framing, endpoints, target.xml.
check_PROGRAMS += tests/unit/test-launcher-rsp
TESTS += tests/unit/test-launcher-rsp
tests_unit_test_launcher_rsp_CPPFLAGS = $(AM_CPPFLAGS) -DG_LOG_DOMAIN='"shoal-launcher"'
tests_unit_test_launcher_rsp_SOURCES = tests/unit/test-launcher-rsp.c launcher/gdb.h launcher/rsp.c \
	launcher/endpoint.h launcher/endpoint.c launcher/gdb-target.c
tests_unit_test_launcher_rsp_LDADD = $(GLIB_LIBS)

# The monitor's JSON: the parser on what strangers may send, the printer.
check_PROGRAMS += tests/unit/test-launcher-json
TESTS += tests/unit/test-launcher-json
tests_unit_test_launcher_json_CPPFLAGS = $(AM_CPPFLAGS) -DG_LOG_DOMAIN='"shoal-launcher"'
tests_unit_test_launcher_json_SOURCES = tests/unit/test-launcher-json.c launcher/json.h \
	launcher/json.c
tests_unit_test_launcher_json_LDADD = $(GLIB_LIBS)
