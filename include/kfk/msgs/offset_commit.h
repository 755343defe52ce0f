/** @file
 * kfk/msgs/offset_commit.h: OffsetCommit (key 8), versions 2-9, flexible from 8.
 * Schemas: OffsetCommitRequest.json / OffsetCommitResponse.json (Kafka 4.3, where a topic's
 * Name runs to v9 and TopicId starts at v10). Included by kfk/protocol.h.
 * Line format: F(TYPE, name, min_version, max_version, nullable_from, tag, default, sub).
 * v9 is v8 on the wire; a broker takes it as the KIP-848 member epoch in generation_id.
 * Not described: TopicId (v10+, above kfk's range) and the v1-only CommitTimestamp, which
 * Kafka 4.x dropped from its schema with versions 0-1.
 */

/* -- request -- */
/** The fields of OffsetCommitRequest Partition (line format above). */
#define KFK_OFFSET_COMMIT_REQUEST_PARTITION(F)                                                     \
    F(INT32, partition_index, 0, KFK_V_MAX, -1, -1, 0, _)                                          \
    F(INT64, committed_offset, 0, KFK_V_MAX, -1, -1, 0, _)                                         \
    F(INT32, committed_leader_epoch, 6, KFK_V_MAX, -1, -1, -1, _)                                  \
    F(STRING, committed_metadata, 0, KFK_V_MAX, 0, -1, 0, _)
/** OffsetCommitRequest Partition: an element of `partitions` in kfk_offset_commit_request_topic_t.
 */
KFK_MSG_STRUCT(kfk_offset_commit_request_partition, KFK_OFFSET_COMMIT_REQUEST_PARTITION)

/** The fields of OffsetCommitRequest Topic (line format above). */
#define KFK_OFFSET_COMMIT_REQUEST_TOPIC(F)                                                         \
    F(STRING, name, 0, 9, -1, -1, 0, _)                                                            \
    F(ARRAY_STRUCT, partitions, 0, KFK_V_MAX, -1, -1, 0, kfk_offset_commit_request_partition)
/** OffsetCommitRequest Topic: an element of `topics` in kfk_offset_commit_request_t. */
KFK_MSG_STRUCT(kfk_offset_commit_request_topic, KFK_OFFSET_COMMIT_REQUEST_TOPIC)

/** The fields of OffsetCommitRequest (line format above). */
#define KFK_OFFSET_COMMIT_REQUEST(F)                                                               \
    F(STRING, group_id, 0, KFK_V_MAX, -1, -1, 0, _)                                                \
    F(INT32, generation_id_or_member_epoch, 1, KFK_V_MAX, -1, -1, -1, _)                           \
    F(STRING, member_id, 1, KFK_V_MAX, -1, -1, 0, _)                                               \
    F(STRING, group_instance_id, 7, KFK_V_MAX, 7, -1, -1, _)                                       \
    F(INT64, retention_time_ms, 2, 4, -1, -1, -1, _)                                               \
    F(ARRAY_STRUCT, topics, 0, KFK_V_MAX, -1, -1, 0, kfk_offset_commit_request_topic)
/** OffsetCommitRequest: a member per field of KFK_OFFSET_COMMIT_REQUEST, then unknown_tags. */
KFK_MSG_STRUCT(kfk_offset_commit_request, KFK_OFFSET_COMMIT_REQUEST)

/* -- response -- */
/** The fields of OffsetCommitResponse Partition (line format above). */
#define KFK_OFFSET_COMMIT_RESPONSE_PARTITION(F)                                                    \
    F(INT32, partition_index, 0, KFK_V_MAX, -1, -1, 0, _)                                          \
    F(INT16, error_code, 0, KFK_V_MAX, -1, -1, 0, _)
/** OffsetCommitResponse Partition: an element of `partitions` in
 * kfk_offset_commit_response_topic_t. */
KFK_MSG_STRUCT(kfk_offset_commit_response_partition, KFK_OFFSET_COMMIT_RESPONSE_PARTITION)

/** The fields of OffsetCommitResponse Topic (line format above). */
#define KFK_OFFSET_COMMIT_RESPONSE_TOPIC(F)                                                        \
    F(STRING, name, 0, 9, -1, -1, 0, _)                                                            \
    F(ARRAY_STRUCT, partitions, 0, KFK_V_MAX, -1, -1, 0, kfk_offset_commit_response_partition)
/** OffsetCommitResponse Topic: an element of `topics` in kfk_offset_commit_response_t. */
KFK_MSG_STRUCT(kfk_offset_commit_response_topic, KFK_OFFSET_COMMIT_RESPONSE_TOPIC)

/** The fields of OffsetCommitResponse (line format above). */
#define KFK_OFFSET_COMMIT_RESPONSE(F)                                                              \
    F(INT32, throttle_time_ms, 3, KFK_V_MAX, -1, -1, 0, _)                                         \
    F(ARRAY_STRUCT, topics, 0, KFK_V_MAX, -1, -1, 0, kfk_offset_commit_response_topic)
/** OffsetCommitResponse: a member per field of KFK_OFFSET_COMMIT_RESPONSE, then unknown_tags. */
KFK_MSG_STRUCT(kfk_offset_commit_response, KFK_OFFSET_COMMIT_RESPONSE)
