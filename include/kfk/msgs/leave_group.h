/*
 * kfk/msgs/leave_group.h: LeaveGroup (key 13), versions 0-4, flexible from 4.
 * Schemas: LeaveGroupRequest.json / LeaveGroupResponse.json. Included by kfk/protocol.h.
 * Line format: F(TYPE, name, min_version, max_version, nullable_from, tag, default, sub).
 * v0-2 leave one member (member_id); v3+ a batch (members). Not described: a member's Reason
 * (v5+, above kfk's range).
 */

/* -- request -- */
#define KFK_LEAVE_GROUP_REQUEST_MEMBER_IDENTITY(F)                                                 \
    F(STRING, member_id, 3, KFK_V_MAX, -1, -1, 0, _)                                               \
    F(STRING, group_instance_id, 3, KFK_V_MAX, 3, -1, -1, _)
KFK_MSG_STRUCT(kfk_leave_group_request_member_identity, KFK_LEAVE_GROUP_REQUEST_MEMBER_IDENTITY)

#define KFK_LEAVE_GROUP_REQUEST(F)                                                                 \
    F(STRING, group_id, 0, KFK_V_MAX, -1, -1, 0, _)                                                \
    F(STRING, member_id, 0, 2, -1, -1, 0, _)                                                       \
    F(ARRAY_STRUCT, members, 3, KFK_V_MAX, -1, -1, 0, kfk_leave_group_request_member_identity)
KFK_MSG_STRUCT(kfk_leave_group_request, KFK_LEAVE_GROUP_REQUEST)

/* -- response -- */
#define KFK_LEAVE_GROUP_RESPONSE_MEMBER_RESPONSE(F)                                                \
    F(STRING, member_id, 3, KFK_V_MAX, -1, -1, 0, _)                                               \
    F(STRING, group_instance_id, 3, KFK_V_MAX, 3, -1, 0, _)                                        \
    F(INT16, error_code, 3, KFK_V_MAX, -1, -1, 0, _)
KFK_MSG_STRUCT(kfk_leave_group_response_member_response, KFK_LEAVE_GROUP_RESPONSE_MEMBER_RESPONSE)

#define KFK_LEAVE_GROUP_RESPONSE(F)                                                                \
    F(INT32, throttle_time_ms, 1, KFK_V_MAX, -1, -1, 0, _)                                         \
    F(INT16, error_code, 0, KFK_V_MAX, -1, -1, 0, _)                                               \
    F(ARRAY_STRUCT, members, 3, KFK_V_MAX, -1, -1, 0, kfk_leave_group_response_member_response)
KFK_MSG_STRUCT(kfk_leave_group_response, KFK_LEAVE_GROUP_RESPONSE)
