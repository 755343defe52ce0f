/*
 * tls.c: see tls.h. No socket is touched here: the connection (conn.c) moves bytes.
 */
#include <arpa/inet.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "ev/tls.h"

static void ssl_errstr(char *errstr, size_t size, const char *what) {
    unsigned long e = ERR_get_error();
    char buf[256] = "";
    if (e)
        ERR_error_string_n(e, buf, sizeof buf);
    snprintf(errstr, size, "%s%s%s", what, e ? ": " : "", buf);
    ERR_clear_error();
}

static int key_password_cb(char *buf, int size, int rwflag, void *userdata) {
    (void)rwflag;
    const char *pw = userdata;
    if (!pw)
        return 0;
    size_t n = strlen(pw);
    if (n > (size_t)size)
        return 0;
    memcpy(buf, pw, n);
    return (int)n;
}

SSL_CTX *kfk__tls_ctx_new(const kfk__tls_ctx_opts_t *o, char *errstr, size_t errstr_size) {
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) {
        ssl_errstr(errstr, errstr_size, "SSL_CTX_new failed");
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (o->ca_file && *o->ca_file) {
        if (SSL_CTX_load_verify_locations(ctx, o->ca_file, NULL) != 1) {
            ssl_errstr(errstr, errstr_size, "ssl.ca.location: cannot load CA file");
            goto fail;
        }
    } else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
        ssl_errstr(errstr, errstr_size, "cannot load the system CA store");
        goto fail;
    }
    if (o->key_password && *o->key_password) {
        SSL_CTX_set_default_passwd_cb(ctx, key_password_cb);
        SSL_CTX_set_default_passwd_cb_userdata(ctx, (void *)o->key_password);
    }
    if (o->cert_file && *o->cert_file &&
        SSL_CTX_use_certificate_chain_file(ctx, o->cert_file) != 1) {
        ssl_errstr(errstr, errstr_size, "ssl.certificate.location: cannot load certificate");
        goto fail;
    }
    if (o->key_file && *o->key_file) {
        if (SSL_CTX_use_PrivateKey_file(ctx, o->key_file, SSL_FILETYPE_PEM) != 1) {
            ssl_errstr(errstr, errstr_size, "ssl.key.location: cannot load private key");
            goto fail;
        }
        if (SSL_CTX_check_private_key(ctx) != 1) {
            ssl_errstr(errstr, errstr_size, "ssl.key.location: key does not match certificate");
            goto fail;
        }
    }
    /* The password is needed only while loading the key. */
    SSL_CTX_set_default_passwd_cb_userdata(ctx, NULL);
    SSL_CTX_set_verify(ctx, o->verify_peer ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, NULL);
    return ctx;
fail:
    SSL_CTX_free(ctx);
    return NULL;
}

static int is_ip(const char *host) {
    unsigned char buf[sizeof(struct in6_addr)];
    return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

kfk_err_t kfk__tls_init(kfk__tls_t *t, SSL_CTX *ctx, const char *host, int verify_host,
                        char *errstr, size_t errstr_size) {
    memset(t, 0, sizeof *t);
    t->ssl = SSL_new(ctx);
    t->rbio = BIO_new(BIO_s_mem());
    t->wbio = BIO_new(BIO_s_mem());
    if (!t->ssl || !t->rbio || !t->wbio) {
        ssl_errstr(errstr, errstr_size, "SSL_new failed");
        BIO_free(t->rbio);
        BIO_free(t->wbio);
        SSL_free(t->ssl);
        memset(t, 0, sizeof *t);
        return KFK_ERR__NOMEM;
    }
    BIO_set_mem_eof_return(t->rbio, -1);
    SSL_set_bio(t->ssl, t->rbio, t->wbio);
    SSL_set_connect_state(t->ssl);
    int ip = is_ip(host);
    if (!ip)
        SSL_set_tlsext_host_name(t->ssl, host);
    if (verify_host) {
        X509_VERIFY_PARAM *param = SSL_get0_param(t->ssl);
        X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS |
                                                   X509_CHECK_FLAG_NEVER_CHECK_SUBJECT);
        int ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(param, host)
                    : X509_VERIFY_PARAM_set1_host(param, host, 0);
        if (ok != 1) {
            ssl_errstr(errstr, errstr_size, "cannot set the host name to verify");
            kfk__tls_free(t);
            return KFK_ERR__SSL;
        }
    }
    return KFK_ERR_NONE;
}

void kfk__tls_free(kfk__tls_t *t) {
    if (t->ssl)
        SSL_free(t->ssl); /* frees both BIOs */
    memset(t, 0, sizeof *t);
}

kfk_err_t kfk__tls_feed(kfk__tls_t *t, const void *data, size_t len) {
    while (len > 0) {
        int n = BIO_write(t->rbio, data, len > INT32_MAX ? INT32_MAX : (int)len);
        if (n <= 0)
            return KFK_ERR__SSL;
        data = (const uint8_t *)data + n;
        len -= (size_t)n;
    }
    return KFK_ERR_NONE;
}

static void describe_failure(kfk__tls_t *t, char *errstr, size_t size) {
    long vr = SSL_get_verify_result(t->ssl);
    if (vr != X509_V_OK) {
        snprintf(errstr, size, "TLS certificate verification failed: %s",
                 X509_verify_cert_error_string(vr));
        ERR_clear_error();
        return;
    }
    ssl_errstr(errstr, size, "TLS handshake failed");
}

int kfk__tls_handshake(kfk__tls_t *t, char *errstr, size_t errstr_size) {
    if (t->established)
        return 1;
    int r = SSL_do_handshake(t->ssl);
    if (r == 1) {
        t->established = 1;
        return 1;
    }
    int e = SSL_get_error(t->ssl, r);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
        return 0;
    describe_failure(t, errstr, errstr_size);
    return KFK_ERR__SSL;
}

ssize_t kfk__tls_read(kfk__tls_t *t, void *buf, size_t cap, char *errstr, size_t errstr_size) {
    int n = SSL_read(t->ssl, buf, cap > INT32_MAX ? INT32_MAX : (int)cap);
    if (n > 0)
        return n;
    int e = SSL_get_error(t->ssl, n);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE)
        return 0;
    if (e == SSL_ERROR_ZERO_RETURN)
        snprintf(errstr, errstr_size, "TLS connection closed by the broker");
    else
        ssl_errstr(errstr, errstr_size, "TLS read failed");
    return -1;
}

kfk_err_t kfk__tls_write(kfk__tls_t *t, const void *data, size_t len) {
    while (len > 0) {
        int n = SSL_write(t->ssl, data, len > INT32_MAX ? INT32_MAX : (int)len);
        if (n <= 0)
            return KFK_ERR__SSL;
        data = (const uint8_t *)data + n;
        len -= (size_t)n;
    }
    return KFK_ERR_NONE;
}

size_t kfk__tls_take_output(kfk__tls_t *t, kfk_wbuf_t *out) {
    size_t total = 0;
    size_t pending;
    while ((pending = BIO_ctrl_pending(t->wbio)) > 0) {
        uint8_t *p = kfk_wbuf_extend(out, pending);
        if (!p)
            return total;
        int n = BIO_read(t->wbio, p, (int)pending);
        if (n <= 0) {
            out->len -= pending;
            break;
        }
        out->len -= pending - (size_t)n;
        total += (size_t)n;
    }
    return total;
}
