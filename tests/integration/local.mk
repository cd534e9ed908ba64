# SPDX-License-Identifier: MIT
# Integration tests: TAP shell scripts that run the real `shoal` binaries.
INTEGRATION_TESTS = \
	tests/integration/bad-input.sh tests/integration/cli.sh \
	tests/integration/kill-node.sh \
	tests/integration/boot-uboot.sh \
	tests/integration/config-doc.sh \
	tests/integration/dumpdtb.sh \
	tests/integration/boot-rom.sh \
	tests/integration/sifive-uart.sh \
	tests/integration/sifive-u.sh \
	tests/integration/isa-config.sh \
	tests/integration/reset-vector.sh \
	tests/integration/stats.sh \
	tests/integration/forward.sh \
	tests/integration/two-hosts.sh \
	tests/integration/hostile.sh \
	tests/integration/console-flow.sh \
	tests/integration/console.sh \
	tests/integration/sysc.sh \
	tests/integration/det-time.sh \
	tests/integration/sysc-example.sh \
	tests/integration/virtio-guest.sh \
	tests/integration/virtio-linux.sh \
	tests/integration/virtio-link.sh \
	tests/integration/gdb.sh \
	tests/integration/monitor.sh \
	tests/integration/snapshot.sh \
	tests/integration/linux.sh
TESTS += $(INTEGRATION_TESTS)

# hostile.sh's stranger: speaks the protocol, as nobody should be able to.
check_PROGRAMS += tests/integration/hostile-client
tests_integration_hostile_client_CPPFLAGS = $(AM_CPPFLAGS) $(PROTOBUF_C_CFLAGS)
tests_integration_hostile_client_SOURCES = tests/integration/hostile-client.c
tests_integration_hostile_client_LDADD = $(IC_LIBS) $(CFG_LIBS)
dist_noinst_SCRIPTS += $(INTEGRATION_TESTS)
EXTRA_DIST += tests/integration/lib.sh tests/integration/linux-lib.sh

# The Linux test guest's sources, and the stress target: 20 boots of
# virt-2x2 in a row (not part of `make check`).
EXTRA_DIST += tests/linux/build.sh tests/linux/kernel.config tests/linux/init.c tests/linux/http-serve tests/linux/hvc-client tests/linux/fwd-client \
	tests/linux/page-symbols tests/linux/stress.sh tests/linux/init-lines tests/linux/guest-profile
linux-stress: all
	$(srcdir)/tests/linux/stress.sh $(abs_top_builddir)
.PHONY: linux-stress
