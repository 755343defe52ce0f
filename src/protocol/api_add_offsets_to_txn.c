/*
 * api_add_offsets_to_txn.c: descriptor tables of AddOffsetsToTxn (key 25), versions 0-4,
 * flexible from 3 (the lists are in include/kfk/msgs/add_offsets_to_txn.h).
 */
#include "protocol/schema.h"

#define KFK_SCHEMA_CUR kfk_add_offsets_to_txn_request_t
KFK_SCHEMA_DEFINE(kfk_add_offsets_to_txn_request, KFK_ADD_OFFSETS_TO_TXN_REQUEST)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_add_offsets_to_txn_response_t
KFK_SCHEMA_DEFINE(kfk_add_offsets_to_txn_response, KFK_ADD_OFFSETS_TO_TXN_RESPONSE)
#undef KFK_SCHEMA_CUR
