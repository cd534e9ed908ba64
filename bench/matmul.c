/* SPDX-License-Identifier: MIT */
/* Integer matrix multiply: C = A * B on N x N 32-bit matrices (64-bit
 * accumulators), naive i-k-j order, repeated with a changing A. Stresses
 * multiply-add chains, strided address arithmetic and loop overhead. */
#include "lib/bench.h"

#define N BENCH_SIZE(256, 48)
#define ROUNDS BENCH_SIZE(18, 2)

static int32_t a[N][N], b[N][N];
static int64_t c[N][N];

int main(void)
{
    uint64_t seed = 0x5eed5eed12345678ull, sum = 0;

    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            a[i][j] = (int32_t)(bench_rand(&seed) % 2001) - 1000;
            b[i][j] = (int32_t)(bench_rand(&seed) % 2001) - 1000;
        }
    for (int r = 0; r < ROUNDS; r++) {
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++)
                c[i][j] = 0;
        for (int i = 0; i < N; i++)
            for (int k = 0; k < N; k++) {
                int64_t aik = a[i][k];

                for (int j = 0; j < N; j++)
                    c[i][j] += aik * b[k][j];
            }
        /* trace and a sample of entries, then perturb A for the next round */
        for (int i = 0; i < N; i++) {
            sum = bench_mix(sum, (uint64_t)c[i][i]);
            sum = bench_mix(sum, (uint64_t)c[i][(i * 7) % N]);
            a[i][(i + r) % N] += 1;
        }
    }
    bench_result("matmul", sum);
    return 0;
}
