/*
 * test_api_delete_topics.c: DeleteTopics (key 20) tables, versions 1-6 (flexible from 4).
 * Golden frames written by hand from DeleteTopicsRequest.json / DeleteTopicsResponse.json, a
 * round trip at every version, and malformed input.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "kfk/protocol.h"

#define KEY KFK_API_DELETE_TOPICS

/* ---- helpers (each test file keeps its own) ----------------------------------------------- */

static void expect_bytes(const kfk_wbuf_t *w, const uint8_t *want, size_t want_len) {
    cr_assert_eq(w->err, KFK_ERR_NONE, "writer error %d", w->err);
    cr_assert_eq(w->len, want_len, "encoded %zu bytes, want %zu", w->len, want_len);
    for (size_t i = 0; i < want_len; i++)
        cr_assert_eq(w->data[i], want[i], "byte %zu is %02x, want %02x", i, w->data[i], want[i]);
}

static void expect_str(kfk_str_t s, const char *want) {
    if (!want) {
        cr_assert_eq(s.len, -1, "want a null string, got length %d", s.len);
        return;
    }
    cr_assert(kfk_str_eq(s, want), "string is \"%.*s\", want \"%s\"", s.len > 0 ? s.len : 0,
              s.ptr ? s.ptr : "", want);
}

/* Encodes @p msg at @p v into @p w1, decodes it into @p out, re-encodes the decoded struct and
 * requires the same bytes. @p out's strings point into @p w1 (the caller frees it). */
static void round_trip(const kfk_schema_t *s, int16_t v, const void *msg, void *out,
                       kfk_arena_t *arena, kfk_wbuf_t *w1) {
    bool flex = kfk_api_is_flexible(KEY, v);
    cr_assert_eq(kfk_schema_encode(s, v, flex, msg, w1), KFK_ERR_NONE, "%s v%d encode",
                 kfk_schema_name(s), v);
    kfk_rbuf_t r;
    kfk_rbuf_init(&r, w1->data, w1->len);
    cr_assert_eq(kfk_schema_decode(s, v, flex, &r, arena, out), KFK_ERR_NONE, "%s v%d decode",
                 kfk_schema_name(s), v);
    cr_assert_eq(kfk_rbuf_left(&r), 0, "%s v%d: trailing bytes", kfk_schema_name(s), v);
    kfk_wbuf_t w2;
    kfk_wbuf_init(&w2);
    cr_assert_eq(kfk_schema_encode(s, v, flex, out, &w2), KFK_ERR_NONE);
    cr_assert_eq(w2.len, w1->len, "%s v%d: re-encoded %zu bytes, first %zu", kfk_schema_name(s), v,
                 w2.len, w1->len);
    cr_assert(!memcmp(w2.data, w1->data, w1->len), "%s v%d: re-encoding differs",
              kfk_schema_name(s), v);
    kfk_wbuf_free(&w2);
}

/* Every strict prefix of a frame body (after the 4-byte size) must fail to decode. Each prefix
 * is copied to its own allocation so that a read past its end is caught by ASan. */
static void expect_prefixes_fail(bool request, int16_t v, const uint8_t *frame, size_t len) {
    for (size_t n = 0; n + 4 < len; n++) {
        uint8_t *copy = malloc(n ? n : 1);
        cr_assert_not_null(copy);
        memcpy(copy, frame + 4, n);
        kfk_arena_t arena = {0};
        void *body = NULL;
        kfk_err_t err;
        if (request) {
            kfk_request_header_t hdr;
            err = kfk_request_decode(copy, n, &hdr, &arena, &body);
        } else {
            int32_t corr;
            err = kfk_response_decode(copy, n, KEY, v, &corr, &arena, &body);
        }
        cr_assert_neq(err, KFK_ERR_NONE, "v%d %s prefix of %zu bytes decoded", v,
                      request ? "request" : "response", n);
        cr_assert_null(body);
        kfk_arena_free(&arena);
        free(copy);
    }
}

static kfk_err_t decode_response(const uint8_t *frame, size_t len, int16_t v, kfk_arena_t *arena,
                                 void **body) {
    int32_t corr;
    return kfk_response_decode(frame + 4, len - 4, KEY, v, &corr, arena, body);
}

static kfk_err_t decode_request(const uint8_t *frame, size_t len, kfk_arena_t *arena, void **body) {
    kfk_request_header_t hdr;
    return kfk_request_decode(frame + 4, len - 4, &hdr, arena, body);
}

/* A body that must be refused as malformed (KFK_ERR__BAD_MSG) at version @p v. */
static void expect_bad_body(const kfk_schema_t *s, int16_t v, const uint8_t *p, size_t n) {
    uint8_t *copy = malloc(n);
    cr_assert_not_null(copy);
    memcpy(copy, p, n);
    void *out = malloc(kfk_schema_size(s));
    cr_assert_not_null(out);
    kfk_arena_t arena = {0};
    kfk_rbuf_t r;
    kfk_rbuf_init(&r, copy, n);
    kfk_err_t err = kfk_schema_decode(s, v, kfk_api_is_flexible(KEY, v), &r, &arena, out);
    cr_assert_eq(err, KFK_ERR__BAD_MSG, "%s v%d: got %d, want KFK_ERR__BAD_MSG", kfk_schema_name(s),
                 v, err);
    kfk_arena_free(&arena);
    free(out);
    free(copy);
}

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
    kfk_request_header_t hdr = {KEY, 1, 1, KFK_STR("kfk"), {NULL, 0}};
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    cr_assert_eq(kfk_request_encode(&w, &hdr, &req), KFK_ERR_NONE);
    expect_bytes(&w, req_v1, sizeof req_v1);
    kfk_wbuf_free(&w);

    kfk_arena_t arena = {0};
    kfk_delete_topics_request_t *got = NULL;
    cr_assert_eq(decode_request(req_v1, sizeof req_v1, &arena, (void **)&got), KFK_ERR_NONE);
    cr_assert_eq(got->topics.count, 0);
    cr_assert_eq(got->topic_names.count, 2);
    expect_str(KFK_ARRAY_AT(got->topic_names, kfk_str_t, 0), "t1");
    expect_str(KFK_ARRAY_AT(got->topic_names, kfk_str_t, 1), "t2");
    cr_assert_eq(got->timeout_ms, 30000);
    kfk_arena_free(&arena);
}

Test(delete_topics, encodes_and_decodes_the_flexible_v4_request) {
    kfk_str_t names[] = {KFK_STR("t1"), KFK_STR("t2")};
    kfk_delete_topics_request_t req = {.topic_names = KFK_ARRAY_OF(names), .timeout_ms = 30000};
    kfk_request_header_t hdr = {KEY, 4, 2, KFK_STR("kfk"), {NULL, 0}};
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    cr_assert_eq(kfk_request_encode(&w, &hdr, &req), KFK_ERR_NONE);
    expect_bytes(&w, req_v4, sizeof req_v4);
    kfk_wbuf_free(&w);

    kfk_arena_t arena = {0};
    kfk_delete_topics_request_t *got = NULL;
    cr_assert_eq(decode_request(req_v4, sizeof req_v4, &arena, (void **)&got), KFK_ERR_NONE);
    cr_assert_eq(got->topic_names.count, 2);
    expect_str(KFK_ARRAY_AT(got->topic_names, kfk_str_t, 1), "t2");
    cr_assert_eq(got->timeout_ms, 30000);
    kfk_arena_free(&arena);
}

Test(delete_topics, encodes_and_decodes_the_v6_request_by_name_and_by_id) {
    topic_state_t topics[] = {{.name = KFK_STR("t1")}, {.name = {NULL, -1}, .topic_id = uuid}};
    kfk_delete_topics_request_t req = {.topics = KFK_ARRAY_OF(topics), .timeout_ms = 30000};
    kfk_request_header_t hdr = {KEY, 6, 3, KFK_STR("kfk"), {NULL, 0}};
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    cr_assert_eq(kfk_request_encode(&w, &hdr, &req), KFK_ERR_NONE);
    expect_bytes(&w, req_v6, sizeof req_v6);
    kfk_wbuf_free(&w);

    kfk_arena_t arena = {0};
    kfk_delete_topics_request_t *got = NULL;
    cr_assert_eq(decode_request(req_v6, sizeof req_v6, &arena, (void **)&got), KFK_ERR_NONE);
    cr_assert_eq(got->topic_names.count, 0);
    cr_assert_eq(got->topics.count, 2);
    topic_state_t *t = (topic_state_t *)got->topics.items;
    expect_str(t[0].name, "t1");
    expect_str(t[1].name, NULL);
    cr_assert(!memcmp(&t[1].topic_id, &uuid, sizeof uuid));
    kfk_arena_free(&arena);
}

Test(delete_topics, encodes_and_decodes_the_v1_response) {
    result_t results[] = {{.name = KFK_STR("t1"),
                           .error_code = KFK_ERR_UNKNOWN_TOPIC_OR_PARTITION,
                           .error_message = {NULL, -1}}};
    kfk_delete_topics_response_t resp = {.responses = KFK_ARRAY_OF(results)};
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    cr_assert_eq(kfk_response_encode(&w, KEY, 1, 1, &resp), KFK_ERR_NONE);
    expect_bytes(&w, resp_v1, sizeof resp_v1);
    kfk_wbuf_free(&w);

    kfk_arena_t arena = {0};
    kfk_delete_topics_response_t *got = NULL;
    cr_assert_eq(decode_response(resp_v1, sizeof resp_v1, 1, &arena, (void **)&got), KFK_ERR_NONE);
    result_t *r = &KFK_ARRAY_AT(got->responses, result_t, 0);
    expect_str(r->name, "t1");
    cr_assert_eq(r->error_code, KFK_ERR_UNKNOWN_TOPIC_OR_PARTITION);
    expect_str(r->error_message, NULL);
    kfk_arena_free(&arena);
}

Test(delete_topics, encodes_and_decodes_the_flexible_v4_response) {
    result_t results[] = {{.name = KFK_STR("t1"), .error_message = {NULL, -1}}};
    kfk_delete_topics_response_t resp = {.responses = KFK_ARRAY_OF(results)};
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    cr_assert_eq(kfk_response_encode(&w, KEY, 4, 2, &resp), KFK_ERR_NONE);
    expect_bytes(&w, resp_v4, sizeof resp_v4);
    kfk_wbuf_free(&w);

    kfk_arena_t arena = {0};
    kfk_delete_topics_response_t *got = NULL;
    cr_assert_eq(decode_response(resp_v4, sizeof resp_v4, 4, &arena, (void **)&got), KFK_ERR_NONE);
    cr_assert_eq(got->responses.count, 1);
    expect_str(KFK_ARRAY_AT(got->responses, result_t, 0).name, "t1");
    kfk_arena_free(&arena);
}

Test(delete_topics, encodes_and_decodes_the_v6_response_with_a_null_name) {
    result_t results[] = {{.name = {NULL, -1},
                           .topic_id = uuid,
                           .error_code = KFK_ERR_UNKNOWN_TOPIC_ID,
                           .error_message = KFK_STR("unknown")}};
    kfk_delete_topics_response_t resp = {.responses = KFK_ARRAY_OF(results)};
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    cr_assert_eq(kfk_response_encode(&w, KEY, 6, 3, &resp), KFK_ERR_NONE);
    expect_bytes(&w, resp_v6, sizeof resp_v6);
    kfk_wbuf_free(&w);

    kfk_arena_t arena = {0};
    kfk_delete_topics_response_t *got = NULL;
    cr_assert_eq(decode_response(resp_v6, sizeof resp_v6, 6, &arena, (void **)&got), KFK_ERR_NONE);
    result_t *r = &KFK_ARRAY_AT(got->responses, result_t, 0);
    expect_str(r->name, NULL);
    cr_assert(!memcmp(&r->topic_id, &uuid, sizeof uuid));
    cr_assert_eq(r->error_code, KFK_ERR_UNKNOWN_TOPIC_ID);
    expect_str(r->error_message, "unknown");
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
        kfk_delete_topics_request_t out;
        kfk_arena_t arena = {0};
        kfk_wbuf_t w;
        kfk_wbuf_init(&w);
        round_trip(&kfk_delete_topics_request_schema, v, &req, &out, &arena, &w);
        cr_assert_eq(out.timeout_ms, 15000);
        cr_assert_eq(out.topic_names.count, v <= 5 ? 3 : 0, "v%d", v);
        cr_assert_eq(out.topics.count, v >= 6 ? 2 : 0, "v%d", v);
        if (v <= 5) {
            expect_str(KFK_ARRAY_AT(out.topic_names, kfk_str_t, 0), "a");
            expect_str(KFK_ARRAY_AT(out.topic_names, kfk_str_t, 1), "");
            expect_str(KFK_ARRAY_AT(out.topic_names, kfk_str_t, 2), "orders");
        } else {
            topic_state_t *t = (topic_state_t *)out.topics.items;
            expect_str(t[0].name, "orders");
            expect_str(t[1].name, NULL);
            cr_assert(!memcmp(&t[1].topic_id, &uuid, sizeof uuid));
        }
        kfk_wbuf_free(&w);
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
        kfk_delete_topics_response_t out;
        kfk_arena_t arena = {0};
        kfk_wbuf_t w;
        kfk_wbuf_init(&w);
        round_trip(&kfk_delete_topics_response_schema, v, &resp, &out, &arena, &w);
        cr_assert_eq(out.throttle_time_ms, 8);
        cr_assert_eq(out.responses.count, 2);
        result_t *r = (result_t *)out.responses.items;
        expect_str(r[0].name, "orders");
        static const kfk_uuid_t zero;
        cr_assert(!memcmp(&r[0].topic_id, v >= 6 ? &uuid : &zero, sizeof uuid), "v%d", v);
        expect_str(r[0].error_message, NULL);
        cr_assert_eq(r[1].error_code, KFK_ERR_TOPIC_DELETION_DISABLED);
        expect_str(r[1].error_message, v >= 5 ? "disabled" : NULL);
        kfk_wbuf_free(&w);
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
    expect_prefixes_fail(true, 1, req_v1, sizeof req_v1);
    expect_prefixes_fail(true, 4, req_v4, sizeof req_v4);
    expect_prefixes_fail(true, 6, req_v6, sizeof req_v6);
    expect_prefixes_fail(false, 1, resp_v1, sizeof resp_v1);
    expect_prefixes_fail(false, 4, resp_v4, sizeof resp_v4);
    expect_prefixes_fail(false, 6, resp_v6, sizeof resp_v6);
}

Test(delete_topics, rejects_hostile_counts_and_lengths) {
    /* v1 request: topic_names ([]string) count 0x7fffffff. */
    static const uint8_t huge[] = {0x7f, 0xff, 0xff, 0xff, 0x00, 0x00, 0x75, 0x30};
    expect_bad_body(&kfk_delete_topics_request_schema, 1, huge, sizeof huge);
    /* v1 request: a topic name of length -2 (not nullable inside []string either). */
    static const uint8_t minus_two[] = {0x00, 0x00, 0x00, 0x01, 0xff, 0xfe, 0x00, 0x00, 0x00};
    expect_bad_body(&kfk_delete_topics_request_schema, 1, minus_two, sizeof minus_two);
    /* v1 request: a null name inside []string. */
    static const uint8_t null_name[] = {0x00, 0x00, 0x00, 0x01, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00};
    expect_bad_body(&kfk_delete_topics_request_schema, 1, null_name, sizeof null_name);
    /* v4 request: a compact name running past the end. */
    static const uint8_t long_name[] = {0x02, 0x40, 't', 0x00, 0x00, 0x00, 0x00, 0x00};
    expect_bad_body(&kfk_delete_topics_request_schema, 4, long_name, sizeof long_name);
    /* v6 request: compact topics count 0x7fffffff. */
    static const uint8_t compact_huge[] = {0x80, 0x80, 0x80, 0x80, 0x08,
                                           0x00, 0x00, 0x00, 0x00, 0x00};
    expect_bad_body(&kfk_delete_topics_request_schema, 6, compact_huge, sizeof compact_huge);
    /* v5 response: a null name before v6. */
    static const uint8_t null_before_v6[] = {0x00, 0x00, 0x00, 0x00, 0x02, 0x00,
                                             0x00, 0x00, 0x00, 0x00, 0x00};
    expect_bad_body(&kfk_delete_topics_response_schema, 5, null_before_v6, sizeof null_before_v6);
    /* v1 response: responses count 0x7fffffff. */
    static const uint8_t resp_huge[] = {0x00, 0x00, 0x00, 0x00, 0x7f, 0xff, 0xff, 0xff, 0x00};
    expect_bad_body(&kfk_delete_topics_response_schema, 1, resp_huge, sizeof resp_huge);
}
