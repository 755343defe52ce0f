/** @file
 * kfk/msgs/find_coordinator.h: FindCoordinator (key 10), versions 0-3, flexible from 3.
 * Schemas: FindCoordinatorRequest.json / FindCoordinatorResponse.json. Included by
 * kfk/protocol.h.
 * Line format: F(TYPE, name, min_version, max_version, nullable_from, tag, default, sub).
 * Not described: the batched CoordinatorKeys / Coordinators of v4+ (above kfk's range).
 */

/* -- request -- */
/** The fields of FindCoordinatorRequest (line format above). */
#define KFK_FIND_COORDINATOR_REQUEST(F)                                                            \
    F(STRING, key, 0, 3, -1, -1, 0, _)                                                             \
    F(INT8, key_type, 1, KFK_V_MAX, -1, -1, 0, _)
/** FindCoordinatorRequest: a member per field of KFK_FIND_COORDINATOR_REQUEST, then unknown_tags.
 */
KFK_MSG_STRUCT(kfk_find_coordinator_request, KFK_FIND_COORDINATOR_REQUEST)

/* -- response -- */
/** The fields of FindCoordinatorResponse (line format above). */
#define KFK_FIND_COORDINATOR_RESPONSE(F)                                                           \
    F(INT32, throttle_time_ms, 1, KFK_V_MAX, -1, -1, 0, _)                                         \
    F(INT16, error_code, 0, 3, -1, -1, 0, _)                                                       \
    F(STRING, error_message, 1, 3, 1, -1, 0, _)                                                    \
    F(INT32, node_id, 0, 3, -1, -1, 0, _)                                                          \
    F(STRING, host, 0, 3, -1, -1, 0, _)                                                            \
    F(INT32, port, 0, 3, -1, -1, 0, _)
/** FindCoordinatorResponse: a member per field of KFK_FIND_COORDINATOR_RESPONSE, then unknown_tags.
 */
KFK_MSG_STRUCT(kfk_find_coordinator_response, KFK_FIND_COORDINATOR_RESPONSE)
