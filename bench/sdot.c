/* SPDX-License-Identifier: MIT */
/* Single-precision dot products: a float matrix times many vectors, each
 * row a dot product accumulated in float, plus float<->int conversions and
 * compares for the checksum. Stresses F-extension arithmetic, including the
 * NaN-boxing of floats in 64-bit FP registers. Built rv64gc/lp64d. */
#include "lib/bench.h"

#define DIM 256
#define VECTORS BENCH_SIZE(700, 6)

static float mat[DIM][DIM];
static float vec[DIM], out[DIM];

static uint32_t bits(float f)
{
    union { float f; uint32_t u; } c = { .f = f };

    return c.u;
}

/* A float in [-1, 1) with 24 significant bits, so it converts exactly. */
static float signed_unit(uint64_t *seed)
{
    return (float)((int32_t)(uint32_t)(bench_rand(seed) >> 32) >> 8) * 0x1p-23f;
}

static float dot(const float *a, const float *b, int n)
{
    float s0 = 0, s1 = 0;

    for (int i = 0; i + 1 < n; i += 2) {
        s0 += a[i] * b[i];
        s1 += a[i + 1] * b[i + 1];
    }
    return s0 + s1;
}

int main(void)
{
    uint64_t seed = 0xf10a7f10a7000001ull, sum = 0;

    for (int i = 0; i < DIM; i++)
        for (int j = 0; j < DIM; j++)
            mat[i][j] = signed_unit(&seed);
    for (int i = 0; i < DIM; i++)
        vec[i] = signed_unit(&seed);

    for (int v = 0; v < VECTORS; v++) {
        float norm = 0;

        for (int i = 0; i < DIM; i++)
            out[i] = dot(mat[i], vec, DIM);
        norm = dot(out, out, DIM);
        /* next vector: the product, scaled back to about unit size */
        float scale = norm > 1.0f ? 1.0f / (norm * 0.001f + 1.0f) : 1.0f;
        int positive = 0;
        for (int i = 0; i < DIM; i++) {
            vec[i] = out[i] * scale + (float)((v + i) % 7) * 0.125f;
            positive += vec[i] > 0.0f;
        }
        sum = bench_mix(sum, bits(norm));
        sum = bench_mix(sum, (uint64_t)(int64_t)(norm * 16.0f));
        sum = bench_mix(sum, (uint64_t)positive);
    }
    for (int i = 0; i < DIM; i++)
        sum = bench_mix(sum, bits(vec[i]));
    bench_result("sdot", sum);
    return 0;
}
