/* SPDX-License-Identifier: MIT */
/* Linked lists: small nodes taken from a static pool, found by value and
 * moved to the front, merge-sorted by key and by position, reversed, over
 * and over with keys that change each pass. Stresses dependent pointer
 * loads over a few KiB, short data-dependent loops and unpredictable
 * branches, as list-heavy application code does. */
#include "lib/bench.h"

#define POOL 512                        /* nodes, a power of two (see build) */
#define LISTS BENCH_SIZE(250, 4)        /* lists built */
#define PASSES 16                       /* find / sort / reverse passes per list */
#define FINDS 12                        /* lookups by value per pass */

typedef struct Node {
    struct Node *next;
    int32_t key;                        /* sort key, rewritten every pass */
    uint16_t value;                     /* what find looks for; duplicates allowed */
    uint16_t pos;                       /* position when built: 0..len-1, unique */
} Node;

static Node pool[POOL];

/* A list of len nodes from the pool, node i at pool[i * stride % POOL]:
 * stride is odd and POOL a power of two, so no node is used twice and the
 * list is scattered over the pool. Returns the head. */
static Node *build(unsigned len, unsigned stride, uint64_t *seed)
{
    Node *head = 0, **tail = &head;

    for (unsigned i = 0; i < len; i++) {
        Node *n = &pool[i * stride % POOL];

        n->key = (int32_t)(bench_rand(seed) >> 40) - (1 << 23);
        n->value = (uint16_t)(bench_rand(seed) >> 56);
        n->pos = (uint16_t)i;
        *tail = n;
        tail = &n->next;
    }
    *tail = 0;
    return head;
}

/* Finds the first node holding value and moves it to the front; returns
 * its position before the move, or -1 if no node holds value. */
static long find_to_front(Node **head, uint16_t value)
{
    Node **link = head;
    long index = 0;

    for (Node *n = *head; n; link = &n->next, n = n->next, index++) {
        if (n->value == value) {
            *link = n->next;
            n->next = *head;
            *head = n;
            return index;
        }
    }
    return -1;
}

static int before_by_key(const Node *a, const Node *b)
{
    return a->key < b->key || (a->key == b->key && a->pos <= b->pos);
}

static int before_by_pos(const Node *a, const Node *b)
{
    return a->pos <= b->pos;
}

static Node *merge(Node *a, Node *b, int (*before)(const Node *, const Node *))
{
    Node *head = 0, **tail = &head;

    while (a && b) {
        if (before(a, b)) {
            *tail = a;
            a = a->next;
        } else {
            *tail = b;
            b = b->next;
        }
        tail = &(*tail)->next;
    }
    *tail = a ? a : b;
    return head;
}

/* Top-down merge sort: split at the middle (slow/fast walk), sort each
 * half, merge. Stable; depth log2(len). */
static Node *sort(Node *head, int (*before)(const Node *, const Node *))
{
    if (!head || !head->next)
        return head;
    Node *slow = head, *fast = head->next;

    while (fast && fast->next) {
        slow = slow->next;
        fast = fast->next->next;
    }
    Node *second = slow->next;

    slow->next = 0;
    return merge(sort(head, before), sort(second, before), before);
}

static Node *reverse(Node *head)
{
    Node *prev = 0;

    while (head) {
        Node *next = head->next;

        head->next = prev;
        prev = head;
        head = next;
    }
    return prev;
}

/* Walks the list: checks its length and that it is ordered by order
 * (1 ascending by key, -1 descending by key, 0 by pos 0..len-1), and
 * returns a digest of the keys in list order. */
static uint64_t walk(const Node *n, unsigned len, int order)
{
    uint64_t h = 0;
    unsigned count = 0;

    for (; n; n = n->next, count++) {
        h = (h * 31) ^ (uint32_t)n->key;
        if (order == 0)
            bench_check("list order by position", n->pos == count);
        else if (n->next)
            bench_check("list order by key", order > 0 ? n->key <= n->next->key : n->key >= n->next->key);
    }
    bench_check("list length", count == len);
    return h;
}

int main(void)
{
    uint64_t seed = 0x11575eed0badcafeull, sum = 0, found = 0;

    for (unsigned l = 0; l < LISTS; l++) {
        unsigned len = 64 + (unsigned)(bench_rand(&seed) % (POOL - 63));
        unsigned stride = 1 + 2 * (unsigned)(bench_rand(&seed) % 40);
        Node *head = build(len, stride, &seed);

        for (int p = 0; p < PASSES; p++) {
            for (int f = 0; f < FINDS; f++) {
                long at = find_to_front(&head, (uint16_t)(bench_rand(&seed) >> 56));

                found += at >= 0;
                sum = bench_mix(sum, (uint64_t)at);
            }
            head = sort(head, before_by_key);
            sum = bench_mix(sum, walk(head, len, 1));
            head = reverse(head);
            sum = bench_mix(sum, walk(head, len, -1));
            /* new keys from the old ones and the order: the next sort has work */
            int32_t k = (int32_t)p;
            for (Node *n = head; n; n = n->next)
                n->key = (int32_t)((uint32_t)n->key * 2654435761u + (uint32_t)(k++)) >> 8;
            head = sort(head, before_by_pos);
            sum = bench_mix(sum, walk(head, len, 0));
        }
    }
    bench_result("list", sum);
    bench_result("list-found", found);
    return 0;
}
