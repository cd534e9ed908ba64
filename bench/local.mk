# SPDX-License-Identifier: MIT
# Benchmarks: guest workloads run on QEMU and shoal side by side by bench/run,
# which builds the guests itself (into BUILDDIR/bench/). Never part of
# `make check`: speed is not a test. `make bench` / `make bench-quick` are
# shortcuts; pass options with BENCH_FLAGS, e.g. BENCH_FLAGS='--accel interp'.
EXTRA_DIST += bench/README.md bench/run bench/profile bench/lib/benchlib.py bench/gen-blocks.py \
	bench/lib/bench.h bench/lib/crt0.S bench/lib/runtime.c bench/lib/link.ld \
	bench/null.c bench/sort.c bench/hash.c bench/matmul.c bench/interp.c \
	bench/chase.c bench/strings.c bench/recurse.c bench/list.c bench/matrix.c \
	bench/fsm.c bench/crc16.c bench/dhry.c bench/nbody.c bench/sdot.c \
	bench/blocks.c bench/smc.c bench/indirect.c \
	bench/smp-run bench/smp/par.c bench/smp/lock.c bench/page-rtt bench/boot bench/sysc \
	bench/linux bench/virtio bench/xlate

# bench/xlate's engine: translation speed over a flat image, in CPU time.
noinst_PROGRAMS += shoal-bench-xlate
shoal_bench_xlate_SOURCES = bench/xlate.c
shoal_bench_xlate_LDADD = libshoal-tcg.a $(GLIB_LIBS)

BENCH_FLAGS =
bench: shoal$(EXEEXT) shoal-memory-server$(EXEEXT) shoal-cpu-node$(EXEEXT)
	$(srcdir)/bench/run --builddir '$(abs_top_builddir)' $(BENCH_FLAGS)
bench-quick: shoal$(EXEEXT) shoal-memory-server$(EXEEXT) shoal-cpu-node$(EXEEXT)
	$(srcdir)/bench/run --quick --builddir '$(abs_top_builddir)' $(BENCH_FLAGS)
.PHONY: bench bench-quick
