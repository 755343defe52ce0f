/*
 * api_heartbeat.c: descriptor tables of Heartbeat (key 12), versions 0-4, flexible from 4 (the
 * lists are in include/kfk/msgs/heartbeat.h).
 */
#include "protocol/schema.h"

#define KFK_SCHEMA_CUR kfk_heartbeat_request_t
KFK_SCHEMA_DEFINE(kfk_heartbeat_request, KFK_HEARTBEAT_REQUEST)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_heartbeat_response_t
KFK_SCHEMA_DEFINE(kfk_heartbeat_response, KFK_HEARTBEAT_RESPONSE)
#undef KFK_SCHEMA_CUR
