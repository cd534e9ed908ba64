# SPDX-License-Identifier: MIT
# proto/: the wire format. protoc-c generates proto/shoal.pb-c.[ch] into the
# build tree; everything that speaks the protocol links libshoal-proto.a.
noinst_LIBRARIES += proto/libshoal-proto.a
proto_libshoal_proto_a_CPPFLAGS = $(AM_CPPFLAGS) $(PROTOBUF_C_CFLAGS)
nodist_proto_libshoal_proto_a_SOURCES = proto/shoal.pb-c.c proto/shoal.pb-c.h
EXTRA_DIST += proto/shoal.proto
BUILT_SOURCES += proto/shoal.pb-c.c proto/shoal.pb-c.h
CLEANFILES += proto/shoal.pb-c.c proto/shoal.pb-c.h

# One protoc-c run writes both files; the header hangs off the .c so a
# parallel make never runs it twice.
proto/shoal.pb-c.c: $(srcdir)/proto/shoal.proto
	$(AM_V_GEN)$(MKDIR_P) proto && \
	$(PROTOC_C) --c_out=proto -I$(srcdir)/proto $(srcdir)/proto/shoal.proto
proto/shoal.pb-c.h: proto/shoal.pb-c.c
	@test -f $@ || { rm -f proto/shoal.pb-c.c; $(MAKE) $(AM_MAKEFLAGS) proto/shoal.pb-c.c; }

$(tests_unit_test_proto_OBJECTS): proto/shoal.pb-c.h

check_PROGRAMS += tests/unit/test-proto
TESTS += tests/unit/test-proto
tests_unit_test_proto_CPPFLAGS = $(AM_CPPFLAGS) $(PROTOBUF_C_CFLAGS)
tests_unit_test_proto_SOURCES = tests/unit/test-proto.c
tests_unit_test_proto_LDADD = proto/libshoal-proto.a $(PROTOBUF_C_LIBS) $(GLIB_LIBS)
