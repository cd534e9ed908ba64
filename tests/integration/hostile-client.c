/* SPDX-License-Identifier: MIT */
/* hostile-client CONFIG RUN_DIR: a stranger on a running machine's socket
 * (tests/integration/hostile.sh). It tries what issue reports showed a
 * stranger could do: ask for guest RAM, take node 1's hart channel or main
 * connection, write a page back, end the machine, take the console; without
 * the machine's secret, with a wrong one, and with the right one but no
 * node token or a second console. One line per attack; exit 0 only if every
 * answer was an Error (nothing granted, nothing accepted). */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "interconnect/ic.h"

#define ANSWER_WAIT_MS 300 /* the server answers in microseconds; silence after this */
#define RAM_PAGE 0x80000000ull

typedef struct {
    const CfgMachine *machine;
    const char *run_dir;
    guint failures;
} Attacker;

static void send_env(IcClient *c, IcEnvelope *env)
{
    env->txid = ic_client_next_txid(c);
    g_autoptr(GError) error = NULL;
    if (!ic_client_send(c, env, &error))
        g_printerr("hostile-client: %s\n", error->message);
}

static void send_hello(IcClient *c, Shoal__V1__Role role, guint node, gboolean channel,
                       GBytes *secret)
{
    Shoal__V1__Hello hello = SHOAL__V1__HELLO__INIT;
    hello.version = IC_PROTOCOL_VERSION;
    hello.role = role;
    hello.node_index = node;
    hello.first_hart = node * 2; /* virt-2x2's node 1: harts 2 and 3 */
    hello.n_harts = 2;
    hello.request_channel = channel;
    if (secret)
        hello.secret.data = (guint8 *)g_bytes_get_data(secret, &hello.secret.len);
    IcEnvelope env = SHOAL__V1__ENVELOPE__INIT;
    env.body_case = SHOAL__V1__ENVELOPE__BODY_HELLO;
    env.hello = &hello;
    send_env(c, &env);
}

/* What a node that got in would do: read and write the kernel's first page
 * and end the machine with status 42. */
static void send_requests(IcClient *c)
{
    IcEnvelope env = SHOAL__V1__ENVELOPE__INIT;
    Shoal__V1__GetS get_s = SHOAL__V1__GET_S__INIT;
    get_s.page = RAM_PAGE;
    get_s.reply_here = TRUE;
    env.body_case = SHOAL__V1__ENVELOPE__BODY_GET_S;
    env.get_s = &get_s;
    send_env(c, &env);

    guint8 zeros[IC_PAGE_SIZE] = { 0 };
    Shoal__V1__PutM put_m = SHOAL__V1__PUT_M__INIT;
    put_m.page = RAM_PAGE;
    put_m.data.data = zeros;
    put_m.data.len = sizeof zeros;
    env = (IcEnvelope)SHOAL__V1__ENVELOPE__INIT;
    env.body_case = SHOAL__V1__ENVELOPE__BODY_PUT_M;
    env.put_m = &put_m;
    send_env(c, &env);

    Shoal__V1__GuestExit exit_msg = SHOAL__V1__GUEST_EXIT__INIT;
    exit_msg.code = 42;
    env = (IcEnvelope)SHOAL__V1__ENVELOPE__INIT;
    env.body_case = SHOAL__V1__ENVELOPE__BODY_GUEST_EXIT;
    env.guest_exit = &exit_msg;
    send_env(c, &env);
}

/* Reads answers until the server is quiet: each must be an Error. */
static void expect_only_errors(Attacker *a, IcClient *c, const char *attack)
{
    guint errors = 0, other = 0;
    g_autoptr(GString) got = g_string_new(NULL);
    for (;;) {
        g_autoptr(IcEnvelope) env = NULL;
        g_autoptr(GError) error = NULL;
        if (!ic_client_wait(c, NULL, 0, ANSWER_WAIT_MS, &env, &error)) {
            g_string_append_printf(got, " (%s)", error->message);
            break;
        }
        if (!env)
            break;
        if (env->body_case == SHOAL__V1__ENVELOPE__BODY_ERROR) {
            errors++;
            continue;
        }
        other++;
        g_string_append_printf(got, " %s", ic_envelope_body_name(env));
    }
    gboolean refused = errors > 0 && other == 0;
    printf("%s: %s (%u errors%s%s)\n", attack, refused ? "refused" : "NOT REFUSED", errors,
           other ? ", got:" : "", got->str);
    if (!refused)
        a->failures++;
}

static IcClient *connect_or_die(Attacker *a)
{
    g_autoptr(GError) error = NULL;
    IcClient *c = ic_client_connect(a->machine, a->run_dir, &error);
    if (!c)
        g_error("cannot reach the machine: %s", error->message);
    return c;
}

static void attack(Attacker *a, const char *what, Shoal__V1__Role role, gboolean channel,
                   GBytes *secret)
{
    g_autoptr(IcClient) c = connect_or_die(a);
    if (role != SHOAL__V1__ROLE__ROLE_UNSPECIFIED)
        send_hello(c, role, 1, channel, secret);
    send_requests(c);
    expect_only_errors(a, c, what);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        g_printerr("usage: hostile-client CONFIG RUN_DIR\n");
        return 2;
    }
    g_autoptr(GError) error = NULL;
    g_autoptr(CfgMachine) machine = cfg_machine_load(argv[1], NULL, NULL, NULL, &error);
    if (!machine) {
        g_printerr("hostile-client: %s\n", error->message);
        return 2;
    }
    Attacker a = { machine, argv[2], 0 };
    g_autoptr(GBytes) wrong = ic_secret_random(IC_SECRET_LEN);
    attack(&a, "requests without Hello", SHOAL__V1__ROLE__ROLE_UNSPECIFIED, FALSE, NULL);
    attack(&a, "node 1's hart channel, no secret", SHOAL__V1__ROLE__ROLE_NODE, TRUE, NULL);
    attack(&a, "node 1's main connection, no secret", SHOAL__V1__ROLE__ROLE_NODE, FALSE, NULL);
    attack(&a, "node 1's hart channel, a wrong secret", SHOAL__V1__ROLE__ROLE_NODE, TRUE, wrong);
    attack(&a, "the console, no secret", SHOAL__V1__ROLE__ROLE_CONSOLE, FALSE, NULL);
    attack(&a, "the bridge, a wrong secret", SHOAL__V1__ROLE__ROLE_BRIDGE, FALSE, wrong);

    /* A process of the same user can read the run directory: the secret
     * alone must not let it take a hart channel or the console either. */
    g_autofree char *path = ic_secret_path(machine, argv[2]);
    g_autoptr(GBytes) secret = ic_secret_read(path, &error);
    if (!secret) {
        g_printerr("hostile-client: %s\n", error->message);
        return 2;
    }
    attack(&a, "node 1's hart channel, the secret, no token", SHOAL__V1__ROLE__ROLE_NODE, TRUE,
           secret);
    attack(&a, "a second console, the secret", SHOAL__V1__ROLE__ROLE_CONSOLE, FALSE, secret);
    attack(&a, "a second node 1, the secret", SHOAL__V1__ROLE__ROLE_NODE, FALSE, secret);
    return a.failures ? 1 : 0;
}
