/*
 * api_find_coordinator.c: descriptor tables of FindCoordinator (key 10), versions 0-3, flexible
 * from 3 (the lists are in include/kfk/msgs/find_coordinator.h).
 */
#include "protocol/schema.h"

#define KFK_SCHEMA_CUR kfk_find_coordinator_request_t
KFK_SCHEMA_DEFINE(kfk_find_coordinator_request, KFK_FIND_COORDINATOR_REQUEST)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_find_coordinator_response_t
KFK_SCHEMA_DEFINE(kfk_find_coordinator_response, KFK_FIND_COORDINATOR_RESPONSE)
#undef KFK_SCHEMA_CUR
