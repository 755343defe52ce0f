/*
 * admin_cgroups.c: describing a group of the consumer group protocol (KIP-848) with
 * ConsumerGroupDescribe (key 69, v0-1). Kafka 4's DescribeGroups answers GROUP_ID_NOT_FOUND
 * for such a group ("not a classic group"); admin_groups.c then asks this at the same
 * coordinator and the group comes back with type "consumer", the server-side assignor as its
 * protocol and each member's current assignment by topic name.
 */
#include <string.h>

#include "client/admin/admin_groups.h"

kfk_err_t kfk__gop_send_cg_describe(sub_t *s, kfk__broker_t *b) {
    gop_t *op = s->op;
    kfk_str_t g = kfk_str_c(op->groups[s->group]);
    kfk_consumer_group_describe_request_t req;
    memset(&req, 0, sizeof req);
    req.group_ids = (kfk_array_t){&g, 1};
    return kfk__broker_request(b, KFK_API_CONSUMER_GROUP_DESCRIBE, &req, 0, kfk__gop_time_left(op),
                               kfk__gop_on_response, s);
}

/* The member's assignment into the call's arena; 0 or -1 (no memory). */
static int copy_assignment(gop_t *op, const kfk_consumer_group_describe_response_assignment_t *a,
                           kfk_group_member_t *m) {
    size_t n = a->topic_partitions.count > 0 ? (size_t)a->topic_partitions.count : 0;
    kfk_topic_partitions_t *tp = kfk_arena_alloc(&op->mem, (n + 1) * sizeof *tp);
    if (!tp)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const kfk_consumer_group_describe_response_topic_partitions_t *t = &KFK_ARRAY_AT(
            a->topic_partitions, kfk_consumer_group_describe_response_topic_partitions_t, i);
        size_t np = t->partitions.count > 0 ? (size_t)t->partitions.count : 0;
        int32_t *ps = kfk_arena_alloc(&op->mem, (np + 1) * sizeof *ps);
        tp[i].topic = kfk__gop_astr(op, t->topic_name);
        if (!ps || !tp[i].topic)
            return -1;
        if (np)
            memcpy(ps, t->partitions.items, np * sizeof *ps);
        tp[i].partitions = ps;
        tp[i].partition_cnt = (int32_t)np;
    }
    m->assignment = tp;
    m->assignment_cnt = n;
    return 0;
}

void kfk__gop_handle_cg_describe(sub_t *s, const kfk__resp_t *r) {
    gop_t *op = s->op;
    const kfk_consumer_group_describe_response_t *body = r->body;
    kfk_group_description_t *d = &op->descs[s->group];
    const kfk_consumer_group_describe_response_described_group_t *g = NULL;
    for (int32_t i = 0; i < body->groups.count && !g; i++) {
        const kfk_consumer_group_describe_response_described_group_t *x =
            &KFK_ARRAY_AT(body->groups, kfk_consumer_group_describe_response_described_group_t, i);
        if (kfk__gop_str_is(x->group_id, op->groups[s->group]))
            g = x;
    }
    if (!g) {
        kfk__gop_cause(op, KFK_ERR__BAD_MSG,
                       "ConsumerGroupDescribe from broker %d did not describe group %s", s->node_id,
                       op->groups[s->group]);
        return;
    }
    kfk_err_t err = (kfk_err_t)g->error_code;
    d->coordinator = s->node_id;
    if (kfk__gop_coord_retry(err)) {
        kfk__gop_cause(op, err, "ConsumerGroupDescribe answered %s for group %s", kfk_err_name(err),
                       op->groups[s->group]);
        return;
    }
    op->item_done[s->group] = 1;
    d->err = err;
    d->error_message = g->error_message.len >= 0 ? kfk__gop_astr(op, g->error_message) : NULL;
    d->state = kfk__gop_astr(op, g->group_state);
    d->protocol_type = "consumer";
    d->protocol = kfk__gop_astr(op, g->assignor_name);
    d->type = err ? "" : "consumer";
    size_t n = g->members.count > 0 ? (size_t)g->members.count : 0;
    kfk_group_member_t *ms = kfk_arena_alloc(&op->mem, (n + 1) * sizeof *ms);
    if (!d->state || !d->protocol || !ms) {
        op->fatal = KFK_ERR__NOMEM;
        return;
    }
    memset(ms, 0, (n + 1) * sizeof *ms);
    for (size_t i = 0; i < n; i++) {
        const kfk_consumer_group_describe_response_member_t *m =
            &KFK_ARRAY_AT(g->members, kfk_consumer_group_describe_response_member_t, i);
        ms[i].member_id = kfk__gop_astr(op, m->member_id);
        ms[i].instance_id = m->instance_id.len >= 0 ? kfk__gop_astr(op, m->instance_id) : NULL;
        ms[i].client_id = kfk__gop_astr(op, m->client_id);
        ms[i].host = kfk__gop_astr(op, m->client_host);
        if (!ms[i].member_id || !ms[i].client_id || !ms[i].host ||
            copy_assignment(op, &m->assignment, &ms[i]) != 0) {
            op->fatal = KFK_ERR__NOMEM;
            return;
        }
    }
    d->members = ms;
    d->member_cnt = n;
}
