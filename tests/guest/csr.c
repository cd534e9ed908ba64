/* SPDX-License-Identifier: MIT */
/* Zicsr: every csrr* form on mscratch with its old value returned, the
 * rs1=x0 / zimm=0 forms that must not write (checked on a read-only CSR,
 * where a write would trap), misa/mhartid/mstatus fields, counters that
 * advance, and illegal-instruction traps for a missing CSR and for writes
 * to read-only ones (mtval = the instruction bits, as QEMU 7.2 does). */
#include "lib/guest.h"
#include "lib/probe.h"

static void spin(unsigned n)
{
    for (volatile unsigned i = 0; i < n; i++)
        ;
}

int main(void)
{
    uint64_t old, v, t0, t1;

    probe_install();

    CSR_WRITE(mscratch, 0x1234);
    check_u64("csrw/csrr mscratch", CSR_READ(mscratch), 0x1234);
    asm volatile("csrrw %0, mscratch, %1" : "=r"(old) : "r"(0x5678ull));
    check_u64("csrrw old", old, 0x1234);
    asm volatile("csrrs %0, mscratch, %1" : "=r"(old) : "r"(0xfull));
    check_u64("csrrs old", old, 0x5678);
    check_u64("csrrs new", CSR_READ(mscratch), 0x567f);
    asm volatile("csrrc %0, mscratch, %1" : "=r"(old) : "r"(0x70ull));
    check_u64("csrrc old", old, 0x567f);
    check_u64("csrrc new", CSR_READ(mscratch), 0x560f);
    asm volatile("csrrs %0, mscratch, x0" : "=r"(old));
    check_u64("csrrs x0 reads", old, 0x560f);
    asm volatile("csrrc %0, mscratch, x0" : "=r"(old));
    check_u64("csrrc x0 reads", old, 0x560f);
    check_u64("csrrs/c x0 keep", CSR_READ(mscratch), 0x560f);
    asm volatile("csrrwi %0, mscratch, 0x1f" : "=r"(old));
    check_u64("csrrwi old", old, 0x560f);
    check_u64("csrrwi new", CSR_READ(mscratch), 0x1f);
    asm volatile("csrrci %0, mscratch, 0x11" : "=r"(old));
    check_u64("csrrci old", old, 0x1f);
    check_u64("csrrci new", CSR_READ(mscratch), 0x0e);
    asm volatile("csrrsi %0, mscratch, 0x10" : "=r"(old));
    check_u64("csrrsi old", old, 0x0e);
    check_u64("csrrsi new", CSR_READ(mscratch), 0x1e);
    asm volatile("csrrwi %0, mscratch, 0" : "=r"(old));
    check_u64("csrrwi 0 writes", CSR_READ(mscratch), 0);
    CSR_WRITE(mscratch, 0xffffffffffffffff);
    check_u64("mscratch is 64-bit", CSR_READ(mscratch), 0xffffffffffffffff);
    asm volatile("csrrw x0, mscratch, %0" : : "r"(7ull));
    check_u64("csrrw rd=x0 writes", CSR_READ(mscratch), 7);

    v = CSR_READ(misa);
    check_u64("misa.MXL", v >> 62, 2);
    check_u64("misa has I M A C", v & ((1 << 8) | (1 << 12) | (1 << 0) | (1 << 2)), 0x1105);
    check_u64("mhartid", CSR_READ(mhartid), 0);

    asm volatile("csrs mstatus, %0" : : "r"(8ull));
    check_u64("mstatus.MIE set", CSR_READ(mstatus) & 8, 8);
    asm volatile("csrc mstatus, %0" : : "r"(8ull));
    check_u64("mstatus.MIE clear", CSR_READ(mstatus) & 8, 0);
    asm volatile("csrs mstatus, %0" : : "r"(3ull << 11));
    check_u64("mstatus.MPP = M", CSR_READ(mstatus) & (3ull << 11), 3ull << 11);

    /* reads that must not write: no trap even on a read-only CSR */
    PROBE("1: csrrs a0, mhartid, x0", 0);
    check_u64("csrrs mhartid, x0 no trap", probe.count, 0);
    PROBE("1: csrrc a0, mhartid, x0", 0);
    check_u64("csrrc mhartid, x0 no trap", probe.count, 0);
    PROBE("1: csrrsi a0, mhartid, 0", 0);
    check_u64("csrrsi mhartid, 0 no trap", probe.count, 0);
    PROBE("1: csrrci a0, mvendorid, 0", 0);
    check_u64("csrrci mvendorid, 0 no trap", probe.count, 0);

    /* writes to read-only CSRs and accesses to a missing one */
    PROBE("1: csrw mhartid, t0", 0);
    check_u64("csrw mhartid traps", probe.count, 1);
    check_u64("csrw mhartid mcause", probe.cause, 2);
    check_u64("csrw mhartid mepc - insn", probe.epc - probe.at, 0);
    check_u64("csrw mhartid mtval", probe.tval, 0xf1429073);
    PROBE("1: csrrwi a0, mhartid, 0", 0);
    check_u64("csrrwi mhartid traps", probe.count, 1);
    check_u64("csrrwi mhartid mtval", probe.tval, 0xf1405573);
    PROBE("1: csrrsi a0, mimpid, 1", 0);
    check_u64("csrrsi mimpid, 1 traps", probe.count, 1);
    check_u64("csrrsi mimpid, 1 mtval", probe.tval, 0xf130e573);
    PROBE("1: csrr a0, 0x7c0", 0);
    check_u64("csrr 0x7c0 (none) traps", probe.count, 1);
    check_u64("csrr 0x7c0 mcause", probe.cause, 2);
    check_u64("csrr 0x7c0 mtval", probe.tval, 0x7c002573);
    PROBE("1: csrw 0x7c0, t0", 0);
    check_u64("csrw 0x7c0 (none) traps", probe.count, 1);
    check_u64("csrw 0x7c0 mtval", probe.tval, 0x7c029073);

    /* counters advance */
    t0 = CSR_READ(mcycle);
    spin(10000);
    t1 = CSR_READ(mcycle);
    check_true("mcycle advances", t1 > t0);
    t0 = CSR_READ(minstret);
    spin(10000);
    t1 = CSR_READ(minstret);
    check_true("minstret advances", t1 > t0);
    t0 = CSR_READ(time);
    spin(100000);
    t1 = CSR_READ(time);
    check_true("time advances", t1 > t0);
    v = *(volatile uint64_t *)GUEST_CLINT_MTIME;
    check_true("mtime >= earlier time", v >= t1);
    t0 = CSR_READ(cycle);
    spin(10000);
    check_true("cycle advances", CSR_READ(cycle) > t0);
    return check_finish();
}
