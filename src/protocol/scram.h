/*
 * scram.h: the text side of SCRAM (RFC 5802, RFC 7677) as Kafka uses it, and base64. Pure
 * parsing and formatting; the cryptography (PBKDF2, HMAC, hashes) lives in src/ev/sasl.c.
 * Every parser takes untrusted server bytes: bounded, no allocation beyond the output buffer.
 */
#ifndef KFK_PROTOCOL_SCRAM_H
#define KFK_PROTOCOL_SCRAM_H

#include "kfk/protocol.h"

/* Standard base64 (with padding). encode appends to w; decode writes at most cap bytes and
 * returns the length, or -1 for invalid input or too small an output. */
void kfk__base64_encode(const void *data, size_t len, kfk_wbuf_t *w);
long kfk__base64_decode(const char *in, size_t len, uint8_t *out, size_t cap);

/* Appends the SCRAM saslname of @p user ('=' -> "=3D", ',' -> "=2C"). */
void kfk__scram_saslname(const char *user, kfk_wbuf_t *w);

/* Fields of a server-first-message "r=<nonce>,s=<salt>,i=<iterations>" (pointing into it). */
typedef struct kfk__scram_server_first {
    kfk_str_t nonce;
    kfk_str_t salt_b64;
    int64_t iterations;
} kfk__scram_server_first_t;

/*
 * Parses a server-first-message and checks it against the client nonce: the server nonce must
 * start with it and be longer; iterations must be in [min_iter, max_iter]. KFK_ERR__BAD_MSG or
 * KFK_ERR__AUTHENTICATION (with errstr) on failure.
 */
kfk_err_t kfk__scram_parse_server_first(const char *msg, size_t len, const char *client_nonce,
                                        int64_t min_iter, int64_t max_iter,
                                        kfk__scram_server_first_t *out, char *errstr,
                                        size_t errstr_size);

/* Parses a server-final-message: "v=<base64 signature>" into *verifier, or "e=<error>" which
 * gives KFK_ERR__AUTHENTICATION with the server's error in errstr. */
kfk_err_t kfk__scram_parse_server_final(const char *msg, size_t len, kfk_str_t *verifier,
                                        char *errstr, size_t errstr_size);

#endif
