/*
 * codec_check.c: what the protocol unit tests share (see codec_check.h). Every decode of hostile
 * or truncated input reads from a copy of exactly the input's size, so that ASan reports a read
 * past the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "codec_check.h"

#ifndef KFK_GOLDEN_DIR
#error "KFK_GOLDEN_DIR must name tests/golden"
#endif

const uint8_t cc_unknown_tag[3] = {0x09, 0x01, 0x2a};

uint8_t *cc_copy_exact(const void *bytes, size_t n) {
    uint8_t *copy = malloc(n ? n : 1);
    cr_assert_not_null(copy);
    if (n)
        memcpy(copy, bytes, n);
    return copy;
}

void cc_put32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

void cc_put64(uint8_t *p, uint64_t v) {
    cc_put32(p, (uint32_t)(v >> 32));
    cc_put32(p + 4, (uint32_t)v);
}

uint8_t *cc_read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 4096;
            uint8_t *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    bool failed = ferror(f);
    fclose(f);
    if (failed) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

uint8_t *cc_golden_file(const char *dir, const char *name, size_t *len) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s/%s", KFK_GOLDEN_DIR, dir, name);
    uint8_t *buf = cc_read_file(path, len);
    cr_assert_not_null(buf, "cannot read %s", path);
    return buf;
}

void cc_snake_name(const char *name, char *out, size_t size) {
    size_t n = 0;
    for (const char *p = name; *p && n + 2 < size; p++) {
        bool upper = *p >= 'A' && *p <= 'Z';
        if (upper && p != name)
            out[n++] = '_';
        out[n++] = upper ? (char)(*p - 'A' + 'a') : *p;
    }
    out[n] = 0;
}

void cc_expect_bytes(const kfk_wbuf_t *w, const uint8_t *want, size_t n) {
    cr_assert_eq(w->err, KFK_ERR_NONE, "writer error %d", w->err);
    cr_assert_eq(w->len, n, "encoded %zu bytes, want %zu", w->len, n);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(w->data[i], want[i], "byte %zu is 0x%02x, want 0x%02x", i, w->data[i],
                     want[i]);
}

void cc_expect_str(kfk_str_t s, const char *want) {
    if (!want) {
        cr_assert_eq(s.len, -1, "want a null string, got length %d", s.len);
        return;
    }
    cr_assert(kfk_str_eq(s, want), "string is \"%.*s\", want \"%s\"", s.len > 0 ? s.len : 0,
              s.ptr ? s.ptr : "", want);
}

void cc_expect_blob(kfk_bytes_t b, const void *want, int32_t want_len) {
    cr_assert_eq(b.len, want_len, "bytes of length %d, want %d", b.len, want_len);
    if (want_len > 0)
        cr_assert(!memcmp(b.ptr, want, (size_t)want_len), "bytes differ");
}

bool cc_bytes_eq(kfk_bytes_t a, kfk_bytes_t b) {
    if (a.len != b.len)
        return false;
    return a.len <= 0 || !memcmp(a.ptr, b.ptr, (size_t)a.len);
}

bool cc_bytes_is(kfk_bytes_t b, const char *c) {
    if (!c)
        return b.len == -1 && b.ptr == NULL;
    return b.len == (int32_t)strlen(c) && (b.len == 0 || !memcmp(b.ptr, c, (size_t)b.len));
}

/* A golden frame's size prefix must state the bytes after it (a check of the hand count). */
static void expect_frame_size(const uint8_t *f, size_t n) {
    cr_assert_geq(n, 4, "a frame of %zu bytes has no size prefix", n);
    size_t stated = ((size_t)f[0] << 24) | ((size_t)f[1] << 16) | ((size_t)f[2] << 8) | f[3];
    cr_assert_eq(stated, n - 4, "golden frame states %zu bytes but holds %zu", stated, n - 4);
}

void cc_expect_request(int16_t key, int16_t version, int32_t corr, const void *body,
                       const uint8_t *frame, size_t n) {
    kfk_request_header_t h = {key, version, corr, KFK_STR("kfk"), {NULL, 0}};
    expect_frame_size(frame, n);
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    cr_assert_eq(kfk_request_encode(&w, &h, body), KFK_ERR_NONE, "api %d v%d request encode", key,
                 version);
    cc_expect_bytes(&w, frame, n);
    kfk_wbuf_free(&w);
}

void cc_expect_response(int16_t key, int16_t version, int32_t corr, const void *body,
                        const uint8_t *frame, size_t n) {
    expect_frame_size(frame, n);
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    cr_assert_eq(kfk_response_encode(&w, key, version, corr, body), KFK_ERR_NONE,
                 "api %d v%d response encode", key, version);
    cc_expect_bytes(&w, frame, n);
    kfk_wbuf_free(&w);
}

void *cc_decode_request(int16_t key, int16_t version, int32_t corr, const uint8_t *frame, size_t n,
                        kfk_arena_t *a) {
    kfk_request_header_t h;
    void *body = NULL;
    cr_assert_eq(kfk_request_decode(frame + 4, n - 4, &h, a, &body), KFK_ERR_NONE,
                 "api %d v%d request decode", key, version);
    cr_assert_eq(h.api_key, key);
    cr_assert_eq(h.api_version, version);
    cr_assert_eq(h.correlation_id, corr);
    cr_assert(kfk_str_eq(h.client_id, "kfk"));
    return body;
}

void *cc_decode_response(int16_t key, int16_t version, int32_t corr, const uint8_t *frame, size_t n,
                         kfk_arena_t *a) {
    int32_t got_corr = 0;
    void *body = NULL;
    cr_assert_eq(kfk_response_decode(frame + 4, n - 4, key, version, &got_corr, a, &body),
                 KFK_ERR_NONE, "api %d v%d response decode", key, version);
    cr_assert_eq(got_corr, corr);
    return body;
}

kfk_err_t cc_decode_exact(int16_t key, bool request, int16_t version, const uint8_t *bytes,
                          size_t n) {
    uint8_t *copy = cc_copy_exact(bytes, n);
    kfk_arena_t a;
    kfk_arena_init(&a);
    void *body = NULL;
    kfk_err_t err;
    if (request) {
        kfk_request_header_t h;
        err = kfk_request_decode(copy, n, &h, &a, &body);
    } else {
        int32_t corr;
        err = kfk_response_decode(copy, n, key, version, &corr, &a, &body);
    }
    if (err)
        cr_assert_null(body, "a failed decode gave a body");
    kfk_arena_free(&a);
    free(copy);
    return err;
}

void cc_expect_truncations_fail(int16_t key, bool request, int16_t version, const uint8_t *frame,
                                size_t n) {
    cr_assert_eq(cc_decode_exact(key, request, version, frame + 4, n - 4), KFK_ERR_NONE,
                 "api %d v%d: the whole %s does not decode", key, version,
                 request ? "request" : "response");
    for (size_t cut = 0; cut < n - 4; cut++)
        cr_assert_neq(cc_decode_exact(key, request, version, frame + 4, cut), KFK_ERR_NONE,
                      "api %d v%d: a %s cut to %zu of %zu bytes decoded", key, version,
                      request ? "request" : "response", cut, n - 4);
}

void cc_expect_bad_patch(int16_t key, bool request, int16_t version, const uint8_t *frame, size_t n,
                         size_t off, const uint8_t *patch, size_t len) {
    uint8_t copy[512];
    cr_assert_leq(n, sizeof copy);
    cr_assert_leq(off + len, n);
    memcpy(copy, frame, n);
    memcpy(copy + off, patch, len);
    cr_assert_eq(cc_decode_exact(key, request, version, copy + 4, n - 4), KFK_ERR__BAD_MSG,
                 "api %d v%d: patch at byte %zu was accepted", key, version, off);
}

void cc_expect_trailing_byte_refused(int16_t key, bool request, int16_t version,
                                     const uint8_t *frame, size_t n) {
    uint8_t *longer = malloc(n + 1);
    cr_assert_not_null(longer);
    memcpy(longer, frame, n);
    longer[n] = 0;
    cr_assert_eq(cc_decode_exact(key, request, version, longer + 4, n + 1 - 4), KFK_ERR__BAD_MSG,
                 "api %d v%d: a %s with a trailing byte decoded", key, version,
                 request ? "request" : "response");
    free(longer);
}

void cc_expect_bad_body(int16_t key, const kfk_schema_t *schema, int16_t version,
                        const uint8_t *body, size_t n) {
    uint8_t *copy = cc_copy_exact(body, n);
    void *out = malloc(kfk_schema_size(schema));
    cr_assert_not_null(out);
    kfk_arena_t arena;
    kfk_arena_init(&arena);
    kfk_rbuf_t r;
    kfk_rbuf_init(&r, copy, n);
    kfk_err_t err =
        kfk_schema_decode(schema, version, kfk_api_is_flexible(key, version), &r, &arena, out);
    cr_assert_eq(err, KFK_ERR__BAD_MSG, "%s v%d: got %d, want KFK_ERR__BAD_MSG",
                 kfk_schema_name(schema), version, err);
    kfk_arena_free(&arena);
    free(out);
    free(copy);
}

void *cc_round_trip(int16_t key, const kfk_schema_t *schema, int16_t version, const void *msg,
                    kfk_arena_t *a) {
    bool flex = kfk_api_is_flexible(key, version);
    kfk_wbuf_t w1, w2;
    kfk_wbuf_init(&w1);
    kfk_wbuf_init(&w2);
    cr_assert_eq(kfk_schema_encode(schema, version, flex, msg, &w1), KFK_ERR_NONE,
                 "%s v%d does not encode", kfk_schema_name(schema), version);
    uint8_t *bytes = kfk_arena_alloc(a, w1.len ? w1.len : 1);
    cr_assert_not_null(bytes);
    memcpy(bytes, w1.data, w1.len);
    kfk_rbuf_t r;
    kfk_rbuf_init(&r, bytes, w1.len);
    void *out = kfk_arena_alloc(a, kfk_schema_size(schema));
    cr_assert_not_null(out);
    cr_assert_eq(kfk_schema_decode(schema, version, flex, &r, a, out), KFK_ERR_NONE,
                 "%s v%d does not decode", kfk_schema_name(schema), version);
    cr_assert_eq(kfk_rbuf_left(&r), 0, "%s v%d left bytes", kfk_schema_name(schema), version);
    cr_assert_eq(kfk_schema_encode(schema, version, flex, out, &w2), KFK_ERR_NONE,
                 "%s v%d does not re-encode", kfk_schema_name(schema), version);
    cr_assert_eq(w1.len, w2.len, "%s v%d re-encodes to %zu bytes, not %zu", kfk_schema_name(schema),
                 version, w2.len, w1.len);
    cr_assert(!memcmp(w1.data, w2.data, w1.len), "%s v%d re-encodes differently",
              kfk_schema_name(schema), version);
    kfk_wbuf_free(&w1);
    kfk_wbuf_free(&w2);
    return out;
}

void cc_expect_encode_refused(int16_t key, const kfk_schema_t *schema, int16_t version,
                              const void *msg) {
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    cr_assert_eq(kfk_schema_encode(schema, version, kfk_api_is_flexible(key, version), msg, &w),
                 KFK_ERR__INVALID_ARG, "%s v%d encoded", kfk_schema_name(schema), version);
    kfk_wbuf_free(&w);
}

bool cc_tags_kept(int16_t key, kfk_bytes_t t, int16_t version) {
    if (!kfk_api_is_flexible(key, version))
        return t.len <= 0;
    return t.len == (int32_t)sizeof cc_unknown_tag &&
           !memcmp(t.ptr, cc_unknown_tag, sizeof cc_unknown_tag);
}
