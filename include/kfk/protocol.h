/** @file
 * kfk/protocol.h: the sans-I/O Kafka codec API of kfk.
 *
 * Everything declared here works on bytes in memory: no sockets, no clocks, no threads, no
 * global state. It is what kfk's own client is built on, and it is public for people who test,
 * fuzz or proxy Kafka: encode any request, decode any response (and the broker side of both),
 * build and read RecordBatch v2.
 *
 * Errors: one enum, kfk_err_t. 0 is success; Kafka's own error codes keep their numbers and
 * names (KFK_ERR_NOT_LEADER_OR_FOLLOWER = 6); kfk's local errors are negative, from -100 down,
 * with a double underscore (KFK_ERR__TIMED_OUT). Numbers never move between releases.
 */
#ifndef KFK_PROTOCOL_H
#define KFK_PROTOCOL_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "kfk/version.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Marks a symbol exported from libkfk (default visibility with GCC and clang). */
#if defined(__GNUC__)
#define KFK_EXTERN __attribute__((visibility("default")))
#else
#define KFK_EXTERN
#endif

/* Error flags: what a client should do with an error. */
/** Error flag: a retry of the same operation may succeed. */
#define KFK_ERRF_RETRIABLE 0x1
/** Error flag: the client's metadata is stale: refresh, then retry. */
#define KFK_ERRF_REFRESH 0x2
/** Error flag: the client instance (or group member) cannot go on. */
#define KFK_ERRF_FATAL 0x4

/**
 * Kafka's error codes as the 4.3.1 broker lists them (org.apache.kafka.common.protocol.Errors),
 * with Java's retriable flag. X(NAME, number, flags, one-line text).
 */
// clang-format off
#define KFK_ERR_KAFKA_MAP(X) \
    X(UNKNOWN_SERVER_ERROR, -1, 0, "The server experienced an unexpected error when processing the request") \
    X(OFFSET_OUT_OF_RANGE, 1, 0, "The requested offset is not within the range of offsets maintained by the server") \
    X(CORRUPT_MESSAGE, 2, KFK_ERRF_RETRIABLE, "This message has failed its CRC checksum, exceeds the valid size, has a null key for a compacted topic, or...") \
    X(UNKNOWN_TOPIC_OR_PARTITION, 3, KFK_ERRF_RETRIABLE|KFK_ERRF_REFRESH, "This server does not host this topic-partition") \
    X(INVALID_FETCH_SIZE, 4, 0, "The requested fetch size is invalid") \
    X(LEADER_NOT_AVAILABLE, 5, KFK_ERRF_RETRIABLE|KFK_ERRF_REFRESH, "There is no leader for this topic-partition as we are in the middle of a leadership election") \
    X(NOT_LEADER_OR_FOLLOWER, 6, KFK_ERRF_RETRIABLE|KFK_ERRF_REFRESH, "The broker is not the leader (or follower) of that partition") \
    X(REQUEST_TIMED_OUT, 7, KFK_ERRF_RETRIABLE, "The request timed out") \
    X(BROKER_NOT_AVAILABLE, 8, KFK_ERRF_RETRIABLE, "The broker is not available") \
    X(REPLICA_NOT_AVAILABLE, 9, KFK_ERRF_RETRIABLE|KFK_ERRF_REFRESH, "The replica is not available for the requested topic-partition") \
    X(MESSAGE_TOO_LARGE, 10, 0, "The request included a message larger than the max message size the server will accept") \
    X(STALE_CONTROLLER_EPOCH, 11, 0, "The controller moved to another broker") \
    X(OFFSET_METADATA_TOO_LARGE, 12, 0, "The metadata field of the offset request was too large") \
    X(NETWORK_EXCEPTION, 13, KFK_ERRF_RETRIABLE|KFK_ERRF_REFRESH, "The server disconnected before a response was received") \
    X(COORDINATOR_LOAD_IN_PROGRESS, 14, KFK_ERRF_RETRIABLE, "The coordinator is loading and hence can't process requests") \
    X(COORDINATOR_NOT_AVAILABLE, 15, KFK_ERRF_RETRIABLE, "The coordinator is not available") \
    X(NOT_COORDINATOR, 16, KFK_ERRF_RETRIABLE, "This is not the correct coordinator") \
    X(INVALID_TOPIC_EXCEPTION, 17, 0, "The request attempted to perform an operation on an invalid topic") \
    X(RECORD_LIST_TOO_LARGE, 18, 0, "The request included message batch larger than the configured segment size on the server") \
    X(NOT_ENOUGH_REPLICAS, 19, KFK_ERRF_RETRIABLE, "Messages are rejected since there are fewer in-sync replicas than required") \
    X(NOT_ENOUGH_REPLICAS_AFTER_APPEND, 20, KFK_ERRF_RETRIABLE, "Messages are written to the log, but to fewer in-sync replicas than required") \
    X(INVALID_REQUIRED_ACKS, 21, 0, "Produce request specified an invalid value for required acks") \
    X(ILLEGAL_GENERATION, 22, 0, "Specified group generation id is not valid") \
    X(INCONSISTENT_GROUP_PROTOCOL, 23, KFK_ERRF_FATAL, "The group member's supported protocols are incompatible with those of existing members or first group...") \
    X(INVALID_GROUP_ID, 24, KFK_ERRF_FATAL, "The group id is invalid") \
    X(UNKNOWN_MEMBER_ID, 25, 0, "The coordinator is not aware of this member") \
    X(INVALID_SESSION_TIMEOUT, 26, KFK_ERRF_FATAL, "The session timeout is not within the range allowed by the broker (as configured by...") \
    X(REBALANCE_IN_PROGRESS, 27, 0, "The group is rebalancing, so a rejoin is needed") \
    X(INVALID_COMMIT_OFFSET_SIZE, 28, 0, "The committing offset data size is not valid") \
    X(TOPIC_AUTHORIZATION_FAILED, 29, 0, "Topic authorization failed") \
    X(GROUP_AUTHORIZATION_FAILED, 30, KFK_ERRF_FATAL, "Group authorization failed") \
    X(CLUSTER_AUTHORIZATION_FAILED, 31, KFK_ERRF_FATAL, "Cluster authorization failed") \
    X(INVALID_TIMESTAMP, 32, 0, "The timestamp of the message is out of acceptable range") \
    X(UNSUPPORTED_SASL_MECHANISM, 33, KFK_ERRF_FATAL, "The broker does not support the requested SASL mechanism") \
    X(ILLEGAL_SASL_STATE, 34, KFK_ERRF_FATAL, "Request is not valid given the current SASL state") \
    X(UNSUPPORTED_VERSION, 35, KFK_ERRF_FATAL, "The version of API is not supported") \
    X(TOPIC_ALREADY_EXISTS, 36, 0, "Topic with this name already exists") \
    X(INVALID_PARTITIONS, 37, 0, "Number of partitions is below 1") \
    X(INVALID_REPLICATION_FACTOR, 38, 0, "Replication factor is below 1 or larger than the number of available brokers") \
    X(INVALID_REPLICA_ASSIGNMENT, 39, 0, "Replica assignment is invalid") \
    X(INVALID_CONFIG, 40, 0, "Configuration is invalid") \
    X(NOT_CONTROLLER, 41, KFK_ERRF_RETRIABLE, "This is not the correct controller for this cluster") \
    X(INVALID_REQUEST, 42, 0, "This most likely occurs because of a request being malformed by the client library or the message was sent...") \
    X(UNSUPPORTED_FOR_MESSAGE_FORMAT, 43, 0, "The message format version on the broker does not support the request") \
    X(POLICY_VIOLATION, 44, 0, "Request parameters do not satisfy the configured policy") \
    X(OUT_OF_ORDER_SEQUENCE_NUMBER, 45, 0, "The broker received an out of order sequence number") \
    X(DUPLICATE_SEQUENCE_NUMBER, 46, 0, "The broker received a duplicate sequence number") \
    X(INVALID_PRODUCER_EPOCH, 47, 0, "Producer attempted to produce with an old epoch") \
    X(INVALID_TXN_STATE, 48, 0, "The producer attempted a transactional operation in an invalid state") \
    X(INVALID_PRODUCER_ID_MAPPING, 49, 0, "The producer attempted to use a producer id which is not currently assigned to its transactional id") \
    X(INVALID_TRANSACTION_TIMEOUT, 50, 0, "The transaction timeout is larger than the maximum value allowed by the broker (as configured by...") \
    X(CONCURRENT_TRANSACTIONS, 51, KFK_ERRF_RETRIABLE, "The producer attempted to update a transaction while another concurrent operation on the same transaction...") \
    X(TRANSACTION_COORDINATOR_FENCED, 52, 0, "Indicates that the transaction coordinator sending a WriteTxnMarker is no longer the current coordinator...") \
    X(TRANSACTIONAL_ID_AUTHORIZATION_FAILED, 53, KFK_ERRF_FATAL, "Transactional Id authorization failed") \
    X(SECURITY_DISABLED, 54, 0, "Security features are disabled") \
    X(OPERATION_NOT_ATTEMPTED, 55, 0, "The broker did not attempt to execute this operation") \
    X(KAFKA_STORAGE_ERROR, 56, KFK_ERRF_RETRIABLE|KFK_ERRF_REFRESH, "Disk error when trying to access log file on the disk") \
    X(LOG_DIR_NOT_FOUND, 57, 0, "The user-specified log directory is not found in the broker config") \
    X(SASL_AUTHENTICATION_FAILED, 58, KFK_ERRF_FATAL, "SASL Authentication failed") \
    X(UNKNOWN_PRODUCER_ID, 59, 0, "This exception is raised by the broker if it could not locate the producer metadata associated with the...") \
    X(REASSIGNMENT_IN_PROGRESS, 60, 0, "A partition reassignment is in progress") \
    X(DELEGATION_TOKEN_AUTH_DISABLED, 61, 0, "Delegation Token feature is not enabled") \
    X(DELEGATION_TOKEN_NOT_FOUND, 62, 0, "Delegation Token is not found on server") \
    X(DELEGATION_TOKEN_OWNER_MISMATCH, 63, 0, "Specified Principal is not valid Owner/Renewer") \
    X(DELEGATION_TOKEN_REQUEST_NOT_ALLOWED, 64, 0, "Delegation Token requests are not allowed on PLAINTEXT/1-way SSL channels and on delegation token...") \
    X(DELEGATION_TOKEN_AUTHORIZATION_FAILED, 65, 0, "Delegation Token authorization failed") \
    X(DELEGATION_TOKEN_EXPIRED, 66, 0, "Delegation Token is expired") \
    X(INVALID_PRINCIPAL_TYPE, 67, 0, "Supplied principalType is not supported") \
    X(NON_EMPTY_GROUP, 68, 0, "The group is not empty") \
    X(GROUP_ID_NOT_FOUND, 69, 0, "The group id does not exist") \
    X(FETCH_SESSION_ID_NOT_FOUND, 70, KFK_ERRF_RETRIABLE, "The fetch session ID was not found") \
    X(INVALID_FETCH_SESSION_EPOCH, 71, KFK_ERRF_RETRIABLE, "The fetch session epoch is invalid") \
    X(LISTENER_NOT_FOUND, 72, KFK_ERRF_RETRIABLE, "There is no listener on the leader broker that matches the listener on which metadata request was processed") \
    X(TOPIC_DELETION_DISABLED, 73, 0, "Topic deletion is disabled") \
    X(FENCED_LEADER_EPOCH, 74, KFK_ERRF_RETRIABLE|KFK_ERRF_REFRESH, "The leader epoch in the request is older than the epoch on the broker") \
    X(UNKNOWN_LEADER_EPOCH, 75, KFK_ERRF_RETRIABLE, "The leader epoch in the request is newer than the epoch on the broker") \
    X(UNSUPPORTED_COMPRESSION_TYPE, 76, 0, "The requesting client does not support the compression type of given partition") \
    X(STALE_BROKER_EPOCH, 77, 0, "Broker epoch has changed") \
    X(OFFSET_NOT_AVAILABLE, 78, KFK_ERRF_RETRIABLE, "The leader high watermark has not caught up from a recent leader election so the offsets cannot be...") \
    X(MEMBER_ID_REQUIRED, 79, 0, "The group member needs to have a valid member id before actually entering a consumer group") \
    X(PREFERRED_LEADER_NOT_AVAILABLE, 80, KFK_ERRF_RETRIABLE, "The preferred leader was not available") \
    X(GROUP_MAX_SIZE_REACHED, 81, KFK_ERRF_FATAL, "The group has reached its maximum size") \
    X(FENCED_INSTANCE_ID, 82, KFK_ERRF_FATAL, "The broker rejected this static consumer since another consumer with the same group.instance.id has...") \
    X(ELIGIBLE_LEADERS_NOT_AVAILABLE, 83, KFK_ERRF_RETRIABLE, "Eligible topic partition leaders are not available") \
    X(ELECTION_NOT_NEEDED, 84, KFK_ERRF_RETRIABLE, "Leader election not needed for topic partition") \
    X(NO_REASSIGNMENT_IN_PROGRESS, 85, 0, "No partition reassignment is in progress") \
    X(GROUP_SUBSCRIBED_TO_TOPIC, 86, 0, "Deleting offsets of a topic is forbidden while the consumer group is actively subscribed to it") \
    X(INVALID_RECORD, 87, 0, "This record has failed the validation on broker and hence will be rejected") \
    X(UNSTABLE_OFFSET_COMMIT, 88, KFK_ERRF_RETRIABLE, "There are unstable offsets that need to be cleared") \
    X(THROTTLING_QUOTA_EXCEEDED, 89, KFK_ERRF_RETRIABLE, "The throttling quota has been exceeded") \
    X(PRODUCER_FENCED, 90, KFK_ERRF_FATAL, "There is a newer producer with the same transactionalId which fences the current one") \
    X(RESOURCE_NOT_FOUND, 91, 0, "A request illegally referred to a resource that does not exist") \
    X(DUPLICATE_RESOURCE, 92, 0, "A request illegally referred to the same resource twice") \
    X(UNACCEPTABLE_CREDENTIAL, 93, 0, "Requested credential would not meet criteria for acceptability") \
    X(INCONSISTENT_VOTER_SET, 94, 0, "Indicates that the either the sender or recipient of a voter-only request is not one of the expected voters") \
    X(INVALID_UPDATE_VERSION, 95, 0, "The given update version was invalid") \
    X(FEATURE_UPDATE_FAILED, 96, 0, "Unable to update finalized features due to an unexpected server error") \
    X(PRINCIPAL_DESERIALIZATION_FAILURE, 97, 0, "Request principal deserialization failed during forwarding") \
    X(SNAPSHOT_NOT_FOUND, 98, 0, "Requested snapshot was not found") \
    X(POSITION_OUT_OF_RANGE, 99, 0, "Requested position is not greater than or equal to zero, and less than the size of the snapshot") \
    X(UNKNOWN_TOPIC_ID, 100, KFK_ERRF_RETRIABLE|KFK_ERRF_REFRESH, "This server does not host this topic ID") \
    X(DUPLICATE_BROKER_REGISTRATION, 101, 0, "This broker ID is already in use") \
    X(BROKER_ID_NOT_REGISTERED, 102, 0, "The given broker ID was not registered") \
    X(INCONSISTENT_TOPIC_ID, 103, KFK_ERRF_RETRIABLE|KFK_ERRF_REFRESH, "The log's topic ID did not match the topic ID in the request") \
    X(INCONSISTENT_CLUSTER_ID, 104, 0, "The clusterId in the request does not match that found on the server") \
    X(TRANSACTIONAL_ID_NOT_FOUND, 105, 0, "The transactionalId could not be found") \
    X(FETCH_SESSION_TOPIC_ID_ERROR, 106, KFK_ERRF_RETRIABLE, "The fetch session encountered inconsistent topic ID usage") \
    X(INELIGIBLE_REPLICA, 107, 0, "The new ISR contains at least one ineligible replica") \
    X(NEW_LEADER_ELECTED, 108, 0, "The AlterPartition request successfully updated the partition state but the leader has changed") \
    X(OFFSET_MOVED_TO_TIERED_STORAGE, 109, 0, "The requested offset is moved to tiered storage") \
    X(FENCED_MEMBER_EPOCH, 110, 0, "The member epoch is fenced by the group coordinator") \
    X(UNRELEASED_INSTANCE_ID, 111, 0, "The instance ID is still used by another member in the consumer group") \
    X(UNSUPPORTED_ASSIGNOR, 112, 0, "The assignor or its version range is not supported by the consumer group") \
    X(STALE_MEMBER_EPOCH, 113, 0, "The member epoch is stale") \
    X(MISMATCHED_ENDPOINT_TYPE, 114, 0, "The request was sent to an endpoint of the wrong type") \
    X(UNSUPPORTED_ENDPOINT_TYPE, 115, 0, "This endpoint type is not supported yet") \
    X(UNKNOWN_CONTROLLER_ID, 116, 0, "This controller ID is not known") \
    X(UNKNOWN_SUBSCRIPTION_ID, 117, 0, "Client sent a push telemetry request with an invalid or outdated subscription ID") \
    X(TELEMETRY_TOO_LARGE, 118, 0, "Client sent a push telemetry request larger than the maximum size the broker will accept") \
    X(INVALID_REGISTRATION, 119, 0, "The controller has considered the broker registration to be invalid") \
    X(TRANSACTION_ABORTABLE, 120, 0, "The server encountered an error with the transaction") \
    X(INVALID_RECORD_STATE, 121, 0, "The record state is invalid") \
    X(SHARE_SESSION_NOT_FOUND, 122, KFK_ERRF_RETRIABLE, "The share session was not found") \
    X(INVALID_SHARE_SESSION_EPOCH, 123, KFK_ERRF_RETRIABLE, "The share session epoch is invalid") \
    X(FENCED_STATE_EPOCH, 124, 0, "The share coordinator rejected the request because the share-group state epoch did not match") \
    X(INVALID_VOTER_KEY, 125, 0, "The voter key doesn't match the receiving replica's key") \
    X(DUPLICATE_VOTER, 126, 0, "The voter is already part of the set of voters") \
    X(VOTER_NOT_FOUND, 127, 0, "The voter is not part of the set of voters") \
    X(INVALID_REGULAR_EXPRESSION, 128, 0, "The regular expression is not valid") \
    X(REBOOTSTRAP_REQUIRED, 129, 0, "Client metadata is stale") \
    X(STREAMS_INVALID_TOPOLOGY, 130, 0, "The supplied topology is invalid") \
    X(STREAMS_INVALID_TOPOLOGY_EPOCH, 131, 0, "The supplied topology epoch is invalid") \
    X(STREAMS_TOPOLOGY_FENCED, 132, 0, "The supplied topology epoch is outdated") \
    X(SHARE_SESSION_LIMIT_REACHED, 133, KFK_ERRF_RETRIABLE, "The limit of share sessions has been reached")

/**
 * kfk's local errors: negative, never sent on the wire. X(_NAME, number, flags, text).
 * Append only: a number, once released, never changes meaning.
 */
#define KFK_ERR_LOCAL_MAP(X) \
    X(_BAD_MSG, -101, 0, "Malformed protocol data") \
    X(_NOMEM, -102, KFK_ERRF_FATAL, "Out of memory") \
    X(_INVALID_ARG, -103, 0, "Invalid argument") \
    X(_UNKNOWN_CONF, -104, 0, "Unknown configuration property") \
    X(_INVALID_CONF, -105, 0, "Invalid configuration value") \
    X(_TIMED_OUT, -106, KFK_ERRF_RETRIABLE, "Operation timed out") \
    X(_MSG_TIMED_OUT, -107, 0, "Record not delivered within delivery.timeout.ms") \
    X(_TRANSPORT, -108, KFK_ERRF_RETRIABLE, "Broker connection failed or was closed") \
    X(_RESOLVE, -109, KFK_ERRF_RETRIABLE, "Host name resolution failed") \
    X(_SSL, -110, KFK_ERRF_FATAL, "TLS handshake or certificate verification failed") \
    X(_AUTHENTICATION, -111, KFK_ERRF_FATAL, "SASL authentication failed") \
    X(_DESTROYED, -112, 0, "The object was closed") \
    X(_QUEUE_FULL, -113, KFK_ERRF_RETRIABLE, "Producer queue is full") \
    X(_MSG_SIZE_TOO_LARGE, -114, 0, "Record is larger than the configured maximum") \
    X(_FRAME_TOO_LARGE, -115, 0, "Response frame is larger than receive.message.max.bytes") \
    X(_NO_COMMON_VERSION, -116, KFK_ERRF_FATAL, "The broker supports no version of this API that kfk speaks") \
    X(_UNSUPPORTED_COMPRESSION, -117, 0, "Compression codec not built into kfk") \
    X(_DECOMPRESS, -118, 0, "Decompression failed or exceeded its output limit") \
    X(_CRC, -119, 0, "Checksum mismatch") \
    X(_UNKNOWN_TOPIC, -120, 0, "Unknown topic") \
    X(_UNKNOWN_PARTITION, -121, 0, "Unknown partition") \
    X(_PARTITION_EOF, -122, 0, "Reached the end of the partition") \
    X(_LOCK_HELD, -123, 0, "The lock is held by another owner") \
    X(_LOCK_LOST, -124, 0, "The lock was lost") \
    X(_REDIS, -125, KFK_ERRF_RETRIABLE, "Redis command failed") \
    X(_STATE, -126, 0, "Operation not valid in the current state") \
    X(_POSSIBLY_PERSISTED, -127, 0, "Record timed out in flight: it may have been written") \
    X(_FATAL, -128, KFK_ERRF_FATAL, "Fatal error: see the log") \
    X(_VALUE_DECODE, -129, 0, "Record value could not be decoded") \
    X(_KEY_PATH, -130, 0, "Partition key path missing or not a scalar") \
    X(_NOT_IMPLEMENTED, -131, 0, "Not implemented") \
    X(_CORRELATION, -132, KFK_ERRF_RETRIABLE, "Response correlation id matches no request") \
    X(_NO_HANDLER, -133, 0, "No handler registered for the event type") \
    X(_INCOMPLETE, -134, 0, "More input is needed") \
    X(_HANDLER_FAILED, -135, 0, "Event handler failed after its retries") \
    X(_MAX_POLL_EXCEEDED, -136, 0, "A batch was not done within max.poll.interval.ms") \
    X(_TXN_ABORTED, -137, 0, "The record's transaction was aborted before it was sent")
// clang-format on

/** The error type of every fallible kfk call: 0 is success. */
typedef enum kfk_err {
/** Makes one enum constant KFK_ERR_<name> of an error map line. */
#define KFK_ERR_ENUM_(name, num, flags, text) KFK_ERR_##name = (num),
    KFK_ERR_NONE = 0,
    KFK_ERR_KAFKA_MAP(KFK_ERR_ENUM_) KFK_ERR_LOCAL_MAP(KFK_ERR_ENUM_)
#undef KFK_ERR_ENUM_
} kfk_err_t;

/**
 * The symbolic name of @p err ("NOT_LEADER_OR_FOLLOWER", "_TIMED_OUT", "NONE"), or
 * "UNKNOWN_ERROR_CODE" for a number kfk does not know. Static storage; never NULL.
 */
KFK_EXTERN const char *kfk_err_name(kfk_err_t err);

/** A one-line English description of @p err. Static storage; never NULL. */
KFK_EXTERN const char *kfk_err_str(kfk_err_t err);

/** The KFK_ERRF_* flags of @p err (0 for success and unknown codes). */
KFK_EXTERN unsigned kfk_err_flags(kfk_err_t err);

/** True when a retry of the failed operation may succeed (KFK_ERRF_RETRIABLE). */
KFK_EXTERN int kfk_err_is_retriable(kfk_err_t err);

/** True when the client instance cannot go on after @p err (KFK_ERRF_FATAL). */
KFK_EXTERN int kfk_err_is_fatal(kfk_err_t err);

/** The library's version string, e.g. "0.1.0" (same as KFK_VERSION_STR of the build). */
KFK_EXTERN const char *kfk_version_str(void);

/**
 * The optional features built into this library, comma-separated, e.g. "gzip,snappy,lz4,zstd"
 * (compression codecs in src/protocol). Static storage; may be "".
 */
KFK_EXTERN const char *kfk_build_features(void);

/* ============================================================================================
 * Primitives: strings, bytes, a growable writer and a bounds-checked reader.
 * ========================================================================================== */

/**
 * A string that points into someone else's memory (usually a received frame): not
 * NUL-terminated. len == -1 is Kafka's null string.
 */
typedef struct kfk_str {
    const char *ptr; /**< the first byte (not owned; NULL for the null string) */
    int32_t len;     /**< bytes at ptr; -1: null */
} kfk_str_t;

/** Bytes that point into someone else's memory; len == -1 is null. */
typedef struct kfk_bytes {
    const uint8_t *ptr; /**< the first byte (not owned) */
    int32_t len;        /**< bytes at ptr; -1: null */
} kfk_bytes_t;

/** A kfk_str_t of a C string literal (its length known at compile time). */
#define KFK_STR(s) ((kfk_str_t){(s), (int32_t)(sizeof(s) - 1)})
/** A kfk_str_t of a NUL-terminated string, pointing into it; NULL gives the null string. */
KFK_EXTERN kfk_str_t kfk_str_c(const char *s);

/** True when @p s holds exactly the NUL-terminated string @p c. */
KFK_EXTERN int kfk_str_eq(kfk_str_t s, const char *c);

/** Bytes spliced into a kfk_wbuf_t by reference (see kfk_wbuf_splice). */
typedef struct kfk_wbuf_seg {
    size_t at;          /**< offset in data where these bytes belong */
    const uint8_t *ptr; /**< not owned */
    size_t len;         /**< bytes at ptr */
} kfk_wbuf_seg_t;

/**
 * A growable output buffer. Errors are sticky: after an allocation failure (KFK_ERR__NOMEM) or
 * a value that cannot be encoded (KFK_ERR__INVALID_ARG) every later write is a no-op and
 * @c err tells what happened. Initialize with kfk_wbuf_init (or zero it), free with
 * kfk_wbuf_free. The memory is the caller's once taken with kfk_wbuf_take.
 *
 * Zero copy: with @c splice_min > 0, encoders insert RECORDS fields of at least that many bytes
 * by reference (kfk_wbuf_splice) instead of copying them; the output is then the sequence of
 * pieces kfk_wbuf_pieces gives, and the spliced bytes must stay valid until it is written.
 */
typedef struct kfk_wbuf {
    uint8_t *data;        /**< the copied bytes (owned) */
    size_t len;           /**< bytes written to data */
    size_t cap;           /**< bytes allocated at data */
    kfk_err_t err;        /**< the first error (sticky); 0 while all is well */
    kfk_wbuf_seg_t *segs; /**< spliced segments, in order (owned array) */
    size_t nsegs;         /**< segments in segs */
    size_t segs_cap;      /**< segments allocated at segs */
    size_t spliced;       /**< total bytes of segs */
    size_t splice_min;    /**< 0: always copy */
} kfk_wbuf_t;

/** Sets @p w empty, with no allocation. */
KFK_EXTERN void kfk_wbuf_init(kfk_wbuf_t *w);
/** Frees @p w's memory and sets it empty. */
KFK_EXTERN void kfk_wbuf_free(kfk_wbuf_t *w);
/** Hands the bytes to the caller (free with kfk_mem_free) and sets @p w empty. A buffer with
 * spliced segments cannot be taken (NULL). */
KFK_EXTERN uint8_t *kfk_wbuf_take(kfk_wbuf_t *w, size_t *len);

/** Inserts @p len bytes at @p ptr by reference at the current end (no copy); they count in
 * frame sizes. */
KFK_EXTERN void kfk_wbuf_splice(kfk_wbuf_t *w, const void *ptr, size_t len);

/** One contiguous piece of a buffer's output. */
typedef struct kfk_wbuf_piece {
    const uint8_t *ptr; /**< the piece's first byte */
    size_t len;         /**< bytes at ptr */
} kfk_wbuf_piece_t;

/** The output of @p w in order, as at most 2 * nsegs + 1 pieces written to @p out (which must
 * hold that many); returns the count. Without segments it is one piece: data, len. */
KFK_EXTERN size_t kfk_wbuf_pieces(const kfk_wbuf_t *w, kfk_wbuf_piece_t *out);

/** Total output bytes of @p w: len plus the spliced bytes. */
static inline size_t kfk_wbuf_size(const kfk_wbuf_t *w) {
    return w->len + w->spliced;
}
/** Makes room for @p need more bytes; 0 or the (sticky) error. */
KFK_EXTERN kfk_err_t kfk_wbuf_grow(kfk_wbuf_t *w, size_t need);
/** Frees memory handed out by kfk_wbuf_take (kfk's allocator). */
KFK_EXTERN void kfk_mem_free(void *p);

/** Appends @p n bytes and returns where they go (uninitialized), or NULL after an error. */
static inline uint8_t *kfk_wbuf_extend(kfk_wbuf_t *w, size_t n) {
    /* (!w->data: no arithmetic on a NULL pointer, even for n == 0) */
    if ((w->cap - w->len < n || !w->data) && kfk_wbuf_grow(w, n) != 0)
        return NULL;
    if (w->err)
        return NULL;
    uint8_t *p = w->data + w->len;
    w->len += n;
    return p;
}

/** Appends @p n bytes copied from @p src. */
static inline void kfk_wbuf_put_raw(kfk_wbuf_t *w, const void *src, size_t n) {
    uint8_t *p = kfk_wbuf_extend(w, n);
    if (p && n)
        memcpy(p, src, n);
}
/** Appends @p v (1 byte). */
static inline void kfk_wbuf_put_int8(kfk_wbuf_t *w, int8_t v) {
    uint8_t *p = kfk_wbuf_extend(w, 1);
    if (p)
        p[0] = (uint8_t)v;
}
/** Appends @p v big-endian (2 bytes), as Kafka's INT16. */
static inline void kfk_wbuf_put_int16(kfk_wbuf_t *w, int16_t v) {
    uint8_t *p = kfk_wbuf_extend(w, 2);
    if (p) {
        p[0] = (uint8_t)((uint16_t)v >> 8);
        p[1] = (uint8_t)v;
    }
}
/** Appends @p v big-endian (4 bytes), as Kafka's INT32. */
static inline void kfk_wbuf_put_int32(kfk_wbuf_t *w, int32_t v) {
    uint8_t *p = kfk_wbuf_extend(w, 4);
    if (p) {
        uint32_t u = (uint32_t)v;
        p[0] = (uint8_t)(u >> 24);
        p[1] = (uint8_t)(u >> 16);
        p[2] = (uint8_t)(u >> 8);
        p[3] = (uint8_t)u;
    }
}
/** Appends @p v big-endian (8 bytes), as Kafka's INT64. */
static inline void kfk_wbuf_put_int64(kfk_wbuf_t *w, int64_t v) {
    kfk_wbuf_put_int32(w, (int32_t)((uint64_t)v >> 32));
    kfk_wbuf_put_int32(w, (int32_t)(uint32_t)(uint64_t)v);
}
/** Unsigned LEB128, at most 5 bytes. */
static inline void kfk_wbuf_put_uvarint(kfk_wbuf_t *w, uint32_t v) {
    uint8_t *p = kfk_wbuf_extend(w, v < 0x80         ? 1
                                    : v < 0x4000     ? 2
                                    : v < 0x200000   ? 3
                                    : v < 0x10000000 ? 4
                                                     : 5);
    if (!p)
        return;
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p = (uint8_t)v;
}
/** Unsigned LEB128 of 64 bits, at most 10 bytes. */
KFK_EXTERN void kfk_wbuf_put_uvarlong(kfk_wbuf_t *w, uint64_t v);
/** Zig-zag varint (32 bits), as in records. */
static inline void kfk_wbuf_put_varint(kfk_wbuf_t *w, int32_t v) {
    kfk_wbuf_put_uvarint(w, ((uint32_t)v << 1) ^ (uint32_t)(v >> 31));
}
/** Zig-zag varlong (64 bits), as in records. */
static inline void kfk_wbuf_put_varlong(kfk_wbuf_t *w, int64_t v) {
    kfk_wbuf_put_uvarlong(w, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}
/** Bytes the zig-zag varint of @p v takes (1-5). */
KFK_EXTERN size_t kfk_varint_size(int32_t v);
/** Bytes the zig-zag varlong of @p v takes (1-10). */
KFK_EXTERN size_t kfk_varlong_size(int64_t v);
/** Bytes the unsigned varint of @p v takes (1-5). */
KFK_EXTERN size_t kfk_uvarint_size(uint32_t v);
/**
 * A (nullable) string: int16 length, or with @p compact an unsigned varint of length + 1
 * (0 = null). A null string (len -1) is written as null; callers check nullability.
 */
KFK_EXTERN void kfk_wbuf_put_str(kfk_wbuf_t *w, kfk_str_t s, int compact);
/** (Nullable) bytes: int32 length, or with @p compact an unsigned varint of length + 1. */
KFK_EXTERN void kfk_wbuf_put_bytes(kfk_wbuf_t *w, kfk_bytes_t b, int compact);
/** An array length: int32 (-1 = null), or with @p compact an unsigned varint of count + 1. */
KFK_EXTERN void kfk_wbuf_put_array_len(kfk_wbuf_t *w, int32_t count, int compact);

/** Starts a size-prefixed frame: writes a 4-byte placeholder and returns its offset. */
KFK_EXTERN size_t kfk_wbuf_frame_begin(kfk_wbuf_t *w);
/** Back-patches the frame size (bytes after the placeholder) at @p offset. */
KFK_EXTERN void kfk_wbuf_frame_end(kfk_wbuf_t *w, size_t offset);

/**
 * A bounds-checked reader over bytes it does not own. It never reads past @c end. The first
 * error sticks (KFK_ERR__BAD_MSG): later reads return zeros/empty values and the caller checks
 * @c err once at the end.
 */
typedef struct kfk_rbuf {
    const uint8_t *p;   /**< the next byte to read */
    const uint8_t *end; /**< one past the last byte */
    kfk_err_t err;      /**< the first error (sticky); 0 while all is well */
} kfk_rbuf_t;

/** Starts reading the @p len bytes at @p data (not copied: they must outlive the reader). */
static inline void kfk_rbuf_init(kfk_rbuf_t *r, const void *data, size_t len) {
    r->p = (const uint8_t *)data;
    r->end = len ? r->p + len : r->p; /* no arithmetic on a NULL pointer */
    r->err = KFK_ERR_NONE;
}
/** The bytes not read yet. */
static inline size_t kfk_rbuf_left(const kfk_rbuf_t *r) {
    return (size_t)(r->end - r->p);
}
/** Marks @p r failed with @p err (the first error wins) and empties it. */
static inline void kfk_rbuf_fail(kfk_rbuf_t *r, kfk_err_t err) {
    if (!r->err)
        r->err = err;
    r->p = r->end;
}
/** Returns @p n bytes and advances, or NULL (and fails) when fewer are left. */
static inline const uint8_t *kfk_rbuf_take(kfk_rbuf_t *r, size_t n) {
    if (r->err || kfk_rbuf_left(r) < n) {
        kfk_rbuf_fail(r, KFK_ERR__BAD_MSG);
        return NULL;
    }
    const uint8_t *p = r->p;
    r->p += n;
    return p;
}
/** Reads one byte; 0 (and the reader fails) when none is left. */
static inline int8_t kfk_rbuf_get_int8(kfk_rbuf_t *r) {
    const uint8_t *p = kfk_rbuf_take(r, 1);
    return p ? (int8_t)p[0] : 0;
}
/** Reads a big-endian INT16; 0 (and the reader fails) when too few bytes are left. */
static inline int16_t kfk_rbuf_get_int16(kfk_rbuf_t *r) {
    const uint8_t *p = kfk_rbuf_take(r, 2);
    return p ? (int16_t)(uint16_t)((p[0] << 8) | p[1]) : 0;
}
/** Reads a big-endian INT32; 0 (and the reader fails) when too few bytes are left. */
static inline int32_t kfk_rbuf_get_int32(kfk_rbuf_t *r) {
    const uint8_t *p = kfk_rbuf_take(r, 4);
    return p ? (int32_t)(((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) |
                         p[3])
             : 0;
}
/** Reads a big-endian INT64; 0 (and the reader fails) when too few bytes are left. */
static inline int64_t kfk_rbuf_get_int64(kfk_rbuf_t *r) {
    uint64_t hi = (uint32_t)kfk_rbuf_get_int32(r);
    uint64_t lo = (uint32_t)kfk_rbuf_get_int32(r);
    return (int64_t)((hi << 32) | lo);
}
/** Unsigned varint of at most 5 bytes (more, or bits past 32, is an error). */
KFK_EXTERN uint32_t kfk_rbuf_get_uvarint(kfk_rbuf_t *r);
/** Unsigned varint of at most 10 bytes. */
KFK_EXTERN uint64_t kfk_rbuf_get_uvarlong(kfk_rbuf_t *r);
/** Reads a zig-zag varint (records' 32-bit signed integers). */
static inline int32_t kfk_rbuf_get_varint(kfk_rbuf_t *r) {
    uint32_t u = kfk_rbuf_get_uvarint(r);
    return (int32_t)((u >> 1) ^ (~(u & 1) + 1));
}
/** Reads a zig-zag varlong (records' 64-bit signed integers). */
static inline int64_t kfk_rbuf_get_varlong(kfk_rbuf_t *r) {
    uint64_t u = kfk_rbuf_get_uvarlong(r);
    return (int64_t)((u >> 1) ^ (~(u & 1) + 1));
}
/**
 * A (nullable) string pointing into the reader's bytes. A null string is an error unless
 * @p nullable. A length past the end, or below -1, is an error.
 */
KFK_EXTERN kfk_str_t kfk_rbuf_get_str(kfk_rbuf_t *r, int compact, int nullable);
/** (Nullable) bytes pointing into the reader's bytes; see kfk_rbuf_get_str. */
KFK_EXTERN kfk_bytes_t kfk_rbuf_get_bytes(kfk_rbuf_t *r, int compact, int nullable);
/**
 * An array count. -1 (null) is returned only when @p nullable. A count whose elements could not
 * fit in the bytes left, at @p min_elem_size bytes each (at least 1), is an error: no decoder
 * allocates from a count the bytes cannot back.
 */
KFK_EXTERN int32_t kfk_rbuf_get_array_len(kfk_rbuf_t *r, int compact, int nullable,
                                          size_t min_elem_size);

/* ============================================================================================
 * Arena: the memory of one decoded message, freed at once.
 * ========================================================================================== */

/** One block of an arena (private). */
typedef struct kfk_arena_chunk kfk_arena_chunk_t;

/**
 * A bump allocator. Zero-initialize it (or kfk_arena_init); kfk_arena_free releases
 * everything. @c limit (0 = 256 MiB) caps the total a decoder may allocate in it.
 */
typedef struct kfk_arena {
    kfk_arena_chunk_t *chunks; /**< the blocks (private) */
    size_t used;               /**< bytes handed out so far */
    size_t limit;              /**< the most it may hand out; 0: 256 MiB */
} kfk_arena_t;

/** Sets @p a empty, with no allocation (the same as zeroing it). */
KFK_EXTERN void kfk_arena_init(kfk_arena_t *a);
/** @p n zeroed bytes, 16-aligned, or NULL (out of memory, or past the limit). */
KFK_EXTERN void *kfk_arena_alloc(kfk_arena_t *a, size_t n);
/** Frees every allocation of @p a and leaves it empty and reusable. */
KFK_EXTERN void kfk_arena_free(kfk_arena_t *a);

/* ============================================================================================
 * Messages: one descriptor table per Kafka message, one generic walker.
 *
 * Every request and response body kfk speaks is a plain C struct generated, together with its
 * descriptor table, from one X-macro list per struct in include/kfk/msgs/<api>.h. Each list
 * line mirrors one field of Kafka's JSON schema (clients/src/main/resources/common/message):
 *
 *     F(TYPE, name, min_version, max_version, nullable_from, tag, default, sub)
 *
 * TYPE is BOOL, INT8, INT16, UINT16, INT32, INT64, FLOAT64, UUID, STRING, BYTES, RECORDS,
 * STRUCT, or ARRAY_INT32, ARRAY_INT64, ARRAY_STRING, ARRAY_STRUCT; max_version KFK_V_MAX means
 * "and every later version"; nullable_from is the first version where null is allowed (-1:
 * never); tag is the tagged-field number (-1: a regular field); default is the schema's default
 * for integers and booleans (for STRING/BYTES: -1 means the default is null, 0 empty); sub names
 * the struct of STRUCT and ARRAY_STRUCT fields (_ otherwise).
 *
 * Decoded strings, bytes and records point into the decoded frame (zero copy); arrays live in
 * the caller's kfk_arena_t. Both must outlive the decoded struct. Unknown tagged fields are kept
 * (unknown_tags, raw) so that a decode then encode round trip is byte-exact.
 * ========================================================================================== */

/** "N+" in a schema's version range. */
#define KFK_V_MAX 127

/** A UUID as 16 bytes, most significant first (Kafka's wire order). */
typedef struct kfk_uuid {
    uint8_t bytes[16]; /**< the UUID, most significant byte first */
} kfk_uuid_t;

/**
 * An array field: @c count elements of the field's element type at @c items (count -1 is a
 * null array). Typed access: KFK_ARRAY_AT(arr, type, i).
 */
typedef struct kfk_array {
    void *items;   /**< the elements (decoded: in the arena; encoded: the caller's) */
    int32_t count; /**< elements at items; -1: null */
} kfk_array_t;

/** Element @p i of @p arr as a @p type (no bounds check). */
#define KFK_ARRAY_AT(arr, type, i) (((type *)(arr).items)[i])
/** A kfk_array_t over a C array. */
#define KFK_ARRAY_OF(carray)                                                                       \
    ((kfk_array_t){(carray), (int32_t)(sizeof(carray) / sizeof((carray)[0]))})

/** The descriptor table of one message struct (opaque; see kfk_schema_*). */
typedef struct kfk_schema kfk_schema_t;

/* C types of the field kinds (KFK_CT_<TYPE>(sub) is the member type of a TYPE field). */
/** C type of a BOOL field. */
#define KFK_CT_BOOL(sub) bool
/** C type of an INT8 field. */
#define KFK_CT_INT8(sub) int8_t
/** C type of an INT16 field. */
#define KFK_CT_INT16(sub) int16_t
/** C type of a UINT16 field. */
#define KFK_CT_UINT16(sub) uint16_t
/** C type of an INT32 field. */
#define KFK_CT_INT32(sub) int32_t
/** C type of an INT64 field. */
#define KFK_CT_INT64(sub) int64_t
/** C type of a FLOAT64 field. */
#define KFK_CT_FLOAT64(sub) double
/** C type of a UUID field. */
#define KFK_CT_UUID(sub) kfk_uuid_t
/** C type of a STRING field (points into the decoded frame). */
#define KFK_CT_STRING(sub) kfk_str_t
/** C type of a BYTES field (points into the decoded frame). */
#define KFK_CT_BYTES(sub) kfk_bytes_t
/** C type of a RECORDS field: the raw records blob (see the RecordBatch API). */
#define KFK_CT_RECORDS(sub) kfk_bytes_t
/** C type of a STRUCT field: the struct @p sub. */
#define KFK_CT_STRUCT(sub) struct sub
/**
 * C type of a NULLABLE_STRUCT field: a pointer to the struct @p sub, NULL for null (decoded: in
 * the arena; encoded: the caller's). On the wire an int8 marker (-1 null, 1 present) comes first
 * in the versions where the field is nullable.
 */
#define KFK_CT_NULLABLE_STRUCT(sub) struct sub *
/** C type of an ARRAY_INT32 field (int32_t elements). */
#define KFK_CT_ARRAY_INT32(sub) kfk_array_t
/** C type of an ARRAY_INT64 field (int64_t elements). */
#define KFK_CT_ARRAY_INT64(sub) kfk_array_t
/** C type of an ARRAY_STRING field (kfk_str_t elements). */
#define KFK_CT_ARRAY_STRING(sub) kfk_array_t
/** C type of an ARRAY_STRUCT field (struct @p sub elements). */
#define KFK_CT_ARRAY_STRUCT(sub) kfk_array_t
/** Declares the struct member of one F(...) field line (used by KFK_MSG_STRUCT). */
#define KFK_FIELD_DECL_(type, name, minv, maxv, nullv, tag, dflt, sub) KFK_CT_##type(sub) name;

/**
 * Declares struct NAME_t from the X-macro LIST, plus its descriptor NAME_schema. Every message
 * struct ends with unknown_tags: tagged fields kfk does not know, kept raw for re-encoding.
 */
#define KFK_MSG_STRUCT(name, LIST)                                                                 \
    typedef struct name {                                                                          \
        LIST(KFK_FIELD_DECL_)                                                                      \
        kfk_bytes_t unknown_tags;                                                                  \
    } name##_t;                                                                                    \
    extern KFK_EXTERN const kfk_schema_t name##_schema;

/** The struct's name, e.g. "kfk_metadata_request". */
KFK_EXTERN const char *kfk_schema_name(const kfk_schema_t *schema);
/** The sizeof of the struct @p schema describes. */
KFK_EXTERN size_t kfk_schema_size(const kfk_schema_t *schema);

/**
 * Encodes @p msg (a struct described by @p schema) at @p version, appending to @p w. @p flexible
 * selects the compact encodings and tagged fields (the API's flexible versions). Fields outside
 * @p version's range are skipped. KFK_ERR__INVALID_ARG for a null where the version allows none,
 * a string longer than 32767 bytes in a non-compact version, or a negative count other than -1;
 * KFK_ERR__NOMEM. On error @p w may hold a partial encoding.
 */
KFK_EXTERN kfk_err_t kfk_schema_encode(const kfk_schema_t *schema, int16_t version, bool flexible,
                                       const void *msg, kfk_wbuf_t *w);

/**
 * Decodes a struct described by @p schema at @p version from @p r into @p out (sizeof given by
 * kfk_schema_size; it is fully overwritten). Arrays are allocated in @p arena; strings, bytes
 * and records point into @p r's bytes. Fields absent from @p version get the schema defaults.
 * KFK_ERR__BAD_MSG for malformed input (the reader's error is set too), KFK_ERR__NOMEM when the
 * arena refuses. Counts are checked against the bytes left before anything is allocated.
 */
KFK_EXTERN kfk_err_t kfk_schema_decode(const kfk_schema_t *schema, int16_t version, bool flexible,
                                       kfk_rbuf_t *r, kfk_arena_t *arena, void *out);

/**
 * Where and why a decode failed, for a message a person can act on ("at byte 13: brokers:
 * count 268435455 past the end (107 bytes left)"). Filled by the _ex decoders on their first
 * failure; untouched fields are zero. Plain data, no pointers: copy it freely.
 */
typedef struct kfk_decode_error {
    size_t offset;   /**< the first byte of the field that did not decode, counted from the
                          origin the decoder was given (for kfk_response_decode_ex: the first
                          byte of the frame after its 4-byte size, i.e. the correlation id) */
    char field[128]; /**< the field's path in the schema, e.g. "brokers",
                          "topics[2].partitions[0].isr_nodes", "header.tagged_fields";
                          "" when the failure is not in a field (trailing bytes) */
    char what[128];  /**< what was wrong, e.g. "count 2147483647 past the end (93 bytes left)",
                          "negative length -2", "varint longer than 5 bytes",
                          "null where not nullable", "out of memory" */
} kfk_decode_error_t;

/**
 * kfk_schema_decode that also says where and why it failed: on the first failure @p derr (may
 * be NULL) gets the field path, what was wrong and the offset of the field from @p origin (a
 * pointer at or before @p r's first byte; NULL: @p r's first byte). Same results otherwise.
 */
KFK_EXTERN kfk_err_t kfk_schema_decode_ex(const kfk_schema_t *schema, int16_t version,
                                          bool flexible, kfk_rbuf_t *r, kfk_arena_t *arena,
                                          void *out, const uint8_t *origin,
                                          kfk_decode_error_t *derr);

/**
 * Writes @p e as one line, "at byte N: FIELD: WHAT" (the field part left out when empty), into
 * @p buf (always terminated when @p size > 0). @p offset_base is added to the offset: 4 to count
 * from the first byte of a frame's size, as `kfk mock --fault patch=OFFSET:HEX` does. Returns
 * @p buf.
 */
KFK_EXTERN const char *kfk_decode_error_format(const kfk_decode_error_t *e, size_t offset_base,
                                               char *buf, size_t size);

/* ============================================================================================
 * APIs, headers and frames.
 * ========================================================================================== */

/** The API keys kfk speaks. */
typedef enum kfk_api_key {
    KFK_API_PRODUCE = 0,
    KFK_API_FETCH = 1,
    KFK_API_LIST_OFFSETS = 2,
    KFK_API_METADATA = 3,
    KFK_API_OFFSET_COMMIT = 8,
    KFK_API_OFFSET_FETCH = 9,
    KFK_API_FIND_COORDINATOR = 10,
    KFK_API_JOIN_GROUP = 11,
    KFK_API_HEARTBEAT = 12,
    KFK_API_LEAVE_GROUP = 13,
    KFK_API_SYNC_GROUP = 14,
    KFK_API_DESCRIBE_GROUPS = 15,
    KFK_API_LIST_GROUPS = 16,
    KFK_API_SASL_HANDSHAKE = 17,
    KFK_API_API_VERSIONS = 18,
    KFK_API_CREATE_TOPICS = 19,
    KFK_API_DELETE_TOPICS = 20,
    KFK_API_DELETE_RECORDS = 21,
    KFK_API_INIT_PRODUCER_ID = 22,
    KFK_API_ADD_PARTITIONS_TO_TXN = 24,
    KFK_API_ADD_OFFSETS_TO_TXN = 25,
    KFK_API_END_TXN = 26,
    KFK_API_TXN_OFFSET_COMMIT = 28,
    KFK_API_DESCRIBE_CONFIGS = 32,
    KFK_API_SASL_AUTHENTICATE = 36,
    KFK_API_CREATE_PARTITIONS = 37,
    KFK_API_DELETE_GROUPS = 42,
    KFK_API_INCREMENTAL_ALTER_CONFIGS = 44,
    KFK_API_OFFSET_DELETE = 47,
    KFK_API_DESCRIBE_CLUSTER = 60,
    KFK_API_CONSUMER_GROUP_HEARTBEAT = 68,
    KFK_API_CONSUMER_GROUP_DESCRIBE = 69
} kfk_api_key_t;

/** What kfk knows of one API: its version range, first flexible version and body schemas. */
typedef struct kfk_api {
    int16_t key;                  /**< the API key (kfk_api_key_t) */
    const char *name;             /**< Kafka's name, e.g. "Metadata" */
    int16_t min_version;          /**< the codec's range (kfk's client asks Metadata v1+) */
    int16_t max_version;          /**< the highest version kfk speaks */
    int16_t flexible_from;        /**< first flexible version; -1: never flexible */
    const kfk_schema_t *request;  /**< the request body's schema */
    const kfk_schema_t *response; /**< the response body's schema */
} kfk_api_t;

/** The API with key @p api_key, or NULL if kfk does not speak it. */
KFK_EXTERN const kfk_api_t *kfk_api_get(int16_t api_key);

/** Every API kfk speaks, ordered by key; *count gets their number. */
KFK_EXTERN const kfk_api_t *kfk_api_list(size_t *count);

/** True when @p version of @p api_key uses the flexible (compact, tagged) encodings. */
KFK_EXTERN bool kfk_api_is_flexible(int16_t api_key, int16_t version);

/**
 * The highest version of @p api_key both kfk and the broker speak, given the broker's range
 * [@p broker_min, @p broker_max] from ApiVersions. KFK_ERR__NO_COMMON_VERSION when the ranges do
 * not meet (errstr, if given, names the API and both ranges), KFK_ERR__INVALID_ARG for an API
 * kfk does not speak.
 */
KFK_EXTERN kfk_err_t kfk_api_pick_version(int16_t api_key, int16_t broker_min, int16_t broker_max,
                                          int16_t *version, char *errstr, size_t errstr_size);

/** A request header (v1; v2 adds the tagged fields in flexible versions). */
typedef struct kfk_request_header {
    int16_t api_key;          /**< kfk_api_key_t */
    int16_t api_version;      /**< the body's version */
    int32_t correlation_id;   /**< echoed in the response header */
    kfk_str_t client_id;      /**< nullable; non-compact even in v2 */
    kfk_bytes_t unknown_tags; /**< v2 tagged fields kfk does not know, raw */
} kfk_request_header_t;

/**
 * Appends one framed request (int32 size, header v1 or v2, body) to @p w. @p body is the
 * request struct of @p hdr->api_key (e.g. kfk_metadata_request_t). The version must lie in
 * kfk's range for the API (KFK_ERR__INVALID_ARG otherwise).
 */
KFK_EXTERN kfk_err_t kfk_request_encode(kfk_wbuf_t *w, const kfk_request_header_t *hdr,
                                        const void *body);

/**
 * Decodes a request frame (without its 4-byte size), as a broker does: the header into @p hdr,
 * the body into a struct allocated in @p arena (*body). Strings point into @p frame.
 * KFK_ERR__UNSUPPORTED_VERSION... is not used: an API or version kfk does not speak gives
 * KFK_ERR__INVALID_ARG with *body NULL and @p hdr filled; malformed bytes KFK_ERR__BAD_MSG.
 */
KFK_EXTERN kfk_err_t kfk_request_decode(const uint8_t *frame, size_t len, kfk_request_header_t *hdr,
                                        kfk_arena_t *arena, void **body);

/**
 * Appends one framed response (int32 size, header v0 or v1, body) to @p w, as a broker does.
 * ApiVersions responses always use header v0 (KIP-511).
 */
KFK_EXTERN kfk_err_t kfk_response_encode(kfk_wbuf_t *w, int16_t api_key, int16_t version,
                                         int32_t correlation_id, const void *body);

/**
 * Decodes a response frame (without its 4-byte size) to request @p api_key at @p version: the
 * correlation id into @p correlation_id, the body into a struct allocated in @p arena (*body).
 * An ApiVersions response carrying UNSUPPORTED_VERSION is decoded as the v0 body the broker
 * sends then (its api_keys hold the broker's ApiVersions range). Trailing bytes after the body
 * are an error (KFK_ERR__BAD_MSG).
 */
KFK_EXTERN kfk_err_t kfk_response_decode(const uint8_t *frame, size_t len, int16_t api_key,
                                         int16_t version, int32_t *correlation_id,
                                         kfk_arena_t *arena, void **body);

/**
 * kfk_response_decode that also says where and why a frame did not decode: on failure
 * (KFK_ERR__BAD_MSG, KFK_ERR__NOMEM) @p derr (may be NULL) gets the field path, what was wrong
 * and the byte offset counted from @p frame's first byte (the correlation id). Header failures
 * name "header.correlation_id" or "header.tagged_fields"; bytes left after the body "" with
 * "N trailing bytes after the body". Same results as kfk_response_decode otherwise.
 */
KFK_EXTERN kfk_err_t kfk_response_decode_ex(const uint8_t *frame, size_t len, int16_t api_key,
                                            int16_t version, int32_t *correlation_id,
                                            kfk_arena_t *arena, void **body,
                                            kfk_decode_error_t *derr);

/** The correlation id of a response frame (its first 4 bytes); -1 if it is shorter. */
KFK_EXTERN int32_t kfk_response_correlation_id(const uint8_t *frame, size_t len);

/* Every message struct, one header per API. */
#include "kfk/msgs/api_versions.h"
#include "kfk/msgs/metadata.h"
#include "kfk/msgs/produce.h"
#include "kfk/msgs/fetch.h"
#include "kfk/msgs/list_offsets.h"
#include "kfk/msgs/find_coordinator.h"
#include "kfk/msgs/join_group.h"
#include "kfk/msgs/sync_group.h"
#include "kfk/msgs/heartbeat.h"
#include "kfk/msgs/leave_group.h"
#include "kfk/msgs/offset_commit.h"
#include "kfk/msgs/offset_fetch.h"
#include "kfk/msgs/init_producer_id.h"
#include "kfk/msgs/add_partitions_to_txn.h"
#include "kfk/msgs/add_offsets_to_txn.h"
#include "kfk/msgs/end_txn.h"
#include "kfk/msgs/txn_offset_commit.h"
#include "kfk/msgs/sasl_handshake.h"
#include "kfk/msgs/sasl_authenticate.h"
#include "kfk/msgs/create_topics.h"
#include "kfk/msgs/delete_topics.h"
#include "kfk/msgs/describe_groups.h"
#include "kfk/msgs/list_groups.h"
#include "kfk/msgs/delete_groups.h"
#include "kfk/msgs/offset_delete.h"
#include "kfk/msgs/describe_configs.h"
#include "kfk/msgs/incremental_alter_configs.h"
#include "kfk/msgs/create_partitions.h"
#include "kfk/msgs/delete_records.h"
#include "kfk/msgs/describe_cluster.h"
#include "kfk/msgs/consumer_group_heartbeat.h"
#include "kfk/msgs/consumer_group_describe.h"
#include "kfk/msgs/consumer_protocol.h"

/* ============================================================================================
 * CRC32C (Castagnoli) and CRC-32 (IEEE).
 * ========================================================================================== */

/**
 * CRC-32C of @p data, continuing from @p crc (0 to start): kfk_crc32c(0, "123456789", 9) is
 * 0xE3069283, and kfk_crc32c(kfk_crc32c(0, a, n), b, m) is the CRC of a then b. Uses the SSE4.2
 * instruction when the CPU has it, a table otherwise. RecordBatch v2 checksums use it.
 */
KFK_EXTERN uint32_t kfk_crc32c(uint32_t crc, const void *data, size_t len);

/** CRC-32 (IEEE 802.3, as zlib's crc32) of @p data continuing from @p crc; legacy messages. */
KFK_EXTERN uint32_t kfk_crc32(uint32_t crc, const void *data, size_t len);

/* ============================================================================================
 * Compression codecs (each optional at build time).
 * ========================================================================================== */

/** Kafka's codec ids (RecordBatch attributes bits 0-2). */
typedef enum kfk_codec {
    KFK_CODEC_NONE = 0,
    KFK_CODEC_GZIP = 1,
    KFK_CODEC_SNAPPY = 2,
    KFK_CODEC_LZ4 = 3,
    KFK_CODEC_ZSTD = 4
} kfk_codec_t;

/** True when @p codec is built into this library (NONE always is). */
KFK_EXTERN int kfk_codec_available(kfk_codec_t codec);

/** "none", "gzip", "snappy", "lz4", "zstd", or "unknown". */
KFK_EXTERN const char *kfk_codec_name(kfk_codec_t codec);

/** The codec named @p name (as compression.type spells it); 0 or KFK_ERR__INVALID_ARG. */
KFK_EXTERN kfk_err_t kfk_codec_from_name(const char *name, kfk_codec_t *codec);

/**
 * Appends the compressed form of @p in to @p out, in the framing Kafka's Java client writes:
 * gzip (RFC 1952), snappy (xerial snappy-java framing), lz4 (frame format, independent 64 KiB
 * blocks), zstd (one frame). @p level < 0 picks the codec's default; otherwise gzip takes 0-9,
 * lz4 0-17 (0 fast, 3+ LZ4HC), zstd 0-ZSTD_maxCLevel() (0 = default 3), snappy ignores it.
 * NONE copies. Returns KFK_ERR__UNSUPPORTED_COMPRESSION for a codec not built in,
 * KFK_ERR__NOMEM, or KFK_ERR__INVALID_ARG (a NULL @p out, NULL @p in with @p len > 0, an unknown
 * codec, a level out of range). If @p out already holds an error, that error is returned and
 * nothing is written. On any error @p out->len is what it was at entry (its capacity may have
 * grown); out->err is set only when @p out itself could not grow (KFK_ERR__NOMEM).
 */
KFK_EXTERN kfk_err_t kfk_compress(kfk_codec_t codec, int level, const void *in, size_t len,
                                  kfk_wbuf_t *out);

/**
 * Appends the decompressed form of @p in to @p out. Never writes more than @p max_out bytes:
 * an input that would (a compression bomb) fails with KFK_ERR__DECOMPRESS, as does corrupt
 * input. gzip accepts concatenated members; snappy accepts xerial framing and raw blocks; lz4
 * the frame format (with the block checksums it declares verified); zstd one or more frames,
 * with or without a content size. KFK_ERR__UNSUPPORTED_COMPRESSION for a codec not built in.
 * Empty @p in is KFK_ERR__DECOMPRESS for every codec but NONE. Xerial snappy has no end marker:
 * a stream cut exactly between blocks reads as a shorter valid one (every other cut fails).
 * Memory: the output buffer never grows past max_out + 1 bytes beyond its length at entry, and
 * no length a stream declares is trusted for allocation beyond that; the codec libraries add
 * their fixed working state (under 1 MiB; lz4 about twice a frame's block size, 8 MiB at most).
 * On any error @p out->len is restored to its value at entry, so @p out holds exactly what it
 * held before (no partial output); its capacity may have grown, and out->err is set only when
 * @p out itself could not grow (KFK_ERR__NOMEM). Errors: KFK_ERR__DECOMPRESS (corrupt,
 * truncated, or over max_out), KFK_ERR__NOMEM, KFK_ERR__INVALID_ARG (as for kfk_compress).
 */
KFK_EXTERN kfk_err_t kfk_decompress(kfk_codec_t codec, const void *in, size_t len, size_t max_out,
                                    kfk_wbuf_t *out);

/**
 * Reusable codec state. kfk_compress / kfk_decompress build and free the zlib, lz4 or zstd
 * context on every call (tens of microseconds for zstd); a kfk_codec_ctx_t keeps them between
 * calls, which matters for small batches. It holds no data between calls, only library state
 * and, once kfk_record_batch_builder_finish has compressed with it, that call's output buffer
 * (reused by the next batch; freed with the context). It serves every codec. One context must
 * not be used by two threads at once.
 */
typedef struct kfk_codec_ctx kfk_codec_ctx_t;

/** A new empty context in *ctx (library state is created on first use). KFK_ERR__NOMEM. */
KFK_EXTERN kfk_err_t kfk_codec_ctx_new(kfk_codec_ctx_t **ctx);

/** Frees @p ctx and all its library state. NULL is a no-op. */
KFK_EXTERN void kfk_codec_ctx_free(kfk_codec_ctx_t *ctx);

/** kfk_compress reusing @p ctx's state (same contract); @p ctx NULL behaves as kfk_compress. */
KFK_EXTERN kfk_err_t kfk_codec_ctx_compress(kfk_codec_ctx_t *ctx, kfk_codec_t codec, int level,
                                            const void *in, size_t len, kfk_wbuf_t *out);

/** kfk_decompress reusing @p ctx's state (same contract); @p ctx NULL behaves as kfk_decompress. */
KFK_EXTERN kfk_err_t kfk_codec_ctx_decompress(kfk_codec_ctx_t *ctx, kfk_codec_t codec,
                                              const void *in, size_t len, size_t max_out,
                                              kfk_wbuf_t *out);

/* ============================================================================================
 * Partitioning: murmur2 exactly as Kafka's Java client.
 * ========================================================================================== */

/** Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2) of @p len bytes of @p key. */
KFK_EXTERN int32_t kfk_murmur2(const void *key, size_t len);

/**
 * The partition Java's default partitioner picks for a non-null key:
 * (murmur2(key) & 0x7fffffff) % partition_count. -1 when @p partition_count < 1.
 */
KFK_EXTERN int32_t kfk_murmur2_partition(const void *key, size_t len, int32_t partition_count);

/* ==== RecordBatch v2 and legacy message sets (records_*.c, legacy.c): begin ==== */

/* ============================================================================================
 * Records: RecordBatch v2 (magic 2) and, read-only, legacy message sets (magic 0 and 1).
 *
 * Build: kfk_record_batch_builder_begin writes a 61-byte header placeholder at the end of the
 * caller's kfk_wbuf_t, each kfk_record_batch_builder_append writes one record there in wire
 * format (the only copy of its key, value and headers), and kfk_record_batch_builder_finish
 * patches the header, compresses the records if asked, and computes the CRC-32C.
 *
 * Read: a kfk_record_batch_reader_t walks a records blob (e.g. a Fetch partition's records)
 * batch by batch, verifying each CRC; legacy entries come out as batches with magic 0 or 1. A
 * kfk_record_iter_t walks the records of one batch; records point into the blob, or into the
 * caller's buffer for compressed batches (zero copy otherwise). A kfk_txn_filter_t applies a
 * Fetch response's aborted transactions for read_committed.
 * ========================================================================================== */

/** Bytes of a RecordBatch v2 header (Kafka's RECORD_BATCH_OVERHEAD). */
#define KFK_RECORD_BATCH_HEADER_SIZE 61

/* RecordBatch v2 attribute bits. */
/** Attributes bits 0-2: the compression codec (kfk_codec_t). */
#define KFK_RECORD_BATCH_ATTR_CODEC_MASK 0x07
/** Attributes bit 3: timestamps are LogAppendTime (else CreateTime). */
#define KFK_RECORD_BATCH_ATTR_LOG_APPEND_TIME 0x08
/** Attributes bit 4: the batch belongs to a transaction. */
#define KFK_RECORD_BATCH_ATTR_TRANSACTIONAL 0x10
/** Attributes bit 5: a control batch (a transaction marker). */
#define KFK_RECORD_BATCH_ATTR_CONTROL 0x20
/** Attributes bit 6: BaseTimestamp is the delete horizon (compacted topics). */
#define KFK_RECORD_BATCH_ATTR_DELETE_HORIZON 0x40

/** A batch's timestamp type (attributes bit 3). */
typedef enum kfk_timestamp_type {
    KFK_TIMESTAMP_CREATE_TIME = 0,
    KFK_TIMESTAMP_LOG_APPEND_TIME = 1
} kfk_timestamp_type_t;

/** One record header: the key is never null; a value with len -1 is null. */
typedef struct kfk_record_header {
    kfk_str_t key;     /**< the header's name */
    kfk_bytes_t value; /**< the header's value; len -1: null */
} kfk_record_header_t;

/**
 * Builds one RecordBatch v2 in a caller's buffer. The fields are private; the struct is public
 * so that it can live on the stack or inside a producer's partition state.
 */
typedef struct kfk_record_batch_builder {
    kfk_wbuf_t *buf;        /**< the caller's buffer (not owned) */
    size_t start;           /**< offset of the batch in buf */
    int32_t count;          /**< records appended */
    int64_t base_timestamp; /**< the first record's timestamp */
    int64_t max_timestamp;  /**< the largest timestamp (-1 when none is larger) */
    int state;              /**< 0 idle, 1 open, 2 finished */
    uint32_t records_crc;   /**< CRC-32C of the records up to records_crc_end (internal) */
    size_t records_crc_end; /**< offset in buf that records_crc covers up to (internal) */
} kfk_record_batch_builder_t;

/** What kfk_record_batch_builder_finish writes into the header besides the counts. */
typedef struct kfk_record_batch_attrs {
    kfk_codec_t codec;                   /**< compression of the records */
    int compression_level;               /**< < 0: the codec's default */
    kfk_timestamp_type_t timestamp_type; /**< CreateTime for producers */
    int64_t log_append_time;             /**< MaxTimestamp when LogAppendTime (brokers) */
    int64_t producer_id;                 /**< -1: not idempotent */
    int16_t producer_epoch;              /**< -1: not idempotent */
    int32_t base_sequence;               /**< -1: not idempotent */
    bool transactional;                  /**< attributes bit 4 */
    bool control;                        /**< attributes bit 5 (transaction markers) */
    kfk_codec_ctx_t *codec_ctx;          /**< reusable compressor state and buffer, or NULL */
} kfk_record_batch_attrs_t;

/** The attributes of a plain, uncompressed, non-idempotent CreateTime batch. */
#define KFK_RECORD_BATCH_ATTRS_INIT                                                                \
    { KFK_CODEC_NONE, -1, KFK_TIMESTAMP_CREATE_TIME, -1, -1, -1, -1, false, false, NULL }

/**
 * Starts a batch at the end of @p buf: appends the 61-byte header placeholder (BaseOffset 0,
 * PartitionLeaderEpoch -1, Magic 2). @p buf stays the caller's; it must outlive the builder and
 * nothing else may be appended to it until kfk_record_batch_builder_finish (or _abort). A
 * buffer may hold several finished batches one after another (a records blob).
 * Returns KFK_ERR__INVALID_ARG for NULL arguments, or @p buf's sticky error (KFK_ERR__NOMEM).
 */
KFK_EXTERN kfk_err_t kfk_record_batch_builder_begin(kfk_record_batch_builder_t *b, kfk_wbuf_t *buf);

/**
 * Appends one record in wire format: its offset delta is the number of records before it, its
 * timestamp delta is @p timestamp (ms) minus the first record's. @p key and @p value with len
 * -1 are null; @p headers (@p header_count of them, NULL when 0) must have non-null keys. The
 * bytes are copied once, into the batch; nothing is retained after the call. The records of
 * an uncompressed batch are checksummed as they are appended: their bytes in the buffer must
 * not change before kfk_record_batch_builder_finish.
 * Errors: KFK_ERR__STATE (no open batch), KFK_ERR__INVALID_ARG (length below -1, null header
 * key, NULL pointer with a positive length, more than INT32_MAX records or headers),
 * KFK_ERR__MSG_SIZE_TOO_LARGE (the batch would pass INT32_MAX bytes), KFK_ERR__NOMEM (then the
 * buffer's error is sticky). On error nothing is appended.
 */
KFK_EXTERN kfk_err_t kfk_record_batch_builder_append(kfk_record_batch_builder_t *b, kfk_bytes_t key,
                                                     kfk_bytes_t value,
                                                     const kfk_record_header_t *headers,
                                                     size_t header_count, int64_t timestamp);

/**
 * The bytes kfk_record_batch_builder_append would add for this record (uncompressed), so that
 * a producer can check batch.size before appending; SIZE_MAX for a record append would refuse.
 */
KFK_EXTERN size_t kfk_record_batch_builder_append_size(const kfk_record_batch_builder_t *b,
                                                       kfk_bytes_t key, kfk_bytes_t value,
                                                       const kfk_record_header_t *headers,
                                                       size_t header_count, int64_t timestamp);

/**
 * The batch's size in bytes so far, header included (uncompressed while open; the final size
 * once finished). 0 before begin.
 */
KFK_EXTERN size_t kfk_record_batch_builder_size(const kfk_record_batch_builder_t *b);

/** The number of records appended. */
KFK_EXTERN int32_t kfk_record_batch_builder_count(const kfk_record_batch_builder_t *b);

/**
 * Says that kfk_record_batch_builder_finish will compress the records: from here on, append no
 * longer keeps the running CRC-32C of the uncompressed records, which only an uncompressed batch
 * uses (finish checksums the compressed bytes). Finishing with KFK_CODEC_NONE stays correct:
 * the CRC is then computed over the whole batch at once.
 * Errors: KFK_ERR__STATE (no open batch).
 */
KFK_EXTERN kfk_err_t kfk_record_batch_builder_will_compress(kfk_record_batch_builder_t *b);

/**
 * Completes the batch: with a codec other than NONE, compresses the records (the compressor
 * reads them where they are, with attrs->codec_ctx's state if given, and its output replaces
 * them in @p buf; the compressed bytes pass through one temporary buffer), then patches
 * BatchLength, Attributes, LastOffsetDelta (count - 1), BaseTimestamp, MaxTimestamp, the producer
 * fields, RecordsCount and the CRC-32C. @p attrs NULL means KFK_RECORD_BATCH_ATTRS_INIT. An empty
 * batch is allowed (LastOffsetDelta -1, timestamps -1). The finished batch is the
 * kfk_record_batch_builder_size() bytes at buf->data + b->start.
 * Errors: KFK_ERR__STATE (no open batch), KFK_ERR__INVALID_ARG (bad codec or timestamp type),
 * kfk_compress's errors (KFK_ERR__UNSUPPORTED_COMPRESSION, KFK_ERR__NOMEM),
 * KFK_ERR__MSG_SIZE_TOO_LARGE. On error the batch stays open and unchanged, so finish may be
 * called again (e.g. with KFK_CODEC_NONE), unless the buffer itself failed (KFK_ERR__NOMEM).
 */
KFK_EXTERN kfk_err_t kfk_record_batch_builder_finish(kfk_record_batch_builder_t *b,
                                                     const kfk_record_batch_attrs_t *attrs);

/** Drops an open batch: truncates the buffer back to where begin found it. */
KFK_EXTERN void kfk_record_batch_builder_abort(kfk_record_batch_builder_t *b);

/**
 * Rewrites ProducerId, ProducerEpoch and BaseSequence of the finished v2 batch at @p batch
 * (@p len bytes, exactly one batch) and recomputes its CRC-32C. For producers that learn their
 * producer id after building (InitProducerId), or bump the epoch: call it once before the
 * first send; a retry must resend the batch byte for byte, so never call it between sends of
 * the same batch unless the sequence really changes (after an epoch bump).
 * KFK_ERR__INVALID_ARG when @p batch is not one well-formed v2 batch of @p len bytes.
 */
KFK_EXTERN kfk_err_t kfk_record_batch_set_producer(uint8_t *batch, size_t len, int64_t producer_id,
                                                   int16_t producer_epoch, int32_t base_sequence);

/**
 * One batch of a records blob, as kfk_record_batch_next found it: every v2 header field, and
 * for legacy entries (magic 0/1: one message, or one compressed wrapper of several) the
 * equivalent: base_offset is the entry's offset (for a compressed v1 wrapper, that of its last
 * inner message), batch_length its MessageSize, crc its CRC-32, attributes its 8-bit
 * attributes, base_timestamp = max_timestamp its timestamp (-1 in v0), records_count 1 (or -1
 * for a compressed wrapper: known only once iterated), partition_leader_epoch, producer_id,
 * producer_epoch and base_sequence -1, last_offset_delta 0.
 * @c data and @c size are the whole batch (from BaseOffset) inside the blob.
 */
typedef struct kfk_record_batch {
    int64_t base_offset;                 /**< BaseOffset: the first record's offset */
    int32_t batch_length;                /**< BatchLength: bytes after this field */
    int32_t partition_leader_epoch;      /**< PartitionLeaderEpoch */
    int8_t magic;                        /**< Magic: 2, or 0/1 for a legacy entry */
    uint32_t crc;                        /**< CRC (CRC-32C in v2), verified */
    int16_t attributes;                  /**< Attributes (KFK_RECORD_BATCH_ATTR_*) */
    int32_t last_offset_delta;           /**< LastOffsetDelta */
    int64_t base_timestamp;              /**< BaseTimestamp (ms) */
    int64_t max_timestamp;               /**< MaxTimestamp (ms) */
    int64_t producer_id;                 /**< ProducerId; -1: none */
    int16_t producer_epoch;              /**< ProducerEpoch; -1: none */
    int32_t base_sequence;               /**< BaseSequence; -1: none */
    int32_t records_count;               /**< RecordsCount */
    kfk_codec_t codec;                   /**< attributes bits 0-2; 5-7 are not codecs kfk knows */
    bool is_transactional;               /**< attributes bit 4 */
    bool is_control;                     /**< attributes bit 5 */
    kfk_timestamp_type_t timestamp_type; /**< attributes bit 3 */
    const uint8_t *data;                 /**< the whole batch, inside the blob */
    size_t size;                         /**< bytes at data */
} kfk_record_batch_t;

/**
 * Walks the batches of a records blob. @c err is the first error (sticky; 0 at a clean end);
 * @c truncated is set when the blob ended inside a batch, which is normal (brokers cut fetch
 * responses at a size limit) and not an error.
 */
typedef struct kfk_record_batch_reader {
    const uint8_t *p;   /**< the next batch (private) */
    const uint8_t *end; /**< the end of the blob (private) */
    kfk_err_t err;      /**< the first error (sticky); 0 at a clean end */
    bool truncated;     /**< the blob ended inside a batch */
} kfk_record_batch_reader_t;

/** Starts reading the @p len bytes at @p data, which must outlive every batch and record. */
KFK_EXTERN void kfk_record_batch_reader_init(kfk_record_batch_reader_t *r, const void *data,
                                             size_t len);

/**
 * The next batch into @p batch: true, or false at the end or on error (then r->err says which,
 * and every later call returns false). Dispatches on the magic byte at offset 16: 2 is a
 * RecordBatch (CRC-32C verified), 0 and 1 a legacy entry (CRC-32 verified). A batch cut short
 * by the end of the blob ends the walk cleanly (r->truncated). Errors: KFK_ERR__CRC,
 * KFK_ERR__BAD_MSG (a size below the format's minimum, a negative record count, a legacy
 * message whose key and value do not fill it exactly), KFK_ERR_UNSUPPORTED_FOR_MESSAGE_FORMAT
 * (a magic other than 0, 1, 2). The batch points into the blob.
 */
KFK_EXTERN bool kfk_record_batch_next(kfk_record_batch_reader_t *r, kfk_record_batch_t *batch);

/**
 * The offset to fetch after @p batch: base_offset + last_offset_delta + 1 for v2 (also for
 * empty and control batches, whose header still counts), base_offset + 1 for legacy entries.
 */
KFK_EXTERN int64_t kfk_record_batch_next_offset(const kfk_record_batch_t *batch);

/**
 * One record, pointing into the batch's bytes (or the decompression buffer): offset is
 * absolute; timestamp is the batch's MaxTimestamp for LogAppendTime batches, -1 for magic 0.
 * Headers (none in legacy records) are read with kfk_record_header_iter_*.
 */
typedef struct kfk_record_view {
    int64_t offset;         /**< the record's absolute offset */
    int64_t timestamp;      /**< ms; see above for LogAppendTime and magic 0 */
    kfk_bytes_t key;        /**< len -1: null */
    kfk_bytes_t value;      /**< len -1: null (a tombstone) */
    int32_t header_count;   /**< headers of the record */
    int8_t attributes;      /**< the record's attributes byte (unused by Kafka today) */
    const uint8_t *headers; /**< the encoded headers, for kfk_record_header_iter_init */
    size_t headers_size;    /**< bytes at headers */
} kfk_record_view_t;

/** Walks the records of one batch. Fields are private except @c err (sticky; 0 at the end). */
typedef struct kfk_record_iter {
    const uint8_t *p;       /**< private: the next record */
    const uint8_t *end;     /**< private: the end of the records */
    int64_t base_offset;    /**< private: the batch's BaseOffset */
    int64_t base_timestamp; /**< private: the batch's BaseTimestamp */
    int64_t max_timestamp;  /**< private: the batch's MaxTimestamp */
    int32_t count;          /**< private: records in the batch */
    int32_t index;          /**< private: records read */
    int8_t magic;           /**< private: the batch's magic */
    bool log_append_time;   /**< private: timestamps are LogAppendTime */
    bool skip;              /**< private: control batch, no data records */
    kfk_err_t err;          /**< the first error (sticky); 0 at the end */
} kfk_record_iter_t;

/**
 * Prepares to walk @p batch's records. For a compressed batch (or legacy wrapper) the records
 * are first decompressed, appended to @p out, never more than @p max_out bytes; records then
 * point into @p out, valid until @p out is next written to or freed (reset out->len to 0 to
 * reuse it per batch). Uncompressed batches need no @p out (may be NULL) and point into the
 * blob. Control batches yield no data records (see kfk_record_batch_control). @p batch itself
 * need not outlive the call; its bytes must.
 * Errors (also left in it->err): KFK_ERR__INVALID_ARG (compressed and @p out NULL),
 * KFK_ERR__UNSUPPORTED_COMPRESSION (a codec not built in, or not a codec),
 * KFK_ERR__DECOMPRESS (corrupt, or more than @p max_out bytes), KFK_ERR__NOMEM,
 * KFK_ERR__BAD_MSG (a legacy wrapper whose inner messages are malformed, or none).
 */
KFK_EXTERN kfk_err_t kfk_record_iter_init(kfk_record_iter_t *it, const kfk_record_batch_t *batch,
                                          kfk_wbuf_t *out, size_t max_out);

/**
 * kfk_record_iter_init decompressing with @p ctx's reusable codec state (NULL: none), which
 * saves the per-call setup of zlib, lz4 and zstd when a fetch carries many small compressed
 * batches. Same contract otherwise.
 */
KFK_EXTERN kfk_err_t kfk_record_iter_init_ctx(kfk_record_iter_t *it,
                                              const kfk_record_batch_t *batch, kfk_codec_ctx_t *ctx,
                                              kfk_wbuf_t *out, size_t max_out);

/**
 * The next data record into @p rec: true, or false at the end or on error (it->err:
 * KFK_ERR__BAD_MSG for a length past its record or a record whose Length disagrees with its
 * content, a null or negative header key, a varint longer than its type allows, fewer or more
 * records than RecordsCount; KFK_ERR__CRC for a legacy inner message).
 */
KFK_EXTERN bool kfk_record_iter_next(kfk_record_iter_t *it, kfk_record_view_t *rec);

/** Walks the headers of one record (validated already by kfk_record_iter_next). */
typedef struct kfk_record_header_iter {
    const uint8_t *p;   /**< private: the next header */
    const uint8_t *end; /**< private: the end of the headers */
    int32_t left;       /**< private: headers not read yet */
} kfk_record_header_iter_t;

/** Prepares to walk @p rec's headers; they live as long as @p rec's bytes. */
KFK_EXTERN void kfk_record_header_iter_init(kfk_record_header_iter_t *hi,
                                            const kfk_record_view_t *rec);

/** The next header into @p h (pointing into the record's bytes): true, or false at the end. */
KFK_EXTERN bool kfk_record_header_iter_next(kfk_record_header_iter_t *hi, kfk_record_header_t *h);

/** Control record types (ControlRecordType.java); 2-6 are KRaft's own. */
typedef enum kfk_control_type {
    KFK_CONTROL_ABORT = 0,
    KFK_CONTROL_COMMIT = 1,
    KFK_CONTROL_LEADER_CHANGE = 2,
    KFK_CONTROL_SNAPSHOT_HEADER = 3,
    KFK_CONTROL_SNAPSHOT_FOOTER = 4,
    KFK_CONTROL_KRAFT_VERSION = 5,
    KFK_CONTROL_KRAFT_VOTERS = 6
} kfk_control_type_t;

/** The control record of a control batch (type may be a number kfk does not know). */
typedef struct kfk_control_record {
    int16_t version;           /**< key version (0) */
    int16_t type;              /**< kfk_control_type_t */
    int32_t coordinator_epoch; /**< ABORT/COMMIT value; -1 when absent */
    int64_t offset;            /**< the control record's offset */
    int64_t timestamp;         /**< the control record's timestamp (ms) */
} kfk_control_record_t;

/**
 * Parses the control record (the first record) of control batch @p batch into @p out. A
 * compressed control batch is decompressed into a temporary buffer (at most 1 MiB), freed
 * before returning. KFK_ERR__INVALID_ARG when @p batch is not a v2 control batch;
 * KFK_ERR__BAD_MSG when it holds no record, or a key shorter than 4 bytes or with a negative
 * version; decompression errors as kfk_record_iter_init.
 */
KFK_EXTERN kfk_err_t kfk_record_batch_control(const kfk_record_batch_t *batch,
                                              kfk_control_record_t *out);

/** One entry of a Fetch response's AbortedTransactions (same layout as the first two fields
 * of kfk_fetch_response_aborted_transaction_t). */
typedef struct kfk_aborted_txn {
    int64_t producer_id;  /**< the producer of the aborted transaction */
    int64_t first_offset; /**< the transaction's first offset */
} kfk_aborted_txn_t;

/** read_committed filtering of one partition's fetched batches. Fields are private. */
typedef struct kfk_txn_filter {
    void *mem;    /**< one allocation: entries by first offset, then producer ids */
    size_t count; /**< aborted transactions */
    size_t next;  /**< first entry not yet reached */
    size_t npids; /**< distinct producer ids */
} kfk_txn_filter_t;

/**
 * Prepares a filter for one partition of one Fetch response from its AbortedTransactions:
 * @p count elements of @p stride bytes at @p txns, each starting with int64_t producer_id and
 * int64_t first_offset in that order (kfk_aborted_txn_t, or the Fetch response's decoded
 * aborted-transaction struct with its sizeof as @p stride). The list is read once, in any
 * order, and not retained. Allocates one block of 32 bytes per entry (none when @p count is 0).
 * Errors: KFK_ERR__INVALID_ARG (stride below 16, NULL with a count), KFK_ERR__NOMEM.
 */
KFK_EXTERN kfk_err_t kfk_txn_filter_init(kfk_txn_filter_t *f, const void *txns, size_t count,
                                         size_t stride);

/**
 * Feeds the next batch of the partition, in offset order, and sets *@p skip when its records
 * must not be delivered: a transactional batch whose producer has an aborted transaction that
 * starts at or before the batch's last offset and is not yet closed by that producer's ABORT
 * marker, and every control batch (an ABORT marker closes its producer's aborted transaction).
 * Legacy and non-idempotent batches (producer id -1) are never skipped. Errors: those of
 * kfk_record_batch_control for a malformed control batch (*@p skip is then true).
 */
KFK_EXTERN kfk_err_t kfk_txn_filter_check(kfk_txn_filter_t *f, const kfk_record_batch_t *batch,
                                          bool *skip);

/** Frees the filter's memory (safe on a zeroed or already freed filter). */
KFK_EXTERN void kfk_txn_filter_free(kfk_txn_filter_t *f);

/* ==== RecordBatch v2 and legacy message sets: end ==== */

#ifdef __cplusplus
}
#endif

#endif /* KFK_PROTOCOL_H */
