/*
 * test_api_describe_cluster.c: DescribeCluster (key 60) tables, kfk versions 0-2 (every version
 * flexible; v1 adds the endpoint type, v2 fenced brokers; Kafka 3.9 speaks 0-1). Golden frames
 * written by hand from the protocol spec (v0 and v2 both ways), a round trip of every version,
 * malformed input.
 */
#include <criterion/criterion.h>

#include "kfk/protocol.h"

#include "codec_check.h"

#define API KFK_API_DESCRIBE_CLUSTER
#define CORR 7

typedef kfk_describe_cluster_response_describe_cluster_broker_t broker_t;

/* ---- golden frames ---------------------------------------------------------------------- */

/* Request v0: with the cluster's authorized operations. */
static const uint8_t req_v0[] = {
    0x00, 0x00, 0x00, 0x10,      /* frame size 16 */
    0x00, 0x3c, 0x00, 0x00,      /* api_key 60, api_version 0 */
    0x00, 0x00, 0x00, 0x07,      /* correlation_id 7 */
    0x00, 0x03, 'k',  'f',  'k', /* client_id "kfk" */
    0x00,                        /* header tagged fields */
    0x01,                        /* include_cluster_authorized_operations true */
    0x00,                        /* tagged fields */
};

/* Request v2: the brokers, fenced ones too. */
static const uint8_t req_v2[] = {
    0x00, 0x00, 0x00, 0x12,      /* frame size 18 */
    0x00, 0x3c, 0x00, 0x02,      /* api_key 60, api_version 2 */
    0x00, 0x00, 0x00, 0x07,      /* correlation_id 7 */
    0x00, 0x03, 'k',  'f',  'k', /* client_id "kfk" */
    0x00,                        /* header tagged fields */
    0x00,                        /* include_cluster_authorized_operations false */
    0x01,                        /* endpoint_type 1 (brokers) */
    0x01,                        /* include_fenced_brokers true */
    0x00,                        /* tagged fields */
};

/* Response v0: cluster "cid", controller 1, broker 1 at h:9092 with no rack. */
static const uint8_t resp_v0[] = {
    0x00, 0x00, 0x00, 0x26, /* frame size 38 */
    0x00, 0x00, 0x00, 0x07, /* correlation_id 7 */
    0x00,                   /* header tagged fields */
    0x00, 0x00, 0x00, 0x00, /* throttle_time_ms 0 */
    0x00, 0x00,             /* error_code 0 */
    0x00,                   /* error_message null */
    0x04, 'c',  'i',  'd',  /* cluster_id "cid" */
    0x00, 0x00, 0x00, 0x01, /* controller_id 1 */
    0x02,                   /* brokers: 1 */
    0x00, 0x00, 0x00, 0x01, /*   broker_id 1 */
    0x02, 'h',              /*   host "h" */
    0x00, 0x00, 0x23, 0x84, /*   port 9092 */
    0x00,                   /*   rack null */
    0x00,                   /*   broker tagged fields */
    0x80, 0x00, 0x00, 0x00, /* cluster_authorized_operations INT32_MIN (not asked) */
    0x00,                   /* tagged fields */
};

/* Response v2: broker 1 in rack "r1", broker 2 fenced. */
static const uint8_t resp_v2[] = {
    0x00, 0x00, 0x00, 0x37, /* frame size 55 */
    0x00, 0x00, 0x00, 0x07, /* correlation_id 7 */
    0x00,                   /* header tagged fields */
    0x00, 0x00, 0x00, 0x00, /* throttle_time_ms 0 */
    0x00, 0x00,             /* error_code 0 */
    0x00,                   /* error_message null */
    0x01,                   /* endpoint_type 1 (brokers) */
    0x04, 'c',  'i',  'd',  /* cluster_id "cid" */
    0x00, 0x00, 0x00, 0x01, /* controller_id 1 */
    0x03,                   /* brokers: 2 */
    0x00, 0x00, 0x00, 0x01, /*   broker_id 1 */
    0x02, 'h',              /*   host "h" */
    0x00, 0x00, 0x23, 0x84, /*   port 9092 */
    0x03, 'r',  '1',        /*   rack "r1" */
    0x00,                   /*   is_fenced false */
    0x00,                   /*   broker tagged fields */
    0x00, 0x00, 0x00, 0x02, /*   broker_id 2 */
    0x02, 'h',              /*   host "h" */
    0x00, 0x00, 0x23, 0x85, /*   port 9093 */
    0x00,                   /*   rack null */
    0x01,                   /*   is_fenced true */
    0x00,                   /*   broker tagged fields */
    0x80, 0x00, 0x00, 0x00, /* cluster_authorized_operations INT32_MIN (not asked) */
    0x00,                   /* tagged fields */
};

Test(describe_cluster, encodes_and_decodes_request_v0_v2) {
    kfk_describe_cluster_request_t r0 = {.include_cluster_authorized_operations = true,
                                         .endpoint_type = 2, /* not in v0 */
                                         .include_fenced_brokers = true};
    cc_expect_request(API, 0, CORR, &r0, req_v0, sizeof req_v0);
    kfk_describe_cluster_request_t r2 = {.endpoint_type = 1, .include_fenced_brokers = true};
    cc_expect_request(API, 2, CORR, &r2, req_v2, sizeof req_v2);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_describe_cluster_request_t *d =
        cc_decode_request(API, 0, CORR, req_v0, sizeof req_v0, &a);
    cr_assert(d->include_cluster_authorized_operations);
    cr_assert_eq(d->endpoint_type, 1, "absent in v0: default 1 (brokers)");
    cr_assert(!d->include_fenced_brokers);
    d = cc_decode_request(API, 2, CORR, req_v2, sizeof req_v2, &a);
    cr_assert(!d->include_cluster_authorized_operations);
    cr_assert_eq(d->endpoint_type, 1);
    cr_assert(d->include_fenced_brokers);
    kfk_arena_free(&a);
}

Test(describe_cluster, encodes_and_decodes_response_v0_v2) {
    broker_t one[] = {{.broker_id = 1,
                       .host = KFK_STR("h"),
                       .port = 9092,
                       .rack = {NULL, -1},
                       .is_fenced = true}}; /* not in v0 */
    kfk_describe_cluster_response_t r0 = {.error_message = {NULL, -1},
                                          .endpoint_type = 2, /* not in v0 */
                                          .cluster_id = KFK_STR("cid"),
                                          .controller_id = 1,
                                          .brokers = KFK_ARRAY_OF(one),
                                          .cluster_authorized_operations = INT32_MIN};
    cc_expect_response(API, 0, CORR, &r0, resp_v0, sizeof resp_v0);
    broker_t two[] = {{.broker_id = 1, .host = KFK_STR("h"), .port = 9092, .rack = KFK_STR("r1")},
                      {.broker_id = 2,
                       .host = KFK_STR("h"),
                       .port = 9093,
                       .rack = {NULL, -1},
                       .is_fenced = true}};
    kfk_describe_cluster_response_t r2 = {.error_message = {NULL, -1},
                                          .endpoint_type = 1,
                                          .cluster_id = KFK_STR("cid"),
                                          .controller_id = 1,
                                          .brokers = KFK_ARRAY_OF(two),
                                          .cluster_authorized_operations = INT32_MIN};
    cc_expect_response(API, 2, CORR, &r2, resp_v2, sizeof resp_v2);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_describe_cluster_response_t *d =
        cc_decode_response(API, 0, CORR, resp_v0, sizeof resp_v0, &a);
    cr_assert_eq(d->error_code, 0);
    cr_assert_eq(d->error_message.len, -1);
    cr_assert_eq(d->endpoint_type, 1, "absent in v0: default 1 (brokers)");
    cr_assert(kfk_str_eq(d->cluster_id, "cid"));
    cr_assert_eq(d->controller_id, 1);
    cr_assert_eq(d->brokers.count, 1);
    const broker_t *b = d->brokers.items;
    cr_assert(kfk_str_eq(b[0].host, "h"));
    cr_assert_eq(b[0].port, 9092);
    cr_assert_eq(b[0].rack.len, -1);
    cr_assert(!b[0].is_fenced);
    cr_assert_eq(d->cluster_authorized_operations, INT32_MIN);
    d = cc_decode_response(API, 2, CORR, resp_v2, sizeof resp_v2, &a);
    cr_assert_eq(d->brokers.count, 2);
    b = d->brokers.items;
    cr_assert(kfk_str_eq(b[0].rack, "r1"));
    cr_assert(!b[0].is_fenced);
    cr_assert_eq(b[1].broker_id, 2);
    cr_assert_eq(b[1].port, 9093);
    cr_assert(b[1].is_fenced);
    kfk_arena_free(&a);
}

Test(describe_cluster, request_and_response_round_trip_in_every_version) {
    const kfk_api_t *api = kfk_api_get(API);
    cr_assert_eq(api->min_version, 0);
    cr_assert_eq(api->max_version, 2);
    cr_assert_eq(api->flexible_from, 0);
    for (int16_t v = api->min_version; v <= api->max_version; v++) {
        kfk_describe_cluster_request_t req = {.include_cluster_authorized_operations = true,
                                              .endpoint_type = 2,
                                              .include_fenced_brokers = true,
                                              .unknown_tags = CC_UNKNOWN_TAGS};
        kfk_arena_t a;
        kfk_arena_init(&a);
        const kfk_describe_cluster_request_t *q =
            cc_round_trip(API, &kfk_describe_cluster_request_schema, v, &req, &a);
        cr_assert(q->include_cluster_authorized_operations, "v%d", v);
        cr_assert_eq(q->endpoint_type, v >= 1 ? 2 : 1, "v%d", v);
        cr_assert_eq(q->include_fenced_brokers, v >= 2, "v%d", v);
        cr_assert(cc_tags_kept(API, q->unknown_tags, v), "v%d", v);

        broker_t bs[] = {{.broker_id = 3,
                          .host = KFK_STR("broker-3.example"),
                          .port = 19092,
                          .rack = KFK_STR("eu-1a"),
                          .is_fenced = true,
                          .unknown_tags = CC_UNKNOWN_TAGS},
                         {.broker_id = 4, .host = KFK_STR(""), .rack = {NULL, -1}}};
        kfk_describe_cluster_response_t resp = {.throttle_time_ms = 1,
                                                .error_code = KFK_ERR_CLUSTER_AUTHORIZATION_FAILED,
                                                .error_message = KFK_STR("denied"),
                                                .endpoint_type = 2,
                                                .cluster_id = KFK_STR("abc"),
                                                .controller_id = -1,
                                                .brokers = KFK_ARRAY_OF(bs),
                                                .cluster_authorized_operations = 0x0ff8,
                                                .unknown_tags = CC_UNKNOWN_TAGS};
        const kfk_describe_cluster_response_t *r =
            cc_round_trip(API, &kfk_describe_cluster_response_schema, v, &resp, &a);
        cr_assert_eq(r->error_code, KFK_ERR_CLUSTER_AUTHORIZATION_FAILED, "v%d", v);
        cr_assert(kfk_str_eq(r->error_message, "denied"), "v%d", v);
        cr_assert_eq(r->endpoint_type, v >= 1 ? 2 : 1, "v%d", v);
        cr_assert_eq(r->controller_id, -1, "v%d", v);
        cr_assert_eq(r->brokers.count, 2, "v%d", v);
        const broker_t *b = r->brokers.items;
        cr_assert(kfk_str_eq(b[0].rack, "eu-1a"), "v%d", v);
        cr_assert_eq(b[0].is_fenced, v >= 2, "v%d", v);
        cr_assert(cc_tags_kept(API, b[0].unknown_tags, v), "v%d", v);
        cr_assert_eq(b[1].rack.len, -1, "v%d", v);
        cr_assert_eq(r->cluster_authorized_operations, 0x0ff8, "v%d", v);
        cr_assert(cc_tags_kept(API, r->unknown_tags, v), "v%d", v);
        kfk_arena_free(&a);
    }
}

Test(describe_cluster, truncated_frames_fail_at_every_length) {
    cc_expect_truncations_fail(API, true, 0, req_v0, sizeof req_v0);
    cc_expect_truncations_fail(API, true, 2, req_v2, sizeof req_v2);
    cc_expect_truncations_fail(API, false, 0, resp_v0, sizeof resp_v0);
    cc_expect_truncations_fail(API, false, 2, resp_v2, sizeof resp_v2);
    cc_expect_trailing_byte_refused(API, false, 2, resp_v2, sizeof resp_v2);
}

Test(describe_cluster, hostile_counts_and_lengths_are_bad_messages) {
    static const uint8_t null_compact[] = {0x00};
    static const uint8_t big_compact[] = {0x7f};
    static const uint8_t huge_varint[] = {0xff, 0xff, 0xff, 0xff, 0x0f};
    static const uint8_t long_varint[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
    /* v0 response: cluster_id at 16 null (not nullable) or past the end, brokers count at 24
     * null, huge, or a varint longer than 5 bytes, the host at 29 null. */
    cc_expect_bad_patch(API, false, 0, resp_v0, sizeof resp_v0, 16, null_compact, 1);
    cc_expect_bad_patch(API, false, 0, resp_v0, sizeof resp_v0, 16, big_compact, 1);
    cc_expect_bad_patch(API, false, 0, resp_v0, sizeof resp_v0, 24, null_compact, 1);
    cc_expect_bad_patch(API, false, 0, resp_v0, sizeof resp_v0, 24, huge_varint, 5);
    cc_expect_bad_patch(API, false, 0, resp_v0, sizeof resp_v0, 24, long_varint, 6);
    cc_expect_bad_patch(API, false, 0, resp_v0, sizeof resp_v0, 29, null_compact, 1);
    /* v2 response: the first broker's rack at 36 past the end. */
    cc_expect_bad_patch(API, false, 2, resp_v2, sizeof resp_v2, 36, big_compact, 1);
}
