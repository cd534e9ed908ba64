/* SPDX-License-Identifier: MIT */
/* CurveZMQ on a tcp:// machine's sockets (docs/protocol.md, "Who may
 * connect"): the memory server with its own key pair, admitting through
 * the ZAP handler (zap.c) the clients whose public keys its
 * authorized-keys file lists, and its own (processes on its host that can
 * read its pair use it); a client with its host's pair, knowing the server
 * by its public key. ipc:// needs none of it, and plain-tcp = on opts out. */
#include <string.h>

#include "interconnect/internal.h"

static gboolean uses_curve(const CfgMachine *m, const char *endpoint)
{
    return g_str_has_prefix(endpoint, "tcp://") && !m->msrv_plain_tcp;
}

static gboolean sockopt_fail(GError **error, const char *what)
{
    g_set_error(error, IC_ERROR, IC_ERROR_TRANSPORT, "cannot set up CurveZMQ (%s): %s", what,
                zmq_strerror(zmq_errno()));
    return FALSE;
}

int ic_curve_server_setup(const CfgMachine *m, const char *endpoint, void *socket,
                          char **domain, GError **error)
{
    if (!uses_curve(m, endpoint))
        return 0;
    if (!m->msrv_key) {
        g_set_error(error, IC_ERROR, IC_ERROR_SECRET,
                    "the memory server of a tcp:// machine needs its key pair: [memory-server] "
                    "key (make one with `shoal keygen FILE`)");
        return -1;
    }
    IcKeyPair pair;
    if (!ic_keypair_read(m->msrv_key, &pair, error))
        return -1;
    g_autoptr(GHashTable) allowed = NULL;
    if (m->msrv_authorized_keys) {
        allowed = ic_authorized_keys_read(m->msrv_authorized_keys, error);
        if (!allowed)
            return -1;
    } else {
        allowed = g_hash_table_new_full(g_bytes_hash, g_bytes_equal,
                                        (GDestroyNotify)g_bytes_unref, NULL);
    }
    guint8 own[32];
    zmq_z85_decode(own, pair.public_z85);
    g_hash_table_add(allowed, g_bytes_new(own, sizeof own));

    /* One domain per server socket: the handler is the process's. */
    static guint servers;
    g_autofree char *name = g_strdup_printf("shoal-%u", (guint)g_atomic_int_add(&servers, 1));
    int one = 1;
    if (!ic_zap_allow(name, allowed, error))
        return -1;
    if (zmq_setsockopt(socket, ZMQ_ZAP_DOMAIN, name, strlen(name)) ||
        zmq_setsockopt(socket, ZMQ_CURVE_SERVER, &one, sizeof one) ||
        zmq_setsockopt(socket, ZMQ_CURVE_SECRETKEY, pair.secret_z85, IC_Z85_KEY_LEN + 1)) {
        ic_zap_forget(name);
        sockopt_fail(error, endpoint);
        return -1;
    }
    *domain = g_steal_pointer(&name);
    return 1;
}

int ic_curve_client_setup(const CfgMachine *m, const char *endpoint, void *socket,
                          GError **error)
{
    if (!uses_curve(m, endpoint))
        return 0;
    const char *server_key = m->msrv_server_public_key ? m->msrv_server_public_key : m->msrv_key;
    const char *own_key = m->msrv_client_key ? m->msrv_client_key : m->msrv_key;
    if (!server_key || !own_key) {
        g_set_error(error, IC_ERROR, IC_ERROR_SECRET,
                    "a process of a tcp:// machine needs the server's public key and a key "
                    "pair of its own: [memory-server] server-public-key and client-key (or "
                    "key on the server's host)");
        return -1;
    }
    char server_public[IC_Z85_KEY_LEN + 1];
    IcKeyPair pair;
    if (!ic_public_key_read(server_key, server_public, error) ||
        !ic_keypair_read(own_key, &pair, error))
        return -1;
    if (zmq_setsockopt(socket, ZMQ_CURVE_SERVERKEY, server_public, IC_Z85_KEY_LEN + 1) ||
        zmq_setsockopt(socket, ZMQ_CURVE_PUBLICKEY, pair.public_z85, IC_Z85_KEY_LEN + 1) ||
        zmq_setsockopt(socket, ZMQ_CURVE_SECRETKEY, pair.secret_z85, IC_Z85_KEY_LEN + 1)) {
        sockopt_fail(error, endpoint);
        return -1;
    }
    return 1;
}
