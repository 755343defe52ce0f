/*
 * test_producer_backoff.c: a producer whose topic stays unusable asks for metadata on the
 * retry.backoff.ms -> retry.backoff.max.ms schedule (KIP-580), however often the application
 * sends: a partition whose leader stays -1 (its only replica's broker is down), a topic that
 * stays LEADER_NOT_AVAILABLE or UNKNOWN_TOPIC_OR_PARTITION. The application sends a record every
 * 5 ms for the window (each send wakes the producer); the mock counts the Metadata requests,
 * which must stay within what the schedule allows. The records fail by delivery.timeout.ms with
 * an error, each reported once. Before, a leaderless partition drew a Metadata request per
 * wake-up: thousands in a few seconds. The delivery reports carry the cause (kfk_delivery_t
 * errstr: "t [1] has no leader", "topic t: ...").
 *
 * A topic answered with an error no retry mends (TOPIC_AUTHORIZATION_FAILED,
 * INVALID_TOPIC_EXCEPTION) fails its records at the answer, as Java's send does: they waited
 * for delivery.timeout.ms (two minutes by default) before.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include <uv.h>

#include "kfk/kfk.h"
#include "kfk/mock.h"

#include "support.h"
#include "schedule.h"

#define BACKOFF_MS 100
#define BACKOFF_MAX_MS 800
#define WINDOW_MS 2500
#define DELIVERY_TIMEOUT_MS 1000

typedef struct {
    uv_loop_t loop;
    uv_timer_t window, tick;
    kfk_mock_t *mock;
    kfk_producer_t *p;
    uint64_t start, end;
    int sent, reported, failed, destroyed, ok, stopping;
    kfk_err_t first_err;
    char first_errstr[256]; /* the delivery report's cause of the first failure */
    uint64_t md_reqs, md_before;
    uint64_t sent_at[1024]; /* uv_now at each accepted send, in order */
    uint64_t max_wait;      /* the longest send-to-failure time of a failed record */
} pb_t;

static void on_producer_closed(kfk_producer_t *p, void *opaque) {
    (void)p;
    pb_t *t = opaque;
    kfk_mock_close(t->mock, kt_mock_closed, t);
}

static void on_dr(kfk_producer_t *p, const kfk_delivery_t *d, void *opaque) {
    (void)p;
    pb_t *t = opaque;
    /* One topic, one partition: reports come in send order. */
    if (d->err && d->err != KFK_ERR__DESTROYED && t->reported < 1024) {
        uint64_t wait = uv_now(&t->loop) - t->sent_at[t->reported];
        if (wait > t->max_wait)
            t->max_wait = wait;
    }
    t->reported++;
    if (d->err == KFK_ERR__DESTROYED)
        t->destroyed++;
    else if (d->err) {
        t->failed++;
        if (!t->first_err) {
            t->first_err = d->err;
            snprintf(t->first_errstr, sizeof t->first_errstr, "%s", d->errstr ? d->errstr : "");
        }
    } else {
        t->ok++;
    }
}

static void on_tick(uv_timer_t *h) {
    pb_t *t = h->data;
    if (t->stopping)
        return;
    kfk_record_t r = {.topic = "t", .partition = 1, .value = "v", .value_len = 1};
    if (t->sent < 1024 && kfk_producer_send(t->p, &r, on_dr, t) == KFK_ERR_NONE)
        t->sent_at[t->sent++] = uv_now(&t->loop);
}

static void on_window(uv_timer_t *h) {
    pb_t *t = h->data;
    t->stopping = 1;
    t->end = uv_now(&t->loop);
    t->md_reqs = kfk_mock_requests(t->mock, KFK_API_METADATA) - t->md_before;
    uv_close((uv_handle_t *)&t->window, NULL);
    uv_close((uv_handle_t *)&t->tick, NULL);
    kfk_producer_set_close_timeout(t->p, 0);
    kfk_producer_close(t->p, on_producer_closed, t);
}

typedef enum { LEADERLESS, FAULT } how_t;

static void run(pb_t *t, how_t how, const char *fault, int delivery_timeout_ms) {
    memset(t, 0, sizeof *t);
    cr_assert_eq(uv_loop_init(&t->loop), 0);
    char errstr[512], v[32];
    kfk_mock_opts_t mo = KFK_MOCK_OPTS_INIT;
    mo.brokers = 2;
    cr_assert_eq(kfk_mock_new(&t->loop, &mo, &t->mock, errstr, sizeof errstr), KFK_ERR_NONE, "%s",
                 errstr);
    /* Two partitions of one replica each, spread over the two brokers: partition 1 on broker 2
     * (kfk_mock_topic_create spreads leaders in turn). */
    cr_assert_eq(kfk_mock_topic_create(t->mock, "t", 2, 1), KFK_ERR_NONE);
    if (how == LEADERLESS) {
        /* Broker 2 down: partition 1, whose only replica it holds, has leader -1 in every
         * answer (broker 1 still answers Metadata). */
        cr_assert_eq(kfk_mock_broker_set_up(t->mock, 2, 0), KFK_ERR_NONE);
    } else {
        cr_assert_eq(kfk_mock_fault_parse(t->mock, fault, errstr, sizeof errstr), KFK_ERR_NONE,
                     "%s", errstr);
    }
    kfk_conf_t *conf = kfk_conf_new();
    const char *bs = kfk_mock_bootstrap(t->mock);
    const char *comma = strchr(bs, ',');
    char first[64];
    snprintf(first, sizeof first, "%.*s", comma ? (int)(comma - bs) : (int)strlen(bs), bs);
    cr_assert_eq(kfk_conf_set(conf, "bootstrap.servers", first, errstr, sizeof errstr), 0);
    snprintf(v, sizeof v, "%d", BACKOFF_MS);
    cr_assert_eq(kfk_conf_set(conf, "retry.backoff.ms", v, errstr, sizeof errstr), 0);
    snprintf(v, sizeof v, "%d", BACKOFF_MAX_MS);
    cr_assert_eq(kfk_conf_set(conf, "retry.backoff.max.ms", v, errstr, sizeof errstr), 0);
    snprintf(v, sizeof v, "%d", delivery_timeout_ms);
    cr_assert_eq(kfk_conf_set(conf, "delivery.timeout.ms", v, errstr, sizeof errstr), 0, "%s",
                 errstr);
    cr_assert_eq(kfk_conf_set(conf, "request.timeout.ms", "500", errstr, sizeof errstr), 0);
    cr_assert_eq(kfk_conf_set(conf, "linger.ms", "0", errstr, sizeof errstr), 0);
    cr_assert_eq(kfk_conf_set(conf, "log_level", "3", errstr, sizeof errstr), 0);
    cr_assert_eq(kfk_producer_new(&t->loop, conf, &t->p, errstr, sizeof errstr), KFK_ERR_NONE, "%s",
                 errstr);
    kfk_conf_free(conf);
    t->md_before = kfk_mock_requests(t->mock, KFK_API_METADATA);
    uv_timer_init(&t->loop, &t->window);
    uv_timer_init(&t->loop, &t->tick);
    t->window.data = t->tick.data = t;
    t->start = uv_now(&t->loop);
    uv_timer_start(&t->window, on_window, WINDOW_MS, 0);
    uv_timer_start(&t->tick, on_tick, 0, 5);
    uv_run(&t->loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&t->loop), 0, "a handle was left open");
}

static void check(pb_t *t, const char *what, const char *cause) {
    uint64_t elapsed = t->end - t->start;
    /* The schedule, plus the client's own first refresh and the topic's first lookup. */
    int bound = kt_schedule_bound(elapsed, BACKOFF_MS, BACKOFF_MAX_MS) + 3;
    cr_log_info("%s: %llu Metadata requests in %llu ms (bound %d); %d sent, %d failed (%s), %d "
                "at close, %d delivered",
                what, (unsigned long long)t->md_reqs, (unsigned long long)elapsed, bound, t->sent,
                t->failed, kfk_err_name(t->first_err), t->destroyed, t->ok);
    cr_expect_geq(t->md_reqs, 2, "the producer did not ask again");
    cr_expect_leq(t->md_reqs, (uint64_t)bound,
                  "%llu Metadata requests in %llu ms: more than the backoff schedule allows (%d)",
                  (unsigned long long)t->md_reqs, (unsigned long long)elapsed, bound);
    cr_expect_eq(t->ok, 0, "a record was delivered to an unusable topic");
    cr_expect_eq(t->reported, t->sent, "%d records sent, %d reported", t->sent, t->reported);
    cr_expect_gt(t->failed, 0, "no record failed by delivery.timeout.ms");
    cr_expect(strstr(t->first_errstr, cause), "the delivery report says '%s', not '%s'",
              t->first_errstr, cause);
}

Test(producer_backoff, a_partition_whose_leader_stays_minus_one_is_refreshed_on_the_schedule) {
    pb_t t;
    run(&t, LEADERLESS, NULL, DELIVERY_TIMEOUT_MS);
    check(&t, "leaderless partition", "t [1] has no leader");
}

Test(producer_backoff, a_topic_that_stays_leader_not_available_is_refreshed_on_the_schedule) {
    pb_t t;
    run(&t, FAULT, "api=Metadata,topic=t,error=LEADER_NOT_AVAILABLE,count=all",
        DELIVERY_TIMEOUT_MS);
    check(&t, "LEADER_NOT_AVAILABLE", "topic t: There is no leader");
}

Test(producer_backoff, a_topic_that_stays_unknown_is_refreshed_on_the_schedule) {
    pb_t t;
    run(&t, FAULT, "api=Metadata,topic=t,error=UNKNOWN_TOPIC_OR_PARTITION,count=all",
        DELIVERY_TIMEOUT_MS);
    check(&t, "UNKNOWN_TOPIC_OR_PARTITION", "topic t: This server does not host");
}

/* The records fail at the answer: none waits for delivery.timeout.ms (30 s here, past the
 * window), the longest wait is the metadata backoff; Metadata still follows the schedule. */
static void check_final(pb_t *t, const char *what, kfk_err_t want, const char *cause) {
    check(t, what, cause);
    cr_log_info("%s: %d of %d records failed in the window, the longest after %llu ms", what,
                t->failed, t->sent, (unsigned long long)t->max_wait);
    cr_expect_eq(t->first_err, want, "%s", kfk_err_name(t->first_err));
    cr_expect_leq(t->max_wait, BACKOFF_MAX_MS + 500, "a record failed %llu ms after it was sent",
                  (unsigned long long)t->max_wait);
    cr_expect_geq(t->failed, t->sent / 2, "%d of %d records failed in the window", t->failed,
                  t->sent);
}

Test(producer_backoff, a_topic_not_authorized_fails_its_records_at_the_answer) {
    pb_t t;
    run(&t, FAULT, "api=Metadata,topic=t,error=TOPIC_AUTHORIZATION_FAILED,count=all", 30000);
    check_final(&t, "TOPIC_AUTHORIZATION_FAILED", KFK_ERR_TOPIC_AUTHORIZATION_FAILED,
                "topic t: Topic authorization failed");
}

Test(producer_backoff, an_invalid_topic_fails_its_records_at_the_answer) {
    pb_t t;
    run(&t, FAULT, "api=Metadata,topic=t,error=INVALID_TOPIC_EXCEPTION,count=all", 30000);
    check_final(&t, "INVALID_TOPIC_EXCEPTION", KFK_ERR_INVALID_TOPIC_EXCEPTION,
                "topic t: The request attempted to perform an operation on an invalid topic");
}
