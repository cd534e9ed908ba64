#!/bin/sh
# SPDX-License-Identifier: MIT
# Dead code across files: every global symbol that shoal's C objects define
# must be referenced from some object (another file, a test, or its own
# file through a relocation, as a call to a global function is). A global
# that nothing references is dead, or should be static. -Wunused-function
# sees one file at a time; this sees the whole build.
# Not checked: protobuf-c's generated code (proto/), the C++ of sysc-bridge/
# (its library is an installed API), and main.
# Objects whose source is gone (a stale build directory) are skipped.
# Skipped, never passed, without nm and objdump.
set -u
build=${SHOAL_BUILDDIR:-.}
src=${SHOAL_SRCDIR:-.}
echo "1..1"
if ! command -v nm >/dev/null || ! command -v objdump >/dev/null; then
    echo "ok 1 # SKIP no nm/objdump"
    exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/shoal-unref.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# has_source OBJECT: automake names objects TARGET-SOURCE.o (or SOURCE.o)
has_source() {
    dir=$(dirname "$1")
    base=$(basename "$1" .o)
    rest=${base#*-}
    for s in "$base" "$rest"; do
        for ext in c cc; do
            [ -f "$src/$dir/$s.$ext" ] && return 0
        done
    done
    return 1
}

(cd "$build" && find config launcher interconnect memory-server cpu-node tcg tests sysc-bridge virtio \
    -name '*.o' 2>/dev/null) | sort > "$tmp/all"
: > "$tmp/objects"
while read -r o; do
    if has_source "$o"; then echo "$o" >> "$tmp/objects"; fi
done < "$tmp/all"
if [ ! -s "$tmp/objects" ]; then
    echo "not ok 1 - no objects under $build (not built?)"
    exit 0
fi

# What is referenced: undefined symbols and relocation targets of every object.
(cd "$build" && while read -r o; do
    nm -u "$o" | awk '{ print $NF }'
    objdump -r "$o" | awk 'NF == 3 && $1 ~ /^[0-9a-f]+$/ { sub(/[-+]0x[0-9a-f]+$/, "", $3); print $3 }'
done < "$tmp/objects") | sort -u > "$tmp/referenced"

# What is defined: global functions and data of our C objects.
(cd "$build" && grep -v -E '^(proto|sysc-bridge)/|\.cc?\.o$' "$tmp/objects" | while read -r o; do
    nm -g --defined-only "$o" | awk -v o="$o" '$2 ~ /^[TDBR]$/ { print $3, o }'
done) | grep -v -E '^main ' | sort -u > "$tmp/defined"

awk 'NR == FNR { ref[$1] = 1; next } !($1 in ref)' "$tmp/referenced" "$tmp/defined" \
    > "$tmp/unreferenced"
n=$(wc -l < "$tmp/unreferenced")
if [ "$n" = 0 ]; then
    echo "ok 1 - every global of $(wc -l < "$tmp/defined") is referenced"
else
    echo "not ok 1 - $n globals defined and never referenced (dead, or should be static)"
    sed 's/^/# /' "$tmp/unreferenced"
fi
