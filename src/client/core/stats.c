/*
 * stats.c: the statistics callback. Every statistics.interval.ms (when > 0 and a callback is
 * set) the client core renders one JSON document and hands it to the application, on the loop:
 *
 *   {"name": client.id, "client_id": ..., "ts": loop ms, "time": unix seconds,
 *    "metadata_cache_cnt": topics cached, "metadata_age_ms": since the last refresh,
 *    "brokers": {"host:port/nodeid": {"name", "nodeid", "state": "UP" | "CONNECTING" | "DOWN",
 *      "connects", "disconnects", "outbuf_cnt" (requests waiting to be written),
 *      "waitresp_cnt" (sent, not answered), "tx", "txbytes", "rx", "rxbytes", "req_timeouts",
 *      "rtt": {"avg", "max", "cnt"} (microseconds)}}}
 *
 * A producer adds (counters since it was created):
 *   "type": "producer", "msg_cnt" / "msg_size" (records and bytes sent and not yet reported),
 *   "msg_max" / "msg_size_max" (the queue.buffering.max.* limits), "txmsgs" / "txmsg_bytes"
 *   (records acknowledged), "txmsg_errs" (records reported with an error), "batches",
 *   "requests", "retries", "eos": {"idemp_state", "producer_id", "producer_epoch"},
 *   "topics": {name: {"topic", "partitions": {id: {"partition", "leader", "msgq_cnt" (records
 *   waiting to be sent), "msgs_inflight" (sent, not answered), "txmsgs", "txbytes"}}}}; partition
 *   "-1" holds the records that wait for the topic's metadata.
 * A consumer adds:
 *   "type": "consumer", "rxmsgs" / "rxmsg_bytes" / "rx_batches" (records, key+value bytes and
 *   batches delivered to the application), "batches_outstanding" (delivered, not done),
 *   "fetchq_size" (prefetched bytes), "cgrp": {"state", "generation", "rebalance_cnt",
 *   "assignment_size"} with a group.id, and "topics": {name: {"topic", "partitions": {id:
 *   {"partition", "fetch_state" ("offset-query", "offset-wait", "active", "paused", "error"),
 *   "fetchq_size", "next_offset" (next to fetch), "app_offset" (next to deliver),
 *   "stored_offset" (the done watermark, what a commit would store), "committed_offset",
 *   "hi_offset", "consumer_lag" (hi_offset - committed_offset), "consumer_lag_stored"
 *   (hi_offset - stored_offset), "batch_outstanding" (0/1)}}}}. Unknown offsets are -1.
 *
 * Field names follow librdkafka's statistics where the meaning is the same, so dashboards
 * carry over. Byte, request and rtt counters are those of the broker's current connection.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "client/consumer/consumer.h"
#include "client/format/json.h"
#include "client/producer/producer.h"
#include "protocol/mem.h"

static void put(kfk_wbuf_t *w, const char *s) {
    kfk_wbuf_put_raw(w, s, strlen(s));
}

static void putf(kfk_wbuf_t *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(kfk_wbuf_t *w, const char *fmt, ...) {
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        kfk_wbuf_put_raw(w, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static void put_str(kfk_wbuf_t *w, const char *s) {
    kfk__json_put_string(w, s ? s : "", s ? strlen(s) : 0);
}

static void put_broker(kfk_wbuf_t *w, const kfk__broker_t *b) {
    char name[320];
    snprintf(name, sizeof name, "%s:%d/%d", b->host ? b->host : "", b->port, (int)b->node_id);
    kfk__conn_stats_t st;
    memset(&st, 0, sizeof st);
    if (b->conn)
        kfk__conn_stats(b->conn, &st);
    const char *state = b->up ? "UP" : b->conn ? "CONNECTING" : "DOWN";
    put_str(w, name);
    put(w, ":{\"name\":");
    put_str(w, name);
    putf(w, ",\"nodeid\":%d,\"state\":\"%s\",\"connects\":%" PRIu64 ",\"disconnects\":%" PRIu64,
         (int)b->node_id, state, b->connects, b->disconnects);
    putf(w, ",\"outbuf_cnt\":%zu,\"waitresp_cnt\":%zu", st.waiting, st.in_flight);
    putf(w, ",\"tx\":%" PRIu64 ",\"txbytes\":%" PRIu64 ",\"rx\":%" PRIu64 ",\"rxbytes\":%" PRIu64,
         st.tx_requests, st.tx_bytes, st.rx_responses, st.rx_bytes);
    putf(w, ",\"req_timeouts\":%" PRIu64, st.timeouts);
    putf(w, ",\"rtt\":{\"avg\":%" PRIu64 ",\"max\":%" PRIu64 ",\"cnt\":%" PRIu64 "}}",
         st.rtt_count ? st.rtt_sum_us / st.rtt_count : 0, st.rtt_max_us, st.rtt_count);
}

/* Renders the statistics document of @p cl into @p w (not NUL-terminated). */
static void render(kfk__client_t *cl, kfk_wbuf_t *w) {
    uint64_t now = uv_now(cl->loop);
    put(w, "{\"name\":");
    put_str(w, cl->conf->client_id);
    put(w, ",\"client_id\":");
    put_str(w, cl->conf->client_id);
    putf(w, ",\"ts\":%" PRIu64 ",\"time\":%lld", now, (long long)time(NULL));
    putf(w, ",\"metadata_cache_cnt\":%d,\"metadata_age_ms\":%lld", (int)cl->topic_cnt,
         cl->md_updated_ms ? (long long)(now - cl->md_updated_ms) : -1LL);
    put(w, ",\"brokers\":{");
    int first = 1;
    for (const kfk__broker_t *b = cl->brokers; b; b = b->next) {
        if (b->gone)
            continue;
        if (!first)
            put(w, ",");
        first = 0;
        put_broker(w, b);
    }
    put(w, "}");
    if (cl->stats_owner_render)
        cl->stats_owner_render(cl->stats_owner, w);
    put(w, "}");
}

/* ---- the producer's part ------------------------------------------------------------------ */

static void put_toppar(kfk_wbuf_t *w, const toppar_t *tp, int32_t leader) {
    uint64_t queued = tp->open ? (uint64_t)tp->open->n : 0, inflight = 0;
    for (const pbatch_t *b = tp->head; b; b = b->next) {
        if (b->in_flight)
            inflight += (uint64_t)b->n;
        else
            queued += (uint64_t)b->n;
    }
    putf(w, "\"%d\":{\"partition\":%d,\"leader\":%d", (int)tp->id, (int)tp->id, (int)leader);
    putf(w, ",\"msgq_cnt\":%" PRIu64 ",\"msgs_inflight\":%" PRIu64, queued, inflight);
    putf(w, ",\"txmsgs\":%" PRIu64 ",\"txbytes\":%" PRIu64 "}", tp->txmsgs, tp->txbytes);
}

void kfk__producer_stats(void *owner, kfk_wbuf_t *w) {
    const kfk_producer_t *p = owner;
    static const char *const pid_states[] = {"Init", "WaitPID", "Assigned", "DrainBump"};
    putf(w, ",\"type\":\"producer\",\"msg_cnt\":%zu,\"msg_size\":%zu", p->queued_msgs,
         p->queued_bytes);
    putf(w, ",\"msg_max\":%lld,\"msg_size_max\":%lld",
         (long long)p->c->queue_buffering_max_messages,
         (long long)p->c->queue_buffering_max_kbytes * 1024);
    putf(w, ",\"txmsgs\":%" PRIu64 ",\"txmsg_bytes\":%" PRIu64 ",\"txmsg_errs\":%" PRIu64,
         p->stat_txmsgs, p->stat_txbytes, p->stat_txerrs);
    putf(w, ",\"batches\":%" PRIu64 ",\"requests\":%" PRIu64 ",\"retries\":%" PRIu64,
         p->stat_batches, p->stat_requests, p->stat_retries);
    putf(w, ",\"eos\":{\"idemp_state\":\"%s\",\"producer_id\":%lld,\"producer_epoch\":%d}",
         p->idempotent && p->pid_state >= 0 && p->pid_state <= PID_BUMP ? pid_states[p->pid_state]
                                                                        : "Disabled",
         (long long)(p->idempotent ? p->pid : -1), (int)(p->idempotent ? p->epoch : -1));
    put(w, ",\"topics\":{");
    for (const ptopic_t *t = p->topics; t; t = t->next) {
        if (t != p->topics)
            put(w, ",");
        put_str(w, t->name);
        put(w, ":{\"topic\":");
        put_str(w, t->name);
        put(w, ",\"partitions\":{");
        uint64_t pending = 0;
        for (const pending_t *r = t->pending; r; r = r->next)
            pending++;
        const kfk__topic_md_t *md = kfk__client_topic(p->cl, t->name);
        int first = 1;
        if (pending) {
            putf(w,
                 "\"-1\":{\"partition\":-1,\"leader\":-1,\"msgq_cnt\":%" PRIu64
                 ",\"msgs_inflight\":0,\"txmsgs\":0,\"txbytes\":0}",
                 pending);
            first = 0;
        }
        for (int32_t i = 0; i < t->nparts; i++) {
            if (!first)
                put(w, ",");
            first = 0;
            put_toppar(w, &t->parts[i],
                       md && i < md->partition_cnt ? md->partitions[i].leader : -1);
        }
        put(w, "}}");
    }
    put(w, "}");
}

/* ---- the consumer's part ------------------------------------------------------------------ */

static const char *fetch_state(const cpart_t *cp) {
    switch (cp->state) {
    case CP_NEED_OFFSET:
        return "offset-query";
    case CP_OFFSET_PENDING:
        return "offset-wait";
    case CP_READY:
        return cp->paused ? "paused" : "active";
    default:
        return "error";
    }
}

static void put_cpart(kfk_wbuf_t *w, const cpart_t *cp) {
    putf(w, "\"%d\":{\"partition\":%d,\"fetch_state\":\"%s\",\"fetchq_size\":%zu", (int)cp->id,
         (int)cp->id, fetch_state(cp), cp->buffered);
    int ready = cp->state == CP_READY;
    putf(w, ",\"next_offset\":%lld,\"app_offset\":%lld,\"stored_offset\":%lld",
         (long long)(ready ? cp->fetch_offset : -1), (long long)(ready ? cp->position : -1),
         (long long)cp->done);
    putf(w, ",\"committed_offset\":%lld,\"hi_offset\":%lld", (long long)cp->committed,
         (long long)cp->hwm);
    long long lag = cp->hwm >= 0 && cp->committed >= 0 ? cp->hwm - cp->committed : -1;
    long long lag_stored = cp->hwm >= 0 && cp->done >= 0 ? cp->hwm - cp->done : -1;
    putf(w, ",\"consumer_lag\":%lld,\"consumer_lag_stored\":%lld,\"batch_outstanding\":%d}",
         lag < 0 && lag != -1 ? 0 : lag, lag_stored < 0 && lag_stored != -1 ? 0 : lag_stored,
         cp->busy != NULL);
}

void kfk__consumer_stats(void *owner, kfk_wbuf_t *w) {
    const kfk_consumer_t *c = owner;
    putf(w,
         ",\"type\":\"consumer\",\"rxmsgs\":%" PRIu64 ",\"rxmsg_bytes\":%" PRIu64
         ",\"rx_batches\":%" PRIu64,
         c->stat_rxmsgs, c->stat_rxbytes, c->stat_batches);
    putf(w, ",\"batches_outstanding\":%zu,\"fetchq_size\":%zu", c->noutstanding, c->buffered);
    if (c->group) {
        int32_t gen;
        uint64_t joins;
        const char *st = kfk__group_state_name(c->group, &gen, &joins);
        putf(w,
             ",\"cgrp\":{\"state\":\"%s\",\"generation\":%d,\"rebalance_cnt\":%" PRIu64
             ",\"assignment_size\":%zu}",
             st, (int)gen, joins, c->nparts);
    }
    put(w, ",\"topics\":{");
    int first_topic = 1;
    for (size_t i = 0; i < c->nparts; i++) {
        const char *t = c->parts[i]->topic;
        size_t j;
        for (j = 0; j < i; j++)
            if (!strcmp(c->parts[j]->topic, t))
                break;
        if (j < i)
            continue; /* rendered with its topic already */
        if (!first_topic)
            put(w, ",");
        first_topic = 0;
        put_str(w, t);
        put(w, ":{\"topic\":");
        put_str(w, t);
        put(w, ",\"partitions\":{");
        int first = 1;
        for (size_t k = i; k < c->nparts; k++) {
            if (strcmp(c->parts[k]->topic, t))
                continue;
            if (!first)
                put(w, ",");
            first = 0;
            put_cpart(w, c->parts[k]);
        }
        put(w, "}}");
    }
    put(w, "}");
}

static void on_stats_timer(uv_timer_t *t) {
    kfk__client_t *cl = t->data;
    if (cl->closing || !cl->conf->stats_cb)
        return;
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    render(cl, &w);
    if (!w.err) {
        kfk_wbuf_put_int8(&w, 0); /* a C string for the application's convenience */
        if (!w.err)
            cl->conf->stats_cb((const char *)w.data, w.len - 1, cl->conf->stats_opaque);
    }
    kfk_wbuf_free(&w);
}

static void on_stats_timer_closed(uv_handle_t *h) {
    kfk__client_handle_closed(h->data);
}

void kfk__client_stats_init(kfk__client_t *cl) {
    if (cl->conf->statistics_interval_ms <= 0 || !cl->conf->stats_cb)
        return;
    uv_timer_init(cl->loop, &cl->stats_timer);
    cl->stats_timer.data = cl;
    cl->stats_timer_open = 1;
    cl->handles_open++;
    uint64_t every = (uint64_t)cl->conf->statistics_interval_ms;
    uv_timer_start(&cl->stats_timer, on_stats_timer, every, every);
    uv_unref((uv_handle_t *)&cl->stats_timer); /* statistics alone keep no loop alive */
}

void kfk__client_stats_close(kfk__client_t *cl) {
    if (!cl->stats_timer_open)
        return;
    cl->stats_timer_open = 0;
    uv_close((uv_handle_t *)&cl->stats_timer, on_stats_timer_closed);
}
