#!/bin/bash
# SPDX-License-Identifier: MIT
# Linux as users boot it on QEMU's virt board: Debian's OpenSBI fw_jump,
# our test kernel and initramfs (tests/linux/build.sh, cached), --initrd
# and --append. On every layout of the board (one hart, 1x4, 2x2, 4x1) the
# kernel must reach our /init, /init's results must equal QEMU's with as
# many harts, the kernel must power off (exit 0) and its log must hold no
# stall, lockup, BUG or Oops. Then a reboot asked from userspace on 2x2
# power-cycles the machine back through the firmware to a second boot, and
# gdb stops the kernel on 2x2 at `schedule` (S-mode, its text read through
# the page tables), holds it 3 s, and lets it boot on to power-off with no
# stall (time stops while gdb holds the machine). Last, the monitor saves
# a snapshot of the kernel on 2x2 once /init runs, and the snapshot restored
# on 4x1 finishes /init with QEMU's results and powers off.
# SHOAL_LINUX_CONFIGS picks the layouts (the sanitizer builds run fewer).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/linux-lib.sh"

ALL_CONFIGS="virt virt-1x4 virt-2x2 virt-4x1"
case ${SHOAL_SANITIZERS:-no} in
no | "") ;;
*) ALL_CONFIGS="virt-1x4 virt-2x2" ;; # several times slower: one layout per kind
esac
CONFIGS=${SHOAL_LINUX_CONFIGS:-$ALL_CONFIGS}
APPEND="console=ttyS0 panic=-1"
PER_CONFIG=4
N_CONFIGS=$(echo $CONFIGS | wc -w)
TOTAL=$((PER_CONFIG * N_CONFIGS + 5))
echo "1..$TOTAL"
linux_guest

for c in $CONFIGS; do
    n=$(harts_of "$c")
    qemu_ref "$n" "$APPEND"
    shoal_run "$c" "$APPEND"
    ended_with "$c" "Linux boots to /init and powers off" 'reboot: Power down'
    check "$c: /init ran its checks (started, checksum, poweroff)" \
        grep -q '^init: checksum' "$TEST_TMP/$c.init"
    if ! check_same "$c: /init prints what it prints on QEMU -smp $n" "$TEST_TMP/qemu-$n" \
        "$TEST_TMP/$c.init"; then
        # The console as it came, bytes made visible: a line lost, mangled or
        # broken by another writer shows here.
        sed -n '/Run \/init/,$p' "$TEST_TMP/$c.log" | head -n 30 | cat -A | diag
    fi
    no_trouble_ok "$c: no stall, lockup, BUG or Oops in the kernel log" "$TEST_TMP/$c.log"
done

# A snapshot of the kernel on 2x2, paused once /init has started, and the
# snapshot restored on 4x1: what /init printed before and after together
# is QEMU's, and the restored kernel powers off clean. The console's bytes
# up to the save are in the first run's output, the rest in the second's.
snapshot_test() {
    local sock="$TEST_TMP/linux-mon.sock" snap="$TEST_TMP/linux.snap" spid
    qemu_ref 4 "$APPEND"
    "$SHOAL" run "$SHOAL_SRCDIR/configs/virt-2x2.conf" --bios "$BIOS" --kernel "$KERNEL" \
        --initrd "$INITRD" --append "$APPEND" --monitor "unix:$sock" \
        > "$TEST_TMP/saved.out" 2> "$TEST_TMP/saved.err" </dev/null &
    SPID=$!
    spid=$SPID
    wait_socket "$sock"
    for _ in $(seq $((RUN_TIMEOUT * 10))); do
        grep -aq '^init: started' "$TEST_TMP/saved.out" && break
        kill -0 "$spid" 2>/dev/null || break
        sleep 0.1
    done
    timeout 60 "$SHOAL" monitor "$sock" pause > /dev/null 2>&1
    timeout 300 "$SHOAL" monitor "$sock" snapshot save "$snap" > "$TEST_TMP/linux-save" 2>&1
    local saved=$?
    timeout 60 "$SHOAL" monitor "$sock" quit > /dev/null 2>&1
    wait_pid "$spid" 30
    if [ $saved = 0 ] && grep -aq '^init: started' "$TEST_TMP/saved.out"; then
        ok "virt-2x2: the monitor saves Linux once /init runs"
        echo "# Linux snapshot, 128 MiB: $(grep -E '^(file|data)-bytes|^save-us' \
            "$TEST_TMP/linux-save" | tr '\n' ' ')($(du -k "$snap" | cut -f1) KiB on disk)"
    else
        not_ok "virt-2x2: the monitor saves Linux once /init runs"
        diag < "$TEST_TMP/linux-save"
        tail -n 20 "$TEST_TMP/saved.err" | diag
    fi
    "$SHOAL" run "$SHOAL_SRCDIR/configs/virt-4x1.conf" --bios "$BIOS" --kernel "$KERNEL" \
        --initrd "$INITRD" --append "$APPEND" --restore "$snap" \
        > "$TEST_TMP/restored.out" 2> "$TEST_TMP/restored.err" </dev/null &
    wait_pid $! "$RUN_TIMEOUT"
    cat "$TEST_TMP/saved.out" "$TEST_TMP/restored.out" > "$TEST_TMP/snap-both.log"
    init_lines "$TEST_TMP/snap-both.log" > "$TEST_TMP/snap-both.init"
    if [ "$WAIT_RC" = 0 ] && cmp -s "$TEST_TMP/qemu-4" "$TEST_TMP/snap-both.init" &&
        grep -aq '^init: checksum' "$TEST_TMP/restored.out" &&
        grep -aq 'reboot: Power down' "$TEST_TMP/restored.out" &&
        no_trouble "$TEST_TMP/restored.out" >/dev/null; then
        ok "virt-4x1 from the 2x2 snapshot: /init finishes as on QEMU, Linux powers off clean"
    else
        not_ok "virt-4x1 from the 2x2 snapshot: /init finishes as on QEMU, Linux powers off (exit $WAIT_RC)"
        diff "$TEST_TMP/qemu-4" "$TEST_TMP/snap-both.init" | diag
        tail -n 20 "$TEST_TMP/restored.out" | diag
        tail -n 10 "$TEST_TMP/restored.err" | diag
    fi
}

# reboot(2) from userspace: OpenSBI's SRST reset power-cycles the machine
# (every node's harts, RAM and images, devices) back to the firmware's
# banner, as QEMU without -no-reboot; the second boot is cut short.
qemu_ref 4 "$APPEND shoal_after=reboot" reboot
LOG="$TEST_TMP/reboot.log"
"$SHOAL" run "$SHOAL_SRCDIR/configs/virt-2x2.conf" --bios "$BIOS" --kernel "$KERNEL" \
    --initrd "$INITRD" --append "$APPEND shoal_after=reboot" > "$LOG" 2>&1 </dev/null &
SPID=$!
for _ in $(seq $((RUN_TIMEOUT * 10))); do
    [ "$(grep -ac '^OpenSBI v' "$LOG")" -ge 2 ] && grep -aq 'Linux version' <(sed '1,/Restarting system/d' "$LOG") && break
    kill -0 "$SPID" 2>/dev/null || break
    sleep 0.1
done
kill -TERM "$SPID" 2>/dev/null
wait_pid "$SPID" 20
if grep -aq 'Linux version' <(sed '1,/Restarting system/d' "$LOG"); then
    ok "virt-2x2: reboot from userspace comes back through OpenSBI to a new kernel boot"
else
    not_ok "virt-2x2: reboot from userspace comes back through OpenSBI to a new kernel boot"
    tail -n 30 "$LOG" | diag
fi
sed '/Restarting system/q' "$LOG" > "$TEST_TMP/virt-2x2-first.log"
init_lines "$TEST_TMP/virt-2x2-first.log" > "$TEST_TMP/virt-2x2.init"
check_same "virt-2x2: /init before the reboot prints what it prints on QEMU" \
    "$TEST_TMP/qemu-4-reboot" "$TEST_TMP/virt-2x2.init"
snapshot_test
# gdb on the kernel: a breakpoint by System.map address (no vmlinux kept).
if ! command -v gdb-multiarch >/dev/null; then
    skip "no gdb-multiarch (apt-get install gdb-multiarch)"
    exit 0
fi
SCHED=$(awk '$3 == "schedule" { print $1 }' "$SYSTEM_MAP")
LOG="$TEST_TMP/gdb-linux.log"
"$SHOAL" run "$SHOAL_SRCDIR/configs/virt-2x2.conf" --bios "$BIOS" --kernel "$KERNEL" \
    --initrd "$INITRD" --append "$APPEND" --gdb "unix:$TEST_TMP/linux-gdb.sock" -S \
    > "$LOG" 2>&1 </dev/null &
SPID=$!
wait_socket "$TEST_TMP/linux-gdb.sock"
timeout "$RUN_TIMEOUT" gdb-multiarch -batch -nx -ex 'set architecture riscv:rv64' \
    -ex "target remote $TEST_TMP/linux-gdb.sock" -ex "break *0x$SCHED" -ex continue \
    -ex 'p $priv' -ex 'x/i $pc' -ex 'shell sleep 3' -ex delete -ex continue \
    > "$TEST_TMP/gdb-linux.out" 2>&1
wait_pid "$SPID" "$RUN_TIMEOUT"
if grep -q "hit Breakpoint 1, 0x0*$SCHED" "$TEST_TMP/gdb-linux.out" &&
    grep -q '^\$1 = 1$' "$TEST_TMP/gdb-linux.out" &&
    grep -q "^=> 0x0*$SCHED:" "$TEST_TMP/gdb-linux.out" &&
    grep -q 'exited normally' "$TEST_TMP/gdb-linux.out" && [ "$WAIT_RC" = 0 ] &&
    grep -aq 'reboot: Power down' "$LOG" && no_trouble "$LOG" >/dev/null; then
    ok "virt-2x2: gdb stops Linux at schedule in S-mode, holds it 3 s, it powers off clean"
else
    not_ok "virt-2x2: gdb stops Linux at schedule in S-mode, holds it 3 s, it powers off clean (exit $WAIT_RC)"
    diag < "$TEST_TMP/gdb-linux.out"
    tail -n 20 "$LOG" | diag
fi
exit 0
