/* SPDX-License-Identifier: MIT */
/* Fields shoal.v1 does not define, anywhere in a message. Every peer and
 * every snapshot file comes from this build (Hello checks the version, a
 * file its format version), so such a field means a foreign or forged
 * message. protoc-c keeps it, even one numbered 0 behind an overlong tag,
 * which it then packs the short way and refuses to unpack (fuzz/README.md):
 * a copy made by packing and unpacking would fail. */
#include "interconnect/ic.h"

gboolean ic_message_has_unknown_fields(const ProtobufCMessage *msg)
{
    if (msg->n_unknown_fields > 0)
        return TRUE;
    const ProtobufCMessageDescriptor *d = msg->descriptor;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        const char *field = (const char *)msg + f->offset;
        const char *quantifier = (const char *)msg + f->quantifier_offset;
        if (f->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) && *(const guint32 *)quantifier != f->id)
            continue;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            ProtobufCMessage *const *items = *(ProtobufCMessage *const *const *)field;
            for (size_t k = 0; k < *(const size_t *)quantifier; k++)
                if (ic_message_has_unknown_fields(items[k]))
                    return TRUE;
        } else {
            const ProtobufCMessage *sub = *(ProtobufCMessage *const *)field;
            if (sub && ic_message_has_unknown_fields(sub))
                return TRUE;
        }
    }
    return FALSE;
}
