/*
 * test_api_list_offsets.c: ListOffsets (key 2) tables, versions 1-7 (flexible from 6). Golden
 * frames written by hand from ListOffsetsRequest.json / ListOffsetsResponse.json, a round trip
 * at every version, and malformed input.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "kfk/protocol.h"

#define KEY KFK_API_LIST_OFFSETS

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

typedef kfk_list_offsets_request_list_offsets_topic_t req_topic_t;
typedef kfk_list_offsets_request_list_offsets_partition_t req_partition_t;
typedef kfk_list_offsets_response_list_offsets_topic_response_t resp_topic_t;
typedef kfk_list_offsets_response_list_offsets_partition_response_t resp_partition_t;

/* ---- golden frames ------------------------------------------------------------------------ */

/* v1 request (kfk's lowest): header v1; latest (-1) and earliest (-2) offsets. */
static const uint8_t req_v1[] = {
    0x00, 0x00, 0x00, 0x35,                         /* frame size 53 */
    0x00, 0x02,                                     /* api_key 2 */
    0x00, 0x01,                                     /* api_version 1 */
    0x00, 0x00, 0x00, 0x01,                         /* correlation_id 1 */
    0x00, 0x03, 'k',  'f',  'k',                    /* client_id "kfk" */
    0xff, 0xff, 0xff, 0xff,                         /* replica_id -1 */
    0x00, 0x00, 0x00, 0x01,                         /* topics: 1 */
    0x00, 0x02, 't',  '1',                          /*   name "t1" */
    0x00, 0x00, 0x00, 0x02,                         /*   partitions: 2 */
    0x00, 0x00, 0x00, 0x00,                         /*     partition_index 0 */
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /*     timestamp -1 (latest) */
    0x00, 0x00, 0x00, 0x01,                         /*     partition_index 1 */
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, /*     timestamp -2 (earliest) */
};

/* v6 request (first flexible): header v2, isolation level (v2+), leader epoch (v4+). */
static const uint8_t req_v6[] = {
    0x00, 0x00, 0x00, 0x2b,                         /* frame size 43 */
    0x00, 0x02,                                     /* api_key 2 */
    0x00, 0x06,                                     /* api_version 6 */
    0x00, 0x00, 0x00, 0x02,                         /* correlation_id 2 */
    0x00, 0x03, 'k',  'f',  'k',                    /* client_id "kfk" */
    0x00,                                           /* header tagged fields: none */
    0xff, 0xff, 0xff, 0xff,                         /* replica_id -1 */
    0x01,                                           /* isolation_level 1 (read_committed) */
    0x02,                                           /* topics: 1 (compact) */
    0x03, 't',  '1',                                /*   name "t1" */
    0x02,                                           /*   partitions: 1 */
    0x00, 0x00, 0x00, 0x00,                         /*     partition_index 0 */
    0x00, 0x00, 0x00, 0x05,                         /*     current_leader_epoch 5 */
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /*     timestamp -1 */
    0x00,                                           /*     tagged fields: none */
    0x00,                                           /*   tagged fields: none */
    0x00,                                           /* tagged fields: none */
};

/* v1 response: header v0. */
static const uint8_t resp_v1[] = {
    0x00, 0x00, 0x00, 0x26,                         /* frame size 38 */
    0x00, 0x00, 0x00, 0x01,                         /* correlation_id 1 */
    0x00, 0x00, 0x00, 0x01,                         /* topics: 1 */
    0x00, 0x02, 't',  '1',                          /*   name "t1" */
    0x00, 0x00, 0x00, 0x01,                         /*   partitions: 1 */
    0x00, 0x00, 0x00, 0x00,                         /*     partition_index 0 */
    0x00, 0x00,                                     /*     error_code 0 */
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /*     timestamp -1 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a, /*     offset 42 */
};

/* v6 response: header v1, throttle time (v2+), leader epoch (v4+). */
static const uint8_t resp_v6[] = {
    0x00, 0x00, 0x00, 0x2b,                         /* frame size 43 */
    0x00, 0x00, 0x00, 0x02,                         /* correlation_id 2 */
    0x00,                                           /* header tagged fields: none */
    0x00, 0x00, 0x00, 0x00,                         /* throttle_time_ms 0 */
    0x02,                                           /* topics: 1 */
    0x03, 't',  '1',                                /*   name "t1" */
    0x02,                                           /*   partitions: 1 */
    0x00, 0x00, 0x00, 0x00,                         /*     partition_index 0 */
    0x00, 0x00,                                     /*     error_code 0 */
    0x00, 0x00, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00, /*     timestamp 1700000000000 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a, /*     offset 42 */
    0x00, 0x00, 0x00, 0x05,                         /*     leader_epoch 5 */
    0x00,                                           /*     tagged fields: none */
    0x00,                                           /*   tagged fields: none */
    0x00,                                           /* tagged fields: none */
};

Test(list_offsets, encodes_and_decodes_the_v1_request) {
    req_partition_t parts[] = {{.partition_index = 0, .current_leader_epoch = -1, .timestamp = -1},
                               {.partition_index = 1, .current_leader_epoch = -1, .timestamp = -2}};
    req_topic_t topics[] = {{.name = KFK_STR("t1"), .partitions = KFK_ARRAY_OF(parts)}};
    kfk_list_offsets_request_t req = {.replica_id = -1, .topics = KFK_ARRAY_OF(topics)};
    kfk_request_header_t hdr = {KEY, 1, 1, KFK_STR("kfk"), {NULL, 0}};
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    cr_assert_eq(kfk_request_encode(&w, &hdr, &req), KFK_ERR_NONE);
    expect_bytes(&w, req_v1, sizeof req_v1);
    kfk_wbuf_free(&w);

    kfk_arena_t arena = {0};
    kfk_list_offsets_request_t *got = NULL;
    cr_assert_eq(decode_request(req_v1, sizeof req_v1, &arena, (void **)&got), KFK_ERR_NONE);
    cr_assert_eq(got->replica_id, -1);
    cr_assert_eq(got->isolation_level, 0, "absent before v2: the default");
    cr_assert_eq(got->topics.count, 1);
    req_topic_t *t = &KFK_ARRAY_AT(got->topics, req_topic_t, 0);
    expect_str(t->name, "t1");
    cr_assert_eq(t->partitions.count, 2);
    req_partition_t *p = (req_partition_t *)t->partitions.items;
    cr_assert_eq(p[0].timestamp, -1);
    cr_assert_eq(p[0].current_leader_epoch, -1, "absent before v4: the default");
    cr_assert_eq(p[1].partition_index, 1);
    cr_assert_eq(p[1].timestamp, -2);
    kfk_arena_free(&arena);
}

Test(list_offsets, encodes_and_decodes_the_flexible_v6_request) {
    req_partition_t parts[] = {{.partition_index = 0, .current_leader_epoch = 5, .timestamp = -1}};
    req_topic_t topics[] = {{.name = KFK_STR("t1"), .partitions = KFK_ARRAY_OF(parts)}};
    kfk_list_offsets_request_t req = {
        .replica_id = -1, .isolation_level = 1, .topics = KFK_ARRAY_OF(topics)};
    kfk_request_header_t hdr = {KEY, 6, 2, KFK_STR("kfk"), {NULL, 0}};
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    cr_assert_eq(kfk_request_encode(&w, &hdr, &req), KFK_ERR_NONE);
    expect_bytes(&w, req_v6, sizeof req_v6);
    kfk_wbuf_free(&w);

    kfk_arena_t arena = {0};
    kfk_list_offsets_request_t *got = NULL;
    cr_assert_eq(decode_request(req_v6, sizeof req_v6, &arena, (void **)&got), KFK_ERR_NONE);
    cr_assert_eq(got->isolation_level, 1);
    req_topic_t *t = &KFK_ARRAY_AT(got->topics, req_topic_t, 0);
    expect_str(t->name, "t1");
    req_partition_t *p = &KFK_ARRAY_AT(t->partitions, req_partition_t, 0);
    cr_assert_eq(p->current_leader_epoch, 5);
    cr_assert_eq(p->timestamp, -1);
    kfk_arena_free(&arena);
}

Test(list_offsets, encodes_and_decodes_the_v1_response) {
    resp_partition_t parts[] = {
        {.partition_index = 0, .timestamp = -1, .offset = 42, .leader_epoch = -1}};
    resp_topic_t topics[] = {{.name = KFK_STR("t1"), .partitions = KFK_ARRAY_OF(parts)}};
    kfk_list_offsets_response_t resp = {.topics = KFK_ARRAY_OF(topics)};
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    cr_assert_eq(kfk_response_encode(&w, KEY, 1, 1, &resp), KFK_ERR_NONE);
    expect_bytes(&w, resp_v1, sizeof resp_v1);
    kfk_wbuf_free(&w);

    kfk_arena_t arena = {0};
    kfk_list_offsets_response_t *got = NULL;
    cr_assert_eq(decode_response(resp_v1, sizeof resp_v1, 1, &arena, (void **)&got), KFK_ERR_NONE);
    cr_assert_eq(got->throttle_time_ms, 0);
    resp_topic_t *t = &KFK_ARRAY_AT(got->topics, resp_topic_t, 0);
    expect_str(t->name, "t1");
    resp_partition_t *p = &KFK_ARRAY_AT(t->partitions, resp_partition_t, 0);
    cr_assert_eq(p->error_code, 0);
    cr_assert_eq(p->timestamp, -1);
    cr_assert_eq(p->offset, 42);
    cr_assert_eq(p->leader_epoch, -1, "absent before v4: the default");
    kfk_arena_free(&arena);
}

Test(list_offsets, encodes_and_decodes_the_flexible_v6_response) {
    resp_partition_t parts[] = {
        {.partition_index = 0, .timestamp = 1700000000000, .offset = 42, .leader_epoch = 5}};
    resp_topic_t topics[] = {{.name = KFK_STR("t1"), .partitions = KFK_ARRAY_OF(parts)}};
    kfk_list_offsets_response_t resp = {.topics = KFK_ARRAY_OF(topics)};
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    cr_assert_eq(kfk_response_encode(&w, KEY, 6, 2, &resp), KFK_ERR_NONE);
    expect_bytes(&w, resp_v6, sizeof resp_v6);
    kfk_wbuf_free(&w);

    kfk_arena_t arena = {0};
    kfk_list_offsets_response_t *got = NULL;
    cr_assert_eq(decode_response(resp_v6, sizeof resp_v6, 6, &arena, (void **)&got), KFK_ERR_NONE);
    resp_partition_t *p =
        &KFK_ARRAY_AT(KFK_ARRAY_AT(got->topics, resp_topic_t, 0).partitions, resp_partition_t, 0);
    cr_assert_eq(p->timestamp, 1700000000000);
    cr_assert_eq(p->offset, 42);
    cr_assert_eq(p->leader_epoch, 5);
    kfk_arena_free(&arena);
}

/* ---- round trips -------------------------------------------------------------------------- */

Test(list_offsets, round_trips_every_request_version) {
    for (int16_t v = 1; v <= 7; v++) {
        req_partition_t parts[] = {
            {.partition_index = 0, .current_leader_epoch = 12, .timestamp = -3},
            {.partition_index = 9, .current_leader_epoch = -1, .timestamp = 1690000000000}};
        req_topic_t topics[] = {{.name = KFK_STR("orders"), .partitions = KFK_ARRAY_OF(parts)},
                                {.name = KFK_STR("none"), .partitions = {NULL, 0}}};
        kfk_list_offsets_request_t req = {
            .replica_id = -1, .isolation_level = 1, .topics = KFK_ARRAY_OF(topics)};
        kfk_list_offsets_request_t out;
        kfk_arena_t arena = {0};
        kfk_wbuf_t w;
        kfk_wbuf_init(&w);
        round_trip(&kfk_list_offsets_request_schema, v, &req, &out, &arena, &w);
        cr_assert_eq(out.replica_id, -1);
        cr_assert_eq(out.isolation_level, v >= 2 ? 1 : 0, "v%d", v);
        cr_assert_eq(out.topics.count, 2);
        req_topic_t *t = (req_topic_t *)out.topics.items;
        expect_str(t[0].name, "orders");
        expect_str(t[1].name, "none");
        cr_assert_eq(t[0].partitions.count, 2);
        req_partition_t *p = (req_partition_t *)t[0].partitions.items;
        cr_assert_eq(p[0].current_leader_epoch, v >= 4 ? 12 : -1, "v%d", v);
        cr_assert_eq(p[0].timestamp, -3);
        cr_assert_eq(p[1].partition_index, 9);
        cr_assert_eq(p[1].timestamp, 1690000000000);
        kfk_wbuf_free(&w);
        kfk_arena_free(&arena);
    }
}

Test(list_offsets, round_trips_every_response_version) {
    for (int16_t v = 1; v <= 7; v++) {
        resp_partition_t parts[] = {
            {.partition_index = 0, .timestamp = 1690000000000, .offset = 77, .leader_epoch = 3},
            {.partition_index = 1,
             .error_code = KFK_ERR_OFFSET_NOT_AVAILABLE,
             .timestamp = -1,
             .offset = -1,
             .leader_epoch = -1}};
        resp_topic_t topics[] = {{.name = KFK_STR("orders"), .partitions = KFK_ARRAY_OF(parts)}};
        kfk_list_offsets_response_t resp = {.throttle_time_ms = 9, .topics = KFK_ARRAY_OF(topics)};
        kfk_list_offsets_response_t out;
        kfk_arena_t arena = {0};
        kfk_wbuf_t w;
        kfk_wbuf_init(&w);
        round_trip(&kfk_list_offsets_response_schema, v, &resp, &out, &arena, &w);
        cr_assert_eq(out.throttle_time_ms, v >= 2 ? 9 : 0, "v%d", v);
        cr_assert_eq(out.topics.count, 1);
        resp_topic_t *t = &KFK_ARRAY_AT(out.topics, resp_topic_t, 0);
        expect_str(t->name, "orders");
        cr_assert_eq(t->partitions.count, 2);
        resp_partition_t *p = (resp_partition_t *)t->partitions.items;
        cr_assert_eq(p[0].timestamp, 1690000000000);
        cr_assert_eq(p[0].offset, 77);
        cr_assert_eq(p[0].leader_epoch, v >= 4 ? 3 : -1, "v%d", v);
        cr_assert_eq(p[1].error_code, KFK_ERR_OFFSET_NOT_AVAILABLE);
        cr_assert_eq(p[1].offset, -1);
        kfk_wbuf_free(&w);
        kfk_arena_free(&arena);
    }
}

/* ---- malformed input ---------------------------------------------------------------------- */

Test(list_offsets, rejects_every_truncated_golden_frame) {
    expect_prefixes_fail(true, 1, req_v1, sizeof req_v1);
    expect_prefixes_fail(true, 6, req_v6, sizeof req_v6);
    expect_prefixes_fail(false, 1, resp_v1, sizeof resp_v1);
    expect_prefixes_fail(false, 6, resp_v6, sizeof resp_v6);
}

Test(list_offsets, rejects_hostile_counts_and_lengths) {
    /* v1 request: topics count 0x7fffffff. */
    static const uint8_t huge[] = {0xff, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff, 0x00, 0x00};
    expect_bad_body(&kfk_list_offsets_request_schema, 1, huge, sizeof huge);
    /* v1 request: partitions count 0x7fffffff under one topic. */
    static const uint8_t huge_parts[] = {0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01, 0x00,
                                         0x01, 't',  0x7f, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00};
    expect_bad_body(&kfk_list_offsets_request_schema, 1, huge_parts, sizeof huge_parts);
    /* v1 request: a topic name of length -2 and one past the end. */
    static const uint8_t name_minus_two[] = {0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00,
                                             0x01, 0xff, 0xfe, 0x00, 0x00, 0x00, 0x00};
    expect_bad_body(&kfk_list_offsets_request_schema, 1, name_minus_two, sizeof name_minus_two);
    static const uint8_t name_long[] = {0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00,
                                        0x01, 0x00, 0x09, 't',  0x00, 0x00, 0x00};
    expect_bad_body(&kfk_list_offsets_request_schema, 1, name_long, sizeof name_long);
    /* v6 response: compact topics count 0x7fffffff. */
    static const uint8_t compact_huge[] = {0x00, 0x00, 0x00, 0x00, 0x80, 0x80,
                                           0x80, 0x80, 0x08, 0x00, 0x00};
    expect_bad_body(&kfk_list_offsets_response_schema, 6, compact_huge, sizeof compact_huge);
    /* v7 response: a tagged-field count larger than the bytes left. */
    static const uint8_t tag_count[] = {0x00, 0x00, 0x00, 0x00, 0x01, 0x7f, 0x00};
    expect_bad_body(&kfk_list_offsets_response_schema, 7, tag_count, sizeof tag_count);
}
