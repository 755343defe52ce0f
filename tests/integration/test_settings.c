/*
 * test_settings.c: settings that mean one thing (issue 21) against the real broker. One
 * kfk_conf_t shared by a producer and a consumer, as the seeds' code shares its settings: with
 * max.poll.records=10 the producer's batches are its normal 16 KiB ones (read back raw from the
 * log: hundreds of records each) while the consumer hands out 10-record batches; with the old
 * spelling batch.size=100 the producer keeps the bytes it was given and warns, and the consumer
 * ignores it with a notice pointing at max.poll.records. A batch.size too small for one record
 * fails kfk_producer_new; a record larger than batch.size travels in a batch of its own.
 * allow.auto.create.topics: a brand new topic is created on first produce (the broker has
 * auto.create.topics.enable=true) and read back; with false it fails with
 * UNKNOWN_TOPIC_OR_PARTITION; a group consumer subscribed to a topic that does not exist yet
 * reads what is produced to it within seconds. Helpers: producer_kit.h, consumer_kit.h.
 * Registered COMPAT (Kafka 4.3.1 and 3.9.x); every test ends with uv_loop_close() == 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <uv.h>

#include "consumer_kit.h"
#include "env.h"
#include "kfk/kfk.h"
#include "producer_kit.h"

/* Log lines of one object that contain a word, counted (a log callback's opaque). */
typedef struct {
    const char *word;
    int seen;
    int level;
    char line[512];
} watch_t;

static void on_log(int level, const char *ctx, const char *msg, void *opaque) {
    (void)ctx;
    watch_t *w = opaque;
    if (w && strstr(msg, w->word)) {
        if (!w->seen++) {
            w->level = level;
            snprintf(w->line, sizeof w->line, "%s", msg);
        }
    }
    if (level <= 4 && (!w || !strstr(msg, w->word)))
        fprintf(stderr, "log %d: %s\n", level, msg);
}

static void on_cons_log(int level, const char *ctx, const char *msg, void *opaque) {
    on_log(level, ctx, msg, opaque);
}

/* A configuration for the broker under test with the NULL-terminated pairs of @p kv. */
static kfk_conf_t *conf_of(const char *const *kv) {
    kfk_conf_t *c = kfk_conf_new();
    cr_assert_not_null(c);
    pk_conf_set(c, "bootstrap.servers", kt_env_required("BOOTSTRAP"));
    for (size_t i = 0; kv && kv[i]; i += 2)
        pk_conf_set(c, kv[i], kv[i + 1]);
    return c;
}

/* A topic name no broker has seen: kfk-new-TAG-PID-N. */
static void fresh_topic(char *name, size_t cap, const char *tag) {
    static unsigned n;
    snprintf(name, cap, "kfk-new-%s-%d-%u-%u", tag, (int)getpid(),
             (unsigned)(uv_hrtime() / 1000 % 1000000), n++);
}

/* Sends @p n records "<i>:<pad>" of @p vlen bytes to partition @p part of @p topic through a
 * producer made from @p conf, flushes and closes it; every record must be delivered. @p s holds
 * @p n reports. */
static void produce_all(kfk_conf_t *conf, watch_t *w, const char *topic, int32_t part, int n,
                        size_t vlen, sent_t *s) {
    uv_loop_t loop;
    uv_loop_init(&loop);
    kfk_conf_set_log_cb(conf, on_log, w);
    kfk_producer_t *p = NULL;
    char err[512];
    cr_assert_eq(kfk_producer_new(&loop, conf, &p, err, sizeof err), 0, "%s", err);
    tally_t t = {0};
    char val[8192];
    cr_assert_lt(vlen, sizeof val);
    for (int i = 0; i < n; i++) {
        int l = snprintf(val, sizeof val, "%d:", i);
        memset(val + l, 'v', vlen > (size_t)l ? vlen - (size_t)l : 0);
        kfk_record_t rec = {topic, part, NULL, 0, val, vlen > (size_t)l ? vlen : (size_t)l,
                            NULL,  0,    0};
        s[i].t = &t;
        pk_send_wait(&loop, p, &rec, &s[i]);
    }
    pk_flush_wait(&loop, p, &t, 30000);
    pk_close_all(&loop, p, -1, &t);
    char eb[256];
    cr_assert_eq(t.ok, (size_t)n, "%zu of %d delivered: %s", t.ok, n,
                 pk_errs_str(&t, eb, sizeof eb));
}

/* Reads @p n records of partition 0 of @p topic from the beginning with a consumer made from
 * @p conf (destroyed here), into @p k (the caller frees it with ck_cons_free). */
static void consume_all(ck_cons_t *k, kfk_conf_t *conf, watch_t *w, const char *topic, size_t n) {
    uv_loop_t loop;
    uv_loop_init(&loop);
    k->log = on_cons_log;
    k->log_opaque = w;
    ck_cons_init(k, &loop, conf);
    kfk_topic_partition_t tp = {topic, 0, KFK_OFFSET_BEGINNING};
    cr_assert_eq(kfk_consumer_assign(k->c, &tp, 1), 0);
    ck_cons_start(k);
    ck_count_target_t tgt = {&k->n, n};
    ck_run_until(&loop, ck_pred_count, &tgt, 30000);
    ck_cons_close(k, 5000);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&loop), 0);
    cr_assert_eq(k->n, n);
}

/* ==== one configuration for a producer and a consumer ========================================= */

Test(settings, a_shared_conf_with_max_poll_records_10_gives_normal_producer_batches,
     .timeout = 90) {
    enum { N = 2000, VLEN = 20 };
    char topic[96];
    pk_topic_create(topic, sizeof topic, "mpr", 1, NULL);
    kfk_conf_t *conf = conf_of((const char *[]){"max.poll.records", "10", NULL});
    watch_t pw = {"batch.size", 0, 0, ""};
    sent_t *s = calloc(N, sizeof *s);
    produce_all(conf, &pw, topic, 0, N, VLEN, s);
    free(s);
    cr_assert_eq(pw.seen, 0, "the producer logged: %s", pw.line);

    /* On the wire (as the broker keeps them): full 16 KiB batches, hundreds of records each. */
    batch_info_t bi[256];
    size_t nb = pk_fetch_batches(topic, 0, bi, 256);
    size_t total = 0, most = 0;
    for (size_t i = 0; i < nb; i++) {
        total += (size_t)bi[i].records;
        most = (size_t)bi[i].records > most ? (size_t)bi[i].records : most;
    }
    fprintf(stderr,
            "max.poll.records=10 shared: the producer wrote %zu records in %zu batches "
            "(largest %zu records)\n",
            total, nb, most);
    cr_assert_eq(total, (size_t)N);
    cr_assert_geq(most, 300, "largest batch %zu records: not a 16 KiB batch", most);
    cr_assert_leq(nb, 20, "%zu batches for %d records of %d bytes", nb, N, VLEN);

    /* The consumer from the same configuration: batches of 10. */
    watch_t cw = {"batch.size", 0, 0, ""};
    ck_cons_t k = {0};
    consume_all(&k, kfk_conf_dup(conf), &cw, topic, N);
    size_t full = 0;
    for (size_t i = 0; i < k.nb; i++) {
        cr_assert_leq(k.b[i].n, 10, "batch %zu has %zu records", i, k.b[i].n);
        full += k.b[i].n == 10;
    }
    cr_assert_geq(full, N / 10 - 5, "%zu of %zu batches held 10 records", full, k.nb);
    cr_assert_eq(cw.seen, 0, "the consumer logged: %s", cw.line);
    ck_cons_free(&k);
    kfk_conf_free(conf);
}

Test(settings, a_shared_conf_with_the_old_batch_size_100_is_bytes_for_the_producer_only,
     .timeout = 90) {
    /* The spelling kfk's consumer read as records per batch before max.poll.records. The
     * producer takes it as the bytes it means (Java and librdkafka do), but says so; the consumer
     * does not read it (its batches are max.poll.records, 100) and says so. */
    enum { N = 300, VLEN = 20 };
    char topic[96];
    pk_topic_create(topic, sizeof topic, "bs100", 1, NULL);
    kfk_conf_t *conf = conf_of((const char *[]){"batch.size", "100", NULL});
    watch_t pw = {"batch.size=100", 0, 0, ""};
    sent_t *s = calloc(N, sizeof *s);
    produce_all(conf, &pw, topic, 0, N, VLEN, s);
    free(s);
    cr_assert_eq(pw.seen, 1, "the producer warned %d times", pw.seen);
    cr_assert_eq(pw.level, 4, "a warning: level %d (%s)", pw.level, pw.line);
    cr_assert(strstr(pw.line, "bytes") && strstr(pw.line, "max.poll.records"), "%s", pw.line);
    /* 100 bytes: the 61-byte header and one 28-byte record; a second one would not fit. */
    batch_info_t bi[512];
    size_t nb = pk_fetch_batches(topic, 0, bi, 512);
    for (size_t i = 0; i < nb; i++)
        cr_assert_eq(bi[i].records, 1, "batch %zu holds %d records", i, (int)bi[i].records);
    cr_assert_eq(nb, (size_t)N);

    watch_t cw = {"batch.size", 0, 0, ""};
    ck_cons_t k = {0};
    consume_all(&k, kfk_conf_dup(conf), &cw, topic, N);
    size_t most = 0;
    for (size_t i = 0; i < k.nb; i++)
        most = k.b[i].n > most ? k.b[i].n : most;
    cr_assert_leq(most, 100, "a batch of %zu records", most);
    cr_assert_eq(cw.seen, 1, "the consumer's notice came %d times", cw.seen);
    cr_assert_eq(cw.level, 5, "a notice: level %d", cw.level);
    cr_assert_str_eq(cw.line,
                     "batch.size=100 is the producer's batch in bytes and does not set the "
                     "consumer's batch; set max.poll.records for records per batch (now 100)");
    ck_cons_free(&k);
    kfk_conf_free(conf);
}

Test(settings, a_producer_with_batch_size_10_fails_at_creation_with_the_cause) {
    uv_loop_t loop;
    uv_loop_init(&loop);
    kfk_conf_t *conf = conf_of((const char *[]){"batch.size", "10", NULL});
    kfk_producer_t *p = NULL;
    char err[512] = "";
    cr_assert_eq(kfk_producer_new(&loop, conf, &p, err, sizeof err), KFK_ERR__INVALID_CONF);
    cr_assert_null(p);
    cr_assert(strstr(err, "batch.size=10 is below 68 bytes, the smallest batch that holds one "
                          "record"),
              "%s", err);
    kfk_conf_free(conf);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&loop), 0);
}

Test(settings, a_record_larger_than_batch_size_travels_in_a_batch_of_its_own, .timeout = 60) {
    /* batch.size 1024: small records around one of 4000 bytes, all sent in one go. */
    enum { N = 41, BIG = 20 };
    char topic[96];
    pk_topic_create(topic, sizeof topic, "big", 1, NULL);
    uv_loop_t loop;
    uv_loop_init(&loop);
    tally_t t = {0};
    kfk_producer_t *p = pk_producer(&loop, (const char *[]){"batch.size", "1024", NULL});
    sent_t s[N];
    memset(s, 0, sizeof s);
    static char val[4000];
    for (int i = 0; i < N; i++) {
        size_t vl = i == BIG ? sizeof val : 50;
        int l = snprintf(val, sizeof val, "%d:", i);
        memset(val + l, 'a' + i % 26, vl - (size_t)l);
        kfk_record_t rec = {topic, 0, NULL, 0, val, vl, NULL, 0, 0};
        s[i].t = &t;
        pk_send_wait(&loop, p, &rec, &s[i]);
    }
    pk_flush_wait(&loop, p, &t, 30000);
    pk_close_all(&loop, p, -1, &t);
    char eb[256];
    cr_assert_eq(t.ok, (size_t)N, "%s", pk_errs_str(&t, eb, sizeof eb));
    batch_info_t bi[64];
    size_t nb = pk_fetch_batches(topic, 0, bi, 64);
    int found = 0;
    for (size_t i = 0; i < nb; i++) {
        int64_t last = bi[i].base_offset + bi[i].records - 1;
        if (s[BIG].offset >= bi[i].base_offset && s[BIG].offset <= last) {
            cr_assert_eq(bi[i].records, 1, "the big record shares its batch with %d others",
                         (int)bi[i].records - 1);
            found = 1;
        } else {
            cr_assert_gt(bi[i].records, 1, "batch %zu of small records holds one", i);
        }
    }
    cr_assert(found, "no batch holds offset %lld", (long long)s[BIG].offset);
    rows_t r = pk_kcat_read(topic);
    cr_assert_eq(r.n, (size_t)N);
    for (int i = 0; i < N; i++) {
        cr_assert_eq(atoi(r.v[i].val), i, "offset %d holds record %d", i, atoi(r.v[i].val));
        cr_assert_eq(r.v[i].vlen, i == BIG ? (int32_t)sizeof val : 50);
    }
    pk_rows_free(&r);
}

/* ==== allow.auto.create.topics ================================================================ */

Test(settings, producing_to_a_brand_new_topic_creates_it_and_the_records_are_read_back,
     .timeout = 60) {
    enum { N = 50 };
    char topic[128];
    fresh_topic(topic, sizeof topic, "p");
    kfk_conf_t *conf = conf_of(NULL);
    watch_t w = {"not usable", 0, 0, ""};
    sent_t s[N];
    memset(s, 0, sizeof s);
    double t0 = ck_now_ms();
    produce_all(conf, &w, topic, KFK_PARTITION_ANY, N, 30, s);
    double ms = ck_now_ms() - t0;
    kfk_conf_free(conf);
    fprintf(stderr, "a new topic: %d records delivered in %.0f ms\n", N, ms);
    cr_assert_lt(ms, 10000, "%.0f ms", ms);
    /* The broker's first answer says unknown while it creates the topic: no warning for that. */
    cr_assert_eq(w.seen, 0, "the producer logged: %s", w.line);
    rows_t r = pk_kcat_read(topic);
    cr_assert_eq(r.n, (size_t)N);
    for (int i = 0; i < N; i++)
        cr_assert_eq(atoi(r.v[i].val), i, "offset %d holds record %d", i, atoi(r.v[i].val));
    pk_rows_free(&r);
}

Test(settings, with_allow_auto_create_topics_false_a_new_topic_fails_with_unknown_topic,
     .timeout = 30) {
    enum { N = 5 };
    char topic[128];
    fresh_topic(topic, sizeof topic, "no");
    uv_loop_t loop;
    uv_loop_init(&loop);
    tally_t t = {0};
    t.loop = &loop;
    kfk_producer_t *p = pk_producer(&loop, (const char *[]){"allow.auto.create.topics", "false",
                                                            "delivery.timeout.ms", "2000", NULL});
    sent_t s[N];
    memset(s, 0, sizeof s);
    for (int i = 0; i < N; i++) {
        kfk_record_t rec = {topic, KFK_PARTITION_ANY, "k", 1, "v", 1, NULL, 0, 0};
        s[i].t = &t;
        cr_assert_eq(kfk_producer_send(p, &rec, pk_on_delivery, &s[i]), 0);
    }
    uint64_t t0 = uv_now(&loop);
    while (t.reports < N) {
        pk_run_once(&loop);
        uv_update_time(&loop);
        cr_assert_lt(uv_now(&loop) - t0, 10000, "%zu of %d reported after 10 s", t.reports, N);
    }
    pk_close_all(&loop, p, -1, &t);
    for (int i = 0; i < N; i++)
        cr_assert_eq(s[i].err, KFK_ERR_UNKNOWN_TOPIC_OR_PARTITION, "record %d: %s", i,
                     kfk_err_name(s[i].err));
    /* Nothing created it meanwhile: a producer that may create it is the first to. */
    kfk_conf_t *conf = conf_of(NULL);
    watch_t w = {"not usable", 0, 0, ""};
    sent_t s2[1];
    memset(s2, 0, sizeof s2);
    produce_all(conf, &w, topic, KFK_PARTITION_ANY, 1, 10, s2);
    kfk_conf_free(conf);
    cr_assert_eq(s2[0].offset, 0, "the topic existed already: offset %lld",
                 (long long)s2[0].offset);
}

/* The seeds' first run: the batch consumer starts before anything was produced. */
Test(settings, a_group_consumer_subscribed_to_a_new_topic_reads_what_is_produced_to_it,
     .timeout = 90) {
    enum { N = 30 };
    char topic[128], group[160];
    fresh_topic(topic, sizeof topic, "g");
    snprintf(group, sizeof group, "%s-group", topic);
    uv_loop_t loop;
    uv_loop_init(&loop);
    ck_cons_t k = {0};
    ck_cons_init(&k, &loop,
                 ck_conf(kt_env_required("BOOTSTRAP"),
                         (const char *[]){"group.id", group, "auto.offset.reset", "earliest",
                                          "heartbeat.interval.ms", "500", NULL}));
    const char *topics[] = {topic};
    cr_assert_eq(kfk_consumer_subscribe(k.c, topics, 1), 0);
    ck_cons_start(&k);
    ck_run_for(&loop, 2000); /* joined, with nothing to read yet (or the topic just created) */
    kfk_conf_t *conf = conf_of(NULL);
    sent_t s[N];
    memset(s, 0, sizeof s);
    produce_all(conf, NULL, topic, KFK_PARTITION_ANY, N, 10, s);
    kfk_conf_free(conf);
    ck_count_target_t tgt = {&k.n, N};
    uint64_t ms = ck_run_until(&loop, ck_pred_count, &tgt, 30000);
    fprintf(stderr, "a group consumer of a new topic: %d records %llu ms after they were sent\n", N,
            (unsigned long long)ms);
    ck_cons_close(&k, 5000);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&loop), 0);
    cr_assert_eq(k.n, (size_t)N);
    cr_assert_eq(k.errors, 0, "%s", k.last_error);
    ck_cons_free(&k);
}
