/*
 * test_group_faults.c: kfk consumer groups against the real broker (issue 7, single node) when a
 * member fails: a member killed with SIGKILL mid-batch (every record processed at least once,
 * duplicates at most one batch per partition, only in the killed member's partitions); a member
 * frozen with SIGSTOP past session.timeout.ms (fenced, its late commits do not count); a batch
 * held past max.poll.interval.ms (the member leaves); long-polling fetches that must not starve
 * heartbeats. Members run as separate processes (group_kit.h). Part of integration_group.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <uv.h>

#include "consumer_kit.h"
#include "group_kit.h"
#include "kfk/kfk.h"

/* ==== SIGKILL mid-batch
 * ============================================================================ */

Test(group, a_member_killed_mid_batch_loses_nothing_and_repeats_at_most_one_batch, .timeout = 150) {
    enum { PARTS = 6, BATCH = 10 };
    world_t w;
    gk_world_init(&w, "kill");
    gk_add_topic(&w, "gkill", PARTS);
    int64_t end[MAXT][MAXP] = {{0}};
    gk_produce_to(&w, 0, 300, end, "k");
    const char *a[16];
    const char *const more[] = {"max.poll.records=10", "hold.ms=300", NULL};
    gk_args(a, more);
    int m1 = gk_start_member(&w, "m1", a);
    int m2 = gk_start_member(&w, "m2", a);
    gk_wait_settled(&w, 1u << m1 | 1u << m2, 30000, 1000);
    /* Kill m1 100 ms into a batch (batches are held 300 ms). */
    evs_t es = gk_read_logs(&w);
    int starts = gk_count_type(&es, m1, 'S');
    uint64_t victim_own[MAXT];
    gk_owned(&es, m1, victim_own);
    free(es.v);
    gk_wait_count(&w, m1, 'S', starts + 1, 10000);
    usleep(100000);
    gk_kill_member(&w, m1);
    double killed = ck_now_ms();
    gk_wait_committed(&w, end, 90000);
    double done_at = ck_now_ms();
    gk_stop_all(&w);

    es = gk_read_logs(&w);
    check_t c = gk_check_processing(&w, &es, end);
    const ev_t *last_s = gk_last_of(&es, m1, 'S');
    double takeover = 0;
    for (size_t i = 0; i < es.n; i++)
        if (es.v[i].m == m2 && es.v[i].type == 'A' && es.v[i].t > killed) {
            takeover = es.v[i].t - killed;
            break;
        }
    char vs[256];
    gk_own_str(&w, victim_own, vs, sizeof vs);
    fprintf(stderr,
            "SIGKILL: m1 (partitions %s) killed 100 ms into batch %u; m2 took over after %.1f s; "
            "all committed %.1f s after the kill; %zu duplicate records, at most %d batch(es) "
            "per partition\n",
            vs, last_s ? last_s->batch : 0, takeover / 1e3, (done_at - killed) / 1e3, c.dups,
            c.max_dup_batches_per_part);
    cr_assert_eq(c.missing, 0, "%zu records never processed, first: %s", c.missing,
                 c.first_missing);
    cr_assert_eq(c.overlaps, 0, "%zu overlaps, first: %s", c.overlaps, c.first_overlap);
    cr_assert_gt(takeover, 0, "m2 never got m1's partitions");
    for (int p = 0; p < PARTS; p++) {
        cr_assert_leq(c.dup_per_part[0][p], BATCH, "partition %d: %lld duplicates", p,
                      (long long)c.dup_per_part[0][p]);
        if (c.dup_per_part[0][p])
            cr_assert(victim_own[0] >> p & 1,
                      "partition %d (not the killed member's) has duplicates", p);
    }
    cr_assert_leq(c.max_dup_batches_per_part, 1);
    free(es.v);
    gk_cleanup(&w);
}

/* ==== a member frozen (SIGSTOP) past session.timeout.ms
 * =========================================== */

Test(group, a_member_frozen_past_its_session_is_fenced_and_its_late_commits_do_not_count,
     .timeout = 150) {
    enum { PARTS = 6, BATCH = 10 };
    world_t w;
    gk_world_init(&w, "stop");
    gk_add_topic(&w, "gstop", PARTS);
    int64_t end[MAXT][MAXP] = {{0}};
    gk_produce_to(&w, 0, 300, end, "z");
    const char *a1[16], *a2[16];
    /* m1's heartbeat is slower than its hold: after SIGCONT its batch is done (and committed)
     * before it notices the lost session. batch.commit.wait: a partition's next batch waits for
     * the acknowledgement of the last one's commit, which is what bounds the re-read to one
     * batch per partition (asserted below). Without it the bound is two batches: a member
     * frozen 50 ms into a batch may not have sent the previous batch's commit yet (seen as 20
     * duplicates in one partition in a clean-clone CI run at load 20). */
    const char *const more1[] = {"max.poll.records=10", "hold.ms=300", "heartbeat.interval.ms=1000",
                                 "batch.commit.wait=true", NULL};
    const char *const more2[] = {"max.poll.records=10", "hold.ms=300", NULL};
    gk_args(a1, more1);
    gk_args(a2, more2);
    int m1 = gk_start_member(&w, "m1", a1);
    int m2 = gk_start_member(&w, "m2", a2);
    gk_wait_settled(&w, 1u << m1 | 1u << m2, 30000, 1000);
    evs_t es = gk_read_logs(&w);
    int starts = gk_count_type(&es, m1, 'S');
    uint64_t frozen_own[MAXT];
    gk_owned(&es, m1, frozen_own);
    free(es.v);
    gk_wait_count(&w, m1, 'S', starts + 1, 10000);
    usleep(50000);
    kill(w.m[m1].pid, SIGSTOP);
    w.m[m1].cut[w.m[m1].ncut++] = ck_now_ms();
    /* m2 takes everything once m1's session expires. */
    double t0 = ck_now_ms();
    for (;;) {
        evs_t e2 = gk_read_logs(&w);
        uint64_t own[MAXT];
        gk_owned(&e2, m2, own);
        free(e2.v);
        if (own[0] == (1ull << PARTS) - 1)
            break;
        cr_assert_lt(ck_now_ms() - t0, 30000, "m2 never got the frozen member's partitions");
        usleep(100000);
    }
    double took = ck_now_ms() - t0;
    int64_t before[MAXP];
    ck_committed(gk_bs(), w.group, w.topics[0], PARTS, before);
    kill(w.m[m1].pid, SIGCONT);
    /* Committed offsets never go back, while m1 wakes up, finds its session gone and rejoins. */
    int64_t last[MAXP];
    memcpy(last, before, sizeof last);
    int went_back = 0;
    char what[160] = "";
    for (double t1 = ck_now_ms(); ck_now_ms() - t1 < 3000;) {
        int64_t now[MAXP];
        ck_committed(gk_bs(), w.group, w.topics[0], PARTS, now);
        for (int p = 0; p < PARTS; p++) {
            if (now[p] < last[p] && !went_back++)
                snprintf(what, sizeof what, "partition %d: committed %lld after %lld", p,
                         (long long)now[p], (long long)last[p]);
            last[p] = now[p];
        }
        usleep(100000);
    }
    gk_wait_committed(&w, end, 90000);
    gk_stop_all(&w); /* asserts a clean exit of each member (an ASan build reports memory errors) */

    es = gk_read_logs(&w);
    check_t c = gk_check_processing(&w, &es, end);
    int lost = gk_count_type(&es, m1, 'L');
    char fs[128];
    gk_own_str(&w, frozen_own, fs, sizeof fs);
    fprintf(stderr,
            "SIGSTOP: m1 (%s) frozen 50 ms into a batch; m2 had everything %.1f s later; after "
            "SIGCONT m1 logged %d lost event(s); %zu duplicate records, at most %d batch(es) per "
            "partition\n",
            fs, took / 1e3, lost, c.dups, c.max_dup_batches_per_part);
    cr_assert_eq(went_back, 0, "the woken member moved a commit back: %s", what);
    cr_assert_gt(lost, 0, "m1 never reported its partitions lost");
    cr_assert_eq(c.missing, 0, "%zu records never processed, first: %s", c.missing,
                 c.first_missing);
    cr_assert_eq(c.overlaps, 0, "%zu overlaps, first: %s", c.overlaps, c.first_overlap);
    for (int p = 0; p < PARTS; p++) {
        cr_assert_leq(c.dup_per_part[0][p], BATCH, "partition %d: %lld duplicates", p,
                      (long long)c.dup_per_part[0][p]);
        if (c.dup_per_part[0][p])
            cr_assert(frozen_own[0] >> p & 1,
                      "partition %d (not the frozen member's) has duplicates", p);
    }
    free(es.v);
    gk_cleanup(&w);
}

/* ==== a batch held past max.poll.interval.ms
 * ======================================================= */

Test(group, a_batch_held_past_max_poll_interval_makes_the_member_leave, .timeout = 150) {
    enum { PARTS = 6, BATCH = 10 };
    world_t w;
    gk_world_init(&w, "poll");
    gk_add_topic(&w, "gpoll", PARTS);
    int64_t end[MAXT][MAXP] = {{0}};
    const char *a1[16], *a2[16];
    /* m1 holds its first batches 8 s with max.poll.interval.ms 4 s. */
    const char *const more1[] = {
        "max.poll.records=10",       "hold.ms=20", "slow.n=100", "slow.ms=8000",
        "max.poll.interval.ms=4000", NULL};
    const char *const more2[] = {"max.poll.records=10", "hold.ms=20", "max.poll.interval.ms=4000",
                                 NULL};
    gk_args(a1, more1);
    gk_args(a2, more2);
    int m2 = gk_start_member(&w, "m2", a2);
    gk_wait_count(&w, m2, 'A', 1, 20000);
    int m1 = gk_start_member(&w, "m1", a1);
    gk_wait_settled(&w, 1u << m1 | 1u << m2, 30000, 500);
    gk_produce_to(&w, 0, 100, end, "q");
    /* m1 (first in member order) has 0-2 under range. */
    gk_wait_count(&w, m1, 'S', 1, 20000);
    double t0 = ck_now_ms();
    gk_wait_committed(&w, end, 60000);
    double took = ck_now_ms() - t0;
    gk_stop_all(&w);
    evs_t es = gk_read_logs(&w);
    check_t c = gk_check_processing(&w, &es, end);
    int left = 0;
    for (size_t i = 0; i < es.n; i++)
        left += es.v[i].m == m1 && es.v[i].type == 'W' && es.v[i].mid[0] == 'P';
    int lost = gk_count_type(&es, m1, 'L');
    fprintf(stderr,
            "max.poll.interval.ms: m1 left %d time(s) (lost events %d); everything committed %.1f "
            "s after its first batch; %zu duplicate records, at most %d batch(es) per "
            "partition\n",
            left, lost, took / 1e3, c.dups, c.max_dup_batches_per_part);
    cr_assert_geq(left, 1, "m1 did not leave the group");
    cr_assert_gt(lost, 0);
    cr_assert_lt(took, 8000, "the other member waited for the slow batches");
    cr_assert_eq(c.missing, 0, "%zu records never processed, first: %s", c.missing,
                 c.first_missing);
    cr_assert_eq(c.overlaps, 0, "%zu overlaps, first: %s", c.overlaps, c.first_overlap);
    cr_assert_leq(c.max_dup_batches_per_part, 1);
    for (int p = 0; p < PARTS; p++)
        cr_assert_leq(c.dup_per_part[0][p], BATCH);
    free(es.v);
    gk_cleanup(&w);
}

/* ==== long-polling fetches do not starve heartbeats
 * ==================================================== */

Test(group, long_polling_fetches_do_not_starve_heartbeats, .timeout = 60) {
    world_t w;
    gk_world_init(&w, "lpoll");
    gk_add_topic(&w, "glpoll", 2);
    /* An idle topic: every Fetch waits fetch.max.wait.ms (8 s) at the broker, longer than
     * session.timeout.ms (6 s). Heartbeats must still get through (Java's and librdkafka's go
     * on a coordinator connection of their own). */
    const char *a[16];
    const char *const more[] = {"fetch.max.wait.ms=8000", NULL};
    gk_args(a, more);
    int m1 = gk_start_member(&w, "m1", a);
    gk_wait_count(&w, m1, 'A', 1, 20000);
    usleep(15000000);
    gk_stop_all(&w);
    evs_t es = gk_read_logs(&w);
    int joins = gk_count_type(&es, m1, 'J'), lost = gk_count_type(&es, m1, 'L');
    fprintf(stderr, "fetch.max.wait.ms 8000 > session.timeout.ms 6000: %d join(s), %d lost\n",
            joins, lost);
    cr_assert_eq(lost, 0, "the member lost its partitions %d times (heartbeats starved)", lost);
    cr_assert_eq(joins, 1, "the member joined %d times (heartbeats starved)", joins);
    free(es.v);
    gk_cleanup(&w);
}
