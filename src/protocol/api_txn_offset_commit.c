/*
 * api_txn_offset_commit.c: descriptor tables of TxnOffsetCommit (key 28), versions 0-5, flexible
 * from 3 (the lists are in include/kfk/msgs/txn_offset_commit.h). Innermost structs first.
 */
#include "protocol/schema.h"

#define KFK_SCHEMA_CUR kfk_txn_offset_commit_request_partition_t
KFK_SCHEMA_DEFINE(kfk_txn_offset_commit_request_partition, KFK_TXN_OFFSET_COMMIT_REQUEST_PARTITION)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_txn_offset_commit_request_topic_t
KFK_SCHEMA_DEFINE(kfk_txn_offset_commit_request_topic, KFK_TXN_OFFSET_COMMIT_REQUEST_TOPIC)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_txn_offset_commit_request_t
KFK_SCHEMA_DEFINE(kfk_txn_offset_commit_request, KFK_TXN_OFFSET_COMMIT_REQUEST)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_txn_offset_commit_response_partition_t
KFK_SCHEMA_DEFINE(kfk_txn_offset_commit_response_partition,
                  KFK_TXN_OFFSET_COMMIT_RESPONSE_PARTITION)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_txn_offset_commit_response_topic_t
KFK_SCHEMA_DEFINE(kfk_txn_offset_commit_response_topic, KFK_TXN_OFFSET_COMMIT_RESPONSE_TOPIC)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_txn_offset_commit_response_t
KFK_SCHEMA_DEFINE(kfk_txn_offset_commit_response, KFK_TXN_OFFSET_COMMIT_RESPONSE)
#undef KFK_SCHEMA_CUR
