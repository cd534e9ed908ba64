#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Regenerates decode-vectors-gen.h: golden decoder vectors whose instruction
# words come from GNU as (riscv64-unknown-elf-as), an encoder independent of
# ours. Each line: assembly, expected (expanded) mnemonic and operands.
#   usage: tests/unit/gen-decode-vectors.py > tests/unit/decode-vectors-gen.h
import re, subprocess, sys, tempfile, os

A0, A1, A2, SP, RA = 10, 11, 12, 2, 1
# (asm, op, rd, rs1, rs2, imm, csr, rs3, rm)
V = []
def v(asm, op, rd=0, rs1=0, rs2=0, imm=0, csr=0, rs3=0, rm=0):
    V.append((asm, op, rd, rs1, rs2, imm, csr, rs3, rm))

for op in "add sub sll slt sltu xor srl sra or and addw subw sllw srlw sraw " \
          "mul mulh mulhsu mulhu div divu rem remu mulw divw divuw remw remuw".split():
    v(f"{op} a0, a1, a2", op, A0, A1, A2)
for op in "addi slti sltiu xori ori andi addiw".split():
    v(f"{op} a0, a1, -2048", op, A0, A1, 0, -2048)
    v(f"{op} a0, a1, 2047", op, A0, A1, 0, 2047)
for op in "slli srli srai".split():
    v(f"{op} a0, a1, 63", op, A0, A1, 0, 63)
for op in "slliw srliw sraiw".split():
    v(f"{op} a0, a1, 31", op, A0, A1, 0, 31)
for op in "lb lh lw ld lbu lhu lwu".split():
    v(f"{op} a0, -5(a1)", op, A0, A1, 0, -5)
for op in "sb sh sw sd".split():
    v(f"{op} a2, 2047(a1)", op, 0, A1, A2, 2047)
    v(f"{op} a2, -2048(a1)", op, 0, A1, A2, -2048)
for op in "beq bne blt bge bltu bgeu".split():
    v(f"{op} a1, a2, .-4096", op, 0, A1, A2, -4096)
    v(f"{op} a1, a2, .+4094", op, 0, A1, A2, 4094)
v("jal a0, .-1048576", "jal", A0, 0, 0, -1048576)
v("jal ra, .+1048574", "jal", RA, 0, 0, 1048574)
v("jalr a0, -1(a1)", "jalr", A0, A1, 0, -1)
v("lui a0, 0xfffff", "lui", A0, 0, 0, -4096)
v("lui a0, 0x7ffff", "lui", A0, 0, 0, 0x7ffff000)
v("auipc a0, 0x80000", "auipc", A0, 0, 0, -2147483648)
v("fence.i", "fence_i")
for n, op in enumerate("inval clean flush".split()):
    v(f"cbo.{op} (a1)", f"cbo_{op}", 0, A1, 0, n)
v("cbo.zero (a0)", "cbo_zero", 0, A0, 0, 4)
v("fence rw, w", "fence")
v("fence.tso", "fence", 0, 0, 0, 8)
v("ecall", "ecall"); v("ebreak", "ebreak"); v("mret", "mret"); v("sret", "sret"); v("wfi", "wfi")
v("sfence.vma a0, a1", "sfence_vma", 0, A0, A1)
for op in "csrrw csrrs csrrc".split():
    v(f"{op} a0, mscratch, a1", op, A0, A1, 0, A1, 0x340)
for op in "csrrwi csrrsi csrrci".split():
    v(f"{op} a0, 0xfff, 31", op, A0, 31, 0, 31, 0xfff)
for w in "wd":
    v(f"lr.{w}.aqrl a0, (a1)", f"lr_{w}", A0, A1)
    for op in "sc amoswap amoadd amoxor amoand amoor amomin amomax amominu amomaxu".split():
        v(f"{op}.{w}.aq a0, a2, (a1)", f"{op}_{w}", A0, A1, A2)
# F and D: fa0-fa3 are f10-f13; rm spelled out, cycling through all six
RM = [("rne", 0), ("rtz", 1), ("rdn", 2), ("rup", 3), ("rmm", 4), ("dyn", 7)]
FA3 = 13
n = 0
def rm_next():
    global n
    n += 1
    return RM[n % len(RM)]
for w in "sd":
    ld, st = ("flw", "fsw") if w == "s" else ("fld", "fsd")
    v(f"{ld} fa0, -2048(a1)", ld, A0, A1, 0, -2048)
    v(f"{st} fa2, 2047(a1)", st, 0, A1, A2, 2047)
    for op in "fmadd fmsub fnmsub fnmadd".split():
        for r, code in (rm_next(), rm_next()):
            v(f"{op}.{w} fa0, fa1, fa2, fa3, {r}", f"{op}_{w}", A0, A1, A2, 0, 0, FA3, code)
    for op in "fadd fsub fmul fdiv".split():
        for r, code in (rm_next(), rm_next()):
            v(f"{op}.{w} fa0, fa1, fa2, {r}", f"{op}_{w}", A0, A1, A2, 0, 0, 0, code)
    r, code = rm_next()
    v(f"fsqrt.{w} fa0, fa1, {r}", f"fsqrt_{w}", A0, A1, 0, 0, 0, 0, code)
    for op in "fsgnj fsgnjn fsgnjx fmin fmax".split():
        v(f"{op}.{w} fa0, fa1, fa2", f"{op}_{w}", A0, A1, A2)
    for op in "feq flt fle".split():
        v(f"{op}.{w} a0, fa1, fa2", f"{op}_{w}", A0, A1, A2)
    v(f"fclass.{w} a0, fa1", f"fclass_{w}", A0, A1)
    for t in "w wu l lu".split():
        r, code = rm_next()
        v(f"fcvt.{t}.{w} a0, fa1, {r}", f"fcvt_{t}_{w}", A0, A1, 0, 0, 0, 0, code)
        r, code = rm_next()
        if w == "d" and t in ("w", "wu"):
            # exact: GNU as takes no rm and encodes rne
            v(f"fcvt.{w}.{t} fa0, a1", f"fcvt_{w}_{t}", A0, A1)
        else:
            v(f"fcvt.{w}.{t} fa0, a1, {r}", f"fcvt_{w}_{t}", A0, A1, 0, 0, 0, 0, code)
    x = "w" if w == "s" else "d"
    v(f"fmv.x.{x} a0, fa1", f"fmv_x_{x}", A0, A1)
    v(f"fmv.{x}.x fa0, a1", f"fmv_{x}_x", A0, A1)
v("fcvt.s.d fa0, fa1, rup", "fcvt_s_d", A0, A1, 0, 0, 0, 0, 3)
v("fcvt.d.s fa0, fa1", "fcvt_d_s", A0, A1)
v(".insn r 0x53, 1, 0x21, fa0, fa1, f0", "fcvt_d_s", A0, A1, 0, 0, 0, 0, 1)  # fcvt.d.s, rtz
# Zba, Zbb, Zbc, Zbs; Zicond through .insn (binutils 2.40 does not know it)
for op in "add.uw sh1add sh2add sh3add sh1add.uw sh2add.uw sh3add.uw " \
          "andn orn xnor max maxu min minu rol ror rolw rorw " \
          "clmul clmulh clmulr bclr bext binv bset".split():
    v(f"{op} a0, a1, a2", op.replace(".", "_"), A0, A1, A2)
for op in "clz ctz cpop sext.b sext.h clzw ctzw cpopw zext.h orc.b rev8".split():
    v(f"{op} a0, a1", op.replace(".", "_"), A0, A1)
for op in "slli.uw rori bclri bexti binvi bseti".split():
    v(f"{op} a0, a1, 63", op.replace(".", "_"), A0, A1, 0, 63)
v("roriw a0, a1, 31", "roriw", A0, A1, 0, 31)
v(".insn r 0x33, 5, 7, a0, a1, a2", "czero_eqz", A0, A1, A2)
v(".insn r 0x33, 7, 7, a0, a1, a2", "czero_nez", A0, A1, A2)
# compressed: expected values are the expansion
v("c.addi4spn a0, sp, 1020", "addi", A0, SP, 0, 1020)
v("c.addi4spn a0, sp, 4", "addi", A0, SP, 0, 4)
v("c.lw a0, 124(a1)", "lw", A0, A1, 0, 124)
v("c.ld a0, 248(a1)", "ld", A0, A1, 0, 248)
v("c.sw a2, 124(a1)", "sw", 0, A1, A2, 124)
v("c.sd a2, 248(a1)", "sd", 0, A1, A2, 248)
v("c.nop", "addi")
v("c.addi a0, -32", "addi", A0, A0, 0, -32)
v("c.addi a0, 31", "addi", A0, A0, 0, 31)
v("c.addiw a0, -32", "addiw", A0, A0, 0, -32)
v("c.li a0, -32", "addi", A0, 0, 0, -32)
v("c.addi16sp sp, -512", "addi", SP, SP, 0, -512)
v("c.addi16sp sp, 496", "addi", SP, SP, 0, 496)
v("c.lui a0, 0xfffe0", "lui", A0, 0, 0, -131072)
v("c.lui a0, 31", "lui", A0, 0, 0, 31 << 12)
v("c.srli a0, 63", "srli", A0, A0, 0, 63)
v("c.srai a0, 1", "srai", A0, A0, 0, 1)
v("c.andi a0, -1", "andi", A0, A0, 0, -1)
for op in "sub xor or and subw addw".split():
    v(f"c.{op} a0, a1", op, A0, A0, A1)
v("c.j .-2048", "jal", 0, 0, 0, -2048)
v("c.j .+2046", "jal", 0, 0, 0, 2046)
v("c.beqz a0, .-256", "beq", 0, A0, 0, -256)
v("c.bnez a0, .+254", "bne", 0, A0, 0, 254)
v("c.slli a0, 63", "slli", A0, A0, 0, 63)
v("c.lwsp a0, 252(sp)", "lw", A0, SP, 0, 252)
v("c.ldsp a0, 504(sp)", "ld", A0, SP, 0, 504)
v("c.jr a0", "jalr", 0, A0, 0, 0)
v("c.jalr a0", "jalr", RA, A0, 0, 0)
v("c.mv a0, a1", "add", A0, 0, A1)
v("c.add a0, a1", "add", A0, A0, A1)
v("c.ebreak", "ebreak")
v("c.swsp a0, 252(sp)", "sw", 0, SP, A0, 252)
v("c.sdsp a0, 504(sp)", "sd", 0, SP, A0, 504)
v("c.fld fa0, 248(a1)", "fld", A0, A1, 0, 248)
v("c.fsd fa2, 248(a1)", "fsd", 0, A1, A2, 248)
v("c.fldsp fa0, 504(sp)", "fld", A0, SP, 0, 504)
v("c.fldsp ft0, 0(sp)", "fld", 0, SP, 0, 0)
v("c.fsdsp fa0, 504(sp)", "fsd", 0, SP, A0, 504)

with tempfile.TemporaryDirectory() as d:
    src = os.path.join(d, "v.S")
    with open(src, "w") as f:
        f.write(".option norelax\n.text\n")
        for i, x in enumerate(V):
            # each in its own 4 KiB-aligned slot so pc-relative targets stay encodable
            # GNU as compresses what it can unless told not to
            opt = "rvc" if x[0].startswith("c.") else "norvc"
            f.write(f".balign 8\n.option {opt}\nv{i}: {x[0]}\n")
    obj = os.path.join(d, "v.o")
    subprocess.check_call(["riscv64-unknown-elf-as", "-march=rv64imafdc_zicsr_zifencei_zicbom_zicboz_zba_zbb_zbc_zbs", "-o", obj, src])
    dump = subprocess.check_output(["riscv64-unknown-elf-objdump", "-d", "-M", "no-aliases", obj], text=True)

word_of = {}
label = None
for line in dump.splitlines():
    m = re.match(r"[0-9a-f]+ <v(\d+)>:", line)
    if m:
        label = int(m.group(1))
        continue
    m = re.match(r"\s+[0-9a-f]+:\s+([0-9a-f]{4,8})\s", line)
    if m and label is not None:
        word_of[label] = int(m.group(1), 16)
        label = None
if len(word_of) != len(V):
    sys.exit(f"objdump gave {len(word_of)} words for {len(V)} vectors")

print("/* Generated by tests/unit/gen-decode-vectors.py from GNU as output; do not edit. */")
print("/* { word, \"assembly\", RV_OP_expanded, rd, rs1, rs2, imm, csr, rs3, rm } */")
for i, (asm, op, rd, rs1, rs2, imm, csr, rs3, rm) in enumerate(V):
    print(f'{{ 0x{word_of[i]:08x}u, "{asm}", RV_OP_{op}, {rd}, {rs1}, {rs2}, {imm}ll, 0x{csr:x}, {rs3}, {rm} }},')
