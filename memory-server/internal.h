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
/* Bytes for the receive side (from the console). */
void msrv_uart_push_input(MsrvUart *uart, const guint8 *data, gsize len);
/* Takes the transmitted bytes accumulated so far (NULL if none). */
GBytes *msrv_uart_take_output(MsrvUart *uart);

/* ---- sifive_test: the guest's way to end the machine ---- */
/* A write of @value at @off: TRUE when it asks to end the machine, with the
 * exit code in *exit_code. Other writes are ignored (as QEMU does). */
gboolean msrv_sifive_test_write(guint64 off, guint64 value, int *exit_code);

/* ---- the server ---- */
/* Runs the memory server of @machine until the machine ends; returns the
 * process exit code. */
int msrv_run(const CfgMachine *machine, const char *run_dir);

#endif /* SHOAL_MSRV_INTERNAL_H */
