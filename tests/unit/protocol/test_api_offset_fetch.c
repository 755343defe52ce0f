/*
 * test_api_offset_fetch.c: OffsetFetch (key 9) tables, kfk versions 1-7 (flexible from 6; the
 * one-group shape). Golden frames written by hand from the protocol spec (v1, v6 and v7
 * requests, v1 and v6 responses), a round trip of every version, and malformed input.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "kfk/protocol.h"

#define API KFK_API_OFFSET_FETCH
#define CORR 7

/* Asserts that @p w holds exactly the @p n bytes at @p exp, naming the first byte that differs. */
static void expect_bytes(const kfk_wbuf_t *w, const uint8_t *exp, size_t n) {
    cr_assert_eq(w->err, KFK_ERR_NONE, "encoder error %d", w->err);
    cr_assert_eq(w->len, n, "encoded %zu bytes, expected %zu", w->len, n);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(w->data[i], exp[i], "byte %zu is 0x%02x, expected 0x%02x", i, w->data[i],
                     exp[i]);
}

/* A golden frame's size prefix must state the bytes after it (a check of the hand count). */
static void expect_frame_size(const uint8_t *f, size_t n) {
    size_t stated = ((size_t)f[0] << 24) | ((size_t)f[1] << 16) | ((size_t)f[2] << 8) | f[3];
    cr_assert_eq(stated, n - 4, "golden frame states %zu bytes but holds %zu", stated, n - 4);
}

/* Encodes a framed request (client_id "kfk") and compares it with the golden frame. */
static void expect_request(int16_t version, const void *body, const uint8_t *exp, size_t n) {
    kfk_request_header_t h = {API, version, CORR, KFK_STR("kfk"), {NULL, 0}};
    expect_frame_size(exp, n);
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    cr_assert_eq(kfk_request_encode(&w, &h, body), KFK_ERR_NONE);
    expect_bytes(&w, exp, n);
    kfk_wbuf_free(&w);
}

/* Encodes a framed response and compares it with the golden frame. */
static void expect_response(int16_t version, const void *body, const uint8_t *exp, size_t n) {
    expect_frame_size(exp, n);
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    cr_assert_eq(kfk_response_encode(&w, API, version, CORR, body), KFK_ERR_NONE);
    expect_bytes(&w, exp, n);
    kfk_wbuf_free(&w);
}

/* Decodes a golden request frame (with its size prefix); the body lives in @p a. */
static const void *decode_request(int16_t version, const uint8_t *frame, size_t n, kfk_arena_t *a) {
    kfk_request_header_t h;
    void *body = NULL;
    cr_assert_eq(kfk_request_decode(frame + 4, n - 4, &h, a, &body), KFK_ERR_NONE);
    cr_assert_eq(h.api_key, API);
    cr_assert_eq(h.api_version, version);
    cr_assert_eq(h.correlation_id, CORR);
    cr_assert(kfk_str_eq(h.client_id, "kfk"));
    return body;
}

/* Decodes a golden response frame (with its size prefix); the body lives in @p a. */
static const void *decode_response(int16_t version, const uint8_t *frame, size_t n,
                                   kfk_arena_t *a) {
    int32_t corr = 0;
    void *body = NULL;
    cr_assert_eq(kfk_response_decode(frame + 4, n - 4, API, version, &corr, a, &body),
                 KFK_ERR_NONE);
    cr_assert_eq(corr, CORR);
    return body;
}

/* Decodes @p n bytes of a frame body copied to a buffer of exactly that size (so that ASan sees
 * any over-read): a request if @p request, else a response at @p version. */
static kfk_err_t decode_exact(bool request, int16_t version, const uint8_t *bytes, size_t n) {
    uint8_t *copy = malloc(n ? n : 1);
    cr_assert_not_null(copy);
    if (n)
        memcpy(copy, bytes, n);
    kfk_arena_t a;
    kfk_arena_init(&a);
    void *body = NULL;
    kfk_err_t err;
    if (request) {
        kfk_request_header_t h;
        err = kfk_request_decode(copy, n, &h, &a, &body);
    } else {
        int32_t corr;
        err = kfk_response_decode(copy, n, API, version, &corr, &a, &body);
    }
    if (err)
        cr_assert_null(body);
    kfk_arena_free(&a);
    free(copy);
    return err;
}

/* Every strict prefix of a golden frame's body (size prefix dropped) must fail to decode. */
static void expect_truncations_fail(bool request, int16_t version, const uint8_t *frame, size_t n) {
    cr_assert_eq(decode_exact(request, version, frame + 4, n - 4), KFK_ERR_NONE);
    for (size_t cut = 0; cut < n - 4; cut++)
        cr_assert_neq(decode_exact(request, version, frame + 4, cut), KFK_ERR_NONE,
                      "a frame cut to %zu of %zu bytes decoded", cut, n - 4);
}

/* A golden frame with @p len bytes at @p off replaced by @p patch must give KFK_ERR__BAD_MSG. */
static void expect_bad_patch(bool request, int16_t version, const uint8_t *frame, size_t n,
                             size_t off, const uint8_t *patch, size_t len) {
    uint8_t copy[512];
    cr_assert_leq(n, sizeof copy);
    cr_assert_leq(off + len, n);
    memcpy(copy, frame, n);
    memcpy(copy + off, patch, len);
    cr_assert_eq(decode_exact(request, version, copy + 4, n - 4), KFK_ERR__BAD_MSG,
                 "patch at byte %zu was accepted", off);
}

/* Encodes @p msg with @p schema at @p version, decodes it (from a copy in @p a), re-encodes the
 * result and requires the same bytes. Returns the decoded struct (it lives in @p a). */
static const void *roundtrip(const kfk_schema_t *schema, int16_t version, const void *msg,
                             kfk_arena_t *a) {
    bool flex = kfk_api_is_flexible(API, version);
    kfk_wbuf_t w1, w2;
    kfk_wbuf_init(&w1);
    kfk_wbuf_init(&w2);
    cr_assert_eq(kfk_schema_encode(schema, version, flex, msg, &w1), KFK_ERR_NONE,
                 "%s v%d does not encode", kfk_schema_name(schema), version);
    uint8_t *bytes = kfk_arena_alloc(a, w1.len ? w1.len : 1);
    cr_assert_not_null(bytes);
    memcpy(bytes, w1.data, w1.len);
    kfk_rbuf_t r;
    kfk_rbuf_init(&r, bytes, w1.len);
    void *out = kfk_arena_alloc(a, kfk_schema_size(schema));
    cr_assert_not_null(out);
    cr_assert_eq(kfk_schema_decode(schema, version, flex, &r, a, out), KFK_ERR_NONE,
                 "%s v%d does not decode", kfk_schema_name(schema), version);
    cr_assert_eq(kfk_rbuf_left(&r), 0, "%s v%d left bytes", kfk_schema_name(schema), version);
    cr_assert_eq(kfk_schema_encode(schema, version, flex, out, &w2), KFK_ERR_NONE);
    cr_assert_eq(w1.len, w2.len, "%s v%d re-encodes to %zu bytes, not %zu", kfk_schema_name(schema),
                 version, w2.len, w1.len);
    cr_assert(!memcmp(w1.data, w2.data, w1.len), "%s v%d re-encodes differently",
              kfk_schema_name(schema), version);
    kfk_wbuf_free(&w1);
    kfk_wbuf_free(&w2);
    return out;
}

/* Encoding @p msg at @p version must be refused with KFK_ERR__INVALID_ARG. */
static void expect_encode_refused(const kfk_schema_t *schema, int16_t version, const void *msg) {
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    cr_assert_eq(kfk_schema_encode(schema, version, kfk_api_is_flexible(API, version), msg, &w),
                 KFK_ERR__INVALID_ARG, "%s v%d encoded", kfk_schema_name(schema), version);
    kfk_wbuf_free(&w);
}

/* An unknown tagged field (tag 9, one byte 0x2a), kept raw through a decode. */
static const uint8_t unknown_tag[] = {0x09, 0x01, 0x2a};
#define UNKNOWN_TAGS ((kfk_bytes_t){unknown_tag, (int32_t)sizeof unknown_tag})

/* True when the decoded unknown tags are ours (flexible versions) or empty (others). */
static bool tags_kept(kfk_bytes_t t, int16_t version) {
    if (!kfk_api_is_flexible(API, version))
        return t.len <= 0;
    return t.len == (int32_t)sizeof unknown_tag && !memcmp(t.ptr, unknown_tag, sizeof unknown_tag);
}

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
    expect_request(1, &r1, req_v1, sizeof req_v1);
    kfk_offset_fetch_request_t r6 = {.group_id = KFK_STR("g"), .topics = {NULL, -1}};
    expect_request(6, &r6, req_v6, sizeof req_v6);
    kfk_offset_fetch_request_topic_t topics7[] = {
        {.name = KFK_STR("t"), .partition_indexes = {idx, 1}}};
    kfk_offset_fetch_request_t r7 = {
        .group_id = KFK_STR("g"), .topics = KFK_ARRAY_OF(topics7), .require_stable = true};
    expect_request(7, &r7, req_v7, sizeof req_v7);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_offset_fetch_request_t *d = decode_request(1, req_v1, sizeof req_v1, &a);
    cr_assert(kfk_str_eq(d->group_id, "g"));
    cr_assert_eq(d->require_stable, false);
    cr_assert_eq(d->topics.count, 1);
    const kfk_offset_fetch_request_topic_t *t = d->topics.items;
    cr_assert(kfk_str_eq(t->name, "t"));
    cr_assert_eq(t->partition_indexes.count, 2);
    cr_assert_eq(KFK_ARRAY_AT(t->partition_indexes, int32_t, 1), 1);
    d = decode_request(6, req_v6, sizeof req_v6, &a);
    cr_assert_eq(d->topics.count, -1);
    d = decode_request(7, req_v7, sizeof req_v7, &a);
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
    expect_response(1, &r1, resp_v1, sizeof resp_v1);
    kfk_offset_fetch_response_partition_t parts6[] = {{.partition_index = 0,
                                                       .committed_offset = 100,
                                                       .committed_leader_epoch = 5,
                                                       .metadata = {NULL, -1}}};
    kfk_offset_fetch_response_topic_t topics6[] = {
        {.name = KFK_STR("t"), .partitions = KFK_ARRAY_OF(parts6)}};
    kfk_offset_fetch_response_t r6 = {.topics = KFK_ARRAY_OF(topics6)};
    expect_response(6, &r6, resp_v6, sizeof resp_v6);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_offset_fetch_response_t *d = decode_response(1, resp_v1, sizeof resp_v1, &a);
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
    d = decode_response(6, resp_v6, sizeof resp_v6, &a);
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
             .unknown_tags = UNKNOWN_TAGS}};
        kfk_offset_fetch_request_t req = {.group_id = KFK_STR("group"),
                                          .topics = KFK_ARRAY_OF(topics),
                                          .require_stable = true,
                                          .unknown_tags = UNKNOWN_TAGS};
        kfk_arena_t a;
        kfk_arena_init(&a);
        const kfk_offset_fetch_request_t *d =
            roundtrip(&kfk_offset_fetch_request_schema, v, &req, &a);
        cr_assert(kfk_str_eq(d->group_id, "group"), "v%d", v);
        cr_assert_eq(d->topics.count, 2, "v%d", v);
        const kfk_offset_fetch_request_topic_t *t = d->topics.items;
        cr_assert(kfk_str_eq(t[1].name, "events"), "v%d", v);
        cr_assert_eq(t[0].partition_indexes.count, 3, "v%d", v);
        cr_assert_eq(KFK_ARRAY_AT(t[0].partition_indexes, int32_t, 2), 2, "v%d", v);
        cr_assert_eq(KFK_ARRAY_AT(t[1].partition_indexes, int32_t, 0), 9, "v%d", v);
        cr_assert(tags_kept(t[1].unknown_tags, v), "v%d", v);
        cr_assert_eq(d->require_stable, v >= 7, "v%d", v);
        cr_assert(tags_kept(d->unknown_tags, v), "v%d", v);

        if (v >= 2) { /* null topics (all) from v2 */
            kfk_offset_fetch_request_t all = {.group_id = KFK_STR("group"), .topics = {NULL, -1}};
            d = roundtrip(&kfk_offset_fetch_request_schema, v, &all, &a);
            cr_assert_eq(d->topics.count, -1, "v%d", v);
        } else {
            kfk_offset_fetch_request_t all = {.group_id = KFK_STR("group"), .topics = {NULL, -1}};
            expect_encode_refused(&kfk_offset_fetch_request_schema, v, &all);
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
             .unknown_tags = UNKNOWN_TAGS}};
        kfk_offset_fetch_response_topic_t topics[] = {{.name = KFK_STR("orders"),
                                                       .partitions = KFK_ARRAY_OF(parts),
                                                       .unknown_tags = UNKNOWN_TAGS}};
        kfk_offset_fetch_response_t resp = {.throttle_time_ms = 30,
                                            .topics = KFK_ARRAY_OF(topics),
                                            .error_code = KFK_ERR_GROUP_AUTHORIZATION_FAILED,
                                            .unknown_tags = UNKNOWN_TAGS};
        kfk_arena_t a;
        kfk_arena_init(&a);
        const kfk_offset_fetch_response_t *d =
            roundtrip(&kfk_offset_fetch_response_schema, v, &resp, &a);
        cr_assert_eq(d->throttle_time_ms, v >= 3 ? 30 : 0, "v%d", v);
        cr_assert_eq(d->error_code, v >= 2 ? KFK_ERR_GROUP_AUTHORIZATION_FAILED : 0, "v%d", v);
        const kfk_offset_fetch_response_topic_t *t = d->topics.items;
        cr_assert_eq(d->topics.count, 1, "v%d", v);
        cr_assert(kfk_str_eq(t->name, "orders"), "v%d", v);
        cr_assert(tags_kept(t->unknown_tags, v), "v%d", v);
        const kfk_offset_fetch_response_partition_t *p = t->partitions.items;
        cr_assert_eq(t->partitions.count, 2, "v%d", v);
        cr_assert_eq(p[0].committed_offset, 12345, "v%d", v);
        cr_assert_eq(p[0].committed_leader_epoch, v >= 5 ? 6 : -1, "v%d", v);
        cr_assert(kfk_str_eq(p[0].metadata, "m"), "v%d", v);
        cr_assert_eq(p[1].metadata.len, -1, "v%d", v);
        cr_assert_eq(p[1].error_code, KFK_ERR_UNSTABLE_OFFSET_COMMIT, "v%d", v);
        cr_assert(tags_kept(p[1].unknown_tags, v), "v%d", v);
        cr_assert(tags_kept(d->unknown_tags, v), "v%d", v);
        kfk_arena_free(&a);
    }
}

Test(offset_fetch, truncated_frames_fail_at_every_length) {
    expect_truncations_fail(true, 1, req_v1, sizeof req_v1);
    expect_truncations_fail(true, 6, req_v6, sizeof req_v6);
    expect_truncations_fail(true, 7, req_v7, sizeof req_v7);
    expect_truncations_fail(false, 1, resp_v1, sizeof resp_v1);
    expect_truncations_fail(false, 6, resp_v6, sizeof resp_v6);
}

Test(offset_fetch, hostile_counts_and_lengths_are_bad_messages) {
    static const uint8_t huge[] = {0x7f, 0xff, 0xff, 0xff};
    static const uint8_t minus1_32[] = {0xff, 0xff, 0xff, 0xff};
    static const uint8_t minus2_32[] = {0xff, 0xff, 0xff, 0xfe};
    static const uint8_t minus2_16[] = {0xff, 0xfe};
    /* v1 request: topics count at 20 (not nullable before v2), partition_indexes count at 27. */
    expect_bad_patch(true, 1, req_v1, sizeof req_v1, 20, minus1_32, 4);
    expect_bad_patch(true, 1, req_v1, sizeof req_v1, 20, huge, 4);
    expect_bad_patch(true, 1, req_v1, sizeof req_v1, 27, huge, 4);
    expect_bad_patch(true, 1, req_v1, sizeof req_v1, 27, minus2_32, 4);
    /* v1 response: partitions count at 15, the first metadata length at 31. */
    expect_bad_patch(false, 1, resp_v1, sizeof resp_v1, 15, huge, 4);
    expect_bad_patch(false, 1, resp_v1, sizeof resp_v1, 31, minus2_16, 2);
    /* v6 request: a compact topics count that points past the end. */
    static const uint8_t big[] = {0x40};
    expect_bad_patch(true, 6, req_v6, sizeof req_v6, 20, big, 1);
}
