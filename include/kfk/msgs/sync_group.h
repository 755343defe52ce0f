/** @file
 * kfk/msgs/sync_group.h: SyncGroup (key 14), versions 0-5, flexible from 4.
 * Schemas: SyncGroupRequest.json / SyncGroupResponse.json. Included by kfk/protocol.h.
 * Line format: F(TYPE, name, min_version, max_version, nullable_from, tag, default, sub).
 */

/* -- request -- */
/** The fields of SyncGroupRequest Assignment (line format above). */
#define KFK_SYNC_GROUP_REQUEST_ASSIGNMENT(F)                                                       \
    F(STRING, member_id, 0, KFK_V_MAX, -1, -1, 0, _)                                               \
    F(BYTES, assignment, 0, KFK_V_MAX, -1, -1, 0, _)
/** SyncGroupRequest Assignment: an element of `assignments` in kfk_sync_group_request_t. */
KFK_MSG_STRUCT(kfk_sync_group_request_assignment, KFK_SYNC_GROUP_REQUEST_ASSIGNMENT)

/** The fields of SyncGroupRequest (line format above). */
#define KFK_SYNC_GROUP_REQUEST(F)                                                                  \
    F(STRING, group_id, 0, KFK_V_MAX, -1, -1, 0, _)                                                \
    F(INT32, generation_id, 0, KFK_V_MAX, -1, -1, 0, _)                                            \
    F(STRING, member_id, 0, KFK_V_MAX, -1, -1, 0, _)                                               \
    F(STRING, group_instance_id, 3, KFK_V_MAX, 3, -1, -1, _)                                       \
    F(STRING, protocol_type, 5, KFK_V_MAX, 5, -1, -1, _)                                           \
    F(STRING, protocol_name, 5, KFK_V_MAX, 5, -1, -1, _)                                           \
    F(ARRAY_STRUCT, assignments, 0, KFK_V_MAX, -1, -1, 0, kfk_sync_group_request_assignment)
/** SyncGroupRequest: a member per field of KFK_SYNC_GROUP_REQUEST, then unknown_tags. */
KFK_MSG_STRUCT(kfk_sync_group_request, KFK_SYNC_GROUP_REQUEST)

/* -- response -- */
/** The fields of SyncGroupResponse (line format above). */
#define KFK_SYNC_GROUP_RESPONSE(F)                                                                 \
    F(INT32, throttle_time_ms, 1, KFK_V_MAX, -1, -1, 0, _)                                         \
    F(INT16, error_code, 0, KFK_V_MAX, -1, -1, 0, _)                                               \
    F(STRING, protocol_type, 5, KFK_V_MAX, 5, -1, -1, _)                                           \
    F(STRING, protocol_name, 5, KFK_V_MAX, 5, -1, -1, _)                                           \
    F(BYTES, assignment, 0, KFK_V_MAX, -1, -1, 0, _)
/** SyncGroupResponse: a member per field of KFK_SYNC_GROUP_RESPONSE, then unknown_tags. */
KFK_MSG_STRUCT(kfk_sync_group_response, KFK_SYNC_GROUP_RESPONSE)
