/*
 * test_consumer_commits.c: kfk_consumer_t's commits against the real broker (issue 7), checked
 * on the offsets Kafka holds as committed (a raw OffsetFetch, and Kafka's own
 * ConsumerGroupCommand): the commit watermark with batches finished out of order, close with a
 * batch outstanding, re-assignment with a commit in flight, commits not held behind a
 * long-polling Fetch, and the statistics of group offsets and lag. Helpers: consumer_tests.h,
 * consumer_kit.h. Part of integration_consumer, registered COMPAT (Kafka 4.3.1 and 3.9.x);
 * every test ends with uv_loop_close() == 0.
 */
#include <stdio.h>
#include <stdlib.h>

#include <criterion/criterion.h>
#include <uv.h>

#include "consumer_kit.h"
#include "consumer_tests.h"
#include "kfk/kfk.h"
#include "statsdoc.h"

/* ==== the commit watermark with batches finished out of order ===================================
 */

typedef struct wm {
    ck_cons_t *k;
    const char *group, *topic;
    kfk_batch_t *held[2];
    uint32_t held_no[2];
    int nheld;
    uv_timer_t check;
    size_t checks;
    int violation;
    char what[256];
} wm_t;

static int wm_hook(ck_cons_t *k, kfk_batch_t *b, uint32_t no) {
    wm_t *w = k->user;
    if (w->nheld < 2) {
        w->held[w->nheld] = b;
        w->held_no[w->nheld++] = no;
        return 1;
    }
    return 0;
}

/* The lowest offset of @p part in a batch delivered and not done, or INT64_MAX. */
static int64_t undone_floor(ck_cons_t *k, int32_t part) {
    int64_t floor = INT64_MAX;
    for (size_t b = 0; b < k->nb; b++) {
        if (k->b[b].done_ms)
            continue;
        for (size_t i = k->b[b].first; i < k->b[b].first + k->b[b].n; i++)
            if (k->msgs[i].partition == part && k->msgs[i].offset < floor)
                floor = k->msgs[i].offset;
    }
    return floor;
}

static void on_wm_check(uv_timer_t *t) {
    wm_t *w = t->data;
    int64_t floor[3], committed[3];
    for (int32_t p = 0; p < 3; p++)
        floor[p] = undone_floor(w->k, p);
    ck_committed(ct_bs(), w->group, w->topic, 3, committed);
    w->checks++;
    for (int32_t p = 0; p < 3; p++)
        if (committed[p] > floor[p] && !w->violation) {
            w->violation = 1;
            snprintf(w->what, sizeof w->what,
                     "partition %d: committed %lld past the undone batch at %lld", p,
                     (long long)committed[p], (long long)floor[p]);
        }
}

typedef struct {
    const char *group, *topic;
    int64_t want[3];
} committed_is_t;

static int committed_is(void *arg) {
    committed_is_t *c = arg;
    int64_t got[3];
    ck_committed(ct_bs(), c->group, c->topic, 3, got);
    return got[0] == c->want[0] && got[1] == c->want[1] && got[2] == c->want[2];
}

/* True when every record of partition @p part up to @p end was delivered in batches now done. */
static int part_done_to(ck_cons_t *k, int32_t part, int64_t end) {
    int64_t top = 0;
    for (size_t b = 0; b < k->nb; b++)
        for (size_t i = k->b[b].first; i < k->b[b].first + k->b[b].n; i++)
            if (k->msgs[i].partition == part) {
                if (!k->b[b].done_ms)
                    return 0;
                if (k->msgs[i].offset + 1 > top)
                    top = k->msgs[i].offset + 1;
            }
    return top >= end;
}

typedef struct {
    ck_cons_t *k;
    int32_t parts[3];
    int nparts;
    int64_t end;
} parts_done_t;

static int parts_done(void *arg) {
    parts_done_t *d = arg;
    for (int i = 0; i < d->nparts; i++)
        if (!part_done_to(d->k, d->parts[i], d->end))
            return 0;
    return 1;
}

typedef struct {
    kfk_consumer_t *c;
    const char *topic;
    int32_t part;
    int64_t want;
} kfk_known_t;

static int kfk_knows(void *arg) {
    kfk_known_t *kn = arg;
    return kfk_consumer_committed(kn->c, kn->topic, kn->part) == kn->want;
}

static int32_t batch_partition(ck_cons_t *k, uint32_t no) {
    int32_t p = k->msgs[k->b[no].first].partition;
    for (size_t i = k->b[no].first; i < k->b[no].first + k->b[no].n; i++)
        cr_assert_eq(k->msgs[i].partition, p, "batch %u mixes partitions", no);
    return p;
}

Test(consumer, commits_never_pass_a_batch_that_is_not_done, .timeout = 120) {
    enum { PARTS = 3, PER = 30 };
    char topic[96], group[96];
    ck_topic_create(ct_bs(), topic, sizeof topic, "wm", PARTS, 1, NULL);
    ct_unique_group(group, sizeof group, "wm");
    free(ck_produce(ct_bs(), topic, PARTS * PER, 0, PARTS, 0, "w"));

    uv_loop_t loop;
    uv_loop_init(&loop);
    wm_t w = {0};
    w.group = group;
    w.topic = topic;
    ck_cons_t k = {.hook = wm_hook, .user = &w};
    w.k = &k;
    ck_cons_init(&k, &loop,
                 ck_conf(ct_bs(), (const char *[]){"max.poll.records", "10", "group.id", group,
                                                   "auto.offset.reset", "earliest", NULL}));
    ct_assign_all(k.c, topic, PARTS, KFK_OFFSET_STORED);
    uv_timer_init(&loop, &w.check);
    w.check.data = &w;
    uv_timer_start(&w.check, on_wm_check, 100, 150);
    ck_cons_start(&k);

    /* Two batches held (two partitions), every other one done at once. */
    ck_count_target_t two = {&k.nb, 2};
    ck_run_until(&loop, ck_pred_count, &two, 20000);
    cr_assert_eq(w.nheld, 2);
    int32_t x = batch_partition(&k, w.held_no[0]), y = batch_partition(&k, w.held_no[1]);
    cr_assert_neq(x, y, "both held batches are of partition %d", x);
    int32_t z = 3 - x - y;
    parts_done_t zd = {&k, {z}, 1, PER};
    ck_run_until(&loop, parts_done, &zd, 20000);
    on_wm_check(&w.check); /* checked at each step, and by the timer in between */

    /* Finish the second held batch first: y runs to its end, x stays held. */
    ck_done(&k, w.held[1], w.held_no[1], KFK_ERR_NONE);
    parts_done_t yd = {&k, {y, z}, 2, PER};
    ck_run_until(&loop, parts_done, &yd, 20000);
    committed_is_t ci = {group, topic, {0}};
    ci.want[x] = -1;
    ci.want[y] = PER;
    ci.want[z] = PER;
    ck_run_until(&loop, committed_is, &ci, 15000);
    kfk_known_t kn = {k.c, topic, y, PER};
    ck_run_until(&loop, kfk_knows, &kn, 5000); /* the OffsetCommit answer may trail Kafka */
    cr_assert_eq(kfk_consumer_committed(k.c, topic, x), -1);
    on_wm_check(&w.check);

    /* Then the first: x follows. */
    ck_done(&k, w.held[0], w.held_no[0], KFK_ERR_NONE);
    parts_done_t all = {&k, {0, 1, 2}, 3, PER};
    ck_run_until(&loop, parts_done, &all, 20000);
    ci.want[x] = PER;
    ck_run_until(&loop, committed_is, &ci, 15000);
    uv_close((uv_handle_t *)&w.check, NULL);
    ck_cons_close(&k, 5000);
    ct_loop_finish(&loop);
    cr_assert_eq(w.violation, 0, "%s", w.what);
    cr_assert_geq(w.checks, 2);
    cr_assert_eq(k.n, (size_t)PARTS * PER, "%zu records", k.n);

    /* Kafka's own tool reports the same committed offsets. */
    int64_t cgc[PARTS];
    cr_assert_eq(ck_cgc_describe(ct_bs(), group, topic, PARTS, cgc), PARTS,
                 "ConsumerGroupCommand listed no rows for %s", topic);
    for (int p = 0; p < PARTS; p++)
        cr_assert_eq(cgc[p], PER, "ConsumerGroupCommand: partition %d at %lld", p,
                     (long long)cgc[p]);
    fprintf(stderr, "watermark: %zu OffsetFetch checks while batches were held, none ahead\n",
            w.checks);

    /* A fresh consumer of the group starts at the commits: only new records come. */
    free(ck_produce(ct_bs(), topic, PARTS * 5, 0, PARTS, 0, "n"));
    uv_loop_init(&loop);
    ck_cons_t k2 = {0};
    ck_cons_init(&k2, &loop,
                 ck_conf(ct_bs(), (const char *[]){"group.id", group, "auto.offset.reset",
                                                   "earliest", NULL}));
    ct_assign_all(k2.c, topic, PARTS, KFK_OFFSET_STORED);
    ck_cons_start(&k2);
    ck_count_target_t tgt = {&k2.n, PARTS * 5};
    ck_run_until(&loop, ck_pred_count, &tgt, 20000);
    ck_run_for(&loop, 300);
    ck_cons_close(&k2, 5000);
    ct_loop_finish(&loop);
    cr_assert_eq(k2.n, (size_t)PARTS * 5);
    for (size_t i = 0; i < k2.n; i++)
        cr_assert(k2.msgs[i].offset >= PER && k2.msgs[i].offset < PER + 5,
                  "fresh consumer: partition %d offset %lld", k2.msgs[i].partition,
                  (long long)k2.msgs[i].offset);
    ck_cons_free(&k);
    ck_cons_free(&k2);
}

/* ==== close with a batch outstanding, re-assignment with a commit in flight ================ */

typedef struct closer {
    ck_cons_t *k;
    kfk_batch_t *held;
    uint32_t held_no;
    uv_timer_t close_t, done_t;
    double done_at, closed_at;
    int closed;
} closer_t;

static void on_closer_closed(kfk_consumer_t *c, void *opaque) {
    (void)c;
    closer_t *cl = opaque;
    cl->closed_at = ck_now_ms();
    cl->closed = 1;
}

static void on_closer_close(uv_timer_t *t) {
    closer_t *cl = t->data;
    kfk_consumer_set_close_timeout(cl->k->c, 5000);
    kfk_consumer_close(cl->k->c, on_closer_closed, cl);
    uv_close((uv_handle_t *)t, NULL);
}

static void on_closer_done(uv_timer_t *t) {
    closer_t *cl = t->data;
    cl->done_at = ck_now_ms();
    ck_done(cl->k, cl->held, cl->held_no, KFK_ERR_NONE);
    uv_close((uv_handle_t *)t, NULL);
}

static int closer_hook(ck_cons_t *k, kfk_batch_t *b, uint32_t no) {
    closer_t *cl = k->user;
    if (cl->held)
        return 0;
    cl->held = b;
    cl->held_no = no;
    uv_timer_init(k->loop, &cl->close_t);
    uv_timer_init(k->loop, &cl->done_t);
    cl->close_t.data = cl->done_t.data = cl;
    uv_timer_start(&cl->close_t, on_closer_close, 100, 0);
    uv_timer_start(&cl->done_t, on_closer_done, 700, 0);
    return 1;
}

static int closer_closed(void *arg) {
    return ((closer_t *)arg)->closed;
}

Test(consumer, close_waits_for_an_outstanding_batch_and_commits_it, .timeout = 60) {
    char topic[96], group[96];
    ck_topic_create(ct_bs(), topic, sizeof topic, "close", 1, 1, NULL);
    ct_unique_group(group, sizeof group, "close");
    free(ck_produce(ct_bs(), topic, 20, 0, 1, 0, "c"));
    uv_loop_t loop;
    uv_loop_init(&loop);
    closer_t cl = {0};
    ck_cons_t k = {.hook = closer_hook, .user = &cl};
    cl.k = &k;
    ck_cons_init(&k, &loop,
                 ck_conf(ct_bs(), (const char *[]){"max.poll.records", "20", "group.id", group,
                                                   "auto.offset.reset", "earliest", NULL}));
    ct_assign_all(k.c, topic, 1, KFK_OFFSET_STORED);
    ck_cons_start(&k);
    ck_run_until(&loop, closer_closed, &cl, 20000);
    ct_loop_finish(&loop);
    cr_assert_gt(cl.done_at, 0);
    cr_assert_geq(cl.closed_at, cl.done_at, "the close callback came before the batch was done");
    cr_assert_eq(k.nb, 1, "%zu batches: delivery went on after close", k.nb);
    int64_t committed[1];
    ck_committed(ct_bs(), group, topic, 1, committed);
    cr_assert_eq(committed[0], (int64_t)k.n, "committed %lld after close, want %zu",
                 (long long)committed[0], k.n);
    ck_cons_free(&k);
}

typedef struct reassign {
    const char *topic;
    int done;
    kfk_err_t err;
} reassign_t;

static int reassign_hook(ck_cons_t *k, kfk_batch_t *b, uint32_t no) {
    reassign_t *r = k->user;
    if (r->done)
        return 0;
    r->done = 1;
    /* The done batch starts a commit of partition 0; the new assignment drops partition 0
     * while that commit is in flight. */
    ck_done(k, b, no, KFK_ERR_NONE);
    kfk_topic_partition_t tp = {r->topic, 1, KFK_OFFSET_STORED};
    r->err = kfk_consumer_assign(k->c, &tp, 1);
    return 1;
}

Test(consumer, reassigning_with_a_commit_in_flight_is_safe, .timeout = 60) {
    char topic[96], group[96];
    ck_topic_create(ct_bs(), topic, sizeof topic, "reassign", 2, 1, NULL);
    ct_unique_group(group, sizeof group, "reassign");
    free(ck_produce(ct_bs(), topic, 40, 0, 2, 0, "r"));
    uv_loop_t loop;
    uv_loop_init(&loop);
    reassign_t r = {topic, 0, 0};
    ck_cons_t k = {.hook = reassign_hook, .user = &r};
    ck_cons_init(&k, &loop,
                 ck_conf(ct_bs(), (const char *[]){"max.poll.records", "5", "group.id", group,
                                                   "auto.offset.reset", "earliest", NULL}));
    kfk_topic_partition_t tp = {topic, 0, KFK_OFFSET_STORED};
    cr_assert_eq(kfk_consumer_assign(k.c, &tp, 1), 0);
    ck_cons_start(&k);
    ck_count_target_t tgt = {&k.n, 25}; /* 5 of partition 0, then the 20 of partition 1 */
    ck_run_until(&loop, ck_pred_count, &tgt, 20000);
    ck_run_for(&loop, 500);
    ck_cons_close(&k, 5000);
    ct_loop_finish(&loop);
    cr_assert_eq(r.err, 0);
    cr_assert_eq(k.n, 25);
    for (size_t i = 5; i < k.n; i++)
        cr_assert_eq(k.msgs[i].partition, 1);
    int64_t committed[2];
    ck_committed(ct_bs(), group, topic, 2, committed);
    cr_assert_eq(committed[1], 20);
    ck_cons_free(&k);
}

/* ==== commits are not queued behind a long-polling Fetch
 * ============================================ */

typedef struct lat {
    double done_at, cb_at;
    kfk_err_t err;
    int calls;
} lat_t;

static void on_lat_commit(kfk_consumer_t *c, kfk_err_t err, void *opaque) {
    (void)c;
    lat_t *l = opaque;
    l->cb_at = ck_now_ms();
    l->err = err;
    l->calls++;
}

static int lat_hook(ck_cons_t *k, kfk_batch_t *b, uint32_t no) {
    lat_t *l = k->user;
    if (l->done_at)
        return 0;
    ck_done(k, b, no, KFK_ERR_NONE);
    l->done_at = ck_now_ms();
    cr_assert_eq(kfk_consumer_commit(k->c, on_lat_commit, l), 0);
    return 1;
}

static int lat_called(void *arg) {
    return ((lat_t *)arg)->calls;
}

Test(consumer, a_commit_is_not_held_behind_a_long_polling_fetch, .timeout = 90) {
    char topic[96], group[96];
    ck_topic_create(ct_bs(), topic, sizeof topic, "lpoll", 1, 1, NULL);
    ct_unique_group(group, sizeof group, "lpoll");
    free(ck_produce(ct_bs(), topic, 10, 0, 1, 0, "l"));
    uv_loop_t loop;
    uv_loop_init(&loop);
    lat_t l = {0};
    ck_cons_t k = {.hook = lat_hook, .user = &l};
    /* fetch.max.wait.ms 60000: once the 10 records are read, the next Fetch waits at the
     * broker for a minute. The commit must be acknowledged while that Fetch is still held, so
     * the test waits for it at most 20 s (a third of the hold): a commit queued behind the
     * Fetch on a shared connection could not be answered in time. Java and librdkafka talk to
     * the coordinator on a connection of its own; so does kfk. */
    ck_cons_init(&k, &loop,
                 ck_conf(ct_bs(), (const char *[]){"max.poll.records", "10", "group.id", group,
                                                   "auto.offset.reset", "earliest",
                                                   "fetch.max.wait.ms", "60000", NULL}));
    ct_assign_all(k.c, topic, 1, KFK_OFFSET_STORED);
    ck_cons_start(&k);
    ck_run_until(&loop, lat_called, &l, 20000);
    ck_cons_close(&k, 5000);
    ct_loop_finish(&loop);
    fprintf(stderr, "commit after a done batch, fetch.max.wait.ms=60000: acknowledged in %.0f ms\n",
            l.cb_at - l.done_at);
    cr_assert_eq(l.calls, 1, "no commit acknowledgement while the Fetch was held");
    cr_assert_eq(l.err, 0, "commit: %s", kfk_err_name(l.err));
    ck_cons_free(&k);
}

/* ==== a commit with nothing to commit still calls back from the loop
 * ================================ */

typedef struct again {
    lat_t first;
    int calls;      /* callbacks of the second commit */
    int in_call;    /* set while kfk_consumer_commit runs */
    int sync_calls; /* callbacks that ran inside that call */
    kfk_err_t err;
} again_t;

static void on_again_commit(kfk_consumer_t *c, kfk_err_t err, void *opaque) {
    (void)c;
    again_t *a = opaque;
    a->calls++;
    a->err = err;
    if (a->in_call)
        a->sync_calls++;
}

/* The first commit's callback: every done offset is committed now, so a second commit has
 * nothing to send and ends at once; its callback must still come from the loop, later. */
static void on_first_commit(kfk_consumer_t *c, kfk_err_t err, void *opaque) {
    again_t *a = opaque;
    on_lat_commit(c, err, &a->first);
    a->in_call = 1;
    cr_assert_eq(kfk_consumer_commit(c, on_again_commit, a), 0);
    a->in_call = 0;
}

static int again_hook(ck_cons_t *k, kfk_batch_t *b, uint32_t no) {
    again_t *a = k->user;
    if (a->first.done_at)
        return 0;
    ck_done(k, b, no, KFK_ERR_NONE);
    a->first.done_at = ck_now_ms();
    cr_assert_eq(kfk_consumer_commit(k->c, on_first_commit, a), 0);
    return 1;
}

static int again_called(void *arg) {
    return ((again_t *)arg)->calls;
}

Test(consumer, a_commit_with_nothing_to_commit_calls_back_later_from_the_loop, .timeout = 60) {
    char topic[96], group[96];
    ck_topic_create(ct_bs(), topic, sizeof topic, "noop", 1, 1, NULL);
    ct_unique_group(group, sizeof group, "noop");
    free(ck_produce(ct_bs(), topic, 10, 0, 1, 0, "n"));
    uv_loop_t loop;
    uv_loop_init(&loop);
    again_t a = {0};
    ck_cons_t k = {.hook = again_hook, .user = &a};
    ck_cons_init(&k, &loop,
                 ck_conf(ct_bs(), (const char *[]){"max.poll.records", "10", "group.id", group,
                                                   "auto.offset.reset", "earliest", NULL}));
    ct_assign_all(k.c, topic, 1, KFK_OFFSET_STORED);
    ck_cons_start(&k);
    ck_run_until(&loop, again_called, &a, 20000);
    ck_cons_close(&k, 5000);
    ct_loop_finish(&loop);
    cr_assert_eq(a.first.calls, 1);
    cr_assert_eq(a.first.err, 0, "first commit: %s", kfk_err_name(a.first.err));
    cr_assert_eq(a.calls, 1);
    cr_assert_eq(a.err, 0, "second commit: %s", kfk_err_name(a.err));
    cr_assert_eq(a.sync_calls, 0, "the callback ran inside kfk_consumer_commit");
    int64_t committed[1];
    ck_committed(ct_bs(), group, topic, 1, committed);
    cr_assert_eq(committed[0], 10);
    ck_cons_free(&k);
}

/* ---- statistics ------------------------------------------------------------------------------ */

typedef struct cstats {
    kt_stats_t st;
    int committed;
    kfk_err_t commit_err;
    int after; /* documents seen when the commit was answered */
} cstats_t;

static void on_cstats_commit(kfk_consumer_t *c, kfk_err_t err, void *opaque) {
    (void)c;
    cstats_t *s = opaque;
    s->commit_err = err;
    s->committed = 1;
    s->after = s->st.docs;
}

static int cstats_doc_after_commit(void *arg) {
    cstats_t *s = arg;
    return s->committed && s->st.docs > s->after;
}

Test(consumer, statistics_report_group_offsets_and_lag_per_partition, .timeout = 90) {
    enum { N = 900, PARTS = 3 };
    char topic[96], group[96];
    ck_topic_create(ct_bs(), topic, sizeof topic, "stats", PARTS, 1, NULL);
    ck_pos_t *pos = ck_produce(ct_bs(), topic, N, 30, PARTS, 0, "s");
    int64_t end[PARTS];
    ck_end_offsets(pos, N, PARTS, end);
    free(pos);
    ct_unique_group(group, sizeof group, "stats");
    uv_loop_t loop;
    uv_loop_init(&loop);
    cstats_t cs = {0};
    kfk_conf_t *conf =
        ck_conf(ct_bs(), (const char *[]){"group.id", group, "auto.offset.reset", "earliest",
                                          "statistics.interval.ms", "50", NULL});
    kfk_conf_set_stats_cb(conf, kt_stats_cb, &cs.st);
    ck_cons_t k = {0};
    ck_cons_init(&k, &loop, conf);
    const char *topics[] = {topic};
    cr_assert_eq(kfk_consumer_subscribe(k.c, topics, 1), 0);
    ck_cons_start(&k);
    ck_count_target_t tgt = {&k.n, N};
    ck_run_until(&loop, ck_pred_count, &tgt, 30000);
    cr_assert_eq(kfk_consumer_commit(k.c, on_cstats_commit, &cs), 0);
    /* A document rendered after the commit was answered. */
    ck_run_until(&loop, cstats_doc_after_commit, &cs, 10000);
    cr_assert_eq(cs.commit_err, 0, "%s", kfk_err_name(cs.commit_err));
    json_t *doc = kt_stats_parse(&cs.st);
    cr_assert_str_eq(kt_json_str(doc, "type"), "consumer");
    cr_assert_eq(kt_json_int(doc, "rxmsgs"), N, "%s", cs.st.last);
    cr_assert_geq(kt_json_int(doc, "rx_batches"), (json_int_t)((N + 99) / 100));
    cr_assert_eq(kt_json_int(doc, "batches_outstanding"), 0);
    cr_assert_geq(kt_json_int(doc, "fetch_requests"), 1, "%s", cs.st.last);
    json_t *cg = json_object_get(doc, "cgrp");
    cr_assert_str_eq(kt_json_str(cg, "state"), "stable", "%s", cs.st.last);
    cr_assert_eq(kt_json_int(cg, "assignment_size"), PARTS);
    cr_assert_geq(kt_json_int(cg, "rebalance_cnt"), 1);
    cr_assert_geq(kt_json_int(cg, "generation"), 1);
    for (int i = 0; i < PARTS; i++) {
        json_t *tp = kt_stats_partition(doc, topic, i);
        cr_assert_str_eq(kt_json_str(tp, "fetch_state"), "active");
        cr_assert_eq(kt_json_int(tp, "app_offset"), end[i], "partition %d: %s", i, cs.st.last);
        cr_assert_eq(kt_json_int(tp, "stored_offset"), end[i], "partition %d", i);
        cr_assert_eq(kt_json_int(tp, "committed_offset"), end[i], "partition %d", i);
        cr_assert_eq(kt_json_int(tp, "hi_offset"), end[i], "partition %d", i);
        cr_assert_eq(kt_json_int(tp, "consumer_lag"), 0, "partition %d", i);
        cr_assert_eq(kt_json_int(tp, "consumer_lag_stored"), 0, "partition %d", i);
        cr_assert_eq(kt_json_int(tp, "batch_outstanding"), 0, "partition %d", i);
    }
    json_decref(doc);
    ck_cons_close(&k, 5000);
    ct_loop_finish(&loop);
    ck_cons_free(&k);
    kt_stats_free(&cs.st);
}
