/*
 * test_api_find_coordinator.c: FindCoordinator (key 10) tables, kfk versions 0-3 (flexible from
 * 3, the last version with a single Key). Golden frames written by hand from the protocol spec,
 * a round trip of every version, and malformed input.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "kfk/protocol.h"

#define API KFK_API_FIND_COORDINATOR
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

/* True when the decoded unknown tags are ours (flexible versions) or empty (others). */
static bool tags_kept(kfk_bytes_t t, int16_t version) {
    if (!kfk_api_is_flexible(API, version))
        return t.len <= 0;
    return t.len == (int32_t)sizeof unknown_tag && !memcmp(t.ptr, unknown_tag, sizeof unknown_tag);
}

/* ---- golden frames ---------------------------------------------------------------------- */

/* Request v0: the coordinator of group "g1". */
static const uint8_t req_v0[] = {
    0x00, 0x00, 0x00, 0x11,      /* frame size 17 */
    0x00, 0x0a, 0x00, 0x00,      /* api_key 10, api_version 0 */
    0x00, 0x00, 0x00, 0x07,      /* correlation_id 7 */
    0x00, 0x03, 'k',  'f',  'k', /* client_id "kfk" */
    0x00, 0x02, 'g',  '1',       /* key "g1" */
};

/* Request v3 (first flexible): the coordinator of transactional id "g1". */
static const uint8_t req_v3[] = {
    0x00, 0x00, 0x00, 0x13,      /* frame size 19 */
    0x00, 0x0a, 0x00, 0x03,      /* api_key 10, api_version 3 */
    0x00, 0x00, 0x00, 0x07,      /* correlation_id 7 */
    0x00, 0x03, 'k',  'f',  'k', /* client_id "kfk" */
    0x00,                        /* header tagged fields */
    0x03, 'g',  '1',             /* key: compact "g1" */
    0x01,                        /* key_type 1 (transaction) */
    0x00,                        /* tagged fields */
};

/* Response v0: node 1 at h1:9092. */
static const uint8_t resp_v0[] = {
    0x00, 0x00, 0x00, 0x12, /* frame size 18 */
    0x00, 0x00, 0x00, 0x07, /* correlation_id 7 */
    0x00, 0x00,             /* error_code 0 */
    0x00, 0x00, 0x00, 0x01, /* node_id 1 */
    0x00, 0x02, 'h',  '1',  /* host "h1" */
    0x00, 0x00, 0x23, 0x84, /* port 9092 */
};

/* Response v3: COORDINATOR_NOT_AVAILABLE, no message, no node. */
static const uint8_t resp_v3[] = {
    0x00, 0x00, 0x00, 0x16, /* frame size 22 */
    0x00, 0x00, 0x00, 0x07, /* correlation_id 7 */
    0x00,                   /* header tagged fields */
    0x00, 0x00, 0x00, 0x00, /* throttle_time_ms 0 */
    0x00, 0x0f,             /* error_code 15 */
    0x00,                   /* error_message null */
    0xff, 0xff, 0xff, 0xff, /* node_id -1 */
    0x01,                   /* host "" */
    0xff, 0xff, 0xff, 0xff, /* port -1 */
    0x00,                   /* tagged fields */
};

Test(find_coordinator, encodes_and_decodes_request_v0) {
    kfk_find_coordinator_request_t req = {.key = KFK_STR("g1"), .key_type = 1 /* not in v0 */};
    expect_request(0, &req, req_v0, sizeof req_v0);
    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_find_coordinator_request_t *d = decode_request(0, req_v0, sizeof req_v0, &a);
    cr_assert(kfk_str_eq(d->key, "g1"));
    cr_assert_eq(d->key_type, 0);
    kfk_arena_free(&a);
}

Test(find_coordinator, encodes_and_decodes_request_v3_flexible) {
    kfk_find_coordinator_request_t req = {.key = KFK_STR("g1"), .key_type = 1};
    expect_request(3, &req, req_v3, sizeof req_v3);
    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_find_coordinator_request_t *d = decode_request(3, req_v3, sizeof req_v3, &a);
    cr_assert(kfk_str_eq(d->key, "g1"));
    cr_assert_eq(d->key_type, 1);
    kfk_arena_free(&a);
}

Test(find_coordinator, encodes_and_decodes_response_v0) {
    kfk_find_coordinator_response_t resp = {.throttle_time_ms = 9,         /* not in v0 */
                                            .error_message = KFK_STR("x"), /* not in v0 */
                                            .node_id = 1,
                                            .host = KFK_STR("h1"),
                                            .port = 9092};
    expect_response(0, &resp, resp_v0, sizeof resp_v0);
    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_find_coordinator_response_t *d = decode_response(0, resp_v0, sizeof resp_v0, &a);
    cr_assert_eq(d->throttle_time_ms, 0);
    cr_assert_eq(d->error_code, 0);
    cr_assert_eq(d->error_message.len, 0, "absent in v0: default empty");
    cr_assert_eq(d->node_id, 1);
    cr_assert(kfk_str_eq(d->host, "h1"));
    cr_assert_eq(d->port, 9092);
    kfk_arena_free(&a);
}

Test(find_coordinator, encodes_and_decodes_response_v3_flexible) {
    kfk_find_coordinator_response_t resp = {.error_code = KFK_ERR_COORDINATOR_NOT_AVAILABLE,
                                            .error_message = {NULL, -1},
                                            .node_id = -1,
                                            .host = KFK_STR(""),
                                            .port = -1};
    expect_response(3, &resp, resp_v3, sizeof resp_v3);
    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_find_coordinator_response_t *d = decode_response(3, resp_v3, sizeof resp_v3, &a);
    cr_assert_eq(d->error_code, KFK_ERR_COORDINATOR_NOT_AVAILABLE);
    cr_assert_eq(d->error_message.len, -1);
    cr_assert_eq(d->node_id, -1);
    cr_assert_eq(d->host.len, 0);
    cr_assert_eq(d->port, -1);
    kfk_arena_free(&a);
}

Test(find_coordinator, request_and_response_round_trip_in_every_version) {
    const kfk_api_t *api = kfk_api_get(API);
    for (int16_t v = api->min_version; v <= api->max_version; v++) {
        kfk_find_coordinator_request_t req = {
            .key = KFK_STR("txn-1"), .key_type = 1, .unknown_tags = UNKNOWN_TAGS};
        kfk_arena_t a;
        kfk_arena_init(&a);
        const kfk_find_coordinator_request_t *dq =
            roundtrip(&kfk_find_coordinator_request_schema, v, &req, &a);
        cr_assert(kfk_str_eq(dq->key, "txn-1"), "v%d", v);
        cr_assert_eq(dq->key_type, v >= 1 ? 1 : 0, "v%d", v);
        cr_assert(tags_kept(dq->unknown_tags, v), "v%d", v);

        kfk_find_coordinator_response_t resp = {.throttle_time_ms = 3,
                                                .error_code = KFK_ERR_NOT_COORDINATOR,
                                                .error_message = v % 2 ? KFK_STR("moved")
                                                                       : (kfk_str_t){NULL, -1},
                                                .node_id = 4,
                                                .host = KFK_STR("broker-4"),
                                                .port = 29092,
                                                .unknown_tags = UNKNOWN_TAGS};
        const kfk_find_coordinator_response_t *dr =
            roundtrip(&kfk_find_coordinator_response_schema, v, &resp, &a);
        cr_assert_eq(dr->throttle_time_ms, v >= 1 ? 3 : 0, "v%d", v);
        cr_assert_eq(dr->error_code, KFK_ERR_NOT_COORDINATOR, "v%d", v);
        cr_assert(kfk_str_eq(dr->error_message, v == 0 ? "" : v % 2 ? "moved" : NULL), "v%d", v);
        cr_assert_eq(dr->node_id, 4, "v%d", v);
        cr_assert(kfk_str_eq(dr->host, "broker-4"), "v%d", v);
        cr_assert_eq(dr->port, 29092, "v%d", v);
        cr_assert(tags_kept(dr->unknown_tags, v), "v%d", v);
        kfk_arena_free(&a);
    }
}

Test(find_coordinator, refuses_nulls_the_version_does_not_allow) {
    kfk_find_coordinator_request_t req = {.key = {NULL, -1}};
    expect_encode_refused(&kfk_find_coordinator_request_schema, 3, &req);
    kfk_find_coordinator_response_t resp = {.host = {NULL, -1}};
    expect_encode_refused(&kfk_find_coordinator_response_schema, 3, &resp);
}

Test(find_coordinator, truncated_frames_fail_at_every_length) {
    expect_truncations_fail(true, 0, req_v0, sizeof req_v0);
    expect_truncations_fail(true, 3, req_v3, sizeof req_v3);
    expect_truncations_fail(false, 0, resp_v0, sizeof resp_v0);
    expect_truncations_fail(false, 3, resp_v3, sizeof resp_v3);
}

Test(find_coordinator, hostile_lengths_are_bad_messages) {
    static const uint8_t past_end[] = {0x7f, 0xff};
    static const uint8_t minus1[] = {0xff, 0xff};
    static const uint8_t minus2[] = {0xff, 0xfe};
    static const uint8_t compact_past_end[] = {0x40};
    expect_bad_patch(true, 0, req_v0, sizeof req_v0, 17, past_end, 2); /* key */
    expect_bad_patch(true, 0, req_v0, sizeof req_v0, 17, minus1, 2);   /* key is not nullable */
    expect_bad_patch(true, 0, req_v0, sizeof req_v0, 17, minus2, 2);
    expect_bad_patch(false, 0, resp_v0, sizeof resp_v0, 14, past_end, 2); /* host */
    expect_bad_patch(false, 0, resp_v0, sizeof resp_v0, 14, minus2, 2);
    expect_bad_patch(false, 3, resp_v3, sizeof resp_v3, 15, compact_past_end, 1); /* message */
    expect_bad_patch(false, 3, resp_v3, sizeof resp_v3, 20, (const uint8_t[]){0x00}, 1); /* host */
}
