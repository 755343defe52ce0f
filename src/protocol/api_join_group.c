/*
 * api_join_group.c: descriptor tables of JoinGroup (key 11), versions 0-7, flexible from 6 (the
 * lists are in include/kfk/msgs/join_group.h). Innermost structs first.
 */
#include "protocol/schema.h"

#define KFK_SCHEMA_CUR kfk_join_group_request_protocol_t
KFK_SCHEMA_DEFINE(kfk_join_group_request_protocol, KFK_JOIN_GROUP_REQUEST_PROTOCOL)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_join_group_request_t
KFK_SCHEMA_DEFINE(kfk_join_group_request, KFK_JOIN_GROUP_REQUEST)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_join_group_response_member_t
KFK_SCHEMA_DEFINE(kfk_join_group_response_member, KFK_JOIN_GROUP_RESPONSE_MEMBER)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_join_group_response_t
KFK_SCHEMA_DEFINE(kfk_join_group_response, KFK_JOIN_GROUP_RESPONSE)
#undef KFK_SCHEMA_CUR
