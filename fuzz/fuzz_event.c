/*
 * fuzz_event.c: libFuzzer target for the events layer's record decoder and encoder
 * (src/client/events/: kfk__event_decode reads every Dispytch format from the network;
 * kfk__event_encode writes them, with str.format templates). Byte 0 picks the envelope the value
 * is read in (0-5) and the one it is written back in (/6), byte 1 a key template; the rest is the
 * record value. When it decodes and the event is a map, it is encoded again: into msgpack the
 * body must come back the same (its JSON text equal); into JSON the value must decode (unless
 * the body holds NaN or an infinity, which json.dumps writes and JSON cannot hold).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client/events/events.h"
#include "client/format/json.h"

static int wbuf_write(void *data, const char *buf, size_t len) {
    kfk_wbuf_put_raw(data, buf, len);
    return ((kfk_wbuf_t *)data)->err ? -1 : 0;
}

static int nonfinite(const msgpack_object *o, int depth) {
    if (depth > 80)
        return 1;
    switch (o->type) {
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        return !isfinite(o->via.f64);
    case MSGPACK_OBJECT_ARRAY:
        for (uint32_t i = 0; i < o->via.array.size; i++)
            if (nonfinite(&o->via.array.ptr[i], depth + 1))
                return 1;
        return 0;
    case MSGPACK_OBJECT_MAP:
        for (uint32_t i = 0; i < o->via.map.size; i++)
            if (nonfinite(&o->via.map.ptr[i].key, depth + 1) ||
                nonfinite(&o->via.map.ptr[i].val, depth + 1))
                return 1;
        return 0;
    default:
        return 0;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const char *const templates[] = {
        NULL,         "{user[id]}",   "{user.id}", "{a}-{b[0]}",
        "x{{{a!r}}}", "{user[id]!a}", "lit",       "{a[1][2].c}",
    };
    if (size < 2 || size - 2 > INT32_MAX)
        return 0;
    kfk_envelope_t in = (kfk_envelope_t)(data[0] % 6), out = (kfk_envelope_t)((data[0] / 6) % 6);
    const char *tpl = templates[data[1] % (sizeof templates / sizeof templates[0])];
    kfk__event_decoded_t d;
    kfk_event_t ev;
    memset(&d, 0, sizeof d);
    memset(&ev, 0, sizeof ev);
    const char *bad = kfk__event_decode(in, data + 2, (int32_t)(size - 2), &d, &ev);
    if (!bad && ev.body->type == MSGPACK_OBJECT_MAP) {
        kfk_wbuf_t body;
        kfk_wbuf_init(&body);
        msgpack_packer pk;
        msgpack_packer_init(&pk, &body, wbuf_write);
        msgpack_pack_object(&pk, *ev.body);
        kfk__event_spec_t sp = {out, "t.{a}", data[1] & 8, "T", NULL, tpl};
        kfk__event_bufs_t b;
        memset(&b, 0, sizeof b);
        kfk_emit_opts_t o = KFK_EMIT_OPTS_INIT;
        char errstr[256];
        o.errstr = errstr;
        o.errstr_size = sizeof errstr;
        kfk_record_t r;
        int none = out == KFK_ENVELOPE_NONE_JSON || out == KFK_ENVELOPE_NONE_MSGPACK;
        if (!body.err && kfk__event_encode(&b, &sp, body.data, body.len, NULL, 0, &o,
                                           none ? "" : "id", 1, &r) == KFK_ERR_NONE) {
            kfk__event_decoded_t d2;
            kfk_event_t ev2;
            memset(&d2, 0, sizeof d2);
            memset(&ev2, 0, sizeof ev2);
            const char *bad2 = kfk__event_decode(out, r.value, (int32_t)r.value_len, &d2, &ev2);
            if (kfk__envelope_is_msgpack(out)) {
                if (bad2 || strcmp(ev2.body_json, ev.body_json) != 0)
                    abort(); /* kfk's own msgpack record does not give the event back */
            } else if (bad2 && !nonfinite(ev.body, 0)) {
                abort(); /* kfk's own JSON record does not decode */
            }
            kfk__event_decoded_free(&d2);
        }
        kfk__event_bufs_free(&b);
        kfk_wbuf_free(&body);
    }
    kfk__event_decoded_free(&d);
    return 0;
}
