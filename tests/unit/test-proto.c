/* SPDX-License-Identifier: MIT */
/* shoal.v1 wire format: every body of Envelope, filled field by field from
 * the descriptors, survives pack/unpack; malformed bytes are rejected. */
#include <string.h>

#include <glib.h>

#include "proto/shoal.pb-c.h"

/* Fills every field of @msg with a value derived from @seed, by type. */
static void fill(ProtobufCMessage *msg, guint seed, GPtrArray *keep)
{
    const ProtobufCMessageDescriptor *d = msg->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        void *p = (char *)msg + f->offset;
        guint64 v = 0x1122334455667788ull ^ ((guint64)seed << 8) ^ i;
        switch (f->type) {
        case PROTOBUF_C_TYPE_UINT64:
            *(uint64_t *)p = v;
            break;
        case PROTOBUF_C_TYPE_UINT32:
            *(uint32_t *)p = (uint32_t)v;
            break;
        case PROTOBUF_C_TYPE_INT32:
            *(int32_t *)p = -(int32_t)(v & 0xffff);
            break;
        case PROTOBUF_C_TYPE_BOOL:
            *(protobuf_c_boolean *)p = 1;
            break;
        case PROTOBUF_C_TYPE_ENUM: {
            const ProtobufCEnumDescriptor *e = f->descriptor;
            *(int *)p = e->values[e->n_values - 1].value;
            break;
        }
        case PROTOBUF_C_TYPE_STRING: {
            char *s = g_strdup_printf("text %u", seed);
            g_ptr_array_add(keep, s);
            *(char **)p = s;
            break;
        }
        case PROTOBUF_C_TYPE_BYTES: {
            guint8 *b = g_malloc(4096);
            for (guint k = 0; k < 4096; k++)
                b[k] = (guint8)(k * 7 + seed);
            g_ptr_array_add(keep, b);
            ((ProtobufCBinaryData *)p)->data = b;
            ((ProtobufCBinaryData *)p)->len = 4096;
            break;
        }
        case PROTOBUF_C_TYPE_MESSAGE: {
            /* A message inside a body (HelloAck.restore, NodeState.harts):
             * one, filled the same way. */
            const ProtobufCMessageDescriptor *md = f->descriptor;
            ProtobufCMessage *sub = g_malloc0(md->sizeof_message);
            g_ptr_array_add(keep, sub);
            protobuf_c_message_init(md, sub);
            fill(sub, seed + 1, keep);
            if (f->label == PROTOBUF_C_LABEL_REPEATED) {
                ProtobufCMessage **items = g_new(ProtobufCMessage *, 1);
                g_ptr_array_add(keep, items);
                items[0] = sub;
                *(ProtobufCMessage ***)p = items;
                *(size_t *)((char *)msg + f->quantifier_offset) = 1;
            } else {
                *(ProtobufCMessage **)p = sub;
            }
            break;
        }
        default:
            g_error("field %s.%s has a type this test does not fill", d->name, f->name);
        }
    }
}

static void test_round_trip(gconstpointer data)
{
    const ProtobufCFieldDescriptor *body = data;
    g_autoptr(GPtrArray) keep = g_ptr_array_new_with_free_func(g_free);
    ProtobufCMessage *sub = g_malloc0(((const ProtobufCMessageDescriptor *)body->descriptor)->sizeof_message);
    g_ptr_array_add(keep, sub);
    protobuf_c_message_init(body->descriptor, sub);
    fill(sub, body->id, keep);

    Shoal__V1__Envelope env = SHOAL__V1__ENVELOPE__INIT;
    env.txid = 0xfedcba9876543210ull;
    env.body_case = body->id;
    *(ProtobufCMessage **)((char *)&env + body->offset) = sub;

    gsize len = shoal__v1__envelope__get_packed_size(&env);
    g_autofree guint8 *buf = g_malloc(len);
    g_assert_cmpuint(shoal__v1__envelope__pack(&env, buf), ==, len);

    Shoal__V1__Envelope *back = shoal__v1__envelope__unpack(NULL, len, buf);
    g_assert_nonnull(back);
    g_assert_cmpuint(back->txid, ==, env.txid);
    g_assert_cmpint(back->body_case, ==, env.body_case);
    g_assert_nonnull(*(ProtobufCMessage **)((char *)back + body->offset));
    /* Every field equal <=> the re-packed bytes are equal (fields are
     * emitted in number order, so the encoding is canonical). */
    gsize len2 = shoal__v1__envelope__get_packed_size(back);
    g_autofree guint8 *buf2 = g_malloc(len2);
    shoal__v1__envelope__pack(back, buf2);
    g_assert_cmpmem(buf, len, buf2, len2);
    shoal__v1__envelope__free_unpacked(back, NULL);

    /* Every strict prefix of a message with a 4096-byte or string field
     * is truncated inside a field and must be refused. */
    for (gsize cut = 1; cut < len; cut += 1 + cut / 8) {
        Shoal__V1__Envelope *part = shoal__v1__envelope__unpack(NULL, cut, buf);
        if (part) {
            /* A prefix may end exactly between fields: then it must differ. */
            gsize plen = shoal__v1__envelope__get_packed_size(part);
            g_assert_cmpuint(plen, <, len);
            shoal__v1__envelope__free_unpacked(part, NULL);
        }
    }
}

static void test_malformed(void)
{
    static const struct {
        const char *name;
        const guint8 bytes[8];
        gsize len;
    } cases[] = {
        { "truncated varint", { 0x08, 0xff }, 2 },
        { "field 0", { 0x00, 0x01 }, 2 },
        { "length past end", { 0x82, 0x01, 0x10, 0x00 }, 4 }, /* hello, 16 bytes announced */
        { "wrong wire type for txid", { 0x0d, 0x01, 0x02, 0x03 }, 4 },
        { "group wire type", { 0x0b, 0x00 }, 2 },
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        Shoal__V1__Envelope *env = shoal__v1__envelope__unpack(NULL, cases[i].len, cases[i].bytes);
        if (env)
            g_error("%s: accepted", cases[i].name);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    const ProtobufCMessageDescriptor *d = &shoal__v1__envelope__descriptor;
    guint bodies = 0;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (f->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        g_autofree char *path = g_strdup_printf("/proto/round-trip/%s", f->name);
        g_test_add_data_func(path, f, test_round_trip);
        bodies++;
    }
    /* the brief's 17, DeviceMirror, the bridge's three, ModelLine, the quantum's four,
     * IoFence, ConsoleAck, the debugger's six, MachineReset, the monitor's three, the
     * snapshot's five, forwarding's two */
    g_assert_cmpuint(bodies, ==, 45);
    g_test_add_func("/proto/malformed", test_malformed);
    return g_test_run();
}
