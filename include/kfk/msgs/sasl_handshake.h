/** @file
 * kfk/msgs/sasl_handshake.h: SaslHandshake (key 17), versions 0-1, never flexible.
 * Schemas: SaslHandshakeRequest.json / SaslHandshakeResponse.json. Included by kfk/protocol.h.
 * Line format: F(TYPE, name, min_version, max_version, nullable_from, tag, default, sub).
 * v0 means raw SASL tokens follow on the socket; kfk's client sends v1 (SaslAuthenticate).
 */

/* -- request -- */
/** The fields of SaslHandshakeRequest (line format above). */
#define KFK_SASL_HANDSHAKE_REQUEST(F) F(STRING, mechanism, 0, KFK_V_MAX, -1, -1, 0, _)
/** SaslHandshakeRequest: a member per field of KFK_SASL_HANDSHAKE_REQUEST, then unknown_tags. */
KFK_MSG_STRUCT(kfk_sasl_handshake_request, KFK_SASL_HANDSHAKE_REQUEST)

/* -- response -- */
/** The fields of SaslHandshakeResponse (line format above). */
#define KFK_SASL_HANDSHAKE_RESPONSE(F)                                                             \
    F(INT16, error_code, 0, KFK_V_MAX, -1, -1, 0, _)                                               \
    F(ARRAY_STRING, mechanisms, 0, KFK_V_MAX, -1, -1, 0, _)
/** SaslHandshakeResponse: a member per field of KFK_SASL_HANDSHAKE_RESPONSE, then unknown_tags. */
KFK_MSG_STRUCT(kfk_sasl_handshake_response, KFK_SASL_HANDSHAKE_RESPONSE)
