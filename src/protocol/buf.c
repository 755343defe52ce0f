/*
 * buf.c: the slow paths of kfk_wbuf_t / kfk_rbuf_t (growth, varlongs, strings, bytes, array
 * lengths) and small kfk_str_t helpers. The hot fixed-size accessors are inline in
 * kfk/protocol.h.
 *
 * Encodings (Kafka's Type.java): STRING int16 length; COMPACT_STRING uvarint length+1 (0 =
 * null); BYTES int32 length; COMPACT_BYTES uvarint length+1; ARRAY int32 count (-1 = null);
 * COMPACT_ARRAY uvarint count+1. Unsigned varints are at most 5 bytes, varlongs 10.
 */
#include <limits.h>
#include <string.h>

#include "kfk/protocol.h"
#include "protocol/mem.h"

kfk_str_t kfk_str_c(const char *s) {
    if (!s)
        return (kfk_str_t){NULL, -1};
    size_t n = strlen(s);
    return (kfk_str_t){s, n > INT32_MAX ? INT32_MAX : (int32_t)n};
}

int kfk_str_eq(kfk_str_t s, const char *c) {
    if (!c || s.len < 0)
        return !c && s.len < 0;
    return strlen(c) == (size_t)s.len && (s.len == 0 || !memcmp(s.ptr, c, (size_t)s.len));
}

void kfk_wbuf_init(kfk_wbuf_t *w) {
    memset(w, 0, sizeof *w);
}

void kfk_wbuf_free(kfk_wbuf_t *w) {
    kfk__free(w->data);
    kfk__free(w->segs);
    memset(w, 0, sizeof *w);
}

uint8_t *kfk_wbuf_take(kfk_wbuf_t *w, size_t *len) {
    if (w->nsegs)
        return NULL;
    uint8_t *d = w->data;
    if (len)
        *len = w->len;
    memset(w, 0, sizeof *w);
    return d;
}

kfk_err_t kfk_wbuf_grow(kfk_wbuf_t *w, size_t need) {
    if (w->err)
        return w->err;
    if (w->cap - w->len >= need && w->data)
        return KFK_ERR_NONE;
    if (need > SIZE_MAX / 2 - w->len) {
        w->err = KFK_ERR__NOMEM;
        return w->err;
    }
    size_t cap = w->cap ? w->cap : 256;
    while (cap - w->len < need)
        cap *= 2;
    uint8_t *d = kfk__realloc(w->data, cap);
    if (!d) {
        w->err = KFK_ERR__NOMEM;
        return w->err;
    }
    w->data = d;
    w->cap = cap;
    return KFK_ERR_NONE;
}

void kfk_wbuf_put_uvarlong(kfk_wbuf_t *w, uint64_t v) {
    uint8_t tmp[10];
    size_t n = 0;
    while (v >= 0x80) {
        tmp[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    tmp[n++] = (uint8_t)v;
    kfk_wbuf_put_raw(w, tmp, n);
}

size_t kfk_uvarint_size(uint32_t v) {
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

size_t kfk_varint_size(int32_t v) {
    return kfk_uvarint_size(((uint32_t)v << 1) ^ (uint32_t)(v >> 31));
}

size_t kfk_varlong_size(int64_t v) {
    uint64_t u = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
    size_t n = 1;
    while (u >= 0x80) {
        u >>= 7;
        n++;
    }
    return n;
}

void kfk_wbuf_put_str(kfk_wbuf_t *w, kfk_str_t s, int compact) {
    if (s.len < 0) {
        if (compact)
            kfk_wbuf_put_uvarint(w, 0);
        else
            kfk_wbuf_put_int16(w, -1);
        return;
    }
    if (compact) {
        kfk_wbuf_put_uvarint(w, (uint32_t)s.len + 1);
    } else {
        if (s.len > INT16_MAX) {
            if (!w->err)
                w->err = KFK_ERR__INVALID_ARG;
            return;
        }
        kfk_wbuf_put_int16(w, (int16_t)s.len);
    }
    kfk_wbuf_put_raw(w, s.ptr, (size_t)s.len);
}

void kfk_wbuf_put_bytes(kfk_wbuf_t *w, kfk_bytes_t b, int compact) {
    if (b.len < 0) {
        if (compact)
            kfk_wbuf_put_uvarint(w, 0);
        else
            kfk_wbuf_put_int32(w, -1);
        return;
    }
    if (compact)
        kfk_wbuf_put_uvarint(w, (uint32_t)b.len + 1);
    else
        kfk_wbuf_put_int32(w, b.len);
    kfk_wbuf_put_raw(w, b.ptr, (size_t)b.len);
}

void kfk_wbuf_put_array_len(kfk_wbuf_t *w, int32_t count, int compact) {
    if (compact)
        kfk_wbuf_put_uvarint(w, count < 0 ? 0 : (uint32_t)count + 1);
    else
        kfk_wbuf_put_int32(w, count < 0 ? -1 : count);
}

void kfk_wbuf_splice(kfk_wbuf_t *w, const void *ptr, size_t len) {
    if (w->err || len == 0)
        return;
    if (w->nsegs == w->segs_cap) {
        size_t cap = w->segs_cap ? w->segs_cap * 2 : 8;
        kfk_wbuf_seg_t *segs = kfk__realloc(w->segs, cap * sizeof *segs);
        if (!segs) {
            w->err = KFK_ERR__NOMEM;
            return;
        }
        w->segs = segs;
        w->segs_cap = cap;
    }
    w->segs[w->nsegs++] = (kfk_wbuf_seg_t){w->len, ptr, len};
    w->spliced += len;
}

size_t kfk_wbuf_pieces(const kfk_wbuf_t *w, kfk_wbuf_piece_t *out) {
    size_t n = 0, from = 0;
    for (size_t i = 0; i < w->nsegs; i++) {
        if (w->segs[i].at > from)
            out[n++] = (kfk_wbuf_piece_t){w->data + from, w->segs[i].at - from};
        out[n++] = (kfk_wbuf_piece_t){w->segs[i].ptr, w->segs[i].len};
        from = w->segs[i].at;
    }
    if (w->len > from || n == 0)
        out[n++] = (kfk_wbuf_piece_t){w->data + from, w->len - from};
    return n;
}

size_t kfk_wbuf_frame_begin(kfk_wbuf_t *w) {
    size_t off = w->len;
    kfk_wbuf_put_int32(w, 0);
    return off;
}

void kfk_wbuf_frame_end(kfk_wbuf_t *w, size_t offset) {
    if (w->err || offset + 4 > w->len)
        return;
    size_t n = w->len - offset - 4;
    for (size_t i = 0; i < w->nsegs; i++)
        if (w->segs[i].at >= offset + 4)
            n += w->segs[i].len;
    if (n > INT32_MAX) {
        w->err = KFK_ERR__INVALID_ARG;
        return;
    }
    uint8_t *p = w->data + offset;
    p[0] = (uint8_t)(n >> 24);
    p[1] = (uint8_t)(n >> 16);
    p[2] = (uint8_t)(n >> 8);
    p[3] = (uint8_t)n;
}

uint32_t kfk_rbuf_get_uvarint(kfk_rbuf_t *r) {
    uint32_t v = 0;
    for (int i = 0; i < 5; i++) {
        const uint8_t *p = kfk_rbuf_take(r, 1);
        if (!p)
            return 0;
        if (i == 4 && (p[0] & 0xf0)) {
            /* A 5th byte may carry only the top 4 of 32 bits, and no continuation. */
            kfk_rbuf_fail(r, KFK_ERR__BAD_MSG);
            return 0;
        }
        v |= (uint32_t)(p[0] & 0x7f) << (7 * i);
        if (!(p[0] & 0x80))
            return v;
    }
    return 0; /* not reached: the 5th byte check above stops every longer varint */
}

uint64_t kfk_rbuf_get_uvarlong(kfk_rbuf_t *r) {
    uint64_t v = 0;
    for (int i = 0; i < 10; i++) {
        const uint8_t *p = kfk_rbuf_take(r, 1);
        if (!p)
            return 0;
        if (i == 9 && (p[0] & 0xfe)) {
            kfk_rbuf_fail(r, KFK_ERR__BAD_MSG);
            return 0;
        }
        v |= (uint64_t)(p[0] & 0x7f) << (7 * i);
        if (!(p[0] & 0x80))
            return v;
    }
    return 0;
}

/* Reads a length: compact = uvarint N+1 (0 = null), else int16/int32 (-1 = null). Returns
 * -1 for null, -2 on error (already recorded). */
static int64_t get_len(kfk_rbuf_t *r, int compact, int wide, int nullable) {
    int64_t n;
    if (compact)
        n = (int64_t)kfk_rbuf_get_uvarint(r) - 1;
    else
        n = wide ? kfk_rbuf_get_int32(r) : kfk_rbuf_get_int16(r);
    if (r->err)
        return -2;
    if (n < -1 || (n == -1 && !nullable) || n > INT32_MAX) {
        kfk_rbuf_fail(r, KFK_ERR__BAD_MSG);
        return -2;
    }
    if (n >= 0 && (uint64_t)n > kfk_rbuf_left(r)) {
        kfk_rbuf_fail(r, KFK_ERR__BAD_MSG);
        return -2;
    }
    return n;
}

kfk_str_t kfk_rbuf_get_str(kfk_rbuf_t *r, int compact, int nullable) {
    int64_t n = get_len(r, compact, 0, nullable);
    if (n < 0)
        return (kfk_str_t){NULL, n == -1 ? -1 : 0};
    const uint8_t *p = kfk_rbuf_take(r, (size_t)n);
    return (kfk_str_t){(const char *)p, (int32_t)n};
}

kfk_bytes_t kfk_rbuf_get_bytes(kfk_rbuf_t *r, int compact, int nullable) {
    int64_t n = get_len(r, compact, 1, nullable);
    if (n < 0)
        return (kfk_bytes_t){NULL, n == -1 ? -1 : 0};
    const uint8_t *p = kfk_rbuf_take(r, (size_t)n);
    return (kfk_bytes_t){p, (int32_t)n};
}

int32_t kfk_rbuf_get_array_len(kfk_rbuf_t *r, int compact, int nullable, size_t min_elem_size) {
    int64_t n;
    if (compact)
        n = (int64_t)kfk_rbuf_get_uvarint(r) - 1;
    else
        n = kfk_rbuf_get_int32(r);
    if (r->err)
        return 0;
    if (n < -1 || (n == -1 && !nullable)) {
        kfk_rbuf_fail(r, KFK_ERR__BAD_MSG);
        return 0;
    }
    if (n > 0) {
        size_t min = min_elem_size ? min_elem_size : 1;
        if ((uint64_t)n > kfk_rbuf_left(r) / min) {
            kfk_rbuf_fail(r, KFK_ERR__BAD_MSG);
            return 0;
        }
    }
    return (int32_t)n;
}
