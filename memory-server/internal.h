/* SPDX-License-Identifier: MIT */
/* What the memory server's files share: the devices it hosts and the
 * server loop's entry point. Devices are plain state machines: the server
 * calls them on its one thread and moves their bytes over the sockets. */
#ifndef SHOAL_MSRV_INTERNAL_H
#define SHOAL_MSRV_INTERNAL_H

#include <glib.h>

#include "config/cfg.h"

/* ---- ns16550 UART (registers 1 byte apart) ---- */
typedef struct MsrvUart MsrvUart;
MsrvUart *msrv_uart_new(void);
void msrv_uart_free(MsrvUart *uart);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MsrvUart, msrv_uart_free)
/* Register access at byte offset @off (0..7) of the device; wider accesses
 * act on the register at @off. FALSE: no register there (access fault). */
gboolean msrv_uart_read(MsrvUart *uart, guint64 off, guint64 *value);
gboolean msrv_uart_write(MsrvUart *uart, guint64 off, guint64 value);
/* The level of the UART's interrupt output (some IIR cause is pending
 * and enabled in IER); changes only inside the calls of this interface. */
gboolean msrv_uart_irq(const MsrvUart *uart);
/* What LSR reads now, without reading it; FALSE when reading it would
 * change it (latched errors), so nobody may answer from a copy. */
gboolean msrv_uart_lsr_peek(const MsrvUart *uart, guint8 *lsr);
/* Bytes for the receive side (from the console). */
void msrv_uart_push_input(MsrvUart *uart, const guint8 *data, gsize len);
/* Takes the transmitted bytes accumulated so far (NULL if none). */
GBytes *msrv_uart_take_output(MsrvUart *uart);

/* ---- PLIC: interrupt sources -> per-hart M/S external interrupts ---- */
#define MSRV_PLIC_SOURCES 96u     /* ids 0..95; 0 means "none" */
#define MSRV_PLIC_MAX_HARTS 512u  /* 2 contexts each fill the 0x600000 window */
#define MSRV_PLIC_MEIP 11u        /* mip bit of a hart's M context */
#define MSRV_PLIC_SEIP 9u         /* mip bit of a hart's S context */
typedef struct MsrvPlic MsrvPlic;
/* Called (on the caller's thread, from inside the msrv_plic_* call that
 * changed it) when the output of hart @hart's context for @mip_bit changes. */
typedef void (*MsrvPlicOutputFn)(gpointer opaque, guint hart, guint mip_bit, gboolean level);
/* Contexts 2h (M) and 2h+1 (S) for harts 0..@n_harts-1, every output low. */
MsrvPlic *msrv_plic_new(guint n_harts, MsrvPlicOutputFn output_fn, gpointer opaque);
void msrv_plic_free(MsrvPlic *plic);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MsrvPlic, msrv_plic_free)
/* Register access at @off: only aligned 32-bit accesses exist (FALSE, an
 * access fault, otherwise); holes read 0 and ignore writes. A read of a
 * claim register claims. */
gboolean msrv_plic_read(MsrvPlic *plic, guint64 off, guint size, guint64 *value);
gboolean msrv_plic_write(MsrvPlic *plic, guint64 off, guint size, guint64 value);
/* The level of interrupt source @source (1..95) as its device drives it. */
void msrv_plic_set_line(MsrvPlic *plic, guint source, gboolean level);
/* The last level reported for hart @hart's @mip_bit context. */
gboolean msrv_plic_output(const MsrvPlic *plic, guint hart, guint mip_bit);

/* ---- sifive_test: the guest's way to end the machine ---- */
typedef enum {
    MSRV_TEST_NONE,  /* not a command: ignored (as QEMU does) */
    MSRV_TEST_EXIT,  /* end the machine with *exit_code */
    MSRV_TEST_RESET, /* reset the machine (shoal ends the run, exit code 0) */
} MsrvTestAction;
/* What a write of @value at @off asks for; *exit_code set for EXIT. */
MsrvTestAction msrv_sifive_test_write(guint64 off, guint64 value, int *exit_code);

/* ---- the server ---- */
/* Runs the memory server of @machine until the machine ends; returns the
 * process exit code. */
int msrv_run(const CfgMachine *machine, const char *run_dir);

#endif /* SHOAL_MSRV_INTERNAL_H */
