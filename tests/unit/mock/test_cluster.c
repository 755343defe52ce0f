/*
 * test_cluster.c: the mock's cluster-level handlers (src/mock/h_cluster.c) driven with crafted
 * request structs on a 3-broker mock from kfk_mock_new, answers taken from the request's
 * reply_hook (mock_int.h): Metadata's "every topic" forms by version (v0's empty array, the null
 * array from v1, an empty array from v1 asking for none), ApiVersions' Produce range from v0
 * as Kafka 4.x advertises it, CreateTopics held to the cluster's partition cap, and the topic
 * configs the mock keeps (max.message.bytes, cleanup.policy=compact) checked on Produce
 * batches (topic_config.c). Every test ends
 * with uv_loop_close(loop) == 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <uv.h>

#include "mock/mock_int.h"
#include "protocol/mem.h"

static uv_loop_t loop;
static kfk_mock_t *m;
static int mock_closed;

static void start(void) {
    char err[256];
    cr_assert_eq(uv_loop_init(&loop), 0);
    kfk_mock_opts_t o = KFK_MOCK_OPTS_INIT;
    o.brokers = 3;
    mock_closed = 0;
    cr_assert_eq(kfk_mock_new(&loop, &o, &m, err, sizeof err), KFK_ERR_NONE, "%s", err);
    cr_assert_eq(kfk_mock_topic_create(m, "alpha", 2, 1), KFK_ERR_NONE);
    cr_assert_eq(kfk_mock_topic_create(m, "beta", 3, 2), KFK_ERR_NONE);
}

static void on_mock_closed(kfk_mock_t *mm, void *opaque) {
    (void)mm;
    (void)opaque;
    mock_closed = 1;
}

static void stop(void) {
    kfk_mock_close(m, on_mock_closed, NULL);
    /* The close ends within a few loop turns (no timers of its own past a zero-delay one). */
    for (int i = 0; i < 1000 && !mock_closed; i++)
        uv_run(&loop, UV_RUN_ONCE);
    cr_assert(mock_closed);
    cr_assert_eq(uv_run(&loop, UV_RUN_NOWAIT), 0);
    cr_assert_eq(uv_loop_close(&loop), 0);
}

/* What an answer said, copied out of the request's arena before it is freed. */
typedef struct reply {
    int done;
    int ntopics;
    char topics[8][32];
    int32_t parts[8];
    int16_t errors[8];
    int nbrokers;
    int32_t controller;
    int16_t produce_min, produce_max, metadata_min;
    char messages[8][80];
} reply_t;

static void on_reply(kfk__mreq_t *req, const void *resp, void *opaque) {
    reply_t *r = opaque;
    r->done = 1;
    cr_assert_not_null(resp);
    if (req->hdr.api_key == KFK_API_METADATA) {
        const kfk_metadata_response_t *rs = resp;
        r->nbrokers = rs->brokers.count;
        r->controller = rs->controller_id;
        r->ntopics = rs->topics.count;
        for (int i = 0; i < rs->topics.count && i < 8; i++) {
            const kfk_metadata_response_topic_t *t =
                &KFK_ARRAY_AT(rs->topics, kfk_metadata_response_topic_t, i);
            size_t n = t->name.len > 0 ? (size_t)t->name.len : 0;
            cr_assert_lt(n, sizeof r->topics[i]);
            if (n)
                memcpy(r->topics[i], t->name.ptr, n);
            r->topics[i][n] = '\0';
            r->parts[i] = t->partitions.count;
            r->errors[i] = t->error_code;
        }
    } else if (req->hdr.api_key == KFK_API_CREATE_TOPICS) {
        const kfk_create_topics_response_t *rs = resp;
        r->ntopics = rs->topics.count;
        for (int i = 0; i < rs->topics.count && i < 8; i++) {
            const kfk_create_topics_response_creatable_topic_result_t *t =
                &KFK_ARRAY_AT(rs->topics, kfk_create_topics_response_creatable_topic_result_t, i);
            r->errors[i] = t->error_code;
            size_t n = t->error_message.len > 0 ? (size_t)t->error_message.len : 0;
            if (n >= sizeof r->messages[i])
                n = sizeof r->messages[i] - 1;
            if (n)
                memcpy(r->messages[i], t->error_message.ptr, n);
            r->messages[i][n] = '\0';
        }
    } else if (req->hdr.api_key == KFK_API_API_VERSIONS) {
        const kfk_api_versions_response_t *rs = resp;
        for (int i = 0; i < rs->api_keys.count; i++) {
            const kfk_api_versions_response_api_version_t *v =
                &KFK_ARRAY_AT(rs->api_keys, kfk_api_versions_response_api_version_t, i);
            if (v->api_key == KFK_API_PRODUCE) {
                r->produce_min = v->min_version;
                r->produce_max = v->max_version;
            } else if (v->api_key == KFK_API_METADATA) {
                r->metadata_min = v->min_version;
            }
        }
    }
}

/* Serves a request of @p api at @p version with @p body (copied into its arena) to broker 1,
 * as server.c does, and returns once the answer came (handlers here answer at once). */
static void call(kfk__mock_handler_t h, int16_t api, int16_t version, const void *body,
                 size_t body_size, reply_t *out) {
    kfk__mreq_t *req = kfk__calloc(1, sizeof *req);
    cr_assert_not_null(req);
    req->m = m;
    req->broker = kfk__mock_broker(m, 1);
    req->hdr.api_key = api;
    req->hdr.api_version = version;
    req->hdr.client_id = KFK_STR("c1");
    req->body = kfk_arena_alloc(&req->arena, body_size);
    cr_assert_not_null(req->body);
    memcpy(req->body, body, body_size);
    memset(out, 0, sizeof *out);
    req->reply_hook = on_reply;
    req->reply_opaque = out;
    void *resp = NULL;
    int r = h(req, &resp);
    cr_assert_eq(r, KFK__MOCK_REPLY);
    kfk__mock_reply(req, resp);
    cr_assert(out->done);
}

static void metadata(int16_t version, kfk_array_t topics, reply_t *out) {
    kfk_metadata_request_t q;
    memset(&q, 0, sizeof q);
    q.topics = topics;
    q.allow_auto_topic_creation = true;
    call(kfk__mock_metadata, KFK_API_METADATA, version, &q, sizeof q, out);
}

TestSuite(mock_cluster, .timeout = 30);

Test(mock_cluster, metadata_v0_with_an_empty_topic_array_lists_every_topic) {
    start();
    reply_t r;
    metadata(0, (kfk_array_t){NULL, 0}, &r);
    cr_assert_eq(r.nbrokers, 3);
    cr_assert_eq(r.ntopics, 2, "v0: an empty array is every topic");
    cr_assert_str_eq(r.topics[0], "alpha");
    cr_assert_eq(r.parts[0], 2);
    cr_assert_str_eq(r.topics[1], "beta");
    cr_assert_eq(r.parts[1], 3);
    cr_assert_eq(r.errors[0], 0);
    cr_assert_eq(r.errors[1], 0);
    stop();
}

Test(mock_cluster, metadata_v1_every_topic_is_a_null_array_and_an_empty_one_asks_for_none) {
    start();
    reply_t r;
    metadata(1, (kfk_array_t){NULL, -1}, &r);
    cr_assert_eq(r.ntopics, 2);
    cr_assert_eq(r.controller, 1);
    metadata(1, (kfk_array_t){NULL, 0}, &r);
    cr_assert_eq(r.ntopics, 0, "v1+: an empty array asks for no topic");
    metadata(12, (kfk_array_t){NULL, 0}, &r);
    cr_assert_eq(r.ntopics, 0);
    stop();
}

Test(mock_cluster, metadata_v0_names_topics_and_creates_unknown_ones) {
    start();
    kfk_metadata_request_topic_t t[2];
    memset(t, 0, sizeof t);
    t[0].name = KFK_STR("beta");
    t[1].name = KFK_STR("fresh");
    reply_t r;
    metadata(0, (kfk_array_t){t, 2}, &r);
    cr_assert_eq(r.ntopics, 2);
    cr_assert_str_eq(r.topics[0], "beta");
    cr_assert_eq(r.parts[0], 3);
    cr_assert_str_eq(r.topics[1], "fresh", "auto-created: v0-3 requests allow it");
    cr_assert_eq(r.parts[1], 1);
    cr_assert_not_null(kfk__mock_topic(m, "fresh", 5));
    stop();
}

Test(mock_cluster, api_versions_advertises_produce_from_v0_like_kafka_4) {
    start();
    kfk_api_versions_request_t q;
    memset(&q, 0, sizeof q);
    reply_t r;
    call(kfk__mock_api_versions, KFK_API_API_VERSIONS, 3, &q, sizeof q, &r);
    const kfk_api_t *produce = kfk_api_get(KFK_API_PRODUCE);
    const kfk_api_t *md = kfk_api_get(KFK_API_METADATA);
    cr_assert_eq(r.produce_min, 0, "librdkafka compresses only when Produce v0 is advertised");
    cr_assert_eq(r.produce_max, produce->max_version);
    cr_assert_eq(r.metadata_min, md->min_version);
    stop();
}

Test(mock_cluster, create_topics_stops_at_the_clusters_partition_cap) {
    start(); /* 5 partitions already */
    kfk_create_topics_request_creatable_topic_t t[3];
    memset(t, 0, sizeof t);
    const char *names[3] = {"big1", "big2", "small"};
    int32_t parts[3] = {60000, 60000, 39995};
    for (int i = 0; i < 3; i++) {
        t[i].name = kfk_str_c(names[i]);
        t[i].num_partitions = parts[i];
        t[i].replication_factor = 1;
    }
    kfk_create_topics_request_t q;
    memset(&q, 0, sizeof q);
    q.topics = (kfk_array_t){t, 3};
    q.timeout_ms = 1000;
    reply_t r;
    call(kfk__mock_create_topics, KFK_API_CREATE_TOPICS, 7, &q, sizeof q, &r);
    cr_assert_eq(r.ntopics, 3);
    cr_assert_eq(r.errors[0], 0);
    cr_assert_eq(r.errors[1], KFK_ERR_INVALID_PARTITIONS, "60000 more would pass 100000");
    cr_assert_str_eq(r.messages[1], "the mock holds at most 100000 partitions in all");
    cr_assert_eq(r.errors[2], 0, "exactly up to the cap");
    cr_assert_null(kfk__mock_topic(m, "big2", 4));
    cr_assert_eq(kfk_mock_topic_create(m, "one-more", 1, 1), KFK_ERR_INVALID_PARTITIONS);
    stop();
}

/* A checked batch of @p n records (gzip when @p gzip), record @p keyless without a key, in
 * @p w (the caller frees it). */
static kfk_record_batch_t make_batch(kfk_wbuf_t *w, int n, int keyless, int gzip) {
    kfk_record_batch_builder_t b;
    kfk_wbuf_init(w);
    cr_assert_eq(kfk_record_batch_builder_begin(&b, w), KFK_ERR_NONE);
    for (int i = 0; i < n; i++) {
        kfk_bytes_t key = {(const uint8_t *)"k", i == keyless ? -1 : 1};
        kfk_bytes_t val = {(const uint8_t *)"value-value-value-value", 23};
        cr_assert_eq(kfk_record_batch_builder_append(&b, key, val, NULL, 0, 1000 + i), 0);
    }
    kfk_record_batch_attrs_t at = KFK_RECORD_BATCH_ATTRS_INIT;
    at.codec = gzip ? KFK_CODEC_GZIP : KFK_CODEC_NONE;
    cr_assert_eq(kfk_record_batch_builder_finish(&b, &at), KFK_ERR_NONE);
    kfk_record_batch_t batch;
    cr_assert_eq(kfk__mlog_check(w->data, w->len, &batch), KFK_ERR_NONE);
    return batch;
}

static int16_t create_with(const char *name, const char *key, const char *value, char *msg,
                           size_t cap) {
    kfk_create_topics_request_creatable_topic_config_t cfg = {.name = kfk_str_c(key),
                                                              .value = kfk_str_c(value)};
    kfk_create_topics_request_creatable_topic_t t;
    memset(&t, 0, sizeof t);
    t.name = kfk_str_c(name);
    t.num_partitions = 1;
    t.replication_factor = 1;
    t.configs = (kfk_array_t){&cfg, 1};
    kfk_create_topics_request_t q;
    memset(&q, 0, sizeof q);
    q.topics = (kfk_array_t){&t, 1};
    reply_t r;
    call(kfk__mock_create_topics, KFK_API_CREATE_TOPICS, 7, &q, sizeof q, &r);
    cr_assert_eq(r.ntopics, 1);
    snprintf(msg, cap, "%s", r.messages[0]);
    return r.errors[0];
}

Test(mock_cluster, topic_configs_from_create_topics_are_checked_on_produce) {
    start();
    char msg[80];
    cr_assert_eq(create_with("small", "max.message.bytes", "200", msg, sizeof msg), 0);
    cr_assert_eq(create_with("compacted", "cleanup.policy", "delete, compact", msg, sizeof msg), 0);
    cr_assert_eq(create_with("bad", "max.message.bytes", "-1", msg, sizeof msg),
                 KFK_ERR_INVALID_CONFIG);
    cr_assert(strstr(msg, "max.message.bytes"), "%s", msg);
    cr_assert_eq(create_with("bad", "cleanup.policy", "shred", msg, sizeof msg),
                 KFK_ERR_INVALID_CONFIG);
    cr_assert_null(kfk__mock_topic(m, "bad", 3));
    cr_assert_eq(create_with("other", "retention.ms", "1000", msg, sizeof msg), 0, "ignored");

    kfk__mtopic_t *small = kfk__mock_topic(m, "small", 5);
    kfk__mtopic_t *compacted = kfk__mock_topic(m, "compacted", 9);
    kfk__mtopic_t *alpha = kfk__mock_topic(m, "alpha", 5);
    cr_assert_eq(small->max_message_bytes, 200);
    cr_assert_eq(alpha->max_message_bytes, -1, "no limit unless set");
    cr_assert(compacted->compact);
    kfk__mreq_t req;
    memset(&req, 0, sizeof req);
    req.m = m;
    kfk_arena_init(&req.arena);
    kfk_produce_response_partition_produce_response_t op;
    kfk_wbuf_t w;
    kfk_record_batch_t b = make_batch(&w, 3, -1, 0);
    cr_assert_lt(b.size, 200);
    cr_assert_eq(kfk__mock_topic_check(&req, small, &b, &op), 0);
    kfk_wbuf_free(&w);
    b = make_batch(&w, 10, -1, 0);
    cr_assert_gt(b.size, 200);
    cr_assert_eq(kfk__mock_topic_check(&req, small, &b, &op), KFK_ERR_MESSAGE_TOO_LARGE);
    cr_assert_eq(kfk__mock_topic_check(&req, alpha, &b, &op), 0);
    cr_assert_eq(kfk__mock_topic_check(&req, compacted, &b, &op), 0, "every record has a key");
    kfk_wbuf_free(&w);
    for (int gzip = 0; gzip < 2; gzip++) {
        memset(&op, 0, sizeof op);
        b = make_batch(&w, 10, 6, gzip);
        cr_assert_eq(kfk__mock_topic_check(&req, compacted, &b, &op), KFK_ERR_INVALID_RECORD);
        cr_assert_eq(op.error_code, KFK_ERR_INVALID_RECORD);
        cr_assert_eq(op.record_errors.count, 1);
        cr_assert_eq(
            KFK_ARRAY_AT(op.record_errors, kfk_produce_response_batch_index_and_error_message_t, 0)
                .batch_index,
            6);
        cr_assert(
            kfk_str_eq(op.error_message, "Compacted topic cannot accept message without key."));
        cr_assert_eq(kfk__mock_topic_check(&req, alpha, &b, &op), 0);
        kfk_wbuf_free(&w);
    }
    kfk_arena_free(&req.arena);
    stop();
}
