/** @file
 * kfk/msgs/txn_offset_commit.h: TxnOffsetCommit (key 28), versions 0-5, flexible from 3.
 * Schemas: TxnOffsetCommitRequest.json / TxnOffsetCommitResponse.json. Included by
 * kfk/protocol.h. Line format: F(TYPE, name, min_version, max_version, nullable_from, tag,
 * default, sub). Sent to the group coordinator: a consumer group's offsets, committed only if
 * the transaction commits. Version 2 adds committed_leader_epoch; version 3 the group's
 * generation_id, member_id and group_instance_id (KIP-447: the coordinator fences zombie
 * members); version 4 TRANSACTION_ABORTABLE (KIP-890) to the errors; version 5 (Kafka 4.0+,
 * KIP-890 part 2) has the same fields but also adds the group to the transaction, replacing
 * AddOffsetsToTxn. Kafka 3.9 speaks 0-4. Java's client sends v5 only when the cluster
 * finalized transaction.version 2 and caps at v4 otherwise; a client on this codec must do the
 * same.
 */

/* -- request -- */
/** The fields of TxnOffsetCommitRequest TxnOffsetCommitRequestPartition (line format above). */
#define KFK_TXN_OFFSET_COMMIT_REQUEST_PARTITION(F)                                                 \
    F(INT32, partition_index, 0, KFK_V_MAX, -1, -1, 0, _)                                          \
    F(INT64, committed_offset, 0, KFK_V_MAX, -1, -1, 0, _)                                         \
    F(INT32, committed_leader_epoch, 2, KFK_V_MAX, -1, -1, -1, _)                                  \
    F(STRING, committed_metadata, 0, KFK_V_MAX, 0, -1, 0, _)
/** TxnOffsetCommitRequest TxnOffsetCommitRequestPartition: an element of `partitions` in
 * kfk_txn_offset_commit_request_topic_t. */
KFK_MSG_STRUCT(kfk_txn_offset_commit_request_partition, KFK_TXN_OFFSET_COMMIT_REQUEST_PARTITION)

/** The fields of TxnOffsetCommitRequest TxnOffsetCommitRequestTopic (line format above). */
#define KFK_TXN_OFFSET_COMMIT_REQUEST_TOPIC(F)                                                     \
    F(STRING, name, 0, KFK_V_MAX, -1, -1, 0, _)                                                    \
    F(ARRAY_STRUCT, partitions, 0, KFK_V_MAX, -1, -1, 0, kfk_txn_offset_commit_request_partition)
/** TxnOffsetCommitRequest TxnOffsetCommitRequestTopic: an element of `topics` in
 * kfk_txn_offset_commit_request_t. */
KFK_MSG_STRUCT(kfk_txn_offset_commit_request_topic, KFK_TXN_OFFSET_COMMIT_REQUEST_TOPIC)

/** The fields of TxnOffsetCommitRequest (line format above). */
#define KFK_TXN_OFFSET_COMMIT_REQUEST(F)                                                           \
    F(STRING, transactional_id, 0, KFK_V_MAX, -1, -1, 0, _)                                        \
    F(STRING, group_id, 0, KFK_V_MAX, -1, -1, 0, _)                                                \
    F(INT64, producer_id, 0, KFK_V_MAX, -1, -1, 0, _)                                              \
    F(INT16, producer_epoch, 0, KFK_V_MAX, -1, -1, 0, _)                                           \
    F(INT32, generation_id, 3, KFK_V_MAX, -1, -1, -1, _)                                           \
    F(STRING, member_id, 3, KFK_V_MAX, -1, -1, 0, _)                                               \
    F(STRING, group_instance_id, 3, KFK_V_MAX, 3, -1, -1, _)                                       \
    F(ARRAY_STRUCT, topics, 0, KFK_V_MAX, -1, -1, 0, kfk_txn_offset_commit_request_topic)
/** TxnOffsetCommitRequest: a member per field of KFK_TXN_OFFSET_COMMIT_REQUEST, then
 * unknown_tags. */
KFK_MSG_STRUCT(kfk_txn_offset_commit_request, KFK_TXN_OFFSET_COMMIT_REQUEST)

/* -- response -- */
/** The fields of TxnOffsetCommitResponse TxnOffsetCommitResponsePartition (line format above). */
#define KFK_TXN_OFFSET_COMMIT_RESPONSE_PARTITION(F)                                                \
    F(INT32, partition_index, 0, KFK_V_MAX, -1, -1, 0, _)                                          \
    F(INT16, error_code, 0, KFK_V_MAX, -1, -1, 0, _)
/** TxnOffsetCommitResponse TxnOffsetCommitResponsePartition: an element of `partitions` in
 * kfk_txn_offset_commit_response_topic_t. */
KFK_MSG_STRUCT(kfk_txn_offset_commit_response_partition, KFK_TXN_OFFSET_COMMIT_RESPONSE_PARTITION)

/** The fields of TxnOffsetCommitResponse TxnOffsetCommitResponseTopic (line format above). */
#define KFK_TXN_OFFSET_COMMIT_RESPONSE_TOPIC(F)                                                    \
    F(STRING, name, 0, KFK_V_MAX, -1, -1, 0, _)                                                    \
    F(ARRAY_STRUCT, partitions, 0, KFK_V_MAX, -1, -1, 0, kfk_txn_offset_commit_response_partition)
/** TxnOffsetCommitResponse TxnOffsetCommitResponseTopic: an element of `topics` in
 * kfk_txn_offset_commit_response_t. */
KFK_MSG_STRUCT(kfk_txn_offset_commit_response_topic, KFK_TXN_OFFSET_COMMIT_RESPONSE_TOPIC)

/** The fields of TxnOffsetCommitResponse (line format above). */
#define KFK_TXN_OFFSET_COMMIT_RESPONSE(F)                                                          \
    F(INT32, throttle_time_ms, 0, KFK_V_MAX, -1, -1, 0, _)                                         \
    F(ARRAY_STRUCT, topics, 0, KFK_V_MAX, -1, -1, 0, kfk_txn_offset_commit_response_topic)
/** TxnOffsetCommitResponse: a member per field of KFK_TXN_OFFSET_COMMIT_RESPONSE, then
 * unknown_tags. */
KFK_MSG_STRUCT(kfk_txn_offset_commit_response, KFK_TXN_OFFSET_COMMIT_RESPONSE)
