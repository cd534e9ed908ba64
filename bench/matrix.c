/* SPDX-License-Identifier: MIT */
/* Small-integer matrices: 16-bit elements, 32-bit accumulators, over N x N
 * matrices with N from 32 to 64: add, multiply by a constant, by a vector,
 * by another matrix, and a product whose terms are bit fields of the
 * entries. Stresses 16-bit loads, multiply-add chains, shifts and masks on
 * data that fits in L1, as signal-processing and control code does. The
 * accumulators wrap (unsigned), so the algebra checks below hold exactly. */
#include "lib/bench.h"

#define NMAX 64
#define ROUNDS BENCH_SIZE(1300, 10)

typedef int16_t Elem;                   /* matrix and vector entries */
typedef uint32_t Acc;                   /* wrapping 32-bit accumulator */

static Elem a[NMAX][NMAX], b[NMAX][NMAX], v[NMAX];
static Acc c[NMAX][NMAX], s[NMAX][NMAX];
static Acc cv[NMAX], bv[NMAX], abv[NMAX], av[NMAX];

/* s = a + b, widened */
static void mat_add(unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        for (unsigned j = 0; j < n; j++)
            s[i][j] = (Acc)(a[i][j] + b[i][j]);
}

/* c = a * k */
static void mat_mul_const(unsigned n, Elem k)
{
    for (unsigned i = 0; i < n; i++)
        for (unsigned j = 0; j < n; j++)
            c[i][j] = (Acc)a[i][j] * (Acc)k;
}

/* out = m * x for a 16-bit matrix */
static void mat_mul_vec(unsigned n, Elem m[NMAX][NMAX], const Elem *x, Acc *out)
{
    for (unsigned i = 0; i < n; i++) {
        Acc sum = 0;

        for (unsigned j = 0; j < n; j++)
            sum += (Acc)m[i][j] * (Acc)x[j];
        out[i] = sum;
    }
}

/* out = m * x for a 32-bit matrix */
static void acc_mul_vec(unsigned n, Acc m[NMAX][NMAX], const Acc *x, Acc *out)
{
    for (unsigned i = 0; i < n; i++) {
        Acc sum = 0;

        for (unsigned j = 0; j < n; j++)
            sum += m[i][j] * x[j];
        out[i] = sum;
    }
}

/* out = m * x, 16-bit matrix times 32-bit vector */
static void mat_mul_accvec(unsigned n, Elem m[NMAX][NMAX], const Acc *x, Acc *out)
{
    for (unsigned i = 0; i < n; i++) {
        Acc sum = 0;

        for (unsigned j = 0; j < n; j++)
            sum += (Acc)m[i][j] * x[j];
        out[i] = sum;
    }
}

/* c = a * b, row times column */
static void mat_mul(unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        for (unsigned j = 0; j < n; j++) {
            Acc sum = 0;

            for (unsigned k = 0; k < n; k++)
                sum += (Acc)a[i][k] * (Acc)b[k][j];
            c[i][j] = sum;
        }
}

/* c[i][j] = sum over k of two bit fields of a[i][k] * b[k][j]: bits 2..5
 * times bits 7..13 */
static void mat_mul_bits(unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        for (unsigned j = 0; j < n; j++) {
            Acc sum = 0;

            for (unsigned k = 0; k < n; k++) {
                Acc t = (Acc)a[i][k] * (Acc)b[k][j];

                sum += ((t >> 2) & 0xf) * ((t >> 7) & 0x7f);
            }
            c[i][j] = sum;
        }
}

/* Order-sensitive digest of the first n x n entries of a 32-bit matrix. */
static uint64_t digest(unsigned n, Acc m[NMAX][NMAX])
{
    uint64_t h = 0;

    for (unsigned i = 0; i < n; i++)
        for (unsigned j = 0; j < n; j++)
            h = (h ^ m[i][j]) * 0x100000001b3ull;
    return h;
}

static uint64_t digest_vec(unsigned n, const Acc *x)
{
    uint64_t h = 0;

    for (unsigned i = 0; i < n; i++)
        h = (h ^ x[i]) * 0x100000001b3ull;
    return h;
}

static int same_vec(unsigned n, const Acc *x, const Acc *y)
{
    for (unsigned i = 0; i < n; i++)
        if (x[i] != y[i])
            return 0;
    return 1;
}

int main(void)
{
    uint64_t seed = 0x3a7121c5eed00042ull, sum = 0;
    static const unsigned sizes[] = { 32, 40, 48, 56, 64 };

    for (unsigned i = 0; i < NMAX; i++) {
        for (unsigned j = 0; j < NMAX; j++) {
            a[i][j] = (Elem)((int)(bench_rand(&seed) >> 52) - 2048);
            b[i][j] = (Elem)((int)(bench_rand(&seed) >> 52) - 2048);
        }
        v[i] = (Elem)((int)(bench_rand(&seed) >> 56) - 128);
    }
    for (int r = 0; r < ROUNDS; r++) {
        unsigned n = sizes[r % 5];
        Elem k = (Elem)(r * 37 - 1000);

        mat_add(n);
        sum = bench_mix(sum, digest(n, s));
        mat_mul_const(n, k);
        sum = bench_mix(sum, digest(n, c));

        /* (a * b) * v == a * (b * v), modulo 2^32 */
        mat_mul(n);
        sum = bench_mix(sum, digest(n, c));
        for (unsigned i = 0; i < n; i++)
            av[i] = (Acc)v[i];
        acc_mul_vec(n, c, av, cv);
        mat_mul_vec(n, b, v, bv);
        mat_mul_accvec(n, a, bv, abv);
        bench_check("matrix (ab)v == a(bv)", same_vec(n, cv, abv));
        sum = bench_mix(sum, digest_vec(n, cv));

        /* (a + b) * v == a * v + b * v */
        mat_mul_vec(n, a, v, abv);
        acc_mul_vec(n, s, av, cv);
        for (unsigned i = 0; i < n; i++)
            abv[i] += bv[i];
        bench_check("matrix (a+b)v == av+bv", same_vec(n, cv, abv));

        mat_mul_bits(n);
        sum = bench_mix(sum, digest(n, c));

        /* feed the results back into the inputs: each round differs */
        for (unsigned i = 0; i < n; i++) {
            a[i][(i + (unsigned)r) % n] ^= (Elem)(c[i][i] & 0x3ff);
            b[(i * 7) % n][i] = (Elem)(((b[(i * 7) % n][i] + (int)((cv[i] >> 3) & 0xff)) & 0xfff) - 2048);
            v[i] = (Elem)((v[i] + (Elem)(c[n - 1 - i][i] & 0x7f)) % 256 - 64);
        }
    }
    bench_result("matrix", sum);
    return 0;
}
