/*
 * producer.c: kfk_producer_t. Records are appended straight into per-partition RecordBatch v2
 * buffers (the only copy of their bytes); a batch closes at batch.size bytes (a larger record
 * travels alone, as in Java), or once it has lingered linger.ms, no batch of its partition awaits
 * an answer and a request can carry it (until then it goes on taking records, for at most an
 * eighth of delivery.timeout.ms; see open_ready in producer_send.c), and goes out in
 * one Produce request per leader carrying the next batch of each of its partitions, written to
 * the socket by reference (no coalescing copy).
 *
 * Delivery: every accepted record gets exactly one report. Retriable errors (leader moves,
 * NOT_ENOUGH_REPLICAS, timeouts, disconnects...) refresh metadata and retry within
 * delivery.timeout.ms with exponential backoff; other errors fail the batch; MESSAGE_TOO_LARGE
 * splits a multi-record batch. A batch that times out while a request carrying it is in flight
 * is reported as KFK_ERR__POSSIBLY_PERSISTED.
 *
 * Idempotence (default): InitProducerId before the first batch; per-partition sequences assigned
 * when a batch closes; retries resend the same bytes; at most 5 batches in flight per partition;
 * DUPLICATE_SEQUENCE_NUMBER counts as success; OUT_OF_ORDER_SEQUENCE_NUMBER on the first unacked
 * batch and UNKNOWN_PRODUCER_ID bump the epoch (InitProducerId with the current id, KIP-360)
 * once nothing is in flight, and the unacked batches are renumbered from 0.
 *
 * The producer's section of the statistics document (core/stats.c) is written here too.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <msgpack.h>

#include "client/core/client.h"
#include "protocol/compress.h"
#include "protocol/mem.h"

#include "client/producer/producer.h"
#include "client/core/backoff.h"
#include "client/producer/producer_int.h"

static int64_t wall_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint32_t rnd(kfk_producer_t *p) {
    uint32_t x = p->rnd ? p->rnd : 0x9e3779b9u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    p->rnd = x;
    return x;
}

uint64_t kfk__producer_backoff(kfk_producer_t *p, uint32_t attempts) {
    return kfk__backoff_ms(p->c->retry_backoff_ms, p->c->retry_backoff_max_ms, attempts);
}

/* ---- reports --------------------------------------------------------------------------------- */

static void report(kfk_producer_t *p, const char *topic, int32_t partition, const rmeta_t *m,
                   kfk_err_t err, int64_t offset, int64_t ts) {
    p->queued_msgs--;
    p->queued_bytes -= m->bytes;
    if (err) {
        p->stat_txerrs++;
        if (p->txn)
            kfk__txn_record_failed(p, err, topic, partition);
    } else {
        p->stat_txmsgs++;
        p->stat_txbytes += m->bytes;
    }
    if (m->gen == p->gen) {
        p->gen_left--;
    } else {
        for (struct flushw *f = p->flushes; f; f = f->next)
            if (f->gen == m->gen) {
                f->left--;
                break;
            }
    }
    if (m->cb) {
        char why[256];
        why[0] = '\0';
        if (err && err != KFK_ERR__DESTROYED &&
            kfk__producer_why(p, topic, partition, why, sizeof why) == KFK_ERR_NONE)
            why[0] = '\0'; /* nothing stands in the way now: the error says it all */
        kfk_delivery_t d = {err, topic, partition, err ? -1 : offset, ts, why};
        m->cb(p, &d, m->opaque);
    }
}

static void arm(kfk_producer_t *p, uint64_t due);

/* Memory kept for the next batches (spare buffers, the compressor): freed after KFK__POOL_IDLE_MS
 * idle (on_timer), not at once, or a producer fed in bursts would grow it again after each. */
static int idle_holds(const kfk_producer_t *p) {
    return p->pool.n || kfk__codec_ctx_holds(p->codec_ctx);
}

void kfk__producer_batch_free(pbatch_t *b) {
    kfk_producer_t *p = b->tp->t->p;
    kfk__bufpool_put(&p->pool, &b->buf);
    if (p->queued_msgs == 0 && idle_holds(p) && !p->client_closing) {
        p->pool_idle_at = kfk__producer_now_ms(p) + KFK__POOL_IDLE_MS;
        arm(p, p->pool_idle_at);
    }
    kfk__free(b->meta);
    kfk__free(b);
}

static void tp_unlink(toppar_t *tp, pbatch_t *b) {
    pbatch_t *prev = NULL;
    for (pbatch_t *x = tp->head; x; prev = x, x = x->next) {
        if (x != b)
            continue;
        if (prev)
            prev->next = x->next;
        else
            tp->head = x->next;
        if (tp->tail == x)
            tp->tail = prev;
        x->next = NULL;
        return;
    }
}

/* Reports every record of @p b; offsets count from @p base (-1: unknown). */
static void batch_report(kfk_producer_t *p, pbatch_t *b, kfk_err_t err, int64_t base,
                         int64_t log_append_time) {
    toppar_t *tp = b->tp;
    for (int32_t i = 0; i < b->n; i++) {
        if (!err) {
            tp->txmsgs++;
            tp->txbytes += b->meta[i].bytes;
        }
        int64_t ts = log_append_time >= 0 ? log_append_time : b->meta[i].ts;
        report(p, tp->t->name, tp->id, &b->meta[i], err, base >= 0 ? base + i : -1, ts);
    }
    b->n = 0;
}

/* Removes @p b from its partition and reports it; freed now unless a request still holds it. */
void kfk__producer_batch_done(kfk_producer_t *p, pbatch_t *b, kfk_err_t err, int64_t base,
                              int64_t log_append_time) {
    /* An earlier attempt may have been written: whatever ended it, its records are not known
     * to be absent (closing keeps _DESTROYED). */
    if (err && err != KFK_ERR__DESTROYED && err != KFK_ERR__TXN_ABORTED && b->maybe_written)
        err = KFK_ERR__POSSIBLY_PERSISTED;
    tp_unlink(b->tp, b);
    batch_report(p, b, err, base, log_append_time);
    if (b->in_flight)
        b->expired = 1;
    else
        kfk__producer_batch_free(b);
}

/* Calls back the flushes whose records (and every older one) are all reported, in order. */
void kfk__producer_check_flush(kfk_producer_t *p) {
    while (p->flushes && p->flushes->left == 0) {
        struct flushw *f = p->flushes;
        p->flushes = f->next;
        if (!p->flushes)
            p->flushes_tail = &p->flushes;
        if (f->cb)
            f->cb(p, f->opaque);
        kfk__free(f);
    }
    /* Batches go out at once while a flush waits (or the producer closes). */
    p->flushing = p->closing || p->flushes != NULL;
}

/* ---- batches -----------------------------------------------------------------------------------
 */

pbatch_t *kfk__producer_batch_new(kfk_producer_t *p, toppar_t *tp) {
    pbatch_t *b = kfk__calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->tp = tp;
    b->base_seq = -1;
    b->created_ms = kfk__producer_now_ms(p);
    b->deadline_ms = b->created_ms + (uint64_t)p->c->delivery_timeout_ms;
    kfk__bufpool_get(&p->pool, &b->buf);
    if (tp->buf_hint > b->buf.cap) {
        /* No spare buffer that large: the size this partition's batches reach at once (doubling
         * up to it would copy the records at each step; this buffer holds none yet). On
         * failure, growth as usual. */
        uint8_t *d = kfk__realloc(b->buf.data, tp->buf_hint);
        if (d) {
            b->buf.data = d;
            b->buf.cap = tp->buf_hint;
        }
    }
    if (tp->meta_hint > 0 && (b->meta = kfk__malloc((size_t)tp->meta_hint * sizeof *b->meta)))
        b->cap = tp->meta_hint;
    if (kfk_record_batch_builder_begin(&b->b, &b->buf) != 0) {
        kfk__producer_batch_free(b);
        return NULL;
    }
    /* A compressed batch's CRC covers the compressed bytes: no running CRC while appending. */
    if (p->codec != KFK_CODEC_NONE)
        kfk_record_batch_builder_will_compress(&b->b);
    return b;
}

kfk_record_batch_attrs_t kfk__producer_batch_attrs(kfk_producer_t *p, const pbatch_t *b) {
    kfk_record_batch_attrs_t a = KFK_RECORD_BATCH_ATTRS_INIT;
    a.codec = p->codec;
    a.compression_level = (int)p->c->compression_level;
    /* Left NULL when out of memory: each batch then builds its own, slower, not wrong. */
    if (p->codec != KFK_CODEC_NONE && !p->codec_ctx)
        (void)kfk_codec_ctx_new(&p->codec_ctx);
    a.codec_ctx = p->codec_ctx;
    if (p->idempotent) {
        a.producer_id = p->pid_state == PID_READY ? p->pid : -1;
        a.producer_epoch = p->pid_state == PID_READY ? p->epoch : -1;
        a.base_sequence = b->base_seq;
        a.transactional = p->txn != NULL;
    }
    return a;
}

/* Closes the open batch of @p tp: finishes its header and queues it for sending. */
void kfk__producer_close_open(kfk_producer_t *p, toppar_t *tp) {
    pbatch_t *b = tp->open;
    if (!b)
        return;
    tp->open = NULL;
    if (b->n == 0) {
        kfk__producer_batch_free(b);
        return;
    }
    /* The sizes doubling from the smallest would have reached for this batch (see buf_hint). */
    for (tp->buf_hint = 256; tp->buf_hint < b->buf.len && tp->buf_hint <= SIZE_MAX / 4;)
        tp->buf_hint *= 2;
    tp->meta_hint = 16;
    while (tp->meta_hint < b->n && tp->meta_hint <= INT32_MAX / 4)
        tp->meta_hint *= 2;
    if (p->idempotent) {
        b->base_seq = tp->next_seq;
        tp->next_seq = (int32_t)(((uint32_t)tp->next_seq + (uint32_t)b->n) & 0x7fffffff);
    }
    kfk_record_batch_attrs_t a = kfk__producer_batch_attrs(p, b);
    kfk_err_t err = kfk_record_batch_builder_finish(&b->b, &a);
    b->finished = 1;
    b->next = NULL;
    if (tp->tail)
        tp->tail->next = b;
    else
        tp->head = b;
    tp->tail = b;
    p->stat_batches++;
    if (err) {
        kfk__producer_batch_done(p, b, err, -1, -1);
        return;
    }
    /* The sticky partition moves on once its batch is full or lingered. */
    if (tp->t->sticky == tp->id)
        tp->t->sticky = -1;
}

/* Appends a record to partition @p tp (opening batches as needed); @p deadline (0: from now) is the
 * record's own when it waited for metadata: its batch times out by it (delivery.timeout.ms counts
 * from the send, not from when the partition count arrived). */
static kfk_err_t append(kfk_producer_t *p, toppar_t *tp, kfk_bytes_t key, kfk_bytes_t value,
                        const kfk_record_header_t *hdrs, size_t nh, int64_t ts, const rmeta_t *meta,
                        uint64_t deadline) {
    size_t bsize = (size_t)p->c->batch_size;
    if (tp->open && tp->open->n > 0) {
        size_t add = kfk_record_batch_builder_append_size(&tp->open->b, key, value, hdrs, nh, ts);
        /* A batch that cannot go out stays open (see sendable() in producer_send.c), but a
         * record joins it only while it is young: a batch times out with its first record,
         * and a record must not get much less than delivery.timeout.ms. */
        if (kfk_record_batch_builder_size(&tp->open->b) + add > bsize ||
            kfk__producer_now_ms(p) - tp->open->created_ms >= p->open_age_max)
            kfk__producer_close_open(p, tp);
    }
    if (!tp->open && !(tp->open = kfk__producer_batch_new(p, tp)))
        return KFK_ERR__NOMEM;
    pbatch_t *b = tp->open;
    if (b->n == b->cap) {
        int32_t cap = b->cap ? b->cap * 2 : 16;
        rmeta_t *m = kfk__realloc(b->meta, (size_t)cap * sizeof *m);
        if (!m)
            return KFK_ERR__NOMEM;
        b->meta = m;
        b->cap = cap;
    }
    kfk_err_t err = kfk_record_batch_builder_append(&b->b, key, value, hdrs, nh, ts);
    if (err)
        return err;
    b->meta[b->n++] = *meta;
    if (deadline && deadline < b->deadline_ms)
        b->deadline_ms = deadline;
    if (kfk_record_batch_builder_size(&b->b) >= bsize)
        kfk__producer_close_open(p, tp);
    return KFK_ERR_NONE;
}

/* ---- topics and partitioning --------------------------------------------------------------- */

static ptopic_t *topic_get(kfk_producer_t *p, const char *name) {
    for (ptopic_t *t = p->topics; t; t = t->next)
        if (!strcmp(t->name, name))
            return t;
    ptopic_t *t = kfk__calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->name = kfk__strndup(name, strlen(name));
    if (!t->name || kfk__client_follow_topic(p->cl, name) != 0) {
        kfk__free(t->name);
        kfk__free(t);
        return NULL;
    }
    t->p = p;
    t->nparts = -1;
    t->sticky = -1;
    t->pending_tail = &t->pending;
    t->next = p->topics;
    p->topics = t;
    return t;
}

/* Takes the partition count from the metadata cache once it knows the topic. */
static void topic_update(kfk_producer_t *p, ptopic_t *t) {
    const kfk__topic_md_t *md = kfk__client_topic(p->cl, t->name);
    if (!md)
        return; /* no broker has answered about it yet: that is no error of the topic's */
    t->md_err = md->err;
    if (md->err || md->partition_cnt <= 0 || md->partition_cnt <= t->nparts)
        return;
    toppar_t *parts = kfk__realloc(t->parts, (size_t)md->partition_cnt * sizeof *parts);
    if (!parts)
        return;
    for (int32_t i = t->nparts < 0 ? 0 : t->nparts; i < md->partition_cnt; i++) {
        memset(&parts[i], 0, sizeof parts[i]);
        parts[i].t = t;
        parts[i].id = i;
    }
    /* Batches point at their toppar: fix them after the move. */
    for (int32_t i = 0; i < (t->nparts > 0 ? t->nparts : 0); i++) {
        for (pbatch_t *b = parts[i].head; b; b = b->next)
            b->tp = &parts[i];
        if (parts[i].open)
            parts[i].open->tp = &parts[i];
    }
    t->parts = parts;
    t->nparts = md->partition_cnt;
}

static int32_t pick_partition(kfk_producer_t *p, ptopic_t *t, int32_t want, kfk_bytes_t key) {
    if (want >= 0)
        return want;
    if (key.len >= 0 && p->c->partitioner != KFK_PARTITIONER_RANDOM)
        return kfk_murmur2_partition(key.ptr, (size_t)key.len, t->nparts);
    if (p->c->partitioner == KFK_PARTITIONER_MURMUR2)
        return 0; /* librdkafka's murmur2: null keys to one partition */
    if (t->sticky < 0 || t->sticky >= t->nparts) {
        /* A new sticky partition, among those with a leader when possible. */
        const kfk__topic_md_t *md = kfk__client_topic(p->cl, t->name);
        int32_t start = (int32_t)(rnd(p) % (uint32_t)t->nparts);
        t->sticky = start;
        for (int32_t i = 0; md && i < t->nparts; i++) {
            int32_t c = (start + i) % t->nparts;
            if (c < md->partition_cnt && md->partitions[c].leader >= 0) {
                t->sticky = c;
                break;
            }
        }
    }
    return t->sticky;
}

static void expire(kfk_producer_t *p, uint64_t now, kfk_err_t all);

static void on_topic_md(kfk__client_t *cl, kfk_err_t err, void *opaque) {
    (void)cl;
    ptopic_t *t = opaque;
    t->md_waiting = 0;
    kfk_producer_t *p = t->p;
    if (p->client_closing)
        return;
    topic_update(p, t);
    if (t->nparts < 0) {
        /* Still unknown (or failing): ask again on the schedule, not at once. */
        uint64_t now = kfk__producer_now_ms(p);
        if (t->md_attempts++ == 0)
            t->md_unknown_since = now;
        t->md_retry_at = now + kfk__producer_backoff(p, t->md_attempts);
        kfk_err_t cause = t->md_err ? (kfk_err_t)t->md_err : err;
        /* No retry mends these (Java's send fails on them too): held records fail now. */
        int final = t->md_err == KFK_ERR_INVALID_TOPIC_EXCEPTION ||
                    t->md_err == KFK_ERR_TOPIC_AUTHORIZATION_FAILED;
        if (final) {
            kfk__log(&p->cl->log, KFK_LOG_WARNING, KFK_DBG_PRODUCER,
                     "topic %s: %s: its records fail now (no retry mends it)", t->name,
                     kfk_err_name(cause));
            for (pending_t *r = t->pending; r; r = r->next)
                r->deadline_ms = now;
            expire(p, now, KFK_ERR_NONE);
        } else if (cause) {
            int repeat = t->md_logged == (int16_t)cause;
            int creating = now - t->md_unknown_since < KFK__CREATE_QUIET_MS &&
                           p->c->allow_auto_create_topics &&
                           (cause == KFK_ERR_UNKNOWN_TOPIC_OR_PARTITION ||
                            cause == KFK_ERR_LEADER_NOT_AVAILABLE);
            kfk__log(&p->cl->log, repeat || creating ? KFK_LOG_DEBUG : KFK_LOG_WARNING,
                     KFK_DBG_PRODUCER, "topic %s not usable yet: %s%s; asking again in %llu ms%s",
                     t->name, kfk_err_name(cause), creating ? " (auto-creation asked)" : "",
                     (unsigned long long)(t->md_retry_at - now), repeat ? " (again)" : "");
            if (!creating)
                t->md_logged = (int16_t)cause;
        }
    } else {
        t->md_attempts = 0;
        t->md_logged = 0;
    }
    kfk__producer_kick(p);
}

static void on_producer_md(kfk__client_t *cl, kfk_err_t err, void *opaque) {
    (void)cl;
    (void)err;
    kfk_producer_t *p = opaque;
    p->md_w_waiting = 0;
    if (!p->client_closing)
        kfk__producer_kick(p);
}

void kfk__producer_md_want(kfk_producer_t *p, uint64_t now) {
    if (p->client_closing || p->md_w_waiting)
        return; /* the refresh in flight answers first */
    if (now < p->md_next_at) {
        p->md_wanted = 1;
        return; /* on_timer waits for md_next_at */
    }
    p->md_wanted = 0;
    p->md_attempts++;
    p->md_next_at = now + kfk__producer_backoff(p, p->md_attempts);
    p->md_w_waiting = 1;
    kfk__client_metadata_refresh(p->cl, NULL, 0, 0, &p->md_w, on_producer_md, p);
}

void kfk__producer_md_ok(kfk_producer_t *p) {
    p->md_attempts = 0;
    p->md_wanted = 0;
    for (ptopic_t *t = p->topics; t; t = t->next)
        if (t->nparts > 0 && t->md_logged == KFK_ERR_LEADER_NOT_AVAILABLE)
            t->md_logged = 0; /* the next leaderless spell is news again */
}

static void topic_refresh(kfk_producer_t *p, ptopic_t *t) {
    if (t->md_waiting || p->client_closing)
        return;
    t->md_waiting = 1;
    const char *names[1] = {t->name};
    kfk__client_metadata_refresh(p->cl, names, 1, 0, &t->mw, on_topic_md, t);
}

static void free_pending(pending_t *r) {
    kfk__free(r->mem);
    kfk__free(r);
}

/* Places records that waited for the topic's partition count. */
static void place_pending(kfk_producer_t *p, ptopic_t *t) {
    while (t->pending && t->nparts > 0) {
        pending_t *r = t->pending;
        t->pending = r->next;
        if (!t->pending)
            t->pending_tail = &t->pending;
        int32_t part = pick_partition(p, t, r->partition, r->key);
        kfk_err_t err = part >= t->nparts ? KFK_ERR__UNKNOWN_PARTITION : KFK_ERR_NONE;
        if (!err)
            err = append(p, &t->parts[part], r->key, r->value, r->headers, r->header_cnt, r->ts,
                         &r->meta, r->deadline_ms);
        if (err)
            report(p, t->name, part, &r->meta, err, -1, r->ts);
        free_pending(r);
    }
}

static kfk_err_t queue_pending(ptopic_t *t, const kfk_record_t *rec, kfk_bytes_t key,
                               kfk_bytes_t value, int64_t ts, const rmeta_t *meta,
                               uint64_t deadline) {
    size_t hbytes = 0;
    for (size_t i = 0; i < rec->header_cnt; i++)
        hbytes += strlen(rec->headers[i].key) + rec->headers[i].value_len;
    pending_t *r = kfk__calloc(1, sizeof *r);
    size_t total = (key.len > 0 ? (size_t)key.len : 0) + (value.len > 0 ? (size_t)value.len : 0) +
                   hbytes + rec->header_cnt * sizeof(kfk_record_header_t) + 16;
    if (!r || !(r->mem = kfk__malloc(total))) {
        kfk__free(r);
        return KFK_ERR__NOMEM;
    }
    uint8_t *q = r->mem;
    r->headers = (kfk_record_header_t *)(void *)q;
    q += rec->header_cnt * sizeof(kfk_record_header_t);
    r->key = key;
    if (key.len > 0) {
        memcpy(q, key.ptr, (size_t)key.len);
        r->key.ptr = q;
        q += key.len;
    }
    r->value = value;
    if (value.len > 0) {
        memcpy(q, value.ptr, (size_t)value.len);
        r->value.ptr = q;
        q += value.len;
    }
    for (size_t i = 0; i < rec->header_cnt; i++) {
        size_t kl = strlen(rec->headers[i].key);
        memcpy(q, rec->headers[i].key, kl);
        r->headers[i].key = (kfk_str_t){(const char *)q, (int32_t)kl};
        q += kl;
        if (rec->headers[i].value) {
            memcpy(q, rec->headers[i].value, rec->headers[i].value_len);
            r->headers[i].value = (kfk_bytes_t){q, (int32_t)rec->headers[i].value_len};
            q += rec->headers[i].value_len;
        } else {
            r->headers[i].value = (kfk_bytes_t){NULL, -1};
        }
    }
    r->header_cnt = rec->header_cnt;
    r->partition = rec->partition;
    r->ts = ts;
    r->meta = *meta;
    r->deadline_ms = deadline;
    *t->pending_tail = r;
    t->pending_tail = &r->next;
    return KFK_ERR_NONE;
}

/* ---- the timer: linger, retries, timeouts -------------------------------------------------- */

/* Fails what is past its deadline, or with @p all (an error) everything. */
static void expire(kfk_producer_t *p, uint64_t now, kfk_err_t all) {
    for (ptopic_t *t = p->topics; t; t = t->next) {
        pending_t **pp = &t->pending;
        while (*pp) {
            pending_t *r = *pp;
            if (!all && now < r->deadline_ms) {
                pp = &r->next;
                continue;
            }
            *pp = r->next;
            kfk_err_t err = all && (all != KFK_ERR__DESTROYED || now < r->deadline_ms) ? all
                            : t->md_err ? (kfk_err_t)t->md_err
                                        : KFK_ERR__MSG_TIMED_OUT;
            report(p, t->name, r->partition, &r->meta, err, -1, r->ts);
            free_pending(r);
        }
        t->pending_tail = &t->pending;
        while (*t->pending_tail)
            t->pending_tail = &(*t->pending_tail)->next;
        for (int32_t i = 0; i < t->nparts; i++) {
            toppar_t *tp = &t->parts[i];
            /* The open batch is the youngest: when it is due, so is everything queued. */
            if (tp->open && (all || now >= tp->open->deadline_ms))
                kfk__producer_close_open(p, tp);
            /* Batches are queued in creation order and a split's halves keep its deadline:
             * deadlines never decrease along the queue, so the first live one ends the scan. */
            pbatch_t *b = tp->head;
            while (b) {
                pbatch_t *next = b->next;
                if (!all && now < b->deadline_ms)
                    break;
                int maybe = b->in_flight || b->maybe_written;
                /* At close (DESTROYED) a batch the broker may have written says so, and one past
                 * its own deadline times out as it would have: a close never hides either. */
                int closing = all == KFK_ERR__DESTROYED;
                kfk_err_t err = all && !closing               ? all
                                : maybe                       ? KFK_ERR__POSSIBLY_PERSISTED
                                : all && now < b->deadline_ms ? all
                                                              : KFK_ERR__MSG_TIMED_OUT;
                /* Its sequence numbers leave a gap for the batches after it: give them back
                 * when the broker cannot have seen any of them, else start a new epoch. */
                if (!all && p->idempotent && !p->txn && kfk__producer_seq_release(p, b) != 0)
                    p->pid_state = PID_BUMP;
                kfk__producer_batch_done(p, b, err, -1, -1);
                b = next;
            }
        }
    }
}

void kfk__producer_fail_unsent(kfk_producer_t *p, kfk_err_t err) {
    expire(p, kfk__producer_now_ms(p), err);
    kfk__producer_check_flush(p);
}

static void on_timer(uv_timer_t *h);

static void arm(kfk_producer_t *p, uint64_t due) {
    uint64_t now = kfk__producer_now_ms(p);
    if (p->timer_armed && p->timer_due <= due)
        return;
    p->timer_armed = 1;
    p->timer_due = due;
    uv_timer_start(&p->timer, on_timer, due > now ? due - now : 0, 0);
}

void kfk__producer_kick(kfk_producer_t *p) {
    if (!p->client_closing)
        arm(p, kfk__producer_now_ms(p));
}

static void close_finish(kfk_producer_t *p);

static void on_timer(uv_timer_t *h) {
    kfk_producer_t *p = h->data;
    p->timer_armed = 0;
    uint64_t now = kfk__producer_now_ms(p);
    uint64_t next = UINT64_MAX;
    int flushing = p->flushing || p->closing;
    for (ptopic_t *t = p->topics; t; t = t->next) {
        if (t->pending) {
            if (t->nparts < 0 && now >= t->md_retry_at)
                topic_refresh(p, t);
            place_pending(p, t);
            if (t->pending && t->pending->deadline_ms < next)
                next = t->pending->deadline_ms;
            if (t->pending && t->nparts < 0 && !t->md_waiting && t->md_retry_at < next)
                next = t->md_retry_at > now ? t->md_retry_at : now + 1;
        }
        for (int32_t i = 0; i < t->nparts; i++) {
            toppar_t *tp = &t->parts[i];
            if (tp->open) {
                /* A lingered batch is closed when a request can carry it (sendable() in
                 * producer_send.c); what it waits for then (an answer, a connection, metadata,
                 * a producer id) wakes the timer, so only a future linger end arms it here. */
                uint64_t due = tp->open->created_ms + (uint64_t)p->c->linger_ms;
                if (!flushing && due > now && due < next)
                    next = due;
                if (tp->open->deadline_ms < next)
                    next = tp->open->deadline_ms > now ? tp->open->deadline_ms : now + 1;
            }
            /* The head has the earliest deadline (see expire); only the first batch not in
             * flight can be waiting for a retry (the rest wait behind it). */
            if (tp->head && tp->head->deadline_ms < next)
                next = tp->head->deadline_ms;
            for (pbatch_t *b = tp->head; b; b = b->next) {
                if (b->in_flight)
                    continue;
                if (b->retry_at_ms > now && b->retry_at_ms < next)
                    next = b->retry_at_ms;
                break;
            }
        }
    }
    expire(p, now, 0);
    if (p->queued_msgs == 0 && idle_holds(p)) {
        if (now >= p->pool_idle_at) {
            kfk__bufpool_clear(&p->pool);
            kfk__codec_ctx_trim(p->codec_ctx);
        } else if (p->pool_idle_at < next)
            next = p->pool_idle_at;
    }
    if (p->closing && (p->queued_msgs == 0 || now >= p->close_deadline)) {
        close_finish(p);
        return;
    }
    kfk__producer_send_all(p, now);
    uint64_t txn_due = p->txn ? kfk__txn_due(p, now) : UINT64_MAX;
    next = txn_due < next ? txn_due : next;
    if (p->idempotent && p->pid_state != PID_READY && p->pid_retry_at > now &&
        p->pid_retry_at < next)
        next = p->pid_retry_at;
    if (p->closing && p->close_deadline < next)
        next = p->close_deadline;
    if (p->md_wanted && !p->md_w_waiting && p->md_next_at < next)
        next = p->md_next_at > now ? p->md_next_at : now + 1;
    kfk__producer_check_flush(p);
    if (next != UINT64_MAX && !p->client_closing)
        arm(p, next);
}

/* ---- public API ------------------------------------------------------------------------------ */

kfk_err_t kfk_producer_new(uv_loop_t *loop, const kfk_conf_t *conf, kfk_producer_t **out,
                           char *errstr, size_t errstr_size) {
    char dummy[8];
    if (!errstr || !errstr_size) {
        errstr = dummy;
        errstr_size = sizeof dummy;
    }
    kfk_producer_t *p = kfk__calloc(1, sizeof *p);
    if (!p)
        return KFK_ERR__NOMEM;
    p->loop = loop;
    kfk_err_t err = kfk__client_new(loop, conf, &p->cl, errstr, errstr_size);
    if (err) {
        kfk__free(p);
        return err;
    }
    p->c = p->cl->conf;
    p->cl->md_auto_create = p->c->allow_auto_create_topics;
    kfk__stats_section_add(&p->cl->stats, kfk__producer_render_stats, p);
    err = kfk__producer_check_conf(p->c, &p->idempotent, errstr, errstr_size);
    if (err) {
        kfk__client_close(p->cl, NULL, NULL);
        kfk__free(p);
        return err;
    }
    if (KFK_CONF_IS_SET(p->c, batch_size) && p->c->batch_size < KFK__PRODUCER_BATCH_SIZE_SMALL)
        kfk__log(&p->cl->log, KFK_LOG_WARNING, KFK_DBG_PRODUCER,
                 "batch.size=%lld: each batch holds at most %lld bytes, a few small records; "
                 "batch.size is the producer's batch in bytes (a consumer's records per batch "
                 "is max.poll.records)",
                 (long long)p->c->batch_size, (long long)p->c->batch_size);
    /* The default queue bound, 32 MiB (Java's buffer.memory), not librdkafka's 1 GiB: a
     * producer that sends faster than the broker takes gains no throughput from a deeper queue,
     * only memory and page faults (20,000 x 16 KiB: 9.4 CPU s per 1M and 75 MB of RSS at 64 MiB,
     * against 17.5-18.2 s and 328 MB with 1 GiB, same records/s; at 32 MiB 44 MB and 5-10% less
     * CPU than at 64 MiB, same records/s, and 200k x 1 KiB the same). Unset, it holds at least
     * one record of message.max.bytes, which would otherwise be refused as too large. */
    if (!KFK_CONF_IS_SET(p->c, queue_buffering_max_kbytes) &&
        p->c->message_max_bytes > p->c->queue_buffering_max_kbytes * 1024)
        p->c->queue_buffering_max_kbytes = (p->c->message_max_bytes + 1023) / 1024;
    p->acks = kfk__conf_acks(p->c);
    p->codec = (kfk_codec_t)p->c->compression_type;
    p->max_in_flight_tp = (int)(p->idempotent ? (p->c->max_in_flight < 5 ? p->c->max_in_flight : 5)
                                              : p->c->max_in_flight);
    uint64_t age = (uint64_t)p->c->delivery_timeout_ms / 8;
    age = age < 1000 ? age : 1000;
    p->open_age_max = age > (uint64_t)p->c->linger_ms ? age : (uint64_t)p->c->linger_ms;
    if (p->c->transactional_id[0] && kfk__txn_new(p) != KFK_ERR_NONE) {
        kfk__client_close(p->cl, NULL, NULL);
        kfk__free(p);
        return KFK_ERR__NOMEM;
    }
    p->pid = -1;
    p->epoch = -1;
    p->rnd = (uint32_t)uv_hrtime() | 1;
    p->flushes_tail = &p->flushes;
    p->close_timeout_ms = -1;
    /* Spare buffers beyond a quarter of what the queue may hold are memory the records never
     * need: the queue's own batches already hold up to that much. */
    size_t pool_max = (size_t)p->c->queue_buffering_max_kbytes * 1024 / 4;
    kfk__bufpool_init(&p->pool, pool_max < ((size_t)16 << 20) ? pool_max : (size_t)16 << 20);
    uv_timer_init(loop, &p->timer);
    p->timer.data = p;
    *out = p;
    return KFK_ERR_NONE;
}

static kfk_err_t send_checked(kfk_producer_t *p, const kfk_record_t *rec, kfk_bytes_t key,
                              kfk_bytes_t value, kfk_delivery_cb cb, void *opaque) {
    if (!p || !rec || !rec->topic || !*rec->topic)
        return KFK_ERR__INVALID_ARG;
    if (p->closing)
        return KFK_ERR__DESTROYED;
    if (p->fatal)
        return KFK_ERR__FATAL;
    if (p->txn && kfk__txn_check_send(p))
        return KFK_ERR__STATE; /* outside a transaction, or one that must be aborted */
    if (rec->header_cnt > 64 || (rec->header_cnt && !rec->headers) || rec->timestamp < -1)
        return KFK_ERR__INVALID_ARG; /* -1 is Kafka's "none" (now, as 0); below, nonsense */
    if (rec->partition < KFK_PARTITION_ANY)
        return KFK_ERR__UNKNOWN_PARTITION; /* never taken for "any", metadata or not */
    size_t bytes = (key.len > 0 ? (size_t)key.len : 0) + (value.len > 0 ? (size_t)value.len : 0);
    for (size_t i = 0; i < rec->header_cnt; i++) {
        if (!rec->headers[i].key)
            return KFK_ERR__INVALID_ARG;
        bytes += strlen(rec->headers[i].key) + rec->headers[i].value_len;
    }
    /* A record the queue could never hold would be QUEUE_FULL forever: refused as too large. */
    if (bytes + 64 > (size_t)p->c->message_max_bytes ||
        bytes > (size_t)p->c->queue_buffering_max_kbytes * 1024)
        return KFK_ERR__MSG_SIZE_TOO_LARGE;
    if (p->queued_msgs + 1 > (size_t)p->c->queue_buffering_max_messages ||
        p->queued_bytes + bytes > (size_t)p->c->queue_buffering_max_kbytes * 1024)
        return KFK_ERR__QUEUE_FULL;
    ptopic_t *t = topic_get(p, rec->topic);
    if (!t)
        return KFK_ERR__NOMEM;
    if (t->nparts < 0)
        topic_update(p, t);
    int64_t ts = rec->timestamp > 0 ? rec->timestamp : wall_ms();
    rmeta_t meta = {cb, opaque, ts, (uint32_t)bytes, p->gen};
    kfk_record_header_t hs[64];
    for (size_t i = 0; i < rec->header_cnt; i++) {
        hs[i].key = kfk_str_c(rec->headers[i].key);
        hs[i].value = rec->headers[i].value
                          ? (kfk_bytes_t){rec->headers[i].value, (int32_t)rec->headers[i].value_len}
                          : (kfk_bytes_t){NULL, -1};
    }
    kfk_err_t err;
    if (t->nparts < 0 || t->pending) {
        /* Partition count unknown yet: hold a copy until the metadata arrives. */
        err = queue_pending(t, rec, key, value, ts, &meta,
                            kfk__producer_now_ms(p) + (uint64_t)p->c->delivery_timeout_ms);
        if (!err && kfk__producer_now_ms(p) >= t->md_retry_at)
            topic_refresh(p, t); /* else the timer asks at md_retry_at (the backoff) */
    } else {
        if (rec->partition >= t->nparts)
            return KFK_ERR__UNKNOWN_PARTITION;
        int32_t part = pick_partition(p, t, rec->partition, key);
        err = append(p, &t->parts[part], key, value, hs, rec->header_cnt, ts, &meta, 0);
    }
    if (err)
        return err;
    p->queued_msgs++;
    p->queued_bytes += bytes;
    p->gen_left++;
    /* Full batches go out now; others after linger.ms. */
    kfk__producer_kick(p);
    return KFK_ERR_NONE;
}

kfk_err_t kfk_producer_send(kfk_producer_t *p, const kfk_record_t *rec, kfk_delivery_cb cb,
                            void *opaque) {
    if (!rec)
        return KFK_ERR__INVALID_ARG;
    kfk_bytes_t key =
        rec->key ? (kfk_bytes_t){rec->key, (int32_t)rec->key_len} : (kfk_bytes_t){NULL, -1};
    kfk_bytes_t value =
        rec->value ? (kfk_bytes_t){rec->value, (int32_t)rec->value_len} : (kfk_bytes_t){NULL, -1};
    if (rec->key_len > INT32_MAX || rec->value_len > INT32_MAX)
        return KFK_ERR__MSG_SIZE_TOO_LARGE;
    return send_checked(p, rec, key, value, cb, opaque);
}

static int mp_write(void *data, const char *buf, size_t len) {
    kfk_wbuf_put_raw(data, buf, len);
    return ((kfk_wbuf_t *)data)->err ? -1 : 0;
}

kfk_err_t kfk_producer_send_msgpack(kfk_producer_t *p, const kfk_record_t *rec, const void *obj,
                                    kfk_pack_cb pack, void *pack_opaque, const char *partition_by,
                                    kfk_delivery_cb cb, void *opaque) {
    if (!p || !rec || !pack)
        return KFK_ERR__INVALID_ARG;
    /* Packed into a reused scratch buffer, then copied once into the batch. */
    p->mp.len = 0;
    p->mp.err = KFK_ERR_NONE;
    msgpack_packer pk;
    msgpack_packer_init(&pk, &p->mp, mp_write);
    if (pack(&pk, obj, pack_opaque) != 0 || p->mp.err)
        return p->mp.err ? p->mp.err : KFK_ERR__INVALID_ARG;
    char keybuf[256];
    kfk_bytes_t key = {NULL, -1};
    if (partition_by) {
        size_t klen;
        kfk_err_t err =
            kfk_msgpack_key_at(p->mp.data, p->mp.len, partition_by, keybuf, sizeof keybuf, &klen);
        if (err)
            return err == KFK_ERR__BAD_MSG ? KFK_ERR__INVALID_ARG : err;
        key = (kfk_bytes_t){(const uint8_t *)keybuf, (int32_t)klen};
    }
    kfk_bytes_t value = {p->mp.data, (int32_t)p->mp.len};
    return send_checked(p, rec, key, value, cb, opaque);
}

kfk_err_t kfk_producer_flush(kfk_producer_t *p, kfk_flush_cb cb, void *opaque) {
    if (!p || p->client_closing)
        return KFK_ERR__DESTROYED;
    /* A waiter even without cb: it keeps batches going out at once until its records are in. */
    struct flushw *f = kfk__calloc(1, sizeof *f);
    if (!f)
        return KFK_ERR__NOMEM;
    f->cb = cb;
    f->opaque = opaque;
    f->gen = p->gen;
    f->left = p->gen_left;
    *p->flushes_tail = f;
    p->flushes_tail = &f->next;
    p->gen++;
    p->gen_left = 0;
    p->flushing = 1;
    kfk__producer_kick(p); /* the callback comes from the timer, never from inside this call */
    return KFK_ERR_NONE;
}

kfk__logger_t *kfk__producer_log(kfk_producer_t *p) {
    return &p->cl->log;
}

uv_loop_t *kfk__producer_loop(kfk_producer_t *p) {
    return p->loop;
}

size_t kfk_producer_queued(const kfk_producer_t *p) {
    return p ? p->queued_msgs : 0;
}

static void free_state(kfk_producer_t *p) {
    while (p->topics) {
        ptopic_t *t = p->topics;
        p->topics = t->next;
        for (int32_t i = 0; i < t->nparts; i++) {
            /* Batches of requests that were in flight were freed by their callbacks (the
             * client's close failed those requests); what remains is ours. */
            pbatch_t *b = t->parts[i].head;
            while (b) {
                pbatch_t *next = b->next;
                kfk__producer_batch_free(b);
                b = next;
            }
            if (t->parts[i].open)
                kfk__producer_batch_free(t->parts[i].open);
        }
        while (t->pending) {
            pending_t *r = t->pending;
            t->pending = r->next;
            free_pending(r);
        }
        kfk__free(t->parts);
        kfk__free(t->name);
        kfk__free(t);
    }
    while (p->brokers) {
        pbroker_t *b = p->brokers;
        p->brokers = b->next;
        kfk__free(b);
    }
    kfk_wbuf_free(&p->mp);
    kfk__bufpool_clear(&p->pool);
    kfk_codec_ctx_free(p->codec_ctx);
    kfk__free(p->txn);
}

static void on_client_closed(kfk__client_t *cl, void *opaque) {
    (void)cl;
    kfk_producer_t *p = opaque;
    /* kfk.h: "memory is freed after it returns". */
    if (p->close_cb)
        p->close_cb(p, p->close_opaque);
    free_state(p);
    kfk__free(p);
}

static void on_timer_closed(uv_handle_t *h) {
    kfk_producer_t *p = h->data;
    /* Requests in flight fail inside this call (their batches are marked expired already). */
    kfk__client_close(p->cl, on_client_closed, p);
}

static void close_finish(kfk_producer_t *p) {
    if (p->client_closing)
        return;
    p->client_closing = 1;
    /* Everything left fails now, exactly once; then no more callbacks but the close one. */
    expire(p, kfk__producer_now_ms(p), KFK_ERR__DESTROYED);
    kfk__producer_check_flush(p);
    if (p->txn)
        kfk__txn_close(p);
    for (pbroker_t *b = p->brokers; b; b = b->next)
        if (b->waiting) {
            kfk__broker_t *br = kfk__client_broker(p->cl, b->node_id);
            if (br)
                kfk__broker_cancel_wait(br, &b->w);
            b->waiting = 0;
        }
    if (p->pid_broker) {
        kfk__broker_cancel_wait(p->pid_broker, &p->pid_w);
        p->pid_broker = NULL;
    }
    uv_timer_stop(&p->timer);
    uv_close((uv_handle_t *)&p->timer, on_timer_closed);
}

void kfk_producer_close(kfk_producer_t *p, kfk_producer_close_cb cb, void *opaque) {
    if (!p || p->closing)
        return;
    p->closing = 1;
    p->flushing = 1;
    p->close_cb = cb;
    p->close_opaque = opaque;
    int64_t t = p->close_timeout_ms;
    p->close_deadline =
        kfk__producer_now_ms(p) + (uint64_t)(t >= 0 ? t : p->c->delivery_timeout_ms);
    kfk__producer_kick(p);
}

void kfk_producer_set_close_timeout(kfk_producer_t *p, int64_t timeout_ms) {
    if (!p)
        return;
    p->close_timeout_ms = timeout_ms;
    if (p->closing && timeout_ms >= 0 && !p->client_closing) {
        /* A close under way: give up sooner (a tool whose own deadline passed). */
        uint64_t d = kfk__producer_now_ms(p) + (uint64_t)timeout_ms;
        if (d < p->close_deadline) {
            p->close_deadline = d;
            kfk__producer_kick(p);
        }
    }
}

void *kfk_producer_get_data(const kfk_producer_t *p) {
    return p ? p->data : NULL;
}

void kfk_producer_set_data(kfk_producer_t *p, void *data) {
    if (p)
        p->data = data;
}
