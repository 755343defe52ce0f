/*
 * conn_int.h: what conn.c (the socket, framing, requests, timeouts) and conn_handshake.c
 * (ApiVersions, SASL, KIP-368 re-authentication) share: the connection's structure and the
 * functions each calls in the other. Private to those two files.
 */
#ifndef KFK_EV_CONN_INT_H
#define KFK_EV_CONN_INT_H

#include "ev/conn.h"
#include "ev/framer.h"
#include "ev/sasl.h"
#include "ev/tls.h"

#define MAX_KEYS 128

typedef enum {
    ST_RESOLVING,
    ST_CONNECTING,
    ST_TLS,
    ST_APIVERSIONS,
    ST_SASL,
    ST_READY,
    ST_DOWN,
    ST_CLOSING
} state_t;

typedef struct req {
    struct req *next;
    kfk__conn_t *conn;
    int16_t api_key, version;
    int32_t corr;
    int expect_response;
    int zero_copy;
    int internal;
    uint64_t deadline; /* loop time, ms */
    uint64_t sent_us;
    kfk_wbuf_t frame;
    kfk__resp_cb cb;
    void *opaque;
} req_t;

typedef struct {
    req_t *head, *tail;
    size_t n;
} queue_t;

struct kfk__conn {
    uv_loop_t *loop;
    uv_tcp_t tcp;
    uv_timer_t timer;
    uv_getaddrinfo_t gai;
    uv_connect_t connect_req;
    int tcp_open, timer_open, gai_active, writes_active;
    state_t state;

    char *host;
    char *client_id;
    char *sasl_user;
    char *sasl_pass;
    kfk__conn_opts_t o;
    const kfk__logger_t *log;

    struct addrinfo *addrs, *addr_next;
    uint64_t setup_deadline;
    uint64_t started_ms, up_ms;

    kfk__tls_t tls;
    int use_tls;
    kfk__sasl_t sasl;
    int16_t api_versions_version;
    /* KIP-368: the broker's SASL session ends at session_lifetime_ms; kfk authenticates again on
     * the same connection before that. reauth: 0 none, 1 due (new requests wait, in-flight ones
     * drain), 2 handshake in progress. */
    uint64_t reauth_at;
    int reauth;

    int16_t broker_min[MAX_KEYS], broker_max[MAX_KEYS], chosen[MAX_KEYS];

    queue_t pending, inflight;
    int32_t next_corr;

    kfk__framer_t framer;
    uint8_t *rbuf;

    kfk__conn_state_cb state_cb;
    void *opaque;
    kfk__conn_close_cb close_cb;
    void *close_opaque;

    kfk__conn_stats_t stats;
};

/* conn.c */
/* Moves @p c to DOWN (once): logs the cause at debug level, closes the socket, fails every
 * request, and tells the owner. */
void kfk__conn_fail(kfk__conn_t *c, kfk_err_t err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Sends what may be sent: handshake requests before READY, everything once READY (and starts a
 * due re-authentication once nothing is in flight). */
void kfk__conn_pump(kfk__conn_t *c);
/* Encodes and queues a request; @p internal (a handshake step) goes first and may be sent
 * before READY. Errors as kfk__conn_send. */
kfk_err_t kfk__conn_enqueue(kfk__conn_t *c, int16_t api_key, int16_t version, const void *body,
                            unsigned flags, int internal, int64_t timeout_ms, kfk__resp_cb cb,
                            void *opaque);
/* "broker N (host:port)" or "bootstrap host:port" in @p buf, for log lines. */
const char *kfk__conn_who(const kfk__conn_t *c, char *buf, size_t size);

/* conn_handshake.c */
/* Sends ApiVersions at @p version (APIVERSIONS state); SASL or READY follow from its answer. */
void kfk__conn_send_api_versions(kfk__conn_t *c, int16_t version);
/* Starts the SASL exchange: at setup (SASL state), or again on a READY connection when
 * c->reauth is set (KIP-368). */
void kfk__conn_start_sasl(kfk__conn_t *c);

#endif
