/*
 * client.h: the client core every kfk object (admin, producer, consumer) is built on: the
 * configuration, the logger, the TLS context, one lazily opened connection per broker with
 * reconnect backoff, the metadata cache with coalesced refreshes, and coordinator lookup.
 */
#ifndef KFK_CLIENT_CLIENT_H
#define KFK_CLIENT_CLIENT_H

#include <uv.h>

#include "client/core/conf.h"
#include "client/core/stats.h"
#include "ev/conn.h"
#include "ev/log.h"

typedef struct kfk__client kfk__client_t;
typedef struct kfk__broker kfk__broker_t;

/* ---- brokers -------------------------------------------------------------------------------- */

/* Called once the broker's connection is up (err 0) or an attempt failed (err, msg). */
typedef void (*kfk__broker_ready_cb)(kfk__broker_t *b, kfk_err_t err, const char *msg,
                                     void *opaque);

typedef struct kfk__waiter {
    struct kfk__waiter *next;
    kfk__broker_ready_cb cb;
    void *opaque;
} kfk__waiter_t;

struct kfk__broker {
    kfk__broker_t *next;
    kfk__client_t *client;
    int32_t node_id; /* -1, -2, ...: bootstrap servers */
    char *host;
    int port;
    char *rack;
    kfk__conn_t *conn;
    int up;
    int gone;                 /* dropped from metadata (or client closing) */
    uint32_t failures;        /* consecutive failed attempts */
    uint64_t next_attempt_ms; /* loop time before which no new attempt starts */
    kfk_err_t last_err;
    char last_msg[256];
    uv_timer_t backoff_timer;
    int timer_open;
    kfk__waiter_t *waiters;
    uint64_t connects, disconnects;
};

/* ---- the one response path (request.c) ------------------------------------------------------ */

/* What a handler should do with a failed request, decided once in request.c. */
typedef enum kfk__resp_class {
    KFK__RESP_OK = 0,    /* the body decoded; its own error codes are the handler's to read */
    KFK__RESP_RETRY,     /* connection lost, timed out, or not sent: may be sent again later */
    KFK__RESP_MALFORMED, /* the broker's answer did not decode (err KFK_ERR__BAD_MSG) */
    KFK__RESP_FATAL      /* retrying cannot help (the client is closing, out of memory, ...) */
} kfk__resp_class_t;

/*
 * A response as its handler sees it: the decoded body, or a classified error whose cause is
 * spelled out in @p msg ("malformed Metadata v12 response from broker 1 (38 bytes)"). Valid
 * during the callback only: request.c frees the body's arena and the frame after the handler
 * returns, unless the handler took them with kfk__resp_keep.
 */
typedef struct kfk__resp {
    kfk__broker_t *broker;
    int16_t api_key;
    int16_t version;
    kfk_err_t err;
    kfk__resp_class_t cls;
    const char *msg; /* "" when err is 0 */
    void *body;      /* the decoded response struct of api_key (NULL on error, and for a request
                        sent with KFK__REQ_NO_RESPONSE) */
    uint8_t *frame;  /* the frame the body's byte slices point into (records, assignments) */
    size_t len;
    /* The CRC-32C registers of the frame's whole 1 KiB blocks, taken as it arrived (they live
     * in the frame's allocation: kept with it), or NULL; crc_nblocks of them. */
    const uint32_t *crc_blocks;
    size_t crc_nblocks;
    kfk_arena_t arena; /* where the body lives */
    char msg_buf[160];
} kfk__resp_t;

/* Called exactly once per kfk__broker_request that returned 0. */
typedef void (*kfk__response_cb)(kfk__resp_t *r, void *opaque);

/*
 * Sends @p body as an @p api_key request on an up broker at the version chosen with it (the
 * body's fields for every version may be filled; the walker writes those of that version;
 * @p flags: KFK__REQ_*), decodes
 * the answer with that API's decoder and hands @p cb the decoded body or a classified error
 * (kfk__resp_t). Returns KFK_ERR__TRANSPORT when the broker is not up, KFK_ERR__NO_COMMON_VERSION
 * when it lacks the API, KFK_ERR__NOMEM; then @p cb is not called.
 */
kfk_err_t kfk__broker_request(kfk__broker_t *b, int16_t api_key, const void *body, unsigned flags,
                              int64_t timeout_ms, kfk__response_cb cb, void *opaque);

/*
 * Takes the frame and the arena of @p r out of request.c's hands (zero-copy records keep both):
 * the caller frees them (kfk__free(*frame), kfk_arena_free(arena)). Either may be NULL to take
 * only the other.
 */
void kfk__resp_keep(kfk__resp_t *r, uint8_t **frame, kfk_arena_t *arena);

/* What failed on the call @p r answers, in words, into @p buf: the response's own cause (a
 * malformed answer, a broken connection) or "<API> answered <error code>" for the error @p err
 * the body carried. Returns @p buf. */
const char *kfk__resp_cause(const kfk__resp_t *r, kfk_err_t err, char *buf, size_t size);

/* Tells the broker's health tracker that an answer arrived on its connection: KFK_ERR_NONE
 * (it decoded) resets the reconnect backoff; KFK_ERR__BAD_MSG (it did not) closes the connection
 * as a failure with @p msg as the cause, so the next attempt waits the backoff. Called by
 * request.c before the handler runs. */
void kfk__broker_answered(kfk__broker_t *b, kfk_err_t err, const char *msg);

/* Makes sure the broker is connected or connecting (honouring the backoff), and calls @p cb
 * with @p opaque when it is up or when this attempt fails. @p w is caller storage that must stay
 * valid until the callback (or kfk__broker_cancel_wait). Waiting again with a @p w that waits
 * already replaces its callback: it is called once. */
void kfk__broker_wait(kfk__broker_t *b, kfk__waiter_t *w, kfk__broker_ready_cb cb, void *opaque);

/* Removes a waiter that has not fired yet. */
void kfk__broker_cancel_wait(kfk__broker_t *b, kfk__waiter_t *w);

/* @p version of @p api_key, or the highest version kfk's client sends of that API if lower (a
 * per-API cap kept in request.c: EndTxn and TxnOffsetCommit stay at v4, transaction version 1).
 * -1 stays -1. */
int16_t kfk__api_version_cap(int16_t api_key, int16_t version);

/* The version of @p api_key chosen with this broker (capped by kfk__api_version_cap), or -1. */
int16_t kfk__broker_version(const kfk__broker_t *b, int16_t api_key);

/* ---- metadata cache ------------------------------------------------------------------------- */

typedef struct kfk__partition_md {
    int32_t id;
    int16_t err;
    int32_t leader;
    int32_t leader_epoch;
    int32_t *replicas;
    int32_t replica_cnt;
    int32_t *isr;
    int32_t isr_cnt;
    int32_t *offline;
    int32_t offline_cnt;
} kfk__partition_md_t;

typedef struct kfk__topic_md {
    char *name;
    int16_t err;
    int is_internal;
    kfk_uuid_t topic_id;
    kfk__partition_md_t *partitions;
    int32_t partition_cnt;
    uint64_t updated_ms;
} kfk__topic_md_t;

/* Called when a metadata refresh completes (err 0) or gives up. */
typedef void (*kfk__metadata_cb)(kfk__client_t *cl, kfk_err_t err, void *opaque);

typedef struct kfk__md_waiter {
    struct kfk__md_waiter *next;
    kfk__metadata_cb cb;
    void *opaque;
    uint32_t round; /* the refresh round whose completion this waiter waits for */
} kfk__md_waiter_t;

/* ---- the client ----------------------------------------------------------------------------- */

typedef void (*kfk__client_close_cb)(kfk__client_t *cl, void *opaque);

struct kfk__client {
    uv_loop_t *loop;
    kfk_conf_t *conf;
    kfk__logger_t log;
    SSL_CTX *ssl_ctx;
    kfk__broker_t *brokers;
    int32_t next_bootstrap_id;

    /* metadata */
    kfk__topic_md_t *topics;
    int32_t topic_cnt;
    char *cluster_id;
    int32_t controller_id;
    uint64_t md_updated_ms;
    int md_in_flight;
    uint32_t md_round; /* rounds started so far */
    int md_round_all;  /* the round in flight asks for every topic */
    int md_want_all;   /* the next round must ask for every topic */
    int md_dirty;      /* topics were added since the round in flight started */
    uint64_t md_started, md_deadline;
    kfk__md_waiter_t *md_waiters;
    kfk__waiter_t md_broker_wait;
    kfk__broker_t *md_broker;
    char **wanted; /* topics the cache follows */
    size_t wanted_cnt;
    /* Metadata requests for the followed topics ask the broker to create unknown ones: the
     * producer and the consumer set it from allow.auto.create.topics; the admin never does. */
    int md_auto_create;
    uint32_t md_creating_attempts; /* refreshes in a row that found a followed topic unknown */
    uv_timer_t md_timer;
    /* The statistics document (stats.h): the core's section first (client.c), then the
     * owner's (the producer's or the consumer's, added when it is created). */
    kfk__stats_t stats;
    kfk_err_t md_last_err;
    char md_last_msg[256];
    char md_logged[256];       /* the refresh failure last logged as a warning (repeats: debug) */
    uv_timer_t md_round_timer; /* ends a round at md_deadline, whatever it waits for */

    int closing;
    int handles_open;
    kfk__client_close_cb close_cb;
    void *close_opaque;
};

/*
 * Creates the client core: copies @p conf, checks the settings a connection needs
 * (bootstrap.servers, TLS files, SASL credentials); errors go to errstr. Nothing connects yet.
 */
kfk_err_t kfk__client_new(uv_loop_t *loop, const kfk_conf_t *conf, kfk__client_t **out,
                          char *errstr, size_t errstr_size);

/* Closes every connection and handle; @p cb runs after the last one closed. */
void kfk__client_close(kfk__client_t *cl, kfk__client_close_cb cb, void *opaque);

/* The broker with @p node_id from the metadata, or NULL. */
kfk__broker_t *kfk__client_broker(kfk__client_t *cl, int32_t node_id);

/* Some broker to send a cluster-wide request to: an up one if any, else the next candidate
 * in turn (bootstrap servers included). Never NULL once created. */
kfk__broker_t *kfk__client_any_broker(kfk__client_t *cl);

/* The node id of the group coordinator's own connection to broker @p id (Java's consumer does
 * the same): OffsetCommit, Heartbeat and JoinGroup must not wait behind a Fetch long poll, which
 * the broker answers before it reads the next request on that connection. Metadata updates
 * leave these entries alone. */
#define KFK__COORD_NODE_ID(id) (INT32_MAX - (id))
#define KFK__IS_COORD_NODE_ID(id) ((id) > INT32_MAX / 2)

/* Adds (or finds) a broker by node id and address; updates its address when it moved. */
kfk__broker_t *kfk__client_add_broker(kfk__client_t *cl, int32_t node_id, const char *host,
                                      int port, const char *rack);

/*
 * Refreshes metadata for the followed topics plus @p topics (NULL/0: unchanged set; all != 0:
 * every topic of the cluster). Refreshes coalesce: a call while one is in flight joins it
 * (unless it needs topics the in-flight one does not cover, then a second round follows).
 * @p cb (may be NULL) runs when done. @p w is caller storage valid until the callback; waiting
 * again with a @p w that waits already replaces its callback (called once, after the later of
 * the two rounds).
 */
void kfk__client_metadata_refresh(kfk__client_t *cl, const char *const *topics, size_t n, int all,
                                  kfk__md_waiter_t *w, kfk__metadata_cb cb, void *opaque);

/* Removes a metadata waiter that has not been called yet (a caller whose own deadline passed);
 * no-op when @p w is not waiting. */
void kfk__client_metadata_cancel(kfk__client_t *cl, kfk__md_waiter_t *w);

/* The last cause of the refresh in flight (or of the last one): its error (KFK_ERR__TIMED_OUT
 * while nothing failed yet) and, into @p buf, its text ("connect to h:1 failed: connection
 * refused", "malformed Metadata v12 response ..."). */
kfk_err_t kfk__client_metadata_cause(const kfk__client_t *cl, char *buf, size_t size);

/* The cached metadata of @p topic, or NULL. */
const kfk__topic_md_t *kfk__client_topic(const kfk__client_t *cl, const char *topic);

/* Adds @p topic to the topics the cache follows (refreshed every metadata.max.age.ms). */
kfk_err_t kfk__client_follow_topic(kfk__client_t *cl, const char *topic);

/* Internal to client.c / metadata.c. */
void kfk__client_handle_closed(kfk__client_t *cl);
void kfk__client_drop_broker(kfk__client_t *cl, kfk__broker_t *b);
void kfk__client_md_init(kfk__client_t *cl);
void kfk__client_md_close(kfk__client_t *cl);
void kfk__client_md_free(kfk__client_t *cl);

#endif
