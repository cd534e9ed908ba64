#!/bin/bash
# SPDX-License-Identifier: MIT
# Console flow: a guest writing 40,000 lines as fast as it can into a
# reader that stalls, then reads slowly, gets every byte there, in order,
# and exits 0; the LSR-polling writer sees the transmitter read full (the
# slow reader slows the guest), the writer that never looks is held back by
# its node. Then a reader that never reads: SIGTERM still ends shoal at
# once (143), leaving nothing behind.
. "$(dirname "$0")/lib.sh"

echo "1..8"
FLOOD="$SHOAL_BUILDDIR/tests/guest/flood.elf"
BLIND="$SHOAL_BUILDDIR/tests/guest/flood-blind.elf"
if [ ! -f "$FLOOD" ] || [ ! -f "$BLIND" ]; then
    for _ in $(seq 8); do skip "no $FLOOD or $BLIND"; done
    exit 0
fi
seq 0 39999 | sed 's/^/line /' > "$TEST_TMP/lines"

# slow_reader: stdin to stdout, nothing for the first 6 s, then 4 KiB at a
# time with a pause between. Its pipe holds 4 KiB (F_SETPIPE_SZ), so the
# guest meets the full transmitter within the stall even if a loaded host
# lets it write only 25 KB/s; the stall is what makes that certain.
slow_reader() {
    perl -e 'fcntl(STDIN, 1031, 4096); select(undef, undef, undef, 6);
        while (sysread(STDIN, $b, 4096)) { syswrite(STDOUT, $b); select(undef, undef, undef, 0.005) }'
}

# flood NAME ELF CONFIG LAST: runs ELF into the slow reader; 3 TAP lines
flood() {
    local name=$1 elf=$2 config=$3 last=$4 rc
    "$SHOAL" run "$SHOAL_SRCDIR/configs/$config.conf" --kernel "$elf" </dev/null \
        2>"$TEST_TMP/$name.err" | slow_reader > "$TEST_TMP/$name.out"
    rc=${PIPESTATUS[0]}
    check "$name on $config: exit 0 (got $rc)" test "$rc" = 0
    head -n 40000 "$TEST_TMP/$name.out" > "$TEST_TMP/$name.lines"
    check_same "$name on $config: all 40,000 lines, in order" "$TEST_TMP/lines" \
        "$TEST_TMP/$name.lines"
    if [ "$(sed -n 40001p "$TEST_TMP/$name.out")" = "$last" ] &&
        [ "$(wc -l < "$TEST_TMP/$name.out")" = 40001 ]; then
        ok "$name on $config: then \"$last\""
    else
        not_ok "$name on $config: then \"$last\""
        tail -n 3 "$TEST_TMP/$name.out" | diag
        head -n 5 "$TEST_TMP/$name.err" | diag
    fi
}

flood polling "$FLOOD" virt "flood: the transmitter read full"
flood blind "$BLIND" virt-2x2 "flood: done"

# A reader that never reads: the fifo is held open, never read.
mkfifo "$TEST_TMP/stuck"
exec 4<>"$TEST_TMP/stuck"
"$SHOAL" run "$VIRT" --kernel "$FLOOD" </dev/null >"$TEST_TMP/stuck" 2>"$TEST_TMP/stuck.err" &
SPID=$!
sleep 2
kill -TERM "$SPID"
wait_pid "$SPID" 3
check "SIGTERM ends shoal within 3 s though stdout is full (got $WAIT_RC)" test "$WAIT_RC" = 143
exec 4<&-
check "no process, no socket, no run dir left" no_leftovers
exit 0
