#!/bin/bash
# SPDX-License-Identifier: MIT
# The monitor (--monitor unix:PATH, docs/monitor.md) through `shoal monitor`
# on a machine spread over two cpu-nodes (virt-2x2) whose four harts spin at
# 0x80000000: status, pause (with its latency, which goes to the log as a
# diag line), every hart stopped where it spins, resume, bad input (not
# JSON, no such command, a line over 64 KiB, a client that vanishes) that
# gets an error and leaves the monitor working, and quit ending the run with
# nothing left. info pages counts the directory's pages; system_reset power-cycles a running and a paused machine
# (the guest starts again: its banner twice, three times). Then gdb and the monitor on one machine: gdb attached owns
# resuming (the monitor's resume is refused), and a monitor pause while gdb
# waits in `continue` is a SIGINT stop to gdb.
. "$(dirname "$0")/lib.sh"

T=$TEST_TMP
N_GDB=5
echo "1..$((23 + N_GDB))"
CONF="$SHOAL_SRCDIR/configs/virt-2x2.conf"
SPIN="$T/spin.elf"
if ! build_spin "$SPIN"; then
    for _ in $(seq $((23 + N_GDB))); do
        skip "no riscv64-unknown-elf-gcc to build the spinning guest"
    done
    exit 0
fi

# M ARGS...: `shoal monitor` on this machine's socket ($SOCK).
M() { timeout 60 "$SHOAL" monitor "$SOCK" "$@"; }
# has FILE PATTERN...: FILE holds a line matching each PATTERN.
has() {
    local f=$1 p
    shift
    for p in "$@"; do grep -q -- "$p" "$f" || return 1; done
}
# status_is STATUS: query-status answers it.
status_is() { M status | grep -qx "status: $1"; }
# ok_has DESCRIPTION FILE PATTERN...: the check, and FILE in the log if it fails.
ok_has() {
    local d=$1
    shift
    if has "$@"; then ok "$d"; else not_ok "$d"; diag < "$1"; fi
}

SOCK="$T/mon.sock"
"$SHOAL" run "$CONF" --kernel "$SPIN" --monitor "unix:$SOCK" > "$T/out" 2> "$T/err" < /dev/null &
SPID=$!
private_socket() { wait_socket "$SOCK" && [ "$(stat -c %a "$SOCK")" = 600 ]; }
check "shoal listens on the monitor's socket, mode 0600" private_socket

M query-status > "$T/status1" 2>&1
ok_has "query-status: running" "$T/status1" '^status: running$'

M pause > "$T/pause" 2>&1
rc=$?
lat=$(sed -n 's/^latency-us: \([0-9]\+\)$/\1/p' "$T/pause")
if [ "$rc" = 0 ] && has "$T/pause" '^status: paused$' '^nodes: 2$' && [ -n "$lat" ]; then
    ok "pause: every hart of both nodes stopped, in $lat us"
    echo "# pause latency, virt-2x2 (2 nodes, 4 harts), first pause: $lat us"
else
    not_ok "pause: every hart of both nodes stopped, with the latency (exit $rc)"
    diag < "$T/pause"
fi

M info harts > "$T/harts" 2>&1
awk '{ print $1, $2, $3, $4, $5 }' "$T/harts" > "$T/harts.cols"
cat > "$T/harts.want" <<EOF
hart node state pc priv
0 0 stopped 0x80000000 M
1 0 stopped 0x80000000 M
2 1 stopped 0x80000000 M
3 1 stopped 0x80000000 M
EOF
check_same "info harts: 4 harts on nodes 0,0,1,1, stopped at pc 0x80000000 in M-mode" \
    "$T/harts.want" "$T/harts.cols"

M --json query-status > "$T/json" 2>&1
check "--json: the answer as it came" \
    grep -qx '{"return": {"status": "paused", "gdb": false}}' "$T/json"

M resume > "$T/resume" 2>&1
ok_has "resume: running" "$T/resume" '^status: running$'
M status > "$T/status2" 2>&1
ok_has "query-status: running again" "$T/status2" '^status: running$'
M info harts > "$T/harts2" 2>&1
all_running() { [ "$(grep -c " running$" "$T/harts2")" = 4 ] && ! grep -q 0x "$T/harts2"; }
check "info harts while running: 4 harts running, no pc" all_running

# Bad input on one connection, a good request after each: still answered.
printf '%s\n' '{"execute": ' query-status '{"execute": "frob", "id": 7}' '[1, 2]' \
    '{"execute": "pause", "arguments": {"x": 1}}' stats > "$T/bad.in"
M < "$T/bad.in" > "$T/bad" 2>&1
ok_has "a line that is no JSON: an error object (ParseError), then the next is answered" \
    "$T/bad" '(ParseError)$' '^status: running$'
ok_has "no such command, no object, arguments: CommandNotFound, InvalidRequest, InvalidArguments" \
    "$T/bad" 'no command "frob".*(CommandNotFound)$' '(InvalidRequest)$' '(InvalidArguments)$' \
    '^harts: 4$'
M --json < <(echo '{"execute": "query-status", "id": {"n": [1]}}') > "$T/id" 2>&1
check "the request's id comes back with the answer" grep -q '"id": {"n": \[1\]}}$' "$T/id"
M frob > "$T/frob.out" 2> "$T/frob.err"
rc=$?
error_on_stderr() { grep -q CommandNotFound "$T/frob.err" && [ ! -s "$T/frob.out" ]; }
check "shoal monitor: an error answer is exit 1, on stderr (exit $rc)" \
    eval "[ $rc = 1 ] && error_on_stderr"

{
    head -c 70000 /dev/zero | tr '\0' x
    echo
    echo query-status
} > "$T/long.in"
M < "$T/long.in" > "$T/long" 2>&1
ok_has "a line over 64 KiB: LineTooLong, and that connection closes" "$T/long" \
    '(LineTooLong)$' 'closed the connection'
check "the next client is served" status_is running

# A client that vanishes: killed while connected, its stdin still open.
mkfifo "$T/fifo"
"$SHOAL" monitor "$SOCK" < "$T/fifo" > /dev/null 2>&1 &
VPID=$!
exec 3> "$T/fifo"
echo stats >&3
sleep 0.3
{
    kill -KILL "$VPID"
    wait "$VPID"
} 2> /dev/null # bash's "Killed" notice
exec 3>&-
check "a client that vanishes: the monitor serves the next" status_is running

# Pause latency samples: five more pauses, as stats sums them up.
for _ in 1 2 3 4 5; do M pause > /dev/null && M resume > /dev/null; done
M stats > "$T/stats" 2>&1
ok_has "stats: 6 pauses, 6 resumes, 4 harts on 2 nodes, the pause latency" "$T/stats" \
    '^pauses: 6$' '^resumes: 6$' '^harts: 4$' '^nodes: 2$' '^pause-latency-us.max: [0-9]'
echo "# pause latency, virt-2x2, 6 pauses (us):" \
    "$(sed -n 's/^pause-latency-us\.//p' "$T/stats" | tr '\n' ' ')"

M quit > "$T/quit" 2>&1
ok_has "quit: answered" "$T/quit" '^ok$'
wait_pid "$SPID" 30
check "quit ends the run as a SIGTERM would (exit 143, got $WAIT_RC)" test "$WAIT_RC" = 143
nothing_left() { no_leftovers && [ ! -e "$SOCK" ]; }
check "no process, no run dir, no monitor socket left" nothing_left

# system_reset: the guest (build/tests/guest/spin.elf says a line, then
# spins) starts again from a running machine and from a paused one.
SOCK="$T/mon-reset.sock"
"$SHOAL" run "$CONF" --kernel "$SHOAL_BUILDDIR/tests/guest/spin.elf" --monitor "unix:$SOCK" \
    > "$T/out-reset" 2> "$T/err-reset" < /dev/null &
SPID=$!
# banners N: waits up to 10 s for the guest's Nth start
banners() {
    for _ in $(seq 100); do
        [ "$(grep -c '^spin: looping forever$' "$T/out-reset")" -ge "$1" ] && return 0
        sleep 0.1
    done
    return 1
}
wait_socket "$SOCK" && banners 1
M info pages > "$T/pages" 2>&1
ok_has "info pages: 128 MiB of pages, the guest's held Modified by a node, both nodes listed" \
    "$T/pages" '^pages: 32768$' '^modified: [1-9]' '^nodes: \[{"node": 0, .*"modified": [1-9]' \
    '{"node": 1,'
M system_reset > "$T/reset1" 2>&1
check "system_reset on a running machine: the guest starts again" banners 2
M pause > /dev/null 2>&1
M reset > "$T/reset2" 2>&1
M query-status > "$T/reset-status" 2>&1
if banners 3 && has "$T/reset-status" '^status: running$'; then
    ok "reset on a paused machine: the guest starts again, the machine runs"
else
    not_ok "reset on a paused machine: the guest starts again, the machine runs"
    diag < "$T/reset2"
    diag < "$T/reset-status"
    diag < "$T/out-reset"
fi
M quit > /dev/null 2>&1
wait_pid "$SPID" 30
check "quit after resets: exit 143, nothing left (got $WAIT_RC)" \
    test "$WAIT_RC" = 143 -a -z "$(tagged_pids)"

# gdb and the monitor on one machine.
if ! command -v gdb-multiarch > /dev/null; then
    for _ in $(seq $N_GDB); do skip "no gdb-multiarch (apt-get install gdb-multiarch)"; done
    exit 0
fi
SOCK="$T/mon2.sock"
"$SHOAL" run "$CONF" --kernel "$SPIN" --monitor "unix:$SOCK" --gdb "unix:$T/gdb.sock" \
    > "$T/out2" 2> "$T/err2" < /dev/null &
SPID=$!
wait_socket "$SOCK"
wait_socket "$T/gdb.sock"
# gdb attaches (the machine stops for it), asks the monitor from its
# prompt, then continues until the monitor pauses the machine.
timeout 60 gdb-multiarch -batch -nx -ex "target remote $T/gdb.sock" \
    -ex "shell timeout 30 $SHOAL monitor $SOCK status > $T/g-status 2>&1" \
    -ex "shell timeout 30 $SHOAL monitor $SOCK resume > $T/g-resume 2>&1" \
    -ex continue -ex 'print/x $pc' -ex detach > "$T/gdb.out" 2>&1 &
GPID=$!
running=
for _ in $(seq 100); do
    M status > "$T/g-status2" 2>&1
    if has "$T/g-status2" '^status: running$' '^gdb: true$'; then
        running=1
        break
    fi
    sleep 0.1
done
M pause > "$T/g-pause" 2>&1
wait_pid "$GPID" 60
ok_has "gdb attached: the monitor sees the machine paused for it" "$T/g-status" \
    '^status: paused$' '^gdb: true$'
ok_has "gdb attached: the monitor's resume is refused (GdbAttached)" "$T/g-resume" \
    '(GdbAttached)$'
check "gdb continues: the monitor sees the machine running" test -n "$running"
if has "$T/gdb.out" 'received signal SIGINT' '^\$1 = 0x80000000$' &&
    has "$T/g-pause" '^latency-us: [0-9]'; then
    ok "the monitor's pause is a SIGINT stop to gdb, which reads pc 0x80000000"
else
    not_ok "the monitor's pause is a SIGINT stop to gdb, which reads pc 0x80000000"
    diag < "$T/gdb.out"
    diag < "$T/g-pause"
fi
M status > "$T/g-status3" 2>&1
M quit > /dev/null 2>&1
wait_pid "$SPID" 30
if has "$T/g-status3" '^status: running$' '^gdb: false$' && [ "$WAIT_RC" = 143 ] &&
    no_leftovers; then
    ok "gdb detached: the machine runs; quit ends it, nothing left"
else
    not_ok "gdb detached: the machine runs; quit ends it, nothing left (exit $WAIT_RC)"
    diag < "$T/g-status3"
fi
