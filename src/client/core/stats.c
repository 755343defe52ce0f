/*
 * stats.c: the statistics document (stats.h). Every statistics.interval.ms (when > 0 and a
 * callback is set) one JSON object is rendered from the registered sections and handed to the
 * application, on the loop. The sections, and who writes them:
 *
 * The client core (client.c):
 *   {"name": client.id, "client_id": ..., "ts": loop ms, "time": unix seconds,
 *    "metadata_cache_cnt": topics cached, "metadata_age_ms": since the last refresh,
 *    "brokers": {"host:port/nodeid": {"name", "nodeid", "state": "UP" | "CONNECTING" | "DOWN",
 *      "connects", "disconnects", "outbuf_cnt" (requests waiting to be written),
 *      "waitresp_cnt" (sent, not answered), "tx", "txbytes", "rx", "rxbytes", "req_timeouts",
 *      "rtt": {"avg", "max", "cnt"} (microseconds)}}}
 *
 * A producer adds (producer_stats.c; counters since it was created):
 *   "type": "producer", "msg_cnt" / "msg_size" (records and bytes sent and not yet reported),
 *   "msg_max" / "msg_size_max" (the queue.buffering.max.* limits), "txmsgs" / "txmsg_bytes"
 *   (records acknowledged), "txmsg_errs" (records reported with an error), "batches",
 *   "requests", "retries", "eos": {"idemp_state", "producer_id", "producer_epoch",
 *   "epoch_cnt", "txn_state" (the transaction's state, "Disabled" without transactional.id)},
 *   "topics": {name: {"topic", "partitions": {id: {"partition", "leader", "msgq_cnt" (records
 *   waiting to be sent), "msgs_inflight" (sent, not answered), "txmsgs", "txbytes"}}}}; partition
 *   "-1" holds the records that wait for the topic's metadata.
 * A consumer adds (consumer/consumer_stats.c):
 *   "type": "consumer", "rxmsgs" / "rxmsg_bytes" / "rx_batches" (records, key+value bytes and
 *   batches delivered to the application), "batches_outstanding" (delivered, not done),
 *   "fetchq_size" (prefetched bytes), "fetch_requests" (Fetch requests sent), "cgrp":
 *   {"state", "generation", "rebalance_cnt", "assignment_size"} with a group.id, and
 *   "topics": {name: {"topic", "partitions": {id:
 *   {"partition", "fetch_state" ("offset-query", "offset-wait", "active", "paused", "error"),
 *   "fetchq_size", "next_offset" (next to fetch), "app_offset" (next to deliver),
 *   "stored_offset" (the done watermark, what a commit would store), "committed_offset",
 *   "hi_offset", "consumer_lag" (hi_offset - committed_offset), "consumer_lag_stored"
 *   (hi_offset - stored_offset), "batch_outstanding" (0/1)}}}}. Unknown offsets are -1.
 *
 * Field names follow librdkafka's statistics where the meaning is the same, so dashboards
 * carry over. Byte, request and rtt counters are those of the broker's current connection.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "client/core/stats.h"
#include "client/format/json.h"

void kfk__stats_put(kfk_wbuf_t *w, const char *s) {
    kfk_wbuf_put_raw(w, s, strlen(s));
}

void kfk__stats_putf(kfk_wbuf_t *w, const char *fmt, ...) {
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        kfk_wbuf_put_raw(w, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

void kfk__stats_put_str(kfk_wbuf_t *w, const char *s) {
    kfk__json_put_string(w, s ? s : "", s ? strlen(s) : 0);
}

static void on_stats_timer(uv_timer_t *t) {
    kfk__stats_t *s = t->data;
    if (!s->open || !s->cb)
        return;
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    kfk__stats_put(&w, "{");
    for (size_t i = 0; i < s->nsections; i++)
        s->sections[i].render(s->sections[i].owner, &w);
    kfk__stats_put(&w, "}");
    if (!w.err) {
        kfk_wbuf_put_int8(&w, 0); /* a C string for the application's convenience */
        if (!w.err)
            s->cb((const char *)w.data, w.len - 1, s->opaque);
    }
    kfk_wbuf_free(&w);
}

int kfk__stats_init(kfk__stats_t *s, uv_loop_t *loop, int64_t every_ms, kfk_stats_cb cb,
                    void *opaque) {
    s->cb = cb;
    s->opaque = opaque;
    if (every_ms <= 0 || !cb)
        return 0;
    uv_timer_init(loop, &s->timer);
    s->timer.data = s;
    s->open = 1;
    uv_timer_start(&s->timer, on_stats_timer, (uint64_t)every_ms, (uint64_t)every_ms);
    uv_unref((uv_handle_t *)&s->timer); /* statistics alone keep no loop alive */
    return 1;
}

void kfk__stats_section_add(kfk__stats_t *s, kfk__stats_render_cb render, void *owner) {
    if (s->nsections == KFK__STATS_SECTIONS)
        return;
    s->sections[s->nsections].render = render;
    s->sections[s->nsections].owner = owner;
    s->nsections++;
}

static void on_stats_timer_closed(uv_handle_t *h) {
    kfk__stats_t *s = h->data;
    s->closed_cb(s->closed_opaque);
}

int kfk__stats_close(kfk__stats_t *s, void (*closed)(void *opaque), void *opaque) {
    if (!s->open)
        return 0;
    s->open = 0;
    s->closed_cb = closed;
    s->closed_opaque = opaque;
    uv_close((uv_handle_t *)&s->timer, on_stats_timer_closed);
    return 1;
}
