/*
 * api_delete_topics.c: descriptor tables of DeleteTopics (key 20), versions 1-6, flexible from 4
 * (the lists are in include/kfk/msgs/delete_topics.h).
 */
#include "protocol/schema.h"

/* -- request -- */
#define KFK_SCHEMA_CUR kfk_delete_topics_request_delete_topic_state_t
KFK_SCHEMA_DEFINE(kfk_delete_topics_request_delete_topic_state,
                  KFK_DELETE_TOPICS_REQUEST_DELETE_TOPIC_STATE)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_delete_topics_request_t
KFK_SCHEMA_DEFINE(kfk_delete_topics_request, KFK_DELETE_TOPICS_REQUEST)
#undef KFK_SCHEMA_CUR

/* -- response -- */
#define KFK_SCHEMA_CUR kfk_delete_topics_response_deletable_topic_result_t
KFK_SCHEMA_DEFINE(kfk_delete_topics_response_deletable_topic_result,
                  KFK_DELETE_TOPICS_RESPONSE_DELETABLE_TOPIC_RESULT)
#undef KFK_SCHEMA_CUR

#define KFK_SCHEMA_CUR kfk_delete_topics_response_t
KFK_SCHEMA_DEFINE(kfk_delete_topics_response, KFK_DELETE_TOPICS_RESPONSE)
#undef KFK_SCHEMA_CUR
