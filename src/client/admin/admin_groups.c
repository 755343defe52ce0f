/*
 * admin_groups.c: the admin client's consumer-group and offset calls: list groups (ListGroups
 * v0-5 to every broker, merged), describe groups (FindCoordinator, DescribeGroups v0-6 with
 * assignments decoded by the consumer protocol), and the engine every group and offset call
 * runs on (admin_groups.h; the offset calls' requests are admin_offsets.c's).
 *
 * Each call is a "gop" worked in rounds: a round (after a metadata refresh when it needs
 * brokers or leaders) sends one request per broker, group or leader for the items still
 * pending; an item whose answer is final is done; when a round ends with items pending, the
 * next starts after retry.backoff.ms (doubling to retry.backoff.max.ms). The admin's one timer
 * (admin.c) fires at each call's deadline and retry time. A call ends exactly once: all its
 * items done, a fatal cause, its deadline (with the last cause), or the admin's close.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "client/admin/admin_groups.h"
#include "protocol/mem.h"

static void round_start(gop_t *op);

/* ---- small helpers ------------------------------------------------------------------------- */

void kfk__gop_cause(gop_t *op, kfk_err_t err, const char *fmt, ...) {
    op->last_err = err;
    if (!fmt) {
        snprintf(op->cause, sizeof op->cause, "%s", kfk_err_str(err));
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(op->cause, sizeof op->cause, fmt, ap);
    va_end(ap);
}

/* A NUL-terminated copy of @p s in the call's arena ("" for a null string; NULL: no memory). */
char *kfk__gop_astr(gop_t *op, kfk_str_t s) {
    size_t n = s.len > 0 && s.ptr ? (size_t)s.len : 0;
    char *p = kfk_arena_alloc(&op->mem, n + 1);
    if (p && n)
        memcpy(p, s.ptr, n);
    return p;
}

char *kfk__gop_acopy(gop_t *op, const char *s) {
    return kfk__gop_astr(op, kfk_str_c(s ? s : ""));
}

int kfk__gop_str_is(kfk_str_t s, const char *c) {
    size_t n = strlen(c);
    return s.len >= 0 && (size_t)s.len == n && (n == 0 || memcmp(s.ptr, c, n) == 0);
}

/* Errors that say "ask the coordinator again, maybe another one". */
int kfk__gop_coord_retry(kfk_err_t err) {
    return err == KFK_ERR_COORDINATOR_LOAD_IN_PROGRESS ||
           err == KFK_ERR_COORDINATOR_NOT_AVAILABLE || err == KFK_ERR_NOT_COORDINATOR;
}

/* Local failures of a connection or a request (retried), as against the broker's own codes. */
static int retriable(kfk_err_t err) {
    return kfk_err_is_retriable(err) || err == KFK_ERR__TRANSPORT || err == KFK_ERR__TIMED_OUT ||
           err == KFK_ERR__RESOLVE;
}

static const char *api_name(gkind_t k) {
    switch (k) {
    case G_LIST:
        return "ListGroups";
    case G_DESCRIBE:
        return "DescribeGroups";
    case G_FETCH:
        return "OffsetFetch";
    case G_COMMIT:
        return "OffsetCommit";
    case G_DELETE:
        return "DeleteGroups";
    case G_OFFSET_DELETE:
        return "OffsetDelete";
    case G_DESCRIBE_CONFIGS:
        return "DescribeConfigs";
    case G_ALTER_CONFIGS:
        return "IncrementalAlterConfigs";
    case G_CREATE_PARTITIONS:
        return "CreatePartitions";
    case G_DELETE_RECORDS:
        return "DeleteRecords";
    case G_DESCRIBE_CLUSTER:
        return "DescribeCluster";
    default:
        return "ListOffsets";
    }
}

static void unlink_op(kfk_admin_t *a, gop_t *op) {
    for (gop_t **pp = &a->gops; *pp; pp = &(*pp)->next)
        if (*pp == op) {
            *pp = op->next;
            return;
        }
}

static void free_subs(gop_t *op) {
    for (size_t i = 0; i < op->sub_cnt; i++)
        kfk__free(op->subs[i].items);
    kfk__free(op->subs);
    op->subs = NULL;
    op->sub_cnt = 0;
}

void kfk__gop_free(gop_t *op) {
    free_subs(op);
    kfk__free(op->listing);
    kfk__free(op->listed);
    kfk__free(op->offs);
    kfk_arena_free(&op->mem);
    kfk__free(op);
}

/* ---- ending a call ------------------------------------------------------------------------- */

static int cmp_listing(const void *x, const void *y) {
    return strcmp(((const kfk_group_listing_t *)x)->group_id,
                  ((const kfk_group_listing_t *)y)->group_id);
}

static int cmp_offset(const void *x, const void *y) {
    const kfk_partition_offset_t *a = x, *b = y;
    int c = strcmp(a->topic, b->topic);
    return c ? c : (a->partition > b->partition) - (a->partition < b->partition);
}

/* Calls the callback with the results (none when @p err failed the call as a whole). */
static void deliver(gop_t *op, kfk_err_t err, int results) {
    kfk_admin_t *a = op->admin;
    if (KFK__GOP_IS_CONFIGS(op->kind)) {
        kfk__cop_deliver(op, err, results);
        return;
    }
    switch (op->kind) {
    case G_LIST:
        if (results && op->listing_cnt)
            qsort(op->listing, op->listing_cnt, sizeof *op->listing, cmp_listing);
        ((kfk_group_list_cb)op->cb)(a, err, results ? op->listing : NULL,
                                    results ? op->listing_cnt : 0, op->opaque);
        break;
    case G_DESCRIBE:
        ((kfk_group_describe_cb)op->cb)(a, err, results ? op->descs : NULL,
                                        results ? op->group_cnt : 0, op->opaque);
        break;
    case G_DELETE:
        ((kfk_groups_cb)op->cb)(a, err, results ? op->gres : NULL, results ? op->group_cnt : 0,
                                op->opaque);
        break;
    case G_FETCH:
        if (results && op->off_cnt)
            qsort(op->offs, op->off_cnt, sizeof *op->offs, cmp_offset);
        /* fall through */
    default:
        ((kfk_offsets_cb)op->cb)(a, err, results ? op->offs : NULL, results ? op->off_cnt : 0,
                                 op->opaque);
    }
}

/* Ends the call once: its callback runs now; the call is freed now, or by the last answer still
 * out. @p results: the items are complete (also when @p err is a partition's). */
static void finish(gop_t *op, kfk_err_t err, int results) {
    kfk_admin_t *a = op->admin;
    if (op->done)
        return;
    op->done = 1;
    unlink_op(a, op);
    if (op->md_waiting) {
        kfk__client_metadata_cancel(a->cl, &op->mw);
        op->md_waiting = 0;
    }
    for (size_t i = 0; i < op->sub_cnt; i++)
        if (op->subs[i].broker) {
            kfk__broker_cancel_wait(op->subs[i].broker, &op->subs[i].w);
            op->subs[i].broker = NULL;
        }
    if (err && !op->cause[0])
        kfk__gop_cause(op, err, NULL);
    if (op->cb) {
        a->errstr = err ? op->cause : "";
        op->in_cb = 1;
        deliver(op, err, results);
        op->in_cb = 0;
        a->errstr = NULL;
    }
    if (!op->in_flight)
        kfk__gop_free(op);
    kfk__admin_arm(a);
}

/* Items not done yet (list: brokers not answered; fetch: the one group). */
size_t kfk__gop_pending(const gop_t *op) {
    size_t n = 0;
    if (KFK__GOP_IS_CONFIGS(op->kind))
        return kfk__cop_pending(op);
    switch (op->kind) {
    case G_LIST:
        return op->pending;
    case G_DESCRIBE:
    case G_DELETE:
        for (size_t i = 0; i < op->group_cnt; i++)
            n += !op->item_done[i];
        return n;
    case G_FETCH:
        return !op->item_done[0];
    default:
        for (size_t i = 0; i < op->off_cnt; i++)
            n += !op->item_done[i];
        return n;
    }
}

/* The wait before round @p k + 1: retry.backoff.ms doubling up to retry.backoff.max.ms. */
static uint64_t backoff(const gop_t *op) {
    const kfk_conf_t *c = op->admin->cl->conf;
    uint64_t ms = c->retry_backoff_ms > 0 ? (uint64_t)c->retry_backoff_ms : 1;
    for (uint32_t i = 1; i < op->rounds && ms < (uint64_t)c->retry_backoff_max_ms; i++)
        ms *= 2;
    if (c->retry_backoff_max_ms > 0 && ms > (uint64_t)c->retry_backoff_max_ms)
        ms = (uint64_t)c->retry_backoff_max_ms;
    return ms ? ms : 1;
}

/* A round ended: the call ends, or the next round waits its backoff. */
static void round_end(gop_t *op) {
    if (op->done)
        return;
    if (op->admin->closing) {
        kfk__gop_cause(op, KFK_ERR__DESTROYED, "the admin client was closed");
        finish(op, KFK_ERR__DESTROYED, 0);
        return;
    }
    if (op->fatal) {
        finish(op, op->fatal, 0);
        return;
    }
    if (!kfk__gop_pending(op)) {
        int per_partition = op->kind == G_COMMIT || op->kind == G_OFFSET_DELETE;
        if (KFK__GOP_IS_CONFIGS(op->kind) || op->kind == G_DELETE_RECORDS)
            finish(op, kfk__cop_outcome(op), 1);
        else
            finish(op, per_partition ? kfk__gop_commit_outcome(op) : KFK_ERR_NONE, 1);
        return;
    }
    op->retry_at = uv_now(op->admin->loop) + backoff(op);
    kfk__admin_arm(op->admin);
}

/* ---- one request ---------------------------------------------------------------------------- */

static void sub_end(sub_t *s) {
    gop_t *op = s->op;
    if (op->subs_left && --op->subs_left == 0)
        round_end(op);
}

/* The item(s) of @p s failed with @p err for good. */
static void sub_items_failed(sub_t *s, kfk_err_t err) {
    gop_t *op = s->op;
    if (KFK__GOP_IS_CONFIGS(op->kind)) {
        kfk__cop_items_failed(s, err);
        return;
    }
    switch (op->kind) {
    case G_DESCRIBE:
        op->descs[s->group].err = err;
        op->item_done[s->group] = 1;
        break;
    case G_DELETE:
        op->gres[s->group].err = err;
        op->item_done[s->group] = 1;
        break;
    case G_LIST_OFFSETS:
    case G_DELETE_RECORDS:
        for (size_t i = 0; i < s->item_cnt; i++) {
            op->offs[s->items[i]].err = err;
            op->offs[s->items[i]].offset = -1;
            op->item_done[s->items[i]] = 1;
        }
        break;
    default:
        op->fatal = err;
    }
}

/* The request of @p s failed (@p msg in words): retried next round when it may help. */
static void sub_failed(sub_t *s, kfk_err_t err, const char *msg) {
    gop_t *op = s->op;
    kfk__gop_cause(op, err, "%s", msg && msg[0] ? msg : kfk_err_str(err));
    if (err == KFK_ERR__DESTROYED || err == KFK_ERR__BAD_MSG || err == KFK_ERR__NO_COMMON_VERSION ||
        err == KFK_ERR__NOMEM)
        op->fatal = err;
    else if (!retriable(err))
        sub_items_failed(s, err);
    sub_end(s);
}

/* Whether a response callback may go on: a finished call is freed by its last answer. */
static int answer_arrived(gop_t *op) {
    op->in_flight--;
    if (!op->done)
        return 1;
    if (!op->in_flight && !op->in_cb)
        kfk__gop_free(op);
    return 0;
}

static void handle_list(sub_t *s, const kfk__resp_t *r);
static void handle_describe(sub_t *s, const kfk__resp_t *r);

void kfk__gop_on_response(kfk__resp_t *r, void *opaque) {
    sub_t *s = opaque;
    gop_t *op = s->op;
    if (!answer_arrived(op))
        return;
    if (r->cls == KFK__RESP_MALFORMED || r->cls == KFK__RESP_FATAL) {
        kfk__gop_cause(op, r->err, "%s", r->msg && r->msg[0] ? r->msg : kfk_err_str(r->err));
        op->fatal = r->err ? r->err : KFK_ERR__FATAL;
        sub_end(s);
        return;
    }
    if (r->err) {
        sub_failed(s, r->err, r->msg);
        return;
    }
    switch (op->kind) {
    case G_LIST:
        handle_list(s, r);
        break;
    case G_DESCRIBE:
        if (r->api_key == KFK_API_CONSUMER_GROUP_DESCRIBE)
            kfk__gop_handle_cg_describe(s, r);
        else
            handle_describe(s, r);
        break;
    case G_FETCH:
        kfk__gop_handle_fetch(s, r);
        break;
    case G_COMMIT:
        kfk__gop_handle_commit(s, r);
        break;
    case G_DELETE:
        kfk__gop_handle_delete(s, r);
        break;
    case G_OFFSET_DELETE:
        kfk__gop_handle_offset_delete(s, r);
        break;
    case G_LIST_OFFSETS:
        kfk__gop_handle_list_offsets(s, r);
        break;
    default:
        kfk__cop_handle(s, r);
        break;
    }
    sub_end(s);
}

static kfk_err_t send_list(sub_t *s, kfk__broker_t *b);
static kfk_err_t send_describe(sub_t *s, kfk__broker_t *b);

/* What is left of the call's deadline, for the request's own timeout (at least 1 ms). */
int64_t kfk__gop_time_left(const gop_t *op) {
    uint64_t now = uv_now(op->admin->loop);
    return op->deadline > now + 1 ? (int64_t)(op->deadline - now) : 1;
}

static void on_broker(kfk__broker_t *b, kfk_err_t err, const char *msg, void *opaque) {
    sub_t *s = opaque;
    gop_t *op = s->op;
    s->broker = NULL;
    if (err) {
        sub_failed(s, err, msg);
        return;
    }
    kfk_err_t e;
    switch (op->kind) {
    case G_LIST:
        e = send_list(s, b);
        break;
    case G_DESCRIBE:
        e = send_describe(s, b);
        break;
    case G_FETCH:
        e = kfk__gop_send_fetch(s, b);
        break;
    case G_COMMIT:
        e = kfk__gop_send_commit(s, b);
        break;
    case G_DELETE:
        e = kfk__gop_send_delete(s, b);
        break;
    case G_OFFSET_DELETE:
        e = kfk__gop_send_offset_delete(s, b);
        break;
    case G_LIST_OFFSETS:
        e = kfk__gop_send_list_offsets(s, b);
        break;
    default:
        e = kfk__cop_send(s, b);
    }
    if (e == KFK_ERR_NONE) {
        op->in_flight++;
        return;
    }
    char msg2[512], who[300];
    if (b->node_id >= 0) /* a bootstrap server (node id < 0) is named by its address */
        snprintf(who, sizeof who, "broker %d", b->node_id);
    else
        snprintf(who, sizeof who, "the broker at %s:%d", b->host ? b->host : "?", b->port);
    if (e == KFK_ERR__NO_COMMON_VERSION)
        snprintf(msg2, sizeof msg2, "%s does not support %s at a version kfk speaks", who,
                 api_name(op->kind));
    else
        snprintf(msg2, sizeof msg2, "cannot send %s to %s: %s", api_name(op->kind), who,
                 kfk_err_str(e));
    sub_failed(s, e, msg2);
}

static void on_coordinator(kfk__resp_t *r, void *opaque) {
    sub_t *s = opaque;
    gop_t *op = s->op;
    if (!answer_arrived(op))
        return;
    kfk_err_t err = r->err;
    const kfk_find_coordinator_response_t *body = r->body;
    if (!err && body->error_code)
        err = (kfk_err_t)body->error_code;
    if (err) {
        char why[400];
        kfk__resp_cause(r, err, why, sizeof why);
        if (r->cls == KFK__RESP_MALFORMED)
            op->fatal = err;
        char msg[512];
        snprintf(msg, sizeof msg, "no coordinator for group %s: %s", op->groups[s->group], why);
        sub_failed(s, err, msg);
        return;
    }
    char host[256];
    snprintf(host, sizeof host, "%.*s", body->host.len > 0 ? body->host.len : 0,
             body->host.ptr ? body->host.ptr : "");
    /* The coordinator's own connection, as the consumer's (client.h: KFK__COORD_NODE_ID). */
    kfk__broker_t *b = kfk__client_add_broker(op->admin->cl, KFK__COORD_NODE_ID(body->node_id),
                                              host, body->port, NULL);
    s->node_id = body->node_id;
    if (!b) {
        sub_failed(s, KFK_ERR__NOMEM, NULL);
        return;
    }
    s->broker = b;
    kfk__broker_wait(b, &s->w, on_broker, s);
}

static void on_find_broker(kfk__broker_t *b, kfk_err_t err, const char *msg, void *opaque) {
    sub_t *s = opaque;
    gop_t *op = s->op;
    s->broker = NULL;
    if (err) {
        sub_failed(s, err, msg);
        return;
    }
    kfk_find_coordinator_request_t req;
    memset(&req, 0, sizeof req);
    req.key = kfk_str_c(op->groups[s->group]);
    req.key_type = 0;
    kfk_err_t e = kfk__broker_request(b, KFK_API_FIND_COORDINATOR, &req, 0, kfk__gop_time_left(op),
                                      on_coordinator, s);
    if (e) {
        sub_failed(s, e, "cannot send FindCoordinator");
        return;
    }
    op->in_flight++;
}

static void sub_go(sub_t *s) {
    gop_t *op = s->op;
    kfk__broker_t *b;
    if (s->any) {
        b = kfk__client_any_broker(op->admin->cl);
        s->node_id = b->node_id;
        s->broker = b;
        kfk__broker_wait(b, &s->w, on_broker, s);
        return;
    }
    if (s->coord) {
        b = kfk__client_any_broker(op->admin->cl);
        s->broker = b;
        kfk__broker_wait(b, &s->w, on_find_broker, s);
        return;
    }
    b = kfk__client_broker(op->admin->cl, s->node_id);
    if (!b) {
        char msg[128];
        snprintf(msg, sizeof msg, "broker %d is not in the metadata", s->node_id);
        sub_failed(s, KFK_ERR__TRANSPORT, msg);
        return;
    }
    s->broker = b;
    kfk__broker_wait(b, &s->w, on_broker, s);
}

/* ---- rounds --------------------------------------------------------------------------------- */

static int listed(const gop_t *op, int32_t node) {
    for (size_t i = 0; i < op->listed_cnt; i++)
        if (op->listed[i] == node)
            return 1;
    return 0;
}

/* Starts the requests of a round. */
static void subs_start(gop_t *op) {
    kfk_admin_t *a = op->admin;
    free_subs(op);
    size_t cap = 0;
    if (op->kind == G_LIST) {
        for (kfk__broker_t *b = a->cl->brokers; b; b = b->next)
            cap++;
    } else if (op->kind == G_DESCRIBE || op->kind == G_DELETE) {
        cap = op->group_cnt;
    } else if (op->kind == G_LIST_OFFSETS || op->kind == G_DELETE_RECORDS) {
        cap = op->off_cnt;
    } else if (KFK__GOP_IS_CONFIGS(op->kind)) {
        cap = kfk__cop_sub_cap(op);
    } else {
        cap = 1;
    }
    sub_t *subs = kfk__calloc(cap + 1, sizeof *subs);
    if (!subs) {
        finish(op, KFK_ERR__NOMEM, 0);
        return;
    }
    op->subs = subs;
    size_t n = 0;
    switch (op->kind) {
    case G_LIST:
        op->pending = 0;
        for (kfk__broker_t *b = a->cl->brokers; b; b = b->next)
            if (b->node_id >= 0 && !b->gone && !KFK__IS_COORD_NODE_ID(b->node_id) &&
                !listed(op, b->node_id)) {
                subs[n++].node_id = b->node_id;
                op->pending++;
            }
        break;
    case G_DESCRIBE:
    case G_DELETE:
        for (size_t i = 0; i < op->group_cnt; i++)
            if (!op->item_done[i]) {
                subs[n].coord = 1;
                subs[n++].group = i;
            }
        break;
    case G_DESCRIBE_CONFIGS:
    case G_ALTER_CONFIGS:
    case G_CREATE_PARTITIONS:
    case G_DESCRIBE_CLUSTER:
        kfk__cop_plan(op, subs, &n);
        break;
    case G_LIST_OFFSETS:
    case G_DELETE_RECORDS:
        if (kfk__gop_plan_list_offsets(op, subs, &n) != 0) {
            op->sub_cnt = n;
            finish(op, KFK_ERR__NOMEM, 0);
            return;
        }
        break;
    default:
        subs[n].coord = 1;
        subs[n++].group = 0;
    }
    op->sub_cnt = n;
    for (size_t i = 0; i < n; i++)
        subs[i].op = op;
    /* One more than the subs while they start, so none ends the round before all started. */
    op->subs_left = n + 1;
    for (size_t i = 0; i < n && !op->done; i++)
        sub_go(&subs[i]);
    if (!op->done)
        sub_end(&(sub_t){.op = op});
}

static void on_metadata(kfk__client_t *cl, kfk_err_t err, void *opaque) {
    gop_t *op = opaque;
    op->md_waiting = 0;
    if (op->done)
        return;
    if (err) {
        char msg[256];
        if (err == KFK_ERR__DESTROYED) {
            kfk__gop_cause(op, err, "the admin client was closed");
            finish(op, err, 0);
            return;
        }
        kfk__client_metadata_cause(cl, msg, sizeof msg);
        kfk__gop_cause(op, err, "%s", msg);
        if (kfk_err_is_fatal(err)) {
            finish(op, err, 0);
            return;
        }
        op->retry_at = uv_now(op->admin->loop) + backoff(op);
        kfk__admin_arm(op->admin);
        return;
    }
    subs_start(op);
}

static void round_start(gop_t *op) {
    kfk_admin_t *a = op->admin;
    op->retry_at = 0;
    op->rounds++;
    if (op->kind == G_LIST || op->kind == G_LIST_OFFSETS || op->kind == G_DELETE_RECORDS ||
        op->kind == G_DESCRIBE_CONFIGS || op->kind == G_ALTER_CONFIGS) {
        op->md_waiting = 1;
        kfk__client_metadata_refresh(a->cl, (const char *const *)op->topics, op->topic_cnt, 0,
                                     &op->mw, on_metadata, op);
        return;
    }
    subs_start(op);
}

/* ---- list groups ---------------------------------------------------------------------------- */

static kfk_err_t send_list(sub_t *s, kfk__broker_t *b) {
    gop_t *op = s->op;
    kfk_str_t st[64], ty[64];
    size_t ns = op->state_cnt < 64 ? op->state_cnt : 64, nt = op->type_cnt < 64 ? op->type_cnt : 64;
    for (size_t i = 0; i < ns; i++)
        st[i] = kfk_str_c(op->states[i]);
    for (size_t i = 0; i < nt; i++)
        ty[i] = kfk_str_c(op->types[i]);
    kfk_list_groups_request_t req;
    memset(&req, 0, sizeof req);
    req.states_filter = (kfk_array_t){st, (int32_t)ns};
    req.types_filter = (kfk_array_t){ty, (int32_t)nt};
    return kfk__broker_request(b, KFK_API_LIST_GROUPS, &req, 0, kfk__gop_time_left(op),
                               kfk__gop_on_response, s);
}

static int in_list(char **v, size_t n, kfk_str_t s) {
    if (!n)
        return 1;
    for (size_t i = 0; i < n; i++)
        if (s.len >= 0 && strlen(v[i]) == (size_t)s.len && !strncasecmp(v[i], s.ptr, (size_t)s.len))
            return 1;
    return 0;
}

static void handle_list(sub_t *s, const kfk__resp_t *r) {
    gop_t *op = s->op;
    const kfk_list_groups_response_t *body = r->body;
    kfk_err_t err = (kfk_err_t)body->error_code;
    if (err) {
        char why[400];
        kfk__resp_cause(r, err, why, sizeof why);
        kfk__gop_cause(op, err, "broker %d: %s", s->node_id, why);
        if (!kfk__gop_coord_retry(err))
            op->fatal = err;
        return;
    }
    int32_t n = body->groups.count > 0 ? body->groups.count : 0;
    for (int32_t i = 0; i < n; i++) {
        const kfk_list_groups_response_listed_group_t *g =
            &KFK_ARRAY_AT(body->groups, kfk_list_groups_response_listed_group_t, i);
        /* Brokers before v4 / v5 do not filter: states only where the answer has them. */
        if ((r->version >= 4 && !in_list(op->states, op->state_cnt, g->group_state)) ||
            (r->version >= 5 && !in_list(op->types, op->type_cnt, g->group_type)))
            continue;
        int dup = 0;
        for (size_t k = 0; k < op->listing_cnt && !dup; k++)
            dup = kfk__gop_str_is(g->group_id, op->listing[k].group_id);
        if (dup)
            continue;
        if (op->listing_cnt == op->listing_cap) {
            size_t cap = op->listing_cap ? op->listing_cap * 2 : 16;
            kfk_group_listing_t *nv = kfk__realloc(op->listing, cap * sizeof *nv);
            if (!nv) {
                op->fatal = KFK_ERR__NOMEM;
                return;
            }
            op->listing = nv;
            op->listing_cap = cap;
        }
        kfk_group_listing_t *o = &op->listing[op->listing_cnt];
        o->group_id = kfk__gop_astr(op, g->group_id);
        o->protocol_type = kfk__gop_astr(op, g->protocol_type);
        o->state = kfk__gop_astr(op, r->version >= 4 ? g->group_state : (kfk_str_t){NULL, -1});
        o->type = kfk__gop_astr(op, r->version >= 5 ? g->group_type : (kfk_str_t){NULL, -1});
        o->coordinator = s->node_id;
        if (!o->group_id || !o->protocol_type || !o->state || !o->type) {
            op->fatal = KFK_ERR__NOMEM;
            return;
        }
        op->listing_cnt++;
    }
    kfk_err_t nomem = KFK_ERR_NONE;
    int32_t *nv = kfk__realloc(op->listed, (op->listed_cnt + 1) * sizeof *nv);
    if (!nv)
        nomem = KFK_ERR__NOMEM;
    else {
        op->listed = nv;
        op->listed[op->listed_cnt++] = s->node_id;
        op->pending--;
    }
    if (nomem)
        op->fatal = nomem;
}

/* ---- describe groups ------------------------------------------------------------------------ */

static kfk_err_t send_describe(sub_t *s, kfk__broker_t *b) {
    gop_t *op = s->op;
    if (op->cg_describe[s->group])
        return kfk__gop_send_cg_describe(s, b);
    kfk_str_t g = kfk_str_c(op->groups[s->group]);
    kfk_describe_groups_request_t req;
    memset(&req, 0, sizeof req);
    req.groups = (kfk_array_t){&g, 1};
    return kfk__broker_request(b, KFK_API_DESCRIBE_GROUPS, &req, 0, kfk__gop_time_left(op),
                               kfk__gop_on_response, s);
}

/* The assignment of a consumer-group member, decoded into the call's arena; 0 or -1. */
static int decode_assignment(gop_t *op, kfk_bytes_t bytes, kfk_group_member_t *m) {
    if (bytes.len <= 0 || !bytes.ptr)
        return 0;
    kfk_consumer_protocol_assignment_t as;
    int16_t ver;
    if (kfk_consumer_assignment_decode(bytes.ptr, (size_t)bytes.len, &op->mem, &as, &ver) != 0)
        return 0; /* not the consumer protocol's: shown without an assignment */
    size_t n = as.assigned_partitions.count > 0 ? (size_t)as.assigned_partitions.count : 0;
    kfk_topic_partitions_t *tp = kfk_arena_alloc(&op->mem, (n + 1) * sizeof *tp);
    if (!tp)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const kfk_consumer_protocol_assignment_topic_partition_t *t = &KFK_ARRAY_AT(
            as.assigned_partitions, kfk_consumer_protocol_assignment_topic_partition_t, i);
        tp[i].topic = kfk__gop_astr(op, t->topic);
        if (!tp[i].topic)
            return -1;
        tp[i].partitions = t->partitions.items;
        tp[i].partition_cnt = t->partitions.count > 0 ? t->partitions.count : 0;
    }
    m->assignment = tp;
    m->assignment_cnt = n;
    return 0;
}

static void handle_describe(sub_t *s, const kfk__resp_t *r) {
    gop_t *op = s->op;
    const kfk_describe_groups_response_t *body = r->body;
    kfk_group_description_t *d = &op->descs[s->group];
    const kfk_describe_groups_response_described_group_t *g = NULL;
    for (int32_t i = 0; i < body->groups.count && !g; i++) {
        const kfk_describe_groups_response_described_group_t *x =
            &KFK_ARRAY_AT(body->groups, kfk_describe_groups_response_described_group_t, i);
        if (kfk__gop_str_is(x->group_id, op->groups[s->group]))
            g = x;
    }
    if (!g) {
        kfk__gop_cause(op, KFK_ERR__BAD_MSG,
                       "DescribeGroups from broker %d did not describe group %s", s->node_id,
                       op->groups[s->group]);
        return;
    }
    kfk_err_t err = (kfk_err_t)g->error_code;
    d->coordinator = s->node_id;
    if (kfk__gop_coord_retry(err)) {
        kfk__gop_cause(op, err, "DescribeGroups answered %s for group %s", kfk_err_name(err),
                       op->groups[s->group]);
        return;
    }
    /* Kafka 4 answers GROUP_ID_NOT_FOUND for a group of the consumer protocol (KIP-848) too:
     * ask ConsumerGroupDescribe next round, where the coordinator offers it. */
    if (err == KFK_ERR_GROUP_ID_NOT_FOUND && r->broker &&
        kfk__broker_version(r->broker, KFK_API_CONSUMER_GROUP_DESCRIBE) >= 0) {
        op->cg_describe[s->group] = 1;
        kfk__gop_cause(op, err, "DescribeGroups: group %s is not a classic group",
                       op->groups[s->group]);
        return;
    }
    op->item_done[s->group] = 1;
    d->err = err;
    d->type = "classic";
    d->error_message = g->error_message.len >= 0 ? kfk__gop_astr(op, g->error_message) : NULL;
    d->state = kfk__gop_astr(op, g->group_state);
    d->protocol_type = kfk__gop_astr(op, g->protocol_type);
    d->protocol = kfk__gop_astr(op, g->protocol_data);
    size_t n = g->members.count > 0 ? (size_t)g->members.count : 0;
    kfk_group_member_t *ms = kfk_arena_alloc(&op->mem, (n + 1) * sizeof *ms);
    if (!d->state || !d->protocol_type || !d->protocol || !ms) {
        op->fatal = KFK_ERR__NOMEM;
        return;
    }
    int consumer = kfk__gop_str_is(g->protocol_type, "consumer");
    for (size_t i = 0; i < n; i++) {
        const kfk_describe_groups_response_described_group_member_t *m =
            &KFK_ARRAY_AT(g->members, kfk_describe_groups_response_described_group_member_t, i);
        ms[i].member_id = kfk__gop_astr(op, m->member_id);
        ms[i].instance_id =
            m->group_instance_id.len >= 0 ? kfk__gop_astr(op, m->group_instance_id) : NULL;
        ms[i].client_id = kfk__gop_astr(op, m->client_id);
        ms[i].host = kfk__gop_astr(op, m->client_host);
        if (!ms[i].member_id || !ms[i].client_id || !ms[i].host ||
            (consumer && decode_assignment(op, m->member_assignment, &ms[i]) != 0)) {
            op->fatal = KFK_ERR__NOMEM;
            return;
        }
    }
    d->members = ms;
    d->member_cnt = n;
}

/* ---- a group's offsets: fetch and commit ------------------------------------------------------
 */

/* ---- list offsets --------------------------------------------------------------------------- */

/* ---- the calls ------------------------------------------------------------------------------ */

static kfk_admin_opts_t opts_of(const kfk_admin_opts_t *opts) {
    kfk_admin_opts_t o = KFK_ADMIN_OPTS_INIT;
    if (opts && opts->struct_size >= offsetof(kfk_admin_opts_t, timeout_ms) + sizeof(int32_t))
        o.timeout_ms = opts->timeout_ms;
    return o;
}

/* A new call, not yet started; NULL with *err set when it cannot be made. */
gop_t *kfk__gop_new(kfk_admin_t *a, gkind_t kind, const kfk_admin_opts_t *opts, void (*cb)(void),
                    void *opaque, kfk_err_t *err) {
    kfk_admin_opts_t o = opts_of(opts);
    *err = KFK_ERR_NONE;
    if (!a || a->closing) {
        *err = KFK_ERR__DESTROYED;
        return NULL;
    }
    if (o.timeout_ms < 0 || !cb) {
        *err = KFK_ERR__INVALID_ARG;
        return NULL;
    }
    gop_t *op = kfk__calloc(1, sizeof *op);
    if (!op) {
        *err = KFK_ERR__NOMEM;
        return NULL;
    }
    op->admin = a;
    op->kind = kind;
    op->cb = cb;
    op->opaque = opaque;
    uint64_t ms =
        o.timeout_ms > 0 ? (uint64_t)o.timeout_ms : (uint64_t)a->cl->conf->request_timeout_ms;
    op->deadline = uv_now(a->loop) + ms;
    op->last_err = KFK_ERR__TIMED_OUT;
    return op;
}

/* Copies @p n strings into the call's arena; -1: no memory (or a NULL string). */
int kfk__gop_copy_strings(gop_t *op, const char *const *v, size_t n, char ***out) {
    *out = kfk_arena_alloc(&op->mem, (n + 1) * sizeof **out);
    if (!*out)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (!v[i] || !((*out)[i] = kfk__gop_acopy(op, v[i])))
            return -1;
    return 0;
}

/* Starts @p op: the first round runs from the loop (a callback never runs inside the call). */
kfk_err_t kfk__gop_start(gop_t *op) {
    kfk_admin_t *a = op->admin;
    op->next = a->gops;
    a->gops = op;
    op->retry_at = uv_now(a->loop); /* due now: the admin's timer starts it */
    kfk__admin_arm(a);
    return KFK_ERR_NONE;
}

kfk_err_t kfk_admin_list_groups(kfk_admin_t *a, const char *const *states, size_t state_cnt,
                                const char *const *types, size_t type_cnt,
                                const kfk_admin_opts_t *opts, kfk_group_list_cb cb, void *opaque) {
    kfk_err_t err;
    if ((state_cnt && !states) || (type_cnt && !types) || state_cnt > 64 || type_cnt > 64)
        return a && !a->closing ? KFK_ERR__INVALID_ARG : KFK_ERR__DESTROYED;
    gop_t *op = kfk__gop_new(a, G_LIST, opts, (void (*)(void))cb, opaque, &err);
    if (!op)
        return err;
    if (kfk__gop_copy_strings(op, states, state_cnt, &op->states) != 0 ||
        kfk__gop_copy_strings(op, types, type_cnt, &op->types) != 0) {
        kfk__gop_free(op);
        return KFK_ERR__INVALID_ARG;
    }
    op->state_cnt = state_cnt;
    op->type_cnt = type_cnt;
    return kfk__gop_start(op);
}

kfk_err_t kfk_admin_describe_groups(kfk_admin_t *a, const char *const *groups, size_t n,
                                    const kfk_admin_opts_t *opts, kfk_group_describe_cb cb,
                                    void *opaque) {
    kfk_err_t err;
    if (!n || !groups)
        return a && !a->closing ? KFK_ERR__INVALID_ARG : KFK_ERR__DESTROYED;
    gop_t *op = kfk__gop_new(a, G_DESCRIBE, opts, (void (*)(void))cb, opaque, &err);
    if (!op)
        return err;
    op->descs = kfk_arena_alloc(&op->mem, n * sizeof *op->descs);
    op->item_done = kfk_arena_alloc(&op->mem, n);
    op->cg_describe = kfk_arena_alloc(&op->mem, n);
    if (!op->descs || !op->item_done || !op->cg_describe ||
        kfk__gop_copy_strings(op, groups, n, &op->groups) != 0) {
        kfk_err_t e =
            op->descs && op->item_done && op->cg_describe ? KFK_ERR__INVALID_ARG : KFK_ERR__NOMEM;
        kfk__gop_free(op);
        return e;
    }
    memset(op->cg_describe, 0, n);
    op->group_cnt = n;
    for (size_t i = 0; i < n; i++) {
        op->descs[i].group_id = op->groups[i];
        op->descs[i].state = op->descs[i].protocol_type = op->descs[i].protocol = "";
        op->descs[i].type = "";
        op->descs[i].coordinator = -1;
    }
    return kfk__gop_start(op);
}

/* ---- hooks for admin.c ---------------------------------------------------------------------- */

uint64_t kfk__admin_groups_next(const kfk_admin_t *a) {
    uint64_t first = UINT64_MAX;
    for (const gop_t *op = a->gops; op; op = op->next) {
        if (op->deadline < first)
            first = op->deadline;
        if (op->retry_at && op->retry_at < first)
            first = op->retry_at;
    }
    return first;
}

/* At the deadline: the best cause of what the call still waits for (the metadata refresh in
 * flight, a broker that does not come up), else its last one, else "no answer in time". */
static void last_cause(gop_t *op) {
    char msg[256];
    if (op->md_waiting) {
        kfk_err_t err = kfk__client_metadata_cause(op->admin->cl, msg, sizeof msg);
        if (err != KFK_ERR__TIMED_OUT || !op->cause[0])
            kfk__gop_cause(op, err, "%s", msg);
        return;
    }
    for (size_t i = 0; i < op->sub_cnt && !op->cause[0]; i++) {
        const kfk__broker_t *b = op->subs[i].broker;
        if (b && !b->up && b->last_err)
            kfk__gop_cause(op, b->last_err, "%s", b->last_msg);
    }
    if (!op->cause[0])
        kfk__gop_cause(op, KFK_ERR__TIMED_OUT, "no answer in time");
}

void kfk__admin_groups_expire(kfk_admin_t *a) {
    for (;;) {
        if (a->closing)
            return;
        uint64_t now = uv_now(a->loop);
        gop_t *op = a->gops;
        while (op && op->deadline > now)
            op = op->next;
        if (op) {
            last_cause(op);
            finish(op, op->last_err ? op->last_err : KFK_ERR__TIMED_OUT, 0);
            continue;
        }
        op = a->gops;
        while (op && !(op->retry_at && op->retry_at <= now && !op->md_waiting && !op->subs_left))
            op = op->next;
        if (!op)
            return;
        round_start(op);
    }
}

void kfk__admin_groups_close(kfk_admin_t *a) {
    while (a->gops) {
        gop_t *op = a->gops;
        kfk__gop_cause(op, KFK_ERR__DESTROYED, "the admin client was closed");
        finish(op, KFK_ERR__DESTROYED, 0);
    }
}
