/*
 * test_leader.c: the group leader's decoding of members' subscriptions and encoding of their
 * assignments (src/client/group/leader.c) around the range assignor, without a broker: every
 * partition of a large topic reaches a member (no fixed bound drops any), topics and partitions
 * keep the assignor's order, and a member whose subscription does not decode keeps its id and
 * gets an empty assignment.
 */
#include <string.h>

#include <criterion/criterion.h>

#include "client/group/leader.h"
#include "protocol/mem.h"

/* A consumer protocol subscription (v1) to @p topics, as a member sends it in JoinGroup. */
static void subscription(kfk_wbuf_t *w, const char *const *topics, int32_t n) {
    kfk_str_t ts[4];
    for (int32_t i = 0; i < n; i++)
        ts[i] = kfk_str_c(topics[i]);
    kfk_consumer_protocol_subscription_t s;
    memset(&s, 0, sizeof s);
    s.topics = (kfk_array_t){ts, n};
    s.user_data = (kfk_bytes_t){NULL, -1};
    s.owned_partitions = (kfk_array_t){NULL, 0};
    kfk_wbuf_init(w);
    cr_assert_eq(kfk_consumer_subscription_encode(&s, 1, w), KFK_ERR_NONE);
}

/* The partitions of @p topic in member @p i's encoded assignment, in order, into @p out. */
static size_t assigned(const kfk_sync_group_request_assignment_t *a, const char *topic,
                       int32_t *out, size_t cap) {
    kfk_arena_t arena;
    kfk_arena_init(&arena);
    kfk_consumer_protocol_assignment_t asg;
    int16_t v;
    cr_assert_eq(kfk_consumer_assignment_decode(a->assignment.ptr, (size_t)a->assignment.len,
                                                &arena, &asg, &v),
                 KFK_ERR_NONE);
    size_t n = 0;
    for (int32_t t = 0; t < asg.assigned_partitions.count; t++) {
        kfk_consumer_protocol_assignment_topic_partition_t *tp = &KFK_ARRAY_AT(
            asg.assigned_partitions, kfk_consumer_protocol_assignment_topic_partition_t, t);
        if (!kfk_str_eq(tp->topic, topic))
            continue;
        for (int32_t k = 0; k < tp->partitions.count && n < cap; k++)
            out[n++] = KFK_ARRAY_AT(tp->partitions, int32_t, k);
    }
    kfk_arena_free(&arena);
    return n;
}

Test(leader, every_partition_of_a_topic_of_ten_thousand_reaches_the_members) {
    static const char *const both[] = {"big", "small"};
    static const char *const big[] = {"big"};
    kfk_wbuf_t subs[3];
    subscription(&subs[0], both, 2);
    subscription(&subs[1], big, 1);
    kfk_wbuf_init(&subs[2]);
    kfk_wbuf_put_int16(&subs[2], 1);
    kfk_wbuf_put_int32(&subs[2], 1000000); /* a topic count past the end */
    kfk_join_group_response_member_t m[3];
    memset(m, 0, sizeof m);
    const char *ids[] = {"m-a", "m-b", "m-c"};
    for (int i = 0; i < 3; i++) {
        m[i].member_id = kfk_str_c(ids[i]);
        m[i].group_instance_id = (kfk_str_t){NULL, -1};
        m[i].metadata = (kfk_bytes_t){subs[i].data, (int32_t)subs[i].len};
    }
    kfk_join_group_response_t r;
    memset(&r, 0, sizeof r);
    r.members = (kfk_array_t){m, 3};
    kfk_arena_t arena;
    kfk_arena_init(&arena);
    kfk__leader_t l;
    cr_assert_eq(kfk__leader_read(&l, &r, &arena), KFK_ERR_NONE);
    cr_assert_eq(l.nm, 3);
    cr_assert_eq(l.nt, 2, "topics named once each: %zu", l.nt);
    cr_assert_str_eq(l.topics[0], "big");
    cr_assert_str_eq(l.topics[1], "small");
    cr_assert_str_eq(l.mem[2].member_id, "m-c", "an unreadable member keeps its id");
    cr_assert_eq(l.mem[2].ntopics, 0);
    kfk__assign_topic_t topics[] = {{"big", 10000}, {"small", 3}};
    cr_assert_eq(kfk__assign("range", l.mem, l.nm, topics, 2), KFK_ERR_NONE);
    kfk_sync_group_request_assignment_t *out = NULL;
    kfk_wbuf_t *blobs = NULL;
    cr_assert_eq(kfk__leader_encode(&l, &r, &out, &blobs), KFK_ERR_NONE);
    static int32_t got[10000];
    /* range: m-a gets big 0..4999 and all of small, m-b big 5000..9999, m-c nothing. */
    cr_assert_eq(assigned(&out[0], "big", got, 10000), 5000);
    for (int32_t i = 0; i < 5000; i++)
        cr_assert_eq(got[i], i, "m-a big[%d] = %d", i, got[i]);
    cr_assert_eq(assigned(&out[0], "small", got, 10000), 3);
    cr_assert_eq(assigned(&out[1], "big", got, 10000), 5000);
    for (int32_t i = 0; i < 5000; i++)
        cr_assert_eq(got[i], 5000 + i, "m-b big[%d] = %d", i, got[i]);
    cr_assert_eq(assigned(&out[2], "big", got, 10000), 0);
    for (int i = 0; i < 3; i++)
        cr_assert(kfk_str_eq(out[i].member_id, ids[i]));
    kfk__leader_free_assignments(out, blobs, l.nm);
    kfk__leader_free(&l);
    kfk_arena_free(&arena);
    for (int i = 0; i < 3; i++)
        kfk_wbuf_free(&subs[i]);
}
