/*
 * test_api_sasl_authenticate.c: SaslAuthenticate (key 36) tables, kfk versions 0-2 (flexible
 * from 2). Golden frames written by hand from the protocol spec (v0 and v2 both ways, v1
 * response), a round trip of every version, and malformed input.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "kfk/protocol.h"

#include "codec_check.h"

#define API KFK_API_SASL_AUTHENTICATE
#define CORR 7

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
    cc_expect_request(API, 0, CORR, &req, req_v0, sizeof req_v0);
    cc_expect_request(API, 2, CORR, &req, req_v2, sizeof req_v2);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_sasl_authenticate_request_t *q =
        cc_decode_request(API, 0, CORR, req_v0, sizeof req_v0, &a);
    cr_assert(q->auth_bytes.len == 4 && !memcmp(q->auth_bytes.ptr, token, 4));
    q = cc_decode_request(API, 2, CORR, req_v2, sizeof req_v2, &a);
    cr_assert(q->auth_bytes.len == 4 && !memcmp(q->auth_bytes.ptr, token, 4));
    kfk_arena_free(&a);
}

Test(sasl_authenticate, encodes_and_decodes_responses_v0_v1_v2) {
    kfk_sasl_authenticate_response_t ok = {
        .error_message = {NULL, -1}, .auth_bytes = {NULL, 0}, .session_lifetime_ms = 3600000};
    cc_expect_response(API, 0, CORR, &ok, resp_v0, sizeof resp_v0);
    cc_expect_response(API, 1, CORR, &ok, resp_v1, sizeof resp_v1);
    kfk_sasl_authenticate_response_t bad = {.error_code = KFK_ERR_SASL_AUTHENTICATION_FAILED,
                                            .error_message = KFK_STR("bad"),
                                            .auth_bytes = {NULL, 0}};
    cc_expect_response(API, 2, CORR, &bad, resp_v2, sizeof resp_v2);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_sasl_authenticate_response_t *r =
        cc_decode_response(API, 0, CORR, resp_v0, sizeof resp_v0, &a);
    cr_assert_eq(r->error_code, 0);
    cr_assert_eq(r->error_message.len, -1);
    cr_assert_eq(r->auth_bytes.len, 0);
    cr_assert_eq(r->session_lifetime_ms, 0);
    r = cc_decode_response(API, 1, CORR, resp_v1, sizeof resp_v1, &a);
    cr_assert_eq(r->session_lifetime_ms, 3600000);
    r = cc_decode_response(API, 2, CORR, resp_v2, sizeof resp_v2, &a);
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
                                               .unknown_tags = CC_UNKNOWN_TAGS};
        kfk_arena_t a;
        kfk_arena_init(&a);
        const kfk_sasl_authenticate_request_t *q =
            cc_round_trip(API, &kfk_sasl_authenticate_request_schema, v, &req, &a);
        cr_assert(cc_bytes_is(q->auth_bytes, (const char *)first), "v%d", v);
        cr_assert(cc_tags_kept(API, q->unknown_tags, v), "v%d", v);

        static const uint8_t server[] =
            "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096";
        kfk_sasl_authenticate_response_t resp = {.error_code = 0,
                                                 .error_message =
                                                     v % 2 ? KFK_STR("") : (kfk_str_t){NULL, -1},
                                                 .auth_bytes = {server, sizeof server - 1},
                                                 .session_lifetime_ms = INT64_MAX,
                                                 .unknown_tags = CC_UNKNOWN_TAGS};
        const kfk_sasl_authenticate_response_t *r =
            cc_round_trip(API, &kfk_sasl_authenticate_response_schema, v, &resp, &a);
        cr_assert(kfk_str_eq(r->error_message, v % 2 ? "" : NULL), "v%d", v);
        cr_assert(cc_bytes_is(r->auth_bytes, (const char *)server), "v%d", v);
        cr_assert_eq(r->session_lifetime_ms, v >= 1 ? INT64_MAX : 0, "v%d", v);
        cr_assert(cc_tags_kept(API, r->unknown_tags, v), "v%d", v);
        kfk_arena_free(&a);
    }
}

Test(sasl_authenticate, refuses_null_auth_bytes) {
    kfk_sasl_authenticate_request_t req = {.auth_bytes = {NULL, -1}};
    cc_expect_encode_refused(API, &kfk_sasl_authenticate_request_schema, 0, &req);
    cc_expect_encode_refused(API, &kfk_sasl_authenticate_request_schema, 2, &req);
}

Test(sasl_authenticate, truncated_frames_fail_at_every_length) {
    cc_expect_truncations_fail(API, true, 0, req_v0, sizeof req_v0);
    cc_expect_truncations_fail(API, true, 2, req_v2, sizeof req_v2);
    cc_expect_truncations_fail(API, false, 0, resp_v0, sizeof resp_v0);
    cc_expect_truncations_fail(API, false, 1, resp_v1, sizeof resp_v1);
    cc_expect_truncations_fail(API, false, 2, resp_v2, sizeof resp_v2);
}

Test(sasl_authenticate, hostile_lengths_are_bad_messages) {
    static const uint8_t huge[] = {0x7f, 0xff, 0xff, 0xff};
    static const uint8_t minus1_32[] = {0xff, 0xff, 0xff, 0xff};
    static const uint8_t minus2_32[] = {0xff, 0xff, 0xff, 0xfe};
    static const uint8_t minus2_16[] = {0xff, 0xfe};
    cc_expect_bad_patch(API, true, 0, req_v0, sizeof req_v0, 17, huge, 4);
    cc_expect_bad_patch(API, true, 0, req_v0, sizeof req_v0, 17, minus1_32, 4); /* not nullable */
    cc_expect_bad_patch(API, true, 0, req_v0, sizeof req_v0, 17, minus2_32, 4);
    /* v0 response: error_message length at 10, auth_bytes length at 12. */
    cc_expect_bad_patch(API, false, 0, resp_v0, sizeof resp_v0, 10, minus2_16, 2);
    cc_expect_bad_patch(API, false, 0, resp_v0, sizeof resp_v0, 12, huge, 4);
    /* v2 request: a compact length that runs past the end. */
    static const uint8_t compact_big[] = {0x07};
    cc_expect_bad_patch(API, true, 2, req_v2, sizeof req_v2, 18, compact_big, 1);
}
