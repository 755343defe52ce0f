/** @file
 * kfk/msgs/sasl_authenticate.h: SaslAuthenticate (key 36), versions 0-2, flexible from 2.
 * Schemas: SaslAuthenticateRequest.json / SaslAuthenticateResponse.json. Included by
 * kfk/protocol.h.
 * Line format: F(TYPE, name, min_version, max_version, nullable_from, tag, default, sub).
 */

/* -- request -- */
/** The fields of SaslAuthenticateRequest (line format above). */
#define KFK_SASL_AUTHENTICATE_REQUEST(F) F(BYTES, auth_bytes, 0, KFK_V_MAX, -1, -1, 0, _)
/** SaslAuthenticateRequest: a member per field of KFK_SASL_AUTHENTICATE_REQUEST, then unknown_tags.
 */
KFK_MSG_STRUCT(kfk_sasl_authenticate_request, KFK_SASL_AUTHENTICATE_REQUEST)

/* -- response -- */
/** The fields of SaslAuthenticateResponse (line format above). */
#define KFK_SASL_AUTHENTICATE_RESPONSE(F)                                                          \
    F(INT16, error_code, 0, KFK_V_MAX, -1, -1, 0, _)                                               \
    F(STRING, error_message, 0, KFK_V_MAX, 0, -1, 0, _)                                            \
    F(BYTES, auth_bytes, 0, KFK_V_MAX, -1, -1, 0, _)                                               \
    F(INT64, session_lifetime_ms, 1, KFK_V_MAX, -1, -1, 0, _)
/** SaslAuthenticateResponse: a member per field of KFK_SASL_AUTHENTICATE_RESPONSE, then
 * unknown_tags. */
KFK_MSG_STRUCT(kfk_sasl_authenticate_response, KFK_SASL_AUTHENTICATE_RESPONSE)
