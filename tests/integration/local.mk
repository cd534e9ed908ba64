# SPDX-License-Identifier: MIT
# Integration tests: TAP shell scripts that run the real `shoal` binaries.
INTEGRATION_TESTS = \
	tests/integration/bad-input.sh tests/integration/cli.sh \
	tests/integration/kill-node.sh \
	tests/integration/boot-uboot.sh \
	tests/integration/config-doc.sh \
	tests/integration/dumpdtb.sh \
	tests/integration/stats.sh \
	tests/integration/two-hosts.sh \
	tests/integration/console.sh \
	tests/integration/sysc.sh \
	tests/integration/det-time.sh \
	tests/integration/sysc-example.sh \
	tests/integration/linux.sh
TESTS += $(INTEGRATION_TESTS)
dist_noinst_SCRIPTS += $(INTEGRATION_TESTS)
EXTRA_DIST += tests/integration/lib.sh

# The Linux test guest's sources, and the stress target: 20 boots of
# virt-2x2 in a row (not part of `make check`).
EXTRA_DIST += tests/linux/build.sh tests/linux/kernel.config tests/linux/init.c \
	tests/linux/page-symbols tests/linux/stress.sh tests/linux/init-lines tests/linux/guest-profile
linux-stress: all
	$(srcdir)/tests/linux/stress.sh $(abs_top_builddir)
.PHONY: linux-stress
