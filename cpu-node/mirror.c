/* SPDX-License-Identifier: MIT */
/* The node's copies of device status registers (DeviceMirror): the memory
 * server sends a register's value whenever it changes, before it answers
 * the access that changed it, so a hart polling the UART's LSR reads the
 * copy instead of paying a round trip per poll. A read of the copy is one
 * the device could have answered a moment earlier. The agent writes; harts
 * read. */
#include "cpu-node/internal.h"

#define MIRROR_WAIT_MS 100 /* how often a hart waiting on a copy looks for the end */

void node_mirror_init(Node *node)
{
    pthread_mutex_init(&node->mirror_lock, NULL);
    pthread_condattr_t monotonic; /* the waits' deadlines are CLOCK_MONOTONIC */
    pthread_condattr_init(&monotonic);
    pthread_condattr_setclock(&monotonic, CLOCK_MONOTONIC);
    pthread_cond_init(&node->mirror_changed, &monotonic);
    pthread_condattr_destroy(&monotonic);
}

void node_mirror_clear(Node *node)
{
    pthread_cond_destroy(&node->mirror_changed);
    pthread_mutex_destroy(&node->mirror_lock);
}

/* Wakes harts waiting for a bit (node_mirror_wait_bit). */
static void changed(Node *node)
{
    pthread_mutex_lock(&node->mirror_lock);
    pthread_cond_broadcast(&node->mirror_changed);
    pthread_mutex_unlock(&node->mirror_lock);
}

void node_mirror_set(Node *node, guint64 addr, guint32 value, gboolean valid)
{
    guint n = __atomic_load_n(&node->n_mirrors, __ATOMIC_ACQUIRE);
    for (guint i = 0; i < n; i++) {
        if (node->mirrors[i].addr == addr) {
            __atomic_store_n(&node->mirrors[i].value, valid ? (gint)(value & 0xffff) : -1,
                             __ATOMIC_RELEASE);
            changed(node);
            return;
        }
    }
    if (n == G_N_ELEMENTS(node->mirrors)) {
        g_warning("more mirrored device registers than %u; 0x%" G_GINT64_MODIFIER
                  "x is read the slow way", n, addr);
        return;
    }
    node->mirrors[n].addr = addr;
    node->mirrors[n].value = valid ? (gint)(value & 0xffff) : -1;
    __atomic_store_n(&node->n_mirrors, n + 1, __ATOMIC_RELEASE); /* publishes the entry */
    changed(node);
}

/* The bit set, or no valid copy to go by: go on. */
static gboolean bit_set_or_unknown(Node *node, guint64 addr, guint32 bit)
{
    guint64 v;
    return !node_mirror_read(node, addr, &v) || (v & bit);
}

void node_mirror_wait_bit(Node *node, guint64 addr, guint32 bit)
{
    if (bit_set_or_unknown(node, addr, bit))
        return;
    pthread_mutex_lock(&node->mirror_lock);
    while (!bit_set_or_unknown(node, addr, bit) && !node_stopping(node)) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += MIRROR_WAIT_MS * 1000000L;
        until.tv_sec += until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&node->mirror_changed, &node->mirror_lock, &until);
    }
    pthread_mutex_unlock(&node->mirror_lock);
}

gboolean node_mirror_read(Node *node, guint64 addr, guint64 *value)
{
    guint n = __atomic_load_n(&node->n_mirrors, __ATOMIC_ACQUIRE);
    for (guint i = 0; i < n; i++) {
        if (node->mirrors[i].addr != addr)
            continue;
        gint v = __atomic_load_n(&node->mirrors[i].value, __ATOMIC_ACQUIRE);
        if (v < 0)
            return FALSE;
        *value = (guint64)v;
        return TRUE;
    }
    return FALSE;
}
