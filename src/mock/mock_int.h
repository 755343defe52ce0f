/*
 * mock_int.h: the inside of the mock cluster (libkfk_mock), shared by its files:
 *
 *   mock.c         the public API: the cluster model (brokers, topics, partitions), startup,
 *                  broker up/down, leader moves, close
 *   server.c       each broker's listener and connections: frames in (src/ev/framer.h),
 *                  requests decoded (kfk_request_decode), dispatched to a handler, answers
 *                  encoded (kfk_response_encode), wire faults applied, bytes out; one request
 *                  at a time per connection, answered in order as Kafka does
 *   h_cluster.c    ApiVersions, Metadata, CreateTopics, DeleteTopics, InitProducerId,
 *                  FindCoordinator
 *   sasl.c         SaslHandshake/SaslAuthenticate: the users, PLAIN and SCRAM's server side,
 *                  each connection's authentication state
 *   topic_config.c topic configs kept from CreateTopics (max.message.bytes, cleanup.policy)
 *                  and their checks on Produce
 *   log.c          a partition's log: batches as the producer sent them, offsets rewritten,
 *                  a byte cap that drops the oldest batches and moves the log start offset
 *   h_data.c       Produce (acks, idempotent sequences), Fetch (long poll), ListOffsets
 *   coordinator.c  consumer groups (classic protocol): the groups, JoinGroup, rebalancing
 *                  with real timeouts; coord_members.c SyncGroup, Heartbeat, LeaveGroup;
 *                  coord_offsets.c OffsetCommit, OffsetFetch (the three share coordinator.h)
 *   fault.c        faults as data: matching, the error hook for handlers, the wire hook for
 *                  server.c, the records hook for Fetch answers, the text form;
 *                  fault_bomb.c builds compression bombs (one batch, compressed in chunks)
 *
 * Layering: src/mock uses src/ev and src/protocol, never src/client.
 */
#ifndef KFK_MOCK_MOCK_INT_H
#define KFK_MOCK_MOCK_INT_H

#include <uv.h>

#include "ev/framer.h"
#include "kfk/mock.h"
#include "kfk/protocol.h"

typedef struct kfk__mbroker kfk__mbroker_t;
typedef struct kfk__mconn kfk__mconn_t;
typedef struct kfk__mreq kfk__mreq_t;

/* ---- partition logs (log.c) ---------------------------------------------------------------- */

/* One stored batch: the producer's bytes with the base offset rewritten. */
typedef struct kfk__mbatch {
    int64_t base_offset;
    int64_t last_offset; /* base + records - 1 */
    int64_t max_timestamp;
    uint8_t *data;
    size_t len;
    uint64_t pos; /* bytes appended to the log before this batch (log.c) */
} kfk__mbatch_t;

typedef struct kfk__mlog {
    kfk__mbatch_t *batches; /* ordered by offset; [first, n) are live */
    size_t first, n, cap;
    int64_t log_start; /* earliest offset still held */
    int64_t hwm;       /* next offset to be written (the high watermark: acks are immediate) */
    size_t bytes;      /* live bytes, held under the cap */
    int64_t cap_bytes;
    uint64_t end_pos; /* bytes ever appended (log.c) */
} kfk__mlog_t;

/* Sets up an empty log (offsets from 0) holding at most @p cap_bytes of batches (log.c). */
void kfk__mlog_init(kfk__mlog_t *l, int64_t cap_bytes);

/* Frees every batch of @p l; it may be initialized again. */
void kfk__mlog_free(kfk__mlog_t *l);

/*
 * Checks that the @p len bytes at @p data are exactly one RecordBatch v2 a client may append
 * and fills @p batch (pointing into @p data). KFK_ERR_CORRUPT_MESSAGE: a CRC mismatch, a
 * malformed or cut header, magic 0/1 (legacy message sets are refused) or an unknown magic;
 * KFK_ERR_INVALID_RECORD: empty, more than one batch, a record count that disagrees with
 * LastOffsetDelta, a control batch, a producer id with a negative BaseSequence.
 */
kfk_err_t kfk__mlog_check(const uint8_t *data, size_t len, kfk_record_batch_t *batch);

/*
 * Appends @p batch (checked by kfk__mlog_check) as a copy with BaseOffset set to the log's
 * next offset (*base_offset) and PartitionLeaderEpoch to @p leader_epoch, then drops the
 * oldest batches while the log holds more than its cap (log_start moves; the new batch stays).
 * KFK_ERR_MESSAGE_TOO_LARGE (the batch alone passes the cap), KFK_ERR__NOMEM; then the log is
 * unchanged.
 */
kfk_err_t kfk__mlog_append(kfk__mlog_t *l, const kfk_record_batch_t *batch, int32_t leader_epoch,
                           int64_t *base_offset);

/*
 * The whole batches from the one holding @p offset, at most @p max_bytes of them (or the first
 * alone, however large, when @p min_one), copied into @p arena as one records blob in *out
 * (empty, never null, at the end of the log). KFK_ERR_OFFSET_OUT_OF_RANGE when @p offset is
 * below log_start or past hwm; KFK_ERR__NOMEM when the arena refuses.
 */
kfk_err_t kfk__mlog_read(const kfk__mlog_t *l, int64_t offset, size_t max_bytes, int min_one,
                         kfk_arena_t *arena, kfk_bytes_t *out);

/* Bytes of the batches a read from @p offset could return (0 out of range or at the end). */
uint64_t kfk__mlog_bytes_after(const kfk__mlog_t *l, int64_t offset);

/* ListOffsets' special timestamps. */
#define KFK__MLOG_LATEST (-1)
#define KFK__MLOG_EARLIEST (-2)
#define KFK__MLOG_MAX_TIMESTAMP (-3)

/*
 * ListOffsets for @p ts: EARLIEST gives log_start, LATEST hwm (timestamp -1 for both);
 * MAX_TIMESTAMP the first record with the largest timestamp; ts >= 0 the first record whose
 * timestamp is ts or later. The leader epoch is that of the batch found (-1 for EARLIEST and
 * LATEST: the caller knows the partition's). Nothing found: offset and timestamp -1.
 * KFK_ERR_INVALID_REQUEST for another negative @p ts.
 */
kfk_err_t kfk__mlog_offset_for_time(const kfk__mlog_t *l, int64_t ts, int64_t *offset,
                                    int64_t *timestamp, int32_t *leader_epoch);

/* ---- the cluster model (mock.c) ----------------------------------------------------------- */

/* An idempotent producer's state on one partition (h_data.c). */
typedef struct kfk__mpid {
    int64_t producer_id;
    int16_t epoch;
    int32_t last_seq; /* of the last batch appended; -1: none yet */
    int64_t last_offset;
    struct kfk__mpid *next;
    /* The last batches appended, oldest first (Kafka keeps 5): a retry of one of them is
     * answered with its offsets and not appended again. */
    struct {
        int32_t first_seq, last_seq;
        int64_t first_offset, last_offset;
        int64_t timestamp; /* the batch's MaxTimestamp */
    } recent[5];
    int nrecent;
} kfk__mpid_t;

typedef struct kfk__mpartition {
    int32_t id;
    int32_t leader; /* broker node id; -1: none */
    int32_t leader_epoch;
    int32_t *replicas;
    int32_t nreplicas;
    kfk__mlog_t log;
    kfk__mpid_t *pids;
} kfk__mpartition_t;

typedef struct kfk__mtopic {
    char *name;
    kfk_uuid_t id;
    kfk__mpartition_t *parts;
    int32_t nparts;
    /* Topic configs (topic_config.c): CreateTopics' max.message.bytes (-1: not set, no limit)
     * and cleanup.policy containing compact (records need a key). */
    int32_t max_message_bytes;
    int compact;
} kfk__mtopic_t;

/* ---- topic configs (topic_config.c) -------------------------------------------------------- */

/*
 * Reads CreateTopics' configs of one topic (kfk_create_topics_request_creatable_topic_config_t
 * entries) into *max_message_bytes (-1 when absent) and *compact: 0, or INVALID_CONFIG with
 * Kafka's reason in *why for a value it would refuse. Other config names are accepted and
 * ignored.
 */
int16_t kfk__mock_topic_config_read(const kfk_array_t *configs, int32_t *max_message_bytes,
                                    int *compact, const char **why);

/*
 * The Produce check of @p t's configs on one checked batch, as Kafka's LogValidator: a batch
 * over max.message.bytes is MESSAGE_TOO_LARGE; on a compacted topic a record without a key is
 * INVALID_RECORD (the batch refused, op->error_message and op->record_errors say which). Sets
 * op->error_code and returns it (0: the batch may be appended).
 */
int16_t kfk__mock_topic_check(kfk__mreq_t *req, const kfk__mtopic_t *t, const kfk_record_batch_t *b,
                              kfk_produce_response_partition_produce_response_t *op);

struct kfk__mbroker {
    kfk_mock_t *m;
    int32_t id;
    int port;
    int up;
    uv_tcp_t listener;
    int listener_open; /* server.c: 0 closed, 1 listening, 2 closing */
    int relisten;      /* server.c: listen again once the closing listener has closed */
    kfk__mconn_t *conns;
    uint64_t accepted; /* server.c: connections accepted (kfk_mock_connections) */
};

struct kfk_mock {
    uv_loop_t *loop;
    kfk_mock_opts_t o;
    kfk__mbroker_t *brokers; /* o.brokers of them, ids 1..N */
    int32_t controller;
    kfk__mtopic_t **topics;
    size_t ntopics, topics_cap;
    char cluster_id[32];
    char *bootstrap;
    int64_t next_producer_id;
    uint64_t requests[64]; /* per API key (< 64), and [63] for keys past it */
    uint64_t requests_all;

    void *data_state;  /* h_data.c's: fetches waiting for data */
    void *coord_state; /* coordinator.c's: groups */
    void *fault_state; /* fault.c's: the fault list */
    void *sasl_state;  /* sasl.c's: the SASL users and their SCRAM credentials, or NULL */

    int closing;
    int handles; /* open uv handles; the close callback runs when the last one closed */
    kfk_mock_close_cb close_cb;
    void *close_opaque;
    void *user_data;
    uv_timer_t close_timer; /* mock.c: keeps the close callback out of kfk_mock_close */
};

/* The topic named @p name (of @p len bytes), or NULL. */
kfk__mtopic_t *kfk__mock_topic(kfk_mock_t *m, const char *name, size_t len);

/* Creates a topic (kfk_mock_topic_create's contract) and returns it in *out (may be NULL). */
kfk_err_t kfk__mock_topic_add(kfk_mock_t *m, const char *name, size_t len, int32_t partitions,
                              int16_t replication, kfk__mtopic_t **out);

/* Deletes a topic: KFK_ERR_UNKNOWN_TOPIC_OR_PARTITION when there is none. Pointers to the
 * topic and its partitions are invalid afterwards. It does not call kfk__mock_data_wake: the
 * caller does once its changes are made (DeleteTopics does, after its last topic). */
kfk_err_t kfk__mock_topic_delete(kfk_mock_t *m, const char *name, size_t len);

/* The broker with node id @p id, or NULL. */
kfk__mbroker_t *kfk__mock_broker(kfk_mock_t *m, int32_t id);

/* Counts an open uv handle of the mock / one that closed (the close callback runs when the
 * count reaches 0 while closing). Every module that opens a handle on m->loop uses these. */
void kfk__mock_hold(kfk_mock_t *m);
void kfk__mock_release(kfk_mock_t *m);

/* ---- requests and handlers (server.c) -------------------------------------------------------- */

/*
 * A request being served. Its decoded body and the response struct a handler builds live in
 * @p arena, which is freed once the answer has been sent (or the request dropped).
 */
struct kfk__mreq {
    kfk_mock_t *m;
    kfk__mbroker_t *broker;
    kfk__mconn_t *conn; /* NULL once the connection closed: the answer is dropped */
    kfk_request_header_t hdr;
    void *body;
    kfk_arena_t arena;
    uint8_t *frame; /* the request's bytes (strings of body point into them) */
    size_t len;
    /* Unit tests only: when set, kfk__mock_reply hands the response struct here instead of
     * encoding and sending it (then frees the request as usual). */
    void (*reply_hook)(kfk__mreq_t *req, const void *resp, void *opaque);
    void *reply_opaque;
    /* Unit tests and the fuzzer, with no connection: the SASL state slot sasl.c uses instead of
     * the connection's (NULL: none). */
    void **sasl_slot;
};

/* What a handler returns. */
#define KFK__MOCK_REPLY 0    /* *resp is the answer: send it now */
#define KFK__MOCK_LATER 1    /* the handler keeps @p req and calls kfk__mock_reply later */
#define KFK__MOCK_NO_REPLY 2 /* no answer (Produce with acks=0): the request ends here */

/*
 * A handler: reads req->body (the request struct of req->hdr.api_key at
 * req->hdr.api_version), builds the response struct in req->arena (kfk_arena_alloc) and sets
 * *resp. The request's version decides which fields the encoder writes; a handler may fill
 * them all. Handlers never fail the connection: a request they cannot serve gets an error
 * code in its answer.
 */
typedef int (*kfk__mock_handler_t)(kfk__mreq_t *req, void **resp);
/* The handler of @p api_key (server.c's dispatch), or NULL for an API the mock does not serve.
 * The fuzz target dispatches through it too. */
kfk__mock_handler_t kfk__mock_handler_of(int16_t api_key);

/*
 * Answers @p req with @p resp (a response struct of its API, or NULL to end it with no answer):
 * encodes it, applies the wire faults, queues the bytes, frees @p req and resumes reading the
 * connection. For handlers that returned KFK__MOCK_LATER; safe when req->conn is NULL.
 */
void kfk__mock_reply(kfk__mreq_t *req, const void *resp);

/* Starts broker @p b's listener (port b->port, 0: any; sets b->port); error text in errstr. */
kfk_err_t kfk__mock_listen(kfk__mbroker_t *b, char *errstr, size_t errstr_size);

/* Closes broker @p b's listener and every connection (requests they wait on are dropped). */
void kfk__mock_broker_close(kfk__mbroker_t *b);

/* The broker coordinating group (or transactional id) @p key: a deterministic pick among the
 * brokers that are up (h_cluster.c), or NULL when none is. FindCoordinator answers it;
 * coordinator.c answers NOT_COORDINATOR to group requests sent to another broker. */
kfk__mbroker_t *kfk__mock_coordinator(kfk_mock_t *m, const char *key, size_t len);

/* The handlers, by module. */
int kfk__mock_api_versions(kfk__mreq_t *req, void **resp);
int kfk__mock_metadata(kfk__mreq_t *req, void **resp);
int kfk__mock_create_topics(kfk__mreq_t *req, void **resp);
int kfk__mock_delete_topics(kfk__mreq_t *req, void **resp);
int kfk__mock_init_producer_id(kfk__mreq_t *req, void **resp);
int kfk__mock_find_coordinator(kfk__mreq_t *req, void **resp);
int kfk__mock_sasl_handshake(kfk__mreq_t *req, void **resp);
int kfk__mock_sasl_authenticate(kfk__mreq_t *req, void **resp);
int kfk__mock_produce(kfk__mreq_t *req, void **resp);
int kfk__mock_fetch(kfk__mreq_t *req, void **resp);
int kfk__mock_list_offsets(kfk__mreq_t *req, void **resp);
int kfk__mock_join_group(kfk__mreq_t *req, void **resp);
int kfk__mock_sync_group(kfk__mreq_t *req, void **resp);
int kfk__mock_heartbeat(kfk__mreq_t *req, void **resp);
int kfk__mock_leave_group(kfk__mreq_t *req, void **resp);
int kfk__mock_offset_commit(kfk__mreq_t *req, void **resp);
int kfk__mock_offset_fetch(kfk__mreq_t *req, void **resp);
int kfk__mock_describe_groups(kfk__mreq_t *req, void **resp);
int kfk__mock_list_groups(kfk__mreq_t *req, void **resp);

/* Module shutdown, called by kfk_mock_close before the listeners close: drop waiting
 * requests (kfk__mock_reply(req, NULL)), close timers (kfk__mock_release when closed). */
void kfk__mock_data_close(kfk_mock_t *m);
void kfk__mock_coord_close(kfk_mock_t *m);
void kfk__mock_fault_close(kfk_mock_t *m);

/* Re-examines the Fetch requests waiting for data (h_data.c): those whose partitions changed
 * (a leader moved, a topic went, a broker went down) are answered now. Produce calls it itself;
 * mock.c calls it after such changes. */
void kfk__mock_data_wake(kfk_mock_t *m);

/* ---- SASL (sasl.c) --------------------------------------------------------------------------- */

/*
 * Copies the users of m->o (then cleared there: the caller's pointers are not kept) with their
 * SCRAM credentials (a random salt, 4096 iterations). KFK_ERR__INVALID_ARG (a user without a
 * name or password, an unknown mechanism bit) with errstr, KFK_ERR__NOMEM.
 */
kfk_err_t kfk__mock_sasl_init(kfk_mock_t *m, char *errstr, size_t errstr_size);

/* Frees what kfk__mock_sasl_init made (mock.c, when the mock is freed). */
void kfk__mock_sasl_free(kfk_mock_t *m);

/* Whether connection @p c may send a request of @p api_key now: always without users; with
 * users, ApiVersions, SaslHandshake and SaslAuthenticate always, anything else once the
 * connection authenticated. server.c closes the connection otherwise, as Kafka does. */
int kfk__mock_sasl_allows(kfk_mock_t *m, kfk__mconn_t *c, int16_t api_key);

/* The SASL state slot of connection @p c (server.c keeps it; sasl.c fills it). */
void **kfk__mock_conn_sasl(kfk__mconn_t *c);

/* Frees a connection's SASL state (server.c, when the connection closes); NULL is fine. */
void kfk__mock_sasl_conn_free(void *state);

/* ---- faults (fault.c) ------------------------------------------------------------------------ */

/*
 * The error-code hook for handlers: 0, or the error code of the first KFK_MOCK_FAULT_ERROR
 * fault that matches (@p api_key, @p broker, @p topic (NULL for requests without one),
 * @p partition (-1 likewise)); that fault counts one use. A handler calls it once per
 * partition (or group) it answers for.
 */
int16_t kfk__mock_fault_error(kfk_mock_t *m, int16_t api_key, int32_t broker, const char *topic,
                              size_t topic_len, int32_t partition);

/* What server.c does with an answer's bytes. */
typedef struct kfk__mock_wire {
    kfk_mock_fault_kind_t kind; /* ERROR means: send as is */
    int64_t delay_ms;
    int64_t at;
    const uint8_t *bytes; /* valid until the next call into fault.c */
    size_t bytes_len;
} kfk__mock_wire_t;

/*
 * The wire hook for server.c: the first wire fault (anything but ERROR) that matches a request
 * of @p api_key to @p broker (topic and partition of wire faults are not looked at); it counts
 * one use. Returns 1 and fills @p w, or 0 (send as is).
 */
int kfk__mock_fault_wire(kfk_mock_t *m, int16_t api_key, int32_t broker, kfk__mock_wire_t *w);

/*
 * The records hook for h_data.c's Fetch answers: the first RECORDS or BOMB fault that matches
 * @p broker, @p topic and @p partition (and has no skip left when @p use is 0). With @p use 0
 * nothing is counted (a peek) and @p bytes / @p len may be NULL; with @p use 1 the fault counts
 * one use and *bytes (valid until the next call into fault.c) / *len are what the partition's
 * records become. Returns the fault's kind, or 0 when none matches.
 */
int kfk__mock_fault_records(kfk_mock_t *m, int32_t broker, const char *topic, size_t topic_len,
                            int32_t partition, int use, const uint8_t **bytes, size_t *len);

/* The most a bomb fault's compressed batch may take (fault_bomb.c). */
#define KFK__MOCK_BOMB_OUT_MAX ((size_t)64 << 20)
/* The largest uncompressed size a bomb may declare: its one record's value is an int32 length. */
#define KFK__MOCK_BOMB_BYTES_MAX ((int64_t)INT32_MAX - 64)

/*
 * Builds a compression bomb (fault_bomb.c): one RecordBatch v2 (base offset 0, CRC right) with
 * codec @p codec whose records, once inflated, are one record whose value is @p bytes zero
 * bytes. The input is compressed in chunks (never held whole); zstd declares the content size
 * unless @p no_size. The batch is written to a new buffer, *out (kfk__free it), *out_len.
 * KFK_ERR__UNSUPPORTED_COMPRESSION (a codec not built into the mock), KFK_ERR__INVALID_ARG
 * (@p bytes out of 1..KFK__MOCK_BOMB_BYTES_MAX, the output over KFK__MOCK_BOMB_OUT_MAX),
 * KFK_ERR__NOMEM; the reason in @p why.
 */
kfk_err_t kfk__mock_bomb_build(kfk_codec_t codec, int no_size, int64_t bytes, uint8_t **out,
                               size_t *out_len, char *why, size_t why_size);

/* Faults held now, and fault @p i of them in the order added (NULL past the end) with what is
 * left of its count and skip; valid until the next call into fault.c. For unit tests. */
size_t kfk__mock_fault_count(const kfk_mock_t *m);
const kfk_mock_fault_t *kfk__mock_fault_at(const kfk_mock_t *m, size_t i);

#endif
