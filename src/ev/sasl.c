/*
 * sasl.c: PLAIN (RFC 4616) and SCRAM-SHA-256/512 (RFC 5802, RFC 7677) clients. SCRAM checks
 * what librdkafka and Java check: the server nonce extends ours (and is echoed back unchanged:
 * Kafka 4.x refuses anything else), the iteration count is within [4096, 1000000], and the
 * server signature in server-final is verified before the exchange counts as done.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "ev/sasl.h"
#include "protocol/scram.h"

#define SCRAM_MIN_ITER 4096
#define SCRAM_MAX_ITER 1000000

const char *kfk__sasl_mech_name(int mech) {
    switch (mech) {
    case KFK_SASL_MECH_SCRAM_SHA_256:
        return "SCRAM-SHA-256";
    case KFK_SASL_MECH_SCRAM_SHA_512:
        return "SCRAM-SHA-512";
    default:
        return "PLAIN";
    }
}

void kfk__sasl_init(kfk__sasl_t *s, int mech, const char *user, const char *pass) {
    memset(s, 0, sizeof *s);
    s->mech = mech;
    s->user = user;
    s->pass = pass;
    s->hlen = mech == KFK_SASL_MECH_SCRAM_SHA_512 ? 64 : 32;
}

void kfk__sasl_free(kfk__sasl_t *s) {
    kfk_wbuf_free(&s->auth_message);
    OPENSSL_cleanse(s->salted, sizeof s->salted);
    memset(s, 0, sizeof *s);
}

static const EVP_MD *md(const kfk__sasl_t *s) {
    return s->mech == KFK_SASL_MECH_SCRAM_SHA_512 ? EVP_sha512() : EVP_sha256();
}

static int hmac(const kfk__sasl_t *s, const uint8_t *key, size_t klen, const void *data,
                size_t dlen, uint8_t *out) {
    unsigned int n = 0;
    return HMAC(md(s), key, (int)klen, data, dlen, out, &n) != NULL && n == s->hlen;
}

kfk_err_t kfk__sasl_step(kfk__sasl_t *s, const uint8_t *in, size_t inlen, kfk_wbuf_t *out,
                         int *done, char *errstr, size_t errstr_size) {
    *done = 0;
    if (s->mech == KFK_SASL_MECH_PLAIN) {
        if (s->step++ == 0) {
            /* authzid (empty) NUL user NUL password */
            kfk_wbuf_put_raw(out, "", 1);
            kfk_wbuf_put_raw(out, s->user, strlen(s->user));
            kfk_wbuf_put_raw(out, "", 1);
            kfk_wbuf_put_raw(out, s->pass, strlen(s->pass));
            return out->err;
        }
        *done = 1;
        return KFK_ERR_NONE;
    }

    if (s->step == 0) {
        uint8_t rnd[24];
        if (RAND_bytes(rnd, sizeof rnd) != 1) {
            snprintf(errstr, errstr_size, "SCRAM: no random bytes for the nonce");
            return KFK_ERR__AUTHENTICATION;
        }
        kfk_wbuf_t nb;
        kfk_wbuf_init(&nb);
        kfk__base64_encode(rnd, sizeof rnd, &nb);
        if (nb.err || nb.len >= sizeof s->cnonce) {
            kfk_wbuf_free(&nb);
            return KFK_ERR__NOMEM;
        }
        memcpy(s->cnonce, nb.data, nb.len);
        s->cnonce[nb.len] = '\0';
        kfk_wbuf_free(&nb);
        /* client-first-bare = n=<saslname>,r=<cnonce> */
        kfk_wbuf_put_raw(&s->auth_message, "n=", 2);
        kfk__scram_saslname(s->user, &s->auth_message);
        kfk_wbuf_put_raw(&s->auth_message, ",r=", 3);
        kfk_wbuf_put_raw(&s->auth_message, s->cnonce, strlen(s->cnonce));
        kfk_wbuf_put_raw(out, "n,,", 3);
        kfk_wbuf_put_raw(out, s->auth_message.data, s->auth_message.len);
        s->step = 1;
        return out->err ? out->err : s->auth_message.err;
    }

    if (s->step == 1) {
        kfk__scram_server_first_t sf;
        kfk_err_t err =
            kfk__scram_parse_server_first((const char *)in, inlen, s->cnonce, SCRAM_MIN_ITER,
                                          SCRAM_MAX_ITER, &sf, errstr, errstr_size);
        if (err)
            return err;
        uint8_t salt[256];
        long saltlen =
            kfk__base64_decode(sf.salt_b64.ptr, (size_t)sf.salt_b64.len, salt, sizeof salt);
        if (saltlen <= 0) {
            snprintf(errstr, errstr_size, "SCRAM: malformed salt");
            return KFK_ERR__BAD_MSG;
        }
        if (PKCS5_PBKDF2_HMAC(s->pass, (int)strlen(s->pass), salt, (int)saltlen, (int)sf.iterations,
                              md(s), (int)s->hlen, s->salted) != 1) {
            snprintf(errstr, errstr_size, "SCRAM: PBKDF2 failed");
            return KFK_ERR__AUTHENTICATION;
        }
        /* client-final-without-proof = c=biws,r=<server nonce, unchanged> */
        kfk_wbuf_t final;
        kfk_wbuf_init(&final);
        kfk_wbuf_put_raw(&final, "c=biws,r=", 9);
        kfk_wbuf_put_raw(&final, sf.nonce.ptr, (size_t)sf.nonce.len);
        kfk_wbuf_put_raw(&s->auth_message, ",", 1);
        kfk_wbuf_put_raw(&s->auth_message, in, inlen);
        kfk_wbuf_put_raw(&s->auth_message, ",", 1);
        kfk_wbuf_put_raw(&s->auth_message, final.data, final.len);
        if (final.err || s->auth_message.err) {
            kfk_wbuf_free(&final);
            return KFK_ERR__NOMEM;
        }
        uint8_t client_key[64], stored_key[64], client_sig[64], proof[64];
        unsigned int n = 0;
        int ok =
            hmac(s, s->salted, s->hlen, "Client Key", 10, client_key) &&
            EVP_Digest(client_key, s->hlen, stored_key, &n, md(s), NULL) == 1 &&
            hmac(s, stored_key, s->hlen, s->auth_message.data, s->auth_message.len, client_sig);
        if (!ok) {
            kfk_wbuf_free(&final);
            snprintf(errstr, errstr_size, "SCRAM: HMAC failed");
            return KFK_ERR__AUTHENTICATION;
        }
        for (unsigned i = 0; i < s->hlen; i++)
            proof[i] = client_key[i] ^ client_sig[i];
        kfk_wbuf_put_raw(out, final.data, final.len);
        kfk_wbuf_put_raw(out, ",p=", 3);
        kfk__base64_encode(proof, s->hlen, out);
        kfk_wbuf_free(&final);
        OPENSSL_cleanse(client_key, sizeof client_key);
        s->step = 2;
        return out->err;
    }

    if (s->step == 2) {
        kfk_str_t v;
        kfk_err_t err =
            kfk__scram_parse_server_final((const char *)in, inlen, &v, errstr, errstr_size);
        if (err)
            return err;
        uint8_t server_key[64], expect[64], got[64];
        long glen = kfk__base64_decode(v.ptr, (size_t)v.len, got, sizeof got);
        if (!hmac(s, s->salted, s->hlen, "Server Key", 10, server_key) ||
            !hmac(s, server_key, s->hlen, s->auth_message.data, s->auth_message.len, expect)) {
            snprintf(errstr, errstr_size, "SCRAM: HMAC failed");
            return KFK_ERR__AUTHENTICATION;
        }
        if (glen != (long)s->hlen || CRYPTO_memcmp(got, expect, s->hlen) != 0) {
            snprintf(errstr, errstr_size, "SCRAM: the server signature does not verify");
            return KFK_ERR__AUTHENTICATION;
        }
        s->step = 3;
        *done = 1;
        return KFK_ERR_NONE;
    }
    *done = 1;
    return KFK_ERR_NONE;
}
