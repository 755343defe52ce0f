/** @file
 * kfk/msgs/delete_groups.h: DeleteGroups (key 42), versions 0-2, flexible from 2.
 * Schemas: DeleteGroupsRequest.json / DeleteGroupsResponse.json. Included by kfk/protocol.h.
 * Line format: F(TYPE, name, min_version, max_version, nullable_from, tag, default, sub).
 * Sent to each group's coordinator; a group with members left answers NON_EMPTY_GROUP.
 */

/* -- request -- */
/** The fields of DeleteGroupsRequest (line format above). */
#define KFK_DELETE_GROUPS_REQUEST(F) F(ARRAY_STRING, groups_names, 0, KFK_V_MAX, -1, -1, 0, _)
/** DeleteGroupsRequest: a member per field of KFK_DELETE_GROUPS_REQUEST, then unknown_tags. */
KFK_MSG_STRUCT(kfk_delete_groups_request, KFK_DELETE_GROUPS_REQUEST)

/* -- response -- */
/** The fields of DeleteGroupsResponse DeletableGroupResult (line format above). */
#define KFK_DELETE_GROUPS_RESPONSE_DELETABLE_GROUP_RESULT(F)                                       \
    F(STRING, group_id, 0, KFK_V_MAX, -1, -1, 0, _)                                                \
    F(INT16, error_code, 0, KFK_V_MAX, -1, -1, 0, _)
/** DeleteGroupsResponse DeletableGroupResult: an element of `results` in
 * kfk_delete_groups_response_t. */
KFK_MSG_STRUCT(kfk_delete_groups_response_deletable_group_result,
               KFK_DELETE_GROUPS_RESPONSE_DELETABLE_GROUP_RESULT)

/** The fields of DeleteGroupsResponse (line format above). */
#define KFK_DELETE_GROUPS_RESPONSE(F)                                                              \
    F(INT32, throttle_time_ms, 0, KFK_V_MAX, -1, -1, 0, _)                                         \
    F(ARRAY_STRUCT, results, 0, KFK_V_MAX, -1, -1, 0,                                              \
      kfk_delete_groups_response_deletable_group_result)
/** DeleteGroupsResponse: a member per field of KFK_DELETE_GROUPS_RESPONSE, then unknown_tags. */
KFK_MSG_STRUCT(kfk_delete_groups_response, KFK_DELETE_GROUPS_RESPONSE)
