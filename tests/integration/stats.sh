#!/bin/bash
# SPDX-License-Identifier: MIT
# shoal run --stats: every cpu-node prints one line of coherence figures at
# exit, and two nodes sharing a page show the invalidations and recalls
# their ping-pong must have caused; in deterministic time a second line says
# how many quanta ended and what waiting at the barrier cost. The hot sites
# name the guest instructions that waited for the page: the ones in work()
# that touch the shared page.
. "$(dirname "$0")/lib.sh"

echo "1..8"
ELF="$SHOAL_BUILDDIR/tests/guest/smp-share.elf"
if [ ! -f "$ELF" ]; then
    for i in 1 2 3 4 5 6 7 8; do skip "no $ELF (no riscv64-unknown-elf-gcc)"; done
    exit 0
fi
timeout -k 2 60 "$SHOAL" run "$SHOAL_SRCDIR/configs/virt-2x2.conf" --bios none \
    --kernel "$ELF" --stats >"$TEST_TMP/out" 2>"$TEST_TMP/err"
rc=$?
check "the machine ran to completion (exit $rc)" [ "$rc" = 0 ]
lines=$(grep -c '^shoal: node [01] stats: page requests [0-9]' "$TEST_TMP/err")
check "one stats line per node (got $lines)" [ "$lines" = 2 ]
inval=$(sed -n 's/.*; invalidations \([0-9]*\), recalls \([0-9]*\).*/\1 \2/p' "$TEST_TMP/err" |
    awk '{ s += $1 + $2 } END { print s + 0 }')
check "sharing a page across nodes shows invalidations and recalls ($inval)" [ "$inval" -gt 0 ]
grep -q 'coherence latency mean [0-9]* us, p99 < [0-9]* us' "$TEST_TMP/err"
check "latency figures are printed" [ $? = 0 ]
mmio=$(sed -n 's/.*, MMIO \([0-9]*\);.*/\1/p' "$TEST_TMP/err" | awk '{ s += $1 } END { print s + 0 }')
check "the device accesses of the guest's output are counted ($mmio)" [ "$mmio" -gt 0 ]
# nm -S: "address size type name" for work(), "address type name" for page
read -r work_at work_size < <(riscv64-unknown-elf-nm -S "$ELF" | awk '$4 == "work" && ($3 == "t" || $3 == "T") { print $1, $2 }')
page_at=$(riscv64-unknown-elf-nm "$ELF" | awk '$3 == "page" { print $1 }')
sites=$(sed -n 's/^shoal: node [01] hot site M pc 0x\([0-9a-f]*\) [A-Za-z]* 0x\([0-9a-f]*\): .*/\1 \2/p' "$TEST_TMP/err" |
    while read -r pc word; do
        [ $((0x$pc >= 0x$work_at && 0x$pc < 0x$work_at + 0x$work_size &&
             0x$word >= 0x$page_at && 0x$word < 0x$page_at + 4096)) = 1 ] && echo "$pc"
    done | wc -l)
check "hot sites name work()'s accesses to the shared page ($sites of them)" [ "$sites" -gt 0 ]
diag <"$TEST_TMP/err"

# Deterministic time adds what the quantum barrier cost.
timeout -k 2 60 "$SHOAL" run "$SHOAL_SRCDIR/configs/virt-2x2.conf" --bios none \
    --kernel "$ELF" --stats --set sysc.time-mode=deterministic >"$TEST_TMP/out" 2>"$TEST_TMP/err"
rc=$?
check "the machine ran to completion in deterministic time (exit $rc)" [ "$rc" = 0 ]
ended=$(sed -n 's/^shoal: node [01] quanta: \([0-9]*\) ended by a spent budget, \([0-9]*\) in WFI.*/\1 \2/p' \
    "$TEST_TMP/err" | awk '{ s += $1 + $2; n++ } END { print n + 0, s + 0 }')
check "each node counts its quanta ($ended)" [ "${ended%% *}" = 2 -a "${ended##* }" -gt 0 ]
diag <"$TEST_TMP/err"
