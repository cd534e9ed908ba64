/* SPDX-License-Identifier: MIT */
/* Zicbom and Zicboz: cbo.zero clears the 64-byte block around its
 * address and nothing else; clean, flush and inval leave memory as it is;
 * M may always run them, S needs menvcfg's CBZE / CBCFE / CBIE, U needs
 * senvcfg's too (illegal instruction otherwise, mtval the instruction);
 * an address with nothing behind it is a store access fault at the
 * block's start. QEMU 7.2 has neither extension (cbo.* is illegal there),
 * so the reference is the spec (cmo.no-qemu). */
#include "lower.h"

#define CSR_MENVCFG 0x30a
#define CSR_SENVCFG 0x10a
#define ENVCFG_CBIE_FLUSH (1ull << 4)
#define ENVCFG_CBIE_INVAL (3ull << 4)
#define ENVCFG_CBCFE (1ull << 6)
#define ENVCFG_CBZE (1ull << 7)
#define BLOCK 64

#define INSN_CBO_INVAL 0x0005200fu /* cbo.inval (a0) */
#define INSN_CBO_CLEAN 0x0015200fu
#define INSN_CBO_FLUSH 0x0025200fu
#define INSN_CBO_ZERO 0x0045200fu

/* Each takes its address in a0, as lower_call passes it. */
void do_inval(void);
void do_clean(void);
void do_flush(void);
void do_zero(void);
asm(".option push\n.option norvc\n"
    ".globl do_inval\ndo_inval: .word 0x0005200f\nret\n"
    ".globl do_clean\ndo_clean: .word 0x0015200f\nret\n"
    ".globl do_flush\ndo_flush: .word 0x0025200f\nret\n"
    ".globl do_zero\ndo_zero: .word 0x0045200f\nret\n"
    ".option pop\n");

static uint8_t buf[4 * BLOCK] __attribute__((aligned(BLOCK)));

static void fill(void)
{
    for (unsigned i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)(0xa0 + i % 7);
}

/* The bytes of buf that differ from fill()'s pattern. */
static unsigned changed(void)
{
    unsigned n = 0;
    for (unsigned i = 0; i < sizeof buf; i++)
        n += buf[i] != (uint8_t)(0xa0 + i % 7);
    return n;
}

static unsigned zeros_in_block(unsigned b)
{
    unsigned n = 0;
    for (unsigned i = 0; i < BLOCK; i++)
        n += buf[b * BLOCK + i] == 0;
    return n;
}

static void menvcfg(uint64_t v) { asm volatile("csrw 0x30a, %0" : : "r"(v)); }
static void senvcfg(uint64_t v) { asm volatile("csrw 0x10a, %0" : : "r"(v)); }

static void check_illegal(const char *name, uint64_t insn)
{
    check_u64(name, t_count, 1);
    check_u64("  mcause", t_cause, 2);
    check_u64("  mtval", t_tval, insn);
    reset_trap();
}

static void check_none(const char *name)
{
    check_u64(name, t_count, 0);
    reset_trap();
}

struct op {
    const char *name;
    void (*fn)(void);
    uint32_t insn;
    uint64_t enable; /* the envcfg field that lets S and U run it */
};

static const struct op ops[] = {
    { "cbo.inval", do_inval, INSN_CBO_INVAL, ENVCFG_CBIE_INVAL },
    { "cbo.clean", do_clean, INSN_CBO_CLEAN, ENVCFG_CBCFE },
    { "cbo.flush", do_flush, INSN_CBO_FLUSH, ENVCFG_CBCFE },
    { "cbo.zero", do_zero, INSN_CBO_ZERO, ENVCFG_CBZE },
};

/* Runs @op at @addr in M directly (lower_call only goes down). */
static void run_m(const struct op *op, uint8_t *addr)
{
    register uint64_t a0 asm("a0") = (uint64_t)addr;
    asm volatile("jalr %1" : "+r"(a0) : "r"(op->fn) : "ra", "memory");
}

int main(void)
{
    lower_install();
    asm volatile("csrw pmpaddr15, %0" : : "r"(~0ull));
    CSR_WRITE(pmpcfg2, 0x1full << 56);
    reset_trap();

    /* M runs each with the envcfgs clear; only cbo.zero changes memory,
     * and only the block around its address (pattern bytes are never 0). */
    menvcfg(0);
    senvcfg(0);
    for (unsigned i = 0; i < 4; i++) {
        fill();
        run_m(&ops[i], buf + BLOCK + 37);
        check_none(ops[i].name);
        int zero = ops[i].enable == ENVCFG_CBZE;
        check_u64("  bytes changed", changed(), zero ? BLOCK : 0);
        check_u64("  zeros in its block", zeros_in_block(1), zero ? BLOCK : 0);
    }

    /* S and U: illegal until enabled; U needs both levels. */
    for (unsigned i = 0; i < 4; i++) {
        const struct op *op = &ops[i];
        fill();
        menvcfg(0);
        lower_call(1, (uint64_t)op->fn, (uint64_t)(buf + 2 * BLOCK));
        check_illegal(op->name, op->insn);
        menvcfg(op->enable);
        lower_call(1, (uint64_t)op->fn, (uint64_t)(buf + 2 * BLOCK));
        check_none("  S, enabled in menvcfg");
        lower_call(0, (uint64_t)op->fn, (uint64_t)(buf + 2 * BLOCK));
        check_illegal("  U, not in senvcfg", op->insn);
        senvcfg(op->enable);
        lower_call(0, (uint64_t)op->fn, (uint64_t)(buf + 3 * BLOCK + 63));
        check_none("  U, enabled in both");
        check_u64("  zeros in blocks 2 and 3", zeros_in_block(2) + zeros_in_block(3),
                  op->enable == ENVCFG_CBZE ? 2 * BLOCK : 0);
        senvcfg(0);
    }
    /* cbo.inval's field is two bits: 1 (flush) enables it as well, 2 is
     * reserved and not taken. */
    menvcfg(ENVCFG_CBIE_FLUSH);
    lower_call(1, (uint64_t)do_inval, (uint64_t)buf);
    check_none("S cbo.inval with CBIE = flush");
    menvcfg(2ull << 4);
    uint64_t cfg;
    asm volatile("csrr %0, 0x30a" : "=r"(cfg));
    check_u64("menvcfg.CBIE = 2 keeps the old value", (cfg >> 4) & 3, 1);

    /* Nothing behind the address: a store access fault at the block. */
    menvcfg(0);
    run_m(&ops[3], (uint8_t *)0x150);
    check_u64("M cbo.zero at 0x150", t_count, 1);
    check_u64("  mcause", t_cause, 7);
    check_u64("  mtval", t_tval, 0x140);
    reset_trap();
    run_m(&ops[1], (uint8_t *)0x150);
    check_u64("M cbo.clean at 0x150", t_count, 1);
    check_u64("  mcause", t_cause, 7);
    check_u64("  mtval", t_tval, 0x140);
    reset_trap();
    return check_finish();
}
