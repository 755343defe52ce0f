/*
 * admin_delete.c: deleting consumer groups (DeleteGroups v0-2 at each group's coordinator) and
 * a group's committed offsets of some partitions (OffsetDelete v0), on admin_groups.c's engine.
 * Kafka refuses to delete a group with members (NON_EMPTY_GROUP) and the offsets of a topic a
 * member is subscribed to (GROUP_SUBSCRIBED_TO_TOPIC); both reach the caller with the cause.
 */
#include <stdio.h>
#include <string.h>

#include "client/admin/admin_groups.h"
#include "protocol/mem.h"

/* ---- DeleteGroups --------------------------------------------------------------------------- */

kfk_err_t kfk__gop_send_delete(sub_t *s, kfk__broker_t *b) {
    gop_t *op = s->op;
    kfk_str_t g = kfk_str_c(op->groups[s->group]);
    kfk_delete_groups_request_t req;
    memset(&req, 0, sizeof req);
    req.groups_names = (kfk_array_t){&g, 1};
    return kfk__broker_request(b, KFK_API_DELETE_GROUPS, &req, 0, kfk__gop_time_left(op),
                               kfk__gop_on_response, s);
}

void kfk__gop_handle_delete(sub_t *s, const kfk__resp_t *r) {
    gop_t *op = s->op;
    const kfk_delete_groups_response_t *body = r->body;
    for (int32_t i = 0; i < body->results.count; i++) {
        const kfk_delete_groups_response_deletable_group_result_t *g =
            &KFK_ARRAY_AT(body->results, kfk_delete_groups_response_deletable_group_result_t, i);
        if (!kfk__gop_str_is(g->group_id, op->groups[s->group]))
            continue;
        kfk_err_t err = (kfk_err_t)g->error_code;
        if (kfk__gop_coord_retry(err)) {
            kfk__gop_cause(op, err, "DeleteGroups answered %s for group %s", kfk_err_name(err),
                           op->groups[s->group]);
            return;
        }
        op->gres[s->group].err = err;
        op->item_done[s->group] = 1;
        return;
    }
    kfk__gop_cause(op, KFK_ERR__BAD_MSG, "DeleteGroups from broker %d did not answer for group %s",
                   s->node_id, op->groups[s->group]);
}

kfk_err_t kfk_admin_delete_groups(kfk_admin_t *a, const char *const *groups, size_t n,
                                  const kfk_admin_opts_t *opts, kfk_groups_cb cb, void *opaque) {
    kfk_err_t err;
    if (!n || !groups)
        return a && !a->closing ? KFK_ERR__INVALID_ARG : KFK_ERR__DESTROYED;
    gop_t *op = kfk__gop_new(a, G_DELETE, opts, (void (*)(void))cb, opaque, &err);
    if (!op)
        return err;
    op->gres = kfk_arena_alloc(&op->mem, n * sizeof *op->gres);
    op->item_done = kfk_arena_alloc(&op->mem, n);
    if (!op->gres || !op->item_done) {
        kfk__gop_free(op);
        return KFK_ERR__NOMEM;
    }
    if (kfk__gop_copy_strings(op, groups, n, &op->groups) != 0) {
        kfk__gop_free(op);
        return KFK_ERR__INVALID_ARG;
    }
    op->group_cnt = n;
    for (size_t i = 0; i < n; i++)
        op->gres[i].group_id = op->groups[i];
    return kfk__gop_start(op);
}

/* ---- OffsetDelete --------------------------------------------------------------------------- */

kfk_err_t kfk__gop_send_offset_delete(sub_t *s, kfk__broker_t *b) {
    gop_t *op = s->op;
    size_t n = op->off_cnt;
    kfk_offset_delete_request_topic_t *ts = kfk__calloc(n + 1, sizeof *ts);
    kfk_offset_delete_request_partition_t *ps = kfk__calloc(n + 1, sizeof *ps);
    if (!ts || !ps) {
        kfk__free(ts);
        kfk__free(ps);
        return KFK_ERR__NOMEM;
    }
    /* Pending partitions grouped by topic, in the order the topics first appear. */
    size_t nt = 0, np = 0;
    for (size_t i = 0; i < n; i++) {
        const kfk_partition_offset_t *o = &op->offs[i];
        int seen = 0;
        for (size_t k = 0; k < nt && !seen; k++)
            seen = kfk__gop_str_is(ts[k].name, o->topic);
        if (op->item_done[i] || seen)
            continue;
        ts[nt].name = kfk_str_c(o->topic);
        ts[nt].partitions.items = ps + np;
        for (size_t j = i; j < n; j++)
            if (!op->item_done[j] && !strcmp(op->offs[j].topic, o->topic)) {
                ps[np++].partition_index = op->offs[j].partition;
                ts[nt].partitions.count++;
            }
        nt++;
    }
    kfk_offset_delete_request_t req;
    memset(&req, 0, sizeof req);
    req.group_id = kfk_str_c(op->groups[0]);
    req.topics = (kfk_array_t){ts, (int32_t)nt};
    kfk_err_t e = kfk__broker_request(b, KFK_API_OFFSET_DELETE, &req, 0, kfk__gop_time_left(op),
                                      kfk__gop_on_response, s);
    kfk__free(ts);
    kfk__free(ps);
    return e;
}

void kfk__gop_handle_offset_delete(sub_t *s, const kfk__resp_t *r) {
    gop_t *op = s->op;
    const kfk_offset_delete_response_t *body = r->body;
    kfk_err_t err = (kfk_err_t)body->error_code;
    if (err) {
        char why[400];
        kfk__resp_cause(r, err, why, sizeof why);
        kfk__gop_cause(op, err, "group %s: %s", op->groups[0], why);
        if (!kfk__gop_coord_retry(err))
            op->fatal = err;
        return;
    }
    for (int32_t i = 0; i < body->topics.count; i++) {
        const kfk_offset_delete_response_topic_t *t =
            &KFK_ARRAY_AT(body->topics, kfk_offset_delete_response_topic_t, i);
        for (int32_t k = 0; k < t->partitions.count; k++) {
            const kfk_offset_delete_response_partition_t *p =
                &KFK_ARRAY_AT(t->partitions, kfk_offset_delete_response_partition_t, k);
            kfk__gop_answer(op, s, "OffsetDelete", t->name, p->partition_index, p->error_code,
                            kfk__gop_coord_retry);
        }
    }
    kfk__gop_unanswered(op, s, "OffsetDelete");
}

kfk_err_t kfk_admin_delete_group_offsets(kfk_admin_t *a, const char *group,
                                         const kfk_partition_offset_t *parts, size_t n,
                                         const kfk_admin_opts_t *opts, kfk_offsets_cb cb,
                                         void *opaque) {
    kfk_err_t err;
    if (!n || !parts)
        return a && !a->closing ? KFK_ERR__INVALID_ARG : KFK_ERR__DESTROYED;
    gop_t *op = kfk__gop_group_op(a, G_OFFSET_DELETE, group, n, opts, cb, opaque, &err);
    if (!op)
        return err;
    if (kfk__gop_copy_partitions(op, parts, n) != 0) {
        kfk__gop_free(op);
        return KFK_ERR__INVALID_ARG;
    }
    for (size_t i = 0; i < n; i++) {
        op->offs[i].offset = -1;
        op->offs[i].leader_epoch = -1;
        op->offs[i].timestamp = -1;
        op->offs[i].metadata = NULL;
    }
    return kfk__gop_start(op);
}
