/** @file
 * kfk/msgs/describe_groups.h: DescribeGroups (key 15), versions 0-6, flexible from 5.
 * Schemas: DescribeGroupsRequest.json / DescribeGroupsResponse.json. Included by kfk/protocol.h.
 * Line format: F(TYPE, name, min_version, max_version, nullable_from, tag, default, sub).
 */

/* -- request -- */
/** The fields of DescribeGroupsRequest (line format above). */
#define KFK_DESCRIBE_GROUPS_REQUEST(F)                                                             \
    F(ARRAY_STRING, groups, 0, KFK_V_MAX, -1, -1, 0, _)                                            \
    F(BOOL, include_authorized_operations, 3, KFK_V_MAX, -1, -1, 0, _)
/** DescribeGroupsRequest: a member per field of KFK_DESCRIBE_GROUPS_REQUEST, then unknown_tags. */
KFK_MSG_STRUCT(kfk_describe_groups_request, KFK_DESCRIBE_GROUPS_REQUEST)

/* -- response -- */
/** The fields of DescribeGroupsResponse DescribedGroupMember (line format above). */
#define KFK_DESCRIBE_GROUPS_RESPONSE_DESCRIBED_GROUP_MEMBER(F)                                     \
    F(STRING, member_id, 0, KFK_V_MAX, -1, -1, 0, _)                                               \
    F(STRING, group_instance_id, 4, KFK_V_MAX, 4, -1, -1, _)                                       \
    F(STRING, client_id, 0, KFK_V_MAX, -1, -1, 0, _)                                               \
    F(STRING, client_host, 0, KFK_V_MAX, -1, -1, 0, _)                                             \
    F(BYTES, member_metadata, 0, KFK_V_MAX, -1, -1, 0, _)                                          \
    F(BYTES, member_assignment, 0, KFK_V_MAX, -1, -1, 0, _)
/** DescribeGroupsResponse DescribedGroupMember: an element of `members` in
 * kfk_describe_groups_response_described_group_t. */
KFK_MSG_STRUCT(kfk_describe_groups_response_described_group_member,
               KFK_DESCRIBE_GROUPS_RESPONSE_DESCRIBED_GROUP_MEMBER)

/** The fields of DescribeGroupsResponse DescribedGroup (line format above). */
#define KFK_DESCRIBE_GROUPS_RESPONSE_DESCRIBED_GROUP(F)                                            \
    F(INT16, error_code, 0, KFK_V_MAX, -1, -1, 0, _)                                               \
    F(STRING, error_message, 6, KFK_V_MAX, 6, -1, -1, _)                                           \
    F(STRING, group_id, 0, KFK_V_MAX, -1, -1, 0, _)                                                \
    F(STRING, group_state, 0, KFK_V_MAX, -1, -1, 0, _)                                             \
    F(STRING, protocol_type, 0, KFK_V_MAX, -1, -1, 0, _)                                           \
    F(STRING, protocol_data, 0, KFK_V_MAX, -1, -1, 0, _)                                           \
    F(ARRAY_STRUCT, members, 0, KFK_V_MAX, -1, -1, 0,                                              \
      kfk_describe_groups_response_described_group_member)                                         \
    F(INT32, authorized_operations, 3, KFK_V_MAX, -1, -1, INT32_MIN, _)
/** DescribeGroupsResponse DescribedGroup: an element of `groups` in
 * kfk_describe_groups_response_t. */
KFK_MSG_STRUCT(kfk_describe_groups_response_described_group,
               KFK_DESCRIBE_GROUPS_RESPONSE_DESCRIBED_GROUP)

/** The fields of DescribeGroupsResponse (line format above). */
#define KFK_DESCRIBE_GROUPS_RESPONSE(F)                                                            \
    F(INT32, throttle_time_ms, 1, KFK_V_MAX, -1, -1, 0, _)                                         \
    F(ARRAY_STRUCT, groups, 0, KFK_V_MAX, -1, -1, 0, kfk_describe_groups_response_described_group)
/** DescribeGroupsResponse: a member per field of KFK_DESCRIBE_GROUPS_RESPONSE, then
 * unknown_tags. */
KFK_MSG_STRUCT(kfk_describe_groups_response, KFK_DESCRIBE_GROUPS_RESPONSE)
