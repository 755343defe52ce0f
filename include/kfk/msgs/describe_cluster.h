/** @file
 * kfk/msgs/describe_cluster.h: DescribeCluster (key 60), versions 0-2, flexible from 0. Schemas:
 * DescribeClusterRequest.json / DescribeClusterResponse.json. Included by kfk/protocol.h. Line
 * format: F(TYPE, name, min_version, max_version, nullable_from, tag, default, sub). Kafka 3.9
 * speaks 0-1 (v2, KIP-1073, adds fenced brokers). endpoint_type: 1 brokers, 2 controllers.
 */

/* -- request -- */
/** The fields of DescribeClusterRequest (line format above). */
#define KFK_DESCRIBE_CLUSTER_REQUEST(F)                                                            \
    F(BOOL, include_cluster_authorized_operations, 0, KFK_V_MAX, -1, -1, 0, _)                     \
    F(INT8, endpoint_type, 1, KFK_V_MAX, -1, -1, 1, _)                                             \
    F(BOOL, include_fenced_brokers, 2, KFK_V_MAX, -1, -1, 0, _)
/** DescribeClusterRequest: a member per field of KFK_DESCRIBE_CLUSTER_REQUEST, then unknown_tags.
 */
KFK_MSG_STRUCT(kfk_describe_cluster_request, KFK_DESCRIBE_CLUSTER_REQUEST)

/* -- response -- */
/** The fields of DescribeClusterResponse DescribeClusterBroker (line format above). */
#define KFK_DESCRIBE_CLUSTER_RESPONSE_DESCRIBE_CLUSTER_BROKER(F)                                   \
    F(INT32, broker_id, 0, KFK_V_MAX, -1, -1, 0, _)                                                \
    F(STRING, host, 0, KFK_V_MAX, -1, -1, 0, _)                                                    \
    F(INT32, port, 0, KFK_V_MAX, -1, -1, 0, _)                                                     \
    F(STRING, rack, 0, KFK_V_MAX, 0, -1, -1, _)                                                    \
    F(BOOL, is_fenced, 2, KFK_V_MAX, -1, -1, 0, _)
/** DescribeClusterResponse DescribeClusterBroker: an element of `brokers` in
 * kfk_describe_cluster_response_t. */
KFK_MSG_STRUCT(kfk_describe_cluster_response_describe_cluster_broker,
               KFK_DESCRIBE_CLUSTER_RESPONSE_DESCRIBE_CLUSTER_BROKER)

/** The fields of DescribeClusterResponse (line format above). */
#define KFK_DESCRIBE_CLUSTER_RESPONSE(F)                                                           \
    F(INT32, throttle_time_ms, 0, KFK_V_MAX, -1, -1, 0, _)                                         \
    F(INT16, error_code, 0, KFK_V_MAX, -1, -1, 0, _)                                               \
    F(STRING, error_message, 0, KFK_V_MAX, 0, -1, -1, _)                                           \
    F(INT8, endpoint_type, 1, KFK_V_MAX, -1, -1, 1, _)                                             \
    F(STRING, cluster_id, 0, KFK_V_MAX, -1, -1, 0, _)                                              \
    F(INT32, controller_id, 0, KFK_V_MAX, -1, -1, -1, _)                                           \
    F(ARRAY_STRUCT, brokers, 0, KFK_V_MAX, -1, -1, 0,                                              \
      kfk_describe_cluster_response_describe_cluster_broker)                                       \
    F(INT32, cluster_authorized_operations, 0, KFK_V_MAX, -1, -1, INT32_MIN, _)
/** DescribeClusterResponse: a member per field of KFK_DESCRIBE_CLUSTER_RESPONSE, then unknown_tags.
 */
KFK_MSG_STRUCT(kfk_describe_cluster_response, KFK_DESCRIBE_CLUSTER_RESPONSE)
