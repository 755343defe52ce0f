/** @file
 * kfk/msgs/create_partitions.h: CreatePartitions (key 37), versions 0-3, flexible from 2. Schemas:
 * CreatePartitionsRequest.json / CreatePartitionsResponse.json. Included by kfk/protocol.h. Line
 * format: F(TYPE, name, min_version, max_version, nullable_from, tag, default, sub). count is the
 * new total; assignments null lets the controller place the new partitions (one element per new
 * partition otherwise).
 */

/* -- request -- */
/** The fields of CreatePartitionsRequest CreatePartitionsAssignment (line format above). */
#define KFK_CREATE_PARTITIONS_REQUEST_CREATE_PARTITIONS_ASSIGNMENT(F)                              \
    F(ARRAY_INT32, broker_ids, 0, KFK_V_MAX, -1, -1, 0, _)
/** CreatePartitionsRequest CreatePartitionsAssignment: an element of `assignments` in
 * kfk_create_partitions_request_create_partitions_topic_t. */
KFK_MSG_STRUCT(kfk_create_partitions_request_create_partitions_assignment,
               KFK_CREATE_PARTITIONS_REQUEST_CREATE_PARTITIONS_ASSIGNMENT)

/** The fields of CreatePartitionsRequest CreatePartitionsTopic (line format above). */
#define KFK_CREATE_PARTITIONS_REQUEST_CREATE_PARTITIONS_TOPIC(F)                                   \
    F(STRING, name, 0, KFK_V_MAX, -1, -1, 0, _)                                                    \
    F(INT32, count, 0, KFK_V_MAX, -1, -1, 0, _)                                                    \
    F(ARRAY_STRUCT, assignments, 0, KFK_V_MAX, 0, -1, 0,                                           \
      kfk_create_partitions_request_create_partitions_assignment)
/** CreatePartitionsRequest CreatePartitionsTopic: an element of `topics` in
 * kfk_create_partitions_request_t. */
KFK_MSG_STRUCT(kfk_create_partitions_request_create_partitions_topic,
               KFK_CREATE_PARTITIONS_REQUEST_CREATE_PARTITIONS_TOPIC)

/** The fields of CreatePartitionsRequest (line format above). */
#define KFK_CREATE_PARTITIONS_REQUEST(F)                                                           \
    F(ARRAY_STRUCT, topics, 0, KFK_V_MAX, -1, -1, 0,                                               \
      kfk_create_partitions_request_create_partitions_topic)                                       \
    F(INT32, timeout_ms, 0, KFK_V_MAX, -1, -1, 0, _)                                               \
    F(BOOL, validate_only, 0, KFK_V_MAX, -1, -1, 0, _)
/** CreatePartitionsRequest: a member per field of KFK_CREATE_PARTITIONS_REQUEST, then unknown_tags.
 */
KFK_MSG_STRUCT(kfk_create_partitions_request, KFK_CREATE_PARTITIONS_REQUEST)

/* -- response -- */
/** The fields of CreatePartitionsResponse CreatePartitionsTopicResult (line format above). */
#define KFK_CREATE_PARTITIONS_RESPONSE_CREATE_PARTITIONS_TOPIC_RESULT(F)                           \
    F(STRING, name, 0, KFK_V_MAX, -1, -1, 0, _)                                                    \
    F(INT16, error_code, 0, KFK_V_MAX, -1, -1, 0, _)                                               \
    F(STRING, error_message, 0, KFK_V_MAX, 0, -1, -1, _)
/** CreatePartitionsResponse CreatePartitionsTopicResult: an element of `results` in
 * kfk_create_partitions_response_t. */
KFK_MSG_STRUCT(kfk_create_partitions_response_create_partitions_topic_result,
               KFK_CREATE_PARTITIONS_RESPONSE_CREATE_PARTITIONS_TOPIC_RESULT)

/** The fields of CreatePartitionsResponse (line format above). */
#define KFK_CREATE_PARTITIONS_RESPONSE(F)                                                          \
    F(INT32, throttle_time_ms, 0, KFK_V_MAX, -1, -1, 0, _)                                         \
    F(ARRAY_STRUCT, results, 0, KFK_V_MAX, -1, -1, 0,                                              \
      kfk_create_partitions_response_create_partitions_topic_result)
/** CreatePartitionsResponse: a member per field of KFK_CREATE_PARTITIONS_RESPONSE, then
 * unknown_tags. */
KFK_MSG_STRUCT(kfk_create_partitions_response, KFK_CREATE_PARTITIONS_RESPONSE)
