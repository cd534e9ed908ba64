/* SPDX-License-Identifier: MIT */
/* What each of gdb's packets does (gdb's "Remote Protocol" appendix):
 * queries, registers and memory through DebugAccess (gdb's register
 * numbers are the nodes'), breakpoints, and the ways of resuming. Each
 * packet gets its answer (an error, or an empty reply for what is not
 * supported) whatever it holds: the payload is parsed within its bounds. */
#include "launcher/gdbstub.h"

#include <string.h>

/* Bytes per `m` reply: its hex must fit the packet size gdb was told. */
#define MAX_MEM_REPLY ((LAUNCHER_RSP_MAX_PACKET - 4) / 2)

typedef struct {
    const char *p, *end; /* what is left of the payload */
} Cursor;

/* ---- Registers and memory, through DebugAccess -------------------------- */

/* The thread gdb's g/p/m packets are about. */
static guint current_tid(LauncherGdbStub *s)
{
    return s->g_tid != GDB_TID_ALL ? s->g_tid : s->stop_tid;
}

static gboolean write_reg(LauncherGdbStub *s, guint hart, guint regno, const guint8 value[8])
{
    Shoal__V1__DebugAccess a = SHOAL__V1__DEBUG_ACCESS__INIT;
    a.hart = hart;
    a.kind = SHOAL__V1__DEBUG_ACCESS_KIND__DEBUG_ACCESS_WRITE_REG;
    a.regno = regno;
    a.data.data = (guint8 *)value;
    a.data.len = 8;
    g_autoptr(IcEnvelope) r = launcher_debugger_access(s->d, &a);
    return r && r->debug_access_reply->ok;
}

/* Up to @len bytes at @addr as @hart sees them into @out: how many could be
 * read (from the start; fewer at an unmapped page). */
static gsize read_mem(LauncherGdbStub *s, guint hart, guint64 addr, guint8 *out, gsize len)
{
    gsize done = 0;
    while (done < len) {
        Shoal__V1__DebugAccess a = SHOAL__V1__DEBUG_ACCESS__INIT;
        a.hart = hart;
        a.kind = SHOAL__V1__DEBUG_ACCESS_KIND__DEBUG_ACCESS_READ_MEM;
        a.addr = addr + done;
        a.len = (uint32_t)MIN(len - done, IC_MAX_DEBUG_MEM);
        g_autoptr(IcEnvelope) r = launcher_debugger_access(s->d, &a);
        if (r == NULL || !r->debug_access_reply->ok || r->debug_access_reply->data.len != a.len)
            break;
        memcpy(out + done, r->debug_access_reply->data.data, a.len);
        done += a.len;
    }
    return done;
}

static gboolean write_mem(LauncherGdbStub *s, guint hart, guint64 addr, const guint8 *data,
                          gsize len)
{
    for (gsize done = 0; done < len;) {
        Shoal__V1__DebugAccess a = SHOAL__V1__DEBUG_ACCESS__INIT;
        a.hart = hart;
        a.kind = SHOAL__V1__DEBUG_ACCESS_KIND__DEBUG_ACCESS_WRITE_MEM;
        a.addr = addr + done;
        a.data.data = (guint8 *)data + done;
        a.data.len = MIN(len - done, IC_MAX_DEBUG_MEM);
        g_autoptr(IcEnvelope) r = launcher_debugger_access(s->d, &a);
        if (r == NULL || !r->debug_access_reply->ok)
            return FALSE;
        done += a.data.len;
    }
    return TRUE;
}

/* ---- Parsing a payload --------------------------------------------------- */

static gboolean take_char(Cursor *c, char ch)
{
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return TRUE;
    }
    return FALSE;
}

static gboolean take_hex(Cursor *c, guint64 *value)
{
    return launcher_rsp_parse_hex(&c->p, c->end, value);
}

static gboolean take_prefix(Cursor *c, const char *prefix)
{
    gsize n = strlen(prefix);
    if ((gsize)(c->end - c->p) >= n && memcmp(c->p, prefix, n) == 0) {
        c->p += n;
        return TRUE;
    }
    return FALSE;
}

/* A thread id: "-1" (all) or "0" (any) give GDB_TID_ALL; else 1..n_harts. */
static gboolean take_tid(LauncherGdbStub *s, Cursor *c, guint *tid)
{
    guint64 v;
    if (take_prefix(c, "-1")) {
        *tid = GDB_TID_ALL;
        return TRUE;
    }
    if (!take_hex(c, &v) || v > s->d->n_harts)
        return FALSE;
    *tid = (guint)v;
    return TRUE;
}

/* "ADDR,LEN" */
static gboolean take_range(Cursor *c, guint64 *addr, guint64 *len)
{
    return take_hex(c, addr) && take_char(c, ',') && take_hex(c, len);
}

/* ---- The packets ---------------------------------------------------------- */

static void handle_query(LauncherGdbStub *s, Cursor *c)
{
    if (take_prefix(c, "qSupported")) {
        /* gdb's features follow: ";swbreak+;hwbreak+;..." */
        g_autofree char *features = g_strndup(c->p, (gsize)(c->end - c->p));
        g_auto(GStrv) list = g_strsplit_set(features, ":;", -1);
        s->swbreak = g_strv_contains((const char *const *)list, "swbreak+");
        s->hwbreak = g_strv_contains((const char *const *)list, "hwbreak+");
        launcher_gdb_reply_printf(s,
                                  "PacketSize=%x;qXfer:features:read+;QStartNoAckMode+;"
                                  "vContSupported+;swbreak+;hwbreak+",
                                  LAUNCHER_RSP_MAX_PACKET);
    } else if (take_prefix(c, "qXfer:features:read:")) {
        guint64 off, len;
        if (!take_prefix(c, "target.xml:")) {
            launcher_gdb_reply(s, "E00"); /* no such annex */
            return;
        }
        if (!take_range(c, &off, &len) || c->p != c->end || len == 0) {
            launcher_gdb_reply(s, "E01");
            return;
        }
        const char *xml = launcher_gdb_target_xml();
        gsize size = strlen(xml);
        len = MIN(len, LAUNCHER_RSP_MAX_PACKET / 2); /* escaped, it may double */
        if (off >= size) {
            launcher_gdb_reply(s, "l");
            return;
        }
        gsize n = (gsize)MIN(len, size - off);
        g_autoptr(GString) payload = g_string_new(off + n < size ? "m" : "l");
        launcher_rsp_escape(payload, (const guint8 *)xml + off, n);
        launcher_gdb_reply_len(s, payload->str, payload->len);
    } else if (take_prefix(c, "qfThreadInfo")) {
        g_autoptr(GString) list = g_string_new("m1");
        for (guint t = 2; t <= s->d->n_harts; t++)
            g_string_append_printf(list, ",%x", t);
        launcher_gdb_reply(s, list->str);
    } else if (take_prefix(c, "qsThreadInfo")) {
        launcher_gdb_reply(s, "l");
    } else if (c->end - c->p == 2 && take_prefix(c, "qC")) {
        launcher_gdb_reply_printf(s, "QC%x", current_tid(s));
    } else if (take_prefix(c, "qAttached")) {
        launcher_gdb_reply(s, "1");
    } else if (take_prefix(c, "qSymbol")) {
        launcher_gdb_reply(s, "OK");
    } else if (take_prefix(c, "qThreadExtraInfo,")) {
        guint tid;
        if (!take_tid(s, c, &tid) || tid == GDB_TID_ALL) {
            launcher_gdb_reply(s, "E01");
            return;
        }
        g_autofree char *text = g_strdup_printf("node %u hart %u", s->d->hart_node[tid - 1],
                                                tid - 1);
        g_autoptr(GString) hex = g_string_new(NULL);
        launcher_rsp_hex_encode(hex, (const guint8 *)text, strlen(text));
        launcher_gdb_reply(s, hex->str);
    } else {
        launcher_gdb_reply(s, ""); /* qTStatus, qOffsets, ...: not supported */
    }
}

static void handle_set_thread(LauncherGdbStub *s, Cursor *c)
{
    gboolean general = take_char(c, 'g');
    guint tid;
    if ((!general && !take_char(c, 'c')) || !take_tid(s, c, &tid) || c->p != c->end) {
        launcher_gdb_reply(s, "E22");
        return;
    }
    *(general ? &s->g_tid : &s->c_tid) = tid;
    launcher_gdb_reply(s, "OK");
}

static void handle_read_all(LauncherGdbStub *s)
{
    guint8 regs[LAUNCHER_GDB_G_REGS * 8];
    gboolean ok = FALSE;
    guint hart = current_tid(s) - 1;
    if (!launcher_debugger_read_regs(s->d, hart, 0, LAUNCHER_GDB_G_REGS, regs, &ok) || !ok) {
        launcher_gdb_reply(s, "E14");
        return;
    }
    g_autoptr(GString) hex = g_string_new(NULL);
    launcher_rsp_hex_encode(hex, regs, sizeof(regs));
    launcher_gdb_reply(s, hex->str);
}

static void handle_write_all(LauncherGdbStub *s, Cursor *c)
{
    gsize n = (gsize)(c->end - c->p);
    if (n == 0 || n % 16 != 0 || n / 16 > LAUNCHER_GDB_G_REGS) {
        launcher_gdb_reply(s, "E22");
        return;
    }
    for (guint r = 0; r < n / 16; r++) {
        guint8 value[8];
        if (!launcher_rsp_hex_decode(c->p + 16 * r, value, 8)) {
            launcher_gdb_reply(s, "E22");
            return;
        }
        if (r != 0 && !write_reg(s, current_tid(s) - 1, r, value)) { /* x0 stays 0 */
            launcher_gdb_reply(s, "E14");
            return;
        }
    }
    launcher_gdb_reply(s, "OK");
}

static void handle_read_reg(LauncherGdbStub *s, Cursor *c)
{
    guint64 regno;
    if (!take_hex(c, &regno) || c->p != c->end) {
        launcher_gdb_reply(s, "E22");
        return;
    }
    guint size = regno <= G_MAXUINT ? launcher_gdb_reg_size((guint)regno) : 0;
    if (size == 0) {
        launcher_gdb_reply(s, "E45"); /* not in target.xml: gdb does not ask */
        return;
    }
    guint8 value[8];
    gboolean ok = FALSE;
    if (!launcher_debugger_read_regs(s->d, current_tid(s) - 1, (guint)regno, 1, value, &ok)) {
        launcher_gdb_reply(s, "E14");
        return;
    }
    g_autoptr(GString) hex = g_string_new(NULL);
    if (ok)
        launcher_rsp_hex_encode(hex, value, size);
    else
        for (guint i = 0; i < size; i++)
            g_string_append(hex, "xx"); /* a register this hart lacks: gdb shows it unavailable */
    launcher_gdb_reply(s, hex->str);
}

static void handle_write_reg(LauncherGdbStub *s, Cursor *c)
{
    guint64 regno;
    guint size = 0;
    if (take_hex(c, &regno) && take_char(c, '=') && regno <= G_MAXUINT)
        size = launcher_gdb_reg_size((guint)regno);
    guint8 value[8] = { 0 }; /* a 32-bit register's value, zero-extended */
    if (size == 0 || (gsize)(c->end - c->p) != 2 * size ||
        !launcher_rsp_hex_decode(c->p, value, size)) {
        launcher_gdb_reply(s, "E22");
        return;
    }
    launcher_gdb_reply(s, write_reg(s, current_tid(s) - 1, (guint)regno, value) ? "OK" : "E14");
}

static void handle_read_mem(LauncherGdbStub *s, Cursor *c)
{
    guint64 addr, len;
    if (!take_range(c, &addr, &len) || c->p != c->end || len == 0) {
        launcher_gdb_reply(s, "E22");
        return;
    }
    /* gdb takes fewer bytes than it asked for, and asks again for the rest */
    len = MIN(len, MAX_MEM_REPLY);
    if (addr != 0)
        len = MIN(len, 0 - addr); /* up to the top of the address space */
    g_autofree guint8 *data = g_malloc(len);
    gsize n = read_mem(s, current_tid(s) - 1, addr, data, len);
    if (n == 0) {
        launcher_gdb_reply(s, "E14");
        return;
    }
    g_autoptr(GString) hex = g_string_sized_new(2 * n);
    launcher_rsp_hex_encode(hex, data, n);
    launcher_gdb_reply(s, hex->str);
}

/* M (hex data) and X (binary data). */
static void handle_write_mem(LauncherGdbStub *s, Cursor *c, gboolean binary)
{
    guint64 addr, len;
    if (!take_range(c, &addr, &len) || !take_char(c, ':') || len > LAUNCHER_RSP_MAX_PACKET ||
        (len > 0 && addr + len - 1 < addr)) {
        launcher_gdb_reply(s, "E22");
        return;
    }
    gsize avail = (gsize)(c->end - c->p);
    g_autofree guint8 *data = g_malloc(MAX(avail, 1));
    gboolean good;
    if (binary) {
        good = launcher_rsp_unescape((const guint8 *)c->p, avail, data) == (gssize)len;
    } else {
        good = avail == 2 * len && launcher_rsp_hex_decode(c->p, data, len);
    }
    if (!good) {
        launcher_gdb_reply(s, "E22");
        return;
    }
    /* X with no data is gdb asking whether X works */
    gboolean ok = len == 0 || write_mem(s, current_tid(s) - 1, addr, data, len);
    launcher_gdb_reply(s, ok ? "OK" : "E14");
}

static gboolean same_point(const GdbBreakpoint *a, const GdbBreakpoint *b)
{
    return a->type == b->type && a->addr == b->addr && a->len == b->len;
}

static void handle_breakpoint(LauncherGdbStub *s, Cursor *c, gboolean insert)
{
    guint64 type, pc, kind;
    if (!take_hex(c, &type) || !take_char(c, ',') || !take_hex(c, &pc) || !take_char(c, ',') ||
        !take_hex(c, &kind)) {
        launcher_gdb_reply(s, "E22");
        return;
    }
    if (type > 4 || (type >= GDB_Z_FIRST_WATCH && (kind == 0 || pc + kind - 1 < pc))) {
        launcher_gdb_reply(s, type > 4 ? "" : "E22");
        return;
    }
    /* For a watchpoint gdb's "kind" is its length. */
    GdbBreakpoint bp = { .type = (guint)type, .addr = pc,
                         .len = type >= GDB_Z_FIRST_WATCH ? kind : 0 };
    guint i = 0;
    while (i < s->breakpoints->len && !same_point(&g_array_index(s->breakpoints, GdbBreakpoint, i),
                                                  &bp))
        i++;
    if (insert && i == s->breakpoints->len) {
        if (s->breakpoints->len >= IC_MAX_BREAKPOINTS) {
            launcher_gdb_reply(s, "E28"); /* ENOSPC */
            return;
        }
        g_array_append_val(s->breakpoints, bp);
        s->breakpoints_sent = FALSE;
    } else if (!insert && i < s->breakpoints->len) {
        g_array_remove_index_fast(s->breakpoints, i);
        s->breakpoints_sent = FALSE;
    }
    launcher_gdb_reply(s, "OK");
}

/* c, C, s, S: [SIG][;ADDR] or [ADDR]. */
static void handle_continue(LauncherGdbStub *s, Cursor *c, char what)
{
    guint64 signal, addr;
    gboolean has_addr = FALSE;
    if (what == 'C' || what == 'S') {
        if (!take_hex(c, &signal)) { /* the signal: the guest has none to take */
            launcher_gdb_reply(s, "E22");
            return;
        }
        has_addr = take_char(c, ';');
    } else {
        has_addr = c->p != c->end;
    }
    if ((has_addr && !take_hex(c, &addr)) || c->p != c->end) {
        launcher_gdb_reply(s, "E22");
        return;
    }
    gboolean step = what == 's' || what == 'S';
    guint tid = s->c_tid != GDB_TID_ALL ? s->c_tid : s->stop_tid;
    if (has_addr) {
        guint8 pc[8];
        for (guint i = 0; i < 8; i++)
            pc[i] = (guint8)(addr >> (8 * i));
        if (!write_reg(s, tid - 1, LAUNCHER_GDB_REG_PC, pc)) {
            launcher_gdb_reply(s, "E14");
            return;
        }
    }
    g_autoptr(GArray) harts = NULL;
    if (step) {
        harts = g_array_new(FALSE, FALSE, sizeof(guint32));
        guint32 hart = tid - 1;
        g_array_append_val(harts, hart); /* the others stay stopped */
        launcher_gdb_resume(s, harts, NULL);
    } else {
        harts = launcher_debugger_all_harts(s->d);
        launcher_gdb_resume(s, NULL, harts);
    }
}

/* vCont;ACTION[:TID]...: each hart takes the leftmost action naming it (or
 * all threads); a hart no action names stays stopped. */
static void handle_vcont(LauncherGdbStub *s, Cursor *c)
{
    g_autofree char *action = g_new0(char, s->d->n_harts); /* 0: none yet, 'c' or 's' */
    while (take_char(c, ';')) {
        char a = c->p < c->end ? *c->p++ : '\0';
        guint64 signal;
        if ((a == 'C' || a == 'S') && !take_hex(c, &signal)) {
            launcher_gdb_reply(s, "E22");
            return;
        }
        if (a != 'c' && a != 'C' && a != 's' && a != 'S') {
            launcher_gdb_reply(s, "E22"); /* t, r: not offered in vCont? */
            return;
        }
        guint tid = GDB_TID_ALL;
        if (take_char(c, ':') && (!take_tid(s, c, &tid))) {
            launcher_gdb_reply(s, "E22");
            return;
        }
        for (guint h = 0; h < s->d->n_harts; h++)
            if (action[h] == 0 && (tid == GDB_TID_ALL || tid == h + 1))
                action[h] = g_ascii_tolower(a);
    }
    if (c->p != c->end) {
        launcher_gdb_reply(s, "E22");
        return;
    }
    g_autoptr(GArray) step = g_array_new(FALSE, FALSE, sizeof(guint32));
    g_autoptr(GArray) run = g_array_new(FALSE, FALSE, sizeof(guint32));
    for (guint32 h = 0; h < s->d->n_harts; h++) {
        if (action[h])
            g_array_append_val(action[h] == 's' ? step : run, h);
    }
    if (step->len + run->len == 0) {
        launcher_gdb_reply(s, "E22"); /* nothing would run, and no stop would ever come */
        return;
    }
    launcher_gdb_resume(s, step, run);
}

gboolean launcher_gdb_needs_halted(const GString *packet)
{
    if (packet->len == 0 || packet->str[0] == '\0')
        return FALSE;
    if (strchr("?gGpPmMXcCsSD", packet->str[0]))
        return TRUE;
    return g_str_has_prefix(packet->str, "vCont;");
}

void launcher_gdb_handle_packet(LauncherGdbStub *s, const GString *packet)
{
    Cursor c = { packet->str + 1, packet->str + packet->len };
    char what = packet->len > 0 ? packet->str[0] : '\0';
    if (what == 'X') /* binary */
        g_debug("gdb stub: <- X packet of %zu bytes", packet->len);
    else
        g_debug("gdb stub: <- %.*s", (int)MIN(packet->len, 80), packet->str);
    if (s->d->ended && what != '\0' && strchr("gGpPmMX", what)) {
        launcher_gdb_reply(s, "E01");
        return;
    }
    switch (what) {
    case '?':
        launcher_gdb_reply_stop(s);
        break;
    case 'q':
        c.p = packet->str;
        handle_query(s, &c);
        break;
    case 'Q':
        if (strcmp(packet->str, "QStartNoAckMode") == 0) {
            launcher_gdb_reply(s, "OK"); /* acknowledged: the last ack gdb waits for */
            s->no_ack = TRUE;
        } else {
            launcher_gdb_reply(s, "");
        }
        break;
    case 'H':
        handle_set_thread(s, &c);
        break;
    case 'T': {
        guint tid;
        gboolean alive = take_tid(s, &c, &tid) && tid != GDB_TID_ALL && c.p == c.end;
        launcher_gdb_reply(s, alive ? "OK" : "E01");
        break;
    }
    case 'g':
        handle_read_all(s);
        break;
    case 'G':
        handle_write_all(s, &c);
        break;
    case 'p':
        handle_read_reg(s, &c);
        break;
    case 'P':
        handle_write_reg(s, &c);
        break;
    case 'm':
        handle_read_mem(s, &c);
        break;
    case 'M':
    case 'X':
        handle_write_mem(s, &c, what == 'X');
        break;
    case 'Z':
    case 'z':
        handle_breakpoint(s, &c, what == 'Z');
        break;
    case 'c':
    case 'C':
    case 's':
    case 'S':
        handle_continue(s, &c, what);
        break;
    case 'v':
        if (strcmp(packet->str, "vCont?") == 0) {
            launcher_gdb_reply(s, "vCont;c;C;s;S");
        } else if (take_prefix(&c, "Cont") && c.p < c.end && *c.p == ';') {
            handle_vcont(s, &c);
        } else if (take_prefix(&c, "Kill")) {
            launcher_gdb_reply(s, "OK");
            launcher_gdb_kill(s);
        } else {
            launcher_gdb_reply(s, ""); /* vMustReplyEmpty and the rest */
        }
        break;
    case 'D':
        launcher_gdb_detach(s);
        break;
    case 'k':
        launcher_gdb_kill(s);
        break;
    default:
        launcher_gdb_reply(s, "");
        break;
    }
}
