/** @file
 * kfk/msgs/create_topics.h: CreateTopics (key 19), versions 2-7, flexible from 5.
 * Schemas: CreateTopicsRequest.json / CreateTopicsResponse.json. Included by kfk/protocol.h.
 * Line format: F(TYPE, name, min_version, max_version, nullable_from, tag, default, sub).
 * The request's timeout_ms and validate_only are "timeoutMs" / "validateOnly" in the schema.
 */

/* -- request -- */
/** The fields of CreateTopicsRequest CreatableReplicaAssignment (line format above). */
#define KFK_CREATE_TOPICS_REQUEST_CREATABLE_REPLICA_ASSIGNMENT(F)                                  \
    F(INT32, partition_index, 0, KFK_V_MAX, -1, -1, 0, _)                                          \
    F(ARRAY_INT32, broker_ids, 0, KFK_V_MAX, -1, -1, 0, _)
/** CreateTopicsRequest CreatableReplicaAssignment: an element of `assignments` in
 * kfk_create_topics_request_creatable_topic_t. */
KFK_MSG_STRUCT(kfk_create_topics_request_creatable_replica_assignment,
               KFK_CREATE_TOPICS_REQUEST_CREATABLE_REPLICA_ASSIGNMENT)

/** The fields of CreateTopicsRequest CreatableTopicConfig (line format above). */
#define KFK_CREATE_TOPICS_REQUEST_CREATABLE_TOPIC_CONFIG(F)                                        \
    F(STRING, name, 0, KFK_V_MAX, -1, -1, 0, _)                                                    \
    F(STRING, value, 0, KFK_V_MAX, 0, -1, 0, _)
/** CreateTopicsRequest CreatableTopicConfig: an element of `configs` in
 * kfk_create_topics_request_creatable_topic_t. */
KFK_MSG_STRUCT(kfk_create_topics_request_creatable_topic_config,
               KFK_CREATE_TOPICS_REQUEST_CREATABLE_TOPIC_CONFIG)

/** The fields of CreateTopicsRequest CreatableTopic (line format above). */
#define KFK_CREATE_TOPICS_REQUEST_CREATABLE_TOPIC(F)                                               \
    F(STRING, name, 0, KFK_V_MAX, -1, -1, 0, _)                                                    \
    F(INT32, num_partitions, 0, KFK_V_MAX, -1, -1, 0, _)                                           \
    F(INT16, replication_factor, 0, KFK_V_MAX, -1, -1, 0, _)                                       \
    F(ARRAY_STRUCT, assignments, 0, KFK_V_MAX, -1, -1, 0,                                          \
      kfk_create_topics_request_creatable_replica_assignment)                                      \
    F(ARRAY_STRUCT, configs, 0, KFK_V_MAX, -1, -1, 0,                                              \
      kfk_create_topics_request_creatable_topic_config)
/** CreateTopicsRequest CreatableTopic: an element of `topics` in kfk_create_topics_request_t. */
KFK_MSG_STRUCT(kfk_create_topics_request_creatable_topic, KFK_CREATE_TOPICS_REQUEST_CREATABLE_TOPIC)

/** The fields of CreateTopicsRequest (line format above). */
#define KFK_CREATE_TOPICS_REQUEST(F)                                                               \
    F(ARRAY_STRUCT, topics, 0, KFK_V_MAX, -1, -1, 0, kfk_create_topics_request_creatable_topic)    \
    F(INT32, timeout_ms, 0, KFK_V_MAX, -1, -1, 60000, _)                                           \
    F(BOOL, validate_only, 1, KFK_V_MAX, -1, -1, 0, _)
/** CreateTopicsRequest: a member per field of KFK_CREATE_TOPICS_REQUEST, then unknown_tags. */
KFK_MSG_STRUCT(kfk_create_topics_request, KFK_CREATE_TOPICS_REQUEST)

/* -- response -- */
/** The fields of CreateTopicsResponse CreatableTopicConfigs (line format above). */
#define KFK_CREATE_TOPICS_RESPONSE_CREATABLE_TOPIC_CONFIGS(F)                                      \
    F(STRING, name, 5, KFK_V_MAX, -1, -1, 0, _)                                                    \
    F(STRING, value, 5, KFK_V_MAX, 5, -1, 0, _)                                                    \
    F(BOOL, read_only, 5, KFK_V_MAX, -1, -1, 0, _)                                                 \
    F(INT8, config_source, 5, KFK_V_MAX, -1, -1, -1, _)                                            \
    F(BOOL, is_sensitive, 5, KFK_V_MAX, -1, -1, 0, _)
/** CreateTopicsResponse CreatableTopicConfigs: an element of `configs` in
 * kfk_create_topics_response_creatable_topic_result_t. */
KFK_MSG_STRUCT(kfk_create_topics_response_creatable_topic_configs,
               KFK_CREATE_TOPICS_RESPONSE_CREATABLE_TOPIC_CONFIGS)

/** The fields of CreateTopicsResponse CreatableTopicResult (line format above). */
#define KFK_CREATE_TOPICS_RESPONSE_CREATABLE_TOPIC_RESULT(F)                                       \
    F(STRING, name, 0, KFK_V_MAX, -1, -1, 0, _)                                                    \
    F(UUID, topic_id, 7, KFK_V_MAX, -1, -1, 0, _)                                                  \
    F(INT16, error_code, 0, KFK_V_MAX, -1, -1, 0, _)                                               \
    F(STRING, error_message, 1, KFK_V_MAX, 0, -1, 0, _)                                            \
    F(INT16, topic_config_error_code, 5, KFK_V_MAX, -1, 0, 0, _)                                   \
    F(INT32, num_partitions, 5, KFK_V_MAX, -1, -1, -1, _)                                          \
    F(INT16, replication_factor, 5, KFK_V_MAX, -1, -1, -1, _)                                      \
    F(ARRAY_STRUCT, configs, 5, KFK_V_MAX, 5, -1, 0,                                               \
      kfk_create_topics_response_creatable_topic_configs)
/** CreateTopicsResponse CreatableTopicResult: an element of `topics` in
 * kfk_create_topics_response_t. */
KFK_MSG_STRUCT(kfk_create_topics_response_creatable_topic_result,
               KFK_CREATE_TOPICS_RESPONSE_CREATABLE_TOPIC_RESULT)

/** The fields of CreateTopicsResponse (line format above). */
#define KFK_CREATE_TOPICS_RESPONSE(F)                                                              \
    F(INT32, throttle_time_ms, 2, KFK_V_MAX, -1, -1, 0, _)                                         \
    F(ARRAY_STRUCT, topics, 0, KFK_V_MAX, -1, -1, 0,                                               \
      kfk_create_topics_response_creatable_topic_result)
/** CreateTopicsResponse: a member per field of KFK_CREATE_TOPICS_RESPONSE, then unknown_tags. */
KFK_MSG_STRUCT(kfk_create_topics_response, KFK_CREATE_TOPICS_RESPONSE)
