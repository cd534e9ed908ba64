/* SPDX-License-Identifier: MIT */
/* Many distinct blocks: runs the generated blocks_run() (thousands of small
 * functions, see gen-blocks.py) a few rounds and checks the result the
 * generator computed. Stresses translation speed and the size of the
 * translation cache rather than the quality of the generated code. */
#include "blocks-gen.c"

int main(void)
{
    uint64_t x = BLOCKS_SEED;

    for (uint64_t r = 0; r < BLOCKS_ROUNDS; r++)
        x = blocks_run(x ^ r);
    bench_check("blocks", x == BLOCKS_EXPECT);
    bench_result("blocks", x);
    return 0;
}
