/* SPDX-License-Identifier: MIT */
/* Mailboxes as a firmware keeps them (mailbox.harts: 4, on every layout):
 * each hart owns a page holding its inbox and its own scratch, which it
 * writes all the time (as a trap entry saves registers there). Every
 * round each hart reads every other hart's state word and posts to its
 * inbox with AMOs (or, add, max, min, xor), as an IPI's sender does; each
 * owner takes its inbox with amoswap. Across nodes this is what
 * [cpu] forward makes where the page is: the values, counts and extremes
 * must come out exact either way, and as on QEMU. */
#include "lib/guest.h"

#define NHARTS 4
#define ROUNDS 100

typedef struct {
    volatile uint64_t scratch[8];   /* the owner's, written every round */
    volatile uint64_t state;        /* set once by the owner, read by senders */
    volatile uint64_t pending;      /* a bit per sender: amoor in, amoswap out */
    volatile uint64_t posted;       /* amoadd by senders */
    volatile uint64_t highest;      /* amomaxu by senders */
    volatile int64_t lowest;        /* amomin by senders */
    volatile uint32_t parity;       /* amoxor.w by senders */
} __attribute__((aligned(4096))) Mailbox; /* a page each */

static Mailbox boxes[NHARTS];
static uint64_t received[NHARTS][NHARTS];   /* [owner][sender], each owner's own row */
static uint64_t state_seen[NHARTS];         /* a sender's reads of others' state words */
static volatile uint64_t arrived;           /* the barrier: harts * barriers passed */

/* The @n-th barrier (from 1) of every hart. */
static void barrier(uint64_t n)
{
    __atomic_add_fetch(&arrived, 1, __ATOMIC_ACQ_REL);
    while (__atomic_load_n(&arrived, __ATOMIC_ACQUIRE) < n * NHARTS)
        asm volatile(".4byte 0x0100000f" ::: "memory"); /* pause (Zihintpause), a hint */
}

/* Takes what came into @me's inbox, counting each sender's bit. */
static void take(uint64_t me)
{
    uint64_t bits;
    asm volatile("amoswap.d.aqrl %0, zero, (%1)" : "=r"(bits) : "r"(&boxes[me].pending) : "memory");
    for (uint64_t s = 0; s < NHARTS; s++)
        received[me][s] += (bits >> s) & 1;
}

static void post(uint64_t me, uint64_t to, uint64_t round)
{
    Mailbox *b = &boxes[to];
    state_seen[me] += b->state == (0x5a00 | to);
    uint64_t bit = 1ull << me, one = 1, mark = round * NHARTS + me;
    int64_t neg = -(int64_t)mark;
    uint32_t flip = 1u << me;
    asm volatile("amoor.d.aqrl zero, %1, (%0)" : : "r"(&b->pending), "r"(bit) : "memory");
    asm volatile("amoadd.d zero, %1, (%0)" : : "r"(&b->posted), "r"(one) : "memory");
    asm volatile("amomaxu.d zero, %1, (%0)" : : "r"(&b->highest), "r"(mark) : "memory");
    asm volatile("amomin.d zero, %1, (%0)" : : "r"(&b->lowest), "r"(neg) : "memory");
    asm volatile("amoxor.w zero, %1, (%0)" : : "r"(&b->parity), "r"(flip) : "memory");
}

static void work(uint64_t me)
{
    boxes[me].state = 0x5a00 | me;
    barrier(1);
    for (uint64_t round = 1; round <= ROUNDS; round++) {
        for (uint64_t i = 0; i < 8; i++)
            boxes[me].scratch[i] = round + i; /* the owner's own traffic */
        for (uint64_t k = 1; k < NHARTS; k++)
            post(me, (me + k) % NHARTS, round);
        barrier(2 * round);
        take(me); /* every post of this round is in */
        barrier(2 * round + 1);
    }
}

int main(void)
{
    guest_on_harts(NHARTS, work);
    for (uint64_t h = 0; h < NHARTS; h++) {
        char name[] = "hart N: ";
        name[5] = (char)('0' + h);
        uint64_t from_others = 0;
        for (uint64_t s = 0; s < NHARTS; s++)
            from_others += received[h][s];
        check_u64("messages taken", from_others, ROUNDS * (NHARTS - 1));
        check_u64("messages from itself", received[h][h], 0);
        check_u64("posts counted", boxes[h].posted, ROUNDS * (NHARTS - 1));
        /* The last round's highest sender, as a max and as a negated min. */
        uint64_t top = ROUNDS * NHARTS + (h == NHARTS - 1 ? NHARTS - 2 : NHARTS - 1);
        check_u64("highest mark", boxes[h].highest, top);
        check_u64("lowest mark (negated)", (uint64_t)-boxes[h].lowest, top);
        /* ROUNDS flips of every other sender's bit: even, so all clear. */
        check_u64("parity", boxes[h].parity, 0);
        check_u64("scratch", boxes[h].scratch[7], ROUNDS + 7);
        check_u64("state words read", state_seen[h], ROUNDS * (NHARTS - 1));
        guest_puts(name);
        guest_puts("ok\n");
    }
    guest_exit((uint32_t)check_finish());
}
