/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: bytes as they arrive on a socket, through the decoder
 * and every check a receiver relies on (interconnect/envelope.c). An
 * envelope that passes must pack and pass again unchanged: what the checks
 * accept, the sender side can say. */
#include <string.h>

#include "interconnect/ic.h"

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(IcEnvelope) env = ic_envelope_unpack(data, size, "fuzz", &error);
    if (!env) {
        g_assert_nonnull(error);
        return 0;
    }
    g_autoptr(GBytes) packed = ic_envelope_pack(env);
    gsize len;
    const guint8 *bytes = g_bytes_get_data(packed, &len);
    g_autoptr(IcEnvelope) again = ic_envelope_unpack(bytes, len, "fuzz", &error);
    g_assert_no_error(error);
    g_assert_cmpint(again->body_case, ==, env->body_case);
    g_assert_cmpuint(again->txid, ==, env->txid);
    g_autoptr(GBytes) repacked = ic_envelope_pack(again);
    g_assert_true(g_bytes_equal(packed, repacked));
    return 0;
}
