/*
 * test_fault_records.c: the mock's Fetch-shaping faults and its connection counter:
 * `records=HEX` (a partition's records replaced, the answer encoded normally around them),
 * `bomb=CODEC:BYTES` (one v2 batch, CRC right, that inflates to BYTES zeros in one record's
 * value, built in chunks by src/mock/fault_bomb.c), their text form and refusals, their matching
 * by topic and partition, and kfk_mock_connections. The Fetch handler is called directly with a
 * reply hook (as test_data.c does) and its answer encoded and decoded as a client would read it;
 * the connection counter is driven over loopback. Every test ends with uv_loop_close == 0.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <uv.h>

#include "mock/mock_int.h"
#include "protocol/mem.h"

static uv_loop_t loop;
static kfk_mock_t *mock;
static int closed;
static char err[256];

static void on_mock_closed(kfk_mock_t *m, void *opaque) {
    (void)m;
    *(int *)opaque = 1;
}

static void start(int32_t brokers) {
    cr_assert_eq(uv_loop_init(&loop), 0);
    kfk_mock_opts_t o = KFK_MOCK_OPTS_INIT;
    o.brokers = brokers;
    err[0] = '\0';
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

/* ---- a Fetch served through the handler, its answer encoded and decoded ------------------ */

typedef struct {
    int calls;
    kfk_arena_t arena;
    uint8_t *frame;
    void *body;
} capture_t;

static void cap_free(capture_t *c) {
    kfk_arena_free(&c->arena);
    kfk__free(c->frame);
    memset(c, 0, sizeof *c);
}

static void on_reply(kfk__mreq_t *req, const void *resp, void *opaque) {
    capture_t *c = opaque;
    c->calls++;
    cr_assert_not_null(resp);
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    cr_assert_eq(kfk_response_encode(&w, req->hdr.api_key, req->hdr.api_version,
                                     req->hdr.correlation_id, resp),
                 KFK_ERR_NONE);
    cr_assert_eq(w.nsegs, 0);
    /* The size field says what follows. */
    uint32_t size = (uint32_t)w.data[0] << 24 | (uint32_t)w.data[1] << 16 |
                    (uint32_t)w.data[2] << 8 | w.data[3];
    cr_assert_eq(size, w.len - 4);
    c->frame = kfk__malloc(w.len - 4);
    memcpy(c->frame, w.data + 4, w.len - 4);
    int32_t corr = -1;
    cr_assert_eq(kfk_response_decode(c->frame, w.len - 4, req->hdr.api_key, req->hdr.api_version,
                                     &corr, &c->arena, &c->body),
                 KFK_ERR_NONE);
    cr_assert_eq(corr, req->hdr.correlation_id);
    kfk_wbuf_free(&w);
}

/* Fetches @p topic partitions 0 and 1 from @p offset on broker 1, version @p v (no wait). */
static void fetch2(const char *topic, int16_t v, int64_t offset, capture_t *c) {
    kfk_fetch_request_fetch_partition_t fp[2];
    for (int i = 0; i < 2; i++)
        fp[i] = (kfk_fetch_request_fetch_partition_t){.partition = i,
                                                      .current_leader_epoch = -1,
                                                      .fetch_offset = offset,
                                                      .last_fetched_epoch = -1,
                                                      .log_start_offset = -1,
                                                      .partition_max_bytes = 1 << 20};
    kfk_fetch_request_fetch_topic_t ft = {.topic = kfk_str_c(topic), .partitions = {fp, 2}};
    kfk_fetch_request_t q = {.cluster_id = {NULL, -1},
                             .replica_id = -1,
                             .max_wait_ms = 0,
                             .min_bytes = 1,
                             .max_bytes = 1 << 20,
                             .session_epoch = -1,
                             .topics = {&ft, 1},
                             .rack_id = {"", 0}};
    kfk_request_header_t h = {KFK_API_FETCH, v, 77, KFK_STR("test"), {NULL, 0}};
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    cr_assert_eq(kfk_request_encode(&w, &h, &q), KFK_ERR_NONE);
    kfk__mreq_t *req = kfk__calloc(1, sizeof *req);
    req->len = w.len - 4;
    req->frame = kfk__malloc(req->len);
    memcpy(req->frame, w.data + 4, req->len);
    kfk_wbuf_free(&w);
    kfk_arena_init(&req->arena);
    cr_assert_eq(kfk_request_decode(req->frame, req->len, &req->hdr, &req->arena, &req->body),
                 KFK_ERR_NONE);
    req->m = mock;
    req->broker = kfk__mock_broker(mock, 1);
    req->reply_hook = on_reply;
    req->reply_opaque = c;
    void *resp = NULL;
    cr_assert_eq(kfk__mock_fetch(req, &resp), KFK__MOCK_REPLY);
    kfk__mock_reply(req, resp);
    cr_assert_eq(c->calls, 1);
}

static const kfk_fetch_response_partition_data_t *part(const capture_t *c, int i) {
    const kfk_fetch_response_t *r = c->body;
    cr_assert_eq(r->responses.count, 1);
    const kfk_fetch_response_fetchable_topic_response_t *t = r->responses.items;
    cr_assert_eq(t->partitions.count, 2);
    return &KFK_ARRAY_AT(t->partitions, kfk_fetch_response_partition_data_t, i);
}

Test(mock_fault_records, records_replace_the_matched_partitions_bytes_in_a_valid_answer) {
    start(1);
    cr_assert_eq(kfk_mock_topic_create(mock, "t", 2, 1), KFK_ERR_NONE);
    cr_assert_eq(
        kfk_mock_fault_parse(mock, "topic=t,partition=1,records=DEADBEEF00", err, sizeof err),
        KFK_ERR_NONE, "%s", err);
    const kfk_mock_fault_t *f = kfk__mock_fault_at(mock, 0);
    cr_assert_eq(f->kind, KFK_MOCK_FAULT_RECORDS);
    cr_assert_eq(f->api_key, KFK_API_FETCH, "records faults match Fetch by default");
    for (int16_t v = 4; v <= 12; v += 8) {
        capture_t c = {0};
        if (v == 12)
            cr_assert_eq(kfk_mock_fault_parse(mock, "topic=t,partition=1,records=DEADBEEF00", err,
                                              sizeof err),
                         KFK_ERR_NONE);
        fetch2("t", v, 0, &c);
        cr_assert_eq(part(&c, 0)->error_code, 0);
        cr_assert_eq(part(&c, 0)->records.len, 0, "partition 0 is not matched");
        cr_assert_eq(part(&c, 0)->high_watermark, 0);
        cr_assert_eq(part(&c, 1)->error_code, 0);
        cr_assert_eq(part(&c, 1)->records.len, 5);
        cr_assert_eq(memcmp(part(&c, 1)->records.ptr, "\xde\xad\xbe\xef\x00", 5), 0);
        cr_assert_eq(part(&c, 1)->high_watermark, 1, "a consumer at 0 must see data to read");
        cap_free(&c);
        cr_assert_eq(kfk__mock_fault_count(mock), 0, "used once");
    }
    /* Used up: the next answer is the log's again. */
    capture_t c = {0};
    fetch2("t", 11, 0, &c);
    cr_assert_eq(part(&c, 1)->records.len, 0);
    cap_free(&c);
    stop();
}

Test(mock_fault_records, records_match_topic_and_skip_other_topics) {
    start(1);
    cr_assert_eq(kfk_mock_topic_create(mock, "a", 2, 1), KFK_ERR_NONE);
    cr_assert_eq(kfk_mock_topic_create(mock, "b", 2, 1), KFK_ERR_NONE);
    cr_assert_eq(kfk_mock_fault_parse(mock, "topic=b,count=all,records=0102", err, sizeof err),
                 KFK_ERR_NONE, "%s", err);
    capture_t c = {0};
    fetch2("a", 11, 0, &c);
    cr_assert_eq(part(&c, 0)->records.len, 0);
    cr_assert_eq(part(&c, 1)->records.len, 0);
    cap_free(&c);
    fetch2("b", 11, 0, &c);
    cr_assert_eq(part(&c, 0)->records.len, 2);
    cr_assert_eq(part(&c, 1)->records.len, 2);
    cap_free(&c);
    cr_assert_eq(kfk__mock_fault_count(mock), 1, "count=all stays");
    stop();
}

Test(mock_fault_records, refuses_records_and_bombs_on_other_apis_and_bad_values) {
    start(1);
    cr_assert_eq(kfk_mock_fault_parse(mock, "api=Produce,records=00", err, sizeof err),
                 KFK_ERR__INVALID_ARG);
    cr_assert_str_eq(err, "fault 1: records and bomb faults bend Fetch answers only (api 0)");
    cr_assert_eq(kfk_mock_fault_parse(mock, "bomb=brotli:100", err, sizeof err),
                 KFK_ERR__INVALID_ARG);
    cr_assert(strstr(err, "fault 1: bad bomb 'brotli:100'"), "%s", err);
    cr_assert_eq(kfk_mock_fault_parse(mock, "bomb=gzip:0", err, sizeof err), KFK_ERR__INVALID_ARG);
    cr_assert(strstr(err, "fault 1: bad bomb size 'gzip:0'"), "%s", err);
    cr_assert_eq(kfk_mock_fault_parse(mock, "bomb=gzip", err, sizeof err), KFK_ERR__INVALID_ARG);
    cr_assert_eq(kfk_mock_fault_parse(mock, "records=0", err, sizeof err), KFK_ERR__INVALID_ARG);
    cr_assert_eq(kfk__mock_fault_count(mock), 0);
    kfk_mock_fault_t f = KFK_MOCK_FAULT_INIT;
    f.kind = KFK_MOCK_FAULT_BOMB;
    f.bomb_codec = KFK_CODEC_NONE;
    f.bomb_bytes = 10;
    cr_assert_eq(kfk_mock_fault_add(mock, &f), KFK_ERR__INVALID_ARG);
    f.bomb_codec = KFK_CODEC_GZIP;
    f.bomb_bytes = (int64_t)1 << 40;
    cr_assert_eq(kfk_mock_fault_add(mock, &f), KFK_ERR__INVALID_ARG);
    stop();
}

/* Checks that @p records is one v2 batch of @p codec at @p base, its CRC right, whose records
 * inflate to one record with a value of @p bytes zeros. */
static void check_bomb(kfk_bytes_t records, kfk_codec_t codec, int64_t base, int64_t bytes) {
    kfk_record_batch_t b;
    cr_assert_eq(kfk__mlog_check(records.ptr, (size_t)records.len, &b), KFK_ERR_NONE,
                 "one batch, CRC right");
    cr_assert_eq(b.codec, codec);
    cr_assert_eq(b.records_count, 1);
    cr_assert_eq(b.base_offset, base);
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    cr_assert_eq(
        kfk_decompress(codec, records.ptr + 61, (size_t)records.len - 61, (size_t)bytes + 64, &w),
        KFK_ERR_NONE);
    /* length, attributes, deltas, null key, value length; then the value and no header. */
    cr_assert_gt(w.len, (size_t)bytes + 6);
    size_t pre = w.len - (size_t)bytes - 1;
    cr_assert_leq(pre, 15);
    cr_assert_eq(w.data[pre - 0 - 1] & 0x80, 0, "the value length ends the prefix");
    for (size_t i = pre; i < w.len; i++)
        cr_assert_eq(w.data[i], 0, "byte %zu of the payload is not zero", i);
    kfk_wbuf_free(&w);
}

Test(mock_fault_records, bombs_of_each_codec_inflate_to_their_size_with_the_crc_right) {
    static const char *specs[] = {"gzip", "snappy", "lz4", "zstd", "zstd-nosize"};
    static const kfk_codec_t codecs[] = {KFK_CODEC_GZIP, KFK_CODEC_SNAPPY, KFK_CODEC_LZ4,
                                         KFK_CODEC_ZSTD, KFK_CODEC_ZSTD};
    start(1);
    cr_assert_eq(kfk_mock_topic_create(mock, "t", 2, 1), KFK_ERR_NONE);
    for (size_t i = 0; i < 5; i++) {
        if (!kfk_codec_available(codecs[i]))
            continue;
        char spec[128];
        /* Not a multiple of any block size: the last chunk is short. */
        snprintf(spec, sizeof spec, "partition=0,bomb=%s:%d", specs[i], 3 * 65536 + 12345);
        cr_assert_eq(kfk_mock_fault_parse(mock, spec, err, sizeof err), KFK_ERR_NONE, "%s", err);
        capture_t c = {0};
        fetch2("t", 11, 0, &c);
        check_bomb(part(&c, 0)->records, codecs[i], 0, 3 * 65536 + 12345);
        cr_assert_eq(part(&c, 1)->records.len, 0);
        cap_free(&c);
    }
    stop();
}

Test(mock_fault_records, a_bomb_with_a_count_of_two_serves_two_partitions) {
    start(1);
    cr_assert_eq(kfk_mock_topic_create(mock, "t", 2, 1), KFK_ERR_NONE);
    cr_assert_eq(kfk_mock_fault_parse(mock, "count=2,bomb=gzip:1000", err, sizeof err),
                 KFK_ERR_NONE);
    capture_t c = {0};
    fetch2("t", 11, 0, &c);
    check_bomb(part(&c, 0)->records, KFK_CODEC_GZIP, 0, 1000);
    check_bomb(part(&c, 1)->records, KFK_CODEC_GZIP, 0, 1000);
    cap_free(&c);
    stop();
}

Test(mock_fault_records, a_gibibyte_bomb_is_small_on_the_wire) {
    static const kfk_codec_t codecs[] = {KFK_CODEC_GZIP, KFK_CODEC_LZ4, KFK_CODEC_ZSTD};
    static const size_t most[] = {2u << 20, 6u << 20, 1u << 20};
    for (size_t i = 0; i < 3; i++) {
        if (!kfk_codec_available(codecs[i]))
            continue;
        uint8_t *b = NULL;
        size_t n = 0;
        cr_assert_eq(kfk__mock_bomb_build(codecs[i], 0, (int64_t)1 << 30, &b, &n, err, sizeof err),
                     KFK_ERR_NONE, "%s", err);
        cr_assert_lt(n, most[i], "%s: %zu bytes", kfk_codec_name(codecs[i]), n);
        kfk_record_batch_t rb;
        cr_assert_eq(kfk__mlog_check(b, n, &rb), KFK_ERR_NONE);
        /* A decoder that trusts nothing refuses it at a sane cap. */
        kfk_wbuf_t w;
        kfk_wbuf_init(&w);
        cr_assert_eq(kfk_decompress(codecs[i], b + 61, n - 61, 1 << 20, &w), KFK_ERR__DECOMPRESS);
        kfk_wbuf_free(&w);
        kfk__free(b);
    }
    uint8_t *b = NULL;
    size_t n = 0;
    cr_assert_eq(
        kfk__mock_bomb_build(KFK_CODEC_SNAPPY, 0, (int64_t)2 << 30, &b, &n, err, sizeof err),
        KFK_ERR__INVALID_ARG, "2 GiB is past the bound");
    cr_assert_null(b);
}

/* ---- kfk_mock_connections -------------------------------------------------------------- */

typedef struct {
    uv_tcp_t tcp;
    uv_connect_t req;
    int connected, closed;
} client_t;

static void on_client_closed(uv_handle_t *h) {
    ((client_t *)h->data)->closed = 1;
}

static void on_connected(uv_connect_t *r, int status) {
    client_t *c = r->data;
    cr_assert_eq(status, 0);
    c->connected = 1;
}

static void connect_to(client_t *c, const char *bootstrap, int which) {
    const char *p = bootstrap;
    for (int i = 0; i < which; i++)
        p = strchr(p, ',') + 1;
    int port = atoi(strchr(p, ':') + 1);
    struct sockaddr_in a;
    uv_ip4_addr("127.0.0.1", port, &a);
    memset(c, 0, sizeof *c);
    uv_tcp_init(&loop, &c->tcp);
    c->tcp.data = c;
    c->req.data = c;
    cr_assert_eq(uv_tcp_connect(&c->req, &c->tcp, (const struct sockaddr *)&a, on_connected), 0);
}

Test(mock_fault_records, connections_are_counted_per_broker) {
    start(2);
    cr_assert_eq(kfk_mock_connections(mock, -1), 0);
    client_t c[3];
    connect_to(&c[0], kfk_mock_bootstrap(mock), 0);
    connect_to(&c[1], kfk_mock_bootstrap(mock), 1);
    connect_to(&c[2], kfk_mock_bootstrap(mock), 1);
    uint64_t deadline = uv_now(&loop) + 5000;
    while (kfk_mock_connections(mock, -1) < 3 && uv_now(&loop) < deadline)
        uv_run(&loop, UV_RUN_ONCE);
    cr_assert_eq(kfk_mock_connections(mock, 1), 1);
    cr_assert_eq(kfk_mock_connections(mock, 2), 2);
    cr_assert_eq(kfk_mock_connections(mock, -1), 3);
    cr_assert_eq(kfk_mock_connections(mock, 3), 0, "no broker 3");
    for (int i = 0; i < 3; i++)
        uv_close((uv_handle_t *)&c[i].tcp, on_client_closed);
    while (!(c[0].closed && c[1].closed && c[2].closed))
        uv_run(&loop, UV_RUN_ONCE);
    stop();
}
