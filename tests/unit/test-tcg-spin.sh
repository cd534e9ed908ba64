#!/bin/sh
# SPDX-License-Identifier: MIT
# Model-checks tcg/safe-work.pml (the safe-work handshake between a node
# agent and its harts) with spin: no assertion violation (no work while a
# block runs, no mapping used after its flush) and no invalid end state (no
# deadlock), 2 harts, each running 2 blocks and asked for safe work once
# (about 6 M states, 10 s). Skipped, never passed, without spin or a C compiler.
srcdir=${SHOAL_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
cc=${CC:-cc}
echo "1..1"
if ! command -v spin >/dev/null 2>&1; then
    echo "ok 1 - safe-work.pml # SKIP spin not installed (apt-get install spin)"
    exit 0
fi
if ! command -v "$cc" >/dev/null 2>&1; then
    echo "ok 1 - safe-work.pml # SKIP no C compiler for spin's verifier"
    exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/shoal-spin.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
cp "$srcdir/tcg/safe-work.pml" "$tmp/" || exit 1
cd "$tmp" || exit 1
if spin -DHARTS=2 -DREQUESTS=1 -a safe-work.pml > spin.log 2>&1 &&
   "$cc" -O2 -DSAFETY -DCOLLAPSE -o pan pan.c >> spin.log 2>&1 &&
   ./pan -m200000 > pan.log 2>&1 &&
   grep -q "errors: 0" pan.log; then
    echo "ok 1 - safe-work.pml: $(grep -o '[0-9]* states, stored' pan.log), no errors"
else
    echo "not ok 1 - safe-work.pml"
    sed 's/^/# /' spin.log pan.log
    [ -f safe-work.pml.trail ] && spin -t -DHARTS=2 -DREQUESTS=1 safe-work.pml 2>&1 | tail -30 | sed 's/^/# /'
fi
