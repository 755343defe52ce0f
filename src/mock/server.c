/*
 * server.c: each mock broker's listener (127.0.0.1) and its connections, on src/ev/serve.h's
 * listeners and framed streams.
 *
 * A connection's request frames (at most MAX_FRAME bytes each) are decoded
 * (kfk_request_decode) and handed, one at a time and in order, to the handler of their API
 * (mock_int.h): the stream is paused while one is served, so frames pipelined behind it wait
 * and reading stops until its answer is queued. Answers are encoded (kfk_response_encode), bent
 * by the wire faults (fault.c: delay, close before/after, truncate, silence, patch, replace)
 * and written in order; reading also stops while more than WRITE_HIGH bytes wait to be written.
 *
 * Like Kafka: an API or version the codec cannot decode closes the connection, except
 * ApiVersions, whose unknown versions get the KIP-511 answer (a v0 body with
 * UNSUPPORTED_VERSION and ApiVersions' own range); a malformed request closes it too.
 */
#include <stdio.h>
#include <string.h>

#include "ev/serve.h"
#include "mock/mock_int.h"
#include "protocol/mem.h"

#define MAX_FRAME (100 * 1024 * 1024)
#define WRITE_HIGH (4 * 1024 * 1024)

struct kfk__mconn {
    kfk__mbroker_t *b;
    kfk__mconn_t *next; /* in b->conns */
    kfk__stream_t *s;
    uv_timer_t delay; /* a DELAY fault's wait */
    int handles;      /* the stream and the timer, until both closed */
    int closing;
    int silenced;     /* a SILENCE fault: no answer and no reading from now on */
    kfk__mreq_t *req; /* the request being served, or NULL */
    uint8_t *delayed; /* an answer waiting for its DELAY fault */
    size_t delayed_len;
    void *sasl; /* sasl.c's state of this connection (kfk__mock_conn_sasl), or NULL */
};

static void conn_close(kfk__mconn_t *c, int after_write);

/* The answer is queued (or dropped): the next frame may come, unless something holds it. */
static void next(kfk__mconn_t *c) {
    if (!c->closing && !c->silenced && !c->delayed && !c->req)
        kfk__stream_resume(c->s);
}

/* ---- requests ------------------------------------------------------------------------------ */

static void req_free(kfk__mreq_t *req) {
    kfk_arena_free(&req->arena);
    kfk__free(req->frame);
    kfk__free(req);
}

kfk__mock_handler_t kfk__mock_handler_of(int16_t api_key) {
    switch (api_key) {
    case KFK_API_PRODUCE:
        return kfk__mock_produce;
    case KFK_API_FETCH:
        return kfk__mock_fetch;
    case KFK_API_LIST_OFFSETS:
        return kfk__mock_list_offsets;
    case KFK_API_METADATA:
        return kfk__mock_metadata;
    case KFK_API_OFFSET_COMMIT:
        return kfk__mock_offset_commit;
    case KFK_API_OFFSET_FETCH:
        return kfk__mock_offset_fetch;
    case KFK_API_FIND_COORDINATOR:
        return kfk__mock_find_coordinator;
    case KFK_API_JOIN_GROUP:
        return kfk__mock_join_group;
    case KFK_API_HEARTBEAT:
        return kfk__mock_heartbeat;
    case KFK_API_LEAVE_GROUP:
        return kfk__mock_leave_group;
    case KFK_API_SYNC_GROUP:
        return kfk__mock_sync_group;
    case KFK_API_DESCRIBE_GROUPS:
        return kfk__mock_describe_groups;
    case KFK_API_LIST_GROUPS:
        return kfk__mock_list_groups;
    case KFK_API_SASL_HANDSHAKE:
        return kfk__mock_sasl_handshake;
    case KFK_API_API_VERSIONS:
        return kfk__mock_api_versions;
    case KFK_API_CREATE_TOPICS:
        return kfk__mock_create_topics;
    case KFK_API_DELETE_TOPICS:
        return kfk__mock_delete_topics;
    case KFK_API_INIT_PRODUCER_ID:
        return kfk__mock_init_producer_id;
    case KFK_API_SASL_AUTHENTICATE:
        return kfk__mock_sasl_authenticate;
    default:
        return NULL;
    }
}

/* ---- writing ------------------------------------------------------------------------------- */

/* Queues @p len bytes (copied) on @p c; a failure closes it. */
static void conn_write(kfk__mconn_t *c, const uint8_t *p, size_t len) {
    if (!c->closing)
        kfk__stream_write(c->s, p, len); /* on failure on_end closed the connection */
}

static void on_delay(uv_timer_t *t) {
    kfk__mconn_t *c = t->data;
    uint8_t *p = c->delayed;
    size_t len = c->delayed_len;
    c->delayed = NULL;
    c->delayed_len = 0;
    conn_write(c, p, len);
    kfk__free(p);
    next(c);
}

/* The answer's bytes (size included), bent by the wire fault that matches, if any. @p out
 * becomes the connection's (or is freed). */
static void send_answer(kfk__mconn_t *c, int16_t api_key, uint8_t *out, size_t len) {
    kfk_mock_t *m = c->b->m;
    kfk__mock_wire_t w;
    memset(&w, 0, sizeof w);
    if (!kfk__mock_fault_wire(m, api_key, c->b->id, &w))
        w.kind = KFK_MOCK_FAULT_ERROR;
    switch (w.kind) {
    case KFK_MOCK_FAULT_CLOSE_BEFORE:
        kfk__free(out);
        conn_close(c, 0);
        return;
    case KFK_MOCK_FAULT_SILENCE:
        kfk__free(out);
        c->silenced = 1;
        return;
    case KFK_MOCK_FAULT_DELAY:
        if (w.delay_ms > 0) {
            c->delayed = out;
            c->delayed_len = len;
            uv_timer_start(&c->delay, on_delay, (uint64_t)w.delay_ms, 0);
            return;
        }
        break;
    case KFK_MOCK_FAULT_CLOSE_AFTER:
        conn_write(c, out, len);
        kfk__free(out);
        conn_close(c, 1);
        return;
    case KFK_MOCK_FAULT_TRUNCATE:
        if (w.at >= 0 && (uint64_t)w.at < len)
            len = (size_t)w.at;
        conn_write(c, out, len);
        kfk__free(out);
        conn_close(c, 1);
        return;
    case KFK_MOCK_FAULT_PATCH:
        if (w.at >= 0 && (uint64_t)w.at < len && w.bytes) {
            size_t n = len - (size_t)w.at < w.bytes_len ? len - (size_t)w.at : w.bytes_len;
            memcpy(out + w.at, w.bytes, n);
        }
        break;
    case KFK_MOCK_FAULT_REPLACE:
        conn_write(c, w.bytes, w.bytes_len);
        kfk__free(out);
        return;
    default:
        break;
    }
    conn_write(c, out, len);
    kfk__free(out);
}

/* Encodes @p resp into one flat buffer (spliced record bytes copied now: the log they point
 * into may change before the write completes). NULL when it cannot be encoded. */
static uint8_t *encode_answer(const kfk__mreq_t *req, const void *resp, size_t *len) {
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    if (kfk_response_encode(&w, req->hdr.api_key, req->hdr.api_version, req->hdr.correlation_id,
                            resp) != KFK_ERR_NONE) {
        kfk_wbuf_free(&w);
        return NULL;
    }
    size_t total = kfk_wbuf_size(&w);
    uint8_t *out = NULL;
    if (w.nsegs == 0) {
        out = kfk_wbuf_take(&w, len);
    } else {
        kfk_wbuf_piece_t *pieces = kfk__calloc(2 * w.nsegs + 1, sizeof *pieces);
        out = pieces ? kfk__malloc(total) : NULL;
        if (out) {
            size_t n = kfk_wbuf_pieces(&w, pieces), at = 0;
            for (size_t i = 0; i < n; i++) {
                memcpy(out + at, pieces[i].ptr, pieces[i].len);
                at += pieces[i].len;
            }
            *len = total;
        }
        kfk__free(pieces);
    }
    kfk_wbuf_free(&w);
    return out;
}

void kfk__mock_reply(kfk__mreq_t *req, const void *resp) {
    kfk__mconn_t *c = req->conn;
    if (req->reply_hook) {
        req->reply_hook(req, resp, req->reply_opaque);
    } else if (c && !c->closing && resp) {
        size_t len = 0;
        uint8_t *out = encode_answer(req, resp, &len);
        if (!out)
            conn_close(c, 0);
        else
            send_answer(c, req->hdr.api_key, out, len);
    }
    if (c && c->req == req)
        c->req = NULL;
    req_free(req);
    if (c)
        next(c);
}

/* KIP-511: an ApiVersions version the broker does not know gets a v0 body with
 * UNSUPPORTED_VERSION and ApiVersions' own range, under header v0. */
static void answer_unsupported_api_versions(kfk__mconn_t *c, int32_t correlation_id) {
    const kfk_api_t *api = kfk_api_get(KFK_API_API_VERSIONS);
    kfk_api_versions_response_api_version_t range = {
        .api_key = KFK_API_API_VERSIONS,
        .min_version = api->min_version,
        .max_version = api->max_version,
    };
    kfk_api_versions_response_t body;
    memset(&body, 0, sizeof body);
    body.error_code = KFK_ERR_UNSUPPORTED_VERSION;
    body.api_keys = (kfk_array_t){&range, 1};
    body.finalized_features_epoch = -1;
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    size_t len = 0;
    uint8_t *out = NULL;
    if (kfk_response_encode(&w, KFK_API_API_VERSIONS, 0, correlation_id, &body) == KFK_ERR_NONE)
        out = kfk_wbuf_take(&w, &len);
    kfk_wbuf_free(&w);
    if (!out) {
        conn_close(c, 0);
        return;
    }
    send_answer(c, KFK_API_API_VERSIONS, out, len);
}

/* Serves one frame (which becomes the request's). */
static void serve(kfk__mconn_t *c, uint8_t *frame, size_t len) {
    kfk_mock_t *m = c->b->m;
    kfk__mreq_t *req = kfk__calloc(1, sizeof *req);
    if (!req) {
        kfk__free(frame);
        conn_close(c, 0);
        return;
    }
    req->m = m;
    req->broker = c->b;
    req->conn = c;
    req->frame = frame;
    req->len = len;
    kfk_arena_init(&req->arena);
    kfk_err_t err = kfk_request_decode(frame, len, &req->hdr, &req->arena, &req->body);
    if (err != KFK_ERR__BAD_MSG || len >= 8) {
        int16_t key = req->hdr.api_key;
        m->requests[key >= 0 && key < 63 ? key : 63]++;
        m->requests_all++;
    }
    kfk__mock_handler_t h = err ? NULL : kfk__mock_handler_of(req->hdr.api_key);
    if (h && !kfk__mock_sasl_allows(m, c, req->hdr.api_key))
        h = NULL; /* a request before SASL authentication closes the connection, as in Kafka */
    if (!h) {
        int unsupported_av = err == KFK_ERR__INVALID_ARG &&
                             req->hdr.api_key == KFK_API_API_VERSIONS && req->hdr.api_version > 0;
        int32_t corr = req->hdr.correlation_id;
        req_free(req);
        if (unsupported_av) {
            answer_unsupported_api_versions(c, corr);
            next(c);
        } else {
            conn_close(c, 0);
        }
        return;
    }
    c->req = req;
    void *resp = NULL;
    int r = h(req, &resp);
    if (r == KFK__MOCK_LATER)
        return;
    kfk__mock_reply(req, r == KFK__MOCK_REPLY ? resp : NULL);
}

/* ---- connections --------------------------------------------------------------------------- */

void **kfk__mock_conn_sasl(kfk__mconn_t *c) {
    return &c->sasl;
}

static void on_stream_frame(kfk__stream_t *s, uint8_t *frame, size_t len, void *opaque) {
    kfk__mconn_t *c = opaque;
    kfk__stream_pause(s); /* one request at a time: next() resumes */
    serve(c, frame, len);
}

static void conn_handle_closed(kfk__mconn_t *c) {
    kfk_mock_t *m = c->b->m;
    if (--c->handles == 0)
        kfk__free(c);
    kfk__mock_release(m);
}

static void on_stream_end(kfk__stream_t *s, void *opaque) {
    (void)s;
    conn_close(opaque, 0);
}

static void on_stream_closed(kfk__stream_t *s, void *opaque) {
    (void)s;
    conn_handle_closed(opaque);
}

static void on_delay_closed(uv_handle_t *h) {
    conn_handle_closed(h->data);
}

static void conn_close(kfk__mconn_t *c, int after_write) {
    if (c->closing)
        return;
    c->closing = 1;
    kfk__mconn_t **pp = &c->b->conns;
    while (*pp && *pp != c)
        pp = &(*pp)->next;
    if (*pp)
        *pp = c->next;
    if (c->req)
        c->req->conn = NULL; /* its handler answers into the void */
    c->req = NULL;
    kfk__free(c->delayed);
    c->delayed = NULL;
    kfk__mock_sasl_conn_free(c->sasl);
    c->sasl = NULL;
    uv_close((uv_handle_t *)&c->delay, on_delay_closed);
    kfk__stream_close(c->s, after_write);
}

static const kfk__stream_cbs_t stream_cbs = {on_stream_frame, on_stream_end, on_stream_closed};

static void on_connection(uv_stream_t *server, int status) {
    kfk__mbroker_t *b = server->data;
    kfk_mock_t *m = b->m;
    if (status < 0)
        return;
    b->accepted++;
    kfk__mconn_t *c = kfk__calloc(1, sizeof *c);
    if (!c)
        return;
    c->b = b;
    c->s = kfk__stream_accept(server, MAX_FRAME, WRITE_HIGH, &stream_cbs, c);
    if (!c->s) {
        kfk__free(c);
        return;
    }
    uv_timer_init(m->loop, &c->delay);
    c->delay.data = c;
    c->handles = 2;
    kfk__mock_hold(m);
    kfk__mock_hold(m);
    c->next = b->conns;
    b->conns = c;
    if (m->closing || !b->up)
        conn_close(c, 0);
}

/* ---- listeners ----------------------------------------------------------------------------- */

static void on_listener_closed(uv_handle_t *h) {
    kfk__mbroker_t *b = (kfk__mbroker_t *)h->data;
    kfk_mock_t *m = b->m;
    b->listener_open = 0;
    if (b->relisten && b->up && !m->closing) {
        b->relisten = 0;
        kfk__mock_listen(b, NULL, 0);
    }
    b->relisten = 0;
    kfk__mock_release(m);
}

kfk_err_t kfk__mock_listen(kfk__mbroker_t *b, char *errstr, size_t errstr_size) {
    kfk_mock_t *m = b->m;
    if (b->listener_open == 1)
        return KFK_ERR_NONE;
    if (b->listener_open == 2) {
        /* The old listener still closes: bind again from its close callback. */
        b->relisten = 1;
        return KFK_ERR_NONE;
    }
    char why[160];
    int port = b->port;
    kfk_err_t err =
        kfk__listen_tcp(m->loop, &b->listener, "127.0.0.1", &port, on_connection, why, sizeof why);
    b->listener.data = b;
    b->listener_open = 1;
    kfk__mock_hold(m);
    if (err) {
        if (errstr && errstr_size)
            snprintf(errstr, errstr_size, "broker %d: %s", (int)b->id, why);
        b->listener_open = 2;
        uv_close((uv_handle_t *)&b->listener, on_listener_closed);
        return err;
    }
    b->port = port;
    return KFK_ERR_NONE;
}

uint64_t kfk_mock_connections(const kfk_mock_t *m, int32_t broker_id) {
    uint64_t n = 0;
    if (!m || !m->brokers)
        return 0;
    for (int32_t i = 0; i < m->o.brokers; i++) {
        if (broker_id == -1 || m->brokers[i].id == broker_id)
            n += m->brokers[i].accepted;
    }
    return n;
}

void kfk__mock_broker_close(kfk__mbroker_t *b) {
    b->relisten = 0;
    if (b->listener_open == 1) {
        b->listener_open = 2;
        uv_close((uv_handle_t *)&b->listener, on_listener_closed);
    }
    while (b->conns)
        conn_close(b->conns, 0);
}
