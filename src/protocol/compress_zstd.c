/*
 * compress_zstd.c: Kafka's zstd codec (attributes codec 4, Produce v7+ / Fetch v10+) on libzstd.
 *
 * Write: one zstd frame per call (ZSTD_compress2), with the content size in its header and no
 * checksum; level 0 or < 0 is zstd's default (3, Kafka's default too).
 *
 * Read: one or more frames back to back (skippable frames are skipped), with or without a
 * content size; only zstd v1 frames (magic 0xFD2FB528), not the pre-1.0 legacy formats. Each
 * frame is decoded with the streaming decoder in stable-output mode: zstd writes straight into
 * kfk's output buffer, which also serves as its window, so a frame's window size (up to 2 GiB)
 * costs no memory at all. The output room given to a frame is the smaller of what is left of the
 * caller's cap and ZSTD_decompressBound (the declared content size, or else the block count times
 * the block size limit); it is a hint only, as zstd fails a frame whose output would not fit or
 * does not match its declared size. So the output never passes the cap, and the memory beyond
 * it is the decoder context and one input block (128 KiB), allocated through kfk__malloc. A
 * kfk_codec_ctx_t keeps one compression and one decompression context between calls.
 *
 * Compiled to nothing unless KFK_HAVE_ZSTD.
 */
#include "kfk/protocol.h"
#include "protocol/compress.h"

#ifdef KFK_HAVE_ZSTD

#define ZSTD_STATIC_LINKING_ONLY /* custom allocators, ZSTD_decompressBound, stable output */
#include <zstd.h>
#include <zstd_errors.h>

static const ZSTD_customMem zstd_mem = {kfk__codec_alloc, kfk__codec_free, NULL};

/* Maps a zstd error result: allocation failures are NOMEM, the rest @p other. */
static kfk_err_t zstd_err(size_t r, kfk_err_t other) {
    return ZSTD_getErrorCode(r) == ZSTD_error_memory_allocation ? KFK_ERR__NOMEM : other;
}

void kfk__zstd_release(kfk_codec_ctx_t *ctx) {
    ZSTD_freeCCtx(ctx->zstd_cctx); /* both accept NULL */
    ZSTD_freeDCtx(ctx->zstd_dctx);
    ctx->zstd_cctx = NULL;
    ctx->zstd_dctx = NULL;
}

kfk_err_t kfk__zstd_compress(kfk_codec_ctx_t *ctx, int level, const uint8_t *in, size_t len,
                             kfk_wbuf_t *out) {
    if (level > ZSTD_maxCLevel())
        return KFK_ERR__INVALID_ARG;
    size_t bound = ZSTD_compressBound(len);
    if (ZSTD_isError(bound))
        return KFK_ERR__INVALID_ARG;
    if (kfk_wbuf_grow(out, bound) != 0)
        return out->err;
    if (!ctx->zstd_cctx && !(ctx->zstd_cctx = ZSTD_createCCtx_advanced(zstd_mem)))
        return KFK_ERR__NOMEM;
    ZSTD_CCtx *cctx = ctx->zstd_cctx;
    /* ZSTD_compress2 starts a new frame; a reused context keeps only its level parameter. */
    size_t r = ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel,
                                      level <= 0 ? ZSTD_CLEVEL_DEFAULT : level);
    if (!ZSTD_isError(r))
        r = ZSTD_compress2(cctx, out->data + out->len, bound, in, len);
    if (ZSTD_isError(r)) {
        ZSTD_freeCCtx(cctx);
        ctx->zstd_cctx = NULL;
        return zstd_err(r, KFK_ERR__INVALID_ARG);
    }
    out->len += r;
    return KFK_ERR_NONE;
}

static uint32_t le32(const uint8_t *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* Decodes the one frame of @p len bytes at @p in, appending to @p out within @p limit. */
static kfk_err_t one_frame(ZSTD_DCtx *dctx, const uint8_t *in, size_t len, size_t limit,
                           kfk_wbuf_t *out) {
    unsigned long long bound = ZSTD_decompressBound(in, len);
    if (bound == ZSTD_CONTENTSIZE_ERROR)
        return KFK_ERR__DECOMPRESS;
    size_t room = limit - out->len;
    size_t size = bound < room ? (size_t)bound : room;
    uint8_t *dst;
    size_t avail;
    kfk_err_t err = kfk__out_reserve(out, size, limit, &dst, &avail);
    if (err)
        return err;
    ZSTD_inBuffer ib = {in, len, 0};
    ZSTD_outBuffer ob = {dst, size, 0}; /* the same buffer for the whole frame (stable mode) */
    /* Out of room with the room cut by the cap (not by the frame's own bound): over the cap. */
    int capped = bound > room;
    for (;;) {
        size_t in_was = ib.pos, out_was = ob.pos;
        size_t r = ZSTD_decompressStream(dctx, &ob, &ib);
        /* zstd writes whole blocks into a stable buffer: "full" is less than a block left. */
        int full = ob.size - ob.pos < ZSTD_BLOCKSIZE_MAX;
        if (ZSTD_isError(r)) {
            /* Too small a buffer when the cap, not the frame's own bound, set it: over the
             * cap (zstd may say so before writing anything: the frame declared more). */
            if (capped && ZSTD_getErrorCode(r) == ZSTD_error_dstSize_tooSmall)
                return KFK__DECOMPRESS_OVER_CAP;
            return zstd_err(r, KFK_ERR__DECOMPRESS);
        }
        if (r == 0)
            break;
        if (ib.pos == in_was && ob.pos == out_was) {
            /* No progress: out of room (over the cap when the cap set the room) or truncated. */
            return capped && full ? KFK__DECOMPRESS_OVER_CAP : KFK_ERR__DECOMPRESS;
        }
    }
    if (ib.pos != ib.size)
        return KFK_ERR__DECOMPRESS;
    out->len += ob.pos;
    return KFK_ERR_NONE;
}

/* @p ctx's decompression context, fresh for a new stream (created as needed). */
static kfk_err_t dctx_get(kfk_codec_ctx_t *ctx, ZSTD_DCtx **out) {
    if (ctx->zstd_dctx) {
        *out = ctx->zstd_dctx;
        return ZSTD_isError(ZSTD_DCtx_reset(*out, ZSTD_reset_session_only)) ? KFK_ERR__DECOMPRESS
                                                                            : KFK_ERR_NONE;
    }
    ZSTD_DCtx *d = ZSTD_createDCtx_advanced(zstd_mem);
    if (!d)
        return KFK_ERR__NOMEM;
    if (ZSTD_isError(ZSTD_DCtx_setParameter(d, ZSTD_d_stableOutBuffer, 1)) ||
        ZSTD_isError(ZSTD_DCtx_setParameter(d, ZSTD_d_windowLogMax, ZSTD_WINDOWLOG_MAX))) {
        ZSTD_freeDCtx(d);
        return KFK_ERR__DECOMPRESS; /* not reached with libzstd >= 1.4.4 */
    }
    ctx->zstd_dctx = d;
    *out = d;
    return KFK_ERR_NONE;
}

kfk_err_t kfk__zstd_decompress(kfk_codec_ctx_t *ctx, const uint8_t *in, size_t len, size_t limit,
                               kfk_wbuf_t *out) {
    if (len == 0)
        return KFK_ERR__DECOMPRESS;
    ZSTD_DCtx *dctx;
    kfk_err_t err = dctx_get(ctx, &dctx);
    while (!err && len > 0) {
        uint32_t magic = len >= 4 ? le32(in) : 0;
        if (magic != ZSTD_MAGICNUMBER &&
            (magic & ZSTD_MAGIC_SKIPPABLE_MASK) != ZSTD_MAGIC_SKIPPABLE_START) {
            err = KFK_ERR__DECOMPRESS; /* garbage, a cut magic, or a legacy frame */
            break;
        }
        size_t fsize = ZSTD_findFrameCompressedSize(in, len);
        if (ZSTD_isError(fsize) || fsize == 0 || fsize > len) {
            err = KFK_ERR__DECOMPRESS; /* truncated or malformed frame */
            break;
        }
        err = one_frame(dctx, in, fsize, limit, out);
        if (!err && ZSTD_isError(ZSTD_DCtx_reset(dctx, ZSTD_reset_session_only)))
            err = KFK_ERR__DECOMPRESS;
        in += fsize;
        len -= fsize;
    }
    if (err && ctx->zstd_dctx) {
        ZSTD_freeDCtx(ctx->zstd_dctx);
        ctx->zstd_dctx = NULL;
    }
    return err;
}

#else

/* Keeps this translation unit non-empty when zstd is not built in (ISO C). */
typedef int kfk__zstd_unused_t;

#endif
