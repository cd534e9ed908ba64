# SPDX-License-Identifier: MIT
# cpu-node/: hart threads, node page cache + coherence agent, local CLINT.
noinst_LIBRARIES += cpu-node/libshoal-node.a
cpu_node_libshoal_node_a_CPPFLAGS = $(AM_CPPFLAGS) $(PROTOBUF_C_CFLAGS) \
	-DG_LOG_DOMAIN=\"shoal-node\"
cpu_node_libshoal_node_a_SOURCES = \
	cpu-node/internal.h cpu-node/page-cache.c cpu-node/clint.h cpu-node/clint.c \
	cpu-node/agent.c cpu-node/node.c cpu-node/stats.c cpu-node/lease.h cpu-node/lease.c cpu-node/request.c cpu-node/mirror.c \
	cpu-node/quantum.h cpu-node/quantum.c cpu-node/debug.c cpu-node/reset.c cpu-node/snapshot.c

$(cpu_node_libshoal_node_a_OBJECTS) $(shoal_cpu_node_OBJECTS): proto/shoal.pb-c.h

bin_PROGRAMS += shoal-cpu-node
shoal_cpu_node_CPPFLAGS = $(cpu_node_libshoal_node_a_CPPFLAGS)
shoal_cpu_node_SOURCES = cpu-node/main.c
shoal_cpu_node_LDADD = cpu-node/libshoal-node.a libshoal-tcg.a $(CFG_LIBS) $(IC_LIBS) -lpthread

# Whole machines of real processes (shoal-memory-server + shoal-cpu-node).
check_PROGRAMS += tests/unit/test-node-machine
TESTS += tests/unit/test-node-machine
tests_unit_test_node_machine_SOURCES = tests/unit/test-node-machine.c
tests_unit_test_node_machine_LDADD = $(GLIB_LIBS)

check_PROGRAMS += tests/unit/test-node
TESTS += tests/unit/test-node
tests_unit_test_node_CPPFLAGS = $(cpu_node_libshoal_node_a_CPPFLAGS)
tests_unit_test_node_SOURCES = tests/unit/test-node.c
tests_unit_test_node_LDADD = cpu-node/libshoal-node.a libshoal-tcg.a $(IC_LIBS) -lpthread
$(tests_unit_test_node_OBJECTS): proto/shoal.pb-c.h
