/** @file
 * kfk/msgs/consumer_group_describe.h: ConsumerGroupDescribe (key 69, KIP-848), versions 0-1,
 * flexible from 0 (v1 adds the members' member_type, KIP-1099). Schemas:
 * ConsumerGroupDescribeRequest.json / ConsumerGroupDescribeResponse.json. Included by
 * kfk/protocol.h.
 * Line format: F(TYPE, name, min_version, max_version, nullable_from, tag, default, sub).
 */

/* -- request -- */
/** The fields of ConsumerGroupDescribeRequest (line format above). */
#define KFK_CONSUMER_GROUP_DESCRIBE_REQUEST(F)                                                     \
    F(ARRAY_STRING, group_ids, 0, KFK_V_MAX, -1, -1, 0, _)                                         \
    F(BOOL, include_authorized_operations, 0, KFK_V_MAX, -1, -1, 0, _)
/** ConsumerGroupDescribeRequest: a member per field of KFK_CONSUMER_GROUP_DESCRIBE_REQUEST, then
 * unknown_tags. */
KFK_MSG_STRUCT(kfk_consumer_group_describe_request, KFK_CONSUMER_GROUP_DESCRIBE_REQUEST)

/* -- response -- */
/** The fields of ConsumerGroupDescribeResponse TopicPartitions (line format above). */
#define KFK_CONSUMER_GROUP_DESCRIBE_RESPONSE_TOPIC_PARTITIONS(F)                                   \
    F(UUID, topic_id, 0, KFK_V_MAX, -1, -1, 0, _)                                                  \
    F(STRING, topic_name, 0, KFK_V_MAX, -1, -1, 0, _)                                              \
    F(ARRAY_INT32, partitions, 0, KFK_V_MAX, -1, -1, 0, _)
/** ConsumerGroupDescribeResponse TopicPartitions: an element of `topic_partitions` in
 * kfk_consumer_group_describe_response_assignment_t. */
KFK_MSG_STRUCT(kfk_consumer_group_describe_response_topic_partitions,
               KFK_CONSUMER_GROUP_DESCRIBE_RESPONSE_TOPIC_PARTITIONS)

/** The fields of ConsumerGroupDescribeResponse Assignment (line format above). */
#define KFK_CONSUMER_GROUP_DESCRIBE_RESPONSE_ASSIGNMENT(F)                                         \
    F(ARRAY_STRUCT, topic_partitions, 0, KFK_V_MAX, -1, -1, 0,                                     \
      kfk_consumer_group_describe_response_topic_partitions)
/** ConsumerGroupDescribeResponse Assignment: `assignment` and `target_assignment` in
 * kfk_consumer_group_describe_response_member_t. */
KFK_MSG_STRUCT(kfk_consumer_group_describe_response_assignment,
               KFK_CONSUMER_GROUP_DESCRIBE_RESPONSE_ASSIGNMENT)

/** The fields of ConsumerGroupDescribeResponse Member (line format above). */
#define KFK_CONSUMER_GROUP_DESCRIBE_RESPONSE_MEMBER(F)                                             \
    F(STRING, member_id, 0, KFK_V_MAX, -1, -1, 0, _)                                               \
    F(STRING, instance_id, 0, KFK_V_MAX, 0, -1, -1, _)                                             \
    F(STRING, rack_id, 0, KFK_V_MAX, 0, -1, -1, _)                                                 \
    F(INT32, member_epoch, 0, KFK_V_MAX, -1, -1, 0, _)                                             \
    F(STRING, client_id, 0, KFK_V_MAX, -1, -1, 0, _)                                               \
    F(STRING, client_host, 0, KFK_V_MAX, -1, -1, 0, _)                                             \
    F(ARRAY_STRING, subscribed_topic_names, 0, KFK_V_MAX, -1, -1, 0, _)                            \
    F(STRING, subscribed_topic_regex, 0, KFK_V_MAX, 0, -1, -1, _)                                  \
    F(STRUCT, assignment, 0, KFK_V_MAX, -1, -1, 0,                                                 \
      kfk_consumer_group_describe_response_assignment)                                             \
    F(STRUCT, target_assignment, 0, KFK_V_MAX, -1, -1, 0,                                          \
      kfk_consumer_group_describe_response_assignment)                                             \
    F(INT8, member_type, 1, KFK_V_MAX, -1, -1, -1, _)
/** ConsumerGroupDescribeResponse Member: an element of `members` in
 * kfk_consumer_group_describe_response_described_group_t. */
KFK_MSG_STRUCT(kfk_consumer_group_describe_response_member,
               KFK_CONSUMER_GROUP_DESCRIBE_RESPONSE_MEMBER)

/** The fields of ConsumerGroupDescribeResponse DescribedGroup (line format above). */
#define KFK_CONSUMER_GROUP_DESCRIBE_RESPONSE_DESCRIBED_GROUP(F)                                    \
    F(INT16, error_code, 0, KFK_V_MAX, -1, -1, 0, _)                                               \
    F(STRING, error_message, 0, KFK_V_MAX, 0, -1, -1, _)                                           \
    F(STRING, group_id, 0, KFK_V_MAX, -1, -1, 0, _)                                                \
    F(STRING, group_state, 0, KFK_V_MAX, -1, -1, 0, _)                                             \
    F(INT32, group_epoch, 0, KFK_V_MAX, -1, -1, 0, _)                                              \
    F(INT32, assignment_epoch, 0, KFK_V_MAX, -1, -1, 0, _)                                         \
    F(STRING, assignor_name, 0, KFK_V_MAX, -1, -1, 0, _)                                           \
    F(ARRAY_STRUCT, members, 0, KFK_V_MAX, -1, -1, 0, kfk_consumer_group_describe_response_member) \
    F(INT32, authorized_operations, 0, KFK_V_MAX, -1, -1, INT32_MIN, _)
/** ConsumerGroupDescribeResponse DescribedGroup: an element of `groups` in
 * kfk_consumer_group_describe_response_t. */
KFK_MSG_STRUCT(kfk_consumer_group_describe_response_described_group,
               KFK_CONSUMER_GROUP_DESCRIBE_RESPONSE_DESCRIBED_GROUP)

/** The fields of ConsumerGroupDescribeResponse (line format above). */
#define KFK_CONSUMER_GROUP_DESCRIBE_RESPONSE(F)                                                    \
    F(INT32, throttle_time_ms, 0, KFK_V_MAX, -1, -1, 0, _)                                         \
    F(ARRAY_STRUCT, groups, 0, KFK_V_MAX, -1, -1, 0,                                               \
      kfk_consumer_group_describe_response_described_group)
/** ConsumerGroupDescribeResponse: a member per field of KFK_CONSUMER_GROUP_DESCRIBE_RESPONSE, then
 * unknown_tags. */
KFK_MSG_STRUCT(kfk_consumer_group_describe_response, KFK_CONSUMER_GROUP_DESCRIBE_RESPONSE)
