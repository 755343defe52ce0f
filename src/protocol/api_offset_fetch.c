/*
 * api_offset_fetch.c: descriptor tables of OffsetFetch (key 9), versions 1-7, flexible from 6
 * (the lists are in include/kfk/msgs/offset_fetch.h). Innermost structs first.
 */
#include "protocol/schema.h"

#define KFK_SCHEMA_CUR kfk_offset_fetch_request_topic_t
KFK_SCHEMA_DEFINE(kfk_offset_fetch_request_topic, KFK_OFFSET_FETCH_REQUEST_TOPIC)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_offset_fetch_request_t
KFK_SCHEMA_DEFINE(kfk_offset_fetch_request, KFK_OFFSET_FETCH_REQUEST)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_offset_fetch_response_partition_t
KFK_SCHEMA_DEFINE(kfk_offset_fetch_response_partition, KFK_OFFSET_FETCH_RESPONSE_PARTITION)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_offset_fetch_response_topic_t
KFK_SCHEMA_DEFINE(kfk_offset_fetch_response_topic, KFK_OFFSET_FETCH_RESPONSE_TOPIC)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_offset_fetch_response_t
KFK_SCHEMA_DEFINE(kfk_offset_fetch_response, KFK_OFFSET_FETCH_RESPONSE)
#undef KFK_SCHEMA_CUR
