/** @file
 * kfk/msgs/offset_delete.h: OffsetDelete (key 47), version 0, never flexible.
 * Schemas: OffsetDeleteRequest.json / OffsetDeleteResponse.json. Included by kfk/protocol.h.
 * Line format: F(TYPE, name, min_version, max_version, nullable_from, tag, default, sub).
 * Sent to the group's coordinator; deletes committed offsets of partitions the group does not
 * consume (GROUP_SUBSCRIBED_TO_TOPIC otherwise). Note the response's order: error_code first.
 */

/* -- request -- */
/** The fields of OffsetDeleteRequest OffsetDeleteRequestPartition (line format above). */
#define KFK_OFFSET_DELETE_REQUEST_PARTITION(F) F(INT32, partition_index, 0, KFK_V_MAX, -1, -1, 0, _)
/** OffsetDeleteRequest OffsetDeleteRequestPartition: an element of `partitions` in
 * kfk_offset_delete_request_topic_t. */
KFK_MSG_STRUCT(kfk_offset_delete_request_partition, KFK_OFFSET_DELETE_REQUEST_PARTITION)

/** The fields of OffsetDeleteRequest OffsetDeleteRequestTopic (line format above). */
#define KFK_OFFSET_DELETE_REQUEST_TOPIC(F)                                                         \
    F(STRING, name, 0, KFK_V_MAX, -1, -1, 0, _)                                                    \
    F(ARRAY_STRUCT, partitions, 0, KFK_V_MAX, -1, -1, 0, kfk_offset_delete_request_partition)
/** OffsetDeleteRequest OffsetDeleteRequestTopic: an element of `topics` in
 * kfk_offset_delete_request_t. */
KFK_MSG_STRUCT(kfk_offset_delete_request_topic, KFK_OFFSET_DELETE_REQUEST_TOPIC)

/** The fields of OffsetDeleteRequest (line format above). */
#define KFK_OFFSET_DELETE_REQUEST(F)                                                               \
    F(STRING, group_id, 0, KFK_V_MAX, -1, -1, 0, _)                                                \
    F(ARRAY_STRUCT, topics, 0, KFK_V_MAX, -1, -1, 0, kfk_offset_delete_request_topic)
/** OffsetDeleteRequest: a member per field of KFK_OFFSET_DELETE_REQUEST, then unknown_tags. */
KFK_MSG_STRUCT(kfk_offset_delete_request, KFK_OFFSET_DELETE_REQUEST)

/* -- response -- */
/** The fields of OffsetDeleteResponse OffsetDeleteResponsePartition (line format above). */
#define KFK_OFFSET_DELETE_RESPONSE_PARTITION(F)                                                    \
    F(INT32, partition_index, 0, KFK_V_MAX, -1, -1, 0, _)                                          \
    F(INT16, error_code, 0, KFK_V_MAX, -1, -1, 0, _)
/** OffsetDeleteResponse OffsetDeleteResponsePartition: an element of `partitions` in
 * kfk_offset_delete_response_topic_t. */
KFK_MSG_STRUCT(kfk_offset_delete_response_partition, KFK_OFFSET_DELETE_RESPONSE_PARTITION)

/** The fields of OffsetDeleteResponse OffsetDeleteResponseTopic (line format above). */
#define KFK_OFFSET_DELETE_RESPONSE_TOPIC(F)                                                        \
    F(STRING, name, 0, KFK_V_MAX, -1, -1, 0, _)                                                    \
    F(ARRAY_STRUCT, partitions, 0, KFK_V_MAX, -1, -1, 0, kfk_offset_delete_response_partition)
/** OffsetDeleteResponse OffsetDeleteResponseTopic: an element of `topics` in
 * kfk_offset_delete_response_t. */
KFK_MSG_STRUCT(kfk_offset_delete_response_topic, KFK_OFFSET_DELETE_RESPONSE_TOPIC)

/** The fields of OffsetDeleteResponse (line format above). */
#define KFK_OFFSET_DELETE_RESPONSE(F)                                                              \
    F(INT16, error_code, 0, KFK_V_MAX, -1, -1, 0, _)                                               \
    F(INT32, throttle_time_ms, 0, KFK_V_MAX, -1, -1, 0, _)                                         \
    F(ARRAY_STRUCT, topics, 0, KFK_V_MAX, -1, -1, 0, kfk_offset_delete_response_topic)
/** OffsetDeleteResponse: a member per field of KFK_OFFSET_DELETE_RESPONSE, then unknown_tags. */
KFK_MSG_STRUCT(kfk_offset_delete_response, KFK_OFFSET_DELETE_RESPONSE)
