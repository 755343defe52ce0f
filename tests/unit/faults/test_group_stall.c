/*
 * test_group_stall.c: a group member whose process stalls past session.timeout.ms (SIGSTOP, a
 * long pause) must not hand out another batch when it wakes: its partitions may belong to
 * another member by then. Found by scripts/reliability row 5b: a member SIGSTOPped for 8 s
 * (session 6 s) was handed one more batch after SIGCONT in 4 of 10 rounds, because libuv runs
 * the overdue timers in due order and the consumer's timer came before the heartbeat timer
 * that notices the lost session.
 *
 * Here the stall is a timer callback that blocks the loop 1.5 s (session 1 s) while the
 * application holds a batch, and finishes that batch when it wakes (it had it in hand): the
 * next event must be the partitions lost, not a batch.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include <uv.h>

#include "kfk/kfk.h"
#include "kfk/mock.h"

#include "support.h"

#define NREC 300

typedef struct {
    uv_loop_t loop;
    uv_timer_t deadline, stall;
    kfk_mock_t *mock;
    kfk_producer_t *p;
    kfk_consumer_t *c;
    kfk_batch_t *held;
    int delivered, batches, stalled, lost, assigned, after_stall_before_lost, timed_out;
} st_t;

static void on_consumer_closed(kfk_consumer_t *c, void *opaque) {
    (void)c;
    st_t *t = opaque;
    kfk_mock_close(t->mock, kt_mock_closed, t);
}

static void stop(st_t *t) {
    if (uv_is_closing((uv_handle_t *)&t->deadline))
        return;
    uv_close((uv_handle_t *)&t->deadline, NULL);
    if (!uv_is_closing((uv_handle_t *)&t->stall))
        uv_close((uv_handle_t *)&t->stall, NULL);
    kfk_consumer_set_close_timeout(t->c, 0);
    kfk_consumer_close(t->c, on_consumer_closed, t);
}

static void on_stall(uv_timer_t *h) {
    st_t *t = h->data;
    uv_sleep(1500); /* the process is stopped: no heartbeat, no timer, past the 1 s session */
    t->stalled = 1;
    kfk_batch_t *b = t->held;
    t->held = NULL;
    kfk_batch_done(b, KFK_ERR_NONE);
}

static void on_batch(kfk_consumer_t *c, kfk_batch_t *b, void *opaque) {
    (void)c;
    st_t *t = opaque;
    t->batches++;
    if (t->stalled && !t->lost)
        t->after_stall_before_lost++;
    if (t->batches == 1) {
        t->held = b; /* in hand when the process stops */
        uv_timer_start(&t->stall, on_stall, 50, 0);
        return;
    }
    kfk_batch_done(b, KFK_ERR_NONE);
}

static void on_rebalance(kfk_consumer_t *c, kfk_rebalance_event_t ev,
                         const kfk_topic_partition_t *parts, size_t n, void *opaque) {
    (void)c;
    (void)parts;
    st_t *t = opaque;
    if (ev == KFK_REBALANCE_LOST) {
        t->lost++;
    } else if (ev == KFK_REBALANCE_ASSIGNED && n > 0) {
        t->assigned++;
        if (t->lost)
            stop(t); /* assigned again after the lost session: the scenario is over */
    }
}

static void on_deadline(uv_timer_t *h) {
    st_t *t = h->data;
    t->timed_out = 1;
    stop(t);
}

static void start_consumer(st_t *t) {
    char errstr[512];
    const char *kv[] = {"group.id",
                        "g",
                        "session.timeout.ms",
                        "1000",
                        "heartbeat.interval.ms",
                        "200",
                        "auto.offset.reset",
                        "earliest",
                        "max.poll.records",
                        "100",
                        NULL};
    kfk_conf_t *conf = kt_conf(kfk_mock_bootstrap(t->mock), kv);
    cr_assert_eq(kfk_consumer_new(&t->loop, conf, &t->c, errstr, sizeof errstr), KFK_ERR_NONE, "%s",
                 errstr);
    kfk_conf_free(conf);
    kfk_consumer_set_rebalance_cb(t->c, on_rebalance, t);
    const char *topics[] = {"t"};
    cr_assert_eq(kfk_consumer_subscribe(t->c, topics, 1), KFK_ERR_NONE);
    cr_assert_eq(kfk_consumer_start(t->c, on_batch, t), KFK_ERR_NONE);
}

static void on_producer_closed(kfk_producer_t *p, void *opaque) {
    (void)p;
    start_consumer(opaque);
}

static void on_delivery(kfk_producer_t *p, const kfk_delivery_t *d, void *opaque) {
    st_t *t = opaque;
    cr_assert_eq(d->err, KFK_ERR_NONE, "%s", kfk_err_name(d->err));
    if (++t->delivered == NREC)
        kfk_producer_close(p, on_producer_closed, t);
}

Test(group_stall, a_member_that_wakes_past_its_session_hands_out_no_batch_before_the_loss,
     .timeout = 40) {
    st_t t;
    memset(&t, 0, sizeof t);
    cr_assert_eq(uv_loop_init(&t.loop), 0);
    char errstr[512];
    t.mock = kt_mock(&t.loop, 0);
    cr_assert_eq(kfk_mock_topic_create(t.mock, "t", 1, 1), KFK_ERR_NONE);
    kfk_conf_t *conf = kt_conf(kfk_mock_bootstrap(t.mock), NULL);
    cr_assert_eq(kfk_producer_new(&t.loop, conf, &t.p, errstr, sizeof errstr), KFK_ERR_NONE);
    kfk_conf_free(conf);
    for (int i = 0; i < NREC; i++) {
        kfk_record_t rec = {.topic = "t", .partition = 0, .value = "v", .value_len = 1};
        cr_assert_eq(kfk_producer_send(t.p, &rec, on_delivery, &t), KFK_ERR_NONE);
    }
    uv_timer_init(&t.loop, &t.stall);
    t.stall.data = &t;
    uv_timer_init(&t.loop, &t.deadline);
    t.deadline.data = &t;
    uv_timer_start(&t.deadline, on_deadline, 30000, 0);
    uv_run(&t.loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&t.loop), 0, "a handle was left open");
    cr_expect_eq(t.timed_out, 0, "not over within 30 s (batches %d, lost %d, assigned %d)",
                 t.batches, t.lost, t.assigned);
    cr_expect_eq(t.stalled, 1);
    cr_expect_geq(t.lost, 1, "the stalled member never reported its partitions lost");
    cr_expect_eq(t.after_stall_before_lost, 0,
                 "%d batch(es) handed out after the stall, before the partitions were lost",
                 t.after_stall_before_lost);
}
