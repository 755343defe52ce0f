/*
 * h_data.c: the mock's data plane handlers: Produce (v3-11), Fetch (v4-12) and ListOffsets
 * (v1-7), on the partition logs of log.c.
 *
 * Produce: per partition, in Kafka's order: the fault hook, INVALID_REQUIRED_ACKS (acks other
 * than 0, 1, -1), unknown topic (created first when the mock auto-creates topics) or partition,
 * NOT_LEADER_OR_FOLLOWER (with the leader in current_leader and node_endpoints from v10), the
 * batch check (log.c: one v2 batch; legacy message sets are CORRUPT_MESSAGE), ZSTD before v7
 * (UNSUPPORTED_COMPRESSION_TYPE), transactional batches (INVALID_TXN_STATE: the mock has no
 * transaction coordinator), then the idempotent producer's checks as Kafka's
 * ProducerAppendInfo makes them, per (partition, producer id):
 *   - a batch whose epoch and first and last sequence match one of the producer's last 5
 *     appended batches is a retry: answered NONE with that batch's base offset, not appended
 *     (Kafka answers so; DUPLICATE_SEQUENCE_NUMBER is what a fault can inject);
 *   - an epoch below the producer's: INVALID_PRODUCER_EPOCH;
 *   - a new (higher) epoch must start at sequence 0, the same epoch must continue at last + 1
 *     (INT32_MAX wraps to 0): OUT_OF_ORDER_SEQUENCE_NUMBER otherwise;
 *   - a producer id with no state on the partition (never seen, or its batches all dropped by
 *     the cap, which forgets it as Kafka's retention does) may start at any sequence.
 * acks=0 appends and answers nothing (Kafka would close the connection on an error; handlers
 * never close connections). Timeouts are not waited for: every replica is in sync at once.
 *
 * Fetch: the fault hook is asked once per partition when the request arrives (its answer is
 * kept for a later reply). Per partition: unknown topic or partition, the leader epoch (v9+:
 * FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH), NOT_LEADER_OR_FOLLOWER, OFFSET_OUT_OF_RANGE
 * (errors carry -1 for the offsets, as Kafka's). Data: whole batches, at most max_bytes (capped
 * at Kafka's fetch.max.bytes, 55 MiB) in all and partition_max_bytes per partition, the first
 * batch of the first partition with data even when larger (KIP-74). No transactions, so the
 * last stable offset is the high watermark under both isolation levels (read_committed gets
 * an empty aborted list, read_uncommitted none). Fetch sessions are not kept: session_id 0
 * tells the client to send full fetches. A records or bomb fault (fault.c) that matches a
 * partition with no error replaces the bytes read from its log (records_fault), and its high
 * watermark is at least the fetch offset + 1, so that a consumer takes them for data to read.
 *
 * The long poll (Kafka's DelayedFetch): an answer is sent at once when max_wait_ms <= 0, no
 * partition was asked, any partition has an error, or min_bytes are readable (counting at most
 * partition_max_bytes per partition); otherwise the request waits (KFK__MOCK_LATER) with its
 * own uv_timer_t for max_wait_ms. Each Produce that appends, and kfk__mock_data_wake, answers
 * the waiters that became ready; the timer answers the others with what there is then. Answers
 * are built when sent, never kept: the record bytes are copied into the request's arena by
 * kfk__mlog_read, so an answer never points into a log that a later Produce (the cap) or
 * DeleteTopics may change before the bytes are written.
 *
 * ListOffsets: earliest (-2), latest (-1, also under read_committed), the largest timestamp
 * (-3, v7), or the first record at or after a time; one offset per partition (v1+), with the
 * leader epoch from v4.
 */
#include <string.h>

#include "mock/mock_int.h"
#include "protocol/mem.h"
#include "protocol/records.h"

/* Kafka's broker default fetch.max.bytes (55 MiB): the most one Fetch answer carries. */
#define FETCH_MAX_BYTES 57671680
/* Producer ids' last batches kept for duplicate detection (ProducerStateEntry). */
#define RECENT_MAX 5
#define ISOLATION_READ_COMMITTED 1
#define REPLICA_DEBUG (-2)

static const uint8_t empty_records[1];

/* A Fetch waiting for data. */
typedef struct waiter {
    uv_timer_t timer;
    kfk_mock_t *m;
    kfk__mreq_t *req;
    int16_t *injected; /* per partition, in request order: the fault hook's answer */
    struct waiter *prev, *next;
} waiter_t;

typedef struct data_state {
    waiter_t *head;
} data_state_t;

static void *alloc(kfk__mreq_t *req, size_t n, size_t size) {
    if (n == 0)
        n = 1;
    if (n > SIZE_MAX / size)
        return NULL;
    return kfk_arena_alloc(&req->arena, n * size);
}

static int16_t fault(kfk__mreq_t *req, kfk_str_t topic, int32_t partition) {
    return kfk__mock_fault_error(req->m, req->hdr.api_key, req->broker->id, topic.ptr,
                                 topic.len > 0 ? (size_t)topic.len : 0, partition);
}

static kfk__mtopic_t *topic_of(kfk_mock_t *m, kfk_str_t name) {
    return name.len > 0 ? kfk__mock_topic(m, name.ptr, (size_t)name.len) : NULL;
}

static kfk__mpartition_t *partition_of(kfk__mtopic_t *t, int32_t index) {
    return t && index >= 0 && index < t->nparts ? &t->parts[index] : NULL;
}

/* Kafka's checkCurrentLeaderEpoch: -1 asks for no check. */
static int16_t epoch_check(const kfk__mpartition_t *p, int32_t current_leader_epoch) {
    if (current_leader_epoch < 0 || current_leader_epoch == p->leader_epoch)
        return KFK_ERR_NONE;
    return current_leader_epoch < p->leader_epoch ? KFK_ERR_FENCED_LEADER_EPOCH
                                                  : KFK_ERR_UNKNOWN_LEADER_EPOCH;
}

static int16_t err16(kfk_err_t err) {
    return err > 0 ? (int16_t)err : KFK_ERR_UNKNOWN_SERVER_ERROR;
}

/* ---- Produce --------------------------------------------------------------------------- */

/* DefaultRecordBatch.incrementSequence: sequences wrap from INT32_MAX to 0. */
static int32_t seq_add(int32_t seq, int32_t n) {
    if (seq > INT32_MAX - n)
        return n - (INT32_MAX - seq) - 1;
    return seq + n;
}

static int in_sequence(int32_t last, int32_t next) {
    return (int64_t)next == (int64_t)last + 1 || (next == 0 && last == INT32_MAX);
}

static kfk__mpid_t *pid_find(kfk__mpartition_t *p, int64_t producer_id) {
    for (kfk__mpid_t *s = p->pids; s; s = s->next)
        if (s->producer_id == producer_id)
            return s;
    return NULL;
}

/* Forgets producers whose batches the cap dropped (Kafka removes them with their segments). */
static void pid_expire(kfk__mpartition_t *p) {
    kfk__mpid_t **pp = &p->pids;
    while (*pp) {
        kfk__mpid_t *s = *pp;
        if (s->last_offset < p->log.log_start) {
            *pp = s->next;
            kfk__free(s);
        } else {
            pp = &s->next;
        }
    }
}

/* Records an appended batch in the producer's state (Kafka's ProducerStateEntry.addBatch). */
static void pid_add(kfk__mpid_t *s, int16_t epoch, int32_t first_seq, int32_t last_seq,
                    int64_t first_offset, int64_t last_offset, int64_t timestamp) {
    if (s->epoch != epoch) {
        s->epoch = epoch;
        s->nrecent = 0;
    }
    if (s->nrecent == RECENT_MAX) {
        memmove(&s->recent[0], &s->recent[1], (RECENT_MAX - 1) * sizeof s->recent[0]);
        s->nrecent--;
    }
    s->recent[s->nrecent].first_seq = first_seq;
    s->recent[s->nrecent].last_seq = last_seq;
    s->recent[s->nrecent].first_offset = first_offset;
    s->recent[s->nrecent].last_offset = last_offset;
    s->recent[s->nrecent].timestamp = timestamp;
    s->nrecent++;
    s->last_seq = last_seq;
    s->last_offset = last_offset;
}

/* Fills current_leader and node_endpoints (v10+) for NOT_LEADER_OR_FOLLOWER (KIP-951). */
static void produce_leader_hint(kfk__mreq_t *req, kfk_produce_response_t *r,
                                kfk_produce_response_partition_produce_response_t *op,
                                const kfk__mpartition_t *p) {
    if (req->hdr.api_version < 10 || p->leader < 0)
        return;
    op->current_leader.leader_id = p->leader;
    op->current_leader.leader_epoch = p->leader_epoch;
    kfk__mbroker_t *b = kfk__mock_broker(req->m, p->leader);
    if (!b)
        return;
    kfk_produce_response_node_endpoint_t *eps = r->node_endpoints.items;
    for (int32_t i = 0; i < r->node_endpoints.count; i++)
        if (eps[i].node_id == b->id)
            return;
    /* At most one endpoint per broker: the array was sized for all of them. */
    kfk_produce_response_node_endpoint_t *e = &eps[r->node_endpoints.count++];
    e->node_id = b->id;
    e->host = KFK_STR("127.0.0.1");
    e->port = b->port;
    e->rack = (kfk_str_t){NULL, -1};
}

/* One partition of a Produce: the error code; fills op's offsets on success. */
static int16_t produce_partition(kfk__mreq_t *req, kfk_produce_response_t *r,
                                 kfk_produce_response_partition_produce_response_t *op,
                                 kfk__mtopic_t *t, const kfk_bytes_t *records, int *appended) {
    kfk__mpartition_t *p = partition_of(t, op->index);
    if (!p)
        return KFK_ERR_UNKNOWN_TOPIC_OR_PARTITION;
    if (p->leader != req->broker->id) {
        produce_leader_hint(req, r, op, p);
        return KFK_ERR_NOT_LEADER_OR_FOLLOWER;
    }
    kfk_record_batch_t batch;
    kfk_err_t err =
        kfk__mlog_check(records->ptr, records->len > 0 ? (size_t)records->len : 0, &batch);
    if (err)
        return err16(err);
    if (batch.codec == KFK_CODEC_ZSTD && req->hdr.api_version < 7)
        return KFK_ERR_UNSUPPORTED_COMPRESSION_TYPE;
    if (batch.is_transactional)
        return KFK_ERR_INVALID_TXN_STATE;
    if (kfk__mock_topic_check(req, t, &batch, op)) /* topic configs (topic_config.c) */
        return op->error_code;

    kfk__mpid_t *s = NULL, *fresh = NULL;
    int32_t last_seq = -1;
    if (batch.producer_id >= 0) {
        last_seq = seq_add(batch.base_sequence, batch.last_offset_delta);
        s = pid_find(p, batch.producer_id);
        if (s && s->epoch == batch.producer_epoch) {
            for (int i = 0; i < s->nrecent; i++) {
                if (s->recent[i].first_seq == batch.base_sequence &&
                    s->recent[i].last_seq == last_seq) {
                    op->base_offset = s->recent[i].first_offset;
                    op->log_append_time_ms = s->recent[i].timestamp; /* as Kafka answers */
                    op->log_start_offset = p->log.log_start;
                    return KFK_ERR_NONE;
                }
            }
        }
        if (s && batch.producer_epoch < s->epoch)
            return KFK_ERR_INVALID_PRODUCER_EPOCH;
        if (s && batch.producer_epoch != s->epoch && batch.base_sequence != 0)
            return KFK_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER;
        if (s && batch.producer_epoch == s->epoch && !in_sequence(s->last_seq, batch.base_sequence))
            return KFK_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER;
        if (!s) {
            fresh = kfk__calloc(1, sizeof *fresh);
            if (!fresh)
                return KFK_ERR_UNKNOWN_SERVER_ERROR;
            fresh->producer_id = batch.producer_id;
            fresh->epoch = batch.producer_epoch;
            fresh->last_seq = -1;
            s = fresh;
        }
    }
    int64_t base = -1;
    err = kfk__mlog_append(&p->log, &batch, p->leader_epoch, &base);
    if (err) {
        kfk__free(fresh);
        return err16(err);
    }
    *appended = 1;
    if (s) {
        pid_add(s, batch.producer_epoch, batch.base_sequence, last_seq, base,
                base + batch.last_offset_delta, batch.max_timestamp);
        if (fresh) {
            fresh->next = p->pids;
            p->pids = fresh;
        }
    }
    pid_expire(p);
    op->base_offset = base;
    op->log_start_offset = p->log.log_start;
    return KFK_ERR_NONE;
}

int kfk__mock_produce(kfk__mreq_t *req, void **resp) {
    kfk_mock_t *m = req->m;
    const kfk_produce_request_t *q = req->body;
    *resp = NULL;
    kfk_produce_response_t *r = alloc(req, 1, sizeof *r);
    int32_t nt = q->topic_data.count > 0 ? q->topic_data.count : 0;
    kfk_produce_response_topic_produce_response_t *ts = alloc(req, (size_t)nt, sizeof *ts);
    kfk_produce_response_node_endpoint_t *eps = alloc(req, (size_t)m->o.brokers, sizeof *eps);
    if (!r || !ts || !eps)
        return KFK__MOCK_NO_REPLY;
    r->responses = (kfk_array_t){ts, nt};
    r->node_endpoints = (kfk_array_t){eps, 0};
    int valid_acks = q->acks == 0 || q->acks == 1 || q->acks == -1;
    int appended = 0;
    for (int32_t i = 0; i < nt; i++) {
        const kfk_produce_request_topic_produce_data_t *rt =
            &KFK_ARRAY_AT(q->topic_data, kfk_produce_request_topic_produce_data_t, i);
        kfk_produce_response_topic_produce_response_t *ot = &ts[i];
        ot->name = rt->name;
        int32_t np = rt->partition_data.count > 0 ? rt->partition_data.count : 0;
        kfk_produce_response_partition_produce_response_t *ps = alloc(req, (size_t)np, sizeof *ps);
        if (!ps)
            return KFK__MOCK_NO_REPLY;
        ot->partition_responses = (kfk_array_t){ps, np};
        kfk__mtopic_t *t = topic_of(m, rt->name);
        int16_t topic_err = KFK_ERR_NONE;
        if (!t && valid_acks && m->o.auto_create_topics && !m->closing && rt->name.len > 0) {
            kfk_err_t err = kfk__mock_topic_add(m, rt->name.ptr, (size_t)rt->name.len,
                                                m->o.default_partitions, 1, &t);
            if (err)
                topic_err = err16(err);
        }
        if (!t && !topic_err)
            topic_err = KFK_ERR_UNKNOWN_TOPIC_OR_PARTITION;
        for (int32_t j = 0; j < np; j++) {
            const kfk_produce_request_partition_produce_data_t *rp =
                &KFK_ARRAY_AT(rt->partition_data, kfk_produce_request_partition_produce_data_t, j);
            kfk_produce_response_partition_produce_response_t *op = &ps[j];
            op->index = rp->index;
            op->base_offset = -1;
            op->log_append_time_ms = -1;
            op->log_start_offset = -1;
            op->error_message = (kfk_str_t){NULL, -1};
            op->current_leader.leader_id = -1;
            op->current_leader.leader_epoch = -1;
            int16_t e = fault(req, rt->name, rp->index);
            if (!e && !valid_acks)
                e = KFK_ERR_INVALID_REQUIRED_ACKS;
            if (!e && topic_err)
                e = topic_err;
            if (!e)
                e = produce_partition(req, r, op, t, &rp->records, &appended);
            op->error_code = e;
            if (e) {
                op->base_offset = -1;
                op->log_start_offset = -1;
            }
        }
    }
    if (appended)
        kfk__mock_data_wake(m);
    if (q->acks == 0)
        return KFK__MOCK_NO_REPLY;
    *resp = r;
    return KFK__MOCK_REPLY;
}

/* ---- Fetch ----------------------------------------------------------------------------- */

/* The checks of one partition before reading it: an error code, and the partition. */
static int16_t fetch_check(kfk__mreq_t *req, kfk_str_t topic,
                           const kfk_fetch_request_fetch_partition_t *fp, kfk__mpartition_t **out) {
    kfk__mpartition_t *p = partition_of(topic_of(req->m, topic), fp->partition);
    *out = p;
    if (!p)
        return KFK_ERR_UNKNOWN_TOPIC_OR_PARTITION;
    int16_t e = req->hdr.api_version >= 9 ? epoch_check(p, fp->current_leader_epoch) : 0;
    if (e)
        return e;
    if (p->leader != req->broker->id)
        return KFK_ERR_NOT_LEADER_OR_FOLLOWER;
    if (fp->fetch_offset < p->log.log_start || fp->fetch_offset > p->log.hwm)
        return KFK_ERR_OFFSET_OUT_OF_RANGE;
    return KFK_ERR_NONE;
}

/*
 * The records or bomb fault (fault.c) for one partition. With @p pd NULL: 1 when one would
 * apply now (nothing is used). Otherwise, when one applies (one use counted): its bytes copied
 * into the request's arena as @p pd's records (a bomb's base offset set to @p fetch_offset) and
 * a high watermark past @p fetch_offset, so that a consumer asks for them; 1. 0 when none
 * matches or the arena refuses (the partition is then answered from its log).
 */
static int records_fault(kfk__mreq_t *req, kfk_str_t topic, int32_t partition, int64_t fetch_offset,
                         kfk_fetch_response_partition_data_t *pd) {
    const uint8_t *bytes = NULL;
    size_t len = 0;
    size_t tlen = topic.len > 0 ? (size_t)topic.len : 0;
    if (!pd)
        return kfk__mock_fault_records(req->m, req->broker->id, topic.ptr, tlen, partition, 0, NULL,
                                       NULL) != 0;
    int kind = kfk__mock_fault_records(req->m, req->broker->id, topic.ptr, tlen, partition, 1,
                                       &bytes, &len);
    if (!kind || len > INT32_MAX)
        return 0;
    uint8_t *copy = kfk_arena_alloc(&req->arena, len ? len : 1);
    if (!copy)
        return 0;
    memcpy(copy, bytes, len);
    if (kind == KFK_MOCK_FAULT_BOMB && len >= 8) {
        for (int i = 0; i < 8; i++)
            copy[i] = (uint8_t)((uint64_t)fetch_offset >> (56 - 8 * i));
    }
    kfk__mpartition_t *p = partition_of(topic_of(req->m, topic), partition);
    int64_t hwm = p ? p->log.hwm : 0;
    pd->records = (kfk_bytes_t){copy, (int32_t)len};
    pd->high_watermark = hwm > fetch_offset ? hwm : fetch_offset + 1;
    return 1;
}

/* Kafka's DelayedFetch.tryComplete: 1 when the request should be answered now. */
static int fetch_ready(kfk__mreq_t *req, const int16_t *injected) {
    const kfk_fetch_request_t *q = req->body;
    uint64_t bytes = 0;
    size_t k = 0;
    for (int32_t i = 0; i < q->topics.count; i++) {
        const kfk_fetch_request_fetch_topic_t *ft =
            &KFK_ARRAY_AT(q->topics, kfk_fetch_request_fetch_topic_t, i);
        for (int32_t j = 0; j < ft->partitions.count; j++, k++) {
            const kfk_fetch_request_fetch_partition_t *fp =
                &KFK_ARRAY_AT(ft->partitions, kfk_fetch_request_fetch_partition_t, j);
            kfk__mpartition_t *p;
            if (injected[k] || fetch_check(req, ft->topic, fp, &p))
                return 1;
            if (records_fault(req, ft->topic, fp->partition, 0, NULL))
                return 1; /* a records or bomb fault has something to serve now */
            uint64_t avail = kfk__mlog_bytes_after(&p->log, fp->fetch_offset);
            uint64_t limit = fp->partition_max_bytes > 0 ? (uint64_t)fp->partition_max_bytes : 0;
            bytes += avail < limit ? avail : limit;
        }
    }
    return q->min_bytes <= 0 || bytes >= (uint64_t)q->min_bytes;
}

static void fetch_partition_error(kfk_fetch_response_partition_data_t *pd, int16_t e) {
    pd->error_code = e;
    pd->high_watermark = -1;
    pd->last_stable_offset = -1;
    pd->log_start_offset = -1;
    pd->aborted_transactions = (kfk_array_t){NULL, -1};
}

/* Builds the answer from the logs as they are now (NULL when the arena refuses). */
static kfk_fetch_response_t *fetch_build(kfk__mreq_t *req, const int16_t *injected) {
    const kfk_fetch_request_t *q = req->body;
    kfk_fetch_response_t *r = alloc(req, 1, sizeof *r);
    int32_t nt = q->topics.count > 0 ? q->topics.count : 0;
    kfk_fetch_response_fetchable_topic_response_t *ts = alloc(req, (size_t)nt, sizeof *ts);
    if (!r || !ts)
        return NULL;
    r->responses = (kfk_array_t){ts, nt};
    int committed = q->isolation_level == ISOLATION_READ_COMMITTED;
    size_t left = q->max_bytes > 0 ? (size_t)q->max_bytes : 0;
    if (left > FETCH_MAX_BYTES)
        left = FETCH_MAX_BYTES;
    int min_one = 1;
    size_t k = 0;
    for (int32_t i = 0; i < nt; i++) {
        const kfk_fetch_request_fetch_topic_t *ft =
            &KFK_ARRAY_AT(q->topics, kfk_fetch_request_fetch_topic_t, i);
        int32_t np = ft->partitions.count > 0 ? ft->partitions.count : 0;
        kfk_fetch_response_partition_data_t *ps = alloc(req, (size_t)np, sizeof *ps);
        if (!ps)
            return NULL;
        ts[i].topic = ft->topic;
        ts[i].partitions = (kfk_array_t){ps, np};
        for (int32_t j = 0; j < np; j++, k++) {
            const kfk_fetch_request_fetch_partition_t *fp =
                &KFK_ARRAY_AT(ft->partitions, kfk_fetch_request_fetch_partition_t, j);
            kfk_fetch_response_partition_data_t *pd = &ps[j];
            pd->partition_index = fp->partition;
            pd->diverging_epoch.epoch = -1;
            pd->diverging_epoch.end_offset = -1;
            pd->current_leader.leader_id = -1;
            pd->current_leader.leader_epoch = -1;
            pd->snapshot_id.end_offset = -1;
            pd->snapshot_id.epoch = -1;
            pd->preferred_read_replica = -1;
            pd->records = (kfk_bytes_t){empty_records, 0};
            kfk__mpartition_t *p = NULL;
            int16_t e = injected[k];
            if (!e)
                e = fetch_check(req, ft->topic, fp, &p);
            if (e) {
                fetch_partition_error(pd, e);
                continue;
            }
            if (records_fault(req, ft->topic, fp->partition, fp->fetch_offset, pd)) {
                pd->last_stable_offset = pd->high_watermark;
                pd->log_start_offset = p->log.log_start;
                pd->aborted_transactions =
                    committed ? (kfk_array_t){NULL, 0} : (kfk_array_t){NULL, -1};
                continue;
            }
            size_t limit = fp->partition_max_bytes > 0 ? (size_t)fp->partition_max_bytes : 0;
            if (limit > left)
                limit = left;
            kfk_err_t err = kfk__mlog_read(&p->log, fp->fetch_offset, limit, min_one, &req->arena,
                                           &pd->records);
            if (err) {
                fetch_partition_error(pd, err16(err));
                continue;
            }
            if (pd->records.len > 0) {
                min_one = 0;
                left = (size_t)pd->records.len < left ? left - (size_t)pd->records.len : 0;
            }
            pd->high_watermark = p->log.hwm;
            pd->last_stable_offset = p->log.hwm;
            pd->log_start_offset = p->log.log_start;
            pd->aborted_transactions = committed ? (kfk_array_t){NULL, 0} : (kfk_array_t){NULL, -1};
        }
    }
    return r;
}

static void waiter_closed(uv_handle_t *h) {
    waiter_t *w = h->data;
    kfk_mock_t *m = w->m;
    kfk__free(w);
    kfk__mock_release(m);
}

static void waiter_unlink(waiter_t *w) {
    data_state_t *st = w->m->data_state;
    if (w->prev)
        w->prev->next = w->next;
    else if (st && st->head == w)
        st->head = w->next;
    if (w->next)
        w->next->prev = w->prev;
    w->prev = w->next = NULL;
}

/* Ends a waiter (already unlinked): closes its timer, then answers (or drops) its request. */
static void waiter_finish(waiter_t *w, int drop) {
    kfk__mreq_t *req = w->req;
    const int16_t *injected = w->injected;
    w->req = NULL;
    uv_timer_stop(&w->timer);
    uv_close((uv_handle_t *)&w->timer, waiter_closed);
    kfk__mock_reply(req, drop ? NULL : fetch_build(req, injected));
}

/* A request no one can receive any more (its connection closed; tests set a reply hook). */
static int waiter_dead(const waiter_t *w) {
    return !w->req->conn && !w->req->reply_hook;
}

static void on_fetch_timeout(uv_timer_t *t) {
    waiter_t *w = t->data;
    waiter_unlink(w);
    waiter_finish(w, waiter_dead(w));
}

void kfk__mock_data_wake(kfk_mock_t *m) {
    data_state_t *st = m->data_state;
    if (!st)
        return;
    /* The ready ones leave the list first: answering one may serve the next request of its
     * connection, which may be a Produce that wakes again, or a Fetch that waits. */
    waiter_t *ready = NULL, **tail = &ready;
    for (waiter_t *w = st->head, *next; w; w = next) {
        next = w->next;
        if (waiter_dead(w) || fetch_ready(w->req, w->injected)) {
            waiter_unlink(w);
            *tail = w;
            tail = &w->next;
        }
    }
    while (ready) {
        waiter_t *w = ready;
        ready = w->next;
        w->next = NULL;
        waiter_finish(w, waiter_dead(w));
    }
}

int kfk__mock_fetch(kfk__mreq_t *req, void **resp) {
    kfk_mock_t *m = req->m;
    const kfk_fetch_request_t *q = req->body;
    *resp = NULL;
    size_t np = 0;
    for (int32_t i = 0; i < q->topics.count; i++) {
        const kfk_fetch_request_fetch_topic_t *ft =
            &KFK_ARRAY_AT(q->topics, kfk_fetch_request_fetch_topic_t, i);
        np += ft->partitions.count > 0 ? (size_t)ft->partitions.count : 0;
    }
    int16_t *injected = alloc(req, np, sizeof *injected);
    if (!injected)
        return KFK__MOCK_NO_REPLY;
    size_t k = 0;
    for (int32_t i = 0; i < q->topics.count; i++) {
        const kfk_fetch_request_fetch_topic_t *ft =
            &KFK_ARRAY_AT(q->topics, kfk_fetch_request_fetch_topic_t, i);
        for (int32_t j = 0; j < ft->partitions.count; j++, k++)
            injected[k] = fault(
                req, ft->topic,
                KFK_ARRAY_AT(ft->partitions, kfk_fetch_request_fetch_partition_t, j).partition);
    }
    waiter_t *w = NULL;
    if (!m->closing && q->max_wait_ms > 0 && np > 0 && !fetch_ready(req, injected)) {
        /* Requests whose connection went away are dropped before another one waits. */
        kfk__mock_data_wake(m);
        if (!m->data_state && !m->closing)
            m->data_state = kfk__calloc(1, sizeof(data_state_t));
        if (m->data_state && !m->closing)
            w = kfk__calloc(1, sizeof *w);
    }
    if (!w) {
        *resp = fetch_build(req, injected);
        return *resp ? KFK__MOCK_REPLY : KFK__MOCK_NO_REPLY;
    }
    data_state_t *st = m->data_state;
    w->m = m;
    w->req = req;
    w->injected = injected;
    uv_timer_init(m->loop, &w->timer);
    w->timer.data = w;
    kfk__mock_hold(m);
    uv_timer_start(&w->timer, on_fetch_timeout, (uint64_t)q->max_wait_ms, 0);
    w->next = st->head;
    if (st->head)
        st->head->prev = w;
    st->head = w;
    return KFK__MOCK_LATER;
}

void kfk__mock_data_close(kfk_mock_t *m) {
    data_state_t *st = m->data_state;
    if (!st)
        return;
    while (st->head) {
        waiter_t *w = st->head;
        waiter_unlink(w);
        waiter_finish(w, 1);
    }
    m->data_state = NULL;
    kfk__free(st);
}

/* ---- ListOffsets ----------------------------------------------------------------------- */

static int16_t list_partition(kfk__mreq_t *req, kfk__mtopic_t *t,
                              const kfk_list_offsets_request_list_offsets_partition_t *rp,
                              kfk_list_offsets_response_list_offsets_partition_response_t *op) {
    const kfk_list_offsets_request_t *q = req->body;
    kfk__mpartition_t *p = partition_of(t, rp->partition_index);
    if (!p)
        return KFK_ERR_UNKNOWN_TOPIC_OR_PARTITION;
    int16_t e = req->hdr.api_version >= 4 ? epoch_check(p, rp->current_leader_epoch) : 0;
    if (e)
        return e;
    if (q->replica_id != REPLICA_DEBUG && p->leader != req->broker->id)
        return KFK_ERR_NOT_LEADER_OR_FOLLOWER;
    int64_t offset, timestamp;
    int32_t epoch;
    kfk_err_t err = kfk__mlog_offset_for_time(&p->log, rp->timestamp, &offset, &timestamp, &epoch);
    if (err)
        return err16(err);
    if (rp->timestamp == KFK__MLOG_LATEST)
        epoch = p->leader_epoch;
    else if (rp->timestamp == KFK__MLOG_EARLIEST)
        epoch = p->log.n > p->log.first
                    ? (int32_t)kfk__rd32(p->log.batches[p->log.first].data + RB_LEADER_EPOCH)
                    : p->leader_epoch;
    op->offset = offset;
    op->timestamp = timestamp;
    op->leader_epoch = epoch;
    return KFK_ERR_NONE;
}

int kfk__mock_list_offsets(kfk__mreq_t *req, void **resp) {
    kfk_mock_t *m = req->m;
    const kfk_list_offsets_request_t *q = req->body;
    *resp = NULL;
    kfk_list_offsets_response_t *r = alloc(req, 1, sizeof *r);
    int32_t nt = q->topics.count > 0 ? q->topics.count : 0;
    kfk_list_offsets_response_list_offsets_topic_response_t *ts =
        alloc(req, (size_t)nt, sizeof *ts);
    if (!r || !ts)
        return KFK__MOCK_NO_REPLY;
    r->topics = (kfk_array_t){ts, nt};
    for (int32_t i = 0; i < nt; i++) {
        const kfk_list_offsets_request_list_offsets_topic_t *rt =
            &KFK_ARRAY_AT(q->topics, kfk_list_offsets_request_list_offsets_topic_t, i);
        int32_t np = rt->partitions.count > 0 ? rt->partitions.count : 0;
        kfk_list_offsets_response_list_offsets_partition_response_t *ps =
            alloc(req, (size_t)np, sizeof *ps);
        if (!ps)
            return KFK__MOCK_NO_REPLY;
        ts[i].name = rt->name;
        ts[i].partitions = (kfk_array_t){ps, np};
        kfk__mtopic_t *t = topic_of(m, rt->name);
        for (int32_t j = 0; j < np; j++) {
            const kfk_list_offsets_request_list_offsets_partition_t *rp =
                &KFK_ARRAY_AT(rt->partitions, kfk_list_offsets_request_list_offsets_partition_t, j);
            kfk_list_offsets_response_list_offsets_partition_response_t *op = &ps[j];
            op->partition_index = rp->partition_index;
            op->timestamp = -1;
            op->offset = -1;
            op->leader_epoch = -1;
            int16_t e = fault(req, rt->name, rp->partition_index);
            if (!e)
                e = list_partition(req, t, rp, op);
            op->error_code = e;
            if (e) {
                op->timestamp = -1;
                op->offset = -1;
                op->leader_epoch = -1;
            }
        }
    }
    *resp = r;
    return KFK__MOCK_REPLY;
}
