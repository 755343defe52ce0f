/*
 * test_api_heartbeat.c: Heartbeat (key 12) tables, kfk versions 0-4 (flexible from 4). Golden
 * frames written by hand from the protocol spec (v0 and v4 both ways), a round trip of every
 * version, and malformed input.
 */
#include <criterion/criterion.h>

#include "kfk/protocol.h"

#include "codec_check.h"

#define API KFK_API_HEARTBEAT
#define CORR 7

/* ---- golden frames ---------------------------------------------------------------------- */

/* Request v0. */
static const uint8_t req_v0[] = {
    0x00, 0x00, 0x00, 0x18,      /* frame size 24 */
    0x00, 0x0c, 0x00, 0x00,      /* api_key 12, api_version 0 */
    0x00, 0x00, 0x00, 0x07,      /* correlation_id 7 */
    0x00, 0x03, 'k',  'f',  'k', /* client_id "kfk" */
    0x00, 0x01, 'g',             /* group_id "g" */
    0x00, 0x00, 0x00, 0x01,      /* generation_id 1 */
    0x00, 0x02, 'm',  '1',       /* member_id "m1" */
};

/* Request v4 (first flexible): a dynamic member (no instance id). */
static const uint8_t req_v4[] = {
    0x00, 0x00, 0x00, 0x19,      /* frame size 25 */
    0x00, 0x0c, 0x00, 0x04,      /* api_key 12, api_version 4 */
    0x00, 0x00, 0x00, 0x07,      /* correlation_id 7 */
    0x00, 0x03, 'k',  'f',  'k', /* client_id "kfk" */
    0x00,                        /* header tagged fields */
    0x02, 'g',                   /* group_id "g" */
    0x00, 0x00, 0x00, 0x01,      /* generation_id 1 */
    0x03, 'm',  '1',             /* member_id "m1" */
    0x00,                        /* group_instance_id null */
    0x00,                        /* tagged fields */
};

/* Response v0. */
static const uint8_t resp_v0[] = {
    0x00, 0x00, 0x00, 0x06, /* frame size 6 */
    0x00, 0x00, 0x00, 0x07, /* correlation_id 7 */
    0x00, 0x00,             /* error_code 0 */
};

/* Response v4 (first flexible): REBALANCE_IN_PROGRESS. */
static const uint8_t resp_v4[] = {
    0x00, 0x00, 0x00, 0x0c, /* frame size 12 */
    0x00, 0x00, 0x00, 0x07, /* correlation_id 7 */
    0x00,                   /* header tagged fields */
    0x00, 0x00, 0x00, 0x00, /* throttle_time_ms 0 */
    0x00, 0x1b,             /* error_code 27 */
    0x00,                   /* tagged fields */
};

Test(heartbeat, encodes_and_decodes_golden_frames) {
    kfk_heartbeat_request_t req = {.group_id = KFK_STR("g"),
                                   .generation_id = 1,
                                   .member_id = KFK_STR("m1"),
                                   .group_instance_id = {NULL, -1}};
    cc_expect_request(API, 0, CORR, &req, req_v0, sizeof req_v0);
    cc_expect_request(API, 4, CORR, &req, req_v4, sizeof req_v4);
    kfk_heartbeat_response_t ok = {.throttle_time_ms = 3 /* not in v0 */};
    cc_expect_response(API, 0, CORR, &ok, resp_v0, sizeof resp_v0);
    kfk_heartbeat_response_t rebal = {.error_code = KFK_ERR_REBALANCE_IN_PROGRESS};
    cc_expect_response(API, 4, CORR, &rebal, resp_v4, sizeof resp_v4);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_heartbeat_request_t *q = cc_decode_request(API, 0, CORR, req_v0, sizeof req_v0, &a);
    cr_assert(kfk_str_eq(q->group_id, "g"));
    cr_assert_eq(q->generation_id, 1);
    cr_assert(kfk_str_eq(q->member_id, "m1"));
    cr_assert_eq(q->group_instance_id.len, -1);
    q = cc_decode_request(API, 4, CORR, req_v4, sizeof req_v4, &a);
    cr_assert(kfk_str_eq(q->member_id, "m1"));
    cr_assert_eq(q->group_instance_id.len, -1);
    const kfk_heartbeat_response_t *r =
        cc_decode_response(API, 0, CORR, resp_v0, sizeof resp_v0, &a);
    cr_assert_eq(r->error_code, 0);
    cr_assert_eq(r->throttle_time_ms, 0);
    r = cc_decode_response(API, 4, CORR, resp_v4, sizeof resp_v4, &a);
    cr_assert_eq(r->error_code, KFK_ERR_REBALANCE_IN_PROGRESS);
    kfk_arena_free(&a);
}

Test(heartbeat, request_and_response_round_trip_in_every_version) {
    const kfk_api_t *api = kfk_api_get(API);
    for (int16_t v = api->min_version; v <= api->max_version; v++) {
        kfk_heartbeat_request_t req = {.group_id = KFK_STR("group"),
                                       .generation_id = 42,
                                       .member_id = KFK_STR("member"),
                                       .group_instance_id = KFK_STR("instance"),
                                       .unknown_tags = CC_UNKNOWN_TAGS};
        kfk_arena_t a;
        kfk_arena_init(&a);
        const kfk_heartbeat_request_t *q =
            cc_round_trip(API, &kfk_heartbeat_request_schema, v, &req, &a);
        cr_assert(kfk_str_eq(q->group_id, "group"), "v%d", v);
        cr_assert_eq(q->generation_id, 42, "v%d", v);
        cr_assert(kfk_str_eq(q->member_id, "member"), "v%d", v);
        cr_assert(kfk_str_eq(q->group_instance_id, v >= 3 ? "instance" : NULL), "v%d", v);
        cr_assert(cc_tags_kept(API, q->unknown_tags, v), "v%d", v);
        req.group_instance_id = (kfk_str_t){NULL, -1};
        q = cc_round_trip(API, &kfk_heartbeat_request_schema, v, &req, &a);
        cr_assert_eq(q->group_instance_id.len, -1, "v%d", v);

        kfk_heartbeat_response_t resp = {.throttle_time_ms = 100,
                                         .error_code = KFK_ERR_FENCED_INSTANCE_ID,
                                         .unknown_tags = CC_UNKNOWN_TAGS};
        const kfk_heartbeat_response_t *r =
            cc_round_trip(API, &kfk_heartbeat_response_schema, v, &resp, &a);
        cr_assert_eq(r->throttle_time_ms, v >= 1 ? 100 : 0, "v%d", v);
        cr_assert_eq(r->error_code, KFK_ERR_FENCED_INSTANCE_ID, "v%d", v);
        cr_assert(cc_tags_kept(API, r->unknown_tags, v), "v%d", v);
        kfk_arena_free(&a);
    }
}

Test(heartbeat, refuses_nulls_the_version_does_not_allow) {
    kfk_heartbeat_request_t req = {.group_id = KFK_STR("g"), .member_id = {NULL, -1}};
    cc_expect_encode_refused(API, &kfk_heartbeat_request_schema, 4, &req);
}

Test(heartbeat, truncated_frames_fail_at_every_length) {
    cc_expect_truncations_fail(API, true, 0, req_v0, sizeof req_v0);
    cc_expect_truncations_fail(API, true, 4, req_v4, sizeof req_v4);
    cc_expect_truncations_fail(API, false, 0, resp_v0, sizeof resp_v0);
    cc_expect_truncations_fail(API, false, 4, resp_v4, sizeof resp_v4);
}

Test(heartbeat, hostile_lengths_are_bad_messages) {
    static const uint8_t past_end[] = {0x7f, 0xff};
    static const uint8_t minus1[] = {0xff, 0xff};
    static const uint8_t minus2[] = {0xff, 0xfe};
    /* v0 request: group_id length at 17, member_id length at 24. */
    cc_expect_bad_patch(API, true, 0, req_v0, sizeof req_v0, 17, past_end, 2);
    cc_expect_bad_patch(API, true, 0, req_v0, sizeof req_v0, 17, minus2, 2);
    cc_expect_bad_patch(API, true, 0, req_v0, sizeof req_v0, 24, minus1, 2); /* not nullable */
    /* v4 request: member_id compact length (at 24) past the end; tagged-field count huge. */
    static const uint8_t len_big[] = {0x20};
    cc_expect_bad_patch(API, true, 4, req_v4, sizeof req_v4, 24, len_big, 1);
    static const uint8_t tags_huge[] = {0x7f};
    cc_expect_bad_patch(API, false, 4, resp_v4, sizeof resp_v4, 15, tags_huge, 1);
}
