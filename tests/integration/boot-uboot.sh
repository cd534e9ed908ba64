#!/bin/bash
# SPDX-License-Identifier: MIT
# The whole boot: OpenSBI (fw_jump.elf, M-mode) reads shoal's device tree
# and starts U-Boot (S-mode, raw u-boot.bin at 0x80200000) on 4 harts; we
# stop autoboot, type commands at the `=>` prompt through a fifo and check
# the answers; `reset` must power-cycle the machine back through OpenSBI to
# U-Boot's prompt; then `poweroff` must end the run with exit status 0. One
# group of cases per board shape (virt-2x2, virt-4x1, virt-1x4). Every wait
# has a deadline; a late machine is killed, never left behind.
. "$(dirname "$0")/lib.sh"

BIOS=${SHOAL_OPENSBI:-/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf}
UBOOT=${SHOAL_UBOOT:-/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin}
CONFIGS="virt-2x2 virt-4x1 virt-1x4"
PER_CONFIG=9
BOOT_TIMEOUT=${SHOAL_BOOT_TIMEOUT:-90} # seconds from start to the first prompt
CMD_TIMEOUT=20                        # seconds for one command's answer

echo "1..$((3 * PER_CONFIG))"
if [ ! -r "$BIOS" ] || [ ! -r "$UBOOT" ]; then
    for _ in $(seq $((3 * PER_CONFIG))); do
        skip "no $BIOS or $UBOOT (apt-get install opensbi u-boot-qemu)"
    done
    exit 0
fi
# What `md.l 80200000 4` must show: U-Boot's own first 16 bytes, as words.
WORDS=$(od -A n -t x4 -N 16 "$UBOOT" | tr -s ' ' | sed 's/^ //;s/ $//')

OUT=
# Lines of $OUT matching $1 (the prompt has no newline yet: grep counts it).
count() { grep -c -- "$1" "$OUT" 2>/dev/null || true; }

# wait_count PATTERN N SECONDS: until PATTERN is on at least N lines.
wait_count() {
    local tenths=$(($3 * 10))
    while [ "$(count "$1")" -lt "$2" ]; do
        [ "$tenths" -le 0 ] && return 1
        kill -0 "$PID" 2>/dev/null || { [ "$(count "$1")" -ge "$2" ]; return; }
        sleep 0.1
        tenths=$((tenths - 1))
    done
}

# type_cmd TEXT: types it and waits for the next prompt; the answer is
# then the text between the two prompts (in $ANSWER).
type_cmd() {
    local before
    before=$(count '^=> ')
    printf '%s\r' "$1" >&3
    if ! wait_count '^=> ' $((before + 1)) "$CMD_TIMEOUT"; then
        ANSWER=
        return 1
    fi
    ANSWER=$(tr -d '\r' < "$OUT" | awk -v n="$before" -v cmd="$1" '
        /^=> / { p++; if (p == n && index($0, cmd)) { on = 1; next } if (p > n) on = 0 }
        on')
}

for conf in $CONFIGS; do
    OUT=$TEST_TMP/$conf.out
    FIFO=$TEST_TMP/$conf.fifo
    mkfifo "$FIFO"
    # Read-write: neither side blocks on open, and shoal never sees EOF.
    exec 3<> "$FIFO"
    start=$(date +%s.%N)
    "$SHOAL" run "$SHOAL_SRCDIR/configs/$conf.conf" --bios "$BIOS" --kernel "$UBOOT" \
        < "$FIFO" > "$OUT" 2> "$TEST_TMP/$conf.err" &
    PID=$!

    if wait_count 'Hit any key to stop autoboot' 1 "$BOOT_TIMEOUT"; then
        printf '\r' >&3 # any key: stay at the prompt
    fi
    if wait_count '^=> ' 1 "$CMD_TIMEOUT"; then
        ok "$conf: U-Boot's prompt after $(awk -v a="$start" -v b="$(date +%s.%N)" \
            'BEGIN { printf "%.1f", b - a }') s"
    else
        not_ok "$conf: U-Boot's prompt within ${BOOT_TIMEOUT} s"
        tail -n 20 "$OUT" "$TEST_TMP/$conf.err" | diag
    fi
    check "$conf: OpenSBI banner says Platform HART Count : 4" \
        grep -q '^Platform HART Count *: 4' "$OUT"
    check "$conf: OpenSBI starts U-Boot in S-mode at 0x80200000" \
        grep -q '^Domain0 Next Address *: 0x0*80200000' "$OUT"

    if [ "$(count '^=> ')" = 0 ]; then
        # no prompt: the commands cannot run, do not wait for them
        kill -TERM "$PID" 2>/dev/null
        wait_pid "$PID" 5
        for what in version "cpu list" md reset poweroff; do not_ok "$conf: $what (no prompt)"; done
        exec 3>&-
        check "$conf: no process, no run dir left" no_leftovers
        continue
    fi

    type_cmd version
    if printf '%s\n' "$ANSWER" | grep -q '^U-Boot 20[0-9][0-9]\.'; then
        ok "$conf: version prints the U-Boot version line"
    else
        not_ok "$conf: version prints the U-Boot version line"
        printf '%s\n' "$ANSWER" | diag
    fi

    type_cmd 'cpu list'
    cpus=$(printf '%s\n' "$ANSWER" | grep -c '^ *[0-3]: cpu@[0-3] *rv64imafdc')
    if [ "$cpus" = 4 ]; then
        ok "$conf: cpu list shows 4 CPUs"
    else
        not_ok "$conf: cpu list shows 4 CPUs (got $cpus)"
        printf '%s\n' "$ANSWER" | diag
    fi

    type_cmd 'md.l 80200000 4'
    if printf '%s\n' "$ANSWER" | grep -q "^80200000: $WORDS "; then
        ok "$conf: md.l 80200000 4 shows RAM (U-Boot's first words $WORDS)"
    else
        not_ok "$conf: md.l 80200000 4 shows $WORDS"
        printf '%s\n' "$ANSWER" | diag
    fi

    prompts=$(count '^=> ')
    printf 'reset\r' >&3
    if wait_count 'Hit any key to stop autoboot' 2 "$BOOT_TIMEOUT"; then
        printf '\r' >&3
    fi
    if wait_count '^=> ' $((prompts + 1)) "$CMD_TIMEOUT" &&
        [ "$(count '^OpenSBI v')" = 2 ]; then
        ok "$conf: reset comes back through OpenSBI to U-Boot's prompt"
    else
        not_ok "$conf: reset comes back through OpenSBI to U-Boot's prompt"
        tail -n 20 "$OUT" | diag
    fi

    printf 'poweroff\r' >&3
    wait_pid "$PID" "$CMD_TIMEOUT"
    check "$conf: poweroff ends the run with status 0 (got $WAIT_RC)" [ "$WAIT_RC" = 0 ]
    exec 3>&-
    check "$conf: no process, no run dir left" no_leftovers
done
exit 0
