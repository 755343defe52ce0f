/*
 * api_produce.c: descriptor tables of Produce (key 0), versions 3-11, flexible from 9 (the lists
 * are in include/kfk/msgs/produce.h). The records fields stay opaque bytes: the RecordBatch code
 * builds and reads them.
 */
#include "protocol/schema.h"

/* -- request -- */
#define KFK_SCHEMA_CUR kfk_produce_request_partition_produce_data_t
KFK_SCHEMA_DEFINE(kfk_produce_request_partition_produce_data,
                  KFK_PRODUCE_REQUEST_PARTITION_PRODUCE_DATA)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_produce_request_topic_produce_data_t
KFK_SCHEMA_DEFINE(kfk_produce_request_topic_produce_data, KFK_PRODUCE_REQUEST_TOPIC_PRODUCE_DATA)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_produce_request_t
KFK_SCHEMA_DEFINE(kfk_produce_request, KFK_PRODUCE_REQUEST)
#undef KFK_SCHEMA_CUR

/* -- response -- */
#define KFK_SCHEMA_CUR kfk_produce_response_batch_index_and_error_message_t
KFK_SCHEMA_DEFINE(kfk_produce_response_batch_index_and_error_message,
                  KFK_PRODUCE_RESPONSE_BATCH_INDEX_AND_ERROR_MESSAGE)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_produce_response_leader_id_and_epoch_t
KFK_SCHEMA_DEFINE(kfk_produce_response_leader_id_and_epoch,
                  KFK_PRODUCE_RESPONSE_LEADER_ID_AND_EPOCH)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_produce_response_partition_produce_response_t
KFK_SCHEMA_DEFINE(kfk_produce_response_partition_produce_response,
                  KFK_PRODUCE_RESPONSE_PARTITION_PRODUCE_RESPONSE)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_produce_response_topic_produce_response_t
KFK_SCHEMA_DEFINE(kfk_produce_response_topic_produce_response,
                  KFK_PRODUCE_RESPONSE_TOPIC_PRODUCE_RESPONSE)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_produce_response_node_endpoint_t
KFK_SCHEMA_DEFINE(kfk_produce_response_node_endpoint, KFK_PRODUCE_RESPONSE_NODE_ENDPOINT)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_produce_response_t
KFK_SCHEMA_DEFINE(kfk_produce_response, KFK_PRODUCE_RESPONSE)
#undef KFK_SCHEMA_CUR
