/*
 * api_offset_delete.c: descriptor tables of OffsetDelete (key 47), version 0, never flexible
 * (the lists are in include/kfk/msgs/offset_delete.h). Innermost structs first.
 */
#include "protocol/schema.h"

#define KFK_SCHEMA_CUR kfk_offset_delete_request_partition_t
KFK_SCHEMA_DEFINE(kfk_offset_delete_request_partition, KFK_OFFSET_DELETE_REQUEST_PARTITION)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_offset_delete_request_topic_t
KFK_SCHEMA_DEFINE(kfk_offset_delete_request_topic, KFK_OFFSET_DELETE_REQUEST_TOPIC)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_offset_delete_request_t
KFK_SCHEMA_DEFINE(kfk_offset_delete_request, KFK_OFFSET_DELETE_REQUEST)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_offset_delete_response_partition_t
KFK_SCHEMA_DEFINE(kfk_offset_delete_response_partition, KFK_OFFSET_DELETE_RESPONSE_PARTITION)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_offset_delete_response_topic_t
KFK_SCHEMA_DEFINE(kfk_offset_delete_response_topic, KFK_OFFSET_DELETE_RESPONSE_TOPIC)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_offset_delete_response_t
KFK_SCHEMA_DEFINE(kfk_offset_delete_response, KFK_OFFSET_DELETE_RESPONSE)
#undef KFK_SCHEMA_CUR
