/*
 * msgpack_key.c: finds a dotted path ("user.id") in a msgpack map without allocating and turns
 * the scalar there into a record key the way a Python producer keying by str(value) would:
 * strings as their bytes, integers in decimal, booleans as "True"/"False". A small, bounded
 * reader of the msgpack format (depth-limited, every length checked against the input). Also
 * kfk_msgpack_get, the same dotted paths over an unpacked msgpack_object.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <msgpack.h>

#include "client/format/json.h"
#include "kfk/kfk.h"

#define MAX_DEPTH 64

typedef struct {
    const uint8_t *p, *end;
    int bad;
    int short_; /* bad because the bytes ended (more of a stream could complete the value) */
} mp_t;

static int need(mp_t *m, size_t n) {
    if (m->bad)
        return 0;
    if ((size_t)(m->end - m->p) < n) {
        m->bad = m->short_ = 1;
        return 0;
    }
    return 1;
}

static uint64_t be(const uint8_t *p, int n) {
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

typedef enum { T_NIL, T_BOOL, T_INT, T_UINT, T_FLOAT, T_STR, T_BIN, T_ARRAY, T_MAP, T_EXT } mtype_t;

typedef struct {
    mtype_t type;
    uint64_t u;          /* uint / bool / counts / lengths */
    int64_t i;           /* int */
    const uint8_t *data; /* str / bin / ext payload */
} mval_t;

/* Reads one value's header (and for str/bin/ext its payload span). */
static int read_head(mp_t *m, mval_t *v) {
    if (!need(m, 1))
        return 0;
    uint8_t b = *m->p++;
    int n = 0;
    if (b <= 0x7f) {
        v->type = T_UINT;
        v->u = b;
        return 1;
    }
    if (b >= 0xe0) {
        v->type = T_INT;
        v->i = (int8_t)b;
        return 1;
    }
    if ((b & 0xf0) == 0x80 || (b & 0xf0) == 0x90) {
        v->type = (b & 0xf0) == 0x80 ? T_MAP : T_ARRAY;
        v->u = b & 0x0f;
        return 1;
    }
    if ((b & 0xe0) == 0xa0) {
        v->type = T_STR;
        v->u = b & 0x1f;
        goto payload;
    }
    switch (b) {
    case 0xc0:
        v->type = T_NIL;
        return 1;
    case 0xc2:
    case 0xc3:
        v->type = T_BOOL;
        v->u = b == 0xc3;
        return 1;
    case 0xc4:
    case 0xc5:
    case 0xc6:
        n = b == 0xc4 ? 1 : b == 0xc5 ? 2 : 4;
        v->type = T_BIN;
        break;
    case 0xd9:
    case 0xda:
    case 0xdb:
        n = b == 0xd9 ? 1 : b == 0xda ? 2 : 4;
        v->type = T_STR;
        break;
    case 0xc7:
    case 0xc8:
    case 0xc9:
        n = b == 0xc7 ? 1 : b == 0xc8 ? 2 : 4;
        if (!need(m, (size_t)n + 1))
            return 0;
        v->type = T_EXT;
        v->u = be(m->p, n);
        m->p += n + 1; /* length, then the type byte */
        goto payload;
    case 0xd4:
    case 0xd5:
    case 0xd6:
    case 0xd7:
    case 0xd8:
        v->type = T_EXT;
        v->u = 1u << (b - 0xd4);
        if (!need(m, 1))
            return 0;
        m->p++; /* type byte */
        goto payload;
    case 0xca:
    case 0xcb:
        v->type = T_FLOAT;
        n = b == 0xca ? 4 : 8;
        if (!need(m, (size_t)n))
            return 0;
        m->p += n;
        return 1;
    case 0xcc:
    case 0xcd:
    case 0xce:
    case 0xcf:
        n = 1 << (b - 0xcc);
        if (!need(m, (size_t)n))
            return 0;
        v->type = T_UINT;
        v->u = be(m->p, n);
        m->p += n;
        return 1;
    case 0xd0:
    case 0xd1:
    case 0xd2:
    case 0xd3: {
        n = 1 << (b - 0xd0);
        if (!need(m, (size_t)n))
            return 0;
        uint64_t raw = be(m->p, n);
        m->p += n;
        v->type = T_INT;
        if (n < 8 && (raw >> (8 * n - 1)))
            raw |= ~(uint64_t)0 << (8 * n);
        v->i = (int64_t)raw;
        return 1;
    }
    case 0xdc:
    case 0xdd:
    case 0xde:
    case 0xdf:
        n = (b == 0xdc || b == 0xde) ? 2 : 4;
        if (!need(m, (size_t)n))
            return 0;
        v->type = b <= 0xdd ? T_ARRAY : T_MAP;
        v->u = be(m->p, n);
        m->p += n;
        return 1;
    default:
        m->bad = 1; /* 0xc1 is never used */
        return 0;
    }
    if (!need(m, (size_t)n))
        return 0;
    v->u = be(m->p, n);
    m->p += n;
payload:
    if (!need(m, v->u))
        return 0;
    v->data = m->p;
    m->p += v->u;
    return 1;
}

static int skip(mp_t *m, int depth);

/* Skips the items of the array or map whose header @p v (at @p depth) was just read; nothing
 * for other types. */
static int skip_items(mp_t *m, const mval_t *v, int depth) {
    if (v->type == T_ARRAY || v->type == T_MAP) {
        uint64_t items = v->type == T_MAP ? 2 * v->u : v->u;
        /* Every item takes at least one byte: a count past the input is malformed. */
        if (items > (uint64_t)(m->end - m->p)) {
            m->bad = m->short_ = 1;
            return 0;
        }
        for (uint64_t i = 0; i < items; i++)
            if (!skip(m, depth + 1))
                return 0;
    }
    return 1;
}

static int skip(mp_t *m, int depth) {
    mval_t v;
    if (depth > MAX_DEPTH) {
        m->bad = 1;
        return 0;
    }
    if (!read_head(m, &v))
        return 0;
    return skip_items(m, &v, depth);
}

kfk_err_t kfk_msgpack_key_at(const void *data, size_t len, const char *path, char *out, size_t cap,
                             size_t *keylen) {
    mp_t m = {data, (const uint8_t *)data + len, 0, 0};
    const char *seg = path;
    mval_t v;
    if (!path || !*path)
        return KFK_ERR__KEY_PATH;
    for (int depth = 0;; depth++) {
        const char *dot = strchr(seg, '.');
        size_t seglen = dot ? (size_t)(dot - seg) : strlen(seg);
        if (!read_head(&m, &v))
            return KFK_ERR__BAD_MSG;
        if (v.type != T_MAP || depth > MAX_DEPTH)
            return KFK_ERR__KEY_PATH;
        int found = 0;
        for (uint64_t i = 0; i < v.u && !found; i++) {
            mval_t k;
            if (!read_head(&m, &k))
                return KFK_ERR__BAD_MSG;
            if (k.type == T_STR && k.u == seglen && !memcmp(k.data, seg, seglen))
                found = 1;
            else if (!skip_items(&m, &k, depth + 1) || !skip(&m, depth + 1))
                return KFK_ERR__BAD_MSG; /* the rest of a container key, then its value */
        }
        if (!found)
            return KFK_ERR__KEY_PATH;
        if (!dot)
            break;
        seg = dot + 1;
    }
    if (!read_head(&m, &v))
        return KFK_ERR__BAD_MSG;
    int n;
    switch (v.type) {
    case T_STR:
        if (v.u > cap)
            return KFK_ERR__KEY_PATH;
        memcpy(out, v.data, v.u);
        *keylen = v.u;
        return KFK_ERR_NONE;
    case T_UINT:
        n = snprintf(out, cap, "%llu", (unsigned long long)v.u);
        break;
    case T_INT:
        n = snprintf(out, cap, "%lld", (long long)v.i);
        break;
    case T_BOOL:
        n = snprintf(out, cap, "%s", v.u ? "True" : "False");
        break;
    default:
        return KFK_ERR__KEY_PATH; /* nil, floats, binaries, maps, arrays: no key */
    }
    if (n < 0 || (size_t)n >= cap)
        return KFK_ERR__KEY_PATH;
    *keylen = (size_t)n;
    return KFK_ERR_NONE;
}

int kfk__msgpack_check(const void *data, size_t len, size_t *used) {
    mp_t m = {data, (const uint8_t *)data + len, 0, 0};
    if (!skip(&m, 0))
        return 0;
    if (used)
        *used = (size_t)(m.p - (const uint8_t *)data);
    return 1;
}

int kfk_msgpack_value_size(const void *data, size_t len, size_t *size) {
    mp_t m = {data, (const uint8_t *)data + len, 0, 0};
    if (!data || !size)
        return -1;
    if (!skip(&m, 0))
        return m.short_ ? 0 : -1;
    *size = (size_t)(m.p - (const uint8_t *)data);
    return 1;
}

const msgpack_object *kfk_msgpack_get(const msgpack_object *obj, const char *path) {
    if (!obj || !path)
        return NULL;
    const char *seg = path;
    while (*path) {
        const char *dot = strchr(seg, '.');
        size_t len = dot ? (size_t)(dot - seg) : strlen(seg);
        if (len == 0)
            return NULL;
        const msgpack_object *next = NULL;
        if (obj->type == MSGPACK_OBJECT_MAP) {
            for (uint32_t i = 0; i < obj->via.map.size && !next; i++) {
                const msgpack_object *k = &obj->via.map.ptr[i].key;
                if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == len &&
                    !memcmp(k->via.str.ptr, seg, len))
                    next = &obj->via.map.ptr[i].val;
            }
        } else if (obj->type == MSGPACK_OBJECT_ARRAY && len <= 9 &&
                   strspn(seg, "0123456789") >= len) {
            unsigned long ix = strtoul(seg, NULL, 10);
            if (ix < obj->via.array.size)
                next = &obj->via.array.ptr[ix];
        }
        if (!next)
            return NULL;
        obj = next;
        if (!dot)
            break;
        seg = dot + 1;
    }
    return obj;
}
