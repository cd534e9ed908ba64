# SPDX-License-Identifier: MIT
# fuzz/: libFuzzer harnesses for what shoal reads from others (fuzz/README.md).
# Built with clang straight from the sources they exercise, instrumented
# for coverage and with ASan+UBSan; `make check` runs each for a few
# seconds (fuzz/run.sh), `make fuzz` for FUZZ_SECONDS (default 600) each.
EXTRA_DIST += fuzz/README.md fuzz/envelope.c fuzz/config.c fuzz/elf.c fuzz/json.c \
	fuzz/snapshot.c fuzz/run.sh fuzz/scratch.c fuzz/scratch.h \
	fuzz/corpus

# Writes one packed Envelope per message type: the envelope harness's seeds
# (binary, so made here rather than kept in the repository).
noinst_PROGRAMS += fuzz/envelope-seeds
fuzz_envelope_seeds_CPPFLAGS = $(AM_CPPFLAGS) $(PROTOBUF_C_CFLAGS)
fuzz_envelope_seeds_SOURCES = fuzz/envelope-seeds.c
fuzz_envelope_seeds_LDADD = proto/libshoal-proto.a $(PROTOBUF_C_LIBS) $(GLIB_LIBS)
$(fuzz_envelope_seeds_OBJECTS): proto/shoal.pb-c.h
EXTRA_DIST += fuzz/envelope-seeds.c

# Writes a few small snapshot files with ic_snapshot_write: the snapshot
# harness's seeds (binary, with checksums, so made here as well).
noinst_PROGRAMS += fuzz/snapshot-seeds
fuzz_snapshot_seeds_CPPFLAGS = $(AM_CPPFLAGS) $(PROTOBUF_C_CFLAGS)
fuzz_snapshot_seeds_SOURCES = fuzz/snapshot-seeds.c
fuzz_snapshot_seeds_LDADD = $(IC_LIBS)
$(fuzz_snapshot_seeds_OBJECTS): proto/shoal.pb-c.h
EXTRA_DIST += fuzz/snapshot-seeds.c

if HAVE_LIBFUZZER
FUZZERS = fuzz/fuzz-envelope fuzz/fuzz-config fuzz/fuzz-elf fuzz/fuzz-json fuzz/fuzz-snapshot
FUZZ_CFLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	$(DEFS) $(AM_CPPFLAGS) -std=gnu11 $(GLIB_CFLAGS) $(PROTOBUF_C_CFLAGS) $(ZMQ_CFLAGS) $(FDT_CFLAGS)
FUZZ_CFG_FILES = $(srcdir)/config/keys.c $(srcdir)/config/machine.c $(srcdir)/config/cmdline.c \
	$(srcdir)/config/elf.c $(srcdir)/config/fdt.c $(srcdir)/config/boot.c $(srcdir)/tcg/riscv/isa.c

fuzz/fuzz-envelope: $(srcdir)/fuzz/envelope.c $(srcdir)/interconnect/envelope.c \
		$(srcdir)/interconnect/unknown-fields.c proto/shoal.pb-c.c
	$(AM_V_GEN)$(MKDIR_P) fuzz && $(CLANG) $(FUZZ_CFLAGS) -o $@ \
		$(srcdir)/fuzz/envelope.c $(srcdir)/interconnect/envelope.c \
		$(srcdir)/interconnect/unknown-fields.c proto/shoal.pb-c.c \
		$(PROTOBUF_C_LIBS) $(GLIB_LIBS)
fuzz/fuzz-config: $(srcdir)/fuzz/config.c $(srcdir)/fuzz/scratch.c $(FUZZ_CFG_FILES)
	$(AM_V_GEN)$(MKDIR_P) fuzz && $(CLANG) $(FUZZ_CFLAGS) -o $@ $^ $(FDT_LIBS) $(GLIB_LIBS)
fuzz/fuzz-elf: $(srcdir)/fuzz/elf.c $(srcdir)/fuzz/scratch.c $(FUZZ_CFG_FILES)
	$(AM_V_GEN)$(MKDIR_P) fuzz && $(CLANG) $(FUZZ_CFLAGS) -o $@ $^ $(FDT_LIBS) $(GLIB_LIBS)
fuzz/fuzz-json: $(srcdir)/fuzz/json.c $(srcdir)/launcher/json.c
	$(AM_V_GEN)$(MKDIR_P) fuzz && $(CLANG) $(FUZZ_CFLAGS) -o $@ $^ $(GLIB_LIBS)
# fuzz/snapshot.c includes interconnect/snapshot-file.c (for its checksums),
# which names device types as the config does.
fuzz/fuzz-snapshot: $(srcdir)/fuzz/snapshot.c $(srcdir)/interconnect/snapshot-file.c \
		$(srcdir)/interconnect/unknown-fields.c proto/shoal.pb-c.c $(FUZZ_CFG_FILES)
	$(AM_V_GEN)$(MKDIR_P) fuzz && $(CLANG) $(FUZZ_CFLAGS) -o $@ \
		$(srcdir)/fuzz/snapshot.c $(srcdir)/interconnect/unknown-fields.c proto/shoal.pb-c.c \
		$(FUZZ_CFG_FILES) $(PROTOBUF_C_LIBS) $(FDT_LIBS) $(GLIB_LIBS)
fuzz/fuzz-envelope fuzz/fuzz-snapshot: proto/shoal.pb-c.h
CLEANFILES += $(FUZZERS)
# The harnesses carry their own sanitizers: the plain build's check runs them.
if !WITH_SANITIZERS
check_SCRIPTS = $(FUZZERS) fuzz/envelope-seeds fuzz/snapshot-seeds
endif

FUZZ_SECONDS = 600
fuzz: $(FUZZERS) fuzz/envelope-seeds fuzz/snapshot-seeds
	SHOAL_BUILDDIR='$(abs_top_builddir)' SHOAL_SRCDIR='$(abs_top_srcdir)' \
		$(srcdir)/fuzz/run.sh $(FUZZ_SECONDS)
else
fuzz:
	@echo "no libFuzzer: apt-get install clang, then configure again" >&2; exit 1
endif
.PHONY: fuzz

TESTS += fuzz/run.sh
