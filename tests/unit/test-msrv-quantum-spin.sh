#!/bin/sh
# SPDX-License-Identifier: MIT
# Model-checks memory-server/quantum.pml (deterministic time's quantum
# barrier: harts, node agents, server, bridge) with spin:
#   1. safety, 2 nodes x 1 hart, 2 quanta: no assertion violation (every
#      IrqLine of quantum k applied before its node starts k+1; DMA Recalls
#      only while the node's harts are parked; a line behind a write only
#      after it) and no invalid end state (deadlock);
#   2. the same with 2 nodes x 2 harts, 1 quantum;
#   3. 2 nodes x 1 hart, quanta without end: the same assertions, and no
#      cycle without a QuantumGo (every quantum ends: pan -l);
#   4-6. the model can fail: with one ordering the C code relies on removed
#      (BUG_IPI_CHANNEL, BUG_GO_EARLY, BUG_LINE_EARLY) spin must find an
#      assertion violation.
# Skipped, never passed, without spin or a C compiler.
. "$(dirname "$0")/spin-lib.sh"
spin_setup memory-server/quantum.pml \
    "quantum.pml safety, 2x1" \
    "quantum.pml safety, 2x2" \
    "quantum.pml progress" \
    "quantum.pml BUG_IPI_CHANNEL" \
    "quantum.pml BUG_GO_EARLY" \
    "quantum.pml BUG_LINE_EARLY"

# verify SPIN-DEFINES CFLAGS PAN-FLAGS: builds and runs pan, output in pan.log
verify() {
    rm -f pan pan.* quantum.pml.trail
    spin $1 -a quantum.pml > spin.log 2>&1 &&
        "$cc" $2 -w -o pan pan.c >> spin.log 2>&1 &&
        ./pan $3 > pan.log 2>&1
}

# check NUMBER NAME SPIN-DEFINES CFLAGS PAN-FLAGS: spin must find no error
check() {
    if verify "$3" "$4" "$5" && grep -q "errors: 0" pan.log &&
       ! grep -q "max search depth too small" pan.log; then
        echo "ok $1 - quantum.pml $2: $(grep -o '[0-9]* states, stored' pan.log), no errors"
    else
        echo "not ok $1 - quantum.pml $2"
        sed 's/^/# /' spin.log pan.log
        [ -f quantum.pml.trail ] && spin -t $3 quantum.pml 2>&1 | tail -30 | sed 's/^/# /'
    fi
}

# broken NUMBER SWITCH: with the ordering removed, spin must find a violation
broken() {
    if verify "-DHARTS=1 -DQUANTA=2 -D$2" "-O0 -DSAFETY" "-m200000" &&
       grep -q "assertion violated" pan.log && [ -f quantum.pml.trail ]; then
        echo "ok $1 - quantum.pml -D$2 fails: $(grep -o 'assertion violated.*(at' pan.log | head -1)"
    else
        echo "not ok $1 - quantum.pml -D$2 should fail and does not"
        sed 's/^/# /' spin.log pan.log
    fi
}

check 1 "safety, 2x1 harts, 2 quanta" "-DHARTS=1 -DQUANTA=2" "-O2 -DSAFETY -DCOLLAPSE" "-m200000"
check 2 "safety, 2x2 harts, 1 quantum" "-DHARTS=2 -DQUANTA=1" "-O2 -DSAFETY -DCOLLAPSE" "-m200000"
# Every quantum ends: no cycle at all passes no QuantumGo, fair or not (a
# stronger check than under weak fairness, and cheaper).
check 3 "progress, 2x1 harts, endless quanta" "-DHARTS=1 -DFOREVER" "-O2 -DNP -DCOLLAPSE" \
    "-m400000 -l"
broken 4 BUG_IPI_CHANNEL
broken 5 BUG_GO_EARLY
broken 6 BUG_LINE_EARLY
