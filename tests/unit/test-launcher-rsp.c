/* SPDX-License-Identifier: MIT */
/* The gdb stub's parts that need no machine: the remote serial protocol's
 * framing (packets among acks and interrupts, checksums, escapes, hex),
 * the spelling of --gdb and --monitor endpoints and their listening
 * sockets, and the target description gdb is given. */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "launcher/endpoint.h"
#include "launcher/gdb.h"

static GByteArray *bytes(const char *s, gsize len)
{
    GByteArray *in = g_byte_array_new();
    g_byte_array_append(in, (const guint8 *)s, (guint)len);
    return in;
}

static void test_checksum(void)
{
    g_assert_cmpuint(launcher_rsp_checksum((const guint8 *)"", 0), ==, 0);
    /* "O" + "K" = 0x4f + 0x4b */
    g_assert_cmpuint(launcher_rsp_checksum((const guint8 *)"OK", 2), ==, 0x9a);
    guint8 all[256];
    for (guint i = 0; i < 256; i++)
        all[i] = (guint8)i;
    g_assert_cmpuint(launcher_rsp_checksum(all, 256), ==, (256 * 255 / 2) & 0xff);
}

static void test_frame(void)
{
    g_autoptr(GString) out = g_string_new("+");
    launcher_rsp_frame(out, "OK", 2);
    g_assert_cmpstr(out->str, ==, "+$OK#9a");
    g_string_truncate(out, 0);
    launcher_rsp_frame(out, "", 0);
    g_assert_cmpstr(out->str, ==, "$#00");
}

static void test_take_packets(void)
{
    const char stream[] = "+$g#67-\x03junk$m80000000,4#55";
    g_autoptr(GByteArray) in = bytes(stream, sizeof(stream) - 1);
    g_autoptr(GString) payload = g_string_new(NULL);

    g_assert_cmpint(launcher_rsp_take(in, payload), ==, LAUNCHER_RSP_ACK);
    g_assert_cmpint(launcher_rsp_take(in, payload), ==, LAUNCHER_RSP_PACKET);
    g_assert_cmpstr(payload->str, ==, "g");
    g_assert_cmpint(launcher_rsp_take(in, payload), ==, LAUNCHER_RSP_NACK);
    g_assert_cmpint(launcher_rsp_take(in, payload), ==, LAUNCHER_RSP_INTERRUPT);
    g_assert_cmpint(launcher_rsp_take(in, payload), ==, LAUNCHER_RSP_PACKET);
    g_assert_cmpstr(payload->str, ==, "m80000000,4");
    g_assert_cmpint(launcher_rsp_take(in, payload), ==, LAUNCHER_RSP_NEED_MORE);
    g_assert_cmpuint(in->len, ==, 0);
}

static void test_take_partial(void)
{
    /* a packet arriving a byte at a time is whole only with its checksum */
    const char packet[] = "$qSupported:swbreak+#8b";
    g_autoptr(GByteArray) in = g_byte_array_new();
    g_autoptr(GString) payload = g_string_new(NULL);
    g_autoptr(GString) framed = g_string_new(NULL);
    launcher_rsp_frame(framed, "qSupported:swbreak+", strlen("qSupported:swbreak+"));
    g_assert_cmpstr(framed->str, ==, packet);
    for (gsize i = 0; i < sizeof(packet) - 2; i++) {
        g_byte_array_append(in, (const guint8 *)packet + i, 1);
        g_assert_cmpint(launcher_rsp_take(in, payload), ==, LAUNCHER_RSP_NEED_MORE);
    }
    g_byte_array_append(in, (const guint8 *)packet + sizeof(packet) - 2, 1);
    g_assert_cmpint(launcher_rsp_take(in, payload), ==, LAUNCHER_RSP_PACKET);
    g_assert_cmpstr(payload->str, ==, "qSupported:swbreak+");
    g_assert_cmpuint(in->len, ==, 0);
}

static void test_take_bad(void)
{
    g_autoptr(GString) payload = g_string_new("old");
    /* wrong sum, then a non-hex sum: both dropped whole, the next one taken */
    const char stream[] = "$g#68$g#zz$?#3f";
    g_autoptr(GByteArray) in = bytes(stream, sizeof(stream) - 1);
    g_assert_cmpint(launcher_rsp_take(in, payload), ==, LAUNCHER_RSP_BAD);
    g_assert_cmpint(launcher_rsp_take(in, payload), ==, LAUNCHER_RSP_BAD);
    g_assert_cmpstr(payload->str, ==, "old");
    g_assert_cmpint(launcher_rsp_take(in, payload), ==, LAUNCHER_RSP_PACKET);
    g_assert_cmpstr(payload->str, ==, "?");

    /* checksum digits in uppercase are fine */
    g_autoptr(GByteArray) upper = bytes("$OK#9A", 6);
    g_assert_cmpint(launcher_rsp_take(upper, payload), ==, LAUNCHER_RSP_PACKET);
    g_assert_cmpstr(payload->str, ==, "OK");
}

static void test_take_too_long(void)
{
    /* a '$' that never ends is cut off, and what follows is found again */
    g_autoptr(GByteArray) in = g_byte_array_new();
    g_autoptr(GString) payload = g_string_new(NULL);
    g_byte_array_append(in, (const guint8 *)"$", 1);
    for (guint i = 0; i < LAUNCHER_RSP_MAX_PACKET + 8; i++)
        g_byte_array_append(in, (const guint8 *)"a", 1);
    g_assert_cmpint(launcher_rsp_take(in, payload), ==, LAUNCHER_RSP_BAD);
    g_byte_array_append(in, (const guint8 *)"$?#3f", 5);
    g_assert_cmpint(launcher_rsp_take(in, payload), ==, LAUNCHER_RSP_PACKET);
    g_assert_cmpstr(payload->str, ==, "?");
}

static void test_take_escaped(void)
{
    /* X data: an escaped '#' (0x03 ^ 0x20 = '#') does not end the packet */
    const guint8 data[] = { 'X', '0', ',', '2', ':', '}', '#', '}', ']' };
    g_autoptr(GString) framed = g_string_new(NULL);
    launcher_rsp_frame(framed, (const char *)data, sizeof(data));
    g_autoptr(GByteArray) in = bytes(framed->str, framed->len);
    g_autoptr(GString) payload = g_string_new(NULL);
    g_assert_cmpint(launcher_rsp_take(in, payload), ==, LAUNCHER_RSP_PACKET);
    g_assert_cmpmem(payload->str, payload->len, data, sizeof(data));

    guint8 out[4];
    g_assert_cmpint(launcher_rsp_unescape(data + 5, 4, out), ==, 2);
    g_assert_cmpuint(out[0], ==, 0x03);
    g_assert_cmpuint(out[1], ==, '}');
    g_assert_cmpint(launcher_rsp_unescape((const guint8 *)"ab}", 3, out), ==, -1);
}

static void test_escape(void)
{
    const guint8 raw[] = { 'a', '#', '$', '}', '*', 0x00, 0xff };
    g_autoptr(GString) out = g_string_new(NULL);
    launcher_rsp_escape(out, raw, sizeof(raw));
    const guint8 want[] = { 'a', '}', 0x03, '}', 0x04, '}', 0x5d, '}', 0x0a, 0x00, 0xff };
    g_assert_cmpmem(out->str, out->len, want, sizeof(want));
    guint8 back[sizeof(want)];
    g_assert_cmpint(launcher_rsp_unescape((const guint8 *)out->str, out->len, back), ==,
                    sizeof(raw));
    g_assert_cmpmem(back, sizeof(raw), raw, sizeof(raw));
}

static void test_hex(void)
{
    const guint8 raw[] = { 0x00, 0x7f, 0x80, 0xff, 0x13 };
    g_autoptr(GString) hex = g_string_new(NULL);
    launcher_rsp_hex_encode(hex, raw, sizeof(raw));
    g_assert_cmpstr(hex->str, ==, "007f80ff13");
    guint8 back[5];
    g_assert_true(launcher_rsp_hex_decode("007F80fF13", back, 5));
    g_assert_cmpmem(back, 5, raw, 5);
    g_assert_false(launcher_rsp_hex_decode("0g", back, 1));
    g_assert_false(launcher_rsp_hex_decode("0", back, 1)); /* the NUL is no digit */
}

static void test_parse_hex(void)
{
    const char *s = "80000000,1f:x";
    const char *end = s + strlen(s);
    const char *p = s;
    guint64 v;
    g_assert_true(launcher_rsp_parse_hex(&p, end, &v));
    g_assert_cmphex(v, ==, 0x80000000);
    g_assert_cmpint(*p, ==, ',');
    p++;
    g_assert_true(launcher_rsp_parse_hex(&p, end, &v));
    g_assert_cmphex(v, ==, 0x1f);
    g_assert_false(launcher_rsp_parse_hex(&p, end, &v)); /* ':' is no digit */
    g_assert_cmpint(*p, ==, ':');

    const char *big = "ffffffffffffffff";
    p = big;
    g_assert_true(launcher_rsp_parse_hex(&p, big + 16, &v));
    g_assert_cmphex(v, ==, G_MAXUINT64);
    const char *too_big = "10000000000000000";
    p = too_big;
    g_assert_false(launcher_rsp_parse_hex(&p, too_big + 17, &v));
    g_assert_true(p == too_big);
    /* @end bounds the digits */
    p = big;
    g_assert_true(launcher_rsp_parse_hex(&p, big + 2, &v));
    g_assert_cmphex(v, ==, 0xff);
}

/* ---- Endpoints ---------------------------------------------------------- */

static void test_endpoint_spelling(void)
{
    LauncherEndpoint ep;
    g_autoptr(GError) error = NULL;

    g_assert_true(launcher_endpoint_parse("--gdb", "tcp::1234", FALSE, &ep, &error));
    g_assert_null(ep.host);
    g_assert_null(ep.path);
    g_assert_cmpuint(ep.port, ==, 1234);
    launcher_endpoint_clear(&ep);

    g_assert_true(launcher_endpoint_parse("--gdb", "tcp:0.0.0.0:65535", FALSE, &ep, &error));
    g_assert_cmpstr(ep.host, ==, "0.0.0.0");
    g_assert_cmpuint(ep.port, ==, 65535);
    launcher_endpoint_clear(&ep);

    g_assert_true(launcher_endpoint_parse("--gdb", "tcp:[::1]:9", FALSE, &ep, &error));
    g_assert_cmpstr(ep.host, ==, "::1");
    launcher_endpoint_clear(&ep);

    g_assert_true(launcher_endpoint_parse("--gdb", "unix:/tmp/x.sock", FALSE, &ep, &error));
    g_assert_cmpstr(ep.path, ==, "/tmp/x.sock");
    launcher_endpoint_clear(&ep);

    static const char *const bad[] = {
        "",          "1234",        "tcp:",       "tcp:1234",     "tcp::",        "tcp::0",
        "tcp::65536", "tcp::-1",    "tcp::12ab",  "tcp:: 12",     "tcp:::1:1234", "tcp:[::1:12",
        "unix:",     "udp::1234",   "tcp::1234,server",
    };
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) e = NULL;
        g_assert_false(launcher_endpoint_parse("--gdb", bad[i], FALSE, &ep, &e));
        g_assert_nonnull(e);
        g_assert_nonnull(strstr(e->message, "expected tcp::PORT"));
        launcher_endpoint_clear(&ep);
    }
    /* --monitor: unix:PATH only, and its messages say so */
    g_assert_true(launcher_endpoint_parse("--monitor", "unix:/tmp/m.sock", TRUE, &ep, &error));
    g_assert_cmpstr(ep.path, ==, "/tmp/m.sock");
    launcher_endpoint_clear(&ep);
    static const char *const not_unix[] = { "tcp::1234", "unix:", "/tmp/m.sock" };
    for (guint i = 0; i < G_N_ELEMENTS(not_unix); i++) {
        g_autoptr(GError) e = NULL;
        g_assert_false(launcher_endpoint_parse("--monitor", not_unix[i], TRUE, &ep, &e));
        g_assert_true(g_str_has_prefix(e->message, "--monitor "));
        g_assert_true(g_str_has_suffix(e->message, "(expected unix:PATH)"));
        launcher_endpoint_clear(&ep);
    }
    g_autofree char *long_path = g_strnfill(200, 'a');
    g_autofree char *spec = g_strconcat("unix:/", long_path, NULL);
    g_autoptr(GError) e = NULL;
    g_assert_false(launcher_endpoint_parse("--gdb", spec, FALSE, &ep, &e));
    launcher_endpoint_clear(&ep);
}

static void test_listen_tcp_in_use(void)
{
    LauncherEndpoint ep = { .option = "--gdb", .host = g_strdup("127.0.0.1"), .port = 0 };
    g_autoptr(GError) error = NULL;
    /* a port the kernel picks for us, then held */
    int holder = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof(sin);
    g_assert_cmpint(bind(holder, (struct sockaddr *)&sin, sizeof(sin)), ==, 0);
    g_assert_cmpint(listen(holder, 1), ==, 0);
    g_assert_cmpint(getsockname(holder, (struct sockaddr *)&sin, &len), ==, 0);
    ep.port = ntohs(sin.sin_port);

    g_assert_cmpint(launcher_endpoint_listen(&ep, &error), ==, -1);
    g_assert_nonnull(error);
    g_assert_nonnull(strstr(error->message, "in use"));
    close(holder);

    g_clear_error(&error);
    int fd = launcher_endpoint_listen(&ep, &error);
    g_assert_no_error(error);
    g_assert_cmpint(fd, >=, 0);
    close(fd);
    launcher_endpoint_clear(&ep);
}

static void test_listen_unix(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *dir = g_dir_make_tmp("shoal-rsp-XXXXXX", &error);
    g_assert_no_error(error);
    LauncherEndpoint ep = { .option = "--gdb", .path = g_build_filename(dir, "gdb.sock", NULL) };

    int fd = launcher_endpoint_listen(&ep, &error);
    g_assert_no_error(error);
    g_assert_cmpint(fd, >=, 0);
    /* someone listens there: not taken over */
    g_assert_cmpint(launcher_endpoint_listen(&ep, &error), ==, -1);
    g_assert_nonnull(strstr(error->message, "in use"));
    g_clear_error(&error);
    /* a socket left by a run that is gone: replaced */
    close(fd);
    fd = launcher_endpoint_listen(&ep, &error);
    g_assert_no_error(error);
    g_assert_cmpint(fd, >=, 0);
    close(fd);
    unlink(ep.path);
    /* a file that is no socket: left alone */
    g_assert_true(g_file_set_contents(ep.path, "data", -1, NULL));
    g_assert_cmpint(launcher_endpoint_listen(&ep, &error), ==, -1);
    g_assert_nonnull(strstr(error->message, "not a socket"));
    g_assert_true(g_file_test(ep.path, G_FILE_TEST_IS_REGULAR));
    unlink(ep.path);
    rmdir(dir);
    launcher_endpoint_clear(&ep);
}

/* ---- The target description -------------------------------------------- */

typedef struct {
    GHashTable *features; /* name -> number of regs */
    GHashTable *names;    /* reg names seen */
    const char *feature;  /* the one being read */
    guint regs;
    gboolean has_arch;
    gboolean in_arch;
} Xml;

static void xml_start(GMarkupParseContext *context, const char *element, const char **names,
                      const char **values, gpointer data, GError **error)
{
    Xml *x = data;
    if (strcmp(element, "feature") == 0) {
        const char *name = NULL;
        g_assert_true(g_markup_collect_attributes(element, names, values, error,
                                                  G_MARKUP_COLLECT_STRING, "name", &name,
                                                  G_MARKUP_COLLECT_INVALID));
        x->feature = g_intern_string(name);
        g_hash_table_insert(x->features, (gpointer)x->feature, GUINT_TO_POINTER(0));
    } else if (strcmp(element, "reg") == 0) {
        const char *name = NULL, *bitsize = NULL, *regnum = NULL, *type = NULL;
        g_assert_true(g_markup_collect_attributes(
            element, names, values, error, G_MARKUP_COLLECT_STRING, "name", &name,
            G_MARKUP_COLLECT_STRING, "bitsize", &bitsize, G_MARKUP_COLLECT_STRING, "regnum",
            &regnum, G_MARKUP_COLLECT_STRING, "type", &type, G_MARKUP_COLLECT_INVALID));
        g_assert_nonnull(x->feature);
        guint64 n = g_ascii_strtoull(regnum, NULL, 10);
        guint64 bits = g_ascii_strtoull(bitsize, NULL, 10);
        /* the stub sizes p/P replies by the same table */
        g_assert_cmpuint(launcher_gdb_reg_size((guint)n) * 8, ==, bits);
        g_assert_false(g_hash_table_contains(x->names, name));
        g_hash_table_add(x->names, g_strdup(name));
        guint count = GPOINTER_TO_UINT(g_hash_table_lookup(x->features, x->feature));
        g_hash_table_insert(x->features, (gpointer)x->feature, GUINT_TO_POINTER(count + 1));
        x->regs++;
    } else if (strcmp(element, "architecture") == 0) {
        x->in_arch = TRUE;
    }
}

static void xml_end(GMarkupParseContext *context, const char *element, gpointer data,
                    GError **error)
{
    Xml *x = data;
    if (strcmp(element, "feature") == 0)
        x->feature = NULL;
    x->in_arch = FALSE;
}

static void xml_text(GMarkupParseContext *context, const char *text, gsize len, gpointer data,
                     GError **error)
{
    Xml *x = data;
    if (x->in_arch) {
        g_assert_cmpmem(text, len, "riscv:rv64", strlen("riscv:rv64"));
        x->has_arch = TRUE;
    }
}

static void test_target_xml(void)
{
    const char *xml = launcher_gdb_target_xml();
    g_assert_true(xml == launcher_gdb_target_xml());
    GMarkupParser parser = { .start_element = xml_start, .end_element = xml_end,
                             .text = xml_text };
    Xml x = { .features = g_hash_table_new(NULL, NULL),
              .names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL) };
    GMarkupParseContext *context = g_markup_parse_context_new(&parser, 0, &x, NULL);
    g_autoptr(GError) error = NULL;
    /* GMarkup takes no DOCTYPE: parse from <target> */
    const char *target = strstr(xml, "<target");
    g_assert_nonnull(target);
    g_assert_true(g_markup_parse_context_parse(context, target, -1, &error));
    g_assert_true(g_markup_parse_context_end_parse(context, &error));
    g_assert_no_error(error);
    g_markup_parse_context_free(context);

    g_assert_true(x.has_arch);
    g_assert_cmpuint(GPOINTER_TO_UINT(g_hash_table_lookup(
                         x.features, g_intern_static_string("org.gnu.gdb.riscv.cpu"))),
                     ==, 33);
    g_assert_cmpuint(GPOINTER_TO_UINT(g_hash_table_lookup(
                         x.features, g_intern_static_string("org.gnu.gdb.riscv.fpu"))),
                     ==, 35);
    g_assert_cmpuint(GPOINTER_TO_UINT(g_hash_table_lookup(
                         x.features, g_intern_static_string("org.gnu.gdb.riscv.virtual"))),
                     ==, 1);
    g_assert_true(g_hash_table_contains(
        x.features, g_intern_static_string("org.gnu.gdb.riscv.csr")));
    static const char *const needed[] = {
        "zero", "ra", "sp", "fp", "t6", "pc", "ft0", "fs0", "ft11", "fflags", "frm",
        "fcsr", "sstatus", "sie", "stvec", "sscratch", "sepc", "scause", "stval", "sip",
        "satp", "mstatus", "misa", "medeleg", "mideleg", "mie", "mtvec", "mscratch",
        "mepc", "mcause", "mtval", "mip", "mhartid", "priv",
    };
    for (guint i = 0; i < G_N_ELEMENTS(needed); i++)
        g_assert_true(g_hash_table_contains(x.names, needed[i]));
    g_assert_cmpuint(launcher_gdb_reg_size(LAUNCHER_GDB_REG_PC), ==, 8);
    g_assert_cmpuint(launcher_gdb_reg_size(65 + 0x300), ==, 8); /* mstatus */
    g_assert_cmpuint(launcher_gdb_reg_size(66), ==, 4);         /* fflags */
    g_assert_cmpuint(launcher_gdb_reg_size(65), ==, 0);         /* no CSR 0 */
    g_assert_cmpuint(launcher_gdb_reg_size(100000), ==, 0);
    /* sent as qXfer's binary data: nothing in it needs the escape */
    g_assert_null(strpbrk(xml, "$#}*"));
    g_hash_table_unref(x.features);
    g_hash_table_unref(x.names);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/launcher/rsp/checksum", test_checksum);
    g_test_add_func("/launcher/rsp/frame", test_frame);
    g_test_add_func("/launcher/rsp/take-packets", test_take_packets);
    g_test_add_func("/launcher/rsp/take-partial", test_take_partial);
    g_test_add_func("/launcher/rsp/take-bad", test_take_bad);
    g_test_add_func("/launcher/rsp/take-too-long", test_take_too_long);
    g_test_add_func("/launcher/rsp/take-escaped", test_take_escaped);
    g_test_add_func("/launcher/rsp/escape", test_escape);
    g_test_add_func("/launcher/rsp/hex", test_hex);
    g_test_add_func("/launcher/rsp/parse-hex", test_parse_hex);
    g_test_add_func("/launcher/gdb/endpoint-spelling", test_endpoint_spelling);
    g_test_add_func("/launcher/gdb/listen-tcp-in-use", test_listen_tcp_in_use);
    g_test_add_func("/launcher/gdb/listen-unix", test_listen_unix);
    g_test_add_func("/launcher/gdb/target-xml", test_target_xml);
    return g_test_run();
}
