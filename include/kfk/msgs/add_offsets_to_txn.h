/** @file
 * kfk/msgs/add_offsets_to_txn.h: AddOffsetsToTxn (key 25), versions 0-4, flexible from 3.
 * Schemas: AddOffsetsToTxnRequest.json / AddOffsetsToTxnResponse.json. Included by
 * kfk/protocol.h. Line format: F(TYPE, name, min_version, max_version, nullable_from, tag,
 * default, sub). Sent to the transaction coordinator before TxnOffsetCommit, so that the
 * group's offsets commit or abort with the transaction. Version 2 adds PRODUCER_FENCED to the
 * errors a broker may answer, version 4 TRANSACTION_ABORTABLE (KIP-890); the fields never
 * changed. Kafka 3.9 and 4.3 both speak 0-4.
 */

/* -- request -- */
/** The fields of AddOffsetsToTxnRequest (line format above). */
#define KFK_ADD_OFFSETS_TO_TXN_REQUEST(F)                                                          \
    F(STRING, transactional_id, 0, KFK_V_MAX, -1, -1, 0, _)                                        \
    F(INT64, producer_id, 0, KFK_V_MAX, -1, -1, 0, _)                                              \
    F(INT16, producer_epoch, 0, KFK_V_MAX, -1, -1, 0, _)                                           \
    F(STRING, group_id, 0, KFK_V_MAX, -1, -1, 0, _)
/** AddOffsetsToTxnRequest: a member per field of KFK_ADD_OFFSETS_TO_TXN_REQUEST, then
 * unknown_tags. */
KFK_MSG_STRUCT(kfk_add_offsets_to_txn_request, KFK_ADD_OFFSETS_TO_TXN_REQUEST)

/* -- response -- */
/** The fields of AddOffsetsToTxnResponse (line format above). */
#define KFK_ADD_OFFSETS_TO_TXN_RESPONSE(F)                                                         \
    F(INT32, throttle_time_ms, 0, KFK_V_MAX, -1, -1, 0, _)                                         \
    F(INT16, error_code, 0, KFK_V_MAX, -1, -1, 0, _)
/** AddOffsetsToTxnResponse: a member per field of KFK_ADD_OFFSETS_TO_TXN_RESPONSE, then
 * unknown_tags. */
KFK_MSG_STRUCT(kfk_add_offsets_to_txn_response, KFK_ADD_OFFSETS_TO_TXN_RESPONSE)
