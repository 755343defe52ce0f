/*
 * test_consumer_commit_cb.c: when kfk_consumer_commit's callback runs, against the in-process
 * mock. While batches keep being done (each one starts a commit round), a waiter is answered by
 * the round that carries its offsets: at most two OffsetCommit requests after the call, never
 * "when the traffic stops" (a 3-node cluster run saw no commit callback for 10 s while batches
 * went on: every round that ended found the next one asked for and kept its waiters). A commit
 * that cannot be sent (no coordinator) ends at request.timeout.ms with KFK_ERR__TIMED_OUT, and
 * the consumer's error callback says why it was not sent.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include <uv.h>

#include "kfk/kfk.h"
#include "kfk/mock.h"
#include "mock_records.h"
#include "support.h"

#define RECORDS 3000
#define POLL 10
#define HELD 64
#define API_OFFSET_COMMIT 8
#define API_FIND_COORDINATOR 10

typedef struct {
    uv_loop_t loop;
    uv_timer_t deadline, tick;
    kfk_mock_t *mock;
    kfk_consumer_t *c;
    kfk_admin_t *admin;
    kfk_batch_t *held[HELD];
    int nheld;
    int64_t done;        /* records marked done (one partition from offset 0: the watermark) */
    int64_t commit_from; /* ask for the commit once this many are done (-1: asked) */
    int64_t done_at_call;
    uint64_t requests_at_call, requests_at_cb;
    int in_call, commits, stopping, timed_out;
    kfk_err_t commit_err;
    int64_t done_at_cb;
    int listed;
    int64_t listed_offset;
    char why[512];
} ccb_t;

static void on_consumer_closed(kfk_consumer_t *c, void *opaque) {
    (void)c;
    ccb_t *t = opaque;
    kfk_mock_close(t->mock, kt_mock_closed, t);
}

static void on_admin_closed(kfk_admin_t *a, void *opaque) {
    (void)a;
    (void)opaque;
}

static void stop(ccb_t *t) {
    if (t->stopping)
        return;
    t->stopping = 1;
    uv_close((uv_handle_t *)&t->deadline, NULL);
    uv_close((uv_handle_t *)&t->tick, NULL);
    for (int i = 0; i < t->nheld; i++)
        kfk_batch_done(t->held[i], KFK_ERR_NONE);
    t->nheld = 0;
    if (t->admin)
        kfk_admin_close(t->admin, on_admin_closed, t);
    kfk_consumer_set_close_timeout(t->c, 0);
    kfk_consumer_close(t->c, on_consumer_closed, t);
}

static void on_deadline(uv_timer_t *h) {
    ccb_t *t = h->data;
    t->timed_out = 1;
    stop(t);
}

static void on_listed(kfk_admin_t *a, kfk_err_t err, const kfk_partition_offset_t *offsets,
                      size_t n, void *opaque) {
    (void)a;
    ccb_t *t = opaque;
    t->listed = 1;
    cr_expect_eq(err, KFK_ERR_NONE, "%s", kfk_err_name(err));
    for (size_t i = 0; i < n; i++)
        if (!strcmp(offsets[i].topic, "t") && offsets[i].partition == 0)
            t->listed_offset = offsets[i].offset;
    stop(t);
}

static void on_committed(kfk_consumer_t *c, kfk_err_t err, void *opaque) {
    (void)c;
    ccb_t *t = opaque;
    cr_expect_eq(t->in_call, 0, "the callback ran inside kfk_consumer_commit");
    t->commits++;
    t->commit_err = err;
    t->requests_at_cb = kfk_mock_requests(t->mock, API_OFFSET_COMMIT);
    t->done_at_cb = t->done;
    if (err || !t->admin)
        stop(t);
    else
        cr_assert_eq(kfk_admin_list_group_offsets(t->admin, "cc", NULL, on_listed, t),
                     KFK_ERR_NONE);
}

static void ask_commit(ccb_t *t) {
    t->commit_from = -1;
    t->done_at_call = t->done;
    t->requests_at_call = kfk_mock_requests(t->mock, API_OFFSET_COMMIT);
    t->in_call = 1;
    cr_assert_eq(kfk_consumer_commit(t->c, on_committed, t), KFK_ERR_NONE);
    t->in_call = 0;
}

/* Every 10 ms the held batches are done: a steady stream of commit rounds. */
static void on_tick(uv_timer_t *h) {
    ccb_t *t = h->data;
    for (int i = 0; i < t->nheld; i++) {
        t->done += (int64_t)kfk_batch_count(t->held[i]);
        kfk_batch_done(t->held[i], KFK_ERR_NONE);
    }
    t->nheld = 0;
    if (t->commit_from >= 0 && t->done >= t->commit_from)
        ask_commit(t);
}

static void on_batch(kfk_consumer_t *c, kfk_batch_t *b, void *opaque) {
    (void)c;
    ccb_t *t = opaque;
    if (t->stopping || t->nheld == HELD) {
        kfk_batch_done(b, KFK_ERR_NONE);
        return;
    }
    t->held[t->nheld++] = b;
}

static void on_error(kfk_consumer_t *c, const kfk_consumer_error_t *e, void *opaque) {
    (void)c;
    ccb_t *t = opaque;
    if (e->topic == NULL && e->err == KFK_ERR__TIMED_OUT)
        snprintf(t->why, sizeof t->why, "%s", e->msg);
}

/* The mock with topic "t" (1 partition) holding RECORDS records, and a consumer of group "cc"
 * assigned partition 0 from the beginning with the NULL-terminated settings @p kv. */
static void setup(ccb_t *t, const char *const *kv, int with_admin) {
    memset(t, 0, sizeof *t);
    t->listed_offset = -2;
    cr_assert_eq(uv_loop_init(&t->loop), 0);
    t->mock = kt_mock(&t->loop, 0);
    cr_assert_eq(kfk_mock_topic_create(t->mock, "t", 1, 1), KFK_ERR_NONE);
    kt_mock_fill(t->mock, "t", 0, RECORDS);

    kfk_conf_t *conf = kt_conf(kfk_mock_bootstrap(t->mock),
                               (const char *[]){"group.id", "cc", "enable.auto.commit", "false",
                                                "max.poll.records", "10", NULL});
    char errstr[512];
    for (size_t i = 0; kv && kv[i]; i += 2)
        cr_assert_eq(kfk_conf_set(conf, kv[i], kv[i + 1], errstr, sizeof errstr), KFK_ERR_NONE,
                     "%s: %s", kv[i], errstr);
    cr_assert_eq(kfk_consumer_new(&t->loop, conf, &t->c, errstr, sizeof errstr), KFK_ERR_NONE, "%s",
                 errstr);
    if (with_admin)
        cr_assert_eq(kfk_admin_new(&t->loop, conf, &t->admin, errstr, sizeof errstr), KFK_ERR_NONE,
                     "%s", errstr);
    kfk_conf_free(conf);
    kfk_consumer_set_error_cb(t->c, on_error, t);
    kfk_topic_partition_t a = {"t", 0, KFK_OFFSET_BEGINNING};
    cr_assert_eq(kfk_consumer_assign(t->c, &a, 1), KFK_ERR_NONE);
    cr_assert_eq(kfk_consumer_start(t->c, on_batch, t), KFK_ERR_NONE);
    uv_timer_init(&t->loop, &t->deadline);
    t->deadline.data = t;
    uv_timer_start(&t->deadline, on_deadline, 20000, 0);
    uv_timer_init(&t->loop, &t->tick);
    t->tick.data = t;
    uv_timer_start(&t->tick, on_tick, 10, 10);
}

static void finish(ccb_t *t) {
    uv_run(&t->loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&t->loop), 0, "a handle was left open");
}

Test(consumer_commit_cb, a_waiter_is_answered_by_the_round_carrying_its_offsets) {
    ccb_t t;
    setup(&t, NULL, 1);
    /* Every OffsetCommit answered 100 ms late: each round ends after more batches were done,
     * so the next round is always asked for. */
    kfk_mock_fault_t f = KFK_MOCK_FAULT_INIT;
    f.api_key = API_OFFSET_COMMIT;
    f.count = -1;
    f.kind = KFK_MOCK_FAULT_DELAY;
    f.delay_ms = 100;
    cr_assert_eq(kfk_mock_fault_add(t.mock, &f), KFK_ERR_NONE);
    t.commit_from = 200;
    finish(&t);
    cr_expect_eq(t.timed_out, 0, "no callback in 20 s");
    cr_expect_eq(t.commits, 1);
    cr_expect_eq(t.commit_err, KFK_ERR_NONE, "%s", kfk_err_name(t.commit_err));
    cr_expect_leq(t.requests_at_cb - t.requests_at_call, 2,
                  "%llu OffsetCommit requests between the call (%lld records done) and its "
                  "callback (%lld done)",
                  (unsigned long long)(t.requests_at_cb - t.requests_at_call),
                  (long long)t.done_at_call, (long long)t.done_at_cb);
    fprintf(stderr, "commit asked at %lld records done, answered at %lld, %llu requests\n",
            (long long)t.done_at_call, (long long)t.done_at_cb,
            (unsigned long long)(t.requests_at_cb - t.requests_at_call));
    cr_expect_lt(t.done_at_cb, RECORDS, "the callback waited for the last batch");
    cr_expect_geq(t.listed_offset, t.done_at_call,
                  "the group holds %lld after the callback; %lld were done at the call",
                  (long long)t.listed_offset, (long long)t.done_at_call);
}

Test(consumer_commit_cb, a_commit_that_cannot_be_sent_ends_at_request_timeout_with_the_cause) {
    ccb_t t;
    setup(&t, (const char *[]){"request.timeout.ms", "1000", NULL}, 0);
    kfk_mock_fault_t f = KFK_MOCK_FAULT_INIT;
    f.api_key = API_FIND_COORDINATOR;
    f.count = -1;
    f.error = KFK_ERR_COORDINATOR_NOT_AVAILABLE;
    cr_assert_eq(kfk_mock_fault_add(t.mock, &f), KFK_ERR_NONE);
    t.commit_from = 10;
    finish(&t);
    cr_expect_eq(t.timed_out, 0, "no callback in 20 s");
    cr_expect_eq(t.commits, 1);
    cr_expect_eq(t.commit_err, KFK_ERR__TIMED_OUT, "%s", kfk_err_name(t.commit_err));
    cr_expect_eq(t.requests_at_cb, 0, "OffsetCommit sent without a coordinator");
    fprintf(stderr, "unsent commit: %s\n", t.why);
    cr_expect(strstr(t.why, "commit") && strstr(t.why, "COORDINATOR_NOT_AVAILABLE"),
              "the error callback said: \"%s\"", t.why);
}
