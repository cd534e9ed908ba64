#!/bin/bash
# SPDX-License-Identifier: MIT
# Two machines joined by a virtio-net link (netdev=stream, and dgram), no
# user network: machine A, always shoal, takes 10.0.3.1 (a static ip= of
# the kernel) and serves data.bin once over HTTP (/init's shoal.httpd=,
# the 200 KiB of virtio-linux.sh, made by /init itself); machine B takes
# 10.0.3.2 and fetches it (shoal.http=), and both print its size and
# checksum, which must be what the host computes. B is QEMU 7.2 first, so
# our frames are QEMU's on the wire: over a unix stream (A listens, QEMU's
# -netdev stream connects) and over UDP (A's dgram beside QEMU's -netdev
# dgram); then B is shoal too, over TCP, started a second before A: its
# card tries to connect until A listens. Each run ends with both machines powered off.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/linux-lib.sh"

NET_BASE=0x10006000 NET_IRQ=6 # QEMU's first virtio-mmio transport, as virtio-linux.sh
CONF_A=virt-1x2 CONF_B=virt-2x1
TOTAL=8
echo "1..$TOTAL"
command -v python3 >/dev/null || skip_all "no python3 (it picks free ports)"
linux_guest

# data.bin's size and FNV-1a 64 checksum, as virtio-linux.sh makes it.
read -r SIZE SUM < <(python3 - <<'EOF'
x, h = 0x5EED, 1469598103934665603
for _ in range(200 * 1024):
    x = (x * 6364136223846793005 + 1442695040888963407) % 2**64
    h = ((h ^ (x >> 56)) * 1099511628211) % 2**64
print(200 * 1024, "%016x" % h)
EOF
)
free_port() { # a free port on 127.0.0.1 for $1 (tcp or udp)
    python3 - "$1" <<'EOF'
import socket, sys
s = socket.socket(type=socket.SOCK_DGRAM if sys.argv[1] == "udp" else socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
EOF
}
IP="::255.255.255.0::eth0:off"
APPEND_A="console=ttyS0 panic=-1 ip=10.0.3.1:$IP shoal.httpd=8080"
APPEND_B="console=ttyS0 panic=-1 ip=10.0.3.2:$IP shoal.http=10.0.3.1:8080"
echo "init: httpd sent data.bin $SIZE $SUM" > "$TEST_TMP/a.want"
printf '%s\n' "init: net eth0 10.0.3.2" "init: http data.bin $SIZE $SUM" > "$TEST_TMP/b.want"
link_lines() { grep -E '^init: (net|http|httpd|FAIL)' "$1"; }

# machine NAME CONF MAC KEYS...: configs/CONF.conf with a virtio-net card
# of MAC whose backend KEYS (one per line) give, in $TEST_TMP/NAME.conf.
machine() {
    local name=$1 conf=$2 mac=$3
    shift 3
    printf '[machine]\ninclude=%s\n[device.net0]\ntype=virtio-net\nbase=%s\nsize=0x1000\nirq=%s\nmac=%s\n' \
        "$SHOAL_SRCDIR/configs/$conf.conf" "$NET_BASE" "$NET_IRQ" "$mac" > "$TEST_TMP/$name.conf"
    printf '%s\n' "$@" >> "$TEST_TMP/$name.conf"
}
# start NAME APPEND: shoal runs $TEST_TMP/NAME.conf in the background (PID_NAME)
start() {
    "$SHOAL" run "$TEST_TMP/$1.conf" --bios "$BIOS" --kernel "$KERNEL" --initrd "$INITRD" \
        --append "$2" > "$TEST_TMP/$1.log" 2>&1 </dev/null &
    eval "PID_$1=$!"
}
# finish NAME: waits for it; RC, and /init's lines in $TEST_TMP/NAME.init
finish() {
    wait_pid "$(eval echo "\$PID_$1")" "$RUN_TIMEOUT"
    RC=$WAIT_RC
    init_lines "$TEST_TMP/$1.log" > "$TEST_TMP/$1.init"
}
# check_pair DESCRIPTION A B: one TAP line: both ran clean to power-off
# and printed what they should of the transfer.
check_pair() {
    local what=$1 a=$2 b=$3
    link_lines "$TEST_TMP/$a.init" > "$TEST_TMP/$a.link"
    link_lines "$TEST_TMP/$b.init" > "$TEST_TMP/$b.link"
    if [ "$RC_A" = 0 ] && [ "$RC_B" = 0 ] && cmp -s "$TEST_TMP/a.want" "$TEST_TMP/$a.link" &&
        cmp -s "$TEST_TMP/b.want" "$TEST_TMP/$b.link" &&
        grep -aq 'reboot: Power down' "$TEST_TMP/$a.log" &&
        grep -aq 'reboot: Power down' "$TEST_TMP/$b.log"; then
        ok "$what"
    else
        not_ok "$what (exit $RC_A and $RC_B)"
        diff "$TEST_TMP/a.want" "$TEST_TMP/$a.link" | diag
        diff "$TEST_TMP/b.want" "$TEST_TMP/$b.link" | diag
        tail -n 15 "$TEST_TMP/$a.log" | diag
        tail -n 15 "$TEST_TMP/$b.log" | diag
    fi
}
QEMU_B=(-global virtio-mmio.force-legacy=false -device virtio-net-device,netdev=n0,mac=52:54:00:12:34:57)

# 1. shoal listens on a unix socket, QEMU's -netdev stream connects.
SOCK="$TEST_TMP/link.sock"
machine a1 "$CONF_A" 52:54:00:12:34:56 netdev=stream "listen=unix:$SOCK"
start a1 "$APPEND_A"
SPID=$PID_a1
if wait_socket "$SOCK"; then
    qemu_ref 2 "$APPEND_B" stream -netdev "stream,id=n0,server=off,addr.type=unix,addr.path=$SOCK" \
        "${QEMU_B[@]}"
    RC_B=$QEMU_RC
    cp "$TEST_TMP/qemu-2-stream" "$TEST_TMP/b1.init"
    cp "$TEST_TMP/qemu-2-stream.log" "$TEST_TMP/b1.log"
else
    RC_B="no socket"
    : > "$TEST_TMP/b1.init"
    : > "$TEST_TMP/b1.log"
fi
finish a1
RC_A=$RC
check_pair "stream (unix): QEMU fetches data.bin from shoal over -netdev stream" a1 b1
no_trouble_ok "stream (unix): no stall, lockup, BUG or Oops in shoal's kernel log" "$TEST_TMP/a1.log"
check "stream (unix): the listener's socket file is gone after the run" test ! -e "$SOCK"

# 2. UDP datagrams: shoal's dgram beside QEMU's -netdev dgram.
PA=$(free_port udp) PB=$(free_port udp)
machine a2 "$CONF_A" 52:54:00:12:34:56 netdev=dgram "local=udp:127.0.0.1:$PA" \
    "remote=udp:127.0.0.1:$PB"
start a2 "$APPEND_A"
qemu_ref 2 "$APPEND_B" dgram -netdev \
    "dgram,id=n0,local.type=inet,local.host=127.0.0.1,local.port=$PB,remote.type=inet,remote.host=127.0.0.1,remote.port=$PA" \
    "${QEMU_B[@]}"
RC_B=$QEMU_RC
cp "$TEST_TMP/qemu-2-dgram" "$TEST_TMP/b2.init"
cp "$TEST_TMP/qemu-2-dgram.log" "$TEST_TMP/b2.log"
finish a2
RC_A=$RC
check_pair "dgram (udp): QEMU fetches data.bin from shoal over -netdev dgram" a2 b2
no_trouble_ok "dgram (udp): no stall, lockup, BUG or Oops in shoal's kernel log" "$TEST_TMP/a2.log"

# 3. Two shoal machines over TCP; B connects before A listens.
PORT=$(free_port tcp)
machine a3 "$CONF_A" 52:54:00:12:34:56 netdev=stream "listen=tcp:127.0.0.1:$PORT"
machine b3 "$CONF_B" 52:54:00:12:34:57 netdev=stream "connect=tcp:127.0.0.1:$PORT"
start b3 "$APPEND_B"
sleep 1
start a3 "$APPEND_A"
finish a3
RC_A=$RC
finish b3
RC_B=$RC
check_pair "stream (tcp): shoal $CONF_B fetches data.bin from shoal $CONF_A" a3 b3
no_trouble_ok "stream (tcp): no stall, lockup, BUG or Oops in A's kernel log" "$TEST_TMP/a3.log"
no_trouble_ok "stream (tcp): no stall, lockup, BUG or Oops in B's kernel log" "$TEST_TMP/b3.log"
exit 0
