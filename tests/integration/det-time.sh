#!/bin/bash
# SPDX-License-Identifier: MIT
# Deterministic time without a bridge ([sysc] time-mode = deterministic on
# the 2 nodes x 2 harts board): guests of timers, IPIs across nodes, shared
# pages and atomics print what they print on QEMU, with every hart in the
# quantum barrier; IPIs within and across nodes land at the same times on
# every run and on both back ends (ipi-time prints them). Also run under
# ThreadSanitizer (.ci/run).
. "$(dirname "$0")/lib.sh"

G="$SHOAL_BUILDDIR/tests/guest"
CONF="$SHOAL_SRCDIR/configs/virt-2x2.conf"
GUESTS="timer smp smp-irq smp-share amo"
echo "1..8"
for g in $GUESTS; do
    if [ ! -f "$G/$g.elf" ]; then
        skip "$g.elf not built (no riscv64-unknown-elf-gcc)"
        continue
    fi
    timeout 120 "$SHOAL" run "$CONF" --kernel "$G/$g.elf" --set sysc.time-mode=deterministic \
        --set sysc.quantum-ns=10000 > "$TEST_TMP/out" 2> "$TEST_TMP/err" < /dev/null
    rc=$?
    if [ $rc = 0 ]; then
        check_same "$g, deterministic time, as on QEMU" \
            "$SHOAL_SRCDIR/tests/guest/$g.expected" "$TEST_TMP/out"
    else
        not_ok "$g, deterministic time (exit $rc)"
        head -20 "$TEST_TMP/err" | diag
    fi
done

DET="--set sysc.time-mode=deterministic --set sysc.quantum-ns=10000 --set sysc.insn-ns=1"
if [ ! -f "$G/ipi-time.elf" ]; then
    for _ in 1 2 3; do skip "ipi-time.elf not built (no riscv64-unknown-elf-gcc)"; done
    exit 0
fi
# run_ipi ACCEL OUT: ipi-time on the 2x2 board in deterministic time
run_ipi() {
    # shellcheck disable=SC2086
    timeout 120 "$SHOAL" run "$CONF" --kernel "$G/ipi-time.elf" $DET --set cpu.accel="$1" \
        > "$2" 2> "$TEST_TMP/err" < /dev/null
}
run_ipi jit "$TEST_TMP/first"
ok_if_passed "ipi-time: IPIs within a quantum, with their payload" $? "$TEST_TMP/first" \
    "$TEST_TMP/err"
run_ipi jit "$TEST_TMP/second"
check_same "ipi-time prints the same times on a second run" "$TEST_TMP/first" "$TEST_TMP/second"
run_ipi interp "$TEST_TMP/interp"
check_same "ipi-time prints the same times on the interpreter" "$TEST_TMP/first" \
    "$TEST_TMP/interp"
exit 0
