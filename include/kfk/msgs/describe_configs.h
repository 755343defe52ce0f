/** @file
 * kfk/msgs/describe_configs.h: DescribeConfigs (key 32), versions 1-4, flexible from 4.
 * Schemas: DescribeConfigsRequest.json / DescribeConfigsResponse.json. Included by
 * kfk/protocol.h. Line format: F(TYPE, name, min_version, max_version, nullable_from, tag,
 * default, sub). Kafka 4.x dropped v0 (KIP-896); 3.9 speaks 0-4. A resource_type is Kafka's
 * ConfigResource.Type: 2 topic, 4 broker, 8 broker logger (a broker's resource_name is its id);
 * a config_source is DescribeConfigsResponse.ConfigSource (1 dynamic topic, 2 dynamic broker,
 * 3 dynamic default broker, 4 static broker, 5 default, 6 dynamic broker logger, 7 client
 * metrics, 8 group).
 */

/* -- request -- */
/** The fields of DescribeConfigsRequest DescribeConfigsResource (line format above). */
#define KFK_DESCRIBE_CONFIGS_REQUEST_DESCRIBE_CONFIGS_RESOURCE(F)                                  \
    F(INT8, resource_type, 0, KFK_V_MAX, -1, -1, 0, _)                                             \
    F(STRING, resource_name, 0, KFK_V_MAX, -1, -1, 0, _)                                           \
    F(ARRAY_STRING, configuration_keys, 0, KFK_V_MAX, 0, -1, 0, _)
/** DescribeConfigsRequest DescribeConfigsResource: an element of `resources` in
 * kfk_describe_configs_request_t (configuration_keys null: every key). */
KFK_MSG_STRUCT(kfk_describe_configs_request_describe_configs_resource,
               KFK_DESCRIBE_CONFIGS_REQUEST_DESCRIBE_CONFIGS_RESOURCE)

/** The fields of DescribeConfigsRequest (line format above). */
#define KFK_DESCRIBE_CONFIGS_REQUEST(F)                                                            \
    F(ARRAY_STRUCT, resources, 0, KFK_V_MAX, -1, -1, 0,                                            \
      kfk_describe_configs_request_describe_configs_resource)                                      \
    F(BOOL, include_synonyms, 1, KFK_V_MAX, -1, -1, 0, _)                                          \
    F(BOOL, include_documentation, 3, KFK_V_MAX, -1, -1, 0, _)
/** DescribeConfigsRequest: a member per field of KFK_DESCRIBE_CONFIGS_REQUEST, then
 * unknown_tags. */
KFK_MSG_STRUCT(kfk_describe_configs_request, KFK_DESCRIBE_CONFIGS_REQUEST)

/* -- response -- */
/** The fields of DescribeConfigsResponse DescribeConfigsSynonym (line format above). */
#define KFK_DESCRIBE_CONFIGS_RESPONSE_DESCRIBE_CONFIGS_SYNONYM(F)                                  \
    F(STRING, name, 1, KFK_V_MAX, -1, -1, 0, _)                                                    \
    F(STRING, value, 1, KFK_V_MAX, 0, -1, 0, _)                                                    \
    F(INT8, source, 1, KFK_V_MAX, -1, -1, 0, _)
/** DescribeConfigsResponse DescribeConfigsSynonym: an element of `synonyms` in
 * kfk_describe_configs_response_describe_configs_resource_result_t. */
KFK_MSG_STRUCT(kfk_describe_configs_response_describe_configs_synonym,
               KFK_DESCRIBE_CONFIGS_RESPONSE_DESCRIBE_CONFIGS_SYNONYM)

/** The fields of DescribeConfigsResponse DescribeConfigsResourceResult (line format above). */
#define KFK_DESCRIBE_CONFIGS_RESPONSE_DESCRIBE_CONFIGS_RESOURCE_RESULT(F)                          \
    F(STRING, name, 0, KFK_V_MAX, -1, -1, 0, _)                                                    \
    F(STRING, value, 0, KFK_V_MAX, 0, -1, 0, _)                                                    \
    F(BOOL, read_only, 0, KFK_V_MAX, -1, -1, 0, _)                                                 \
    F(INT8, config_source, 1, KFK_V_MAX, -1, -1, -1, _)                                            \
    F(BOOL, is_sensitive, 0, KFK_V_MAX, -1, -1, 0, _)                                              \
    F(ARRAY_STRUCT, synonyms, 1, KFK_V_MAX, -1, -1, 0,                                             \
      kfk_describe_configs_response_describe_configs_synonym)                                      \
    F(INT8, config_type, 3, KFK_V_MAX, -1, -1, 0, _)                                               \
    F(STRING, documentation, 3, KFK_V_MAX, 0, -1, 0, _)
/** DescribeConfigsResponse DescribeConfigsResourceResult: an element of `configs` in
 * kfk_describe_configs_response_describe_configs_result_t. */
KFK_MSG_STRUCT(kfk_describe_configs_response_describe_configs_resource_result,
               KFK_DESCRIBE_CONFIGS_RESPONSE_DESCRIBE_CONFIGS_RESOURCE_RESULT)

/** The fields of DescribeConfigsResponse DescribeConfigsResult (line format above). */
#define KFK_DESCRIBE_CONFIGS_RESPONSE_DESCRIBE_CONFIGS_RESULT(F)                                   \
    F(INT16, error_code, 0, KFK_V_MAX, -1, -1, 0, _)                                               \
    F(STRING, error_message, 0, KFK_V_MAX, 0, -1, 0, _)                                            \
    F(INT8, resource_type, 0, KFK_V_MAX, -1, -1, 0, _)                                             \
    F(STRING, resource_name, 0, KFK_V_MAX, -1, -1, 0, _)                                           \
    F(ARRAY_STRUCT, configs, 0, KFK_V_MAX, -1, -1, 0,                                              \
      kfk_describe_configs_response_describe_configs_resource_result)
/** DescribeConfigsResponse DescribeConfigsResult: an element of `results` in
 * kfk_describe_configs_response_t. */
KFK_MSG_STRUCT(kfk_describe_configs_response_describe_configs_result,
               KFK_DESCRIBE_CONFIGS_RESPONSE_DESCRIBE_CONFIGS_RESULT)

/** The fields of DescribeConfigsResponse (line format above). */
#define KFK_DESCRIBE_CONFIGS_RESPONSE(F)                                                           \
    F(INT32, throttle_time_ms, 0, KFK_V_MAX, -1, -1, 0, _)                                         \
    F(ARRAY_STRUCT, results, 0, KFK_V_MAX, -1, -1, 0,                                              \
      kfk_describe_configs_response_describe_configs_result)
/** DescribeConfigsResponse: a member per field of KFK_DESCRIBE_CONFIGS_RESPONSE, then
 * unknown_tags. */
KFK_MSG_STRUCT(kfk_describe_configs_response, KFK_DESCRIBE_CONFIGS_RESPONSE)
