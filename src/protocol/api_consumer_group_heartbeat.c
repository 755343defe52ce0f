/*
 * api_consumer_group_heartbeat.c: descriptor tables of ConsumerGroupHeartbeat (key 68, the
 * KIP-848 consumer group protocol), versions 0-1, flexible from 0 (the lists are in
 * include/kfk/msgs/consumer_group_heartbeat.h). Innermost structs first.
 */
#include "protocol/schema.h"

#define KFK_SCHEMA_CUR kfk_consumer_group_heartbeat_request_topic_partitions_t
KFK_SCHEMA_DEFINE(kfk_consumer_group_heartbeat_request_topic_partitions,
                  KFK_CONSUMER_GROUP_HEARTBEAT_REQUEST_TOPIC_PARTITIONS)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_consumer_group_heartbeat_request_t
KFK_SCHEMA_DEFINE(kfk_consumer_group_heartbeat_request, KFK_CONSUMER_GROUP_HEARTBEAT_REQUEST)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_consumer_group_heartbeat_response_topic_partitions_t
KFK_SCHEMA_DEFINE(kfk_consumer_group_heartbeat_response_topic_partitions,
                  KFK_CONSUMER_GROUP_HEARTBEAT_RESPONSE_TOPIC_PARTITIONS)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_consumer_group_heartbeat_response_assignment_t
KFK_SCHEMA_DEFINE(kfk_consumer_group_heartbeat_response_assignment,
                  KFK_CONSUMER_GROUP_HEARTBEAT_RESPONSE_ASSIGNMENT)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_consumer_group_heartbeat_response_t
KFK_SCHEMA_DEFINE(kfk_consumer_group_heartbeat_response, KFK_CONSUMER_GROUP_HEARTBEAT_RESPONSE)
#undef KFK_SCHEMA_CUR
