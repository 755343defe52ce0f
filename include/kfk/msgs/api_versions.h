/** @file
 * kfk/msgs/api_versions.h: ApiVersions (key 18), versions 0-3, flexible from 3.
 * Schemas: ApiVersionsRequest.json / ApiVersionsResponse.json. Included by kfk/protocol.h.
 * Line format: F(TYPE, name, min_version, max_version, nullable_from, tag, default, sub).
 */

/* -- request -- */
/** The fields of ApiVersionsRequest (line format above). */
#define KFK_API_VERSIONS_REQUEST(F)                                                                \
    F(STRING, client_software_name, 3, KFK_V_MAX, -1, -1, 0, _)                                    \
    F(STRING, client_software_version, 3, KFK_V_MAX, -1, -1, 0, _)
/** ApiVersionsRequest: a member per field of KFK_API_VERSIONS_REQUEST, then unknown_tags. */
KFK_MSG_STRUCT(kfk_api_versions_request, KFK_API_VERSIONS_REQUEST)

/* -- response -- */
/** The fields of ApiVersionsResponse ApiVersion (line format above). */
#define KFK_API_VERSIONS_RESPONSE_API_VERSION(F)                                                   \
    F(INT16, api_key, 0, KFK_V_MAX, -1, -1, 0, _)                                                  \
    F(INT16, min_version, 0, KFK_V_MAX, -1, -1, 0, _)                                              \
    F(INT16, max_version, 0, KFK_V_MAX, -1, -1, 0, _)
/** ApiVersionsResponse ApiVersion: an element of `api_keys` in kfk_api_versions_response_t. */
KFK_MSG_STRUCT(kfk_api_versions_response_api_version, KFK_API_VERSIONS_RESPONSE_API_VERSION)

/** The fields of ApiVersionsResponse SupportedFeatureKey (line format above). */
#define KFK_API_VERSIONS_RESPONSE_SUPPORTED_FEATURE_KEY(F)                                         \
    F(STRING, name, 3, KFK_V_MAX, -1, -1, 0, _)                                                    \
    F(INT16, min_version, 3, KFK_V_MAX, -1, -1, 0, _)                                              \
    F(INT16, max_version, 3, KFK_V_MAX, -1, -1, 0, _)
/** ApiVersionsResponse SupportedFeatureKey: an element of `supported_features` in
 * kfk_api_versions_response_t. */
KFK_MSG_STRUCT(kfk_api_versions_response_supported_feature_key,
               KFK_API_VERSIONS_RESPONSE_SUPPORTED_FEATURE_KEY)

/** The fields of ApiVersionsResponse FinalizedFeatureKey (line format above). */
#define KFK_API_VERSIONS_RESPONSE_FINALIZED_FEATURE_KEY(F)                                         \
    F(STRING, name, 3, KFK_V_MAX, -1, -1, 0, _)                                                    \
    F(INT16, max_version_level, 3, KFK_V_MAX, -1, -1, 0, _)                                        \
    F(INT16, min_version_level, 3, KFK_V_MAX, -1, -1, 0, _)
/** ApiVersionsResponse FinalizedFeatureKey: an element of `finalized_features` in
 * kfk_api_versions_response_t. */
KFK_MSG_STRUCT(kfk_api_versions_response_finalized_feature_key,
               KFK_API_VERSIONS_RESPONSE_FINALIZED_FEATURE_KEY)

/** The fields of ApiVersionsResponse (line format above). */
#define KFK_API_VERSIONS_RESPONSE(F)                                                               \
    F(INT16, error_code, 0, KFK_V_MAX, -1, -1, 0, _)                                               \
    F(ARRAY_STRUCT, api_keys, 0, KFK_V_MAX, -1, -1, 0, kfk_api_versions_response_api_version)      \
    F(INT32, throttle_time_ms, 1, KFK_V_MAX, -1, -1, 0, _)                                         \
    F(ARRAY_STRUCT, supported_features, 3, KFK_V_MAX, -1, 0, 0,                                    \
      kfk_api_versions_response_supported_feature_key)                                             \
    F(INT64, finalized_features_epoch, 3, KFK_V_MAX, -1, 1, -1, _)                                 \
    F(ARRAY_STRUCT, finalized_features, 3, KFK_V_MAX, -1, 2, 0,                                    \
      kfk_api_versions_response_finalized_feature_key)                                             \
    F(BOOL, zk_migration_ready, 3, KFK_V_MAX, -1, 3, 0, _)
/** ApiVersionsResponse: a member per field of KFK_API_VERSIONS_RESPONSE, then unknown_tags. */
KFK_MSG_STRUCT(kfk_api_versions_response, KFK_API_VERSIONS_RESPONSE)
