/* SPDX-License-Identifier: MIT */
/* Hashing: table-driven CRC-32 (checked against the standard check value)
 * and a 64-bit multiply-xor hash over a buffer, many passes. Stresses byte
 * loads, shifts, table lookups and 64-bit multiplies in tight loops. */
#include "lib/bench.h"

#define BUF_BYTES BENCH_SIZE(256 * 1024, 32 * 1024)
#define PASSES BENCH_SIZE(600, 4)

static uint32_t crc_table[256];
static uint8_t buf[BUF_BYTES];

static void crc32_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;

        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xedb88320u & -(c & 1));
        crc_table[i] = c;
    }
}

/* CRC-32 (IEEE 802.3, reflected, poly 0xedb88320), a byte at a time */
static uint32_t crc32(uint32_t crc, const uint8_t *p, size_t len)
{
    crc = ~crc;
    while (len--)
        crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

/* Multiply-xor over 8-byte words, with a final avalanche. */
static uint64_t mxhash(uint64_t seed, const uint8_t *p, size_t len)
{
    uint64_t h = seed ^ (len * 0x9e3779b97f4a7c15ull);

    for (size_t i = 0; i + 8 <= len; i += 8) {
        uint64_t w = 0;

        for (int k = 0; k < 8; k++)
            w |= (uint64_t)p[i + k] << (8 * k);
        w *= 0xff51afd7ed558ccdull;
        w ^= w >> 32;
        h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
        h ^= h >> 29;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}

int main(void)
{
    static const uint8_t check[] = "123456789";
    uint64_t seed = 0x0ddc0ffeebadf00dull, crcs = 0, mx = 0;

    crc32_init();
    bench_check("crc32 check value", crc32(0, check, 9) == 0xcbf43926u);
    for (size_t i = 0; i < BUF_BYTES; i += 8) {
        uint64_t r = bench_rand(&seed);

        for (int k = 0; k < 8; k++)
            buf[i + k] = (uint8_t)(r >> (8 * k));
    }
    for (int pass = 0; pass < PASSES; pass++) {
        buf[pass] ^= 0x5a; /* each pass hashes different data */
        crcs = bench_mix(crcs, crc32((uint32_t)pass, buf, BUF_BYTES));
        mx = bench_mix(mx, mxhash((uint64_t)pass, buf, BUF_BYTES));
    }
    bench_result("crc32", crcs);
    bench_result("mxhash", mx);
    return 0;
}
