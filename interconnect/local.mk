# SPDX-License-Identifier: MIT
# interconnect/: the only code that includes zmq.h.
noinst_LIBRARIES += interconnect/libshoal-ic.a
interconnect_libshoal_ic_a_CPPFLAGS = $(AM_CPPFLAGS) $(ZMQ_CFLAGS) $(PROTOBUF_C_CFLAGS) \
	-DG_LOG_DOMAIN=\"shoal-ic\"
interconnect_libshoal_ic_a_SOURCES = \
	interconnect/ic.h interconnect/internal.h \
	interconnect/envelope.c interconnect/unknown-fields.c interconnect/transport.c interconnect/direct.c interconnect/link.c interconnect/ring.c \
	interconnect/addr-map.c interconnect/console.c interconnect/log.c \
	interconnect/secret.c interconnect/keypair.c interconnect/curve.c interconnect/zap.c \
	interconnect/snapshot.h interconnect/snapshot-file.c \
	interconnect/device-link.h interconnect/device-link.c
# ic.h includes the generated header: make sure it exists before any of
# these compile, even when a single target is built (BUILT_SOURCES only
# covers all/check).
$(interconnect_libshoal_ic_a_OBJECTS) $(tests_unit_test_ic_OBJECTS) \
	$(tests_unit_test_snapshot_file_OBJECTS): proto/shoal.pb-c.h
# Link line for anything using the interconnect.
# interconnect/ reads the machine (address map, device types): config/ comes after it.
IC_LIBS = interconnect/libshoal-ic.a libshoal-cfg.a libshoal-tcg.a $(FDT_LIBS) proto/libshoal-proto.a $(ZMQ_LIBS) $(PROTOBUF_C_LIBS) $(GLIB_LIBS)

check_PROGRAMS += tests/unit/test-ic
TESTS += tests/unit/test-ic
tests_unit_test_ic_CPPFLAGS = $(AM_CPPFLAGS) $(ZMQ_CFLAGS) $(PROTOBUF_C_CFLAGS)
tests_unit_test_ic_SOURCES = tests/unit/test-ic.c
tests_unit_test_ic_LDADD = $(IC_LIBS)

check_PROGRAMS += tests/unit/test-snapshot-file
TESTS += tests/unit/test-snapshot-file
tests_unit_test_snapshot_file_CPPFLAGS = $(AM_CPPFLAGS) $(PROTOBUF_C_CFLAGS)
tests_unit_test_snapshot_file_SOURCES = tests/unit/test-snapshot-file.c
tests_unit_test_snapshot_file_LDADD = $(IC_LIBS) $(CFG_LIBS) $(GLIB_LIBS)

# bench/page-rtt's reference: the raw ZeroMQ round trip of one page.
noinst_PROGRAMS += shoal-ic-rtt
shoal_ic_rtt_CPPFLAGS = $(AM_CPPFLAGS) $(ZMQ_CFLAGS)
shoal_ic_rtt_SOURCES = interconnect/rtt-probe.c
shoal_ic_rtt_LDADD = $(CFG_LIBS) $(ZMQ_LIBS) $(GLIB_LIBS)
