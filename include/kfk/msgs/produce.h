/** @file
 * kfk/msgs/produce.h: Produce (key 0), versions 3-11, flexible from 9.
 * Schemas: ProduceRequest.json / ProduceResponse.json. Included by kfk/protocol.h.
 * Line format: F(TYPE, name, min_version, max_version, nullable_from, tag, default, sub).
 * The records field is RECORDS: opaque RecordBatch bytes, zero copy (see the RecordBatch API).
 * Not described: TopicId in the request's and the response's topics (v13+, above kfk's range).
 * Versions 0-2 are described as the schema does, though Kafka 4.x rejects them.
 */

/* -- request -- */
/** The fields of ProduceRequest PartitionProduceData (line format above). */
#define KFK_PRODUCE_REQUEST_PARTITION_PRODUCE_DATA(F)                                              \
    F(INT32, index, 0, KFK_V_MAX, -1, -1, 0, _)                                                    \
    F(RECORDS, records, 0, KFK_V_MAX, 0, -1, 0, _)
/** ProduceRequest PartitionProduceData: an element of `partition_data` in
 * kfk_produce_request_topic_produce_data_t. */
KFK_MSG_STRUCT(kfk_produce_request_partition_produce_data,
               KFK_PRODUCE_REQUEST_PARTITION_PRODUCE_DATA)

/** The fields of ProduceRequest TopicProduceData (line format above). */
#define KFK_PRODUCE_REQUEST_TOPIC_PRODUCE_DATA(F)                                                  \
    F(STRING, name, 0, 12, -1, -1, 0, _)                                                           \
    F(ARRAY_STRUCT, partition_data, 0, KFK_V_MAX, -1, -1, 0,                                       \
      kfk_produce_request_partition_produce_data)
/** ProduceRequest TopicProduceData: an element of `topic_data` in kfk_produce_request_t. */
KFK_MSG_STRUCT(kfk_produce_request_topic_produce_data, KFK_PRODUCE_REQUEST_TOPIC_PRODUCE_DATA)

/** The fields of ProduceRequest (line format above). */
#define KFK_PRODUCE_REQUEST(F)                                                                     \
    F(STRING, transactional_id, 3, KFK_V_MAX, 3, -1, -1, _)                                        \
    F(INT16, acks, 0, KFK_V_MAX, -1, -1, 0, _)                                                     \
    F(INT32, timeout_ms, 0, KFK_V_MAX, -1, -1, 0, _)                                               \
    F(ARRAY_STRUCT, topic_data, 0, KFK_V_MAX, -1, -1, 0, kfk_produce_request_topic_produce_data)
/** ProduceRequest: a member per field of KFK_PRODUCE_REQUEST, then unknown_tags. */
KFK_MSG_STRUCT(kfk_produce_request, KFK_PRODUCE_REQUEST)

/* -- response -- */
/** The fields of ProduceResponse BatchIndexAndErrorMessage (line format above). */
#define KFK_PRODUCE_RESPONSE_BATCH_INDEX_AND_ERROR_MESSAGE(F)                                      \
    F(INT32, batch_index, 8, KFK_V_MAX, -1, -1, 0, _)                                              \
    F(STRING, batch_index_error_message, 8, KFK_V_MAX, 8, -1, -1, _)
/** ProduceResponse BatchIndexAndErrorMessage: an element of `record_errors` in
 * kfk_produce_response_partition_produce_response_t. */
KFK_MSG_STRUCT(kfk_produce_response_batch_index_and_error_message,
               KFK_PRODUCE_RESPONSE_BATCH_INDEX_AND_ERROR_MESSAGE)

/** The fields of ProduceResponse LeaderIdAndEpoch (line format above). */
#define KFK_PRODUCE_RESPONSE_LEADER_ID_AND_EPOCH(F)                                                \
    F(INT32, leader_id, 10, KFK_V_MAX, -1, -1, -1, _)                                              \
    F(INT32, leader_epoch, 10, KFK_V_MAX, -1, -1, -1, _)
/** ProduceResponse LeaderIdAndEpoch: `current_leader` in
 * kfk_produce_response_partition_produce_response_t. */
KFK_MSG_STRUCT(kfk_produce_response_leader_id_and_epoch, KFK_PRODUCE_RESPONSE_LEADER_ID_AND_EPOCH)

/** The fields of ProduceResponse PartitionProduceResponse (line format above). */
#define KFK_PRODUCE_RESPONSE_PARTITION_PRODUCE_RESPONSE(F)                                         \
    F(INT32, index, 0, KFK_V_MAX, -1, -1, 0, _)                                                    \
    F(INT16, error_code, 0, KFK_V_MAX, -1, -1, 0, _)                                               \
    F(INT64, base_offset, 0, KFK_V_MAX, -1, -1, 0, _)                                              \
    F(INT64, log_append_time_ms, 2, KFK_V_MAX, -1, -1, -1, _)                                      \
    F(INT64, log_start_offset, 5, KFK_V_MAX, -1, -1, -1, _)                                        \
    F(ARRAY_STRUCT, record_errors, 8, KFK_V_MAX, -1, -1, 0,                                        \
      kfk_produce_response_batch_index_and_error_message)                                          \
    F(STRING, error_message, 8, KFK_V_MAX, 8, -1, -1, _)                                           \
    F(STRUCT, current_leader, 10, KFK_V_MAX, -1, 0, 0, kfk_produce_response_leader_id_and_epoch)
/** ProduceResponse PartitionProduceResponse: an element of `partition_responses` in
 * kfk_produce_response_topic_produce_response_t. */
KFK_MSG_STRUCT(kfk_produce_response_partition_produce_response,
               KFK_PRODUCE_RESPONSE_PARTITION_PRODUCE_RESPONSE)

/** The fields of ProduceResponse TopicProduceResponse (line format above). */
#define KFK_PRODUCE_RESPONSE_TOPIC_PRODUCE_RESPONSE(F)                                             \
    F(STRING, name, 0, 12, -1, -1, 0, _)                                                           \
    F(ARRAY_STRUCT, partition_responses, 0, KFK_V_MAX, -1, -1, 0,                                  \
      kfk_produce_response_partition_produce_response)
/** ProduceResponse TopicProduceResponse: an element of `responses` in kfk_produce_response_t. */
KFK_MSG_STRUCT(kfk_produce_response_topic_produce_response,
               KFK_PRODUCE_RESPONSE_TOPIC_PRODUCE_RESPONSE)

/** The fields of ProduceResponse NodeEndpoint (line format above). */
#define KFK_PRODUCE_RESPONSE_NODE_ENDPOINT(F)                                                      \
    F(INT32, node_id, 10, KFK_V_MAX, -1, -1, 0, _)                                                 \
    F(STRING, host, 10, KFK_V_MAX, -1, -1, 0, _)                                                   \
    F(INT32, port, 10, KFK_V_MAX, -1, -1, 0, _)                                                    \
    F(STRING, rack, 10, KFK_V_MAX, 10, -1, -1, _)
/** ProduceResponse NodeEndpoint: an element of `node_endpoints` in kfk_produce_response_t. */
KFK_MSG_STRUCT(kfk_produce_response_node_endpoint, KFK_PRODUCE_RESPONSE_NODE_ENDPOINT)

/** The fields of ProduceResponse (line format above). */
#define KFK_PRODUCE_RESPONSE(F)                                                                    \
    F(ARRAY_STRUCT, responses, 0, KFK_V_MAX, -1, -1, 0,                                            \
      kfk_produce_response_topic_produce_response)                                                 \
    F(INT32, throttle_time_ms, 1, KFK_V_MAX, -1, -1, 0, _)                                         \
    F(ARRAY_STRUCT, node_endpoints, 10, KFK_V_MAX, -1, 0, 0, kfk_produce_response_node_endpoint)
/** ProduceResponse: a member per field of KFK_PRODUCE_RESPONSE, then unknown_tags. */
KFK_MSG_STRUCT(kfk_produce_response, KFK_PRODUCE_RESPONSE)
