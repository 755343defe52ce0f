/*
 * test_compress_bombs.c: decompression is bounded whatever a codec says. Real 1 GiB bombs,
 * built here by compressing zeros a megabyte at a time (1 GiB is never in memory), and length
 * lies in each codec's framing (gzip; zstd with and without a declared content size; lz4 frames
 * with a declared content size and block sizes that lie; snappy, raw and xerial-framed, with
 * preambles and block lengths that lie) must fail with KFK_ERR__DECOMPRESS at the consumer's
 * default cap (32 MiB) without any allocation larger than the cap plus one byte, and a context
 * must tell the bomb (over the cap: kfk__codec_ctx_over_cap) from the lie (corrupt), which is
 * what lets the consumer say "gzip batch ... inflates past 33554432 bytes".
 */
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "kfk/protocol.h"
#include "protocol/compress.h"
#include "protocol/mem.h"

#ifdef KFK_HAVE_ZLIB
#include <zlib.h>
#endif
#ifdef KFK_HAVE_LZ4
#include <lz4frame.h>
#endif
#ifdef KFK_HAVE_ZSTD
#include <zstd.h>
#endif
#ifdef KFK_HAVE_SNAPPY
#include <snappy-c.h>
#endif

#define MIB ((size_t)1 << 20)
#define GIB ((size_t)1 << 30)
#define CAP (32 * MIB) /* the consumer's default inflate cap */

static uint8_t zeros[MIB];

/* Decompresses @p z with a fresh context at CAP: returns the error, and whether the context
 * says the cap was hit (*over) and the largest single allocation (*biggest). */
static kfk_err_t inflate_capped(kfk_codec_t codec, const uint8_t *z, size_t n, int *over,
                                size_t *biggest) {
    kfk_codec_ctx_t *ctx;
    cr_assert_eq(kfk_codec_ctx_new(&ctx), KFK_ERR_NONE);
    kfk_wbuf_t out;
    kfk_wbuf_init(&out);
    kfk__mem_max_alloc_reset();
    kfk_err_t err = kfk_codec_ctx_decompress(ctx, codec, z, n, CAP, &out);
    *biggest = kfk__mem_max_alloc_reset();
    *over = kfk__codec_ctx_over_cap(ctx);
    cr_assert_leq(out.cap, CAP + 1, "%s: output buffer of %zu bytes", kfk_codec_name(codec),
                  out.cap);
    if (err)
        cr_assert_eq(out.len, 0);
    kfk_wbuf_free(&out);
    kfk_codec_ctx_free(ctx);
    return err;
}

/* A bomb must fail over the cap, allocating no more than the cap at once. */
static void expect_bomb_stopped(kfk_codec_t codec, const uint8_t *z, size_t n, const char *what) {
    int over;
    size_t biggest;
    kfk_err_t err = inflate_capped(codec, z, n, &over, &biggest);
    cr_log_info("%s: %zu compressed bytes, largest allocation %zu", what, n, biggest);
    cr_expect_eq(err, KFK_ERR__DECOMPRESS, "%s: %s", what, kfk_err_name(err));
    cr_expect(over, "%s: not reported as over the cap", what);
    cr_expect_leq(biggest, CAP + 1, "%s: allocated %zu bytes at once", what, biggest);
}

/* A lie must fail as corrupt, allocating nothing like what it claims. */
static void expect_lie_refused(kfk_codec_t codec, const uint8_t *z, size_t n, const char *what,
                               size_t most) {
    int over;
    size_t biggest;
    kfk_err_t err = inflate_capped(codec, z, n, &over, &biggest);
    cr_expect_eq(err, KFK_ERR__DECOMPRESS, "%s: %s", what, kfk_err_name(err));
    cr_expect(!over, "%s: a lie reported as over the cap", what);
    cr_expect_leq(biggest, most, "%s: allocated %zu bytes at once (at most %zu)", what, biggest,
                  most);
}

#ifdef KFK_HAVE_ZLIB
Test(compress_bombs, a_gzip_member_inflating_to_1_gib_stops_at_the_cap, .timeout = 120) {
    z_stream s;
    memset(&s, 0, sizeof s);
    cr_assert_eq(deflateInit2(&s, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = 4 * MIB, len = 0;
    uint8_t *z = malloc(cap);
    cr_assert(z);
    for (size_t done = 0; done <= GIB; done += MIB) {
        int last = done == GIB;
        s.next_in = zeros;
        s.avail_in = last ? 0 : MIB;
        do {
            s.next_out = z + len;
            s.avail_out = (uInt)(cap - len);
            int rc = deflate(&s, last ? Z_FINISH : Z_NO_FLUSH);
            cr_assert(rc == Z_OK || rc == Z_STREAM_END || rc == Z_BUF_ERROR);
            len = cap - s.avail_out;
            cr_assert_lt(len, cap, "the bomb does not fit 4 MiB");
        } while (s.avail_in > 0 || (last && s.avail_out == 0));
    }
    deflateEnd(&s);
    expect_bomb_stopped(KFK_CODEC_GZIP, z, len, "gzip 1 GiB");
    /* The member's trailer says 1 GiB mod 2^32 = 0 bytes: cut it, and it is still a bomb (the
     * cap is met before the end). */
    expect_bomb_stopped(KFK_CODEC_GZIP, z, len - 8, "gzip 1 GiB without its trailer");
    free(z);
}
#endif

#ifdef KFK_HAVE_ZSTD
/* 1 GiB of zeros as one zstd frame, the content size declared (@p pledge) or not. */
static uint8_t *zstd_bomb(int pledge, size_t *len) {
    ZSTD_CCtx *c = ZSTD_createCCtx();
    cr_assert(c);
    ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, 1);
    if (pledge)
        cr_assert(!ZSTD_isError(ZSTD_CCtx_setPledgedSrcSize(c, GIB)));
    size_t cap = 4 * MIB;
    uint8_t *z = malloc(cap);
    cr_assert(z);
    ZSTD_outBuffer ob = {z, cap, 0};
    for (size_t done = 0; done < GIB; done += MIB) {
        ZSTD_inBuffer ib = {zeros, MIB, 0};
        while (ib.pos < ib.size)
            cr_assert(!ZSTD_isError(ZSTD_compressStream2(c, &ob, &ib, ZSTD_e_continue)));
    }
    ZSTD_inBuffer none = {zeros, 0, 0};
    size_t r;
    do {
        r = ZSTD_compressStream2(c, &ob, &none, ZSTD_e_end);
        cr_assert(!ZSTD_isError(r));
    } while (r != 0);
    ZSTD_freeCCtx(c);
    cr_assert_eq(ZSTD_getFrameContentSize(z, ob.pos),
                 pledge ? (unsigned long long)GIB : ZSTD_CONTENTSIZE_UNKNOWN);
    *len = ob.pos;
    return z;
}

Test(compress_bombs, a_zstd_frame_of_1_gib_with_its_size_declared_stops_at_the_cap,
     .timeout = 120) {
    size_t n;
    uint8_t *z = zstd_bomb(1, &n);
    expect_bomb_stopped(KFK_CODEC_ZSTD, z, n, "zstd 1 GiB, size declared");
    free(z);
}

Test(compress_bombs, a_zstd_frame_of_1_gib_without_a_declared_size_stops_at_the_cap,
     .timeout = 120) {
    size_t n;
    uint8_t *z = zstd_bomb(0, &n);
    expect_bomb_stopped(KFK_CODEC_ZSTD, z, n, "zstd 1 GiB, no size");
    free(z);
}

Test(compress_bombs, a_zstd_frame_declaring_more_than_it_holds_is_corrupt) {
    /* 1 MiB of zeros with a pledged size of 1 MiB, then the declared size rewritten to 16 MiB
     * (4-byte content size field): zstd checks the size at the frame's end. */
    ZSTD_CCtx *c = ZSTD_createCCtx();
    cr_assert(!ZSTD_isError(ZSTD_CCtx_setPledgedSrcSize(c, MIB)));
    uint8_t z[4096];
    ZSTD_outBuffer ob = {z, sizeof z, 0};
    ZSTD_inBuffer ib = {zeros, MIB, 0};
    size_t r;
    do {
        r = ZSTD_compressStream2(c, &ob, &ib, ZSTD_e_end);
        cr_assert(!ZSTD_isError(r));
    } while (r != 0);
    ZSTD_freeCCtx(c);
    /* Frame header descriptor at byte 4: FCS field size code in its top two bits. */
    int fcs_code = z[4] >> 6;
    int single = (z[4] >> 5) & 1;
    cr_assert_eq(fcs_code, 2, "a 4-byte content size field");
    size_t at = 5 + (single ? 0 : 1);
    uint32_t lie = 16 * MIB;
    for (int b = 0; b < 4; b++)
        z[at + (size_t)b] = (uint8_t)(lie >> (8 * b));
    expect_lie_refused(KFK_CODEC_ZSTD, z, ob.pos, "zstd declaring 16 MiB over 1 MiB", 16 * MIB + 1);
}
#endif

#ifdef KFK_HAVE_LZ4
/* 1 GiB of zeros as one LZ4 frame of 4 MiB blocks, declaring its content size or not. */
static uint8_t *lz4_bomb(int declare, size_t *len) {
    LZ4F_preferences_t prefs;
    memset(&prefs, 0, sizeof prefs);
    prefs.frameInfo.blockSizeID = LZ4F_max4MB;
    prefs.frameInfo.contentSize = declare ? GIB : 0;
    LZ4F_cctx *c;
    cr_assert(!LZ4F_isError(LZ4F_createCompressionContext(&c, LZ4F_VERSION)));
    size_t cap = 16 * MIB, n = 0;
    uint8_t *z = malloc(cap);
    cr_assert(z);
    size_t r = LZ4F_compressBegin(c, z, cap, &prefs);
    cr_assert(!LZ4F_isError(r));
    n += r;
    size_t bound = LZ4F_compressBound(MIB, &prefs);
    for (size_t done = 0; done < GIB; done += MIB) {
        cr_assert_lt(n + bound, cap, "the bomb does not fit 16 MiB");
        r = LZ4F_compressUpdate(c, z + n, cap - n, zeros, MIB, NULL);
        cr_assert(!LZ4F_isError(r));
        n += r;
    }
    r = LZ4F_compressEnd(c, z + n, cap - n, NULL);
    cr_assert(!LZ4F_isError(r));
    n += r;
    LZ4F_freeCompressionContext(c);
    *len = n;
    return z;
}

Test(compress_bombs, an_lz4_frame_of_1_gib_stops_at_the_cap, .timeout = 120) {
    size_t n;
    uint8_t *z = lz4_bomb(0, &n);
    expect_bomb_stopped(KFK_CODEC_LZ4, z, n, "lz4 1 GiB");
    free(z);
    z = lz4_bomb(1, &n);
    expect_bomb_stopped(KFK_CODEC_LZ4, z, n, "lz4 1 GiB, size declared");
    free(z);
}

Test(compress_bombs, lz4_block_sizes_and_content_sizes_that_lie_are_corrupt) {
    /* A small frame of 64 KiB blocks (kfk's own), no content size: header 7 bytes, then the
     * first block's 4-byte size. */
    kfk_wbuf_t z;
    kfk_wbuf_init(&z);
    cr_assert_eq(kfk_compress(KFK_CODEC_LZ4, -1, zeros, 200000, &z), KFK_ERR_NONE);
    uint8_t *bad = malloc(z.len);
    cr_assert(bad);
    /* A block claiming 4 MiB in a 64 KiB-block frame. */
    memcpy(bad, z.data, z.len);
    bad[7] = 0x00, bad[8] = 0x00, bad[9] = 0x40, bad[10] = 0x00;
    expect_lie_refused(KFK_CODEC_LZ4, bad, z.len, "lz4 block size past the maximum", MIB);
    /* A block claiming more bytes than follow it (size 60000, stored-raw bit clear). */
    memcpy(bad, z.data, z.len);
    bad[7] = 0x60, bad[8] = 0xea, bad[9] = 0x00, bad[10] = 0x00;
    expect_lie_refused(KFK_CODEC_LZ4, bad, z.len, "lz4 block size past the end", MIB);
    /* A stored-raw block claiming 65536 bytes (the most its frame allows) then its stream
     * cut: truncated. */
    memcpy(bad, z.data, z.len);
    bad[7] = 0x00, bad[8] = 0x00, bad[9] = 0x01, bad[10] = 0x80;
    expect_lie_refused(KFK_CODEC_LZ4, bad, 40, "lz4 raw block cut short", MIB);
    free(bad);
    kfk_wbuf_free(&z);

    /* A frame declaring a content size of 1 GiB over 200000 bytes: begun with the claim,
     * flushed, and ended by hand (LZ4F_compressEnd would refuse the mismatch). */
    LZ4F_preferences_t prefs;
    memset(&prefs, 0, sizeof prefs);
    prefs.frameInfo.contentSize = GIB;
    size_t bound = LZ4F_compressBound(200000, &prefs) + LZ4F_HEADER_SIZE_MAX + 8;
    uint8_t *f = malloc(bound);
    cr_assert(f);
    LZ4F_cctx *c;
    cr_assert(!LZ4F_isError(LZ4F_createCompressionContext(&c, LZ4F_VERSION)));
    size_t n = LZ4F_compressBegin(c, f, bound, &prefs);
    cr_assert(!LZ4F_isError(n));
    size_t r = LZ4F_compressUpdate(c, f + n, bound - n, zeros, 200000, NULL);
    cr_assert(!LZ4F_isError(r));
    n += r;
    r = LZ4F_flush(c, f + n, bound - n, NULL);
    cr_assert(!LZ4F_isError(r));
    n += r;
    memset(f + n, 0, 4); /* the end mark */
    n += 4;
    LZ4F_freeCompressionContext(c);
    expect_lie_refused(KFK_CODEC_LZ4, f, n, "lz4 content size 1 GiB over 200000 bytes", 8 * MIB);
    free(f);
}
#endif

#ifdef KFK_HAVE_SNAPPY
Test(compress_bombs, snappy_preambles_that_claim_1_gib_allocate_nothing) {
    /* Raw: preamble 1 GiB (varint 80 80 80 80 04), one literal byte. */
    static const uint8_t raw[] = {0x80, 0x80, 0x80, 0x80, 0x04, 0x00, 'x'};
    expect_lie_refused(KFK_CODEC_SNAPPY, raw, sizeof raw, "raw snappy claiming 1 GiB", 0);
    /* Xerial: one block of 7 bytes whose preamble claims 1 GiB. */
    static const uint8_t xerial[] = {0x82, 'S', 'N',  'A',  'P',  'P',  'Y',  0,    0,
                                     0,    0,   1,    0,    0,    0,    1,    0,    0,
                                     0,    7,   0x80, 0x80, 0x80, 0x80, 0x04, 0x00, 'x'};
    expect_lie_refused(KFK_CODEC_SNAPPY, xerial, sizeof xerial, "xerial snappy claiming 1 GiB", 0);
    /* Xerial: a block length (1 GiB) past the end of the stream. */
    static const uint8_t xlen[] = {0x82, 'S', 'N', 'A', 'P',  'P',  'Y',  0,    0,    0,    0,  1,
                                   0,    0,   0,   1,   0x40, 0x00, 0x00, 0x00, 0x04, 0x00, 'x'};
    expect_lie_refused(KFK_CODEC_SNAPPY, xlen, sizeof xlen, "xerial block length past the end", 0);
}

Test(compress_bombs, a_xerial_snappy_stream_inflating_past_the_cap_stops_at_it, .timeout = 120) {
    /* snappy expands at most about 21x, so a 64 MiB stream of 32 KiB zero blocks (the most
     * a fetch could carry in 3 MiB) stands for the bomb: 2048 copies of one block. */
    static char block[65536]; /* snappy wants room for its worst case, not its result */
    size_t blen = snappy_max_compressed_length(32768);
    cr_assert_leq(blen, sizeof block);
    cr_assert_eq(snappy_compress((const char *)zeros, 32768, block, &blen), SNAPPY_OK);
    cr_assert_lt(blen, 4096);
    size_t nblocks = 2048, n = 16 + nblocks * (4 + blen);
    uint8_t *z = malloc(n);
    cr_assert(z);
    static const uint8_t head[16] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1};
    memcpy(z, head, 16);
    uint8_t *p = z + 16;
    for (size_t i = 0; i < nblocks; i++) {
        p[0] = 0, p[1] = 0, p[2] = (uint8_t)(blen >> 8), p[3] = (uint8_t)blen;
        memcpy(p + 4, block, blen);
        p += 4 + blen;
    }
    expect_bomb_stopped(KFK_CODEC_SNAPPY, z, n, "xerial snappy 64 MiB");
    free(z);
}
#endif

Test(compress_bombs, corrupt_input_is_not_reported_as_over_the_cap) {
    static const uint8_t junk[] = "definitely not compressed by anything";
    for (kfk_codec_t codec = KFK_CODEC_GZIP; codec <= KFK_CODEC_ZSTD; codec++) {
        if (!kfk_codec_available(codec))
            continue;
        int over;
        size_t biggest;
        cr_expect_eq(inflate_capped(codec, junk, sizeof junk, &over, &biggest), KFK_ERR__DECOMPRESS,
                     "%s", kfk_codec_name(codec));
        cr_expect(!over, "%s: junk reported as over the cap", kfk_codec_name(codec));
    }
}
