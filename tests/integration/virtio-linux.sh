#!/bin/bash
# SPDX-License-Identifier: MIT
# The Linux test guest with a virtio-blk disk, a virtio-rng and a
# virtio-net card on user networking, virtio-mmio devices found in the
# device tree, as on QEMU's virt board (the disk at 0x10008000 on PLIC
# source 8, the RNG at 0x10007000 on 7, the card at 0x10006000 on 6: QEMU
# gives the first device the highest of its 8 transports). The disk is an
# ext4 image made here from a folder holding data.bin; /init, asked by
# shoal.disk=1, mounts it, prints data.bin's size and checksum, writes
# out.txt, syncs and unmounts, then reads 32 bytes of the RNG. The kernel
# takes an address by DHCP (ip=dhcp) and /init, asked by shoal.http=,
# fetches data.bin again from a server on the host (tests/linux/http-serve)
# through the gateway, then serves one client that the host reaches through
# a hostfwd rule (tests/linux/fwd-client). QEMU's run is checked against what the host
# computes; then on each shoal layout /init must print what it prints on
# QEMU, Linux must power off clean, and the image, read on the host, must
# hold out.txt and pass e2fsck. Last, a reboot from userspace on the last
# layout resets the devices with the machine, and the second boot's /init
# finds the disk again with the first boot's writes on it.
# SHOAL_LINUX_CONFIGS picks the layouts; SHOAL_VIRTIO_NET=0 leaves the
# network card out.
NET=${SHOAL_VIRTIO_NET:-1}
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/linux-lib.sh"

CONFIGS=${SHOAL_LINUX_CONFIGS:-virt-1x4 virt-2x2}
DISK_BASE=0x10008000 DISK_IRQ=8 RNG_BASE=0x10007000 RNG_IRQ=7 NET_BASE=0x10006000 NET_IRQ=6
CON_BASE=0x10005000 CON_IRQ=5
# device_group NAME TYPE BASE IRQ: a virtio device's group, one window wide
device_group() { printf '[device.%s]\ntype=%s\nbase=%s\nsize=0x1000\nirq=%s\n' "$@"; }
N_CONFIGS=$(echo "$CONFIGS" | wc -w)
TOTAL=$((7 + 6 * N_CONFIGS))
# e2fsprogs lives in /sbin, which a user's PATH may lack
PATH=$PATH:/usr/sbin:/sbin

echo "1..$TOTAL"
for tool in mke2fs debugfs e2fsck; do
    command -v "$tool" >/dev/null || skip_all "no $tool (apt-get install e2fsprogs)"
done
command -v python3 >/dev/null || skip_all "no python3 (it makes data.bin)"
linux_guest

# data.bin: 200 KiB from a fixed LCG, and its size and FNV-1a 64 checksum
# (what /init computes); the image holds it and nothing else.
DIR="$TEST_TMP/disk"
mkdir -p "$DIR"
read -r SIZE SUM < <(python3 - "$DIR/data.bin" <<'EOF'
import sys
x, data = 0x5EED, bytearray()
for _ in range(200 * 1024):
    x = (x * 6364136223846793005 + 1442695040888963407) % 2**64
    data.append(x >> 56)
open(sys.argv[1], "wb").write(data)
h = 1469598103934665603
for b in data:
    h = ((h ^ b) * 1099511628211) % 2**64
print(len(data), "%016x" % h)
EOF
)
PRISTINE="$TEST_TMP/pristine.img"
truncate -s 16M "$PRISTINE"
if ! mke2fs -q -F -t ext4 -d "$DIR" "$PRISTINE" > "$TEST_TMP/mke2fs.log" 2>&1; then
    for _ in $(seq "$TOTAL"); do not_ok "mke2fs -t ext4 -d failed"; done
    diag < "$TEST_TMP/mke2fs.log"
    exit 0
fi
printf '%s\n' "init: disk data.bin $SIZE $SUM" "init: disk written" "init: hwrng 32 bytes" \
    > "$TEST_TMP/disk-lines.want"
APPEND="console=ttyS0 panic=-1 shoal.disk=1 shoal.hvc=1"
QEMU_NET=()
NET_CONF=
if [ "$NET" = 1 ]; then
    printf '%s\n' "init: net eth0 10.0.2.15" "init: http data.bin $SIZE $SUM" \
        "init: served a client on port 8080" >> "$TEST_TMP/disk-lines.want"
    # The host's HTTP server, which the guest reaches at the gateway 10.0.2.2.
    "$SHOAL_SRCDIR/tests/linux/http-serve" "$DIR" > "$TEST_TMP/http.port" 2> "$TEST_TMP/http.err" &
    HTTP_PID=$!
    trap 'kill $HTTP_PID 2>/dev/null' EXIT
    for _ in $(seq 50); do [ -s "$TEST_TMP/http.port" ] && break; sleep 0.1; done
    APPEND="$APPEND ip=dhcp shoal.http=10.0.2.2:$(cat "$TEST_TMP/http.port") shoal.serve=8080"
    # A free host port for the guest's server, forwarded to its 8080.
    FWD_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    QEMU_NET=(-netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$FWD_PORT-:8080"
        -device virtio-net-device,netdev=n0)
    NET_CONF="$(device_group net0 virtio-net "$NET_BASE" "$NET_IRQ")
hostfwd=tcp:127.0.0.1:$FWD_PORT-:8080"
fi
# fwd_client: the host's client of the guest's server, through hostfwd, in
# the background while a machine runs (it waits for the guest to listen).
fwd_client() {
    [ "$NET" = 1 ] && "$SHOAL_SRCDIR/tests/linux/fwd-client" "$FWD_PORT" > /dev/null 2>&1 &
}
echo "init: hvc got ping" >> "$TEST_TMP/disk-lines.want"
for i in $(seq 0 999); do printf 'line %04d of %s\n' "$i" "$SUM"; done > "$TEST_TMP/out.txt.want"

# Each run writes its own copy of the image.
fresh_image() { cp "$PRISTINE" "$TEST_TMP/$1.img"; }

# check_image NAME: two TAP lines on $TEST_TMP/NAME.img after NAME's run.
check_image() {
    local img="$TEST_TMP/$1.img"
    debugfs -R 'cat /out.txt' "$img" > "$TEST_TMP/$1.out.txt" 2> "$TEST_TMP/$1.debugfs.err"
    if ! check_same "$1: the image holds the out.txt /init wrote (debugfs)" \
        "$TEST_TMP/out.txt.want" "$TEST_TMP/$1.out.txt"; then
        diag < "$TEST_TMP/$1.debugfs.err"
    fi
    if e2fsck -fn "$img" > "$TEST_TMP/$1.fsck" 2>&1; then
        ok "$1: e2fsck -fn finds the image clean"
    else
        not_ok "$1: e2fsck -fn finds the image clean"
        diag < "$TEST_TMP/$1.fsck"
    fi
}

disk_lines() { grep -E '^init: (disk|hwrng|hvc|net|http|served|FAIL)' "$1"; }

# hvc_client NAME: the host's end of the virtio console, in the background
# (tests/linux/hvc-client); hvc_check NAME then says whether it heard the
# guest (one TAP line).
hvc_client() {
    "$SHOAL_SRCDIR/tests/linux/hvc-client" "$TEST_TMP/$1.hvc" > "$TEST_TMP/$1.hvc.out" \
        2> "$TEST_TMP/$1.hvc.err" &
    HVC_PID=$!
}
hvc_check() {
    wait "$HVC_PID"
    if grep -qx 'hello from hvc0' "$TEST_TMP/$1.hvc.out"; then
        ok "$1: the console socket's client got the guest's hello on hvc0"
    else
        not_ok "$1: the console socket's client got the guest's hello on hvc0"
        diag < "$TEST_TMP/$1.hvc.err"
    fi
}

fresh_image QEMU
hvc_client QEMU
fwd_client
qemu_ref 4 "$APPEND" disk -global virtio-mmio.force-legacy=false \
    -drive "if=none,format=raw,file=$TEST_TMP/QEMU.img,id=d0" -device virtio-blk-device,drive=d0 \
    -object rng-random,filename=/dev/urandom,id=rng0 -device virtio-rng-device,rng=rng0 \
    "${QEMU_NET[@]}" -chardev "socket,id=c0,path=$TEST_TMP/QEMU.hvc,server=on,wait=off" \
    -device virtio-serial-device -device virtconsole,chardev=c0
REF="$TEST_TMP/qemu-4-disk"
if [ "$QEMU_RC" = 0 ] && grep -aq 'reboot: Power down' "$REF.log" &&
    grep -q '^init: checksum' "$REF"; then
    ok "QEMU: Linux with the disk runs /init and powers off"
else
    not_ok "QEMU: Linux with the disk runs /init and powers off (exit $QEMU_RC)"
    tail -n 30 "$REF.log" | diag
fi
disk_lines "$REF" > "$REF.disk"
check_same "QEMU: /init reads data.bin, writes, reads the RNG${NET_CONF:+, fetches data.bin over the network}" \
    "$TEST_TMP/disk-lines.want" "$REF.disk"
check_image QEMU
hvc_check QEMU
no_trouble_ok "QEMU: no stall, lockup, BUG or Oops in the kernel log" "$REF.log"

for c in $CONFIGS; do
    fresh_image "$c"
    cat > "$TEST_TMP/$c.conf" <<EOF
[machine]
include=$SHOAL_SRCDIR/configs/$c.conf
$(device_group disk0 virtio-blk "$DISK_BASE" "$DISK_IRQ")
file=$TEST_TMP/$c.img
$(device_group rng0 virtio-rng "$RNG_BASE" "$RNG_IRQ")
$(device_group con0 virtio-console "$CON_BASE" "$CON_IRQ")
socket=$TEST_TMP/$c.hvc
$NET_CONF
EOF
    hvc_client "$c"
    fwd_client
    shoal_run "$c" "$APPEND" "$TEST_TMP/$c.conf"
    ended_with "$c" "Linux with the disk runs /init and powers off" 'reboot: Power down'
    check_same "$c: /init prints what it prints on QEMU with the disk${NET_CONF:+ and the network}" \
        "$REF" "$TEST_TMP/$c.init"
    check_image "$c"
    hvc_check "$c"
    no_trouble_ok "$c: no stall, lockup, BUG or Oops in the kernel log" "$TEST_TMP/$c.log"
done
# A reboot from /init (shoal_after=reboot): the machine reset stops
# shoal-virtio like a node and puts its devices back at power-on
# (docs/virtio.md); the second boot's kernel must find the disk and its
# /init read it again (out.txt, written the first time, is on it: e2fsck
# passed). The second boot is cut short once it has.
c=${CONFIGS##* }
fresh_image "$c"
LOG="$TEST_TMP/reboot.log"
hvc_client "$c"
fwd_client
"$SHOAL" run "$TEST_TMP/$c.conf" --bios "$BIOS" --kernel "$KERNEL" --initrd "$INITRD" \
    --append "$APPEND shoal_after=reboot" > "$LOG" 2>&1 </dev/null &
SPID=$!
second_boot_read_disk() {
    sed '1,/Restarting system/d' "$LOG" | grep -aq "^init: disk data.bin $SIZE $SUM"
}
for _ in $(seq $((RUN_TIMEOUT * 10))); do
    second_boot_read_disk && break
    kill -0 "$SPID" 2>/dev/null || break
    sleep 0.1
done
kill -TERM "$SPID" 2>/dev/null
wait_pid "$SPID" 20
kill "$HVC_PID" 2>/dev/null
if second_boot_read_disk; then
    ok "$c: after a reboot from userspace the new kernel finds the disk and /init reads it"
else
    not_ok "$c: after a reboot from userspace the new kernel finds the disk and /init reads it"
    tail -n 30 "$LOG" | diag
fi
exit 0
