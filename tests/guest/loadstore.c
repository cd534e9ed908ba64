/* SPDX-License-Identifier: MIT */
/* Loads and stores of every width and signedness: sign vs zero extension,
 * stores touching only their bytes, and odd/negative/extreme immediates
 * whose effective address is still naturally aligned. */
#include "lib/guest.h"
#include "lib/insn.h"

static volatile uint64_t buf[512] __attribute__((aligned(4096)));

int main(void)
{
    volatile uint8_t *p = (volatile uint8_t *)buf;
    volatile uint8_t *odd = p + 1;           /* base + odd imm = aligned */
    volatile uint8_t *mid = p + 2048;        /* reach buf with -2048 and 2047 */

    buf[0] = 0xf887068584038201;             /* bytes 01 82 03 84 85 06 87 f8 */
    check_u64("lb 0", LD("lb", p, 0), 0x01);
    check_u64("lb 1", LD("lb", p, 1), 0xffffffffffffff82);
    check_u64("lbu 1", LD("lbu", p, 1), 0x82);
    check_u64("lb 7", LD("lb", p, 7), 0xfffffffffffffff8);
    check_u64("lbu 7", LD("lbu", p, 7), 0xf8);
    check_u64("lh 0", LD("lh", p, 0), 0xffffffffffff8201);
    check_u64("lhu 0", LD("lhu", p, 0), 0x8201);
    check_u64("lh 2", LD("lh", p, 2), 0xffffffffffff8403);
    check_u64("lh 4", LD("lh", p, 4), 0x0685);
    check_u64("lh 6", LD("lh", p, 6), 0xfffffffffffff887);
    check_u64("lhu 6", LD("lhu", p, 6), 0xf887);
    check_u64("lw 0", LD("lw", p, 0), 0xffffffff84038201);
    check_u64("lwu 0", LD("lwu", p, 0), 0x84038201);
    check_u64("lw 4", LD("lw", p, 4), 0xfffffffff8870685);
    check_u64("lwu 4", LD("lwu", p, 4), 0xf8870685);
    check_u64("ld 0", LD("ld", p, 0), 0xf887068584038201);
    check_u64("lh odd base +1", LD("lh", odd, 1), 0xffffffffffff8403);
    check_u64("lw odd base +3", LD("lw", odd, 3), 0xfffffffff8870685);
    check_u64("lb base+2 -1", LD("lb", p + 2, -1), 0xffffffffffffff82);

    buf[1] = 0;
    ST("sb", 0x1234567890abcdef, p + 8, 3);
    check_u64("sb 3", buf[1], 0x00000000ef000000);
    buf[1] = 0;
    ST("sh", 0x12345678beef, p + 8, 2);
    check_u64("sh 2", buf[1], 0x00000000beef0000);
    buf[1] = 0;
    ST("sw", 0x1111deadbeef, p + 8, 4);
    check_u64("sw 4", buf[1], 0xdeadbeef00000000);
    buf[1] = 0x5555555555555555;
    ST("sd", 0x0123456789abcdef, p + 8, 0);
    check_u64("sd 0", buf[1], 0x0123456789abcdef);
    buf[1] = 0x5555555555555555;
    ST("sb", 0xaa, odd + 8, 0);
    check_u64("sb odd base +0", buf[1], 0x555555555555aa55);
    ST("sh", 0x0102, odd + 8, 5);
    check_u64("sh odd base +5", buf[1], 0x010255555555aa55);

    buf[0] = 0x1111111111111111;
    buf[511] = 0x2222222222222222;
    check_u64("ld -2048", LD("ld", mid, -2048), 0x1111111111111111);
    check_u64("lbu 2047", LD("lbu", mid, 2047), 0x22);
    ST("sd", 0x3333333333333333, mid, -2048);
    check_u64("sd -2048", buf[0], 0x3333333333333333);
    ST("sb", 0x44, mid, 2047);
    check_u64("sb 2047", buf[511], 0x4422222222222222);

    /* loads into x0 are discarded (the access still happens) */
    asm volatile(NORVC("ld x0, 0(%0)") : : "r"(p) : "memory");
    { uint64_t z; asm volatile("mv %0, x0" : "=r"(z)); check_u64("x0 after load", z, 0); }
    return check_finish();
}
