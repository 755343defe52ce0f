/*
 * api_add_partitions_to_txn.c: descriptor tables of AddPartitionsToTxn (key 24), the clients'
 * versions 0-3, flexible from 3 (the lists are in include/kfk/msgs/add_partitions_to_txn.h).
 * Innermost structs first.
 */
#include "protocol/schema.h"

#define KFK_SCHEMA_CUR kfk_add_partitions_to_txn_request_add_partitions_to_txn_topic_t
KFK_SCHEMA_DEFINE(kfk_add_partitions_to_txn_request_add_partitions_to_txn_topic,
                  KFK_ADD_PARTITIONS_TO_TXN_REQUEST_ADD_PARTITIONS_TO_TXN_TOPIC)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_add_partitions_to_txn_request_t
KFK_SCHEMA_DEFINE(kfk_add_partitions_to_txn_request, KFK_ADD_PARTITIONS_TO_TXN_REQUEST)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_add_partitions_to_txn_response_add_partitions_to_txn_partition_result_t
KFK_SCHEMA_DEFINE(kfk_add_partitions_to_txn_response_add_partitions_to_txn_partition_result,
                  KFK_ADD_PARTITIONS_TO_TXN_RESPONSE_ADD_PARTITIONS_TO_TXN_PARTITION_RESULT)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_add_partitions_to_txn_response_add_partitions_to_txn_topic_result_t
KFK_SCHEMA_DEFINE(kfk_add_partitions_to_txn_response_add_partitions_to_txn_topic_result,
                  KFK_ADD_PARTITIONS_TO_TXN_RESPONSE_ADD_PARTITIONS_TO_TXN_TOPIC_RESULT)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_add_partitions_to_txn_response_t
KFK_SCHEMA_DEFINE(kfk_add_partitions_to_txn_response, KFK_ADD_PARTITIONS_TO_TXN_RESPONSE)
#undef KFK_SCHEMA_CUR
