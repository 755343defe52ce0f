/*
 * test_api_offset_fetch.c: OffsetFetch (key 9) tables, kfk versions 1-7 (flexible from 6; the
 * one-group shape). Golden frames written by hand from the protocol spec (v1, v6 and v7
 * requests, v1 and v6 responses), a round trip of every version, and malformed input.
 */
#include <criterion/criterion.h>

#include "kfk/protocol.h"

#include "codec_check.h"

#define API KFK_API_OFFSET_FETCH
#define CORR 7

/* ---- golden frames ---------------------------------------------------------------------- */

/* Request v1: partitions 0 and 1 of "t". */
static const uint8_t req_v1[] = {
    0x00, 0x00, 0x00, 0x23,      /* frame size 35 */
    0x00, 0x09, 0x00, 0x01,      /* api_key 9, api_version 1 */
    0x00, 0x00, 0x00, 0x07,      /* correlation_id 7 */
    0x00, 0x03, 'k',  'f',  'k', /* client_id "kfk" */
    0x00, 0x01, 'g',             /* group_id "g" */
    0x00, 0x00, 0x00, 0x01,      /* topics: 1 */
    0x00, 0x01, 't',             /*   name "t" */
    0x00, 0x00, 0x00, 0x02,      /*   partition_indexes: 2 */
    0x00, 0x00, 0x00, 0x00,      /*     0 */
    0x00, 0x00, 0x00, 0x01,      /*     1 */
};

/* Request v6 (first flexible): every topic (null). */
static const uint8_t req_v6[] = {
    0x00, 0x00, 0x00, 0x12,      /* frame size 18 */
    0x00, 0x09, 0x00, 0x06,      /* api_key 9, api_version 6 */
    0x00, 0x00, 0x00, 0x07,      /* correlation_id 7 */
    0x00, 0x03, 'k',  'f',  'k', /* client_id "kfk" */
    0x00,                        /* header tagged fields */
    0x02, 'g',                   /* group_id "g" */
    0x00,                        /* topics: null (all) */
    0x00,                        /* tagged fields */
};

/* Request v7: require_stable added. */
static const uint8_t req_v7[] = {
    0x00, 0x00, 0x00, 0x1b,       /* frame size 27 */
    0x00, 0x09, 0x00, 0x07,       /* api_key 9, api_version 7 */
    0x00, 0x00, 0x00, 0x07,       /* correlation_id 7 */
    0x00, 0x03, 'k',  'f',  'k',  /* client_id "kfk" */
    0x00,                         /* header tagged fields */
    0x02, 'g',                    /* group_id "g" */
    0x02,                         /* topics: 1 */
    0x02, 't',                    /*   name "t" */
    0x02, 0x00, 0x00, 0x00, 0x00, /*   partition_indexes [0] */
    0x00,                         /*   topic tagged fields */
    0x01,                         /* require_stable true */
    0x00,                         /* tagged fields */
};

/* Response v1: partition 0 at 100 with "" metadata, partition 1 without a committed offset. */
static const uint8_t resp_v1[] = {
    0x00, 0x00, 0x00, 0x2f,                         /* frame size 47 */
    0x00, 0x00, 0x00, 0x07,                         /* correlation_id 7 */
    0x00, 0x00, 0x00, 0x01,                         /* topics: 1 */
    0x00, 0x01, 't',                                /*   name "t" */
    0x00, 0x00, 0x00, 0x02,                         /*   partitions: 2 */
    0x00, 0x00, 0x00, 0x00,                         /*     partition_index 0 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x64, /*     committed_offset 100 */
    0x00, 0x00,                                     /*     metadata "" */
    0x00, 0x00,                                     /*     error_code 0 */
    0x00, 0x00, 0x00, 0x01,                         /*     partition_index 1 */
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /*     committed_offset -1 */
    0xff, 0xff,                                     /*     metadata null */
    0x00, 0x00,                                     /*     error_code 0 */
};

/* Response v6 (first flexible). */
static const uint8_t resp_v6[] = {
    0x00, 0x00, 0x00, 0x25,                         /* frame size 37 */
    0x00, 0x00, 0x00, 0x07,                         /* correlation_id 7 */
    0x00,                                           /* header tagged fields */
    0x00, 0x00, 0x00, 0x00,                         /* throttle_time_ms 0 */
    0x02,                                           /* topics: 1 */
    0x02, 't',                                      /*   name "t" */
    0x02,                                           /*   partitions: 1 */
    0x00, 0x00, 0x00, 0x00,                         /*     partition_index 0 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x64, /*     committed_offset 100 */
    0x00, 0x00, 0x00, 0x05,                         /*     committed_leader_epoch 5 */
    0x00,                                           /*     metadata null */
    0x00, 0x00,                                     /*     error_code 0 */
    0x00,                                           /*     partition tagged fields */
    0x00,                                           /*   topic tagged fields */
    0x00, 0x00,                                     /* error_code 0 */
    0x00,                                           /* tagged fields */
};

Test(offset_fetch, encodes_and_decodes_requests_v1_v6_v7) {
    int32_t idx[] = {0, 1};
    kfk_offset_fetch_request_topic_t topics[] = {
        {.name = KFK_STR("t"), .partition_indexes = KFK_ARRAY_OF(idx)}};
    kfk_offset_fetch_request_t r1 = {.group_id = KFK_STR("g"),
                                     .topics = KFK_ARRAY_OF(topics),
                                     .require_stable = true}; /* not in v1 */
    cc_expect_request(API, 1, CORR, &r1, req_v1, sizeof req_v1);
    kfk_offset_fetch_request_t r6 = {.group_id = KFK_STR("g"), .topics = {NULL, -1}};
    cc_expect_request(API, 6, CORR, &r6, req_v6, sizeof req_v6);
    kfk_offset_fetch_request_topic_t topics7[] = {
        {.name = KFK_STR("t"), .partition_indexes = {idx, 1}}};
    kfk_offset_fetch_request_t r7 = {
        .group_id = KFK_STR("g"), .topics = KFK_ARRAY_OF(topics7), .require_stable = true};
    cc_expect_request(API, 7, CORR, &r7, req_v7, sizeof req_v7);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_offset_fetch_request_t *d =
        cc_decode_request(API, 1, CORR, req_v1, sizeof req_v1, &a);
    cr_assert(kfk_str_eq(d->group_id, "g"));
    cr_assert_eq(d->require_stable, false);
    cr_assert_eq(d->topics.count, 1);
    const kfk_offset_fetch_request_topic_t *t = d->topics.items;
    cr_assert(kfk_str_eq(t->name, "t"));
    cr_assert_eq(t->partition_indexes.count, 2);
    cr_assert_eq(KFK_ARRAY_AT(t->partition_indexes, int32_t, 1), 1);
    d = cc_decode_request(API, 6, CORR, req_v6, sizeof req_v6, &a);
    cr_assert_eq(d->topics.count, -1);
    d = cc_decode_request(API, 7, CORR, req_v7, sizeof req_v7, &a);
    cr_assert_eq(d->require_stable, true);
    cr_assert_eq(d->topics.count, 1);
    kfk_arena_free(&a);
}

Test(offset_fetch, encodes_and_decodes_responses_v1_and_v6) {
    kfk_offset_fetch_response_partition_t parts[] = {
        {.partition_index = 0,
         .committed_offset = 100,
         .committed_leader_epoch = 5,
         .metadata = KFK_STR("")},
        {.partition_index = 1, .committed_offset = -1, .metadata = {NULL, -1}}};
    kfk_offset_fetch_response_topic_t topics[] = {
        {.name = KFK_STR("t"), .partitions = KFK_ARRAY_OF(parts)}};
    kfk_offset_fetch_response_t r1 = {.throttle_time_ms = 9, /* not in v1 */
                                      .topics = KFK_ARRAY_OF(topics),
                                      .error_code = KFK_ERR_NOT_COORDINATOR}; /* not in v1 */
    cc_expect_response(API, 1, CORR, &r1, resp_v1, sizeof resp_v1);
    kfk_offset_fetch_response_partition_t parts6[] = {{.partition_index = 0,
                                                       .committed_offset = 100,
                                                       .committed_leader_epoch = 5,
                                                       .metadata = {NULL, -1}}};
    kfk_offset_fetch_response_topic_t topics6[] = {
        {.name = KFK_STR("t"), .partitions = KFK_ARRAY_OF(parts6)}};
    kfk_offset_fetch_response_t r6 = {.topics = KFK_ARRAY_OF(topics6)};
    cc_expect_response(API, 6, CORR, &r6, resp_v6, sizeof resp_v6);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_offset_fetch_response_t *d =
        cc_decode_response(API, 1, CORR, resp_v1, sizeof resp_v1, &a);
    cr_assert_eq(d->throttle_time_ms, 0);
    cr_assert_eq(d->error_code, 0);
    const kfk_offset_fetch_response_topic_t *t = d->topics.items;
    cr_assert_eq(d->topics.count, 1);
    cr_assert(kfk_str_eq(t->name, "t"));
    const kfk_offset_fetch_response_partition_t *p = t->partitions.items;
    cr_assert_eq(t->partitions.count, 2);
    cr_assert_eq(p[0].committed_offset, 100);
    cr_assert_eq(p[0].committed_leader_epoch, -1, "absent in v1: default -1");
    cr_assert(kfk_str_eq(p[0].metadata, ""));
    cr_assert_eq(p[1].committed_offset, -1);
    cr_assert_eq(p[1].metadata.len, -1);
    d = cc_decode_response(API, 6, CORR, resp_v6, sizeof resp_v6, &a);
    t = d->topics.items;
    p = t->partitions.items;
    cr_assert_eq(p[0].committed_leader_epoch, 5);
    cr_assert_eq(p[0].metadata.len, -1);
    kfk_arena_free(&a);
}

Test(offset_fetch, request_round_trips_in_every_version) {
    const kfk_api_t *api = kfk_api_get(API);
    for (int16_t v = api->min_version; v <= api->max_version; v++) {
        int32_t i1[] = {0, 1, 2}, i2[] = {9};
        kfk_offset_fetch_request_topic_t topics[] = {
            {.name = KFK_STR("orders"), .partition_indexes = KFK_ARRAY_OF(i1)},
            {.name = KFK_STR("events"),
             .partition_indexes = KFK_ARRAY_OF(i2),
             .unknown_tags = CC_UNKNOWN_TAGS}};
        kfk_offset_fetch_request_t req = {.group_id = KFK_STR("group"),
                                          .topics = KFK_ARRAY_OF(topics),
                                          .require_stable = true,
                                          .unknown_tags = CC_UNKNOWN_TAGS};
        kfk_arena_t a;
        kfk_arena_init(&a);
        const kfk_offset_fetch_request_t *d =
            cc_round_trip(API, &kfk_offset_fetch_request_schema, v, &req, &a);
        cr_assert(kfk_str_eq(d->group_id, "group"), "v%d", v);
        cr_assert_eq(d->topics.count, 2, "v%d", v);
        const kfk_offset_fetch_request_topic_t *t = d->topics.items;
        cr_assert(kfk_str_eq(t[1].name, "events"), "v%d", v);
        cr_assert_eq(t[0].partition_indexes.count, 3, "v%d", v);
        cr_assert_eq(KFK_ARRAY_AT(t[0].partition_indexes, int32_t, 2), 2, "v%d", v);
        cr_assert_eq(KFK_ARRAY_AT(t[1].partition_indexes, int32_t, 0), 9, "v%d", v);
        cr_assert(cc_tags_kept(API, t[1].unknown_tags, v), "v%d", v);
        cr_assert_eq(d->require_stable, v >= 7, "v%d", v);
        cr_assert(cc_tags_kept(API, d->unknown_tags, v), "v%d", v);

        if (v >= 2) { /* null topics (all) from v2 */
            kfk_offset_fetch_request_t all = {.group_id = KFK_STR("group"), .topics = {NULL, -1}};
            d = cc_round_trip(API, &kfk_offset_fetch_request_schema, v, &all, &a);
            cr_assert_eq(d->topics.count, -1, "v%d", v);
        } else {
            kfk_offset_fetch_request_t all = {.group_id = KFK_STR("group"), .topics = {NULL, -1}};
            cc_expect_encode_refused(API, &kfk_offset_fetch_request_schema, v, &all);
        }
        kfk_arena_free(&a);
    }
}

Test(offset_fetch, response_round_trips_in_every_version) {
    const kfk_api_t *api = kfk_api_get(API);
    for (int16_t v = api->min_version; v <= api->max_version; v++) {
        kfk_offset_fetch_response_partition_t parts[] = {
            {.partition_index = 0,
             .committed_offset = 12345,
             .committed_leader_epoch = 6,
             .metadata = KFK_STR("m"),
             .error_code = 0},
            {.partition_index = 1,
             .committed_offset = -1,
             .committed_leader_epoch = -1,
             .metadata = {NULL, -1},
             .error_code = KFK_ERR_UNSTABLE_OFFSET_COMMIT,
             .unknown_tags = CC_UNKNOWN_TAGS}};
        kfk_offset_fetch_response_topic_t topics[] = {{.name = KFK_STR("orders"),
                                                       .partitions = KFK_ARRAY_OF(parts),
                                                       .unknown_tags = CC_UNKNOWN_TAGS}};
        kfk_offset_fetch_response_t resp = {.throttle_time_ms = 30,
                                            .topics = KFK_ARRAY_OF(topics),
                                            .error_code = KFK_ERR_GROUP_AUTHORIZATION_FAILED,
                                            .unknown_tags = CC_UNKNOWN_TAGS};
        kfk_arena_t a;
        kfk_arena_init(&a);
        const kfk_offset_fetch_response_t *d =
            cc_round_trip(API, &kfk_offset_fetch_response_schema, v, &resp, &a);
        cr_assert_eq(d->throttle_time_ms, v >= 3 ? 30 : 0, "v%d", v);
        cr_assert_eq(d->error_code, v >= 2 ? KFK_ERR_GROUP_AUTHORIZATION_FAILED : 0, "v%d", v);
        const kfk_offset_fetch_response_topic_t *t = d->topics.items;
        cr_assert_eq(d->topics.count, 1, "v%d", v);
        cr_assert(kfk_str_eq(t->name, "orders"), "v%d", v);
        cr_assert(cc_tags_kept(API, t->unknown_tags, v), "v%d", v);
        const kfk_offset_fetch_response_partition_t *p = t->partitions.items;
        cr_assert_eq(t->partitions.count, 2, "v%d", v);
        cr_assert_eq(p[0].committed_offset, 12345, "v%d", v);
        cr_assert_eq(p[0].committed_leader_epoch, v >= 5 ? 6 : -1, "v%d", v);
        cr_assert(kfk_str_eq(p[0].metadata, "m"), "v%d", v);
        cr_assert_eq(p[1].metadata.len, -1, "v%d", v);
        cr_assert_eq(p[1].error_code, KFK_ERR_UNSTABLE_OFFSET_COMMIT, "v%d", v);
        cr_assert(cc_tags_kept(API, p[1].unknown_tags, v), "v%d", v);
        cr_assert(cc_tags_kept(API, d->unknown_tags, v), "v%d", v);
        kfk_arena_free(&a);
    }
}

Test(offset_fetch, truncated_frames_fail_at_every_length) {
    cc_expect_truncations_fail(API, true, 1, req_v1, sizeof req_v1);
    cc_expect_truncations_fail(API, true, 6, req_v6, sizeof req_v6);
    cc_expect_truncations_fail(API, true, 7, req_v7, sizeof req_v7);
    cc_expect_truncations_fail(API, false, 1, resp_v1, sizeof resp_v1);
    cc_expect_truncations_fail(API, false, 6, resp_v6, sizeof resp_v6);
}

Test(offset_fetch, hostile_counts_and_lengths_are_bad_messages) {
    static const uint8_t huge[] = {0x7f, 0xff, 0xff, 0xff};
    static const uint8_t minus1_32[] = {0xff, 0xff, 0xff, 0xff};
    static const uint8_t minus2_32[] = {0xff, 0xff, 0xff, 0xfe};
    static const uint8_t minus2_16[] = {0xff, 0xfe};
    /* v1 request: topics count at 20 (not nullable before v2), partition_indexes count at 27. */
    cc_expect_bad_patch(API, true, 1, req_v1, sizeof req_v1, 20, minus1_32, 4);
    cc_expect_bad_patch(API, true, 1, req_v1, sizeof req_v1, 20, huge, 4);
    cc_expect_bad_patch(API, true, 1, req_v1, sizeof req_v1, 27, huge, 4);
    cc_expect_bad_patch(API, true, 1, req_v1, sizeof req_v1, 27, minus2_32, 4);
    /* v1 response: partitions count at 15, the first metadata length at 31. */
    cc_expect_bad_patch(API, false, 1, resp_v1, sizeof resp_v1, 15, huge, 4);
    cc_expect_bad_patch(API, false, 1, resp_v1, sizeof resp_v1, 31, minus2_16, 2);
    /* v6 request: a compact topics count that points past the end. */
    static const uint8_t big[] = {0x40};
    cc_expect_bad_patch(API, true, 6, req_v6, sizeof req_v6, 20, big, 1);
}
