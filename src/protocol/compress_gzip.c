/*
 * compress_gzip.c: Kafka's gzip codec (attributes codec 1) on zlib.
 *
 * Write: one RFC 1952 member (deflate with a gzip header, windowBits 15 + 16), as Java's
 * GZIPOutputStream does. Read: one or more gzip members back to back (each must be complete and
 * pass its CRC-32 and length check); anything after a member that is not another member is an
 * error. zlib and raw deflate streams are refused, as Java refuses them. Output grows through
 * kfk__out_reserve, so an inflating member stops at the caller's cap. zlib allocates through
 * kfk__malloc (zalloc/zfree hooks), which lets tests fail each of its allocations. A
 * kfk_codec_ctx_t keeps one deflater (for the last level used) and one inflater, reset per call.
 *
 * Compiled to nothing unless KFK_HAVE_ZLIB.
 */
#include "kfk/protocol.h"
#include "protocol/compress.h"
#include "protocol/mem.h"

#ifdef KFK_HAVE_ZLIB

#include <limits.h>

#define ZLIB_CONST
#include <zlib.h>

#define GZIP_WINDOW_BITS (15 + 16)

static voidpf zalloc_cb(voidpf opaque, uInt items, uInt size) {
    (void)opaque;
    if (size && items > SIZE_MAX / size)
        return Z_NULL;
    return kfk__codec_alloc(NULL, (size_t)items * size);
}

static void zfree_cb(voidpf opaque, voidpf p) {
    (void)opaque;
    kfk__codec_free(NULL, p);
}

static uInt clamp_uint(size_t n) {
    return n > UINT_MAX ? UINT_MAX : (uInt)n;
}

/* Frees one z_stream slot (deflating or inflating) and clears it. */
static void drop(void **slot, int deflating) {
    z_stream *s = *slot;
    if (!s)
        return;
    if (deflating)
        deflateEnd(s);
    else
        inflateEnd(s);
    kfk__codec_free(NULL, s);
    *slot = NULL;
}

void kfk__gzip_release(kfk_codec_ctx_t *ctx) {
    drop(&ctx->gzip_deflate, 1);
    drop(&ctx->gzip_inflate, 0);
}

/* A new z_stream with kfk's allocator, or NULL. */
static z_stream *stream_new(void) {
    z_stream *s = kfk__calloc(1, sizeof *s);
    if (s) {
        s->zalloc = zalloc_cb;
        s->zfree = zfree_cb;
    }
    return s;
}

/* @p ctx's deflater at @p level, reset for a new member (created or re-made as needed). */
static kfk_err_t deflater(kfk_codec_ctx_t *ctx, int level, z_stream **out) {
    if (ctx->gzip_deflate && ctx->gzip_level == level && deflateReset(ctx->gzip_deflate) == Z_OK) {
        *out = ctx->gzip_deflate;
        return KFK_ERR_NONE;
    }
    drop(&ctx->gzip_deflate, 1);
    z_stream *s = stream_new();
    if (!s)
        return KFK_ERR__NOMEM;
    int rc = deflateInit2(s, level, Z_DEFLATED, GZIP_WINDOW_BITS, 8, Z_DEFAULT_STRATEGY);
    if (rc != Z_OK) {
        kfk__codec_free(NULL, s);
        return rc == Z_MEM_ERROR ? KFK_ERR__NOMEM : KFK_ERR__INVALID_ARG;
    }
    ctx->gzip_deflate = s;
    ctx->gzip_level = level;
    *out = s;
    return KFK_ERR_NONE;
}

/* @p ctx's inflater, reset for a new stream (created as needed). */
static kfk_err_t inflater(kfk_codec_ctx_t *ctx, z_stream **out) {
    if (ctx->gzip_inflate && inflateReset(ctx->gzip_inflate) == Z_OK) {
        *out = ctx->gzip_inflate;
        return KFK_ERR_NONE;
    }
    drop(&ctx->gzip_inflate, 0);
    z_stream *s = stream_new();
    if (!s)
        return KFK_ERR__NOMEM;
    int rc = inflateInit2(s, GZIP_WINDOW_BITS);
    if (rc != Z_OK) {
        kfk__codec_free(NULL, s);
        return rc == Z_MEM_ERROR ? KFK_ERR__NOMEM : KFK_ERR__DECOMPRESS;
    }
    ctx->gzip_inflate = s;
    *out = s;
    return KFK_ERR_NONE;
}

kfk_err_t kfk__gzip_compress(kfk_codec_ctx_t *ctx, int level, const uint8_t *in, size_t len,
                             kfk_wbuf_t *out) {
    if (level > 9)
        return KFK_ERR__INVALID_ARG;
    z_stream *s;
    kfk_err_t err = deflater(ctx, level < 0 ? Z_DEFAULT_COMPRESSION : level, &s);
    if (err)
        return err;
    size_t left = len;
    /* deflateBound is exact enough that one reservation normally suffices; loop anyway. */
    size_t want = (size_t)deflateBound(s, (uLong)len);
    for (;;) {
        if (out->cap - out->len < 64 || out->cap - out->len < want) {
            if (kfk_wbuf_grow(out, want < 64 ? 64 : want) != 0) {
                err = KFK_ERR__NOMEM;
                break;
            }
        }
        uInt in_now = clamp_uint(left);
        s->next_in = in;
        s->avail_in = in_now;
        s->next_out = out->data + out->len;
        s->avail_out = clamp_uint(out->cap - out->len);
        uInt out_now = s->avail_out;
        int rc = deflate(s, left == in_now ? Z_FINISH : Z_NO_FLUSH);
        in += in_now - s->avail_in;
        left -= in_now - s->avail_in;
        out->len += out_now - s->avail_out;
        if (rc == Z_STREAM_END)
            break;
        if (rc != Z_OK && rc != Z_BUF_ERROR) {
            err = KFK_ERR__INVALID_ARG; /* not reached with a valid stream */
            break;
        }
        want = 4096;
    }
    s->next_in = NULL; /* the caller's memory is not kept */
    s->next_out = NULL;
    if (err)
        drop(&ctx->gzip_deflate, 1);
    return err;
}

kfk_err_t kfk__gzip_decompress(kfk_codec_ctx_t *ctx, const uint8_t *in, size_t len, size_t limit,
                               kfk_wbuf_t *out) {
    if (len == 0)
        return KFK_ERR__DECOMPRESS;
    z_stream *s;
    kfk_err_t err = inflater(ctx, &s);
    if (err)
        return err;
    size_t want = kfk__out_first_chunk(len);
    size_t left = len;
    for (;;) {
        uint8_t *dst;
        size_t avail;
        err = kfk__out_reserve(out, want, limit, &dst, &avail);
        if (err)
            break;
        uInt in_now = clamp_uint(left);
        uInt out_now = clamp_uint(avail);
        s->next_in = in;
        s->avail_in = in_now;
        s->next_out = dst;
        s->avail_out = out_now;
        int rc = inflate(s, Z_NO_FLUSH);
        in += in_now - s->avail_in;
        left -= in_now - s->avail_in;
        out->len += out_now - s->avail_out;
        if (out->len > limit) {
            err = KFK__DECOMPRESS_OVER_CAP; /* the slack byte was written */
            break;
        }
        if (rc == Z_STREAM_END) {
            if (left == 0)
                break;
            /* Another member follows: it must be a complete gzip member too. */
            if (inflateReset(s) != Z_OK) {
                err = KFK_ERR__DECOMPRESS;
                break;
            }
            continue;
        }
        if (rc == Z_MEM_ERROR) {
            err = KFK_ERR__NOMEM;
            break;
        }
        if (rc != Z_OK && rc != Z_BUF_ERROR) {
            err = KFK_ERR__DECOMPRESS; /* Z_DATA_ERROR, Z_NEED_DICT, Z_STREAM_ERROR */
            break;
        }
        if (left == 0 && s->avail_in == 0 && s->avail_out > 0) {
            err = KFK_ERR__DECOMPRESS; /* all input used, room left, no end: truncated */
            break;
        }
    }
    s->next_in = NULL;
    s->next_out = NULL;
    if (err)
        drop(&ctx->gzip_inflate, 0);
    return err;
}

#else

/* Keeps this translation unit non-empty when zlib is not built in (ISO C). */
typedef int kfk__gzip_unused_t;

#endif
