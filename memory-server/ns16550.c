/* SPDX-License-Identifier: MIT */
/* An ns16550A UART, enough for polled console I/O: the transmitter is always
 * ready (LSR THRE|TEMT), received bytes wait in a FIFO (LSR DR), divisor
 * latch and scratch registers hold what was written. No interrupts yet: the
 * machine has no PLIC, so IER is stored but raises nothing. */
#include "memory-server/internal.h"

enum {
    REG_RBR_THR = 0, /* DLAB: DLL */
    REG_IER = 1,     /* DLAB: DLM */
    REG_IIR_FCR = 2,
    REG_LCR = 3,
    REG_MCR = 4,
    REG_LSR = 5,
    REG_MSR = 6,
    REG_SCR = 7,
};

#define LCR_DLAB 0x80
#define LSR_DR 0x01
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define IIR_NONE 0x01
#define IIR_THRE 0x02
#define IIR_RDA 0x04
#define IIR_FIFO 0xc0
#define FCR_ENABLE 0x01
#define FCR_CLEAR_RX 0x02
#define MSR_DCD_DSR_CTS 0xb0
#define MCR_LOOP 0x10
#define RX_LIMIT (1u << 20) /* bytes; input beyond this is dropped */

struct MsrvUart {
    guint8 ier, lcr, mcr, scr, dll, dlm, fcr; /* as written */
    GByteArray *rx; /* received, not yet read (front = next) */
    gsize rx_head;  /* bytes of rx already read */
    GByteArray *tx; /* transmitted, not yet taken */
};

MsrvUart *msrv_uart_new(void)
{
    MsrvUart *u = g_new0(MsrvUart, 1);
    u->rx = g_byte_array_new();
    u->tx = g_byte_array_new();
    u->dll = 1; /* a valid divisor out of reset */
    return u;
}

void msrv_uart_free(MsrvUart *u)
{
    if (!u)
        return;
    g_byte_array_unref(u->rx);
    g_byte_array_unref(u->tx);
    g_free(u);
}

static gboolean rx_ready(const MsrvUart *u)
{
    return u->rx_head < u->rx->len;
}

gboolean msrv_uart_read(MsrvUart *u, guint64 off, guint64 *value)
{
    gboolean dlab = u->lcr & LCR_DLAB;
    switch (off) {
    case REG_RBR_THR:
        if (dlab) {
            *value = u->dll;
        } else if (rx_ready(u)) {
            *value = u->rx->data[u->rx_head++];
            if (u->rx_head == u->rx->len) {
                g_byte_array_set_size(u->rx, 0);
                u->rx_head = 0;
            }
        } else {
            *value = 0;
        }
        return TRUE;
    case REG_IER:
        *value = dlab ? u->dlm : u->ier;
        return TRUE;
    case REG_IIR_FCR: {
        guint8 iir = IIR_NONE;
        if ((u->ier & 0x01) && rx_ready(u))
            iir = IIR_RDA;
        else if (u->ier & 0x02)
            iir = IIR_THRE;
        *value = iir | ((u->fcr & FCR_ENABLE) ? IIR_FIFO : 0);
        return TRUE;
    }
    case REG_LCR:
        *value = u->lcr;
        return TRUE;
    case REG_MCR:
        *value = u->mcr;
        return TRUE;
    case REG_LSR:
        *value = LSR_THRE | LSR_TEMT | (rx_ready(u) ? LSR_DR : 0);
        return TRUE;
    case REG_MSR:
        *value = (u->mcr & MCR_LOOP) ? 0 : MSR_DCD_DSR_CTS;
        return TRUE;
    case REG_SCR:
        *value = u->scr;
        return TRUE;
    default:
        return FALSE;
    }
}

gboolean msrv_uart_write(MsrvUart *u, guint64 off, guint64 value)
{
    guint8 v = (guint8)value;
    gboolean dlab = u->lcr & LCR_DLAB;
    switch (off) {
    case REG_RBR_THR:
        if (dlab)
            u->dll = v;
        else if (u->mcr & MCR_LOOP)
            msrv_uart_push_input(u, &v, 1);
        else
            g_byte_array_append(u->tx, &v, 1);
        return TRUE;
    case REG_IER:
        if (dlab)
            u->dlm = v;
        else
            u->ier = v & 0x0f;
        return TRUE;
    case REG_IIR_FCR:
        u->fcr = v;
        if (v & FCR_CLEAR_RX) {
            g_byte_array_set_size(u->rx, 0);
            u->rx_head = 0;
        }
        return TRUE;
    case REG_LCR:
        u->lcr = v;
        return TRUE;
    case REG_MCR:
        u->mcr = v & 0x1f;
        return TRUE;
    case REG_LSR:
    case REG_MSR:
        return TRUE; /* read-only: writes are ignored, as on the chip */
    case REG_SCR:
        u->scr = v;
        return TRUE;
    default:
        return FALSE;
    }
}

void msrv_uart_push_input(MsrvUart *u, const guint8 *data, gsize len)
{
    gsize room = RX_LIMIT - MIN(RX_LIMIT, u->rx->len - u->rx_head);
    if (len > room)
        g_warning("UART receive buffer full: dropping %" G_GSIZE_FORMAT " bytes", len - room);
    g_byte_array_append(u->rx, data, (guint)MIN(len, room));
}

GBytes *msrv_uart_take_output(MsrvUart *u)
{
    if (u->tx->len == 0)
        return NULL;
    GBytes *out = g_byte_array_free_to_bytes(u->tx);
    u->tx = g_byte_array_new();
    return out;
}
