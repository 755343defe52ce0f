/*
 * fuzz_response.c: libFuzzer target for response frames (kfk_response_decode), every API and
 * version kfk speaks. Input: byte 0 picks the API (index into kfk_api_list, modulo its length),
 * byte 1 the version (modulo the API's range, from its lowest), the rest is a response frame
 * without its 4-byte size. A frame that decodes must re-encode (kfk_response_encode), the
 * re-encoding must decode again, and encoding that gives the same bytes: decode and encode agree.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kfk/protocol.h"

/* Encodes @p body; aborts if a decoded body cannot be encoded (a codec bug). */
static void encode_or_die(kfk_wbuf_t *w, int16_t key, int16_t version, int32_t corr,
                          const void *body) {
    kfk_wbuf_init(w);
    if (kfk_response_encode(w, key, version, corr, body) != KFK_ERR_NONE)
        abort();
}

/* An ApiVersions response carrying UNSUPPORTED_VERSION is decoded as a v0 body. */
static int16_t body_version(int16_t key, int16_t version, const void *body) {
    if (key == KFK_API_API_VERSIONS &&
        ((const kfk_api_versions_response_t *)body)->error_code == KFK_ERR_UNSUPPORTED_VERSION)
        return 0;
    return version;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2)
        return 0;
    size_t napis = 0;
    const kfk_api_t *apis = kfk_api_list(&napis);
    const kfk_api_t *api = &apis[data[0] % napis];
    int16_t version =
        (int16_t)(api->min_version + data[1] % (api->max_version - api->min_version + 1));
    if (!api->response)
        return 0;

    kfk_arena_t arena;
    kfk_arena_init(&arena);
    int32_t corr = 0;
    void *body = NULL;
    kfk_err_t err =
        kfk_response_decode(data + 2, size - 2, api->key, version, &corr, &arena, &body);
    if (err) {
        if (body)
            abort();
        kfk_arena_free(&arena);
        return 0;
    }
    int16_t ev = body_version(api->key, version, body);

    kfk_wbuf_t w1, w2;
    encode_or_die(&w1, api->key, ev, corr, body);
    if (w1.len < 4)
        abort();

    kfk_arena_t arena2;
    kfk_arena_init(&arena2);
    int32_t corr2 = 0;
    void *body2 = NULL;
    if (kfk_response_decode(w1.data + 4, w1.len - 4, api->key, version, &corr2, &arena2, &body2) !=
            KFK_ERR_NONE ||
        corr2 != corr)
        abort();
    encode_or_die(&w2, api->key, body_version(api->key, version, body2), corr2, body2);
    if (w1.len != w2.len || memcmp(w1.data, w2.data, w1.len) != 0)
        abort();

    kfk_wbuf_free(&w1);
    kfk_wbuf_free(&w2);
    kfk_arena_free(&arena2);
    kfk_arena_free(&arena);
    return 0;
}
