/* SPDX-License-Identifier: MIT */
/* The ZAP handler (ZeroMQ RFC 27) that admits a tcp:// memory server's
 * clients by their CurveZMQ public key: libzmq asks it about every CURVE
 * handshake on a socket with a ZAP domain, and a key the domain's set does
 * not hold is refused before the client can send a word. libzmq lets one
 * handler bind per context (inproc://zeromq.zap.01), so one thread serves
 * every server socket of the process, each by its own domain. It ends with
 * the context (ic_context_shutdown): its receive then fails with ETERM. */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "interconnect/internal.h"

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define ZAP_MAX_FRAMES 8

static pthread_mutex_t zap_lock = PTHREAD_MUTEX_INITIALIZER;
static GHashTable *zap_domains; /* domain -> set of 32-byte keys, under zap_lock */
static gboolean zap_started;

static gboolean key_allowed(const zmq_msg_t *domain, const zmq_msg_t *key)
{
    g_autofree char *name = g_strndup(zmq_msg_data((zmq_msg_t *)domain), zmq_msg_size(domain));
    g_autoptr(GBytes) wanted = g_bytes_new(zmq_msg_data((zmq_msg_t *)key), zmq_msg_size(key));
    pthread_mutex_lock(&zap_lock);
    GHashTable *keys = g_hash_table_lookup(zap_domains, name);
    gboolean allowed = keys && g_hash_table_contains(keys, wanted);
    pthread_mutex_unlock(&zap_lock);
    return allowed;
}

static void send_frame(void *socket, const void *data, gsize len, gboolean more)
{
    /* A failed send (the context ending) shows in the next receive. */
    zmq_send(socket, data, len, more ? ZMQ_SNDMORE : 0);
}

/* One request: version, request id, domain, address, identity, mechanism,
 * credentials (for CURVE, the client's 32-byte public key). */
static void answer(void *socket, zmq_msg_t *frames, int n)
{
    gboolean well_formed = n >= 7 && zmq_msg_size(&frames[0]) == 3 &&
                           memcmp(zmq_msg_data(&frames[0]), "1.0", 3) == 0 &&
                           zmq_msg_size(&frames[5]) == 5 &&
                           memcmp(zmq_msg_data(&frames[5]), "CURVE", 5) == 0 &&
                           zmq_msg_size(&frames[6]) == 32;
    gboolean allowed = well_formed && key_allowed(&frames[2], &frames[6]);
    const char *status = allowed ? "200" : "400";
    const char *text = allowed ? "OK" : "key not authorized";
    send_frame(socket, "1.0", 3, TRUE);
    send_frame(socket, n >= 2 ? zmq_msg_data(&frames[1]) : "", n >= 2 ? zmq_msg_size(&frames[1]) : 0,
               TRUE);
    send_frame(socket, status, 3, TRUE);
    send_frame(socket, text, strlen(text), TRUE);
    send_frame(socket, "", 0, TRUE); /* user id */
    send_frame(socket, "", 0, FALSE); /* metadata */
}

static void *zap_main(void *socket)
{
    for (;;) {
        zmq_msg_t frames[ZAP_MAX_FRAMES];
        int n = 0, more = 1;
        gboolean ended = FALSE;
        while (more) {
            zmq_msg_t msg;
            zmq_msg_init(&msg);
            if (zmq_msg_recv(&msg, socket, 0) < 0) {
                zmq_msg_close(&msg);
                if (zmq_errno() == EINTR)
                    continue;
                ended = TRUE; /* ETERM: the context is ending */
                break;
            }
            more = zmq_msg_more(&msg);
            if (n < ZAP_MAX_FRAMES)
                frames[n++] = msg;
            else
                zmq_msg_close(&msg);
        }
        if (!ended)
            answer(socket, frames, n);
        for (int i = 0; i < n; i++)
            zmq_msg_close(&frames[i]);
        if (ended)
            break;
    }
    zmq_close(socket);
    return NULL;
}

static gboolean start_locked(GError **error)
{
    void *socket = zmq_socket(ic_zmq_context(), ZMQ_REP);
    int linger = 0;
    pthread_t thread;
    if (!socket || zmq_setsockopt(socket, ZMQ_LINGER, &linger, sizeof linger) ||
        zmq_bind(socket, ZAP_ENDPOINT)) {
        g_set_error(error, IC_ERROR, IC_ERROR_TRANSPORT, "cannot start the ZAP handler: %s",
                    zmq_strerror(zmq_errno()));
        if (socket)
            zmq_close(socket);
        return FALSE;
    }
    if (pthread_create(&thread, NULL, zap_main, socket) != 0)
        g_error("cannot start the ZAP handler thread");
    pthread_detach(thread);
    zap_started = TRUE;
    return TRUE;
}

gboolean ic_zap_allow(const char *domain, GHashTable *keys, GError **error)
{
    pthread_mutex_lock(&zap_lock);
    if (!zap_domains)
        zap_domains = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                            (GDestroyNotify)g_hash_table_unref);
    gboolean ok = zap_started || start_locked(error);
    if (ok)
        g_hash_table_replace(zap_domains, g_strdup(domain), g_hash_table_ref(keys));
    pthread_mutex_unlock(&zap_lock);
    return ok;
}

void ic_zap_forget(const char *domain)
{
    pthread_mutex_lock(&zap_lock);
    if (zap_domains)
        g_hash_table_remove(zap_domains, domain);
    pthread_mutex_unlock(&zap_lock);
}
