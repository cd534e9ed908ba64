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
check "two clusters of two cores" \
    [ "$(grep -c 'cluster[01] {' "$DTS")" = 2 ] && [ "$(grep -c 'core[01] {' "$DTS")" = 4 ]
check "--set memory.size reaches the memory nodes (a half per NUMA node), stdout-path the UART" \
    grep -q 'reg = <0x00 0x80000000 0x00 0x8000000>' "$DTS" &&
    grep -q 'reg = <0x00 0x88000000 0x00 0x8000000>' "$DTS" &&
    [ "$(grep -c 'numa-node-id = <0x01>' "$DTS")" = 3 ] &&
    grep -q 'stdout-path = "/soc/serial@10000000"' "$DTS"
exit 0
