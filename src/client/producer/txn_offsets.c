/*
 * txn_offsets.c: kfk_producer_send_offsets_to_txn, a consumer group's offsets committed with
 * the open transaction (consume-transform-produce, KIP-98 and KIP-447): AddOffsetsToTxn to the
 * transaction coordinator (the group's offsets partition joins the transaction), then
 * TxnOffsetCommit to the group's coordinator with the member's generation and ids, so that a
 * zombie member of an older generation is refused (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID,
 * FENCED_INSTANCE_ID: the transaction must be aborted). The offsets become the group's only
 * when the transaction commits. TxnOffsetCommit stays at v4 (transaction version 1).
 */
#include <stdarg.h>

#include "client/producer/txn.h"

/* ---- the group's coordinator ----------------------------------------------------------------- */

static void on_gfind(kfk__resp_t *resp, void *opaque) {
    kfk_producer_t *p = opaque;
    kfk__txn_t *t = p->txn;
    t->glookup = 0;
    if (p->client_closing)
        return;
    kfk_find_coordinator_response_t *r = resp->body;
    kfk_err_t err = resp->err ? resp->err : (kfk_err_t)r->error_code;
    if (err) {
        int lost;
        char why[400];
        kfk__resp_cause(resp, err, why, sizeof why);
        if (kfk__txn_retriable(err, &lost))
            kfk__txn_retry(p, err, 0, why);
        else
            kfk__txn_abortable(p, err, "group %s: %s", t->group_id, why);
        return;
    }
    char host[256];
    snprintf(host, sizeof host, "%.*s", r->host.len > 0 ? r->host.len : 0,
             r->host.ptr ? r->host.ptr : "");
    t->gcoord = kfk__client_add_broker(p->cl, KFK__COORD_NODE_ID(r->node_id), host, r->port, NULL);
    snprintf(t->gcoord_for, sizeof t->gcoord_for, "%s", t->group_id);
    kfk__producer_kick(p);
}

static void on_glookup_broker(kfk__broker_t *b, kfk_err_t err, const char *msg, void *opaque) {
    kfk_producer_t *p = opaque;
    kfk__txn_t *t = p->txn;
    t->glookup_broker = NULL;
    if (p->client_closing || !t->group_id) {
        t->glookup = 0;
        return;
    }
    kfk_err_t e = err;
    if (!e) {
        kfk_find_coordinator_request_t req;
        memset(&req, 0, sizeof req);
        req.key = kfk_str_c(t->group_id);
        req.key_type = 0; /* a group */
        e = kfk__broker_request(b, KFK_API_FIND_COORDINATOR, &req, 0, 0, on_gfind, p);
        if (!e)
            return;
        msg = kfk_err_str(e);
    }
    t->glookup = 0;
    char why[400];
    snprintf(why, sizeof why, "no coordinator for group %s: %s", t->group_id,
             msg && *msg ? msg : "?");
    kfk__txn_retry(p, e, 0, why);
}

static void on_gcoord_up(kfk__broker_t *b, kfk_err_t err, const char *msg, void *opaque) {
    (void)b;
    kfk_producer_t *p = opaque;
    kfk__txn_t *t = p->txn;
    t->gwaiting = 0;
    if (p->client_closing)
        return;
    if (err) {
        char why[400];
        snprintf(why, sizeof why, "group coordinator: %s", msg && *msg ? msg : "?");
        t->gcoord = NULL;
        kfk__txn_retry(p, err, 0, why);
        return;
    }
    kfk__producer_kick(p);
}

/* 1 when the group coordinator's connection is up; else sets about it and returns 0. */
static int gcoord_up(kfk_producer_t *p) {
    kfk__txn_t *t = p->txn;
    if (t->gcoord && t->gcoord->up)
        return 1;
    if (t->gcoord) {
        if (!t->gwaiting) {
            t->gwaiting = 1;
            kfk__broker_wait(t->gcoord, &t->gcoord_w, on_gcoord_up, p);
        }
        return 0;
    }
    if (t->glookup)
        return 0;
    kfk__broker_t *b = kfk__client_any_broker(p->cl);
    if (!b)
        return 0;
    t->glookup = 1;
    t->glookup_broker = b;
    kfk__broker_wait(b, &t->glookup_w, on_glookup_broker, p);
    return 0;
}

/* ---- AddOffsetsToTxn, TxnOffsetCommit ---------------------------------------------------------
 */

/* The call ends: success, or the transaction's outcome was decided elsewhere. */
static void done(kfk_producer_t *p, kfk_err_t err, kfk_txn_class_t cls) {
    kfk__txn_offsets_clear(p);
    kfk__txn_finish(p, err, cls);
}

/* An error answered by @p api: fatal, retried, or the transaction must be aborted. */
static void failed(kfk_producer_t *p, const char *api, kfk_err_t err, const char *why) {
    kfk__txn_t *t = p->txn;
    int lost;
    if (kfk__txn_is_fatal(err)) {
        kfk__txn_fatal(p, err, api); /* ends the call */
        kfk__txn_offsets_clear(p);
    } else if (kfk__txn_retriable(err, &lost)) {
        if (lost && t->off_phase == TXN_OFF_COMMIT)
            t->gcoord = NULL; /* the group's coordinator moved */
        kfk__txn_retry(p, err, lost && t->off_phase == TXN_OFF_ADD, why);
    } else {
        /* ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID (a rebalance took the
         * partitions away), GROUP_AUTHORIZATION_FAILED, ... */
        kfk__txn_abortable(p, err, "%s", why);
        if (t->op == OP_OFFSETS)
            done(p, err, KFK_TXN_ABORTABLE);
    }
}

static void on_add_offsets(kfk__resp_t *resp, void *opaque) {
    kfk_producer_t *p = opaque;
    kfk__txn_t *t = p->txn;
    t->busy = 0;
    if (p->client_closing)
        return;
    kfk_add_offsets_to_txn_response_t *r = resp->body;
    kfk_err_t err = resp->err ? resp->err : (kfk_err_t)r->error_code;
    if (err) {
        char why[400];
        failed(p, "AddOffsetsToTxn", err, kfk__resp_cause(resp, err, why, sizeof why));
        return;
    }
    t->started = 1; /* the transaction is open on the coordinator: it must be ended */
    t->attempts = 0;
    t->off_phase = TXN_OFF_COMMIT;
    kfk__producer_kick(p);
}

static void on_commit_offsets(kfk__resp_t *resp, void *opaque) {
    kfk_producer_t *p = opaque;
    kfk__txn_t *t = p->txn;
    t->busy = 0;
    if (p->client_closing)
        return;
    kfk_txn_offset_commit_response_t *r = resp->body;
    kfk_err_t err = resp->err;
    char why[400] = "";
    if (err)
        kfk__resp_cause(resp, err, why, sizeof why);
    for (int32_t i = 0; !resp->err && i < r->topics.count; i++) {
        kfk_txn_offset_commit_response_topic_t *tr =
            &KFK_ARRAY_AT(r->topics, kfk_txn_offset_commit_response_topic_t, i);
        for (int32_t k = 0; k < tr->partitions.count; k++) {
            kfk_txn_offset_commit_response_partition_t *pr =
                &KFK_ARRAY_AT(tr->partitions, kfk_txn_offset_commit_response_partition_t, k);
            kfk_err_t e = (kfk_err_t)pr->error_code;
            if (e && (!err || kfk__txn_is_fatal(e))) {
                err = e;
                snprintf(why, sizeof why, "TxnOffsetCommit answered %s for group %s, %.*s [%d]",
                         kfk_err_name(e), t->group_id, tr->name.len, tr->name.ptr,
                         pr->partition_index);
            }
        }
    }
    if (err) {
        failed(p, "TxnOffsetCommit", err, why);
        return;
    }
    t->attempts = 0;
    done(p, KFK_ERR_NONE, KFK_TXN_OK);
}

static kfk_err_t send_add_offsets(kfk_producer_t *p) {
    kfk__txn_t *t = p->txn;
    if (!kfk__txn_coordinator_up(p))
        return KFK_ERR_NONE; /* on its way: the timer comes back */
    kfk_add_offsets_to_txn_request_t req;
    memset(&req, 0, sizeof req);
    req.transactional_id = kfk_str_c(kfk__txn_id(p));
    req.producer_id = p->pid;
    req.producer_epoch = p->epoch;
    req.group_id = kfk_str_c(t->group_id);
    kfk_err_t err =
        kfk__broker_request(t->coord, KFK_API_ADD_OFFSETS_TO_TXN, &req, 0, 0, on_add_offsets, p);
    t->busy = !err;
    return err;
}

static kfk_err_t send_commit_offsets(kfk_producer_t *p) {
    kfk__txn_t *t = p->txn;
    if (!gcoord_up(p))
        return KFK_ERR_NONE;
    /* Topics in the order given, each with its partitions (a topic may come back later in the
     * list: it gets an entry of its own then, which the broker takes as well). */
    kfk_txn_offset_commit_request_topic_t *tops = kfk__calloc(t->noffs, sizeof *tops);
    kfk_txn_offset_commit_request_partition_t *parts = kfk__calloc(t->noffs, sizeof *parts);
    if (!tops || !parts) {
        kfk__free(tops);
        kfk__free(parts);
        return KFK_ERR__NOMEM;
    }
    size_t nt = 0;
    for (size_t i = 0; i < t->noffs; i++) {
        const kfk_commit_offset_t *o = &t->offs[i];
        if (i == 0 || strcmp(o->topic, t->offs[i - 1].topic)) {
            tops[nt].name = kfk_str_c(o->topic);
            tops[nt].partitions = (kfk_array_t){&parts[i], 0};
            nt++;
        }
        tops[nt - 1].partitions.count++;
        parts[i].partition_index = o->partition;
        parts[i].committed_offset = o->offset;
        parts[i].committed_leader_epoch = -1;
        parts[i].committed_metadata = kfk_str_c(o->metadata ? o->metadata : "");
    }
    kfk_txn_offset_commit_request_t req;
    memset(&req, 0, sizeof req);
    req.transactional_id = kfk_str_c(kfk__txn_id(p));
    req.group_id = kfk_str_c(t->group_id);
    req.producer_id = p->pid;
    req.producer_epoch = p->epoch;
    req.generation_id = t->generation;
    req.member_id = kfk_str_c(t->member_id ? t->member_id : "");
    req.group_instance_id = t->instance_id ? kfk_str_c(t->instance_id) : (kfk_str_t){NULL, -1};
    req.topics = (kfk_array_t){tops, (int32_t)nt};
    kfk_err_t err =
        kfk__broker_request(t->gcoord, KFK_API_TXN_OFFSET_COMMIT, &req, 0, 0, on_commit_offsets, p);
    kfk__free(tops);
    kfk__free(parts);
    t->busy = !err;
    return err;
}

int16_t kfk__txn_offsets_needed(kfk_producer_t *p) {
    kfk__txn_t *t = p->txn;
    if (t->op != OP_OFFSETS || t->state != TS_IN_TXN)
        return -1;
    return t->off_phase == TXN_OFF_ADD      ? KFK_API_ADD_OFFSETS_TO_TXN
           : t->off_phase == TXN_OFF_COMMIT ? KFK_API_TXN_OFFSET_COMMIT
                                            : -1;
}

kfk_err_t kfk__txn_offsets_send(kfk_producer_t *p, int16_t api) {
    return api == KFK_API_ADD_OFFSETS_TO_TXN ? send_add_offsets(p) : send_commit_offsets(p);
}

void kfk__txn_offsets_clear(kfk_producer_t *p) {
    kfk__txn_t *t = p->txn;
    t->off_phase = TXN_OFF_NONE;
    kfk__free(t->offs);
    kfk__free(t->offs_mem);
    t->offs = NULL;
    t->offs_mem = NULL;
    t->noffs = 0;
    t->group_id = t->member_id = t->instance_id = NULL;
}

void kfk__txn_offsets_close(kfk_producer_t *p) {
    kfk__txn_t *t = p->txn;
    if (t->glookup_broker) {
        kfk__broker_cancel_wait(t->glookup_broker, &t->glookup_w);
        t->glookup_broker = NULL;
    }
    if (t->gwaiting && t->gcoord) {
        kfk__broker_cancel_wait(t->gcoord, &t->gcoord_w);
        t->gwaiting = 0;
    }
    kfk__txn_offsets_clear(p);
}

/* Appends @p s (NULL stays NULL) to the buffer at *@p at; returns the copy. */
static const char *put_str(char **at, const char *s) {
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    memcpy(*at, s, n);
    const char *copy = *at;
    *at += n;
    return copy;
}

kfk_err_t kfk__txn_offsets_copy(kfk_producer_t *p, const kfk_commit_offset_t *offsets, size_t n,
                                const kfk_group_metadata_t *g) {
    kfk__txn_t *t = p->txn;
    if (t->gcoord && strcmp(t->gcoord_for, g->group_id)) {
        /* Another group: its own coordinator. */
        if (t->gwaiting)
            kfk__broker_cancel_wait(t->gcoord, &t->gcoord_w);
        t->gwaiting = 0;
        t->gcoord = NULL;
    }
    size_t bytes = strlen(g->group_id) + 1 + (g->member_id ? strlen(g->member_id) + 1 : 0) +
                   (g->group_instance_id ? strlen(g->group_instance_id) + 1 : 0);
    for (size_t i = 0; i < n; i++)
        bytes += strlen(offsets[i].topic) + 1 +
                 (offsets[i].metadata ? strlen(offsets[i].metadata) + 1 : 0);
    kfk__txn_offsets_clear(p);
    t->offs = kfk__calloc(n, sizeof *t->offs);
    t->offs_mem = kfk__malloc(bytes);
    if (!t->offs || !t->offs_mem) {
        kfk__txn_offsets_clear(p);
        return KFK_ERR__NOMEM;
    }
    char *at = t->offs_mem;
    t->group_id = put_str(&at, g->group_id);
    t->member_id = put_str(&at, g->member_id);
    t->instance_id = put_str(&at, g->group_instance_id);
    t->generation = g->generation_id;
    for (size_t i = 0; i < n; i++) {
        t->offs[i] = offsets[i];
        t->offs[i].topic = put_str(&at, offsets[i].topic);
        t->offs[i].metadata = put_str(&at, offsets[i].metadata);
    }
    t->noffs = n;
    t->off_phase = TXN_OFF_ADD;
    return KFK_ERR_NONE;
}
