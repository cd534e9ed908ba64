/* SPDX-License-Identifier: MIT */
/* Every conditional branch, taken and not taken, on operand pairs chosen at
 * the signed/unsigned edges (a 32-bit compare or a swapped signedness gets
 * at least one row wrong); then jal/jalr link values and jalr's bit 0. */
#include "lib/guest.h"
#include "lib/insn.h"

/* want: bit per op, in the order beq bne blt bge bltu bgeu */
static const struct {
    const char *name;
    uint64_t a, b;
    unsigned want;
} rows[] = {
    { "5,5", 5, 5, 0x29 },                                          /* beq bge bgeu */
    { "-1,1", (uint64_t)-1, 1, 0x26 },                              /* bne blt bgeu */
    { "1,-1", 1, (uint64_t)-1, 0x1a },                              /* bne bge bltu */
    { "min,max", 0x8000000000000000, 0x7fffffffffffffff, 0x26 },    /* bne blt bgeu */
    { "0,-1", 0, (uint64_t)-1, 0x1a },                              /* bne bge bltu */
    { "2^31,2^31-1", 0x80000000, 0x7fffffff, 0x2a },                /* bne bge bgeu */
    { "2^32,1", 0x100000000, 1, 0x2a },                             /* bne bge bgeu */
    { "0,0", 0, 0, 0x29 },
};

static void show(const char *op, const char *row, uint64_t got, uint64_t want)
{
    char name[48];
    int n = 0;

    for (const char *s = op; *s; s++)
        name[n++] = *s;
    name[n++] = ' ';
    for (const char *s = row; *s && n < (int)sizeof(name) - 1; s++)
        name[n++] = *s;
    name[n] = 0;
    check_u64(name, got, want);
}

int main(void)
{
    for (unsigned i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        uint64_t a = rows[i].a, b = rows[i].b;
        unsigned w = rows[i].want;

        show("beq", rows[i].name, BR("beq", a, b), w & 1);
        show("bne", rows[i].name, BR("bne", a, b), (w >> 1) & 1);
        show("blt", rows[i].name, BR("blt", a, b), (w >> 2) & 1);
        show("bge", rows[i].name, BR("bge", a, b), (w >> 3) & 1);
        show("bltu", rows[i].name, BR("bltu", a, b), (w >> 4) & 1);
        show("bgeu", rows[i].name, BR("bgeu", a, b), (w >> 5) & 1);
    }

    /* backward branch: a countdown loop taken 10 times */
    {
        uint64_t n = 10, count = 0;
        asm volatile(NORVC("1: addi %1, %1, 1\naddi %0, %0, -1\nbnez %0, 1b")
                     : "+r"(n), "+r"(count));
        check_u64("backward bnez count", count, 10);
    }
    /* jal: rd = address of the next instruction */
    {
        uint64_t link, after;
        asm volatile(NORVC("jal %0, 1f\n1: lla %1, 1b") : "=r"(link), "=r"(after));
        check_u64("jal link - next", link - after, 0);
    }
    /* jalr clears bit 0 of the target; rd = pc + 4 even when rd = rs1 */
    {
        uint64_t link, after;
        asm volatile(NORVC("lla %0, 1f\naddi %0, %0, 1\njalr %0, 0(%0)\n"
                           "li %0, 0\n1: lla %1, 1b")
                     : "=&r"(link), "=r"(after));
        check_u64("jalr odd target, rd=rs1", after - link, 4);
    }
    /* jalr with a negative offset */
    {
        uint64_t taken;
        asm volatile(NORVC("lla t0, 1f + 8\nli %0, 0\njalr x0, -8(t0)\nli %0, 2\n1: addi %0, %0, 1")
                     : "=&r"(taken) : : "t0");
        check_u64("jalr -8", taken, 1);
    }
    return check_finish();
}
