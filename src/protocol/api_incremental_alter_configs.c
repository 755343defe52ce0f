/*
 * api_incremental_alter_configs.c: descriptor tables of IncrementalAlterConfigs (key 44), versions
 * 0-1, flexible from 1 (the lists are in include/kfk/msgs/incremental_alter_configs.h). Innermost
 * structs first.
 */
#include "protocol/schema.h"

#define KFK_SCHEMA_CUR kfk_incremental_alter_configs_request_alterable_config_t
KFK_SCHEMA_DEFINE(kfk_incremental_alter_configs_request_alterable_config,
                  KFK_INCREMENTAL_ALTER_CONFIGS_REQUEST_ALTERABLE_CONFIG)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_incremental_alter_configs_request_alter_configs_resource_t
KFK_SCHEMA_DEFINE(kfk_incremental_alter_configs_request_alter_configs_resource,
                  KFK_INCREMENTAL_ALTER_CONFIGS_REQUEST_ALTER_CONFIGS_RESOURCE)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_incremental_alter_configs_request_t
KFK_SCHEMA_DEFINE(kfk_incremental_alter_configs_request, KFK_INCREMENTAL_ALTER_CONFIGS_REQUEST)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_incremental_alter_configs_response_alter_configs_resource_response_t
KFK_SCHEMA_DEFINE(kfk_incremental_alter_configs_response_alter_configs_resource_response,
                  KFK_INCREMENTAL_ALTER_CONFIGS_RESPONSE_ALTER_CONFIGS_RESOURCE_RESPONSE)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_incremental_alter_configs_response_t
KFK_SCHEMA_DEFINE(kfk_incremental_alter_configs_response, KFK_INCREMENTAL_ALTER_CONFIGS_RESPONSE)
#undef KFK_SCHEMA_CUR
