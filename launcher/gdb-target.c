/* SPDX-License-Identifier: MIT */
/* The target description gdb reads from the stub (qXfer:features:read):
 * one self-contained target.xml for riscv:rv64 with the features gdb's
 * RISC-V port knows (org.gnu.gdb.riscv.cpu, .fpu, .csr, .virtual), named
 * as gdb's own feature files name them. Every register carries its regnum:
 * that is the number the stub and the nodes use (gdb's numbering: x0..x31
 * 0..31, pc 32, f0..f31 33..64, CSR c at 65 + c, priv 4161), so no
 * register's number depends on the order of the document. One table gives
 * both the document and the registers' sizes, so they cannot disagree. */
#include "launcher/gdb.h"

#define CSR_BASE 65

typedef struct {
    const char *name;
    guint regnum;
    guint bitsize;
    const char *type;
} Reg;

static const char *const x_names[32] = {
    "zero", "ra", "sp", "gp", "tp",  "t0",  "t1", "t2", "fp", "s1", "a0",
    "a1",   "a2", "a3", "a4", "a5",  "a6",  "a7", "s2", "s3", "s4", "s5",
    "s6",   "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6",
};

static const char *const f_names[32] = {
    "ft0", "ft1", "ft2",  "ft3",  "ft4", "ft5", "ft6",  "ft7",  "fs0",  "fs1", "fa0",
    "fa1", "fa2", "fa3",  "fa4",  "fa5", "fa6", "fa7",  "fs2",  "fs3",  "fs4", "fs5",
    "fs6", "fs7", "fs8",  "fs9",  "fs10", "fs11", "ft8", "ft9", "ft10", "ft11",
};

/* The accrued flags, the rounding mode and both as one are 32 bits wide in
 * gdb's riscv-64bit-fpu.xml; they live in the fpu feature, not the csr one. */
static const Reg fpu_csrs[] = {
    { "fflags", CSR_BASE + 0x001, 32, "int" },
    { "frm", CSR_BASE + 0x002, 32, "int" },
    { "fcsr", CSR_BASE + 0x003, 32, "int" },
};

static const Reg csrs[] = {
    { "sstatus", CSR_BASE + 0x100, 64, "int" },   { "sie", CSR_BASE + 0x104, 64, "int" },
    { "stvec", CSR_BASE + 0x105, 64, "code_ptr" }, { "scounteren", CSR_BASE + 0x106, 64, "int" },
    { "sscratch", CSR_BASE + 0x140, 64, "int" },  { "sepc", CSR_BASE + 0x141, 64, "code_ptr" },
    { "scause", CSR_BASE + 0x142, 64, "int" },    { "stval", CSR_BASE + 0x143, 64, "int" },
    { "sip", CSR_BASE + 0x144, 64, "int" },       { "satp", CSR_BASE + 0x180, 64, "int" },
    { "mstatus", CSR_BASE + 0x300, 64, "int" },   { "misa", CSR_BASE + 0x301, 64, "int" },
    { "medeleg", CSR_BASE + 0x302, 64, "int" },   { "mideleg", CSR_BASE + 0x303, 64, "int" },
    { "mie", CSR_BASE + 0x304, 64, "int" },       { "mtvec", CSR_BASE + 0x305, 64, "code_ptr" },
    { "mcounteren", CSR_BASE + 0x306, 64, "int" }, { "mscratch", CSR_BASE + 0x340, 64, "int" },
    { "mepc", CSR_BASE + 0x341, 64, "code_ptr" }, { "mcause", CSR_BASE + 0x342, 64, "int" },
    { "mtval", CSR_BASE + 0x343, 64, "int" },     { "mip", CSR_BASE + 0x344, 64, "int" },
    { "cycle", CSR_BASE + 0xc00, 64, "int" },     { "time", CSR_BASE + 0xc01, 64, "int" },
    { "instret", CSR_BASE + 0xc02, 64, "int" },   { "mvendorid", CSR_BASE + 0xf11, 64, "int" },
    { "marchid", CSR_BASE + 0xf12, 64, "int" },   { "mimpid", CSR_BASE + 0xf13, 64, "int" },
    { "mhartid", CSR_BASE + 0xf14, 64, "int" },
};

static void add_reg(GString *xml, const char *name, guint regnum, guint bitsize, const char *type)
{
    g_string_append_printf(xml, "  <reg name=\"%s\" bitsize=\"%u\" regnum=\"%u\" type=\"%s\"/>\n",
                           name, bitsize, regnum, type);
}

static char *build_xml(void)
{
    GString *xml = g_string_new("<?xml version=\"1.0\"?>\n"
                                "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
                                "<target version=\"1.0\">\n"
                                "<architecture>riscv:rv64</architecture>\n"
                                "<feature name=\"org.gnu.gdb.riscv.cpu\">\n");
    for (guint i = 0; i < 32; i++) {
        /* as gdb's riscv-64bit-cpu.xml (and QEMU) type them */
        const char *type = i == 1 ? "code_ptr" : (i >= 2 && i <= 4) ? "data_ptr" : "int";
        add_reg(xml, x_names[i], i, 64, type);
    }
    add_reg(xml, "pc", LAUNCHER_GDB_REG_PC, 64, "code_ptr");
    g_string_append(xml, "</feature>\n"
                         "<feature name=\"org.gnu.gdb.riscv.fpu\">\n"
                         "  <union id=\"riscv_double\">\n"
                         "    <field name=\"float\" type=\"ieee_single\"/>\n"
                         "    <field name=\"double\" type=\"ieee_double\"/>\n"
                         "  </union>\n");
    for (guint i = 0; i < 32; i++)
        add_reg(xml, f_names[i], LAUNCHER_GDB_REG_F0 + i, 64, "riscv_double");
    for (guint i = 0; i < G_N_ELEMENTS(fpu_csrs); i++)
        add_reg(xml, fpu_csrs[i].name, fpu_csrs[i].regnum, fpu_csrs[i].bitsize, fpu_csrs[i].type);
    g_string_append(xml, "</feature>\n<feature name=\"org.gnu.gdb.riscv.csr\">\n");
    for (guint i = 0; i < G_N_ELEMENTS(csrs); i++)
        add_reg(xml, csrs[i].name, csrs[i].regnum, csrs[i].bitsize, csrs[i].type);
    g_string_append(xml, "</feature>\n<feature name=\"org.gnu.gdb.riscv.virtual\">\n");
    add_reg(xml, "priv", LAUNCHER_GDB_REG_PRIV, 64, "int");
    g_string_append(xml, "</feature>\n</target>\n");
    return g_string_free(xml, FALSE);
}

const char *launcher_gdb_target_xml(void)
{
    static char *xml;
    static gsize built;
    if (g_once_init_enter(&built)) {
        xml = build_xml();
        g_once_init_leave(&built, 1);
    }
    return xml;
}

guint launcher_gdb_reg_size(guint regnum)
{
    if (regnum <= LAUNCHER_GDB_REG_PC || regnum == LAUNCHER_GDB_REG_PRIV ||
        (regnum >= LAUNCHER_GDB_REG_F0 && regnum < LAUNCHER_GDB_REG_F0 + 32))
        return 8;
    for (guint i = 0; i < G_N_ELEMENTS(fpu_csrs); i++)
        if (fpu_csrs[i].regnum == regnum)
            return fpu_csrs[i].bitsize / 8;
    for (guint i = 0; i < G_N_ELEMENTS(csrs); i++)
        if (csrs[i].regnum == regnum)
            return csrs[i].bitsize / 8;
    return 0;
}
