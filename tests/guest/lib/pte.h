/* SPDX-License-Identifier: MIT */
/* Page-table entries as guest programs build them (the privileged spec's
 * Sv39/Sv48 layout): the bits, a leaf with A and D already set (so no
 * hardware update muddles what a test measures), a pointer to the next
 * level, and satp's mode field. */
#ifndef SHOAL_GUEST_PTE_H
#define SHOAL_GUEST_PTE_H

#include <stdint.h>

#define PTE_V 0x01ull
#define PTE_R 0x02ull
#define PTE_W 0x04ull
#define PTE_X 0x08ull
#define PTE_U 0x10ull
#define PTE_A 0x40ull
#define PTE_D 0x80ull
#define SATP_SV39 (8ull << 60)
#define SATP_SV48 (9ull << 60)

static inline uint64_t pte_leaf(uintptr_t pa, uint64_t perms)
{
    return (pa >> 12) << 10 | perms | PTE_A | PTE_D | PTE_V;
}

static inline uint64_t pte_table(const void *next)
{
    return ((uintptr_t)next >> 12) << 10 | PTE_V;
}

#endif
