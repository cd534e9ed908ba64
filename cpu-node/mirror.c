/* SPDX-License-Identifier: MIT */
/* The node's copies of device status registers (DeviceMirror): the memory
 * server sends a register's value whenever it changes, before it answers
 * the access that changed it, so a hart polling the UART's LSR reads the
 * copy instead of paying a round trip per poll. A read of the copy is one
 * the device could have answered a moment earlier. The agent writes; harts
 * read. */
#include "cpu-node/internal.h"

void node_mirror_set(Node *node, guint64 addr, guint8 value, gboolean valid)
{
    guint n = __atomic_load_n(&node->n_mirrors, __ATOMIC_ACQUIRE);
    for (guint i = 0; i < n; i++) {
        if (node->mirrors[i].addr == addr) {
            __atomic_store_n(&node->mirrors[i].value, valid ? value : -1, __ATOMIC_RELEASE);
            return;
        }
    }
    if (n == G_N_ELEMENTS(node->mirrors)) {
        g_warning("more mirrored device registers than %u; 0x%" G_GINT64_MODIFIER
                  "x is read the slow way", n, addr);
        return;
    }
    node->mirrors[n].addr = addr;
    node->mirrors[n].value = valid ? value : -1;
    __atomic_store_n(&node->n_mirrors, n + 1, __ATOMIC_RELEASE); /* publishes the entry */
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
