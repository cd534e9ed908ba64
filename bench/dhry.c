/* SPDX-License-Identifier: MIT */
/* A mix of what ordinary system code does, after the classic synthetic
 * integer benchmarks but our own: calls to small procedures that take
 * structs by pointer and by value and return them, record copies, copies
 * and compares of 30-character strings, enums through switches, small
 * arithmetic with a division, writes into global and local arrays.
 * Procedures are noipa so every call stays a real call with the standard
 * calling convention, as it is across compilation units. Stresses calls,
 * returns, stack traffic, struct copies and short loops. */
#include "lib/bench.h"

#define LOOPS BENCH_SIZE(1000000, 20000)
#define DIM 40                           /* global table sides */
#define LABEL_CHARS 30                   /* characters in a label */
#define LABEL 32                         /* label bytes: the characters, NUL, one spare */
#define PROC __attribute__((noipa))

typedef enum { TINT_RED, TINT_AMBER, TINT_GREEN, TINT_BLUE, TINT_VIOLET, TINT_COUNT } Tint;

/* A record as kept in lists and copied whole: 56 bytes. */
typedef struct Record {
    struct Record *link;                /* the next record, or NULL */
    Tint tint;
    int32_t ident;                      /* a small number */
    int32_t count;                      /* times updated */
    int32_t weight;
    char label[LABEL];                  /* NUL-terminated, 30 characters */
} Record;

/* A small struct passed and returned in registers. */
typedef struct {
    int32_t x, y;
    Tint tint;
} Point;

static Record rec_a, rec_b, *current;  /* current: rec_a or rec_b */
static int32_t row[DIM];
static int32_t grid[DIM][DIM];
static int32_t total;                   /* a global the procedures update */
static char last_mark;                  /* likewise */
static uint32_t tint_seen[TINT_COUNT];

static const char label_first[LABEL] = "SHOAL RECORD, FIRST OF A KIND.";
static const char label_other[LABEL] = "SHOAL RECORD, OTHER OF A KIND.";
static const char label_probe[LABEL] = "SHOAL RECORD, MIDDLE OF A KIND";

/* Copies src (NUL-terminated) to dst; returns the length copied. */
static PROC size_t copy_label(char *dst, const char *src)
{
    size_t n = 0;

    while ((dst[n] = src[n]) != 0)
        n++;
    return n;
}

/* <0, 0, >0 as a sorts before, equal to or after b (byte values). */
static PROC int compare_labels(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return (int)(uint8_t)*a - (int)(uint8_t)*b;
}

static PROC Tint tint_after(Tint t, int32_t step)
{
    switch (t) {
    case TINT_RED:
        return step > 2 ? TINT_GREEN : TINT_AMBER;
    case TINT_AMBER:
        return TINT_GREEN;
    case TINT_GREEN:
        return (step & 1) ? TINT_BLUE : TINT_RED;
    case TINT_BLUE:
        return step < 0 ? TINT_RED : TINT_VIOLET;
    case TINT_VIOLET:
    case TINT_COUNT:
        break;
    }
    return TINT_RED;
}

/* A point by value in, a point by value out. */
static PROC Point point_step(Point p, int32_t k)
{
    Point q = { p.x + k, p.y * 2 - p.x, tint_after(p.tint, k) };

    if (q.y > 1000 || q.y < -1000)
        q.y /= 7;
    return q;
}

static PROC int32_t point_weight(Point p)
{
    return p.x * 3 + p.y - (int32_t)p.tint;
}

/* A record by value: a copy in, a changed copy out. */
static PROC Record record_touch(Record r, int32_t delta)
{
    r.count++;
    r.weight += delta;
    r.ident = (r.ident + delta) & 0xff;
    r.label[(unsigned)r.count % 30] = (char)('A' + r.ident % 26);
    return r;
}

/* A record by pointer: filled from another and from arguments, and
 * linked back to it. */
static PROC void record_fill(Record *dst, Record *src, Tint tint, const char *label)
{
    *dst = *src;
    dst->tint = tint;
    dst->link = src;
    copy_label(dst->label, label);
    if (tint == TINT_VIOLET)
        dst->weight = -dst->weight;
}

static PROC int mark_matches(char mark, char want)
{
    if (mark == want) {
        last_mark = mark;
        return 1;
    }
    return 0;
}

/* Writes into the global row and grid around index at. */
static PROC void tables_store(int32_t *r, int32_t g[DIM][DIM], int32_t at, int32_t value)
{
    int32_t i = at + 3;

    r[i] = value;
    r[i + 1] = r[i];
    r[i + 10] = i;
    for (int32_t j = i; j <= i + 2; j++)
        g[i][j] = i;
    g[i][i - 1] += 1;
    g[i + 10][i] = r[i];
    total = 5;
}

/* Three-way small arithmetic with a division. */
static PROC int32_t arith(int32_t a, int32_t b, int32_t *out)
{
    int32_t c = a * b + 7;

    *out = c / (b | 1) - a;
    return c % 97;
}

int main(void)
{
    uint64_t sum = 0;
    int32_t greater = 0, equal = 0;
    Point pt = { 1, 2, TINT_RED };
    char local_label[LABEL];
    int32_t local_row[16];

    copy_label(rec_a.label, label_first);
    rec_a.link = &rec_b;
    rec_b.link = &rec_a;
    current = &rec_a;
    for (int i = 0; i < 16; i++)
        local_row[i] = i;

    for (int32_t i = 0; i < LOOPS; i++) {
        int32_t a = 2 + (i & 7), b = 3 + (i & 3), c, w;
        const char *src = (i & 1) ? label_other : label_first;

        /* strings: copy, then compare with the copy and a probe */
        bench_check("dhry copy length", copy_label(local_label, src) == LABEL_CHARS);
        equal += compare_labels(local_label, src) == 0;
        greater += compare_labels(local_label, label_probe) > 0;

        /* structs through calls */
        pt = point_step(pt, a - b);
        w = point_weight(pt);
        tint_seen[pt.tint]++;
        record_fill(current->link, current, pt.tint, local_label);
        current = current->link;
        Record copy = record_touch(*current, w & 63);
        current->weight = copy.weight;
        current->count = copy.count;
        current->ident = copy.ident;

        /* small arithmetic and the tables */
        c = arith(a, b, &w);
        tables_store(row, grid, (i & 15) + (c & 7), c + w);
        local_row[i & 15] += w - total;
        if (mark_matches((char)('A' + (c & 3)), 'B'))
            a += (int32_t)copy.label[i % 30];
        if (i % 4096 == 0) {
            sum = bench_mix(sum, (uint64_t)(uint32_t)a);
            sum = bench_mix(sum, (uint64_t)(uint32_t)copy.weight);
            sum = bench_mix(sum, (uint64_t)(uint32_t)copy.ident);
        }
    }
    bench_check("dhry equal copies", equal == LOOPS);
    /* of the three labels "...FIRST...", "...MIDDLE..." and "...OTHER...",
     * only the odd loops' sorts after the probe */
    bench_check("dhry compares", greater == LOOPS / 2);
    /* each loop copies the record and counts one more */
    bench_check("dhry record count", current->count == LOOPS && current->link->count == LOOPS - 1);
    for (int i = 0; i < DIM; i++) {
        sum = bench_mix(sum, (uint64_t)(uint32_t)row[i]);
        for (int j = 0; j < DIM; j++)
            sum = bench_mix(sum, (uint64_t)(uint32_t)grid[i][j]);
    }
    for (int i = 0; i < 16; i++)
        sum = bench_mix(sum, (uint64_t)(uint32_t)local_row[i]);
    for (int t = 0; t < TINT_COUNT; t++)
        sum = bench_mix(sum, tint_seen[t]);
    sum = bench_mix(sum, (uint64_t)(uint8_t)last_mark);
    bench_result("dhry", sum);
    return 0;
}
