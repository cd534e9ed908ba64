/* SPDX-License-Identifier: MIT */
/* The freestanding guest runtime: UART console, exit through sifive_test,
 * self-checking helpers and the trap hook. Shared by every guest test; no
 * libc underneath (the cross gcc has none we can use). */
#ifndef SHOAL_GUEST_H
#define SHOAL_GUEST_H

#include <stdint.h>

#define GUEST_UART_BASE 0x10000000ul  /* ns16550: THR/RBR at +0, LSR at +5 */
#define GUEST_SIFIVE_UART_BASE 0x10010000ul /* sifive,uart0 (QEMU sifive_u's UART0) */
#define GUEST_TEST_BASE 0x100000ul    /* sifive_test */
#define GUEST_GPIO_BASE 0x10060000ul  /* sifive,gpio0 of QEMU's sifive_u */
#define GUEST_GPIO_RESTART_PIN 10     /* its reset line, active low */
#define GUEST_EXIT_MARK "== guest_exit " /* GUEST_BOARD_SIFIVE_U's last line: this, the code */
#define GUEST_CLINT_MTIMECMP 0x2004000ul
#define GUEST_CLINT_MTIME 0x200bff8ul
#define GUEST_STACK_SIZE 16384        /* per hart, must match link.ld */

#define CSR_READ(csr) ({ uint64_t v_; asm volatile("csrr %0, " #csr : "=r"(v_)); v_; })
#define CSR_WRITE(csr, v) asm volatile("csrw " #csr ", %0" : : "r"((uint64_t)(v)))

/* Harts other than 0 call this once hart 0 has cleared .bss. Define it to
 * use them yourself; by default they wait for guest_on_harts, then park. */
void guest_secondary(uint64_t hartid);
/* From main() on hart 0: runs @fn(hartid) on harts 0..@n-1 and returns once
 * every one has returned (harts.c). */
void guest_on_harts(uint64_t n, void (*fn)(uint64_t hartid));
/* crt0's default guest_secondary. */
void guest_harts_secondary(uint64_t hartid);

/* Console (polling, so it works with interrupts off). */
void guest_putc(char c);
void guest_puts(const char *s);      /* no newline added */
void guest_put_hex(uint64_t v);      /* "0x" and 16 digits */
void guest_put_udec(uint64_t v);
void guest_put_dec(int64_t v);
int guest_getc(void);                /* blocks until a byte arrives */

/* Ends the run: 0 is a pass; any other code is reported by the platform
 * as a failure with that code (sifive_test: code << 16 | 0x3333). Built
 * for sifive_u (GUEST_BOARD_SIFIVE_U), it prints GUEST_EXIT_MARK and the
 * code in decimal on a line of its own, then resets the board. */
__attribute__((noreturn)) void guest_exit(uint32_t code);

/* Self-checking: each call prints one line "NAME = 0x... ok" or
 * "NAME = 0x... FAIL want 0x...", so the UART output alone shows what ran
 * and a wrong platform cannot pass by printing the right text. */
void check_u64(const char *name, uint64_t got, uint64_t want);
void check_true(const char *name, int cond);
/* Prints "PASS n checks" or "FAIL k of n checks"; returns the exit code. */
int check_finish(void);

/* Trap frame written by the trap entry in trap-entry.S (layout fixed there). */
typedef struct {
    uint64_t x[32];     /* x[0] unused; x[2] is the sp at the trap */
    uint64_t mcause;
    uint64_t mepc;      /* written back to mepc before mret */
    uint64_t mtval;
    uint64_t mstatus;   /* written back to mstatus before mret */
} GuestTrapFrame;

/* A test's handler: return nonzero if it handled the trap (it usually
 * advances frame->mepc); zero falls through to the default, which prints
 * mcause/mepc/mtval and exits with failure. */
typedef int (*GuestTrapHook)(GuestTrapFrame *frame);
extern volatile GuestTrapHook guest_trap_hook;
void guest_trap_entry(void);         /* the default mtvec (direct mode) */

/* Vectored mode (vectors.S): set mtvec to guest_vectors | 1; the slot the
 * hardware used is left in guest_vector_taken. */
void guest_vectors(void);
extern volatile uint64_t guest_vector_taken;

int main(void);
#endif
