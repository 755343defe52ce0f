/*
 * test_group_expiry.c: kfk_mock_group_expire_member against kfk's group member. Once the member
 * is assigned, the mock expires it as a session timeout would: the member learns it from its
 * next Heartbeat (UNKNOWN_MEMBER_ID), reports its partitions lost, joins again as a new member
 * and is assigned the topic's partitions again.
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
    uv_timer_t deadline;
    kfk_mock_t *mock;
    kfk_consumer_t *c;
    int assigned, lost, expired, timed_out;
    kfk_err_t expire_err;
} ex_t;

static void on_closed(kfk_consumer_t *c, void *opaque) {
    (void)c;
    ex_t *t = opaque;
    kfk_mock_close(t->mock, kt_mock_closed, t);
}

static void stop(ex_t *t) {
    if (uv_is_closing((uv_handle_t *)&t->deadline))
        return;
    uv_close((uv_handle_t *)&t->deadline, NULL);
    kfk_consumer_set_close_timeout(t->c, 0);
    kfk_consumer_close(t->c, on_closed, t);
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
    ex_t *t = opaque;
    if (ev == KFK_REBALANCE_ASSIGNED && n > 0) {
        t->assigned++;
        if (t->assigned == 1) {
            /* Assigned once: expire every member of the group now. */
            t->expire_err = kfk_mock_group_expire_member(t->mock, "g", NULL);
            t->expired = 1;
        } else {
            stop(t); /* assigned again after the expiry */
        }
    } else if (ev == KFK_REBALANCE_LOST) {
        t->lost++;
    }
}

static void on_deadline(uv_timer_t *h) {
    ex_t *t = h->data;
    t->timed_out = 1;
    stop(t);
}

Test(group_expiry, an_expired_member_loses_its_partitions_and_joins_again) {
    ex_t t;
    memset(&t, 0, sizeof t);
    cr_assert_eq(uv_loop_init(&t.loop), 0);
    char errstr[512];
    kfk_mock_opts_t mo = KFK_MOCK_OPTS_INIT;
    cr_assert_eq(kfk_mock_new(&t.loop, &mo, &t.mock, errstr, sizeof errstr), KFK_ERR_NONE);
    cr_assert_eq(kfk_mock_topic_create(t.mock, "t", 2, 1), KFK_ERR_NONE);
    cr_assert_eq(kfk_mock_group_expire_member(t.mock, "g", NULL), KFK_ERR_GROUP_ID_NOT_FOUND);
    kfk_conf_t *conf = kfk_conf_new();
    cr_assert_eq(
        kfk_conf_set(conf, "bootstrap.servers", kfk_mock_bootstrap(t.mock), errstr, sizeof errstr),
        KFK_ERR_NONE);
    cr_assert_eq(kfk_conf_set(conf, "group.id", "g", errstr, sizeof errstr), KFK_ERR_NONE);
    cr_assert_eq(kfk_conf_set(conf, "heartbeat.interval.ms", "100", errstr, sizeof errstr),
                 KFK_ERR_NONE);
    cr_assert_eq(kfk_consumer_new(&t.loop, conf, &t.c, errstr, sizeof errstr), KFK_ERR_NONE);
    kfk_conf_free(conf);
    kfk_consumer_set_rebalance_cb(t.c, on_rebalance, &t);
    const char *topics[] = {"t"};
    cr_assert_eq(kfk_consumer_subscribe(t.c, topics, 1), KFK_ERR_NONE);
    cr_assert_eq(kfk_consumer_start(t.c, on_batch, &t), KFK_ERR_NONE);
    uv_timer_init(&t.loop, &t.deadline);
    t.deadline.data = &t;
    uv_timer_start(&t.deadline, on_deadline, 20000, 0);
    uv_run(&t.loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&t.loop), 0, "a handle was left open");
    cr_expect_eq(t.timed_out, 0, "not assigned again within 20 s (assigned %d, lost %d)",
                 t.assigned, t.lost);
    cr_expect_eq(t.expire_err, KFK_ERR_NONE, "%s", kfk_err_name(t.expire_err));
    cr_expect_eq(t.lost, 1, "partitions reported lost %d times", t.lost);
    cr_expect_eq(t.assigned, 2);
}
