/* SPDX-License-Identifier: MIT */
/* Double-precision n-body: pairwise gravity between bodies placed by the
 * PRNG, leapfrog steps, total energy before and after. Stresses D-extension
 * arithmetic (fmul/fadd/fdiv/fsqrt, fused multiply-add) and FP loads and
 * stores. The checksum is the bit pattern of the results, so a single
 * rounding difference shows. Built rv64gc/lp64d. */
#include "lib/bench.h"

#define BODIES 24
#define STEPS BENCH_SIZE(20000, 400)

typedef struct {
    double x, y, z, vx, vy, vz, m;
} Body;

static Body body[BODIES];

static double root(double v)
{
    double r;

    asm("fsqrt.d %0, %1" : "=f"(r) : "f"(v));
    return r;
}

static uint64_t bits(double d)
{
    union { double d; uint64_t u; } c = { .d = d };

    return c.u;
}

/* A double in [lo, hi) from 53 random bits. */
static double uniform(uint64_t *seed, double lo, double hi)
{
    return lo + (hi - lo) * (double)(bench_rand(seed) >> 11) * 0x1p-53;
}

static double energy(void)
{
    double e = 0;

    for (int i = 0; i < BODIES; i++) {
        Body *b = &body[i];

        e += 0.5 * b->m * (b->vx * b->vx + b->vy * b->vy + b->vz * b->vz);
        for (int j = i + 1; j < BODIES; j++) {
            double dx = b->x - body[j].x, dy = b->y - body[j].y, dz = b->z - body[j].z;

            e -= b->m * body[j].m / root(dx * dx + dy * dy + dz * dz + 0.01);
        }
    }
    return e;
}

static void step(double dt)
{
    for (int i = 0; i < BODIES; i++) {
        Body *b = &body[i];

        for (int j = i + 1; j < BODIES; j++) {
            Body *c = &body[j];
            double dx = b->x - c->x, dy = b->y - c->y, dz = b->z - c->z;
            double d2 = dx * dx + dy * dy + dz * dz + 0.01; /* softened */
            double mag = dt / (d2 * root(d2));

            b->vx -= dx * c->m * mag;
            b->vy -= dy * c->m * mag;
            b->vz -= dz * c->m * mag;
            c->vx += dx * b->m * mag;
            c->vy += dy * b->m * mag;
            c->vz += dz * b->m * mag;
        }
    }
    for (int i = 0; i < BODIES; i++) {
        body[i].x += dt * body[i].vx;
        body[i].y += dt * body[i].vy;
        body[i].z += dt * body[i].vz;
    }
}

int main(void)
{
    uint64_t seed = 0x0b0d1e5000000001ull, sum = 0;

    for (int i = 0; i < BODIES; i++) {
        body[i] = (Body){
            uniform(&seed, -10, 10), uniform(&seed, -10, 10), uniform(&seed, -10, 10),
            uniform(&seed, -0.5, 0.5), uniform(&seed, -0.5, 0.5), uniform(&seed, -0.5, 0.5),
            uniform(&seed, 0.5, 2.0),
        };
    }
    double e0 = energy();
    for (int s = 0; s < STEPS; s++)
        step(0.001);
    double e1 = energy();

    /* a sane integration conserves energy to a few percent */
    double drift = (e1 - e0) / e0;
    bench_check("energy drift", drift < 0.05 && drift > -0.05);
    sum = bench_mix(sum, bits(e0));
    sum = bench_mix(sum, bits(e1));
    for (int i = 0; i < BODIES; i++)
        sum = bench_mix(sum, bits(body[i].x) ^ bits(body[i].vy));
    bench_result("nbody", sum);
    return 0;
}
