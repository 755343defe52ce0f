/*
 * test_api_add_partitions_to_txn.c: AddPartitionsToTxn (key 24) tables, the clients' versions
 * 0-3 (flexible from 3). Golden frames written by hand from AddPartitionsToTxnRequest.json /
 * AddPartitionsToTxnResponse.json (v0 and v3 both ways), a round trip of every version, nulls
 * refused, malformed input.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "kfk/protocol.h"

#include "codec_check.h"

#define API KFK_API_ADD_PARTITIONS_TO_TXN
#define CORR 7

typedef kfk_add_partitions_to_txn_request_add_partitions_to_txn_topic_t topic_t;
typedef kfk_add_partitions_to_txn_response_add_partitions_to_txn_topic_result_t topic_result_t;
typedef kfk_add_partitions_to_txn_response_add_partitions_to_txn_partition_result_t
    partition_result_t;

/* ---- golden frames ---------------------------------------------------------------------- */

/* Request v0: producer 4097 epoch 2 of "txn" adds t/0 and t/1. */
static const uint8_t req_v0[] = {
    0x00, 0x00, 0x00, 0x2f,                         /* frame size 47 */
    0x00, 0x18, 0x00, 0x00,                         /* api_key 24, api_version 0 */
    0x00, 0x00, 0x00, 0x07,                         /* correlation_id 7 */
    0x00, 0x03, 'k',  'f',  'k',                    /* client_id "kfk" */
    0x00, 0x03, 't',  'x',  'n',                    /* v3_and_below_transactional_id "txn" */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x01, /* v3_and_below_producer_id 4097 */
    0x00, 0x02,                                     /* v3_and_below_producer_epoch 2 */
    0x00, 0x00, 0x00, 0x01,                         /* v3_and_below_topics: 1 */
    0x00, 0x01, 't',                                /*   name "t" */
    0x00, 0x00, 0x00, 0x02,                         /*   partitions: 2 */
    0x00, 0x00, 0x00, 0x00,                         /*     0 */
    0x00, 0x00, 0x00, 0x01,                         /*     1 */
};

/* Request v3 (first flexible): a/0 and b/1, b/2. */
static const uint8_t req_v3[] = {
    0x00, 0x00, 0x00, 0x32,                         /* frame size 50 */
    0x00, 0x18, 0x00, 0x03,                         /* api_key 24, api_version 3 */
    0x00, 0x00, 0x00, 0x07,                         /* correlation_id 7 */
    0x00, 0x03, 'k',  'f',  'k',                    /* client_id "kfk" */
    0x00,                                           /* header tagged fields */
    0x04, 't',  'x',  'n',                          /* v3_and_below_transactional_id "txn" */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x01, /* v3_and_below_producer_id 4097 */
    0x00, 0x02,                                     /* v3_and_below_producer_epoch 2 */
    0x03,                                           /* v3_and_below_topics: 2 */
    0x02, 'a',                                      /*   name "a" */
    0x02,                                           /*   partitions: 1 */
    0x00, 0x00, 0x00, 0x00,                         /*     0 */
    0x00,                                           /*   topic tagged fields */
    0x02, 'b',                                      /*   name "b" */
    0x03,                                           /*   partitions: 2 */
    0x00, 0x00, 0x00, 0x01,                         /*     1 */
    0x00, 0x00, 0x00, 0x02,                         /*     2 */
    0x00,                                           /*   topic tagged fields */
    0x00,                                           /* tagged fields */
};

/* Response v0: t/0 not authorized, t/1 therefore not attempted. */
static const uint8_t resp_v0[] = {
    0x00, 0x00, 0x00, 0x1f, /* frame size 31 */
    0x00, 0x00, 0x00, 0x07, /* correlation_id 7 */
    0x00, 0x00, 0x00, 0x00, /* throttle_time_ms 0 */
    0x00, 0x00, 0x00, 0x01, /* results_by_topic_v3_and_below: 1 */
    0x00, 0x01, 't',        /*   name "t" */
    0x00, 0x00, 0x00, 0x02, /*   results_by_partition: 2 */
    0x00, 0x00, 0x00, 0x00, /*     partition_index 0 */
    0x00, 0x1d,             /*     partition_error_code 29 TOPIC_AUTHORIZATION_FAILED */
    0x00, 0x00, 0x00, 0x01, /*     partition_index 1 */
    0x00, 0x37,             /*     partition_error_code 55 OPERATION_NOT_ATTEMPTED */
};

/* Response v3 (first flexible): t/0 and t/1 busy with the previous transaction's end. */
static const uint8_t resp_v3[] = {
    0x00, 0x00, 0x00, 0x1d, /* frame size 29 */
    0x00, 0x00, 0x00, 0x07, /* correlation_id 7 */
    0x00,                   /* header tagged fields */
    0x00, 0x00, 0x00, 0x64, /* throttle_time_ms 100 */
    0x02,                   /* results_by_topic_v3_and_below: 1 */
    0x02, 't',              /*   name "t" */
    0x03,                   /*   results_by_partition: 2 */
    0x00, 0x00, 0x00, 0x00, /*     partition_index 0 */
    0x00, 0x33,             /*     partition_error_code 51 CONCURRENT_TRANSACTIONS */
    0x00,                   /*     partition tagged fields */
    0x00, 0x00, 0x00, 0x01, /*     partition_index 1 */
    0x00, 0x33,             /*     partition_error_code 51 CONCURRENT_TRANSACTIONS */
    0x00,                   /*     partition tagged fields */
    0x00,                   /*   topic tagged fields */
    0x00,                   /* tagged fields */
};

Test(add_partitions_to_txn, encodes_and_decodes_request_v0_v3) {
    int32_t p01[] = {0, 1};
    topic_t t0[] = {{.name = KFK_STR("t"), .partitions = KFK_ARRAY_OF(p01)}};
    kfk_add_partitions_to_txn_request_t r0 = {.v3_and_below_transactional_id = KFK_STR("txn"),
                                              .v3_and_below_producer_id = 4097,
                                              .v3_and_below_producer_epoch = 2,
                                              .v3_and_below_topics = KFK_ARRAY_OF(t0)};
    cc_expect_request(API, 0, CORR, &r0, req_v0, sizeof req_v0);
    int32_t pa[] = {0}, pb[] = {1, 2};
    topic_t t3[] = {{.name = KFK_STR("a"), .partitions = KFK_ARRAY_OF(pa)},
                    {.name = KFK_STR("b"), .partitions = KFK_ARRAY_OF(pb)}};
    kfk_add_partitions_to_txn_request_t r3 = r0;
    r3.v3_and_below_topics = KFK_ARRAY_OF(t3);
    cc_expect_request(API, 3, CORR, &r3, req_v3, sizeof req_v3);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_add_partitions_to_txn_request_t *d =
        cc_decode_request(API, 0, CORR, req_v0, sizeof req_v0, &a);
    cc_expect_str(d->v3_and_below_transactional_id, "txn");
    cr_assert_eq(d->v3_and_below_producer_id, 4097);
    cr_assert_eq(d->v3_and_below_producer_epoch, 2);
    cr_assert_eq(d->v3_and_below_topics.count, 1);
    const topic_t *t = d->v3_and_below_topics.items;
    cc_expect_str(t[0].name, "t");
    cr_assert_eq(t[0].partitions.count, 2);
    cr_assert_eq(KFK_ARRAY_AT(t[0].partitions, int32_t, 1), 1);
    d = cc_decode_request(API, 3, CORR, req_v3, sizeof req_v3, &a);
    cc_expect_str(d->v3_and_below_transactional_id, "txn");
    cr_assert_eq(d->v3_and_below_producer_id, 4097);
    cr_assert_eq(d->v3_and_below_topics.count, 2);
    t = d->v3_and_below_topics.items;
    cc_expect_str(t[1].name, "b");
    cr_assert_eq(t[1].partitions.count, 2);
    cr_assert_eq(KFK_ARRAY_AT(t[1].partitions, int32_t, 0), 1);
    cr_assert_eq(KFK_ARRAY_AT(t[1].partitions, int32_t, 1), 2);
    kfk_arena_free(&a);
}

Test(add_partitions_to_txn, encodes_and_decodes_response_v0_v3) {
    partition_result_t p0[] = {
        {.partition_index = 0, .partition_error_code = KFK_ERR_TOPIC_AUTHORIZATION_FAILED},
        {.partition_index = 1, .partition_error_code = KFK_ERR_OPERATION_NOT_ATTEMPTED}};
    topic_result_t t0[] = {{.name = KFK_STR("t"), .results_by_partition = KFK_ARRAY_OF(p0)}};
    kfk_add_partitions_to_txn_response_t r0 = {.results_by_topic_v3_and_below = KFK_ARRAY_OF(t0)};
    cc_expect_response(API, 0, CORR, &r0, resp_v0, sizeof resp_v0);
    partition_result_t p3[] = {
        {.partition_index = 0, .partition_error_code = KFK_ERR_CONCURRENT_TRANSACTIONS},
        {.partition_index = 1, .partition_error_code = KFK_ERR_CONCURRENT_TRANSACTIONS}};
    topic_result_t t3[] = {{.name = KFK_STR("t"), .results_by_partition = KFK_ARRAY_OF(p3)}};
    kfk_add_partitions_to_txn_response_t r3 = {.throttle_time_ms = 100,
                                               .results_by_topic_v3_and_below = KFK_ARRAY_OF(t3)};
    cc_expect_response(API, 3, CORR, &r3, resp_v3, sizeof resp_v3);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_add_partitions_to_txn_response_t *d =
        cc_decode_response(API, 0, CORR, resp_v0, sizeof resp_v0, &a);
    cr_assert_eq(d->results_by_topic_v3_and_below.count, 1);
    const topic_result_t *t = d->results_by_topic_v3_and_below.items;
    cc_expect_str(t[0].name, "t");
    cr_assert_eq(t[0].results_by_partition.count, 2);
    const partition_result_t *p = t[0].results_by_partition.items;
    cr_assert_eq(p[0].partition_error_code, KFK_ERR_TOPIC_AUTHORIZATION_FAILED);
    cr_assert_eq(p[1].partition_index, 1);
    cr_assert_eq(p[1].partition_error_code, KFK_ERR_OPERATION_NOT_ATTEMPTED);
    d = cc_decode_response(API, 3, CORR, resp_v3, sizeof resp_v3, &a);
    cr_assert_eq(d->throttle_time_ms, 100);
    t = d->results_by_topic_v3_and_below.items;
    p = t[0].results_by_partition.items;
    cr_assert_eq(p[0].partition_error_code, KFK_ERR_CONCURRENT_TRANSACTIONS);
    cr_assert_eq(p[1].partition_error_code, KFK_ERR_CONCURRENT_TRANSACTIONS);
    cr_assert(kfk_err_is_retriable((kfk_err_t)p[1].partition_error_code));
    kfk_arena_free(&a);
}

Test(add_partitions_to_txn, speaks_the_clients_versions_only) {
    const kfk_api_t *api = kfk_api_get(API);
    cr_assert_not_null(api);
    cr_assert_str_eq(api->name, "AddPartitionsToTxn");
    cr_assert_eq(api->min_version, 0);
    cr_assert_eq(api->max_version, 3, "v4+ is broker-to-broker (KIP-890)");
    cr_assert_eq(api->flexible_from, 3);
    /* A broker advertising 0-5 gets v3 from kfk, as from Java's client. */
    int16_t v = -1;
    cr_assert_eq(kfk_api_pick_version(API, 0, 5, &v, NULL, 0), KFK_ERR_NONE);
    cr_assert_eq(v, 3);
    /* A v4 request frame (a broker's batch) is not one kfk decodes. */
    uint8_t v4[sizeof req_v3];
    memcpy(v4, req_v3, sizeof v4);
    v4[7] = 4;
    kfk_request_header_t h;
    kfk_arena_t a;
    kfk_arena_init(&a);
    void *body = (void *)1;
    cr_assert_eq(kfk_request_decode(v4 + 4, sizeof v4 - 4, &h, &a, &body), KFK_ERR__INVALID_ARG);
    cr_assert_null(body);
    cr_assert_eq(h.api_version, 4);
    kfk_arena_free(&a);
}

Test(add_partitions_to_txn, request_and_response_round_trip_in_every_version) {
    const kfk_api_t *api = kfk_api_get(API);
    for (int16_t v = api->min_version; v <= api->max_version; v++) {
        int32_t pa[] = {INT32_MAX, 0}, pb[] = {7};
        topic_t ts[] = {
            {.name = KFK_STR("a"), .partitions = KFK_ARRAY_OF(pa), .unknown_tags = CC_UNKNOWN_TAGS},
            {.name = KFK_STR("b"), .partitions = KFK_ARRAY_OF(pb)},
            {.name = KFK_STR("c")}};
        kfk_add_partitions_to_txn_request_t req = {.v3_and_below_transactional_id = KFK_STR("x"),
                                                   .v3_and_below_producer_id = INT64_C(1) << 40,
                                                   .v3_and_below_producer_epoch = 32767,
                                                   .v3_and_below_topics = KFK_ARRAY_OF(ts),
                                                   .unknown_tags = CC_UNKNOWN_TAGS};
        kfk_arena_t a;
        kfk_arena_init(&a);
        const kfk_add_partitions_to_txn_request_t *q =
            cc_round_trip(API, &kfk_add_partitions_to_txn_request_schema, v, &req, &a);
        cc_expect_str(q->v3_and_below_transactional_id, "x");
        cr_assert_eq(q->v3_and_below_producer_id, INT64_C(1) << 40, "v%d", v);
        cr_assert_eq(q->v3_and_below_producer_epoch, 32767, "v%d", v);
        cr_assert_eq(q->v3_and_below_topics.count, 3, "v%d", v);
        const topic_t *qt = q->v3_and_below_topics.items;
        cr_assert_eq(KFK_ARRAY_AT(qt[0].partitions, int32_t, 0), INT32_MAX, "v%d", v);
        cr_assert(cc_tags_kept(API, qt[0].unknown_tags, v), "v%d", v);
        cr_assert_eq(KFK_ARRAY_AT(qt[1].partitions, int32_t, 0), 7, "v%d", v);
        cr_assert_eq(qt[2].partitions.count, 0, "v%d", v);
        cr_assert(cc_tags_kept(API, q->unknown_tags, v), "v%d", v);

        partition_result_t rp[] = {
            {.partition_index = 5,
             .partition_error_code = KFK_ERR_PRODUCER_FENCED,
             .unknown_tags = CC_UNKNOWN_TAGS},
            {.partition_index = 6, .partition_error_code = KFK_ERR_INVALID_PRODUCER_EPOCH}};
        topic_result_t rt[] = {{.name = KFK_STR("a"),
                                .results_by_partition = KFK_ARRAY_OF(rp),
                                .unknown_tags = CC_UNKNOWN_TAGS},
                               {.name = KFK_STR("b")}};
        kfk_add_partitions_to_txn_response_t resp = {.throttle_time_ms = 8,
                                                     .results_by_topic_v3_and_below =
                                                         KFK_ARRAY_OF(rt),
                                                     .unknown_tags = CC_UNKNOWN_TAGS};
        const kfk_add_partitions_to_txn_response_t *r =
            cc_round_trip(API, &kfk_add_partitions_to_txn_response_schema, v, &resp, &a);
        cr_assert_eq(r->throttle_time_ms, 8, "v%d", v);
        cr_assert_eq(r->results_by_topic_v3_and_below.count, 2, "v%d", v);
        const topic_result_t *tr = r->results_by_topic_v3_and_below.items;
        const partition_result_t *pr = tr[0].results_by_partition.items;
        cr_assert_eq(pr[0].partition_error_code, KFK_ERR_PRODUCER_FENCED, "v%d", v);
        cr_assert(cc_tags_kept(API, pr[0].unknown_tags, v), "v%d", v);
        cr_assert_eq(pr[1].partition_error_code, KFK_ERR_INVALID_PRODUCER_EPOCH, "v%d", v);
        cr_assert(cc_tags_kept(API, tr[0].unknown_tags, v), "v%d", v);
        cr_assert_eq(tr[1].results_by_partition.count, 0, "v%d", v);
        cr_assert(cc_tags_kept(API, r->unknown_tags, v), "v%d", v);
        kfk_arena_free(&a);
    }
}

Test(add_partitions_to_txn, refuses_nulls_the_version_does_not_allow) {
    for (int16_t v = 0; v <= 3; v++) {
        kfk_add_partitions_to_txn_request_t req = {.v3_and_below_transactional_id = {NULL, -1}};
        cc_expect_encode_refused(API, &kfk_add_partitions_to_txn_request_schema, v, &req);
        topic_t ts[] = {{.name = {NULL, -1}}};
        kfk_add_partitions_to_txn_request_t req2 = {.v3_and_below_transactional_id = KFK_STR("x"),
                                                    .v3_and_below_topics = KFK_ARRAY_OF(ts)};
        cc_expect_encode_refused(API, &kfk_add_partitions_to_txn_request_schema, v, &req2);
        topic_result_t rt[] = {{.name = {NULL, -1}}};
        kfk_add_partitions_to_txn_response_t resp = {.results_by_topic_v3_and_below =
                                                         KFK_ARRAY_OF(rt)};
        cc_expect_encode_refused(API, &kfk_add_partitions_to_txn_response_schema, v, &resp);
    }
}

Test(add_partitions_to_txn, truncated_frames_fail_at_every_length) {
    cc_expect_truncations_fail(API, true, 0, req_v0, sizeof req_v0);
    cc_expect_truncations_fail(API, true, 3, req_v3, sizeof req_v3);
    cc_expect_truncations_fail(API, false, 0, resp_v0, sizeof resp_v0);
    cc_expect_truncations_fail(API, false, 3, resp_v3, sizeof resp_v3);
    cc_expect_trailing_byte_refused(API, false, 0, resp_v0, sizeof resp_v0);
    cc_expect_trailing_byte_refused(API, false, 3, resp_v3, sizeof resp_v3);
}

Test(add_partitions_to_txn, hostile_counts_and_lengths_are_bad_messages) {
    static const uint8_t huge32[] = {0x7f, 0xff, 0xff, 0xff};
    static const uint8_t minus1_32[] = {0xff, 0xff, 0xff, 0xff};
    static const uint8_t huge16[] = {0x7f, 0xff};
    static const uint8_t minus1_16[] = {0xff, 0xff};
    static const uint8_t null_compact[] = {0x00};
    static const uint8_t huge_varint[] = {0xff, 0xff, 0xff, 0xff, 0x0f};
    /* v0 request: transactional id length at 17 (null, past the end), topics count at 32, the
     * topic name at 36, partitions count at 39. */
    cc_expect_bad_patch(API, true, 0, req_v0, sizeof req_v0, 17, minus1_16, 2);
    cc_expect_bad_patch(API, true, 0, req_v0, sizeof req_v0, 17, huge16, 2);
    cc_expect_bad_patch(API, true, 0, req_v0, sizeof req_v0, 32, huge32, 4);
    cc_expect_bad_patch(API, true, 0, req_v0, sizeof req_v0, 32, minus1_32, 4);
    cc_expect_bad_patch(API, true, 0, req_v0, sizeof req_v0, 36, minus1_16, 2);
    cc_expect_bad_patch(API, true, 0, req_v0, sizeof req_v0, 39, huge32, 4);
    cc_expect_bad_patch(API, true, 0, req_v0, sizeof req_v0, 39, minus1_32, 4);
    /* v3 request: transactional id null at 18, topics null at 32, a's partitions null at 35. */
    cc_expect_bad_patch(API, true, 3, req_v3, sizeof req_v3, 18, null_compact, 1);
    cc_expect_bad_patch(API, true, 3, req_v3, sizeof req_v3, 32, null_compact, 1);
    cc_expect_bad_patch(API, true, 3, req_v3, sizeof req_v3, 35, null_compact, 1);
    cc_expect_bad_body(API, &kfk_add_partitions_to_txn_request_schema, 3, huge_varint,
                       sizeof huge_varint);
    /* v0 response: results count at 12, partition results count at 19. */
    cc_expect_bad_patch(API, false, 0, resp_v0, sizeof resp_v0, 12, huge32, 4);
    cc_expect_bad_patch(API, false, 0, resp_v0, sizeof resp_v0, 12, minus1_32, 4);
    cc_expect_bad_patch(API, false, 0, resp_v0, sizeof resp_v0, 19, huge32, 4);
    /* v3 response: results null at 13, partition results null at 16. */
    cc_expect_bad_patch(API, false, 3, resp_v3, sizeof resp_v3, 13, null_compact, 1);
    cc_expect_bad_patch(API, false, 3, resp_v3, sizeof resp_v3, 16, null_compact, 1);
}
