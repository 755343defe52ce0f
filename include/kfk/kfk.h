/*
 * kfk/kfk.h: the client API of kfk, a native Apache Kafka client on libuv.
 *
 * Conventions (see the README): the caller owns the uv_loop_t and runs it; kfk starts no
 * thread and never blocks. Objects are created with kfk_X_new(loop, conf, &out) and ended
 * with an asynchronous kfk_X_close(x, cb); memory stays valid until cb returns. Every
 * fallible call returns a kfk_err_t (0 = success, see kfk/protocol.h for the table).
 *
 * The sans-I/O codec API (kfk/protocol.h) is included here and usable on its own.
 */
#ifndef KFK_KFK_H
#define KFK_KFK_H

#include <uv.h>

#include "kfk/protocol.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ============================================================================================
 * Configuration
 * ========================================================================================== */

/**
 * Configuration: Kafka's standard property names (bootstrap.servers, client.id,
 * request.timeout.ms, security.protocol, sasl.mechanism, ...; `kfk_conf_dump` lists every one
 * with its value). Objects copy the configuration they are created with: the caller keeps
 * ownership of its kfk_conf_t and may destroy it right after kfk_X_new.
 */
typedef struct kfk_conf kfk_conf_t;

/** Log callback: @p level is a syslog level (3 error .. 7 debug), @p context a debug context
 * ("broker", "metadata", ...). Called on the loop thread; @p message lives during the call. */
typedef void (*kfk_log_cb)(int level, const char *context, const char *message, void *opaque);

/** Statistics callback: a JSON document every statistics.interval.ms, valid during the call. */
typedef void (*kfk_stats_cb)(const char *json, size_t len, void *opaque);

/** A configuration with every default; NULL when out of memory. Free with kfk_conf_destroy. */
KFK_API kfk_conf_t *kfk_conf_new(void);

/** Frees @p conf (secrets are wiped first). NULL is a no-op. */
KFK_API void kfk_conf_destroy(kfk_conf_t *conf);

/** A deep copy of @p conf, or NULL when out of memory. */
KFK_API kfk_conf_t *kfk_conf_dup(const kfk_conf_t *conf);

/**
 * Sets property @p name to @p value (text, as in a properties file). Returns
 * KFK_ERR__UNKNOWN_CONF for an unknown name, KFK_ERR__INVALID_CONF for a bad or out-of-range
 * value (the old value stays), KFK_ERR__NOMEM; @p errstr (may be NULL) gets a one-line message
 * naming the property.
 */
KFK_API kfk_err_t kfk_conf_set(kfk_conf_t *conf, const char *name, const char *value, char *errstr,
                               size_t errstr_size);

/**
 * Reads property @p name as text into @p buf (*size bytes). *size gets the bytes needed
 * (with the NUL); a too-small buffer gives KFK_ERR__INVALID_ARG, an unknown name
 * KFK_ERR__UNKNOWN_CONF. Secrets are returned as set (this is not a dump).
 */
KFK_API kfk_err_t kfk_conf_get(const kfk_conf_t *conf, const char *name, char *buf, size_t *size);

/**
 * Every property as "name=value" lines, secrets (passwords, key passwords, SASL user name)
 * shown as [redacted]. The caller frees the string with kfk_mem_free; NULL when out of memory.
 */
KFK_API char *kfk_conf_dump(const kfk_conf_t *conf);

/**
 * Reads a Java-style properties file (key=value lines, # or ! comments) into @p conf; stops at
 * the first bad line with its error (errstr names the file and line).
 */
KFK_API kfk_err_t kfk_conf_set_file(kfk_conf_t *conf, const char *path, char *errstr,
                                    size_t errstr_size);

/** Sets the log callback (default: none; messages at or below log_level go to stderr). */
KFK_API void kfk_conf_set_log_cb(kfk_conf_t *conf, kfk_log_cb cb, void *opaque);

/** Sets the statistics callback, called every statistics.interval.ms when that is > 0. */
KFK_API void kfk_conf_set_stats_cb(kfk_conf_t *conf, kfk_stats_cb cb, void *opaque);

/* ============================================================================================
 * Admin: metadata, create and delete topics
 * ========================================================================================== */

/** An admin client: cluster metadata and topic management on the caller's loop. */
typedef struct kfk_admin kfk_admin_t;

/** Called once kfk_admin_close finished: every callback has run and memory is freed. */
typedef void (*kfk_admin_close_cb)(kfk_admin_t *admin, void *opaque);

/** One broker of a metadata answer. Strings live as long as the kfk_metadata_t. */
typedef struct kfk_metadata_broker {
    int32_t node_id;
    const char *host;
    int port;
    const char *rack; /* NULL when the broker has none */
} kfk_metadata_broker_t;

/** One partition: its leader (-1: none), leader epoch, replicas, in-sync and offline replicas. */
typedef struct kfk_metadata_partition {
    int32_t id;
    kfk_err_t err;
    int32_t leader;
    int32_t leader_epoch;
    const int32_t *replicas;
    int32_t replica_cnt;
    const int32_t *isrs;
    int32_t isr_cnt;
    const int32_t *offline;
    int32_t offline_cnt;
} kfk_metadata_partition_t;

/** One topic (err is UNKNOWN_TOPIC_OR_PARTITION for a topic that does not exist). */
typedef struct kfk_metadata_topic {
    const char *name;
    kfk_err_t err;
    int is_internal;
    const kfk_metadata_partition_t *partitions; /* ordered by id */
    int32_t partition_cnt;
} kfk_metadata_topic_t;

/** A metadata answer; valid during the callback that receives it. */
typedef struct kfk_metadata {
    const kfk_metadata_broker_t *brokers;
    int32_t broker_cnt;
    const kfk_metadata_topic_t *topics;
    int32_t topic_cnt;
    int32_t controller_id;
    const char *cluster_id; /* NULL when unknown */
} kfk_metadata_t;

/** Metadata result: @p md is NULL on error, and valid only during the call. */
typedef void (*kfk_metadata_cb)(kfk_admin_t *admin, kfk_err_t err, const kfk_metadata_t *md,
                                void *opaque);

/** A topic to create: -1 partitions / replication factor take the broker defaults. */
typedef struct kfk_new_topic {
    const char *name;
    int32_t num_partitions;
    int16_t replication_factor;
    const char *const *configs; /* name, value, name, value, ... */
    size_t config_cnt;          /* pairs */
} kfk_new_topic_t;

/** The outcome for one topic of a create or delete call. */
typedef struct kfk_topic_result {
    const char *name;
    kfk_err_t err;
    const char *message; /* the broker's message, or NULL */
} kfk_topic_result_t;

/** Create/delete result: @p err is set when the call as a whole failed (then n is 0);
 * per-topic outcomes are in @p results (valid during the call). */
typedef void (*kfk_topics_cb)(kfk_admin_t *admin, kfk_err_t err, const kfk_topic_result_t *results,
                              size_t n, void *opaque);

/**
 * Creates an admin client on @p loop (which the caller runs). @p conf is copied. Errors:
 * KFK_ERR__INVALID_CONF (bootstrap.servers missing or malformed, SASL without credentials),
 * KFK_ERR__SSL (unreadable CA, certificate or key), KFK_ERR__NOMEM; @p errstr says which.
 * No callback follows an error.
 */
KFK_API kfk_err_t kfk_admin_new(uv_loop_t *loop, const kfk_conf_t *conf, kfk_admin_t **out,
                                char *errstr, size_t errstr_size);

/**
 * Fetches metadata for @p topics (@p n names; n == 0: every topic of the cluster). @p cb runs
 * exactly once, later, on the loop. Errors returned here (KFK_ERR__DESTROYED after close,
 * KFK_ERR__NOMEM) mean no callback.
 */
KFK_API kfk_err_t kfk_admin_metadata(kfk_admin_t *admin, const char *const *topics, size_t n,
                                     kfk_metadata_cb cb, void *opaque);

/** Creates topics (CreateTopics); @p timeout_ms bounds the broker's wait. One callback. */
KFK_API kfk_err_t kfk_admin_create_topics(kfk_admin_t *admin, const kfk_new_topic_t *topics,
                                          size_t n, int32_t timeout_ms, kfk_topics_cb cb,
                                          void *opaque);

/** Deletes topics by name (DeleteTopics). One callback. */
KFK_API kfk_err_t kfk_admin_delete_topics(kfk_admin_t *admin, const char *const *names, size_t n,
                                          int32_t timeout_ms, kfk_topics_cb cb, void *opaque);

/**
 * Closes @p admin: calls still pending complete with KFK_ERR__DESTROYED, connections close, then
 * @p cb runs (may be NULL) and the memory is freed. Legal from inside any admin callback.
 */
KFK_API void kfk_admin_close(kfk_admin_t *admin, kfk_admin_close_cb cb, void *opaque);

#ifdef __cplusplus
}
#endif

#endif /* KFK_KFK_H */
