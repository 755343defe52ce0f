/*
 * api_fetch.c: descriptor tables of Fetch (key 1), versions 4-12, flexible from 12 (the lists
 * are in include/kfk/msgs/fetch.h). The records fields stay opaque bytes: the RecordBatch code
 * reads them.
 */
#include "protocol/schema.h"

/* -- request -- */
#define KFK_SCHEMA_CUR kfk_fetch_request_fetch_partition_t
KFK_SCHEMA_DEFINE(kfk_fetch_request_fetch_partition, KFK_FETCH_REQUEST_FETCH_PARTITION)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_fetch_request_fetch_topic_t
KFK_SCHEMA_DEFINE(kfk_fetch_request_fetch_topic, KFK_FETCH_REQUEST_FETCH_TOPIC)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_fetch_request_forgotten_topic_t
KFK_SCHEMA_DEFINE(kfk_fetch_request_forgotten_topic, KFK_FETCH_REQUEST_FORGOTTEN_TOPIC)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_fetch_request_t
KFK_SCHEMA_DEFINE(kfk_fetch_request, KFK_FETCH_REQUEST)
#undef KFK_SCHEMA_CUR

/* -- response -- */
#define KFK_SCHEMA_CUR kfk_fetch_response_epoch_end_offset_t
KFK_SCHEMA_DEFINE(kfk_fetch_response_epoch_end_offset, KFK_FETCH_RESPONSE_EPOCH_END_OFFSET)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_fetch_response_leader_id_and_epoch_t
KFK_SCHEMA_DEFINE(kfk_fetch_response_leader_id_and_epoch, KFK_FETCH_RESPONSE_LEADER_ID_AND_EPOCH)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_fetch_response_snapshot_id_t
KFK_SCHEMA_DEFINE(kfk_fetch_response_snapshot_id, KFK_FETCH_RESPONSE_SNAPSHOT_ID)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_fetch_response_aborted_transaction_t
KFK_SCHEMA_DEFINE(kfk_fetch_response_aborted_transaction, KFK_FETCH_RESPONSE_ABORTED_TRANSACTION)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_fetch_response_partition_data_t
KFK_SCHEMA_DEFINE(kfk_fetch_response_partition_data, KFK_FETCH_RESPONSE_PARTITION_DATA)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_fetch_response_fetchable_topic_response_t
KFK_SCHEMA_DEFINE(kfk_fetch_response_fetchable_topic_response,
                  KFK_FETCH_RESPONSE_FETCHABLE_TOPIC_RESPONSE)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_fetch_response_t
KFK_SCHEMA_DEFINE(kfk_fetch_response, KFK_FETCH_RESPONSE)
#undef KFK_SCHEMA_CUR
