/*
 * test_api_consumer_group_heartbeat.c: ConsumerGroupHeartbeat (key 68, KIP-848) tables, kfk
 * versions 0-1 (flexible from 0), and the codec's nullable struct (the response's assignment:
 * an int8 marker, -1 null, then the struct). Golden frames written by hand from the schema (the
 * response with and without an assignment), a round trip of every version, and malformed input.
 * Kafka's own serializer output is checked by test_golden.c.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "kfk/protocol.h"

#include "codec_check.h"

#define API KFK_API_CONSUMER_GROUP_HEARTBEAT
#define CORR 7

static const kfk_uuid_t topic_id = {{0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a,
                                     0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10}};

/* Response v1: member "m" at epoch 5, heartbeat every 500 ms, partitions 0 and 2 of a topic. */
static const uint8_t resp_v1[] = {
    0x00, 0x00, 0x00, 0x34,                         /* frame size 52 */
    0x00, 0x00, 0x00, 0x07,                         /* correlation_id 7 */
    0x00,                                           /* header tagged fields */
    0x00, 0x00, 0x00, 0x00,                         /* throttle_time_ms 0 */
    0x00, 0x00,                                     /* error_code 0 */
    0x00,                                           /* error_message null */
    0x02, 'm',                                      /* member_id "m" */
    0x00, 0x00, 0x00, 0x05,                         /* member_epoch 5 */
    0x00, 0x00, 0x01, 0xf4,                         /* heartbeat_interval_ms 500 */
    0x01,                                           /* assignment: present */
    0x02,                                           /* topic_partitions: 1 */
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, /* topic_id */
    0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, /* */
    0x03,                                           /* partitions: 2 */
    0x00, 0x00, 0x00, 0x00,                         /* 0 */
    0x00, 0x00, 0x00, 0x02,                         /* 2 */
    0x00,                                           /* topic_partitions[0] tagged fields */
    0x00,                                           /* assignment tagged fields */
    0x00,                                           /* tagged fields */
};

/* Response v1 without a new assignment (null). */
static const uint8_t resp_v1_null[] = {
    0x00, 0x00, 0x00, 0x18, /* frame size 24 */
    0x00, 0x00, 0x00, 0x07, /* correlation_id 7 */
    0x00,                   /* header tagged fields */
    0x00, 0x00, 0x00, 0x00, /* throttle_time_ms 0 */
    0x00, 0x00,             /* error_code 0 */
    0x00,                   /* error_message null */
    0x02, 'm',              /* member_id "m" */
    0x00, 0x00, 0x00, 0x05, /* member_epoch 5 */
    0x00, 0x00, 0x01, 0xf4, /* heartbeat_interval_ms 500 */
    0xff,                   /* assignment: null */
    0x00,                   /* tagged fields */
};

/* The assignment's marker is at this offset of both frames. */
#define MARKER_AT 26

Test(consumer_group_heartbeat, encodes_and_decodes_the_assignment_present_and_null) {
    int32_t parts[] = {0, 2};
    kfk_consumer_group_heartbeat_response_topic_partitions_t tp = {
        .topic_id = topic_id, .partitions = KFK_ARRAY_OF(parts)};
    kfk_consumer_group_heartbeat_response_assignment_t as = {.topic_partitions = {&tp, 1}};
    kfk_consumer_group_heartbeat_response_t resp = {.error_message = {NULL, -1},
                                                    .member_id = KFK_STR("m"),
                                                    .member_epoch = 5,
                                                    .heartbeat_interval_ms = 500,
                                                    .assignment = &as};
    cc_expect_response(API, 1, CORR, &resp, resp_v1, sizeof resp_v1);
    resp.assignment = NULL;
    cc_expect_response(API, 1, CORR, &resp, resp_v1_null, sizeof resp_v1_null);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_consumer_group_heartbeat_response_t *r =
        cc_decode_response(API, 1, CORR, resp_v1, sizeof resp_v1, &a);
    cr_assert(kfk_str_eq(r->member_id, "m"));
    cr_assert_eq(r->member_epoch, 5);
    cr_assert_eq(r->heartbeat_interval_ms, 500);
    cr_assert_not_null(r->assignment);
    cr_assert_eq(r->assignment->topic_partitions.count, 1);
    const kfk_consumer_group_heartbeat_response_topic_partitions_t *d =
        r->assignment->topic_partitions.items;
    cr_assert(!memcmp(d->topic_id.bytes, topic_id.bytes, 16));
    cr_assert_eq(d->partitions.count, 2);
    cr_assert_eq(KFK_ARRAY_AT(d->partitions, int32_t, 1), 2);
    r = cc_decode_response(API, 1, CORR, resp_v1_null, sizeof resp_v1_null, &a);
    cr_assert_null(r->assignment);
    cr_assert_eq(r->error_message.len, -1);
    kfk_arena_free(&a);
}

Test(consumer_group_heartbeat, any_negative_marker_is_null_as_in_kafkas_reader) {
    uint8_t f[sizeof resp_v1_null];
    memcpy(f, resp_v1_null, sizeof f);
    f[MARKER_AT] = 0x80; /* -128 */
    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_consumer_group_heartbeat_response_t *r =
        cc_decode_response(API, 1, CORR, f, sizeof f, &a);
    cr_assert_null(r->assignment);
    kfk_arena_free(&a);
}

Test(consumer_group_heartbeat, request_and_response_round_trip_in_every_version) {
    const kfk_api_t *api = kfk_api_get(API);
    cr_assert_eq(api->min_version, 0);
    cr_assert_eq(api->max_version, 1);
    for (int16_t v = api->min_version; v <= api->max_version; v++) {
        kfk_str_t names[] = {KFK_STR("a"), KFK_STR("b")};
        int32_t parts[] = {3, 1};
        kfk_consumer_group_heartbeat_request_topic_partitions_t tp = {
            .topic_id = topic_id, .partitions = KFK_ARRAY_OF(parts)};
        kfk_consumer_group_heartbeat_request_t req = {.group_id = KFK_STR("g"),
                                                      .member_id = KFK_STR("m"),
                                                      .member_epoch = 0,
                                                      .instance_id = KFK_STR("i"),
                                                      .rack_id = {NULL, -1},
                                                      .rebalance_timeout_ms = 30000,
                                                      .subscribed_topic_names = KFK_ARRAY_OF(names),
                                                      .subscribed_topic_regex = KFK_STR("^a.*"),
                                                      .server_assignor = KFK_STR("uniform"),
                                                      .topic_partitions = {&tp, 1},
                                                      .unknown_tags = CC_UNKNOWN_TAGS};
        kfk_arena_t a;
        kfk_arena_init(&a);
        const kfk_consumer_group_heartbeat_request_t *q =
            cc_round_trip(API, &kfk_consumer_group_heartbeat_request_schema, v, &req, &a);
        cr_assert(kfk_str_eq(q->instance_id, "i"), "v%d", v);
        cr_assert_eq(q->rack_id.len, -1, "v%d", v);
        cr_assert_eq(q->subscribed_topic_names.count, 2, "v%d", v);
        /* The regex is v1+: v0 decodes its default, null. */
        cr_assert(kfk_str_eq(q->subscribed_topic_regex, v >= 1 ? "^a.*" : NULL), "v%d", v);
        cr_assert_eq(q->topic_partitions.count, 1, "v%d", v);
        cr_assert(cc_tags_kept(API, q->unknown_tags, v), "v%d", v);
        /* "Unchanged since the last heartbeat": the nullable arrays as null. */
        req.subscribed_topic_names = (kfk_array_t){NULL, -1};
        req.topic_partitions = (kfk_array_t){NULL, -1};
        q = cc_round_trip(API, &kfk_consumer_group_heartbeat_request_schema, v, &req, &a);
        cr_assert_eq(q->subscribed_topic_names.count, -1, "v%d", v);
        cr_assert_eq(q->topic_partitions.count, -1, "v%d", v);

        kfk_consumer_group_heartbeat_response_assignment_t as = {.topic_partitions = {NULL, 0},
                                                                 .unknown_tags = CC_UNKNOWN_TAGS};
        kfk_consumer_group_heartbeat_response_t resp = {.error_code = KFK_ERR_FENCED_MEMBER_EPOCH,
                                                        .error_message = KFK_STR("fenced"),
                                                        .member_id = {NULL, -1},
                                                        .member_epoch = -1,
                                                        .assignment = &as,
                                                        .unknown_tags = CC_UNKNOWN_TAGS};
        const kfk_consumer_group_heartbeat_response_t *r =
            cc_round_trip(API, &kfk_consumer_group_heartbeat_response_schema, v, &resp, &a);
        cr_assert_eq(r->error_code, KFK_ERR_FENCED_MEMBER_EPOCH, "v%d", v);
        cr_assert_not_null(r->assignment, "v%d", v);
        cr_assert_eq(r->assignment->topic_partitions.count, 0, "v%d", v);
        cr_assert(cc_tags_kept(API, r->assignment->unknown_tags, v), "v%d", v);
        cr_assert(cc_tags_kept(API, r->unknown_tags, v), "v%d", v);
        kfk_arena_free(&a);
    }
}

Test(consumer_group_heartbeat, refuses_nulls_the_schema_does_not_allow) {
    kfk_consumer_group_heartbeat_request_t req = {.group_id = KFK_STR("g"),
                                                  .member_id = {NULL, -1},
                                                  .instance_id = {NULL, -1},
                                                  .rack_id = {NULL, -1},
                                                  .subscribed_topic_names = {NULL, -1},
                                                  .subscribed_topic_regex = {NULL, -1},
                                                  .server_assignor = {NULL, -1},
                                                  .topic_partitions = {NULL, -1}};
    cc_expect_encode_refused(API, &kfk_consumer_group_heartbeat_request_schema, 1, &req);
}

Test(consumer_group_heartbeat, truncated_frames_fail_at_every_length) {
    cc_expect_truncations_fail(API, false, 1, resp_v1, sizeof resp_v1);
    cc_expect_truncations_fail(API, false, 1, resp_v1_null, sizeof resp_v1_null);
}

Test(consumer_group_heartbeat, a_hostile_count_inside_the_assignment_is_a_bad_message) {
    static const uint8_t huge[] = {0x7f};
    /* topic_partitions' compact count, right after the marker. */
    cc_expect_bad_patch(API, false, 1, resp_v1, sizeof resp_v1, MARKER_AT + 1, huge, 1);
}
