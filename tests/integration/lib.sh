# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# Shared by the integration tests (sourced, not run): TAP output, a private
# temp dir and run-dir root, and a tag in the environment of every process a
# test starts, so leftovers are found by that tag (never by name: other
# shoal machines may run on the same host) and killed on exit.

: "${SHOAL_BUILDDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${SHOAL_SRCDIR:=$(cd "$(dirname "$0")/../.." && pwd)}"
SHOAL="$SHOAL_BUILDDIR/shoal"
VIRT="$SHOAL_SRCDIR/configs/virt.conf"

TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/shoal-itest.XXXXXX")
export XDG_RUNTIME_DIR="$TEST_TMP/xdg"
mkdir -m 0700 "$XDG_RUNTIME_DIR"
export SHOAL_TEST_TAG="itest-$$-$RANDOM$RANDOM"
TAP_N=0

# Pids of every live process carrying this test's tag.
tagged_pids() {
    local env pid st
    # one grep over every environ; -z: entries are NUL-separated
    for env in $(grep -lsxz "SHOAL_TEST_TAG=$SHOAL_TEST_TAG" /proc/[0-9]*/environ); do
        pid=${env#/proc/}
        pid=${pid%/environ}
        [ "$pid" = "$$" ] && continue
        [ "$pid" = "$BASHPID" ] && continue
        # gone since (grep itself), or a zombie its parent will reap: not live
        st=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)
        [ -n "$st" ] && [ "$st" != Z ] && echo "$pid"
    done
}

cleanup() {
    local pids
    pids=$(tagged_pids)
    [ -n "$pids" ] && kill -KILL $pids 2>/dev/null
    rm -rf "$TEST_TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ok() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N - $*"; }
not_ok() { TAP_N=$((TAP_N + 1)); echo "not ok $TAP_N - $*"; }
skip() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N # SKIP $*"; }
diag() { sed 's/^/# /'; }
# ok_if_passed DESCRIPTION RC OUT ERR: a self-checking guest run passed when
# it exited 0 and printed its PASS line; otherwise its output and the start
# of its stderr go to the log.
ok_if_passed() {
    if [ "$2" = 0 ] && grep -q "^PASS" "$3"; then
        ok "$1"
    else
        not_ok "$1 (exit $2)"
        diag < "$3"
        head -20 "$4" | diag
    fi
}

# check_same DESCRIPTION FIRST SECOND: two runs printed the same; the
# difference goes to the log otherwise.
check_same() { # check_same DESCRIPTION EXPECTED GOT: returns 1 when they differ
    if cmp -s "$2" "$3"; then
        ok "$1"
    else
        not_ok "$1"
        diff "$2" "$3" | head -40 | diag
        return 1
    fi
}

check() { # check DESCRIPTION COMMAND...
    local d=$1
    shift
    if "$@"; then ok "$d"; else not_ok "$d"; fi
}

# Waits up to $2 seconds for pid $1 (a child of this shell) to exit; sets
# WAIT_RC to its status, or kills it and sets WAIT_RC=timeout.
wait_pid() {
    local pid=$1 tenths=$(($2 * 10))
    while kill -0 "$pid" 2>/dev/null && [ "$tenths" -gt 0 ]; do
        # a zombie child still answers kill -0: look at its state
        [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ] && break
        sleep 0.1
        tenths=$((tenths - 1))
    done
    if [ "$tenths" -le 0 ]; then
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        WAIT_RC=timeout
        return
    fi
    wait "$pid"
    WAIT_RC=$?
}

# Waits up to 10 s for the unix socket $1 of the machine shoal ($SPID)
# serves (--gdb, --monitor); 1 if shoal ended first.
wait_socket() {
    for _ in $(seq 200); do
        [ -S "$1" ] && return 0
        kill -0 "$SPID" 2> /dev/null || return 1
        sleep 0.05
    done
    return 1
}

# Children of pid $1 whose program is $2 (by argv[0], not by the name
# truncated in /proc/PID/comm).
children_named() {
    local parent=$1 name=$2 stat pid
    for stat in /proc/[0-9]*/stat; do
        pid=${stat#/proc/}
        pid=${pid%/stat}
        [ "$(awk '{print $4}' "$stat" 2>/dev/null)" = "$parent" ] || continue
        case "$({ tr '\0' '\n' < "/proc/$pid/cmdline"; } 2>/dev/null | head -n1)" in
        */"$name" | "$name") echo "$pid" ;;
        esac
    done
}

no_leftovers() {
    [ -z "$(tagged_pids)" ] && [ -z "$(ls -A "$XDG_RUNTIME_DIR")" ]
}

# kill_child_and_check PID WHAT PATTERN: SIGKILLs a process of the running
# machine ($SPID, stderr in $T/err); shoal must then exit non-zero, name it
# on stderr (grep PATTERN) and leave nothing behind. Three TAP lines.
kill_child_and_check() {
    kill -KILL "$1"
    wait_pid "$SPID" 15
    check "shoal exits non-zero (got $WAIT_RC)" test "$WAIT_RC" != 0 -a "$WAIT_RC" != timeout
    if grep -q "$3" "$T/err"; then
        ok "the message names $2 and the signal"
    else
        not_ok "the message names $2 and the signal"
        diag < "$T/err"
    fi
    check "no process, no socket, no run dir left" no_leftovers
}

# A RISC-V ELF that spins forever at $1 (default the start of RAM), built
# with the cross compiler; fails if there is none.
build_spin() {
    local out=$1 addr=${2:-0x80000000} cc
    cc=$(command -v riscv64-unknown-elf-gcc) || return 1
    printf '.globl _start\n_start:\n  j _start\n' > "$TEST_TMP/spin.S"
    # -N: one segment holding just the code (no ELF header paged in below it)
    "$cc" -march=rv64imac -mabi=lp64 -nostdlib -nostartfiles -static -Wl,-N \
        -Wl,-Ttext="$addr" -o "$out" "$TEST_TMP/spin.S" 2>/dev/null
}
