/*
 * conn.c: a broker connection on libuv (see conn.h for the contract).
 *
 * States: RESOLVING -> CONNECTING -> [TLS] -> APIVERSIONS -> [SASL] -> READY -> DOWN, then
 * CLOSING once the owner closes it. Handshake requests (ApiVersions, SaslHandshake,
 * SaslAuthenticate) travel like any request but are marked internal: they may be sent before
 * READY and their answers are handled in conn_handshake.c.
 *
 * Reads: a two-tier framer (framer.c). The 4-byte size is checked against max_frame before
 * anything is allocated; the frame then gets one buffer, and for plaintext connections the read
 * callback is handed the unfilled tail of that buffer directly (no second copy of large frames).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ev/conn_int.h"
#include "protocol/mem.h"

#define RBUF_SIZE (64 * 1024)

static const char *state_names[] = {"resolving", "connecting", "tls",  "apiversions",
                                    "sasl",      "ready",      "down", "closing"};

typedef struct {
    uv_write_t w;
    kfk_wbuf_t bytes; /* the frame, or its ciphertext */
    req_t *req;       /* a request without response, completed by this write; or NULL */
} write_t;

static void arm_timer(kfk__conn_t *c);
static void start_connect(kfk__conn_t *c);
static void maybe_free(kfk__conn_t *c);

/* ---- small helpers ---------------------------------------------------------------------- */

static char *dupstr(const char *s) {
    return kfk__strndup(s ? s : "", strlen(s ? s : ""));
}

static void q_push(queue_t *q, req_t *r) {
    r->next = NULL;
    if (q->tail)
        q->tail->next = r;
    else
        q->head = r;
    q->tail = r;
    q->n++;
}

static req_t *q_pop(queue_t *q) {
    req_t *r = q->head;
    if (!r)
        return NULL;
    q->head = r->next;
    if (!q->head)
        q->tail = NULL;
    q->n--;
    r->next = NULL;
    return r;
}

static void req_free(req_t *r) {
    kfk_wbuf_free(&r->frame);
    kfk__free(r);
}

static void req_complete(req_t *r, kfk_err_t err, uint8_t *frame, size_t len) {
    kfk__resp_cb cb = r->cb;
    void *opaque = r->opaque;
    kfk__conn_t *c = r->conn;
    req_free(r);
    if (cb)
        cb(c, err, frame, len, opaque);
    else
        kfk__free(frame);
}

/* Names @p c for log lines (see conn_int.h). */
const char *kfk__conn_who(const kfk__conn_t *c, char *buf, size_t size) {
    if (c->o.node_id >= 0)
        snprintf(buf, size, "broker %d (%s:%d)", c->o.node_id, c->host, c->o.port);
    else
        snprintf(buf, size, "bootstrap %s:%d", c->host, c->o.port);
    return buf;
}

/* ---- failure and close -------------------------------------------------------------------- */

static void on_handle_closed(uv_handle_t *h) {
    kfk__conn_t *c = h->data;
    if (h == (uv_handle_t *)&c->tcp)
        c->tcp_open = 0;
    else if (h == (uv_handle_t *)&c->timer)
        c->timer_open = 0;
    maybe_free(c);
}

static void close_tcp(kfk__conn_t *c) {
    if (c->tcp_open && !uv_is_closing((uv_handle_t *)&c->tcp))
        uv_close((uv_handle_t *)&c->tcp, on_handle_closed);
}

static void fail_all(kfk__conn_t *c, kfk_err_t err) {
    req_t *r;
    while ((r = q_pop(&c->inflight)))
        req_complete(r, err, NULL, 0);
    while ((r = q_pop(&c->pending)))
        req_complete(r, err, NULL, 0);
}

/* Moves @p c to DOWN once (see conn_int.h). */
void kfk__conn_fail(kfk__conn_t *c, kfk_err_t err, const char *fmt, ...) {
    if (c->state >= ST_DOWN)
        return;
    char msg[512], name[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    state_t was = c->state;
    c->state = ST_DOWN;
    /* The owner (src/client/core/client.c) reports failures, without repeating identical ones. */
    kfk__dbg(c->log, KFK_DBG_BROKER, "%s: %s (%s, while %s)", kfk__conn_who(c, name, sizeof name),
             msg, kfk_err_name(err), state_names[was]);
    if (c->gai_active)
        uv_cancel((uv_req_t *)&c->gai);
    close_tcp(c);
    if (c->timer_open)
        uv_timer_stop(&c->timer);
    /* Requests in flight on a broken connection: a timeout of one means later answers are
     * suspect too, so all of them fail with the transport error. */
    fail_all(c, err == KFK_ERR__TIMED_OUT ? KFK_ERR__TRANSPORT : err);
    if (c->state_cb)
        c->state_cb(c, KFK__CONN_DOWN, err, msg, c->opaque);
}

static void maybe_free(kfk__conn_t *c) {
    if (c->state != ST_CLOSING || c->tcp_open || c->timer_open || c->gai_active || c->writes_active)
        return;
    kfk__conn_close_cb cb = c->close_cb;
    void *opaque = c->close_opaque;
    if (c->addrs)
        uv_freeaddrinfo(c->addrs);
    if (c->use_tls)
        kfk__tls_free(&c->tls);
    kfk__sasl_free(&c->sasl);
    kfk__framer_free(&c->framer);
    kfk__free(c->rbuf);
    kfk__free(c->host);
    kfk__free(c->client_id);
    if (c->sasl_user)
        kfk__free(c->sasl_user);
    if (c->sasl_pass) {
        volatile char *p = c->sasl_pass;
        while (*p)
            *p++ = 0;
        kfk__free(c->sasl_pass);
    }
    kfk__free(c);
    if (cb)
        cb(c, opaque); /* the pointer is only an identity now */
}

void kfk__conn_close(kfk__conn_t *c, kfk__conn_close_cb cb, void *opaque) {
    if (!c || c->state == ST_CLOSING)
        return;
    c->close_cb = cb;
    c->close_opaque = opaque;
    c->state_cb = NULL; /* the owner is done with us: no DOWN notification */
    if (c->state < ST_DOWN)
        kfk__conn_fail(c, KFK_ERR__DESTROYED, "closed by its owner");
    else
        fail_all(c, KFK_ERR__DESTROYED);
    c->state = ST_CLOSING;
    if (c->gai_active)
        uv_cancel((uv_req_t *)&c->gai);
    close_tcp(c);
    if (c->timer_open && !uv_is_closing((uv_handle_t *)&c->timer))
        uv_close((uv_handle_t *)&c->timer, on_handle_closed);
    maybe_free(c);
}

/* ---- writing -------------------------------------------------------------------------------- */

static void on_write(uv_write_t *w, int status) {
    write_t *wr = (write_t *)w;
    kfk__conn_t *c = w->data;
    c->writes_active--;
    req_t *r = wr->req;
    kfk_wbuf_free(&wr->bytes);
    kfk__free(wr);
    if (r)
        req_complete(r, status < 0 ? KFK_ERR__TRANSPORT : KFK_ERR_NONE, NULL, 0);
    if (status < 0 && status != UV_ECANCELED)
        kfk__conn_fail(c, KFK_ERR__TRANSPORT, "write failed: %s", uv_strerror(status));
    maybe_free(c);
}

/*
 * Writes @p bytes (taken over) to the socket: on plaintext connections as one uv_write of
 * iovecs (the encoded parts, and record batches spliced in by reference: no coalescing copy);
 * on TLS connections encrypted first.
 */
static int write_bytes(kfk__conn_t *c, kfk_wbuf_t *bytes, req_t *done_req) {
    write_t *wr = kfk__calloc(1, sizeof *wr);
    kfk_wbuf_piece_t stackp[9], *pieces = stackp;
    if (wr && bytes->nsegs > 4)
        pieces = kfk__mallocarray(2 * bytes->nsegs + 1, sizeof *pieces);
    if (!wr || !pieces || bytes->err) {
        kfk_wbuf_free(bytes);
        kfk__free(wr);
        return -1;
    }
    size_t np = kfk_wbuf_pieces(bytes, pieces);
    if (c->use_tls) {
        int bad = 0;
        for (size_t i = 0; i < np && !bad; i++)
            if (pieces[i].len && kfk__tls_write(&c->tls, pieces[i].ptr, pieces[i].len) != 0)
                bad = 1;
        kfk_wbuf_free(bytes);
        if (!bad)
            kfk__tls_take_output(&c->tls, &wr->bytes);
        if (bad || wr->bytes.err) {
            if (pieces != stackp)
                kfk__free(pieces);
            kfk_wbuf_free(&wr->bytes);
            kfk__free(wr);
            return -1;
        }
        np = kfk_wbuf_pieces(&wr->bytes, pieces);
    } else {
        wr->bytes = *bytes;
        kfk_wbuf_init(bytes);
    }
    size_t total = kfk_wbuf_size(&wr->bytes);
    if (total == 0) {
        if (pieces != stackp)
            kfk__free(pieces);
        kfk__free(wr);
        if (done_req)
            req_complete(done_req, KFK_ERR_NONE, NULL, 0);
        return 0;
    }
    uv_buf_t stackb[9], *bufs = stackb;
    if (np > 9)
        bufs = kfk__mallocarray(np, sizeof *bufs);
    if (!bufs) {
        if (pieces != stackp)
            kfk__free(pieces);
        kfk_wbuf_free(&wr->bytes);
        kfk__free(wr);
        return -1;
    }
    unsigned nb = 0;
    for (size_t i = 0; i < np; i++)
        if (pieces[i].len)
            bufs[nb++] = uv_buf_init((char *)pieces[i].ptr, (unsigned)pieces[i].len);
    if (pieces != stackp)
        kfk__free(pieces);
    wr->req = done_req;
    wr->w.data = c;
    int rc = uv_write(&wr->w, (uv_stream_t *)&c->tcp, bufs, nb, on_write);
    if (bufs != stackb)
        kfk__free(bufs);
    if (rc < 0) {
        kfk_wbuf_free(&wr->bytes);
        kfk__free(wr);
        return rc;
    }
    c->writes_active++;
    c->stats.tx_bytes += total;
    return 0;
}

static void send_req(kfk__conn_t *c, req_t *r) {
    kfk_wbuf_t bytes = r->frame;
    kfk_wbuf_init(&r->frame);
    r->sent_us = uv_hrtime() / 1000;
    c->stats.tx_requests++;
    if (r->expect_response)
        q_push(&c->inflight, r);
    int rc = write_bytes(c, &bytes, r->expect_response ? NULL : r);
    if (rc != 0)
        kfk__conn_fail(c, KFK_ERR__TRANSPORT, "cannot write: %s",
                       rc < 0 ? uv_strerror(rc) : "no memory");
}

/* Sends what may be sent: handshake requests before READY, everything once READY. */
void kfk__conn_pump(kfk__conn_t *c) {
    if (c->state == ST_READY && c->reauth == 1 && c->inflight.n == 0) {
        c->reauth = 2;
        kfk__conn_start_sasl(c); /* enqueues the handshake, which pumps */
        return;
    }
    while (c->state < ST_DOWN && c->pending.head && c->inflight.n < (size_t)c->o.max_in_flight) {
        req_t *r = c->pending.head;
        if ((c->state != ST_READY || c->reauth) && !r->internal)
            break;
        q_pop(&c->pending);
        send_req(c, r);
    }
    arm_timer(c);
}

/* Encodes and queues a request (see conn_int.h). */
kfk_err_t kfk__conn_enqueue(kfk__conn_t *c, int16_t api_key, int16_t version, const void *body,
                            unsigned flags, int internal, int64_t timeout_ms, kfk__resp_cb cb,
                            void *opaque) {
    int expect_response = !(flags & KFK__REQ_NO_RESPONSE);
    req_t *r = kfk__calloc(1, sizeof *r);
    if (!r)
        return KFK_ERR__NOMEM;
    r->conn = c;
    r->api_key = api_key;
    r->version = version;
    r->corr = c->next_corr;
    r->expect_response = expect_response;
    r->internal = internal;
    r->cb = cb;
    r->opaque = opaque;
    r->deadline =
        uv_now(c->loop) + (uint64_t)(timeout_ms > 0 ? timeout_ms : c->o.request_timeout_ms);
    kfk_request_header_t h = {api_key, version, r->corr, kfk_str_c(c->client_id), {NULL, 0}};
    if (flags & KFK__REQ_ZERO_COPY)
        r->frame.splice_min = 1024;
    kfk_err_t err = kfk_request_encode(&r->frame, &h, body);
    if (err) {
        req_free(r);
        return err;
    }
    c->next_corr = c->next_corr == INT32_MAX ? 0 : c->next_corr + 1;
    if (internal) {
        /* Handshake steps go first: nothing else may be ahead of them. */
        r->next = c->pending.head;
        c->pending.head = r;
        if (!c->pending.tail)
            c->pending.tail = r;
        c->pending.n++;
    } else {
        q_push(&c->pending, r);
    }
    kfk__conn_pump(c);
    return KFK_ERR_NONE;
}

kfk_err_t kfk__conn_send(kfk__conn_t *c, int16_t api_key, int16_t version, const void *body,
                         unsigned flags, int64_t timeout_ms, kfk__resp_cb cb, void *opaque) {
    if (c->state >= ST_DOWN)
        return KFK_ERR__TRANSPORT;
    if (c->state == ST_READY &&
        (api_key < 0 || api_key >= MAX_KEYS || c->chosen[api_key] < 0 ||
         version < c->broker_min[api_key] || version > c->broker_max[api_key]))
        return KFK_ERR__NO_COMMON_VERSION;
    return kfk__conn_enqueue(c, api_key, version, body, flags, 0, timeout_ms, cb, opaque);
}

int16_t kfk__conn_version(const kfk__conn_t *c, int16_t api_key) {
    if (c->state != ST_READY || api_key < 0 || api_key >= MAX_KEYS)
        return -1;
    return c->chosen[api_key];
}

int kfk__conn_is_up(const kfk__conn_t *c) {
    return c->state == ST_READY;
}

size_t kfk__conn_outstanding(const kfk__conn_t *c) {
    return c->pending.n + c->inflight.n;
}

void kfk__conn_stats(const kfk__conn_t *c, kfk__conn_stats_t *st) {
    *st = c->stats;
    st->in_flight = c->inflight.n;
    st->waiting = c->pending.n;
}

/* ---- timeouts ------------------------------------------------------------------------------ */

static void on_timer(uv_timer_t *t) {
    kfk__conn_t *c = t->data;
    uint64_t now = uv_now(c->loop);
    if (c->state < ST_READY && now >= c->setup_deadline) {
        kfk__conn_fail(c, KFK_ERR__TIMED_OUT, "connection setup timed out after %lld ms",
                       (long long)c->o.setup_timeout_ms);
        return;
    }
    for (req_t *r = c->inflight.head; r; r = r->next) {
        if (now >= r->deadline) {
            c->stats.timeouts++;
            char name[128];
            kfk__log(c->log, KFK_LOG_WARNING, KFK_DBG_BROKER,
                     "%s: request %d (api %d v%d) timed out; closing the connection",
                     kfk__conn_who(c, name, sizeof name), r->corr, r->api_key, r->version);
            /* Fail this one with the timeout, the others with the transport error. */
            req_t *prev = NULL;
            for (req_t *x = c->inflight.head; x != r; x = x->next)
                prev = x;
            if (prev)
                prev->next = r->next;
            else
                c->inflight.head = r->next;
            if (c->inflight.tail == r)
                c->inflight.tail = prev;
            c->inflight.n--;
            req_complete(r, KFK_ERR__TIMED_OUT, NULL, 0);
            kfk__conn_fail(c, KFK_ERR__TIMED_OUT, "request timed out");
            return;
        }
    }
    if (c->state == ST_READY && c->reauth_at && !c->reauth && now >= c->reauth_at) {
        char name[128];
        kfk__dbg(c->log, KFK_DBG_SECURITY, "%s: SASL session ends soon: authenticating again",
                 kfk__conn_who(c, name, sizeof name));
        c->reauth = 1;
        c->reauth_at = 0;
        kfk__conn_pump(c);
        if (c->state >= ST_DOWN)
            return;
    }
    /* Requests that never left the queue time out on their own; the connection stays. */
    req_t **pp = &c->pending.head, *prev = NULL;
    while (*pp) {
        req_t *r = *pp;
        if (now >= r->deadline && !r->internal) {
            *pp = r->next;
            if (c->pending.tail == r)
                c->pending.tail = prev;
            c->pending.n--;
            c->stats.timeouts++;
            req_complete(r, KFK_ERR__TIMED_OUT, NULL, 0);
            if (c->state >= ST_DOWN)
                return;
            continue;
        }
        prev = r;
        pp = &r->next;
    }
    arm_timer(c);
}

static void arm_timer(kfk__conn_t *c) {
    if (!c->timer_open || c->state >= ST_DOWN)
        return;
    uint64_t next = UINT64_MAX;
    if (c->state < ST_READY)
        next = c->setup_deadline;
    else if (c->reauth_at && !c->reauth)
        next = c->reauth_at;
    for (req_t *r = c->inflight.head; r; r = r->next)
        if (r->deadline < next)
            next = r->deadline;
    for (req_t *r = c->pending.head; r; r = r->next)
        if (r->deadline < next)
            next = r->deadline;
    if (next == UINT64_MAX) {
        uv_timer_stop(&c->timer);
        return;
    }
    uint64_t now = uv_now(c->loop);
    uv_timer_start(&c->timer, on_timer, next > now ? next - now : 0, 0);
}

/* ---- reading -------------------------------------------------------------------------------- */

static void handle_frame(kfk__conn_t *c, uint8_t *frame, size_t len) {
    c->stats.rx_responses++;
    int32_t corr = kfk_response_correlation_id(frame, len);
    req_t *r = c->inflight.head;
    if (!r || r->corr != corr) {
        kfk__free(frame);
        kfk__conn_fail(c, KFK_ERR__CORRELATION,
                       "response with correlation id %d matches no request in flight (expected %d)",
                       corr, r ? r->corr : -1);
        return;
    }
    q_pop(&c->inflight);
    uint64_t rtt = uv_hrtime() / 1000 - r->sent_us;
    c->stats.rtt_sum_us += rtt;
    c->stats.rtt_count++;
    if (rtt > c->stats.rtt_max_us)
        c->stats.rtt_max_us = rtt;
    req_complete(r, KFK_ERR_NONE, frame, len);
    kfk__conn_pump(c);
}

const uint32_t *kfk__conn_frame_blocks(const kfk__conn_t *c, const uint8_t *frame, size_t *n) {
    return kfk__framer_blocks_of(&c->framer, frame, n);
}

/* The framer's frame callback: non-zero once the connection is down (reading stops). */
static int on_frame(void *opaque, uint8_t *frame, size_t len) {
    kfk__conn_t *c = opaque;
    handle_frame(c, frame, len);
    return c->state >= ST_DOWN;
}

/* Feeds plaintext bytes to the framer. */
static void feed(kfk__conn_t *c, const uint8_t *p, size_t n) {
    if (c->state >= ST_DOWN)
        return;
    char errstr[256];
    kfk_err_t err = kfk__framer_feed(&c->framer, p, n, on_frame, c, errstr, sizeof errstr);
    if (err)
        kfk__conn_fail(c, err, "%s", errstr);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
    (void)suggested;
    kfk__conn_t *c = h->data;
    /* Plaintext: read a large frame's remainder straight into its buffer. */
    uint8_t *tail;
    size_t left;
    if (!c->use_tls && kfk__framer_tail(&c->framer, 16384, &tail, &left)) {
        *buf = uv_buf_init((char *)tail, (unsigned)left);
        return;
    }
    *buf = uv_buf_init((char *)c->rbuf, RBUF_SIZE);
}

static void tls_progress(kfk__conn_t *c);

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
    kfk__conn_t *c = s->data;
    if (nread == 0 || c->state >= ST_DOWN)
        return;
    if (nread < 0) {
        char cut[96] = "";
        if (nread == UV_EOF && kfk__framer_eof(&c->framer, cut + 2, sizeof cut - 2))
            memcpy(cut, ", ", 2); /* mid-frame: say how much of it came */
        if (nread == UV_EOF)
            kfk__conn_fail(c, KFK_ERR__TRANSPORT, "connection closed by the broker%s%s",
                           c->state < ST_READY ? " during setup (is security.protocol right?)" : "",
                           cut);
        else
            kfk__conn_fail(c, KFK_ERR__TRANSPORT, "read failed: %s", uv_strerror((int)nread));
        return;
    }
    c->stats.rx_bytes += (uint64_t)nread;
    if (c->use_tls) {
        if (kfk__tls_feed(&c->tls, buf->base, (size_t)nread) != 0) {
            kfk__conn_fail(c, KFK_ERR__SSL, "TLS buffer failure");
            return;
        }
        tls_progress(c);
        return;
    }
    if ((uint8_t *)buf->base != c->rbuf) {
        /* Bytes landed in the frame buffer's tail. */
        kfk__framer_filled(&c->framer, (size_t)nread, on_frame, c);
        return;
    }
    feed(c, (const uint8_t *)buf->base, (size_t)nread);
}

static void tls_flush(kfk__conn_t *c) {
    kfk_wbuf_t none;
    kfk_wbuf_init(&none);
    if (write_bytes(c, &none, NULL) != 0)
        kfk__conn_fail(c, KFK_ERR__TRANSPORT, "cannot write TLS records");
}

static void tls_progress(kfk__conn_t *c) {
    char errstr[256] = "";
    if (c->state == ST_TLS) {
        int r = kfk__tls_handshake(&c->tls, errstr, sizeof errstr);
        tls_flush(c);
        if (r < 0) {
            kfk__conn_fail(c, KFK_ERR__SSL, "%s", errstr);
            return;
        }
        if (r == 0 || c->state >= ST_DOWN)
            return;
        char name[128];
        kfk__dbg(c->log, KFK_DBG_SECURITY, "%s: TLS established (%s)",
                 kfk__conn_who(c, name, sizeof name), SSL_get_version(c->tls.ssl));
        kfk__conn_send_api_versions(c, 3);
    }
    uint8_t buf[16384];
    for (;;) {
        ssize_t n = kfk__tls_read(&c->tls, buf, sizeof buf, errstr, sizeof errstr);
        if (n == 0)
            break;
        if (n < 0) {
            kfk__conn_fail(c, KFK_ERR__TRANSPORT, "%s", errstr);
            return;
        }
        feed(c, buf, (size_t)n);
        if (c->state >= ST_DOWN)
            return;
    }
    /* Renegotiation or key updates may produce records to send. */
    if (BIO_ctrl_pending(c->tls.wbio))
        tls_flush(c);
}

/* ---- connecting ------------------------------------------------------------------------------ */

static void on_retry_closed(uv_handle_t *h) {
    kfk__conn_t *c = h->data;
    c->tcp_open = 0;
    if (c->state < ST_DOWN)
        start_connect(c);
    else
        maybe_free(c);
}

static void on_connect(uv_connect_t *req, int status) {
    kfk__conn_t *c = req->data;
    if (c->state >= ST_DOWN)
        return;
    if (status < 0) {
        if (c->addr_next) {
            /* Try the next address once this socket is closed. */
            uv_close((uv_handle_t *)&c->tcp, on_retry_closed);
            return;
        }
        kfk__conn_fail(c, KFK_ERR__TRANSPORT, "connect to %s:%d failed: %s", c->host, c->o.port,
                       uv_strerror(status));
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    int rc = uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
    if (rc < 0) {
        kfk__conn_fail(c, KFK_ERR__TRANSPORT, "read start failed: %s", uv_strerror(rc));
        return;
    }
    if (c->use_tls) {
        char errstr[256] = "";
        c->state = ST_TLS;
        kfk_err_t err = kfk__tls_init(&c->tls, c->o.ssl_ctx, c->host, c->o.ssl_verify_host, errstr,
                                      sizeof errstr);
        if (err) {
            c->use_tls = 0; /* nothing to free */
            kfk__conn_fail(c, err, "%s", errstr);
            return;
        }
        tls_progress(c);
        return;
    }
    kfk__conn_send_api_versions(c, 3);
}

static void start_connect(kfk__conn_t *c) {
    struct addrinfo *ai = c->addr_next;
    c->addr_next = ai ? ai->ai_next : NULL;
    if (!ai) {
        kfk__conn_fail(c, KFK_ERR__RESOLVE, "no address for %s", c->host);
        return;
    }
    int rc = uv_tcp_init(c->loop, &c->tcp);
    if (rc < 0) {
        kfk__conn_fail(c, KFK_ERR__TRANSPORT, "socket: %s", uv_strerror(rc));
        return;
    }
    c->tcp.data = c;
    c->tcp_open = 1;
    c->state = ST_CONNECTING;
    c->connect_req.data = c;
    rc = uv_tcp_connect(&c->connect_req, &c->tcp, ai->ai_addr, on_connect);
    if (rc < 0)
        kfk__conn_fail(c, KFK_ERR__TRANSPORT, "connect to %s:%d: %s", c->host, c->o.port,
                       uv_strerror(rc));
}

/* Puts IPv4 addresses first: brokers usually listen on 127.0.0.1, not ::1. */
static struct addrinfo *ipv4_first(struct addrinfo *res) {
    struct addrinfo *v4 = NULL, **v4t = &v4, *other = NULL, **ot = &other;
    while (res) {
        struct addrinfo *next = res->ai_next;
        res->ai_next = NULL;
        if (res->ai_family == AF_INET) {
            *v4t = res;
            v4t = &res->ai_next;
        } else {
            *ot = res;
            ot = &res->ai_next;
        }
        res = next;
    }
    *v4t = other;
    return v4;
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res) {
    kfk__conn_t *c = req->data;
    c->gai_active = 0;
    if (c->state >= ST_DOWN) {
        if (res)
            uv_freeaddrinfo(res);
        maybe_free(c);
        return;
    }
    if (status < 0) {
        kfk__conn_fail(c, KFK_ERR__RESOLVE, "cannot resolve %s: %s", c->host, uv_strerror(status));
        return;
    }
    c->addrs = ipv4_first(res);
    c->addr_next = c->addrs;
    start_connect(c);
}

kfk_err_t kfk__conn_new(uv_loop_t *loop, const kfk__conn_opts_t *opts, kfk__conn_state_cb state_cb,
                        void *opaque, kfk__conn_t **out) {
    kfk__conn_t *c = kfk__calloc(1, sizeof *c);
    if (!c)
        return KFK_ERR__NOMEM;
    c->loop = loop;
    c->o = *opts;
    c->log = opts->log;
    c->host = dupstr(opts->host);
    c->client_id = dupstr(opts->client_id);
    c->sasl_user = dupstr(opts->sasl_user);
    c->sasl_pass = dupstr(opts->sasl_pass);
    c->rbuf = kfk__malloc(RBUF_SIZE);
    kfk__framer_init(&c->framer, opts->max_frame);
    kfk__framer_crc_blocks(&c->framer, opts->frame_crc);
    c->state_cb = state_cb;
    c->opaque = opaque;
    c->use_tls = opts->security == KFK__SEC_SSL || opts->security == KFK__SEC_SASL_SSL;
    if (c->o.max_in_flight < 1)
        c->o.max_in_flight = 1;
    for (int i = 0; i < MAX_KEYS; i++)
        c->broker_min[i] = c->broker_max[i] = c->chosen[i] = -1;
    if (!c->host || !c->client_id || !c->sasl_user || !c->sasl_pass || !c->rbuf ||
        (c->use_tls && !opts->ssl_ctx)) {
        kfk_err_t err = c->use_tls && !opts->ssl_ctx ? KFK_ERR__INVALID_ARG : KFK_ERR__NOMEM;
        c->state = ST_CLOSING;
        maybe_free(c);
        return err;
    }
    c->o.host = c->host;
    c->o.client_id = c->client_id;
    c->o.sasl_user = c->sasl_user;
    c->o.sasl_pass = c->sasl_pass;
    uv_timer_init(loop, &c->timer);
    c->timer.data = c;
    c->timer_open = 1;
    c->started_ms = uv_now(loop);
    c->setup_deadline = c->started_ms + (uint64_t)opts->setup_timeout_ms;
    c->state = ST_RESOLVING;
    c->gai.data = c;
    char port[16];
    snprintf(port, sizeof port, "%d", opts->port);
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int rc = uv_getaddrinfo(loop, &c->gai, on_resolved, c->host, port, &hints);
    if (rc < 0) {
        c->state = ST_CLOSING;
        uv_close((uv_handle_t *)&c->timer, on_handle_closed);
        return KFK_ERR__RESOLVE;
    }
    c->gai_active = 1;
    arm_timer(c);
    *out = c;
    return KFK_ERR_NONE;
}
