/*
 * api_sync_group.c: descriptor tables of SyncGroup (key 14), versions 0-5, flexible from 4 (the
 * lists are in include/kfk/msgs/sync_group.h). Innermost structs first.
 */
#include "protocol/schema.h"

#define KFK_SCHEMA_CUR kfk_sync_group_request_assignment_t
KFK_SCHEMA_DEFINE(kfk_sync_group_request_assignment, KFK_SYNC_GROUP_REQUEST_ASSIGNMENT)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_sync_group_request_t
KFK_SCHEMA_DEFINE(kfk_sync_group_request, KFK_SYNC_GROUP_REQUEST)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_sync_group_response_t
KFK_SCHEMA_DEFINE(kfk_sync_group_response, KFK_SYNC_GROUP_RESPONSE)
#undef KFK_SCHEMA_CUR
