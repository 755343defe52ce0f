/** @file
 * kfk/msgs/delete_topics.h: DeleteTopics (key 20), versions 1-6, flexible from 4.
 * Schemas: DeleteTopicsRequest.json / DeleteTopicsResponse.json. Included by kfk/protocol.h.
 * Line format: F(TYPE, name, min_version, max_version, nullable_from, tag, default, sub).
 * The request names topics by topic_names up to v5 and by topics (name or id) from v6.
 */

/* -- request -- */
/** The fields of DeleteTopicsRequest DeleteTopicState (line format above). */
#define KFK_DELETE_TOPICS_REQUEST_DELETE_TOPIC_STATE(F)                                            \
    F(STRING, name, 6, KFK_V_MAX, 6, -1, -1, _)                                                    \
    F(UUID, topic_id, 6, KFK_V_MAX, -1, -1, 0, _)
/** DeleteTopicsRequest DeleteTopicState: an element of `topics` in kfk_delete_topics_request_t. */
KFK_MSG_STRUCT(kfk_delete_topics_request_delete_topic_state,
               KFK_DELETE_TOPICS_REQUEST_DELETE_TOPIC_STATE)

/** The fields of DeleteTopicsRequest (line format above). */
#define KFK_DELETE_TOPICS_REQUEST(F)                                                               \
    F(ARRAY_STRUCT, topics, 6, KFK_V_MAX, -1, -1, 0, kfk_delete_topics_request_delete_topic_state) \
    F(ARRAY_STRING, topic_names, 0, 5, -1, -1, 0, _)                                               \
    F(INT32, timeout_ms, 0, KFK_V_MAX, -1, -1, 0, _)
/** DeleteTopicsRequest: a member per field of KFK_DELETE_TOPICS_REQUEST, then unknown_tags. */
KFK_MSG_STRUCT(kfk_delete_topics_request, KFK_DELETE_TOPICS_REQUEST)

/* -- response -- */
/** The fields of DeleteTopicsResponse DeletableTopicResult (line format above). */
#define KFK_DELETE_TOPICS_RESPONSE_DELETABLE_TOPIC_RESULT(F)                                       \
    F(STRING, name, 0, KFK_V_MAX, 6, -1, 0, _)                                                     \
    F(UUID, topic_id, 6, KFK_V_MAX, -1, -1, 0, _)                                                  \
    F(INT16, error_code, 0, KFK_V_MAX, -1, -1, 0, _)                                               \
    F(STRING, error_message, 5, KFK_V_MAX, 5, -1, -1, _)
/** DeleteTopicsResponse DeletableTopicResult: an element of `responses` in
 * kfk_delete_topics_response_t. */
KFK_MSG_STRUCT(kfk_delete_topics_response_deletable_topic_result,
               KFK_DELETE_TOPICS_RESPONSE_DELETABLE_TOPIC_RESULT)

/** The fields of DeleteTopicsResponse (line format above). */
#define KFK_DELETE_TOPICS_RESPONSE(F)                                                              \
    F(INT32, throttle_time_ms, 1, KFK_V_MAX, -1, -1, 0, _)                                         \
    F(ARRAY_STRUCT, responses, 0, KFK_V_MAX, -1, -1, 0,                                            \
      kfk_delete_topics_response_deletable_topic_result)
/** DeleteTopicsResponse: a member per field of KFK_DELETE_TOPICS_RESPONSE, then unknown_tags. */
KFK_MSG_STRUCT(kfk_delete_topics_response, KFK_DELETE_TOPICS_RESPONSE)
