#!/bin/bash
# SPDX-License-Identifier: MIT
# A stranger on a running virt-2x2 machine's socket (hostile-client.c): it
# asks for guest RAM, writes the kernel's first page, ends the machine and
# tries to be node 1 or the console, with no secret, a wrong one, and the
# right one without its node's token. Every attack must get only Errors,
# and the guest (echo, fed its input after the attacks) must print what it
# prints alone and exit 0: its code intact, its console still the user's.
. "$(dirname "$0")/lib.sh"

echo "1..4"
ELF="$SHOAL_BUILDDIR/tests/guest/echo.elf"
CONF="$SHOAL_SRCDIR/configs/virt-2x2.conf"
if [ ! -f "$ELF" ]; then
    for _ in 1 2 3 4; do skip "no $ELF"; done
    exit 0
fi
mkfifo "$TEST_TMP/in"
"$SHOAL" run "$CONF" --kernel "$ELF" < "$TEST_TMP/in" > "$TEST_TMP/out" 2> "$TEST_TMP/err" &
SPID=$!
exec 3> "$TEST_TMP/in"
for _ in $(seq 300); do
    grep -q "echo: ready" "$TEST_TMP/out" && break
    sleep 0.1
done
run_dir=$(echo "$XDG_RUNTIME_DIR"/shoal-*)
"$SHOAL_BUILDDIR/tests/integration/hostile-client" "$CONF" "$run_dir" > "$TEST_TMP/attacks" 2>&1
rc=$?
if [ "$rc" = 0 ]; then
    ok "every attack got only Errors ($(grep -c refused "$TEST_TMP/attacks") attacks)"
else
    not_ok "every attack got only Errors (hostile-client exit $rc)"
fi
diag < "$TEST_TMP/attacks"
cat "$SHOAL_SRCDIR/tests/guest/echo.input" >&3
exec 3>&-
wait_pid "$SPID" 30
check "the guest ends with its own exit code 0 (got $WAIT_RC)" test "$WAIT_RC" = 0
check_same "the guest's output is all there, as without the stranger" \
    "$SHOAL_SRCDIR/tests/guest/echo.expected" "$TEST_TMP/out"
check "no process, no socket, no run dir left" no_leftovers
exit 0
