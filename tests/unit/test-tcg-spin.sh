#!/bin/sh
# SPDX-License-Identifier: MIT
# Model-checks tcg/safe-work.pml (the safe-work handshake between a node
# agent and its harts) with spin: no assertion violation (no work while a
# block runs, no mapping used after its flush) and no invalid end state (no
# deadlock), 2 harts, each running 2 blocks and asked for safe work once
# (about 8 M states, 10 s); then the same with hart 0 running an exclusive
# section (no other hart in a block meanwhile; about 22 M states, 30 s).
# Skipped, never passed, without spin or a C compiler.
. "$(dirname "$0")/spin-lib.sh"
spin_setup tcg/safe-work.pml \
    "safe-work.pml" \
    "safe-work.pml exclusive"

# check NUMBER NAME SPIN-DEFINES
check() {
    rm -f pan pan.* safe-work.pml.trail
    if spin -DHARTS=2 -DREQUESTS=1 $3 -a safe-work.pml > spin.log 2>&1 &&
       "$cc" -O2 -DSAFETY -DCOLLAPSE -o pan pan.c >> spin.log 2>&1 &&
       ./pan -m200000 > pan.log 2>&1 &&
       grep -q "errors: 0" pan.log; then
        echo "ok $1 - $2: $(grep -o '[0-9]* states, stored' pan.log), no errors"
    else
        echo "not ok $1 - $2"
        sed 's/^/# /' spin.log pan.log
        [ -f safe-work.pml.trail ] &&
            spin -t -DHARTS=2 -DREQUESTS=1 $3 safe-work.pml 2>&1 | tail -30 | sed 's/^/# /'
    fi
}
check 1 safe-work.pml ""
check 2 "safe-work.pml exclusive" -DEXCLUSIVE
