/** @file
 * kfk/msgs/add_partitions_to_txn.h: AddPartitionsToTxn (key 24), versions 0-3, flexible from 3.
 * Schemas: AddPartitionsToTxnRequest.json / AddPartitionsToTxnResponse.json. Included by
 * kfk/protocol.h. Line format: F(TYPE, name, min_version, max_version, nullable_from, tag,
 * default, sub). Sent by a transactional producer to its transaction coordinator before it
 * produces to a partition for the first time in a transaction. Versions 0-3 are the clients'
 * (Java's AddPartitionsToTxnRequest.Builder.forClient asks 0-3); the field names keep Kafka's
 * V3AndBelow prefix and suffix so that they can be held against the schema. Not described: v4-5
 * (KIP-890), which only brokers send one another (a batch of transactions, verify_only, and a
 * top-level error_code in the response): a client's v4+ request needs CLUSTER_ACTION, and kfk's
 * version range is the one its client negotiates, so v4-5 here would make kfk ask for them.
 * Version 2 adds PRODUCER_FENCED to the errors a broker may answer.
 */

/* -- request -- */
/** The fields of AddPartitionsToTxnRequest AddPartitionsToTxnTopic (line format above). */
#define KFK_ADD_PARTITIONS_TO_TXN_REQUEST_ADD_PARTITIONS_TO_TXN_TOPIC(F)                           \
    F(STRING, name, 0, KFK_V_MAX, -1, -1, 0, _)                                                    \
    F(ARRAY_INT32, partitions, 0, KFK_V_MAX, -1, -1, 0, _)
/** AddPartitionsToTxnRequest AddPartitionsToTxnTopic: an element of `v3_and_below_topics` in
 * kfk_add_partitions_to_txn_request_t. */
KFK_MSG_STRUCT(kfk_add_partitions_to_txn_request_add_partitions_to_txn_topic,
               KFK_ADD_PARTITIONS_TO_TXN_REQUEST_ADD_PARTITIONS_TO_TXN_TOPIC)

/** The fields of AddPartitionsToTxnRequest (line format above). */
#define KFK_ADD_PARTITIONS_TO_TXN_REQUEST(F)                                                       \
    F(STRING, v3_and_below_transactional_id, 0, 3, -1, -1, 0, _)                                   \
    F(INT64, v3_and_below_producer_id, 0, 3, -1, -1, 0, _)                                         \
    F(INT16, v3_and_below_producer_epoch, 0, 3, -1, -1, 0, _)                                      \
    F(ARRAY_STRUCT, v3_and_below_topics, 0, 3, -1, -1, 0,                                          \
      kfk_add_partitions_to_txn_request_add_partitions_to_txn_topic)
/** AddPartitionsToTxnRequest: a member per field of KFK_ADD_PARTITIONS_TO_TXN_REQUEST, then
 * unknown_tags. */
KFK_MSG_STRUCT(kfk_add_partitions_to_txn_request, KFK_ADD_PARTITIONS_TO_TXN_REQUEST)

/* -- response -- */
/** The fields of AddPartitionsToTxnResponse AddPartitionsToTxnPartitionResult (line format
 * above). */
#define KFK_ADD_PARTITIONS_TO_TXN_RESPONSE_ADD_PARTITIONS_TO_TXN_PARTITION_RESULT(F)               \
    F(INT32, partition_index, 0, KFK_V_MAX, -1, -1, 0, _)                                          \
    F(INT16, partition_error_code, 0, KFK_V_MAX, -1, -1, 0, _)
/** AddPartitionsToTxnResponse AddPartitionsToTxnPartitionResult: an element of
 * `results_by_partition` in
 * kfk_add_partitions_to_txn_response_add_partitions_to_txn_topic_result_t.
 */
KFK_MSG_STRUCT(kfk_add_partitions_to_txn_response_add_partitions_to_txn_partition_result,
               KFK_ADD_PARTITIONS_TO_TXN_RESPONSE_ADD_PARTITIONS_TO_TXN_PARTITION_RESULT)

/** The fields of AddPartitionsToTxnResponse AddPartitionsToTxnTopicResult (line format above). */
#define KFK_ADD_PARTITIONS_TO_TXN_RESPONSE_ADD_PARTITIONS_TO_TXN_TOPIC_RESULT(F)                   \
    F(STRING, name, 0, KFK_V_MAX, -1, -1, 0, _)                                                    \
    F(ARRAY_STRUCT, results_by_partition, 0, KFK_V_MAX, -1, -1, 0,                                 \
      kfk_add_partitions_to_txn_response_add_partitions_to_txn_partition_result)
/** AddPartitionsToTxnResponse AddPartitionsToTxnTopicResult: an element of
 * `results_by_topic_v3_and_below` in kfk_add_partitions_to_txn_response_t. */
KFK_MSG_STRUCT(kfk_add_partitions_to_txn_response_add_partitions_to_txn_topic_result,
               KFK_ADD_PARTITIONS_TO_TXN_RESPONSE_ADD_PARTITIONS_TO_TXN_TOPIC_RESULT)

/** The fields of AddPartitionsToTxnResponse (line format above). */
#define KFK_ADD_PARTITIONS_TO_TXN_RESPONSE(F)                                                      \
    F(INT32, throttle_time_ms, 0, KFK_V_MAX, -1, -1, 0, _)                                         \
    F(ARRAY_STRUCT, results_by_topic_v3_and_below, 0, 3, -1, -1, 0,                                \
      kfk_add_partitions_to_txn_response_add_partitions_to_txn_topic_result)
/** AddPartitionsToTxnResponse: a member per field of KFK_ADD_PARTITIONS_TO_TXN_RESPONSE, then
 * unknown_tags. */
KFK_MSG_STRUCT(kfk_add_partitions_to_txn_response, KFK_ADD_PARTITIONS_TO_TXN_RESPONSE)
