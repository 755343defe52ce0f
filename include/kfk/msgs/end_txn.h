/** @file
 * kfk/msgs/end_txn.h: EndTxn (key 26), versions 0-5, flexible from 3. Schemas:
 * EndTxnRequest.json / EndTxnResponse.json. Included by kfk/protocol.h. Line format:
 * F(TYPE, name, min_version, max_version, nullable_from, tag, default, sub). committed true
 * commits the transaction, false aborts it. Version 4 adds TRANSACTION_ABORTABLE (KIP-890) to
 * the errors; version 5 (Kafka 4.0+, KIP-890 part 2, "transaction version 2") bumps the epoch at
 * every transaction's end, so the response carries the producer id and epoch to use next. Kafka
 * 3.9 speaks 0-4. Java's client sends v5 only when the cluster finalized transaction.version 2
 * (ApiVersions' finalized features) and caps at v4 otherwise; a client on this codec must do
 * the same.
 */

/* -- request -- */
/** The fields of EndTxnRequest (line format above). */
#define KFK_END_TXN_REQUEST(F)                                                                     \
    F(STRING, transactional_id, 0, KFK_V_MAX, -1, -1, 0, _)                                        \
    F(INT64, producer_id, 0, KFK_V_MAX, -1, -1, 0, _)                                              \
    F(INT16, producer_epoch, 0, KFK_V_MAX, -1, -1, 0, _)                                           \
    F(BOOL, committed, 0, KFK_V_MAX, -1, -1, 0, _)
/** EndTxnRequest: a member per field of KFK_END_TXN_REQUEST, then unknown_tags. */
KFK_MSG_STRUCT(kfk_end_txn_request, KFK_END_TXN_REQUEST)

/* -- response -- */
/** The fields of EndTxnResponse (line format above). */
#define KFK_END_TXN_RESPONSE(F)                                                                    \
    F(INT32, throttle_time_ms, 0, KFK_V_MAX, -1, -1, 0, _)                                         \
    F(INT16, error_code, 0, KFK_V_MAX, -1, -1, 0, _)                                               \
    F(INT64, producer_id, 5, KFK_V_MAX, -1, -1, -1, _)                                             \
    F(INT16, producer_epoch, 5, KFK_V_MAX, -1, -1, -1, _)
/** EndTxnResponse: a member per field of KFK_END_TXN_RESPONSE, then unknown_tags. */
KFK_MSG_STRUCT(kfk_end_txn_response, KFK_END_TXN_RESPONSE)
