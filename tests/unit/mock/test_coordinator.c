/*
 * test_coordinator.c: the mock cluster's group coordinator (src/mock/coordinator.c and
 * coord_offsets.c) driven through its handlers with crafted request structs on a one-broker
 * mock from kfk_mock_new: answers come back through the request's reply_hook (mock_int.h), held
 * requests answer later from the loop. Covers KIP-394's MEMBER_ID_REQUIRED (and joins before
 * v4 without it), a two-member rebalance with the leader's assignments reaching the follower,
 * the rebalance timeout removing a member that did not rejoin, a leader that never syncs, a
 * session timeout expelling a silent member, LeaveGroup, static membership (rejoin, restart,
 * fencing), the initial rebalance delay, refused joins, offsets round trips and the commit
 * checks, injected errors, and a close with a JoinGroup or SyncGroup held. Timeouts are
 * 150-300 ms; states are waited for with deadlines and every test ends with
 * uv_loop_close(loop) == 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <uv.h>

#include "mock/mock_int.h"
#include "protocol/mem.h"

#define DEADLINE_MS 5000

/* ---- the fixture: a loop and a one-broker mock ----------------------------------------------- */

static uv_loop_t loop;
static int16_t join_version = 5; /* of the JoinGroups join() sends */
static kfk_mock_t *m;
static int mock_closed;

static void start_with(int64_t rebalance_delay_ms) {
    char err[256];
    cr_assert_eq(uv_loop_init(&loop), 0);
    kfk_mock_opts_t o = KFK_MOCK_OPTS_INIT;
    o.group_rebalance_delay_ms = rebalance_delay_ms;
    mock_closed = 0;
    cr_assert_eq(kfk_mock_new(&loop, &o, &m, err, sizeof err), KFK_ERR_NONE, "%s", err);
    cr_assert_eq(kfk_mock_topic_create(m, "t", 2, 1), KFK_ERR_NONE);
}

static void start(void) {
    start_with(0);
    join_version = 5;
}

static int timed_out;

static void on_deadline(uv_timer_t *t) {
    (void)t;
    timed_out = 1;
}

static void on_deadline_closed(uv_handle_t *h) {
    *(int *)h->data = 1;
}

/* Runs the loop until *flag is non-zero or DEADLINE_MS passed; returns *flag. (Answers call
 * uv_stop so that a turn of the loop ends as soon as one came.) */
static int run_until(const int *flag) {
    uv_timer_t t;
    int closed = 0;
    timed_out = 0;
    uv_timer_init(&loop, &t);
    t.data = &closed;
    uv_timer_start(&t, on_deadline, DEADLINE_MS, 0);
    while (!*flag && !timed_out)
        uv_run(&loop, UV_RUN_ONCE);
    uv_close((uv_handle_t *)&t, on_deadline_closed);
    while (!closed)
        uv_run(&loop, UV_RUN_ONCE);
    return *flag;
}

static void on_mock_closed(kfk_mock_t *mm, void *opaque) {
    (void)mm;
    (void)opaque;
    mock_closed = 1;
    uv_stop(&loop);
}

static void stop(void) {
    kfk_mock_close(m, on_mock_closed, NULL);
    cr_assert(run_until(&mock_closed));
    cr_assert_eq(uv_run(&loop, UV_RUN_NOWAIT), 0);
    cr_assert_eq(uv_loop_close(&loop), 0);
}

/* ---- requests and what came back ------------------------------------------------------------- */

typedef struct reply {
    int done;
    int dropped; /* answered with NULL */
    int16_t error;
    int32_t generation;
    char member_id[160], leader[160], protocol[32], protocol_type[32];
    int nmembers;
    char members[4][160];
    char member_meta[4][32];
    char assignment[64];
    int nerrors; /* LeaveGroup members, OffsetCommit/OffsetFetch partitions in order */
    int16_t errors[8];
    int64_t offsets[8];
    char metadata[8][32];
} reply_t;

static void cpy(char *dst, size_t cap, const void *src, int32_t len) {
    size_t n = len > 0 ? (size_t)len : 0;
    if (n >= cap)
        n = cap - 1;
    if (n)
        memcpy(dst, src, n);
    dst[n] = '\0';
}

static void on_reply(kfk__mreq_t *req, const void *resp, void *opaque) {
    reply_t *r = opaque;
    r->done = 1;
    uv_stop(&loop); /* run_until looks at once, not after the next timer */
    if (!resp) {
        r->dropped = 1;
        return;
    }
    switch (req->hdr.api_key) {
    case KFK_API_JOIN_GROUP: {
        const kfk_join_group_response_t *rs = resp;
        r->error = rs->error_code;
        r->generation = rs->generation_id;
        cpy(r->member_id, sizeof r->member_id, rs->member_id.ptr, rs->member_id.len);
        cpy(r->leader, sizeof r->leader, rs->leader.ptr, rs->leader.len);
        cpy(r->protocol, sizeof r->protocol, rs->protocol_name.ptr, rs->protocol_name.len);
        cpy(r->protocol_type, sizeof r->protocol_type, rs->protocol_type.ptr,
            rs->protocol_type.len);
        r->nmembers = rs->members.count;
        for (int i = 0; i < rs->members.count && i < 4; i++) {
            const kfk_join_group_response_member_t *mb =
                &KFK_ARRAY_AT(rs->members, kfk_join_group_response_member_t, i);
            cpy(r->members[i], sizeof r->members[i], mb->member_id.ptr, mb->member_id.len);
            cpy(r->member_meta[i], sizeof r->member_meta[i], mb->metadata.ptr, mb->metadata.len);
        }
        break;
    }
    case KFK_API_SYNC_GROUP: {
        const kfk_sync_group_response_t *rs = resp;
        r->error = rs->error_code;
        cpy(r->assignment, sizeof r->assignment, rs->assignment.ptr, rs->assignment.len);
        break;
    }
    case KFK_API_HEARTBEAT:
        r->error = ((const kfk_heartbeat_response_t *)resp)->error_code;
        break;
    case KFK_API_LEAVE_GROUP: {
        const kfk_leave_group_response_t *rs = resp;
        r->error = rs->error_code;
        for (int i = 0; i < rs->members.count && i < 8; i++)
            r->errors[r->nerrors++] =
                KFK_ARRAY_AT(rs->members, kfk_leave_group_response_member_response_t, i).error_code;
        break;
    }
    case KFK_API_OFFSET_COMMIT: {
        const kfk_offset_commit_response_t *rs = resp;
        for (int i = 0; i < rs->topics.count; i++) {
            const kfk_offset_commit_response_topic_t *t =
                &KFK_ARRAY_AT(rs->topics, kfk_offset_commit_response_topic_t, i);
            for (int j = 0; j < t->partitions.count && r->nerrors < 8; j++)
                r->errors[r->nerrors++] =
                    KFK_ARRAY_AT(t->partitions, kfk_offset_commit_response_partition_t, j)
                        .error_code;
        }
        break;
    }
    case KFK_API_OFFSET_FETCH: {
        const kfk_offset_fetch_response_t *rs = resp;
        r->error = rs->error_code;
        for (int i = 0; i < rs->topics.count; i++) {
            const kfk_offset_fetch_response_topic_t *t =
                &KFK_ARRAY_AT(rs->topics, kfk_offset_fetch_response_topic_t, i);
            for (int j = 0; j < t->partitions.count && r->nerrors < 8; j++) {
                const kfk_offset_fetch_response_partition_t *p =
                    &KFK_ARRAY_AT(t->partitions, kfk_offset_fetch_response_partition_t, j);
                r->errors[r->nerrors] = p->error_code;
                r->offsets[r->nerrors] = p->committed_offset;
                cpy(r->metadata[r->nerrors], sizeof r->metadata[0], p->metadata.ptr,
                    p->metadata.len);
                r->nerrors++;
            }
        }
        break;
    }
    case KFK_API_DESCRIBE_GROUPS: { /* the first group: error, state, members */
        const kfk_describe_groups_response_t *rs = resp;
        cr_assert_eq(rs->groups.count, 1);
        const kfk_describe_groups_response_described_group_t *g = rs->groups.items;
        r->error = g->error_code;
        cpy(r->leader, sizeof r->leader, g->group_state.ptr, g->group_state.len);
        cpy(r->protocol, sizeof r->protocol, g->protocol_data.ptr, g->protocol_data.len);
        cpy(r->protocol_type, sizeof r->protocol_type, g->protocol_type.ptr, g->protocol_type.len);
        r->nmembers = g->members.count;
        for (int i = 0; i < g->members.count && i < 4; i++) {
            const kfk_describe_groups_response_described_group_member_t *mb =
                &KFK_ARRAY_AT(g->members, kfk_describe_groups_response_described_group_member_t, i);
            cpy(r->members[i], sizeof r->members[i], mb->member_id.ptr, mb->member_id.len);
            cpy(r->member_meta[i], sizeof r->member_meta[i], mb->client_id.ptr, mb->client_id.len);
            cpy(r->metadata[i], sizeof r->metadata[i], mb->member_assignment.ptr,
                mb->member_assignment.len);
        }
        break;
    }
    case KFK_API_LIST_GROUPS: { /* ids in members[], states in metadata[] */
        const kfk_list_groups_response_t *rs = resp;
        r->error = rs->error_code;
        r->nmembers = rs->groups.count;
        for (int i = 0; i < rs->groups.count && i < 4; i++) {
            const kfk_list_groups_response_listed_group_t *g =
                &KFK_ARRAY_AT(rs->groups, kfk_list_groups_response_listed_group_t, i);
            cpy(r->members[i], sizeof r->members[i], g->group_id.ptr, g->group_id.len);
            cpy(r->metadata[i], sizeof r->metadata[i], g->group_state.ptr, g->group_state.len);
        }
        break;
    }
    default:
        cr_assert_fail("an answer to API %d", req->hdr.api_key);
    }
}

/* A request of @p api at @p version from client "c1", its body zeroed in its arena. */
static kfk__mreq_t *mkreq(int16_t api, int16_t version, reply_t *out, size_t body_size) {
    kfk__mreq_t *req = kfk__calloc(1, sizeof *req);
    cr_assert_not_null(req);
    req->m = m;
    req->broker = kfk__mock_broker(m, 1);
    req->hdr.api_key = api;
    req->hdr.api_version = version;
    req->hdr.client_id = KFK_STR("c1");
    req->body = kfk_arena_alloc(&req->arena, body_size);
    cr_assert_not_null(req->body);
    memset(out, 0, sizeof *out);
    req->reply_hook = on_reply;
    req->reply_opaque = out;
    return req;
}

/* Runs @p h on @p req as server.c does: an answer now goes out at once. */
static int serve(kfk__mock_handler_t h, kfk__mreq_t *req) {
    void *resp = NULL;
    int r = h(req, &resp);
    if (r != KFK__MOCK_LATER)
        kfk__mock_reply(req, r == KFK__MOCK_REPLY ? resp : NULL);
    return r;
}

static kfk_str_t S(const char *s) {
    return s ? kfk_str_c(s) : (kfk_str_t){NULL, -1};
}

/* JoinGroup v5 to group "g" ("consumer", protocols "range" then "roundrobin", metadata @p meta). */
static int join(reply_t *out, const char *member, const char *instance, int32_t session_ms,
                int32_t rebalance_ms, const char *meta) {
    kfk__mreq_t *req =
        mkreq(KFK_API_JOIN_GROUP, join_version, out, sizeof(kfk_join_group_request_t));
    kfk_join_group_request_t *rq = req->body;
    kfk_join_group_request_protocol_t *p = kfk_arena_alloc(&req->arena, 2 * sizeof *p);
    p[0].name = KFK_STR("range");
    p[0].metadata = (kfk_bytes_t){(const uint8_t *)meta, (int32_t)strlen(meta)};
    p[1].name = KFK_STR("roundrobin");
    p[1].metadata = p[0].metadata;
    rq->group_id = KFK_STR("g");
    rq->session_timeout_ms = session_ms;
    rq->rebalance_timeout_ms = rebalance_ms;
    rq->member_id = S(member ? member : "");
    rq->group_instance_id = S(instance);
    rq->protocol_type = KFK_STR("consumer");
    rq->protocols = (kfk_array_t){p, 2};
    return serve(kfk__mock_join_group, req);
}

/* SyncGroup v3 to "g"; @p nassign pairs of (member id, assignment) from the leader. */
static int sync_group(reply_t *out, const char *member, const char *instance, int32_t gen,
                      int nassign, const char *const *assign) {
    kfk__mreq_t *req = mkreq(KFK_API_SYNC_GROUP, 3, out, sizeof(kfk_sync_group_request_t));
    kfk_sync_group_request_t *rq = req->body;
    rq->group_id = KFK_STR("g");
    rq->generation_id = gen;
    rq->member_id = S(member);
    rq->group_instance_id = S(instance);
    if (nassign) {
        kfk_sync_group_request_assignment_t *a =
            kfk_arena_alloc(&req->arena, (size_t)nassign * sizeof *a);
        for (int i = 0; i < nassign; i++) {
            a[i].member_id = S(assign[2 * i]);
            a[i].assignment = (kfk_bytes_t){(const uint8_t *)assign[2 * i + 1],
                                            (int32_t)strlen(assign[2 * i + 1])};
        }
        rq->assignments = (kfk_array_t){a, nassign};
    }
    return serve(kfk__mock_sync_group, req);
}

static int16_t heartbeat(const char *member, const char *instance, int32_t gen) {
    reply_t r;
    kfk__mreq_t *req = mkreq(KFK_API_HEARTBEAT, 3, &r, sizeof(kfk_heartbeat_request_t));
    kfk_heartbeat_request_t *rq = req->body;
    rq->group_id = KFK_STR("g");
    rq->generation_id = gen;
    rq->member_id = S(member);
    rq->group_instance_id = S(instance);
    cr_assert_eq(serve(kfk__mock_heartbeat, req), KFK__MOCK_REPLY);
    cr_assert(r.done);
    return r.error;
}

/* OffsetCommit v8 to "g" of topic @p topic, partitions 0 and 1 (offsets o0, o1; metadata of
 * partition 0 @p md, partition 1 null). */
static void commit(reply_t *out, const char *member, int32_t gen, const char *topic, int64_t o0,
                   int64_t o1, const char *md) {
    kfk__mreq_t *req = mkreq(KFK_API_OFFSET_COMMIT, 8, out, sizeof(kfk_offset_commit_request_t));
    kfk_offset_commit_request_t *rq = req->body;
    kfk_offset_commit_request_topic_t *t = kfk_arena_alloc(&req->arena, sizeof *t);
    kfk_offset_commit_request_partition_t *p = kfk_arena_alloc(&req->arena, 2 * sizeof *p);
    p[0] = (kfk_offset_commit_request_partition_t){.partition_index = 0,
                                                   .committed_offset = o0,
                                                   .committed_leader_epoch = 3,
                                                   .committed_metadata = S(md)};
    p[1] = (kfk_offset_commit_request_partition_t){.partition_index = 1,
                                                   .committed_offset = o1,
                                                   .committed_leader_epoch = -1,
                                                   .committed_metadata = S(NULL)};
    t->name = S(topic);
    t->partitions = (kfk_array_t){p, 2};
    rq->group_id = KFK_STR("g");
    rq->generation_id_or_member_epoch = gen;
    rq->member_id = S(member);
    rq->group_instance_id = S(NULL);
    rq->topics = (kfk_array_t){t, 1};
    cr_assert_eq(serve(kfk__mock_offset_commit, req), KFK__MOCK_REPLY);
    cr_assert(out->done);
}

/* OffsetFetch v7 of group @p group: topic "t" partitions 0, 1, 5, or every topic (@p all). */
static void fetch(reply_t *out, const char *group, int all) {
    kfk__mreq_t *req = mkreq(KFK_API_OFFSET_FETCH, 7, out, sizeof(kfk_offset_fetch_request_t));
    kfk_offset_fetch_request_t *rq = req->body;
    rq->group_id = S(group);
    if (all) {
        rq->topics = (kfk_array_t){NULL, -1};
    } else {
        kfk_offset_fetch_request_topic_t *t = kfk_arena_alloc(&req->arena, sizeof *t);
        int32_t *parts = kfk_arena_alloc(&req->arena, 3 * sizeof *parts);
        parts[0] = 0;
        parts[1] = 1;
        parts[2] = 5;
        t->name = KFK_STR("t");
        t->partition_indexes = (kfk_array_t){parts, 3};
        rq->topics = (kfk_array_t){t, 1};
    }
    cr_assert_eq(serve(kfk__mock_offset_fetch, req), KFK__MOCK_REPLY);
    cr_assert(out->done);
}

/* A dynamic member in: MEMBER_ID_REQUIRED, then the join with the id (held until it ends). */
static void join_new(reply_t *out, int32_t session_ms, int32_t rebalance_ms, const char *meta) {
    reply_t first;
    cr_assert_eq(join(&first, NULL, NULL, session_ms, rebalance_ms, meta), KFK__MOCK_REPLY);
    cr_assert(first.done);
    cr_assert_eq(first.error, KFK_ERR_MEMBER_ID_REQUIRED);
    cr_assert_eq(strncmp(first.member_id, "c1-", 3), 0, "member id %s", first.member_id);
    cr_assert_eq(strlen(first.member_id), 3 + 36, "member id %s", first.member_id);
    cr_assert_eq(join(out, first.member_id, NULL, session_ms, rebalance_ms, meta), KFK__MOCK_LATER);
}

/* Two members A (leader) and B in a Stable generation 2, each with its assignment. */
static void two_members(reply_t *a, reply_t *b, int32_t session_ms, int32_t rebalance_ms) {
    reply_t s;
    join_new(a, session_ms, rebalance_ms, "meta-A");
    cr_assert(run_until(&a->done));
    cr_assert_eq(a->error, 0);
    cr_assert_eq(a->generation, 1);
    const char *one[] = {a->member_id, "asg-A1"};
    cr_assert_eq(sync_group(&s, a->member_id, NULL, 1, 1, one), KFK__MOCK_REPLY);
    cr_assert_eq(s.error, 0, "sync: %d", s.error);

    join_new(b, session_ms, rebalance_ms, "meta-B");
    cr_assert_eq(heartbeat(a->member_id, NULL, 1), KFK_ERR_REBALANCE_IN_PROGRESS);
    char aid[160];
    strcpy(aid, a->member_id);
    cr_assert_eq(join(a, aid, NULL, session_ms, rebalance_ms, "meta-A"), KFK__MOCK_LATER);
    cr_assert(run_until(&a->done));
    cr_assert(run_until(&b->done));
    cr_assert_eq(a->error, 0);
    cr_assert_eq(b->error, 0);
    cr_assert_eq(a->generation, 2);
    cr_assert_eq(b->generation, 2);
    cr_assert_str_eq(a->leader, aid);
    cr_assert_str_eq(b->leader, aid);
    cr_assert_str_eq(a->protocol, "range");
    cr_assert_eq(a->nmembers, 2, "the leader gets every member");
    cr_assert_eq(b->nmembers, 0, "a follower gets no member list");
    int ia = strcmp(a->members[0], aid) == 0 ? 0 : 1;
    cr_assert_str_eq(a->members[ia], aid);
    cr_assert_str_eq(a->members[1 - ia], b->member_id);
    cr_assert_str_eq(a->member_meta[ia], "meta-A");
    cr_assert_str_eq(a->member_meta[1 - ia], "meta-B");

    reply_t sa, sb;
    cr_assert_eq(sync_group(&sb, b->member_id, NULL, 2, 0, NULL), KFK__MOCK_LATER);
    cr_assert_eq(sb.done, 0, "a follower's SyncGroup waits for the leader");
    const char *two[] = {aid, "asg-A", b->member_id, "asg-B"};
    cr_assert_eq(sync_group(&sa, aid, NULL, 2, 2, two), KFK__MOCK_REPLY);
    cr_assert_eq(sa.error, 0);
    cr_assert_str_eq(sa.assignment, "asg-A");
    cr_assert(run_until(&sb.done));
    cr_assert_eq(sb.error, 0);
    cr_assert_str_eq(sb.assignment, "asg-B");
    cr_assert_eq(heartbeat(aid, NULL, 2), 0);
    cr_assert_eq(heartbeat(b->member_id, NULL, 2), 0);
}

TestSuite(mock_coordinator, .timeout = 30);

/* ---- membership ------------------------------------------------------------------------------ */

Test(mock_coordinator, a_single_member_joins_after_member_id_required) {
    start();
    reply_t j, s;
    join_new(&j, 10000, 10000, "meta");
    cr_assert_eq(j.done, 0, "the join is answered from the loop");
    cr_assert(run_until(&j.done));
    cr_assert_eq(j.error, 0);
    cr_assert_eq(j.generation, 1);
    cr_assert_str_eq(j.leader, j.member_id);
    cr_assert_str_eq(j.protocol, "range");
    cr_assert_eq(j.nmembers, 1);
    cr_assert_str_eq(j.member_meta[0], "meta");
    cr_assert_eq(heartbeat(j.member_id, NULL, 1), 0, "CompletingRebalance takes heartbeats");
    const char *a[] = {j.member_id, "mine"};
    cr_assert_eq(sync_group(&s, j.member_id, NULL, 1, 1, a), KFK__MOCK_REPLY);
    cr_assert_eq(s.error, 0);
    cr_assert_str_eq(s.assignment, "mine");
    cr_assert_eq(heartbeat(j.member_id, NULL, 1), 0);
    cr_assert_eq(heartbeat(j.member_id, NULL, 0), KFK_ERR_ILLEGAL_GENERATION);
    cr_assert_eq(heartbeat("nobody", NULL, 1), KFK_ERR_UNKNOWN_MEMBER_ID);
    /* A SyncGroup in the Stable group gets the assignment again. */
    cr_assert_eq(sync_group(&s, j.member_id, NULL, 1, 0, NULL), KFK__MOCK_REPLY);
    cr_assert_str_eq(s.assignment, "mine");
    stop();
}

Test(mock_coordinator, two_members_rebalance_and_both_get_the_leaders_assignments) {
    start();
    reply_t a, b;
    two_members(&a, &b, 10000, 10000);
    stop();
}

Test(mock_coordinator, a_member_that_does_not_rejoin_is_removed_after_the_rebalance_timeout) {
    start();
    reply_t a, b, s;
    two_members(&a, &b, 10000, 300);
    /* B's metadata changes: a rebalance; A never rejoins. */
    char bid[160];
    strcpy(bid, b.member_id);
    uint64_t t0 = uv_now(&loop);
    cr_assert_eq(join(&b, bid, NULL, 10000, 300, "meta-B2"), KFK__MOCK_LATER);
    cr_assert(run_until(&b.done));
    uv_update_time(&loop);
    cr_assert_geq(uv_now(&loop) - t0, 250, "the join waited for the rebalance timeout");
    cr_assert_eq(b.error, 0);
    cr_assert_eq(b.generation, 3);
    cr_assert_str_eq(b.leader, bid, "the member that rejoined leads");
    cr_assert_eq(b.nmembers, 1);
    cr_assert_eq(heartbeat(a.member_id, NULL, 2), KFK_ERR_UNKNOWN_MEMBER_ID);
    const char *asg[] = {bid, "all"};
    cr_assert_eq(sync_group(&s, bid, NULL, 3, 1, asg), KFK__MOCK_REPLY);
    cr_assert_str_eq(s.assignment, "all");
    stop();
}

Test(mock_coordinator, a_leader_that_never_syncs_is_removed_after_the_rebalance_timeout) {
    start();
    reply_t a, b, s, sb;
    join_new(&a, 10000, 300, "meta-A");
    cr_assert(run_until(&a.done));
    const char *one[] = {a.member_id, "x"};
    cr_assert_eq(sync_group(&s, a.member_id, NULL, 1, 1, one), KFK__MOCK_REPLY);
    join_new(&b, 10000, 300, "meta-B");
    char aid[160];
    strcpy(aid, a.member_id);
    cr_assert_eq(join(&a, aid, NULL, 10000, 300, "meta-A"), KFK__MOCK_LATER);
    cr_assert(run_until(&a.done));
    cr_assert(run_until(&b.done));
    cr_assert_eq(b.generation, 2);
    /* B waits for the leader's SyncGroup, which never comes. */
    cr_assert_eq(sync_group(&sb, b.member_id, NULL, 2, 0, NULL), KFK__MOCK_LATER);
    uint64_t t0 = uv_now(&loop);
    cr_assert(run_until(&sb.done));
    uv_update_time(&loop);
    cr_assert_geq(uv_now(&loop) - t0, 250);
    cr_assert_eq(sb.error, KFK_ERR_REBALANCE_IN_PROGRESS);
    cr_assert_eq(heartbeat(aid, NULL, 2), KFK_ERR_UNKNOWN_MEMBER_ID, "the leader was removed");
    char bid[160];
    strcpy(bid, b.member_id);
    cr_assert_eq(join(&b, bid, NULL, 10000, 300, "meta-B"), KFK__MOCK_LATER);
    cr_assert(run_until(&b.done));
    cr_assert_eq(b.generation, 3);
    cr_assert_str_eq(b.leader, bid);
    cr_assert_eq(b.nmembers, 1);
    stop();
}

Test(mock_coordinator, close_drops_a_held_sync) {
    start();
    reply_t a, b, sb;
    join_new(&a, 10000, 10000, "meta-A");
    cr_assert(run_until(&a.done));
    join_new(&b, 10000, 10000, "meta-B");
    char aid[160];
    strcpy(aid, a.member_id);
    cr_assert_eq(join(&a, aid, NULL, 10000, 10000, "meta-A"), KFK__MOCK_LATER);
    cr_assert(run_until(&b.done));
    cr_assert_eq(sync_group(&sb, b.member_id, NULL, 2, 0, NULL), KFK__MOCK_LATER);
    kfk_mock_close(m, on_mock_closed, NULL);
    cr_assert(sb.dropped, "the held SyncGroup is dropped by the close");
    cr_assert(run_until(&mock_closed));
    cr_assert_eq(uv_run(&loop, UV_RUN_NOWAIT), 0);
    cr_assert_eq(uv_loop_close(&loop), 0);
}

/* A's heartbeats every 50 ms until one says REBALANCE_IN_PROGRESS. */
typedef struct beater {
    uv_timer_t t;
    const char *member;
    int32_t gen;
    int rebalancing;
    int closed;
} beater_t;

static void on_beat(uv_timer_t *t) {
    beater_t *bt = t->data;
    if (heartbeat(bt->member, NULL, bt->gen) == KFK_ERR_REBALANCE_IN_PROGRESS) {
        bt->rebalancing = 1;
        uv_stop(&loop);
        uv_timer_stop(t);
    }
}

static void on_beater_closed(uv_handle_t *h) {
    ((beater_t *)h->data)->closed = 1;
    uv_stop(&loop);
}

Test(mock_coordinator, a_member_that_stops_heartbeating_is_expelled_and_the_other_rejoins) {
    start();
    reply_t a, b;
    two_members(&a, &b, 250, 10000);
    beater_t bt = {.member = a.member_id, .gen = 2};
    uv_timer_init(&loop, &bt.t);
    bt.t.data = &bt;
    uint64_t t0 = uv_now(&loop);
    uv_timer_start(&bt.t, on_beat, 50, 50);
    cr_assert(run_until(&bt.rebalancing), "B's session did not expire");
    uv_update_time(&loop);
    cr_assert_geq(uv_now(&loop) - t0, 200, "B expired before its session timeout");
    uv_close((uv_handle_t *)&bt.t, on_beater_closed);
    cr_assert(run_until(&bt.closed));
    cr_assert_eq(heartbeat(b.member_id, NULL, 2), KFK_ERR_UNKNOWN_MEMBER_ID);
    char aid[160];
    strcpy(aid, a.member_id);
    cr_assert_eq(join(&a, aid, NULL, 250, 10000, "meta-A"), KFK__MOCK_LATER);
    cr_assert(run_until(&a.done));
    cr_assert_eq(a.error, 0);
    cr_assert_eq(a.generation, 3);
    cr_assert_eq(a.nmembers, 1);
    cr_assert_str_eq(a.members[0], aid);
    stop();
}

Test(mock_coordinator, leave_group_removes_members_and_starts_a_rebalance) {
    start();
    reply_t a, b, l;
    two_members(&a, &b, 10000, 10000);
    kfk__mreq_t *req = mkreq(KFK_API_LEAVE_GROUP, 3, &l, sizeof(kfk_leave_group_request_t));
    kfk_leave_group_request_t *rq = req->body;
    kfk_leave_group_request_member_identity_t *mi = kfk_arena_alloc(&req->arena, 2 * sizeof *mi);
    mi[0].member_id = S(b.member_id);
    mi[0].group_instance_id = S(NULL);
    mi[1].member_id = KFK_STR("nobody");
    mi[1].group_instance_id = S(NULL);
    rq->group_id = KFK_STR("g");
    rq->members = (kfk_array_t){mi, 2};
    cr_assert_eq(serve(kfk__mock_leave_group, req), KFK__MOCK_REPLY);
    cr_assert_eq(l.error, 0);
    cr_assert_eq(l.nerrors, 2);
    cr_assert_eq(l.errors[0], 0);
    cr_assert_eq(l.errors[1], KFK_ERR_UNKNOWN_MEMBER_ID);
    cr_assert_eq(heartbeat(a.member_id, NULL, 2), KFK_ERR_REBALANCE_IN_PROGRESS);
    cr_assert_eq(heartbeat(b.member_id, NULL, 2), KFK_ERR_UNKNOWN_MEMBER_ID);
    char aid[160];
    strcpy(aid, a.member_id);
    cr_assert_eq(join(&a, aid, NULL, 10000, 10000, "meta-A"), KFK__MOCK_LATER);
    cr_assert(run_until(&a.done));
    cr_assert_eq(a.generation, 3);
    cr_assert_eq(a.nmembers, 1);

    /* v1: one member, its error is the answer's; the last member leaving empties the group. */
    req = mkreq(KFK_API_LEAVE_GROUP, 1, &l, sizeof(kfk_leave_group_request_t));
    rq = req->body;
    rq->group_id = KFK_STR("g");
    rq->member_id = S(aid);
    cr_assert_eq(serve(kfk__mock_leave_group, req), KFK__MOCK_REPLY);
    cr_assert_eq(l.error, 0);
    req = mkreq(KFK_API_LEAVE_GROUP, 1, &l, sizeof(kfk_leave_group_request_t));
    rq = req->body;
    rq->group_id = KFK_STR("g");
    rq->member_id = S(aid);
    cr_assert_eq(serve(kfk__mock_leave_group, req), KFK__MOCK_REPLY);
    cr_assert_eq(l.error, KFK_ERR_UNKNOWN_MEMBER_ID);
    stop();
}

Test(mock_coordinator, a_static_member_keeps_its_id_and_a_restart_fences_the_old_one) {
    start();
    reply_t j, s;
    /* Static members get no MEMBER_ID_REQUIRED; their id starts with the instance id. */
    cr_assert_eq(join(&j, NULL, "inst-1", 10000, 10000, "meta"), KFK__MOCK_LATER);
    cr_assert(run_until(&j.done));
    cr_assert_eq(j.error, 0);
    cr_assert_eq(strncmp(j.member_id, "inst-1-", 7), 0, "member id %s", j.member_id);
    char id[160];
    strcpy(id, j.member_id);
    const char *a[] = {id, "p0"};
    cr_assert_eq(sync_group(&s, id, "inst-1", 1, 1, a), KFK__MOCK_REPLY);
    cr_assert_eq(s.error, 0);

    /* Rejoining with its id keeps it (the leader's rejoin makes a new generation). */
    cr_assert_eq(join(&j, id, "inst-1", 10000, 10000, "meta"), KFK__MOCK_LATER);
    cr_assert(run_until(&j.done));
    cr_assert_eq(j.error, 0);
    cr_assert_str_eq(j.member_id, id);
    cr_assert_eq(j.generation, 2);
    cr_assert_eq(sync_group(&s, id, "inst-1", 2, 1, a), KFK__MOCK_REPLY);
    cr_assert_eq(s.error, 0);

    /* A restart (no member id): a new id at once, same generation and assignment, and the old
     * id is fenced. */
    cr_assert_eq(join(&j, NULL, "inst-1", 10000, 10000, "meta"), KFK__MOCK_REPLY);
    cr_assert_eq(j.error, 0);
    cr_assert_eq(j.generation, 2);
    cr_assert_str_neq(j.member_id, id);
    cr_assert_eq(strncmp(j.member_id, "inst-1-", 7), 0);
    cr_assert_eq(heartbeat(id, "inst-1", 2), KFK_ERR_FENCED_INSTANCE_ID);
    cr_assert_eq(heartbeat(j.member_id, "inst-1", 2), 0);
    cr_assert_eq(sync_group(&s, j.member_id, "inst-1", 2, 0, NULL), KFK__MOCK_REPLY);
    cr_assert_eq(s.error, 0);
    cr_assert_str_eq(s.assignment, "p0");
    reply_t old;
    cr_assert_eq(join(&old, id, "inst-1", 10000, 10000, "meta"), KFK__MOCK_REPLY);
    cr_assert_eq(old.error, KFK_ERR_FENCED_INSTANCE_ID);
    stop();
}

Test(mock_coordinator, joins_before_v4_need_no_member_id_and_v7_names_the_protocol_type) {
    start();
    reply_t a, b;
    join_version = 3;
    cr_assert_eq(join(&a, NULL, NULL, 10000, 10000, "meta-A"), KFK__MOCK_LATER);
    cr_assert(run_until(&a.done));
    cr_assert_eq(a.error, 0);
    cr_assert_eq(a.generation, 1);
    cr_assert_eq(strncmp(a.member_id, "c1-", 3), 0);
    join_version = 7;
    join_new(&b, 10000, 10000, "meta-B");
    char aid[160];
    strcpy(aid, a.member_id);
    cr_assert_eq(join(&a, aid, NULL, 10000, 10000, "meta-A"), KFK__MOCK_LATER);
    cr_assert(run_until(&b.done));
    cr_assert(run_until(&a.done));
    cr_assert_eq(b.error, 0);
    cr_assert_eq(b.generation, 2);
    cr_assert_str_eq(b.protocol_type, "consumer");
    cr_assert_str_eq(b.protocol, "range");
    stop();
}

Test(mock_coordinator, a_new_group_waits_the_initial_rebalance_delay_for_more_members) {
    start_with(150);
    reply_t a, b;
    join_new(&a, 10000, 10000, "meta-A");
    join_new(&b, 10000, 10000, "meta-B");
    cr_assert(run_until(&a.done));
    cr_assert(run_until(&b.done));
    cr_assert_eq(a.generation, 1);
    cr_assert_eq(b.generation, 1);
    cr_assert_eq(a.nmembers + b.nmembers, 2, "both in the first generation");
    stop();
}

Test(mock_coordinator, joins_with_another_protocol_or_session_are_refused) {
    start();
    reply_t a, r;
    join_new(&a, 10000, 10000, "meta-A");
    cr_assert(run_until(&a.done));
    kfk__mreq_t *req = mkreq(KFK_API_JOIN_GROUP, 5, &r, sizeof(kfk_join_group_request_t));
    kfk_join_group_request_t *rq = req->body;
    kfk_join_group_request_protocol_t *p = kfk_arena_alloc(&req->arena, sizeof *p);
    p->name = KFK_STR("sticky");
    rq->group_id = KFK_STR("g");
    rq->session_timeout_ms = 10000;
    rq->rebalance_timeout_ms = 10000;
    rq->member_id = KFK_STR("");
    rq->group_instance_id = S(NULL);
    rq->protocol_type = KFK_STR("consumer");
    rq->protocols = (kfk_array_t){p, 1};
    cr_assert_eq(serve(kfk__mock_join_group, req), KFK__MOCK_REPLY);
    cr_assert_eq(r.error, KFK_ERR_INCONSISTENT_GROUP_PROTOCOL);
    cr_assert_eq(join(&r, NULL, NULL, 0, 10000, "m"), KFK__MOCK_REPLY);
    cr_assert_eq(r.error, KFK_ERR_INVALID_SESSION_TIMEOUT);
    cr_assert_eq(join(&r, "unknown-member", NULL, 10000, 10000, "m"), KFK__MOCK_REPLY);
    cr_assert_eq(r.error, KFK_ERR_UNKNOWN_MEMBER_ID);
    stop();
}

Test(mock_coordinator, an_injected_error_answers_the_join) {
    start();
    char err[128];
    cr_assert_eq(kfk_mock_fault_parse(m, "api=JoinGroup,error=NOT_COORDINATOR", err, sizeof err),
                 KFK_ERR_NONE, "%s", err);
    reply_t r;
    cr_assert_eq(join(&r, NULL, NULL, 10000, 10000, "m"), KFK__MOCK_REPLY);
    cr_assert_eq(r.error, KFK_ERR_NOT_COORDINATOR);
    join_new(&r, 10000, 10000, "m");
    cr_assert(run_until(&r.done));
    cr_assert_eq(r.error, 0);
    stop();
}

/* ---- offsets --------------------------------------------------------------------------------- */

Test(mock_coordinator, commits_and_fetches_round_trip) {
    start();
    reply_t c, f;
    fetch(&f, "g", 0);
    cr_assert_eq(f.error, 0);
    cr_assert_eq(f.nerrors, 3);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(f.offsets[i], -1, "nothing committed yet");

    commit(&c, "", -1, "t", 42, 7, "m0");
    cr_assert_eq(c.nerrors, 2);
    cr_assert_eq(c.errors[0], 0);
    cr_assert_eq(c.errors[1], 0);
    fetch(&f, "g", 0);
    cr_assert_eq(f.nerrors, 3);
    cr_assert_eq(f.offsets[0], 42);
    cr_assert_str_eq(f.metadata[0], "m0");
    cr_assert_eq(f.offsets[1], 7);
    cr_assert_str_eq(f.metadata[1], "", "null metadata is stored as \"\"");
    cr_assert_eq(f.offsets[2], -1);
    cr_assert_eq(f.errors[2], 0);

    commit(&c, "", -1, "t", 43, 8, NULL);
    fetch(&f, "g", 1);
    cr_assert_eq(f.nerrors, 2, "null topics: every committed partition");
    cr_assert_eq(f.offsets[0] + f.offsets[1], 43 + 8);

    fetch(&f, "other", 0);
    cr_assert_eq(f.offsets[0], -1, "offsets belong to their group");

    commit(&c, "", -1, "nope", 1, 1, NULL);
    cr_assert_eq(c.errors[0], KFK_ERR_UNKNOWN_TOPIC_OR_PARTITION);
    commit(&c, "", 5, "t", 1, 1, NULL);
    cr_assert_eq(c.errors[0], KFK_ERR_UNKNOWN_MEMBER_ID, "a generation needs a member");
    stop();
}

Test(mock_coordinator, member_commits_check_the_member_and_generation) {
    start();
    reply_t a, b, c, f;
    two_members(&a, &b, 10000, 10000);
    commit(&c, a.member_id, 2, "t", 10, 11, "x");
    cr_assert_eq(c.errors[0], 0);
    cr_assert_eq(c.errors[1], 0);
    commit(&c, a.member_id, 1, "t", 99, 99, NULL);
    cr_assert_eq(c.errors[0], KFK_ERR_ILLEGAL_GENERATION);
    cr_assert_eq(c.errors[1], KFK_ERR_ILLEGAL_GENERATION);
    commit(&c, "nobody", 2, "t", 99, 99, NULL);
    cr_assert_eq(c.errors[0], KFK_ERR_UNKNOWN_MEMBER_ID);
    commit(&c, "", -1, "t", 99, 99, NULL);
    cr_assert_eq(c.errors[0], KFK_ERR_UNKNOWN_MEMBER_ID,
                 "a group with members takes no simple "
                 "commits");
    fetch(&f, "g", 0);
    cr_assert_eq(f.offsets[0], 10);
    cr_assert_eq(f.offsets[1], 11);

    /* During a rebalance commits of the current generation still go in. */
    reply_t j;
    char bid[160];
    strcpy(bid, b.member_id);
    cr_assert_eq(join(&j, bid, NULL, 10000, 10000, "meta-B2"), KFK__MOCK_LATER);
    commit(&c, a.member_id, 2, "t", 12, 13, NULL);
    cr_assert_eq(c.errors[0], 0);
    stop();
    cr_assert(j.dropped, "the held JoinGroup was dropped by the close");
}

Test(mock_coordinator, an_injected_error_answers_one_partition) {
    start();
    char err[128];
    cr_assert_eq(kfk_mock_fault_parse(m,
                                      "api=OffsetCommit,topic=t,partition=1,error=NOT_COORDINATOR",
                                      err, sizeof err),
                 KFK_ERR_NONE, "%s", err);
    reply_t c;
    commit(&c, "", -1, "t", 1, 2, NULL);
    cr_assert_eq(c.errors[0], 0);
    cr_assert_eq(c.errors[1], KFK_ERR_NOT_COORDINATOR);
    cr_assert_eq(kfk_mock_fault_parse(m, "api=OffsetFetch,error=COORDINATOR_LOAD_IN_PROGRESS", err,
                                      sizeof err),
                 KFK_ERR_NONE, "%s", err);
    reply_t f;
    fetch(&f, "g", 0);
    cr_assert_eq(f.error, KFK_ERR_COORDINATOR_LOAD_IN_PROGRESS);
    fetch(&f, "g", 0);
    cr_assert_eq(f.error, 0);
    cr_assert_eq(f.offsets[0], 1);
    stop();
}

/* ---- close ----------------------------------------------------------------------------------- */

Test(mock_coordinator, close_drops_a_held_join) {
    start();
    reply_t a, b, s;
    join_new(&a, 10000, 10000, "meta-A");
    cr_assert(run_until(&a.done));
    join_new(&b, 10000, 10000, "meta-B"); /* held: A has not rejoined */
    cr_assert_eq(b.done, 0);
    /* A's SyncGroup is refused while the group prepares the rebalance. */
    cr_assert_eq(sync_group(&s, a.member_id, NULL, 1, 0, NULL), KFK__MOCK_REPLY);
    cr_assert_eq(s.error, KFK_ERR_REBALANCE_IN_PROGRESS);
    kfk_mock_close(m, on_mock_closed, NULL);
    cr_assert(b.dropped, "the held JoinGroup is dropped by the close");
    cr_assert(run_until(&mock_closed));
    cr_assert_eq(uv_run(&loop, UV_RUN_NOWAIT), 0);
    cr_assert_eq(uv_loop_close(&loop), 0);
}

/* ---- DescribeGroups, ListGroups (coord_describe.c) ---------------------------------------------
 */

static void describe(reply_t *out, const char *group) {
    kfk__mreq_t *req =
        mkreq(KFK_API_DESCRIBE_GROUPS, 5, out, sizeof(kfk_describe_groups_request_t));
    kfk_describe_groups_request_t *rq = req->body;
    kfk_str_t *g = kfk_arena_alloc(&req->arena, sizeof *g);
    *g = S(group);
    rq->groups = (kfk_array_t){g, 1};
    cr_assert_eq(serve(kfk__mock_describe_groups, req), KFK__MOCK_REPLY);
    cr_assert(out->done);
}

static void list_groups(reply_t *out, const char *state) {
    kfk__mreq_t *req = mkreq(KFK_API_LIST_GROUPS, 4, out, sizeof(kfk_list_groups_request_t));
    kfk_list_groups_request_t *rq = req->body;
    if (state) {
        kfk_str_t *f = kfk_arena_alloc(&req->arena, sizeof *f);
        *f = S(state);
        rq->states_filter = (kfk_array_t){f, 1};
    }
    cr_assert_eq(serve(kfk__mock_list_groups, req), KFK__MOCK_REPLY);
    cr_assert(out->done);
}

Test(mock_coordinator, describe_and_list_groups_show_states_members_and_assignments) {
    start();
    reply_t a, b, d;
    describe(&d, "g");
    cr_assert_eq(d.error, 0);
    cr_assert_str_eq(d.leader, "Dead", "an unknown group is Dead");
    cr_assert_eq(d.nmembers, 0);
    list_groups(&d, NULL);
    cr_assert_eq(d.nmembers, 0);

    two_members(&a, &b, 10000, 10000);
    describe(&d, "g");
    cr_assert_eq(d.error, 0);
    cr_assert_str_eq(d.leader, "Stable");
    cr_assert_str_eq(d.protocol_type, "consumer");
    cr_assert_str_eq(d.protocol, "range");
    cr_assert_eq(d.nmembers, 2);
    int ia = strcmp(d.members[0], a.member_id) == 0 ? 0 : 1;
    cr_assert_str_eq(d.members[ia], a.member_id);
    cr_assert_str_eq(d.members[1 - ia], b.member_id);
    cr_assert_str_eq(d.member_meta[ia], "c1", "the client id the member id was made from");
    cr_assert_str_eq(d.metadata[ia], "asg-A");
    cr_assert_str_eq(d.metadata[1 - ia], "asg-B");
    list_groups(&d, NULL);
    cr_assert_eq(d.nmembers, 1);
    cr_assert_str_eq(d.members[0], "g");
    cr_assert_str_eq(d.metadata[0], "Stable");
    list_groups(&d, "empty");
    cr_assert_eq(d.nmembers, 0, "filtered out by state");

    /* A third member joins: PreparingRebalance, no protocol, members without assignments. */
    reply_t c;
    join_new(&c, 10000, 10000, "meta-C");
    describe(&d, "g");
    cr_assert_str_eq(d.leader, "PreparingRebalance");
    cr_assert_str_eq(d.protocol, "");
    cr_assert_geq(d.nmembers, 2);
    cr_assert_str_eq(d.metadata[0], "");
    cr_assert_str_eq(d.metadata[1], "");
    list_groups(&d, "PreparingRebalance");
    cr_assert_eq(d.nmembers, 1);

    describe(&d, "");
    cr_assert_eq(d.error, KFK_ERR_INVALID_GROUP_ID);
    stop();
}
