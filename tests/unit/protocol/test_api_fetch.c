/*
 * test_api_fetch.c: Fetch (key 1) tables, versions 4-12 (flexible from 12). Golden frames
 * written by hand from FetchRequest.json / FetchResponse.json (records stay opaque bytes), with
 * every tagged field kfk knows at v12: ClusterId (tag 0 of the request), DivergingEpoch,
 * CurrentLeader and SnapshotId (tags 0, 1, 2 of a response partition); a round trip at every
 * version, and malformed input.
 */
#include <criterion/criterion.h>

#include "kfk/protocol.h"

#include "codec_check.h"

#define API KFK_API_FETCH

/* Opaque record bytes: the codec never looks inside. */
static const uint8_t recs[] = {0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};

typedef kfk_fetch_request_fetch_topic_t fetch_topic_t;
typedef kfk_fetch_request_fetch_partition_t fetch_partition_t;
typedef kfk_fetch_request_forgotten_topic_t forgotten_topic_t;
typedef kfk_fetch_response_fetchable_topic_response_t topic_response_t;
typedef kfk_fetch_response_partition_data_t partition_data_t;
typedef kfk_fetch_response_aborted_transaction_t aborted_t;

/* ---- golden frames ------------------------------------------------------------------------ */

/* v4 request (kfk's lowest): header v1, non-flexible body. */
static const uint8_t req_v4[] = {
    0x00, 0x00, 0x00, 0x3a,                         /* frame size 58 */
    0x00, 0x01,                                     /* api_key 1 */
    0x00, 0x04,                                     /* api_version 4 */
    0x00, 0x00, 0x00, 0x01,                         /* correlation_id 1 */
    0x00, 0x03, 'k',  'f',  'k',                    /* client_id "kfk" */
    0xff, 0xff, 0xff, 0xff,                         /* replica_id -1 */
    0x00, 0x00, 0x01, 0xf4,                         /* max_wait_ms 500 */
    0x00, 0x00, 0x00, 0x01,                         /* min_bytes 1 */
    0x03, 0x20, 0x00, 0x00,                         /* max_bytes 52428800 (v3+) */
    0x01,                                           /* isolation_level 1 (v4+) */
    0x00, 0x00, 0x00, 0x01,                         /* topics: 1 */
    0x00, 0x02, 't',  '1',                          /*   topic "t1" */
    0x00, 0x00, 0x00, 0x01,                         /*   partitions: 1 */
    0x00, 0x00, 0x00, 0x00,                         /*     partition 0 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x64, /*     fetch_offset 100 */
    0x00, 0x10, 0x00, 0x00,                         /*     partition_max_bytes 1048576 */
};

/* v12 request (first flexible, kfk's highest): header v2, ClusterId as tag 0. */
static const uint8_t req_v12[] = {
    0x00, 0x00, 0x00, 0x65,                         /* frame size 101 */
    0x00, 0x01,                                     /* api_key 1 */
    0x00, 0x0c,                                     /* api_version 12 */
    0x00, 0x00, 0x00, 0x02,                         /* correlation_id 2 */
    0x00, 0x03, 'k',  'f',  'k',                    /* client_id "kfk" */
    0x00,                                           /* header tagged fields: none */
    0xff, 0xff, 0xff, 0xff,                         /* replica_id -1 */
    0x00, 0x00, 0x01, 0xf4,                         /* max_wait_ms 500 */
    0x00, 0x00, 0x00, 0x01,                         /* min_bytes 1 */
    0x03, 0x20, 0x00, 0x00,                         /* max_bytes 52428800 */
    0x01,                                           /* isolation_level 1 */
    0x00, 0x00, 0x00, 0x00,                         /* session_id 0 (v7+) */
    0xff, 0xff, 0xff, 0xff,                         /* session_epoch -1 (v7+) */
    0x02,                                           /* topics: 1 (compact) */
    0x03, 't',  '1',                                /*   topic "t1" */
    0x02,                                           /*   partitions: 1 */
    0x00, 0x00, 0x00, 0x00,                         /*     partition 0 */
    0x00, 0x00, 0x00, 0x05,                         /*     current_leader_epoch 5 (v9+) */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x64, /*     fetch_offset 100 */
    0x00, 0x00, 0x00, 0x04,                         /*     last_fetched_epoch 4 (v12+) */
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /*     log_start_offset -1 (v5+) */
    0x00, 0x10, 0x00, 0x00,                         /*     partition_max_bytes 1048576 */
    0x00,                                           /*     partition tagged fields: none */
    0x00,                                           /*   topic tagged fields: none */
    0x02,                                           /* forgotten_topics_data: 1 (v7+) */
    0x03, 't',  '2',                                /*   topic "t2" */
    0x03,                                           /*   partitions: 2 */
    0x00, 0x00, 0x00, 0x01,                         /*     1 */
    0x00, 0x00, 0x00, 0x02,                         /*     2 */
    0x00,                                           /*   tagged fields: none */
    0x03, 'r',  '1',                                /* rack_id "r1" (v11+) */
    0x01,                                           /* tagged fields: 1 */
    0x00, 0x03,                                     /*   tag 0 cluster_id, 3 bytes */
    0x03, 'c',  '1',                                /*     "c1" (compact nullable string) */
};

/* v4 response: header v0; aborted transactions (v4+), one null list and null records. */
static const uint8_t resp_v4[] = {
    0x00, 0x00, 0x00, 0x66,                         /* frame size 102 */
    0x00, 0x00, 0x00, 0x01,                         /* correlation_id 1 */
    0x00, 0x00, 0x00, 0x00,                         /* throttle_time_ms 0 */
    0x00, 0x00, 0x00, 0x01,                         /* responses: 1 */
    0x00, 0x02, 't',  '1',                          /*   topic "t1" */
    0x00, 0x00, 0x00, 0x02,                         /*   partitions: 2 */
    0x00, 0x00, 0x00, 0x00,                         /*     partition_index 0 */
    0x00, 0x00,                                     /*     error_code 0 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc8, /*     high_watermark 200 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x96, /*     last_stable_offset 150 */
    0x00, 0x00, 0x00, 0x01,                         /*     aborted_transactions: 1 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, /*       producer_id 7 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xa0, /*       first_offset 160 */
    0x00, 0x00, 0x00, 0x06,                         /*     records: 6 bytes */
    0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,             /* (continued) */
    0x00, 0x00, 0x00, 0x01,                         /*     partition_index 1 */
    0x00, 0x01,                                     /*     error_code 1 OFFSET_OUT_OF_RANGE */
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /*     high_watermark -1 */
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /*     last_stable_offset -1 */
    0xff, 0xff, 0xff, 0xff,                         /*     aborted_transactions null */
    0xff, 0xff, 0xff, 0xff,                         /*     records null */
};

/* v12 response: header v1; partition 1 carries all three tagged fields, in tag order. */
static const uint8_t resp_v12[] = {
    0x00, 0x00, 0x00, 0xa0,                         /* frame size 160 */
    0x00, 0x00, 0x00, 0x02,                         /* correlation_id 2 */
    0x00,                                           /* header tagged fields: none */
    0x00, 0x00, 0x00, 0x00,                         /* throttle_time_ms 0 */
    0x00, 0x00,                                     /* error_code 0 (v7+) */
    0x00, 0x00, 0x04, 0xd2,                         /* session_id 1234 (v7+) */
    0x02,                                           /* responses: 1 */
    0x03, 't',  '1',                                /*   topic "t1" */
    0x03,                                           /*   partitions: 2 */
    0x00, 0x00, 0x00, 0x00,                         /*     partition_index 0 */
    0x00, 0x00,                                     /*     error_code 0 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc8, /*     high_watermark 200 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x96, /*     last_stable_offset 150 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /*     log_start_offset 0 (v5+) */
    0x02,                                           /*     aborted_transactions: 1 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, /*       producer_id 7 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xa0, /*       first_offset 160 */
    0x00,                                           /*       tagged fields: none */
    0xff, 0xff, 0xff, 0xff,                         /*     preferred_read_replica -1 (v11+) */
    0x07,                                           /*     records: 6 bytes (compact) */
    0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,             /* (continued) */
    0x00,                                           /*     partition tagged fields: none */
    0x00, 0x00, 0x00, 0x01,                         /*     partition_index 1 */
    0x00, 0x4a,                                     /*     error_code 74 FENCED_LEADER_EPOCH */
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /*     high_watermark -1 */
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /*     last_stable_offset -1 */
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /*     log_start_offset -1 */
    0x00,                                           /*     aborted_transactions null */
    0xff, 0xff, 0xff, 0xff,                         /*     preferred_read_replica -1 */
    0x00,                                           /*     records null */
    0x03,                                           /*     partition tagged fields: 3 */
    0x00, 0x0d,                                     /*       tag 0 diverging_epoch, 13 bytes */
    0x00, 0x00, 0x00, 0x03,                         /*         epoch 3 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x64, /*         end_offset 100 */
    0x00,                                           /*         tagged fields: none */
    0x01, 0x09,                                     /*       tag 1 current_leader, 9 bytes */
    0x00, 0x00, 0x00, 0x02,                         /*         leader_id 2 */
    0x00, 0x00, 0x00, 0x05,                         /*         leader_epoch 5 */
    0x00,                                           /*         tagged fields: none */
    0x02, 0x0d,                                     /*       tag 2 snapshot_id, 13 bytes */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x32, /*         end_offset 50 */
    0x00, 0x00, 0x00, 0x02,                         /*         epoch 2 */
    0x00,                                           /*         tagged fields: none */
    0x00,                                           /*   topic tagged fields: none */
    0x00,                                           /* tagged fields: none */
};

static partition_data_t plain_partition(int32_t index) {
    return (partition_data_t){.partition_index = index,
                              .last_stable_offset = -1,
                              .log_start_offset = -1,
                              .diverging_epoch = {-1, -1},
                              .current_leader = {-1, -1},
                              .snapshot_id = {-1, -1},
                              .preferred_read_replica = -1};
}

Test(fetch, encodes_and_decodes_the_v4_request) {
    fetch_partition_t parts[] = {{.partition = 0,
                                  .current_leader_epoch = -1,
                                  .fetch_offset = 100,
                                  .last_fetched_epoch = -1,
                                  .log_start_offset = -1,
                                  .partition_max_bytes = 1048576}};
    fetch_topic_t topics[] = {{.topic = KFK_STR("t1"), .partitions = KFK_ARRAY_OF(parts)}};
    kfk_fetch_request_t req = {.cluster_id = {NULL, -1},
                               .replica_id = -1,
                               .max_wait_ms = 500,
                               .min_bytes = 1,
                               .max_bytes = 52428800,
                               .isolation_level = 1,
                               .session_id = 0,
                               .session_epoch = -1,
                               .topics = KFK_ARRAY_OF(topics),
                               .rack_id = KFK_STR("")};
    cc_expect_request(API, 4, 1, &req, req_v4, sizeof req_v4);

    kfk_arena_t arena = {0};
    kfk_fetch_request_t *got = cc_decode_request(API, 4, 1, req_v4, sizeof req_v4, &arena);
    cr_assert_eq(got->replica_id, -1);
    cr_assert_eq(got->max_wait_ms, 500);
    cr_assert_eq(got->min_bytes, 1);
    cr_assert_eq(got->max_bytes, 52428800);
    cr_assert_eq(got->isolation_level, 1);
    cr_assert_eq(got->session_id, 0, "absent before v7: the default");
    cr_assert_eq(got->session_epoch, -1, "absent before v7: the default");
    cc_expect_str(got->cluster_id, NULL);
    cc_expect_str(got->rack_id, "");
    cr_assert_eq(got->forgotten_topics_data.count, 0);
    cr_assert_eq(got->topics.count, 1);
    fetch_topic_t *t = &KFK_ARRAY_AT(got->topics, fetch_topic_t, 0);
    cc_expect_str(t->topic, "t1");
    cr_assert_eq(t->partitions.count, 1);
    fetch_partition_t *p = &KFK_ARRAY_AT(t->partitions, fetch_partition_t, 0);
    cr_assert_eq(p->partition, 0);
    cr_assert_eq(p->current_leader_epoch, -1);
    cr_assert_eq(p->fetch_offset, 100);
    cr_assert_eq(p->last_fetched_epoch, -1);
    cr_assert_eq(p->log_start_offset, -1);
    cr_assert_eq(p->partition_max_bytes, 1048576);
    kfk_arena_free(&arena);
}

Test(fetch, encodes_and_decodes_the_v12_request_with_cluster_id_as_tag_0) {
    fetch_partition_t parts[] = {{.partition = 0,
                                  .current_leader_epoch = 5,
                                  .fetch_offset = 100,
                                  .last_fetched_epoch = 4,
                                  .log_start_offset = -1,
                                  .partition_max_bytes = 1048576}};
    fetch_topic_t topics[] = {{.topic = KFK_STR("t1"), .partitions = KFK_ARRAY_OF(parts)}};
    int32_t forget[] = {1, 2};
    forgotten_topic_t forgotten[] = {{.topic = KFK_STR("t2"), .partitions = KFK_ARRAY_OF(forget)}};
    kfk_fetch_request_t req = {.cluster_id = KFK_STR("c1"),
                               .replica_id = -1,
                               .max_wait_ms = 500,
                               .min_bytes = 1,
                               .max_bytes = 52428800,
                               .isolation_level = 1,
                               .session_id = 0,
                               .session_epoch = -1,
                               .topics = KFK_ARRAY_OF(topics),
                               .forgotten_topics_data = KFK_ARRAY_OF(forgotten),
                               .rack_id = KFK_STR("r1")};
    cc_expect_request(API, 12, 2, &req, req_v12, sizeof req_v12);

    kfk_arena_t arena = {0};
    kfk_fetch_request_t *got = cc_decode_request(API, 12, 2, req_v12, sizeof req_v12, &arena);
    cc_expect_str(got->cluster_id, "c1");
    cr_assert_eq(got->unknown_tags.len, 0);
    cr_assert_eq(got->session_epoch, -1);
    cc_expect_str(got->rack_id, "r1");
    fetch_partition_t *p =
        &KFK_ARRAY_AT(KFK_ARRAY_AT(got->topics, fetch_topic_t, 0).partitions, fetch_partition_t, 0);
    cr_assert_eq(p->current_leader_epoch, 5);
    cr_assert_eq(p->last_fetched_epoch, 4);
    cr_assert_eq(p->fetch_offset, 100);
    cr_assert_eq(got->forgotten_topics_data.count, 1);
    forgotten_topic_t *f = &KFK_ARRAY_AT(got->forgotten_topics_data, forgotten_topic_t, 0);
    cc_expect_str(f->topic, "t2");
    cr_assert_eq(f->partitions.count, 2);
    cr_assert_eq(KFK_ARRAY_AT(f->partitions, int32_t, 0), 1);
    cr_assert_eq(KFK_ARRAY_AT(f->partitions, int32_t, 1), 2);
    kfk_arena_free(&arena);
}

Test(fetch, encodes_and_decodes_the_v4_response_with_aborted_transactions) {
    aborted_t aborted[] = {{.producer_id = 7, .first_offset = 160}};
    partition_data_t parts[2] = {plain_partition(0), plain_partition(1)};
    parts[0].high_watermark = 200;
    parts[0].last_stable_offset = 150;
    parts[0].aborted_transactions = KFK_ARRAY_OF(aborted);
    parts[0].records = (kfk_bytes_t){recs, sizeof recs};
    parts[1].error_code = KFK_ERR_OFFSET_OUT_OF_RANGE;
    parts[1].high_watermark = -1;
    parts[1].aborted_transactions = (kfk_array_t){NULL, -1};
    parts[1].records = (kfk_bytes_t){NULL, -1};
    topic_response_t topics[] = {{.topic = KFK_STR("t1"), .partitions = KFK_ARRAY_OF(parts)}};
    kfk_fetch_response_t resp = {.responses = KFK_ARRAY_OF(topics)};
    cc_expect_response(API, 4, 1, &resp, resp_v4, sizeof resp_v4);

    kfk_arena_t arena = {0};
    kfk_fetch_response_t *got = cc_decode_response(API, 4, 1, resp_v4, sizeof resp_v4, &arena);
    cr_assert_eq(got->responses.count, 1);
    topic_response_t *t = &KFK_ARRAY_AT(got->responses, topic_response_t, 0);
    cc_expect_str(t->topic, "t1");
    cr_assert_eq(t->partitions.count, 2);
    partition_data_t *p = (partition_data_t *)t->partitions.items;
    cr_assert_eq(p[0].high_watermark, 200);
    cr_assert_eq(p[0].last_stable_offset, 150);
    cr_assert_eq(p[0].log_start_offset, -1, "absent before v5: the default");
    cr_assert_eq(p[0].preferred_read_replica, -1, "absent before v11: the default");
    cr_assert_eq(p[0].aborted_transactions.count, 1);
    cr_assert_eq(KFK_ARRAY_AT(p[0].aborted_transactions, aborted_t, 0).producer_id, 7);
    cr_assert_eq(KFK_ARRAY_AT(p[0].aborted_transactions, aborted_t, 0).first_offset, 160);
    cc_expect_blob(p[0].records, recs, sizeof recs);
    cr_assert_eq(p[0].records.ptr, resp_v4 + 4 + 66, "records point into the frame (zero copy)");
    cr_assert_eq(p[1].error_code, KFK_ERR_OFFSET_OUT_OF_RANGE);
    cr_assert_eq(p[1].aborted_transactions.count, -1, "a null list stays null");
    cc_expect_blob(p[1].records, NULL, -1);
    cr_assert_eq(p[1].diverging_epoch.epoch, -1);
    cr_assert_eq(p[1].snapshot_id.end_offset, -1);
    kfk_arena_free(&arena);
}

Test(fetch, encodes_and_decodes_the_v12_response_with_diverging_epoch_leader_and_snapshot) {
    aborted_t aborted[] = {{.producer_id = 7, .first_offset = 160}};
    partition_data_t parts[2] = {plain_partition(0), plain_partition(1)};
    parts[0].high_watermark = 200;
    parts[0].last_stable_offset = 150;
    parts[0].log_start_offset = 0;
    parts[0].aborted_transactions = KFK_ARRAY_OF(aborted);
    parts[0].records = (kfk_bytes_t){recs, sizeof recs};
    parts[1].error_code = KFK_ERR_FENCED_LEADER_EPOCH;
    parts[1].high_watermark = -1;
    parts[1].aborted_transactions = (kfk_array_t){NULL, -1};
    parts[1].records = (kfk_bytes_t){NULL, -1};
    parts[1].diverging_epoch =
        (kfk_fetch_response_epoch_end_offset_t){.epoch = 3, .end_offset = 100};
    parts[1].current_leader =
        (kfk_fetch_response_leader_id_and_epoch_t){.leader_id = 2, .leader_epoch = 5};
    parts[1].snapshot_id = (kfk_fetch_response_snapshot_id_t){.end_offset = 50, .epoch = 2};
    topic_response_t topics[] = {{.topic = KFK_STR("t1"), .partitions = KFK_ARRAY_OF(parts)}};
    kfk_fetch_response_t resp = {.session_id = 1234, .responses = KFK_ARRAY_OF(topics)};
    cc_expect_response(API, 12, 2, &resp, resp_v12, sizeof resp_v12);

    kfk_arena_t arena = {0};
    kfk_fetch_response_t *got = cc_decode_response(API, 12, 2, resp_v12, sizeof resp_v12, &arena);
    cr_assert_eq(got->session_id, 1234);
    topic_response_t *t = &KFK_ARRAY_AT(got->responses, topic_response_t, 0);
    partition_data_t *p = (partition_data_t *)t->partitions.items;
    cr_assert_eq(t->partitions.count, 2);
    cr_assert_eq(p[0].log_start_offset, 0);
    cr_assert_eq(p[0].preferred_read_replica, -1);
    cr_assert_eq(p[0].diverging_epoch.epoch, -1, "no tag: the default");
    cr_assert_eq(p[0].current_leader.leader_id, -1, "no tag: the default");
    cr_assert_eq(p[0].snapshot_id.epoch, -1, "no tag: the default");
    cc_expect_blob(p[0].records, recs, sizeof recs);
    cr_assert_eq(p[1].error_code, KFK_ERR_FENCED_LEADER_EPOCH);
    cr_assert_eq(p[1].aborted_transactions.count, -1);
    cc_expect_blob(p[1].records, NULL, -1);
    cr_assert_eq(p[1].diverging_epoch.epoch, 3);
    cr_assert_eq(p[1].diverging_epoch.end_offset, 100);
    cr_assert_eq(p[1].current_leader.leader_id, 2);
    cr_assert_eq(p[1].current_leader.leader_epoch, 5);
    cr_assert_eq(p[1].snapshot_id.end_offset, 50);
    cr_assert_eq(p[1].snapshot_id.epoch, 2);
    cr_assert_eq(p[1].unknown_tags.len, 0);
    kfk_arena_free(&arena);
}

Test(fetch, writes_only_the_tagged_fields_that_differ_from_their_defaults) {
    /* Only current_leader set: the partition's tagged section holds tag 1 alone. */
    partition_data_t parts[1] = {plain_partition(0)};
    parts[0].current_leader =
        (kfk_fetch_response_leader_id_and_epoch_t){.leader_id = 1, .leader_epoch = -1};
    topic_response_t topics[] = {{.topic = KFK_STR("t"), .partitions = KFK_ARRAY_OF(parts)}};
    kfk_fetch_response_t resp = {.responses = KFK_ARRAY_OF(topics)};
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    cr_assert_eq(kfk_schema_encode(&kfk_fetch_response_schema, 12, true, &resp, &w), KFK_ERR_NONE);
    static const uint8_t want[] = {
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* throttle, error, session */
        0x02, 0x02, 't',  0x02,                                     /* 1 topic "t", 1 partition */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00,                         /* index 0, error_code 0 */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,             /* high_watermark 0 */
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,             /* last_stable_offset -1 */
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,             /* log_start_offset -1 */
        0x01,                                                       /* no aborted transactions */
        0xff, 0xff, 0xff, 0xff,                                     /* preferred_read_replica */
        0x01,                                                       /* records: empty */
        0x01, 0x01, 0x09,                                           /* 1 tag: 1, 9 bytes */
        0x00, 0x00, 0x00, 0x01, 0xff, 0xff, 0xff, 0xff, 0x00,       /*   leader 1, epoch -1 */
        0x00, 0x00,                                                 /* topic, body tags: none */
    };
    cc_expect_bytes(&w, want, sizeof want);
    kfk_wbuf_free(&w);
}

Test(fetch, keeps_unknown_tags_of_a_partition_between_known_ones) {
    /* A v12 partition with tags 1 (current_leader), 3 (unknown, 1 byte) and 9 (unknown, 0). */
    static const uint8_t body[] = {
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 't',  0x02,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0x01, 0xff, 0xff, 0xff, 0xff, 0x01, 0x03, 0x01, 0x09, 0x00, 0x00, 0x00,
        0x01, 0xff, 0xff, 0xff, 0xff, 0x00, 0x03, 0x01, 0x7f, 0x09, 0x00, 0x00, 0x00};
    kfk_fetch_response_t out;
    kfk_arena_t arena = {0};
    kfk_rbuf_t r;
    kfk_rbuf_init(&r, body, sizeof body);
    cr_assert_eq(kfk_schema_decode(&kfk_fetch_response_schema, 12, true, &r, &arena, &out),
                 KFK_ERR_NONE);
    cr_assert_eq(kfk_rbuf_left(&r), 0);
    partition_data_t *p = &KFK_ARRAY_AT(KFK_ARRAY_AT(out.responses, topic_response_t, 0).partitions,
                                        partition_data_t, 0);
    cr_assert_eq(p->current_leader.leader_id, 1);
    cr_assert_eq(p->unknown_tags.len, 5, "tags 3 and 9 kept raw");
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    cr_assert_eq(kfk_schema_encode(&kfk_fetch_response_schema, 12, true, &out, &w), KFK_ERR_NONE);
    cc_expect_bytes(&w, body, sizeof body);
    kfk_wbuf_free(&w);
    kfk_arena_free(&arena);
}

/* ---- round trips -------------------------------------------------------------------------- */

Test(fetch, round_trips_every_request_version) {
    for (int16_t v = 4; v <= 12; v++) {
        for (int variant = 0; variant <= 1; variant++) {
            fetch_partition_t parts[] = {{.partition = 3,
                                          .current_leader_epoch = 11,
                                          .fetch_offset = 123456789012,
                                          .last_fetched_epoch = 10,
                                          .log_start_offset = 99,
                                          .partition_max_bytes = 65536},
                                         {.partition = 4,
                                          .current_leader_epoch = -1,
                                          .fetch_offset = 0,
                                          .last_fetched_epoch = -1,
                                          .log_start_offset = -1,
                                          .partition_max_bytes = 1}};
            fetch_topic_t topics[] = {
                {.topic = KFK_STR("orders"), .partitions = KFK_ARRAY_OF(parts)},
                {.topic = KFK_STR("idle"), .partitions = {NULL, 0}}};
            int32_t forget[] = {0, 5, 6};
            forgotten_topic_t forgotten[] = {
                {.topic = KFK_STR("old"), .partitions = KFK_ARRAY_OF(forget)}};
            kfk_fetch_request_t req = {.cluster_id =
                                           variant ? KFK_STR("cluster-xyz") : (kfk_str_t){NULL, -1},
                                       .replica_id = -1,
                                       .max_wait_ms = 250,
                                       .min_bytes = 10,
                                       .max_bytes = 1 << 20,
                                       .isolation_level = (int8_t)variant,
                                       .session_id = 77,
                                       .session_epoch = 3,
                                       .topics = KFK_ARRAY_OF(topics),
                                       .forgotten_topics_data = KFK_ARRAY_OF(forgotten),
                                       .rack_id = KFK_STR("rack-a")};
            kfk_arena_t arena = {0};
            kfk_fetch_request_t *out =
                cc_round_trip(API, &kfk_fetch_request_schema, v, &req, &arena);
            cr_assert_eq(out->replica_id, -1);
            cr_assert_eq(out->max_wait_ms, 250);
            cr_assert_eq(out->max_bytes, 1 << 20);
            cr_assert_eq(out->isolation_level, variant);
            cr_assert_eq(out->session_id, v >= 7 ? 77 : 0, "v%d", v);
            cr_assert_eq(out->session_epoch, v >= 7 ? 3 : -1, "v%d", v);
            cc_expect_str(out->cluster_id, v >= 12 && variant ? "cluster-xyz" : NULL);
            cc_expect_str(out->rack_id, v >= 11 ? "rack-a" : "");
            cr_assert_eq(out->topics.count, 2);
            fetch_topic_t *t = &KFK_ARRAY_AT(out->topics, fetch_topic_t, 0);
            cc_expect_str(t->topic, "orders");
            fetch_partition_t *p = (fetch_partition_t *)t->partitions.items;
            cr_assert_eq(t->partitions.count, 2);
            cr_assert_eq(p[0].partition, 3);
            cr_assert_eq(p[0].fetch_offset, 123456789012);
            cr_assert_eq(p[0].current_leader_epoch, v >= 9 ? 11 : -1, "v%d", v);
            cr_assert_eq(p[0].last_fetched_epoch, v >= 12 ? 10 : -1, "v%d", v);
            cr_assert_eq(p[0].log_start_offset, v >= 5 ? 99 : -1, "v%d", v);
            cr_assert_eq(p[0].partition_max_bytes, 65536);
            cr_assert_eq(p[1].partition_max_bytes, 1);
            cr_assert_eq(KFK_ARRAY_AT(out->topics, fetch_topic_t, 1).partitions.count, 0);
            cr_assert_eq(out->forgotten_topics_data.count, v >= 7 ? 1 : 0, "v%d", v);
            if (v >= 7) {
                forgotten_topic_t *f =
                    &KFK_ARRAY_AT(out->forgotten_topics_data, forgotten_topic_t, 0);
                cc_expect_str(f->topic, "old");
                cr_assert_eq(f->partitions.count, 3);
                cr_assert_eq(KFK_ARRAY_AT(f->partitions, int32_t, 2), 6);
            }
            kfk_arena_free(&arena);
        }
    }
}

Test(fetch, round_trips_every_response_version) {
    for (int16_t v = 4; v <= 12; v++) {
        aborted_t aborted[] = {{.producer_id = 1001, .first_offset = 40},
                               {.producer_id = 1002, .first_offset = 45}};
        partition_data_t parts[3] = {plain_partition(0), plain_partition(1), plain_partition(2)};
        parts[0].high_watermark = 500;
        parts[0].last_stable_offset = 480;
        parts[0].log_start_offset = 10;
        parts[0].aborted_transactions = KFK_ARRAY_OF(aborted);
        parts[0].preferred_read_replica = 2;
        parts[0].records = (kfk_bytes_t){recs, sizeof recs};
        parts[1].error_code = KFK_ERR_NOT_LEADER_OR_FOLLOWER;
        parts[1].aborted_transactions = (kfk_array_t){NULL, -1};
        parts[1].records = (kfk_bytes_t){NULL, -1};
        parts[1].diverging_epoch =
            (kfk_fetch_response_epoch_end_offset_t){.epoch = 8, .end_offset = 4000};
        parts[1].current_leader =
            (kfk_fetch_response_leader_id_and_epoch_t){.leader_id = 3, .leader_epoch = 9};
        parts[2].snapshot_id = (kfk_fetch_response_snapshot_id_t){.end_offset = 77, .epoch = 6};
        parts[2].records = (kfk_bytes_t){recs, 0};
        topic_response_t topics[] = {
            {.topic = KFK_STR("orders"), .partitions = KFK_ARRAY_OF(parts)},
            {.topic = KFK_STR("none"), .partitions = {NULL, 0}}};
        kfk_fetch_response_t resp = {.throttle_time_ms = 20,
                                     .error_code = 0,
                                     .session_id = 555,
                                     .responses = KFK_ARRAY_OF(topics)};
        kfk_arena_t arena = {0};
        kfk_fetch_response_t *out =
            cc_round_trip(API, &kfk_fetch_response_schema, v, &resp, &arena);
        cr_assert_eq(out->throttle_time_ms, 20);
        cr_assert_eq(out->session_id, v >= 7 ? 555 : 0, "v%d", v);
        cr_assert_eq(out->responses.count, 2);
        topic_response_t *t = &KFK_ARRAY_AT(out->responses, topic_response_t, 0);
        cc_expect_str(t->topic, "orders");
        cr_assert_eq(t->partitions.count, 3);
        partition_data_t *p = (partition_data_t *)t->partitions.items;
        cr_assert_eq(p[0].high_watermark, 500);
        cr_assert_eq(p[0].last_stable_offset, 480);
        cr_assert_eq(p[0].log_start_offset, v >= 5 ? 10 : -1, "v%d", v);
        cr_assert_eq(p[0].preferred_read_replica, v >= 11 ? 2 : -1, "v%d", v);
        cr_assert_eq(p[0].aborted_transactions.count, 2);
        cr_assert_eq(KFK_ARRAY_AT(p[0].aborted_transactions, aborted_t, 1).producer_id, 1002);
        cr_assert_eq(KFK_ARRAY_AT(p[0].aborted_transactions, aborted_t, 1).first_offset, 45);
        cc_expect_blob(p[0].records, recs, sizeof recs);
        cr_assert_eq(p[1].error_code, KFK_ERR_NOT_LEADER_OR_FOLLOWER);
        cr_assert_eq(p[1].aborted_transactions.count, -1);
        cc_expect_blob(p[1].records, NULL, -1);
        cc_expect_blob(p[2].records, NULL, 0);
        cr_assert_eq(p[1].diverging_epoch.epoch, v >= 12 ? 8 : -1, "v%d", v);
        cr_assert_eq(p[1].diverging_epoch.end_offset, v >= 12 ? 4000 : -1, "v%d", v);
        cr_assert_eq(p[1].current_leader.leader_id, v >= 12 ? 3 : -1, "v%d", v);
        cr_assert_eq(p[1].current_leader.leader_epoch, v >= 12 ? 9 : -1, "v%d", v);
        cr_assert_eq(p[2].snapshot_id.end_offset, v >= 12 ? 77 : -1, "v%d", v);
        cr_assert_eq(p[2].snapshot_id.epoch, v >= 12 ? 6 : -1, "v%d", v);
        cr_assert_eq(p[2].current_leader.leader_id, -1);
        kfk_arena_free(&arena);
    }
}

/* ---- malformed input ---------------------------------------------------------------------- */

Test(fetch, rejects_every_truncated_golden_frame) {
    cc_expect_truncations_fail(API, true, 4, req_v4, sizeof req_v4);
    cc_expect_truncations_fail(API, true, 12, req_v12, sizeof req_v12);
    cc_expect_truncations_fail(API, false, 4, resp_v4, sizeof resp_v4);
    cc_expect_truncations_fail(API, false, 12, resp_v12, sizeof resp_v12);
}

Test(fetch, rejects_tagged_fields_out_of_order) {
    /* The v12 partition of keeps_unknown_tags... with tags 1 then 0: Kafka refuses it too. */
    static const uint8_t body[] = {
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 't',  0x02,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0x01, 0xff, 0xff, 0xff, 0xff, 0x01, 0x02, 0x01, 0x09, 0x00, 0x00, 0x00,
        0x01, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x0d, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x64, 0x00, 0x00, 0x00};
    cc_expect_bad_body(API, &kfk_fetch_response_schema, 12, body, sizeof body);
}

Test(fetch, rejects_hostile_counts_and_lengths) {
    /* v4 request: topics count 0x7fffffff. */
    static const uint8_t huge_topics[] = {0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00,
                                          0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                          0x00, 0x7f, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00};
    cc_expect_bad_body(API, &kfk_fetch_request_schema, 4, huge_topics, sizeof huge_topics);
    /* v7 request: forgotten topic partitions ([]int32) count 0x7fffffff. */
    static const uint8_t huge_forgotten[] = {
        0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* ids */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* ... */
        0x00, 0x00, 0x00, 0x00, 0x00,                                           /* no topics */
        0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 'x',                                /* 1 forgotten */
        0x7f, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00};
    cc_expect_bad_body(API, &kfk_fetch_request_schema, 7, huge_forgotten, sizeof huge_forgotten);
    /* v4 response: aborted_transactions count -2. */
    static const uint8_t minus_two[] = {
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 't',  0x00, 0x00, 0x00, 0x01,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xff, 0xff};
    cc_expect_bad_body(API, &kfk_fetch_response_schema, 4, minus_two, sizeof minus_two);
    /* v4 response: records of length 0x7fffffff. */
    static const uint8_t long_records[] = {
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 't',  0x00,
        0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0xff, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff, 0x01, 0x02};
    cc_expect_bad_body(API, &kfk_fetch_response_schema, 4, long_records, sizeof long_records);
    /* v12 response: partitions compact count 0x7fffffff. */
    static const uint8_t compact_huge[] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                           0x00, 0x00, 0x00, 0x02, 0x02, 't',  0x80,
                                           0x80, 0x80, 0x80, 0x08, 0x00, 0x00};
    cc_expect_bad_body(API, &kfk_fetch_response_schema, 12, compact_huge, sizeof compact_huge);
    /* v12 request: the cluster_id tag holds a string longer than its 2-byte payload. */
    static const uint8_t bad_cluster[] = {0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00,
                                          0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                          0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0x01, 0x01,
                                          0x01, 0x01, 0x00, 0x02, 0x05, 'c'};
    cc_expect_bad_body(API, &kfk_fetch_request_schema, 12, bad_cluster, sizeof bad_cluster);
}
