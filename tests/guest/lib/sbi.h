/* SPDX-License-Identifier: MIT */
/* Calls into the SBI firmware (OpenSBI) from an S-mode guest test: the
 * extensions the tests use, by the numbers of the SBI specification. */
#ifndef SHOAL_GUEST_SBI_H
#define SHOAL_GUEST_SBI_H

#include <stdint.h>

#define SBI_EXT_BASE 0x10
#define SBI_EXT_HSM 0x48534dul
#define SBI_EXT_RFENCE 0x52464e43ul
#define SBI_EXT_SRST 0x53525354ul

typedef struct {
    long error; /* 0 = success */
    long value;
} SbiRet;

static inline SbiRet sbi_call(unsigned long ext, unsigned long fid, unsigned long a0,
                              unsigned long a1, unsigned long a2, unsigned long a3)
{
    register unsigned long r0 asm("a0") = a0;
    register unsigned long r1 asm("a1") = a1;
    register unsigned long r2 asm("a2") = a2;
    register unsigned long r3 asm("a3") = a3;
    register unsigned long r6 asm("a6") = fid;
    register unsigned long r7 asm("a7") = ext;
    asm volatile("ecall"
                 : "+r"(r0), "+r"(r1)
                 : "r"(r2), "r"(r3), "r"(r6), "r"(r7)
                 : "memory");
    return (SbiRet){ (long)r0, (long)r1 };
}

/* Base extension: probe_extension (fid 3) answers nonzero if present. */
static inline int sbi_has(unsigned long ext)
{
    return sbi_call(SBI_EXT_BASE, 3, ext, 0, 0, 0).value != 0;
}

/* HSM hart_start: @hartid starts in S-mode at @start with a0 = hartid,
 * a1 = @opaque. */
static inline SbiRet sbi_hart_start(unsigned long hartid, uintptr_t start, unsigned long opaque)
{
    return sbi_call(SBI_EXT_HSM, 0, hartid, start, opaque, 0);
}

/* RFENCE remote_sfence_vma: returns once the harts of @mask (from hart
 * @mask_base) have run sfence.vma over [@start, @start + @size). */
static inline SbiRet sbi_remote_sfence_vma(unsigned long mask, unsigned long mask_base,
                                           uintptr_t start, unsigned long size)
{
    return sbi_call(SBI_EXT_RFENCE, 1, mask, mask_base, start, size);
}

/* SRST system_reset: shutdown (type 0), no reason (0). Does not return. */
static inline void sbi_shutdown(void)
{
    sbi_call(SBI_EXT_SRST, 0, 0, 0, 0, 0);
    for (;;)
        asm volatile("wfi");
}

/* The test's entry points, called by sbi-crt0.S on their own stacks. */
void sbi_main(uint64_t hartid);
/* opaque may be 0 instead of what hart_start passed: see sbi-crt0.S. */
void sbi_secondary(uint64_t hartid, uint64_t opaque);
/* Where sbi_hart_start sends a started hart. */
void sbi_secondary_entry(void);

#endif
