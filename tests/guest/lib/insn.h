/* SPDX-License-Identifier: MIT */
/* Inline-asm wrappers that run exactly one named instruction, uncompressed
 * (norvc), so C tests exercise the encoding they name whatever gcc would
 * have chosen. */
#ifndef SHOAL_GUEST_INSN_H
#define SHOAL_GUEST_INSN_H

#include <stdint.h>

#define NORVC(body) ".option push\n.option norvc\n" body "\n.option pop"

/* rd = op rs1, rs2 */
#define RR(op, a, b) ({ uint64_t r_; \
    asm volatile(NORVC(op " %0, %1, %2") : "=r"(r_) : "r"((uint64_t)(a)), "r"((uint64_t)(b))); r_; })
/* rd = op rs1 */
#define R1(op, a) ({ uint64_t r_; \
    asm volatile(NORVC(op " %0, %1") : "=r"(r_) : "r"((uint64_t)(a))); r_; })
/* rd = op rs1, imm */
#define RI(op, a, imm) ({ uint64_t r_; \
    asm volatile(NORVC(op " %0, %1, %2") : "=r"(r_) : "r"((uint64_t)(a)), "i"(imm)); r_; })
/* 1 if "op a, b, target" branches, else 0 */
#define BR(op, a, b) ({ uint64_t t_; \
    asm volatile(NORVC("li %0, 1\n" op " %1, %2, 1f\nli %0, 0\n1:") \
                 : "=&r"(t_) : "r"((uint64_t)(a)), "r"((uint64_t)(b))); t_; })
/* rd = load op imm(base) */
#define LD(op, base, imm) ({ uint64_t r_; \
    asm volatile(NORVC(op " %0, %2(%1)") : "=r"(r_) : "r"(base), "i"(imm) : "memory"); r_; })
/* store op val, imm(base) */
#define ST(op, val, base, imm) \
    asm volatile(NORVC(op " %0, %2(%1)") : : "r"((uint64_t)(val)), "r"(base), "i"(imm) : "memory")
/* rd = amo rs2, (addr) */
#define AMO(op, addr, val) ({ uint64_t r_; \
    asm volatile(NORVC(op " %0, %2, (%1)") : "=r"(r_) : "r"(addr), "r"((uint64_t)(val)) : "memory"); r_; })

#endif
