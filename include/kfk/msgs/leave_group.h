/** @file
 * kfk/msgs/leave_group.h: LeaveGroup (key 13), versions 0-4, flexible from 4.
 * Schemas: LeaveGroupRequest.json / LeaveGroupResponse.json. Included by kfk/protocol.h.
 * Line format: F(TYPE, name, min_version, max_version, nullable_from, tag, default, sub).
 * v0-2 leave one member (member_id); v3+ a batch (members). Not described: a member's Reason
 * (v5+, above kfk's range).
 */

/* -- request -- */
/** The fields of LeaveGroupRequest MemberIdentity (line format above). */
#define KFK_LEAVE_GROUP_REQUEST_MEMBER_IDENTITY(F)                                                 \
    F(STRING, member_id, 3, KFK_V_MAX, -1, -1, 0, _)                                               \
    F(STRING, group_instance_id, 3, KFK_V_MAX, 3, -1, -1, _)
/** LeaveGroupRequest MemberIdentity: an element of `members` in kfk_leave_group_request_t. */
KFK_MSG_STRUCT(kfk_leave_group_request_member_identity, KFK_LEAVE_GROUP_REQUEST_MEMBER_IDENTITY)

/** The fields of LeaveGroupRequest (line format above). */
#define KFK_LEAVE_GROUP_REQUEST(F)                                                                 \
    F(STRING, group_id, 0, KFK_V_MAX, -1, -1, 0, _)                                                \
    F(STRING, member_id, 0, 2, -1, -1, 0, _)                                                       \
    F(ARRAY_STRUCT, members, 3, KFK_V_MAX, -1, -1, 0, kfk_leave_group_request_member_identity)
/** LeaveGroupRequest: a member per field of KFK_LEAVE_GROUP_REQUEST, then unknown_tags. */
KFK_MSG_STRUCT(kfk_leave_group_request, KFK_LEAVE_GROUP_REQUEST)

/* -- response -- */
/** The fields of LeaveGroupResponse MemberResponse (line format above). */
#define KFK_LEAVE_GROUP_RESPONSE_MEMBER_RESPONSE(F)                                                \
    F(STRING, member_id, 3, KFK_V_MAX, -1, -1, 0, _)                                               \
    F(STRING, group_instance_id, 3, KFK_V_MAX, 3, -1, 0, _)                                        \
    F(INT16, error_code, 3, KFK_V_MAX, -1, -1, 0, _)
/** LeaveGroupResponse MemberResponse: an element of `members` in kfk_leave_group_response_t. */
KFK_MSG_STRUCT(kfk_leave_group_response_member_response, KFK_LEAVE_GROUP_RESPONSE_MEMBER_RESPONSE)

/** The fields of LeaveGroupResponse (line format above). */
#define KFK_LEAVE_GROUP_RESPONSE(F)                                                                \
    F(INT32, throttle_time_ms, 1, KFK_V_MAX, -1, -1, 0, _)                                         \
    F(INT16, error_code, 0, KFK_V_MAX, -1, -1, 0, _)                                               \
    F(ARRAY_STRUCT, members, 3, KFK_V_MAX, -1, -1, 0, kfk_leave_group_response_member_response)
/** LeaveGroupResponse: a member per field of KFK_LEAVE_GROUP_RESPONSE, then unknown_tags. */
KFK_MSG_STRUCT(kfk_leave_group_response, KFK_LEAVE_GROUP_RESPONSE)
