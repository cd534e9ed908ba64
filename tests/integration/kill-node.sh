#!/bin/bash
# SPDX-License-Identifier: MIT
# A machine whose guest spins forever loses its cpu-node (SIGKILL): shoal
# must exit non-zero naming the node, leaving no process and no socket.
# Then the same machine is stopped with SIGTERM / SIGINT to the launcher:
# exit 143 / 130, same clean teardown. Last, the launcher itself is
# SIGKILLed: its children die with it, and the run directory it could not
# remove is removed by the next run. And a memory server that dies before
# it answers the console is reported at once, not after the Hello's wait.
. "$(dirname "$0")/lib.sh"

T=$TEST_TMP
echo "1..17"

SPIN="$SHOAL_BUILDDIR/tests/guest/spin.elf"
if [ ! -f "$SPIN" ]; then
    SPIN="$T/spin.elf"
    if ! build_spin "$SPIN"; then
        for _ in $(seq 17); do skip "no spin.elf and no riscv64-unknown-elf-gcc"; done
        exit 0
    fi
fi
for p in shoal shoal-memory-server shoal-cpu-node; do
    if [ ! -x "$SHOAL_BUILDDIR/$p" ]; then
        for _ in $(seq 17); do skip "$p not built"; done
        exit 0
    fi
done

# Starts the spinning machine in the background; sets SPID and NODE (the
# cpu-node's pid) once it runs, or returns 1.
start_machine() {
    "$SHOAL" run "$VIRT" --kernel "$SPIN" > "$T/out" 2> "$T/err" < /dev/null &
    SPID=$!
    NODE=
    for _ in $(seq 100); do
        NODE=$(children_named "$SPID" shoal-cpu-node)
        # the node is up and the console connected once a socket exists
        if [ -n "$NODE" ] && [ -n "$(find "$XDG_RUNTIME_DIR" -type s 2>/dev/null)" ]; then
            sleep 0.5 # let the guest start spinning
            kill -0 "$SPID" 2>/dev/null && return 0
            return 1
        fi
        kill -0 "$SPID" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# 1-4: SIGKILL the cpu-node.
if start_machine; then
    ok "machine started (launcher $SPID, cpu-node $NODE)"
    kill_child_and_check "$NODE" "the cpu-node" \
        "^shoal: shoal-cpu-node (node 0, pid $NODE) was killed by signal 9"
else
    not_ok "machine started"
    diag < "$T/err"
    for _ in 1 2 3; do skip "machine did not start"; done
fi

# 5-7: SIGTERM to the launcher, 8-10: SIGINT.
for sig in TERM:143 INT:130; do
    name=${sig%:*}
    want=${sig#*:}
    if start_machine; then
        ok "machine started for SIG$name"
        kill -"$name" "$SPID"
        wait_pid "$SPID" 15
        check "SIG$name: shoal exits $want (got $WAIT_RC)" [ "$WAIT_RC" = "$want" ]
        check "SIG$name: no shoal process, no socket, no run dir left" no_leftovers
    else
        not_ok "machine started for SIG$name"
        diag < "$T/err"
        for _ in 1 2; do skip "machine did not start"; done
    fi
    pids=$(tagged_pids)
    [ -n "$pids" ] && kill -KILL $pids 2>/dev/null
done
# 11-14: SIGKILL to the launcher, then a second run.
if start_machine; then
    ok "machine started for the launcher's SIGKILL"
    kill -KILL "$SPID"
    wait "$SPID" 2>/dev/null
    for _ in $(seq 50); do
        [ -z "$(tagged_pids)" ] && break
        sleep 0.1
    done
    check "the launcher's children die with it" [ -z "$(tagged_pids)" ]
    stale=$(ls -A "$XDG_RUNTIME_DIR")
    if start_machine; then
        kill -TERM "$SPID"
        wait_pid "$SPID" 15
    fi
    check "the next run removes the run directory ($stale) the killed launcher left" \
        [ -n "$stale" ] && [ ! -e "$XDG_RUNTIME_DIR/$stale" ]
    check "and leaves nothing of its own" no_leftovers
else
    not_ok "machine started for the launcher's SIGKILL"
    diag < "$T/err"
    for _ in 1 2 3; do skip "machine did not start"; done
fi
pids=$(tagged_pids)
[ -n "$pids" ] && kill -KILL $pids 2>/dev/null

# 15-17: the memory server cannot bind its endpoint and exits.
start=$(date +%s%N)
"$SHOAL" run "$VIRT" --kernel "$SPIN" --set memory-server.endpoint=ipc:///nonexistent-shoal-dir/m.sock \
    > "$T/out" 2> "$T/err" < /dev/null &
SPID=$!
wait_pid "$SPID" 15
took_ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "a memory server dead before it answers: exit 1 well before the 10 s Hello wait (exit $WAIT_RC, $took_ms ms)" \
    [ "$WAIT_RC" = 1 ] && [ "$took_ms" -lt 5000 ]
if grep -q "^shoal: shoal-memory-server (pid [0-9]*) exited with status 2" "$T/err"; then
    ok "the message names the memory server"
else
    not_ok "the message names the memory server"
    diag < "$T/err"
fi
check "no process, no socket, no run dir left after it" no_leftovers
exit 0
