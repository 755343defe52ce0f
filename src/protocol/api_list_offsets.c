/*
 * api_list_offsets.c: descriptor tables of ListOffsets (key 2), versions 1-7, flexible from 6
 * (the lists are in include/kfk/msgs/list_offsets.h).
 */
#include "protocol/schema.h"

/* -- request -- */
#define KFK_SCHEMA_CUR kfk_list_offsets_request_list_offsets_partition_t
KFK_SCHEMA_DEFINE(kfk_list_offsets_request_list_offsets_partition,
                  KFK_LIST_OFFSETS_REQUEST_LIST_OFFSETS_PARTITION)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_list_offsets_request_list_offsets_topic_t
KFK_SCHEMA_DEFINE(kfk_list_offsets_request_list_offsets_topic,
                  KFK_LIST_OFFSETS_REQUEST_LIST_OFFSETS_TOPIC)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_list_offsets_request_t
KFK_SCHEMA_DEFINE(kfk_list_offsets_request, KFK_LIST_OFFSETS_REQUEST)
#undef KFK_SCHEMA_CUR

/* -- response -- */
#define KFK_SCHEMA_CUR kfk_list_offsets_response_list_offsets_partition_response_t
KFK_SCHEMA_DEFINE(kfk_list_offsets_response_list_offsets_partition_response,
                  KFK_LIST_OFFSETS_RESPONSE_LIST_OFFSETS_PARTITION_RESPONSE)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_list_offsets_response_list_offsets_topic_response_t
KFK_SCHEMA_DEFINE(kfk_list_offsets_response_list_offsets_topic_response,
                  KFK_LIST_OFFSETS_RESPONSE_LIST_OFFSETS_TOPIC_RESPONSE)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_list_offsets_response_t
KFK_SCHEMA_DEFINE(kfk_list_offsets_response, KFK_LIST_OFFSETS_RESPONSE)
#undef KFK_SCHEMA_CUR
