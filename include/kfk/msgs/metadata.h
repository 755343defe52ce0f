/** @file
 * kfk/msgs/metadata.h: Metadata (key 3), versions 0-12, flexible from 9. v0 has no rack,
 * controller id or is_internal, and its topics array is not nullable: an empty one asks for
 * every topic (the mock serves v0 to peers such as aiokafka's bootstrap; kfk's client asks v1+).
 * Schemas: MetadataRequest.json / MetadataResponse.json. Included by kfk/protocol.h.
 * Line format: F(TYPE, name, min_version, max_version, nullable_from, tag, default, sub).
 * Not described: the response's top-level ErrorCode (v13+, above kfk's range).
 */

/* -- request -- */
/** The fields of MetadataRequest Topic (line format above). */
#define KFK_METADATA_REQUEST_TOPIC(F)                                                              \
    F(UUID, topic_id, 10, KFK_V_MAX, -1, -1, 0, _)                                                 \
    F(STRING, name, 0, KFK_V_MAX, 10, -1, 0, _)
/** MetadataRequest Topic: an element of `topics` in kfk_metadata_request_t. */
KFK_MSG_STRUCT(kfk_metadata_request_topic, KFK_METADATA_REQUEST_TOPIC)

/** The fields of MetadataRequest (line format above). */
#define KFK_METADATA_REQUEST(F)                                                                    \
    F(ARRAY_STRUCT, topics, 0, KFK_V_MAX, 1, -1, 0, kfk_metadata_request_topic)                    \
    F(BOOL, allow_auto_topic_creation, 4, KFK_V_MAX, -1, -1, 1, _)                                 \
    F(BOOL, include_cluster_authorized_operations, 8, 10, -1, -1, 0, _)                            \
    F(BOOL, include_topic_authorized_operations, 8, KFK_V_MAX, -1, -1, 0, _)
/** MetadataRequest: a member per field of KFK_METADATA_REQUEST, then unknown_tags. */
KFK_MSG_STRUCT(kfk_metadata_request, KFK_METADATA_REQUEST)

/* -- response -- */
/** The fields of MetadataResponse Broker (line format above). */
#define KFK_METADATA_RESPONSE_BROKER(F)                                                            \
    F(INT32, node_id, 0, KFK_V_MAX, -1, -1, 0, _)                                                  \
    F(STRING, host, 0, KFK_V_MAX, -1, -1, 0, _)                                                    \
    F(INT32, port, 0, KFK_V_MAX, -1, -1, 0, _)                                                     \
    F(STRING, rack, 1, KFK_V_MAX, 1, -1, -1, _)
/** MetadataResponse Broker: an element of `brokers` in kfk_metadata_response_t. */
KFK_MSG_STRUCT(kfk_metadata_response_broker, KFK_METADATA_RESPONSE_BROKER)

/** The fields of MetadataResponse Partition (line format above). */
#define KFK_METADATA_RESPONSE_PARTITION(F)                                                         \
    F(INT16, error_code, 0, KFK_V_MAX, -1, -1, 0, _)                                               \
    F(INT32, partition_index, 0, KFK_V_MAX, -1, -1, 0, _)                                          \
    F(INT32, leader_id, 0, KFK_V_MAX, -1, -1, 0, _)                                                \
    F(INT32, leader_epoch, 7, KFK_V_MAX, -1, -1, -1, _)                                            \
    F(ARRAY_INT32, replica_nodes, 0, KFK_V_MAX, -1, -1, 0, _)                                      \
    F(ARRAY_INT32, isr_nodes, 0, KFK_V_MAX, -1, -1, 0, _)                                          \
    F(ARRAY_INT32, offline_replicas, 5, KFK_V_MAX, -1, -1, 0, _)
/** MetadataResponse Partition: an element of `partitions` in kfk_metadata_response_topic_t. */
KFK_MSG_STRUCT(kfk_metadata_response_partition, KFK_METADATA_RESPONSE_PARTITION)

/** The fields of MetadataResponse Topic (line format above). */
#define KFK_METADATA_RESPONSE_TOPIC(F)                                                             \
    F(INT16, error_code, 0, KFK_V_MAX, -1, -1, 0, _)                                               \
    F(STRING, name, 0, KFK_V_MAX, 12, -1, 0, _)                                                    \
    F(UUID, topic_id, 10, KFK_V_MAX, -1, -1, 0, _)                                                 \
    F(BOOL, is_internal, 1, KFK_V_MAX, -1, -1, 0, _)                                               \
    F(ARRAY_STRUCT, partitions, 0, KFK_V_MAX, -1, -1, 0, kfk_metadata_response_partition)          \
    F(INT32, topic_authorized_operations, 8, KFK_V_MAX, -1, -1, INT32_MIN, _)
/** MetadataResponse Topic: an element of `topics` in kfk_metadata_response_t. */
KFK_MSG_STRUCT(kfk_metadata_response_topic, KFK_METADATA_RESPONSE_TOPIC)

/** The fields of MetadataResponse (line format above). */
#define KFK_METADATA_RESPONSE(F)                                                                   \
    F(INT32, throttle_time_ms, 3, KFK_V_MAX, -1, -1, 0, _)                                         \
    F(ARRAY_STRUCT, brokers, 0, KFK_V_MAX, -1, -1, 0, kfk_metadata_response_broker)                \
    F(STRING, cluster_id, 2, KFK_V_MAX, 2, -1, -1, _)                                              \
    F(INT32, controller_id, 1, KFK_V_MAX, -1, -1, -1, _)                                           \
    F(ARRAY_STRUCT, topics, 0, KFK_V_MAX, -1, -1, 0, kfk_metadata_response_topic)                  \
    F(INT32, cluster_authorized_operations, 8, 10, -1, -1, INT32_MIN, _)
/** MetadataResponse: a member per field of KFK_METADATA_RESPONSE, then unknown_tags. */
KFK_MSG_STRUCT(kfk_metadata_response, KFK_METADATA_RESPONSE)
