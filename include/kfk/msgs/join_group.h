/** @file
 * kfk/msgs/join_group.h: JoinGroup (key 11), versions 0-7, flexible from 6.
 * Schemas: JoinGroupRequest.json / JoinGroupResponse.json. Included by kfk/protocol.h.
 * Line format: F(TYPE, name, min_version, max_version, nullable_from, tag, default, sub).
 * Not described: the request's Reason (v8+) and the response's SkipAssignment (v9+), above
 * kfk's range.
 */

/* -- request -- */
/** The fields of JoinGroupRequest Protocol (line format above). */
#define KFK_JOIN_GROUP_REQUEST_PROTOCOL(F)                                                         \
    F(STRING, name, 0, KFK_V_MAX, -1, -1, 0, _)                                                    \
    F(BYTES, metadata, 0, KFK_V_MAX, -1, -1, 0, _)
/** JoinGroupRequest Protocol: an element of `protocols` in kfk_join_group_request_t. */
KFK_MSG_STRUCT(kfk_join_group_request_protocol, KFK_JOIN_GROUP_REQUEST_PROTOCOL)

/** The fields of JoinGroupRequest (line format above). */
#define KFK_JOIN_GROUP_REQUEST(F)                                                                  \
    F(STRING, group_id, 0, KFK_V_MAX, -1, -1, 0, _)                                                \
    F(INT32, session_timeout_ms, 0, KFK_V_MAX, -1, -1, 0, _)                                       \
    F(INT32, rebalance_timeout_ms, 1, KFK_V_MAX, -1, -1, -1, _)                                    \
    F(STRING, member_id, 0, KFK_V_MAX, -1, -1, 0, _)                                               \
    F(STRING, group_instance_id, 5, KFK_V_MAX, 5, -1, -1, _)                                       \
    F(STRING, protocol_type, 0, KFK_V_MAX, -1, -1, 0, _)                                           \
    F(ARRAY_STRUCT, protocols, 0, KFK_V_MAX, -1, -1, 0, kfk_join_group_request_protocol)
/** JoinGroupRequest: a member per field of KFK_JOIN_GROUP_REQUEST, then unknown_tags. */
KFK_MSG_STRUCT(kfk_join_group_request, KFK_JOIN_GROUP_REQUEST)

/* -- response -- */
/** The fields of JoinGroupResponse Member (line format above). */
#define KFK_JOIN_GROUP_RESPONSE_MEMBER(F)                                                          \
    F(STRING, member_id, 0, KFK_V_MAX, -1, -1, 0, _)                                               \
    F(STRING, group_instance_id, 5, KFK_V_MAX, 5, -1, -1, _)                                       \
    F(BYTES, metadata, 0, KFK_V_MAX, -1, -1, 0, _)
/** JoinGroupResponse Member: an element of `members` in kfk_join_group_response_t. */
KFK_MSG_STRUCT(kfk_join_group_response_member, KFK_JOIN_GROUP_RESPONSE_MEMBER)

/** The fields of JoinGroupResponse (line format above). */
#define KFK_JOIN_GROUP_RESPONSE(F)                                                                 \
    F(INT32, throttle_time_ms, 2, KFK_V_MAX, -1, -1, 0, _)                                         \
    F(INT16, error_code, 0, KFK_V_MAX, -1, -1, 0, _)                                               \
    F(INT32, generation_id, 0, KFK_V_MAX, -1, -1, -1, _)                                           \
    F(STRING, protocol_type, 7, KFK_V_MAX, 7, -1, -1, _)                                           \
    F(STRING, protocol_name, 0, KFK_V_MAX, 7, -1, 0, _)                                            \
    F(STRING, leader, 0, KFK_V_MAX, -1, -1, 0, _)                                                  \
    F(STRING, member_id, 0, KFK_V_MAX, -1, -1, 0, _)                                               \
    F(ARRAY_STRUCT, members, 0, KFK_V_MAX, -1, -1, 0, kfk_join_group_response_member)
/** JoinGroupResponse: a member per field of KFK_JOIN_GROUP_RESPONSE, then unknown_tags. */
KFK_MSG_STRUCT(kfk_join_group_response, KFK_JOIN_GROUP_RESPONSE)
