# SPDX-License-Identifier: MIT
# What bench/run and bench/profile share: the workload list, how a guest ELF
# is built, how shoal is started on one (and QEMU, for bench/run), and the
# SHOAL_TCG_STATS figures. Keeping it in one place keeps the profile measuring
# the same guests, built the same way, as the speed report. See
# bench/README.md.
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

BENCH = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
SRCDIR = os.path.dirname(BENCH)
# The build recipe lives here: an ELF older than this file is rebuilt.
LIBFILE = os.path.realpath(__file__)

# name, kind, ISA. kind: the group whose geometric mean the workload counts
# in (bench/run's GROUPS): "int" (integer code, the headline figure), "fp"
# (F/D), "stress" (translator stress), "mmu" (S-mode with paging: TLB, page
# walks, sfence.vma); "base" is the start-up cost, shown with "int", in no
# mean. ISA "fp" needs F/D (rv64gc, lp64d); "int" is built without them so
# it runs on an emulator that lacks them.
WORKLOADS = [
    ("null", "base", "int"),
    ("sort", "int", "int"),
    ("hash", "int", "int"),
    ("matmul", "int", "int"),
    ("interp", "int", "int"),
    ("chase", "int", "int"),
    ("strings", "int", "int"),
    ("recurse", "int", "int"),
    ("list", "int", "int"),
    ("matrix", "int", "int"),
    ("fsm", "int", "int"),
    ("crc16", "int", "int"),
    ("dhry", "int", "int"),
    ("nbody", "fp", "fp"),
    ("sdot", "fp", "fp"),
    ("blocks", "stress", "int"),
    ("smc", "stress", "int"),
    ("indirect", "stress", "int"),
    ("tlb", "mmu", "int"),
]

ISA_FLAGS = {
    "int": ["-march=rv64imac_zicsr_zifencei", "-mabi=lp64"],
    "fp": ["-march=rv64gc_zicsr_zifencei", "-mabi=lp64d"],
}
CFLAGS = ["-mcmodel=medany", "-nostdlib", "-nostartfiles", "-ffreestanding",
          "-fno-builtin", "-fno-tree-loop-distribute-patterns", "-O2", "-static",
          "-Wall", "-Wextra", "-Werror"]
# The console and exit come from the guest tests' runtime (one copy).
LIB = ["lib/crt0.S", "lib/runtime.c", "../tests/guest/lib/console.c"]
LIB_DEPS = LIB + ["lib/bench.h", "lib/link.ld", "../tests/guest/lib/pte.h", "../tests/guest/lib/asm.h"]

# gen-blocks.py arguments (functions, rounds) for full and --quick builds
BLOCKS_SIZE = {False: (6000, 700), True: (1500, 4)}

STATS_FIELDS = ("blocks_translated", "insns_translated", "code_bytes",
                "translate_ns", "blocks_executed", "buffer_flushes")
TRAP_NAMES = {0: "misaligned fetch", 1: "fetch fault", 2: "illegal instruction",
              3: "breakpoint", 4: "misaligned load", 5: "load fault",
              6: "misaligned store", 7: "store fault"}
CHECKSUM_RE = re.compile(r"^\S+: checksum 0x[0-9a-f]{16}$")


def fail(msg):
    """Exits with "bench/<script>: msg" (the script that imported us)."""
    sys.exit(f"bench/{os.path.basename(sys.argv[0])}: {msg}")


def newer(target, deps):
    if not os.path.exists(target):
        return True
    t = os.path.getmtime(target)
    return any(os.path.getmtime(d) > t for d in deps)


def select(only, option="--only", always=("null",)):
    """The WORKLOADS rows named in only (a list of names; None or empty:
    all), in WORKLOADS order, plus those in always. An unknown name fails
    (the message names option, the argument that gave it, if any)."""
    if not only:
        return WORKLOADS
    known = {w[0] for w in WORKLOADS}
    for n in only:
        if n not in known:
            fail(f"{option + ': ' if option else ''}no workload '{n}' "
                 f"(have: {', '.join(sorted(known))})")
    return [w for w in WORKLOADS if w[0] in only or w[0] in always]


def default_builddir(builddir):
    """--builddir, else $SHOAL_BUILDDIR (the caller's default), else the
    current directory if it has ./shoal, else SRCDIR/build; absolute."""
    if not builddir:
        builddir = "." if os.path.exists("shoal") else os.path.join(SRCDIR, "build")
    return os.path.abspath(builddir)


def default_outdir(builddir, quick, layout, prefix=""):
    """BUILDDIR/bench/[PREFIX]{full,quick}[-packed]: where the ELFs go."""
    return os.path.join(builddir, "bench", prefix + ("quick" if quick else "full")
                        + ("-packed" if layout == "packed" else ""))


def build(workloads, outdir, cc, quick, layout, extra_srcs=(), extra_flags=(), extra_deps=()):
    """Builds each (name, kind, isa) of workloads into outdir, unless its ELF
    is newer than everything it is made of; returns {name: elf}. extra_srcs
    and extra_flags go on every guest's command line (bench/profile's
    instruction count), extra_deps into every guest's dependencies."""
    if not shutil.which(cc):
        fail(f"{cc} not found (apt-get install gcc-riscv64-unknown-elf)")
    os.makedirs(outdir, exist_ok=True)
    elfs = {}
    for name, _, isa in workloads:
        srcs = [os.path.join(BENCH, f"{name}.c")]
        deps = (srcs + [os.path.join(BENCH, d) for d in LIB_DEPS] + [LIBFILE]
                + list(extra_srcs) + list(extra_deps))
        if name == "blocks":
            gen = os.path.join(outdir, "blocks-gen.c")
            script = os.path.join(BENCH, "gen-blocks.py")
            funcs, rounds = BLOCKS_SIZE[quick]
            if newer(gen, [script, LIBFILE]):
                subprocess.run([sys.executable, script, "--funcs", str(funcs),
                                "--rounds", str(rounds), gen], check=True)
            deps.append(gen)
        elf = os.path.join(outdir, f"{name}.elf")
        elfs[name] = elf
        if not newer(elf, deps):
            continue
        cmd = [cc] + ISA_FLAGS[isa] + CFLAGS + (["-DBENCH_QUICK"] if quick else [])
        if layout == "split":
            cmd.append("-Wl,--defsym=BENCH_DATA_ALIGN=4096")  # see lib/link.ld
        cmd += ["-I", BENCH, "-I", os.path.join(SRCDIR, "tests", "guest"), "-I", outdir, "-T", os.path.join(BENCH, "lib/link.ld"),
                "-Wl,--no-warn-rwx-segments", "-o", elf]
        cmd += list(extra_flags)
        cmd += [os.path.join(BENCH, s) for s in LIB] + srcs + list(extra_srcs) + ["-lgcc"]
        print(f"  CC {os.path.relpath(elf)}", file=sys.stderr)
        r = subprocess.run(cmd)
        if r.returncode:
            fail(f"building {name} failed: {' '.join(cmd)}")
    return elfs


class Run:
    """One emulator run: wall time, exit status, checksum lines, stats."""

    def __init__(self, seconds, rc, out, err, stats=None):
        self.seconds = seconds
        self.rc = rc            # None: timed out
        self.out = out
        self.err = err
        self.stats = stats      # {field: summed over harts} or None

    def checksums(self):
        return [l for l in self.out.splitlines() if CHECKSUM_RE.match(l)]

    def ok(self):
        return self.rc == 0 and bool(self.checksums())

    def why(self):
        if self.rc is None:
            return "timed out"
        if self.rc != 0:
            return f"exit {self.rc}" + (f": {self.detail()}" if self.detail() else "")
        return "no checksum printed"

    def detail(self):
        """The guest's own account of a failure, shortened for the table."""
        for line in self.out.splitlines():
            m = re.match(r"trap: mcause 0x([0-9a-f]+) mepc 0x([0-9a-f]+)", line)
            if m:
                cause = int(m.group(1), 16)
                return (f"trap {TRAP_NAMES.get(cause, f'mcause {cause}')} "
                        f"at 0x{int(m.group(2), 16):x}")
            if "FAIL" in line:
                return line
        err = self.err.strip().splitlines()
        return err[-1][:100] if err else ""


def execute(cmd, timeout, env=None):
    """Runs cmd in its own process group; on timeout asks the group to stop
    (SIGTERM: shoal's launcher then takes its server and node down cleanly)
    and kills it only if that does not work."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=env, start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
        rc = p.returncode
    except subprocess.TimeoutExpired:
        rc = None
        os.killpg(p.pid, signal.SIGTERM)
        try:
            out, err = p.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            out, err = p.communicate()
    seconds = time.perf_counter() - t0
    return seconds, rc, out.decode(errors="replace"), err.decode(errors="replace")


def run_qemu(qemu, elf, timeout):
    cmd = [qemu, "-M", "virt", "-bios", "none", "-kernel", elf,
           "-display", "none", "-monitor", "none", "-serial", "stdio"]
    return Run(*execute(cmd, timeout))


def parse_stats(path):
    """Sums the per-hart lines of a SHOAL_TCG_STATS file; None if absent.
    A field no line carried stays missing (printed as n/a)."""
    try:
        with open(path) as fh:
            text = fh.read()
    except OSError:
        return None
    total = {}
    accels = set()
    for line in text.splitlines():
        for key, val in re.findall(r"(\w+)=(\S+)", line):
            if key in STATS_FIELDS and val.isdigit():
                total[key] = total.get(key, 0) + int(val)
            elif key == "accel":
                accels.add(val)
    if accels:
        total["accel"] = "+".join(sorted(accels))
    return total or None


def shoal_command(builddir, elf, accel):
    """How a workload runs on shoal: configs/virt.conf (one node, one hart),
    no firmware, the ELF as the kernel, cpu.accel=accel."""
    conf = os.path.join(SRCDIR, "configs", "virt.conf")
    return [os.path.join(builddir, "shoal"), "run", conf, "--bios", "none",
            "--kernel", elf, "--set", f"cpu.accel={accel}"]


def run_shoal(builddir, elf, accel, timeout, env=None, wrapper=()):
    """Runs elf on shoal with SHOAL_TCG_STATS on (the Run's stats), env
    added to the environment, under wrapper (a command prefix such as
    perf record ... --) if given."""
    cmd = list(wrapper) + shoal_command(builddir, elf, accel)
    with tempfile.TemporaryDirectory(prefix="shoal-bench.") as tmp:
        stats_file = os.path.join(tmp, "tcg-stats")
        env = dict(os.environ, **(env or {}), SHOAL_TCG_STATS=stats_file)
        r = Run(*execute(cmd, timeout, env))
        r.stats = parse_stats(stats_file)
    return r


def geomean(xs):
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def fmt(x, spec):
    return "n/a" if x is None else format(x, spec)


def translation_figures(stats):
    """(guest insns translated per second of translation time, host code
    bytes per guest insn, blocks executed per block translated)."""
    if not stats:
        return None, None, None
    insns, ns = stats.get("insns_translated"), stats.get("translate_ns")
    code, tbs, execd = stats.get("code_bytes"), stats.get("blocks_translated"), stats.get("blocks_executed")
    rate = insns / (ns / 1e9) if insns and ns else None
    density = code / insns if code is not None and insns else None
    reuse = execd / tbs if execd is not None and tbs else None
    return rate, density, reuse
