/*
 * api_describe_cluster.c: descriptor tables of DescribeCluster (key 60), versions 0-2, flexible
 * from 0 (the lists are in include/kfk/msgs/describe_cluster.h). Innermost structs first.
 */
#include "protocol/schema.h"

#define KFK_SCHEMA_CUR kfk_describe_cluster_request_t
KFK_SCHEMA_DEFINE(kfk_describe_cluster_request, KFK_DESCRIBE_CLUSTER_REQUEST)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_describe_cluster_response_describe_cluster_broker_t
KFK_SCHEMA_DEFINE(kfk_describe_cluster_response_describe_cluster_broker,
                  KFK_DESCRIBE_CLUSTER_RESPONSE_DESCRIBE_CLUSTER_BROKER)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_describe_cluster_response_t
KFK_SCHEMA_DEFINE(kfk_describe_cluster_response, KFK_DESCRIBE_CLUSTER_RESPONSE)
#undef KFK_SCHEMA_CUR
