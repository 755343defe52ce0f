/*
 * test_api_offset_commit.c: OffsetCommit (key 8) tables, kfk versions 2-8 (flexible from 8).
 * Golden frames written by hand from the protocol spec (v2 and v8 both ways), a round trip of
 * every version, and malformed input.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "kfk/protocol.h"

#define API KFK_API_OFFSET_COMMIT
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

/* Request v2: two partitions of "t", one with empty metadata, one with null metadata. */
static const uint8_t req_v2[] = {
    0x00, 0x00, 0x00, 0x47,                         /* frame size 71 */
    0x00, 0x08, 0x00, 0x02,                         /* api_key 8, api_version 2 */
    0x00, 0x00, 0x00, 0x07,                         /* correlation_id 7 */
    0x00, 0x03, 'k',  'f',  'k',                    /* client_id "kfk" */
    0x00, 0x01, 'g',                                /* group_id "g" */
    0x00, 0x00, 0x00, 0x01,                         /* generation_id_or_member_epoch 1 */
    0x00, 0x02, 'm',  '1',                          /* member_id "m1" */
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, /* retention_time_ms -1 (broker's) */
    0x00, 0x00, 0x00, 0x01,                         /* topics: 1 */
    0x00, 0x01, 't',                                /*   name "t" */
    0x00, 0x00, 0x00, 0x02,                         /*   partitions: 2 */
    0x00, 0x00, 0x00, 0x00,                         /*     partition_index 0 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x64, /*     committed_offset 100 */
    0x00, 0x00,                                     /*     committed_metadata "" */
    0x00, 0x00, 0x00, 0x01,                         /*     partition_index 1 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xc8, /*     committed_offset 200 */
    0xff, 0xff,                                     /*     committed_metadata null */
};

/* Request v8 (first flexible): a static member commits one partition with its leader epoch. */
static const uint8_t req_v8[] = {
    0x00, 0x00, 0x00, 0x32,                         /* frame size 50 */
    0x00, 0x08, 0x00, 0x08,                         /* api_key 8, api_version 8 */
    0x00, 0x00, 0x00, 0x07,                         /* correlation_id 7 */
    0x00, 0x03, 'k',  'f',  'k',                    /* client_id "kfk" */
    0x00,                                           /* header tagged fields */
    0x02, 'g',                                      /* group_id "g" */
    0x00, 0x00, 0x00, 0x01,                         /* generation_id_or_member_epoch 1 */
    0x03, 'm',  '1',                                /* member_id "m1" */
    0x03, 'i',  '1',                                /* group_instance_id "i1" */
    0x02,                                           /* topics: 1 */
    0x02, 't',                                      /*   name "t" */
    0x02,                                           /*   partitions: 1 */
    0x00, 0x00, 0x00, 0x00,                         /*     partition_index 0 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x64, /*     committed_offset 100 */
    0x00, 0x00, 0x00, 0x05,                         /*     committed_leader_epoch 5 */
    0x00,                                           /*     committed_metadata null */
    0x00,                                           /*     partition tagged fields */
    0x00,                                           /*   topic tagged fields */
    0x00,                                           /* tagged fields */
};

/* Response v2: partition 1 failed with ILLEGAL_GENERATION. */
static const uint8_t resp_v2[] = {
    0x00, 0x00, 0x00, 0x1b,             /* frame size 27 */
    0x00, 0x00, 0x00, 0x07,             /* correlation_id 7 */
    0x00, 0x00, 0x00, 0x01,             /* topics: 1 */
    0x00, 0x01, 't',                    /*   name "t" */
    0x00, 0x00, 0x00, 0x02,             /*   partitions: 2 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /*     partition_index 0, error_code 0 */
    0x00, 0x00, 0x00, 0x01, 0x00, 0x16, /*     partition_index 1, error_code 22 */
};

/* Response v8 (first flexible). */
static const uint8_t resp_v8[] = {
    0x00, 0x00, 0x00, 0x16,             /* frame size 22 */
    0x00, 0x00, 0x00, 0x07,             /* correlation_id 7 */
    0x00,                               /* header tagged fields */
    0x00, 0x00, 0x00, 0x00,             /* throttle_time_ms 0 */
    0x02,                               /* topics: 1 */
    0x02, 't',                          /*   name "t" */
    0x02,                               /*   partitions: 1 */
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /*     partition_index 0, error_code 0 */
    0x00,                               /*     partition tagged fields */
    0x00,                               /*   topic tagged fields */
    0x00,                               /* tagged fields */
};

Test(offset_commit, encodes_and_decodes_request_v2) {
    kfk_offset_commit_request_partition_t parts[] = {
        {.partition_index = 0, .committed_offset = 100, .committed_metadata = KFK_STR("")},
        {.partition_index = 1,
         .committed_offset = 200,
         .committed_leader_epoch = 9, /* not in v2 */
         .committed_metadata = {NULL, -1}}};
    kfk_offset_commit_request_topic_t topics[] = {
        {.name = KFK_STR("t"), .partitions = KFK_ARRAY_OF(parts)}};
    kfk_offset_commit_request_t req = {.group_id = KFK_STR("g"),
                                       .generation_id_or_member_epoch = 1,
                                       .member_id = KFK_STR("m1"),
                                       .group_instance_id = KFK_STR("i1"), /* not in v2 */
                                       .retention_time_ms = -1,
                                       .topics = KFK_ARRAY_OF(topics)};
    expect_request(2, &req, req_v2, sizeof req_v2);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_offset_commit_request_t *d = decode_request(2, req_v2, sizeof req_v2, &a);
    cr_assert(kfk_str_eq(d->group_id, "g"));
    cr_assert_eq(d->generation_id_or_member_epoch, 1);
    cr_assert(kfk_str_eq(d->member_id, "m1"));
    cr_assert_eq(d->group_instance_id.len, -1);
    cr_assert_eq(d->retention_time_ms, -1);
    cr_assert_eq(d->topics.count, 1);
    const kfk_offset_commit_request_topic_t *t = d->topics.items;
    cr_assert(kfk_str_eq(t->name, "t"));
    cr_assert_eq(t->partitions.count, 2);
    const kfk_offset_commit_request_partition_t *p = t->partitions.items;
    cr_assert_eq(p[0].committed_offset, 100);
    cr_assert_eq(p[0].committed_leader_epoch, -1, "absent in v2: default -1");
    cr_assert(kfk_str_eq(p[0].committed_metadata, ""));
    cr_assert_eq(p[1].partition_index, 1);
    cr_assert_eq(p[1].committed_offset, 200);
    cr_assert_eq(p[1].committed_metadata.len, -1);
    kfk_arena_free(&a);
}

Test(offset_commit, encodes_and_decodes_request_v8_flexible) {
    kfk_offset_commit_request_partition_t parts[] = {{.partition_index = 0,
                                                      .committed_offset = 100,
                                                      .committed_leader_epoch = 5,
                                                      .committed_metadata = {NULL, -1}}};
    kfk_offset_commit_request_topic_t topics[] = {
        {.name = KFK_STR("t"), .partitions = KFK_ARRAY_OF(parts)}};
    kfk_offset_commit_request_t req = {.group_id = KFK_STR("g"),
                                       .generation_id_or_member_epoch = 1,
                                       .member_id = KFK_STR("m1"),
                                       .group_instance_id = KFK_STR("i1"),
                                       .retention_time_ms = 86400000, /* v2-4 only */
                                       .topics = KFK_ARRAY_OF(topics)};
    expect_request(8, &req, req_v8, sizeof req_v8);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_offset_commit_request_t *d = decode_request(8, req_v8, sizeof req_v8, &a);
    cr_assert(kfk_str_eq(d->group_instance_id, "i1"));
    cr_assert_eq(d->retention_time_ms, -1, "absent in v8: default -1");
    const kfk_offset_commit_request_topic_t *t = d->topics.items;
    const kfk_offset_commit_request_partition_t *p = t->partitions.items;
    cr_assert_eq(p->committed_offset, 100);
    cr_assert_eq(p->committed_leader_epoch, 5);
    cr_assert_eq(p->committed_metadata.len, -1);
    kfk_arena_free(&a);
}

Test(offset_commit, encodes_and_decodes_responses_v2_and_v8) {
    kfk_offset_commit_response_partition_t parts[] = {
        {.partition_index = 0}, {.partition_index = 1, .error_code = KFK_ERR_ILLEGAL_GENERATION}};
    kfk_offset_commit_response_topic_t topics[] = {
        {.name = KFK_STR("t"), .partitions = KFK_ARRAY_OF(parts)}};
    kfk_offset_commit_response_t r2 = {.throttle_time_ms = 50, /* not in v2 */
                                       .topics = KFK_ARRAY_OF(topics)};
    expect_response(2, &r2, resp_v2, sizeof resp_v2);
    kfk_offset_commit_response_topic_t topics8[] = {
        {.name = KFK_STR("t"), .partitions = {parts, 1}}};
    kfk_offset_commit_response_t r8 = {.topics = KFK_ARRAY_OF(topics8)};
    expect_response(8, &r8, resp_v8, sizeof resp_v8);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_offset_commit_response_t *d = decode_response(2, resp_v2, sizeof resp_v2, &a);
    cr_assert_eq(d->throttle_time_ms, 0);
    const kfk_offset_commit_response_topic_t *t = d->topics.items;
    cr_assert_eq(d->topics.count, 1);
    cr_assert(kfk_str_eq(t->name, "t"));
    const kfk_offset_commit_response_partition_t *p = t->partitions.items;
    cr_assert_eq(t->partitions.count, 2);
    cr_assert_eq(p[1].partition_index, 1);
    cr_assert_eq(p[1].error_code, KFK_ERR_ILLEGAL_GENERATION);
    d = decode_response(8, resp_v8, sizeof resp_v8, &a);
    t = d->topics.items;
    cr_assert_eq(t->partitions.count, 1);
    kfk_arena_free(&a);
}

Test(offset_commit, request_round_trips_in_every_version) {
    const kfk_api_t *api = kfk_api_get(API);
    for (int16_t v = api->min_version; v <= api->max_version; v++) {
        kfk_offset_commit_request_partition_t p1[] = {{.partition_index = 0,
                                                       .committed_offset = 1000,
                                                       .committed_leader_epoch = 3,
                                                       .committed_metadata = KFK_STR("meta")},
                                                      {.partition_index = 7,
                                                       .committed_offset = INT64_MAX,
                                                       .committed_leader_epoch = -1,
                                                       .committed_metadata = {NULL, -1},
                                                       .unknown_tags = UNKNOWN_TAGS}};
        kfk_offset_commit_request_partition_t p2[] = {
            {.partition_index = 2, .committed_offset = 0, .committed_metadata = KFK_STR("")}};
        kfk_offset_commit_request_topic_t topics[] = {
            {.name = KFK_STR("orders"), .partitions = KFK_ARRAY_OF(p1)},
            {.name = KFK_STR("events"),
             .partitions = KFK_ARRAY_OF(p2),
             .unknown_tags = UNKNOWN_TAGS}};
        kfk_offset_commit_request_t req = {.group_id = KFK_STR("group"),
                                           .generation_id_or_member_epoch = 17,
                                           .member_id = KFK_STR("member"),
                                           .group_instance_id =
                                               v % 2 ? KFK_STR("instance") : (kfk_str_t){NULL, -1},
                                           .retention_time_ms = 604800000,
                                           .topics = KFK_ARRAY_OF(topics),
                                           .unknown_tags = UNKNOWN_TAGS};
        kfk_arena_t a;
        kfk_arena_init(&a);
        const kfk_offset_commit_request_t *d =
            roundtrip(&kfk_offset_commit_request_schema, v, &req, &a);
        cr_assert(kfk_str_eq(d->group_id, "group"), "v%d", v);
        cr_assert_eq(d->generation_id_or_member_epoch, 17, "v%d", v);
        cr_assert(kfk_str_eq(d->member_id, "member"), "v%d", v);
        cr_assert(kfk_str_eq(d->group_instance_id, v >= 7 && v % 2 ? "instance" : NULL), "v%d", v);
        cr_assert_eq(d->retention_time_ms, v <= 4 ? 604800000 : -1, "v%d", v);
        cr_assert_eq(d->topics.count, 2, "v%d", v);
        const kfk_offset_commit_request_topic_t *t = d->topics.items;
        cr_assert(kfk_str_eq(t[0].name, "orders"), "v%d", v);
        cr_assert(kfk_str_eq(t[1].name, "events"), "v%d", v);
        cr_assert(tags_kept(t[1].unknown_tags, v), "v%d", v);
        cr_assert_eq(t[0].partitions.count, 2, "v%d", v);
        const kfk_offset_commit_request_partition_t *p = t[0].partitions.items;
        cr_assert_eq(p[0].committed_offset, 1000, "v%d", v);
        cr_assert_eq(p[0].committed_leader_epoch, v >= 6 ? 3 : -1, "v%d", v);
        cr_assert(kfk_str_eq(p[0].committed_metadata, "meta"), "v%d", v);
        cr_assert_eq(p[1].partition_index, 7, "v%d", v);
        cr_assert_eq(p[1].committed_offset, INT64_MAX, "v%d", v);
        cr_assert_eq(p[1].committed_metadata.len, -1, "v%d", v);
        cr_assert(tags_kept(p[1].unknown_tags, v), "v%d", v);
        cr_assert(tags_kept(d->unknown_tags, v), "v%d", v);
        kfk_arena_free(&a);
    }
}

Test(offset_commit, response_round_trips_in_every_version) {
    const kfk_api_t *api = kfk_api_get(API);
    for (int16_t v = api->min_version; v <= api->max_version; v++) {
        kfk_offset_commit_response_partition_t parts[] = {
            {.partition_index = 0, .error_code = KFK_ERR_NONE},
            {.partition_index = 3,
             .error_code = KFK_ERR_OFFSET_METADATA_TOO_LARGE,
             .unknown_tags = UNKNOWN_TAGS}};
        kfk_offset_commit_response_topic_t topics[] = {{.name = KFK_STR("orders"),
                                                        .partitions = KFK_ARRAY_OF(parts),
                                                        .unknown_tags = UNKNOWN_TAGS}};
        kfk_offset_commit_response_t resp = {
            .throttle_time_ms = 20, .topics = KFK_ARRAY_OF(topics), .unknown_tags = UNKNOWN_TAGS};
        kfk_arena_t a;
        kfk_arena_init(&a);
        const kfk_offset_commit_response_t *d =
            roundtrip(&kfk_offset_commit_response_schema, v, &resp, &a);
        cr_assert_eq(d->throttle_time_ms, v >= 3 ? 20 : 0, "v%d", v);
        cr_assert_eq(d->topics.count, 1, "v%d", v);
        const kfk_offset_commit_response_topic_t *t = d->topics.items;
        cr_assert(kfk_str_eq(t->name, "orders"), "v%d", v);
        cr_assert(tags_kept(t->unknown_tags, v), "v%d", v);
        const kfk_offset_commit_response_partition_t *p = t->partitions.items;
        cr_assert_eq(t->partitions.count, 2, "v%d", v);
        cr_assert_eq(p[1].partition_index, 3, "v%d", v);
        cr_assert_eq(p[1].error_code, KFK_ERR_OFFSET_METADATA_TOO_LARGE, "v%d", v);
        cr_assert(tags_kept(p[1].unknown_tags, v), "v%d", v);
        cr_assert(tags_kept(d->unknown_tags, v), "v%d", v);
        kfk_arena_free(&a);
    }
}

Test(offset_commit, refuses_nulls_the_version_does_not_allow) {
    kfk_offset_commit_request_topic_t topics[] = {{.name = {NULL, -1}}};
    kfk_offset_commit_request_t req = {.group_id = KFK_STR("g"), .topics = KFK_ARRAY_OF(topics)};
    expect_encode_refused(&kfk_offset_commit_request_schema, 8, &req);
    kfk_offset_commit_request_t req2 = {.group_id = KFK_STR("g"), .topics = {NULL, -1}};
    expect_encode_refused(&kfk_offset_commit_request_schema, 8, &req2);
}

Test(offset_commit, truncated_frames_fail_at_every_length) {
    expect_truncations_fail(true, 2, req_v2, sizeof req_v2);
    expect_truncations_fail(true, 8, req_v8, sizeof req_v8);
    expect_truncations_fail(false, 2, resp_v2, sizeof resp_v2);
    expect_truncations_fail(false, 8, resp_v8, sizeof resp_v8);
}

Test(offset_commit, hostile_counts_and_lengths_are_bad_messages) {
    static const uint8_t huge[] = {0x7f, 0xff, 0xff, 0xff};
    static const uint8_t minus1_32[] = {0xff, 0xff, 0xff, 0xff};
    static const uint8_t minus2_32[] = {0xff, 0xff, 0xff, 0xfe};
    static const uint8_t minus2_16[] = {0xff, 0xfe};
    static const uint8_t past_end[] = {0x7f, 0xff};
    /* v2 response: topics count at 8, name length at 12, partitions count at 15. */
    expect_bad_patch(false, 2, resp_v2, sizeof resp_v2, 8, huge, 4);
    expect_bad_patch(false, 2, resp_v2, sizeof resp_v2, 8, minus1_32, 4); /* not nullable */
    expect_bad_patch(false, 2, resp_v2, sizeof resp_v2, 12, past_end, 2);
    expect_bad_patch(false, 2, resp_v2, sizeof resp_v2, 15, huge, 4);
    expect_bad_patch(false, 2, resp_v2, sizeof resp_v2, 15, minus2_32, 4);
    /* v2 request: partitions count at 43, the first committed_metadata length at 59. */
    expect_bad_patch(true, 2, req_v2, sizeof req_v2, 43, huge, 4);
    expect_bad_patch(true, 2, req_v2, sizeof req_v2, 59, minus2_16, 2);
    expect_bad_patch(true, 2, req_v2, sizeof req_v2, 59, past_end, 2);
}
