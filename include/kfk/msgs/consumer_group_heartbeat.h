/** @file
 * kfk/msgs/consumer_group_heartbeat.h: ConsumerGroupHeartbeat (key 68, KIP-848), versions 0-1,
 * flexible from 0. Schemas: ConsumerGroupHeartbeatRequest.json /
 * ConsumerGroupHeartbeatResponse.json. Included by kfk/protocol.h.
 * Line format: F(TYPE, name, min_version, max_version, nullable_from, tag, default, sub).
 */

/* -- request -- */
/** The fields of ConsumerGroupHeartbeatRequest TopicPartitions (line format above). */
#define KFK_CONSUMER_GROUP_HEARTBEAT_REQUEST_TOPIC_PARTITIONS(F)                                   \
    F(UUID, topic_id, 0, KFK_V_MAX, -1, -1, 0, _)                                                  \
    F(ARRAY_INT32, partitions, 0, KFK_V_MAX, -1, -1, 0, _)
/** ConsumerGroupHeartbeatRequest TopicPartitions: an element of `topic_partitions` in
 * kfk_consumer_group_heartbeat_request_t. */
KFK_MSG_STRUCT(kfk_consumer_group_heartbeat_request_topic_partitions,
               KFK_CONSUMER_GROUP_HEARTBEAT_REQUEST_TOPIC_PARTITIONS)

/** The fields of ConsumerGroupHeartbeatRequest (line format above). */
#define KFK_CONSUMER_GROUP_HEARTBEAT_REQUEST(F)                                                    \
    F(STRING, group_id, 0, KFK_V_MAX, -1, -1, 0, _)                                                \
    F(STRING, member_id, 0, KFK_V_MAX, -1, -1, 0, _)                                               \
    F(INT32, member_epoch, 0, KFK_V_MAX, -1, -1, 0, _)                                             \
    F(STRING, instance_id, 0, KFK_V_MAX, 0, -1, -1, _)                                             \
    F(STRING, rack_id, 0, KFK_V_MAX, 0, -1, -1, _)                                                 \
    F(INT32, rebalance_timeout_ms, 0, KFK_V_MAX, -1, -1, -1, _)                                    \
    F(ARRAY_STRING, subscribed_topic_names, 0, KFK_V_MAX, 0, -1, 0, _)                             \
    F(STRING, subscribed_topic_regex, 1, KFK_V_MAX, 1, -1, -1, _)                                  \
    F(STRING, server_assignor, 0, KFK_V_MAX, 0, -1, -1, _)                                         \
    F(ARRAY_STRUCT, topic_partitions, 0, KFK_V_MAX, 0, -1, 0,                                      \
      kfk_consumer_group_heartbeat_request_topic_partitions)
/** ConsumerGroupHeartbeatRequest: a member per field of KFK_CONSUMER_GROUP_HEARTBEAT_REQUEST, then
 * unknown_tags. The nullable arrays mean "unchanged since the last heartbeat" when null (count
 * -1): set them to {NULL, -1} explicitly, a zeroed array is an empty one. */
KFK_MSG_STRUCT(kfk_consumer_group_heartbeat_request, KFK_CONSUMER_GROUP_HEARTBEAT_REQUEST)

/* -- response -- */
/** The fields of ConsumerGroupHeartbeatResponse TopicPartitions (line format above). */
#define KFK_CONSUMER_GROUP_HEARTBEAT_RESPONSE_TOPIC_PARTITIONS(F)                                  \
    F(UUID, topic_id, 0, KFK_V_MAX, -1, -1, 0, _)                                                  \
    F(ARRAY_INT32, partitions, 0, KFK_V_MAX, -1, -1, 0, _)
/** ConsumerGroupHeartbeatResponse TopicPartitions: an element of `topic_partitions` in
 * kfk_consumer_group_heartbeat_response_assignment_t. */
KFK_MSG_STRUCT(kfk_consumer_group_heartbeat_response_topic_partitions,
               KFK_CONSUMER_GROUP_HEARTBEAT_RESPONSE_TOPIC_PARTITIONS)

/** The fields of ConsumerGroupHeartbeatResponse Assignment (line format above). */
#define KFK_CONSUMER_GROUP_HEARTBEAT_RESPONSE_ASSIGNMENT(F)                                        \
    F(ARRAY_STRUCT, topic_partitions, 0, KFK_V_MAX, -1, -1, 0,                                     \
      kfk_consumer_group_heartbeat_response_topic_partitions)
/** ConsumerGroupHeartbeatResponse Assignment: `assignment` in
 * kfk_consumer_group_heartbeat_response_t (NULL: no new assignment). */
KFK_MSG_STRUCT(kfk_consumer_group_heartbeat_response_assignment,
               KFK_CONSUMER_GROUP_HEARTBEAT_RESPONSE_ASSIGNMENT)

/** The fields of ConsumerGroupHeartbeatResponse (line format above). */
#define KFK_CONSUMER_GROUP_HEARTBEAT_RESPONSE(F)                                                   \
    F(INT32, throttle_time_ms, 0, KFK_V_MAX, -1, -1, 0, _)                                         \
    F(INT16, error_code, 0, KFK_V_MAX, -1, -1, 0, _)                                               \
    F(STRING, error_message, 0, KFK_V_MAX, 0, -1, -1, _)                                           \
    F(STRING, member_id, 0, KFK_V_MAX, 0, -1, -1, _)                                               \
    F(INT32, member_epoch, 0, KFK_V_MAX, -1, -1, 0, _)                                             \
    F(INT32, heartbeat_interval_ms, 0, KFK_V_MAX, -1, -1, 0, _)                                    \
    F(NULLABLE_STRUCT, assignment, 0, KFK_V_MAX, 0, -1, -1,                                        \
      kfk_consumer_group_heartbeat_response_assignment)
/** ConsumerGroupHeartbeatResponse: a member per field of KFK_CONSUMER_GROUP_HEARTBEAT_RESPONSE,
 * then unknown_tags. */
KFK_MSG_STRUCT(kfk_consumer_group_heartbeat_response, KFK_CONSUMER_GROUP_HEARTBEAT_RESPONSE)
