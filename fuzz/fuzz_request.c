/*
 * fuzz_request.c: libFuzzer target for request frames as a broker reads them
 * (kfk_request_decode): the input is a request frame without its 4-byte size, and its own header
 * picks the API and version. A frame that decodes must re-encode (kfk_request_encode), the
 * re-encoding must decode again, and encoding that gives the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kfk/protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    kfk_arena_t arena;
    kfk_arena_init(&arena);
    kfk_request_header_t hdr;
    void *body = NULL;
    if (kfk_request_decode(data, size, &hdr, &arena, &body) != KFK_ERR_NONE) {
        if (body)
            abort();
        kfk_arena_free(&arena);
        return 0;
    }

    kfk_wbuf_t w1, w2;
    kfk_wbuf_init(&w1);
    kfk_wbuf_init(&w2);
    if (kfk_request_encode(&w1, &hdr, body) != KFK_ERR_NONE || w1.len < 4)
        abort();

    kfk_arena_t arena2;
    kfk_arena_init(&arena2);
    kfk_request_header_t hdr2;
    void *body2 = NULL;
    if (kfk_request_decode(w1.data + 4, w1.len - 4, &hdr2, &arena2, &body2) != KFK_ERR_NONE)
        abort();
    if (hdr2.api_key != hdr.api_key || hdr2.api_version != hdr.api_version ||
        hdr2.correlation_id != hdr.correlation_id)
        abort();
    if (kfk_request_encode(&w2, &hdr2, body2) != KFK_ERR_NONE)
        abort();
    if (w1.len != w2.len || memcmp(w1.data, w2.data, w1.len) != 0)
        abort();

    kfk_wbuf_free(&w1);
    kfk_wbuf_free(&w2);
    kfk_arena_free(&arena2);
    kfk_arena_free(&arena);
    return 0;
}
