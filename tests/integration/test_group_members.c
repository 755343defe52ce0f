/*
 * test_group_members.c: kfk consumer groups against the real broker (issue 7, single node), as
 * members come and go: 1 -> 3 -> 2 members over a 12-partition topic (every record processed,
 * none by two members at once, no duplicate without a crash, committed offsets as
 * ConsumerGroupCommand reports them); static membership (a member that closes and comes back
 * with the same group.instance.id within session.timeout.ms gets its partitions back without a
 * rebalance of the other); the assignors range, roundrobin and cooperative-sticky (a member
 * joining makes the others revoke only what moves). Members run as separate processes
 * (group_kit.h). Part of integration_group.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <uv.h>

#include "consumer_kit.h"
#include "group_kit.h"
#include "kfk/kfk.h"

/* ==== 1 -> 3 -> 2 members =================================================================== */

Test(group, one_then_three_then_two_members_process_every_record_once, .timeout = 240) {
    world_t w;
    gk_world_init(&w, "132");
    gk_add_topic(&w, "g132", 12);
    int64_t end[MAXT][MAXP] = {{0}};
    gk_produce_to(&w, 0, 2000, end, "r");
    const char *a[16];
    const char *const more[] = {"max.poll.records=20", "hold.ms=100", GK_STEADY_SESSION, NULL};
    gk_args(a, more);
    double t0 = ck_now_ms();
    int m1 = gk_start_member(&w, "m1", a);
    gk_wait_count(&w, m1, 'D', 10, 20000);
    usleep(1500000);
    int m2 = gk_start_member(&w, "m2", a);
    int m3 = gk_start_member(&w, "m3", a);
    gk_wait_settled(&w, 1u << m1 | 1u << m2 | 1u << m3, 60000, 0);
    double three_at = ck_now_ms();
    usleep(2500000);
    gk_stop_member(&w, m2);
    gk_wait_settled(&w, 1u << m1 | 1u << m3, 60000, 0);
    double two_at = ck_now_ms();
    gk_wait_committed(&w, end, 90000);
    double done_at = ck_now_ms();
    gk_stop_all(&w);

    evs_t es = gk_read_logs(&w);
    check_t c = gk_check_processing(&w, &es, end);
    int64_t total = 0;
    for (int p = 0; p < 12; p++)
        total += end[0][p];
    size_t by[3] = {0};
    for (size_t i = 0; i < es.n; i++)
        if (es.v[i].type == 'S')
            by[es.v[i].m]++;
    fprintf(stderr,
            "1->3->2: %lld records, %zu batches (m1 %zu, m2 %zu, m3 %zu); 3 members settled at "
            "%.1f s, 2 at %.1f s, all committed at %.1f s; %zu duplicates, %zu overlaps; m1 "
            "joined %d generations\n",
            (long long)total, c.batches, by[0], by[1], by[2], (three_at - t0) / 1e3,
            (two_at - t0) / 1e3, (done_at - t0) / 1e3, c.dups, c.overlaps,
            gk_count_type(&es, m1, 'J'));
    cr_assert_eq(c.missing, 0, "%zu records never processed, first: %s", c.missing,
                 c.first_missing);
    cr_assert_eq(c.overlaps, 0, "%zu overlaps, first: %s", c.overlaps, c.first_overlap);
    cr_assert_eq(c.dups, 0, "%zu records processed twice without a crash", c.dups);
    cr_assert(by[0] && by[1] && by[2], "a member processed nothing");
    cr_assert_geq(gk_count_type(&es, m1, 'J'), 3, "m1 joined %d generations",
                  gk_count_type(&es, m1, 'J'));
    for (int m = 0; m < 3; m++) {
        const ev_t *j = gk_last_of(&es, m, 'J');
        cr_assert_not_null(j);
        cr_assert_str_eq(j->proto, "range", "the group chose %s", j->proto);
        char warn[2048];
        cr_assert_eq(gk_count_type(&es, m, 'L'), 0, "member %s lost partitions; warnings:\n%s",
                     w.m[m].name, gk_warnings(&w, warn, sizeof warn));
    }
    /* Kafka's own tool: the group's committed offsets are the ends. */
    int64_t cgc[12];
    cr_assert_eq(ck_cgc_describe(gk_bs(), w.group, w.topics[0], 12, cgc), 12);
    for (int p = 0; p < 12; p++)
        cr_assert_eq(cgc[p], end[0][p], "ConsumerGroupCommand: partition %d at %lld of %lld", p,
                     (long long)cgc[p], (long long)end[0][p]);
    free(es.v);
    gk_cleanup(&w);
}

/* ==== static membership
 * ============================================================================== */

Test(group, a_static_member_that_comes_back_gets_its_partitions_without_a_rebalance,
     .timeout = 120) {
    enum { PARTS = 12 };
    world_t w;
    gk_world_init(&w, "static");
    gk_add_topic(&w, "gstatic", PARTS);
    int64_t end[MAXT][MAXP] = {{0}};
    gk_produce_to(&w, 0, 50, end, "s1");
    const char *a1[16], *a2[16];
    const char *const more1[] = {"group.instance.id=i1", GK_STEADY_SESSION, NULL};
    const char *const more2[] = {"group.instance.id=i2", GK_STEADY_SESSION, NULL};
    gk_args(a1, more1);
    gk_args(a2, more2);
    int m1 = gk_start_member(&w, "m1", a1);
    gk_wait_count(&w, m1, 'A', 1, 20000);
    int m2 = gk_start_member(&w, "m2", a2);
    gk_wait_settled(&w, 1u << m1 | 1u << m2, 60000, 1000);
    evs_t es = gk_read_logs(&w);
    const ev_t *j1 = gk_last_of(&es, m1, 'J'), *j2 = gk_last_of(&es, m2, 'J');
    cr_assert(j1 && j2);
    cr_assert_eq(j1->gen, j2->gen);
    /* The follower goes and comes back (a static leader that rejoins makes JoinGroup < v9
     * trigger a rebalance, KIP-814; kfk speaks JoinGroup v7). */
    int follower = j1->leader ? m2 : m1, leader = j1->leader ? m1 : m2;
    cr_assert(j1->leader != j2->leader, "one leader expected");
    int gen = j1->gen;
    uint64_t before[MAXT], leader_before[MAXT];
    gk_owned(&es, follower, before);
    gk_owned(&es, leader, leader_before);
    int leader_events = gk_count_type(&es, leader, 'J') + gk_count_type(&es, leader, 'A') +
                        gk_count_type(&es, leader, 'R') + gk_count_type(&es, leader, 'L');
    free(es.v);
    double t_stop = ck_now_ms();
    gk_stop_member(&w, follower);
    usleep(1000000);
    int assigned_before = 0;
    es = gk_read_logs(&w);
    assigned_before = gk_count_type(&es, follower, 'A');
    free(es.v);
    gk_start_member(&w, w.m[follower].name, follower == m1 ? a1 : a2);
    gk_wait_count(&w, follower, 'A', assigned_before + 1, 20000);
    double back = ck_now_ms() - t_stop;
    gk_produce_to(&w, 0, 50, end, "s2");
    gk_wait_committed(&w, end, 60000);
    gk_stop_all(&w);

    es = gk_read_logs(&w);
    uint64_t after[MAXT], leader_after[MAXT];
    gk_owned(&es, follower, after);
    gk_owned(&es, leader, leader_after);
    const ev_t *jf = gk_last_of(&es, follower, 'J');
    int leader_events_after = gk_count_type(&es, leader, 'J') + gk_count_type(&es, leader, 'A') +
                              gk_count_type(&es, leader, 'R') + gk_count_type(&es, leader, 'L');
    check_t c = gk_check_processing(&w, &es, end);
    char sb[256], sa[256];
    gk_own_str(&w, before, sb, sizeof sb);
    gk_own_str(&w, after, sa, sizeof sa);
    fprintf(stderr,
            "static membership: %s (%s) closed and came back in %.1f s with %s, generation %d -> "
            "%d; the leader saw %d new group events\n",
            w.m[follower].name, sb, back / 1e3, sa, gen, jf ? jf->gen : -1,
            leader_events_after - leader_events);
    cr_assert_eq(after[0], before[0], "the static member came back with other partitions");
    cr_assert_not_null(jf);
    cr_assert_eq(jf->gen, gen, "a new generation: the group rebalanced");
    cr_assert_eq(leader_events_after, leader_events,
                 "the other member saw a rebalance (join, assign, revoke or lose)");
    cr_assert_eq(leader_after[0], leader_before[0]);
    cr_assert_eq(c.missing, 0, "%zu records never processed, first: %s", c.missing,
                 c.first_missing);
    cr_assert_eq(c.dups, 0, "%zu duplicates", c.dups);
    free(es.v);
    gk_cleanup(&w);
}

/* ==== the assignors
 * ================================================================================= */

static void assignor_case(const char *strategy, const uint64_t want[3][MAXT]) {
    world_t w;
    gk_world_init(&w, strategy);
    /* Topic names sort as their indexes: "...-asga-..." < "...-asgb-...". */
    gk_add_topic(&w, "asga", 12);
    gk_add_topic(&w, "asgb", 5);
    char strat[64];
    snprintf(strat, sizeof strat, "partition.assignment.strategy=%s", strategy);
    const char *a[16];
    const char *const more[] = {strat, GK_STEADY_SESSION, NULL};
    gk_args(a, more);
    int m[3];
    for (int i = 0; i < 3; i++) {
        char name[8];
        snprintf(name, sizeof name, "m%d", i + 1);
        m[i] = gk_start_member(&w, name, a);
    }
    gk_wait_settled(&w, 7, 60000, 1000);
    evs_t es = gk_read_logs(&w); /* before the members leave (which moves partitions again) */
    gk_stop_all(&w);
    for (int i = 0; i < 3; i++) {
        uint64_t own[MAXT];
        gk_owned(&es, m[i], own);
        const ev_t *j = gk_last_of(&es, m[i], 'J');
        cr_assert_not_null(j);
        cr_assert_str_eq(j->proto, strategy);
        char got[256], exp[256];
        gk_own_str(&w, own, got, sizeof got);
        gk_own_str(&w, want[i], exp, sizeof exp);
        fprintf(stderr, "%s: m%d owns %s\n", strategy, i + 1, got);
        cr_assert(own[0] == want[i][0] && own[1] == want[i][1], "%s: m%d owns %s, want %s",
                  strategy, i + 1, got, exp);
    }
    free(es.v);
    gk_cleanup(&w);
}

Test(group, range_gives_each_member_a_contiguous_block_per_topic, .timeout = 120) {
    /* Members sort m1 < m2 < m3 (member ids start with client.id). a: 12 / 3; b: 5 = 2 + 2 + 1. */
    const uint64_t want[3][MAXT] = {{0x00f, 0x03}, {0x0f0, 0x0c}, {0xf00, 0x10}};
    assignor_case("range", want);
}

Test(group, roundrobin_deals_every_partition_in_turn, .timeout = 120) {
    /* a0..a11, b0..b4 dealt to m1, m2, m3 in turn. */
    const uint64_t want[3][MAXT] = {{0x249, 0x09}, {0x492, 0x12}, {0x924, 0x04}};
    assignor_case("roundrobin", want);
}

Test(group, cooperative_sticky_revokes_only_the_partitions_that_move, .timeout = 120) {
    enum { PARTS = 12 };
    world_t w;
    gk_world_init(&w, "coop");
    gk_add_topic(&w, "gcoop", PARTS);
    int64_t end[MAXT][MAXP] = {{0}};
    gk_produce_to(&w, 0, 200, end, "c");
    const char *a[16];
    const char *const more[] = {"partition.assignment.strategy=cooperative-sticky",
                                "max.poll.records=10", "hold.ms=50", GK_STEADY_SESSION, NULL};
    gk_args(a, more);
    int m1 = gk_start_member(&w, "m1", a);
    int m2 = gk_start_member(&w, "m2", a);
    gk_wait_settled(&w, 1u << m1 | 1u << m2, 60000, 1000);
    evs_t es = gk_read_logs(&w);
    uint64_t own1[MAXT], own2[MAXT];
    gk_owned(&es, m1, own1);
    gk_owned(&es, m2, own2);
    size_t ev_before = es.n;
    double t_join = ck_now_ms();
    free(es.v);
    int m3 = gk_start_member(&w, "m3", a);
    gk_wait_settled(&w, 1u << m1 | 1u << m2 | 1u << m3, 60000, 1000);
    gk_wait_committed(&w, end, 60000);
    es = gk_read_logs(&w); /* before the members leave (which moves partitions again) */
    gk_stop_all(&w);
    evs_t es_all = gk_read_logs(&w);

    uint64_t fin1[MAXT], fin2[MAXT], fin3[MAXT];
    gk_owned(&es, m1, fin1);
    gk_owned(&es, m2, fin2);
    gk_owned(&es, m3, fin3);
    /* What m1 and m2 revoked after m3 came: exactly what m3 got from each. */
    uint64_t rev1 = 0, rev2 = 0;
    int lost = 0;
    for (size_t i = 0; i < es.n; i++) {
        const ev_t *e = &es.v[i];
        if (e->t < t_join || e->type == 'C')
            continue;
        lost += e->type == 'L';
        for (int k = 0; k < e->ntp && e->type == 'R'; k++) {
            if (e->m == m1)
                rev1 |= 1ull << e->tp[k].part;
            if (e->m == m2)
                rev2 |= 1ull << e->tp[k].part;
        }
    }
    check_t c = gk_check_processing(&w, &es_all, end);
    free(es_all.v);
    char s1[128], s2[128], s3[128], sr1[128], sr2[128];
    gk_own_str(&w, fin1, s1, sizeof s1);
    gk_own_str(&w, fin2, s2, sizeof s2);
    gk_own_str(&w, fin3, s3, sizeof s3);
    gk_own_str(&w, (uint64_t[MAXT]){rev1, 0}, sr1, sizeof sr1);
    gk_own_str(&w, (uint64_t[MAXT]){rev2, 0}, sr2, sizeof sr2);
    fprintf(stderr,
            "cooperative-sticky: after m3 joined m1 owns %s (revoked %s), m2 %s (revoked %s), m3 "
            "%s; %zu events before; %zu duplicates, %zu overlaps\n",
            s1, sr1, s2, sr2, s3, ev_before, c.dups, c.overlaps);
    cr_assert_eq(lost, 0, "partitions lost in a cooperative rebalance");
    cr_assert_eq(gk_popcount64(fin1[0]), 4);
    cr_assert_eq(gk_popcount64(fin2[0]), 4);
    cr_assert_eq(gk_popcount64(fin3[0]), 4);
    cr_assert_eq(fin1[0] & ~own1[0], 0, "m1 got partitions it did not have (sticky)");
    cr_assert_eq(fin2[0] & ~own2[0], 0, "m2 got partitions it did not have (sticky)");
    cr_assert_eq(rev1, own1[0] & ~fin1[0], "m1 revoked %s, but moved only %#llx", sr1,
                 (unsigned long long)(own1[0] & ~fin1[0]));
    cr_assert_eq(rev2, own2[0] & ~fin2[0], "m2 revoked %s, but moved only %#llx", sr2,
                 (unsigned long long)(own2[0] & ~fin2[0]));
    cr_assert_eq(fin3[0], rev1 | rev2);
    cr_assert_eq(c.missing, 0, "%zu records never processed, first: %s", c.missing,
                 c.first_missing);
    cr_assert_eq(c.overlaps, 0, "%zu overlaps, first: %s", c.overlaps, c.first_overlap);
    cr_assert_eq(c.dups, 0, "%zu duplicates", c.dups);
    free(es.v);
    gk_cleanup(&w);
}
