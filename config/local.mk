# SPDX-License-Identifier: MIT
# config/: machine descriptions, the common command line, ELF images.
noinst_LIBRARIES += libshoal-cfg.a
libshoal_cfg_a_SOURCES = \
	config/cfg.h config/internal.h config/keys.def \
	config/keys.c config/machine.c config/cmdline.c config/elf.c config/fdt.c config/boot.c
libshoal_cfg_a_CPPFLAGS = $(AM_CPPFLAGS) $(FDT_CFLAGS) -DG_LOG_DOMAIN='"shoal-cfg"'
# What a program linking config/ needs.
CFG_LIBS = libshoal-cfg.a libshoal-tcg.a $(FDT_LIBS)

check_PROGRAMS += tests/unit/test-cfg tests/unit/test-elf tests/unit/test-fdt \
	tests/unit/test-boot
TESTS += tests/unit/test-cfg tests/unit/test-elf tests/unit/test-fdt \
	tests/unit/test-boot
tests_unit_test_cfg_SOURCES = tests/unit/test-cfg.c
tests_unit_test_cfg_LDADD = $(CFG_LIBS) $(GLIB_LIBS)
tests_unit_test_elf_SOURCES = tests/unit/test-elf.c
tests_unit_test_elf_LDADD = $(CFG_LIBS) $(GLIB_LIBS)
tests_unit_test_fdt_SOURCES = tests/unit/test-fdt.c
tests_unit_test_fdt_CPPFLAGS = $(AM_CPPFLAGS) $(FDT_CFLAGS)
tests_unit_test_fdt_LDADD = $(CFG_LIBS) $(GLIB_LIBS)
tests_unit_test_boot_CPPFLAGS = $(AM_CPPFLAGS) $(FDT_CFLAGS)
tests_unit_test_boot_SOURCES = tests/unit/test-boot.c
tests_unit_test_boot_LDADD = $(CFG_LIBS) $(GLIB_LIBS)
