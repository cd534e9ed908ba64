/* SPDX-License-Identifier: MIT */
/* An encoder for the few RISC-V instructions the unit tests' hand-made
 * programs use. */
#ifndef SHOAL_TESTS_RV_ENCODE_H
#define SHOAL_TESTS_RV_ENCODE_H

#include <glib.h>

static inline guint32 enc_r(guint32 f7, guint rs2, guint rs1, guint32 f3, guint rd, guint32 opc)
{
    return f7 << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | rd << 7 | opc;
}
static inline guint32 enc_i(gint32 imm, guint rs1, guint32 f3, guint rd, guint32 opc)
{
    return ((guint32)imm & 0xfff) << 20 | rs1 << 15 | f3 << 12 | rd << 7 | opc;
}
static inline guint32 enc_s(gint32 imm, guint rs2, guint rs1, guint32 f3)
{
    guint32 u = (guint32)imm;
    return ((u >> 5) & 0x7f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | (u & 0x1f) << 7 | 0x23;
}
static inline guint32 enc_b(gint32 off, guint rs2, guint rs1, guint32 f3)
{
    guint32 u = (guint32)off;
    return ((u >> 12) & 1) << 31 | ((u >> 5) & 0x3f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 |
           ((u >> 1) & 0xf) << 8 | ((u >> 11) & 1) << 7 | 0x63;
}
static inline guint32 enc_u(guint32 imm20, guint rd, guint32 opc)
{
    return imm20 << 12 | rd << 7 | opc;
}
#define ADDI(rd, rs1, imm) enc_i(imm, rs1, 0, rd, 0x13)
#define ADD(rd, rs1, rs2) enc_r(0, rs2, rs1, 0, rd, 0x33)
#define BNE(rs1, rs2, off) enc_b(off, rs2, rs1, 1)
#define SD(rs2, off, rs1) enc_s(off, rs2, rs1, 3)
#define LUI(rd, imm20) enc_u(imm20, rd, 0x37)
#define AUIPC(rd, imm20) enc_u(imm20, rd, 0x17)
#define CSRRW(rd, csr, rs1) enc_i(csr, rs1, 1, rd, 0x73)
#define CSRRS(rd, csr, rs1) enc_i(csr, rs1, 2, rd, 0x73)
enum { ZERO = 0, T0 = 5, T1 = 6, A0 = 10, A1 = 11, A2 = 12 };

#endif /* SHOAL_TESTS_RV_ENCODE_H */
