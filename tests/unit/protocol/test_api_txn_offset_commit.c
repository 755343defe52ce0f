/*
 * test_api_txn_offset_commit.c: TxnOffsetCommit (key 28) tables, versions 0-5 (flexible from
 * 3; the group's generation, member id and instance id from v3, KIP-447). Golden frames written
 * by hand from TxnOffsetCommitRequest.json / TxnOffsetCommitResponse.json (v0 and v5 both
 * ways), a round trip of every version, the defaults of the fields older versions lack, nulls
 * refused, malformed input.
 */
#include <criterion/criterion.h>

#include "kfk/protocol.h"

#include "codec_check.h"

#define API KFK_API_TXN_OFFSET_COMMIT
#define CORR 7

typedef kfk_txn_offset_commit_request_topic_t topic_t;
typedef kfk_txn_offset_commit_request_partition_t partition_t;
typedef kfk_txn_offset_commit_response_topic_t topic_result_t;
typedef kfk_txn_offset_commit_response_partition_t partition_result_t;

/* ---- golden frames ---------------------------------------------------------------------- */

/* Request v0: "txn" commits group "g"'s t/0 at 42 with metadata "m". */
static const uint8_t req_v0[] = {
    0x00, 0x00, 0x00, 0x39,                         /* frame size 57 */
    0x00, 0x1c, 0x00, 0x00,                         /* api_key 28, api_version 0 */
    0x00, 0x00, 0x00, 0x07,                         /* correlation_id 7 */
    0x00, 0x03, 'k',  'f',  'k',                    /* client_id "kfk" */
    0x00, 0x03, 't',  'x',  'n',                    /* transactional_id "txn" */
    0x00, 0x01, 'g',                                /* group_id "g" */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x01, /* producer_id 4097 */
    0x00, 0x02,                                     /* producer_epoch 2 */
    0x00, 0x00, 0x00, 0x01,                         /* topics: 1 */
    0x00, 0x01, 't',                                /*   name "t" */
    0x00, 0x00, 0x00, 0x01,                         /*   partitions: 1 */
    0x00, 0x00, 0x00, 0x00,                         /*     partition_index 0 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a, /*     committed_offset 42 */
    0x00, 0x01, 'm',                                /*     committed_metadata "m" */
};

/* Request v5 (flexible): generation 4, member "m1", no instance id; t/0 at 42 in leader epoch
 * 3, metadata null. */
static const uint8_t req_v5[] = {
    0x00, 0x00, 0x00, 0x3e,                         /* frame size 62 */
    0x00, 0x1c, 0x00, 0x05,                         /* api_key 28, api_version 5 */
    0x00, 0x00, 0x00, 0x07,                         /* correlation_id 7 */
    0x00, 0x03, 'k',  'f',  'k',                    /* client_id "kfk" */
    0x00,                                           /* header tagged fields */
    0x04, 't',  'x',  'n',                          /* transactional_id "txn" */
    0x02, 'g',                                      /* group_id "g" */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x01, /* producer_id 4097 */
    0x00, 0x02,                                     /* producer_epoch 2 */
    0x00, 0x00, 0x00, 0x04,                         /* generation_id 4 */
    0x03, 'm',  '1',                                /* member_id "m1" */
    0x00,                                           /* group_instance_id null */
    0x02,                                           /* topics: 1 */
    0x02, 't',                                      /*   name "t" */
    0x02,                                           /*   partitions: 1 */
    0x00, 0x00, 0x00, 0x00,                         /*     partition_index 0 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a, /*     committed_offset 42 */
    0x00, 0x00, 0x00, 0x03,                         /*     committed_leader_epoch 3 */
    0x00,                                           /*     committed_metadata null */
    0x00,                                           /*     partition tagged fields */
    0x00,                                           /*   topic tagged fields */
    0x00,                                           /* tagged fields */
};

/* Response v0: t/0 committed. */
static const uint8_t resp_v0[] = {
    0x00, 0x00, 0x00, 0x19, /* frame size 25 */
    0x00, 0x00, 0x00, 0x07, /* correlation_id 7 */
    0x00, 0x00, 0x00, 0x00, /* throttle_time_ms 0 */
    0x00, 0x00, 0x00, 0x01, /* topics: 1 */
    0x00, 0x01, 't',        /*   name "t" */
    0x00, 0x00, 0x00, 0x01, /*   partitions: 1 */
    0x00, 0x00, 0x00, 0x00, /*     partition_index 0 */
    0x00, 0x00,             /*     error_code 0 */
};

/* Response v5: t/0 committed, t/1 refused: the group moved to a new generation. */
static const uint8_t resp_v5[] = {
    0x00, 0x00, 0x00, 0x1d, /* frame size 29 */
    0x00, 0x00, 0x00, 0x07, /* correlation_id 7 */
    0x00,                   /* header tagged fields */
    0x00, 0x00, 0x00, 0x00, /* throttle_time_ms 0 */
    0x02,                   /* topics: 1 */
    0x02, 't',              /*   name "t" */
    0x03,                   /*   partitions: 2 */
    0x00, 0x00, 0x00, 0x00, /*     partition_index 0 */
    0x00, 0x00,             /*     error_code 0 */
    0x00,                   /*     partition tagged fields */
    0x00, 0x00, 0x00, 0x01, /*     partition_index 1 */
    0x00, 0x16,             /*     error_code 22 ILLEGAL_GENERATION */
    0x00,                   /*     partition tagged fields */
    0x00,                   /*   topic tagged fields */
    0x00,                   /* tagged fields */
};

Test(txn_offset_commit, encodes_and_decodes_request_v0_v5) {
    partition_t p0[] = {
        {.partition_index = 0, .committed_offset = 42, .committed_metadata = KFK_STR("m")}};
    topic_t t0[] = {{.name = KFK_STR("t"), .partitions = KFK_ARRAY_OF(p0)}};
    /* generation_id, member_id, group_instance_id and committed_leader_epoch are not in v0. */
    kfk_txn_offset_commit_request_t r0 = {.transactional_id = KFK_STR("txn"),
                                          .group_id = KFK_STR("g"),
                                          .producer_id = 4097,
                                          .producer_epoch = 2,
                                          .generation_id = 4,
                                          .member_id = KFK_STR("m1"),
                                          .group_instance_id = KFK_STR("i"),
                                          .topics = KFK_ARRAY_OF(t0)};
    cc_expect_request(API, 0, CORR, &r0, req_v0, sizeof req_v0);
    partition_t p5[] = {{.partition_index = 0,
                         .committed_offset = 42,
                         .committed_leader_epoch = 3,
                         .committed_metadata = {NULL, -1}}};
    topic_t t5[] = {{.name = KFK_STR("t"), .partitions = KFK_ARRAY_OF(p5)}};
    kfk_txn_offset_commit_request_t r5 = r0;
    r5.group_instance_id = (kfk_str_t){NULL, -1};
    r5.topics = KFK_ARRAY_OF(t5);
    cc_expect_request(API, 5, CORR, &r5, req_v5, sizeof req_v5);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_txn_offset_commit_request_t *d =
        cc_decode_request(API, 0, CORR, req_v0, sizeof req_v0, &a);
    cc_expect_str(d->transactional_id, "txn");
    cc_expect_str(d->group_id, "g");
    cr_assert_eq(d->producer_id, 4097);
    cr_assert_eq(d->producer_epoch, 2);
    cr_assert_eq(d->generation_id, -1, "absent before v3: Kafka's default");
    cc_expect_str(d->member_id, "");
    cc_expect_str(d->group_instance_id, NULL);
    cr_assert_eq(d->topics.count, 1);
    const topic_t *t = d->topics.items;
    cc_expect_str(t[0].name, "t");
    const partition_t *p = t[0].partitions.items;
    cr_assert_eq(t[0].partitions.count, 1);
    cr_assert_eq(p[0].committed_offset, 42);
    cr_assert_eq(p[0].committed_leader_epoch, -1, "absent before v2: Kafka's default");
    cc_expect_str(p[0].committed_metadata, "m");
    d = cc_decode_request(API, 5, CORR, req_v5, sizeof req_v5, &a);
    cr_assert_eq(d->generation_id, 4);
    cc_expect_str(d->member_id, "m1");
    cc_expect_str(d->group_instance_id, NULL);
    t = d->topics.items;
    p = t[0].partitions.items;
    cr_assert_eq(p[0].committed_offset, 42);
    cr_assert_eq(p[0].committed_leader_epoch, 3);
    cc_expect_str(p[0].committed_metadata, NULL);
    kfk_arena_free(&a);
}

Test(txn_offset_commit, encodes_and_decodes_response_v0_v5) {
    partition_result_t p0[] = {{.partition_index = 0}};
    topic_result_t t0[] = {{.name = KFK_STR("t"), .partitions = KFK_ARRAY_OF(p0)}};
    kfk_txn_offset_commit_response_t r0 = {.topics = KFK_ARRAY_OF(t0)};
    cc_expect_response(API, 0, CORR, &r0, resp_v0, sizeof resp_v0);
    partition_result_t p5[] = {{.partition_index = 0},
                               {.partition_index = 1, .error_code = KFK_ERR_ILLEGAL_GENERATION}};
    topic_result_t t5[] = {{.name = KFK_STR("t"), .partitions = KFK_ARRAY_OF(p5)}};
    kfk_txn_offset_commit_response_t r5 = {.topics = KFK_ARRAY_OF(t5)};
    cc_expect_response(API, 5, CORR, &r5, resp_v5, sizeof resp_v5);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_txn_offset_commit_response_t *d =
        cc_decode_response(API, 0, CORR, resp_v0, sizeof resp_v0, &a);
    cr_assert_eq(d->topics.count, 1);
    const topic_result_t *t = d->topics.items;
    cc_expect_str(t[0].name, "t");
    cr_assert_eq(t[0].partitions.count, 1);
    cr_assert_eq(KFK_ARRAY_AT(t[0].partitions, partition_result_t, 0).error_code, 0);
    d = cc_decode_response(API, 5, CORR, resp_v5, sizeof resp_v5, &a);
    t = d->topics.items;
    cr_assert_eq(t[0].partitions.count, 2);
    const partition_result_t *p = t[0].partitions.items;
    cr_assert_eq(p[1].partition_index, 1);
    cr_assert_eq(p[1].error_code, KFK_ERR_ILLEGAL_GENERATION);
    kfk_arena_free(&a);
}

Test(txn_offset_commit, request_and_response_round_trip_in_every_version) {
    const kfk_api_t *api = kfk_api_get(API);
    cr_assert_not_null(api);
    cr_assert_str_eq(api->name, "TxnOffsetCommit");
    cr_assert_eq(api->min_version, 0);
    cr_assert_eq(api->max_version, 5);
    cr_assert_eq(api->flexible_from, 3);
    for (int16_t v = api->min_version; v <= api->max_version; v++) {
        partition_t ps[] = {{.partition_index = 5,
                             .committed_offset = INT64_C(1) << 40,
                             .committed_leader_epoch = 9,
                             .committed_metadata = KFK_STR("meta"),
                             .unknown_tags = CC_UNKNOWN_TAGS},
                            {.partition_index = 6,
                             .committed_offset = 0,
                             .committed_leader_epoch = -1,
                             .committed_metadata = {NULL, -1}}};
        topic_t ts[] = {
            {.name = KFK_STR("a"), .partitions = KFK_ARRAY_OF(ps), .unknown_tags = CC_UNKNOWN_TAGS},
            {.name = KFK_STR("b")}};
        kfk_txn_offset_commit_request_t req = {.transactional_id = KFK_STR("x"),
                                               .group_id = KFK_STR("grp"),
                                               .producer_id = 77,
                                               .producer_epoch = 3,
                                               .generation_id = 12,
                                               .member_id = KFK_STR("member-1"),
                                               .group_instance_id = KFK_STR("inst"),
                                               .topics = KFK_ARRAY_OF(ts),
                                               .unknown_tags = CC_UNKNOWN_TAGS};
        kfk_arena_t a;
        kfk_arena_init(&a);
        const kfk_txn_offset_commit_request_t *q =
            cc_round_trip(API, &kfk_txn_offset_commit_request_schema, v, &req, &a);
        cc_expect_str(q->transactional_id, "x");
        cc_expect_str(q->group_id, "grp");
        cr_assert_eq(q->producer_id, 77, "v%d", v);
        cr_assert_eq(q->producer_epoch, 3, "v%d", v);
        cr_assert_eq(q->generation_id, v >= 3 ? 12 : -1, "v%d", v);
        cc_expect_str(q->member_id, v >= 3 ? "member-1" : "");
        cc_expect_str(q->group_instance_id, v >= 3 ? "inst" : NULL);
        cr_assert_eq(q->topics.count, 2, "v%d", v);
        const topic_t *qt = q->topics.items;
        const partition_t *qp = qt[0].partitions.items;
        cr_assert_eq(qp[0].committed_offset, INT64_C(1) << 40, "v%d", v);
        cr_assert_eq(qp[0].committed_leader_epoch, v >= 2 ? 9 : -1, "v%d", v);
        cc_expect_str(qp[0].committed_metadata, "meta");
        cr_assert(cc_tags_kept(API, qp[0].unknown_tags, v), "v%d", v);
        cc_expect_str(qp[1].committed_metadata, NULL);
        cr_assert(cc_tags_kept(API, qt[0].unknown_tags, v), "v%d", v);
        cr_assert_eq(qt[1].partitions.count, 0, "v%d", v);
        cr_assert(cc_tags_kept(API, q->unknown_tags, v), "v%d", v);

        partition_result_t rp[] = {{.partition_index = 5,
                                    .error_code = KFK_ERR_FENCED_INSTANCE_ID,
                                    .unknown_tags = CC_UNKNOWN_TAGS},
                                   {.partition_index = 6, .error_code = KFK_ERR_UNKNOWN_MEMBER_ID}};
        topic_result_t rt[] = {{.name = KFK_STR("a"),
                                .partitions = KFK_ARRAY_OF(rp),
                                .unknown_tags = CC_UNKNOWN_TAGS}};
        kfk_txn_offset_commit_response_t resp = {
            .throttle_time_ms = 8, .topics = KFK_ARRAY_OF(rt), .unknown_tags = CC_UNKNOWN_TAGS};
        const kfk_txn_offset_commit_response_t *r =
            cc_round_trip(API, &kfk_txn_offset_commit_response_schema, v, &resp, &a);
        cr_assert_eq(r->throttle_time_ms, 8, "v%d", v);
        const topic_result_t *tr = r->topics.items;
        const partition_result_t *pr = tr[0].partitions.items;
        cr_assert_eq(pr[0].error_code, KFK_ERR_FENCED_INSTANCE_ID, "v%d", v);
        cr_assert(cc_tags_kept(API, pr[0].unknown_tags, v), "v%d", v);
        cr_assert_eq(pr[1].error_code, KFK_ERR_UNKNOWN_MEMBER_ID, "v%d", v);
        cr_assert(cc_tags_kept(API, tr[0].unknown_tags, v), "v%d", v);
        cr_assert(cc_tags_kept(API, r->unknown_tags, v), "v%d", v);
        kfk_arena_free(&a);
    }
}

Test(txn_offset_commit, refuses_nulls_the_version_does_not_allow) {
    for (int16_t v = 0; v <= 5; v++) {
        kfk_txn_offset_commit_request_t req = {.transactional_id = {NULL, -1},
                                               .group_id = KFK_STR("g"),
                                               .group_instance_id = {NULL, -1}};
        cc_expect_encode_refused(API, &kfk_txn_offset_commit_request_schema, v, &req);
        req.transactional_id = KFK_STR("x");
        req.group_id = (kfk_str_t){NULL, -1};
        cc_expect_encode_refused(API, &kfk_txn_offset_commit_request_schema, v, &req);
        topic_t ts[] = {{.name = {NULL, -1}}};
        req.group_id = KFK_STR("g");
        req.topics = KFK_ARRAY_OF(ts);
        cc_expect_encode_refused(API, &kfk_txn_offset_commit_request_schema, v, &req);
    }
    /* member_id is not nullable where it exists (v3+); absent before, so not written. */
    kfk_txn_offset_commit_request_t req = {.transactional_id = KFK_STR("x"),
                                           .group_id = KFK_STR("g"),
                                           .member_id = {NULL, -1},
                                           .group_instance_id = {NULL, -1}};
    cc_expect_encode_refused(API, &kfk_txn_offset_commit_request_schema, 3, &req);
    kfk_arena_t a;
    kfk_arena_init(&a);
    cc_round_trip(API, &kfk_txn_offset_commit_request_schema, 2, &req, &a);
    kfk_arena_free(&a);
}

Test(txn_offset_commit, truncated_frames_fail_at_every_length) {
    cc_expect_truncations_fail(API, true, 0, req_v0, sizeof req_v0);
    cc_expect_truncations_fail(API, true, 5, req_v5, sizeof req_v5);
    cc_expect_truncations_fail(API, false, 0, resp_v0, sizeof resp_v0);
    cc_expect_truncations_fail(API, false, 5, resp_v5, sizeof resp_v5);
    cc_expect_trailing_byte_refused(API, false, 0, resp_v0, sizeof resp_v0);
    cc_expect_trailing_byte_refused(API, false, 5, resp_v5, sizeof resp_v5);
}

Test(txn_offset_commit, hostile_counts_and_lengths_are_bad_messages) {
    static const uint8_t huge32[] = {0x7f, 0xff, 0xff, 0xff};
    static const uint8_t minus1_32[] = {0xff, 0xff, 0xff, 0xff};
    static const uint8_t huge16[] = {0x7f, 0xff};
    static const uint8_t minus1_16[] = {0xff, 0xff};
    static const uint8_t minus2_16[] = {0xff, 0xfe};
    static const uint8_t null_compact[] = {0x00};
    static const uint8_t past_end_compact[] = {0x7f};
    /* v0 request: group id length at 22, topics count at 35, partitions count at 42, metadata
     * length at 58 (-1 is null and legal there, -2 is not). */
    cc_expect_bad_patch(API, true, 0, req_v0, sizeof req_v0, 22, minus1_16, 2);
    cc_expect_bad_patch(API, true, 0, req_v0, sizeof req_v0, 22, huge16, 2);
    cc_expect_bad_patch(API, true, 0, req_v0, sizeof req_v0, 35, huge32, 4);
    cc_expect_bad_patch(API, true, 0, req_v0, sizeof req_v0, 35, minus1_32, 4);
    cc_expect_bad_patch(API, true, 0, req_v0, sizeof req_v0, 42, huge32, 4);
    cc_expect_bad_patch(API, true, 0, req_v0, sizeof req_v0, 42, minus1_32, 4);
    cc_expect_bad_patch(API, true, 0, req_v0, sizeof req_v0, 58, minus2_16, 2);
    cc_expect_bad_patch(API, true, 0, req_v0, sizeof req_v0, 58, huge16, 2);
    /* v5 request: member id null at 38, instance id past the end at 41, topics null at 42,
     * partitions null at 45, metadata past the end at 62. */
    cc_expect_bad_patch(API, true, 5, req_v5, sizeof req_v5, 38, null_compact, 1);
    cc_expect_bad_patch(API, true, 5, req_v5, sizeof req_v5, 41, past_end_compact, 1);
    cc_expect_bad_patch(API, true, 5, req_v5, sizeof req_v5, 42, null_compact, 1);
    cc_expect_bad_patch(API, true, 5, req_v5, sizeof req_v5, 45, null_compact, 1);
    cc_expect_bad_patch(API, true, 5, req_v5, sizeof req_v5, 62, past_end_compact, 1);
    /* v0 response: topics count at 12, partitions count at 19. */
    cc_expect_bad_patch(API, false, 0, resp_v0, sizeof resp_v0, 12, huge32, 4);
    cc_expect_bad_patch(API, false, 0, resp_v0, sizeof resp_v0, 19, minus1_32, 4);
    /* v5 response: topics null at 13, partitions null at 16. */
    cc_expect_bad_patch(API, false, 5, resp_v5, sizeof resp_v5, 13, null_compact, 1);
    cc_expect_bad_patch(API, false, 5, resp_v5, sizeof resp_v5, 16, null_compact, 1);
}
