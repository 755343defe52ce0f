/*
 * coord_describe.c: the group coordinator's read-only APIs, as Kafka's GroupCoordinator answers
 * them for classic groups: DescribeGroups v0-6 (per group: its state name, protocol type, and
 * in a Stable group the chosen protocol with each member's metadata and assignment; otherwise
 * no protocol and members without them; an unknown group is "Dead" with no members) and
 * ListGroups v0-5 (the groups this broker coordinates, with their states and type "classic",
 * filtered by state and type from v4/v5). Group errors (INVALID_GROUP_ID, NOT_COORDINATOR, ...)
 * come from coordinator.c's checks; injected ones from fault.c first.
 */
#include <string.h>
#include <strings.h>

#include "mock/coordinator.h"

static const char *state_name(kfk__cgstate_t s) {
    switch (s) {
    case KFK__CG_EMPTY:
        return "Empty";
    case KFK__CG_PREPARING:
        return "PreparingRebalance";
    case KFK__CG_COMPLETING:
        return "CompletingRebalance";
    case KFK__CG_STABLE:
        return "Stable";
    default:
        return "Dead";
    }
}

static kfk_str_t str_or_empty(kfk__mreq_t *req, const char *s) {
    return kfk__coord_astr(req, s ? s : "");
}

/* The client id a member id was made from ("<client_id>-<uuid>", coordinator.c). */
static kfk_str_t client_of(kfk__mreq_t *req, const char *member_id) {
    size_t n = strlen(member_id);
    kfk_str_t s = kfk__coord_astr(req, member_id);
    if (n > 37 && member_id[n - 37] == '-' && s.len >= 37)
        s.len -= 37;
    return s;
}

/* The metadata @p mb sent for @p protocol (empty when none). */
static kfk_bytes_t meta_of(const kfk__cmember_t *mb, const char *protocol) {
    for (int32_t i = 0; protocol && i < mb->nprotos; i++)
        if (!strcmp(mb->protos[i].name, protocol))
            return (kfk_bytes_t){mb->protos[i].meta, mb->protos[i].meta_len};
    return (kfk_bytes_t){(const uint8_t *)"", 0};
}

/* Fills @p o for group @p gid; 0 or -1 (out of memory). */
static int describe_one(kfk__coord_t *c, kfk__mreq_t *req, kfk_str_t gid,
                        kfk_describe_groups_response_described_group_t *o) {
    o->group_id = gid;
    o->error_message = (kfk_str_t){NULL, -1};
    o->group_state = kfk__coord_astr(req, "");
    o->protocol_type = o->group_state;
    o->protocol_data = o->group_state;
    o->members = (kfk_array_t){NULL, 0};
    o->authorized_operations = INT32_MIN;
    o->error_code =
        kfk__mock_fault_error(req->m, req->hdr.api_key, kfk__coord_broker_id(req), NULL, 0, -1);
    if (!o->error_code)
        o->error_code = kfk__coord_check(c, req, gid, 0);
    if (o->error_code)
        return 0;
    kfk__cgroup_t *g = kfk__coord_group(c, gid, 0);
    o->group_state = kfk__coord_astr(req, g ? state_name(g->state) : "Dead");
    if (!g)
        return 0;
    int stable = g->state == KFK__CG_STABLE;
    o->protocol_type = str_or_empty(req, g->protocol_type);
    o->protocol_data = str_or_empty(req, stable ? g->protocol_name : NULL);
    kfk_describe_groups_response_described_group_member_t *ms =
        kfk_arena_alloc(&req->arena, (size_t)(g->nmembers > 0 ? g->nmembers : 1) * sizeof *ms);
    if (!ms)
        return -1;
    int32_t n = 0;
    for (const kfk__cmember_t *mb = g->members; mb && n < g->nmembers; mb = mb->next, n++) {
        kfk_describe_groups_response_described_group_member_t *d = &ms[n];
        memset(d, 0, sizeof *d);
        d->member_id = kfk__coord_astr(req, mb->id);
        d->group_instance_id =
            mb->instance ? kfk__coord_astr(req, mb->instance) : (kfk_str_t){NULL, -1};
        d->client_id = client_of(req, mb->id);
        d->client_host = kfk__coord_astr(req, "/127.0.0.1");
        d->member_metadata =
            stable ? meta_of(mb, g->protocol_name) : (kfk_bytes_t){(const uint8_t *)"", 0};
        d->member_assignment = stable && mb->assignment
                                   ? (kfk_bytes_t){mb->assignment, mb->assignment_len}
                                   : (kfk_bytes_t){(const uint8_t *)"", 0};
    }
    o->members = (kfk_array_t){ms, n};
    return 0;
}

int kfk__mock_describe_groups(kfk__mreq_t *req, void **resp) {
    const kfk_describe_groups_request_t *q = req->body;
    kfk__coord_t *c = kfk__coord_of(req->m);
    kfk_describe_groups_response_t *r = kfk_arena_alloc(&req->arena, sizeof *r);
    int32_t n = q->groups.count > 0 ? q->groups.count : 0;
    kfk_describe_groups_response_described_group_t *gs =
        kfk_arena_alloc(&req->arena, (size_t)(n > 0 ? n : 1) * sizeof *gs);
    if (!r || !gs)
        return KFK__MOCK_NO_REPLY;
    memset(r, 0, sizeof *r);
    for (int32_t i = 0; i < n; i++) {
        memset(&gs[i], 0, sizeof gs[i]);
        if (describe_one(c, req, KFK_ARRAY_AT(q->groups, kfk_str_t, i), &gs[i]) != 0)
            return KFK__MOCK_NO_REPLY;
    }
    r->groups = (kfk_array_t){gs, n};
    *resp = r;
    kfk__coord_settle(c);
    return KFK__MOCK_REPLY;
}

/* Whether @p name is in @p filter (case-insensitive, as Kafka); an empty filter takes all. */
static int in_filter(const kfk_array_t *filter, const char *name) {
    if (filter->count <= 0)
        return 1;
    size_t len = strlen(name);
    for (int32_t i = 0; i < filter->count; i++) {
        kfk_str_t f = KFK_ARRAY_AT(*filter, kfk_str_t, i);
        if (f.len >= 0 && (size_t)f.len == len && strncasecmp(f.ptr, name, len) == 0)
            return 1;
    }
    return 0;
}

int kfk__mock_list_groups(kfk__mreq_t *req, void **resp) {
    const kfk_list_groups_request_t *q = req->body;
    kfk_mock_t *m = req->m;
    kfk__coord_t *c = kfk__coord_of(m);
    kfk_list_groups_response_t *r = kfk_arena_alloc(&req->arena, sizeof *r);
    if (!r)
        return KFK__MOCK_NO_REPLY;
    memset(r, 0, sizeof *r);
    r->error_code =
        kfk__mock_fault_error(m, req->hdr.api_key, kfk__coord_broker_id(req), NULL, 0, -1);
    if (!r->error_code && !c)
        r->error_code = KFK_ERR_COORDINATOR_NOT_AVAILABLE;
    size_t n = 0;
    for (kfk__cgroup_t *g = r->error_code ? NULL : kfk__coord_groups(c); g; g = g->next)
        n++;
    kfk_list_groups_response_listed_group_t *gs =
        kfk_arena_alloc(&req->arena, (n > 0 ? n : 1) * sizeof *gs);
    if (!gs)
        return KFK__MOCK_NO_REPLY;
    int32_t k = 0;
    for (kfk__cgroup_t *g = r->error_code ? NULL : kfk__coord_groups(c); g; g = g->next) {
        kfk__mbroker_t *b = kfk__mock_coordinator(m, g->id, strlen(g->id));
        if (!b || b != req->broker)
            continue; /* another broker's */
        if (!in_filter(&q->states_filter, state_name(g->state)) ||
            !in_filter(&q->types_filter, "classic"))
            continue;
        kfk_list_groups_response_listed_group_t *o = &gs[k++];
        memset(o, 0, sizeof *o);
        o->group_id = kfk__coord_astr(req, g->id);
        o->protocol_type = str_or_empty(req, g->protocol_type);
        o->group_state = kfk__coord_astr(req, state_name(g->state));
        o->group_type = kfk__coord_astr(req, "classic");
    }
    r->groups = (kfk_array_t){gs, k};
    *resp = r;
    kfk__coord_settle(c);
    return KFK__MOCK_REPLY;
}
