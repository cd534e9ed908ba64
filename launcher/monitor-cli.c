/* SPDX-License-Identifier: MIT */
/* `shoal monitor PATH [COMMAND...]`: the monitor's protocol (launcher/
 * monitor.c, docs/monitor.md) for a person. One command from the command
 * line ("info harts" is info-harts: the words joined by '-'; JSON, a word
 * that starts with '{' or '[', is sent as it is) gets its answer printed
 * readably, exit 0, or an error on stderr, exit 1. Without one, commands
 * come from stdin, a line each, and answers and events are printed as they
 * come. The printing knows no command: an object is "key: value" lines, a
 * list of objects a table, so a new command needs nothing here. */
#include "launcher/internal.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "launcher/json.h"

#define EXIT_BAD_INPUT 2
#define ANSWER_TIMEOUT_MS 30000  /* a pause waits for every node: a machine that hangs */
#define MAX_LINE_IN (16u << 20)    /* a line from the monitor, or from stdin */

typedef struct {
    int fd;
    GByteArray *in;    /* from the monitor, not a whole line yet */
    gboolean json;     /* --json: the lines as they come */
    gboolean failed;   /* an answer was an error, or one never came */
} Cli;

/* Another name for a command, or the words of one. */
static const struct {
    const char *alias, *name;
} aliases[] = {
    { "status", "query-status" },
    { "help", "query-commands" },
};

G_GNUC_PRINTF(1, 2)
static void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    fprintf(stderr, "shoal monitor: %s\n", msg);
}

static int connect_monitor(const char *path)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof(addr.sun_path)) {
        say("%s: the path is too long for a unix socket", path);
        return -1;
    }
    g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
        say("cannot reach the monitor at %s: %s", path, g_strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* Whether the user typed JSON rather than a command's words. */
static gboolean is_json(const char *text)
{
    return text[0] == '{' || text[0] == '[';
}

/* Commands whose last word is their one argument (a file is made absolute:
 * the machine's launcher may run in another directory). */
static const struct {
    const char *name, *arg;
} with_file[] = {
    { "snapshot-save", "file" },
};

/* The first @n of @words joined by "-": a command's name. */
static char *join_words(char **words, guint n)
{
    g_autoptr(GString) name = g_string_new(NULL);
    for (guint k = 0; k < n; k++)
        g_string_append_printf(name, "%s%s", k ? "-" : "", words[k]);
    return g_string_free(g_steal_pointer(&name), FALSE);
}

/* The request line for @words (n of them), newline included. */
static char *request_line(char **words, guint n)
{
    if (n == 1 && is_json(words[0]))
        return g_strconcat(words[0], "\n", NULL);
    g_autoptr(LauncherJson) args = NULL;
    for (guint i = 0; n >= 2 && i < G_N_ELEMENTS(with_file); i++) {
        g_autofree char *head = join_words(words, n - 1);
        if (strcmp(head, with_file[i].name) == 0) {
            g_autofree char *file = g_canonicalize_filename(words[n - 1], NULL);
            args = launcher_json_new_object();
            launcher_json_object_set_string(args, with_file[i].arg, file);
            n--;
            break;
        }
    }
    g_autofree char *name = join_words(words, n);
    for (guint i = 0; i < G_N_ELEMENTS(aliases); i++) {
        if (strcmp(name, aliases[i].alias) == 0) {
            g_free(name);
            name = g_strdup(aliases[i].name);
        }
    }
    g_autoptr(LauncherJson) req = launcher_json_new_object();
    launcher_json_object_set_string(req, "execute", name);
    if (args)
        launcher_json_object_set(req, "arguments", g_steal_pointer(&args));
    g_autoptr(GString) line = g_string_new(NULL);
    launcher_json_append(line, req);
    g_string_append_c(line, '\n');
    return g_string_free(g_steal_pointer(&line), FALSE);
}

/* FALSE if the monitor closed the connection. */
static gboolean send_all(Cli *cli, const char *data, gsize len)
{
    while (len > 0) {
        ssize_t n = send(cli->fd, data, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return FALSE;
        data += n;
        len -= (gsize)n;
    }
    return TRUE;
}

/* ---- Printing ---------------------------------------------------------- */

/* A scalar as a person reads it: strings bare, null as "-". */
static char *scalar_text(const LauncherJson *v)
{
    if (v == NULL || v->kind == LAUNCHER_JSON_NULL)
        return g_strdup("-");
    if (v->kind == LAUNCHER_JSON_STRING)
        return g_strdup(v->text);
    g_autoptr(GString) out = g_string_new(NULL);
    launcher_json_append(out, v);
    return g_string_free(g_steal_pointer(&out), FALSE);
}

/* @o's members as "PREFIXkey: value" lines, nested objects as key.sub. */
static void print_members(GString *out, const char *prefix, const LauncherJson *o)
{
    for (guint i = 0; i < o->keys->len; i++) {
        g_autofree char *key = g_strconcat(prefix, g_ptr_array_index(o->keys, i), NULL);
        const LauncherJson *v = g_ptr_array_index(o->items, i);
        if (v->kind == LAUNCHER_JSON_OBJECT) {
            g_autofree char *sub = g_strconcat(key, ".", NULL);
            print_members(out, sub, v);
            continue;
        }
        g_autofree char *text = scalar_text(v);
        g_string_append_printf(out, "%s: %s\n", key, text);
    }
}

/* A list of objects as a table: a column per key any of them has. */
static void print_table(GString *out, const LauncherJson *rows)
{
    g_autoptr(GPtrArray) keys = g_ptr_array_new();
    for (guint r = 0; r < rows->items->len; r++) {
        const LauncherJson *row = g_ptr_array_index(rows->items, r);
        for (guint k = 0; k < row->keys->len; k++) {
            const char *key = g_ptr_array_index(row->keys, k);
            if (!g_ptr_array_find_with_equal_func(keys, key, g_str_equal, NULL))
                g_ptr_array_add(keys, (gpointer)key);
        }
    }
    g_autofree gsize *width = g_new0(gsize, MAX(keys->len, 1));
    for (guint k = 0; k < keys->len; k++) {
        width[k] = strlen(g_ptr_array_index(keys, k));
        for (guint r = 0; r < rows->items->len; r++) {
            g_autofree char *cell =
                scalar_text(launcher_json_object_get(g_ptr_array_index(rows->items, r),
                                                     g_ptr_array_index(keys, k)));
            width[k] = MAX(width[k], strlen(cell));
        }
    }
    for (guint r = 0; r <= rows->items->len; r++) {
        for (guint k = 0; k < keys->len; k++) {
            const char *key = g_ptr_array_index(keys, k);
            g_autofree char *cell =
                r == 0 ? g_strdup(key)
                       : scalar_text(launcher_json_object_get(
                             g_ptr_array_index(rows->items, r - 1), key));
            g_string_append_printf(out, "%-*s%s", k + 1 < keys->len ? (int)width[k] : 0, cell,
                                   k + 1 < keys->len ? "  " : "\n");
        }
    }
}

static gboolean all_objects(const LauncherJson *array)
{
    for (guint i = 0; i < array->items->len; i++)
        if (((const LauncherJson *)g_ptr_array_index(array->items, i))->kind !=
            LAUNCHER_JSON_OBJECT)
            return FALSE;
    return TRUE;
}

static void print_return(GString *out, const LauncherJson *ret)
{
    if (ret->kind == LAUNCHER_JSON_OBJECT && ret->items->len == 0) {
        g_string_append(out, "ok\n");
    } else if (ret->kind == LAUNCHER_JSON_OBJECT) {
        print_members(out, "", ret);
    } else if (ret->kind == LAUNCHER_JSON_ARRAY && ret->items->len > 0 && all_objects(ret)) {
        print_table(out, ret);
    } else if (ret->kind == LAUNCHER_JSON_ARRAY) {
        for (guint i = 0; i < ret->items->len; i++) {
            g_autofree char *text = scalar_text(g_ptr_array_index(ret->items, i));
            g_string_append_printf(out, "%s\n", text);
        }
    } else {
        g_autofree char *text = scalar_text(ret);
        g_string_append_printf(out, "%s\n", text);
    }
}

/* "event STOP: reason=pause latency-us=52" */
static void print_event(GString *out, const char *name, const LauncherJson *data)
{
    g_string_append_printf(out, "event %s:", name);
    for (guint i = 0; data && data->kind == LAUNCHER_JSON_OBJECT && i < data->keys->len; i++) {
        g_autofree char *text = scalar_text(g_ptr_array_index(data->items, i));
        g_string_append_printf(out, " %s=%s", (const char *)g_ptr_array_index(data->keys, i),
                               text);
    }
    g_string_append_c(out, '\n');
}

/* ---- Answers ----------------------------------------------------------- */

typedef enum { LINE_EVENT, LINE_RETURN, LINE_ERROR } LineKind;

/* Prints what a line from the monitor says (an event only if @events);
 * errors to stderr if @errors_apart (one command), else with the rest. */
static LineKind print_line(Cli *cli, const char *line, gsize len, gboolean errors_apart,
                           gboolean events)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(LauncherJson) msg = launcher_json_parse(line, len, &error);
    const char *event = launcher_json_get_string(launcher_json_object_get(msg, "event"));
    const LauncherJson *ret = launcher_json_object_get(msg, "return");
    const LauncherJson *err = launcher_json_object_get(msg, "error");
    LineKind kind = event ? LINE_EVENT : ret ? LINE_RETURN : LINE_ERROR;
    if (event && !events)
        return kind;
    g_autoptr(GString) out = g_string_new(NULL);
    if (cli->json) {
        g_string_append_len(out, line, (gssize)len);
        g_string_append_c(out, '\n');
    } else if (event) {
        print_event(out, event, launcher_json_object_get(msg, "data"));
    } else if (ret) {
        print_return(out, ret);
    } else {
        g_autofree char *desc = err ? scalar_text(launcher_json_object_get(err, "desc"))
                                    : g_strdup_printf("not an answer: %.*s", (int)MIN(len, 200),
                                                      line);
        g_autofree char *klass = scalar_text(launcher_json_object_get(err, "class"));
        g_string_append_printf(out, "error: %s (%s)\n", desc, klass);
    }
    fputs(out->str, kind == LINE_ERROR && errors_apart ? stderr : stdout);
    fflush(stdout);
    if (kind == LINE_ERROR)
        cli->failed = TRUE;
    return kind;
}

/* Reads what the monitor sent; FALSE once it closed the connection. */
static gboolean read_monitor(Cli *cli)
{
    guint8 buf[4096];
    ssize_t n = recv(cli->fd, buf, sizeof(buf), 0);
    if (n < 0 && errno == EINTR)
        return TRUE;
    if (n <= 0)
        return FALSE;
    g_byte_array_append(cli->in, buf, (guint)n);
    return TRUE;
}

/* Prints every whole line received; the answers among them. */
static guint print_lines(Cli *cli, gboolean errors_apart, gboolean events)
{
    guint answers = 0;
    guint8 *nl;
    while (cli->in->len > 0 && (nl = memchr(cli->in->data, '\n', cli->in->len))) {
        gsize len = (gsize)(nl - cli->in->data);
        const char *line = (const char *)cli->in->data;
        answers += print_line(cli, line, len, errors_apart, events) != LINE_EVENT;
        g_byte_array_remove_range(cli->in, 0, (guint)len + 1);
    }
    if (cli->in->len > MAX_LINE_IN) {
        say("a line of more than %u bytes from the monitor", MAX_LINE_IN);
        cli->failed = TRUE;
        g_byte_array_set_size(cli->in, 0);
    }
    return answers;
}

/* One command, one answer. */
static int one_command(Cli *cli, char **words, guint n)
{
    g_autofree char *line = request_line(words, n);
    if (!send_all(cli, line, strlen(line))) {
        say("the monitor closed the connection");
        return 1;
    }
    gint64 deadline = g_get_monotonic_time() + ANSWER_TIMEOUT_MS * 1000;
    for (;;) {
        gint64 left = (deadline - g_get_monotonic_time()) / 1000;
        struct pollfd fd = { .fd = cli->fd, .events = POLLIN };
        if (left <= 0 || (poll(&fd, 1, (int)left) == 0)) {
            say("no answer in %d s", ANSWER_TIMEOUT_MS / 1000);
            return 1;
        }
        if (fd.revents && !read_monitor(cli)) {
            say("the monitor closed the connection without an answer");
            return 1;
        }
        if (print_lines(cli, TRUE, FALSE) > 0)
            return cli->failed ? 1 : 0;
    }
}

/* ---- Reading commands from stdin ---------------------------------------- */

static void prompt(void)
{
    if (isatty(STDIN_FILENO)) {
        fputs("(shoal) ", stdout);
        fflush(stdout);
    }
}

/* Sends the commands among @in's whole lines (all of it at end of input);
 * how many. *@ok FALSE if the monitor closed the connection. */
static guint send_commands(Cli *cli, GByteArray *in, gboolean eof, gboolean *ok)
{
    guint sent = 0;
    while (in->len > 0) {
        guint8 *nl = memchr(in->data, '\n', in->len);
        if (nl == NULL && !eof)
            break;
        gsize len = nl ? (gsize)(nl - in->data) : in->len;
        g_autofree char *text = g_strndup((const char *)in->data, len);
        g_byte_array_remove_range(in, 0, (guint)MIN(len + 1, in->len));
        g_strstrip(text);
        if (text[0] == '\0')
            continue;
        g_auto(GStrv) words = NULL;
        if (is_json(text)) {
            words = g_new0(char *, 2);
            words[0] = g_strdup(text);
        } else {
            words = g_strsplit_set(text, " \t", -1);
            guint w = 0;
            for (guint i = 0; words[i]; i++) {
                if (words[i][0] != '\0')
                    words[w++] = words[i];
                else
                    g_free(words[i]);
            }
            words[w] = NULL;
        }
        g_autofree char *line = request_line(words, g_strv_length(words));
        if (!send_all(cli, line, strlen(line))) {
            *ok = FALSE;
            break;
        }
        sent++;
    }
    return sent;
}

static int interactive(Cli *cli)
{
    g_autoptr(GByteArray) in = g_byte_array_new();
    gboolean eof = FALSE, ok = TRUE;
    guint waiting = 0; /* commands sent, not answered yet */
    gint64 deadline = 0;
    prompt();
    for (;;) {
        /* once a command could not go, what the monitor said before it
         * closed (why it did) is still worth printing */
        if (eof && waiting == 0 && ok)
            break;
        struct pollfd fds[2] = { { .fd = cli->fd, .events = POLLIN },
                                 { .fd = eof ? -1 : STDIN_FILENO, .events = POLLIN } };
        int timeout = -1;
        if (eof) {
            gint64 left = (deadline - g_get_monotonic_time()) / 1000;
            timeout = (int)MAX(left, 0);
        }
        int r = poll(fds, 2, timeout);
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0) {
            say("no answer in %d s", ANSWER_TIMEOUT_MS / 1000);
            return 1;
        }
        if (fds[1].revents) {
            guint8 buf[4096];
            ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
            if (n > 0)
                g_byte_array_append(in, buf, (guint)n);
            eof = n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN) || in->len > MAX_LINE_IN;
            waiting += send_commands(cli, in, eof, &ok);
            deadline = g_get_monotonic_time() + ANSWER_TIMEOUT_MS * 1000;
            eof = eof || !ok;
        }
        if (fds[0].revents) {
            gboolean open = read_monitor(cli);
            guint answers = print_lines(cli, FALSE, TRUE);
            waiting -= MIN(answers, waiting);
            if (answers > 0 && !eof)
                prompt();
            if (!open) {
                if (waiting > 0 || !ok)
                    say("the monitor closed the connection");
                return waiting > 0 || !ok || cli->failed ? 1 : 0;
            }
        }
    }
    return cli->failed ? 1 : 0;
}

/* ---- The command ------------------------------------------------------- */

int launcher_monitor_cli(int argc, char **argv)
{
    gboolean json = FALSE;
    const GOptionEntry entries[] = {
        { "json", 0, 0, G_OPTION_ARG_NONE, &json,
          "Print the monitor's lines as they come (JSON), not readably", NULL },
        { NULL },
    };
    g_autoptr(GOptionContext) context = g_option_context_new(LAUNCHER_MONITOR_CLI_PARAMETERS);
    g_option_context_set_summary(context, LAUNCHER_MONITOR_CLI_SUMMARY ".");
    g_option_context_set_description(
        context, "CMD is a command of the monitor's protocol (docs/monitor.md), its words\n"
                 "joined by '-' (info harts is info-harts), or a whole request in JSON.\n"
                 "Exit status: 0, 1 if the answer was an error or none came, 2 bad usage.");
    g_option_context_add_main_entries(context, entries, NULL);
    g_auto(GStrv) args = g_new0(char *, (gsize)argc);
    args[0] = g_strdup("shoal monitor");
    for (int i = 2; i < argc; i++)
        args[i - 1] = g_strdup(argv[i]);
    g_autoptr(GError) error = NULL;
    if (!g_option_context_parse_strv(context, &args, &error)) {
        say("%s (see shoal monitor --help)", error->message);
        return EXIT_BAD_INPUT;
    }
    guint n = g_strv_length(args);
    if (n < 2) {
        say("no socket given (see shoal monitor --help)");
        return EXIT_BAD_INPUT;
    }
    const char *path = g_str_has_prefix(args[1], "unix:") ? args[1] + strlen("unix:") : args[1];
    Cli cli = { .json = json };
    if ((cli.fd = connect_monitor(path)) < 0)
        return 1;
    cli.in = g_byte_array_new();
    int code = n > 2 ? one_command(&cli, args + 2, n - 2) : interactive(&cli);
    g_byte_array_unref(cli.in);
    close(cli.fd);
    return code;
}
