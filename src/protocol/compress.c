/*
 * compress.c: Kafka's compression codecs behind one door: codec names and availability, argument
 * checks, and the dispatch of kfk_compress / kfk_decompress to the per-codec adapters
 * (compress_gzip.c, compress_snappy.c, compress_lz4.c, compress_zstd.c): snappy is kfk's own code
 * and always there, the others built only when their library was found (KFK_HAVE_ZLIB,
 * KFK_HAVE_LZ4, KFK_HAVE_ZSTD).
 *
 * It owns kfk_codec_ctx_t, the library contexts kept between calls (kfk_compress /
 * kfk_decompress use a temporary one). Whatever an adapter returns, the caller's buffer length
 * is restored on error here, in one place. The output-buffer rule and the allocation hooks the
 * adapters share live one floor down, in compress_out.c, so the adapters never call back up
 * into this file.
 */
#include <stdint.h>
#include <string.h>

#include "kfk/protocol.h"
#include "protocol/compress.h"
#include "protocol/mem.h"

static const char *const codec_names[] = {"none", "gzip", "snappy", "lz4", "zstd"};

int kfk_codec_available(kfk_codec_t codec) {
    switch (codec) {
    case KFK_CODEC_NONE:
        return 1;
#ifdef KFK_HAVE_ZLIB
    case KFK_CODEC_GZIP:
        return 1;
#endif
    case KFK_CODEC_SNAPPY:
        return 1;
#ifdef KFK_HAVE_LZ4
    case KFK_CODEC_LZ4:
        return 1;
#endif
#ifdef KFK_HAVE_ZSTD
    case KFK_CODEC_ZSTD:
        return 1;
#endif
    default:
        return 0;
    }
}

const char *kfk_codec_name(kfk_codec_t codec) {
    if ((unsigned)codec < sizeof codec_names / sizeof codec_names[0])
        return codec_names[codec];
    return "unknown";
}

/* ASCII-only case folding: compression.type values are ASCII, and the locale must not matter. */
static int ascii_lower(int c) {
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int name_eq(const char *a, const char *b) {
    while (*a && *b && ascii_lower((unsigned char)*a) == *b) {
        a++;
        b++;
    }
    return *a == '\0' && *b == '\0';
}

kfk_err_t kfk_codec_from_name(const char *name, kfk_codec_t *codec) {
    if (!name || !codec)
        return KFK_ERR__INVALID_ARG;
    for (size_t i = 0; i < sizeof codec_names / sizeof codec_names[0]; i++) {
        if (name_eq(name, codec_names[i])) {
            *codec = (kfk_codec_t)i;
            return KFK_ERR_NONE;
        }
    }
    return KFK_ERR__INVALID_ARG;
}

/* Arguments every codec shares; 0 or the error to return (with @p out untouched). */
static kfk_err_t check_args(kfk_codec_t codec, const void *in, size_t len, kfk_wbuf_t *out) {
    if (!out || (!in && len > 0))
        return KFK_ERR__INVALID_ARG;
    if ((unsigned)codec >= sizeof codec_names / sizeof codec_names[0])
        return KFK_ERR__INVALID_ARG;
    if (out->err)
        return out->err;
    if (!kfk_codec_available(codec))
        return KFK_ERR__UNSUPPORTED_COMPRESSION;
    return KFK_ERR_NONE;
}

kfk_err_t kfk_codec_ctx_new(kfk_codec_ctx_t **ctx) {
    if (!ctx)
        return KFK_ERR__INVALID_ARG;
    *ctx = kfk__calloc(1, sizeof **ctx);
    return *ctx ? KFK_ERR_NONE : KFK_ERR__NOMEM;
}

/* Frees every library context @p ctx holds and leaves it empty. */
static void ctx_release(kfk_codec_ctx_t *ctx) {
#ifdef KFK_HAVE_ZLIB
    kfk__gzip_release(ctx);
#endif
#ifdef KFK_HAVE_LZ4
    kfk__lz4_release(ctx);
#endif
#ifdef KFK_HAVE_ZSTD
    kfk__zstd_release(ctx);
#endif
    (void)ctx;
}

void kfk__codec_ctx_trim(kfk_codec_ctx_t *ctx) {
    if (!ctx)
        return;
    ctx_release(ctx);
    kfk_wbuf_free(&ctx->batch_out);
}

int kfk__codec_ctx_holds(const kfk_codec_ctx_t *ctx) {
    return ctx && (ctx->gzip_deflate || ctx->gzip_inflate || ctx->lz4_cctx || ctx->lz4_dctx ||
                   ctx->zstd_cctx || ctx->zstd_dctx || ctx->batch_out.data);
}

void kfk_codec_ctx_free(kfk_codec_ctx_t *ctx) {
    kfk__codec_ctx_trim(ctx);
    kfk__free(ctx);
}

kfk_err_t kfk_codec_ctx_compress(kfk_codec_ctx_t *ctx, kfk_codec_t codec, int level, const void *in,
                                 size_t len, kfk_wbuf_t *out) {
    if (!ctx)
        return kfk_compress(codec, level, in, len, out);
    kfk_err_t err = check_args(codec, in, len, out);
    if (err)
        return err;
    const uint8_t *src = in;
    size_t base = out->len;
    (void)level;
    (void)src;
    switch (codec) {
    case KFK_CODEC_NONE:
        kfk_wbuf_put_raw(out, in, len);
        err = out->err;
        break;
#ifdef KFK_HAVE_ZLIB
    case KFK_CODEC_GZIP:
        err = kfk__gzip_compress(ctx, level, src, len, out);
        break;
#endif
    case KFK_CODEC_SNAPPY:
        err = kfk__snappy_compress(src, len, out);
        break;
#ifdef KFK_HAVE_LZ4
    case KFK_CODEC_LZ4:
        err = kfk__lz4_compress(ctx, level, src, len, out);
        break;
#endif
#ifdef KFK_HAVE_ZSTD
    case KFK_CODEC_ZSTD:
        err = kfk__zstd_compress(ctx, level, src, len, out);
        break;
#endif
    default:
        err = KFK_ERR__UNSUPPORTED_COMPRESSION; /* not reached: check_args */
        break;
    }
    if (err)
        out->len = base;
    return err;
}

kfk_err_t kfk_codec_ctx_decompress(kfk_codec_ctx_t *ctx, kfk_codec_t codec, const void *in,
                                   size_t len, size_t max_out, kfk_wbuf_t *out) {
    if (!ctx)
        return kfk_decompress(codec, in, len, max_out, out);
    kfk_err_t err = check_args(codec, in, len, out);
    if (err)
        return err;
    const uint8_t *src = in;
    size_t base = out->len;
    size_t limit = max_out > SIZE_MAX - 1 - base ? SIZE_MAX - 1 : base + max_out;
    (void)src;
    (void)limit;
    ctx->over_cap = 0;
    switch (codec) {
    case KFK_CODEC_NONE:
        if (len > max_out) {
            err = KFK__DECOMPRESS_OVER_CAP;
            break;
        }
        kfk_wbuf_put_raw(out, in, len);
        err = out->err;
        break;
#ifdef KFK_HAVE_ZLIB
    case KFK_CODEC_GZIP:
        err = kfk__gzip_decompress(ctx, src, len, limit, out);
        break;
#endif
    case KFK_CODEC_SNAPPY:
        err = kfk__snappy_decompress(src, len, limit, out);
        break;
#ifdef KFK_HAVE_LZ4
    case KFK_CODEC_LZ4:
        err = kfk__lz4_decompress(ctx, src, len, limit, out);
        break;
#endif
#ifdef KFK_HAVE_ZSTD
    case KFK_CODEC_ZSTD:
        err = kfk__zstd_decompress(ctx, src, len, limit, out);
        break;
#endif
    default:
        err = KFK_ERR__UNSUPPORTED_COMPRESSION; /* not reached: check_args */
        break;
    }
    if (!err && out->len > limit)
        err = KFK__DECOMPRESS_OVER_CAP; /* an adapter's last line of defence: the slack byte */
    if (err == KFK__DECOMPRESS_OVER_CAP) {
        ctx->over_cap = 1; /* the caller sees KFK_ERR__DECOMPRESS, as documented */
        err = KFK_ERR__DECOMPRESS;
    }
    if (err)
        out->len = base;
    return err;
}

int kfk__codec_ctx_over_cap(const kfk_codec_ctx_t *ctx) {
    return ctx && ctx->over_cap;
}

kfk_err_t kfk_compress(kfk_codec_t codec, int level, const void *in, size_t len, kfk_wbuf_t *out) {
    kfk_codec_ctx_t tmp;
    memset(&tmp, 0, sizeof tmp);
    kfk_err_t err = kfk_codec_ctx_compress(&tmp, codec, level, in, len, out);
    ctx_release(&tmp);
    return err;
}

kfk_err_t kfk_decompress(kfk_codec_t codec, const void *in, size_t len, size_t max_out,
                         kfk_wbuf_t *out) {
    kfk_codec_ctx_t tmp;
    memset(&tmp, 0, sizeof tmp);
    kfk_err_t err = kfk_codec_ctx_decompress(&tmp, codec, in, len, max_out, out);
    ctx_release(&tmp);
    return err;
}
