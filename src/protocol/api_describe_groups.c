/*
 * api_describe_groups.c: descriptor tables of DescribeGroups (key 15), versions 0-6, flexible
 * from 5 (the lists are in include/kfk/msgs/describe_groups.h). Innermost structs first.
 */
#include "protocol/schema.h"

#define KFK_SCHEMA_CUR kfk_describe_groups_request_t
KFK_SCHEMA_DEFINE(kfk_describe_groups_request, KFK_DESCRIBE_GROUPS_REQUEST)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_describe_groups_response_described_group_member_t
KFK_SCHEMA_DEFINE(kfk_describe_groups_response_described_group_member,
                  KFK_DESCRIBE_GROUPS_RESPONSE_DESCRIBED_GROUP_MEMBER)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_describe_groups_response_described_group_t
KFK_SCHEMA_DEFINE(kfk_describe_groups_response_described_group,
                  KFK_DESCRIBE_GROUPS_RESPONSE_DESCRIBED_GROUP)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_describe_groups_response_t
KFK_SCHEMA_DEFINE(kfk_describe_groups_response, KFK_DESCRIBE_GROUPS_RESPONSE)
#undef KFK_SCHEMA_CUR
