/* SPDX-License-Identifier: MIT */
/* envelope-seeds DIR: one packed Envelope per body type into DIR, each
 * body as protoc-c initialises it: the starting points from which the
 * envelope harness mutates (fuzz/run.sh), made from the descriptors so a
 * new message is seeded without anyone remembering to. */
#include <glib.h>
#include <stdio.h>

#include "proto/shoal.pb-c.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: envelope-seeds DIR\n");
        return 2;
    }
    const ProtobufCMessageDescriptor *d = &shoal__v1__envelope__descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (f->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        const ProtobufCMessageDescriptor *md = f->descriptor;
        g_autofree ProtobufCMessage *body = g_malloc0(md->sizeof_message);
        protobuf_c_message_init(md, body);
        Shoal__V1__Envelope env = SHOAL__V1__ENVELOPE__INIT;
        env.txid = i + 1;
        env.body_case = f->id;
        *(ProtobufCMessage **)((char *)&env + f->offset) = body;
        gsize len = shoal__v1__envelope__get_packed_size(&env);
        g_autofree guint8 *buf = g_malloc(len);
        shoal__v1__envelope__pack(&env, buf);
        g_autofree char *path = g_strdup_printf("%s/%s", argv[1], f->name);
        g_autoptr(GError) error = NULL;
        if (!g_file_set_contents(path, (const char *)buf, (gssize)len, &error)) {
            fprintf(stderr, "envelope-seeds: %s\n", error->message);
            return 1;
        }
    }
    return 0;
}
