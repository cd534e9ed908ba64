/* SPDX-License-Identifier: MIT */
/* A guest that boots from a ROM (tests/integration/boot-rom.sh): its
 * reset vector and this file's ROM code run in [memory.rom], hart 0
 * checks that the ROM reads back and that a store or AMO to it is a store
 * access fault (mtval = the address), then both harts run code copied to
 * DRAM and share words in the SRAM: 2x1000 AMOs on one counter and a
 * message from hart 1 to hart 0, which on a 2x1 machine cross cpu-nodes
 * through the directory. Output from hart 0 only. */
#include "lib/guest.h"

#define ROM_SIZE 0x10000u
#define DRAM_BASE 0x80000000ul
#define SRAM_BASE 0x8000000ul
#define SRAM_SIZE 0x10000u
#define ROUNDS 1000
#define MSG_WORDS 64
#define CAUSE_STORE_ACCESS 7
#define DRAM __attribute__((section(".dram"), noinline))

extern char __rom_base[];
void rom_main(uint64_t hart);

uint32_t boot_ready __attribute__((section(".noinit")));
volatile uint32_t trap_expected;   /* rom_trap: a probe is under way */
volatile uint64_t trap_cause;      /* what it recorded, 0 = no trap */
volatile uint64_t trap_tval;

/* A constant the ROM holds ("SHOALROM"), read through a pointer so the
 * compiler cannot fold it. */
static const uint64_t rom_magic = 0x53484f414c524f4dul;

static volatile uint32_t sram_counter;     /* AMOs from both harts */
static volatile uint32_t sram_done;        /* harts that finished them */
static volatile uint64_t sram_msg[MSG_WORDS];
static volatile uint32_t sram_msg_ready;

static inline uint64_t here(void)
{
    uint64_t pc;
    asm volatile("auipc %0, 0" : "=r"(pc));
    return pc;
}

/* A 4-byte store (not compressible) or AMO at @addr under rom_trap: the
 * trap's mcause, 0 if none. */
static uint64_t rom_probe(uint64_t addr, int amo)
{
    trap_cause = 0;
    trap_tval = 0;
    trap_expected = 1;
    if (amo)
        asm volatile(".option push\n.option norvc\namoadd.w zero, %1, (%0)\n.option pop"
                     : : "r"(addr), "r"(1) : "t0", "t1", "memory");
    else
        asm volatile(".option push\n.option norvc\nsd %1, 0(%0)\n.option pop"
                     : : "r"(addr), "r"(0x1234ul) : "t0", "t1", "memory");
    trap_expected = 0;
    return trap_cause;
}

/* Both harts, from DRAM: the SRAM shared between them. */
DRAM static void dram_main(uint64_t hart)
{
    uint64_t pc = here();
    for (int i = 0; i < ROUNDS; i++)
        __atomic_fetch_add(&sram_counter, 1, __ATOMIC_RELAXED);
    __atomic_fetch_add(&sram_done, 1, __ATOMIC_RELEASE);
    if (hart != 0) {
        for (int i = 0; i < MSG_WORDS; i++)
            sram_msg[i] = (uint64_t)i * 0x0101010101010101ul;
        __atomic_store_n(&sram_msg_ready, 1, __ATOMIC_RELEASE);
        for (;;)
            asm volatile("wfi");
    }
    check_true("hart 0 runs the copy in DRAM", pc - DRAM_BASE < 0x10000);
    while (__atomic_load_n(&sram_done, __ATOMIC_ACQUIRE) != 2)
        ;
    check_u64("SRAM counter after 2x1000 AMOs", sram_counter, 2 * ROUNDS);
    while (!__atomic_load_n(&sram_msg_ready, __ATOMIC_ACQUIRE))
        ;
    uint64_t sum = 0;
    for (int i = 0; i < MSG_WORDS; i++)
        sum += sram_msg[i];
    check_u64("hart 1's message in SRAM", sum, 2016 * 0x0101010101010101ul);
    guest_exit((uint32_t)check_finish());
}

void rom_main(uint64_t hart)
{
    if (hart == 0) {
        uint64_t rom = (uint64_t)__rom_base;
        guest_puts("boot-rom: hart 0 at the reset vector\n");
        check_true("hart 0 runs in the ROM", here() - rom < ROM_SIZE);
        check_u64("ROM constant", *(volatile const uint64_t *)&rom_magic, 0x53484f414c524f4dul);
        uint64_t target = (uint64_t)&rom_magic;
        check_u64("store to ROM: mcause", rom_probe(target, 0), CAUSE_STORE_ACCESS);
        check_true("store to ROM: mtval is the address", trap_tval == target);
        check_u64("AMO to ROM: mcause", rom_probe(target, 1), CAUSE_STORE_ACCESS);
        check_u64("ROM constant after both", *(volatile const uint64_t *)&rom_magic,
                  0x53484f414c524f4dul);
        check_true("SRAM holds the data", (uint64_t)&sram_counter - SRAM_BASE < SRAM_SIZE);
    }
    dram_main(hart);
}
