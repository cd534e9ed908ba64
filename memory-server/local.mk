# SPDX-License-Identifier: MIT
# memory-server/: guest RAM, coherence directory, platform devices.
noinst_LIBRARIES += memory-server/libshoal-msrv.a
memory_server_libshoal_msrv_a_CPPFLAGS = $(AM_CPPFLAGS) $(PROTOBUF_C_CFLAGS) \
	-DG_LOG_DOMAIN=\"shoal-msrv\"
memory_server_libshoal_msrv_a_SOURCES = \
	memory-server/internal.h memory-server/directory.h memory-server/protocol.def \
	memory-server/directory.c \
	memory-server/bridge.c memory-server/dma-node.c memory-server/gpio.c memory-server/ns16550.c memory-server/sifive-uart.c memory-server/plic.c memory-server/sifive-test.c memory-server/server.c \
	memory-server/quantum.c memory-server/snapshot.c

$(memory_server_libshoal_msrv_a_OBJECTS) $(shoal_memory_server_OBJECTS): proto/shoal.pb-c.h

bin_PROGRAMS += shoal-memory-server
shoal_memory_server_CPPFLAGS = $(memory_server_libshoal_msrv_a_CPPFLAGS)
shoal_memory_server_SOURCES = memory-server/main.c
shoal_memory_server_LDADD = memory-server/libshoal-msrv.a $(CFG_LIBS) $(IC_LIBS)

check_PROGRAMS += tests/unit/test-msrv-dir tests/unit/test-msrv-devices tests/unit/test-msrv-plic \
	tests/unit/test-msrv-gpio tests/unit/test-msrv-quantum
TESTS += tests/unit/test-msrv-dir tests/unit/test-msrv-devices tests/unit/test-msrv-plic \
	tests/unit/test-msrv-gpio tests/unit/test-msrv-quantum
tests_unit_test_msrv_dir_CPPFLAGS = $(memory_server_libshoal_msrv_a_CPPFLAGS)
tests_unit_test_msrv_dir_SOURCES = tests/unit/test-msrv-dir.c
tests_unit_test_msrv_dir_LDADD = memory-server/libshoal-msrv.a $(GLIB_LIBS)
tests_unit_test_msrv_devices_CPPFLAGS = $(memory_server_libshoal_msrv_a_CPPFLAGS)
tests_unit_test_msrv_devices_SOURCES = tests/unit/test-msrv-devices.c
tests_unit_test_msrv_devices_LDADD = memory-server/libshoal-msrv.a $(GLIB_LIBS)
tests_unit_test_msrv_plic_CPPFLAGS = $(memory_server_libshoal_msrv_a_CPPFLAGS)
tests_unit_test_msrv_plic_SOURCES = tests/unit/test-msrv-plic.c
tests_unit_test_msrv_plic_LDADD = memory-server/libshoal-msrv.a $(GLIB_LIBS)
tests_unit_test_msrv_gpio_CPPFLAGS = $(memory_server_libshoal_msrv_a_CPPFLAGS)
tests_unit_test_msrv_gpio_SOURCES = tests/unit/test-msrv-gpio.c
tests_unit_test_msrv_gpio_LDADD = memory-server/libshoal-msrv.a $(IC_LIBS) $(CFG_LIBS) $(GLIB_LIBS)
$(tests_unit_test_msrv_gpio_OBJECTS): proto/shoal.pb-c.h
tests_unit_test_msrv_quantum_CPPFLAGS = $(memory_server_libshoal_msrv_a_CPPFLAGS)
tests_unit_test_msrv_quantum_SOURCES = tests/unit/test-msrv-quantum.c
tests_unit_test_msrv_quantum_LDADD = memory-server/libshoal-msrv.a $(IC_LIBS) $(CFG_LIBS) $(GLIB_LIBS)
$(tests_unit_test_msrv_quantum_OBJECTS): proto/shoal.pb-c.h

# The bridge's DMA and ordering over a real directory (memory-server/bridge.c).
check_PROGRAMS += tests/unit/test-msrv-bridge
TESTS += tests/unit/test-msrv-bridge
tests_unit_test_msrv_bridge_CPPFLAGS = $(memory_server_libshoal_msrv_a_CPPFLAGS)
tests_unit_test_msrv_bridge_SOURCES = tests/unit/test-msrv-bridge.c
tests_unit_test_msrv_bridge_LDADD = memory-server/libshoal-msrv.a $(CFG_LIBS) $(IC_LIBS)

# Drives a real shoal-memory-server process (built by `all` before `check`).
check_PROGRAMS += tests/unit/test-msrv-server
TESTS += tests/unit/test-msrv-server
tests_unit_test_msrv_server_CPPFLAGS = $(AM_CPPFLAGS) $(PROTOBUF_C_CFLAGS)
tests_unit_test_msrv_server_SOURCES = tests/unit/test-msrv-server.c
tests_unit_test_msrv_server_LDADD = $(IC_LIBS)
$(tests_unit_test_msrv_server_OBJECTS): proto/shoal.pb-c.h

# The protocol's Promela model, checked with spin (skipped without it).
EXTRA_DIST += memory-server/directory.pml tests/unit/test-msrv-spin.sh
TESTS += tests/unit/test-msrv-spin.sh

# The quantum barrier's Promela model (deterministic time), checked with spin.
EXTRA_DIST += memory-server/quantum.pml tests/unit/test-msrv-quantum-spin.sh
TESTS += tests/unit/test-msrv-quantum-spin.sh
