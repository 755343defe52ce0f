/*
 * test_api_create_topics.c: CreateTopics (key 19) tables, versions 2-7 (flexible from 5).
 * Golden frames written by hand from CreateTopicsRequest.json / CreateTopicsResponse.json, a
 * round trip at every version, and malformed input.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "kfk/protocol.h"

#include "codec_check.h"

#define API KFK_API_CREATE_TOPICS

typedef kfk_create_topics_request_creatable_topic_t topic_t;
typedef kfk_create_topics_request_creatable_replica_assignment_t assignment_t;
typedef kfk_create_topics_request_creatable_topic_config_t config_t;
typedef kfk_create_topics_response_creatable_topic_result_t result_t;
typedef kfk_create_topics_response_creatable_topic_configs_t result_config_t;

/* ---- golden frames ------------------------------------------------------------------------ */

/* v2 request (kfk's lowest): header v1. */
static const uint8_t req_v2[] = {
    0x00, 0x00, 0x00, 0x41,                     /* frame size 65 */
    0x00, 0x13,                                 /* api_key 19 */
    0x00, 0x02,                                 /* api_version 2 */
    0x00, 0x00, 0x00, 0x01,                     /* correlation_id 1 */
    0x00, 0x03, 'k',  'f',  'k',                /* client_id "kfk" */
    0x00, 0x00, 0x00, 0x01,                     /* topics: 1 */
    0x00, 0x02, 't',  '1',                      /*   name "t1" */
    0x00, 0x00, 0x00, 0x03,                     /*   num_partitions 3 */
    0x00, 0x01,                                 /*   replication_factor 1 */
    0x00, 0x00, 0x00, 0x00,                     /*   assignments: none */
    0x00, 0x00, 0x00, 0x01,                     /*   configs: 1 */
    0x00, 0x0e, 'c',  'l',  'e', 'a', 'n', 'u', /*     name "cleanup.policy" */
    'p',  '.',  'p',  'o',  'l', 'i', 'c', 'y', /* (continued) */
    0x00, 0x07, 'c',  'o',  'm', 'p', 'a', 'c', /*     value "compact" */
    't',                                        /* (continued) */
    0x00, 0x00, 0xea, 0x60,                     /* timeout_ms 60000 */
    0x00,                                       /* validate_only false (v1+) */
};

/* v5 request (first flexible): header v2; a manual assignment and a null config value. */
static const uint8_t req_v5[] = {
    0x00, 0x00, 0x00, 0x3e,                     /* frame size 62 */
    0x00, 0x13,                                 /* api_key 19 */
    0x00, 0x05,                                 /* api_version 5 */
    0x00, 0x00, 0x00, 0x02,                     /* correlation_id 2 */
    0x00, 0x03, 'k',  'f',  'k',                /* client_id "kfk" */
    0x00,                                       /* header tagged fields: none */
    0x02,                                       /* topics: 1 (compact) */
    0x03, 't',  '1',                            /*   name "t1" */
    0xff, 0xff, 0xff, 0xff,                     /*   num_partitions -1 */
    0xff, 0xff,                                 /*   replication_factor -1 */
    0x02,                                       /*   assignments: 1 */
    0x00, 0x00, 0x00, 0x00,                     /*     partition_index 0 */
    0x03,                                       /*     broker_ids: 2 */
    0x00, 0x00, 0x00, 0x01,                     /*       1 */
    0x00, 0x00, 0x00, 0x02,                     /*       2 */
    0x00,                                       /*     tagged fields: none */
    0x02,                                       /*   configs: 1 */
    0x0d, 'r',  'e',  't',  'e', 'n', 't', 'i', /*     name "retention.ms" */
    'o',  'n',  '.',  'm',  's',                /* (continued) */
    0x00,                                       /*     value null */
    0x00,                                       /*     tagged fields: none */
    0x00,                                       /*   tagged fields: none */
    0x00, 0x00, 0x75, 0x30,                     /* timeout_ms 30000 */
    0x01,                                       /* validate_only true */
    0x00,                                       /* tagged fields: none */
};

/* v2 response: header v0. */
static const uint8_t resp_v2[] = {
    0x00, 0x00, 0x00, 0x1a,                     /* frame size 26 */
    0x00, 0x00, 0x00, 0x01,                     /* correlation_id 1 */
    0x00, 0x00, 0x00, 0x00,                     /* throttle_time_ms 0 */
    0x00, 0x00, 0x00, 0x01,                     /* topics: 1 */
    0x00, 0x02, 't',  '1',                      /*   name "t1" */
    0x00, 0x24,                                 /*   error_code 36 TOPIC_ALREADY_EXISTS */
    0x00, 0x06, 'e',  'x',  'i', 's', 't', 's', /*   error_message "exists" */
};

/* v5 response: header v1; the created topic's settings and configs (v5+). */
static const uint8_t resp_v5[] = {
    0x00, 0x00, 0x00, 0x34,                     /* frame size 52 */
    0x00, 0x00, 0x00, 0x02,                     /* correlation_id 2 */
    0x00,                                       /* header tagged fields: none */
    0x00, 0x00, 0x00, 0x00,                     /* throttle_time_ms 0 */
    0x02,                                       /* topics: 1 */
    0x03, 't',  '1',                            /*   name "t1" */
    0x00, 0x00,                                 /*   error_code 0 */
    0x00,                                       /*   error_message null */
    0x00, 0x00, 0x00, 0x03,                     /*   num_partitions 3 */
    0x00, 0x01,                                 /*   replication_factor 1 */
    0x02,                                       /*   configs: 1 */
    0x0f, 'c',  'l',  'e',  'a', 'n', 'u', 'p', /*     name "cleanup.policy" */
    '.',  'p',  'o',  'l',  'i', 'c', 'y',      /* (continued) */
    0x08, 'c',  'o',  'm',  'p', 'a', 'c', 't', /*     value "compact" */
    0x00,                                       /*     read_only false */
    0x05,                                       /*     config_source 5 (DEFAULT_CONFIG) */
    0x00,                                       /*     is_sensitive false */
    0x00,                                       /*     tagged fields: none */
    0x00,                                       /*   tagged fields: none */
    0x00,                                       /* tagged fields: none */
};

/* v7 response (kfk's highest): topic_id (v7+), null configs and TopicConfigErrorCode (tag 0). */
static const uint8_t resp_v7[] = {
    0x00, 0x00, 0x00, 0x2d,                         /* frame size 45 */
    0x00, 0x00, 0x00, 0x03,                         /* correlation_id 3 */
    0x00,                                           /* header tagged fields: none */
    0x00, 0x00, 0x00, 0x00,                         /* throttle_time_ms 0 */
    0x02,                                           /* topics: 1 */
    0x03, 't',  '1',                                /*   name "t1" */
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, /*   topic_id */
    0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, /* (continued) */
    0x00, 0x00,                                     /*   error_code 0 */
    0x00,                                           /*   error_message null */
    0x00, 0x00, 0x00, 0x03,                         /*   num_partitions 3 */
    0x00, 0x01,                                     /*   replication_factor 1 */
    0x00,                                           /*   configs null */
    0x01,                                           /*   tagged fields: 1 */
    0x00, 0x02,                                     /*     tag 0 topic_config_error_code, 2 */
    0x00, 0x1d,                                     /*       29 TOPIC_AUTHORIZATION_FAILED */
    0x00,                                           /* tagged fields: none */
};

static const kfk_uuid_t uuid = {{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}};

Test(create_topics, encodes_and_decodes_the_v2_request) {
    config_t configs[] = {{.name = KFK_STR("cleanup.policy"), .value = KFK_STR("compact")}};
    topic_t topics[] = {{.name = KFK_STR("t1"),
                         .num_partitions = 3,
                         .replication_factor = 1,
                         .configs = KFK_ARRAY_OF(configs)}};
    kfk_create_topics_request_t req = {.topics = KFK_ARRAY_OF(topics), .timeout_ms = 60000};
    cc_expect_request(API, 2, 1, &req, req_v2, sizeof req_v2);

    kfk_arena_t arena = {0};
    kfk_create_topics_request_t *got = cc_decode_request(API, 2, 1, req_v2, sizeof req_v2, &arena);
    cr_assert_eq(got->timeout_ms, 60000);
    cr_assert_eq(got->validate_only, false);
    cr_assert_eq(got->topics.count, 1);
    topic_t *t = &KFK_ARRAY_AT(got->topics, topic_t, 0);
    cc_expect_str(t->name, "t1");
    cr_assert_eq(t->num_partitions, 3);
    cr_assert_eq(t->replication_factor, 1);
    cr_assert_eq(t->assignments.count, 0);
    cr_assert_eq(t->configs.count, 1);
    cc_expect_str(KFK_ARRAY_AT(t->configs, config_t, 0).name, "cleanup.policy");
    cc_expect_str(KFK_ARRAY_AT(t->configs, config_t, 0).value, "compact");
    kfk_arena_free(&arena);
}

Test(create_topics, encodes_and_decodes_the_flexible_v5_request) {
    int32_t brokers[] = {1, 2};
    assignment_t assignments[] = {{.partition_index = 0, .broker_ids = KFK_ARRAY_OF(brokers)}};
    config_t configs[] = {{.name = KFK_STR("retention.ms"), .value = {NULL, -1}}};
    topic_t topics[] = {{.name = KFK_STR("t1"),
                         .num_partitions = -1,
                         .replication_factor = -1,
                         .assignments = KFK_ARRAY_OF(assignments),
                         .configs = KFK_ARRAY_OF(configs)}};
    kfk_create_topics_request_t req = {
        .topics = KFK_ARRAY_OF(topics), .timeout_ms = 30000, .validate_only = true};
    cc_expect_request(API, 5, 2, &req, req_v5, sizeof req_v5);

    kfk_arena_t arena = {0};
    kfk_create_topics_request_t *got = cc_decode_request(API, 5, 2, req_v5, sizeof req_v5, &arena);
    cr_assert_eq(got->timeout_ms, 30000);
    cr_assert_eq(got->validate_only, true);
    topic_t *t = &KFK_ARRAY_AT(got->topics, topic_t, 0);
    cr_assert_eq(t->num_partitions, -1);
    cr_assert_eq(t->replication_factor, -1);
    cr_assert_eq(t->assignments.count, 1);
    assignment_t *a = &KFK_ARRAY_AT(t->assignments, assignment_t, 0);
    cr_assert_eq(a->broker_ids.count, 2);
    cr_assert_eq(KFK_ARRAY_AT(a->broker_ids, int32_t, 1), 2);
    cc_expect_str(KFK_ARRAY_AT(t->configs, config_t, 0).name, "retention.ms");
    cc_expect_str(KFK_ARRAY_AT(t->configs, config_t, 0).value, NULL);
    kfk_arena_free(&arena);
}

Test(create_topics, encodes_and_decodes_the_v2_response) {
    result_t topics[] = {{.name = KFK_STR("t1"),
                          .error_code = KFK_ERR_TOPIC_ALREADY_EXISTS,
                          .error_message = KFK_STR("exists"),
                          .num_partitions = -1,
                          .replication_factor = -1}};
    kfk_create_topics_response_t resp = {.topics = KFK_ARRAY_OF(topics)};
    cc_expect_response(API, 2, 1, &resp, resp_v2, sizeof resp_v2);

    kfk_arena_t arena = {0};
    kfk_create_topics_response_t *got =
        cc_decode_response(API, 2, 1, resp_v2, sizeof resp_v2, &arena);
    result_t *r = &KFK_ARRAY_AT(got->topics, result_t, 0);
    cc_expect_str(r->name, "t1");
    cr_assert_eq(r->error_code, KFK_ERR_TOPIC_ALREADY_EXISTS);
    cc_expect_str(r->error_message, "exists");
    cr_assert_eq(r->num_partitions, -1, "absent before v5: the default");
    cr_assert_eq(r->replication_factor, -1, "absent before v5: the default");
    cr_assert_eq(r->topic_config_error_code, 0);
    kfk_arena_free(&arena);
}

Test(create_topics, encodes_and_decodes_the_flexible_v5_response_with_configs) {
    result_config_t configs[] = {{.name = KFK_STR("cleanup.policy"),
                                  .value = KFK_STR("compact"),
                                  .read_only = false,
                                  .config_source = 5,
                                  .is_sensitive = false}};
    result_t topics[] = {{.name = KFK_STR("t1"),
                          .error_message = {NULL, -1},
                          .num_partitions = 3,
                          .replication_factor = 1,
                          .configs = KFK_ARRAY_OF(configs)}};
    kfk_create_topics_response_t resp = {.topics = KFK_ARRAY_OF(topics)};
    cc_expect_response(API, 5, 2, &resp, resp_v5, sizeof resp_v5);

    kfk_arena_t arena = {0};
    kfk_create_topics_response_t *got =
        cc_decode_response(API, 5, 2, resp_v5, sizeof resp_v5, &arena);
    result_t *r = &KFK_ARRAY_AT(got->topics, result_t, 0);
    cc_expect_str(r->error_message, NULL);
    cr_assert_eq(r->num_partitions, 3);
    cr_assert_eq(r->replication_factor, 1);
    cr_assert_eq(r->configs.count, 1);
    result_config_t *c = &KFK_ARRAY_AT(r->configs, result_config_t, 0);
    cc_expect_str(c->name, "cleanup.policy");
    cc_expect_str(c->value, "compact");
    cr_assert_eq(c->config_source, 5);
    cr_assert_eq(c->read_only, false);
    cr_assert_eq(c->is_sensitive, false);
    kfk_arena_free(&arena);
}

Test(create_topics, encodes_and_decodes_the_v7_response_with_topic_id_and_config_error_tag) {
    result_t topics[] = {{.name = KFK_STR("t1"),
                          .topic_id = uuid,
                          .error_message = {NULL, -1},
                          .topic_config_error_code = KFK_ERR_TOPIC_AUTHORIZATION_FAILED,
                          .num_partitions = 3,
                          .replication_factor = 1,
                          .configs = {NULL, -1}}};
    kfk_create_topics_response_t resp = {.topics = KFK_ARRAY_OF(topics)};
    cc_expect_response(API, 7, 3, &resp, resp_v7, sizeof resp_v7);

    kfk_arena_t arena = {0};
    kfk_create_topics_response_t *got =
        cc_decode_response(API, 7, 3, resp_v7, sizeof resp_v7, &arena);
    result_t *r = &KFK_ARRAY_AT(got->topics, result_t, 0);
    cr_assert(!memcmp(&r->topic_id, &uuid, sizeof uuid));
    cr_assert_eq(r->topic_config_error_code, KFK_ERR_TOPIC_AUTHORIZATION_FAILED);
    cr_assert_eq(r->configs.count, -1);
    kfk_arena_free(&arena);
}

/* ---- round trips -------------------------------------------------------------------------- */

Test(create_topics, round_trips_every_request_version) {
    for (int16_t v = 2; v <= 7; v++) {
        int32_t brokers0[] = {1, 2, 3};
        int32_t brokers1[] = {3};
        assignment_t assignments[] = {{.partition_index = 0, .broker_ids = KFK_ARRAY_OF(brokers0)},
                                      {.partition_index = 1, .broker_ids = KFK_ARRAY_OF(brokers1)}};
        config_t configs[] = {{.name = KFK_STR("min.insync.replicas"), .value = KFK_STR("2")},
                              {.name = KFK_STR("retention.ms"), .value = {NULL, -1}}};
        topic_t topics[] = {
            {.name = KFK_STR("manual"),
             .num_partitions = -1,
             .replication_factor = -1,
             .assignments = KFK_ARRAY_OF(assignments),
             .configs = KFK_ARRAY_OF(configs)},
            {.name = KFK_STR("auto"), .num_partitions = 12, .replication_factor = 3}};
        kfk_create_topics_request_t req = {
            .topics = KFK_ARRAY_OF(topics), .timeout_ms = 5000, .validate_only = true};
        kfk_arena_t arena = {0};
        kfk_create_topics_request_t *out =
            cc_round_trip(API, &kfk_create_topics_request_schema, v, &req, &arena);
        cr_assert_eq(out->timeout_ms, 5000);
        cr_assert_eq(out->validate_only, true);
        cr_assert_eq(out->topics.count, 2);
        topic_t *t = (topic_t *)out->topics.items;
        cc_expect_str(t[0].name, "manual");
        cr_assert_eq(t[0].assignments.count, 2);
        assignment_t *a = (assignment_t *)t[0].assignments.items;
        cr_assert_eq(a[0].broker_ids.count, 3);
        cr_assert_eq(KFK_ARRAY_AT(a[0].broker_ids, int32_t, 2), 3);
        cr_assert_eq(a[1].partition_index, 1);
        cr_assert_eq(t[0].configs.count, 2);
        cc_expect_str(KFK_ARRAY_AT(t[0].configs, config_t, 0).value, "2");
        cc_expect_str(KFK_ARRAY_AT(t[0].configs, config_t, 1).value, NULL);
        cc_expect_str(t[1].name, "auto");
        cr_assert_eq(t[1].num_partitions, 12);
        cr_assert_eq(t[1].replication_factor, 3);
        kfk_arena_free(&arena);
    }
}

Test(create_topics, round_trips_every_response_version) {
    for (int16_t v = 2; v <= 7; v++) {
        result_config_t configs[] = {{.name = KFK_STR("segment.bytes"),
                                      .value = KFK_STR("1073741824"),
                                      .read_only = true,
                                      .config_source = 4,
                                      .is_sensitive = false},
                                     {.name = KFK_STR("sasl.secret"),
                                      .value = {NULL, -1},
                                      .read_only = false,
                                      .config_source = -1,
                                      .is_sensitive = true}};
        result_t topics[] = {{.name = KFK_STR("ok"),
                              .topic_id = uuid,
                              .error_message = {NULL, -1},
                              .num_partitions = 6,
                              .replication_factor = 3,
                              .configs = KFK_ARRAY_OF(configs)},
                             {.name = KFK_STR("bad"),
                              .error_code = KFK_ERR_POLICY_VIOLATION,
                              .error_message = KFK_STR("no"),
                              .topic_config_error_code = KFK_ERR_CLUSTER_AUTHORIZATION_FAILED,
                              .num_partitions = -1,
                              .replication_factor = -1,
                              .configs = {NULL, -1}}};
        kfk_create_topics_response_t resp = {.throttle_time_ms = 3, .topics = KFK_ARRAY_OF(topics)};
        kfk_arena_t arena = {0};
        kfk_create_topics_response_t *out =
            cc_round_trip(API, &kfk_create_topics_response_schema, v, &resp, &arena);
        cr_assert_eq(out->throttle_time_ms, 3);
        cr_assert_eq(out->topics.count, 2);
        result_t *r = (result_t *)out->topics.items;
        cc_expect_str(r[0].name, "ok");
        static const kfk_uuid_t zero;
        cr_assert(!memcmp(&r[0].topic_id, v >= 7 ? &uuid : &zero, sizeof uuid), "v%d", v);
        cc_expect_str(r[0].error_message, NULL);
        cr_assert_eq(r[0].num_partitions, v >= 5 ? 6 : -1, "v%d", v);
        cr_assert_eq(r[0].replication_factor, v >= 5 ? 3 : -1, "v%d", v);
        cr_assert_eq(r[0].configs.count, v >= 5 ? 2 : 0, "v%d", v);
        if (v >= 5) {
            result_config_t *c = (result_config_t *)r[0].configs.items;
            cc_expect_str(c[0].value, "1073741824");
            cr_assert_eq(c[0].read_only, true);
            cr_assert_eq(c[0].config_source, 4);
            cc_expect_str(c[1].value, NULL);
            cr_assert_eq(c[1].config_source, -1);
            cr_assert_eq(c[1].is_sensitive, true);
        }
        cr_assert_eq(r[1].error_code, KFK_ERR_POLICY_VIOLATION);
        cc_expect_str(r[1].error_message, "no");
        cr_assert_eq(r[1].topic_config_error_code,
                     v >= 5 ? KFK_ERR_CLUSTER_AUTHORIZATION_FAILED : 0, "v%d", v);
        cr_assert_eq(r[1].configs.count, v >= 5 ? -1 : 0, "v%d", v);
        kfk_arena_free(&arena);
    }
}

/* ---- malformed input ---------------------------------------------------------------------- */

Test(create_topics, rejects_every_truncated_golden_frame) {
    cc_expect_truncations_fail(API, true, 2, req_v2, sizeof req_v2);
    cc_expect_truncations_fail(API, true, 5, req_v5, sizeof req_v5);
    cc_expect_truncations_fail(API, false, 2, resp_v2, sizeof resp_v2);
    cc_expect_truncations_fail(API, false, 5, resp_v5, sizeof resp_v5);
    cc_expect_truncations_fail(API, false, 7, resp_v7, sizeof resp_v7);
}

Test(create_topics, rejects_hostile_counts_and_lengths) {
    /* v2 request: topics count 0x7fffffff. */
    static const uint8_t huge[] = {0x7f, 0xff, 0xff, 0xff, 0x00, 0x00, 0xea, 0x60, 0x00};
    cc_expect_bad_body(API, &kfk_create_topics_request_schema, 2, huge, sizeof huge);
    /* v2 request: broker_ids ([]int32) count 0x7fffffff. */
    static const uint8_t huge_brokers[] = {0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 't',  0x00,
                                           0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00,
                                           0x01, 0x00, 0x00, 0x00, 0x00, 0x7f, 0xff, 0xff,
                                           0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    cc_expect_bad_body(API, &kfk_create_topics_request_schema, 2, huge_brokers,
                       sizeof huge_brokers);
    /* v2 request: a config value of length -2. */
    static const uint8_t value_minus_two[] = {0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 't',  0x00,
                                              0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00,
                                              0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 'k',
                                              0xff, 0xfe, 0x00, 0x00, 0x00, 0x00, 0x00};
    cc_expect_bad_body(API, &kfk_create_topics_request_schema, 2, value_minus_two,
                       sizeof value_minus_two);
    /* v2 response: an error message past the end. */
    static const uint8_t long_message[] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,
                                           0x01, 't',  0x00, 0x00, 0x7f, 0xff, 'e',  'r',  'r'};
    cc_expect_bad_body(API, &kfk_create_topics_response_schema, 2, long_message,
                       sizeof long_message);
    /* v5 response: compact configs count 0x7fffffff. */
    static const uint8_t compact_huge[] = {0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 't',  0x00,
                                           0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x01,
                                           0x80, 0x80, 0x80, 0x80, 0x08, 0x00, 0x00};
    cc_expect_bad_body(API, &kfk_create_topics_response_schema, 5, compact_huge,
                       sizeof compact_huge);
    /* v5 request: a null topic name (compact length 0) where the schema allows none. */
    static const uint8_t null_name[] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x01,
                                        0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    cc_expect_bad_body(API, &kfk_create_topics_request_schema, 5, null_name, sizeof null_name);
}
