#!/bin/bash
# SPDX-License-Identifier: MIT
# [node.N] reset-vector: node 1 of virt-2x1 starts its hart at
# second_entry of tests/guest/reset-vector.c (found with nm) while node 0
# starts at the ELF's entry, on both back ends; without the key hart 1
# goes through crt0 and never reaches it; and a reset vector in no memory
# is refused before anything starts. A shoal-only test: QEMU's virt starts
# every hart at one place.
. "$(dirname "$0")/lib.sh"

T=$TEST_TMP
ELF="$SHOAL_BUILDDIR/tests/guest/reset-vector.elf"
CONF="$SHOAL_SRCDIR/configs/virt-2x1.conf"
N=4
echo "1..$N"
if [ ! -f "$ELF" ]; then
    for _ in $(seq $N); do skip "reset-vector.elf not built (no riscv64-unknown-elf-gcc)"; done
    exit 0
fi
entry=0x$(riscv64-unknown-elf-nm "$ELF" | awk '$3 == "second_entry" { print $1 }')

for accel in jit interp; do
    timeout 30 "$SHOAL" run "$CONF" --bios none --kernel "$ELF" --accel "$accel" \
        --set "node.1.reset-vector=$entry" > "$T/out" 2> "$T/err" < /dev/null
    rc=$?
    if [ $rc = 0 ] && grep -qx "second_entry ran on hart 1, a1 = the device tree" "$T/out"; then
        ok "$accel: node 1's hart starts at its reset vector $entry, node 0's at the entry"
    else
        not_ok "$accel: node 1's hart starts at its reset vector $entry (exit $rc)"
        diag < "$T/out"
        head -5 "$T/err" | diag
    fi
done

# (hart 0 gives up after 5 s of the guest's clock)
timeout 60 "$SHOAL" run "$CONF" --bios none --kernel "$ELF" > "$T/out" 2> "$T/err" < /dev/null
rc=$?
if [ $rc = 1 ] && grep -qx "no hart came to second_entry" "$T/out"; then
    ok "without the key, no hart starts at second_entry"
else
    not_ok "without the key, no hart starts at second_entry (exit $rc)"
    diag < "$T/out"
fi

"$SHOAL" run "$CONF" --bios none --kernel "$ELF" --set node.1.reset-vector=0x40000000 \
    > /dev/null 2> "$T/err" < /dev/null
rc=$?
if [ $rc = 2 ] && grep -q "\[node.1\] reset-vector: 0x40000000 is in no memory region" "$T/err"; then
    ok "a node's reset vector outside memory is refused (exit 2)"
else
    not_ok "a node's reset vector outside memory is refused (exit $rc)"
    diag < "$T/err"
fi
exit 0
