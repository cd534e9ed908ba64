/* SPDX-License-Identifier: MIT */
/* Pointer chasing: a single random cycle (Sattolo's shuffle) through an
 * 8 MiB array of nodes, followed for many steps. Every load depends on the
 * one before and lands on a different page, so this measures the load path
 * (guest TLB, host caches) more than the translated code. */
#include "lib/bench.h"

#define NODES BENCH_SIZE(1u << 20, 1u << 15)  /* 8 bytes each */
#define STEPS BENCH_SIZE(5000000, 200000)

typedef struct {
    uint32_t next;   /* index of the next node on the cycle */
    uint32_t value;  /* payload folded into the checksum */
} Node;

static Node nodes[NODES];

int main(void)
{
    uint64_t seed = 0xc4a5e0000000c4a5ull, sum = 0;
    uint32_t at = 0;

    /* Sattolo: a uniformly random permutation that is one single cycle */
    for (uint32_t i = 0; i < NODES; i++)
        nodes[i].next = i;
    for (uint32_t i = NODES - 1; i > 0; i--) {
        uint32_t j = (uint32_t)(bench_rand(&seed) % i);
        uint32_t t = nodes[i].next;

        nodes[i].next = nodes[j].next;
        nodes[j].next = t;
    }
    for (uint32_t i = 0; i < NODES; i++)
        nodes[i].value = (uint32_t)bench_rand(&seed);

    /* the cycle must visit every node exactly once before coming back */
    for (uint32_t i = 1; i < NODES; i++) {
        at = nodes[at].next;
        bench_check("single cycle", at != 0);
    }
    bench_check("cycle closes", nodes[at].next == 0);

    at = 0;
    for (uint32_t s = 0; s < STEPS; s++) {
        sum += nodes[at].value ^ s;
        at = nodes[at].next;
    }
    bench_result("chase", sum ^ at);
    return 0;
}
