#!/bin/bash
# SPDX-License-Identifier: MIT
# The SystemC bridge end to end (configs/virt-sysc.conf): the DMA engine,
# timer and gpio-line guest tests on both back ends and at several quanta; bad configs
# (a range over RAM or over another device, an unknown time mode, a bridge
# program that does not exist) fail with a precise message; a bridge that
# dies mid-run ends the machine naming it, with nothing left behind. A
# monitor pause of two seconds stops SystemC time with the harts'.
. "$(dirname "$0")/lib.sh"

T=$TEST_TMP
CONF="$SHOAL_SRCDIR/configs/virt-sysc.conf"
G="$SHOAL_BUILDDIR/tests/guest"
N=24
echo "1..$N"
for p in shoal shoal-sysc-bridge; do
    if [ ! -x "$SHOAL_BUILDDIR/$p" ]; then
        for _ in $(seq $N); do skip "$p not built"; done
        exit 0
    fi
done
if [ ! -f "$G/sysc-dma.elf" ] || [ ! -f "$G/spin.elf" ]; then
    for _ in $(seq $N); do skip "guest ELFs not built (no riscv64-unknown-elf-gcc)"; done
    exit 0
fi

# run_guest DESCRIPTION ELF [--set ...]...: exit 0 and a PASS line.
run_guest() {
    local d=$1 elf=$2
    shift 2
    timeout 60 "$SHOAL" run "$CONF" --bios none --kernel "$elf" "$@" > "$T/out" 2> "$T/err" < /dev/null
    ok_if_passed "$d" $? "$T/out" "$T/err"
}

# 1-2: DMA (copy, completion interrupt, code copied for hart 1 on node 1)
run_guest "sysc-dma, interp" "$G/sysc-dma.elf" --set cpu.accel=interp
run_guest "sysc-dma, jit" "$G/sysc-dma.elf" --set cpu.accel=jit
# 3-6: the timer interrupt within its bound, at several quanta
run_guest "sysc-timer, jit, quantum 10 us" "$G/sysc-timer.elf"
run_guest "sysc-timer, interp, quantum 1 us" "$G/sysc-timer.elf" --set cpu.accel=interp \
    --set sysc.quantum-ns=1000
run_guest "sysc-timer, jit, quantum 100 us" "$G/sysc-timer.elf" --set sysc.quantum-ns=100000
run_guest "sysc-timer, jit, quantum 1 ms" "$G/sysc-timer.elf" --set sysc.quantum-ns=1000000

# 7-8: a gpio pin into the timer's pause input
run_guest "sysc-lines, jit" "$G/sysc-lines.elf"
run_guest "sysc-lines, interp, quantum 1 ms" "$G/sysc-lines.elf" --set cpu.accel=interp \
    --set sysc.quantum-ns=1000000

# 9-14: deterministic time: the timer's interrupt within one quantum of
# its compare time, the same guest-visible times run after run and on both
# back ends; DMA (with its code copied for the other node) works there too.
DET="--set sysc.time-mode=deterministic --set sysc.quantum-ns=10000 --set sysc.insn-ns=1"
# shellcheck disable=SC2086
run_guest "sysc-time, deterministic, jit" "$G/sysc-time.elf" $DET
cp "$T/out" "$T/det-first"
# shellcheck disable=SC2086
run_guest "sysc-time, deterministic, jit, again" "$G/sysc-time.elf" $DET
check_same "two deterministic runs print the same times" "$T/det-first" "$T/out"
# shellcheck disable=SC2086
run_guest "sysc-time, deterministic, interp" "$G/sysc-time.elf" $DET --set cpu.accel=interp
check_same "the interpreter prints the JIT's times" "$T/det-first" "$T/out"
# shellcheck disable=SC2086
run_guest "sysc-dma, deterministic" "$G/sysc-dma.elf" $DET

# 15: SystemC time stands still while the monitor holds the machine: the
# timer model's counter and mtime stay together across a 2 s pause.
SOCK="$T/mon.sock"
timeout 60 "$SHOAL" run "$CONF" --bios none --kernel "$G/sysc-held.elf" --monitor "unix:$SOCK" \
    > "$T/out" 2> "$T/err" < /dev/null &
SPID=$!
wait_socket "$SOCK"
sleep 1
timeout 30 "$SHOAL" monitor "$SOCK" pause > /dev/null
sleep 2
timeout 30 "$SHOAL" monitor "$SOCK" resume > /dev/null
wait_pid "$SPID" 60
ok_if_passed "SystemC time holds with the harts through a 2 s pause ($(head -1 "$T/out"))" \
    "$WAIT_RC" "$T/out" "$T/err"

# bad_config DESCRIPTION PATTERN ARGS...: exit 2 with PATTERN on stderr.
bad_config() {
    local d=$1 pattern=$2
    shift 2
    timeout 20 "$SHOAL" run "$CONF" --bios none --kernel "$G/sysc-dma.elf" "$@" \
        > "$T/out" 2> "$T/err" < /dev/null
    local rc=$?
    if [ $rc = 2 ] && grep -q -- "$pattern" "$T/err"; then
        ok "$d"
    else
        not_ok "$d (exit $rc)"
        diag < "$T/err"
    fi
}
# 15-17
bad_config "a sysc range over RAM is refused" "\[device.dma0\] base: .*overlaps RAM" \
    --set device.dma0.base=0x80001000
bad_config "a sysc range over the UART is refused" "overlaps \[device.uart0\]" \
    --set device.timer0.base=0x10000000
bad_config "an unknown time mode is refused" \
    "\[sysc\] time-mode: expected decoupled or deterministic" --set sysc.time-mode=lockstep

# 18-19: a bridge program that cannot run
timeout 20 "$SHOAL" run "$CONF" --bios none --kernel "$G/sysc-dma.elf" \
    --set sysc.program=/nonexistent/bridge > "$T/out" 2> "$T/err" < /dev/null
rc=$?
if [ $rc != 0 ] && [ $rc != 124 ] && grep -q "/nonexistent/bridge" "$T/err"; then
    ok "a missing bridge program is named (exit $rc)"
else
    not_ok "a missing bridge program is named (exit $rc)"
    diag < "$T/err"
fi
check "no process, no socket left" no_leftovers

# 20-23: the bridge dies while the guest runs
"$SHOAL" run "$CONF" --bios none --kernel "$G/spin.elf" > "$T/out" 2> "$T/err" < /dev/null &
SPID=$!
BRIDGE=
for _ in $(seq 100); do
    BRIDGE=$(children_named "$SPID" shoal-sysc-bridge)
    [ -n "$BRIDGE" ] && grep -q . "$T/out" && break
    sleep 0.1
done
if [ -n "$BRIDGE" ]; then
    ok "machine with a bridge started (bridge pid $BRIDGE)"
    kill_child_and_check "$BRIDGE" "the bridge" \
        "shoal-sysc-bridge (pid $BRIDGE) was killed by signal 9"
else
    not_ok "machine with a bridge started"
    diag < "$T/err"
    kill -KILL "$SPID" 2>/dev/null
    for _ in 1 2 3; do skip "machine did not start"; done
fi
