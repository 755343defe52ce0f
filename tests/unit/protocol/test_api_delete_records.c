/*
 * test_api_delete_records.c: DeleteRecords (key 21) tables, kfk versions 0-2 (flexible from 2).
 * Golden frames written by hand from the protocol spec (v0 and v2 both ways), a round trip of
 * every version, malformed input.
 */
#include <criterion/criterion.h>

#include "kfk/protocol.h"

#include "codec_check.h"

#define API KFK_API_DELETE_RECORDS
#define CORR 7

typedef kfk_delete_records_request_delete_records_topic_t topic_t;
typedef kfk_delete_records_request_delete_records_partition_t partition_t;
typedef kfk_delete_records_response_delete_records_topic_result_t topic_result_t;
typedef kfk_delete_records_response_delete_records_partition_result_t partition_result_t;

/* ---- golden frames ---------------------------------------------------------------------- */

/* Request v0: delete the records of t/0 before offset 10. */
static const uint8_t req_v0[] = {
    0x00, 0x00, 0x00, 0x28,                         /* frame size 40 */
    0x00, 0x15, 0x00, 0x00,                         /* api_key 21, api_version 0 */
    0x00, 0x00, 0x00, 0x07,                         /* correlation_id 7 */
    0x00, 0x03, 'k',  'f',  'k',                    /* client_id "kfk" */
    0x00, 0x00, 0x00, 0x01,                         /* topics: 1 */
    0x00, 0x01, 't',                                /*   name "t" */
    0x00, 0x00, 0x00, 0x01,                         /*   partitions: 1 */
    0x00, 0x00, 0x00, 0x00,                         /*     partition_index 0 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, /*     offset 10 */
    0x00, 0x00, 0x75, 0x30,                         /* timeout_ms 30000 */
};

/* Request v2 (first flexible): t/0 before 10, t/1 up to its high watermark (-1). */
static const uint8_t req_v2[] = {
    0x00, 0x00, 0x00, 0x32,                         /* frame size 50 */
    0x00, 0x15, 0x00, 0x02,                         /* api_key 21, api_version 2 */
    0x00, 0x00, 0x00, 0x07,                         /* correlation_id 7 */
    0x00, 0x03, 'k',  'f',  'k',                    /* client_id "kfk" */
    0x00,                                           /* header tagged fields */
    0x02,                                           /* topics: 1 */
    0x02, 't',                                      /*   name "t" */
    0x03,                                           /*   partitions: 2 */
    0x00, 0x00, 0x00, 0x00,                         /*     partition_index 0 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, /*     offset 10 */
    0x00,                                           /*     partition tagged fields */
    0x00, 0x00, 0x00, 0x01,                         /*     partition_index 1 */
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /*     offset -1 (high watermark) */
    0x00,                                           /*     partition tagged fields */
    0x00,                                           /*   topic tagged fields */
    0x00, 0x00, 0x75, 0x30,                         /* timeout_ms 30000 */
    0x00,                                           /* tagged fields */
};

/* Response v0: t/0 starts at 10 now. */
static const uint8_t resp_v0[] = {
    0x00, 0x00, 0x00, 0x21,                         /* frame size 33 */
    0x00, 0x00, 0x00, 0x07,                         /* correlation_id 7 */
    0x00, 0x00, 0x00, 0x00,                         /* throttle_time_ms 0 */
    0x00, 0x00, 0x00, 0x01,                         /* topics: 1 */
    0x00, 0x01, 't',                                /*   name "t" */
    0x00, 0x00, 0x00, 0x01,                         /*   partitions: 1 */
    0x00, 0x00, 0x00, 0x00,                         /*     partition_index 0 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, /*     low_watermark 10 */
    0x00, 0x00,                                     /*     error_code 0 */
};

/* Response v2 (first flexible): t/0 at 10, t/1 refused. */
static const uint8_t resp_v2[] = {
    0x00, 0x00, 0x00, 0x2d,                         /* frame size 45 */
    0x00, 0x00, 0x00, 0x07,                         /* correlation_id 7 */
    0x00,                                           /* header tagged fields */
    0x00, 0x00, 0x00, 0x00,                         /* throttle_time_ms 0 */
    0x02,                                           /* topics: 1 */
    0x02, 't',                                      /*   name "t" */
    0x03,                                           /*   partitions: 2 */
    0x00, 0x00, 0x00, 0x00,                         /*     partition_index 0 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, /*     low_watermark 10 */
    0x00, 0x00,                                     /*     error_code 0 */
    0x00,                                           /*     partition tagged fields */
    0x00, 0x00, 0x00, 0x01,                         /*     partition_index 1 */
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /*     low_watermark -1 */
    0x00, 0x01,                                     /*     error_code 1 OFFSET_OUT_OF_RANGE */
    0x00,                                           /*     partition tagged fields */
    0x00,                                           /*   topic tagged fields */
    0x00,                                           /* tagged fields */
};

Test(delete_records, encodes_and_decodes_request_v0_v2) {
    partition_t p0[] = {{.partition_index = 0, .offset = 10}};
    topic_t t0[] = {{.name = KFK_STR("t"), .partitions = KFK_ARRAY_OF(p0)}};
    kfk_delete_records_request_t r0 = {.topics = KFK_ARRAY_OF(t0), .timeout_ms = 30000};
    cc_expect_request(API, 0, CORR, &r0, req_v0, sizeof req_v0);
    partition_t p2[] = {{.partition_index = 0, .offset = 10}, {.partition_index = 1, .offset = -1}};
    topic_t t2[] = {{.name = KFK_STR("t"), .partitions = KFK_ARRAY_OF(p2)}};
    kfk_delete_records_request_t r2 = {.topics = KFK_ARRAY_OF(t2), .timeout_ms = 30000};
    cc_expect_request(API, 2, CORR, &r2, req_v2, sizeof req_v2);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_delete_records_request_t *d =
        cc_decode_request(API, 0, CORR, req_v0, sizeof req_v0, &a);
    cr_assert_eq(d->topics.count, 1);
    const topic_t *t = d->topics.items;
    cr_assert(kfk_str_eq(t[0].name, "t"));
    cr_assert_eq(t[0].partitions.count, 1);
    cr_assert_eq(KFK_ARRAY_AT(t[0].partitions, partition_t, 0).offset, 10);
    cr_assert_eq(d->timeout_ms, 30000);
    d = cc_decode_request(API, 2, CORR, req_v2, sizeof req_v2, &a);
    t = d->topics.items;
    cr_assert_eq(t[0].partitions.count, 2);
    const partition_t *p = t[0].partitions.items;
    cr_assert_eq(p[1].partition_index, 1);
    cr_assert_eq(p[1].offset, -1);
    kfk_arena_free(&a);
}

Test(delete_records, encodes_and_decodes_response_v0_v2) {
    partition_result_t p0[] = {{.partition_index = 0, .low_watermark = 10}};
    topic_result_t t0[] = {{.name = KFK_STR("t"), .partitions = KFK_ARRAY_OF(p0)}};
    kfk_delete_records_response_t r0 = {.topics = KFK_ARRAY_OF(t0)};
    cc_expect_response(API, 0, CORR, &r0, resp_v0, sizeof resp_v0);
    partition_result_t p2[] = {
        {.partition_index = 0, .low_watermark = 10},
        {.partition_index = 1, .low_watermark = -1, .error_code = KFK_ERR_OFFSET_OUT_OF_RANGE}};
    topic_result_t t2[] = {{.name = KFK_STR("t"), .partitions = KFK_ARRAY_OF(p2)}};
    kfk_delete_records_response_t r2 = {.topics = KFK_ARRAY_OF(t2)};
    cc_expect_response(API, 2, CORR, &r2, resp_v2, sizeof resp_v2);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_delete_records_response_t *d =
        cc_decode_response(API, 0, CORR, resp_v0, sizeof resp_v0, &a);
    const topic_result_t *t = d->topics.items;
    cr_assert_eq(d->topics.count, 1);
    cr_assert_eq(KFK_ARRAY_AT(t[0].partitions, partition_result_t, 0).low_watermark, 10);
    d = cc_decode_response(API, 2, CORR, resp_v2, sizeof resp_v2, &a);
    t = d->topics.items;
    cr_assert_eq(t[0].partitions.count, 2);
    const partition_result_t *p = t[0].partitions.items;
    cr_assert_eq(p[0].error_code, 0);
    cr_assert_eq(p[1].low_watermark, -1);
    cr_assert_eq(p[1].error_code, KFK_ERR_OFFSET_OUT_OF_RANGE);
    kfk_arena_free(&a);
}

Test(delete_records, request_and_response_round_trip_in_every_version) {
    const kfk_api_t *api = kfk_api_get(API);
    cr_assert_eq(api->min_version, 0);
    cr_assert_eq(api->max_version, 2);
    for (int16_t v = api->min_version; v <= api->max_version; v++) {
        partition_t ps[] = {
            {.partition_index = 5, .offset = INT64_C(1) << 40, .unknown_tags = CC_UNKNOWN_TAGS},
            {.partition_index = 6, .offset = -1}};
        topic_t ts[] = {
            {.name = KFK_STR("a"), .partitions = KFK_ARRAY_OF(ps), .unknown_tags = CC_UNKNOWN_TAGS},
            {.name = KFK_STR("b")}};
        kfk_delete_records_request_t req = {
            .topics = KFK_ARRAY_OF(ts), .timeout_ms = 5, .unknown_tags = CC_UNKNOWN_TAGS};
        kfk_arena_t a;
        kfk_arena_init(&a);
        const kfk_delete_records_request_t *q =
            cc_round_trip(API, &kfk_delete_records_request_schema, v, &req, &a);
        cr_assert_eq(q->topics.count, 2, "v%d", v);
        const topic_t *qt = q->topics.items;
        const partition_t *qp = qt[0].partitions.items;
        cr_assert_eq(qp[0].offset, INT64_C(1) << 40, "v%d", v);
        cr_assert(cc_tags_kept(API, qp[0].unknown_tags, v), "v%d", v);
        cr_assert_eq(qp[1].offset, -1, "v%d", v);
        cr_assert(cc_tags_kept(API, qt[0].unknown_tags, v), "v%d", v);
        cr_assert_eq(qt[1].partitions.count, 0, "v%d", v);
        cr_assert_eq(q->timeout_ms, 5, "v%d", v);
        cr_assert(cc_tags_kept(API, q->unknown_tags, v), "v%d", v);

        partition_result_t rp[] = {{.partition_index = 5,
                                    .low_watermark = INT64_C(1) << 40,
                                    .unknown_tags = CC_UNKNOWN_TAGS},
                                   {.partition_index = 6,
                                    .low_watermark = -1,
                                    .error_code = KFK_ERR_NOT_LEADER_OR_FOLLOWER}};
        topic_result_t rt[] = {{.name = KFK_STR("a"),
                                .partitions = KFK_ARRAY_OF(rp),
                                .unknown_tags = CC_UNKNOWN_TAGS}};
        kfk_delete_records_response_t resp = {
            .throttle_time_ms = 8, .topics = KFK_ARRAY_OF(rt), .unknown_tags = CC_UNKNOWN_TAGS};
        const kfk_delete_records_response_t *r =
            cc_round_trip(API, &kfk_delete_records_response_schema, v, &resp, &a);
        cr_assert_eq(r->throttle_time_ms, 8, "v%d", v);
        const topic_result_t *tr = r->topics.items;
        const partition_result_t *pr = tr[0].partitions.items;
        cr_assert_eq(pr[0].low_watermark, INT64_C(1) << 40, "v%d", v);
        cr_assert(cc_tags_kept(API, pr[0].unknown_tags, v), "v%d", v);
        cr_assert_eq(pr[1].error_code, KFK_ERR_NOT_LEADER_OR_FOLLOWER, "v%d", v);
        cr_assert(cc_tags_kept(API, tr[0].unknown_tags, v), "v%d", v);
        cr_assert(cc_tags_kept(API, r->unknown_tags, v), "v%d", v);
        kfk_arena_free(&a);
    }
}

Test(delete_records, truncated_frames_fail_at_every_length) {
    cc_expect_truncations_fail(API, true, 0, req_v0, sizeof req_v0);
    cc_expect_truncations_fail(API, true, 2, req_v2, sizeof req_v2);
    cc_expect_truncations_fail(API, false, 0, resp_v0, sizeof resp_v0);
    cc_expect_truncations_fail(API, false, 2, resp_v2, sizeof resp_v2);
    cc_expect_trailing_byte_refused(API, false, 0, resp_v0, sizeof resp_v0);
}

Test(delete_records, hostile_counts_and_lengths_are_bad_messages) {
    static const uint8_t huge[] = {0x7f, 0xff, 0xff, 0xff};
    static const uint8_t minus1_32[] = {0xff, 0xff, 0xff, 0xff};
    static const uint8_t minus1_16[] = {0xff, 0xff};
    static const uint8_t null_compact[] = {0x00};
    /* v0 request: topics count at 17, the name at 21 null, partitions count at 24. */
    cc_expect_bad_patch(API, true, 0, req_v0, sizeof req_v0, 17, huge, 4);
    cc_expect_bad_patch(API, true, 0, req_v0, sizeof req_v0, 21, minus1_16, 2);
    cc_expect_bad_patch(API, true, 0, req_v0, sizeof req_v0, 24, minus1_32, 4);
    cc_expect_bad_patch(API, true, 0, req_v0, sizeof req_v0, 24, huge, 4);
    /* v0 response: topics count at 12, partitions count at 19. */
    cc_expect_bad_patch(API, false, 0, resp_v0, sizeof resp_v0, 12, huge, 4);
    cc_expect_bad_patch(API, false, 0, resp_v0, sizeof resp_v0, 19, minus1_32, 4);
    /* v2 response: partitions count at 16 null. */
    cc_expect_bad_patch(API, false, 2, resp_v2, sizeof resp_v2, 16, null_compact, 1);
}
