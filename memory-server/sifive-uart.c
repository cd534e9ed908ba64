/* SPDX-License-Identifier: MIT */
/* SiFive's UART (sifive,uart0, the FU540 manual's chapter "UART"): seven
 * 32-bit registers, an 8-entry transmit and an 8-entry receive FIFO, and
 * one interrupt line, the OR of the two watermark conditions it enables.
 *
 *   off   register  bits
 *   0x00  txdata    [7:0] byte to send; reads [31] full
 *   0x04  rxdata    [7:0] received byte, popped by the read; [31] empty
 *   0x08  txctrl    [0] txen, [1] nstop, [18:16] txcnt (watermark)
 *   0x0c  rxctrl    [0] rxen, [18:16] rxcnt (watermark)
 *   0x10  ie        [0] txwm, [1] rxwm: which conditions interrupt
 *   0x14  ip        [0] txwm: tx FIFO entries < txcnt; [1] rxwm: rx FIFO
 *                   entries > rxcnt (read-only, level conditions)
 *   0x18  div       [15:0] baud divisor (kept; the line has no rate here)
 *
 * As in ns16550.c, sending is immediate while txen is set: the transmit
 * FIFO then holds nothing and bytes go into the output the console has not
 * taken yet, which reads full (txdata[31], and a full FIFO for txwm) from
 * TX_FULL bytes until the console has taken it down to TX_RESUME, so a
 * slow reader slows the guest and nothing is lost. With txen clear, bytes
 * wait in the FIFO, up to 8, and go out when txen is set; a write to a
 * full FIFO is dropped, as on the chip. Received bytes wait host-side
 * while the receive FIFO is full or rxen is clear (a flow-controlled line:
 * none dropped). Everything is clear at reset: txen, rxen, the watermarks,
 * ie and div, as the manual gives it. */
#include "memory-server/internal.h"

enum {
    REG_TXDATA = 0x00,
    REG_RXDATA = 0x04,
    REG_TXCTRL = 0x08,
    REG_RXCTRL = 0x0c,
    REG_IE = 0x10,
    REG_IP = 0x14,
    REG_DIV = 0x18,
};

#define DATA_FLAG (1u << 31)  /* txdata: full; rxdata: empty */
#define CTRL_EN 0x1u          /* txen / rxen */
#define TXCTRL_MASK 0x70003u  /* txen, nstop, txcnt */
#define RXCTRL_MASK 0x70001u  /* rxen, rxcnt */
#define CNT_SHIFT 16
#define CNT_MASK 0x7u
#define IE_MASK 0x3u
#define IP_TXWM 0x1u
#define IP_RXWM 0x2u
#define DIV_MASK 0xffffu
#define FIFO_SIZE 8
#define RX_LIMIT (1u << 20)      /* bytes waiting host-side; beyond this: dropped */
#define TX_FULL (16u * 1024)     /* output not taken yet from which txdata reads full */
#define TX_RESUME (TX_FULL / 2)  /* ... until no more than this is left */

struct MsrvSifiveUart {
    guint32 txctrl, rxctrl, ie, div; /* as written, masked */
    guint8 txfifo[FIFO_SIZE];        /* held while txen is clear */
    guint tx_count;
    guint8 rxfifo[FIFO_SIZE];        /* rx_head is the next byte */
    guint rx_head, rx_count;
    GByteArray *backlog;             /* received, not yet in the FIFO */
    GByteArray *tx;                  /* sent, not yet taken by the console */
    gboolean tx_full;                /* tx reached TX_FULL, not yet drained to TX_RESUME */
};

MsrvSifiveUart *msrv_sifive_uart_new(void)
{
    MsrvSifiveUart *u = g_new0(MsrvSifiveUart, 1);
    u->backlog = g_byte_array_new();
    u->tx = g_byte_array_new();
    return u;
}

void msrv_sifive_uart_free(MsrvSifiveUart *u)
{
    if (!u)
        return;
    g_byte_array_unref(u->backlog);
    g_byte_array_unref(u->tx);
    g_free(u);
}

/* Entries the transmit FIFO counts as holding: all 8 while the console's
 * output is full (the guest must wait), else those held for txen. */
static guint tx_entries(const MsrvSifiveUart *u)
{
    return u->tx_full ? FIFO_SIZE : u->tx_count;
}

static guint32 ip_value(const MsrvSifiveUart *u)
{
    guint txcnt = (u->txctrl >> CNT_SHIFT) & CNT_MASK;
    guint rxcnt = (u->rxctrl >> CNT_SHIFT) & CNT_MASK;
    return (tx_entries(u) < txcnt ? IP_TXWM : 0) | (u->rx_count > rxcnt ? IP_RXWM : 0);
}

gboolean msrv_sifive_uart_irq(const MsrvSifiveUart *u)
{
    return (ip_value(u) & u->ie) != 0;
}

/* Moves waiting bytes into the receive FIFO while rxen is set and it has
 * room. */
static void refill(MsrvSifiveUart *u)
{
    guint moved = 0;
    while ((u->rxctrl & CTRL_EN) && u->rx_count < FIFO_SIZE && moved < u->backlog->len) {
        u->rxfifo[(u->rx_head + u->rx_count) % FIFO_SIZE] = u->backlog->data[moved++];
        u->rx_count++;
    }
    if (moved)
        g_byte_array_remove_range(u->backlog, 0, moved);
}

static void send(MsrvSifiveUart *u, guint8 v)
{
    g_byte_array_append(u->tx, &v, 1);
    if (u->tx->len >= TX_FULL)
        u->tx_full = TRUE;
}

/* txen set: what the FIFO held goes out. */
static void drain_fifo(MsrvSifiveUart *u)
{
    for (guint i = 0; i < u->tx_count; i++)
        send(u, u->txfifo[i]);
    u->tx_count = 0;
}

gboolean msrv_sifive_uart_read(MsrvSifiveUart *u, guint64 off, guint size, guint64 *value)
{
    if (size != 4 || off % 4 != 0)
        return FALSE; /* 32-bit registers, 32-bit accesses only */
    switch (off) {
    case REG_TXDATA:
        *value = tx_entries(u) == FIFO_SIZE ? DATA_FLAG : 0;
        return TRUE;
    case REG_RXDATA:
        if (u->rx_count == 0) {
            *value = DATA_FLAG;
            return TRUE;
        }
        *value = u->rxfifo[u->rx_head];
        u->rx_head = (u->rx_head + 1) % FIFO_SIZE;
        u->rx_count--;
        refill(u);
        return TRUE;
    case REG_TXCTRL:
        *value = u->txctrl;
        return TRUE;
    case REG_RXCTRL:
        *value = u->rxctrl;
        return TRUE;
    case REG_IE:
        *value = u->ie;
        return TRUE;
    case REG_IP:
        *value = ip_value(u);
        return TRUE;
    case REG_DIV:
        *value = u->div;
        return TRUE;
    default:
        *value = 0; /* the rest of the window: reserved, reads zero */
        return off < MSRV_SIFIVE_UART_WINDOW;
    }
}

gboolean msrv_sifive_uart_write(MsrvSifiveUart *u, guint64 off, guint size, guint64 value)
{
    guint32 v = (guint32)value;
    if (size != 4 || off % 4 != 0)
        return FALSE;
    switch (off) {
    case REG_TXDATA:
        if (u->txctrl & CTRL_EN)
            send(u, (guint8)v); /* even when it reads full: nothing written is lost */
        else if (u->tx_count < FIFO_SIZE)
            u->txfifo[u->tx_count++] = (guint8)v;
        return TRUE;
    case REG_TXCTRL:
        u->txctrl = v & TXCTRL_MASK;
        if (u->txctrl & CTRL_EN)
            drain_fifo(u);
        return TRUE;
    case REG_RXCTRL:
        u->rxctrl = v & RXCTRL_MASK;
        refill(u);
        return TRUE;
    case REG_IE:
        u->ie = v & IE_MASK;
        return TRUE;
    case REG_DIV:
        u->div = v & DIV_MASK;
        return TRUE;
    default: /* rxdata, ip: read-only; reserved: ignored */
        return off < MSRV_SIFIVE_UART_WINDOW;
    }
}

void msrv_sifive_uart_push_input(MsrvSifiveUart *u, const guint8 *data, gsize len)
{
    if (u->backlog->len + len > RX_LIMIT) {
        g_debug("sifive uart: %zu input bytes dropped (%u wait already)", len, u->backlog->len);
        return;
    }
    g_byte_array_append(u->backlog, data, (guint)len);
    refill(u);
}

GBytes *msrv_sifive_uart_take_output(MsrvSifiveUart *u, gsize max)
{
    if (u->tx->len == 0 || max == 0)
        return NULL;
    gsize n = MIN(max, (gsize)u->tx->len);
    GBytes *out = g_bytes_new(u->tx->data, n);
    g_byte_array_remove_range(u->tx, 0, (guint)n);
    if (u->tx_full && u->tx->len <= TX_RESUME)
        u->tx_full = FALSE;
    return out;
}
