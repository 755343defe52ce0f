/*
 * api_sasl_handshake.c: descriptor tables of SaslHandshake (key 17), versions 0-1, never
 * flexible (the lists are in include/kfk/msgs/sasl_handshake.h).
 */
#include "protocol/schema.h"

#define KFK_SCHEMA_CUR kfk_sasl_handshake_request_t
KFK_SCHEMA_DEFINE(kfk_sasl_handshake_request, KFK_SASL_HANDSHAKE_REQUEST)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_sasl_handshake_response_t
KFK_SCHEMA_DEFINE(kfk_sasl_handshake_response, KFK_SASL_HANDSHAKE_RESPONSE)
#undef KFK_SCHEMA_CUR
