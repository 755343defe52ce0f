/** @file
 * kfk/kfk.h: the client API of kfk, a native Apache Kafka client on libuv.
 *
 * The caller owns the uv_loop_t and runs it; kfk starts no thread and never blocks. Every
 * fallible call returns a kfk_err_t (0 = success, see kfk/protocol.h for the table).
 * Sockets are written with libuv's write(2), which raises SIGPIPE when the peer (a broker,
 * Redis, a mock cluster's client) has closed first: as in any libuv program, ignore SIGPIPE
 * (signal(SIGPIPE, SIG_IGN)); kfk does not change signal dispositions.
 *
 * One lifecycle for every object that lives on the loop (producer, consumer, admin, lock,
 * worker, emitter, listener), the rule of libuv's handles:
 * - Created by kfk_X_new(..., &out, ...). An error returned by kfk_X_new means no object and
 *   no callback.
 * - Ended only by kfk_X_close(x, cb, opaque), which is asynchronous and legal at any time,
 *   including from inside any kfk callback (of that object or another). From the call on,
 *   calls that would start new work on x are refused with KFK_ERR__DESTROYED (while a producer
 *   or consumer drains, kfk_producer_flush and kfk_consumer_commit are still accepted: their
 *   callbacks too run before cb); work in flight is finished, or failed with the error each
 *   object's close documents (KFK_ERR__DESTROYED unless said otherwise), and those callbacks
 *   run before cb. cb (may be NULL) runs exactly
 *   once, never from inside kfk_X_close itself, after every internal handle of x has closed;
 *   x stays valid (kfk_X_get_data works) until cb returns, and is freed right after. A second
 *   kfk_X_close is ignored. Close objects before closing their loop: uv_loop_close then
 *   returns 0.
 * - Objects built over another object (an emitter over a producer, a listener over a
 *   consumer) do not own it: close them first, then the object under them.
 * - Every object carries one user pointer: kfk_X_set_data(x, data) / kfk_X_get_data(x)
 *   (NULL until set; kfk never reads it).
 * - Ownership: kfk copies what it is given (configurations, option structs and their strings,
 *   records) unless a comment says otherwise; pointers handed to a callback are valid during
 *   that callback only, unless documented otherwise (a batch's records live until
 *   kfk_batch_done, an event's fields until kfk_event_done).
 * - Callbacks are never called synchronously from inside the call that registered them, and
 *   a call that returns an error never calls its callback.
 * - Plain values (kfk_conf_t) are not loop objects: kfk_conf_new / kfk_conf_free, synchronous.
 * - Option structs (kfk_lock_opts_t, kfk_worker_opts_t, kfk_emit_opts_t, kfk_event_def_opts_t,
 *   kfk_listener_opts_t, kfk_retry_policy_t) start with `size_t struct_size` and are
 *   initialized with their macro (KFK_LOCK_OPTS_INIT, ...), which sets struct_size to the
 *   sizeof the program was built with
 *   and every field to its default. The library reads only the fields that lie within
 *   struct_size, so a struct that grows new fields at its end stays compatible both ways; a
 *   struct_size of 0 (a struct not initialized with its macro) is KFK_ERR__INVALID_ARG.
 * - Names: functions `kfk_<object>_<verb>`, setters `kfk_<object>_set_<what>`, callback
 *   types `kfk_<event>_cb`, types `kfk_<noun>_t`, the export macro KFK_EXTERN.
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
 * ownership of its kfk_conf_t and may free it right after kfk_X_new.
 */
typedef struct kfk_conf kfk_conf_t;

/** Log callback: @p level is a syslog level (3 error .. 7 debug), @p context a debug context
 * ("broker", "metadata", ...). Called on the loop thread; @p message lives during the call. */
typedef void (*kfk_log_cb)(int level, const char *context, const char *message, void *opaque);

/** Statistics callback: a JSON document every statistics.interval.ms, valid during the call. */
typedef void (*kfk_stats_cb)(const char *json, size_t len, void *opaque);

/** A configuration with every default; NULL when out of memory. Free with kfk_conf_free. */
KFK_EXTERN kfk_conf_t *kfk_conf_new(void);

/** Frees @p conf (secrets are wiped first). NULL is a no-op. */
KFK_EXTERN void kfk_conf_free(kfk_conf_t *conf);

/** A deep copy of @p conf, or NULL when out of memory. */
KFK_EXTERN kfk_conf_t *kfk_conf_dup(const kfk_conf_t *conf);

/**
 * Sets property @p name to @p value (text, as in a properties file). Returns
 * KFK_ERR__UNKNOWN_CONF for an unknown name, KFK_ERR__INVALID_CONF for a bad or out-of-range
 * value (the old value stays), KFK_ERR__NOMEM; @p errstr (may be NULL) gets a one-line message
 * naming the property.
 */
KFK_EXTERN kfk_err_t kfk_conf_set(kfk_conf_t *conf, const char *name, const char *value,
                                  char *errstr, size_t errstr_size);

/**
 * Reads property @p name as text into @p buf (*size bytes). *size gets the bytes needed
 * (with the NUL); a too-small buffer gives KFK_ERR__INVALID_ARG, an unknown name
 * KFK_ERR__UNKNOWN_CONF. Secrets are returned as set (this is not a dump).
 */
KFK_EXTERN kfk_err_t kfk_conf_get(const kfk_conf_t *conf, const char *name, char *buf,
                                  size_t *size);

/**
 * Every property as "name=value" lines, secrets (passwords, key passwords, SASL user name)
 * shown as [redacted]. The caller frees the string with kfk_mem_free; NULL when out of memory.
 */
KFK_EXTERN char *kfk_conf_dump(const kfk_conf_t *conf);

/**
 * Reads a Java-style properties file (key=value lines, # or ! comments) into @p conf; stops at
 * the first bad line with its error (errstr names the file and line). A line over 8 KiB, a NUL
 * byte, a file over 4 MiB and one that cannot be read (a directory) are errors too.
 */
KFK_EXTERN kfk_err_t kfk_conf_set_file(kfk_conf_t *conf, const char *path, char *errstr,
                                       size_t errstr_size);

/** Sets the log callback (default: none; messages at or below log_level go to stderr). */
KFK_EXTERN void kfk_conf_set_log_cb(kfk_conf_t *conf, kfk_log_cb cb, void *opaque);

/** Sets the statistics callback, called on the loop every statistics.interval.ms when that is
 * > 0: one JSON object (librdkafka's field names) with client_id, ts, metadata_cache_cnt and,
 * per broker, state, connects, disconnects, outbuf_cnt, waitresp_cnt, tx, txbytes, rx, rxbytes,
 * req_timeouts and rtt {avg, max, cnt} in microseconds. A producer adds "type":"producer",
 * msg_cnt, msg_size, txmsgs, txmsg_bytes, txmsg_errs, eos {idemp_state, producer_id,
 * producer_epoch} and per partition msgq_cnt, msgs_inflight, txmsgs, txbytes; a consumer adds
 * "type":"consumer", rxmsgs, rxmsg_bytes, cgrp {state, generation, rebalance_cnt,
 * assignment_size} and per partition fetch_state, next_offset, app_offset, stored_offset,
 * committed_offset, hi_offset, consumer_lag. The full list is at the top of
 * src/client/core/stats.c.
 */
KFK_EXTERN void kfk_conf_set_stats_cb(kfk_conf_t *conf, kfk_stats_cb cb, void *opaque);

/**
 * One configuration property, as kfk_conf_set parses it: a read-only row of kfk's property
 * table (what `kfk config` prints). Every field is a static string that lives as long as the
 * library is loaded. Only the library creates these: fields may be added at the end in a later
 * version, so do not allocate one, copy one by value or depend on its size.
 */
typedef struct kfk_conf_property {
    /** Kafka's standard name, e.g. "bootstrap.servers". */
    const char *name;
    /** "int", "bool", "string", "enum" or "list" (a comma-separated list of `choices`). */
    const char *type;
    /** The default value as text ("" for an empty string). */
    const char *default_value;
    /** int: the smallest accepted value as decimal text; NULL for other types. */
    const char *min;
    /** int: the largest accepted value as decimal text; NULL for other types. */
    const char *max;
    /** enum and list: the accepted values separated by '|'; NULL for other types. */
    const char *choices;
    /** Other accepted names separated by '|' (librdkafka's spellings); "" when none. */
    const char *aliases;
    /** The public objects that read it, comma-separated ("producer, consumer, ..."). */
    const char *objects;
    /** One line: what kfk does with the value. */
    const char *description;
    /** Non-zero for a secret: redacted by kfk_conf_dump, wiped when freed. */
    int secret;
} kfk_conf_property_t;

/** The number of configuration properties; kfk_conf_property accepts 0 to this minus 1. */
KFK_EXTERN size_t kfk_conf_property_count(void);

/**
 * Property @p i (0 <= i < kfk_conf_property_count(), in the table's order: common settings,
 * then the producer's, then the consumer's), or NULL when @p i is out of range. The row is
 * static: never free it. No callback.
 */
KFK_EXTERN const kfk_conf_property_t *kfk_conf_property(size_t i);

/* ============================================================================================
 * Admin: metadata, create and delete topics
 * ========================================================================================== */

/** An admin client: cluster metadata and topic management on the caller's loop. */
typedef struct kfk_admin kfk_admin_t;

/** Called once kfk_admin_close finished: every callback has run; memory is freed after it
 * returns. */
typedef void (*kfk_admin_close_cb)(kfk_admin_t *admin, void *opaque);

/** One broker of a metadata answer. Strings live as long as the kfk_metadata_t. */
typedef struct kfk_metadata_broker {
    int32_t node_id;  /**< the broker's id */
    const char *host; /**< its advertised host */
    int port;         /**< its advertised port */
    const char *rack; /**< NULL when the broker has none */
} kfk_metadata_broker_t;

/** One partition: its leader (-1: none), leader epoch, replicas, in-sync and offline replicas. */
typedef struct kfk_metadata_partition {
    int32_t id;              /**< the partition id */
    kfk_err_t err;           /**< the broker's error for this partition (0: none) */
    int32_t leader;          /**< the leader's broker id; -1: none */
    int32_t leader_epoch;    /**< the leader epoch; -1 when the broker gave none */
    const int32_t *replicas; /**< broker ids of the replicas */
    int32_t replica_cnt;     /**< entries in replicas */
    const int32_t *isrs;     /**< broker ids of the in-sync replicas */
    int32_t isr_cnt;         /**< entries in isrs */
    const int32_t *offline;  /**< broker ids of the offline replicas */
    int32_t offline_cnt;     /**< entries in offline */
} kfk_metadata_partition_t;

/** One topic (err is UNKNOWN_TOPIC_OR_PARTITION for a topic that does not exist). */
typedef struct kfk_metadata_topic {
    const char *name; /**< the topic's name */
    kfk_err_t err;    /**< the broker's error for this topic (0: none) */
    int is_internal;  /**< non-zero for Kafka's internal topics (__consumer_offsets, ...) */
    const kfk_metadata_partition_t *partitions; /**< ordered by id */
    int32_t partition_cnt;                      /**< entries in partitions */
} kfk_metadata_topic_t;

/** A metadata answer; valid during the callback that receives it. */
typedef struct kfk_metadata {
    const kfk_metadata_broker_t *brokers; /**< the live brokers */
    int32_t broker_cnt;                   /**< entries in brokers */
    const kfk_metadata_topic_t *topics;   /**< the topics asked for (every topic: all of them) */
    int32_t topic_cnt;                    /**< entries in topics */
    int32_t controller_id;                /**< the controller's broker id; -1 when unknown */
    const char *cluster_id;               /**< NULL when unknown */
} kfk_metadata_t;

/** Metadata result: @p md is NULL on error, and valid only during the call. */
typedef void (*kfk_metadata_cb)(kfk_admin_t *admin, kfk_err_t err, const kfk_metadata_t *md,
                                void *opaque);

/** A topic to create: -1 partitions / replication factor take the broker defaults. */
typedef struct kfk_new_topic {
    const char *name;           /**< the topic's name */
    int32_t num_partitions;     /**< partitions; -1: the broker's default */
    int16_t replication_factor; /**< replicas per partition; -1: the broker's default */
    const char *const *configs; /**< name, value, name, value, ... */
    size_t config_cnt;          /**< pairs */
} kfk_new_topic_t;

/** The outcome for one topic of a create or delete call. */
typedef struct kfk_topic_result {
    const char *name;    /**< the topic's name */
    kfk_err_t err;       /**< 0: done; else the broker's error for this topic */
    const char *message; /**< the broker's message, or NULL */
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
KFK_EXTERN kfk_err_t kfk_admin_new(uv_loop_t *loop, const kfk_conf_t *conf, kfk_admin_t **out,
                                   char *errstr, size_t errstr_size);

/**
 * Fetches metadata for @p topics (@p n names; n == 0: every topic of the cluster). @p cb runs
 * exactly once, later, on the loop: with the metadata, or by request.timeout.ms with the last
 * cause (see kfk_admin_metadata_opts, kfk_admin_errstr). Errors returned here (KFK_ERR__DESTROYED
 * after close, KFK_ERR__NOMEM) mean no callback.
 */
KFK_EXTERN kfk_err_t kfk_admin_metadata(kfk_admin_t *admin, const char *const *topics, size_t n,
                                        kfk_metadata_cb cb, void *opaque);

/** Creates topics (CreateTopics); @p timeout_ms bounds the broker's wait. One callback, by
 * request.timeout.ms + @p timeout_ms at the latest. KFK_ERR__INVALID_ARG, with no callback: no
 * topics, a topic without a name, more than 1024 configs, or a config without a name. */
KFK_EXTERN kfk_err_t kfk_admin_create_topics(kfk_admin_t *admin, const kfk_new_topic_t *topics,
                                             size_t n, int32_t timeout_ms, kfk_topics_cb cb,
                                             void *opaque);

/** Deletes topics by name (DeleteTopics). One callback, by request.timeout.ms + @p timeout_ms
 * at the latest. */
KFK_EXTERN kfk_err_t kfk_admin_delete_topics(kfk_admin_t *admin, const char *const *names, size_t n,
                                             int32_t timeout_ms, kfk_topics_cb cb, void *opaque);

/**
 * Options of one admin call (librdkafka's AdminOptions). Start from KFK_ADMIN_OPTS_INIT and set
 * what you need; kfk reads only the first struct_size bytes, so later fields can be added.
 */
typedef struct kfk_admin_opts {
    size_t struct_size; /**< sizeof(kfk_admin_opts_t), set by KFK_ADMIN_OPTS_INIT */
    /** How long the whole call may take, connecting and retries included, before its callback
     * reports the last cause; 0: request.timeout.ms (plus operation_timeout_ms for topic calls). */
    int32_t timeout_ms;
    /** CreateTopics / DeleteTopics: how long the broker waits for the controller (the request's
     * own timeout_ms); 0: 30000. Ignored by metadata calls. */
    int32_t operation_timeout_ms;
} kfk_admin_opts_t;

/** Defaults for kfk_admin_opts_t. */
#define KFK_ADMIN_OPTS_INIT                                                                        \
    { sizeof(kfk_admin_opts_t), 0, 0 }

/**
 * kfk_admin_metadata with options (@p opts may be NULL: the defaults). The call ends by
 * opts->timeout_ms: with the metadata, or with the last cause (KFK_ERR__TRANSPORT for a refused
 * or broken connection, KFK_ERR__BAD_MSG for an answer that did not decode, ...;
 * kfk_admin_errstr says it in words). Failed attempts are retried meanwhile, each broker after
 * its reconnect backoff. Errors returned here: KFK_ERR__DESTROYED, KFK_ERR__INVALID_ARG
 * (negative timeout), KFK_ERR__NOMEM; then no callback.
 */
KFK_EXTERN kfk_err_t kfk_admin_metadata_opts(kfk_admin_t *admin, const char *const *topics,
                                             size_t n, const kfk_admin_opts_t *opts,
                                             kfk_metadata_cb cb, void *opaque);

/** kfk_admin_create_topics with options (@p opts may be NULL); see kfk_admin_opts_t. */
KFK_EXTERN kfk_err_t kfk_admin_create_topics_opts(kfk_admin_t *admin, const kfk_new_topic_t *topics,
                                                  size_t n, const kfk_admin_opts_t *opts,
                                                  kfk_topics_cb cb, void *opaque);

/** kfk_admin_delete_topics with options (@p opts may be NULL); see kfk_admin_opts_t. */
KFK_EXTERN kfk_err_t kfk_admin_delete_topics_opts(kfk_admin_t *admin, const char *const *names,
                                                  size_t n, const kfk_admin_opts_t *opts,
                                                  kfk_topics_cb cb, void *opaque);

/* ---- Admin: consumer groups and offsets ------------------------------------------------------
 * Every call below is asynchronous: it returns 0 and later calls its callback exactly once
 * (never from inside the call), or returns an error and never calls it (KFK_ERR__DESTROYED after
 * kfk_admin_close, KFK_ERR__INVALID_ARG, KFK_ERR__NOMEM). @p opts may be NULL; opts->timeout_ms
 * (0: request.timeout.ms) bounds the whole call, coordinator lookups, reconnects and retries
 * (retry.backoff.ms apart) included: by then the callback has run, with the last cause as its
 * error and kfk_admin_errstr in words. Results, and every string and array in them, belong to
 * kfk and are valid during the callback only. */

/** KFK_OFFSET_* value for kfk_admin_list_offsets: the offset of the record with the largest
 * timestamp (ListOffsets v7+, Kafka 3.0+). */
#define KFK_OFFSET_MAX_TIMESTAMP (-3)

/** One group as ListGroups lists it. */
typedef struct kfk_group_listing {
    const char *group_id;      /**< the group's id */
    const char *state;         /**< "Stable", "Empty", ...; "" from brokers before ListGroups v4 */
    const char *protocol_type; /**< "consumer" for consumer groups; "" for groups of none */
    const char *type;          /**< "classic" or "consumer"; "" before ListGroups v5 */
    int32_t coordinator;       /**< the broker that listed it (its coordinator) */
} kfk_group_listing_t;

/** List result: @p err is set when the call as a whole failed (then n is 0). */
typedef void (*kfk_group_list_cb)(kfk_admin_t *admin, kfk_err_t err,
                                  const kfk_group_listing_t *groups, size_t n, void *opaque);

/**
 * Lists the groups of the cluster: ListGroups to every broker (each lists the groups it
 * coordinates), merged, ordered by id. @p states (e.g. "Stable", "Empty"; case-insensitive) and
 * @p types ("classic", "consumer") filter when non-empty (ListGroups v4 / v5 filter at the
 * broker; older brokers: states are filtered here where known). A broker that cannot be asked
 * (down, or an error other than a loading coordinator) fails the call at its deadline with its
 * cause, as a partial list would hide groups.
 */
KFK_EXTERN kfk_err_t kfk_admin_list_groups(kfk_admin_t *admin, const char *const *states,
                                           size_t state_cnt, const char *const *types,
                                           size_t type_cnt, const kfk_admin_opts_t *opts,
                                           kfk_group_list_cb cb, void *opaque);

/** Partitions of one topic (an assignment). */
typedef struct kfk_topic_partitions {
    const char *topic;         /**< the topic's name */
    const int32_t *partitions; /**< partition ids */
    int32_t partition_cnt;     /**< entries in partitions */
} kfk_topic_partitions_t;

/** One member of a described group. */
typedef struct kfk_group_member {
    const char *member_id;   /**< the member id the coordinator gave it */
    const char *instance_id; /**< group.instance.id of a static member; NULL otherwise */
    const char *client_id;   /**< its client.id */
    const char *host;        /**< the host it connected from, as the broker saw it ("/1.2.3.4") */
    /** Its assignment decoded (consumer groups in a Stable state; otherwise none). */
    const kfk_topic_partitions_t *assignment;
    size_t assignment_cnt; /**< entries in assignment */
} kfk_group_member_t;

/** One described group. */
typedef struct kfk_group_description {
    const char *group_id;              /**< the group's id */
    kfk_err_t err;                     /**< this group's error (0: described) */
    const char *error_message;         /**< the broker's message for err, or NULL */
    const char *state;                 /**< "Stable", "Empty", "Dead" (no such group), ... */
    const char *protocol_type;         /**< "consumer" for consumer groups */
    const char *protocol;              /**< the chosen assignor ("range", ...); "" unless Stable */
    int32_t coordinator;               /**< the coordinator's broker id */
    const kfk_group_member_t *members; /**< its members */
    size_t member_cnt;                 /**< entries in members */
    /** "classic" (JoinGroup/SyncGroup) or "consumer" (KIP-848: described with
     * ConsumerGroupDescribe; protocol is then the server-side assignor); "" if not described */
    const char *type;
} kfk_group_description_t;

/** Describe result: one description per group asked for, in the same order; @p err is set
 * when the call as a whole failed (then n is 0). */
typedef void (*kfk_group_describe_cb)(kfk_admin_t *admin, kfk_err_t err,
                                      const kfk_group_description_t *groups, size_t n,
                                      void *opaque);

/**
 * Describes @p n groups: FindCoordinator for each, then DescribeGroups at its coordinator:
 * state, protocol, members with their client ids, hosts and decoded assignments. A group of
 * the consumer protocol (KIP-848, which Kafka 4's DescribeGroups answers GROUP_ID_NOT_FOUND)
 * is described with ConsumerGroupDescribe instead (type "consumer"). A group's own
 * error (e.g. GROUP_AUTHORIZATION_FAILED) is in its description; coordinator errors
 * (NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS, ...) are retried until the deadline.
 */
KFK_EXTERN kfk_err_t kfk_admin_describe_groups(kfk_admin_t *admin, const char *const *groups,
                                               size_t n, const kfk_admin_opts_t *opts,
                                               kfk_group_describe_cb cb, void *opaque);

/** A partition's offset: a group's commit, an offset to commit, or a ListOffsets answer. */
typedef struct kfk_partition_offset {
    const char *topic;    /**< the topic's name */
    int32_t partition;    /**< the partition id */
    int64_t offset;       /**< the offset; -1: none (nothing committed, no such record) */
    int32_t leader_epoch; /**< its leader epoch; -1: unknown */
    int64_t timestamp;    /**< kfk_admin_list_offsets: the record's timestamp (-1: none) */
    const char *metadata; /**< a commit's metadata string (NULL: none) */
    kfk_err_t err;        /**< this partition's error (0: none) */
} kfk_partition_offset_t;

/** Offsets result: per-partition outcomes in @p offsets (valid during the call). */
typedef void (*kfk_offsets_cb)(kfk_admin_t *admin, kfk_err_t err,
                               const kfk_partition_offset_t *offsets, size_t n, void *opaque);

/**
 * The offsets @p group committed, every partition it has a commit for (OffsetFetch v2+ with null
 * topics, at the group's coordinator), ordered by topic and partition. @p err is the group's
 * error (GROUP_AUTHORIZATION_FAILED, ...); a group with no commits gives n 0 and no error.
 */
KFK_EXTERN kfk_err_t kfk_admin_list_group_offsets(kfk_admin_t *admin, const char *group,
                                                  const kfk_admin_opts_t *opts, kfk_offsets_cb cb,
                                                  void *opaque);

/**
 * Commits @p n offsets for @p group as an admin does (OffsetCommit with generation -1 and an
 * empty member id, as Java's AdminClient.alterConsumerGroupOffsets): topic, partition, offset
 * and, optionally, leader_epoch (-1: none) and metadata of each entry are read; the result
 * repeats them with each partition's err. The coordinator accepts it only while the group has
 * no members: otherwise @p err is UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION or REBALANCE_IN_PROGRESS
 * and kfk_admin_errstr says that the group has active members. Any other partition error is
 * @p err too (the first one), named with its partition by kfk_admin_errstr.
 */
KFK_EXTERN kfk_err_t kfk_admin_alter_group_offsets(kfk_admin_t *admin, const char *group,
                                                   const kfk_partition_offset_t *offsets, size_t n,
                                                   const kfk_admin_opts_t *opts, kfk_offsets_cb cb,
                                                   void *opaque);

/**
 * Offsets of @p n partitions by ListOffsets at each partition's leader: parts[i].offset is the
 * query (the other fields but topic and partition are ignored), KFK_OFFSET_BEGINNING (earliest),
 * KFK_OFFSET_END (latest: the log end offset), KFK_OFFSET_MAX_TIMESTAMP, or a timestamp in ms (the
 * first offset whose timestamp is at or after it; offset -1 when none is). Read uncommitted. The
 * result has one entry per query in the same order with offset, timestamp, leader_epoch and err
 * (UNKNOWN_TOPIC_OR_PARTITION for a partition the cluster does not have). Leader moves are followed
 * until the deadline.
 */
KFK_EXTERN kfk_err_t kfk_admin_list_offsets(kfk_admin_t *admin, const kfk_partition_offset_t *parts,
                                            size_t n, const kfk_admin_opts_t *opts,
                                            kfk_offsets_cb cb, void *opaque);

/** The outcome for one group of kfk_admin_delete_groups. */
typedef struct kfk_group_result {
    const char *group_id; /**< the group's id */
    kfk_err_t err;        /**< 0: deleted; else NON_EMPTY_GROUP, GROUP_ID_NOT_FOUND, ... */
} kfk_group_result_t;

/** Delete result: one outcome per group asked for, in the same order; @p err is set when the
 * call as a whole failed (then n is 0). */
typedef void (*kfk_groups_cb)(kfk_admin_t *admin, kfk_err_t err, const kfk_group_result_t *results,
                              size_t n, void *opaque);

/**
 * Deletes @p n groups and their committed offsets (DeleteGroups at each group's coordinator,
 * Kafka 1.1+). Kafka deletes only groups without members: a group with members gets
 * NON_EMPTY_GROUP in its result, an unknown one GROUP_ID_NOT_FOUND.
 */
KFK_EXTERN kfk_err_t kfk_admin_delete_groups(kfk_admin_t *admin, const char *const *groups,
                                             size_t n, const kfk_admin_opts_t *opts,
                                             kfk_groups_cb cb, void *opaque);

/**
 * Deletes @p group's committed offsets of @p n partitions (topic and partition of each entry
 * are read; OffsetDelete, Kafka 2.4+). The result repeats them with each partition's err; the
 * call's @p err is the group's error (GROUP_ID_NOT_FOUND, ...) or the first partition error,
 * e.g. GROUP_SUBSCRIBED_TO_TOPIC while a member consumes the topic, named by kfk_admin_errstr.
 */
KFK_EXTERN kfk_err_t kfk_admin_delete_group_offsets(kfk_admin_t *admin, const char *group,
                                                    const kfk_partition_offset_t *parts, size_t n,
                                                    const kfk_admin_opts_t *opts, kfk_offsets_cb cb,
                                                    void *opaque);

/* ---- Admin: configs, partitions, records, the cluster -----------------------------------------
 * The same conventions as the group calls above: asynchronous, bounded by opts->timeout_ms,
 * kfk_admin_errstr naming the cause, results valid during the callback only. */

/** Kafka's resource types for configs (DescribeConfigs / IncrementalAlterConfigs). */
#define KFK_RESOURCE_TOPIC 2  /**< a topic, named by its name */
#define KFK_RESOURCE_BROKER 4 /**< a broker, named by its id in decimal ("" for the default) */

/** Kafka's ConfigSource: where a config's value comes from. */
#define KFK_CONFIG_SOURCE_DYNAMIC_TOPIC 1          /**< set on the topic */
#define KFK_CONFIG_SOURCE_DYNAMIC_BROKER 2         /**< set on this broker at run time */
#define KFK_CONFIG_SOURCE_DYNAMIC_DEFAULT_BROKER 3 /**< set as the cluster-wide default */
#define KFK_CONFIG_SOURCE_STATIC_BROKER 4          /**< from the broker's properties file */
#define KFK_CONFIG_SOURCE_DEFAULT 5                /**< Kafka's own default */
#define KFK_CONFIG_SOURCE_DYNAMIC_BROKER_LOGGER 6  /**< a broker logger's level */

/** One config of a resource as DescribeConfigs describes it. */
typedef struct kfk_config_entry {
    const char *name;  /**< the config's name */
    const char *value; /**< its value; NULL when sensitive or unset */
    int source;        /**< a KFK_CONFIG_SOURCE_* (0: unknown) */
    int read_only;     /**< non-zero: cannot be altered */
    int is_sensitive;  /**< non-zero: the value is hidden (NULL) */
    int is_default; /**< non-zero: the value is Kafka's default (source KFK_CONFIG_SOURCE_DEFAULT)
                     */
} kfk_config_entry_t;

/** A topic or broker and, in results, its configs. */
typedef struct kfk_config_resource {
    int8_t type;                       /**< KFK_RESOURCE_TOPIC or KFK_RESOURCE_BROKER */
    const char *name;                  /**< the topic's name, or the broker's id in decimal */
    kfk_err_t err;                     /**< results: this resource's error (0: none) */
    const char *message;               /**< results: the broker's message, or NULL */
    const kfk_config_entry_t *entries; /**< results: its configs, in the broker's order */
    size_t entry_cnt;                  /**< entries in entries */
} kfk_config_resource_t;

/** Configs result: one entry per resource asked for, in the same order; @p err is set when the
 * call as a whole failed (then n is 0). */
typedef void (*kfk_configs_cb)(kfk_admin_t *admin, kfk_err_t err,
                               const kfk_config_resource_t *resources, size_t n, void *opaque);

/**
 * Describes the configs of @p n resources (type and name of each entry are read): DescribeConfigs
 * v1-4 to the broker itself for a broker resource, to any broker for topics. Each result has the
 * resource's err (UNKNOWN_TOPIC_OR_PARTITION for a topic that does not exist) and its configs with
 * value, source, read-only, sensitive and default flags.
 */
KFK_EXTERN kfk_err_t kfk_admin_describe_configs(kfk_admin_t *admin,
                                                const kfk_config_resource_t *resources, size_t n,
                                                const kfk_admin_opts_t *opts, kfk_configs_cb cb,
                                                void *opaque);

/** IncrementalAlterConfigs operations. */
#define KFK_CONFIG_OP_SET 0      /**< set the value */
#define KFK_CONFIG_OP_DELETE 1   /**< remove the setting: back to the default */
#define KFK_CONFIG_OP_APPEND 2   /**< add to a list value */
#define KFK_CONFIG_OP_SUBTRACT 3 /**< remove from a list value */

/** One change of a config. */
typedef struct kfk_config_op {
    const char *name;  /**< the config's name */
    int op;            /**< a KFK_CONFIG_OP_* */
    const char *value; /**< the value to set, append or subtract (ignored by delete) */
} kfk_config_op_t;

/**
 * Changes @p n configs of one resource (@p type KFK_RESOURCE_TOPIC or KFK_RESOURCE_BROKER,
 * @p name a topic or a broker id in decimal; "" with a broker: the cluster-wide default) by
 * IncrementalAlterConfigs v0-1, to the broker itself for a broker, to any broker for a topic.
 * Delete returns a config to its default. The result is the one resource with its err
 * (INVALID_CONFIG, POLICY_VIOLATION, ... with the broker's message in kfk_admin_errstr); the
 * call's @p err is that error too.
 */
KFK_EXTERN kfk_err_t kfk_admin_incremental_alter_configs(kfk_admin_t *admin, int8_t type,
                                                         const char *name,
                                                         const kfk_config_op_t *ops, size_t n,
                                                         const kfk_admin_opts_t *opts,
                                                         kfk_configs_cb cb, void *opaque);

/** A topic's new partition count for kfk_admin_create_partitions. */
typedef struct kfk_new_partitions {
    const char *topic;   /**< the topic's name */
    int32_t total_count; /**< the partitions it shall have in all (more than now) */
} kfk_new_partitions_t;

/**
 * Raises the partition count of @p n topics (CreatePartitions v0-3 to any broker; Kafka forwards
 * it to the controller). Replicas are placed by Kafka. opts->operation_timeout_ms is the
 * request's own timeout (0: 30000). Per-topic outcomes in the callback's results
 * (INVALID_PARTITIONS when the count is not larger, UNKNOWN_TOPIC_OR_PARTITION, ...).
 */
KFK_EXTERN kfk_err_t kfk_admin_create_partitions(kfk_admin_t *admin,
                                                 const kfk_new_partitions_t *topics, size_t n,
                                                 const kfk_admin_opts_t *opts, kfk_topics_cb cb,
                                                 void *opaque);

/**
 * Deletes the records of @p n partitions before parts[i].offset (-1: the high watermark, every
 * record) by DeleteRecords v0-2 at each partition's leader: topic, partition and offset of each
 * entry are read. The result repeats them with offset the partition's new log start offset (its
 * low watermark) and err (OFFSET_OUT_OF_RANGE past the high watermark, ...). The call's @p err is
 * the first partition error, named by kfk_admin_errstr.
 */
KFK_EXTERN kfk_err_t kfk_admin_delete_records(kfk_admin_t *admin,
                                              const kfk_partition_offset_t *parts, size_t n,
                                              const kfk_admin_opts_t *opts, kfk_offsets_cb cb,
                                              void *opaque);

/** The cluster as DescribeCluster describes it; valid during the callback. */
typedef struct kfk_cluster {
    const char *cluster_id;               /**< the cluster's id */
    int32_t controller_id;                /**< the controller's broker id (-1: unknown) */
    const kfk_metadata_broker_t *brokers; /**< the brokers, ordered by id */
    int32_t broker_cnt;                   /**< entries in brokers */
} kfk_cluster_t;

/** DescribeCluster result: @p cluster is NULL on error. */
typedef void (*kfk_cluster_cb)(kfk_admin_t *admin, kfk_err_t err, const kfk_cluster_t *cluster,
                               void *opaque);

/**
 * Describes the cluster by DescribeCluster v0-2 (Kafka 2.8+) at any broker: its id, the controller
 * and the brokers. A broker without DescribeCluster ends the call with KFK_ERR__NO_COMMON_VERSION
 * and kfk_admin_errstr naming the API.
 */
KFK_EXTERN kfk_err_t kfk_admin_describe_cluster(kfk_admin_t *admin, const kfk_admin_opts_t *opts,
                                                kfk_cluster_cb cb, void *opaque);

/**
 * The cause of the error the running admin callback reports, in one line, e.g. "connect to
 * 127.0.0.1:1 failed: connection refused" or "malformed Metadata v12 response from broker 1 at
 * byte 13: brokers: count 2147483646 past the end (45 bytes left, 11 per element)". "" when the
 * callback reports no error, or when called outside an admin callback. Like hiredis'
 * redisAsyncContext.errstr: the string belongs to @p admin and is valid during the callback
 * only (copy it to keep it).
 */
KFK_EXTERN const char *kfk_admin_errstr(const kfk_admin_t *admin);

/**
 * Closes @p admin: calls still pending complete with KFK_ERR__DESTROYED, connections close, then
 * @p cb runs (may be NULL) and the memory is freed. Legal from inside any admin callback.
 */
KFK_EXTERN void kfk_admin_close(kfk_admin_t *admin, kfk_admin_close_cb cb, void *opaque);

/** The user pointer of @p admin (NULL until kfk_admin_set_data). */
KFK_EXTERN void *kfk_admin_get_data(const kfk_admin_t *admin);

/** Sets the user pointer of @p admin; kfk never reads it. */
KFK_EXTERN void kfk_admin_set_data(kfk_admin_t *admin, void *data);

/* ============================================================================================
 * Producer
 * ========================================================================================== */

/** A producer: batches records per partition and sends them on the caller's loop. */
typedef struct kfk_producer kfk_producer_t;

/** "Any partition": let the partitioner choose (murmur2 of the key, sticky for null keys). */
#define KFK_PARTITION_ANY (-1)

/** A record header: @p key is a NUL-terminated string; @p value may be NULL (a null value). */
typedef struct kfk_header {
    const char *key;   /**< the header's name (NUL-terminated, not NULL) */
    const void *value; /**< its value; NULL: a null value */
    size_t value_len;  /**< bytes at value */
} kfk_header_t;

/**
 * A record to send. Everything is copied by kfk_producer_send (into the batch buffer): the
 * caller may reuse its memory as soon as the call returns.
 */
typedef struct kfk_record {
    const char *topic;           /**< the topic to send to */
    int32_t partition;           /**< KFK_PARTITION_ANY or a partition id */
    const void *key;             /**< NULL: a null key */
    size_t key_len;              /**< bytes at key */
    const void *value;           /**< NULL: a null value (a tombstone) */
    size_t value_len;            /**< bytes at value */
    const kfk_header_t *headers; /**< the record's headers (NULL when header_cnt is 0) */
    size_t header_cnt;           /**< entries in headers */
    int64_t timestamp;           /**< milliseconds since the epoch; 0 or -1 (none): now */
} kfk_record_t;

/** What became of one record. Strings are valid during the callback only. */
typedef struct kfk_delivery {
    kfk_err_t err;     /**< 0: written (acks as configured); else why not */
    const char *topic; /**< the record's topic */
    int32_t partition; /**< -1 if none was chosen */
    int64_t offset;    /**< -1 when unknown (acks=0, DUPLICATE_SEQUENCE_NUMBER, errors) */
    int64_t timestamp; /**< the record's timestamp (the broker's for LogAppendTime topics) */
    /** When err is set, what stood in the way, in one line, if the producer knows more than
     * kfk_err_str(err) says: "no metadata for topic t: connect to h:1 failed: connection
     * refused", "t [0] has no leader", "topic t: This server does not host this
     * topic-partition"; "" otherwise. Never NULL from the producer (a delivery report built by
     * hand may leave it NULL). */
    const char *errstr;
} kfk_delivery_t;

/** Called exactly once per record accepted by kfk_producer_send, on the loop. */
typedef void (*kfk_delivery_cb)(kfk_producer_t *p, const kfk_delivery_t *d, void *opaque);

/** Called once the records queued when kfk_producer_flush was called are all reported. */
typedef void (*kfk_flush_cb)(kfk_producer_t *p, void *opaque);

/** Called once kfk_producer_close finished; memory is freed after it returns. */
typedef void (*kfk_producer_close_cb)(kfk_producer_t *p, void *opaque);

/**
 * Creates a producer on @p loop. Configuration: acks (all), linger.ms (5), batch.size (1000000
 * bytes per partition's batch, as librdkafka; at least 68, one record's batch: a 61-byte header and
 * a 7-byte record; a record larger than batch.size travels in a batch of its own),
 * compression.type, enable.idempotence (true; needs acks=all and at most 5 requests in flight),
 * retries, retry.backoff.ms, delivery.timeout.ms (120000), partitioner (murmur2_random:
 * Java-compatible murmur2 for keys, sticky for null keys), queue.buffering.max.messages /
 * .max.kbytes, message.max.bytes, allow.auto.create.topics (true: a topic the broker does not know
 * is created on first use where the broker has auto.create.topics.enable), and the connection
 * settings; transactional.id and transaction.timeout.ms make it transactional (see
 * kfk_producer_init_txns). Errors: KFK_ERR__INVALID_CONF (conflicting settings, such as
 * transactional.id with acks other than all, or batch.size below 68, with errstr),
 * KFK_ERR__SSL, KFK_ERR__NOMEM. No callback follows.
 */
KFK_EXTERN kfk_err_t kfk_producer_new(uv_loop_t *loop, const kfk_conf_t *conf, kfk_producer_t **out,
                                      char *errstr, size_t errstr_size);

/**
 * Queues @p rec for sending and returns at once. On success @p cb (may be NULL) runs exactly
 * once later with the outcome. Returns, with no callback: KFK_ERR__QUEUE_FULL (the queue limits
 * would be exceeded: back off and retry), KFK_ERR__MSG_SIZE_TOO_LARGE (over message.max.bytes,
 * or larger than the whole queue, queue.buffering.max.kbytes),
 * KFK_ERR__UNKNOWN_PARTITION (an explicit partition the topic does not have),
 * KFK_ERR__INVALID_ARG (no topic, a timestamp below -1, over 64 headers or a header without a
 * name), KFK_ERR__DESTROYED (after close), KFK_ERR__FATAL (the producer hit a fatal error, e.g.
 * PRODUCER_FENCED), KFK_ERR__STATE (transactional.id is set and no transaction is open, or it
 * is ending or must be aborted).
 */
KFK_EXTERN kfk_err_t kfk_producer_send(kfk_producer_t *p, const kfk_record_t *rec,
                                       kfk_delivery_cb cb, void *opaque);

/**
 * Sends everything queued now without waiting for linger.ms, and calls @p cb once all records
 * queued at this moment have been reported (delivered or failed). One callback, later.
 */
KFK_EXTERN kfk_err_t kfk_producer_flush(kfk_producer_t *p, kfk_flush_cb cb, void *opaque);

/** Records queued and not yet reported. */
KFK_EXTERN size_t kfk_producer_queued(const kfk_producer_t *p);

/**
 * What stands between @p p and the partitions of @p topic now, for an application or tool that
 * decides to give up (kfk produce -m): KFK_ERR_NONE when nothing does (every partition has a
 * leader whose broker is not failing). Otherwise the error and, in @p buf (@p size bytes,
 * always terminated when size > 0), its cause in one line: no metadata yet and why ("connect to
 * 127.0.0.1:1 failed: connection refused", KFK_ERR__TRANSPORT; "malformed Metadata v12 response
 * ...", KFK_ERR__BAD_MSG), the topic's error in the metadata (UNKNOWN_TOPIC_OR_PARTITION,
 * LEADER_NOT_AVAILABLE), a partition without a leader, or its leader's broker failing. Reads
 * state only: no request, no callback.
 */
KFK_EXTERN kfk_err_t kfk_producer_topic_error(kfk_producer_t *p, const char *topic, char *buf,
                                              size_t size);

/**
 * Closes @p p: new sends are refused; queued records are flushed for up to the close timeout
 * (kfk_producer_set_close_timeout; default delivery.timeout.ms), then the rest fail with
 * KFK_ERR__DESTROYED, except those the broker may have written (in a request sent and not
 * answered: KFK_ERR__POSSIBLY_PERSISTED) and those past their own delivery.timeout.ms
 * (KFK_ERR__MSG_TIMED_OUT, or the topic's error); their delivery callbacks and pending flush
 * callbacks run before @p cb;
 * then connections close, @p cb runs (may be NULL, never inside this call) and the memory is
 * freed after it returns. Legal from inside any producer callback; a second call is ignored.
 */
KFK_EXTERN void kfk_producer_close(kfk_producer_t *p, kfk_producer_close_cb cb, void *opaque);

/**
 * Bounds how long kfk_producer_close keeps sending queued records before it fails them:
 * @p timeout_ms >= 0 milliseconds, < 0 the default (delivery.timeout.ms). Read when
 * kfk_producer_close is called; called during a close, it can shorten the wait (counted from
 * now), never lengthen it.
 */
KFK_EXTERN void kfk_producer_set_close_timeout(kfk_producer_t *p, int64_t timeout_ms);

/** The user pointer of @p p (NULL until kfk_producer_set_data). */
KFK_EXTERN void *kfk_producer_get_data(const kfk_producer_t *p);

/** Sets the user pointer of @p p; kfk never reads it. */
KFK_EXTERN void kfk_producer_set_data(kfk_producer_t *p, void *data);

/* ---- transactions (transactional.id) -------------------------------------------------------- */

/** What the caller does after a transaction call failed (Java's exception classes). */
typedef enum kfk_txn_class {
    KFK_TXN_OK = 0,    /**< it worked */
    KFK_TXN_RETRIABLE, /**< timed out on a passing cause: call the same function again */
    KFK_TXN_ABORTABLE, /**< the transaction cannot commit: call kfk_producer_abort_txn */
    KFK_TXN_FATAL      /**< the producer is unusable (fenced, not authorized): close it */
} kfk_txn_class_t;

/** The outcome of kfk_producer_init_txns, _commit_txn or _abort_txn. Valid during the callback. */
typedef struct kfk_txn_result {
    kfk_err_t err;       /**< 0, or the cause (PRODUCER_FENCED, a record's error, _TIMED_OUT) */
    kfk_txn_class_t cls; /**< what to do next */
    const char *errstr;  /**< the cause in one line ("" when err is 0); never NULL */
} kfk_txn_result_t;

/** Called once with the outcome of a transaction call, on the loop, never inside that call. */
typedef void (*kfk_txn_cb)(kfk_producer_t *p, const kfk_txn_result_t *r, void *opaque);

/**
 * Gets the producer id of a transactional producer (transactional.id) from its transaction
 * coordinator (FindCoordinator, InitProducerId), which fences older producers with the same
 * transactional.id and aborts a transaction they left open. Call once, before the first
 * kfk_producer_begin_txn. @p cb (not NULL) follows with KFK_TXN_OK, KFK_TXN_RETRIABLE (not done
 * within transaction.timeout.ms: call again) or KFK_TXN_FATAL. Returns, with no callback:
 * KFK_ERR__INVALID_ARG, KFK_ERR__STATE (not transactional, done already, or another call in
 * progress), KFK_ERR__DESTROYED, KFK_ERR__FATAL.
 */
KFK_EXTERN kfk_err_t kfk_producer_init_txns(kfk_producer_t *p, kfk_txn_cb cb, void *opaque);

/**
 * Starts a transaction: kfk_producer_send accepts records until commit or abort (outside a
 * transaction it refuses them with KFK_ERR__STATE). Local and synchronous, as in Java: the
 * partitions join the transaction on the coordinator (AddPartitionsToTxn) as records go to them.
 * Returns KFK_ERR__STATE (init not done, or a transaction open), KFK_ERR__FATAL,
 * KFK_ERR__DESTROYED, KFK_ERR__INVALID_ARG.
 */
KFK_EXTERN kfk_err_t kfk_producer_begin_txn(kfk_producer_t *p);

/**
 * Commits the open transaction: sends and waits for every record sent in it (a flush), then
 * EndTxn. @p cb (not NULL) follows: KFK_TXN_OK; KFK_TXN_ABORTABLE when a record of the
 * transaction failed (r->err is its error: call kfk_producer_abort_txn); KFK_TXN_RETRIABLE
 * (the coordinator did not answer within transaction.timeout.ms: call commit again);
 * KFK_TXN_FATAL (fenced). Returns, with no callback: KFK_ERR__STATE (no transaction open, or it
 * must be aborted), KFK_ERR__FATAL, KFK_ERR__DESTROYED, KFK_ERR__INVALID_ARG.
 */
KFK_EXTERN kfk_err_t kfk_producer_commit_txn(kfk_producer_t *p, kfk_txn_cb cb, void *opaque);

/**
 * Aborts the open transaction: waits for the requests in flight, fails the records not sent
 * yet with KFK_ERR__TXN_ABORTED (their delivery callbacks run), then EndTxn; records the broker
 * took stay invisible to read_committed consumers. Legal after a KFK_TXN_ABORTABLE outcome. @p cb
 * (not NULL) follows as for commit. Returns, with no callback: KFK_ERR__STATE (no transaction
 * open), KFK_ERR__FATAL, KFK_ERR__DESTROYED, KFK_ERR__INVALID_ARG.
 */
KFK_EXTERN kfk_err_t kfk_producer_abort_txn(kfk_producer_t *p, kfk_txn_cb cb, void *opaque);

/* ---- msgpack: the "Producible" way ---------------------------------------------------------- */

/** msgpack-c's packer (include <msgpack.h> to use it). */
struct msgpack_packer;

/** Packs @p obj with msgpack-c: return 0 on success, non-zero to refuse the record. */
typedef int (*kfk_pack_cb)(struct msgpack_packer *pk, const void *obj, void *opaque);

/**
 * Sends a msgpack value: @p pack writes @p obj (the seeds' "Producible" protocol) into kfk's
 * buffer. With @p partition_by (a dotted path such as "user.id" into nested maps; NULL: none),
 * that field's value becomes the record key: strings as their bytes, integers in decimal text
 * (what a Python producer keying by str(value) sends), booleans as "True"/"False". A missing
 * path or a non-scalar value is KFK_ERR__KEY_PATH (returned, no callback); a pack failure
 * KFK_ERR__INVALID_ARG. Otherwise as kfk_producer_send (@p rec gives topic, partition, headers
 * and timestamp; its key/value are ignored).
 */
KFK_EXTERN kfk_err_t kfk_producer_send_msgpack(kfk_producer_t *p, const kfk_record_t *rec,
                                               const void *obj, kfk_pack_cb pack, void *pack_opaque,
                                               const char *partition_by, kfk_delivery_cb cb,
                                               void *opaque);

/**
 * Finds the scalar at dotted @p path in the msgpack map @p data and writes its key form (see
 * kfk_producer_send_msgpack) to @p out (at most @p cap bytes); *len gets its length.
 * KFK_ERR__KEY_PATH when missing, not a scalar, or too long; KFK_ERR__BAD_MSG for malformed
 * msgpack.
 */
KFK_EXTERN kfk_err_t kfk_msgpack_key_at(const void *data, size_t len, const char *path, char *out,
                                        size_t cap, size_t *keylen);

/**
 * Measures the first msgpack value in @p data (@p len bytes, e.g. a stream read so far) without
 * allocating anything, whatever counts it declares: 1 with its length in *size; 0 when the
 * bytes end inside it (a stream: read more); -1 when it is not msgpack (the unused byte 0xc1,
 * or more than 65 levels of nested containers).
 */
KFK_EXTERN int kfk_msgpack_value_size(const void *data, size_t len, size_t *size);

/* ============================================================================================
 * Consumer: batches, offsets, consumer groups
 * ========================================================================================== */

/** A consumer: fetches on the caller's loop and hands records over in batches. */
typedef struct kfk_consumer kfk_consumer_t;

/** A batch of records handed to the batch callback; see kfk_batch_done. */
typedef struct kfk_batch kfk_batch_t;

/* Special offsets for kfk_consumer_assign / kfk_consumer_seek. */
/** Special offset: the earliest offset of the partition. */
#define KFK_OFFSET_BEGINNING (-2)
/** Special offset: the end: only records produced from now on. */
#define KFK_OFFSET_END (-1)
/** Special offset: the group's committed offset, else auto.offset.reset. */
#define KFK_OFFSET_STORED (-1000)

/** A topic partition and an offset. */
typedef struct kfk_topic_partition {
    const char *topic; /**< the topic's name */
    int32_t partition; /**< the partition id */
    int64_t offset;    /**< an offset, or one of the KFK_OFFSET_* values where allowed */
} kfk_topic_partition_t;

/**
 * One record of a batch. Pointers point into the fetched response (zero copy) and are valid
 * until kfk_batch_done is called for the batch.
 */
typedef struct kfk_message {
    const char *topic;                   /**< the record's topic */
    int32_t partition;                   /**< its partition */
    int64_t offset;                      /**< its offset */
    int64_t timestamp;                   /**< its timestamp (ms since the epoch) */
    kfk_timestamp_type_t timestamp_type; /**< CreateTime or LogAppendTime */
    const void *key;                     /**< NULL when the key is null */
    int32_t key_len;                     /**< -1 when null */
    const void *value;                   /**< NULL when the value is null */
    int32_t value_len;                   /**< -1 when null */
    int32_t header_count;                /**< headers of the record */
    const uint8_t *headers; /**< encoded headers: read them with kfk_message_header_iter */
    size_t headers_size;    /**< bytes at headers */
    kfk_err_t err; /**< a per-record decode error of a typed consumer (kfk_consumer_set_decoder) */
    void *decoded; /**< the typed object, when a decoder is set and it succeeded */
} kfk_message_t;

/** Number of records in @p batch (at most max.poll.records). */
KFK_EXTERN size_t kfk_batch_count(const kfk_batch_t *batch);

/** Record @p i of @p batch (0 <= i < count), in offset order per partition. */
KFK_EXTERN const kfk_message_t *kfk_batch_message(const kfk_batch_t *batch, size_t i);

/**
 * Marks @p batch processed. With @p err == 0 its records count as done: the committed offset
 * of each of its partitions may advance up to the end of the batch (the contiguous done
 * watermark), and that partition's next records may be delivered. With @p err != 0 nothing is
 * done: the batch's partitions rewind to its first record and the records come again. May be
 * called later, from any loop callback; exactly once per batch. The batch and its records are
 * invalid afterwards.
 */
KFK_EXTERN void kfk_batch_done(kfk_batch_t *batch, kfk_err_t err);

/**
 * Marks the records of one partition of @p batch processed (@p err as in kfk_batch_done), so
 * that a slow record of another partition does not hold this one back; the batch is freed once
 * every partition of it is done. KFK_ERR__UNKNOWN_PARTITION when the batch holds none of that
 * partition (or it was done already). Records of the partition stay valid until the whole batch
 * is done.
 */
KFK_EXTERN kfk_err_t kfk_batch_done_partition(kfk_batch_t *batch, const char *topic,
                                              int32_t partition, kfk_err_t err);

/** Starts iterating the headers of @p m into @p it (then kfk_record_header_iter_next). */
KFK_EXTERN void kfk_message_header_iter(const kfk_message_t *m, kfk_record_header_iter_t *it);

/** Batch callback: @p batch stays valid until kfk_batch_done. */
typedef void (*kfk_batch_cb)(kfk_consumer_t *c, kfk_batch_t *batch, void *opaque);

/** Rebalance events. */
typedef enum kfk_rebalance_event {
    KFK_REBALANCE_ASSIGNED = 1, /* these partitions are now this member's */
    KFK_REBALANCE_REVOKED = 2,  /* these partitions are taken away (after their commit) */
    KFK_REBALANCE_LOST = 3      /* lost without a clean revoke (session expired, fenced) */
} kfk_rebalance_event_t;

/** Rebalance callback; @p parts are valid during the call. */
typedef void (*kfk_rebalance_cb)(kfk_consumer_t *c, kfk_rebalance_event_t ev,
                                 const kfk_topic_partition_t *parts, size_t n, void *opaque);

/** Commit result: @p err is 0 when every partition's offset was committed. */
typedef void (*kfk_commit_cb)(kfk_consumer_t *c, kfk_err_t err, void *opaque);

/** Called once kfk_consumer_close finished; memory is freed after it returns. */
typedef void (*kfk_consumer_close_cb)(kfk_consumer_t *c, void *opaque);

/**
 * Typed batches: @p decode turns a record into an object (stored in kfk_message_t.decoded) or
 * fails for that record only (its kfk_message_t.err is set, the batch is still delivered);
 * @p free_obj (may be NULL) frees objects when the batch is done.
 */
typedef kfk_err_t (*kfk_decode_cb)(const kfk_message_t *m, void **obj, void *opaque);
/** Frees an object made by a kfk_decode_cb (see kfk_consumer_set_decoder). */
typedef void (*kfk_free_cb)(void *obj, void *opaque);

/**
 * Creates a consumer. Configuration: group.id (needed for subscribe and for commits),
 * group.instance.id (static membership), max.poll.records (records per batch, default 100;
 * batch.size is the producer's batch in bytes and is not read here: set alone, it only logs a
 * notice), allow.auto.create.topics (true: the broker may create a topic the consumer asks
 * about, where it has auto.create.topics.enable),
 * batch.timeout.ms (deliver what arrived within this time, default 500), batch.commit.wait
 * (true: a partition's next batch is delivered only once the broker acknowledged the commit of
 * its previous one, so a crash re-reads at most one batch per partition, at one OffsetCommit
 * round trip per batch; fetching goes on meanwhile; a failed commit is retried on the retry
 * backoff; needs group.id; default false), auto.offset.reset
 * (earliest|latest|error), enable.auto.commit (false: commit after each done batch; true:
 * commit every auto.commit.interval.ms), fetch.min.bytes, fetch.max.bytes,
 * max.partition.fetch.bytes, fetch.max.wait.ms, queued.max.messages.kbytes, isolation.level,
 * session.timeout.ms, heartbeat.interval.ms, max.poll.interval.ms (a batch not done within it
 * makes the member leave the group, as Java does), partition.assignment.strategy (range,
 * roundrobin, cooperative-sticky). Errors as kfk_producer_new.
 */
KFK_EXTERN kfk_err_t kfk_consumer_new(uv_loop_t *loop, const kfk_conf_t *conf, kfk_consumer_t **out,
                                      char *errstr, size_t errstr_size);

/**
 * Joins the group (group.id) for @p topics (copied); partitions come through the rebalance
 * callback. An entry starting with '^' is a POSIX extended regular expression, as librdkafka's
 * convention has it: the subscription is then every topic of the cluster whose name it matches
 * (anywhere after the '^': end it with '$' to match whole names), internal topics such as
 * __consumer_offsets left out, plus the other entries as they are. Every metadata.max.age.ms
 * the member asks for the metadata of every topic and rejoins when the matched set changed
 * (topics created or deleted); it joins first once that metadata answered. Either way a member
 * rejoins when a subscribed topic's partition count differs from that at its assignment, or the
 * topic appeared or disappeared, as seen at a metadata refresh (every metadata.max.age.ms), so
 * partitions added to a topic are consumed within metadata.max.age.ms plus one rebalance.
 * Subscribing again replaces the subscription (and rejoins). Errors: KFK_ERR__STATE after
 * assign, KFK_ERR__INVALID_CONF without group.id, KFK_ERR__INVALID_ARG (no topics, an empty
 * name, a pattern regcomp refuses), KFK_ERR__DESTROYED, KFK_ERR__NOMEM; no callback follows.
 */
KFK_EXTERN kfk_err_t kfk_consumer_subscribe(kfk_consumer_t *c, const char *const *topics, size_t n);

/** Consumes exactly these partitions (no group membership). Offsets: an offset,
 * KFK_OFFSET_BEGINNING, KFK_OFFSET_END or KFK_OFFSET_STORED (the group's commit when group.id is
 * set, else auto.offset.reset). Replaces any previous assignment. KFK_ERR__INVALID_ARG (any
 * entry without a topic, with a negative partition or another negative offset) changes
 * nothing. */
KFK_EXTERN kfk_err_t kfk_consumer_assign(kfk_consumer_t *c, const kfk_topic_partition_t *parts,
                                         size_t n);

/** Moves an assigned partition's position (an offset, or a KFK_OFFSET_* as in
 * kfk_consumer_assign, else KFK_ERR__INVALID_ARG); buffered records are dropped. */
KFK_EXTERN kfk_err_t kfk_consumer_seek(kfk_consumer_t *c, const char *topic, int32_t partition,
                                       int64_t offset);

/**
 * The result of kfk_consumer_seek_timestamp: @p offset is where the partition now starts (the
 * first record whose timestamp is at or after the time, or the end offset when there is none),
 * with @p err 0; or @p err says why not (offset -1). @p topic is valid during the call.
 */
typedef void (*kfk_seek_cb)(kfk_consumer_t *c, const char *topic, int32_t partition, int64_t offset,
                            kfk_err_t err, void *opaque);

/**
 * Moves an assigned partition to the first record whose timestamp is at or after
 * @p timestamp_ms (ms since the epoch), found by ListOffsets with that time (Kafka's
 * offsetsForTimes); with no such record, to the end offset. Buffered records are dropped at
 * once; nothing of the partition is delivered until the offset is known. Asynchronous: @p cb
 * (may be NULL) is called once from the loop, never inside this call, with the offset, or with
 * an error: the broker's code for the partition when it is not retriable (the partition then
 * stops, and the consumer's error callback reports the cause as well; retriable codes are
 * retried on the retry backoff and reported there), KFK_ERR__TIMED_OUT when no answer settled
 * it within request.timeout.ms (the partition keeps asking on the retry backoff and starts at
 * the time's offset once one comes; seek again to go elsewhere), KFK_ERR__STATE when a later
 * seek replaced this one, KFK_ERR__UNKNOWN_PARTITION when the partition was revoked meanwhile,
 * KFK_ERR__DESTROYED when the consumer closed. Errors returned (no callback then):
 * KFK_ERR__UNKNOWN_PARTITION (not assigned), KFK_ERR__INVALID_ARG (a negative time),
 * KFK_ERR__DESTROYED (closing), KFK_ERR__NOMEM.
 */
KFK_EXTERN kfk_err_t kfk_consumer_seek_timestamp(kfk_consumer_t *c, const char *topic,
                                                 int32_t partition, int64_t timestamp_ms,
                                                 kfk_seek_cb cb, void *opaque);

/** Stops fetching and delivering one assigned partition (until kfk_consumer_resume). */
KFK_EXTERN kfk_err_t kfk_consumer_pause(kfk_consumer_t *c, const char *topic, int32_t partition);
/** Restarts fetching and delivering a partition stopped by kfk_consumer_pause. */
KFK_EXTERN kfk_err_t kfk_consumer_resume(kfk_consumer_t *c, const char *topic, int32_t partition);

/** Sets the rebalance callback (before subscribe). */
KFK_EXTERN void kfk_consumer_set_rebalance_cb(kfk_consumer_t *c, kfk_rebalance_cb cb, void *opaque);

/**
 * An error of one partition of a consumer, handed to the kfk_consumer_error_cb.
 *
 * Two kinds. An unusable answer (@p attempt >= 1): the partition's data at @p offset cannot be
 * used (a batch with a bad CRC, a length past the end, an impossible record count, a malformed
 * record, a codec that fails, a batch that inflates past the cap): @p err is KFK_ERR__CRC,
 * KFK_ERR__BAD_MSG, KFK_ERR__DECOMPRESS or KFK_ERR__UNSUPPORTED_COMPRESSION. The partition
 * fetches that offset again after retry.backoff.ms (doubling up to retry.backoff.max.ms, with
 * jitter); after 5 unusable answers in a row at the same offset it stops (@p stopped non-zero):
 * no more Fetch for it, records after the bad ones are not skipped. A batch that inflates past
 * the cap (min(fetch.max.bytes, 32 MiB) per batch) or uses a codec not built in stops it at
 * once: the same bytes would fail the same way. kfk_consumer_seek restarts
 * it (at the same offset to try again, past the bad data to skip it: the application decides).
 * A partition also stops at once when auto.offset.reset=error has no offset to start from.
 * A transient cause (@p attempt 0, never stopped): no leader, an unknown topic, the leader's
 * broker unreachable, a broker error code for the partition, a Fetch answer that does not
 * decode; kfk keeps retrying with the same backoff, and reports each cause once until the
 * partition gets a usable answer again.
 *
 * Errors of the group member come the same way with @p topic NULL and @p partition -1: no
 * coordinator (FindCoordinator failing or not decoding), JoinGroup, SyncGroup or OffsetFetch
 * failing, an offset commit failing. They are retried with the same backoff and reported once
 * per cause until the member is assigned again; @p stopped non-zero means the member cannot go
 * on (GROUP_AUTHORIZATION_FAILED, FENCED_INSTANCE_ID, INVALID_GROUP_ID, ...): the consumer
 * gets no more partitions and should be closed.
 */
typedef struct kfk_consumer_error {
    kfk_err_t err;     /**< the cause's code */
    const char *topic; /**< the partition's topic; NULL for an error of the group */
    int32_t partition; /**< the partition; -1 for an error of the group */
    int64_t offset;    /**< where the unusable data starts; -1 for a transient cause */
    /** The cause in one line, without the topic and partition, e.g. "malformed record batch at
     * offset 42: record length 900 past the batch end (77 bytes left)". */
    const char *msg;
    int attempt; /**< unusable answers in a row at @p offset (1..5); 0 for a transient cause */
    int stopped; /**< non-zero: the partition is stopped until kfk_consumer_seek */
    /** The offset after the unusable batch as its header says, or -1 when unknown: to skip the
     * bad data, seek there (a broker answers with whole batches, so a seek inside the batch
     * fetches the same bad batch again). */
    int64_t next_offset;
} kfk_consumer_error_t;

/** Consumer error callback: @p e and its strings are valid during the call only. Called from
 * the loop (never inside a kfk call); may seek, pause, reassign or close the consumer. */
typedef void (*kfk_consumer_error_cb)(kfk_consumer_t *c, const kfk_consumer_error_t *e,
                                      void *opaque);

/** Sets the error callback (NULL: none; errors are then only logged). */
KFK_EXTERN void kfk_consumer_set_error_cb(kfk_consumer_t *c, kfk_consumer_error_cb cb,
                                          void *opaque);

/** Sets a decoder for typed batches (before start). */
KFK_EXTERN void kfk_consumer_set_decoder(kfk_consumer_t *c, kfk_decode_cb decode,
                                         kfk_free_cb free_obj, void *opaque);

/** Starts delivering batches to @p cb. */
KFK_EXTERN kfk_err_t kfk_consumer_start(kfk_consumer_t *c, kfk_batch_cb cb, void *opaque);

/** Commits the done watermark of every partition now; @p cb (may be NULL) runs once, with the
 * outcome of the first OffsetCommit carrying the watermarks as they are at the call, or
 * KFK_ERR__TIMED_OUT when none could be sent within request.timeout.ms (no coordinator, a
 * rebalance; the error callback says which). */
KFK_EXTERN kfk_err_t kfk_consumer_commit(kfk_consumer_t *c, kfk_commit_cb cb, void *opaque);

/** An offset to commit explicitly (kfk_consumer_commit_offsets). */
typedef struct kfk_commit_offset {
    const char *topic;    /**< the topic */
    int32_t partition;    /**< the partition */
    int64_t offset;       /**< the next offset to read (the last processed + 1), >= 0 */
    const char *metadata; /**< stored with the offset (NULL: ""); the broker caps its length
                               (offset.metadata.max.bytes, 4096 by default) */
} kfk_commit_offset_t;

/**
 * Commits exactly these offsets for group.id, with their metadata strings, beside (and
 * independent of) the done-watermark commits: for applications that keep their own offset store
 * or commit what they choose. Nothing is copied from the batches; @p offsets and its strings are
 * copied before this returns. The OffsetCommit goes out from the loop once the coordinator is
 * known and, for a subscribed member, while it is in a stable generation; an offset lower than
 * what was committed before is committed as given (the group's offset moves back). A
 * successful commit of an assigned partition past its done watermark also keeps the watermark
 * commits from committing lower offsets. @p cb (may be NULL) runs once, never inside this call:
 * 0 when every offset was committed; else the first partition's error (e.g.
 * OFFSET_METADATA_TOO_LARGE, ILLEGAL_GENERATION after a rebalance, UNKNOWN_MEMBER_ID), the
 * request's (KFK_ERR__TRANSPORT, ...), KFK_ERR__TIMED_OUT when it could not be sent within
 * request.timeout.ms, or KFK_ERR__DESTROYED when the consumer closed first. Errors returned (no
 * callback then): KFK_ERR__INVALID_CONF (no group.id), KFK_ERR__INVALID_ARG (no offsets, a
 * NULL or empty topic, a negative partition or offset), KFK_ERR__DESTROYED (closing),
 * KFK_ERR__NOMEM.
 */
KFK_EXTERN kfk_err_t kfk_consumer_commit_offsets(kfk_consumer_t *c,
                                                 const kfk_commit_offset_t *offsets, size_t n,
                                                 kfk_commit_cb cb, void *opaque);

/* ---- consume-transform-produce: a batch's offsets in a producer's transaction ------------- */

/** A consumer group member's identity at a moment (Java's ConsumerGroupMetadata, KIP-447). */
typedef struct kfk_group_metadata {
    const char *group_id;          /**< group.id */
    int32_t generation_id;         /**< the member's generation; -1 without membership */
    const char *member_id;         /**< the id the coordinator gave it; "" without membership */
    const char *group_instance_id; /**< group.instance.id of a static member; NULL otherwise */
} kfk_group_metadata_t;

/**
 * Fills @p out with @p c's group identity now, for kfk_producer_send_offsets_to_txn: a
 * subscribed member's generation and member id (KIP-447 fencing of zombie members), or
 * generation -1 and "" for assigned partitions. Strings are valid until the next rebalance or
 * the close. KFK_ERR__INVALID_CONF without group.id, KFK_ERR__STATE while a subscribed member
 * is not in a stable generation (joining, rebalancing), KFK_ERR__INVALID_ARG.
 */
KFK_EXTERN kfk_err_t kfk_consumer_group_metadata(const kfk_consumer_t *c,
                                                 kfk_group_metadata_t *out);

/**
 * Writes the offsets that commit @p batch (per partition: its last record's offset + 1) to
 * @p out, at most @p max entries; returns how many partitions the batch has. Topic strings live
 * as long as the consumer; metadata is NULL.
 */
KFK_EXTERN size_t kfk_batch_offsets(const kfk_batch_t *batch, kfk_commit_offset_t *out, size_t max);

/**
 * With @p on, @p c commits nothing itself (neither after kfk_batch_done nor at a rebalance or
 * the close): its offsets go into a producer's transactions (kfk_producer_send_offsets_to_txn)
 * and become the group's when a transaction commits. Done batches still advance the partition
 * and a batch done with an error is delivered again (what an aborted transaction needs).
 */
KFK_EXTERN void kfk_consumer_set_offsets_in_txn(kfk_consumer_t *c, int on);

/**
 * Adds consumer group offsets to the open transaction of @p p (AddOffsetsToTxn, then
 * TxnOffsetCommit to the group's coordinator with @p group's generation and member id): they
 * become the group's committed offsets when the transaction commits, and never if it aborts.
 * @p offsets and @p group are copied. @p cb (not NULL) follows: KFK_TXN_OK; KFK_TXN_ABORTABLE
 * (ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID or FENCED_INSTANCE_ID after a rebalance, an
 * authorization error: abort); KFK_TXN_RETRIABLE (not done within transaction.timeout.ms:
 * call again); KFK_TXN_FATAL (fenced). Returns, with no callback: KFK_ERR__INVALID_ARG (no
 * offsets, an empty topic, a negative partition or offset, no group id), KFK_ERR__STATE (no
 * transaction open, or another call in progress), KFK_ERR__FATAL, KFK_ERR__DESTROYED,
 * KFK_ERR__NOMEM.
 */
KFK_EXTERN kfk_err_t kfk_producer_send_offsets_to_txn(kfk_producer_t *p,
                                                      const kfk_commit_offset_t *offsets, size_t n,
                                                      const kfk_group_metadata_t *group,
                                                      kfk_txn_cb cb, void *opaque);

/**
 * The next offset @p c delivers for an assigned partition (*position, -1 while unknown) and the
 * partition's high watermark from the last fetch (*high_watermark, -1 while unknown).
 * KFK_ERR__UNKNOWN_PARTITION when the partition is not assigned.
 */
KFK_EXTERN kfk_err_t kfk_consumer_position(const kfk_consumer_t *c, const char *topic,
                                           int32_t partition, int64_t *position,
                                           int64_t *high_watermark);

/** Writes up to @p max assigned partitions (offset: the position) to @p out; returns how many
 * are assigned. Topic strings are valid until the assignment changes. */
KFK_EXTERN size_t kfk_consumer_assignment(const kfk_consumer_t *c, kfk_topic_partition_t *out,
                                          size_t max);

/** Number of delivered batches not yet done. */
KFK_EXTERN size_t kfk_consumer_outstanding(const kfk_consumer_t *c);

/** The committed (done) watermark kfk knows for a partition, or -1. */
KFK_EXTERN int64_t kfk_consumer_committed(const kfk_consumer_t *c, const char *topic,
                                          int32_t partition);

/**
 * Closes @p c: stops fetching and delivering, waits up to the close timeout
 * (kfk_consumer_set_close_timeout; default max.poll.interval.ms) for outstanding batches to be
 * done, commits what is done, leaves the group (dynamic members); commit callbacks still
 * pending run with KFK_ERR__DESTROYED; connections close, then @p cb runs (may be NULL, never
 * inside this call) and the memory is freed after it returns. Batches not done by then are
 * void: calling kfk_batch_done on them before @p cb returns is allowed and ignored. Legal from
 * inside any consumer callback; a second call is ignored.
 */
KFK_EXTERN void kfk_consumer_close(kfk_consumer_t *c, kfk_consumer_close_cb cb, void *opaque);

/**
 * Bounds how long kfk_consumer_close waits for outstanding batches: @p timeout_ms >= 0
 * milliseconds, < 0 the default (max.poll.interval.ms). Read when kfk_consumer_close is called.
 */
KFK_EXTERN void kfk_consumer_set_close_timeout(kfk_consumer_t *c, int64_t timeout_ms);

/** The user pointer of @p c (NULL until kfk_consumer_set_data). */
KFK_EXTERN void *kfk_consumer_get_data(const kfk_consumer_t *c);

/** Sets the user pointer of @p c; kfk never reads it. */
KFK_EXTERN void kfk_consumer_set_data(kfk_consumer_t *c, void *data);

/** msgpack-c's unpacked value (include <msgpack.h> to use it). */
struct msgpack_unpacked;

/**
 * Decodes @p m's value as msgpack into @p out (initialized by the caller with
 * msgpack_unpacked_init and destroyed with msgpack_unpacked_destroy). KFK_ERR__VALUE_DECODE when
 * the value is null, not msgpack, or has trailing bytes.
 */
KFK_EXTERN kfk_err_t kfk_message_msgpack(const kfk_message_t *m, struct msgpack_unpacked *out);

/** msgpack-c's object (include <msgpack.h> to use it). */
struct msgpack_object;

/**
 * Appends @p o as JSON text to @p out (the caller's buffer, kfk_wbuf_init'ed; the caller frees
 * it): maps, arrays, strings, numbers (64-bit integers exact), booleans and nil as themselves,
 * binaries as JSON strings, non-string map keys as their JSON text. Returns KFK_ERR__INVALID_ARG
 * for a NULL argument, else @p out's sticky error: KFK_ERR__NOMEM when it could not grow,
 * KFK_ERR_NONE when all was written. No callback.
 */
KFK_EXTERN kfk_err_t kfk_msgpack_to_json(const struct msgpack_object *o, kfk_wbuf_t *out);

/**
 * The value at dotted @p path ("user.id") in @p obj: each segment names a string key of a map,
 * or (digits) an index of an array; "" is @p obj itself. Returns a pointer into @p obj (valid as
 * long as @p obj is: its msgpack_unpacked or zone), or NULL when a segment is missing, @p obj or
 * @p path is NULL, or a segment is empty ("a..b").
 */
KFK_EXTERN const struct msgpack_object *kfk_msgpack_get(const struct msgpack_object *obj,
                                                        const char *path);

/* ============================================================================================
 * Redis lock: a lease on one key of one Redis server, with fencing numbers
 * ========================================================================================== */

/**
 * A distributed lock on one Redis server (a single instance: not Redlock, and not safe with a
 * replica that can be promoted), driven by the caller's loop through hiredis. A kfk_lock_t has
 * its own Redis connection and holds at most one key at a time.
 *
 * Acquiring runs `SET key token NX PX ttl` and, when granted, `INCR key:fence` in one Lua
 * script (atomic: fencing numbers rise in the order the lock is granted). The token is 16
 * random bytes (OpenSSL RAND_bytes) in hex, new for every acquisition. While held the lease is
 * renewed every renew_interval_ms by a script that runs PEXPIRE only if the key still holds the
 * token; release deletes the key only if it still holds the token, so a holder whose lease
 * expired never touches the next holder's key.
 *
 * The lease also ends locally: at a deadline on the monotonic clock (uv_hrtime) of
 * ttl_ms - safety_margin_ms after the acquiring or last successful renewing command was *sent*.
 * Redis can expire the key no earlier than ttl_ms after it ran that command, so the holder stops
 * at least safety_margin_ms before Redis lets anyone else in, even when Redis is unreachable or
 * the loop was blocked. A lease is lost when a renewal is refused (not owner), fails, or times
 * out, or when the deadline passes first; kfk_lock_is_held() turns false at once and the
 * lost callback follows on the loop. A lock cannot make a holder that was paused past its
 * deadline stop in time: pass the fence to the protected resource and have it refuse numbers
 * lower than the highest it has seen. Fencing numbers live in Redis: a Redis restart without
 * persistence (or a failover) starts them again, and lets a second owner in early.
 *
 * Redis commands time out after command_timeout_ms (kfk's own timer); a timeout closes the
 * connection and fails every command on it. There is no background reconnection: the next
 * command (an acquire, a renewal, a release) opens a new connection, resolving a host name with
 * uv_getaddrinfo, then sends AUTH and SELECT when configured before anything else. hiredis
 * writes with write(2): as in any libuv program, ignore SIGPIPE.
 */
typedef struct kfk_lock kfk_lock_t;

/**
 * Options of kfk_lock_new; start from KFK_LOCK_OPTS_INIT. A zero field takes its default.
 * Strings are copied by kfk_lock_new. New fields are only ever added at the end.
 */
typedef struct kfk_lock_opts {
    /** sizeof(kfk_lock_opts_t) as the caller was built: set by KFK_LOCK_OPTS_INIT. */
    size_t struct_size;
    /** "host:port" ("[v6addr]:port"; the port defaults to 6379) or "unix:/path/to/socket". */
    const char *redis;
    /** ACL user name sent with AUTH (NULL: AUTH with the password only). */
    const char *username;
    /** Password: AUTH after connecting when non-NULL. */
    const char *password;
    /** Database number: SELECT after connecting when > 0. */
    int db;
    /** Lease time in Redis (PX), default 30000. */
    int64_t ttl_ms;
    /** Renewal period, default ttl_ms / 3; must be below ttl_ms - safety_margin_ms. */
    int64_t renew_interval_ms;
    /** Time a Redis command may take, default renew_interval_ms capped at 5000. */
    int64_t command_timeout_ms;
    /** How long before Redis' expiry the local lease ends: default ttl_ms / 10, at least 250
     * (but at most ttl_ms / 4). It absorbs a clock-rate difference with the Redis host, a small
     * clock step there, timer lateness and the holder's own latency. Must be below ttl_ms. */
    int64_t safety_margin_ms;
    /** Logging (log callback, log_level, the "lock" debug context, client.id as the name);
     * NULL: warnings and errors to stderr. Only those settings are copied. */
    const kfk_conf_t *conf;
} kfk_lock_opts_t;

/** Every option at its default (times computed from ttl_ms 30000); set .redis before use. */
#define KFK_LOCK_OPTS_INIT                                                                         \
    { sizeof(kfk_lock_opts_t), NULL, NULL, NULL, 0, 30000, 0, 0, 0, NULL }

/**
 * The outcome of kfk_lock_acquire: @p err 0 with the acquisition's fencing number in @p fence
 * (> 0, rising with every grant of the key), KFK_ERR__LOCK_HELD when another owner holds the
 * key (nothing was changed: the caller decides whether to try again), KFK_ERR__REDIS (connection
 * refused or lost, AUTH or SELECT refused, an error reply), KFK_ERR__TIMED_OUT (no answer within
 * command_timeout_ms, or the grant came back after its own deadline), KFK_ERR__DESTROYED (the lock
 * was closed first; a grant that arrives then is released).
 */
typedef void (*kfk_lock_acquire_cb)(kfk_lock_t *lock, kfk_err_t err, int64_t fence, void *opaque);

/**
 * The outcome of kfk_lock_release: 0 (the key was ours and is deleted), KFK_ERR__LOCK_LOST (the
 * lease had been lost, or the key no longer holds our token: it expired and may belong to
 * someone else, who is left alone), KFK_ERR__REDIS / KFK_ERR__TIMED_OUT (the delete may not have
 * happened: the key then expires by itself, and this lock deletes it first on its next acquire
 * or close), KFK_ERR__DESTROYED (closed meanwhile).
 */
typedef void (*kfk_lock_release_cb)(kfk_lock_t *lock, kfk_err_t err, void *opaque);

/**
 * The lease was lost while held: @p reason is KFK_ERR__LOCK_LOST (a renewal was refused: the key
 * expired or holds another token), KFK_ERR__TIMED_OUT (the local deadline passed, or a renewal
 * got no answer in time), or KFK_ERR__REDIS (a renewal failed: connection, error reply). Stop
 * using the protected resource. Not called after kfk_lock_release or kfk_lock_close.
 */
typedef void (*kfk_lock_lost_cb)(kfk_lock_t *lock, kfk_err_t reason, void *opaque);

/** Called once kfk_lock_close finished (every internal handle closed); the memory is freed
 * after it returns. */
typedef void (*kfk_lock_close_cb)(kfk_lock_t *lock, void *opaque);

/**
 * Creates a lock on @p loop (which the caller runs); nothing is sent before the first acquire.
 * @p opts and its strings are copied. Errors: KFK_ERR__INVALID_ARG (NULL arguments, a malformed
 * address, inconsistent times; @p errstr, which may be NULL, says which), KFK_ERR__NOMEM. No
 * callback follows. Free with kfk_lock_close.
 */
KFK_EXTERN kfk_err_t kfk_lock_new(uv_loop_t *loop, const kfk_lock_opts_t *opts, kfk_lock_t **out,
                                  char *errstr, size_t errstr_size);

/**
 * Tries once to take @p key (copied; the fence counter is "<key>:fence"). @p cb runs exactly once,
 * later, on the loop (see kfk_lock_acquire_cb). A token left by a lost lease or a failed release
 * is deleted first (only if the key still holds it). Returns, with no callback:
 * KFK_ERR__INVALID_ARG (NULL or empty key, NULL cb), KFK_ERR__STATE (held, or an acquire or
 * release in progress), KFK_ERR__DESTROYED (after close), KFK_ERR__NOMEM, KFK_ERR__FATAL (no
 * random bytes).
 */
KFK_EXTERN kfk_err_t kfk_lock_acquire(kfk_lock_t *lock, const char *key, kfk_lock_acquire_cb cb,
                                      void *opaque);

/** Sets (or, with NULL, clears) the callback run when a held lease is lost. */
KFK_EXTERN void kfk_lock_set_lost_cb(kfk_lock_t *lock, kfk_lock_lost_cb cb, void *opaque);

/**
 * True (1) when the lease is held right now: acquired, not released, not lost, and its deadline
 * on the monotonic clock not passed (checked at the call, so it is false as soon as the deadline
 * passes, even while the loop is blocked and before the lost callback has run).
 */
KFK_EXTERN int kfk_lock_is_held(const kfk_lock_t *lock);

/** Milliseconds left before the local deadline (0 when not held). */
KFK_EXTERN int64_t kfk_lock_remaining_ms(const kfk_lock_t *lock);

/** The fencing number of the last granted acquisition (0 before the first). */
KFK_EXTERN int64_t kfk_lock_fence(const kfk_lock_t *lock);

/** The key of the lease held or lost last, or NULL after a release and before the first
 * grant. Valid until the next acquire, release or close. */
KFK_EXTERN const char *kfk_lock_key(const kfk_lock_t *lock);
/** The token (32 hex characters) of the lease held or lost last, or NULL after a release and
 * before the first grant. Valid until the next acquire, release or close. */
KFK_EXTERN const char *kfk_lock_token(const kfk_lock_t *lock);

/** The cause of the lock's last failure in words, "" before any: "redis 127.0.0.1:6379:
 * Connection refused", "redis host:6379: no answer within 5000 ms", "lock K (fence 7) lost:
 * renewal failed: ...". Valid until the next call on the lock. */
KFK_EXTERN const char *kfk_lock_last_error(const kfk_lock_t *lock);

/**
 * Ends the lease (held, or lost and not yet released): renewals stop at once, is_held() turns
 * false, and the key is deleted if it still holds our token. @p cb (may be NULL) runs once, later
 * (see kfk_lock_release_cb). Returns, with no callback: KFK_ERR__STATE (nothing to release, or an
 * acquire or release in progress), KFK_ERR__DESTROYED (after close), KFK_ERR__NOMEM.
 */
KFK_EXTERN kfk_err_t kfk_lock_release(kfk_lock_t *lock, kfk_lock_release_cb cb, void *opaque);

/**
 * Closes @p lock: no lost callback any more; a lease still held (or lost but possibly still in
 * Redis) is released; pending acquire and release callbacks run with KFK_ERR__DESTROYED; then
 * the connection and timers close, @p cb (may be NULL, never inside this call) runs and the
 * memory is freed after it returns. Bounded by command_timeout_ms when Redis does not answer.
 * Legal from inside any lock callback; a second call is ignored.
 */
KFK_EXTERN void kfk_lock_close(kfk_lock_t *lock, kfk_lock_close_cb cb, void *opaque);

/** The user pointer of @p lock (NULL until kfk_lock_set_data). */
KFK_EXTERN void *kfk_lock_get_data(const kfk_lock_t *lock);

/** Sets the user pointer of @p lock; kfk never reads it. */
KFK_EXTERN void kfk_lock_set_data(kfk_lock_t *lock, void *data);

/* ============================================================================================
 * Partition worker: one partition behind a Redis lock (the seeds' "consumer maker")
 * ========================================================================================== */

/**
 * A partition worker: consumes one partition while it holds that partition's Redis lock.
 *
 * Why the lock and not group membership keeps workers apart: the seeds run one process per
 * partition, each told its partition, and want a second process on the same partition to exit
 * at once rather than join, wait for a rebalance and be handed some other partition. A group
 * member cannot pick its partition, and a rebalance pauses every member. So the worker assigns
 * its partition by hand (no JoinGroup, no heartbeats), commits with the simple commit of
 * group.id (generation -1), and the Redis lock with its fencing number is the only thing that
 * says which process owns the partition; commits stop when the lock's lease ends.
 */
typedef struct kfk_worker kfk_worker_t;

/**
 * Which partition, and the lock: key "<lock_prefix>:<group.id>:<topic>:<partition>". Start from
 * KFK_WORKER_OPTS_INIT; everything is copied by kfk_worker_new. New fields are only ever added
 * at the end. The lock's options are pointed to (not embedded) so that either struct can grow.
 */
typedef struct kfk_worker_opts {
    /** sizeof(kfk_worker_opts_t) as the caller was built: set by KFK_WORKER_OPTS_INIT. */
    size_t struct_size;
    const char *topic;           /**< the topic (needed) */
    int32_t partition;           /**< the partition consumed */
    const char *lock_prefix;     /**< NULL: "kfk:lock" */
    const kfk_lock_opts_t *lock; /**< Redis address, TTL, ... (needed); conf NULL: the worker's */
    /** Typed batches (NULL: untyped): set on the worker's consumer as kfk_consumer_set_decoder
     * does, so each record of a batch comes with its object in kfk_message_t.decoded, or with
     * its own decode error in kfk_message_t.err (the batch is still delivered). */
    kfk_decode_cb decode;
    /** Frees an object made by decode when its batch is done (may be NULL; needs decode). */
    kfk_free_cb free_obj;
    /** Passed to decode and free_obj; must stay valid while batches may be freed (until every
     * batch handed out is done and the worker is closed). */
    void *decode_opaque;
    /**
     * Consume-transform-produce (NULL: the worker commits its offsets itself): a producer with
     * a transactional.id of this partition's own (e.g. from kfk_worker_lock_key), not yet
     * initialised, owned by the caller and kept open until the worker finished. Once the lock
     * is taken the worker calls kfk_producer_init_txns on it, which fences the producer of any
     * earlier holder and ends its open transaction, and only then reads the group's committed
     * offset and starts consuming; the worker commits nothing itself
     * (kfk_consumer_set_offsets_in_txn): the handler sends each batch's output and offsets
     * (kfk_batch_offsets, kfk_consumer_group_metadata of kfk_worker_consumer,
     * kfk_producer_send_offsets_to_txn) in one transaction, commits it, then marks the batch
     * done (with an error after an abort: the batch comes again). A worker that lost its lock
     * is a zombie whose commit fails as fenced once the next holder started. An init that
     * fails ends the worker with its error (kfk_worker_errstr says why).
     */
    kfk_producer_t *txn_producer;
} kfk_worker_opts_t;

/** Every option at its default; set .topic, .partition and .lock before use. */
#define KFK_WORKER_OPTS_INIT                                                                       \
    { sizeof(kfk_worker_opts_t), NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL }

/**
 * The worker finished by itself (not called after kfk_worker_close): @p err is
 * KFK_ERR__LOCK_HELD when another worker holds the lock (nothing was consumed),
 * KFK_ERR__LOCK_LOST when the lock was lost (delivery stopped at once, nothing committed after
 * the lease ended; a batch still in processing stays valid until it is marked done, which then
 * commits nothing, or until max.poll.interval.ms), KFK_ERR__MAX_POLL_EXCEEDED when a batch was
 * not marked done within max.poll.interval.ms of its delivery (the progress deadline: the lock
 * was released at once, so that the next worker gets the partition and that batch's records;
 * nothing of the batch was committed; it stays valid, and a late kfk_batch_done on it is
 * harmless: it only frees it, even after kfk_worker_close), or the error that stopped it.
 * kfk_worker_errstr says why in words. Its consumer and lock are closed by then; the worker
 * itself stays allocated until kfk_worker_close (which may be called from here). Other batches
 * not marked done by then are void (do not mark them done afterwards).
 */
typedef void (*kfk_worker_done_cb)(kfk_worker_t *w, kfk_err_t err, void *opaque);

/** Called once kfk_worker_close finished; the memory is freed after it returns. */
typedef void (*kfk_worker_close_cb)(kfk_worker_t *w, void *opaque);

/**
 * Creates and starts a worker on @p loop: takes the lock, then consumes @p opts->partition of
 * @p opts->topic from the group's committed offset (else auto.offset.reset) in batches of
 * max.poll.records, committing the done watermark after each kfk_batch_done with the simple
 * (non-member) commit of group.id, while the lock is renewed (typed batches with
 * opts->decode). A batch must be marked done within max.poll.interval.ms (default 300000):
 * otherwise the worker releases the lock and finishes with KFK_ERR__MAX_POLL_EXCEEDED (see
 * kfk_worker_done_cb), so that a hung handler cannot hold the partition. The next batch is
 * handed to @p batch_cb only once the broker acknowledged the commit of the previous one
 * (always, as batch.commit.wait=true), so a worker killed at any point re-reads at most the
 * batch it was processing; a failed commit is retried on the retry backoff with no batch
 * handed out meanwhile. @p conf needs group.id. Returns KFK_ERR__INVALID_CONF / _INVALID_ARG
 * (also for opts->struct_size 0, or free_obj without decode) / _NOMEM with errstr (no object,
 * no callback); otherwise @p done_cb (may be NULL) runs at most once, later, if the worker
 * finishes by itself, and the worker is ended with kfk_worker_close.
 */
KFK_EXTERN kfk_err_t kfk_worker_new(uv_loop_t *loop, const kfk_conf_t *conf,
                                    const kfk_worker_opts_t *opts, kfk_batch_cb batch_cb,
                                    kfk_worker_done_cb done_cb, void *opaque, kfk_worker_t **out,
                                    char *errstr, size_t errstr_size);

/**
 * Closes @p w: no more batches; waits up to the close timeout (kfk_worker_set_close_timeout;
 * default max.poll.interval.ms) for undone batches (one that reaches max.poll.interval.ms
 * since its delivery meanwhile is given up: never committed, valid until marked done), commits
 * what is done (while the lease lasts), releases the lock, closes the consumer and the lock; then
 * @p cb (may be NULL, never inside this call) runs and the memory is freed after it returns.
 * done_cb is not called after this. Batches not done by then are void. Legal at any time, from
 * inside any callback (the batch and done callbacks included); a second call is ignored.
 */
KFK_EXTERN void kfk_worker_close(kfk_worker_t *w, kfk_worker_close_cb cb, void *opaque);

/** Bounds how long kfk_worker_close waits for undone batches: @p timeout_ms >= 0
 * milliseconds, < 0 the default (max.poll.interval.ms). Read when kfk_worker_close is called. */
KFK_EXTERN void kfk_worker_set_close_timeout(kfk_worker_t *w, int64_t timeout_ms);

/** The user pointer of @p w (NULL until kfk_worker_set_data). */
KFK_EXTERN void *kfk_worker_get_data(const kfk_worker_t *w);

/** Sets the user pointer of @p w; kfk never reads it. */
KFK_EXTERN void kfk_worker_set_data(kfk_worker_t *w, void *data);

/** The fencing number of the lock acquisition (-1 before it). */
KFK_EXTERN int64_t kfk_worker_fence(const kfk_worker_t *w);

/** The lock key ("kfk:lock:<group>:<topic>:<partition>"). */
KFK_EXTERN const char *kfk_worker_lock_key(const kfk_worker_t *w);

/** The worker's consumer (NULL before the lock is held and after it closed). Owned by the
 * worker: do not close it. */
KFK_EXTERN kfk_consumer_t *kfk_worker_consumer(const kfk_worker_t *w);

/**
 * Why @p w finished by itself, in words naming the cause (e.g. "handler did not finish the
 * batch of t [3] (offsets 10-19) within max.poll.interval.ms 5000: lock kfk:lock:g:t:3
 * released"), from done_cb on; "" before, and for a worker that finished by itself without an
 * error. Owned by @p w: valid until the close callback returns.
 */
KFK_EXTERN const char *kfk_worker_errstr(const kfk_worker_t *w);

/* ============================================================================================
 * Events: a Dispytch-compatible emitter and listener
 * ========================================================================================== */

/**
 * Envelopes: the wire form of an event, as each released Dispytch writes it, crossed with its two
 * serializers (JSON, its default, and msgpack with strings as str and binaries as bin):
 * - Dispytch 0.10 (KFK_ENVELOPE_JSON, KFK_ENVELOPE_MSGPACK; also named
 *   KFK_ENVELOPE_DISPYTCH_JSON / _MSGPACK): a map {id, type, body, timestamp}, id a UUID4 string,
 *   type the event type, body the event's fields, timestamp milliseconds since the epoch
 *   (optional when reading);
 * - Dispytch 0.9 (KFK_ENVELOPE_DISPYTCH09_*): {id, type, body}, no timestamp;
 * - none, Dispytch 0.11 (KFK_ENVELOPE_NONE_*): the record value is the event's fields themselves;
 *   there is no id and no type (a listener routes such events by topic).
 */
struct msgpack_object;

/** The envelope of events (see above): its layout and serializer. */
typedef enum kfk_envelope {
    KFK_ENVELOPE_EMITTER = -1,           /**< in kfk_event_def_opts_t only: the emitter's */
    KFK_ENVELOPE_JSON = 0,               /**< Dispytch 0.10's envelope as JSON text (its default) */
    KFK_ENVELOPE_MSGPACK = 1,            /**< Dispytch 0.10's envelope as msgpack */
    KFK_ENVELOPE_DISPYTCH09_JSON = 2,    /**< Dispytch 0.9's envelope (no timestamp) as JSON */
    KFK_ENVELOPE_DISPYTCH09_MSGPACK = 3, /**< Dispytch 0.9's envelope as msgpack */
    KFK_ENVELOPE_NONE_JSON = 4,          /**< no envelope (Dispytch 0.11): the event as JSON */
    KFK_ENVELOPE_NONE_MSGPACK = 5,       /**< no envelope (Dispytch 0.11): the event as msgpack */
    KFK_ENVELOPE_DISPYTCH_JSON = KFK_ENVELOPE_JSON,      /**< the same as KFK_ENVELOPE_JSON */
    KFK_ENVELOPE_DISPYTCH_MSGPACK = KFK_ENVELOPE_MSGPACK /**< the same as KFK_ENVELOPE_MSGPACK */
} kfk_envelope_t;

/**
 * The envelope named by @p format ("dispytch" or "dispytch-0.10", "dispytch-0.9", "none"; NULL:
 * "dispytch") and @p serializer ("json" or "msgpack"; NULL: json), as the CLI's --envelope and
 * --serializer take them. For the CLI's older spelling, @p format "json" or "msgpack" is the
 * Dispytch 0.10 envelope with that serializer (then @p serializer must be NULL or the same).
 * KFK_ERR__INVALID_ARG for any other name; no callback.
 */
KFK_EXTERN kfk_err_t kfk_envelope_parse(const char *format, const char *serializer,
                                        kfk_envelope_t *out);

/** An emitter: events as records, over a producer the caller owns. */
typedef struct kfk_emitter kfk_emitter_t;

/** Per-event options (all optional: pass NULL, or start from KFK_EMIT_OPTS_INIT). New fields
 * are only ever added at the end. */
typedef struct kfk_emit_opts {
    /** sizeof(kfk_emit_opts_t) as the caller was built: set by KFK_EMIT_OPTS_INIT. */
    size_t struct_size;
    /** dotted path into body ("user.id"): str() of its value (a string, integer or boolean) is
     * the key. With the Dispytch 0.9 envelope the path walks the envelope, as 0.9's partition_by
     * does ("body.user.id"; "id" and "type" are the envelope's); a path that starts with
     * neither walks the body. */
    const char *partition_by;
    const void *key;             /**< an explicit key instead (ignored with partition_by) */
    size_t key_len;              /**< bytes at key */
    int32_t partition;           /**< an explicit partition; 0 with has_partition = 0 means any */
    int has_partition;           /**< non-zero: send to partition */
    const kfk_header_t *headers; /**< extra record headers (NULL when header_cnt is 0) */
    size_t header_cnt;           /**< entries in headers */
    const char *id;              /**< NULL: a new UUID4 */
    int64_t timestamp;           /**< 0: now */
    char *errstr;       /**< when an emit is refused, why ("partition key template {user[id]}: field
                           user.id missing from the event"); NULL: not told */
    size_t errstr_size; /**< bytes at errstr */
} kfk_emit_opts_t;

/** Every option at its default (any partition, a new id, now). */
#define KFK_EMIT_OPTS_INIT                                                                         \
    { sizeof(kfk_emit_opts_t), NULL, NULL, 0, 0, 0, NULL, 0, NULL, 0, NULL, 0 }

/** Called once kfk_emitter_close finished; the memory is freed after it returns. */
typedef void (*kfk_emitter_close_cb)(kfk_emitter_t *e, void *opaque);

/** The outcome of one event: @p id is the envelope's id (valid during the call; "" for
 * envelopes without one, KFK_ENVELOPE_NONE_*). */
typedef void (*kfk_emit_cb)(kfk_emitter_t *e, kfk_err_t err, const char *id, int32_t partition,
                            int64_t offset, void *opaque);

/** Creates an emitter over @p p (not owned: close the emitter first, then the producer).
 * KFK_ERR__INVALID_ARG, KFK_ERR__NOMEM; no callback. */
KFK_EXTERN kfk_err_t kfk_emitter_new(kfk_producer_t *p, kfk_envelope_t envelope,
                                     kfk_emitter_t **out);

/**
 * Closes @p e: new emits are refused (KFK_ERR__DESTROYED); the events in flight keep going and
 * their callbacks run with their outcome as the producer reports it (within its
 * delivery.timeout.ms, or KFK_ERR__DESTROYED when the producer is closed meanwhile); after the
 * last one @p cb (may be NULL, never inside this call) runs and the memory is freed after it
 * returns. Legal from inside any callback; a second call is ignored.
 */
KFK_EXTERN void kfk_emitter_close(kfk_emitter_t *e, kfk_emitter_close_cb cb, void *opaque);

/** The user pointer of @p e (NULL until kfk_emitter_set_data). */
KFK_EXTERN void *kfk_emitter_get_data(const kfk_emitter_t *e);

/** Sets the user pointer of @p e; kfk never reads it. */
KFK_EXTERN void kfk_emitter_set_data(kfk_emitter_t *e, void *data);

/**
 * Emits an event whose body is JSON text (an object). Returns, with no callback:
 * KFK_ERR__VALUE_DECODE (not a JSON object, or nested deeper than a listener reads: 31 levels
 * inside an envelope, 32 with none), KFK_ERR__KEY_PATH (partition_by missing or not a scalar),
 * KFK_ERR__INVALID_ARG (also @p opts with struct_size 0), KFK_ERR__DESTROYED (after
 * kfk_emitter_close), or the producer's refusals (KFK_ERR__QUEUE_FULL, ...). Otherwise @p cb runs
 * once, after the producer's own retries within delivery.timeout.ms.
 */
KFK_EXTERN kfk_err_t kfk_emitter_emit_json(kfk_emitter_t *e, const char *topic, const char *type,
                                           const char *body_json, size_t body_len,
                                           const kfk_emit_opts_t *opts, kfk_emit_cb cb,
                                           void *opaque);

/** As kfk_emitter_emit_json with the body as packed msgpack bytes (a map). */
KFK_EXTERN kfk_err_t kfk_emitter_emit_msgpack(kfk_emitter_t *e, const char *topic, const char *type,
                                              const void *body, size_t body_len,
                                              const kfk_emit_opts_t *opts, kfk_emit_cb cb,
                                              void *opaque);

/** As kfk_emitter_emit_json with the body packed by @p pack (the seeds' "Producible"). */
KFK_EXTERN kfk_err_t kfk_emitter_emit_pack(kfk_emitter_t *e, const char *topic, const char *type,
                                           kfk_pack_cb pack, const void *obj, void *pack_opaque,
                                           const kfk_emit_opts_t *opts, kfk_emit_cb cb,
                                           void *opaque);

/**
 * A declared event: what Dispytch declares once per event class (__topic__, __event_type__,
 * __partition_by__, KafkaEventRoute, KafkaEventConfig(partition_key=...)), made once and emitted
 * many times with kfk_emitter_emit_event_json / _msgpack / _pack. Immutable once made: one
 * definition may serve any number of emitters.
 */
typedef struct kfk_event_def kfk_event_def_t;

/**
 * What a declared event is (start from KFK_EVENT_DEF_OPTS_INIT; new fields are only ever added at
 * the end).
 *
 * Templates (topic, partition_key) are Python str.format strings as Dispytch 0.11 fills them from
 * the event's fields: literal text with {{ and }} escapes and fields such as {region},
 * {user[id]} or {user.id} (both read the field id of the map user; a key of digits,
 * {items[0]}, indexes an array), optionally with !s, !r or !a; no format specs. A value is
 * written as Python's str() writes it: integers in decimal, strings as they are, True, False,
 * None, floats in their shortest form (1.5, 1e+16), containers as Python's repr ({'id': 1}).
 */
typedef struct kfk_event_def_opts {
    /** sizeof(kfk_event_def_opts_t) as the caller was built: set by KFK_EVENT_DEF_OPTS_INIT. */
    size_t struct_size;
    const char *topic;         /**< the topic, or a template ("users.{region}"); required */
    const char *type;          /**< the event type; required unless the envelope is none (where
                                  it is not sent) */
    const char *partition_by;  /**< a dotted path, as kfk_emit_opts_t.partition_by */
    const char *partition_key; /**< or a key template ("{user[id]}"); at most one of the two */
    kfk_envelope_t envelope;   /**< KFK_ENVELOPE_EMITTER (default): the emitter's */
} kfk_event_def_opts_t;

/** A definition with no topic, type or key yet, in the emitter's envelope. */
#define KFK_EVENT_DEF_OPTS_INIT                                                                    \
    { sizeof(kfk_event_def_opts_t), NULL, NULL, NULL, NULL, KFK_ENVELOPE_EMITTER }

/**
 * Makes a declared event from @p opts (its strings are copied). KFK_ERR__INVALID_ARG with the
 * reason in @p errstr (may be NULL) for a missing topic or type, both partition_by and
 * partition_key, a malformed template ("topic template users.{: ..."), an unknown envelope or
 * struct_size 0; KFK_ERR__NOMEM. Free with kfk_event_def_free.
 */
KFK_EXTERN kfk_err_t kfk_event_def_new(const kfk_event_def_opts_t *opts, kfk_event_def_t **out,
                                       char *errstr, size_t errstr_size);

/** Frees @p def (NULL is ignored). Events already emitted do not need it. */
KFK_EXTERN void kfk_event_def_free(kfk_event_def_t *def);

/**
 * Emits an event of @p def whose body (the event's fields) is JSON text: the topic and key come
 * from @p def's templates or path filled from the body, in @p def's envelope. @p opts as for
 * kfk_emitter_emit_json; its partition, partition_by or key, when set, win over @p def's key.
 * Returns as kfk_emitter_emit_json, and KFK_ERR__KEY_PATH when a template's field or the path is
 * missing from the event (the reason in opts->errstr when given); otherwise @p cb runs once.
 */
KFK_EXTERN kfk_err_t kfk_emitter_emit_event_json(kfk_emitter_t *e, const kfk_event_def_t *def,
                                                 const char *body_json, size_t body_len,
                                                 const kfk_emit_opts_t *opts, kfk_emit_cb cb,
                                                 void *opaque);

/** As kfk_emitter_emit_event_json with the body as packed msgpack bytes (a map). */
KFK_EXTERN kfk_err_t kfk_emitter_emit_event_msgpack(kfk_emitter_t *e, const kfk_event_def_t *def,
                                                    const void *body, size_t body_len,
                                                    const kfk_emit_opts_t *opts, kfk_emit_cb cb,
                                                    void *opaque);

/** As kfk_emitter_emit_event_json with the body packed by @p pack. */
KFK_EXTERN kfk_err_t kfk_emitter_emit_event_pack(kfk_emitter_t *e, const kfk_event_def_t *def,
                                                 kfk_pack_cb pack, const void *obj,
                                                 void *pack_opaque, const kfk_emit_opts_t *opts,
                                                 kfk_emit_cb cb, void *opaque);

/** A listener: routes events to handlers by (topic, type), over a consumer the caller owns. */
typedef struct kfk_listener kfk_listener_t;

/** An event as received; everything is valid until its kfk_event_done. */
typedef struct kfk_event {
    const char *topic;                 /**< the record's topic */
    int32_t partition;                 /**< the record's partition */
    int64_t offset;                    /**< the record's offset */
    const char *id;                    /**< the envelope's id (NULL: none, as in envelope none) */
    const char *type;                  /**< the envelope's event type (NULL: envelope none) */
    int64_t timestamp;                 /**< -1 when the envelope has none */
    const struct msgpack_object *body; /**< the body, with envelope none the whole value
                                          (include <msgpack.h> to read it) */
    const char *body_json;             /**< the body as JSON text (NUL-terminated) */
    const kfk_message_t *message;      /**< the record */
    uint32_t attempt;                  /**< 0 on the first try, 1.. on retries */
} kfk_event_t;

/** A handler: call kfk_event_done(ev, err) exactly once, now or later (any loop callback). */
typedef void (*kfk_handler_cb)(kfk_listener_t *l, const kfk_event_t *ev, void *opaque);

/** Whether an error from a handler is worth a retry (NULL in the policy: every error is). */
typedef int (*kfk_retry_on_cb)(kfk_err_t err, void *opaque);

/** Retry policy of one handler; start from KFK_RETRY_POLICY_INIT. New fields are only ever
 * added at the end. */
typedef struct kfk_retry_policy {
    /** sizeof(kfk_retry_policy_t) as the caller was built: set by KFK_RETRY_POLICY_INIT. */
    size_t struct_size;
    uint32_t retries;         /**< attempts after the first (default 0) */
    int64_t interval_ms;      /**< wait before a retry (default 1250, Dispytch's) */
    int exponential;          /**< double the wait each time, up to max_interval_ms */
    int64_t max_interval_ms;  /**< default 30000 */
    kfk_retry_on_cb retry_on; /**< which errors are retried; NULL: every error */
    void *retry_on_opaque;    /**< passed to retry_on */
} kfk_retry_policy_t;

/** No retry; 1250 ms between retries when retries is raised, doubling up to 30000 ms when
 * exponential is set. */
#define KFK_RETRY_POLICY_INIT                                                                      \
    { sizeof(kfk_retry_policy_t), 0, 1250, 0, 30000, NULL, NULL }

/** Problems with events that are not a handler's failure: bad envelopes, unhandled types. */
typedef void (*kfk_event_error_cb)(kfk_listener_t *l, kfk_err_t err, const char *what,
                                   const kfk_message_t *m, void *opaque);

/** Listener options (NULL for the defaults, or start from KFK_LISTENER_OPTS_INIT). New fields
 * are only ever added at the end. */
typedef struct kfk_listener_opts {
    /** sizeof(kfk_listener_opts_t) as the caller was built: set by KFK_LISTENER_OPTS_INIT. */
    size_t struct_size;
    uint32_t max_in_flight;      /**< events in flight per partition (default 16) */
    kfk_producer_t *dlq;         /**< the producer for the dead-letter topic (not owned) */
    const char *dlq_topic;       /**< dead-letter topic; NULL: no dead letters */
    int skip_failed;             /**< no dead-letter topic: count a failed event and move on
                                    (default 0: pause its partition, its offset uncommitted, so
                                    the event comes again on kfk_consumer_resume or a restart) */
    int unhandled_is_error;      /**< an event with no handler is a failure (default 0: skipped) */
    kfk_event_error_cb on_error; /**< told of bad envelopes and unhandled or abandoned events */
    void *on_error_opaque;       /**< passed to on_error */
} kfk_listener_opts_t;

/** Every option at its default: 16 in flight, no dead letters, failed events stop their
 * partition, events without a handler are skipped. */
#define KFK_LISTENER_OPTS_INIT                                                                     \
    { sizeof(kfk_listener_opts_t), 16, NULL, NULL, 0, 0, NULL, NULL }

/** Called once kfk_listener_close finished; the memory is freed after it returns. */
typedef void (*kfk_listener_close_cb)(kfk_listener_t *l, void *opaque);

/** Counters of a listener. */
typedef struct kfk_listener_stats {
    uint64_t handled;       /**< events whose handler succeeded */
    uint64_t failed;        /**< events given up after their retries (or left at close) */
    uint64_t retried;       /**< handler calls that were retries */
    uint64_t dead_lettered; /**< events written to the dead-letter topic (acknowledged) */
    uint64_t unhandled;     /**< events no handler matched */
    uint64_t bad_envelopes; /**< records whose envelope could not be decoded */
    uint64_t in_flight;     /**< events received and not yet finished */
} kfk_listener_stats_t;

/**
 * Creates a listener over consumer @p c (subscribed or assigned by the caller, not yet
 * started; not owned: close the listener first, then the consumer). The listener sets the
 * consumer's records per batch itself, to max_in_flight (max.poll.records does not apply).
 * Errors (no object, no callback): KFK_ERR__INVALID_ARG (also @p opts with struct_size 0, logged
 * through the consumer's log), KFK_ERR__NOMEM.
 */
KFK_EXTERN kfk_err_t kfk_listener_new(kfk_consumer_t *c, kfk_envelope_t envelope,
                                      const kfk_listener_opts_t *opts, kfk_listener_t **out);

/**
 * Routes events of @p type (NULL: any type, and the only way to receive events without a type,
 * envelope none) on @p topic to @p handler. @p topic is a name, a pattern where each '*' or
 * "{name}" matches any run of characters ("orders.*", "users.{region}", "*"; Dispytch 0.11 routes
 * by topic this way), or NULL: any topic. When several registrations match an event, the most
 * specific wins: one naming the event's type beats one for any type; then an exact topic beats a
 * pattern, and a pattern beats any topic; among equals the first registered. @p policy (NULL: no
 * retry) is copied. KFK_ERR__INVALID_ARG (also a policy with struct_size 0), KFK_ERR__DESTROYED
 * after close.
 */
KFK_EXTERN kfk_err_t kfk_listener_on(kfk_listener_t *l, const char *topic, const char *type,
                                     kfk_handler_cb handler, const kfk_retry_policy_t *policy,
                                     void *opaque);

/** Starts consuming (kfk_consumer_start on the consumer). */
KFK_EXTERN kfk_err_t kfk_listener_start(kfk_listener_t *l);

/**
 * Finishes an event: @p err 0 is success; otherwise the handler's retry policy decides: retry
 * later, or give up (dead-letter topic, or stop the partition). Offsets are committed only up
 * to the contiguous run of finished events of each partition.
 */
KFK_EXTERN void kfk_event_done(const kfk_event_t *ev, kfk_err_t err);

/** Current counters. */
KFK_EXTERN void kfk_listener_stats(const kfk_listener_t *l, kfk_listener_stats_t *st);

/**
 * Closes @p l: the consumer delivers no more batches to it (it stays yours: close it after this
 * callback); events in flight (in a handler or waiting for a retry) get up to the close timeout
 * (kfk_listener_set_close_timeout; default the consumer's max.poll.interval.ms) to be finished
 * with kfk_event_done; the rest then fail: their partitions are done with KFK_ERR__DESTROYED
 * (nothing committed: the events come again) and the on_error callback runs for each with
 * KFK_ERR__DESTROYED, "listener closed before the event was done". kfk_event_done on such an
 * event before @p cb returns is allowed and ignored. Then @p cb (may be NULL, never inside this
 * call) runs and the memory is freed after it returns. Legal from inside any callback,
 * handlers included; a second call is ignored.
 */
KFK_EXTERN void kfk_listener_close(kfk_listener_t *l, kfk_listener_close_cb cb, void *opaque);

/** Bounds how long kfk_listener_close waits for events in flight: @p timeout_ms >= 0
 * milliseconds, < 0 the default (max.poll.interval.ms). Read when kfk_listener_close is
 * called. */
KFK_EXTERN void kfk_listener_set_close_timeout(kfk_listener_t *l, int64_t timeout_ms);

/** The user pointer of @p l (NULL until kfk_listener_set_data). */
KFK_EXTERN void *kfk_listener_get_data(const kfk_listener_t *l);

/** Sets the user pointer of @p l; kfk never reads it. */
KFK_EXTERN void kfk_listener_set_data(kfk_listener_t *l, void *data);

#ifdef __cplusplus
}
#endif

#endif /* KFK_KFK_H */
