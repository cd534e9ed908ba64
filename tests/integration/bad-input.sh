#!/bin/bash
# SPDX-License-Identifier: MIT
# Every kind of bad input to `shoal run`: exit code 2, exactly one line on
# stderr starting with "shoal: ", no process started, no run dir left.
. "$(dirname "$0")/lib.sh"

T=$TEST_TMP
printf '[memory]\nsize=16M\nthis line is not a key\n' > "$T/malformed.conf"
printf '[memory]\nsize=lots\n[node.0]\n' > "$T/badvalue.conf"
printf '[memory]\nsize=64M\nsize=128M\n[node.0]\n' > "$T/dupkey.conf"
printf '[machine]\ninclude=nope-base.conf\n' > "$T/badinclude.conf"
printf '[machine]\ninclude=%s\n[device.plic2]\ntype=plic\nbase=0x20000000\nsize=0x4000000\n' \
    "$VIRT" > "$T/twoplics.conf"
echo 'just text' > "$T/text.elf"
: > "$T/empty.bin"
head -c $((3 * 1024 * 1024)) /dev/zero > "$T/3m.bin"      # raw bios past 0x80200000
head -c $((17 * 1024 * 1024)) /dev/zero > "$T/17m.bin"    # raw kernel past 16M of RAM
head -c $((16 * 1024 * 1024 - 1024)) /dev/zero > "$T/full.bin" # leaves 1K: no room for the DTB
# An x86-64 ELF header: 64-bit, little endian, ET_EXEC, e_machine 62.
{
    printf '\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00'
    printf '\x02\x00\x3e\x00\x01\x00\x00\x00'
    head -c 40 /dev/zero
} > "$T/x86.elf"
HAVE_RV=yes
build_spin "$T/low.elf" 0x1000 || HAVE_RV=no
build_spin "$T/good.elf" || HAVE_RV=no

# name | expected stderr pattern | arguments
CASES=(
    "no arguments|usage|"
    "unknown command|unknown command|frob"
    "run without config|no config file|run"
    "unknown option|Unknown option --frob (see shoal run --help)|run $VIRT --frob"
    "missing config|missing.conf: cannot read config|run $T/missing.conf --kernel $T/x86.elf"
    "malformed config|malformed.conf:3: not a config file|run $T/malformed.conf"
    "bad value|badvalue.conf:2: \\[memory\\] size: expected a size|run $T/badvalue.conf"
    "unknown --set key|--set cpu.turbo=1: unknown key turbo in \\[cpu\\]|run $VIRT --set cpu.turbo=1"
    "bad --accel|--accel: expected jit or interp, got \"fast\"|run $VIRT --accel fast"
    "nothing to boot|nothing to boot|run $VIRT"
    "missing kernel file|nope.elf: cannot read image|run $VIRT --kernel $T/nope.elf"
    "empty kernel|empty.bin: empty file|run $VIRT --kernel $T/empty.bin"
    "raw kernel past RAM|17m.bin: raw kernel image of 17825792 bytes at 0x80000000 runs past the end of RAM (0x80ffffff)|run $VIRT --set memory.size=16M --kernel $T/17m.bin"
    "raw images overlap|kernel $T/text.elf (0x80200000..0x80200009) overlaps bios $T/3m.bin (0x80000000..0x802fffff)|run $VIRT --bios $T/3m.bin --kernel $T/text.elf"
    "no room for the DTB|no room for the device tree|run $VIRT --set memory.size=16M --kernel $T/full.bin"
    "dumpdtb without file|no output file|dumpdtb $VIRT"
    "x86-64 ELF kernel|x86.elf: not a RISC-V ELF (e_machine 62|run $VIRT --kernel $T/x86.elf"
    "RISC-V ELF outside RAM|low.elf: segment [0-9]* (0x[0-9a-f]*..0x[0-9a-f]*) is outside RAM 0x80000000..0x87ffffff|run $VIRT --kernel $T/low.elf|rv"
    "bad bios|x86.elf: not a RISC-V ELF|run $VIRT --kernel $T/good.elf --bios $T/x86.elf|rv"
    "missing initrd file|nope.cpio: cannot read image|run $VIRT --kernel $T/good.elf --initrd $T/nope.cpio|rv"
    "initrd past RAM|17m.bin: initrd of 17825792 bytes at 0x80800000 runs past the end of RAM|run $VIRT --set memory.size=16M --kernel $T/good.elf --initrd $T/17m.bin|rv"
    "--append without its argument|Missing argument for --append|run $VIRT --kernel $T/text.elf --append"
    "--set of an unknown group|--set memroy.size=1M: unknown group \\[memroy\\]|run $VIRT --set memroy.size=1M"
    "more RAM than shoal keeps|\\[memory\\] size: expected at most 64G|run $VIRT --set memory.size=2T"
    "more harts than the PLIC serves|a PLIC serves at most 512 harts, the machine has 513|run $VIRT --set node.0.harts=256 --set node.1.harts=256 --set node.2.harts=1"
    "a CLINT window smaller than its registers|\\[device.clint\\] size: expected at least 0xc000|run $VIRT --set device.clint.size=0x1000"
    "a wildcard tcp endpoint|tcp://0.0.0.0:5555: the processes connect to this address|run $VIRT --set memory-server.endpoint=tcp://0.0.0.0:5555"
    "a key set twice in one file|dupkey.conf:3: \\[memory\\] size: set twice in one file (first at line 2)|run $T/dupkey.conf"
    "a missing include|badinclude.conf:2: \\[machine\\] include: .*nope-base.conf: no such config file|run $T/badinclude.conf"
    "two PLICs|twoplics.conf:4: \\[device.plic2\\] type: \\[device.plic\\] has this type already|run $T/twoplics.conf"
)

echo "1..$((${#CASES[@]} * 3))"
for c in "${CASES[@]}"; do
    IFS='|' read -r name pattern args needs <<< "$c"
    if [ "$needs" = rv ] && [ "$HAVE_RV" = no ]; then
        for _ in 1 2 3; do skip "$name: no riscv64-unknown-elf-gcc"; done
        continue
    fi
    # shellcheck disable=SC2086 # word splitting of $args is wanted
    timeout 20 "$SHOAL" $args > "$T/out" 2> "$T/err"
    rc=$?
    check "$name: exit code 2 (got $rc)" [ "$rc" = 2 ]
    lines=$(wc -l < "$T/err")
    if [ "$lines" = 1 ] && grep -q "^shoal: " "$T/err" && grep -q -- "$pattern" "$T/err"; then
        ok "$name: one line on stderr naming the problem"
    else
        not_ok "$name: one line on stderr matching '$pattern' (got $lines)"
        diag < "$T/err"
    fi
    check "$name: no process, no run dir left" no_leftovers
done
exit 0
