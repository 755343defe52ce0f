/*
 * api_delete_records.c: descriptor tables of DeleteRecords (key 21), versions 0-2, flexible from 2
 * (the lists are in include/kfk/msgs/delete_records.h). Innermost structs first.
 */
#include "protocol/schema.h"

#define KFK_SCHEMA_CUR kfk_delete_records_request_delete_records_partition_t
KFK_SCHEMA_DEFINE(kfk_delete_records_request_delete_records_partition,
                  KFK_DELETE_RECORDS_REQUEST_DELETE_RECORDS_PARTITION)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_delete_records_request_delete_records_topic_t
KFK_SCHEMA_DEFINE(kfk_delete_records_request_delete_records_topic,
                  KFK_DELETE_RECORDS_REQUEST_DELETE_RECORDS_TOPIC)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_delete_records_request_t
KFK_SCHEMA_DEFINE(kfk_delete_records_request, KFK_DELETE_RECORDS_REQUEST)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_delete_records_response_delete_records_partition_result_t
KFK_SCHEMA_DEFINE(kfk_delete_records_response_delete_records_partition_result,
                  KFK_DELETE_RECORDS_RESPONSE_DELETE_RECORDS_PARTITION_RESULT)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_delete_records_response_delete_records_topic_result_t
KFK_SCHEMA_DEFINE(kfk_delete_records_response_delete_records_topic_result,
                  KFK_DELETE_RECORDS_RESPONSE_DELETE_RECORDS_TOPIC_RESULT)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_delete_records_response_t
KFK_SCHEMA_DEFINE(kfk_delete_records_response, KFK_DELETE_RECORDS_RESPONSE)
#undef KFK_SCHEMA_CUR
