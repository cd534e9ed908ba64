/* SPDX-License-Identifier: MIT */
/* The devices the memory server hosts: ns16550 registers as a polled
 * console driver, Linux's 8250 probe and an interrupt-driven driver see
 * them, the sifive_uart's FIFOs, watermarks and flow control, and
 * sifive_test's codes. */
#include <string.h>

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
    g_assert_cmphex(rd(u, 5) & 0x60, ==, 0x60); /* THRE | TEMT: ready */
    g_assert_cmphex(rd(u, 5) & 0x01, ==, 0);    /* no data */
    g_assert_null(msrv_uart_take_output(u, G_MAXSIZE));
    g_assert_true(msrv_uart_write(u, 0, 'h'));
    g_assert_true(msrv_uart_write(u, 0, 'i' | 0x100)); /* only the low byte counts */
    g_autoptr(GBytes) out = msrv_uart_take_output(u, G_MAXSIZE);
    g_assert_cmpmem(g_bytes_get_data(out, NULL), g_bytes_get_size(out), "hi", 2);
    g_assert_null(msrv_uart_take_output(u, G_MAXSIZE));
}

/* Output the console has not taken reads as a full transmitter from 16 KiB
 * until it drains to 8 KiB; nothing written meanwhile is lost, and THR
 * empty interrupts again once it drains. */
static void test_uart_tx_full(void)
{
    g_autoptr(MsrvUart) u = msrv_uart_new();
    g_assert_true(msrv_uart_write(u, 1, 0x02)); /* ETBEI */
    const guint full = 16 * 1024;
    for (guint i = 0; i < full - 1; i++)
        g_assert_true(msrv_uart_write(u, 0, 'a' + i % 26));
    g_assert_cmphex(rd(u, 5) & 0x60, ==, 0x60);
    g_assert_true(msrv_uart_write(u, 0, '!'));
    g_assert_cmphex(rd(u, 5) & 0x60, ==, 0);    /* full: THRE and TEMT clear */
    g_assert_false(msrv_uart_irq(u));           /* and no THR-empty interrupt */
    g_assert_true(msrv_uart_write(u, 0, '?'));  /* a blind writer's byte is kept */
    g_assert_true(msrv_uart_write(u, 1, 0x00));
    g_assert_true(msrv_uart_write(u, 1, 0x02)); /* toggling ETBEI: still full */
    g_assert_false(msrv_uart_irq(u));
    g_autoptr(GBytes) first = msrv_uart_take_output(u, 4096);
    g_assert_cmpuint(g_bytes_get_size(first), ==, 4096);
    g_assert_cmpint(((const char *)g_bytes_get_data(first, NULL))[0], ==, 'a');
    g_assert_cmphex(rd(u, 5) & 0x60, ==, 0);    /* 12 KiB left: still full */
    g_autoptr(GBytes) second = msrv_uart_take_output(u, full / 2 - 4096 + 1);
    g_assert_cmphex(rd(u, 5) & 0x60, ==, 0x60); /* 8 KiB left: room again */
    g_assert_true(msrv_uart_irq(u));
    g_autoptr(GBytes) rest = msrv_uart_take_output(u, G_MAXSIZE);
    gsize n;
    const char *tail = g_bytes_get_data(rest, &n);
    g_assert_cmpuint(n, ==, full / 2);
    g_assert_cmpmem(tail + n - 2, 2, "!?", 2);
}

/* Nodes hold posted THR writes back only from twice the mark at which LSR
 * reads full, so a polling guest always gets to see it read full. */
static void test_uart_tx_room(void)
{
    g_autoptr(MsrvUart) u = msrv_uart_new();
    const guint full = 16 * 1024;
    for (guint i = 0; i < full; i++)
        g_assert_true(msrv_uart_write(u, 0, 'x'));
    g_assert_cmphex(rd(u, 5) & 0x20, ==, 0); /* reads full ... */
    g_assert_true(msrv_uart_tx_room(u));    /* ... posted writes still go on */
    for (guint i = 0; i < full - 1; i++)
        g_assert_true(msrv_uart_write(u, 0, 'x'));
    g_assert_true(msrv_uart_tx_room(u));
    g_assert_true(msrv_uart_write(u, 0, 'x'));
    g_assert_false(msrv_uart_tx_room(u));   /* 32 KiB: held back */
    g_autoptr(GBytes) out = msrv_uart_take_output(u, 1);
    g_assert_true(msrv_uart_tx_room(u));
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
    /* FIFOs off: the holding register has 'x', "yz" wait host-side */
    msrv_uart_push_input(u, (const guint8 *)"xyz", 3);
    g_assert_true(msrv_uart_write(u, 2, 0x07)); /* FCR: enable + clear: 'x' is lost */
    g_assert_cmphex(rd(u, 2) & 0xc0, ==, 0xc0); /* FIFOs enabled */
    g_assert_cmphex(rd(u, 0), ==, 'y');
    g_assert_cmphex(rd(u, 0), ==, 'z');
    g_assert_cmphex(rd(u, 5) & 0x01, ==, 0);
    /* more than the FIFO holds arrives in order, nothing lost */
    char big[100];
    for (guint i = 0; i < sizeof(big); i++)
        big[i] = (char)('0' + i % 64);
    msrv_uart_push_input(u, (const guint8 *)big, sizeof(big));
    g_assert_true(msrv_uart_write(u, 2, 0x03)); /* clear: the 16 in the FIFO go */
    for (guint i = 16; i < sizeof(big); i++)
        g_assert_cmphex(rd(u, 0), ==, (guint8)big[i]);
    g_assert_cmphex(rd(u, 5) & 0x01, ==, 0);
}

/* IIR as a driver sees it: (IER, input, FCR) -> IIR and the line. */
static void test_uart_iir(void)
{
    static const struct {
        const char *what;
        guint8 fcr, ier;
        const char *input;
        guint8 iir;
    } cases[] = {
        { "nothing enabled", 0x00, 0x00, "ab", 0x01 },
        { "THRE", 0x00, 0x02, NULL, 0x02 },
        { "RDA over THRE", 0x00, 0x03, "a", 0x04 },
        { "RDA masked: THRE", 0x00, 0x02, "a", 0x02 },
        { "RDA, FIFO", 0x01, 0x01, "a", 0xc4 },
        { "below trigger 4: timeout", 0x41, 0x01, "abc", 0xcc },
        { "at trigger 4", 0x41, 0x01, "abcd", 0xc4 },
        { "trigger 14", 0xc1, 0x01, "abcdefghijklmn", 0xc4 },
        { "below trigger 14", 0xc1, 0x01, "abcdefghijklm", 0xcc },
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(MsrvUart) u = msrv_uart_new();
        g_test_message("%s", cases[i].what);
        g_assert_true(msrv_uart_write(u, 2, cases[i].fcr));
        if (cases[i].input)
            msrv_uart_push_input(u, (const guint8 *)cases[i].input, strlen(cases[i].input));
        g_assert_true(msrv_uart_write(u, 1, cases[i].ier));
        g_assert_cmpint(msrv_uart_irq(u), ==, cases[i].iir != 0x01);
        g_assert_cmphex(rd(u, 2), ==, cases[i].iir);
    }
}

/* THRE: raised by enabling ETBEI and by each transmitted byte; acknowledged
 * by an IIR read that reports it, not by one that reports something else. */
static void test_uart_thre(void)
{
    g_autoptr(MsrvUart) u = msrv_uart_new();
    g_assert_false(msrv_uart_irq(u));
    g_assert_true(msrv_uart_write(u, 1, 0x02));
    g_assert_true(msrv_uart_irq(u));
    g_assert_cmphex(rd(u, 2), ==, 0x02);
    g_assert_false(msrv_uart_irq(u)); /* the read acknowledged it */
    g_assert_cmphex(rd(u, 2), ==, 0x01);
    g_assert_true(msrv_uart_write(u, 0, 'x')); /* sent at once: THR empty again */
    g_assert_true(msrv_uart_irq(u));
    g_assert_true(msrv_uart_write(u, 1, 0x00));
    g_assert_false(msrv_uart_irq(u));
    g_assert_true(msrv_uart_write(u, 1, 0x02)); /* rising ETBEI re-raises it */
    g_assert_true(msrv_uart_irq(u));
    g_assert_true(msrv_uart_write(u, 1, 0x03)); /* ETBEI unchanged: still pending */
    msrv_uart_push_input(u, (const guint8 *)"k", 1);
    g_assert_cmphex(rd(u, 2), ==, 0x04); /* RDA reported: THRE not acknowledged */
    g_assert_cmphex(rd(u, 0), ==, 'k');
    g_assert_true(msrv_uart_irq(u));
    g_assert_cmphex(rd(u, 2), ==, 0x02);
    g_assert_false(msrv_uart_irq(u));
}

/* Receiver line status: an overrun (input beyond the host-side buffer)
 * outranks data; reading LSR clears it. */
static void test_uart_overrun(void)
{
    g_autoptr(MsrvUart) u = msrv_uart_new();
    gsize n = (1u << 20) + 2;
    g_autofree guint8 *flood = g_malloc0(n);
    g_assert_true(msrv_uart_write(u, 1, 0x07));
    g_test_expect_message("shoal-msrv", G_LOG_LEVEL_WARNING, "*dropping*");
    msrv_uart_push_input(u, flood, n);
    g_test_assert_expected_messages();
    g_assert_cmphex(rd(u, 2), ==, 0x06);
    g_assert_cmphex(rd(u, 5) & 0x03, ==, 0x03); /* DR | OE */
    g_assert_cmphex(rd(u, 5) & 0x02, ==, 0);     /* OE read once */
    g_assert_cmphex(rd(u, 2), ==, 0x04);
}

static void test_uart_regs(void)
{
    g_autoptr(MsrvUart) u = msrv_uart_new();
    g_assert_true(msrv_uart_write(u, 3, 0x83)); /* DLAB, 8N1 */
    g_assert_true(msrv_uart_write(u, 0, 0x12));
    g_assert_true(msrv_uart_write(u, 1, 0x34));
    g_assert_cmphex(rd(u, 0), ==, 0x12);
    g_assert_cmphex(rd(u, 1), ==, 0x34);
    g_assert_null(msrv_uart_take_output(u, G_MAXSIZE)); /* DLL write is not output */
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
    g_assert_null(msrv_uart_take_output(u, G_MAXSIZE));
    guint64 v;
    g_assert_false(msrv_uart_read(u, 8, &v));
    g_assert_false(msrv_uart_write(u, 9, 0));
}

static void wr(MsrvUart *u, guint64 off, guint64 v)
{
    g_assert_true(msrv_uart_write(u, off, v));
}

/* @a and @b answer alike, their interrupt output too, as a driver reads
 * every register, drains the receive side and acknowledges THRE. */
static void assert_same_uart(MsrvUart *a, MsrvUart *b)
{
    static const guint64 regs[] = { 1, 2, 3, 4, 5, 6, 7, 0, 0, 0, 2 };
    for (guint i = 0; i < G_N_ELEMENTS(regs); i++) {
        g_assert_cmpint(msrv_uart_irq(a), ==, msrv_uart_irq(b));
        g_assert_cmphex(rd(a, regs[i]), ==, rd(b, regs[i]));
    }
    guint64 lsr;
    do {
        g_assert_cmphex(rd(a, 0), ==, rd(b, 0));
        lsr = rd(a, 5);
        g_assert_cmphex(rd(b, 5), ==, lsr);
    } while (lsr & 0x01);
    for (guint i = 0; i < 2; i++) { /* THRE, then nothing */
        g_assert_cmpint(msrv_uart_irq(a), ==, msrv_uart_irq(b));
        g_assert_cmphex(rd(a, 2), ==, rd(b, 2));
    }
    wr(a, 3, rd(a, 3) | 0x80);
    wr(b, 3, rd(b, 3) | 0x80);
    g_assert_cmphex(rd(a, 0), ==, rd(b, 0)); /* the divisor */
    g_assert_cmphex(rd(a, 1), ==, rd(b, 1));
}

/* A snapshot loaded into a fresh UART: the same registers, the received
 * bytes in order (FIFO, then those waiting host-side), the same pending
 * interrupts. */
static void test_uart_snapshot(void)
{
    g_autoptr(MsrvUart) a = msrv_uart_new();
    static const guint8 writes[][2] = {
        { 3, 0x83 }, { 0, 0x0c }, { 1, 0x01 }, /* divisor 0x10c */
        { 3, 0x1b }, { 2, 0x41 }, { 4, 0x0b }, { 7, 0x5a }, { 1, 0x07 },
    };
    for (guint i = 0; i < G_N_ELEMENTS(writes); i++)
        wr(a, writes[i][0], writes[i][1]);
    msrv_uart_push_input(a, (const guint8 *)"abcdefghijklmnopqrstuvwxyz", 26);
    g_assert_cmphex(rd(a, 0), ==, 'a');
    g_assert_cmphex(rd(a, 0), ==, 'b');
    /* Zeroed, not SHOAL__V1__UART_STATE__INIT: this test does not link the
     * generated descriptors, and the UART needs only the fields. */
    Shoal__V1__UartState st = { 0 };
    msrv_uart_save(a, &st);
    g_assert_cmpmem(st.rx.data, st.rx.len, "cdefghijklmnopqrstuvwxyz", 24);
    g_assert_true(st.thr_irq);
    g_autoptr(MsrvUart) b = msrv_uart_new();
    g_autoptr(GError) error = NULL;
    g_assert_true(msrv_uart_load(b, &st, &error));
    g_assert_no_error(error);
    msrv_uart_state_clear(&st);
    g_assert_null(st.rx.data);
    assert_same_uart(a, b);
}

/* States the UART cannot have are refused, and the UART keeps its own. */
static void test_uart_snapshot_bad(void)
{
    static const struct {
        const char *what;
        Shoal__V1__UartState st;
    } cases[] = {
        { "ier", { .ier = 0x10 } },
        { "mcr", { .mcr = 0x20 } },
        { "dll", { .dll = 0x100 } },
        { "fcr", { .fcr = 0x03 } }, /* a clear bit: not kept */
        { "lsr_errors", { .lsr_errors = 0x01 } },
        { "thr_irq", { .thr_irq = TRUE } }, /* without ETBEI */
    };
    g_autoptr(MsrvUart) u = msrv_uart_new();
    wr(u, 7, 0x5a);
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = NULL;
        g_assert_false(msrv_uart_load(u, &cases[i].st, &error));
        g_assert_error(error, MSRV_UART_ERROR, 0);
        g_assert_nonnull(strstr(error->message, cases[i].what));
    }
    /* rx: at most the FIFO (16 bytes with FCR enabled) plus 1 MiB waiting */
    gsize limit = 16 + (1u << 20);
    g_autofree guint8 *rx = g_malloc0(limit + 1);
    Shoal__V1__UartState st = { .fcr = 0x01, .rx = { limit + 1, rx } };
    g_autoptr(GError) error = NULL;
    g_assert_false(msrv_uart_load(u, &st, &error));
    g_assert_error(error, MSRV_UART_ERROR, 0);
    g_assert_cmphex(rd(u, 7), ==, 0x5a);
    g_assert_cmphex(rd(u, 5) & 0x01, ==, 0);
    st.rx.len = limit;
    g_assert_true(msrv_uart_load(u, &st, NULL));
    g_assert_cmphex(rd(u, 5) & 0x01, ==, 0x01);
}

/* ---- sifive_uart ---- */

enum { S_TXDATA = 0x00, S_RXDATA = 0x04, S_TXCTRL = 0x08, S_RXCTRL = 0x0c, S_IE = 0x10,
       S_IP = 0x14, S_DIV = 0x18 };
#define S_FLAG 0x80000000u /* txdata full, rxdata empty */

static guint64 srd(MsrvSifiveUart *u, guint64 off)
{
    guint64 v = 0xdead;
    g_assert_true(msrv_sifive_uart_read(u, off, 4, &v));
    return v;
}

static void swr(MsrvSifiveUart *u, guint64 off, guint64 v)
{
    g_assert_true(msrv_sifive_uart_write(u, off, 4, v));
}

static void assert_output(MsrvSifiveUart *u, const char *want)
{
    g_autoptr(GBytes) out = msrv_sifive_uart_take_output(u, G_MAXSIZE);
    if (want[0] == '\0') {
        g_assert_null(out);
        return;
    }
    g_assert_nonnull(out);
    g_assert_cmpmem(g_bytes_get_data(out, NULL), g_bytes_get_size(out), want, strlen(want));
}

/* Out of reset txen is clear: bytes wait in the 8-entry FIFO, which then
 * reads full and drops a ninth; txen sends them, and later bytes go at once. */
static void test_sifive_uart_tx(void)
{
    g_autoptr(MsrvSifiveUart) u = msrv_sifive_uart_new();
    g_assert_cmphex(srd(u, S_TXCTRL), ==, 0);
    g_assert_cmphex(srd(u, S_TXDATA), ==, 0);
    for (const char *p = "12345678"; *p; p++)
        swr(u, S_TXDATA, (guint64)*p);
    g_assert_cmphex(srd(u, S_TXDATA), ==, S_FLAG);
    swr(u, S_TXDATA, '9'); /* full: dropped, as on the chip */
    assert_output(u, "");
    swr(u, S_TXCTRL, 0x1);
    g_assert_cmphex(srd(u, S_TXDATA), ==, 0);
    swr(u, S_TXDATA, 'x' | 0x100); /* only the low byte counts */
    assert_output(u, "12345678x");
}

/* 16 KiB the console has not taken read full (txdata[31], and no tx
 * watermark) until it has taken them down to 8 KiB; nothing is lost. */
static void test_sifive_uart_tx_full(void)
{
    g_autoptr(MsrvSifiveUart) u = msrv_sifive_uart_new();
    swr(u, S_TXCTRL, 0x1 | (1u << 16)); /* txen, txcnt 1 */
    swr(u, S_IE, 0x1);
    g_assert_true(msrv_sifive_uart_irq(u)); /* 0 entries < 1 */
    for (guint i = 0; i < 16 * 1024; i++)
        swr(u, S_TXDATA, 'a');
    g_assert_cmphex(srd(u, S_TXDATA), ==, S_FLAG);
    g_assert_cmphex(srd(u, S_IP) & 0x1, ==, 0);
    g_assert_false(msrv_sifive_uart_irq(u));
    swr(u, S_TXDATA, 'b'); /* kept */
    g_autoptr(GBytes) some = msrv_sifive_uart_take_output(u, 8 * 1024);
    g_assert_cmphex(srd(u, S_TXDATA), ==, S_FLAG); /* 8 KiB + 1 left */
    g_autoptr(GBytes) more = msrv_sifive_uart_take_output(u, 1);
    g_assert_cmphex(srd(u, S_TXDATA), ==, 0);
    g_assert_true(msrv_sifive_uart_irq(u));
    g_autoptr(GBytes) rest = msrv_sifive_uart_take_output(u, G_MAXSIZE);
    g_assert_cmpuint(g_bytes_get_size(rest), ==, 8 * 1024);
    g_assert_cmpint(((const char *)g_bytes_get_data(rest, NULL))[8 * 1024 - 1], ==, 'b');
}

/* Input waits while rxen is clear, then fills the 8-entry FIFO; the rest
 * waits host-side until reads make room. rxwm: entries > rxcnt. */
static void test_sifive_uart_rx(void)
{
    g_autoptr(MsrvSifiveUart) u = msrv_sifive_uart_new();
    msrv_sifive_uart_push_input(u, (const guint8 *)"abcdefghij", 10);
    g_assert_cmphex(srd(u, S_RXDATA), ==, S_FLAG);
    swr(u, S_IE, 0x2);
    swr(u, S_RXCTRL, 0x1 | (7u << 16)); /* rxen, rxcnt 7 */
    g_assert_cmphex(srd(u, S_IP), ==, 0x2); /* 8 > 7 */
    g_assert_true(msrv_sifive_uart_irq(u));
    for (const char *p = "abcdefghij"; *p; p++)
        g_assert_cmphex(srd(u, S_RXDATA), ==, (guint64)*p);
    g_assert_cmphex(srd(u, S_RXDATA), ==, S_FLAG);
    g_assert_false(msrv_sifive_uart_irq(u));
    swr(u, S_RXCTRL, 0x1); /* rxcnt 0: one byte is enough */
    msrv_sifive_uart_push_input(u, (const guint8 *)"k", 1);
    g_assert_true(msrv_sifive_uart_irq(u));
    swr(u, S_IE, 0);
    g_assert_false(msrv_sifive_uart_irq(u));
    g_assert_cmphex(srd(u, S_IP), ==, 0x2); /* pending, not enabled */
}

/* What each register keeps, and what faults: only aligned 32-bit accesses
 * inside the window; reserved words read 0, ip and rxdata ignore writes. */
static void test_sifive_uart_regs(void)
{
    g_autoptr(MsrvSifiveUart) u = msrv_sifive_uart_new();
    swr(u, S_TXCTRL, 0xffffffff);
    g_assert_cmphex(srd(u, S_TXCTRL), ==, 0x70003);
    swr(u, S_RXCTRL, 0xffffffff);
    g_assert_cmphex(srd(u, S_RXCTRL), ==, 0x70001);
    swr(u, S_IE, 0xff);
    g_assert_cmphex(srd(u, S_IE), ==, 0x3);
    g_assert_cmphex(srd(u, S_DIV), ==, 0);
    swr(u, S_DIV, 0x1234567);
    g_assert_cmphex(srd(u, S_DIV), ==, 0x4567);
    swr(u, S_IP, 0x3);
    swr(u, S_RXDATA, 'z');
    g_assert_cmphex(srd(u, 0x1c), ==, 0);
    g_assert_cmphex(srd(u, 0xffc), ==, 0);
    guint64 v;
    g_assert_false(msrv_sifive_uart_read(u, S_TXDATA, 1, &v));
    g_assert_false(msrv_sifive_uart_read(u, S_DIV, 8, &v));
    g_assert_false(msrv_sifive_uart_read(u, 0x2, 4, &v));
    g_assert_false(msrv_sifive_uart_read(u, 0x1000, 4, &v));
    g_assert_false(msrv_sifive_uart_write(u, S_TXDATA, 1, 'a'));
    g_assert_false(msrv_sifive_uart_write(u, 0x1000, 4, 0));
    assert_output(u, "");
}

static void test_sifive_test(void)
{
    static const struct {
        guint64 off, value;
        MsrvTestAction action;
        int code;
    } cases[] = {
        { 0, 0x5555, MSRV_TEST_EXIT, 0 },     { 0, 0x3333, MSRV_TEST_EXIT, 0 },
        { 0, 0x13333, MSRV_TEST_EXIT, 1 },    { 0, 0x2a3333, MSRV_TEST_EXIT, 42 },
        { 0, 0x7777, MSRV_TEST_RESET, 0 },    { 0, 0x1234, MSRV_TEST_NONE, 0 },
        { 4, 0x5555, MSRV_TEST_NONE, 0 },     { 0, 0xffff5555, MSRV_TEST_EXIT, 0 },
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        int code = -1;
        MsrvTestAction action = msrv_sifive_test_write(cases[i].off, cases[i].value, &code);
        g_assert_cmpint(action, ==, cases[i].action);
        if (action == MSRV_TEST_EXIT)
            g_assert_cmpint(code, ==, cases[i].code);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/msrv/uart/tx", test_uart_tx);
    g_test_add_func("/msrv/uart/tx-full", test_uart_tx_full);
    g_test_add_func("/msrv/uart/tx-room", test_uart_tx_room);
    g_test_add_func("/msrv/uart/rx", test_uart_rx);
    g_test_add_func("/msrv/uart/registers", test_uart_regs);
    g_test_add_func("/msrv/uart/iir", test_uart_iir);
    g_test_add_func("/msrv/uart/thre", test_uart_thre);
    g_test_add_func("/msrv/uart/overrun", test_uart_overrun);
    g_test_add_func("/msrv/uart/snapshot", test_uart_snapshot);
    g_test_add_func("/msrv/uart/snapshot-bad", test_uart_snapshot_bad);
    g_test_add_func("/msrv/sifive-uart/tx", test_sifive_uart_tx);
    g_test_add_func("/msrv/sifive-uart/tx-full", test_sifive_uart_tx_full);
    g_test_add_func("/msrv/sifive-uart/rx", test_sifive_uart_rx);
    g_test_add_func("/msrv/sifive-uart/registers", test_sifive_uart_regs);
    g_test_add_func("/msrv/sifive-test/codes", test_sifive_test);
    return g_test_run();
}
