/*
 * test_assignor.c: the group leader's partition assignors (src/client/group/assignor.c) on given
 * members and topics, without a broker: range, roundrobin and cooperative-sticky, each checked
 * against the exact assignment Java's assignor of the same name gives, plus member ordering
 * (static members by group.instance.id), unknown strategies and every allocation failure.
 */
#include <stdio.h>
#include <string.h>

#include <criterion/criterion.h>

#include "client/group/assignor.h"
#include "protocol/mem.h"

#define MAX_MEMBERS 4

/* A member's assignment as "topic-partition" items joined by ',' (in the assignor's order). */
static const char *assigned_text(const kfk__assign_member_t *m, char *buf, size_t size) {
    size_t off = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < m->nassigned && off < size; i++)
        off += (size_t)snprintf(buf + off, size - off, "%s%s-%d", i ? "," : "",
                                m->assigned[i].topic, (int)m->assigned[i].partition);
    return buf;
}

static void free_assigned(kfk__assign_member_t *members, size_t n) {
    for (size_t i = 0; i < n; i++) {
        kfk__free(members[i].assigned);
        members[i].assigned = NULL;
        members[i].nassigned = 0;
    }
}

/* Runs @p strategy and checks each member's assignment against want[i] (NULL-terminated). */
static void expect_assignment(const char *strategy, kfk__assign_member_t *members, size_t n,
                              const kfk__assign_topic_t *topics, size_t nt,
                              const char *const *want) {
    kfk_err_t err = kfk__assign(strategy, members, n, topics, nt);
    cr_assert_eq(err, KFK_ERR_NONE, "%s: %s", strategy, kfk_err_name(err));
    for (size_t i = 0; i < n; i++) {
        char got[512];
        assigned_text(&members[i], got, sizeof got);
        cr_expect_str_eq(got, want[i], "%s: member %s got {%s}, want {%s}", strategy,
                         members[i].member_id, got, want[i]);
    }
    free_assigned(members, n);
}

static const char *topic_t[] = {"t"};
static const char *topics_ab[] = {"a", "b"};
static const char *topic_a[] = {"a"};
static const char *topic_b[] = {"b"};

/* ---- range ---------------------------------------------------------------------------------- */

Test(assignor, range_gives_the_first_member_the_extra_partition_of_five_over_two) {
    kfk__assign_member_t m[] = {{"m1", NULL, topic_t, 1, NULL, 0, NULL, 0},
                                {"m2", NULL, topic_t, 1, NULL, 0, NULL, 0}};
    kfk__assign_topic_t t[] = {{"t", 5}};
    const char *want[] = {"t-0,t-1,t-2", "t-3,t-4"};
    expect_assignment("range", m, 2, t, 1, want);
}

Test(assignor, range_orders_dynamic_members_by_member_id_not_by_arrival) {
    kfk__assign_member_t m[] = {{"m2", NULL, topic_t, 1, NULL, 0, NULL, 0},
                                {"m1", NULL, topic_t, 1, NULL, 0, NULL, 0}};
    kfk__assign_topic_t t[] = {{"t", 5}};
    const char *want[] = {"t-3,t-4", "t-0,t-1,t-2"};
    expect_assignment("range", m, 2, t, 1, want);
}

Test(assignor, range_orders_static_members_by_group_instance_id) {
    kfk__assign_member_t m[] = {{"m1", "z", topic_t, 1, NULL, 0, NULL, 0},
                                {"m2", "y", topic_t, 1, NULL, 0, NULL, 0}};
    kfk__assign_topic_t t[] = {{"t", 3}};
    const char *want[] = {"t-2", "t-0,t-1"};
    expect_assignment("range", m, 2, t, 1, want);
}

Test(assignor, range_falls_back_to_member_ids_when_one_member_is_dynamic) {
    kfk__assign_member_t m[] = {{"m1", "z", topic_t, 1, NULL, 0, NULL, 0},
                                {"m2", NULL, topic_t, 1, NULL, 0, NULL, 0}};
    kfk__assign_topic_t t[] = {{"t", 3}};
    const char *want[] = {"t-0,t-1", "t-2"};
    expect_assignment("range", m, 2, t, 1, want);
}

Test(assignor, range_splits_each_topic_on_its_own_so_the_first_member_gets_both_extras) {
    kfk__assign_member_t m[] = {{"m1", NULL, topics_ab, 2, NULL, 0, NULL, 0},
                                {"m2", NULL, topics_ab, 2, NULL, 0, NULL, 0},
                                {"m3", NULL, topics_ab, 2, NULL, 0, NULL, 0}};
    kfk__assign_topic_t t[] = {{"a", 4}, {"b", 4}};
    const char *want[] = {"a-0,a-1,b-0,b-1", "a-2,b-2", "a-3,b-3"};
    expect_assignment("range", m, 3, t, 2, want);
}

Test(assignor, range_splits_a_topic_only_among_its_subscribers) {
    kfk__assign_member_t m[] = {{"m1", NULL, topic_a, 1, NULL, 0, NULL, 0},
                                {"m2", NULL, topics_ab, 2, NULL, 0, NULL, 0}};
    kfk__assign_topic_t t[] = {{"a", 2}, {"b", 3}, {"unsubscribed", 4}};
    const char *want[] = {"a-0", "a-1,b-0,b-1,b-2"};
    expect_assignment("range", m, 2, t, 3, want);
}

Test(assignor, range_leaves_members_beyond_the_partition_count_empty) {
    kfk__assign_member_t m[] = {{"m1", NULL, topic_t, 1, NULL, 0, NULL, 0},
                                {"m2", NULL, topic_t, 1, NULL, 0, NULL, 0},
                                {"m3", NULL, topic_t, 1, NULL, 0, NULL, 0}};
    kfk__assign_topic_t t[] = {{"t", 2}};
    const char *want[] = {"t-0", "t-1", ""};
    expect_assignment("range", m, 3, t, 1, want);
}

/* ---- roundrobin ----------------------------------------------------------------------------- */

Test(assignor, roundrobin_deals_partitions_sorted_by_topic_then_partition) {
    kfk__assign_member_t m[] = {{"m1", NULL, topics_ab, 2, NULL, 0, NULL, 0},
                                {"m2", NULL, topics_ab, 2, NULL, 0, NULL, 0}};
    kfk__assign_topic_t t[] = {{"b", 2}, {"a", 3}};
    const char *want[] = {"a-0,a-2,b-1", "a-1,b-0"};
    expect_assignment("roundrobin", m, 2, t, 2, want);
}

Test(assignor, roundrobin_skips_members_not_subscribed_to_the_topic) {
    kfk__assign_member_t m[] = {{"m1", NULL, topic_a, 1, NULL, 0, NULL, 0},
                                {"m2", NULL, topics_ab, 2, NULL, 0, NULL, 0},
                                {"m3", NULL, topic_b, 1, NULL, 0, NULL, 0}};
    kfk__assign_topic_t t[] = {{"a", 2}, {"b", 3}};
    /* a-0 m1, a-1 m2, b-0 m3, b-1 (m1 skipped) m2, b-2 m3: Java's circular iterator. */
    const char *want[] = {"a-0", "a-1,b-1", "b-0,b-2"};
    expect_assignment("roundrobin", m, 3, t, 2, want);
}

Test(assignor, roundrobin_orders_members_by_member_id) {
    kfk__assign_member_t m[] = {{"m2", NULL, topic_t, 1, NULL, 0, NULL, 0},
                                {"m1", NULL, topic_t, 1, NULL, 0, NULL, 0}};
    kfk__assign_topic_t t[] = {{"t", 3}};
    const char *want[] = {"t-1", "t-0,t-2"};
    expect_assignment("roundrobin", m, 2, t, 1, want);
}

/* ---- cooperative-sticky ---------------------------------------------------------------------- */

Test(assignor, sticky_spreads_a_fresh_group_evenly_in_member_order) {
    kfk__assign_member_t m[] = {{"m1", NULL, topic_t, 1, NULL, 0, NULL, 0},
                                {"m2", NULL, topic_t, 1, NULL, 0, NULL, 0}};
    kfk__assign_topic_t t[] = {{"t", 4}};
    const char *want[] = {"t-0,t-2", "t-1,t-3"};
    expect_assignment("cooperative-sticky", m, 2, t, 1, want);
}

Test(assignor, sticky_keeps_what_each_member_owned_when_balanced) {
    kfk_topic_partition_t own1[] = {{"t", 3, -1}, {"t", 0, -1}};
    kfk_topic_partition_t own2[] = {{"t", 1, -1}, {"t", 2, -1}};
    kfk__assign_member_t m[] = {{"m1", NULL, topic_t, 1, own1, 2, NULL, 0},
                                {"m2", NULL, topic_t, 1, own2, 2, NULL, 0}};
    kfk__assign_topic_t t[] = {{"t", 4}};
    const char *want[] = {"t-0,t-3", "t-1,t-2"};
    expect_assignment("cooperative-sticky", m, 2, t, 1, want);
}

Test(assignor, sticky_withholds_a_moved_partition_until_its_owner_revoked_it) {
    kfk_topic_partition_t own1[] = {{"t", 0, -1}, {"t", 1, -1}, {"t", 2, -1}};
    kfk_topic_partition_t own2[] = {{"t", 3, -1}};
    kfk__assign_member_t m[] = {{"m1", NULL, topic_t, 1, own1, 3, NULL, 0},
                                {"m2", NULL, topic_t, 1, own2, 1, NULL, 0}};
    kfk__assign_topic_t t[] = {{"t", 4}};
    /* t-2 moves from m1 to m2: this round m1 drops it and m2 does not get it yet. */
    const char *want[] = {"t-0,t-1", "t-3"};
    expect_assignment("cooperative-sticky", m, 2, t, 1, want);
}

Test(assignor, sticky_gives_the_revoked_partition_in_the_follow_up_round) {
    kfk_topic_partition_t own1[] = {{"t", 0, -1}, {"t", 1, -1}};
    kfk_topic_partition_t own2[] = {{"t", 3, -1}};
    kfk__assign_member_t m[] = {{"m1", NULL, topic_t, 1, own1, 2, NULL, 0},
                                {"m2", NULL, topic_t, 1, own2, 1, NULL, 0}};
    kfk__assign_topic_t t[] = {{"t", 4}};
    const char *want[] = {"t-0,t-1", "t-2,t-3"};
    expect_assignment("cooperative-sticky", m, 2, t, 1, want);
}

Test(assignor, sticky_takes_partitions_from_the_old_member_for_a_new_one_over_two_rounds) {
    kfk_topic_partition_t own1[] = {{"t", 0, -1}, {"t", 1, -1}, {"t", 2, -1}, {"t", 3, -1}};
    kfk__assign_member_t m[] = {{"m1", NULL, topic_t, 1, own1, 4, NULL, 0},
                                {"m2", NULL, topic_t, 1, NULL, 0, NULL, 0}};
    kfk__assign_topic_t t[] = {{"t", 4}};
    const char *first[] = {"t-0,t-1", ""};
    expect_assignment("cooperative-sticky", m, 2, t, 1, first);
    m[0].nowned = 2; /* m1 revoked t-2 and t-3 */
    const char *second[] = {"t-0,t-1", "t-2,t-3"};
    expect_assignment("cooperative-sticky", m, 2, t, 1, second);
}

Test(assignor, sticky_drops_owned_partitions_that_no_longer_exist) {
    kfk_topic_partition_t own1[] = {{"t", 0, -1}, {"t", 7, -1}};
    kfk__assign_member_t m[] = {{"m1", NULL, topic_t, 1, own1, 2, NULL, 0},
                                {"m2", NULL, topic_t, 1, NULL, 0, NULL, 0}};
    kfk__assign_topic_t t[] = {{"t", 2}};
    const char *want[] = {"t-0", "t-1"};
    expect_assignment("cooperative-sticky", m, 2, t, 1, want);
}

Test(assignor, sticky_lets_the_first_member_in_order_win_a_partition_claimed_twice) {
    kfk_topic_partition_t own[] = {{"t", 0, -1}};
    kfk__assign_member_t m[] = {{"m2", NULL, topic_t, 1, own, 1, NULL, 0},
                                {"m1", NULL, topic_t, 1, own, 1, NULL, 0}};
    kfk__assign_topic_t t[] = {{"t", 2}};
    const char *want[] = {"t-1", "t-0"};
    expect_assignment("cooperative-sticky", m, 2, t, 1, want);
}

Test(assignor, sticky_never_gives_a_member_a_topic_it_did_not_subscribe_to) {
    kfk__assign_member_t m[] = {{"m1", NULL, topic_a, 1, NULL, 0, NULL, 0},
                                {"m2", NULL, topics_ab, 2, NULL, 0, NULL, 0}};
    kfk__assign_topic_t t[] = {{"a", 1}, {"b", 4}};
    /* m2 holds 4 to m1's 1, but m1 cannot take any of b. */
    const char *want[] = {"a-0", "b-0,b-1,b-2,b-3"};
    expect_assignment("cooperative-sticky", m, 2, t, 2, want);
}

/* ---- all strategies ------------------------------------------------------------------------- */

static const char *const strategies[] = {"range", "roundrobin", "cooperative-sticky"};

Test(assignor, every_strategy_assigns_nothing_to_an_empty_group) {
    kfk__assign_topic_t t[] = {{"t", 3}};
    for (size_t s = 0; s < 3; s++)
        cr_expect_eq(kfk__assign(strategies[s], NULL, 0, t, 1), KFK_ERR_NONE, "%s", strategies[s]);
}

Test(assignor, every_strategy_assigns_each_partition_exactly_once) {
    kfk__assign_member_t m[] = {{"m1", NULL, topics_ab, 2, NULL, 0, NULL, 0},
                                {"m2", NULL, topic_a, 1, NULL, 0, NULL, 0},
                                {"m3", NULL, topic_b, 1, NULL, 0, NULL, 0}};
    kfk__assign_topic_t t[] = {{"a", 7}, {"b", 5}};
    for (size_t s = 0; s < 3; s++) {
        int seen[2][7] = {{0}};
        cr_assert_eq(kfk__assign(strategies[s], m, 3, t, 2), KFK_ERR_NONE);
        for (size_t i = 0; i < 3; i++)
            for (size_t k = 0; k < m[i].nassigned; k++) {
                const kfk_topic_partition_t *tp = &m[i].assigned[k];
                int ti = !strcmp(tp->topic, "b");
                cr_assert(tp->partition >= 0 && tp->partition < t[ti].partitions);
                cr_expect_eq(tp->offset, -1);
                seen[ti][tp->partition]++;
            }
        for (int ti = 0; ti < 2; ti++)
            for (int32_t p = 0; p < t[ti].partitions; p++)
                cr_expect_eq(seen[ti][p], 1, "%s: %s-%d assigned %d times", strategies[s],
                             t[ti].topic, (int)p, seen[ti][p]);
        free_assigned(m, 3);
    }
}

Test(assignor, rejects_an_unknown_strategy_with_no_assignment_left) {
    kfk__assign_member_t m[] = {{"m1", NULL, topic_t, 1, NULL, 0, NULL, 0}};
    kfk__assign_topic_t t[] = {{"t", 2}};
    m[0].assigned = (kfk_topic_partition_t *)1; /* overwritten, not freed */
    m[0].nassigned = 9;
    cr_assert_eq(kfk__assign("sticky", m, 1, t, 1), KFK_ERR__INVALID_ARG);
    cr_expect_null(m[0].assigned);
    cr_expect_eq(m[0].nassigned, 0);
}

Test(assignor, fails_cleanly_at_every_allocation_failure) {
    kfk_topic_partition_t own[] = {{"a", 1, -1}};
    kfk__assign_member_t m[] = {{"m1", NULL, topics_ab, 2, own, 1, NULL, 0},
                                {"m2", NULL, topics_ab, 2, NULL, 0, NULL, 0}};
    kfk__assign_topic_t t[] = {{"a", 3}, {"b", 2}};
    for (size_t s = 0; s < 3; s++) {
        for (long n = 0;; n++) {
            kfk__mem_fail_after(n);
            kfk_err_t err = kfk__assign(strategies[s], m, 2, t, 2);
            kfk__mem_fail_after(-1);
            if (err == KFK_ERR_NONE) {
                cr_expect_gt(n, 0, "%s allocates", strategies[s]);
                free_assigned(m, 2);
                break;
            }
            cr_assert_eq(err, KFK_ERR__NOMEM, "%s, failing after %ld: %s", strategies[s], n,
                         kfk_err_name(err));
            for (size_t i = 0; i < 2; i++) {
                cr_assert_null(m[i].assigned, "%s after %ld: member %zu", strategies[s], n, i);
                cr_assert_eq(m[i].nassigned, 0);
            }
            cr_assert_lt(n, 100, "%s never succeeds", strategies[s]);
        }
    }
}
