/*
 * test_api_sasl_handshake.c: SaslHandshake (key 17) tables, kfk versions 0-1 (never flexible).
 * Golden frames written by hand from the protocol spec (v0 and v1 both ways), a round trip of
 * every version, and malformed input.
 */
#include <criterion/criterion.h>

#include "kfk/protocol.h"

#include "codec_check.h"

#define API KFK_API_SASL_HANDSHAKE
#define CORR 7

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
    cc_expect_request(API, 0, CORR, &req, req_v0, sizeof req_v0);
    cc_expect_request(API, 1, CORR, &req, req_v1, sizeof req_v1);
    kfk_str_t mechs[] = {KFK_STR("PLAIN"), KFK_STR("SCRAM-SHA-256")};
    kfk_sasl_handshake_response_t ok = {.mechanisms = KFK_ARRAY_OF(mechs)};
    cc_expect_response(API, 0, CORR, &ok, resp_v0, sizeof resp_v0);
    kfk_sasl_handshake_response_t bad = {.error_code = KFK_ERR_UNSUPPORTED_SASL_MECHANISM,
                                         .mechanisms = {mechs, 1}};
    cc_expect_response(API, 1, CORR, &bad, resp_v1, sizeof resp_v1);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_sasl_handshake_request_t *q =
        cc_decode_request(API, 0, CORR, req_v0, sizeof req_v0, &a);
    cr_assert(kfk_str_eq(q->mechanism, "PLAIN"));
    q = cc_decode_request(API, 1, CORR, req_v1, sizeof req_v1, &a);
    cr_assert(kfk_str_eq(q->mechanism, "PLAIN"));
    const kfk_sasl_handshake_response_t *r =
        cc_decode_response(API, 0, CORR, resp_v0, sizeof resp_v0, &a);
    cr_assert_eq(r->error_code, 0);
    cr_assert_eq(r->mechanisms.count, 2);
    cr_assert(kfk_str_eq(KFK_ARRAY_AT(r->mechanisms, kfk_str_t, 1), "SCRAM-SHA-256"));
    r = cc_decode_response(API, 1, CORR, resp_v1, sizeof resp_v1, &a);
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
            cc_round_trip(API, &kfk_sasl_handshake_request_schema, v, &req, &a);
        cr_assert(kfk_str_eq(q->mechanism, "SCRAM-SHA-512"), "v%d", v);
        kfk_str_t mechs[] = {KFK_STR("GSSAPI"), KFK_STR(""), KFK_STR("OAUTHBEARER")};
        kfk_sasl_handshake_response_t resp = {.error_code = KFK_ERR_ILLEGAL_SASL_STATE,
                                              .mechanisms = KFK_ARRAY_OF(mechs)};
        const kfk_sasl_handshake_response_t *r =
            cc_round_trip(API, &kfk_sasl_handshake_response_schema, v, &resp, &a);
        cr_assert_eq(r->error_code, KFK_ERR_ILLEGAL_SASL_STATE, "v%d", v);
        cr_assert_eq(r->mechanisms.count, 3, "v%d", v);
        cr_assert(kfk_str_eq(KFK_ARRAY_AT(r->mechanisms, kfk_str_t, 1), ""), "v%d", v);
        cr_assert(kfk_str_eq(KFK_ARRAY_AT(r->mechanisms, kfk_str_t, 2), "OAUTHBEARER"), "v%d", v);
        kfk_arena_free(&a);
    }
}

Test(sasl_handshake, refuses_nulls_the_version_does_not_allow) {
    kfk_sasl_handshake_request_t req = {.mechanism = {NULL, -1}};
    cc_expect_encode_refused(API, &kfk_sasl_handshake_request_schema, 1, &req);
    kfk_str_t mechs[] = {{NULL, -1}};
    kfk_sasl_handshake_response_t resp = {.mechanisms = KFK_ARRAY_OF(mechs)};
    cc_expect_encode_refused(API, &kfk_sasl_handshake_response_schema, 1, &resp);
    kfk_sasl_handshake_response_t resp2 = {.mechanisms = {NULL, -1}};
    cc_expect_encode_refused(API, &kfk_sasl_handshake_response_schema, 1, &resp2);
}

Test(sasl_handshake, truncated_frames_fail_at_every_length) {
    cc_expect_truncations_fail(API, true, 0, req_v0, sizeof req_v0);
    cc_expect_truncations_fail(API, true, 1, req_v1, sizeof req_v1);
    cc_expect_truncations_fail(API, false, 0, resp_v0, sizeof resp_v0);
    cc_expect_truncations_fail(API, false, 1, resp_v1, sizeof resp_v1);
}

Test(sasl_handshake, hostile_counts_and_lengths_are_bad_messages) {
    static const uint8_t huge[] = {0x7f, 0xff, 0xff, 0xff};
    static const uint8_t minus1_32[] = {0xff, 0xff, 0xff, 0xff};
    static const uint8_t minus2_32[] = {0xff, 0xff, 0xff, 0xfe};
    static const uint8_t minus1_16[] = {0xff, 0xff};
    static const uint8_t minus2_16[] = {0xff, 0xfe};
    static const uint8_t past_end[] = {0x00, 0x40};
    /* v1 response: mechanisms count at 10, first mechanism length at 14. */
    cc_expect_bad_patch(API, false, 1, resp_v1, sizeof resp_v1, 10, huge, 4);
    cc_expect_bad_patch(API, false, 1, resp_v1, sizeof resp_v1, 10, minus1_32, 4);
    cc_expect_bad_patch(API, false, 1, resp_v1, sizeof resp_v1, 10, minus2_32, 4);
    /* null element */
    cc_expect_bad_patch(API, false, 1, resp_v1, sizeof resp_v1, 14, minus1_16, 2);
    cc_expect_bad_patch(API, false, 1, resp_v1, sizeof resp_v1, 14, minus2_16, 2);
    cc_expect_bad_patch(API, false, 1, resp_v1, sizeof resp_v1, 14, past_end, 2);
    /* v0 request: mechanism length at 17. */
    cc_expect_bad_patch(API, true, 0, req_v0, sizeof req_v0, 17, past_end, 2);
    cc_expect_bad_patch(API, true, 0, req_v0, sizeof req_v0, 17, minus1_16, 2);
}
