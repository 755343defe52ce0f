/*
 * api_metadata.c: descriptor tables of Metadata (key 3), versions 0-12, flexible from 9 (the
 * lists are in include/kfk/msgs/metadata.h). Innermost structs first.
 */
#include "protocol/schema.h"

#define KFK_SCHEMA_CUR kfk_metadata_request_topic_t
KFK_SCHEMA_DEFINE(kfk_metadata_request_topic, KFK_METADATA_REQUEST_TOPIC)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_metadata_request_t
KFK_SCHEMA_DEFINE(kfk_metadata_request, KFK_METADATA_REQUEST)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_metadata_response_broker_t
KFK_SCHEMA_DEFINE(kfk_metadata_response_broker, KFK_METADATA_RESPONSE_BROKER)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_metadata_response_partition_t
KFK_SCHEMA_DEFINE(kfk_metadata_response_partition, KFK_METADATA_RESPONSE_PARTITION)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_metadata_response_topic_t
KFK_SCHEMA_DEFINE(kfk_metadata_response_topic, KFK_METADATA_RESPONSE_TOPIC)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_metadata_response_t
KFK_SCHEMA_DEFINE(kfk_metadata_response, KFK_METADATA_RESPONSE)
#undef KFK_SCHEMA_CUR
