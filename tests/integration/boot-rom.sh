#!/bin/bash
# SPDX-License-Identifier: MIT
# A machine that boots from a ROM (tests/guest/boot-rom.conf): the harts
# start at the reset vector in [memory.rom], whose image boot-rom.c builds;
# the guest checks that a store and an AMO to the ROM are store access
# faults, runs code it copied to DRAM and shares words in [memory.sram].
# On one node of two harts and on two nodes of one (the SRAM's pages then
# cross processes through the directory), both back ends, each against
# boot-rom.expected. Then the config checks that stop such a machine before
# anything starts: exit 2 and file:line.
. "$(dirname "$0")/lib.sh"

T=$TEST_TMP
CONF="$SHOAL_SRCDIR/tests/guest/boot-rom.conf"
ROM="$SHOAL_BUILDDIR/tests/guest/boot-rom.bin"
EXPECTED="$SHOAL_SRCDIR/tests/guest/boot-rom.expected"
N=8
echo "1..$N"
if [ ! -f "$ROM" ]; then
    for _ in $(seq $N); do skip "boot-rom.bin not built (no riscv64-unknown-elf-gcc)"; done
    exit 0
fi

# 1-4: the guest, 1x2 and 2x1, interp and jit.
for layout in 1x2 2x1; do
    case $layout in
    1x2) sets=(--set node.0.harts=2) ;;
    2x1) sets=(--set node.0.harts=1 --set node.1.harts=1) ;;
    esac
    for accel in interp jit; do
        timeout 30 "$SHOAL" run "$CONF" --set memory.rom.image="$ROM" "${sets[@]}" \
            --accel "$accel" > "$T/out" 2> "$T/err" < /dev/null
        rc=$?
        if [ $rc = 0 ] && cmp -s "$EXPECTED" "$T/out"; then
            ok "boot from ROM, $layout $accel: prints boot-rom.expected"
        else
            not_ok "boot from ROM, $layout $accel: prints boot-rom.expected (exit $rc)"
            diff "$EXPECTED" "$T/out" | head -40 | diag
            head -20 "$T/err" | diag
        fi
    done
done

# bad_config DESCRIPTION WANT SET...: exit 2 before anything starts, and
# the message (one line) holds WANT.
bad_config() {
    local d=$1 want=$2 rc
    shift 2
    timeout 10 "$SHOAL" run "$CONF" "$@" > "$T/out" 2> "$T/err" < /dev/null
    rc=$?
    if [ $rc = 2 ] && grep -qF -- "$want" "$T/err" && [ ! -s "$T/out" ]; then
        ok "$d"
    else
        not_ok "$d (exit $rc)"
        diag < "$T/err"
    fi
}

# 5-8
head -c 5000 /dev/zero > "$T/big.bin"
printf '[machine]\ninclude=%s\n[memory.rom]\nsize=0x1000\nimage=big.bin\n' "$CONF" > "$T/big.conf"
CONF="$T/big.conf" bad_config "an image larger than its region: exit 2, file:line" \
    "$T/big.conf:5: [memory.rom] image: $T/big.bin: 5000 bytes do not fit in the region's 0x1000"
bad_config "a missing image: exit 2, file:line" \
    "boot-rom.conf:14: [memory.rom] image: $SHOAL_SRCDIR/tests/guest/boot-rom.bin: no such file"
bad_config "a region over a device: exit 2, the device's file:line" \
    "[device.uart0] base: 0x10000000..0x100000ff overlaps [memory.sram] 0x10000000..0x1000ffff" \
    --set memory.rom.image="$ROM" --set memory.sram.base=0x10000000
bad_config "two regions overlapping: exit 2" \
    "[memory.sram] base: 0xf000..0x1efff overlaps [memory.rom] 0x1000..0x10fff" \
    --set memory.rom.image="$ROM" --set memory.sram.base=0xf000
