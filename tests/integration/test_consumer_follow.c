/*
 * test_consumer_follow.c: a consumer that follows its topics, against the real broker (issue
 * 18): partitions added to a subscribed topic (Kafka's TopicCommand --alter) are assigned and
 * consumed after a metadata refresh; a pattern subscription ("^...") picks up a topic created
 * after the group formed; kfk_consumer_seek_timestamp lands on the first record at or after the
 * time (the end offset after the last record). Part of integration_consumer, registered COMPAT
 * (Kafka 4.3.1 and 3.9.x); every test ends with uv_loop_close() == 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <uv.h>

#include "consumer_kit.h"
#include "consumer_tests.h"
#include "env.h"
#include "kfk/kfk.h"

typedef struct follower {
    uv_loop_t loop;
    kfk_consumer_t *c;
    char topic2[96];    /* a second topic whose records are counted apart */
    size_t n, n2;       /* records received: all, of topic2 */
    int32_t maxpart;    /* the highest partition assigned so far */
    size_t assigned;    /* partitions assigned, net of revoked and lost */
    int has_topic2;     /* topic2 is assigned */
    size_t per_part[8]; /* records received per partition (topic of the first test) */
    int closed;
} follower_t;

static void on_batch(kfk_consumer_t *c, kfk_batch_t *b, void *opaque) {
    (void)c;
    follower_t *f = opaque;
    for (size_t i = 0; i < kfk_batch_count(b); i++) {
        const kfk_message_t *m = kfk_batch_message(b, i);
        f->n++;
        if (f->topic2[0] && !strcmp(m->topic, f->topic2))
            f->n2++;
        if (m->partition >= 0 && m->partition < 8)
            f->per_part[m->partition]++;
    }
    kfk_batch_done(b, KFK_ERR_NONE);
}

static void on_rebalance(kfk_consumer_t *c, kfk_rebalance_event_t ev,
                         const kfk_topic_partition_t *parts, size_t n, void *opaque) {
    (void)c;
    follower_t *f = opaque;
    for (size_t i = 0; i < n; i++) {
        if (ev == KFK_REBALANCE_ASSIGNED) {
            f->assigned++;
            if (parts[i].partition > f->maxpart)
                f->maxpart = parts[i].partition;
            if (f->topic2[0] && !strcmp(parts[i].topic, f->topic2))
                f->has_topic2 = 1;
        } else {
            f->assigned--;
            if (f->topic2[0] && !strcmp(parts[i].topic, f->topic2))
                f->has_topic2 = 0;
        }
    }
}

static void on_closed(kfk_consumer_t *c, void *opaque) {
    (void)c;
    ((follower_t *)opaque)->closed = 1;
}

static void follower_init(follower_t *f, const char *group) {
    memset(f, 0, sizeof *f);
    f->maxpart = -1;
    cr_assert_eq(uv_loop_init(&f->loop), 0);
    kfk_conf_t *conf = ck_conf(ct_bs(), (const char *[]){"group.id", group, "auto.offset.reset",
                                                         "earliest", "metadata.max.age.ms", "1000",
                                                         "heartbeat.interval.ms", "500", NULL});
    char errstr[256];
    cr_assert_eq(kfk_consumer_new(&f->loop, conf, &f->c, errstr, sizeof errstr), KFK_ERR_NONE, "%s",
                 errstr);
    kfk_conf_free(conf);
    kfk_consumer_set_rebalance_cb(f->c, on_rebalance, f);
}

static void follower_close(follower_t *f) {
    kfk_consumer_set_close_timeout(f->c, 5000);
    kfk_consumer_close(f->c, on_closed, f);
    while (!f->closed)
        uv_run(&f->loop, UV_RUN_ONCE);
    uv_run(&f->loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&f->loop), 0, "a handle was left open");
}

static int pred_assigned(void *arg) {
    return ((follower_t *)arg)->assigned > 0;
}

static int pred_part3(void *arg) {
    follower_t *f = arg;
    return f->maxpart >= 3;
}

static int pred_new_parts_read(void *arg) {
    follower_t *f = arg;
    return f->per_part[2] >= 10 && f->per_part[3] >= 10;
}

static int pred_topic2_read(void *arg) {
    follower_t *f = arg;
    return f->n2 >= 20;
}

static int pred_has_topic2(void *arg) {
    return ((follower_t *)arg)->has_topic2;
}

Test(consumer, partitions_added_to_a_subscribed_topic_are_consumed, .timeout = 180) {
    char topic[96], group[128];
    ck_topic_create(ct_bs(), topic, sizeof topic, "grow", 2, 1, NULL);
    snprintf(group, sizeof group, "%s-g", topic);
    follower_t f;
    follower_init(&f, group);
    const char *topics[] = {topic};
    cr_assert_eq(kfk_consumer_subscribe(f.c, topics, 1), KFK_ERR_NONE);
    cr_assert_eq(kfk_consumer_start(f.c, on_batch, &f), KFK_ERR_NONE);
    ck_run_until(&f.loop, pred_assigned, &f, 60000);
    cr_assert_eq(f.maxpart, 1);
    /* Kafka's own tool adds two partitions (as an operator would). */
    char out[160];
    snprintf(out, sizeof out, "/tmp/kfk-follow-%d.out", (int)getpid());
    int st = ck_sh("java -cp '%s/*' org.apache.kafka.tools.TopicCommand --bootstrap-server %s "
                   "--alter --topic %s --partitions 4 >%s 2>&1",
                   kt_env_required("KAFKA_LIBS"), ct_bs(), topic, out);
    char *txt = ck_slurp(out, NULL);
    cr_assert_eq(st, 0, "TopicCommand --alter failed:\n%s", txt ? txt : "");
    free(txt);
    unlink(out);
    /* Within metadata.max.age.ms (1 s) plus one rebalance: the member owns partitions 2 and 3. */
    uint64_t ms = ck_run_until(&f.loop, pred_part3, &f, 30000);
    cr_log_info("new partitions assigned %llu ms after the alter", (unsigned long long)ms);
    free(ck_produce(ct_bs(), topic, 40, 0, 4, 0, "grow"));
    ck_run_until(&f.loop, pred_new_parts_read, &f, 30000);
    follower_close(&f);
}

Test(consumer, a_pattern_subscription_picks_up_a_topic_created_later, .timeout = 180) {
    char topic[96], group[128], pattern[128];
    ck_topic_create(ct_bs(), topic, sizeof topic, "fpat", 1, 1, NULL);
    snprintf(group, sizeof group, "%s-g", topic);
    /* Topics of this tag and process: kfk-c-fpat-PID-MS-N. */
    snprintf(pattern, sizeof pattern, "^kfk-c-fpat-%d-[0-9-]+$", (int)getpid());
    follower_t f;
    follower_init(&f, group);
    const char *topics[] = {pattern};
    cr_assert_eq(kfk_consumer_subscribe(f.c, topics, 1), KFK_ERR_NONE);
    cr_assert_eq(kfk_consumer_start(f.c, on_batch, &f), KFK_ERR_NONE);
    ck_run_until(&f.loop, pred_assigned, &f, 60000);
    ck_topic_create(ct_bs(), f.topic2, sizeof f.topic2, "fpat", 2, 1, NULL);
    uint64_t ms = ck_run_until(&f.loop, pred_has_topic2, &f, 30000);
    cr_log_info("the new topic assigned %llu ms after it was created", (unsigned long long)ms);
    free(ck_produce(ct_bs(), f.topic2, 20, 0, 2, 0, "fpat"));
    ck_run_until(&f.loop, pred_topic2_read, &f, 30000);
    cr_expect_eq(f.n2, 20);
    follower_close(&f);
}

/* ---- seek by time -----------------------------------------------------------------------------
 */

typedef struct timed {
    follower_t f;
    int reported, seeks;
    int64_t offset[2];
    kfk_err_t err[2];
    int64_t first_offset, first_ts;
} timed_t;

static void on_delivered(kfk_producer_t *p, const kfk_delivery_t *d, void *opaque) {
    (void)p;
    timed_t *t = opaque;
    cr_expect_eq(d->err, KFK_ERR_NONE, "%s", kfk_err_name(d->err));
    t->reported++;
}

static void on_seek(kfk_consumer_t *c, const char *topic, int32_t partition, int64_t offset,
                    kfk_err_t err, void *opaque) {
    (void)c;
    (void)topic;
    (void)partition;
    timed_t *t = opaque;
    if (t->seeks < 2) {
        t->offset[t->seeks] = offset;
        t->err[t->seeks] = err;
    }
    t->seeks++;
}

static void on_timed_batch(kfk_consumer_t *c, kfk_batch_t *b, void *opaque) {
    (void)c;
    timed_t *t = opaque;
    if (t->first_offset < 0 && kfk_batch_count(b) > 0) {
        t->first_offset = kfk_batch_message(b, 0)->offset;
        t->first_ts = kfk_batch_message(b, 0)->timestamp;
    }
    kfk_batch_done(b, KFK_ERR_NONE);
}

static int pred_reported(void *arg) {
    return ((timed_t *)arg)->reported >= 10;
}

static int pred_seek1(void *arg) {
    return ((timed_t *)arg)->seeks >= 1;
}

static int pred_seek2_and_record(void *arg) {
    timed_t *t = arg;
    return t->seeks >= 2 && t->first_offset >= 0;
}

Test(consumer, seek_by_time_lands_on_the_first_record_at_or_after_it, .timeout = 120) {
    char topic[96];
    ck_topic_create(ct_bs(), topic, sizeof topic, "tseek", 1, 1, NULL);
    timed_t t;
    memset(&t, 0, sizeof t);
    t.first_offset = -1;
    cr_assert_eq(uv_loop_init(&t.f.loop), 0);
    /* Ten records one second apart, ten minutes ago (CreateTime, as the producer sets it). */
    uv_update_time(&t.f.loop);
    int64_t base = (int64_t)time(NULL) * 1000 - 600000;
    kfk_conf_t *conf = ck_conf(ct_bs(), NULL);
    char errstr[256];
    kfk_producer_t *p;
    cr_assert_eq(kfk_producer_new(&t.f.loop, conf, &p, errstr, sizeof errstr), KFK_ERR_NONE);
    for (int i = 0; i < 10; i++) {
        char v[16];
        snprintf(v, sizeof v, "t%d", i);
        kfk_record_t r = {topic, 0, NULL, 0, v, strlen(v), NULL, 0, base + 1000 * i};
        cr_assert_eq(kfk_producer_send(p, &r, on_delivered, &t), KFK_ERR_NONE);
    }
    ck_run_until(&t.f.loop, pred_reported, &t, 30000);
    kfk_producer_close(p, NULL, NULL);
    cr_assert_eq(kfk_consumer_new(&t.f.loop, conf, &t.f.c, errstr, sizeof errstr), KFK_ERR_NONE);
    kfk_conf_free(conf);
    ct_assign_all(t.f.c, topic, 1, KFK_OFFSET_BEGINNING);
    /* After the last record: the end offset (10). */
    cr_assert_eq(kfk_consumer_seek_timestamp(t.f.c, topic, 0, base + 60000, on_seek, &t),
                 KFK_ERR_NONE);
    cr_assert_eq(kfk_consumer_start(t.f.c, on_timed_batch, &t), KFK_ERR_NONE);
    ck_run_until(&t.f.loop, pred_seek1, &t, 30000);
    /* Between records 6 and 7: record 7. */
    cr_assert_eq(kfk_consumer_seek_timestamp(t.f.c, topic, 0, base + 6500, on_seek, &t),
                 KFK_ERR_NONE);
    ck_run_until(&t.f.loop, pred_seek2_and_record, &t, 30000);
    cr_expect_eq(t.err[0], KFK_ERR_NONE, "%s", kfk_err_name(t.err[0]));
    cr_expect_eq(t.offset[0], 10, "a time after every record: offset %lld, not the end 10",
                 (long long)t.offset[0]);
    cr_expect_eq(t.err[1], KFK_ERR_NONE, "%s", kfk_err_name(t.err[1]));
    cr_expect_eq(t.offset[1], 7, "offset %lld", (long long)t.offset[1]);
    cr_expect_eq(t.first_offset, 7, "first record delivered: offset %lld",
                 (long long)t.first_offset);
    cr_expect_eq(t.first_ts, base + 7000);
    follower_close(&t.f);
}
