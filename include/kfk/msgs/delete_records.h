/** @file
 * kfk/msgs/delete_records.h: DeleteRecords (key 21), versions 0-2, flexible from 2. Schemas:
 * DeleteRecordsRequest.json / DeleteRecordsResponse.json. Included by kfk/protocol.h. Line format:
 * F(TYPE, name, min_version, max_version, nullable_from, tag, default, sub). Sent to each
 * partition's leader; offset -1 deletes up to the high watermark.
 */

/* -- request -- */
/** The fields of DeleteRecordsRequest DeleteRecordsPartition (line format above). */
#define KFK_DELETE_RECORDS_REQUEST_DELETE_RECORDS_PARTITION(F)                                     \
    F(INT32, partition_index, 0, KFK_V_MAX, -1, -1, 0, _)                                          \
    F(INT64, offset, 0, KFK_V_MAX, -1, -1, 0, _)
/** DeleteRecordsRequest DeleteRecordsPartition: an element of `partitions` in
 * kfk_delete_records_request_delete_records_topic_t. */
KFK_MSG_STRUCT(kfk_delete_records_request_delete_records_partition,
               KFK_DELETE_RECORDS_REQUEST_DELETE_RECORDS_PARTITION)

/** The fields of DeleteRecordsRequest DeleteRecordsTopic (line format above).
 */
#define KFK_DELETE_RECORDS_REQUEST_DELETE_RECORDS_TOPIC(F)                                         \
    F(STRING, name, 0, KFK_V_MAX, -1, -1, 0, _)                                                    \
    F(ARRAY_STRUCT, partitions, 0, KFK_V_MAX, -1, -1, 0,                                           \
      kfk_delete_records_request_delete_records_partition)
/** DeleteRecordsRequest DeleteRecordsTopic: an element of `topics` in kfk_delete_records_request_t.
 */
KFK_MSG_STRUCT(kfk_delete_records_request_delete_records_topic,
               KFK_DELETE_RECORDS_REQUEST_DELETE_RECORDS_TOPIC)

/** The fields of DeleteRecordsRequest (line format above). */
#define KFK_DELETE_RECORDS_REQUEST(F)                                                              \
    F(ARRAY_STRUCT, topics, 0, KFK_V_MAX, -1, -1, 0,                                               \
      kfk_delete_records_request_delete_records_topic)                                             \
    F(INT32, timeout_ms, 0, KFK_V_MAX, -1, -1, 0, _)
/** DeleteRecordsRequest: a member per field of KFK_DELETE_RECORDS_REQUEST, then unknown_tags. */
KFK_MSG_STRUCT(kfk_delete_records_request, KFK_DELETE_RECORDS_REQUEST)

/* -- response -- */
/** The fields of DeleteRecordsResponse DeleteRecordsPartitionResult (line format above). */
#define KFK_DELETE_RECORDS_RESPONSE_DELETE_RECORDS_PARTITION_RESULT(F)                             \
    F(INT32, partition_index, 0, KFK_V_MAX, -1, -1, 0, _)                                          \
    F(INT64, low_watermark, 0, KFK_V_MAX, -1, -1, 0, _)                                            \
    F(INT16, error_code, 0, KFK_V_MAX, -1, -1, 0, _)
/** DeleteRecordsResponse DeleteRecordsPartitionResult: an element of `partitions` in
 * kfk_delete_records_response_delete_records_topic_result_t. */
KFK_MSG_STRUCT(kfk_delete_records_response_delete_records_partition_result,
               KFK_DELETE_RECORDS_RESPONSE_DELETE_RECORDS_PARTITION_RESULT)

/** The fields of DeleteRecordsResponse DeleteRecordsTopicResult (line format above). */
#define KFK_DELETE_RECORDS_RESPONSE_DELETE_RECORDS_TOPIC_RESULT(F)                                 \
    F(STRING, name, 0, KFK_V_MAX, -1, -1, 0, _)                                                    \
    F(ARRAY_STRUCT, partitions, 0, KFK_V_MAX, -1, -1, 0,                                           \
      kfk_delete_records_response_delete_records_partition_result)
/** DeleteRecordsResponse DeleteRecordsTopicResult: an element of `topics` in
 * kfk_delete_records_response_t. */
KFK_MSG_STRUCT(kfk_delete_records_response_delete_records_topic_result,
               KFK_DELETE_RECORDS_RESPONSE_DELETE_RECORDS_TOPIC_RESULT)

/** The fields of DeleteRecordsResponse (line format above). */
#define KFK_DELETE_RECORDS_RESPONSE(F)                                                             \
    F(INT32, throttle_time_ms, 0, KFK_V_MAX, -1, -1, 0, _)                                         \
    F(ARRAY_STRUCT, topics, 0, KFK_V_MAX, -1, -1, 0,                                               \
      kfk_delete_records_response_delete_records_topic_result)
/** DeleteRecordsResponse: a member per field of KFK_DELETE_RECORDS_RESPONSE, then unknown_tags. */
KFK_MSG_STRUCT(kfk_delete_records_response, KFK_DELETE_RECORDS_RESPONSE)
