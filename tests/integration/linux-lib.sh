# SPDX-License-Identifier: MIT
# shellcheck shell=bash
# Shared by the tests that boot the Linux test guest (sourced after lib.sh,
# not run): the firmware, QEMU, the guest's build, and one way each to run
# it on QEMU and on shoal, so that a reference and the run it is compared
# with are started alike and time out alike. The sourcing test prints its
# TAP plan and sets TOTAL to it (skip_all skips that many).

BIOS=${SHOAL_OPENSBI:-/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf}
QEMU=${QEMU_RISCV64:-qemu-system-riscv64}
RUN_TIMEOUT=${SHOAL_LINUX_TIMEOUT:-300} # seconds from start to power-off

skip_all() {
    for _ in $(seq "$TOTAL"); do skip "$1"; done
    exit 0
}

# linux_guest: after the plan, sets KERNEL, SYSTEM_MAP and INITRD from
# tests/linux/build.sh; skips every test (and exits) when the firmware,
# QEMU or what the build needs is missing, fails every one when it fails.
linux_guest() {
    local images rc
    [ -r "$BIOS" ] || skip_all "no $BIOS (apt-get install opensbi)"
    command -v "$QEMU" >/dev/null || skip_all "no $QEMU (apt-get install qemu-system-misc)"
    if ! images=$("$SHOAL_SRCDIR/tests/linux/build.sh" 2>"$TEST_TMP/build.err"); then
        rc=$?
        if [ "$rc" = 77 ]; then
            skip_all "$(tail -n1 "$TEST_TMP/build.err")"
        fi
        for _ in $(seq "$TOTAL"); do not_ok "tests/linux/build.sh failed (exit $rc)"; done
        diag < "$TEST_TMP/build.err"
        exit 0
    fi
    eval "$images"
}

harts_of() { # the hart count of configs/$1.conf: virt, or virt-NODESxHARTS
    local shape=${1#virt-}
    case $1 in virt) echo 1 ;; *) echo $(( ${shape%x*} * ${shape#*x} )) ;; esac
}

# /init's lines, whole even where a kernel message cut into one
init_lines() { "$SHOAL_SRCDIR/tests/linux/init-lines" "$1" | grep '^init:'; }

# qemu_ref N APPEND [TAG [QEMU-ARGS...]]: /init's lines on QEMU -smp N
# (with the devices QEMU-ARGS add), into $TEST_TMP/qemu-N[-TAG]; the
# console in the same name's .log, QEMU's exit status in QEMU_RC. A
# reference already made is not made again (QEMU_RC is then 0).
# shellcheck disable=SC2034 # QEMU_RC: read by the tests that source this
qemu_ref() {
    local n=$1 append=$2 out
    out="$TEST_TMP/qemu-$n${3:+-$3}"
    QEMU_RC=0
    [ -f "$out" ] && return 0
    shift $(($# < 3 ? $# : 3))
    timeout "$RUN_TIMEOUT" "$QEMU" -M virt -smp "$n" -m 128M -nographic -no-reboot \
        -bios "$BIOS" -kernel "$KERNEL" -initrd "$INITRD" -append "$append" "$@" \
        > "$out.log" 2>&1 </dev/null
    QEMU_RC=$?
    init_lines "$out.log" > "$out"
}

# shoal_run NAME APPEND [CONF]: boots the guest on CONF (configs/NAME.conf
# unless given); sets RC; the console in $TEST_TMP/NAME.log, /init's lines
# in $TEST_TMP/NAME.init.
shoal_run() {
    "$SHOAL" run "${3:-$SHOAL_SRCDIR/configs/$1.conf}" --bios "$BIOS" --kernel "$KERNEL" \
        --initrd "$INITRD" --append "$2" > "$TEST_TMP/$1.log" 2>&1 </dev/null &
    wait_pid $! "$RUN_TIMEOUT"
    RC=$WAIT_RC
    init_lines "$TEST_TMP/$1.log" > "$TEST_TMP/$1.init"
}

# ended_with NAME DESCRIPTION LINE: the run exited 0 and the kernel said LINE.
ended_with() {
    if [ "$RC" = 0 ] && grep -aq "$3" "$TEST_TMP/$1.log"; then
        ok "$1: $2 (exit 0)"
    else
        not_ok "$1: $2 (exit $RC)"
        tail -n 30 "$TEST_TMP/$1.log" | diag
    fi
}

no_trouble() { ! grep -a -E 'rcu.*stall|soft lockup|hard LOCKUP|BUG[: ]|Oops|Kernel panic' "$1"; }

# no_trouble_ok DESCRIPTION LOG: one TAP line for no_trouble, the lines
# found in the log otherwise.
no_trouble_ok() {
    if no_trouble "$2" >/dev/null; then
        ok "$1"
    else
        not_ok "$1"
        no_trouble "$2" | head -n 20 | diag
    fi
}
