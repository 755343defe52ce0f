/*
 * test_group_revoke_commits.c: a cooperative revocation is not held up by the commits of the
 * partitions the member keeps. Member A (cooperative-sticky) consumes both partitions of "t" at
 * a steady pace, each batch done starting a commit round (OffsetCommit answered 100 ms late by
 * the in-process mock, so a round is always in flight); member B joins and must get a
 * partition while A is still at work. Before, the revocation waited for a moment with no commit
 * in flight, which hardly came while A's kept partition went on: B got its partition after
 * 3.3 s, 29 commit rounds into the revocation (1 round, 0.47 s now).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include <uv.h>

#include "kfk/kfk.h"
#include "kfk/mock.h"
#include "mock_records.h"
#include "support.h"

#define RECORDS 3000 /* per partition */
#define API_OFFSET_COMMIT 8
#define API_SYNC_GROUP 14

typedef struct member member_t;

typedef struct {
    uv_loop_t loop;
    uv_timer_t deadline, tick;
    kfk_mock_t *mock;
    member_t *a, *b;
    int stopping, timed_out, closed;
    int64_t a_done_at_b_assigned; /* records A had done when B got its first partition (-1) */
    int64_t a_done_at_b_start;    /* ... when B started */
    uint64_t b_start_ms, b_assigned_ms;
    /* OffsetCommits served when A's revocation started (the generation with B synced: the 3rd
     * SyncGroup) and when A's revoked callback ran. */
    int64_t commits_at_revoke_start, commits_at_revoked;
} gr_t;

struct member {
    gr_t *t;
    kfk_consumer_t *c;
    kfk_batch_t *held[8];
    int nheld;
    int64_t done;
    int assigned; /* partitions held now */
};

static void on_closed(kfk_consumer_t *c, void *opaque) {
    (void)c;
    gr_t *t = ((member_t *)opaque)->t;
    if (++t->closed == (t->b->c ? 2 : 1))
        kfk_mock_close(t->mock, kt_mock_closed, t);
}

static void stop(gr_t *t) {
    if (t->stopping)
        return;
    t->stopping = 1;
    uv_close((uv_handle_t *)&t->deadline, NULL);
    uv_close((uv_handle_t *)&t->tick, NULL);
    member_t *m[2] = {t->a, t->b};
    for (int i = 0; i < 2; i++) {
        if (!m[i]->c)
            continue;
        for (int k = 0; k < m[i]->nheld; k++)
            kfk_batch_done(m[i]->held[k], KFK_ERR_NONE);
        m[i]->nheld = 0;
        kfk_consumer_set_close_timeout(m[i]->c, 0);
        kfk_consumer_close(m[i]->c, on_closed, m[i]);
    }
}

static void on_deadline(uv_timer_t *h) {
    gr_t *t = h->data;
    t->timed_out = 1;
    stop(t);
}

/* Every 10 ms A does one batch (a steady pace: about 100 batches a second). */
static void on_tick(uv_timer_t *h) {
    gr_t *t = h->data;
    member_t *a = t->a;
    if (a->nheld) {
        a->done += (int64_t)kfk_batch_count(a->held[0]);
        kfk_batch_done(a->held[0], KFK_ERR_NONE);
        memmove(&a->held[0], &a->held[1], (size_t)(a->nheld - 1) * sizeof a->held[0]);
        a->nheld--;
    }
    if (a->done >= 2 * RECORDS)
        stop(t); /* A read everything */
    if (t->commits_at_revoke_start < 0 && kfk_mock_requests(t->mock, API_SYNC_GROUP) >= 3)
        t->commits_at_revoke_start = (int64_t)kfk_mock_requests(t->mock, API_OFFSET_COMMIT);
}

static void on_batch(kfk_consumer_t *c, kfk_batch_t *b, void *opaque) {
    (void)c;
    member_t *m = opaque;
    if (m->t->stopping || m == m->t->b || m->nheld == 8) {
        kfk_batch_done(b, KFK_ERR_NONE);
        return;
    }
    m->held[m->nheld++] = b;
}

static void on_rebalance(kfk_consumer_t *c, kfk_rebalance_event_t ev,
                         const kfk_topic_partition_t *parts, size_t n, void *opaque) {
    (void)c;
    (void)parts;
    member_t *m = opaque;
    gr_t *t = m->t;
    if (ev == KFK_REBALANCE_ASSIGNED) {
        m->assigned += (int)n;
    } else {
        m->assigned -= (int)n;
        if (m == t->a && t->commits_at_revoked < 0)
            t->commits_at_revoked = (int64_t)kfk_mock_requests(t->mock, API_OFFSET_COMMIT);
        /* A revoked partition's held batches are done now (the revocation waits for them). */
        for (int k = 0; k < m->nheld; k++) {
            m->done += (int64_t)kfk_batch_count(m->held[k]);
            kfk_batch_done(m->held[k], KFK_ERR_NONE);
        }
        m->nheld = 0;
    }
    if (m == t->b && m->assigned > 0 && t->a_done_at_b_assigned < 0) {
        t->a_done_at_b_assigned = t->a->done;
        t->b_assigned_ms = uv_now(&t->loop);
        stop(t);
    }
}

/* Starts @p m (zeroed, owned by the test) as a member of group "gr" subscribed to "t". */
static void member_start(gr_t *t, member_t *m) {
    m->t = t;
    kfk_conf_t *conf = kt_conf(kfk_mock_bootstrap(t->mock),
                               (const char *[]){"group.id", "gr", "partition.assignment.strategy",
                                                "cooperative-sticky", "enable.auto.commit", "false",
                                                "max.poll.records", "10", "heartbeat.interval.ms",
                                                "100", "auto.offset.reset", "earliest", NULL});
    char errstr[512];
    cr_assert_eq(kfk_consumer_new(&t->loop, conf, &m->c, errstr, sizeof errstr), KFK_ERR_NONE, "%s",
                 errstr);
    kfk_conf_free(conf);
    kfk_consumer_set_rebalance_cb(m->c, on_rebalance, m);
    const char *topics[] = {"t"};
    cr_assert_eq(kfk_consumer_subscribe(m->c, topics, 1), KFK_ERR_NONE);
    cr_assert_eq(kfk_consumer_start(m->c, on_batch, m), KFK_ERR_NONE);
}

static void on_start_b(uv_timer_t *h) {
    gr_t *t = h->data;
    if (t->stopping || t->b->c)
        return;
    if (t->a->assigned == 2 && t->a->done >= 200) { /* A at work on both partitions */
        t->a_done_at_b_start = t->a->done;
        t->b_start_ms = uv_now(&t->loop);
        member_start(t, t->b);
    }
}

Test(group_revoke_commits, a_cooperative_revocation_is_not_held_up_by_the_kept_partitions_commits,
     .timeout = 60) {
    gr_t t;
    memset(&t, 0, sizeof t);
    t.a_done_at_b_assigned = -1;
    t.commits_at_revoke_start = t.commits_at_revoked = -1;
    cr_assert_eq(uv_loop_init(&t.loop), 0);
    t.mock = kt_mock(&t.loop, 0);
    cr_assert_eq(kfk_mock_topic_create(t.mock, "t", 2, 1), KFK_ERR_NONE);
    kt_mock_fill(t.mock, "t", 0, RECORDS);
    kt_mock_fill(t.mock, "t", 1, RECORDS);
    kfk_mock_fault_t f = KFK_MOCK_FAULT_INIT;
    f.api_key = API_OFFSET_COMMIT;
    f.count = -1;
    f.kind = KFK_MOCK_FAULT_DELAY;
    f.delay_ms = 100;
    cr_assert_eq(kfk_mock_fault_add(t.mock, &f), KFK_ERR_NONE);
    t.a = calloc(1, sizeof *t.a);
    t.b = calloc(1, sizeof *t.b);
    t.b->t = &t;
    member_start(&t, t.a);
    uv_timer_init(&t.loop, &t.deadline);
    t.deadline.data = &t;
    uv_timer_start(&t.deadline, on_deadline, 40000, 0);
    uv_timer_init(&t.loop, &t.tick);
    t.tick.data = &t;
    uv_timer_start(&t.tick, on_tick, 10, 10);
    uv_timer_t starter;
    uv_timer_init(&t.loop, &starter);
    starter.data = &t;
    uv_timer_start(&starter, on_start_b, 50, 50);
    while (!t.stopping)
        uv_run(&t.loop, UV_RUN_ONCE);
    uv_close((uv_handle_t *)&starter, NULL);
    uv_run(&t.loop, UV_RUN_DEFAULT);
    cr_assert_eq(uv_loop_close(&t.loop), 0, "a handle was left open");
    fprintf(stderr,
            "B started when A had done %lld records and got a partition %llu ms later, when A had "
            "done %lld of %d (at the end: A done %lld, holding %d partitions; B %s, holding %d)\n",
            (long long)t.a_done_at_b_start, (unsigned long long)(t.b_assigned_ms - t.b_start_ms),
            (long long)t.a_done_at_b_assigned, 2 * RECORDS, (long long)t.a->done, t.a->assigned,
            t.b->c ? "started" : "never started", t.b->assigned);
    fprintf(stderr, "A's revocation: %lld OffsetCommits served from its start to its end\n",
            (long long)(t.commits_at_revoked - t.commits_at_revoke_start));
    cr_expect_eq(t.timed_out, 0, "nothing ended in 40 s");
    cr_expect(t.commits_at_revoke_start >= 0 && t.commits_at_revoked >= 0,
              "no revocation seen (start %lld, end %lld)", (long long)t.commits_at_revoke_start,
              (long long)t.commits_at_revoked);
    /* The round in flight when it started, the one carrying the revoked partition's offsets,
     * and one for the 10 ms the start is seen late. */
    cr_expect_leq(t.commits_at_revoked - t.commits_at_revoke_start, 3,
                  "the revocation waited through %lld commit rounds",
                  (long long)(t.commits_at_revoked - t.commits_at_revoke_start));
    cr_expect_geq(t.a_done_at_b_assigned, 0, "B got no partition before A read everything");
    free(t.a);
    free(t.b);
}
