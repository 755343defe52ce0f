/*
 * test_api_create_partitions.c: CreatePartitions (key 37) tables, kfk versions 0-3 (flexible
 * from 2). Golden frames written by hand from the protocol spec (v0 and v2 both ways), a round
 * trip of every version, malformed input.
 */
#include <criterion/criterion.h>

#include "kfk/protocol.h"

#include "codec_check.h"

#define API KFK_API_CREATE_PARTITIONS
#define CORR 7

typedef kfk_create_partitions_request_create_partitions_topic_t topic_t;
typedef kfk_create_partitions_request_create_partitions_assignment_t assignment_t;
typedef kfk_create_partitions_response_create_partitions_topic_result_t result_t;

/* ---- golden frames ---------------------------------------------------------------------- */

/* Request v0: topic "t" grows to 3 partitions placed by the controller, validated only. */
static const uint8_t req_v0[] = {
    0x00, 0x00, 0x00, 0x21,      /* frame size 33 */
    0x00, 0x25, 0x00, 0x00,      /* api_key 37, api_version 0 */
    0x00, 0x00, 0x00, 0x07,      /* correlation_id 7 */
    0x00, 0x03, 'k',  'f',  'k', /* client_id "kfk" */
    0x00, 0x00, 0x00, 0x01,      /* topics: 1 */
    0x00, 0x01, 't',             /*   name "t" */
    0x00, 0x00, 0x00, 0x03,      /*   count 3 */
    0xff, 0xff, 0xff, 0xff,      /*   assignments null */
    0x00, 0x00, 0x03, 0xe8,      /* timeout_ms 1000 */
    0x01,                        /* validate_only true */
};

/* Request v2 (first flexible): topic "t" grows to 2, the new partition on brokers 1 and 2. */
static const uint8_t req_v2[] = {
    0x00, 0x00, 0x00, 0x27,      /* frame size 39 */
    0x00, 0x25, 0x00, 0x02,      /* api_key 37, api_version 2 */
    0x00, 0x00, 0x00, 0x07,      /* correlation_id 7 */
    0x00, 0x03, 'k',  'f',  'k', /* client_id "kfk" */
    0x00,                        /* header tagged fields */
    0x02,                        /* topics: 1 */
    0x02, 't',                   /*   name "t" */
    0x00, 0x00, 0x00, 0x02,      /*   count 2 */
    0x02,                        /*   assignments: 1 */
    0x03,                        /*     broker_ids: 2 */
    0x00, 0x00, 0x00, 0x01,      /*       1 */
    0x00, 0x00, 0x00, 0x02,      /*       2 */
    0x00,                        /*     assignment tagged fields */
    0x00,                        /*   topic tagged fields */
    0x00, 0x00, 0x03, 0xe8,      /* timeout_ms 1000 */
    0x00,                        /* validate_only false */
    0x00,                        /* tagged fields */
};

/* Response v0: "t" grown. */
static const uint8_t resp_v0[] = {
    0x00, 0x00, 0x00, 0x13, /* frame size 19 */
    0x00, 0x00, 0x00, 0x07, /* correlation_id 7 */
    0x00, 0x00, 0x00, 0x00, /* throttle_time_ms 0 */
    0x00, 0x00, 0x00, 0x01, /* results: 1 */
    0x00, 0x01, 't',        /*   name "t" */
    0x00, 0x00,             /*   error_code 0 */
    0xff, 0xff,             /*   error_message null */
};

/* Response v2 (first flexible): "t" grown, "u" refused. */
static const uint8_t resp_v2[] = {
    0x00, 0x00, 0x00, 0x1a, /* frame size 26 */
    0x00, 0x00, 0x00, 0x07, /* correlation_id 7 */
    0x00,                   /* header tagged fields */
    0x00, 0x00, 0x00, 0x00, /* throttle_time_ms 0 */
    0x03,                   /* results: 2 */
    0x02, 't',              /*   name "t" */
    0x00, 0x00,             /*   error_code 0 */
    0x00,                   /*   error_message null */
    0x00,                   /*   result tagged fields */
    0x02, 'u',              /*   name "u" */
    0x00, 0x25,             /*   error_code 37 INVALID_PARTITIONS */
    0x04, 'l',  'o',  'w',  /*   error_message "low" */
    0x00,                   /*   result tagged fields */
    0x00,                   /* tagged fields */
};

Test(create_partitions, encodes_and_decodes_request_v0_v2) {
    topic_t t0[] = {{.name = KFK_STR("t"), .count = 3, .assignments = {NULL, -1}}};
    kfk_create_partitions_request_t r0 = {
        .topics = KFK_ARRAY_OF(t0), .timeout_ms = 1000, .validate_only = true};
    cc_expect_request(API, 0, CORR, &r0, req_v0, sizeof req_v0);
    int32_t brokers[] = {1, 2};
    assignment_t as[] = {{.broker_ids = KFK_ARRAY_OF(brokers)}};
    topic_t t2[] = {{.name = KFK_STR("t"), .count = 2, .assignments = KFK_ARRAY_OF(as)}};
    kfk_create_partitions_request_t r2 = {.topics = KFK_ARRAY_OF(t2), .timeout_ms = 1000};
    cc_expect_request(API, 2, CORR, &r2, req_v2, sizeof req_v2);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_create_partitions_request_t *d =
        cc_decode_request(API, 0, CORR, req_v0, sizeof req_v0, &a);
    cr_assert_eq(d->topics.count, 1);
    const topic_t *t = d->topics.items;
    cr_assert(kfk_str_eq(t[0].name, "t"));
    cr_assert_eq(t[0].count, 3);
    cr_assert_eq(t[0].assignments.count, -1);
    cr_assert_eq(d->timeout_ms, 1000);
    cr_assert(d->validate_only);
    d = cc_decode_request(API, 2, CORR, req_v2, sizeof req_v2, &a);
    t = d->topics.items;
    cr_assert_eq(t[0].count, 2);
    cr_assert_eq(t[0].assignments.count, 1);
    const assignment_t *as2 = t[0].assignments.items;
    cr_assert_eq(as2[0].broker_ids.count, 2);
    cr_assert_eq(KFK_ARRAY_AT(as2[0].broker_ids, int32_t, 1), 2);
    cr_assert(!d->validate_only);
    kfk_arena_free(&a);
}

Test(create_partitions, encodes_and_decodes_response_v0_v2) {
    result_t one[] = {{.name = KFK_STR("t"), .error_message = {NULL, -1}}};
    kfk_create_partitions_response_t r0 = {.results = KFK_ARRAY_OF(one)};
    cc_expect_response(API, 0, CORR, &r0, resp_v0, sizeof resp_v0);
    result_t two[] = {{.name = KFK_STR("t"), .error_message = {NULL, -1}},
                      {.name = KFK_STR("u"),
                       .error_code = KFK_ERR_INVALID_PARTITIONS,
                       .error_message = KFK_STR("low")}};
    kfk_create_partitions_response_t r2 = {.results = KFK_ARRAY_OF(two)};
    cc_expect_response(API, 2, CORR, &r2, resp_v2, sizeof resp_v2);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_create_partitions_response_t *d =
        cc_decode_response(API, 0, CORR, resp_v0, sizeof resp_v0, &a);
    cr_assert_eq(d->results.count, 1);
    const result_t *r = d->results.items;
    cr_assert(kfk_str_eq(r[0].name, "t"));
    cr_assert_eq(r[0].error_message.len, -1);
    d = cc_decode_response(API, 2, CORR, resp_v2, sizeof resp_v2, &a);
    cr_assert_eq(d->results.count, 2);
    r = d->results.items;
    cr_assert_eq(r[1].error_code, KFK_ERR_INVALID_PARTITIONS);
    cr_assert(kfk_str_eq(r[1].error_message, "low"));
    kfk_arena_free(&a);
}

Test(create_partitions, request_and_response_round_trip_in_every_version) {
    const kfk_api_t *api = kfk_api_get(API);
    cr_assert_eq(api->min_version, 0);
    cr_assert_eq(api->max_version, 3);
    for (int16_t v = api->min_version; v <= api->max_version; v++) {
        int32_t b1[] = {3}, b2[] = {1, 2, 3};
        assignment_t as[] = {{.broker_ids = KFK_ARRAY_OF(b1), .unknown_tags = CC_UNKNOWN_TAGS},
                             {.broker_ids = KFK_ARRAY_OF(b2)}};
        topic_t ts[] = {{.name = KFK_STR("grown"),
                         .count = 12,
                         .assignments = KFK_ARRAY_OF(as),
                         .unknown_tags = CC_UNKNOWN_TAGS},
                        {.name = KFK_STR("placed"), .count = 4, .assignments = {NULL, -1}}};
        kfk_create_partitions_request_t req = {.topics = KFK_ARRAY_OF(ts),
                                               .timeout_ms = 30000,
                                               .validate_only = true,
                                               .unknown_tags = CC_UNKNOWN_TAGS};
        kfk_arena_t a;
        kfk_arena_init(&a);
        const kfk_create_partitions_request_t *q =
            cc_round_trip(API, &kfk_create_partitions_request_schema, v, &req, &a);
        cr_assert_eq(q->topics.count, 2, "v%d", v);
        const topic_t *qt = q->topics.items;
        cr_assert_eq(qt[0].count, 12, "v%d", v);
        cr_assert_eq(qt[0].assignments.count, 2, "v%d", v);
        const assignment_t *qa = qt[0].assignments.items;
        cr_assert(cc_tags_kept(API, qa[0].unknown_tags, v), "v%d", v);
        cr_assert_eq(KFK_ARRAY_AT(qa[1].broker_ids, int32_t, 2), 3, "v%d", v);
        cr_assert(cc_tags_kept(API, qt[0].unknown_tags, v), "v%d", v);
        cr_assert_eq(qt[1].assignments.count, -1, "v%d", v);
        cr_assert_eq(q->timeout_ms, 30000, "v%d", v);
        cr_assert(q->validate_only, "v%d", v);
        cr_assert(cc_tags_kept(API, q->unknown_tags, v), "v%d", v);

        result_t res[] = {{.name = KFK_STR("grown"),
                           .error_code = KFK_ERR_POLICY_VIOLATION,
                           .error_message = KFK_STR("no"),
                           .unknown_tags = CC_UNKNOWN_TAGS},
                          {.name = KFK_STR("placed"), .error_message = {NULL, -1}}};
        kfk_create_partitions_response_t resp = {
            .throttle_time_ms = 6, .results = KFK_ARRAY_OF(res), .unknown_tags = CC_UNKNOWN_TAGS};
        const kfk_create_partitions_response_t *r =
            cc_round_trip(API, &kfk_create_partitions_response_schema, v, &resp, &a);
        cr_assert_eq(r->throttle_time_ms, 6, "v%d", v);
        const result_t *rr = r->results.items;
        cr_assert_eq(rr[0].error_code, KFK_ERR_POLICY_VIOLATION, "v%d", v);
        cr_assert(cc_tags_kept(API, rr[0].unknown_tags, v), "v%d", v);
        cr_assert_eq(rr[1].error_message.len, -1, "v%d", v);
        cr_assert(cc_tags_kept(API, r->unknown_tags, v), "v%d", v);
        kfk_arena_free(&a);
    }
}

Test(create_partitions, truncated_frames_fail_at_every_length) {
    cc_expect_truncations_fail(API, true, 0, req_v0, sizeof req_v0);
    cc_expect_truncations_fail(API, true, 2, req_v2, sizeof req_v2);
    cc_expect_truncations_fail(API, false, 0, resp_v0, sizeof resp_v0);
    cc_expect_truncations_fail(API, false, 2, resp_v2, sizeof resp_v2);
    cc_expect_trailing_byte_refused(API, true, 2, req_v2, sizeof req_v2);
}

Test(create_partitions, hostile_counts_and_lengths_are_bad_messages) {
    static const uint8_t huge[] = {0x7f, 0xff, 0xff, 0xff};
    static const uint8_t minus1_32[] = {0xff, 0xff, 0xff, 0xff};
    static const uint8_t minus2_32[] = {0xff, 0xff, 0xff, 0xfe};
    static const uint8_t null_compact[] = {0x00};
    static const uint8_t big_compact[] = {0x7f};
    /* v0 request: topics count at 17 (not nullable), assignments count at 28 (nullable, but not
     * -2, nor past the end). */
    cc_expect_bad_patch(API, true, 0, req_v0, sizeof req_v0, 17, huge, 4);
    cc_expect_bad_patch(API, true, 0, req_v0, sizeof req_v0, 17, minus1_32, 4);
    cc_expect_bad_patch(API, true, 0, req_v0, sizeof req_v0, 28, minus2_32, 4);
    cc_expect_bad_patch(API, true, 0, req_v0, sizeof req_v0, 28, huge, 4);
    /* v2 request: broker_ids at 26 null (not nullable), then past the end. */
    cc_expect_bad_patch(API, true, 2, req_v2, sizeof req_v2, 26, null_compact, 1);
    cc_expect_bad_patch(API, true, 2, req_v2, sizeof req_v2, 26, big_compact, 1);
    /* v0 response: results count at 12, the name at 16 null. */
    cc_expect_bad_patch(API, false, 0, resp_v0, sizeof resp_v0, 12, huge, 4);
    cc_expect_bad_patch(API, false, 0, resp_v0, sizeof resp_v0, 16, minus1_32, 2);
}
