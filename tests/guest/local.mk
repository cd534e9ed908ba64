# SPDX-License-Identifier: MIT
# Guest programs (RISC-V, built with the cross gcc into build/tests/guest/)
# and the differential harness: `make check` runs run-guest.sh once per test
# ELF, which runs it on shoal (interp, jit) and QEMU.

# Tests: each has foo.S or foo.c, foo.expected and optionally foo.exit /
# foo.input next to it, foo.args for extra shoal options, foo.harts when it
# needs several harts (it then runs on every configs/virt-NxM.conf of that
# many). To add one, list it here.
GUEST_TESTS = \
	tests/guest/hello.elf \
	tests/guest/arith.elf \
	tests/guest/shifts.elf \
	tests/guest/branches.elf \
	tests/guest/loadstore.elf \
	tests/guest/amo.elf \
	tests/guest/traps.elf \
	tests/guest/csr.elf \
	tests/guest/timer.elf \
	tests/guest/rvc.elf \
	tests/guest/work.elf \
	tests/guest/exitcode.elf \
	tests/guest/echo.elf \
	tests/guest/smc.elf \
	tests/guest/codebuf.elf \
	tests/guest/smp.elf \
	tests/guest/smp-smc.elf \
	tests/guest/smp-litmus.elf \
	tests/guest/smp-litmus-nodes.elf \
	tests/guest/smp-share.elf \
	tests/guest/mailbox.elf \
	tests/guest/smp-chaos.elf \
	tests/guest/plic.elf \
	tests/guest/smp-irq.elf \
	tests/guest/mip-seip.elf \
	tests/guest/clint-msip.elf \
	tests/guest/uart-order.elf \
	tests/guest/pause.elf \
	tests/guest/rvc-fp.elf \
	tests/guest/bitmanip.elf \
	tests/guest/zicond.elf \
	tests/guest/triggers.elf \
	tests/guest/snapshot.elf \
	$(GUEST_LOWER_TESTS) \
	$(GUEST_FP_TESTS) \
	$(GUEST_SBI_TESTS)

# S-mode tests started by real SBI firmware (foo.bios names it): linked at
# 0x80200000 on their own entry (lib/sbi-crt0.S), rules below.
GUEST_SBI_TESTS = \
	tests/guest/sbi-shootdown.elf

# Tests that run code in S and U: linked with lower.S (lower_call).
GUEST_LOWER_TESTS = \
	tests/guest/mmu.elf \
	tests/guest/pmp.elf \
	tests/guest/priv-traps.elf \
	tests/guest/sstc.elf \
	tests/guest/cmo.elf \
	tests/guest/svpbmt.elf

# F/D tests: C built for rv64imafdc / lp64d (rules below).
GUEST_FP_TESTS = \
	tests/guest/fp-arith.elf \
	tests/guest/fp-cvt.elf \
	tests/guest/fp-misc.elf

# The board-independent tests again, built for QEMU's sifive_u board
# (configs/sifive-u.conf; configs/README.md, "Boards"): sifive-u/foo.elf is foo.c or
# foo.S with the runtime's console on the sifive UART and its exit through
# the board's reset line (lib/console.c, GUEST_BOARD_SIFIVE_U); run-guest.sh
# runs it on that board, shoal and QEMU -M sifive_u, against foo.expected.
# Hart 0 is the E51 (rv64imac, M and U modes), which runs main: nothing that
# needs F, D, S-mode, virt's ns16550 or its PLIC wiring is here, nor csr
# (QEMU's sifive_u has no time CSR, shoal's harts have one) or smp-litmus
# (minutes on QEMU's five harts). A directory of their own, as make check
# names a test's log after the ELF's name without its directory's.
GUEST_SIFIVE_U_TESTS = \
	tests/guest/sifive-u/hello.elf \
	tests/guest/sifive-u/arith.elf \
	tests/guest/sifive-u/shifts.elf \
	tests/guest/sifive-u/branches.elf \
	tests/guest/sifive-u/loadstore.elf \
	tests/guest/sifive-u/amo.elf \
	tests/guest/sifive-u/traps.elf \
	tests/guest/sifive-u/timer.elf \
	tests/guest/sifive-u/rvc.elf \
	tests/guest/sifive-u/work.elf \
	tests/guest/sifive-u/exitcode.elf \
	tests/guest/sifive-u/echo.elf \
	tests/guest/sifive-u/smc.elf \
	tests/guest/sifive-u/codebuf.elf \
	tests/guest/sifive-u/triggers.elf \
	tests/guest/sifive-u/pause.elf \
	tests/guest/sifive-u/smp.elf \
	tests/guest/sifive-u/smp-smc.elf \
	tests/guest/sifive-u/smp-share.elf \
	tests/guest/sifive-u/mailbox.elf \
	tests/guest/sifive-u/smp-chaos.elf \
	tests/guest/sifive-u/clint-msip.elf \
	tests/guest/sifive-u/uart-order.elf \
	tests/guest/sifive-u/plic-contexts.elf

# Built but not tests: spin.elf loops forever (integration tests kill it);
# reset.elf asks for a machine reset (QEMU would reboot it forever);
# ipi-time.elf prints deterministic time's IPI times (det-time.sh);
# flood.elf and flood-blind.elf write into a slow reader (console-flow.sh);
# gdb-target.elf is what gdb.sh debugs; virtio.elf needs a disk and an rng
# on the command line, which run-guest.sh does not give (virtio-guest.sh).
# boot-rom.bin is a ROM image, not an ELF to load: tests/integration/boot-rom.sh
# starts boot-rom.conf's harts in it. isa-probe.elf runs on configured cores
# against QEMU's models of them (isa-config.sh); reset-vector.elf has a
# second entry for a node of its own reset vector (reset-vector.sh).
GUEST_EXTRA = tests/guest/spin.elf tests/guest/reset.elf tests/guest/ipi-time.elf \
	tests/guest/flood.elf tests/guest/flood-blind.elf tests/guest/gdb-target.elf \
	tests/guest/virtio.elf tests/guest/boot-rom.elf tests/guest/boot-rom.bin \
	tests/guest/sifive-uart.elf tests/guest/isa-probe.elf tests/guest/isa-probe-noc.elf \
	tests/guest/reset-vector.elf \
	$(GUEST_SYSC)
# The SystemC bridge's models exist only on shoal (configs/virt-sysc.conf):
# tests/integration/sysc-*.sh run these.
GUEST_SYSC = tests/guest/sysc-dma.elf tests/guest/sysc-timer.elf tests/guest/sysc-regbank.elf \
	tests/guest/sysc-bench.elf tests/guest/sysc-lines.elf \
	tests/guest/sysc-time.elf tests/guest/sysc-held.elf
EXTRA_DIST += tests/guest/sysc.h tests/guest/sysc-timer-irq.h $(GUEST_SYSC:.elf=.c) \
	tests/guest/ipi-time.c tests/guest/flood.c tests/guest/gdb-target.c \
	tests/guest/virtio.c tests/guest/virtio.expected tests/guest/virtio-disk.sh \
	tests/guest/boot-rom.c tests/guest/boot-rom-entry.S tests/guest/boot-rom.ld \
	tests/guest/boot-rom.conf tests/guest/boot-rom.expected \
	tests/guest/sifive-uart.c tests/guest/sifive-uart.conf tests/guest/sifive-uart.expected \
	tests/guest/sifive-uart.input tests/guest/isa-probe.c tests/guest/reset-vector.c \
	tests/guest/plic-contexts.c tests/guest/plic-contexts.expected

GUEST_LIB = \
	$(srcdir)/tests/guest/lib/crt0.S \
	$(srcdir)/tests/guest/lib/trap-entry.S \
	$(srcdir)/tests/guest/lib/console.c \
	$(srcdir)/tests/guest/lib/check.c \
	$(srcdir)/tests/guest/lib/trap.c \
	$(srcdir)/tests/guest/lib/probe.c \
	$(srcdir)/tests/guest/lib/vectors.S \
	$(srcdir)/tests/guest/lib/harts.c
GUEST_LIB_HDRS = \
	$(srcdir)/tests/guest/lib/guest.h \
	$(srcdir)/tests/guest/lib/asm.h \
	$(srcdir)/tests/guest/lib/insn.h \
	$(srcdir)/tests/guest/lib/probe.h \
	$(srcdir)/tests/guest/lib/pte.h \
	$(srcdir)/tests/guest/lib/link.ld

EXTRA_DIST += tests/guest/lib tests/guest/README.md \
	tests/guest/run-guest.sh tests/guest/no-riscv-cc.sh \
	tests/guest/hello.c tests/guest/arith.c tests/guest/shifts.c \
	tests/guest/branches.c tests/guest/loadstore.c tests/guest/amo.c \
	tests/guest/traps.c tests/guest/csr.c tests/guest/timer.c \
	tests/guest/rvc.S tests/guest/rvc-fp.S tests/guest/work.c \
	tests/guest/exitcode.c tests/guest/exitcode.exit \
	tests/guest/echo.c tests/guest/echo.input tests/guest/spin.S tests/guest/reset.S \
	tests/guest/fp.h $(GUEST_FP_TESTS:.elf=.c) \
	tests/guest/smc.c tests/guest/codebuf.c tests/guest/codebuf.args \
	tests/guest/smp.c tests/guest/smp.harts \
	tests/guest/smp-smc.c tests/guest/smp-smc.harts tests/guest/smp-smc.timeout \
	tests/guest/smp-litmus.c tests/guest/smp-litmus.harts tests/guest/smp-litmus.timeout \
	tests/guest/smp-litmus.configs tests/guest/smp-litmus-nodes.c \
	tests/guest/smp-litmus-nodes.harts tests/guest/smp-litmus-nodes.timeout \
	tests/guest/smp-litmus-nodes.configs \
	tests/guest/smp-share.c tests/guest/smp-share.harts \
	tests/guest/mailbox.c tests/guest/mailbox.harts \
	tests/guest/smp-chaos.c tests/guest/smp-chaos.harts tests/guest/smp-chaos.timeout \
	tests/guest/plic.c tests/guest/plic.harts tests/guest/plic.input \
	tests/guest/smp-irq.c tests/guest/smp-irq.harts tests/guest/clint-msip.c \
	tests/guest/uart-order.c tests/guest/uart-order.harts \
	tests/guest/bitmanip.c tests/guest/zicond.c tests/guest/zicond.no-qemu \
	$(GUEST_SBI_TESTS:.elf=.c) $(GUEST_SBI_TESTS:.elf=.harts) $(GUEST_SBI_TESTS:.elf=.bios) \
	tests/guest/lower.S tests/guest/lower.h $(GUEST_LOWER_TESTS:.elf=.c) \
	tests/guest/triggers.c tests/guest/cmo.no-qemu tests/guest/svpbmt.no-qemu \
	$(GUEST_TESTS:.elf=.expected)

if HAVE_RISCV_CC
GUEST_CCOPTS = -march=rv64imac_zicsr_zifencei -mabi=lp64 $(GUEST_COMMON_OPTS)
GUEST_FP_CCOPTS = -march=rv64imafdc_zicsr_zifencei -mabi=lp64d $(GUEST_COMMON_OPTS)
GUEST_COMMON_OPTS = -mcmodel=medany \
	-nostdlib -nostartfiles -ffreestanding -fno-builtin -O2 -static -g \
	-Wall -Wextra -Werror -I$(srcdir)/tests/guest
GUEST_LDOPTS = -T $(srcdir)/tests/guest/lib/link.ld -Wl,--no-warn-rwx-segments
GUEST_LINK = $(AM_V_GEN)mkdir -p $(@D) && $(RISCV_CC) $(GUEST_CCOPTS) $(GUEST_LDOPTS) \
	-o $@ $(GUEST_LIB) $< -lgcc

noinst_DATA = $(GUEST_TESTS) $(GUEST_EXTRA) $(GUEST_SIFIVE_U_TESTS)
CLEANFILES += $(GUEST_TESTS) $(GUEST_EXTRA) $(GUEST_SIFIVE_U_TESTS)
$(GUEST_TESTS) $(GUEST_EXTRA) $(GUEST_SIFIVE_U_TESTS): $(GUEST_LIB) $(GUEST_LIB_HDRS)
$(GUEST_SYSC): $(srcdir)/tests/guest/sysc.h $(srcdir)/tests/guest/sysc-timer-irq.h

GUEST_SBI_LIB = \
	$(srcdir)/tests/guest/lib/sbi-crt0.S \
	$(srcdir)/tests/guest/lib/sbi-trap.c \
	$(srcdir)/tests/guest/lib/console.c \
	$(srcdir)/tests/guest/lib/check.c
GUEST_SBI_LINK = $(AM_V_GEN)mkdir -p $(@D) && $(RISCV_CC) $(GUEST_CCOPTS) \
	-T $(srcdir)/tests/guest/lib/link-sbi.ld -Wl,--no-warn-rwx-segments \
	-o $@ $(GUEST_SBI_LIB) $< -lgcc
$(GUEST_SBI_TESTS): $(GUEST_SBI_LIB) $(srcdir)/tests/guest/lib/sbi.h $(srcdir)/tests/guest/lib/pte.h \
	$(srcdir)/tests/guest/lib/asm.h \
	$(srcdir)/tests/guest/lib/link-sbi.ld
tests/guest/sbi-shootdown.elf: $(srcdir)/tests/guest/sbi-shootdown.c
	$(GUEST_SBI_LINK)
$(GUEST_LOWER_TESTS): $(srcdir)/tests/guest/lower.S $(srcdir)/tests/guest/lower.h
GUEST_LOWER_LINK = $(AM_V_GEN)mkdir -p $(@D) && $(RISCV_CC) $(GUEST_CCOPTS) $(GUEST_LDOPTS) \
	-o $@ $(GUEST_LIB) $(srcdir)/tests/guest/lower.S $< -lgcc
tests/guest/mmu.elf: $(srcdir)/tests/guest/mmu.c
	$(GUEST_LOWER_LINK)
tests/guest/pmp.elf: $(srcdir)/tests/guest/pmp.c
	$(GUEST_LOWER_LINK)
tests/guest/priv-traps.elf: $(srcdir)/tests/guest/priv-traps.c
	$(GUEST_LOWER_LINK)
tests/guest/sstc.elf: $(srcdir)/tests/guest/sstc.c
	$(GUEST_LOWER_LINK)
tests/guest/cmo.elf: $(srcdir)/tests/guest/cmo.c
	$(GUEST_LOWER_LINK)
tests/guest/svpbmt.elf: $(srcdir)/tests/guest/svpbmt.c $(srcdir)/tests/guest/lib/pte.h
	$(GUEST_LOWER_LINK)

GUEST_FP_LINK = $(AM_V_GEN)mkdir -p $(@D) && $(RISCV_CC) $(GUEST_FP_CCOPTS) $(GUEST_LDOPTS) \
	-o $@ $(GUEST_LIB) $< -lgcc
$(GUEST_FP_TESTS): $(srcdir)/tests/guest/fp.h
tests/guest/fp-arith.elf: $(srcdir)/tests/guest/fp-arith.c
	$(GUEST_FP_LINK)
tests/guest/fp-cvt.elf: $(srcdir)/tests/guest/fp-cvt.c
	$(GUEST_FP_LINK)
tests/guest/fp-misc.elf: $(srcdir)/tests/guest/fp-misc.c
	$(GUEST_FP_LINK)

# Zba/Zbb/Zbc/Zbs: the test and the runtime built for them (so gcc's own
# code uses them too).
GUEST_ZB_CCOPTS = -march=rv64imac_zicsr_zifencei_zba_zbb_zbc_zbs -mabi=lp64 $(GUEST_COMMON_OPTS)
# isa-probe for a hart without C: the probe and its runtime built rv64ima.
GUEST_NOC_CCOPTS = -march=rv64ima_zicsr_zifencei -mabi=lp64 $(GUEST_COMMON_OPTS)
tests/guest/isa-probe-noc.elf: $(srcdir)/tests/guest/isa-probe.c
	$(AM_V_GEN)mkdir -p $(@D) && $(RISCV_CC) $(GUEST_NOC_CCOPTS) $(GUEST_LDOPTS) \
		-o $@ $(GUEST_LIB) $< -lgcc
tests/guest/bitmanip.elf: $(srcdir)/tests/guest/bitmanip.c
	$(AM_V_GEN)mkdir -p $(@D) && $(RISCV_CC) $(GUEST_ZB_CCOPTS) $(GUEST_LDOPTS) \
		-o $@ $(GUEST_LIB) $< -lgcc

# Its console is SiFive's UART (sifive-uart.conf): the runtime built for it.
tests/guest/sifive-uart.elf: $(srcdir)/tests/guest/sifive-uart.c
	$(AM_V_GEN)mkdir -p $(@D) && $(RISCV_CC) $(GUEST_CCOPTS) -DGUEST_SIFIVE_UART \
		$(GUEST_LDOPTS) -o $@ $(GUEST_LIB) $< -lgcc

# The ROM's code, data it copies to the SRAM and code it copies to DRAM, all
# loaded from the ROM (boot-rom.ld); the runtime's console and checks only.
BOOT_ROM_SRCS = $(srcdir)/tests/guest/boot-rom-entry.S $(srcdir)/tests/guest/boot-rom.c \
	$(srcdir)/tests/guest/lib/console.c $(srcdir)/tests/guest/lib/check.c
tests/guest/boot-rom.elf: $(BOOT_ROM_SRCS) $(srcdir)/tests/guest/boot-rom.ld
	$(AM_V_GEN)mkdir -p $(@D) && $(RISCV_CC) $(GUEST_CCOPTS) \
		-T $(srcdir)/tests/guest/boot-rom.ld -Wl,--no-warn-rwx-segments \
		-o $@ $(BOOT_ROM_SRCS) -lgcc
tests/guest/boot-rom.bin: tests/guest/boot-rom.elf
	$(AM_V_GEN)$(RISCV_OBJCOPY) -O binary $< $@

SUFFIXES = .elf
.S.elf:
	$(GUEST_LINK)
.c.elf:
	$(GUEST_LINK)
GUEST_SIFIVE_U_LINK = $(AM_V_GEN)mkdir -p $(@D) && $(RISCV_CC) $(GUEST_CCOPTS) \
	-DGUEST_BOARD_SIFIVE_U $(GUEST_LDOPTS) -o $@ $(GUEST_LIB) $< -lgcc
tests/guest/sifive-u/hello.elf: $(srcdir)/tests/guest/hello.c
	$(GUEST_SIFIVE_U_LINK)
tests/guest/sifive-u/arith.elf: $(srcdir)/tests/guest/arith.c
	$(GUEST_SIFIVE_U_LINK)
tests/guest/sifive-u/shifts.elf: $(srcdir)/tests/guest/shifts.c
	$(GUEST_SIFIVE_U_LINK)
tests/guest/sifive-u/branches.elf: $(srcdir)/tests/guest/branches.c
	$(GUEST_SIFIVE_U_LINK)
tests/guest/sifive-u/loadstore.elf: $(srcdir)/tests/guest/loadstore.c
	$(GUEST_SIFIVE_U_LINK)
tests/guest/sifive-u/amo.elf: $(srcdir)/tests/guest/amo.c
	$(GUEST_SIFIVE_U_LINK)
tests/guest/sifive-u/traps.elf: $(srcdir)/tests/guest/traps.c
	$(GUEST_SIFIVE_U_LINK)
tests/guest/sifive-u/timer.elf: $(srcdir)/tests/guest/timer.c
	$(GUEST_SIFIVE_U_LINK)
tests/guest/sifive-u/rvc.elf: $(srcdir)/tests/guest/rvc.S
	$(GUEST_SIFIVE_U_LINK)
tests/guest/sifive-u/work.elf: $(srcdir)/tests/guest/work.c
	$(GUEST_SIFIVE_U_LINK)
tests/guest/sifive-u/exitcode.elf: $(srcdir)/tests/guest/exitcode.c
	$(GUEST_SIFIVE_U_LINK)
tests/guest/sifive-u/echo.elf: $(srcdir)/tests/guest/echo.c
	$(GUEST_SIFIVE_U_LINK)
tests/guest/sifive-u/smc.elf: $(srcdir)/tests/guest/smc.c
	$(GUEST_SIFIVE_U_LINK)
tests/guest/sifive-u/codebuf.elf: $(srcdir)/tests/guest/codebuf.c
	$(GUEST_SIFIVE_U_LINK)
tests/guest/sifive-u/triggers.elf: $(srcdir)/tests/guest/triggers.c
	$(GUEST_SIFIVE_U_LINK)
tests/guest/sifive-u/pause.elf: $(srcdir)/tests/guest/pause.c
	$(GUEST_SIFIVE_U_LINK)
tests/guest/sifive-u/smp.elf: $(srcdir)/tests/guest/smp.c
	$(GUEST_SIFIVE_U_LINK)
tests/guest/sifive-u/smp-smc.elf: $(srcdir)/tests/guest/smp-smc.c
	$(GUEST_SIFIVE_U_LINK)
tests/guest/sifive-u/smp-share.elf: $(srcdir)/tests/guest/smp-share.c
	$(GUEST_SIFIVE_U_LINK)
tests/guest/sifive-u/mailbox.elf: $(srcdir)/tests/guest/mailbox.c
	$(GUEST_SIFIVE_U_LINK)
tests/guest/sifive-u/smp-chaos.elf: $(srcdir)/tests/guest/smp-chaos.c
	$(GUEST_SIFIVE_U_LINK)
tests/guest/sifive-u/clint-msip.elf: $(srcdir)/tests/guest/clint-msip.c
	$(GUEST_SIFIVE_U_LINK)
tests/guest/sifive-u/uart-order.elf: $(srcdir)/tests/guest/uart-order.c
	$(GUEST_SIFIVE_U_LINK)
# sifive_u's own: its PLIC's contexts (no S context for the E51).
tests/guest/sifive-u/plic-contexts.elf: $(srcdir)/tests/guest/plic-contexts.c
	$(GUEST_SIFIVE_U_LINK)

TESTS += $(GUEST_TESTS) $(GUEST_SIFIVE_U_TESTS)

# The litmus tests for 10000 rounds (1000 in make check) on one node of four
# harts, both back ends and QEMU: a rare reordering needs many tries.
tests/guest/smp-litmus-stress.elf: $(srcdir)/tests/guest/smp-litmus.c $(GUEST_LIB) $(GUEST_LIB_HDRS)
	$(AM_V_GEN)mkdir -p $(@D) && $(RISCV_CC) $(GUEST_CCOPTS) -DROUNDS=10000 $(GUEST_LDOPTS) \
		-o $@ $(GUEST_LIB) $< -lgcc
CLEANFILES += tests/guest/smp-litmus-stress.elf
tests/guest/flood-blind.elf: $(srcdir)/tests/guest/flood.c $(GUEST_LIB) $(GUEST_LIB_HDRS)
	$(AM_V_GEN)mkdir -p $(@D) && $(RISCV_CC) $(GUEST_CCOPTS) -DBLIND $(GUEST_LDOPTS) \
		-o $@ $(GUEST_LIB) $< -lgcc
tests/guest/smp-litmus-nodes.elf: $(srcdir)/tests/guest/smp-litmus.c
else
TESTS += tests/guest/no-riscv-cc.sh
endif

# Test ELFs are data for run-guest.sh, which speaks TAP.
TEST_EXTENSIONS = .elf
ELF_LOG_DRIVER = $(LOG_DRIVER)
ELF_LOG_COMPILER = $(srcdir)/tests/guest/run-guest.sh

litmus-stress: all tests/guest/smp-litmus-stress.elf
	SHOAL_BUILDDIR='$(abs_top_builddir)' SHOAL_SRCDIR='$(abs_top_srcdir)' \
		QEMU_RISCV64='$(QEMU_RISCV64)' GUEST_NAME=smp-litmus GUEST_TIMEOUT=1800 \
		$(srcdir)/tests/guest/run-guest.sh tests/guest/smp-litmus-stress.elf
.PHONY: litmus-stress
