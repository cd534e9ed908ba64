# SPDX-License-Identifier: MIT
# virtio/: shoal-virtio, the virtio-mmio devices' process (transport, split
# virtqueues, block, network and entropy devices), and their unit test.
noinst_LIBRARIES += virtio/libshoal-virtio.a
virtio_libshoal_virtio_a_CPPFLAGS = $(AM_CPPFLAGS) $(SLIRP_CFLAGS) -DG_LOG_DOMAIN=\"shoal-virtio\"
virtio_libshoal_virtio_a_SOURCES = \
	virtio/virtio.h virtio/mmio.c virtio/queue.c virtio/blk.c virtio/rng.c \
	virtio/net.h virtio/net.c virtio/slirp.c virtio/net-socket.c virtio/tap.c virtio/console.c

bin_PROGRAMS += shoal-virtio
shoal_virtio_CPPFLAGS = $(AM_CPPFLAGS) $(PROTOBUF_C_CFLAGS) -DG_LOG_DOMAIN=\"shoal-virtio\"
shoal_virtio_SOURCES = virtio/main.c
shoal_virtio_LDADD = virtio/libshoal-virtio.a $(CFG_LIBS) $(IC_LIBS) $(SLIRP_LIBS)
$(shoal_virtio_OBJECTS): proto/shoal.pb-c.h

# The transport, the rings and the block device over a buffer standing for RAM.
check_PROGRAMS += tests/unit/test-virtio
TESTS += tests/unit/test-virtio
tests_unit_test_virtio_CPPFLAGS = $(virtio_libshoal_virtio_a_CPPFLAGS)
tests_unit_test_virtio_SOURCES = tests/unit/test-virtio.c
tests_unit_test_virtio_LDADD = virtio/libshoal-virtio.a $(CFG_LIBS) $(SLIRP_LIBS) $(GLIB_LIBS)
