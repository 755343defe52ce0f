/*
 * fuzz_json.c: libFuzzer target for the events layer's JSON codec (src/client/format/json.c), which
 * reads Dispytch JSON envelopes from the network. Byte 0 picks the direction:
 *   even: the rest is JSON text -> msgpack. When it parses, the msgpack must unpack as exactly
 *         one value, render back to JSON that parses again, and rendering is then a fixed point.
 *   odd:  the rest is msgpack -> JSON (what kfk listen prints). When msgpack-c unpacks a value,
 *         its JSON rendering must parse.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "client/format/json.h"

static void render(const char *mp, size_t len, kfk_wbuf_t *out) {
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    size_t off = 0;
    if (msgpack_unpack_next(&u, mp, len, &off) != MSGPACK_UNPACK_SUCCESS || off != len)
        abort(); /* kfk produced msgpack that msgpack-c does not read back */
    kfk__msgpack_object_to_json(&u.data, out);
    msgpack_unpacked_destroy(&u);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1)
        return 0;
    const char *p = (const char *)data + 1;
    size_t n = size - 1;
    char err[128];
    kfk_wbuf_t a, b, c, d;
    kfk_wbuf_init(&a);
    kfk_wbuf_init(&b);
    kfk_wbuf_init(&c);
    kfk_wbuf_init(&d);
    if ((data[0] & 1) == 0) {
        if (kfk__json_to_msgpack(p, n, &a, err, sizeof err) == KFK_ERR_NONE) {
            render((const char *)a.data, a.len, &b);
            if (b.err || kfk__json_to_msgpack((const char *)b.data, b.len, &c, err, sizeof err))
                abort(); /* kfk's own JSON does not parse */
            render((const char *)c.data, c.len, &d);
            if (d.len != b.len || memcmp(d.data, b.data, b.len) != 0)
                abort(); /* rendering is not a fixed point */
        }
    } else {
        msgpack_unpacked u;
        msgpack_unpacked_init(&u);
        size_t off = 0, used = 0;
        /* As kfk does with msgpack from the network: counts checked before msgpack-c. */
        if (kfk__msgpack_check(p, n, &used) &&
            msgpack_unpack_next(&u, p, n, &off) == MSGPACK_UNPACK_SUCCESS) {
            kfk__msgpack_object_to_json(&u.data, &a);
            if (!a.err && kfk__json_to_msgpack((const char *)a.data, a.len, &b, err, sizeof err))
                abort(); /* rendered JSON does not parse */
        }
        msgpack_unpacked_destroy(&u);
    }
    kfk_wbuf_free(&a);
    kfk_wbuf_free(&b);
    kfk_wbuf_free(&c);
    kfk_wbuf_free(&d);
    return 0;
}
