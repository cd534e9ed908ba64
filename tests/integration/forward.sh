#!/bin/bash
# SPDX-License-Identifier: MIT
# [cpu] forward: the firmware's loads and AMOs to mailboxes on a page
# another node holds Modified are made by that node. mailbox.elf (four
# harts posting to each other's inboxes with AMOs while each owner writes
# its own page) prints the same with forwarding and without, as on QEMU;
# with it, --stats counts the accesses made elsewhere (as many made as
# asked for), and the server's hot pages show them; without it, none.
. "$(dirname "$0")/lib.sh"

echo "1..8"
ELF="$SHOAL_BUILDDIR/tests/guest/mailbox.elf"
if [ ! -f "$ELF" ]; then
    for i in 1 2 3 4 5 6 7 8; do skip "no $ELF (no riscv64-unknown-elf-gcc)"; done
    exit 0
fi
EXPECTED="$SHOAL_SRCDIR/tests/guest/mailbox.expected"

# sum FIELD: the sum over the nodes' stats lines of "FIELD N"
sum() {
    sed -n "s/^shoal: node [0-9]* stats: .*[;,] $1 \([0-9]*\).*/\1/p" "$TEST_TMP/err" |
        awk '{ s += $1 } END { print s + 0 }'
}

# run CONFIG FORWARD: mailbox.elf with --stats; rc its exit status
run() {
    timeout -k 2 60 "$SHOAL" run "$SHOAL_SRCDIR/configs/$1.conf" --bios none --kernel "$ELF" \
        --stats --set "cpu.forward=$2" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
    rc=$?
}

# Whether the run exited 0 and printed what QEMU prints.
ran_right() {
    [ "$rc" = 0 ] && cmp -s "$TEST_TMP/out" "$EXPECTED"
}

run virt-2x2 m-mode
check "2x2, forwarding: exit 0 (got $rc) and the output QEMU prints" ran_right
asked=$(sum "firmware accesses forwarded")
made=$(sum "made here for another node")
check "2x2: accesses were made at the owner ($asked)" [ "$asked" -gt 0 ]
check "2x2: each node made what the other asked for ($made of $asked)" [ "$made" = "$asked" ]
owner=$(sed -n 's/^shoal: hot page .*; accesses made by the owner \([0-9]*\);.*/\1/p' "$TEST_TMP/err" |
    awk '{ s += $1 } END { print s + 0 }')
check "2x2: the server's hot pages count them ($owner)" [ "$owner" -gt 0 ]
diag <"$TEST_TMP/err"

run virt-2x2 off
check "2x2, no forwarding: exit 0 (got $rc) and the same output" ran_right
check "2x2, no forwarding: nothing forwarded ($(sum "firmware accesses forwarded"))" \
    [ "$(sum "firmware accesses forwarded")" = 0 ]

run virt-4x1 m-mode
check "4x1, forwarding: exit 0 (got $rc) and the same output" ran_right
check "4x1: accesses were made at their owners ($(sum "firmware accesses forwarded"))" \
    [ "$(sum "firmware accesses forwarded")" -gt 0 ]
