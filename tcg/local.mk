# SPDX-License-Identifier: MIT
# The translator: RISC-V front end, IR, interpreter back end, TLB, exec loop.
noinst_LIBRARIES += libshoal-tcg.a
libshoal_tcg_a_CPPFLAGS = $(AM_CPPFLAGS) -DG_LOG_DOMAIN=\"shoal-tcg\"
# sqrt as one instruction: guest FP never reports through errno.
libshoal_tcg_a_CFLAGS = $(AM_CFLAGS) -fno-math-errno
libshoal_tcg_a_SOURCES = \
	tcg/tcg.h tcg/internal.h tcg/ir.h tcg/ir-ops.def tcg/helpers.def \
	tcg/event.h tcg/event.c tcg/shared-code.c tcg/ir.c tcg/interp.c tcg/tlb.c tcg/tb-maint.c tcg/cpu-exec.c tcg/debug.c \
	tcg/optimize.c tcg/jit.h tcg/jit.c tcg/pin-profile.c tcg/perf-map.c tcg/code-buffer.c tcg/x86_64/emit.h \
	tcg/riscv/cpu.h tcg/riscv/insn.def tcg/riscv/decode.h tcg/riscv/decode.c \
	tcg/riscv/translate.c tcg/riscv/trans-rvi.c.inc tcg/riscv/trans-rvm.c.inc \
	tcg/riscv/trans-rva.c.inc tcg/riscv/trans-zicsr.c.inc tcg/riscv/trans-zicbo.c.inc tcg/riscv/trans-priv.c.inc \
	tcg/riscv/isa.def tcg/riscv/isa.c tcg/riscv/trap.c tcg/riscv/csr.c tcg/riscv/helpers.c tcg/riscv/cmo.c tcg/riscv/mmu.c tcg/riscv/pmp.c tcg/riscv/debug.c tcg/riscv/state.c \
	tcg/riscv/fpu.h tcg/riscv/fpu.c tcg/riscv/fpu-host.c tcg/riscv/trans-rvf.c.inc tcg/riscv/trans-rvd.c.inc \
	tcg/riscv/trans-zb.c.inc tcg/riscv/trans-zicond.c.inc
