# SPDX-License-Identifier: MIT
# Unit tests of the translator (other parts wire theirs in their own local.mk).
check_PROGRAMS += tests/unit/test-decode tests/unit/test-tcg tests/unit/test-tcg-opt \
	tests/unit/test-tcg-safe tests/unit/test-tcg-debug tests/unit/test-tcg-state
TESTS += tests/unit/test-decode tests/unit/test-tcg tests/unit/test-tcg-opt \
	tests/unit/test-tcg-safe tests/unit/test-tcg-debug tests/unit/test-tcg-state
tests_unit_test_decode_SOURCES = tests/unit/test-decode.c tests/unit/decode-vectors-gen.h
tests_unit_test_decode_LDADD = libshoal-tcg.a $(GLIB_LIBS)
tests_unit_test_tcg_SOURCES = tests/unit/test-tcg.c tests/unit/rv-encode.h
tests_unit_test_tcg_LDADD = libshoal-tcg.a $(GLIB_LIBS)
check_PROGRAMS += tests/unit/test-fpu
TESTS += tests/unit/test-fpu
tests_unit_test_fpu_SOURCES = tests/unit/test-fpu.c
tests_unit_test_fpu_LDADD = libshoal-tcg.a $(GLIB_LIBS) -lm
EXTRA_DIST += tests/unit/gen-decode-vectors.py
tests_unit_test_tcg_safe_SOURCES = tests/unit/test-tcg-safe.c tests/unit/rv-encode.h
tests_unit_test_tcg_safe_LDADD = libshoal-tcg.a $(GLIB_LIBS)
tests_unit_test_tcg_debug_SOURCES = tests/unit/test-tcg-debug.c tests/unit/rv-encode.h
tests_unit_test_tcg_debug_LDADD = libshoal-tcg.a $(GLIB_LIBS)
tests_unit_test_tcg_state_SOURCES = tests/unit/test-tcg-state.c
tests_unit_test_tcg_state_LDADD = libshoal-tcg.a $(GLIB_LIBS)
tests_unit_test_tcg_opt_SOURCES = tests/unit/test-tcg-opt.c
tests_unit_test_tcg_opt_LDADD = libshoal-tcg.a $(GLIB_LIBS)
# The safe-work handshake's Promela model, checked with spin (skipped without it).
EXTRA_DIST += tcg/safe-work.pml tests/unit/test-tcg-spin.sh tests/unit/spin-lib.sh
TESTS += tests/unit/test-tcg-spin.sh
# The agent's choice of harts to flush (cpu-node/mapped.pml).
EXTRA_DIST += cpu-node/mapped.pml tests/unit/test-node-spin.sh
TESTS += tests/unit/test-node-spin.sh
# Dead code across files: globals that no object references (tests/unit/test-unreferenced.sh).
EXTRA_DIST += tests/unit/test-unreferenced.sh
TESTS += tests/unit/test-unreferenced.sh
