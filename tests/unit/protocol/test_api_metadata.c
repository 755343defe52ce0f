/*
 * test_api_metadata.c: Metadata (key 3) tables, kfk versions 1-12 (flexible from 9). Golden
 * frames written by hand from the protocol spec (v1, the first flexible v9 and the top v12, in
 * both directions), a round trip of every version, and malformed input.
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "kfk/protocol.h"

#define API KFK_API_METADATA
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

static const uint8_t uuid_a[16] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
                                   0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10};

/* Request v1: topics ["foo"]. */
static const uint8_t req_v1[] = {
    0x00, 0x00, 0x00, 0x16,      /* frame size 22 */
    0x00, 0x03,                  /* api_key 3 */
    0x00, 0x01,                  /* api_version 1 */
    0x00, 0x00, 0x00, 0x07,      /* correlation_id 7 */
    0x00, 0x03, 'k',  'f',  'k', /* client_id "kfk" */
    0x00, 0x00, 0x00, 0x01,      /* topics: 1 */
    0x00, 0x03, 'f',  'o',  'o', /*   name "foo" */
};

/* Request v1: topics null (every topic). */
static const uint8_t req_v1_all[] = {
    0x00, 0x00, 0x00, 0x11,      /* frame size 17 */
    0x00, 0x03, 0x00, 0x01,      /* api_key 3, api_version 1 */
    0x00, 0x00, 0x00, 0x07,      /* correlation_id 7 */
    0x00, 0x03, 'k',  'f',  'k', /* client_id "kfk" */
    0xff, 0xff, 0xff, 0xff,      /* topics: null */
};

/* Request v9 (first flexible): topics ["foo"], no auto-creation, both authorized-ops flags. */
static const uint8_t req_v9[] = {
    0x00, 0x00, 0x00, 0x18,      /* frame size 24 */
    0x00, 0x03, 0x00, 0x09,      /* api_key 3, api_version 9 */
    0x00, 0x00, 0x00, 0x07,      /* correlation_id 7 */
    0x00, 0x03, 'k',  'f',  'k', /* client_id "kfk" (int16 length even in header v2) */
    0x00,                        /* header tagged fields: none */
    0x02,                        /* topics: compact count 1 + 1 */
    0x04, 'f',  'o',  'o',       /*   name: compact length 3 + 1, "foo" */
    0x00,                        /*   topic tagged fields */
    0x00,                        /* allow_auto_topic_creation false */
    0x01,                        /* include_cluster_authorized_operations true */
    0x01,                        /* include_topic_authorized_operations true */
    0x00,                        /* tagged fields */
};

/* Request v12: one topic by id with a null name; include_cluster_authorized_operations is gone. */
static const uint8_t req_v12[] = {
    0x00, 0x00, 0x00, 0x24,                         /* frame size 36 */
    0x00, 0x03, 0x00, 0x0c,                         /* api_key 3, api_version 12 */
    0x00, 0x00, 0x00, 0x07,                         /* correlation_id 7 */
    0x00, 0x03, 'k',  'f',  'k',                    /* client_id "kfk" */
    0x00,                                           /* header tagged fields */
    0x02,                                           /* topics: 1 */
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, /*   topic_id */
    0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, /*   ... */
    0x00,                                           /*   name: null */
    0x00,                                           /*   topic tagged fields */
    0x00,                                           /* allow_auto_topic_creation false */
    0x01,                                           /* include_topic_authorized_operations */
    0x00,                                           /* tagged fields */
};

/* Response v1: one broker without rack, one topic with one partition. */
static const uint8_t resp_v1[] = {
    0x00, 0x00, 0x00, 0x44,      /* frame size 68 */
    0x00, 0x00, 0x00, 0x07,      /* correlation_id 7 */
    0x00, 0x00, 0x00, 0x01,      /* brokers: 1 */
    0x00, 0x00, 0x00, 0x01,      /*   node_id 1 */
    0x00, 0x02, 'h',  '1',       /*   host "h1" */
    0x00, 0x00, 0x23, 0x84,      /*   port 9092 */
    0xff, 0xff,                  /*   rack null */
    0x00, 0x00, 0x00, 0x01,      /* controller_id 1 */
    0x00, 0x00, 0x00, 0x01,      /* topics: 1 */
    0x00, 0x00,                  /*   error_code 0 */
    0x00, 0x03, 'f',  'o',  'o', /*   name "foo" */
    0x01,                        /*   is_internal true */
    0x00, 0x00, 0x00, 0x01,      /*   partitions: 1 */
    0x00, 0x00,                  /*     error_code 0 */
    0x00, 0x00, 0x00, 0x00,      /*     partition_index 0 */
    0x00, 0x00, 0x00, 0x01,      /*     leader_id 1 */
    0x00, 0x00, 0x00, 0x01,      /*     replica_nodes: 1 */
    0x00, 0x00, 0x00, 0x01,      /*       1 */
    0x00, 0x00, 0x00, 0x01,      /*     isr_nodes: 1 */
    0x00, 0x00, 0x00, 0x01,      /*       1 */
};

/* Response v9 (first flexible). */
static const uint8_t resp_v9[] = {
    0x00, 0x00, 0x00, 0x4d,       /* frame size 77 */
    0x00, 0x00, 0x00, 0x07,       /* correlation_id 7 */
    0x00,                         /* header tagged fields */
    0x00, 0x00, 0x00, 0x05,       /* throttle_time_ms 5 */
    0x02,                         /* brokers: 1 */
    0x00, 0x00, 0x00, 0x01,       /*   node_id 1 */
    0x03, 'h',  '1',              /*   host "h1" */
    0x00, 0x00, 0x23, 0x84,       /*   port 9092 */
    0x03, 'r',  '1',              /*   rack "r1" */
    0x00,                         /*   broker tagged fields */
    0x03, 'c',  '1',              /* cluster_id "c1" */
    0x00, 0x00, 0x00, 0x01,       /* controller_id 1 */
    0x02,                         /* topics: 1 */
    0x00, 0x00,                   /*   error_code 0 */
    0x04, 'f',  'o',  'o',        /*   name "foo" */
    0x00,                         /*   is_internal false */
    0x02,                         /*   partitions: 1 */
    0x00, 0x00,                   /*     error_code 0 */
    0x00, 0x00, 0x00, 0x00,       /*     partition_index 0 */
    0x00, 0x00, 0x00, 0x01,       /*     leader_id 1 */
    0x00, 0x00, 0x00, 0x03,       /*     leader_epoch 3 */
    0x02, 0x00, 0x00, 0x00, 0x01, /*     replica_nodes [1] */
    0x02, 0x00, 0x00, 0x00, 0x01, /*     isr_nodes [1] */
    0x01,                         /*     offline_replicas [] */
    0x00,                         /*     partition tagged fields */
    0x80, 0x00, 0x00, 0x00,       /*   topic_authorized_operations INT32_MIN (not asked) */
    0x00,                         /*   topic tagged fields */
    0x80, 0x00, 0x00, 0x00,       /* cluster_authorized_operations INT32_MIN */
    0x00,                         /* tagged fields */
};

/* Response v12: an unknown topic id (error 100) answered with a null name. */
static const uint8_t resp_v12[] = {
    0x00, 0x00, 0x00, 0x2b,                         /* frame size 43 */
    0x00, 0x00, 0x00, 0x07,                         /* correlation_id 7 */
    0x00,                                           /* header tagged fields */
    0x00, 0x00, 0x00, 0x00,                         /* throttle_time_ms 0 */
    0x01,                                           /* brokers: 0 */
    0x00,                                           /* cluster_id null */
    0xff, 0xff, 0xff, 0xff,                         /* controller_id -1 */
    0x02,                                           /* topics: 1 */
    0x00, 0x64,                                     /*   error_code 100 UNKNOWN_TOPIC_ID */
    0x00,                                           /*   name null */
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, /*   topic_id */
    0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, /*   ... */
    0x00,                                           /*   is_internal false */
    0x01,                                           /*   partitions: 0 */
    0x80, 0x00, 0x00, 0x00,                         /*   topic_authorized_operations */
    0x00,                                           /*   topic tagged fields */
    0x00,                                           /* tagged fields */
};

Test(metadata, encodes_and_decodes_request_v1) {
    kfk_metadata_request_topic_t topics[] = {{.name = KFK_STR("foo")}};
    kfk_metadata_request_t req = {.topics = KFK_ARRAY_OF(topics)};
    expect_request(1, &req, req_v1, sizeof req_v1);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_metadata_request_t *d = decode_request(1, req_v1, sizeof req_v1, &a);
    cr_assert_eq(d->topics.count, 1);
    cr_assert(kfk_str_eq(KFK_ARRAY_AT(d->topics, kfk_metadata_request_topic_t, 0).name, "foo"));
    cr_assert_eq(d->allow_auto_topic_creation, true, "v1 has no field: default true");
    kfk_arena_free(&a);
}

Test(metadata, null_topics_ask_for_every_topic_in_v1) {
    kfk_metadata_request_t req = {.topics = {NULL, -1}};
    expect_request(1, &req, req_v1_all, sizeof req_v1_all);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_metadata_request_t *d = decode_request(1, req_v1_all, sizeof req_v1_all, &a);
    cr_assert_eq(d->topics.count, -1);
    kfk_arena_free(&a);
}

Test(metadata, encodes_and_decodes_request_v9_flexible) {
    kfk_metadata_request_topic_t topics[] = {{.name = KFK_STR("foo")}};
    kfk_metadata_request_t req = {.topics = KFK_ARRAY_OF(topics),
                                  .allow_auto_topic_creation = false,
                                  .include_cluster_authorized_operations = true,
                                  .include_topic_authorized_operations = true};
    expect_request(9, &req, req_v9, sizeof req_v9);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_metadata_request_t *d = decode_request(9, req_v9, sizeof req_v9, &a);
    cr_assert_eq(d->topics.count, 1);
    cr_assert(kfk_str_eq(KFK_ARRAY_AT(d->topics, kfk_metadata_request_topic_t, 0).name, "foo"));
    cr_assert_eq(d->allow_auto_topic_creation, false);
    cr_assert_eq(d->include_cluster_authorized_operations, true);
    cr_assert_eq(d->include_topic_authorized_operations, true);
    kfk_arena_free(&a);
}

Test(metadata, encodes_and_decodes_request_v12_by_topic_id) {
    kfk_metadata_request_topic_t topics[1] = {{.name = {NULL, -1}}};
    memcpy(topics[0].topic_id.bytes, uuid_a, 16);
    kfk_metadata_request_t req = {.topics = KFK_ARRAY_OF(topics),
                                  .allow_auto_topic_creation = false,
                                  .include_cluster_authorized_operations = true, /* not in v12 */
                                  .include_topic_authorized_operations = true};
    expect_request(12, &req, req_v12, sizeof req_v12);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_metadata_request_t *d = decode_request(12, req_v12, sizeof req_v12, &a);
    const kfk_metadata_request_topic_t *t =
        &KFK_ARRAY_AT(d->topics, kfk_metadata_request_topic_t, 0);
    cr_assert_eq(d->topics.count, 1);
    cr_assert(!memcmp(t->topic_id.bytes, uuid_a, 16));
    cr_assert_eq(t->name.len, -1);
    cr_assert_eq(d->include_cluster_authorized_operations, false, "absent in v12: default");
    cr_assert_eq(d->include_topic_authorized_operations, true);
    kfk_arena_free(&a);
}

Test(metadata, encodes_and_decodes_response_v1) {
    int32_t one[] = {1};
    kfk_metadata_response_broker_t brokers[] = {
        {.node_id = 1, .host = KFK_STR("h1"), .port = 9092, .rack = {NULL, -1}}};
    kfk_metadata_response_partition_t parts[] = {{.partition_index = 0,
                                                  .leader_id = 1,
                                                  .leader_epoch = 3, /* not in v1 */
                                                  .replica_nodes = KFK_ARRAY_OF(one),
                                                  .isr_nodes = KFK_ARRAY_OF(one)}};
    kfk_metadata_response_topic_t topics[] = {
        {.name = KFK_STR("foo"), .is_internal = true, .partitions = KFK_ARRAY_OF(parts)}};
    kfk_metadata_response_t resp = {.throttle_time_ms = 5, /* not in v1 */
                                    .brokers = KFK_ARRAY_OF(brokers),
                                    .cluster_id = KFK_STR("c1"), /* not in v1 */
                                    .controller_id = 1,
                                    .topics = KFK_ARRAY_OF(topics)};
    expect_response(1, &resp, resp_v1, sizeof resp_v1);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_metadata_response_t *d = decode_response(1, resp_v1, sizeof resp_v1, &a);
    cr_assert_eq(d->throttle_time_ms, 0);
    cr_assert_eq(d->cluster_id.len, -1, "absent in v1: default null");
    cr_assert_eq(d->controller_id, 1);
    cr_assert_eq(d->brokers.count, 1);
    const kfk_metadata_response_broker_t *b =
        &KFK_ARRAY_AT(d->brokers, kfk_metadata_response_broker_t, 0);
    cr_assert_eq(b->node_id, 1);
    cr_assert(kfk_str_eq(b->host, "h1"));
    cr_assert_eq(b->port, 9092);
    cr_assert_eq(b->rack.len, -1);
    cr_assert_eq(d->topics.count, 1);
    const kfk_metadata_response_topic_t *t =
        &KFK_ARRAY_AT(d->topics, kfk_metadata_response_topic_t, 0);
    cr_assert(kfk_str_eq(t->name, "foo"));
    cr_assert_eq(t->is_internal, true);
    cr_assert_eq(t->topic_authorized_operations, INT32_MIN);
    cr_assert_eq(t->partitions.count, 1);
    const kfk_metadata_response_partition_t *p =
        &KFK_ARRAY_AT(t->partitions, kfk_metadata_response_partition_t, 0);
    cr_assert_eq(p->leader_id, 1);
    cr_assert_eq(p->leader_epoch, -1, "absent in v1: default -1");
    cr_assert_eq(p->replica_nodes.count, 1);
    cr_assert_eq(KFK_ARRAY_AT(p->replica_nodes, int32_t, 0), 1);
    cr_assert_eq(p->isr_nodes.count, 1);
    cr_assert_eq(p->offline_replicas.count, 0);
    kfk_arena_free(&a);
}

Test(metadata, encodes_and_decodes_response_v9_flexible) {
    int32_t one[] = {1};
    kfk_metadata_response_broker_t brokers[] = {
        {.node_id = 1, .host = KFK_STR("h1"), .port = 9092, .rack = KFK_STR("r1")}};
    kfk_metadata_response_partition_t parts[] = {{.partition_index = 0,
                                                  .leader_id = 1,
                                                  .leader_epoch = 3,
                                                  .replica_nodes = KFK_ARRAY_OF(one),
                                                  .isr_nodes = KFK_ARRAY_OF(one)}};
    kfk_metadata_response_topic_t topics[] = {{.name = KFK_STR("foo"),
                                               .partitions = KFK_ARRAY_OF(parts),
                                               .topic_authorized_operations = INT32_MIN}};
    kfk_metadata_response_t resp = {.throttle_time_ms = 5,
                                    .brokers = KFK_ARRAY_OF(brokers),
                                    .cluster_id = KFK_STR("c1"),
                                    .controller_id = 1,
                                    .topics = KFK_ARRAY_OF(topics),
                                    .cluster_authorized_operations = INT32_MIN};
    expect_response(9, &resp, resp_v9, sizeof resp_v9);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_metadata_response_t *d = decode_response(9, resp_v9, sizeof resp_v9, &a);
    cr_assert_eq(d->throttle_time_ms, 5);
    cr_assert(kfk_str_eq(d->cluster_id, "c1"));
    cr_assert_eq(d->controller_id, 1);
    cr_assert_eq(d->cluster_authorized_operations, INT32_MIN);
    const kfk_metadata_response_broker_t *b =
        &KFK_ARRAY_AT(d->brokers, kfk_metadata_response_broker_t, 0);
    cr_assert(kfk_str_eq(b->rack, "r1"));
    const kfk_metadata_response_topic_t *t =
        &KFK_ARRAY_AT(d->topics, kfk_metadata_response_topic_t, 0);
    cr_assert(kfk_str_eq(t->name, "foo"));
    cr_assert_eq(t->is_internal, false);
    const kfk_metadata_response_partition_t *p =
        &KFK_ARRAY_AT(t->partitions, kfk_metadata_response_partition_t, 0);
    cr_assert_eq(p->leader_epoch, 3);
    cr_assert_eq(KFK_ARRAY_AT(p->isr_nodes, int32_t, 0), 1);
    cr_assert_eq(p->offline_replicas.count, 0);
    cr_assert_eq(d->unknown_tags.len, 0);
    kfk_arena_free(&a);
}

Test(metadata, encodes_and_decodes_response_v12_with_null_topic_name) {
    kfk_metadata_response_topic_t topics[1] = {{.error_code = KFK_ERR_UNKNOWN_TOPIC_ID,
                                                .name = {NULL, -1},
                                                .topic_authorized_operations = INT32_MIN}};
    memcpy(topics[0].topic_id.bytes, uuid_a, 16);
    kfk_metadata_response_t resp = {.cluster_id = {NULL, -1},
                                    .controller_id = -1,
                                    .topics = KFK_ARRAY_OF(topics),
                                    .cluster_authorized_operations = 77 /* not in v12 */};
    expect_response(12, &resp, resp_v12, sizeof resp_v12);

    kfk_arena_t a;
    kfk_arena_init(&a);
    const kfk_metadata_response_t *d = decode_response(12, resp_v12, sizeof resp_v12, &a);
    cr_assert_eq(d->brokers.count, 0);
    cr_assert_eq(d->cluster_id.len, -1);
    cr_assert_eq(d->controller_id, -1);
    cr_assert_eq(d->cluster_authorized_operations, INT32_MIN, "absent in v12: default");
    const kfk_metadata_response_topic_t *t =
        &KFK_ARRAY_AT(d->topics, kfk_metadata_response_topic_t, 0);
    cr_assert_eq(t->error_code, KFK_ERR_UNKNOWN_TOPIC_ID);
    cr_assert_eq(t->name.len, -1);
    cr_assert(!memcmp(t->topic_id.bytes, uuid_a, 16));
    kfk_arena_free(&a);
}

/* ---- round trips ------------------------------------------------------------------------- */

Test(metadata, request_round_trips_in_every_version) {
    const kfk_api_t *api = kfk_api_get(API);
    for (int16_t v = api->min_version; v <= api->max_version; v++) {
        kfk_metadata_request_topic_t topics[3] = {
            {.name = KFK_STR("alpha")},
            {.name = KFK_STR("beta"), .unknown_tags = UNKNOWN_TAGS},
            {.name = v >= 10 ? (kfk_str_t){NULL, -1} : KFK_STR("gamma")}};
        memcpy(topics[2].topic_id.bytes, uuid_a, 16);
        kfk_metadata_request_t req = {.topics = KFK_ARRAY_OF(topics),
                                      .allow_auto_topic_creation = false,
                                      .include_cluster_authorized_operations = true,
                                      .include_topic_authorized_operations = true,
                                      .unknown_tags = UNKNOWN_TAGS};
        kfk_arena_t a;
        kfk_arena_init(&a);
        const kfk_metadata_request_t *d = roundtrip(&kfk_metadata_request_schema, v, &req, &a);
        cr_assert_eq(d->topics.count, 3, "v%d", v);
        const kfk_metadata_request_topic_t *t = d->topics.items;
        cr_assert(kfk_str_eq(t[0].name, "alpha"), "v%d", v);
        cr_assert(kfk_str_eq(t[1].name, "beta"), "v%d", v);
        cr_assert(kfk_str_eq(t[2].name, v >= 10 ? NULL : "gamma"), "v%d", v);
        static const uint8_t zero[16];
        cr_assert(!memcmp(t[2].topic_id.bytes, v >= 10 ? uuid_a : zero, 16), "v%d", v);
        cr_assert(tags_kept(t[1].unknown_tags, v), "v%d", v);
        cr_assert(tags_kept(d->unknown_tags, v), "v%d", v);
        cr_assert_eq(d->allow_auto_topic_creation, v < 4, "v%d", v);
        cr_assert_eq(d->include_cluster_authorized_operations, v >= 8 && v <= 10, "v%d", v);
        cr_assert_eq(d->include_topic_authorized_operations, v >= 8, "v%d", v);
        kfk_arena_free(&a);

        /* And the null (every topic) form. */
        kfk_metadata_request_t all = {.topics = {NULL, -1}};
        kfk_arena_init(&a);
        d = roundtrip(&kfk_metadata_request_schema, v, &all, &a);
        cr_assert_eq(d->topics.count, -1, "v%d", v);
        kfk_arena_free(&a);
    }
}

Test(metadata, response_round_trips_in_every_version) {
    const kfk_api_t *api = kfk_api_get(API);
    for (int16_t v = api->min_version; v <= api->max_version; v++) {
        int32_t replicas[] = {1, 2, 3}, isr[] = {1, 2}, offline[] = {3};
        kfk_metadata_response_broker_t brokers[2] = {
            {.node_id = 1, .host = KFK_STR("h1"), .port = 9092, .rack = {NULL, -1}},
            {.node_id = 2,
             .host = KFK_STR("h2"),
             .port = 9093,
             .rack = KFK_STR("r2"),
             .unknown_tags = UNKNOWN_TAGS}};
        kfk_metadata_response_partition_t parts[2] = {
            {.error_code = 0,
             .partition_index = 0,
             .leader_id = 1,
             .leader_epoch = 4,
             .replica_nodes = KFK_ARRAY_OF(replicas),
             .isr_nodes = KFK_ARRAY_OF(isr),
             .offline_replicas = KFK_ARRAY_OF(offline),
             .unknown_tags = UNKNOWN_TAGS},
            {.error_code = KFK_ERR_LEADER_NOT_AVAILABLE, .partition_index = 1, .leader_id = -1}};
        kfk_metadata_response_topic_t topics[2] = {
            {.name = KFK_STR("t1"),
             .is_internal = true,
             .partitions = KFK_ARRAY_OF(parts),
             .topic_authorized_operations = 0x0ff8},
            {.error_code = KFK_ERR_UNKNOWN_TOPIC_ID,
             .name = v >= 12 ? (kfk_str_t){NULL, -1} : KFK_STR("t2"),
             .topic_authorized_operations = INT32_MIN}};
        memcpy(topics[1].topic_id.bytes, uuid_a, 16);
        kfk_metadata_response_t resp = {.throttle_time_ms = 11,
                                        .brokers = KFK_ARRAY_OF(brokers),
                                        .cluster_id =
                                            v % 2 ? KFK_STR("cluster") : (kfk_str_t){NULL, -1},
                                        .controller_id = 2,
                                        .topics = KFK_ARRAY_OF(topics),
                                        .cluster_authorized_operations = 123,
                                        .unknown_tags = UNKNOWN_TAGS};
        kfk_arena_t a;
        kfk_arena_init(&a);
        const kfk_metadata_response_t *d = roundtrip(&kfk_metadata_response_schema, v, &resp, &a);
        cr_assert_eq(d->throttle_time_ms, v >= 3 ? 11 : 0, "v%d", v);
        cr_assert_eq(d->brokers.count, 2, "v%d", v);
        const kfk_metadata_response_broker_t *b = d->brokers.items;
        cr_assert(kfk_str_eq(b[1].host, "h2"), "v%d", v);
        cr_assert_eq(b[1].port, 9093, "v%d", v);
        cr_assert_eq(b[0].rack.len, -1, "v%d", v);
        cr_assert(kfk_str_eq(b[1].rack, "r2"), "v%d", v);
        cr_assert(tags_kept(b[1].unknown_tags, v), "v%d", v);
        cr_assert(kfk_str_eq(d->cluster_id, v >= 2 && v % 2 ? "cluster" : NULL), "v%d", v);
        cr_assert_eq(d->controller_id, 2, "v%d", v);
        cr_assert_eq(d->topics.count, 2, "v%d", v);
        const kfk_metadata_response_topic_t *t = d->topics.items;
        cr_assert(kfk_str_eq(t[0].name, "t1"), "v%d", v);
        cr_assert(kfk_str_eq(t[1].name, v >= 12 ? NULL : "t2"), "v%d", v);
        cr_assert_eq(t[1].error_code, KFK_ERR_UNKNOWN_TOPIC_ID, "v%d", v);
        cr_assert_eq(t[1].topic_id.bytes[15], v >= 10 ? 0x10 : 0, "v%d", v);
        cr_assert_eq(t[0].is_internal, true, "v%d", v);
        cr_assert_eq(t[0].topic_authorized_operations, v >= 8 ? 0x0ff8 : INT32_MIN, "v%d", v);
        cr_assert_eq(t[0].partitions.count, 2, "v%d", v);
        const kfk_metadata_response_partition_t *p = t[0].partitions.items;
        cr_assert_eq(p[0].leader_epoch, v >= 7 ? 4 : -1, "v%d", v);
        cr_assert_eq(p[0].replica_nodes.count, 3, "v%d", v);
        cr_assert_eq(KFK_ARRAY_AT(p[0].replica_nodes, int32_t, 2), 3, "v%d", v);
        cr_assert_eq(p[0].isr_nodes.count, 2, "v%d", v);
        cr_assert_eq(p[0].offline_replicas.count, v >= 5 ? 1 : 0, "v%d", v);
        cr_assert(tags_kept(p[0].unknown_tags, v), "v%d", v);
        cr_assert_eq(p[1].error_code, KFK_ERR_LEADER_NOT_AVAILABLE, "v%d", v);
        cr_assert_eq(p[1].leader_id, -1, "v%d", v);
        cr_assert_eq(d->cluster_authorized_operations, v >= 8 && v <= 10 ? 123 : INT32_MIN, "v%d",
                     v);
        cr_assert(tags_kept(d->unknown_tags, v), "v%d", v);
        kfk_arena_free(&a);
    }
}

Test(metadata, refuses_nulls_the_version_does_not_allow) {
    kfk_metadata_request_t all = {.topics = {NULL, -1}};
    kfk_metadata_request_topic_t nameless[] = {{.name = {NULL, -1}}};
    kfk_metadata_request_t req = {.topics = KFK_ARRAY_OF(nameless)};
    expect_encode_refused(&kfk_metadata_request_schema, 0, &all); /* v0 arrays are not nullable */
    expect_encode_refused(&kfk_metadata_request_schema, 9, &req); /* names nullable from v10 */

    kfk_metadata_response_topic_t topics[] = {{.name = {NULL, -1}}};
    kfk_metadata_response_t resp = {.topics = KFK_ARRAY_OF(topics)};
    expect_encode_refused(&kfk_metadata_response_schema, 11, &resp); /* nullable from v12 */
    kfk_metadata_response_broker_t brokers[] = {{.host = {NULL, -1}}};
    kfk_metadata_response_t resp2 = {.brokers = KFK_ARRAY_OF(brokers)};
    expect_encode_refused(&kfk_metadata_response_schema, 12, &resp2);
}

/* ---- malformed input --------------------------------------------------------------------- */

Test(metadata, truncated_frames_fail_at_every_length) {
    expect_truncations_fail(true, 1, req_v1, sizeof req_v1);
    expect_truncations_fail(true, 1, req_v1_all, sizeof req_v1_all);
    expect_truncations_fail(true, 9, req_v9, sizeof req_v9);
    expect_truncations_fail(true, 12, req_v12, sizeof req_v12);
    expect_truncations_fail(false, 1, resp_v1, sizeof resp_v1);
    expect_truncations_fail(false, 9, resp_v9, sizeof resp_v9);
    expect_truncations_fail(false, 12, resp_v12, sizeof resp_v12);
}

Test(metadata, trailing_bytes_after_a_response_are_an_error) {
    uint8_t longer[sizeof resp_v9 + 1];
    memcpy(longer, resp_v9, sizeof resp_v9);
    longer[sizeof resp_v9] = 0;
    cr_assert_eq(decode_exact(false, 9, longer + 4, sizeof longer - 4), KFK_ERR__BAD_MSG);
}

Test(metadata, hostile_counts_and_lengths_are_bad_messages) {
    static const uint8_t huge[] = {0x7f, 0xff, 0xff, 0xff};
    static const uint8_t minus2_16[] = {0xff, 0xfe};
    static const uint8_t minus1_16[] = {0xff, 0xff};
    static const uint8_t minus2_32[] = {0xff, 0xff, 0xff, 0xfe};
    static const uint8_t past_end[] = {0x7f, 0xff};
    /* v1 response: brokers count at 8, host length at 16, rack length at 24, replica count 56. */
    expect_bad_patch(false, 1, resp_v1, sizeof resp_v1, 8, huge, 4);
    expect_bad_patch(false, 1, resp_v1, sizeof resp_v1, 8, minus2_32, 4);
    expect_bad_patch(false, 1, resp_v1, sizeof resp_v1, 16, past_end, 2);
    expect_bad_patch(false, 1, resp_v1, sizeof resp_v1, 16, minus1_16, 2); /* host not nullable */
    expect_bad_patch(false, 1, resp_v1, sizeof resp_v1, 24, minus2_16, 2);
    expect_bad_patch(false, 1, resp_v1, sizeof resp_v1, 56, huge, 4);
    /* v1 request: topics count at 17, name length at 21. */
    expect_bad_patch(true, 1, req_v1, sizeof req_v1, 17, huge, 4);
    expect_bad_patch(true, 1, req_v1, sizeof req_v1, 17, minus2_32, 4);
    expect_bad_patch(true, 1, req_v1, sizeof req_v1, 21, past_end, 2);
    /* v9 response: a compact brokers count of 0x7ffffffe (uvarint 0x7fffffff). */
    static const uint8_t compact_huge[] = {
        0x00, 0x00, 0x00, 0x07,      /* correlation_id */
        0x00,                        /* header tagged fields */
        0x00, 0x00, 0x00, 0x00,      /* throttle_time_ms */
        0xff, 0xff, 0xff, 0xff, 0x07 /* brokers: count 0x7ffffffe */
    };
    cr_assert_eq(decode_exact(false, 9, compact_huge, sizeof compact_huge), KFK_ERR__BAD_MSG);
    /* v9 response: host compact length 0x7f (126 bytes) runs past the end (host at 18). */
    static const uint8_t len_7f[] = {0x7f};
    expect_bad_patch(false, 9, resp_v9, sizeof resp_v9, 18, len_7f, 1);
    /* v9 request: a topic name that is null (0) before v10. */
    static const uint8_t null_compact[] = {0x00};
    expect_bad_patch(true, 9, req_v9, sizeof req_v9, 19, null_compact, 1);
}
