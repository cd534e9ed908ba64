#!/bin/bash
# SPDX-License-Identifier: MIT
# The 2x2 machine spread over two hosts: two network namespaces joined by a
# veth pair, the memory server and node 0 in one, node 1 in the other,
# talking tcp://. The processes are started by hand (no launcher), as any
# cluster launcher would, each host with its own key pair (`shoal keygen`):
# the server's host holds the server's pair, the other host its own, which
# the server's authorized-keys lists, and the server's public key. A node
# whose key is not listed is refused and the machine goes on. Skipped where
# namespaces cannot be made (not root).
. "$(dirname "$0")/lib.sh"

echo "1..4"
ELF="$SHOAL_BUILDDIR/tests/guest/smp.elf"
NS_A="shoal-$$-a"
NS_B="shoal-$$-b"
if [ ! -f "$ELF" ]; then
    for _ in 1 2 3 4; do skip "no $ELF"; done
    exit 0
fi
if [ "$(id -u)" != 0 ] || ! ip netns add "$NS_A" 2>/dev/null; then
    for _ in 1 2 3 4; do skip "cannot create network namespaces here (needs root and ip netns)"; done
    exit 0
fi
teardown() {
    ip netns del "$NS_A" 2>/dev/null
    ip netns del "$NS_B" 2>/dev/null
    cleanup
}
trap teardown EXIT
ip netns add "$NS_B"
ip link add "sv$$a" type veth peer name "sv$$b"
ip link set "sv$$a" netns "$NS_A"
ip link set "sv$$b" netns "$NS_B"
ip -n "$NS_A" addr add 10.77.0.1/24 dev "sv$$a"
ip -n "$NS_B" addr add 10.77.0.2/24 dev "sv$$b"
for ns in "$NS_A" "$NS_B"; do
    ip -n "$ns" link set lo up
done
ip -n "$NS_A" link set "sv$$a" up
ip -n "$NS_B" link set "sv$$b" up

CONF="$TEST_TMP/two-hosts.conf"
cat >"$CONF" <<CONF
[machine]
include=$SHOAL_SRCDIR/configs/virt-2x2.conf
name=virt-2x2-two-hosts

[memory-server]
endpoint=tcp://10.77.0.1:$((20000 + $$ % 20000))
key=machine.key
authorized-keys=authorized
CONF
"$SHOAL" keygen "$TEST_TMP/machine.key"
"$SHOAL" keygen "$TEST_TMP/b.key"
"$SHOAL" keygen "$TEST_TMP/other.key"
{ echo "# host b"; echo "$(cat "$TEST_TMP/b.key.pub") host-b"; } >"$TEST_TMP/authorized"
# What host b is given: its own pair and the server's public key, not the
# server's pair.
on_b="--set memory-server.server-public-key=$TEST_TMP/machine.key.pub"
mkdir -m 0700 "$TEST_TMP/a" "$TEST_TMP/b"
ip netns exec "$NS_A" "$SHOAL_BUILDDIR/shoal-memory-server" "$CONF" --kernel "$ELF" \
    --run-dir "$TEST_TMP/a" >"$TEST_TMP/out" 2>"$TEST_TMP/msrv.err" &
msrv=$!
ip netns exec "$NS_A" "$SHOAL_BUILDDIR/shoal-cpu-node" "$CONF" --kernel "$ELF" \
    --run-dir "$TEST_TMP/a" --node 0 2>"$TEST_TMP/n0.err" &
# A node 1 with a key the server does not list first: refused, it must not
# take the slot.
ip netns exec "$NS_B" "$SHOAL_BUILDDIR/shoal-cpu-node" "$CONF" --kernel "$ELF" \
    --run-dir "$TEST_TMP/b" --node 1 $on_b --set memory-server.client-key="$TEST_TMP/other.key" \
    2>"$TEST_TMP/intruder.err" &
wait_pid $! 30
check "a node with another key exits non-zero (got $WAIT_RC)" \
    test "$WAIT_RC" != 0 -a "$WAIT_RC" != timeout
check "it was refused for its key" grep -q "key" "$TEST_TMP/intruder.err"
diag < "$TEST_TMP/intruder.err"
# The join command: the config, the node, the keys; no run directory.
ip netns exec "$NS_B" "$SHOAL_BUILDDIR/shoal-cpu-node" "$CONF" --node 1 $on_b \
    --set memory-server.client-key="$TEST_TMP/b.key" 2>"$TEST_TMP/n1.err" &
wait_pid "$msrv" 60
check "the machine ends with the guest's exit code 0 (got $WAIT_RC)" [ "$WAIT_RC" = 0 ]
grep -q "PASS 4 checks" "$TEST_TMP/out"
check "four harts on two hosts count exactly" [ $? = 0 ]
cat "$TEST_TMP/out" "$TEST_TMP"/*.err | diag
wait
