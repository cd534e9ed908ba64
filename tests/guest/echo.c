/* SPDX-License-Identifier: MIT */
/* UART input: reads lines from the console (echo.input on the host's
 * stdin) and echoes each back reversed and counted, until a line "quit". */
#include "lib/guest.h"

int main(void)
{
    char line[80];
    unsigned lines = 0;

    guest_puts("echo: ready\n");
    for (;;) {
        unsigned n = 0;
        int c;

        while ((c = guest_getc()) != '\n' && c != '\r')
            if (n < sizeof(line) - 1)
                line[n++] = (char)c;
        line[n] = 0;
        if (n == 4 && line[0] == 'q' && line[1] == 'u' && line[2] == 'i' && line[3] == 't')
            break;
        lines++;
        guest_puts("echo: ");
        guest_puts(line);
        guest_puts(" | reversed: ");
        for (unsigned i = n; i-- > 0;)
            guest_putc(line[i]);
        guest_putc('\n');
    }
    guest_puts("echo: ");
    guest_put_udec(lines);
    guest_puts(" lines, bye\n");
    return 0;
}
