/*
 * compress.h: what compress.c (dispatch, names) and compress_out.c (output buffers, allocation
 * hooks) share with the one-file-per-codec adapters compress_gzip.c, compress_snappy.c,
 * compress_lz4.c and compress_zstd.c. Internal; not installed.
 *
 * Each adapter is compiled only when its KFK_HAVE_<LIB> is defined; compress.c calls it under the
 * same guard. The adapters follow kfk_compress / kfk_decompress's contract (kfk/protocol.h) with
 * these simplifications, which compress.c guarantees before calling them: @p out has no sticky
 * error, and for decompression @p limit = (@p out->len at entry) + max_out, saturated at
 * SIZE_MAX - 1 (so limit + 1 never overflows). A negative @p level means the codec's default; an
 * adapter rejects a level out of its codec's range with KFK_ERR__INVALID_ARG. Adapters may leave
 * bytes past the entry length in @p out on error: compress.c restores @p out->len.
 */
#ifndef KFK_PROTOCOL_COMPRESS_H
#define KFK_PROTOCOL_COMPRESS_H

#include <stddef.h>
#include <stdint.h>

#include "kfk/protocol.h"

/*
 * Makes room in @p w for decompressed output without ever letting its length pass @p limit + 1
 * (the one byte of slack lets a decoder tell "exactly at the cap" from "over the cap" without
 * asking the codec twice): on success *dst points at w->data + w->len and *avail (>= 1) bytes may
 * be written there, at least min(@p want, limit + 1 - w->len). Capacity grows geometrically but
 * never past limit + 1 bytes, so a decoder allocates at most its cap plus one byte for its output.
 * Returns KFK__DECOMPRESS_OVER_CAP when w->len is already past @p limit (the output is over the
 * cap), KFK_ERR__NOMEM (also set sticky in w->err) when the buffer cannot grow.
 */
kfk_err_t kfk__out_reserve(kfk_wbuf_t *w, size_t want, size_t limit, uint8_t **dst, size_t *avail);

/*
 * What an adapter (and kfk__out_reserve) returns when the output would pass the cap, so that
 * compress.c can tell "over the cap" from "corrupt": compress.c returns KFK_ERR__DECOMPRESS to
 * its caller either way (kfk_decompress's contract) and remembers the cap in the context
 * (kfk__codec_ctx_over_cap). Kafka's MESSAGE_TOO_LARGE serves as the marker; it never leaves
 * compress.c.
 */
#define KFK__DECOMPRESS_OVER_CAP KFK_ERR_MESSAGE_TOO_LARGE

/* A default-sized first output chunk for an input of @p in_len compressed bytes. */
size_t kfk__out_first_chunk(size_t in_len);

/*
 * Allocation hooks for the codec libraries that take them (zlib, liblz4, libzstd): every
 * allocation goes through kfk__malloc so that tests can fail it. @p opaque is unused.
 */
void *kfk__codec_alloc(void *opaque, size_t size);
void kfk__codec_free(void *opaque, void *p);

/*
 * The reusable state behind kfk_codec_ctx_t: one slot per library context, each created on
 * first use and kept across calls (reset before each use). An adapter frees its own slots after
 * an error, so the next call starts clean. A zero-filled struct is an empty context; the
 * context-less kfk_compress / kfk_decompress use one on the stack and release it after the call.
 */
struct kfk_codec_ctx {
    void *gzip_deflate; /* z_stream *, deflating at gzip_level */
    int gzip_level;
    void *gzip_inflate; /* z_stream * */
    void *lz4_cctx;     /* LZ4F_cctx * */
    void *lz4_dctx;     /* LZ4F_dctx * */
    void *zstd_cctx;    /* ZSTD_CCtx * */
    void *zstd_dctx;    /* ZSTD_DCtx * */
    int over_cap;       /* the last decompression failed because it passed its cap */
    /* A finished batch's compressed records before they go back into its buffer: kept between
     * batches, so a producer does not allocate (and fault in) a buffer of its batch size per batch.
     * Freed with the context or by kfk__codec_ctx_trim. */
    kfk_wbuf_t batch_out;
};

/* Frees what @p ctx keeps between calls (library contexts and batch_out); it stays usable. For
 * an owner gone idle. */
void kfk__codec_ctx_trim(kfk_codec_ctx_t *ctx);

/* True when @p ctx holds memory that kfk__codec_ctx_trim would free. NULL: false. */
int kfk__codec_ctx_holds(const kfk_codec_ctx_t *ctx);

/*
 * True when the last kfk_codec_ctx_decompress (or kfk_record_iter_init_ctx) with @p ctx failed
 * because the output would have passed its max_out cap, not because the input was corrupt.
 */
int kfk__codec_ctx_over_cap(const kfk_codec_ctx_t *ctx);

#ifdef KFK_HAVE_ZLIB
kfk_err_t kfk__gzip_compress(kfk_codec_ctx_t *ctx, int level, const uint8_t *in, size_t len,
                             kfk_wbuf_t *out);
kfk_err_t kfk__gzip_decompress(kfk_codec_ctx_t *ctx, const uint8_t *in, size_t len, size_t limit,
                               kfk_wbuf_t *out);
/* Frees @p ctx's zlib state (its slots become NULL). */
void kfk__gzip_release(kfk_codec_ctx_t *ctx);
#endif
/* snappy (always built: kfk's own code) keeps no state between calls: no context slots. */
kfk_err_t kfk__snappy_compress(const uint8_t *in, size_t len, kfk_wbuf_t *out);
kfk_err_t kfk__snappy_decompress(const uint8_t *in, size_t len, size_t limit, kfk_wbuf_t *out);
/* The raw snappy block format (snappy_block.c). The most a block of @p n input bytes takes. */
size_t kfk__snappy_max_compressed(size_t n);
/* Compresses @p n bytes into @p dst (kfk__snappy_max_compressed(n) bytes); returns the length. */
size_t kfk__snappy_block_compress(const uint8_t *in, size_t n, uint8_t *dst);
/* Reads a block's uncompressed length (its varint preamble, below 2^32) into @p ulen and the
 * preamble's size into @p hdr: 0, or -1 when @p p does not start with one. */
int kfk__snappy_uncompressed_length(const uint8_t *p, size_t n, size_t *ulen, size_t *hdr);
/* Decodes the block @p in (@p n bytes) into @p dst, which holds exactly @p ulen bytes (the
 * block's declared length, checked): KFK_ERR__DECOMPRESS for anything malformed. */
kfk_err_t kfk__snappy_block_decompress(const uint8_t *in, size_t n, uint8_t *dst, size_t ulen);
#ifdef KFK_HAVE_LZ4
kfk_err_t kfk__lz4_compress(kfk_codec_ctx_t *ctx, int level, const uint8_t *in, size_t len,
                            kfk_wbuf_t *out);
kfk_err_t kfk__lz4_decompress(kfk_codec_ctx_t *ctx, const uint8_t *in, size_t len, size_t limit,
                              kfk_wbuf_t *out);
/* Frees @p ctx's LZ4F contexts (its slots become NULL). */
void kfk__lz4_release(kfk_codec_ctx_t *ctx);
#endif
#ifdef KFK_HAVE_ZSTD
kfk_err_t kfk__zstd_compress(kfk_codec_ctx_t *ctx, int level, const uint8_t *in, size_t len,
                             kfk_wbuf_t *out);
kfk_err_t kfk__zstd_decompress(kfk_codec_ctx_t *ctx, const uint8_t *in, size_t len, size_t limit,
                               kfk_wbuf_t *out);
/* Frees @p ctx's zstd contexts (its slots become NULL). */
void kfk__zstd_release(kfk_codec_ctx_t *ctx);
#endif

#endif
