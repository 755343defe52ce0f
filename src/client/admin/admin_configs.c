/*
 * admin_configs.c: the admin client's config, partition, record and cluster calls on
 * admin_groups.c's engine (rounds, retries, deadline): describe configs (DescribeConfigs v1-4)
 * and alter them (IncrementalAlterConfigs v0-1) of topics and brokers, one request per resource
 * (to the broker itself for a broker resource, to any broker for a topic); create partitions
 * (CreatePartitions v0-3 to any broker: Kafka's KRaft brokers forward it to the controller);
 * delete records (DeleteRecords v0-2 at each partition's leader, planned as ListOffsets is);
 * describe the cluster (DescribeCluster v0-2, Kafka 2.8+).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/admin/admin_groups.h"
#include "protocol/mem.h"

/* ---- the engine's hooks --------------------------------------------------------------------- */

size_t kfk__cop_pending(const gop_t *op) {
    size_t n = 0;
    switch (op->kind) {
    case G_DESCRIBE_CONFIGS:
    case G_ALTER_CONFIGS:
        for (size_t i = 0; i < op->cres_cnt; i++)
            n += !op->item_done[i];
        return n;
    case G_CREATE_PARTITIONS:
        for (size_t i = 0; i < op->tres_cnt; i++)
            n += !op->item_done[i];
        return n;
    default:
        return !op->item_done[0];
    }
}

size_t kfk__cop_sub_cap(const gop_t *op) {
    return op->kind == G_DESCRIBE_CONFIGS || op->kind == G_ALTER_CONFIGS ? op->cres_cnt : 1;
}

/* A broker resource's node id, or -1 for the cluster default ("") and any broker. */
static int32_t broker_of(const kfk_config_resource_t *r) {
    if (r->type != KFK_RESOURCE_BROKER || !r->name[0])
        return -1;
    return (int32_t)strtol(r->name, NULL, 10);
}

void kfk__cop_plan(gop_t *op, sub_t *subs, size_t *n) {
    if (op->kind != G_DESCRIBE_CONFIGS && op->kind != G_ALTER_CONFIGS) {
        subs[(*n)++].any = 1;
        return;
    }
    for (size_t i = 0; i < op->cres_cnt; i++) {
        if (op->item_done[i])
            continue;
        int32_t node = broker_of(&op->cres[i]);
        if (node >= 0 && !kfk__client_broker(op->admin->cl, node)) {
            /* The metadata was just refreshed (round_start): no such broker in the cluster. */
            op->cres[i].err = KFK_ERR_BROKER_NOT_AVAILABLE;
            op->cres[i].message = "no such broker in the cluster's metadata";
            op->item_done[i] = 1;
            continue;
        }
        subs[*n].group = i;
        subs[*n].any = node < 0;
        subs[*n].node_id = node;
        (*n)++;
    }
}

void kfk__cop_items_failed(sub_t *s, kfk_err_t err) {
    gop_t *op = s->op;
    switch (op->kind) {
    case G_DESCRIBE_CONFIGS:
    case G_ALTER_CONFIGS:
        op->cres[s->group].err = err;
        op->item_done[s->group] = 1;
        break;
    case G_CREATE_PARTITIONS:
        for (size_t i = 0; i < op->tres_cnt; i++)
            if (!op->item_done[i]) {
                op->tres[i].err = err;
                op->item_done[i] = 1;
            }
        break;
    default:
        op->fatal = err;
    }
}

/* ---- requests ------------------------------------------------------------------------------- */

static kfk_err_t send_describe_configs(sub_t *s, kfk__broker_t *b) {
    gop_t *op = s->op;
    const kfk_config_resource_t *res = &op->cres[s->group];
    kfk_describe_configs_request_describe_configs_resource_t r;
    memset(&r, 0, sizeof r);
    r.resource_type = res->type;
    r.resource_name = kfk_str_c(res->name);
    r.configuration_keys = (kfk_array_t){NULL, -1};
    kfk_describe_configs_request_t req;
    memset(&req, 0, sizeof req);
    req.resources = (kfk_array_t){&r, 1};
    return kfk__broker_request(b, KFK_API_DESCRIBE_CONFIGS, &req, 0, kfk__gop_time_left(op),
                               kfk__gop_on_response, s);
}

static kfk_err_t send_alter_configs(sub_t *s, kfk__broker_t *b) {
    gop_t *op = s->op;
    const kfk_config_resource_t *res = &op->cres[s->group];
    kfk_incremental_alter_configs_request_alterable_config_t *cs =
        kfk__calloc(op->cop_cnt + 1, sizeof *cs);
    if (!cs)
        return KFK_ERR__NOMEM;
    for (size_t i = 0; i < op->cop_cnt; i++) {
        cs[i].name = kfk_str_c(op->cops[i].name);
        cs[i].config_operation = (int8_t)op->cops[i].op;
        cs[i].value = op->cops[i].value ? kfk_str_c(op->cops[i].value) : (kfk_str_t){NULL, -1};
    }
    kfk_incremental_alter_configs_request_alter_configs_resource_t r;
    memset(&r, 0, sizeof r);
    r.resource_type = res->type;
    r.resource_name = kfk_str_c(res->name);
    r.configs = (kfk_array_t){cs, (int32_t)op->cop_cnt};
    kfk_incremental_alter_configs_request_t req;
    memset(&req, 0, sizeof req);
    req.resources = (kfk_array_t){&r, 1};
    kfk_err_t e = kfk__broker_request(b, KFK_API_INCREMENTAL_ALTER_CONFIGS, &req, 0,
                                      kfk__gop_time_left(op), kfk__gop_on_response, s);
    kfk__free(cs);
    return e;
}

static kfk_err_t send_create_partitions(sub_t *s, kfk__broker_t *b) {
    gop_t *op = s->op;
    kfk_create_partitions_request_create_partitions_topic_t *ts =
        kfk__calloc(op->tres_cnt + 1, sizeof *ts);
    if (!ts)
        return KFK_ERR__NOMEM;
    int32_t nt = 0;
    for (size_t i = 0; i < op->tres_cnt; i++) {
        if (op->item_done[i])
            continue;
        ts[nt].name = kfk_str_c(op->tres[i].name);
        ts[nt].count = op->counts[i];
        ts[nt].assignments = (kfk_array_t){NULL, -1};
        nt++;
    }
    kfk_create_partitions_request_t req;
    memset(&req, 0, sizeof req);
    req.topics = (kfk_array_t){ts, nt};
    req.timeout_ms = op->op_timeout_ms;
    kfk_err_t e = kfk__broker_request(b, KFK_API_CREATE_PARTITIONS, &req, 0, kfk__gop_time_left(op),
                                      kfk__gop_on_response, s);
    kfk__free(ts);
    return e;
}

static kfk_err_t send_delete_records(sub_t *s, kfk__broker_t *b) {
    gop_t *op = s->op;
    kfk_delete_records_request_delete_records_topic_t *ts =
        kfk__calloc(s->item_cnt + 1, sizeof *ts);
    kfk_delete_records_request_delete_records_partition_t *ps =
        kfk__calloc(s->item_cnt + 1, sizeof *ps);
    char *used = kfk__calloc(s->item_cnt + 1, 1);
    if (!ts || !ps || !used) {
        kfk__free(ts);
        kfk__free(ps);
        kfk__free(used);
        return KFK_ERR__NOMEM;
    }
    /* The sub's partitions grouped by topic. */
    size_t nt = 0, np = 0;
    for (size_t k = 0; k < s->item_cnt; k++) {
        if (used[k])
            continue;
        const char *topic = op->offs[s->items[k]].topic;
        ts[nt].name = kfk_str_c(topic);
        ts[nt].partitions.items = ps + np;
        for (size_t j = k; j < s->item_cnt; j++) {
            const kfk_partition_offset_t *q = &op->offs[s->items[j]];
            if (used[j] || strcmp(q->topic, topic))
                continue;
            used[j] = 1;
            ps[np].partition_index = q->partition;
            ps[np++].offset = q->offset;
            ts[nt].partitions.count++;
        }
        nt++;
    }
    kfk_delete_records_request_t req;
    memset(&req, 0, sizeof req);
    req.topics = (kfk_array_t){ts, (int32_t)nt};
    req.timeout_ms = op->op_timeout_ms;
    kfk_err_t e = kfk__broker_request(b, KFK_API_DELETE_RECORDS, &req, 0, kfk__gop_time_left(op),
                                      kfk__gop_on_response, s);
    kfk__free(ts);
    kfk__free(ps);
    kfk__free(used);
    return e;
}

static kfk_err_t send_describe_cluster(sub_t *s, kfk__broker_t *b) {
    gop_t *op = s->op;
    kfk_describe_cluster_request_t req;
    memset(&req, 0, sizeof req);
    req.endpoint_type = 1; /* brokers */
    return kfk__broker_request(b, KFK_API_DESCRIBE_CLUSTER, &req, 0, kfk__gop_time_left(op),
                               kfk__gop_on_response, s);
}

kfk_err_t kfk__cop_send(sub_t *s, kfk__broker_t *b) {
    s->node_id = b->node_id;
    switch (s->op->kind) {
    case G_DESCRIBE_CONFIGS:
        return send_describe_configs(s, b);
    case G_ALTER_CONFIGS:
        return send_alter_configs(s, b);
    case G_CREATE_PARTITIONS:
        return send_create_partitions(s, b);
    case G_DELETE_RECORDS:
        return send_delete_records(s, b);
    default:
        return send_describe_cluster(s, b);
    }
}

/* ---- answers -------------------------------------------------------------------------------- */

/* Whether a resource or partition error is worth another round (the item stays pending). A
 * topic that does not exist is final here, as in Java's AdminClient: the caller named it. */
static int again(kfk_err_t err) {
    return (kfk_err_is_retriable(err) && err != KFK_ERR_UNKNOWN_TOPIC_OR_PARTITION) ||
           err == KFK_ERR_NOT_CONTROLLER;
}

/* The message of an answer (NULL for null or empty) in the call's arena. */
static const char *message_of(gop_t *op, kfk_str_t m) {
    return m.len > 0 ? kfk__gop_astr(op, m) : NULL;
}

static void handle_describe_configs(sub_t *s, const kfk__resp_t *r) {
    gop_t *op = s->op;
    const kfk_describe_configs_response_t *body = r->body;
    kfk_config_resource_t *res = &op->cres[s->group];
    for (int32_t i = 0; i < body->results.count; i++) {
        const kfk_describe_configs_response_describe_configs_result_t *x = &KFK_ARRAY_AT(
            body->results, kfk_describe_configs_response_describe_configs_result_t, i);
        if (x->resource_type != res->type || !kfk__gop_str_is(x->resource_name, res->name))
            continue;
        kfk_err_t err = (kfk_err_t)x->error_code;
        if (again(err)) {
            kfk__gop_cause(op, err, "DescribeConfigs answered %s for %s %s", kfk_err_name(err),
                           res->type == KFK_RESOURCE_BROKER ? "broker" : "topic", res->name);
            return;
        }
        res->err = err;
        res->message = message_of(op, x->error_message);
        size_t n = x->configs.count > 0 ? (size_t)x->configs.count : 0;
        kfk_config_entry_t *es = kfk_arena_alloc(&op->mem, (n + 1) * sizeof *es);
        if (!es) {
            op->fatal = KFK_ERR__NOMEM;
            return;
        }
        for (size_t k = 0; k < n; k++) {
            const kfk_describe_configs_response_describe_configs_resource_result_t *c =
                &KFK_ARRAY_AT(x->configs,
                              kfk_describe_configs_response_describe_configs_resource_result_t, k);
            es[k].name = kfk__gop_astr(op, c->name);
            es[k].value = c->value.len >= 0 && c->value.ptr ? kfk__gop_astr(op, c->value) : NULL;
            es[k].source = c->config_source > 0 ? c->config_source : 0;
            es[k].read_only = c->read_only;
            es[k].is_sensitive = c->is_sensitive;
            es[k].is_default = c->config_source == KFK_CONFIG_SOURCE_DEFAULT;
            if (!es[k].name || (c->value.len > 0 && !es[k].value)) {
                op->fatal = KFK_ERR__NOMEM;
                return;
            }
        }
        res->entries = es;
        res->entry_cnt = n;
        op->item_done[s->group] = 1;
        return;
    }
    kfk__gop_cause(op, KFK_ERR__BAD_MSG, "DescribeConfigs from broker %d did not answer for %s",
                   s->node_id, res->name);
}

static void handle_alter_configs(sub_t *s, const kfk__resp_t *r) {
    gop_t *op = s->op;
    const kfk_incremental_alter_configs_response_t *body = r->body;
    kfk_config_resource_t *res = &op->cres[s->group];
    for (int32_t i = 0; i < body->responses.count; i++) {
        const kfk_incremental_alter_configs_response_alter_configs_resource_response_t *x =
            &KFK_ARRAY_AT(body->responses,
                          kfk_incremental_alter_configs_response_alter_configs_resource_response_t,
                          i);
        if (x->resource_type != res->type || !kfk__gop_str_is(x->resource_name, res->name))
            continue;
        kfk_err_t err = (kfk_err_t)x->error_code;
        if (again(err)) {
            kfk__gop_cause(op, err, "IncrementalAlterConfigs answered %s for %s", kfk_err_name(err),
                           res->name);
            return;
        }
        res->err = err;
        res->message = message_of(op, x->error_message);
        op->item_done[s->group] = 1;
        return;
    }
    kfk__gop_cause(op, KFK_ERR__BAD_MSG,
                   "IncrementalAlterConfigs from broker %d did not answer for %s", s->node_id,
                   res->name);
}

static void handle_create_partitions(sub_t *s, const kfk__resp_t *r) {
    gop_t *op = s->op;
    const kfk_create_partitions_response_t *body = r->body;
    for (int32_t i = 0; i < body->results.count; i++) {
        const kfk_create_partitions_response_create_partitions_topic_result_t *x = &KFK_ARRAY_AT(
            body->results, kfk_create_partitions_response_create_partitions_topic_result_t, i);
        for (size_t k = 0; k < op->tres_cnt; k++) {
            if (op->item_done[k] || !kfk__gop_str_is(x->name, op->tres[k].name))
                continue;
            kfk_err_t err = (kfk_err_t)x->error_code;
            if (again(err)) {
                kfk__gop_cause(op, err, "CreatePartitions answered %s for topic %s",
                               kfk_err_name(err), op->tres[k].name);
                break;
            }
            op->tres[k].err = err;
            op->tres[k].message = message_of(op, x->error_message);
            op->item_done[k] = 1;
        }
    }
    if (kfk__cop_pending(op) && !op->cause[0])
        kfk__gop_cause(op, KFK_ERR__BAD_MSG,
                       "CreatePartitions from broker %d left topics unanswered", s->node_id);
}

static void handle_delete_records(sub_t *s, const kfk__resp_t *r) {
    gop_t *op = s->op;
    const kfk_delete_records_response_t *body = r->body;
    for (int32_t i = 0; i < body->topics.count; i++) {
        const kfk_delete_records_response_delete_records_topic_result_t *t = &KFK_ARRAY_AT(
            body->topics, kfk_delete_records_response_delete_records_topic_result_t, i);
        for (int32_t k = 0; k < t->partitions.count; k++) {
            const kfk_delete_records_response_delete_records_partition_result_t *p = &KFK_ARRAY_AT(
                t->partitions, kfk_delete_records_response_delete_records_partition_result_t, k);
            long idx = kfk__gop_answer(op, s, "DeleteRecords", t->name, p->partition_index,
                                       p->error_code, again);
            if (idx >= 0)
                op->offs[idx].offset = op->offs[idx].err ? -1 : p->low_watermark;
        }
    }
}

static int cmp_broker(const void *x, const void *y) {
    const kfk_metadata_broker_t *a = x, *b = y;
    return (a->node_id > b->node_id) - (a->node_id < b->node_id);
}

static void handle_describe_cluster(sub_t *s, const kfk__resp_t *r) {
    gop_t *op = s->op;
    const kfk_describe_cluster_response_t *body = r->body;
    kfk_err_t err = (kfk_err_t)body->error_code;
    if (err) {
        char why[400];
        kfk__resp_cause(r, err, why, sizeof why);
        kfk__gop_cause(op, err, "DescribeCluster at broker %d: %s", s->node_id, why);
        if (!again(err))
            op->fatal = err;
        return;
    }
    size_t n = body->brokers.count > 0 ? (size_t)body->brokers.count : 0;
    kfk_metadata_broker_t *bs = kfk_arena_alloc(&op->mem, (n + 1) * sizeof *bs);
    kfk_cluster_t *c = kfk_arena_alloc(&op->mem, sizeof *c);
    if (!bs || !c) {
        op->fatal = KFK_ERR__NOMEM;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const kfk_describe_cluster_response_describe_cluster_broker_t *b = &KFK_ARRAY_AT(
            body->brokers, kfk_describe_cluster_response_describe_cluster_broker_t, i);
        bs[i].node_id = b->broker_id;
        bs[i].host = kfk__gop_astr(op, b->host);
        bs[i].port = b->port;
        bs[i].rack = b->rack.len >= 0 && b->rack.ptr ? kfk__gop_astr(op, b->rack) : NULL;
        if (!bs[i].host) {
            op->fatal = KFK_ERR__NOMEM;
            return;
        }
    }
    qsort(bs, n, sizeof *bs, cmp_broker);
    c->cluster_id = kfk__gop_astr(op, body->cluster_id);
    c->controller_id = body->controller_id;
    c->brokers = bs;
    c->broker_cnt = (int32_t)n;
    if (!c->cluster_id) {
        op->fatal = KFK_ERR__NOMEM;
        return;
    }
    op->cluster = c;
    op->item_done[0] = 1;
}

void kfk__cop_handle(sub_t *s, const kfk__resp_t *r) {
    switch (s->op->kind) {
    case G_DESCRIBE_CONFIGS:
        handle_describe_configs(s, r);
        break;
    case G_ALTER_CONFIGS:
        handle_alter_configs(s, r);
        break;
    case G_CREATE_PARTITIONS:
        handle_create_partitions(s, r);
        break;
    case G_DELETE_RECORDS:
        handle_delete_records(s, r);
        break;
    default:
        handle_describe_cluster(s, r);
    }
}

/* ---- the outcome ---------------------------------------------------------------------------- */

kfk_err_t kfk__cop_outcome(gop_t *op) {
    if (op->kind == G_ALTER_CONFIGS) {
        const kfk_config_resource_t *res = &op->cres[0];
        if (res->err)
            kfk__gop_cause(op, res->err, "IncrementalAlterConfigs of %s %s: %s%s%s",
                           res->type == KFK_RESOURCE_BROKER ? "broker" : "topic", res->name,
                           kfk_err_name(res->err), res->message ? ": " : "",
                           res->message ? res->message : "");
        return res->err;
    }
    if (op->kind != G_DELETE_RECORDS)
        return KFK_ERR_NONE;
    for (size_t i = 0; i < op->off_cnt; i++) {
        kfk_err_t e = op->offs[i].err;
        if (!e)
            continue;
        kfk__gop_cause(op, e, "DeleteRecords answered %s for %s [%d]", kfk_err_name(e),
                       op->offs[i].topic, op->offs[i].partition);
        return e;
    }
    return KFK_ERR_NONE;
}

void kfk__cop_deliver(gop_t *op, kfk_err_t err, int results) {
    kfk_admin_t *a = op->admin;
    switch (op->kind) {
    case G_DESCRIBE_CONFIGS:
    case G_ALTER_CONFIGS:
        ((kfk_configs_cb)op->cb)(a, err, results ? op->cres : NULL, results ? op->cres_cnt : 0,
                                 op->opaque);
        break;
    case G_CREATE_PARTITIONS:
        ((kfk_topics_cb)op->cb)(a, err, results ? op->tres : NULL, results ? op->tres_cnt : 0,
                                op->opaque);
        break;
    default:
        ((kfk_cluster_cb)op->cb)(a, err, results ? op->cluster : NULL, op->opaque);
    }
}

/* ---- the calls ------------------------------------------------------------------------------ */

/* opts->operation_timeout_ms, or 30000. */
static int32_t op_timeout(const kfk_admin_opts_t *opts) {
    if (opts &&
        opts->struct_size >= offsetof(kfk_admin_opts_t, operation_timeout_ms) + sizeof(int32_t) &&
        opts->operation_timeout_ms > 0)
        return opts->operation_timeout_ms;
    return 30000;
}

static kfk_err_t refuse(const kfk_admin_t *a) {
    return a && !a->closing ? KFK_ERR__INVALID_ARG : KFK_ERR__DESTROYED;
}

/* Copies @p n resources (type and name) into a new call's cres; -1: no memory or a bad one. */
static int copy_resources(gop_t *op, const kfk_config_resource_t *v, size_t n) {
    op->cres = kfk_arena_alloc(&op->mem, (n + 1) * sizeof *op->cres);
    op->item_done = kfk_arena_alloc(&op->mem, n + 1);
    if (!op->cres || !op->item_done)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (!v[i].name || (v[i].type != KFK_RESOURCE_TOPIC && v[i].type != KFK_RESOURCE_BROKER) ||
            (v[i].type == KFK_RESOURCE_TOPIC && !v[i].name[0]))
            return -1;
        if (v[i].type == KFK_RESOURCE_BROKER && v[i].name[0]) {
            char *end;
            long id = strtol(v[i].name, &end, 10);
            if (*end || id < 0 || id > INT32_MAX)
                return -1;
        }
        op->cres[i].type = v[i].type;
        if (!(op->cres[i].name = kfk__gop_acopy(op, v[i].name)))
            return -1;
    }
    op->cres_cnt = n;
    return 0;
}

kfk_err_t kfk_admin_describe_configs(kfk_admin_t *a, const kfk_config_resource_t *resources,
                                     size_t n, const kfk_admin_opts_t *opts, kfk_configs_cb cb,
                                     void *opaque) {
    kfk_err_t err;
    if (!n || !resources)
        return refuse(a);
    gop_t *op = kfk__gop_new(a, G_DESCRIBE_CONFIGS, opts, (void (*)(void))cb, opaque, &err);
    if (!op)
        return err;
    if (copy_resources(op, resources, n) != 0) {
        kfk__gop_free(op);
        return KFK_ERR__INVALID_ARG;
    }
    return kfk__gop_start(op);
}

kfk_err_t kfk_admin_incremental_alter_configs(kfk_admin_t *a, int8_t type, const char *name,
                                              const kfk_config_op_t *ops, size_t n,
                                              const kfk_admin_opts_t *opts, kfk_configs_cb cb,
                                              void *opaque) {
    kfk_err_t err;
    if (!n || !ops || !name)
        return refuse(a);
    for (size_t i = 0; i < n; i++)
        if (!ops[i].name || !ops[i].name[0] || ops[i].op < KFK_CONFIG_OP_SET ||
            ops[i].op > KFK_CONFIG_OP_SUBTRACT ||
            (ops[i].op != KFK_CONFIG_OP_DELETE && !ops[i].value))
            return refuse(a);
    gop_t *op = kfk__gop_new(a, G_ALTER_CONFIGS, opts, (void (*)(void))cb, opaque, &err);
    if (!op)
        return err;
    kfk_config_resource_t r = {.type = type, .name = name};
    op->cops = kfk_arena_alloc(&op->mem, (n + 1) * sizeof *op->cops);
    if (!op->cops || copy_resources(op, &r, 1) != 0) {
        kfk__gop_free(op);
        return KFK_ERR__INVALID_ARG;
    }
    for (size_t i = 0; i < n; i++) {
        op->cops[i].op = ops[i].op;
        op->cops[i].name = kfk__gop_acopy(op, ops[i].name);
        op->cops[i].value =
            ops[i].op == KFK_CONFIG_OP_DELETE ? NULL : kfk__gop_acopy(op, ops[i].value);
        if (!op->cops[i].name || (ops[i].op != KFK_CONFIG_OP_DELETE && !op->cops[i].value)) {
            kfk__gop_free(op);
            return KFK_ERR__NOMEM;
        }
    }
    op->cop_cnt = n;
    return kfk__gop_start(op);
}

kfk_err_t kfk_admin_create_partitions(kfk_admin_t *a, const kfk_new_partitions_t *topics, size_t n,
                                      const kfk_admin_opts_t *opts, kfk_topics_cb cb,
                                      void *opaque) {
    kfk_err_t err;
    if (!n || !topics)
        return refuse(a);
    for (size_t i = 0; i < n; i++)
        if (!topics[i].topic || !topics[i].topic[0] || topics[i].total_count < 1)
            return refuse(a);
    gop_t *op = kfk__gop_new(a, G_CREATE_PARTITIONS, opts, (void (*)(void))cb, opaque, &err);
    if (!op)
        return err;
    op->tres = kfk_arena_alloc(&op->mem, (n + 1) * sizeof *op->tres);
    op->counts = kfk_arena_alloc(&op->mem, (n + 1) * sizeof *op->counts);
    op->item_done = kfk_arena_alloc(&op->mem, n + 1);
    if (!op->tres || !op->counts || !op->item_done) {
        kfk__gop_free(op);
        return KFK_ERR__NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        op->counts[i] = topics[i].total_count;
        if (!(op->tres[i].name = kfk__gop_acopy(op, topics[i].topic))) {
            kfk__gop_free(op);
            return KFK_ERR__NOMEM;
        }
    }
    op->tres_cnt = n;
    op->op_timeout_ms = op_timeout(opts);
    return kfk__gop_start(op);
}

kfk_err_t kfk_admin_delete_records(kfk_admin_t *a, const kfk_partition_offset_t *parts, size_t n,
                                   const kfk_admin_opts_t *opts, kfk_offsets_cb cb, void *opaque) {
    kfk_err_t err;
    if (!n || !parts)
        return refuse(a);
    for (size_t i = 0; i < n; i++)
        if (!parts[i].topic || parts[i].partition < 0 || parts[i].offset < -1)
            return refuse(a);
    gop_t *op = kfk__gop_new(a, G_DELETE_RECORDS, opts, (void (*)(void))cb, opaque, &err);
    if (!op)
        return err;
    op->item_done = kfk_arena_alloc(&op->mem, n + 1);
    op->offs = kfk__calloc(n + 1, sizeof *op->offs);
    op->topics = kfk_arena_alloc(&op->mem, (n + 1) * sizeof *op->topics);
    if (!op->item_done || !op->offs || !op->topics) {
        kfk__gop_free(op);
        return KFK_ERR__NOMEM;
    }
    op->off_cap = n + 1;
    for (size_t i = 0; i < n; i++) {
        kfk_partition_offset_t *o = &op->offs[i];
        o->topic = kfk__gop_acopy(op, parts[i].topic);
        if (!o->topic) {
            kfk__gop_free(op);
            return KFK_ERR__NOMEM;
        }
        o->partition = parts[i].partition;
        o->offset = parts[i].offset;
        o->leader_epoch = -1;
        o->timestamp = -1;
        int seen = 0;
        for (size_t k = 0; k < op->topic_cnt && !seen; k++)
            seen = !strcmp(op->topics[k], o->topic);
        if (!seen)
            op->topics[op->topic_cnt++] = (char *)o->topic;
    }
    op->off_cnt = n;
    op->op_timeout_ms = op_timeout(opts);
    return kfk__gop_start(op);
}

kfk_err_t kfk_admin_describe_cluster(kfk_admin_t *a, const kfk_admin_opts_t *opts,
                                     kfk_cluster_cb cb, void *opaque) {
    kfk_err_t err;
    gop_t *op = kfk__gop_new(a, G_DESCRIBE_CLUSTER, opts, (void (*)(void))cb, opaque, &err);
    if (!op)
        return err;
    op->item_done = kfk_arena_alloc(&op->mem, 1);
    if (!op->item_done) {
        kfk__gop_free(op);
        return KFK_ERR__NOMEM;
    }
    return kfk__gop_start(op);
}
