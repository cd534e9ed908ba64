/* SPDX-License-Identifier: MIT */
/* An ns16550A UART with its interrupt: the transmitter sends at once into
 * the output the console has not taken yet, and reads full (LSR THRE and
 * TEMT clear) while that holds TX_FULL bytes or more, until the console has
 * taken it down to TX_RESUME: a slow reader slows the guest, as a real
 * line would, and nothing is dropped (docs/architecture.md, "Console
 * flow"). Received bytes wait host-side and enter the 16-byte receive FIFO
 * (1-byte holding register with FIFOs off) as it drains, and IIR reports
 * the highest-priority cause: line status > data > THR empty. */
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
#define IER_ERBFI 0x01 /* received data available (and character timeout) */
#define IER_ETBEI 0x02 /* transmitter holding register empty */
#define IER_ELSI 0x04  /* receiver line status */
#define IER_MASK 0x0f  /* + EDSSI, modem status: our MSR never changes */
#define LSR_DR 0x01
#define LSR_OE 0x02
#define LSR_ERRORS 0x1e /* OE PE FE BI: cleared by reading LSR */
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define LSR_FIFO_ERR 0x80
#define IIR_NONE 0x01
#define IIR_THRE 0x02
#define IIR_RDA 0x04
#define IIR_RLS 0x06
#define IIR_TIMEOUT 0x0c
#define IIR_FIFO 0xc0
#define FCR_ENABLE 0x01
#define FCR_CLEAR_RX 0x02
#define FCR_CLEAR_TX 0x04
#define FCR_KEPT (0xff & ~(FCR_CLEAR_RX | FCR_CLEAR_TX)) /* the clear bits act, not kept */
#define FCR_TRIGGER_SHIFT 6
#define MSR_DCD_DSR_CTS 0xb0
#define MCR_LOOP 0x10
#define MCR_MASK 0x1f
#define FIFO_SIZE 16
#define RX_LIMIT (1u << 20) /* bytes waiting host-side; beyond this: overrun */
#define TX_FULL (16u * 1024) /* output not taken yet from which THR reads full */
#define TX_RESUME (TX_FULL / 2) /* ... until no more than this is left */
/* Output not taken yet from which a node holds a posted THR write back.
 * Above TX_FULL, not at it: a guest that polls LSR must see it read full.
 * Were both at one mark, a hart whose LSR read came just before the copy
 * changed would post its byte, wait in its node for THRE and poll again
 * only after it returned, never seeing LSR full (console-flow.sh's
 * polling writer, 4 runs in 7 beside three CPU hogs). */
#define TX_HOLD (2 * TX_FULL)

struct MsrvUart {
    guint8 ier, lcr, mcr, scr, dll, dlm, fcr; /* as written (ier masked) */
    guint8 lsr_errors;   /* LSR_ERRORS bits latched until LSR is read */
    gboolean thr_irq;    /* THRE interrupt pending (see iir_cause) */
    guint8 fifo[FIFO_SIZE]; /* receive FIFO, fifo_head is the next byte */
    guint fifo_head, fifo_count;
    GByteArray *backlog; /* received, not yet in the FIFO (front = next) */
    gsize backlog_head;  /* bytes of backlog already moved */
    GByteArray *tx;      /* transmitted, not yet taken */
    gboolean tx_full;    /* tx reached TX_FULL and has not drained to TX_RESUME */
};

static guint8 lsr_value(const MsrvUart *u)
{
    guint8 lsr = (u->tx_full ? 0 : LSR_THRE | LSR_TEMT) | u->lsr_errors |
                 (u->fifo_count ? LSR_DR : 0);
    if ((u->fcr & FCR_ENABLE) && u->lsr_errors)
        lsr |= LSR_FIFO_ERR;
    return lsr;
}

gboolean msrv_uart_tx_room(const MsrvUart *u)
{
    return u->tx->len < TX_HOLD;
}

gboolean msrv_uart_lsr_peek(const MsrvUart *u, guint8 *lsr)
{
    *lsr = lsr_value(u);
    return u->lsr_errors == 0;
}

MsrvUart *msrv_uart_new(void)
{
    MsrvUart *u = g_new0(MsrvUart, 1);
    u->backlog = g_byte_array_new();
    u->tx = g_byte_array_new();
    u->dll = 1; /* a valid divisor out of reset */
    return u;
}

void msrv_uart_free(MsrvUart *u)
{
    if (!u)
        return;
    g_byte_array_unref(u->backlog);
    g_byte_array_unref(u->tx);
    g_free(u);
}

static guint fifo_capacity(guint8 fcr)
{
    return (fcr & FCR_ENABLE) ? FIFO_SIZE : 1;
}

/* Moves waiting bytes into the FIFO while it has room: the host side holds
 * back what the chip cannot, as a flow-controlled line would. */
static void refill(MsrvUart *u)
{
    while (u->fifo_count < fifo_capacity(u->fcr) && u->backlog_head < u->backlog->len) {
        u->fifo[(u->fifo_head + u->fifo_count) % FIFO_SIZE] = u->backlog->data[u->backlog_head++];
        u->fifo_count++;
    }
    if (u->backlog_head == u->backlog->len || u->backlog_head >= RX_LIMIT) {
        /* drop what was moved (all of it, or enough to bound the array) */
        g_byte_array_remove_range(u->backlog, 0, (guint)u->backlog_head);
        u->backlog_head = 0;
    }
}

static void clear_fifo(MsrvUart *u)
{
    u->fifo_head = 0;
    u->fifo_count = 0;
}

/* The receive trigger level FCR selects: 1, 4, 8 or 14 bytes. */
static guint trigger_level(const MsrvUart *u)
{
    static const guint8 levels[] = { 1, 4, 8, 14 };
    return levels[u->fcr >> FCR_TRIGGER_SHIFT];
}

/* The interrupt IIR reports now, IIR_NONE if none. Bytes below the FIFO
 * trigger level raise the character timeout at once: there is no character
 * time to wait for, and waiting would only delay the guest. */
static guint8 iir_cause(const MsrvUart *u)
{
    if ((u->ier & IER_ELSI) && u->lsr_errors)
        return IIR_RLS;
    if ((u->ier & IER_ERBFI) && u->fifo_count > 0)
        return (u->fcr & FCR_ENABLE) && u->fifo_count < trigger_level(u) ? IIR_TIMEOUT : IIR_RDA;
    if ((u->ier & IER_ETBEI) && u->thr_irq)
        return IIR_THRE;
    return IIR_NONE;
}

gboolean msrv_uart_irq(const MsrvUart *u)
{
    return iir_cause(u) != IIR_NONE;
}

/* A byte left the transmitter (at once): THR is empty again, which is an
 * interrupt cause while ETBEI is set, unless the output waiting for the
 * console is full. A byte written while it reads full is kept all the
 * same: nothing written is lost. */
static void transmit(MsrvUart *u, guint8 v)
{
    if (u->mcr & MCR_LOOP)
        msrv_uart_push_input(u, &v, 1);
    else
        g_byte_array_append(u->tx, &v, 1);
    if (u->tx->len >= TX_FULL)
        u->tx_full = TRUE;
    u->thr_irq = !u->tx_full && (u->ier & IER_ETBEI) != 0;
}

gboolean msrv_uart_read(MsrvUart *u, guint64 off, guint64 *value)
{
    gboolean dlab = u->lcr & LCR_DLAB;
    switch (off) {
    case REG_RBR_THR:
        if (dlab) {
            *value = u->dll;
        } else if (u->fifo_count > 0) {
            *value = u->fifo[u->fifo_head];
            u->fifo_head = (u->fifo_head + 1) % FIFO_SIZE;
            u->fifo_count--;
            refill(u);
        } else {
            *value = 0;
        }
        return TRUE;
    case REG_IER:
        *value = dlab ? u->dlm : u->ier;
        return TRUE;
    case REG_IIR_FCR: {
        guint8 cause = iir_cause(u);
        if (cause == IIR_THRE)
            u->thr_irq = FALSE; /* reading IIR acknowledges THRE, and only it */
        *value = cause | ((u->fcr & FCR_ENABLE) ? IIR_FIFO : 0);
        return TRUE;
    }
    case REG_LCR:
        *value = u->lcr;
        return TRUE;
    case REG_MCR:
        *value = u->mcr;
        return TRUE;
    case REG_LSR:
        *value = lsr_value(u);
        u->lsr_errors = 0;
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
        else
            transmit(u, v);
        return TRUE;
    case REG_IER:
        if (dlab) {
            u->dlm = v;
        } else {
            /* Setting ETBEI with THR empty raises THRE even if an IIR read
             * had acknowledged it: drivers (Linux's 8250) toggle ETBEI to
             * kick transmission. */
            if ((v ^ u->ier) & IER_ETBEI)
                u->thr_irq = !u->tx_full && (v & IER_ETBEI) != 0;
            u->ier = v & IER_MASK;
        }
        return TRUE;
    case REG_IIR_FCR:
        /* Switching the FIFOs on or off empties them, as on the chip. */
        if ((v ^ u->fcr) & FCR_ENABLE)
            v |= FCR_CLEAR_RX | FCR_CLEAR_TX;
        if (v & FCR_CLEAR_RX)
            clear_fifo(u);
        /* TX clear: nothing to do, transmission is immediate. */
        u->fcr = v & FCR_KEPT;
        refill(u);
        return TRUE;
    case REG_LCR:
        u->lcr = v;
        return TRUE;
    case REG_MCR:
        u->mcr = v & MCR_MASK;
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
    gsize waiting = u->backlog->len - u->backlog_head;
    gsize room = RX_LIMIT - MIN(RX_LIMIT, waiting);
    if (len > room) {
        g_warning("UART receive buffer full: dropping %" G_GSIZE_FORMAT " bytes", len - room);
        u->lsr_errors |= LSR_OE;
    }
    g_byte_array_append(u->backlog, data, (guint)MIN(len, room));
    refill(u);
}

GBytes *msrv_uart_take_output(MsrvUart *u, gsize max)
{
    gsize n = MIN(max, u->tx->len);
    if (n == 0)
        return NULL;
    GBytes *out = g_bytes_new(u->tx->data, n);
    g_byte_array_remove_range(u->tx, 0, (guint)n);
    if (u->tx_full && u->tx->len <= TX_RESUME) {
        u->tx_full = FALSE;
        u->thr_irq = (u->ier & IER_ETBEI) != 0; /* THR empty again */
    }
    return out;
}

G_DEFINE_QUARK(shoal-msrv-uart-error-quark, msrv_uart_error)

void msrv_uart_save(const MsrvUart *u, Shoal__V1__UartState *out)
{
    GByteArray *rx = g_byte_array_new();
    for (guint i = 0; i < u->fifo_count; i++)
        g_byte_array_append(rx, &u->fifo[(u->fifo_head + i) % FIFO_SIZE], 1);
    g_byte_array_append(rx, u->backlog->data + u->backlog_head,
                        (guint)(u->backlog->len - u->backlog_head));
    out->ier = u->ier;
    out->lcr = u->lcr;
    out->mcr = u->mcr;
    out->scr = u->scr;
    out->dll = u->dll;
    out->dlm = u->dlm;
    out->fcr = u->fcr;
    out->lsr_errors = u->lsr_errors;
    out->thr_irq = u->thr_irq;
    out->rx.len = rx->len;
    out->rx.data = g_byte_array_free(rx, FALSE);
}

void msrv_uart_state_clear(Shoal__V1__UartState *state)
{
    g_clear_pointer(&state->rx.data, g_free);
    state->rx.len = 0;
}

/* FALSE + error unless @s is a state the device's own writes can reach:
 * each register within the bits it keeps, and no more received bytes than
 * the FIFO and the host-side buffer hold together. */
static gboolean check_state(const Shoal__V1__UartState *s, GError **error)
{
    const struct {
        const char *name;
        guint32 value, kept;
    } regs[] = {
        { "ier", s->ier, IER_MASK },   { "lcr", s->lcr, 0xff },
        { "mcr", s->mcr, MCR_MASK },   { "scr", s->scr, 0xff },
        { "dll", s->dll, 0xff },       { "dlm", s->dlm, 0xff },
        { "fcr", s->fcr, FCR_KEPT },   { "lsr_errors", s->lsr_errors, LSR_ERRORS },
    };
    for (guint i = 0; i < G_N_ELEMENTS(regs); i++) {
        if (regs[i].value & ~regs[i].kept) {
            g_set_error(error, MSRV_UART_ERROR, 0,
                        "UART state: %s 0x%x, the UART keeps only bits 0x%x", regs[i].name,
                        regs[i].value, regs[i].kept);
            return FALSE;
        }
    }
    /* Only a THR-empty interrupt that IER enables is ever left pending:
     * clearing ETBEI drops it. */
    if (s->thr_irq && !(s->ier & IER_ETBEI)) {
        g_set_error(error, MSRV_UART_ERROR, 0,
                    "UART state: thr_irq pending with ier 0x%x (ETBEI clear)", s->ier);
        return FALSE;
    }
    gsize max_rx = fifo_capacity((guint8)s->fcr) + RX_LIMIT;
    if (s->rx.len > max_rx) {
        g_set_error(error, MSRV_UART_ERROR, 0,
                    "UART state: rx of %" G_GSIZE_FORMAT " bytes, the UART holds at most %"
                    G_GSIZE_FORMAT " with fcr 0x%x",
                    s->rx.len, max_rx, s->fcr);
        return FALSE;
    }
    return TRUE;
}

gboolean msrv_uart_load(MsrvUart *u, const Shoal__V1__UartState *s, GError **error)
{
    if (!check_state(s, error))
        return FALSE;
    u->ier = (guint8)s->ier;
    u->lcr = (guint8)s->lcr;
    u->mcr = (guint8)s->mcr;
    u->scr = (guint8)s->scr;
    u->dll = (guint8)s->dll;
    u->dlm = (guint8)s->dlm;
    u->fcr = (guint8)s->fcr;
    u->lsr_errors = (guint8)s->lsr_errors;
    u->thr_irq = s->thr_irq;
    /* Received bytes go in as if just pushed: refill fills the FIFO as far
     * as the device would have, so the FIFO and the backlog split as before. */
    clear_fifo(u);
    g_byte_array_set_size(u->backlog, 0);
    u->backlog_head = 0;
    g_byte_array_append(u->backlog, s->rx.data, (guint)s->rx.len);
    refill(u);
    g_byte_array_set_size(u->tx, 0);
    u->tx_full = FALSE;
    return TRUE;
}
