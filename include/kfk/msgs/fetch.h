/** @file
 * kfk/msgs/fetch.h: Fetch (key 1), versions 4-12, flexible from 12.
 * Schemas: FetchRequest.json / FetchResponse.json. Included by kfk/protocol.h.
 * Line format: F(TYPE, name, min_version, max_version, nullable_from, tag, default, sub).
 * The records field is RECORDS: opaque RecordBatch bytes, zero copy (see the RecordBatch API).
 * Not described (all above kfk's range): the request's ReplicaState (tag 1, v15+), TopicId of
 * topics and forgotten topics (v13+), and a partition's ReplicaDirectoryId (tag 0, v17+) and
 * HighWatermark (tag 1, v18+); the response's TopicId (v13+) and NodeEndpoints (tag 0, v16+).
 */

/* -- request -- */
/** The fields of FetchRequest FetchPartition (line format above). */
#define KFK_FETCH_REQUEST_FETCH_PARTITION(F)                                                       \
    F(INT32, partition, 0, KFK_V_MAX, -1, -1, 0, _)                                                \
    F(INT32, current_leader_epoch, 9, KFK_V_MAX, -1, -1, -1, _)                                    \
    F(INT64, fetch_offset, 0, KFK_V_MAX, -1, -1, 0, _)                                             \
    F(INT32, last_fetched_epoch, 12, KFK_V_MAX, -1, -1, -1, _)                                     \
    F(INT64, log_start_offset, 5, KFK_V_MAX, -1, -1, -1, _)                                        \
    F(INT32, partition_max_bytes, 0, KFK_V_MAX, -1, -1, 0, _)
/** FetchRequest FetchPartition: an element of `partitions` in kfk_fetch_request_fetch_topic_t. */
KFK_MSG_STRUCT(kfk_fetch_request_fetch_partition, KFK_FETCH_REQUEST_FETCH_PARTITION)

/** The fields of FetchRequest FetchTopic (line format above). */
#define KFK_FETCH_REQUEST_FETCH_TOPIC(F)                                                           \
    F(STRING, topic, 0, 12, -1, -1, 0, _)                                                          \
    F(ARRAY_STRUCT, partitions, 0, KFK_V_MAX, -1, -1, 0, kfk_fetch_request_fetch_partition)
/** FetchRequest FetchTopic: an element of `topics` in kfk_fetch_request_t. */
KFK_MSG_STRUCT(kfk_fetch_request_fetch_topic, KFK_FETCH_REQUEST_FETCH_TOPIC)

/** The fields of FetchRequest ForgottenTopic (line format above). */
#define KFK_FETCH_REQUEST_FORGOTTEN_TOPIC(F)                                                       \
    F(STRING, topic, 7, 12, -1, -1, 0, _)                                                          \
    F(ARRAY_INT32, partitions, 7, KFK_V_MAX, -1, -1, 0, _)
/** FetchRequest ForgottenTopic: an element of `forgotten_topics_data` in kfk_fetch_request_t. */
KFK_MSG_STRUCT(kfk_fetch_request_forgotten_topic, KFK_FETCH_REQUEST_FORGOTTEN_TOPIC)

/** The fields of FetchRequest (line format above). */
#define KFK_FETCH_REQUEST(F)                                                                       \
    F(STRING, cluster_id, 12, KFK_V_MAX, 12, 0, -1, _)                                             \
    F(INT32, replica_id, 0, 14, -1, -1, -1, _)                                                     \
    F(INT32, max_wait_ms, 0, KFK_V_MAX, -1, -1, 0, _)                                              \
    F(INT32, min_bytes, 0, KFK_V_MAX, -1, -1, 0, _)                                                \
    F(INT32, max_bytes, 3, KFK_V_MAX, -1, -1, 0x7fffffff, _)                                       \
    F(INT8, isolation_level, 4, KFK_V_MAX, -1, -1, 0, _)                                           \
    F(INT32, session_id, 7, KFK_V_MAX, -1, -1, 0, _)                                               \
    F(INT32, session_epoch, 7, KFK_V_MAX, -1, -1, -1, _)                                           \
    F(ARRAY_STRUCT, topics, 0, KFK_V_MAX, -1, -1, 0, kfk_fetch_request_fetch_topic)                \
    F(ARRAY_STRUCT, forgotten_topics_data, 7, KFK_V_MAX, -1, -1, 0,                                \
      kfk_fetch_request_forgotten_topic)                                                           \
    F(STRING, rack_id, 11, KFK_V_MAX, -1, -1, 0, _)
/** FetchRequest: a member per field of KFK_FETCH_REQUEST, then unknown_tags. */
KFK_MSG_STRUCT(kfk_fetch_request, KFK_FETCH_REQUEST)

/* -- response -- */
/** The fields of FetchResponse EpochEndOffset (line format above). */
#define KFK_FETCH_RESPONSE_EPOCH_END_OFFSET(F)                                                     \
    F(INT32, epoch, 12, KFK_V_MAX, -1, -1, -1, _)                                                  \
    F(INT64, end_offset, 12, KFK_V_MAX, -1, -1, -1, _)
/** FetchResponse EpochEndOffset: `diverging_epoch` in kfk_fetch_response_partition_data_t. */
KFK_MSG_STRUCT(kfk_fetch_response_epoch_end_offset, KFK_FETCH_RESPONSE_EPOCH_END_OFFSET)

/** The fields of FetchResponse LeaderIdAndEpoch (line format above). */
#define KFK_FETCH_RESPONSE_LEADER_ID_AND_EPOCH(F)                                                  \
    F(INT32, leader_id, 12, KFK_V_MAX, -1, -1, -1, _)                                              \
    F(INT32, leader_epoch, 12, KFK_V_MAX, -1, -1, -1, _)
/** FetchResponse LeaderIdAndEpoch: `current_leader` in kfk_fetch_response_partition_data_t. */
KFK_MSG_STRUCT(kfk_fetch_response_leader_id_and_epoch, KFK_FETCH_RESPONSE_LEADER_ID_AND_EPOCH)

/** The fields of FetchResponse SnapshotId (line format above). */
#define KFK_FETCH_RESPONSE_SNAPSHOT_ID(F)                                                          \
    F(INT64, end_offset, 0, KFK_V_MAX, -1, -1, -1, _)                                              \
    F(INT32, epoch, 0, KFK_V_MAX, -1, -1, -1, _)
/** FetchResponse SnapshotId: `snapshot_id` in kfk_fetch_response_partition_data_t. */
KFK_MSG_STRUCT(kfk_fetch_response_snapshot_id, KFK_FETCH_RESPONSE_SNAPSHOT_ID)

/** The fields of FetchResponse AbortedTransaction (line format above). */
#define KFK_FETCH_RESPONSE_ABORTED_TRANSACTION(F)                                                  \
    F(INT64, producer_id, 4, KFK_V_MAX, -1, -1, 0, _)                                              \
    F(INT64, first_offset, 4, KFK_V_MAX, -1, -1, 0, _)
/** FetchResponse AbortedTransaction: an element of `aborted_transactions` in
 * kfk_fetch_response_partition_data_t. */
KFK_MSG_STRUCT(kfk_fetch_response_aborted_transaction, KFK_FETCH_RESPONSE_ABORTED_TRANSACTION)

/** The fields of FetchResponse PartitionData (line format above). */
#define KFK_FETCH_RESPONSE_PARTITION_DATA(F)                                                       \
    F(INT32, partition_index, 0, KFK_V_MAX, -1, -1, 0, _)                                          \
    F(INT16, error_code, 0, KFK_V_MAX, -1, -1, 0, _)                                               \
    F(INT64, high_watermark, 0, KFK_V_MAX, -1, -1, 0, _)                                           \
    F(INT64, last_stable_offset, 4, KFK_V_MAX, -1, -1, -1, _)                                      \
    F(INT64, log_start_offset, 5, KFK_V_MAX, -1, -1, -1, _)                                        \
    F(STRUCT, diverging_epoch, 12, KFK_V_MAX, -1, 0, 0, kfk_fetch_response_epoch_end_offset)       \
    F(STRUCT, current_leader, 12, KFK_V_MAX, -1, 1, 0, kfk_fetch_response_leader_id_and_epoch)     \
    F(STRUCT, snapshot_id, 12, KFK_V_MAX, -1, 2, 0, kfk_fetch_response_snapshot_id)                \
    F(ARRAY_STRUCT, aborted_transactions, 4, KFK_V_MAX, 4, -1, 0,                                  \
      kfk_fetch_response_aborted_transaction)                                                      \
    F(INT32, preferred_read_replica, 11, KFK_V_MAX, -1, -1, -1, _)                                 \
    F(RECORDS, records, 0, KFK_V_MAX, 0, -1, 0, _)
/** FetchResponse PartitionData: an element of `partitions` in
 * kfk_fetch_response_fetchable_topic_response_t. */
KFK_MSG_STRUCT(kfk_fetch_response_partition_data, KFK_FETCH_RESPONSE_PARTITION_DATA)

/** The fields of FetchResponse FetchableTopicResponse (line format above). */
#define KFK_FETCH_RESPONSE_FETCHABLE_TOPIC_RESPONSE(F)                                             \
    F(STRING, topic, 0, 12, -1, -1, 0, _)                                                          \
    F(ARRAY_STRUCT, partitions, 0, KFK_V_MAX, -1, -1, 0, kfk_fetch_response_partition_data)
/** FetchResponse FetchableTopicResponse: an element of `responses` in kfk_fetch_response_t. */
KFK_MSG_STRUCT(kfk_fetch_response_fetchable_topic_response,
               KFK_FETCH_RESPONSE_FETCHABLE_TOPIC_RESPONSE)

/** The fields of FetchResponse (line format above). */
#define KFK_FETCH_RESPONSE(F)                                                                      \
    F(INT32, throttle_time_ms, 1, KFK_V_MAX, -1, -1, 0, _)                                         \
    F(INT16, error_code, 7, KFK_V_MAX, -1, -1, 0, _)                                               \
    F(INT32, session_id, 7, KFK_V_MAX, -1, -1, 0, _)                                               \
    F(ARRAY_STRUCT, responses, 0, KFK_V_MAX, -1, -1, 0, kfk_fetch_response_fetchable_topic_response)
/** FetchResponse: a member per field of KFK_FETCH_RESPONSE, then unknown_tags. */
KFK_MSG_STRUCT(kfk_fetch_response, KFK_FETCH_RESPONSE)
