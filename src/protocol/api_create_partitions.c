/*
 * api_create_partitions.c: descriptor tables of CreatePartitions (key 37), versions 0-3, flexible
 * from 2 (the lists are in include/kfk/msgs/create_partitions.h). Innermost structs first.
 */
#include "protocol/schema.h"

#define KFK_SCHEMA_CUR kfk_create_partitions_request_create_partitions_assignment_t
KFK_SCHEMA_DEFINE(kfk_create_partitions_request_create_partitions_assignment,
                  KFK_CREATE_PARTITIONS_REQUEST_CREATE_PARTITIONS_ASSIGNMENT)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_create_partitions_request_create_partitions_topic_t
KFK_SCHEMA_DEFINE(kfk_create_partitions_request_create_partitions_topic,
                  KFK_CREATE_PARTITIONS_REQUEST_CREATE_PARTITIONS_TOPIC)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_create_partitions_request_t
KFK_SCHEMA_DEFINE(kfk_create_partitions_request, KFK_CREATE_PARTITIONS_REQUEST)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_create_partitions_response_create_partitions_topic_result_t
KFK_SCHEMA_DEFINE(kfk_create_partitions_response_create_partitions_topic_result,
                  KFK_CREATE_PARTITIONS_RESPONSE_CREATE_PARTITIONS_TOPIC_RESULT)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_create_partitions_response_t
KFK_SCHEMA_DEFINE(kfk_create_partitions_response, KFK_CREATE_PARTITIONS_RESPONSE)
#undef KFK_SCHEMA_CUR
