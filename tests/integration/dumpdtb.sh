#!/bin/bash
# SPDX-License-Identifier: MIT
# `shoal dumpdtb` writes the device tree firmware gets; dtc must read it
# back and see the machine: 4 harts of virt-2x2 in two clusters, --set
# applied (RAM size), the UART as stdout.
. "$(dirname "$0")/lib.sh"

echo "1..5"
if ! command -v dtc > /dev/null; then
    for i in 1 2 3 4 5; do skip "no dtc (apt-get install device-tree-compiler)"; done
    exit 0
fi
DTB=$TEST_TMP/virt-2x2.dtb
"$SHOAL" dumpdtb "$SHOAL_SRCDIR/configs/virt-2x2.conf" "$DTB" --set memory.size=256M
check "dumpdtb exits 0 and writes the file" test -s "$DTB"
if dtc -q -I dtb -O dts -o "$TEST_TMP/out.dts" "$DTB"; then
    ok "dtc reads the blob"
else
    not_ok "dtc reads the blob"
fi
DTS=$TEST_TMP/out.dts
check "four cpus" [ "$(grep -c 'device_type = "cpu"' "$DTS")" = 4 ]
# in_dts PATTERN N: PATTERN is on N lines of the device tree
in_dts() { [ "$(grep -c -- "$1" "$DTS")" = "$2" ]; }
two_clusters() { in_dts 'cluster[01] {' 2 && in_dts 'core[01] {' 4; }
check "two clusters of two cores" two_clusters
memory_and_stdout() {
    in_dts 'reg = <0x00 0x80000000 0x00 0x8000000>' 1 &&
        in_dts 'reg = <0x00 0x88000000 0x00 0x8000000>' 1 &&
        in_dts 'numa-node-id = <0x01>' 3 && in_dts 'stdout-path = "/soc/serial@10000000"' 1
}
check "--set memory.size reaches the memory nodes (a half per NUMA node), stdout-path the UART" \
    memory_and_stdout
exit 0
