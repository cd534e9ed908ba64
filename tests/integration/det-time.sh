#!/bin/bash
# SPDX-License-Identifier: MIT
# Deterministic time without a bridge ([sysc] time-mode = deterministic on
# the 2 nodes x 2 harts board): guests of timers, IPIs across nodes, shared
# pages and atomics print what they print on QEMU, with every hart in the
# quantum barrier. Also run under ThreadSanitizer (.ci/run).
. "$(dirname "$0")/lib.sh"

G="$SHOAL_BUILDDIR/tests/guest"
CONF="$SHOAL_SRCDIR/configs/virt-2x2.conf"
GUESTS="timer smp smp-irq smp-share amo"
echo "1..5"
for g in $GUESTS; do
    if [ ! -f "$G/$g.elf" ]; then
        skip "$g.elf not built (no riscv64-unknown-elf-gcc)"
        continue
    fi
    timeout 120 "$SHOAL" run "$CONF" --kernel "$G/$g.elf" --set sysc.time-mode=deterministic \
        --set sysc.quantum-ns=10000 > "$TEST_TMP/out" 2> "$TEST_TMP/err" < /dev/null
    rc=$?
    if [ $rc = 0 ] && cmp -s "$TEST_TMP/out" "$SHOAL_SRCDIR/tests/guest/$g.expected"; then
        ok "$g, deterministic time"
    else
        not_ok "$g, deterministic time (exit $rc)"
        diff "$SHOAL_SRCDIR/tests/guest/$g.expected" "$TEST_TMP/out" | head -20 | diag
        head -20 "$TEST_TMP/err" | diag
    fi
done
