#!/bin/bash
# SPDX-License-Identifier: MIT
# SiFive's UART as a machine's console (tests/guest/sifive-uart.conf, a
# shoal-only board): tests/guest/sifive-uart.c checks its registers and its
# line through the PLIC, prints through txdata and echoes
# sifive-uart.input read through rxdata, on both back ends against
# sifive-uart.expected; and on QEMU's sifive_u, which has the same UART and
# PLIC at the same addresses but no sifive_test to end the run with: its
# output up to the last check line must be the same (the exit then traps).
. "$(dirname "$0")/lib.sh"

T=$TEST_TMP
CONF="$SHOAL_SRCDIR/tests/guest/sifive-uart.conf"
ELF="$SHOAL_BUILDDIR/tests/guest/sifive-uart.elf"
EXPECTED="$SHOAL_SRCDIR/tests/guest/sifive-uart.expected"
INPUT="$SHOAL_SRCDIR/tests/guest/sifive-uart.input"
N=4
echo "1..$N"
if [ ! -f "$ELF" ]; then
    for _ in $(seq $N); do skip "sifive-uart.elf not built (no riscv64-unknown-elf-gcc)"; done
    exit 0
fi

for accel in interp jit; do
    timeout 20 "$SHOAL" run "$CONF" --kernel "$ELF" --accel "$accel" \
        > "$T/out" 2> "$T/err" < "$INPUT"
    rc=$?
    if [ $rc = 0 ] && cmp -s "$EXPECTED" "$T/out"; then
        ok "sifive_uart console, $accel: prints sifive-uart.expected"
    else
        not_ok "sifive_uart console, $accel: prints sifive-uart.expected (exit $rc)"
        diff "$EXPECTED" "$T/out" | head -40 | diag
        head -20 "$T/err" | diag
    fi
done

# The device tree names it as QEMU's sifive_u does, with the clock Linux's
# driver asks for, and makes it the console.
if "$SHOAL" dumpdtb "$CONF" "$T/dtb" > /dev/null 2> "$T/err" &&
    dtc -I dtb -O dts "$T/dtb" 2> /dev/null > "$T/dts" &&
    grep -q 'stdout-path = "/soc/serial@10010000"' "$T/dts" &&
    grep -q 'compatible = "sifive,uart0"' "$T/dts" &&
    grep -q 'compatible = "fixed-clock"' "$T/dts"; then
    ok "device tree: serial@10010000 is sifive,uart0 with a clock, and the console"
else
    not_ok "device tree: serial@10010000 is sifive,uart0 with a clock, and the console"
    diag < "$T/err"
    grep -A8 'serial@' "$T/dts" 2> /dev/null | diag
fi

QEMU=${QEMU_RISCV64:-qemu-system-riscv64}
if command -v "$QEMU" > /dev/null 2>&1 && [ "$QEMU" != no ]; then
    lines=$(wc -l < "$EXPECTED")
    # The input a second late: QEMU takes bytes into the FIFO with rxen
    # clear, which the reset checks would see (the manual and shoal keep
    # them out until rxen).
    (sleep 1; cat "$INPUT") | timeout 10 "$QEMU" -M sifive_u -smp 5 -bios none -kernel "$ELF" \
        -display none -monitor none -serial stdio > "$T/qemu" 2> "$T/err"
    head -n "$lines" "$T/qemu" > "$T/qemu.head"
    check_same "QEMU -M sifive_u prints the same up to its exit" "$EXPECTED" "$T/qemu.head"
else
    skip "no $QEMU (apt-get install qemu-system-misc)"
fi
exit 0
