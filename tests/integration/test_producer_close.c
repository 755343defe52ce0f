/*
 * test_producer_close.c: kfk_producer_t's queue, flush and close against the real broker
 * (issue 6): a full queue, flush, close with records pending (with a timeout, with a zero
 * timeout, from inside a delivery callback, with an unreachable broker) and delivery timeouts
 * (a dead broker, an unknown topic). Helpers: producer_kit.h. Part of integration_producer,
 * registered COMPAT (Kafka 4.3.1 and 3.9.x); every test ends with uv_loop_close() == 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <uv.h>

#include "kfk/kfk.h"
#include "producer_kit.h"

/* ==== queue full, flush, close ==================================================================
 */

Test(producer, a_full_queue_refuses_at_once_and_accepts_again_after_delivery, .timeout = 60) {
    char topic[96];
    pk_topic_create(topic, sizeof topic, "qfull", 1, NULL);
    uv_loop_t loop;
    uv_loop_init(&loop);
    tally_t t = {0};
    kfk_producer_t *p = pk_producer(
        &loop, (const char *[]){"queue.buffering.max.messages", "10", "linger.ms", "200", NULL});
    sent_t s[12];
    memset(s, 0, sizeof s);
    kfk_record_t rec = {topic, KFK_PARTITION_ANY, "k", 1, "v", 1, NULL, 0, 0};
    for (int i = 0; i < 10; i++) {
        s[i].t = &t;
        cr_assert_eq(kfk_producer_send(p, &rec, pk_on_delivery, &s[i]), 0, "record %d", i);
    }
    s[10].t = &t;
    uint64_t t0 = uv_hrtime();
    cr_assert_eq(kfk_producer_send(p, &rec, pk_on_delivery, &s[10]), KFK_ERR__QUEUE_FULL);
    cr_assert_lt(uv_hrtime() - t0, 5000000ull, "QUEUE_FULL must come at once");
    cr_assert_eq(kfk_producer_queued(p), 10);
    pk_flush_wait(&loop, p, &t, 20000);
    cr_assert_eq(t.ok, 10);
    cr_assert_eq(s[10].calls, 0, "a refused record gets no callback");
    cr_assert_eq(kfk_producer_queued(p), 0);
    s[11].t = &t;
    cr_assert_eq(kfk_producer_send(p, &rec, pk_on_delivery, &s[11]), 0, "accepted after delivery");
    pk_flush_wait(&loop, p, &t, 20000);
    cr_assert_eq(t.ok, 11);
    pk_close_all(&loop, p, -1, &t);

    /* The byte bound: 4 KiB takes four 1000-byte values, not five. */
    uv_loop_init(&loop);
    tally_t t2 = {0};
    p = pk_producer(&loop,
                    (const char *[]){"queue.buffering.max.kbytes", "4", "linger.ms", "200", NULL});
    char big[1000];
    memset(big, 'b', sizeof big);
    kfk_record_t brec = {topic, 0, NULL, 0, big, sizeof big, NULL, 0, 0};
    sent_t bs[5];
    memset(bs, 0, sizeof bs);
    for (int i = 0; i < 4; i++) {
        bs[i].t = &t2;
        cr_assert_eq(kfk_producer_send(p, &brec, pk_on_delivery, &bs[i]), 0, "record %d", i);
    }
    bs[4].t = &t2;
    cr_assert_eq(kfk_producer_send(p, &brec, pk_on_delivery, &bs[4]), KFK_ERR__QUEUE_FULL);
    pk_flush_wait(&loop, p, &t2, 20000);
    cr_assert_eq(kfk_producer_send(p, &brec, pk_on_delivery, &bs[4]), 0);
    pk_flush_wait(&loop, p, &t2, 20000);
    pk_close_all(&loop, p, -1, &t2);
    cr_assert_eq(t2.ok, 5);
    rows_t r = pk_kcat_read(topic);
    cr_assert_eq(r.n, 16, "11 small and 5 big records, read %zu", r.n);
    pk_rows_free(&r);
}

Test(producer, flush_sends_at_once_and_calls_back_after_every_report, .timeout = 60) {
    enum { N = 500 };
    char topic[96];
    pk_topic_create(topic, sizeof topic, "flush", 3, NULL);
    uv_loop_t loop;
    uv_loop_init(&loop);
    tally_t t = {0};
    /* linger.ms 30 s: without flush nothing would leave for half a minute. */
    kfk_producer_t *p = pk_producer(&loop, (const char *[]){"linger.ms", "30000", NULL});
    sent_t s[N];
    memset(s, 0, sizeof s);
    for (int i = 0; i < N; i++) {
        char key[16];
        int kl = snprintf(key, sizeof key, "%d", i);
        kfk_record_t rec = {topic, KFK_PARTITION_ANY, key, (size_t)kl, "v", 1, NULL, 0, 0};
        s[i].t = &t;
        cr_assert_eq(kfk_producer_send(p, &rec, pk_on_delivery, &s[i]), 0);
    }
    uint64_t t0 = uv_now(&loop);
    pk_flush_wait(&loop, p, &t, 10000);
    uint64_t took = uv_now(&loop) - t0;
    cr_assert_eq(t.reports_at_flush, (size_t)N, "flush called back after %zu of %d reports",
                 t.reports_at_flush, N);
    cr_assert_eq(t.ok, (size_t)N);
    cr_assert_lt(took, 5000, "flush took %llu ms", (unsigned long long)took);
    /* A flush with nothing queued calls back too, later, once. */
    pk_flush_wait(&loop, p, &t, 5000);
    cr_assert_eq(t.flushed, 2);
    pk_close_all(&loop, p, -1, &t);
    cr_assert_eq(t.flushed, 2);
}

typedef struct stream {
    kfk_producer_t *p;
    const char *topic;
    tally_t *first; /* the records queued before the flush */
    tally_t *extra; /* the stream after it */
    sent_t *xs;
    int sent, max;
    int stopped;
    int flushed_while_streaming;
    uv_idle_t idle;
} stream_t;

static void on_stream_flush(kfk_producer_t *p, void *opaque) {
    (void)p;
    stream_t *st = opaque;
    st->first->flushed++;
    st->first->reports_at_flush = st->first->reports;
    st->flushed_while_streaming = !st->stopped;
}

static void on_stream_idle(uv_idle_t *h) {
    stream_t *st = h->data;
    /* Keep records queued: a few more every loop iteration until max or the flush is done. */
    for (int i = 0; i < 20 && st->sent < st->max && !st->first->flushed; i++) {
        kfk_record_t rec = {st->topic, KFK_PARTITION_ANY, NULL, 0, "x", 1, NULL, 0, 0};
        st->xs[st->sent].t = st->extra;
        kfk_err_t e = kfk_producer_send(st->p, &rec, pk_on_delivery, &st->xs[st->sent]);
        if (e == KFK_ERR__QUEUE_FULL)
            break;
        cr_assert_eq(e, 0);
        st->sent++;
    }
    if (st->sent >= st->max || st->first->flushed) {
        st->stopped = 1;
        uv_idle_stop(h);
    }
}

Test(producer, flush_does_not_wait_for_records_sent_after_it, .timeout = 60) {
    enum { N = 1000, MAX = 200000 };
    char topic[96];
    pk_topic_create(topic, sizeof topic, "flush2", 3, NULL);
    uv_loop_t loop;
    uv_loop_init(&loop);
    tally_t first = {0}, extra = {0};
    kfk_producer_t *p = pk_producer(&loop, NULL);
    sent_t *s = calloc(N, sizeof *s);
    for (int i = 0; i < N; i++) {
        kfk_record_t rec = {topic, KFK_PARTITION_ANY, NULL, 0, "f", 1, NULL, 0, 0};
        s[i].t = &first;
        cr_assert_eq(kfk_producer_send(p, &rec, pk_on_delivery, &s[i]), 0);
    }
    stream_t st = {p, topic, &first, &extra, calloc(MAX, sizeof(sent_t)), 0, MAX, 0, 0, {0}};
    cr_assert_eq(kfk_producer_flush(p, on_stream_flush, &st), 0);
    uv_idle_init(&loop, &st.idle);
    st.idle.data = &st;
    uv_idle_start(&st.idle, on_stream_idle);
    pk_run_until(&loop, &first.flushed, 40000);
    if (!st.stopped) {
        uv_idle_stop(&st.idle);
        st.stopped = 1;
    }
    uv_close((uv_handle_t *)&st.idle, NULL);
    fprintf(stderr,
            "flush: called back after %zu of %d earlier reports; %d records sent after it\n",
            first.reports_at_flush, N, st.sent);
    tally_t ct = {0};
    pk_close_all(&loop, p, -1, &ct);
    free(st.xs);
    free(s);
    cr_assert_eq(first.reports_at_flush, (size_t)N);
    cr_assert_eq(first.ok, (size_t)N);
    cr_assert_eq(extra.reports, (size_t)st.sent, "every streamed record reported once");
    cr_assert(st.flushed_while_streaming,
              "flush waited for the %d records sent after it (it must call back once the %d "
              "records queued when it was called are reported)",
              st.sent, N);
}

Test(producer, close_flushes_pending_records_then_calls_back, .timeout = 60) {
    enum { N = 2000 };
    char topic[96];
    pk_topic_create(topic, sizeof topic, "close", 3, NULL);
    uv_loop_t loop;
    uv_loop_init(&loop);
    tally_t t = {0};
    kfk_producer_t *p = pk_producer(&loop, (const char *[]){"linger.ms", "30000", NULL});
    sent_t *s = calloc(N, sizeof *s);
    for (int i = 0; i < N; i++) {
        char v[16];
        int vl = snprintf(v, sizeof v, "%d", i);
        kfk_record_t rec = {topic, KFK_PARTITION_ANY, v, (size_t)vl, v, (size_t)vl, NULL, 0, 0};
        s[i].t = &t;
        cr_assert_eq(kfk_producer_send(p, &rec, pk_on_delivery, &s[i]), 0);
    }
    uint64_t t0 = uv_hrtime();
    kfk_producer_close(p, pk_on_closed, &t);
    kfk_record_t late = {topic, KFK_PARTITION_ANY, NULL, 0, "late", 4, NULL, 0, 0};
    sent_t ls = {0};
    ls.t = &t;
    cr_assert_eq(kfk_producer_send(p, &late, pk_on_delivery, &ls), KFK_ERR__DESTROYED);
    cr_assert_eq(t.reports, 0, "no callback inside kfk_producer_close");
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&loop), 0);
    double secs = (double)(uv_hrtime() - t0) / 1e9;
    cr_assert_eq(t.closed, 1);
    cr_assert_eq(t.reports_at_close, (size_t)N, "close callback after %zu of %d reports",
                 t.reports_at_close, N);
    cr_assert_eq(ls.calls, 0);
    for (int i = 0; i < N; i++)
        cr_assert_eq(s[i].calls, 1, "record %d reported %d times", i, s[i].calls);
    cr_assert_eq(t.ok, (size_t)N, "close flushes what is queued");
    cr_assert_lt(secs, 10.0, "close took %.1f s: it must not wait for linger.ms", secs);
    rows_t r = pk_kcat_read(topic);
    cr_assert_eq(r.n, (size_t)N);
    pk_rows_free(&r);
    free(s);
}

Test(producer, close_with_a_zero_timeout_fails_pending_records_once_each, .timeout = 60) {
    enum { N = 2000 };
    char topic[96];
    pk_topic_create(topic, sizeof topic, "close0", 3, NULL);
    uv_loop_t loop;
    uv_loop_init(&loop);
    tally_t t = {0};
    kfk_producer_t *p = pk_producer(&loop, (const char *[]){"linger.ms", "30000", NULL});
    sent_t *s = calloc(N, sizeof *s);
    /* Half before the metadata is known (held back), half after. */
    for (int i = 0; i < N; i++) {
        for (int k = 0; i == N / 2 && k < 20; k++) {
            uv_run(&loop, UV_RUN_NOWAIT);
            usleep(5000);
        }
        kfk_record_t rec = {topic, KFK_PARTITION_ANY, NULL, 0, "v", 1, NULL, 0, 0};
        s[i].t = &t;
        cr_assert_eq(kfk_producer_send(p, &rec, pk_on_delivery, &s[i]), 0);
    }
    pk_close_all(&loop, p, 0, &t);
    cr_assert_eq(t.reports_at_close, (size_t)N);
    for (int i = 0; i < N; i++) {
        cr_assert_eq(s[i].calls, 1, "record %d reported %d times", i, s[i].calls);
        cr_assert(s[i].err == KFK_ERR__DESTROYED || s[i].err == 0, "record %d: %s", i,
                  kfk_err_name(s[i].err));
    }
    cr_assert_gt(t.failed, 0, "a zero timeout cannot have delivered everything");
    free(s);
}

static void on_delivery_close(kfk_producer_t *p, const kfk_delivery_t *d, void *opaque) {
    sent_t *s = opaque;
    pk_on_delivery(p, d, opaque);
    if (s->t->reports == 1) {
        kfk_producer_set_close_timeout(p, 0);
        kfk_producer_close(p, pk_on_closed, s->t);
        kfk_record_t rec = {"x", KFK_PARTITION_ANY, NULL, 0, "v", 1, NULL, 0, 0};
        cr_assert_eq(kfk_producer_send(p, &rec, pk_on_delivery, s), KFK_ERR__DESTROYED);
    }
}

Test(producer, close_from_inside_a_delivery_callback, .timeout = 60) {
    enum { N = 3000 };
    char topic[96];
    pk_topic_create(topic, sizeof topic, "closecb", 3, NULL);
    uv_loop_t loop;
    uv_loop_init(&loop);
    tally_t t = {0};
    kfk_producer_t *p = pk_producer(&loop, (const char *[]){"batch.size", "1024", NULL});
    sent_t *s = calloc(N, sizeof *s);
    for (int i = 0; i < N; i++) {
        kfk_record_t rec = {topic, i % 3, NULL, 0, "value", 5, NULL, 0, 0};
        s[i].t = &t;
        cr_assert_eq(kfk_producer_send(p, &rec, on_delivery_close, &s[i]), 0);
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&loop), 0);
    cr_assert_eq(t.closed, 1);
    cr_assert_eq(t.dup, 0);
    cr_assert_eq(t.reports_at_close, (size_t)N);
    for (int i = 0; i < N; i++)
        cr_assert_eq(s[i].calls, 1, "record %d reported %d times", i, s[i].calls);
    free(s);
}

static void on_closed_check(kfk_producer_t *p, void *opaque) {
    tally_t *t = opaque;
    t->closed++;
    /* kfk.h: "memory is freed after it returns": the producer is still readable here. */
    t->reports_at_close = kfk_producer_queued(p);
}

Test(producer, the_producer_is_still_valid_inside_its_close_callback, .timeout = 30) {
    uv_loop_t loop;
    uv_loop_init(&loop);
    tally_t t = {0};
    kfk_producer_t *p = pk_producer_at(&loop, "127.0.0.1:1", NULL);
    t.reports_at_close = 12345;
    kfk_producer_set_close_timeout(p, 0);
    kfk_producer_close(p, on_closed_check, &t);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&loop), 0);
    cr_assert_eq(t.closed, 1);
    cr_assert_eq(t.reports_at_close, 0);
}

Test(producer, close_with_an_unreachable_broker_ends_within_its_timeout, .timeout = 30) {
    enum { N = 100 };
    uv_loop_t loop;
    uv_loop_init(&loop);
    tally_t t = {0};
    t.loop = &loop;
    kfk_producer_t *p = pk_producer_at(&loop, "127.0.0.1:1", NULL);
    sent_t s[N];
    memset(s, 0, sizeof s);
    for (int i = 0; i < N; i++) {
        kfk_record_t rec = {"kfk-p-nowhere", KFK_PARTITION_ANY, "k", 1, "v", 1, NULL, 0, 0};
        s[i].t = &t;
        cr_assert_eq(kfk_producer_send(p, &rec, pk_on_delivery, &s[i]), 0);
    }
    uint64_t t0 = uv_now(&loop);
    pk_close_all(&loop, p, 500, &t);
    uint64_t took = t.closed_at - t0;
    cr_assert_eq(t.reports_at_close, (size_t)N);
    for (int i = 0; i < N; i++) {
        cr_assert_eq(s[i].calls, 1);
        cr_assert_eq(s[i].err, KFK_ERR__DESTROYED, "record %d: %s", i, kfk_err_name(s[i].err));
    }
    cr_assert_geq(took, 450);
    cr_assert_lt(took, 3000, "close took %llu ms with a 500 ms timeout", (unsigned long long)took);
}

/* ==== delivery timeouts
 * =========================================================================== */

Test(producer, a_dead_broker_reports_message_timed_out_after_delivery_timeout, .timeout = 30) {
    enum { N = 10 };
    uv_loop_t loop;
    uv_loop_init(&loop);
    tally_t t = {0};
    t.loop = &loop;
    kfk_producer_t *p =
        pk_producer_at(&loop, "127.0.0.1:1", (const char *[]){"delivery.timeout.ms", "2000", NULL});
    sent_t s[N];
    memset(s, 0, sizeof s);
    uint64_t t0 = uv_now(&loop);
    for (int i = 0; i < N; i++) {
        kfk_record_t rec = {
            "kfk-p-dead", i % 2 ? 0 : KFK_PARTITION_ANY, "k", 1, "v", 1, NULL, 0, 0};
        s[i].t = &t;
        cr_assert_eq(kfk_producer_send(p, &rec, pk_on_delivery, &s[i]), 0);
    }
    while (t.reports < N) {
        pk_run_once(&loop);
        uv_update_time(&loop);
        cr_assert_lt(uv_now(&loop) - t0, 10000, "%zu of %d reported after 10 s", t.reports, N);
    }
    pk_close_all(&loop, p, -1, &t);
    for (int i = 0; i < N; i++) {
        uint64_t at = s[i].at_ms - t0;
        cr_assert_eq(s[i].err, KFK_ERR__MSG_TIMED_OUT,
                     "record %d: %s (no broker ever answered: the record timed out)", i,
                     kfk_err_name(s[i].err));
        cr_assert(at >= 1900 && at < 4000, "record %d reported after %llu ms", i,
                  (unsigned long long)at);
    }
}

Test(producer, an_unknown_topic_is_reported_within_delivery_timeout, .timeout = 30) {
    enum { N = 10 };
    uv_loop_t loop;
    uv_loop_init(&loop);
    tally_t t = {0};
    t.loop = &loop;
    /* The broker creates topics on request (auto.create.topics.enable=true): a producer that
     * may ask for it would create this one (test_settings.c). */
    kfk_producer_t *p =
        pk_producer(&loop, (const char *[]){"delivery.timeout.ms", "2000",
                                            "allow.auto.create.topics", "false", NULL});
    char topic[96];
    snprintf(topic, sizeof topic, "kfk-p-missing-%d-%u", (int)getpid(),
             (unsigned)(uv_hrtime() % 1000000));
    sent_t s[N];
    memset(s, 0, sizeof s);
    uint64_t t0 = uv_now(&loop);
    for (int i = 0; i < N; i++) {
        kfk_record_t rec = {topic, i % 2 ? 1 : KFK_PARTITION_ANY, "k", 1, "v", 1, NULL, 0, 0};
        s[i].t = &t;
        cr_assert_eq(kfk_producer_send(p, &rec, pk_on_delivery, &s[i]), 0);
    }
    while (t.reports < N) {
        pk_run_once(&loop);
        uv_update_time(&loop);
        cr_assert_lt(uv_now(&loop) - t0, 10000, "%zu of %d reported after 10 s", t.reports, N);
    }
    pk_close_all(&loop, p, -1, &t);
    for (int i = 0; i < N; i++) {
        uint64_t at = s[i].at_ms - t0;
        cr_assert(s[i].err == KFK_ERR__MSG_TIMED_OUT ||
                      s[i].err == KFK_ERR_UNKNOWN_TOPIC_OR_PARTITION,
                  "record %d: %s", i, kfk_err_name(s[i].err));
        cr_assert(at >= 1900 && at < 4000, "record %d reported after %llu ms", i,
                  (unsigned long long)at);
    }
}
