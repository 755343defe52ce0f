/*
 * api_sasl_authenticate.c: descriptor tables of SaslAuthenticate (key 36), versions 0-2, flexible
 * from 2 (the lists are in include/kfk/msgs/sasl_authenticate.h).
 */
#include "protocol/schema.h"

#define KFK_SCHEMA_CUR kfk_sasl_authenticate_request_t
KFK_SCHEMA_DEFINE(kfk_sasl_authenticate_request, KFK_SASL_AUTHENTICATE_REQUEST)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_sasl_authenticate_response_t
KFK_SCHEMA_DEFINE(kfk_sasl_authenticate_response, KFK_SASL_AUTHENTICATE_RESPONSE)
#undef KFK_SCHEMA_CUR
