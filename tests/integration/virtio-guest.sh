#!/bin/bash
# SPDX-License-Identifier: MIT
# virtio-mmio version 2 devices as a bare-metal driver sees them
# (tests/guest/virtio.c): a virtio-blk disk and a virtio-rng, on QEMU 7.2
# and then on shoal with each device in the slot QEMU gives it, so the same
# ELF finds the same layout. Every run gets a fresh image from
# virtio-disk.sh (the guest writes sector 5 of it) and must print
# virtio.expected; the image is then checked on the host: sector 5 holds
# the guest's pattern, no other sector changed.
. "$(dirname "$0")/lib.sh"

T=$TEST_TMP
G="$SHOAL_BUILDDIR/tests/guest"
ELF="$G/virtio.elf"
DISK="$SHOAL_SRCDIR/tests/guest/virtio-disk.sh"
EXPECTED="$SHOAL_SRCDIR/tests/guest/virtio.expected"
QEMU=${QEMU_RISCV64:-qemu-system-riscv64}
IMG="$T/disk.img"
N=8
echo "1..$N"
skip_all() {
    for _ in $(seq $N); do skip "$1"; done
    exit 0
}
[ -f "$ELF" ] || skip_all "virtio.elf not built (no riscv64-unknown-elf-gcc)"
command -v python3 > /dev/null || skip_all "no python3 (virtio-disk.sh makes the image)"

# run_and_check DESCRIPTION COMMAND...: a fresh image, COMMAND's output
# against virtio.expected (exit 0), then the image on the host. Two lines.
run_and_check() {
    local d=$1 rc
    shift
    "$DISK" create "$IMG"
    timeout 60 "$@" > "$T/out" 2> "$T/err" < /dev/null
    rc=$?
    if [ $rc = 0 ] && cmp -s "$EXPECTED" "$T/out"; then
        ok "$d: prints virtio.expected"
    else
        not_ok "$d: prints virtio.expected (exit $rc)"
        diff "$EXPECTED" "$T/out" | head -40 | diag
        head -20 "$T/err" | diag
    fi
    if "$DISK" check "$IMG" 2> "$T/check"; then
        ok "$d: the image holds the sector-5 write and nothing else changed"
    else
        not_ok "$d: the image holds the sector-5 write and nothing else changed"
        diag < "$T/check"
    fi
}

# 1-2: QEMU. Its virt board makes virtio-mmio transports legacy (Version 1)
# unless told otherwise; the first -device takes the highest slot
# (0x10008000, PLIC source 8), the next one the slot below.
if command -v "$QEMU" > /dev/null; then
    run_and_check "qemu" "$QEMU" -M virt -bios none -nographic -kernel "$ELF" \
        -global virtio-mmio.force-legacy=false \
        -drive if=none,format=raw,file="$IMG",id=d0 -device virtio-blk-device,drive=d0 \
        -object rng-random,filename=/dev/urandom,id=rng0 -device virtio-rng-device,rng=rng0
else
    skip "no $QEMU (apt-get install qemu-system-misc)"
    skip "no $QEMU"
fi

# 3-8: shoal, the devices where QEMU put them, on one node (both back
# ends) and on two nodes of two harts.
if [ ! -x "$SHOAL" ]; then
    for _ in $(seq 6); do skip "shoal not built"; done
    exit 0
fi
# virtio_conf BASE-CONFIG OUT: BASE-CONFIG (configs/NAME) with the disk and the rng
virtio_conf() {
    cat > "$2" << EOF
[machine]
include=$SHOAL_SRCDIR/configs/$1
[device.disk0]
type=virtio-blk
base=0x10008000
size=0x1000
irq=8
file=$IMG
[device.rng0]
type=virtio-rng
base=0x10007000
size=0x1000
irq=7
EOF
}
virtio_conf virt.conf "$T/virtio.conf"
virtio_conf virt-2x2.conf "$T/virtio-2x2.conf"
run_and_check "shoal, jit" "$SHOAL" run "$T/virtio.conf" --bios none --kernel "$ELF" \
    --set cpu.accel=jit
run_and_check "shoal, interp" "$SHOAL" run "$T/virtio.conf" --bios none --kernel "$ELF" \
    --set cpu.accel=interp
run_and_check "shoal, 2x2" "$SHOAL" run "$T/virtio-2x2.conf" --bios none --kernel "$ELF"
exit 0
