/*
 * test_api_sasl_authenticate.c: SaslAuthenticate (key 36) tables, kfk versions 0-2 (flexible
 * from 2). Golden frames written by hand from the protocol spec (v0 and v2 both ways, v1
 * response), a round trip of every version, and malformed input.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "kfk/protocol.h"

#define API KFK_API_SASL_AUTHENTICATE
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
static const uint8_t unknown_tag[] = {0x09, 0x01, 0x2a};
#define UNKNOWN_TAGS ((kfk_bytes_t){unknown_tag, (int32_t)sizeof unknown_tag})

static bool bytes_is(kfk_bytes_t b, const char *c) {
    if (!c)
        return b.len == -1;
    return b.len == (int32_t)strlen(c) && (b.len == 0 || !memcmp(b.ptr, c, (size_t)b.len));
}

/* True when the decoded unknown tags are ours (flexible versions) or empty (others). */
static bool tags_kept(kfk_bytes_t t, int16_t version) {
    if (!kfk_api_is_flexible(API, version))
        return t.len <= 0;
    return t.len == (int32_t)sizeof unknown_tag && !memcmp(t.ptr, unknown_tag, sizeof unknown_tag);
}

/* ---- golden frames ---------------------------------------------------------------------- */

static const uint8_t token[] = {0x00, 'u', 0x00, 'p'}; /* PLAIN: "" NUL "u" NUL "p" */

/* Request v0: a PLAIN token. */
static const uint8_t req_v0[] = {
    0x00, 0x00, 0x00, 0x15,      /* frame size 21 */
    0x00, 0x24, 0x00, 0x00,      /* api_key 36, api_version 0 */
    0x00, 0x00, 0x00, 0x07,      /* correlation_id 7 */
    0x00, 0x03, 'k',  'f',  'k', /* client_id "kfk" */
    0x00, 0x00, 0x00, 0x04,      /* auth_bytes: 4 */
    0x00, 'u',  0x00, 'p',       /*   NUL "u" NUL "p" */
};

/* Request v2 (first flexible). */
static const uint8_t req_v2[] = {
    0x00, 0x00, 0x00, 0x14,      /* frame size 20 */
    0x00, 0x24, 0x00, 0x02,      /* api_key 36, api_version 2 */
    0x00, 0x00, 0x00, 0x07,      /* correlation_id 7 */
    0x00, 0x03, 'k',  'f',  'k', /* client_id "kfk" */
    0x00,                        /* header tagged fields */
    0x05, 0x00, 'u',  0x00, 'p', /* auth_bytes: compact 4 + 1 */
    0x00,                        /* tagged fields */
};

/* Response v0: success, no server token. */
static const uint8_t resp_v0[] = {
    0x00, 0x00, 0x00, 0x0c, /* frame size 12 */
    0x00, 0x00, 0x00, 0x07, /* correlation_id 7 */
    0x00, 0x00,             /* error_code 0 */
    0xff, 0xff,             /* error_message null */
    0x00, 0x00, 0x00, 0x00, /* auth_bytes: 0 */
};

/* Response v1: a session of one hour (KIP-368). */
static const uint8_t resp_v1[] = {
    0x00, 0x00, 0x00, 0x14,                         /* frame size 20 */
    0x00, 0x00, 0x00, 0x07,                         /* correlation_id 7 */
    0x00, 0x00,                                     /* error_code 0 */
    0xff, 0xff,                                     /* error_message null */
    0x00, 0x00, 0x00, 0x00,                         /* auth_bytes: 0 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x36, 0xee, 0x80, /* session_lifetime_ms 3600000 */
};

/* Response v2 (first flexible): authentication failed. */
static const uint8_t resp_v2[] = {
    0x00, 0x00, 0x00, 0x15,                         /* frame size 21 */
    0x00, 0x00, 0x00, 0x07,                         /* correlation_id 7 */
    0x00,                                           /* header tagged fields */
    0x00, 0x3a,                                     /* error_code 58 */
    0x04, 'b',  'a',  'd',                          /* error_message "bad" */
    0x01,                                           /* auth_bytes: 0 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* session_lifetime_ms 0 */
    0x00,                                           /* tagged fields */
};

Test(sasl_authenticate, encodes_and_decodes_requests_v0_and_v2) {
    kfk_sasl_authenticate_request_t req = {.auth_bytes = {token, 4}};
    expect_request(0, &req, req_v0, sizeof req_v0);
    expect_request(2, &req, req_v2, sizeof req_v2);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_sasl_authenticate_request_t *q = decode_request(0, req_v0, sizeof req_v0, &a);
    cr_assert(q->auth_bytes.len == 4 && !memcmp(q->auth_bytes.ptr, token, 4));
    q = decode_request(2, req_v2, sizeof req_v2, &a);
    cr_assert(q->auth_bytes.len == 4 && !memcmp(q->auth_bytes.ptr, token, 4));
    kfk_arena_free(&a);
}

Test(sasl_authenticate, encodes_and_decodes_responses_v0_v1_v2) {
    kfk_sasl_authenticate_response_t ok = {
        .error_message = {NULL, -1}, .auth_bytes = {NULL, 0}, .session_lifetime_ms = 3600000};
    expect_response(0, &ok, resp_v0, sizeof resp_v0);
    expect_response(1, &ok, resp_v1, sizeof resp_v1);
    kfk_sasl_authenticate_response_t bad = {.error_code = KFK_ERR_SASL_AUTHENTICATION_FAILED,
                                            .error_message = KFK_STR("bad"),
                                            .auth_bytes = {NULL, 0}};
    expect_response(2, &bad, resp_v2, sizeof resp_v2);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_sasl_authenticate_response_t *r = decode_response(0, resp_v0, sizeof resp_v0, &a);
    cr_assert_eq(r->error_code, 0);
    cr_assert_eq(r->error_message.len, -1);
    cr_assert_eq(r->auth_bytes.len, 0);
    cr_assert_eq(r->session_lifetime_ms, 0);
    r = decode_response(1, resp_v1, sizeof resp_v1, &a);
    cr_assert_eq(r->session_lifetime_ms, 3600000);
    r = decode_response(2, resp_v2, sizeof resp_v2, &a);
    cr_assert_eq(r->error_code, KFK_ERR_SASL_AUTHENTICATION_FAILED);
    cr_assert(kfk_str_eq(r->error_message, "bad"));
    cr_assert_eq(r->session_lifetime_ms, 0);
    kfk_arena_free(&a);
}

Test(sasl_authenticate, request_and_response_round_trip_in_every_version) {
    const kfk_api_t *api = kfk_api_get(API);
    for (int16_t v = api->min_version; v <= api->max_version; v++) {
        static const uint8_t first[] = "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL";
        kfk_sasl_authenticate_request_t req = {.auth_bytes = {first, sizeof first - 1},
                                               .unknown_tags = UNKNOWN_TAGS};
        kfk_arena_t a;
        kfk_arena_init(&a);
        const kfk_sasl_authenticate_request_t *q =
            roundtrip(&kfk_sasl_authenticate_request_schema, v, &req, &a);
        cr_assert(bytes_is(q->auth_bytes, (const char *)first), "v%d", v);
        cr_assert(tags_kept(q->unknown_tags, v), "v%d", v);

        static const uint8_t server[] =
            "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096";
        kfk_sasl_authenticate_response_t resp = {.error_code = 0,
                                                 .error_message =
                                                     v % 2 ? KFK_STR("") : (kfk_str_t){NULL, -1},
                                                 .auth_bytes = {server, sizeof server - 1},
                                                 .session_lifetime_ms = INT64_MAX,
                                                 .unknown_tags = UNKNOWN_TAGS};
        const kfk_sasl_authenticate_response_t *r =
            roundtrip(&kfk_sasl_authenticate_response_schema, v, &resp, &a);
        cr_assert(kfk_str_eq(r->error_message, v % 2 ? "" : NULL), "v%d", v);
        cr_assert(bytes_is(r->auth_bytes, (const char *)server), "v%d", v);
        cr_assert_eq(r->session_lifetime_ms, v >= 1 ? INT64_MAX : 0, "v%d", v);
        cr_assert(tags_kept(r->unknown_tags, v), "v%d", v);
        kfk_arena_free(&a);
    }
}

Test(sasl_authenticate, refuses_null_auth_bytes) {
    kfk_sasl_authenticate_request_t req = {.auth_bytes = {NULL, -1}};
    expect_encode_refused(&kfk_sasl_authenticate_request_schema, 0, &req);
    expect_encode_refused(&kfk_sasl_authenticate_request_schema, 2, &req);
}

Test(sasl_authenticate, truncated_frames_fail_at_every_length) {
    expect_truncations_fail(true, 0, req_v0, sizeof req_v0);
    expect_truncations_fail(true, 2, req_v2, sizeof req_v2);
    expect_truncations_fail(false, 0, resp_v0, sizeof resp_v0);
    expect_truncations_fail(false, 1, resp_v1, sizeof resp_v1);
    expect_truncations_fail(false, 2, resp_v2, sizeof resp_v2);
}

Test(sasl_authenticate, hostile_lengths_are_bad_messages) {
    static const uint8_t huge[] = {0x7f, 0xff, 0xff, 0xff};
    static const uint8_t minus1_32[] = {0xff, 0xff, 0xff, 0xff};
    static const uint8_t minus2_32[] = {0xff, 0xff, 0xff, 0xfe};
    static const uint8_t minus2_16[] = {0xff, 0xfe};
    expect_bad_patch(true, 0, req_v0, sizeof req_v0, 17, huge, 4);
    expect_bad_patch(true, 0, req_v0, sizeof req_v0, 17, minus1_32, 4); /* not nullable */
    expect_bad_patch(true, 0, req_v0, sizeof req_v0, 17, minus2_32, 4);
    /* v0 response: error_message length at 10, auth_bytes length at 12. */
    expect_bad_patch(false, 0, resp_v0, sizeof resp_v0, 10, minus2_16, 2);
    expect_bad_patch(false, 0, resp_v0, sizeof resp_v0, 12, huge, 4);
    /* v2 request: a compact length that runs past the end. */
    static const uint8_t compact_big[] = {0x07};
    expect_bad_patch(true, 2, req_v2, sizeof req_v2, 18, compact_big, 1);
}
