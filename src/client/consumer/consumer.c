/*
 * consumer.c: kfk_consumer_t, the top of the consumer component: the public API, the loop's
 * turn (run), batches and the done watermark, and closing. It calls down into parts.c (the
 * partition table), fetcher.c (Fetch, ListOffsets), offsets.c (the coordinator, commits,
 * committed offsets) and, through c->group_ops, the group member that kfk_consumer_subscribe
 * (group/group.c) set up.
 *
 * Batches: records are taken from the fetched responses without copying (kfk_message_t points
 * into the response frame, or into the decompressed records of a compressed batch; both are
 * reference-counted "chunks" a batch holds until it is done). A batch takes records from
 * partitions that are not in another undone batch, round robin, up to max.poll.records records
 * (batch.size is the producer's and is not read here); it is delivered when full or
 * batch.timeout.ms after it got its first record. A partition's next records are delivered only
 * after the batch holding its previous ones is done, so the done watermark of a partition is
 * simply the end of its last done batch, and commits never pass a record that is not done
 * (unlike a commit per message from concurrent handlers). With batch.commit.wait (always in the
 * partition worker) a partition's next records wait, beyond that, until the coordinator
 * acknowledged the commit of that watermark, so a crash re-reads at most the one batch in
 * processing per partition; fetching goes on meanwhile.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "client/consumer/consumer.h"
#include "client/consumer/parts.h"
#include "client/consumer/consumer_stats.h"
#include "client/consumer/fetcher.h"
#include "client/consumer/offsets.h"
#include "client/format/json.h"
#include "protocol/compress.h"
#include "protocol/mem.h"
#include "protocol/records.h"

static void run(uv_timer_t *t);

/* ---- batches ------------------------------------------------------------------------------- */

static int batch_hold(struct kfk_batch *b, kfk__chunk_t *ch) {
    if (b->nchunks && b->chunks[b->nchunks - 1] == ch)
        return 0;
    for (size_t i = 0; i < b->nchunks; i++)
        if (b->chunks[i] == ch)
            return 0;
    if (b->nchunks == b->chunks_cap) {
        size_t cap = b->chunks_cap ? b->chunks_cap * 2 : 8;
        kfk__chunk_t **chs = kfk__realloc(b->chunks, cap * sizeof *chs);
        if (!chs)
            return -1;
        b->chunks = chs;
        b->chunks_cap = cap;
    }
    kfk__chunk_ref(ch);
    b->chunks[b->nchunks++] = ch;
    return 0;
}

static struct bpart *batch_part(struct kfk_batch *b, cpart_t *p) {
    for (size_t i = 0; i < b->nparts; i++)
        if (b->parts[i].p == p)
            return &b->parts[i];
    if (b->nparts == b->parts_cap) {
        size_t cap = b->parts_cap ? b->parts_cap * 2 : 8;
        struct bpart *bp = kfk__realloc(b->parts, cap * sizeof *bp);
        if (!bp)
            return NULL;
        b->parts = bp;
        b->parts_cap = cap;
    }
    b->parts[b->nparts] = (struct bpart){p, p->position, p->position, 0, p->topic, p->id};
    return &b->parts[b->nparts++];
}

/* Why @p rb's records cannot be read (kfk_record_iter_init failed with @p err): the partition
 * fails at its position (perr.c), with the cause in words. */
static void batch_unusable(kfk_consumer_t *c, cpart_t *p, const kfk_record_batch_t *rb,
                           const kfk_record_iter_t *it, kfk_err_t err) {
    long long at = (long long)rb->base_offset;
    int64_t offset = rb->base_offset > p->position ? rb->base_offset : p->position;
    const char *codec = kfk_codec_name(rb->codec);
    kfk__part_fail_next(p, kfk_record_batch_next_offset(rb));
    if (err == KFK_ERR__DECOMPRESS && kfk__codec_ctx_over_cap(c->codec)) {
        const char *bound;
        size_t cap = kfk__consumer_inflate_cap(c, &bound);
        /* The same bytes inflate the same way: fetching them again cannot help. */
        kfk__part_fail(c, p, err, offset, KFK__PF_DROP | KFK__PF_FINAL,
                       "%s batch at offset %lld inflates past %zu bytes (%s)", codec, at, cap,
                       bound);
    } else if (err == KFK_ERR__DECOMPRESS) {
        kfk__part_fail(c, p, err, offset, KFK__PF_DROP,
                       "%s batch at offset %lld does not decompress (corrupt, truncated or a "
                       "length that lies)",
                       codec, at);
    } else if (err == KFK_ERR__UNSUPPORTED_COMPRESSION) {
        kfk__part_fail(c, p, err, offset, KFK__PF_DROP | KFK__PF_FINAL,
                       "record batch at offset %lld: compression codec %d not supported by this "
                       "build",
                       at, (int)rb->codec);
    } else if (err == KFK_ERR__BAD_MSG) {
        char why[256];
        kfk__record_iter_why(it, why, sizeof why);
        kfk__part_fail(c, p, err, offset, KFK__PF_DROP, "malformed record batch at offset %lld: %s",
                       at, why);
    } else {
        kfk__part_fail(c, p, err, offset, KFK__PF_DROP,
                       "record batch at offset %lld unreadable: %s", at, kfk_err_str(err));
    }
}

/* The batch at @p at of @p buf failed kfk_record_batch_next (its CRC, found here as its records
 * are about to be read; the fetcher walked it unchecked): the partition fails there, as for a
 * bad batch the fetcher finds first, and the batch is read again after the backoff. */
static void batch_corrupt(kfk_consumer_t *c, cpart_t *p, cbuf_t *buf, const uint8_t *at) {
    char why[256];
    size_t left = (size_t)(buf->records + buf->records_len - at);
    kfk__record_batch_why(at, left, why, sizeof why);
    int64_t base = left >= 8 ? (int64_t)kfk__rd64(at) : p->position;
    int64_t after = kfk__batch_header_next_offset(at, left);
    kfk__part_fail_next(p, after > p->position ? after : -1);
    kfk__part_fail(c, p, buf->rd.err, base > p->position ? base : p->position, KFK__PF_DROP,
                   "malformed record batch at offset %lld: %s", (long long)base, why);
}

/* Moves to the next record batch of @p buf: 1 when there is one, 0 when the buffer is
 * exhausted, -1 when the batch cannot be read (the partition failed; its buffers are gone). */
static int next_record_batch(kfk_consumer_t *c, cpart_t *p, cbuf_t *buf) {
    const uint8_t *at = buf->rd.p; /* where the batch being read starts */
    /* The CRC check joins the block registers the frame got as it arrived (hot in the cache
     * then) instead of reading the batch again now, when it has long left the cache. */
    const kfk__chunk_t *fr = buf->frame;
    kfk__crc_blocks_t blocks = {fr ? fr->mem : NULL, fr ? fr->crc_blocks : NULL,
                                fr ? fr->crc_nblocks : 0};
    for (; c->conf->check_crcs ? kfk__record_batch_next_blocks(&buf->rd, &buf->rb, &blocks)
                               : kfk__record_batch_next_unchecked(&buf->rd, &buf->rb);
         at = buf->rd.p) {
        kfk_record_batch_t *rb = &buf->rb;
        int64_t next = kfk_record_batch_next_offset(rb);
        if (next <= p->position)
            continue; /* wholly before our position (e.g. refetched) */
        if (buf->txn_on && rb->magic >= 2) {
            bool skip = false;
            kfk_txn_filter_check(&buf->txn, rb, &skip);
            if (skip || rb->is_control) {
                p->position = next;
                continue;
            }
        } else if (rb->is_control) {
            p->position = next;
            continue;
        }
        kfk__chunk_unref(buf->decomp);
        buf->decomp = NULL;
        kfk_wbuf_t out;
        kfk_wbuf_init(&out);
        if (rb->codec != KFK_CODEC_NONE) {
            if (!c->codec && kfk_codec_ctx_new(&c->codec) != 0)
                return 0; /* out of memory: the buffer stays, tried again next turn */
            kfk__bufpool_get(&c->inflate_pool, &out);
            c->inflate_idle_at = uv_now(c->loop) + KFK__INFLATE_POOL_IDLE_MS;
        }
        size_t cap = kfk__consumer_inflate_cap(c, NULL);
        kfk_err_t err = kfk_record_iter_init_ctx(&buf->it, rb, c->codec, &out, cap);
        if (err) {
            /* Never skipped: the partition reports it, backs off and reads it again, and
             * stops after a few tries (perr.c). */
            batch_unusable(c, p, rb, &buf->it, err);
            kfk__bufpool_put(&c->inflate_pool, &out);
            return -1;
        }
        if (out.len) {
            buf->decomp = kfk__chunk_new_pooled(out.data, out.cap, &c->inflate_pool);
            if (!buf->decomp) {
                kfk__bufpool_put(&c->inflate_pool, &out);
                return 0;
            }
            kfk_wbuf_init(&out); /* the chunk owns the memory now */
        } else {
            kfk__bufpool_put(&c->inflate_pool, &out);
        }
        buf->in_batch = 1;
        return 1;
    }
    if (!buf->rd.err)
        return 0;
    batch_corrupt(c, p, buf, at); /* the partition's buffers, buf among them, are gone */
    return -1;
}

/* Appends @p p's buffered records to @p b until it holds @p max records. */
static void take_records(kfk_consumer_t *c, struct kfk_batch *b, cpart_t *p, size_t max) {
    struct bpart *bp = NULL;
    while (b->n < max && p->bufs) {
        cbuf_t *buf = p->bufs;
        int got = buf->in_batch ? 1 : next_record_batch(c, p, buf);
        if (got < 0)
            return; /* the partition failed: its buffers are gone */
        if (!got) {
            p->bufs = buf->next;
            if (!p->bufs)
                p->bufs_tail = &p->bufs;
            c->buffered -= buf->records_len;
            p->buffered -= buf->records_len;
            kfk__cbuf_free(buf);
            continue;
        }
        kfk_record_view_t v;
        if (!kfk_record_iter_next(&buf->it, &v)) {
            if (buf->it.err) {
                /* A record that does not parse, or a count that disagrees with the bytes: the
                 * records before it were delivered; this one is read again after the backoff
                 * (never skipped). */
                char why[256];
                kfk__record_iter_why(&buf->it, why, sizeof why);
                int64_t base = buf->rb.base_offset;
                kfk__part_fail_next(p, kfk_record_batch_next_offset(&buf->rb));
                kfk__part_fail(c, p, buf->it.err, p->position > base ? p->position : base,
                               KFK__PF_DROP, "malformed record batch at offset %lld: %s",
                               (long long)base, why);
                return;
            }
            /* End of this record batch: the position moves past it (gaps included). */
            int64_t next = kfk_record_batch_next_offset(&buf->rb);
            if (next > p->position)
                p->position = next;
            buf->in_batch = 0;
            continue;
        }
        if (v.offset < p->position)
            continue;
        if (!bp && !(bp = batch_part(b, p)))
            return;
        if (b->n == b->cap) {
            size_t cap = b->cap ? b->cap * 2 : (size_t)c->max_records;
            kfk_message_t *m = kfk__realloc(b->msgs, cap * sizeof *m);
            if (!m)
                return;
            b->msgs = m;
            b->cap = cap;
        }
        if (batch_hold(b, buf->decomp ? buf->decomp : buf->frame) != 0)
            return;
        kfk_message_t *m = &b->msgs[b->n++];
        memset(m, 0, sizeof *m);
        m->topic = p->topic;
        m->partition = p->id;
        m->offset = v.offset;
        m->timestamp = v.timestamp;
        m->timestamp_type = buf->rb.timestamp_type;
        m->key = v.key.len >= 0 ? v.key.ptr : NULL;
        m->key_len = v.key.len;
        m->value = v.value.len >= 0 ? v.value.ptr : NULL;
        m->value_len = v.value.len;
        c->stat_rxbytes += (uint64_t)(v.key.len > 0 ? v.key.len : 0) +
                           (uint64_t)(v.value.len > 0 ? v.value.len : 0);
        m->header_count = v.header_count;
        m->headers = v.headers;
        m->headers_size = v.headers_size;
        if (c->decode)
            m->err = c->decode(m, &m->decoded, c->decode_opaque);
        p->position = v.offset + 1;
        bp->end = p->position;
        p->busy = b;
    }
}

static void deliver(kfk_consumer_t *c) {
    struct kfk_batch *b = c->forming;
    c->forming = NULL;
    c->stat_rxmsgs += b->n;
    c->stat_batches++;
    b->delivered = 1;
    b->delivered_ms = uv_now(c->loop);
    b->generation = c->generation;
    b->next = c->outstanding;
    c->outstanding = b;
    c->noutstanding++;
    c->batch_cb(c, b, c->batch_opaque);
}

/* Fills the forming batch from free partitions and delivers it when full or old enough. */
static void fill(kfk_consumer_t *c, uint64_t now, uint64_t *next) {
    if (!c->started || c->closing || c->fatal)
        return;
    for (int guard = 0; guard < 1000; guard++) {
        if (!c->forming) {
            c->forming = kfk__calloc(1, sizeof *c->forming);
            if (!c->forming)
                return;
            c->forming->c = c;
        }
        struct kfk_batch *b = c->forming;
        size_t n0 = b->n;
        for (size_t k = 0; k < c->nparts && b->n < (size_t)c->max_records; k++) {
            cpart_t *p = c->parts[(c->rr + k) % c->nparts];
            if (p->state != CP_READY || p->paused || p->revoking || !p->bufs ||
                (p->busy && p->busy != b) || kfk__consumer_commit_pending(c, p))
                continue;
            take_records(c, b, p, (size_t)c->max_records);
        }
        if (c->nparts)
            c->rr = (c->rr + 1) % (uint32_t)c->nparts;
        if (b->n > n0 && n0 == 0)
            c->forming_since = now;
        if (b->n == 0)
            return;
        if (b->n >= (size_t)c->max_records ||
            now >= c->forming_since + (uint64_t)c->conf->batch_timeout_ms) {
            deliver(c);
            if (c->closing || c->client_closing)
                return;
            continue; /* other free partitions may fill another batch */
        }
        uint64_t due = c->forming_since + (uint64_t)c->conf->batch_timeout_ms;
        if (due < *next)
            *next = due;
        return;
    }
}

/* ---- done -------------------------------------------------------------------------------------
 */

/* Finishes partition @p i of @p b: its watermark moves to the batch's end (err 0) or its
 * records come again (err != 0). Returns 1 when the watermark advanced. */
static int part_done(kfk_consumer_t *c, struct kfk_batch *b, size_t i, kfk_err_t err) {
    struct bpart *bp = &b->parts[i];
    cpart_t *p = bp->p;
    if (bp->done)
        return 0;
    bp->done = 1;
    if (!p || p->busy != b)
        return 0;
    p->busy = NULL;
    if (b->void_)
        return 0;
    if (err == KFK_ERR_NONE) {
        p->done = bp->end;
        return 1;
    }
    /* Not processed: deliver these records again. */
    kfk__consumer_drop_buffers(c, p);
    p->position = p->fetch_offset = bp->first;
    return 0;
}

/* After some partitions of a batch finished: commit, free the batch when it is all done. */
static void after_done(kfk_consumer_t *c, struct kfk_batch *b, int advanced) {
    size_t left = 0;
    for (size_t i = 0; i < b->nparts; i++)
        left += !b->parts[i].done;
    if (!c) { /* abandoned (kfk__consumer_abandon_batches): the batch is all that is left */
        if (left == 0)
            kfk__batch_free(b);
        return;
    }
    if (left == 0) {
        for (struct kfk_batch **pp = &c->outstanding; *pp; pp = &(*pp)->next)
            if (*pp == b) {
                *pp = b->next;
                c->noutstanding--;
                break;
            }
        kfk__batch_free(b);
    }
    if (c->client_closing)
        return;
    if (advanced && c->conf->group_id[0] && (!c->conf->enable_auto_commit || c->commit_wait))
        kfk__consumer_commit(c, NULL, NULL);
    if (c->group)
        c->group_ops->batches_done(c->group);
    kfk__consumer_kick(c);
}

void kfk_batch_done(kfk_batch_t *b, kfk_err_t err) {
    if (!b)
        return;
    int advanced = 0;
    for (size_t i = 0; i < b->nparts; i++)
        advanced |= part_done(b->c, b, i, err);
    after_done(b->c, b, advanced);
}

kfk_err_t kfk_batch_done_partition(kfk_batch_t *b, const char *topic, int32_t partition,
                                   kfk_err_t err) {
    if (!b || !topic)
        return KFK_ERR__INVALID_ARG;
    for (size_t i = 0; i < b->nparts; i++) {
        struct bpart *bp = &b->parts[i];
        if (bp->done || bp->partition != partition || strcmp(bp->topic, topic) != 0)
            continue;
        int advanced = part_done(b->c, b, i, err);
        after_done(b->c, b, advanced);
        return KFK_ERR_NONE;
    }
    return KFK_ERR__UNKNOWN_PARTITION;
}

size_t kfk_batch_count(const kfk_batch_t *b) {
    return b ? b->n : 0;
}

const kfk_message_t *kfk_batch_message(const kfk_batch_t *b, size_t i) {
    return b && i < b->n ? &b->msgs[i] : NULL;
}

void kfk_message_header_iter(const kfk_message_t *m, kfk_record_header_iter_t *it) {
    if (!it)
        return;
    kfk_record_view_t v;
    memset(&v, 0, sizeof v);
    if (!m) {
        kfk_record_header_iter_init(it, &v); /* no headers */
        return;
    }
    v.header_count = m->header_count;
    v.headers = m->headers;
    v.headers_size = m->headers_size;
    kfk_record_header_iter_init(it, &v);
}

kfk_err_t kfk_message_msgpack(const kfk_message_t *m, struct msgpack_unpacked *out) {
    if (!m || !out || !m->value || m->value_len <= 0)
        return KFK_ERR__VALUE_DECODE;
    /* Counts checked against the bytes first: msgpack-c allocates from them. */
    size_t off = 0, used = 0;
    if (!kfk__msgpack_check(m->value, (size_t)m->value_len, &used) || used != (size_t)m->value_len)
        return KFK_ERR__VALUE_DECODE;
    msgpack_unpack_return r = msgpack_unpack_next(out, m->value, (size_t)m->value_len, &off);
    if (r != MSGPACK_UNPACK_SUCCESS || off != (size_t)m->value_len)
        return KFK_ERR__VALUE_DECODE;
    return KFK_ERR_NONE;
}

/* ---- accessors ---------------------------------------------------------------------------- */

kfk_err_t kfk_consumer_position(const kfk_consumer_t *c, const char *topic, int32_t partition,
                                int64_t *position, int64_t *high_watermark) {
    if (!c || !topic || !position || !high_watermark)
        return KFK_ERR__INVALID_ARG;
    cpart_t *p = kfk__consumer_part((kfk_consumer_t *)c, topic, partition);
    if (!p)
        return KFK_ERR__UNKNOWN_PARTITION;
    *position = p->state == CP_READY ? p->position : -1;
    *high_watermark = p->hwm;
    return KFK_ERR_NONE;
}

size_t kfk_consumer_assignment(const kfk_consumer_t *c, kfk_topic_partition_t *out, size_t max) {
    if (!c)
        return 0;
    if (!out)
        max = 0;
    for (size_t i = 0; i < c->nparts && i < max; i++)
        out[i] =
            (kfk_topic_partition_t){c->parts[i]->topic, c->parts[i]->id,
                                    c->parts[i]->state == CP_READY ? c->parts[i]->position : -1};
    return c->nparts;
}

size_t kfk_consumer_outstanding(const kfk_consumer_t *c) {
    return c ? c->noutstanding + (c->forming && c->forming->n ? 1 : 0) : 0;
}

int64_t kfk_consumer_committed(const kfk_consumer_t *c, const char *topic, int32_t partition) {
    if (!c || !topic)
        return -1;
    cpart_t *p = kfk__consumer_part((kfk_consumer_t *)c, topic, partition);
    return p ? p->committed : -1;
}

/* ---- the loop
 * ------------------------------------------------------------------------------------ */

static void close_step(kfk_consumer_t *c, uint64_t now);

static void run(uv_timer_t *t) {
    kfk_consumer_t *c = t->data;
    c->timer_armed = 0;
    if (c->client_closing)
        return;
    kfk__consumer_run_settled(c);
    if (c->client_closing)
        return;
    kfk__consumer_run_seeks(c);
    if (c->client_closing)
        return;
    uint64_t now = uv_now(c->loop);
    uint64_t next = now + 1000;
    if (c->closing) {
        close_step(c, now);
        if (c->client_closing)
            return;
    }
    if (c->group)
        c->group_ops->run(c->group);
    if (c->conf->group_id[0] && !c->coord)
        kfk__consumer_find_coordinator(c);
    kfk__consumer_fetch_committed(c, now);
    if (c->xcommits) {
        kfk__consumer_run_xcommits(c, now, &next);
        if (c->client_closing)
            return;
    }
    if (c->commit_waiters)
        kfk__consumer_run_commit_deadlines(c, now, &next);
    kfk__consumer_seek_deadlines(c, now, &next);
    /* No batch inflated for a while: the spare inflate buffers go back (those records still
     * point into are not spare; they come back to the pool when done, and go at the next turn). */
    if (c->inflate_pool.n && now >= c->inflate_idle_at)
        kfk__bufpool_clear(&c->inflate_pool);
    kfk__fetcher_list_offsets(c);
    kfk__fetcher_run(c, &next);
    size_t buffered = c->buffered;
    fill(c, now, &next);
    if (c->buffered < buffered && !c->client_closing)
        kfk__fetcher_run(c, &next); /* consumed bytes may let partitions be fetched again */
    kfk__consumer_report_errors(c);
    if (c->client_closing)
        return;
    if (c->commit_again && !c->commit_in_flight && kfk__consumer_coordinator_up(c))
        kfk__consumer_commit(c, NULL, NULL);
    if (c->conf->enable_auto_commit && c->conf->group_id[0]) {
        if (now >= c->next_auto_commit) {
            kfk__consumer_commit(c, NULL, NULL);
            c->next_auto_commit = now + (uint64_t)c->conf->auto_commit_interval_ms;
        }
        if (c->next_auto_commit < next)
            next = c->next_auto_commit;
    }
    if (!c->client_closing)
        kfk__consumer_arm(c, next);
}

/* ---- public API
 * ------------------------------------------------------------------------------------ */

kfk_err_t kfk_consumer_new(uv_loop_t *loop, const kfk_conf_t *conf, kfk_consumer_t **out,
                           char *errstr, size_t errstr_size) {
    char dummy[8];
    if (!errstr || !errstr_size) {
        errstr = dummy;
        errstr_size = sizeof dummy;
    }
    kfk_consumer_t *c = kfk__calloc(1, sizeof *c);
    if (!c)
        return KFK_ERR__NOMEM;
    c->loop = loop;
    kfk__bufpool_init(&c->inflate_pool, (size_t)32 << 20);
    kfk_err_t err = kfk__client_new(loop, conf, &c->cl, errstr, errstr_size);
    if (err) {
        kfk__free(c);
        return err;
    }
    c->conf = c->cl->conf;
    c->cl->md_auto_create = c->conf->allow_auto_create_topics;
    kfk__stats_section_add(&c->cl->stats, kfk__consumer_stats, c);
    c->max_records = (int)c->conf->max_poll_records;
    if (KFK_CONF_IS_SET(c->conf, batch_size) && !KFK_CONF_IS_SET(c->conf, max_poll_records))
        /* A configuration shared with a producer, or one written when batch.size also meant
         * the consumer's records per batch: as in Java and librdkafka, it does not reach the
         * consumer. */
        kfk__log(&c->cl->log, KFK_LOG_NOTICE, KFK_DBG_CONSUMER,
                 "batch.size=%lld is the producer's batch in bytes and does not set the "
                 "consumer's batch; set max.poll.records for records per batch (now %d)",
                 (long long)c->conf->batch_size, c->max_records);
    c->commit_wait = c->conf->batch_commit_wait && c->conf->group_id[0];
    c->close_timeout_ms = -1;
    if (c->conf->heartbeat_interval_ms >= c->conf->session_timeout_ms) {
        snprintf(errstr, errstr_size, "heartbeat.interval.ms must be below session.timeout.ms");
        kfk__client_close(c->cl, NULL, NULL);
        kfk__free(c);
        return KFK_ERR__INVALID_CONF;
    }
    uv_timer_init(loop, &c->timer);
    c->timer.data = c;
    c->run = run;
    c->generation = -1;
    *out = c;
    return KFK_ERR_NONE;
}

/* An offset a caller may start from: a position, or one of kfk.h's KFK_OFFSET_* (never one of
 * kfk's own markers, such as KFK__OFFSET_RESET). */
static int valid_start(int64_t offset) {
    return offset >= 0 || offset == KFK_OFFSET_BEGINNING || offset == KFK_OFFSET_END ||
           offset == KFK_OFFSET_STORED;
}

kfk_err_t kfk_consumer_assign(kfk_consumer_t *c, const kfk_topic_partition_t *parts, size_t n) {
    if (!c || c->closing)
        return KFK_ERR__DESTROYED;
    if (c->subscribed)
        return KFK_ERR__STATE;
    if (n && !parts)
        return KFK_ERR__INVALID_ARG;
    /* All checked first: a refused call leaves the assignment as it was. */
    for (size_t i = 0; i < n; i++)
        if (!parts[i].topic || !parts[i].topic[0] || parts[i].partition < 0 ||
            !valid_start(parts[i].offset))
            return KFK_ERR__INVALID_ARG;
    while (c->nparts)
        kfk__consumer_remove_part(c, c->parts[c->nparts - 1]);
    for (size_t i = 0; i < n; i++) {
        int64_t start = parts[i].offset;
        if (start == KFK_OFFSET_STORED && !c->conf->group_id[0])
            start = KFK__OFFSET_RESET; /* auto.offset.reset */
        if (!kfk__consumer_add_part(c, parts[i].topic, parts[i].partition, start))
            return KFK_ERR__NOMEM;
    }
    kfk__consumer_refresh_metadata(c);
    kfk__consumer_kick(c);
    return KFK_ERR_NONE;
}

/* kfk_consumer_seek without the check of @p offset: kfk's own markers (KFK__OFFSET_TIME) too. */
static kfk_err_t seek_to(kfk_consumer_t *c, const char *topic, int32_t partition, int64_t offset) {
    cpart_t *p = c ? kfk__consumer_part(c, topic, partition) : NULL;
    if (!p)
        return KFK_ERR__UNKNOWN_PARTITION;
    /* Records of the old position in the batch being formed must not be delivered. */
    if (c->forming && p->busy == c->forming)
        kfk__consumer_drop_forming(c);
    kfk__consumer_drop_buffers(c, p);
    kfk__part_clear(p); /* a stopped partition starts again (perr.c) */
    kfk__consumer_seek_settle(c, p, -1, KFK_ERR__STATE); /* a later seek replaces it */
    if (offset >= 0) {
        p->position = p->fetch_offset = offset;
        p->state = CP_READY;
    } else {
        p->start = offset;
        p->state = CP_NEED_OFFSET;
    }
    kfk__consumer_kick(c);
    return KFK_ERR_NONE;
}

kfk_err_t kfk_consumer_seek(kfk_consumer_t *c, const char *topic, int32_t partition,
                            int64_t offset) {
    if (!topic || !valid_start(offset))
        return KFK_ERR__INVALID_ARG;
    return seek_to(c, topic, partition, offset);
}

kfk_err_t kfk_consumer_seek_timestamp(kfk_consumer_t *c, const char *topic, int32_t partition,
                                      int64_t timestamp_ms, kfk_seek_cb cb, void *opaque) {
    if (!c || c->closing)
        return KFK_ERR__DESTROYED;
    if (timestamp_ms < 0)
        return KFK_ERR__INVALID_ARG;
    cpart_t *p = topic ? kfk__consumer_part(c, topic, partition) : NULL;
    if (!p)
        return KFK_ERR__UNKNOWN_PARTITION;
    kfk__seek_t *s = kfk__calloc(1, sizeof *s);
    if (!s)
        return KFK_ERR__NOMEM;
    kfk_err_t err = seek_to(c, topic, partition, KFK__OFFSET_TIME);
    if (err) {
        kfk__free(s);
        return err;
    }
    p->start_ts = timestamp_ms;
    *s = (kfk__seek_t){
        NULL,      cb, opaque,       p->topic,
        partition, -1, KFK_ERR_NONE, uv_now(c->loop) + (uint64_t)c->conf->request_timeout_ms};
    p->seek = s;
    return KFK_ERR_NONE;
}

kfk_err_t kfk_consumer_pause(kfk_consumer_t *c, const char *topic, int32_t partition) {
    cpart_t *p = c ? kfk__consumer_part(c, topic, partition) : NULL;
    if (!p)
        return KFK_ERR__UNKNOWN_PARTITION;
    p->paused = 1;
    /* Nothing of a paused partition is delivered, not even what the forming batch holds. */
    if (c->forming && p->busy == c->forming)
        kfk__consumer_drop_forming(c);
    return KFK_ERR_NONE;
}

kfk_err_t kfk_consumer_resume(kfk_consumer_t *c, const char *topic, int32_t partition) {
    cpart_t *p = c ? kfk__consumer_part(c, topic, partition) : NULL;
    if (!p)
        return KFK_ERR__UNKNOWN_PARTITION;
    p->paused = 0;
    kfk__consumer_kick(c);
    return KFK_ERR_NONE;
}

void kfk_consumer_set_rebalance_cb(kfk_consumer_t *c, kfk_rebalance_cb cb, void *opaque) {
    if (!c)
        return;
    c->rebalance_cb = cb;
    c->rebalance_opaque = opaque;
}

void kfk_consumer_set_decoder(kfk_consumer_t *c, kfk_decode_cb decode, kfk_free_cb free_obj,
                              void *opaque) {
    if (!c)
        return;
    c->decode = decode;
    c->free_obj = free_obj;
    c->decode_opaque = opaque;
}

void kfk__consumer_set_batch_limit(kfk_consumer_t *c, int records) {
    c->max_records = records;
}

void kfk__consumer_set_commit_wait(kfk_consumer_t *c, int on) {
    c->commit_wait = on && c->conf->group_id[0];
}

void kfk__consumer_set_commit_gate(kfk_consumer_t *c, int (*gate)(void *opaque), void *opaque) {
    c->commit_gate = gate;
    c->commit_gate_opaque = opaque;
}

kfk__logger_t *kfk__consumer_log(kfk_consumer_t *c) {
    return &c->cl->log;
}

uv_loop_t *kfk__consumer_loop(kfk_consumer_t *c) {
    return c->loop;
}

int64_t kfk__consumer_max_poll_interval_ms(const kfk_consumer_t *c) {
    return (int64_t)c->conf->max_poll_interval_ms;
}

void kfk__consumer_detach(kfk_consumer_t *c, kfk_batch_cb cb, void *opaque) {
    if (c->batch_cb == cb && c->batch_opaque == opaque)
        c->started = 0;
}

kfk_err_t kfk_consumer_start(kfk_consumer_t *c, kfk_batch_cb cb, void *opaque) {
    if (!c || c->closing)
        return KFK_ERR__DESTROYED;
    if (!cb)
        return KFK_ERR__INVALID_ARG;
    c->batch_cb = cb;
    c->batch_opaque = opaque;
    c->started = 1;
    c->next_auto_commit = uv_now(c->loop) + (uint64_t)c->conf->auto_commit_interval_ms;
    kfk__consumer_kick(c);
    return KFK_ERR_NONE;
}

/* ---- close -------------------------------------------------------------------------------------
 */

static void on_client_closed(kfk__client_t *cl, void *opaque) {
    (void)cl;
    kfk_consumer_t *c = opaque;
    /* kfk.h: memory stays valid until the callback returns (void batches may be done in it). */
    if (c->close_cb)
        c->close_cb(c, c->close_opaque);
    if (c->group)
        c->group_ops->free(c->group);
    kfk__fetcher_free(c);
    kfk_codec_ctx_free(c->codec);
    while (c->nparts) {
        cpart_t *p = c->parts[--c->nparts];
        kfk__consumer_drop_buffers(c, p);
        kfk__free(p->seek); /* none: close_step ended them (their callbacks ran there) */
        kfk__free(p);
    }
    while (c->seeks_done) {
        kfk__seek_t *s = c->seeks_done;
        c->seeks_done = s->next;
        kfk__free(s);
    }
    while (c->tnames) {
        struct tname *t = c->tnames;
        c->tnames = t->next;
        kfk__free(t);
    }
    kfk__free(c->parts);
    for (size_t i = 0; i < c->ntopics; i++)
        kfk__free(c->topics[i]);
    kfk__free(c->topics);
    /* Batches the application never marked done are freed here. */
    while (c->outstanding) {
        struct kfk_batch *b = c->outstanding;
        c->outstanding = b->next;
        kfk__batch_free(b);
    }
    if (c->forming)
        kfk__batch_free(c->forming);
    kfk__bufpool_clear(&c->inflate_pool); /* after the last chunk went back to it */
    kfk__free(c);
}

static void on_timer_closed(uv_handle_t *h) {
    kfk_consumer_t *c = h->data;
    kfk__client_close(c->cl, on_client_closed, c);
}

static void on_final_commit(kfk_consumer_t *c, kfk_err_t err, void *opaque) {
    (void)err;
    (void)opaque;
    c->close_phase = 2;
    kfk__consumer_kick(c);
}

static void close_step(kfk_consumer_t *c, uint64_t now) {
    if (c->close_phase == 0) {
        /* Phase 0: wait for outstanding batches (bounded), then commit what is done. */
        if (c->noutstanding && now < c->close_deadline) {
            kfk__consumer_arm(c, c->close_deadline);
            return;
        }
        c->close_phase = 1;
        int committing = 0;
        if (c->conf->group_id[0] && c->coord && c->coord->up) {
            for (size_t i = 0; i < c->nparts; i++)
                if (c->parts[i]->done > c->parts[i]->committed)
                    committing = 1;
            if (committing && kfk__consumer_commit(c, on_final_commit, NULL) != 0)
                committing = 0;
        }
        if (!committing)
            c->close_phase = 2;
        else
            kfk__consumer_arm(c, now + (uint64_t)c->conf->request_timeout_ms);
    }
    if (c->close_phase == 1 && now < c->close_deadline + (uint64_t)c->conf->request_timeout_ms)
        return;
    if (c->close_phase <= 2) {
        /* Phase 2: leave the group (dynamic members), then close everything. */
        c->close_phase = 3;
        if (c->group) {
            c->group_ops->close(c->group, 1);
            kfk__consumer_arm(c, now + 50);
            return;
        }
    }
    if (c->close_phase == 3 && c->group && !c->group_ops->closed(c->group) &&
        now < c->close_deadline + 2 * (uint64_t)c->conf->request_timeout_ms) {
        kfk__consumer_arm(c, now + 50);
        return;
    }
    c->client_closing = 1;
    for (struct kfk_batch *b = c->outstanding; b; b = b->next)
        b->void_ = 1;
    kfk__consumer_run_settled(c);
    for (size_t i = 0; i < c->nparts; i++)
        kfk__consumer_seek_settle(c, c->parts[i], -1, KFK_ERR__DESTROYED);
    kfk__consumer_run_seeks(c);
    kfk__consumer_run_xcommits(c, now, &(uint64_t){0});
    kfk__consumer_finish_commit(c, KFK_ERR__DESTROYED);
    kfk__fetcher_close(c);
    uv_timer_stop(&c->timer);
    uv_close((uv_handle_t *)&c->timer, on_timer_closed);
}

void kfk_consumer_set_close_timeout(kfk_consumer_t *c, int64_t timeout_ms) {
    if (c)
        c->close_timeout_ms = timeout_ms;
}

void *kfk_consumer_get_data(const kfk_consumer_t *c) {
    return c ? c->data : NULL;
}

void kfk_consumer_set_data(kfk_consumer_t *c, void *data) {
    if (c)
        c->data = data;
}

void kfk_consumer_close(kfk_consumer_t *c, kfk_consumer_close_cb cb, void *opaque) {
    if (!c || c->closing)
        return;
    c->closing = 1;
    c->close_cb = cb;
    c->close_opaque = opaque;
    int64_t t = c->close_timeout_ms;
    c->close_deadline = uv_now(c->loop) + (uint64_t)(t >= 0 ? t : c->conf->max_poll_interval_ms);
    /* The batch being filled goes back: its records are not delivered. */
    if (c->forming) {
        for (size_t i = 0; i < c->forming->nparts; i++) {
            cpart_t *p = c->forming->parts[i].p;
            if (p) {
                p->busy = NULL;
                p->position = c->forming->parts[i].first;
            }
        }
        kfk__batch_free(c->forming);
        c->forming = NULL;
    }
    kfk__consumer_kick(c);
}
