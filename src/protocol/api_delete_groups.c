/*
 * api_delete_groups.c: descriptor tables of DeleteGroups (key 42), versions 0-2, flexible from 2
 * (the lists are in include/kfk/msgs/delete_groups.h). Innermost structs first.
 */
#include "protocol/schema.h"

#define KFK_SCHEMA_CUR kfk_delete_groups_request_t
KFK_SCHEMA_DEFINE(kfk_delete_groups_request, KFK_DELETE_GROUPS_REQUEST)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_delete_groups_response_deletable_group_result_t
KFK_SCHEMA_DEFINE(kfk_delete_groups_response_deletable_group_result,
                  KFK_DELETE_GROUPS_RESPONSE_DELETABLE_GROUP_RESULT)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_delete_groups_response_t
KFK_SCHEMA_DEFINE(kfk_delete_groups_response, KFK_DELETE_GROUPS_RESPONSE)
#undef KFK_SCHEMA_CUR
