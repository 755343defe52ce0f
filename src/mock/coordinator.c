/*
 * coordinator.c: the mock cluster's consumer groups, classic protocol, as Apache Kafka's
 * GroupCoordinator (3.x) behaves: the groups and their members (the model is in coordinator.h),
 * JoinGroup v0-7 with its protocol selection, rebalancing, the timer and the close. SyncGroup,
 * Heartbeat and LeaveGroup are in coord_members.c, committed offsets (OffsetCommit,
 * OffsetFetch) in coord_offsets.c; the three files share coordinator.h.
 *
 * A JoinGroup is held until every member rejoined (and no pending member is left) or the
 * rebalance timeout passed; dynamic members that did not rejoin are then removed, the leader
 * gets every member's metadata, and the followers' SyncGroups are held until the leader's
 * SyncGroup brings the assignments. A new group waits group.initial.rebalance.delay.ms
 * (m->o.group_rebalance_delay_ms) first, longer while members keep arriving, within the
 * rebalance timeout. Static members (KIP-345) keep their place: one that rejoins with an empty
 * member id takes over its instance's member (its old id is fenced with FENCED_INSTANCE_ID)
 * and, in a Stable group whose protocol stays, gets the current generation and assignment
 * without a rebalance.
 *
 * Time: every deadline (sessions, pending members, the join and sync phases, the initial
 * delay) is kept on the loop clock (uv_now) and one uv_timer for the whole coordinator is armed
 * for the nearest; it also runs a join whose members have all arrived, so that JoinGroups are
 * always answered from the loop and never from inside a handler. Answers to held requests go
 * through an outbox flushed at the end of each handler and timer run: kfk__mock_reply may serve
 * the next request of another connection at once, which then finds the state consistent.
 *
 * Faults: each JoinGroup answer first asks fault.c (kfk__mock_fault_error with the API, the
 * broker, no topic, partition -1) and answers that error when there is one.
 *
 * Not modelled: group.max.size, offset retention, Dead groups (never reached), DescribeGroups
 * and the other admin group APIs (the codec does not speak them).
 */
#include <stdio.h>
#include <string.h>

#include "mock/coordinator.h"
#include "protocol/mem.h"

#define NONE UINT64_MAX                   /* no deadline */
#define NEW_MEMBER_JOIN_TIMEOUT_MS 300000 /* Kafka's NewMemberJoinTimeoutMs */
#define MAX_SESSION_TIMEOUT_MS 1800000    /* group.max.session.timeout.ms */

typedef kfk__cproto_t proto_t;
typedef kfk__cmember_t member_t;
typedef kfk__cpending_t pending_t;
typedef kfk__cgroup_t group_t;
typedef kfk__coord_t coord_t;

typedef struct outmsg {
    struct outmsg *next;
    kfk__mreq_t *req;
    void *resp;
    int heap; /* allocated with kfk__calloc, not in the request's arena */
} outmsg_t;

struct kfk__coord {
    kfk_mock_t *m;
    uv_timer_t timer;
    group_t *groups;
    outmsg_t *out_head, *out_tail;
    int flushing;
    uint64_t rng;
};

/* ---- small helpers ------------------------------------------------------------------------- */

/* coordinator.h's contract. */
int kfk__coord_str_eq(const char *s, kfk_str_t k) {
    if (!s || k.len < 0 || strlen(s) != (size_t)k.len)
        return 0;
    return k.len == 0 || memcmp(s, k.ptr, (size_t)k.len) == 0;
}

/* coordinator.h's contract. */
char *kfk__coord_strdup(kfk_str_t k) {
    if (k.len < 0)
        return NULL;
    return kfk__strndup(k.len ? k.ptr : "", (size_t)k.len);
}

/* coordinator.h's contract. */
kfk_str_t kfk__coord_astr(kfk__mreq_t *req, const char *s) {
    if (!s)
        return (kfk_str_t){NULL, -1};
    size_t len = strlen(s);
    char *p = kfk_arena_alloc(&req->arena, len + 1);
    if (!p)
        return (kfk_str_t){"", 0};
    memcpy(p, s, len);
    return (kfk_str_t){p, (int32_t)len};
}

static kfk_bytes_t abytes(kfk__mreq_t *req, const uint8_t *b, int32_t len) {
    if (len <= 0)
        return (kfk_bytes_t){(const uint8_t *)"", 0};
    uint8_t *p = kfk_arena_alloc(&req->arena, (size_t)len);
    if (!p)
        return (kfk_bytes_t){(const uint8_t *)"", 0};
    memcpy(p, b, (size_t)len);
    return (kfk_bytes_t){p, len};
}

static uint64_t now_ms(coord_t *c) {
    return uv_now(c->m->loop);
}

/* coordinator.h's contract. */
int32_t kfk__coord_broker_id(kfk__mreq_t *req) {
    return req->broker ? req->broker->id : -1;
}

static uint64_t rng_next(coord_t *c) {
    uint64_t z = (c->rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Kafka's member id: "<client id or group.instance.id>-<random UUID>". */
static char *member_id_new(coord_t *c, kfk_str_t prefix) {
    uint64_t a = rng_next(c), b = rng_next(c);
    a = (a & ~0xf000ULL) | 0x4000ULL;       /* version 4 */
    b = (b & ~(3ULL << 62)) | (2ULL << 62); /* variant 1 */
    size_t plen = prefix.len > 0 ? (size_t)prefix.len : 0;
    char *id = kfk__malloc(plen + 38);
    if (!id)
        return NULL;
    if (plen)
        memcpy(id, prefix.ptr, plen);
    snprintf(id + plen, 38, "-%08x-%04x-%04x-%04x-%012llx", (unsigned)(a >> 32),
             (unsigned)((a >> 16) & 0xffff), (unsigned)(a & 0xffff), (unsigned)(b >> 48),
             (unsigned long long)(b & 0xffffffffffffULL));
    return id;
}

/* ---- state ---------------------------------------------------------------------------------- */

static void on_timer(uv_timer_t *t);

/* coordinator.h's contract. */
coord_t *kfk__coord_of(kfk_mock_t *m) {
    if (m->coord_state || m->closing)
        return m->coord_state;
    coord_t *c = kfk__calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->m = m;
    c->rng = uv_hrtime() ^ (uint64_t)(uintptr_t)c;
    if (uv_timer_init(m->loop, &c->timer) != 0) {
        kfk__free(c);
        return NULL;
    }
    c->timer.data = c;
    kfk__mock_hold(m);
    m->coord_state = c;
    return c;
}

static group_t *group_find(coord_t *c, kfk_str_t id) {
    for (group_t *g = c->groups; g; g = g->next)
        if (kfk__coord_str_eq(g->id, id))
            return g;
    return NULL;
}

static group_t *group_new(coord_t *c, kfk_str_t id) {
    group_t *g = kfk__calloc(1, sizeof *g);
    if (!g || !(g->id = kfk__coord_strdup(id))) {
        kfk__free(g);
        return NULL;
    }
    g->state = KFK__CG_EMPTY;
    g->join_deadline = g->sync_deadline = NONE;
    g->next = c->groups;
    c->groups = g;
    return g;
}

static void protos_free(proto_t *p, int32_t n) {
    for (int32_t i = 0; i < n; i++) {
        kfk__free(p[i].name);
        kfk__free(p[i].meta);
    }
    kfk__free(p);
}

/* Copies the protocols of a JoinGroup request; 0 or -1 (out of memory). */
static int protos_copy(const kfk_join_group_request_t *rq, proto_t **out, int32_t *n) {
    int32_t cnt = rq->protocols.count > 0 ? rq->protocols.count : 0;
    proto_t *p = kfk__calloc(cnt ? (size_t)cnt : 1, sizeof *p);
    if (!p)
        return -1;
    for (int32_t i = 0; i < cnt; i++) {
        const kfk_join_group_request_protocol_t *src =
            &KFK_ARRAY_AT(rq->protocols, kfk_join_group_request_protocol_t, i);
        p[i].name = kfk__coord_strdup(src->name.len < 0 ? (kfk_str_t){"", 0} : src->name);
        p[i].meta_len = src->metadata.len > 0 ? src->metadata.len : 0;
        p[i].meta = kfk__malloc(p[i].meta_len ? (size_t)p[i].meta_len : 1);
        if (!p[i].name || !p[i].meta) {
            protos_free(p, i + 1);
            return -1;
        }
        if (p[i].meta_len)
            memcpy(p[i].meta, src->metadata.ptr, (size_t)p[i].meta_len);
    }
    *out = p;
    *n = cnt;
    return 0;
}

static const proto_t *member_proto(const member_t *mb, const char *name) {
    for (int32_t i = 0; name && i < mb->nprotos; i++)
        if (strcmp(mb->protos[i].name, name) == 0)
            return &mb->protos[i];
    return NULL;
}

/* The member joins with the same protocols and metadata as before (Kafka's member.matches). */
static int member_matches(const member_t *mb, const kfk_join_group_request_t *rq) {
    if (rq->protocols.count != mb->nprotos)
        return 0;
    for (int32_t i = 0; i < mb->nprotos; i++) {
        const kfk_join_group_request_protocol_t *p =
            &KFK_ARRAY_AT(rq->protocols, kfk_join_group_request_protocol_t, i);
        int32_t len = p->metadata.len > 0 ? p->metadata.len : 0;
        if (!kfk__coord_str_eq(mb->protos[i].name, p->name) || len != mb->protos[i].meta_len ||
            (len && memcmp(p->metadata.ptr, mb->protos[i].meta, (size_t)len) != 0))
            return 0;
    }
    return 1;
}

/* coordinator.h's contract. */
member_t *kfk__coord_member_find(group_t *g, kfk_str_t id) {
    for (member_t *mb = g->members; mb; mb = mb->next)
        if (kfk__coord_str_eq(mb->id, id))
            return mb;
    return NULL;
}

/* coordinator.h's contract. */
member_t *kfk__coord_static_member(group_t *g, kfk_str_t instance) {
    if (instance.len < 0)
        return NULL;
    for (member_t *mb = g->members; mb; mb = mb->next)
        if (mb->instance && kfk__coord_str_eq(mb->instance, instance))
            return mb;
    return NULL;
}

/* coordinator.h's contract. */
pending_t *kfk__coord_pending_find(group_t *g, kfk_str_t id) {
    for (pending_t *p = g->pending; p; p = p->next)
        if (kfk__coord_str_eq(p->id, id))
            return p;
    return NULL;
}

/* coordinator.h's contract. */
void kfk__coord_pending_remove(group_t *g, pending_t *p) {
    for (pending_t **pp = &g->pending; *pp; pp = &(*pp)->next)
        if (*pp == p) {
            *pp = p->next;
            kfk__free(p->id);
            kfk__free(p);
            return;
        }
}

/* coordinator.h's contract. */
int16_t kfk__coord_validate_member(group_t *g, kfk_str_t id, kfk_str_t instance) {
    if (instance.len >= 0) {
        member_t *s = kfk__coord_static_member(g, instance);
        if (!s)
            return KFK_ERR_UNKNOWN_MEMBER_ID;
        return kfk__coord_str_eq(s->id, id) ? 0 : KFK_ERR_FENCED_INSTANCE_ID;
    }
    return kfk__coord_member_find(g, id) ? 0 : KFK_ERR_UNKNOWN_MEMBER_ID;
}

static int32_t group_rebalance_ms(const group_t *g) {
    int32_t t = 0;
    for (const member_t *mb = g->members; mb; mb = mb->next)
        if (mb->rebalance_ms > t)
            t = mb->rebalance_ms;
    return t;
}

static int all_joined(const group_t *g) {
    if (g->pending)
        return 0;
    for (const member_t *mb = g->members; mb; mb = mb->next)
        if (!mb->join_req)
            return 0;
    return 1;
}

/* Every member supports @p name (counting each member's current protocols). */
static int all_support(const group_t *g, const char *name) {
    for (const member_t *mb = g->members; mb; mb = mb->next)
        if (!member_proto(mb, name))
            return 0;
    return 1;
}

/* Kafka's supportsProtocols: what a joining member brings must fit the group. */
static int supports_protocols(const group_t *g, const kfk_join_group_request_t *rq) {
    if (rq->protocol_type.len <= 0 || rq->protocols.count <= 0)
        return 0;
    if (g->state == KFK__CG_EMPTY || !g->nmembers)
        return 1;
    if (!kfk__coord_str_eq(g->protocol_type, rq->protocol_type))
        return 0;
    for (int32_t i = 0; i < rq->protocols.count; i++) {
        const kfk_join_group_request_protocol_t *p =
            &KFK_ARRAY_AT(rq->protocols, kfk_join_group_request_protocol_t, i);
        int all = 1;
        for (const member_t *mb = g->members; mb && all; mb = mb->next) {
            int has = 0;
            for (int32_t j = 0; j < mb->nprotos && !has; j++)
                has = kfk__coord_str_eq(mb->protos[j].name, p->name);
            all = has;
        }
        if (all)
            return 1;
    }
    return 0;
}

/*
 * Kafka's selectProtocol: each member votes for the first protocol of its own list that every
 * member supports; the most votes win (ties: the one first in the leader's list).
 */
static const char *select_protocol(const group_t *g) {
    const member_t *leader = g->leader ? g->leader : g->members;
    const char *best = NULL;
    int best_votes = -1;
    for (int32_t i = 0; leader && i < leader->nprotos; i++) {
        const char *cand = leader->protos[i].name;
        if (!all_support(g, cand))
            continue;
        int votes = 0;
        for (const member_t *mb = g->members; mb; mb = mb->next)
            for (int32_t j = 0; j < mb->nprotos; j++)
                if (all_support(g, mb->protos[j].name)) {
                    votes += strcmp(mb->protos[j].name, cand) == 0;
                    break;
                }
        if (votes > best_votes) {
            best = cand;
            best_votes = votes;
        }
    }
    return best;
}

/* ---- answers -------------------------------------------------------------------------------- */

/* coordinator.h's contract. */
void kfk__coord_post(coord_t *c, kfk__mreq_t *req, void *resp) {
    outmsg_t *o = kfk_arena_alloc(&req->arena, sizeof *o);
    if (!o && (o = kfk__calloc(1, sizeof *o)))
        o->heap = 1;
    if (!o) {
        kfk__mock_reply(req, NULL); /* out of memory: the request ends unanswered */
        return;
    }
    o->req = req;
    o->resp = resp;
    o->next = NULL;
    if (c->out_tail)
        c->out_tail->next = o;
    else
        c->out_head = o;
    c->out_tail = o;
}

static void flush(coord_t *c) {
    if (c->flushing)
        return;
    c->flushing = 1;
    while (c->out_head) {
        outmsg_t *o = c->out_head;
        kfk__mreq_t *req = o->req;
        void *resp = o->resp;
        c->out_head = o->next;
        if (!c->out_head)
            c->out_tail = NULL;
        if (o->heap)
            kfk__free(o);
        kfk__mock_reply(req, resp); /* frees the request, and o with its arena */
    }
    c->flushing = 0;
}

static kfk_join_group_response_t *join_error(kfk__mreq_t *req, int16_t err, kfk_str_t member) {
    kfk_join_group_response_t *rs = kfk_arena_alloc(&req->arena, sizeof *rs);
    if (!rs)
        return NULL;
    rs->error_code = err;
    rs->generation_id = -1;
    rs->protocol_type = (kfk_str_t){NULL, -1};
    rs->protocol_name = req->hdr.api_version >= 7 ? (kfk_str_t){NULL, -1} : (kfk_str_t){"", 0};
    rs->leader = (kfk_str_t){"", 0};
    rs->member_id = member.len >= 0 ? member : (kfk_str_t){"", 0};
    return rs;
}

/* A successful JoinGroup answer for @p mb; the member list when @p with_members. */
static kfk_join_group_response_t *join_ok(kfk__mreq_t *req, const group_t *g, const member_t *mb,
                                          int with_members, const char *leader) {
    kfk_join_group_response_t *rs = kfk_arena_alloc(&req->arena, sizeof *rs);
    if (!rs)
        return NULL;
    rs->generation_id = g->generation;
    rs->protocol_type = kfk__coord_astr(req, g->protocol_type);
    rs->protocol_name = kfk__coord_astr(req, g->protocol_name);
    rs->leader = kfk__coord_astr(req, leader ? leader : "");
    rs->member_id = kfk__coord_astr(req, mb->id);
    if (with_members && g->nmembers > 0) {
        kfk_join_group_response_member_t *v =
            kfk_arena_alloc(&req->arena, (size_t)g->nmembers * sizeof *v);
        if (!v)
            return join_error(req, KFK_ERR_COORDINATOR_NOT_AVAILABLE, rs->member_id);
        int32_t n = 0;
        for (const member_t *o = g->members; o; o = o->next, n++) {
            const proto_t *p = member_proto(o, g->protocol_name);
            v[n].member_id = kfk__coord_astr(req, o->id);
            v[n].group_instance_id = kfk__coord_astr(req, o->instance);
            v[n].metadata = p ? abytes(req, p->meta, p->meta_len) : (kfk_bytes_t){NULL, 0};
        }
        rs->members = (kfk_array_t){v, n};
    }
    return rs;
}

/* coordinator.h's contract. */
kfk_sync_group_response_t *kfk__coord_sync_answer(kfk__mreq_t *req, const group_t *g, int16_t err,
                                                  const member_t *mb) {
    kfk_sync_group_response_t *rs = kfk_arena_alloc(&req->arena, sizeof *rs);
    if (!rs)
        return NULL;
    rs->error_code = err;
    rs->protocol_type = kfk__coord_astr(req, g && !err ? g->protocol_type : NULL);
    rs->protocol_name = kfk__coord_astr(req, g && !err ? g->protocol_name : NULL);
    rs->assignment = mb && !err ? abytes(req, mb->assignment, mb->assignment_len)
                                : (kfk_bytes_t){(const uint8_t *)"", 0};
    return rs;
}

/* ---- membership ----------------------------------------------------------------------------- */

/* coordinator.h's contract. */
void kfk__coord_heartbeat_reset(coord_t *c, member_t *mb) {
    mb->deadline = now_ms(c) + (uint64_t)mb->session_ms;
}

static void member_free(member_t *mb) {
    kfk__free(mb->id);
    kfk__free(mb->instance);
    protos_free(mb->protos, mb->nprotos);
    kfk__free(mb->assignment);
    kfk__free(mb);
}

/* Takes @p mb out of @p g, answering its held requests with UNKNOWN_MEMBER_ID. */
static void member_remove(coord_t *c, group_t *g, member_t *mb) {
    if (mb->join_req)
        kfk__coord_post(c, mb->join_req,
                        join_error(mb->join_req, KFK_ERR_UNKNOWN_MEMBER_ID, KFK_STR("")));
    if (mb->sync_req)
        kfk__coord_post(c, mb->sync_req,
                        kfk__coord_sync_answer(mb->sync_req, g, KFK_ERR_UNKNOWN_MEMBER_ID, NULL));
    for (member_t **pp = &g->members; *pp; pp = &(*pp)->next)
        if (*pp == mb) {
            *pp = mb->next;
            break;
        }
    g->nmembers--;
    if (g->leader == mb)
        g->leader = g->members;
    member_free(mb);
}

/* coordinator.h's contract. */
void kfk__coord_reset_assignments(coord_t *c, group_t *g, int16_t err) {
    for (member_t *mb = g->members; mb; mb = mb->next) {
        kfk__free(mb->assignment);
        mb->assignment = NULL;
        mb->assignment_len = 0;
        if (mb->sync_req) {
            kfk__coord_post(c, mb->sync_req, kfk__coord_sync_answer(mb->sync_req, g, err, NULL));
            mb->sync_req = NULL;
            kfk__coord_heartbeat_reset(c, mb);
        }
    }
}

/* coordinator.h's contract. */
void kfk__coord_prepare_rebalance(coord_t *c, group_t *g) {
    if (g->state == KFK__CG_COMPLETING)
        kfk__coord_reset_assignments(c, g, KFK_ERR_REBALANCE_IN_PROGRESS);
    g->sync_deadline = NONE;
    int64_t rt = group_rebalance_ms(g);
    if (g->state == KFK__CG_EMPTY) {
        int64_t delay = c->m->o.group_rebalance_delay_ms;
        g->initial = 1;
        g->new_member_added = 0;
        g->initial_remaining = rt > delay ? rt - delay : 0;
        g->join_deadline = now_ms(c) + (uint64_t)delay;
    } else {
        g->initial = 0;
        g->join_deadline = now_ms(c) + (uint64_t)rt;
    }
    g->state = KFK__CG_PREPARING;
}

static void maybe_prepare_rebalance(coord_t *c, group_t *g) {
    if (g->state == KFK__CG_STABLE || g->state == KFK__CG_COMPLETING || g->state == KFK__CG_EMPTY)
        kfk__coord_prepare_rebalance(c, g);
}

/* coordinator.h's contract. */
void kfk__coord_member_leave(coord_t *c, group_t *g, member_t *mb) {
    member_remove(c, g, mb);
    if (g->state == KFK__CG_STABLE || g->state == KFK__CG_COMPLETING)
        maybe_prepare_rebalance(c, g);
    /* PreparingRebalance: the timer sees whether the join can complete now. */
}

static member_t *member_new(const kfk_join_group_request_t *rq, char *id, kfk_str_t instance,
                            int32_t rebalance_ms) {
    member_t *mb = kfk__calloc(1, sizeof *mb);
    if (!mb)
        return NULL;
    mb->id = id;
    mb->session_ms = rq->session_timeout_ms;
    mb->rebalance_ms = rebalance_ms;
    if ((instance.len >= 0 && !(mb->instance = kfk__coord_strdup(instance))) ||
        protos_copy(rq, &mb->protos, &mb->nprotos) != 0) {
        mb->id = NULL;
        member_free(mb);
        return NULL;
    }
    return mb;
}

/* Kafka's addMemberAndRebalance: @p mb joins @p g, its JoinGroup @p req held. */
static void member_add(coord_t *c, group_t *g, member_t *mb, kfk__mreq_t *req,
                       const kfk_join_group_request_t *rq) {
    mb->is_new = 1;
    if (g->state == KFK__CG_PREPARING && g->generation == 0)
        g->new_member_added = 1;
    if (!g->nmembers) {
        kfk__free(g->protocol_type);
        g->protocol_type = kfk__coord_strdup(rq->protocol_type);
    }
    member_t **pp = &g->members;
    while (*pp)
        pp = &(*pp)->next;
    *pp = mb;
    g->nmembers++;
    if (!g->leader)
        g->leader = mb;
    mb->join_req = req;
    mb->deadline = now_ms(c) + NEW_MEMBER_JOIN_TIMEOUT_MS;
    pending_t *p = kfk__coord_pending_find(g, kfk_str_c(mb->id));
    if (p)
        kfk__coord_pending_remove(g, p);
    maybe_prepare_rebalance(c, g);
}

/* Kafka's updateMember: new protocols and timeouts, @p req now the held JoinGroup. */
static int member_update(coord_t *c, member_t *mb, kfk__mreq_t *req,
                         const kfk_join_group_request_t *rq, int32_t rebalance_ms) {
    proto_t *p;
    int32_t n;
    if (protos_copy(rq, &p, &n) != 0)
        return -1;
    protos_free(mb->protos, mb->nprotos);
    mb->protos = p;
    mb->nprotos = n;
    mb->session_ms = rq->session_timeout_ms;
    mb->rebalance_ms = rebalance_ms;
    if (!req)
        return 0; /* the caller deals with the held requests */
    if (mb->join_req && mb->join_req != req)
        kfk__coord_post(c, mb->join_req, NULL); /* Kafka forgets the older JoinGroup too */
    mb->join_req = req;
    return 0;
}

/* Kafka's onCompleteJoin: the join phase ends. */
static void join_complete(coord_t *c, group_t *g) {
    member_t *mb = g->members;
    while (mb) {
        member_t *next = mb->next;
        if (!mb->join_req && !mb->instance)
            member_remove(c, g, mb);
        mb = next;
    }
    if (g->leader && !g->leader->join_req) {
        member_t *j = g->members;
        while (j && !j->join_req)
            j = j->next;
        if (j)
            g->leader = j;
        else {
            /* Nobody rejoined (static members only): wait another rebalance timeout. */
            g->initial = 0;
            g->join_deadline = now_ms(c) + (uint64_t)group_rebalance_ms(g);
            return;
        }
    }
    g->generation++;
    g->join_deadline = NONE;
    kfk__free(g->protocol_name);
    g->protocol_name = NULL;
    if (!g->nmembers) {
        g->state = KFK__CG_EMPTY;
        return;
    }
    const char *sel = select_protocol(g);
    g->protocol_name = sel ? kfk__strndup(sel, strlen(sel)) : NULL;
    g->state = KFK__CG_COMPLETING;
    for (mb = g->members; mb; mb = mb->next) {
        if (mb->join_req) {
            kfk__mreq_t *req = mb->join_req;
            mb->join_req = NULL;
            kfk__coord_post(c, req, join_ok(req, g, mb, mb == g->leader, g->leader->id));
        }
        kfk__coord_heartbeat_reset(c, mb);
        mb->is_new = 0;
        mb->pending_sync = 1;
    }
    g->sync_deadline = now_ms(c) + (uint64_t)group_rebalance_ms(g);
}

/* The join phase's deadline passed (Kafka's InitialDelayedJoin and DelayedJoin expiring). */
static void join_expired(coord_t *c, group_t *g) {
    if (g->initial && g->new_member_added && g->initial_remaining > 0) {
        int64_t delay = c->m->o.group_rebalance_delay_ms;
        if (delay > g->initial_remaining)
            delay = g->initial_remaining;
        g->new_member_added = 0;
        g->initial_remaining -= delay;
        g->join_deadline = now_ms(c) + (uint64_t)delay;
        return;
    }
    join_complete(c, g);
}

/* ---- the timer ------------------------------------------------------------------------------ */

/* Handles one thing due in @p g at @p now; 1 if it did (the caller looks again). */
static int group_tick(coord_t *c, group_t *g, uint64_t now) {
    for (pending_t *p = g->pending; p; p = p->next)
        if (p->deadline <= now) {
            kfk__coord_pending_remove(g, p);
            return 1;
        }
    for (member_t *mb = g->members; mb; mb = mb->next) {
        if (mb->deadline > now)
            continue;
        if (!mb->is_new && (mb->join_req || mb->sync_req)) {
            mb->deadline = NONE; /* awaiting a rebalance counts as a heartbeat */
            return 1;
        }
        kfk__coord_member_leave(c, g, mb);
        return 1;
    }
    if (g->sync_deadline <= now) {
        g->sync_deadline = NONE;
        if (g->state == KFK__CG_COMPLETING || g->state == KFK__CG_STABLE) {
            int removed = 0;
            member_t *mb = g->members;
            while (mb) {
                member_t *next = mb->next;
                if (mb->pending_sync) {
                    member_remove(c, g, mb);
                    removed = 1;
                }
                mb = next;
            }
            if (removed)
                kfk__coord_prepare_rebalance(c, g);
        }
        return 1;
    }
    if (g->state == KFK__CG_PREPARING) {
        if (!g->initial && all_joined(g)) {
            join_complete(c, g);
            return 1;
        }
        if (g->join_deadline <= now) {
            join_expired(c, g);
            return 1;
        }
    }
    return 0;
}

/* Arms the timer for the nearest deadline (now, when a join can complete). */
static void rearm(coord_t *c) {
    uint64_t next = NONE, now = now_ms(c);
    for (group_t *g = c->groups; g; g = g->next) {
        for (pending_t *p = g->pending; p; p = p->next)
            next = p->deadline < next ? p->deadline : next;
        for (member_t *mb = g->members; mb; mb = mb->next)
            next = mb->deadline < next ? mb->deadline : next;
        next = g->sync_deadline < next ? g->sync_deadline : next;
        if (g->state == KFK__CG_PREPARING) {
            next = g->join_deadline < next ? g->join_deadline : next;
            if (!g->initial && all_joined(g))
                next = now;
        }
    }
    if (next == NONE) {
        uv_timer_stop(&c->timer);
        return;
    }
    uv_timer_start(&c->timer, on_timer, next > now ? next - now : 0, 0);
}

/* coordinator.h's contract. */
void kfk__coord_settle(coord_t *c) {
    if (!c)
        return;
    rearm(c);
    flush(c);
}

static void on_timer(uv_timer_t *t) {
    coord_t *c = t->data;
    uint64_t now = now_ms(c);
    for (group_t *g = c->groups; g; g = g->next)
        while (group_tick(c, g, now))
            ;
    kfk__coord_settle(c);
}

/* ---- handlers ------------------------------------------------------------------------------- */

/* coordinator.h's contract. */
int16_t kfk__coord_check(coord_t *c, kfk__mreq_t *req, kfk_str_t gid, int offsets) {
    if (gid.len < 0 || (!offsets && gid.len == 0))
        return KFK_ERR_INVALID_GROUP_ID;
    if (!c)
        return KFK_ERR_COORDINATOR_NOT_AVAILABLE;
    kfk__mbroker_t *b = kfk__mock_coordinator(req->m, gid.len ? gid.ptr : "", (size_t)gid.len);
    if (!b)
        return KFK_ERR_COORDINATOR_NOT_AVAILABLE;
    if (req->broker && b != req->broker)
        return KFK_ERR_NOT_COORDINATOR;
    return 0;
}

static int join(coord_t *c, kfk__mreq_t *req, void **resp) {
    const kfk_join_group_request_t *rq = req->body;
    int16_t v = req->hdr.api_version;
    kfk_str_t instance = v >= 5 ? rq->group_instance_id : (kfk_str_t){NULL, -1};
    int16_t err =
        kfk__mock_fault_error(req->m, KFK_API_JOIN_GROUP, kfk__coord_broker_id(req), NULL, 0, -1);
    if (!err)
        err = kfk__coord_check(c, req, rq->group_id, 0);
    if (!err && (rq->session_timeout_ms <= 0 || rq->session_timeout_ms > MAX_SESSION_TIMEOUT_MS))
        err = KFK_ERR_INVALID_SESSION_TIMEOUT;
    group_t *g = NULL;
    int unknown = rq->member_id.len <= 0;
    if (!err && !(g = group_find(c, rq->group_id))) {
        if (!unknown)
            err = KFK_ERR_UNKNOWN_MEMBER_ID;
        else if (!(g = group_new(c, rq->group_id)))
            err = KFK_ERR_COORDINATOR_NOT_AVAILABLE;
    }
    if (!err && g->state == KFK__CG_DEAD)
        err = KFK_ERR_COORDINATOR_NOT_AVAILABLE;
    if (!err && !supports_protocols(g, rq))
        err = KFK_ERR_INCONSISTENT_GROUP_PROTOCOL;
    if (err) {
        *resp = join_error(req, err, rq->member_id);
        return KFK__MOCK_REPLY;
    }
    int32_t rebalance_ms =
        v >= 1 && rq->rebalance_timeout_ms > 0 ? rq->rebalance_timeout_ms : rq->session_timeout_ms;
    if (unknown) {
        /* A new member: its id, then MEMBER_ID_REQUIRED (v4+, dynamic) or straight in. */
        kfk_str_t prefix = instance.len >= 0 ? instance : req->hdr.client_id;
        char *id = member_id_new(c, prefix);
        member_t *old = kfk__coord_static_member(g, instance);
        if (!id) {
            *resp = join_error(req, KFK_ERR_COORDINATOR_NOT_AVAILABLE, rq->member_id);
            return KFK__MOCK_REPLY;
        }
        if (old) {
            /* Kafka's updateStaticMemberAndRebalance: the new id replaces the old one. */
            kfk_str_t old_leader = kfk__coord_astr(req, g->leader ? g->leader->id : NULL);
            if (member_update(c, old, NULL, rq, rebalance_ms) != 0) {
                kfk__free(id);
                *resp = join_error(req, KFK_ERR_COORDINATOR_NOT_AVAILABLE, rq->member_id);
                return KFK__MOCK_REPLY;
            }
            /* What the old id waits for is fenced (Kafka's replaceStaticMember). */
            if (old->join_req)
                kfk__coord_post(c, old->join_req,
                                join_error(old->join_req, KFK_ERR_FENCED_INSTANCE_ID,
                                           kfk__coord_astr(req, old->id)));
            if (old->sync_req)
                kfk__coord_post(
                    c, old->sync_req,
                    kfk__coord_sync_answer(old->sync_req, g, KFK_ERR_FENCED_INSTANCE_ID, NULL));
            old->sync_req = NULL;
            old->join_req = req;
            kfk__free(old->id);
            old->id = id;
            kfk__coord_heartbeat_reset(c, old);
            if (g->state == KFK__CG_STABLE) {
                const char *sel = select_protocol(g);
                if (sel && g->protocol_name && strcmp(sel, g->protocol_name) == 0) {
                    old->join_req = NULL;
                    kfk_join_group_response_t *rs = join_ok(req, g, old, 0, NULL);
                    if (rs)
                        rs->leader = old_leader.len >= 0 ? old_leader : (kfk_str_t){"", 0};
                    *resp = rs;
                    return KFK__MOCK_REPLY;
                }
                maybe_prepare_rebalance(c, g);
            } else if (g->state == KFK__CG_COMPLETING) {
                kfk__coord_prepare_rebalance(c, g);
            }
            return KFK__MOCK_LATER;
        }
        if (instance.len < 0 && v >= 4) {
            pending_t *p = kfk__calloc(1, sizeof *p);
            if (!p) {
                kfk__free(id);
                *resp = join_error(req, KFK_ERR_COORDINATOR_NOT_AVAILABLE, rq->member_id);
                return KFK__MOCK_REPLY;
            }
            p->id = id;
            p->deadline = now_ms(c) + (uint64_t)rq->session_timeout_ms;
            p->next = g->pending;
            g->pending = p;
            *resp = join_error(req, KFK_ERR_MEMBER_ID_REQUIRED, kfk__coord_astr(req, id));
            return KFK__MOCK_REPLY;
        }
        member_t *mb = member_new(rq, id, instance, rebalance_ms);
        if (!mb) {
            kfk__free(id);
            *resp = join_error(req, KFK_ERR_COORDINATOR_NOT_AVAILABLE, rq->member_id);
            return KFK__MOCK_REPLY;
        }
        member_add(c, g, mb, req, rq);
        return KFK__MOCK_LATER;
    }

    /* A member that knows its id (Kafka's doCurrentMemberJoinGroup). */
    pending_t *p = kfk__coord_pending_find(g, rq->member_id);
    if (p && instance.len < 0) {
        char *id = kfk__coord_strdup(rq->member_id);
        member_t *mb = id ? member_new(rq, id, instance, rebalance_ms) : NULL;
        if (!mb) {
            kfk__free(id);
            *resp = join_error(req, KFK_ERR_COORDINATOR_NOT_AVAILABLE, rq->member_id);
            return KFK__MOCK_REPLY;
        }
        member_add(c, g, mb, req, rq);
        return KFK__MOCK_LATER;
    }
    err = kfk__coord_validate_member(g, rq->member_id, instance);
    member_t *mb = err ? NULL : kfk__coord_member_find(g, rq->member_id);
    if (!err && (g->state == KFK__CG_EMPTY || g->state == KFK__CG_DEAD))
        err = KFK_ERR_UNKNOWN_MEMBER_ID;
    if (err) {
        *resp = join_error(req, err, rq->member_id);
        return KFK__MOCK_REPLY;
    }
    int same = member_matches(mb, rq);
    if ((g->state == KFK__CG_COMPLETING && same) ||
        (g->state == KFK__CG_STABLE && same && mb != g->leader)) {
        /* The current generation again (a lost answer, or a follower with nothing new). */
        *resp =
            join_ok(req, g, mb, g->state == KFK__CG_COMPLETING && mb == g->leader, g->leader->id);
        return KFK__MOCK_REPLY;
    }
    if (member_update(c, mb, req, rq, rebalance_ms) != 0) {
        *resp = join_error(req, KFK_ERR_COORDINATOR_NOT_AVAILABLE, rq->member_id);
        return KFK__MOCK_REPLY;
    }
    maybe_prepare_rebalance(c, g);
    return KFK__MOCK_LATER;
}

/*
 * JoinGroup v0-7 (mock_int.h's handler contract). Answers at once with an error,
 * MEMBER_ID_REQUIRED (a dynamic new member, v4+) or the current generation; otherwise holds
 * the request (KFK__MOCK_LATER) until the join phase ends.
 */
int kfk__mock_join_group(kfk__mreq_t *req, void **resp) {
    coord_t *c = kfk__coord_of(req->m);
    int r = join(c, req, resp);
    kfk__coord_settle(c);
    return r;
}

/* ---- for the other two files (contracts in coordinator.h) --------------------------------- */

/* coordinator.h's contract. */
kfk__cgroup_t *kfk__coord_groups(kfk__coord_t *c) {
    return c ? c->groups : NULL;
}

/* coordinator.h's contract. */
kfk__cgroup_t *kfk__coord_group(kfk__coord_t *c, kfk_str_t id, int create) {
    group_t *g = c ? group_find(c, id) : NULL;
    return g || !create || !c ? g : group_new(c, id);
}

/* coordinator.h's contract. */
kfk__coffsets_t *kfk__coord_offsets(kfk__cgroup_t *g) {
    return &g->offsets;
}

/* ---- close ---------------------------------------------------------------------------------- */

static void group_free(group_t *g) {
    while (g->members) {
        member_t *mb = g->members;
        g->members = mb->next;
        member_free(mb);
    }
    while (g->pending)
        kfk__coord_pending_remove(g, g->pending);
    kfk__coffsets_free(&g->offsets);
    kfk__free(g->protocol_type);
    kfk__free(g->protocol_name);
    kfk__free(g->id);
    kfk__free(g);
}

static void on_timer_closed(uv_handle_t *h) {
    coord_t *c = h->data;
    kfk_mock_t *m = c->m;
    kfk__free(c);
    kfk__mock_release(m);
}

/*
 * Module shutdown (mock_int.h): every held JoinGroup and SyncGroup and every queued answer is
 * dropped (kfk__mock_reply(req, NULL)), the groups are freed and the timer closes (its close
 * callback releases the mock's hold). Called once, by kfk_mock_close.
 */
void kfk__mock_coord_close(kfk_mock_t *m) {
    coord_t *c = m->coord_state;
    if (!c)
        return;
    m->coord_state = NULL;
    for (group_t *g = c->groups; g; g = g->next)
        for (member_t *mb = g->members; mb; mb = mb->next) {
            if (mb->join_req)
                kfk__coord_post(c, mb->join_req, NULL);
            if (mb->sync_req)
                kfk__coord_post(c, mb->sync_req, NULL);
            mb->join_req = mb->sync_req = NULL;
        }
    for (outmsg_t *o = c->out_head; o; o = o->next)
        o->resp = NULL;
    while (c->groups) {
        group_t *g = c->groups;
        c->groups = g->next;
        group_free(g);
    }
    flush(c);
    uv_timer_stop(&c->timer);
    uv_close((uv_handle_t *)&c->timer, on_timer_closed);
}
