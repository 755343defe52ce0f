/** @file
 * kfk/msgs/list_groups.h: ListGroups (key 16), versions 0-5, flexible from 3.
 * Schemas: ListGroupsRequest.json / ListGroupsResponse.json. Included by kfk/protocol.h.
 * Line format: F(TYPE, name, min_version, max_version, nullable_from, tag, default, sub).
 */

/* -- request -- */
/** The fields of ListGroupsRequest (line format above). */
#define KFK_LIST_GROUPS_REQUEST(F)                                                                 \
    F(ARRAY_STRING, states_filter, 4, KFK_V_MAX, -1, -1, 0, _)                                     \
    F(ARRAY_STRING, types_filter, 5, KFK_V_MAX, -1, -1, 0, _)
/** ListGroupsRequest: a member per field of KFK_LIST_GROUPS_REQUEST, then unknown_tags. */
KFK_MSG_STRUCT(kfk_list_groups_request, KFK_LIST_GROUPS_REQUEST)

/* -- response -- */
/** The fields of ListGroupsResponse ListedGroup (line format above). */
#define KFK_LIST_GROUPS_RESPONSE_LISTED_GROUP(F)                                                   \
    F(STRING, group_id, 0, KFK_V_MAX, -1, -1, 0, _)                                                \
    F(STRING, protocol_type, 0, KFK_V_MAX, -1, -1, 0, _)                                           \
    F(STRING, group_state, 4, KFK_V_MAX, -1, -1, 0, _)                                             \
    F(STRING, group_type, 5, KFK_V_MAX, -1, -1, 0, _)
/** ListGroupsResponse ListedGroup: an element of `groups` in kfk_list_groups_response_t. */
KFK_MSG_STRUCT(kfk_list_groups_response_listed_group, KFK_LIST_GROUPS_RESPONSE_LISTED_GROUP)

/** The fields of ListGroupsResponse (line format above). */
#define KFK_LIST_GROUPS_RESPONSE(F)                                                                \
    F(INT32, throttle_time_ms, 1, KFK_V_MAX, -1, -1, 0, _)                                         \
    F(INT16, error_code, 0, KFK_V_MAX, -1, -1, 0, _)                                               \
    F(ARRAY_STRUCT, groups, 0, KFK_V_MAX, -1, -1, 0, kfk_list_groups_response_listed_group)
/** ListGroupsResponse: a member per field of KFK_LIST_GROUPS_RESPONSE, then unknown_tags. */
KFK_MSG_STRUCT(kfk_list_groups_response, KFK_LIST_GROUPS_RESPONSE)
