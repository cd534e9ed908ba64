/* SPDX-License-Identifier: MIT */
/* The failure path of the exit device: a run that ends with code 42 must be
 * reported as exit status 42 (sifive_test: 42 << 16 | 0x3333). */
#include "lib/guest.h"

int main(void)
{
    guest_puts("exiting with code 42\n");
    guest_exit(42);
}
