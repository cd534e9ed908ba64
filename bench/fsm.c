/* SPDX-License-Identifier: MIT */
/* A text state machine: generated text of numbers (integers, decimals,
 * scientific notation) and malformed tokens, scanned by a switch-based
 * state machine that classifies each token and counts its state changes;
 * then scanned again with characters flipped by a pattern. Stresses byte
 * loads, a switch compiled to a jump table or a compare chain, and short
 * unpredictable branches, as parsers and protocol handlers do. */
#include "lib/bench.h"

#define TEXT BENCH_SIZE(24 * 1024, 4 * 1024)    /* bytes of text, NUL ended */
#define ROUNDS BENCH_SIZE(1500, 10)

/* The states; a token's class is the state it ends in (see scan_token).
 *
 *   START --digit--> INT --'.'--> POINT --digit--> FRAC
 *     |  \            |  \                          |
 *    +/-  '.'->POINT  |   e/E ----> EXP <---- e/E --+
 *     v               |             |  \
 *   SIGN --digit------+            +/-  digit
 *     (SIGN --'.'--> POINT)         v     v
 *                                EXP_SIGN --digit--> EXP_DIGITS
 *
 * Every other character sends a state to INVALID, which keeps it. INT,
 * FRAC and EXP_DIGITS accept (integer, decimal, scientific); a token that
 * ends anywhere else is invalid. */
typedef enum {
    S_START,
    S_SIGN,
    S_INT,
    S_POINT,
    S_FRAC,
    S_EXP,
    S_EXP_SIGN,
    S_EXP_DIGITS,
    S_INVALID,
    S_COUNT
} State;

typedef enum { C_INT, C_DECIMAL, C_SCI, C_INVALID, C_COUNT } Class;

typedef struct {
    uint32_t entered[S_COUNT];          /* state changes into each state */
    uint32_t tokens[C_COUNT];           /* tokens of each class */
    uint64_t int_sum;                   /* value of the integer tokens (wraps) */
} Counts;

static char text[TEXT];
static uint32_t made[C_COUNT];          /* tokens of each class generated */

static int is_sep(char c)
{
    return c == ' ' || c == ',' || c == '\n';
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Runs the machine over one token starting at p; returns the first byte
 * after it (a separator or the NUL) and counts into counts. */
static const char *scan_token(const char *p, Counts *counts)
{
    State state = S_START;
    uint64_t value = 0;
    int negative = 0;

    for (char ch; (ch = *p) && !is_sep(ch); p++) {
        State next = state;

        switch (state) {
        case S_START:
            if (is_digit(ch))
                next = S_INT;
            else if (ch == '+' || ch == '-')
                next = S_SIGN;
            else if (ch == '.')
                next = S_POINT;
            else
                next = S_INVALID;
            negative = ch == '-';
            break;
        case S_SIGN:
            if (is_digit(ch))
                next = S_INT;
            else if (ch == '.')
                next = S_POINT;
            else
                next = S_INVALID;
            break;
        case S_INT:
            if (ch == '.')
                next = S_POINT;
            else if (ch == 'e' || ch == 'E')
                next = S_EXP;
            else if (!is_digit(ch))
                next = S_INVALID;
            break;
        case S_POINT:
            next = is_digit(ch) ? S_FRAC : S_INVALID;
            break;
        case S_FRAC:
            if (ch == 'e' || ch == 'E')
                next = S_EXP;
            else if (!is_digit(ch))
                next = S_INVALID;
            break;
        case S_EXP:
            if (is_digit(ch))
                next = S_EXP_DIGITS;
            else if (ch == '+' || ch == '-')
                next = S_EXP_SIGN;
            else
                next = S_INVALID;
            break;
        case S_EXP_SIGN:
        case S_EXP_DIGITS:
            next = is_digit(ch) ? S_EXP_DIGITS : S_INVALID;
            break;
        case S_INVALID:
        case S_COUNT:
            break;
        }
        if (next == S_INT)
            value = value * 10 + (uint64_t)(ch - '0');
        if (next != state)
            counts->entered[next]++;
        state = next;
    }
    switch (state) {
    case S_INT:
        counts->tokens[C_INT]++;
        counts->int_sum += negative ? -value : value;
        break;
    case S_FRAC:
        counts->tokens[C_DECIMAL]++;
        break;
    case S_EXP_DIGITS:
        counts->tokens[C_SCI]++;
        break;
    default:
        counts->tokens[C_INVALID]++;
        break;
    }
    return p;
}

static void scan(const char *p, Counts *counts)
{
    for (unsigned i = 0; i < S_COUNT; i++)
        counts->entered[i] = 0;
    for (unsigned i = 0; i < C_COUNT; i++)
        counts->tokens[i] = 0;
    counts->int_sum = 0;
    while (*p) {
        if (is_sep(*p))
            p++;
        else
            p = scan_token(p, counts);
    }
}

static uint64_t digest(const Counts *counts)
{
    uint64_t h = counts->int_sum;

    for (unsigned i = 0; i < S_COUNT; i++)
        h = bench_mix(h, counts->entered[i]);
    for (unsigned i = 0; i < C_COUNT; i++)
        h = bench_mix(h, counts->tokens[i]);
    return h;
}

/* Text generation: put appends, digits appends n random digits. */
static char *put(char *p, const char *s)
{
    while (*s)
        *p++ = *s++;
    return p;
}

static char *digits(char *p, unsigned n, uint64_t *seed)
{
    while (n--)
        *p++ = (char)('0' + bench_rand(seed) % 10);
    return p;
}

static char *sign(char *p, uint64_t *seed)
{
    unsigned r = (unsigned)(bench_rand(seed) % 8);

    if (r < 2)
        *p++ = '-';
    else if (r == 2)
        *p++ = '+';
    return p;
}

/* One token of a random class, counted in made[]; at most 24 bytes. */
static char *token(char *p, uint64_t *seed)
{
    static const char *const words[] = { "abc", "x", "nan", "e5", "-", "+.", ".", "E" };
    uint64_t r = bench_rand(seed);
    Class class = (Class)(r % C_COUNT);

    r >>= 8;
    switch (class) {
    case C_INT:
        p = digits(sign(p, seed), 1 + r % 6, seed);
        break;
    case C_DECIMAL:
        p = digits(sign(p, seed), r % 5, seed);
        *p++ = '.';
        p = digits(p, 1 + (r >> 8) % 5, seed);
        break;
    case C_SCI:
        p = digits(sign(p, seed), 1 + r % 3, seed);
        if ((r >> 8) & 1) {
            *p++ = '.';
            p = digits(p, 1 + (r >> 9) % 3, seed);
        }
        *p++ = (r >> 12) & 1 ? 'e' : 'E';
        p = digits(sign(p, seed), 1 + (r >> 13) % 3, seed);
        break;
    case C_INVALID:
    case C_COUNT:
        switch ((r >> 8) % 6) {
        case 0: /* 1.2.3 */
            p = digits(p, 1 + r % 3, seed);
            *p++ = '.';
            p = digits(p, 1, seed);
            *p++ = '.';
            p = digits(p, 1, seed);
            break;
        case 1: /* an exponent without digits: 12e, 3.5E- */
            p = digits(sign(p, seed), 1 + r % 3, seed);
            p = put(p, (r >> 16) & 1 ? "e" : "E-");
            break;
        case 2: /* a point without digits after it: 7. */
            p = digits(p, 1 + r % 4, seed);
            *p++ = '.';
            break;
        case 3: /* a letter inside: 4x2 */
            p = digits(p, 1 + r % 2, seed);
            *p++ = 'x';
            p = digits(p, 1, seed);
            break;
        case 4: /* a second exponent part: 1e5.5 */
            p = digits(p, 1, seed);
            *p++ = 'e';
            p = digits(p, 1 + r % 2, seed);
            *p++ = '.';
            p = digits(p, 1, seed);
            break;
        default:
            p = put(p, words[(r >> 16) % 8]);
            break;
        }
        class = C_INVALID;
        break;
    }
    made[class]++;
    return p;
}

int main(void)
{
    uint64_t seed = 0xf5a1e0f5eed01234ull, sum = 0;
    static const char seps[] = { ' ', ',', '\n', ' ' };
    char *p = text, *end = text + TEXT - 32;

    while (p < end) {
        p = token(p, &seed);
        *p++ = seps[bench_rand(&seed) % 4];
    }
    *p = 0;
    size_t len = (size_t)(p - text);

    for (int r = 0; r < ROUNDS; r++) {
        Counts counts;

        scan(text, &counts);
        for (unsigned c = 0; c < C_COUNT; c++)
            bench_check("fsm classes", counts.tokens[c] == made[c]);
        sum = bench_mix(sum, digest(&counts));

        /* flip bits in every stride-th byte (never making a NUL), rescan
         * the damaged text, flip them back */
        size_t stride = 3 + (size_t)r % 29;
        char mask = (char)(1 << (r % 7));
        for (size_t i = (size_t)r % stride; i < len; i += stride)
            text[i] ^= text[i] == mask ? 0 : mask;
        scan(text, &counts);
        sum = bench_mix(sum, digest(&counts));
        for (size_t i = (size_t)r % stride; i < len; i += stride)
            text[i] ^= text[i] == mask ? 0 : mask;
    }
    bench_result("fsm", sum);
    return 0;
}
