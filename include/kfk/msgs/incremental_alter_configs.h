/** @file
 * kfk/msgs/incremental_alter_configs.h: IncrementalAlterConfigs (key 44), versions 0-1, flexible
 * from 1. Schemas: IncrementalAlterConfigsRequest.json / IncrementalAlterConfigsResponse.json.
 * Included by kfk/protocol.h. Line format: F(TYPE, name, min_version, max_version, nullable_from,
 * tag, default, sub). resource_type as in DescribeConfigs (2 topic, 4 broker, 8 broker logger);
 * config_operation is Kafka's AlterConfigOp.OpType: 0 set, 1 delete, 2 append, 3 subtract.
 */

/* -- request -- */
/** The fields of IncrementalAlterConfigsRequest AlterableConfig (line format above). */
#define KFK_INCREMENTAL_ALTER_CONFIGS_REQUEST_ALTERABLE_CONFIG(F)                                  \
    F(STRING, name, 0, KFK_V_MAX, -1, -1, 0, _)                                                    \
    F(INT8, config_operation, 0, KFK_V_MAX, -1, -1, 0, _)                                          \
    F(STRING, value, 0, KFK_V_MAX, 0, -1, 0, _)
/** IncrementalAlterConfigsRequest AlterableConfig: an element of `configs` in
 * kfk_incremental_alter_configs_request_alter_configs_resource_t. */
KFK_MSG_STRUCT(kfk_incremental_alter_configs_request_alterable_config,
               KFK_INCREMENTAL_ALTER_CONFIGS_REQUEST_ALTERABLE_CONFIG)

/** The fields of IncrementalAlterConfigsRequest AlterConfigsResource (line format above). */
#define KFK_INCREMENTAL_ALTER_CONFIGS_REQUEST_ALTER_CONFIGS_RESOURCE(F)                            \
    F(INT8, resource_type, 0, KFK_V_MAX, -1, -1, 0, _)                                             \
    F(STRING, resource_name, 0, KFK_V_MAX, -1, -1, 0, _)                                           \
    F(ARRAY_STRUCT, configs, 0, KFK_V_MAX, -1, -1, 0,                                              \
      kfk_incremental_alter_configs_request_alterable_config)
/** IncrementalAlterConfigsRequest AlterConfigsResource: an element of `resources` in
 * kfk_incremental_alter_configs_request_t. */
KFK_MSG_STRUCT(kfk_incremental_alter_configs_request_alter_configs_resource,
               KFK_INCREMENTAL_ALTER_CONFIGS_REQUEST_ALTER_CONFIGS_RESOURCE)

/** The fields of IncrementalAlterConfigsRequest (line format above). */
#define KFK_INCREMENTAL_ALTER_CONFIGS_REQUEST(F)                                                   \
    F(ARRAY_STRUCT, resources, 0, KFK_V_MAX, -1, -1, 0,                                            \
      kfk_incremental_alter_configs_request_alter_configs_resource)                                \
    F(BOOL, validate_only, 0, KFK_V_MAX, -1, -1, 0, _)
/** IncrementalAlterConfigsRequest: a member per field of KFK_INCREMENTAL_ALTER_CONFIGS_REQUEST,
 * then unknown_tags. */
KFK_MSG_STRUCT(kfk_incremental_alter_configs_request, KFK_INCREMENTAL_ALTER_CONFIGS_REQUEST)

/* -- response -- */
/** The fields of IncrementalAlterConfigsResponse AlterConfigsResourceResponse (line format above).
 */
#define KFK_INCREMENTAL_ALTER_CONFIGS_RESPONSE_ALTER_CONFIGS_RESOURCE_RESPONSE(F)                  \
    F(INT16, error_code, 0, KFK_V_MAX, -1, -1, 0, _)                                               \
    F(STRING, error_message, 0, KFK_V_MAX, 0, -1, 0, _)                                            \
    F(INT8, resource_type, 0, KFK_V_MAX, -1, -1, 0, _)                                             \
    F(STRING, resource_name, 0, KFK_V_MAX, -1, -1, 0, _)
/** IncrementalAlterConfigsResponse AlterConfigsResourceResponse: an element of `responses` in
 * kfk_incremental_alter_configs_response_t. */
KFK_MSG_STRUCT(kfk_incremental_alter_configs_response_alter_configs_resource_response,
               KFK_INCREMENTAL_ALTER_CONFIGS_RESPONSE_ALTER_CONFIGS_RESOURCE_RESPONSE)

/** The fields of IncrementalAlterConfigsResponse (line format above). */
#define KFK_INCREMENTAL_ALTER_CONFIGS_RESPONSE(F)                                                  \
    F(INT32, throttle_time_ms, 0, KFK_V_MAX, -1, -1, 0, _)                                         \
    F(ARRAY_STRUCT, responses, 0, KFK_V_MAX, -1, -1, 0,                                            \
      kfk_incremental_alter_configs_response_alter_configs_resource_response)
/** IncrementalAlterConfigsResponse: a member per field of KFK_INCREMENTAL_ALTER_CONFIGS_RESPONSE,
 * then unknown_tags. */
KFK_MSG_STRUCT(kfk_incremental_alter_configs_response, KFK_INCREMENTAL_ALTER_CONFIGS_RESPONSE)
