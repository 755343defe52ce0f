/** @file
 * kfk/msgs/offset_fetch.h: OffsetFetch (key 9), versions 1-7, flexible from 6.
 * Schemas: OffsetFetchRequest.json / OffsetFetchResponse.json. Included by kfk/protocol.h.
 * Line format: F(TYPE, name, min_version, max_version, nullable_from, tag, default, sub).
 * Only the one-group shape of v0-7 (GroupId + Topics) is described: the Groups arrays of v8+
 * are above kfk's range.
 */

/* -- request -- */
/** The fields of OffsetFetchRequest Topic (line format above). */
#define KFK_OFFSET_FETCH_REQUEST_TOPIC(F)                                                          \
    F(STRING, name, 0, 7, -1, -1, 0, _)                                                            \
    F(ARRAY_INT32, partition_indexes, 0, 7, -1, -1, 0, _)
/** OffsetFetchRequest Topic: an element of `topics` in kfk_offset_fetch_request_t. */
KFK_MSG_STRUCT(kfk_offset_fetch_request_topic, KFK_OFFSET_FETCH_REQUEST_TOPIC)

/** The fields of OffsetFetchRequest (line format above). */
#define KFK_OFFSET_FETCH_REQUEST(F)                                                                \
    F(STRING, group_id, 0, 7, -1, -1, 0, _)                                                        \
    F(ARRAY_STRUCT, topics, 0, 7, 2, -1, 0, kfk_offset_fetch_request_topic)                        \
    F(BOOL, require_stable, 7, KFK_V_MAX, -1, -1, 0, _)
/** OffsetFetchRequest: a member per field of KFK_OFFSET_FETCH_REQUEST, then unknown_tags. */
KFK_MSG_STRUCT(kfk_offset_fetch_request, KFK_OFFSET_FETCH_REQUEST)

/* -- response -- */
/** The fields of OffsetFetchResponse Partition (line format above). */
#define KFK_OFFSET_FETCH_RESPONSE_PARTITION(F)                                                     \
    F(INT32, partition_index, 0, 7, -1, -1, 0, _)                                                  \
    F(INT64, committed_offset, 0, 7, -1, -1, 0, _)                                                 \
    F(INT32, committed_leader_epoch, 5, 7, -1, -1, -1, _)                                          \
    F(STRING, metadata, 0, 7, 0, -1, 0, _)                                                         \
    F(INT16, error_code, 0, 7, -1, -1, 0, _)
/** OffsetFetchResponse Partition: an element of `partitions` in kfk_offset_fetch_response_topic_t.
 */
KFK_MSG_STRUCT(kfk_offset_fetch_response_partition, KFK_OFFSET_FETCH_RESPONSE_PARTITION)

/** The fields of OffsetFetchResponse Topic (line format above). */
#define KFK_OFFSET_FETCH_RESPONSE_TOPIC(F)                                                         \
    F(STRING, name, 0, 7, -1, -1, 0, _)                                                            \
    F(ARRAY_STRUCT, partitions, 0, 7, -1, -1, 0, kfk_offset_fetch_response_partition)
/** OffsetFetchResponse Topic: an element of `topics` in kfk_offset_fetch_response_t. */
KFK_MSG_STRUCT(kfk_offset_fetch_response_topic, KFK_OFFSET_FETCH_RESPONSE_TOPIC)

/** The fields of OffsetFetchResponse (line format above). */
#define KFK_OFFSET_FETCH_RESPONSE(F)                                                               \
    F(INT32, throttle_time_ms, 3, KFK_V_MAX, -1, -1, 0, _)                                         \
    F(ARRAY_STRUCT, topics, 0, 7, -1, -1, 0, kfk_offset_fetch_response_topic)                      \
    F(INT16, error_code, 2, 7, -1, -1, 0, _)
/** OffsetFetchResponse: a member per field of KFK_OFFSET_FETCH_RESPONSE, then unknown_tags. */
KFK_MSG_STRUCT(kfk_offset_fetch_response, KFK_OFFSET_FETCH_RESPONSE)
