/* SPDX-License-Identifier: MIT */
/* What the gdb stub's files share that needs no machine (launcher/gdbstub.c
 * is the stub, launcher/debugger.h what it drives): the remote serial
 * protocol's framing and the target description. */
#ifndef SHOAL_LAUNCHER_GDB_H
#define SHOAL_LAUNCHER_GDB_H

#include <glib.h>

/* ---- rsp.c: the framing, no I/O ---------------------------------------- */

/* The longest packet payload gdb may send (qSupported's PacketSize). */
#define LAUNCHER_RSP_MAX_PACKET 0x4000u

typedef enum {
    LAUNCHER_RSP_NEED_MORE, /* nothing whole in the buffer yet */
    LAUNCHER_RSP_PACKET,    /* a packet with a good checksum */
    LAUNCHER_RSP_BAD,       /* a packet with a bad checksum, or too long: answer '-' */
    LAUNCHER_RSP_ACK,       /* '+' */
    LAUNCHER_RSP_NACK,      /* '-': gdb wants the last packet again */
    LAUNCHER_RSP_INTERRUPT, /* 0x03 between packets: stop the machine */
} LauncherRspEvent;

/* Takes the first event out of the bytes received in @in (what precedes a
 * '$' and is no ack or interrupt is skipped). A PACKET's payload, what was
 * between '$' and '#' (still escaped), goes into @payload. */
LauncherRspEvent launcher_rsp_take(GByteArray *in, GString *payload);
/* The sum of @len bytes mod 256. */
guint8 launcher_rsp_checksum(const guint8 *data, gsize len);
/* Appends "$PAYLOAD#xx" to @out. */
void launcher_rsp_frame(GString *out, const char *payload, gsize len);
/* Appends binary @data with '#', '$', '}' and '*' escaped as "}" then the
 * byte xor 0x20 (qXfer replies). */
void launcher_rsp_escape(GString *out, const guint8 *data, gsize len);
/* Undoes the escape of @len bytes at @in into @out (room for @len): the
 * bytes written, or -1 if @in ends inside an escape (X packets). */
gssize launcher_rsp_unescape(const guint8 *in, gsize len, guint8 *out);
/* Appends two lowercase hex digits per byte. */
void launcher_rsp_hex_encode(GString *out, const guint8 *data, gsize len);
/* @n_bytes bytes from the 2 * @n_bytes hex digits at @hex (which holds at
 * least that many chars, or a NUL before); FALSE at a non-digit. */
gboolean launcher_rsp_hex_decode(const char *hex, guint8 *out, gsize n_bytes);
/* The hex number at *@p (at most 16 digits, before @end): *@p moves past
 * it. FALSE if there is no digit or it does not fit 64 bits. */
gboolean launcher_rsp_parse_hex(const char **p, const char *end, guint64 *value);

/* ---- gdb-target.c: the registers gdb is told of ------------------------ */

#define LAUNCHER_GDB_REG_PC 32
#define LAUNCHER_GDB_REG_F0 33
#define LAUNCHER_GDB_REG_PRIV 4161
/* The `g` packet: x0..x31 and pc; gdb asks for the others one by one. */
#define LAUNCHER_GDB_G_REGS 33u

/* target.xml, whole (a static string). */
const char *launcher_gdb_target_xml(void);
/* The bytes register @regnum has in target.xml; 0 if it is not there. */
guint launcher_gdb_reg_size(guint regnum);

#endif /* SHOAL_LAUNCHER_GDB_H */
