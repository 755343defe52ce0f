/*
 * api_describe_configs.c: descriptor tables of DescribeConfigs (key 32), versions 1-4, flexible
 * from 4 (the lists are in include/kfk/msgs/describe_configs.h). Innermost structs first.
 */
#include "protocol/schema.h"

#define KFK_SCHEMA_CUR kfk_describe_configs_request_describe_configs_resource_t
KFK_SCHEMA_DEFINE(kfk_describe_configs_request_describe_configs_resource,
                  KFK_DESCRIBE_CONFIGS_REQUEST_DESCRIBE_CONFIGS_RESOURCE)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_describe_configs_request_t
KFK_SCHEMA_DEFINE(kfk_describe_configs_request, KFK_DESCRIBE_CONFIGS_REQUEST)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_describe_configs_response_describe_configs_synonym_t
KFK_SCHEMA_DEFINE(kfk_describe_configs_response_describe_configs_synonym,
                  KFK_DESCRIBE_CONFIGS_RESPONSE_DESCRIBE_CONFIGS_SYNONYM)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_describe_configs_response_describe_configs_resource_result_t
KFK_SCHEMA_DEFINE(kfk_describe_configs_response_describe_configs_resource_result,
                  KFK_DESCRIBE_CONFIGS_RESPONSE_DESCRIBE_CONFIGS_RESOURCE_RESULT)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_describe_configs_response_describe_configs_result_t
KFK_SCHEMA_DEFINE(kfk_describe_configs_response_describe_configs_result,
                  KFK_DESCRIBE_CONFIGS_RESPONSE_DESCRIBE_CONFIGS_RESULT)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_describe_configs_response_t
KFK_SCHEMA_DEFINE(kfk_describe_configs_response, KFK_DESCRIBE_CONFIGS_RESPONSE)
#undef KFK_SCHEMA_CUR
