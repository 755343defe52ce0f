/*
 * test_consumer_follow.c: a consumer that follows its topics (issue 18), against the in-process
 * mock: a group member rejoins when a subscribed topic gains partitions (kfk_mock_topic_add_
 * partitions) and consumes the new ones after a metadata refresh; a pattern subscription
 * ("^...") picks up a topic created after the group formed and leaves others alone; and
 * kfk_consumer_seek_timestamp lands on the first record at or after the time (the end offset
 * when none is), reporting through its callback.
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
    kfk_producer_t *p;
    int timed_out, done;
    int assigned;         /* ASSIGNED events */
    char wanted[64];      /* the topic whose record ends the test */
    int32_t wanted_part;  /* and its partition (-1: any) */
    int got;              /* a record of wanted arrived */
    char stray[64];       /* a topic assigned that must not be */
    int grown;            /* the change (partitions, topic) was made */
    kfk_err_t change_err; /* its result */
    /* seek by time */
    int seeks;
    int64_t seek_offset[4];
    kfk_err_t seek_err[4];
    int64_t first_offset, first_ts; /* first record delivered after the seek */
    int produced;
} fw_t;

static void on_mock_closed(kfk_mock_t *m, void *opaque) {
    (void)m;
    (void)opaque;
}

static void on_producer_closed(kfk_producer_t *p, void *opaque) {
    (void)p;
    (void)opaque;
}

static void on_consumer_closed(kfk_consumer_t *c, void *opaque) {
    (void)c;
    fw_t *t = opaque;
    kfk_mock_close(t->mock, on_mock_closed, t);
}

static void stop(fw_t *t) {
    if (t->done)
        return;
    t->done = 1;
    uv_close((uv_handle_t *)&t->deadline, NULL);
    if (t->p) {
        kfk_producer_set_close_timeout(t->p, 0);
        kfk_producer_close(t->p, on_producer_closed, t);
    }
    if (t->c) {
        kfk_consumer_set_close_timeout(t->c, 0);
        kfk_consumer_close(t->c, on_consumer_closed, t);
    } else {
        kfk_mock_close(t->mock, on_mock_closed, t);
    }
}

static void on_deadline(uv_timer_t *h) {
    fw_t *t = h->data;
    t->timed_out = 1;
    stop(t);
}

static kfk_conf_t *conf_for(fw_t *t, const char *group) {
    char errstr[256];
    kfk_conf_t *conf = kfk_conf_new();
    cr_assert_eq(
        kfk_conf_set(conf, "bootstrap.servers", kfk_mock_bootstrap(t->mock), errstr, sizeof errstr),
        KFK_ERR_NONE);
    if (group) {
        cr_assert_eq(kfk_conf_set(conf, "group.id", group, errstr, sizeof errstr), KFK_ERR_NONE);
        cr_assert_eq(kfk_conf_set(conf, "heartbeat.interval.ms", "100", errstr, sizeof errstr),
                     KFK_ERR_NONE);
        cr_assert_eq(kfk_conf_set(conf, "auto.offset.reset", "earliest", errstr, sizeof errstr),
                     KFK_ERR_NONE);
    }
    /* Metadata every 300 ms: the refresh that shows the change comes soon. */
    cr_assert_eq(kfk_conf_set(conf, "metadata.max.age.ms", "300", errstr, sizeof errstr),
                 KFK_ERR_NONE);
    return conf;
}

static void setup(fw_t *t) {
    memset(t, 0, sizeof *t);
    t->wanted_part = -1;
    t->first_offset = -1;
    cr_assert_eq(uv_loop_init(&t->loop), 0);
    char errstr[256];
    kfk_mock_opts_t mo = KFK_MOCK_OPTS_INIT;
    mo.auto_create_topics = 0;
    cr_assert_eq(kfk_mock_new(&t->loop, &mo, &t->mock, errstr, sizeof errstr), KFK_ERR_NONE, "%s",
                 errstr);
    uv_timer_init(&t->loop, &t->deadline);
    t->deadline.data = t;
    uv_timer_start(&t->deadline, on_deadline, 20000, 0);
}

static void finish(fw_t *t) {
    uv_run(&t->loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&t->loop), 0, "a handle was left open");
}

static void on_delivered(kfk_producer_t *p, const kfk_delivery_t *d, void *opaque);

/* A producer (created when the change was made, so its metadata shows it) sends @p value to
 * @p topic / @p partition. */
static void produce(fw_t *t, const char *topic, int32_t partition, const char *value, int64_t ts) {
    char errstr[256];
    if (!t->p) {
        kfk_conf_t *conf = conf_for(t, NULL);
        cr_assert_eq(kfk_producer_new(&t->loop, conf, &t->p, errstr, sizeof errstr), KFK_ERR_NONE,
                     "%s", errstr);
        kfk_conf_free(conf);
    }
    kfk_record_t r;
    memset(&r, 0, sizeof r);
    r.topic = topic;
    r.partition = partition;
    r.value = value;
    r.value_len = strlen(value);
    r.timestamp = ts;
    cr_assert_eq(kfk_producer_send(t->p, &r, on_delivered, t), KFK_ERR_NONE);
}

static void on_batch(kfk_consumer_t *c, kfk_batch_t *b, void *opaque) {
    (void)c;
    fw_t *t = opaque;
    for (size_t i = 0; i < kfk_batch_count(b); i++) {
        const kfk_message_t *m = kfk_batch_message(b, i);
        if (t->first_offset < 0) {
            t->first_offset = m->offset;
            t->first_ts = m->timestamp;
        }
        if (t->wanted[0] && !strcmp(m->topic, t->wanted) &&
            (t->wanted_part < 0 || m->partition == t->wanted_part))
            t->got = 1;
    }
    kfk_batch_done(b, KFK_ERR_NONE);
    if (t->got)
        stop(t);
}

/* ---- new partitions ------------------------------------------------------------------------ */

static void on_rebalance_grow(kfk_consumer_t *c, kfk_rebalance_event_t ev,
                              const kfk_topic_partition_t *parts, size_t n, void *opaque) {
    (void)c;
    (void)parts;
    fw_t *t = opaque;
    if (ev != KFK_REBALANCE_ASSIGNED || n == 0)
        return;
    t->assigned++;
    if (!t->grown) {
        /* The group formed over 2 partitions: the topic grows to 4 and partition 3 gets a
         * record, which only a rebalance can bring to this member. */
        t->grown = 1;
        t->change_err = kfk_mock_topic_add_partitions(t->mock, "grow", 4);
        produce(t, "grow", 3, "on a new partition", 0);
    }
}

Test(consumer_follow, partitions_added_to_a_subscribed_topic_are_consumed_after_a_refresh) {
    fw_t t;
    setup(&t);
    cr_assert_eq(kfk_mock_topic_create(t.mock, "grow", 2, 1), KFK_ERR_NONE);
    snprintf(t.wanted, sizeof t.wanted, "grow");
    t.wanted_part = 3;
    char errstr[256];
    kfk_conf_t *conf = conf_for(&t, "g-grow");
    cr_assert_eq(kfk_consumer_new(&t.loop, conf, &t.c, errstr, sizeof errstr), KFK_ERR_NONE);
    kfk_conf_free(conf);
    kfk_consumer_set_rebalance_cb(t.c, on_rebalance_grow, &t);
    const char *topics[] = {"grow"};
    cr_assert_eq(kfk_consumer_subscribe(t.c, topics, 1), KFK_ERR_NONE);
    cr_assert_eq(kfk_consumer_start(t.c, on_batch, &t), KFK_ERR_NONE);
    finish(&t);
    cr_expect_eq(t.change_err, KFK_ERR_NONE, "%s", kfk_err_name(t.change_err));
    cr_expect_eq(t.timed_out, 0,
                 "the record on new partition 3 was not consumed within 20 s (assigned %d "
                 "times): no rebalance after the partition count changed",
                 t.assigned);
    cr_expect_geq(t.assigned, 2);
}

Test(consumer_follow, the_mock_grows_topics_only) {
    fw_t t;
    setup(&t);
    cr_assert_eq(kfk_mock_topic_create(t.mock, "x", 2, 1), KFK_ERR_NONE);
    cr_expect_eq(kfk_mock_topic_add_partitions(t.mock, "x", 2), KFK_ERR_INVALID_PARTITIONS);
    cr_expect_eq(kfk_mock_topic_add_partitions(t.mock, "y", 3), KFK_ERR_UNKNOWN_TOPIC_OR_PARTITION);
    cr_expect_eq(kfk_mock_topic_add_partitions(t.mock, "x", 5), KFK_ERR_NONE);
    stop(&t);
    finish(&t);
}

/* ---- topics that appear and disappear ------------------------------------------------------ */

typedef struct {
    fw_t t;
    kfk_admin_t *admin;
    int phase; /* 0: waiting for a and b; 1: b deleted, waiting for an assignment without it */
    int b_revoked;
    kfk_err_t del_err;
} gone_t;

static void on_admin_closed(kfk_admin_t *a, void *opaque) {
    (void)a;
    (void)opaque;
}

static void on_deleted(kfk_admin_t *a, kfk_err_t err, const kfk_topic_result_t *r, size_t n,
                       void *opaque) {
    gone_t *g = opaque;
    g->del_err = err ? err : n ? r[0].err : KFK_ERR__BAD_MSG;
    kfk_admin_close(a, on_admin_closed, NULL);
    g->admin = NULL;
}

static void on_rebalance_gone(kfk_consumer_t *c, kfk_rebalance_event_t ev,
                              const kfk_topic_partition_t *parts, size_t n, void *opaque) {
    gone_t *g = opaque;
    int has_b = 0;
    for (size_t i = 0; i < n; i++)
        has_b |= !strcmp(parts[i].topic, "b");
    if (ev != KFK_REBALANCE_ASSIGNED) {
        g->b_revoked |= has_b;
        return;
    }
    g->t.assigned++;
    kfk_topic_partition_t now[8];
    size_t nn = kfk_consumer_assignment(c, now, 8);
    int holds_b = 0;
    for (size_t i = 0; i < nn && i < 8; i++)
        holds_b |= !strcmp(now[i].topic, "b");
    if (g->phase == 0 && holds_b) {
        /* Assigned a and b: b is deleted; the member must let its partition go. */
        g->phase = 1;
        const char *names[] = {"b"};
        cr_assert_eq(kfk_admin_delete_topics(g->admin, names, 1, 5000, on_deleted, g),
                     KFK_ERR_NONE);
    } else if (g->phase == 1 && !holds_b && nn > 0) {
        g->t.got = 1;
        stop(&g->t);
    }
}

Test(consumer_follow, a_deleted_topic_is_given_up_at_the_next_refresh) {
    gone_t g;
    memset(&g, 0, sizeof g);
    setup(&g.t);
    cr_assert_eq(kfk_mock_topic_create(g.t.mock, "a", 1, 1), KFK_ERR_NONE);
    cr_assert_eq(kfk_mock_topic_create(g.t.mock, "b", 1, 1), KFK_ERR_NONE);
    char errstr[256];
    kfk_conf_t *conf = conf_for(&g.t, "g-gone");
    cr_assert_eq(kfk_consumer_new(&g.t.loop, conf, &g.t.c, errstr, sizeof errstr), KFK_ERR_NONE);
    cr_assert_eq(kfk_admin_new(&g.t.loop, conf, &g.admin, errstr, sizeof errstr), KFK_ERR_NONE);
    kfk_conf_free(conf);
    kfk_consumer_set_rebalance_cb(g.t.c, on_rebalance_gone, &g);
    const char *topics[] = {"a", "b"};
    cr_assert_eq(kfk_consumer_subscribe(g.t.c, topics, 2), KFK_ERR_NONE);
    cr_assert_eq(kfk_consumer_start(g.t.c, on_batch, &g.t), KFK_ERR_NONE);
    finish(&g.t);
    cr_expect_eq(g.del_err, KFK_ERR_NONE, "%s", kfk_err_name(g.del_err));
    cr_expect_eq(g.t.timed_out, 0, "still assigned the deleted topic after 20 s (phase %d)",
                 g.phase);
    cr_expect(g.b_revoked, "the deleted topic's partition was not revoked");
}

static void on_rebalance_appear(kfk_consumer_t *c, kfk_rebalance_event_t ev,
                                const kfk_topic_partition_t *parts, size_t n, void *opaque) {
    (void)c;
    (void)parts;
    fw_t *t = opaque;
    if (ev != KFK_REBALANCE_ASSIGNED || n == 0)
        return;
    t->assigned++;
    if (!t->grown) {
        /* Assigned "here" only: "later", subscribed too, is created now. */
        t->grown = 1;
        t->change_err = kfk_mock_topic_create(t->mock, "later", 1, 1);
        produce(t, "later", 0, "on a subscribed topic created later", 0);
    }
}

Test(consumer_follow, a_subscribed_topic_created_later_is_assigned) {
    fw_t t;
    setup(&t);
    cr_assert_eq(kfk_mock_topic_create(t.mock, "here", 1, 1), KFK_ERR_NONE);
    snprintf(t.wanted, sizeof t.wanted, "later");
    char errstr[256];
    kfk_conf_t *conf = conf_for(&t, "g-appear");
    cr_assert_eq(kfk_consumer_new(&t.loop, conf, &t.c, errstr, sizeof errstr), KFK_ERR_NONE);
    kfk_conf_free(conf);
    kfk_consumer_set_rebalance_cb(t.c, on_rebalance_appear, &t);
    const char *topics[] = {"here", "later"};
    cr_assert_eq(kfk_consumer_subscribe(t.c, topics, 2), KFK_ERR_NONE);
    cr_assert_eq(kfk_consumer_start(t.c, on_batch, &t), KFK_ERR_NONE);
    finish(&t);
    cr_expect_eq(t.change_err, KFK_ERR_NONE, "%s", kfk_err_name(t.change_err));
    cr_expect_eq(t.timed_out, 0, "the record on topic later was not consumed within 20 s");
}

/* ---- pattern subscription ------------------------------------------------------------------ */

static void on_rebalance_pattern(kfk_consumer_t *c, kfk_rebalance_event_t ev,
                                 const kfk_topic_partition_t *parts, size_t n, void *opaque) {
    (void)c;
    fw_t *t = opaque;
    if (ev != KFK_REBALANCE_ASSIGNED || n == 0)
        return;
    t->assigned++;
    for (size_t i = 0; i < n; i++)
        if (strncmp(parts[i].topic, "pat.", 4) != 0)
            snprintf(t->stray, sizeof t->stray, "%s", parts[i].topic);
    if (!t->grown) {
        /* The group formed over pat.a: pat.b is created now, and a record written to it. */
        t->grown = 1;
        t->change_err = kfk_mock_topic_create(t->mock, "pat.b", 2, 1);
        produce(t, "pat.b", 1, "on a topic created later", 0);
    }
}

Test(consumer_follow, a_pattern_subscription_picks_up_a_topic_created_later) {
    fw_t t;
    setup(&t);
    cr_assert_eq(kfk_mock_topic_create(t.mock, "pat.a", 1, 1), KFK_ERR_NONE);
    cr_assert_eq(kfk_mock_topic_create(t.mock, "other", 1, 1), KFK_ERR_NONE);
    cr_assert_eq(kfk_mock_topic_create(t.mock, "xpat.c", 1, 1), KFK_ERR_NONE);
    snprintf(t.wanted, sizeof t.wanted, "pat.b");
    char errstr[256];
    kfk_conf_t *conf = conf_for(&t, "g-pattern");
    cr_assert_eq(kfk_consumer_new(&t.loop, conf, &t.c, errstr, sizeof errstr), KFK_ERR_NONE);
    kfk_conf_free(conf);
    kfk_consumer_set_rebalance_cb(t.c, on_rebalance_pattern, &t);
    const char *bad[] = {"^pat.(", NULL};
    cr_expect_eq(kfk_consumer_subscribe(t.c, bad, 1), KFK_ERR__INVALID_ARG);
    const char *topics[] = {"^pat\\..*"};
    cr_assert_eq(kfk_consumer_subscribe(t.c, topics, 1), KFK_ERR_NONE);
    cr_assert_eq(kfk_consumer_start(t.c, on_batch, &t), KFK_ERR_NONE);
    finish(&t);
    cr_expect_eq(t.change_err, KFK_ERR_NONE, "%s", kfk_err_name(t.change_err));
    cr_expect_eq(t.timed_out, 0,
                 "the record on pat.b was not consumed within 20 s (assigned %d times)",
                 t.assigned);
    cr_expect_eq(t.stray[0], 0, "topic %s was assigned, which the pattern does not match", t.stray);
    cr_expect_geq(t.assigned, 2);
}

/* ---- seek by time -------------------------------------------------------------------------- */

static void on_seek(kfk_consumer_t *c, const char *topic, int32_t partition, int64_t offset,
                    kfk_err_t err, void *opaque) {
    (void)c;
    fw_t *t = opaque;
    cr_expect_str_eq(topic, "ts");
    cr_expect_eq(partition, 0);
    if (t->seeks < 4) {
        t->seek_offset[t->seeks] = offset;
        t->seek_err[t->seeks] = err;
    }
    t->seeks++;
    if (t->seeks == 2) {
        /* Past every record: the end offset. */
        cr_expect_eq(kfk_consumer_seek_timestamp(c, "ts", 0, 9000, on_seek, t), KFK_ERR_NONE);
    } else if (t->seeks == 3) {
        /* Then to 2500 again: the records from offset 2 (timestamp 3000) are delivered. */
        cr_expect_eq(kfk_consumer_seek_timestamp(c, "ts", 0, 2500, on_seek, t), KFK_ERR_NONE);
        t->first_offset = -1;
        snprintf(t->wanted, sizeof t->wanted, "ts");
    }
}

static void on_delivered(kfk_producer_t *p, const kfk_delivery_t *d, void *opaque) {
    (void)p;
    fw_t *t = opaque;
    cr_expect_eq(d->err, KFK_ERR_NONE, "%s", kfk_err_name(d->err));
    t->produced += d->err == KFK_ERR_NONE;
}

static void on_flushed(kfk_producer_t *p, void *opaque) {
    (void)p;
    fw_t *t = opaque;
    cr_assert_eq(t->produced, 5, "%d of 5 records written", t->produced);
    /* Five records at 1000, 2000, ... 5000 ms; the consumer starts at the end and seeks. */
    kfk_topic_partition_t tp = {"ts", 0, KFK_OFFSET_END};
    cr_assert_eq(kfk_consumer_assign(t->c, &tp, 1), KFK_ERR_NONE);
    cr_expect_eq(kfk_consumer_seek_timestamp(t->c, "ts", 1, 2500, on_seek, t),
                 KFK_ERR__UNKNOWN_PARTITION);
    cr_expect_eq(kfk_consumer_seek_timestamp(t->c, "ts", 0, -5, on_seek, t), KFK_ERR__INVALID_ARG);
    /* A seek replaced by the next one ends with KFK_ERR__STATE. */
    cr_assert_eq(kfk_consumer_seek_timestamp(t->c, "ts", 0, 100, on_seek, t), KFK_ERR_NONE);
    cr_assert_eq(kfk_consumer_seek_timestamp(t->c, "ts", 0, 2500, on_seek, t), KFK_ERR_NONE);
    cr_expect_eq(t->seeks, 0, "a seek callback ran inside the call");
    cr_assert_eq(kfk_consumer_start(t->c, on_batch, t), KFK_ERR_NONE);
}

Test(consumer_follow, seek_by_time_lands_on_the_first_record_at_or_after_it) {
    fw_t t;
    setup(&t);
    cr_assert_eq(kfk_mock_topic_create(t.mock, "ts", 1, 1), KFK_ERR_NONE);
    char errstr[256];
    kfk_conf_t *conf = conf_for(&t, NULL);
    cr_assert_eq(kfk_consumer_new(&t.loop, conf, &t.c, errstr, sizeof errstr), KFK_ERR_NONE);
    kfk_conf_free(conf);
    for (int i = 1; i <= 5; i++) {
        char v[16];
        snprintf(v, sizeof v, "r%d", i);
        produce(&t, "ts", 0, v, 1000 * i);
    }
    cr_assert_eq(kfk_producer_flush(t.p, on_flushed, &t), KFK_ERR_NONE);
    finish(&t);
    cr_expect_eq(t.timed_out, 0, "not done within 20 s (%d seeks)", t.seeks);
    cr_assert_geq(t.seeks, 4);
    cr_expect_eq(t.seek_err[0], KFK_ERR__STATE, "the replaced seek: %s",
                 kfk_err_name(t.seek_err[0]));
    cr_expect_eq(t.seek_err[1], KFK_ERR_NONE, "%s", kfk_err_name(t.seek_err[1]));
    cr_expect_eq(t.seek_offset[1], 2, "time 2500 is at offset %lld, not 2",
                 (long long)t.seek_offset[1]);
    cr_expect_eq(t.seek_err[2], KFK_ERR_NONE, "%s", kfk_err_name(t.seek_err[2]));
    cr_expect_eq(t.seek_offset[2], 5, "time 9000 (after every record): offset %lld, not the end 5",
                 (long long)t.seek_offset[2]);
    cr_expect_eq(t.seek_offset[3], 2);
    cr_expect_eq(t.first_offset, 2, "first record delivered: offset %lld",
                 (long long)t.first_offset);
    cr_expect_eq(t.first_ts, 3000);
}
