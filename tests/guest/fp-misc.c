/* SPDX-License-Identifier: MIT */
/* The F/D instructions that do not round: fclass of every class, fmin/fmax
 * (-0 < +0, one NaN gives the other operand, sNaN raises NV), feq/flt/fle
 * (quiet vs signalling), fsgnj*, fmv (sign extension, NaN boxing), flw/fsw
 * boxing; then fcsr/frm/fflags, reserved rounding modes, and mstatus.FS:
 * its reset value, Off making FP illegal, writes making it Dirty. */
#include "fp.h"
#include "lib/probe.h"

FP_OP1X(fclass_d, "fclass.d")
FP_OP1X(fclass_s, "fclass.s")
FP_OP2F(fmin_d, "fmin.d")
FP_OP2F(fmax_d, "fmax.d")
FP_OP2F(fmin_s, "fmin.s")
FP_OP2F(fmax_s, "fmax.s")
FP_OP2X(feq_d, "feq.d")
FP_OP2X(flt_d, "flt.d")
FP_OP2X(fle_d, "fle.d")
FP_OP2X(feq_s, "feq.s")
FP_OP2X(flt_s, "flt.s")
FP_OP2X(fle_s, "fle.s")
FP_OP2F(fsgnj_d, "fsgnj.d")
FP_OP2F(fsgnjn_d, "fsgnjn.d")
FP_OP2F(fsgnjx_d, "fsgnjx.d")
FP_OP2F(fsgnj_s, "fsgnj.s")
FP_OP2F(fsgnjn_s, "fsgnjn.s")
FP_OP2F(fsgnjx_s, "fsgnjx.s")

enum { NX = 1, UF = 2, OF = 4, DZ = 8, NV = 16 };

#define B(x) (0xffffffff00000000ull | (x))

static void test_fclass(void)
{
    static const struct { uint64_t d, s; } cls[10] = {
        { 0xfff0000000000000, B(0xff800000) }, /* -inf */
        { 0xbff0000000000000, B(0xbf800000) }, /* -normal */
        { 0x800fffffffffffff, B(0x807fffff) }, /* -subnormal */
        { 0x8000000000000000, B(0x80000000) }, /* -0 */
        { 0x0000000000000000, B(0x00000000) }, /* +0 */
        { 0x0000000000000001, B(0x00000001) }, /* +subnormal */
        { 0x0010000000000000, B(0x00800000) }, /* +normal */
        { 0x7ff0000000000000, B(0x7f800000) }, /* +inf */
        { 0x7ff4000000000000, B(0x7fa00000) }, /* sNaN */
        { 0xfff8000000000001, B(0xffc00001) }, /* qNaN */
    };
    static const char *const names[10] = {
        "fclass -inf", "fclass -normal", "fclass -subnormal", "fclass -0", "fclass +0",
        "fclass +subnormal", "fclass +normal", "fclass +inf", "fclass snan", "fclass qnan",
    };
    for (unsigned i = 0; i < 10; i++) {
        fp_expect(names[i], fclass_d(cls[i].d), 1ull << i, 0);
        fp_expect(names[i], fclass_s(cls[i].s), 1ull << i, 0);
    }
    fp_expect("fclass.s unboxed", fclass_s(0x3f800000), 1 << 9, 0);
}

static void test_minmax(void)
{
    const uint64_t pz = 0, nz = 1ull << 63, one = 0x3ff0000000000000;
    const uint64_t qnan = 0x7ff8000000000000, snan = 0x7ff0000000000001;
    fp_expect("fmin -0,+0", fmin_d(nz, pz), nz, 0);
    fp_expect("fmin +0,-0", fmin_d(pz, nz), nz, 0);
    fp_expect("fmax -0,+0", fmax_d(nz, pz), pz, 0);
    fp_expect("fmax +0,-0", fmax_d(pz, nz), pz, 0);
    fp_expect("fmin qnan,1", fmin_d(0xfff8000000000123, one), one, 0);
    fp_expect("fmax 1,qnan", fmax_d(one, qnan), one, 0);
    fp_expect("fmin snan,1", fmin_d(snan, one), one, NV);
    fp_expect("fmax 1,snan", fmax_d(one, snan), one, NV);
    fp_expect("fmin qnan,qnan", fmin_d(0x7ff8000000000555, 0xfff8000000000001), qnan, 0);
    fp_expect("fmax snan,qnan", fmax_d(snan, qnan), qnan, NV);
    fp_expect("fmin -1,1", fmin_d(one | nz, one), one | nz, 0);
    fp_expect("fmax -inf,-1", fmax_d(0xfff0000000000000, one | nz), one | nz, 0);
    fp_expect("fmin.s -0,+0", fmin_s(B(0x80000000), B(0)), B(0x80000000), 0);
    fp_expect("fmax.s unboxed,2", fmax_s(0x40000000, B(0x40000000)), B(0x40000000), 0);
    fp_expect("fmax.s snan,1", fmax_s(B(0x7f800001), B(0x3f800000)), B(0x3f800000), NV);
    fp_expect("fmin.s both unboxed", fmin_s(1, 2), B(0x7fc00000), 0);
}

static void test_compare(void)
{
    const uint64_t pz = 0, nz = 1ull << 63, one = 0x3ff0000000000000;
    const uint64_t qnan = 0x7ff8000000000000, snan = 0x7ff0000000000001;
    fp_expect("feq -0,+0", feq_d(nz, pz), 1, 0);
    fp_expect("flt -0,+0", flt_d(nz, pz), 0, 0);
    fp_expect("fle -0,+0", fle_d(nz, pz), 1, 0);
    fp_expect("flt -1,1", flt_d(one | nz, one), 1, 0);
    fp_expect("fle 1,-1", fle_d(one, one | nz), 0, 0);
    fp_expect("feq qnan", feq_d(qnan, one), 0, 0);
    fp_expect("feq snan", feq_d(one, snan), 0, NV);
    fp_expect("flt qnan", flt_d(qnan, one), 0, NV);
    fp_expect("fle qnan", fle_d(one, qnan), 0, NV);
    fp_expect("feq qnan,qnan", feq_d(qnan, qnan), 0, 0);
    fp_expect("flt -inf,max", flt_d(0xfff0000000000000, 0x7fefffffffffffff), 1, 0);
    fp_expect("feq.s 1,1", feq_s(B(0x3f800000), B(0x3f800000)), 1, 0);
    fp_expect("feq.s unboxed", feq_s(0x3f800000, 0x3f800000), 0, 0);
    fp_expect("flt.s unboxed", flt_s(0x3f800000, B(0x40000000)), 0, NV);
    fp_expect("fle.s snan", fle_s(B(0x7f800001), B(0)), 0, NV);
    fp_expect("flt.s sub", flt_s(B(0x00000001), B(0x00000002)), 1, 0);
}

static void test_sign_injection(void)
{
    const uint64_t one = 0x3ff0000000000000, m1 = 0xbff0000000000000;
    fp_expect("fsgnj 1,-1", fsgnj_d(one, m1), m1, 0);
    fp_expect("fsgnjn 1,-1", fsgnjn_d(one, m1), one, 0);
    fp_expect("fsgnjx -1,-1", fsgnjx_d(m1, m1), one, 0);
    fp_expect("fsgnj snan keeps payload", fsgnj_d(0x7ff0000000000001, m1), 0xfff0000000000001, 0);
    fp_expect("fsgnj.s", fsgnj_s(B(0x3f800000), B(0x80000000)), B(0xbf800000), 0);
    fp_expect("fsgnjn.s", fsgnjn_s(B(0x3f800000), B(0x3f800000)), B(0xbf800000), 0);
    fp_expect("fsgnjx.s", fsgnjx_s(B(0xbf800000), B(0x80000000)), B(0x3f800000), 0);
    fp_expect("fsgnj.s unboxed a", fsgnj_s(0x3f800000, B(0x80000000)), B(0xffc00000), 0);
    fp_expect("fsgnj.s unboxed b", fsgnj_s(B(0x3f800000), 0x80000000), B(0x3f800000), 0);
}

static void test_moves(void)
{
    uint64_t x;
    asm volatile("fmv.w.x ft0, %1\n\tfmv.x.d %0, ft0" : "=r"(x) : "r"(0x12345678bf800000ull) : "ft0");
    fp_expect_u64("fmv.w.x boxes", x, B(0xbf800000));
    asm volatile("fmv.d.x ft0, %1\n\tfmv.x.w %0, ft0" : "=r"(x) : "r"(0x00000000bf800000ull) : "ft0");
    fp_expect_u64("fmv.x.w sign-extends, ignores boxing", x, 0xffffffffbf800000);
    asm volatile("fmv.d.x ft0, %1\n\tfmv.x.w %0, ft0" : "=r"(x) : "r"(0xffffffff7f800001ull) : "ft0");
    fp_expect_u64("fmv.x.w keeps snan", x, 0x7f800001);
    asm volatile("fmv.d.x ft0, %1\n\tfmv.x.d %0, ft0" : "=r"(x) : "r"(0x7ff0000000000001ull) : "ft0");
    fp_expect_u64("fmv.d.x/x.d raw", x, 0x7ff0000000000001);
    static volatile uint64_t mem[2];
    mem[0] = 0x11111111ff800001ull;
    mem[1] = 0;
    asm volatile("flw ft0, 0(%1)\n\tfmv.x.d %0, ft0" : "=r"(x) : "r"(mem) : "ft0", "memory");
    fp_expect_u64("flw boxes", x, B(0xff800001));
    asm volatile("fmv.d.x ft0, %0\n\tfsw ft0, 8(%1)" : : "r"(0x00000000abcdef01ull), "r"(mem)
                 : "ft0", "memory");
    fp_expect_u64("fsw stores unboxed low bits", mem[1], 0xabcdef01);
    asm volatile("fmv.d.x ft0, %1\n\tfsd ft0, 8(%2)\n\tfld ft1, 8(%2)\n\tfmv.x.d %0, ft1"
                 : "=r"(x) : "r"(0xfff0000000000001ull), "r"(mem) : "ft0", "ft1", "memory");
    fp_expect_u64("fsd/fld raw", x, 0xfff0000000000001);
}

static void test_fcsr(void)
{
    uint64_t x;
    asm volatile("csrw fcsr, %0" : : "r"(0xfffull));
    asm volatile("csrr %0, fcsr" : "=r"(x));
    fp_expect_u64("fcsr keeps 8 bits", x, 0xff);
    asm volatile("csrr %0, frm" : "=r"(x));
    fp_expect_u64("frm from fcsr", x, 7);
    asm volatile("csrr %0, fflags" : "=r"(x));
    fp_expect_u64("fflags from fcsr", x, 0x1f);
    asm volatile("csrw frm, %0" : : "r"(0x2aull));
    asm volatile("csrr %0, fcsr" : "=r"(x));
    fp_expect_u64("frm write", x, 2 << 5 | 0x1f);
    asm volatile("csrwi fflags, 0\n\tcsrwi frm, 0");
    /* flags accrue: NX then DZ */
    asm volatile("fmv.d.x ft0, %1\n\tfmv.d.x ft1, %2\n\tfdiv.d ft2, ft0, ft1\n\t"
                 "fmv.d.x ft1, zero\n\tfdiv.d ft2, ft0, ft1\n\tcsrr %0, fflags"
                 : "=r"(x) : "r"(0x3ff0000000000000ull), "r"(0x4008000000000000ull)
                 : "ft0", "ft1", "ft2");
    fp_expect_u64("fflags accrue", x, DZ | NX);
    asm volatile("csrwi fflags, 0");
}

/* One probed instruction: trap count, cause and mtval relative to the
 * instruction bits at label 1. */
static void check_illegal(const char *name, int want_trap)
{
    fp_expect_u64(name, probe.count, want_trap);
    if (want_trap) {
        fp_expect_u64(name, probe.cause, 2);
        fp_expect_u64(name, probe.tval, *(volatile uint32_t *)probe.at);
    }
}

#define FS_OF(mstatus) (((mstatus) >> 13) & 3)

static void test_rounding_mode_traps(void)
{
    /* rm 5 and 6 are reserved: fadd.d ft2, ft0, ft1 with rm = 5 / 6 */
    PROBE("1: .insn r 0x53, 5, 0x01, ft2, ft0, ft1", 0);
    check_illegal("rm=5", 1);
    PROBE("1: .insn r 0x53, 6, 0x01, ft2, ft0, ft1", 0);
    check_illegal("rm=6", 1);
    /* ... also for the exact fcvt.d.s */
    PROBE("1: .insn r 0x53, 5, 0x21, ft2, ft0, f0", 0);
    check_illegal("fcvt.d.s rm=5", 1);
    /* dynamic with frm = 5..7 is illegal; frm itself accepts them */
    for (uint64_t frm = 4; frm <= 7; frm++) {
        FP_SET_FRM(frm);
        PROBE("1: fadd.d ft2, ft0, ft1, dyn", 0);
        check_illegal(frm == 4 ? "dyn frm=4" : frm == 5 ? "dyn frm=5" : frm == 6 ? "dyn frm=6"
                                                                                  : "dyn frm=7",
                      frm > 4);
    }
    /* an instruction without an rm field is fine whatever frm holds */
    PROBE("1: fsgnj.d ft2, ft0, ft1", 0);
    check_illegal("fsgnj with frm=7", 0);
    FP_SET_FRM(0);
}

static void test_fs(uint64_t reset_mstatus)
{
    fp_expect_u64("FS at reset", FS_OF(reset_mstatus), 0);
    uint64_t m;
    /* Off: every FP instruction and FP CSR is illegal */
    asm volatile("csrc mstatus, %0" : : "r"(3ull << 13));
    PROBE("1: fadd.d ft2, ft0, ft1", 0);
    check_illegal("FS=Off fadd.d", 1);
    PROBE("1: fmv.x.d a0, ft0", 0);
    check_illegal("FS=Off fmv.x.d", 1);
    PROBE("1: fmv.w.x ft0, a0", 0);
    check_illegal("FS=Off fmv.w.x", 1);
    PROBE(".option push\n.option norvc\n1: fld ft0, 0(sp)\n.option pop", 0);
    check_illegal("FS=Off fld", 1);
    PROBE(".option push\n.option norvc\n1: fsw ft0, -8(sp)\n.option pop", 0);
    check_illegal("FS=Off fsw", 1);
    PROBE("1: csrr a0, fflags", 0);
    check_illegal("FS=Off csrr fflags", 1);
    PROBE("1: csrw fcsr, zero", 0);
    check_illegal("FS=Off csrw fcsr", 1);
    PROBE(".option push\n.option rvc\n1: c.fldsp ft0, 0(sp)\n.option pop", 0);
    fp_expect_u64("FS=Off c.fldsp traps", probe.count, 1);
    fp_expect_u64("FS=Off c.fldsp mtval", probe.tval, *(volatile uint16_t *)probe.at);
    m = CSR_READ(mstatus);
    fp_expect_u64("FS still Off", FS_OF(m), 0);
    /* Initial -> Dirty (and SD) on an f register write */
    asm volatile("csrs mstatus, %0" : : "r"(1ull << 13));
    m = CSR_READ(mstatus);
    fp_expect_u64("FS Initial", FS_OF(m), 1);
    fp_expect_u64("SD clear", m >> 63, 0);
    asm volatile("fmv.w.x ft0, zero");
    m = CSR_READ(mstatus);
    fp_expect_u64("FS Dirty after fmv.w.x", FS_OF(m), 3);
    fp_expect_u64("SD set", m >> 63, 1);
    /* Clean -> Dirty on arithmetic, on a load, on an fcsr write */
    asm volatile("csrc mstatus, %0" : : "r"(1ull << 13));
    fp_expect_u64("FS Clean", FS_OF(CSR_READ(mstatus)), 2);
    asm volatile("fadd.d ft0, ft0, ft0");
    fp_expect_u64("FS Dirty after fadd.d", FS_OF(CSR_READ(mstatus)), 3);
    asm volatile("csrc mstatus, %0" : : "r"(1ull << 13));
    asm volatile("fld ft0, 0(sp)");
    fp_expect_u64("FS Dirty after fld", FS_OF(CSR_READ(mstatus)), 3);
    asm volatile("csrc mstatus, %0" : : "r"(1ull << 13));
    asm volatile("csrwi fflags, 0");
    fp_expect_u64("FS Dirty after csrw fflags", FS_OF(CSR_READ(mstatus)), 3);
    /* The same code again and again (so a JIT chains its blocks): FS
     * changes must still reach translated code. */
    uint64_t traps = 0, dirty = 0;
    for (int i = 0; i < 6; i++) {
        asm volatile("csrs mstatus, %0" : : "r"(1ull << 13));
        asm volatile("fadd.d ft0, ft0, ft0");
        asm volatile("csrc mstatus, %0" : : "r"(3ull << 13));
        PROBE("1: fadd.d ft0, ft0, ft0", 0);
        traps += probe.count;
        asm volatile("csrs mstatus, %0" : : "r"(2ull << 13));
        asm volatile("fmv.w.x ft0, zero");
        dirty += FS_OF(CSR_READ(mstatus)) == 3;
    }
    fp_expect_u64("looped FS=Off traps", traps, 6);
    fp_expect_u64("looped Clean -> Dirty", dirty, 6);
    /* sstatus shows FS and SD too */
    fp_expect_u64("sstatus.FS", FS_OF(CSR_READ(sstatus)), 3);
    fp_expect_u64("sstatus.SD", CSR_READ(sstatus) >> 63, 1);
    fp_expect_u64("misa F and D", (CSR_READ(misa) >> 3) & 5, 5);
}

int main(void)
{
    uint64_t reset_mstatus = CSR_READ(mstatus);
    FP_ENABLE();
    test_fclass();
    fp_group_end("fclass of every class");
    test_minmax();
    fp_group_end("fmin/fmax");
    test_compare();
    fp_group_end("feq/flt/fle");
    test_sign_injection();
    fp_group_end("fsgnj/fsgnjn/fsgnjx");
    test_moves();
    fp_group_end("fmv, flw/fsw NaN boxing");
    test_fcsr();
    fp_group_end("fcsr/frm/fflags");
    probe_install();
    test_rounding_mode_traps();
    fp_group_end("reserved rounding modes trap");
    test_fs(reset_mstatus);
    fp_group_end("mstatus.FS: reset Off, Off traps, writes set Dirty");
    return check_finish();
}
