# SPDX-License-Identifier: MIT
# sysc-bridge/: libshoal-sysc (installed with its header and pkg-config
# file: the bridge's main(), the Bridge module, the protocol in C) and the
# built-in shoal-sysc-bridge (the example timer and DMA engine). The static
# library carries its own copy of config/, interconnect/ and proto/ so a
# user's program needs nothing of shoal but `pkg-config shoal-sysc`.
lib_LIBRARIES += sysc-bridge/libshoal-sysc.a
SYSC_CPPFLAGS = $(AM_CPPFLAGS) $(SYSTEMC_CFLAGS) $(ZMQ_CFLAGS) $(PROTOBUF_C_CFLAGS) \
	-DG_LOG_DOMAIN=\"shoal-sysc\"
sysc_bridge_libshoal_sysc_a_CPPFLAGS = $(SYSC_CPPFLAGS)
sysc_bridge_libshoal_sysc_a_SOURCES = \
	sysc-bridge/shoal-sysc.h sysc-bridge/bridge-impl.h \
	sysc-bridge/bridge.cc sysc-bridge/main.cc \
	$(libshoal_cfg_a_SOURCES) tcg/riscv/isa.def tcg/riscv/isa.c \
	$(interconnect_libshoal_ic_a_SOURCES)
nodist_sysc_bridge_libshoal_sysc_a_SOURCES = proto/shoal.pb-c.c proto/shoal.pb-c.h
$(sysc_bridge_libshoal_sysc_a_OBJECTS) $(shoal_sysc_bridge_OBJECTS): proto/shoal.pb-c.h

shoalincludedir = $(includedir)/shoal
shoalinclude_HEADERS = sysc-bridge/shoal-sysc.h
pkgconfigdir = $(libdir)/pkgconfig
pkgconfig_DATA = sysc-bridge/shoal-sysc.pc
EXTRA_DIST += sysc-bridge/shoal-sysc.pc.in sysc-bridge/README.md \
	sysc-bridge/examples/regbank.cc sysc-bridge/examples/Makefile \
	sysc-bridge/examples/regbank.conf

SYSC_LIBS = sysc-bridge/libshoal-sysc.a $(SYSTEMC_LIBS) $(ZMQ_LIBS) $(PROTOBUF_C_LIBS) \
	$(GLIB_LIBS) -lpthread
bin_PROGRAMS += shoal-sysc-bridge
shoal_sysc_bridge_CPPFLAGS = $(SYSC_CPPFLAGS)
shoal_sysc_bridge_SOURCES = \
	sysc-bridge/models/timer.h sysc-bridge/models/timer.cc \
	sysc-bridge/models/dma.h sysc-bridge/models/dma.cc \
	sysc-bridge/default-models.cc
shoal_sysc_bridge_LDADD = $(SYSC_LIBS)
