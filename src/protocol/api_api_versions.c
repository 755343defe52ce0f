/*
 * api_api_versions.c: descriptor tables of ApiVersions (key 18), versions 0-3 (the lists are in
 * include/kfk/msgs/api_versions.h). The response header is always v0 (KIP-511): see api.c.
 */
#include "protocol/schema.h"

#define KFK_SCHEMA_CUR kfk_api_versions_request_t
KFK_SCHEMA_DEFINE(kfk_api_versions_request, KFK_API_VERSIONS_REQUEST)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_api_versions_response_api_version_t
KFK_SCHEMA_DEFINE(kfk_api_versions_response_api_version, KFK_API_VERSIONS_RESPONSE_API_VERSION)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_api_versions_response_supported_feature_key_t
KFK_SCHEMA_DEFINE(kfk_api_versions_response_supported_feature_key,
                  KFK_API_VERSIONS_RESPONSE_SUPPORTED_FEATURE_KEY)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_api_versions_response_finalized_feature_key_t
KFK_SCHEMA_DEFINE(kfk_api_versions_response_finalized_feature_key,
                  KFK_API_VERSIONS_RESPONSE_FINALIZED_FEATURE_KEY)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_api_versions_response_t
KFK_SCHEMA_DEFINE(kfk_api_versions_response, KFK_API_VERSIONS_RESPONSE)
#undef KFK_SCHEMA_CUR
