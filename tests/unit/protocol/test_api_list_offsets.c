/*
 * test_api_list_offsets.c: ListOffsets (key 2) tables, versions 1-7 (flexible from 6). Golden
 * frames written by hand from ListOffsetsRequest.json / ListOffsetsResponse.json, a round trip
 * at every version, and malformed input.
 */
#include <criterion/criterion.h>

#include "kfk/protocol.h"

#include "codec_check.h"

#define API KFK_API_LIST_OFFSETS

typedef kfk_list_offsets_request_list_offsets_topic_t req_topic_t;
typedef kfk_list_offsets_request_list_offsets_partition_t req_partition_t;
typedef kfk_list_offsets_response_list_offsets_topic_response_t resp_topic_t;
typedef kfk_list_offsets_response_list_offsets_partition_response_t resp_partition_t;

/* ---- golden frames ------------------------------------------------------------------------ */

/* v1 request (kfk's lowest): header v1; latest (-1) and earliest (-2) offsets. */
static const uint8_t req_v1[] = {
    0x00, 0x00, 0x00, 0x35,                         /* frame size 53 */
    0x00, 0x02,                                     /* api_key 2 */
    0x00, 0x01,                                     /* api_version 1 */
    0x00, 0x00, 0x00, 0x01,                         /* correlation_id 1 */
    0x00, 0x03, 'k',  'f',  'k',                    /* client_id "kfk" */
    0xff, 0xff, 0xff, 0xff,                         /* replica_id -1 */
    0x00, 0x00, 0x00, 0x01,                         /* topics: 1 */
    0x00, 0x02, 't',  '1',                          /*   name "t1" */
    0x00, 0x00, 0x00, 0x02,                         /*   partitions: 2 */
    0x00, 0x00, 0x00, 0x00,                         /*     partition_index 0 */
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /*     timestamp -1 (latest) */
    0x00, 0x00, 0x00, 0x01,                         /*     partition_index 1 */
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, /*     timestamp -2 (earliest) */
};

/* v6 request (first flexible): header v2, isolation level (v2+), leader epoch (v4+). */
static const uint8_t req_v6[] = {
    0x00, 0x00, 0x00, 0x2b,                         /* frame size 43 */
    0x00, 0x02,                                     /* api_key 2 */
    0x00, 0x06,                                     /* api_version 6 */
    0x00, 0x00, 0x00, 0x02,                         /* correlation_id 2 */
    0x00, 0x03, 'k',  'f',  'k',                    /* client_id "kfk" */
    0x00,                                           /* header tagged fields: none */
    0xff, 0xff, 0xff, 0xff,                         /* replica_id -1 */
    0x01,                                           /* isolation_level 1 (read_committed) */
    0x02,                                           /* topics: 1 (compact) */
    0x03, 't',  '1',                                /*   name "t1" */
    0x02,                                           /*   partitions: 1 */
    0x00, 0x00, 0x00, 0x00,                         /*     partition_index 0 */
    0x00, 0x00, 0x00, 0x05,                         /*     current_leader_epoch 5 */
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /*     timestamp -1 */
    0x00,                                           /*     tagged fields: none */
    0x00,                                           /*   tagged fields: none */
    0x00,                                           /* tagged fields: none */
};

/* v1 response: header v0. */
static const uint8_t resp_v1[] = {
    0x00, 0x00, 0x00, 0x26,                         /* frame size 38 */
    0x00, 0x00, 0x00, 0x01,                         /* correlation_id 1 */
    0x00, 0x00, 0x00, 0x01,                         /* topics: 1 */
    0x00, 0x02, 't',  '1',                          /*   name "t1" */
    0x00, 0x00, 0x00, 0x01,                         /*   partitions: 1 */
    0x00, 0x00, 0x00, 0x00,                         /*     partition_index 0 */
    0x00, 0x00,                                     /*     error_code 0 */
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /*     timestamp -1 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a, /*     offset 42 */
};

/* v6 response: header v1, throttle time (v2+), leader epoch (v4+). */
static const uint8_t resp_v6[] = {
    0x00, 0x00, 0x00, 0x2b,                         /* frame size 43 */
    0x00, 0x00, 0x00, 0x02,                         /* correlation_id 2 */
    0x00,                                           /* header tagged fields: none */
    0x00, 0x00, 0x00, 0x00,                         /* throttle_time_ms 0 */
    0x02,                                           /* topics: 1 */
    0x03, 't',  '1',                                /*   name "t1" */
    0x02,                                           /*   partitions: 1 */
    0x00, 0x00, 0x00, 0x00,                         /*     partition_index 0 */
    0x00, 0x00,                                     /*     error_code 0 */
    0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00, /*     timestamp 1700000000000 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a, /*     offset 42 */
    0x00, 0x00, 0x00, 0x05,                         /*     leader_epoch 5 */
    0x00,                                           /*     tagged fields: none */
    0x00,                                           /*   tagged fields: none */
    0x00,                                           /* tagged fields: none */
};

Test(list_offsets, encodes_and_decodes_the_v1_request) {
    req_partition_t parts[] = {{.partition_index = 0, .current_leader_epoch = -1, .timestamp = -1},
                               {.partition_index = 1, .current_leader_epoch = -1, .timestamp = -2}};
    req_topic_t topics[] = {{.name = KFK_STR("t1"), .partitions = KFK_ARRAY_OF(parts)}};
    kfk_list_offsets_request_t req = {.replica_id = -1, .topics = KFK_ARRAY_OF(topics)};
    cc_expect_request(API, 1, 1, &req, req_v1, sizeof req_v1);

    kfk_arena_t arena = {0};
    kfk_list_offsets_request_t *got = cc_decode_request(API, 1, 1, req_v1, sizeof req_v1, &arena);
    cr_assert_eq(got->replica_id, -1);
    cr_assert_eq(got->isolation_level, 0, "absent before v2: the default");
    cr_assert_eq(got->topics.count, 1);
    req_topic_t *t = &KFK_ARRAY_AT(got->topics, req_topic_t, 0);
    cc_expect_str(t->name, "t1");
    cr_assert_eq(t->partitions.count, 2);
    req_partition_t *p = (req_partition_t *)t->partitions.items;
    cr_assert_eq(p[0].timestamp, -1);
    cr_assert_eq(p[0].current_leader_epoch, -1, "absent before v4: the default");
    cr_assert_eq(p[1].partition_index, 1);
    cr_assert_eq(p[1].timestamp, -2);
    kfk_arena_free(&arena);
}

Test(list_offsets, encodes_and_decodes_the_flexible_v6_request) {
    req_partition_t parts[] = {{.partition_index = 0, .current_leader_epoch = 5, .timestamp = -1}};
    req_topic_t topics[] = {{.name = KFK_STR("t1"), .partitions = KFK_ARRAY_OF(parts)}};
    kfk_list_offsets_request_t req = {
        .replica_id = -1, .isolation_level = 1, .topics = KFK_ARRAY_OF(topics)};
    cc_expect_request(API, 6, 2, &req, req_v6, sizeof req_v6);

    kfk_arena_t arena = {0};
    kfk_list_offsets_request_t *got = cc_decode_request(API, 6, 2, req_v6, sizeof req_v6, &arena);
    cr_assert_eq(got->isolation_level, 1);
    req_topic_t *t = &KFK_ARRAY_AT(got->topics, req_topic_t, 0);
    cc_expect_str(t->name, "t1");
    req_partition_t *p = &KFK_ARRAY_AT(t->partitions, req_partition_t, 0);
    cr_assert_eq(p->current_leader_epoch, 5);
    cr_assert_eq(p->timestamp, -1);
    kfk_arena_free(&arena);
}

Test(list_offsets, encodes_and_decodes_the_v1_response) {
    resp_partition_t parts[] = {
        {.partition_index = 0, .timestamp = -1, .offset = 42, .leader_epoch = -1}};
    resp_topic_t topics[] = {{.name = KFK_STR("t1"), .partitions = KFK_ARRAY_OF(parts)}};
    kfk_list_offsets_response_t resp = {.topics = KFK_ARRAY_OF(topics)};
    cc_expect_response(API, 1, 1, &resp, resp_v1, sizeof resp_v1);

    kfk_arena_t arena = {0};
    kfk_list_offsets_response_t *got =
        cc_decode_response(API, 1, 1, resp_v1, sizeof resp_v1, &arena);
    cr_assert_eq(got->throttle_time_ms, 0);
    resp_topic_t *t = &KFK_ARRAY_AT(got->topics, resp_topic_t, 0);
    cc_expect_str(t->name, "t1");
    resp_partition_t *p = &KFK_ARRAY_AT(t->partitions, resp_partition_t, 0);
    cr_assert_eq(p->error_code, 0);
    cr_assert_eq(p->timestamp, -1);
    cr_assert_eq(p->offset, 42);
    cr_assert_eq(p->leader_epoch, -1, "absent before v4: the default");
    kfk_arena_free(&arena);
}

Test(list_offsets, encodes_and_decodes_the_flexible_v6_response) {
    resp_partition_t parts[] = {
        {.partition_index = 0, .timestamp = 1700000000000, .offset = 42, .leader_epoch = 5}};
    resp_topic_t topics[] = {{.name = KFK_STR("t1"), .partitions = KFK_ARRAY_OF(parts)}};
    kfk_list_offsets_response_t resp = {.topics = KFK_ARRAY_OF(topics)};
    cc_expect_response(API, 6, 2, &resp, resp_v6, sizeof resp_v6);

    kfk_arena_t arena = {0};
    kfk_list_offsets_response_t *got =
        cc_decode_response(API, 6, 2, resp_v6, sizeof resp_v6, &arena);
    resp_partition_t *p =
        &KFK_ARRAY_AT(KFK_ARRAY_AT(got->topics, resp_topic_t, 0).partitions, resp_partition_t, 0);
    cr_assert_eq(p->timestamp, 1700000000000);
    cr_assert_eq(p->offset, 42);
    cr_assert_eq(p->leader_epoch, 5);
    kfk_arena_free(&arena);
}

/* ---- round trips -------------------------------------------------------------------------- */

Test(list_offsets, round_trips_every_request_version) {
    for (int16_t v = 1; v <= 7; v++) {
        req_partition_t parts[] = {
            {.partition_index = 0, .current_leader_epoch = 12, .timestamp = -3},
            {.partition_index = 9, .current_leader_epoch = -1, .timestamp = 1690000000000}};
        req_topic_t topics[] = {{.name = KFK_STR("orders"), .partitions = KFK_ARRAY_OF(parts)},
                                {.name = KFK_STR("none"), .partitions = {NULL, 0}}};
        kfk_list_offsets_request_t req = {
            .replica_id = -1, .isolation_level = 1, .topics = KFK_ARRAY_OF(topics)};
        kfk_arena_t arena = {0};
        kfk_list_offsets_request_t *out =
            cc_round_trip(API, &kfk_list_offsets_request_schema, v, &req, &arena);
        cr_assert_eq(out->replica_id, -1);
        cr_assert_eq(out->isolation_level, v >= 2 ? 1 : 0, "v%d", v);
        cr_assert_eq(out->topics.count, 2);
        req_topic_t *t = (req_topic_t *)out->topics.items;
        cc_expect_str(t[0].name, "orders");
        cc_expect_str(t[1].name, "none");
        cr_assert_eq(t[0].partitions.count, 2);
        req_partition_t *p = (req_partition_t *)t[0].partitions.items;
        cr_assert_eq(p[0].current_leader_epoch, v >= 4 ? 12 : -1, "v%d", v);
        cr_assert_eq(p[0].timestamp, -3);
        cr_assert_eq(p[1].partition_index, 9);
        cr_assert_eq(p[1].timestamp, 1690000000000);
        kfk_arena_free(&arena);
    }
}

Test(list_offsets, round_trips_every_response_version) {
    for (int16_t v = 1; v <= 7; v++) {
        resp_partition_t parts[] = {
            {.partition_index = 0, .timestamp = 1690000000000, .offset = 77, .leader_epoch = 3},
            {.partition_index = 1,
             .error_code = KFK_ERR_OFFSET_NOT_AVAILABLE,
             .timestamp = -1,
             .offset = -1,
             .leader_epoch = -1}};
        resp_topic_t topics[] = {{.name = KFK_STR("orders"), .partitions = KFK_ARRAY_OF(parts)}};
        kfk_list_offsets_response_t resp = {.throttle_time_ms = 9, .topics = KFK_ARRAY_OF(topics)};
        kfk_arena_t arena = {0};
        kfk_list_offsets_response_t *out =
            cc_round_trip(API, &kfk_list_offsets_response_schema, v, &resp, &arena);
        cr_assert_eq(out->throttle_time_ms, v >= 2 ? 9 : 0, "v%d", v);
        cr_assert_eq(out->topics.count, 1);
        resp_topic_t *t = &KFK_ARRAY_AT(out->topics, resp_topic_t, 0);
        cc_expect_str(t->name, "orders");
        cr_assert_eq(t->partitions.count, 2);
        resp_partition_t *p = (resp_partition_t *)t->partitions.items;
        cr_assert_eq(p[0].timestamp, 1690000000000);
        cr_assert_eq(p[0].offset, 77);
        cr_assert_eq(p[0].leader_epoch, v >= 4 ? 3 : -1, "v%d", v);
        cr_assert_eq(p[1].error_code, KFK_ERR_OFFSET_NOT_AVAILABLE);
        cr_assert_eq(p[1].offset, -1);
        kfk_arena_free(&arena);
    }
}

/* ---- malformed input ---------------------------------------------------------------------- */

Test(list_offsets, rejects_every_truncated_golden_frame) {
    cc_expect_truncations_fail(API, true, 1, req_v1, sizeof req_v1);
    cc_expect_truncations_fail(API, true, 6, req_v6, sizeof req_v6);
    cc_expect_truncations_fail(API, false, 1, resp_v1, sizeof resp_v1);
    cc_expect_truncations_fail(API, false, 6, resp_v6, sizeof resp_v6);
}

Test(list_offsets, rejects_hostile_counts_and_lengths) {
    /* v1 request: topics count 0x7fffffff. */
    static const uint8_t huge[] = {0xff, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff, 0x00, 0x00};
    cc_expect_bad_body(API, &kfk_list_offsets_request_schema, 1, huge, sizeof huge);
    /* v1 request: partitions count 0x7fffffff under one topic. */
    static const uint8_t huge_parts[] = {0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01, 0x00,
                                         0x01, 't',  0x7f, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00};
    cc_expect_bad_body(API, &kfk_list_offsets_request_schema, 1, huge_parts, sizeof huge_parts);
    /* v1 request: a topic name of length -2 and one past the end. */
    static const uint8_t name_minus_two[] = {0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00,
                                             0x01, 0xff, 0xfe, 0x00, 0x00, 0x00, 0x00};
    cc_expect_bad_body(API, &kfk_list_offsets_request_schema, 1, name_minus_two,
                       sizeof name_minus_two);
    static const uint8_t name_long[] = {0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00,
                                        0x01, 0x00, 0x09, 't',  0x00, 0x00, 0x00};
    cc_expect_bad_body(API, &kfk_list_offsets_request_schema, 1, name_long, sizeof name_long);
    /* v6 response: compact topics count 0x7fffffff. */
    static const uint8_t compact_huge[] = {0x00, 0x00, 0x00, 0x00, 0x80, 0x80,
                                           0x80, 0x80, 0x08, 0x00, 0x00};
    cc_expect_bad_body(API, &kfk_list_offsets_response_schema, 6, compact_huge,
                       sizeof compact_huge);
    /* v7 response: a tagged-field count larger than the bytes left. */
    static const uint8_t tag_count[] = {0x00, 0x00, 0x00, 0x00, 0x01, 0x7f, 0x00};
    cc_expect_bad_body(API, &kfk_list_offsets_response_schema, 7, tag_count, sizeof tag_count);
}
