/** @file
 * kfk/msgs/heartbeat.h: Heartbeat (key 12), versions 0-4, flexible from 4.
 * Schemas: HeartbeatRequest.json / HeartbeatResponse.json. Included by kfk/protocol.h.
 * Line format: F(TYPE, name, min_version, max_version, nullable_from, tag, default, sub).
 */

/* -- request -- */
/** The fields of HeartbeatRequest (line format above). */
#define KFK_HEARTBEAT_REQUEST(F)                                                                   \
    F(STRING, group_id, 0, KFK_V_MAX, -1, -1, 0, _)                                                \
    F(INT32, generation_id, 0, KFK_V_MAX, -1, -1, 0, _)                                            \
    F(STRING, member_id, 0, KFK_V_MAX, -1, -1, 0, _)                                               \
    F(STRING, group_instance_id, 3, KFK_V_MAX, 3, -1, -1, _)
/** HeartbeatRequest: a member per field of KFK_HEARTBEAT_REQUEST, then unknown_tags. */
KFK_MSG_STRUCT(kfk_heartbeat_request, KFK_HEARTBEAT_REQUEST)

/* -- response -- */
/** The fields of HeartbeatResponse (line format above). */
#define KFK_HEARTBEAT_RESPONSE(F)                                                                  \
    F(INT32, throttle_time_ms, 1, KFK_V_MAX, -1, -1, 0, _)                                         \
    F(INT16, error_code, 0, KFK_V_MAX, -1, -1, 0, _)
/** HeartbeatResponse: a member per field of KFK_HEARTBEAT_RESPONSE, then unknown_tags. */
KFK_MSG_STRUCT(kfk_heartbeat_response, KFK_HEARTBEAT_RESPONSE)
