/*
 * test_producer_reports.c: what a delivery report may claim. A Produce that the broker wrote
 * but never answered (the mock's close=before serves the request, then closes instead of
 * answering) leaves the batch's fate unknown: when its delivery.timeout.ms then runs out while
 * it waits for a retry, it must be reported _POSSIBLY_PERSISTED, never _MSG_TIMED_OUT ("not
 * written"), which was the report before (found by scripts/reliability row 2: records reported
 * timed out were read back).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include <uv.h>

#include "kfk/kfk.h"
#include "kfk/mock.h"

#include "support.h"

typedef struct {
    uv_loop_t loop;
    kfk_mock_t *mock;
    kfk_producer_t *p;
    int reports;
    kfk_err_t err;
    uint64_t produce_requests;
} pr_t;

static void on_closed(kfk_producer_t *p, void *opaque) {
    (void)p;
    pr_t *t = opaque;
    kfk_mock_close(t->mock, kt_mock_closed, t);
}

static void on_delivery(kfk_producer_t *p, const kfk_delivery_t *d, void *opaque) {
    pr_t *t = opaque;
    t->reports++;
    t->err = d->err;
    t->produce_requests = kfk_mock_requests(t->mock, KFK_API_PRODUCE);
    kfk_producer_set_close_timeout(p, 0);
    kfk_producer_close(p, on_closed, t);
}

static void run(pr_t *t, const char *idempotence) {
    memset(t, 0, sizeof *t);
    cr_assert_eq(uv_loop_init(&t->loop), 0);
    char errstr[512];
    t->mock = kt_mock(&t->loop, 0);
    cr_assert_eq(kfk_mock_topic_create(t->mock, "t", 1, 1), KFK_ERR_NONE);
    cr_assert_eq(
        kfk_mock_fault_parse(t->mock, "api=Produce,close=before,count=all", errstr, sizeof errstr),
        KFK_ERR_NONE, "%s", errstr);
    const char *kv[] = {"enable.idempotence", idempotence, "linger.ms", "0",
                        /* the first attempt is written, then the retry waits past the deadline */
                        "retry.backoff.ms", "3000", "retry.backoff.max.ms", "3000",
                        "reconnect.backoff.ms", "3000", "request.timeout.ms", "1000",
                        "delivery.timeout.ms", "1500", NULL};
    kfk_conf_t *conf = kt_conf(kfk_mock_bootstrap(t->mock), kv);
    cr_assert_eq(kfk_producer_new(&t->loop, conf, &t->p, errstr, sizeof errstr), KFK_ERR_NONE, "%s",
                 errstr);
    kfk_conf_free(conf);
    kfk_record_t rec = {.topic = "t", .partition = 0, .value = "v", .value_len = 1};
    cr_assert_eq(kfk_producer_send(t->p, &rec, on_delivery, t), KFK_ERR_NONE);
    uv_run(&t->loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&t->loop), 0, "a handle was left open");
}

Test(producer_reports, a_written_but_unanswered_batch_that_times_out_is_possibly_persisted) {
    pr_t t;
    run(&t, "false");
    cr_expect_eq(t.reports, 1);
    cr_expect_geq(t.produce_requests, 1, "no Produce reached the broker");
    cr_expect_eq(t.err, KFK_ERR__POSSIBLY_PERSISTED, "reported %s", kfk_err_name(t.err));
}

Test(producer_reports, the_same_with_idempotence) {
    pr_t t;
    run(&t, "true");
    cr_expect_eq(t.reports, 1);
    cr_expect_geq(t.produce_requests, 1, "no Produce reached the broker");
    cr_expect_eq(t.err, KFK_ERR__POSSIBLY_PERSISTED, "reported %s", kfk_err_name(t.err));
}

/* ---- what a close may claim, and when a held record times out ------------------------------ */

typedef struct {
    uv_loop_t loop;
    uv_timer_t poll;
    kfk_mock_t *mock;
    kfk_producer_t *p;
    int reports;
    kfk_err_t err;
    uint64_t sent_at, reported_at;
    int close_when_sent; /* close (timeout 100 ms) once the mock has the Produce request */
} cl_t;

static void cl_closed(kfk_producer_t *p, void *opaque) {
    (void)p;
    cl_t *t = opaque;
    kfk_mock_close(t->mock, kt_mock_closed, t);
}

static void cl_delivery(kfk_producer_t *p, const kfk_delivery_t *d, void *opaque) {
    cl_t *t = opaque;
    t->reports++;
    t->err = d->err;
    t->reported_at = uv_now(&t->loop);
    if (!t->close_when_sent) {
        kfk_producer_set_close_timeout(p, 0);
        kfk_producer_close(p, cl_closed, t);
    }
}

static void cl_poll(uv_timer_t *h) {
    cl_t *t = h->data;
    if (kfk_mock_requests(t->mock, KFK_API_PRODUCE) == 0)
        return;
    uv_close((uv_handle_t *)&t->poll, NULL);
    kfk_producer_set_close_timeout(t->p, 100);
    kfk_producer_close(t->p, cl_closed, t);
}

static void cl_run(cl_t *t, const char *faults, const char *const *kv, int close_when_sent) {
    memset(t, 0, sizeof *t);
    t->close_when_sent = close_when_sent;
    cr_assert_eq(uv_loop_init(&t->loop), 0);
    char errstr[512];
    t->mock = kt_mock(&t->loop, 0);
    cr_assert_eq(kfk_mock_topic_create(t->mock, "t", 1, 1), KFK_ERR_NONE);
    cr_assert_eq(kfk_mock_fault_parse(t->mock, faults, errstr, sizeof errstr), KFK_ERR_NONE, "%s",
                 errstr);
    kfk_conf_t *conf = kt_conf(kfk_mock_bootstrap(t->mock), kv);
    cr_assert_eq(kfk_producer_new(&t->loop, conf, &t->p, errstr, sizeof errstr), KFK_ERR_NONE, "%s",
                 errstr);
    kfk_conf_free(conf);
    kfk_record_t rec = {.topic = "t", .partition = 0, .value = "v", .value_len = 1};
    t->sent_at = uv_now(&t->loop);
    cr_assert_eq(kfk_producer_send(t->p, &rec, cl_delivery, t), KFK_ERR_NONE);
    if (close_when_sent) {
        uv_timer_init(&t->loop, &t->poll);
        t->poll.data = t;
        uv_timer_start(&t->poll, cl_poll, 5, 5);
    }
    uv_run(&t->loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&t->loop), 0, "a handle was left open");
}

Test(producer_reports, a_close_while_a_produce_is_unanswered_reports_possibly_persisted) {
    /* The broker has the request (it answers 3 s later); the close gives up after 100 ms. The
     * record may well be written: it was reported _DESTROYED ("never sent") before. */
    const char *kv[] = {"linger.ms", "0", "request.timeout.ms", "5000", NULL};
    cl_t t;
    cl_run(&t, "api=Produce,delay=3000,count=all", kv, 1);
    cr_expect_eq(t.reports, 1);
    cr_expect_eq(t.err, KFK_ERR__POSSIBLY_PERSISTED, "reported %s", kfk_err_name(t.err));
}

Test(producer_reports, a_record_held_for_metadata_times_out_by_its_send_time) {
    /* Metadata answers 600 ms late, then every Produce NOT_ENOUGH_REPLICAS: the record must fail
     * by delivery.timeout.ms (1000) after its send. Its batch was made when the partition count
     * arrived and counted from then: 1600 ms. */
    const char *kv[] = {"linger.ms", "0", "delivery.timeout.ms", "1000", "retry.backoff.ms",
                        "50",        NULL};
    cl_t t;
    cl_run(&t, "api=Metadata,delay=600,count=all;api=Produce,error=NOT_ENOUGH_REPLICAS,count=all",
           kv, 0);
    uint64_t took = t.reported_at - t.sent_at;
    cr_log_info("held record: reported %s after %llu ms", kfk_err_name(t.err),
                (unsigned long long)took);
    cr_expect_eq(t.reports, 1);
    cr_expect_eq(t.err, KFK_ERR__MSG_TIMED_OUT, "reported %s", kfk_err_name(t.err));
    cr_expect_leq(took, 1000 + 150, "reported %llu ms after the send (delivery.timeout.ms 1000)",
                  (unsigned long long)took);
}
