/* SPDX-License-Identifier: MIT */
/* The A extension on one hart: every amo*.w/.d returns the old value (W forms
 * sign-extended) and stores op(old, rs2), W forms leaving the neighbouring
 * word alone; lr/sc success, and failure without a reservation or on
 * another address. */
#include "lib/guest.h"
#include "lib/insn.h"

#define M1 0xffffffffffffffffull
#define HI 0x1234567800000000ull /* the word beside a .w target */

static volatile uint64_t mem[32] __attribute__((aligned(64)));

#define AMO_D(op, init, src, ret, after) do { \
        mem[0] = (init); \
        check_u64(op " ret", AMO(op, &mem[0], src), ret); \
        check_u64(op " mem", mem[0], after); \
    } while (0)
/* .w on the low half of mem[0]; the high half must survive */
#define AMO_W(op, init, src, ret, after) do { \
        mem[0] = HI | (uint32_t)(init); \
        check_u64(op " ret", AMO(op, &mem[0], src), ret); \
        check_u64(op " mem", mem[0], HI | (uint32_t)(after)); \
    } while (0)

int main(void)
{
    uint64_t v, rc;

    AMO_D("amoswap.d", 5, 7, 5, 7);
    AMO_D("amoadd.d", M1, 1, M1, 0);
    AMO_D("amoxor.d", 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0, 0xff00ff00ff00ff00, 0xf0f0f0f0f0f0f0f0);
    AMO_D("amoand.d", 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0, 0xff00ff00ff00ff00, 0x0f000f000f000f00);
    AMO_D("amoor.d", 0xff00ff00ff00ff00, 0x0ff00ff00ff00ff0, 0xff00ff00ff00ff00, 0xfff0fff0fff0fff0);
    AMO_D("amomin.d", -5, 3, 0xfffffffffffffffb, 0xfffffffffffffffb);
    AMO_D("amomax.d", -5, 3, 0xfffffffffffffffb, 3);
    AMO_D("amominu.d", -5, 3, 0xfffffffffffffffb, 3);
    AMO_D("amomaxu.d", 3, M1, 3, M1);
    AMO_D("amoadd.d.aqrl", 40, 2, 40, 42);

    AMO_W("amoswap.w", 0x80000000, 1, 0xffffffff80000000, 1);
    AMO_W("amoadd.w", 0x7fffffff, 1, 0x7fffffff, 0x80000000);
    AMO_W("amoadd.w", 0xffffffff, 1, M1, 0); /* no carry into the high word */
    AMO_W("amoxor.w", 0xf0f0f0f0, 0xffff0000, 0xfffffffff0f0f0f0, 0x0f0ff0f0);
    AMO_W("amoand.w", 0xf0f0f0f0, 0xffff0000, 0xfffffffff0f0f0f0, 0xf0f00000);
    AMO_W("amoor.w", 0x0000f0f0, 0xffff0000, 0xf0f0, 0xfffff0f0);
    AMO_W("amomin.w", 0x80000000, 0xffffffff00000001, 0xffffffff80000000, 0x80000000);
    AMO_W("amomax.w", 0x80000000, 0xffffffff00000001, 0xffffffff80000000, 1);
    AMO_W("amominu.w", 0x80000000, 0xffffffff00000001, 0xffffffff80000000, 1);
    AMO_W("amomaxu.w", 0x80000000, 0xffffffff00000001, 0xffffffff80000000, 0x80000000);
    AMO_W("amomin.w", 5, 0xfffffffe, 5, 0xfffffffe);  /* -2 < 5 as 32-bit */
    AMO_W("amomaxu.w", 5, 0xfffffffe, 5, 0xfffffffe);

    /* lr.d / sc.d success: rd = 0 and the store lands */
    mem[0] = 42;
    asm volatile("lr.d %0, (%1)" : "=r"(v) : "r"(&mem[0]) : "memory");
    check_u64("lr.d", v, 42);
    asm volatile("sc.d %0, %2, (%1)" : "=&r"(rc) : "r"(&mem[0]), "r"(43ull) : "memory");
    check_u64("sc.d after lr.d rc", rc, 0);
    check_u64("sc.d after lr.d mem", mem[0], 43);
    /* the reservation was consumed: a second sc fails and stores nothing */
    asm volatile("sc.d %0, %2, (%1)" : "=&r"(rc) : "r"(&mem[0]), "r"(44ull) : "memory");
    check_true("sc.d without reservation fails", rc != 0);
    check_u64("sc.d without reservation mem", mem[0], 43);
    /* sc to an address outside the reserved one fails */
    mem[16] = 7;
    asm volatile("lr.d %0, (%1)" : "=r"(v) : "r"(&mem[0]) : "memory");
    asm volatile("sc.d %0, %2, (%1)" : "=&r"(rc) : "r"(&mem[16]), "r"(8ull) : "memory");
    check_true("sc.d other address fails", rc != 0);
    check_u64("sc.d other address mem", mem[16], 7);
    /* lr.w sign-extends; sc.w writes only its word */
    mem[1] = HI | 0x80000000;
    asm volatile("lr.w %0, (%1)" : "=r"(v) : "r"(&mem[1]) : "memory");
    check_u64("lr.w", v, 0xffffffff80000000);
    asm volatile("sc.w %0, %2, (%1)" : "=&r"(rc) : "r"(&mem[1]), "r"(0xaaaaaaaa00000001ull) : "memory");
    check_u64("sc.w rc", rc, 0);
    check_u64("sc.w mem", mem[1], HI | 1);
    /* the classic retry loop: atomic increment with lr/sc */
    mem[2] = 99;
    asm volatile("1: lr.d.aq %0, (%1)\naddi %0, %0, 1\nsc.d.rl %0, %0, (%1)\nbnez %0, 1b"
                 : "=&r"(rc) : "r"(&mem[2]) : "memory");
    check_u64("lr/sc increment", mem[2], 100);
    return check_finish();
}
