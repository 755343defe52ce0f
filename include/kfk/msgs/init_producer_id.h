/** @file
 * kfk/msgs/init_producer_id.h: InitProducerId (key 22), versions 0-4, flexible from 2.
 * Schemas: InitProducerIdRequest.json / InitProducerIdResponse.json. Included by kfk/protocol.h.
 * Line format: F(TYPE, name, min_version, max_version, nullable_from, tag, default, sub).
 * Not described: the request's Enable2Pc and KeepPreparedTxn and the response's
 * OngoingTxnProducerId and OngoingTxnProducerEpoch (v6+, KIP-939, above kfk's range).
 */

/* -- request -- */
/** The fields of InitProducerIdRequest (line format above). */
#define KFK_INIT_PRODUCER_ID_REQUEST(F)                                                            \
    F(STRING, transactional_id, 0, KFK_V_MAX, 0, -1, 0, _)                                         \
    F(INT32, transaction_timeout_ms, 0, KFK_V_MAX, -1, -1, 0, _)                                   \
    F(INT64, producer_id, 3, KFK_V_MAX, -1, -1, -1, _)                                             \
    F(INT16, producer_epoch, 3, KFK_V_MAX, -1, -1, -1, _)
/** InitProducerIdRequest: a member per field of KFK_INIT_PRODUCER_ID_REQUEST, then unknown_tags. */
KFK_MSG_STRUCT(kfk_init_producer_id_request, KFK_INIT_PRODUCER_ID_REQUEST)

/* -- response -- */
/** The fields of InitProducerIdResponse (line format above). */
#define KFK_INIT_PRODUCER_ID_RESPONSE(F)                                                           \
    F(INT32, throttle_time_ms, 0, KFK_V_MAX, -1, -1, 0, _)                                         \
    F(INT16, error_code, 0, KFK_V_MAX, -1, -1, 0, _)                                               \
    F(INT64, producer_id, 0, KFK_V_MAX, -1, -1, -1, _)                                             \
    F(INT16, producer_epoch, 0, KFK_V_MAX, -1, -1, 0, _)
/** InitProducerIdResponse: a member per field of KFK_INIT_PRODUCER_ID_RESPONSE, then unknown_tags.
 */
KFK_MSG_STRUCT(kfk_init_producer_id_response, KFK_INIT_PRODUCER_ID_RESPONSE)
