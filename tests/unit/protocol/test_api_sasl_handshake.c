/*
 * test_api_sasl_handshake.c: SaslHandshake (key 17) tables, kfk versions 0-1 (never flexible).
 * Golden frames written by hand from the protocol spec (v0 and v1 both ways), a round trip of
 * every version, and malformed input.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "kfk/protocol.h"

#define API KFK_API_SASL_HANDSHAKE
#define CORR 7

/* Asserts that @p w holds exactly the @p n bytes at @p exp, naming the first byte that differs. */
static void expect_bytes(const kfk_wbuf_t *w, const uint8_t *exp, size_t n) {
    cr_assert_eq(w->err, KFK_ERR_NONE, "encoder error %d", w->err);
    cr_assert_eq(w->len, n, "encoded %zu bytes, expected %zu", w->len, n);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(w->data[i], exp[i], "byte %zu is 0x%02x, expected 0x%02x", i, w->data[i],
                     exp[i]);
}

/* A golden frame's size prefix must state the bytes after it (a check of the hand count). */
static void expect_frame_size(const uint8_t *f, size_t n) {
    size_t stated = ((size_t)f[0] << 24) | ((size_t)f[1] << 16) | ((size_t)f[2] << 8) | f[3];
    cr_assert_eq(stated, n - 4, "golden frame states %zu bytes but holds %zu", stated, n - 4);
}

/* Encodes a framed request (client_id "kfk") and compares it with the golden frame. */
static void expect_request(int16_t version, const void *body, const uint8_t *exp, size_t n) {
    kfk_request_header_t h = {API, version, CORR, KFK_STR("kfk"), {NULL, 0}};
    expect_frame_size(exp, n);
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    cr_assert_eq(kfk_request_encode(&w, &h, body), KFK_ERR_NONE);
    expect_bytes(&w, exp, n);
    kfk_wbuf_free(&w);
}

/* Encodes a framed response and compares it with the golden frame. */
static void expect_response(int16_t version, const void *body, const uint8_t *exp, size_t n) {
    expect_frame_size(exp, n);
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    cr_assert_eq(kfk_response_encode(&w, API, version, CORR, body), KFK_ERR_NONE);
    expect_bytes(&w, exp, n);
    kfk_wbuf_free(&w);
}

/* Decodes a golden request frame (with its size prefix); the body lives in @p a. */
static const void *decode_request(int16_t version, const uint8_t *frame, size_t n, kfk_arena_t *a) {
    kfk_request_header_t h;
    void *body = NULL;
    cr_assert_eq(kfk_request_decode(frame + 4, n - 4, &h, a, &body), KFK_ERR_NONE);
    cr_assert_eq(h.api_key, API);
    cr_assert_eq(h.api_version, version);
    cr_assert_eq(h.correlation_id, CORR);
    cr_assert(kfk_str_eq(h.client_id, "kfk"));
    return body;
}

/* Decodes a golden response frame (with its size prefix); the body lives in @p a. */
static const void *decode_response(int16_t version, const uint8_t *frame, size_t n,
                                   kfk_arena_t *a) {
    int32_t corr = 0;
    void *body = NULL;
    cr_assert_eq(kfk_response_decode(frame + 4, n - 4, API, version, &corr, a, &body),
                 KFK_ERR_NONE);
    cr_assert_eq(corr, CORR);
    return body;
}

/* Decodes @p n bytes of a frame body copied to a buffer of exactly that size (so that ASan sees
 * any over-read): a request if @p request, else a response at @p version. */
static kfk_err_t decode_exact(bool request, int16_t version, const uint8_t *bytes, size_t n) {
    uint8_t *copy = malloc(n ? n : 1);
    cr_assert_not_null(copy);
    if (n)
        memcpy(copy, bytes, n);
    kfk_arena_t a;
    kfk_arena_init(&a);
    void *body = NULL;
    kfk_err_t err;
    if (request) {
        kfk_request_header_t h;
        err = kfk_request_decode(copy, n, &h, &a, &body);
    } else {
        int32_t corr;
        err = kfk_response_decode(copy, n, API, version, &corr, &a, &body);
    }
    if (err)
        cr_assert_null(body);
    kfk_arena_free(&a);
    free(copy);
    return err;
}

/* Every strict prefix of a golden frame's body (size prefix dropped) must fail to decode. */
static void expect_truncations_fail(bool request, int16_t version, const uint8_t *frame, size_t n) {
    cr_assert_eq(decode_exact(request, version, frame + 4, n - 4), KFK_ERR_NONE);
    for (size_t cut = 0; cut < n - 4; cut++)
        cr_assert_neq(decode_exact(request, version, frame + 4, cut), KFK_ERR_NONE,
                      "a frame cut to %zu of %zu bytes decoded", cut, n - 4);
}

/* A golden frame with @p len bytes at @p off replaced by @p patch must give KFK_ERR__BAD_MSG. */
static void expect_bad_patch(bool request, int16_t version, const uint8_t *frame, size_t n,
                             size_t off, const uint8_t *patch, size_t len) {
    uint8_t copy[512];
    cr_assert_leq(n, sizeof copy);
    cr_assert_leq(off + len, n);
    memcpy(copy, frame, n);
    memcpy(copy + off, patch, len);
    cr_assert_eq(decode_exact(request, version, copy + 4, n - 4), KFK_ERR__BAD_MSG,
                 "patch at byte %zu was accepted", off);
}

/* Encodes @p msg with @p schema at @p version, decodes it (from a copy in @p a), re-encodes the
 * result and requires the same bytes. Returns the decoded struct (it lives in @p a). */
static const void *roundtrip(const kfk_schema_t *schema, int16_t version, const void *msg,
                             kfk_arena_t *a) {
    bool flex = kfk_api_is_flexible(API, version);
    kfk_wbuf_t w1, w2;
    kfk_wbuf_init(&w1);
    kfk_wbuf_init(&w2);
    cr_assert_eq(kfk_schema_encode(schema, version, flex, msg, &w1), KFK_ERR_NONE,
                 "%s v%d does not encode", kfk_schema_name(schema), version);
    uint8_t *bytes = kfk_arena_alloc(a, w1.len ? w1.len : 1);
    cr_assert_not_null(bytes);
    memcpy(bytes, w1.data, w1.len);
    kfk_rbuf_t r;
    kfk_rbuf_init(&r, bytes, w1.len);
    void *out = kfk_arena_alloc(a, kfk_schema_size(schema));
    cr_assert_not_null(out);
    cr_assert_eq(kfk_schema_decode(schema, version, flex, &r, a, out), KFK_ERR_NONE,
                 "%s v%d does not decode", kfk_schema_name(schema), version);
    cr_assert_eq(kfk_rbuf_left(&r), 0, "%s v%d left bytes", kfk_schema_name(schema), version);
    cr_assert_eq(kfk_schema_encode(schema, version, flex, out, &w2), KFK_ERR_NONE);
    cr_assert_eq(w1.len, w2.len, "%s v%d re-encodes to %zu bytes, not %zu", kfk_schema_name(schema),
                 version, w2.len, w1.len);
    cr_assert(!memcmp(w1.data, w2.data, w1.len), "%s v%d re-encodes differently",
              kfk_schema_name(schema), version);
    kfk_wbuf_free(&w1);
    kfk_wbuf_free(&w2);
    return out;
}

/* Encoding @p msg at @p version must be refused with KFK_ERR__INVALID_ARG. */
static void expect_encode_refused(const kfk_schema_t *schema, int16_t version, const void *msg) {
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    cr_assert_eq(kfk_schema_encode(schema, version, kfk_api_is_flexible(API, version), msg, &w),
                 KFK_ERR__INVALID_ARG, "%s v%d encoded", kfk_schema_name(schema), version);
    kfk_wbuf_free(&w);
}

/* An unknown tagged field (tag 9, one byte 0x2a), kept raw through a decode. */
#define UNKNOWN_TAGS ((kfk_bytes_t){unknown_tag, (int32_t)sizeof unknown_tag})

/* True when the decoded unknown tags are ours (flexible versions) or empty (others). */
/* ---- golden frames ---------------------------------------------------------------------- */

/* Request v0: mechanism PLAIN. */
static const uint8_t req_v0[] = {
    0x00, 0x00, 0x00, 0x14,                /* frame size 20 */
    0x00, 0x11, 0x00, 0x00,                /* api_key 17, api_version 0 */
    0x00, 0x00, 0x00, 0x07,                /* correlation_id 7 */
    0x00, 0x03, 'k',  'f',  'k',           /* client_id "kfk" */
    0x00, 0x05, 'P',  'L',  'A', 'I', 'N', /* mechanism "PLAIN" */
};

/* Request v1: the same body (v1 only changes what follows: SaslAuthenticate frames). */
static const uint8_t req_v1[] = {
    0x00, 0x00, 0x00, 0x14,                /* frame size 20 */
    0x00, 0x11, 0x00, 0x01,                /* api_key 17, api_version 1 */
    0x00, 0x00, 0x00, 0x07,                /* correlation_id 7 */
    0x00, 0x03, 'k',  'f',  'k',           /* client_id "kfk" */
    0x00, 0x05, 'P',  'L',  'A', 'I', 'N', /* mechanism "PLAIN" */
};

/* Response v0: success, two mechanisms enabled. */
static const uint8_t resp_v0[] = {
    0x00, 0x00, 0x00, 0x20,                                    /* frame size 32 */
    0x00, 0x00, 0x00, 0x07,                                    /* correlation_id 7 */
    0x00, 0x00,                                                /* error_code 0 */
    0x00, 0x00, 0x00, 0x02,                                    /* mechanisms: 2 */
    0x00, 0x05, 'P',  'L',  'A', 'I', 'N',                     /*   "PLAIN" */
    0x00, 0x0d, 'S',  'C',  'R', 'A', 'M', '-', 'S', 'H', 'A', /*   "SCRAM-SHA-256" */
    '-',  '2',  '5',  '6',
};

/* Response v1: UNSUPPORTED_SASL_MECHANISM with the enabled list. */
static const uint8_t resp_v1[] = {
    0x00, 0x00, 0x00, 0x11,                /* frame size 17 */
    0x00, 0x00, 0x00, 0x07,                /* correlation_id 7 */
    0x00, 0x21,                            /* error_code 33 */
    0x00, 0x00, 0x00, 0x01,                /* mechanisms: 1 */
    0x00, 0x05, 'P',  'L',  'A', 'I', 'N', /*   "PLAIN" */
};

Test(sasl_handshake, encodes_and_decodes_golden_frames) {
    kfk_sasl_handshake_request_t req = {.mechanism = KFK_STR("PLAIN")};
    expect_request(0, &req, req_v0, sizeof req_v0);
    expect_request(1, &req, req_v1, sizeof req_v1);
    kfk_str_t mechs[] = {KFK_STR("PLAIN"), KFK_STR("SCRAM-SHA-256")};
    kfk_sasl_handshake_response_t ok = {.mechanisms = KFK_ARRAY_OF(mechs)};
    expect_response(0, &ok, resp_v0, sizeof resp_v0);
    kfk_sasl_handshake_response_t bad = {.error_code = KFK_ERR_UNSUPPORTED_SASL_MECHANISM,
                                         .mechanisms = {mechs, 1}};
    expect_response(1, &bad, resp_v1, sizeof resp_v1);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_sasl_handshake_request_t *q = decode_request(0, req_v0, sizeof req_v0, &a);
    cr_assert(kfk_str_eq(q->mechanism, "PLAIN"));
    q = decode_request(1, req_v1, sizeof req_v1, &a);
    cr_assert(kfk_str_eq(q->mechanism, "PLAIN"));
    const kfk_sasl_handshake_response_t *r = decode_response(0, resp_v0, sizeof resp_v0, &a);
    cr_assert_eq(r->error_code, 0);
    cr_assert_eq(r->mechanisms.count, 2);
    cr_assert(kfk_str_eq(KFK_ARRAY_AT(r->mechanisms, kfk_str_t, 1), "SCRAM-SHA-256"));
    r = decode_response(1, resp_v1, sizeof resp_v1, &a);
    cr_assert_eq(r->error_code, KFK_ERR_UNSUPPORTED_SASL_MECHANISM);
    cr_assert_eq(r->mechanisms.count, 1);
    cr_assert(kfk_str_eq(KFK_ARRAY_AT(r->mechanisms, kfk_str_t, 0), "PLAIN"));
    kfk_arena_free(&a);
}

Test(sasl_handshake, request_and_response_round_trip_in_every_version) {
    const kfk_api_t *api = kfk_api_get(API);
    for (int16_t v = api->min_version; v <= api->max_version; v++) {
        cr_assert_eq(kfk_api_is_flexible(API, v), false);
        kfk_sasl_handshake_request_t req = {.mechanism = KFK_STR("SCRAM-SHA-512")};
        kfk_arena_t a;
        kfk_arena_init(&a);
        const kfk_sasl_handshake_request_t *q =
            roundtrip(&kfk_sasl_handshake_request_schema, v, &req, &a);
        cr_assert(kfk_str_eq(q->mechanism, "SCRAM-SHA-512"), "v%d", v);
        kfk_str_t mechs[] = {KFK_STR("GSSAPI"), KFK_STR(""), KFK_STR("OAUTHBEARER")};
        kfk_sasl_handshake_response_t resp = {.error_code = KFK_ERR_ILLEGAL_SASL_STATE,
                                              .mechanisms = KFK_ARRAY_OF(mechs)};
        const kfk_sasl_handshake_response_t *r =
            roundtrip(&kfk_sasl_handshake_response_schema, v, &resp, &a);
        cr_assert_eq(r->error_code, KFK_ERR_ILLEGAL_SASL_STATE, "v%d", v);
        cr_assert_eq(r->mechanisms.count, 3, "v%d", v);
        cr_assert(kfk_str_eq(KFK_ARRAY_AT(r->mechanisms, kfk_str_t, 1), ""), "v%d", v);
        cr_assert(kfk_str_eq(KFK_ARRAY_AT(r->mechanisms, kfk_str_t, 2), "OAUTHBEARER"), "v%d", v);
        kfk_arena_free(&a);
    }
}

Test(sasl_handshake, refuses_nulls_the_version_does_not_allow) {
    kfk_sasl_handshake_request_t req = {.mechanism = {NULL, -1}};
    expect_encode_refused(&kfk_sasl_handshake_request_schema, 1, &req);
    kfk_str_t mechs[] = {{NULL, -1}};
    kfk_sasl_handshake_response_t resp = {.mechanisms = KFK_ARRAY_OF(mechs)};
    expect_encode_refused(&kfk_sasl_handshake_response_schema, 1, &resp);
    kfk_sasl_handshake_response_t resp2 = {.mechanisms = {NULL, -1}};
    expect_encode_refused(&kfk_sasl_handshake_response_schema, 1, &resp2);
}

Test(sasl_handshake, truncated_frames_fail_at_every_length) {
    expect_truncations_fail(true, 0, req_v0, sizeof req_v0);
    expect_truncations_fail(true, 1, req_v1, sizeof req_v1);
    expect_truncations_fail(false, 0, resp_v0, sizeof resp_v0);
    expect_truncations_fail(false, 1, resp_v1, sizeof resp_v1);
}

Test(sasl_handshake, hostile_counts_and_lengths_are_bad_messages) {
    static const uint8_t huge[] = {0x7f, 0xff, 0xff, 0xff};
    static const uint8_t minus1_32[] = {0xff, 0xff, 0xff, 0xff};
    static const uint8_t minus2_32[] = {0xff, 0xff, 0xff, 0xfe};
    static const uint8_t minus1_16[] = {0xff, 0xff};
    static const uint8_t minus2_16[] = {0xff, 0xfe};
    static const uint8_t past_end[] = {0x00, 0x40};
    /* v1 response: mechanisms count at 10, first mechanism length at 14. */
    expect_bad_patch(false, 1, resp_v1, sizeof resp_v1, 10, huge, 4);
    expect_bad_patch(false, 1, resp_v1, sizeof resp_v1, 10, minus1_32, 4);
    expect_bad_patch(false, 1, resp_v1, sizeof resp_v1, 10, minus2_32, 4);
    expect_bad_patch(false, 1, resp_v1, sizeof resp_v1, 14, minus1_16, 2); /* null element */
    expect_bad_patch(false, 1, resp_v1, sizeof resp_v1, 14, minus2_16, 2);
    expect_bad_patch(false, 1, resp_v1, sizeof resp_v1, 14, past_end, 2);
    /* v0 request: mechanism length at 17. */
    expect_bad_patch(true, 0, req_v0, sizeof req_v0, 17, past_end, 2);
    expect_bad_patch(true, 0, req_v0, sizeof req_v0, 17, minus1_16, 2);
}
