/*
 * offsets.c: a consumer's group offsets: finding the group coordinator (FindCoordinator),
 * committing done watermarks (OffsetCommit v2-8) and reading the group's commits as starting
 * offsets (OffsetFetch v1-7). Which offsets are committable is consumer.c's business (the done
 * watermark); this file only talks to the coordinator.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/consumer/offsets.h"
#include "protocol/mem.h"

struct commitw {
    struct commitw *next;
    kfk_commit_cb cb;
    void *opaque;
    uint64_t deadline; /* on c->commit_waiters: ends with KFK_ERR__TIMED_OUT then, unsent */
    kfk_err_t err;     /* on c->commit_settled: the outcome to report */
};

/* Appends the list @p w to the list at @p head. */
static void waiters_append(struct commitw **head, struct commitw *w) {
    while (*head)
        head = &(*head)->next;
    *head = w;
}

static void waiters_call(kfk_consumer_t *c, struct commitw *list, kfk_err_t err) {
    while (list) {
        struct commitw *w = list;
        list = w->next;
        if (w->cb)
            w->cb(c, err, w->opaque);
        kfk__free(w);
    }
}

/* ---- the coordinator --------------------------------------------------------------------- */

static void on_coordinator(kfk__resp_t *resp, void *opaque);

/* A coordinator lookup failed (@p why in words): the next one waits retry.backoff.ms doubling to
 * retry.backoff.max.ms, and the member hears the cause once. */
static void lookup_failed(kfk_consumer_t *c, kfk_err_t err, const char *why) {
    c->coord_lookup = 0;
    c->coord_failures++;
    c->coord_retry_at = uv_now(c->loop) + kfk__consumer_backoff(c, (int)c->coord_failures);
    kfk__consumer_group_error(c, err, 0, "no coordinator: %s", why);
    kfk__consumer_arm(c, c->coord_retry_at);
}

static void on_coord_broker(kfk__broker_t *b, kfk_err_t err, const char *msg, void *opaque) {
    kfk_consumer_t *c = opaque;
    if (c->client_closing)
        return;
    if (err) {
        lookup_failed(c, err, msg && *msg ? msg : kfk_err_str(err));
        return;
    }
    kfk_find_coordinator_request_t req;
    memset(&req, 0, sizeof req);
    req.key = kfk_str_c(c->conf->group_id);
    req.key_type = 0;
    kfk_err_t e = kfk__broker_request(b, KFK_API_FIND_COORDINATOR, &req, 0, 0, on_coordinator, c);
    if (e)
        lookup_failed(c, e, kfk_err_str(e));
}

static void on_coordinator(kfk__resp_t *resp, void *opaque) {
    kfk_err_t err = resp->err;
    kfk_consumer_t *c = opaque;
    c->coord_lookup = 0;
    if (c->client_closing)
        return;
    void *body = resp->body;
    kfk_find_coordinator_response_t *r = body;
    if (!err && r->error_code)
        err = (kfk_err_t)r->error_code;
    if (!err) {
        c->coord_failures = 0;
        char host[256];
        snprintf(host, sizeof host, "%.*s", r->host.len > 0 ? r->host.len : 0,
                 r->host.ptr ? r->host.ptr : "");
        c->coord =
            kfk__client_add_broker(c->cl, KFK__COORD_NODE_ID(r->node_id), host, r->port, NULL);
        kfk__dbg(&c->cl->log, KFK_DBG_CGRP, "group %s: coordinator is broker %d", c->conf->group_id,
                 r->node_id);
    } else {
        char why[400];
        lookup_failed(c, err, kfk__resp_cause(resp, err, why, sizeof why));
        return;
    }
    kfk__consumer_kick(c); /* a group member joins once the coordinator is up */
}

static void on_coord_up(kfk__broker_t *b, kfk_err_t err, const char *msg, void *opaque) {
    (void)b;
    (void)msg;
    kfk_consumer_t *c = opaque;
    c->coord_waiting = 0;
    if (c->client_closing)
        return;
    if (err)
        c->coord = NULL; /* look it up again */
    kfk__consumer_kick(c);
}

int kfk__consumer_coordinator_up(kfk_consumer_t *c) {
    if (c->coord && c->coord->up)
        return 1;
    if (!c->coord) {
        kfk__consumer_find_coordinator(c);
        return 0;
    }
    if (!c->coord_waiting) {
        c->coord_waiting = 1;
        kfk__broker_wait(c->coord, &c->coord_up_w, on_coord_up, c);
    }
    return 0;
}

void kfk__consumer_find_coordinator(kfk_consumer_t *c) {
    if (c->coord_lookup || c->coord || !c->conf->group_id[0] || c->client_closing)
        return;
    if (uv_now(c->loop) < c->coord_retry_at) {
        kfk__consumer_arm(c, c->coord_retry_at); /* backing off: ask again then */
        return;
    }
    kfk__broker_t *b = kfk__client_any_broker(c->cl);
    if (!b)
        return;
    c->coord_lookup = 1;
    kfk__broker_wait(b, &c->coord_w, on_coord_broker, c);
}

/* ---- commits ------------------------------------------------------------------------------ */

/* A commit in flight. It names partitions by (interned topic, id), never by cpart_t pointer:
 * a partition may be revoked, lost or re-assigned (and its cpart_t freed) before the answer. */
typedef struct {
    kfk_consumer_t *c;
    size_t n;
    struct {
        const char *topic;
        int32_t id;
        int64_t offset;
    } items[];
} commit_ctx_t;

void kfk__consumer_finish_commit(kfk_consumer_t *c, kfk_err_t err) {
    c->commit_in_flight = 0;
    /* The waiters of the round that ended hear its outcome. Those that came while it was in
     * flight go with the next round, sent now: their offsets may be past this round's. After a
     * failure (or at close) they hear it too. */
    struct commitw *list = c->commit_sent;
    c->commit_sent = NULL;
    if (err || c->client_closing) {
        waiters_append(&list, c->commit_waiters);
        c->commit_waiters = NULL;
    } else if (c->commit_again) {
        c->commit_again = 0;
        kfk__consumer_commit(c, NULL, NULL);
    }
    waiters_call(c, list, err);
}

/* Why a commit round is not sent now, in words, into @p buf. */
static const char *unsent_why(kfk_consumer_t *c, char *buf, size_t size) {
    int32_t gen = -1;
    const char *member = "", *instance = NULL;
    const char *state = !c->coord             ? "no coordinator known"
                        : !c->coord->up       ? "the coordinator not connected"
                        : c->commit_in_flight ? "the commit before it unanswered"
                        : c->commit_failures && uv_now(c->loop) < c->commit_retry_at
                            ? "backing off after a failed commit"
                        : c->group && !c->group_ops->stable(c->group, &gen, &member, &instance)
                            ? "not a stable group member (rebalancing)"
                            : "waiting to be sent";
    if (c->gerr)
        snprintf(buf, size, "%s; last group error: %s", state, c->gwhy);
    else
        snprintf(buf, size, "%s", state);
    return buf;
}

void kfk__consumer_run_commit_deadlines(kfk_consumer_t *c, uint64_t now, uint64_t *next) {
    struct commitw *late = NULL, **tail = &late;
    for (struct commitw **pp = &c->commit_waiters; *pp;) {
        struct commitw *w = *pp;
        if (now < w->deadline) {
            if (w->deadline < *next)
                *next = w->deadline;
            pp = &w->next;
            continue;
        }
        *pp = w->next;
        w->next = NULL;
        w->err = KFK_ERR__TIMED_OUT;
        *tail = w;
        tail = &w->next;
    }
    if (!late)
        return;
    char why[sizeof c->gwhy + 64];
    unsent_why(c, why, sizeof why);
    kfk__consumer_group_error(c, KFK_ERR__TIMED_OUT, 0,
                              "offset commit not sent within request.timeout.ms (%lld ms): %s",
                              (long long)c->conf->request_timeout_ms, why);
    waiters_append(&c->commit_settled, late);
    kfk__consumer_kick(c);
}

/* A commit round that ended without a request: its waiters hear @p err from the next run of
 * the consumer's loop (a callback never runs inside the call that registered it). */
static void settle(kfk_consumer_t *c, kfk_err_t err) {
    struct commitw **tail = &c->commit_settled;
    while (*tail)
        tail = &(*tail)->next;
    *tail = c->commit_waiters;
    c->commit_waiters = NULL;
    for (struct commitw *w = *tail; w; w = w->next)
        w->err = err;
    if (*tail)
        kfk__consumer_kick(c);
}

void kfk__consumer_run_settled(kfk_consumer_t *c) {
    struct commitw *list = c->commit_settled;
    c->commit_settled = NULL;
    while (list) {
        struct commitw *w = list;
        list = w->next;
        if (w->cb)
            w->cb(c, w->err, w->opaque);
        kfk__free(w);
    }
}

static void on_commit(kfk__resp_t *resp, void *opaque) {
    kfk_err_t err = resp->err;
    commit_ctx_t *ctx = opaque;
    kfk_consumer_t *c = ctx->c;
    void *body = resp->body;
    kfk_offset_commit_response_t *r = body;
    kfk_err_t first = err;
    for (int32_t t = 0; r && t < r->topics.count; t++) {
        kfk_offset_commit_response_topic_t *tr =
            &KFK_ARRAY_AT(r->topics, kfk_offset_commit_response_topic_t, t);
        for (int32_t k = 0; k < tr->partitions.count; k++) {
            kfk_offset_commit_response_partition_t *pr =
                &KFK_ARRAY_AT(tr->partitions, kfk_offset_commit_response_partition_t, k);
            for (size_t i = 0; i < ctx->n; i++) {
                if (ctx->items[i].id != pr->partition_index ||
                    !kfk_str_eq(tr->name, ctx->items[i].topic))
                    continue;
                cpart_t *p = kfk__consumer_part(c, ctx->items[i].topic, ctx->items[i].id);
                if (p && pr->error_code == 0 && ctx->items[i].offset > p->committed)
                    p->committed = ctx->items[i].offset;
                if (pr->error_code && !first)
                    first = (kfk_err_t)pr->error_code;
            }
        }
    }
    kfk__free(ctx);
    if (first) {
        char why[400];
        kfk__consumer_group_error(c, first, 0, "offset commit failed: %s",
                                  kfk__resp_cause(resp, first, why, sizeof why));
        if (first == KFK_ERR_NOT_COORDINATOR || first == KFK_ERR_COORDINATOR_NOT_AVAILABLE ||
            first == KFK_ERR__TRANSPORT || first == KFK_ERR__TIMED_OUT ||
            first == KFK_ERR_REQUEST_TIMED_OUT)
            c->coord = NULL;
        if (c->group)
            c->group_ops->commit_failed(c->group, first);
        if (c->commit_wait) {
            /* Batches of these partitions wait for this commit: send it again after the
             * backoff (a lost lock shuts the commit gate, which ends the retries). */
            c->commit_failures++;
            c->commit_retry_at =
                uv_now(c->loop) + kfk__consumer_backoff(c, (int)c->commit_failures);
            c->commit_again = 1;
        }
    } else {
        c->commit_failures = 0;
    }
    kfk__consumer_finish_commit(c, first);
    if (!c->client_closing)
        kfk__consumer_kick(c);
}

kfk_err_t kfk__consumer_commit(kfk_consumer_t *c, kfk_commit_cb cb, void *opaque) {
    if (cb) {
        struct commitw *w = kfk__calloc(1, sizeof *w);
        if (!w)
            return KFK_ERR__NOMEM;
        w->cb = cb;
        w->opaque = opaque;
        w->deadline = uv_now(c->loop) + (uint64_t)c->conf->request_timeout_ms;
        waiters_append(&c->commit_waiters, w);
    }
    if (c->commit_in_flight) {
        c->commit_again = 1;
        return KFK_ERR_NONE;
    }
    if (c->offsets_in_txn) {
        /* The offsets go into a producer's transactions: nothing to commit here. */
        c->commit_again = 0;
        settle(c, KFK_ERR_NONE);
        return KFK_ERR_NONE;
    }
    if (c->commit_gate && !c->commit_gate(c->commit_gate_opaque)) {
        /* The partition worker's lock is gone: nothing may be committed any more. */
        c->commit_again = 0;
        settle(c, KFK_ERR__LOCK_LOST);
        return KFK_ERR_NONE;
    }
    if (c->commit_failures && uv_now(c->loop) < c->commit_retry_at && !c->client_closing) {
        /* A failed commit is retried on its backoff (run() sends it then). */
        c->commit_again = 1;
        kfk__consumer_arm(c, c->commit_retry_at);
        return KFK_ERR_NONE;
    }
    if (!kfk__consumer_coordinator_up(c)) {
        /* run() commits once the coordinator is known and up. */
        c->commit_again = 1;
        return KFK_ERR_NONE;
    }
    size_t n = 0;
    for (size_t i = 0; i < c->nparts; i++)
        if (c->parts[i]->done > c->parts[i]->committed && c->parts[i]->done >= 0)
            n++;
    if (n == 0) {
        c->commit_again = 0;
        settle(c, KFK_ERR_NONE);
        return KFK_ERR_NONE;
    }
    commit_ctx_t *ctx = kfk__malloc(sizeof *ctx + n * sizeof ctx->items[0]);
    kfk_offset_commit_request_topic_t *topics = kfk__calloc(n, sizeof *topics);
    kfk_offset_commit_request_partition_t *parts = kfk__calloc(n, sizeof *parts);
    if (!ctx || !topics || !parts) {
        kfk__free(ctx);
        kfk__free(topics);
        kfk__free(parts);
        return KFK_ERR__NOMEM;
    }
    ctx->c = c;
    ctx->n = 0;
    size_t nt = 0;
    /* Group partitions by topic (one topic entry per distinct name). */
    for (size_t i = 0; i < c->nparts; i++) {
        cpart_t *p = c->parts[i];
        if (!(p->done > p->committed && p->done >= 0))
            continue;
        size_t t;
        for (t = 0; t < nt; t++)
            if (kfk_str_eq(topics[t].name, p->topic))
                break;
        if (t == nt) {
            topics[nt].name = kfk_str_c(p->topic);
            topics[nt].partitions = (kfk_array_t){NULL, 0};
            nt++;
        }
        ctx->items[ctx->n].topic = p->topic; /* interned: lives until the consumer is freed */
        ctx->items[ctx->n].id = p->id;
        ctx->items[ctx->n].offset = p->done;
        ctx->n++;
    }
    /* Lay partitions out contiguously per topic. */
    size_t k = 0;
    for (size_t t = 0; t < nt; t++) {
        topics[t].partitions.items = &parts[k];
        for (size_t i = 0; i < ctx->n; i++) {
            if (!kfk_str_eq(topics[t].name, ctx->items[i].topic))
                continue;
            parts[k].partition_index = ctx->items[i].id;
            parts[k].committed_offset = ctx->items[i].offset;
            parts[k].committed_leader_epoch = -1;
            parts[k].committed_metadata = (kfk_str_t){"", 0};
            k++;
            topics[t].partitions.count++;
        }
    }
    kfk_offset_commit_request_t req;
    memset(&req, 0, sizeof req);
    req.group_id = kfk_str_c(c->conf->group_id);
    int32_t gen = -1;
    const char *member = "", *instance = NULL;
    if (c->group && !c->group_ops->stable(c->group, &gen, &member, &instance)) {
        /* Not a stable member right now: commit later. */
        kfk__free(ctx);
        kfk__free(topics);
        kfk__free(parts);
        c->commit_again = 1;
        return KFK_ERR_NONE;
    }
    req.generation_id_or_member_epoch = gen;
    req.member_id = kfk_str_c(member);
    req.group_instance_id = instance ? kfk_str_c(instance) : (kfk_str_t){NULL, -1};
    req.retention_time_ms = -1;
    req.topics = (kfk_array_t){topics, (int32_t)nt};
    c->commit_in_flight = 1;
    c->commit_again = 0;
    kfk_err_t err =
        kfk__broker_request(c->coord, KFK_API_OFFSET_COMMIT, &req, 0, 0, on_commit, ctx);
    kfk__free(topics);
    kfk__free(parts);
    if (err) {
        kfk__free(ctx);
        c->commit_in_flight = 0;
        c->commit_again = 1;
        c->coord = NULL;
        kfk__consumer_kick(c);
    } else {
        /* The waiters so far are answered by this round. */
        waiters_append(&c->commit_sent, c->commit_waiters);
        c->commit_waiters = NULL;
    }
    return KFK_ERR_NONE;
}

static void on_revoke_commit(kfk_consumer_t *c, kfk_err_t err, void *opaque) {
    (void)err;
    (void)opaque;
    c->revoke_commit_ended = 1;
    kfk__consumer_kick(c);
}

int kfk__consumer_revoke_commit_wait(kfk_consumer_t *c, int *sent, uint64_t now,
                                     uint64_t deadline) {
    int pending = 0;
    for (size_t i = 0; i < c->nparts; i++)
        if (c->parts[i]->revoking && c->parts[i]->done > c->parts[i]->committed)
            pending = 1;
    if (!pending || now >= deadline)
        return 0;
    if (!*sent) {
        /* The round carrying them answers this waiter (the round in flight, if any, does not:
         * a waiter goes with the next round). Its commit runs with the current generation. */
        *sent = 1;
        c->revoke_commit_ended = 0;
        if (kfk__consumer_commit(c, on_revoke_commit, NULL) != KFK_ERR_NONE)
            return 0;
        return 1;
    }
    return !c->revoke_commit_ended;
}

kfk_err_t kfk_consumer_commit(kfk_consumer_t *c, kfk_commit_cb cb, void *opaque) {
    if (!c || c->client_closing)
        return KFK_ERR__DESTROYED;
    if (!c->conf->group_id[0])
        return KFK_ERR__INVALID_CONF;
    return kfk__consumer_commit(c, cb, opaque);
}

/* ---- explicit commits (kfk_consumer_commit_offsets) -------------------------------------- */

/* Offsets the application gave, waiting for the coordinator (and a stable member) until their
 * deadline, then in one OffsetCommit of their own. */
struct xcommit {
    struct xcommit *next;
    kfk_consumer_t *c;
    kfk_commit_cb cb;
    void *opaque;
    uint64_t deadline;
    size_t n;
    struct xitem {
        char *topic;
        int32_t partition;
        int64_t offset;
        char *metadata;
    } items[];
};

static void xcommit_free(struct xcommit *x) {
    for (size_t i = 0; i < x->n; i++) {
        kfk__free(x->items[i].topic);
        kfk__free(x->items[i].metadata);
    }
    kfk__free(x);
}

/* Ends @p x with @p err: its callback, then it is freed. */
static void xcommit_end(struct xcommit *x, kfk_err_t err) {
    kfk_consumer_t *c = x->c;
    kfk_commit_cb cb = x->cb;
    void *opaque = x->opaque;
    xcommit_free(x);
    if (cb)
        cb(c, err, opaque);
}

static void on_xcommit(kfk__resp_t *resp, void *opaque) {
    struct xcommit *x = opaque;
    kfk_consumer_t *c = x->c;
    kfk_err_t first = resp->err;
    kfk_offset_commit_response_t *r = resp->body;
    for (int32_t t = 0; !resp->err && r && t < r->topics.count; t++) {
        kfk_offset_commit_response_topic_t *tr =
            &KFK_ARRAY_AT(r->topics, kfk_offset_commit_response_topic_t, t);
        for (int32_t k = 0; k < tr->partitions.count; k++) {
            kfk_offset_commit_response_partition_t *pr =
                &KFK_ARRAY_AT(tr->partitions, kfk_offset_commit_response_partition_t, k);
            if (pr->error_code) {
                if (!first)
                    first = (kfk_err_t)pr->error_code;
                continue;
            }
            for (size_t i = 0; !c->client_closing && i < x->n; i++) {
                if (x->items[i].partition != pr->partition_index ||
                    !kfk_str_eq(tr->name, x->items[i].topic))
                    continue;
                cpart_t *p = kfk__consumer_part(c, x->items[i].topic, x->items[i].partition);
                if (p && x->items[i].offset > p->committed)
                    p->committed = x->items[i].offset;
            }
        }
    }
    if (first && !c->client_closing) {
        char why[400];
        kfk__consumer_group_error(c, first, 0, "offset commit (explicit offsets) failed: %s",
                                  kfk__resp_cause(resp, first, why, sizeof why));
        if (first == KFK_ERR_NOT_COORDINATOR || first == KFK_ERR_COORDINATOR_NOT_AVAILABLE ||
            first == KFK_ERR__TRANSPORT || first == KFK_ERR__TIMED_OUT ||
            first == KFK_ERR_REQUEST_TIMED_OUT)
            c->coord = NULL;
        if (c->group)
            c->group_ops->commit_failed(c->group, first);
    }
    if (!c->client_closing)
        kfk__consumer_kick(c);
    xcommit_end(x, c->client_closing && !first ? KFK_ERR__DESTROYED : first);
}

/* Sends @p x now: 0, or why not (it stays queued then). */
static kfk_err_t xcommit_send(kfk_consumer_t *c, struct xcommit *x) {
    int32_t gen = -1;
    const char *member = "", *instance = NULL;
    if (c->group && !c->group_ops->stable(c->group, &gen, &member, &instance))
        return KFK_ERR__STATE;
    kfk_offset_commit_request_topic_t *topics = kfk__calloc(x->n, sizeof *topics);
    kfk_offset_commit_request_partition_t *parts = kfk__calloc(x->n, sizeof *parts);
    if (!topics || !parts) {
        kfk__free(topics);
        kfk__free(parts);
        return KFK_ERR__NOMEM;
    }
    size_t nt = 0, k = 0;
    for (size_t i = 0; i < x->n; i++) {
        size_t t;
        for (t = 0; t < nt; t++)
            if (kfk_str_eq(topics[t].name, x->items[i].topic))
                break;
        if (t == nt)
            topics[nt++].name = kfk_str_c(x->items[i].topic);
    }
    for (size_t t = 0; t < nt; t++) {
        topics[t].partitions.items = &parts[k];
        for (size_t i = 0; i < x->n; i++) {
            if (!kfk_str_eq(topics[t].name, x->items[i].topic))
                continue;
            parts[k].partition_index = x->items[i].partition;
            parts[k].committed_offset = x->items[i].offset;
            parts[k].committed_leader_epoch = -1;
            parts[k].committed_metadata = kfk_str_c(x->items[i].metadata);
            k++;
            topics[t].partitions.count++;
        }
    }
    kfk_offset_commit_request_t req;
    memset(&req, 0, sizeof req);
    req.group_id = kfk_str_c(c->conf->group_id);
    req.generation_id_or_member_epoch = gen;
    req.member_id = kfk_str_c(member);
    req.group_instance_id = instance ? kfk_str_c(instance) : (kfk_str_t){NULL, -1};
    req.retention_time_ms = -1;
    req.topics = (kfk_array_t){topics, (int32_t)nt};
    kfk_err_t err = kfk__broker_request(c->coord, KFK_API_OFFSET_COMMIT, &req, 0, 0, on_xcommit, x);
    kfk__free(topics);
    kfk__free(parts);
    if (err)
        c->coord = NULL;
    return err;
}

void kfk__consumer_run_xcommits(kfk_consumer_t *c, uint64_t now, uint64_t *next) {
    struct xcommit **pp = &c->xcommits;
    while (*pp) {
        struct xcommit *x = *pp;
        int closing = c->client_closing;
        if (closing || now >= x->deadline) {
            *pp = x->next;
            xcommit_end(x, closing ? KFK_ERR__DESTROYED : KFK_ERR__TIMED_OUT);
            if (c->client_closing && !closing)
                return;        /* the callback closed the consumer: the close ends the others */
            pp = &c->xcommits; /* the callback may have queued or ended others */
            continue;
        }
        if (kfk__consumer_coordinator_up(c) && xcommit_send(c, x) == KFK_ERR_NONE) {
            *pp = x->next; /* on_xcommit ends it */
            continue;
        }
        if (x->deadline < *next)
            *next = x->deadline;
        pp = &x->next;
    }
}

kfk_err_t kfk_consumer_commit_offsets(kfk_consumer_t *c, const kfk_commit_offset_t *offsets,
                                      size_t n, kfk_commit_cb cb, void *opaque) {
    if (!c || c->closing || c->client_closing)
        return KFK_ERR__DESTROYED;
    if (!c->conf->group_id[0])
        return KFK_ERR__INVALID_CONF;
    if (!offsets || n == 0 || n > 100000)
        return KFK_ERR__INVALID_ARG;
    for (size_t i = 0; i < n; i++)
        if (!offsets[i].topic || !offsets[i].topic[0] || offsets[i].partition < 0 ||
            offsets[i].offset < 0)
            return KFK_ERR__INVALID_ARG;
    struct xcommit *x = kfk__calloc(1, sizeof *x + n * sizeof x->items[0]);
    if (!x)
        return KFK_ERR__NOMEM;
    x->c = c;
    x->cb = cb;
    x->opaque = opaque;
    x->deadline = uv_now(c->loop) + (uint64_t)c->conf->request_timeout_ms;
    for (size_t i = 0; i < n; i++, x->n++) {
        const char *md = offsets[i].metadata ? offsets[i].metadata : "";
        x->items[i].topic = kfk__strndup(offsets[i].topic, strlen(offsets[i].topic));
        x->items[i].metadata = kfk__strndup(md, strlen(md));
        x->items[i].partition = offsets[i].partition;
        x->items[i].offset = offsets[i].offset;
        if (!x->items[i].topic || !x->items[i].metadata) {
            x->n++;
            xcommit_free(x);
            return KFK_ERR__NOMEM;
        }
    }
    struct xcommit **tail = &c->xcommits;
    while (*tail)
        tail = &(*tail)->next;
    *tail = x;
    kfk__consumer_kick(c); /* sent from the loop's turn */
    return KFK_ERR_NONE;
}

/* ---- starting offsets: the group's commits (OffsetFetch) ---------------------------------- */

static void on_offset_fetch(kfk__resp_t *resp, void *opaque) {
    kfk_err_t err = resp->err;
    kfk_consumer_t *c = opaque;
    c->offsets_fetching = 0;
    if (c->client_closing)
        return;
    void *body = resp->body;
    kfk_offset_fetch_response_t *r = body;
    if (!err && r->error_code)
        err = (kfk_err_t)r->error_code;
    for (int32_t t = 0; !err && t < r->topics.count; t++) {
        kfk_offset_fetch_response_topic_t *tr =
            &KFK_ARRAY_AT(r->topics, kfk_offset_fetch_response_topic_t, t);
        char topic[256];
        snprintf(topic, sizeof topic, "%.*s", tr->name.len > 0 ? tr->name.len : 0,
                 tr->name.ptr ? tr->name.ptr : "");
        for (int32_t k = 0; k < tr->partitions.count; k++) {
            kfk_offset_fetch_response_partition_t *pr =
                &KFK_ARRAY_AT(tr->partitions, kfk_offset_fetch_response_partition_t, k);
            cpart_t *p = kfk__consumer_part(c, topic, pr->partition_index);
            if (!p || p->state != CP_OFFSET_PENDING)
                continue;
            if (pr->error_code) {
                p->state = CP_NEED_OFFSET; /* e.g. UNSTABLE_OFFSET_COMMIT: ask again */
                kfk__part_transient(c, p, (kfk_err_t)pr->error_code, 1,
                                    "OffsetFetch answered %s for the partition",
                                    kfk_err_name((kfk_err_t)pr->error_code));
                continue;
            }
            kfk__part_ok(p);
            if (pr->committed_offset >= 0) {
                p->position = p->fetch_offset = p->done = p->committed = pr->committed_offset;
                p->state = CP_READY;
            } else {
                p->start = KFK__OFFSET_RESET; /* no commit: apply auto.offset.reset */
                p->state = CP_NEED_OFFSET;
            }
        }
    }
    if (err) {
        char why[400];
        kfk__resp_cause(resp, err, why, sizeof why);
        if (err == KFK_ERR_NOT_COORDINATOR || err == KFK_ERR_COORDINATOR_NOT_AVAILABLE ||
            err == KFK_ERR__TRANSPORT || err == KFK_ERR__BAD_MSG)
            c->coord = NULL;
        kfk__consumer_group_error(c, err, 0, "committed offsets unknown: %s", why);
        for (size_t i = 0; i < c->nparts; i++)
            if (c->parts[i]->state == CP_OFFSET_PENDING) {
                c->parts[i]->state = CP_NEED_OFFSET;
                kfk__part_transient(c, c->parts[i], err, 1, "committed offset unknown: %s", why);
            }
    }
    kfk__consumer_kick(c);
}

void kfk__consumer_fetch_committed(kfk_consumer_t *c, uint64_t now) {
    if (c->offsets_fetching || !c->conf->group_id[0])
        return;
    size_t n = 0;
    for (size_t i = 0; i < c->nparts; i++)
        n += c->parts[i]->state == CP_NEED_OFFSET && c->parts[i]->start == KFK_OFFSET_STORED &&
             now >= c->parts[i]->retry_at;
    if (!n)
        return;
    if (!kfk__consumer_coordinator_up(c))
        return;
    kfk_offset_fetch_request_topic_t *topics = kfk__calloc(n, sizeof *topics);
    int32_t *ids = kfk__calloc(n, sizeof *ids);
    if (!topics || !ids) {
        kfk__free(topics);
        kfk__free(ids);
        return;
    }
    size_t nt = 0, k = 0;
    for (size_t i = 0; i < c->nparts; i++) {
        cpart_t *p = c->parts[i];
        if (!(p->state == CP_NEED_OFFSET && p->start == KFK_OFFSET_STORED && now >= p->retry_at))
            continue;
        size_t t;
        for (t = 0; t < nt; t++)
            if (kfk_str_eq(topics[t].name, p->topic))
                break;
        if (t == nt)
            topics[nt++].name = kfk_str_c(p->topic);
        p->state = CP_OFFSET_PENDING;
    }
    for (size_t t = 0; t < nt; t++) {
        topics[t].partition_indexes.items = &ids[k];
        for (size_t i = 0; i < c->nparts; i++) {
            cpart_t *p = c->parts[i];
            if (p->state == CP_OFFSET_PENDING && kfk_str_eq(topics[t].name, p->topic)) {
                ids[k++] = p->id;
                topics[t].partition_indexes.count++;
            }
        }
    }
    kfk_offset_fetch_request_t req;
    memset(&req, 0, sizeof req);
    req.group_id = kfk_str_c(c->conf->group_id);
    req.topics = (kfk_array_t){topics, (int32_t)nt};
    req.require_stable = true;
    c->offsets_fetching = 1;
    if (kfk__broker_request(c->coord, KFK_API_OFFSET_FETCH, &req, 0, 0, on_offset_fetch, c) != 0) {
        c->offsets_fetching = 0;
        c->coord = NULL;
        for (size_t i = 0; i < c->nparts; i++)
            if (c->parts[i]->state == CP_OFFSET_PENDING)
                c->parts[i]->state = CP_NEED_OFFSET;
    }
    kfk__free(topics);
    kfk__free(ids);
}

/* ---- offsets in a producer's transaction ---------------------------------------------------- */

kfk_err_t kfk_consumer_group_metadata(const kfk_consumer_t *c, kfk_group_metadata_t *out) {
    if (!c || !out)
        return KFK_ERR__INVALID_ARG;
    if (!c->conf->group_id[0])
        return KFK_ERR__INVALID_CONF;
    out->group_id = c->conf->group_id;
    out->generation_id = -1;
    out->member_id = "";
    out->group_instance_id = NULL;
    if (c->group && !c->group_ops->stable(c->group, &out->generation_id, &out->member_id,
                                          &out->group_instance_id))
        return KFK_ERR__STATE;
    return KFK_ERR_NONE;
}

size_t kfk_batch_offsets(const kfk_batch_t *b, kfk_commit_offset_t *out, size_t max) {
    if (!b)
        return 0;
    for (size_t i = 0; out && i < b->nparts && i < max; i++)
        out[i] =
            (kfk_commit_offset_t){b->parts[i].topic, b->parts[i].partition, b->parts[i].end, NULL};
    return b->nparts;
}

void kfk_consumer_set_offsets_in_txn(kfk_consumer_t *c, int on) {
    if (c)
        c->offsets_in_txn = on != 0;
}
