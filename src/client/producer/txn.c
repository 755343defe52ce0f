/*
 * txn.c: the transactional producer (transactional.id), transaction version 1 as Java's client
 * speaks it without KIP-890 part 2 (EndTxn v4 at most, Produce up to v11; request.c caps the
 * versions). One state machine per producer, driven from the producer's timer:
 *
 *   UNINIT -init-> INIT (FindCoordinator key_type 1, InitProducerId with the id) -> READY
 *   READY -begin-> IN_TXN: a partition with records joins the transaction (AddPartitionsToTxn,
 *     several at once) before its first Produce; sendable() in producer_send.c asks here.
 *   IN_TXN -commit-> COMMIT_FLUSH (a flush: every record sent in it is reported) -> END
 *     (EndTxn committed=true) -> READY
 *   IN_TXN or ABORTABLE -abort-> ABORT_DRAIN (no new sends; the requests in flight answer; the
 *     records not sent fail with KFK_ERR__TXN_ABORTED) -> END (EndTxn committed=false) ->
 *     BUMP (only after a record failed: InitProducerId with the current id and epoch, KIP-360,
 *     a new epoch whose sequences start again at 0) -> READY
 *
 * Errors, classified as Java's TransactionManager does: retriable ones (coordinator moving or
 * loading, CONCURRENT_TRANSACTIONS, a broken connection) are retried on retry.backoff.ms doubling
 * to retry.backoff.max.ms until transaction.timeout.ms passes, then the call ends
 * KFK_TXN_RETRIABLE and may be made again; a record's failure in the transaction makes it
 * ABORTABLE (commit is refused, abort is the way out); PRODUCER_FENCED, INVALID_PRODUCER_EPOCH,
 * the authorization errors and INVALID_TXN_STATE are FATAL: the producer refuses every call with
 * KFK_ERR__FATAL and fails its records with that error.
 */
#include <stdarg.h>

#include "client/core/backoff.h"
#include "client/producer/txn.h"

static const char *const state_names[] = {
    "Uninit", "Init",     "Ready",     "InTransaction",  "Flushing",
    "EndTxn", "Aborting", "BumpEpoch", "AbortableError", "FatalError"};

static void set_msg(kfk__txn_t *t, kfk_err_t err, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->msg, sizeof t->msg, fmt, ap);
    va_end(ap);
    t->err = err;
}

/* Ends the user call in progress with @p err of class @p cls (t->msg says why). */
void kfk__txn_finish(kfk_producer_t *p, kfk_err_t err, kfk_txn_class_t cls) {
    kfk__txn_t *t = p->txn;
    kfk_txn_cb cb = t->cb;
    void *opaque = t->opaque;
    t->op = OP_NONE;
    t->cb = NULL;
    if (!cb)
        return;
    kfk_txn_result_t r = {err, cls, err ? t->msg : ""};
    cb(p, &r, opaque);
}

/* The producer is unusable: every call is refused with KFK_ERR__FATAL from now on. */
void kfk__txn_fatal(kfk_producer_t *p, kfk_err_t err, const char *api) {
    kfk__txn_t *t = p->txn;
    if (t->state == TS_FATAL)
        return;
    if (err == KFK_ERR_PRODUCER_FENCED || err == KFK_ERR_INVALID_PRODUCER_EPOCH)
        set_msg(t, err,
                "transactional.id %s: fenced by a newer producer with the same transactional.id "
                "(%s answered %s)",
                kfk__txn_id(p), api, kfk_err_name(err));
    else
        set_msg(t, err, "transactional.id %s: %s answered %s (%s): the producer cannot go on",
                kfk__txn_id(p), api, kfk_err_name(err), kfk_err_str(err));
    t->state = TS_FATAL;
    p->fatal = err;
    kfk__log(&p->cl->log, KFK_LOG_ERR, KFK_DBG_PRODUCER, "%s", t->msg);
    kfk__txn_finish(p, err, KFK_TXN_FATAL);
    kfk__producer_kick(p); /* the timer fails what is queued */
}

/* The open transaction cannot commit any more: the caller must abort it. */
void kfk__txn_abortable(kfk_producer_t *p, kfk_err_t err, const char *fmt, ...) {
    kfk__txn_t *t = p->txn;
    if (t->state != TS_IN_TXN && t->state != TS_COMMIT_FLUSH)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->msg, sizeof t->msg, fmt, ap);
    va_end(ap);
    t->err = err;
    t->state = TS_ABORTABLE;
    kfk__log(&p->cl->log, KFK_LOG_WARNING, KFK_DBG_PRODUCER,
             "transactional.id %s: %s: the transaction must be aborted", kfk__txn_id(p), t->msg);
    if (t->op == OP_OFFSETS)
        kfk__txn_offsets_clear(p);
    if (t->op == OP_COMMIT || t->op == OP_OFFSETS)
        kfk__txn_finish(p, err, KFK_TXN_ABORTABLE);
}

/* A passing failure: the next attempt waits the backoff from @p base_ms (doubling per attempt
 * up to retry.backoff.max.ms, with jitter), and the coordinator is looked up again when @p lost
 * says it moved. */
static void retry_from(kfk_producer_t *p, kfk_err_t err, int lost, const char *why,
                       int64_t base_ms) {
    kfk__txn_t *t = p->txn;
    t->attempts++;
    t->retry_at =
        kfk__producer_now_ms(p) + kfk__backoff_ms(base_ms, p->c->retry_backoff_max_ms, t->attempts);
    if (lost)
        t->coord = NULL;
    set_msg(t, err, "%s", why);
    kfk__dbg(&p->cl->log, KFK_DBG_PRODUCER, "transactional.id %s: %s; retrying in %llu ms",
             kfk__txn_id(p), why, (unsigned long long)(t->retry_at - kfk__producer_now_ms(p)));
    kfk__producer_kick(p);
}

/* A passing failure: the next attempt waits retry.backoff.ms doubling (see retry_from). */
void kfk__txn_retry(kfk_producer_t *p, kfk_err_t err, int lost, const char *why) {
    retry_from(p, err, lost, why, p->c->retry_backoff_ms);
}

/* The errors a transaction call retries; *lost: the coordinator must be looked up again. */
int kfk__txn_retriable(kfk_err_t err, int *lost) {
    *lost = err == KFK_ERR_NOT_COORDINATOR || err == KFK_ERR_COORDINATOR_NOT_AVAILABLE;
    return *lost || err == KFK_ERR_COORDINATOR_LOAD_IN_PROGRESS ||
           err == KFK_ERR_CONCURRENT_TRANSACTIONS || err == KFK_ERR_UNKNOWN_TOPIC_OR_PARTITION ||
           err == KFK_ERR_OPERATION_NOT_ATTEMPTED || err == KFK_ERR__TRANSPORT ||
           err == KFK_ERR__TIMED_OUT || err == KFK_ERR__BAD_MSG || kfk_err_is_retriable(err);
}

/* The errors that end a transactional producer (Java's fatal errors; fenced above all). */
int kfk__txn_is_fatal(kfk_err_t err) {
    return err == KFK_ERR_PRODUCER_FENCED || err == KFK_ERR_INVALID_PRODUCER_EPOCH ||
           err == KFK_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED ||
           err == KFK_ERR_CLUSTER_AUTHORIZATION_FAILED || err == KFK_ERR_INVALID_TXN_STATE ||
           err == KFK_ERR_INVALID_TRANSACTION_TIMEOUT || err == KFK_ERR_UNSUPPORTED_VERSION ||
           err == KFK_ERR__NO_COMMON_VERSION || err == KFK_ERR_UNSUPPORTED_FOR_MESSAGE_FORMAT;
}

/* Every partition leaves the transaction (it ended). */
static void reset_partitions(kfk_producer_t *p) {
    for (ptopic_t *tp = p->topics; tp; tp = tp->next)
        for (int32_t i = 0; i < tp->nparts; i++)
            tp->parts[i].txn_added = KFK__TXN_TP_NONE;
    p->txn->started = 0;
}

static int partitions_wanted(kfk_producer_t *p) {
    for (ptopic_t *tp = p->topics; tp; tp = tp->next)
        for (int32_t i = 0; i < tp->nparts; i++)
            if (tp->parts[i].txn_added == KFK__TXN_TP_WANT)
                return 1;
    return 0;
}

/* The coordinator request the state needs now (an API key), or -1. */
static int16_t needed(kfk_producer_t *p) {
    kfk__txn_t *t = p->txn;
    switch (t->state) {
    case TS_INIT:
        return t->op == OP_INIT ? KFK_API_INIT_PRODUCER_ID : -1;
    case TS_BUMP:
        return t->op == OP_ABORT ? KFK_API_INIT_PRODUCER_ID : -1;
    case TS_END:
        return t->op != OP_NONE ? KFK_API_END_TXN : -1;
    case TS_IN_TXN:
    case TS_COMMIT_FLUSH:
        return partitions_wanted(p) ? KFK_API_ADD_PARTITIONS_TO_TXN : kfk__txn_offsets_needed(p);
    default:
        return -1;
    }
}

/* ---- the transaction coordinator ------------------------------------------------------------ */

static void on_find(kfk__resp_t *resp, void *opaque) {
    kfk_producer_t *p = opaque;
    kfk__txn_t *t = p->txn;
    t->lookup = 0;
    if (p->client_closing)
        return;
    kfk_find_coordinator_response_t *r = resp->body;
    kfk_err_t err = resp->err ? resp->err : (kfk_err_t)r->error_code;
    char why[400];
    if (err) {
        int lost;
        kfk__resp_cause(resp, err, why, sizeof why);
        if (kfk__txn_is_fatal(err) || !kfk__txn_retriable(err, &lost))
            kfk__txn_fatal(p, err, "FindCoordinator");
        else
            kfk__txn_retry(p, err, 1, why);
        return;
    }
    char host[256];
    snprintf(host, sizeof host, "%.*s", r->host.len > 0 ? r->host.len : 0,
             r->host.ptr ? r->host.ptr : "");
    t->coord = kfk__client_add_broker(p->cl, KFK__COORD_NODE_ID(r->node_id), host, r->port, NULL);
    kfk__dbg(&p->cl->log, KFK_DBG_PRODUCER, "transactional.id %s: coordinator is broker %d",
             kfk__txn_id(p), r->node_id);
    kfk__producer_kick(p);
}

static void on_lookup_broker(kfk__broker_t *b, kfk_err_t err, const char *msg, void *opaque) {
    kfk_producer_t *p = opaque;
    kfk__txn_t *t = p->txn;
    t->lookup_broker = NULL;
    if (p->client_closing) {
        t->lookup = 0;
        return;
    }
    kfk_err_t e = err;
    if (!e) {
        kfk_find_coordinator_request_t req;
        memset(&req, 0, sizeof req);
        req.key = kfk_str_c(kfk__txn_id(p));
        req.key_type = 1; /* a transaction */
        e = kfk__broker_request(b, KFK_API_FIND_COORDINATOR, &req, 0, 0, on_find, p);
        if (!e)
            return;
        msg = kfk_err_str(e);
    }
    t->lookup = 0;
    char why[400];
    snprintf(why, sizeof why, "no transaction coordinator: %s", msg && *msg ? msg : "?");
    kfk__txn_retry(p, e, 1, why);
}

static void on_coord_up(kfk__broker_t *b, kfk_err_t err, const char *msg, void *opaque) {
    (void)b;
    kfk_producer_t *p = opaque;
    kfk__txn_t *t = p->txn;
    t->coord_waiting = 0;
    if (p->client_closing)
        return;
    if (err) {
        char why[400];
        snprintf(why, sizeof why, "transaction coordinator: %s", msg && *msg ? msg : "?");
        kfk__txn_retry(p, err, 1, why);
        return;
    }
    kfk__producer_kick(p);
}

/* 1 when the coordinator's connection is up; else sets about it and returns 0. */
int kfk__txn_coordinator_up(kfk_producer_t *p) {
    kfk__txn_t *t = p->txn;
    if (t->coord && t->coord->up)
        return 1;
    if (t->coord) {
        if (!t->coord_waiting) {
            t->coord_waiting = 1;
            kfk__broker_wait(t->coord, &t->coord_w, on_coord_up, p);
        }
        return 0;
    }
    if (t->lookup)
        return 0;
    kfk__broker_t *b = kfk__client_any_broker(p->cl);
    if (!b)
        return 0;
    t->lookup = 1;
    t->lookup_broker = b;
    kfk__broker_wait(b, &t->lookup_w, on_lookup_broker, p);
    return 0;
}

/* ---- InitProducerId ------------------------------------------------------------------------- */

static void on_init(kfk__resp_t *resp, void *opaque) {
    kfk_producer_t *p = opaque;
    kfk__txn_t *t = p->txn;
    t->busy = 0;
    if (p->client_closing)
        return;
    kfk_init_producer_id_response_t *r = resp->body;
    kfk_err_t err = resp->err ? resp->err : (kfk_err_t)r->error_code;
    if (err) {
        int lost;
        char why[400];
        if (kfk__txn_is_fatal(err) || !kfk__txn_retriable(err, &lost))
            kfk__txn_fatal(p, err, "InitProducerId");
        else
            kfk__txn_retry(p, err, lost, kfk__resp_cause(resp, err, why, sizeof why));
        return;
    }
    int bump = t->state == TS_BUMP;
    p->pid = r->producer_id;
    p->epoch = r->producer_epoch;
    p->pid_state = PID_READY;
    p->pid_last_err = KFK_ERR_NONE;
    p->stat_epochs++;
    kfk__producer_renumber(p);
    t->attempts = 0;
    t->bump = 0;
    t->state = TS_READY;
    kfk__log(&p->cl->log, bump ? KFK_LOG_INFO : KFK_LOG_DEBUG, KFK_DBG_PRODUCER,
             "transactional.id %s: producer id %lld epoch %d%s", kfk__txn_id(p), (long long)p->pid,
             p->epoch, bump ? " (new epoch after the abort)" : "");
    kfk__txn_finish(p, KFK_ERR_NONE, KFK_TXN_OK);
    kfk__producer_kick(p);
}

static kfk_err_t send_init(kfk_producer_t *p) {
    kfk__txn_t *t = p->txn;
    kfk_init_producer_id_request_t req;
    memset(&req, 0, sizeof req);
    req.transactional_id = kfk_str_c(kfk__txn_id(p));
    req.transaction_timeout_ms = (int32_t)p->c->transaction_timeout_ms;
    /* The bump after an abort names the current id and epoch (KIP-360, v3+): a producer that
     * was fenced meanwhile hears PRODUCER_FENCED instead of taking the id back. */
    int bump = t->state == TS_BUMP && kfk__broker_version(t->coord, KFK_API_INIT_PRODUCER_ID) >= 3;
    req.producer_id = bump ? p->pid : -1;
    req.producer_epoch = bump ? p->epoch : -1;
    return kfk__broker_request(t->coord, KFK_API_INIT_PRODUCER_ID, &req, 0, 0, on_init, p);
}

/* ---- AddPartitionsToTxn --------------------------------------------------------------------- */

#define TXN_ADD_FIRST_BACKOFF_MS 20

static toppar_t *find_tp(kfk_producer_t *p, kfk_str_t topic, int32_t id) {
    for (ptopic_t *tp = p->topics; tp; tp = tp->next)
        if (kfk_str_eq(topic, tp->name) && id >= 0 && id < tp->nparts)
            return &tp->parts[id];
    return NULL;
}

static void sent_back_to_wanted(kfk_producer_t *p) {
    for (ptopic_t *tp = p->topics; tp; tp = tp->next)
        for (int32_t i = 0; i < tp->nparts; i++)
            if (tp->parts[i].txn_added == KFK__TXN_TP_SENT)
                tp->parts[i].txn_added = KFK__TXN_TP_WANT;
}

static void on_add(kfk__resp_t *resp, void *opaque) {
    kfk_producer_t *p = opaque;
    kfk__txn_t *t = p->txn;
    t->busy = 0;
    if (p->client_closing)
        return;
    kfk_add_partitions_to_txn_response_t *r = resp->body;
    kfk_err_t worst = resp->err;
    char why[400] = "";
    if (worst)
        kfk__resp_cause(resp, worst, why, sizeof why);
    int added = 0;
    for (int32_t i = 0; !resp->err && i < r->results_by_topic_v3_and_below.count; i++) {
        kfk_add_partitions_to_txn_response_add_partitions_to_txn_topic_result_t *tr = &KFK_ARRAY_AT(
            r->results_by_topic_v3_and_below,
            kfk_add_partitions_to_txn_response_add_partitions_to_txn_topic_result_t, i);
        for (int32_t k = 0; k < tr->results_by_partition.count; k++) {
            kfk_add_partitions_to_txn_response_add_partitions_to_txn_partition_result_t *pr =
                &KFK_ARRAY_AT(
                    tr->results_by_partition,
                    kfk_add_partitions_to_txn_response_add_partitions_to_txn_partition_result_t, k);
            toppar_t *tp = find_tp(p, tr->name, pr->partition_index);
            if (!tp || tp->txn_added != KFK__TXN_TP_SENT)
                continue;
            kfk_err_t e = (kfk_err_t)pr->partition_error_code;
            if (!e) {
                tp->txn_added = KFK__TXN_TP_ADDED;
                added++;
                continue;
            }
            tp->txn_added = KFK__TXN_TP_WANT;
            /* OPERATION_NOT_ATTEMPTED: another partition's error stopped it. */
            if (e != KFK_ERR_OPERATION_NOT_ATTEMPTED && (!worst || kfk__txn_is_fatal(e))) {
                worst = e;
                snprintf(why, sizeof why, "AddPartitionsToTxn answered %s for %.*s [%d]",
                         kfk_err_name(e), tr->name.len, tr->name.ptr, pr->partition_index);
            }
        }
    }
    kfk__dbg(&p->cl->log, KFK_DBG_PRODUCER, "transactional.id %s: %d partition(s) added%s%s",
             kfk__txn_id(p), added, worst ? ": " : "", worst ? kfk_err_name(worst) : "");
    sent_back_to_wanted(p); /* any the answer did not name */
    if (added) {
        t->started = 1;
        t->attempts = 0;
    }
    if (worst) {
        int lost;
        if (kfk__txn_is_fatal(worst)) {
            kfk__txn_fatal(p, worst, "AddPartitionsToTxn");
        } else if (worst == KFK_ERR_CONCURRENT_TRANSACTIONS && !t->started) {
            /* The first partitions of a transaction meet the previous one's markers still
             * being written (a few ms after its EndTxn): retried from 20 ms, doubling, not
             * from retry.backoff.ms (Java's ADD_PARTITIONS_RETRY_BACKOFF_MS, KAFKA-5482).
             * At 100 ms a transaction of 10,000 records waited longer for this than it took
             * to send. */
            retry_from(p, worst, 0, why, TXN_ADD_FIRST_BACKOFF_MS);
        } else if (kfk__txn_retriable(worst, &lost)) {
            kfk__txn_retry(p, worst, lost, why);
        } else {
            kfk__txn_abortable(p, worst, "%s", why);
        }
    }
    kfk__producer_kick(p);
}

static kfk_err_t send_add(kfk_producer_t *p) {
    kfk__txn_t *t = p->txn;
    size_t ntopics = 0, nparts = 0;
    for (ptopic_t *tp = p->topics; tp; tp = tp->next) {
        size_t n = 0;
        for (int32_t i = 0; i < tp->nparts; i++)
            n += tp->parts[i].txn_added == KFK__TXN_TP_WANT;
        ntopics += n > 0;
        nparts += n;
    }
    kfk_add_partitions_to_txn_request_add_partitions_to_txn_topic_t *tops =
        kfk__calloc(ntopics, sizeof *tops);
    int32_t *ids = kfk__calloc(nparts, sizeof *ids);
    if (!tops || !ids) {
        kfk__free(tops);
        kfk__free(ids);
        return KFK_ERR__NOMEM;
    }
    size_t ti = 0, pi = 0;
    for (ptopic_t *tp = p->topics; tp; tp = tp->next) {
        size_t first = pi;
        for (int32_t i = 0; i < tp->nparts; i++)
            if (tp->parts[i].txn_added == KFK__TXN_TP_WANT)
                ids[pi++] = i;
        if (pi == first)
            continue;
        tops[ti].name = kfk_str_c(tp->name);
        tops[ti].partitions = (kfk_array_t){&ids[first], (int32_t)(pi - first)};
        ti++;
    }
    kfk_add_partitions_to_txn_request_t req;
    memset(&req, 0, sizeof req);
    req.v3_and_below_transactional_id = kfk_str_c(kfk__txn_id(p));
    req.v3_and_below_producer_id = p->pid;
    req.v3_and_below_producer_epoch = p->epoch;
    req.v3_and_below_topics = (kfk_array_t){tops, (int32_t)ti};
    kfk_err_t err =
        kfk__broker_request(t->coord, KFK_API_ADD_PARTITIONS_TO_TXN, &req, 0, 0, on_add, p);
    kfk__free(tops);
    kfk__free(ids);
    if (!err)
        for (ptopic_t *tp = p->topics; tp; tp = tp->next)
            for (int32_t i = 0; i < tp->nparts; i++)
                if (tp->parts[i].txn_added == KFK__TXN_TP_WANT)
                    tp->parts[i].txn_added = KFK__TXN_TP_SENT;
    return err;
}

/* ---- EndTxn --------------------------------------------------------------------------------- */

static void on_end(kfk__resp_t *resp, void *opaque) {
    kfk_producer_t *p = opaque;
    kfk__txn_t *t = p->txn;
    t->busy = 0;
    if (p->client_closing)
        return;
    kfk_end_txn_response_t *r = resp->body;
    kfk_err_t err = resp->err ? resp->err : (kfk_err_t)r->error_code;
    if (err) {
        int lost;
        char why[400];
        if (kfk__txn_is_fatal(err) || !kfk__txn_retriable(err, &lost))
            kfk__txn_fatal(p, err, "EndTxn");
        else
            kfk__txn_retry(p, err, lost, kfk__resp_cause(resp, err, why, sizeof why));
        return;
    }
    t->attempts = 0;
    reset_partitions(p);
    kfk__dbg(&p->cl->log, KFK_DBG_PRODUCER, "transactional.id %s: transaction %s", kfk__txn_id(p),
             t->end_commit ? "committed" : "aborted");
    if (!t->end_commit && t->bump) {
        t->state = TS_BUMP; /* the abort goes on: a new epoch */
        kfk__producer_kick(p);
        return;
    }
    t->state = TS_READY;
    kfk__txn_finish(p, KFK_ERR_NONE, KFK_TXN_OK);
}

static kfk_err_t send_end(kfk_producer_t *p) {
    kfk__txn_t *t = p->txn;
    kfk_end_txn_request_t req;
    memset(&req, 0, sizeof req);
    req.transactional_id = kfk_str_c(kfk__txn_id(p));
    req.producer_id = p->pid;
    req.producer_epoch = p->epoch;
    req.committed = t->end_commit != 0;
    return kfk__broker_request(t->coord, KFK_API_END_TXN, &req, 0, 0, on_end, p);
}

/* ---- the state machine ---------------------------------------------------------------------- */

/* Enters the coordinator phase @p state of the call in progress. */
static void phase(kfk_producer_t *p, int state) {
    kfk__txn_t *t = p->txn;
    t->state = state;
    t->deadline = kfk__producer_now_ms(p) + (uint64_t)p->c->transaction_timeout_ms;
    kfk__producer_kick(p);
}

/* The abort's drain is over (nothing in flight): the rest of the transaction fails. */
static void drain_done(kfk_producer_t *p) {
    kfk__txn_t *t = p->txn;
    kfk__producer_fail_unsent(p, KFK_ERR__TXN_ABORTED);
    if (p->client_closing || t->state != TS_ABORT_DRAIN)
        return; /* a delivery callback closed the producer */
    if (t->started) {
        t->end_commit = 0;
        phase(p, TS_END);
    } else if (t->bump) {
        reset_partitions(p);
        phase(p, TS_BUMP);
    } else {
        reset_partitions(p); /* nothing reached the coordinator: nothing to end */
        t->state = TS_READY;
        kfk__txn_finish(p, KFK_ERR_NONE, KFK_TXN_OK);
    }
}

void kfk__txn_step(kfk_producer_t *p, uint64_t now) {
    kfk__txn_t *t = p->txn;
    if (p->client_closing)
        return;
    if (t->state == TS_FATAL && !t->failed_all) {
        t->failed_all = 1;
        kfk__producer_fail_unsent(p, t->err);
        return;
    }
    if (t->state == TS_ABORT_DRAIN && t->op == OP_ABORT && p->in_flight_batches == 0 && !t->busy)
        drain_done(p);
    int16_t api = needed(p);
    if (api < 0 || p->client_closing)
        return;
    if (api != KFK_API_ADD_PARTITIONS_TO_TXN && t->op != OP_NONE && now >= t->deadline) {
        char cause[sizeof t->msg];
        memcpy(cause, t->msg, sizeof cause);
        set_msg(t, t->err,
                "transactional.id %.100s: %s not done within transaction.timeout.ms "
                "(%lld ms)%s%.160s",
                kfk__txn_id(p), kfk_api_get(api) ? kfk_api_get(api)->name : "a request",
                (long long)p->c->transaction_timeout_ms, t->err ? ": " : "", t->err ? cause : "");
        kfk_err_t err = t->err ? t->err : KFK_ERR__TIMED_OUT;
        if (t->state == TS_INIT)
            t->state = TS_UNINIT;
        if (t->op == OP_OFFSETS)
            kfk__txn_offsets_clear(p); /* called again, it starts over */
        kfk__txn_finish(p, err, KFK_TXN_RETRIABLE);
        return;
    }
    if (t->busy || now < t->retry_at)
        return;
    kfk__dbg(&p->cl->log, KFK_DBG_PRODUCER, "transactional.id %s: %s next (%s)", kfk__txn_id(p),
             kfk_api_get(api) ? kfk_api_get(api)->name : "?", state_names[t->state]);
    if (api == KFK_API_ADD_OFFSETS_TO_TXN || api == KFK_API_TXN_OFFSET_COMMIT) {
        kfk_err_t e = kfk__txn_offsets_send(p, api); /* it waits for its coordinator itself */
        if (e && !p->client_closing)
            kfk__txn_retry(p, e, 0, "the transaction's offsets could not be sent");
        return;
    }
    if (!kfk__txn_coordinator_up(p))
        return;
    kfk_err_t err = api == KFK_API_END_TXN            ? send_end(p)
                    : api == KFK_API_INIT_PRODUCER_ID ? send_init(p)
                                                      : send_add(p);
    if (!err) {
        t->busy = 1;
        return;
    }
    char why[200];
    snprintf(why, sizeof why, "transaction coordinator: %s", kfk_err_str(err));
    if (kfk__txn_is_fatal(err))
        kfk__txn_fatal(p, err, kfk_api_get(api) ? kfk_api_get(api)->name : "a transaction request");
    else
        kfk__txn_retry(p, err, err == KFK_ERR__TRANSPORT, why);
}

uint64_t kfk__txn_due(kfk_producer_t *p, uint64_t now) {
    kfk__txn_t *t = p->txn;
    if (p->client_closing || needed(p) < 0)
        return UINT64_MAX;
    uint64_t due = UINT64_MAX;
    if (!t->busy && t->retry_at > now)
        due = t->retry_at;
    if (t->op != OP_NONE && t->deadline > now && t->deadline < due)
        due = t->deadline;
    return due;
}

int kfk__txn_may_send(kfk_producer_t *p, toppar_t *tp) {
    kfk__txn_t *t = p->txn;
    if (t->state != TS_IN_TXN && t->state != TS_COMMIT_FLUSH)
        return 0;
    if (tp->txn_added == KFK__TXN_TP_ADDED)
        return 1;
    if (tp->txn_added == KFK__TXN_TP_NONE) {
        tp->txn_added = KFK__TXN_TP_WANT;
        kfk__producer_kick(p);
    }
    return 0;
}

kfk_err_t kfk__txn_check_send(kfk_producer_t *p) {
    return p->txn->state == TS_IN_TXN ? KFK_ERR_NONE : KFK_ERR__STATE;
}

void kfk__txn_record_failed(kfk_producer_t *p, kfk_err_t err, const char *topic,
                            int32_t partition) {
    kfk__txn_t *t = p->txn;
    if (err == KFK_ERR__DESTROYED)
        return;
    t->bump = 1; /* its sequence numbers leave a gap: the next transaction needs a new epoch */
    if (err != KFK_ERR__TXN_ABORTED)
        kfk__txn_abortable(p, err, "a record to %s [%d] failed: %s", topic, (int)partition,
                           kfk_err_name(err));
}

int kfk__txn_produce_error(kfk_producer_t *p, kfk_err_t err) {
    if (err == KFK_ERR_PRODUCER_FENCED || err == KFK_ERR_INVALID_PRODUCER_EPOCH ||
        err == KFK_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED || err == KFK_ERR_INVALID_TXN_STATE) {
        kfk__txn_fatal(p, err, "Produce");
        return 1;
    }
    /* The broker lost the producer's state or the order: the transaction must be aborted (and
     * the epoch bumped after it). */
    return err == KFK_ERR_UNKNOWN_PRODUCER_ID || err == KFK_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER ||
           err == KFK_ERR_INVALID_PRODUCER_ID_MAPPING || err == KFK_ERR_TRANSACTION_ABORTABLE;
}

const char *kfk__txn_state_name(const kfk_producer_t *p) {
    return p->txn ? state_names[p->txn->state] : "Disabled";
}

kfk_err_t kfk__txn_new(kfk_producer_t *p) {
    p->txn = kfk__calloc(1, sizeof *p->txn);
    return p->txn ? KFK_ERR_NONE : KFK_ERR__NOMEM;
}

void kfk__txn_close(kfk_producer_t *p) {
    kfk__txn_t *t = p->txn;
    if (t->lookup_broker) {
        kfk__broker_cancel_wait(t->lookup_broker, &t->lookup_w);
        t->lookup_broker = NULL;
    }
    if (t->coord_waiting && t->coord) {
        kfk__broker_cancel_wait(t->coord, &t->coord_w);
        t->coord_waiting = 0;
    }
    kfk__txn_offsets_close(p);
    set_msg(t, KFK_ERR__DESTROYED, "the producer was closed");
    kfk__txn_finish(p, KFK_ERR__DESTROYED, KFK_TXN_FATAL);
}

/* ---- public API ----------------------------------------------------------------------------- */

/* The checks every call makes first: 0, or what it returns. */
static kfk_err_t usable(kfk_producer_t *p, kfk_txn_cb cb, int need_cb) {
    if (!p || (need_cb && !cb))
        return KFK_ERR__INVALID_ARG;
    if (p->closing)
        return KFK_ERR__DESTROYED;
    if (!p->txn)
        return KFK_ERR__STATE;
    if (p->fatal)
        return KFK_ERR__FATAL;
    if (p->txn->op != OP_NONE)
        return KFK_ERR__STATE; /* one call at a time */
    return KFK_ERR_NONE;
}

static void start(kfk_producer_t *p, int op, kfk_txn_cb cb, void *opaque) {
    kfk__txn_t *t = p->txn;
    t->op = op;
    t->cb = cb;
    t->opaque = opaque;
    t->deadline = kfk__producer_now_ms(p) + (uint64_t)p->c->transaction_timeout_ms;
    t->retry_at = 0;
    kfk__producer_kick(p); /* the callback comes from the timer, never from inside the call */
}

kfk_err_t kfk_producer_init_txns(kfk_producer_t *p, kfk_txn_cb cb, void *opaque) {
    kfk_err_t err = usable(p, cb, 1);
    if (err)
        return err;
    if (p->txn->state != TS_UNINIT && p->txn->state != TS_INIT)
        return KFK_ERR__STATE;
    p->txn->state = TS_INIT;
    start(p, OP_INIT, cb, opaque);
    return KFK_ERR_NONE;
}

kfk_err_t kfk_producer_begin_txn(kfk_producer_t *p) {
    kfk_err_t err = usable(p, NULL, 0);
    if (err)
        return err;
    kfk__txn_t *t = p->txn;
    if (t->state != TS_READY)
        return KFK_ERR__STATE;
    t->state = TS_IN_TXN;
    t->err = KFK_ERR_NONE;
    t->msg[0] = '\0';
    return KFK_ERR_NONE;
}

static void on_commit_flushed(kfk_producer_t *p, void *opaque) {
    (void)opaque;
    kfk__txn_t *t = p->txn;
    t->flush_pending = 0;
    if (p->client_closing || t->state != TS_COMMIT_FLUSH)
        return; /* the transaction became abortable (the commit was told) */
    if (!t->started) {
        t->state = TS_READY; /* no record: nothing to commit on the coordinator */
        kfk__txn_finish(p, KFK_ERR_NONE, KFK_TXN_OK);
        return;
    }
    t->end_commit = 1;
    phase(p, TS_END);
}

kfk_err_t kfk_producer_commit_txn(kfk_producer_t *p, kfk_txn_cb cb, void *opaque) {
    kfk_err_t err = usable(p, cb, 1);
    if (err)
        return err;
    kfk__txn_t *t = p->txn;
    if ((t->state == TS_COMMIT_FLUSH) || (t->state == TS_END && t->end_commit)) {
        start(p, OP_COMMIT, cb, opaque); /* again after a retriable outcome */
        return KFK_ERR_NONE;
    }
    if (t->state != TS_IN_TXN)
        return KFK_ERR__STATE;
    t->state = TS_COMMIT_FLUSH;
    t->flush_pending = 1;
    err = kfk_producer_flush(p, on_commit_flushed, NULL);
    if (err) {
        t->state = TS_IN_TXN;
        t->flush_pending = 0;
        return err;
    }
    start(p, OP_COMMIT, cb, opaque);
    return KFK_ERR_NONE;
}

kfk_err_t kfk_producer_abort_txn(kfk_producer_t *p, kfk_txn_cb cb, void *opaque) {
    kfk_err_t err = usable(p, cb, 1);
    if (err)
        return err;
    kfk__txn_t *t = p->txn;
    int again =
        t->state == TS_ABORT_DRAIN || t->state == TS_BUMP || (t->state == TS_END && !t->end_commit);
    if (!again && t->state != TS_IN_TXN && t->state != TS_ABORTABLE)
        return KFK_ERR__STATE;
    if (!again)
        t->state = TS_ABORT_DRAIN;
    start(p, OP_ABORT, cb, opaque);
    return KFK_ERR_NONE;
}

kfk_err_t kfk_producer_send_offsets_to_txn(kfk_producer_t *p, const kfk_commit_offset_t *offsets,
                                           size_t n, const kfk_group_metadata_t *group,
                                           kfk_txn_cb cb, void *opaque) {
    kfk_err_t err = usable(p, cb, 1);
    if (err)
        return err;
    if (!offsets || !n || !group || !group->group_id || !group->group_id[0])
        return KFK_ERR__INVALID_ARG;
    for (size_t i = 0; i < n; i++)
        if (!offsets[i].topic || !offsets[i].topic[0] || offsets[i].partition < 0 ||
            offsets[i].offset < 0)
            return KFK_ERR__INVALID_ARG;
    if (p->txn->state != TS_IN_TXN)
        return KFK_ERR__STATE;
    if ((err = kfk__txn_offsets_copy(p, offsets, n, group)) != 0)
        return err;
    start(p, OP_OFFSETS, cb, opaque);
    return KFK_ERR_NONE;
}
