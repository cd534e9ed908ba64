/* SPDX-License-Identifier: MIT */
/* The trigger module as debuggers and test suites probe it: tselect,
 * tdata1-3 exist (no illegal-instruction trap), tselect takes 0 and keeps
 * a legal value when given an index past the last trigger, and tdata1's
 * type says what sits at index 0. shoal implements no trigger (type 0);
 * QEMU 7.2 has two mcontrol ones (type 2): both conform, so the test
 * accepts either and prints the same lines for both. */
#include "lib/guest.h"
#include "lib/probe.h"

#define TDATA1_TYPE_SHIFT 60
#define TYPE_NONE 0
#define TYPE_MCONTROL 2

int main(void)
{
    probe_install();

    PROBE("1: csrw tselect, %1", 0ull);
    check_u64("csrw tselect, 0: no trap", probe.count, 0);
    check_u64("tselect reads 0", CSR_READ(tselect), 0);
    PROBE("1: csrw tselect, %1", 1000ull);
    check_u64("csrw tselect, 1000: no trap", probe.count, 0);
    check_u64("tselect keeps 0 (no trigger 1000)", CSR_READ(tselect), 0);
    CSR_WRITE(tselect, 0);

    PROBE("1: csrr a0, tdata1", 0ull);
    check_u64("csrr tdata1: no trap", probe.count, 0);
    uint64_t type = CSR_READ(tdata1) >> TDATA1_TYPE_SHIFT;
    check_true("tdata1.type is none or mcontrol", type == TYPE_NONE || type == TYPE_MCONTROL);
    PROBE("1: csrr a0, tdata2", 0ull);
    check_u64("csrr tdata2: no trap", probe.count, 0);
    PROBE("1: csrr a0, tdata3", 0ull);
    check_u64("csrr tdata3: no trap", probe.count, 0);
    PROBE("1: csrw tdata1, %1", 0ull);
    check_u64("csrw tdata1, 0: no trap", probe.count, 0);
    return check_finish();
}
