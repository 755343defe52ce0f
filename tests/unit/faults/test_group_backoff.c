/*
 * test_group_backoff.c: a group member against a coordinator that keeps failing the group. A
 * JoinGroup or SyncGroup that fails is retried after retry.backoff.ms doubling to
 * retry.backoff.max.ms (with jitter): the mock counts the JoinGroup requests over a window,
 * which must stay within the schedule. Before the rule the member joined again at once, as
 * fast as the coordinator answered. Then the fault is cleared and the member must join and be
 * assigned the topic's partitions: the backoff delays, it never gives up on a retriable error.
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
#define DEADLINE_MS 20000

typedef struct {
    uv_loop_t loop;
    uv_timer_t timer;
    kfk_mock_t *mock;
    kfk_consumer_t *c;
    uint64_t start, window_end;
    uint64_t joins_in_window, syncs_in_window;
    int phase; /* 0: faulted window, 1: fault cleared, waiting for the assignment */
    int assigned, timed_out;
} gb_t;

static void on_consumer_closed(kfk_consumer_t *c, void *opaque) {
    (void)c;
    gb_t *t = opaque;
    kfk_mock_close(t->mock, kt_mock_closed, t);
}

static void stop(gb_t *t) {
    if (uv_is_closing((uv_handle_t *)&t->timer))
        return;
    uv_close((uv_handle_t *)&t->timer, NULL);
    kfk_consumer_set_close_timeout(t->c, 0);
    kfk_consumer_close(t->c, on_consumer_closed, t);
}

static void on_batch(kfk_consumer_t *c, kfk_batch_t *b, void *opaque) {
    (void)c;
    (void)opaque;
    kfk_batch_done(b, KFK_ERR_NONE);
}

static void on_rebalance(kfk_consumer_t *c, kfk_rebalance_event_t ev,
                         const kfk_topic_partition_t *parts, size_t n, void *opaque) {
    (void)c;
    (void)parts;
    gb_t *t = opaque;
    if (ev == KFK_REBALANCE_ASSIGNED && n > 0 && t->phase == 1) {
        t->assigned = (int)n;
        stop(t);
    }
}

static void on_timer(uv_timer_t *h) {
    gb_t *t = h->data;
    if (t->phase == 0) {
        t->window_end = uv_now(&t->loop);
        t->joins_in_window = kfk_mock_requests(t->mock, KFK_API_JOIN_GROUP);
        t->syncs_in_window = kfk_mock_requests(t->mock, KFK_API_SYNC_GROUP);
        kfk_mock_fault_clear(t->mock);
        t->phase = 1;
        uv_timer_start(&t->timer, on_timer, DEADLINE_MS, 0);
        return;
    }
    t->timed_out = 1;
    stop(t);
}

static void run(const char *fault, gb_t *t) {
    memset(t, 0, sizeof *t);
    cr_assert_eq(uv_loop_init(&t->loop), 0);
    char errstr[512], v[32];
    kfk_mock_opts_t mo = KFK_MOCK_OPTS_INIT;
    cr_assert_eq(kfk_mock_new(&t->loop, &mo, &t->mock, errstr, sizeof errstr), KFK_ERR_NONE, "%s",
                 errstr);
    cr_assert_eq(kfk_mock_topic_create(t->mock, "t", 2, 1), KFK_ERR_NONE);
    cr_assert_eq(kfk_mock_fault_parse(t->mock, fault, errstr, sizeof errstr), KFK_ERR_NONE, "%s",
                 errstr);
    kfk_conf_t *conf = kfk_conf_new();
    cr_assert_eq(
        kfk_conf_set(conf, "bootstrap.servers", kfk_mock_bootstrap(t->mock), errstr, sizeof errstr),
        KFK_ERR_NONE);
    cr_assert_eq(kfk_conf_set(conf, "group.id", "g", errstr, sizeof errstr), KFK_ERR_NONE);
    snprintf(v, sizeof v, "%d", BACKOFF_MS);
    cr_assert_eq(kfk_conf_set(conf, "retry.backoff.ms", v, errstr, sizeof errstr), 0);
    snprintf(v, sizeof v, "%d", BACKOFF_MAX_MS);
    cr_assert_eq(kfk_conf_set(conf, "retry.backoff.max.ms", v, errstr, sizeof errstr), 0);
    cr_assert_eq(kfk_consumer_new(&t->loop, conf, &t->c, errstr, sizeof errstr), KFK_ERR_NONE, "%s",
                 errstr);
    kfk_conf_free(conf);
    kfk_consumer_set_rebalance_cb(t->c, on_rebalance, t);
    const char *topics[] = {"t"};
    cr_assert_eq(kfk_consumer_subscribe(t->c, topics, 1), KFK_ERR_NONE);
    cr_assert_eq(kfk_consumer_start(t->c, on_batch, t), KFK_ERR_NONE);
    uv_timer_init(&t->loop, &t->timer);
    t->timer.data = t;
    t->start = uv_now(&t->loop);
    uv_timer_start(&t->timer, on_timer, WINDOW_MS, 0);
    uv_run(&t->loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&t->loop), 0, "a handle was left open");
}

static void check(const char *fault, int count_syncs) {
    gb_t t;
    run(fault, &t);
    uint64_t elapsed = t.window_end - t.start;
    int bound = kt_schedule_bound(elapsed, BACKOFF_MS, BACKOFF_MAX_MS);
    uint64_t attempts = count_syncs ? t.syncs_in_window : t.joins_in_window;
    cr_log_info("%s: %llu JoinGroup, %llu SyncGroup in %llu ms (bound %d)", fault,
                (unsigned long long)t.joins_in_window, (unsigned long long)t.syncs_in_window,
                (unsigned long long)elapsed, bound);
    cr_expect_geq(attempts, 2, "the member did not try again");
    /* KIP-394: the first JoinGroup of a new member is answered MEMBER_ID_REQUIRED and sent
     * again at once (not a failure): at most one more JoinGroup than the schedule's attempts,
     * and each SyncGroup follows a JoinGroup. */
    cr_expect_leq(attempts, (uint64_t)bound + (count_syncs ? 0 : 1),
                  "%llu attempts in %llu ms: more than the backoff schedule allows (%d)",
                  (unsigned long long)attempts, (unsigned long long)elapsed, bound);
    cr_expect_eq(t.timed_out, 0, "no assignment within %d ms once the fault was cleared",
                 DEADLINE_MS);
    cr_expect_eq(t.assigned, 2, "assigned %d partitions, not the topic's 2", t.assigned);
}

Test(group_backoff, a_join_group_error_forever_is_retried_on_the_backoff_schedule) {
    check("api=JoinGroup,error=COORDINATOR_LOAD_IN_PROGRESS,count=all", 0);
}

Test(group_backoff, a_sync_group_error_forever_is_retried_on_the_backoff_schedule) {
    check("api=SyncGroup,error=REBALANCE_IN_PROGRESS,count=all", 1);
}

Test(group_backoff, a_join_group_answer_that_does_not_decode_is_retried_on_the_schedule) {
    /* A JoinGroup answer cut after its header: the connection fails and the member rejoins,
     * both backed off. */
    check("api=JoinGroup,truncate=12,count=all", 0);
}

/* ---- errors of the group member as events --------------------------------------------------- */

typedef struct {
    uv_loop_t loop;
    kfk_mock_t *mock;
    kfk_consumer_t *c;
    int events, group_events, closed;
    kfk_err_t err;
    int stopped;
    char msg[512];
} ge_t;

static void on_ge_closed(kfk_consumer_t *c, void *opaque) {
    (void)c;
    ge_t *t = opaque;
    t->closed = 1;
    kfk_mock_close(t->mock, kt_mock_closed, t);
}

static void on_ge_error(kfk_consumer_t *c, const kfk_consumer_error_t *e, void *opaque) {
    ge_t *t = opaque;
    t->events++;
    if (e->topic)
        return;
    t->group_events++;
    cr_expect_eq(e->partition, -1);
    t->err = e->err;
    t->stopped = e->stopped;
    snprintf(t->msg, sizeof t->msg, "%s", e->msg);
    if (e->stopped)
        kfk_consumer_close(c, on_ge_closed, t); /* legal from the callback */
}

/* GROUP_AUTHORIZATION_FAILED on JoinGroup: one event for the group (topic NULL) that says the
 * member cannot go on, with the cause; and the close that follows ends (it used to wait twice
 * request.timeout.ms for a heartbeat timer the fatal error had left open: the test's 20 s
 * timeout is below that). */
Test(group_errors, a_group_authorization_failure_stops_the_member_with_its_cause, .timeout = 20) {
    ge_t t;
    memset(&t, 0, sizeof t);
    cr_assert_eq(uv_loop_init(&t.loop), 0);
    char errstr[512];
    kfk_mock_opts_t mo = KFK_MOCK_OPTS_INIT;
    cr_assert_eq(kfk_mock_new(&t.loop, &mo, &t.mock, errstr, sizeof errstr), KFK_ERR_NONE);
    cr_assert_eq(kfk_mock_topic_create(t.mock, "t", 2, 1), KFK_ERR_NONE);
    cr_assert_eq(kfk_mock_fault_parse(t.mock,
                                      "api=JoinGroup,count=all,error=GROUP_AUTHORIZATION_FAILED",
                                      errstr, sizeof errstr),
                 KFK_ERR_NONE, "%s", errstr);
    kfk_conf_t *conf = kfk_conf_new();
    cr_assert_eq(
        kfk_conf_set(conf, "bootstrap.servers", kfk_mock_bootstrap(t.mock), errstr, sizeof errstr),
        KFK_ERR_NONE);
    cr_assert_eq(kfk_conf_set(conf, "group.id", "g", errstr, sizeof errstr), KFK_ERR_NONE);
    cr_assert_eq(kfk_consumer_new(&t.loop, conf, &t.c, errstr, sizeof errstr), KFK_ERR_NONE);
    kfk_conf_free(conf);
    kfk_consumer_set_error_cb(t.c, on_ge_error, &t);
    const char *topics[] = {"t"};
    cr_assert_eq(kfk_consumer_subscribe(t.c, topics, 1), KFK_ERR_NONE);
    cr_assert_eq(kfk_consumer_start(t.c, on_batch, &t), KFK_ERR_NONE);
    uv_run(&t.loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&t.loop), 0, "a handle was left open");
    cr_expect_eq(t.closed, 1);
    cr_expect_eq(t.group_events, 1, "%d group events", t.group_events);
    cr_expect_eq(t.err, KFK_ERR_GROUP_AUTHORIZATION_FAILED, "%s", kfk_err_name(t.err));
    cr_expect(t.stopped, "the member was not stopped");
    cr_expect(strstr(t.msg, "group g") && strstr(t.msg, "JoinGroup"), "message: %s", t.msg);
}
