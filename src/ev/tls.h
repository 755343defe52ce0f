/*
 * tls.h: TLS over OpenSSL memory BIOs, so that the socket stays a plain uv_tcp_t on the
 * caller's loop: ciphertext read from the socket is fed in, plaintext comes out, and plaintext
 * to send becomes ciphertext to write. TLS 1.2 minimum, SNI for host names, chain verification
 * against ssl.ca.location (or the system store) and host name / IP verification by default.
 */
#ifndef KFK_EV_TLS_H
#define KFK_EV_TLS_H

#include <stddef.h>
#include <sys/types.h>

#include <openssl/ssl.h>

#include "kfk/protocol.h"

typedef struct kfk__tls_ctx_opts {
    const char *ca_file;      /* NULL or "": the system default store */
    const char *cert_file;    /* client certificate (PEM), or NULL */
    const char *key_file;     /* client key (PEM), or NULL */
    const char *key_password; /* or NULL */
    int verify_peer;          /* enable.ssl.certificate.verification */
} kfk__tls_ctx_opts_t;

/* A client SSL_CTX, or NULL with a message in errstr (bad CA file, key/cert mismatch...). */
SSL_CTX *kfk__tls_ctx_new(const kfk__tls_ctx_opts_t *opts, char *errstr, size_t errstr_size);

typedef struct kfk__tls {
    SSL *ssl;
    BIO *rbio; /* ciphertext from the socket */
    BIO *wbio; /* ciphertext to the socket */
    int established;
} kfk__tls_t;

/* Prepares a client session to @p host (SNI when it is a name; the name or IP is verified
 * when @p verify_host). */
kfk_err_t kfk__tls_init(kfk__tls_t *t, SSL_CTX *ctx, const char *host, int verify_host,
                        char *errstr, size_t errstr_size);
void kfk__tls_free(kfk__tls_t *t);

/* Feeds ciphertext received from the socket. */
kfk_err_t kfk__tls_feed(kfk__tls_t *t, const void *data, size_t len);

/* Advances the handshake: 1 established, 0 needs more input, KFK_ERR__SSL-style negative
 * kfk_err_t on failure (errstr says why, e.g. "certificate verify failed"). */
int kfk__tls_handshake(kfk__tls_t *t, char *errstr, size_t errstr_size);

/* Plaintext available after feeding: bytes read (> 0), 0 when none, -1 on error or close. */
ssize_t kfk__tls_read(kfk__tls_t *t, void *buf, size_t cap, char *errstr, size_t errstr_size);

/* Encrypts @p len bytes of plaintext; the ciphertext waits in the write BIO. */
kfk_err_t kfk__tls_write(kfk__tls_t *t, const void *data, size_t len);

/* Moves pending ciphertext into @p out (appended); returns the number of bytes. */
size_t kfk__tls_take_output(kfk__tls_t *t, kfk_wbuf_t *out);

#endif
