/* SPDX-License-Identifier: MIT */
/* The devices the memory server hosts: ns16550 registers as a polled
 * console driver and Linux's 8250 probe see them, and sifive_test's codes. */
#include "memory-server/internal.h"

static guint64 rd(MsrvUart *u, guint64 off)
{
    guint64 v = 0xdead;
    g_assert_true(msrv_uart_read(u, off, &v));
    return v;
}

static void test_uart_tx(void)
{
    g_autoptr(MsrvUart) u = msrv_uart_new();
    g_assert_cmphex(rd(u, 5) & 0x60, ==, 0x60); /* THRE | TEMT: always ready */
    g_assert_cmphex(rd(u, 5) & 0x01, ==, 0);    /* no data */
    g_assert_null(msrv_uart_take_output(u));
    g_assert_true(msrv_uart_write(u, 0, 'h'));
    g_assert_true(msrv_uart_write(u, 0, 'i' | 0x100)); /* only the low byte counts */
    g_autoptr(GBytes) out = msrv_uart_take_output(u);
    g_assert_cmpmem(g_bytes_get_data(out, NULL), g_bytes_get_size(out), "hi", 2);
    g_assert_null(msrv_uart_take_output(u));
}

static void test_uart_rx(void)
{
    g_autoptr(MsrvUart) u = msrv_uart_new();
    msrv_uart_push_input(u, (const guint8 *)"ab", 2);
    g_assert_cmphex(rd(u, 5) & 0x01, ==, 1);
    g_assert_cmphex(rd(u, 0), ==, 'a');
    g_assert_cmphex(rd(u, 0), ==, 'b');
    g_assert_cmphex(rd(u, 5) & 0x01, ==, 0);
    g_assert_cmphex(rd(u, 0), ==, 0); /* empty FIFO reads 0 */
    msrv_uart_push_input(u, (const guint8 *)"xyz", 3);
    g_assert_true(msrv_uart_write(u, 2, 0x07)); /* FCR: enable + clear RX */
    g_assert_cmphex(rd(u, 5) & 0x01, ==, 0);
    g_assert_cmphex(rd(u, 2) & 0xc0, ==, 0xc0); /* FIFOs enabled */
}

static void test_uart_regs(void)
{
    g_autoptr(MsrvUart) u = msrv_uart_new();
    g_assert_true(msrv_uart_write(u, 3, 0x83)); /* DLAB, 8N1 */
    g_assert_true(msrv_uart_write(u, 0, 0x12));
    g_assert_true(msrv_uart_write(u, 1, 0x34));
    g_assert_cmphex(rd(u, 0), ==, 0x12);
    g_assert_cmphex(rd(u, 1), ==, 0x34);
    g_assert_null(msrv_uart_take_output(u)); /* DLL write is not output */
    g_assert_true(msrv_uart_write(u, 3, 0x03));
    g_assert_true(msrv_uart_write(u, 1, 0xff));
    g_assert_cmphex(rd(u, 1), ==, 0x0f); /* IER keeps its 4 bits */
    g_assert_cmphex(rd(u, 3), ==, 0x03);
    g_assert_true(msrv_uart_write(u, 7, 0x5a));
    g_assert_cmphex(rd(u, 7), ==, 0x5a);
    g_assert_cmphex(rd(u, 2) & 0x0f, ==, 0x02); /* THRE pending as IER asks */
    g_assert_true(msrv_uart_write(u, 1, 0));
    g_assert_cmphex(rd(u, 2) & 0x0f, ==, 0x01); /* no interrupt */
    g_assert_true(msrv_uart_write(u, 4, 0x10)); /* loopback: TX comes back as RX */
    g_assert_true(msrv_uart_write(u, 0, 'L'));
    g_assert_cmphex(rd(u, 0), ==, 'L');
    g_assert_null(msrv_uart_take_output(u));
    guint64 v;
    g_assert_false(msrv_uart_read(u, 8, &v));
    g_assert_false(msrv_uart_write(u, 9, 0));
}

static void test_sifive_test(void)
{
    static const struct {
        guint64 off, value;
        gboolean ends;
        int code;
    } cases[] = {
        { 0, 0x5555, TRUE, 0 },      { 0, 0x3333, TRUE, 0 },   { 0, 0x13333, TRUE, 1 },
        { 0, 0x2a3333, TRUE, 42 },   { 0, 0x7777, TRUE, 0 },   { 0, 0x1234, FALSE, 0 },
        { 4, 0x5555, FALSE, 0 },     { 0, 0xffff5555, TRUE, 0 },
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        int code = -1;
        gboolean ends = msrv_sifive_test_write(cases[i].off, cases[i].value, &code);
        g_assert_cmpint(ends, ==, cases[i].ends);
        if (ends)
            g_assert_cmpint(code, ==, cases[i].code);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/msrv/uart/tx", test_uart_tx);
    g_test_add_func("/msrv/uart/rx", test_uart_rx);
    g_test_add_func("/msrv/uart/registers", test_uart_regs);
    g_test_add_func("/msrv/sifive-test/codes", test_sifive_test);
    return g_test_run();
}
