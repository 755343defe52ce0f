/*
 * test_consumer_commit_offsets.c: kfk_consumer_commit_offsets against the in-process mock: the
 * offsets and metadata given are what the group then holds (read back with
 * kfk_admin_list_group_offsets), a consumer starting from the group's commit starts there, a
 * subscribed member commits in its generation, arguments are checked and the callback never runs
 * inside the call.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include <uv.h>

#include "kfk/kfk.h"
#include "kfk/mock.h"

typedef struct {
    uv_loop_t loop;
    uv_timer_t deadline;
    kfk_mock_t *mock;
    kfk_consumer_t *c;
    kfk_admin_t *admin;
    int timed_out, done, in_call;
    int commits;
    kfk_err_t commit_err;
    int listed;
    kfk_err_t list_err;
    int64_t listed_offset;
    char listed_md[64];
    int64_t first_offset;
} co_t;

static void on_mock_closed(kfk_mock_t *m, void *opaque) {
    (void)m;
    (void)opaque;
}

static void on_consumer_closed(kfk_consumer_t *c, void *opaque) {
    (void)c;
    co_t *t = opaque;
    kfk_mock_close(t->mock, on_mock_closed, t);
}

static void on_admin_closed(kfk_admin_t *a, void *opaque) {
    (void)a;
    (void)opaque;
}

static void stop(co_t *t) {
    if (t->done)
        return;
    t->done = 1;
    uv_close((uv_handle_t *)&t->deadline, NULL);
    if (t->admin)
        kfk_admin_close(t->admin, on_admin_closed, t);
    kfk_consumer_set_close_timeout(t->c, 0);
    kfk_consumer_close(t->c, on_consumer_closed, t);
}

static void on_deadline(uv_timer_t *h) {
    co_t *t = h->data;
    t->timed_out = 1;
    stop(t);
}

static kfk_conf_t *conf_for(co_t *t) {
    char errstr[256];
    kfk_conf_t *conf = kfk_conf_new();
    cr_assert_eq(
        kfk_conf_set(conf, "bootstrap.servers", kfk_mock_bootstrap(t->mock), errstr, sizeof errstr),
        KFK_ERR_NONE);
    cr_assert_eq(kfk_conf_set(conf, "group.id", "gc", errstr, sizeof errstr), KFK_ERR_NONE);
    cr_assert_eq(kfk_conf_set(conf, "heartbeat.interval.ms", "100", errstr, sizeof errstr),
                 KFK_ERR_NONE);
    return conf;
}

static void setup(co_t *t) {
    memset(t, 0, sizeof *t);
    t->first_offset = -1;
    t->listed_offset = -2;
    cr_assert_eq(uv_loop_init(&t->loop), 0);
    char errstr[256];
    kfk_mock_opts_t mo = KFK_MOCK_OPTS_INIT;
    cr_assert_eq(kfk_mock_new(&t->loop, &mo, &t->mock, errstr, sizeof errstr), KFK_ERR_NONE);
    cr_assert_eq(kfk_mock_topic_create(t->mock, "t", 2, 1), KFK_ERR_NONE);
    kfk_conf_t *conf = conf_for(t);
    cr_assert_eq(kfk_consumer_new(&t->loop, conf, &t->c, errstr, sizeof errstr), KFK_ERR_NONE);
    cr_assert_eq(kfk_admin_new(&t->loop, conf, &t->admin, errstr, sizeof errstr), KFK_ERR_NONE);
    kfk_conf_free(conf);
    uv_timer_init(&t->loop, &t->deadline);
    t->deadline.data = t;
    uv_timer_start(&t->deadline, on_deadline, 20000, 0);
}

static void finish(co_t *t) {
    uv_run(&t->loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&t->loop), 0, "a handle was left open");
}

static void on_listed(kfk_admin_t *a, kfk_err_t err, const kfk_partition_offset_t *offsets,
                      size_t n, void *opaque) {
    (void)a;
    co_t *t = opaque;
    t->listed = 1;
    t->list_err = err;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(offsets[i].topic, "t") && offsets[i].partition == 1) {
            t->listed_offset = offsets[i].offset;
            snprintf(t->listed_md, sizeof t->listed_md, "%s",
                     offsets[i].metadata ? offsets[i].metadata : "(null)");
        }
    stop(t);
}

static void on_committed(kfk_consumer_t *c, kfk_err_t err, void *opaque) {
    (void)c;
    co_t *t = opaque;
    cr_expect_eq(t->in_call, 0, "the callback ran inside kfk_consumer_commit_offsets");
    t->commits++;
    t->commit_err = err;
    if (err) {
        stop(t);
        return;
    }
    cr_assert_eq(kfk_admin_list_group_offsets(t->admin, "gc", NULL, on_listed, t), KFK_ERR_NONE);
}

Test(consumer_commit_offsets, commits_the_given_offsets_with_their_metadata) {
    co_t t;
    setup(&t);
    kfk_commit_offset_t bad[] = {{"t", -1, 5, NULL}, {NULL, 0, 5, NULL}, {"t", 0, -3, NULL}};
    for (size_t i = 0; i < 3; i++)
        cr_expect_eq(kfk_consumer_commit_offsets(t.c, &bad[i], 1, on_committed, &t),
                     KFK_ERR__INVALID_ARG, "entry %zu", i);
    cr_expect_eq(kfk_consumer_commit_offsets(t.c, bad, 0, on_committed, &t), KFK_ERR__INVALID_ARG);
    /* No assignment, no subscription: a simple consumer's commit (generation -1). */
    kfk_commit_offset_t o[] = {{"t", 0, 3, NULL}, {"t", 1, 7, "stored-elsewhere:42"}};
    t.in_call = 1;
    cr_assert_eq(kfk_consumer_commit_offsets(t.c, o, 2, on_committed, &t), KFK_ERR_NONE);
    t.in_call = 0;
    finish(&t);
    cr_expect_eq(t.timed_out, 0);
    cr_expect_eq(t.commits, 1);
    cr_expect_eq(t.commit_err, KFK_ERR_NONE, "%s", kfk_err_name(t.commit_err));
    cr_expect_eq(t.list_err, KFK_ERR_NONE, "%s", kfk_err_name(t.list_err));
    cr_expect_eq(t.listed_offset, 7);
    cr_expect_str_eq(t.listed_md, "stored-elsewhere:42");
}

static void on_rebalance(kfk_consumer_t *c, kfk_rebalance_event_t ev,
                         const kfk_topic_partition_t *parts, size_t n, void *opaque) {
    (void)parts;
    co_t *t = opaque;
    if (ev != KFK_REBALANCE_ASSIGNED || n == 0 || t->commits)
        return;
    kfk_commit_offset_t o[] = {{"t", 1, 4, "in-generation"}};
    t->in_call = 1;
    cr_assert_eq(kfk_consumer_commit_offsets(c, o, 1, on_committed, t), KFK_ERR_NONE);
    t->in_call = 0;
}

static void on_batch(kfk_consumer_t *c, kfk_batch_t *b, void *opaque) {
    (void)c;
    (void)opaque;
    kfk_batch_done(b, KFK_ERR_NONE);
}

Test(consumer_commit_offsets, a_subscribed_member_commits_in_its_generation) {
    co_t t;
    setup(&t);
    kfk_consumer_set_rebalance_cb(t.c, on_rebalance, &t);
    const char *topics[] = {"t"};
    cr_assert_eq(kfk_consumer_subscribe(t.c, topics, 1), KFK_ERR_NONE);
    cr_assert_eq(kfk_consumer_start(t.c, on_batch, &t), KFK_ERR_NONE);
    finish(&t);
    cr_expect_eq(t.timed_out, 0);
    cr_expect_eq(t.commit_err, KFK_ERR_NONE, "%s", kfk_err_name(t.commit_err));
    cr_expect_eq(t.listed_offset, 4);
    cr_expect_str_eq(t.listed_md, "in-generation");
}

static void on_closed_early(kfk_consumer_t *c, void *opaque) {
    (void)c;
    co_t *t = opaque;
    cr_expect_eq(t->commits, 1, "the commit's callback did not run before the close callback");
    kfk_mock_close(t->mock, on_mock_closed, t);
}

Test(consumer_commit_offsets, a_close_ends_a_waiting_commit_with_destroyed) {
    co_t t;
    setup(&t);
    /* Every FindCoordinator fails: the commit waits, then the consumer closes. */
    kfk_mock_fault_t f = KFK_MOCK_FAULT_INIT;
    f.api_key = 10;
    f.count = -1;
    f.error = KFK_ERR_COORDINATOR_NOT_AVAILABLE;
    cr_assert_eq(kfk_mock_fault_add(t.mock, &f), KFK_ERR_NONE);
    kfk_commit_offset_t o[] = {{"t", 0, 3, NULL}};
    cr_assert_eq(kfk_consumer_commit_offsets(t.c, o, 1, on_committed, &t), KFK_ERR_NONE);
    t.done = 1;
    uv_close((uv_handle_t *)&t.deadline, NULL);
    kfk_admin_close(t.admin, on_admin_closed, &t);
    kfk_consumer_close(t.c, on_closed_early, &t);
    cr_expect_eq(kfk_consumer_commit_offsets(t.c, o, 1, on_committed, &t), KFK_ERR__DESTROYED);
    finish(&t);
    cr_expect_eq(t.commits, 1);
    cr_expect_eq(t.commit_err, KFK_ERR__DESTROYED, "%s", kfk_err_name(t.commit_err));
}
