#!/bin/sh
# SPDX-License-Identifier: MIT
# The disk image virtio.c reads and writes, made the same way every time so
# its checksums can be fixed in virtio.expected.
#   virtio-disk.sh create IMG  writes a fresh image (the guest writes sector
#                              5, so make one per run)
#   virtio-disk.sh check IMG   after a run: sector 5 holds the guest's
#                              pattern, every other sector is untouched
#   virtio-disk.sh fnv IMG     FNV-1a (32-bit) of sectors 0-7 (virtio.c's
#                              DISK_FNV_0_7, for a fresh image)
# Layout: 128 sectors of 512 bytes (64 KiB); byte i of sector s is
# (7s + i + 101 * (i / 256)) mod 256. The guest writes byte i of sector 5
# as (13i + 90) mod 256. virtio.c derives both from the same formulas.
set -eu

if [ $# -ne 2 ]; then
    echo "usage: $0 create|check|fnv IMG" >&2
    exit 2
fi

exec python3 - "$1" "$2" <<'EOF'
import sys

SECTORS, SIZE, WRITTEN = 128, 512, 5
cmd, path = sys.argv[1], sys.argv[2]


def sector(s):
    return bytes((7 * s + i + 101 * (i // 256)) & 0xFF for i in range(SIZE))


def written():
    return bytes((13 * i + 90) & 0xFF for i in range(SIZE))


if cmd == "create":
    with open(path, "wb") as f:
        f.write(b"".join(sector(s) for s in range(SECTORS)))
elif cmd == "check":
    with open(path, "rb") as f:
        data = f.read()
    if len(data) != SECTORS * SIZE:
        sys.exit(f"{path}: {len(data)} bytes, want {SECTORS * SIZE}")
    bad = []
    for s in range(SECTORS):
        want = written() if s == WRITTEN else sector(s)
        if data[s * SIZE:(s + 1) * SIZE] != want:
            bad.append(str(s))
    if bad:
        sys.exit(f"{path}: sectors unlike expected: {' '.join(bad)}")
elif cmd == "fnv":
    with open(path, "rb") as f:
        data = f.read(8 * SIZE)
    h = 2166136261
    for b in data:
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    print(f"0x{h:08x}")
else:
    sys.exit(f"unknown command {cmd}: want create, check or fnv")
EOF
