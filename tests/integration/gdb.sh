#!/bin/bash
# SPDX-License-Identifier: MIT
# gdb-multiarch against a machine spread over two cpu-nodes (virt-2x2),
# started with its harts stopped (--gdb unix:PATH -S): every hart is a
# thread; a breakpoint in a function that only the hart on node 1 runs
# stops there (all-stop: every hart of both nodes stopped); registers,
# stepping, memory read and written through the directory (the exit code
# the guest returns is a variable gdb changes), a watchpoint on a variable
# the hart on node 0 writes, time that stops while gdb holds the machine,
# and continuing to the guest's exit status. Then a second gdb attaches to a machine that runs,
# halts it, and detaches: the guest finishes on its own.
. "$(dirname "$0")/lib.sh"

T=$TEST_TMP
echo "1..14"
GUEST="$SHOAL_BUILDDIR/tests/guest/gdb-target.elf"
CONF="$SHOAL_SRCDIR/configs/virt-2x2.conf"
skip_all() {
    for _ in $(seq 14); do skip "$1"; done
    exit 0
}
command -v gdb-multiarch > /dev/null || skip_all "no gdb-multiarch (apt-get install gdb-multiarch)"
[ -f "$GUEST" ] || skip_all "no gdb-target.elf (no riscv64-unknown-elf-gcc)"

"$SHOAL" run "$CONF" --kernel "$GUEST" --gdb "unix:$T/gdb.sock" -S \
    > "$T/out" 2> "$T/err" < /dev/null &
SPID=$!
check "shoal listens for gdb, harts stopped" wait_socket "$T/gdb.sock"
sleep 1
check "no guest output before gdb lets the harts run" test ! -s "$T/out"

cat > "$T/session.gdb" <<GDB
set pagination off
set confirm off
target remote $T/gdb.sock
info threads
break far_work
continue
echo STOPPED-THREAD:\n
thread
print/x \$pc
print far_calls
print round
stepi
echo AFTER-STEPI:\n
print/x \$pc
print exit_status
set var exit_status = 0
print shared
delete
watch shared
continue
echo WATCH-THREAD:\n
thread
delete
print \$time
shell sleep 2
stepi
print \$time
continue
GDB
timeout 120 gdb-multiarch -batch -nx -x "$T/session.gdb" "$GUEST" > "$T/gdb.out" 2>&1
grep -c '^[ *] *[0-9]\+ *Thread' "$T/gdb.out" > "$T/threads"
check "gdb sees 4 threads (harts on both nodes)" test "$(cat "$T/threads")" = 4
if grep -q "Thread 4 .*hit Breakpoint 1, far_work (round=\(round@entry=\)\?0)" "$T/gdb.out"; then
    ok "the breakpoint stops hart 3 (node 1) in far_work(round=0)"
else
    not_ok "the breakpoint stops hart 3 (node 1) in far_work(round=0)"
    diag < "$T/gdb.out"
fi
far=$(nm "$GUEST" | awk '$3 == "far_work" { print $1 }')
if grep -q "^\$1 = 0x0*${far#"${far%%[!0]*}"}\$" "$T/gdb.out"; then
    ok "pc is far_work's address (0x$far)"
else
    not_ok "pc is far_work's address (0x$far)"
    diag < "$T/gdb.out"
fi
check "memory read through the directory: far_calls = 0, round = 0" \
    grep -q '^\$2 = 0$' "$T/gdb.out"
if sed -n '/AFTER-STEPI/,$p' "$T/gdb.out" | grep -q '^\$4 = 0x'; then
    pc2=$(sed -n 's/^\$4 = 0x0*//p' "$T/gdb.out")
    check "stepi moves pc by one instruction (0x$pc2)" \
        test "$((0x$pc2 - 0x$far))" -ge 2 -a "$((0x$pc2 - 0x$far))" -le 4
else
    not_ok "stepi moves pc by one instruction"
    diag < "$T/gdb.out"
fi
check "the exit code variable read as 3" grep -q '^\$5 = 3$' "$T/gdb.out"
if grep -A3 "watchpoint 2: shared" "$T/gdb.out" | grep -q "New value = 1" &&
    sed -n '/WATCH-THREAD/,$p' "$T/gdb.out" | grep -q "Current thread is 1 "; then
    ok "a watchpoint on shared stops hart 0 (node 0) at its first write"
else
    not_ok "a watchpoint on shared stops hart 0 (node 0) at its first write"
    diag < "$T/gdb.out"
fi
t1=$(sed -n 's/^\$7 = //p' "$T/gdb.out")
t2=$(sed -n 's/^\$8 = //p' "$T/gdb.out")
if [ -n "$t1" ] && [ -n "$t2" ] && [ $((t2 - t1)) -ge 0 ] && [ $((t2 - t1)) -lt 10000000 ]; then
    ok "time stops while gdb holds the machine (mtime +$((t2 - t1)) ticks over a 2 s halt)"
else
    not_ok "time stops while gdb holds the machine (time $t1 -> $t2, 10 MHz)"
    diag < "$T/gdb.out"
fi
if grep -q "exited normally" "$T/gdb.out"; then
    ok "continuing runs the guest to exit 0 (the code gdb wrote)"
else
    not_ok "continuing runs the guest to exit 0 (the code gdb wrote)"
    diag < "$T/gdb.out"
fi
wait_pid "$SPID" 60
if [ "$WAIT_RC" = 0 ] && grep -q "far_work ran 5 times" "$T/out"; then
    ok "shoal exits 0 with the guest's output"
else
    not_ok "shoal exits 0 with the guest's output (exit $WAIT_RC)"
    diag < "$T/out"
    head -20 "$T/err" | diag
fi

# Attach to a running machine (a guest that spins), halt it, detach.
SPIN="$T/spin.elf"
build_spin "$SPIN"
"$SHOAL" run "$CONF" --kernel "$SPIN" --gdb "unix:$T/gdb2.sock" \
    > "$T/out2" 2> "$T/err2" < /dev/null &
SPID=$!
wait_socket "$T/gdb2.sock"
timeout 60 gdb-multiarch -batch -nx -ex "target remote $T/gdb2.sock" -ex 'print/x $pc' \
    -ex 'info threads' -ex detach > "$T/gdb2.out" 2>&1
check "gdb attaches to a running machine, stops it where it spins" \
    grep -q '^\$1 = 0x80000000$' "$T/gdb2.out"
kill -TERM "$SPID"
wait_pid "$SPID" 20

# Detach lets every hart run: a guest started stopped (-S), which gdb only
# looks at, finishes on its own after gdb leaves.
"$SHOAL" run "$CONF" --kernel "$GUEST" --gdb "unix:$T/gdb3.sock" -S \
    > "$T/out3" 2> "$T/err3" < /dev/null &
SPID=$!
wait_socket "$T/gdb3.sock"
timeout 60 gdb-multiarch -batch -nx -ex "target remote $T/gdb3.sock" -ex 'info threads' \
    -ex detach "$GUEST" > "$T/gdb3.out" 2>&1
wait_pid "$SPID" 60
if [ "$WAIT_RC" = 3 ] && grep -q "far_work ran 5 times" "$T/out3"; then
    ok "after detach the machine runs on: the guest finishes (its exit code 3)"
else
    not_ok "after detach the machine runs on: the guest finishes (exit $WAIT_RC)"
    diag < "$T/gdb3.out"
    diag < "$T/out3"
fi
