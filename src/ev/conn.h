/*
 * conn.h: one connection to one Kafka broker on the caller's libuv loop.
 *
 * A connection resolves the host (uv_getaddrinfo), connects with a setup timeout, runs TLS
 * (memory BIOs) when asked, sends ApiVersions first (with the v0 fallback) and keeps the versions
 * it chose, authenticates with SASL when asked, and then carries requests: pipelined up to
 * max_in_flight, answered in order, correlation ids checked, each with a deadline. It is
 * single-use: once down (an error, a timeout, a bad frame, the peer closing) it fails every
 * request and stays down; the layer above (src/client/core/client.c) makes a new one with backoff.
 *
 * Callbacks: every request's callback runs exactly once, never from inside kfk__conn_send, and
 * before the close callback. A response frame is handed over to the callback (it frees it with
 * kfk__free, or keeps it: zero-copy consumers point into it).
 */
#ifndef KFK_EV_CONN_H
#define KFK_EV_CONN_H

#include <openssl/ssl.h>
#include <uv.h>

#include "ev/log.h"
#include "kfk/protocol.h"

typedef struct kfk__conn kfk__conn_t;

enum { KFK__SEC_PLAINTEXT, KFK__SEC_SSL, KFK__SEC_SASL_PLAINTEXT, KFK__SEC_SASL_SSL };

typedef struct kfk__conn_opts {
    const char *host;
    int port;
    int32_t node_id; /* for logs; -1 for a bootstrap server */
    const char *client_id;
    int64_t setup_timeout_ms;   /* DNS + TCP + TLS + ApiVersions + SASL */
    int64_t request_timeout_ms; /* default per request */
    int max_in_flight;
    int64_t max_frame; /* receive.message.max.bytes */
    int frame_crc;     /* large frames get block CRC registers (check.crcs; see framer.h) */
    int security;      /* KFK__SEC_* */
    SSL_CTX *ssl_ctx;  /* for SSL / SASL_SSL; owned by the caller */
    int ssl_verify_host;
    int sasl_mech; /* KFK_SASL_MECH_* (ev/sasl.h) */
    const char *sasl_user;
    const char *sasl_pass;
    const kfk__logger_t *log; /* must outlive the connection */
} kfk__conn_opts_t;

enum { KFK__CONN_UP = 1, KFK__CONN_DOWN = 2 };

/* State changes: UP once usable (err 0), DOWN once failed (err and a message). Called at most
 * once each, in that order. */
typedef void (*kfk__conn_state_cb)(kfk__conn_t *c, int state, kfk_err_t err, const char *msg,
                                   void *opaque);

/* A response (or, for requests without one, the completed write: frame NULL). On error frame is
 * NULL. On success the callback owns @p frame (kfk__free it). */
typedef void (*kfk__resp_cb)(kfk__conn_t *c, kfk_err_t err, uint8_t *frame, size_t len,
                             void *opaque);

typedef void (*kfk__conn_close_cb)(kfk__conn_t *c, void *opaque);

/* Starts connecting. Copies what it needs from @p opts (strings included). */
kfk_err_t kfk__conn_new(uv_loop_t *loop, const kfk__conn_opts_t *opts, kfk__conn_state_cb state_cb,
                        void *opaque, kfk__conn_t **out);

/* Request flags. */
#define KFK__REQ_NO_RESPONSE 0x1 /* the broker sends none (Produce with acks=0) */
#define KFK__REQ_ZERO_COPY                                                                         \
    0x2 /* RECORDS fields are written by reference: their bytes must                               \
           stay valid until the callback */

/*
 * Queues a request: encodes @p body (the request struct of @p api_key) at @p version with the
 * next correlation id, and sends it as soon as the connection is up and fewer than
 * max_in_flight requests await answers. @p timeout_ms <= 0 uses request_timeout_ms; it counts
 * from now. With KFK__REQ_NO_RESPONSE (Produce acks=0) the callback runs once written.
 * Returns KFK_ERR__TRANSPORT when the connection is down (no callback then),
 * KFK_ERR__NO_COMMON_VERSION if the broker lacks that version, or an encoding error.
 */
kfk_err_t kfk__conn_send(kfk__conn_t *c, int16_t api_key, int16_t version, const void *body,
                         unsigned flags, int64_t timeout_ms, kfk__resp_cb cb, void *opaque);

/* The version of @p api_key chosen with this broker (highest common), or -1 (none yet, or no
 * common version). Valid once UP. */
int16_t kfk__conn_version(const kfk__conn_t *c, int16_t api_key);

/* True once UP and until DOWN. */
int kfk__conn_is_up(const kfk__conn_t *c);

/* Requests waiting to be sent plus those awaiting an answer. */
size_t kfk__conn_outstanding(const kfk__conn_t *c);

typedef struct kfk__conn_stats {
    uint64_t tx_bytes, rx_bytes, tx_requests, rx_responses, timeouts;
    uint64_t rtt_sum_us, rtt_count, rtt_max_us;
    uint64_t connect_ms; /* time from start to UP */
    size_t in_flight, waiting;
} kfk__conn_stats_t;

void kfk__conn_stats(const kfk__conn_t *c, kfk__conn_stats_t *st);

/* Inside a response callback of @p c: the CRC-32C registers of @p frame's whole KFK__CRC_BLOCK
 * blocks, taken as its bytes arrived (they live in the frame's allocation, as long as it does),
 * and their count in *n; NULL when the frame has none (small, or no hardware CRC). */
const uint32_t *kfk__conn_frame_blocks(const kfk__conn_t *c, const uint8_t *frame, size_t *n);

/* Fails what is pending with KFK_ERR__DESTROYED, closes every handle, then calls @p cb and frees
 * the connection. Legal from inside any callback of this connection. */
void kfk__conn_close(kfk__conn_t *c, kfk__conn_close_cb cb, void *opaque);

#endif
