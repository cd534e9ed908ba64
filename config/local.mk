# SPDX-License-Identifier: MIT
# config/: machine descriptions, the common command line, ELF images.
noinst_LIBRARIES += libshoal-cfg.a
libshoal_cfg_a_SOURCES = \
	config/cfg.h config/internal.h config/keys.def \
	config/keys.c config/machine.c config/cmdline.c config/elf.c
libshoal_cfg_a_CPPFLAGS = $(AM_CPPFLAGS) -DG_LOG_DOMAIN='"shoal-cfg"'

check_PROGRAMS += tests/unit/test-cfg tests/unit/test-elf
TESTS += tests/unit/test-cfg tests/unit/test-elf
tests_unit_test_cfg_SOURCES = tests/unit/test-cfg.c
tests_unit_test_cfg_LDADD = libshoal-cfg.a $(GLIB_LIBS)
tests_unit_test_elf_SOURCES = tests/unit/test-elf.c
tests_unit_test_elf_LDADD = libshoal-cfg.a $(GLIB_LIBS)
