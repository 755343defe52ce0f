/*
 * compress_lz4.c: Kafka's lz4 codec (attributes codec 3) on liblz4's frame API (LZ4F).
 *
 * Write: one LZ4 frame as Java's Lz4BlockOutputStream writes it for magic 1 and 2: frame version
 * 01, independent blocks, 64 KiB maximum block size, no content size, no block or content
 * checksum (FLG 0x60, BD 0x40). The level is LZ4F's: 0 (the default) is the fast compressor,
 * 3..12 LZ4HC (13..17, which Kafka accepts, act as 12). Java's default (compression.lz4.level 9)
 * also means the fast compressor (Lz4BlockOutputStream), and with the liblz4 1.9.4 of Debian 12
 * kfk's default output is byte for byte Java's (tests/golden/compress/lz4-pattern100k.bin).
 *
 * Read: any valid LZ4 frame, or several back to back (skippable frames too), with the block and
 * content checksums a frame declares verified. Dependent blocks are accepted though Java rejects
 * them. The frame header checksum must be right: magic-0 messages written with Kafka's old,
 * wrong header checksum are the legacy message-set code's business. Output grows through
 * kfk__out_reserve and stops at the caller's cap; liblz4's own buffers (about twice the
 * declared block size, which is 4 MiB at most) come from kfk__malloc. A kfk_codec_ctx_t keeps
 * one compression and one decompression context (and so those buffers) between calls.
 *
 * Compiled to nothing unless KFK_HAVE_LZ4.
 */
#include "kfk/protocol.h"
#include "protocol/compress.h"

#ifdef KFK_HAVE_LZ4

#include <string.h>

#include <lz4.h>
#define LZ4F_STATIC_LINKING_ONLY /* LZ4F_getErrorCode, custom allocators */
#include <lz4frame.h>

#define LZ4_MAX_LEVEL 17

#if LZ4_VERSION_NUMBER >= 10904
static const LZ4F_CustomMem lz4_mem = {kfk__codec_alloc, NULL, kfk__codec_free, NULL};
#define CCTX_NEW() LZ4F_createCompressionContext_advanced(lz4_mem, LZ4F_VERSION)
#define DCTX_NEW() LZ4F_createDecompressionContext_advanced(lz4_mem, LZ4F_VERSION)
#else
/* liblz4 before 1.9.4 has no custom allocators: its buffers come from malloc. */
static LZ4F_cctx *cctx_new(void) {
    LZ4F_cctx *c = NULL;
    return LZ4F_isError(LZ4F_createCompressionContext(&c, LZ4F_VERSION)) ? NULL : c;
}
static LZ4F_dctx *dctx_new(void) {
    LZ4F_dctx *d = NULL;
    return LZ4F_isError(LZ4F_createDecompressionContext(&d, LZ4F_VERSION)) ? NULL : d;
}
#define CCTX_NEW() cctx_new()
#define DCTX_NEW() dctx_new()
#endif

/* Maps an LZ4F error result to kfk's: allocation failures are NOMEM, the rest @p other. */
static kfk_err_t lz4_err(size_t r, kfk_err_t other) {
    return LZ4F_getErrorCode(r) == LZ4F_ERROR_allocation_failed ? KFK_ERR__NOMEM : other;
}

void kfk__lz4_release(kfk_codec_ctx_t *ctx) {
    if (ctx->lz4_cctx)
        LZ4F_freeCompressionContext(ctx->lz4_cctx);
    if (ctx->lz4_dctx)
        LZ4F_freeDecompressionContext(ctx->lz4_dctx);
    ctx->lz4_cctx = NULL;
    ctx->lz4_dctx = NULL;
}

kfk_err_t kfk__lz4_compress(kfk_codec_ctx_t *ctx, int level, const uint8_t *in, size_t len,
                            kfk_wbuf_t *out) {
    if (level > LZ4_MAX_LEVEL)
        return KFK_ERR__INVALID_ARG;
    LZ4F_preferences_t prefs;
    memset(&prefs, 0, sizeof prefs);
    prefs.frameInfo.blockSizeID = LZ4F_max64KB;
    prefs.frameInfo.blockMode = LZ4F_blockIndependent;
    prefs.frameInfo.contentChecksumFlag = LZ4F_noContentChecksum;
    prefs.frameInfo.blockChecksumFlag = LZ4F_noBlockChecksum;
    prefs.frameInfo.contentSize = 0;
    prefs.compressionLevel = level < 0 ? 0 : level;

    size_t bound = LZ4F_compressFrameBound(len, &prefs);
    if (LZ4F_isError(bound) || bound > SIZE_MAX - LZ4F_HEADER_SIZE_MAX)
        return KFK_ERR__INVALID_ARG;
    bound += LZ4F_HEADER_SIZE_MAX;
    if (kfk_wbuf_grow(out, bound) != 0)
        return out->err;
    if (!ctx->lz4_cctx && !(ctx->lz4_cctx = CCTX_NEW()))
        return KFK_ERR__NOMEM;
    LZ4F_cctx *cctx = ctx->lz4_cctx; /* LZ4F_compressBegin starts it afresh */

    kfk_err_t err = KFK_ERR_NONE;
    uint8_t *dst = out->data + out->len;
    size_t n = 0;
    size_t r = LZ4F_compressBegin(cctx, dst, bound, &prefs);
    if (!LZ4F_isError(r)) {
        n += r;
        r = LZ4F_compressUpdate(cctx, dst + n, bound - n, in, len, NULL);
    }
    if (!LZ4F_isError(r)) {
        n += r;
        r = LZ4F_compressEnd(cctx, dst + n, bound - n, NULL);
    }
    if (LZ4F_isError(r)) {
        err = lz4_err(r, KFK_ERR__INVALID_ARG);
        LZ4F_freeCompressionContext(cctx);
        ctx->lz4_cctx = NULL;
    } else {
        out->len += n + r;
    }
    return err;
}

enum { LZ4_BLOCK_ROOM = 64 * 1024 };

kfk_err_t kfk__lz4_decompress(kfk_codec_ctx_t *ctx, const uint8_t *in, size_t len, size_t limit,
                              kfk_wbuf_t *out) {
    if (len == 0)
        return KFK_ERR__DECOMPRESS;
    if (ctx->lz4_dctx)
        LZ4F_resetDecompressionContext(ctx->lz4_dctx);
    else if (!(ctx->lz4_dctx = DCTX_NEW()))
        return KFK_ERR__NOMEM;
    LZ4F_dctx *dctx = ctx->lz4_dctx;
    LZ4F_decompressOptions_t opts;
    memset(&opts, 0, sizeof opts);

    kfk_err_t err = KFK_ERR_NONE;
    size_t want = kfk__out_first_chunk(len);
    for (;;) {
        uint8_t *dst;
        size_t avail;
        /* A whole 64 KiB block (Kafka's block size) decompresses straight into the buffer: with
         * that much room left, no growth (a caller may hand a buffer sized for the batch). */
        size_t room = out->cap - out->len;
        err = kfk__out_reserve(out, room >= LZ4_BLOCK_ROOM ? LZ4_BLOCK_ROOM : want, limit, &dst,
                               &avail);
        if (err)
            break;
        size_t produced = avail;
        size_t consumed = len;
        size_t r = LZ4F_decompress(dctx, dst, &produced, in, &consumed, &opts);
        if (LZ4F_isError(r)) {
            err = lz4_err(r, KFK_ERR__DECOMPRESS);
            break;
        }
        in += consumed;
        len -= consumed;
        out->len += produced;
        if (out->len > limit) {
            err = KFK__DECOMPRESS_OVER_CAP; /* the slack byte was written */
            break;
        }
        if (r == 0) {
            /* A frame ended (the context is ready for the next one). */
            if (len == 0)
                break;
            continue;
        }
        if (len == 0 && produced < avail) {
            err = KFK_ERR__DECOMPRESS; /* the frame wants more input than there is */
            break;
        }
        if (consumed == 0 && produced == 0) {
            err = KFK_ERR__DECOMPRESS; /* no progress: never loop forever */
            break;
        }
    }
    if (err) {
        LZ4F_freeDecompressionContext(dctx);
        ctx->lz4_dctx = NULL;
    }
    return err;
}

#else

/* Keeps this translation unit non-empty when lz4 is not built in (ISO C). */
typedef int kfk__lz4_unused_t;

#endif
