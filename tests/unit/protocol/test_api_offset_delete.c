/*
 * test_api_offset_delete.c: OffsetDelete (key 47) tables, kfk version 0 (Kafka's only version,
 * never flexible). Golden frames written by hand from the protocol spec (both ways), a round
 * trip, malformed input.
 */
#include <criterion/criterion.h>

#include "kfk/protocol.h"

#include "codec_check.h"

#define API KFK_API_OFFSET_DELETE
#define CORR 7

/* ---- golden frames ---------------------------------------------------------------------- */

/* Request v0: group "g" deletes its offsets of partitions 0 and 1 of topic "t". */
static const uint8_t req_v0[] = {
    0x00, 0x00, 0x00, 0x23,      /* frame size 35 */
    0x00, 0x2f, 0x00, 0x00,      /* api_key 47, api_version 0 */
    0x00, 0x00, 0x00, 0x07,      /* correlation_id 7 */
    0x00, 0x03, 'k',  'f',  'k', /* client_id "kfk" */
    0x00, 0x01, 'g',             /* group_id "g" */
    0x00, 0x00, 0x00, 0x01,      /* topics: 1 */
    0x00, 0x01, 't',             /*   name "t" */
    0x00, 0x00, 0x00, 0x02,      /*   partitions: 2 */
    0x00, 0x00, 0x00, 0x00,      /*     partition_index 0 */
    0x00, 0x00, 0x00, 0x01,      /*     partition_index 1 */
};

/* Response v0: partition 0 deleted, partition 1 refused (the group consumes it). */
static const uint8_t resp_v0[] = {
    0x00, 0x00, 0x00, 0x21, /* frame size 33 */
    0x00, 0x00, 0x00, 0x07, /* correlation_id 7 */
    0x00, 0x00,             /* error_code 0 */
    0x00, 0x00, 0x00, 0x03, /* throttle_time_ms 3 */
    0x00, 0x00, 0x00, 0x01, /* topics: 1 */
    0x00, 0x01, 't',        /*   name "t" */
    0x00, 0x00, 0x00, 0x02, /*   partitions: 2 */
    0x00, 0x00, 0x00, 0x00, /*     partition_index 0 */
    0x00, 0x00,             /*     error_code 0 */
    0x00, 0x00, 0x00, 0x01, /*     partition_index 1 */
    0x00, 0x56,             /*     error_code 86 GROUP_SUBSCRIBED_TO_TOPIC */
};

Test(offset_delete, encodes_and_decodes_request_v0) {
    kfk_offset_delete_request_partition_t parts[] = {{.partition_index = 0},
                                                     {.partition_index = 1}};
    kfk_offset_delete_request_topic_t topics[] = {
        {.name = KFK_STR("t"), .partitions = KFK_ARRAY_OF(parts)}};
    kfk_offset_delete_request_t r = {.group_id = KFK_STR("g"), .topics = KFK_ARRAY_OF(topics)};
    cc_expect_request(API, 0, CORR, &r, req_v0, sizeof req_v0);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_offset_delete_request_t *d =
        cc_decode_request(API, 0, CORR, req_v0, sizeof req_v0, &a);
    cr_assert(kfk_str_eq(d->group_id, "g"));
    cr_assert_eq(d->topics.count, 1);
    const kfk_offset_delete_request_topic_t *t = d->topics.items;
    cr_assert(kfk_str_eq(t[0].name, "t"));
    cr_assert_eq(t[0].partitions.count, 2);
    const kfk_offset_delete_request_partition_t *p = t[0].partitions.items;
    cr_assert_eq(p[0].partition_index, 0);
    cr_assert_eq(p[1].partition_index, 1);
    kfk_arena_free(&a);
}

Test(offset_delete, encodes_and_decodes_response_v0) {
    kfk_offset_delete_response_partition_t parts[] = {
        {.partition_index = 0},
        {.partition_index = 1, .error_code = KFK_ERR_GROUP_SUBSCRIBED_TO_TOPIC}};
    kfk_offset_delete_response_topic_t topics[] = {
        {.name = KFK_STR("t"), .partitions = KFK_ARRAY_OF(parts)}};
    kfk_offset_delete_response_t r = {.throttle_time_ms = 3, .topics = KFK_ARRAY_OF(topics)};
    cc_expect_response(API, 0, CORR, &r, resp_v0, sizeof resp_v0);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_offset_delete_response_t *d =
        cc_decode_response(API, 0, CORR, resp_v0, sizeof resp_v0, &a);
    cr_assert_eq(d->error_code, 0);
    cr_assert_eq(d->throttle_time_ms, 3);
    cr_assert_eq(d->topics.count, 1);
    const kfk_offset_delete_response_topic_t *t = d->topics.items;
    cr_assert(kfk_str_eq(t[0].name, "t"));
    cr_assert_eq(t[0].partitions.count, 2);
    const kfk_offset_delete_response_partition_t *p = t[0].partitions.items;
    cr_assert_eq(p[0].error_code, 0);
    cr_assert_eq(p[1].partition_index, 1);
    cr_assert_eq(p[1].error_code, KFK_ERR_GROUP_SUBSCRIBED_TO_TOPIC);
    kfk_arena_free(&a);
}

Test(offset_delete, is_version_0_only_and_never_flexible) {
    const kfk_api_t *api = kfk_api_get(API);
    cr_assert_not_null(api);
    cr_assert_eq(api->min_version, 0);
    cr_assert_eq(api->max_version, 0);
    cr_assert_eq(api->flexible_from, -1);
    int16_t v = -1;
    cr_assert_eq(kfk_api_pick_version(API, 0, 0, &v, NULL, 0), KFK_ERR_NONE);
    cr_assert_eq(v, 0);
}

Test(offset_delete, request_and_response_round_trip) {
    kfk_offset_delete_request_partition_t parts[] = {{.partition_index = 7}};
    kfk_offset_delete_request_topic_t topics[] = {
        {.name = KFK_STR("a"), .partitions = KFK_ARRAY_OF(parts)},
        {.name = KFK_STR("b"), .partitions = {NULL, 0}}};
    kfk_offset_delete_request_t req = {.group_id = KFK_STR("group"),
                                       .topics = KFK_ARRAY_OF(topics),
                                       .unknown_tags = CC_UNKNOWN_TAGS}; /* never written */
    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_offset_delete_request_t *q =
        cc_round_trip(API, &kfk_offset_delete_request_schema, 0, &req, &a);
    cr_assert(kfk_str_eq(q->group_id, "group"));
    cr_assert_eq(q->topics.count, 2);
    const kfk_offset_delete_request_topic_t *t = q->topics.items;
    cr_assert_eq(
        KFK_ARRAY_AT(t[0].partitions, kfk_offset_delete_request_partition_t, 0).partition_index, 7);
    cr_assert_eq(t[1].partitions.count, 0);
    cr_assert_eq(q->unknown_tags.len, 0);

    kfk_offset_delete_response_partition_t rp[] = {
        {.partition_index = 7, .error_code = KFK_ERR_GROUP_ID_NOT_FOUND}};
    kfk_offset_delete_response_topic_t rt[] = {
        {.name = KFK_STR("a"), .partitions = KFK_ARRAY_OF(rp)}};
    kfk_offset_delete_response_t resp = {.error_code = KFK_ERR_GROUP_ID_NOT_FOUND,
                                         .throttle_time_ms = 9,
                                         .topics = KFK_ARRAY_OF(rt)};
    const kfk_offset_delete_response_t *r =
        cc_round_trip(API, &kfk_offset_delete_response_schema, 0, &resp, &a);
    cr_assert_eq(r->error_code, KFK_ERR_GROUP_ID_NOT_FOUND);
    cr_assert_eq(r->throttle_time_ms, 9);
    cr_assert_eq(r->topics.count, 1);
    kfk_arena_free(&a);
}

Test(offset_delete, truncated_frames_fail_at_every_length) {
    cc_expect_truncations_fail(API, true, 0, req_v0, sizeof req_v0);
    cc_expect_truncations_fail(API, false, 0, resp_v0, sizeof resp_v0);
    cc_expect_trailing_byte_refused(API, true, 0, req_v0, sizeof req_v0);
    cc_expect_trailing_byte_refused(API, false, 0, resp_v0, sizeof resp_v0);
}

Test(offset_delete, hostile_counts_and_lengths_are_bad_messages) {
    static const uint8_t huge[] = {0x7f, 0xff, 0xff, 0xff};
    static const uint8_t minus1_32[] = {0xff, 0xff, 0xff, 0xff};
    static const uint8_t minus1_16[] = {0xff, 0xff};
    /* request: topics count at 20, the topic name's length at 24 (not nullable), partitions
     * count at 27. */
    cc_expect_bad_patch(API, true, 0, req_v0, sizeof req_v0, 20, huge, 4);
    cc_expect_bad_patch(API, true, 0, req_v0, sizeof req_v0, 20, minus1_32, 4);
    cc_expect_bad_patch(API, true, 0, req_v0, sizeof req_v0, 24, minus1_16, 2);
    cc_expect_bad_patch(API, true, 0, req_v0, sizeof req_v0, 27, huge, 4);
    /* response: topics count at 14, partitions count at 21. */
    cc_expect_bad_patch(API, false, 0, resp_v0, sizeof resp_v0, 14, huge, 4);
    cc_expect_bad_patch(API, false, 0, resp_v0, sizeof resp_v0, 21, huge, 4);
    cc_expect_bad_patch(API, false, 0, resp_v0, sizeof resp_v0, 21, minus1_32, 4);
}
