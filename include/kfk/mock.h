/** @file
 * kfk/mock.h: a mock Apache Kafka cluster in memory, on the caller's libuv loop (libkfk_mock).
 *
 * N brokers, each listening on 127.0.0.1, serve Kafka's wire protocol from memory: topics,
 * partitions with leaders spread over the brokers, record batches stored as the producer sent
 * them (offsets rewritten), consumer groups with the classic protocol. Any Kafka client can talk
 * to it (kfk, kcat/librdkafka, aiokafka, Kafka's Java clients). Faults are data: a list of
 * kfk_mock_fault_t (or their text form) bends chosen answers on purpose: error codes, delays,
 * closed connections, cut or altered bytes, silence.
 *
 * The object follows kfk.h's lifecycle rule: kfk_mock_new, kfk_mock_close(m, cb, opaque)
 * (asynchronous, once every listener and connection has closed), kfk_mock_get_data /
 * kfk_mock_set_data; option structs start with struct_size and have an init macro.
 */
#ifndef KFK_MOCK_H
#define KFK_MOCK_H

#include <uv.h>

#include "kfk/protocol.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A mock cluster. */
typedef struct kfk_mock kfk_mock_t;

/** Called once kfk_mock_close finished; the memory is freed after it returns. */
typedef void (*kfk_mock_close_cb)(kfk_mock_t *m, void *opaque);

/** SASL mechanisms of a mock user (a bit set, kfk_mock_user_t.mechanisms). */
#define KFK_MOCK_SASL_PLAIN 1
#define KFK_MOCK_SASL_SCRAM_SHA_256 2 /**< SCRAM-SHA-256 (RFC 7677), 4096 iterations */
#define KFK_MOCK_SASL_SCRAM_SHA_512 4 /**< SCRAM-SHA-512, 4096 iterations */

/** A SASL user of the mock (kfk_mock_opts_t.users). */
typedef struct kfk_mock_user {
    const char *name;     /**< user name (copied) */
    const char *password; /**< password (copied) */
    int mechanisms;       /**< KFK_MOCK_SASL_* bits it may use; 0: all three */
} kfk_mock_user_t;

/** Options of a mock cluster; initialize with KFK_MOCK_OPTS_INIT. */
typedef struct kfk_mock_opts {
    size_t struct_size;               /**< sizeof(kfk_mock_opts_t), set by KFK_MOCK_OPTS_INIT */
    int32_t brokers;                  /**< brokers (node ids 1..N; default 1, at most 64) */
    int port;                         /**< first broker's port, the others follow; 0: any free */
    int auto_create_topics;           /**< Metadata/Produce for an unknown topic creates it (1) */
    int32_t default_partitions;       /**< partitions of a topic created on demand (default 1) */
    int64_t log_cap_bytes;            /**< per-partition log cap; older batches are dropped and the
                                           log start offset moves (default 64 MiB) */
    int64_t group_rebalance_delay_ms; /**< group.initial.rebalance.delay.ms (default 0) */
    /** SASL users (copied). With any, every broker is a SASL_PLAINTEXT listener: a connection
     * sends nothing but ApiVersions, SaslHandshake (v1) and SaslAuthenticate until it
     * authenticated (anything else closes it, as Kafka does); a wrong password or an unknown
     * user gets SASL_AUTHENTICATION_FAILED. None (the default): no authentication. */
    const kfk_mock_user_t *users;
    size_t nusers; /**< entries of users */
} kfk_mock_opts_t;

/** The defaults: one broker on a free port, topics created on demand with 1 partition. */
#define KFK_MOCK_OPTS_INIT                                                                         \
    { sizeof(kfk_mock_opts_t), 1, 0, 1, 1, 64 << 20, 0, NULL, 0 }

/**
 * Starts a mock cluster on @p loop: every listener is bound (and its port known) when this
 * returns. KFK_ERR__INVALID_ARG (struct_size 0, brokers out of range) or KFK_ERR__TRANSPORT (a
 * port could not be bound) with a message in @p errstr; then no object and no callback.
 */
KFK_EXTERN kfk_err_t kfk_mock_new(uv_loop_t *loop, const kfk_mock_opts_t *opts, kfk_mock_t **out,
                                  char *errstr, size_t errstr_size);

/** The cluster's bootstrap servers, "127.0.0.1:P1,127.0.0.1:P2,..."; valid while @p m is. */
KFK_EXTERN const char *kfk_mock_bootstrap(const kfk_mock_t *m);

/**
 * Creates topic @p name with @p partitions partitions, each with @p replication replicas
 * (at most the broker count) and leaders spread round-robin over the brokers. The cluster
 * holds at most 100000 partitions in all.
 * KFK_ERR_TOPIC_ALREADY_EXISTS, KFK_ERR_INVALID_PARTITIONS, KFK_ERR_INVALID_REPLICATION_FACTOR,
 * KFK_ERR__NOMEM.
 */
KFK_EXTERN kfk_err_t kfk_mock_topic_create(kfk_mock_t *m, const char *name, int32_t partitions,
                                           int16_t replication);

/**
 * Grows topic @p name to @p total partitions (as CreatePartitions does): the new ones are empty,
 * with the replica count of partition 0 and leaders among its replicas. Clients see them at
 * their next Metadata request. KFK_ERR_UNKNOWN_TOPIC_OR_PARTITION, KFK_ERR_INVALID_PARTITIONS
 * (@p total not above the current count, or over the cluster's cap), KFK_ERR__NOMEM.
 */
KFK_EXTERN kfk_err_t kfk_mock_topic_add_partitions(kfk_mock_t *m, const char *name, int32_t total);

/**
 * Takes broker @p id down (its listener stops accepting and its connections close; it leaves
 * the metadata, and partitions it led elect another replica or have no leader) or up again.
 * KFK_ERR__INVALID_ARG for an unknown id.
 */
KFK_EXTERN kfk_err_t kfk_mock_broker_set_up(kfk_mock_t *m, int32_t id, int up);

/** Moves the leadership of @p topic / @p partition to broker @p id (epoch + 1). */
KFK_EXTERN kfk_err_t kfk_mock_partition_set_leader(kfk_mock_t *m, const char *topic,
                                                   int32_t partition, int32_t id);

/**
 * Expires member @p member_id of group @p group_id (NULL: every member) as if its session had
 * timed out: it leaves the group, its held JoinGroup or SyncGroup is answered
 * UNKNOWN_MEMBER_ID, and a Stable or CompletingRebalance group rebalances; the member learns it
 * from its next Heartbeat, SyncGroup or OffsetCommit. KFK_ERR_GROUP_ID_NOT_FOUND for an unknown
 * group, KFK_ERR_UNKNOWN_MEMBER_ID when no member matched, KFK_ERR__DESTROYED once closing.
 */
KFK_EXTERN kfk_err_t kfk_mock_group_expire_member(kfk_mock_t *m, const char *group_id,
                                                  const char *member_id);

/** What a fault does to the requests it matches. */
typedef enum kfk_mock_fault_kind {
    KFK_MOCK_FAULT_ERROR = 0,    /**< answer with error code `error` (per partition, per group) */
    KFK_MOCK_FAULT_DELAY,        /**< answer `delay_ms` later */
    KFK_MOCK_FAULT_CLOSE_BEFORE, /**< close the connection instead of answering */
    KFK_MOCK_FAULT_CLOSE_AFTER,  /**< answer, then close the connection */
    KFK_MOCK_FAULT_TRUNCATE,     /**< send only the first `at` bytes of the answer, then close */
    KFK_MOCK_FAULT_SILENCE,      /**< never answer (the connection stays open) */
    KFK_MOCK_FAULT_PATCH,        /**< overwrite the answer's bytes at offset `at` with `bytes` */
    KFK_MOCK_FAULT_REPLACE,      /**< send `bytes` as the whole answer frame (size included) */
    KFK_MOCK_FAULT_RECORDS,      /**< Fetch: the matched partition's records are `bytes` (the
                                      answer around them encoded normally) */
    KFK_MOCK_FAULT_BOMB          /**< Fetch: the matched partition's records are one v2 batch
                                      compressed with `bomb_codec` that inflates to
                                      `bomb_bytes` bytes */
} kfk_mock_fault_kind_t;

/**
 * One fault: which requests it matches and what it does to them. Faults are tried in the order
 * added; the first that matches a request applies and counts one use.
 */
typedef struct kfk_mock_fault {
    size_t struct_size;         /**< set by KFK_MOCK_FAULT_INIT */
    kfk_mock_fault_kind_t kind; /**< what it does */
    int16_t api_key;            /**< the API it matches; -1: any */
    int32_t broker;             /**< the broker it matches; -1: any */
    const char *topic;          /**< the topic it matches (copied); NULL: any */
    int32_t partition;          /**< the partition it matches; -1: any */
    int32_t count;              /**< requests it applies to; -1: every one from now on */
    int32_t skip;               /**< matching requests let through before it applies */
    kfk_err_t error;            /**< KFK_MOCK_FAULT_ERROR: the error code */
    int64_t delay_ms;           /**< KFK_MOCK_FAULT_DELAY */
    int64_t at;                 /**< TRUNCATE: bytes kept; PATCH: offset in the frame (size
                                     included) */
    const void *bytes;          /**< PATCH, REPLACE, RECORDS (copied) */
    size_t bytes_len;           /**< length of bytes */
    kfk_codec_t bomb_codec;     /**< BOMB: gzip, snappy, lz4 or zstd */
    int64_t bomb_bytes;         /**< BOMB: the batch's uncompressed records size (1..2^32) */
    int bomb_no_size;           /**< BOMB with zstd: 1 leaves the content size out of the frame */
} kfk_mock_fault_t;

/** A fault matching one request of any API, any broker, any partition (kind ERROR, error 0). */
#define KFK_MOCK_FAULT_INIT                                                                        \
    {                                                                                              \
        sizeof(kfk_mock_fault_t), KFK_MOCK_FAULT_ERROR, -1, -1, NULL, -1, 1, 0, 0, 0, 0, NULL, 0,  \
            KFK_CODEC_NONE, 0, 0                                                                   \
    }

/** Adds a fault (copied). KFK_ERR__INVALID_ARG (with struct_size 0 or a bad kind), _NOMEM. */
KFK_EXTERN kfk_err_t kfk_mock_fault_add(kfk_mock_t *m, const kfk_mock_fault_t *fault);

/**
 * Adds the faults of @p spec, their text form (see docs/MOCK.md), e.g.
 * "api=Produce,partition=0,count=3,error=NOT_LEADER_OR_FOLLOWER" or
 * "api=Metadata,truncate=20". KFK_ERR__INVALID_ARG with the reason in @p errstr.
 */
KFK_EXTERN kfk_err_t kfk_mock_fault_parse(kfk_mock_t *m, const char *spec, char *errstr,
                                          size_t errstr_size);

/** Removes every fault not used up yet. */
KFK_EXTERN void kfk_mock_fault_clear(kfk_mock_t *m);

/** Requests served so far with API @p api_key (-1: every API), faults included. */
KFK_EXTERN uint64_t kfk_mock_requests(const kfk_mock_t *m, int16_t api_key);

/**
 * Connections accepted so far by broker @p broker_id (-1: by every broker), including those
 * closed at once because the broker was down. 0 for an unknown id.
 */
KFK_EXTERN uint64_t kfk_mock_connections(const kfk_mock_t *m, int32_t broker_id);

/**
 * Closes @p m: listeners stop, connections close, waiting requests are dropped; @p cb (may be
 * NULL) runs once every handle has closed, never from inside this call; then @p m is freed.
 */
KFK_EXTERN void kfk_mock_close(kfk_mock_t *m, kfk_mock_close_cb cb, void *opaque);

/** The user pointer of @p m (NULL until set). */
KFK_EXTERN void *kfk_mock_get_data(const kfk_mock_t *m);

/** Sets the user pointer of @p m; kfk never reads it. */
KFK_EXTERN void kfk_mock_set_data(kfk_mock_t *m, void *data);

#ifdef __cplusplus
}
#endif

#endif /* KFK_MOCK_H */
