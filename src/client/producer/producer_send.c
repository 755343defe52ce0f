/*
 * producer_send.c: the producer's side of the wire: producer ids (InitProducerId, epoch bumps
 * and renumbering), Produce requests carrying the next batch of each partition per leader, and
 * their answers (retries, splits, sequence errors). See producer.c for the whole.
 */
#include "client/producer/producer_int.h"

/* ---- idempotence: producer id -----------------------------------------------------------------
 */

void kfk__producer_renumber(kfk_producer_t *p) {
    /* After a new id or epoch, every unacked batch starts again from sequence 0. */
    for (ptopic_t *t = p->topics; t; t = t->next)
        for (int32_t i = 0; i < (t->nparts > 0 ? t->nparts : 0); i++) {
            toppar_t *tp = &t->parts[i];
            tp->next_seq = 0;
            tp->seq_acked = 0;
            for (pbatch_t *b = tp->head; b; b = b->next) {
                b->base_seq = tp->next_seq;
                tp->next_seq = (int32_t)(((uint32_t)tp->next_seq + (uint32_t)b->n) & 0x7fffffff);
                kfk_record_batch_set_producer(b->buf.data, b->buf.len, p->pid, p->epoch,
                                              b->base_seq);
                b->seq_dirty = 0;
            }
        }
}

int kfk__producer_seq_release(kfk_producer_t *p, pbatch_t *b) {
    toppar_t *tp = b->tp;
    if (b->base_seq < 0 || p->pid_state != PID_READY)
        return 0; /* numbered again when the producer id comes */
    if (tp->head != b)
        return -1;
    for (pbatch_t *x = b; x; x = x->next)
        if (x->in_flight || x->maybe_written)
            return -1;
    uint32_t n = (uint32_t)b->n;
    for (pbatch_t *x = b->next; x; x = x->next) {
        x->base_seq = (int32_t)(((uint32_t)x->base_seq - n) & 0x7fffffff);
        x->seq_dirty = 1; /* its header is rewritten when it is next sent */
    }
    tp->next_seq = (int32_t)(((uint32_t)tp->next_seq - n) & 0x7fffffff);
    b->base_seq = -1;
    return 0;
}

static void on_pid_response(kfk__resp_t *resp, void *opaque) {
    kfk_producer_t *p = opaque;
    int bump = p->pid_state == PID_REQUESTING && p->pid >= 0;
    if (p->client_closing)
        return;
    kfk_err_t err = resp->err;
    kfk_init_producer_id_response_t *r = resp->body;
    if (!err && r->error_code)
        err = (kfk_err_t)r->error_code;
    if (!err) {
        p->pid = r->producer_id;
        p->epoch = r->producer_epoch;
        p->pid_state = PID_READY;
        p->stat_epochs++;
        p->pid_attempts = 0;
        p->pid_last_err = KFK_ERR_NONE;
        kfk__dbg(&p->cl->log, KFK_DBG_PRODUCER, "producer id %lld epoch %d%s", (long long)p->pid,
                 p->epoch, bump ? " (epoch bump)" : "");
        kfk__producer_renumber(p);
    } else {
        p->pid_last_err = err;
        if (resp->err)
            snprintf(p->pid_last_msg, sizeof p->pid_last_msg, "%s", resp->msg);
        else
            snprintf(p->pid_last_msg, sizeof p->pid_last_msg, "InitProducerId answered %s",
                     kfk_err_name(err));
        p->pid_state = PID_NONE;
        p->pid_attempts++;
        p->pid_retry_at = kfk__producer_now_ms(p) + kfk__producer_backoff(p, p->pid_attempts);
        if (err == KFK_ERR_CLUSTER_AUTHORIZATION_FAILED || err == KFK_ERR_PRODUCER_FENCED) {
            p->fatal = err;
            kfk__log(&p->cl->log, KFK_LOG_ERR, KFK_DBG_PRODUCER, "InitProducerId: %s",
                     kfk_err_name(err));
        }
    }
    kfk__producer_kick(p);
}

static void on_pid_broker(kfk__broker_t *b, kfk_err_t err, const char *msg, void *opaque) {
    kfk_producer_t *p = opaque;
    p->pid_broker = NULL;
    if (err && !p->client_closing) {
        p->pid_last_err = err;
        snprintf(p->pid_last_msg, sizeof p->pid_last_msg, "InitProducerId: %s", msg);
    }
    if (err || p->client_closing) {
        p->pid_state = p->pid_state == PID_REQUESTING ? PID_NONE : p->pid_state;
        p->pid_attempts++;
        p->pid_retry_at = kfk__producer_now_ms(p) + kfk__producer_backoff(p, p->pid_attempts);
        if (!p->client_closing)
            kfk__producer_kick(p);
        return;
    }
    kfk_init_producer_id_request_t req;
    memset(&req, 0, sizeof req);
    req.transactional_id = (kfk_str_t){NULL, -1};
    req.transaction_timeout_ms = INT32_MAX;
    /* Bump the epoch of the current id (KIP-360) when the broker can, else ask for a new id. */
    int bump = p->pid >= 0 && kfk__broker_version(b, KFK_API_INIT_PRODUCER_ID) >= 3;
    req.producer_id = bump ? p->pid : -1;
    req.producer_epoch = bump ? p->epoch : -1;
    kfk_err_t e = kfk__broker_request(b, KFK_API_INIT_PRODUCER_ID, &req, 0, 0, on_pid_response, p);
    if (e) {
        p->pid_state = PID_NONE;
        p->pid_attempts++;
        p->pid_retry_at = kfk__producer_now_ms(p) + kfk__producer_backoff(p, p->pid_attempts);
        kfk__producer_kick(p);
    }
}

static void request_pid(kfk_producer_t *p) {
    if (p->pid_state == PID_REQUESTING || p->pid_broker ||
        kfk__producer_now_ms(p) < p->pid_retry_at)
        return;
    kfk__broker_t *b = kfk__client_any_broker(p->cl);
    if (!b)
        return;
    p->pid_state = PID_REQUESTING;
    p->pid_broker = b;
    kfk__broker_wait(b, &p->pid_w, on_pid_broker, p);
}

/* ---- sending ------------------------------------------------------------------------------------
 */

typedef struct preq {
    kfk_producer_t *p;
    int32_t node_id;
    size_t n;
    pbatch_t *batches[]; /* one per partition */
} preq_t;

/* Produce retries follow the producer's one exponential rule with jitter. */
static uint64_t retry_backoff(kfk_producer_t *p, uint32_t attempts) {
    return kfk__producer_backoff(p, attempts);
}

/* Splits a batch the broker found too large into two halves, in place in the queue. */
static int split_batch(kfk_producer_t *p, pbatch_t *b) {
    toppar_t *tp = b->tp;
    kfk_record_batch_reader_t rd;
    kfk_record_batch_t rb;
    kfk_record_batch_reader_init(&rd, b->buf.data, b->buf.len);
    if (!kfk_record_batch_next(&rd, &rb))
        return -1;
    kfk_wbuf_t scratch;
    kfk_wbuf_init(&scratch);
    kfk_record_iter_t it;
    if (kfk_record_iter_init(&it, &rb, &scratch, (size_t)p->c->message_max_bytes * 8) != 0) {
        kfk_wbuf_free(&scratch);
        return -1;
    }
    pbatch_t *halves[2] = {kfk__producer_batch_new(p, tp), kfk__producer_batch_new(p, tp)};
    int32_t half = b->n / 2, i = 0;
    kfk_record_view_t v;
    int ok = halves[0] && halves[1];
    while (ok && kfk_record_iter_next(&it, &v)) {
        pbatch_t *h = halves[i < half ? 0 : 1];
        kfk_record_header_t hs[64];
        size_t nh = 0;
        kfk_record_header_iter_t hi;
        kfk_record_header_iter_init(&hi, &v);
        while (nh < 64 && kfk_record_header_iter_next(&hi, &hs[nh]))
            nh++;
        if (h->n == h->cap) {
            int32_t cap = h->cap ? h->cap * 2 : 16;
            rmeta_t *m = kfk__realloc(h->meta, (size_t)cap * sizeof *m);
            if (!m) {
                ok = 0;
                break;
            }
            h->meta = m;
            h->cap = cap;
        }
        if (kfk_record_batch_builder_append(&h->b, v.key, v.value, hs, nh, v.timestamp) != 0) {
            ok = 0;
            break;
        }
        h->meta[h->n++] = b->meta[i++];
    }
    kfk_wbuf_free(&scratch);
    if (!ok || i != b->n) {
        if (halves[0])
            kfk__producer_batch_free(halves[0]);
        if (halves[1])
            kfk__producer_batch_free(halves[1]);
        return -1;
    }
    for (int k = 0; k < 2; k++) {
        pbatch_t *h = halves[k];
        h->created_ms = b->created_ms;
        h->deadline_ms = b->deadline_ms;
        h->base_seq =
            b->base_seq < 0 ? -1 : (int32_t)((uint32_t)b->base_seq + (k ? (uint32_t)half : 0));
        kfk_record_batch_attrs_t a = kfk__producer_batch_attrs(p, h);
        kfk_record_batch_builder_finish(&h->b, &a);
        h->finished = 1;
    }
    halves[0]->next = halves[1];
    halves[1]->next = b->next;
    pbatch_t *prev = NULL;
    for (pbatch_t *x = tp->head; x && x != b; x = x->next)
        prev = x;
    if (prev)
        prev->next = halves[0];
    else
        tp->head = halves[0];
    if (tp->tail == b)
        tp->tail = halves[1];
    b->n = 0; /* the records now belong to the halves */
    kfk__producer_batch_free(b);
    return 0;
}

static void handle_partition(kfk_producer_t *p, pbatch_t *b, kfk_err_t err, int64_t base,
                             int64_t log_append_time, int *refresh) {
    toppar_t *tp = b->tp;
    if (err == KFK_ERR_NONE || err == KFK_ERR_DUPLICATE_SEQUENCE_NUMBER) {
        tp->last_err = KFK_ERR_NONE;
        if (p->idempotent) {
            if (tp->head != b)
                kfk__log(&p->cl->log, KFK_LOG_ERR, KFK_DBG_PRODUCER,
                         "%s [%d]: batch (sequence %d) written before an earlier one: the "
                         "partition is out of send order",
                         tp->t->name, tp->id, b->base_seq);
            tp->seq_acked = 1;
        }
        kfk__producer_batch_done(p, b, KFK_ERR_NONE, err ? -1 : base, log_append_time);
        return;
    }
    uint64_t now = kfk__producer_now_ms(p);
    if (kfk_err_flags(err) & KFK_ERRF_REFRESH)
        *refresh = 1;
    if (err == KFK_ERR_MESSAGE_TOO_LARGE && b->n > 1 && split_batch(p, b) == 0) {
        kfk__log(&p->cl->log, KFK_LOG_INFO, KFK_DBG_PRODUCER,
                 "%s [%d]: batch too large for the broker: split in two", tp->t->name, tp->id);
        return;
    }
    if (p->txn && kfk__txn_produce_error(p, err)) {
        kfk__producer_batch_done(p, b, err, -1, -1);
        return;
    }
    if (p->idempotent &&
        (err == KFK_ERR_UNKNOWN_PRODUCER_ID || err == KFK_ERR_INVALID_PRODUCER_EPOCH ||
         (err == KFK_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER && tp->head == b))) {
        /* The broker lost our state or we lost order: new epoch, renumber, resend. A broker
         * that holds a higher epoch than ours needs a new producer id. */
        kfk__log(&p->cl->log, KFK_LOG_WARNING, KFK_DBG_PRODUCER,
                 "%s [%d]: %s: bumping the producer epoch", tp->t->name, tp->id, kfk_err_name(err));
        p->pid_state = PID_BUMP;
        if (err == KFK_ERR_INVALID_PRODUCER_EPOCH)
            p->pid_renew = 1;
        b->retry_at_ms = now;
        return;
    }
    int retriable = kfk_err_is_retriable(err) || err == KFK_ERR__TRANSPORT ||
                    err == KFK_ERR__TIMED_OUT || err == KFK_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER ||
                    err == KFK_ERR__NO_COMMON_VERSION;
    if (retriable && b->attempts <= (uint32_t)p->c->retries && now < b->deadline_ms) {
        tp->last_err = err; /* for kfk_producer_topic_error while it retries */
        b->retry_at_ms = now + retry_backoff(p, b->attempts);
        p->stat_retries++;
        kfk__dbg(&p->cl->log, KFK_DBG_PRODUCER, "%s [%d]: %s, retry %u in %llu ms", tp->t->name,
                 tp->id, kfk_err_name(err), b->attempts,
                 (unsigned long long)(b->retry_at_ms - now));
        return;
    }
    kfk__producer_batch_done(p, b, err, -1, -1);
}

static void on_produce(kfk__resp_t *r, void *opaque) {
    preq_t *rq = opaque;
    kfk_producer_t *p = rq->p;
    kfk_err_t err = r->err;
    kfk_produce_response_t *resp = r->body;
    int refresh = err == KFK_ERR__TRANSPORT || err == KFK_ERR__TIMED_OUT;
    for (size_t i = 0; i < rq->n; i++) {
        pbatch_t *b = rq->batches[i];
        b->in_flight = 0;
        b->tp->in_flight--;
        p->in_flight_batches--;
        if (b->expired) {
            kfk__producer_batch_free(b);
            continue;
        }
        if (err && p->acks != 0)
            b->maybe_written = 1; /* no answer settled this attempt */
        kfk_err_t perr = err;
        int64_t base = -1, lat = -1;
        if (!err && p->acks != 0) {
            perr = KFK_ERR__BAD_MSG; /* unless the answer covers it */
            for (int32_t t = 0; resp && t < resp->responses.count; t++) {
                kfk_produce_response_topic_produce_response_t *tr = &KFK_ARRAY_AT(
                    resp->responses, kfk_produce_response_topic_produce_response_t, t);
                if (!kfk_str_eq(tr->name, b->tp->t->name))
                    continue;
                for (int32_t k = 0; k < tr->partition_responses.count; k++) {
                    kfk_produce_response_partition_produce_response_t *pr =
                        &KFK_ARRAY_AT(tr->partition_responses,
                                      kfk_produce_response_partition_produce_response_t, k);
                    if (pr->index != b->tp->id)
                        continue;
                    perr = (kfk_err_t)pr->error_code;
                    base = pr->base_offset;
                    lat = pr->log_append_time_ms;
                }
            }
        }
        handle_partition(p, b, perr, base, lat, &refresh);
    }
    kfk__free(rq);
    if (refresh && !p->client_closing)
        kfk__producer_md_want(p, kfk__producer_now_ms(p));
    kfk__producer_check_flush(p);
    if (!p->client_closing)
        kfk__producer_kick(p);
}

static pbroker_t *pbroker_get(kfk_producer_t *p, int32_t node_id) {
    for (pbroker_t *b = p->brokers; b; b = b->next)
        if (b->node_id == node_id)
            return b;
    pbroker_t *b = kfk__calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->node_id = node_id;
    b->p = p;
    b->next = p->brokers;
    p->brokers = b;
    return b;
}

static void on_broker_up(kfk__broker_t *b, kfk_err_t err, const char *msg, void *opaque) {
    (void)b;
    (void)err;
    (void)msg;
    pbroker_t *pb = opaque;
    pb->waiting = 0;
    if (!pb->p->client_closing)
        kfk__producer_kick(pb->p);
}

/* The open batch of @p tp has records and has lingered, and no earlier batch of its partition
 * is still unanswered (or a flush or close wants it now). The last rule is Nagle's: under load,
 * when the producer's own work (reading, compressing) appends slower than batch.size per
 * linger.ms, a lingered batch used to go out partly filled behind full ones still in flight: 2x
 * the batches of librdkafka at 16 KiB lz4 (26-33 records against 59), and 60 % more broker CPU.
 * Now it fills until that answer, which costs its records at most one round trip; at rates where
 * the answer comes within linger.ms nothing changes. Full batches go out as before. */
static int open_ready(const kfk_producer_t *p, const toppar_t *tp, uint64_t now) {
    const pbatch_t *o = tp->open;
    return o && o->n > 0 &&
           (p->flushing || p->closing ||
            (now >= o->created_ms + (uint64_t)p->c->linger_ms && tp->in_flight == 0));
}

/* The first batch of @p tp that may go out now, or NULL. A batch still open is closed here, at
 * send time, when it has lingered and nothing is queued before it (@p take: close it; else only
 * say that there is one): until a request can carry it, it goes on taking records up to
 * batch.size, so a partition that cannot send (its in-flight slots taken, its leader down, no
 * producer id) gathers records into full batches rather than a queue of linger.ms-sized ones. */
static pbatch_t *sendable(kfk_producer_t *p, toppar_t *tp, uint64_t now, int take) {
    /* Idempotence: until this partition has acknowledged a batch of the current producer id and
     * epoch, the broker holds no state for it and takes any first sequence, so a later batch in
     * flight could be written while an earlier one is refused (NOT_LEADER_OR_FOLLOWER on a new
     * partition, a leader move...), and the earlier one's retry would land after it. Send one
     * batch at a time until the first acknowledgement. */
    int max = p->idempotent && !tp->seq_acked ? 1 : p->max_in_flight_tp;
    /* Transactional: a partition with records joins the transaction before its first batch. */
    if (p->txn && (tp->head || (tp->open && tp->open->n > 0)) && !kfk__txn_may_send(p, tp))
        return NULL;
    if (tp->in_flight >= max)
        return NULL;
    for (pbatch_t *b = tp->head; b; b = b->next) {
        if (b->in_flight)
            continue;
        if (b->retry_at_ms > now)
            return NULL; /* keep order: nothing after a batch waiting to be retried */
        return b;
    }
    if (!open_ready(p, tp, now))
        return NULL;
    if (!take)
        return tp->open;
    kfk__producer_close_open(p, tp);
    /* It is the tail now, unless finishing it failed (then it was reported). */
    pbatch_t *b = tp->tail;
    return b && !b->in_flight && b->retry_at_ms <= now ? b : NULL;
}

/* Sends one Produce request to broker @p node with the next batch of each of its partitions;
 * returns the number of batches sent. */
static size_t send_to(kfk_producer_t *p, int32_t node, uint64_t now, int *need_md) {
    kfk__broker_t *br = kfk__client_broker(p->cl, node);
    if (!br) {
        *need_md = 1;
        return 0;
    }
    if (!br->up) {
        pbroker_t *pb = pbroker_get(p, node);
        if (pb && !pb->waiting) {
            pb->waiting = 1;
            kfk__broker_wait(br, &pb->w, on_broker_up, pb);
        }
        return 0;
    }
    /* Collect the batches (one per partition led by this broker), up to KFK__PRODUCE_REQUEST_MAX
     * bytes in all; the first always goes. */
    size_t n = 0, cap = 16, bytes = 0;
    pbatch_t **list = kfk__mallocarray(cap, sizeof *list);
    size_t ntopics = 0;
    if (!list)
        return 0;
    for (ptopic_t *t = p->topics; t; t = t->next) {
        const kfk__topic_md_t *md = kfk__client_topic(p->cl, t->name);
        if (!md)
            continue;
        size_t before = n;
        for (int32_t i = 0; i < t->nparts && i < md->partition_cnt; i++) {
            if (md->partitions[i].leader != node)
                continue;
            pbatch_t *b = sendable(p, &t->parts[i], now, 0);
            /* An open batch's length only shrinks when it is finished (compressed). */
            if (!b || (n > 0 && bytes + b->buf.len > KFK__PRODUCE_REQUEST_MAX))
                continue;
            if (!(b = sendable(p, &t->parts[i], now, 1)))
                continue;
            bytes += b->buf.len;
            if (n == cap) {
                pbatch_t **l = kfk__realloc(list, 2 * cap * sizeof *l);
                if (!l)
                    break;
                list = l;
                cap *= 2;
            }
            list[n++] = b;
        }
        if (n > before)
            ntopics++;
    }
    if (n == 0) {
        kfk__free(list);
        return 0;
    }
    /* Build the request: topics, then partitions with their batches by reference. */
    kfk_produce_request_topic_produce_data_t *tds = kfk__calloc(ntopics, sizeof *tds);
    kfk_produce_request_partition_produce_data_t *pds = kfk__calloc(n, sizeof *pds);
    preq_t *rq = kfk__malloc(sizeof *rq + n * sizeof(pbatch_t *));
    if (!tds || !pds || !rq) {
        kfk__free(tds);
        kfk__free(pds);
        kfk__free(rq);
        kfk__free(list);
        return 0;
    }
    size_t ti = 0;
    for (size_t i = 0; i < n; i++) {
        pbatch_t *b = list[i];
        if (i == 0 || list[i - 1]->tp->t != b->tp->t) {
            tds[ti].name = kfk_str_c(b->tp->t->name);
            tds[ti].partition_data = (kfk_array_t){&pds[i], 0};
            ti++;
        }
        tds[ti - 1].partition_data.count++;
        if (b->seq_dirty) {
            kfk_record_batch_set_producer(b->buf.data, b->buf.len, p->pid, p->epoch, b->base_seq);
            b->seq_dirty = 0;
        }
        pds[i].index = b->tp->id;
        pds[i].records = (kfk_bytes_t){b->buf.data, (int32_t)b->buf.len};
        rq->batches[i] = b;
    }
    kfk_produce_request_t req;
    memset(&req, 0, sizeof req);
    req.transactional_id = p->txn ? kfk_str_c(p->c->transactional_id) : (kfk_str_t){NULL, -1};
    req.acks = p->acks;
    req.timeout_ms = (int32_t)p->c->request_timeout_ms;
    req.topic_data = (kfk_array_t){tds, (int32_t)ti};
    rq->p = p;
    rq->node_id = node;
    rq->n = n;
    unsigned flags = KFK__REQ_ZERO_COPY | (p->acks == 0 ? KFK__REQ_NO_RESPONSE : 0);
    kfk_err_t err = kfk__broker_request(br, KFK_API_PRODUCE, &req, flags, 0, on_produce, rq);
    kfk__free(tds);
    kfk__free(pds);
    kfk__free(list);
    if (err) {
        kfk__free(rq);
        *need_md = 1;
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        pbatch_t *b = rq->batches[i];
        b->in_flight = 1;
        b->attempts++;
        b->tp->in_flight++;
        p->in_flight_batches++;
    }
    p->stat_requests++;
    return n;
}

void kfk__producer_send_all(kfk_producer_t *p, uint64_t now) {
    if (p->txn) {
        kfk__txn_step(p, now); /* its producer id comes from the transaction coordinator */
        if (p->pid_state != PID_READY || p->client_closing)
            return;
    }
    if (p->idempotent && p->pid_state != PID_READY) {
        if (p->pid_state == PID_BUMP && p->in_flight_batches > 0)
            return; /* the epoch bump waits for what is in flight */
        if (p->pid_state == PID_BUMP && !p->pid_renew && p->pid >= 0 && p->epoch < INT16_MAX - 1) {
            /* An idempotent producer bumps its epoch itself, as Java's does (KIP-360): the
             * broker takes a higher epoch starting again at sequence 0 on every partition.
             * InitProducerId would hand out a new producer id instead (a non-transactional id
             * is never bumped by the coordinator), one more for the brokers to keep. */
            p->epoch++;
            p->pid_state = PID_READY;
            p->stat_epochs++;
            kfk__dbg(&p->cl->log, KFK_DBG_PRODUCER, "producer id %lld epoch %d (epoch bump)",
                     (long long)p->pid, p->epoch);
            kfk__producer_renumber(p);
        } else {
            if (p->pid_state == PID_BUMP)
                p->pid_state = PID_NONE;
            p->pid_renew = 0;
            request_pid(p);
            return;
        }
    }
    int need_md = 0, any = 0;
    for (int round = 0; round < 64; round++) {
        size_t sent = 0;
        /* Leaders that have something to send. */
        for (ptopic_t *t = p->topics; t; t = t->next) {
            const kfk__topic_md_t *md = kfk__client_topic(p->cl, t->name);
            for (int32_t i = 0; i < t->nparts; i++) {
                if (!sendable(p, &t->parts[i], now, 0))
                    continue;
                any = 1;
                int32_t leader = md && i < md->partition_cnt ? md->partitions[i].leader : -1;
                if (leader < 0) {
                    need_md = 1;
                    if (t->md_logged != KFK_ERR_LEADER_NOT_AVAILABLE) {
                        /* Once per topic; the refreshes that follow are paced, not logged. */
                        kfk__log(&p->cl->log, KFK_LOG_WARNING, KFK_DBG_PRODUCER,
                                 "%s [%d]: no leader in the metadata: refreshing it every "
                                 "%d ms doubling to %d ms until one is elected",
                                 t->name, i, (int)p->c->retry_backoff_ms,
                                 (int)p->c->retry_backoff_max_ms);
                        t->md_logged = KFK_ERR_LEADER_NOT_AVAILABLE;
                    }
                    continue;
                }
                sent += send_to(p, leader, now, &need_md);
            }
        }
        if (!sent)
            break;
    }
    if (need_md)
        kfk__producer_md_want(p, now);
    else if (any)
        kfk__producer_md_ok(p); /* not when nothing was waiting: that proves nothing */
}

/* ---- why a topic cannot be sent to ------------------------------------------------------------
 */

kfk_err_t kfk_producer_topic_error(kfk_producer_t *p, const char *topic, char *buf, size_t size) {
    return kfk__producer_why(p, topic, -1, buf, size);
}

kfk_err_t kfk__producer_why(kfk_producer_t *p, const char *topic, int32_t partition, char *buf,
                            size_t size) {
    char tmp[1];
    if (!buf || !size) {
        buf = tmp;
        size = sizeof tmp;
    }
    buf[0] = '\0';
    if (!p || !topic)
        return KFK_ERR__INVALID_ARG;
    if (p->fatal) {
        snprintf(buf, size, "the producer failed: %s", kfk_err_str(p->fatal));
        return p->fatal;
    }
    const kfk__topic_md_t *md = kfk__client_topic(p->cl, topic);
    if (!md) {
        char cause[256];
        kfk_err_t err = kfk__client_metadata_cause(p->cl, cause, sizeof cause);
        snprintf(buf, size, "no metadata for topic %s: %s", topic, cause);
        return err ? err : KFK_ERR__TIMED_OUT;
    }
    if (md->err) {
        snprintf(buf, size, "topic %s: %s", topic, kfk_err_str((kfk_err_t)md->err));
        return (kfk_err_t)md->err;
    }
    if (md->partition_cnt <= 0) {
        snprintf(buf, size, "topic %s has no partitions in the metadata", topic);
        return KFK_ERR__UNKNOWN_PARTITION;
    }
    for (int32_t i = 0; i < md->partition_cnt; i++) {
        const kfk__partition_md_t *pm = &md->partitions[i];
        if (partition >= 0 && pm->id != partition)
            continue;
        if (pm->leader < 0) {
            kfk_err_t err = pm->err ? (kfk_err_t)pm->err : KFK_ERR_LEADER_NOT_AVAILABLE;
            snprintf(buf, size, "%s [%d] has no leader", topic, pm->id);
            return err;
        }
        kfk__broker_t *b = kfk__client_broker(p->cl, pm->leader);
        if (!b) {
            snprintf(buf, size, "%s [%d]: its leader, broker %d, is not in the metadata", topic,
                     pm->id, pm->leader);
            return KFK_ERR_LEADER_NOT_AVAILABLE;
        }
        if (!b->up && b->failures > 0 && b->last_err) {
            snprintf(buf, size, "%s [%d]: its leader, broker %d: %s", topic, pm->id, pm->leader,
                     b->last_msg);
            return b->last_err;
        }
    }
    if (p->idempotent && p->pid_state != PID_READY && p->pid_last_err) {
        snprintf(buf, size, "no producer id yet: %s", p->pid_last_msg);
        return p->pid_last_err;
    }
    /* The metadata is fine: what did the leaders answer? */
    for (ptopic_t *t = p->topics; t; t = t->next) {
        if (strcmp(t->name, topic))
            continue;
        for (int32_t i = 0; i < t->nparts; i++) {
            const toppar_t *tp = &t->parts[i];
            if ((partition >= 0 && tp->id != partition) || !tp->last_err)
                continue;
            snprintf(buf, size, "%s [%d]: Produce answered %s (retrying)", topic, tp->id,
                     kfk_err_name(tp->last_err));
            return tp->last_err;
        }
    }
    return KFK_ERR_NONE;
}
