/*
 * api_leave_group.c: descriptor tables of LeaveGroup (key 13), versions 0-4, flexible from 4
 * (the lists are in include/kfk/msgs/leave_group.h). Innermost structs first.
 */
#include "protocol/schema.h"

#define KFK_SCHEMA_CUR kfk_leave_group_request_member_identity_t
KFK_SCHEMA_DEFINE(kfk_leave_group_request_member_identity, KFK_LEAVE_GROUP_REQUEST_MEMBER_IDENTITY)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_leave_group_request_t
KFK_SCHEMA_DEFINE(kfk_leave_group_request, KFK_LEAVE_GROUP_REQUEST)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_leave_group_response_member_response_t
KFK_SCHEMA_DEFINE(kfk_leave_group_response_member_response,
                  KFK_LEAVE_GROUP_RESPONSE_MEMBER_RESPONSE)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_leave_group_response_t
KFK_SCHEMA_DEFINE(kfk_leave_group_response, KFK_LEAVE_GROUP_RESPONSE)
#undef KFK_SCHEMA_CUR
