/*
 * test_consumer_positions.c: where kfk_consumer_t reads from, against the real broker (issue 7):
 * seek (back to the beginning, to the end, during a batch still forming), pause/resume, and
 * auto.offset.reset earliest/latest/error, without a commit and after an out-of-range offset.
 * Helpers: consumer_tests.h, consumer_kit.h. Part of integration_consumer, registered COMPAT
 * (Kafka 4.3.1 and 3.9.x); every test ends with uv_loop_close() == 0.
 */
#include <stdio.h>
#include <stdlib.h>

#include <criterion/criterion.h>
#include <uv.h>

#include "consumer_kit.h"
#include "consumer_tests.h"
#include "kfk/kfk.h"

/* ==== seek
 * ========================================================================================= */

typedef struct seeker {
    const char *topic;
    int step;
    kfk_err_t err;
} seeker_t;

static int seek_hook(ck_cons_t *k, kfk_batch_t *b, uint32_t no) {
    (void)no;
    seeker_t *s = k->user;
    int64_t last = kfk_batch_message(b, kfk_batch_count(b) - 1)->offset;
    int64_t first = kfk_batch_message(b, 0)->offset;
    kfk_err_t e = KFK_ERR_NONE;
    if (s->step == 0 && last >= 59) {
        e = kfk_consumer_seek(k->c, s->topic, 0, 20); /* back into what was read */
        s->step = 1;
    } else if (s->step == 1 && last == 99) {
        e = kfk_consumer_seek(k->c, s->topic, 0, KFK_OFFSET_BEGINNING);
        s->step = 2;
    } else if (s->step == 2 && first == 0) {
        e = kfk_consumer_seek(k->c, s->topic, 0, KFK_OFFSET_END);
        s->step = 3;
    }
    if (e && !s->err)
        s->err = e;
    return 0;
}

Test(consumer, seek_moves_the_position_back_to_the_beginning_and_to_the_end, .timeout = 60) {
    enum { N = 100 };
    char topic[96];
    ck_topic_create(ct_bs(), topic, sizeof topic, "seek", 1, 1, NULL);
    free(ck_produce(ct_bs(), topic, N, 0, 1, 0, "s"));
    uv_loop_t loop;
    uv_loop_init(&loop);
    seeker_t s = {topic, 0, 0};
    ck_cons_t k = {.hook = seek_hook, .user = &s};
    ck_cons_init(&k, &loop, ck_conf(ct_bs(), (const char *[]){"max.poll.records", "10", NULL}));
    ct_assign_all(k.c, topic, 1, KFK_OFFSET_BEGINNING);
    ck_cons_start(&k);
    /* 0..59, 20..99, 0..9, then the end. */
    size_t first_pass = 60 + 80 + 10;
    ck_count_target_t tgt = {&k.n, first_pass};
    ck_run_until(&loop, ck_pred_count, &tgt, 20000);
    ck_run_for(&loop, 1000);
    cr_assert_eq(k.n, first_pass, "records after seeking to the end: %zu", k.n - first_pass);
    free(ck_produce(ct_bs(), topic, 3, 0, 1, 0, "t"));
    tgt.target = first_pass + 3;
    ck_run_until(&loop, ck_pred_count, &tgt, 20000);
    ck_run_for(&loop, 300);
    ck_cons_close(&k, 5000);
    ct_loop_finish(&loop);
    cr_assert_eq(s.err, 0, "kfk_consumer_seek: %s", kfk_err_name(s.err));
    cr_assert_eq(s.step, 3);
    size_t i = 0;
    for (int64_t o = 0; o < 60; o++, i++)
        cr_assert_eq(k.msgs[i].offset, o, "delivery %zu: %lld, want %lld", i,
                     (long long)k.msgs[i].offset, (long long)o);
    for (int64_t o = 20; o < 100; o++, i++)
        cr_assert_eq(k.msgs[i].offset, o, "after seek to 20: delivery %zu: %lld, want %lld", i,
                     (long long)k.msgs[i].offset, (long long)o);
    for (int64_t o = 0; o < 10; o++, i++)
        cr_assert_eq(k.msgs[i].offset, o, "after seek to the beginning: %lld, want %lld",
                     (long long)k.msgs[i].offset, (long long)o);
    for (int64_t o = 100; o < 103; o++, i++)
        cr_assert_eq(k.msgs[i].offset, o, "after seek to the end: %lld, want %lld",
                     (long long)k.msgs[i].offset, (long long)o);
    ck_cons_free(&k);
}

typedef struct timed_seek {
    kfk_consumer_t *c;
    const char *topic;
    uv_timer_t t;
    kfk_err_t err;
    size_t delivered_before;
    size_t *counter;
} timed_seek_t;

static void on_timed_seek(uv_timer_t *t) {
    timed_seek_t *s = t->data;
    s->delivered_before = *s->counter;
    s->err = kfk_consumer_seek(s->c, s->topic, 0, 50);
    uv_close((uv_handle_t *)t, NULL);
}

Test(consumer, seek_drops_the_records_of_a_batch_still_forming, .timeout = 60) {
    enum { N = 100 };
    char topic[96];
    ck_topic_create(ct_bs(), topic, sizeof topic, "seekf", 1, 1, NULL);
    free(ck_produce(ct_bs(), topic, N, 0, 1, 0, "s"));
    uv_loop_t loop;
    uv_loop_init(&loop);
    ck_cons_t k = {0};
    /* batch.timeout.ms 5000: the 100 records fetched in the first second are a batch still
     * forming when the seek comes at 2500 ms. */
    ck_cons_init(&k, &loop,
                 ck_conf(ct_bs(), (const char *[]){"max.poll.records", "1000", "batch.timeout.ms",
                                                   "5000", NULL}));
    ct_assign_all(k.c, topic, 1, KFK_OFFSET_BEGINNING);
    timed_seek_t s = {k.c, topic, {0}, 0, 0, &k.n};
    uv_timer_init(&loop, &s.t);
    s.t.data = &s;
    uv_timer_start(&s.t, on_timed_seek, 2500, 0);
    ck_cons_start(&k);
    ck_count_target_t tgt = {&k.n, 50};
    ck_run_until(&loop, ck_pred_count, &tgt, 20000);
    ck_run_for(&loop, 1000);
    ck_cons_close(&k, 5000);
    ct_loop_finish(&loop);
    cr_assert_eq(s.err, 0);
    cr_assert_eq(s.delivered_before, 0, "a batch was delivered before the seek");
    cr_assert_eq(k.n, 50,
                 "%zu records after seeking to 50 (first offset %lld): the records of "
                 "the batch being formed were delivered too",
                 k.n, k.n ? (long long)k.msgs[0].offset : -1LL);
    for (size_t i = 0; i < k.n; i++)
        cr_assert_eq(k.msgs[i].offset, 50 + (int64_t)i);
    ck_cons_free(&k);
}

/* ==== pause / resume
 * ================================================================================ */

typedef struct pauser {
    const char *topic;
    int paused_p1;
    size_t p1_batches_after_pause;
    kfk_err_t err;
} pauser_t;

static int pause_hook(ck_cons_t *k, kfk_batch_t *b, uint32_t no) {
    (void)no;
    pauser_t *ps = k->user;
    for (size_t i = 0; i < kfk_batch_count(b); i++)
        if (kfk_batch_message(b, i)->partition == 1) {
            if (ps->paused_p1) {
                ps->p1_batches_after_pause++;
            } else {
                ps->err = kfk_consumer_pause(k->c, ps->topic, 1);
                ps->paused_p1 = 1;
            }
            break;
        }
    return 0;
}

static size_t count_part(ck_cons_t *k, int32_t part) {
    size_t n = 0;
    for (size_t i = 0; i < k->n; i++)
        n += k->msgs[i].partition == part;
    return n;
}

Test(consumer, pause_stops_a_partition_and_resume_restarts_it, .timeout = 60) {
    enum { PER = 50 };
    char topic[96];
    ck_topic_create(ct_bs(), topic, sizeof topic, "pause", 2, 1, NULL);
    free(ck_produce(ct_bs(), topic, 2 * PER, 0, 2, 0, "p"));
    uv_loop_t loop;
    uv_loop_init(&loop);
    pauser_t ps = {topic, 0, 0, 0};
    ck_cons_t k = {.hook = pause_hook, .user = &ps};
    ck_cons_init(&k, &loop,
                 ck_conf(ct_bs(), (const char *[]){"max.poll.records", "10", "batch.timeout.ms",
                                                   "100", NULL}));
    ct_assign_all(k.c, topic, 2, KFK_OFFSET_BEGINNING);
    cr_assert_eq(kfk_consumer_pause(k.c, topic, 0), 0);
    cr_assert_eq(kfk_consumer_pause(k.c, topic, 7), KFK_ERR__UNKNOWN_PARTITION);
    ck_cons_start(&k);
    ck_run_for(&loop, 2000);
    cr_assert_eq(ps.err, 0);
    cr_assert(ps.paused_p1, "no batch of partition 1 came");
    cr_assert_eq(count_part(&k, 0), 0, "partition 0 delivered while paused");
    cr_assert_eq(ps.p1_batches_after_pause, 0, "partition 1 delivered %zu batches after pause",
                 ps.p1_batches_after_pause);
    size_t p1 = count_part(&k, 1);
    cr_assert(p1 > 0 && p1 <= 10, "partition 1: %zu records before its pause", p1);
    cr_assert_eq(kfk_consumer_resume(k.c, topic, 0), 0);
    cr_assert_eq(kfk_consumer_resume(k.c, topic, 1), 0);
    ps.paused_p1 = 2; /* no more pausing */
    ck_count_target_t tgt = {&k.n, 2 * PER};
    ck_run_until(&loop, ck_pred_count, &tgt, 20000);
    ck_run_for(&loop, 300);
    ck_cons_close(&k, 5000);
    ct_loop_finish(&loop);
    cr_assert_eq(k.n, 2 * PER);
    int64_t next[2] = {0, 0};
    for (size_t i = 0; i < k.n; i++) {
        cr_assert_eq(k.msgs[i].offset, next[k.msgs[i].partition]);
        next[k.msgs[i].partition]++;
    }
    ck_cons_free(&k);
}

typedef struct timed_pause {
    kfk_consumer_t *c;
    const char *topic;
    uv_timer_t t;
    double paused_at;
} timed_pause_t;

static void on_timed_pause(uv_timer_t *t) {
    timed_pause_t *s = t->data;
    cr_assert_eq(kfk_consumer_pause(s->c, s->topic, 0), 0);
    s->paused_at = ck_now_ms();
    uv_close((uv_handle_t *)t, NULL);
}

Test(consumer, pause_holds_back_records_of_a_batch_still_forming, .timeout = 60) {
    char topic[96];
    ck_topic_create(ct_bs(), topic, sizeof topic, "pausef", 1, 1, NULL);
    free(ck_produce(ct_bs(), topic, 20, 0, 1, 0, "p"));
    uv_loop_t loop;
    uv_loop_init(&loop);
    ck_cons_t k = {0};
    ck_cons_init(&k, &loop,
                 ck_conf(ct_bs(), (const char *[]){"max.poll.records", "1000", "batch.timeout.ms",
                                                   "5000", NULL}));
    ct_assign_all(k.c, topic, 1, KFK_OFFSET_BEGINNING);
    timed_pause_t s = {k.c, topic, {0}, 0};
    uv_timer_init(&loop, &s.t);
    s.t.data = &s;
    uv_timer_start(&s.t, on_timed_pause, 2500, 0); /* the batch is forming (see the seek case) */
    ck_cons_start(&k);
    ck_run_for(&loop, 6500);
    size_t while_paused = k.n;
    cr_assert_eq(kfk_consumer_resume(k.c, topic, 0), 0);
    ck_count_target_t tgt = {&k.n, 20};
    ck_run_until(&loop, ck_pred_count, &tgt, 20000);
    ck_cons_close(&k, 5000);
    ct_loop_finish(&loop);
    cr_assert_gt(s.paused_at, 0);
    cr_assert_eq(while_paused, 0,
                 "%zu records of a paused partition were delivered (the batch forming when "
                 "kfk_consumer_pause was called)",
                 while_paused);
    cr_assert_eq(k.n, 20);
    for (size_t i = 0; i < k.n; i++)
        cr_assert_eq(k.msgs[i].offset, (int64_t)i);
    ck_cons_free(&k);
}

/* ==== auto.offset.reset
 * ============================================================================== */

/* A consumer of group @p group (fresh) on partition 0 of @p topic from @p start with
 * auto.offset.reset=@p reset, run for @p ms; returns its recorder (caller frees). */
static void reset_run(ck_cons_t *k, uv_loop_t *loop, const char *topic, const char *group,
                      int64_t start, const char *reset) {
    ck_cons_init(k, loop,
                 ck_conf(ct_bs(), (const char *[]){"group.id", group, "auto.offset.reset", reset,
                                                   "batch.timeout.ms", "50", NULL}));
    ct_assign_all(k->c, topic, 1, start);
    ck_cons_start(k);
}

typedef struct trickle_until {
    ck_cons_t *k;
    const char *topic;
    kfk_producer_t *p;
    uv_timer_t t;
    int sent;
} trickle_until_t;

static void on_tu_tick(uv_timer_t *t) {
    trickle_until_t *tu = t->data;
    char val[32];
    int vl = snprintf(val, sizeof val, "late:%d:", 10 + tu->sent++);
    kfk_record_t rec = {tu->topic, 0, NULL, 0, val, (size_t)vl, NULL, 0, 0};
    cr_assert_eq(kfk_producer_send(tu->p, &rec, NULL, NULL), 0);
}

static void latest_case(int64_t start) {
    char topic[96], group[96];
    ck_topic_create(ct_bs(), topic, sizeof topic, "latest", 1, 1, NULL);
    ct_unique_group(group, sizeof group, "latest");
    free(ck_produce(ct_bs(), topic, 10, 0, 1, 0, "old"));
    uv_loop_t loop;
    uv_loop_init(&loop);
    ck_cons_t k = {0};
    reset_run(&k, &loop, topic, group, start, "latest");
    /* Keep producing until something arrives: only records written after the reset come. */
    trickle_until_t tu = {&k, topic, NULL, {0}, 0};
    kfk_conf_t *pc = ck_conf(ct_bs(), (const char *[]){"linger.ms", "0", NULL});
    char err[256];
    cr_assert_eq(kfk_producer_new(&loop, pc, &tu.p, err, sizeof err), 0, "%s", err);
    kfk_conf_free(pc);
    uv_timer_init(&loop, &tu.t);
    tu.t.data = &tu;
    uv_timer_start(&tu.t, on_tu_tick, 200, 200);
    ck_count_target_t tgt = {&k.n, 3};
    ck_run_until(&loop, ck_pred_count, &tgt, 20000);
    uv_timer_stop(&tu.t);
    ck_run_for(&loop, 600);
    uv_close((uv_handle_t *)&tu.t, NULL);
    kfk_producer_set_close_timeout(tu.p, 5000);
    kfk_producer_close(tu.p, NULL, NULL);
    ck_cons_close(&k, 5000);
    ct_loop_finish(&loop);
    cr_assert_geq(k.msgs[0].offset, 10, "latest delivered old record %lld",
                  (long long)k.msgs[0].offset);
    for (size_t i = 1; i < k.n; i++)
        cr_assert_eq(k.msgs[i].offset, k.msgs[i - 1].offset + 1);
    cr_assert_eq(k.msgs[k.n - 1].offset, 10 + tu.sent - 1, "the last records were not delivered");
    fprintf(stderr, "auto.offset.reset=latest (start %lld): first record at offset %lld\n",
            (long long)start, (long long)k.msgs[0].offset);
    ck_cons_free(&k);
}

static void earliest_case(int64_t start) {
    char topic[96], group[96];
    ck_topic_create(ct_bs(), topic, sizeof topic, "earliest", 1, 1, NULL);
    ct_unique_group(group, sizeof group, "earliest");
    free(ck_produce(ct_bs(), topic, 10, 0, 1, 0, "old"));
    uv_loop_t loop;
    uv_loop_init(&loop);
    ck_cons_t k = {0};
    reset_run(&k, &loop, topic, group, start, "earliest");
    ck_count_target_t tgt = {&k.n, 10};
    ck_run_until(&loop, ck_pred_count, &tgt, 20000);
    ck_run_for(&loop, 300);
    ck_cons_close(&k, 5000);
    ct_loop_finish(&loop);
    cr_assert_eq(k.n, 10);
    for (size_t i = 0; i < k.n; i++)
        cr_assert_eq(k.msgs[i].offset, (int64_t)i);
    ck_cons_free(&k);
}

static void error_case(int64_t start) {
    char topic[96], group[96];
    ck_topic_create(ct_bs(), topic, sizeof topic, "rerror", 1, 1, NULL);
    ct_unique_group(group, sizeof group, "rerror");
    free(ck_produce(ct_bs(), topic, 10, 0, 1, 0, "old"));
    uv_loop_t loop;
    uv_loop_init(&loop);
    ck_cons_t k = {0};
    reset_run(&k, &loop, topic, group, start, "error");
    ck_run_for(&loop, 2500);
    ck_cons_close(&k, 5000);
    ct_loop_finish(&loop);
    cr_assert_eq(k.n, 0, "auto.offset.reset=error delivered %zu records", k.n);
    cr_assert_gt(k.errors, 0, "no error was reported (log level <= 3)");
    fprintf(stderr, "auto.offset.reset=error (start %lld): \"%s\"\n", (long long)start,
            k.last_error);
    ck_cons_free(&k);
}

Test(consumer, auto_offset_reset_earliest_without_a_commit_starts_at_the_beginning, .timeout = 60) {
    earliest_case(KFK_OFFSET_STORED);
}
Test(consumer, auto_offset_reset_earliest_after_an_out_of_range_offset, .timeout = 60) {
    earliest_case(1000);
}
Test(consumer, auto_offset_reset_latest_without_a_commit_starts_at_the_end, .timeout = 60) {
    latest_case(KFK_OFFSET_STORED);
}
Test(consumer, auto_offset_reset_latest_after_an_out_of_range_offset, .timeout = 60) {
    latest_case(1000);
}
Test(consumer, auto_offset_reset_error_without_a_commit_delivers_nothing, .timeout = 60) {
    error_case(KFK_OFFSET_STORED);
}
Test(consumer, auto_offset_reset_error_after_an_out_of_range_offset, .timeout = 60) {
    error_case(1000);
}
