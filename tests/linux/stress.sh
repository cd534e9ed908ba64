#!/bin/bash
# SPDX-License-Identifier: MIT
# The stress target (make linux-stress, not part of the quick suite): boots
# the Linux test guest COUNT times in a row on CONFIG (default 20 on
# virt-2x2) and fails at the first run that does not power off cleanly with
# /init's checksum, or that logs a stall, lockup, BUG or Oops.
#   usage: tests/linux/stress.sh [BUILDDIR] [CONFIG] [COUNT]
set -u
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$src/build}
config=${2:-virt-2x2}
count=${3:-20}
bios=${SHOAL_OPENSBI:-/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf}
images=$("$src/tests/linux/build.sh") || exit $?
eval "$images"
log=$(mktemp "${TMPDIR:-/tmp}/shoal-linux-stress.XXXXXX")
trap 'rm -f "$log"' EXIT
for i in $(seq "$count"); do
    start=$(date +%s.%N)
    timeout 600 "$build/shoal" run "$src/configs/$config.conf" --bios "$bios" --kernel "$KERNEL" \
        --initrd "$INITRD" --append "console=ttyS0 panic=-1" > "$log" 2>&1 </dev/null
    rc=$?
    took=$(echo "$(date +%s.%N) - $start" | bc)
    if [ "$rc" != 0 ] || ! "$src/tests/linux/init-lines" "$log" | grep -q '^init: checksum' ||
        grep -a -E 'rcu.*stall|soft lockup|hard LOCKUP|BUG[: ]|Oops|Kernel panic' "$log"; then
        echo "boot $i of $count on $config: FAILED (exit $rc, ${took}s); its log:"
        tail -n 40 "$log"
        exit 1
    fi
    echo "boot $i of $count on $config: ok (${took}s)"
done
echo "$count of $count boots on $config powered off cleanly"
