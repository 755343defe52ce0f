/*
 * fetcher.c: the consumer's fetch pipeline and offset lookups. One Fetch request is outstanding
 * per broker at a time, covering every ready partition that broker leads (sessionless: session
 * id 0, epoch -1), within fetch.min.bytes / fetch.max.bytes / max.partition.fetch.bytes /
 * fetch.max.wait.ms. A partition is left out while its prefetched bytes exceed
 * max.partition.fetch.bytes, or while the consumer's total passes queued.max.messages.kbytes:
 * that is the backpressure from undone batches. The response frame is kept whole (a chunk) and
 * each partition's records point into it. An answer with nothing in it (no records, no error)
 * that comes back before fetch.max.wait.ms is up, from a broker that does not wait (asked not
 * to, fetch.max.wait.ms or fetch.min.bytes 0, or misbehaving: a high watermark past records it
 * never sends), is not followed by the next Fetch to that broker until fetch.max.wait.ms (0
 * with fetch.min.bytes 0), at least KFK__FETCH_EMPTY_MIN_MS, after it was sent: polling, never
 * a busy loop.
 *
 * ListOffsets resolves KFK_OFFSET_BEGINNING / KFK_OFFSET_END and auto.offset.reset, at the
 * partition's leader.
 */
#include <stdio.h>
#include <string.h>

#include "client/consumer/fetcher.h"
#include "protocol/mem.h"
#include "protocol/records.h"

typedef struct fbroker {
    struct fbroker *next;
    kfk_consumer_t *c;
    int32_t node;
    int fetching;
    int listing;
    int waiting;
    uint64_t defer_until;    /* a caught-up-only Fetch waits until then (see defer_fetch) */
    uint32_t deferred_round; /* the kfk__fetcher_run round that deferred it last */
    uint64_t sent_ms;        /* when the Fetch in flight (or the last one) was sent */
    uint64_t quiet_until;    /* after an early empty answer, no Fetch before then (on_fetch) */
    kfk__waiter_t w;
} fbroker_t;

static fbroker_t *fb_get(kfk_consumer_t *c, int32_t node) {
    for (fbroker_t *f = c->fbrokers; f; f = f->next)
        if (f->node == node)
            return f;
    fbroker_t *f = kfk__calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->c = c;
    f->node = node;
    f->next = c->fbrokers;
    c->fbrokers = f;
    return f;
}

static int leads(kfk_consumer_t *c, const cpart_t *p, int32_t node);

static void on_fb_up(kfk__broker_t *b, kfk_err_t err, const char *msg, void *opaque) {
    (void)b;
    fbroker_t *f = opaque;
    kfk_consumer_t *c = f->c;
    f->waiting = 0;
    if (c->client_closing)
        return;
    /* The leader is unreachable (the client backs the reconnects off): a transient cause of
     * every partition it leads. */
    for (size_t i = 0; err && i < c->nparts; i++)
        if (c->parts[i]->state == CP_READY && leads(c, c->parts[i], f->node))
            kfk__part_transient(c, c->parts[i], err, 0, "leader broker %d unreachable: %s",
                                (int)f->node, msg && *msg ? msg : kfk_err_str(err));
    kfk__consumer_kick(c);
}

/* The broker leading @p p, up and ready; or NULL (a wait or refresh is arranged). */
static kfk__broker_t *leader_of(kfk_consumer_t *c, cpart_t *p, fbroker_t **fbp) {
    const kfk__topic_md_t *md = kfk__client_topic(c->cl, p->topic);
    /* A partition error in the metadata (LEADER_NOT_AVAILABLE, LISTENER_NOT_FOUND) makes its
     * leader unusable, whatever id it names; REPLICA_NOT_AVAILABLE is about followers only. */
    kfk_err_t perr = md && !md->err && p->id < md->partition_cnt
                         ? (kfk_err_t)md->partitions[p->id].err
                         : KFK_ERR_NONE;
    if (perr == KFK_ERR_REPLICA_NOT_AVAILABLE)
        perr = KFK_ERR_NONE;
    if (!md || md->err || p->id >= md->partition_cnt || md->partitions[p->id].leader < 0 || perr) {
        /* No metadata yet is not an error; what the metadata says is, and the partition waits
         * the backoff before it asks again (no storm of refreshes). */
        if (md && md->err)
            kfk__part_transient(c, p, md->err, 1, "topic %s: %s (%s)", p->topic,
                                kfk_err_str(md->err), kfk_err_name(md->err));
        else if (md && p->id >= md->partition_cnt)
            kfk__part_transient(c, p, KFK_ERR__UNKNOWN_PARTITION, 1,
                                "no partition %d in the topic's metadata (%d partitions)",
                                (int)p->id, (int)md->partition_cnt);
        else if (md && perr)
            kfk__part_transient(c, p, perr, 1, "metadata says %s: %s", kfk_err_name(perr),
                                kfk_err_str(perr));
        else if (md)
            kfk__part_transient(c, p, KFK_ERR_LEADER_NOT_AVAILABLE, 1, "no leader in the metadata");
        kfk__consumer_refresh_metadata(c);
        return NULL;
    }
    int32_t node = md->partitions[p->id].leader;
    kfk__broker_t *b = kfk__client_broker(c->cl, node);
    fbroker_t *f = fb_get(c, node);
    if (!b || !f) {
        if (!b)
            kfk__part_transient(c, p, KFK_ERR_LEADER_NOT_AVAILABLE, 1,
                                "leader broker %d not in the metadata", (int)node);
        kfk__consumer_refresh_metadata(c);
        return NULL;
    }
    *fbp = f;
    if (!b->up) {
        if (!f->waiting) {
            f->waiting = 1;
            kfk__broker_wait(b, &f->w, on_fb_up, f);
        }
        if (b->failures > 0) {
            /* The leader the metadata names is down, not just connecting: the cluster may have
             * moved the partition (Kafka does once the broker's session ends, seconds after
             * the one refresh that followed the failed fetch). Ask again on the partition's
             * backoff rather than wait for this broker to come back. */
            kfk__part_transient(c, p, b->last_err ? b->last_err : KFK_ERR__TRANSPORT, 1,
                                "leader broker %d unreachable: %s", (int)node,
                                b->last_msg[0] ? b->last_msg : "connection failed");
            kfk__consumer_refresh_metadata(c);
        }
        return NULL;
    }
    return b;
}

void kfk__fetcher_close(kfk_consumer_t *c) {
    /* Stop waiting for brokers; requests in flight still point at their fbroker, which is
     * freed by kfk__fetcher_free once the client (and its connections) closed. */
    for (fbroker_t *f = c->fbrokers; f; f = f->next)
        if (f->waiting) {
            kfk__broker_t *b = kfk__client_broker(c->cl, f->node);
            if (b)
                kfk__broker_cancel_wait(b, &f->w);
            f->waiting = 0;
        }
}

void kfk__fetcher_free(kfk_consumer_t *c) {
    while (c->fbrokers) {
        fbroker_t *f = c->fbrokers;
        c->fbrokers = f->next;
        kfk__free(f);
    }
}

/* ---- Fetch --------------------------------------------------------------------------------- */

/* The least time between a Fetch and the next one to its broker after an answer with nothing
 * in it (see the top): with fetch.max.wait.ms 0, a caught-up consumer polls 100 times a
 * second per broker instead of as fast as the loop turns (0.66 s of CPU in 3 s, and 3.3 s of
 * the broker's, measured against Kafka 4.3.1; kcat/librdkafka: 0.83 and 2.65 s). */
enum { KFK__FETCH_EMPTY_MIN_MS = 10 };

typedef struct {
    kfk_consumer_t *c;
    fbroker_t *f;
} fetch_ctx_t;

static int64_t reset_timestamp(const kfk_consumer_t *c) {
    switch (c->conf->auto_offset_reset) {
    case KFK_RESET_EARLIEST:
    case KFK_RESET_SMALLEST:
    case KFK_RESET_BEGINNING:
        return -2;
    case KFK_RESET_ERROR:
        return 0;
    default:
        return -1;
    }
}

/* Takes one partition's part of a Fetch answer. @p first: no partition before this one in the
 * answer had records (KIP-74, Kafka's minOneMessage: the broker then sends at least one whole
 * batch, so a partial batch alone is a broken answer, not a size limit). */
static void take_partition(kfk_consumer_t *c, cpart_t *p, kfk__chunk_t *frame,
                           kfk_fetch_response_partition_data_t *pd, int *refresh, int first) {
    kfk_err_t err = (kfk_err_t)pd->error_code;
    uint64_t now = uv_now(c->loop);
    if (err == KFK_ERR_OFFSET_OUT_OF_RANGE) {
        kfk__consumer_drop_buffers(c, p);
        if (c->conf->auto_offset_reset == KFK_RESET_ERROR) {
            /* Nothing else tells the application: an error, as for a missing commit. */
            kfk__part_stop(c, p, err, "offset %lld out of range and auto.offset.reset=error",
                           (long long)p->fetch_offset);
        } else {
            /* Reported once; the ListOffsets that follows waits the backoff, so a broker that
             * says it again and again is not asked again and again at once. */
            kfk__part_transient(c, p, err, 1, "offset %lld out of range: auto.offset.reset applies",
                                (long long)p->fetch_offset);
            p->start = KFK__OFFSET_RESET;
            p->state = CP_NEED_OFFSET;
        }
        return;
    }
    if (err) {
        if (kfk_err_flags(err) & KFK_ERRF_REFRESH || err == KFK_ERR_FENCED_LEADER_EPOCH ||
            err == KFK_ERR_UNKNOWN_LEADER_EPOCH || err == KFK_ERR_OFFSET_NOT_AVAILABLE)
            *refresh = 1;
        kfk__part_transient(c, p, err, 1, "Fetch error %s: %s", kfk_err_name(err),
                            kfk_err_str(err));
        return;
    }
    (void)now;
    p->hwm = pd->high_watermark;
    if (pd->records.len <= 0) {
        kfk__part_ok(p);
        return;
    }
    /* The next fetch starts after the last complete batch of this answer. CRCs are checked by
     * the delivery pass (consumer.c), batch by batch as their records are read. */
    kfk_record_batch_reader_t rd;
    kfk_record_batch_t rb;
    int64_t next = p->fetch_offset;
    kfk_record_batch_reader_init(&rd, pd->records.ptr, (size_t)pd->records.len);
    const uint8_t *at = rd.p; /* where the batch being read starts */
    while (kfk__record_batch_next_unchecked(&rd, &rb)) {
        int64_t n = kfk_record_batch_next_offset(&rb);
        if (n > next)
            next = n;
        at = rd.p;
    }
    if (next == p->fetch_offset && (rd.err || first)) {
        /* Nothing usable at the fetch offset: a bad first batch, or a partial batch where the
         * broker owed us a whole one. Batches after good ones are judged when they come first. */
        char why[256];
        size_t left = (size_t)(pd->records.ptr + pd->records.len - at);
        kfk__record_batch_why(at, left, why, sizeof why);
        /* The header's own word on where the batch ends, when there is a v2 header to read. */
        int64_t after = kfk__batch_header_next_offset(at, left);
        kfk__part_fail_next(p, after > p->fetch_offset ? after : -1);
        kfk__part_fail(c, p, rd.err ? rd.err : KFK_ERR__BAD_MSG, p->fetch_offset, 0,
                       "malformed record batch at offset %lld: %s", (long long)p->fetch_offset,
                       why);
        return;
    }
    if (next == p->fetch_offset) {
        /* Only a partial batch, cut by the answer's size limit: ask again after a wait. */
        p->retry_at = uv_now(c->loop) + kfk__consumer_backoff(c, 1);
        return;
    }
    kfk__part_ok(p);
    cbuf_t *buf = kfk__calloc(1, sizeof *buf);
    if (!buf)
        return;
    kfk__chunk_ref(frame);
    buf->frame = frame;
    buf->records = pd->records.ptr;
    buf->records_len = (size_t)pd->records.len;
    kfk_record_batch_reader_init(&buf->rd, buf->records, buf->records_len);
    if (c->conf->isolation_level == KFK_ISOLATION_READ_COMMITTED) {
        buf->txn_on = 1;
        if (pd->aborted_transactions.count > 0)
            kfk_txn_filter_init(&buf->txn, pd->aborted_transactions.items,
                                (size_t)pd->aborted_transactions.count,
                                sizeof(kfk_fetch_response_aborted_transaction_t));
    }
    *p->bufs_tail = buf;
    p->bufs_tail = &buf->next;
    p->buffered += buf->records_len;
    c->buffered += buf->records_len;
    p->fetch_offset = next;
}

static void on_fetch(kfk__resp_t *resp, void *opaque) {
    fetch_ctx_t *ctx = opaque;
    kfk_consumer_t *c = ctx->c;
    fbroker_t *f = ctx->f;
    kfk__free(ctx);
    f->fetching = 0;
    if (c->client_closing)
        return;
    int refresh = 0;
    kfk_err_t err = resp->err;
    kfk__chunk_t *chunk = NULL;
    if (!err) {
        /* The records stay in the frame (zero copy): the chunk owns it from here on. */
        uint8_t *frame = NULL;
        kfk__resp_keep(resp, &frame, NULL);
        if (!(chunk = kfk__chunk_new(frame))) {
            kfk__free(frame);
            err = KFK_ERR__NOMEM;
        } else {
            chunk->crc_blocks = resp->crc_blocks;
            chunk->crc_nblocks = resp->crc_nblocks;
        }
    }
    kfk_fetch_response_t *r = resp->body;
    if (!err && r->error_code)
        err = (kfk_err_t)r->error_code;
    if (err) {
        kfk__dbg(&c->cl->log, KFK_DBG_FETCH, "fetch from broker %d: %s", f->node,
                 resp->err ? resp->msg : kfk_err_name(err));
        refresh = err == KFK_ERR__TRANSPORT || err == KFK_ERR__TIMED_OUT;
        /* The partitions of this request back off (growing) and hear why: an answer that does
         * not decode must not turn into a storm of Fetches while the broker reconnects. */
        for (size_t i = 0; i < c->nparts; i++)
            if (c->parts[i]->fetching == f->node + 1 && c->parts[i]->state == CP_READY)
                kfk__part_transient(
                    c, c->parts[i], err, 1, "Fetch answer from broker %d: %s", (int)f->node,
                    resp->err && resp->msg && *resp->msg ? resp->msg : kfk_err_str(err));
    }
    /* Partitions marked fetching for this broker are free again whatever happened. */
    for (size_t i = 0; i < c->nparts; i++)
        if (c->parts[i]->fetching == f->node + 1)
            c->parts[i]->fetching = 0;
    int first = 1, empty = !err;
    for (int32_t t = 0; !err && t < r->responses.count; t++) {
        kfk_fetch_response_fetchable_topic_response_t *tr =
            &KFK_ARRAY_AT(r->responses, kfk_fetch_response_fetchable_topic_response_t, t);
        char topic[256];
        snprintf(topic, sizeof topic, "%.*s", tr->topic.len > 0 ? tr->topic.len : 0,
                 tr->topic.ptr ? tr->topic.ptr : "");
        for (int32_t k = 0; k < tr->partitions.count; k++) {
            kfk_fetch_response_partition_data_t *pd =
                &KFK_ARRAY_AT(tr->partitions, kfk_fetch_response_partition_data_t, k);
            cpart_t *p = kfk__consumer_part(c, topic, pd->partition_index);
            int was_first = first;
            if (!pd->error_code && pd->records.len > 0)
                first = 0; /* the broker's minOneMessage went to this one */
            if (pd->error_code || pd->records.len > 0)
                empty = 0;
            if (!p || p->state != CP_READY || p->fetch_sent != p->fetch_offset)
                continue; /* revoked, seeked or reset meanwhile */
            take_partition(c, p, chunk, pd, &refresh, was_first);
        }
    }
    kfk__dbg(&c->cl->log, KFK_DBG_FETCH, "fetch answer from broker %d: %zu bytes", f->node,
             resp->len);
    /* Nothing in it, and sooner than the broker was allowed to wait: the next Fetch to it waits
     * (the top of this file). An empty answer that took the wait is followed at once. */
    f->quiet_until = 0;
    if (empty) {
        /* With fetch.min.bytes 0 the broker is not asked to wait at all. */
        uint64_t now = uv_now(c->loop),
                 wait = c->conf->fetch_min_bytes > 0 ? (uint64_t)c->conf->fetch_max_wait_ms : 0;
        if (wait < KFK__FETCH_EMPTY_MIN_MS)
            wait = KFK__FETCH_EMPTY_MIN_MS;
        if (now < f->sent_ms + wait) {
            f->quiet_until = f->sent_ms + wait;
            kfk__dbg(&c->cl->log, KFK_DBG_FETCH,
                     "empty fetch answer from broker %d after %llu ms: next fetch in %llu ms",
                     f->node, (unsigned long long)(now - f->sent_ms),
                     (unsigned long long)(f->quiet_until - now));
        }
    }
    if (chunk)
        kfk__chunk_unref(chunk); /* the partitions' buffers hold their own references */
    if (refresh)
        kfk__consumer_refresh_metadata(c);
    kfk__consumer_kick(c);
}

/* How many fetched bytes a partition may hold before it is left out of fetches: an even share
 * of queued.max.messages.kbytes, and never less than one answer's worth
 * (max.partition.fetch.bytes). A partition is thus fetched again while its last answer is being
 * consumed, and the broker works while the application does. */
static size_t part_bound(const kfk_consumer_t *c) {
    size_t total = (size_t)c->conf->queued_max_messages_kbytes * 1024;
    size_t share = c->nparts ? total / c->nparts : total;
    size_t one = (size_t)c->conf->max_partition_fetch_bytes;
    return share > one ? share : one;
}

/* Ready to fetch except, perhaps, for its prefetched bytes. */
static int wants_fetch(const cpart_t *p, uint64_t now) {
    return p->state == CP_READY && !p->stopped && !p->paused && !p->fetching && !p->revoking &&
           now >= p->retry_at;
}

static int fetchable(const kfk_consumer_t *c, const cpart_t *p, uint64_t now, size_t bound) {
    return wants_fetch(p, now) && p->buffered < bound &&
           c->buffered < (size_t)c->conf->queued_max_messages_kbytes * 1024;
}

/* True when the broker holds nothing past @p p's fetch offset, as far as the last answer said:
 * a fetch for it alone would wait fetch.max.wait.ms on the broker. */
static int caught_up(const cpart_t *p) {
    return p->hwm >= 0 && p->fetch_offset >= p->hwm;
}

static int leads(kfk_consumer_t *c, const cpart_t *p, int32_t node) {
    const kfk__topic_md_t *md = kfk__client_topic(c->cl, p->topic);
    return md && !md->err && p->id < md->partition_cnt && md->partitions[p->id].leader == node;
}

/* A Fetch to @p f's broker that would hold only caught-up partitions, while partitions of that
 * broker with more data are left out just because their prefetched bytes are being consumed,
 * waits: sent now, the broker would hold it fetch.max.wait.ms and those partitions could not be
 * fetched meanwhile (one Fetch per broker), stalling the stream. It waits until they can join
 * it, or at most fetch.max.wait.ms (so an application that holds its batches delays new data of
 * the caught-up partitions by at most that). Returns 1 to wait, lowering @p next to the deadline.
 */
static int defer_fetch(kfk_consumer_t *c, fbroker_t *f, cpart_t *const *sel, size_t ns,
                       uint64_t now, size_t bound, uint64_t *next) {
    for (size_t s = 0; s < ns; s++)
        if (!caught_up(sel[s]))
            goto send;
    int held = 0;
    for (size_t i = 0; i < c->nparts && !held; i++) {
        const cpart_t *q = c->parts[i];
        held = wants_fetch(q, now) && q->buffered >= bound && !caught_up(q) && leads(c, q, f->node);
    }
    if (!held)
        goto send;
    if (!f->defer_until)
        f->defer_until = now + (uint64_t)c->conf->fetch_max_wait_ms;
    if (now < f->defer_until) {
        if (f->defer_until < *next)
            *next = f->defer_until;
        return 1;
    }
send:
    f->defer_until = 0;
    return 0;
}

void kfk__fetcher_run(kfk_consumer_t *c, uint64_t *next) {
    if (c->closing || c->fatal)
        return;
    uint64_t now = uv_now(c->loop);
    size_t bound = part_bound(c);
    uint32_t round = ++c->fetch_round;
    for (size_t i = 0; i < c->nparts; i++) {
        cpart_t *p = c->parts[i];
        if (p->state == CP_READY && !p->fetching && now < p->retry_at && p->retry_at < *next)
            *next = p->retry_at; /* a backoff ends then */
        if (!fetchable(c, p, now, bound))
            continue;
        fbroker_t *f = NULL;
        kfk__broker_t *b = leader_of(c, p, &f);
        if (!b || f->fetching || f->deferred_round == round)
            continue;
        if (now < f->quiet_until) {
            if (f->quiet_until < *next)
                *next = f->quiet_until;
            continue;
        }
        /* Build one request with every fetchable partition this broker leads. */
        size_t n = 0;
        for (size_t j = i; j < c->nparts; j++)
            n += fetchable(c, c->parts[j], now, bound);
        kfk_fetch_request_fetch_topic_t *topics = kfk__calloc(n, sizeof *topics);
        kfk_fetch_request_fetch_partition_t *parts = kfk__calloc(n, sizeof *parts);
        cpart_t **sel = kfk__calloc(n, sizeof *sel);
        if (!topics || !parts || !sel) {
            kfk__free(topics);
            kfk__free(parts);
            kfk__free(sel);
            return;
        }
        size_t ns = 0;
        for (size_t j = i; j < c->nparts; j++) {
            cpart_t *q = c->parts[j];
            if (fetchable(c, q, now, bound) && leads(c, q, f->node))
                sel[ns++] = q;
        }
        if (defer_fetch(c, f, sel, ns, now, bound, next)) {
            f->deferred_round = round;
            kfk__free(topics);
            kfk__free(parts);
            kfk__free(sel);
            continue;
        }
        size_t nt = 0, k = 0;
        for (size_t s = 0; s < ns; s++) {
            size_t t;
            for (t = 0; t < nt; t++)
                if (kfk_str_eq(topics[t].topic, sel[s]->topic))
                    break;
            if (t == nt)
                topics[nt++].topic = kfk_str_c(sel[s]->topic);
        }
        for (size_t t = 0; t < nt; t++) {
            topics[t].partitions.items = &parts[k];
            for (size_t s = 0; s < ns; s++) {
                cpart_t *q = sel[s];
                if (!kfk_str_eq(topics[t].topic, q->topic))
                    continue;
                parts[k].partition = q->id;
                parts[k].current_leader_epoch = -1;
                parts[k].fetch_offset = q->fetch_offset;
                parts[k].last_fetched_epoch = -1;
                parts[k].log_start_offset = -1;
                parts[k].partition_max_bytes = (int32_t)c->conf->max_partition_fetch_bytes;
                k++;
                topics[t].partitions.count++;
            }
        }
        kfk_fetch_request_t req;
        memset(&req, 0, sizeof req);
        req.cluster_id = (kfk_str_t){NULL, -1};
        req.replica_id = -1;
        req.max_wait_ms = (int32_t)c->conf->fetch_max_wait_ms;
        req.min_bytes = (int32_t)c->conf->fetch_min_bytes;
        req.max_bytes = (int32_t)c->conf->fetch_max_bytes;
        req.isolation_level = (int8_t)c->conf->isolation_level;
        req.session_id = 0;
        req.session_epoch = -1;
        req.topics = (kfk_array_t){topics, (int32_t)nt};
        req.rack_id = (kfk_str_t){"", 0};
        fetch_ctx_t *ctx = kfk__malloc(sizeof *ctx);
        kfk_err_t err = KFK_ERR__NOMEM;
        if (ctx) {
            *ctx = (fetch_ctx_t){c, f};
            err = kfk__broker_request(b, KFK_API_FETCH, &req, 0,
                                      c->conf->request_timeout_ms + c->conf->fetch_max_wait_ms,
                                      on_fetch, ctx);
        }
        if (!err) {
            kfk__dbg(&c->cl->log, KFK_DBG_FETCH,
                     "fetch to broker %d: %zu partition(s), %zu KiB buffered", f->node, ns,
                     c->buffered / 1024);
            f->fetching = 1;
            f->sent_ms = now;
            c->stat_fetches++;
            for (size_t s = 0; s < ns; s++) {
                sel[s]->fetching = f->node + 1;
                sel[s]->fetch_sent = sel[s]->fetch_offset;
            }
        } else {
            kfk__free(ctx);
            kfk__consumer_refresh_metadata(c);
        }
        kfk__free(topics);
        kfk__free(parts);
        kfk__free(sel);
    }
}

/* ---- ListOffsets ------------------------------------------------------------------------------
 */

typedef struct {
    kfk_consumer_t *c;
    fbroker_t *f;
} list_ctx_t;

static void on_list_offsets(kfk__resp_t *resp, void *opaque) {
    kfk_err_t err = resp->err;
    list_ctx_t *ctx = opaque;
    kfk_consumer_t *c = ctx->c;
    fbroker_t *f = ctx->f;
    kfk__free(ctx);
    f->listing = 0;
    if (c->client_closing)
        return;
    void *body = resp->body;
    kfk_list_offsets_response_t *r = body;
    for (int32_t t = 0; !err && t < r->topics.count; t++) {
        kfk_list_offsets_response_list_offsets_topic_response_t *tr =
            &KFK_ARRAY_AT(r->topics, kfk_list_offsets_response_list_offsets_topic_response_t, t);
        char topic[256];
        snprintf(topic, sizeof topic, "%.*s", tr->name.len > 0 ? tr->name.len : 0,
                 tr->name.ptr ? tr->name.ptr : "");
        for (int32_t k = 0; k < tr->partitions.count; k++) {
            kfk_list_offsets_response_list_offsets_partition_response_t *pr = &KFK_ARRAY_AT(
                tr->partitions, kfk_list_offsets_response_list_offsets_partition_response_t, k);
            cpart_t *p = kfk__consumer_part(c, topic, pr->partition_index);
            if (!p || p->state != CP_OFFSET_PENDING)
                continue;
            if (p->start == KFK__OFFSET_TIME && !pr->error_code && pr->offset < 0) {
                /* No record at or after the time: start at the end (asked next). */
                p->start = KFK_OFFSET_END;
                p->state = CP_NEED_OFFSET;
                continue;
            }
            if (p->start == KFK__OFFSET_TIME && pr->error_code &&
                !kfk_err_is_retriable((kfk_err_t)pr->error_code)) {
                kfk_err_t perr = (kfk_err_t)pr->error_code;
                kfk__part_stop(c, p, perr, "ListOffsets for time %lld: %s: %s",
                               (long long)p->start_ts, kfk_err_name(perr), kfk_err_str(perr));
                kfk__consumer_seek_settle(c, p, -1, perr);
                continue;
            }
            if (pr->error_code || pr->offset < 0) {
                kfk_err_t perr = pr->error_code ? (kfk_err_t)pr->error_code : KFK_ERR__BAD_MSG;
                p->state = CP_NEED_OFFSET;
                kfk__part_transient(c, p, perr, 1, "ListOffsets error %s: %s", kfk_err_name(perr),
                                    pr->error_code ? kfk_err_str(perr) : "no offset in the answer");
                if (kfk_err_flags((kfk_err_t)pr->error_code) & KFK_ERRF_REFRESH)
                    kfk__consumer_refresh_metadata(c);
                continue;
            }
            p->position = p->fetch_offset = pr->offset;
            p->state = CP_READY;
            kfk__part_ok(p);
            kfk__consumer_seek_settle(c, p, pr->offset, KFK_ERR_NONE);
            kfk__dbg(&c->cl->log, KFK_DBG_FETCH, "%s [%d]: starting at offset %lld", p->topic,
                     p->id, (long long)pr->offset);
        }
    }
    if (err)
        for (size_t i = 0; i < c->nparts; i++)
            if (c->parts[i]->state == CP_OFFSET_PENDING &&
                c->parts[i]->fetching == -(f->node + 1)) {
                c->parts[i]->state = CP_NEED_OFFSET;
                kfk__part_transient(c, c->parts[i], err, 1, "ListOffsets answer from broker %d: %s",
                                    (int)f->node,
                                    resp->msg && *resp->msg ? resp->msg : kfk_err_str(err));
            }
    for (size_t i = 0; i < c->nparts; i++)
        if (c->parts[i]->fetching == -(f->node + 1))
            c->parts[i]->fetching = 0;
    kfk__consumer_kick(c);
}

void kfk__fetcher_list_offsets(kfk_consumer_t *c) {
    uint64_t now = uv_now(c->loop);
    for (size_t i = 0; i < c->nparts; i++) {
        cpart_t *p = c->parts[i];
        if (p->state != CP_NEED_OFFSET || now < p->retry_at)
            continue;
        if (p->start >= 0) {
            p->position = p->fetch_offset = p->start;
            p->state = CP_READY;
            continue;
        }
        if (p->start == KFK_OFFSET_STORED && c->conf->group_id[0])
            continue; /* offsets.c asks the coordinator */
        if (p->start == KFK__OFFSET_RESET && c->conf->auto_offset_reset == KFK_RESET_ERROR) {
            kfk__part_stop(c, p, KFK_ERR_OFFSET_OUT_OF_RANGE,
                           "no committed offset and auto.offset.reset=error");
            continue;
        }
        fbroker_t *f = NULL;
        kfk__broker_t *b = leader_of(c, p, &f);
        if (!b || f->listing)
            continue;
        /* One ListOffsets per leader with every partition it leads that needs an offset. */
        size_t n = 0;
        for (size_t j = i; j < c->nparts; j++)
            n += c->parts[j]->state == CP_NEED_OFFSET;
        kfk_list_offsets_request_list_offsets_topic_t *topics = kfk__calloc(n, sizeof *topics);
        kfk_list_offsets_request_list_offsets_partition_t *parts = kfk__calloc(n, sizeof *parts);
        if (!topics || !parts) {
            kfk__free(topics);
            kfk__free(parts);
            return;
        }
        size_t nt = 0, k = 0;
        for (size_t j = i; j < c->nparts; j++) {
            cpart_t *q = c->parts[j];
            const kfk__topic_md_t *md = kfk__client_topic(c->cl, q->topic);
            if (q->state != CP_NEED_OFFSET || q->start >= 0 ||
                (q->start == KFK_OFFSET_STORED && c->conf->group_id[0]) || !md ||
                q->id >= md->partition_cnt || md->partitions[q->id].leader != f->node)
                continue;
            size_t t;
            for (t = 0; t < nt; t++)
                if (kfk_str_eq(topics[t].name, q->topic))
                    break;
            if (t == nt)
                topics[nt++].name = kfk_str_c(q->topic);
            q->state = CP_OFFSET_PENDING;
            q->fetching = -(f->node + 1);
        }
        for (size_t t = 0; t < nt; t++) {
            topics[t].partitions.items = &parts[k];
            for (size_t j = 0; j < c->nparts; j++) {
                cpart_t *q = c->parts[j];
                if (q->fetching != -(f->node + 1) || !kfk_str_eq(topics[t].name, q->topic))
                    continue;
                parts[k].partition_index = q->id;
                parts[k].current_leader_epoch = -1;
                parts[k].timestamp = q->start == KFK_OFFSET_BEGINNING ? -2
                                     : q->start == KFK_OFFSET_END     ? -1
                                     : q->start == KFK__OFFSET_TIME   ? q->start_ts
                                                                      : reset_timestamp(c);
                k++;
                topics[t].partitions.count++;
            }
        }
        kfk_list_offsets_request_t req;
        memset(&req, 0, sizeof req);
        req.replica_id = -1;
        req.isolation_level = (int8_t)c->conf->isolation_level;
        req.topics = (kfk_array_t){topics, (int32_t)nt};
        list_ctx_t *ctx = kfk__malloc(sizeof *ctx);
        kfk_err_t err = KFK_ERR__NOMEM;
        if (ctx) {
            *ctx = (list_ctx_t){c, f};
            err = kfk__broker_request(b, KFK_API_LIST_OFFSETS, &req, 0, 0, on_list_offsets, ctx);
        }
        if (err) {
            kfk__free(ctx);
            for (size_t j = 0; j < c->nparts; j++)
                if (c->parts[j]->fetching == -(f->node + 1)) {
                    c->parts[j]->fetching = 0;
                    c->parts[j]->state = CP_NEED_OFFSET;
                    c->parts[j]->retry_at = now + (uint64_t)c->conf->retry_backoff_ms;
                }
        } else {
            f->listing = 1;
        }
        kfk__free(topics);
        kfk__free(parts);
    }
}
