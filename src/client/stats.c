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
 * Field names follow librdkafka's statistics where the meaning is the same, so dashboards
 * carry over. Byte, request and rtt counters are those of the broker's current connection.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "client/client.h"
#include "client/json.h"
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
    put(w, "}}");
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
