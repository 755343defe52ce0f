/*
 * api_list_groups.c: descriptor tables of ListGroups (key 16), versions 0-5, flexible from 3
 * (the lists are in include/kfk/msgs/list_groups.h). Innermost structs first.
 */
#include "protocol/schema.h"

#define KFK_SCHEMA_CUR kfk_list_groups_request_t
KFK_SCHEMA_DEFINE(kfk_list_groups_request, KFK_LIST_GROUPS_REQUEST)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_list_groups_response_listed_group_t
KFK_SCHEMA_DEFINE(kfk_list_groups_response_listed_group, KFK_LIST_GROUPS_RESPONSE_LISTED_GROUP)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_list_groups_response_t
KFK_SCHEMA_DEFINE(kfk_list_groups_response, KFK_LIST_GROUPS_RESPONSE)
#undef KFK_SCHEMA_CUR
