/* SPDX-License-Identifier: MIT */
/* The console client the launcher uses: a connection to the memory server
 * (a direct link, or a ZeroMQ DEALER) that says Hello as the console, then
 * carries UART output/input and the final Shutdown. */
#include "interconnect/internal.h"

#define HELLO_TIMEOUT_MS 10000

struct IcConsole {
    IcClient *client; /* owned */
};

IcConsole *ic_console_connect(const CfgMachine *machine, const char *run_dir, IcKeepWaiting keep,
                              gpointer data, GError **error)
{
    g_autoptr(IcClient) client = ic_client_connect_while(machine, run_dir, keep, data, error);
    if (!client)
        return NULL;
    Shoal__V1__Hello hello = SHOAL__V1__HELLO__INIT;
    hello.version = IC_PROTOCOL_VERSION;
    hello.role = SHOAL__V1__ROLE__ROLE_CONSOLE;
    g_autoptr(IcEnvelope) ack = ic_client_hello_while(client, &hello, HELLO_TIMEOUT_MS, keep, data,
                                                      error);
    if (!ack)
        return NULL;
    IcConsole *console = g_new0(IcConsole, 1);
    console->client = g_steal_pointer(&client);
    return console;
}

void ic_console_free(IcConsole *console)
{
    if (!console)
        return;
    ic_client_free(console->client);
    g_free(console);
}

void ic_console_event_clear(IcConsoleEvent *event)
{
    g_clear_pointer(&event->output, g_bytes_unref);
    g_clear_pointer(&event->reason, g_free);
    event->kind = IC_CONSOLE_TIMEOUT;
    event->exit_code = 0;
}

gboolean ic_console_wait(IcConsole *console, struct pollfd *fds, guint n_fds, int timeout_ms,
                         IcConsoleEvent *event, GError **error)
{
    *event = (IcConsoleEvent){ .kind = IC_CONSOLE_TIMEOUT };
    g_autoptr(IcEnvelope) env = NULL;
    if (!ic_client_wait(console->client, fds, n_fds, timeout_ms, &env, error))
        return FALSE;
    if (!env) {
        for (guint i = 0; i < n_fds; i++)
            if (fds[i].revents)
                event->kind = IC_CONSOLE_FDS_READY;
        return TRUE;
    }
    switch (env->body_case) {
    case SHOAL__V1__ENVELOPE__BODY_CONSOLE_BYTES:
        event->kind = IC_CONSOLE_OUTPUT;
        event->output = g_bytes_new(env->console_bytes->data.data, env->console_bytes->data.len);
        return TRUE;
    case SHOAL__V1__ENVELOPE__BODY_SHUTDOWN: {
        event->kind = IC_CONSOLE_SHUTDOWN;
        event->exit_code = env->shutdown->exit_code;
        event->reason = g_strdup(env->shutdown->reason ? env->shutdown->reason : "");
        /* Echoed: the server's messages arrive in order, so everything it
         * sent before (the last console bytes) is here; it may go. */
        g_autoptr(GError) ack_error = NULL;
        if (!ic_client_send(console->client, env, &ack_error))
            g_debug("acknowledging Shutdown: %s", ack_error->message);
        return TRUE;
    }
    default:
        g_set_error(error, IC_ERROR, IC_ERROR_UNEXPECTED,
                    "unexpected %s message from the memory server to the console",
                    ic_envelope_body_name(env));
        return FALSE;
    }
}

gboolean ic_console_ack(IcConsole *console, guint64 written, GError **error)
{
    Shoal__V1__ConsoleAck ack = SHOAL__V1__CONSOLE_ACK__INIT;
    ack.written = written;
    IcEnvelope env = SHOAL__V1__ENVELOPE__INIT;
    env.txid = ic_client_next_txid(console->client);
    env.body_case = SHOAL__V1__ENVELOPE__BODY_CONSOLE_ACK;
    env.console_ack = &ack;
    return ic_client_send(console->client, &env, error);
}

gboolean ic_console_send_input(IcConsole *console, const guint8 *data, gsize len, GError **error)
{
    do {
        gsize chunk = MIN(len, IC_MAX_CONSOLE_BYTES);
        Shoal__V1__ConsoleBytes bytes = SHOAL__V1__CONSOLE_BYTES__INIT;
        bytes.data.data = (guint8 *)data;
        bytes.data.len = chunk;
        IcEnvelope env = SHOAL__V1__ENVELOPE__INIT;
        env.txid = ic_client_next_txid(console->client);
        env.body_case = SHOAL__V1__ENVELOPE__BODY_CONSOLE_BYTES;
        env.console_bytes = &bytes;
        if (!ic_client_send(console->client, &env, error))
            return FALSE;
        data += chunk;
        len -= chunk;
    } while (len > 0);
    return TRUE;
}
