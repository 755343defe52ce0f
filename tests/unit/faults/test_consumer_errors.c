/*
 * test_consumer_errors.c: Fetch answers the consumer cannot use are events, not silence, and
 * never a storm. Against the in-process mock, whose log keeps batches as they were appended (so
 * a test can store a hostile batch with a valid header, or corrupt a stored one), the consumer
 * must report each unusable answer through kfk_consumer_set_error_cb with topic, partition,
 * offset and cause, fetch again only after retry.backoff.ms (doubling), stop the partition
 * after 5 unusable answers in a row (no Fetch for it afterwards), deliver every record before
 * the bad one and none after it, and keep consuming the good partitions beside it. A Fetch
 * answer that does not decode at all backs off with the connection (bounded Fetch count) and
 * is reported too. Before this, such partitions were fetched again at once (tens of thousands of
 * Fetch requests in 20 s) or their bad batches skipped silently.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include <uv.h>

#include "kfk/kfk.h"
#include "kfk/mock.h"

#include "client/consumer/parts.h"
#include "mock_records.h"
#include "support.h"

#define BACKOFF_MS 50
#define BACKOFF_MAX_MS 400
#define MAX_EVENTS 64

typedef struct ct ct_t;

typedef struct ct {
    uv_loop_t loop;
    uv_timer_t tick;
    kfk_mock_t *mock;
    kfk_consumer_t *c;
    int nparts;
    int records[4];
    int64_t last_offset[4];
    kfk_consumer_error_t ev[MAX_EVENTS];
    char msgs[MAX_EVENTS][320];
    int nev;
    int (*until)(ct_t *t);
    uint64_t settle_ms;   /* how long to keep running once until() held (a measurement) */
    uint64_t deadline_ms; /* the most the test waits for until() */
    uint64_t start, met_at;
    int met, closing;
    uint64_t fetches_end, conns_end, metadata_end;
    uint64_t fetches_met, end_at; /* Fetch requests when until() first held; when it ended */
    /* Fetch requests the consumer had sent when it reported the first stop, and at the end. */
    uint64_t sent_at_stop, sent_end;
    int stop_seen;
    /* On the first stopped event, seek this partition to this offset (-1: no). */
    int32_t seek_part;
    int64_t seek_to;
    int seeked;
} ct_t;

static void on_batch(kfk_consumer_t *c, kfk_batch_t *b, void *opaque) {
    (void)c;
    ct_t *t = opaque;
    for (size_t i = 0; i < kfk_batch_count(b); i++) {
        const kfk_message_t *m = kfk_batch_message(b, i);
        cr_assert(m->partition >= 0 && m->partition < 4);
        t->records[m->partition]++;
        t->last_offset[m->partition] = m->offset;
    }
    kfk_batch_done(b, KFK_ERR_NONE);
}

static void on_error(kfk_consumer_t *c, const kfk_consumer_error_t *e, void *opaque) {
    ct_t *t = opaque;
    cr_log_info("event: %s/%d offset %lld attempt %d%s: %s (%s)", e->topic, (int)e->partition,
                (long long)e->offset, e->attempt, e->stopped ? " STOPPED" : "", e->msg,
                kfk_err_name(e->err));
    if (t->nev < MAX_EVENTS) {
        t->ev[t->nev] = *e;
        snprintf(t->msgs[t->nev], sizeof t->msgs[0], "%s", e->msg);
        t->ev[t->nev].msg = t->msgs[t->nev];
        t->ev[t->nev].topic = "t";
        t->nev++;
    }
    if (e->stopped && !t->stop_seen) {
        t->stop_seen = 1;
        t->sent_at_stop = c->stat_fetches;
    }
    if (e->stopped && t->seek_part == e->partition && !t->seeked) {
        t->seeked = 1;
        t->seek_to = e->next_offset; /* past the bad batch */
        cr_assert_eq(kfk_consumer_seek(c, "t", e->partition, t->seek_to), KFK_ERR_NONE);
    }
}

static void on_consumer_closed(kfk_consumer_t *c, void *opaque) {
    (void)c;
    ct_t *t = opaque;
    kfk_mock_close(t->mock, kt_mock_closed, t);
}

static void on_tick(uv_timer_t *h) {
    ct_t *t = h->data;
    uint64_t now = uv_now(&t->loop);
    if (!t->met && t->until(t)) {
        t->met = 1;
        t->met_at = now;
        t->fetches_met = kfk_mock_requests(t->mock, KFK_API_FETCH);
    }
    if ((t->met && now - t->met_at >= t->settle_ms) || now - t->start >= t->deadline_ms) {
        t->end_at = now;
        t->fetches_end = kfk_mock_requests(t->mock, KFK_API_FETCH);
        t->sent_end = t->c->stat_fetches;
        t->conns_end = kfk_mock_requests(t->mock, KFK_API_API_VERSIONS);
        t->metadata_end = kfk_mock_requests(t->mock, KFK_API_METADATA);
        uv_close((uv_handle_t *)&t->tick, NULL);
        kfk_consumer_set_close_timeout(t->c, 0);
        kfk_consumer_close(t->c, on_consumer_closed, t);
    }
}

/* Recomputes the CRC-32C of the v2 batch of @p len bytes at @p p. */
static void fix_crc(uint8_t *p, size_t len) {
    kfk__wr32(p + RB_CRC, kfk_crc32c(0, p + RB_ATTRIBUTES, len - RB_ATTRIBUTES));
}

/* Appends the batch at @p p to the mock's log of t/@p part (checked as a Produce would be). */
static void store(ct_t *t, int32_t part, const uint8_t *p, size_t len) {
    kfk__mtopic_t *tp = kfk__mock_topic(t->mock, "t", 1);
    cr_assert(tp && part < tp->nparts);
    kfk_record_batch_t rb;
    cr_assert_eq(kfk__mlog_check(p, len, &rb), KFK_ERR_NONE);
    int64_t base;
    cr_assert_eq(kfk__mlog_append(&tp->parts[part].log, &rb, tp->parts[part].leader_epoch, &base),
                 KFK_ERR_NONE);
}

static void store_good(ct_t *t, int32_t part, int n) {
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    kt_batch_build(&w, n);
    store(t, part, w.data, w.len);
    kfk_wbuf_free(&w);
}

/* The last stored batch of t/@p part, to corrupt in place. */
static kfk__mbatch_t *stored_last(ct_t *t, int32_t part) {
    kfk__mtopic_t *tp = kfk__mock_topic(t->mock, "t", 1);
    kfk__mlog_t *l = &tp->parts[part].log;
    cr_assert(l->n > l->first);
    return &l->batches[l->n - 1];
}

static void setup(ct_t *t, int nparts) {
    memset(t, 0, sizeof *t);
    t->nparts = nparts;
    t->seek_part = -1;
    t->deadline_ms = 8000;
    t->settle_ms = 600;
    cr_assert_eq(uv_loop_init(&t->loop), 0);
    char errstr[512];
    kfk_mock_opts_t mo = KFK_MOCK_OPTS_INIT;
    cr_assert_eq(kfk_mock_new(&t->loop, &mo, &t->mock, errstr, sizeof errstr), KFK_ERR_NONE, "%s",
                 errstr);
    cr_assert_eq(kfk_mock_topic_create(t->mock, "t", nparts, 1), KFK_ERR_NONE);
}

/* Starts a consumer of every partition from the beginning, runs until until() held plus
 * settle_ms (or the deadline), closes everything. @p extra: more "key=value" settings. */
static void run(ct_t *t, const char *const *extra) {
    char errstr[512], v[32];
    kfk_conf_t *conf = kfk_conf_new();
    cr_assert_eq(
        kfk_conf_set(conf, "bootstrap.servers", kfk_mock_bootstrap(t->mock), errstr, sizeof errstr),
        KFK_ERR_NONE);
    snprintf(v, sizeof v, "%d", BACKOFF_MS);
    cr_assert_eq(kfk_conf_set(conf, "retry.backoff.ms", v, errstr, sizeof errstr), 0);
    snprintf(v, sizeof v, "%d", BACKOFF_MAX_MS);
    cr_assert_eq(kfk_conf_set(conf, "retry.backoff.max.ms", v, errstr, sizeof errstr), 0);
    cr_assert_eq(kfk_conf_set(conf, "fetch.max.wait.ms", "100", errstr, sizeof errstr), 0);
    cr_assert_eq(kfk_conf_set(conf, "batch.timeout.ms", "10", errstr, sizeof errstr), 0);
    for (int i = 0; extra && extra[i]; i += 2)
        cr_assert_eq(kfk_conf_set(conf, extra[i], extra[i + 1], errstr, sizeof errstr), 0, "%s",
                     errstr);
    cr_assert_eq(kfk_consumer_new(&t->loop, conf, &t->c, errstr, sizeof errstr), KFK_ERR_NONE, "%s",
                 errstr);
    kfk_conf_free(conf);
    kfk_consumer_set_error_cb(t->c, on_error, t);
    kfk_topic_partition_t parts[4];
    for (int i = 0; i < t->nparts; i++)
        parts[i] = (kfk_topic_partition_t){"t", i, KFK_OFFSET_BEGINNING};
    cr_assert_eq(kfk_consumer_assign(t->c, parts, (size_t)t->nparts), KFK_ERR_NONE);
    cr_assert_eq(kfk_consumer_start(t->c, on_batch, t), KFK_ERR_NONE);
    uv_timer_init(&t->loop, &t->tick);
    t->tick.data = t;
    t->start = uv_now(&t->loop);
    uv_timer_start(&t->tick, on_tick, 20, 20);
    uv_run(&t->loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&t->loop), 0, "a handle was left open");
}

static int stopped_events(const ct_t *t, int32_t part) {
    int n = 0;
    for (int i = 0; i < t->nev; i++)
        n += t->ev[i].partition == part && t->ev[i].stopped;
    return n;
}

static int until_p1_stopped_and_p0_read(ct_t *t) {
    return stopped_events(t, 1) > 0 && t->records[0] >= 30;
}

static int until_p0_stopped(ct_t *t) {
    return stopped_events(t, 0) > 0;
}

/* The events of @p part are attempts 1..@p tries at @p offset with @p err, the last one
 * stopped, and each message contains @p cause. */
static void expect_tries_then_stop(const ct_t *t, int32_t part, int64_t offset, kfk_err_t err,
                                   const char *cause, int tries) {
    int n = 0;
    for (int i = 0; i < t->nev; i++) {
        const kfk_consumer_error_t *e = &t->ev[i];
        if (e->partition != part)
            continue;
        n++;
        cr_expect_eq(e->attempt, n, "event %d: attempt %d", n, e->attempt);
        cr_expect_eq(e->offset, offset, "event %d: offset %lld, not %lld", n, (long long)e->offset,
                     (long long)offset);
        cr_expect_eq(e->err, err, "event %d: %s, not %s", n, kfk_err_name(e->err),
                     kfk_err_name(err));
        cr_expect(strstr(e->msg, cause) != NULL, "event %d: \"%s\" does not say \"%s\"", n, e->msg,
                  cause);
        cr_expect_eq(e->stopped, n == tries, "event %d: stopped %d", n, e->stopped);
        cr_expect_gt(e->next_offset, offset, "event %d: next_offset %lld", n,
                     (long long)e->next_offset);
    }
    cr_expect_eq(n, tries, "%d events for partition %d, not %d", n, part, tries);
}

static void expect_five_then_stop(const ct_t *t, int32_t part, int64_t offset, kfk_err_t err,
                                  const char *cause) {
    expect_tries_then_stop(t, part, offset, err, cause, 5);
}

Test(consumer_errors, a_malformed_record_stops_its_partition_and_the_good_one_is_read) {
    ct_t t;
    setup(&t, 2);
    for (int i = 0; i < 3; i++)
        store_good(&t, 0, 10);
    /* Partition 1: three records, the third one's length (a 1-byte varint) raised to 63, past
     * the end of the batch; the CRC is made right again, so only the record is wrong. */
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    kt_batch_build(&w, 3);
    uint8_t *r = w.data + RB_RECORDS;
    for (int i = 0; i < 2; i++)
        r += 1 + (r[0] >> 1); /* skip records 0 and 1: length varint + length */
    cr_assert_lt(r[0], 0x80);
    size_t left = (size_t)(w.data + w.len - r) - 1;
    r[0] = 126; /* zig-zag 63 */
    fix_crc(w.data, w.len);
    store(&t, 1, w.data, w.len);
    kfk_wbuf_free(&w);

    t.until = until_p1_stopped_and_p0_read;
    run(&t, NULL);

    cr_expect_eq(t.records[0], 30, "the good partition gave %d of 30 records", t.records[0]);
    cr_expect_eq(t.records[1], 2, "partition 1 gave %d records: the 2 before the bad one, once",
                 t.records[1]);
    cr_expect_eq(t.last_offset[1], 1);
    char cause[96];
    snprintf(cause, sizeof cause, "record length 63 past the batch end (%zu bytes left)", left);
    expect_five_then_stop(&t, 1, 2, KFK_ERR__BAD_MSG, cause);
    for (int i = 0; i < t.nev; i++)
        cr_expect_eq(t.ev[i].partition, 1, "an event for the good partition: %s", t.ev[i].msg);
}

Test(consumer_errors, an_unusable_partition_is_fetched_a_bounded_number_of_times_then_never) {
    ct_t t;
    setup(&t, 1);
    /* RecordsCount 1,000,000 (and LastOffsetDelta to match) over three records' bytes. */
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    kt_batch_build(&w, 3);
    kfk__wr32(w.data + RB_RECORDS_COUNT, 1000000);
    kfk__wr32(w.data + RB_LAST_OFFSET_DELTA, 999999);
    fix_crc(w.data, w.len);
    store(&t, 0, w.data, w.len);
    kfk_wbuf_free(&w);

    t.until = until_p0_stopped;
    t.settle_ms = 1500;
    run(&t, NULL);

    cr_log_info("%llu Fetch requests sent until the stop, %llu after it; the mock got %llu",
                (unsigned long long)t.sent_at_stop,
                (unsigned long long)(t.sent_end - t.sent_at_stop),
                (unsigned long long)t.fetches_end);
    cr_expect_eq(t.records[0], 0, "records of a batch whose count lies were delivered");
    expect_five_then_stop(&t, 0, 0, KFK_ERR__BAD_MSG, "record count 1000000 but");
    /* One Fetch per unusable answer, plus at most one prefetch sent before each was found.
     * Counted where they are sent: a prefetch sent before the stop may reach the in-process
     * mock only after it. */
    cr_expect_geq(t.sent_at_stop, 5);
    cr_expect_leq(t.sent_at_stop, 10, "%llu Fetch requests for 5 unusable answers",
                  (unsigned long long)t.sent_at_stop);
    cr_expect_eq(t.sent_end, t.sent_at_stop, "%llu Fetch requests sent after the stop",
                 (unsigned long long)(t.sent_end - t.sent_at_stop));
    /* The consumer's count is the broker's: every Fetch it sent arrived, and no other did. */
    cr_expect_eq(t.fetches_end, t.sent_end,
                 "the mock got %llu Fetch requests, the consumer sent %llu",
                 (unsigned long long)t.fetches_end, (unsigned long long)t.sent_end);
}

Test(consumer_errors, a_batch_with_a_bad_crc_is_reported_and_stops_its_partition) {
    ct_t t;
    setup(&t, 1);
    store_good(&t, 0, 5);
    stored_last(&t, 0)->data[stored_last(&t, 0)->len - 1] ^= 0x01;
    t.until = until_p0_stopped;
    t.settle_ms = 300;
    run(&t, NULL);
    cr_expect_eq(t.records[0], 0);
    expect_five_then_stop(&t, 0, 0, KFK_ERR__CRC, "CRC-32C mismatch");
}

static int until_read_5(ct_t *t) {
    return t->records[0] >= 5;
}

/* check.crcs=false (librdkafka's default) takes the batch as it comes: a changed value byte,
 * which the CRC would have caught, is delivered, and nothing is reported. */
Test(consumer_errors, with_check_crcs_false_a_batch_with_a_bad_crc_is_delivered) {
    ct_t t;
    setup(&t, 1);
    store_good(&t, 0, 5);
    kfk__mbatch_t *mb = stored_last(&t, 0);
    mb->data[mb->len - 2] ^= 0x01; /* the last value, "r4", reads "r5" */
    t.until = until_read_5;
    t.settle_ms = 300;
    run(&t, (const char *const[]){"check.crcs", "false", NULL});
    cr_expect_eq(t.records[0], 5);
    cr_expect_eq(t.last_offset[0], 4);
    cr_expect_eq(t.nev, 0, "%d error events, the first: %s", t.nev, t.nev ? t.msgs[0] : "");
}

/* A batch of @p n records of 4,000 bytes each (value i: byte i + k at position k): with its
 * Fetch answer over KFK__FRAMER_CRC_MIN bytes, its CRC is joined from the frame's block
 * registers (ev/framer.c) instead of read again. */
static void store_big(ct_t *t, int32_t part, int n) {
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    kfk_record_batch_builder_t b;
    cr_assert_eq(kfk_record_batch_builder_begin(&b, &w), KFK_ERR_NONE);
    static uint8_t v[4000];
    for (int i = 0; i < n; i++) {
        for (size_t k = 0; k < sizeof v; k++)
            v[k] = (uint8_t)(i + (int)k);
        kfk_bytes_t key = {NULL, -1}, val = {v, (int32_t)sizeof v};
        cr_assert_eq(kfk_record_batch_builder_append(&b, key, val, NULL, 0, 1000 + i),
                     KFK_ERR_NONE);
    }
    cr_assert_eq(kfk_record_batch_builder_finish(&b, NULL), KFK_ERR_NONE);
    cr_assert_gt(w.len, 2 * 64 * 1024, "the batch must make a frame with block registers");
    store(t, part, w.data, w.len);
    kfk_wbuf_free(&w);
}

static int until_read_80(ct_t *t) {
    return t->records[0] >= 80;
}

Test(consumer_errors, large_batches_pass_the_crc_check_joined_from_block_registers) {
    ct_t t;
    setup(&t, 1);
    store_big(&t, 0, 40);
    store_big(&t, 0, 40);
    t.until = until_read_80;
    t.settle_ms = 200;
    run(&t, NULL);
    cr_expect_eq(t.records[0], 80);
    cr_expect_eq(t.last_offset[0], 79);
    cr_expect_eq(t.nev, 0, "%d error events, the first: %s", t.nev, t.nev ? t.msgs[0] : "");
}

/* One bit changed in the middle of a large batch (inside whole 1 KiB blocks, so the check uses
 * the block registers there) is a CRC mismatch, as in a small one. */
Test(consumer_errors, a_bit_changed_inside_a_large_batch_is_a_crc_mismatch) {
    ct_t t;
    setup(&t, 1);
    store_big(&t, 0, 40);
    kfk__mbatch_t *mb = stored_last(&t, 0);
    mb->data[mb->len / 2] ^= 0x10;
    t.until = until_p0_stopped;
    t.settle_ms = 300;
    run(&t, NULL);
    cr_expect_eq(t.records[0], 0);
    expect_five_then_stop(&t, 0, 0, KFK_ERR__CRC, "CRC-32C mismatch");
}

Test(consumer_errors, a_gzip_bomb_stops_its_partition_at_once_at_the_fetch_max_bytes_cap) {
    ct_t t;
    setup(&t, 1);
    /* One "record" of 8 MiB of zeros, gzip: the cap is fetch.max.bytes, 1 MiB here. */
    size_t n = (size_t)8 << 20;
    uint8_t *zeros = calloc(1, n);
    cr_assert(zeros);
    kfk_wbuf_t z;
    kfk_wbuf_init(&z);
    cr_assert_eq(kfk_compress(KFK_CODEC_GZIP, -1, zeros, n, &z), KFK_ERR_NONE);
    free(zeros);
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    kt_batch_build(&w, 1);
    w.len = RB_RECORDS;
    kfk_wbuf_put_raw(&w, z.data, z.len);
    kfk__wr32(w.data + RB_LENGTH, (uint32_t)(w.len - RB_LOG_OVERHEAD));
    kfk__wr16(w.data + RB_ATTRIBUTES, KFK_CODEC_GZIP);
    fix_crc(w.data, w.len);
    store(&t, 0, w.data, w.len);
    kfk_wbuf_free(&w);
    kfk_wbuf_free(&z);

    t.until = until_p0_stopped;
    t.settle_ms = 300;
    const char *extra[] = {"fetch.max.bytes", "1048576", NULL};
    run(&t, extra);
    cr_expect_eq(t.records[0], 0);
    /* The same bytes would inflate the same way: stopped at the first try, fetched once. */
    expect_tries_then_stop(&t, 0, 0, KFK_ERR__DECOMPRESS,
                           "gzip batch at offset 0 inflates past 1048576 bytes (fetch.max.bytes "
                           "cap)",
                           1);
    cr_expect_leq(t.fetches_end, 2, "%llu Fetch requests for a bomb",
                  (unsigned long long)t.fetches_end);
}

static int until_read_10(ct_t *t) {
    return t->records[0] >= 10;
}

Test(consumer_errors, a_stopped_partition_restarts_where_the_application_seeks) {
    ct_t t;
    setup(&t, 1);
    store_good(&t, 0, 3);
    stored_last(&t, 0)->data[stored_last(&t, 0)->len - 1] ^= 0x01; /* offsets 0..2: bad CRC */
    store_good(&t, 0, 10);                                         /* offsets 3..12 */
    t.seek_part = 0; /* the application skips the bad batch: seeks to next_offset */
    t.until = until_read_10;
    t.settle_ms = 0;
    run(&t, NULL);
    cr_expect(t.seeked, "the partition never stopped");
    cr_expect_eq(t.seek_to, 3, "next_offset %lld, not 3", (long long)t.seek_to);
    cr_expect_eq(t.records[0], 10, "%d records after the seek", t.records[0]);
    cr_expect_eq(t.last_offset[0], 12);
}

static int until_window(ct_t *t) {
    (void)t;
    return 0;
}

Test(consumer_errors, a_fetch_answer_that_does_not_decode_is_backed_off_and_reported) {
    ct_t t;
    setup(&t, 1);
    store_good(&t, 0, 5);
    char errstr[256];
    /* Fetch v12 answer: size (4), correlation (4), header tags (1), throttle (4), error (2),
     * session id (4), then the topics' compact array length at byte 19: a 5-byte varint far
     * past the end. */
    cr_assert_eq(kfk_mock_fault_parse(t.mock, "api=Fetch,patch=19:ffffffff07,count=all", errstr,
                                      sizeof errstr),
                 KFK_ERR_NONE, "%s", errstr);
    t.until = until_window;
    t.deadline_ms = 2500;
    const char *extra[] = {"reconnect.backoff.ms", "100", "reconnect.backoff.max.ms", "800", NULL};
    run(&t, extra);
    cr_log_info("%llu Fetch requests, %llu connections in 2.5 s, %d events",
                (unsigned long long)t.fetches_end, (unsigned long long)t.conns_end, t.nev);
    cr_expect_eq(t.records[0], 0);
    /* reconnect.backoff 100 doubling to 800 (-20 % jitter) allows 6 connections in 2.5 s, and
     * each connection carries at most one Fetch before its answer fails it. */
    cr_expect_geq(t.fetches_end, 2, "the consumer did not fetch again");
    cr_expect_leq(t.fetches_end, 7, "%llu Fetch requests in 2.5 s",
                  (unsigned long long)t.fetches_end);
    int seen = 0;
    for (int i = 0; i < t.nev; i++)
        if (t.ev[i].err == KFK_ERR__BAD_MSG && strstr(t.ev[i].msg, "Fetch answer from broker"))
            seen++;
    cr_expect_geq(seen, 1, "no event said the Fetch answer did not decode");
    for (int i = 0; i < t.nev; i++)
        cr_expect(!t.ev[i].stopped, "a transient cause stopped the partition");
}

Test(consumer_errors, a_partition_without_a_leader_is_reported_once_and_backed_off) {
    ct_t t;
    setup(&t, 1);
    store_good(&t, 0, 3);
    /* Metadata v12 answer for topic t on one broker: the partition's leader id (int32) is at
     * byte 90 (as the hostile suite's md-leader-minus-1 case): -1 in every answer. */
    char errstr[256];
    cr_assert_eq(kfk_mock_fault_parse(t.mock, "api=Metadata,count=all,patch=90:FFFFFFFF", errstr,
                                      sizeof errstr),
                 KFK_ERR_NONE, "%s", errstr);
    t.until = until_window;
    t.deadline_ms = 2500;
    run(&t, NULL);
    cr_log_info("%llu Metadata requests in 2.5 s, %d events", (unsigned long long)t.metadata_end,
                t.nev);
    cr_expect_eq(t.records[0], 0);
    /* retry.backoff.ms 50 doubling to 400 (-20 % jitter) allows about 10 refreshes in 2.5 s;
     * before, every loop turn asked again: tens of thousands. */
    cr_expect_leq(t.metadata_end, 16, "%llu Metadata requests in 2.5 s",
                  (unsigned long long)t.metadata_end);
    int no_leader = 0;
    for (int i = 0; i < t.nev; i++)
        no_leader += t.ev[i].err == KFK_ERR_LEADER_NOT_AVAILABLE && t.ev[i].attempt == 0 &&
                     !t.ev[i].stopped && strstr(t.ev[i].msg, "no leader") != NULL;
    cr_expect_eq(no_leader, 1, "%d 'no leader' events: once per cause, not per refresh", no_leader);
    cr_expect_eq(t.nev, 1, "%d events", t.nev);
}

/* Reads 5 records with @p extra settings, then counts the Fetch requests of the next second,
 * when every answer has nothing in it and comes back at once. Returns them; *span: the ms. */
static uint64_t polls_after_the_end(const char *const *extra, uint64_t *span) {
    ct_t t;
    setup(&t, 1);
    store_good(&t, 0, 5);
    t.until = until_read_5;
    t.settle_ms = 1000;
    run(&t, extra);
    cr_assert(t.met, "the 5 records were not read");
    cr_expect_eq(t.records[0], 5);
    cr_expect_eq(t.nev, 0, "%d error events, the first: %s", t.nev, t.nev ? t.msgs[0] : "");
    *span = t.end_at - t.met_at;
    uint64_t fetches = t.fetches_end - t.fetches_met;
    cr_log_info("%llu Fetch requests in %llu ms after the last record", (unsigned long long)fetches,
                (unsigned long long)*span);
    return fetches;
}

/* fetch.max.wait.ms 0 at the end of a partition: the broker answers every Fetch at once with
 * nothing. Each such answer holds the next Fetch to that broker back KFK__FETCH_EMPTY_MIN_MS
 * (10 ms) from when it was sent, so a caught-up consumer polls; before, it fetched again as
 * fast as the loop turned (60,069 Fetch requests in 1 s here; 0.66 s of client and 3.3 s of
 * broker CPU in 3 s against Kafka 4.3.1). */
Test(consumer_errors, answers_with_nothing_at_once_are_polled_not_fetched_in_a_busy_loop) {
    uint64_t span,
        fetches = polls_after_the_end((const char *const[]){"fetch.max.wait.ms", "0", NULL}, &span);
    /* One Fetch may be in flight when the window opens, and one more than span / 10 fits. */
    cr_expect_leq(fetches, 2 + span / 10, "%llu Fetch requests in %llu ms",
                  (unsigned long long)fetches, (unsigned long long)span);
    cr_expect_geq(fetches, 3, "%llu Fetch requests in %llu ms: the consumer stopped polling",
                  (unsigned long long)fetches, (unsigned long long)span);
}

/* fetch.min.bytes 0 asks the broker not to wait either: the hold is the 10 ms floor, not
 * fetch.max.wait.ms (500 ms), so new records are not 500 ms late. */
Test(consumer_errors, with_fetch_min_bytes_0_answers_with_nothing_are_polled_every_10_ms) {
    uint64_t span,
        fetches = polls_after_the_end(
            (const char *const[]){"fetch.min.bytes", "0", "fetch.max.wait.ms", "500", NULL}, &span);
    cr_expect_leq(fetches, 2 + span / 10, "%llu Fetch requests in %llu ms",
                  (unsigned long long)fetches, (unsigned long long)span);
    /* Held fetch.max.wait.ms instead, it would be 2 or 3. */
    cr_expect_geq(fetches, 10, "%llu Fetch requests in %llu ms: held longer than 10 ms",
                  (unsigned long long)fetches, (unsigned long long)span);
}
