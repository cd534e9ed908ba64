# SPDX-License-Identifier: MIT
# launcher/: the `shoal` command.
bin_PROGRAMS += shoal
shoal_SOURCES = launcher/internal.h launcher/main.c launcher/procs.c launcher/rundir.c
shoal_CPPFLAGS = $(AM_CPPFLAGS) $(ZMQ_CFLAGS) $(PROTOBUF_C_CFLAGS) -DG_LOG_DOMAIN='"shoal-launcher"'
shoal_LDADD = $(CFG_LIBS) $(IC_LIBS)
