/*
 * test_api_find_coordinator.c: FindCoordinator (key 10) tables, kfk versions 0-3 (flexible from
 * 3, the last version with a single Key). Golden frames written by hand from the protocol spec,
 * a round trip of every version, and malformed input.
 */
#include <criterion/criterion.h>

#include "kfk/protocol.h"

#include "codec_check.h"

#define API KFK_API_FIND_COORDINATOR
#define CORR 7

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
    cc_expect_request(API, 0, CORR, &req, req_v0, sizeof req_v0);
    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_find_coordinator_request_t *d =
        cc_decode_request(API, 0, CORR, req_v0, sizeof req_v0, &a);
    cr_assert(kfk_str_eq(d->key, "g1"));
    cr_assert_eq(d->key_type, 0);
    kfk_arena_free(&a);
}

Test(find_coordinator, encodes_and_decodes_request_v3_flexible) {
    kfk_find_coordinator_request_t req = {.key = KFK_STR("g1"), .key_type = 1};
    cc_expect_request(API, 3, CORR, &req, req_v3, sizeof req_v3);
    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_find_coordinator_request_t *d =
        cc_decode_request(API, 3, CORR, req_v3, sizeof req_v3, &a);
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
    cc_expect_response(API, 0, CORR, &resp, resp_v0, sizeof resp_v0);
    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_find_coordinator_response_t *d =
        cc_decode_response(API, 0, CORR, resp_v0, sizeof resp_v0, &a);
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
    cc_expect_response(API, 3, CORR, &resp, resp_v3, sizeof resp_v3);
    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_find_coordinator_response_t *d =
        cc_decode_response(API, 3, CORR, resp_v3, sizeof resp_v3, &a);
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
            .key = KFK_STR("txn-1"), .key_type = 1, .unknown_tags = CC_UNKNOWN_TAGS};
        kfk_arena_t a;
        kfk_arena_init(&a);
        const kfk_find_coordinator_request_t *dq =
            cc_round_trip(API, &kfk_find_coordinator_request_schema, v, &req, &a);
        cr_assert(kfk_str_eq(dq->key, "txn-1"), "v%d", v);
        cr_assert_eq(dq->key_type, v >= 1 ? 1 : 0, "v%d", v);
        cr_assert(cc_tags_kept(API, dq->unknown_tags, v), "v%d", v);

        kfk_find_coordinator_response_t resp = {.throttle_time_ms = 3,
                                                .error_code = KFK_ERR_NOT_COORDINATOR,
                                                .error_message = v % 2 ? KFK_STR("moved")
                                                                       : (kfk_str_t){NULL, -1},
                                                .node_id = 4,
                                                .host = KFK_STR("broker-4"),
                                                .port = 29092,
                                                .unknown_tags = CC_UNKNOWN_TAGS};
        const kfk_find_coordinator_response_t *dr =
            cc_round_trip(API, &kfk_find_coordinator_response_schema, v, &resp, &a);
        cr_assert_eq(dr->throttle_time_ms, v >= 1 ? 3 : 0, "v%d", v);
        cr_assert_eq(dr->error_code, KFK_ERR_NOT_COORDINATOR, "v%d", v);
        cr_assert(kfk_str_eq(dr->error_message, v == 0 ? "" : v % 2 ? "moved" : NULL), "v%d", v);
        cr_assert_eq(dr->node_id, 4, "v%d", v);
        cr_assert(kfk_str_eq(dr->host, "broker-4"), "v%d", v);
        cr_assert_eq(dr->port, 29092, "v%d", v);
        cr_assert(cc_tags_kept(API, dr->unknown_tags, v), "v%d", v);
        kfk_arena_free(&a);
    }
}

Test(find_coordinator, refuses_nulls_the_version_does_not_allow) {
    kfk_find_coordinator_request_t req = {.key = {NULL, -1}};
    cc_expect_encode_refused(API, &kfk_find_coordinator_request_schema, 3, &req);
    kfk_find_coordinator_response_t resp = {.host = {NULL, -1}};
    cc_expect_encode_refused(API, &kfk_find_coordinator_response_schema, 3, &resp);
}

Test(find_coordinator, truncated_frames_fail_at_every_length) {
    cc_expect_truncations_fail(API, true, 0, req_v0, sizeof req_v0);
    cc_expect_truncations_fail(API, true, 3, req_v3, sizeof req_v3);
    cc_expect_truncations_fail(API, false, 0, resp_v0, sizeof resp_v0);
    cc_expect_truncations_fail(API, false, 3, resp_v3, sizeof resp_v3);
}

Test(find_coordinator, hostile_lengths_are_bad_messages) {
    static const uint8_t past_end[] = {0x7f, 0xff};
    static const uint8_t minus1[] = {0xff, 0xff};
    static const uint8_t minus2[] = {0xff, 0xfe};
    static const uint8_t compact_past_end[] = {0x40};
    cc_expect_bad_patch(API, true, 0, req_v0, sizeof req_v0, 17, past_end, 2); /* key */
    /* key is not nullable */
    cc_expect_bad_patch(API, true, 0, req_v0, sizeof req_v0, 17, minus1, 2);
    cc_expect_bad_patch(API, true, 0, req_v0, sizeof req_v0, 17, minus2, 2);
    cc_expect_bad_patch(API, false, 0, resp_v0, sizeof resp_v0, 14, past_end, 2); /* host */
    cc_expect_bad_patch(API, false, 0, resp_v0, sizeof resp_v0, 14, minus2, 2);
    /* message */
    cc_expect_bad_patch(API, false, 3, resp_v3, sizeof resp_v3, 15, compact_past_end, 1);
    /* host */
    cc_expect_bad_patch(API, false, 3, resp_v3, sizeof resp_v3, 20, (const uint8_t[]){0x00}, 1);
}
