/* SPDX-License-Identifier: MIT */
/* SystemC time holds with the machine (configs/virt-sysc.conf in host
 * time; tests/integration/sysc.sh pauses it for two seconds on the way):
 * for ROUNDS rounds hart 0 compares the SystemC timer's nanosecond counter
 * with mtime. They start apart by however long the bridge took to come up
 * and, in host time, wander by up to a few tens of ms on a loaded host;
 * a SystemC clock that ran on while the harts were held would come back
 * two seconds ahead. */
#include "sysc.h"

#define NS_PER_TICK 100ull  /* virt.conf's timebase, 10 MHz */
#define ROUNDS 300
#define ROUND_NS 10000000ull /* 10 ms of mtime a round: 3 s in all */
#define DRIFT_NS 500000000ll /* the host's jitter fits well inside, a held second does not */

static int64_t skew(void)
{
    return (int64_t)rd64(TIMER_COUNT) - (int64_t)(mtime() * NS_PER_TICK);
}

int main(void)
{
    int64_t first = skew(), worst = 0;
    for (int r = 0; r < ROUNDS; r++) {
        uint64_t until = mtime() + ROUND_NS / NS_PER_TICK;
        while (mtime() < until)
            ;
        int64_t drift = skew() - first;
        if (drift < 0)
            drift = -drift;
        if (drift > worst)
            worst = drift;
    }
    guest_puts("held-worst-drift-ms ");
    guest_put_udec((uint64_t)worst / 1000000);
    guest_putc('\n');
    check_true("SystemC time and mtime kept together", worst < DRIFT_NS);
    return check_finish();
}
