/** @file
 * kfk/msgs/list_offsets.h: ListOffsets (key 2), versions 1-7, flexible from 6.
 * Schemas: ListOffsetsRequest.json / ListOffsetsResponse.json. Included by kfk/protocol.h.
 * Line format: F(TYPE, name, min_version, max_version, nullable_from, tag, default, sub).
 * Not described: the request's TimeoutMs (v10+, above kfk's range), and the v0-only
 * MaxNumOffsets / OldStyleOffsets (gone from Kafka 4.x, below kfk's range).
 */

/* -- request -- */
/** The fields of ListOffsetsRequest ListOffsetsPartition (line format above). */
#define KFK_LIST_OFFSETS_REQUEST_LIST_OFFSETS_PARTITION(F)                                         \
    F(INT32, partition_index, 0, KFK_V_MAX, -1, -1, 0, _)                                          \
    F(INT32, current_leader_epoch, 4, KFK_V_MAX, -1, -1, -1, _)                                    \
    F(INT64, timestamp, 0, KFK_V_MAX, -1, -1, 0, _)
/** ListOffsetsRequest ListOffsetsPartition: an element of `partitions` in
 * kfk_list_offsets_request_list_offsets_topic_t. */
KFK_MSG_STRUCT(kfk_list_offsets_request_list_offsets_partition,
               KFK_LIST_OFFSETS_REQUEST_LIST_OFFSETS_PARTITION)

/** The fields of ListOffsetsRequest ListOffsetsTopic (line format above). */
#define KFK_LIST_OFFSETS_REQUEST_LIST_OFFSETS_TOPIC(F)                                             \
    F(STRING, name, 0, KFK_V_MAX, -1, -1, 0, _)                                                    \
    F(ARRAY_STRUCT, partitions, 0, KFK_V_MAX, -1, -1, 0,                                           \
      kfk_list_offsets_request_list_offsets_partition)
/** ListOffsetsRequest ListOffsetsTopic: an element of `topics` in kfk_list_offsets_request_t. */
KFK_MSG_STRUCT(kfk_list_offsets_request_list_offsets_topic,
               KFK_LIST_OFFSETS_REQUEST_LIST_OFFSETS_TOPIC)

/** The fields of ListOffsetsRequest (line format above). */
#define KFK_LIST_OFFSETS_REQUEST(F)                                                                \
    F(INT32, replica_id, 0, KFK_V_MAX, -1, -1, 0, _)                                               \
    F(INT8, isolation_level, 2, KFK_V_MAX, -1, -1, 0, _)                                           \
    F(ARRAY_STRUCT, topics, 0, KFK_V_MAX, -1, -1, 0, kfk_list_offsets_request_list_offsets_topic)
/** ListOffsetsRequest: a member per field of KFK_LIST_OFFSETS_REQUEST, then unknown_tags. */
KFK_MSG_STRUCT(kfk_list_offsets_request, KFK_LIST_OFFSETS_REQUEST)

/* -- response -- */
/** The fields of ListOffsetsResponse ListOffsetsPartitionResponse (line format above). */
#define KFK_LIST_OFFSETS_RESPONSE_LIST_OFFSETS_PARTITION_RESPONSE(F)                               \
    F(INT32, partition_index, 0, KFK_V_MAX, -1, -1, 0, _)                                          \
    F(INT16, error_code, 0, KFK_V_MAX, -1, -1, 0, _)                                               \
    F(INT64, timestamp, 1, KFK_V_MAX, -1, -1, -1, _)                                               \
    F(INT64, offset, 1, KFK_V_MAX, -1, -1, -1, _)                                                  \
    F(INT32, leader_epoch, 4, KFK_V_MAX, -1, -1, -1, _)
/** ListOffsetsResponse ListOffsetsPartitionResponse: an element of `partitions` in
 * kfk_list_offsets_response_list_offsets_topic_response_t. */
KFK_MSG_STRUCT(kfk_list_offsets_response_list_offsets_partition_response,
               KFK_LIST_OFFSETS_RESPONSE_LIST_OFFSETS_PARTITION_RESPONSE)

/** The fields of ListOffsetsResponse ListOffsetsTopicResponse (line format above). */
#define KFK_LIST_OFFSETS_RESPONSE_LIST_OFFSETS_TOPIC_RESPONSE(F)                                   \
    F(STRING, name, 0, KFK_V_MAX, -1, -1, 0, _)                                                    \
    F(ARRAY_STRUCT, partitions, 0, KFK_V_MAX, -1, -1, 0,                                           \
      kfk_list_offsets_response_list_offsets_partition_response)
/** ListOffsetsResponse ListOffsetsTopicResponse: an element of `topics` in
 * kfk_list_offsets_response_t. */
KFK_MSG_STRUCT(kfk_list_offsets_response_list_offsets_topic_response,
               KFK_LIST_OFFSETS_RESPONSE_LIST_OFFSETS_TOPIC_RESPONSE)

/** The fields of ListOffsetsResponse (line format above). */
#define KFK_LIST_OFFSETS_RESPONSE(F)                                                               \
    F(INT32, throttle_time_ms, 2, KFK_V_MAX, -1, -1, 0, _)                                         \
    F(ARRAY_STRUCT, topics, 0, KFK_V_MAX, -1, -1, 0,                                               \
      kfk_list_offsets_response_list_offsets_topic_response)
/** ListOffsetsResponse: a member per field of KFK_LIST_OFFSETS_RESPONSE, then unknown_tags. */
KFK_MSG_STRUCT(kfk_list_offsets_response, KFK_LIST_OFFSETS_RESPONSE)
