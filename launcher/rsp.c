/* SPDX-License-Identifier: MIT */
/* The gdb remote serial protocol's framing, with no I/O so that all of it
 * can be fed any bytes in a test: `$payload#xx` packets (xx the payload's
 * byte sum mod 256, in hex) among gdb's `+`/`-` acknowledgements and its
 * 0x03 interrupt byte; the `}` escape of binary data; hex. gdb is an
 * untrusted peer here: nothing it sends can make these read or write out
 * of bounds, and a packet that never ends is cut off. */
#include "launcher/gdb.h"

#include <string.h>

#define RSP_ESCAPE '}'
#define RSP_INTERRUPT 0x03

guint8 launcher_rsp_checksum(const guint8 *data, gsize len)
{
    guint8 sum = 0;
    for (gsize i = 0; i < len; i++)
        sum = (guint8)(sum + data[i]);
    return sum;
}

static int hex_value(guint8 c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Where the packet that starts at @in[0] ('$') ends (its '#'), or -1 if
 * it has not yet. An escaped byte is data even if it is a '#'. */
static gssize packet_end(const GByteArray *in)
{
    for (guint i = 1; i < in->len; i++) {
        if (in->data[i] == RSP_ESCAPE)
            i++;
        else if (in->data[i] == '#')
            return i;
    }
    return -1;
}

LauncherRspEvent launcher_rsp_take(GByteArray *in, GString *payload)
{
    /* What comes between packets is noise, but for acks and interrupts */
    guint skip = 0;
    while (skip < in->len && in->data[skip] != '$') {
        guint8 c = in->data[skip++];
        LauncherRspEvent ev = c == '+'             ? LAUNCHER_RSP_ACK
                              : c == '-'           ? LAUNCHER_RSP_NACK
                              : c == RSP_INTERRUPT ? LAUNCHER_RSP_INTERRUPT
                                                   : LAUNCHER_RSP_NEED_MORE;
        if (ev != LAUNCHER_RSP_NEED_MORE) {
            g_byte_array_remove_range(in, 0, skip);
            return ev;
        }
    }
    g_byte_array_remove_range(in, 0, skip);
    if (in->len == 0)
        return LAUNCHER_RSP_NEED_MORE;

    gssize end = packet_end(in);
    if (end < 0 || (gsize)end + 3 > in->len) {
        /* '$', payload, '#', two digits: one longer than any gdb sends
         * would otherwise hold the buffer forever */
        if (in->len <= LAUNCHER_RSP_MAX_PACKET + 4)
            return LAUNCHER_RSP_NEED_MORE;
        g_byte_array_remove_range(in, 0, 1); /* resynchronise at the next '$' */
        return LAUNCHER_RSP_BAD;
    }
    int hi = hex_value(in->data[end + 1]), lo = hex_value(in->data[end + 2]);
    gboolean good = (gsize)end - 1 <= LAUNCHER_RSP_MAX_PACKET && hi >= 0 && lo >= 0 &&
                    launcher_rsp_checksum(in->data + 1, (gsize)end - 1) == (guint8)(hi << 4 | lo);
    if (good) {
        g_string_truncate(payload, 0);
        g_string_append_len(payload, (const char *)in->data + 1, end - 1);
    }
    g_byte_array_remove_range(in, 0, (guint)end + 3);
    return good ? LAUNCHER_RSP_PACKET : LAUNCHER_RSP_BAD;
}

void launcher_rsp_frame(GString *out, const char *payload, gsize len)
{
    g_string_append_c(out, '$');
    g_string_append_len(out, payload, (gssize)len);
    g_string_append_printf(out, "#%02x", launcher_rsp_checksum((const guint8 *)payload, len));
}

void launcher_rsp_escape(GString *out, const guint8 *data, gsize len)
{
    for (gsize i = 0; i < len; i++) {
        guint8 c = data[i];
        /* '*' too: gdb reads it as run-length encoding in any reply */
        if (c == '#' || c == '$' || c == RSP_ESCAPE || c == '*') {
            g_string_append_c(out, RSP_ESCAPE);
            c ^= 0x20;
        }
        g_string_append_c(out, (char)c);
    }
}

gssize launcher_rsp_unescape(const guint8 *in, gsize len, guint8 *out)
{
    gsize n = 0;
    for (gsize i = 0; i < len; i++) {
        if (in[i] != RSP_ESCAPE) {
            out[n++] = in[i];
        } else if (++i < len) {
            out[n++] = in[i] ^ 0x20;
        } else {
            return -1;
        }
    }
    return (gssize)n;
}

void launcher_rsp_hex_encode(GString *out, const guint8 *data, gsize len)
{
    static const char digits[] = "0123456789abcdef";
    for (gsize i = 0; i < len; i++) {
        g_string_append_c(out, digits[data[i] >> 4]);
        g_string_append_c(out, digits[data[i] & 0xf]);
    }
}

gboolean launcher_rsp_hex_decode(const char *hex, guint8 *out, gsize n_bytes)
{
    for (gsize i = 0; i < n_bytes; i++) {
        int hi = hex_value((guint8)hex[2 * i]);
        int lo = hi < 0 ? -1 : hex_value((guint8)hex[2 * i + 1]);
        if (lo < 0)
            return FALSE;
        out[i] = (guint8)(hi << 4 | lo);
    }
    return TRUE;
}

gboolean launcher_rsp_parse_hex(const char **p, const char *end, guint64 *value)
{
    const char *s = *p;
    guint64 v = 0;
    int digit;
    while (s < end && (digit = hex_value((guint8)*s)) >= 0) {
        if (s - *p == 16)
            return FALSE; /* more than 64 bits */
        v = v << 4 | (guint64)digit;
        s++;
    }
    if (s == *p)
        return FALSE;
    *value = v;
    *p = s;
    return TRUE;
}
