/* SPDX-License-Identifier: MIT */
/* Self-checking helpers: every result is printed and compared with the value
 * derived from the ISA spec, and the exit code says whether all matched. */
#include "guest.h"

static unsigned checks, failures;

void check_u64(const char *name, uint64_t got, uint64_t want)
{
    checks++;
    guest_puts(name);
    guest_puts(" = ");
    guest_put_hex(got);
    if (got == want) {
        guest_puts(" ok\n");
    } else {
        failures++;
        guest_puts(" FAIL want ");
        guest_put_hex(want);
        guest_putc('\n');
    }
}

void check_true(const char *name, int cond)
{
    checks++;
    guest_puts(name);
    if (cond) {
        guest_puts(" ok\n");
    } else {
        failures++;
        guest_puts(" FAIL\n");
    }
}

int check_finish(void)
{
    if (failures) {
        guest_puts("FAIL ");
        guest_put_udec(failures);
        guest_puts(" of ");
        guest_put_udec(checks);
        guest_puts(" checks\n");
        return 1;
    }
    guest_puts("PASS ");
    guest_put_udec(checks);
    guest_puts(" checks\n");
    return 0;
}
