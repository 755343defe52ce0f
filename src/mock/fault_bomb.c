/*
 * fault_bomb.c: compression bombs for the mock's `bomb=CODEC:BYTES` fault (fault.c).
 *
 * A bomb is one RecordBatch v2 (magic 2, base offset 0 (h_data.c sets it to the fetch offset),
 * one record, CRC-32C right) whose attributes name gzip, snappy, lz4 or zstd and whose records,
 * inflated, are one record: attributes 0, timestamp and offset deltas 0, a null key, a value of
 * BYTES zero bytes and no header. Everything after the record's first few bytes is zeros, so
 * the input is fed to the codec in chunks of one static zero buffer and never held whole:
 *
 *   gzip   zlib's deflate (RFC 1952 wrapper, level 9), streaming
 *   zstd   ZSTD_compressStream2, the content size declared (pledged) or left out (no_size)
 *   lz4    the LZ4 frame format (LZ4F, 64 KiB independent blocks, no content size), streaming
 *   snappy Kafka's xerial framing: the 16-byte header, then one int32 BE length + raw snappy
 *          block per 32 KiB of input (as snappy-java writes); the all-zero middle block is
 *          compressed once and repeated
 *
 * The compressed batch is bounded by KFK__MOCK_BOMB_OUT_MAX (64 MiB): about 1.2 GiB of zeros in
 * snappy (which expands at most ~21x), far more in the others. A codec not built in (the mock
 * links the codec libraries kfk found) is KFK_ERR__UNSUPPORTED_COMPRESSION.
 */
#include <string.h>

#include "mock/mock_int.h"
#include "protocol/errstr.h"
#include "protocol/mem.h"

#ifdef KFK_HAVE_ZLIB
#include <zlib.h>
#endif
#ifdef KFK_HAVE_ZSTD
#include <zstd.h>
#endif
#ifdef KFK_HAVE_LZ4
#include <lz4frame.h>
#endif

#define BATCH_HEADER 61 /* RecordBatch v2 up to and including the record count */
#define CRC_FROM 21     /* the CRC covers the bytes from the attributes on */
#define ZERO_CHUNK ((size_t)64 * 1024)
#define SNAPPY_BLOCK ((size_t)32 * 1024)
#define BOMB_TIMESTAMP 1700000000000LL

static const uint8_t zeros[ZERO_CHUNK];

/* A growable output capped at KFK__MOCK_BOMB_OUT_MAX. */
typedef struct out {
    uint8_t *p;
    size_t len, cap;
    kfk_err_t err;
} out_t;

/* Room for @p more bytes at o->p + o->len; NULL (o->err set) past the cap or out of memory. */
static uint8_t *out_room(out_t *o, size_t more) {
    if (o->err)
        return NULL;
    if (more > KFK__MOCK_BOMB_OUT_MAX - o->len) {
        o->err = KFK_ERR__INVALID_ARG;
        return NULL;
    }
    if (o->len + more > o->cap) {
        size_t cap = o->cap ? o->cap : 64 * 1024;
        while (cap < o->len + more)
            cap *= 2;
        if (cap > KFK__MOCK_BOMB_OUT_MAX)
            cap = KFK__MOCK_BOMB_OUT_MAX;
        uint8_t *p = kfk__realloc(o->p, cap);
        if (!p) {
            o->err = KFK_ERR__NOMEM;
            return NULL;
        }
        o->p = p;
        o->cap = cap;
    }
    return o->p + o->len;
}

static void out_put(out_t *o, const void *b, size_t n) {
    uint8_t *d = out_room(o, n);
    if (d) {
        memcpy(d, b, n);
        o->len += n;
    }
}

static void be(uint8_t *p, uint64_t v, int n) {
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

/* Writes @p v as a zigzag varint at @p p; returns its length. */
static size_t varint(uint8_t *p, int64_t v) {
    uint64_t u = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
    size_t n = 0;
    while (u >= 0x80) {
        p[n++] = (uint8_t)(u | 0x80);
        u >>= 7;
    }
    p[n++] = (uint8_t)u;
    return n;
}

/*
 * The record's bytes before its value (its length, attributes, deltas, the null key, the value
 * length) into @p p (at least 16 bytes); returns how many. The value's @p value zeros and the
 * header count (0, a zero byte too) follow.
 */
static size_t record_prefix(uint8_t *p, int64_t value) {
    uint8_t vl[10];
    size_t vn = varint(vl, value);
    int64_t body = 1 + 1 + 1 + 1 + (int64_t)vn + value + 1; /* attrs, ts, off, key, vlen, v, h */
    size_t n = varint(p, body);
    p[n++] = 0; /* attributes */
    p[n++] = 0; /* timestampDelta 0 */
    p[n++] = 0; /* offsetDelta 0 */
    p[n++] = 1; /* keyLength -1: null */
    memcpy(p + n, vl, vn);
    return n + vn;
}

#ifdef KFK_HAVE_ZLIB
static kfk_err_t bomb_gzip(out_t *o, const uint8_t *pre, size_t pre_n, uint64_t nzero) {
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return KFK_ERR__NOMEM;
    int flush = Z_NO_FLUSH, rc = Z_OK;
    int first = 1;
    while (rc != Z_STREAM_END && !o->err) {
        if (z.avail_in == 0 && flush == Z_NO_FLUSH) {
            if (first) {
                z.next_in = (Bytef *)pre;
                z.avail_in = (uInt)pre_n;
                first = 0;
            } else if (nzero > 0) {
                size_t n = nzero < ZERO_CHUNK ? (size_t)nzero : ZERO_CHUNK;
                z.next_in = (Bytef *)zeros;
                z.avail_in = (uInt)n;
                nzero -= n;
            } else {
                flush = Z_FINISH;
            }
        }
        uint8_t *d = out_room(o, 64 * 1024);
        if (!d)
            break;
        z.next_out = d;
        z.avail_out = 64 * 1024;
        rc = deflate(&z, flush);
        o->len += 64 * 1024 - z.avail_out;
        if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
            o->err = KFK_ERR__INVALID_ARG;
            break;
        }
    }
    deflateEnd(&z);
    return o->err;
}
#endif

#ifdef KFK_HAVE_ZSTD
static kfk_err_t bomb_zstd(out_t *o, const uint8_t *pre, size_t pre_n, uint64_t nzero,
                           int no_size) {
    ZSTD_CCtx *c = ZSTD_createCCtx();
    if (!c)
        return KFK_ERR__NOMEM;
    ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, 1);
    if (no_size)
        ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, 0);
    else
        ZSTD_CCtx_setPledgedSrcSize(c, (unsigned long long)pre_n + nzero);
    ZSTD_inBuffer in = {pre, pre_n, 0};
    ZSTD_EndDirective mode = ZSTD_e_continue;
    int first = 1;
    for (;;) {
        if (in.pos == in.size && mode == ZSTD_e_continue) {
            if (first) {
                first = 0;
            } else if (nzero > 0) {
                size_t n = nzero < ZERO_CHUNK ? (size_t)nzero : ZERO_CHUNK;
                in = (ZSTD_inBuffer){zeros, n, 0};
                nzero -= n;
            } else {
                mode = ZSTD_e_end;
            }
        }
        uint8_t *d = out_room(o, 64 * 1024);
        if (!d)
            break;
        ZSTD_outBuffer ob = {d, 64 * 1024, 0};
        size_t left = ZSTD_compressStream2(c, &ob, &in, mode);
        o->len += ob.pos;
        if (ZSTD_isError(left)) {
            o->err = KFK_ERR__INVALID_ARG;
            break;
        }
        if (mode == ZSTD_e_end && left == 0)
            break;
    }
    ZSTD_freeCCtx(c);
    return o->err;
}
#endif

#ifdef KFK_HAVE_LZ4
static kfk_err_t bomb_lz4(out_t *o, const uint8_t *pre, size_t pre_n, uint64_t nzero) {
    LZ4F_cctx *c = NULL;
    LZ4F_preferences_t prefs;
    memset(&prefs, 0, sizeof prefs);
    prefs.frameInfo.blockSizeID = LZ4F_max64KB;
    prefs.frameInfo.blockMode = LZ4F_blockIndependent;
    if (LZ4F_isError(LZ4F_createCompressionContext(&c, LZ4F_VERSION)))
        return KFK_ERR__NOMEM;
    size_t bound = LZ4F_compressBound(ZERO_CHUNK, &prefs) + LZ4F_HEADER_SIZE_MAX;
    uint8_t *d = out_room(o, bound);
    size_t r = d ? LZ4F_compressBegin(c, d, bound, &prefs) : 0;
    if (d && LZ4F_isError(r))
        o->err = KFK_ERR__INVALID_ARG;
    else if (d)
        o->len += r;
    const uint8_t *src = pre;
    size_t src_n = pre_n;
    while (!o->err) {
        if ((d = out_room(o, bound)) == NULL)
            break;
        r = LZ4F_compressUpdate(c, d, bound, src, src_n, NULL);
        if (LZ4F_isError(r)) {
            o->err = KFK_ERR__INVALID_ARG;
            break;
        }
        o->len += r;
        if (nzero == 0) {
            if ((d = out_room(o, bound)) == NULL)
                break;
            r = LZ4F_compressEnd(c, d, bound, NULL);
            if (LZ4F_isError(r))
                o->err = KFK_ERR__INVALID_ARG;
            else
                o->len += r;
            break;
        }
        src_n = nzero < ZERO_CHUNK ? (size_t)nzero : ZERO_CHUNK;
        src = zeros;
        nzero -= src_n;
    }
    LZ4F_freeCompressionContext(c);
    return o->err;
}
#endif

/* Appends the xerial block of @p in (at most 32 KiB): kfk_compress's one-block stream less its
 * 16-byte header. */
static kfk_err_t snappy_block(out_t *o, const uint8_t *in, size_t n) {
    kfk_wbuf_t w;
    kfk_wbuf_init(&w);
    kfk_err_t err = kfk_compress(KFK_CODEC_SNAPPY, -1, in, n, &w);
    if (!err && w.len <= 16)
        err = KFK_ERR__INVALID_ARG;
    if (!err)
        out_put(o, w.data + 16, w.len - 16);
    kfk_wbuf_free(&w);
    return err ? err : o->err;
}

static kfk_err_t bomb_snappy(out_t *o, const uint8_t *pre, size_t pre_n, uint64_t nzero) {
    static const uint8_t header[16] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0,
                                       0,    0,   0,   1,   0,   0,   0,   1};
    uint8_t first[SNAPPY_BLOCK];
    size_t take = SNAPPY_BLOCK - pre_n;
    kfk_err_t err;
    if (take > nzero)
        take = (size_t)nzero;
    memcpy(first, pre, pre_n);
    memset(first + pre_n, 0, take);
    nzero -= take;
    out_put(o, header, sizeof header);
    if ((err = snappy_block(o, first, pre_n + take)) != KFK_ERR_NONE)
        return err;
    if (nzero >= SNAPPY_BLOCK) {
        /* The all-zero block, compressed once, repeated. */
        size_t at = o->len;
        if ((err = snappy_block(o, zeros, SNAPPY_BLOCK)) != KFK_ERR_NONE)
            return err;
        size_t blen = o->len - at;
        nzero -= SNAPPY_BLOCK;
        while (nzero >= SNAPPY_BLOCK && !o->err) {
            uint8_t *d = out_room(o, blen);
            if (!d)
                break;
            memcpy(d, o->p + at, blen);
            o->len += blen;
            nzero -= SNAPPY_BLOCK;
        }
    }
    if (nzero > 0 && !o->err)
        return snappy_block(o, zeros, (size_t)nzero);
    return o->err;
}

kfk_err_t kfk__mock_bomb_build(kfk_codec_t codec, int no_size, int64_t bytes, uint8_t **out,
                               size_t *out_len, char *why, size_t why_size) {
    out_t o = {NULL, 0, 0, KFK_ERR_NONE};
    uint8_t pre[24];
    kfk_err_t err = KFK_ERR__UNSUPPORTED_COMPRESSION;
    *out = NULL;
    *out_len = 0;
    if (bytes < 1 || bytes > KFK__MOCK_BOMB_BYTES_MAX) {
        kfk__errstr_set(why, why_size, "bomb of %lld bytes out of range (1..%lld)",
                        (long long)bytes, (long long)KFK__MOCK_BOMB_BYTES_MAX);
        return KFK_ERR__INVALID_ARG;
    }
    if (!kfk_codec_available(codec) || codec == KFK_CODEC_NONE) {
        kfk__errstr_set(why, why_size, "codec %s is not built into this kfk",
                        kfk_codec_name(codec));
        return KFK_ERR__UNSUPPORTED_COMPRESSION;
    }
    size_t pre_n = record_prefix(pre, bytes);
    uint64_t nzero = (uint64_t)bytes + 1; /* the value, then the header count 0 */
    uint8_t *h = out_room(&o, BATCH_HEADER);
    if (!h)
        goto done;
    memset(h, 0, BATCH_HEADER);
    o.len = BATCH_HEADER;
    switch (codec) {
#ifdef KFK_HAVE_ZLIB
    case KFK_CODEC_GZIP:
        err = bomb_gzip(&o, pre, pre_n, nzero);
        break;
#endif
#ifdef KFK_HAVE_ZSTD
    case KFK_CODEC_ZSTD:
        err = bomb_zstd(&o, pre, pre_n, nzero, no_size);
        break;
#endif
#ifdef KFK_HAVE_LZ4
    case KFK_CODEC_LZ4:
        err = bomb_lz4(&o, pre, pre_n, nzero);
        break;
#endif
    case KFK_CODEC_SNAPPY:
        err = bomb_snappy(&o, pre, pre_n, nzero);
        break;
    default:
        kfk__errstr_set(why, why_size, "codec %s is not linked into the mock",
                        kfk_codec_name(codec));
        kfk__free(o.p);
        return KFK_ERR__UNSUPPORTED_COMPRESSION;
    }
    (void)no_size;
    if (err || o.err)
        goto done;
    h = o.p;
    be(h + 0, 0, 8);                         /* baseOffset */
    be(h + 8, (uint64_t)(o.len - 12), 4);    /* batchLength */
    be(h + 12, 0, 4);                        /* partitionLeaderEpoch */
    h[16] = 2;                               /* magic */
    be(h + 21, (uint64_t)codec, 2);          /* attributes: the codec */
    be(h + 23, 0, 4);                        /* lastOffsetDelta */
    be(h + 27, (uint64_t)BOMB_TIMESTAMP, 8); /* baseTimestamp */
    be(h + 35, (uint64_t)BOMB_TIMESTAMP, 8); /* maxTimestamp */
    be(h + 43, UINT64_MAX, 8);               /* producerId -1 */
    be(h + 51, 0xffff, 2);                   /* producerEpoch -1 */
    be(h + 53, 0xffffffffu, 4);              /* baseSequence -1 */
    be(h + 57, 1, 4);                        /* records: 1 */
    be(h + 17, kfk_crc32c(0, h + CRC_FROM, o.len - CRC_FROM), 4);
    *out = o.p;
    *out_len = o.len;
    return KFK_ERR_NONE;
done:
    if (o.err)
        err = o.err;
    if (err == KFK_ERR__NOMEM)
        kfk__errstr_set(why, why_size, "out of memory building the bomb");
    else if (err == KFK_ERR__INVALID_ARG)
        kfk__errstr_set(why, why_size,
                        "a %s bomb of %lld bytes would compress to more than %zu bytes",
                        kfk_codec_name(codec), (long long)bytes, KFK__MOCK_BOMB_OUT_MAX);
    else
        kfk__errstr_set(why, why_size, "codec %s failed building the bomb (%s)",
                        kfk_codec_name(codec), kfk_err_name(err));
    kfk__free(o.p);
    return err;
}
