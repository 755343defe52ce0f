/*
 * coord_members.c: the mock group coordinator's requests from members already in a group, as
 * Apache Kafka's GroupCoordinator (3.x) answers them: SyncGroup v0-5, Heartbeat v0-4,
 * LeaveGroup v0-4, and the member check of an OffsetCommit (kfk__coord_commit_check, for
 * coord_offsets.c). The groups, JoinGroup, rebalancing and the timer are coordinator.c's;
 * the three files share coordinator.h.
 *
 * Faults: each answer first asks fault.c (kfk__mock_fault_error with the API, the broker, no
 * topic, partition -1) and answers that error when there is one.
 */
#include <string.h>

#include "mock/coordinator.h"
#include "protocol/mem.h"

typedef kfk__cmember_t member_t;
typedef kfk__cpending_t pending_t;
typedef kfk__cgroup_t group_t;
typedef kfk__coord_t coord_t;

/* ---- handlers ------------------------------------------------------------------------------- */

/* The checks SyncGroup and Heartbeat share, in Kafka's order: an error fault for @p api, the
 * coordinator, the group, the member and its generation. 0 with the group in *@p out, or the
 * error code to answer. */
static int16_t member_check(coord_t *c, kfk__mreq_t *req, int16_t api, kfk_str_t group_id,
                            kfk_str_t member_id, kfk_str_t instance, int32_t generation,
                            group_t **out) {
    int16_t err = kfk__mock_fault_error(req->m, api, kfk__coord_broker_id(req), NULL, 0, -1);
    group_t *g = NULL;
    if (!err)
        err = kfk__coord_check(c, req, group_id, 0);
    if (!err && !(g = kfk__coord_group(c, group_id, 0)))
        err = KFK_ERR_UNKNOWN_MEMBER_ID;
    if (!err && g->state == KFK__CG_DEAD)
        err = KFK_ERR_COORDINATOR_NOT_AVAILABLE;
    if (!err)
        err = kfk__coord_validate_member(g, member_id, instance);
    if (!err && generation != g->generation)
        err = KFK_ERR_ILLEGAL_GENERATION;
    *out = g;
    return err;
}

static int sync(coord_t *c, kfk__mreq_t *req, void **resp) {
    const kfk_sync_group_request_t *rq = req->body;
    int16_t v = req->hdr.api_version;
    kfk_str_t instance = v >= 3 ? rq->group_instance_id : (kfk_str_t){NULL, -1};
    group_t *g;
    int16_t err = member_check(c, req, KFK_API_SYNC_GROUP, rq->group_id, rq->member_id, instance,
                               rq->generation_id, &g);
    if (!err && v >= 5 &&
        ((rq->protocol_type.len >= 0 && !kfk__coord_str_eq(g->protocol_type, rq->protocol_type)) ||
         (rq->protocol_name.len >= 0 && !kfk__coord_str_eq(g->protocol_name, rq->protocol_name))))
        err = KFK_ERR_INCONSISTENT_GROUP_PROTOCOL;
    if (!err && g->state == KFK__CG_EMPTY)
        err = KFK_ERR_UNKNOWN_MEMBER_ID;
    if (!err && g->state == KFK__CG_PREPARING)
        err = KFK_ERR_REBALANCE_IN_PROGRESS;
    if (err) {
        *resp = kfk__coord_sync_answer(req, NULL, err, NULL);
        return KFK__MOCK_REPLY;
    }
    member_t *mb = kfk__coord_member_find(g, rq->member_id);
    mb->pending_sync = 0;
    if (g->state == KFK__CG_STABLE) {
        kfk__coord_heartbeat_reset(c, mb);
        *resp = kfk__coord_sync_answer(req, g, 0, mb);
        return KFK__MOCK_REPLY;
    }
    /* CompletingRebalance */
    if (mb->sync_req)
        kfk__coord_post(c, mb->sync_req, NULL); /* replaced, as Kafka replaces the callback */
    mb->sync_req = NULL;
    if (mb != g->leader) {
        mb->sync_req = req;
        return KFK__MOCK_LATER;
    }
    /* The leader's assignments: members it left out get an empty one. */
    for (member_t *o = g->members; o; o = o->next) {
        kfk__free(o->assignment);
        o->assignment = NULL;
        o->assignment_len = 0;
    }
    for (int32_t i = 0; i < rq->assignments.count; i++) {
        const kfk_sync_group_request_assignment_t *a =
            &KFK_ARRAY_AT(rq->assignments, kfk_sync_group_request_assignment_t, i);
        member_t *o = kfk__coord_member_find(g, a->member_id);
        if (!o || a->assignment.len <= 0)
            continue;
        uint8_t *copy = kfk__malloc((size_t)a->assignment.len);
        if (!copy) {
            kfk__coord_reset_assignments(c, g, KFK_ERR_COORDINATOR_NOT_AVAILABLE);
            kfk__coord_prepare_rebalance(c, g);
            *resp = kfk__coord_sync_answer(req, NULL, KFK_ERR_COORDINATOR_NOT_AVAILABLE, NULL);
            return KFK__MOCK_REPLY;
        }
        memcpy(copy, a->assignment.ptr, (size_t)a->assignment.len);
        kfk__free(o->assignment);
        o->assignment = copy;
        o->assignment_len = a->assignment.len;
    }
    g->state = KFK__CG_STABLE;
    for (member_t *o = g->members; o; o = o->next)
        if (o->sync_req) {
            kfk__coord_post(c, o->sync_req, kfk__coord_sync_answer(o->sync_req, g, 0, o));
            o->sync_req = NULL;
            kfk__coord_heartbeat_reset(c, o);
        }
    kfk__coord_heartbeat_reset(c, mb);
    *resp = kfk__coord_sync_answer(req, g, 0, mb);
    return KFK__MOCK_REPLY;
}

/*
 * SyncGroup v0-5: the leader's request stores the assignments and answers every waiting
 * member; a follower's request is held (KFK__MOCK_LATER) until then; in a Stable group any
 * member gets its assignment at once.
 */
int kfk__mock_sync_group(kfk__mreq_t *req, void **resp) {
    coord_t *c = kfk__coord_of(req->m);
    int r = sync(c, req, resp);
    kfk__coord_settle(c);
    return r;
}

/*
 * Heartbeat v0-4: NONE in Stable and CompletingRebalance (the session restarts),
 * REBALANCE_IN_PROGRESS while the group prepares a rebalance, else the membership errors.
 */
int kfk__mock_heartbeat(kfk__mreq_t *req, void **resp) {
    coord_t *c = kfk__coord_of(req->m);
    const kfk_heartbeat_request_t *rq = req->body;
    kfk_str_t instance = req->hdr.api_version >= 3 ? rq->group_instance_id : (kfk_str_t){NULL, -1};
    group_t *g;
    int16_t err = member_check(c, req, KFK_API_HEARTBEAT, rq->group_id, rq->member_id, instance,
                               rq->generation_id, &g);
    if (!err && g->state == KFK__CG_EMPTY)
        err = KFK_ERR_UNKNOWN_MEMBER_ID;
    if (!err) {
        kfk__coord_heartbeat_reset(c, kfk__coord_member_find(g, rq->member_id));
        if (g->state == KFK__CG_PREPARING)
            err = KFK_ERR_REBALANCE_IN_PROGRESS;
    }
    kfk_heartbeat_response_t *rs = kfk_arena_alloc(&req->arena, sizeof *rs);
    if (rs)
        rs->error_code = err;
    *resp = rs;
    kfk__coord_settle(c);
    return KFK__MOCK_REPLY;
}

/* One leaving member (Kafka 3.x's handleLeaveGroup, per member identity). */
static int16_t leave_one(coord_t *c, group_t *g, kfk_str_t id, kfk_str_t instance) {
    if (id.len <= 0) {
        member_t *s = kfk__coord_static_member(g, instance);
        if (!s)
            return KFK_ERR_UNKNOWN_MEMBER_ID;
        kfk__coord_member_leave(c, g, s);
        return 0;
    }
    pending_t *p = kfk__coord_pending_find(g, id);
    if (p) {
        kfk__coord_pending_remove(g, p);
        return 0;
    }
    int16_t err = kfk__coord_validate_member(g, id, instance);
    if (err)
        return err;
    kfk__coord_member_leave(c, g, kfk__coord_member_find(g, id));
    return 0;
}

/*
 * LeaveGroup v0-4: v0-2 one member (its error is the answer's), v3+ a batch of member
 * identities, each answered; leaving members are removed and the group rebalances.
 */
int kfk__mock_leave_group(kfk__mreq_t *req, void **resp) {
    coord_t *c = kfk__coord_of(req->m);
    const kfk_leave_group_request_t *rq = req->body;
    int16_t v = req->hdr.api_version;
    kfk_leave_group_response_t *rs = kfk_arena_alloc(&req->arena, sizeof *rs);
    *resp = rs;
    if (!rs) {
        kfk__coord_settle(c);
        return KFK__MOCK_REPLY;
    }
    int16_t err =
        kfk__mock_fault_error(req->m, KFK_API_LEAVE_GROUP, kfk__coord_broker_id(req), NULL, 0, -1);
    if (!err)
        err = kfk__coord_check(c, req, rq->group_id, 0);
    group_t *g = err ? NULL : kfk__coord_group(c, rq->group_id, 0);
    if (g && g->state == KFK__CG_DEAD)
        err = KFK_ERR_COORDINATOR_NOT_AVAILABLE;
    if (err) {
        rs->error_code = err;
        kfk__coord_settle(c);
        return KFK__MOCK_REPLY;
    }
    int32_t n = v >= 3 ? (rq->members.count > 0 ? rq->members.count : 0) : 1;
    kfk_leave_group_response_member_response_t *out =
        n ? kfk_arena_alloc(&req->arena, (size_t)n * sizeof *out) : NULL;
    if (n && !out) {
        rs->error_code = KFK_ERR_COORDINATOR_NOT_AVAILABLE;
        kfk__coord_settle(c);
        return KFK__MOCK_REPLY;
    }
    for (int32_t i = 0; i < n; i++) {
        kfk_str_t id = rq->member_id, instance = {NULL, -1};
        if (v >= 3) {
            const kfk_leave_group_request_member_identity_t *mi =
                &KFK_ARRAY_AT(rq->members, kfk_leave_group_request_member_identity_t, i);
            id = mi->member_id;
            instance = mi->group_instance_id;
        }
        out[i].member_id = id.len >= 0 ? id : (kfk_str_t){"", 0};
        out[i].group_instance_id = instance;
        out[i].error_code = g ? leave_one(c, g, id, instance) : KFK_ERR_UNKNOWN_MEMBER_ID;
    }
    if (v >= 3)
        rs->members = (kfk_array_t){out, n};
    else
        rs->error_code = out[0].error_code;
    kfk__coord_settle(c);
    return KFK__MOCK_REPLY;
}

/* ---- for coord_offsets.c ------------------------------------------------------------------ */

/* coordinator.h's contract. */
int16_t kfk__coord_commit_check(kfk__coord_t *c, kfk__cgroup_t *g, int32_t gen, kfk_str_t member,
                                kfk_str_t instance) {
    if (!g)
        return gen < 0 && member.len <= 0 && instance.len < 0
                   ? 0
                   : (gen < 0 ? KFK_ERR_UNKNOWN_MEMBER_ID : KFK_ERR_ILLEGAL_GENERATION);
    if (g->state == KFK__CG_DEAD)
        return KFK_ERR_COORDINATOR_NOT_AVAILABLE;
    if (gen >= 0 || member.len > 0 || instance.len >= 0) {
        int16_t err = kfk__coord_validate_member(g, member, instance);
        if (err)
            return err;
        if (gen != g->generation)
            return KFK_ERR_ILLEGAL_GENERATION;
        if (g->state == KFK__CG_COMPLETING)
            return KFK_ERR_REBALANCE_IN_PROGRESS;
        kfk__coord_heartbeat_reset(c, kfk__coord_member_find(g, member));
        return 0;
    }
    return g->state == KFK__CG_EMPTY ? 0 : KFK_ERR_UNKNOWN_MEMBER_ID;
}

/* ---- expiring members on purpose (kfk_mock_group_expire_member) ------------------------------ */

kfk_err_t kfk_mock_group_expire_member(kfk_mock_t *m, const char *group_id, const char *member_id) {
    if (!m || !group_id)
        return KFK_ERR__INVALID_ARG;
    kfk__coord_t *c = kfk__coord_of(m);
    if (!c)
        return KFK_ERR__DESTROYED;
    kfk__cgroup_t *g = kfk__coord_group(c, kfk_str_c(group_id), 0);
    if (!g)
        return KFK_ERR_GROUP_ID_NOT_FOUND;
    int n = 0;
    kfk__cmember_t *mb = g->members;
    while (mb) {
        kfk__cmember_t *next = mb->next;
        if (!member_id || !strcmp(mb->id, member_id)) {
            kfk__coord_member_leave(c, g, mb); /* Kafka's session expiry does the same */
            n++;
        }
        mb = next;
    }
    kfk__coord_settle(c);
    return n ? KFK_ERR_NONE : KFK_ERR_UNKNOWN_MEMBER_ID;
}
