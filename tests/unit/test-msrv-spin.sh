#!/bin/sh
# SPDX-License-Identifier: MIT
# Model-checks memory-server/directory.pml (the coherence protocol: directory,
# node agents, harts) with spin: no assertion violation (single writer, reads
# see the last write) and no invalid end state (no deadlock), 2 nodes x 3
# accesses each. Skipped, never passed, without spin or a C compiler.
srcdir=${SHOAL_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
cc=${CC:-cc}
echo "1..1"
if ! command -v spin >/dev/null 2>&1; then
    echo "ok 1 - directory.pml # SKIP spin not installed (apt-get install spin)"
    exit 0
fi
if ! command -v "$cc" >/dev/null 2>&1; then
    echo "ok 1 - directory.pml # SKIP no C compiler for spin's verifier"
    exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/shoal-spin.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
cp "$srcdir/memory-server/directory.pml" "$tmp/" || exit 1
cd "$tmp" || exit 1
if spin -DN=2 -DOPS=3 -a directory.pml > spin.log 2>&1 &&
   "$cc" -O2 -DSAFETY -o pan pan.c >> spin.log 2>&1 &&
   ./pan -m200000 > pan.log 2>&1 &&
   grep -q "errors: 0" pan.log; then
    echo "ok 1 - directory.pml: $(grep -o '[0-9]* states, stored' pan.log), no errors"
else
    echo "not ok 1 - directory.pml"
    sed 's/^/# /' spin.log pan.log
    [ -f directory.pml.trail ] && spin -t -DN=2 -DOPS=3 directory.pml 2>&1 | tail -30 | sed 's/^/# /'
fi
