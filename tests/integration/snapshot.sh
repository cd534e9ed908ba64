#!/bin/bash
# SPDX-License-Identifier: MIT
# Snapshots (docs/snapshot.md) of tests/guest/snapshot.elf, whose output
# depends on RAM written on every node, hart registers, timers and IPIs.
# Deterministic time: a run that saves at a quantum boundary (--snapshot-at)
# prints what a run without it prints, and the file restored on each layout
# of the board (1x4, 2x2, 4x1) prints exactly the rest of it. Host time:
# the monitor's snapshot-save on a running 2x2 machine (which runs on), and
# on a paused one (which stays paused); restored on 4x1 and 1x4 it finishes
# as the uninterrupted run. `shoal snapshot-info` describes a file and checks
# it whole. Bad input: a truncated, a foreign and another
# board's file, --snapshot-at without deterministic time, an unwritable
# path. The size and time of a 128 MiB save go to the log.
. "$(dirname "$0")/lib.sh"

T=$TEST_TMP
G="$SHOAL_BUILDDIR/tests/guest"
C="$SHOAL_SRCDIR/configs"
N=19
echo "1..$N"
if [ ! -f "$G/snapshot.elf" ]; then
    for _ in $(seq $N); do skip "snapshot.elf not built (no riscv64-unknown-elf-gcc)"; done
    exit 0
fi
DET="--set sysc.time-mode=deterministic --set sysc.quantum-ns=10000"
# run CONF OUT ARGS...: the guest on configs/CONF.conf; its exit status.
run() {
    local conf=$1 out=$2
    shift 2
    timeout 120 "$SHOAL" run "$C/$conf.conf" --kernel "$G/snapshot.elf" "$@" > "$out" \
        2> "$out.err" < /dev/null
}
# the_rest DESCRIPTION FULL RESTORED: RESTORED is the end of FULL, byte for
# byte (a save may fall in the middle of a line), more than its final
# checks and less than all of it.
the_rest() {
    local n
    n=$(stat -c %s "$3")
    if [ "$(grep -c '^round ' "$3")" -gt 0 ] && [ "$n" -lt "$(stat -c %s "$2")" ] &&
        tail -c "$n" "$2" | cmp -s - "$3"; then
        ok "$1 ($(wc -l < "$3") lines, from \"$(head -1 "$3")\")"
    else
        not_ok "$1"
        diff <(tail -n "$(wc -l < "$3")" "$2") "$3" | head -20 | diag
        head -5 "$3.err" | diag
    fi
}

# ---- deterministic time ----
run virt-2x2 "$T/det-full" $DET
ok_if_passed "deterministic time: the guest on 2x2" $? "$T/det-full" "$T/det-full.err"
# shellcheck disable=SC2086
run virt-2x2 "$T/det-saving" $DET --snapshot-at "400000000:$T/det.snap"
check_same "saving at 400 ms changes nothing the guest prints" "$T/det-full" "$T/det-saving"
for layout in virt-1x4 virt-2x2 virt-4x1; do
    # shellcheck disable=SC2086
    run $layout "$T/det-$layout" $DET --restore "$T/det.snap"
    the_rest "restored on $layout, it prints exactly the rest of the run" "$T/det-full" \
        "$T/det-$layout"
done

timeout 30 "$SHOAL" snapshot-info "$T/det.snap" > "$T/info" 2>&1
# The first quantum that begins at 400 ms or after (idle stretches skip some).
begins=$(sed -n 's/^time: deterministic, quantum [0-9]* (10000 ns each) begins at \([0-9]*\) ns$/\1/p' \
    "$T/info")
if [ -n "$begins" ] && [ "$begins" -ge 400000000 ] &&
    [ "$(grep -c '^[0-3] *0x0000000080' "$T/info")" = 4 ] &&
    grep -q 'checked (RAM included)' "$T/info"; then
    ok "snapshot-info: the deterministic snapshot's quantum (at $begins ns) and its 4 harts' pcs"
else
    not_ok "snapshot-info on the deterministic snapshot"
    diag < "$T/info"
fi

# ---- host time, through the monitor ----
run virt-2x2 "$T/full"
ok_if_passed "host time: the guest on 2x2" $? "$T/full" "$T/full.err"
SOCK="$T/mon.sock"
M() { timeout 60 "$SHOAL" monitor "$SOCK" "$@"; }
"$SHOAL" run "$C/virt-2x2.conf" --kernel "$G/snapshot.elf" --monitor "unix:$SOCK" \
    > "$T/saving" 2> "$T/saving.err" < /dev/null &
SPID=$!
wait_socket "$SOCK"
for _ in $(seq 200); do grep -q "^round 8 " "$T/saving" && break; sleep 0.05; done
M snapshot save "$T/host.snap" > "$T/save" 2>&1
rc=$?
if [ $rc = 0 ] && grep -q '^file-bytes: ' "$T/save" && [ -s "$T/host.snap" ]; then
    ok "snapshot-save on a running 2x2 machine"
    echo "# 128 MiB of RAM: $(grep -E '^(file|data)-bytes|^save-us' "$T/save" | tr '\n' ' ')"
    echo "# on disk: $(du -k "$T/host.snap" | cut -f1) KiB"
else
    not_ok "snapshot-save on a running 2x2 machine (exit $rc)"
    diag < "$T/save"
fi
wait_pid "$SPID" 60
check_same "the machine ran on after the save, printing what an unsaved run prints" "$T/full" \
    "$T/saving"
for layout in virt-4x1 virt-1x4; do
    run $layout "$T/host-$layout" --restore "$T/host.snap"
    the_rest "restored on $layout in host time, it finishes as the run did" "$T/full" \
        "$T/host-$layout"
done

# A paused machine is saved as it stands and stays paused.
rm -f "$SOCK"
"$SHOAL" run "$C/virt-4x1.conf" --kernel "$G/snapshot.elf" --monitor "unix:$SOCK" --paused \
    > "$T/paused" 2> "$T/paused.err" < /dev/null &
SPID=$!
wait_socket "$SOCK"
M snapshot save "$T/paused.snap" > "$T/save2" 2>&1
if [ $? = 0 ] && M status | grep -qx "status: paused"; then
    ok "snapshot-save on a paused machine: it stays paused"
else
    not_ok "snapshot-save on a paused machine: it stays paused"
    diag < "$T/save2"
fi
M snapshot save /nonexistent/dir/x.snap > "$T/save3" 2>&1
rc=$?
if [ $rc != 0 ] && grep -q "/nonexistent/dir" "$T/save3" && M status | grep -qx "status: paused"; then
    ok "a file that cannot be written is an error naming it; the machine is unharmed"
else
    not_ok "an unwritable snapshot path (exit $rc)"
    diag < "$T/save3"
fi
M resume > /dev/null
wait_pid "$SPID" 60
ok_if_passed "resumed after both, the guest passes" "$WAIT_RC" "$T/paused" "$T/paused.err"

# ---- bad input: exit 2 and one line, before anything starts ----
# bad DESCRIPTION PATTERN ARGS...: shoal run ARGS exits 2 saying PATTERN.
bad() {
    local d=$1 p=$2
    shift 2
    timeout 30 "$SHOAL" run "$@" > "$T/bad.out" 2> "$T/bad.err" < /dev/null
    local rc=$?
    if [ $rc = 2 ] && grep -q -- "$p" "$T/bad.err"; then
        ok "$d"
    else
        not_ok "$d (exit $rc)"
        diag < "$T/bad.err"
    fi
}
head -c 100000 "$T/det.snap" > "$T/short.snap"
bad "a truncated file" "truncated" "$C/virt-2x2.conf" --kernel "$G/snapshot.elf" \
    --restore "$T/short.snap"
bad "a file that is no snapshot" "not a shoal snapshot" "$C/virt-2x2.conf" \
    --kernel "$G/snapshot.elf" --restore "$C/virt-2x2.conf"
bad "another board's snapshot" "it has 4 harts, the config 1" "$C/virt.conf" \
    --kernel "$G/snapshot.elf" --restore "$T/host.snap"
timeout 30 "$SHOAL" snapshot-info "$T/short.snap" > "$T/info2" 2>&1
rc=$?
if [ $rc = 2 ] && grep -q "truncated" "$T/info2"; then
    ok "snapshot-info on a truncated file: exit 2, truncated"
else
    not_ok "snapshot-info on a truncated file (exit $rc)"
    diag < "$T/info2"
fi
bad "--snapshot-at needs deterministic time" "needs deterministic time" "$C/virt-2x2.conf" \
    --kernel "$G/snapshot.elf" --snapshot-at "1000:$T/x.snap"
exit 0
