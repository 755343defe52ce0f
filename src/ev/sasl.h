/*
 * sasl.h: the client side of SASL PLAIN and SCRAM-SHA-256/512 as token exchanges, independent
 * of how the tokens travel (conn_handshake.c wraps them in SaslAuthenticate requests after a
 * SaslHandshake v1).
 */
#ifndef KFK_EV_SASL_H
#define KFK_EV_SASL_H

#include "kfk/protocol.h"

enum { KFK_SASL_MECH_PLAIN, KFK_SASL_MECH_SCRAM_SHA_256, KFK_SASL_MECH_SCRAM_SHA_512 };

/* The SaslHandshake mechanism name ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"). */
const char *kfk__sasl_mech_name(int mech);

typedef struct kfk__sasl {
    int mech;
    int step;
    const char *user;
    const char *pass;
    char cnonce[33];
    kfk_wbuf_t auth_message; /* client-first-bare "," server-first "," client-final-no-proof */
    uint8_t salted[64];      /* SaltedPassword */
    unsigned hlen;           /* hash length: 32 or 64 */
} kfk__sasl_t;

/* Starts an exchange; @p user and @p pass must outlive it. */
void kfk__sasl_init(kfk__sasl_t *s, int mech, const char *user, const char *pass);
void kfk__sasl_free(kfk__sasl_t *s);

/*
 * One step: @p in is the server's last token (NULL/0 for the first step). Appends the next
 * client token to @p out and sets *done when the exchange is complete (then nothing more is
 * sent). KFK_ERR__AUTHENTICATION (bad server proof, server error, iteration count out of
 * range...) or KFK_ERR__BAD_MSG with a message in errstr.
 */
kfk_err_t kfk__sasl_step(kfk__sasl_t *s, const uint8_t *in, size_t inlen, kfk_wbuf_t *out,
                         int *done, char *errstr, size_t errstr_size);

#endif
