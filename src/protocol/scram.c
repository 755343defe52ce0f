/*
 * scram.c: SCRAM message text and base64 (see scram.h). Kafka's SCRAM (ScramMessages.java)
 * applies no SASLprep; attribute order is fixed (r, s, i); unknown extensions ("m=") are
 * refused, as RFC 5802 requires for mandatory extensions.
 */
#include <stdio.h>
#include <string.h>

#include "protocol/scram.h"

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void kfk__base64_encode(const void *data, size_t len, kfk_wbuf_t *w) {
    const uint8_t *p = data;
    uint8_t *o = kfk_wbuf_extend(w, (len + 2) / 3 * 4);
    if (!o)
        return;
    size_t i = 0;
    for (; i + 2 < len; i += 3) {
        uint32_t v = ((uint32_t)p[i] << 16) | ((uint32_t)p[i + 1] << 8) | p[i + 2];
        *o++ = (uint8_t)b64[v >> 18];
        *o++ = (uint8_t)b64[(v >> 12) & 63];
        *o++ = (uint8_t)b64[(v >> 6) & 63];
        *o++ = (uint8_t)b64[v & 63];
    }
    if (i < len) {
        uint32_t v = (uint32_t)p[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t)p[i + 1] << 8;
        *o++ = (uint8_t)b64[v >> 18];
        *o++ = (uint8_t)b64[(v >> 12) & 63];
        *o++ = i + 1 < len ? (uint8_t)b64[(v >> 6) & 63] : '=';
        *o++ = '=';
    }
}

static int b64val(char c) {
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

long kfk__base64_decode(const char *in, size_t len, uint8_t *out, size_t cap) {
    if (len % 4)
        return -1;
    size_t n = 0;
    for (size_t i = 0; i < len; i += 4) {
        int v[4];
        int pad = 0;
        for (int k = 0; k < 4; k++) {
            if (in[i + k] == '=' && i + 4 == len && k >= 2) {
                v[k] = 0;
                pad++;
            } else {
                if (pad)
                    return -1; /* data after padding */
                v[k] = b64val(in[i + k]);
                if (v[k] < 0)
                    return -1;
            }
        }
        uint32_t x = ((uint32_t)v[0] << 18) | ((uint32_t)v[1] << 12) | ((uint32_t)v[2] << 6) |
                     (uint32_t)v[3];
        size_t outn = 3 - (size_t)pad;
        if (n + outn > cap)
            return -1;
        out[n++] = (uint8_t)(x >> 16);
        if (outn > 1)
            out[n++] = (uint8_t)(x >> 8);
        if (outn > 2)
            out[n++] = (uint8_t)x;
    }
    return (long)n;
}

void kfk__scram_saslname(const char *user, kfk_wbuf_t *w) {
    for (const char *p = user; *p; p++) {
        if (*p == '=')
            kfk_wbuf_put_raw(w, "=3D", 3);
        else if (*p == ',')
            kfk_wbuf_put_raw(w, "=2C", 3);
        else
            kfk_wbuf_put_raw(w, p, 1);
    }
}

/* The value of attribute @p name at the start of [*p, end): "<name>=<value>" up to ',' or end.
 * Advances *p past the comma. */
static int take_attr(const char **p, const char *end, char name, kfk_str_t *value) {
    const char *s = *p;
    if (end - s < 2 || s[0] != name || s[1] != '=')
        return 0;
    s += 2;
    const char *comma = memchr(s, ',', (size_t)(end - s));
    const char *vend = comma ? comma : end;
    *value = (kfk_str_t){s, (int32_t)(vend - s)};
    *p = comma ? comma + 1 : end;
    return 1;
}

kfk_err_t kfk__scram_parse_server_first(const char *msg, size_t len, const char *client_nonce,
                                        int64_t min_iter, int64_t max_iter,
                                        kfk__scram_server_first_t *out, char *errstr,
                                        size_t errstr_size) {
    const char *p = msg, *end = msg + len;
    memset(out, 0, sizeof *out);
    if (len > 0 && msg[0] == 'm') {
        snprintf(errstr, errstr_size, "SCRAM: server requires an unsupported extension");
        return KFK_ERR__AUTHENTICATION;
    }
    kfk_str_t e;
    if (len > 0 && msg[0] == 'e' && take_attr(&p, end, 'e', &e)) {
        snprintf(errstr, errstr_size, "SCRAM: server error: %.*s", e.len, e.ptr);
        return KFK_ERR__AUTHENTICATION;
    }
    kfk_str_t iter;
    if (!take_attr(&p, end, 'r', &out->nonce) || !take_attr(&p, end, 's', &out->salt_b64) ||
        !take_attr(&p, end, 'i', &iter)) {
        snprintf(errstr, errstr_size, "SCRAM: malformed server-first-message");
        return KFK_ERR__BAD_MSG;
    }
    /* Extensions after i= are ignored (RFC 5802 allows them). */
    size_t cn = strlen(client_nonce);
    if ((size_t)out->nonce.len <= cn || memcmp(out->nonce.ptr, client_nonce, cn) != 0) {
        snprintf(errstr, errstr_size, "SCRAM: server nonce does not extend the client nonce");
        return KFK_ERR__AUTHENTICATION;
    }
    for (int32_t i = 0; i < out->nonce.len; i++) {
        char c = out->nonce.ptr[i];
        if (c < 0x21 || c > 0x7e || c == ',') {
            snprintf(errstr, errstr_size, "SCRAM: invalid character in server nonce");
            return KFK_ERR__BAD_MSG;
        }
    }
    if (out->salt_b64.len == 0 || iter.len == 0 || iter.len > 10) {
        snprintf(errstr, errstr_size, "SCRAM: malformed salt or iteration count");
        return KFK_ERR__BAD_MSG;
    }
    int64_t it = 0;
    for (int32_t i = 0; i < iter.len; i++) {
        if (iter.ptr[i] < '0' || iter.ptr[i] > '9') {
            snprintf(errstr, errstr_size, "SCRAM: malformed iteration count");
            return KFK_ERR__BAD_MSG;
        }
        it = it * 10 + (iter.ptr[i] - '0');
    }
    if (it < min_iter || it > max_iter) {
        snprintf(errstr, errstr_size, "SCRAM: iteration count %lld outside [%lld, %lld]",
                 (long long)it, (long long)min_iter, (long long)max_iter);
        return KFK_ERR__AUTHENTICATION;
    }
    out->iterations = it;
    return KFK_ERR_NONE;
}

kfk_err_t kfk__scram_parse_server_final(const char *msg, size_t len, kfk_str_t *verifier,
                                        char *errstr, size_t errstr_size) {
    const char *p = msg, *end = msg + len;
    kfk_str_t v;
    if (len > 0 && msg[0] == 'e' && take_attr(&p, end, 'e', &v)) {
        snprintf(errstr, errstr_size, "SCRAM: server error: %.*s", v.len, v.ptr);
        return KFK_ERR__AUTHENTICATION;
    }
    if (!take_attr(&p, end, 'v', &v) || v.len == 0) {
        snprintf(errstr, errstr_size, "SCRAM: malformed server-final-message");
        return KFK_ERR__BAD_MSG;
    }
    *verifier = v;
    return KFK_ERR_NONE;
}
