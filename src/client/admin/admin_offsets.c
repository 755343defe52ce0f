/*
 * admin_offsets.c: the admin client's offset calls on admin_groups.c's engine: a group's
 * committed offsets (OffsetFetch v2-7 with null topics: every partition it committed), altering
 * them (OffsetCommit v2-8 with generation -1 and no member id, as Java's
 * AdminClient.alterConsumerGroupOffsets; refused while the group has members) and ListOffsets
 * v1-7 at each partition's leader (earliest, latest, by timestamp, max timestamp from v7).
 */
#include <stdio.h>
#include <string.h>

#include "client/admin/admin_groups.h"
#include "protocol/mem.h"

/* The alter call's outcome: its first partition error, named. */
kfk_err_t kfk__gop_commit_outcome(gop_t *op) {
    for (size_t i = 0; i < op->off_cnt; i++) {
        kfk_err_t e = op->offs[i].err;
        if (!e)
            continue;
        const char *api = op->kind == G_COMMIT ? "OffsetCommit" : "OffsetDelete";
        if (op->kind == G_COMMIT &&
            (e == KFK_ERR_UNKNOWN_MEMBER_ID || e == KFK_ERR_ILLEGAL_GENERATION ||
             e == KFK_ERR_REBALANCE_IN_PROGRESS))
            kfk__gop_cause(
                op, e,
                "group %s has active members: OffsetCommit answered %s (a group's offsets can "
                "be altered only while it has no members)",
                op->groups[0], kfk_err_name(e));
        else if (e == KFK_ERR_GROUP_SUBSCRIBED_TO_TOPIC)
            kfk__gop_cause(op, e,
                           "group %s has members subscribed to %s: OffsetDelete answered %s (a "
                           "topic's offsets can be deleted only while no member consumes it)",
                           op->groups[0], op->offs[i].topic, kfk_err_name(e));
        else
            kfk__gop_cause(op, e, "%s answered %s for %s [%d] of group %s", api, kfk_err_name(e),
                           op->offs[i].topic, op->offs[i].partition, op->groups[0]);
        return e;
    }
    return KFK_ERR_NONE;
}

/* The partition @p id of @p t, or NULL. */
static const kfk__partition_md_t *partition_md(const kfk__topic_md_t *t, int32_t id) {
    for (int32_t k = 0; t && k < t->partition_cnt; k++)
        if (t->partitions[k].id == id)
            return &t->partitions[k];
    return NULL;
}

/* Whether sub @p s asks for the partition of item @p item already. */
static int sub_has(const gop_t *op, const sub_t *s, size_t item) {
    const kfk_partition_offset_t *o = &op->offs[item];
    for (size_t k = 0; k < s->item_cnt; k++) {
        const kfk_partition_offset_t *q = &op->offs[s->items[k]];
        if (q->partition == o->partition && !strcmp(q->topic, o->topic))
            return 1;
    }
    return 0;
}

/* Adds partition @p item to a sub of @p leader in @p subs: one that does not ask for that
 * partition yet (Kafka answers INVALID_REQUEST to a ListOffsets naming a partition twice, so
 * two queries of one partition go in two requests); -1: no memory. */
static int add_to_leader(const gop_t *op, sub_t *subs, size_t *n, int32_t leader, size_t item,
                         size_t cap) {
    sub_t *s = NULL;
    for (size_t i = 0; i < *n && !s; i++)
        if (subs[i].node_id == leader && !sub_has(op, &subs[i], item))
            s = &subs[i];
    if (!s) {
        s = &subs[(*n)++];
        s->node_id = leader;
        s->items = kfk__calloc(cap, sizeof *s->items);
        if (!s->items)
            return -1;
    }
    s->items[s->item_cnt++] = item;
    return 0;
}

/* ListOffsets: groups the pending partitions by leader; settles those the metadata rules out. */
int kfk__gop_plan_list_offsets(gop_t *op, sub_t *subs, size_t *n) {
    kfk__client_t *cl = op->admin->cl;
    for (size_t i = 0; i < op->off_cnt; i++) {
        if (op->item_done[i])
            continue;
        kfk_partition_offset_t *o = &op->offs[i];
        const kfk__topic_md_t *t = kfk__client_topic(cl, o->topic);
        const kfk__partition_md_t *p = partition_md(t, o->partition);
        if (!t || t->err == KFK_ERR_UNKNOWN_TOPIC_OR_PARTITION || (!t->err && !p)) {
            o->err = KFK_ERR_UNKNOWN_TOPIC_OR_PARTITION;
            o->offset = -1;
            op->item_done[i] = 1;
            continue;
        }
        if (t->err || !p || p->leader < 0) {
            kfk__gop_cause(op, KFK_ERR_LEADER_NOT_AVAILABLE,
                           "no leader for %s [%d] in the metadata", o->topic, o->partition);
            continue;
        }
        if (add_to_leader(op, subs, n, p->leader, i, op->off_cnt) != 0)
            return -1;
    }
    return 0;
}

kfk_err_t kfk__gop_send_fetch(sub_t *s, kfk__broker_t *b) {
    gop_t *op = s->op;
    if (kfk__broker_version(b, KFK_API_OFFSET_FETCH) < 2)
        return KFK_ERR__NO_COMMON_VERSION; /* v1 cannot ask for every topic */
    kfk_offset_fetch_request_t req;
    memset(&req, 0, sizeof req);
    req.group_id = kfk_str_c(op->groups[0]);
    req.topics = (kfk_array_t){NULL, -1};
    return kfk__broker_request(b, KFK_API_OFFSET_FETCH, &req, 0, kfk__gop_time_left(op),
                               kfk__gop_on_response, s);
}

static kfk_partition_offset_t *add_offset(gop_t *op) {
    if (op->off_cnt == op->off_cap) {
        size_t cap = op->off_cap ? op->off_cap * 2 : 32;
        kfk_partition_offset_t *nv = kfk__realloc(op->offs, cap * sizeof *nv);
        if (!nv)
            return NULL;
        op->offs = nv;
        op->off_cap = cap;
    }
    kfk_partition_offset_t *o = &op->offs[op->off_cnt++];
    memset(o, 0, sizeof *o);
    return o;
}

void kfk__gop_handle_fetch(sub_t *s, const kfk__resp_t *r) {
    gop_t *op = s->op;
    const kfk_offset_fetch_response_t *body = r->body;
    kfk_err_t err = (kfk_err_t)body->error_code;
    if (err) {
        char why[400];
        kfk__resp_cause(r, err, why, sizeof why);
        kfk__gop_cause(op, err, "group %s: %s", op->groups[0], why);
        if (!kfk__gop_coord_retry(err))
            op->fatal = err;
        return;
    }
    op->off_cnt = 0;
    for (int32_t i = 0; i < body->topics.count; i++) {
        const kfk_offset_fetch_response_topic_t *t =
            &KFK_ARRAY_AT(body->topics, kfk_offset_fetch_response_topic_t, i);
        const char *topic = kfk__gop_astr(op, t->name);
        for (int32_t k = 0; topic && k < t->partitions.count; k++) {
            const kfk_offset_fetch_response_partition_t *p =
                &KFK_ARRAY_AT(t->partitions, kfk_offset_fetch_response_partition_t, k);
            kfk_partition_offset_t *o = add_offset(op);
            if (!o) {
                op->fatal = KFK_ERR__NOMEM;
                return;
            }
            o->topic = topic;
            o->partition = p->partition_index;
            o->offset = p->committed_offset;
            o->leader_epoch = r->version >= 5 ? p->committed_leader_epoch : -1;
            o->timestamp = -1;
            o->metadata = p->metadata.len >= 0 ? kfk__gop_astr(op, p->metadata) : NULL;
            o->err = (kfk_err_t)p->error_code;
        }
        if (!topic) {
            op->fatal = KFK_ERR__NOMEM;
            return;
        }
    }
    op->item_done[0] = 1;
}

kfk_err_t kfk__gop_send_commit(sub_t *s, kfk__broker_t *b) {
    gop_t *op = s->op;
    size_t n = 0;
    for (size_t i = 0; i < op->off_cnt; i++)
        n += !op->item_done[i];
    kfk_offset_commit_request_topic_t *ts = kfk__calloc(n + 1, sizeof *ts);
    kfk_offset_commit_request_partition_t *ps = kfk__calloc(n + 1, sizeof *ps);
    if (!ts || !ps) {
        kfk__free(ts);
        kfk__free(ps);
        return KFK_ERR__NOMEM;
    }
    /* Partitions grouped by topic, in the order the topics first appear. */
    size_t nt = 0, np = 0;
    for (size_t i = 0; i < op->off_cnt; i++) {
        const kfk_partition_offset_t *o = &op->offs[i];
        if (op->item_done[i])
            continue;
        int seen = 0;
        for (size_t k = 0; k < nt && !seen; k++)
            seen = kfk__gop_str_is(ts[k].name, o->topic);
        if (seen)
            continue;
        ts[nt].name = kfk_str_c(o->topic);
        ts[nt].partitions.items = ps + np;
        for (size_t j = i; j < op->off_cnt; j++) {
            const kfk_partition_offset_t *q = &op->offs[j];
            if (op->item_done[j] || strcmp(q->topic, o->topic))
                continue;
            ps[np].partition_index = q->partition;
            ps[np].committed_offset = q->offset;
            ps[np].committed_leader_epoch = q->leader_epoch;
            ps[np].committed_metadata = kfk_str_c(q->metadata ? q->metadata : "");
            np++;
            ts[nt].partitions.count++;
        }
        nt++;
    }
    kfk_offset_commit_request_t req;
    memset(&req, 0, sizeof req);
    req.group_id = kfk_str_c(op->groups[0]);
    req.generation_id_or_member_epoch = -1;
    req.member_id = kfk_str_c("");
    req.group_instance_id = (kfk_str_t){NULL, -1};
    req.retention_time_ms = -1;
    req.topics = (kfk_array_t){ts, (int32_t)nt};
    kfk_err_t e = kfk__broker_request(b, KFK_API_OFFSET_COMMIT, &req, 0, kfk__gop_time_left(op),
                                      kfk__gop_on_response, s);
    kfk__free(ts);
    kfk__free(ps);
    return e;
}

/* The pending item for @p topic / @p partition (commit and list offsets), or -1. */
long kfk__gop_find_item(const gop_t *op, const sub_t *s, kfk_str_t topic, int32_t partition) {
    size_t n = s->items ? s->item_cnt : op->off_cnt;
    for (size_t k = 0; k < n; k++) {
        size_t i = s->items ? s->items[k] : k;
        if (!op->item_done[i] && op->offs[i].partition == partition &&
            kfk__gop_str_is(topic, op->offs[i].topic))
            return (long)i;
    }
    return -1;
}

long kfk__gop_answer(gop_t *op, const sub_t *s, const char *api, kfk_str_t topic, int32_t partition,
                     int16_t code, int (*again)(kfk_err_t)) {
    long idx = kfk__gop_find_item(op, s, topic, partition);
    if (idx < 0)
        return -1;
    kfk_err_t err = (kfk_err_t)code;
    if (err && again(err)) {
        if (op->kind == G_COMMIT || op->kind == G_OFFSET_DELETE)
            kfk__gop_cause(op, err, "%s answered %s for %s [%d] of group %s from broker %d", api,
                           kfk_err_name(err), op->offs[idx].topic, op->offs[idx].partition,
                           op->groups[0], s->node_id);
        else
            kfk__gop_cause(op, err, "%s answered %s for %s [%d] from broker %d", api,
                           kfk_err_name(err), op->offs[idx].topic, op->offs[idx].partition,
                           s->node_id);
        return -1;
    }
    op->offs[idx].err = err;
    op->item_done[idx] = 1;
    return idx;
}

void kfk__gop_unanswered(gop_t *op, const sub_t *s, const char *api) {
    if (kfk__gop_pending(op) && !op->cause[0])
        kfk__gop_cause(op, KFK_ERR__BAD_MSG, "%s from broker %d left partitions unanswered", api,
                       s->node_id);
}

void kfk__gop_handle_commit(sub_t *s, const kfk__resp_t *r) {
    gop_t *op = s->op;
    const kfk_offset_commit_response_t *body = r->body;
    for (int32_t i = 0; i < body->topics.count; i++) {
        const kfk_offset_commit_response_topic_t *t =
            &KFK_ARRAY_AT(body->topics, kfk_offset_commit_response_topic_t, i);
        for (int32_t k = 0; k < t->partitions.count; k++) {
            const kfk_offset_commit_response_partition_t *p =
                &KFK_ARRAY_AT(t->partitions, kfk_offset_commit_response_partition_t, k);
            kfk__gop_answer(op, s, "OffsetCommit", t->name, p->partition_index, p->error_code,
                            kfk__gop_coord_retry);
        }
    }
    kfk__gop_unanswered(op, s, "OffsetCommit");
}

kfk_err_t kfk__gop_send_list_offsets(sub_t *s, kfk__broker_t *b) {
    gop_t *op = s->op;
    int16_t v = kfk__broker_version(b, KFK_API_LIST_OFFSETS);
    kfk_list_offsets_request_list_offsets_topic_t *ts = kfk__calloc(s->item_cnt + 1, sizeof *ts);
    kfk_list_offsets_request_list_offsets_partition_t *ps =
        kfk__calloc(s->item_cnt + 1, sizeof *ps);
    char *used = kfk__calloc(s->item_cnt + 1, 1);
    if (!ts || !ps || !used) {
        kfk__free(ts);
        kfk__free(ps);
        kfk__free(used);
        return KFK_ERR__NOMEM;
    }
    size_t nt = 0, np = 0;
    for (size_t k = 0; k < s->item_cnt; k++) {
        size_t i = s->items[k];
        if (used[k])
            continue;
        ts[nt].name = kfk_str_c(op->offs[i].topic);
        ts[nt].partitions.items = ps + np;
        for (size_t j = k; j < s->item_cnt; j++) {
            kfk_partition_offset_t *q = &op->offs[s->items[j]];
            if (used[j] || strcmp(q->topic, op->offs[i].topic))
                continue;
            used[j] = 1;
            if (q->offset == KFK_OFFSET_MAX_TIMESTAMP && v < 7) {
                q->err = KFK_ERR_UNSUPPORTED_VERSION; /* Kafka 3.0+ (ListOffsets v7) */
                q->offset = -1;
                op->item_done[s->items[j]] = 1;
                continue;
            }
            ps[np].partition_index = q->partition;
            ps[np].current_leader_epoch = -1;
            ps[np].timestamp = q->offset;
            np++;
            ts[nt].partitions.count++;
        }
        nt++;
    }
    kfk_list_offsets_request_t req;
    memset(&req, 0, sizeof req);
    req.replica_id = -1;
    req.isolation_level = 0;
    req.topics = (kfk_array_t){ts, (int32_t)nt};
    kfk_err_t e = kfk__broker_request(b, KFK_API_LIST_OFFSETS, &req, 0, kfk__gop_time_left(op),
                                      kfk__gop_on_response, s);
    kfk__free(ts);
    kfk__free(ps);
    kfk__free(used);
    return e;
}

void kfk__gop_handle_list_offsets(sub_t *s, const kfk__resp_t *r) {
    gop_t *op = s->op;
    const kfk_list_offsets_response_t *body = r->body;
    for (int32_t i = 0; i < body->topics.count; i++) {
        const kfk_list_offsets_response_list_offsets_topic_response_t *t =
            &KFK_ARRAY_AT(body->topics, kfk_list_offsets_response_list_offsets_topic_response_t, i);
        for (int32_t k = 0; k < t->partitions.count; k++) {
            const kfk_list_offsets_response_list_offsets_partition_response_t *p = &KFK_ARRAY_AT(
                t->partitions, kfk_list_offsets_response_list_offsets_partition_response_t, k);
            long idx = kfk__gop_answer(op, s, "ListOffsets", t->name, p->partition_index,
                                       p->error_code, kfk_err_is_retriable);
            if (idx < 0)
                continue;
            kfk_partition_offset_t *o = &op->offs[idx];
            kfk_err_t err = o->err;
            o->offset = err ? -1 : p->offset;
            o->timestamp = err ? -1 : p->timestamp;
            o->leader_epoch = err || r->version < 4 ? -1 : p->leader_epoch;
        }
    }
}

/* A call on one group (fetch, commit). */
gop_t *kfk__gop_group_op(kfk_admin_t *a, gkind_t kind, const char *group, size_t items,
                         const kfk_admin_opts_t *opts, kfk_offsets_cb cb, void *opaque,
                         kfk_err_t *err) {
    if (!group || !group[0]) {
        *err = a && !a->closing ? KFK_ERR__INVALID_ARG : KFK_ERR__DESTROYED;
        return NULL;
    }
    gop_t *op = kfk__gop_new(a, kind, opts, (void (*)(void))cb, opaque, err);
    if (!op)
        return NULL;
    op->item_done = kfk_arena_alloc(&op->mem, items + 1);
    if (!op->item_done || kfk__gop_copy_strings(op, &group, 1, &op->groups) != 0) {
        kfk__gop_free(op);
        *err = KFK_ERR__NOMEM;
        return NULL;
    }
    op->group_cnt = 1;
    return op;
}

kfk_err_t kfk_admin_list_group_offsets(kfk_admin_t *a, const char *group,
                                       const kfk_admin_opts_t *opts, kfk_offsets_cb cb,
                                       void *opaque) {
    kfk_err_t err;
    gop_t *op = kfk__gop_group_op(a, G_FETCH, group, 1, opts, cb, opaque, &err);
    return op ? kfk__gop_start(op) : err;
}

/* Copies @p n partitions into the call's items (offs); -1: no memory or a bad entry. */
int kfk__gop_copy_partitions(gop_t *op, const kfk_partition_offset_t *v, size_t n) {
    op->offs = kfk__calloc(n, sizeof *op->offs);
    if (!op->offs)
        return -1;
    op->off_cap = op->off_cnt = n;
    for (size_t i = 0; i < n; i++) {
        if (!v[i].topic || !v[i].topic[0] || v[i].partition < 0)
            return -1;
        op->offs[i] = v[i];
        op->offs[i].err = KFK_ERR_NONE;
        op->offs[i].topic = kfk__gop_acopy(op, v[i].topic);
        op->offs[i].metadata = v[i].metadata ? kfk__gop_acopy(op, v[i].metadata) : NULL;
        if (!op->offs[i].topic || (v[i].metadata && !op->offs[i].metadata))
            return -1;
    }
    return 0;
}

kfk_err_t kfk_admin_alter_group_offsets(kfk_admin_t *a, const char *group,
                                        const kfk_partition_offset_t *offsets, size_t n,
                                        const kfk_admin_opts_t *opts, kfk_offsets_cb cb,
                                        void *opaque) {
    kfk_err_t err;
    if (!n || !offsets)
        return a && !a->closing ? KFK_ERR__INVALID_ARG : KFK_ERR__DESTROYED;
    for (size_t i = 0; i < n; i++)
        if (offsets[i].offset < 0)
            return KFK_ERR__INVALID_ARG;
    gop_t *op = kfk__gop_group_op(a, G_COMMIT, group, n, opts, cb, opaque, &err);
    if (!op)
        return err;
    if (kfk__gop_copy_partitions(op, offsets, n) != 0) {
        kfk__gop_free(op);
        return KFK_ERR__INVALID_ARG;
    }
    return kfk__gop_start(op);
}

kfk_err_t kfk_admin_list_offsets(kfk_admin_t *a, const kfk_partition_offset_t *parts, size_t n,
                                 const kfk_admin_opts_t *opts, kfk_offsets_cb cb, void *opaque) {
    kfk_err_t err;
    if (!n || !parts)
        return a && !a->closing ? KFK_ERR__INVALID_ARG : KFK_ERR__DESTROYED;
    for (size_t i = 0; i < n; i++)
        if (parts[i].offset < KFK_OFFSET_MAX_TIMESTAMP)
            return KFK_ERR__INVALID_ARG;
    gop_t *op = kfk__gop_new(a, G_LIST_OFFSETS, opts, (void (*)(void))cb, opaque, &err);
    if (!op)
        return err;
    op->item_done = kfk_arena_alloc(&op->mem, n);
    op->topics = kfk_arena_alloc(&op->mem, n * sizeof *op->topics);
    if (!op->item_done || !op->topics || kfk__gop_copy_partitions(op, parts, n) != 0) {
        kfk__gop_free(op);
        return KFK_ERR__INVALID_ARG;
    }
    for (size_t i = 0; i < n; i++) {
        op->offs[i].metadata = NULL;
        op->offs[i].leader_epoch = -1;
        op->offs[i].timestamp = -1;
    }
    for (size_t i = 0; i < n; i++) {
        size_t k = 0;
        while (k < op->topic_cnt && strcmp(op->topics[k], op->offs[i].topic))
            k++;
        if (k == op->topic_cnt)
            op->topics[op->topic_cnt++] = (char *)op->offs[i].topic;
    }
    return kfk__gop_start(op);
}
