/*
 * test_api_offset_commit.c: OffsetCommit (key 8) tables, kfk versions 2-8 (flexible from 8).
 * Golden frames written by hand from the protocol spec (v2 and v8 both ways), a round trip of
 * every version, and malformed input.
 */
#include <criterion/criterion.h>

#include "kfk/protocol.h"

#include "codec_check.h"

#define API KFK_API_OFFSET_COMMIT
#define CORR 7

/* ---- golden frames ---------------------------------------------------------------------- */

/* Request v2: two partitions of "t", one with empty metadata, one with null metadata. */
static const uint8_t req_v2[] = {
    0x00, 0x00, 0x00, 0x47,                         /* frame size 71 */
    0x00, 0x08, 0x00, 0x02,                         /* api_key 8, api_version 2 */
    0x00, 0x00, 0x00, 0x07,                         /* correlation_id 7 */
    0x00, 0x03, 'k',  'f',  'k',                    /* client_id "kfk" */
    0x00, 0x01, 'g',                                /* group_id "g" */
    0x00, 0x00, 0x00, 0x01,                         /* generation_id_or_member_epoch 1 */
    0x00, 0x02, 'm',  '1',                          /* member_id "m1" */
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* retention_time_ms -1 (broker's) */
    0x00, 0x00, 0x00, 0x01,                         /* topics: 1 */
    0x00, 0x01, 't',                                /*   name "t" */
    0x00, 0x00, 0x00, 0x02,                         /*   partitions: 2 */
    0x00, 0x00, 0x00, 0x00,                         /*     partition_index 0 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x64, /*     committed_offset 100 */
    0x00, 0x00,                                     /*     committed_metadata "" */
    0x00, 0x00, 0x00, 0x01,                         /*     partition_index 1 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc8, /*     committed_offset 200 */
    0xff, 0xff,                                     /*     committed_metadata null */
};

/* Request v8 (first flexible): a static member commits one partition with its leader epoch. */
static const uint8_t req_v8[] = {
    0x00, 0x00, 0x00, 0x32,                         /* frame size 50 */
    0x00, 0x08, 0x00, 0x08,                         /* api_key 8, api_version 8 */
    0x00, 0x00, 0x00, 0x07,                         /* correlation_id 7 */
    0x00, 0x03, 'k',  'f',  'k',                    /* client_id "kfk" */
    0x00,                                           /* header tagged fields */
    0x02, 'g',                                      /* group_id "g" */
    0x00, 0x00, 0x00, 0x01,                         /* generation_id_or_member_epoch 1 */
    0x03, 'm',  '1',                                /* member_id "m1" */
    0x03, 'i',  '1',                                /* group_instance_id "i1" */
    0x02,                                           /* topics: 1 */
    0x02, 't',                                      /*   name "t" */
    0x02,                                           /*   partitions: 1 */
    0x00, 0x00, 0x00, 0x00,                         /*     partition_index 0 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x64, /*     committed_offset 100 */
    0x00, 0x00, 0x00, 0x05,                         /*     committed_leader_epoch 5 */
    0x00,                                           /*     committed_metadata null */
    0x00,                                           /*     partition tagged fields */
    0x00,                                           /*   topic tagged fields */
    0x00,                                           /* tagged fields */
};

/* Response v2: partition 1 failed with ILLEGAL_GENERATION. */
static const uint8_t resp_v2[] = {
    0x00, 0x00, 0x00, 0x1b,             /* frame size 27 */
    0x00, 0x00, 0x00, 0x07,             /* correlation_id 7 */
    0x00, 0x00, 0x00, 0x01,             /* topics: 1 */
    0x00, 0x01, 't',                    /*   name "t" */
    0x00, 0x00, 0x00, 0x02,             /*   partitions: 2 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /*     partition_index 0, error_code 0 */
    0x00, 0x00, 0x00, 0x01, 0x00, 0x16, /*     partition_index 1, error_code 22 */
};

/* Response v8 (first flexible). */
static const uint8_t resp_v8[] = {
    0x00, 0x00, 0x00, 0x16,             /* frame size 22 */
    0x00, 0x00, 0x00, 0x07,             /* correlation_id 7 */
    0x00,                               /* header tagged fields */
    0x00, 0x00, 0x00, 0x00,             /* throttle_time_ms 0 */
    0x02,                               /* topics: 1 */
    0x02, 't',                          /*   name "t" */
    0x02,                               /*   partitions: 1 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /*     partition_index 0, error_code 0 */
    0x00,                               /*     partition tagged fields */
    0x00,                               /*   topic tagged fields */
    0x00,                               /* tagged fields */
};

Test(offset_commit, encodes_and_decodes_request_v2) {
    kfk_offset_commit_request_partition_t parts[] = {
        {.partition_index = 0, .committed_offset = 100, .committed_metadata = KFK_STR("")},
        {.partition_index = 1,
         .committed_offset = 200,
         .committed_leader_epoch = 9, /* not in v2 */
         .committed_metadata = {NULL, -1}}};
    kfk_offset_commit_request_topic_t topics[] = {
        {.name = KFK_STR("t"), .partitions = KFK_ARRAY_OF(parts)}};
    kfk_offset_commit_request_t req = {.group_id = KFK_STR("g"),
                                       .generation_id_or_member_epoch = 1,
                                       .member_id = KFK_STR("m1"),
                                       .group_instance_id = KFK_STR("i1"), /* not in v2 */
                                       .retention_time_ms = -1,
                                       .topics = KFK_ARRAY_OF(topics)};
    cc_expect_request(API, 2, CORR, &req, req_v2, sizeof req_v2);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_offset_commit_request_t *d =
        cc_decode_request(API, 2, CORR, req_v2, sizeof req_v2, &a);
    cr_assert(kfk_str_eq(d->group_id, "g"));
    cr_assert_eq(d->generation_id_or_member_epoch, 1);
    cr_assert(kfk_str_eq(d->member_id, "m1"));
    cr_assert_eq(d->group_instance_id.len, -1);
    cr_assert_eq(d->retention_time_ms, -1);
    cr_assert_eq(d->topics.count, 1);
    const kfk_offset_commit_request_topic_t *t = d->topics.items;
    cr_assert(kfk_str_eq(t->name, "t"));
    cr_assert_eq(t->partitions.count, 2);
    const kfk_offset_commit_request_partition_t *p = t->partitions.items;
    cr_assert_eq(p[0].committed_offset, 100);
    cr_assert_eq(p[0].committed_leader_epoch, -1, "absent in v2: default -1");
    cr_assert(kfk_str_eq(p[0].committed_metadata, ""));
    cr_assert_eq(p[1].partition_index, 1);
    cr_assert_eq(p[1].committed_offset, 200);
    cr_assert_eq(p[1].committed_metadata.len, -1);
    kfk_arena_free(&a);
}

Test(offset_commit, encodes_and_decodes_request_v8_flexible) {
    kfk_offset_commit_request_partition_t parts[] = {{.partition_index = 0,
                                                      .committed_offset = 100,
                                                      .committed_leader_epoch = 5,
                                                      .committed_metadata = {NULL, -1}}};
    kfk_offset_commit_request_topic_t topics[] = {
        {.name = KFK_STR("t"), .partitions = KFK_ARRAY_OF(parts)}};
    kfk_offset_commit_request_t req = {.group_id = KFK_STR("g"),
                                       .generation_id_or_member_epoch = 1,
                                       .member_id = KFK_STR("m1"),
                                       .group_instance_id = KFK_STR("i1"),
                                       .retention_time_ms = 86400000, /* v2-4 only */
                                       .topics = KFK_ARRAY_OF(topics)};
    cc_expect_request(API, 8, CORR, &req, req_v8, sizeof req_v8);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_offset_commit_request_t *d =
        cc_decode_request(API, 8, CORR, req_v8, sizeof req_v8, &a);
    cr_assert(kfk_str_eq(d->group_instance_id, "i1"));
    cr_assert_eq(d->retention_time_ms, -1, "absent in v8: default -1");
    const kfk_offset_commit_request_topic_t *t = d->topics.items;
    const kfk_offset_commit_request_partition_t *p = t->partitions.items;
    cr_assert_eq(p->committed_offset, 100);
    cr_assert_eq(p->committed_leader_epoch, 5);
    cr_assert_eq(p->committed_metadata.len, -1);
    kfk_arena_free(&a);
}

Test(offset_commit, encodes_and_decodes_responses_v2_and_v8) {
    kfk_offset_commit_response_partition_t parts[] = {
        {.partition_index = 0}, {.partition_index = 1, .error_code = KFK_ERR_ILLEGAL_GENERATION}};
    kfk_offset_commit_response_topic_t topics[] = {
        {.name = KFK_STR("t"), .partitions = KFK_ARRAY_OF(parts)}};
    kfk_offset_commit_response_t r2 = {.throttle_time_ms = 50, /* not in v2 */
                                       .topics = KFK_ARRAY_OF(topics)};
    cc_expect_response(API, 2, CORR, &r2, resp_v2, sizeof resp_v2);
    kfk_offset_commit_response_topic_t topics8[] = {
        {.name = KFK_STR("t"), .partitions = {parts, 1}}};
    kfk_offset_commit_response_t r8 = {.topics = KFK_ARRAY_OF(topics8)};
    cc_expect_response(API, 8, CORR, &r8, resp_v8, sizeof resp_v8);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_offset_commit_response_t *d =
        cc_decode_response(API, 2, CORR, resp_v2, sizeof resp_v2, &a);
    cr_assert_eq(d->throttle_time_ms, 0);
    const kfk_offset_commit_response_topic_t *t = d->topics.items;
    cr_assert_eq(d->topics.count, 1);
    cr_assert(kfk_str_eq(t->name, "t"));
    const kfk_offset_commit_response_partition_t *p = t->partitions.items;
    cr_assert_eq(t->partitions.count, 2);
    cr_assert_eq(p[1].partition_index, 1);
    cr_assert_eq(p[1].error_code, KFK_ERR_ILLEGAL_GENERATION);
    d = cc_decode_response(API, 8, CORR, resp_v8, sizeof resp_v8, &a);
    t = d->topics.items;
    cr_assert_eq(t->partitions.count, 1);
    kfk_arena_free(&a);
}

Test(offset_commit, request_round_trips_in_every_version) {
    const kfk_api_t *api = kfk_api_get(API);
    for (int16_t v = api->min_version; v <= api->max_version; v++) {
        kfk_offset_commit_request_partition_t p1[] = {{.partition_index = 0,
                                                       .committed_offset = 1000,
                                                       .committed_leader_epoch = 3,
                                                       .committed_metadata = KFK_STR("meta")},
                                                      {.partition_index = 7,
                                                       .committed_offset = INT64_MAX,
                                                       .committed_leader_epoch = -1,
                                                       .committed_metadata = {NULL, -1},
                                                       .unknown_tags = CC_UNKNOWN_TAGS}};
        kfk_offset_commit_request_partition_t p2[] = {
            {.partition_index = 2, .committed_offset = 0, .committed_metadata = KFK_STR("")}};
        kfk_offset_commit_request_topic_t topics[] = {
            {.name = KFK_STR("orders"), .partitions = KFK_ARRAY_OF(p1)},
            {.name = KFK_STR("events"),
             .partitions = KFK_ARRAY_OF(p2),
             .unknown_tags = CC_UNKNOWN_TAGS}};
        kfk_offset_commit_request_t req = {.group_id = KFK_STR("group"),
                                           .generation_id_or_member_epoch = 17,
                                           .member_id = KFK_STR("member"),
                                           .group_instance_id =
                                               v % 2 ? KFK_STR("instance") : (kfk_str_t){NULL, -1},
                                           .retention_time_ms = 604800000,
                                           .topics = KFK_ARRAY_OF(topics),
                                           .unknown_tags = CC_UNKNOWN_TAGS};
        kfk_arena_t a;
        kfk_arena_init(&a);
        const kfk_offset_commit_request_t *d =
            cc_round_trip(API, &kfk_offset_commit_request_schema, v, &req, &a);
        cr_assert(kfk_str_eq(d->group_id, "group"), "v%d", v);
        cr_assert_eq(d->generation_id_or_member_epoch, 17, "v%d", v);
        cr_assert(kfk_str_eq(d->member_id, "member"), "v%d", v);
        cr_assert(kfk_str_eq(d->group_instance_id, v >= 7 && v % 2 ? "instance" : NULL), "v%d", v);
        cr_assert_eq(d->retention_time_ms, v <= 4 ? 604800000 : -1, "v%d", v);
        cr_assert_eq(d->topics.count, 2, "v%d", v);
        const kfk_offset_commit_request_topic_t *t = d->topics.items;
        cr_assert(kfk_str_eq(t[0].name, "orders"), "v%d", v);
        cr_assert(kfk_str_eq(t[1].name, "events"), "v%d", v);
        cr_assert(cc_tags_kept(API, t[1].unknown_tags, v), "v%d", v);
        cr_assert_eq(t[0].partitions.count, 2, "v%d", v);
        const kfk_offset_commit_request_partition_t *p = t[0].partitions.items;
        cr_assert_eq(p[0].committed_offset, 1000, "v%d", v);
        cr_assert_eq(p[0].committed_leader_epoch, v >= 6 ? 3 : -1, "v%d", v);
        cr_assert(kfk_str_eq(p[0].committed_metadata, "meta"), "v%d", v);
        cr_assert_eq(p[1].partition_index, 7, "v%d", v);
        cr_assert_eq(p[1].committed_offset, INT64_MAX, "v%d", v);
        cr_assert_eq(p[1].committed_metadata.len, -1, "v%d", v);
        cr_assert(cc_tags_kept(API, p[1].unknown_tags, v), "v%d", v);
        cr_assert(cc_tags_kept(API, d->unknown_tags, v), "v%d", v);
        kfk_arena_free(&a);
    }
}

Test(offset_commit, response_round_trips_in_every_version) {
    const kfk_api_t *api = kfk_api_get(API);
    for (int16_t v = api->min_version; v <= api->max_version; v++) {
        kfk_offset_commit_response_partition_t parts[] = {
            {.partition_index = 0, .error_code = KFK_ERR_NONE},
            {.partition_index = 3,
             .error_code = KFK_ERR_OFFSET_METADATA_TOO_LARGE,
             .unknown_tags = CC_UNKNOWN_TAGS}};
        kfk_offset_commit_response_topic_t topics[] = {{.name = KFK_STR("orders"),
                                                        .partitions = KFK_ARRAY_OF(parts),
                                                        .unknown_tags = CC_UNKNOWN_TAGS}};
        kfk_offset_commit_response_t resp = {.throttle_time_ms = 20,
                                             .topics = KFK_ARRAY_OF(topics),
                                             .unknown_tags = CC_UNKNOWN_TAGS};
        kfk_arena_t a;
        kfk_arena_init(&a);
        const kfk_offset_commit_response_t *d =
            cc_round_trip(API, &kfk_offset_commit_response_schema, v, &resp, &a);
        cr_assert_eq(d->throttle_time_ms, v >= 3 ? 20 : 0, "v%d", v);
        cr_assert_eq(d->topics.count, 1, "v%d", v);
        const kfk_offset_commit_response_topic_t *t = d->topics.items;
        cr_assert(kfk_str_eq(t->name, "orders"), "v%d", v);
        cr_assert(cc_tags_kept(API, t->unknown_tags, v), "v%d", v);
        const kfk_offset_commit_response_partition_t *p = t->partitions.items;
        cr_assert_eq(t->partitions.count, 2, "v%d", v);
        cr_assert_eq(p[1].partition_index, 3, "v%d", v);
        cr_assert_eq(p[1].error_code, KFK_ERR_OFFSET_METADATA_TOO_LARGE, "v%d", v);
        cr_assert(cc_tags_kept(API, p[1].unknown_tags, v), "v%d", v);
        cr_assert(cc_tags_kept(API, d->unknown_tags, v), "v%d", v);
        kfk_arena_free(&a);
    }
}

Test(offset_commit, refuses_nulls_the_version_does_not_allow) {
    kfk_offset_commit_request_topic_t topics[] = {{.name = {NULL, -1}}};
    kfk_offset_commit_request_t req = {.group_id = KFK_STR("g"), .topics = KFK_ARRAY_OF(topics)};
    cc_expect_encode_refused(API, &kfk_offset_commit_request_schema, 8, &req);
    kfk_offset_commit_request_t req2 = {.group_id = KFK_STR("g"), .topics = {NULL, -1}};
    cc_expect_encode_refused(API, &kfk_offset_commit_request_schema, 8, &req2);
}

Test(offset_commit, truncated_frames_fail_at_every_length) {
    cc_expect_truncations_fail(API, true, 2, req_v2, sizeof req_v2);
    cc_expect_truncations_fail(API, true, 8, req_v8, sizeof req_v8);
    cc_expect_truncations_fail(API, false, 2, resp_v2, sizeof resp_v2);
    cc_expect_truncations_fail(API, false, 8, resp_v8, sizeof resp_v8);
}

Test(offset_commit, hostile_counts_and_lengths_are_bad_messages) {
    static const uint8_t huge[] = {0x7f, 0xff, 0xff, 0xff};
    static const uint8_t minus1_32[] = {0xff, 0xff, 0xff, 0xff};
    static const uint8_t minus2_32[] = {0xff, 0xff, 0xff, 0xfe};
    static const uint8_t minus2_16[] = {0xff, 0xfe};
    static const uint8_t past_end[] = {0x7f, 0xff};
    /* v2 response: topics count at 8, name length at 12, partitions count at 15. */
    cc_expect_bad_patch(API, false, 2, resp_v2, sizeof resp_v2, 8, huge, 4);
    cc_expect_bad_patch(API, false, 2, resp_v2, sizeof resp_v2, 8, minus1_32, 4); /* not nullable */
    cc_expect_bad_patch(API, false, 2, resp_v2, sizeof resp_v2, 12, past_end, 2);
    cc_expect_bad_patch(API, false, 2, resp_v2, sizeof resp_v2, 15, huge, 4);
    cc_expect_bad_patch(API, false, 2, resp_v2, sizeof resp_v2, 15, minus2_32, 4);
    /* v2 request: partitions count at 43, the first committed_metadata length at 59. */
    cc_expect_bad_patch(API, true, 2, req_v2, sizeof req_v2, 43, huge, 4);
    cc_expect_bad_patch(API, true, 2, req_v2, sizeof req_v2, 59, minus2_16, 2);
    cc_expect_bad_patch(API, true, 2, req_v2, sizeof req_v2, 59, past_end, 2);
}
