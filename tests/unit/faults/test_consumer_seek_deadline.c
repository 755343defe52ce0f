/*
 * test_consumer_seek_deadline.c: kfk_consumer_seek_timestamp's callback has a deadline. Against
 * the in-process mock whose every ListOffsets answers a retriable error (LEADER_NOT_AVAILABLE),
 * the seek is retried on the retry backoff, and its callback comes with KFK_ERR__TIMED_OUT once
 * request.timeout.ms has passed, never later than the test's bound; the consumer's error
 * callback has named the broker's error meanwhile. Once the broker answers again, a new seek
 * lands where it should.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include <uv.h>

#include "kfk/kfk.h"
#include "kfk/mock.h"
#include "mock_records.h"
#include "support.h"

#define API_LIST_OFFSETS 2

typedef struct {
    uv_loop_t loop;
    uv_timer_t deadline;
    kfk_mock_t *mock;
    kfk_consumer_t *c;
    int batches, seeks, stopping, timed_out;
    kfk_err_t seek_err[2];
    int64_t seek_offset[2];
    double asked_at, answered_at;
    char why[512];
} sd_t;

static double now_ms(sd_t *t) {
    return (double)uv_now(&t->loop);
}

static void on_consumer_closed(kfk_consumer_t *c, void *opaque) {
    (void)c;
    sd_t *t = opaque;
    kfk_mock_close(t->mock, kt_mock_closed, t);
}

static void stop(sd_t *t) {
    if (t->stopping)
        return;
    t->stopping = 1;
    uv_close((uv_handle_t *)&t->deadline, NULL);
    kfk_consumer_set_close_timeout(t->c, 0);
    kfk_consumer_close(t->c, on_consumer_closed, t);
}

static void on_deadline(uv_timer_t *h) {
    sd_t *t = h->data;
    t->timed_out = 1;
    stop(t);
}

static void on_seek(kfk_consumer_t *c, const char *topic, int32_t partition, int64_t offset,
                    kfk_err_t err, void *opaque) {
    sd_t *t = opaque;
    (void)topic;
    (void)partition;
    int i = t->seeks++;
    if (i >= 2)
        return;
    t->seek_err[i] = err;
    t->seek_offset[i] = offset;
    if (i == 0 && t->stopping) {
        t->answered_at = now_ms(t); /* the close ended it */
    } else if (i == 0) {
        t->answered_at = now_ms(t);
        /* The broker answers again: a new seek lands on the record at 1005 (offset 5). */
        kfk_mock_fault_clear(t->mock);
        cr_assert_eq(kfk_consumer_seek_timestamp(c, "t", 0, 1005, on_seek, t), KFK_ERR_NONE);
    } else {
        stop(t);
    }
}

static void on_batch(kfk_consumer_t *c, kfk_batch_t *b, void *opaque) {
    sd_t *t = opaque;
    kfk_batch_done(b, KFK_ERR_NONE);
    if (t->batches++ || t->stopping)
        return;
    kfk_mock_fault_t f = KFK_MOCK_FAULT_INIT;
    f.api_key = API_LIST_OFFSETS;
    f.count = -1;
    f.error = KFK_ERR_LEADER_NOT_AVAILABLE;
    cr_assert_eq(kfk_mock_fault_add(t->mock, &f), KFK_ERR_NONE);
    t->asked_at = now_ms(t);
    cr_assert_eq(kfk_consumer_seek_timestamp(c, "t", 0, 1002, on_seek, t), KFK_ERR_NONE);
}

static void on_error(kfk_consumer_t *c, const kfk_consumer_error_t *e, void *opaque) {
    (void)c;
    sd_t *t = opaque;
    if (!t->why[0])
        snprintf(t->why, sizeof t->why, "%s", e->msg);
}

Test(consumer_seek_deadline, a_seek_the_broker_never_answers_ends_at_request_timeout) {
    sd_t t;
    memset(&t, 0, sizeof t);
    cr_assert_eq(uv_loop_init(&t.loop), 0);
    t.mock = kt_mock(&t.loop, 0);
    cr_assert_eq(kfk_mock_topic_create(t.mock, "t", 1, 1), KFK_ERR_NONE);
    kt_mock_fill(t.mock, "t", 0, 10);
    kfk_conf_t *conf = kt_conf(kfk_mock_bootstrap(t.mock),
                               (const char *[]){"request.timeout.ms", "1500", "retry.backoff.ms",
                                                "100", "retry.backoff.max.ms", "400", NULL});
    char errstr[512];
    cr_assert_eq(kfk_consumer_new(&t.loop, conf, &t.c, errstr, sizeof errstr), KFK_ERR_NONE, "%s",
                 errstr);
    kfk_conf_free(conf);
    kfk_consumer_set_error_cb(t.c, on_error, &t);
    kfk_topic_partition_t a = {"t", 0, KFK_OFFSET_BEGINNING};
    cr_assert_eq(kfk_consumer_assign(t.c, &a, 1), KFK_ERR_NONE);
    cr_assert_eq(kfk_consumer_start(t.c, on_batch, &t), KFK_ERR_NONE);
    uv_timer_init(&t.loop, &t.deadline);
    t.deadline.data = &t;
    uv_timer_start(&t.deadline, on_deadline, 15000, 0);
    uv_run(&t.loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&t.loop), 0, "a handle was left open");

    fprintf(stderr, "seek answered after %.0f ms: %s; error callback: %s\n",
            t.answered_at - t.asked_at, kfk_err_name(t.seek_err[0]), t.why);
    cr_expect_eq(t.timed_out, 0, "no seek callback in 15 s");
    cr_expect_eq(t.seeks, 2);
    cr_expect_eq(t.seek_err[0], KFK_ERR__TIMED_OUT, "%s", kfk_err_name(t.seek_err[0]));
    cr_expect_geq(t.answered_at - t.asked_at, 1400, "ended before request.timeout.ms");
    cr_expect_eq(t.seek_offset[0], -1);
    cr_expect(strstr(t.why, "LEADER_NOT_AVAILABLE"), "the error callback said \"%s\"", t.why);
    cr_expect_eq(t.seek_err[1], KFK_ERR_NONE, "%s", kfk_err_name(t.seek_err[1]));
    cr_expect_eq(t.seek_offset[1], 5);
}
