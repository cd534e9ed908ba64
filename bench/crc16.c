/* SPDX-License-Identifier: MIT */
/* CRC-16/CCITT (polynomial 0x1021) as embedded code computes it: bit by
 * bit and through a 256-entry table, MSB first (CRC-16/CCITT-FALSE) and
 * reflected (CRC-16/KERMIT), over buffers of varied lengths and offsets,
 * and over 16-bit values fed one at a time. Each variant is checked
 * against its published check value and against the other method.
 * Stresses shifts, XORs and short data-dependent branches (bitwise),
 * 16-bit table loads (table) and loop overhead on short buffers. */
#include "lib/bench.h"

#define BUF_BYTES 4096
#define BUFFERS BENCH_SIZE(35000, 200)          /* buffers checksummed */
#define POLY 0x1021u                            /* x^16 + x^12 + x^5 + 1 */
#define POLY_REFLECTED 0x8408u                  /* the same, bits reversed */

static uint8_t buf[BUF_BYTES];
static uint16_t table_msb[256], table_lsb[256];

static uint16_t crc_msb_bitwise(uint16_t crc, const uint8_t *p, size_t len)
{
    while (len--) {
        crc ^= (uint16_t)(*p++ << 8);
        for (int k = 0; k < 8; k++) {
            if (crc & 0x8000)
                crc = (uint16_t)((crc << 1) ^ POLY);
            else
                crc = (uint16_t)(crc << 1);
        }
    }
    return crc;
}

static uint16_t crc_lsb_bitwise(uint16_t crc, const uint8_t *p, size_t len)
{
    while (len--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++) {
            if (crc & 1)
                crc = (uint16_t)((crc >> 1) ^ POLY_REFLECTED);
            else
                crc >>= 1;
        }
    }
    return crc;
}

static void tables_init(void)
{
    for (unsigned i = 0; i < 256; i++) {
        uint8_t byte = (uint8_t)i;

        table_msb[i] = crc_msb_bitwise(0, &byte, 1);
        table_lsb[i] = crc_lsb_bitwise(0, &byte, 1);
    }
}

static uint16_t crc_msb_table(uint16_t crc, const uint8_t *p, size_t len)
{
    while (len--)
        crc = (uint16_t)((crc << 8) ^ table_msb[(crc >> 8) ^ *p++]);
    return crc;
}

static uint16_t crc_lsb_table(uint16_t crc, const uint8_t *p, size_t len)
{
    while (len--)
        crc = (uint16_t)((crc >> 8) ^ table_lsb[(crc ^ *p++) & 0xff]);
    return crc;
}

/* One 16-bit value, low byte first, bit by bit without a byte buffer: how
 * firmware folds counters and sensor readings into a running CRC. */
static uint16_t crc_lsb_u16(uint16_t crc, uint16_t v)
{
    for (int k = 0; k < 16; k++) {
        unsigned x = (crc ^ (v >> k)) & 1;

        crc >>= 1;
        if (x)
            crc ^= POLY_REFLECTED;
    }
    return crc;
}

int main(void)
{
    static const uint8_t check[] = "123456789";
    uint64_t seed = 0xc4c16c4c1655eed5ull, sum = 0;
    uint16_t words = 0;

    tables_init();
    bench_check("crc16 ccitt-false bitwise", crc_msb_bitwise(0xffff, check, 9) == 0x29b1);
    bench_check("crc16 ccitt-false table", crc_msb_table(0xffff, check, 9) == 0x29b1);
    bench_check("crc16 kermit bitwise", crc_lsb_bitwise(0, check, 9) == 0x2189);
    bench_check("crc16 kermit table", crc_lsb_table(0, check, 9) == 0x2189);
    for (size_t i = 0; i < BUF_BYTES; i += 8) {
        uint64_t r = bench_rand(&seed);

        for (int k = 0; k < 8; k++)
            buf[i + k] = (uint8_t)(r >> (8 * k));
    }
    for (int b = 0; b < BUFFERS; b++) {
        uint64_t r = bench_rand(&seed);
        /* mostly short messages, some long: 1..64 bytes or up to 2 KiB */
        size_t len = (r & 3) ? 1 + (r >> 8) % 64 : 1 + (r >> 8) % 2048;
        size_t off = (size_t)(r >> 32) % (BUF_BYTES - len);
        const uint8_t *p = buf + off;
        uint16_t msb = crc_msb_bitwise(0xffff, p, len);
        uint16_t lsb = crc_lsb_bitwise(0, p, len);

        bench_check("crc16 msb bitwise == table", msb == crc_msb_table(0xffff, p, len));
        bench_check("crc16 lsb bitwise == table", lsb == crc_lsb_table(0, p, len));
        sum = bench_mix(sum, (uint64_t)msb << 16 | lsb);
        uint8_t le[2] = { (uint8_t)msb, (uint8_t)(msb >> 8) };
        uint16_t before = words;

        words = crc_lsb_u16(words, msb);
        bench_check("crc16 u16 == bytes", words == crc_lsb_table(before, le, 2));
        words = crc_lsb_u16(words, (uint16_t)len);
        /* the next buffer differs wherever it lands */
        buf[(off + len / 2) % BUF_BYTES] += (uint8_t)lsb;
    }
    bench_result("crc16", sum);
    bench_result("crc16-words", words);
    return 0;
}
