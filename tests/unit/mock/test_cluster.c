/*
 * test_cluster.c: the mock's cluster-level handlers (src/mock/h_cluster.c) driven with crafted
 * request structs on a 3-broker mock from kfk_mock_new, answers taken from the request's
 * reply_hook (mock_int.h): Metadata's "every topic" forms by version (v0's empty array, the null
 * array from v1, an empty array from v1 asking for none), ApiVersions' Produce range from v0
 * as Kafka 4.x advertises it, and CreateTopics held to the cluster's partition cap. Every test ends
 * with uv_loop_close(loop) == 0.
 */
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
