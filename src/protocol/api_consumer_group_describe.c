/*
 * api_consumer_group_describe.c: descriptor tables of ConsumerGroupDescribe (key 69, KIP-848),
 * versions 0-1, flexible from 0 (the lists are in include/kfk/msgs/consumer_group_describe.h).
 * Innermost structs first.
 */
#include "protocol/schema.h"

#define KFK_SCHEMA_CUR kfk_consumer_group_describe_request_t
KFK_SCHEMA_DEFINE(kfk_consumer_group_describe_request, KFK_CONSUMER_GROUP_DESCRIBE_REQUEST)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_consumer_group_describe_response_topic_partitions_t
KFK_SCHEMA_DEFINE(kfk_consumer_group_describe_response_topic_partitions,
                  KFK_CONSUMER_GROUP_DESCRIBE_RESPONSE_TOPIC_PARTITIONS)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_consumer_group_describe_response_assignment_t
KFK_SCHEMA_DEFINE(kfk_consumer_group_describe_response_assignment,
                  KFK_CONSUMER_GROUP_DESCRIBE_RESPONSE_ASSIGNMENT)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_consumer_group_describe_response_member_t
KFK_SCHEMA_DEFINE(kfk_consumer_group_describe_response_member,
                  KFK_CONSUMER_GROUP_DESCRIBE_RESPONSE_MEMBER)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_consumer_group_describe_response_described_group_t
KFK_SCHEMA_DEFINE(kfk_consumer_group_describe_response_described_group,
                  KFK_CONSUMER_GROUP_DESCRIBE_RESPONSE_DESCRIBED_GROUP)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_consumer_group_describe_response_t
KFK_SCHEMA_DEFINE(kfk_consumer_group_describe_response, KFK_CONSUMER_GROUP_DESCRIBE_RESPONSE)
#undef KFK_SCHEMA_CUR
