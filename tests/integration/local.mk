# SPDX-License-Identifier: MIT
# Integration tests: TAP shell scripts that run the real `shoal` binaries.
INTEGRATION_TESTS = \
	tests/integration/bad-input.sh \
	tests/integration/kill-node.sh \
	tests/integration/boot-uboot.sh \
	tests/integration/config-doc.sh \
	tests/integration/dumpdtb.sh \
	tests/integration/stats.sh \
	tests/integration/two-hosts.sh \
	tests/integration/console.sh \
	tests/integration/sysc.sh \
	tests/integration/det-time.sh \
	tests/integration/sysc-example.sh
TESTS += $(INTEGRATION_TESTS)
dist_noinst_SCRIPTS += $(INTEGRATION_TESTS)
EXTRA_DIST += tests/integration/lib.sh
