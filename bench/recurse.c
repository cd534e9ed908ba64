/* SPDX-License-Identifier: MIT */
/* Recursion: naive Fibonacci, the Ackermann function and a binary tree
 * built, walked and mirrored recursively. Stresses calls and returns
 * (return-address prediction, stack traffic) and small blocks. */
#include "lib/bench.h"

#define FIB_N BENCH_SIZE(31, 20)
#define ACK_N BENCH_SIZE(8, 4)
#define TREE_DEPTH BENCH_SIZE(16, 12)
#define TREE_ROUNDS BENCH_SIZE(40, 2)

static uint64_t fib(unsigned n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

static uint64_t ack(uint64_t m, uint64_t n)
{
    if (m == 0)
        return n + 1;
    if (n == 0)
        return ack(m - 1, 1);
    return ack(m - 1, ack(m, n - 1));
}

typedef struct Tree {
    struct Tree *left, *right;
    uint64_t value;
} Tree;

static Tree arena[1u << (TREE_DEPTH + 1)];
static unsigned arena_used;

static Tree *build(unsigned depth, uint64_t value)
{
    Tree *t = &arena[arena_used++];

    t->value = value;
    t->left = depth ? build(depth - 1, value * 2 + 1) : 0;
    t->right = depth ? build(depth - 1, value * 3 + 7) : 0;
    return t;
}

/* In-order walk; the position makes the checksum depend on the shape. */
static uint64_t walk(const Tree *t, uint64_t *pos)
{
    if (!t)
        return 0;
    uint64_t h = walk(t->left, pos);
    h = bench_mix(h, t->value + (*pos)++);
    return h ^ walk(t->right, pos);
}

static void mirror(Tree *t)
{
    if (!t)
        return;
    Tree *l = t->left;
    t->left = t->right;
    t->right = l;
    mirror(t->left);
    mirror(t->right);
}

int main(void)
{
    uint64_t sum = 0;

    bench_check("fib(20)", fib(20) == 6765);
    bench_check("ack(2, 3)", ack(2, 3) == 9);
    bench_check("ack(3, 3)", ack(3, 3) == 61);

    sum = bench_mix(sum, fib(FIB_N));
    /* ack(3, n) = 2^(n+3) - 3 */
    uint64_t a = ack(3, ACK_N);
    bench_check("ack(3, n)", a == (1ull << (ACK_N + 3)) - 3);
    sum = bench_mix(sum, a);

    for (int r = 0; r < TREE_ROUNDS; r++) {
        uint64_t pos = 0;

        arena_used = 0;
        Tree *root = build(TREE_DEPTH, (uint64_t)r);
        bench_check("tree size", arena_used == (1u << (TREE_DEPTH + 1)) - 1);
        sum = bench_mix(sum, walk(root, &pos));
        mirror(root);
        pos = 0;
        sum = bench_mix(sum, walk(root, &pos));
    }
    bench_result("recurse", sum);
    return 0;
}
