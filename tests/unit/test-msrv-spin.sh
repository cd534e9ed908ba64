#!/bin/sh
# SPDX-License-Identifier: MIT
# Model-checks memory-server/directory.pml (the coherence protocol: directory,
# node agents, harts) with spin:
#   1. safety, 2 nodes x 3 accesses each: no assertion violation (single
#      writer, reads see the last write) and no invalid end state (deadlock);
#   2. the same with 3 nodes x 1 access each (invalidating two sharers);
#   3. safety with forwarded accesses (a read or an AMO made at the owner),
#      2 nodes x 2 accesses (1 and 2 model the table alone, -DFORWARD=0:
#      with forwarding at 3 accesses spin needs 10 GB);
#   4. liveness, 2 nodes x 2 accesses each, forwarding too: no cycle
#      without a grant under weak fairness (every request is eventually
#      granted or made);
#   5. the model can fail: without the agent's wait for the grants an
#      Invalidate or Recall follows (-DWAIT_INSTALLS=0) spin must find an
#      assertion violation.
# Skipped, never passed, without spin or a C compiler.
. "$(dirname "$0")/spin-lib.sh"
spin_setup memory-server/directory.pml \
    "directory.pml safety" \
    "directory.pml safety, 3 nodes" \
    "directory.pml safety, forwarding" \
    "directory.pml liveness" \
    "directory.pml WAIT_INSTALLS=0"

# check NUMBER NAME NODES OPS CFLAGS PAN-FLAGS FORWARD
check() {
    rm -f pan pan.* directory.pml.trail
    if spin -DN="$3" -DOPS="$4" -DFORWARD="$7" -a directory.pml > spin.log 2>&1 &&
       "$cc" -O2 $5 -o pan pan.c >> spin.log 2>&1 &&
       ./pan -m200000 $6 > pan.log 2>&1 &&
       grep -q "errors: 0" pan.log; then
        echo "ok $1 - directory.pml $2: $(grep -o '[0-9]* states, stored' pan.log), no errors"
    else
        echo "not ok $1 - directory.pml $2"
        sed 's/^/# /' spin.log pan.log
        [ -f directory.pml.trail ] &&
            spin -t -DN="$3" -DOPS="$4" -DFORWARD="$7" directory.pml 2>&1 | tail -30 | sed 's/^/# /'
    fi
}
check 1 safety 2 3 -DSAFETY "" 0
check 2 "safety, 3 nodes" 3 1 -DSAFETY "" 0
check 3 "safety, forwarding" 2 2 -DSAFETY "" 1
# NFAIR: weak fairness over the server, two agents and two harts.
check 4 liveness 2 2 "-DNP -DNFAIR=6" "-l -f" 1

rm -f pan pan.* directory.pml.trail
if spin -DN=2 -DOPS=3 -DFORWARD=0 -DWAIT_INSTALLS=0 -a directory.pml > spin.log 2>&1 &&
   "$cc" -O2 -DSAFETY -o pan pan.c >> spin.log 2>&1 && ./pan -m200000 > pan.log 2>&1;
   grep -q "assertion violated" pan.log && [ -f directory.pml.trail ]; then
    echo "ok 5 - directory.pml WAIT_INSTALLS=0 fails: $(grep -o 'assertion violated.*(at' pan.log | head -1)"
else
    echo "not ok 5 - directory.pml WAIT_INSTALLS=0 should fail and does not"
    sed 's/^/# /' spin.log pan.log
fi
