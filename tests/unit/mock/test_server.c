/*
 * test_server.c: the mock cluster's backbone (src/mock/mock.c, server.c, h_cluster.c) spoken
 * to with raw frames: an in-process mock on a loop, a uv_tcp client that sends requests
 * encoded with kfk_request_encode and decodes the answers with kfk_response_decode. Covers
 * ApiVersions (kfk's ranges, the KIP-511 answer to an unknown version), Metadata (brokers,
 * auto-creation, unknown topics, topic ids), CreateTopics and DeleteTopics field by field,
 * InitProducerId, FindCoordinator, SASL refused, an unknown API closing the connection,
 * brokers going down and up, a leader move, request counters, startup time and a close while
 * a connection is open. Every test ends with uv_loop_close(loop) == 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <uv.h>

#include "kfk/mock.h"
#include "kfk/protocol.h"
#include "mock/mock_int.h"

#define DEADLINE_MS 5000

/* ---- a raw client on the loop ---------------------------------------------------------------- */

typedef struct client {
    uv_loop_t *loop;
    uv_tcp_t tcp;
    uv_connect_t creq;
    int connected; /* 1 connected, -1 failed */
    int eof;
    int closed;
    uint8_t *buf;
    size_t len, cap;
    int32_t next_corr;
} client_t;

static int timed_out;

static void on_deadline(uv_timer_t *t) {
    (void)t;
    timed_out = 1;
}

/* Runs the loop until *flag is non-zero or DEADLINE_MS passed; returns *flag. */
static int run_until(uv_loop_t *loop, const int *flag) {
    uv_timer_t t;
    timed_out = 0;
    uv_timer_init(loop, &t);
    uv_timer_start(&t, on_deadline, DEADLINE_MS, 0);
    while (!*flag && !timed_out)
        uv_run(loop, UV_RUN_ONCE);
    uv_close((uv_handle_t *)&t, NULL);
    uv_run(loop, UV_RUN_NOWAIT);
    return *flag;
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
    client_t *c = h->data;
    (void)suggested;
    if (c->cap - c->len < 65536) {
        c->cap = c->cap ? c->cap * 2 : 131072;
        c->buf = realloc(c->buf, c->cap);
    }
    *buf = uv_buf_init((char *)c->buf + c->len, (unsigned)(c->cap - c->len));
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf) {
    client_t *c = s->data;
    (void)buf;
    if (n < 0) {
        c->eof = 1;
        uv_read_stop(s);
        return;
    }
    c->len += (size_t)n;
}

static void on_connect(uv_connect_t *r, int status) {
    client_t *c = r->data;
    c->connected = status == 0 ? 1 : -1;
    if (status == 0)
        uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
}

/* Connects to 127.0.0.1:@p port; returns 1, or -1 when refused. */
static int client_open(client_t *c, uv_loop_t *loop, int port) {
    memset(c, 0, sizeof *c);
    c->loop = loop;
    c->next_corr = 1;
    uv_tcp_init(loop, &c->tcp);
    c->tcp.data = c;
    c->creq.data = c;
    struct sockaddr_in addr;
    uv_ip4_addr("127.0.0.1", port, &addr);
    cr_assert_eq(uv_tcp_connect(&c->creq, &c->tcp, (const struct sockaddr *)&addr, on_connect), 0);
    cr_assert(run_until(loop, &c->connected), "no connection within the deadline");
    return c->connected;
}

static void on_client_closed(uv_handle_t *h) {
    client_t *c = h->data;
    c->closed = 1;
}

static void client_close(client_t *c) {
    uv_close((uv_handle_t *)&c->tcp, on_client_closed);
    cr_assert(run_until(c->loop, &c->closed));
    free(c->buf);
}

static void on_written(uv_write_t *w, int status) {
    (void)status;
    free(w);
}

static void client_send_raw(client_t *c, const void *p, size_t len) {
    uv_write_t *w = malloc(sizeof *w + len);
    memcpy(w + 1, p, len);
    uv_buf_t b = uv_buf_init((char *)(w + 1), (unsigned)len);
    cr_assert_eq(uv_write(w, (uv_stream_t *)&c->tcp, &b, 1, on_written), 0);
}

static int32_t client_send(client_t *c, int16_t api, int16_t version, const void *body) {
    kfk_request_header_t h = {api, version, c->next_corr++, KFK_STR("test"), {NULL, 0}};
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    cr_assert_eq(kfk_request_encode(&w, &h, body), KFK_ERR_NONE);
    client_send_raw(c, w.data, w.len);
    kfk_wbuf_free(&w);
    return h.correlation_id;
}

static int frame_ready(const client_t *c) {
    if (c->len < 4)
        return 0;
    uint32_t n = ((uint32_t)c->buf[0] << 24) | ((uint32_t)c->buf[1] << 16) |
                 ((uint32_t)c->buf[2] << 8) | c->buf[3];
    return c->len >= 4 + (size_t)n;
}

/* Waits for one answer frame; returns it (malloc'd, without the size) and its length. */
static uint8_t *client_recv(client_t *c, size_t *len) {
    int ready = 0;
    uv_timer_t t;
    timed_out = 0;
    uv_timer_init(c->loop, &t);
    uv_timer_start(&t, on_deadline, DEADLINE_MS, 0);
    while (!(ready = frame_ready(c)) && !timed_out && !c->eof)
        uv_run(c->loop, UV_RUN_ONCE);
    uv_close((uv_handle_t *)&t, NULL);
    uv_run(c->loop, UV_RUN_NOWAIT);
    ready = frame_ready(c);
    cr_assert(ready, "no answer (eof %d, %zu bytes)", c->eof, c->len);
    size_t n = ((size_t)c->buf[0] << 24) | ((size_t)c->buf[1] << 16) | ((size_t)c->buf[2] << 8) |
               c->buf[3];
    uint8_t *f = malloc(n ? n : 1);
    memcpy(f, c->buf + 4, n);
    memmove(c->buf, c->buf + 4 + n, c->len - 4 - n);
    c->len -= 4 + n;
    *len = n;
    return f;
}

/* One request and its decoded answer (in @p arena; the frame is kept in *frame). */
static void *call(client_t *c, int16_t api, int16_t version, const void *body, kfk_arena_t *arena,
                  uint8_t **frame) {
    int32_t corr = client_send(c, api, version, body);
    size_t len;
    *frame = client_recv(c, &len);
    int32_t got = -1;
    void *resp = NULL;
    kfk_err_t err = kfk_response_decode(*frame, len, api, version, &got, arena, &resp);
    cr_assert_eq(err, KFK_ERR_NONE, "decoding the answer to API %d v%d: %s", api, version,
                 kfk_err_name(err));
    cr_assert_eq(got, corr);
    return resp;
}

/* ---- the mock -------------------------------------------------------------------------------- */

typedef struct fixture {
    uv_loop_t loop;
    kfk_mock_t *m;
    int closed;
    int close_calls;
    int ports[8];
} fixture_t;

static void start(fixture_t *f, int32_t brokers, int auto_create) {
    memset(f, 0, sizeof *f);
    cr_assert_eq(uv_loop_init(&f->loop), 0);
    kfk_mock_opts_t o = KFK_MOCK_OPTS_INIT;
    o.brokers = brokers;
    o.auto_create_topics = auto_create;
    char err[256];
    cr_assert_eq(kfk_mock_new(&f->loop, &o, &f->m, err, sizeof err), KFK_ERR_NONE, "%s", err);
    const char *bs = kfk_mock_bootstrap(f->m);
    for (int32_t i = 0; i < brokers; i++) {
        const char *p = strstr(bs, "127.0.0.1:");
        cr_assert_not_null(p);
        f->ports[i] = (int)strtol(p + 10, NULL, 10);
        cr_assert_gt(f->ports[i], 0);
        bs = p + 10;
    }
}

static void on_mock_closed(kfk_mock_t *m, void *opaque) {
    fixture_t *f = opaque;
    cr_assert_eq(kfk_mock_get_data(m), f);
    f->close_calls++;
    f->closed = 1;
}

static void stop(fixture_t *f) {
    kfk_mock_set_data(f->m, f);
    kfk_mock_close(f->m, on_mock_closed, f);
    cr_assert_eq(f->close_calls, 0, "the close callback ran inside kfk_mock_close");
    cr_assert(run_until(&f->loop, &f->closed));
    uv_run(&f->loop, UV_RUN_NOWAIT);
    cr_assert_eq(f->close_calls, 1);
    cr_assert_eq(uv_loop_close(&f->loop), 0);
}

static int str_eq(kfk_str_t s, const char *c) {
    return s.len == (int32_t)strlen(c) && memcmp(s.ptr, c, (size_t)s.len) == 0;
}

static int uuid_zero(const kfk_uuid_t *id) {
    for (int i = 0; i < 16; i++)
        if (id->bytes[i])
            return 0;
    return 1;
}

static const kfk_metadata_response_topic_t *md_topic(const kfk_metadata_response_t *md,
                                                     const char *name) {
    for (int32_t i = 0; i < md->topics.count; i++) {
        const kfk_metadata_response_topic_t *t =
            &KFK_ARRAY_AT(md->topics, kfk_metadata_response_topic_t, i);
        if (str_eq(t->name, name))
            return t;
    }
    return NULL;
}

static kfk_metadata_response_t *metadata(client_t *c, int16_t v, const char *topic, int allow,
                                         kfk_arena_t *a, uint8_t **frame) {
    kfk_metadata_request_topic_t t = {.name = {topic, topic ? (int32_t)strlen(topic) : -1}};
    kfk_metadata_request_t q = {.topics = topic ? (kfk_array_t){&t, 1} : (kfk_array_t){NULL, -1},
                                .allow_auto_topic_creation = allow};
    return call(c, KFK_API_METADATA, v, &q, a, frame);
}

TestSuite(mock_server, .timeout = 30);

Test(mock_server, answers_api_versions_with_kfks_ranges) {
    fixture_t f;
    start(&f, 1, 1);
    client_t c;
    cr_assert_eq(client_open(&c, &f.loop, f.ports[0]), 1);
    for (int16_t v = 0; v <= 3; v++) {
        kfk_arena_t a = {0};
        uint8_t *frame;
        kfk_api_versions_request_t q = {KFK_STR("kfk-test"), KFK_STR("1.0"), {NULL, 0}};
        kfk_api_versions_response_t *r = call(&c, KFK_API_API_VERSIONS, v, &q, &a, &frame);
        cr_assert_eq(r->error_code, 0);
        /* Every API of the codec that the mock serves, in the codec's order, and nothing it
         * does not serve (the admin APIs it has no handler for). */
        size_t n, k = 0;
        const kfk_api_t *apis = kfk_api_list(&n);
        for (size_t i = 0; i < n; i++) {
            if (!kfk__mock_handler_of(apis[i].key))
                continue;
            cr_assert_lt(k, (size_t)r->api_keys.count, "%s not advertised", apis[i].name);
            const kfk_api_versions_response_api_version_t *e =
                &KFK_ARRAY_AT(r->api_keys, kfk_api_versions_response_api_version_t, k++);
            cr_assert_eq(e->api_key, apis[i].key);
            /* Produce from v0, as Kafka 4.x advertises it (KAFKA-18659: librdkafka compresses
             * only then) */
            cr_assert_eq(e->min_version, e->api_key == KFK_API_PRODUCE ? 0 : apis[i].min_version);
            cr_assert_eq(e->max_version, apis[i].max_version);
        }
        cr_assert_eq(r->api_keys.count, (int32_t)k, "%d APIs advertised, %zu served",
                     r->api_keys.count, k);
        cr_assert_geq(k, 19, "only %zu APIs served", k);
        for (int32_t i = 0; i < r->api_keys.count; i++)
            cr_assert_neq(
                KFK_ARRAY_AT(r->api_keys, kfk_api_versions_response_api_version_t, i).api_key,
                KFK_API_DESCRIBE_CLUSTER, "DescribeCluster advertised, not served");
        kfk_arena_free(&a);
        free(frame);
    }
    cr_assert_eq(kfk_mock_requests(f.m, KFK_API_API_VERSIONS), 4);
    cr_assert_eq(kfk_mock_requests(f.m, -1), 4);
    client_close(&c);
    stop(&f);
}

Test(mock_server, answers_an_unknown_api_versions_version_as_kip_511_says) {
    fixture_t f;
    start(&f, 1, 1);
    client_t c;
    cr_assert_eq(client_open(&c, &f.loop, f.ports[0]), 1);
    /* ApiVersions v9: header v2 (null client id, no tags), a body the broker cannot read. */
    uint8_t req[] = {0, 0, 0, 14, 0, 18, 0, 9, 0, 0, 0, 77, 0xff, 0xff, 0, 1, 1, 0};
    client_send_raw(&c, req, sizeof req);
    size_t len;
    uint8_t *frame = client_recv(&c, &len);
    /* Header v0, then the v0 body: error, one range. */
    uint8_t want[] = {0, 0, 0, 77, 0, 35, 0, 0, 0, 1, 0, 18, 0, 0, 0, 3};
    cr_assert_eq(len, sizeof want);
    cr_assert_arr_eq(frame, want, sizeof want);
    free(frame);
    client_close(&c);
    stop(&f);
}

Test(mock_server, closes_the_connection_on_an_api_it_does_not_speak) {
    fixture_t f;
    start(&f, 1, 1);
    client_t c;
    cr_assert_eq(client_open(&c, &f.loop, f.ports[0]), 1);
    uint8_t req[] = {0, 0, 0, 10, 0, 99, 0, 0, 0, 0, 0, 1, 0xff, 0xff};
    client_send_raw(&c, req, sizeof req);
    cr_assert(run_until(&f.loop, &c.eof));
    cr_assert_eq(c.len, 0);
    client_close(&c);
    stop(&f);
}

Test(mock_server, metadata_lists_brokers_and_creates_unknown_topics) {
    fixture_t f;
    start(&f, 3, 1);
    client_t c;
    cr_assert_eq(client_open(&c, &f.loop, f.ports[1]), 1);
    kfk_arena_t a = {0};
    uint8_t *frame;
    kfk_metadata_response_t *md = metadata(&c, 12, "auto-t", 1, &a, &frame);
    cr_assert_eq(md->brokers.count, 3);
    for (int32_t i = 0; i < 3; i++) {
        const kfk_metadata_response_broker_t *b =
            &KFK_ARRAY_AT(md->brokers, kfk_metadata_response_broker_t, i);
        cr_assert_eq(b->node_id, i + 1);
        cr_assert(str_eq(b->host, "127.0.0.1"));
        cr_assert_eq(b->port, f.ports[i]);
        cr_assert_eq(b->rack.len, -1);
    }
    cr_assert_eq(md->controller_id, 1);
    cr_assert_eq(md->cluster_id.len, 22);
    cr_assert_eq(md->topics.count, 1);
    const kfk_metadata_response_topic_t *t = md_topic(md, "auto-t");
    cr_assert_not_null(t);
    cr_assert_eq(t->error_code, 0);
    cr_assert(!uuid_zero(&t->topic_id));
    cr_assert_eq(t->is_internal, 0);
    cr_assert_eq(t->partitions.count, 1);
    const kfk_metadata_response_partition_t *p =
        &KFK_ARRAY_AT(t->partitions, kfk_metadata_response_partition_t, 0);
    cr_assert_eq(p->error_code, 0);
    cr_assert_eq(p->partition_index, 0);
    cr_assert(p->leader_id >= 1 && p->leader_id <= 3);
    cr_assert_eq(p->leader_epoch, 0);
    cr_assert_eq(p->replica_nodes.count, 1);
    cr_assert_eq(KFK_ARRAY_AT(p->replica_nodes, int32_t, 0), p->leader_id);
    cr_assert_eq(p->isr_nodes.count, 1);
    cr_assert_eq(p->offline_replicas.count, 0);
    kfk_uuid_t id = t->topic_id;
    kfk_arena_free(&a);
    free(frame);

    /* Not allowed by the request: UNKNOWN_TOPIC_OR_PARTITION, and nothing created. */
    md = metadata(&c, 12, "nope", 0, &a, &frame);
    cr_assert_eq(md->topics.count, 1);
    t = &KFK_ARRAY_AT(md->topics, kfk_metadata_response_topic_t, 0);
    cr_assert_eq(t->error_code, KFK_ERR_UNKNOWN_TOPIC_OR_PARTITION);
    cr_assert_eq(t->partitions.count, 0);
    kfk_arena_free(&a);
    free(frame);

    /* Every topic (v1, null list): the one created, same id; by id (v12). */
    md = metadata(&c, 1, NULL, 0, &a, &frame);
    cr_assert_eq(md->topics.count, 1);
    cr_assert_not_null(md_topic(md, "auto-t"));
    kfk_arena_free(&a);
    free(frame);
    kfk_metadata_request_topic_t byid = {.topic_id = id, .name = {NULL, -1}};
    kfk_metadata_request_t q = {.topics = {&byid, 1}};
    md = call(&c, KFK_API_METADATA, 12, &q, &a, &frame);
    t = &KFK_ARRAY_AT(md->topics, kfk_metadata_response_topic_t, 0);
    cr_assert_eq(t->error_code, 0);
    cr_assert(str_eq(t->name, "auto-t"));
    kfk_arena_free(&a);
    free(frame);
    cr_assert_eq(kfk_mock_requests(f.m, KFK_API_METADATA), 4);
    client_close(&c);
    stop(&f);
}

Test(mock_server, metadata_without_auto_creation_refuses_unknown_topics) {
    fixture_t f;
    start(&f, 1, 0);
    client_t c;
    cr_assert_eq(client_open(&c, &f.loop, f.ports[0]), 1);
    kfk_arena_t a = {0};
    uint8_t *frame;
    kfk_metadata_response_t *md = metadata(&c, 9, "t", 1, &a, &frame);
    cr_assert_eq(KFK_ARRAY_AT(md->topics, kfk_metadata_response_topic_t, 0).error_code,
                 KFK_ERR_UNKNOWN_TOPIC_OR_PARTITION);
    kfk_arena_free(&a);
    free(frame);
    client_close(&c);
    stop(&f);
}

static kfk_create_topics_response_t *create(client_t *c, int16_t v,
                                            kfk_create_topics_request_creatable_topic_t *ts,
                                            int32_t n, int validate_only, kfk_arena_t *a,
                                            uint8_t **frame) {
    kfk_create_topics_request_t q = {
        .topics = {ts, n}, .timeout_ms = 1000, .validate_only = validate_only};
    return call(c, KFK_API_CREATE_TOPICS, v, &q, a, frame);
}

#define CT(n, p, r)                                                                                \
    { .name = KFK_STR(n), .num_partitions = (p), .replication_factor = (r) }

Test(mock_server, creates_and_deletes_topics_with_errors_per_topic) {
    fixture_t f;
    start(&f, 3, 1);
    client_t c;
    cr_assert_eq(client_open(&c, &f.loop, f.ports[0]), 1);
    kfk_arena_t a = {0};
    uint8_t *frame;
    kfk_create_topics_request_creatable_topic_t ts[] = {CT("a", 3, 2),         CT("a", 1, 1),
                                                        CT("bad name!", 1, 1), CT("zero", 0, 1),
                                                        CT("rf4", 1, 4),       CT("dflt", -1, -1)};
    kfk_create_topics_response_t *r = create(&c, 7, ts, 6, 0, &a, &frame);
    cr_assert_eq(r->topics.count, 6);
    const kfk_create_topics_response_creatable_topic_result_t *o =
        &KFK_ARRAY_AT(r->topics, kfk_create_topics_response_creatable_topic_result_t, 0);
    cr_assert(str_eq(o[0].name, "a"));
    cr_assert_eq(o[0].error_code, 0);
    cr_assert_eq(o[0].error_message.len, -1);
    cr_assert_eq(o[0].num_partitions, 3);
    cr_assert_eq(o[0].replication_factor, 2);
    cr_assert(!uuid_zero(&o[0].topic_id));
    cr_assert_eq(o[1].error_code, KFK_ERR_TOPIC_ALREADY_EXISTS);
    cr_assert_gt(o[1].error_message.len, 0);
    cr_assert_eq(o[1].num_partitions, -1);
    cr_assert(uuid_zero(&o[1].topic_id));
    cr_assert_eq(o[2].error_code, KFK_ERR_INVALID_TOPIC_EXCEPTION);
    cr_assert_eq(o[3].error_code, KFK_ERR_INVALID_PARTITIONS);
    cr_assert_eq(o[4].error_code, KFK_ERR_INVALID_REPLICATION_FACTOR);
    cr_assert_eq(o[5].error_code, 0);
    cr_assert_eq(o[5].num_partitions, 1);
    cr_assert_eq(o[5].replication_factor, 1);
    kfk_uuid_t id_a = o[0].topic_id;
    kfk_arena_free(&a);
    free(frame);

    /* validate_only checks and creates nothing. */
    kfk_create_topics_request_creatable_topic_t v[] = {CT("v", 2, 1), CT("a", 2, 1)};
    r = create(&c, 4, v, 2, 1, &a, &frame);
    cr_assert_eq(
        KFK_ARRAY_AT(r->topics, kfk_create_topics_response_creatable_topic_result_t, 0).error_code,
        0);
    cr_assert_eq(
        KFK_ARRAY_AT(r->topics, kfk_create_topics_response_creatable_topic_result_t, 1).error_code,
        KFK_ERR_TOPIC_ALREADY_EXISTS);
    kfk_arena_free(&a);
    free(frame);

    /* "a" in the metadata: 3 partitions, leaders on 3 different brokers, 2 replicas each. */
    kfk_metadata_response_t *md = metadata(&c, 12, NULL, 0, &a, &frame);
    cr_assert_eq(md->topics.count, 2);
    cr_assert_null(md_topic(md, "v"));
    const kfk_metadata_response_topic_t *t = md_topic(md, "a");
    cr_assert_not_null(t);
    cr_assert_arr_eq(t->topic_id.bytes, id_a.bytes, 16);
    cr_assert_eq(t->partitions.count, 3);
    int seen = 0;
    for (int32_t i = 0; i < 3; i++) {
        const kfk_metadata_response_partition_t *p =
            &KFK_ARRAY_AT(t->partitions, kfk_metadata_response_partition_t, i);
        cr_assert_eq(p->replica_nodes.count, 2);
        cr_assert_eq(KFK_ARRAY_AT(p->replica_nodes, int32_t, 0), p->leader_id);
        seen |= 1 << p->leader_id;
    }
    cr_assert_eq(seen, 2 | 4 | 8);
    kfk_arena_free(&a);
    free(frame);

    /* DeleteTopics v6 by name and by id, then v4 by name. */
    kfk_delete_topics_request_delete_topic_state_t ds[] = {
        {.name = KFK_STR("a")}, {.name = KFK_STR("a")}, {.name = {NULL, -1}, .topic_id = id_a}};
    kfk_delete_topics_request_t dq = {.topics = {ds, 3}, .timeout_ms = 1000};
    kfk_delete_topics_response_t *dr = call(&c, KFK_API_DELETE_TOPICS, 6, &dq, &a, &frame);
    cr_assert_eq(dr->responses.count, 3);
    const kfk_delete_topics_response_deletable_topic_result_t *d =
        &KFK_ARRAY_AT(dr->responses, kfk_delete_topics_response_deletable_topic_result_t, 0);
    cr_assert(str_eq(d[0].name, "a"));
    cr_assert_eq(d[0].error_code, 0);
    cr_assert_arr_eq(d[0].topic_id.bytes, id_a.bytes, 16);
    cr_assert_eq(d[1].error_code, KFK_ERR_UNKNOWN_TOPIC_OR_PARTITION);
    cr_assert_eq(d[2].error_code, KFK_ERR_UNKNOWN_TOPIC_ID);
    kfk_arena_free(&a);
    free(frame);
    kfk_str_t names[] = {KFK_STR("dflt"), KFK_STR("gone")};
    kfk_delete_topics_request_t dq4 = {.topic_names = KFK_ARRAY_OF(names), .timeout_ms = 1000};
    dr = call(&c, KFK_API_DELETE_TOPICS, 4, &dq4, &a, &frame);
    d = &KFK_ARRAY_AT(dr->responses, kfk_delete_topics_response_deletable_topic_result_t, 0);
    cr_assert(str_eq(d[0].name, "dflt"));
    cr_assert_eq(d[0].error_code, 0);
    cr_assert_eq(d[1].error_code, KFK_ERR_UNKNOWN_TOPIC_OR_PARTITION);
    kfk_arena_free(&a);
    free(frame);
    md = metadata(&c, 12, NULL, 0, &a, &frame);
    cr_assert_eq(md->topics.count, 0);
    kfk_arena_free(&a);
    free(frame);
    client_close(&c);
    stop(&f);
}

Test(mock_server, hands_out_producer_ids_and_coordinators_and_refuses_sasl) {
    fixture_t f;
    start(&f, 3, 1);
    client_t c;
    cr_assert_eq(client_open(&c, &f.loop, f.ports[0]), 1);
    kfk_arena_t a = {0};
    uint8_t *frame;
    kfk_init_producer_id_request_t ip = {.transactional_id = {NULL, -1},
                                         .transaction_timeout_ms = -1,
                                         .producer_id = -1,
                                         .producer_epoch = -1};
    kfk_init_producer_id_response_t *pr = call(&c, KFK_API_INIT_PRODUCER_ID, 4, &ip, &a, &frame);
    cr_assert_eq(pr->error_code, 0);
    cr_assert_geq(pr->producer_id, 0);
    cr_assert_eq(pr->producer_epoch, 0);
    int64_t pid = pr->producer_id;
    kfk_arena_free(&a);
    free(frame);
    ip.producer_id = pid;
    ip.producer_epoch = 0;
    pr = call(&c, KFK_API_INIT_PRODUCER_ID, 4, &ip, &a, &frame);
    cr_assert_eq(pr->producer_id, pid);
    cr_assert_eq(pr->producer_epoch, 1);
    kfk_arena_free(&a);
    free(frame);

    kfk_find_coordinator_request_t fc = {.key = KFK_STR("group-1"), .key_type = 0};
    kfk_find_coordinator_response_t *fr = call(&c, KFK_API_FIND_COORDINATOR, 3, &fc, &a, &frame);
    cr_assert_eq(fr->error_code, 0);
    cr_assert(fr->node_id >= 1 && fr->node_id <= 3);
    cr_assert(str_eq(fr->host, "127.0.0.1"));
    cr_assert_eq(fr->port, f.ports[fr->node_id - 1]);
    int32_t node = fr->node_id;
    kfk_arena_free(&a);
    free(frame);
    fr = call(&c, KFK_API_FIND_COORDINATOR, 0, &fc, &a, &frame);
    cr_assert_eq(fr->node_id, node, "the same key, the same coordinator");
    kfk_arena_free(&a);
    free(frame);

    kfk_sasl_handshake_request_t sh = {.mechanism = KFK_STR("PLAIN")};
    kfk_sasl_handshake_response_t *sr = call(&c, KFK_API_SASL_HANDSHAKE, 1, &sh, &a, &frame);
    cr_assert_eq(sr->error_code, KFK_ERR_UNSUPPORTED_SASL_MECHANISM);
    cr_assert_eq(sr->mechanisms.count, 0);
    kfk_arena_free(&a);
    free(frame);
    client_close(&c);
    stop(&f);
}

Test(mock_server, brokers_going_down_leave_the_metadata_and_their_leaderships) {
    fixture_t f;
    start(&f, 3, 1);
    cr_assert_eq(kfk_mock_topic_create(f.m, "t", 3, 2), KFK_ERR_NONE);
    cr_assert_eq(kfk_mock_topic_create(f.m, "t", 3, 2), KFK_ERR_TOPIC_ALREADY_EXISTS);
    cr_assert_eq(kfk_mock_broker_set_up(f.m, 9, 0), KFK_ERR__INVALID_ARG);
    client_t c;
    cr_assert_eq(client_open(&c, &f.loop, f.ports[0]), 1);
    client_t c2;
    cr_assert_eq(client_open(&c2, &f.loop, f.ports[1]), 1);
    cr_assert_eq(kfk_mock_broker_set_up(f.m, 2, 0), KFK_ERR_NONE);
    cr_assert(run_until(&f.loop, &c2.eof), "broker 2's connections close");
    client_close(&c2);
    cr_assert_eq(client_open(&c2, &f.loop, f.ports[1]), -1, "broker 2 refuses connections");
    client_close(&c2);

    kfk_arena_t a = {0};
    uint8_t *frame;
    kfk_metadata_response_t *md = metadata(&c, 12, "t", 0, &a, &frame);
    cr_assert_eq(md->brokers.count, 2);
    cr_assert_eq(KFK_ARRAY_AT(md->brokers, kfk_metadata_response_broker_t, 0).node_id, 1);
    cr_assert_eq(KFK_ARRAY_AT(md->brokers, kfk_metadata_response_broker_t, 1).node_id, 3);
    const kfk_metadata_response_topic_t *t = md_topic(md, "t");
    for (int32_t i = 0; i < 3; i++) {
        const kfk_metadata_response_partition_t *p =
            &KFK_ARRAY_AT(t->partitions, kfk_metadata_response_partition_t, i);
        cr_assert_neq(p->leader_id, 2);
        cr_assert_geq(p->leader_id, 1);
        int had2 = 0;
        for (int32_t r = 0; r < 2; r++)
            had2 |= KFK_ARRAY_AT(p->replica_nodes, int32_t, r) == 2;
        cr_assert_eq(p->offline_replicas.count, had2);
        cr_assert_eq(p->isr_nodes.count, 2 - had2);
        /* The partition broker 2 led has a new leader and epoch. */
        if (KFK_ARRAY_AT(p->replica_nodes, int32_t, 0) == 2)
            cr_assert_eq(p->leader_epoch, 1);
    }
    kfk_arena_free(&a);
    free(frame);

    cr_assert_eq(kfk_mock_broker_set_up(f.m, 2, 1), KFK_ERR_NONE);
    cr_assert_eq(kfk_mock_partition_set_leader(f.m, "t", 0, 2), KFK_ERR_NONE);
    md = metadata(&c, 12, "t", 0, &a, &frame);
    cr_assert_eq(md->brokers.count, 3);
    const kfk_metadata_response_partition_t *p0 =
        &KFK_ARRAY_AT(md_topic(md, "t")->partitions, kfk_metadata_response_partition_t, 0);
    cr_assert_eq(p0->leader_id, 2);
    cr_assert_eq(p0->isr_nodes.count, p0->replica_nodes.count);
    kfk_arena_free(&a);
    free(frame);
    cr_assert_eq(client_open(&c2, &f.loop, f.ports[1]), 1, "broker 2 listens again");
    client_close(&c2);
    client_close(&c);
    stop(&f);
}

Test(mock_server, closes_with_a_connection_open) {
    fixture_t f;
    start(&f, 2, 1);
    client_t c;
    cr_assert_eq(client_open(&c, &f.loop, f.ports[0]), 1);
    kfk_arena_t a = {0};
    uint8_t *frame;
    metadata(&c, 12, "x", 1, &a, &frame);
    kfk_arena_free(&a);
    free(frame);
    kfk_mock_set_data(f.m, &f);
    kfk_mock_close(f.m, on_mock_closed, &f);
    cr_assert_eq(f.close_calls, 0);
    cr_assert(run_until(&f.loop, &f.closed));
    cr_assert_eq(f.close_calls, 1);
    cr_assert(run_until(&f.loop, &c.eof), "the client sees the connection end");
    client_close(&c);
    cr_assert_eq(uv_loop_close(&f.loop), 0);
}

Test(mock_server, refuses_bad_options_without_an_object) {
    uv_loop_t loop;
    uv_loop_init(&loop);
    kfk_mock_opts_t o = KFK_MOCK_OPTS_INIT;
    kfk_mock_t *m = (kfk_mock_t *)1;
    char err[256];
    o.brokers = 0;
    cr_assert_eq(kfk_mock_new(&loop, &o, &m, err, sizeof err), KFK_ERR__INVALID_ARG);
    cr_assert_null(m);
    cr_assert_gt(strlen(err), 0);
    o.brokers = 65;
    cr_assert_eq(kfk_mock_new(&loop, &o, &m, err, sizeof err), KFK_ERR__INVALID_ARG);
    o = (kfk_mock_opts_t)KFK_MOCK_OPTS_INIT;
    o.struct_size = 0;
    cr_assert_eq(kfk_mock_new(&loop, &o, &m, err, sizeof err), KFK_ERR__INVALID_ARG);
    cr_assert(strstr(err, "KFK_MOCK_OPTS_INIT"));
    /* A port already taken: KFK_ERR__TRANSPORT, and the listeners opened close by themselves. */
    kfk_mock_t *first;
    o = (kfk_mock_opts_t)KFK_MOCK_OPTS_INIT;
    cr_assert_eq(kfk_mock_new(&loop, &o, &first, err, sizeof err), KFK_ERR_NONE);
    const char *bs = kfk_mock_bootstrap(first);
    int port = (int)strtol(strchr(bs, ':') + 1, NULL, 10);
    o.brokers = 2;
    o.port = port - 1 > 0 ? port - 1 : port; /* broker 2 (or 1) collides */
    kfk_err_t e = kfk_mock_new(&loop, &o, &m, err, sizeof err);
    if (e == KFK_ERR_NONE) { /* port - 1 was taken by someone else's luck: nothing to check */
        kfk_mock_close(m, NULL, NULL);
    } else {
        cr_assert_eq(e, KFK_ERR__TRANSPORT);
        cr_assert(strstr(err, "cannot listen"), "%s", err);
    }
    kfk_mock_close(first, NULL, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&loop), 0);
}

/* Twenty starts and closes of a 3-broker mock on one loop, each bound on return and closed
 * without a handle left. The startup time is printed (issue 16 asks under 5 ms), not asserted:
 * timings belong in measurements, not in tests. */
Test(mock_server, starts_and_closes_three_brokers_twenty_times) {
    uv_loop_t loop;
    uv_loop_init(&loop);
    kfk_mock_opts_t o = KFK_MOCK_OPTS_INIT;
    o.brokers = 3;
    uint64_t best = UINT64_MAX, first = 0;
    for (int i = 0; i < 20; i++) {
        kfk_mock_t *m;
        uint64_t t0 = uv_hrtime();
        cr_assert_eq(kfk_mock_new(&loop, &o, &m, NULL, 0), KFK_ERR_NONE);
        uint64_t dt = uv_hrtime() - t0;
        if (i == 0)
            first = dt;
        if (dt < best)
            best = dt;
        kfk_mock_close(m, NULL, NULL);
        uv_run(&loop, UV_RUN_DEFAULT);
    }
    fprintf(stderr, "3-broker mock startup: first %.3f ms, best of 20 %.3f ms\n",
            (double)first / 1e6, (double)best / 1e6);
    cr_assert_eq(uv_loop_close(&loop), 0);
}

/* ---- wire faults and ordering ------------------------------------------------------------------
 */

static int32_t send_api_versions(client_t *c) {
    kfk_api_versions_request_t q = {KFK_STR("kfk-test"), KFK_STR("1.0"), {NULL, 0}};
    return client_send(c, KFK_API_API_VERSIONS, 3, &q);
}

static void add_wire(kfk_mock_t *m, kfk_mock_fault_kind_t kind, int64_t at, const void *bytes,
                     size_t n, int64_t delay_ms) {
    kfk_mock_fault_t fl = KFK_MOCK_FAULT_INIT;
    fl.kind = kind;
    fl.api_key = KFK_API_API_VERSIONS;
    fl.at = at;
    fl.bytes = bytes;
    fl.bytes_len = n;
    fl.delay_ms = delay_ms;
    cr_assert_eq(kfk_mock_fault_add(m, &fl), KFK_ERR_NONE);
}

/* Waits for @p n requests served in all, then lets the loop write what it will. */
static void wait_served(fixture_t *f, uint64_t n) {
    uint64_t t0 = uv_hrtime();
    while (kfk_mock_requests(f->m, -1) < n && uv_hrtime() - t0 < DEADLINE_MS * 1000000ull)
        uv_run(&f->loop, UV_RUN_ONCE);
    cr_assert_eq(kfk_mock_requests(f->m, -1), n);
}

Test(mock_server, applies_wire_faults_to_answers) {
    fixture_t f;
    start(&f, 1, 1);
    client_t c;
    size_t len;
    uint8_t *frame;

    /* The plain answer, for comparison. */
    cr_assert_eq(client_open(&c, &f.loop, f.ports[0]), 1);
    int32_t corr = send_api_versions(&c);
    uint8_t *plain = client_recv(&c, &len);
    size_t plain_len = len;
    cr_assert_eq(kfk_response_correlation_id(plain, len), corr);

    /* PATCH: two bytes at offset 4 of the frame (size included): the correlation id's top. */
    add_wire(f.m, KFK_MOCK_FAULT_PATCH, 4, "\xab\xcd", 2, 0);
    send_api_versions(&c);
    frame = client_recv(&c, &len);
    cr_assert_eq(len, plain_len);
    cr_assert_eq(frame[0], 0xab);
    cr_assert_eq(frame[1], 0xcd);
    cr_assert_arr_eq(frame + 4, plain + 4, len - 4);
    free(frame);

    /* REPLACE: the bytes given are the whole answer. */
    add_wire(f.m, KFK_MOCK_FAULT_REPLACE, 0, "\0\0\0\4\0\0\0\x09", 8, 0);
    send_api_versions(&c);
    frame = client_recv(&c, &len);
    cr_assert_eq(len, 4);
    cr_assert_eq(kfk_response_correlation_id(frame, len), 9);
    free(frame);

    /* DELAY: the answer comes no earlier than asked. */
    add_wire(f.m, KFK_MOCK_FAULT_DELAY, 0, NULL, 0, 60);
    uint64_t t0 = uv_hrtime();
    send_api_versions(&c);
    frame = client_recv(&c, &len);
    cr_assert_geq(uv_hrtime() - t0, 55000000ull);
    cr_assert_eq(len, plain_len);
    free(frame);

    /* CLOSE_AFTER: the answer whole, then the end. */
    add_wire(f.m, KFK_MOCK_FAULT_CLOSE_AFTER, 0, NULL, 0, 0);
    send_api_versions(&c);
    frame = client_recv(&c, &len);
    cr_assert_eq(len, plain_len);
    free(frame);
    cr_assert(run_until(&f.loop, &c.eof));
    client_close(&c);

    /* TRUNCATE: 10 bytes, then the end. */
    cr_assert_eq(client_open(&c, &f.loop, f.ports[0]), 1);
    add_wire(f.m, KFK_MOCK_FAULT_TRUNCATE, 10, NULL, 0, 0);
    send_api_versions(&c);
    cr_assert(run_until(&f.loop, &c.eof));
    cr_assert_eq(c.len, 10);
    client_close(&c);

    /* CLOSE_BEFORE: the end and no byte. */
    cr_assert_eq(client_open(&c, &f.loop, f.ports[0]), 1);
    add_wire(f.m, KFK_MOCK_FAULT_CLOSE_BEFORE, 0, NULL, 0, 0);
    send_api_versions(&c);
    cr_assert(run_until(&f.loop, &c.eof));
    cr_assert_eq(c.len, 0);
    client_close(&c);

    /* SILENCE: no answer, now or later, while another connection is answered. */
    cr_assert_eq(client_open(&c, &f.loop, f.ports[0]), 1);
    add_wire(f.m, KFK_MOCK_FAULT_SILENCE, 0, NULL, 0, 0);
    uint64_t served = kfk_mock_requests(f.m, -1);
    send_api_versions(&c);
    wait_served(&f, served + 1);
    send_api_versions(&c);
    client_t c2;
    cr_assert_eq(client_open(&c2, &f.loop, f.ports[0]), 1);
    send_api_versions(&c2);
    frame = client_recv(&c2, &len);
    cr_assert_eq(len, plain_len);
    free(frame);
    uv_run(&f.loop, UV_RUN_NOWAIT);
    cr_assert_eq(c.len, 0);
    cr_assert_eq(c.eof, 0);
    cr_assert_eq(kfk_mock_requests(f.m, -1), served + 2, "the silenced connection reads no more");
    client_close(&c2);
    client_close(&c);
    free(plain);
    stop(&f);
}

Test(mock_server, answers_pipelined_requests_in_order) {
    fixture_t f;
    start(&f, 1, 1);
    client_t c;
    cr_assert_eq(client_open(&c, &f.loop, f.ports[0]), 1);
    /* Five requests in one write: five answers, in order. */
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    kfk_api_versions_request_t av = {KFK_STR("kfk-test"), KFK_STR("1.0"), {NULL, 0}};
    kfk_metadata_request_t md = {.topics = {NULL, -1}};
    for (int32_t i = 0; i < 5; i++) {
        kfk_request_header_t h = {i % 2 ? KFK_API_METADATA : KFK_API_API_VERSIONS,
                                  (int16_t)(i % 2 ? 12 : 3),
                                  100 + i,
                                  KFK_STR("t"),
                                  {NULL, 0}};
        cr_assert_eq(kfk_request_encode(&w, &h, i % 2 ? (const void *)&md : &av), 0);
    }
    client_send_raw(&c, w.data, w.len);
    kfk_wbuf_free(&w);
    for (int32_t i = 0; i < 5; i++) {
        size_t len;
        uint8_t *frame = client_recv(&c, &len);
        cr_assert_eq(kfk_response_correlation_id(frame, len), 100 + i);
        free(frame);
    }
    cr_assert_eq(kfk_mock_requests(f.m, KFK_API_METADATA), 2);
    cr_assert_eq(kfk_mock_requests(f.m, KFK_API_API_VERSIONS), 3);
    client_close(&c);
    stop(&f);
}

Test(mock_server, handlers_answer_injected_errors_per_topic) {
    fixture_t f;
    start(&f, 2, 1);
    cr_assert_eq(kfk_mock_topic_create(f.m, "t", 2, 1), KFK_ERR_NONE);
    char err[256];
    cr_assert_eq(
        kfk_mock_fault_parse(f.m,
                             "api=Metadata,topic=t,partition=1,error=NOT_LEADER_OR_FOLLOWER;"
                             "api=CreateTopics,error=POLICY_VIOLATION",
                             err, sizeof err),
        KFK_ERR_NONE, "%s", err);
    client_t c;
    cr_assert_eq(client_open(&c, &f.loop, f.ports[0]), 1);
    kfk_arena_t a = {0};
    uint8_t *frame;
    kfk_metadata_response_t *md = metadata(&c, 12, "t", 0, &a, &frame);
    const kfk_metadata_response_topic_t *t = md_topic(md, "t");
    cr_assert_eq(t->error_code, 0);
    cr_assert_eq(KFK_ARRAY_AT(t->partitions, kfk_metadata_response_partition_t, 0).error_code, 0);
    cr_assert_eq(KFK_ARRAY_AT(t->partitions, kfk_metadata_response_partition_t, 1).error_code,
                 KFK_ERR_NOT_LEADER_OR_FOLLOWER);
    kfk_arena_free(&a);
    free(frame);
    kfk_create_topics_request_creatable_topic_t ts[] = {CT("n1", 1, 1), CT("n2", 1, 1)};
    kfk_create_topics_response_t *r = create(&c, 7, ts, 2, 0, &a, &frame);
    const kfk_create_topics_response_creatable_topic_result_t *o =
        &KFK_ARRAY_AT(r->topics, kfk_create_topics_response_creatable_topic_result_t, 0);
    cr_assert_eq(o[0].error_code, KFK_ERR_POLICY_VIOLATION);
    cr_assert_eq(o[1].error_code, 0, "a fault of count 1 applies once");
    kfk_arena_free(&a);
    free(frame);
    client_close(&c);
    stop(&f);
}
