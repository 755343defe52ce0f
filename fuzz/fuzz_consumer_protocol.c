/*
 * fuzz_consumer_protocol.c: libFuzzer target for the consumer protocol blobs
 * (kfk_consumer_subscription_decode, kfk_consumer_assignment_decode). Input: byte 0 picks the
 * blob (even: subscription, odd: assignment), the rest is the blob (int16 version + struct).
 * A blob that decodes must re-encode at its version (newer than kfk knows: at kfk's newest),
 * the re-encoding must decode again, and encoding that gives the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kfk/protocol.h"

typedef union blob {
    kfk_consumer_protocol_subscription_t sub;
    kfk_consumer_protocol_assignment_t asg;
} blob_t;

static kfk_err_t decode(int kind, const uint8_t *p, size_t len, kfk_arena_t *arena, blob_t *out,
                        int16_t *version) {
    return kind ? kfk_consumer_assignment_decode(p, len, arena, &out->asg, version)
                : kfk_consumer_subscription_decode(p, len, arena, &out->sub, version);
}

static void encode_or_die(int kind, const blob_t *b, int16_t version, kfk_wbuf_t *w) {
    if (version > KFK_CONSUMER_PROTOCOL_MAX_VERSION)
        version = KFK_CONSUMER_PROTOCOL_MAX_VERSION;
    kfk_wbuf_init(w);
    kfk_err_t err = kind ? kfk_consumer_assignment_encode(&b->asg, version, w)
                         : kfk_consumer_subscription_encode(&b->sub, version, w);
    if (err)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1)
        return 0;
    int kind = data[0] & 1;
    kfk_arena_t arena;
    kfk_arena_init(&arena);
    blob_t b;
    int16_t version = -1;
    if (decode(kind, data + 1, size - 1, &arena, &b, &version) != KFK_ERR_NONE) {
        kfk_arena_free(&arena);
        return 0;
    }
    if (version < 0)
        abort();

    kfk_wbuf_t w1, w2;
    encode_or_die(kind, &b, version, &w1);
    kfk_arena_t arena2;
    kfk_arena_init(&arena2);
    blob_t b2;
    int16_t version2 = -1;
    if (decode(kind, w1.data, w1.len, &arena2, &b2, &version2) != KFK_ERR_NONE)
        abort();
    encode_or_die(kind, &b2, version2, &w2);
    if (w1.len != w2.len || memcmp(w1.data, w2.data, w1.len) != 0)
        abort();

    kfk_wbuf_free(&w1);
    kfk_wbuf_free(&w2);
    kfk_arena_free(&arena2);
    kfk_arena_free(&arena);
    return 0;
}
