/*
 * test_data.c: the mock's data plane handlers (src/mock/h_data.c) called directly, with no
 * socket, on a mock started with kfk_mock_new: each request is encoded and decoded as server.c
 * would (kfk_request_encode / kfk_request_decode), handed to the handler, and its answer taken
 * by the request's reply hook, encoded at its version and decoded back as a client would.
 * Produce then Fetch the same bytes with rewritten offsets, acks=0, the idempotent producer's
 * sequence rules, per-partition errors and injected faults, OFFSET_OUT_OF_RANGE, byte limits,
 * the long poll answered by a Produce, by its timeout and dropped by the close, the log cap
 * moving log_start, and ListOffsets (earliest, latest, by timestamp, the largest timestamp).
 * Every test closes the mock and ends with uv_loop_close == 0.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <uv.h>

#include "mock/mock_int.h"
#include "protocol/mem.h"
#include "protocol/records.h"

/* ---- the harness ----------------------------------------------------------------------- */

/* What a request's reply hook received: the answer as a client would read it. */
typedef struct {
    int calls;
    int nulls; /* answers of NULL: dropped requests */
    int16_t api, version;
    kfk_arena_t arena;
    uint8_t *frame;
    void *body; /* the decoded answer, in arena, pointing into frame */
} capture_t;

static uv_loop_t loop;
static kfk_mock_t *mock;
static int closed;

static void on_mock_closed(kfk_mock_t *m, void *opaque) {
    (void)m;
    *(int *)opaque = 1;
}

static void start(int32_t brokers, int64_t cap, int auto_create) {
    cr_assert_eq(uv_loop_init(&loop), 0);
    kfk_mock_opts_t o = KFK_MOCK_OPTS_INIT;
    o.brokers = brokers;
    o.log_cap_bytes = cap;
    o.auto_create_topics = auto_create;
    char err[256] = "";
    cr_assert_eq(kfk_mock_new(&loop, &o, &mock, err, sizeof err), KFK_ERR_NONE, "%s", err);
    closed = 0;
}

static void stop(void) {
    kfk_mock_close(mock, on_mock_closed, &closed);
    uint64_t deadline = uv_now(&loop) + 5000;
    while (!closed && uv_now(&loop) < deadline)
        uv_run(&loop, UV_RUN_ONCE);
    cr_assert(closed, "the mock did not close");
    cr_assert_eq(uv_run(&loop, UV_RUN_NOWAIT), 0);
    cr_assert_eq(uv_loop_close(&loop), 0);
}

/* Frees the answer held and forgets the counts. */
static void cap_free(capture_t *c) {
    kfk_arena_free(&c->arena);
    kfk__free(c->frame);
    memset(c, 0, sizeof *c);
}

static void on_reply(kfk__mreq_t *req, const void *resp, void *opaque) {
    capture_t *c = opaque;
    c->calls++;
    if (!resp) {
        c->nulls++;
        return;
    }
    kfk_arena_free(&c->arena);
    kfk__free(c->frame);
    c->api = req->hdr.api_key;
    c->version = req->hdr.api_version;
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    cr_assert_eq(kfk_response_encode(&w, c->api, c->version, req->hdr.correlation_id, resp),
                 KFK_ERR_NONE, "the answer does not encode at v%d", c->version);
    cr_assert_gt(w.len, 4);
    c->frame = kfk__malloc(w.len - 4);
    cr_assert_not_null(c->frame);
    memcpy(c->frame, w.data + 4, w.len - 4);
    int32_t corr = -1;
    cr_assert_eq(
        kfk_response_decode(c->frame, w.len - 4, c->api, c->version, &corr, &c->arena, &c->body),
        KFK_ERR_NONE);
    cr_assert_eq(corr, req->hdr.correlation_id);
    kfk_wbuf_free(&w);
}

/* A request to @p broker as server.c makes one from a frame, answered into @p c. */
static kfk__mreq_t *mkreq(int32_t broker, int16_t api, int16_t v, const void *body, capture_t *c) {
    kfk_request_header_t h = {api, v, 42, KFK_STR("test"), {NULL, 0}};
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    cr_assert_eq(kfk_request_encode(&w, &h, body), KFK_ERR_NONE);
    kfk__mreq_t *req = kfk__calloc(1, sizeof *req);
    cr_assert_not_null(req);
    req->len = w.len - 4;
    req->frame = kfk__malloc(req->len);
    memcpy(req->frame, w.data + 4, req->len);
    kfk_wbuf_free(&w);
    kfk_arena_init(&req->arena);
    cr_assert_eq(kfk_request_decode(req->frame, req->len, &req->hdr, &req->arena, &req->body),
                 KFK_ERR_NONE);
    req->m = mock;
    req->broker = kfk__mock_broker(mock, broker);
    cr_assert_not_null(req->broker);
    req->reply_hook = on_reply;
    req->reply_opaque = c;
    return req;
}

/* Runs @p h on @p req as server.c does; returns what the handler returned. */
static int serve(kfk__mock_handler_t h, kfk__mreq_t *req) {
    void *resp = NULL;
    int r = h(req, &resp);
    if (r != KFK__MOCK_LATER)
        kfk__mock_reply(req, r == KFK__MOCK_REPLY ? resp : NULL);
    return r;
}

/* A batch of @p n records (timestamps ts0, ts0 + 1, ...), idempotent when @p pid >= 0. */
typedef struct {
    kfk_wbuf_t buf;
} tbatch_t;

static void build(tbatch_t *t, int n, int64_t ts0, int64_t pid, int16_t epoch, int32_t seq) {
    kfk_wbuf_init(&t->buf);
    kfk_record_batch_builder_t b;
    cr_assert_eq(kfk_record_batch_builder_begin(&b, &t->buf), KFK_ERR_NONE);
    for (int i = 0; i < n; i++) {
        char v[32];
        int len = snprintf(v, sizeof v, "value-%d", i);
        kfk_bytes_t key = {(const uint8_t *)"key", 3};
        kfk_bytes_t value = {(const uint8_t *)v, len};
        cr_assert_eq(kfk_record_batch_builder_append(&b, key, value, NULL, 0, ts0 + i), 0);
    }
    kfk_record_batch_attrs_t attrs = KFK_RECORD_BATCH_ATTRS_INIT;
    attrs.producer_id = pid;
    attrs.producer_epoch = pid >= 0 ? epoch : -1;
    attrs.base_sequence = pid >= 0 ? seq : -1;
    cr_assert_eq(kfk_record_batch_builder_finish(&b, &attrs), KFK_ERR_NONE);
}

static kfk_bytes_t bytes_of(const tbatch_t *t) {
    return (kfk_bytes_t){t->buf.data, (int32_t)t->buf.len};
}

/* Produce of @p records to @p topic / @p partition: the handler's return, the answer in c. */
static int produce(int32_t broker, int16_t v, int16_t acks, const char *topic, int32_t partition,
                   kfk_bytes_t records, capture_t *c) {
    kfk_produce_request_partition_produce_data_t pd = {.index = partition, .records = records};
    kfk_produce_request_topic_produce_data_t td = {.name = kfk_str_c(topic),
                                                   .partition_data = {&pd, 1}};
    kfk_produce_request_t q = {
        .transactional_id = {NULL, -1}, .acks = acks, .timeout_ms = 1000, .topic_data = {&td, 1}};
    return serve(kfk__mock_produce, mkreq(broker, KFK_API_PRODUCE, v, &q, c));
}

static const kfk_produce_response_partition_produce_response_t *produced(const capture_t *c) {
    const kfk_produce_response_t *r = c->body;
    cr_assert_not_null(r);
    cr_assert_eq(r->responses.count, 1);
    const kfk_produce_response_topic_produce_response_t *t = r->responses.items;
    cr_assert_eq(t->partition_responses.count, 1);
    return t->partition_responses.items;
}

/* Produces and expects @p err; returns the base offset answered. */
static int64_t produce_ok(const char *topic, int32_t partition, const tbatch_t *b, int16_t err) {
    capture_t c = {0};
    cr_assert_eq(produce(1, 9, -1, topic, partition, bytes_of(b), &c), KFK__MOCK_REPLY);
    cr_assert_eq(c.calls, 1);
    const kfk_produce_response_partition_produce_response_t *p = produced(&c);
    cr_assert_eq(p->error_code, err, "%s, expected %s", kfk_err_name(p->error_code),
                 kfk_err_name(err));
    int64_t base = p->base_offset;
    cap_free(&c);
    return base;
}

typedef struct {
    const char *topic;
    int32_t partition;
    int64_t offset;
    int32_t max_bytes;
} fpart_t;

/* Fetch of @p n partitions (all of one topic each, in order). */
static int fetch(int32_t broker, int16_t v, int32_t max_wait, int32_t min_bytes, int32_t max_bytes,
                 const fpart_t *parts, int n, capture_t *c) {
    kfk_fetch_request_fetch_partition_t fp[8];
    kfk_fetch_request_fetch_topic_t ft[8];
    cr_assert_leq(n, 8);
    for (int i = 0; i < n; i++) {
        fp[i] = (kfk_fetch_request_fetch_partition_t){.partition = parts[i].partition,
                                                      .current_leader_epoch = -1,
                                                      .fetch_offset = parts[i].offset,
                                                      .last_fetched_epoch = -1,
                                                      .log_start_offset = -1,
                                                      .partition_max_bytes = parts[i].max_bytes};
        ft[i] = (kfk_fetch_request_fetch_topic_t){.topic = kfk_str_c(parts[i].topic),
                                                  .partitions = {&fp[i], 1}};
    }
    kfk_fetch_request_t q = {.cluster_id = {NULL, -1},
                             .replica_id = -1,
                             .max_wait_ms = max_wait,
                             .min_bytes = min_bytes,
                             .max_bytes = max_bytes,
                             .session_epoch = -1,
                             .topics = {ft, n},
                             .rack_id = {"", 0}};
    return serve(kfk__mock_fetch, mkreq(broker, KFK_API_FETCH, v, &q, c));
}

static const kfk_fetch_response_partition_data_t *fetched(const capture_t *c, int i) {
    const kfk_fetch_response_t *r = c->body;
    cr_assert_not_null(r);
    cr_assert_gt(r->responses.count, i);
    const kfk_fetch_response_fetchable_topic_response_t *t =
        &KFK_ARRAY_AT(r->responses, kfk_fetch_response_fetchable_topic_response_t, i);
    cr_assert_eq(t->partitions.count, 1);
    return t->partitions.items;
}

/* The base offsets of the batches of a records blob; their count. */
static int batches_of(kfk_bytes_t records, int64_t *bases, int max) {
    kfk_record_batch_reader_t r;
    kfk_record_batch_t b;
    kfk_record_batch_reader_init(&r, records.ptr, records.len > 0 ? (size_t)records.len : 0);
    int n = 0;
    while (kfk_record_batch_next(&r, &b)) {
        cr_assert_lt(n, max);
        bases[n++] = b.base_offset;
    }
    cr_assert_eq(r.err, KFK_ERR_NONE);
    cr_assert(!r.truncated);
    return n;
}

/* ListOffsets of one partition at @p ts, version @p v. */
static const kfk_list_offsets_response_list_offsets_partition_response_t *
list_offsets(int16_t v, const char *topic, int32_t partition, int64_t ts, capture_t *c) {
    kfk_list_offsets_request_list_offsets_partition_t lp = {
        .partition_index = partition, .current_leader_epoch = -1, .timestamp = ts};
    kfk_list_offsets_request_list_offsets_topic_t lt = {.name = kfk_str_c(topic),
                                                        .partitions = {&lp, 1}};
    kfk_list_offsets_request_t q = {.replica_id = -1, .topics = {&lt, 1}};
    cr_assert_eq(serve(kfk__mock_list_offsets, mkreq(1, KFK_API_LIST_OFFSETS, v, &q, c)),
                 KFK__MOCK_REPLY);
    const kfk_list_offsets_response_t *r = c->body;
    cr_assert_eq(r->topics.count, 1);
    const kfk_list_offsets_response_list_offsets_topic_response_t *t = r->topics.items;
    cr_assert_eq(t->partitions.count, 1);
    return t->partitions.items;
}

/* ---- Produce and Fetch ------------------------------------------------------------------ */

Test(mock_data, produce_then_fetch_returns_the_producers_bytes_with_offsets_rewritten) {
    start(1, 1 << 20, 0);
    cr_assert_eq(kfk_mock_topic_create(mock, "t", 2, 1), KFK_ERR_NONE);
    tbatch_t b1, b2;
    build(&b1, 3, 1000, -1, 0, 0);
    build(&b2, 2, 2000, -1, 0, 0);
    cr_assert_eq(produce_ok("t", 0, &b1, 0), 0);
    cr_assert_eq(produce_ok("t", 0, &b2, 0), 3);
    cr_assert_eq(produce_ok("t", 1, &b2, 0), 0);

    /* Every Fetch version kfk speaks reads the same bytes back. */
    for (int16_t v = 4; v <= 12; v++) {
        capture_t c = {0};
        fpart_t fp = {"t", 0, 0, 1 << 20};
        cr_assert_eq(fetch(1, v, 0, 1, 1 << 20, &fp, 1, &c), KFK__MOCK_REPLY);
        const kfk_fetch_response_partition_data_t *pd = fetched(&c, 0);
        cr_assert_eq(pd->error_code, 0, "v%d: %s", v, kfk_err_name(pd->error_code));
        cr_assert_eq(pd->high_watermark, 5);
        cr_assert_eq(pd->last_stable_offset, 5);
        if (v >= 5)
            cr_assert_eq(pd->log_start_offset, 0);
        cr_assert_eq((size_t)pd->records.len, b1.buf.len + b2.buf.len);
        const uint8_t *r = pd->records.ptr;
        /* Offsets 0 and 3, the leader's epoch, the rest byte for byte. */
        cr_assert_eq(kfk__rd64(r), 0);
        cr_assert_eq(memcmp(r + RB_MAGIC, b1.buf.data + RB_MAGIC, b1.buf.len - RB_MAGIC), 0);
        const uint8_t *r2 = r + b1.buf.len;
        cr_assert_eq(kfk__rd64(r2), 3);
        cr_assert_eq(memcmp(r2 + RB_MAGIC, b2.buf.data + RB_MAGIC, b2.buf.len - RB_MAGIC), 0);
        int32_t epoch = kfk__mock_topic(mock, "t", 1)->parts[0].leader_epoch;
        cr_assert_eq((int32_t)kfk__rd32(r + RB_LEADER_EPOCH), epoch);
        int64_t bases[4];
        cr_assert_eq(batches_of(pd->records, bases, 4), 2); /* the CRCs hold */
        cap_free(&c);
    }

    /* From inside the second batch: that batch whole; at the end: nothing, no error. */
    capture_t c = {0};
    fpart_t fp[2] = {{"t", 0, 4, 1 << 20}, {"t", 1, 2, 1 << 20}};
    cr_assert_eq(fetch(1, 12, 0, 1, 1 << 20, fp, 2, &c), KFK__MOCK_REPLY);
    int64_t bases[4];
    cr_assert_eq(batches_of(fetched(&c, 0)->records, bases, 4), 1);
    cr_assert_eq(bases[0], 3);
    cr_assert_eq(fetched(&c, 1)->error_code, 0);
    cr_assert_eq(fetched(&c, 1)->records.len, 0);
    cr_assert_eq(fetched(&c, 1)->high_watermark, 2);
    cap_free(&c);

    kfk_wbuf_free(&b1.buf);
    kfk_wbuf_free(&b2.buf);
    stop();
}

Test(mock_data, acks_zero_appends_and_answers_nothing) {
    start(1, 1 << 20, 0);
    cr_assert_eq(kfk_mock_topic_create(mock, "t", 1, 1), KFK_ERR_NONE);
    tbatch_t b;
    build(&b, 4, 1000, -1, 0, 0);
    capture_t c = {0};
    cr_assert_eq(produce(1, 3, 0, "t", 0, bytes_of(&b), &c), KFK__MOCK_NO_REPLY);
    cr_assert_eq(c.calls, 1);
    cr_assert_eq(c.nulls, 1);
    cr_assert_eq(kfk__mock_topic(mock, "t", 1)->parts[0].log.hwm, 4);
    /* Even an error gets no answer. */
    cr_assert_eq(produce(1, 3, 0, "t", 7, bytes_of(&b), &c), KFK__MOCK_NO_REPLY);
    cr_assert_eq(c.nulls, 2);
    kfk_wbuf_free(&b.buf);
    stop();
}

Test(mock_data, produce_errors_per_partition) {
    start(2, 1 << 20, 0);
    cr_assert_eq(kfk_mock_topic_create(mock, "t", 2, 1), KFK_ERR_NONE);
    kfk__mtopic_t *t = kfk__mock_topic(mock, "t", 1);
    int32_t other = t->parts[0].leader == 1 ? 1 : 0; /* the partition broker 2 leads */
    cr_assert_eq(t->parts[other].leader, 2);
    tbatch_t b;
    build(&b, 2, 1000, -1, 0, 0);

    produce_ok("nope", 0, &b, KFK_ERR_UNKNOWN_TOPIC_OR_PARTITION);
    produce_ok("t", 2, &b, KFK_ERR_UNKNOWN_TOPIC_OR_PARTITION);
    produce_ok("t", -1, &b, KFK_ERR_UNKNOWN_TOPIC_OR_PARTITION);
    produce_ok("t", other, &b, KFK_ERR_NOT_LEADER_OR_FOLLOWER);

    /* v10+ names the leader (KIP-951). */
    capture_t c = {0};
    cr_assert_eq(produce(1, 11, 1, "t", other, bytes_of(&b), &c), KFK__MOCK_REPLY);
    const kfk_produce_response_partition_produce_response_t *p = produced(&c);
    cr_assert_eq(p->error_code, KFK_ERR_NOT_LEADER_OR_FOLLOWER);
    cr_assert_eq(p->current_leader.leader_id, 2);
    cr_assert_eq(p->current_leader.leader_epoch, t->parts[other].leader_epoch);
    const kfk_produce_response_t *r = c.body;
    cr_assert_eq(r->node_endpoints.count, 1);
    const kfk_produce_response_node_endpoint_t *ep = r->node_endpoints.items;
    cr_assert_eq(ep->node_id, 2);
    cr_assert_eq(ep->port, kfk__mock_broker(mock, 2)->port);
    cap_free(&c);

    /* acks must be 0, 1 or -1. */
    cr_assert_eq(produce(1, 9, 2, "t", 1 - other, bytes_of(&b), &c), KFK__MOCK_REPLY);
    cr_assert_eq(produced(&c)->error_code, KFK_ERR_INVALID_REQUIRED_ACKS);
    cap_free(&c);

    /* Bytes that are not one good v2 batch. */
    uint8_t junk[80];
    memcpy(junk, b.buf.data, sizeof junk < b.buf.len ? sizeof junk : b.buf.len);
    junk[RB_MAGIC] = 1;
    cr_assert_eq(produce(1, 9, 1, "t", 1 - other, (kfk_bytes_t){junk, sizeof junk}, &c),
                 KFK__MOCK_REPLY);
    cr_assert_eq(produced(&c)->error_code, KFK_ERR_CORRUPT_MESSAGE);
    cap_free(&c);
    cr_assert_eq(produce(1, 9, 1, "t", 1 - other, (kfk_bytes_t){NULL, -1}, &c), KFK__MOCK_REPLY);
    cr_assert_eq(produced(&c)->error_code, KFK_ERR_INVALID_RECORD);
    cap_free(&c);

    /* An injected fault answers first, and nothing is appended. */
    kfk_mock_fault_t f = KFK_MOCK_FAULT_INIT;
    f.api_key = KFK_API_PRODUCE;
    f.topic = "t";
    f.partition = 1 - other;
    f.error = KFK_ERR_NOT_ENOUGH_REPLICAS;
    cr_assert_eq(kfk_mock_fault_add(mock, &f), KFK_ERR_NONE);
    produce_ok("t", 1 - other, &b, KFK_ERR_NOT_ENOUGH_REPLICAS);
    cr_assert_eq(t->parts[1 - other].log.hwm, 0);
    cr_assert_eq(produce_ok("t", 1 - other, &b, 0), 0);
    kfk_wbuf_free(&b.buf);
    stop();
}

Test(mock_data, produce_creates_an_unknown_topic_when_the_mock_auto_creates) {
    start(1, 1 << 20, 1);
    tbatch_t b;
    build(&b, 2, 1000, -1, 0, 0);
    cr_assert_eq(produce_ok("fresh", 0, &b, 0), 0);
    kfk__mtopic_t *t = kfk__mock_topic(mock, "fresh", 5);
    cr_assert_not_null(t);
    cr_assert_eq(t->parts[0].log.hwm, 2);
    produce_ok("bad/name", 0, &b, KFK_ERR_INVALID_TOPIC_EXCEPTION);
    kfk_wbuf_free(&b.buf);
    stop();
}

/* ---- idempotent producers ---------------------------------------------------------------- */

Test(mock_data, idempotent_producers_get_kafkas_sequence_checks) {
    start(1, 1 << 20, 0);
    cr_assert_eq(kfk_mock_topic_create(mock, "t", 1, 1), KFK_ERR_NONE);
    kfk__mlog_t *log = &kfk__mock_topic(mock, "t", 1)->parts[0].log;
    tbatch_t b[8];
    /* Producer 1000, epoch 0: batches of 2 records at sequences 0, 2, 4, ... */
    for (int i = 0; i < 8; i++)
        build(&b[i], 2, 1000 + i, 1000, 0, 2 * i);
    cr_assert_eq(produce_ok("t", 0, &b[0], 0), 0);
    cr_assert_eq(produce_ok("t", 0, &b[1], 0), 2);

    /* A retry of either batch: its first answer again, nothing appended; Kafka also puts the
     * batch's MaxTimestamp in log_append_time_ms then. */
    capture_t c = {0};
    cr_assert_eq(produce(1, 9, -1, "t", 0, bytes_of(&b[1]), &c), KFK__MOCK_REPLY);
    cr_assert_eq(produced(&c)->error_code, 0);
    cr_assert_eq(produced(&c)->base_offset, 2);
    cr_assert_eq(produced(&c)->log_append_time_ms, 1002);
    cap_free(&c);
    cr_assert_eq(produce_ok("t", 0, &b[0], 0), 0);
    cr_assert_eq(log->hwm, 4);

    /* A gap: OUT_OF_ORDER_SEQUENCE_NUMBER, nothing appended. */
    produce_ok("t", 0, &b[3], KFK_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
    cr_assert_eq(log->hwm, 4);
    for (int i = 2; i < 8; i++)
        cr_assert_eq(produce_ok("t", 0, &b[i], 0), 2 * i);

    /* Only the last 5 batches are remembered: b[2] is now too old to be a duplicate. */
    cr_assert_eq(produce_ok("t", 0, &b[3], 0), 6);
    produce_ok("t", 0, &b[2], KFK_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER);

    /* A new epoch starts at 0; after it, the old epoch is fenced. */
    tbatch_t e1;
    build(&e1, 1, 3000, 1000, 1, 16);
    produce_ok("t", 0, &e1, KFK_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
    kfk_wbuf_free(&e1.buf);
    build(&e1, 1, 3000, 1000, 1, 0);
    cr_assert_eq(produce_ok("t", 0, &e1, 0), 16);
    produce_ok("t", 0, &b[7], KFK_ERR_INVALID_PRODUCER_EPOCH);
    tbatch_t e0;
    build(&e0, 1, 3000, 1000, 0, 16);
    produce_ok("t", 0, &e0, KFK_ERR_INVALID_PRODUCER_EPOCH);
    cr_assert_eq(log->hwm, 17);

    /* Another producer id starts wherever it likes (no state yet), then must follow on. */
    tbatch_t o1, o2;
    build(&o1, 3, 4000, 2000, 0, 100);
    build(&o2, 1, 4000, 2000, 0, 104);
    cr_assert_eq(produce_ok("t", 0, &o1, 0), 17);
    produce_ok("t", 0, &o2, KFK_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER);

    /* Sequences wrap at INT32_MAX. */
    tbatch_t w1, w2;
    build(&w1, 2, 5000, 3000, 0, INT32_MAX - 1);
    build(&w2, 1, 5000, 3000, 0, 0);
    cr_assert_eq(produce_ok("t", 0, &w1, 0), 20);
    cr_assert_eq(produce_ok("t", 0, &w2, 0), 22);

    for (int i = 0; i < 8; i++)
        kfk_wbuf_free(&b[i].buf);
    kfk_wbuf_free(&e1.buf);
    kfk_wbuf_free(&e0.buf);
    kfk_wbuf_free(&o1.buf);
    kfk_wbuf_free(&o2.buf);
    kfk_wbuf_free(&w1.buf);
    kfk_wbuf_free(&w2.buf);
    stop();
}

Test(mock_data, a_producer_whose_batches_the_cap_dropped_is_forgotten) {
    tbatch_t p0, p1, other;
    build(&p0, 2, 1000, 7, 0, 0);
    build(&p1, 2, 1000, 7, 0, 40);
    build(&other, 2, 1000, -1, 0, 0);
    start(1, (int64_t)(2 * other.buf.len + 8), 0);
    cr_assert_eq(kfk_mock_topic_create(mock, "t", 1, 1), KFK_ERR_NONE);
    kfk__mpartition_t *p = &kfk__mock_topic(mock, "t", 1)->parts[0];
    cr_assert_eq(produce_ok("t", 0, &p0, 0), 0);
    produce_ok("t", 0, &p1, KFK_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER);
    cr_assert_not_null(p->pids);
    produce_ok("t", 0, &other, 0);
    produce_ok("t", 0, &other, 0);
    cr_assert_eq(p->log.log_start, 2);
    cr_assert_null(p->pids);
    /* No state left: any sequence starts it again. */
    cr_assert_eq(produce_ok("t", 0, &p1, 0), 6);
    kfk_wbuf_free(&p0.buf);
    kfk_wbuf_free(&p1.buf);
    kfk_wbuf_free(&other.buf);
    stop();
}

/* ---- Fetch: errors and limits ---------------------------------------------------------- */

Test(mock_data, fetch_errors_per_partition_and_offsets_out_of_range) {
    start(2, 1 << 20, 0);
    cr_assert_eq(kfk_mock_topic_create(mock, "t", 2, 1), KFK_ERR_NONE);
    kfk__mtopic_t *t = kfk__mock_topic(mock, "t", 1);
    int32_t mine = t->parts[0].leader == 1 ? 0 : 1;
    tbatch_t b;
    build(&b, 3, 1000, -1, 0, 0);
    produce_ok("t", mine, &b, 0);

    capture_t c = {0};
    fpart_t fp[5] = {{"t", mine, 4, 1 << 20},
                     {"t", mine, -1, 1 << 20},
                     {"t", 1 - mine, 0, 1 << 20},
                     {"nope", 0, 0, 1 << 20},
                     {"t", mine, 0, 1 << 20}};
    /* An error answers at once, however long the wait and large min_bytes. */
    cr_assert_eq(fetch(1, 11, 10000, 1 << 20, 1 << 20, fp, 5, &c), KFK__MOCK_REPLY);
    cr_assert_eq(fetched(&c, 0)->error_code, KFK_ERR_OFFSET_OUT_OF_RANGE);
    cr_assert_eq(fetched(&c, 0)->high_watermark, -1);
    cr_assert_eq(fetched(&c, 0)->log_start_offset, -1);
    cr_assert_eq(fetched(&c, 0)->records.len, 0);
    cr_assert_eq(fetched(&c, 1)->error_code, KFK_ERR_OFFSET_OUT_OF_RANGE);
    cr_assert_eq(fetched(&c, 2)->error_code, KFK_ERR_NOT_LEADER_OR_FOLLOWER);
    cr_assert_eq(fetched(&c, 3)->error_code, KFK_ERR_UNKNOWN_TOPIC_OR_PARTITION);
    cr_assert_eq(fetched(&c, 4)->error_code, 0);
    cr_assert_eq(fetched(&c, 4)->high_watermark, 3);
    cr_assert_eq((size_t)fetched(&c, 4)->records.len, b.buf.len);
    cap_free(&c);

    /* The leader epoch (v9+): older is fenced, newer unknown. */
    kfk_fetch_request_fetch_partition_t p = {.partition = mine,
                                             .current_leader_epoch =
                                                 t->parts[mine].leader_epoch + 1,
                                             .fetch_offset = 0,
                                             .last_fetched_epoch = -1,
                                             .log_start_offset = -1,
                                             .partition_max_bytes = 1 << 20};
    kfk_fetch_request_fetch_topic_t ft = {.topic = KFK_STR("t"), .partitions = {&p, 1}};
    kfk_fetch_request_t q = {.cluster_id = {NULL, -1},
                             .replica_id = -1,
                             .min_bytes = 1,
                             .max_bytes = 1 << 20,
                             .session_epoch = -1,
                             .topics = {&ft, 1},
                             .rack_id = {"", 0}};
    cr_assert_eq(serve(kfk__mock_fetch, mkreq(1, KFK_API_FETCH, 12, &q, &c)), KFK__MOCK_REPLY);
    cr_assert_eq(fetched(&c, 0)->error_code, KFK_ERR_UNKNOWN_LEADER_EPOCH);
    cap_free(&c);
    p.current_leader_epoch = t->parts[mine].leader_epoch - 1;
    if (p.current_leader_epoch >= 0) {
        cr_assert_eq(serve(kfk__mock_fetch, mkreq(1, KFK_API_FETCH, 12, &q, &c)), KFK__MOCK_REPLY);
        cr_assert_eq(fetched(&c, 0)->error_code, KFK_ERR_FENCED_LEADER_EPOCH);
        cap_free(&c);
    }
    p.current_leader_epoch = t->parts[mine].leader_epoch;
    cr_assert_eq(serve(kfk__mock_fetch, mkreq(1, KFK_API_FETCH, 12, &q, &c)), KFK__MOCK_REPLY);
    cr_assert_eq(fetched(&c, 0)->error_code, 0);
    cap_free(&c);

    /* An injected fault for one partition; the other is served. */
    kfk_mock_fault_t f = KFK_MOCK_FAULT_INIT;
    f.api_key = KFK_API_FETCH;
    f.partition = mine;
    f.error = KFK_ERR_NOT_LEADER_OR_FOLLOWER;
    cr_assert_eq(kfk_mock_fault_add(mock, &f), KFK_ERR_NONE);
    fpart_t two[2] = {{"t", mine, 0, 1 << 20}, {"t", 1 - mine, 0, 1 << 20}};
    cr_assert_eq(fetch(2, 12, 0, 1, 1 << 20, two, 2, &c), KFK__MOCK_REPLY);
    cr_assert_eq(fetched(&c, 0)->error_code, KFK_ERR_NOT_LEADER_OR_FOLLOWER);
    cr_assert_eq(fetched(&c, 1)->error_code, 0);
    cap_free(&c);

    kfk_wbuf_free(&b.buf);
    stop();
}

Test(mock_data, fetch_honours_max_bytes_and_partition_max_bytes_in_whole_batches) {
    start(1, 1 << 20, 0);
    cr_assert_eq(kfk_mock_topic_create(mock, "t", 2, 1), KFK_ERR_NONE);
    tbatch_t b;
    build(&b, 5, 1000, -1, 0, 0);
    size_t one = b.buf.len;
    for (int i = 0; i < 3; i++) {
        produce_ok("t", 0, &b, 0);
        produce_ok("t", 1, &b, 0);
    }
    capture_t c = {0};
    int64_t bases[4];
    /* Partition limit of 2.5 batches: two; the response limit: the rest. */
    fpart_t fp[2] = {{"t", 0, 0, (int32_t)(2 * one + one / 2)}, {"t", 1, 0, 1 << 20}};
    cr_assert_eq(fetch(1, 12, 0, 1, (int32_t)(3 * one), fp, 2, &c), KFK__MOCK_REPLY);
    cr_assert_eq(batches_of(fetched(&c, 0)->records, bases, 4), 2);
    cr_assert_eq(batches_of(fetched(&c, 1)->records, bases, 4), 1);
    cap_free(&c);

    /* Limits below one batch: the first partition with data still gets its first batch, the
     * next nothing (KIP-74). */
    fpart_t tiny[2] = {{"t", 0, 5, 10}, {"t", 1, 0, 10}};
    cr_assert_eq(fetch(1, 12, 0, 1, 10, tiny, 2, &c), KFK__MOCK_REPLY);
    cr_assert_eq(batches_of(fetched(&c, 0)->records, bases, 4), 1);
    cr_assert_eq(bases[0], 5);
    cr_assert_eq(fetched(&c, 1)->records.len, 0);
    cr_assert_eq(fetched(&c, 1)->error_code, 0);
    cap_free(&c);
    kfk_wbuf_free(&b.buf);
    stop();
}

Test(mock_data, the_log_cap_moves_log_start) {
    tbatch_t b;
    build(&b, 4, 1000, -1, 0, 0);
    start(1, (int64_t)(2 * b.buf.len), 0);
    cr_assert_eq(kfk_mock_topic_create(mock, "t", 1, 1), KFK_ERR_NONE);
    for (int i = 0; i < 5; i++)
        cr_assert_eq(produce_ok("t", 0, &b, 0), 4 * i);
    capture_t c = {0};
    cr_assert_eq(produce(1, 9, -1, "t", 0, bytes_of(&b), &c), KFK__MOCK_REPLY);
    cr_assert_eq(produced(&c)->base_offset, 20);
    cr_assert_eq(produced(&c)->log_start_offset, 16);
    cap_free(&c);

    fpart_t fp = {"t", 0, 0, 1 << 20};
    cr_assert_eq(fetch(1, 12, 0, 1, 1 << 20, &fp, 1, &c), KFK__MOCK_REPLY);
    cr_assert_eq(fetched(&c, 0)->error_code, KFK_ERR_OFFSET_OUT_OF_RANGE);
    cap_free(&c);
    fp.offset = 16;
    cr_assert_eq(fetch(1, 12, 0, 1, 1 << 20, &fp, 1, &c), KFK__MOCK_REPLY);
    cr_assert_eq(fetched(&c, 0)->error_code, 0);
    cr_assert_eq(fetched(&c, 0)->log_start_offset, 16);
    cr_assert_eq(fetched(&c, 0)->high_watermark, 24);
    cr_assert_eq((size_t)fetched(&c, 0)->records.len, 2 * b.buf.len);
    cap_free(&c);
    cr_assert_eq(list_offsets(7, "t", 0, KFK__MLOG_EARLIEST, &c)->offset, 16);
    cap_free(&c);
    kfk_wbuf_free(&b.buf);
    stop();
}

/* ---- the long poll ------------------------------------------------------------------- */

Test(mock_data, a_waiting_fetch_is_answered_by_a_produce) {
    start(1, 1 << 20, 0);
    cr_assert_eq(kfk_mock_topic_create(mock, "t", 2, 1), KFK_ERR_NONE);
    tbatch_t b;
    build(&b, 2, 1000, -1, 0, 0);
    capture_t c = {0};
    fpart_t fp[2] = {{"t", 0, 0, 1 << 20}, {"t", 1, 0, 1 << 20}};
    /* Nothing to read: it waits (min_bytes 1, 10 s). */
    cr_assert_eq(fetch(1, 12, 10000, 1, 1 << 20, fp, 2, &c), KFK__MOCK_LATER);
    cr_assert_eq(c.calls, 0);
    uv_run(&loop, UV_RUN_NOWAIT);
    cr_assert_eq(c.calls, 0);
    /* A Produce to the other partition brings enough bytes: answered inside the Produce. */
    uint64_t t0 = uv_now(&loop);
    produce_ok("t", 1, &b, 0);
    cr_assert_eq(c.calls, 1);
    cr_assert_lt(uv_now(&loop) - t0, 1000);
    cr_assert_eq(fetched(&c, 0)->records.len, 0);
    cr_assert_eq((size_t)fetched(&c, 1)->records.len, b.buf.len);
    cr_assert_eq(fetched(&c, 1)->high_watermark, 2);
    cap_free(&c);

    /* min_bytes above one batch: one produce is not enough, the second is. */
    fpart_t at[1] = {{"t", 1, 2, 1 << 20}};
    cr_assert_eq(fetch(1, 12, 10000, (int32_t)(b.buf.len + 1), 1 << 20, at, 1, &c),
                 KFK__MOCK_LATER);
    produce_ok("t", 1, &b, 0);
    cr_assert_eq(c.calls, 0);
    produce_ok("t", 1, &b, 0);
    cr_assert_eq(c.calls, 1);
    int64_t bases[4];
    cr_assert_eq(batches_of(fetched(&c, 0)->records, bases, 4), 2);
    cr_assert_eq(bases[0], 2);
    cap_free(&c);
    kfk_wbuf_free(&b.buf);
    stop();
}

Test(mock_data, a_waiting_fetch_is_answered_when_max_wait_passes) {
    start(1, 1 << 20, 0);
    cr_assert_eq(kfk_mock_topic_create(mock, "t", 1, 1), KFK_ERR_NONE);
    capture_t c = {0};
    fpart_t fp = {"t", 0, 0, 1 << 20};
    uv_update_time(&loop);
    uint64_t t0 = uv_now(&loop);
    cr_assert_eq(fetch(1, 12, 50, 1, 1 << 20, &fp, 1, &c), KFK__MOCK_LATER);
    uint64_t deadline = t0 + 5000;
    while (!c.calls && uv_now(&loop) < deadline)
        uv_run(&loop, UV_RUN_ONCE);
    cr_assert_eq(c.calls, 1);
    cr_assert_eq(c.nulls, 0);
    cr_assert_geq(uv_now(&loop) - t0, 50);
    cr_assert_eq(fetched(&c, 0)->error_code, 0);
    cr_assert_eq(fetched(&c, 0)->records.len, 0);
    cr_assert_eq(fetched(&c, 0)->high_watermark, 0);
    cap_free(&c);

    /* A leader moved while it waited: kfk__mock_data_wake answers it with the error. */
    cr_assert_eq(fetch(1, 12, 10000, 1, 1 << 20, &fp, 1, &c), KFK__MOCK_LATER);
    kfk__mock_topic(mock, "t", 1)->parts[0].leader = 2;
    kfk__mock_data_wake(mock);
    cr_assert_eq(c.calls, 1);
    cr_assert_eq(fetched(&c, 0)->error_code, KFK_ERR_NOT_LEADER_OR_FOLLOWER);
    kfk__mock_topic(mock, "t", 1)->parts[0].leader = 1;
    cap_free(&c);
    stop();
}

Test(mock_data, closing_the_mock_drops_waiting_fetches) {
    start(1, 1 << 20, 0);
    cr_assert_eq(kfk_mock_topic_create(mock, "t", 1, 1), KFK_ERR_NONE);
    capture_t c1 = {0}, c2 = {0};
    fpart_t fp = {"t", 0, 0, 1 << 20};
    cr_assert_eq(fetch(1, 12, 60000, 1, 1 << 20, &fp, 1, &c1), KFK__MOCK_LATER);
    cr_assert_eq(fetch(1, 4, 60000, 1, 1 << 20, &fp, 1, &c2), KFK__MOCK_LATER);
    stop(); /* returns once the mock closed, well before a minute */
    cr_assert_eq(c1.calls, 1);
    cr_assert_eq(c1.nulls, 1);
    cr_assert_eq(c2.nulls, 1);
}

Test(mock_data, a_waiting_fetch_whose_connection_closed_is_dropped) {
    start(1, 1 << 20, 0);
    cr_assert_eq(kfk_mock_topic_create(mock, "t", 1, 1), KFK_ERR_NONE);
    capture_t c = {0};
    kfk_fetch_request_fetch_partition_t p = {.partition = 0,
                                             .current_leader_epoch = -1,
                                             .last_fetched_epoch = -1,
                                             .log_start_offset = -1,
                                             .partition_max_bytes = 1 << 20};
    kfk_fetch_request_fetch_topic_t ft = {.topic = KFK_STR("t"), .partitions = {&p, 1}};
    kfk_fetch_request_t q = {.cluster_id = {NULL, -1},
                             .replica_id = -1,
                             .max_wait_ms = 60000,
                             .min_bytes = 1,
                             .max_bytes = 1 << 20,
                             .session_epoch = -1,
                             .topics = {&ft, 1},
                             .rack_id = {"", 0}};
    kfk__mreq_t *req = mkreq(1, KFK_API_FETCH, 12, &q, &c);
    cr_assert_eq(serve(kfk__mock_fetch, req), KFK__MOCK_LATER);
    /* What server.c leaves of a request whose connection closed: no connection (and here no
     * hook either). The next wake frees it and closes its timer. */
    req->reply_hook = NULL;
    int handles = mock->handles;
    kfk__mock_data_wake(mock);
    uv_run(&loop, UV_RUN_NOWAIT);
    cr_assert_eq(mock->handles, handles - 1);
    cr_assert_eq(c.calls, 0);
    stop();
}

/* ---- ListOffsets ----------------------------------------------------------------------- */

Test(mock_data, list_offsets_earliest_latest_and_by_timestamp) {
    start(1, 1 << 20, 0);
    cr_assert_eq(kfk_mock_topic_create(mock, "t", 1, 1), KFK_ERR_NONE);
    int32_t epoch = kfk__mock_topic(mock, "t", 1)->parts[0].leader_epoch;
    tbatch_t b1, b2;
    build(&b1, 3, 1000, -1, 0, 0); /* offsets 0-2 at 1000-1002 */
    build(&b2, 3, 2000, -1, 0, 0); /* offsets 3-5 at 2000-2002 */
    produce_ok("t", 0, &b1, 0);
    produce_ok("t", 0, &b2, 0);
    capture_t c = {0};
    for (int16_t v = 1; v <= 7; v++) {
        const kfk_list_offsets_response_list_offsets_partition_response_t *p;
        p = list_offsets(v, "t", 0, KFK__MLOG_EARLIEST, &c);
        cr_assert_eq(p->error_code, 0);
        cr_assert_eq(p->offset, 0);
        cr_assert_eq(p->timestamp, -1);
        if (v >= 4)
            cr_assert_eq(p->leader_epoch, epoch);
        cap_free(&c);
        p = list_offsets(v, "t", 0, KFK__MLOG_LATEST, &c);
        cr_assert_eq(p->offset, 6);
        cap_free(&c);
        p = list_offsets(v, "t", 0, 1001, &c);
        cr_assert_eq(p->offset, 1);
        cr_assert_eq(p->timestamp, 1001);
        cap_free(&c);
        p = list_offsets(v, "t", 0, 1500, &c);
        cr_assert_eq(p->offset, 3);
        cr_assert_eq(p->timestamp, 2000);
        cap_free(&c);
        p = list_offsets(v, "t", 0, 3000, &c);
        cr_assert_eq(p->error_code, 0);
        cr_assert_eq(p->offset, -1);
        cr_assert_eq(p->timestamp, -1);
        cap_free(&c);
    }
    const kfk_list_offsets_response_list_offsets_partition_response_t *p;
    p = list_offsets(7, "t", 0, KFK__MLOG_MAX_TIMESTAMP, &c);
    cr_assert_eq(p->offset, 5);
    cr_assert_eq(p->timestamp, 2002);
    cap_free(&c);
    p = list_offsets(7, "t", 3, KFK__MLOG_LATEST, &c);
    cr_assert_eq(p->error_code, KFK_ERR_UNKNOWN_TOPIC_OR_PARTITION);
    cr_assert_eq(p->offset, -1);
    cap_free(&c);
    p = list_offsets(7, "nope", 0, KFK__MLOG_LATEST, &c);
    cr_assert_eq(p->error_code, KFK_ERR_UNKNOWN_TOPIC_OR_PARTITION);
    cap_free(&c);
    kfk_wbuf_free(&b1.buf);
    kfk_wbuf_free(&b2.buf);
    stop();
}
