/*
 * api_create_topics.c: descriptor tables of CreateTopics (key 19), versions 2-7, flexible from 5
 * (the lists are in include/kfk/msgs/create_topics.h).
 */
#include "protocol/schema.h"

/* -- request -- */
#define KFK_SCHEMA_CUR kfk_create_topics_request_creatable_replica_assignment_t
KFK_SCHEMA_DEFINE(kfk_create_topics_request_creatable_replica_assignment,
                  KFK_CREATE_TOPICS_REQUEST_CREATABLE_REPLICA_ASSIGNMENT)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_create_topics_request_creatable_topic_config_t
KFK_SCHEMA_DEFINE(kfk_create_topics_request_creatable_topic_config,
                  KFK_CREATE_TOPICS_REQUEST_CREATABLE_TOPIC_CONFIG)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_create_topics_request_creatable_topic_t
KFK_SCHEMA_DEFINE(kfk_create_topics_request_creatable_topic,
                  KFK_CREATE_TOPICS_REQUEST_CREATABLE_TOPIC)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_create_topics_request_t
KFK_SCHEMA_DEFINE(kfk_create_topics_request, KFK_CREATE_TOPICS_REQUEST)
#undef KFK_SCHEMA_CUR

/* -- response -- */
#define KFK_SCHEMA_CUR kfk_create_topics_response_creatable_topic_configs_t
KFK_SCHEMA_DEFINE(kfk_create_topics_response_creatable_topic_configs,
                  KFK_CREATE_TOPICS_RESPONSE_CREATABLE_TOPIC_CONFIGS)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_create_topics_response_creatable_topic_result_t
KFK_SCHEMA_DEFINE(kfk_create_topics_response_creatable_topic_result,
                  KFK_CREATE_TOPICS_RESPONSE_CREATABLE_TOPIC_RESULT)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_create_topics_response_t
KFK_SCHEMA_DEFINE(kfk_create_topics_response, KFK_CREATE_TOPICS_RESPONSE)
#undef KFK_SCHEMA_CUR
