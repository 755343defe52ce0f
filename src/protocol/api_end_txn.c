/*
 * api_end_txn.c: descriptor tables of EndTxn (key 26), versions 0-5, flexible from 3 (the lists
 * are in include/kfk/msgs/end_txn.h).
 */
#include "protocol/schema.h"

#define KFK_SCHEMA_CUR kfk_end_txn_request_t
KFK_SCHEMA_DEFINE(kfk_end_txn_request, KFK_END_TXN_REQUEST)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_end_txn_response_t
KFK_SCHEMA_DEFINE(kfk_end_txn_response, KFK_END_TXN_RESPONSE)
#undef KFK_SCHEMA_CUR
