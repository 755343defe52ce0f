/*
 * test_api_produce.c: Produce (key 0) tables, versions 3-11 (flexible from 9). Golden frames
 * written by hand from ProduceRequest.json / ProduceResponse.json (records stay opaque bytes),
 * a round trip at every version, and malformed input.
 */
#include <criterion/criterion.h>

#include "kfk/protocol.h"

#include "codec_check.h"

#define API KFK_API_PRODUCE

/* Opaque record bytes: the codec never looks inside. */
static const uint8_t recs[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06};

/* ---- golden frames ------------------------------------------------------------------------ */

/* v3 request (kfk's lowest): header v1, non-flexible body. */
static const uint8_t req_v3[] = {
    0x00, 0x00, 0x00, 0x37,             /* frame size 55 */
    0x00, 0x00,                         /* api_key 0 */
    0x00, 0x03,                         /* api_version 3 */
    0x00, 0x00, 0x00, 0x01,             /* correlation_id 1 */
    0x00, 0x03, 'k',  'f',  'k',        /* client_id "kfk" */
    0xff, 0xff,                         /* transactional_id null */
    0xff, 0xff,                         /* acks -1 */
    0x00, 0x00, 0x75, 0x30,             /* timeout_ms 30000 */
    0x00, 0x00, 0x00, 0x01,             /* topic_data: 1 topic */
    0x00, 0x02, 't',  '1',              /*   name "t1" */
    0x00, 0x00, 0x00, 0x02,             /*   partition_data: 2 partitions */
    0x00, 0x00, 0x00, 0x00,             /*     index 0 */
    0x00, 0x00, 0x00, 0x06,             /*     records: 6 bytes */
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, /* (continued) */
    0x00, 0x00, 0x00, 0x01,             /*     index 1 */
    0xff, 0xff, 0xff, 0xff,             /*     records null */
};

/* v9 request (first flexible): header v2, compact encodings, tagged-field sections. */
static const uint8_t req_v9[] = {
    0x00, 0x00, 0x00, 0x30,             /* frame size 48 */
    0x00, 0x00,                         /* api_key 0 */
    0x00, 0x09,                         /* api_version 9 */
    0x00, 0x00, 0x00, 0x02,             /* correlation_id 2 */
    0x00, 0x03, 'k',  'f',  'k',        /* client_id "kfk" (int16 length in header v2 too) */
    0x00,                               /* header tagged fields: none */
    0x03, 't',  'x',                    /* transactional_id "tx" (compact: 2+1) */
    0x00, 0x01,                         /* acks 1 */
    0x00, 0x00, 0x75, 0x30,             /* timeout_ms 30000 */
    0x02,                               /* topic_data: 1 topic (compact: 1+1) */
    0x03, 't',  '1',                    /*   name "t1" */
    0x03,                               /*   partition_data: 2 partitions */
    0x00, 0x00, 0x00, 0x00,             /*     index 0 */
    0x07,                               /*     records: 6 bytes (compact: 6+1) */
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, /* (continued) */
    0x00,                               /*     partition tagged fields: none */
    0x00, 0x00, 0x00, 0x01,             /*     index 1 */
    0x00,                               /*     records null (compact: 0) */
    0x00,                               /*     partition tagged fields: none */
    0x00,                               /*   topic tagged fields: none */
    0x00,                               /* tagged fields: none */
};

/* v3 response: header v0. */
static const uint8_t resp_v3[] = {
    0x00, 0x00, 0x00, 0x2a,                         /* frame size 42 */
    0x00, 0x00, 0x00, 0x01,                         /* correlation_id 1 */
    0x00, 0x00, 0x00, 0x01,                         /* responses: 1 topic */
    0x00, 0x02, 't',  '1',                          /*   name "t1" */
    0x00, 0x00, 0x00, 0x01,                         /*   partition_responses: 1 */
    0x00, 0x00, 0x00, 0x00,                         /*     index 0 */
    0x00, 0x00,                                     /*     error_code 0 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a, /*     base_offset 42 */
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /*     log_append_time_ms -1 */
    0x00, 0x00, 0x00, 0x00,                         /* throttle_time_ms 0 */
};

/* v9 response: header v1, RecordErrors and ErrorMessage (v8+), no tagged fields yet. */
static const uint8_t resp_v9[] = {
    0x00, 0x00, 0x00, 0x3a,                         /* frame size 58 */
    0x00, 0x00, 0x00, 0x02,                         /* correlation_id 2 */
    0x00,                                           /* header tagged fields: none */
    0x02,                                           /* responses: 1 topic */
    0x03, 't',  '1',                                /*   name "t1" */
    0x02,                                           /*   partition_responses: 1 */
    0x00, 0x00, 0x00, 0x00,                         /*     index 0 */
    0x00, 0x00,                                     /*     error_code 0 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a, /*     base_offset 42 */
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /*     log_append_time_ms -1 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /*     log_start_offset 0 */
    0x02,                                           /*     record_errors: 1 */
    0x00, 0x00, 0x00, 0x03,                         /*       batch_index 3 */
    0x04, 'b',  'a',  'd',                          /*       batch_index_error_message "bad" */
    0x00,                                           /*       tagged fields: none */
    0x00,                                           /*     error_message null */
    0x00,                                           /*     partition tagged fields: none */
    0x00,                                           /*   topic tagged fields: none */
    0x00, 0x00, 0x00, 0x0a,                         /* throttle_time_ms 10 */
    0x00,                                           /* tagged fields: none */
};

/* v11 response (kfk's highest): CurrentLeader (tag 0 of a partition) and NodeEndpoints (tag 0
 * of the body), as a broker sends them with NOT_LEADER_OR_FOLLOWER (KIP-951). */
static const uint8_t resp_v11[] = {
    0x00, 0x00, 0x00, 0x4c,                         /* frame size 76 */
    0x00, 0x00, 0x00, 0x03,                         /* correlation_id 3 */
    0x00,                                           /* header tagged fields: none */
    0x02,                                           /* responses: 1 topic */
    0x03, 't',  '1',                                /*   name "t1" */
    0x02,                                           /*   partition_responses: 1 */
    0x00, 0x00, 0x00, 0x00,                         /*     index 0 */
    0x00, 0x06,                                     /*     error_code 6 NOT_LEADER_OR_FOLLOWER */
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /*     base_offset -1 */
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /*     log_append_time_ms -1 */
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /*     log_start_offset -1 */
    0x01,                                           /*     record_errors: empty */
    0x00,                                           /*     error_message null */
    0x01,                                           /*     partition tagged fields: 1 */
    0x00, 0x09,                                     /*       tag 0 current_leader, 9 bytes */
    0x00, 0x00, 0x00, 0x02,                         /*         leader_id 2 */
    0x00, 0x00, 0x00, 0x07,                         /*         leader_epoch 7 */
    0x00,                                           /*         tagged fields: none */
    0x00,                                           /*   topic tagged fields: none */
    0x00, 0x00, 0x00, 0x00,                         /* throttle_time_ms 0 */
    0x01,                                           /* tagged fields: 1 */
    0x00, 0x0e,                                     /*   tag 0 node_endpoints, 14 bytes */
    0x02,                                           /*     1 endpoint */
    0x00, 0x00, 0x00, 0x02,                         /*       node_id 2 */
    0x03, 'h',  '2',                                /*       host "h2" */
    0x00, 0x00, 0x23, 0x84,                         /*       port 9092 */
    0x00,                                           /*       rack null */
    0x00,                                           /*       tagged fields: none */
};

Test(produce, encodes_and_decodes_the_v3_request) {
    kfk_produce_request_partition_produce_data_t parts[] = {
        {.index = 0, .records = {recs, sizeof recs}},
        {.index = 1, .records = {NULL, -1}},
    };
    kfk_produce_request_topic_produce_data_t topics[] = {
        {.name = KFK_STR("t1"), .partition_data = KFK_ARRAY_OF(parts)},
    };
    kfk_produce_request_t req = {.transactional_id = {NULL, -1},
                                 .acks = -1,
                                 .timeout_ms = 30000,
                                 .topic_data = KFK_ARRAY_OF(topics)};
    cc_expect_request(API, 3, 1, &req, req_v3, sizeof req_v3);

    kfk_arena_t arena = {0};
    kfk_produce_request_t *got = cc_decode_request(API, 3, 1, req_v3, sizeof req_v3, &arena);
    cc_expect_str(got->transactional_id, NULL);
    cr_assert_eq(got->acks, -1);
    cr_assert_eq(got->timeout_ms, 30000);
    cr_assert_eq(got->topic_data.count, 1);
    kfk_produce_request_topic_produce_data_t *t =
        &KFK_ARRAY_AT(got->topic_data, kfk_produce_request_topic_produce_data_t, 0);
    cc_expect_str(t->name, "t1");
    cr_assert_eq(t->partition_data.count, 2);
    kfk_produce_request_partition_produce_data_t *p0 =
        &KFK_ARRAY_AT(t->partition_data, kfk_produce_request_partition_produce_data_t, 0);
    kfk_produce_request_partition_produce_data_t *p1 =
        &KFK_ARRAY_AT(t->partition_data, kfk_produce_request_partition_produce_data_t, 1);
    cr_assert_eq(p0->index, 0);
    cc_expect_blob(p0->records, recs, sizeof recs);
    cr_assert_eq(p0->records.ptr, req_v3 + 4 + 41, "records point into the frame (zero copy)");
    cr_assert_eq(p1->index, 1);
    cc_expect_blob(p1->records, NULL, -1);
    kfk_arena_free(&arena);
}

Test(produce, encodes_and_decodes_the_flexible_v9_request) {
    kfk_produce_request_partition_produce_data_t parts[] = {
        {.index = 0, .records = {recs, sizeof recs}},
        {.index = 1, .records = {NULL, -1}},
    };
    kfk_produce_request_topic_produce_data_t topics[] = {
        {.name = KFK_STR("t1"), .partition_data = KFK_ARRAY_OF(parts)},
    };
    kfk_produce_request_t req = {.transactional_id = KFK_STR("tx"),
                                 .acks = 1,
                                 .timeout_ms = 30000,
                                 .topic_data = KFK_ARRAY_OF(topics)};
    cc_expect_request(API, 9, 2, &req, req_v9, sizeof req_v9);

    kfk_arena_t arena = {0};
    kfk_produce_request_t *got = cc_decode_request(API, 9, 2, req_v9, sizeof req_v9, &arena);
    cc_expect_str(got->transactional_id, "tx");
    cr_assert_eq(got->acks, 1);
    cr_assert_eq(got->topic_data.count, 1);
    kfk_produce_request_topic_produce_data_t *t =
        &KFK_ARRAY_AT(got->topic_data, kfk_produce_request_topic_produce_data_t, 0);
    cc_expect_str(t->name, "t1");
    cr_assert_eq(t->partition_data.count, 2);
    cc_expect_blob(
        KFK_ARRAY_AT(t->partition_data, kfk_produce_request_partition_produce_data_t, 0).records,
        recs, sizeof recs);
    cc_expect_blob(
        KFK_ARRAY_AT(t->partition_data, kfk_produce_request_partition_produce_data_t, 1).records,
        NULL, -1);
    kfk_arena_free(&arena);
}

Test(produce, encodes_and_decodes_the_v3_response) {
    kfk_produce_response_partition_produce_response_t parts[] = {{.index = 0,
                                                                  .error_code = 0,
                                                                  .base_offset = 42,
                                                                  .log_append_time_ms = -1,
                                                                  .log_start_offset = -1,
                                                                  .error_message = {NULL, -1},
                                                                  .current_leader = {-1, -1}}};
    kfk_produce_response_topic_produce_response_t topics[] = {
        {.name = KFK_STR("t1"), .partition_responses = KFK_ARRAY_OF(parts)}};
    kfk_produce_response_t resp = {.responses = KFK_ARRAY_OF(topics), .throttle_time_ms = 0};
    cc_expect_response(API, 3, 1, &resp, resp_v3, sizeof resp_v3);

    kfk_arena_t arena = {0};
    kfk_produce_response_t *got = cc_decode_response(API, 3, 1, resp_v3, sizeof resp_v3, &arena);
    cr_assert_eq(got->responses.count, 1);
    kfk_produce_response_topic_produce_response_t *t =
        &KFK_ARRAY_AT(got->responses, kfk_produce_response_topic_produce_response_t, 0);
    cc_expect_str(t->name, "t1");
    cr_assert_eq(t->partition_responses.count, 1);
    kfk_produce_response_partition_produce_response_t *p =
        &KFK_ARRAY_AT(t->partition_responses, kfk_produce_response_partition_produce_response_t, 0);
    cr_assert_eq(p->base_offset, 42);
    cr_assert_eq(p->log_append_time_ms, -1);
    cr_assert_eq(p->log_start_offset, -1, "absent before v5: the default");
    cc_expect_str(p->error_message, NULL);
    cr_assert_eq(p->current_leader.leader_id, -1);
    cr_assert_eq(p->current_leader.leader_epoch, -1);
    cr_assert_eq(got->throttle_time_ms, 0);
    kfk_arena_free(&arena);
}

Test(produce, encodes_and_decodes_the_flexible_v9_response_with_record_errors) {
    kfk_produce_response_batch_index_and_error_message_t errs[] = {
        {.batch_index = 3, .batch_index_error_message = KFK_STR("bad")}};
    kfk_produce_response_partition_produce_response_t parts[] = {
        {.index = 0,
         .error_code = 0,
         .base_offset = 42,
         .log_append_time_ms = -1,
         .log_start_offset = 0,
         .record_errors = KFK_ARRAY_OF(errs),
         .error_message = {NULL, -1},
         .current_leader = {-1, -1}}};
    kfk_produce_response_topic_produce_response_t topics[] = {
        {.name = KFK_STR("t1"), .partition_responses = KFK_ARRAY_OF(parts)}};
    kfk_produce_response_t resp = {.responses = KFK_ARRAY_OF(topics), .throttle_time_ms = 10};
    cc_expect_response(API, 9, 2, &resp, resp_v9, sizeof resp_v9);

    kfk_arena_t arena = {0};
    kfk_produce_response_t *got = cc_decode_response(API, 9, 2, resp_v9, sizeof resp_v9, &arena);
    kfk_produce_response_topic_produce_response_t *t =
        &KFK_ARRAY_AT(got->responses, kfk_produce_response_topic_produce_response_t, 0);
    kfk_produce_response_partition_produce_response_t *p =
        &KFK_ARRAY_AT(t->partition_responses, kfk_produce_response_partition_produce_response_t, 0);
    cr_assert_eq(p->log_start_offset, 0);
    cr_assert_eq(p->record_errors.count, 1);
    kfk_produce_response_batch_index_and_error_message_t *e =
        &KFK_ARRAY_AT(p->record_errors, kfk_produce_response_batch_index_and_error_message_t, 0);
    cr_assert_eq(e->batch_index, 3);
    cc_expect_str(e->batch_index_error_message, "bad");
    cc_expect_str(p->error_message, NULL);
    cr_assert_eq(got->throttle_time_ms, 10);
    cr_assert_eq(got->node_endpoints.count, 0);
    kfk_arena_free(&arena);
}

Test(produce, encodes_and_decodes_the_v11_response_with_current_leader_and_node_endpoints) {
    kfk_produce_response_partition_produce_response_t parts[] = {
        {.index = 0,
         .error_code = KFK_ERR_NOT_LEADER_OR_FOLLOWER,
         .base_offset = -1,
         .log_append_time_ms = -1,
         .log_start_offset = -1,
         .error_message = {NULL, -1},
         .current_leader = {.leader_id = 2, .leader_epoch = 7}}};
    kfk_produce_response_topic_produce_response_t topics[] = {
        {.name = KFK_STR("t1"), .partition_responses = KFK_ARRAY_OF(parts)}};
    kfk_produce_response_node_endpoint_t nodes[] = {
        {.node_id = 2, .host = KFK_STR("h2"), .port = 9092, .rack = {NULL, -1}}};
    kfk_produce_response_t resp = {.responses = KFK_ARRAY_OF(topics),
                                   .throttle_time_ms = 0,
                                   .node_endpoints = KFK_ARRAY_OF(nodes)};
    cc_expect_response(API, 11, 3, &resp, resp_v11, sizeof resp_v11);

    kfk_arena_t arena = {0};
    kfk_produce_response_t *got = cc_decode_response(API, 11, 3, resp_v11, sizeof resp_v11, &arena);
    kfk_produce_response_topic_produce_response_t *t =
        &KFK_ARRAY_AT(got->responses, kfk_produce_response_topic_produce_response_t, 0);
    kfk_produce_response_partition_produce_response_t *p =
        &KFK_ARRAY_AT(t->partition_responses, kfk_produce_response_partition_produce_response_t, 0);
    cr_assert_eq(p->error_code, KFK_ERR_NOT_LEADER_OR_FOLLOWER);
    cr_assert_eq(p->record_errors.count, 0);
    cr_assert_eq(p->current_leader.leader_id, 2);
    cr_assert_eq(p->current_leader.leader_epoch, 7);
    cr_assert_eq(p->unknown_tags.len, 0);
    cr_assert_eq(got->node_endpoints.count, 1);
    kfk_produce_response_node_endpoint_t *n =
        &KFK_ARRAY_AT(got->node_endpoints, kfk_produce_response_node_endpoint_t, 0);
    cr_assert_eq(n->node_id, 2);
    cc_expect_str(n->host, "h2");
    cr_assert_eq(n->port, 9092);
    cc_expect_str(n->rack, NULL);
    kfk_arena_free(&arena);
}

Test(produce, leaves_default_tagged_fields_out_of_v10_responses) {
    /* current_leader {-1, -1} and no node endpoints: both tagged sections stay empty. */
    kfk_produce_response_partition_produce_response_t parts[] = {{.index = 1,
                                                                  .log_append_time_ms = -1,
                                                                  .log_start_offset = -1,
                                                                  .error_message = {NULL, -1},
                                                                  .current_leader = {-1, -1}}};
    kfk_produce_response_topic_produce_response_t topics[] = {
        {.name = KFK_STR(""), .partition_responses = KFK_ARRAY_OF(parts)}};
    kfk_produce_response_t resp = {.responses = KFK_ARRAY_OF(topics)};
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    cr_assert_eq(kfk_schema_encode(&kfk_produce_response_schema, 10, true, &resp, &w),
                 KFK_ERR_NONE);
    static const uint8_t want[] = {
        0x02, 0x01, 0x02,                               /* 1 topic "", 1 partition */
        0x00, 0x00, 0x00, 0x01, 0x00, 0x00,             /* index 1, error_code 0 */
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* base_offset 0 */
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* log_append_time_ms -1 */
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* log_start_offset -1 */
        0x01, 0x00, 0x00,             /* no record errors, null message, no tags */
        0x00,                         /* topic tagged fields: none */
        0x00, 0x00, 0x00, 0x00, 0x00, /* throttle 0, tagged fields: none */
    };
    cc_expect_bytes(&w, want, sizeof want);
    kfk_wbuf_free(&w);
}

/* ---- round trips -------------------------------------------------------------------------- */

Test(produce, round_trips_every_request_version) {
    for (int16_t v = 3; v <= 11; v++) {
        kfk_produce_request_partition_produce_data_t parts[] = {
            {.index = 7, .records = {recs, sizeof recs}},
            {.index = 8, .records = {NULL, -1}},
            {.index = 9, .records = {recs, 0}},
        };
        kfk_produce_request_partition_produce_data_t parts2[] = {
            {.index = 0, .records = {recs + 1, 3}}};
        kfk_produce_request_topic_produce_data_t topics[] = {
            {.name = KFK_STR("orders"), .partition_data = KFK_ARRAY_OF(parts)},
            {.name = KFK_STR("audit"), .partition_data = KFK_ARRAY_OF(parts2)},
            {.name = KFK_STR("empty"), .partition_data = {NULL, 0}},
        };
        kfk_produce_request_t req = {.transactional_id =
                                         v % 2 ? KFK_STR("txn-1") : (kfk_str_t){NULL, -1},
                                     .acks = -1,
                                     .timeout_ms = 1500,
                                     .topic_data = KFK_ARRAY_OF(topics)};
        kfk_arena_t arena = {0};
        kfk_produce_request_t *out =
            cc_round_trip(API, &kfk_produce_request_schema, v, &req, &arena);
        cc_expect_str(out->transactional_id, v % 2 ? "txn-1" : NULL);
        cr_assert_eq(out->acks, -1);
        cr_assert_eq(out->timeout_ms, 1500);
        cr_assert_eq(out->topic_data.count, 3);
        kfk_produce_request_topic_produce_data_t *t =
            &KFK_ARRAY_AT(out->topic_data, kfk_produce_request_topic_produce_data_t, 0);
        cc_expect_str(t->name, "orders");
        cr_assert_eq(t->partition_data.count, 3);
        kfk_produce_request_partition_produce_data_t *p =
            (kfk_produce_request_partition_produce_data_t *)t->partition_data.items;
        cr_assert_eq(p[0].index, 7);
        cc_expect_blob(p[0].records, recs, sizeof recs);
        cc_expect_blob(p[1].records, NULL, -1);
        cc_expect_blob(p[2].records, NULL, 0);
        t = &KFK_ARRAY_AT(out->topic_data, kfk_produce_request_topic_produce_data_t, 1);
        cc_expect_str(t->name, "audit");
        cc_expect_blob(
            KFK_ARRAY_AT(t->partition_data, kfk_produce_request_partition_produce_data_t, 0)
                .records,
            recs + 1, 3);
        t = &KFK_ARRAY_AT(out->topic_data, kfk_produce_request_topic_produce_data_t, 2);
        cr_assert_eq(t->partition_data.count, 0);
        kfk_arena_free(&arena);
    }
}

Test(produce, round_trips_every_response_version) {
    for (int16_t v = 3; v <= 11; v++) {
        kfk_produce_response_batch_index_and_error_message_t errs[] = {
            {.batch_index = 0, .batch_index_error_message = KFK_STR("too big")},
            {.batch_index = 4, .batch_index_error_message = {NULL, -1}},
        };
        kfk_produce_response_partition_produce_response_t parts[] = {
            {.index = 0,
             .error_code = KFK_ERR_INVALID_RECORD,
             .base_offset = 1000,
             .log_append_time_ms = 1700000000000,
             .log_start_offset = 12,
             .record_errors = KFK_ARRAY_OF(errs),
             .error_message = KFK_STR("bad batch"),
             .current_leader = {.leader_id = 3, .leader_epoch = 9}},
            {.index = 1,
             .base_offset = 5,
             .log_append_time_ms = -1,
             .log_start_offset = -1,
             .error_message = {NULL, -1},
             .current_leader = {-1, -1}},
        };
        kfk_produce_response_topic_produce_response_t topics[] = {
            {.name = KFK_STR("orders"), .partition_responses = KFK_ARRAY_OF(parts)}};
        kfk_produce_response_node_endpoint_t nodes[] = {
            {.node_id = 3, .host = KFK_STR("broker-3"), .port = 9093, .rack = KFK_STR("r1")},
            {.node_id = 4, .host = KFK_STR("broker-4"), .port = 9094, .rack = {NULL, -1}},
        };
        kfk_produce_response_t resp = {.responses = KFK_ARRAY_OF(topics),
                                       .throttle_time_ms = 250,
                                       .node_endpoints = KFK_ARRAY_OF(nodes)};
        kfk_arena_t arena = {0};
        kfk_produce_response_t *out =
            cc_round_trip(API, &kfk_produce_response_schema, v, &resp, &arena);
        cr_assert_eq(out->throttle_time_ms, 250);
        cr_assert_eq(out->responses.count, 1);
        kfk_produce_response_topic_produce_response_t *t =
            &KFK_ARRAY_AT(out->responses, kfk_produce_response_topic_produce_response_t, 0);
        cc_expect_str(t->name, "orders");
        cr_assert_eq(t->partition_responses.count, 2);
        kfk_produce_response_partition_produce_response_t *p =
            (kfk_produce_response_partition_produce_response_t *)t->partition_responses.items;
        cr_assert_eq(p[0].error_code, KFK_ERR_INVALID_RECORD);
        cr_assert_eq(p[0].base_offset, 1000);
        cr_assert_eq(p[0].log_append_time_ms, 1700000000000);
        cr_assert_eq(p[0].log_start_offset, v >= 5 ? 12 : -1, "v%d", v);
        cr_assert_eq(p[0].record_errors.count, v >= 8 ? 2 : 0, "v%d", v);
        if (v >= 8) {
            kfk_produce_response_batch_index_and_error_message_t *e =
                (kfk_produce_response_batch_index_and_error_message_t *)p[0].record_errors.items;
            cr_assert_eq(e[1].batch_index, 4);
            cc_expect_str(e[0].batch_index_error_message, "too big");
            cc_expect_str(e[1].batch_index_error_message, NULL);
            cc_expect_str(p[0].error_message, "bad batch");
        } else {
            cc_expect_str(p[0].error_message, NULL);
        }
        cr_assert_eq(p[0].current_leader.leader_id, v >= 10 ? 3 : -1, "v%d", v);
        cr_assert_eq(p[0].current_leader.leader_epoch, v >= 10 ? 9 : -1, "v%d", v);
        cr_assert_eq(p[1].current_leader.leader_id, -1);
        cr_assert_eq(out->node_endpoints.count, v >= 10 ? 2 : 0, "v%d", v);
        if (v >= 10) {
            kfk_produce_response_node_endpoint_t *n =
                (kfk_produce_response_node_endpoint_t *)out->node_endpoints.items;
            cc_expect_str(n[0].host, "broker-3");
            cc_expect_str(n[0].rack, "r1");
            cr_assert_eq(n[1].port, 9094);
            cc_expect_str(n[1].rack, NULL);
        }
        kfk_arena_free(&arena);
    }
}

Test(produce, refuses_a_null_topic_name_in_every_version) {
    kfk_produce_request_topic_produce_data_t topics[] = {{.name = {NULL, -1}}};
    kfk_produce_request_t req = {.transactional_id = {NULL, -1},
                                 .topic_data = KFK_ARRAY_OF(topics)};
    for (int16_t v = 3; v <= 11; v++)
        cc_expect_encode_refused(API, &kfk_produce_request_schema, v, &req);
}

/* ---- malformed input ---------------------------------------------------------------------- */

Test(produce, rejects_every_truncated_golden_frame) {
    cc_expect_truncations_fail(API, true, 3, req_v3, sizeof req_v3);
    cc_expect_truncations_fail(API, true, 9, req_v9, sizeof req_v9);
    cc_expect_truncations_fail(API, false, 3, resp_v3, sizeof resp_v3);
    cc_expect_truncations_fail(API, false, 9, resp_v9, sizeof resp_v9);
    cc_expect_truncations_fail(API, false, 11, resp_v11, sizeof resp_v11);
}

Test(produce, rejects_hostile_counts_and_lengths) {
    /* v3 request: topic_data count 0x7fffffff with nothing behind it. */
    static const uint8_t huge_count[] = {0xff, 0xff, 0x00, 0x01, 0x00, 0x00, 0x00,
                                         0x00, 0x7f, 0xff, 0xff, 0xff, 0x00, 0x00};
    cc_expect_bad_body(API, &kfk_produce_request_schema, 3, huge_count, sizeof huge_count);
    /* v3 request: a topic name of length 0x7fff, past the end. */
    static const uint8_t long_name[] = {0xff, 0xff, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
                                        0x00, 0x00, 0x01, 0x7f, 0xff, 't',  '1',  0x00, 0x00};
    cc_expect_bad_body(API, &kfk_produce_request_schema, 3, long_name, sizeof long_name);
    /* v3 request: records of length -2. */
    static const uint8_t minus_two[] = {0xff, 0xff, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00,
                                        0x00, 0x00, 0x01, 0x00, 0x01, 't',  0x00, 0x00, 0x00,
                                        0x01, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xfe};
    cc_expect_bad_body(API, &kfk_produce_request_schema, 3, minus_two, sizeof minus_two);
    /* v3 request: transactional_id of length -2. */
    static const uint8_t id_minus_two[] = {0xff, 0xfe, 0x00, 0x01, 0x00, 0x00,
                                           0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    cc_expect_bad_body(API, &kfk_produce_request_schema, 3, id_minus_two, sizeof id_minus_two);
    /* v9 request: compact topic_data count 0x7fffffff (varint of 0x80000000). */
    static const uint8_t compact_huge[] = {0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
                                           0x80, 0x80, 0x80, 0x80, 0x08, 0x00};
    cc_expect_bad_body(API, &kfk_produce_request_schema, 9, compact_huge, sizeof compact_huge);
    /* v9 request: compact records length far past the end. */
    static const uint8_t compact_records[] = {0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
                                              0x02, 0x02, 't',  0x02, 0x00, 0x00, 0x00,
                                              0x00, 0xff, 0xff, 0x03, 0x00, 0x00};
    cc_expect_bad_body(API, &kfk_produce_request_schema, 9, compact_records,
                       sizeof compact_records);
    /* v3 response: partition_responses count 0x7fffffff. */
    static const uint8_t resp_huge[] = {0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 't', 0x7f,
                                        0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00};
    cc_expect_bad_body(API, &kfk_produce_response_schema, 3, resp_huge, sizeof resp_huge);
    /* v11 response: a tagged current_leader whose size (20) runs past the end. */
    static const uint8_t bad_tag[] = {0x02, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                      0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x14, 0x00};
    cc_expect_bad_body(API, &kfk_produce_response_schema, 11, bad_tag, sizeof bad_tag);
    /* v11 response: a current_leader whose declared size (10) is one more than it holds. */
    static const uint8_t short_tag[] = {
        0x02, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x02,
        0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    cc_expect_bad_body(API, &kfk_produce_response_schema, 11, short_tag, sizeof short_tag);
}
