/* SPDX-License-Identifier: MIT */
/* What kind of hart this is, as M-mode software finds out: misa, which
 * CSRs exist, which mstatus/mie/mip fields stick, the modes MPP and satp
 * take, and which optional instructions trap. It prints facts and checks
 * nothing: tests/integration/isa-config.sh runs it on shoal nodes
 * configured as a core (isa/priv/mmu keys) and on QEMU's model of that
 * core, and the two outputs must be the same. */
#include "lib/guest.h"
#include "lib/probe.h"

static void say(const char *what, uint64_t v)
{
    guest_puts(what);
    guest_puts(" ");
    guest_put_hex(v);
    guest_puts("\n");
}

static void say_trap(const char *what)
{
    guest_puts(what);
    if (probe.count == 0) {
        guest_puts(": ok\n");
    } else {
        guest_puts(": trap ");
        guest_put_udec(probe.cause);
        guest_puts("\n");
    }
}

/* A read of CSR @num: whether it exists for M-mode. */
#define PROBE_CSR(name, num)                          \
    do {                                              \
        PROBE("1: csrr t0, " #num "\n", 0);           \
        say_trap("csr " name);                        \
    } while (0)

/* Writes @v to mstatus and reads back the fields in @mask. */
static uint64_t mstatus_sticks(uint64_t v, uint64_t mask)
{
    uint64_t old = CSR_READ(mstatus);
    CSR_WRITE(mstatus, (old & ~mask) | (v & mask));
    uint64_t got = CSR_READ(mstatus) & mask;
    CSR_WRITE(mstatus, old);
    return got;
}

#define MSTATUS_MPP (3ull << 11)

int main(void)
{
    probe_install();
    guest_puts("== guest ==\n");
    uint64_t misa = CSR_READ(misa);
    say("misa", misa);
    int has_s = (misa >> ('S' - 'A')) & 1;

    PROBE_CSR("sstatus", 0x100);
    PROBE_CSR("sie", 0x104);
    PROBE_CSR("stvec", 0x105);
    PROBE_CSR("scounteren", 0x106);
    PROBE_CSR("sscratch", 0x140);
    PROBE_CSR("sepc", 0x141);
    PROBE_CSR("scause", 0x142);
    PROBE_CSR("stval", 0x143);
    PROBE_CSR("sip", 0x144);
    PROBE_CSR("satp", 0x180);
    PROBE_CSR("medeleg", 0x302);
    PROBE_CSR("mideleg", 0x303);
    PROBE_CSR("mcounteren", 0x306);

    /* Fields of S (SIE SPIE SPP SUM MXR TVM TSR), of U (MPRV TW) and FS. */
    say("mstatus S fields stick", mstatus_sticks(~0ull, 0x5c0122ull));
    say("mstatus U fields stick", mstatus_sticks(~0ull, 0x220000ull));
    say("mstatus FS sticks", mstatus_sticks(~0ull, 0x6000ull));
    /* MPP takes only the modes there are (S = 1, U = 0, M = 3). */
    say("mstatus MPP after M", mstatus_sticks(3ull << 11, MSTATUS_MPP) >> 11);
    say("mstatus MPP after S", mstatus_sticks(1ull << 11, MSTATUS_MPP) >> 11);
    say("mstatus MPP after U", mstatus_sticks(0, MSTATUS_MPP) >> 11);
    say("mstatus SXL UXL", CSR_READ(mstatus) & (0xfull << 32));

    CSR_WRITE(mie, ~0ull);
    say("mie sticks", CSR_READ(mie) & 0xaaaull);
    CSR_WRITE(mie, 0);

    if (has_s) {
        /* satp: Bare always; Sv39 = 8, Sv48 = 9 when the MMU has them. */
        CSR_WRITE(satp, 8ull << 60);
        say("satp after sv39", CSR_READ(satp) >> 60);
        CSR_WRITE(satp, 0);
        CSR_WRITE(satp, 9ull << 60);
        say("satp after sv48", CSR_READ(satp) >> 60);
        CSR_WRITE(satp, 0);
    } else {
        /* Without S, sret is illegal (with S it would leave M-mode). */
        PROBE("1: sret\n", 0);
        say_trap("sret");
    }

    /* The optional instructions, whatever gcc was told (.insn). */
    PROBE("1: .insn r 0x33, 0, 1, t0, t1, t1\n", 0); /* mul */
    say_trap("mul");
    PROBE("mv t1, sp\n1: .insn r 0x2f, 2, 0, t0, t1, x0\n", 0); /* amoadd.w t0, x0, (sp) */
    say_trap("amoadd.w");
    CSR_WRITE(mstatus, CSR_READ(mstatus) | (1ull << 13)); /* FS = Initial, if it sticks */
    PROBE("1: .insn r 0x53, 0, 0, x0, x1, x2\n", 0); /* fadd.s f0, f1, f2 (rm = rne) */
    say_trap("fadd.s");
    PROBE("1: .insn r 0x53, 7, 1, x0, x1, x2\n", 0); /* fadd.d f0, f1, f2 (rm = dyn) */
    say_trap("fadd.d");
    PROBE("1: .insn r 0x33, 2, 0x10, t0, t1, t1\n", 0); /* sh1add (Zba) */
    say_trap("sh1add");
    PROBE("1: .insn r 0x33, 4, 0x20, t0, t1, t1\n", 0); /* xnor (Zbb) */
    say_trap("xnor");
    PROBE("1: .insn r 0x33, 1, 0x24, t0, t1, t1\n", 0); /* bclr (Zbs) */
    say_trap("bclr");
#ifndef __riscv_compressed
    /* Built without C (isa-probe-noc.elf) for a hart without it: every
     * instruction is 4-aligned, so a jump or a taken branch to a 2-aligned
     * target raises instruction-address-misaligned on itself, mtval the
     * target. */
    PROBE("lla t0, 2f\naddi t0, t0, 2\n1: jalr zero, 0(t0)\n2: nop\nnop\n", 0);
    say_trap("jalr to 4n+2");
    say("its mtval is the target", probe.tval == probe.at + 6);
    PROBE("1: beq zero, zero, 1b + 6\nnop\nnop\n", 0);
    say_trap("taken beq to 4n+2");
    say("its mtval is the target", probe.tval == probe.at + 6);
    PROBE("1: bne zero, zero, 1b + 6\nnop\nnop\n", 0);
    say_trap("untaken bne to 4n+2");
#endif
    guest_exit(0);
}
