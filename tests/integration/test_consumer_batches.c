/*
 * test_consumer_batches.c: kfk_consumer_t's batches against the real broker (issue 7), with
 * manual assignment: max.poll.records and batch.timeout.ms (a caught-up partition does not stall a
 * busy one, a trickle comes within the timeout), kfk_batch_done late (it holds back that
 * partition only) and with an error (the same records again). Helpers: consumer_tests.h,
 * consumer_kit.h. Part of integration_consumer, registered COMPAT (Kafka 4.3.1 and 3.9.x);
 * every test ends with uv_loop_close() == 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <uv.h>

#include "consumer_kit.h"
#include "consumer_tests.h"
#include "kfk/kfk.h"

/* ==== max.poll.records and batch.timeout.ms =================================================== */

Test(consumer, max_poll_records_7_gives_batches_of_at_most_7_records, .timeout = 60) {
    enum { N = 100, PARTS = 3 };
    char topic[96];
    ck_topic_create(ct_bs(), topic, sizeof topic, "b7", PARTS, 1, NULL);
    free(ck_produce(ct_bs(), topic, N, 10, PARTS, 0, "b"));
    uv_loop_t loop;
    uv_loop_init(&loop);
    ck_cons_t k = {0};
    ck_cons_init(&k, &loop, ck_conf(ct_bs(), (const char *[]){"max.poll.records", "7", NULL}));
    ct_assign_all(k.c, topic, PARTS, KFK_OFFSET_BEGINNING);
    ck_cons_start(&k);
    ck_count_target_t tgt = {&k.n, N};
    ck_run_until(&loop, ck_pred_count, &tgt, 20000);
    ck_run_for(&loop, 300);
    ck_cons_close(&k, 5000);
    ct_loop_finish(&loop);
    size_t full = 0;
    for (size_t i = 0; i < k.nb; i++) {
        cr_assert_leq(k.b[i].n, 7, "batch %zu has %zu records", i, k.b[i].n);
        cr_assert_gt(k.b[i].n, 0);
        full += k.b[i].n == 7;
    }
    cr_assert_eq(k.n, (size_t)N);
    cr_assert_geq(k.nb, (N + 6) / 7);
    cr_assert_geq(full, 10, "only %zu of %zu batches were full", full, k.nb);
    fprintf(stderr, "max.poll.records=7: %zu batches, %zu full\n", k.nb, full);
    ck_cons_free(&k);
}

/* One Fetch per broker: a Fetch holding only partitions that are caught up is held by the broker
 * for fetch.max.wait.ms, and partitions with more data cannot be fetched meanwhile. With a
 * 20 s fetch.max.wait.ms and a prefetch bound of one answer, a consumer that sent such a Fetch
 * each time its busy partition's buffer was full would need 20 s per 64 KiB; kfk waits for the
 * busy partition to join the Fetch instead, so 4 MiB arrive long before the 20 s of one wait.
 * (queued.max.messages.kbytes=128 over 2 partitions: the busy one is held at 64 KiB, the total
 * is not reached, so the empty one alone could be fetched.) */
Test(consumer, a_caught_up_partition_does_not_stall_a_busy_one, .timeout = 90) {
    enum { N = 4000, PARTS = 2 };
    char topic[96];
    ck_topic_create(ct_bs(), topic, sizeof topic, "stall", PARTS, 1, NULL);
    free(ck_produce(ct_bs(), topic, N, 0, 1, 1024, "s")); /* all in partition 0; 1 stays empty */
    uv_loop_t loop;
    uv_loop_init(&loop);
    ck_cons_t k = {0};
    ck_cons_init(
        &k, &loop,
        ck_conf(ct_bs(), (const char *[]){"fetch.max.wait.ms", "20000", "max.partition.fetch.bytes",
                                          "65536", "queued.max.messages.kbytes", "128", NULL}));
    ct_assign_all(k.c, topic, PARTS, KFK_OFFSET_BEGINNING);
    ck_cons_start(&k);
    ck_count_target_t tgt = {&k.n, N};
    uint64_t ms = ck_run_until(&loop, ck_pred_count, &tgt, 15000);
    ck_cons_close(&k, 5000);
    ct_loop_finish(&loop);
    cr_assert_eq(k.n, (size_t)N);
    for (size_t i = 0; i < k.n; i++)
        cr_assert_eq(k.msgs[i].idx, (int64_t)i, "record %zu is index %lld", i,
                     (long long)k.msgs[i].idx);
    fprintf(stderr, "4 MiB in one partition beside an empty one, 20 s fetch wait: %llu ms\n",
            (unsigned long long)ms);
    ck_cons_free(&k);
}

typedef struct trickle {
    kfk_producer_t *p;
    uv_timer_t timer;
    const char *topic;
    int sent, total;
    double max_latency, min_oldest, sum_latency;
    size_t got;
    int prod_closed;
} trickle_t;

static void on_trickle_delivery(kfk_producer_t *p, const kfk_delivery_t *d, void *opaque) {
    (void)p;
    (void)opaque;
    cr_assert_eq(d->err, 0, "trickle record: %s", kfk_err_name(d->err));
}

static void on_trickle_tick(uv_timer_t *t) {
    trickle_t *tr = t->data;
    char val[64];
    int vl = snprintf(val, sizeof val, "t:%d:%.3f", tr->sent, ck_now_ms());
    kfk_record_t rec = {tr->topic, 0, NULL, 0, val, (size_t)vl, NULL, 0, 0};
    cr_assert_eq(kfk_producer_send(tr->p, &rec, on_trickle_delivery, tr), 0);
    if (++tr->sent == tr->total)
        uv_timer_stop(t);
}

static int trickle_hook(ck_cons_t *k, kfk_batch_t *b, uint32_t no) {
    (void)no;
    trickle_t *tr = k->user;
    double now = ck_now_ms(), oldest = 0;
    for (size_t i = 0; i < kfk_batch_count(b); i++) {
        const kfk_message_t *m = kfk_batch_message(b, i);
        char v[64];
        snprintf(v, sizeof v, "%.*s", (int)m->value_len, (const char *)m->value);
        int idx;
        double sent;
        cr_assert_eq(sscanf(v, "t:%d:%lf", &idx, &sent), 2, "value %s", v);
        double lat = now - sent;
        if (lat > oldest)
            oldest = lat;
        if (lat > tr->max_latency)
            tr->max_latency = lat;
        tr->sum_latency += lat;
        tr->got++;
    }
    if (tr->min_oldest == 0 || oldest < tr->min_oldest)
        tr->min_oldest = oldest;
    return 0;
}

static void on_trickle_prod_closed(kfk_producer_t *p, void *opaque) {
    (void)p;
    ((trickle_t *)opaque)->prod_closed = 1;
}

Test(consumer, a_trickle_is_delivered_within_batch_timeout_ms, .timeout = 60) {
    enum { N = 30, TICK_MS = 50, TIMEOUT_MS = 300, WAIT_MS = 100 };
    char topic[96];
    ck_topic_create(ct_bs(), topic, sizeof topic, "trickle", 1, 1, NULL);
    uv_loop_t loop;
    uv_loop_init(&loop);
    trickle_t tr = {0};
    tr.topic = topic;
    tr.total = N;
    ck_cons_t k = {.hook = trickle_hook, .user = &tr};
    ck_cons_init(&k, &loop,
                 ck_conf(ct_bs(), (const char *[]){"max.poll.records", "100", "batch.timeout.ms",
                                                   "300", "fetch.max.wait.ms", "100", NULL}));
    ct_assign_all(k.c, topic, 1, 0);
    ck_cons_start(&k);
    kfk_conf_t *pc = ck_conf(ct_bs(), (const char *[]){"linger.ms", "0", NULL});
    char err[256];
    cr_assert_eq(kfk_producer_new(&loop, pc, &tr.p, err, sizeof err), 0, "%s", err);
    kfk_conf_free(pc);
    ck_run_for(&loop, 500); /* the consumer's first fetch is waiting at offset 0 */
    uv_timer_init(&loop, &tr.timer);
    tr.timer.data = &tr;
    uv_timer_start(&tr.timer, on_trickle_tick, TICK_MS, TICK_MS);
    ck_count_target_t tgt = {&tr.got, N};
    ck_run_until(&loop, ck_pred_count, &tgt, 20000);
    uv_close((uv_handle_t *)&tr.timer, NULL);
    kfk_producer_set_close_timeout(tr.p, 5000);
    kfk_producer_close(tr.p, on_trickle_prod_closed, &tr);
    ck_cons_close(&k, 5000);
    ct_loop_finish(&loop);
    cr_assert(tr.prod_closed);
    double avg_batch = (double)tr.got / (double)k.nb;
    fprintf(stderr,
            "trickle every %d ms, batch.timeout.ms=%d: %zu batches (%.1f records each), latency "
            "avg %.0f ms, max %.0f ms, oldest record of each batch waited >= %.0f ms\n",
            TICK_MS, TIMEOUT_MS, k.nb, avg_batch, tr.sum_latency / (double)tr.got, tr.max_latency,
            tr.min_oldest);
    cr_assert_eq(tr.got, (size_t)N);
    cr_assert_lt(k.max_batch, 100, "a batch filled up: no timeout involved");
    cr_assert_lt(tr.max_latency, TIMEOUT_MS + WAIT_MS + 500,
                 "a record waited %.0f ms (batch.timeout.ms=%d, fetch.max.wait.ms=%d)",
                 tr.max_latency, TIMEOUT_MS, WAIT_MS);
    cr_assert_geq(avg_batch, 2.0, "batches were not filled for batch.timeout.ms");
    cr_assert_geq(tr.min_oldest, TIMEOUT_MS - 20,
                  "a batch left %.0f ms after its first record, before batch.timeout.ms",
                  tr.min_oldest);
    ck_cons_free(&k);
}

/* ==== kfk_batch_done late holds the partition back ============================================ */

typedef struct late {
    ck_cons_t *k;
    uv_timer_t timer;
    kfk_batch_t *held;
    uint32_t held_no;
    int held_parts[8];
    double hold_start, hold_end;
    size_t other_during_hold; /* batches of other partitions delivered during the hold */
    size_t held_part_during_hold;
} late_t;

static void on_late_release(uv_timer_t *t) {
    late_t *l = t->data;
    l->hold_end = ck_now_ms();
    ck_done(l->k, l->held, l->held_no, KFK_ERR_NONE);
    uv_close((uv_handle_t *)t, NULL);
}

static int late_hook(ck_cons_t *k, kfk_batch_t *b, uint32_t no) {
    late_t *l = k->user;
    int parts[8] = {0};
    for (size_t i = 0; i < kfk_batch_count(b); i++)
        parts[kfk_batch_message(b, i)->partition] = 1;
    if (!l->held && parts[0]) {
        l->held = b;
        l->held_no = no;
        memcpy(l->held_parts, parts, sizeof parts);
        l->hold_start = ck_now_ms();
        uv_timer_init(k->loop, &l->timer);
        l->timer.data = l;
        uv_timer_start(&l->timer, on_late_release, 1000, 0);
        return 1;
    }
    if (l->held && l->hold_end == 0) {
        int other = 0;
        for (int p = 0; p < 8; p++) {
            if (parts[p] && l->held_parts[p])
                l->held_part_during_hold++;
            if (parts[p] && !l->held_parts[p])
                other = 1;
        }
        l->other_during_hold += other;
    }
    return 0;
}

Test(consumer, a_late_batch_done_holds_back_that_partition_only, .timeout = 60) {
    enum { PARTS = 3, N = 180 };
    char topic[96];
    ck_topic_create(ct_bs(), topic, sizeof topic, "late", PARTS, 1, NULL);
    free(ck_produce(ct_bs(), topic, N, 0, PARTS, 0, "l"));
    uv_loop_t loop;
    uv_loop_init(&loop);
    late_t l = {0};
    ck_cons_t k = {.hook = late_hook, .user = &l};
    l.k = &k;
    ck_cons_init(&k, &loop, ck_conf(ct_bs(), (const char *[]){"max.poll.records", "10", NULL}));
    ct_assign_all(k.c, topic, PARTS, KFK_OFFSET_BEGINNING);
    ck_cons_start(&k);
    ck_count_target_t tgt = {&k.n, N};
    ck_run_until(&loop, ck_pred_count, &tgt, 20000);
    ck_run_for(&loop, 300);
    ck_cons_close(&k, 5000);
    ct_loop_finish(&loop);
    cr_assert_gt(l.hold_end, 0, "the held batch was never released");
    cr_assert_eq(l.held_part_during_hold, 0,
                 "%zu batches of the held partition came before its kfk_batch_done",
                 l.held_part_during_hold);
    int all_held = l.held_parts[0] && l.held_parts[1] && l.held_parts[2];
    if (!all_held)
        cr_assert_gt(l.other_during_hold, 0, "other partitions were held back too");
    /* Every record of every partition once, in order. */
    cr_assert_eq(k.n, (size_t)N);
    int64_t next[PARTS] = {0};
    for (size_t i = 0; i < k.n; i++) {
        ck_msg_t *m = &k.msgs[i];
        cr_assert_eq(m->offset, next[m->partition], "partition %d: offset %lld, want %lld",
                     m->partition, (long long)m->offset, (long long)next[m->partition]);
        next[m->partition]++;
        if (l.held_parts[m->partition] && m->batch != l.held_no)
            cr_assert_geq(k.b[m->batch].at_ms, l.hold_end,
                          "partition %d offset %lld delivered while its batch was held",
                          m->partition, (long long)m->offset);
    }
    fprintf(stderr, "held one batch 1 s: %zu batches of other partitions meanwhile\n",
            l.other_during_hold);
    ck_cons_free(&k);
}

/* ==== kfk_batch_done with an error: the same records again =======================================
 */

typedef struct redo {
    int fails_left_first;  /* fail the batch at offset 0 this many times */
    int fails_left_middle; /* fail the batch holding offset 10 this many times */
} redo_t;

static int redo_hook(ck_cons_t *k, kfk_batch_t *b, uint32_t no) {
    redo_t *r = k->user;
    int64_t first = kfk_batch_message(b, 0)->offset;
    int64_t last = kfk_batch_message(b, kfk_batch_count(b) - 1)->offset;
    if (first == 0 && r->fails_left_first > 0) {
        r->fails_left_first--;
        ck_done(k, b, no, KFK_ERR__TIMED_OUT);
        return 1;
    }
    if (first <= 10 && last >= 10 && r->fails_left_middle > 0) {
        r->fails_left_middle--;
        ck_done(k, b, no, KFK_ERR__TIMED_OUT);
        return 1;
    }
    return 0;
}

Test(consumer, a_batch_done_with_an_error_comes_again, .timeout = 60) {
    enum { N = 20 };
    char topic[96], group[96];
    ck_topic_create(ct_bs(), topic, sizeof topic, "redo", 1, 1, NULL);
    ct_unique_group(group, sizeof group, "redo");
    free(ck_produce(ct_bs(), topic, N, 0, 1, 0, "r"));
    uv_loop_t loop;
    uv_loop_init(&loop);
    redo_t r = {2, 1};
    ck_cons_t k = {.hook = redo_hook, .user = &r};
    ck_cons_init(&k, &loop,
                 ck_conf(ct_bs(), (const char *[]){"max.poll.records", "5", "group.id", group,
                                                   "auto.offset.reset", "earliest", NULL}));
    ct_assign_all(k.c, topic, 1, KFK_OFFSET_STORED);
    ck_cons_start(&k);
    ck_count_target_t tgt = {&k.n, N + 15};
    ck_run_until(&loop, ck_pred_count, &tgt, 20000);
    ck_run_for(&loop, 500);
    cr_assert_eq(kfk_consumer_commit(k.c, NULL, NULL), 0);
    ck_run_for(&loop, 300);
    ck_cons_close(&k, 5000);
    ct_loop_finish(&loop);
    /* Offsets 0-4 three times (two failures), 5-9 once, 10-14 twice, 15-19 once. */
    int64_t want[] = {0, 1, 2,  3,  4,  0,  1,  2,  3,  4,  0,  1,  2,  3,  4,  5,  6, 7,
                      8, 9, 10, 11, 12, 13, 14, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19};
    size_t nwant = sizeof want / sizeof want[0];
    cr_assert_eq(k.n, nwant, "%zu records delivered, want %zu", k.n, nwant);
    for (size_t i = 0; i < nwant; i++) {
        cr_assert_eq(k.msgs[i].offset, want[i], "delivery %zu: offset %lld, want %lld", i,
                     (long long)k.msgs[i].offset, (long long)want[i]);
        cr_assert_eq(k.msgs[i].idx, want[i], "delivery %zu: another record's value", i);
    }
    int64_t committed[1];
    ck_committed(ct_bs(), group, topic, 1, committed);
    cr_assert_eq(committed[0], N, "committed %lld", (long long)committed[0]);
    ck_cons_free(&k);
}
