/** @file
 * kfk/msgs/init_producer_id.h: InitProducerId (key 22), versions 0-5, flexible from 2.
 * Schemas: InitProducerIdRequest.json / InitProducerIdResponse.json. Included by kfk/protocol.h.
 * Line format: F(TYPE, name, min_version, max_version, nullable_from, tag, default, sub).
 * transactional_id is nullable in every version (null: an idempotent producer without
 * transactions) and is sent with transaction_timeout_ms in every version; a transactional
 * producer sends its transactional.id to the transaction coordinator (FindCoordinator key_type
 * 1), which fences older producers with the same id. Version 3 adds producer_id and
 * producer_epoch (KIP-360: resume after INVALID_PRODUCER_EPOCH with an epoch bump), version 4
 * PRODUCER_FENCED to the errors, version 5 TRANSACTION_ABORTABLE (KIP-890). Kafka 3.9 and 4.3
 * both speak 0-5. Not described: v6 (KIP-939, two-phase commit: the request's Enable2Pc and
 * KeepPreparedTxn, the response's OngoingTxnProducerId and OngoingTxnProducerEpoch): Kafka
 * 4.3.1 marks it unstable (latestVersionUnstable), its brokers do not advertise it unless
 * unstable.api.versions.enable is set and its Java client never sends it; kfk's version range is
 * the one its client negotiates, so v6 here would make kfk alone use a version whose layout
 * Kafka may still change.
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
