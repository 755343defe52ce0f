/*
 * test_api_delete_topics.c: DeleteTopics (key 20) tables, versions 1-6 (flexible from 4).
 * Golden frames written by hand from DeleteTopicsRequest.json / DeleteTopicsResponse.json, a
 * round trip at every version, and malformed input.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "kfk/protocol.h"

#include "codec_check.h"

#define API KFK_API_DELETE_TOPICS

typedef kfk_delete_topics_request_delete_topic_state_t topic_state_t;
typedef kfk_delete_topics_response_deletable_topic_result_t result_t;

static const kfk_uuid_t uuid = {{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}};

/* ---- golden frames ------------------------------------------------------------------------ */

/* v1 request (kfk's lowest): header v1, topics by name. */
static const uint8_t req_v1[] = {
    0x00, 0x00, 0x00, 0x1d,      /* frame size 29 */
    0x00, 0x14,                  /* api_key 20 */
    0x00, 0x01,                  /* api_version 1 */
    0x00, 0x00, 0x00, 0x01,      /* correlation_id 1 */
    0x00, 0x03, 'k',  'f',  'k', /* client_id "kfk" */
    0x00, 0x00, 0x00, 0x02,      /* topic_names: 2 */
    0x00, 0x02, 't',  '1',       /*   "t1" */
    0x00, 0x02, 't',  '2',       /*   "t2" */
    0x00, 0x00, 0x75, 0x30,      /* timeout_ms 30000 */
};

/* v4 request (first flexible): header v2, compact []string. */
static const uint8_t req_v4[] = {
    0x00, 0x00, 0x00, 0x1a,      /* frame size 26 */
    0x00, 0x14,                  /* api_key 20 */
    0x00, 0x04,                  /* api_version 4 */
    0x00, 0x00, 0x00, 0x02,      /* correlation_id 2 */
    0x00, 0x03, 'k',  'f',  'k', /* client_id "kfk" */
    0x00,                        /* header tagged fields: none */
    0x03,                        /* topic_names: 2 (compact) */
    0x03, 't',  '1',             /*   "t1" */
    0x03, 't',  '2',             /*   "t2" */
    0x00, 0x00, 0x75, 0x30,      /* timeout_ms 30000 */
    0x00,                        /* tagged fields: none */
};

/* v6 request (kfk's highest): topics by name or by id (v6+) instead of topic_names. */
static const uint8_t req_v6[] = {
    0x00, 0x00, 0x00, 0x3a,                         /* frame size 58 */
    0x00, 0x14,                                     /* api_key 20 */
    0x00, 0x06,                                     /* api_version 6 */
    0x00, 0x00, 0x00, 0x03,                         /* correlation_id 3 */
    0x00, 0x03, 'k',  'f',  'k',                    /* client_id "kfk" */
    0x00,                                           /* header tagged fields: none */
    0x03,                                           /* topics: 2 */
    0x03, 't',  '1',                                /*   name "t1" */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /*   topic_id zero */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* (continued) */
    0x00,                                           /*   tagged fields: none */
    0x00,                                           /*   name null */
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, /*   topic_id */
    0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, /* (continued) */
    0x00,                                           /*   tagged fields: none */
    0x00, 0x00, 0x75, 0x30,                         /* timeout_ms 30000 */
    0x00,                                           /* tagged fields: none */
};

/* v1 response: header v0. */
static const uint8_t resp_v1[] = {
    0x00, 0x00, 0x00, 0x12, /* frame size 18 */
    0x00, 0x00, 0x00, 0x01, /* correlation_id 1 */
    0x00, 0x00, 0x00, 0x00, /* throttle_time_ms 0 */
    0x00, 0x00, 0x00, 0x01, /* responses: 1 */
    0x00, 0x02, 't',  '1',  /*   name "t1" */
    0x00, 0x03,             /*   error_code 3 UNKNOWN_TOPIC_OR_PARTITION */
};

/* v4 response: header v1. */
static const uint8_t resp_v4[] = {
    0x00, 0x00, 0x00, 0x11, /* frame size 17 */
    0x00, 0x00, 0x00, 0x02, /* correlation_id 2 */
    0x00,                   /* header tagged fields: none */
    0x00, 0x00, 0x00, 0x00, /* throttle_time_ms 0 */
    0x02,                   /* responses: 1 */
    0x03, 't',  '1',        /*   name "t1" */
    0x00, 0x00,             /*   error_code 0 */
    0x00,                   /*   tagged fields: none */
    0x00,                   /* tagged fields: none */
};

/* v6 response: a topic named by id only (null name, v6+) with an error message (v5+). */
static const uint8_t resp_v6[] = {
    0x00, 0x00, 0x00, 0x27,                         /* frame size 39 */
    0x00, 0x00, 0x00, 0x03,                         /* correlation_id 3 */
    0x00,                                           /* header tagged fields: none */
    0x00, 0x00, 0x00, 0x00,                         /* throttle_time_ms 0 */
    0x02,                                           /* responses: 1 */
    0x00,                                           /*   name null */
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, /*   topic_id */
    0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, /* (continued) */
    0x00, 0x64,                                     /*   error_code 100 UNKNOWN_TOPIC_ID */
    0x08, 'u',  'n',  'k',  'n',  'o',  'w',  'n',  /*   error_message "unknown" */
    0x00,                                           /*   tagged fields: none */
    0x00,                                           /* tagged fields: none */
};

Test(delete_topics, encodes_and_decodes_the_v1_request) {
    kfk_str_t names[] = {KFK_STR("t1"), KFK_STR("t2")};
    kfk_delete_topics_request_t req = {.topic_names = KFK_ARRAY_OF(names), .timeout_ms = 30000};
    cc_expect_request(API, 1, 1, &req, req_v1, sizeof req_v1);

    kfk_arena_t arena = {0};
    kfk_delete_topics_request_t *got = cc_decode_request(API, 1, 1, req_v1, sizeof req_v1, &arena);
    cr_assert_eq(got->topics.count, 0);
    cr_assert_eq(got->topic_names.count, 2);
    cc_expect_str(KFK_ARRAY_AT(got->topic_names, kfk_str_t, 0), "t1");
    cc_expect_str(KFK_ARRAY_AT(got->topic_names, kfk_str_t, 1), "t2");
    cr_assert_eq(got->timeout_ms, 30000);
    kfk_arena_free(&arena);
}

Test(delete_topics, encodes_and_decodes_the_flexible_v4_request) {
    kfk_str_t names[] = {KFK_STR("t1"), KFK_STR("t2")};
    kfk_delete_topics_request_t req = {.topic_names = KFK_ARRAY_OF(names), .timeout_ms = 30000};
    cc_expect_request(API, 4, 2, &req, req_v4, sizeof req_v4);

    kfk_arena_t arena = {0};
    kfk_delete_topics_request_t *got = cc_decode_request(API, 4, 2, req_v4, sizeof req_v4, &arena);
    cr_assert_eq(got->topic_names.count, 2);
    cc_expect_str(KFK_ARRAY_AT(got->topic_names, kfk_str_t, 1), "t2");
    cr_assert_eq(got->timeout_ms, 30000);
    kfk_arena_free(&arena);
}

Test(delete_topics, encodes_and_decodes_the_v6_request_by_name_and_by_id) {
    topic_state_t topics[] = {{.name = KFK_STR("t1")}, {.name = {NULL, -1}, .topic_id = uuid}};
    kfk_delete_topics_request_t req = {.topics = KFK_ARRAY_OF(topics), .timeout_ms = 30000};
    cc_expect_request(API, 6, 3, &req, req_v6, sizeof req_v6);

    kfk_arena_t arena = {0};
    kfk_delete_topics_request_t *got = cc_decode_request(API, 6, 3, req_v6, sizeof req_v6, &arena);
    cr_assert_eq(got->topic_names.count, 0);
    cr_assert_eq(got->topics.count, 2);
    topic_state_t *t = (topic_state_t *)got->topics.items;
    cc_expect_str(t[0].name, "t1");
    cc_expect_str(t[1].name, NULL);
    cr_assert(!memcmp(&t[1].topic_id, &uuid, sizeof uuid));
    kfk_arena_free(&arena);
}

Test(delete_topics, encodes_and_decodes_the_v1_response) {
    result_t results[] = {{.name = KFK_STR("t1"),
                           .error_code = KFK_ERR_UNKNOWN_TOPIC_OR_PARTITION,
                           .error_message = {NULL, -1}}};
    kfk_delete_topics_response_t resp = {.responses = KFK_ARRAY_OF(results)};
    cc_expect_response(API, 1, 1, &resp, resp_v1, sizeof resp_v1);

    kfk_arena_t arena = {0};
    kfk_delete_topics_response_t *got =
        cc_decode_response(API, 1, 1, resp_v1, sizeof resp_v1, &arena);
    result_t *r = &KFK_ARRAY_AT(got->responses, result_t, 0);
    cc_expect_str(r->name, "t1");
    cr_assert_eq(r->error_code, KFK_ERR_UNKNOWN_TOPIC_OR_PARTITION);
    cc_expect_str(r->error_message, NULL);
    kfk_arena_free(&arena);
}

Test(delete_topics, encodes_and_decodes_the_flexible_v4_response) {
    result_t results[] = {{.name = KFK_STR("t1"), .error_message = {NULL, -1}}};
    kfk_delete_topics_response_t resp = {.responses = KFK_ARRAY_OF(results)};
    cc_expect_response(API, 4, 2, &resp, resp_v4, sizeof resp_v4);

    kfk_arena_t arena = {0};
    kfk_delete_topics_response_t *got =
        cc_decode_response(API, 4, 2, resp_v4, sizeof resp_v4, &arena);
    cr_assert_eq(got->responses.count, 1);
    cc_expect_str(KFK_ARRAY_AT(got->responses, result_t, 0).name, "t1");
    kfk_arena_free(&arena);
}

Test(delete_topics, encodes_and_decodes_the_v6_response_with_a_null_name) {
    result_t results[] = {{.name = {NULL, -1},
                           .topic_id = uuid,
                           .error_code = KFK_ERR_UNKNOWN_TOPIC_ID,
                           .error_message = KFK_STR("unknown")}};
    kfk_delete_topics_response_t resp = {.responses = KFK_ARRAY_OF(results)};
    cc_expect_response(API, 6, 3, &resp, resp_v6, sizeof resp_v6);

    kfk_arena_t arena = {0};
    kfk_delete_topics_response_t *got =
        cc_decode_response(API, 6, 3, resp_v6, sizeof resp_v6, &arena);
    result_t *r = &KFK_ARRAY_AT(got->responses, result_t, 0);
    cc_expect_str(r->name, NULL);
    cr_assert(!memcmp(&r->topic_id, &uuid, sizeof uuid));
    cr_assert_eq(r->error_code, KFK_ERR_UNKNOWN_TOPIC_ID);
    cc_expect_str(r->error_message, "unknown");
    kfk_arena_free(&arena);
}

/* ---- round trips -------------------------------------------------------------------------- */

Test(delete_topics, round_trips_every_request_version) {
    for (int16_t v = 1; v <= 6; v++) {
        kfk_str_t names[] = {KFK_STR("a"), KFK_STR(""), KFK_STR("orders")};
        topic_state_t topics[] = {{.name = KFK_STR("orders")},
                                  {.name = {NULL, -1}, .topic_id = uuid}};
        kfk_delete_topics_request_t req = {.topics = KFK_ARRAY_OF(topics),
                                           .topic_names = KFK_ARRAY_OF(names),
                                           .timeout_ms = 15000};
        kfk_arena_t arena = {0};
        kfk_delete_topics_request_t *out =
            cc_round_trip(API, &kfk_delete_topics_request_schema, v, &req, &arena);
        cr_assert_eq(out->timeout_ms, 15000);
        cr_assert_eq(out->topic_names.count, v <= 5 ? 3 : 0, "v%d", v);
        cr_assert_eq(out->topics.count, v >= 6 ? 2 : 0, "v%d", v);
        if (v <= 5) {
            cc_expect_str(KFK_ARRAY_AT(out->topic_names, kfk_str_t, 0), "a");
            cc_expect_str(KFK_ARRAY_AT(out->topic_names, kfk_str_t, 1), "");
            cc_expect_str(KFK_ARRAY_AT(out->topic_names, kfk_str_t, 2), "orders");
        } else {
            topic_state_t *t = (topic_state_t *)out->topics.items;
            cc_expect_str(t[0].name, "orders");
            cc_expect_str(t[1].name, NULL);
            cr_assert(!memcmp(&t[1].topic_id, &uuid, sizeof uuid));
        }
        kfk_arena_free(&arena);
    }
}

Test(delete_topics, round_trips_every_response_version) {
    for (int16_t v = 1; v <= 6; v++) {
        result_t results[] = {{.name = KFK_STR("orders"),
                               .topic_id = uuid,
                               .error_code = 0,
                               .error_message = {NULL, -1}},
                              {.name = KFK_STR("locked"),
                               .error_code = KFK_ERR_TOPIC_DELETION_DISABLED,
                               .error_message = KFK_STR("disabled")}};
        kfk_delete_topics_response_t resp = {.throttle_time_ms = 8,
                                             .responses = KFK_ARRAY_OF(results)};
        kfk_arena_t arena = {0};
        kfk_delete_topics_response_t *out =
            cc_round_trip(API, &kfk_delete_topics_response_schema, v, &resp, &arena);
        cr_assert_eq(out->throttle_time_ms, 8);
        cr_assert_eq(out->responses.count, 2);
        result_t *r = (result_t *)out->responses.items;
        cc_expect_str(r[0].name, "orders");
        static const kfk_uuid_t zero;
        cr_assert(!memcmp(&r[0].topic_id, v >= 6 ? &uuid : &zero, sizeof uuid), "v%d", v);
        cc_expect_str(r[0].error_message, NULL);
        cr_assert_eq(r[1].error_code, KFK_ERR_TOPIC_DELETION_DISABLED);
        cc_expect_str(r[1].error_message, v >= 5 ? "disabled" : NULL);
        kfk_arena_free(&arena);
    }
}

Test(delete_topics, refuses_a_null_name_before_v6) {
    result_t results[] = {{.name = {NULL, -1}, .error_message = {NULL, -1}}};
    kfk_delete_topics_response_t resp = {.responses = KFK_ARRAY_OF(results)};
    for (int16_t v = 1; v <= 6; v++) {
        kfk_wbuf_t w;
        kfk_wbuf_init(&w);
        cr_assert_eq(kfk_schema_encode(&kfk_delete_topics_response_schema, v, v >= 4, &resp, &w),
                     v >= 6 ? KFK_ERR_NONE : KFK_ERR__INVALID_ARG, "v%d", v);
        kfk_wbuf_free(&w);
    }
}

/* ---- malformed input ---------------------------------------------------------------------- */

Test(delete_topics, rejects_every_truncated_golden_frame) {
    cc_expect_truncations_fail(API, true, 1, req_v1, sizeof req_v1);
    cc_expect_truncations_fail(API, true, 4, req_v4, sizeof req_v4);
    cc_expect_truncations_fail(API, true, 6, req_v6, sizeof req_v6);
    cc_expect_truncations_fail(API, false, 1, resp_v1, sizeof resp_v1);
    cc_expect_truncations_fail(API, false, 4, resp_v4, sizeof resp_v4);
    cc_expect_truncations_fail(API, false, 6, resp_v6, sizeof resp_v6);
}

Test(delete_topics, rejects_hostile_counts_and_lengths) {
    /* v1 request: topic_names ([]string) count 0x7fffffff. */
    static const uint8_t huge[] = {0x7f, 0xff, 0xff, 0xff, 0x00, 0x00, 0x75, 0x30};
    cc_expect_bad_body(API, &kfk_delete_topics_request_schema, 1, huge, sizeof huge);
    /* v1 request: a topic name of length -2 (not nullable inside []string either). */
    static const uint8_t minus_two[] = {0x00, 0x00, 0x00, 0x01, 0xff, 0xfe, 0x00, 0x00, 0x00};
    cc_expect_bad_body(API, &kfk_delete_topics_request_schema, 1, minus_two, sizeof minus_two);
    /* v1 request: a null name inside []string. */
    static const uint8_t null_name[] = {0x00, 0x00, 0x00, 0x01, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00};
    cc_expect_bad_body(API, &kfk_delete_topics_request_schema, 1, null_name, sizeof null_name);
    /* v4 request: a compact name running past the end. */
    static const uint8_t long_name[] = {0x02, 0x40, 't', 0x00, 0x00, 0x00, 0x00, 0x00};
    cc_expect_bad_body(API, &kfk_delete_topics_request_schema, 4, long_name, sizeof long_name);
    /* v6 request: compact topics count 0x7fffffff. */
    static const uint8_t compact_huge[] = {0x80, 0x80, 0x80, 0x80, 0x08,
                                           0x00, 0x00, 0x00, 0x00, 0x00};
    cc_expect_bad_body(API, &kfk_delete_topics_request_schema, 6, compact_huge,
                       sizeof compact_huge);
    /* v5 response: a null name before v6. */
    static const uint8_t null_before_v6[] = {0x00, 0x00, 0x00, 0x00, 0x02, 0x00,
                                             0x00, 0x00, 0x00, 0x00, 0x00};
    cc_expect_bad_body(API, &kfk_delete_topics_response_schema, 5, null_before_v6,
                       sizeof null_before_v6);
    /* v1 response: responses count 0x7fffffff. */
    static const uint8_t resp_huge[] = {0x00, 0x00, 0x00, 0x00, 0x7f, 0xff, 0xff, 0xff, 0x00};
    cc_expect_bad_body(API, &kfk_delete_topics_response_schema, 1, resp_huge, sizeof resp_huge);
}
