#!/bin/bash
# SPDX-License-Identifier: MIT
# The console and the end of a run: a guest reset request power-cycles the
# machine (over two nodes: it boots again and again), or with --no-reboot
# ([machine] on-reset = exit) ends the run cleanly; piped input reaches the
# guest whenever it arrives and its EOF does not end the run, and a
# terminal on stdin is raw while the machine runs and restored after
# (checked on a pseudo-terminal from script(1)).
. "$(dirname "$0")/lib.sh"

echo "1..8"
G="$SHOAL_BUILDDIR/tests/guest"
if [ ! -f "$G/reset.elf" ]; then
    for i in 1 2 3 4 5 6 7 8; do skip "no guest ELFs (no riscv64-unknown-elf-gcc)"; done
    exit 0
fi

timeout -k 2 -s TERM 4 "$SHOAL" run "$SHOAL_SRCDIR/configs/virt-2x2.conf" --kernel "$G/reset.elf" \
    >"$TEST_TMP/out" 2>"$TEST_TMP/err"
boots=$(grep -c '^reset: asking for a reset$' "$TEST_TMP/out")
check "reset request on 2x2: the machine boots again ($boots boots in 4 s)" [ "$boots" -ge 3 ]

timeout -k 2 20 "$SHOAL" run "$VIRT" --kernel "$G/reset.elf" --no-reboot \
    >"$TEST_TMP/out" 2>"$TEST_TMP/err"
rc=$?
check "reset request, --no-reboot: exit status 0 (got $rc)" [ "$rc" = 0 ]
grep -q 'asked for a machine reset (\[machine\] on-reset = exit): the run ends' "$TEST_TMP/err"
check "reset request, --no-reboot: a message says the run ends" [ $? = 0 ]
diag <"$TEST_TMP/err"

(sleep 1; printf 'late\n'; sleep 0.5; printf 'quit\n') |
    timeout -k 2 20 "$SHOAL" run "$VIRT" --kernel "$G/echo.elf" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
rc=$?
grep -q '^echo: late | reversed: etal$' "$TEST_TMP/out" && [ "$rc" = 0 ]
check "input arriving late through a pipe reaches the guest (exit $rc)" [ $? = 0 ]

timeout --preserve-status -k 2 -s TERM 3 "$SHOAL" run "$VIRT" --kernel "$G/spin.elf" </dev/null \
    >"$TEST_TMP/out" 2>"$TEST_TMP/err"
rc=$?
check "EOF on stdin does not end the run (SIGTERM did: $rc)" [ "$rc" = 143 ]

if ! command -v script >/dev/null 2>&1; then
    for i in 1 2 3; do skip "no script(1) for a pseudo-terminal"; done
    exit 0
fi
# script gives shoal a pty as stdin; what we type must reach the guest
# without being echoed by the terminal, and the pty must be cooked again
# after (stty runs on the same pty once shoal has exited). Keys go only
# once the guest says it is ready, so shoal has made the pty raw: typed
# after a fixed delay they raced shoal's start on a loaded host and the
# still-cooked pty echoed them.
# wait_tty TEXT: until script's output shows TEXT (at most 20 s).
wait_tty() {
    for _ in $(seq 200); do
        grep -q "$1" "$TEST_TMP/tty" 2>/dev/null && return
        sleep 0.1
    done
}
(wait_tty 'echo: ready'; printf 'abc\r'; wait_tty 'reversed: cba'; printf 'quit\r'; sleep 2) |
    timeout -k 2 20 script -qfc "'$SHOAL' run '$VIRT' --kernel '$G/echo.elf'; echo rc=\$?; stty -a" \
        /dev/null >"$TEST_TMP/tty" 2>&1
tr -d '\r' <"$TEST_TMP/tty" >"$TEST_TMP/tty.txt"
grep -q '^echo: abc | reversed: cba$' "$TEST_TMP/tty.txt" && grep -q '^rc=0$' "$TEST_TMP/tty.txt"
check "a terminal's keys reach the guest, CR ends a line" [ $? = 0 ]
check "typed keys are not echoed by the terminal" [ "$(grep -c abc "$TEST_TMP/tty.txt")" = 1 ]
grep -q '[^-]icanon' "$TEST_TMP/tty.txt" && grep -q '[^-]echo ' "$TEST_TMP/tty.txt"
check "the terminal is cooked again after the run" [ $? = 0 ]
diag <"$TEST_TMP/tty.txt"
