/* SPDX-License-Identifier: MIT */
/* sifive_test (QEMU virt's "test" device): the guest writes a status word at
 * offset 0 to end the machine: 0x5555 pass, 0x3333 | code << 16 fail with
 * code, 0x7777 reset (a power cycle of the machine, server.c: start_reset). */
#include "memory-server/internal.h"

#define FINISHER_FAIL 0x3333
#define FINISHER_PASS 0x5555
#define FINISHER_RESET 0x7777

MsrvTestAction msrv_sifive_test_write(guint64 off, guint64 value, int *exit_code)
{
    if (off != 0)
        return MSRV_TEST_NONE;
    switch (value & 0xffff) {
    case FINISHER_PASS:
        *exit_code = 0;
        return MSRV_TEST_EXIT;
    case FINISHER_FAIL:
        *exit_code = (int)((value >> 16) & 0xffff);
        return MSRV_TEST_EXIT;
    case FINISHER_RESET:
        return MSRV_TEST_RESET;
    default:
        return MSRV_TEST_NONE;
    }
}
