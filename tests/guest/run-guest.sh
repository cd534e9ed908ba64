#!/bin/sh
# SPDX-License-Identifier: MIT
# Differential guest test (TAP): runs one ELF on shoal (interpreter and JIT
# back ends) and on QEMU virt, and compares each run's UART output and exit
# code with foo.expected / foo.exit next to the source. sifive-u/foo.elf, the
# test built for QEMU's sifive_u board, runs on configs/sifive-u.conf and
# on QEMU -M sifive_u instead; that board has no test device, so the exit
# code is the runtime's last line (GUEST_EXIT_MARK in lib/guest.h), which
# is taken off the output, and the board's reset ends the run (QEMU's
# -no-reboot, shoal's [machine] on-reset=exit).
# Usage: run-guest.sh build/tests/guest/foo.elf | build/tests/guest/sifive-u/foo.elf
# Environment: SHOAL_BUILDDIR, SHOAL_SRCDIR, QEMU_RISCV64 (set by make check),
# GUEST_TIMEOUT (seconds per run: overrides foo.timeout and the default 10),
# GUEST_NAME (the test whose foo.* files apply, when the ELF is a variant of
# it built under another name, as the stress targets' are).
set -u

elf=$1
board=virt
case $elf in
*sifive-u/*.elf) board=sifive_u ;;
esac
name=${GUEST_NAME:-$(basename "$elf" .elf)}
srcdir=${SHOAL_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${SHOAL_BUILDDIR:-.}
qemu=${QEMU_RISCV64:-}
timeout_s=10
expected=$srcdir/tests/guest/$name.expected
want_rc=0
[ -f "$srcdir/tests/guest/$name.exit" ] && want_rc=$(cat "$srcdir/tests/guest/$name.exit")
# foo.harts: the test needs that many harts; shoal then runs it on every
# configs/virt-NxM.conf with N*M harts (threads of one node, several node
# processes) and QEMU with -smp.
harts=1
[ -f "$srcdir/tests/guest/$name.harts" ] && harts=$(cat "$srcdir/tests/guest/$name.harts")
if [ "$harts" = 1 ]; then
    configs=$srcdir/configs/virt.conf
else
    configs=
    for c in "$srcdir"/configs/virt-*x*.conf; do
        n=$(basename "$c" .conf); n=${n#virt-}
        [ $(( ${n%x*} * ${n#*x} )) = "$harts" ] && configs="$configs $c"
    done
fi
# QEMU's sifive_u has its five harts whatever the test needs (it needs at
# most that: tests/guest/local.mk lists only those); one shoal config too.
qemu_machine="virt -smp $harts"
shoal_board_args=
if [ "$board" = sifive_u ]; then
    configs=$srcdir/configs/sifive-u.conf
    qemu_machine="sifive_u -smp 5 -no-reboot"
    shoal_board_args="--set machine.on-reset=exit"
fi
# foo.configs: only these layouts (config names, e.g. virt-1x4) of those.
if [ "$board" = virt ] && [ -f "$srcdir/tests/guest/$name.configs" ]; then
    keep=
    for c in $configs; do
        grep -qw "$(basename "$c" .conf)" "$srcdir/tests/guest/$name.configs" && keep="$keep $c"
    done
    configs=$keep
fi
# foo.timeout: seconds per run for a test that needs more than the default.
[ -f "$srcdir/tests/guest/$name.timeout" ] && timeout_s=$(cat "$srcdir/tests/guest/$name.timeout")
# Sanitizer builds run several times slower, and make check runs two tests
# at once on two cores: sbi-shootdown on the TSan interpreter takes 3.5 s
# alone and passed 10 s beside another test.
case ${SHOAL_SANITIZERS:-} in
"" | no) ;;
*) timeout_s=$((timeout_s * 4)) ;;
esac
timeout_s=${GUEST_TIMEOUT:-$timeout_s}
# foo.args: extra shoal options (e.g. a tiny code buffer); QEMU has no use for them.
shoal_args=
[ -f "$srcdir/tests/guest/$name.args" ] && shoal_args=$(cat "$srcdir/tests/guest/$name.args")
# foo.no-qemu: QEMU 7.2 cannot be the reference (an extension it lacks or
# gets wrong); the file's first line says why, QEMU's line is a SKIP with
# that reason, and the two shoal back ends are checked against foo.expected.
no_qemu=
[ -f "$srcdir/tests/guest/$name.no-qemu" ] && no_qemu=$(head -n 1 "$srcdir/tests/guest/$name.no-qemu")
input=/dev/null
[ -f "$srcdir/tests/guest/$name.input" ] && input=$srcdir/tests/guest/$name.input
# foo.bios: SBI firmware (a path) that starts the test in S-mode, on shoal
# and on QEMU; only the output after the test's "== guest ==" line is
# compared (the firmware's banner names each platform differently).
bios=none
[ -f "$srcdir/tests/guest/$name.bios" ] && bios=$(cat "$srcdir/tests/guest/$name.bios")

tmp=$(mktemp -d "${TMPDIR:-/tmp}/shoal-guest.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

# guest_output FILE: what the test printed (after the firmware's, if any;
# on sifive_u without the exit line, whose code goes to $rc).
guest_output() {
    if [ "$board" = sifive_u ]; then
        code=$(tail -n 1 "$1" | sed -n 's/^\(.*\)== guest_exit \([0-9]*\)$/\2/p')
        if [ -n "$code" ]; then
            rc=$code
            # the line's bytes: "== guest_exit ", the digits and the newline
            head -c -$((15 + ${#code})) "$1"
        else
            rc="no exit line"
            cat "$1"
        fi
    elif [ "$bios" = none ]; then
        cat "$1"
    else
        sed -n '/^== guest ==$/,$p' "$1"
    fi
}

set -- $configs
echo "1..$(( 2 * $# + 1 ))"
n=0

# report DESCRIPTION OUT ERR RC: one TAP line, and a diff as diagnostics.
report() {
    n=$((n + 1))
    desc=$1 out=$2 err=$3 rc=$4
    if [ ! -f "$expected" ]; then
        echo "not ok $n - $name $desc # missing $expected"
        return
    fi
    # on sifive_u the run itself ends 0 (a reset) or not at all (124)
    board_rc=$rc
    guest_output "$out" > "$out.guest"
    [ "$board_rc" = 0 ] || rc=$board_rc
    out=$out.guest
    if cmp -s "$expected" "$out" && [ "$rc" = "$want_rc" ]; then
        echo "ok $n - $name $desc"
        return
    fi
    echo "not ok $n - $name $desc"
    [ "$rc" = 124 ] && echo "# timed out after ${timeout_s}s"
    echo "# exit code $rc, expected $want_rc"
    diff -u "$expected" "$out" | sed -e 's/^/# /' | head -n 60
    if [ -s "$err" ]; then
        echo "# stderr:"
        sed -e 's/^/#   /' "$err" | head -n 20
    fi
}

for config in $configs; do
    cname=$(basename "$config" .conf)
    for accel in interp jit; do
        if [ ! -x "$builddir/shoal" ]; then
            n=$((n + 1))
            echo "not ok $n - $name shoal $accel # $builddir/shoal not built"
            continue
        fi
        timeout -k 2 "$timeout_s" "$builddir/shoal" run "$config" \
            --bios "$bios" --kernel "$elf" --accel $accel $shoal_args $shoal_board_args \
            <"$input" >"$tmp/$accel.out" 2>"$tmp/$accel.err"
        report "shoal $accel ($cname)" "$tmp/$accel.out" "$tmp/$accel.err" $?
    done
done

if [ -n "$no_qemu" ]; then
    n=$((n + 1))
    echo "ok $n - $name qemu # SKIP $no_qemu"
elif [ -z "$qemu" ] || [ "$qemu" = no ] || ! command -v "$qemu" >/dev/null 2>&1; then
    n=$((n + 1))
    echo "ok $n - $name qemu # SKIP qemu-system-riscv64 not found"
else
    timeout -k 2 "$timeout_s" "$qemu" -M $qemu_machine -bios "$bios" -kernel "$elf" \
        -display none -monitor none -serial stdio \
        <"$input" >"$tmp/qemu.out" 2>"$tmp/qemu.err"
    qemu_rc=$?
    if [ "$board" = virt ]; then qemu_desc=qemu; else qemu_desc="qemu ($board)"; fi
    report "$qemu_desc" "$tmp/qemu.out" "$tmp/qemu.err" $qemu_rc
fi
exit 0
