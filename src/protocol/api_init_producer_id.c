/*
 * api_init_producer_id.c: descriptor tables of InitProducerId (key 22), versions 0-5, flexible
 * from 2 (the lists are in include/kfk/msgs/init_producer_id.h).
 */
#include "protocol/schema.h"

#define KFK_SCHEMA_CUR kfk_init_producer_id_request_t
KFK_SCHEMA_DEFINE(kfk_init_producer_id_request, KFK_INIT_PRODUCER_ID_REQUEST)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_init_producer_id_response_t
KFK_SCHEMA_DEFINE(kfk_init_producer_id_response, KFK_INIT_PRODUCER_ID_RESPONSE)
#undef KFK_SCHEMA_CUR
